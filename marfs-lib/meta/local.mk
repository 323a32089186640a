# marfs-lib/meta/local.mk - layer 4: metadata on POSIX (namespace trees,
# the reference tree, tags, quota counters) and the object format
# (headers and recovery records).  Calls ne, dal, config and util.
noinst_LTLIBRARIES += marfs-lib/meta/libmeta.la
marfs_lib_meta_libmeta_la_SOURCES = \
	marfs-lib/meta/mdal.h marfs-lib/meta/mdal.c marfs-lib/meta/mdal_damaged.c \
	marfs-lib/meta/quota.h marfs-lib/meta/quota.c \
	marfs-lib/meta/tag.h marfs-lib/meta/tag.c \
	marfs-lib/meta/objfmt.h marfs-lib/meta/objfmt.c
marfs_lib_meta_libmeta_la_CPPFLAGS = $(INC_META)
EXTRA_DIST += doc/metadata-format.md
