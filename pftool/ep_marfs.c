/*
 * ep_marfs.c - the marfs endpoint: any path under the config's mnt_top,
 * through marfs.h in batch mode (config from --config or $MARFS_CONFIG).
 * Small files continue one pack stream per rank (create() passes the
 * previous handle as prev); big files are N:1 writes of whole chunks
 * (create_sized = marfs_creat + marfs_set_size, chunks with marfs_pwrite
 * from any rank, finalize once).  No holes, no special files.
 */
#include "endpoint.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "marfs.h"
#include "pftool.h"

struct mfs {
    marfs_ctx_t *ctx;
};

/* The process's marfs endpoint; tried once per process (ep_term_all
 * resets it through mf_term). */
static struct ep *the_ep;
static int the_ep_tried;
/* A setuid pftool set it up before MPI_Init (ep_marfs_setuid_init):
 * with this config (NULL: the installed default), with this result. */
static int setuid_done;
static const char *setuid_cfg;
static int setuid_rc;

struct ep_file {
    marfs_fh_t *fh;
};

struct ep_dir {
    marfs_dh_t *dh;
    marfs_ctx_t *ctx;
    char path[4096];
};

static marfs_ctx_t *ctx_of(struct ep *ep)
{
    return ((struct mfs *)ep->priv)->ctx;
}

static int wrap(marfs_fh_t *fh, struct ep_file **out)
{
    *out = malloc(sizeof(**out));
    if (*out == NULL) {
        marfs_abort(fh);
        return -ENOMEM;
    }
    (*out)->fh = fh;
    return 0;
}

static int mf_lstat(struct ep *ep, const char *path, struct stat *st)
{
    return marfs_lstat(ctx_of(ep), path, st);
}

static int mf_opendir(struct ep *ep, const char *path, struct ep_dir **out)
{
    struct ep_dir *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return -ENOMEM;
    if (snprintf(d->path, sizeof(d->path), "%s", path) >= (int)sizeof(d->path)) {
        free(d);
        return -ENAMETOOLONG;
    }
    d->ctx = ctx_of(ep);
    int rc = marfs_opendir(d->ctx, path, &d->dh);
    if (rc < 0) {
        free(d);
        return rc;
    }
    *out = d;
    return 0;
}

static int mf_readdir(struct ep_dir *d, struct ep_dirent *e)
{
    for (;;) {
        int err = 0;
        struct dirent *de = marfs_readdir(d->dh, &err);
        if (de == NULL)
            return err;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        e->name = de->d_name;
        e->d_type = de->d_type;
        return 1;
    }
}

static int mf_dstat(struct ep_dir *d, const char *name, struct stat *st)
{
    char path[4096 + 256];
    snprintf(path, sizeof(path), "%s/%s", d->path, name);
    return marfs_lstat(d->ctx, path, st);
}

static void mf_closedir(struct ep_dir *d)
{
    marfs_closedir(d->dh);
    free(d);
}

static ssize_t mf_readlink(struct ep *ep, const char *path, char *buf,
                           size_t len)
{
    return marfs_readlink(ctx_of(ep), path, buf, len);
}

static int mf_open(struct ep *ep, const char *path, struct ep_file **out)
{
    marfs_fh_t *fh;
    int rc = marfs_open(ctx_of(ep), path, O_RDONLY, &fh);
    return rc < 0 ? rc : wrap(fh, out);
}

static ssize_t mf_pread(struct ep_file *f, void *buf, size_t len, off_t off)
{
    return marfs_pread(f->fh, buf, len, off);
}

/* prev (a file this rank finished writing) is closed by marfs_creat. */
static int mf_create(struct ep *ep, const char *path, mode_t mode,
                     struct ep_file *prev, struct ep_file **out)
{
    marfs_fh_t *fh;
    int rc = marfs_creat(ctx_of(ep), path, mode, prev ? prev->fh : NULL, &fh);
    free(prev);
    return rc < 0 ? rc : wrap(fh, out);
}

static void mf_settled(void *arg, const char *path, int status)
{
    (void)path;
    *(int *)arg = status;
}

static int mf_create_whole(struct ep *ep, const char *path, mode_t mode,
                           struct ep_file *prev, int *status,
                           struct ep_file **out)
{
    marfs_fh_t *fh;
    int rc = marfs_creat_whole(ctx_of(ep), path, mode, prev ? prev->fh : NULL,
                               mf_settled, status, &fh);
    free(prev);
    return rc < 0 ? rc : wrap(fh, out);
}

static int mf_create_sized(struct ep *ep, const char *path, mode_t mode,
                           off_t size, struct ep_file **out)
{
    marfs_fh_t *fh;
    int rc = marfs_creat(ctx_of(ep), path, mode, NULL, &fh);
    if (rc < 0)
        return rc;
    if ((rc = marfs_set_size(fh, size)) < 0) {
        marfs_abort(fh);
        return rc;
    }
    return wrap(fh, out);
}

static int mf_open_write(struct ep *ep, const char *path, struct ep_file **out)
{
    marfs_fh_t *fh;
    int rc = marfs_open(ctx_of(ep), path, O_WRONLY, &fh);
    return rc < 0 ? rc : wrap(fh, out);
}

static ssize_t mf_write(struct ep_file *f, const void *buf, size_t len)
{
    return marfs_write(f->fh, buf, len);
}

static ssize_t mf_pwrite(struct ep_file *f, const void *buf, size_t len,
                         off_t off)
{
    return marfs_pwrite(f->fh, buf, len, off);
}

static int mf_sync(struct ep_file *f)
{
    return marfs_fsync(f->fh);
}

static int mf_finalize(struct ep_file *f)
{
    return marfs_finalize(f->fh);
}

static int mf_close(struct ep_file *f)
{
    int rc = marfs_close(f->fh);
    free(f);
    return rc;
}

static int mf_abort(struct ep_file *f)
{
    int rc = marfs_abort(f->fh);
    free(f);
    return rc;
}

/* chown before chmod (set-id bits); utimens never follows a symlink. */
static int mf_setmeta(struct ep *ep, const char *path, const struct stat *st,
                      unsigned what)
{
    marfs_ctx_t *c = ctx_of(ep);
    int rc = 0;
    if ((what & EP_META_OWNER) && (rc = marfs_chown(c, path, st->st_uid, st->st_gid)) < 0)
        return rc;
    if ((what & EP_META_MODE) && !(what & EP_META_NOFOLLOW) &&
        (rc = marfs_chmod(c, path, st->st_mode & 07777)) < 0)
        return rc;
    if (what & EP_META_TIMES) {
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        rc = marfs_utimens(c, path, ts);
    }
    return rc;
}

/* Through the handle, so the file's recovery record carries the owner,
 * mode and times too (marfs_fchmod applies the mode at completion). */
static int mf_fsetmeta(struct ep_file *f, const struct stat *st,
                       unsigned what)
{
    int rc = 0;
    if ((what & EP_META_OWNER) &&
        (rc = marfs_fchown(f->fh, st->st_uid, st->st_gid)) < 0)
        return rc;
    if ((what & EP_META_MODE) && (rc = marfs_fchmod(f->fh, st->st_mode)) < 0)
        return rc;
    if (what & EP_META_TIMES) {
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        rc = marfs_futimens(f->fh, ts);
    }
    return rc;
}

static int mf_set_final(struct ep_file *f, const char *dst)
{
    return marfs_set_recovery_path(f->fh, dst);
}

static int mf_mkdir(struct ep *ep, const char *path, mode_t mode)
{
    return marfs_mkdir(ctx_of(ep), path, mode);
}

static int mf_symlink(struct ep *ep, const char *target, const char *path)
{
    return marfs_symlink(ctx_of(ep), target, path);
}

static int mf_link(struct ep *ep, const char *from, const char *to)
{
    return marfs_link(ctx_of(ep), from, to);
}

static int mf_rename(struct ep *ep, const char *from, const char *to)
{
    return marfs_rename(ctx_of(ep), from, to);
}

static int mf_unlink(struct ep *ep, const char *path)
{
    return marfs_unlink(ctx_of(ep), path);
}

static int mf_rmdir(struct ep *ep, const char *path)
{
    return marfs_rmdir(ctx_of(ep), path);
}

/* A file open for reading answers through its open inode (no path
 * resolution, no /proc lookup); others (-EBADF) by path. */
static ssize_t mf_listxattr(struct ep *ep, const char *path, struct ep_file *f,
                            char *list, size_t size)
{
    ssize_t n = f && f->fh ? marfs_flistxattr(f->fh, list, size) : -EBADF;
    return n != -EBADF ? n : marfs_listxattr(ctx_of(ep), path, list, size);
}

static ssize_t mf_getxattr(struct ep *ep, const char *path, struct ep_file *f,
                           const char *name, void *val, size_t size)
{
    ssize_t n = f && f->fh ? marfs_fgetxattr(f->fh, name, val, size)
                           : -EBADF;
    return n != -EBADF ? n
                       : marfs_getxattr(ctx_of(ep), path, name, val, size);
}

static int mf_setxattr(struct ep *ep, const char *path, struct ep_file *f,
                       const char *name, const void *val, size_t size)
{
    if (f != NULL)
        return marfs_fsetxattr(f->fh, name, val, size, 0);
    return marfs_setxattr(ctx_of(ep), path, name, val, size, 0);
}

/* The repo's chunk size: N:1 writes must be whole chunks of it. */
static uint64_t mf_chunk_size(struct ep *ep, const char *path)
{
    struct marfs_path_info info;
    if (marfs_path_info(ctx_of(ep), path, &info) <= 0)
        return UINT64_MAX;
    return info.chunk_size;
}

static int mf_file_checksum(struct ep *ep, const char *path, uint64_t *crc)
{
    return marfs_file_checksum(ctx_of(ep), path, crc);
}

static void mf_term(struct ep *ep)
{
    struct mfs *m = ep->priv;
    struct marfs_cache_stats cs;
    if (marfs_cache_stats(m->ctx, &cs) == 0 && cs.hits + cs.misses > 0)
        LOG_DEBUG("read cache: %" PRIu64 " hits, %" PRIu64 " misses, %" PRIu64
                  " MiB decoded (%" PRIu64 " MiB ahead), %" PRIu64
                  " evicted, peak %" PRIu64 " of %" PRIu64 " MiB",
                  cs.hits, cs.misses, cs.decoded >> 20, cs.prefetched >> 20,
                  cs.evicted, cs.peak >> 20, cs.limit >> 20);
    marfs_term(m->ctx);
    free(m);
    free(ep);
    the_ep = NULL;
    the_ep_tried = 0;
}

static const struct ep_ops marfs_ops = {
    .lstat = mf_lstat, .opendir = mf_opendir, .readdir = mf_readdir,
    .dstat = mf_dstat, .closedir = mf_closedir, .readlink = mf_readlink,
    .open = mf_open, .pread = mf_pread, .data_region = NULL,
    .create = mf_create, .create_whole = mf_create_whole,
    .create_sized = mf_create_sized,
    .open_write = mf_open_write, .write = mf_write, .pwrite = mf_pwrite,
    .truncate = NULL, .sync = mf_sync, .finalize = mf_finalize,
    .close = mf_close, .abort = mf_abort, .fsetmeta = mf_fsetmeta, .set_final = mf_set_final,
    .setmeta = mf_setmeta, .mkdir = mf_mkdir, .symlink = mf_symlink,
    .link = mf_link, .mknod = NULL, .rename = mf_rename, .unlink = mf_unlink,
    .rmdir = mf_rmdir, .listxattr = mf_listxattr, .getxattr = mf_getxattr,
    .setxattr = mf_setxattr, .chunk_size = mf_chunk_size,
    .file_checksum = mf_file_checksum, .term = mf_term,
};

static const char *config_path(const struct pf_opts *o)
{
    const char *env = getenv("MARFS_CONFIG");
    if (o && o->config)
        return o->config;
    return env && *env ? env : NULL;
}

static int marfs_new(const char *cfg, struct ep **out)
{
    struct mfs *m = calloc(1, sizeof(*m));
    struct ep *ep = calloc(1, sizeof(*ep));
    if (m == NULL || ep == NULL) {
        free(m);
        free(ep);
        return -ENOMEM;
    }
    int rc = marfs_init(cfg, MARFS_BATCH, &m->ctx);
    if (rc < 0) {
        free(m);
        free(ep);
        return rc;
    }
    ep->ops = &marfs_ops;
    ep->kind = EP_MARFS;
    ep->caps = EP_CAP_WRITE | EP_CAP_PACK | EP_CAP_XATTR | EP_CAP_NTO1;
    ep->priv = m;
    *out = ep;
    return 0;
}

int ep_marfs_setuid_init(const char *cfg)
{
    setuid_done = 1;
    setuid_cfg = cfg;
    the_ep_tried = 1;
    setuid_rc = marfs_new(cfg, &the_ep);
    if (setuid_rc < 0)
        the_ep = NULL;
    return setuid_rc;
}

/* The endpoint of a setuid pftool: decided before the options were
 * parsed, so they must name the config the same way. */
static int setuid_claims(const char *path, const struct pf_opts *o)
{
    struct marfs_path_info info;
    const char *cfg = o ? o->config : NULL;
    if ((cfg == NULL) != (setuid_cfg == NULL) ||
        (cfg != NULL && strcmp(cfg, setuid_cfg) != 0)) {
        LOG_ERR("a setuid pftool takes its marfs config only as --config "
                "FILE or --config=FILE");
        return -EINVAL;
    }
    if (the_ep == NULL)     /* no default config: no marfs on this host */
        return setuid_rc == -ENOENT && cfg == NULL ? 0 : -EINVAL;
    return path[0] == '/' && marfs_path_info(ctx_of(the_ep), path, &info) > 0;
}

int ep_marfs_claims(const char *path, const struct pf_opts *o)
{
    if (setuid_done)
        return setuid_claims(path, o);
    const char *cfg = config_path(o);
    struct marfs_path_info info;
    if (cfg == NULL || path[0] != '/')
        return 0;
    if (!the_ep_tried) {
        the_ep_tried = 1;
        if (marfs_new(cfg, &the_ep) < 0) {
            LOG_ERR("%s: the marfs config is not usable (see above)", cfg);
            the_ep = NULL;
        }
    }
    if (the_ep == NULL)
        return -EINVAL;
    return marfs_path_info(ctx_of(the_ep), path, &info) > 0;
}

void ep_marfs_release(void)
{
    if (the_ep != NULL)
        mf_term(the_ep);    /* set up by a check but never used */
    the_ep_tried = 0;
}

int ep_marfs_get(struct ep **out)
{
    if (the_ep == NULL)
        return -EINVAL;     /* only after ep_marfs_claims said yes */
    *out = the_ep;
    return 0;
}

int ep_checksum_file(struct ep *ep, const char *path, off_t size, char *buf,
                     size_t bufsz, uint64_t *crc)
{
    struct ep_file *f;
    int rc = ep->ops->open(ep, path, &f);
    if (rc < 0)
        return rc;
    uint64_t c = 0;
    for (off_t off = 0; off < size && rc == 0;) {
        ssize_t n = ep->ops->pread(f, buf, bufsz, off);
        if (n <= 0)
            rc = n < 0 ? (int)n : -ENODATA;
        else {
            c = marfs_checksum_update(c, buf, (size_t)n);
            off += n;
        }
    }
    ep->ops->close(f);
    *crc = c;
    return rc;
}
