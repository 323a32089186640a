/*
 * test_dal_fault.c - unit tests of the fault DAL over a posix DAL: each
 * rule kind does exactly what doc/dal.md says (err on each operation,
 * put failing after N bytes, short reads, flipped bits, delays, skip/count
 * windows, pct with a seed, location and object filters), rules from
 * <rule>, $MARFS_FAULT and dal_fault_set_rules, bad rules refused with
 * an error naming them, and a fault stack loaded from marfs.xml.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <time.h>

#include "dal_test.h"

/* 2+1 blocks, 1 pod, 2 caps, 2 scatters */
struct fix {
    char root[128];
    struct dt_repo r;
    struct dt_dal posix, fault;
    dal_t *dal;
};

static struct dal_loc at(unsigned block, unsigned cap, unsigned scatter)
{
    return (struct dal_loc){0, block, cap, scatter};
}

/* Build fault(posix) with the <rule>s given (NULL-terminated). */
static int make_stack(struct fix *f, const char *seed, ...)
{
    va_list ap;
    dt_posix(&f->posix, f->root);
    dt_dal_init(&f->fault, "fault", &f->posix.dal);
    if (seed != NULL)
        dt_dal_param(&f->fault, "seed", seed);
    va_start(ap, seed);
    for (const char *r = va_arg(ap, const char *); r != NULL;
         r = va_arg(ap, const char *))
        dt_dal_param(&f->fault, "rule", r);
    va_end(ap);
    return dal_create(&f->fault.dal, &f->r.repo, &f->dal);
}

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    dt_mkdtemp(f->root, sizeof(f->root));
    dt_repo_init(&f->r, 2, 1, 1, 2, 2);
    assert_int_equal(make_stack(f, NULL, NULL), 0);
    assert_int_equal(f->dal->ops->verify(f->dal, 1), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    dal_destroy(f->dal);
    dt_rmtree(f->root);
    free(f);
    return 0;
}

static void rules(struct fix *f, const char *text)
{
    assert_int_equal(dal_fault_set_rules(f->dal, text), 0);
}

/* Write blocks 0..2 of obj (cap 0, scatter 0) with len bytes, seed = block. */
static void write_all_blocks(struct fix *f, const char *obj, size_t len)
{
    for (unsigned b = 0; b < 3; b++) {
        struct dal_loc l = at(b, 0, 0);
        assert_int_equal(dt_write(f->dal, &l, obj, len, b, 4096, "meta"), 0);
    }
}

static dal_block_t *open_r(struct fix *f, unsigned block, const char *obj)
{
    dal_block_t *b;
    struct dal_loc l = at(block, 0, 0);
    assert_int_equal(f->dal->ops->open_read(f->dal, &l, obj, &b), 0);
    return b;
}

static ssize_t get(dal_block_t *b, void *buf, size_t len, uint64_t off)
{
    return b->dal->ops->get(b, buf, len, off);
}

/* ---- err ---------------------------------------------------------------- */

static void test_err_get(void **state)
{
    struct fix *f = *state;
    char buf[100], m[8];
    write_all_blocks(f, "obj", 1000);
    rules(f, "op=get block=2 err=EIO");
    for (unsigned blk = 0; blk < 3; blk++) {
        dal_block_t *b = open_r(f, blk, "obj");
        assert_int_equal(get(b, buf, sizeof(buf), 0), blk == 2 ? -EIO : 100);
        assert_int_equal(b->dal->ops->get_meta(b, m, sizeof(m)), 4);
        assert_int_equal(b->dal->ops->close(b), 0);
    }
}

static void test_err_open(void **state)
{
    struct fix *f = *state;
    dal_block_t *b;
    struct dal_loc l1 = at(1, 0, 0), l0 = at(0, 0, 0);
    write_all_blocks(f, "obj", 10);
    rules(f, "op=open block=1 err=ENOENT");
    assert_int_equal(f->dal->ops->open_read(f->dal, &l1, "obj", &b), -ENOENT);
    assert_int_equal(f->dal->ops->open_write(f->dal, &l1, "new", &b), -ENOENT);
    b = open_r(f, 0, "obj");
    assert_int_equal(f->dal->ops->close(b), 0);
    rules(f, "op=open_write err=ENOSPC");
    assert_int_equal(f->dal->ops->open_write(f->dal, &l0, "new", &b), -ENOSPC);
    b = open_r(f, 1, "obj");
    assert_int_equal(f->dal->ops->close(b), 0);
    /* a number works as well as a name */
    rules(f, "op=open_read err=28");
    assert_int_equal(f->dal->ops->open_read(f->dal, &l0, "obj", &b), -ENOSPC);
}

static void test_err_meta_stat_del(void **state)
{
    struct fix *f = *state;
    dal_block_t *b;
    struct dal_stat st;
    struct dal_loc l0 = at(0, 0, 0);
    char m[8];
    write_all_blocks(f, "obj", 10);
    rules(f, "op=meta err=EBADMSG;op=stat err=EACCES;op=del err=EROFS");
    b = open_r(f, 0, "obj");
    assert_int_equal(b->dal->ops->get_meta(b, m, sizeof(m)), -EBADMSG);
    assert_int_equal(b->dal->ops->close(b), 0);
    assert_int_equal(f->dal->ops->open_write(f->dal, &l0, "w", &b), 0);
    assert_int_equal(b->dal->ops->set_meta(b, "x", 1), -EBADMSG);
    assert_int_equal(b->dal->ops->abort(b), 0);
    assert_int_equal(f->dal->ops->stat(f->dal, &l0, "obj", &st), -EACCES);
    assert_int_equal(f->dal->ops->del(f->dal, &l0, "obj"), -EROFS);
    rules(f, NULL);
    assert_int_equal(f->dal->ops->stat(f->dal, &l0, "obj", &st), 0);
    assert_int_equal(f->dal->ops->del(f->dal, &l0, "obj"), 0);
}

/* ---- put after N bytes --------------------------------------------------- */

static void test_put_after(void **state)
{
    struct fix *f = *state;
    dal_block_t *b;
    struct dal_stat st;
    struct dal_loc l0 = at(0, 0, 0), l1 = at(1, 0, 0);
    unsigned char buf[1000];
    rules(f, "op=put block=0 after=1500 err=EIO");
    assert_int_equal(f->dal->ops->open_write(f->dal, &l0, "p", &b), 0);
    dt_fill(buf, 1000, 5, 0);
    assert_int_equal(b->dal->ops->put(b, buf, 1000), 1000);
    dt_fill(buf, 1000, 5, 1000);
    assert_int_equal(b->dal->ops->put(b, buf, 1000), -EIO);
    assert_int_equal(b->dal->ops->put(b, buf, 1000), -EIO);
    /* publish what reached the inner DAL: exactly the first 1500 bytes */
    assert_int_equal(b->dal->ops->close(b), 0);
    assert_int_equal(f->dal->ops->stat(f->dal, &l0, "p", &st), 0);
    assert_int_equal(st.size, 1500);
    b = open_r(f, 0, "p");
    assert_int_equal(dt_check(b, 0, 2000, 5), 1500);
    assert_int_equal(b->dal->ops->close(b), 0);
    /* other blocks are not affected */
    assert_int_equal(dt_write(f->dal, &l1, "p", 3000, 1, 1000, NULL), 0);

    /* 64K limit, 16K puts: four succeed, the fifth fails */
    rules(f, "op=put after=64K err=ENOSPC");
    assert_int_equal(f->dal->ops->open_write(f->dal, &l1, "q", &b), 0);
    static unsigned char big[16384];
    for (int i = 0; i < 4; i++)
        assert_int_equal(b->dal->ops->put(b, big, sizeof(big)), 16384);
    assert_int_equal(b->dal->ops->put(b, big, 1), -ENOSPC);
    assert_int_equal(b->dal->ops->abort(b), 0);
}

/* ---- short reads, flipped bits -------------------------------------------- */

static void test_short(void **state)
{
    struct fix *f = *state;
    unsigned char buf[1000];
    write_all_blocks(f, "obj", 1000);
    rules(f, "op=get block=0 short=100");
    dal_block_t *b = open_r(f, 0, "obj");
    assert_int_equal(dt_check(b, 0, 1000, 0), 100);
    assert_int_equal(dt_check(b, 950, 1000, 0), 50);
    assert_int_equal(dt_check(b, 10, 20, 0), 20);
    assert_int_equal(b->dal->ops->close(b), 0);
    b = open_r(f, 1, "obj");
    assert_int_equal(dt_check(b, 0, 1000, 1), 1000);
    assert_int_equal(b->dal->ops->close(b), 0);
    /* short=0: an early end of data */
    rules(f, "op=get short=0");
    b = open_r(f, 1, "obj");
    assert_int_equal(get(b, buf, sizeof(buf), 0), 0);
    assert_int_equal(b->dal->ops->close(b), 0);
}

/* Count bytes of get(off, len) that differ from the written data and
 * check each differs by exactly bit 0 at offsets that are multiples of
 * every. */
static int flipped(dal_block_t *b, uint64_t off, size_t len, unsigned seed,
                   uint64_t every)
{
    unsigned char buf[5000];
    int n = 0;
    assert_int_equal(get(b, buf, len, off), len);
    for (size_t i = 0; i < len; i++) {
        unsigned char want = dt_byte(seed, off + i);
        int should = (off + i) % every == 0;
        assert_int_equal(buf[i], should ? want ^ 1 : want);
        n += should;
    }
    return n;
}

static void test_flip(void **state)
{
    struct fix *f = *state;
    char m[8];
    write_all_blocks(f, "obj", 5000);
    rules(f, "op=get block=1,2 flip=1000");
    dal_block_t *b = open_r(f, 1, "obj");
    assert_int_equal(flipped(b, 0, 5000, 1, 1000), 5);
    assert_int_equal(flipped(b, 999, 10, 1, 1000), 1);
    assert_int_equal(flipped(b, 1001, 998, 1, 1000), 0);
    assert_int_equal(b->dal->ops->close(b), 0);
    b = open_r(f, 0, "obj");
    assert_int_equal(dt_check(b, 0, 5000, 0), 5000);
    assert_int_equal(b->dal->ops->close(b), 0);
    rules(f, "op=get block=2 flip=1");
    b = open_r(f, 2, "obj");
    assert_int_equal(flipped(b, 17, 100, 2, 1), 100);
    assert_int_equal(b->dal->ops->close(b), 0);
    /* meta: bytes 0 and 2 of "meta" */
    rules(f, "op=get_meta flip=2");
    b = open_r(f, 0, "obj");
    memset(m, 0, sizeof(m));
    assert_int_equal(b->dal->ops->get_meta(b, m, sizeof(m)), 4);
    assert_string_equal(m, "leua");   /* 'm'^1, 'e', 't'^1, 'a' */
    assert_int_equal(b->dal->ops->close(b), 0);
}

/* ---- delays, windows, chance --------------------------------------------- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_delay(void **state)
{
    struct fix *f = *state;
    struct dal_loc l0 = at(0, 0, 0);
    rules(f, "op=put delay=60");
    double t0 = now_ms();
    assert_int_equal(dt_write(f->dal, &l0, "d", 10, 1, 10, NULL), 0);
    assert_true(now_ms() - t0 >= 60.0);
    /* delay with err: waits, then fails */
    rules(f, "op=stat delay=30 err=ETIMEDOUT");
    struct dal_stat st;
    t0 = now_ms();
    assert_int_equal(f->dal->ops->stat(f->dal, &l0, "d", &st), -ETIMEDOUT);
    assert_true(now_ms() - t0 >= 30.0);
}

static void test_skip_count(void **state)
{
    struct fix *f = *state;
    struct dal_loc l0 = at(0, 0, 0);
    struct dal_stat st;
    int want[] = {0, -EIO, -EIO, 0, 0};
    write_all_blocks(f, "obj", 10);
    rules(f, "op=stat skip=1 count=2 err=EIO");
    for (int i = 0; i < 5; i++)
        assert_int_equal(f->dal->ops->stat(f->dal, &l0, "obj", &st), want[i]);
    /* set_rules restarts the counters */
    rules(f, "op=stat skip=1 count=2 err=EIO");
    for (int i = 0; i < 5; i++)
        assert_int_equal(f->dal->ops->stat(f->dal, &l0, "obj", &st), want[i]);
    /* only matching calls count: stats of block 1 do not advance it */
    rules(f, "op=stat block=0 skip=1 count=1 err=EIO");
    struct dal_loc l1 = at(1, 0, 0);
    assert_int_equal(f->dal->ops->stat(f->dal, &l1, "obj", &st), 0);
    assert_int_equal(f->dal->ops->stat(f->dal, &l0, "obj", &st), 0);
    assert_int_equal(f->dal->ops->stat(f->dal, &l1, "obj", &st), 0);
    assert_int_equal(f->dal->ops->stat(f->dal, &l0, "obj", &st), -EIO);
    assert_int_equal(f->dal->ops->stat(f->dal, &l0, "obj", &st), 0);
}

/* 200 stat results as a string of '.' (ok) and 'x' (failed). */
static void pattern(struct fix *f, char *out)
{
    struct dal_loc l0 = at(0, 0, 0);
    struct dal_stat st;
    for (int i = 0; i < 200; i++)
        out[i] = f->dal->ops->stat(f->dal, &l0, "obj", &st) == 0 ? '.' : 'x';
    out[200] = '\0';
}

static void test_pct_seed(void **state)
{
    struct fix *f = *state;
    char p1[201], p2[201], p3[201];
    dal_destroy(f->dal);
    assert_int_equal(make_stack(f, "42", "op=stat pct=50 err=EIO", NULL), 0);
    write_all_blocks(f, "obj", 10);
    pattern(f, p1);
    int fails = 0;
    for (int i = 0; i < 200; i++)
        fails += p1[i] == 'x';
    assert_in_range(fails, 70, 130);
    rules(f, "op=stat pct=50 err=EIO");   /* same seed, restarted */
    pattern(f, p2);
    assert_string_equal(p1, p2);
    dal_destroy(f->dal);
    assert_int_equal(make_stack(f, "43", "op=stat pct=50 err=EIO", NULL), 0);
    pattern(f, p3);
    assert_string_not_equal(p1, p3);
    rules(f, "op=stat pct=0 err=EIO");
    pattern(f, p3);
    assert_null(strchr(p3, 'x'));
    rules(f, "op=stat pct=100 err=EIO");
    pattern(f, p3);
    assert_null(strchr(p3, '.'));
}

/* ---- filters, several rules ---------------------------------------------- */

static void test_filters(void **state)
{
    struct fix *f = *state;
    struct dal_stat st;
    struct dal_loc c1 = at(0, 1, 0), c1s1 = at(2, 1, 1), c0 = at(0, 0, 0);
    assert_int_equal(dt_write(f->dal, &c1, "my-secret-obj", 1, 1, 1, NULL), 0);
    assert_int_equal(dt_write(f->dal, &c1s1, "my-secret-obj", 1, 1, 1, NULL),
                     0);
    assert_int_equal(dt_write(f->dal, &c0, "my-secret-obj", 1, 1, 1, NULL), 0);
    assert_int_equal(dt_write(f->dal, &c1, "other", 1, 1, 1, NULL), 0);
    rules(f, "op=stat obj=secret pod=0 cap=1 scatter=0-1 block=0,2 "
             "err=EACCES");
    assert_int_equal(f->dal->ops->stat(f->dal, &c1, "my-secret-obj", &st),
                     -EACCES);
    assert_int_equal(f->dal->ops->stat(f->dal, &c1s1, "my-secret-obj", &st),
                     -EACCES);
    assert_int_equal(f->dal->ops->stat(f->dal, &c0, "my-secret-obj", &st), 0);
    assert_int_equal(f->dal->ops->stat(f->dal, &c1, "other", &st), 0);
    rules(f, "op=stat block=1 err=EACCES");
    assert_int_equal(f->dal->ops->stat(f->dal, &c1, "my-secret-obj", &st), 0);
}

static void test_several_rules(void **state)
{
    struct fix *f = *state;
    unsigned char buf[1000];
    write_all_blocks(f, "obj", 1000);
    /* the first matching err wins; shorts take the smallest */
    rules(f, "op=get block=0 err=EIO; op=get err=ENOSPC");
    dal_block_t *b0 = open_r(f, 0, "obj"), *b1 = open_r(f, 1, "obj");
    assert_int_equal(get(b0, buf, 10, 0), -EIO);
    assert_int_equal(get(b1, buf, 10, 0), -ENOSPC);
    rules(f, "op=get short=100;op=get block=1 short=10; op=get block=1 "
             "flip=1");
    assert_int_equal(get(b0, buf, 1000, 0), 100);
    assert_int_equal(dt_check(b0, 0, 1000, 0), 100);
    assert_int_equal(get(b1, buf, 1000, 0), 10);
    assert_int_equal(buf[0], dt_byte(1, 0) ^ 1);
    assert_int_equal(b0->dal->ops->close(b0), 0);
    assert_int_equal(b1->dal->ops->close(b1), 0);
}

/* ---- close, abort, verify, list ------------------------------------------ */

static void test_close_abort(void **state)
{
    struct fix *f = *state;
    dal_block_t *b;
    struct dal_loc l1 = at(1, 0, 0);
    char dir[PATH_MAX];
    dt_fmt(dir, sizeof(dir), "%s/pod0/block1/cap0/scat0", f->root);
    write_all_blocks(f, "old", 10);
    rules(f, "op=close block=1 err=EIO");
    /* a failed close of a write handle publishes nothing */
    assert_int_equal(f->dal->ops->open_write(f->dal, &l1, "w", &b), 0);
    assert_int_equal(b->dal->ops->put(b, "abc", 3), 3);
    assert_int_equal(b->dal->ops->close(b), -EIO);
    assert_int_equal(f->dal->ops->open_read(f->dal, &l1, "w", &b), -ENOENT);
    assert_int_equal(dt_count_entries(dir, NULL), 1);   /* just "old" */
    /* on a read handle the handle is still released */
    b = open_r(f, 1, "old");
    assert_int_equal(b->dal->ops->close(b), -EIO);
    rules(f, "op=abort err=EIO");
    assert_int_equal(f->dal->ops->open_write(f->dal, &l1, "w", &b), 0);
    assert_int_equal(b->dal->ops->abort(b), -EIO);
    assert_int_equal(dt_count_entries(dir, NULL), 1);
}

static void test_verify_list(void **state)
{
    struct fix *f = *state;
    struct dal_loc l0 = at(0, 0, 0), l1 = at(1, 0, 0);
    write_all_blocks(f, "obj", 10);
    rules(f, "op=verify err=EIO");
    assert_int_equal(f->dal->ops->verify(f->dal, 0), -EIO);
    /* a rule with a location filter never matches verify (no location) */
    rules(f, "op=any block=1 err=EIO");
    assert_int_equal(f->dal->ops->verify(f->dal, 0), 0);
    assert_string_equal(dt_list(f->dal, &l1), "error -5");
    assert_string_equal(dt_list(f->dal, &l0), "obj");
    /* obj= never matches list (no object name) */
    rules(f, "op=any obj=o err=EIO");
    assert_string_equal(dt_list(f->dal, &l0), "obj");
}

/* ---- where rules come from ----------------------------------------------- */

static void test_config_and_env_rules(void **state)
{
    struct fix *f = *state;
    struct dal_loc l0 = at(0, 0, 0), c1 = at(0, 1, 0);
    struct dal_stat st;
    dal_destroy(f->dal);
    setenv("MARFS_FAULT", "op=del err=EROFS; ;op=list cap=1 err=ETIMEDOUT;", 1);
    int rc = make_stack(f, NULL, "op=stat block=0 err=EACCES", NULL);
    unsetenv("MARFS_FAULT");
    assert_int_equal(rc, 0);
    assert_int_equal(dt_write(f->dal, &l0, "o", 1, 1, 1, NULL), 0);
    assert_int_equal(f->dal->ops->stat(f->dal, &l0, "o", &st), -EACCES);
    assert_int_equal(f->dal->ops->del(f->dal, &l0, "o"), -EROFS);
    assert_string_equal(dt_list(f->dal, &c1), "error -110");
    assert_string_equal(dt_list(f->dal, &l0), "o");
    /* set_rules replaces all of them; NULL and "" clear */
    rules(f, "");
    assert_int_equal(f->dal->ops->stat(f->dal, &l0, "o", &st), 0);
    rules(f, NULL);
    /* the stack below has no fault DAL */
    assert_int_equal(dal_fault_set_rules(dal_find(f->dal, "posix"),
                                          "op=get err=EIO"), -ENOENT);
    assert_ptr_equal(dal_find(f->dal, "fault"), f->dal);
}

static const char *const bad_rules[][2] = {
    {"op=bogus err=EIO", "unknown operation 'bogus'"},
    {"op=get", "no action"},
    {"block=1 err=EIO", "op= is required"},
    {"op=get err=EWHAT", "bad value 'EWHAT' for err"},
    {"op=get err=0", "bad value '0' for err"},
    {"op=get block=a err=EIO", "bad value 'a' for block"},
    {"op=get block=3-1 err=EIO", "bad value '3-1' for block"},
    {"op=get block=1, err=EIO", "bad value '1,' for block"},
    {"op=put short=1", "short= applies to op=get only"},
    {"op=put flip=1", "flip= applies to op=get and op=get_meta only"},
    {"op=get err=EIO flip=1", "err= cannot be combined"},
    {"op=get err=EIO err=EIO", "err= is given twice"},
    {"op=stat after=5 delay=1", "after= applies to op=put and op=get only"},
    {"op=get flip=0", "bad value '0' for flip"},
    {"op=get count=0 err=EIO", "bad value '0' for count"},
    {"op=get pct=101 err=EIO", "bad value '101' for pct"},
    {"op=verify block=1 err=EIO", "op=verify has no location"},
    {"op=list obj=x err=EIO", "op=list has no object name"},
    {"op=get err=EIO whatever", "'whatever' is not key=value"},
    {"op=get colour=red err=EIO", "'colour' is not key=value"},
    {"op=get delay=1h", "bad value '1h' for delay"},
};

static void test_bad_rules(void **state)
{
    struct fix *f = *state;
    dal_t *dal;
    char want[256];
    rules(f, "op=stat err=EIO");
    for (size_t i = 0; i < sizeof(bad_rules) / sizeof(bad_rules[0]); i++) {
        struct fix g = *f;
        dt_log_capture();
        dt_posix(&g.posix, g.root);
        dt_dal_init(&g.fault, "fault", &g.posix.dal);
        dt_dal_param(&g.fault, "rule", "op=get err=EIO");
        dt_dal_param(&g.fault, "rule", bad_rules[i][0]);
        assert_int_equal(dal_create(&g.fault.dal, &g.r.repo, &dal), -EINVAL);
        dt_fmt(want, sizeof(want), "fault DAL: line 11 rule '%s': %s",
                 bad_rules[i][0], bad_rules[i][1]);
        dt_log_expect(want, NULL);
        /* set_rules refuses it and keeps the rules it had */
        dt_log_capture();
        assert_int_equal(dal_fault_set_rules(f->dal, bad_rules[i][0]),
                         -EINVAL);
        dt_log_expect("dal_fault_set_rules rule", bad_rules[i][1], NULL);
    }
    struct dal_stat st;
    struct dal_loc l0 = at(0, 0, 0);
    assert_int_equal(f->dal->ops->stat(f->dal, &l0, "x", &st), -EIO);
}

static void test_bad_env_and_seed(void **state)
{
    struct fix *f = *state;
    dal_t *dal;
    struct fix g = *f;
    setenv("MARFS_FAULT", "op=get err=EIO;op=nope err=EIO", 1);
    dt_log_capture();
    int rc = make_stack(&g, NULL, NULL);
    unsetenv("MARFS_FAULT");
    assert_int_equal(rc, -EINVAL);
    dt_log_expect("fault DAL: MARFS_FAULT rule 'op=nope err=EIO': unknown "
                  "operation 'nope'", NULL);
    dt_log_capture();
    assert_int_equal(make_stack(&g, "x1", NULL), -EINVAL);
    dt_log_expect("DAL 'fault': bad parameter <seed>x1</seed>", NULL);
    /* a fault DAL without an inner DAL */
    dt_dal_init(&g.fault, "fault", NULL);
    dt_log_capture();
    assert_int_equal(dal_create(&g.fault.dal, &g.r.repo, &dal), -EINVAL);
    dt_log_expect("DAL 'fault': a wrapper DAL needs an inner <DAL>", NULL);
}

static void test_fire_logged(void **state)
{
    struct fix *f = *state;
    char buf[10];
    write_all_blocks(f, "obj", 10);
    rules(f, "op=get block=2 err=EIO");
    dal_block_t *b = open_r(f, 2, "obj");
    mlog_set_level(MLOG_INFO);
    dt_log_capture();
    assert_int_equal(get(b, buf, sizeof(buf), 0), -EIO);
    mlog_set_level(MLOG_WARN);
    dt_log_expect("fault DAL: rule 'op=get block=2 err=EIO' fires on get of "
                  "'obj' pod 0 block 2 cap 0 scatter 0", NULL);
    assert_int_equal(b->dal->ops->close(b), 0);
}

/* ---- from marfs.xml ------------------------------------------------------ */

static const char xml_fmt[] =
    "<marfs_config version=\"1\"><mnt_top>/campaign</mnt_top>"
    "<repo name=\"r\"><data>"
    "<protection><N>2</N><E>1</E><PSZ>64K</PSZ></protection>"
    "<distribution><pods cnt=\"1\"/><caps cnt=\"2\"/><scatters cnt=\"2\"/>"
    "</distribution>"
    "<DAL type=\"fault\"><rule>op=get block=1 err=EIO</rule><seed>7</seed>"
    "<DAL type=\"timer\"><DAL type=\"posix\">"
    "<dir_template>pod{p}/block{b}/cap{c}/scat{s}</dir_template>"
    "<sec_root>%s</sec_root></DAL></DAL></DAL></data>"
    "<meta><namespaces><ns name=\"root\"><perms><interactive>RM</interactive>"
    "<batch>RM</batch></perms></ns></namespaces>"
    "<MDAL type=\"posix\"><ns_root>/tmp/m</ns_root></MDAL></meta>"
    "</repo></marfs_config>";

static void test_from_xml(void **state)
{
    struct fix *f = *state;
    char xml[2048], buf[10];
    const struct mcfg *cfg;
    dal_t *dal;
    dal_block_t *b;
    dt_fmt(xml, sizeof(xml), xml_fmt, f->root);
    assert_int_equal(dal_config_load_buffer(xml, strlen(xml), "t.xml", stderr, &cfg),
                     0);
    const struct mcfg_repo *r = mcfg_repo_by_name(cfg, "r");
    assert_int_equal(dal_create(r->dal, r, &dal), 0);
    assert_string_equal(dal->type, "fault");
    assert_non_null(dal_find(dal, "timer"));
    assert_non_null(dal_find(dal, "posix"));
    assert_null(dal_find(dal, "null"));
    for (unsigned blk = 0; blk < 2; blk++) {
        struct dal_loc l = at(blk, 1, 1);
        assert_int_equal(dt_write(dal, &l, "x", 10, 1, 10, NULL), 0);
        assert_int_equal(dal->ops->open_read(dal, &l, "x", &b), 0);
        assert_int_equal(get(b, buf, sizeof(buf), 0), blk == 1 ? -EIO : 10);
        assert_int_equal(b->dal->ops->close(b), 0);
    }
    dal_destroy(dal);
    mcfg_free(cfg);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_err_get), T(test_err_open), T(test_err_meta_stat_del),
        T(test_put_after), T(test_short), T(test_flip), T(test_delay),
        T(test_skip_count), T(test_pct_seed), T(test_filters),
        T(test_several_rules), T(test_close_abort), T(test_verify_list),
        T(test_config_and_env_rules), T(test_bad_rules),
        T(test_bad_env_and_seed), T(test_fire_logged), T(test_from_xml),
    };
    return cmocka_run_group_tests_name("dal_fault", tests, NULL, NULL);
}
