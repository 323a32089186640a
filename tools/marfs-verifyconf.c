/*
 * marfs-verifyconf - check a marfs.xml and, optionally, the directories it
 * names.
 *
 * Prints a summary and exits 0 for a valid config; prints every error (one
 * line each, FILE:LINE: <element>: message) and exits 1 otherwise.
 * --check-dirs verifies that metadata roots and POSIX DAL roots exist as
 * directories not writable by group or others and owned by the running
 * user (or root); --fix creates missing ones with mode 0700.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dal.h"
#include "log.h"
#include "marfs_config.h"
#include "rootdir.h"
#include "tool_common.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: marfs-verifyconf [options] CONFIG\n"
            "  -d, --check-dirs      check metadata and data root directories\n"
            "  -f, --fix             with --check-dirs: create missing ones (0700)\n"
            "  -q, --quiet           print no summary, only errors\n"
            "  -v, --verbose         more log output (repeatable)\n"
            "      --log-level LVL   error, warn, info or debug\n"
            "  -h, --help            this help\n"
            "exit: 0 valid, 1 invalid, 2 usage error\n");
}

/* Returns 1 if the directory is fine (after fixing, if asked), else 0;
 * problems are logged by the check itself. */
static int check_dir(const char *what, const char *path, int fix)
{
    if (mutil_check_root(what, path, fix) < 0)
        return 0;
    printf("%s %s: ok\n", what, path);
    return 1;
}

/* Everything the repo's DAL stack stores blocks in, as the DAL itself
 * checks (and with fix creates) it: for the posix DAL its data root and
 * every pod/block/cap/scatter directory. */
static int check_dal(const struct mcfg_repo *r, int fix)
{
    dal_t *dal;
    int rc = dal_create(r->dal, r, &dal);
    if (rc == 0) {
        rc = dal->ops->verify(dal, fix);
        dal_destroy(dal);
    }
    if (rc < 0) {
        printf("repo %s: data locations: %s%s\n", r->name, strerror(-rc),
               fix ? "" : " (--fix creates missing ones)");
        return 0;
    }
    printf("repo %s: data locations: ok\n", r->name);
    return 1;
}

static int check_dirs(const struct mcfg *cfg, int fix)
{
    int ok = 1;
    for (size_t i = 0; i < cfg->nrepos; i++) {
        const struct mcfg_repo *r = &cfg->repos[i];
        int meta_ok = check_dir("metadata root", r->ns_root, fix);
        int data_ok = check_dal(r, fix);
        ok &= meta_ok && data_ok;
    }
    return ok;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"check-dirs", no_argument, NULL, 'd'},
        {"fix", no_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"log-level", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int dirs = 0, fix = 0, quiet = 0, c;

    tool_init(argv[0]);
    if (tool_admin_only("marfs-verifyconf") < 0)
        return TOOL_USAGE;
    while ((c = getopt_long(argc, argv, "dfqvh", opts, NULL)) != -1) {
        switch (c) {
        case 'd': dirs = 1; break;
        case 'f': fix = 1; break;
        case 'q': quiet = 1; break;
        case 'v': tool_verbose(); break;
        case 'L':
            if (tool_log_level(optarg) < 0)
                return TOOL_USAGE;
            break;
        case 'h': usage(stdout); return TOOL_OK;
        default: usage(stderr); return TOOL_USAGE;
        }
    }
    if (optind != argc - 1 || (fix && !dirs)) {
        usage(stderr);
        return TOOL_USAGE;
    }
    const struct mcfg *cfg = NULL;
    int rc = dal_config_load(argv[optind], stderr, &cfg);
    if (rc < 0) {
        fprintf(stderr, "%s: invalid config\n", argv[optind]);
        return TOOL_FAILED;
    }
    if (!quiet)
        mcfg_print_summary(cfg, stdout);
    int ok = dirs ? check_dirs(cfg, fix) : 1;
    mcfg_free(cfg);
    return ok ? TOOL_OK : TOOL_FAILED;
}
