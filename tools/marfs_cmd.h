/*
 * marfs_cmd.h - what the subcommands of the `marfs` admin tool share.
 *
 * Owns the run state (program name, config path, the API context opened
 * on first use), the error-reporting convention (one line
 * "marfs: CMD PATH: reason" on stderr, exit codes of tool_common.h) and
 * the entry point of each subcommand; every subcommand lives in its own
 * file (marfs_ls.c, marfs_stat.c, marfs_io.c, marfs_tree.c ...).
 */
#ifndef MARFS_TOOL_CMD_H
#define MARFS_TOOL_CMD_H

#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "marfs.h"
#include "modestr.h"

struct mt {
    const char *prog;      /* "marfs" (for messages) */
    const char *config;    /* --config, else $MARFS_CONFIG (setuid: else
                            * the installed default); may be NULL */
    marfs_ctx_t *ctx;      /* opened by mt_open */
};

/* Open the API context (batch mode).  TOOL_OK, or TOOL_USAGE with one
 * message when there is no config or it cannot be loaded. */
int mt_open(struct mt *m);

/* Report a failed call on path ("marfs: CMD PATH: reason"); returns
 * TOOL_FAILED.  rc is a negative errno. */
int mt_fail(const struct mt *m, const char *cmd, const char *path, int rc);

/* Print a subcommand's usage line(s) to stderr; returns TOOL_USAGE. */
int mt_usage(const struct mt *m, const char *text);

/* Join dir and name into buf ("/a" + "b" -> "/a/b"); -ENAMETOOLONG. */
int mt_join(const char *dir, const char *name, char *buf, size_t bufsz);

/* Parse an octal mode ("0644", "755"); -1 if invalid. */
int mt_parse_mode(const char *text, mode_t *mode);

/* ls -l style mode string ("-rw-r--r--"). */

/* Read every byte of a complete marfs file, writing it to fd (or nowhere
 * when fd < 0) and checking its CRC-64 against the stored checksum.
 * *size and *crc receive what was read.  0, -EBADMSG for a checksum
 * mismatch (the stored value in *stored), or the failing call's errno. */
int mt_read_file(struct mt *m, const char *path, int fd, uint64_t *size,
                 uint64_t *crc, uint64_t *stored);

/* The subcommands: argv[0] is the subcommand's name; each returns an
 * exit code of tool_common.h. */
int cmd_ls(struct mt *m, int argc, char **argv);
int cmd_stat(struct mt *m, int argc, char **argv);
int cmd_put(struct mt *m, int argc, char **argv);
int cmd_get(struct mt *m, int argc, char **argv);
int cmd_verify(struct mt *m, int argc, char **argv);
int cmd_rm(struct mt *m, int argc, char **argv);
int cmd_mkdir(struct mt *m, int argc, char **argv);
int cmd_chmod(struct mt *m, int argc, char **argv);
int cmd_chown(struct mt *m, int argc, char **argv);

#endif
