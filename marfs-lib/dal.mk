# marfs-lib/dal.mk - DAL backends, placement and their unit tests.
libmarfs_la_SOURCES += \
	marfs-lib/hash.c marfs-lib/hash.h \
	marfs-lib/placement.c \
	marfs-lib/dal.c marfs-lib/dal_internal.h \
	marfs-lib/dal_posix.c marfs-lib/dal_posix_io.c marfs-lib/dal_posix.h \
	marfs-lib/dal_null.c marfs-lib/dal_timer.c \
	marfs-lib/dal_fault.c marfs-lib/dal_fault_rule.c marfs-lib/dal_fault.h
pkginclude_HEADERS += marfs-lib/placement.h

DAL_UNIT_TESTS = tests/unit/test_placement tests/unit/test_dal_posix \
	tests/unit/test_dal_fault tests/unit/test_dal_misc
check_PROGRAMS += $(DAL_UNIT_TESTS)
UNIT_TESTS += $(DAL_UNIT_TESTS)
EXTRA_DIST += tests/unit/dal_test.h doc/dal.md doc/placement.md
tests_unit_test_placement_SOURCES = tests/unit/test_placement.c
tests_unit_test_placement_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_placement_LDADD = $(TEST_LIBS) -lm
tests_unit_test_dal_posix_SOURCES = tests/unit/test_dal_posix.c
tests_unit_test_dal_posix_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_dal_posix_LDADD = $(TEST_LIBS)
tests_unit_test_dal_fault_SOURCES = tests/unit/test_dal_fault.c
tests_unit_test_dal_fault_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_dal_fault_LDADD = $(TEST_LIBS)
tests_unit_test_dal_misc_SOURCES = tests/unit/test_dal_misc.c
tests_unit_test_dal_misc_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_dal_misc_LDADD = $(TEST_LIBS)
