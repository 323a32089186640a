/*
 * test_ne.c - unit tests of the erasure layer over the posix DAL.
 *
 * The loss matrix: for each geometry and each interesting object size,
 * every combination of up to E missing blocks and of up to E blocks
 * returning flipped bits reads back byte-exact (whole and ranged reads)
 * with exactly those blocks reported; every combination of E+1 gives
 * -EIO.  The mask DAL (test_ne_util.c) simulates the damage without
 * rewriting blocks.  Also: damage spread over more than E blocks but at
 * most E per stripe, meta consensus against stale and corrupt meta,
 * ranged reads fetching only the parts they need, streaming writes and
 * reads in odd pieces, overwrites, concurrent handles, missing objects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "test_ne_util.h"

#define SMALL_PSZ 512
#define BIG_PSZ 16384
#define BIG_SIZE ((3u << 20) + 77)

/* Next k-combination of {0..m-1} in c[]; 0 when done. */
static int next_combo(unsigned *c, unsigned k, unsigned m)
{
    int i = (int)k - 1;
    while (i >= 0 && c[i] == m - k + (unsigned)i)
        i--;
    if (i < 0)
        return 0;
    c[i]++;
    for (unsigned j = (unsigned)i + 1; j < k; j++)
        c[j] = c[j - 1] + 1;
    return 1;
}

static uint64_t combo_mask(const unsigned *c, unsigned k)
{
    uint64_t m = 0;
    for (unsigned i = 0; i < k; i++)
        m |= 1ULL << c[i];
    return m;
}

static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Blocks holding a data part that a whole read of size bytes touches. */
static uint64_t data_blocks(const struct ne_health *hl, size_t size,
                            size_t psz)
{
    uint64_t m = 0;
    size_t parts = (size + psz - 1) / psz;
    for (unsigned p = 0; p < hl->n && p < parts; p++)
        m |= 1ULL << ((p + hl->rotation) % hl->nblocks);
    return m;
}

/* Whole read plus ranged reads at random offsets, all byte-exact.  The
 * damage reported is never a block outside `bad`; missing blocks are
 * all reported, flipped ones when a read needed their data. */
static void read_exact(struct tne_env *env, const char *obj,
                       const uint8_t *data, size_t size, uint64_t bad,
                       int missing, uint64_t seed, uint8_t *buf)
{
    ne_read_t *h = NULL;
    assert_int_equal(ne_open_read(env->ctx, obj, &h), 0);
    assert_int_equal(ne_size(h), size);
    assert_int_equal(ne_pread(h, buf, size + 10, 0), (ssize_t)size);
    assert_true(memcmp(buf, data, size) == 0);
    for (int i = 0; i < 3 && size > 0; i++) {
        size_t off = (size_t)(rng_next(&seed) % size);
        size_t len = (size_t)(rng_next(&seed) % (size - off)) + 1;
        assert_int_equal(ne_pread(h, buf, len, off), (ssize_t)len);
        assert_true(memcmp(buf, data + off, len) == 0);
    }
    assert_int_equal(ne_pread(h, buf, 10, size), 0);
    struct ne_health hl;
    unsigned nbad = ne_damaged(h, &hl);
    uint64_t seen = 0;
    for (unsigned b = 0; b < hl.nblocks; b++)
        if (hl.state[b] != NE_BLK_OK) {
            seen |= 1ULL << b;
            assert_int_equal(hl.state[b],
                             missing ? NE_BLK_MISSING : NE_BLK_CORRUPT);
        }
    assert_int_equal(nbad, __builtin_popcountll(seen));
    assert_int_equal(seen & ~bad, 0);
    uint64_t must = missing ? bad
                            : bad & data_blocks(&hl, size, env->repo->psz);
    assert_int_equal(seen & must, must);
    ne_close_read(h);
}

/* More than E bad blocks: -EIO (-ENOENT if no block is left) whenever
 * the data is needed; never wrong bytes.  A flipped block whose data a
 * read does not need (a parity block, a part past a small object's end)
 * does not stop the read. */
static void read_fails(struct tne_env *env, const char *obj,
                       const uint8_t *data, size_t size, uint64_t bad,
                       int missing, uint8_t *buf)
{
    unsigned nb = env->repo->n + env->repo->e;
    ne_read_t *h = NULL;
    int rc = ne_open_read(env->ctx, obj, &h);
    if (missing) {
        assert_int_equal(rc, __builtin_popcountll(bad) == nb ? -ENOENT
                                                              : -EIO);
        return;
    }
    assert_int_equal(rc, 0);
    struct ne_health hl;
    ne_damaged(h, &hl);
    ssize_t got = ne_pread(h, buf, size, 0);
    if (bad & data_blocks(&hl, size, env->repo->psz)) {
        assert_int_equal(got, -EIO);
    } else {
        assert_int_equal(got, (ssize_t)size);
        assert_true(memcmp(buf, data, size) == 0);
    }
    ne_close_read(h);
}

static void all_combos(struct tne_env *env, const char *obj,
                       const uint8_t *data, size_t size, unsigned k,
                       uint8_t *buf)
{
    unsigned nb = env->repo->n + env->repo->e, c[64];
    for (unsigned i = 0; i < k; i++)
        c[i] = i;
    do {
        uint64_t m = combo_mask(c, k);
        for (int flip = 0; flip < 2; flip++) {
            tne_mask(env, flip ? 0 : m, flip ? m : 0, 0);
            if (k <= env->repo->e)
                read_exact(env, obj, data, size, m, !flip, m * 31 + size,
                           buf);
            else
                read_fails(env, obj, data, size, m, !flip, buf);
        }
    } while (k > 0 && next_combo(c, k, nb));
    tne_mask(env, 0, 0, 0);
}

static void matrix_size(struct tne_env *env, size_t size, int all_eplus1)
{
    char obj[64];
    snprintf(obj, sizeof(obj), "matrix/%u+%u/%zu", env->repo->n,
             env->repo->e, size);
    uint8_t *data = malloc(size + 1), *buf = malloc(size + 16);
    assert_non_null(data);
    assert_non_null(buf);
    tne_fill(data, size, size + 7);
    struct ne_health st;
    assert_int_equal(tne_put(env->ctx, obj, data, size, 0, &st), 0);
    assert_int_equal(st.nbad, 0);
    assert_int_equal(st.size, size);
    unsigned nb = env->repo->n + env->repo->e;
    for (unsigned k = 0; k <= env->repo->e + (all_eplus1 ? 1u : 0u); k++)
        if (k <= nb)
            all_combos(env, obj, data, size, k, buf);
    free(data);
    free(buf);
}

/* threads: the matrix runs both with the worker pool and inline. */
static void matrix(unsigned n, unsigned e, unsigned threads)
{
    struct tne_env env;
    size_t sb = (size_t)n * SMALL_PSZ;
    size_t sizes[] = {0, 1, SMALL_PSZ - 1, SMALL_PSZ, SMALL_PSZ + 1,
                      sb - 1, sb, sb + 1, 5 * sb + SMALL_PSZ / 2 + 3};
    tne_setup(&env, n, e, SMALL_PSZ, TNE_MASKED, threads, 0);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        if (i > 0 && sizes[i] == sizes[i - 1])
            continue;   /* n = 1: stripe == part */
        matrix_size(&env, sizes[i], i == 1 || i == 8);
    }
    tne_teardown(&env);
    tne_setup(&env, n, e, BIG_PSZ, TNE_MASKED, threads, 0);
    matrix_size(&env, BIG_SIZE, 0);
    tne_teardown(&env);
}

static void test_matrix_1_0(void **state) { (void)state; matrix(1, 0, 0); }
static void test_matrix_2_1(void **state) { (void)state; matrix(2, 1, 2); }
static void test_matrix_4_2(void **state) { (void)state; matrix(4, 2, 3); }
static void test_matrix_10_2(void **state) { (void)state; matrix(10, 2, 2); }
static void test_matrix_12_4(void **state) { (void)state; matrix(12, 4, 0); }

/* Unit u of block b starts here in the block's data. */
static long unit_off(size_t psz, uint64_t stripe)
{
    return (long)(stripe * (psz + 4));
}

/* Two bad units in every stripe, spread so every block has some:
 * readable (at most E per stripe), every block reported corrupt. */
static void test_sparse_damage(void **state)
{
    (void)state;
    struct tne_env env;
    tne_setup(&env, 4, 2, SMALL_PSZ, TNE_POSIX, 2, 0);
    size_t size = 20 * 4 * SMALL_PSZ - 100;
    uint8_t *data = malloc(size), *got = NULL;
    tne_fill(data, size, 42);
    assert_int_equal(tne_put(env.ctx, "sparse", data, size, 0, NULL), 0);
    for (uint64_t s = 0; s < 20; s++) {
        tne_corrupt(&env, "sparse", (unsigned)(s % 6),
                    unit_off(SMALL_PSZ, s) + 17);
        tne_corrupt(&env, "sparse", (unsigned)((s + 3) % 6),
                    unit_off(SMALL_PSZ, s) + SMALL_PSZ + 1);  /* the CRC */
    }
    assert_int_equal(tne_get(env.ctx, "sparse", &got), (ssize_t)size);
    assert_true(memcmp(got, data, size) == 0);
    free(got);
    struct ne_health hl;
    assert_int_equal(ne_verify(env.ctx, "sparse", &hl), 0);
    assert_int_equal(hl.nbad, 6);
    for (unsigned b = 0; b < 6; b++)
        assert_int_equal(hl.state[b], NE_BLK_CORRUPT);
    /* a third bad unit in one stripe loses that stripe only */
    tne_corrupt(&env, "sparse", 1, unit_off(SMALL_PSZ, 0) + 5);
    assert_int_equal(ne_verify(env.ctx, "sparse", &hl), -EIO);
    ne_read_t *h = NULL;
    assert_int_equal(ne_open_read(env.ctx, "sparse", &h), 0);
    uint8_t buf[4 * SMALL_PSZ];
    assert_int_equal(ne_pread(h, buf, sizeof(buf), 0), -EIO);
    assert_int_equal(ne_pread(h, buf, sizeof(buf), sizeof(buf)),
                     (ssize_t)sizeof(buf));
    assert_true(memcmp(buf, data + sizeof(buf), sizeof(buf)) == 0);
    ne_close_read(h);
    free(data);
    tne_teardown(&env);
}

/* A stale block of an older write, spoiled meta and a block in the wrong
 * place never count; the consensus write reads back exact. */
static void test_meta_consensus(void **state)
{
    (void)state;
    struct tne_env env;
    tne_setup(&env, 4, 2, SMALL_PSZ, TNE_MASKED, 2, 0);
    uint8_t v1[3000], v2[5000], *got = NULL, meta[256], *raw = NULL;
    size_t len, mlen = sizeof(meta);
    tne_fill(v1, sizeof(v1), 1);
    tne_fill(v2, sizeof(v2), 2);
    assert_int_equal(tne_put(env.ctx, "cons", v1, sizeof(v1), 0, NULL), 0);
    assert_int_equal(tne_block_read(&env, "cons", 2, &raw, &len, meta,
                                     &mlen), 0);
    assert_int_equal(tne_put(env.ctx, "cons", v2, sizeof(v2), 0, NULL), 0);
    assert_int_equal(tne_block_write(&env, "cons", 2, raw, len, meta, mlen),
                     0);
    free(raw);
    mlen = sizeof(meta);
    assert_int_equal(tne_block_read(&env, "cons", 4, &raw, &len, meta,
                                     &mlen), 0);
    assert_int_equal(tne_block_write(&env, "cons", 5, raw, len, meta, mlen),
                     0);   /* block 4's bytes at block 5's place */
    free(raw);
    struct ne_health hl;
    assert_int_equal(ne_stat(env.ctx, "cons", &hl), 0);
    assert_int_equal(hl.size, sizeof(v2));
    assert_int_equal(hl.nbad, 2);
    assert_int_equal(hl.state[2], NE_BLK_META);
    assert_int_equal(hl.state[5], NE_BLK_META);
    assert_int_equal(tne_get(env.ctx, "cons", &got), (ssize_t)sizeof(v2));
    assert_true(memcmp(got, v2, sizeof(v2)) == 0);
    free(got);
    tne_mask(&env, 0, 0, 1u << 0);   /* and one more: unreadable meta */
    assert_int_equal(ne_stat(env.ctx, "cons", &hl), -EIO);
    assert_int_equal(hl.state[0], NE_BLK_META);
    assert_int_equal(tne_get(env.ctx, "cons", &got), -EIO);
    tne_mask(&env, 0, 0, 0);
    tne_teardown(&env);
}

/* Reads fetch only the units holding the bytes asked for. */
static void test_reads_only_needed(void **state)
{
    (void)state;
    struct tne_env env;
    const size_t psz = SMALL_PSZ, unit = SMALL_PSZ + 4, sb = 4 * SMALL_PSZ;
    tne_setup(&env, 4, 2, psz, TNE_MASKED, 2, 0);
    size_t size = 10 * sb;
    uint8_t *data = malloc(size), *buf = malloc(size);
    tne_fill(data, size, 3);
    assert_int_equal(tne_put(env.ctx, "rng", data, size, 0, NULL), 0);
    ne_read_t *h = NULL;
    assert_int_equal(ne_open_read(env.ctx, "rng", &h), 0);
    tne_mask_bytes(&env);
    assert_int_equal(ne_pread(h, buf, 1, 3 * sb + 2 * psz + 7), 1);
    assert_int_equal(buf[0], data[3 * sb + 2 * psz + 7]);
    assert_int_equal(tne_mask_bytes(&env), unit);
    assert_int_equal(ne_pread(h, buf, sb, 5 * sb), (ssize_t)sb);
    assert_int_equal(tne_mask_bytes(&env), 4 * unit);
    assert_int_equal(ne_pread(h, buf, 2 * psz, 6 * sb + 3 * psz), 2 * psz);
    assert_true(memcmp(buf, data + 6 * sb + 3 * psz, 2 * psz) == 0);
    assert_int_equal(tne_mask_bytes(&env), 2 * unit);
    ne_close_read(h);
    /* a needed part missing: exactly N units for that stripe */
    struct ne_health hl;
    assert_int_equal(ne_stat(env.ctx, "rng", &hl), 0);
    tne_mask(&env, 1ULL << ((2 + hl.rotation) % 6), 0, 0);
    assert_int_equal(ne_open_read(env.ctx, "rng", &h), 0);
    tne_mask_bytes(&env);
    assert_int_equal(ne_pread(h, buf, 1, 3 * sb + 2 * psz + 7), 1);
    assert_int_equal(buf[0], data[3 * sb + 2 * psz + 7]);
    assert_int_equal(tne_mask_bytes(&env), 4 * unit);
    ne_close_read(h);
    tne_mask(&env, 0, 0, 0);
    free(data);
    free(buf);
    tne_teardown(&env);
}

/* Streaming in odd pieces both ways: staged and direct stripes mixed. */
static void test_stream_pieces(void **state)
{
    (void)state;
    struct tne_env env;
    tne_setup(&env, 3, 2, SMALL_PSZ, TNE_POSIX, 2, 0);
    size_t size = 40 * 3 * SMALL_PSZ + 333;
    size_t chunks[] = {1, 3, 511, 1537, 3 * SMALL_PSZ, 2 * 3 * SMALL_PSZ + 1};
    uint8_t *data = malloc(size), *buf = malloc(size);
    tne_fill(data, size, 4);
    for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        assert_int_equal(tne_put(env.ctx, "pieces", data, size, chunks[c],
                                 NULL), 0);
        ne_read_t *h = NULL;
        assert_int_equal(ne_open_read(env.ctx, "pieces", &h), 0);
        size_t off = 0;
        ssize_t n;
        while ((n = ne_read(h, buf + off, chunks[(c + 2) % 6])) > 0)
            off += (size_t)n;
        assert_int_equal(n, 0);
        assert_int_equal(off, size);
        assert_true(memcmp(buf, data, size) == 0);
        ne_seek(h, size - 700);
        assert_int_equal(ne_read(h, buf, 1000), 700);
        assert_true(memcmp(buf, data + size - 700, 700) == 0);
        assert_int_equal(ne_read(h, buf, 1000), 0);
        ne_seek(h, size + 5);
        assert_int_equal(ne_read(h, buf, 1), 0);
        ne_close_read(h);
    }
    free(data);
    free(buf);
    tne_teardown(&env);
}

/* Rewriting a name replaces the object; abort leaves the old one. */
static void test_overwrite_abort(void **state)
{
    (void)state;
    struct tne_env env;
    tne_setup(&env, 4, 2, SMALL_PSZ, TNE_POSIX, 2, 0);
    uint8_t a[5000], b[3000], *got = NULL;
    tne_fill(a, sizeof(a), 5);
    tne_fill(b, sizeof(b), 6);
    assert_int_equal(tne_put(env.ctx, "ow", a, sizeof(a), 0, NULL), 0);
    assert_int_equal(tne_put(env.ctx, "ow", b, sizeof(b), 0, NULL), 0);
    assert_int_equal(tne_get(env.ctx, "ow", &got), (ssize_t)sizeof(b));
    assert_true(memcmp(got, b, sizeof(b)) == 0);
    free(got);
    ne_write_t *w = NULL;
    assert_int_equal(ne_open_write(env.ctx, "ow", &w), 0);
    assert_int_equal(ne_write(w, a, sizeof(a)), (ssize_t)sizeof(a));
    ne_abort(w);
    assert_int_equal(tne_get(env.ctx, "ow", &got), (ssize_t)sizeof(b));
    assert_true(memcmp(got, b, sizeof(b)) == 0);
    free(got);
    assert_int_equal(ne_open_write(env.ctx, "never", &w), 0);
    assert_int_equal(ne_write(w, a, sizeof(a)), (ssize_t)sizeof(a));
    ne_abort(w);
    assert_int_equal(tne_get(env.ctx, "never", &got), -ENOENT);
    tne_teardown(&env);
}

static void test_missing_object(void **state)
{
    (void)state;
    struct tne_env env;
    tne_setup(&env, 2, 1, SMALL_PSZ, TNE_POSIX, 0, 0);
    ne_read_t *h = NULL;
    struct ne_health hl;
    assert_int_equal(ne_open_read(env.ctx, "none", &h), -ENOENT);
    assert_int_equal(ne_stat(env.ctx, "none", &hl), -ENOENT);
    assert_int_equal(ne_verify(env.ctx, "none", &hl), -ENOENT);
    assert_int_equal(ne_rebuild(env.ctx, "none", &hl), -ENOENT);
    assert_int_equal(ne_delete(env.ctx, "none"), -ENOENT);
    ne_write_t *w = NULL;
    assert_int_equal(ne_open_write(env.ctx, "", &w), -EINVAL);
    assert_int_equal(ne_open_read(env.ctx, "", &h), -EINVAL);
    uint8_t x = 7;
    assert_int_equal(tne_put(env.ctx, "one", &x, 1, 0, NULL), 0);
    assert_int_equal(ne_delete(env.ctx, "one"), 0);
    assert_int_equal(ne_open_read(env.ctx, "one", &h), -ENOENT);
    tne_teardown(&env);
}

/* An object keeps its own geometry: a context configured with more
 * blocks still reads it (the meta info says N, E and PSZ).  (The DAL
 * refuses block indices beyond the repo's N+E, so not the other way.) */
static void test_other_geometry(void **state)
{
    (void)state;
    struct tne_env env;
    tne_setup(&env, 4, 2, SMALL_PSZ, TNE_POSIX, 2, 0);
    size_t size = 9999;
    uint8_t *data = malloc(size), *got = NULL;
    tne_fill(data, size, 8);
    const struct mcfg *cfg = NULL;
    ne_ctx_t *ctx = NULL;
    tne_other_ctx(&env, 2, 1, 1024, &cfg, &ctx);
    assert_int_equal(tne_put(ctx, "geo", data, size, 0, NULL), 0);
    assert_int_equal(tne_get(env.ctx, "geo", &got), (ssize_t)size);
    assert_true(memcmp(got, data, size) == 0);
    free(got);
    struct ne_health hl;
    assert_int_equal(ne_verify(env.ctx, "geo", &hl), 0);
    assert_int_equal(hl.n, 2);
    assert_int_equal(hl.e, 1);
    assert_int_equal(hl.nblocks, 3);
    assert_int_equal(hl.nbad, 0);
    assert_int_equal(tne_block_delete(&env, "geo", 1), 0);
    assert_int_equal(ne_rebuild(env.ctx, "geo", &hl), 0);
    assert_int_equal(hl.nbad, 1);
    assert_int_equal(hl.state[1], NE_BLK_MISSING);
    assert_int_equal(tne_get(env.ctx, "geo", &got), (ssize_t)size);
    assert_true(memcmp(got, data, size) == 0);
    free(got);
    ne_ctx_destroy(ctx);
    mcfg_free(cfg);
    free(data);
    tne_teardown(&env);
}

struct worker_arg {
    ne_ctx_t *ctx;
    int id;
};

static void *worker(void *p)
{
    struct worker_arg *a = p;
    uint8_t *data = malloc(60000), *got = NULL;
    for (int i = 0; i < 25; i++) {
        char obj[64];
        size_t size = (size_t)(i * 2311 + a->id * 97) % 60000;
        snprintf(obj, sizeof(obj), "conc/%d/%d", a->id, i);
        tne_fill(data, size, (uint64_t)(a->id * 1000 + i));
        assert_int_equal(tne_put(a->ctx, obj, data, size, 1000, NULL), 0);
        assert_int_equal(tne_get(a->ctx, obj, &got), (ssize_t)size);
        assert_true(memcmp(got, data, size) == 0);
        free(got);
        assert_int_equal(ne_delete(a->ctx, obj), 0);
    }
    free(data);
    return NULL;
}

/* Independent handles on one context from several threads. */
static void test_concurrent_handles(void **state)
{
    (void)state;
    struct tne_env env;
    tne_setup(&env, 4, 2, SMALL_PSZ, TNE_POSIX, 3, 0);
    pthread_t t[4];
    struct worker_arg a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (struct worker_arg){env.ctx, i};
        assert_int_equal(pthread_create(&t[i], NULL, worker, &a[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    tne_teardown(&env);
}

int main(void)
{
    /* Thousands of reads fail on purpose here; each would log a line.
     * The assertions check every outcome. */
    mlog_init("test_ne", -1);
    FILE *devnull = fopen("/dev/null", "w");
    mlog_set_stream(devnull);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_1_0),
        cmocka_unit_test(test_matrix_2_1),
        cmocka_unit_test(test_matrix_4_2),
        cmocka_unit_test(test_matrix_10_2),
        cmocka_unit_test(test_matrix_12_4),
        cmocka_unit_test(test_sparse_damage),
        cmocka_unit_test(test_meta_consensus),
        cmocka_unit_test(test_reads_only_needed),
        cmocka_unit_test(test_stream_pieces),
        cmocka_unit_test(test_overwrite_abort),
        cmocka_unit_test(test_missing_object),
        cmocka_unit_test(test_other_geometry),
        cmocka_unit_test(test_concurrent_handles),
    };
    int rc = cmocka_run_group_tests_name("ne", tests, NULL, NULL);
    mlog_set_stream(NULL);
    fclose(devnull);
    return rc;
}
