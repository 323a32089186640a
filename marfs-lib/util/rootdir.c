/*
 * rootdir.c - checking (and creating) a privileged root directory, and
 * the stricter check a setuid program makes before opening one.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
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

/* A directory that keeps every user but root out: 1, else 0. */
static int is_barrier(const struct stat *st)
{
    return S_ISDIR(st->st_mode) && (st->st_uid == 0 || st->st_uid == geteuid())
           && (st->st_mode & 077) == 0;
}

/* Is a proper ancestor of the resolved path real a barrier? */
static int barrier_above(const char *real)
{
    char dir[PATH_MAX];
    struct stat st;
    snprintf(dir, sizeof(dir), "%s", real);
    for (char *s = strrchr(dir, '/'); s != NULL; s = strrchr(dir, '/')) {
        if (s == dir)
            s[1] = '\0';      /* "/" itself */
        else
            *s = '\0';
        if (stat(dir, &st) == 0 && is_barrier(&st))
            return 1;
        if (s == dir)
            return 0;
    }
    return 0;
}

int mutil_check_secure_root(const char *what, const char *path, int passable)
{
    struct stat st;
    char *real = NULL;
    int rc = mutil_trusted_parents(what, path, &real);
    if (rc < 0)
        return rc;
    if (stat(real, &st) != 0) {
        rc = -errno;
        LOG_ERR("%s %s: %s", what, path, strerror(-rc));
    } else if (!S_ISDIR(st.st_mode)) {
        LOG_ERR("%s %s: not a directory", what, path);
        rc = -ENOTDIR;
    } else if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
               (st.st_mode & (S_IWGRP | S_IWOTH))) {
        LOG_ERR("%s %s: owned by uid %u, mode %04o: a setuid program needs "
                "it owned by root and writable by no one else", what, path,
                (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
        rc = -EPERM;
    } else if (passable && !(st.st_mode & S_IXOTH)) {
        LOG_ERR("%s %s: mode %04o: users' setuid programs cannot pass it; "
                "make it 0711 inside a directory only root may enter (0700) "
                "(doc/security.md)", what, path,
                (unsigned)(st.st_mode & 07777));
        rc = -EPERM;
    } else if (!(!passable && is_barrier(&st)) && !barrier_above(real)) {
        LOG_ERR("%s %s: no directory on the way to it keeps users out: a "
                "setuid program needs it %s (doc/security.md)", what, path,
                passable ? "inside a directory only root may enter (0700)"
                         : "mode 0700, or inside a directory only root may "
                           "enter");
        rc = -EPERM;
    }
    free(real);
    return rc;
}

int mutil_open_root(const char *what, const char *path)
{
    struct stat st;
    char *real = realpath(path, NULL);
    if (real == NULL)
        return -errno;
    int rc = stat(real, &st) == 0 ? 0 : -errno;
    if (rc == 0 && (st.st_mode & 0011) != 0011 && barrier_above(real)) {
        rc = chmod(real, (st.st_mode & 07777) | 0011) == 0 ? 1 : -errno;
        if (rc == 1)
            LOG_INFO("%s %s: mode %04o, passable by users' setuid programs "
                     "(a directory above keeps users out)", what, path,
                     (unsigned)((st.st_mode & 07777) | 0011));
    }
    free(real);
    return rc;
}
