# tests/api.mk - tests and benchmark driver of the near-POSIX API
# (marfs.h): packing/chunking layout, N:1, permissions, quotas, metadata
# operations, bad input, concurrency.  One cmocka program per area; each
# builds its own scratch repo (tests/unit/api_test_util.c).
API_UNIT_TESTS = tests/unit/test_api_basic tests/unit/test_api_layout \
	tests/unit/test_api_nto1 tests/unit/test_api_perm \
	tests/unit/test_api_concurrent
check_PROGRAMS += $(API_UNIT_TESTS)
UNIT_TESTS += $(API_UNIT_TESTS)
API_TEST_UTIL = tests/unit/api_test_util.c tests/unit/api_test_util.h

tests_unit_test_api_basic_SOURCES = tests/unit/test_api_basic.c $(API_TEST_UTIL)
tests_unit_test_api_basic_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_api_basic_LDADD = $(TEST_LIBS)
tests_unit_test_api_layout_SOURCES = tests/unit/test_api_layout.c $(API_TEST_UTIL)
tests_unit_test_api_layout_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_api_layout_LDADD = $(TEST_LIBS)
tests_unit_test_api_nto1_SOURCES = tests/unit/test_api_nto1.c $(API_TEST_UTIL)
tests_unit_test_api_nto1_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_api_nto1_LDADD = $(TEST_LIBS)
tests_unit_test_api_perm_SOURCES = tests/unit/test_api_perm.c $(API_TEST_UTIL)
tests_unit_test_api_perm_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_api_perm_LDADD = $(TEST_LIBS)
tests_unit_test_api_concurrent_SOURCES = tests/unit/test_api_concurrent.c $(API_TEST_UTIL)
tests_unit_test_api_concurrent_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_api_concurrent_LDADD = $(TEST_LIBS)

# The benchmark driver (scripts/bench-marfs runs it; the smoke test runs
# it at a tiny size so it keeps working).
check_PROGRAMS += tests/helpers/bench_api
tests_helpers_bench_api_SOURCES = tests/helpers/bench_api.c
tests_helpers_bench_api_CPPFLAGS = $(AM_CPPFLAGS)
tests_helpers_bench_api_LDADD = $(MARFS_LIBS)
INTEG_TESTS += tests/integration/api-bench-smoke.sh
EXTRA_DIST += scripts/bench-marfs
