/*
 * dal_test.h - helpers shared by the DAL unit tests (header only).
 *
 * Owns: a scratch directory under /tmp that is removed afterwards, repo
 * and <DAL> structs built in memory (no XML needed), capturing the log
 * to check that errors name what they are about, and small I/O helpers.
 * Include after <cmocka.h>.
 */
#ifndef MARFS_DAL_TEST_H
#define MARFS_DAL_TEST_H

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dal.h"
#include "log.h"

/* snprintf that fails the test instead of truncating. */
static inline void dt_fmt(char *buf, size_t sz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void dt_fmt(char *buf, size_t sz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sz, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sz);
}

/* ---- scratch directory ------------------------------------------------- */

static inline void dt_mkdtemp(char *buf, size_t sz)
{
    dt_fmt(buf, sz, "/tmp/marfs-dal-test-XXXXXX");
    assert_non_null(mkdtemp(buf));
}

static inline int dt_rm_one(const char *p, const struct stat *st, int flag,
                            struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static inline void dt_rmtree(const char *dir)
{
    nftw(dir, dt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- repo and DAL config ---------------------------------------------- */

struct dt_repo {
    struct mcfg_repo repo;
};

/* A repo with n+e blocks and the given level counts, all weights 1. */
static inline void dt_repo_init(struct dt_repo *r, unsigned n, unsigned e,
                                unsigned pods, unsigned caps,
                                unsigned scatters)
{
    memset(r, 0, sizeof(*r));
    r->repo.name = "test";
    r->repo.n = n;
    r->repo.e = e;
    r->repo.psz = 65536;
    r->repo.pods = (struct mcfg_dist){pods, 1, NULL};
    r->repo.caps = (struct mcfg_dist){caps, 1, NULL};
    r->repo.scatters = (struct mcfg_dist){scatters, 1, NULL};
}

#define DT_MAX_PARAMS 16

/* A <DAL> element built in memory. */
struct dt_dal {
    struct mcfg_dal dal;
    struct mcfg_param params[DT_MAX_PARAMS];
    char text[DT_MAX_PARAMS][512];
};

static inline void dt_dal_init(struct dt_dal *d, const char *type,
                               const struct mcfg_dal *inner)
{
    memset(d, 0, sizeof(*d));
    d->dal.type = type;
    d->dal.line = 0;
    d->dal.params = d->params;
    d->dal.inner = inner;
}

static inline void dt_dal_param(struct dt_dal *d, const char *key,
                                const char *value)
{
    size_t i = d->dal.nparams++;
    assert_true(i < DT_MAX_PARAMS);
    dt_fmt(d->text[i], sizeof(d->text[i]), "%s", value);
    d->params[i] = (struct mcfg_param){key, d->text[i], (int)i + 10};
}

/* A posix <DAL> rooted at root with template pod{p}/block{b}/cap{c}/scat{s}. */
static inline void dt_posix(struct dt_dal *d, const char *root)
{
    dt_dal_init(d, "posix", NULL);
    dt_dal_param(d, "sec_root", root);
    dt_dal_param(d, "dir_template", "pod{p}/block{b}/cap{c}/scat{s}");
}

/* ---- log capture ------------------------------------------------------- */

static FILE *dt_log_file;

static inline void dt_log_capture(void)
{
    dt_log_file = tmpfile();
    assert_non_null(dt_log_file);
    mlog_set_stream(dt_log_file);
}

/* What was logged since dt_log_capture (malloc'ed); stops capturing. */
static inline char *dt_log_take(void)
{
    long n;
    fflush(dt_log_file);
    n = ftell(dt_log_file);
    char *s = calloc(1, (size_t)n + 1);
    rewind(dt_log_file);
    assert_int_equal(fread(s, 1, (size_t)n, dt_log_file), (size_t)n);
    fclose(dt_log_file);
    dt_log_file = NULL;
    mlog_set_stream(NULL);
    return s;
}

/* Assert the captured log contains every one of the NULL-ended needles. */
static inline void dt_log_expect(const char *first, ...)
{
    va_list ap;
    char *log = dt_log_take();
    va_start(ap, first);
    for (const char *s = first; s != NULL; s = va_arg(ap, const char *)) {
        if (strstr(log, s) == NULL)
            fail_msg("log lacks '%s'; it was:\n%s", s, log);
    }
    va_end(ap);
    free(log);
}

/* ---- I/O helpers ------------------------------------------------------- */

/* Deterministic test data: byte i of stream seed. */
static inline unsigned char dt_byte(unsigned seed, uint64_t i)
{
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ULL ^ seed;
    x ^= x >> 29;
    return (unsigned char)(x * 0xBF58476D1CE4E5B9ULL >> 56);
}

static inline void dt_fill(unsigned char *buf, size_t len, unsigned seed,
                           uint64_t off)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = dt_byte(seed, off + i);
}

/* Write a whole block (data of len bytes from stream seed, optional meta)
 * in puts of at most chunk bytes. */
static inline int dt_write(dal_t *dal, const struct dal_loc *loc,
                           const char *obj, size_t len, unsigned seed,
                           size_t chunk, const char *meta)
{
    dal_block_t *b;
    int rc = dal->ops->open_write(dal, loc, obj, &b);
    if (rc < 0)
        return rc;
    unsigned char *buf = malloc(chunk ? chunk : 1);
    for (size_t off = 0; off < len && rc >= 0; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        dt_fill(buf, n, seed, off);
        ssize_t w = dal->ops->put(b, buf, n);
        rc = w < 0 ? (int)w : w == (ssize_t)n ? 0 : -EIO;
    }
    free(buf);
    if (rc == 0 && meta != NULL)
        rc = dal->ops->set_meta(b, meta, strlen(meta));
    if (rc < 0) {
        dal->ops->abort(b);
        return rc;
    }
    return dal->ops->close(b);
}

/* Read len bytes at off from an open block and check them against stream
 * seed; returns what get returned. */
static inline ssize_t dt_check(dal_block_t *b, uint64_t off, size_t len,
                               unsigned seed)
{
    unsigned char *buf = malloc(len ? len : 1);
    ssize_t n = b->dal->ops->get(b, buf, len, off);
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] != dt_byte(seed, off + (uint64_t)i)) {
            free(buf);
            fail_msg("byte %llu differs", (unsigned long long)(off + i));
        }
    free(buf);
    return n;
}

/* Number of directory entries (other than . and ..) and of those
 * starting with '.'. */
static inline int dt_count_entries(const char *dir, int *hidden)
{
    DIR *dp = opendir(dir);
    struct dirent *de;
    int n = 0;
    if (hidden)
        *hidden = 0;
    if (dp == NULL)
        return -1;
    while ((de = readdir(dp)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        n++;
        if (hidden && de->d_name[0] == '.')
            (*hidden)++;
    }
    closedir(dp);
    return n;
}

/* list() callback collecting names into a '\n'-joined sorted string. */
struct dt_names {
    char *v[64];
    int n;
};

static inline int dt_collect(const char *obj, void *arg)
{
    struct dt_names *ns = arg;
    assert_true(ns->n < 64);
    ns->v[ns->n++] = strdup(obj);
    return 0;
}

static inline int dt_cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, '|'-joined names listed at loc (static buffer). */
static inline const char *dt_list(dal_t *dal, const struct dal_loc *loc)
{
    static char out[8192];
    struct dt_names ns = {.n = 0};
    int rc = dal->ops->list(dal, loc, dt_collect, &ns);
    if (rc < 0) {
        snprintf(out, sizeof(out), "error %d", rc);
        return out;
    }
    qsort(ns.v, (size_t)ns.n, sizeof(ns.v[0]), dt_cmpstr);
    out[0] = '\0';
    for (int i = 0; i < ns.n; i++) {
        strncat(out, i ? "|" : "", sizeof(out) - strlen(out) - 1);
        strncat(out, ns.v[i], sizeof(out) - strlen(out) - 1);
        free(ns.v[i]);
    }
    return out;
}

#endif
