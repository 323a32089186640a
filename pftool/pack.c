/*
 * pack.c - the pack stream of a rank writing small files to a packing
 * endpoint (marfs): each new file continues the previous one's stream
 * (marfs_creat's prev), so consecutive small files share objects.
 *
 * Files created whole (create_whole) report their outcome through a
 * status slot once their object is published; they are reported done
 * as soon as their outcome is in, in the order written (the library
 * settles a stream's files in order), so the stream goes on across
 * objects and publishing one object overlaps writing the next.  Other
 * files (create + rename) are stored only when the stream ends, so they
 * are published together then: each is checked complete (it has its
 * stored checksum), gets its metadata and is renamed into place.
 *
 * A stream ends when the worker runs out of queued tasks, before a task
 * that needs the files in place (a hard link, the end of an N:1 file),
 * at PACK_MAX unsettled files of the second kind, or when PACK_RING
 * files await their outcome (the ring is full: bounded memory).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tasks.h"

/* Files waiting for their stream to be stored (renamed at its end):
 * bounds what a crash makes the rerun copy again; marfs itself starts a
 * new object at the repo's max_files, so this does not decide object
 * size.  Whole files wait only for their object's publication: the ring
 * holds a few objects' worth (the one being written, the one being
 * published, the publisher's backlog) before the stream must drain. */
enum { PACK_MAX = 4096, PACK_RING = 16384 };

/* The ring, allocated whole on first use (touched as it fills). */
static struct pack_file *slot_file(struct pack_slot *s, uint64_t i)
{
    if (s->files == NULL &&
        (s->files = malloc(PACK_RING * sizeof(*s->files))) == NULL)
        abort();
    return &s->files[i % PACK_RING];
}

static char *dup_or_die(const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        abort();
    return d;
}

/* A whole file is in place already, or it failed (nothing to remove). */
static int settled(struct worker *w, struct pack_file *f, int close_rc)
{
    int rc = f->status <= 0 ? f->status : close_rc < 0 ? close_rc : -EIO;
    if (rc < 0)
        wk_error(w, f->dst, "storing the data", rc);
    return rc;
}

static void publish_one(struct worker *w, struct pack_file *f, int rc)
{
    struct ep *dep = w->pack.ep;
    uint64_t crc;
    if (f->tmp == NULL)
        rc = settled(w, f, rc);
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

/* Report the files at the front of the ring: all of them once the
 * stream is closed (close_rc: how its last handle closed), else only the
 * whole files whose outcome is in. */
static void report_front(struct worker *w, int all, int close_rc)
{
    struct pack_slot *s = &w->pack;
    for (; s->head < s->tail; s->head++) {
        struct pack_file *f = slot_file(s, s->head);
        if (!all && (f->tmp != NULL || f->status > 0))
            break;
        publish_one(w, f, close_rc);
    }
    if (all)
        s->renamed = 0;
}

void pack_flush(struct worker *w)
{
    int rc = 0;
    if (w->pack.fh) {
        rc = w->pack.ep->ops->close(w->pack.fh);
        w->pack.fh = NULL;
    }
    report_front(w, 1, rc);
}

int pack_pending(const struct worker *w)
{
    return w->pack.tail > w->pack.head;
}

struct ep_file *pack_prev(struct worker *w, struct ep *dep)
{
    struct pack_slot *s = &w->pack;
    report_front(w, 0, 0);
    if (!(dep->caps & EP_CAP_PACK) || s->ep != dep ||
        s->tail - s->head >= PACK_RING || s->renamed >= PACK_MAX)
        pack_flush(w);
    return (dep->caps & EP_CAP_PACK) ? s->fh : NULL;
}

/* Where the outcome of the next file of the stream goes (create_whole);
 * call after pack_prev, which leaves a free slot. */
int *pack_status_slot(struct worker *w)
{
    struct pack_file *f = slot_file(&w->pack, w->pack.tail);
    f->status = 1;
    return &f->status;
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
    struct pack_file *f = slot_file(s, s->tail++);   /* status kept */
    f->task = *t;
    f->rel = dup_or_die(t->rel);
    f->tmp = tmp ? dup_or_die(tmp) : NULL;
    f->dst = dup_or_die(dst);
    if (tmp != NULL)
        s->renamed++;
    s->ep = dep;
    s->fh = df;
}

void pack_free(struct worker *w)
{
    free(w->pack.files);
}
