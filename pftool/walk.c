/*
 * walk.c - reading the source tree: seeds (T_STAT: the copy roots and
 * --files-from entries) and directories (T_DIR).  A directory is read in
 * steps of at most WALK_BATCH_ENTRIES entries, each step sent to the
 * scheduler as one ENTRIES message, so a directory of millions of
 * entries never sits in one message or in one rank's memory.  The
 * destination directory is made before its entries are handed out (and
 * made owner-writable; its real mode is applied after its contents).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tasks.h"

static int is_copy(const struct worker *w)
{
    return w->o->cmd == PF_CMD_CP || w->o->cmd == PF_CMD_SYNC;
}

static void count_seen(struct worker *w, const struct stat *st)
{
    if (S_ISDIR(st->st_mode)) {
        w->st.dirs_seen++;
    } else if (S_ISREG(st->st_mode)) {
        w->st.files_seen++;
        w->st.bytes_seen += (uint64_t)st->st_size;
    } else if (S_ISLNK(st->st_mode)) {
        w->st.links_seen++;
    } else {
        w->st.special_seen++;
    }
}

/* The task for an entry found at rel (T_DIR or T_ITEM). */
static void make_entry(struct worker *w, struct pf_task *e, uint16_t root,
                       uint64_t parent, const char *rel,
                       const struct stat *st, int fresh)
{
    memset(e, 0, sizeof(*e));
    e->root = root;
    e->parent = parent;
    e->rel = rel;
    e->st = *st;
    e->flags = fresh ? TF_DEST_FRESH : 0;
    int descend = w->o->recursive || parent == 1;
    if (S_ISDIR(st->st_mode) && descend) {
        e->type = T_DIR;
        return;
    }
    e->type = T_ITEM;
    if (!S_ISREG(st->st_mode))
        return;
    if (is_copy(w) && st->st_nlink > 1)
        e->flags |= TF_HARDLINK;
    int wants_data = is_copy(w) || (w->o->cmd == PF_CMD_CM && w->o->contents);
    if (wants_data && (uint64_t)st->st_size > wk_root(w, root)->chunk)
        e->flags |= TF_BIG;
}

/* T_STAT: a copy root or a --files-from entry. */
void walk_stat(struct worker *w, const struct pf_task *t)
{
    struct pf_root *r = wk_root(w, t->root);
    char src[PF_PATH_MAX], dst[PF_PATH_MAX];
    struct stat st;
    int rc = path_join(src, sizeof(src), r->src, t->rel);
    if (rc == 0)
        rc = r->src_ep->ops->lstat(r->src_ep, src, &st);
    if (rc < 0) {
        wk_error(w, src, "stat", rc);
        w->st.walk_errors++;
        wk_done(w, t, ST_FAILED);
        return;
    }
    count_seen(w, &st);
    if (S_ISDIR(st.st_mode) && !w->o->recursive && is_copy(w)) {
        wk_error(w, src, "is a directory (use -R)", 0);
        wk_done(w, t, ST_FAILED);
        return;
    }
    if (w->o->cmd == PF_CMD_LS && !S_ISDIR(st.st_mode)) {
        list_entry(w, src, &st, r->src_ep);
        wk_done(w, t, ST_OK);
        return;
    }
    if (is_copy(w) && *t->rel && !w->o->dry_run &&
        path_join(dst, sizeof(dst), r->dst, t->rel) == 0)
        path_mkparents(r->dst_ep, dst);
    struct pf_task e;
    make_entry(w, &e, t->root, t->parent, t->rel, &st, 0);
    e.flags |= TF_TOP;
    task_encode(&w->walk.batch, &e);
    wk_send_entries(w, t->parent, 0, &w->walk.batch, 1);
    wk_done(w, t, ST_OK);
}

/* Make the destination directory; 1 if made now, 0 if it existed. */
static int make_dest_dir(struct worker *w, const struct pf_task *t,
                         const char *dst)
{
    struct pf_root *r = wk_root(w, t->root);
    struct stat dst_st;
    if (w->o->dry_run) {
        if (t->flags & TF_DEST_FRESH)
            return 1;
        return r->dst_ep->ops->lstat(r->dst_ep, dst, &dst_st) == -ENOENT;
    }
    int rc = r->dst_ep->ops->mkdir(r->dst_ep, dst, S_IRWXU);
    if (rc == 0) {
        w->st.dirs_made++;
        return 1;
    }
    if (rc == -EEXIST) {
        rc = r->dst_ep->ops->lstat(r->dst_ep, dst, &dst_st);
        if (rc == 0 && S_ISDIR(dst_st.st_mode))
            return 0;
        rc = rc < 0 ? rc : -ENOTDIR;
    }
    wk_error(w, dst, "making directory", rc);
    return rc;
}

/* End the directory now (no entries): failed or nothing to read. */
static void walk_abandon(struct worker *w, const struct pf_task *t)
{
    wk_send_entries(w, t->id, 1, &w->walk.batch, 0);
}

static int open_source_dir(struct worker *w, const struct pf_task *t,
                           const char *src)
{
    struct pf_root *r = wk_root(w, t->root);
    fault_hit(w, "readdelay", t->rel);
    int rc = fault_hit(w, "opendir", t->rel);
    if (rc == 0)
        rc = r->src_ep->ops->opendir
                 ? r->src_ep->ops->opendir(r->src_ep, src, &w->walk.dir)
                 : -ENOTSUP;
    if (rc < 0) {
        wk_error(w, src, "reading directory", rc);
        wk_failed(w, t->root, t->rel);
        w->st.walk_errors++;
    }
    return rc;
}

/* T_DIR: set up the destination, open the source, start streaming. */
void walk_begin(struct worker *w, const struct pf_task *t)
{
    struct pf_root *r = wk_root(w, t->root);
    char src[PF_PATH_MAX], dst[PF_PATH_MAX];
    int fresh = 0;
    while (w->walk.active)     /* never two at once (the scheduler ensures) */
        walk_step(w);
    if (path_join(src, sizeof(src), r->src, t->rel) < 0 ||
        (r->dst && path_join(dst, sizeof(dst), r->dst, t->rel) < 0)) {
        wk_error(w, t->rel, "path", -ENAMETOOLONG);
        walk_abandon(w, t);
        return;
    }
    if (is_copy(w)) {
        fresh = make_dest_dir(w, t, dst);
        if (fresh < 0) {
            wk_failed(w, t->root, t->rel);
            wk_dir_failed(w, t->id);
            return;
        }
        if (fresh && w->o->dry_run && *t->rel)
            wk_line(w, "mkdir %s", dst);
    } else if (w->o->cmd == PF_CMD_CM && compare_dir_top(w, t) != 0) {
        walk_abandon(w, t);            /* destination dir missing */
        return;
    }
    if (open_source_dir(w, t, src) < 0) {
        walk_abandon(w, t);
        return;
    }
    struct walk_state *ws = &w->walk;
    ws->active = 1;
    ws->ep = r->src_ep;
    ws->root = t->root;
    ws->id = t->id;
    ws->fresh = fresh;
    ws->failed = 0;
    ws->rel = strdup(t->rel);
    ws->src = strdup(src);
    ws->nbatch = 0;
    if (ws->rel == NULL || ws->src == NULL)
        abort();
}

/* The entry's full source path: only the endpoints without dstat, error
 * messages and listings need it, so it is not made for every entry. */
static int entry_path(const struct walk_state *ws, const char *name,
                      char path[PF_PATH_MAX])
{
    return path_join(path, PF_PATH_MAX, ws->src, name);
}

/* Whether entry_path would succeed, without formatting it. */
static int path_fits(const char *base, const char *name)
{
    size_t b = strlen(base);
    size_t sep = b > 0 && base[b - 1] != '/';
    return b + sep + strlen(name) < PF_PATH_MAX;
}

static int entry_stat(struct worker *w, const char *name, struct stat *st)
{
    struct walk_state *ws = &w->walk;
    char path[PF_PATH_MAX];
    if (ws->ep->ops->dstat)
        return ws->ep->ops->dstat(ws->dir, name, st);
    if (entry_path(ws, name, path) < 0)
        return -ENAMETOOLONG;
    return ws->ep->ops->lstat(ws->ep, path, st);
}

static void entry_error(struct worker *w, const char *name, const char *rel,
                        int rc)
{
    struct walk_state *ws = &w->walk;
    char path[PF_PATH_MAX];
    wk_error(w, entry_path(ws, name, path) < 0 ? ws->src : path, "stat", rc);
    wk_failed(w, ws->root, rel);
    w->st.walk_errors++;
}

/* pfls: list the entry; 1 if nothing more is to be done with it. */
static int entry_list(struct worker *w, const char *name,
                      const struct stat *st)
{
    struct walk_state *ws = &w->walk;
    char path[PF_PATH_MAX];
    if (!w->o->quiet && entry_path(ws, name, path) < 0) {
        wk_error(w, ws->src, "name too long", -ENAMETOOLONG);
        w->st.walk_errors++;
        return 1;
    }
    list_entry(w, w->o->quiet ? ws->src : path, st, ws->ep);
    return !S_ISDIR(st->st_mode) || !w->o->recursive;
}

/* One entry read from the directory: filter, stat, list or batch it.
 * Per entry this is one fstatat (dstat) and no allocation. */
static void walk_one(struct worker *w, const char *name)
{
    struct walk_state *ws = &w->walk;
    char rel[PF_PATH_MAX];
    struct stat st;
    if (path_join(rel, sizeof(rel), ws->rel, name) < 0 ||
        !path_fits(ws->src, name)) {
        wk_error(w, ws->src, "name too long", -ENAMETOOLONG);
        w->st.walk_errors++;
        return;
    }
    int rc = entry_stat(w, name, &st);
    if (rc == -ENOENT)
        return;                         /* removed since readdir */
    if (rc < 0) {
        entry_error(w, name, rel, rc);
        return;
    }
    if (filter_excluded(w->o, rel, S_ISDIR(st.st_mode)))
        return;
    count_seen(w, &st);
    if (w->o->cmd == PF_CMD_LS && entry_list(w, name, &st))
        return;
    struct pf_task e;
    make_entry(w, &e, ws->root, ws->id, rel, &st, ws->fresh);
    task_encode(&ws->batch, &e);
    ws->nbatch++;
}

static void walk_end(struct worker *w)
{
    struct walk_state *ws = &w->walk;
    if (w->o->cmd == PF_CMD_LS)
        list_flush_sorted(w);
    if (w->o->cmd == PF_CMD_CM)
        compare_extras(w, ws->dir, ws->rel, ws->root);
    ws->ep->ops->closedir(ws->dir);
    wk_send_entries(w, ws->id, 1, &ws->batch, ws->nbatch);
    ws->nbatch = 0;
    free(ws->rel);
    free(ws->src);
    ws->rel = ws->src = NULL;
    ws->active = 0;
}

/* Read up to one batch and send it; the last one says the dir is done. */
void walk_step(struct worker *w)
{
    struct walk_state *ws = &w->walk;
    int end = 0;
    while (ws->nbatch < WALK_BATCH_ENTRIES && ws->batch.len < WALK_BATCH_BYTES) {
        struct ep_dirent de;
        int rc = ws->ep->ops->readdir(ws->dir, &de);
        if (rc < 0) {
            wk_error(w, ws->src, "reading directory", rc);
            w->st.walk_errors++;
        }
        if (rc <= 0) {
            end = 1;
            break;
        }
        walk_one(w, de.name);
    }
    if (end)
        walk_end(w);
    else if (ws->nbatch > 0) {
        wk_send_entries(w, ws->id, 0, &ws->batch, ws->nbatch);
        ws->nbatch = 0;
    }
}
