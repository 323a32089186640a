/*
 * pack.c - the pack stream of a rank writing small files to a packing
 * endpoint (marfs): each new file continues the previous one's stream
 * (marfs_creat's prev), so consecutive small files share objects.  Their
 * data is stored when the stream ends, so the files of a stream are
 * published together then: each is checked complete (it has its stored
 * checksum), gets its metadata and is renamed into place.  A stream ends
 * at PACK_MAX files, when the worker runs out of queued tasks, or before
 * a task that needs the files in place (a hard link, a directory's final
 * metadata, the end of an N:1 file).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tasks.h"

/* Files waiting for their stream to be stored: bounds what a crash makes
 * the rerun copy again; marfs itself starts a new object at the repo's
 * max_files, so this does not decide object size. */
enum { PACK_MAX = 4096 };

static char *dup_or_die(const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        abort();
    return d;
}

/* A whole file is in place already, or it failed (nothing to remove). */
static int settled(struct worker *w, struct pack_file *f, int status,
                   int close_rc)
{
    int rc = status <= 0 ? status : close_rc < 0 ? close_rc : -EIO;
    if (rc < 0)
        wk_error(w, f->dst, "storing the data", rc);
    return rc;
}

static void publish_one(struct worker *w, struct pack_file *f, int rc,
                        int status)
{
    struct ep *dep = w->pack.ep;
    uint64_t crc;
    if (f->tmp == NULL)
        rc = settled(w, f, status, rc);
    else if (rc < 0)
        wk_error(w, f->dst, "storing the data", rc);
    else if (dep->ops->file_checksum &&
             (rc = dep->ops->file_checksum(dep, f->tmp, &crc)) < 0)
        wk_error(w, f->dst, "checking that the data was stored", rc);
    else if (dep->ops->fsetmeta == NULL &&     /* else set before close */
             (rc = meta_apply(w, dep, f->tmp, NULL, &f->task.st)) < 0)
        wk_error(w, f->dst, "setting metadata", rc);
    if (f->tmp == NULL)
        ;
    else if (rc < 0)
        dep->ops->unlink(dep, f->tmp);
    else
        rc = copy_publish(w, dep, f->tmp, f->dst);
    f->task.rel = f->rel;
    wk_done(w, &f->task, rc < 0 ? ST_FAILED : ST_OK);
    free(f->rel);
    free(f->tmp);
    free(f->dst);
}

/* Publish every file of the stream; closed: the last handle is closed. */
static void publish_all(struct worker *w, int close_rc)
{
    for (size_t i = 0; i < w->pack.n; i++)
        publish_one(w, &w->pack.files[i], close_rc, w->pack.status[i]);
    w->pack.n = 0;
}

void pack_flush(struct worker *w)
{
    int rc = 0;
    if (w->pack.fh) {
        rc = w->pack.ep->ops->close(w->pack.fh);
        w->pack.fh = NULL;
    }
    if (w->pack.n)
        publish_all(w, rc);
}

struct ep_file *pack_prev(struct worker *w, struct ep *dep)
{
    if (!(dep->caps & EP_CAP_PACK) || w->pack.ep != dep || w->pack.n >= PACK_MAX)
        pack_flush(w);
    return (dep->caps & EP_CAP_PACK) ? w->pack.fh : NULL;
}

/* Where the outcome of the next file of the stream goes (create_whole);
 * call after pack_prev. */
int *pack_status_slot(struct worker *w)
{
    if (w->pack.status == NULL &&
        (w->pack.status = malloc(PACK_MAX * sizeof(int))) == NULL)
        abort();
    w->pack.status[w->pack.n] = 1;
    return &w->pack.status[w->pack.n];
}

/* create() took the previous handle (closed it, success or not). */
void pack_prev_closed(struct worker *w)
{
    w->pack.fh = NULL;
}

void pack_add(struct worker *w, const struct pf_task *t, struct ep *dep,
              struct ep_file *df, const char *tmp, const char *dst)
{
    struct pack_slot *s = &w->pack;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 32;
        s->files = realloc(s->files, s->cap * sizeof(*s->files));
        if (s->files == NULL)
            abort();
    }
    struct pack_file *f = &s->files[s->n++];
    f->task = *t;
    f->rel = dup_or_die(t->rel);
    f->tmp = tmp ? dup_or_die(tmp) : NULL;
    f->dst = dup_or_die(dst);
    s->ep = dep;
    s->fh = df;
}
