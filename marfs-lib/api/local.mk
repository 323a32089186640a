# marfs-lib/api/local.mk - layer 6: the near-POSIX API (marfs.h), its
# tests and benchmark driver.  Calls every layer below.
noinst_LTLIBRARIES += marfs-lib/api/libapi.la
marfs_lib_api_libapi_la_SOURCES = \
	marfs-lib/api/marfs.h marfs-lib/api/api_internal.h \
	marfs-lib/api/api_ctx.c marfs-lib/api/api_file.c \
	marfs-lib/api/api_nto1.c marfs-lib/api/api_meta.c \
	marfs-lib/api/api_dir.c marfs-lib/api/api_xattr.c \
	marfs-lib/api/api_checksum.c marfs-lib/api/api_path.c \
	marfs-lib/api/api_tag.c marfs-lib/api/api_record.c \
	marfs-lib/api/api_release.c marfs-lib/api/api_privilege.c \
	marfs-lib/api/api_owner.c marfs-lib/api/api_cache.c \
	marfs-lib/api/api_info.c marfs-lib/api/api_size.c \
	marfs-lib/api/api_whole.c marfs-lib/api/api_wstream.c \
	marfs-lib/api/api_publish.c \
	marfs-lib/api/api_spans.c marfs-lib/api/api_dircache.c
# A setuid program loads this config unless it names a root-owned one.
marfs_lib_api_libapi_la_CPPFLAGS = $(INC_API) \
	-DMARFS_DEFAULT_CONFIG='"$(sysconfdir)/marfs/marfs.xml"'
pkginclude_HEADERS += marfs-lib/api/marfs.h

# One cmocka program per area (packing/chunking layout, N:1, permissions
# and quotas, concurrency, a setuid program's user); each builds its own
# scratch repo.
API_UNIT_TESTS = tests/unit/test_api_basic tests/unit/test_api_layout \
	tests/unit/test_api_nto1 tests/unit/test_api_perm \
	tests/unit/test_api_concurrent tests/unit/test_api_user \
	tests/unit/test_api_cache tests/unit/test_api_whole
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
tests_unit_test_api_user_SOURCES = tests/unit/test_api_user.c $(API_TEST_UTIL)
tests_unit_test_api_user_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_api_user_LDADD = $(TEST_LIBS)
tests_unit_test_api_cache_SOURCES = tests/unit/test_api_cache.c $(API_TEST_UTIL)
tests_unit_test_api_cache_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_api_cache_LDADD = $(TEST_LIBS) -lpthread
tests_unit_test_api_whole_SOURCES = tests/unit/test_api_whole.c $(API_TEST_UTIL)
tests_unit_test_api_whole_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_api_whole_LDADD = $(TEST_LIBS)

# The benchmark driver (scripts/bench-marfs runs it; the smoke test runs
# it at a tiny size so it keeps working).
check_PROGRAMS += tests/helpers/bench_api
tests_helpers_bench_api_SOURCES = tests/helpers/bench_api.c
tests_helpers_bench_api_CPPFLAGS = $(INC_ALL)
tests_helpers_bench_api_LDADD = $(MARFS_LIBS)
INTEG_TESTS += tests/integration/api-bench-smoke.sh
EXTRA_DIST += scripts/bench-marfs
