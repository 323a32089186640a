# tools/marfs.mk - the `marfs` admin tool and marfs-recover (issue: admin
# tools), their manuals and integration tests.
RECOVER_SOURCES = tools/recover.h tools/recover_main.c tools/recover_scan.c \
	tools/recover_obj.c tools/recover_cat.c tools/recover_data.c \
	tools/recover_report.c tools/recover_check.c tools/recover_rebuild.c

bin_PROGRAMS += tools/marfs tools/marfs-recover
tools_marfs_SOURCES = tools/marfs.c tools/marfs_cmd.h tools/marfs_util.c \
	tools/marfs_ls.c tools/marfs_stat.c tools/marfs_tag.c \
	tools/marfs_tag.h tools/marfs_layout.c tools/marfs_io.c tools/marfs_put.c \
	tools/marfs_tree.c tools/marfs_verify.c $(RECOVER_SOURCES) \
	tools/tool_common.c tools/tool_common.h
tools_marfs_LDADD = $(MARFS_LIBS)
tools_marfs_recover_SOURCES = tools/marfs-recover.c $(RECOVER_SOURCES) \
	tools/tool_common.c tools/tool_common.h
tools_marfs_recover_LDADD = $(MARFS_LIBS)
dist_man_MANS += man/marfs.1 man/marfs-recover.1
EXTRA_DIST += doc/recovery.md

# They need only the library and these tools, so the sanitizer build runs
# them too (tests/local.mk adds SAN_INTEG_TESTS to INTEG_TESTS).
SAN_INTEG_TESTS += tests/integration/marfs-tool.sh \
	tests/integration/marfs-recover.sh
