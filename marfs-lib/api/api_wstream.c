/*
 * api_wstream.c - the API's state of one write stream: the namespace
 * lock taken once per published object (the stream's batch hook), the
 * stream's marker in the reference tree, and the outcomes of whole files
 * (marfs_creat_whole) delivered once that lock is released.
 *
 * A whole file has no inode until its object is published, so nothing
 * in the reference tree would name the objects of a writer that dies
 * first, and garbage collection could never free them.  The marker is
 * that name: an inode in ref/ with no user link and a "writing" tag
 * naming the stream's object where the oldest unpublished whole file
 * begins.  gc treats it like any abandoned incomplete file once its
 * writer is gone (frees the stream's objects from there on that no live
 * file uses); while the writer lives it pins the stream.  It is made
 * with the first whole file, moved forward (one fsetxattr) when a new
 * object starts and every earlier whole file is published, and removed
 * when the stream closes with all of them published.
 *
 * Threads: the writer's thread runs the stream (batch hook, cover,
 * delivery, the marker); the context's publisher (api_publish.c) makes
 * whole files and reports them here, so the queue of unsettled files,
 * the outcomes and the in-flight count are under the state's mutex.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_internal.h"
#include "log.h"

struct outcome {
    marfs_done_fn fn;
    void *arg;
    char *path;
    int status;
};

struct api_wstream {
    pthread_mutex_t mu;     /* q, keep, out, inflight (publisher too) */
    pthread_cond_t idle;    /* inflight reached 0 */
    unsigned inflight;      /* whole files with the publisher */
    struct mdal_ns *md;
    int fd;                 /* the marker's inode, -1: none */
    char refpath[200];      /* the marker, relative to ref/ */
    struct ftag tag;        /* the marker's tag */
    /* first objects of the whole files begun and not yet settled, in
     * stream order (they settle in that order, except the newest, which
     * an abort or a failed end settles early) */
    uint64_t *q;
    size_t qhead, qlen, qcap;
    int keep;               /* a whole file failed: leave the marker */
    unsigned plain;         /* marfs_creat files waiting for their object */
    int in_batch;           /* completions running: outcomes wait */
    int locked;             /* the namespace lock is held */
    struct outcome *out;    /* outcomes to deliver after the batch */
    size_t nout, outcap;
    /* whole files of the object being published, for the publisher */
    struct whole_done *pub_head, *pub_tail;
    size_t npub;
};

void api_wstream_pub_add(struct api_wstream *ws, struct whole_done *d)
{
    if (!ws->in_batch) {            /* not within a publication: now */
        api_whole_publish(d, 1);
        return;
    }
    if (ws->pub_tail != NULL)
        api_whole_link(ws->pub_tail, d);
    else
        ws->pub_head = d;
    ws->pub_tail = d;
    ws->npub++;
}

/* The publication's whole files go to the publisher as one job. */
static void pub_flush(struct api_wstream *ws)
{
    struct whole_done *list = ws->pub_head;
    size_t n = ws->npub;
    ws->pub_head = ws->pub_tail = NULL;
    ws->npub = 0;
    if (list != NULL)
        api_whole_publish(list, n);
}

static int q_push(struct api_wstream *ws, uint64_t objno)
{
    if (ws->qhead > 0 && ws->qhead + ws->qlen == ws->qcap) {
        memmove(ws->q, ws->q + ws->qhead, ws->qlen * sizeof(*ws->q));
        ws->qhead = 0;
    }
    if (ws->qhead + ws->qlen == ws->qcap) {
        size_t cap = ws->qcap ? ws->qcap * 2 : 64;
        void *p = realloc(ws->q, cap * sizeof(*ws->q));
        if (p == NULL)
            return -ENOMEM;
        ws->q = p;
        ws->qcap = cap;
    }
    ws->q[ws->qhead + ws->qlen++] = objno;
    return 0;
}

static void q_pop(struct api_wstream *ws, int newest)
{
    if (ws->qlen == 0)
        return;
    if (!newest)
        ws->qhead++;
    if (--ws->qlen == 0)
        ws->qhead = 0;
}

/* Move the marker to the oldest unsettled whole file's first object:
 * every object before it is published and its files are named (unless
 * one failed: its object may have no other name, so the marker stays). */
static void marker_advance(struct api_wstream *ws)
{
    pthread_mutex_lock(&ws->mu);
    int move = ws->fd >= 0 && !ws->keep && ws->qlen > 0 &&
               ws->q[ws->qhead] > ws->tag.objno;
    uint64_t objno = move ? ws->q[ws->qhead] : 0;
    pthread_mutex_unlock(&ws->mu);
    if (!move)
        return;
    struct ftag m = ws->tag;
    m.objno = objno;
    m.off = OBJ_HDR_SIZE;       /* gc reads only the object of a marker */
    m.first = m.chunk;
    int rc = api_write_tag(ws->fd, &m);
    if (rc == 0)
        ws->tag = m;
    else    /* harmless: it pins more of the stream than it must */
        LOG_WARN("stream %s: cannot move its marker ref/%s: %s",
                 m.stream, ws->refpath, strerror(-rc));
}

static void deliver(struct api_wstream *ws)
{
    /* fn may start new files in this very stream: take the list first */
    for (;;) {
        pthread_mutex_lock(&ws->mu);
        size_t n = ws->nout;
        struct outcome *o = ws->out;
        ws->out = NULL;
        ws->nout = ws->outcap = 0;
        pthread_mutex_unlock(&ws->mu);
        if (n == 0) {
            free(o);
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (o[i].fn != NULL)
                o[i].fn(o[i].arg, o[i].path, o[i].status);
            free(o[i].path);
        }
        free(o);
    }
}

/*
 * The stream's batch hook: one namespace lock per published object, if
 * it holds marfs_creat files (their completion decides what they count
 * against unlinks and replaces).  Whole files need none: each appears
 * complete, counting its final size from its first link, and only a
 * replace of an existing name takes the lock (api_link_name).
 */
static void batch(void *arg, int begin)
{
    struct api_wstream *ws = arg;
    if (begin) {
        ws->in_batch = 1;
        if (ws->plain > 0) {
            mdal_ns_lock(ws->md);
            ws->locked = 1;
        }
        return;
    }
    pub_flush(ws);
    ws->in_batch = 0;
    marker_advance(ws);
    if (ws->locked) {
        ws->locked = 0;
        mdal_ns_unlock(ws->md);
    }
    deliver(ws);
}

void api_wstream_plain(struct api_wstream *ws, int delta)
{
    ws->plain += (unsigned)delta;
}

int api_wstream_locked(const struct api_wstream *ws)
{
    return ws->locked;
}

int api_stream_open(struct stream_params *p, struct mdal_ns *md,
                    struct stream **out)
{
    struct api_wstream *ws = calloc(1, sizeof(*ws));
    if (ws == NULL)
        return -ENOMEM;
    ws->md = md;
    ws->fd = -1;
    pthread_mutex_init(&ws->mu, NULL);
    pthread_cond_init(&ws->idle, NULL);
    p->batch = batch;
    p->batch_arg = ws;
    int rc = stream_open(p, out);
    if (rc < 0) {
        pthread_cond_destroy(&ws->idle);
        pthread_mutex_destroy(&ws->mu);
        free(ws);
    }
    return rc;
}

static void marker_remove(struct api_wstream *ws)
{
    if (ws->fd < 0)
        return;
    if (!ws->keep && unlinkat(ws->md->reffd, ws->refpath, 0) != 0)
        LOG_WARN("stream %s: cannot remove its marker ref/%s: %s",
                 ws->tag.stream, ws->refpath, strerror(errno));
    close(ws->fd);
    ws->fd = -1;
}

int api_stream_close(struct stream *st)
{
    struct api_wstream *ws = stream_batch_arg(st);
    int rc = stream_close(st);
    api_wstream_sync(ws);               /* the publisher's files first */
    if (ws->qlen > 0)           /* never published: gc must see them */
        ws->keep = 1;
    marker_remove(ws);
    free(ws->out);
    free(ws->q);
    pthread_cond_destroy(&ws->idle);
    pthread_mutex_destroy(&ws->mu);
    free(ws);
    return rc;
}

static int marker_create(struct api_wstream *ws, const struct ftag *t,
                         const struct mcfg_repo *repo)
{
    struct ftag *m = &ws->tag;
    memset(m, 0, sizeof(*m));
    *m = *t;
    m->state = FTAG_WRITING;
    m->nto1 = 0;
    m->size = 0;
    m->has_crc = 0;
    m->n = repo->n;
    m->e = repo->e;
    m->psz = repo->psz;
    stream_new_id(m->ref, sizeof(m->ref));
    char dir[64];
    mdal_ref_dir(ws->md, m->ref, dir, sizeof(dir));
    api_ref_path(ws->refpath, sizeof(ws->refpath), dir, m->ref);
    int rc = api_ref_create(ws->md, m->ref, ws->refpath, 0600, &ws->fd);
    if (rc < 0)
        return rc;
    rc = api_write_tag(ws->fd, m);
    if (rc < 0) {
        unlinkat(ws->md->reffd, ws->refpath, 0);
        close(ws->fd);
        ws->fd = -1;
    }
    return rc;
}

int api_wstream_cover(struct stream *st, const struct ftag *t,
                      const struct mcfg_repo *repo)
{
    struct api_wstream *ws = stream_batch_arg(st);
    int rc = 0;
    deliver(ws);                /* what the publisher finished meanwhile */
    if (ws->fd < 0)
        rc = marker_create(ws, t, repo);
    if (rc == 0) {
        pthread_mutex_lock(&ws->mu);
        rc = q_push(ws, t->objno);
        pthread_mutex_unlock(&ws->mu);
    }
    if (rc == 0)
        marker_advance(ws);
    if (rc < 0)
        LOG_ERR("stream %s: cannot record it in the reference tree: %s",
                t->stream, strerror(-rc));
    return rc;
}

int api_wstream_outcome(struct api_wstream *ws, marfs_done_fn fn, void *arg,
                        const char *path, int status, int newest)
{
    char *copy = strdup(path);
    int rc = copy ? 0 : -ENOMEM;
    pthread_mutex_lock(&ws->mu);
    q_pop(ws, newest);
    if (status < 0)
        ws->keep = 1;
    if (rc == 0 && ws->nout == ws->outcap) {
        size_t cap = ws->outcap ? ws->outcap * 2 : 64;
        void *p = realloc(ws->out, cap * sizeof(*ws->out));
        if (p == NULL)
            rc = -ENOMEM;
        else
            ws->out = p, ws->outcap = cap;
    }
    if (rc == 0)
        ws->out[ws->nout++] = (struct outcome){fn, arg, copy, status};
    else
        free(copy);
    pthread_mutex_unlock(&ws->mu);
    return rc;
}

void api_wstream_inflight(struct api_wstream *ws, int delta)
{
    pthread_mutex_lock(&ws->mu);
    ws->inflight += (unsigned)delta;
    if (ws->inflight == 0)
        pthread_cond_broadcast(&ws->idle);
    pthread_mutex_unlock(&ws->mu);
}

void api_wstream_sync(struct api_wstream *ws)
{
    pthread_mutex_lock(&ws->mu);
    while (ws->inflight > 0)
        pthread_cond_wait(&ws->idle, &ws->mu);
    pthread_mutex_unlock(&ws->mu);
    api_wstream_deliver(ws);
    marker_advance(ws);
}

void api_wstream_deliver(struct api_wstream *ws)
{
    if (!ws->in_batch)
        deliver(ws);
}

struct api_wstream *api_wstream_of(struct stream *st)
{
    return stream_batch_arg(st);
}
