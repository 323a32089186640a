/*
 * test_dal_misc.c - unit tests of the DAL factory (errors name the DAL
 * type and parameter), the null DAL (writes discarded, size and meta
 * remembered, zeros read back) and the timer DAL (counters, stack
 * lookup, reset).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dal_test.h"

/* ---- factory ------------------------------------------------------------ */

static void expect_create(const struct mcfg_dal *cfg, int rc, const char *msg)
{
    struct dt_repo r;
    dal_t *dal = NULL;
    dt_repo_init(&r, 4, 2, 1, 1, 1);
    dt_log_capture();
    assert_int_equal(dal_create(cfg, &r.repo, &dal), rc);
    dt_log_expect(msg, NULL);
    assert_null(dal);
}

static void test_factory_errors(void **state)
{
    (void)state;
    struct dt_dal d, inner;
    dt_dal_init(&d, "floppy", NULL);
    d.dal.line = 17;
    expect_create(&d.dal, -EINVAL, "DAL 'floppy' (line 17): unknown DAL type "
                  "(known: posix, s3, null, fault, timer)");
    dt_dal_init(&d, "timer", NULL);
    expect_create(&d.dal, -EINVAL, "DAL 'timer': a wrapper DAL needs an inner");
    dt_dal_init(&inner, "null", NULL);
    dt_dal_init(&d, "null", &inner.dal);
    expect_create(&d.dal, -EINVAL, "DAL 'null': this DAL cannot wrap another");

    dt_dal_init(&d, "posix", NULL);
    dt_dal_param(&d, "sec_root", "relative/dir");
    dt_dal_param(&d, "dir_template", "b{b}");
    expect_create(&d.dal, -EINVAL,
                  "DAL 'posix': sec_root 'relative/dir' must be an absolute");
    dt_dal_init(&d, "posix", NULL);
    dt_dal_param(&d, "sec_root", "/tmp/x");
    expect_create(&d.dal, -EINVAL,
                  "DAL 'posix': dir_template '(missing)' must contain {b}");
    dt_dal_init(&d, "posix", NULL);
    dt_dal_param(&d, "sec_root", "/tmp/x");
    dt_dal_param(&d, "dir_template", "c{c}");
    expect_create(&d.dal, -EINVAL, "dir_template 'c{c}' must contain {b}");
    dt_dal_param(&d, "odirect", "maybe");
    d.params[1].value = "b{b}";
    expect_create(&d.dal, -EINVAL,
                  "DAL 'posix': odirect 'maybe' is not auto, yes, writes or no");

    /* an inner error propagates and nothing leaks */
    dt_dal_init(&inner, "posix", NULL);
    dt_dal_init(&d, "timer", &inner.dal);
    expect_create(&d.dal, -EINVAL, "sec_root '(missing)'");
    dt_log_capture();
    assert_int_equal(dal_create(NULL, NULL, NULL), -EINVAL);
    dt_log_expect("dal_create: no DAL config or repo given", NULL);
}

static void test_op_names(void **state)
{
    (void)state;
    assert_string_equal(dal_op_name(DAL_OP_VERIFY), "verify");
    assert_string_equal(dal_op_name(DAL_OP_GET_META), "get_meta");
    assert_string_equal(dal_op_name(DAL_OP_LIST), "list");
    assert_null(dal_op_name(DAL_OP_COUNT));
    assert_null(dal_find(NULL, "posix"));
}

/* ---- null --------------------------------------------------------------- */

struct fix {
    struct dt_repo r;
    struct dt_dal null, timer;
    dal_t *dal;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    dt_repo_init(&f->r, 2, 1, 2, 2, 4);
    dt_dal_init(&f->null, "null", NULL);
    dt_dal_init(&f->timer, "timer", &f->null.dal);
    assert_int_equal(dal_create(&f->timer.dal, &f->r.repo, &f->dal), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    dal_destroy(f->dal);
    free(f);
    return 0;
}

static void test_null(void **state)
{
    struct fix *f = *state;
    dal_t *dal = f->dal;
    struct dal_loc l = {1, 2, 1, 3}, other = {0, 2, 1, 3};
    struct dal_stat st;
    dal_block_t *b;
    unsigned char buf[300];
    char m[16];

    assert_int_equal(dal->ops->verify(dal, 1), 0);
    assert_int_equal(dal->ops->open_read(dal, &l, "o", &b), -ENOENT);
    assert_int_equal(dt_write(dal, &l, "o", 1000, 1, 300, "meta!"), 0);
    assert_int_equal(dal->ops->stat(dal, &l, "o", &st), 0);
    assert_int_equal(st.size, 1000);
    assert_int_equal(dal->ops->stat(dal, &other, "o", &st), -ENOENT);
    assert_int_equal(dal->ops->open_read(dal, &l, "o", &b), 0);
    assert_int_equal(dal->ops->get_meta(b, m, sizeof(m)), 5);
    assert_memory_equal(m, "meta!", 5);
    memset(buf, 0xAA, sizeof(buf));
    /* reads return zeros up to the recorded size */
    assert_int_equal(dal->ops->get(b, buf, sizeof(buf), 800), 200);
    for (int i = 0; i < 200; i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(buf[200], 0xAA);
    assert_int_equal(dal->ops->get(b, buf, sizeof(buf), 1000), 0);
    assert_int_equal(dal->ops->put(b, buf, 1), -EBADF);
    assert_int_equal(dal->ops->close(b), 0);

    /* rewrite replaces; abort and unpublished writes leave nothing */
    assert_int_equal(dt_write(dal, &l, "o", 10, 1, 10, NULL), 0);
    assert_int_equal(dal->ops->open_read(dal, &l, "o", &b), 0);
    assert_int_equal(dal->ops->get_meta(b, m, sizeof(m)), -ENODATA);
    assert_int_equal(dal->ops->close(b), 0);
    assert_int_equal(dal->ops->open_write(dal, &l, "p", &b), 0);
    assert_int_equal(dal->ops->put(b, buf, 5), 5);
    assert_int_equal(dal->ops->get(b, buf, 5, 0), -EBADF);
    assert_int_equal(dal->ops->stat(dal, &l, "p", &st), -ENOENT);
    assert_int_equal(dal->ops->abort(b), 0);
    assert_int_equal(dal->ops->stat(dal, &l, "p", &st), -ENOENT);

    /* list and del */
    assert_int_equal(dt_write(dal, &l, "a/b", 1, 1, 1, NULL), 0);
    assert_int_equal(dt_write(dal, &other, "elsewhere", 1, 1, 1, NULL), 0);
    assert_string_equal(dt_list(dal, &l), "a/b|o");
    assert_int_equal(dal->ops->del(dal, &l, "o"), 0);
    assert_int_equal(dal->ops->del(dal, &l, "o"), -ENOENT);
    assert_string_equal(dt_list(dal, &l), "a/b");
    assert_string_equal(dt_list(dal, &other), "elsewhere");

    /* range checks and the meta limit */
    struct dal_loc bad = {2, 0, 0, 0};
    dt_log_capture();
    assert_int_equal(dal->ops->open_write(dal, &bad, "o", &b), -EINVAL);
    assert_int_equal(dal->ops->open_write(dal, &l, "big", &b), 0);
    static char big[DAL_META_MAX + 1];
    assert_int_equal(dal->ops->set_meta(b, big, sizeof(big)), -EMSGSIZE);
    dt_log_expect("null DAL: object 'o': pod 2 out of range (the repo has 2)",
                  "null DAL: meta of 65537 bytes exceeds the limit of 65536",
                  NULL);
    assert_int_equal(dal->ops->close(b), 0);
}

/* ---- timer -------------------------------------------------------------- */

static void test_timer(void **state)
{
    struct fix *f = *state;
    dal_t *dal = f->dal;
    struct dal_timer_stats ts;
    struct dal_loc l = {0, 0, 0, 0};
    struct dal_stat st;
    dal_block_t *b;
    char buf[100];

    assert_ptr_equal(dal_find(dal, "timer"), dal);
    assert_non_null(dal_find(dal, "null"));
    assert_int_equal(dal_timer_get(dal, &ts), 0);
    for (int op = 0; op < DAL_OP_COUNT; op++)
        assert_int_equal(ts.op[op].calls, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(dt_write(dal, &l, "obj", 250, 1, 100, "m"), 0);
    assert_int_equal(dal->ops->stat(dal, &l, "missing", &st), -ENOENT);
    assert_int_equal(dal->ops->open_read(dal, &l, "obj", &b), 0);
    assert_int_equal(dal->ops->get(b, buf, sizeof(buf), 200), 50);
    assert_int_equal(dal->ops->close(b), 0);

    assert_int_equal(dal_timer_get(dal, &ts), 0);
    assert_int_equal(ts.op[DAL_OP_OPEN_WRITE].calls, 3);
    assert_int_equal(ts.op[DAL_OP_PUT].calls, 9);
    assert_int_equal(ts.op[DAL_OP_PUT].bytes, 750);
    assert_int_equal(ts.op[DAL_OP_SET_META].calls, 3);
    assert_int_equal(ts.op[DAL_OP_CLOSE].calls, 4);
    assert_int_equal(ts.op[DAL_OP_STAT].calls, 1);
    assert_int_equal(ts.op[DAL_OP_STAT].errors, 1);
    assert_int_equal(ts.op[DAL_OP_GET].bytes, 50);
    assert_int_equal(ts.op[DAL_OP_DEL].calls, 0);
    assert_true(ts.op[DAL_OP_PUT].nsec > 0);

    assert_int_equal(dal_timer_reset(dal), 0);
    assert_int_equal(dal_timer_get(dal, &ts), 0);
    assert_int_equal(ts.op[DAL_OP_PUT].calls, 0);
    assert_int_equal(ts.op[DAL_OP_PUT].bytes, 0);
    /* a stack without a timer */
    assert_int_equal(dal_timer_get(dal_find(dal, "null"), &ts), -ENOENT);
    assert_int_equal(dal_timer_reset(dal_find(dal, "null")), -ENOENT);
}

static void test_timer_summary(void **state)
{
    struct fix *f = *state;
    struct dal_loc l = {0, 1, 0, 0};
    assert_int_equal(dt_write(f->dal, &l, "obj", 4096, 1, 1024, NULL), 0);
    mlog_set_level(MLOG_INFO);
    dt_log_capture();
    dal_destroy(f->dal);
    f->dal = NULL;
    mlog_set_level(MLOG_WARN);
    dt_log_expect("timer DAL: put", "4 calls", "4096 bytes",
                  "timer DAL: open_write", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_factory_errors),
        cmocka_unit_test(test_op_names),
        cmocka_unit_test_setup_teardown(test_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_summary, setup, teardown),
    };
    return cmocka_run_group_tests_name("dal_misc", tests, NULL, NULL);
}
