/*
 * mdal.c - namespace directories on POSIX and safe resolution inside them
 * (see mdal.h for the layout).
 *
 * Every user path is resolved with openat2(RESOLVE_BENEATH) from the
 * namespace's tree fd, so neither '..' nor a symlink stored in the tree can
 * reach another namespace or the host file system.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"
#include "mdal.h"
#include "privilege.h"
#include "quota.h"
#include "rootdir.h"
#include "textbuf.h"

int mdal_ns_dirname(const char *nspath, char *buf, size_t bufsz)
{
    size_t len = 0;
    const char *p = nspath[0] == '/' ? nspath + 1 : nspath;
    if (bufsz < 4)
        return -ENAMETOOLONG;
    memcpy(buf, "ns@", 3);
    len = 3;
    for (; *p != '\0'; p++) {
        if (len + 2 > bufsz)
            return -ENAMETOOLONG;
        buf[len++] = *p == '/' ? '@' : *p;
    }
    buf[len] = '\0';
    return 0;
}

int mdal_tree_path(const struct mdal_ns *ns, const char *rel, char *buf,
                   size_t bufsz)
{
    int n = snprintf(buf, bufsz, "%s/tree%s%s", ns->dir, rel[0] ? "/" : "",
                     rel);
    return n < 0 || (size_t)n >= bufsz ? -ENAMETOOLONG : 0;
}

ssize_t mdal_lgetxattr(const struct mdal_ns *ns, const char *rel,
                       const char *name, void *buf, size_t size)
{
    char last[NAME_MAX + 1], ppath[PATH_MAX];
    int fd;
    int rc = mdal_open_parent(ns, rel, &fd, last, sizeof(last));
    if (rc < 0)
        return rc;
    ssize_t len = mdal_proc_path(fd, last, ppath, sizeof(ppath));
    if (len == 0 && (len = lgetxattr(ppath, name, buf, size)) < 0)
        len = -errno;
    close(fd);
    return len;
}

/* Give the directory at/name exactly mode if this process owns it: a
 * chmod, since the umask of whoever created it must not decide. */
static void own_mode(int at, const char *name, mode_t mode)
{
    struct stat st;
    if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        (st.st_mode & 07777) != mode && st.st_uid == geteuid())
        fchmodat(at, name, mode, 0);
}

static int open_dir(int at, const char *name, int create, mode_t mode)
{
    int fd = openat(at, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        if (mkdirat(at, name, 0700) != 0 && errno != EEXIST)
            return -errno;
        own_mode(at, name, mode);
        fd = openat(at, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    return fd < 0 ? -errno : fd;
}

static int make_level(int at, const char *name);

/* Reference trees up to this many leaf directories are made whole when
 * the namespace is created: then no copy pays for a mkdir in ref/ (a
 * production 100^3 tree stays lazy, made level by level on first use). */
#define MDAL_REF_EAGER_MAX 100000

static int populate_level(int at, const struct mcfg_repo *r, unsigned lvl)
{
    for (unsigned i = 0; i < r->rbreadth; i++) {
        char name[32];
        snprintf(name, sizeof(name), "%0*u", (int)r->rdigits, i);
        int rc = make_level(at, name);
        if (rc == 0 && lvl + 1 < r->rdepth) {
            int fd = openat(at, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
            rc = fd < 0 ? -errno : populate_level(fd, r, lvl + 1);
            if (fd >= 0)
                close(fd);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void populate_ref(const struct mdal_ns *ns)
{
    const struct mcfg_repo *r = ns->cfg->repo;
    uint64_t leaves = 1;
    for (unsigned i = 0; i < r->rdepth && leaves <= MDAL_REF_EAGER_MAX; i++)
        leaves *= r->rbreadth;
    if (leaves > MDAL_REF_EAGER_MAX || r->rdepth == 0)
        return;
    int rc = populate_level(ns->reffd, r, 0);
    if (rc < 0)     /* not fatal: missing levels are made on first use */
        LOG_WARN("namespace %s: cannot make its reference tree now (%s); "
                 "its levels will be made as files need them",
                 ns->cfg->path, strerror(-rc));
}

static int open_ns_dirs(struct mdal_ns *ns, int create)
{
    int rootfd = open(ns->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0 && errno == ENOENT && create) {
        if (mkdir(ns->dir, 0700) != 0 && errno != EEXIST)
            return -errno;
        rootfd = open(ns->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    if (rootfd < 0)
        return -errno;
    /* tree/ is what users see: world-readable like any directory.  ref/
     * is internal, yet users' setuid programs create their files' inodes
     * in it through the fd: they may pass and create, not list, and not
     * remove each other's entries (MDAL_REF_MODE). */
    ns->treefd = open_dir(rootfd, "tree", create, 0755);
    int fresh = create && faccessat(rootfd, "ref", F_OK, 0) != 0;
    ns->reffd = open_dir(rootfd, "ref", create, MDAL_REF_MODE);
    if (ns->reffd >= 0 && create)
        own_mode(rootfd, "ref", MDAL_REF_MODE);   /* made by older versions */
    if (ns->reffd >= 0 && fresh)
        populate_ref(ns);
    int rc = ns->treefd < 0 ? ns->treefd : ns->reffd < 0 ? ns->reffd : 0;
    if (rc == 0)
        rc = quota_open(rootfd, ns->cfg, &ns->quota);
    if (rc == 0) {
        ns->lockfd = openat(rootfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC,
                            0600);
        rc = ns->lockfd < 0 ? -errno : 0;
    }
    close(rootfd);
    return rc;
}

int mdal_ns_open(const struct mcfg_ns *cfg, int create, struct mdal_ns **out)
{
    char name[512];
    int rc = mdal_ns_dirname(cfg->path, name, sizeof(name));
    if (rc < 0)
        return rc;
    struct mdal_ns *ns = calloc(1, sizeof(*ns));
    if (ns == NULL)
        return -ENOMEM;
    ns->cfg = cfg;
    ns->treefd = ns->reffd = ns->lockfd = -1;
    pthread_mutex_init(&ns->lock, NULL);
    if (asprintf(&ns->dir, "%s/%s", cfg->repo->ns_root, name) < 0) {
        free(ns);
        return -ENOMEM;
    }
    /* A setuid program opens the namespace once, now, while privileged:
     * the metadata root must be a barrier no user can pass. */
    rc = mutil_priv_elevated()
             ? mutil_check_secure_root("metadata root", cfg->repo->ns_root, 0)
             : 0;
    if (rc < 0) {
        mdal_ns_close(ns);
        return rc;
    }
    rc = open_ns_dirs(ns, create);
    if (rc < 0) {
        LOG_ERR("namespace %s: cannot open metadata directory %s: %s%s",
                cfg->path, ns->dir, strerror(-rc),
                rc == -ENOENT ? " (create the metadata root with "
                                "marfs-verifyconf --check-dirs --fix)"
                : rc == -EACCES ? " (users reach it only through the setuid "
                                  "programs: doc/security.md)" : "");
        mdal_ns_close(ns);
        return rc;
    }
    *out = ns;
    return 0;
}

void mdal_ns_close(struct mdal_ns *ns)
{
    if (ns == NULL)
        return;
    quota_close(ns->quota);
    if (ns->treefd >= 0)
        close(ns->treefd);
    if (ns->reffd >= 0)
        close(ns->reffd);
    if (ns->lockfd >= 0)
        close(ns->lockfd);
    free(ns->dir);
    pthread_mutex_destroy(&ns->lock);
    free(ns);
}

/*
 * Create one level of the reference tree.  Any user's program may be the
 * first to need it, and the others must be able to use it at once: it is
 * made under a temporary name, given MDAL_REF_MODE, then renamed into
 * place unless another program was first.
 */
static int make_level(int at, const char *name)
{
    static unsigned counter;
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%s-mkdir-%d-%u", MDAL_RESERVED_PREFIX,
             (int)getpid(), __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
    if (mkdirat(at, tmp, 0700) != 0)
        return -errno;
    int rc = fchmodat(at, tmp, MDAL_REF_MODE, 0) == 0 &&
             renameat2(at, tmp, at, name, RENAME_NOREPLACE) == 0 ? 0 : -errno;
    if (rc < 0)
        unlinkat(at, tmp, AT_REMOVEDIR);
    if (rc == -EINVAL) {    /* no RENAME_NOREPLACE on this file system */
        rc = mkdirat(at, name, 0700) == 0 || errno == EEXIST ? 0 : -errno;
        own_mode(at, name, MDAL_REF_MODE);
    }
    return rc == -EEXIST ? 0 : rc;
}

static int open_level(int at, const char *name)
{
    int fd = openat(at, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0 || errno != ENOENT)
        return fd >= 0 ? fd : -errno;
    int rc = make_level(at, name);
    if (rc < 0)
        return rc;
    fd = openat(at, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

static int openat2_beneath(int dirfd, const char *path, int flags)
{
    struct open_how how;
    memset(&how, 0, sizeof(how));
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (;;) {
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        if (fd >= 0)
            return (int)fd;
        if (errno == EAGAIN || errno == EINTR)
            continue;
        /* EXDEV: the walk tried to leave the tree (an absolute or
         * escaping symlink); to the caller that is a link loop. */
        return errno == EXDEV ? -ELOOP : -errno;
    }
}

int mdal_open_beneath(const struct mdal_ns *ns, const char *rel, int flags,
                      int *fd)
{
    int rc = openat2_beneath(ns->treefd, rel[0] ? rel : ".", flags);
    if (rc < 0)
        return rc;
    *fd = rc;
    return 0;
}

int mdal_open_parent(const struct mdal_ns *ns, const char *rel, int *fd,
                     char *name, size_t namesz)
{
    const char *slash = strrchr(rel, '/');
    const char *last = slash ? slash + 1 : rel;
    if (strlen(last) >= namesz)
        return -ENAMETOOLONG;
    strcpy(name, last);
    if (slash == NULL)
        return mdal_open_beneath(ns, "", O_PATH | O_DIRECTORY, fd);
    char dir[4096];
    size_t dlen = (size_t)(slash - rel);
    if (dlen >= sizeof(dir))
        return -ENAMETOOLONG;
    memcpy(dir, rel, dlen);
    dir[dlen] = '\0';
    return mdal_open_beneath(ns, dir, O_PATH | O_DIRECTORY, fd);
}

void mdal_ref_dir(const struct mdal_ns *ns, const char *refname, char *buf,
                  size_t bufsz)
{
    const struct mcfg_repo *r = ns->cfg->repo;
    /* A grouped name ("<group>~<n>", revision 4) is placed by its group,
     * so a writer's consecutive files share a directory; any other name
     * by all of it.  The seed only separates this use of the hash from
     * placement's. */
    const char *tilde = strchr(refname, MDAL_REF_GROUP_SEP);
    size_t keylen = tilde ? (size_t)(tilde - refname) : strlen(refname);
    uint64_t h = mhash_xxh64(refname, keylen, 0x6d61726673726566ULL);
    struct mtext t;
    mtext_init(&t, buf, bufsz);
    for (unsigned lvl = 0; lvl < r->rdepth; lvl++) {
        unsigned idx = (unsigned)(mhash_mix64(h + (lvl + 1) * MHASH_GAMMA) %
                                  r->rbreadth);
        if (lvl)
            mtext_char(&t, '/');
        mtext_u64_pad(&t, idx, r->rdigits);
    }
}

int mdal_ref_dirfd(const struct mdal_ns *ns, const char *refname, int *fd)
{
    char dir[128];
    mdal_ref_dir(ns, refname, dir, sizeof(dir));
    /* Usually every level exists: one lookup of the whole path. */
    *fd = openat(ns->reffd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*fd >= 0)
        return 0;
    if (errno != ENOENT)
        return -errno;
    int cur = ns->reffd;
    char *save = NULL;
    int rc = 0;
    /* Levels are created on first use: a production tree (100^3) is far
     * too large to create up front. */
    for (char *lvl = strtok_r(dir, "/", &save); lvl != NULL;
         lvl = strtok_r(NULL, "/", &save)) {
        int next = open_level(cur, lvl);
        if (cur != ns->reffd)
            close(cur);
        if (next < 0) {
            rc = next;
            break;
        }
        cur = next;
    }
    if (rc < 0)
        return rc;
    *fd = cur == ns->reffd ? fcntl(cur, F_DUPFD_CLOEXEC, 0) : cur;
    return *fd < 0 ? -errno : 0;
}

int mdal_ref_mkdirs(const struct mdal_ns *ns, const char *refname)
{
    int fd, rc = mdal_ref_dirfd(ns, refname, &fd);
    if (rc == 0)
        close(fd);
    return rc;
}

int mdal_reserved_name(const char *name)
{
    return strncmp(name, MDAL_RESERVED_PREFIX,
                   sizeof(MDAL_RESERVED_PREFIX) - 1) == 0;
}

int mdal_proc_path(int fd, const char *name, char *buf, size_t bufsz)
{
    int n = snprintf(buf, bufsz, "/proc/self/fd/%d%s%s", fd,
                     name[0] ? "/" : "", name);
    return n < 0 || (size_t)n >= bufsz ? -ENAMETOOLONG : 0;
}

void mdal_ns_lock(struct mdal_ns *ns)
{
    pthread_mutex_lock(&ns->lock);
    /* EINTR aside, flock on a regular file we opened cannot fail; if it
     * did, usage could drift until the quota tool recomputes it. */
    while (flock(ns->lockfd, LOCK_EX) != 0 && errno == EINTR)
        ;
}

void mdal_ns_unlock(struct mdal_ns *ns)
{
    flock(ns->lockfd, LOCK_UN);
    pthread_mutex_unlock(&ns->lock);
}
