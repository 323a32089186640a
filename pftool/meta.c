/*
 * meta.c - preserving metadata on a destination: owner (when running as
 * root or asked), mode, atime/mtime, user xattrs; and the directory
 * metadata applied once a directory's contents are complete (so the
 * copy's own writes do not change its mtime afterwards).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tasks.h"

enum { XATTR_LIST_MAX = 64 << 10, XATTR_VALUE_MAX = 64 << 10 };

unsigned meta_what(const struct worker *w, const struct stat *st)
{
    unsigned what = EP_META_MODE | EP_META_TIMES;
    if (w->o->preserve_owner)
        what |= EP_META_OWNER;
    if (S_ISLNK(st->st_mode))
        what = (what & ~(unsigned)EP_META_MODE) | EP_META_NOFOLLOW;
    return what;
}

int meta_apply(struct worker *w, struct ep *ep, const char *path,
               struct ep_file *fh, const struct stat *st)
{
    unsigned what = meta_what(w, st);
    if (fh && ep->ops->fsetmeta)
        return ep->ops->fsetmeta(fh, st, what);
    if (ep->ops->setmeta == NULL)
        return 0;
    return ep->ops->setmeta(ep, path, st, what);
}

static int copy_one_xattr(struct ep *sep, const char *src, struct ep_file *sf,
                          struct ep *dep, const char *dst, struct ep_file *df,
                          const char *name, char *val)
{
    ssize_t n = sep->ops->getxattr(sep, src, sf, name, val, XATTR_VALUE_MAX);
    if (n == -ENODATA)
        return 0;                    /* removed meanwhile */
    if (n < 0)
        return (int)n;
    return dep->ops->setxattr(dep, dst, df, name, val, (size_t)n);
}

/* Copy the user.* xattrs; endpoints without xattrs are skipped. */
int meta_copy_xattrs(struct worker *w, struct ep *sep, const char *src,
                     struct ep_file *sf, struct ep *dep, const char *dst,
                     struct ep_file *df)
{
    if (w->o->no_xattrs || !(sep->caps & EP_CAP_XATTR) ||
        !(dep->caps & EP_CAP_XATTR) || sep->ops->listxattr == NULL)
        return 0;
    char list[1024];
    ssize_t n = sep->ops->listxattr(sep, src, sf, list, sizeof(list));
    if (n == 0 || n == -ENOTSUP)
        return 0;
    char *big = NULL;
    char *names = list;
    if (n == -ERANGE) {
        big = malloc(XATTR_LIST_MAX);
        if (big == NULL)
            return -ENOMEM;
        n = sep->ops->listxattr(sep, src, sf, big, XATTR_LIST_MAX);
        names = big;
    }
    if (n < 0) {
        free(big);
        return (int)n;
    }
    int rc = 0;
    char *val = malloc(XATTR_VALUE_MAX);
    for (char *p = names; val && rc == 0 && p < names + n; p += strlen(p) + 1)
        if (strncmp(p, "user.", 5) == 0)
            rc = copy_one_xattr(sep, src, sf, dep, dst, df, p, val);
    if (val == NULL)
        rc = -ENOMEM;
    free(val);
    free(big);
    return rc;
}

/* T_DIRMETA: the directory's contents are complete. */
void meta_dir(struct worker *w, const struct pf_task *t)
{
    struct pf_root *r = wk_root(w, t->root);
    char src[PF_PATH_MAX], dst[PF_PATH_MAX];
    if (wk_task_paths(w, t, src, dst, NULL) < 0) {
        wk_done(w, t, ST_FAILED);
        return;
    }
    if (w->o->dry_run) {
        wk_done(w, t, ST_OK);
        return;
    }
    int rc = meta_copy_xattrs(w, r->src_ep, src, NULL, r->dst_ep, dst, NULL);
    if (rc < 0)
        wk_error(w, dst, "copying xattrs", rc);
    int rc2 = meta_apply(w, r->dst_ep, dst, NULL, &t->st);
    if (rc2 < 0)
        wk_error(w, dst, "setting directory metadata", rc2);
    wk_done(w, t, (rc < 0 || rc2 < 0) ? ST_FAILED : ST_OK);
}
