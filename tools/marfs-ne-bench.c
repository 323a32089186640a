/*
 * marfs-ne-bench.c - "marfs-ne bench": throughput of the erasure layer.
 *
 * Owns: the benchmark.  For each geometry it measures, in GB/s of object
 * data and as a ratio to the first line: the raw isa-l ceiling on one core
 * (encode + one CRC pass over every part, no I/O), the whole write path
 * through the null DAL (with the worker pool and with none), write and
 * read through the posix DAL in a tmpfs directory, and a read with E
 * blocks deleted.  Every figure is the median of --reps runs after one
 * warm-up run, with all buffers touched beforehand (first-touch page
 * faults would otherwise dominate).  Not a test: it asserts nothing but
 * the bytes read back.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <isa-l.h>

#include "marfs_config.h"
#include "log.h"
#include "marfs-ne.h"
#include "ne.h"
#include "tool_common.h"

#define MAX_REPS 101
#define MAX_GEOMS 8

struct bench {
    uint64_t size, psz;
    unsigned reps, threads, ngeom;
    unsigned geom[MAX_GEOMS][2];
    const char *dir;
    uint8_t *data, *out;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median GB/s (of bytes per run) of reps runs of fn after one warm-up
 * run; 0 on failure. */
static double measure(const struct bench *B, uint64_t bytes,
                      int (*fn)(void *), void *arg)
{
    double t[MAX_REPS];
    if (fn(arg) < 0)
        return 0;
    for (unsigned r = 0; r < B->reps; r++) {
        double t0 = now();
        if (fn(arg) < 0)
            return 0;
        t[r] = now() - t0;
    }
    qsort(t, B->reps, sizeof(t[0]), cmp_double);
    return (double)bytes / t[B->reps / 2] / 1e9;
}

/* ---- the ceiling: encode + CRC on one core ---------------------------- */

struct raw {
    const struct bench *B;
    unsigned n, e;
    uint8_t *tbls, *par[MCFG_MAX_PARTS];
};

static int raw_run(void *arg)
{
    struct raw *r = arg;
    size_t psz = r->B->psz, sb = r->n * psz;
    uint32_t crc = 0;
    for (uint64_t off = 0; off + sb <= r->B->size; off += sb) {
        uint8_t *d[MCFG_MAX_PARTS];
        for (unsigned i = 0; i < r->n; i++)
            d[i] = r->B->data + off + i * psz;
        ec_encode_data((int)psz, (int)r->n, (int)r->e, r->tbls, d, r->par);
        for (unsigned i = 0; i < r->n; i++)
            crc ^= crc32_gzip_refl(0, d[i], psz);
        for (unsigned i = 0; i < r->e; i++)
            crc ^= crc32_gzip_refl(0, r->par[i], psz);
    }
    return crc == 0x12345678 ? 1 : 0;   /* keep the loop alive */
}

static double bench_raw(const struct bench *B, unsigned n, unsigned e)
{
    struct raw r = {.B = B, .n = n, .e = e};
    uint8_t *m = malloc((size_t)(n + e) * n);
    r.tbls = malloc(32 * (size_t)n * e);
    for (unsigned i = 0; i < e; i++) {
        if (posix_memalign((void **)&r.par[i], 4096, B->psz) != 0)
            r.par[i] = NULL;
        else
            memset(r.par[i], 0, B->psz);
    }
    double gbs = 0;
    if (m != NULL && r.tbls != NULL) {
        gf_gen_cauchy1_matrix(m, (int)(n + e), (int)n);
        ec_init_tables((int)n, (int)e, m + (size_t)n * n, r.tbls);
        /* whole stripes only: the buffer holds no padding */
        gbs = measure(B, B->size / (n * B->psz) * n * B->psz, raw_run, &r);
    }
    for (unsigned i = 0; i < e; i++)
        free(r.par[i]);
    free(m);
    free(r.tbls);
    return gbs;
}

/* ---- the erasure layer through a DAL ------------------------------- */

struct run {
    const struct bench *B;
    ne_ctx_t *ctx;
    const char *obj;
};

static int write_run(void *arg)
{
    struct run *r = arg;
    ne_write_t *h = NULL;
    int rc = ne_open_write(r->ctx, r->obj, &h);
    if (rc < 0)
        return rc;
    if (ne_write(h, r->B->data, r->B->size) < 0) {
        ne_abort(h);
        return -EIO;
    }
    return ne_close_write(h, NULL);
}

static int read_run(void *arg)
{
    struct run *r = arg;
    ne_read_t *h = NULL;
    int rc = ne_open_read(r->ctx, r->obj, &h);
    if (rc < 0)
        return rc;
    ssize_t got = ne_pread(h, r->B->out, r->B->size, 0);
    ne_close_read(h);
    return got == (ssize_t)r->B->size ? 0 : -EIO;
}

static const struct mcfg *load_repo(const struct bench *B, unsigned n,
                                    unsigned e, const char *dal)
{
    char xml[2048];
    snprintf(xml, sizeof(xml),
        "<marfs_config version=\"1\"><mnt_top>/bench</mnt_top>"
        "<repo name=\"bench\"><data><protection><N>%u</N><E>%u</E>"
        "<PSZ>%llu</PSZ></protection><distribution><pods cnt=\"1\"/>"
        "<caps cnt=\"1\"/><scatters cnt=\"1\"/></distribution>%s</data>"
        "<meta><namespaces><ns name=\"root\"/></namespaces>"
        "<MDAL type=\"posix\"><ns_root>/tmp</ns_root></MDAL></meta></repo>"
        "</marfs_config>", n, e, (unsigned long long)B->psz, dal);
    const struct mcfg *cfg = NULL;
    if (dal_config_load_buffer(xml, strlen(xml), "bench", stderr, &cfg) < 0)
        return NULL;
    return cfg;
}

/* A context on the repo, its block directories created. */
static int open_ctx(const struct mcfg *cfg, unsigned threads, ne_ctx_t **ctx)
{
    struct ne_opts o;
    ne_opts_default(&o);
    o.threads = threads;
    int rc = ne_ctx_create_opts(&cfg->repos[0], &o, ctx);
    if (rc == 0)
        rc = ne_ctx_dal(*ctx)->ops->verify(ne_ctx_dal(*ctx), 1);
    return rc;
}

static double bench_write(const struct bench *B, unsigned n, unsigned e,
                          const char *dal, unsigned threads)
{
    const struct mcfg *cfg = load_repo(B, n, e, dal);
    struct run r = {.B = B, .obj = "bench-object"};
    double gbs = 0;
    if (cfg != NULL && open_ctx(cfg, threads, &r.ctx) == 0)
        gbs = measure(B, B->size, write_run, &r);
    ne_ctx_destroy(r.ctx);
    mcfg_free(cfg);
    return gbs;
}

static void drop_blocks(ne_ctx_t *ctx, const char *obj, unsigned e)
{
    dal_t *dal = ne_ctx_dal(ctx);
    for (unsigned b = 0; b < e; b++) {
        struct dal_loc loc;
        ne_block_loc(ctx, obj, b, &loc);
        dal->ops->del(dal, &loc, obj);
    }
}

/* Posix write, healthy read, read with E blocks gone: GB/s into gbs[3]. */
static void bench_posix(const struct bench *B, unsigned n, unsigned e,
                        double *gbs)
{
    char dal[1024];
    snprintf(dal, sizeof(dal), "<DAL type=\"posix\"><dir_template>b{b}"
             "</dir_template><sec_root>%s</sec_root></DAL>", B->dir);
    mkdir(B->dir, 0700);
    const struct mcfg *cfg = load_repo(B, n, e, dal);
    struct run r = {.B = B, .obj = "bench-object"};
    gbs[0] = gbs[1] = gbs[2] = 0;
    if (cfg != NULL && open_ctx(cfg, B->threads, &r.ctx) == 0) {
        gbs[0] = measure(B, B->size, write_run, &r);
        gbs[1] = measure(B, B->size, read_run, &r);
        drop_blocks(r.ctx, r.obj, e);
        gbs[2] = measure(B, B->size, read_run, &r);
        if (memcmp(B->out, B->data, B->size) != 0) {
            fprintf(stderr, "marfs-ne bench: degraded read returned wrong "
                    "bytes\n");
            gbs[2] = -1;
        }
        ne_delete(r.ctx, r.obj);
    }
    ne_ctx_destroy(r.ctx);
    mcfg_free(cfg);
}

static void line(unsigned n, unsigned e, const char *what, double gbs,
                 double ref)
{
    printf("%3u+%-3u %-34s %7.2f  %5.2f\n", n, e, what, gbs,
           ref > 0 ? gbs / ref : 0);
}

static void bench_geom(const struct bench *B, unsigned n, unsigned e)
{
    double ceil = bench_raw(B, n, e), px[3];
    char what[64];
    line(n, e, "isa-l encode+CRC, 1 core (ceiling)", ceil, ceil);
    line(n, e, "write, null DAL", bench_write(B, n, e, "<DAL type=\"null\"/>",
         B->threads), ceil);
    line(n, e, "write, null DAL, no I/O threads",
         bench_write(B, n, e, "<DAL type=\"null\"/>", 0), ceil);
    bench_posix(B, n, e, px);
    line(n, e, "write, posix DAL", px[0], ceil);
    line(n, e, "read, posix DAL", px[1], ceil);
    snprintf(what, sizeof(what), "read, posix, %u blocks missing", e);
    line(n, e, what, px[2], ceil);
    printf("%3u+%-3u degraded / healthy read: %.2f\n", n, e,
           px[1] > 0 ? px[2] / px[1] : 0);
}

static void bench_usage(FILE *out)
{
    fprintf(out,
        "usage: marfs-ne bench [options]\n"
        "  -g, --geom LIST    geometries N+E, comma separated (10+2,4+2)\n"
        "  -p, --psz SIZE     part size (1M)\n"
        "  -s, --size SIZE    object size per run (256M)\n"
        "  -r, --reps R       timed runs per figure, median shown (5)\n"
        "  -t, --threads T    I/O threads (default N+E)\n"
        "  -d, --dir DIR      posix DAL root, on tmpfs (/dev/shm/marfs-ne-bench)\n"
        "  -h, --help         this help\n");
}

static int parse_geoms(struct bench *B, const char *list)
{
    const char *p = list;
    B->ngeom = 0;
    while (*p != '\0') {
        unsigned n, e;
        int used = 0;
        if (B->ngeom == MAX_GEOMS || sscanf(p, "%u+%u%n", &n, &e, &used) != 2
            || n == 0 || n + e > MCFG_MAX_PARTS)
            return -1;
        B->geom[B->ngeom][0] = n;
        B->geom[B->ngeom++][1] = e;
        p += used;
        if (*p == ',')
            p++;
        else if (*p != '\0')
            return -1;
    }
    return B->ngeom > 0 ? 0 : -1;
}

static int bench_opts(int argc, char **argv, struct bench *B)
{
    static const struct option opts[] = {
        {"geom", required_argument, NULL, 'g'},
        {"psz", required_argument, NULL, 'p'},
        {"size", required_argument, NULL, 's'},
        {"reps", required_argument, NULL, 'r'},
        {"threads", required_argument, NULL, 't'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t v;
    int c, bad = 0;
    while (!bad && (c = getopt_long(argc, argv, "g:p:s:r:t:d:h", opts,
                                    NULL)) != -1) {
        switch (c) {
        case 'g': bad = parse_geoms(B, optarg) < 0; break;
        case 'p': bad = mcfg_parse_size(optarg, &B->psz) < 0 ||
                        B->psz % MCFG_PSZ_ALIGN || B->psz == 0; break;
        case 's': bad = mcfg_parse_size(optarg, &B->size) < 0 ||
                        B->size == 0; break;
        case 'r': bad = mcfg_parse_size(optarg, &v) < 0 || v == 0 ||
                        v > MAX_REPS;
            B->reps = (unsigned)v;
            break;
        case 't': bad = mcfg_parse_size(optarg, &v) < 0;
            B->threads = (unsigned)v;
            break;
        case 'd': B->dir = optarg; break;
        case 'h': bench_usage(stdout); exit(TOOL_OK);
        default: bad = 1;
        }
    }
    return bad || optind != argc ? -1 : 0;
}

/* Random bytes (xorshift), so nothing compresses or dedups. */
static void fill_random(uint8_t *p, uint64_t len)
{
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (uint64_t i = 0; i + 8 <= len; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(p + i, &x, 8);
    }
    memset(p + (len & ~7ULL), 0x5a, len & 7);
}

int ne_bench_main(int argc, char **argv)
{
    struct bench B = {.size = 256ULL << 20, .psz = 1ULL << 20, .reps = 5,
                      .threads = NE_THREADS_DEFAULT,
                      .dir = "/dev/shm/marfs-ne-bench"};
    parse_geoms(&B, "10+2,4+2");
    if (bench_opts(argc, argv, &B) < 0) {
        bench_usage(stderr);
        return TOOL_USAGE;
    }
    for (unsigned g = 0; g < B.ngeom; g++) {
        if (B.size < B.geom[g][0] * B.psz) {
            fprintf(stderr, "marfs-ne bench: --size must hold at least one "
                    "stripe (%u x %llu bytes)\n", B.geom[g][0],
                    (unsigned long long)B.psz);
            return TOOL_USAGE;
        }
    }
    if (posix_memalign((void **)&B.data, 4096, B.size) != 0 ||
        posix_memalign((void **)&B.out, 4096, B.size) != 0) {
        fprintf(stderr, "marfs-ne bench: cannot allocate 2 x %llu bytes\n",
                (unsigned long long)B.size);
        return TOOL_FATAL;
    }
    fill_random(B.data, B.size);
    memset(B.out, 0, B.size);
    printf("marfs-ne bench: %llu MiB objects, PSZ %llu KiB, median of %u "
           "runs, %ld CPUs, posix DAL in %s\n",
           (unsigned long long)(B.size >> 20),
           (unsigned long long)(B.psz >> 10), B.reps,
           sysconf(_SC_NPROCESSORS_ONLN), B.dir);
    printf("geom    %-34s %7s  %5s\n", "path", "GB/s", "x ceil");
    for (unsigned g = 0; g < B.ngeom; g++)
        bench_geom(&B, B.geom[g][0], B.geom[g][1]);
    free(B.data);
    free(B.out);
    return TOOL_OK;
}
