# marfs-lib/ne/local.mk - layer 3: the erasure layer (placement of an
# object's blocks, isa-l N+E with CRC units, degraded reads, rebuild) and
# its unit tests.  Calls dal, config and util.
noinst_LTLIBRARIES += marfs-lib/ne/libne.la
marfs_lib_ne_libne_la_SOURCES = \
	marfs-lib/ne/ne.h marfs-lib/ne/ne_internal.h \
	marfs-lib/ne/placement.c marfs-lib/ne/placement.h \
	marfs-lib/ne/ne_codec.c marfs-lib/ne/ne_meta.c marfs-lib/ne/ne_pool.c \
	marfs-lib/ne/ne_ctx.c marfs-lib/ne/ne_write.c marfs-lib/ne/ne_open.c \
	marfs-lib/ne/ne_read.c marfs-lib/ne/ne_verify.c marfs-lib/ne/ne_rebuild.c
marfs_lib_ne_libne_la_CPPFLAGS = $(INC_NE) $(ISAL_CFLAGS)
pkginclude_HEADERS += marfs-lib/ne/ne.h marfs-lib/ne/placement.h
EXTRA_DIST += doc/block-format.md doc/placement.md

# Codec and format pieces (no DAL), placement, the full loss/corruption
# matrix over the posix DAL, and faults (fault DAL), rebuild, quorum.
NE_UNIT_TESTS = tests/unit/test_placement tests/unit/test_ne_codec \
	tests/unit/test_ne tests/unit/test_ne_fault
check_PROGRAMS += $(NE_UNIT_TESTS)
UNIT_TESTS += $(NE_UNIT_TESTS)
NE_TEST_UTIL = tests/unit/test_ne_util.c tests/unit/test_ne_util.h
tests_unit_test_placement_SOURCES = tests/unit/test_placement.c
tests_unit_test_placement_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_placement_LDADD = $(TEST_LIBS) -lm
tests_unit_test_ne_codec_SOURCES = tests/unit/test_ne_codec.c $(NE_TEST_UTIL)
tests_unit_test_ne_codec_CPPFLAGS = $(TEST_CPPFLAGS) $(ISAL_CFLAGS)
tests_unit_test_ne_codec_LDADD = $(TEST_LIBS) $(ISAL_LIBS)
tests_unit_test_ne_SOURCES = tests/unit/test_ne.c $(NE_TEST_UTIL)
tests_unit_test_ne_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_ne_LDADD = $(TEST_LIBS)
tests_unit_test_ne_fault_SOURCES = tests/unit/test_ne_fault.c $(NE_TEST_UTIL)
tests_unit_test_ne_fault_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_ne_fault_LDADD = $(TEST_LIBS)
