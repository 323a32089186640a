/*
 * api_whole.c - whole files (marfs_creat_whole): a file whose inode is
 * made only when the object holding its last byte is published, in one
 * pass and in its final state.
 *
 * marfs_creat makes the inode at creation ("writing") and rewrites it at
 * completion; a copy tool then also renames it from a temporary name.
 * For a small file that is most of the metadata work.  Here the handle
 * only collects what the inode will carry (owner, mode, times, user
 * xattrs); at publication, under the namespace lock the stream takes
 * once per object, the inode is created nameless in its directory as the
 * caller (O_TMPFILE: the kernel's checks, owner and group rules apply)
 * or, when the caller set the owner, in the reference tree, given the
 * complete tag, size and attributes, linked into the reference tree (if
 * not made there) and then under its name (replacing what is there).
 * Until then nothing is visible, and the stream's marker (api_wstream.c)
 * keeps the objects of a writer that dies findable for garbage
 * collection.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "api_internal.h"
#include "log.h"
#include "quota.h"

struct wxattr {
    char *name;
    void *val;
    size_t size;
};

struct api_whole {
    marfs_done_fn fn;
    void *arg;
    int owner_set;
    uid_t uid;
    gid_t gid;
    int mode_exact;             /* marfs_fchmod: no umask */
    int times_set;
    struct timespec times[2];
    struct wxattr *x;
    size_t nx;
};

/* What publication needs of the handle (which is gone by then). */
struct whole_done {
    struct whole_done *next;    /* a publication's list (api_wstream) */
    marfs_ctx_t *ctx;
    const struct mcfg_ns *ns;
    struct mdal_ns *md;
    ne_ctx_t *ne;
    const struct mcfg_repo *repo;
    struct api_wstream *ws;
    struct api_whole *w;
    struct ftag tag;            /* as the stream ended it */
    mode_t mode;                /* the final mode */
    char refdir[64];
    size_t rel_off;             /* rel within buf */
    char buf[];                 /* user path, then rel */
};

static mode_t the_umask = 022;
static pthread_once_t umask_once = PTHREAD_ONCE_INIT;

/* The umask without changing it (umask(2) is a write, racy with threads). */
static void read_umask(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[128];
    unsigned m;
    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "Umask: %o", &m) == 1) {
            the_umask = (mode_t)m & 0777;
            break;
        }
    if (f != NULL)
        fclose(f);
}

static mode_t process_umask(void)
{
    pthread_once(&umask_once, read_umask);
    return the_umask;
}

static mode_t final_mode(const marfs_fh_t *fh)
{
    return fh->whole->mode_exact ? fh->mode & 07777
                                 : fh->mode & 07777 & ~process_umask();
}

static void whole_free(struct api_whole *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->nx; i++) {
        free(w->x[i].name);
        free(w->x[i].val);
    }
    free(w->x);
    free(w);
}

void api_whole_free(marfs_fh_t *fh)
{
    whole_free(fh->whole);
    fh->whole = NULL;
}

static void caller_ids(marfs_ctx_t *ctx, uid_t *uid, gid_t *gid)
{
    if (!__atomic_load_n(&ctx->ids_known, __ATOMIC_ACQUIRE)) {
        ctx->euid = geteuid();
        ctx->egid = getegid();
        __atomic_store_n(&ctx->ids_known, 1, __ATOMIC_RELEASE);
    }
    *uid = ctx->euid;
    *gid = ctx->egid;
}

/* The parent must be there and writable now, not only at publication. */
static int check_parent(marfs_fh_t *fh)
{
    int pfd;
    char name[NAME_MAX + 1];
    int rc = api_parent(&fh->ap, &pfd, name);
    if (rc < 0)
        return rc;
    uid_t uid;
    gid_t gid;
    caller_ids(fh->ctx, &uid, &gid);
    if (rc == 0 && name[0] == '\0')
        rc = -EISDIR;
    else if (rc == 0 && uid != 0) { /* root passes the kernel's checks */
        char self[64];
        snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
        if (faccessat(AT_FDCWD, self, W_OK | X_OK, AT_EACCESS) != 0)
            rc = -errno;
    }
    api_parent_done(fh->ctx, pfd);
    return rc;
}

int api_whole_start(marfs_fh_t *fh, mode_t mode, marfs_done_fn fn,
                    void *arg)
{
    int rc = quota_check(fh->ap.md->quota, 1, 0);
    if (rc == 0)
        rc = check_parent(fh);
    if (rc < 0)
        return rc;
    fh->whole = calloc(1, sizeof(*fh->whole));
    if (fh->whole == NULL)
        return -ENOMEM;
    fh->whole->fn = fn;
    fh->whole->arg = arg;
    fh->mode = mode & 07777;
    api_publish_room(fh->ctx);     /* a bounded backlog of unmade files */
    return api_wstream_cover(fh->st, &fh->tag, fh->ap.repo);
}

void api_whole_stat(const marfs_fh_t *fh, struct stat *st)
{
    const struct api_whole *w = fh->whole;
    uid_t uid;
    gid_t gid;
    caller_ids(fh->ctx, &uid, &gid);
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFREG | final_mode(fh);
    st->st_nlink = 1;
    st->st_uid = w->owner_set && w->uid != (uid_t)-1 ? w->uid : uid;
    st->st_gid = w->owner_set && w->gid != (gid_t)-1 ? w->gid : gid;
    /* mtime 0: the record's write time, as for a file nobody touched */
    if (w->times_set && w->times[1].tv_nsec != UTIME_OMIT &&
        w->times[1].tv_nsec != UTIME_NOW)
        st->st_mtim = w->times[1];
}

int api_whole_chmod(marfs_fh_t *fh, mode_t mode)
{
    fh->mode = mode & 07777;
    fh->whole->mode_exact = 1;
    return 0;
}

int api_whole_chown(marfs_fh_t *fh, uid_t uid, gid_t gid)
{
    struct api_whole *w = fh->whole;
    if (!w->owner_set)
        w->uid = (uid_t)-1, w->gid = (gid_t)-1;
    if (uid != (uid_t)-1)
        w->uid = uid;
    if (gid != (gid_t)-1)
        w->gid = gid;
    w->owner_set = 1;
    return 0;
}

int api_whole_utimens(marfs_fh_t *fh, const struct timespec times[2])
{
    struct api_whole *w = fh->whole;
    struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    const struct timespec *t = times ? times : now;
    for (int i = 0; i < 2; i++)
        if (t[i].tv_nsec != UTIME_OMIT && t[i].tv_nsec != UTIME_NOW &&
            (t[i].tv_nsec < 0 || t[i].tv_nsec > 999999999))
            return -EINVAL;
    w->times[0] = t[0];
    w->times[1] = t[1];
    w->times_set = 1;
    return 0;
}

int api_whole_setxattr(marfs_fh_t *fh, const char *name, const void *val,
                       size_t size, int flags)
{
    struct api_whole *w = fh->whole;
    size_t i;
    for (i = 0; i < w->nx && strcmp(w->x[i].name, name) != 0; i++)
        ;
    if ((flags & XATTR_CREATE) && i < w->nx)
        return -EEXIST;
    if ((flags & XATTR_REPLACE) && i == w->nx)
        return -ENODATA;
    void *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return -ENOMEM;
    memcpy(copy, val, size);
    if (i == w->nx) {
        char *n = strdup(name);
        void *p = n ? realloc(w->x, (w->nx + 1) * sizeof(*w->x)) : NULL;
        if (p == NULL) {
            free(n);
            free(copy);
            return -ENOMEM;
        }
        w->x = p;
        w->x[w->nx++] = (struct wxattr){n, NULL, 0};
    }
    free(w->x[i].val);
    w->x[i].val = copy;
    w->x[i].size = size;
    return 0;
}

/* ---- publication ------------------------------------------------------- */

/* The owner the caller set, unless the new inode already has it (a copy
 * of one's own files, or root's as root): fstat costs the file system
 * nothing, a chown a journalled inode update (2-3% of a small-file copy
 * into marfs). */
static int set_owner(int fd, const struct api_whole *w)
{
    struct stat st;
    if (!w->owner_set)
        return 0;
    if (fstat(fd, &st) == 0 && (w->uid == (uid_t)-1 || st.st_uid == w->uid) &&
        (w->gid == (gid_t)-1 || st.st_gid == w->gid))
        return 0;
    return fchown(fd, w->uid, w->gid) == 0 ? 0 : -errno;
}

/* Owner, mode, times and xattrs onto the new inode fd, after its tag and
 * size (ftruncate sets mtime; chown clears set-id bits: mode after). */
static int dress_inode(int fd, const struct whole_done *d, uint64_t size)
{
    const struct api_whole *w = d->w;
    for (size_t i = 0; i < w->nx; i++)
        if (fsetxattr(fd, w->x[i].name, w->x[i].val, w->x[i].size, 0) != 0)
            return -errno;
    if (size > 0 && ftruncate(fd, (off_t)size) != 0)
        return -errno;
    int rc = set_owner(fd, w);
    if (rc < 0)
        return rc;
    mode_t made = (d->mode | 0600) & ~process_umask();
    if ((made != d->mode || (w->owner_set && (d->mode & 06000))) &&
        fchmod(fd, d->mode) != 0)
        return -errno;
    if (w->times_set && futimens(fd, w->times) != 0)
        return -errno;
    return 0;
}

/* The inode: nameless in the directory pfd (*in_ref 0), so the kernel's
 * rules for a new file there apply (the group of a setgid directory);
 * or, when the caller gives the group (nothing is left to those rules),
 * or on a file system without O_TMPFILE, created in the reference tree
 * (*in_ref 1).  The latter costs the file system less: a nameless inode
 * goes on ext4's orphan list (a journalled update under one lock for
 * the whole file system) and off it again at its first link, which is
 * made through /proc/self/fd; 7-10% of a small-file copy.  A crash
 * before its tag is written leaves an untagged inode in ref/, which gc
 * removes (a stray, doc/rman.md). */
static int new_inode(const struct whole_done *d, int pfd,
                     const char *refpath, const char *ref, int *fd,
                     int *in_ref)
{
    *in_ref = 0;
    if (!d->w->owner_set || d->w->gid == (gid_t)-1) {
        *fd = openat(pfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC,
                     d->mode | 0600);
        if (*fd >= 0)
            return 0;
        if (errno != EOPNOTSUPP && errno != EISDIR)
            return -errno;
    }
    *in_ref = 1;
    return api_ref_create(d->md, ref, refpath, d->mode | 0600, fd);
}

/* locked: the caller holds the namespace lock (a replace must not take
 * it again). */
static int make_file(struct whole_done *d, const struct ftag *tag,
                     int locked)
{
    struct api_path ap = {.ctx = d->ctx, .ns = d->ns, .md = d->md,
                          .ne = d->ne, .repo = d->repo};
    char name[NAME_MAX + 1], refpath[200];
    int pfd, fd = -1, in_ref = 0;
    mtext_copy(ap.rel, sizeof(ap.rel), d->buf + d->rel_off);
    api_ref_path(refpath, sizeof(refpath), d->refdir, tag->ref);
    struct ftag t = *tag;
    t.state = FTAG_COMPLETE;
    int rc = api_parent(&ap, &pfd, name);
    if (rc < 0)
        return rc;
    rc = new_inode(d, pfd, refpath, tag->ref, &fd, &in_ref);
    if (rc == 0)
        rc = api_write_tag(fd, &t);
    if (rc == 0)
        rc = dress_inode(fd, d, t.size);
    if (rc == 0 && !in_ref &&
        (rc = api_ref_link(d->md, tag->ref, refpath, fd)) == 0)
        in_ref = 1;
    if (rc == 0)
        rc = api_link_name(d->md, tag->ref, pfd, name, refpath, locked);
    if (rc < 0 && in_ref)
        unlinkat(d->md->reffd, refpath, 0);
    else if (rc == 0)
        quota_add(d->md->quota, 1, (int64_t)t.size);
    if (fd >= 0)
        close(fd);
    api_parent_done(d->ctx, pfd);
    return rc;
}

static void drop(struct whole_done *d)
{
    whole_free(d->w);
    free(d);
}

static void settle(struct whole_done *d, int status)
{
    if (status < 0)
        LOG_ERR("%s: not created: %s", d->buf, strerror(-status));
    api_wstream_outcome(d->ws, d->w->fn, d->w->arg, d->buf, status, 0);
}

/* Make a list's files in stream order; returns how many there were. */
static int make_list(struct whole_done *d, int locked)
{
    int n = 0;
    for (struct whole_done *next; d != NULL; d = next, n++) {
        next = d->next;
        settle(d, make_file(d, &d->tag, locked));
        drop(d);
    }
    return n;
}

/* On the publisher's thread: one object's files. */
static void publish_job(void *arg)
{
    struct whole_done *d = arg;
    struct api_wstream *ws = d->ws;
    api_wstream_inflight(ws, -make_list(d, 0));   /* the last touch of ws */
}

void api_whole_link(struct whole_done *prev, struct whole_done *d)
{
    prev->next = d;
}

void api_whole_publish(struct whole_done *list, size_t n)
{
    struct api_wstream *ws = list->ws;
    api_wstream_inflight(ws, (int)n);
    if (api_publish(list->ctx, publish_job, list, n) == 0)
        return;
    api_wstream_inflight(ws, -(int)n);
    make_list(list, api_wstream_locked(ws));
}

/* The object holding the file is published (status 0: its inode waits
 * for the end of the publication, api_wstream_pub_add) or failed. */
static void whole_done(void *arg, const struct ftag *tag, int status)
{
    struct whole_done *d = arg;
    quota_inflight(d->md->quota, -(int64_t)tag->size);
    if (status == 0) {
        d->tag = *tag;
        d->next = NULL;
        api_wstream_pub_add(d->ws, d);
        return;
    }
    settle(d, status);
    drop(d);
}

/* The file's data is all written: its inode is made when its object is
 * published.  Always reports an outcome to the caller's done. */
int api_whole_end(marfs_fh_t *fh)
{
    size_t plen = strlen(fh->path) + 1, rlen = strlen(fh->ap.rel) + 1;
    struct whole_done *d = malloc(sizeof(*d) + plen + rlen);
    int rc = d ? 0 : -ENOMEM;
    if (rc == 0) {
        *d = (struct whole_done){
            .ctx = fh->ctx, .ns = fh->ap.ns, .md = fh->ap.md,
            .ne = fh->ap.ne, .repo = fh->ap.repo,
            .ws = api_wstream_of(fh->st), .w = fh->whole,
            .mode = final_mode(fh), .rel_off = plen};
        mtext_copy(d->refdir, sizeof(d->refdir), fh->refdir);
        memcpy(d->buf, fh->path, plen);
        memcpy(d->buf + plen, fh->ap.rel, rlen);
        fh->whole = NULL;
        rc = stream_file_end(fh->st, &fh->tag, whole_done, d);
        if (rc < 0) {
            fh->whole = d->w;
            free(d);
        }
    }
    if (rc < 0) {
        LOG_ERR("%s: cannot finish writing: %s", fh->path, strerror(-rc));
        api_wstream_outcome(api_wstream_of(fh->st), fh->whole->fn,
                            fh->whole->arg, fh->path, rc, 1);
        api_wstream_deliver(api_wstream_of(fh->st));
    }
    return rc;
}

/* The file could not begin in its stream (which failed): nothing will
 * be made; the caller's done hears it (prev chaining drops the error
 * api_write_end returns). */
void api_whole_failed(marfs_fh_t *fh, int rc)
{
    api_wstream_outcome(api_wstream_of(fh->st), fh->whole->fn,
                        fh->whole->arg, fh->path, rc, 1);
    api_wstream_deliver(api_wstream_of(fh->st));
}

/* Abandoned: nothing was made; the stream's other files go on. */
void api_whole_abort(marfs_fh_t *fh)
{
    api_wstream_outcome(api_wstream_of(fh->st), NULL, NULL, fh->path,
                        -ECANCELED, 1);
}
