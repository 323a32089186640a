# marfs-lib/ne.mk - erasure layer, marfs-ne tool and their tests (issue 3).
libmarfs_la_SOURCES += \
	marfs-lib/ne_internal.h \
	marfs-lib/ne_codec.c marfs-lib/ne_meta.c marfs-lib/ne_pool.c \
	marfs-lib/ne_ctx.c marfs-lib/ne_write.c marfs-lib/ne_open.c \
	marfs-lib/ne_read.c marfs-lib/ne_verify.c marfs-lib/ne_rebuild.c
pkginclude_HEADERS += marfs-lib/ne.h

bin_PROGRAMS += tools/marfs-ne
tools_marfs_ne_SOURCES = tools/marfs-ne.c tools/marfs-ne-bench.c \
	tools/marfs-ne.h tools/tool_common.c tools/tool_common.h
tools_marfs_ne_CPPFLAGS = $(AM_CPPFLAGS) $(ISAL_CFLAGS)
tools_marfs_ne_LDADD = $(MARFS_LIBS) $(ISAL_LIBS) -lpthread
dist_man_MANS += man/marfs-ne.1
bin_SCRIPTS += scripts/bench-ne
EXTRA_DIST += scripts/bench-ne doc/block-format.md

# Unit tests: codec and format pieces (no DAL), the full loss/corruption
# matrix over the posix DAL, and faults (fault DAL), rebuild, quorum.
check_PROGRAMS += tests/unit/test_ne_codec tests/unit/test_ne \
	tests/unit/test_ne_fault
UNIT_TESTS += tests/unit/test_ne_codec tests/unit/test_ne \
	tests/unit/test_ne_fault
tests_unit_test_ne_codec_SOURCES = tests/unit/test_ne_codec.c \
	tests/unit/test_ne_util.c tests/unit/test_ne_util.h
tests_unit_test_ne_codec_CPPFLAGS = $(TEST_CPPFLAGS) $(ISAL_CFLAGS)
tests_unit_test_ne_codec_LDADD = $(TEST_LIBS) $(ISAL_LIBS)
tests_unit_test_ne_SOURCES = tests/unit/test_ne.c \
	tests/unit/test_ne_util.c tests/unit/test_ne_util.h
tests_unit_test_ne_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_ne_LDADD = $(TEST_LIBS)
tests_unit_test_ne_fault_SOURCES = tests/unit/test_ne_fault.c \
	tests/unit/test_ne_util.c tests/unit/test_ne_util.h
tests_unit_test_ne_fault_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_ne_fault_LDADD = $(TEST_LIBS)

# Scripts driving marfs-ne: the tool's contract (also under the
# sanitizers: it needs only the library and the tool) and killed writers.
SAN_INTEG_TESTS += tests/integration/ne-tool.sh
INTEG_TESTS += tests/integration/ne-crash.sh
