/*
 * opts.c - the command line: `pftool COMMAND [OPTIONS] SRC... [DST]`
 * with COMMAND cp, sync, ls or cm (the front-ends pfcp, pfsync, pfls,
 * pfcm pass it), checks that need no I/O, and the copy roots (which SRC
 * goes where; computed once on rank 0, see pf_make_roots).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "marfs_config.h"
#include "endpoint.h"
#include "log.h"
#include "pftool.h"

enum long_only {
    OPT_DRY_RUN = 256, OPT_DELETE, OPT_CONTENTS, OPT_CHECKSUM, OPT_NO_XATTRS,
    OPT_SORT, OPT_SUMMARY, OPT_JSON, OPT_PROGRESS, OPT_LOG, OPT_FAILED_LIST,
    OPT_FILES_FROM, OPT_EXCLUDE, OPT_INCLUDE, OPT_CHUNK_SIZE, OPT_BLOCK_SIZE,
    OPT_QUEUE_MEM, OPT_JOURNAL, OPT_CONFIG, OPT_FSYNC, OPT_LOG_LEVEL,
    OPT_FAULT, OPT_OWNER, OPT_NO_OWNER,
};

static const struct option long_opts[] = {
    {"recursive", no_argument, NULL, 'R'},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"long", no_argument, NULL, 'l'},
    {"no-clobber", no_argument, NULL, 'n'},
    {"force", no_argument, NULL, 'f'},
    {"null", no_argument, NULL, '0'},
    {"help", no_argument, NULL, 'h'},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"delete", no_argument, NULL, OPT_DELETE},
    {"contents", no_argument, NULL, OPT_CONTENTS},
    {"checksum", no_argument, NULL, OPT_CHECKSUM},
    {"no-xattrs", no_argument, NULL, OPT_NO_XATTRS},
    {"sort", no_argument, NULL, OPT_SORT},
    {"summary", no_argument, NULL, OPT_SUMMARY},
    {"json", no_argument, NULL, OPT_JSON},
    {"progress", required_argument, NULL, OPT_PROGRESS},
    {"log", required_argument, NULL, OPT_LOG},
    {"failed-list", required_argument, NULL, OPT_FAILED_LIST},
    {"files-from", required_argument, NULL, OPT_FILES_FROM},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"include", required_argument, NULL, OPT_INCLUDE},
    {"chunk-size", required_argument, NULL, OPT_CHUNK_SIZE},
    {"block-size", required_argument, NULL, OPT_BLOCK_SIZE},
    {"queue-mem", required_argument, NULL, OPT_QUEUE_MEM},
    {"journal", required_argument, NULL, OPT_JOURNAL},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"fsync", no_argument, NULL, OPT_FSYNC},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"fault", required_argument, NULL, OPT_FAULT},
    {"owner", no_argument, NULL, OPT_OWNER},
    {"no-owner", no_argument, NULL, OPT_NO_OWNER},
    {NULL, 0, NULL, 0},
};

void pf_usage(const struct pf_opts *o, int full)
{
    FILE *f = full ? stdout : stderr;
    switch (o->cmd) {
    case PF_CMD_LS:
        fprintf(f, "usage: pfls [-R] [-l] [-q] [--sort] [--summary] [OPTIONS] PATH...\n");
        break;
    case PF_CMD_CM:
        fprintf(f, "usage: pfcm [-R] [--contents|--checksum] [OPTIONS] SRC DST\n");
        break;
    case PF_CMD_SYNC:
        fprintf(f, "usage: pfsync [--delete] [--contents] [--dry-run] [OPTIONS] SRC... DST\n");
        break;
    default:
        fprintf(f, "usage: pfcp [-R] [-f] [OPTIONS] SRC... DST\n");
    }
    if (!full) {
        fprintf(f, "Try '%s --help' or man %s.\n", o->prog, o->prog);
        return;
    }
    fprintf(f,
        "  -R, --recursive       copy / list / compare directories recursively\n"
        "  -f, --force           recopy files that are already identical\n"
        "  -n, --no-clobber      skip identical files (the default; restart)\n"
        "  -v, --verbose         one line per file\n"
        "  -q, --quiet           (pfls) no per-entry lines\n"
        "  -l, --long            (pfls) ls -l style lines\n"
        "      --sort            (pfls) sort within each directory\n"
        "      --summary         (pfls) totals and a size histogram\n"
        "      --dry-run         (pfsync) list what would change, change nothing\n"
        "      --delete          (pfsync) remove destination entries the source lacks\n"
        "      --contents        decide / compare by bytes, not size and mtime\n"
        "      --checksum        (pfcm) compare with the destination's stored CRC\n"
        "      --exclude GLOB    skip matching entries (repeatable, ordered)\n"
        "      --include GLOB    keep matching entries (first matching rule wins)\n"
        "      --files-from LIST copy only the paths listed (newline or NUL separated)\n"
        "      --failed-list F   write the paths that failed to F\n"
        "  -0, --null            the failed list is NUL-separated\n"
        "      --progress SECS   a progress line every SECS seconds\n"
        "      --json            JSON progress lines and summary\n"
        "      --log FILE        append every message to FILE\n"
        "      --log-level LVL   error, warn, info, debug\n"
        "      --chunk-size SIZE files above SIZE are copied in chunks in parallel\n"
        "      --block-size SIZE I/O size (default 1M)\n"
        "      --queue-mem SIZE  scheduler queue memory before back-pressure (64M)\n"
        "      --journal DIR     restart journals in DIR (default: beside the file)\n"
        "      --config FILE     marfs config (default $MARFS_CONFIG)\n"
        "      --fsync           flush each chunk before journalling it\n"
        "      --no-xattrs       do not copy user xattrs\n"
        "      --owner / --no-owner  preserve owners (default: when root)\n"
        "Exit status: 0 all done, 1 some files failed or differ, 2 usage, 3 fatal.\n");
}

static int parse_cmd(const char *word, struct pf_opts *o)
{
    static const struct { const char *name; enum pf_cmd cmd; } cmds[] = {
        {"cp", PF_CMD_CP}, {"sync", PF_CMD_SYNC}, {"ls", PF_CMD_LS},
        {"cm", PF_CMD_CM}, {"pfcp", PF_CMD_CP}, {"pfsync", PF_CMD_SYNC},
        {"pfls", PF_CMD_LS}, {"pfcm", PF_CMD_CM},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(word, cmds[i].name) == 0) {
            o->cmd = cmds[i].cmd;
            o->prog = pf_cmd_name(o->cmd);
            return 0;
        }
    return -EINVAL;
}

static int parse_size_arg(const char *opt, const char *arg, uint64_t *out)
{
    if (mcfg_parse_size(arg, out) < 0 || *out == 0) {
        fprintf(stderr, "pftool: %s: not a size: %s\n", opt, arg);
        return -EINVAL;
    }
    return 0;
}

static int add_rule(struct pf_opts *o, enum pf_rule_kind kind, const char *glob)
{
    struct pf_rule *r = realloc(o->rules, sizeof(*r) * (size_t)(o->nrules + 1));
    if (r == NULL)
        return -ENOMEM;
    o->rules = r;
    r[o->nrules].kind = kind;
    r[o->nrules].glob = glob;
    o->nrules++;
    return 0;
}

static int parse_value_opt(int c, const char *arg, struct pf_opts *o)
{
    char *end;
    switch (c) {
    case OPT_PROGRESS:
        o->progress = strtod(arg, &end);
        return (*end || o->progress < 0) ? -EINVAL : 0;
    case OPT_LOG: o->log_file = arg; return 0;
    case OPT_FAILED_LIST: o->failed_list = arg; return 0;
    case OPT_FILES_FROM: o->files_from = arg; return 0;
    case OPT_EXCLUDE: return add_rule(o, PF_RULE_EXCLUDE, arg);
    case OPT_INCLUDE: return add_rule(o, PF_RULE_INCLUDE, arg);
    case OPT_CHUNK_SIZE: return parse_size_arg("--chunk-size", arg, &o->chunk_size);
    case OPT_BLOCK_SIZE: return parse_size_arg("--block-size", arg, &o->block_size);
    case OPT_QUEUE_MEM: return parse_size_arg("--queue-mem", arg, &o->queue_mem);
    case OPT_JOURNAL: o->journal_dir = arg; return 0;
    case OPT_CONFIG: o->config = arg; return 0;
    case OPT_FAULT: o->fault = arg; return 0;
    case OPT_LOG_LEVEL: {
        int lvl = mlog_parse_level(arg);
        if (lvl < 0)
            return -EINVAL;
        mlog_set_level((enum mlog_level)lvl);
        return 0;
    }
    }
    return -EINVAL;
}

static int parse_flag_opt(int c, struct pf_opts *o)
{
    switch (c) {
    case 'R': case 'r': o->recursive = 1; return 0;
    case 'v': o->verbose++; return 0;
    case 'q': o->quiet = 1; return 0;
    case 'l': o->long_list = 1; return 0;
    case 'n': o->force = 0; return 0;
    case 'f': o->force = 1; return 0;
    case '0': o->null_sep = 1; return 0;
    case OPT_DRY_RUN: o->dry_run = 1; return 0;
    case OPT_DELETE: o->delete_extra = 1; return 0;
    case OPT_CONTENTS: o->contents = 1; return 0;
    case OPT_CHECKSUM: o->checksum = 1; return 0;
    case OPT_NO_XATTRS: o->no_xattrs = 1; return 0;
    case OPT_SORT: o->sort = 1; return 0;
    case OPT_SUMMARY: o->summary = 1; return 0;
    case OPT_JSON: o->json = 1; return 0;
    case OPT_FSYNC: o->fsync = 1; return 0;
    case OPT_OWNER: o->preserve_owner = 1; return 0;
    case OPT_NO_OWNER: o->preserve_owner = 0; return 0;
    }
    return 1;                        /* not a flag */
}

static int check_opts(struct pf_opts *o, int nargs)
{
    const char *why = NULL;
    int need_dst = o->cmd != PF_CMD_LS;
    if (need_dst && nargs < 2)
        why = "a source and a destination are needed";
    else if (o->cmd == PF_CMD_CM && nargs != 2)
        why = "pfcm compares one SRC with one DST";
    else if (o->delete_extra && o->cmd != PF_CMD_SYNC)
        why = "--delete is a pfsync option";
    else if (o->files_from && nargs - need_dst != 1)
        why = "--files-from takes exactly one SRC (the list is relative to it)";
    else if (o->dry_run && o->cmd != PF_CMD_SYNC && o->cmd != PF_CMD_CP)
        why = "--dry-run is for pfsync and pfcp";
    if (why) {
        fprintf(stderr, "%s: %s\n", o->prog, why);
        return -EINVAL;
    }
    return 0;
}

static void set_defaults(struct pf_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->cmd = PF_CMD_CP;
    o->prog = "pftool";
    o->block_size = 1 << 20;
    o->queue_mem = 64 << 20;
    o->preserve_owner = geteuid() == 0;
}

/* 0 to run, 1 when --help was printed, <0 usage error. */
int pf_parse_opts(int argc, char **argv, struct pf_opts *o)
{
    set_defaults(o);
    if (argc < 2 || parse_cmd(argv[1], o) < 0) {
        fprintf(stderr, "usage: pftool cp|sync|ls|cm [OPTIONS] ARGS "
                        "(normally run through pfcp, pfsync, pfls, pfcm)\n");
        return -EINVAL;
    }
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "RrvqlnfF0h", long_opts, NULL)) != -1) {
        if (c == 'h') {
            pf_usage(o, 1);
            return 1;
        }
        if (c == '?' || (parse_flag_opt(c, o) == 1 &&
                         parse_value_opt(c, optarg, o) < 0)) {
            if (c != '?')
                fprintf(stderr, "%s: bad value for an option: %s\n", o->prog,
                        optarg ? optarg : "");
            pf_usage(o, 0);
            return -EINVAL;
        }
    }
    if (o->cmd == PF_CMD_SYNC)
        o->recursive = 1;
    int nargs = argc - optind;
    if (check_opts(o, nargs) < 0) {
        pf_usage(o, 0);
        return -EINVAL;
    }
    o->srcs = argv + optind;
    o->nsrcs = o->cmd == PF_CMD_LS ? nargs : nargs - 1;
    o->dst = o->cmd == PF_CMD_LS ? NULL : argv[argc - 1];
    return 0;
}
