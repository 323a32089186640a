# pftool/local.mk - the MPI data mover and its front-ends.  The only part
# of the suite that links MPI; it sees the public headers (marfs.h, log.h,
# marfs_config.h) and nothing else of the library.
bin_PROGRAMS += pftool/pftool
pftool_pftool_SOURCES = \
	pftool/pftool.c pftool/pftool.h pftool/opts.c pftool/roots.c \
	pftool/stats.c pftool/pbuf.c pftool/pbuf.h pftool/msg.c pftool/msg.h \
	pftool/task.c pftool/task.h pftool/hmap.c pftool/hmap.h \
	pftool/bqueue.c pftool/bqueue.h \
	pftool/sched.c pftool/sched.h pftool/track.c pftool/rank0.c pftool/rank0.h \
	pftool/output.c pftool/output.h \
	pftool/worker.c pftool/worker.h pftool/wctx.c pftool/wctx.h \
	pftool/tasks.h pftool/walk.c pftool/filter.c \
	pftool/copy.c pftool/chunk.c pftool/journal.c pftool/compare.c \
	pftool/list.c pftool/purge.c pftool/meta.c pftool/paths.c \
	pftool/fault.c pftool/pack.c \
	pftool/endpoint.h pftool/ep.c pftool/ep_posix.c pftool/ep_null.c \
	pftool/ep_synth.c pftool/ep_marfs.c pftool/privstart.c
pftool_pftool_CPPFLAGS = -D_GNU_SOURCE -I$(LIBDIR)/util -I$(LIBDIR)/config \
	-I$(LIBDIR)/api $(MPI_CFLAGS)
pftool_pftool_LDADD = $(MARFS_STATIC_LIBS) $(MPI_LIBS)

# Between mpirun and a pipe (relay.c): no MPI, no library.  Run by the
# front-ends, not by users, so not on PATH.
pkglibexec_PROGRAMS = pftool/pftool-relay
pftool_pftool_relay_SOURCES = pftool/relay.c

# Front-ends: one script, installed under four names.
PFTOOL_FRONTENDS = pftool/pfcp pftool/pfsync pftool/pfls pftool/pfcm
bin_SCRIPTS += $(PFTOOL_FRONTENDS)
CLEANFILES += $(PFTOOL_FRONTENDS)
EXTRA_DIST += pftool/frontend.sh.in
$(PFTOOL_FRONTENDS): $(top_srcdir)/pftool/frontend.sh.in Makefile
	$(AM_V_GEN)$(MKDIR_P) pftool && name=`basename $@` && \
	sed -e "s|@cmd[@]|$$name|g" -e "s|@sub[@]|$${name#pf}|g" \
	    -e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    -e 's|@pkglibexecdir[@]|$(pkglibexecdir)|g' \
	    -e 's|@MPIRUN[@]|$(MPIRUN)|g' $(top_srcdir)/pftool/frontend.sh.in > $@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@
dist_sysconf_DATA += etc/pftool.conf
dist_man_MANS += man/pftool.1 man/pfcp.1 man/pfsync.1 man/pfls.1 man/pfcm.1

# Tests: real mpirun with 2 to 6 ranks, POSIX and marfs in every direction.
INTEG_TESTS += tests/integration/pftool-basic.sh tests/integration/pftool-ls.sh \
	tests/integration/pftool-cm.sh tests/integration/pftool-sync.sh \
	tests/integration/pftool-restart.sh tests/integration/pftool-errors.sh \
	tests/integration/pftool-filters.sh tests/integration/pftool-marfs.sh
INTEG_TESTS += tests/integration/pftool-marfs-dirs.sh tests/integration/pftool-marfs-restart.sh \
	tests/integration/pftool-pack-end.sh \
	tests/integration/pftool-hosts.sh tests/integration/pftool-relay.sh
EXTRA_DIST += tests/gen-nasty-tree
