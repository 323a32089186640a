/*
 * chunk.c - files larger than the chunk size, copied by many ranks at
 * once: T_BIGPREP makes (or, with a matching journal, resumes) the
 * temporary at its full size and reports which chunks remain; each
 * T_CHUNK copies one chunk (pwrite on POSIX, whole-chunk N:1 writes on
 * marfs) and journals it; T_BIGFIN completes the file, sets its
 * metadata and renames it into place, or drops it after a failure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tasks.h"

struct big_paths {
    char src[PF_PATH_MAX];
    char dst[PF_PATH_MAX];
    char tmp[PF_PATH_MAX];
    char jnl[PF_PATH_MAX];
    int has_jnl;
};

static int big_paths(struct worker *w, const struct pf_task *t,
                     struct big_paths *p)
{
    struct pf_root *r = wk_root(w, t->root);
    int rc = wk_task_paths(w, t, p->src, p->dst, p->tmp);
    if (rc < 0)
        return rc;
    p->has_jnl = ((r->dst_ep->caps & EP_CAP_LOCAL) || w->o->journal_dir) &&
                 journal_path(w, p->dst, p->jnl, sizeof(p->jnl)) == 0;
    return 0;
}

static void journal_hdr_of(const struct pf_task *t, uint64_t chunk,
                           struct journal_hdr *h)
{
    h->size = (uint64_t)t->st.st_size;
    h->mtime_sec = t->st.st_mtim.tv_sec;
    h->mtime_nsec = t->st.st_mtim.tv_nsec;
    h->chunk = chunk;
    h->nchunks = (h->size + chunk - 1) / chunk;
}

/* Resume from the journal if it and the temporary match the source. */
static int try_resume(struct worker *w, const struct pf_task *t,
                      const struct big_paths *p, const struct journal_hdr *h,
                      uint8_t *map)
{
    struct ep *dep = wk_root(w, t->root)->dst_ep;
    struct stat st;
    if (!p->has_jnl || w->o->force)
        return 0;
    if (journal_load(p->jnl, h, map) < 0)
        return 0;
    if (dep->ops->lstat(dep, p->tmp, &st) < 0 || !S_ISREG(st.st_mode) ||
        (uint64_t)st.st_size != h->size) {
        memset(map, 0, bitmap_bytes(h->nchunks));
        return 0;
    }
    return 1;
}

static int start_fresh(struct worker *w, const struct pf_task *t,
                       const struct big_paths *p, const struct journal_hdr *h)
{
    struct ep *dep = wk_root(w, t->root)->dst_ep;
    struct ep_file *df;
    int rc = dep->ops->create_sized(dep, p->tmp, S_IRUSR | S_IWUSR,
                                    t->st.st_size, &df);
    if (rc < 0) {
        wk_error(w, p->dst, "creating the temporary", rc);
        return rc;
    }
    /* On the handle now, so every chunk's recovery record carries the
     * owner, mode and times (set again by path when the file is done). */
    if (dep->ops->set_final)
        rc = dep->ops->set_final(df, p->dst);
    if (rc == 0 && dep->ops->fsetmeta)
        rc = meta_apply(w, dep, p->tmp, df, &t->st);
    int crc = dep->ops->close(df);
    rc = rc < 0 ? rc : crc;
    if (rc == 0 && p->has_jnl)
        rc = journal_create(p->jnl, h);
    if (rc < 0) {
        wk_error(w, p->dst, "creating the restart journal", rc);
        dep->ops->unlink(dep, p->tmp);
    }
    return rc;
}

static void prep_report(struct worker *w, const struct pf_task *t,
                        enum pf_status s, const struct journal_hdr *h,
                        const uint8_t *map)
{
    struct pf_done d = {.type = T_BIGPREP, .status = (uint8_t)s,
                        .parent = t->parent, .id = t->id};
    if (s == ST_FAILED)
        wk_failed(w, t->root, t->rel);
    if (s == ST_OK) {
        d.chunk = h->chunk;
        d.nchunks = h->nchunks;
        d.done_map = map;
    }
    wk_done_rec(w, &d);
}

/* T_BIGPREP */
void chunk_prep(struct worker *w, const struct pf_task *t)
{
    struct big_paths p;
    struct journal_hdr h;
    int exists;
    if (w->o->cmd == PF_CMD_CM) {
        compare_big_prep(w, t);
        return;
    }
    if (big_paths(w, t, &p) < 0) {
        prep_report(w, t, ST_FAILED, NULL, NULL);
        return;
    }
    int rc = copy_check_dest(w, t, p.src, p.dst, &exists);
    if (rc != 0 || w->o->dry_run) {
        if (rc == 0) {
            wk_line(w, "%s %s", exists ? "update" : "copy", p.dst);
            copy_count(w, t, p.src, p.dst);
        }
        prep_report(w, t, rc < 0 ? ST_FAILED : ST_SKIPPED, NULL, NULL);
        return;
    }
    journal_hdr_of(t, wk_root(w, t->root)->chunk, &h);
    uint8_t *map = calloc(1, bitmap_bytes(h.nchunks) + 1);
    if (map == NULL)
        abort();
    if (!try_resume(w, t, &p, &h, map) && start_fresh(w, t, &p, &h) < 0) {
        prep_report(w, t, ST_FAILED, NULL, NULL);
    } else {
        prep_report(w, t, ST_OK, &h, map);
    }
    free(map);
}

static int chunk_write(struct worker *w, const struct pf_task *t,
                       const struct big_paths *p, const char **what)
{
    struct pf_root *r = wk_root(w, t->root);
    struct ep *sep = r->src_ep, *dep = r->dst_ep;
    struct ep_file *sf = NULL, *df = NULL;
    *what = "opening";
    int rc = fault_hit(w, "open", t->rel);
    if (rc == 0)
        rc = sep->ops->open(sep, p->src, &sf);
    if (rc < 0)
        return rc;
    *what = "opening the temporary";
    rc = dep->ops->open_write(dep, p->tmp, &df);
    if (rc == 0) {
        int sparse = copy_is_sparse(&t->st) && (dep->caps & EP_CAP_SPARSE);
        *what = "copying data";
        rc = copy_range(w, sep, sf, dep, df, (off_t)t->off, (off_t)t->len,
                        sparse, 0);
        if (rc == 0)
            rc = fault_hit(w, "write", t->rel);
        if (rc == 0 && w->o->fsync)
            rc = dep->ops->sync(df);
        int rc2 = dep->ops->close(df);
        rc = rc ? rc : rc2;
    }
    sep->ops->close(sf);
    return rc;
}

/* T_CHUNK */
void chunk_copy(struct worker *w, const struct pf_task *t)
{
    struct big_paths p;
    const char *what = "path";
    int rc = big_paths(w, t, &p);
    fault_hit(w, "delay", t->rel);
    if (rc == 0)
        rc = chunk_write(w, t, &p, &what);
    uint64_t idx = t->off / wk_root(w, t->root)->chunk;
    if (rc == 0 && p.has_jnl && (rc = journal_append(p.jnl, idx)) < 0)
        what = "journalling";
    if (rc < 0) {
        wk_error(w, p.dst, what, rc);
    } else {
        w->st.chunks_done++;
        w->st.bytes_done += t->len;
    }
    wk_done(w, t, rc < 0 ? ST_FAILED : ST_OK);
}

/* Complete an N:1 write (endpoints that need it). */
static int finalize_nto1(struct ep *dep, const char *tmp)
{
    struct ep_file *df;
    int rc = dep->ops->open_write(dep, tmp, &df);
    if (rc == 0) {
        rc = dep->ops->finalize(df);
        int rc2 = dep->ops->close(df);
        rc = rc ? rc : rc2;
    }
    return rc;
}

/* The temporary holds the whole file (where the endpoint can tell). */
static int check_size(struct ep *dep, const char *tmp, off_t size)
{
    struct stat st;
    if (!(dep->caps & EP_CAP_LOCAL))
        return 0;
    int rc = dep->ops->lstat(dep, tmp, &st);
    return rc < 0 ? rc : st.st_size == size ? 0 : -EIO;
}

/* Finish the N:1 write, check the size, set metadata, publish. */
static int finish_file(struct worker *w, const struct pf_task *t,
                       const struct big_paths *p, const char **what)
{
    struct pf_root *r = wk_root(w, t->root);
    struct ep *dep = r->dst_ep;
    int rc = 0;
    if (dep->ops->finalize && (rc = finalize_nto1(dep, p->tmp)) < 0)
        *what = "completing the file";
    else if ((rc = check_size(dep, p->tmp, t->st.st_size)) < 0)
        *what = "checking the temporary's size";
    else if ((rc = meta_copy_xattrs(w, r->src_ep, p->src, NULL, dep, p->tmp,
                                    NULL)) < 0)
        *what = "copying xattrs";
    else if ((rc = meta_apply(w, dep, p->tmp, NULL, &t->st)) < 0)
        *what = "setting metadata";
    else if ((rc = dep->ops->rename(dep, p->tmp, p->dst)) < 0)
        *what = "renaming the temporary into place";
    return rc;
}

/* T_BIGFIN */
void chunk_finish(struct worker *w, const struct pf_task *t)
{
    struct big_paths p;
    const char *what = "path";
    if (w->o->cmd == PF_CMD_CM) {
        compare_big_fin(w, t);
        return;
    }
    struct ep *dep = wk_root(w, t->root)->dst_ep;
    int rc = big_paths(w, t, &p);
    if (rc == 0 && (t->flags & TF_ABANDON))
        rc = -ECANCELED;                 /* chunk errors already reported */
    else if (rc == 0 && (rc = finish_file(w, t, &p, &what)) < 0)
        wk_error(w, p.dst, what, rc);
    if (rc < 0 && rc != -ENAMETOOLONG)
        dep->ops->unlink(dep, p.tmp);
    if (rc != -ENAMETOOLONG && p.has_jnl)
        journal_remove(p.jnl);
    if (rc == 0) {
        w->st.files_done++;
        if (w->o->verbose)
            wk_line(w, "%s -> %s", p.src, p.dst);
    }
    wk_done(w, t, rc < 0 ? ST_FAILED : ST_OK);
}
