/*
 * reftree.c - single-entry operations on the reference tree (reftree.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "files.h"
#include "log.h"
#include "mdal.h"
#include "reftree.h"

int ref_dirfd(struct rm_ns *ns, const char *name, int *fd)
{
    return mdal_ref_dirfd(ns->md, name, fd);
}

int ref_tag_raw(int dirfd, const char *name, char *buf, size_t bufsz)
{
    char p[PATH_MAX];
    int rc = mdal_proc_path(dirfd, name, p, sizeof(p));
    if (rc < 0)
        return rc;
    ssize_t n = lgetxattr(p, FTAG_XATTR, buf, bufsz - 1);
    if (n < 0)
        return errno == ERANGE ? -EINVAL : -errno;
    buf[n] = '\0';
    return (int)n;
}

int ref_tag_get(int dirfd, const char *name, struct ftag *t)
{
    char buf[FTAG_MAX + 1];
    int n = ref_tag_raw(dirfd, name, buf, sizeof(buf));
    return n < 0 ? n : ftag_decode(buf, (size_t)n, t);
}

int ref_tag_switch(int dirfd, const char *name, const char *expect,
                   const struct ftag *t)
{
    char cur[FTAG_MAX + 1], want[FTAG_MAX + 1], p[PATH_MAX];
    int len = ftag_encode(t, want, sizeof(want));
    if (len < 0)
        return len;
    int n = ref_tag_raw(dirfd, name, cur, sizeof(cur));
    if (n < 0)
        return n;
    if (strcmp(cur, want) == 0)
        return 1;
    if (strcmp(cur, expect) != 0)
        return -ESTALE;
    int rc = mdal_proc_path(dirfd, name, p, sizeof(p));
    /* one setxattr: a reader gets the old tag or the new, never a mix */
    if (rc == 0 && lsetxattr(p, FTAG_XATTR, want, (size_t)len,
                             XATTR_REPLACE) != 0)
        rc = -errno;
    return rc;
}

int ref_stat(struct rm_ns *ns, const char *name, struct stat *st)
{
    int fd, rc = ref_dirfd(ns, name, &fd);
    if (rc < 0)
        return rc;
    if (fstatat(fd, name, st, AT_SYMLINK_NOFOLLOW) != 0)
        rc = -errno;
    close(fd);
    return rc;
}

int ref_remove(struct rm_ns *ns, const char *name)
{
    int fd, rc = ref_dirfd(ns, name, &fd);
    struct stat st;
    if (rc < 0)
        return rc;
    /* Users cannot link to a ref entry, and undelete holds the run lock
     * we hold: a link count of 1 seen here stays 1. */
    if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        rc = -errno;
    else if (S_ISREG(st.st_mode) && st.st_nlink > 1)
        rc = -EBUSY;
    else if (unlinkat(fd, name, 0) != 0)
        rc = -errno;
    close(fd);
    return rc;
}

int ref_remove_marker(struct rm_ns *ns, const char *name)
{
    /* a marker lives in its file's ref dir: hash of the file's ref */
    char ref[256];
    const char *hash = strstr(name, "#c");
    size_t len = hash ? (size_t)(hash - name) : strlen(name);
    if (len >= sizeof(ref))
        return -ENAMETOOLONG;
    memcpy(ref, name, len);
    ref[len] = '\0';
    int fd, rc = ref_dirfd(ns, ref, &fd);
    if (rc < 0)
        return rc;
    if (unlinkat(fd, name, 0) != 0)
        rc = -errno;
    close(fd);
    return rc;
}

static int set_xattr(int dirfd, const char *name, const char *key,
                     const char *val)
{
    char p[PATH_MAX];
    int rc = mdal_proc_path(dirfd, name, p, sizeof(p));
    if (rc == 0 && lsetxattr(p, key, val, strlen(val), 0) != 0)
        rc = -errno;
    return rc;
}

int ref_retire(struct rm_ns *ns, const char *name, const char *orig,
               const struct ftag *old)
{
    struct ftag t = *old;
    char buf[FTAG_MAX + 1];
    int dfd, rc = ref_dirfd(ns, name, &dfd);
    if (rc < 0)
        return rc;
    snprintf(t.ref, sizeof(t.ref), "%s", name);
    int fd = openat(dfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
                    0600);
    rc = fd < 0 ? -errno : 0;
    if (rc == 0 && ftruncate(fd, (off_t)t.size) != 0)
        rc = -errno;
    if (fd >= 0)
        close(fd);
    int len = rc == 0 ? ftag_encode(&t, buf, sizeof(buf)) : rc;
    if (len < 0)
        rc = len;
    if (rc == 0)
        rc = set_xattr(dfd, name, RM_RETIRED_XATTR, orig);
    if (rc == 0)
        rc = set_xattr(dfd, name, FTAG_XATTR, buf);
    close(dfd);
    return rc;
}

int ref_mark_expired(struct rm_ns *ns, const char *name)
{
    int fd, rc = ref_dirfd(ns, name, &fd);
    if (rc < 0)
        return rc;
    rc = set_xattr(fd, name, RM_EXPIRED_XATTR, "1");
    close(fd);
    return rc;
}
