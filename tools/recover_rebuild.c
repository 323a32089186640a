/*
 * recover_rebuild.c - --rebuild DESTROOT: write every complete file found
 * in the objects under a local directory, at DESTROOT/<recorded path>,
 * with its recorded owner (when run as root), mode and mtime.
 *
 * Directories are created 0755 as needed (records describe files only).
 * Paths are opened component by component without following symlinks,
 * and a recorded path with an empty, "." or ".." component is refused,
 * so nothing is written outside DESTROOT.  Each file is written to a
 * temporary name and renamed into place only once its CRCs verified.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recover.h"

struct rb_out {
    int fd;
    const char *path;
};

static int safe_path(const char *path)
{
    if (path[0] != '/')
        return 0;
    for (const char *p = path + 1; ; ) {
        size_t len = strcspn(p, "/");
        if (len == 0 || len > NAME_MAX || (len == 1 && p[0] == '.') ||
            (len == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        if (p[len] == '\0')
            return 1;
        p += len + 1;
    }
}

/* Open (creating) the directory part of path below rootfd; name gets
 * the last component. */
static int open_parent(int rootfd, const char *path, int *out, char *name)
{
    char buf[PATH_MAX];
    int cur = rootfd;
    snprintf(buf, sizeof(buf), "%s", path + 1);
    char *comp = buf, *slash;
    while ((slash = strchr(comp, '/')) != NULL) {
        *slash = '\0';
        int fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
                        O_CLOEXEC);
        if (fd < 0 && errno == ENOENT &&
            (mkdirat(cur, comp, 0755) == 0 || errno == EEXIST))
            fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
                        O_CLOEXEC);
        int err = errno;
        if (cur != rootfd)
            close(cur);
        if (fd < 0)
            return -err;
        cur = fd;
        comp = slash + 1;
    }
    size_t len = strlen(comp);    /* <= NAME_MAX: checked by safe_path */
    memcpy(name, comp, len + 1);
    *out = cur;
    return 0;
}

static int sink_pwrite(void *arg, const void *buf, size_t len, uint64_t off)
{
    struct rb_out *w = arg;
    const char *p = buf;
    while (len > 0) {
        ssize_t n = pwrite(w->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            printf("failed %s: writing the copy: %s\n", w->path,
                   strerror(n < 0 ? errno : EIO));
            return 1;
        }
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

/* Owner (root only), mode and mtime of the written copy. */
static int set_attrs(int fd, const struct rc_file *f)
{
    static int warned;
    struct timespec ts[2] = {{f->mtime_sec, f->mtime_nsec},
                             {f->mtime_sec, f->mtime_nsec}};
    if (geteuid() == 0 && fchown(fd, f->uid, f->gid) != 0)
        return -errno;
    if (geteuid() != 0 && !warned++)
        fprintf(stderr, "marfs-recover: not root: files keep the running "
                "user as owner\n");
    if (fchmod(fd, f->mode & 07777) != 0 || futimens(fd, ts) != 0)
        return -errno;
    return 0;
}

static int write_file(struct rc_reader *rd, int rootfd, struct rc_file *f)
{
    char name[NAME_MAX + 1], tmp[64];
    int pfd, rc = open_parent(rootfd, f->path, &pfd, name);
    if (rc < 0) {
        printf("failed %s: creating its directory: %s\n", f->path,
               strerror(-rc));
        return -1;
    }
    snprintf(tmp, sizeof(tmp), ".marfs-recover.%d", (int)getpid());
    struct rb_out w = {.path = f->path};
    w.fd = openat(pfd, tmp, O_CREAT | O_TRUNC | O_WRONLY | O_NOFOLLOW |
                  O_CLOEXEC, 0600);
    rc = w.fd < 0 ? -errno : 0;
    /* 1: damaged (printed below), 2: the sink failed (printed there) */
    if (rc == 0 && rc_read_data(rd, f, sink_pwrite, &w) < 0)
        rc = f->state == RC_DAMAGED ? 1 : 2;
    if (rc == 0 && ftruncate(w.fd, (off_t)f->size) != 0)
        rc = -errno;
    if (rc == 0)
        rc = set_attrs(w.fd, f);
    if (w.fd >= 0 && close(w.fd) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && renameat(pfd, tmp, pfd, name) != 0)
        rc = -errno;
    if (rc != 0)
        unlinkat(pfd, tmp, 0);
    if (rc == 1)
        rc_print_problem(f);
    else if (rc < 0)
        printf("failed %s: %s\n", f->path, strerror(-rc));
    if (pfd != rootfd)
        close(pfd);
    return rc == 0 ? 0 : -1;
}

static int open_dest(const char *dest)
{
    if (mkdir(dest, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "marfs-recover: cannot create %s: %s\n", dest,
                strerror(errno));
        return -1;
    }
    int fd = open(dest, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        fprintf(stderr, "marfs-recover: %s: %s\n", dest, strerror(errno));
    return fd;
}

static int restore_one(struct rc_reader *rd, int rootfd, struct rc_file *f,
                       const struct rc_opts *o)
{
    if (!safe_path(f->path)) {
        f->state = RC_DAMAGED;
        snprintf(f->why, sizeof(f->why), "unsafe recorded path: not "
                 "restored");
        rc_print_problem(f);
        return -1;
    }
    int rc = o->dry_run ? rc_read_data(rd, f, NULL, NULL)
                        : write_file(rd, rootfd, f);
    if (rc < 0 && o->dry_run)
        rc_print_problem(f);
    if (rc == 0 && !o->quiet)
        printf("%s %s size=%llu uid=%u gid=%u mode=%04o mtime=%lld.%09ld\n",
               o->dry_run ? "would restore" : "restored", f->path,
               (unsigned long long)f->size, (unsigned)f->uid,
               (unsigned)f->gid, f->mode & 07777, (long long)f->mtime_sec,
               f->mtime_nsec);
    return rc;
}

int rc_rebuild(struct rc_cat *cat, const struct rc_opts *o)
{
    int rootfd = o->dry_run ? -1 : open_dest(o->dest);
    struct rc_reader *rd = rc_reader_new(cat);
    int bad = 0;
    if ((!o->dry_run && rootfd < 0) || rd == NULL) {
        rc_reader_free(rd);
        return -1;
    }
    for (size_t i = 0; i < cat->nfiles; i++) {
        struct rc_file *f = &cat->files[i];
        if (f->state == RC_SUPERSEDED)
            continue;
        if (f->state != RC_COMPLETE) {
            rc_print_problem(f);
            bad = 1;
        } else if (restore_one(rd, rootfd, f, o) == 0) {
            cat->written++;
        } else {
            bad = 1;
        }
    }
    rc_reader_free(rd);
    if (rootfd >= 0)
        close(rootfd);
    return bad ? -1 : 0;
}
