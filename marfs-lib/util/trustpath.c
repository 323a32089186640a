/*
 * trustpath.c - deciding whether a privileged process may rely on a path
 * (see trustpath.h).
 *
 * The checks run on the fully resolved path, component by component from
 * the root: once every directory on the way is one only a trusted owner
 * can change, nothing the checks saw can be swapped before the open that
 * follows them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "trustpath.h"

enum { TRUSTED_READ_MAX = 16 << 20 };

static int trusted_owner(uid_t uid)
{
    return uid == 0 || uid == geteuid();
}

/* One directory on the way: 0 or -EPERM (logged). */
static int check_parent(const char *what, const char *path, const char *dir)
{
    struct stat st;
    if (lstat(dir, &st) != 0) {
        int rc = -errno;
        LOG_ERR("%s %s: cannot check %s: %s", what, path, dir, strerror(-rc));
        return rc;
    }
    if (!S_ISDIR(st.st_mode)) {
        LOG_ERR("%s %s: %s changed while it was checked", what, path, dir);
        return -EPERM;
    }
    if (!trusted_owner(st.st_uid)) {
        LOG_ERR("%s %s: directory %s belongs to uid %u, not to root: its "
                "owner could replace what is below it", what, path, dir,
                (unsigned)st.st_uid);
        return -EPERM;
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
        LOG_ERR("%s %s: directory %s is writable by %s (mode %04o): they "
                "could replace what is below it", what, path, dir,
                (st.st_mode & S_IWOTH) ? "everyone" : "its group",
                (unsigned)(st.st_mode & 07777));
        return -EPERM;
    }
    return 0;
}

int mutil_trusted_parents(const char *what, const char *path,
                          char **resolved)
{
    char *real = realpath(path, NULL);
    if (real == NULL) {
        int rc = -errno;
        LOG_ERR("%s %s: %s", what, path, strerror(-rc));
        return rc;
    }
    char dir[PATH_MAX];
    int rc = check_parent(what, path, "/");
    /* every proper prefix ending before a '/': "/a", "/a/b", ... */
    for (const char *s = strchr(real + 1, '/'); rc == 0 && s != NULL;
         s = strchr(s + 1, '/')) {
        size_t n = (size_t)(s - real);
        memcpy(dir, real, n);
        dir[n] = '\0';
        rc = check_parent(what, path, dir);
    }
    if (rc == 0 && resolved != NULL)
        *resolved = real;
    else
        free(real);
    return rc;
}

/* The opened file itself: 0 or -EPERM (logged). */
static int check_file(const char *what, const char *path, int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -errno;
    if (!S_ISREG(st.st_mode)) {
        LOG_ERR("%s %s: not a regular file", what, path);
        return -EINVAL;
    }
    if (!trusted_owner(st.st_uid) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        LOG_ERR("%s %s: owned by uid %u, mode %04o: a setuid program reads "
                "only a file that root owns and no one else may write",
                what, path, (unsigned)st.st_uid,
                (unsigned)(st.st_mode & 07777));
        return -EPERM;
    }
    if (st.st_size > TRUSTED_READ_MAX) {
        LOG_ERR("%s %s: larger than %d bytes", what, path, TRUSTED_READ_MAX);
        return -EFBIG;
    }
    return 0;
}

static int read_all(int fd, char **buf, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -errno;
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *b = malloc(cap);
    if (b == NULL)
        return -ENOMEM;
    for (;;) {
        ssize_t r = read(fd, b + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(b);
            return -errno;
        }
        if (r == 0 || (n += (size_t)r) == cap - 1)
            break;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

int mutil_trusted_read(const char *what, const char *path, char **buf,
                       size_t *len)
{
    char *real = NULL;
    if (path[0] != '/') {
        LOG_ERR("%s %s: a setuid program takes only an absolute path", what,
                path);
        return -EINVAL;
    }
    int rc = mutil_trusted_parents(what, path, &real);
    if (rc < 0)
        return rc;
    /* access() checks the real ids: the user may only name a file they
     * could read themselves. */
    if (access(real, R_OK) != 0) {
        rc = -errno;
        LOG_ERR("%s %s: not readable by uid %u: %s", what, path,
                (unsigned)getuid(), strerror(-rc));
        free(real);
        return rc;
    }
    int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    free(real);
    if (fd < 0) {
        rc = -errno;
        LOG_ERR("%s %s: %s", what, path, strerror(-rc));
        return rc;
    }
    rc = check_file(what, path, fd);
    if (rc == 0)
        rc = read_all(fd, buf, len);
    close(fd);
    return rc;
}
