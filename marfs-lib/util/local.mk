# marfs-lib/util/local.mk - layer 0: logging, hashing, the file checksum.
# Calls nothing of marfs; every layer above may call it.
noinst_LTLIBRARIES += marfs-lib/util/libutil.la
marfs_lib_util_libutil_la_SOURCES = \
	marfs-lib/util/log.c marfs-lib/util/log.h \
	marfs-lib/util/hash.c marfs-lib/util/hash.h \
	marfs-lib/util/crc64.c marfs-lib/util/crc.h \
	marfs-lib/util/modestr.c marfs-lib/util/modestr.h \
	marfs-lib/util/rootdir.c marfs-lib/util/rootdir.h \
	marfs-lib/util/privilege.c marfs-lib/util/privilege.h \
	marfs-lib/util/trustpath.c marfs-lib/util/trustpath.h \
	marfs-lib/util/textbuf.c marfs-lib/util/textbuf.h
marfs_lib_util_libutil_la_CPPFLAGS = $(INC_UTIL) $(ISAL_CFLAGS)
pkginclude_HEADERS += marfs-lib/util/log.h

check_PROGRAMS += tests/unit/test_log
UNIT_TESTS += tests/unit/test_log
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_log_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/unit/test_privilege
UNIT_TESTS += tests/unit/test_privilege
tests_unit_test_privilege_SOURCES = tests/unit/test_privilege.c
tests_unit_test_privilege_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_privilege_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/unit/test_textbuf
UNIT_TESTS += tests/unit/test_textbuf
tests_unit_test_textbuf_SOURCES = tests/unit/test_textbuf.c
tests_unit_test_textbuf_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_textbuf_LDADD = $(TEST_LIBS)
