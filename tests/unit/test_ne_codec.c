/*
 * test_ne_codec.c - unit tests of the erasure layer's pieces that need no
 * DAL: Reed-Solomon encode/decode for every erasure pattern, the block
 * meta info format, unit CRCs, geometry arithmetic, the rotation and the
 * worker pool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l.h>

#include "ne_internal.h"
#include "test_ne_util.h"

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}


/* Erase parts c[0..k) and regenerate them from the first n survivors. */
static void check_erasure(const struct ne_codec *c, struct ne_decoder *d,
                          uint8_t **parts, uint8_t **out, size_t len,
                          const unsigned *gone, unsigned k)
{
    unsigned nb = c->n + c->e, ns = 0;
    uint8_t src[NE_MAX_BLOCKS], want[NE_MAX_BLOCKS];
    uint8_t *sbuf[NE_MAX_BLOCKS];
    for (unsigned p = 0, g = 0; p < nb && ns < c->n; p++) {
        if (g < k && gone[g] == p) {
            g++;
            continue;
        }
        src[ns] = (uint8_t)p;
        sbuf[ns++] = parts[p];
    }
    for (unsigned i = 0; i < k; i++)
        want[i] = (uint8_t)gone[i];
    assert_int_equal(ne_decoder_prepare(c, d, src, want, k), 0);
    ne_decoder_run(d, len, sbuf, out);
    for (unsigned i = 0; i < k; i++)
        assert_memory_equal(out[i], parts[gone[i]], len);
}

static void codec_all_patterns(unsigned n, unsigned e, size_t len)
{
    struct ne_codec c;
    struct ne_decoder d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(ne_codec_init(&c, n, e), 0);
    uint8_t *parts[NE_MAX_BLOCKS], *out[NE_MAX_BLOCKS];
    for (unsigned p = 0; p < n + e; p++) {
        parts[p] = malloc(len);
        out[p] = malloc(len);
        fill(parts[p], len, p + 1);
    }
    ne_codec_encode(&c, len, parts, parts + n);
    for (unsigned k = 1; k <= e; k++) {
        unsigned gone[NE_MAX_BLOCKS];
        for (unsigned i = 0; i < k; i++)
            gone[i] = i;
        do
            check_erasure(&c, &d, parts, out, len, gone, k);
        while (tne_next_combo(gone, k, n + e));
    }
    for (unsigned p = 0; p < n + e; p++) {
        free(parts[p]);
        free(out[p]);
    }
    ne_decoder_free(&d);
    ne_codec_free(&c);
}

static void test_codec_patterns(void **state)
{
    (void)state;
    codec_all_patterns(1, 0, 100);
    codec_all_patterns(1, 3, 64);
    codec_all_patterns(2, 1, 1000);
    codec_all_patterns(4, 2, 4096);
    codec_all_patterns(10, 2, 777);
    codec_all_patterns(12, 4, 512);
    codec_all_patterns(6, 3, 33);
}

static void test_codec_limits(void **state)
{
    (void)state;
    struct ne_codec c;
    assert_int_equal(ne_codec_init(&c, 0, 2), -EINVAL);
    assert_int_equal(ne_codec_init(&c, 250, 6), -EINVAL);
    assert_int_equal(ne_codec_init(&c, 250, 5), 0);
    ne_codec_free(&c);
}

/* The plan is kept while the same parts are missing. */
static void test_decoder_reuse(void **state)
{
    (void)state;
    struct ne_codec c;
    struct ne_decoder d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(ne_codec_init(&c, 4, 2), 0);
    uint8_t src[4] = {1, 2, 3, 4}, want[1] = {0}, src2[4] = {0, 2, 3, 4};
    assert_int_equal(ne_decoder_prepare(&c, &d, src, want, 1), 0);
    uint8_t *t = d.tbls, first = t[0];
    assert_int_equal(ne_decoder_prepare(&c, &d, src, want, 1), 0);
    assert_ptr_equal(d.tbls, t);
    assert_int_equal(d.tbls[0], first);
    want[0] = 1;
    assert_int_equal(ne_decoder_prepare(&c, &d, src2, want, 1), 0);
    assert_int_equal(d.src[0], 0);
    ne_decoder_free(&d);
    ne_codec_free(&c);
}

static struct ne_meta sample_meta(void)
{
    struct ne_meta m = {
        .version = NE_FORMAT_VERSION, .n = 10, .e = 2, .block = 7, .rot = 3,
        .psz = 1 << 20, .objsize = 25 * 1048576ULL + 5,
        .wid = 0x0123456789abcdefULL, .wtime = 1700000000123456789ULL,
        .crcsum = 0xdeadbeef,
    };
    m.lastlen = ne_tail_len(m.objsize, m.n, m.psz);
    m.blksize = ne_block_bytes(m.objsize, m.n, m.psz);
    return m;
}

static void test_meta_roundtrip(void **state)
{
    (void)state;
    struct ne_meta m = sample_meta(), d;
    uint8_t raw[NE_META_LEN];
    ne_meta_encode(&m, raw);
    assert_memory_equal(raw, "MFNE", 4);
    assert_int_equal(ne_meta_decode(raw, sizeof(raw), &d), 0);
    assert_memory_equal(&d, &m, sizeof(m));
    /* 2 whole stripes, then (5 MiB + 5) / 10 rounded up to 64 bytes */
    assert_int_equal(m.lastlen, 524352);
    assert_int_equal(m.blksize, 2 * ((1 << 20) + 4) + 524352 + 4);
    /* every single flipped bit is caught */
    for (size_t bit = 0; bit < 8 * sizeof(raw); bit++) {
        raw[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(ne_meta_decode(raw, sizeof(raw), &d), -EINVAL);
        raw[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    assert_int_equal(ne_meta_decode(raw, sizeof(raw) - 1, &d), -EINVAL);
}

/* Fields are checked for sense even when the CRC is right. */
static void test_meta_sanity(void **state)
{
    (void)state;
    uint8_t raw[NE_META_LEN];
    struct ne_meta d, m;
    /* version 1 (padded last stripe) is intact but refused as such */
    m = sample_meta(); m.version = 1; ne_meta_encode(&m, raw);
    assert_int_equal(ne_meta_decode(raw, sizeof(raw), &d), -EPROTONOSUPPORT);
    assert_int_equal(d.version, 1);
    m = sample_meta(); m.version = 3; ne_meta_encode(&m, raw);
    assert_int_equal(ne_meta_decode(raw, sizeof(raw), &d), -EPROTONOSUPPORT);
    /* a version-1 block's own fields: last unit PSZ, padded size */
    m = sample_meta(); m.lastlen = m.psz; ne_meta_encode(&m, raw);
    assert_int_equal(ne_meta_decode(raw, sizeof(raw), &d), -EINVAL);
    m = sample_meta(); m.blksize = 3 * (m.psz + 4); ne_meta_encode(&m, raw);
    assert_int_equal(ne_meta_decode(raw, sizeof(raw), &d), -EINVAL);
    m = sample_meta(); m.lastlen += 64; ne_meta_encode(&m, raw);
    assert_int_equal(ne_meta_decode(raw, sizeof(raw), &d), -EINVAL);
    m = sample_meta(); m.blksize += 4; ne_meta_encode(&m, raw);
    assert_int_equal(ne_meta_decode(raw, sizeof(raw), &d), -EINVAL);
    m = sample_meta(); m.psz = (1 << 20) + 32;   /* not a multiple of 64 */
    m.lastlen = ne_tail_len(m.objsize, m.n, m.psz);
    m.blksize = ne_block_bytes(m.objsize, m.n, m.psz);
    ne_meta_encode(&m, raw);
    assert_int_equal(ne_meta_decode(raw, sizeof(raw), &d), -EINVAL);
    m.psz = (1 << 20) + 64;
    m.lastlen = ne_tail_len(m.objsize, m.n, m.psz);
    m.blksize = ne_block_bytes(m.objsize, m.n, m.psz);
    ne_meta_encode(&m, raw);
    assert_int_equal(ne_meta_decode(raw, sizeof(raw), &d), 0);
    m = sample_meta(); m.block = 12; ne_meta_encode(&m, raw);
    assert_int_equal(ne_meta_decode(raw, sizeof(raw), &d), -EINVAL);
    m = sample_meta(); m.n = 0; ne_meta_encode(&m, raw);
    assert_int_equal(ne_meta_decode(raw, sizeof(raw), &d), -EINVAL);
    m = sample_meta(); m.objsize = 0; m.blksize = 0; m.lastlen = 0;
    ne_meta_encode(&m, raw);
    assert_int_equal(ne_meta_decode(raw, sizeof(raw), &d), 0);
    m.lastlen = 64; ne_meta_encode(&m, raw);   /* empty: no unit at all */
    assert_int_equal(ne_meta_decode(raw, sizeof(raw), &d), -EINVAL);
}

static void test_meta_same_object(void **state)
{
    (void)state;
    struct ne_meta a = sample_meta(), b = sample_meta();
    b.block = 2;
    b.crcsum = 1;
    assert_true(ne_meta_same_object(&a, &b));
    b.wid++;
    assert_false(ne_meta_same_object(&a, &b));
    b = sample_meta();
    b.objsize++;
    assert_false(ne_meta_same_object(&a, &b));
}

static void test_geometry(void **state)
{
    (void)state;
    assert_int_equal(ne_stripes_of(0, 4, 512), 0);
    assert_int_equal(ne_stripes_of(1, 4, 512), 1);
    assert_int_equal(ne_stripes_of(2048, 4, 512), 1);
    assert_int_equal(ne_stripes_of(2049, 4, 512), 2);
    /* the last stripe's parts: remaining bytes / n, 64-byte aligned */
    assert_int_equal(ne_tail_len(0, 4, 512), 0);
    assert_int_equal(ne_tail_len(1, 4, 512), 64);
    assert_int_equal(ne_tail_len(256, 4, 512), 64);
    assert_int_equal(ne_tail_len(257, 4, 512), 128);
    assert_int_equal(ne_tail_len(2047, 4, 512), 512);
    assert_int_equal(ne_tail_len(2048, 4, 512), 512);   /* whole stripe */
    assert_int_equal(ne_tail_len(2049, 4, 512), 64);
    assert_int_equal(ne_tail_len(4096, 10, 1 << 20), 448);
    assert_int_equal(ne_tail_len(1, 1, 512), 64);
    assert_int_equal(ne_tail_len(511, 1, 512), 512);
    /* block data: whole units, then the short one, each with its CRC */
    assert_int_equal(ne_block_bytes(0, 4, 512), 0);
    assert_int_equal(ne_block_bytes(1, 4, 512), 68);
    assert_int_equal(ne_block_bytes(2048, 4, 512), 516);
    assert_int_equal(ne_block_bytes(2049, 4, 512), 516 + 68);
    assert_int_equal(ne_block_bytes(3 * 2048, 4, 512), 3 * 516);
    assert_int_equal(ne_block_bytes(4096, 10, 1 << 20), 452);
}

/* The unit CRC is zlib's CRC-32 of a 24-byte tag followed by the data
 * (doc/block-format.md); it changes with write, stripe, block and data. */
static void test_unit_crc(void **state)
{
    (void)state;
    uint8_t buf[24 + 100];
    uint8_t *data = buf + 24;
    fill(data, 100, 9);
    uint64_t wid = 0x1122334455667788ULL, stripe = 5;
    unsigned block = 3;
    for (int i = 0; i < 8; i++) {
        buf[i] = (uint8_t)(wid >> (8 * i));
        buf[8 + i] = (uint8_t)(stripe >> (8 * i));
    }
    ne_put_le32(buf + 16, block);
    memcpy(buf + 20, "NEU1", 4);
    uint32_t c = ne_unit_crc(wid, stripe, block, data, 100);
    assert_int_equal(c, crc32_gzip_refl(0, buf, sizeof(buf)));
    assert_int_not_equal(c, ne_unit_crc(wid + 1, stripe, block, data, 100));
    assert_int_not_equal(c, ne_unit_crc(wid, stripe + 1, block, data, 100));
    assert_int_not_equal(c, ne_unit_crc(wid, stripe, block + 1, data, 100));
    data[99] ^= 0x80;
    assert_int_not_equal(c, ne_unit_crc(wid, stripe, block, data, 100));
    uint8_t le[4];
    ne_put_le32(le, c);
    assert_int_equal(ne_crcsum_add(0, c), crc32_gzip_refl(0, le, 4));
}

static void test_rotation(void **state)
{
    (void)state;
    unsigned seen[16] = {0};
    for (int i = 0; i < 1000; i++) {
        char name[32];
        snprintf(name, sizeof(name), "obj-%d", i);
        unsigned r = ne_rotation_of(name, 16);
        assert_true(r < 16);
        assert_int_equal(r, ne_rotation_of(name, 16));
        seen[r]++;
    }
    for (int r = 0; r < 16; r++)
        assert_true(seen[r] > 20);   /* ~62 expected */
    assert_int_equal(ne_rotation_of("anything", 1), 0);
}

struct cjob {
    struct ne_job job;
    _Atomic unsigned *count;
};

static void count_fn(struct ne_job *j)
{
    atomic_fetch_add(((struct cjob *)j)->count, 1);
}

static void run_pool(struct ne_pool *pool)
{
    struct cjob jobs[100];
    struct ne_job *jp[100];
    _Atomic unsigned count = 0;
    struct ne_batch b;
    ne_batch_init(&b);
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 100; i++) {
            jobs[i].job.fn = count_fn;
            jobs[i].count = &count;
            jp[i] = &jobs[i].job;
        }
        ne_batch_submit(pool, &b, jp, 100);
        ne_batch_wait(pool, &b);
        assert_int_equal(count, 100 * (round + 1));
    }
    ne_batch_submit(pool, &b, jp, 0);
    ne_batch_wait(pool, &b);
    ne_batch_fini(&b);
}

static void test_pool(void **state)
{
    (void)state;
    struct ne_pool *pool = NULL;
    run_pool(NULL);
    assert_int_equal(ne_pool_create(3, &pool), 0);
    run_pool(pool);
    ne_pool_destroy(pool);
    assert_int_equal(ne_pool_create(0, &pool), 0);
    run_pool(pool);   /* no workers: the waiter runs everything */
    ne_pool_destroy(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec_patterns),
        cmocka_unit_test(test_codec_limits),
        cmocka_unit_test(test_decoder_reuse),
        cmocka_unit_test(test_meta_roundtrip),
        cmocka_unit_test(test_meta_sanity),
        cmocka_unit_test(test_meta_same_object),
        cmocka_unit_test(test_geometry),
        cmocka_unit_test(test_unit_crc),
        cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_pool),
    };
    return cmocka_run_group_tests_name("ne_codec", tests, NULL, NULL);
}
