/*
 * test_ne_fault.c - the erasure layer against failing storage (fault DAL
 * over posix) and damaged blocks: writes that lose up to E-1 blocks
 * succeed and say which; fewer than the quorum fail with a clear error
 * and leave no object (nor hurt an older version); read faults of every
 * kind are repaired on the fly; rebuild restores deleted, corrupt,
 * truncated and stale blocks, refuses what cannot be recovered, and
 * never replaces a block with a partial one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "test_ne_util.h"

#define PSZ 1024

/* The log of the current test, to check that errors name their object. */
static char *logbuf;
static size_t loglen;
static FILE *logf_;

static void log_start(void)
{
    logf_ = open_memstream(&logbuf, &loglen);
    assert_non_null(logf_);
    mlog_set_stream(logf_);
}

/* Stop capturing; the text is in logbuf until the next log_start(). */
static void log_stop(void)
{
    mlog_set_stream(NULL);
    fclose(logf_);
}

static void log_free(void)
{
    free(logbuf);
    logbuf = NULL;
}

static void rules(struct tne_env *env, const char *r)
{
    assert_int_equal(dal_fault_set_rules(ne_ctx_dal(env->ctx), r), 0);
}

static uint8_t *data_of(size_t size, uint64_t seed)
{
    uint8_t *d = malloc(size + 1);
    assert_non_null(d);
    tne_fill(d, size, seed);
    return d;
}

static void check_object(ne_ctx_t *ctx, const char *obj, const uint8_t *d,
                         size_t size)
{
    uint8_t *got = NULL;
    assert_int_equal(tne_get(ctx, obj, &got), (ssize_t)size);
    assert_true(memcmp(got, d, size) == 0);
    free(got);
}

static uint64_t bad_mask(const struct ne_health *h, unsigned state)
{
    uint64_t m = 0;
    for (unsigned b = 0; b < h->nblocks; b++)
        if (h->state[b] == state)
            m |= 1ULL << b;
    return m;
}

/* Write through `rule`; it must succeed with exactly `failed` reported,
 * read back exact, and those blocks must be absent afterwards. */
static void write_tolerates(struct tne_env *env, const char *rule,
                            uint64_t failed, int err)
{
    size_t size = 37 * PSZ + 11;
    uint8_t *d = data_of(size, failed);
    struct ne_health st;
    rules(env, rule);
    log_start();
    assert_int_equal(tne_put(env->ctx, "tol", d, size, 5000, &st), 0);
    log_stop();
    rules(env, NULL);
    assert_int_equal(st.size, size);
    assert_int_equal(st.nbad, __builtin_popcountll(failed));
    assert_int_equal(bad_mask(&st, NE_BLK_IOERR), failed);
    for (unsigned b = 0; b < st.nblocks; b++) {
        assert_int_equal(st.err[b], (failed >> b) & 1 ? -err : 0);
        char what[64];
        snprintf(what, sizeof(what), "object tol block %u: ", b);
        assert_true(((failed >> b) & 1) == (strstr(logbuf, what) != NULL));
    }
    log_free();
    check_object(env->ctx, "tol", d, size);
    struct ne_health hl;
    assert_int_equal(ne_stat(env->ctx, "tol", &hl), 0);
    assert_int_equal(bad_mask(&hl, NE_BLK_MISSING), failed);
    assert_int_equal(ne_delete(env->ctx, "tol"), 0);
    free(d);
}

static void test_write_tolerates_failures(void **state)
{
    (void)state;
    struct tne_env env;
    tne_setup(&env, 4, 2, PSZ, TNE_FAULT, 2, 0);
    write_tolerates(&env, "op=put block=3 err=EIO", 1u << 3, EIO);
    write_tolerates(&env, "op=open_write block=0 err=ENOSPC", 1u << 0,
                    ENOSPC);
    write_tolerates(&env, "op=put block=5 after=5000 err=EIO", 1u << 5,
                    EIO);
    write_tolerates(&env, "op=set_meta block=2 err=EROFS", 1u << 2, EROFS);
    write_tolerates(&env, "op=close block=1 err=EIO", 1u << 1, EIO);
    tne_teardown(&env);
    tne_setup(&env, 12, 4, PSZ, TNE_FAULT, 4, 0);
    write_tolerates(&env, "op=put block=1,6,15 err=EIO", 0x8042, EIO);
    write_tolerates(&env, "op=put block=0 skip=3 err=EIO;"
                    "op=close block=9 err=EIO", 0x201, EIO);
    tne_teardown(&env);
}

/* Fewer than the quorum: -EIO, one clear error, no object readable, and
 * an older version of the name untouched. */
static void write_fails(struct tne_env *env, const char *obj,
                        const char *rule, const uint8_t *old, size_t oldsz)
{
    size_t size = 20 * PSZ * 4;
    uint8_t *d = data_of(size, 99);
    struct ne_health st;
    rules(env, rule);
    log_start();
    ne_write_t *h = NULL;
    assert_int_equal(ne_open_write(env->ctx, obj, &h), 0);
    ssize_t w = ne_write(h, d, size);
    assert_true(w == (ssize_t)size || w == -EIO);
    assert_int_equal(ne_close_write(h, &st), -EIO);
    log_stop();
    rules(env, NULL);
    assert_true(st.nbad >= 1);
    assert_non_null(strstr(logbuf, obj));
    assert_non_null(strstr(logbuf, "write quorum 5"));
    log_free();
    uint8_t *got = NULL;
    if (old == NULL) {
        assert_int_equal(tne_get(env->ctx, obj, &got), -ENOENT);
    } else {
        check_object(env->ctx, obj, old, oldsz);
    }
    free(d);
}

static void test_write_below_quorum(void **state)
{
    (void)state;
    struct tne_env env;
    tne_setup(&env, 4, 2, PSZ, TNE_FAULT, 2, 0);
    write_fails(&env, "q1", "op=put block=1,4 err=EIO", NULL, 0);
    write_fails(&env, "q2", "op=put block=0 after=10000 err=EIO;"
                "op=open_write block=2 err=EACCES", NULL, 0);
    /* publishing fails for 2 blocks after the others are published */
    write_fails(&env, "q3", "op=close block=0,5 err=EIO", NULL, 0);
    uint8_t *old = data_of(7777, 5);
    assert_int_equal(tne_put(env.ctx, "q4", old, 7777, 0, NULL), 0);
    write_fails(&env, "q4", "op=put block=2,3,4 err=EIO", old, 7777);
    free(old);
    tne_teardown(&env);
}

static void test_quorum_config(void **state)
{
    (void)state;
    struct tne_env env;
    struct ne_health st;
    uint8_t *d = data_of(9000, 1);
    tne_setup(&env, 4, 2, PSZ, TNE_FAULT, 2, 4);   /* quorum N */
    rules(&env, "op=put block=0,1 err=EIO");
    assert_int_equal(tne_put(env.ctx, "qn", d, 9000, 0, &st), 0);
    assert_int_equal(st.nbad, 2);
    rules(&env, NULL);
    check_object(env.ctx, "qn", d, 9000);
    tne_teardown(&env);
    tne_setup(&env, 4, 2, PSZ, TNE_FAULT, 2, 100);  /* capped at N+E */
    rules(&env, "op=close block=5 err=EIO");
    mlog_set_level(MLOG_ERR);
    FILE *null = fopen("/dev/null", "w");
    mlog_set_stream(null);
    assert_int_equal(tne_put(env.ctx, "qall", d, 9000, 0, &st), -EIO);
    rules(&env, NULL);
    assert_int_equal(tne_put(env.ctx, "qall", d, 9000, 0, &st), 0);
    tne_teardown(&env);
    tne_setup(&env, 3, 0, PSZ, TNE_FAULT, 0, 0);    /* E = 0: quorum N */
    rules(&env, "op=put block=2 err=EIO");
    assert_int_equal(tne_put(env.ctx, "e0", d, 9000, 0, &st), -EIO);
    mlog_set_stream(NULL);
    fclose(null);
    struct ne_opts o;
    ne_opts_default(&o);
    o.write_quorum = 2;   /* below N: refused */
    ne_ctx_t *ctx = NULL;
    assert_int_equal(ne_ctx_create_dal(env.repo, &o, env.inner, &ctx),
                     -EINVAL);
    tne_teardown(&env);
    free(d);
}

/* Every kind of read fault is repaired and reported. */
static void read_fault(struct tne_env *env, const char *rule, int verify,
                       uint64_t bad, unsigned state)
{
    size_t size = 50 * PSZ * 4 + 3;
    uint8_t *d = data_of(size, 77);
    assert_int_equal(tne_put(env->ctx, "rf", d, size, 0, NULL), 0);
    rules(env, rule);
    struct ne_health hl;
    if (verify) {
        assert_int_equal(ne_verify(env->ctx, "rf", &hl), 0);
    } else {
        ne_read_t *h = NULL;
        uint8_t *got = malloc(size);
        assert_int_equal(ne_open_read(env->ctx, "rf", &h), 0);
        assert_int_equal(ne_pread(h, got, size, 0), (ssize_t)size);
        assert_true(memcmp(got, d, size) == 0);
        ne_damaged(h, &hl);
        ne_close_read(h);
        free(got);
    }
    assert_int_equal(bad_mask(&hl, state), bad);
    assert_int_equal(hl.nbad, __builtin_popcountll(bad));
    rules(env, NULL);
    free(d);
}

static void test_read_faults(void **state)
{
    (void)state;
    struct tne_env env;
    tne_setup(&env, 4, 2, PSZ, TNE_FAULT, 2, 0);
    FILE *null = fopen("/dev/null", "w");
    mlog_set_stream(null);
    read_fault(&env, "op=get short=7", 0, 0, NE_BLK_CORRUPT);
    read_fault(&env, "op=get block=2 err=EIO", 1, 1u << 2, NE_BLK_IOERR);
    read_fault(&env, "op=get block=1,4 flip=100", 1, 0x12, NE_BLK_CORRUPT);
    read_fault(&env, "op=get block=3 after=20000 flip=1", 1, 1u << 3,
               NE_BLK_CORRUPT);
    read_fault(&env, "op=get_meta block=0 flip=2", 0, 1u << 0, NE_BLK_META);
    read_fault(&env, "op=open_read block=5 err=EACCES", 0, 1u << 5,
               NE_BLK_IOERR);
    read_fault(&env, "op=get_meta block=4 err=ENODATA", 0, 1u << 4,
               NE_BLK_META);
    /* a data block failing only some gets: those stripes are rebuilt */
    struct ne_health hl;
    assert_int_equal(ne_stat(env.ctx, "rf", &hl), 0);
    char r[128];
    snprintf(r, sizeof(r), "op=get block=%u skip=5 count=3 err=EIO",
             hl.rotation);
    read_fault(&env, r, 0, 1u << hl.rotation, NE_BLK_IOERR);
    /* three blocks failing: never data */
    rules(&env, "op=get block=0,1,2 err=EIO");
    uint8_t *got = NULL;
    assert_int_equal(tne_get(env.ctx, "rf", &got), -EIO);
    free(got);
    assert_int_equal(ne_verify(env.ctx, "rf", &hl), -EIO);
    rules(&env, NULL);
    mlog_set_stream(NULL);
    fclose(null);
    tne_teardown(&env);
}

/* Rebuild: report what it found, leave a clean object, exact bytes. */
static void rebuild_ok(struct tne_env *env, const char *obj,
                       const uint8_t *d, size_t size, uint64_t missing,
                       uint64_t corrupt, uint64_t meta)
{
    struct ne_health hl;
    assert_int_equal(ne_rebuild(env->ctx, obj, &hl), 0);
    assert_int_equal(bad_mask(&hl, NE_BLK_MISSING), missing);
    assert_int_equal(bad_mask(&hl, NE_BLK_CORRUPT), corrupt);
    assert_int_equal(bad_mask(&hl, NE_BLK_META), meta);
    assert_int_equal(hl.nbad, __builtin_popcountll(missing | corrupt | meta));
    assert_int_equal(ne_verify(env->ctx, obj, &hl), 0);
    assert_int_equal(hl.nbad, 0);
    assert_int_equal(ne_stat(env->ctx, obj, &hl), 0);
    assert_int_equal(hl.nbad, 0);
    check_object(env->ctx, obj, d, size);
}

static void test_rebuild_deleted(void **state)
{
    (void)state;
    struct tne_env env;
    size_t size = (3u << 20) + 5;
    uint8_t *d = data_of(size, 3);
    FILE *null = fopen("/dev/null", "w");
    mlog_set_stream(null);
    tne_setup(&env, 4, 2, 4096, TNE_POSIX, 2, 0);
    assert_int_equal(tne_put(env.ctx, "rd", d, size, 0, NULL), 0);
    assert_int_equal(tne_block_delete(&env, "rd", 0), 0);
    assert_int_equal(tne_block_delete(&env, "rd", 4), 0);
    rebuild_ok(&env, "rd", d, size, 0x11, 0, 0);
    struct ne_health hl;
    assert_int_equal(ne_rebuild(env.ctx, "rd", &hl), 0);   /* no-op */
    assert_int_equal(hl.nbad, 0);
    tne_teardown(&env);
    tne_setup(&env, 12, 4, 4096, TNE_POSIX, 4, 0);
    assert_int_equal(tne_put(env.ctx, "rd", d, size, 0, NULL), 0);
    for (unsigned b = 3; b < 16; b += 4)
        assert_int_equal(tne_block_delete(&env, "rd", b), 0);
    rebuild_ok(&env, "rd", d, size, 0x8888, 0, 0);
    tne_teardown(&env);
    mlog_set_stream(NULL);
    fclose(null);
    free(d);
}

static void test_rebuild_corrupt(void **state)
{
    (void)state;
    struct tne_env env;
    size_t size = 100 * PSZ + 17;
    uint8_t *d = data_of(size, 4), meta[256], *raw = NULL;
    size_t len, mlen = sizeof(meta);
    FILE *null = fopen("/dev/null", "w");
    mlog_set_stream(null);
    tne_setup(&env, 4, 2, PSZ, TNE_POSIX, 2, 0);
    assert_int_equal(tne_put(env.ctx, "rc", d, size, 0, NULL), 0);
    tne_corrupt(&env, "rc", 1, 5 * (PSZ + 4) + 100);   /* a data byte */
    tne_corrupt(&env, "rc", 3, -1);                    /* its meta */
    struct ne_health hl;
    assert_int_equal(ne_verify(env.ctx, "rc", &hl), 0);
    assert_int_equal(hl.state[1], NE_BLK_CORRUPT);
    assert_int_equal(hl.state[3], NE_BLK_META);
    rebuild_ok(&env, "rc", d, size, 0, 1u << 1, 1u << 3);
    /* a truncated block, its short last unit (17 bytes / 4 -> 64, plus
     * the CRC) gone: stat sees the size, rebuild restores it */
    assert_int_equal(tne_block_read(&env, "rc", 5, &raw, &len, meta, &mlen),
                     0);
    assert_int_equal(len, 25 * (PSZ + 4) + 64 + 4);
    assert_int_equal(tne_block_write(&env, "rc", 5, raw, len - 64 - 4, meta,
                                     mlen), 0);
    free(raw);
    assert_int_equal(ne_stat(env.ctx, "rc", &hl), 0);
    assert_int_equal(bad_mask(&hl, NE_BLK_CORRUPT), 1u << 5);
    check_object(env.ctx, "rc", d, size);
    rebuild_ok(&env, "rc", d, size, 0, 1u << 5, 0);
    /* damage in every block, at most E per stripe */
    for (unsigned s = 0; s < 25; s++)
        tne_corrupt(&env, "rc", s % 6, s * (PSZ + 4) + 9);
    rebuild_ok(&env, "rc", d, size, 0, 0x3f, 0);
    tne_teardown(&env);
    mlog_set_stream(NULL);
    fclose(null);
    free(d);
}

/* What cannot be rebuilt is refused and nothing is replaced. */
static void test_rebuild_refused(void **state)
{
    (void)state;
    struct tne_env env;
    size_t size = 30 * PSZ;
    uint8_t *d = data_of(size, 5);
    FILE *null = fopen("/dev/null", "w");
    mlog_set_stream(null);
    tne_setup(&env, 4, 2, PSZ, TNE_FAULT, 2, 0);
    assert_int_equal(tne_put(env.ctx, "rr", d, size, 0, NULL), 0);
    assert_int_equal(tne_block_delete(&env, "rr", 2), 0);
    struct ne_health hl;
    rules(&env, "op=open_write err=EROFS");
    assert_int_equal(ne_rebuild(env.ctx, "rr", &hl), -EIO);
    rules(&env, "op=put after=5000 err=EIO");   /* dies half-way */
    assert_int_equal(ne_rebuild(env.ctx, "rr", &hl), -EIO);
    rules(&env, NULL);
    assert_int_equal(ne_stat(env.ctx, "rr", &hl), 0);
    assert_int_equal(bad_mask(&hl, NE_BLK_MISSING), 1u << 2);
    check_object(env.ctx, "rr", d, size);
    for (unsigned b = 0; b < 2; b++)
        assert_int_equal(tne_block_delete(&env, "rr", b), 0);
    assert_int_equal(ne_rebuild(env.ctx, "rr", &hl), -EIO);
    assert_int_equal(hl.nbad, 3);
    tne_teardown(&env);
    mlog_set_stream(NULL);
    fclose(null);
    free(d);
}

/* $MARFS_FAULT is read when the DAL stack is built. */
static void test_fault_env(void **state)
{
    (void)state;
    struct tne_env env;
    setenv("MARFS_FAULT", "op=put block=0 err=EIO", 1);
    tne_setup(&env, 2, 1, PSZ, TNE_FAULT, 0, 2);
    unsetenv("MARFS_FAULT");
    uint8_t d[3000];
    tne_fill(d, sizeof(d), 6);
    struct ne_health st;
    FILE *null = fopen("/dev/null", "w");
    mlog_set_stream(null);
    assert_int_equal(tne_put(env.ctx, "env", d, sizeof(d), 0, &st), 0);
    mlog_set_stream(NULL);
    fclose(null);
    assert_int_equal(bad_mask(&st, NE_BLK_IOERR), 1u << 0);
    check_object(env.ctx, "env", d, sizeof(d));
    tne_teardown(&env);
}

int main(void)
{
    mlog_init("test_ne_fault", -1);
    mlog_set_level(MLOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_tolerates_failures),
        cmocka_unit_test(test_write_below_quorum),
        cmocka_unit_test(test_quorum_config),
        cmocka_unit_test(test_read_faults),
        cmocka_unit_test(test_rebuild_deleted),
        cmocka_unit_test(test_rebuild_corrupt),
        cmocka_unit_test(test_rebuild_refused),
        cmocka_unit_test(test_fault_env),
    };
    return cmocka_run_group_tests_name("ne_fault", tests, NULL, NULL);
}
