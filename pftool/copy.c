/*
 * copy.c - copying one entry that is not a directory: regular files
 * below the chunk size, symlinks (as links), special files, hard links
 * to a file copied earlier.  Everything is written under the temporary
 * name beside the destination and renamed into place only when complete
 * (all bytes written, metadata set, close succeeded), so a partial file
 * never carries its real name.  Also: the data mover (copy_range) the
 * chunk copier shares, with the kernel fast path for POSIX to POSIX.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tasks.h"

static int no_kernel_copy;    /* copy_file_range refused once: stop trying */

int copy_same(const struct stat *a, const struct stat *b)
{
    if ((a->st_mode & S_IFMT) != (b->st_mode & S_IFMT))
        return 0;
    if (S_ISDIR(a->st_mode))
        return 1;
    if ((S_ISCHR(a->st_mode) || S_ISBLK(a->st_mode)) &&
        a->st_rdev != b->st_rdev)
        return 0;
    return a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int write_all(struct ep *dep, struct ep_file *df, const char *p,
                     size_t n, off_t off, int sequential)
{
    while (n > 0) {
        ssize_t k = sequential ? dep->ops->write(df, p, n)
                               : dep->ops->pwrite(df, p, n, off);
        if (k < 0)
            return (int)k;
        if (k == 0)
            return -EIO;
        p += k;
        n -= (size_t)k;
        off += k;
    }
    return 0;
}

static int copy_buffered(struct worker *w, struct ep *sep, struct ep_file *sf,
                         struct ep *dep, struct ep_file *df, off_t pos,
                         off_t end, int sequential)
{
    while (pos < end) {
        size_t want = w->o->block_size;
        if ((off_t)want > end - pos)
            want = (size_t)(end - pos);
        ssize_t n = sep->ops->pread(sf, w->buf, want, pos);
        if (n < 0)
            return (int)n;
        if (n == 0)
            return -ENODATA;            /* the source shrank */
        int rc = write_all(dep, df, w->buf, (size_t)n, pos, sequential);
        if (rc < 0)
            return rc;
        pos += n;
        if (pos < end)
            wk_service(w);
    }
    return 0;
}

/* In-kernel copy; 1 if the kernel refused and the caller must copy.
 * At most KERNEL_STEP per call, so wk_service runs between them. */
enum { KERNEL_STEP = 16 << 20 };
static int copy_kernel(struct worker *w, struct ep_file *sf,
                       struct ep_file *df, off_t pos, off_t end)
{
    int sfd = ep_posix_fd(sf), dfd = ep_posix_fd(df);
    for (off_t start = pos; pos < end;) {
        loff_t so = pos, dof = pos;
        size_t want = end - pos > KERNEL_STEP ? KERNEL_STEP : (size_t)(end - pos);
        if (pos > start)
            wk_service(w);
        ssize_t n = copy_file_range(sfd, &so, dfd, &dof, want, 0);
        if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                      errno == EOPNOTSUPP || errno == EBADF)) {
            no_kernel_copy = 1;
            return 1;
        }
        if (n < 0)
            return -errno;
        if (n == 0)
            return -ENODATA;
        pos += n;
    }
    return 0;
}

static int zero_fill(struct worker *w, struct ep *dep, struct ep_file *df,
                     off_t pos, off_t end)
{
    memset(w->buf, 0, w->o->block_size);
    while (pos < end) {
        size_t n = w->o->block_size;
        if ((off_t)n > end - pos)
            n = (size_t)(end - pos);
        int rc = write_all(dep, df, w->buf, n, pos, 1);
        if (rc < 0)
            return rc;
        pos += (off_t)n;
        if (pos < end)
            wk_service(w);
    }
    return 0;
}

static int copy_region(struct worker *w, struct ep *sep, struct ep_file *sf,
                       struct ep *dep, struct ep_file *df, off_t s, off_t e,
                       int sequential)
{
    if (!sequential && !no_kernel_copy && sep->kind == EP_POSIX &&
        dep->kind == EP_POSIX) {
        int rc = copy_kernel(w, sf, df, s, e);
        if (rc <= 0)
            return rc;
    }
    return copy_buffered(w, sep, sf, dep, df, s, e, sequential);
}

/* Copy [off, off+len).  sparse: the source may have holes (skip them);
 * sequential: the destination takes appends only (holes become zeros). */
int copy_range(struct worker *w, struct ep *sep, struct ep_file *sf,
               struct ep *dep, struct ep_file *df, off_t off, off_t len,
               int sparse, int sequential)
{
    off_t pos = off, end = off + len;
    while (pos < end) {
        off_t s = pos, e = end;
        if (sparse && sep->ops->data_region) {
            int rc = sep->ops->data_region(sf, pos, end, &s, &e);
            if (rc == -ENXIO)
                break;
            if (rc < 0)
                return rc;
        }
        int rc = sequential && s > pos ? zero_fill(w, dep, df, pos, s) : 0;
        if (rc == 0)
            rc = copy_region(w, sep, sf, dep, df, s, e, sequential);
        if (rc < 0)
            return rc;
        pos = e;
    }
    if (sequential && pos < end)
        return zero_fill(w, dep, df, pos, end);
    return 0;
}

struct copy_paths {
    char src[PF_PATH_MAX];
    char dst[PF_PATH_MAX];
    char tmp[PF_PATH_MAX];
};

static int make_paths(struct worker *w, const struct pf_task *t,
                      struct copy_paths *p)
{
    return wk_task_paths(w, t, p->src, p->dst, p->tmp);
}

int copy_publish(struct worker *w, struct ep *dep, const char *tmp,
                 const char *dst)
{
    int rc = dep->ops->rename(dep, tmp, dst);
    if (rc < 0) {
        wk_error(w, dst, "renaming the temporary into place", rc);
        dep->ops->unlink(dep, tmp);
    }
    return rc;
}

void copy_count(struct worker *w, const struct pf_task *t, const char *src,
                const char *dst)
{
    if (S_ISREG(t->st.st_mode)) {
        w->st.files_done++;
        w->st.bytes_done += (uint64_t)t->st.st_size;
    } else if (S_ISLNK(t->st.st_mode)) {
        w->st.links_made++;
    } else {
        w->st.special_made++;
    }
    if (w->o->verbose)
        wk_line(w, "%s -> %s", src, dst);
}

int copy_is_sparse(const struct stat *st)
{
    return (uint64_t)st->st_blocks * 512 < (uint64_t)st->st_size;
}

/* Open the destination temporary; on a packing endpoint it continues
 * this rank's pack stream (pack.c).  An endpoint that makes files appear
 * whole (marfs) gets the real name instead: *name says which. */
static int open_temp(struct worker *w, struct ep *dep, struct copy_paths *p,
                     struct ep_file **df, const char **name)
{
    struct ep_file *prev = pack_prev(w, dep);
    int rc;
    *name = p->tmp;
    if (dep->ops->create_whole && (dep->caps & EP_CAP_PACK)) {
        *name = p->dst;
        rc = dep->ops->create_whole(dep, p->dst, S_IRUSR | S_IWUSR, prev,
                                    pack_status_slot(w), df);
    } else {
        rc = dep->ops->create(dep, p->tmp, S_IRUSR | S_IWUSR, prev, df);
    }
    if (prev)
        pack_prev_closed(w);
    return rc;
}

static int copy_data(struct worker *w, const struct pf_task *t,
                     struct copy_paths *p, const char *name,
                     struct ep_file *sf, struct ep_file *df,
                     const char **what)
{
    struct pf_root *r = wk_root(w, t->root);
    struct ep *dep = r->dst_ep;
    int sparse_dst = (dep->caps & EP_CAP_SPARSE) != 0;
    int sparse = copy_is_sparse(&t->st);
    *what = "copying data";
    int rc = copy_range(w, r->src_ep, sf, dep, df, 0, t->st.st_size, sparse,
                        !sparse_dst);
    if (rc == 0 && sparse_dst && sparse && dep->ops->truncate)
        rc = dep->ops->truncate(df, t->st.st_size);
    if (rc == 0)
        rc = fault_hit(w, "write", t->rel);
    if (rc == 0) {
        *what = "copying xattrs";
        rc = meta_copy_xattrs(w, r->src_ep, p->src, sf, dep, name, df);
    }
    return rc;
}

static int copy_regular(struct worker *w, const struct pf_task *t,
                        struct copy_paths *p)
{
    struct pf_root *r = wk_root(w, t->root);
    struct ep *sep = r->src_ep, *dep = r->dst_ep;
    struct ep_file *sf = NULL, *df = NULL;
    const char *what = "opening";
    int rc = fault_hit(w, "open", t->rel);
    if (rc == 0)
        rc = sep->ops->open(sep, p->src, &sf);
    if (rc < 0) {
        wk_error(w, p->src, "opening", rc);
        return rc;
    }
    fault_hit(w, "delay", t->rel);
    const char *name;
    rc = open_temp(w, dep, p, &df, &name);
    int whole = rc == 0 && name == p->dst;
    if (rc == 0 && !whole && dep->ops->set_final &&
        (rc = dep->ops->set_final(df, p->dst)) < 0)
        what = "recording the final name";
    else if (rc == 0)
        rc = copy_data(w, t, p, name, sf, df, &what);
    else
        what = "creating the temporary";
    sep->ops->close(sf);
    if (rc == 0 && (dep->caps & EP_CAP_PACK)) {
        if (dep->ops->fsetmeta && (rc = meta_apply(w, dep, p->tmp, df,
                                                   &t->st)) < 0) {
            dep->ops->abort(df);
            wk_error(w, p->dst, "setting metadata", rc);
            return rc;
        }
        pack_add(w, t, dep, df, whole ? NULL : p->tmp, p->dst);
        return 1;                       /* published when stored */
    }
    if (rc == 0 && (rc = meta_apply(w, dep, p->tmp, df, &t->st)) < 0)
        what = "setting metadata";
    if (df && rc < 0)
        dep->ops->abort(df);
    else if (df && (rc = dep->ops->close(df)) < 0) {
        what = "closing";
        dep->ops->unlink(dep, p->tmp);
    }
    if (rc < 0) {
        wk_error(w, p->dst, what, rc);
        return rc;
    }
    return copy_publish(w, dep, p->tmp, p->dst);
}

static int copy_symlink(struct worker *w, const struct pf_task *t,
                        struct copy_paths *p)
{
    struct pf_root *r = wk_root(w, t->root);
    char target[PF_PATH_MAX];
    ssize_t n = r->src_ep->ops->readlink
                    ? r->src_ep->ops->readlink(r->src_ep, p->src, target,
                                               sizeof(target) - 1)
                    : -ENOTSUP;
    if (n < 0) {
        wk_error(w, p->src, "reading link", (int)n);
        return (int)n;
    }
    target[n] = '\0';
    struct ep *dep = r->dst_ep;
    int rc = dep->ops->symlink(dep, target, p->tmp);
    if (rc == -EEXIST && dep->ops->unlink(dep, p->tmp) == 0)
        rc = dep->ops->symlink(dep, target, p->tmp);
    if (rc == 0 && (rc = meta_apply(w, dep, p->tmp, NULL, &t->st)) < 0)
        dep->ops->unlink(dep, p->tmp);
    if (rc < 0) {
        wk_error(w, p->dst, "making symlink", rc);
        return rc;
    }
    return copy_publish(w, dep, p->tmp, p->dst);
}

static int copy_special(struct worker *w, const struct pf_task *t,
                        struct copy_paths *p)
{
    struct ep *dep = wk_root(w, t->root)->dst_ep;
    if (!(dep->caps & EP_CAP_SPECIAL)) {
        wk_error(w, p->src, "special file (fifo, socket or device) not "
                 "supported by the destination; skipped", 0);
        return -ENOTSUP;
    }
    int rc = dep->ops->mknod(dep, p->tmp, t->st.st_mode & (S_IFMT | 07777),
                             t->st.st_rdev);
    if (rc == -EEXIST && dep->ops->unlink(dep, p->tmp) == 0)
        rc = dep->ops->mknod(dep, p->tmp, t->st.st_mode & (S_IFMT | 07777),
                             t->st.st_rdev);
    if (rc == 0 && (rc = meta_apply(w, dep, p->tmp, NULL, &t->st)) < 0)
        dep->ops->unlink(dep, p->tmp);
    if (rc < 0) {
        wk_error(w, p->dst, "making special file", rc);
        return rc;
    }
    return copy_publish(w, dep, p->tmp, p->dst);
}

/* Identical already?  Then at most fix mode/owner/times: 1; else 0. */
static int skip_identical(struct worker *w, const struct pf_task *t,
                          const char *src, const char *dst,
                          const struct stat *dst_st)
{
    struct pf_root *r = wk_root(w, t->root);
    int same = copy_same(&t->st, dst_st);
    if (w->o->contents && S_ISREG(t->st.st_mode))   /* bytes decide */
        same = S_ISREG(dst_st->st_mode) && t->st.st_size == dst_st->st_size &&
               compare_files(w, r->src_ep, src, r->dst_ep, dst,
                             t->st.st_size) == 0;
    if (!same)
        return 0;
    int owner = w->o->preserve_owner && (t->st.st_uid != dst_st->st_uid ||
                                         t->st.st_gid != dst_st->st_gid);
    int mode = !S_ISLNK(t->st.st_mode) &&
               (t->st.st_mode & 07777) != (dst_st->st_mode & 07777);
    int times = t->st.st_mtim.tv_sec != dst_st->st_mtim.tv_sec ||
                t->st.st_mtim.tv_nsec != dst_st->st_mtim.tv_nsec;
    if (owner || mode || times) {
        w->st.meta_fixed++;
        int rc = 0;
        if (w->o->dry_run)
            wk_line(w, "metadata %s", dst);
        else if ((rc = meta_apply(w, r->dst_ep, dst, NULL, &t->st)) < 0)
            wk_error(w, dst, "setting metadata", rc);
    }
    w->st.skipped++;
    return 1;
}

/* Look at the destination: 0 copy, 1 skip, <0 failed (reported). */
int copy_check_dest(struct worker *w, const struct pf_task *t,
                    const char *src, const char *dst, int *exists)
{
    struct pf_root *r = wk_root(w, t->root);
    struct stat dst_st;
    *exists = 0;
    if (t->flags & TF_DEST_FRESH)
        return 0;
    int rc = r->dst_ep->ops->lstat(r->dst_ep, dst, &dst_st);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0) {
        wk_error(w, dst, "stat", rc);
        return rc;
    }
    *exists = 1;
    if (S_ISDIR(dst_st.st_mode)) {
        wk_error(w, dst, "is a directory in the destination", -EISDIR);
        return -EISDIR;
    }
    if (w->o->force)
        return 0;
    return skip_identical(w, t, src, dst, &dst_st);
}

void copy_item(struct worker *w, const struct pf_task *t)
{
    struct copy_paths p;
    int exists;
    if (make_paths(w, t, &p) < 0) {
        wk_done(w, t, ST_FAILED);
        return;
    }
    int rc = copy_check_dest(w, t, p.src, p.dst, &exists);
    if (rc != 0) {
        wk_done(w, t, rc > 0 ? ST_SKIPPED : ST_FAILED);
        return;
    }
    if (w->o->dry_run) {
        wk_line(w, "%s %s", exists ? "update" : "copy", p.dst);
        copy_count(w, t, p.src, p.dst);
        wk_done(w, t, ST_OK);
        return;
    }
    if (S_ISREG(t->st.st_mode))
        rc = copy_regular(w, t, &p);
    else if (S_ISLNK(t->st.st_mode))
        rc = copy_symlink(w, t, &p);
    else
        rc = copy_special(w, t, &p);
    if (rc >= 0)
        copy_count(w, t, p.src, p.dst);
    if (rc != 1)                        /* 1: packed, reported later */
        wk_done(w, t, rc < 0 ? ST_FAILED : ST_OK);
}

/* T_LINK: a further name of a file already copied in this job. */
void copy_link(struct worker *w, const struct pf_task *t)
{
    struct copy_paths p;
    struct pf_root *r = wk_root(w, t->root);
    struct ep *dep = r->dst_ep;
    char first[PF_PATH_MAX];
    struct stat a, b;
    if (make_paths(w, t, &p) < 0 ||
        path_join(first, sizeof(first), r->dst, t->link) < 0) {
        wk_done(w, t, ST_FAILED);
        return;
    }
    if (!(t->flags & TF_DEST_FRESH) && dep->ops->lstat(dep, p.dst, &b) == 0 &&
        dep->ops->lstat(dep, first, &a) == 0 && a.st_ino == b.st_ino &&
        a.st_dev == b.st_dev) {
        w->st.skipped++;
        wk_done(w, t, ST_SKIPPED);
        return;
    }
    if (w->o->dry_run) {
        wk_line(w, "link %s => %s", p.dst, first);
        wk_done(w, t, ST_OK);
        return;
    }
    int rc = dep->ops->link(dep, first, p.tmp);
    if (rc == -EEXIST && dep->ops->unlink(dep, p.tmp) == 0)
        rc = dep->ops->link(dep, first, p.tmp);
    if (rc < 0)
        wk_error(w, p.dst, "making hard link", rc);
    else
        rc = copy_publish(w, dep, p.tmp, p.dst);
    if (rc == 0)
        w->st.hardlinks_made++;
    if (rc == 0 && w->o->verbose)
        wk_line(w, "%s => %s", p.dst, first);
    wk_done(w, t, rc < 0 ? ST_FAILED : ST_OK);
}
