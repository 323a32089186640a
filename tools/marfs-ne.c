/*
 * marfs-ne - administer erasure-coded objects of a repo directly.
 *
 * put/get stream one object from stdin / to stdout (get optionally a
 * range), stat shows per-block health from the meta info, verify reads
 * everything and lists damaged blocks, rebuild regenerates them, delete
 * removes an object, init creates the repo's block directories; bench
 * (marfs-ne-bench.c) measures the erasure layer.  Exit codes are those of
 * tool_common.h: 1 when the object is missing, damaged or an operation
 * failed, 2 for usage errors, an unreadable config or an unknown repo.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "marfs_config.h"
#include "log.h"
#include "marfs-ne.h"
#include "ne.h"
#include "tool_common.h"

#define IO_CHUNK (8u << 20)

struct args {
    const char *cmd, *config, *repo, *obj;
    uint64_t offset, length;
    int has_length;
    struct ne_opts opts;
};

static void usage(FILE *out)
{
    fprintf(out,
        "usage: marfs-ne [options] COMMAND CONFIG REPO [OBJNAME]\n"
        "       marfs-ne bench [bench options]   (marfs-ne bench --help)\n"
        "commands:\n"
        "  put     store standard input as OBJNAME\n"
        "  get     write OBJNAME (or --offset/--length of it) to stdout\n"
        "  stat    per-block health from the meta info (reads no data)\n"
        "  verify  read every block, check every CRC, list damaged blocks\n"
        "  rebuild regenerate damaged blocks, then verify\n"
        "  delete  remove every block of OBJNAME\n"
        "  init    create the repo's block directories (no OBJNAME)\n"
        "options:\n"
        "  -o, --offset O        get: start at byte O\n"
        "  -l, --length L        get: at most L bytes\n"
        "  -Q, --quorum Q        put: blocks that must be written (N+1)\n"
        "  -t, --threads T       I/O threads (default N+E, 0: none)\n"
        "  -v, --verbose         more log output (repeatable)\n"
        "      --log-level LVL   error, warn, info or debug\n"
        "  -h, --help            this help\n"
        "exit: 0 ok, 1 missing/damaged/failed, 2 usage or config error, "
        "3 fatal\n");
}

static int parse_u64(const char *opt, const char *v, uint64_t *out)
{
    if (mcfg_parse_size(v, out) == 0)
        return 0;
    fprintf(stderr, "marfs-ne: %s: bad number '%s'\n", opt, v);
    return -1;
}

static int parse_opts(int argc, char **argv, struct args *a)
{
    static const struct option opts[] = {
        {"offset", required_argument, NULL, 'o'},
        {"length", required_argument, NULL, 'l'},
        {"quorum", required_argument, NULL, 'Q'},
        {"threads", required_argument, NULL, 't'},
        {"verbose", no_argument, NULL, 'v'},
        {"log-level", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t v;
    int c;
    while ((c = getopt_long(argc, argv, "o:l:Q:t:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': if (parse_u64("--offset", optarg, &a->offset)) return -1;
            break;
        case 'l': if (parse_u64("--length", optarg, &a->length)) return -1;
            a->has_length = 1;
            break;
        case 'Q': if (parse_u64("--quorum", optarg, &v)) return -1;
            a->opts.write_quorum = (unsigned)v;
            break;
        case 't': if (parse_u64("--threads", optarg, &v)) return -1;
            a->opts.threads = (unsigned)v;
            break;
        case 'v': tool_verbose(); break;
        case 'L': if (tool_log_level(optarg) < 0) return -1;
            break;
        case 'h': usage(stdout); exit(TOOL_OK);
        default: return -1;
        }
    }
    int left = argc - optind;
    if (left < 3)
        return -1;
    a->cmd = argv[optind];
    a->config = argv[optind + 1];
    a->repo = argv[optind + 2];
    a->obj = left > 3 ? argv[optind + 3] : NULL;
    int want = strcmp(a->cmd, "init") == 0 ? 3 : 4;
    return left == want ? 0 : -1;
}

static void print_health(const char *obj, const struct ne_health *h)
{
    printf("object %s: %u+%u, %llu bytes, rotation %u\n", obj, h->n, h->e,
           (unsigned long long)h->size, h->rotation);
    for (unsigned b = 0; b < h->nblocks; b++) {
        if (h->state[b] == NE_BLK_OK)
            printf("block %u: ok\n", b);
        else
            printf("block %u: %s (%s)\n", b, ne_bstate_str(h->state[b]),
                   strerror(-h->err[b]));
    }
    printf("damaged blocks: %u of %u", h->nbad, h->nblocks);
    for (unsigned b = 0, k = 0; b < h->nblocks; b++)
        if (h->state[b] != NE_BLK_OK)
            printf("%s%u", k++ ? "," : " (", b);
    printf("%s\n", h->nbad ? ")" : "");
}

/* Exit code for a failed library call, with one message. */
static int fail(const struct args *a, const char *what, int rc)
{
    if (rc == -ENOENT)
        fprintf(stderr, "marfs-ne: object %s not found in repo %s\n", a->obj,
                a->repo);
    else
        fprintf(stderr, "marfs-ne: %s %s: %s\n", what, a->obj, strerror(-rc));
    return TOOL_FAILED;
}

/* Whatever stdin has (a whole buffer from a file, less from a pipe): a
 * slow source is streamed as it comes, never held back.  0 at the end. */
static ssize_t read_some(char *buf, size_t len)
{
    for (;;) {
        ssize_t r = read(STDIN_FILENO, buf, len);
        if (r >= 0)
            return r;
        if (errno != EINTR) {
            fprintf(stderr, "marfs-ne: reading standard input: %s\n",
                    strerror(errno));
            return -EIO;
        }
    }
}

static void print_failed(const char *obj, const struct ne_health *st)
{
    for (unsigned b = 0; b < st->nblocks; b++)
        if (st->state[b] != NE_BLK_OK)
            fprintf(stderr, "marfs-ne: %s block %u: %s (%s)\n", obj, b,
                    ne_bstate_str(st->state[b]), strerror(-st->err[b]));
}

static int cmd_put(const struct args *a, ne_ctx_t *ctx)
{
    ne_write_t *h = NULL;
    int rc = ne_open_write(ctx, a->obj, &h);
    if (rc < 0)
        return fail(a, "put", rc);
    char *buf = malloc(IO_CHUNK);
    int src_err = buf == NULL;
    while (!src_err) {
        ssize_t got = read_some(buf, IO_CHUNK);
        src_err = got < 0;
        if (got <= 0 || ne_write(h, buf, (size_t)got) < 0)
            break;   /* a failed write is reported by close */
    }
    free(buf);
    if (src_err) {
        ne_abort(h);   /* never publish a truncated object */
        return fail(a, "put", -EIO);
    }
    struct ne_health st;
    rc = ne_close_write(h, &st);
    if (st.nbad > 0)
        print_failed(a->obj, &st);
    if (rc < 0)
        return fail(a, "put", rc);
    if (st.nbad > 0)
        fprintf(stderr, "marfs-ne: %s written with %u failed blocks; "
                "rebuild needed\n", a->obj, st.nbad);
    return TOOL_OK;
}

static int write_all(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(STDOUT_FILENO, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

static int copy_out(const struct args *a, ne_read_t *h)
{
    uint64_t off = a->offset, size = ne_size(h);
    uint64_t end = size;
    if (a->has_length && a->length < size - (off < size ? off : size))
        end = off + a->length;
    char *buf = malloc(IO_CHUNK);
    int rc = buf ? 0 : -ENOMEM;
    while (rc == 0 && off < end) {
        size_t want = end - off < IO_CHUNK ? (size_t)(end - off) : IO_CHUNK;
        ssize_t got = ne_pread(h, buf, want, off);
        if (got <= 0)
            rc = got < 0 ? (int)got : -EIO;
        else if (write_all(buf, (size_t)got) < 0)
            rc = -EPIPE;
        off += got > 0 ? (uint64_t)got : 0;
    }
    free(buf);
    return rc;
}

static int cmd_get(const struct args *a, ne_ctx_t *ctx)
{
    ne_read_t *h = NULL;
    int rc = ne_open_read(ctx, a->obj, &h);
    if (rc < 0)
        return fail(a, "get", rc);
    rc = copy_out(a, h);
    struct ne_health hl;
    if (ne_damaged(h, &hl) > 0)
        fprintf(stderr, "marfs-ne: %s has %u damaged blocks; rebuild "
                "needed\n", a->obj, hl.nbad);
    ne_close_read(h);
    return rc < 0 ? fail(a, "get", rc) : TOOL_OK;
}

static int cmd_check(const struct args *a, ne_ctx_t *ctx)
{
    struct ne_health h;
    int rc;
    if (strcmp(a->cmd, "stat") == 0)
        rc = ne_stat(ctx, a->obj, &h);
    else if (strcmp(a->cmd, "verify") == 0)
        rc = ne_verify(ctx, a->obj, &h);
    else
        rc = ne_rebuild(ctx, a->obj, &h);
    if (rc == -ENOENT)
        return fail(a, a->cmd, rc);
    if (h.nblocks > 0)
        print_health(a->obj, &h);
    if (strcmp(a->cmd, "rebuild") == 0 && rc == 0)
        printf("rebuilt %u blocks; object verifies clean\n", h.nbad);
    if (rc < 0)
        return fail(a, a->cmd, rc);
    return strcmp(a->cmd, "rebuild") != 0 && h.nbad > 0 ? TOOL_FAILED
                                                         : TOOL_OK;
}

static int run(const struct args *a, ne_ctx_t *ctx)
{
    if (strcmp(a->cmd, "put") == 0)
        return cmd_put(a, ctx);
    if (strcmp(a->cmd, "get") == 0)
        return cmd_get(a, ctx);
    if (strcmp(a->cmd, "delete") == 0) {
        int rc = ne_delete(ctx, a->obj);
        return rc < 0 ? fail(a, "delete", rc) : TOOL_OK;
    }
    if (strcmp(a->cmd, "init") == 0) {
        dal_t *dal = ne_ctx_dal(ctx);
        int rc = dal->ops->verify(dal, 1);
        if (rc < 0)
            fprintf(stderr, "marfs-ne: init: %s\n", strerror(-rc));
        return rc < 0 ? TOOL_FAILED : TOOL_OK;
    }
    return cmd_check(a, ctx);
}

static int known_cmd(const char *cmd)
{
    static const char *const cmds[] = {"put", "get", "stat", "verify",
                                       "rebuild", "delete", "init"};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(cmd, cmds[i]) == 0)
            return 1;
    return 0;
}

static int with_repo(const struct args *a)
{
    const struct mcfg *cfg = NULL;
    if (dal_config_load(a->config, stderr, &cfg) < 0) {
        fprintf(stderr, "marfs-ne: %s: unusable config\n", a->config);
        return TOOL_USAGE;
    }
    const struct mcfg_repo *repo = mcfg_repo_by_name(cfg, a->repo);
    if (repo == NULL) {
        fprintf(stderr, "marfs-ne: no repo '%s' in %s (repos:", a->repo,
                a->config);
        for (size_t i = 0; i < cfg->nrepos; i++)
            fprintf(stderr, " %s", cfg->repos[i].name);
        fprintf(stderr, ")\n");
        mcfg_free(cfg);
        return TOOL_USAGE;
    }
    ne_ctx_t *ctx = NULL;
    int rc = ne_ctx_create_opts(repo, &a->opts, &ctx);
    if (rc < 0) {
        fprintf(stderr, "marfs-ne: repo %s: cannot set up the erasure layer:"
                " %s\n", a->repo, strerror(-rc));
        mcfg_free(cfg);
        return TOOL_FATAL;
    }
    int code = run(a, ctx);
    ne_ctx_destroy(ctx);
    mcfg_free(cfg);
    return code;
}

int main(int argc, char **argv)
{
    tool_init(argv[0]);
    if (tool_admin_only("marfs-ne") < 0)
        return TOOL_USAGE;
    if (argc > 1 && strcmp(argv[1], "bench") == 0)
        return ne_bench_main(argc - 1, argv + 1);
    struct args a;
    memset(&a, 0, sizeof(a));
    ne_opts_default(&a.opts);
    if (parse_opts(argc, argv, &a) < 0 || !known_cmd(a.cmd)) {
        if (a.cmd != NULL && !known_cmd(a.cmd))
            fprintf(stderr, "marfs-ne: unknown command '%s'\n", a.cmd);
        usage(stderr);
        return TOOL_USAGE;
    }
    return with_repo(&a);
}
