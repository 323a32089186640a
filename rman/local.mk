# rman/local.mk - marfs-rman, the resource manager (doc/rman.md): garbage
# collection, repack, rebuild, scrub, quota, undelete.  Two programs from
# one source set: marfs-rman (no MPI) and marfs-rman-mpi (par_mpi.c, the
# only file that sees MPI).  Both use the library's layer headers and,
# like the other tools, carry the layers statically; being an
# administrator tool, marfs-rman refuses to run setuid or setgid.
RMAN_SOURCES = rman/rman.h rman/files.h rman/actions.h rman/par.h \
	rman/reftree.h rman/wal.h rman/gc.h rman/repack.h rman/scrub.h \
	rman/main.c rman/opts.c rman/summary.c rman/nsctx.c rman/lock.c \
	rman/wal.c rman/replay.c rman/strtab.c rman/walk.c rman/walk_pack.c \
	rman/classify.c rman/writer.c rman/objects.c rman/reftree.c \
	rman/treefind.c rman/gc.c rman/gc_apply.c rman/repack.c \
	rman/scrub.c rman/scrub_pos.c rman/rebuild.c rman/usage.c \
	rman/report.c rman/undelete.c $(TOOL_COMMON)
RMAN_CPPFLAGS = $(INC_ALL) -I$(top_srcdir)/tools -I$(top_srcdir)/rman

sbin_PROGRAMS += rman/marfs-rman rman/marfs-rman-mpi
rman_marfs_rman_SOURCES = $(RMAN_SOURCES) rman/par_serial.c
rman_marfs_rman_CPPFLAGS = $(RMAN_CPPFLAGS)
rman_marfs_rman_LDADD = $(MARFS_STATIC_LIBS)
rman_marfs_rman_mpi_SOURCES = $(RMAN_SOURCES) rman/par_mpi.c
rman_marfs_rman_mpi_CPPFLAGS = $(RMAN_CPPFLAGS) $(MPI_CFLAGS)
rman_marfs_rman_mpi_LDADD = $(MARFS_STATIC_LIBS) $(MPI_LIBS)
dist_man_MANS += man/marfs-rman.8
crondir = $(datadir)/marfs
dist_cron_SCRIPTS = scripts/marfs-gc.cron
EXTRA_DIST += doc/rman.md scripts/bench-rman

# Integration tests on real repos.  Those needing no MPI run in the
# sanitizer build too; the property test (pfcp copies, mpirun) and the
# crash loop (kill -9 at every log record) in the plain build.
SAN_INTEG_TESTS += tests/integration/rman-gc.sh \
	tests/integration/rman-repack.sh tests/integration/rman-rebuild.sh \
	tests/integration/rman-scrub.sh tests/integration/rman-quota.sh \
	tests/integration/rman-undelete.sh
INTEG_TESTS += tests/integration/rman-property.sh \
	tests/integration/rman-crash.sh

# The tests' API client (renames, pack streams, N:1 files, a writer that
# dies, a checking reader loop).
check_PROGRAMS += tests/helpers/rman_ops
tests_helpers_rman_ops_SOURCES = tests/helpers/rman_ops.c
tests_helpers_rman_ops_CPPFLAGS = $(INC_ALL)
tests_helpers_rman_ops_LDADD = $(MARFS_LIBS)

# Unit tests of the log, object arithmetic, string table, classification.
check_PROGRAMS += tests/unit/test_rman
UNIT_TESTS += tests/unit/test_rman
tests_unit_test_rman_SOURCES = tests/unit/test_rman.c rman/wal.c \
	rman/strtab.c rman/objects.c rman/walk.c rman/classify.c \
	rman/writer.c rman/reftree.c rman/par_serial.c rman/opts.c \
	$(TOOL_COMMON)
tests_unit_test_rman_CPPFLAGS = $(TEST_CPPFLAGS) -I$(top_srcdir)/tools \
	-I$(top_srcdir)/rman
tests_unit_test_rman_LDADD = $(TEST_LIBS)
