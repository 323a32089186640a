# marfs-lib/local.mk - the library's core: logging and configuration.
libmarfs_la_SOURCES += \
	marfs-lib/log.c marfs-lib/log.h \
	marfs-lib/config.h marfs-lib/config_internal.h \
	marfs-lib/config_parse.c marfs-lib/config_build.c \
	marfs-lib/config_check.c marfs-lib/config_lookup.c \
	marfs-lib/config_size.c marfs-lib/config_summary.c
nodist_libmarfs_la_SOURCES = marfs-lib/config_xsd.c
BUILT_SOURCES = marfs-lib/config_xsd.c
CLEANFILES += marfs-lib/config_xsd.c
pkginclude_HEADERS += marfs-lib/log.h marfs-lib/config.h marfs-lib/dal.h marfs-lib/marfs.h
xsddir = $(datadir)/marfs
dist_xsd_DATA = config/marfs.xsd
EXTRA_DIST += scripts/embed-text.awk

# The schema is compiled in so the library never depends on where (or
# whether) the .xsd file is installed.
marfs-lib/config_xsd.c: $(top_srcdir)/config/marfs.xsd $(top_srcdir)/scripts/embed-text.awk
	$(AM_V_GEN)$(MKDIR_P) marfs-lib && \
	$(AWK) -v name=mcfg_xsd_text -f $(top_srcdir)/scripts/embed-text.awk $(top_srcdir)/config/marfs.xsd > $@.tmp && mv $@.tmp $@

# The file system layer: metadata on POSIX, data streams, the API.
libmarfs_la_SOURCES += \
	marfs-lib/marfs.h marfs-lib/api_internal.h \
	marfs-lib/api_ctx.c marfs-lib/api_file.c marfs-lib/api_nto1.c \
	marfs-lib/api_meta.c marfs-lib/api_dir.c marfs-lib/api_xattr.c \
	marfs-lib/mdal.h marfs-lib/mdal.c marfs-lib/quota.h marfs-lib/quota.c \
	marfs-lib/tag.h marfs-lib/tag.c marfs-lib/objfmt.h marfs-lib/objfmt.c \
	marfs-lib/stream.h marfs-lib/stream.c marfs-lib/stream_chunk.c \
	marfs-lib/sread.h marfs-lib/sread.c marfs-lib/checksum.c
