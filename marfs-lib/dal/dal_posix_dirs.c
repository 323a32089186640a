/*
 * dal_posix_dirs.c - the posix DAL's directories: its data root (opened
 * once, as an O_PATH fd, and checked as a secure root by a setuid
 * program), the block directories a template names below it, and
 * verify/fix of both with the modes that let users' setuid programs
 * store blocks through the fd while users themselves cannot reach them
 * (dal_posix.h, doc/security.md).
 *
 * Block directories are NOT created on demand: a missing one usually
 * means a capacity file system is not mounted, and writing into the mount
 * point would fill the wrong disk; verify(fix) creates them.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dal_posix.h"
#include "log.h"
#include "privilege.h"
#include "rootdir.h"

int px_dir(const struct px_dal *d, const struct dal_loc *loc, char *buf,
           size_t sz)
{
    size_t o = 0;
    for (const char *t = d->tmpl; *t != '\0' && o < sz; t++) {
        const char *ph = "pbcs";
        const char *k = t[0] == '{' && t[1] != '\0' && t[2] == '}'
                            ? strchr(ph, t[1]) : NULL;
        if (k == NULL || *k == '\0') {
            buf[o++] = *t;
            continue;
        }
        unsigned v[4] = {loc->pod, loc->block, loc->cap, loc->scatter};
        o += (size_t)snprintf(buf + o, sz - o, "%u", v[k - ph]);
        t += 2;
    }
    if (o + strlen(d->root) + 1 >= sz) {
        buf[sz - 1] = '\0';
        LOG_ERR("posix DAL: block directory under %s is longer than PATH_MAX",
                d->root);
        return -ENAMETOOLONG;
    }
    buf[o] = '\0';
    return 0;
}

int px_rootfd(struct px_dal *d)
{
    int fd = __atomic_load_n(&d->rootfd, __ATOMIC_ACQUIRE);
    if (fd >= 0)
        return fd;
    fd = open(d->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int none = -1;
    if (!__atomic_compare_exchange_n(&d->rootfd, &none, fd, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        close(fd);            /* another thread was first */
        fd = none;
    }
    return fd;
}

int px_open_root(struct px_dal *d)
{
    if (!mutil_priv_elevated()) {
        int rc = px_rootfd(d);
        return rc == -ENOENT ? 0 : rc < 0 ? rc : 0;
    }
    /* A setuid program: this is its one chance to open the root. */
    int rc = mutil_check_secure_root("data root", d->root, 1);
    if (rc == 0 && (rc = px_rootfd(d)) < 0)
        LOG_ERR("data root %s: %s", d->root, strerror(-rc));
    return rc < 0 ? rc : 0;
}

/* ---- verify ----------------------------------------------------------- */

/* What verify found besides errors. */
struct px_census {
    uint64_t bad;          /* unusable block directories */
    uint64_t root_only;    /* usable, but by root's programs only */
    int first;             /* first error */
};

/* Create (fix) or check one component below the root; mode is what it
 * must grant (PX_MODE_INNER or PX_MODE_LEAF).  1 if its mode is short
 * of that and fix was not asked, 0 if fine, -errno. */
static int check_level(int rootfd, const char *rel, mode_t mode, int fix)
{
    struct stat st;
    int rc = fstatat(rootfd, rel, &st, 0) == 0 ? 0 : -errno;
    if (rc == -ENOENT && fix) {
        if (mkdirat(rootfd, rel, 0700) != 0 && errno != EEXIST)
            return -errno;
        rc = fstatat(rootfd, rel, &st, 0) == 0 ? 0 : -errno;
    }
    if (rc < 0)
        return rc;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    if ((st.st_mode & mode) == mode)
        return 0;
    if (!fix)
        return 1;
    /* chmod, not the mkdir mode: the umask must not decide this */
    return fchmodat(rootfd, rel, (st.st_mode & 07777) | mode, 0) == 0
               ? 0 : -errno;
}

/* Every level of the block directory rel: inner ones, then the leaf. */
static int check_block_dir(int rootfd, char *rel, int fix)
{
    int short_mode = 0;
    for (char *s = strchr(rel, '/');; s = strchr(s + 1, '/')) {
        if (s != NULL)
            *s = '\0';
        int rc = check_level(rootfd, rel, s ? PX_MODE_INNER : PX_MODE_LEAF,
                             fix);
        if (s != NULL)
            *s = '/';
        if (rc < 0)
            return rc;
        short_mode |= rc;
        if (s == NULL)
            break;
    }
    if (faccessat(rootfd, rel, W_OK | X_OK, AT_EACCESS) != 0)
        return -errno;
    return short_mode;
}

static void census_one(struct px_dal *d, int rootfd,
                       const struct dal_loc *loc, int fix,
                       struct px_census *c)
{
    char dir[PATH_MAX];
    int rc = px_dir(d, loc, dir, sizeof(dir));
    if (rc == 0)
        rc = check_block_dir(rootfd, dir, fix);
    if (rc > 0) {
        c->root_only++;
        return;
    }
    if (rc < 0 && c->bad++ < 10)
        LOG_ERR("posix DAL: block directory %s/%s: %s%s", d->root, dir,
                strerror(-rc),
                rc == -ENOENT ? " (verify with fix creates it)" : "");
    if (rc < 0 && c->first == 0)
        c->first = rc;
}

int px_verify(dal_t *dal, int fix)
{
    struct px_dal *d = (struct px_dal *)dal;
    const struct dal_geom *g = &d->geom;
    uint64_t total = (uint64_t)g->pods * g->blocks * g->caps * g->scatters;
    struct px_census c = {0, 0, 0};
    /* The root first: a missing or unsafe root makes every block
     * directory under it moot. */
    int rc = mutil_check_root("data root", d->root, fix);
    int orc = rc == 0 && fix ? mutil_open_root("data root", d->root) : 0;
    if (orc < 0) {
        LOG_ERR("data root %s: %s", d->root, strerror(-orc));
        rc = orc;
    }
    int rootfd = rc < 0 ? rc : px_rootfd(d);
    if (rootfd < 0) {
        if (rc == 0)
            LOG_ERR("data root %s: %s", d->root, strerror(-rootfd));
        return rootfd;
    }
    for (uint64_t i = 0; i < total; i++) {
        struct dal_loc loc = {
            .scatter = (unsigned)(i % g->scatters),
            .cap = (unsigned)(i / g->scatters % g->caps),
            .block = (unsigned)(i / g->scatters / g->caps % g->blocks),
            .pod = (unsigned)(i / g->scatters / g->caps / g->blocks),
        };
        census_one(d, rootfd, &loc, fix, &c);
    }
    if (c.bad > 10)
        LOG_ERR("posix DAL: %" PRIu64 " of %" PRIu64 " block directories under "
                "%s are unusable", c.bad, total, d->root);
    if (c.root_only > 0)
        LOG_WARN("posix DAL: %" PRIu64 " of %" PRIu64 " block directories "
                 "under %s admit only root's programs; users' setuid "
                 "programs need modes %04o (path) and %04o (leaf) (verify with "
                 "fix sets them)", c.root_only, total, d->root, PX_MODE_INNER,
                 PX_MODE_LEAF);
    return c.first;
}
