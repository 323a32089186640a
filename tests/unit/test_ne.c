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
 * reads in odd pieces, overwrites, concurrent handles, missing objects,
 * the exact on-disk size of blocks (the short last stripe) and the
 * refusal of blocks of another format version.
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
#include <ftw.h>
#include <sys/stat.h>

#include "log.h"
#include "test_ne_util.h"

#define SMALL_PSZ 512
#define BIG_PSZ 16384
#define BIG_SIZE ((3u << 20) + 77)
#define MIB (1u << 20)
/* Fixed sizes of doc/block-format.md and doc/dal.md (posix). */
#define NE_META 80
#define NE_UNIT_CRC 4
#define PX_FOOTER 32

static FILE *devnull;   /* where the log goes unless a test captures it */


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

/* Part length of the last stripe (doc/block-format.md, version 2): the
 * remaining bytes / n rounded up to 64, PSZ if there are none. */
static size_t tail_len(uint64_t size, unsigned n, size_t psz)
{
    uint64_t rem = size % ((uint64_t)n * psz);
    if (size == 0)
        return 0;
    return rem == 0 ? psz : (size_t)((rem + n - 1) / n + 63) / 64 * 64;
}

/* Blocks holding a data part that a whole read of size bytes touches:
 * all n beyond one stripe, else those the short stripe's bytes reach. */
static uint64_t data_blocks(const struct ne_health *hl, size_t size,
                            size_t psz)
{
    uint64_t m = 0;
    size_t plen = size > hl->n * psz ? psz : tail_len(size, hl->n, psz);
    size_t parts = plen ? (size + plen - 1) / plen : 0;
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
    } while (k > 0 && tne_next_combo(c, k, nb));
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
    uint8_t *data = malloc(size + 300), *buf = malloc(size);
    tne_fill(data, size + 300, 3);
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
    /* the short last stripe: 300 bytes in parts of 128, read alone */
    assert_int_equal(tne_put(env.ctx, "tail", data, 10 * sb + 300, 0, NULL),
                     0);
    assert_int_equal(ne_open_read(env.ctx, "tail", &h), 0);
    tne_mask_bytes(&env);
    assert_int_equal(ne_pread(h, buf, 1000, 10 * sb + 200), 100);
    assert_true(memcmp(buf, data + 10 * sb + 200, 100) == 0);
    assert_int_equal(tne_mask_bytes(&env), 2 * (128 + 4));
    assert_int_equal(ne_pread(h, buf, 2, 10 * sb - 1), 2);
    assert_true(memcmp(buf, data + 10 * sb - 1, 2) == 0);
    assert_int_equal(tne_mask_bytes(&env), unit + 128 + 4);
    ne_close_read(h);
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

/* ---- the on-disk size of blocks ------------------------------------ */

static const char *walk_name;
static uint64_t walk_sizes[64];
static unsigned walk_count;

static int walk_one(const char *p, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    if (flag == FTW_F && strcmp(p + ftw->base, walk_name) == 0 &&
        walk_count < 64)
        walk_sizes[walk_count++] = (uint64_t)st->st_size;
    return 0;
}

/* Published block files named obj under the scratch directory; returns
 * their total size, every one of them must be `each` bytes. */
static uint64_t block_files(struct tne_env *env, const char *obj,
                            unsigned count, uint64_t each)
{
    walk_name = obj;
    walk_count = 0;
    assert_int_equal(nftw(env->dir, walk_one, 16, FTW_PHYS), 0);
    assert_int_equal(walk_count, count);
    for (unsigned i = 0; i < walk_count; i++)
        assert_int_equal(walk_sizes[i], each);
    return each * count;
}

struct size_case {
    uint64_t size;      /* object bytes */
    uint64_t data;      /* block data bytes, worked out by hand */
};

/* Write each size; every block's data (DAL stat) and file (posix: data,
 * 80 bytes of meta info, 32 bytes of footer) has exactly the expected
 * size, which is also (whole stripes) x (PSZ + 4) + tail + 4; the
 * object reads back exact and verifies clean. */
static void block_sizes(unsigned n, unsigned e, size_t psz,
                        const struct size_case *c, size_t ncase)
{
    struct tne_env env;
    tne_setup(&env, n, e, psz, TNE_POSIX, 2, 0);
    uint64_t max = 0;
    for (size_t i = 0; i < ncase; i++)
        max = c[i].size > max ? c[i].size : max;
    uint8_t *data = malloc(max + 1), *got = NULL;
    tne_fill(data, max, 11);
    for (size_t i = 0; i < ncase; i++) {
        char obj[64];
        uint64_t sb = (uint64_t)n * psz, tail = tail_len(c[i].size, n, psz);
        uint64_t whole = c[i].size == 0 ? 0 : (c[i].size - 1) / sb;
        assert_int_equal(c[i].data, c[i].size == 0 ? 0 :
                         whole * (psz + NE_UNIT_CRC) + tail + NE_UNIT_CRC);
        snprintf(obj, sizeof(obj), "size%llu", (unsigned long long)c[i].size);
        assert_int_equal(tne_put(env.ctx, obj, data, c[i].size, 0, NULL), 0);
        for (unsigned b = 0; b < n + e; b++) {
            struct dal_loc loc;
            struct dal_stat st;
            ne_block_loc(env.ctx, obj, b, &loc);
            assert_int_equal(env.inner->ops->stat(env.inner, &loc, obj, &st),
                             0);
            assert_int_equal(st.size, c[i].data);
        }
        block_files(&env, obj, n + e, c[i].data + NE_META + PX_FOOTER);
        assert_int_equal(tne_get(env.ctx, obj, &got), (ssize_t)c[i].size);
        assert_true(memcmp(got, data, c[i].size) == 0);
        free(got);
        struct ne_health hl;
        assert_int_equal(ne_verify(env.ctx, obj, &hl), 0);
        assert_int_equal(hl.nbad, 0);
    }
    free(data);
    tne_teardown(&env);
}

static void test_block_sizes(void **state)
{
    (void)state;
    const uint64_t U = MIB + NE_UNIT_CRC;   /* a whole 1 MiB unit */
    const struct size_case big[] = {
        {0, 0},                     /* meta info only */
        {1, 64 + 4},
        {4096, 448 + 4},            /* 4096 / 10 = 409.6 -> 448 */
        {10 * MIB - 1, U},          /* the tail rounds up to PSZ */
        {10 * MIB, U},
        {10 * MIB + 1, U + 64 + 4},
        {25 * MIB + 5, 2 * U + 524352 + 4},
    };
    block_sizes(10, 2, MIB, big, sizeof(big) / sizeof(big[0]));
    const struct size_case small[] = {
        {100, 64 + 4}, {257, 128 + 4}, {2047, 516}, {2048, 516},
        {2049, 516 + 68}, {5 * 2048 + 259, 5 * 516 + 128 + 4},
    };
    block_sizes(4, 2, SMALL_PSZ, small, sizeof(small) / sizeof(small[0]));
    const struct size_case one[] = {{1, 68}, {511, 516}, {513, 516 + 68}};
    block_sizes(1, 0, SMALL_PSZ, one, sizeof(one) / sizeof(one[0]));
}

/* The case that motivated the short stripe: a 4 KiB object with 10+2
 * and 1 MiB parts takes 12 files of 564 bytes, not 12 MiB. */
static void test_small_object_cost(void **state)
{
    (void)state;
    struct tne_env env;
    tne_setup(&env, 10, 2, MIB, TNE_POSIX, 2, 0);
    uint8_t data[4096];
    tne_fill(data, sizeof(data), 12);
    assert_int_equal(tne_put(env.ctx, "small", data, sizeof(data), 1000,
                             NULL), 0);
    uint64_t total = block_files(&env, "small", 12,
                                 448 + NE_UNIT_CRC + NE_META + PX_FOOTER);
    assert_int_equal(total, 6768);
    assert_true(total < 2 * sizeof(data));
    tne_teardown(&env);
}

/* ---- other format versions ----------------------------------------- */

/* CRC-32 of zlib, bit by bit: the meta info's own check. */
static uint32_t crc32_zlib(const uint8_t *p, size_t len)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}

/* Relabel block b's (intact) meta info as format version ver, as a
 * library writing that version would have stored it. */
static void set_version(struct tne_env *env, const char *obj, unsigned b,
                        unsigned ver)
{
    uint8_t *raw = NULL, meta[256];
    size_t len, mlen = sizeof(meta);
    assert_int_equal(tne_block_read(env, obj, b, &raw, &len, meta, &mlen),
                     0);
    assert_int_equal(mlen, NE_META);
    meta[4] = (uint8_t)ver;
    meta[5] = (uint8_t)(ver >> 8);
    uint32_t crc = crc32_zlib(meta, NE_META - 4);
    for (int i = 0; i < 4; i++)
        meta[NE_META - 4 + i] = (uint8_t)(crc >> (8 * i));
    assert_int_equal(tne_block_write(env, obj, b, raw, len, meta, mlen), 0);
    free(raw);
}

/* Version-1 blocks (padded last stripe) are never read: one among good
 * blocks is a damaged block that rebuild rewrites in version 2; an
 * object all in version 1 is refused with an error that says so. */
static void test_old_format_refused(void **state)
{
    (void)state;
    struct tne_env env;
    tne_setup(&env, 4, 2, SMALL_PSZ, TNE_POSIX, 2, 0);
    uint8_t data[5000], *got = NULL;
    tne_fill(data, sizeof(data), 13);
    assert_int_equal(tne_put(env.ctx, "old", data, sizeof(data), 0, NULL),
                     0);
    set_version(&env, "old", 0, 1);
    struct ne_health hl;
    assert_int_equal(ne_stat(env.ctx, "old", &hl), 0);
    assert_int_equal(hl.nbad, 1);
    assert_int_equal(hl.state[0], NE_BLK_META);
    assert_int_equal(hl.err[0], -EPROTONOSUPPORT);
    assert_int_equal(tne_get(env.ctx, "old", &got), (ssize_t)sizeof(data));
    assert_true(memcmp(got, data, sizeof(data)) == 0);
    free(got);
    assert_int_equal(ne_rebuild(env.ctx, "old", &hl), 0);
    assert_int_equal(ne_verify(env.ctx, "old", &hl), 0);
    assert_int_equal(hl.nbad, 0);
    for (unsigned b = 0; b < 6; b++)
        set_version(&env, "old", b, 1);
    char *log = NULL;
    size_t loglen = 0;
    FILE *f = open_memstream(&log, &loglen);
    assert_non_null(f);
    mlog_set_stream(f);
    ne_read_t *h = NULL;
    assert_int_equal(ne_open_read(env.ctx, "old", &h), -EIO);
    mlog_set_stream(devnull);
    fclose(f);
    assert_non_null(strstr(log, "object old: its blocks are in block format "
                                "version 1; this library reads only "
                                "version 2"));
    free(log);
    assert_int_equal(ne_stat(env.ctx, "old", &hl), -EIO);
    assert_int_equal(hl.nbad, 6);
    for (unsigned b = 0; b < 6; b++) {
        assert_int_equal(hl.state[b], NE_BLK_META);
        assert_int_equal(hl.err[b], -EPROTONOSUPPORT);
    }
    assert_int_equal(ne_rebuild(env.ctx, "old", &hl), -EIO);
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
    devnull = fopen("/dev/null", "w");
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
        cmocka_unit_test(test_block_sizes),
        cmocka_unit_test(test_small_object_cost),
        cmocka_unit_test(test_old_format_refused),
    };
    int rc = cmocka_run_group_tests_name("ne", tests, NULL, NULL);
    mlog_set_stream(NULL);
    fclose(devnull);
    return rc;
}
