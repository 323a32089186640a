/*
 * test_api_layout.c - where file data goes: packing many small files
 * into objects of max_files, one object per file without packing, files
 * around chunk boundaries (alone and starting mid-object after packed
 * files), read back whole and by random ranges; every object carries the
 * recovery framing (header, records, END trailer).
 *
 * Object counts are exact: the objects are counted on the posix DAL's
 * disk (one block file per block index) and compared with a model of the
 * packing rules in doc/metadata-format.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_test_util.h"
#include "dal.h"
#include "objfmt.h"

#define M (1ULL << 20)      /* max_size of most configs here */

/* ---- the packing model ------------------------------------------------ */

struct model_file {
    uint64_t size;
    uint64_t obj, first;     /* expected tag fields */
};

/* Place files of a stream by the documented rules: a new file joins the
 * current object unless it holds max_files files or chunk data bytes; a
 * file's data fills objects up to chunk bytes and continues in the next.
 * Returns the number of objects; *pieces the number of file pieces. */
static uint64_t model(struct model_file *f, size_t n, uint64_t max_files,
                      uint64_t chunk, uint64_t *pieces)
{
    uint64_t objno = 0, files = 0, data = 0, np = 0;
    int open = 0;
    for (size_t i = 0; i < n; i++) {
        if (open && (files >= max_files || data >= chunk)) {
            objno++;
            open = 0;
        }
        if (!open) {
            open = 1;
            files = data = 0;
        }
        files++;
        f[i].obj = objno;
        f[i].first = chunk - data;
        uint64_t left = f[i].size;
        np++;
        while (left > 0) {
            if (data >= chunk) {
                objno++;
                files = data = 0;
                np++;
            }
            uint64_t k = left < chunk - data ? left : chunk - data;
            data += k;
            left -= k;
        }
    }
    *pieces = np;
    return n ? objno + 1 : 0;
}

static unsigned check_all_objects(struct at_env *env, const char *prefix,
                                  size_t want)
{
    char **names;
    size_t n = at_objects(env, prefix, &names);
    assert_int_equal(n, want);
    unsigned pieces = 0;
    for (size_t i = 0; i < n; i++)
        pieces += at_check_object(env, names[i]);
    at_free_names(names, n);
    return pieces;
}

/* ---- 10,000 small files ------------------------------------------------ */

#define NSMALL 10000
#define MAXF 700

static size_t small_size(unsigned i)
{
    return (i * 7919u) % 300;   /* 0..299, zero-length ones included */
}

static void test_pack_10000(void **state)
{
    (void)state;
    struct at_env env;
    struct at_cfg c = {.max_files = MAXF, .max_size = "16M"};
    at_setup(&env, &c);
    uint8_t buf[300];
    for (int d = 0; d < 10; d++)
        assert_int_equal(marfs_mkdir(env.ctx, at_p("/d%d", d), 0755), 0);
    marfs_fh_t *fh = NULL;
    for (unsigned i = 0; i < NSMALL; i++) {
        at_fill(buf, sizeof(buf), i);
        fh = at_put(env.ctx, at_p("/d%u/f%05u", i % 10, i), buf,
                    small_size(i), 0, fh);
    }
    assert_int_equal(marfs_close(fh), 0);
    /* ceil(10000 / 700) = 15 objects, all of one stream */
    struct ftag t0;
    at_tag(&env, "/", "d0/f00000", &t0);
    char prefix[120];
    snprintf(prefix, sizeof(prefix), "%s/", t0.stream);
    assert_int_equal(at_objects(&env, NULL, NULL),
                     (NSMALL + MAXF - 1) / MAXF);
    char **names;
    size_t n = at_objects(&env, prefix, &names);
    assert_int_equal(n, 15);
    for (size_t k = 0; k < n; k++) {
        unsigned p = at_check_object(&env, names[k]);
        uint64_t objno = strtoull(names[k] + strlen(prefix), NULL, 10);
        assert_int_equal(p, objno < 14 ? MAXF : NSMALL - 14 * MAXF);
    }
    at_free_names(names, n);
    /* every file: in object i / max_files, exact bytes */
    for (unsigned i = 0; i < NSMALL; i++) {
        char rel[32];
        snprintf(rel, sizeof(rel), "d%u/f%05u", i % 10, i);
        if (i % 97 == 0) {
            struct ftag t;
            at_tag(&env, "/", rel, &t);
            assert_string_equal(t.stream, t0.stream);
            assert_int_equal(t.objno, i / MAXF);
            assert_int_equal(t.size, small_size(i));
        }
        at_fill(buf, sizeof(buf), i);
        at_expect(env.ctx, at_p("/%s", rel), buf, small_size(i));
    }
    at_teardown(&env);
}

static void test_nopack(void **state)
{
    (void)state;
    struct at_env env;
    struct at_cfg c = {.nopack = 1};
    at_setup(&env, &c);
    uint8_t buf[1000];
    marfs_fh_t *fh = NULL;
    for (unsigned i = 0; i < 20; i++) {
        at_fill(buf, sizeof(buf), i + 100);
        fh = at_put(env.ctx, at_p("/n%u", i), buf, 50 * i, 0, fh);
    }
    assert_int_equal(marfs_close(fh), 0);
    assert_int_equal(check_all_objects(&env, NULL, 20), 20);
    char streams[20][96];
    for (unsigned i = 0; i < 20; i++) {
        struct ftag t;
        char rel[16];
        snprintf(rel, sizeof(rel), "n%u", i);
        at_tag(&env, "/", rel, &t);
        assert_int_equal(t.objno, 0);
        assert_int_equal(t.off, 512);
        for (unsigned j = 0; j < i; j++)
            assert_string_not_equal(streams[j], t.stream);
        memcpy(streams[i], t.stream, sizeof(streams[i]));
        at_fill(buf, sizeof(buf), i + 100);
        at_expect(env.ctx, at_p("/n%u", i), buf, 50 * i);
    }
    at_teardown(&env);
}

/* ---- sizes around chunk boundaries ----------------------------------- */

static const uint64_t sizes[] = {0, 1, M - 1, M, M + 1, 3 * M + 17};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* Random ranges with pread, and seek + read, against the data. */
static void check_ranges(struct at_env *env, const char *path,
                         const uint8_t *data, uint64_t size, uint64_t seed)
{
    marfs_fh_t *fh;
    assert_int_equal(marfs_open(env->ctx, path, O_RDONLY, &fh), 0);
    uint8_t *buf = malloc(2 * M + 16);
    assert_non_null(buf);
    uint64_t x = seed * 2654435761u + 1;
    /* ranges that start or end right at the chunk boundaries */
    uint64_t edges[] = {0, 1, M - 1, M, M + 1, 2 * M - 1, 2 * M, 3 * M,
                        3 * M + 16, size ? size - 1 : 0, size};
    for (int i = 0; i < 60; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t off, len;
        if (i < 22) {
            off = edges[i % 11] > 4 ? edges[i % 11] - (i < 11 ? 3 : 0) : 0;
            len = i < 11 ? 7 : (x >> 33) % (M + 3);
        } else {
            off = size ? (x >> 20) % (size + 10) : (x >> 20) % 10;
            len = (x >> 40) % (i % 3 ? 4096 : 2 * M);
        }
        ssize_t want = off >= size ? 0 : (ssize_t)(size - off < len
                                                   ? size - off : len);
        ssize_t got;
        if (i % 2 == 0) {
            got = marfs_pread(fh, buf, len, (off_t)off);
        } else {
            assert_int_equal(marfs_seek(fh, (off_t)off, SEEK_SET),
                             (off_t)off);
            got = marfs_read(fh, buf, len);
            /* the position moved by what was read */
            assert_int_equal(marfs_seek(fh, 0, SEEK_CUR), (off_t)off + want);
        }
        if (got != want)
            print_error("%s: range %" PRIu64 "+%" PRIu64 ": got %zd want "
                        "%zd\n", path, off, len, got, want);
        assert_int_equal(got, want);
        if (want > 0)
            assert_memory_equal(buf, data + off, (size_t)want);
    }
    /* SEEK_END and SEEK_CUR */
    if (size >= 10) {
        assert_int_equal(marfs_seek(fh, -10, SEEK_END), (off_t)size - 10);
        assert_int_equal(marfs_read(fh, buf, 100), 10);
        assert_memory_equal(buf, data + size - 10, 10);
        assert_int_equal(marfs_read(fh, buf, 100), 0);
        assert_int_equal(marfs_seek(fh, -5, SEEK_CUR), (off_t)size - 5);
        assert_int_equal(marfs_read(fh, buf, 2), 2);
        assert_memory_equal(buf, data + size - 5, 2);
    }
    assert_int_equal(marfs_seek(fh, 0, SEEK_END), (off_t)size);
    assert_int_equal(marfs_seek(fh, -1, SEEK_SET), -EINVAL);
    assert_int_equal(marfs_seek(fh, -(off_t)size - 1, SEEK_END), -EINVAL);
    assert_int_equal(marfs_seek(fh, 0, 42), -EINVAL);
    assert_int_equal(marfs_pread(fh, buf, 10, -1), -EINVAL);
    assert_int_equal(marfs_pread(fh, buf, 10, (off_t)size + 5), 0);
    assert_int_equal(marfs_close(fh), 0);
    free(buf);
}

static void test_sizes_alone(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, NULL);   /* 4+2, 64K parts, chunk 1M, packing */
    uint8_t *data = at_data(3 * M + 17, 21);
    unsigned total = 0;
    for (size_t i = 0; i < NSIZES; i++) {
        /* written in odd pieces so writes straddle the boundaries */
        marfs_fh_t *fh = at_put(env.ctx, at_p("/s%zu", i), data, sizes[i],
                                100003, NULL);
        assert_int_equal(marfs_close(fh), 0);
        struct ftag t;
        char rel[16], prefix[120];
        snprintf(rel, sizeof(rel), "s%zu", i);
        at_tag(&env, "/", rel, &t);
        assert_int_equal(t.objno, 0);
        assert_int_equal(t.off, 512);
        assert_int_equal(t.first, M);
        assert_int_equal(t.chunk, M);
        assert_int_equal(t.size, sizes[i]);
        struct model_file mf = {.size = sizes[i]};
        uint64_t pieces;
        uint64_t nobj = model(&mf, 1, 1024, M, &pieces);
        assert_int_equal(nobj, sizes[i] <= M ? 1 : (sizes[i] + M - 1) / M);
        snprintf(prefix, sizeof(prefix), "%s/", t.stream);
        assert_int_equal(check_all_objects(&env, prefix, nobj), pieces);
        total += (unsigned)nobj;
        at_expect(env.ctx, at_p("/s%zu", i), data, sizes[i]);
        check_ranges(&env, at_p("/s%zu", i), data, sizes[i], i);
    }
    assert_int_equal(at_objects(&env, NULL, NULL), total);
    free(data);
    at_teardown(&env);
}

static void test_sizes_mid_object(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, NULL);
    uint8_t *data = at_data(3 * M + 17, 22);
    uint8_t small[1000];
    at_fill(small, sizeof(small), 23);
    for (size_t i = 0; i < NSIZES; i++) {
        /* five packed 1000-byte files, the big one, one more after it */
        struct model_file mf[7];
        marfs_fh_t *fh = NULL;
        for (int k = 0; k < 5; k++) {
            fh = at_put(env.ctx, at_p("/m%zu-%d", i, k), small, 1000, 0, fh);
            mf[k].size = 1000;
        }
        fh = at_put(env.ctx, at_p("/m%zu-big", i), data, sizes[i], 65536, fh);
        mf[5].size = sizes[i];
        fh = at_put(env.ctx, at_p("/m%zu-after", i), small, 999, 0, fh);
        mf[6].size = 999;
        assert_int_equal(marfs_close(fh), 0);
        uint64_t pieces, nobj = model(mf, 7, 1024, M, &pieces);
        struct ftag t;
        char rel[32], prefix[120];
        snprintf(rel, sizeof(rel), "m%zu-big", i);
        at_tag(&env, "/", rel, &t);
        assert_int_equal(t.objno, mf[5].obj);
        assert_int_equal(t.first, mf[5].first);
        assert_int_equal(t.first, M - 5000);
        assert_true(t.off > 512 + 5000);     /* mid-object */
        snprintf(rel, sizeof(rel), "m%zu-after", i);
        struct ftag ta;
        at_tag(&env, "/", rel, &ta);
        assert_int_equal(ta.objno, mf[6].obj);
        assert_int_equal(ta.first, mf[6].first);
        snprintf(prefix, sizeof(prefix), "%s/", t.stream);
        assert_int_equal(check_all_objects(&env, prefix, nobj), pieces);
        at_expect(env.ctx, at_p("/m%zu-big", i), data, sizes[i]);
        check_ranges(&env, at_p("/m%zu-big", i), data, sizes[i], i + 50);
        for (int k = 0; k < 5; k++)
            at_expect(env.ctx, at_p("/m%zu-%d", i, k), small, 1000);
        at_expect(env.ctx, at_p("/m%zu-after", i), small, 999);
    }
    free(data);
    at_teardown(&env);
}

/* A random stream against the model: a small chunk and max_files so that
 * both limits close objects, files spill across several objects. */
static void test_stream_model(void **state)
{
    (void)state;
    struct at_env env;
    struct at_cfg c = {.max_files = 5, .max_size = "64K", .n = 3, .e = 1,
                       .psz = "4K"};
    at_setup(&env, &c);
    enum { NF = 80 };
    struct model_file mf[NF];
    uint8_t *data = at_data(200000 + NF, 31);
    uint64_t x = 99;
    marfs_fh_t *fh = NULL;
    for (int i = 0; i < NF; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        mf[i].size = i % 9 == 0 ? 0 : (x >> 33) % (i % 4 ? 20000 : 200000);
        fh = at_put(env.ctx, at_p("/r%02d", i), data + i, mf[i].size, 7777,
                    fh);
    }
    assert_int_equal(marfs_close(fh), 0);
    uint64_t pieces, nobj = model(mf, NF, 5, 65536, &pieces);
    assert_int_equal(check_all_objects(&env, NULL, nobj), pieces);
    for (int i = 0; i < NF; i++) {
        struct ftag t;
        char rel[8];
        snprintf(rel, sizeof(rel), "r%02d", i);
        at_tag(&env, "/", rel, &t);
        if (t.objno != mf[i].obj || t.first != mf[i].first)
            print_error("file %d (%" PRIu64 " bytes): obj %" PRIu64 " first %"
                        PRIu64 ", model %" PRIu64 " %" PRIu64 "\n", i,
                        mf[i].size, t.objno, t.first, mf[i].obj, mf[i].first);
        assert_int_equal(t.objno, mf[i].obj);
        assert_int_equal(t.first, mf[i].first);
        at_expect(env.ctx, at_p("/r%02d", i), data + i, mf[i].size);
    }
    free(data);
    at_teardown(&env);
}

static void test_nochunk(void **state)
{
    (void)state;
    struct at_env env;
    struct at_cfg c = {.nochunk = 1};
    at_setup(&env, &c);
    uint8_t *data = at_data(3 * M + 17, 41);
    marfs_fh_t *fh = at_put(env.ctx, at_p("/a"), data, 1000, 0, NULL);
    fh = at_put(env.ctx, at_p("/big"), data, 3 * M + 17, 0, fh);
    assert_int_equal(marfs_close(fh), 0);
    struct ftag t;
    at_tag(&env, "/", "big", &t);
    assert_true(t.chunk == UINT64_MAX);
    assert_int_equal(check_all_objects(&env, NULL, 1), 2);
    at_expect(env.ctx, at_p("/big"), data, 3 * M + 17);
    at_expect(env.ctx, at_p("/a"), data, 1000);
    check_ranges(&env, at_p("/big"), data, 3 * M + 17, 7);
    free(data);
    at_teardown(&env);
}

/* ---- what the recovery records say --------------------------------- */

static void obj_of(const struct ftag *t, uint64_t k, char *buf, size_t sz)
{
    snprintf(buf, sz, "%s/%" PRIu64, t->stream, t->objno + k);
}

/* Records carry the creat path (below mnt_top), owner, the requested
 * mode, size and CRC; marfs_fchmod/fchown/futimens and
 * marfs_set_recovery_path on the writing handle replace them, and the
 * inode shows the same owner, mode and times once complete. */
static void test_records_metadata(void **state)
{
    (void)state;
    struct at_env env;
    struct at_cfg c = {.children = "<ns name=\"proj\"/>"};
    at_setup(&env, &c);
    uint8_t d[300];
    at_fill(d, sizeof(d), 61);
    umask(022);
    assert_int_equal(marfs_mkdir(env.ctx, at_p("/dir"), 0755), 0);
    /* plain: the creat path, the caller's ids, the requested mode */
    marfs_fh_t *a = at_put(env.ctx, at_p("/dir/plain"), d, 100, 0, NULL);
    /* set on the handle: owner, mode, times, another path */
    marfs_fh_t *b;
    assert_int_equal(marfs_creat(env.ctx, at_p("/dir/.tmp-x"), 0644, a, &b),
                     0);
    assert_int_equal(marfs_set_recovery_path(b, "/elsewhere/x"), -EINVAL);
    assert_int_equal(marfs_set_recovery_path(b, at_p("/proj/final")), 0);
    assert_int_equal(marfs_write(b, d, 200), 200);
    assert_int_equal(marfs_fchmod(b, 0600), 0);
    assert_int_equal(marfs_fchown(b, 1234, 5678), 0);
    struct timespec ts[2] = {{1000000000, 7}, {1100000000, 5}};
    assert_int_equal(marfs_futimens(b, ts), 0);
    assert_int_equal(marfs_close(b), 0);
    struct stat st;
    assert_int_equal(marfs_stat(env.ctx, at_p("/dir/.tmp-x"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_uid, 1234);
    assert_int_equal(st.st_gid, 5678);
    assert_int_equal(st.st_mtim.tv_sec, 1100000000);
    assert_int_equal(st.st_mtim.tv_nsec, 5);
    assert_int_equal(st.st_size, 200);
    struct ftag t;
    at_tag(&env, "/", "dir/plain", &t);
    char obj[200];
    obj_of(&t, 0, obj, sizeof(obj));
    struct obj_record *r = calloc(4, sizeof(*r));
    assert_non_null(r);
    assert_int_equal(at_records(&env, obj, r, 4), 2);
    assert_string_equal(r[0].path, "/dir/plain");
    assert_string_equal(r[0].ref, t.ref);
    assert_int_equal(r[0].uid, getuid());
    assert_int_equal(r[0].gid, getgid());
    assert_int_equal(r[0].mode, 0644);
    assert_int_equal(r[0].plen, 100);
    assert_true(r[0].last);
    assert_int_equal(r[0].size, 100);
    assert_true(r[0].fcrc == marfs_checksum_update(0, d, 100));
    assert_true(r[0].mtime_sec > 1600000000);
    assert_string_equal(r[1].path, "/proj/final");
    assert_int_equal(r[1].uid, 1234);
    assert_int_equal(r[1].gid, 5678);
    assert_int_equal(r[1].mode, 0600);
    assert_int_equal(r[1].mtime_sec, 1100000000);
    assert_int_equal(r[1].mtime_nsec, 5);
    assert_int_equal(r[1].size, 200);
    assert_true(r[1].fcrc == marfs_checksum_update(0, d, 200));
    at_expect(env.ctx, at_p("/dir/.tmp-x"), d, 200);
    /* read handles refuse them */
    marfs_fh_t *rh;
    assert_int_equal(marfs_open(env.ctx, at_p("/dir/plain"), O_RDONLY, &rh),
                     0);
    assert_int_equal(marfs_fchmod(rh, 0600), -EBADF);
    assert_int_equal(marfs_fchown(rh, 1, 1), -EBADF);
    assert_int_equal(marfs_futimens(rh, ts), -EBADF);
    assert_int_equal(marfs_set_recovery_path(rh, at_p("/y")), -EBADF);
    assert_int_equal(marfs_close(rh), 0);
    /* N:1: every chunk's record, from every writer, carries them */
    marfs_fh_t *n1, *n2;
    assert_int_equal(marfs_creat(env.ctx, at_p("/dir/n"), 0644, NULL, &n1),
                     0);
    assert_int_equal(marfs_set_size(n1, (off_t)(M + 10)), 0);
    assert_int_equal(marfs_fchown(n1, 42, 43), 0);
    assert_int_equal(marfs_futimens(n1, ts), 0);
    assert_int_equal(marfs_set_recovery_path(n1, at_p("/n-final")), 0);
    assert_int_equal(marfs_open(env.ctx, at_p("/dir/n"), O_WRONLY, &n2), 0);
    uint8_t *big = at_data(M + 10, 62);
    assert_int_equal(marfs_pwrite(n2, big + M, 10, (off_t)M), 10);
    assert_int_equal(marfs_pwrite(n1, big, M, 0), (ssize_t)M);
    assert_int_equal(marfs_close(n2), 0);
    assert_int_equal(marfs_finalize(n1), 0);
    assert_int_equal(marfs_close(n1), 0);
    at_expect(env.ctx, at_p("/dir/n"), big, M + 10);
    assert_int_equal(marfs_stat(env.ctx, at_p("/dir/n"), &st), 0);
    assert_int_equal(st.st_uid, 42);
    assert_int_equal(st.st_mtim.tv_sec, 1100000000);
    at_tag(&env, "/", "dir/n", &t);
    for (uint64_t k = 0; k < 2; k++) {
        obj_of(&t, k, obj, sizeof(obj));
        assert_int_equal(at_records(&env, obj, r, 4), 1);
        assert_string_equal(r[0].path, "/n-final");
        assert_int_equal(r[0].uid, 42);
        assert_int_equal(r[0].gid, 43);
        assert_int_equal(r[0].mtime_sec, 1100000000);
        assert_int_equal(r[0].poff, k * M);
        assert_int_equal(r[0].plen, k ? 10 : M);
        assert_int_equal(r[0].last, k == 1);
    }
    free(big);
    free(r);
    at_teardown(&env);
}

/* marfs_set_recovery_path on a handle that has already written data: it
 * returns 0, so the record of the file's last piece (written at close)
 * must carry the new path -- like fchown/fchmod/futimens, which may be
 * called any time before close. */
static void test_recovery_path_late(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, NULL);
    uint8_t d[100];
    at_fill(d, sizeof(d), 63);
    marfs_fh_t *fh = at_put(env.ctx, at_p("/.tmp-late"), d, 100, 0, NULL);
    assert_int_equal(marfs_fchown(fh, 77, 78), 0);
    int rc = marfs_set_recovery_path(fh, at_p("/late-final"));
    assert_int_equal(marfs_close(fh), 0);
    struct ftag t;
    at_tag(&env, "/", ".tmp-late", &t);
    char obj[200];
    obj_of(&t, 0, obj, sizeof(obj));
    struct obj_record *r = calloc(2, sizeof(*r));
    assert_non_null(r);
    assert_int_equal(at_records(&env, obj, r, 2), 1);
    char path[sizeof(r->path)];
    memcpy(path, r[0].path, sizeof(path));
    uid_t uid = r[0].uid;
    free(r);
    at_teardown(&env);
    assert_int_equal(uid, 77);
    if (rc == 0 && strcmp(path, "/late-final") != 0)
        print_error("set_recovery_path after a write returned 0, but the "
                    "record says path=%s\n", path);
    assert_int_equal(rc, 0);
    assert_string_equal(path, "/late-final");
}

/* Reads through the API survive lost blocks up to E (reconstructed, exact
 * bytes) and fail with EIO beyond that -- never wrong bytes. */
static void test_degraded_read(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, NULL);        /* 4+2 */
    uint8_t *data = at_data(3 * M + 17, 71);
    marfs_fh_t *fh = at_put(env.ctx, at_p("/small"), data + 5, 5000, 0, NULL);
    fh = at_put(env.ctx, at_p("/big"), data, 3 * M + 17, 0, fh);
    assert_int_equal(marfs_close(fh), 0);
    struct ftag t;
    at_tag(&env, "/", "big", &t);
    char obj[200];
    /* lose blocks 0 and 3 of every object of the stream */
    for (uint64_t k = 0; k < 4; k++) {
        obj_of(&t, k, obj, sizeof(obj));
        dal_t *dal = ne_ctx_dal(env.ne);
        for (unsigned b = 0; b < 6; b += 3) {
            struct dal_loc loc;
            ne_block_loc(env.ne, obj, b, &loc);
            assert_int_equal(dal->ops->del(dal, &loc, obj), 0);
        }
    }
    at_expect(env.ctx, at_p("/big"), data, 3 * M + 17);
    at_expect(env.ctx, at_p("/small"), data + 5, 5000);
    check_ranges(&env, at_p("/big"), data, 3 * M + 17, 72);
    /* a third block of object 1 (file bytes first .. first+M) */
    obj_of(&t, 1, obj, sizeof(obj));
    dal_t *dal = ne_ctx_dal(env.ne);
    struct dal_loc loc;
    ne_block_loc(env.ne, obj, 1, &loc);
    assert_int_equal(dal->ops->del(dal, &loc, obj), 0);
    uint8_t *buf = malloc(M);
    assert_non_null(buf);
    assert_int_equal(marfs_open(env.ctx, at_p("/big"), O_RDONLY, &fh), 0);
    assert_int_equal(marfs_pread(fh, buf, 100, 0), 100);   /* object 0 */
    assert_memory_equal(buf, data, 100);
    /* bytes decoded (and verified) before the damage are still served
     * from the context's cache; with the cache emptied, the read fails */
    assert_int_equal(marfs_pread(fh, buf, 100, (off_t)t.first + 10), 100);
    assert_memory_equal(buf, data + t.first + 10, 100);
    struct marfs_cache_opts co, off = {0, 0, 0};
    assert_int_equal(marfs_get_cache(env.ctx, &co), 0);
    assert_int_equal(marfs_set_cache(env.ctx, &off), 0);
    assert_int_equal(marfs_pread(fh, buf, 100, (off_t)t.first + 10), -EIO);
    assert_int_equal(marfs_set_cache(env.ctx, &co), 0);
    assert_int_equal(marfs_pread(fh, buf, 100, (off_t)(t.first + M + 5)),
                     100);                                  /* object 2 */
    assert_memory_equal(buf, data + t.first + M + 5, 100);
    assert_int_equal(marfs_close(fh), 0);
    free(buf);
    free(data);
    at_teardown(&env);
}

/* ---- reference tree placement ----------------------------------------- */

/* The dir of a ref path: what precedes its last '/'. */
static void dir_of(const char *path, char *dir, size_t sz)
{
    const char *slash = strrchr(path, '/');
    assert_non_null(slash);
    assert_true((size_t)(slash - path) < sz);
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
}

/* Files made one after another share a ref dir (their names' group), the
 * inode is where the name says; names without a group are placed by all
 * of the name, exactly as revision 3 placed them. */
static void test_ref_dirs(void **state)
{
    (void)state;
    struct at_env env;
    at_setup(&env, NULL);
    enum { NF = 40 };
    uint8_t buf[64];
    char dirs[NF][PATH_MAX];
    unsigned distinct = 0;
    for (unsigned i = 0; i < NF; i++) {
        at_fill(buf, sizeof(buf), i);
        at_write(env.ctx, at_p("/f%02u", i), buf, sizeof(buf));
    }
    for (unsigned i = 0; i < NF; i++) {
        struct ftag t;
        char rel[8], user[PATH_MAX], ref[PATH_MAX];
        snprintf(rel, sizeof(rel), "f%02u", i);
        at_tag(&env, "/", rel, &t);
        assert_non_null(strchr(t.ref, '~'));
        at_meta_path(&env, "/", rel, user, sizeof(user));
        at_ref_path(&env, "/", t.ref, ref, sizeof(ref));
        struct stat su, sr;
        assert_int_equal(stat(user, &su), 0);
        assert_int_equal(stat(ref, &sr), 0);
        assert_int_equal(su.st_ino, sr.st_ino);
        assert_int_equal(sr.st_nlink, 2);
        dir_of(ref, dirs[i], sizeof(dirs[i]));
        if (i == 0 || strcmp(dirs[i], dirs[i - 1]) != 0)
            distinct++;
    }
    /* one group, or two if this thread's group filled up on the way (by
     * their hashes 40 names would take about 35 of the 256 dirs) */
    assert_true(distinct == 1 || distinct == 2);
    /* placement by group, and revision 3's placement of other names
     * (rbreadth 16, rdepth 2: values of the unchanged hash) */
    char a[PATH_MAX], b[PATH_MAX], da[PATH_MAX], db[PATH_MAX];
    at_ref_path(&env, "/", "0a0b0c0d-42-5f000000.000000001-7~0", a, sizeof(a));
    at_ref_path(&env, "/", "0a0b0c0d-42-5f000000.000000001-7~1023", b,
                sizeof(b));
    dir_of(a, da, sizeof(da));
    dir_of(b, db, sizeof(db));
    assert_string_equal(da, db);
    at_ref_path(&env, "/", "0a0b0c0d-42-5f000000.000000001-7", b, sizeof(b));
    dir_of(b, db, sizeof(db));
    assert_string_equal(da, db);
    assert_non_null(strstr(db, "/ref/"));
    assert_string_equal(strstr(db, "/ref/"), "/ref/02/09");
    at_ref_path(&env, "/", "0a0b0c0d-42-5f000000.000000002-8", a, sizeof(a));
    dir_of(a, da, sizeof(da));
    assert_non_null(strstr(da, "/ref/"));
    assert_string_equal(strstr(da, "/ref/"), "/ref/02/07");
    at_teardown(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ref_dirs),
        cmocka_unit_test(test_pack_10000),
        cmocka_unit_test(test_nopack),
        cmocka_unit_test(test_sizes_alone),
        cmocka_unit_test(test_sizes_mid_object),
        cmocka_unit_test(test_stream_model),
        cmocka_unit_test(test_nochunk),
        cmocka_unit_test(test_records_metadata),
        cmocka_unit_test(test_recovery_path_late),
        cmocka_unit_test(test_degraded_read),
    };
    return cmocka_run_group_tests_name("api_layout", tests, NULL, NULL);
}
