/*
 * dal_posix.c - the posix DAL: one file per block under a directory tree.
 *
 * Owns: mapping a location to sec_root/<dir_template>/<escaped name>,
 * publishing blocks atomically (write a hidden temporary, fsync, rename on
 * close), reading the meta trailer, del and list.  Every path is resolved
 * from the data root's fd (dal_posix_dirs.c), so a setuid program keeps
 * reaching its blocks after it dropped the privileges that opened the
 * root.  Layout and format: doc/dal.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dal_internal.h"
#include "dal_posix.h"
#include "hash.h"
#include "log.h"

struct px_block {
    struct dal_block base;
    struct px_io io;
    int writing;
    char *path;          /* the block's published name (below the root) */
    char *tmp;           /* write: the temporary being written */
    uint64_t len;        /* data bytes written / in the block */
    uint64_t wb_from;    /* write: writeback not yet started from here */
    int64_t mtime;
    int has_meta;
    uint32_t mlen;
    unsigned char *meta;
};

static const struct dal_ops px_ops;

/* ---- paths ------------------------------------------------------------ */

/* Escaped name of obj into esc (PX_ESC_MAX + 1 bytes). */
static int px_name(const char *obj, char *esc)
{
    if (px_escape(obj, esc, PX_ESC_MAX + 1) == 0)
        return 0;
    LOG_ERR("posix DAL: object name '%.64s...' is too long (escaped it "
            "exceeds %d bytes)", obj, PX_ESC_MAX);
    return -ENAMETOOLONG;
}

/* Directory and published block path of (loc, obj), below the root. */
static int px_paths(const struct px_dal *d, const struct dal_loc *loc,
                    const char *obj, char *dir, char *path)
{
    char esc[PX_ESC_MAX + 1];
    int rc = dal_loc_check(&d->geom, "posix", loc, obj);
    if (rc == 0)
        rc = px_dir(d, loc, dir, PATH_MAX);
    if (rc == 0)
        rc = px_name(obj, esc);
    if (rc == 0 && snprintf(path, PATH_MAX, "%s/%s", dir, esc) +
                       strlen(d->root) + 1 >= PATH_MAX) {
        LOG_ERR("posix DAL: path of object '%s' in %s/%s exceeds PATH_MAX",
                obj, d->root, dir);
        rc = -ENAMETOOLONG;
    }
    return rc;
}

/* 64 unpredictable bits for temporary names (unique across hosts that
 * share a directory, where pids collide). */
static uint64_t tmp_token(void)
{
    static uint64_t counter;
    uint64_t r;
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
        return r;
    return mhash_mix64(dal_now_ns() ^ (uint64_t)getpid() << 40 ^
                       __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
}

/* dir/.<escaped>.<16 hex> for the block at path (dir/<escaped>). */
static char *tmp_path(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *out = NULL;
    if (asprintf(&out, "%.*s.%s.%016" PRIx64, (int)(base - path), path, base,
                 tmp_token()) < 0)
        return NULL;
    return out;
}

/* ---- create / destroy ------------------------------------------------- */

/* The odirect parameter: O_DIRECT for reads and writes, for writes
 * only (writes; auto, the default, the same without a warning where the
 * file system refuses it), or never. */
enum { PX_DIRECT_NO, PX_DIRECT_AUTO, PX_DIRECT_WRITES, PX_DIRECT_YES };

/* The mode the word v names, or -EINVAL. */
static int px_odirect_mode(const char *v)
{
    if (strcmp(v, "yes") == 0)
        return PX_DIRECT_YES;
    if (strcmp(v, "writes") == 0)
        return PX_DIRECT_WRITES;
    if (strcmp(v, "auto") == 0)
        return PX_DIRECT_AUTO;
    if (strcmp(v, "no") == 0)
        return PX_DIRECT_NO;
    return -EINVAL;
}

/* Config check: odirect is one of its four words. */
static void px_check(struct dal_check_ctx *cx, const struct mcfg_dal *cfg,
                     const struct mcfg_repo *repo)
{
    (void)repo;
    for (size_t i = 0; i < cfg->nparams; i++) {
        const struct mcfg_param *p = &cfg->params[i];
        if (strcmp(p->key, "odirect") == 0 && px_odirect_mode(p->value) < 0)
            dal_check_error(cx, p->line, p->key, "'%s' is not auto, yes, "
                            "writes or no", p->value);
    }
}

static int px_params(struct px_dal *d, const struct mcfg_dal *cfg)
{
    char name[96];
    const char *root = mcfg_dal_param(cfg, "sec_root");
    const char *tmpl = mcfg_dal_param(cfg, "dir_template");
    const char *od = mcfg_dal_param(cfg, "odirect");
    dal_cfg_name(cfg, name, sizeof(name));
    if (root == NULL || root[0] != '/') {
        LOG_ERR("%s: sec_root '%s' must be an absolute path", name,
                root ? root : "(missing)");
        return -EINVAL;
    }
    if (tmpl == NULL || strstr(tmpl, "{b}") == NULL) {
        LOG_ERR("%s: dir_template '%s' must contain {b}", name,
                tmpl ? tmpl : "(missing)");
        return -EINVAL;
    }
    if (od != NULL && px_odirect_mode(od) < 0) {
        LOG_ERR("%s: odirect '%s' is not auto, yes, writes or no", name,
                od);
        return -EINVAL;
    }
    /* Unset means auto: every block is fsynced when published, so the
     * page cache only adds a copy and a writeback (slower than direct
     * writes for big blocks; 5% of pfcp's small-file copy into 10+2 at
     * 4 ranks: doc/dal.md).  Reads keep the cache (readahead,
     * re-reads). */
    int mode = od != NULL ? px_odirect_mode(od) : PX_DIRECT_AUTO;
    d->direct_write = mode != PX_DIRECT_NO;
    d->direct_quiet = mode == PX_DIRECT_AUTO;
    d->direct_read = mode == PX_DIRECT_YES;
    while (*tmpl == '/')
        tmpl++;              /* block directories are below the root */
    d->root = strdup(root);
    d->tmpl = strdup(tmpl);
    if (d->root == NULL || d->tmpl == NULL)
        return -ENOMEM;
    for (size_t n = strlen(d->root); n > 0 && d->root[n - 1] == '/'; n--)
        d->root[n - 1] = '\0';
    return 0;
}

static void px_destroy(dal_t *dal)
{
    struct px_dal *d = (struct px_dal *)dal;
    if (d->rootfd >= 0)
        close(d->rootfd);
    free(d->root);
    free(d->tmpl);
    free(d);
}

static int posix_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                      dal_t *inner, dal_t **out)
{
    (void)inner;
    struct px_dal *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return -ENOMEM;
    d->base.ops = &px_ops;
    d->base.type = "posix";
    d->rootfd = -1;
    dal_geom_init(&d->geom, repo);
    int rc = px_params(d, cfg);
    if (rc == 0)
        rc = px_open_root(d);
    if (rc < 0) {
        px_destroy(&d->base);
        return rc;
    }
    *out = &d->base;
    return 0;
}

/* ---- handles ---------------------------------------------------------- */

static struct px_block *new_block(dal_t *dal, const char *path, int writing)
{
    struct px_block *h = calloc(1, sizeof(*h));
    if (h == NULL || (h->path = strdup(path)) == NULL) {
        free(h);
        return NULL;
    }
    h->base.dal = dal;
    h->io.fd = -1;
    h->writing = writing;
    return h;
}

/* The data root, for messages ("ROOT/PATH"). */
static const char *root_of(const struct px_block *h)
{
    return ((const struct px_dal *)h->base.dal)->root;
}

static void free_block(struct px_block *h)
{
    px_io_close(&h->io);
    free(h->path);
    free(h->tmp);
    free(h->meta);
    free(h);
}

/* Tell once per DAL that O_DIRECT was asked for but is not available. */
static void note_direct(struct px_dal *d, const char *path, int want,
                        int direct)
{
    if (want && !direct && !d->direct_quiet &&
        !__atomic_exchange_n(&d->warned_direct, 1, __ATOMIC_RELAXED))
        LOG_WARN("posix DAL: the file system of %s/%s refuses O_DIRECT; "
                 "using buffered I/O", d->root, path);
}

/* A new temporary: exclusive, and readable by every reader the library
 * lets through (the umask must not decide that: doc/security.md). */
static int create_tmp(struct px_dal *d, struct px_block *h, int rootfd)
{
    h->io.fd = px_openat(rootfd, h->tmp, O_WRONLY | O_CREAT | O_EXCL |
                         O_CLOEXEC, d->direct_write, &h->io.direct);
    if (h->io.fd < 0)
        return h->io.fd;
    if (fchmod(h->io.fd, PX_MODE_BLOCK) == 0)
        return 0;
    int rc = -errno;
    px_io_close(&h->io);
    unlinkat(rootfd, h->tmp, 0);
    return rc;
}

static int px_open_write(dal_t *dal, const struct dal_loc *loc,
                         const char *obj, dal_block_t **out)
{
    struct px_dal *d = (struct px_dal *)dal;
    char dir[PATH_MAX], path[PATH_MAX];
    int rc = px_paths(d, loc, obj, dir, path);
    if (rc < 0)
        return rc;
    struct px_block *h = new_block(dal, path, 1);
    if (h == NULL || (h->tmp = tmp_path(path)) == NULL) {
        if (h != NULL)
            free_block(h);
        return -ENOMEM;
    }
    int rootfd = px_rootfd(d);
    rc = rootfd < 0 ? rootfd : create_tmp(d, h, rootfd);
    if (rc < 0) {
        LOG_ERR("posix DAL: cannot create block %s/%s: %s%s", d->root, h->tmp,
                strerror(-rc), rc == -ENOENT ? " (the block directory is "
                "missing; verify with fix creates it)" : "");
        free_block(h);
        return rc;
    }
    note_direct(d, dir, d->direct_write, h->io.direct);
    *out = &h->base;
    return 0;
}

/* Read and check footer and meta of an open block file. */
static int load_trailer(struct px_block *h)
{
    unsigned char foot[PX_FOOTER];
    struct px_footer f;
    struct stat st;
    if (fstat(h->io.fd, &st) < 0)
        return -errno;
    h->mtime = st.st_mtime;
    if ((uint64_t)st.st_size < PX_FOOTER ||
        px_io_pread(&h->io, foot, PX_FOOTER, (uint64_t)st.st_size - PX_FOOTER)
            != PX_FOOTER ||
        px_footer_decode(foot, &f) < 0 || f.meta_len > DAL_META_MAX ||
        f.data_len + f.meta_len + PX_FOOTER != (uint64_t)st.st_size)
        return -EBADMSG;
    h->len = f.data_len;
    h->mlen = f.meta_len;
    h->has_meta = (f.flags & PX_HAS_META) != 0;
    if ((h->meta = malloc(f.meta_len ? f.meta_len : 1)) == NULL)
        return -ENOMEM;
    if (px_io_pread(&h->io, h->meta, f.meta_len, f.data_len) !=
            (ssize_t)f.meta_len ||
        !px_meta_ok(foot, h->meta, f.meta_len))
        return -EBADMSG;
    return 0;
}

/* Open the published block at path (below the root) for reading. */
static int open_block(struct px_dal *d, const char *path, struct px_block **out)
{
    struct px_block *h = new_block(&d->base, path, 0);
    if (h == NULL)
        return -ENOMEM;
    int rc = px_rootfd(d);
    if (rc >= 0)
        rc = h->io.fd = px_openat(rc, path, O_RDONLY | O_CLOEXEC,
                                  d->direct_read, &h->io.direct);
    if (rc >= 0)
        rc = load_trailer(h);
    if (rc == -EBADMSG)
        LOG_ERR("posix DAL: block %s/%s has no valid trailer (format version "
                "%d): corrupt or not a block", d->root, path,
                PX_FORMAT_VERSION);
    else if (rc < 0 && rc != -ENOENT)
        LOG_ERR("posix DAL: cannot read block %s/%s: %s", d->root, path,
                strerror(-rc));
    else if (rc == -ENOENT)
        LOG_DEBUG("posix DAL: no block %s/%s", d->root, path);
    if (rc < 0) {
        free_block(h);
        return rc;
    }
    note_direct(d, path, d->direct_read, h->io.direct);
    *out = h;
    return 0;
}

static int px_open_read(dal_t *dal, const struct dal_loc *loc,
                        const char *obj, dal_block_t **out)
{
    struct px_dal *d = (struct px_dal *)dal;
    char dir[PATH_MAX], path[PATH_MAX];
    struct px_block *h;
    int rc = px_paths(d, loc, obj, dir, path);
    if (rc == 0 && (rc = open_block(d, path, &h)) == 0)
        *out = &h->base;
    return rc;
}

/* ---- data and meta ---------------------------------------------------- */

/* Buffered blocks: start the disk writes of every PX_WRITEBACK bytes as
 * they are written (sync_file_range without waiting), so the disk works
 * while the caller encodes the next stripes and publish's fsync finds
 * little left to do.  A hint only: fsync at publish reports any error. */
enum { PX_WRITEBACK = 8 << 20 };

static void start_writeback(struct px_block *h)
{
    if (h->io.direct || h->len - h->wb_from < PX_WRITEBACK)
        return;
    if (sync_file_range(h->io.fd, (off64_t)h->wb_from,
                        (off64_t)(h->len - h->wb_from),
                        SYNC_FILE_RANGE_WRITE) < 0)
        LOG_DEBUG("posix DAL: sync_file_range on %s/%s: %s", root_of(h),
                  h->tmp, strerror(errno));
    h->wb_from = h->len;
}

static ssize_t px_put(dal_block_t *blk, const void *buf, size_t len)
{
    struct px_block *h = (struct px_block *)blk;
    if (!h->writing)
        return -EBADF;
    int rc = px_io_append(&h->io, buf, len);
    if (rc < 0) {
        LOG_ERR("posix DAL: writing block %s/%s at offset %" PRIu64 ": %s",
                root_of(h), h->tmp, h->len, strerror(-rc));
        return rc;
    }
    h->len += len;
    start_writeback(h);
    return (ssize_t)len;
}

static ssize_t px_get(dal_block_t *blk, void *buf, size_t len, uint64_t off)
{
    struct px_block *h = (struct px_block *)blk;
    if (h->writing)
        return -EBADF;
    if (off >= h->len)
        return 0;
    if (len > h->len - off)
        len = (size_t)(h->len - off);
    ssize_t n = px_io_pread(&h->io, buf, len, off);
    if (n < 0)
        LOG_ERR("posix DAL: reading block %s/%s at offset %" PRIu64 ": %s",
                root_of(h), h->path, off, strerror((int)-n));
    return n;
}

static int px_set_meta(dal_block_t *blk, const void *meta, size_t len)
{
    struct px_block *h = (struct px_block *)blk;
    char what[PATH_MAX + 32];
    if (!h->writing)
        return -EBADF;
    snprintf(what, sizeof(what), "posix DAL: block %s/%s", root_of(h),
             h->path);
    int rc = dal_meta_dup(meta, len, &h->meta, what);
    if (rc == 0) {
        h->mlen = (uint32_t)len;
        h->has_meta = 1;
    }
    return rc;
}

static ssize_t px_get_meta(dal_block_t *blk, void *buf, size_t len)
{
    struct px_block *h = (struct px_block *)blk;
    return dal_meta_copy(buf, len, h->meta, h->mlen, h->has_meta);
}

/* ---- close / abort ---------------------------------------------------- */

/* Trailer, flush, fsync, close, rename: the block appears complete or
 * not at all. */
static int publish(struct px_block *h)
{
    unsigned char foot[PX_FOOTER];
    px_footer_encode(foot, h->has_meta ? PX_HAS_META : 0, h->meta, h->mlen,
                     h->len);
    int rc = px_io_append(&h->io, h->meta, h->mlen);
    if (rc == 0)
        rc = px_io_append(&h->io, foot, PX_FOOTER);
    if (rc == 0)
        rc = px_io_flush(&h->io);
    if (rc == 0 && fsync(h->io.fd) < 0)
        rc = -errno;
    int crc = px_io_close(&h->io);
    if (rc == 0)
        rc = crc;
    int rootfd = ((struct px_dal *)h->base.dal)->rootfd;
    if (rc == 0 && renameat(rootfd, h->tmp, rootfd, h->path) < 0)
        rc = -errno;
    if (rc < 0)
        LOG_ERR("posix DAL: cannot publish block %s/%s: %s", root_of(h),
                h->path, strerror(-rc));
    return rc;
}

static int px_close(dal_block_t *blk)
{
    struct px_block *h = (struct px_block *)blk;
    int rc = h->writing ? publish(h) : px_io_close(&h->io);
    if (rc < 0 && h->writing)
        unlinkat(((struct px_dal *)h->base.dal)->rootfd, h->tmp, 0);
    free_block(h);
    return rc;
}

static int px_abort(dal_block_t *blk)
{
    struct px_block *h = (struct px_block *)blk;
    int rc = 0;
    px_io_close(&h->io);
    int rootfd = ((struct px_dal *)h->base.dal)->rootfd;
    if (h->writing && unlinkat(rootfd, h->tmp, 0) < 0) {
        rc = -errno;
        LOG_ERR("posix DAL: cannot remove temporary %s/%s: %s", root_of(h),
                h->tmp, strerror(errno));
    }
    free_block(h);
    return rc;
}

/* ---- stat / del / list ------------------------------------------------ */

static int px_stat(dal_t *dal, const struct dal_loc *loc, const char *obj,
                   struct dal_stat *st)
{
    char dir[PATH_MAX], path[PATH_MAX];
    struct px_block *h;
    int rc = px_paths((struct px_dal *)dal, loc, obj, dir, path);
    if (rc == 0 && (rc = open_block((struct px_dal *)dal, path, &h)) == 0) {
        st->size = h->len;
        st->mtime = h->mtime;
        free_block(h);
    }
    return rc;
}

static int px_del(dal_t *dal, const struct dal_loc *loc, const char *obj)
{
    char dir[PATH_MAX], path[PATH_MAX];
    struct px_dal *d = (struct px_dal *)dal;
    int rc = px_paths(d, loc, obj, dir, path);
    int rootfd = rc < 0 ? rc : px_rootfd(d);
    if (rc == 0 && rootfd < 0)
        rc = rootfd;
    else if (rc == 0 && unlinkat(rootfd, path, 0) < 0)
        rc = -errno;
    if (rc == -ENOENT)
        LOG_DEBUG("posix DAL: no block %s/%s to delete", d->root, path);
    else if (rc < 0 && rc != -ENAMETOOLONG && rc != -EINVAL)
        LOG_ERR("posix DAL: cannot delete block %s/%s: %s", d->root, path,
                strerror(-rc));
    return rc;
}

/* Call cb for each published block of the open directory dp. */
static int list_dir(DIR *dp, int (*cb)(const char *obj, void *arg), void *arg)
{
    char obj[PX_ESC_MAX + 1];
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(dp)) != NULL) {
        /* temporaries (and . ..) start with '.'; escaped names never do;
         * names that are not canonical escapes are not blocks */
        if (de->d_name[0] == '.' ||
            px_unescape(de->d_name, obj, sizeof(obj)) < 0)
            continue;
        rc = cb(obj, arg);
    }
    return rc;
}

static int px_list(dal_t *dal, const struct dal_loc *loc,
                   int (*cb)(const char *obj, void *arg), void *arg)
{
    struct px_dal *d = (struct px_dal *)dal;
    char dir[PATH_MAX];
    int rc = dal_loc_check(&d->geom, "posix", loc, NULL);
    if (rc == 0)
        rc = px_dir(d, loc, dir, sizeof(dir));
    if (rc < 0)
        return rc;
    int rootfd = px_rootfd(d);
    int fd = -1;
    DIR *dp = NULL;
    if (rootfd < 0)
        rc = rootfd;
    else if ((fd = openat(rootfd, dir, O_RDONLY | O_DIRECTORY |
                          O_CLOEXEC)) < 0 || (dp = fdopendir(fd)) == NULL)
        rc = -errno;
    if (dp == NULL) {
        if (fd >= 0)
            close(fd);
        LOG_ERR("posix DAL: cannot list block directory %s/%s: %s", d->root,
                dir, strerror(-rc));
        return rc;
    }
    rc = list_dir(dp, cb, arg);
    closedir(dp);
    return rc;
}

static const struct dal_ops px_ops = {
    .verify = px_verify,
    .open_write = px_open_write,
    .open_read = px_open_read,
    .put = px_put,
    .get = px_get,
    .set_meta = px_set_meta,
    .get_meta = px_get_meta,
    .close = px_close,
    .abort = px_abort,
    .stat = px_stat,
    .del = px_del,
    .list = px_list,
    .destroy = px_destroy,
};

/* Blocks live under sec_root in directories the template names. */
static const struct dal_param_rule posix_params[] = {
    {"sec_root", DAL_P_ABS_PATH, 1, 0},
    {"dir_template", DAL_P_TEMPLATE, 1, 0},
    {"odirect", DAL_P_TEXT, 0, 0},
    {NULL, 0, 0, 0},
};

const struct dal_backend dal_backend_posix = {
    .type = "posix",
    .wrapper = 0,
    .params = posix_params,
    .check = px_check,
    .create = posix_create,
};
