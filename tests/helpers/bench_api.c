/*
 * bench_api.c - the C side of scripts/bench-marfs: times the near-POSIX
 * API on the workloads the script compares with cp -a and dd.
 *
 *   bench_api init CONFIG
 *       create the repo's data locations (as marfs-verifyconf --fix) and
 *       its metadata root
 *   bench_api gen DIR NFILES SIZE [PERDIR]
 *       a plain POSIX tree of NFILES files of SIZE bytes, PERDIR per
 *       directory (the source tree for cp -a)
 *   bench_api small CONFIG MPATH NFILES SIZE [PERDIR]
 *       create+write+close the same tree under marfs path MPATH, all
 *       files in one packed stream (marfs_creat with prev)
 *   bench_api smallwhole CONFIG MPATH NFILES SIZE [PERDIR]
 *       the same with marfs_creat_whole (inodes made at publication, in
 *       their final state); every file's outcome is checked
 *   bench_api readsmall CONFIG MPATH NFILES SIZE [PERDIR]
 *       open+read+close every file of that tree, checking its bytes
 *   bench_api write CONFIG MPATH SIZE [BS]
 *       one file of SIZE bytes in BS-byte writes (default 4 MiB)
 *   bench_api read CONFIG MPATH [BS]
 *       read it back sequentially, checking its bytes
 *
 * Each timed mode prints one line of key=value pairs (mode, count,
 * bytes, secs, rate) and exits 0, or 1 with a message on any error.
 * Sizes take K/M/G suffixes (powers of 1024).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "marfs_config.h"
#include "dal.h"
#include "marfs.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t size_arg(const char *s)
{
    uint64_t v;
    if (mcfg_parse_size(s, &v) != 0) {
        fprintf(stderr, "bench_api: bad size '%s'\n", s);
        exit(2);
    }
    return v;
}

static void die(const char *what, const char *path, int rc)
{
    fprintf(stderr, "bench_api: %s %s: %s\n", what, path, strerror(-rc));
    exit(1);
}

/* File i's bytes: its index in the first 8 bytes, then a fixed pattern. */
static void file_bytes(uint8_t *buf, size_t len, uint64_t i)
{
    for (size_t k = 0; k < len; k++)
        buf[k] = (uint8_t)(k * 31 + 7);
    memcpy(buf, &i, len < 8 ? len : 8);
}

static void big_bytes(uint8_t *buf, size_t len)
{
    uint64_t x = 88172645463325252ULL;
    for (size_t k = 0; k + 8 <= len; k += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(buf + k, &x, 8);
    }
}

static void report(const char *mode, uint64_t count, uint64_t bytes,
                   double secs)
{
    printf("mode=%s count=%" PRIu64 " bytes=%" PRIu64 " secs=%.3f "
           "files_per_s=%.0f gb_per_s=%.3f\n", mode, count, bytes, secs,
           (double)count / secs, (double)bytes / secs / 1e9);
}

static int do_init(const char *conf)
{
    const struct mcfg *cfg;
    int rc = dal_config_load(conf, stderr, &cfg);
    if (rc < 0)
        die("load", conf, rc);
    for (size_t i = 0; i < cfg->nrepos; i++) {
        const struct mcfg_repo *r = &cfg->repos[i];
        dal_t *dal;
        if (mkdir(r->ns_root, 0700) != 0 && errno != EEXIST)
            die("mkdir", r->ns_root, -errno);
        if ((rc = dal_create(r->dal, r, &dal)) < 0)
            die("DAL of repo", r->name, rc);
        if ((rc = dal->ops->verify(dal, 1)) < 0)
            die("create data locations of repo", r->name, rc);
        dal_destroy(dal);
    }
    mcfg_free(cfg);
    return 0;
}

static void file_path(char *buf, size_t sz, const char *top, uint64_t i,
                      uint64_t perdir)
{
    snprintf(buf, sz, "%s/d%04" PRIu64 "/f%06" PRIu64, top, i / perdir, i);
}

static int do_gen(const char *dir, uint64_t n, uint64_t size, uint64_t perdir)
{
    char path[4096];
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL || (mkdir(dir, 0755) != 0 && errno != EEXIST))
        die("mkdir", dir, -errno);
    for (uint64_t i = 0; i < n; i++) {
        if (i % perdir == 0) {
            snprintf(path, sizeof(path), "%s/d%04" PRIu64, dir, i / perdir);
            if (mkdir(path, 0755) != 0 && errno != EEXIST)
                die("mkdir", path, -errno);
        }
        file_path(path, sizeof(path), dir, i, perdir);
        file_bytes(buf, size, i);
        int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
        if (fd < 0 || write(fd, buf, size) != (ssize_t)size || close(fd) != 0)
            die("write", path, -errno);
    }
    free(buf);
    return 0;
}

static marfs_ctx_t *init(const char *conf)
{
    marfs_ctx_t *ctx;
    int rc = marfs_init(conf, MARFS_BATCH, &ctx);
    if (rc < 0)
        die("marfs_init", conf, rc);
    return ctx;
}

static void term(marfs_ctx_t *ctx)
{
    int rc = marfs_term(ctx);
    if (rc < 0)
        die("marfs_term", "", rc);
}

/* marfs_creat_whole outcomes: a failed file fails the run. */
static uint64_t whole_ok, whole_failed;

static void whole_done(void *arg, const char *path, int status)
{
    (void)arg;
    if (status == 0) {
        whole_ok++;
        return;
    }
    whole_failed++;
    fprintf(stderr, "bench_api: %s: %s\n", path, strerror(-status));
}

static int creat_one(marfs_ctx_t *ctx, const char *path, int whole,
                     marfs_fh_t *prev, marfs_fh_t **fh)
{
    return whole ? marfs_creat_whole(ctx, path, 0644, prev, whole_done, NULL, fh)
                 : marfs_creat(ctx, path, 0644, prev, fh);
}

static int do_small(const char *conf, const char *top, uint64_t n,
                    uint64_t size, uint64_t perdir, int whole)
{
    char path[4096];
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL)
        die("malloc", "", -ENOMEM);
    marfs_ctx_t *ctx = init(conf);
    marfs_fh_t *fh = NULL;
    int rc;
    double t0 = now();
    if ((rc = marfs_mkdir(ctx, top, 0755)) < 0 && rc != -EEXIST)
        die("marfs_mkdir", top, rc);
    for (uint64_t i = 0; i < n; i++) {
        if (i % perdir == 0) {
            snprintf(path, sizeof(path), "%s/d%04" PRIu64, top, i / perdir);
            if ((rc = marfs_mkdir(ctx, path, 0755)) < 0 && rc != -EEXIST)
                die("marfs_mkdir", path, rc);
        }
        file_path(path, sizeof(path), top, i, perdir);
        file_bytes(buf, size, i);
        if ((rc = creat_one(ctx, path, whole, fh, &fh)) < 0)
            die(whole ? "marfs_creat_whole" : "marfs_creat", path, rc);
        ssize_t w = marfs_write(fh, buf, size);
        if (w != (ssize_t)size)
            die("marfs_write", path, w < 0 ? (int)w : -EIO);
    }
    if (fh != NULL && (rc = marfs_close(fh)) < 0)
        die("marfs_close", path, rc);
    double t1 = now();
    term(ctx);
    if (whole && (whole_failed > 0 || whole_ok != n)) {
        fprintf(stderr, "bench_api: %" PRIu64 " of %" PRIu64 " files stored, "
                "%" PRIu64 " failed\n", whole_ok, n, whole_failed);
        return 1;
    }
    report(whole ? "smallwhole" : "small", n, n * size, t1 - t0);
    free(buf);
    return 0;
}

static int do_readsmall(const char *conf, const char *top, uint64_t n,
                        uint64_t size, uint64_t perdir)
{
    char path[4096];
    uint8_t *buf = malloc(size + 1), *want = malloc(size + 1);
    if (buf == NULL || want == NULL)
        die("malloc", "", -ENOMEM);
    marfs_ctx_t *ctx = init(conf);
    double t0 = now();
    for (uint64_t i = 0; i < n; i++) {
        marfs_fh_t *fh;
        file_path(path, sizeof(path), top, i, perdir);
        int rc = marfs_open(ctx, path, O_RDONLY, &fh);
        if (rc < 0)
            die("marfs_open", path, rc);
        ssize_t r = marfs_read(fh, buf, size + 1);
        file_bytes(want, size, i);
        if (r != (ssize_t)size || memcmp(buf, want, size) != 0) {
            fprintf(stderr, "bench_api: %s reads back wrong (%zd bytes)\n",
                    path, r);
            return 1;
        }
        marfs_close(fh);
    }
    double t1 = now();
    term(ctx);
    report("readsmall", n, n * size, t1 - t0);
    free(buf);
    free(want);
    return 0;
}

static int do_write(const char *conf, const char *path, uint64_t size,
                    uint64_t bs)
{
    uint8_t *buf = malloc(bs);
    if (buf == NULL)
        die("malloc", "", -ENOMEM);
    big_bytes(buf, bs);
    marfs_ctx_t *ctx = init(conf);
    marfs_fh_t *fh;
    double t0 = now();
    int rc = marfs_creat(ctx, path, 0644, NULL, &fh);
    if (rc < 0)
        die("marfs_creat", path, rc);
    for (uint64_t off = 0; off < size; off += bs) {
        size_t n = size - off < bs ? (size_t)(size - off) : (size_t)bs;
        ssize_t w = marfs_write(fh, buf, n);
        if (w != (ssize_t)n)
            die("marfs_write", path, w < 0 ? (int)w : -EIO);
    }
    if ((rc = marfs_close(fh)) < 0)
        die("marfs_close", path, rc);
    double t1 = now();
    term(ctx);
    report("write", 1, size, t1 - t0);
    free(buf);
    return 0;
}

static int do_read(const char *conf, const char *path, uint64_t bs)
{
    uint8_t *buf = malloc(bs), *want = malloc(bs);
    if (buf == NULL || want == NULL)
        die("malloc", "", -ENOMEM);
    big_bytes(want, bs);
    marfs_ctx_t *ctx = init(conf);
    marfs_fh_t *fh;
    uint64_t total = 0;
    double t0 = now();
    int rc = marfs_open(ctx, path, O_RDONLY, &fh);
    if (rc < 0)
        die("marfs_open", path, rc);
    for (;;) {
        ssize_t r = marfs_read(fh, buf, bs);
        if (r < 0)
            die("marfs_read", path, (int)r);
        if (r == 0)
            break;
        if (memcmp(buf, want, (size_t)r) != 0) {
            fprintf(stderr, "bench_api: %s reads back wrong near byte %"
                    PRIu64 "\n", path, total);
            return 1;
        }
        total += (uint64_t)r;
    }
    marfs_close(fh);
    double t1 = now();
    term(ctx);
    report("read", 1, total, t1 - t0);
    free(buf);
    free(want);
    return 0;
}

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "";
    if (strcmp(m, "init") == 0 && argc == 3)
        return do_init(argv[2]);
    if (strcmp(m, "gen") == 0 && (argc == 5 || argc == 6))
        return do_gen(argv[2], size_arg(argv[3]), size_arg(argv[4]),
                      argc == 6 ? size_arg(argv[5]) : 1000);
    int whole = strcmp(m, "smallwhole") == 0;
    if ((whole || strcmp(m, "small") == 0) && (argc == 6 || argc == 7))
        return do_small(argv[2], argv[3], size_arg(argv[4]), size_arg(argv[5]),
                        argc == 7 ? size_arg(argv[6]) : 1000, whole);
    if (strcmp(m, "readsmall") == 0 && (argc == 6 || argc == 7))
        return do_readsmall(argv[2], argv[3], size_arg(argv[4]),
                            size_arg(argv[5]),
                            argc == 7 ? size_arg(argv[6]) : 1000);
    if (strcmp(m, "write") == 0 && (argc == 5 || argc == 6))
        return do_write(argv[2], argv[3], size_arg(argv[4]),
                        argc == 6 ? size_arg(argv[5]) : 4 << 20);
    if (strcmp(m, "read") == 0 && (argc == 4 || argc == 5))
        return do_read(argv[2], argv[3], argc == 5 ? size_arg(argv[4])
                                                   : 4 << 20);
    fprintf(stderr,
            "usage: bench_api init CONFIG\n"
            "       bench_api gen DIR NFILES SIZE [PERDIR]\n"
            "       bench_api small|smallwhole|readsmall CONFIG MPATH NFILES SIZE "
            "[PERDIR]\n"
            "       bench_api write CONFIG MPATH SIZE [BS]\n"
            "       bench_api read CONFIG MPATH [BS]\n");
    return 2;
}
