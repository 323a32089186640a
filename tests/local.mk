# tests/local.mk - unit tests (cmocka, one program per module, TAP) and
# integration tests (scripts that start the real components).
check_PROGRAMS += tests/unit/test_log tests/unit/test_config
UNIT_TESTS += tests/unit/test_log tests/unit/test_config
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_log_LDADD = $(TEST_LIBS)
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CPPFLAGS = $(TEST_CPPFLAGS) -DSRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_config_LDADD = $(TEST_LIBS)

# Config tests need only the library and marfs-verifyconf, so they also run
# in the sanitizer build.
SAN_INTEG_TESTS = tests/integration/config-bad.sh tests/integration/config-good.sh
INTEG_TESTS += $(SAN_INTEG_TESTS)
EXTRA_DIST += tests/integration tests/configs tests/lib
