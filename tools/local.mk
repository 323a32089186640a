# tools/local.mk - the admin tools (no MPI): marfs-verifyconf, marfs-ne,
# marfs, marfs-recover; their manuals and integration tests.  They link
# libmarfs; marfs-ne and the recover code also use the erasure and
# metadata layers' internal headers.
TOOL_COMMON = tools/tool_common.c tools/tool_common.h

bin_PROGRAMS += tools/marfs-verifyconf
tools_marfs_verifyconf_SOURCES = tools/marfs-verifyconf.c $(TOOL_COMMON)
tools_marfs_verifyconf_CPPFLAGS = $(INC_ALL)
tools_marfs_verifyconf_LDADD = $(MARFS_STATIC_LIBS)
dist_man_MANS += man/marfs-verifyconf.1

bin_PROGRAMS += tools/marfs-ne
tools_marfs_ne_SOURCES = tools/marfs-ne.c tools/marfs-ne-bench.c \
	tools/marfs-ne.h $(TOOL_COMMON)
tools_marfs_ne_CPPFLAGS = $(INC_ALL) $(ISAL_CFLAGS)
tools_marfs_ne_LDADD = $(MARFS_STATIC_LIBS)
dist_man_MANS += man/marfs-ne.1
bin_SCRIPTS += scripts/bench-ne
EXTRA_DIST += scripts/bench-ne

RECOVER_SOURCES = tools/recover.h tools/recover_main.c tools/recover_scan.c \
	tools/recover_obj.c tools/recover_cat.c tools/recover_data.c \
	tools/recover_report.c tools/recover_check.c tools/recover_rebuild.c
bin_PROGRAMS += tools/marfs tools/marfs-recover
tools_marfs_SOURCES = tools/marfs.c tools/marfs_cmd.h tools/marfs_util.c \
	tools/marfs_ls.c tools/marfs_stat.c tools/marfs_tag.c \
	tools/marfs_tag.h tools/marfs_layout.c tools/marfs_io.c tools/marfs_put.c \
	tools/marfs_tree.c tools/marfs_verify.c tools/marfs_attr.c \
	$(RECOVER_SOURCES) $(TOOL_COMMON)
tools_marfs_CPPFLAGS = $(INC_ALL)
tools_marfs_LDADD = $(MARFS_STATIC_LIBS)
tools_marfs_recover_SOURCES = tools/marfs-recover.c $(RECOVER_SOURCES) \
	$(TOOL_COMMON)
tools_marfs_recover_CPPFLAGS = $(INC_ALL)
tools_marfs_recover_LDADD = $(MARFS_STATIC_LIBS)
dist_man_MANS += man/marfs.1 man/marfs-recover.1
EXTRA_DIST += doc/recovery.md

# These need only the library and the tools, so the sanitizer build runs
# them too; ne-crash kills writers and runs in the plain build.
SAN_INTEG_TESTS += tests/integration/config-bad.sh \
	tests/integration/config-good.sh tests/integration/ne-tool.sh \
	tests/integration/marfs-tool.sh tests/integration/marfs-recover.sh
INTEG_TESTS += tests/integration/ne-crash.sh
EXTRA_DIST += tests/integration tests/configs tests/lib

# The privilege model (doc/security.md): users made by the tests, the
# setuid pftool and marfs installed into a scratch prefix, real mpirun.
PRIV_TESTS = tests/integration/priv-users.sh tests/integration/priv-roots.sh \
	tests/integration/priv-restart.sh tests/integration/priv-quota.sh
INTEG_TESTS += $(PRIV_TESTS)
EXTRA_DIST += doc/security.md
