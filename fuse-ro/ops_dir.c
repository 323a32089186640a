/*
 * ops_dir.c - directory listings: opendir, readdir, readdirplus,
 * releasedir, fsyncdir.
 *
 * opendir reads the whole listing through marfs_readdir (internal names
 * hidden, child namespaces shown) into one buffer, so a listing is a
 * consistent snapshot and offsets are simply entry numbers ("." is 0,
 * ".." 1).  readdirplus adds every entry's attributes and a node for
 * it, which spares the kernel a lookup per name for ls -l and find -ls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mfuse.h"

struct dirh {
    size_t n, cap;              /* entries */
    size_t *off;                /* name offsets in names */
    unsigned char *type;        /* d_type of each */
    char *names;
    size_t nlen, ncap;
};

static void dirh_free(struct dirh *d)
{
    if (d == NULL)
        return;
    free(d->off);
    free(d->type);
    free(d->names);
    free(d);
}

static int dirh_add(struct dirh *d, const char *name, unsigned char type)
{
    size_t len = strlen(name) + 1;
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        size_t *off = realloc(d->off, cap * sizeof(*off));
        if (off == NULL)
            return -ENOMEM;
        d->off = off;
        unsigned char *ty = realloc(d->type, cap);
        if (ty == NULL)
            return -ENOMEM;
        d->type = ty;
        d->cap = cap;
    }
    if (d->nlen + len > d->ncap) {
        size_t cap = d->ncap ? 2 * d->ncap : 4096;
        while (cap < d->nlen + len)
            cap *= 2;
        char *nm = realloc(d->names, cap);
        if (nm == NULL)
            return -ENOMEM;
        d->names = nm;
        d->ncap = cap;
    }
    memcpy(d->names + d->nlen, name, len);
    d->off[d->n] = d->nlen;
    d->type[d->n++] = type;
    d->nlen += len;
    return 0;
}

static int read_listing(struct mfs *fs, const char *path, struct dirh **out)
{
    marfs_dh_t *dh;
    int rc = marfs_opendir(fs->ctx, path, &dh), err = 0;
    if (rc < 0)
        return rc;
    struct dirh *d = calloc(1, sizeof(*d));
    struct dirent *de;
    rc = d ? 0 : -ENOMEM;
    while (rc == 0 && (de = marfs_readdir(dh, &err)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            rc = dirh_add(d, de->d_name, de->d_type);
    if (rc == 0)
        rc = err;
    marfs_closedir(dh);
    if (rc < 0) {
        dirh_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino,
                       struct fuse_file_info *fi)
{
    struct mfs *fs = mfs_of(req);
    struct dirh *d;
    int rc = read_listing(fs, nodes_get(fs->nodes, ino)->path, &d);
    if (rc < 0) {
        fuse_reply_err(req, -rc);
        return;
    }
    fi->fh = (uint64_t)(uintptr_t)d;
    if (fuse_reply_open(req, fi) != 0)
        dirh_free(d);
}

static struct dirh *dirh_of(struct fuse_file_info *fi)
{
    return (struct dirh *)(uintptr_t)fi->fh;
}

/* Entry i of the listing as the kernel numbers them: ".", "..", names. */
static const char *entry_name(const struct dirh *d, size_t i, mode_t *type)
{
    if (i < 2) {
        *type = S_IFDIR;
        return i == 0 ? "." : "..";
    }
    *type = (mode_t)DTTOIF(d->type[i - 2]);
    return d->names + d->off[i - 2];
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
                       off_t off, struct fuse_file_info *fi)
{
    struct dirh *d = dirh_of(fi);
    char *buf = malloc(size);
    size_t used = 0;
    (void)ino;
    if (buf == NULL) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    for (size_t i = (size_t)off; i < d->n + 2; i++) {
        struct stat st = {.st_ino = 0};
        const char *name = entry_name(d, i, &st.st_mode);
        size_t need = fuse_add_direntry(req, buf + used, size - used, name,
                                        &st, (off_t)(i + 1));
        if (need > size - used)
            break;
        used += need;
    }
    fuse_reply_buf(req, buf, used);
    free(buf);
}

/* One readdirplus entry: attributes and a node, or (if the name cannot
 * be stat'ed now: removed, or a namespace this mode may not enter) the
 * name alone, for the kernel to look up when asked. */
static void plus_entry(fuse_req_t req, const char *dir, const char *name,
                       mode_t type, struct fuse_entry_param *e)
{
    char path[PATH_MAX];
    struct stat st;
    int dots = strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
    if (!dots && mfs_join(dir, name, path) == 0 &&
        marfs_lstat(mfs_of(req)->ctx, path, &st) == 0 &&
        mfs_entry(req, path, &st, e) == 0)
        return;
    /* "." and ".." take no reference (the kernel ignores them) */
    memset(e, 0, sizeof(*e));
    e->attr.st_mode = type;
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
                           off_t off, struct fuse_file_info *fi)
{
    struct mfs *fs = mfs_of(req);
    struct dirh *d = dirh_of(fi);
    const char *dir = nodes_get(fs->nodes, ino)->path;
    char *buf = malloc(size);
    /* every entry takes more than 64 bytes */
    fuse_ino_t *refs = malloc((size / 64 + 1) * sizeof(*refs));
    size_t used = 0, nrefs = 0;
    if (buf == NULL || refs == NULL) {
        free(buf);
        free(refs);
        fuse_reply_err(req, ENOMEM);
        return;
    }
    for (size_t i = (size_t)off; i < d->n + 2; i++) {
        mode_t type;
        const char *name = entry_name(d, i, &type);
        /* size first: a node made for an entry that does not fit would
         * be a reference the kernel never holds */
        if (fuse_add_direntry_plus(req, NULL, 0, name, NULL, 0) >
            size - used)
            break;
        struct fuse_entry_param e;
        plus_entry(req, dir, name, type, &e);
        if (e.ino != 0)
            refs[nrefs++] = e.ino;
        used += fuse_add_direntry_plus(req, buf + used, size - used, name,
                                       &e, (off_t)(i + 1));
    }
    if (fuse_reply_buf(req, buf, used) != 0)
        for (size_t i = 0; i < nrefs; i++)  /* never reached the kernel */
            nodes_forget(fs->nodes, refs[i], 1);
    free(refs);
    free(buf);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino,
                          struct fuse_file_info *fi)
{
    (void)ino;
    dirh_free(dirh_of(fi));
    fuse_reply_err(req, 0);
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
                        struct fuse_file_info *fi)
{
    (void)ino;
    (void)datasync;
    (void)fi;
    fuse_reply_err(req, 0);     /* nothing is ever dirty */
}

void mfs_ops_dir(struct fuse_lowlevel_ops *ops)
{
    ops->opendir = op_opendir;
    ops->readdir = op_readdir;
    ops->readdirplus = op_readdirplus;
    ops->releasedir = op_releasedir;
    ops->fsyncdir = op_fsyncdir;
}
