/*
 * api_xattr.c - user extended attributes.  Only "user." names; the
 * library's own "user.marfs." attributes are invisible and untouchable.
 * Calls go through /proc/self/fd/PARENT/NAME because the xattr system
 * calls have no *at() form.
 */
#include <errno.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "api_internal.h"

#define USER_PREFIX "user."
#define MARFS_PREFIX "user.marfs."

static int internal_name(const char *name)
{
    return strncmp(name, MARFS_PREFIX, sizeof(MARFS_PREFIX) - 1) == 0;
}

/*
 * /proc/self/fd/PARENT/NAME for path.  For a namespace root there is no
 * NAME: the path is the fd's magic link itself, which the l*xattr calls
 * would not follow, so *follow says to use the following variants (the
 * final component is then never a user symlink).
 */
static int xattr_path(marfs_ctx_t *ctx, const char *path, unsigned need,
                      int *pfd, char *ppath, int *follow)
{
    struct api_path ap;
    char name[NAME_MAX + 1];
    int rc = api_resolve(ctx, path, need, &ap);
    if (rc == 0)
        rc = api_parent(&ap, pfd, name);
    if (rc < 0)
        return rc;
    if (rc == 0)
        rc = mdal_proc_path(*pfd, name, ppath, PATH_MAX);
    *follow = name[0] == '\0';
    if (rc < 0)
        api_parent_done(ctx, *pfd);
    return rc;
}

ssize_t marfs_getxattr(marfs_ctx_t *ctx, const char *path, const char *name,
                       void *value, size_t size)
{
    char ppath[PATH_MAX];
    int pfd;
    if (internal_name(name))
        return -ENODATA;
    int follow;
    int rc = xattr_path(ctx, path, NEED_RM, &pfd, ppath, &follow);
    if (rc < 0)
        return rc;
    ssize_t n = follow ? getxattr(ppath, name, value, size)
                       : lgetxattr(ppath, name, value, size);
    if (n < 0)
        n = -errno;
    api_parent_done(ctx, pfd);
    return n;
}

int marfs_setxattr(marfs_ctx_t *ctx, const char *path, const char *name,
                   const void *value, size_t size, int flags)
{
    char ppath[PATH_MAX];
    int pfd;
    if (internal_name(name))
        return -EPERM;
    if (strncmp(name, USER_PREFIX, sizeof(USER_PREFIX) - 1) != 0)
        return -EOPNOTSUPP;
    int follow;
    int rc = xattr_path(ctx, path, NEED_WM, &pfd, ppath, &follow);
    if (rc < 0)
        return rc;
    if ((follow ? setxattr(ppath, name, value, size, flags)
                : lsetxattr(ppath, name, value, size, flags)) != 0)
        rc = -errno;
    api_parent_done(ctx, pfd);
    return rc;
}

int marfs_removexattr(marfs_ctx_t *ctx, const char *path, const char *name)
{
    char ppath[PATH_MAX];
    int pfd;
    if (internal_name(name))
        return -EPERM;
    int follow;
    int rc = xattr_path(ctx, path, NEED_WM, &pfd, ppath, &follow);
    if (rc < 0)
        return rc;
    if ((follow ? removexattr(ppath, name) : lremovexattr(ppath, name)) != 0)
        rc = -errno;
    api_parent_done(ctx, pfd);
    return rc;
}

/* Drop internal names from a NUL-separated list in place. */
static ssize_t filter_list(char *list, ssize_t len)
{
    ssize_t out = 0;
    for (ssize_t i = 0; i < len; ) {
        size_t n = strlen(list + i) + 1;
        if (!internal_name(list + i)) {
            memmove(list + out, list + i, n);
            out += (ssize_t)n;
        }
        i += (ssize_t)n;
    }
    return out;
}

/* The caller's answer from a full list of n bytes (or -errno) in buf:
 * filtered first, so the caller's size applies to what it gets. */
static ssize_t list_out(ssize_t n, char *buf, char *list, size_t size)
{
    if (n < 0)
        return n;
    n = filter_list(buf, n);
    if (size == 0)
        return n;
    if ((size_t)n > size)
        return -ERANGE;
    memcpy(list, buf, (size_t)n);
    return n;
}

ssize_t marfs_listxattr(marfs_ctx_t *ctx, const char *path, char *list,
                        size_t size)
{
    char ppath[PATH_MAX], buf[65536];
    int pfd;
    int follow;
    int rc = xattr_path(ctx, path, NEED_RM, &pfd, ppath, &follow);
    if (rc < 0)
        return rc;
    ssize_t n = follow ? listxattr(ppath, buf, sizeof(buf))
                       : llistxattr(ppath, buf, sizeof(buf));
    int err = errno;
    api_parent_done(ctx, pfd);
    return list_out(n < 0 ? -err : n, buf, list, size);
}

/* The open inode of a reader: its xattrs without resolving its path
 * again (pftool copies a file's xattrs while it reads it). */
static int reader_fd(const marfs_fh_t *fh)
{
    return fh->kind == FH_READ && fh->fd >= 0 ? fh->fd : -EBADF;
}

ssize_t marfs_fgetxattr(marfs_fh_t *fh, const char *name, void *value,
                        size_t size)
{
    int fd = reader_fd(fh);
    if (fd < 0)
        return fd;
    if (internal_name(name))
        return -ENODATA;
    ssize_t n = fgetxattr(fd, name, value, size);
    return n < 0 ? -errno : n;
}

ssize_t marfs_flistxattr(marfs_fh_t *fh, char *list, size_t size)
{
    char buf[65536];
    int fd = reader_fd(fh);
    if (fd < 0)
        return fd;
    ssize_t n = flistxattr(fd, buf, sizeof(buf));
    return list_out(n < 0 ? -errno : n, buf, list, size);
}

int marfs_fsetxattr(marfs_fh_t *fh, const char *name, const void *value,
                    size_t size, int flags)
{
    if (fh->kind == FH_READ)
        return -EBADF;
    if (internal_name(name))
        return -EPERM;
    if (strncmp(name, USER_PREFIX, sizeof(USER_PREFIX) - 1) != 0)
        return -EOPNOTSUPP;
    if (fh->whole != NULL)
        return api_whole_setxattr(fh, name, value, size, flags);
    return fsetxattr(fh->fd, name, value, size, flags) == 0 ? 0 : -errno;
}
