# marfs-lib/dal/s3.mk - the S3 DAL (layer 2, beside the other backends in
# libdal; issue 12), its tests and benchmark.  Included after local.mk.
marfs_lib_dal_libdal_la_SOURCES += \
	marfs-lib/dal/dal_s3.h marfs-lib/dal/dal_s3.c \
	marfs-lib/dal/dal_s3_cfg.c marfs-lib/dal/dal_s3_status.c \
	marfs-lib/dal/dal_s3_retry.c marfs-lib/dal/dal_s3_v2.c \
	marfs-lib/dal/dal_s3_sig.c marfs-lib/dal/dal_s3_v4.h \
	marfs-lib/dal/dal_s3_v4.c marfs-lib/dal/dal_s3_mpu.c
marfs_lib_dal_libdal_la_CPPFLAGS += $(CURL_CFLAGS) $(CRYPTO_CFLAGS)
libmarfs_la_LIBADD += $(CURL_LIBS) $(CRYPTO_LIBS)
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
