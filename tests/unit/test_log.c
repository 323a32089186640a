/*
 * test_log.c - unit tests of the logging module: level parsing, the
 * environment variable, filtering and the message prefix.
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

static char *capture(void (*fn)(void))
{
    static char buf[4096];
    FILE *f = fmemopen(buf, sizeof(buf), "w");
    assert_non_null(f);
    mlog_set_stream(f);
    fn();
    fclose(f);
    mlog_set_stream(NULL);
    return buf;
}

static void test_parse_levels(void **state)
{
    (void)state;
    assert_int_equal(mlog_parse_level("error"), MLOG_ERR);
    assert_int_equal(mlog_parse_level("WARN"), MLOG_WARN);
    assert_int_equal(mlog_parse_level("warning"), MLOG_WARN);
    assert_int_equal(mlog_parse_level("info"), MLOG_INFO);
    assert_int_equal(mlog_parse_level("debug"), MLOG_DEBUG);
    assert_int_equal(mlog_parse_level("3"), MLOG_DEBUG);
    assert_int_equal(mlog_parse_level("loud"), -EINVAL);
    assert_int_equal(mlog_parse_level(""), -EINVAL);
    assert_int_equal(mlog_parse_level("4"), -EINVAL);
}

static void test_env_level(void **state)
{
    (void)state;
    setenv("MARFS_LOG", "debug", 1);
    assert_int_equal(mlog_init("prog", -1), 0);
    assert_int_equal(mlog_current_level, MLOG_DEBUG);
    setenv("MARFS_LOG", "nonsense", 1);
    mlog_set_stream(fopen("/dev/null", "w"));
    assert_int_equal(mlog_init("prog", -1), -EINVAL);
    assert_int_equal(mlog_current_level, MLOG_DEBUG); /* kept */
    unsetenv("MARFS_LOG");
}

static void emit_info_and_debug(void)
{
    LOG_INFO("shown %d", 1);
    LOG_DEBUG("hidden %d", 2);
}

static void test_filter_and_prefix(void **state)
{
    (void)state;
    mlog_init("/usr/bin/pfcp", 3);
    mlog_set_level(MLOG_INFO);
    char *out = capture(emit_info_and_debug);
    assert_string_equal(out, "pfcp[3]: info: shown 1\n");
}

static void emit_error(void)
{
    LOG_ERR("boom");
}

static void test_debug_has_location(void **state)
{
    (void)state;
    mlog_init("tool", -1);
    mlog_set_level(MLOG_DEBUG);
    char *out = capture(emit_error);
    assert_non_null(strstr(out, "tool: error: boom (test_log.c:"));
    assert_non_null(strstr(out, " emit_error)\n"));
    mlog_set_level(MLOG_ERR);
    out = capture(emit_error);
    assert_string_equal(out, "tool: error: boom\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_levels),
        cmocka_unit_test(test_env_level),
        cmocka_unit_test(test_filter_and_prefix),
        cmocka_unit_test(test_debug_has_location),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
