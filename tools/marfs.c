/*
 * marfs - the admin tool of a marfs file system, through the public API.
 *
 *   marfs [--config CONFIG] [-v] [--log-level LVL] CMD [ARGS...]
 *
 * Owns the global options, the choice of config (--config, else
 * $MARFS_CONFIG) and dispatching to the subcommands (marfs_*.c; recover
 * is marfs-recover's code, recover_*.c).  Exit codes (tool_common.h):
 * 0 done, 1 some operation or check failed, 2 usage error or no usable
 * config, 3 fatal.  Manual: man/marfs.1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "marfs_cmd.h"
#include "recover.h"
#include "tool_common.h"

static void usage(FILE *out)
{
    fprintf(out,
        "usage: marfs [options] COMMAND [ARGS...]\n"
        "commands (PATH: absolute, under the config's mnt_top):\n"
        "  ls [-l] [-n] [-d] PATH...    list directories / files\n"
        "  stat PATH...                 POSIX fields, decoded tag, objects,\n"
        "                               where each block lives and its health\n"
        "  put [-p] [-m MODE] SRC|- DST store a local file (or stdin)\n"
        "  get SRC [DST|-]              copy a file out (default: stdout)\n"
        "  rm [-r] PATH...              remove files (-r: directories too)\n"
        "  mkdir [-p] [-m MODE] PATH... create directories\n"
        "  verify PATH...               read every byte, compare the CRC-64\n"
        "  chmod MODE PATH...           change modes (octal)\n"
        "  chown [-h] USER[:GROUP] PATH...  change owners (-h: a symlink\n"
        "                               itself; only root gives files away)\n"
        "  recover [ARGS...]            as marfs-recover, with this config\n"
        "options:\n"
        "  -c, --config CONFIG   marfs.xml (default: $MARFS_CONFIG; installed\n"
        "                        setuid: the installed default)\n"
        "  -v, --verbose         more log output (repeatable)\n"
        "      --log-level LVL   error, warn, info or debug\n"
        "  -h, --help            this help\n"
        "exit: 0 ok, 1 failed, 2 usage or config error, 3 fatal\n");
}

struct command {
    const char *name;
    int (*fn)(struct mt *m, int argc, char **argv);
};

static const struct command commands[] = {
    {"ls", cmd_ls},         {"stat", cmd_stat},   {"put", cmd_put},
    {"get", cmd_get},       {"rm", cmd_rm},       {"mkdir", cmd_mkdir},
    {"verify", cmd_verify}, {"chmod", cmd_chmod},   {"chown", cmd_chown},
};

static int parse_global(int argc, char **argv, struct mt *m)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"verbose", no_argument, NULL, 'v'},
        {"log-level", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "+c:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': m->config = optarg; break;
        case 'v': tool_verbose(); break;
        case 'L':
            if (tool_log_level(optarg) < 0)
                return TOOL_USAGE;
            break;
        case 'h': usage(stdout); exit(TOOL_OK);
        default: usage(stderr); return TOOL_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return TOOL_USAGE;
    }
    return TOOL_OK;
}

static int dispatch(struct mt *m, int argc, char **argv)
{
    const char *cmd = argv[0];
    if (strcmp(cmd, "recover") == 0) {
        if (m->config == NULL || *m->config == '\0') {
            fprintf(stderr, "marfs: recover: no config: use --config or "
                    "set MARFS_CONFIG\n");
            return TOOL_USAGE;
        }
        return recover_main("marfs recover", m->config, argc, argv);
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].fn(m, argc, argv);
    fprintf(stderr, "marfs: unknown command '%s'\n", cmd);
    usage(stderr);
    return TOOL_USAGE;
}

/*
 * Installed setuid (doc/security.md), marfs opens the roots and drops to
 * its user before it looks at any path the user gave; the administrator's
 * recover works below the API on every user's data and is not offered.
 */
static int setuid_start(struct mt *m, const char *cmd)
{
    if (strcmp(cmd, "recover") == 0) {
        fprintf(stderr, "marfs: recover is an administrator command; this "
                "marfs is installed setuid\n");
        return TOOL_USAGE;
    }
    return mt_open(m);
}

int main(int argc, char **argv)
{
    struct mt m = {.prog = "marfs"};
    tool_init("marfs");
    int code = parse_global(argc, argv, &m);
    if (code != TOOL_OK)
        return code;
    if (marfs_is_setuid())
        code = setuid_start(&m, argv[optind]);
    else if (m.config == NULL)
        m.config = getenv("MARFS_CONFIG");
    if (code == TOOL_OK)
        code = dispatch(&m, argc - optind, argv + optind);
    if (m.ctx != NULL && marfs_term(m.ctx) < 0 && code == TOOL_OK)
        code = TOOL_FAILED;
    if (fflush(stdout) != 0 && code == TOOL_OK) {
        fprintf(stderr, "marfs: writing standard output failed\n");
        code = TOOL_FAILED;
    }
    return code;
}
