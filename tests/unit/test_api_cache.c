/*
 * test_api_cache.c - the read path's shared cache and read-ahead, and the
 * "where is my file" calls (marfs_file_info, marfs_object_health), on a
 * scratch 4+2 repo with 64 KiB parts (256 KiB stripes) and 1 MiB chunks.
 *
 * Every read is compared byte for byte with what was written; the cache
 * counters must show what the cache is for: packed files decoded once per
 * stripe, read-ahead feeding a sequential reader, the bound respected.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "api_test_util.h"
#include "log.h"

#define K 1024u
#define M (1024u * 1024u)
#define PSZ (64u * K)
#define STRIPE (4u * PSZ)   /* the test repo: 4+2, 64 KiB parts */

static void set_cache(marfs_ctx_t *ctx, uint64_t bytes, uint64_t ra,
                      unsigned threads)
{
    struct marfs_cache_opts o = {bytes, ra, threads};
    assert_int_equal(marfs_set_cache(ctx, &o), 0);
}

static struct marfs_cache_stats stats(marfs_ctx_t *ctx)
{
    struct marfs_cache_stats st;
    assert_int_equal(marfs_cache_stats(ctx, &st), 0);
    return st;
}

static void read_exact(marfs_ctx_t *ctx, const char *path,
                       const uint8_t *want, uint64_t off, size_t len)
{
    marfs_fh_t *fh;
    uint8_t *buf = malloc(len + 1);
    assert_non_null(buf);
    assert_int_equal(marfs_open(ctx, path, O_RDONLY, &fh), 0);
    assert_int_equal(marfs_pread(fh, buf, len, (off_t)off), (ssize_t)len);
    assert_memory_equal(buf, want + off, len);
    assert_int_equal(marfs_close(fh), 0);
    free(buf);
}

/* 300 packed files of 4000 bytes read in a scrambled order decode each
 * part of their objects once (a small file's miss decodes the parts it
 * lies in, not its whole stripe: readers that jump between objects, as
 * pftool's walk does, would decode N times what they read): one miss per
 * part at most, hits for the rest, and about as many bytes decoded as
 * the objects hold. */
static void test_packed_decoded_once(void **state)
{
    (void)state;
    enum { NF = 300, SZ = 4000 };
    struct at_env env;
    at_setup(&env, NULL);
    uint8_t *data = at_data((size_t)NF * SZ, 3);
    marfs_fh_t *fh = NULL;
    for (int i = 0; i < NF; i++)
        fh = at_put(env.ctx, at_p("/f%03d", i), data + (size_t)i * SZ, SZ,
                    0, fh);
    assert_int_equal(marfs_close(fh), 0);
    marfs_term(env.ctx);            /* a fresh context: an empty cache */
    assert_int_equal(marfs_init(env.conf, MARFS_BATCH, &env.ctx), 0);
    for (int k = 0; k < NF; k++) {
        int i = (k * 7919) % NF;
        read_exact(env.ctx, at_p("/f%03d", i), data + (size_t)i * SZ, 0, SZ);
    }
    struct marfs_cache_stats st = stats(env.ctx);
    /* ~1.3 MB of pieces and records: 6 stripes of 256 KiB */
    uint64_t stripes = ((uint64_t)NF * (SZ + 400) + STRIPE - 1) / STRIPE;
    uint64_t parts = stripes * (STRIPE / PSZ);
    assert_true(st.misses <= parts);
    assert_true(st.misses > stripes);          /* not whole stripes */
    assert_true(st.hits >= NF - parts);
    assert_true(st.decoded <= stripes * STRIPE);
    assert_true(st.decoded >= (uint64_t)NF * SZ);
    /* a second pass decodes nothing */
    for (int i = 0; i < NF; i++)
        read_exact(env.ctx, at_p("/f%03d", i), data + (size_t)i * SZ, 0, SZ);
    assert_int_equal(stats(env.ctx).decoded, st.decoded);
    free(data);
    at_teardown(&env);
}

/* A sequential reader in 128 KiB pieces (a FUSE mount's requests) is fed
 * by read-ahead, across chunk (object) boundaries, and reads exactly.
 * The reader takes 1 ms per piece, as a consumer does: a reader that
 * only reads races the read-ahead for every stripe, and on a busy disk
 * (blocks are written with O_DIRECT, so they are read from the disk)
 * won most of them. */
static void test_sequential_readahead(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, NULL);
    size_t size = 5 * M + 4321;
    uint8_t *data = at_data(size, 5);
    at_write(env.ctx, at_p("/big"), data, size);
    set_cache(env.ctx, 16 * M, 4 * M, 2);
    marfs_fh_t *fh;
    uint8_t *buf = malloc(128 * K);
    assert_non_null(buf);
    assert_int_equal(marfs_open(env.ctx, at_p("/big"), O_RDONLY, &fh), 0);
    for (size_t off = 0; off < size; off += 128 * K) {
        size_t want = size - off < 128 * K ? size - off : 128 * K;
        assert_int_equal(marfs_read(fh, buf, 128 * K), (ssize_t)want);
        assert_memory_equal(buf, data + off, want);
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    assert_int_equal(marfs_read(fh, buf, 128 * K), 0);
    assert_int_equal(marfs_close(fh), 0);
    struct marfs_cache_stats st = stats(env.ctx);
    assert_true(st.prefetched > 2 * M);   /* over 2 of the 5 MiB */
    assert_true(st.decoded <= size + 6 * STRIPE);   /* no double work */
    assert_true(st.peak <= 16 * M);
    free(buf);
    free(data);
    at_teardown(&env);
}

/* Random ranges across stripe and chunk boundaries, with a cache of two
 * stripes so that it evicts all the time: exact bytes, bound kept. */
static void test_ranges_small_cache(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, NULL);
    size_t size = 3 * M + 17;
    uint8_t *data = at_data(size, 9);
    at_write(env.ctx, at_p("/big"), data, size);
    set_cache(env.ctx, 2 * STRIPE, 0, 0);
    marfs_fh_t *fh;
    uint8_t *buf = malloc(M + 10);
    assert_non_null(buf);
    assert_int_equal(marfs_open(env.ctx, at_p("/big"), O_RDONLY, &fh), 0);
    uint64_t x = 12345;
    for (int i = 0; i < 400; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t off = (x >> 20) % (size + 100);
        size_t len = (size_t)((x >> 44) % (i % 4 ? 9000 : M + 10));
        if (i % 5 == 0)         /* right at a stripe or chunk edge */
            off = (uint64_t)(i % 3 ? STRIPE : M) * (1 + (x >> 50) % 3) - 3;
        ssize_t want = off >= size ? 0 : (ssize_t)(size - off < len
                                                   ? size - off : len);
        assert_int_equal(marfs_pread(fh, buf, len, (off_t)off), want);
        if (want > 0)
            assert_memory_equal(buf, data + off, (size_t)want);
    }
    assert_int_equal(marfs_close(fh), 0);
    struct marfs_cache_stats st = stats(env.ctx);
    assert_true(st.peak <= 2 * STRIPE);
    assert_true(st.evicted > 0);
    assert_true(st.direct > 0);         /* M+10 reads cover whole stripes */
    free(buf);
    free(data);
    at_teardown(&env);
}

struct reader_arg {
    marfs_ctx_t *ctx;
    const uint8_t *data[3];
    size_t size[3];
    unsigned seed;
    int bad;
    char why[160];          /* the first bad result, for the report */
};

static void *reader(void *p)
{
    struct reader_arg *a = p;
    marfs_fh_t *fh[3];
    uint8_t *buf = malloc(300 * K);
    if (buf == NULL)
        return NULL;
    for (int f = 0; f < 3; f++)
        if (marfs_open(a->ctx, at_p("/c%d", f), O_RDONLY, &fh[f]) != 0 &&
            a->bad++ == 0)
            snprintf(a->why, sizeof(a->why), "open /c%d failed", f);
    uint64_t x = a->seed;
    for (int i = 0; i < 300 && !a->bad; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        int f = (int)((x >> 60) % 3);
        uint64_t off = (x >> 20) % a->size[f];
        size_t len = (size_t)((x >> 40) % (300 * K));
        size_t want = a->size[f] - off < len ? a->size[f] - off : len;
        ssize_t got = marfs_pread(fh[f], buf, len, (off_t)off);
        if ((got != (ssize_t)want || memcmp(buf, a->data[f] + off, want) != 0) &&
            a->bad++ == 0) {
            size_t k = 0;       /* bytes that match before the first wrong one */
            while (got > 0 && k < (size_t)got && k < want &&
                   buf[k] == a->data[f][off + k])
                k++;
            snprintf(a->why, sizeof(a->why),
                     "/c%d at %llu: %zu bytes asked, %zu due, %zd read, "
                     "first %zu right", f, (unsigned long long)off, len, want,
                     got, k);
        }
    }
    for (int f = 0; f < 3; f++)
        marfs_close(fh[f]);
    free(buf);
    return NULL;
}

/* Eight threads of one context read random ranges of three files with
 * read-ahead on and a cache far smaller than the data. */
static void test_concurrent_readers(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, NULL);
    struct reader_arg a[8];
    uint8_t *d[3];
    size_t sz[3] = {3 * M + 99, 2 * M + 1, 700 * K};
    for (int f = 0; f < 3; f++) {
        d[f] = at_data(sz[f], 20 + (unsigned)f);
        at_write(env.ctx, at_p("/c%d", f), d[f], sz[f]);
    }
    set_cache(env.ctx, 1 * M, 1 * M, 2);
    pthread_t t[8];
    for (int i = 0; i < 8; i++) {
        a[i] = (struct reader_arg){.ctx = env.ctx, .seed = 77u + (unsigned)i};
        for (int f = 0; f < 3; f++) {
            a[i].data[f] = d[f];
            a[i].size[f] = sz[f];
        }
        assert_int_equal(pthread_create(&t[i], NULL, reader, &a[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        if (a[i].bad)
            print_message("reader %d: %d bad; first: %s\n", i, a[i].bad,
                          a[i].why);
        assert_int_equal(a[i].bad, 0);
    }
    /* eight readers may pin eight stripes at once beyond the bound */
    assert_true(stats(env.ctx).peak <= 1 * M + 8 * STRIPE);
    for (int f = 0; f < 3; f++)
        free(d[f]);
    at_teardown(&env);
}

/* With caching off every read goes to the objects and still reads
 * exactly; the cache holds nothing. */
static void test_cache_off(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, NULL);
    size_t size = 2 * M + 5;
    uint8_t *data = at_data(size, 31);
    at_write(env.ctx, at_p("/x"), data, size);
    set_cache(env.ctx, 0, 0, 0);
    at_expect(env.ctx, at_p("/x"), data, size);
    read_exact(env.ctx, at_p("/x"), data, M - 7, 300 * K);
    struct marfs_cache_stats st = stats(env.ctx);
    assert_int_equal(st.decoded, 0);
    assert_int_equal(st.used, 0);
    free(data);
    at_teardown(&env);
}

static void delete_blocks(struct at_env *env, const char *obj,
                          const unsigned *blocks, unsigned nb)
{
    dal_t *dal = ne_ctx_dal(env->ne);
    for (unsigned i = 0; i < nb; i++) {
        struct dal_loc loc;
        ne_block_loc(env->ne, obj, blocks[i], &loc);
        assert_int_equal(dal->ops->del(dal, &loc, obj), 0);
    }
}

/* E lost blocks: exact bytes and one warning naming the object; E+1:
 * -EIO every time (nothing half-filled stays cached), and other files
 * still read. */
static void test_damage(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, NULL);
    size_t size = 600 * K;
    uint8_t *d1 = at_data(size, 41), *d2 = at_data(size, 42);
    uint8_t *d3 = at_data(size, 43);
    at_write(env.ctx, at_p("/one"), d1, size);
    at_write(env.ctx, at_p("/two"), d2, size);
    at_write(env.ctx, at_p("/three"), d3, size);
    struct ftag t1, t2;
    at_tag(&env, "/", "one", &t1);
    at_tag(&env, "/", "two", &t2);
    char o1[200], o2[200];
    snprintf(o1, sizeof(o1), "%s/%" PRIu64, t1.stream, t1.objno);
    snprintf(o2, sizeof(o2), "%s/%" PRIu64, t2.stream, t2.objno);
    unsigned two[] = {1, 4}, three[] = {0, 2, 5};
    delete_blocks(&env, o1, two, 2);
    delete_blocks(&env, o2, three, 3);
    FILE *log = tmpfile();
    assert_non_null(log);
    mlog_set_stream(log);
    at_expect(env.ctx, at_p("/one"), d1, size);
    read_exact(env.ctx, at_p("/one"), d1, 100 * K, 7);
    marfs_fh_t *fh;
    uint8_t buf[512];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(marfs_open(env.ctx, at_p("/two"), O_RDONLY, &fh), 0);
        assert_int_equal(marfs_pread(fh, buf, sizeof(buf), 1000), -EIO);
        assert_int_equal(marfs_close(fh), 0);
    }
    at_expect(env.ctx, at_p("/three"), d3, size);
    mlog_set_stream(NULL);
    char text[8192];
    rewind(log);
    size_t n = fread(text, 1, sizeof(text) - 1, log);
    text[n] = '\0';
    fclose(log);
    char *w = strstr(text, "needs a rebuild");
    assert_non_null(w);
    assert_null(strstr(w + 1, "needs a rebuild"));     /* warned once */
    assert_non_null(strstr(text, o1));
    free(d1);
    free(d2);
    free(d3);
    at_teardown(&env);
}

/* marfs_file_info / marfs_object_health on packed, chunked, empty and
 * non-regular entries. */
static void test_file_info(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, NULL);
    size_t size = 2 * M + 10;
    uint8_t *data = at_data(size, 51);
    marfs_fh_t *fh = at_put(env.ctx, at_p("/small"), data, 1000, 0, NULL);
    fh = at_put(env.ctx, at_p("/big"), data, size, 0, fh);
    fh = at_put(env.ctx, at_p("/empty"), data, 0, 0, fh);
    assert_int_equal(marfs_close(fh), 0);
    assert_int_equal(marfs_mkdir(env.ctx, at_p("/d"), 0755), 0);
    struct marfs_file_info fi;
    assert_int_equal(marfs_file_info(env.ctx, at_p("/small"), &fi), 0);
    assert_int_equal(fi.complete, 1);
    assert_int_equal(fi.size, 1000);
    assert_int_equal(fi.nobjs, 1);
    assert_int_equal(fi.n, 4);
    assert_int_equal(fi.e, 2);
    assert_int_equal(fi.psz, 64 * K);
    assert_string_equal(fi.repo, "t");
    uint64_t crc;
    assert_int_equal(marfs_file_checksum(env.ctx, at_p("/small"), &crc), 0);
    assert_int_equal(fi.has_crc, 1);
    assert_int_equal(fi.crc, crc);
    assert_int_equal(marfs_file_info(env.ctx, at_p("/big"), &fi), 0);
    /* after the small file in object k: the rest of it, one more whole
     * chunk, and the remainder */
    assert_int_equal(fi.nobjs, 3);
    assert_true(fi.first_off > 1000);
    struct marfs_obj_health h;
    for (uint64_t k = 0; k < fi.nobjs; k++) {
        assert_int_equal(marfs_object_health(env.ctx, at_p("/big"), k, &h), 0);
        assert_int_equal(h.nblocks, 6);
        assert_int_equal(h.nbad, 0);
        assert_int_equal(h.lost, 0);
    }
    assert_int_equal(marfs_object_health(env.ctx, at_p("/big"), 3, &h),
                     -EINVAL);
    assert_int_equal(marfs_object_health(env.ctx, at_p("/big"), 1, &h), 0);
    unsigned one[] = {2}, more[] = {0, 4};
    delete_blocks(&env, h.name, one, 1);
    assert_int_equal(marfs_object_health(env.ctx, at_p("/big"), 1, &h), 0);
    assert_int_equal(h.nbad, 1);
    assert_int_equal(h.lost, 0);
    delete_blocks(&env, h.name, more, 2);
    assert_int_equal(marfs_object_health(env.ctx, at_p("/big"), 1, &h), 0);
    assert_int_equal(h.lost, 1);
    assert_int_equal(marfs_file_info(env.ctx, at_p("/empty"), &fi), 0);
    assert_int_equal(fi.size, 0);
    assert_int_equal(fi.nobjs, 1);
    assert_int_equal(marfs_file_info(env.ctx, at_p("/d"), &fi), -EISDIR);
    assert_int_equal(marfs_file_info(env.ctx, at_p("/"), &fi), -EISDIR);
    assert_int_equal(marfs_file_info(env.ctx, at_p("/nope"), &fi), -ENOENT);
    assert_int_equal(marfs_symlink(env.ctx, "small", at_p("/ln")), 0);
    assert_int_equal(marfs_file_info(env.ctx, at_p("/ln"), &fi), 0);
    assert_int_equal(fi.size, 1000);
    uint64_t v;
    assert_int_equal(marfs_parse_size("64M", &v), 0);
    assert_int_equal(v, 64 * M);
    assert_int_equal(marfs_parse_size("x", &v), -EINVAL);
    free(data);
    at_teardown(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packed_decoded_once),
        cmocka_unit_test(test_sequential_readahead),
        cmocka_unit_test(test_ranges_small_cache),
        cmocka_unit_test(test_concurrent_readers),
        cmocka_unit_test(test_cache_off),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_file_info),
    };
    return cmocka_run_group_tests_name("api_cache", tests, NULL, NULL);
}
