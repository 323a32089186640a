/*
 * api_file.c - creating, writing, reading and closing files.
 *
 * A new file's inode is created as the caller in the directory that
 * will hold it (O_TMPFILE: nameless, so the kernel's checks, owner, group
 * and umask are those of any create), tagged "writing", linked into the
 * reference tree, then to the user path; its data goes into the creating
 * client's pack stream.  The tag turns "complete" (with size and
 * checksum, and the inode's size set) only when the object holding the
 * file's last byte is published, so a reader never sees a file whose data
 * is not stored.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_internal.h"
#include "log.h"
#include "quota.h"

/* What a deferred completion needs once the object is published. */
struct done_arg {
    struct mdal_ns *md;
    struct api_wstream *ws;
    int fd;                     /* the writer's fd, kept, or -1 (reopen) */
    char refpath[200];          /* "<refdir>/<ref>" relative to ref/ */
    mode_t final_mode;
    mode_t created_mode;        /* the inode's mode when created */
    struct timespec created_mtime;
    char path[];                /* user path, for messages */
};

static int same_time(struct timespec a, struct timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/*
 * Completion may run long after the writer's close (when the packed
 * object is published), after a copy tool already set the file's mode and
 * times: anything changed since creation is the user's and is kept.
 * cur is the inode's mode as the user left it; *apply receives the mode
 * to leave it with ((mode_t)-1: as it is).
 */
static int settle_inode(int fd, const struct done_arg *d, uint64_t size,
                        mode_t cur, mode_t *apply, nlink_t *links)
{
    struct stat before;
    if (fstat(fd, &before) != 0)
        return -errno;
    *links = before.st_nlink;
    int user_times = !same_time(before.st_mtim, d->created_mtime);
    if (ftruncate(fd, (off_t)size) != 0)
        return -errno;
    if (user_times) {
        struct timespec ts[2] = {before.st_atim, before.st_mtim};
        if (futimens(fd, ts) != 0)
            return -errno;
    }
    if (cur == (mode_t)-1)
        cur = before.st_mode & 07777;
    if (cur == d->created_mode && d->created_mode != d->final_mode)
        *apply = d->final_mode;
    return 0;
}

/* Runs with the namespace's lock held for the whole object (the stream's
 * batch hook, api_wstream.c):
 * marking the file complete and counting its bytes is one step for
 * unlink and replace -- unlinked or replaced before its object was
 * published, the file no longer counts (its count went with its last
 * link), and the fstat in settle_inode sees its links under the lock. */
static int complete_inode(const struct done_arg *d, const struct ftag *tag)
{
    int fd = d->fd;
    mode_t restore = (mode_t)-1;
    int rc = fd >= 0 ? 0 : api_open_update(d->md->reffd, d->refpath, &fd,
                                           &restore);
    if (rc < 0)
        return rc;
    struct ftag t = *tag;
    t.state = FTAG_COMPLETE;
    mode_t apply = restore;
    nlink_t links = 0;
    rc = settle_inode(fd, d, t.size, restore, &apply, &links);
    if (rc == 0)
        rc = api_write_tag(fd, &t);
    if (rc == 0 && links > 1)
        quota_add(d->md->quota, 0, (int64_t)t.size);
    if (apply != (mode_t)-1 && fchmod(fd, apply) != 0 && rc == 0)
        rc = -errno;
    if (fd != d->fd)
        close(fd);
    return rc;
}

/*
 * A writer's fd is kept for its completion (no reopen through ref/: two
 * system calls and a path walk per file), up to a share of the fd limit:
 * a stream may hold thousands of unpublished files.
 */
static unsigned kept_fds;

static int keep_fd(int fd)
{
    static unsigned limit;
    if (limit == 0) {
        struct rlimit rl;
        rlim_t n = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur / 4 : 64;
        __atomic_store_n(&limit, n > 1024 ? 1024 : n < 1 ? 1 : (unsigned)n,
                         __ATOMIC_RELAXED);
    }
    if (__atomic_add_fetch(&kept_fds, 1, __ATOMIC_RELAXED) <= limit)
        return fd;
    __atomic_sub_fetch(&kept_fds, 1, __ATOMIC_RELAXED);
    close(fd);
    return -1;
}

static void drop_done_arg(struct done_arg *d)
{
    if (d->fd >= 0) {
        close(d->fd);
        __atomic_sub_fetch(&kept_fds, 1, __ATOMIC_RELAXED);
    }
    free(d);
}

static void file_done(void *arg, const struct ftag *tag, int status)
{
    struct done_arg *d = arg;
    quota_inflight(d->md->quota, -(int64_t)tag->size);
    api_wstream_plain(d->ws, -1);
    if (status == 0)
        status = complete_inode(d, tag);
    if (status < 0)
        LOG_ERR("%s: data could not be stored (%s); the file stays "
                "incomplete", d->path, strerror(-status));
    drop_done_arg(d);
}

static void discard_done(void *arg, const struct ftag *tag, int status)
{
    (void)arg;
    (void)tag;
    (void)status;
}

static int begin_file(marfs_fh_t *fh)
{
    struct obj_record rec;
    if (fh->begun)
        return 0;
    /* the inode as created is its state at the file's start */
    int rc = api_fill_record_st(fh, &rec, fh->created_mode ? &fh->made
                                                           : NULL);
    if (rc == 0)
        rc = stream_file_begin(fh->st, &rec, &fh->tag);
    fh->begun = rc == 0;
    return rc;
}

int api_write_end(marfs_fh_t *fh, struct stream **keep)
{
    int rc = begin_file(fh);
    if (fh->whole != NULL) {
        struct obj_record meta;     /* what was set since the file began */
        if (rc == 0 && api_fill_record(fh, &meta) == 0)
            stream_file_meta(fh->st, &meta);
        if (rc == 0)
            rc = api_whole_end(fh);
        else    /* the caller hears of every whole file once */
            api_whole_failed(fh, rc);
        *keep = fh->st;
        api_fh_free(fh);
        return rc;
    }
    size_t plen = strlen(fh->path) + 1;
    struct done_arg *d = rc == 0 ? malloc(sizeof(*d) + plen) : NULL;
    if (rc == 0 && d == NULL)
        rc = -ENOMEM;
    if (rc == 0) {
        d->md = fh->ap.md;
        d->ws = api_wstream_of(fh->st);
        d->fd = -1;
        api_ref_path(d->refpath, sizeof(d->refpath), fh->refdir,
                     fh->tag.ref);
        d->final_mode = fh->mode;
        d->created_mode = fh->created_mode;
        d->created_mtime = fh->created_mtime;
        memcpy(d->path, fh->path, plen);
        struct obj_record meta;
        if (api_fill_record(fh, &meta) == 0)
            stream_file_meta(fh->st, &meta);
        d->fd = keep_fd(fh->fd);
        fh->fd = -1;
        rc = stream_file_end(fh->st, &fh->tag, file_done, d);
        if (rc < 0)
            drop_done_arg(d);
        else
            api_wstream_plain(d->ws, 1);
    }
    if (rc < 0)
        LOG_ERR("%s: cannot finish writing: %s", fh->path, strerror(-rc));
    *keep = fh->st;
    if (fh->fd >= 0)
        close(fh->fd);
    api_fh_free(fh);
    return rc;
}

/* ---- creation ------------------------------------------------------- */

/* The user path exists: replace it atomically (link aside, rename). */
static int replace_existing(struct mdal_ns *md, const char *ref, int pfd,
                            const char *name, const char *refpath,
                            int locked)
{
    struct stat old;
    char tmp[NAME_MAX + 1];
    if (fstatat(pfd, name, &old, AT_SYMLINK_NOFOLLOW) != 0)
        return -errno;
    if (S_ISDIR(old.st_mode))
        return -EISDIR;
    snprintf(tmp, sizeof(tmp), "%s-tmp-%.200s", MDAL_RESERVED_PREFIX, ref);
    if (linkat(md->reffd, refpath, pfd, tmp, 0) != 0)
        return -errno;
    /* The old file's objects stay referenced from the ref tree for gc;
     * it no longer counts once its last user link is gone. */
    if (!locked)
        mdal_ns_lock(md);
    struct api_release r = api_last_link(pfd, name);
    int rc = renameat(pfd, tmp, pfd, name) == 0 ? 0 : -errno;
    if (rc == 0)
        api_release(md->quota, r);
    if (!locked)
        mdal_ns_unlock(md);
    if (rc < 0)
        unlinkat(pfd, tmp, 0);
    return rc;
}

int api_link_name(struct mdal_ns *md, const char *ref, int pfd,
                  const char *name, const char *refpath, int locked)
{
    if (linkat(md->reffd, refpath, pfd, name, 0) == 0)
        return 0;
    return errno == EEXIST
               ? replace_existing(md, ref, pfd, name, refpath, locked)
               : -errno;
}

static int note_creation(marfs_fh_t *fh, mode_t req)
{
    struct stat *st = &fh->made;
    if (fstat(fh->fd, st) != 0)
        return -errno;
    mode_t made = st->st_mode & 07777;
    /* creation applied the umask to req|0600; keep that, minus the
     * owner bits only added so the library can update the inode */
    fh->mode = made & ~(mode_t)(0600 & ~(req & 07777));
    /* ... and the owner must have them while the file is written, even
     * if the umask took them away */
    if ((made & 0600) != 0600) {
        made |= 0600;
        if (fchmod(fh->fd, made) != 0)
            return -errno;
        st->st_mode = (st->st_mode & ~(mode_t)07777) | made;
    }
    fh->created_mode = made;
    fh->created_mtime = st->st_mtim;
    return 0;
}

static void init_tag(marfs_fh_t *fh)
{
    const struct mcfg_repo *r = fh->ap.repo;
    struct ftag *t = &fh->tag;
    t->state = FTAG_WRITING;
    /* where the file will begin: gc finds a dead writer's objects by it */
    stream_next_begin(fh->st, t);
    t->n = r->n;
    t->e = r->e;
    t->psz = r->psz;
}

/* One step in the reference tree, once more after making the ref dirs
 * of ref if one was missing (levels are made on first use). */
static int ref_retry(struct mdal_ns *md, const char *ref,
                     int (*step)(struct mdal_ns *, const char *, int *),
                     const char *refpath, int *fd)
{
    int rc = step(md, refpath, fd);
    if (rc == -ENOENT && (rc = mdal_ref_mkdirs(md, ref)) == 0)
        rc = step(md, refpath, fd);
    return rc;
}

static int create_step(struct mdal_ns *md, const char *refpath, int *fd)
{
    /* *fd holds the mode on the way in */
    *fd = openat(md->reffd, refpath, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC,
                 (mode_t)*fd);
    return *fd >= 0 ? 0 : -errno;
}

static int link_step(struct mdal_ns *md, const char *refpath, int *fd)
{
    char self[64];
    snprintf(self, sizeof(self), "/proc/self/fd/%d", *fd);
    return linkat(AT_FDCWD, self, md->reffd, refpath, AT_SYMLINK_FOLLOW) == 0
               ? 0 : -errno;
}

void api_ref_path(char *buf, size_t bufsz, const char *refdir,
                  const char *ref)
{
    struct mtext t;
    mtext_init(&t, buf, bufsz);
    mtext_str(&t, refdir);
    mtext_char(&t, '/');
    mtext_str(&t, ref);
}

int api_ref_create(struct mdal_ns *md, const char *ref, const char *refpath,
                   mode_t mode, int *fd)
{
    *fd = (int)(mode & 07777);
    int rc = ref_retry(md, ref, create_step, refpath, fd);
    if (rc < 0)
        *fd = -1;
    return rc;
}

int api_ref_link(struct mdal_ns *md, const char *ref, const char *refpath,
                 int fd)
{
    return ref_retry(md, ref, link_step, refpath, &fd);
}

/*
 * The new inode: nameless in the user's directory pfd (O_TMPFILE), so
 * the kernel applies its own rules to the caller, later linked into the
 * ref tree (*in_ref 0); or, on a file system without O_TMPFILE, created
 * in the ref tree directly (*in_ref 1: owner and group are the caller's,
 * a setgid directory does not pass its group on).
 */
static int make_inode(marfs_fh_t *fh, int pfd, const char *refpath,
                      mode_t mode, int *in_ref)
{
    static int told;
    *in_ref = 0;
    fh->fd = openat(pfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC,
                    (mode & 07777) | 0600);
    if (fh->fd >= 0)
        return 0;
    if (errno != EOPNOTSUPP && errno != EISDIR)
        return -errno;
    if (!__atomic_exchange_n(&told, 1, __ATOMIC_RELAXED))
        LOG_INFO("%s: the metadata file system has no O_TMPFILE: files are "
                 "created in the reference tree first", fh->path);
    *in_ref = 1;
    return api_ref_create(fh->ap.md, fh->tag.ref, refpath, mode | 0600,
                          &fh->fd);
}

/* A cached parent (api_dircache.c) may name a directory that another
 * process removed: ENOENT from a step that used it is worth one retry
 * with the path resolved again. */
static int fresh_parent(marfs_fh_t *fh, int *pfd, char *name)
{
    api_parent_done(fh->ctx, *pfd);
    *pfd = -1;
    api_dircache_flush(fh->ctx->dirs);
    return api_parent(&fh->ap, pfd, name);
}

static int create_inode(marfs_fh_t *fh, mode_t mode)
{
    int pfd, in_ref, rc = quota_check(fh->ap.md->quota, 1, 0);
    char name[NAME_MAX + 1], refpath[200];
    if (rc < 0)
        return rc;
    stream_new_ref(fh->tag.ref, sizeof(fh->tag.ref));
    mdal_ref_dir(fh->ap.md, fh->tag.ref, fh->refdir, sizeof(fh->refdir));
    api_ref_path(refpath, sizeof(refpath), fh->refdir, fh->tag.ref);
    if ((rc = api_parent(&fh->ap, &pfd, name)) < 0)
        return rc;
    rc = make_inode(fh, pfd, refpath, mode, &in_ref);
    if (rc == -ENOENT && (rc = fresh_parent(fh, &pfd, name)) == 0)
        rc = make_inode(fh, pfd, refpath, mode, &in_ref);
    if (rc == 0)
        rc = note_creation(fh, mode);
    init_tag(fh);
    if (rc == 0)
        rc = api_write_tag(fh->fd, &fh->tag);
    if (rc == 0 && !in_ref &&
        (rc = api_ref_link(fh->ap.md, fh->tag.ref, refpath, fh->fd)) == 0)
        in_ref = 1;
    if (rc == 0)
        rc = api_link_name(fh->ap.md, fh->tag.ref, pfd, name, refpath, 0);
    if (rc == -ENOENT && in_ref && (rc = fresh_parent(fh, &pfd, name)) == 0)
        rc = api_link_name(fh->ap.md, fh->tag.ref, pfd, name, refpath, 0);
    if (rc < 0 && in_ref)
        unlinkat(fh->ap.md->reffd, refpath, 0);
    else if (rc == 0)
        quota_add(fh->ap.md->quota, 1, 0);
    if (pfd >= 0)
        api_parent_done(fh->ctx, pfd);
    return rc;
}

/* The stream a new file goes into: prev's (packing), or a fresh one. */
static int take_stream(marfs_fh_t *fh, marfs_fh_t *prev, struct stream **st)
{
    const struct mcfg_repo *r = fh->ap.repo;
    *st = NULL;
    /* A stream (so every object) holds files of one namespace: its
     * objects' headers name it, and garbage collection decides per
     * namespace whether anything still uses an object. */
    if (prev != NULL && prev->kind == FH_WRITE && !prev->failed &&
        prev->ap.ns == fh->ap.ns && r->packing)
        api_write_end(prev, st);
    else if (prev != NULL)
        marfs_close(prev);
    if (*st != NULL)
        return 0;
    struct stream_params p = {
        .ne = fh->ap.ne, .nspath = fh->ap.ns->path,
        .chunk = r->chunking ? r->chunk_max_size : UINT64_MAX,
        .max_files = r->packing ? r->pack_max_files : 1,
    };
    return api_stream_open(&p, fh->ap.md, st);
}

/* A writer for path in the stream of prev (or a new one). */
static int creat_start(marfs_ctx_t *ctx, const char *path, marfs_fh_t *prev,
                       marfs_fh_t **out)
{
    marfs_fh_t *fh = calloc(1, sizeof(*fh));
    int rc = fh ? api_resolve_create(ctx, path, NEED_WM | NEED_WD, &fh->ap)
                : -ENOMEM;
    if (rc == 0 && fh->ap.rel[0] == '\0')
        rc = -EISDIR;   /* a namespace root */
    if (fh == NULL || rc < 0) {
        if (prev != NULL)
            marfs_close(prev);
        api_fh_free(fh);
        return rc;
    }
    fh->ctx = ctx;
    fh->kind = FH_WRITE;
    fh->fd = -1;
    mtext_copy(fh->path, sizeof(fh->path), path);
    *out = fh;
    return take_stream(fh, prev, &fh->st);
}

static int creat_failed(marfs_fh_t *fh, int rc)
{
    if (fh != NULL && fh->st != NULL)
        api_stream_close(fh->st);
    if (fh != NULL && fh->fd >= 0)
        close(fh->fd);
    api_fh_free(fh);
    return rc;
}

int marfs_creat(marfs_ctx_t *ctx, const char *path, mode_t mode,
                marfs_fh_t *prev, marfs_fh_t **out)
{
    marfs_fh_t *fh = NULL;
    int rc = creat_start(ctx, path, prev, &fh);
    if (rc == 0)
        rc = create_inode(fh, mode);
    if (rc < 0)
        return creat_failed(fh, rc);
    *out = fh;
    return 0;
}

int marfs_creat_whole(marfs_ctx_t *ctx, const char *path, mode_t mode,
                      marfs_fh_t *prev, marfs_done_fn done, void *arg,
                      marfs_fh_t **out)
{
    marfs_fh_t *fh = NULL;
    int rc = creat_start(ctx, path, prev, &fh);
    if (rc == 0) {
        stream_new_ref(fh->tag.ref, sizeof(fh->tag.ref));
        mdal_ref_dir(fh->ap.md, fh->tag.ref, fh->refdir, sizeof(fh->refdir));
        init_tag(fh);
        rc = api_whole_start(fh, mode, done, arg);
    }
    if (rc < 0)
        return creat_failed(fh, rc);
    *out = fh;
    return 0;
}

ssize_t marfs_write(marfs_fh_t *fh, const void *buf, size_t len)
{
    if (fh->kind != FH_WRITE)
        return -EBADF;
    if (fh->failed)
        return -EIO;
    int rc = quota_check(fh->ap.md->quota, 0, len);
    if (rc == 0)
        rc = begin_file(fh);
    ssize_t n = rc < 0 ? rc : stream_file_write(fh->st, buf, len);
    if (n > 0)
        quota_inflight(fh->ap.md->quota, n);
    if (n < 0 && n != -EDQUOT)
        fh->failed = 1;
    return n;
}

int marfs_fsync(marfs_fh_t *fh)
{
    /* Data becomes durable when its object is published (close); there
     * is nothing a writer can force earlier without breaking packing.
     * Objects already closed finish their publication (it runs while
     * the next object is written), and their whole files are made. */
    int rc = 0;
    if (fh->kind == FH_WRITE && fh->st != NULL) {
        rc = stream_sync(fh->st);
        api_wstream_sync(api_wstream_of(fh->st));
    }
    return fh->failed ? -EIO : rc;
}

/* ---- removal of an abandoned file ------------------------------------ */

static void remove_inode(marfs_fh_t *fh)
{
    int pfd, rfd;
    char name[NAME_MAX + 1];
    struct stat mine, cur;
    if (fstat(fh->fd, &mine) == 0 && api_parent(&fh->ap, &pfd, name) == 0) {
        if (fstatat(pfd, name, &cur, AT_SYMLINK_NOFOLLOW) == 0 &&
            cur.st_ino == mine.st_ino && cur.st_dev == mine.st_dev)
            unlinkat(pfd, name, 0);
        api_parent_done(fh->ctx, pfd);
    }
    if (mdal_ref_dirfd(fh->ap.md, fh->tag.ref, &rfd) == 0) {
        unlinkat(rfd, fh->tag.ref, 0);
        close(rfd);
    }
    quota_add(fh->ap.md->quota, -1, 0);
}

int marfs_abort(marfs_fh_t *fh)
{
    if (fh->kind == FH_READ)
        return marfs_close(fh);
    if (fh->whole != NULL)
        api_whole_abort(fh);
    else
        remove_inode(fh);
    if (fh->kind == FH_WRITE) {
        /* Other files of the stream must still be published. */
        if (fh->begun) {
            quota_inflight(fh->ap.md->quota,
                           -(int64_t)stream_file_size(fh->st));
            stream_file_end(fh->st, &fh->tag, discard_done, NULL);
        }
        api_stream_close(fh->st);
    } else if (fh->chunk != NULL) {
        stream_chunk_abort(fh->chunk);
    }
    if (fh->fd >= 0)
        close(fh->fd);
    api_fh_free(fh);
    return 0;
}

/* ---- reading ------------------------------------------------------------ */

/* The inode under the resolved fh->ap: fh->fd, or -errno (-ELOOP: a
 * symbolic link). */
static int open_inode(marfs_ctx_t *ctx, marfs_fh_t *fh)
{
    int pfd, rc;
    char name[NAME_MAX + 1];
    for (int tries = 0;; tries++) {
        if ((rc = api_parent(&fh->ap, &pfd, name)) < 0)
            return rc;
        fh->fd = name[0] ? openat(pfd, name,
                                  O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
        rc = name[0] == '\0' ? -EISDIR : fh->fd < 0 ? -errno : 0;
        api_parent_done(fh->ctx, pfd);
        /* a cached parent another process removed: resolve it again */
        if (rc != -ENOENT || tries > 0 || !api_parent_stale(ctx))
            return rc;
    }
}

/* Open the path as it is (O_NOFOLLOW) and follow symbolic links only
 * when that fails: a readlinkat probe of every path cost a system call
 * per file opened. */
static int open_read(marfs_ctx_t *ctx, marfs_fh_t *fh)
{
    unsigned need = NEED_RM | NEED_RD;
    int rc = api_resolve(ctx, fh->path, need, &fh->ap);
    if (rc == 0)
        rc = open_inode(ctx, fh);
    /* a symbolic link (-ELOOP), or a link whose namespace says no while
     * its target's may say yes: the old way, following */
    if ((rc == -ELOOP || rc == -EACCES || rc == -EPERM) &&
        (rc = api_resolve_follow(ctx, fh->path, need, &fh->ap)) == 0)
        rc = open_inode(ctx, fh);
    if (rc < 0)
        return rc;
    struct stat st;
    if (fstat(fh->fd, &st) == 0 && !S_ISREG(st.st_mode))
        rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
    if (rc == 0)
        rc = api_read_tag(fh->fd, NULL, &fh->tag);
    if (rc == -ENODATA || rc == -EINVAL) {
        LOG_ERR("%s: its marfs tag is %s", fh->path,
                rc == -ENODATA ? "missing" : "corrupt");
        rc = -EIO;
    }
    return rc;
}

int marfs_open(marfs_ctx_t *ctx, const char *path, int flags,
               marfs_fh_t **out)
{
    int acc = flags & O_ACCMODE;
    if (acc == O_RDWR || (flags & (O_CREAT | O_TRUNC)))
        return -EINVAL;
    if (path == NULL)
        return -EINVAL;
    if (strlen(path) >= PATH_MAX)   /* never resolve a truncated copy */
        return -ENAMETOOLONG;
    marfs_fh_t *fh = calloc(1, sizeof(*fh));
    if (fh == NULL)
        return -ENOMEM;
    fh->ctx = ctx;
    fh->fd = -1;
    snprintf(fh->path, sizeof(fh->path), "%s", path);
    int rc = open_read(ctx, fh);
    if (rc == 0 && acc == O_WRONLY) {
        fh->kind = FH_NTO1;
        if (!fh->tag.nto1 || fh->tag.state != FTAG_WRITING)
            rc = -EBUSY;
        else if ((fh->ap.ns->perms[ctx->mode] & (NEED_WM | NEED_WD)) !=
                 (NEED_WM | NEED_WD))
            rc = -EACCES;
        else    /* opened for reading: writing is another permission */
            rc = api_may_write(fh->fd);
        mdal_ref_dir(fh->ap.md, fh->tag.ref, fh->refdir, sizeof(fh->refdir));
        if (rc == 0)
            rc = api_load_rpath(fh);
    } else if (rc == 0) {
        fh->kind = FH_READ;
        rc = fh->tag.state != FTAG_COMPLETE ? -EBUSY
             : sread_open_cached(fh->ap.ne, &fh->tag, ctx->cache, &fh->rd);
        if (rc == 0)
            sread_flag_damaged_to(fh->rd, fh->ap.md);
    }
    if (rc < 0) {
        if (fh->fd >= 0)
            close(fh->fd);
        api_fh_free(fh);
        return rc;
    }
    *out = fh;
    return 0;
}

ssize_t marfs_pread(marfs_fh_t *fh, void *buf, size_t len, off_t off)
{
    if (fh->kind != FH_READ)
        return -EBADF;
    if (off < 0)
        return -EINVAL;
    return sread_pread(fh->rd, buf, len, (uint64_t)off);
}

ssize_t marfs_read(marfs_fh_t *fh, void *buf, size_t len)
{
    ssize_t n = marfs_pread(fh, buf, len, (off_t)fh->pos);
    if (n > 0)
        fh->pos += (uint64_t)n;
    return n;
}

off_t marfs_seek(marfs_fh_t *fh, off_t off, int whence)
{
    int64_t base = whence == SEEK_SET ? 0
                 : whence == SEEK_CUR ? (int64_t)fh->pos
                 : whence == SEEK_END ? (int64_t)fh->tag.size : -1;
    if (fh->kind != FH_READ || base < 0 || base + off < 0)
        return -EINVAL;
    fh->pos = (uint64_t)(base + off);
    return (off_t)fh->pos;
}

int marfs_fstat(marfs_fh_t *fh, struct stat *st)
{
    if (fh->whole != NULL)
        api_whole_stat(fh, st);
    else if (fstat(fh->fd, st) != 0)
        return -errno;
    if (fh->kind == FH_WRITE && fh->begun)
        st->st_size = (off_t)stream_file_size(fh->st);
    api_fix_stat(st);
    return 0;
}

int marfs_close(marfs_fh_t *fh)
{
    int rc = 0;
    if (fh == NULL)
        return -EBADF;
    switch (fh->kind) {
    case FH_READ:
        sread_close(fh->rd);
        break;
    case FH_WRITE: {
        if (fh->failed)
            return marfs_abort(fh) == 0 ? -EIO : -EIO;
        struct stream *st;
        rc = api_write_end(fh, &st);
        int crc = api_stream_close(st);
        return rc < 0 ? rc : crc;
    }
    case FH_NTO1:
        if (fh->chunk != NULL) {
            LOG_ERR("%s: closed with chunk %llu half written; that chunk "
                    "must be written again", fh->path,
                    (unsigned long long)fh->chunk_k);
            stream_chunk_abort(fh->chunk);
            rc = -EIO;
        }
        break;
    }
    if (fh->fd >= 0)
        close(fh->fd);
    api_fh_free(fh);
    return rc;
}

/* ---- attributes of a file being written -------------------------------- */

int marfs_fchmod(marfs_fh_t *fh, mode_t mode)
{
    if (fh->kind == FH_READ)
        return -EBADF;
    if (fh->whole != NULL)
        return api_whole_chmod(fh, mode);
    if (fh->kind == FH_WRITE) {
        /* applied at completion, so the library can still update the
         * inode even if the mode drops the owner's write bit */
        fh->mode = mode & 07777;
        return 0;
    }
    return fchmod(fh->fd, mode & 07777) == 0 ? 0 : -errno;
}

int marfs_fchown(marfs_fh_t *fh, uid_t uid, gid_t gid)
{
    if (fh->kind == FH_READ)
        return -EBADF;
    if (fh->whole != NULL)
        return api_whole_chown(fh, uid, gid);
    return fchown(fh->fd, uid, gid) == 0 ? 0 : -errno;
}

int marfs_futimens(marfs_fh_t *fh, const struct timespec times[2])
{
    if (fh->kind == FH_READ)
        return -EBADF;
    if (fh->whole != NULL)
        return api_whole_utimens(fh, times);
    return futimens(fh->fd, times) == 0 ? 0 : -errno;
}
