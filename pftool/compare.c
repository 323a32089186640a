/*
 * compare.c - pfcm: is the destination the same as the source?  Metadata
 * (type, size, mode, owner, mtime; link targets; device numbers) always;
 * bytes with --contents (big files chunk by chunk on many ranks); the
 * destination's stored checksum with --checksum where the endpoint keeps
 * one.  Every difference is one line on the output, counted in `differ`.
 * Also used by pfsync --contents to decide whether to copy.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasks.h"

enum { DIFF_TEXT_MAX = 512 };

static char *second_buf(struct worker *w)
{
    static char *buf;
    if (buf == NULL && (buf = malloc(w->o->block_size)) == NULL)
        abort();
    return buf;
}

static void note(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(char *out, size_t size, const char *fmt, ...)
{
    size_t n = strlen(out);
    if (n + 2 >= size)
        return;
    if (n)
        strcat(out, ", ");
    n = strlen(out);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + n, size - n, fmt, ap);
    va_end(ap);
}

static void link_diff(struct worker *w, const struct pf_task *t,
                      const char *src, const char *dst, char *d, size_t dsz)
{
    struct pf_root *r = wk_root(w, t->root);
    char a[PF_PATH_MAX], b[PF_PATH_MAX];
    ssize_t na = r->src_ep->ops->readlink(r->src_ep, src, a, sizeof(a) - 1);
    ssize_t nb = r->dst_ep->ops->readlink
                     ? r->dst_ep->ops->readlink(r->dst_ep, dst, b, sizeof(b) - 1)
                     : -ENOTSUP;
    if (na < 0 || nb < 0 || na != nb || memcmp(a, b, (size_t)na) != 0)
        note(d, dsz, "link target");
}

/* Metadata differences of an existing destination entry, as text. */
static void meta_diff(struct worker *w, const struct pf_task *t,
                      const char *src, const char *dst,
                      const struct stat *b, char *d, size_t dsz)
{
    const struct stat *a = &t->st;
    d[0] = '\0';
    if ((a->st_mode & S_IFMT) != (b->st_mode & S_IFMT)) {
        note(d, dsz, "type");
        return;
    }
    if (S_ISREG(a->st_mode) && a->st_size != b->st_size)
        note(d, dsz, "size %lld != %lld", (long long)a->st_size,
             (long long)b->st_size);
    if (!S_ISLNK(a->st_mode) && (a->st_mode & 07777) != (b->st_mode & 07777))
        note(d, dsz, "mode %04o != %04o", a->st_mode & 07777,
             b->st_mode & 07777);
    if (a->st_uid != b->st_uid || a->st_gid != b->st_gid)
        note(d, dsz, "owner %u:%u != %u:%u", a->st_uid, a->st_gid, b->st_uid,
             b->st_gid);
    if (a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
        a->st_mtim.tv_nsec != b->st_mtim.tv_nsec)
        note(d, dsz, "mtime %lld.%09ld != %lld.%09ld",
             (long long)a->st_mtim.tv_sec, a->st_mtim.tv_nsec,
             (long long)b->st_mtim.tv_sec, b->st_mtim.tv_nsec);
    if ((S_ISCHR(a->st_mode) || S_ISBLK(a->st_mode)) && a->st_rdev != b->st_rdev)
        note(d, dsz, "device number");
    if (S_ISLNK(a->st_mode))
        link_diff(w, t, src, dst, d, dsz);
}

static void report_differ(struct worker *w, const char *dst, const char *what)
{
    w->st.differ++;
    wk_line(w, "differs: %s: %s", dst, what);
}

/* Compare metadata; 1 differ (reported), 0 same, -1 missing/error. */
static int compare_meta(struct worker *w, const struct pf_task *t,
                        const char *src, const char *dst)
{
    struct pf_root *r = wk_root(w, t->root);
    struct stat b;
    char d[DIFF_TEXT_MAX];
    int rc = r->dst_ep->ops->lstat(r->dst_ep, dst, &b);
    if (rc == -ENOENT) {
        w->st.differ++;
        wk_line(w, "missing in destination: %s", dst);
        return -1;
    }
    if (rc < 0) {
        wk_error(w, dst, "stat", rc);
        return -1;
    }
    meta_diff(w, t, src, dst, &b, d, sizeof(d));
    if (d[0] == '\0')
        return 0;
    report_differ(w, dst, d);
    return 1;
}

static int open_pair(struct worker *w, struct ep *aep, const char *a,
                     struct ep_file **af, struct ep *bep, const char *b,
                     struct ep_file **bf)
{
    int rc = aep->ops->open(aep, a, af);
    if (rc < 0) {
        wk_error(w, a, "opening", rc);
        return rc;
    }
    rc = bep->ops->open ? bep->ops->open(bep, b, bf) : -ENOTSUP;
    if (rc < 0) {
        wk_error(w, b, "opening", rc);
        aep->ops->close(*af);
    }
    return rc;
}

int compare_range(struct worker *w, struct ep *aep, struct ep_file *af,
                  struct ep *bep, struct ep_file *bf, off_t off, off_t len,
                  int *differ)
{
    char *b2 = second_buf(w);
    off_t end = off + len;
    *differ = 0;
    while (off < end && !*differ) {
        size_t want = w->o->block_size;
        if ((off_t)want > end - off)
            want = (size_t)(end - off);
        ssize_t na = aep->ops->pread(af, w->buf, want, off);
        if (na < 0)
            return (int)na;
        ssize_t nb = bep->ops->pread(bf, b2, (size_t)na, off);
        if (nb < 0)
            return (int)nb;
        if (na == 0 || nb != na || memcmp(w->buf, b2, (size_t)na) != 0)
            *differ = 1;
        off += na;
        if (off < end)
            wk_service(w);
    }
    return 0;
}

int compare_files(struct worker *w, struct ep *aep, const char *a,
                  struct ep *bep, const char *b, off_t size)
{
    struct ep_file *af, *bf;
    int differ = 0;
    int rc = open_pair(w, aep, a, &af, bep, b, &bf);
    if (rc < 0)
        return rc;
    rc = compare_range(w, aep, af, bep, bf, 0, size, &differ);
    if (rc < 0)
        wk_error(w, b, "reading to compare", rc);
    aep->ops->close(af);
    bep->ops->close(bf);
    return rc < 0 ? rc : differ;
}

static int checksum_differs(struct worker *w, const struct pf_task *t,
                            const char *src, const char *dst);

void compare_item(struct worker *w, const struct pf_task *t)
{
    struct pf_root *r = wk_root(w, t->root);
    char src[PF_PATH_MAX], dst[PF_PATH_MAX];
    if (wk_task_paths(w, t, src, dst, NULL) < 0) {
        wk_done(w, t, ST_FAILED);
        return;
    }
    int rc = compare_meta(w, t, src, dst);
    w->st.files_done++;
    if (rc == 0 && S_ISREG(t->st.st_mode) && (w->o->contents || w->o->checksum)) {
        w->st.bytes_done += (uint64_t)t->st.st_size;
        if (w->o->checksum && r->dst_ep->ops->file_checksum)
            rc = checksum_differs(w, t, src, dst);
        else
            rc = compare_files(w, r->src_ep, src, r->dst_ep, dst, t->st.st_size);
        if (rc == 1)
            report_differ(w, dst, "contents");
    }
    if (w->o->verbose && rc == 0)
        wk_line(w, "same: %s", dst);
    wk_done(w, t, rc == 0 ? ST_OK : rc > 0 ? ST_DIFFER : ST_FAILED);
}

/* --checksum: the source's CRC computed here against the stored one. */
static int checksum_differs(struct worker *w, const struct pf_task *t,
                            const char *src, const char *dst)
{
    struct pf_root *r = wk_root(w, t->root);
    uint64_t stored = 0, crc = 0;
    int rc = r->dst_ep->ops->file_checksum(r->dst_ep, dst, &stored);
    if (rc == -ENOTSUP)
        return compare_files(w, r->src_ep, src, r->dst_ep, dst, t->st.st_size);
    if (rc < 0) {
        wk_error(w, dst, "reading the stored checksum", rc);
        return rc;
    }
    rc = ep_checksum_file(r->src_ep, src, t->st.st_size, w->buf,
                          w->o->block_size, &crc);
    if (rc < 0) {
        wk_error(w, src, "computing the checksum", rc);
        return rc;
    }
    return crc != stored;
}

int compare_dir_top(struct worker *w, const struct pf_task *t)
{
    struct pf_root *r = wk_root(w, t->root);
    char src[PF_PATH_MAX], dst[PF_PATH_MAX];
    if (path_join(src, sizeof(src), r->src, t->rel) < 0 ||
        path_join(dst, sizeof(dst), r->dst, t->rel) < 0)
        return -1;
    int rc = compare_meta(w, t, src, dst);
    return rc < 0 ? 1 : 0;
}

/* Entries of the destination directory the source does not have. */
void compare_extras(struct worker *w, struct ep_dir *srcdir, const char *rel,
                    uint16_t root)
{
    struct pf_root *r = wk_root(w, root);
    struct ep *sep = r->src_ep, *dep = r->dst_ep;
    char dst[PF_PATH_MAX], path[PF_PATH_MAX], sub[PF_PATH_MAX];
    struct ep_dir *dd;
    struct ep_dirent de;
    struct stat st;
    if (path_join(dst, sizeof(dst), r->dst, rel) < 0 || dep->ops->opendir == NULL ||
        dep->ops->opendir(dep, dst, &dd) < 0)
        return;
    int rc;
    while ((rc = dep->ops->readdir(dd, &de)) > 0) {
        if (path_join(sub, sizeof(sub), rel, de.name) < 0 ||
            filter_excluded(w->o, sub, de.d_type == DT_DIR))
            continue;
        if (sep->ops->dstat)
            rc = sep->ops->dstat(srcdir, de.name, &st);
        else if (path_join(path, sizeof(path), r->src, sub) == 0)
            rc = sep->ops->lstat(sep, path, &st);
        if (rc == -ENOENT && path_join(path, sizeof(path), dst, de.name) == 0) {
            w->st.differ++;
            wk_line(w, "only in destination: %s", path);
        }
    }
    if (rc < 0)
        wk_error(w, dst, "reading directory", rc);
    dep->ops->closedir(dd);
}

static void cm_prep_report(struct worker *w, const struct pf_task *t,
                           enum pf_status s, uint64_t chunk)
{
    struct pf_done d = {.type = T_BIGPREP, .status = (uint8_t)s,
                        .parent = t->parent, .id = t->id};
    if (s == ST_OK) {
        d.chunk = chunk;
        d.nchunks = ((uint64_t)t->st.st_size + chunk - 1) / chunk;
    }
    wk_done_rec(w, &d);
}

/* pfcm of a big file: metadata here, then contents chunk by chunk. */
void compare_big_prep(struct worker *w, const struct pf_task *t)
{
    struct pf_root *r = wk_root(w, t->root);
    char src[PF_PATH_MAX], dst[PF_PATH_MAX];
    if (wk_task_paths(w, t, src, dst, NULL) < 0) {
        cm_prep_report(w, t, ST_FAILED, 0);
        return;
    }
    int rc = compare_meta(w, t, src, dst);
    if (rc != 0) {
        w->st.files_done++;
        cm_prep_report(w, t, rc > 0 ? ST_DIFFER : ST_FAILED, 0);
        return;
    }
    cm_prep_report(w, t, ST_OK, r->chunk);
}

void compare_chunk(struct worker *w, const struct pf_task *t)
{
    struct pf_root *r = wk_root(w, t->root);
    char src[PF_PATH_MAX], dst[PF_PATH_MAX];
    struct ep_file *af, *bf;
    int differ = 0;
    int rc = path_join(src, sizeof(src), r->src, t->rel);
    if (rc == 0)
        rc = path_join(dst, sizeof(dst), r->dst, t->rel);
    if (rc == 0 && (rc = open_pair(w, r->src_ep, src, &af, r->dst_ep, dst, &bf)) == 0) {
        rc = compare_range(w, r->src_ep, af, r->dst_ep, bf, (off_t)t->off,
                           (off_t)t->len, &differ);
        if (rc < 0)
            wk_error(w, dst, "reading to compare", rc);
        r->src_ep->ops->close(af);
        r->dst_ep->ops->close(bf);
    }
    w->st.chunks_done++;
    w->st.bytes_done += t->len;
    wk_done(w, t, rc < 0 ? ST_FAILED : differ ? ST_DIFFER : ST_OK);
}

void compare_big_fin(struct worker *w, const struct pf_task *t)
{
    struct pf_root *r = wk_root(w, t->root);
    char dst[PF_PATH_MAX];
    path_join(dst, sizeof(dst), r->dst, t->rel);
    w->st.files_done++;
    if (t->flags & TF_DIFFER)
        report_differ(w, dst, "contents");
    else if (w->o->verbose && !(t->flags & TF_ABANDON))
        wk_line(w, "same: %s", dst);
    wk_done(w, t, (t->flags & TF_ABANDON) ? ST_FAILED
                  : (t->flags & TF_DIFFER) ? ST_DIFFER : ST_OK);
}
