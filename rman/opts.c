/*
 * opts.c - the command line of marfs-rman (man/marfs-rman.1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rman.h"
#include "tool_common.h"

static const char usage_text[] =
    "usage: marfs-rman [-c CONFIG] [--ns PATH]... ACTION... [options]\n"
    "actions:\n"
    "  --gc [--age DURATION]        delete objects of files deleted longer ago\n"
    "                               than DURATION (default 7d), and their refs\n"
    "  --repack [--below RATIO]     rewrite live files of packed objects less\n"
    "                               than RATIO live (default 0.5)\n"
    "  --rebuild [--scan] [--location pod=P,cap=C,block=B,scatter=S]\n"
    "                               rebuild objects flagged damaged (--scan:\n"
    "                               every object, or those with a block there)\n"
    "  --scrub [--rate MB/s] [--restart]\n"
    "                               read every block, check every CRC; resumes\n"
    "  --quota                      recount usage, correct the counters\n"
    "  --report [--json]            usage against quota per namespace\n"
    "  --list-deleted               deleted files that can still be undeleted\n"
    "  --undelete PATH... [--to NEWPATH]\n"
    "                               link a deleted file back\n"
    "options:\n"
    "  --dry-run            print what would be done, change nothing\n"
    "  --writer-grace DURATION   silence after which an incomplete file\n"
    "                       whose writer is not running here is collected\n"
    "                       (default 1d; also needs --age)\n"
    "  --wait               wait for a namespace another run holds\n"
    "  --log-dir DIR        write the run's log under DIR\n"
    "  --progress           scrub progress lines on stderr\n"
    "  -q, --quiet          no summary line unless something failed\n"
    "  -v, --verbose        print every action; --log-level LEVEL\n"
    "durations: N[s|m|h|d|w] (plain N: seconds)\n";

int rm_parse_duration(const char *text, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || v < 0)
        return -EINVAL;
    int64_t mul = 1;
    switch (*end) {
    case '\0': case 's': break;
    case 'm': mul = 60; break;
    case 'h': mul = 3600; break;
    case 'd': mul = 86400; break;
    case 'w': mul = 7 * 86400; break;
    default: return -EINVAL;
    }
    if (*end != '\0' && end[1] != '\0')
        return -EINVAL;
    if (v > INT64_MAX / mul)
        return -ERANGE;
    *out = v * mul;
    return 0;
}

static int parse_location(const char *text, struct rm_location *loc)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", text);
    *loc = (struct rm_location){-1, -1, -1, -1};
    char *save = NULL;
    for (char *kv = strtok_r(buf, ",", &save); kv != NULL;
         kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '='), *end;
        if (eq == NULL)
            return -EINVAL;
        *eq = '\0';
        long v = strtol(eq + 1, &end, 10);
        if (*end != '\0' || end == eq + 1 || v < 0 || v > 65535)
            return -EINVAL;
        if (strcmp(kv, "pod") == 0) loc->pod = (int)v;
        else if (strcmp(kv, "cap") == 0) loc->cap = (int)v;
        else if (strcmp(kv, "block") == 0) loc->block = (int)v;
        else if (strcmp(kv, "scatter") == 0) loc->scatter = (int)v;
        else return -EINVAL;
    }
    return 0;
}

static int bad(const char *what, const char *value)
{
    fprintf(stderr, "marfs-rman: bad %s '%s'\n%s", what, value, usage_text);
    return 2;
}

enum {
    O_NS = 256, O_GC, O_REPACK, O_REBUILD, O_SCRUB, O_QUOTA, O_REPORT,
    O_LIST, O_UNDELETE, O_AGE, O_GRACE, O_BELOW, O_SCAN, O_LOCATION, O_RATE,
    O_RESTART, O_JSON, O_DRY, O_PROGRESS, O_WAIT, O_LOGDIR, O_TO, O_LEVEL,
};

static const struct option longopts[] = {
    {"config", required_argument, 0, 'c'}, {"ns", required_argument, 0, O_NS},
    {"gc", no_argument, 0, O_GC}, {"repack", no_argument, 0, O_REPACK},
    {"rebuild", no_argument, 0, O_REBUILD}, {"scrub", no_argument, 0, O_SCRUB},
    {"quota", no_argument, 0, O_QUOTA}, {"report", no_argument, 0, O_REPORT},
    {"list-deleted", no_argument, 0, O_LIST},
    {"undelete", no_argument, 0, O_UNDELETE},
    {"age", required_argument, 0, O_AGE},
    {"writer-grace", required_argument, 0, O_GRACE},
    {"below", required_argument, 0, O_BELOW}, {"scan", no_argument, 0, O_SCAN},
    {"location", required_argument, 0, O_LOCATION},
    {"rate", required_argument, 0, O_RATE},
    {"restart", no_argument, 0, O_RESTART}, {"json", no_argument, 0, O_JSON},
    {"dry-run", no_argument, 0, O_DRY},
    {"progress", no_argument, 0, O_PROGRESS}, {"wait", no_argument, 0, O_WAIT},
    {"log-dir", required_argument, 0, O_LOGDIR},
    {"to", required_argument, 0, O_TO},
    {"log-level", required_argument, 0, O_LEVEL},
    {"quiet", no_argument, 0, 'q'}, {"verbose", no_argument, 0, 'v'},
    {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
};

static int add_ns(struct rm_opts *o, const char *path)
{
    const char **p = realloc(o->ns, (o->nns + 1) * sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    o->ns = p;
    o->ns[o->nns++] = path;
    return 0;
}

static int one(struct rm_opts *o, int c, const char *arg)
{
    char *end;
    switch (c) {
    case 'c': o->config = arg; break;
    case O_NS: return add_ns(o, arg) < 0 ? 3 : 0;
    case O_GC: o->actions |= RM_GC; break;
    case O_REPACK: o->actions |= RM_REPACK; break;
    case O_REBUILD: o->actions |= RM_REBUILD; break;
    case O_SCRUB: o->actions |= RM_SCRUB; break;
    case O_QUOTA: o->actions |= RM_QUOTA; break;
    case O_REPORT: o->actions |= RM_REPORT; break;
    case O_LIST: o->actions |= RM_LIST_DELETED; break;
    case O_UNDELETE: o->actions |= RM_UNDELETE; break;
    case O_AGE:
        return rm_parse_duration(arg, &o->age) < 0 ? bad("--age", arg) : 0;
    case O_GRACE:
        return rm_parse_duration(arg, &o->grace) < 0
                   ? bad("--writer-grace", arg) : 0;
    case O_BELOW:
        o->below = strtod(arg, &end);
        return *end || end == arg || o->below < 0 || o->below > 1
                   ? bad("--below ratio (0..1)", arg) : 0;
    case O_SCAN: o->scan = 1; break;
    case O_LOCATION:
        o->has_location = 1;
        return parse_location(arg, &o->loc) < 0
                   ? bad("--location (pod=P,cap=C,block=B,scatter=S)", arg) : 0;
    case O_RATE:
        o->rate = strtod(arg, &end);
        return *end || end == arg || o->rate <= 0 ? bad("--rate MB/s", arg) : 0;
    case O_RESTART: o->restart = 1; break;
    case O_JSON: o->json = 1; break;
    case O_DRY: o->dry_run = 1; break;
    case O_PROGRESS: o->progress = 1; break;
    case O_WAIT: o->wait = 1; break;
    case O_LOGDIR: o->log_dir = arg; break;
    case O_TO: o->to = arg; break;
    case O_LEVEL: return tool_log_level(arg) < 0 ? 2 : 0;
    case 'q': o->quiet = 1; break;
    case 'v': o->verbose = 1; tool_verbose(); break;
    default: return 2;
    }
    return 0;
}

int rm_opts_parse(int argc, char **argv, struct rm_opts *o)
{
    int c;
    memset(o, 0, sizeof(*o));
    o->age = RM_DEFAULT_AGE;
    o->grace = RM_DEFAULT_GRACE;
    o->below = RM_DEFAULT_BELOW;
    o->config = getenv("MARFS_CONFIG");
    while ((c = getopt_long(argc, argv, "c:qvh", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage_text, stdout);
            return -1;
        }
        if (c == '?') {
            fputs(usage_text, stderr);
            return 2;
        }
        int rc = one(o, c, optarg);
        if (rc != 0)
            return rc;
    }
    o->paths = argv + optind;
    o->npaths = (size_t)(argc - optind);
    if (o->actions == 0) {
        fprintf(stderr, "marfs-rman: no action given\n%s", usage_text);
        return 2;
    }
    if (o->npaths > 0 && !(o->actions & RM_UNDELETE)) {
        fprintf(stderr, "marfs-rman: unexpected argument '%s' (paths go with "
                "--undelete)\n", o->paths[0]);
        return 2;
    }
    if ((o->actions & RM_UNDELETE) && o->npaths == 0) {
        fprintf(stderr, "marfs-rman: --undelete needs the path(s) of deleted "
                "files (see --list-deleted)\n");
        return 2;
    }
    if (o->to != NULL && (!(o->actions & RM_UNDELETE) || o->npaths != 1)) {
        fprintf(stderr, "marfs-rman: --to goes with --undelete of one path\n");
        return 2;
    }
    if (o->config == NULL) {
        fprintf(stderr, "marfs-rman: no config (-c FILE or $MARFS_CONFIG)\n");
        return 2;
    }
    return 0;
}
