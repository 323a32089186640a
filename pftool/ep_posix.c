/*
 * ep_posix.c - the POSIX endpoint: any mounted file system (NFS
 * included) through the usual system calls.  Holes are found with
 * SEEK_DATA/SEEK_HOLE and kept by writing only data and truncating.
 */
#include "endpoint.h"
#include "pftool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

struct ep_file {
    int fd;
    char *path;        /* for abort */
};

struct ep_dir {
    DIR *d;
    int fd;
};

/* The directory of the last file opened to read, kept open: a copy reads
 * a directory's files one after another, and opening each relative to
 * its directory spares the kernel the lookup of every component above
 * it (5% of a small-file copy's source side).  pftool is one thread. */
struct px_srcdir {
    int fd;                     /* O_PATH, or -1 */
    size_t len;
    char path[PATH_MAX];
};

static void forget_dir(struct ep *ep)
{
    struct px_srcdir *c = ep->priv;
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
        c->len = 0;
    }
}

/* An fd of path's directory (*name: its last component), or AT_FDCWD
 * with *name = path when there is none to keep. */
static int dir_of(struct ep *ep, const char *path, const char **name)
{
    const char *slash = strrchr(path, '/');
    struct px_srcdir *c = ep->priv;
    *name = path;
    if (slash == NULL || slash == path ||
        (size_t)(slash - path) >= sizeof(c->path))
        return AT_FDCWD;
    size_t len = (size_t)(slash - path);
    if (c->fd < 0 || c->len != len || memcmp(c->path, path, len) != 0) {
        memcpy(c->path, path, len);
        c->path[len] = '\0';
        int fd = open(c->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (c->fd >= 0)
            close(c->fd);
        c->fd = fd;
        c->len = fd >= 0 ? len : 0;
        if (fd < 0)
            return AT_FDCWD;   /* the full path says why, if it fails */
    }
    *name = slash + 1;
    return c->fd;
}

static int neg_errno(void)
{
    return errno ? -errno : -EIO;
}

static int px_lstat(struct ep *ep, const char *path, struct stat *st)
{
    (void)ep;
    return lstat(path, st) < 0 ? neg_errno() : 0;
}

static int px_opendir(struct ep *ep, const char *path, struct ep_dir **out)
{
    (void)ep;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return neg_errno();
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        int rc = neg_errno();
        close(fd);
        return rc;
    }
    struct ep_dir *h = malloc(sizeof(*h));
    if (h == NULL) {
        closedir(d);
        return -ENOMEM;
    }
    h->d = d;
    h->fd = fd;
    *out = h;
    return 0;
}

static int px_readdir(struct ep_dir *h, struct ep_dirent *e)
{
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(h->d);
        if (de == NULL)
            return errno ? -errno : 0;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        e->name = de->d_name;
        e->d_type = de->d_type;
        return 1;
    }
}

static int px_dstat(struct ep_dir *h, const char *name, struct stat *st)
{
    return fstatat(h->fd, name, st, AT_SYMLINK_NOFOLLOW) < 0 ? neg_errno()
                                                             : 0;
}

static void px_closedir(struct ep_dir *h)
{
    closedir(h->d);
    free(h);
}

static ssize_t px_readlink(struct ep *ep, const char *path, char *buf,
                           size_t len)
{
    (void)ep;
    ssize_t n = readlink(path, buf, len);
    return n < 0 ? neg_errno() : n;
}

static int wrap_fd(int fd, const char *path, struct ep_file **out)
{
    struct ep_file *f = malloc(sizeof(*f));
    char *p = path ? strdup(path) : NULL;
    if (f == NULL || (path && p == NULL)) {
        free(f);
        free(p);
        close(fd);
        return -ENOMEM;
    }
    f->fd = fd;
    f->path = p;
    *out = f;
    return 0;
}

static int px_open(struct ep *ep, const char *path, struct ep_file **out)
{
    const char *name;
    int dfd = dir_of(ep, path, &name);
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == ENOENT && dfd != AT_FDCWD) {
        /* the kept directory may have been replaced since: the path
         * decides */
        forget_dir(ep);
        dfd = AT_FDCWD;
        name = path;
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
    }
    if (fd < 0 && errno == EPERM)   /* O_NOATIME needs ownership */
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return neg_errno();
    return wrap_fd(fd, NULL, out);
}

static ssize_t px_pread(struct ep_file *f, void *buf, size_t len, off_t off)
{
    ssize_t n = pread(f->fd, buf, len, off);
    return n < 0 ? neg_errno() : n;
}

static int px_data_region(struct ep_file *f, off_t off, off_t size,
                          off_t *start, off_t *end)
{
    off_t s = lseek(f->fd, off, SEEK_DATA);
    if (s < 0) {
        if (errno == ENXIO)
            return -ENXIO;
        *start = off;           /* no SEEK_DATA here: all data */
        *end = size;
        return 0;
    }
    if (s >= size)
        return -ENXIO;
    off_t e = lseek(f->fd, s, SEEK_HOLE);
    *start = s;
    *end = (e < 0 || e > size) ? size : e;
    return 0;
}

static int px_create(struct ep *ep, const char *path, mode_t mode,
                     struct ep_file *prev, struct ep_file **out)
{
    (void)ep;
    (void)prev;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                  mode & 07777);
    if (fd < 0)
        return neg_errno();
    return wrap_fd(fd, path, out);
}

static int px_create_sized(struct ep *ep, const char *path, mode_t mode,
                           off_t size, struct ep_file **out)
{
    int rc = px_create(ep, path, mode, NULL, out);
    if (rc < 0)
        return rc;
    if (ftruncate((*out)->fd, size) < 0) {
        rc = neg_errno();
        close((*out)->fd);
        free((*out)->path);
        free(*out);
        return rc;
    }
    return 0;
}

static int px_open_write(struct ep *ep, const char *path,
                         struct ep_file **out)
{
    (void)ep;
    int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return neg_errno();
    return wrap_fd(fd, path, out);
}

static ssize_t px_write(struct ep_file *f, const void *buf, size_t len)
{
    ssize_t n = write(f->fd, buf, len);
    return n < 0 ? neg_errno() : n;
}

static ssize_t px_pwrite(struct ep_file *f, const void *buf, size_t len,
                         off_t off)
{
    ssize_t n = pwrite(f->fd, buf, len, off);
    return n < 0 ? neg_errno() : n;
}

static int px_truncate(struct ep_file *f, off_t size)
{
    return ftruncate(f->fd, size) < 0 ? neg_errno() : 0;
}

static int px_sync(struct ep_file *f)
{
    return fdatasync(f->fd) < 0 ? neg_errno() : 0;
}

static int px_close(struct ep_file *f)
{
    /* close() reports delayed write errors (NFS, quota): keep them. */
    int rc = close(f->fd) < 0 ? neg_errno() : 0;
    free(f->path);
    free(f);
    return rc;
}

static int px_abort(struct ep_file *f)
{
    if (f->path)
        unlink(f->path);
    close(f->fd);
    free(f->path);
    free(f);
    return 0;
}

/* Owner and mode only where they differ from what the file has (a new
 * file of the copier's own, or root's as root, already has its owner,
 * and often its mode): fstat costs the file system nothing, chown and
 * chmod a journalled inode update each.  A chown clears set-id bits, so
 * the mode follows any chown. */
static int px_fsetmeta(struct ep_file *f, const struct stat *st,
                       unsigned what)
{
    struct stat cur;
    int have = (what & (EP_META_OWNER | EP_META_MODE)) &&
               fstat(f->fd, &cur) == 0;
    int chowned = 0;
    if ((what & EP_META_OWNER) &&
        !(have && cur.st_uid == st->st_uid && cur.st_gid == st->st_gid)) {
        if (fchown(f->fd, st->st_uid, st->st_gid) < 0)
            return neg_errno();
        chowned = 1;
    }
    if ((what & EP_META_MODE) &&
        (chowned || !have ||
         (cur.st_mode & 07777) != (st->st_mode & 07777)) &&
        fchmod(f->fd, st->st_mode & 07777) < 0)
        return neg_errno();
    if (what & EP_META_TIMES) {
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        if (futimens(f->fd, ts) < 0)
            return neg_errno();
    }
    return 0;
}

static int px_setmeta(struct ep *ep, const char *path, const struct stat *st,
                      unsigned what)
{
    (void)ep;
    int nofollow = (what & EP_META_NOFOLLOW) != 0;
    if ((what & EP_META_OWNER) &&
        (nofollow ? lchown(path, st->st_uid, st->st_gid)
                  : chown(path, st->st_uid, st->st_gid)) < 0)
        return neg_errno();
    if ((what & EP_META_MODE) && !nofollow &&
        chmod(path, st->st_mode & 07777) < 0)
        return neg_errno();
    if (what & EP_META_TIMES) {
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        if (utimensat(AT_FDCWD, path, ts,
                      nofollow ? AT_SYMLINK_NOFOLLOW : 0) < 0)
            return neg_errno();
    }
    return 0;
}

static int px_mkdir(struct ep *ep, const char *path, mode_t mode)
{
    (void)ep;
    return mkdir(path, mode) < 0 ? neg_errno() : 0;
}

static int px_symlink(struct ep *ep, const char *target, const char *path)
{
    (void)ep;
    return symlink(target, path) < 0 ? neg_errno() : 0;
}

static int px_link(struct ep *ep, const char *from, const char *to)
{
    (void)ep;
    return link(from, to) < 0 ? neg_errno() : 0;
}

static int px_mknod(struct ep *ep, const char *path, mode_t mode, dev_t dev)
{
    (void)ep;
    return mknod(path, mode, dev) < 0 ? neg_errno() : 0;
}

static int px_rename(struct ep *ep, const char *from, const char *to)
{
    (void)ep;
    return rename(from, to) < 0 ? neg_errno() : 0;
}

static int px_unlink(struct ep *ep, const char *path)
{
    (void)ep;
    return unlink(path) < 0 ? neg_errno() : 0;
}

static int px_rmdir(struct ep *ep, const char *path)
{
    (void)ep;
    return rmdir(path) < 0 ? neg_errno() : 0;
}

static ssize_t px_listxattr(struct ep *ep, const char *path,
                            struct ep_file *f, char *list, size_t size)
{
    (void)ep;
    ssize_t n = f ? flistxattr(f->fd, list, size) : llistxattr(path, list, size);
    return n < 0 ? neg_errno() : n;
}

static ssize_t px_getxattr(struct ep *ep, const char *path, struct ep_file *f,
                           const char *name, void *val, size_t size)
{
    (void)ep;
    ssize_t n = f ? fgetxattr(f->fd, name, val, size)
                  : lgetxattr(path, name, val, size);
    return n < 0 ? neg_errno() : n;
}

static int px_setxattr(struct ep *ep, const char *path, struct ep_file *f,
                       const char *name, const void *val, size_t size)
{
    (void)ep;
    int rc = f ? fsetxattr(f->fd, name, val, size, 0)
               : lsetxattr(path, name, val, size, 0);
    return rc < 0 ? neg_errno() : 0;
}

static uint64_t px_chunk_size(struct ep *ep, const char *path)
{
    (void)ep;
    (void)path;
    return PF_DEFAULT_CHUNK;
}

static int px_file_checksum(struct ep *ep, const char *path, uint64_t *crc)
{
    (void)ep;
    (void)path;
    (void)crc;
    return -ENOTSUP;
}

static void px_term(struct ep *ep)
{
    forget_dir(ep);
    free(ep->priv);
    free(ep);
}

static const struct ep_ops posix_ops = {
    .lstat = px_lstat, .opendir = px_opendir, .readdir = px_readdir,
    .dstat = px_dstat, .closedir = px_closedir, .readlink = px_readlink,
    .open = px_open, .pread = px_pread, .data_region = px_data_region,
    .create = px_create, .create_sized = px_create_sized,
    .open_write = px_open_write, .write = px_write, .pwrite = px_pwrite,
    .truncate = px_truncate, .sync = px_sync, .finalize = NULL,
    .close = px_close, .abort = px_abort, .fsetmeta = px_fsetmeta,
    .setmeta = px_setmeta, .mkdir = px_mkdir, .symlink = px_symlink,
    .link = px_link, .mknod = px_mknod, .rename = px_rename,
    .unlink = px_unlink, .rmdir = px_rmdir, .listxattr = px_listxattr,
    .getxattr = px_getxattr, .setxattr = px_setxattr,
    .chunk_size = px_chunk_size, .file_checksum = px_file_checksum,
    .term = px_term,
};

int ep_posix_new(struct ep **out)
{
    struct ep *ep = calloc(1, sizeof(*ep));
    struct px_srcdir *c = malloc(sizeof(*c));
    if (ep == NULL || c == NULL) {
        free(ep);
        free(c);
        return -ENOMEM;
    }
    c->fd = -1;
    c->len = 0;
    ep->priv = c;
    ep->ops = &posix_ops;
    ep->kind = EP_POSIX;
    ep->caps = EP_CAP_WRITE | EP_CAP_SPARSE | EP_CAP_SPECIAL | EP_CAP_XATTR |
               EP_CAP_LOCAL;
    *out = ep;
    return 0;
}

int ep_posix_fd(const struct ep_file *f)
{
    return f->fd;
}
