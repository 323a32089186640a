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
	marfs-lib/dal/dal_fault.h
marfs_lib_dal_libdal_la_CPPFLAGS = $(INC_DAL)
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
