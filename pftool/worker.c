/*
 * worker.c - the worker role: pull tasks from the scheduler, run them,
 * hand each to its task handler (tasks.h), report progress.  Only
 * dispatch and the message loop live here; what handlers share (the
 * worker's state, reporting, paths) is wctx.c below them.  A worker asks for the next batch before it finishes
 * the current one (so it never waits for a round trip while there is
 * work), streams a directory it reads in ENTRIES messages limited by
 * credits (the scheduler's back-pressure), and helps copy while it has
 * no credit, so a full queue drains instead of deadlocking.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "tasks.h"
#include "worker.h"


/* Tasks received and not yet run: the WORK messages in arrival order. */
struct wq_msg {
    struct wq_msg *next;
    struct msg m;
    struct preader r;
};

struct wqueue {
    struct wq_msg *head, *tail;
    uint32_t left;            /* tasks not yet started */
};

static void send_req(struct worker *w, uint32_t queued)
{
    struct pbuf b;
    pbuf_init(&b, 64 + sizeof(w->st) + w->done.len);
    pbuf_u8(&b, (w->walk.active ? REQ_READING : 0) |
                    (pack_pending(w) ? REQ_PENDING : 0));
    pbuf_u32(&b, queued);
    pbuf_put(&b, &w->st, sizeof(w->st));
    pbuf_u32(&b, w->ndone);
    pbuf_put(&b, w->done.data, w->done.len);
    pbuf_reset(&w->done);
    w->ndone = 0;
    memset(&w->st, 0, sizeof(w->st));
    wk_flush_out(w, 1);              /* lines before the results they explain */
    msg_send(0, TAG_REQ, &b);
}

static void run_task(struct worker *w, const struct pf_task *t)
{
    int cm = w->o->cmd == PF_CMD_CM;
    /* Packed files are published when their stream ends; only tasks
     * that need them in place end it: a hard link to one, the end of a
     * chunked file (its T_BIGFIN shares nothing with them, but reports
     * what a restart relies on).  A directory's T_DIRMETA comes only
     * once every entry of it was reported, so after its files are in
     * place: it needs no flush. */
    if (t->type == T_LINK || t->type == T_BIGFIN)
        pack_flush(w);
    switch ((enum pf_task_type)t->type) {
    case T_STAT: walk_stat(w, t); break;
    case T_DIR: walk_begin(w, t); break;
    case T_ITEM: cm ? compare_item(w, t) : copy_item(w, t); break;
    case T_LINK: copy_link(w, t); break;
    case T_BIGPREP: chunk_prep(w, t); break;
    case T_CHUNK: cm ? compare_chunk(w, t) : chunk_copy(w, t); break;
    case T_BIGFIN: chunk_finish(w, t); break;
    case T_DIRMETA: meta_dir(w, t); break;
    case T_PURGE: purge_dir(w, t); break;
    }
}

static void wq_add(struct wqueue *q, struct msg *m)
{
    struct wq_msg *e = calloc(1, sizeof(*e));
    if (e == NULL)
        abort();
    e->m = *m;
    preader_init(&e->r, m->data, m->len);
    uint32_t n = pget_u32(&e->r);
    q->left += n;
    if (q->tail)
        q->tail->next = e;
    else
        q->head = e;
    q->tail = e;
}

/* Run the next task; the message holding it is freed once used up. */
static void wq_run_one(struct worker *w, struct wqueue *q)
{
    struct wq_msg *e = q->head;
    struct pf_task t;
    if (preader_more(&e->r) && task_decode(&e->r, &t) == 0) {
        q->left--;
        run_task(w, &t);
    } else if (preader_more(&e->r)) {
        LOG_ERR("undecodable task from the scheduler; job state is unsafe");
        abort();
    }
    if (!preader_more(&e->r)) {
        q->head = e->next;
        if (q->head == NULL)
            q->tail = NULL;
        msg_free(&e->m);
        free(e);
    }
}

struct wloop {
    struct wqueue q;
    int req_out;          /* a REQ is waiting for its WORK */
    int hold;             /* got an empty WORK: re-ask when idle */
    int req_idle;         /* the REQ out was sent with no task left */
    int told_idle;        /* an empty WORK answered an idle REQ */
    int exiting;
    int finished;         /* TAG_OUT_FIN sent: nothing more to do */
    uint32_t last_batch;
};

/* The opaque run state: the worker and its message loop. */
struct wrun {
    struct worker w;
    struct wloop l;
};

int worker_tag(int tag)
{
    return tag == TAG_WORK || tag == TAG_CREDIT || tag == TAG_EXIT;
}

void worker_handle(struct wrun *r, struct msg *m)
{
    struct wloop *l = &r->l;
    switch (m->tag) {
    case TAG_WORK:
        l->req_out = 0;
        if (m->len >= 4) {
            uint32_t n;
            memcpy(&n, m->data, 4);
            l->last_batch = n;
            l->hold = n == 0;
            l->told_idle = n == 0 && l->req_idle;
        }
        wq_add(&l->q, m);
        return;
    case TAG_CREDIT:
        r->w.credits++;
        break;
    case TAG_EXIT:
        l->exiting = 1;
        break;
    default:
        LOG_WARN("unexpected message tag %d from rank %d", m->tag, m->src);
    }
    msg_free(m);
}

/* Ask early: when what is left would run out about when the answer comes. */
static int want_more(const struct wloop *l)
{
    if (l->req_out || l->exiting)
        return 0;
    if (l->q.left == 0)
        return 1;
    return !l->hold && l->q.left <= (l->last_batch + 3) / 4;
}

struct wrun *worker_open(struct pf_job *job, struct pf_service *svc)
{
    struct wrun *r = calloc(1, sizeof(*r));
    if (r == NULL)
        abort();
    struct worker *w = &r->w;
    w->job = job;
    w->o = &job->opts;
    w->svc = svc;
    w->credits = INITIAL_CREDITS;
    pbuf_init(&w->done, 4096);
    pbuf_init(&w->out, 4096);
    pbuf_init(&w->walk.batch, WALK_BATCH_BYTES + 4096);
    w->buf = malloc(w->o->block_size);
    if (w->buf == NULL)
        abort();
    return r;
}

/* The job is over for this worker: its last lines and counters go to
 * the output rank, which waits for every worker's TAG_OUT_FIN. */
static void worker_finish(struct wrun *r)
{
    struct worker *w = &r->w;
    wk_flush_out(w, 1);
    struct pbuf fin;
    pbuf_init(&fin, 8);
    pbuf_put(&fin, &w->st, sizeof(w->st));
    msg_send(w->job->output_rank, TAG_OUT_FIN, &fin);
    r->l.finished = 1;
}

int worker_step(struct wrun *r)
{
    struct worker *w = &r->w;
    struct wloop *l = &r->l;
    if (l->finished)
        return -1;
    if (l->exiting && l->q.left == 0 && !w->walk.active) {
        worker_finish(r);
        return -1;
    }
    if (want_more(l)) {
        send_req(w, l->q.left);
        l->req_out = 1;
        l->req_idle = l->q.left == 0;
    }
    /* Out of tasks: the pack stream ends (its files are stored and
     * reported) only once the scheduler has said it has nothing for an
     * idle worker (an empty WORK answering a REQ sent with no task
     * left; one sent early, with tasks left, may get an empty answer
     * too, which says nothing about later); work that is coming
     * continues the stream, so objects stay big and publishing
     * overlaps writing. */
    if (l->q.left == 0 && !(w->walk.active && w->credits > 0) &&
        (l->told_idle || !l->req_out)) {
        pack_flush(w);
        l->hold = 0;
        l->told_idle = 0;
        return 1;
    }
    if (l->q.left > 0) {
        wq_run_one(w, &l->q);
        return 1;
    }
    if (w->walk.active && w->credits > 0) {
        walk_step(w);
        return 1;
    }
    return 0;
}

void worker_close(struct wrun *r)
{
    struct worker *w = &r->w;
    LOG_DEBUG("worker idle %.3f s", msg_idle_ns() / 1e9);
    pbuf_free(&w->done);
    pbuf_free(&w->out);
    pbuf_free(&w->walk.batch);
    free(w->buf);
    pack_free(w);
    free(r);
}

int worker_run(struct pf_job *job)
{
    struct wrun *r = worker_open(job, NULL);
    struct msg m;
    for (;;) {
        while (msg_poll(&m))
            worker_handle(r, &m);
        int rc = worker_step(r);
        if (rc < 0)
            break;
        if (rc == 0) {
            msg_wait(&m);
            worker_handle(r, &m);
        }
    }
    msg_flush();
    worker_close(r);
    return 0;
}
