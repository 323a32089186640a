/*
 * sched.c - the scheduler loop: receives entries and results, hands out
 * work, keeps the queues bounded, reports progress, ends the job.
 *
 * Dispatch (one WORK message per REQ): readers get a directory first;
 * finishing work (directory metadata, chunked-file steps, links) goes
 * before new files so records are freed early; a worker with nothing
 * queued may get one chunk; files go out in batches sized so every
 * worker gets a share (and at most BATCH_BYTES of data).  Back-pressure:
 * when the queues hold more than --queue-mem bytes, credits for further
 * ENTRIES are held back and no new directories are handed out, so
 * readers copy instead of reading until the queues drain below half.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "msg.h"
#include "output.h"
#include "sched.h"


enum {
    BATCH_MAX = 256,
    BATCH_BYTES = 32 << 20,
    SEEDS_PER_ROUND = 256,
    DIR_MAX_QUEUED = 2,
    ENT_DONE = 1 << 0,
    ENT_NOMETA = 1 << 1,
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

size_t sched_queue_mem(const struct sched *s)
{
    return s->dirq.mem + s->fileq.mem + s->finq.mem;
}

static int over_limit(const struct sched *s)
{
    return sched_queue_mem(s) > s->o->queue_mem;
}

static int walk_done(const struct sched *s)
{
    return bq_empty(&s->dirq) && s->reads_active == 0 && s->seeds_out == 0 &&
           s->files_from == NULL;
}

static void send_progress(struct sched *s, int tag)
{
    struct out_progress p;
    struct pbuf b;
    memset(&p, 0, sizeof(p));
    p.st = s->total;
    p.elapsed = now_s() - s->t0;
    p.walk_done = walk_done(s);
    p.exit_code = s->exit_code;
    pbuf_init(&b, sizeof(p));
    out_progress_encode(&b, &p);
    msg_send(s->job->output_rank, tag, &b);
}

static void sched_say(struct sched *s, enum out_kind k, const char *text)
{
    struct pbuf b;
    pbuf_init(&b, 256);
    out_record(&b, k, text);
    msg_send(s->job->output_rank, TAG_OUT, &b);
}

static void seed_root(struct sched *s, int root, enum pf_task_type type)
{
    struct pbuf b;
    struct pf_task t;
    memset(&t, 0, sizeof(t));
    t.type = (uint8_t)type;
    t.flags = TF_TOP;
    t.root = (uint16_t)root;
    t.parent = ROOT_ID;
    t.rel = "";
    pbuf_init(&b, 128);
    task_encode(&b, &t);
    bq_push(&s->finq, b.data, b.len, 0);
    pbuf_free(&b);
    if (type == T_STAT)
        s->seeds_out++;
}

void sched_phase_done(struct sched *s)
{
    if (s->phase == PHASE_COPY && s->o->cmd == PF_CMD_SYNC && s->o->delete_extra) {
        if (s->total.walk_errors > 0) {
            char text[160];
            snprintf(text, sizeof(text), "refusing --delete: %llu error(s) "
                     "reading the source; nothing was deleted",
                     (unsigned long long)s->total.walk_errors);
            sched_say(s, OUT_ERROR, text);
            s->total.errors++;
        } else {
            s->phase = PHASE_PURGE;
            track_root_reset(s, s->job->nroots);
            for (int i = 0; i < s->job->nroots; i++)
                seed_root(s, i, T_PURGE);
            return;
        }
    }
    s->phase = PHASE_FINISH;
}

/* ---- --files-from ------------------------------------------------------ */

static int open_files_from(struct sched *s)
{
    const char *path = s->o->files_from;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (f == NULL)
        return -errno;
    char head[65536];
    size_t n = fread(head, 1, sizeof(head), f);
    s->ff_delim = memchr(head, '\0', n) ? '\0' : '\n';
    if (f == stdin || fseek(f, 0, SEEK_SET) < 0)
        return -ESPIPE;
    s->files_from = f;
    track_root_hold(s, 1);
    return 0;
}

/* A list entry relative to the (only) root; NULL if outside it. */
static const char *ff_rel(const struct sched *s, char *line)
{
    const char *root = s->job->roots[0].src;
    size_t n = strlen(root);
    while (strlen(line) > 1 && line[strlen(line) - 1] == '/')
        line[strlen(line) - 1] = '\0';
    if (line[0] == '/') {
        if (strcmp(root, "/") == 0)
            return line + 1;
        if (strncmp(line, root, n) != 0 || (line[n] != '/' && line[n] != '\0'))
            return NULL;
        line += n;
        while (*line == '/')
            line++;
        return line;
    }
    while (strncmp(line, "./", 2) == 0)
        line += 2;
    return line;
}

static void seed_files_from(struct sched *s)
{
    char *line = NULL;
    size_t cap = 0;
    for (int i = 0; i < SEEDS_PER_ROUND && !over_limit(s); i++) {
        ssize_t n = getdelim(&line, &cap, s->ff_delim, s->files_from);
        if (n < 0) {
            fclose(s->files_from);
            s->files_from = NULL;
            track_root_hold(s, -1);
            break;
        }
        if (n > 0 && line[n - 1] == s->ff_delim)
            line[n - 1] = '\0';
        if (line[0] == '\0')
            continue;
        const char *rel = ff_rel(s, line);
        if (rel == NULL) {
            char text[4352];
            snprintf(text, sizeof(text), "%s: not under %s (--files-from)",
                     line, s->job->roots[0].src);
            sched_say(s, OUT_ERROR, text);
            s->total.errors++;
            continue;
        }
        struct pf_task t = {.type = T_STAT, .flags = TF_TOP,
                            .parent = ROOT_ID, .rel = rel};
        track_root_hold(s, 1);
        struct pbuf b;
        pbuf_init(&b, 128);
        task_encode(&b, &t);
        bq_push(&s->finq, b.data, b.len, 0);
        pbuf_free(&b);
        s->seeds_out++;
    }
    free(line);
}

/* ---- dispatch ------------------------------------------------------------ */

static void add_item(struct pbuf *b, uint32_t *n, struct bqueue *q,
                     uint64_t *bytes)
{
    struct bq_item *it = bq_pop(q);
    pbuf_put(b, it->data, it->len);
    *bytes += it->weight;
    (*n)++;
    bq_release(q, it);
}

static int dir_first(const struct sched *s, const struct wstate *w)
{
    return w->reader && !over_limit(s);
}

/* A directory goes to a worker not reading one, with at most a couple
 * of quick tasks queued (it starts reading right after them). */
static int can_take_dir(const struct wstate *w)
{
    return !w->reading && w->queued <= DIR_MAX_QUEUED;
}

static void take_dir(struct sched *s, struct wstate *w, struct pbuf *b,
                     uint32_t *n)
{
    uint64_t bytes = 0;
    add_item(b, n, &s->dirq, &bytes);
    s->reads_active++;
    w->reading = 1;
}

/* Fill a WORK message for w; returns the number of tasks in it. */
static uint32_t fill_work(struct sched *s, struct wstate *w, struct pbuf *b)
{
    uint32_t n = 0;
    uint64_t bytes = 0;
    if (can_take_dir(w) && !bq_empty(&s->dirq) && dir_first(s, w)) {
        take_dir(s, w, b, &n);
        return n;
    }
    while (n < BATCH_MAX && !bq_empty(&s->finq))
        add_item(b, &n, &s->finq, &bytes);
    if (n == 0 && w->queued == 0 && track_next_chunk(s, b))
        return 1;
    uint32_t share = (uint32_t)(s->fileq.count / (size_t)s->nworkers) + 1;
    if (share > BATCH_MAX)
        share = BATCH_MAX;
    while (n < share && !bq_empty(&s->fileq) && bytes < BATCH_BYTES)
        add_item(b, &n, &s->fileq, &bytes);
    if (n == 0 && can_take_dir(w) && !bq_empty(&s->dirq))
        take_dir(s, w, b, &n);
    return n;
}

/* Entries are on their way: a directory is being read or waits to be,
 * or --files-from seeds are out. */
static int more_coming(const struct sched *s)
{
    return s->reads_active > 0 || !bq_empty(&s->dirq) || s->seeds_out > 0 ||
           s->files_from != NULL;
}

/* Answer rank's REQ if there is work for it (or it must re-ask later).
 * An idle worker whose pack stream holds files gets an empty answer
 * (it then ends the stream: stores the object, reports the files) only
 * when no entries are coming: ending it at every lull of the walk made
 * small objects and left the worker waiting on their publication while
 * the next directory's files arrived. */
static int dispatch(struct sched *s, int rank)
{
    struct wstate *w = &s->ws[rank];
    struct pbuf b;
    pbuf_init(&b, 4096);
    pbuf_u32(&b, 0);
    uint32_t n = fill_work(s, w, &b);
    if (n == 0 && w->queued == 0 && (!w->pending || more_coming(s))) {
        pbuf_free(&b);
        return 0;                        /* stays waiting */
    }
    memcpy(b.data, &n, sizeof(n));
    w->waiting = 0;
    msg_send(rank, TAG_WORK, &b);
    return 1;
}

/* Every waiting worker, once nothing is queued, is one the scheduler has
 * nothing for, except those holding pack files: they are owed an empty
 * answer (end the stream) when no entries are coming.  So after the
 * first dry dispatch only those are visited; stopping there left them
 * waiting forever, with the job unable to finish. */
static void dispatch_waiting(struct sched *s)
{
    int dry = 0;
    for (int r = s->job->first_worker; r < s->job->nranks; r++) {
        const struct wstate *w = &s->ws[r];
        if (!w->waiting || (dry && !w->pending))
            continue;
        if (dispatch(s, r) == 0 && bq_empty(&s->finq) &&
            bq_empty(&s->fileq) && bq_empty(&s->dirq) &&
            s->chunk_head == NULL)
            dry = 1;
    }
}

static void release_credits(struct sched *s)
{
    if (sched_queue_mem(s) > s->o->queue_mem / 2)
        return;
    for (int r = s->job->first_worker; r < s->job->nranks; r++)
        for (; s->ws[r].owed > 0; s->ws[r].owed--) {
            struct pbuf b;
            pbuf_init(&b, 1);
            msg_send(r, TAG_CREDIT, &b);
        }
}

/* ---- messages ------------------------------------------------------------ */

static void on_entries(struct sched *s, const struct msg *m)
{
    struct preader r;
    struct pf_task t;
    preader_init(&r, m->data, m->len);
    uint64_t parent = pget_u64(&r);
    uint8_t flags = pget_u8(&r);
    struct pf_stats d;
    const void *st = pget_bytes(&r, sizeof(d));
    if (st) {
        memcpy(&d, st, sizeof(d));
        pf_stats_add(&s->total, &d);
    }
    uint32_t n = pget_u32(&r);
    for (uint32_t i = 0; i < n && task_decode(&r, &t) == 0; i++)
        track_entry(s, &t);
    if (r.bad)
        LOG_ERR("malformed ENTRIES message from rank %d", m->src);
    if (over_limit(s))
        s->ws[m->src].owed++;
    else {
        struct pbuf b;
        pbuf_init(&b, 1);
        msg_send(m->src, TAG_CREDIT, &b);
    }
    if (flags & ENT_NOMETA)
        track_dir_nometa(s, parent);
    if (flags & ENT_DONE) {
        s->reads_active--;
        s->ws[m->src].reading = 0;
        track_dir_dec(s, parent);
    }
}

static void on_req(struct sched *s, const struct msg *m)
{
    struct preader r;
    struct pf_stats d;
    struct pf_done done;
    preader_init(&r, m->data, m->len);
    uint8_t flags = pget_u8(&r);
    uint32_t queued = pget_u32(&r);
    const void *st = pget_bytes(&r, sizeof(d));
    if (st) {
        memcpy(&d, st, sizeof(d));
        pf_stats_add(&s->total, &d);
    }
    uint32_t n = pget_u32(&r);
    for (uint32_t i = 0; i < n && done_decode(&r, &done) == 0; i++)
        track_done(s, &done);
    if (r.bad)
        LOG_ERR("malformed REQ message from rank %d", m->src);
    struct wstate *w = &s->ws[m->src];
    w->waiting = 1;
    w->queued = queued;
    w->reading = (flags & REQ_READING) != 0;
    w->pending = (flags & REQ_PENDING) != 0;
    dispatch(s, m->src);
}

/* ---- the loop ------------------------------------------------------------ */

static int all_waiting(const struct sched *s)
{
    for (int r = s->job->first_worker; r < s->job->nranks; r++)
        if (!s->ws[r].waiting)
            return 0;
    return 1;
}

static void finish(struct sched *s)
{
    s->exit_code = (s->total.errors || s->total.differ) ? PF_EXIT_FAILED
                                                        : PF_EXIT_OK;
    for (int r = s->job->first_worker; r < s->job->nranks; r++) {
        struct pbuf b;
        pbuf_init(&b, 1);
        msg_send(r, TAG_EXIT, &b);
    }
    send_progress(s, TAG_SUMMARY);
    s->phase = PHASE_DONE;
}

static int sched_init(struct sched *s, struct pf_job *job)
{
    memset(s, 0, sizeof(*s));
    s->job = job;
    s->o = &job->opts;
    bq_init(&s->dirq);
    bq_init(&s->fileq);
    bq_init(&s->finq);
    track_init(s);
    s->ws = calloc((size_t)job->nranks, sizeof(*s->ws));
    if (s->ws == NULL)
        abort();
    s->nworkers = job->nranks - job->first_worker;
    for (int r = job->first_reader; r < job->first_reader + job->nreaders; r++)
        s->ws[r].reader = 1;
    s->t0 = s->last_progress = now_s();
    /* With --files-from the list entries are the seeds, not the root. */
    track_root_reset(s, s->o->files_from ? 0 : job->nroots);
    for (int i = 0; !s->o->files_from && i < job->nroots; i++)
        seed_root(s, i, T_STAT);
    if (s->o->files_from) {
        int rc = open_files_from(s);
        if (rc < 0) {
            LOG_ERR("%s: cannot read the --files-from list: %s",
                    s->o->files_from, strerror(-rc));
            return PF_EXIT_USAGE;
        }
    }
    return 0;
}

void sched_handle(struct sched *s, struct msg *m)
{
    switch (m->tag) {
    case TAG_ENTRIES:
        on_entries(s, m);
        break;
    case TAG_REQ:
        on_req(s, m);
        break;
    default:
        if (s->job->output_rank == 0)
            s->out_done |= output_handle(s->job, m);
        else
            LOG_WARN("unexpected message tag %d from rank %d", m->tag, m->src);
    }
    msg_free(m);
}

void sched_tick(struct sched *s)
{
    if (s->files_from && s->phase == PHASE_COPY)
        seed_files_from(s);
    release_credits(s);
    dispatch_waiting(s);
    double t = now_s();
    if (s->o->progress > 0 && t - s->last_progress >= s->o->progress &&
        s->phase < PHASE_DONE) {
        s->last_progress = t;
        send_progress(s, TAG_PROGRESS);
    }
    if (s->phase == PHASE_FINISH && all_waiting(s))
        finish(s);
}

int sched_open(struct sched *s, struct pf_job *job)
{
    int rc = sched_init(s, job);
    if (rc)
        return rc;
    s->out_done = job->output_rank != 0;
    if (job->output_rank == 0)
        output_init(job);
    return 0;
}

int sched_over(const struct sched *s)
{
    return s->phase == PHASE_DONE && s->out_done;
}

int sched_close(struct sched *s)
{
    msg_flush();
    LOG_DEBUG("scheduler idle %.3f s", msg_idle_ns() / 1e9);
    track_free(s);
    free(s->ws);
    return s->exit_code;
}

int sched_run(struct pf_job *job)
{
    struct sched s;
    struct msg m;
    int rc = sched_open(&s, job);
    if (rc)
        return rc;
    for (;;) {
        sched_tick(&s);
        if (sched_over(&s))
            break;
        if (msg_wait_for(&m, TICK_SECONDS))
            sched_handle(&s, &m);
        while (msg_poll(&m))
            sched_handle(&s, &m);
    }
    return sched_close(&s);
}
