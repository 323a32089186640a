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

#include "marfs_config.h"
#include "dal.h"
#include "log.h"
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

/* mkdir -p with mode 0700 for every level created. */
static int make_dirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return -errno;
            *p = c;
            if (c == '\0')
                return 0;
        }
    }
}

/* Returns 1 if the directory is fine (after fixing, if asked), else 0. */
static int check_dir(const char *what, const char *path, int fix)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT && fix) {
            int rc = make_dirs(path);
            if (rc < 0) {
                printf("%s %s: cannot create: %s\n", what, path, strerror(-rc));
                return 0;
            }
            printf("%s %s: created (0700)\n", what, path);
            return 1;
        }
        printf("%s %s: %s%s\n", what, path, strerror(errno),
               errno == ENOENT ? " (--fix creates it)" : "");
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        printf("%s %s: not a directory\n", what, path);
        return 0;
    }
    int ok = 1;
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        printf("%s %s: writable by %s (mode %04o); should be 0700\n", what,
               path, (st.st_mode & S_IWOTH) ? "everyone" : "its group",
               (unsigned)(st.st_mode & 07777));
        ok = 0;
    }
    if (st.st_uid != geteuid() && st.st_uid != 0) {
        printf("%s %s: owned by uid %u, not by the running user (%u) or "
               "root\n", what, path, (unsigned)st.st_uid, (unsigned)geteuid());
        ok = 0;
    }
    if (ok)
        printf("%s %s: ok\n", what, path);
    return ok;
}

/* Every location the repo's DAL stores blocks at (the posix DAL's
 * pod/block/cap/scatter directories). */
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
        int roots_ok = check_dir("metadata root", r->ns_root, fix);
        for (const struct mcfg_dal *d = r->dal; d != NULL; d = d->inner) {
            const char *root = mcfg_dal_param(d, "sec_root");
            if (root != NULL)
                roots_ok &= check_dir("data root", root, fix);
        }
        ok &= roots_ok && check_dal(r, fix);
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
    int rc = mcfg_load(argv[optind], stderr, &cfg);
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
