# marfs-lib/dal/local.mk - layer 2: the data abstraction layer (one file
# per backend, each owning its parameters) and its unit tests.  Calls
# config and util.
noinst_LTLIBRARIES += marfs-lib/dal/libdal.la
marfs_lib_dal_libdal_la_SOURCES = \
	marfs-lib/dal/dal.h marfs-lib/dal/dal_internal.h \
	marfs-lib/dal/dal.c marfs-lib/dal/dal_params.c \
	marfs-lib/dal/dal_posix.c marfs-lib/dal/dal_posix_io.c \
	marfs-lib/dal/dal_posix_dirs.c \
	marfs-lib/dal/dal_posix.h \
	marfs-lib/dal/dal_null.c marfs-lib/dal/dal_timer.c \
	marfs-lib/dal/dal_fault.c marfs-lib/dal/dal_fault_rule.c \
	marfs-lib/dal/dal_fault.h \
	marfs-lib/dal/dal_s3.h marfs-lib/dal/dal_s3.c \
	marfs-lib/dal/dal_s3_cfg.c marfs-lib/dal/dal_s3_status.c \
	marfs-lib/dal/dal_s3_retry.c marfs-lib/dal/dal_s3_v2.c \
	marfs-lib/dal/dal_s3_sig.c marfs-lib/dal/dal_s3_v4.h \
	marfs-lib/dal/dal_s3_v4.c marfs-lib/dal/dal_s3_mpu.c
marfs_lib_dal_libdal_la_CPPFLAGS = $(INC_DAL) $(CURL_CFLAGS) $(CRYPTO_CFLAGS)
pkginclude_HEADERS += marfs-lib/dal/dal.h
EXTRA_DIST += doc/dal.md

DAL_UNIT_TESTS = tests/unit/test_dal_posix tests/unit/test_dal_fault \
	tests/unit/test_dal_misc
check_PROGRAMS += $(DAL_UNIT_TESTS)
UNIT_TESTS += $(DAL_UNIT_TESTS)
EXTRA_DIST += tests/unit/dal_test.h
tests_unit_test_dal_posix_SOURCES = tests/unit/test_dal_posix.c
tests_unit_test_dal_posix_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_dal_posix_LDADD = $(TEST_LIBS)
tests_unit_test_dal_fault_SOURCES = tests/unit/test_dal_fault.c
tests_unit_test_dal_fault_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_dal_fault_LDADD = $(TEST_LIBS)
tests_unit_test_dal_misc_SOURCES = tests/unit/test_dal_misc.c
tests_unit_test_dal_misc_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_dal_misc_LDADD = $(TEST_LIBS)

# The S3 backend: its example config, tests and benchmark.
EXTRA_DIST += config/s3-local.xml

# The DAL and the erasure layer over it against a real s3rver: the C
# program is driven by s3-dal.sh, which starts the server (so it also
# runs under the sanitizers); the other scripts use the tools.
check_PROGRAMS += tests/unit/test_dal_s3 tests/helpers/s3-sigv4-print
tests_unit_test_dal_s3_SOURCES = tests/unit/test_dal_s3.c \
	tests/unit/test_ne_util.c tests/unit/test_ne_util.h
tests_unit_test_dal_s3_CPPFLAGS = $(TEST_CPPFLAGS) $(CURL_CFLAGS)
tests_unit_test_dal_s3_LDADD = $(TEST_LIBS) $(CURL_LIBS)
tests_helpers_s3_sigv4_print_SOURCES = tests/helpers/s3-sigv4-print.c
tests_helpers_s3_sigv4_print_LDADD = $(MARFS_LIBS)
S3_INTEG = tests/integration/s3-dal.sh tests/integration/s3-sigv4-oracle.sh \
	tests/integration/s3-errors.sh tests/integration/s3-interrupt.sh \
	tests/integration/s3-retry.sh
SAN_INTEG_TESTS += $(S3_INTEG)
INTEG_TESTS += $(S3_INTEG) tests/integration/s3-pftool.sh
EXTRA_DIST += scripts/bench-s3 tests/lib/s3rver.sh tests/lib/s3cfg.sh
