/*
 * test_api_nto1.c - N:1 writes: four processes (each with its own
 * marfs_init) write the chunks of one 64 MiB file in random order, the
 * parent finalizes; the file reads back exact and its stored checksum is
 * the CRC of the data.  A writer killed mid-chunk leaves a file that
 * reads as incomplete (EBUSY), never as data; writing the missing chunk
 * later completes it.  Also: argument checks, small and empty N:1 files,
 * chunk objects carry the recovery framing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_test_util.h"

#define CHUNK (4ULL << 20)
#define FSIZE (64ULL << 20)
#define NCHUNKS (FSIZE / CHUNK)
#define NWRITERS 4

static const struct at_cfg nto1_cfg = {.max_size = "4M"};

/* Chunk k's bytes depend only on k, so every process can make them. */
static void chunk_data(uint8_t *buf, uint64_t k, uint64_t len)
{
    at_fill(buf, len, 1000 + k);
}

/* In a child: write the listed chunks through a context of its own. */
static int child_write(const char *conf, const char *path,
                       const uint64_t *chunks, size_t n, uint64_t size,
                       uint64_t chunk, int kill_fd)
{
    marfs_ctx_t *ctx;
    marfs_fh_t *fh;
    if (marfs_init(conf, MARFS_BATCH, &ctx) != 0)
        return 10;
    if (marfs_open(ctx, path, O_WRONLY, &fh) != 0)
        return 11;
    uint64_t cs, nc;
    if (marfs_chunk_info(fh, &cs, &nc) != 0 || cs != chunk ||
        nc != (size + chunk - 1) / chunk)
        return 12;
    uint8_t *buf = malloc(chunk);
    if (buf == NULL)
        return 13;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = chunks[i];
        uint64_t len = size - k * chunk < chunk ? size - k * chunk : chunk;
        chunk_data(buf, k, len);
        if (kill_fd >= 0 && i == n - 1) {
            /* half a chunk, then wait to be killed */
            if (marfs_pwrite(fh, buf, len / 2, (off_t)(k * chunk)) !=
                (ssize_t)(len / 2))
                return 14;
            char c = 'k';
            if (write(kill_fd, &c, 1) != 1)
                return 15;
            for (;;)
                pause();
        }
        if (marfs_pwrite(fh, buf, len, (off_t)(k * chunk)) != (ssize_t)len)
            return 16;
    }
    free(buf);
    if (marfs_close(fh) != 0)
        return 17;
    return marfs_term(ctx) == 0 ? 0 : 18;
}

static void shuffle(uint64_t *a, size_t n, uint64_t seed)
{
    uint64_t x = seed;
    for (size_t i = n - 1; i > 0; i--) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t j = (size_t)((x >> 33) % (i + 1));
        uint64_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

static void check_file(struct at_env *env, const char *path, uint64_t size,
                       uint64_t chunk)
{
    uint8_t *want = malloc(size ? size : 1);
    assert_non_null(want);
    for (uint64_t k = 0; k * chunk < size; k++)
        chunk_data(want + k * chunk, k, size - k * chunk < chunk
                                            ? size - k * chunk : chunk);
    at_expect(env->ctx, path, want, size);   /* also the stored checksum */
    uint64_t crc = 0;
    assert_int_equal(marfs_file_checksum(env->ctx, path, &crc), 0);
    assert_true(crc == marfs_checksum_update(0, want, size));
    /* the combine function agrees with the chunk-wise CRCs */
    uint64_t comb = 0;
    for (uint64_t k = 0; k * chunk < size; k++) {
        uint64_t len = size - k * chunk < chunk ? size - k * chunk : chunk;
        comb = marfs_checksum_combine(
            comb, marfs_checksum_update(0, want + k * chunk, len), len);
    }
    assert_true(comb == crc);
    free(want);
}

static void test_nto1_four_writers(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, &nto1_cfg);
    const char *path = at_p("/big");
    marfs_fh_t *fh;
    assert_int_equal(marfs_creat(env.ctx, path, 0640, NULL, &fh), 0);
    assert_int_equal(marfs_set_size(fh, (off_t)FSIZE), 0);
    uint64_t cs = 0, nc = 0;
    assert_int_equal(marfs_chunk_info(fh, &cs, &nc), 0);
    assert_int_equal(cs, CHUNK);
    assert_int_equal(nc, NCHUNKS);
    struct stat st;
    assert_int_equal(marfs_stat(env.ctx, path, &st), 0);
    assert_int_equal(st.st_size, (off_t)FSIZE);
    marfs_fh_t *r;
    assert_int_equal(marfs_open(env.ctx, path, O_RDONLY, &r), -EBUSY);
    uint64_t order[NCHUNKS];
    for (uint64_t k = 0; k < NCHUNKS; k++)
        order[k] = k;
    shuffle(order, NCHUNKS, 7);
    pid_t pids[NWRITERS];
    for (int w = 0; w < NWRITERS; w++) {
        char list[NCHUNKS * 4] = "";
        size_t n = 0;
        for (uint64_t i = (uint64_t)w; i < NCHUNKS; i += NWRITERS)
            n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%" PRIu64,
                                  n ? "," : "", order[i]);
        char size[32];
        snprintf(size, sizeof(size), "%" PRIu64, (uint64_t)FSIZE);
        const char *args[] = {env.conf, path, size, list, "-1", NULL};
        pids[w] = at_spawn(args);
    }
    for (int w = 0; w < NWRITERS; w++) {
        int status = at_wait(pids[w]);
        if (status != 0)
            print_error("writer %d exited %d\n", w, status);
        assert_int_equal(status, 0);
    }
    assert_int_equal(marfs_open(env.ctx, path, O_RDONLY, &r), -EBUSY);
    assert_int_equal(marfs_finalize(fh), 0);
    assert_int_equal(marfs_close(fh), 0);
    assert_int_equal(marfs_stat(env.ctx, path, &st), 0);
    assert_int_equal(st.st_size, (off_t)FSIZE);
    assert_int_equal(st.st_mode & 07777, 0640);
    check_file(&env, path, FSIZE, CHUNK);
    /* one object per chunk, each [header][piece][record] */
    struct ftag t;
    at_tag(&env, "/", "big", &t);
    assert_int_equal(t.nto1, 1);
    assert_int_equal(t.state, FTAG_COMPLETE);
    char prefix[120];
    snprintf(prefix, sizeof(prefix), "%s/", t.stream);
    char **names;
    size_t n = at_objects(&env, prefix, &names);
    assert_int_equal(n, NCHUNKS);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(at_check_object(&env, names[i]), 1);
    at_free_names(names, n);
    /* the chunk markers are gone */
    char ref[PATH_MAX], marker[PATH_MAX + 32];
    at_ref_path(&env, "/", t.ref, ref, sizeof(ref));
    for (uint64_t k = 0; k < NCHUNKS; k++) {
        snprintf(marker, sizeof(marker), "%s#c%" PRIu64, ref, k);
        assert_int_equal(access(marker, F_OK), -1);
    }
    /* random ranges across chunk borders */
    uint8_t *buf = malloc(CHUNK + 100), *want = malloc(CHUNK + 100);
    assert_true(buf != NULL && want != NULL);
    assert_int_equal(marfs_open(env.ctx, path, O_RDONLY, &r), 0);
    for (uint64_t k = 1; k < NCHUNKS; k += 5) {
        uint64_t off = k * CHUNK - 50;
        assert_int_equal(marfs_pread(r, buf, 100, (off_t)off), 100);
        chunk_data(want, k - 1, CHUNK);
        assert_memory_equal(buf, want + CHUNK - 50, 50);
        chunk_data(want, k, CHUNK);
        assert_memory_equal(buf + 50, want, 50);
    }
    assert_int_equal(marfs_close(r), 0);
    free(buf);
    free(want);
    at_teardown(&env);
}

static void test_nto1_killed_writer(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, &nto1_cfg);
    const uint64_t size = 6 * CHUNK + 12345;   /* 7 chunks, last short */
    const char *path = at_p("/crash");
    marfs_fh_t *fh, *r;
    assert_int_equal(marfs_creat(env.ctx, path, 0644, NULL, &fh), 0);
    assert_int_equal(marfs_set_size(fh, (off_t)size), 0);
    /* the parent writes chunks 0, 2, 4, 6 itself */
    uint8_t *buf = malloc(CHUNK);
    assert_non_null(buf);
    for (uint64_t k = 0; k < 7; k += 2) {
        uint64_t len = k == 6 ? 12345 : CHUNK;
        chunk_data(buf, k, len);
        assert_int_equal(marfs_pwrite(fh, buf, len, (off_t)(k * CHUNK)),
                         (ssize_t)len);
    }
    /* a child writes 1 and 3, then is killed half-way through 5 */
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    char sz[32], fd[16];
    snprintf(sz, sizeof(sz), "%" PRIu64, size);
    snprintf(fd, sizeof(fd), "%d", pfd[1]);
    const char *args[] = {env.conf, path, sz, "1,3,5", fd, NULL};
    pid_t pid = at_spawn(args);
    close(pfd[1]);
    char c;
    assert_int_equal(read(pfd[0], &c, 1), 1);
    close(pfd[0]);
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(at_wait(pid), 1000 + SIGKILL);
    /* incomplete: not readable, not finalizable, no checksum */
    uint64_t crc;
    assert_int_equal(marfs_open(env.ctx, path, O_RDONLY, &r), -EBUSY);
    assert_int_equal(marfs_finalize(fh), -EBUSY);
    assert_int_equal(marfs_open(env.ctx, path, O_RDONLY, &r), -EBUSY);
    assert_int_equal(marfs_file_checksum(env.ctx, path, &crc), -ENODATA);
    /* ... also from a fresh context, as a later reader would see it */
    marfs_ctx_t *c2;
    assert_int_equal(marfs_init(env.conf, MARFS_BATCH, &c2), 0);
    assert_int_equal(marfs_open(c2, path, O_RDONLY, &r), -EBUSY);
    marfs_fh_t *w2;
    assert_int_equal(marfs_open(c2, path, O_WRONLY, &w2), 0);
    assert_int_equal(marfs_finalize(w2), -EBUSY);
    struct ftag t;
    at_tag(&env, "/", "crash", &t);
    assert_int_equal(t.state, FTAG_WRITING);
    /* chunk 5 has no marker, and no published object */
    char ref[PATH_MAX], marker[PATH_MAX + 32], prefix[120];
    at_ref_path(&env, "/", t.ref, ref, sizeof(ref));
    for (uint64_t k = 0; k < 7; k++) {
        snprintf(marker, sizeof(marker), "%s#c%" PRIu64, ref, k);
        assert_int_equal(access(marker, F_OK), k == 5 ? -1 : 0);
    }
    snprintf(prefix, sizeof(prefix), "%s/", t.stream);
    assert_int_equal(at_objects(&env, prefix, NULL), 6);
    /* writing the missing chunk through the second context completes it */
    chunk_data(buf, 5, CHUNK);
    assert_int_equal(marfs_pwrite(w2, buf, CHUNK / 3, (off_t)(5 * CHUNK)),
                     (ssize_t)(CHUNK / 3));
    assert_int_equal(marfs_finalize(w2), -EBUSY);   /* chunk half written */
    assert_int_equal(marfs_pwrite(w2, buf + CHUNK / 3, CHUNK - CHUNK / 3,
                                  (off_t)(5 * CHUNK + CHUNK / 3)),
                     (ssize_t)(CHUNK - CHUNK / 3));
    assert_int_equal(marfs_finalize(w2), 0);
    assert_int_equal(marfs_close(w2), 0);
    assert_int_equal(marfs_term(c2), 0);
    assert_int_equal(marfs_close(fh), 0);
    check_file(&env, path, size, CHUNK);
    assert_int_equal(at_objects(&env, prefix, NULL), 7);
    free(buf);
    at_teardown(&env);
}

static void test_nto1_args(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, &nto1_cfg);
    uint8_t *buf = at_data(CHUNK + 10, 5);
    marfs_fh_t *fh, *seq;
    uint64_t cs, nc;
    /* set_size only right after creat, not after data */
    seq = at_put(env.ctx, at_p("/seq"), buf, 10, 0, NULL);
    assert_int_equal(marfs_set_size(seq, 100), -EINVAL);
    assert_int_equal(marfs_chunk_info(seq, &cs, &nc), -EINVAL);
    assert_int_equal(marfs_pwrite(seq, buf, 10, 0), -EINVAL);
    assert_int_equal(marfs_finalize(seq), -EINVAL);
    assert_int_equal(marfs_close(seq), 0);
    assert_int_equal(marfs_creat(env.ctx, at_p("/n"), 0644, NULL, &fh), 0);
    assert_int_equal(marfs_set_size(fh, -1), -EINVAL);
    assert_int_equal(marfs_set_size(fh, (off_t)(2 * CHUNK + 10)), 0);
    assert_int_equal(marfs_write(fh, buf, 10), -EBADF);
    /* not at a chunk start; past the end; a chunk longer than it is */
    assert_int_equal(marfs_pwrite(fh, buf, 10, 5), -EINVAL);
    assert_int_equal(marfs_pwrite(fh, buf, 11, (off_t)(2 * CHUNK)), -EINVAL);
    assert_int_equal(marfs_pwrite(fh, buf, 10, (off_t)(3 * CHUNK)), -EINVAL);
    assert_int_equal(marfs_pwrite(fh, buf, 10, -1), -EINVAL);
    /* the short last chunk, then chunk 0 in two pwrites, then 1 in one
     * pwrite spanning into... nothing: exactly its length */
    at_fill(buf, 10, 1000 + 2);
    assert_int_equal(marfs_pwrite(fh, buf, 10, (off_t)(2 * CHUNK)), 10);
    chunk_data(buf, 0, CHUNK);
    assert_int_equal(marfs_pwrite(fh, buf, 1000, 0), 1000);
    /* a chunk in progress must continue where it stopped */
    assert_int_equal(marfs_pwrite(fh, buf, 10, (off_t)CHUNK), -EINVAL);
    assert_int_equal(marfs_finalize(fh), -EBUSY);
    assert_int_equal(marfs_pwrite(fh, buf + 1000, CHUNK - 1000, 1000),
                     (ssize_t)(CHUNK - 1000));
    assert_int_equal(marfs_finalize(fh), -EBUSY);   /* chunk 1 missing */
    chunk_data(buf, 1, CHUNK);
    assert_int_equal(marfs_pwrite(fh, buf, CHUNK, (off_t)CHUNK),
                     (ssize_t)CHUNK);
    assert_int_equal(marfs_finalize(fh), 0);
    assert_int_equal(marfs_close(fh), 0);
    check_file(&env, at_p("/n"), 2 * CHUNK + 10, CHUNK);
    /* a complete file cannot be joined */
    assert_int_equal(marfs_open(env.ctx, at_p("/n"), O_WRONLY, &fh), -EBUSY);
    free(buf);
    at_teardown(&env);
}

static void test_nto1_small(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, &nto1_cfg);
    uint8_t *buf = at_data(1 << 20, 1000);   /* = chunk_data(., 0, .) */
    marfs_fh_t *fh;
    uint64_t cs, nc;
    /* smaller than a chunk: one chunk */
    assert_int_equal(marfs_creat(env.ctx, at_p("/s"), 0644, NULL, &fh), 0);
    assert_int_equal(marfs_set_size(fh, 1 << 20), 0);
    assert_int_equal(marfs_chunk_info(fh, &cs, &nc), 0);
    assert_int_equal(nc, 1);
    assert_int_equal(marfs_pwrite(fh, buf, 1 << 20, 0), 1 << 20);
    assert_int_equal(marfs_finalize(fh), 0);
    assert_int_equal(marfs_close(fh), 0);
    check_file(&env, at_p("/s"), 1 << 20, CHUNK);
    /* empty: finalize stores its one empty chunk */
    assert_int_equal(marfs_creat(env.ctx, at_p("/z"), 0644, NULL, &fh), 0);
    assert_int_equal(marfs_set_size(fh, 0), 0);
    assert_int_equal(marfs_chunk_info(fh, &cs, &nc), 0);
    assert_int_equal(nc, 1);
    assert_int_equal(marfs_finalize(fh), 0);
    assert_int_equal(marfs_close(fh), 0);
    check_file(&env, at_p("/z"), 0, CHUNK);
    struct ftag t;
    at_tag(&env, "/", "z", &t);
    char prefix[120];
    snprintf(prefix, sizeof(prefix), "%s/", t.stream);
    char **names;
    assert_int_equal(at_objects(&env, prefix, &names), 1);
    assert_int_equal(at_check_object(&env, names[0]), 1);
    at_free_names(names, 1);
    /* an N:1 file after packed files of the same handle chain: the packed
     * ones are still published and readable */
    marfs_fh_t *p = at_put(env.ctx, at_p("/before"), buf, 5000, 0, NULL);
    assert_int_equal(marfs_creat(env.ctx, at_p("/after"), 0644, p, &fh), 0);
    assert_int_equal(marfs_set_size(fh, 100), 0);
    assert_int_equal(marfs_pwrite(fh, buf, 100, 0), 100);
    assert_int_equal(marfs_finalize(fh), 0);
    assert_int_equal(marfs_close(fh), 0);
    at_expect(env.ctx, at_p("/before"), buf, 5000);
    check_file(&env, at_p("/after"), 100, CHUNK);
    free(buf);
    at_teardown(&env);
}

/* Abort of an N:1 file: the path is gone, nothing reads. */
static void test_nto1_abort(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, &nto1_cfg);
    marfs_fh_t *fh;
    uint8_t b[10] = {0};
    struct stat st;
    assert_int_equal(marfs_creat(env.ctx, at_p("/ab"), 0644, NULL, &fh), 0);
    assert_int_equal(marfs_set_size(fh, 10), 0);
    assert_int_equal(marfs_pwrite(fh, b, 5, 0), 5);
    assert_int_equal(marfs_abort(fh), 0);
    assert_int_equal(marfs_stat(env.ctx, at_p("/ab"), &st), -ENOENT);
    at_teardown(&env);
}

/* child CONF PATH SIZE K,K,... KILLFD: write those chunks (the last one
 * only half, then wait for SIGKILL, if KILLFD >= 0). */
static int child_main(int argc, char **argv)
{
    uint64_t chunks[NCHUNKS];
    size_t n = 0;
    if (argc != 7)
        return 2;
    for (char *p = argv[5]; *p && n < NCHUNKS; p++) {
        chunks[n++] = strtoull(p, &p, 10);
        if (*p != ',')
            break;
    }
    return child_write(argv[2], argv[3], chunks, n,
                       strtoull(argv[4], NULL, 10), CHUNK, atoi(argv[6]));
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return child_main(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nto1_four_writers),
        cmocka_unit_test(test_nto1_killed_writer),
        cmocka_unit_test(test_nto1_args),
        cmocka_unit_test(test_nto1_small),
        cmocka_unit_test(test_nto1_abort),
    };
    return cmocka_run_group_tests_name("api_nto1", tests, NULL, NULL);
}
