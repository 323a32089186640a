/*
 * recover_check.c - --check: the objects against the live metadata tree,
 * through the API.
 *
 * Forward: every complete file found in the objects (its newest version)
 * must exist at its recorded path with the same size, owner and mode, a
 * stored checksum equal to the CRC of the data read from the objects
 * (and, with --bytes, the same CRC when read through the API).
 * Backward: every complete regular file of the tree (in this repo's
 * namespaces) must be held by some object.  Records keep the path a file
 * was created under, so a renamed file shows as "missing" plus "orphan";
 * a file removed but not yet garbage-collected shows as "missing".
 * Incomplete files (writer died) are reported but are not differences
 * when the tree agrees that they are incomplete.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "marfs.h"
#include "recover.h"

struct ck {
    struct rc_cat *cat;
    const struct rc_opts *o;
    const struct mcfg *cfg;
    marfs_ctx_t *ctx;
    struct rc_reader *rd;
    char *buf;
};

__attribute__((format(printf, 3, 4)))
static void differs(struct ck *c, const char *kind, const char *fmt, ...)
{
    va_list ap;
    printf("%s ", kind);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    c->cat->differences++;
}

static int live_path(struct ck *c, const char *rel, char *buf)
{
    int n = snprintf(buf, PATH_MAX, "%s%s", c->cfg->mnt_top, rel);
    return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* CRC of the live file read through the API (--bytes). */
static int live_crc(struct ck *c, const char *path, uint64_t *crc)
{
    marfs_fh_t *fh;
    int rc = marfs_open(c->ctx, path, O_RDONLY, &fh);
    *crc = 0;
    if (rc < 0)
        return rc;
    for (;;) {
        ssize_t n = marfs_read(fh, c->buf, 1u << 20);
        if (n <= 0) {
            rc = (int)n;
            break;
        }
        *crc = marfs_checksum_update(*crc, c->buf, (size_t)n);
    }
    marfs_close(fh);
    return rc;
}

static void compare_attrs(struct ck *c, const struct rc_file *f,
                          const struct stat *st)
{
    if ((uint64_t)st->st_size != f->size)
        differs(c, "differs", "%s: size objects=%llu tree=%llu", f->path,
                (unsigned long long)f->size, (unsigned long long)st->st_size);
    if (st->st_uid != f->uid || st->st_gid != f->gid)
        differs(c, "differs", "%s: owner objects=%u:%u tree=%u:%u", f->path,
                (unsigned)f->uid, (unsigned)f->gid, (unsigned)st->st_uid,
                (unsigned)st->st_gid);
    if ((st->st_mode & 07777) != (f->mode & 07777))
        differs(c, "differs", "%s: mode objects=%04o tree=%04o", f->path,
                f->mode & 07777, (unsigned)(st->st_mode & 07777));
}

static void compare_data(struct ck *c, const struct rc_file *f,
                         const char *live)
{
    uint64_t crc;
    int rc = marfs_file_checksum(c->ctx, live, &crc);
    if (rc == -ENODATA && f->newer_incomplete)
        return;     /* a newer version is incomplete: reported on its own */
    if (rc < 0)
        differs(c, "differs", "%s: no checksum in the tree: %s", f->path,
                rc == -ENODATA ? "the file is not complete there"
                               : strerror(-rc));
    else if (crc != f->crc)
        differs(c, "differs", "%s: data crc objects=%016llx tree=%016llx",
                f->path, (unsigned long long)f->crc, (unsigned long long)crc);
    if (rc < 0 || crc != f->crc || !c->o->bytes)
        return;
    if ((rc = live_crc(c, live, &crc)) < 0)
        differs(c, "differs", "%s: cannot be read through the API: %s",
                f->path, strerror(-rc));
    else if (crc != f->crc)
        differs(c, "differs", "%s: bytes read crc objects=%016llx "
                "tree=%016llx", f->path, (unsigned long long)f->crc,
                (unsigned long long)crc);
}

static void check_complete(struct ck *c, struct rc_file *f)
{
    char live[PATH_MAX];
    struct stat st;
    if (rc_read_data(c->rd, f, NULL, NULL) < 0) {
        rc_print_problem(f);
        c->cat->differences++;
        return;
    }
    if (!c->o->quiet)
        rc_print_file(f);
    int rc = live_path(c, f->path, live);
    if (rc == 0)
        rc = marfs_lstat(c->ctx, live, &st);
    if (rc == -ENOENT)
        differs(c, "missing", "%s: in the objects, not in the metadata tree",
                f->path);
    else if (rc < 0)
        differs(c, "differs", "%s: %s", f->path, strerror(-rc));
    else if (!S_ISREG(st.st_mode))
        differs(c, "differs", "%s: not a regular file in the metadata tree",
                f->path);
    else {
        compare_attrs(c, f, &st);
        compare_data(c, f, live);
    }
}

/* An incomplete newest version: a difference only if the tree holds a
 * complete file there and no complete version exists in the objects. */
static void check_incomplete(struct ck *c, size_t i)
{
    struct rc_file *f = &c->cat->files[i];
    char live[PATH_MAX];
    uint64_t crc;
    rc_print_problem(f);
    if (i > 0 && strcmp(c->cat->files[i - 1].path, f->path) == 0)
        return;     /* not the newest version */
    for (size_t j = i + 1; j < c->cat->nfiles &&
                           strcmp(c->cat->files[j].path, f->path) == 0; j++)
        if (c->cat->files[j].state == RC_COMPLETE)
            return;
    if (live_path(c, f->path, live) == 0 &&
        marfs_file_checksum(c->ctx, live, &crc) == 0)
        differs(c, "differs", "%s: complete in the metadata tree, but its "
                "objects are not", f->path);
}

static void check_forward(struct ck *c)
{
    for (size_t i = 0; i < c->cat->nfiles; i++) {
        struct rc_file *f = &c->cat->files[i];
        if (f->state == RC_COMPLETE)
            check_complete(c, f);
        else if (f->state == RC_INCOMPLETE)
            check_incomplete(c, i);
        else if (f->state == RC_DAMAGED) {
            rc_print_problem(f);
            c->cat->differences++;
        }
    }
}

/* Regular files of the tree seen by the backward walk: those some
 * object holds (by inode), and those none holds at their path. */
struct seen {
    dev_t dev;
    ino_t ino;
    char *path;                /* unmatched files only */
};

struct walk {
    struct seen *v;
    size_t n, cap;
};

static int push_seen(struct walk *w, const struct stat *st, const char *path)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        void *p = realloc(w->v, cap * sizeof(*w->v));
        if (p == NULL)
            return -ENOMEM;
        w->v = p;
        w->cap = cap;
    }
    w->v[w->n] = (struct seen){st->st_dev, st->st_ino, NULL};
    if (path != NULL && (w->v[w->n].path = strdup(path)) == NULL)
        return -ENOMEM;
    w->n++;
    return 0;
}

static void live_file(struct ck *c, struct walk *held, struct walk *unheld,
                      const char *path, const struct stat *st)
{
    const struct mcfg_ns *ns;
    const char *rel = path + strlen(c->cfg->mnt_top);
    if (mcfg_lookup(c->cfg, path, &ns, NULL, 0) < 0 ||
        ns->repo != c->cat->repo)
        return;
    int rc = rc_find(c->cat, rel) ? push_seen(held, st, NULL)
                                  : push_seen(unheld, st, path);
    if (rc < 0)
        differs(c, "unwalked", "%s: %s", rel, strerror(-rc));
}

static void walk_tree(struct ck *c, const char *path, struct walk *held,
                      struct walk *unheld)
{
    marfs_dh_t *dh;
    struct dirent *de;
    struct stat st;
    char child[PATH_MAX];
    int err = 0, rc = marfs_opendir(c->ctx, path, &dh);
    if (rc < 0) {
        differs(c, "unwalked", "%s: %s", path, strerror(-rc));
        return;
    }
    while ((de = marfs_readdir(dh, &err)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            snprintf(child, sizeof(child), "%s/%s", path, de->d_name) >=
                (int)sizeof(child) ||
            marfs_lstat(c->ctx, child, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode))
            walk_tree(c, child, held, unheld);
        else if (S_ISREG(st.st_mode))
            live_file(c, held, unheld, child, &st);
    }
    if (err < 0)
        differs(c, "unwalked", "%s: %s", path, strerror(-err));
    marfs_closedir(dh);
}

static int by_inode(const void *a, const void *b)
{
    const struct seen *x = a, *y = b;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* A tree file no object holds at its path: incomplete (a note), another
 * link of a file held under another path (a note), or an orphan. */
static void judge_unheld(struct ck *c, struct walk *held,
                         const struct seen *u)
{
    const char *rel = u->path + strlen(c->cfg->mnt_top);
    uint64_t crc;
    if (marfs_file_checksum(c->ctx, u->path, &crc) == -ENODATA)
        printf("incomplete %s: in the metadata tree only, not complete and "
               "in no object (its writer died?)\n", rel);
    else if (held->n > 0 &&
             bsearch(u, held->v, held->n, sizeof(*held->v), by_inode))
        printf("linked %s: a hard link; the objects record another path of "
               "this file\n", rel);
    else
        differs(c, "orphan", "%s: in the metadata tree, but no object "
                "holds it", rel);
}

static void check_backward(struct ck *c)
{
    struct walk held = {0}, unheld = {0};
    walk_tree(c, c->cfg->mnt_top, &held, &unheld);
    if (held.n > 1)
        qsort(held.v, held.n, sizeof(*held.v), by_inode);
    for (size_t i = 0; i < unheld.n; i++) {
        judge_unheld(c, &held, &unheld.v[i]);
        free(unheld.v[i].path);
    }
    free(held.v);
    free(unheld.v);
}

int rc_check(struct rc_cat *cat, const struct rc_opts *o,
             const struct mcfg *cfg)
{
    struct ck c = {.cat = cat, .o = o, .cfg = cfg};
    int rc = marfs_init(o->config, MARFS_BATCH, &c.ctx);
    if (rc < 0) {
        fprintf(stderr, "%s: %s: cannot open the metadata tree: %s\n",
                o->prog, o->config, strerror(-rc));
        return rc;
    }
    c.rd = rc_reader_new(cat);
    c.buf = malloc(1u << 20);
    if (c.rd != NULL && c.buf != NULL) {
        check_forward(&c);
        check_backward(&c);
    } else {
        rc = -ENOMEM;
    }
    free(c.buf);
    rc_reader_free(c.rd);
    marfs_term(c.ctx);
    return rc;
}
