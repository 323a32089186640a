/*
 * rootdir.c - checking (and creating) a privileged root directory, and
 * the stricter check a setuid program makes before opening one.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "rootdir.h"
#include "trustpath.h"

/* mkdir -p with mode 0700 for every level created. */
static int make_dirs(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return -ENAMETOOLONG;
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -errno;
        *p = c;
        if (c == '\0')
            return 0;
    }
}

static int create_root(const char *what, const char *path)
{
    int rc = make_dirs(path);
    if (rc < 0)
        LOG_ERR("%s %s: cannot create: %s", what, path, strerror(-rc));
    else
        LOG_INFO("%s %s: created (0700)", what, path);
    return rc;
}

/* Mode and owner of an existing directory. */
static int check_owner_mode(const char *what, const char *path,
                            const struct stat *st)
{
    int rc = 0;
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        LOG_ERR("%s %s: writable by %s (mode %04o); should be 0700", what,
                path, (st->st_mode & S_IWOTH) ? "everyone" : "its group",
                (unsigned)(st->st_mode & 07777));
        rc = -EPERM;
    }
    if (st->st_uid != geteuid() && st->st_uid != 0) {
        LOG_ERR("%s %s: owned by uid %u, not by the running user (%u) or "
                "root", what, path, (unsigned)st->st_uid, (unsigned)geteuid());
        rc = -EPERM;
    }
    return rc;
}

int mutil_check_root(const char *what, const char *path, int fix)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        int rc = -errno;
        if (rc == -ENOENT && fix)
            return create_root(what, path);
        LOG_ERR("%s %s: %s%s", what, path, strerror(-rc), rc == -ENOENT ?
                " (marfs-verifyconf --check-dirs --fix creates it)" : "");
        return rc;
    }
    if (!S_ISDIR(st.st_mode)) {
        LOG_ERR("%s %s: not a directory", what, path);
        return -ENOTDIR;
    }
    return check_owner_mode(what, path, &st);
}

int mutil_check_secure_root(const char *what, const char *path)
{
    struct stat st;
    int rc = mutil_trusted_parents(what, path, NULL);
    if (rc < 0)
        return rc;
    if (stat(path, &st) != 0) {
        rc = -errno;
        LOG_ERR("%s %s: %s", what, path, strerror(-rc));
        return rc;
    }
    if (!S_ISDIR(st.st_mode)) {
        LOG_ERR("%s %s: not a directory", what, path);
        return -ENOTDIR;
    }
    if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 077)) {
        LOG_ERR("%s %s: owned by uid %u, mode %04o: a setuid program needs "
                "it owned by root and mode 0700, or users could reach what "
                "is below it (doc/security.md)", what, path,
                (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
        return -EPERM;
    }
    return 0;
}
