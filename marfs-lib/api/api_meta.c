/*
 * api_meta.c - metadata operations of marfs.h on the namespace trees:
 * stat, mkdir, rmdir, unlink, rename, links, chmod/chown/utimens,
 * truncate, statvfs and the stored checksum.
 *
 * Each operation resolves its path(s), checks the namespace permission
 * for the client mode, opens the parent directory beneath the namespace
 * tree and applies the *at() system call there, so the kernel's own owner
 * and mode checks apply to the caller as usual.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "api_internal.h"
#include "log.h"
#include "quota.h"

/* Resolve and open the parent: the common start of every operation. */
static int at_parent(marfs_ctx_t *ctx, const char *path, unsigned need,
                     struct api_path *ap, int *pfd, char *name)
{
    int rc = api_resolve(ctx, path, need, ap);
    return rc < 0 ? rc : api_parent(ap, pfd, name);
}



static int stat_resolved(struct api_path *ap, struct stat *st)
{
    int pfd;
    char name[NAME_MAX + 1];
    int rc = 0;
    for (int tries = 0; tries < 2 && rc == 0; tries++) {
        if ((rc = api_parent(ap, &pfd, name)) < 0)
            return rc;
        if (fstatat(pfd, name[0] ? name : ".", st, AT_SYMLINK_NOFOLLOW) != 0)
            rc = -errno;
        api_parent_done(ap->ctx, pfd);
        /* a cached parent another process removed: resolve it again */
        if (rc == -ENOENT && tries == 0 && api_parent_stale(ap->ctx))
            rc = 0;
        else
            break;
    }
    if (rc == 0)
        api_fix_stat(st);
    return rc;
}

int marfs_lstat(marfs_ctx_t *ctx, const char *path, struct stat *st)
{
    struct api_path ap;
    int rc = api_resolve(ctx, path, NEED_RM, &ap);
    return rc < 0 ? rc : stat_resolved(&ap, st);
}

int marfs_stat(marfs_ctx_t *ctx, const char *path, struct stat *st)
{
    struct api_path ap;
    int rc = api_resolve_follow(ctx, path, NEED_RM, &ap);
    return rc < 0 ? rc : stat_resolved(&ap, st);
}

/*
 * The skeleton of every one-path operation: resolve (as a new name when
 * create is set), open the parent beneath the tree, apply fn to the last
 * name.  On a namespace root (no name) return root_rc, or apply fn to the
 * tree itself when root_rc is 0.
 */
typedef int (*at_fn)(const struct api_path *ap, int pfd, const char *name,
                     const void *arg);

static int at_name(marfs_ctx_t *ctx, const char *path, unsigned need,
                   int create, int root_rc, at_fn fn, const void *arg)
{
    struct api_path ap;
    int pfd;
    char name[NAME_MAX + 1];
    int rc = create ? api_resolve_create(ctx, path, need, &ap)
                    : api_resolve(ctx, path, need, &ap);
    if (rc == 0)
        rc = api_parent(&ap, &pfd, name);
    if (rc < 0)
        return rc;
    if (name[0] == '\0' && root_rc != 0)
        rc = root_rc;
    else
        rc = fn(&ap, pfd, name[0] ? name : ".", arg);
    api_parent_done(ctx, pfd);
    return rc;
}

static int do_mkdir(const struct api_path *ap, int fd, const char *name,
                    const void *arg)
{
    (void)ap;
    return mkdirat(fd, name, *(const mode_t *)arg) == 0 ? 0 : -errno;
}

int marfs_mkdir(marfs_ctx_t *ctx, const char *path, mode_t mode)
{
    /* a namespace root always exists */
    return at_name(ctx, path, NEED_WM, 1, -EEXIST, do_mkdir, &mode);
}

static int do_rmdir(const struct api_path *ap, int fd, const char *name,
                    const void *arg)
{
    (void)ap;
    (void)arg;
    return unlinkat(fd, name, AT_REMOVEDIR) == 0 ? 0 : -errno;
}

int marfs_rmdir(marfs_ctx_t *ctx, const char *path)
{
    /* namespaces come from the config */
    struct api_path ap;
    int rc = at_name(ctx, path, NEED_WM, 0, -EBUSY, do_rmdir, NULL);
    if (rc == 0 && api_resolve(ctx, path, 0, &ap) == 0)
        api_dircache_forget(ctx->dirs, ap.md, ap.rel);  /* it was a parent */
    return rc;
}

static int do_unlink(const struct api_path *ap, int fd, const char *name,
                     const void *arg)
{
    (void)arg;
    /* The inode stays in the ref tree: gc finds the objects there. */
    mdal_ns_lock(ap->md);
    struct api_release r = api_last_link(fd, name);
    int rc = unlinkat(fd, name, 0) == 0 ? 0 : -errno;
    if (rc == 0)
        api_release(ap->md->quota, r);
    mdal_ns_unlock(ap->md);
    return rc;
}

int marfs_unlink(marfs_ctx_t *ctx, const char *path)
{
    return at_name(ctx, path, NEED_WM, 0, -EISDIR, do_unlink, NULL);
}

/* Open both parents of a two-path operation in one namespace. */
static int two_paths(marfs_ctx_t *ctx, const char *a, const char *b,
                     int fds[2], char na[NAME_MAX + 1], char nb[NAME_MAX + 1],
                     struct api_path *pa_out, struct api_path *pb_out)
{
    struct api_path pa, pb;
    int rc = api_resolve(ctx, a, NEED_WM, &pa);
    if (rc == 0)
        rc = api_resolve_create(ctx, b, NEED_WM, &pb);
    if (rc < 0)
        return rc;
    if (pa.ns != pb.ns)
        return -EXDEV;
    if (pa.rel[0] == '\0' || pb.rel[0] == '\0')
        return -EBUSY;
    if ((rc = api_parent(&pa, &fds[0], na)) < 0)
        return rc;
    if ((rc = api_parent(&pb, &fds[1], nb)) < 0) {
        api_parent_done(ctx, fds[0]);
        return rc;
    }
    if (pb_out != NULL)
        *pb_out = pb;
    if (pa_out != NULL)
        *pa_out = pa;
    return 0;
}

int marfs_rename(marfs_ctx_t *ctx, const char *from, const char *to)
{
    int fds[2];
    char na[NAME_MAX + 1], nb[NAME_MAX + 1];
    struct api_path pa, pb;
    int rc = two_paths(ctx, from, to, fds, na, nb, &pa, &pb);
    if (rc < 0)
        return rc;
    /* Onto a free name no link count changes, so no usage decision is
     * made: no lock (a copy tool renames every file it writes). */
    if (renameat2(fds[0], na, fds[1], nb, RENAME_NOREPLACE) == 0)
        goto done;
    if (errno != EEXIST && errno != EINVAL) {   /* EINVAL: no NOREPLACE */
        rc = -errno;
        goto done;
    }
    /* renaming over a file removes its name (unless both names are links
     * of one inode, when rename does nothing) */
    mdal_ns_lock(pb.md);
    struct api_release over = api_last_link(fds[1], nb);
    struct stat self;
    if (over.ino != 0 && fstatat(fds[0], na, &self, AT_SYMLINK_NOFOLLOW) == 0 &&
        self.st_ino == over.ino)
        over.files = over.bytes = 0;    /* two links of one inode */
    if (renameat(fds[0], na, fds[1], nb) != 0)
        rc = -errno;
    else
        api_release(pb.md->quota, over);
    mdal_ns_unlock(pb.md);
done:
    api_parent_done(ctx, fds[0]);
    api_parent_done(ctx, fds[1]);
    if (rc == 0)        /* cached parents at or below it have moved */
        api_dircache_forget(ctx->dirs, pa.md, pa.rel);
    return rc;
}

int marfs_link(marfs_ctx_t *ctx, const char *oldpath, const char *newpath)
{
    int fds[2];
    char na[NAME_MAX + 1], nb[NAME_MAX + 1];
    int rc = two_paths(ctx, oldpath, newpath, fds, na, nb, NULL, NULL);
    if (rc < 0)
        return rc;
    if (linkat(fds[0], na, fds[1], nb, 0) != 0)
        rc = -errno;
    api_parent_done(ctx, fds[0]);
    api_parent_done(ctx, fds[1]);
    return rc;
}

static int do_symlink(const struct api_path *ap, int fd, const char *name,
                      const void *arg)
{
    (void)ap;
    return symlinkat(arg, fd, name) == 0 ? 0 : -errno;
}

int marfs_symlink(marfs_ctx_t *ctx, const char *target, const char *path)
{
    return at_name(ctx, path, NEED_WM, 1, -EEXIST, do_symlink, target);
}

ssize_t marfs_readlink(marfs_ctx_t *ctx, const char *path, char *buf,
                       size_t size)
{
    struct api_path ap;
    int pfd;
    char name[NAME_MAX + 1];
    int rc = at_parent(ctx, path, NEED_RM, &ap, &pfd, name);
    if (rc < 0)
        return rc;
    ssize_t n = name[0] ? readlinkat(pfd, name, buf, size) : -1;
    if (n < 0)
        n = name[0] ? -errno : -EINVAL;
    api_parent_done(ctx, pfd);
    return n;
}

/*
 * chmod follows symlinks, but only as marfs resolves them (within
 * mnt_top): the kernel must never follow one itself, which fchmodat
 * would do with a link to a host path.  The final name is pinned with
 * O_PATH|O_NOFOLLOW and changed through its /proc magic link.
 */
static int do_chmod(const struct api_path *ap, int fd, const char *name,
                    const void *arg)
{
    (void)ap;
    char self[64];
    struct stat st;
    int tfd = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (tfd < 0)
        return -errno;
    int rc = fstat(tfd, &st) != 0 ? -errno : S_ISLNK(st.st_mode) ? -ELOOP : 0;
    snprintf(self, sizeof(self), "/proc/self/fd/%d", tfd);
    if (rc == 0 && chmod(self, *(const mode_t *)arg) != 0)
        rc = -errno;
    close(tfd);
    return rc;
}

int marfs_chmod(marfs_ctx_t *ctx, const char *path, mode_t mode)
{
    struct api_path ap;
    char target[PATH_MAX];
    int rc = api_follow_path(ctx, path, NEED_WM, &ap, target);
    return rc < 0 ? rc : at_name(ctx, target, NEED_WM, 0, 0, do_chmod, &mode);
}

static int do_chown(const struct api_path *ap, int fd, const char *name,
                    const void *arg)
{
    (void)ap;
    const unsigned *ids = arg;
    return fchownat(fd, name, (uid_t)ids[0], (gid_t)ids[1],
                    AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

int marfs_chown(marfs_ctx_t *ctx, const char *path, uid_t uid, gid_t gid)
{
    unsigned ids[2] = {(unsigned)uid, (unsigned)gid};
    return at_name(ctx, path, NEED_WM, 0, 0, do_chown, ids);
}

static int do_utimens(const struct api_path *ap, int fd, const char *name,
                      const void *arg)
{
    (void)ap;
    return utimensat(fd, name, arg, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

int marfs_utimens(marfs_ctx_t *ctx, const char *path,
                  const struct timespec times[2])
{
    return at_name(ctx, path, NEED_WM, 0, 0, do_utimens, times);
}

int marfs_truncate(marfs_ctx_t *ctx, const char *path, off_t size)
{
    struct stat st;
    struct api_path ap;
    char target[PATH_MAX];
    int rc = api_follow_path(ctx, path, NEED_WM | NEED_WD, &ap, target);
    if (rc == 0)
        rc = stat_resolved(&ap, &st);
    if (rc < 0)
        return rc;
    path = target;
    if (!S_ISREG(st.st_mode))
        return -EISDIR;
    if (size == st.st_size)
        return 0;
    if (size != 0)
        return -EOPNOTSUPP;
    /* Objects are immutable: truncating to 0 replaces the file with a new
     * empty one (same owner and mode); other hard links keep the old.
     * Only its owner (or root) can make the new inode the old owner's. */
    if (geteuid() != 0 && st.st_uid != geteuid())
        return -EPERM;
    marfs_fh_t *fh;
    if ((rc = marfs_creat(ctx, path, st.st_mode & 07777, NULL, &fh)) < 0)
        return rc;
    struct stat now;
    if ((rc = marfs_fstat(fh, &now)) == 0 &&
        (now.st_uid != st.st_uid || now.st_gid != st.st_gid))
        rc = marfs_fchown(fh, now.st_uid != st.st_uid ? st.st_uid : (uid_t)-1,
                          now.st_gid != st.st_gid ? st.st_gid : (gid_t)-1);
    int crc = marfs_close(fh);
    return rc < 0 ? rc : crc < 0 ? crc : 0;
}

int marfs_statvfs(marfs_ctx_t *ctx, const char *path, struct statvfs *sv)
{
    struct api_path ap;
    int rc = api_resolve(ctx, path, NEED_RM, &ap);
    if (rc < 0)
        return rc;
    if (fstatvfs(ap.md->treefd, sv) != 0)
        return -errno;
    uint64_t files, bytes;
    const struct mcfg_ns *ns = ap.ns;
    quota_usage(ap.md->quota, &files, &bytes);
    sv->f_bsize = sv->f_frsize = 4096;
    if (ns->quota_bytes != MCFG_UNLIMITED) {
        sv->f_blocks = ns->quota_bytes / 4096;
        uint64_t used = (bytes + 4095) / 4096;
        sv->f_bfree = sv->f_bavail = used < sv->f_blocks ? sv->f_blocks - used : 0;
    }
    if (ns->quota_files != MCFG_UNLIMITED) {
        sv->f_files = ns->quota_files;
        sv->f_ffree = sv->f_favail = files < ns->quota_files
                                         ? ns->quota_files - files : 0;
    }
    sv->f_namemax = NAME_MAX;
    return 0;
}

int marfs_file_checksum(marfs_ctx_t *ctx, const char *path, uint64_t *crc)
{
    struct api_path ap;
    struct ftag tag;
    int pfd;
    char name[NAME_MAX + 1];
    int rc = api_resolve_follow(ctx, path, NEED_RM, &ap);
    if (rc == 0)
        rc = api_parent(&ap, &pfd, name);
    if (rc < 0)
        return rc;
    rc = name[0] ? api_read_tag(pfd, name, &tag) : -EISDIR;
    api_parent_done(ctx, pfd);
    if (rc == 0 && (tag.state != FTAG_COMPLETE || !tag.has_crc))
        rc = -ENODATA;
    if (rc == 0)
        *crc = tag.crc;
    return rc;
}
