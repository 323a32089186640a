/*
 * recover_main.c - marfs-recover's options and run (also `marfs recover`).
 *
 * For each repo (or --repo R): list every object through the DAL, read
 * its records, group them into files, then list the files (default),
 * compare them with the live tree (--check) or write them under a local
 * directory (--rebuild DESTROOT, --dry-run to only verify and say what
 * would be written).  Exit: 0 all well; 1 a bad object, an unlisted
 * location, a damaged file, a difference (--check) or a file that could
 * not be restored (--rebuild, incomplete ones included); 2 usage or
 * config error; 3 fatal.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "recover.h"
#include "tool_common.h"

static void usage(FILE *out, const char *prog, int with_config)
{
    fprintf(out,
        "usage: %s [options]%s [--check | --rebuild DESTROOT [--dry-run]]\n"
        "  -r, --repo R          only repo R (default: every repo)\n"
        "      --check           compare with the live metadata tree\n"
        "      --bytes           --check: also read the live files\n"
        "      --rebuild DEST    write the recovered files under DEST\n"
        "  -n, --dry-run         --rebuild: verify, write nothing\n"
        "  -q, --quiet           print only problems and the summary\n"
        "  -v, --verbose         more log output (repeatable)\n"
        "      --log-level LVL   error, warn, info or debug\n"
        "  -h, --help            this help\n"
        "exit: 0 ok, 1 problems found, 2 usage or config error, 3 fatal\n",
        prog, with_config ? " CONFIG" : "");
}

static int parse(int argc, char **argv, struct rc_opts *o, int with_config)
{
    static const struct option opts[] = {
        {"repo", required_argument, NULL, 'r'},
        {"check", no_argument, NULL, 'C'},
        {"bytes", no_argument, NULL, 'B'},
        {"rebuild", required_argument, NULL, 'R'},
        {"dry-run", no_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"log-level", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, actions = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, "r:nqvh", opts, NULL)) != -1) {
        switch (c) {
        case 'r': o->repo = optarg; break;
        case 'C': o->action = RC_CHECK; actions++; break;
        case 'B': o->bytes = 1; break;
        case 'R': o->action = RC_REBUILD; o->dest = optarg; actions++; break;
        case 'n': o->dry_run = 1; break;
        case 'q': o->quiet = 1; break;
        case 'v': tool_verbose(); break;
        case 'L': if (tool_log_level(optarg) < 0) return -1;
            break;
        case 'h': usage(stdout, o->prog, with_config); exit(TOOL_OK);
        default: return -1;
        }
    }
    if (with_config && optind < argc)
        o->config = argv[optind++];
    if (optind != argc || o->config == NULL || actions > 1 ||
        (o->dry_run && o->action != RC_REBUILD) ||
        (o->bytes && o->action != RC_CHECK))
        return -1;
    return 0;
}

/* Read every object's records and group them into files. */
static int catalogue(struct rc_cat *cat, const struct rc_opts *o)
{
    int rc = rc_scan(cat, o);
    for (size_t i = 0; rc == 0 && i < cat->nobj; i++)
        rc = rc_read_object(cat, i, o);
    return rc == 0 ? rc_group(cat) : rc;
}

static int list_files(struct rc_cat *cat, const struct rc_opts *o)
{
    struct rc_reader *rd = rc_reader_new(cat);
    if (rd == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < cat->nfiles; i++) {
        struct rc_file *f = &cat->files[i];
        if (f->state == RC_COMPLETE)
            rc_read_data(rd, f, NULL, NULL);
        if (!o->quiet || (f->state != RC_COMPLETE &&
                          f->state != RC_SUPERSEDED))
            rc_print_file(f);
    }
    rc_reader_free(rd);
    return 0;
}

static int has_problems(const struct rc_cat *cat, const struct rc_opts *o,
                        int action_rc)
{
    int bad = cat->objs_bad || cat->locs_bad || cat->differences ||
              action_rc != 0;
    for (size_t i = 0; i < cat->nfiles; i++)
        bad |= cat->files[i].state == RC_DAMAGED;
    (void)o;
    return bad;
}

static int run_repo(const struct mcfg *cfg, const struct mcfg_repo *r,
                    const struct rc_opts *o)
{
    struct rc_cat cat = {.repo = r};
    int rc = ne_ctx_create(r, &cat.ne);
    if (rc < 0) {
        fprintf(stderr, "%s: repo %s: cannot set up the erasure layer: %s\n",
                o->prog, r->name, strerror(-rc));
        return TOOL_FATAL;
    }
    int code = TOOL_OK;
    if ((rc = catalogue(&cat, o)) < 0) {
        fprintf(stderr, "%s: repo %s: %s\n", o->prog, r->name, strerror(-rc));
        code = TOOL_FATAL;
    } else {
        int arc = o->action == RC_CHECK ? rc_check(&cat, o, cfg)
                : o->action == RC_REBUILD ? rc_rebuild(&cat, o)
                : list_files(&cat, o);
        if (o->action != RC_LIST)
            printf("note: records keep the path each file was created "
                   "under; renames are not visible in the objects\n");
        rc_print_summary(&cat, o);
        code = has_problems(&cat, o, arc) ? TOOL_FAILED : TOOL_OK;
    }
    rc_cat_free(&cat);
    ne_ctx_destroy(cat.ne);
    return code;
}

int recover_main(const char *prog, const char *config, int argc,
                 char **argv)
{
    struct rc_opts o = {.prog = prog, .config = config};
    const struct mcfg *cfg = NULL;
    if (parse(argc, argv, &o, config == NULL) < 0) {
        usage(stderr, prog, config == NULL);
        return TOOL_USAGE;
    }
    if (dal_config_load(o.config, stderr, &cfg) < 0) {
        fprintf(stderr, "%s: %s: unusable config\n", prog, o.config);
        return TOOL_USAGE;
    }
    const struct mcfg_repo *only = o.repo ? mcfg_repo_by_name(cfg, o.repo)
                                          : NULL;
    if (o.repo != NULL && only == NULL) {
        fprintf(stderr, "%s: no repo '%s' in %s\n", prog, o.repo, o.config);
        mcfg_free(cfg);
        return TOOL_USAGE;
    }
    int code = TOOL_OK;
    for (size_t i = 0; i < cfg->nrepos; i++) {
        if (only != NULL && only != &cfg->repos[i])
            continue;
        int c = run_repo(cfg, &cfg->repos[i], &o);
        code = c > code ? c : code;
    }
    mcfg_free(cfg);
    return code;
}
