# marfs-lib/config/local.mk - layer 1: marfs.xml (schema, model, checks,
# namespace lookup).  Calls util only.
noinst_LTLIBRARIES += marfs-lib/config/libconfig.la
marfs_lib_config_libconfig_la_SOURCES = \
	marfs-lib/config/marfs_config.h marfs-lib/config/config_internal.h \
	marfs-lib/config/config_parse.c marfs-lib/config/config_build.c \
	marfs-lib/config/config_check.c marfs-lib/config/config_lookup.c \
	marfs-lib/config/config_size.c marfs-lib/config/config_summary.c
nodist_marfs_lib_config_libconfig_la_SOURCES = marfs-lib/config/config_xsd.c
marfs_lib_config_libconfig_la_CPPFLAGS = $(INC_CONFIG) $(XML2_CFLAGS)
BUILT_SOURCES += marfs-lib/config/config_xsd.c
CLEANFILES += marfs-lib/config/config_xsd.c
pkginclude_HEADERS += marfs-lib/config/marfs_config.h
xsddir = $(datadir)/marfs
dist_xsd_DATA = config/marfs.xsd
EXTRA_DIST += build-aux/embed-text.awk doc/config.md

# The schema is compiled in so the library never depends on where (or
# whether) the .xsd file is installed.
marfs-lib/config/config_xsd.c: $(top_srcdir)/config/marfs.xsd $(top_srcdir)/build-aux/embed-text.awk
	$(AM_V_GEN)$(MKDIR_P) marfs-lib/config && \
	$(AWK) -v name=mcfg_xsd_text -f $(top_srcdir)/build-aux/embed-text.awk $(top_srcdir)/config/marfs.xsd > $@.tmp && mv $@.tmp $@

check_PROGRAMS += tests/unit/test_config
UNIT_TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CPPFLAGS = $(TEST_CPPFLAGS) -DSRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_config_LDADD = $(TEST_LIBS)
