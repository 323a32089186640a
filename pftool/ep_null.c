/*
 * ep_null.c - the null sink ("null:"): accepts every write and metadata
 * change and keeps nothing, so benchmarks measure the source and the
 * engine alone.  Nothing ever exists there (lstat: ENOENT).
 */
#include "endpoint.h"
#include "pftool.h"

#include <errno.h>
#include <stdlib.h>

struct ep_file {
    off_t size;
};

static int nl_lstat(struct ep *ep, const char *path, struct stat *st)
{
    (void)ep;
    (void)path;
    (void)st;
    return -ENOENT;
}

static int nl_new_file(struct ep_file **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : -ENOMEM;
}

static int nl_create(struct ep *ep, const char *path, mode_t mode,
                     struct ep_file *prev, struct ep_file **out)
{
    (void)ep;
    (void)path;
    (void)mode;
    free(prev);
    return nl_new_file(out);
}

static int nl_create_sized(struct ep *ep, const char *path, mode_t mode,
                           off_t size, struct ep_file **out)
{
    (void)ep;
    (void)path;
    (void)mode;
    (void)size;
    return nl_new_file(out);
}

static int nl_open_write(struct ep *ep, const char *path,
                         struct ep_file **out)
{
    (void)ep;
    (void)path;
    return nl_new_file(out);
}

static ssize_t nl_write(struct ep_file *f, const void *buf, size_t len)
{
    (void)f;
    (void)buf;
    return (ssize_t)len;
}

static ssize_t nl_pwrite(struct ep_file *f, const void *buf, size_t len,
                         off_t off)
{
    (void)f;
    (void)buf;
    (void)off;
    return (ssize_t)len;
}

static int nl_truncate(struct ep_file *f, off_t size)
{
    f->size = size;
    return 0;
}

static int nl_file_ok(struct ep_file *f)
{
    (void)f;
    return 0;
}

static int nl_release(struct ep_file *f)
{
    free(f);
    return 0;
}

static int nl_fsetmeta(struct ep_file *f, const struct stat *st,
                       unsigned what)
{
    (void)f;
    (void)st;
    (void)what;
    return 0;
}

static int nl_setmeta(struct ep *ep, const char *path, const struct stat *st,
                      unsigned what)
{
    (void)ep;
    (void)path;
    (void)st;
    (void)what;
    return 0;
}

static int nl_path_ok(struct ep *ep, const char *path)
{
    (void)ep;
    (void)path;
    return 0;
}

static int nl_mkdir(struct ep *ep, const char *path, mode_t mode)
{
    (void)mode;
    return nl_path_ok(ep, path);
}

static int nl_two_paths(struct ep *ep, const char *a, const char *b)
{
    (void)a;
    return nl_path_ok(ep, b);
}

static int nl_mknod(struct ep *ep, const char *path, mode_t mode, dev_t dev)
{
    (void)mode;
    (void)dev;
    return nl_path_ok(ep, path);
}

static ssize_t nl_listxattr(struct ep *ep, const char *path,
                            struct ep_file *f, char *list, size_t size)
{
    (void)ep;
    (void)path;
    (void)f;
    (void)list;
    (void)size;
    return 0;
}

static int nl_setxattr(struct ep *ep, const char *path, struct ep_file *f,
                       const char *name, const void *val, size_t size)
{
    (void)ep;
    (void)path;
    (void)f;
    (void)name;
    (void)val;
    (void)size;
    return 0;
}

static uint64_t nl_chunk_size(struct ep *ep, const char *path)
{
    (void)ep;
    (void)path;
    return PF_DEFAULT_CHUNK;
}

static void nl_term(struct ep *ep)
{
    free(ep);
}

static const struct ep_ops null_ops = {
    .lstat = nl_lstat, .create = nl_create, .create_sized = nl_create_sized,
    .open_write = nl_open_write, .write = nl_write, .pwrite = nl_pwrite,
    .truncate = nl_truncate, .sync = nl_file_ok, .finalize = nl_file_ok,
    .close = nl_release, .abort = nl_release, .fsetmeta = nl_fsetmeta,
    .setmeta = nl_setmeta, .mkdir = nl_mkdir, .symlink = nl_two_paths,
    .link = nl_two_paths, .mknod = nl_mknod, .rename = nl_two_paths,
    .unlink = nl_path_ok, .rmdir = nl_path_ok, .listxattr = nl_listxattr,
    .setxattr = nl_setxattr, .chunk_size = nl_chunk_size, .term = nl_term,
};

int ep_null_new(struct ep **out)
{
    struct ep *ep = calloc(1, sizeof(*ep));
    if (ep == NULL)
        return -ENOMEM;
    ep->ops = &null_ops;
    ep->kind = EP_NULL;
    ep->caps = EP_CAP_WRITE | EP_CAP_SPARSE | EP_CAP_SPECIAL | EP_CAP_XATTR;
    *out = ep;
    return 0;
}
