# fuse-ro/local.mk - marfs-fuse, the read-only FUSE mount (libfuse3
# low-level API) of the namespace tree.  It sees the library only through
# its installed headers: marfs.h (the API) and log.h (logging).
bin_PROGRAMS += fuse-ro/marfs-fuse
fuse_ro_marfs_fuse_SOURCES = fuse-ro/mfuse.h fuse-ro/main.c \
	fuse-ro/options.c fuse-ro/daemon.c \
	fuse-ro/syslog_stream.c fuse-ro/bdi.c fuse-ro/nodes.c \
	fuse-ro/ops_attr.c fuse-ro/ops_dir.c fuse-ro/ops_file.c \
	fuse-ro/ops_xattr.c fuse-ro/info_xattr.c fuse-ro/ops_rofs.c
fuse_ro_marfs_fuse_CPPFLAGS = -D_GNU_SOURCE -I$(LIBDIR)/api -I$(LIBDIR)/util \
	$(FUSE3_CFLAGS)
fuse_ro_marfs_fuse_LDADD = $(MARFS_LIBS) $(FUSE3_LIBS) -lpthread
dist_man_MANS += man/marfs-fuse.1

# Real mounts (root, /dev/fuse); pfcp (MPI) fills the repos, so only in
# the plain build.
INTEG_TESTS += tests/integration/fuse-tree.sh \
	tests/integration/fuse-concurrent.sh \
	tests/integration/fuse-readonly.sh tests/integration/fuse-perms.sh \
	tests/integration/fuse-damage.sh tests/integration/fuse-lifecycle.sh
EXTRA_DIST += doc/fuse.md scripts/bench-fuse tests/lib/fuse.sh
