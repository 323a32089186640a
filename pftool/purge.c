/*
 * purge.c - pfsync --delete: after a copy phase whose source walk had no
 * error, each destination directory is read and what the source does
 * not have is removed (excluded names are kept).  Subdirectories present
 * on both sides are handed back to the scheduler as further T_PURGE
 * tasks; the directory's times are restored after removals.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tasks.h"

enum { PURGE_NAMES_INIT = 64 };

/* Remove path and everything under it (a subtree the source lacks). */
static int remove_tree(struct ep *ep, const char *path)
{
    struct stat st;
    int rc = ep->ops->lstat(ep, path, &st);
    if (rc < 0)
        return rc == -ENOENT ? 0 : rc;
    if (!S_ISDIR(st.st_mode))
        return ep->ops->unlink(ep, path);
    struct ep_dir *d;
    if ((rc = ep->ops->opendir(ep, path, &d)) < 0)
        return rc;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct ep_dirent de;
    while ((rc = ep->ops->readdir(d, &de)) > 0) {
        if (n == cap) {
            cap = cap ? cap * 2 : PURGE_NAMES_INIT;
            names = realloc(names, cap * sizeof(*names));
            if (names == NULL)
                abort();
        }
        if ((names[n++] = strdup(de.name)) == NULL)
            abort();
    }
    ep->ops->closedir(d);
    char sub[PF_PATH_MAX];
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && path_join(sub, sizeof(sub), path, names[i]) == 0)
            rc = remove_tree(ep, sub);
        free(names[i]);
    }
    free(names);
    return rc < 0 ? rc : ep->ops->rmdir(ep, path);
}

/* One destination entry: keep, descend (batched) or remove. */
static int purge_one(struct worker *w, const struct pf_task *t,
                     const char *name, unsigned char d_type, struct pbuf *batch)
{
    struct pf_root *r = wk_root(w, t->root);
    char rel[PF_PATH_MAX], src[PF_PATH_MAX], dst[PF_PATH_MAX];
    struct stat sst;
    if (path_join(rel, sizeof(rel), t->rel, name) < 0 ||
        path_join(src, sizeof(src), r->src, rel) < 0 ||
        path_join(dst, sizeof(dst), r->dst, rel) < 0)
        return 0;
    if (filter_excluded(w->o, rel, d_type == DT_DIR))
        return 0;
    int rc = r->src_ep->ops->lstat(r->src_ep, src, &sst);
    if (rc == 0 && S_ISDIR(sst.st_mode) && (d_type == DT_DIR || d_type == DT_UNKNOWN)) {
        struct pf_task c = {.type = T_PURGE, .root = t->root, .parent = t->parent,
                            .st = sst, .rel = rel};
        task_encode(batch, &c);
        return 2;
    }
    if (rc != -ENOENT) {
        if (rc < 0)
            wk_error(w, src, "stat", rc);
        return 0;
    }
    if (w->o->dry_run || w->o->verbose)
        wk_line(w, "delete %s", dst);
    if (!w->o->dry_run && (rc = remove_tree(r->dst_ep, dst)) < 0) {
        wk_error(w, dst, "removing", rc);
        return 0;
    }
    w->st.deleted++;
    return 1;
}

static void restore_times(struct worker *w, const struct pf_task *t,
                          const char *dst)
{
    struct pf_root *r = wk_root(w, t->root);
    char src[PF_PATH_MAX];
    struct stat st;
    if (path_join(src, sizeof(src), r->src, t->rel) == 0 &&
        r->src_ep->ops->lstat(r->src_ep, src, &st) == 0)
        r->dst_ep->ops->setmeta(r->dst_ep, dst, &st, EP_META_TIMES);
}

void purge_dir(struct worker *w, const struct pf_task *t)
{
    struct pf_root *r = wk_root(w, t->root);
    struct ep *dep = r->dst_ep;
    char dst[PF_PATH_MAX];
    struct ep_dir *d;
    struct ep_dirent de;
    if (path_join(dst, sizeof(dst), r->dst, t->rel) < 0 || !dep->ops->opendir ||
        dep->ops->opendir(dep, dst, &d) < 0) {
        wk_done(w, t, ST_OK);          /* nothing there to purge */
        return;
    }
    struct pbuf batch;
    pbuf_init(&batch, 4096);
    uint32_t n = 0;
    int removed = 0, rc;
    while ((rc = dep->ops->readdir(d, &de)) > 0) {
        int k = purge_one(w, t, de.name, de.d_type, &batch);
        removed |= k == 1;
        n += k == 2;
        if (n >= WALK_BATCH_ENTRIES) {
            wk_send_entries(w, t->parent, 0, &batch, n);
            n = 0;
        }
    }
    if (rc < 0)
        wk_error(w, dst, "reading directory", rc);
    dep->ops->closedir(d);
    if (n)
        wk_send_entries(w, t->parent, 0, &batch, n);
    pbuf_free(&batch);
    if (removed && !w->o->dry_run)
        restore_times(w, t, dst);
    wk_done(w, t, ST_OK);
}
