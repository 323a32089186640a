# tools/local.mk - admin tools built on marfs-lib (no MPI here).
bin_PROGRAMS += tools/marfs-verifyconf
tools_marfs_verifyconf_SOURCES = tools/marfs-verifyconf.c tools/tool_common.c tools/tool_common.h
tools_marfs_verifyconf_LDADD = $(MARFS_LIBS)
dist_man_MANS += man/marfs-verifyconf.1
