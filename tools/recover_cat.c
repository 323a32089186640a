/*
 * recover_cat.c - the catalogue: records grouped into files.
 *
 * Records are collected flat while objects are read, then sorted by the
 * file's ref name (unique per file) and piece offset.  A file is complete
 * when it has its final record (size, fcrc) and its pieces cover
 * [0, size) without gap or overlap; otherwise incomplete (its writer
 * died, or an object is lost) or damaged.  Several files may carry the
 * same path (a path written again): the newest complete one (by record
 * time) is the one restored and compared; older ones are superseded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recover.h"

int rc_add_rec(struct rc_cat *cat, const struct rc_rec *r)
{
    if (cat->nrec == cat->reccap) {
        size_t cap = cat->reccap ? cat->reccap * 2 : 256;
        void *p = realloc(cat->recs, cap * sizeof(*cat->recs));
        if (p == NULL)
            return -ENOMEM;
        cat->recs = p;
        cat->reccap = cap;
    }
    cat->recs[cat->nrec++] = *r;
    return 0;
}

static int by_ref_poff(const void *a, const void *b)
{
    const struct rc_rec *x = a, *y = b;
    int c = strcmp(x->ref, y->ref);
    if (c != 0)
        return c;
    if (x->piece.poff != y->piece.poff)
        return x->piece.poff < y->piece.poff ? -1 : 1;
    return x->last - y->last;
}

static int newer(int64_t s1, long n1, int64_t s2, long n2)
{
    return s1 > s2 || (s1 == s2 && n1 > n2);
}

/* Attributes from the final record (else the last one), newest mtime. */
static void take_attrs(struct rc_file *f, const struct rc_rec *r)
{
    if (f->path == NULL || r->last || !f->has_last) {
        f->uid = r->uid;
        f->gid = r->gid;
        f->mode = r->mode;
        snprintf(f->ref, sizeof(f->ref), "%s", r->ref);
        free(f->path);
        f->path = strdup(r->path);
    }
    if (r->last) {
        f->has_last = 1;
        f->size = r->size;
        f->fcrc = r->fcrc;
    }
    if (newer(r->mtime_sec, r->mtime_nsec, f->mtime_sec, f->mtime_nsec)) {
        f->mtime_sec = r->mtime_sec;
        f->mtime_nsec = r->mtime_nsec;
    }
}

static int add_piece(struct rc_file *f, const struct rc_piece *p)
{
    if (f->np == f->pcap) {
        size_t cap = f->pcap ? f->pcap * 2 : 4;
        void *q = realloc(f->p, cap * sizeof(*f->p));
        if (q == NULL)
            return -ENOMEM;
        f->p = q;
        f->pcap = cap;
    }
    f->p[f->np++] = *p;
    f->found += p->plen;
    return 0;
}

static void classify(struct rc_file *f)
{
    uint64_t next = 0, gap_at = 0, gap_len = 0;
    f->state = RC_COMPLETE;
    for (size_t i = 0; i < f->np; i++) {
        if (f->p[i].poff < next) {
            f->state = RC_DAMAGED;
            snprintf(f->why, sizeof(f->why), "pieces overlap at byte %llu",
                     (unsigned long long)f->p[i].poff);
            return;
        }
        if (f->p[i].poff > next && gap_len == 0) {
            gap_at = next;
            gap_len = f->p[i].poff - next;
        }
        next = f->p[i].poff + f->p[i].plen;
    }
    if (!f->has_last) {
        f->state = RC_INCOMPLETE;
        snprintf(f->why, sizeof(f->why), "no final record (%llu bytes "
                 "found; its writer died, or the object holding its end is "
                 "lost)", (unsigned long long)f->found);
    } else if (gap_len > 0 || next < f->size) {
        if (gap_len == 0) {
            gap_at = next;
            gap_len = f->size - next;
        }
        f->state = RC_INCOMPLETE;
        snprintf(f->why, sizeof(f->why), "bytes %llu-%llu missing (an "
                 "object is lost, or an N:1 chunk was never written)",
                 (unsigned long long)gap_at,
                 (unsigned long long)(gap_at + gap_len - 1));
    } else if (next > f->size) {
        f->state = RC_DAMAGED;
        snprintf(f->why, sizeof(f->why), "pieces extend past its size %llu",
                 (unsigned long long)f->size);
    }
}

static int by_path_newest(const void *a, const void *b)
{
    const struct rc_file *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c != 0)
        return c;
    if (newer(x->mtime_sec, x->mtime_nsec, y->mtime_sec, y->mtime_nsec))
        return -1;
    if (newer(y->mtime_sec, y->mtime_nsec, x->mtime_sec, x->mtime_nsec))
        return 1;
    return strcmp(y->ref, x->ref);
}

/* Per path: versions newer than the newest complete one stay as they
 * are (and are noted on it); older ones are superseded. */
static void mark_versions(struct rc_cat *cat)
{
    for (size_t i = 0, j; i < cat->nfiles; i = j) {
        int seen_complete = 0, newer_incomplete = 0;
        for (j = i; j < cat->nfiles &&
                    strcmp(cat->files[j].path, cat->files[i].path) == 0; j++) {
            struct rc_file *f = &cat->files[j];
            if (seen_complete) {
                f->state = RC_SUPERSEDED;
                snprintf(f->why, sizeof(f->why), "an older version (ref %s)"
                         " of a path written again", f->ref);
            } else if (f->state == RC_COMPLETE) {
                seen_complete = 1;
                f->newer_incomplete = newer_incomplete;
            } else {
                newer_incomplete |= f->state == RC_INCOMPLETE;
            }
        }
    }
}

int rc_group(struct rc_cat *cat)
{
    if (cat->nrec > 1)
        qsort(cat->recs, cat->nrec, sizeof(*cat->recs), by_ref_poff);
    cat->files = calloc(cat->nrec ? cat->nrec : 1, sizeof(*cat->files));
    if (cat->files == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < cat->nrec; i++) {
        const struct rc_rec *r = &cat->recs[i];
        if (i == 0 || strcmp(r->ref, cat->recs[i - 1].ref) != 0)
            cat->nfiles++;
        struct rc_file *f = &cat->files[cat->nfiles - 1];
        take_attrs(f, r);
        if (f->path == NULL || add_piece(f, &r->piece) < 0)
            return -ENOMEM;
    }
    for (size_t i = 0; i < cat->nfiles; i++)
        classify(&cat->files[i]);
    qsort(cat->files, cat->nfiles, sizeof(*cat->files), by_path_newest);
    mark_versions(cat);
    return 0;
}

struct rc_file *rc_find(struct rc_cat *cat, const char *path)
{
    size_t lo = 0, hi = cat->nfiles;
    while (lo < hi) {           /* first file whose path >= path */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(cat->files[mid].path, path) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < cat->nfiles && strcmp(cat->files[lo].path, path) == 0
               ? &cat->files[lo] : NULL;
}

void rc_cat_free(struct rc_cat *cat)
{
    for (size_t i = 0; i < cat->nobj; i++)
        free(cat->objs[i]);
    for (size_t i = 0; i < cat->nrec; i++)
        free(cat->recs[i].path);
    for (size_t i = 0; i < cat->nfiles; i++) {
        free(cat->files[i].path);
        free(cat->files[i].p);
    }
    free(cat->objs);
    free(cat->recs);
    free(cat->files);
}
