/*
 * ne_ctx.c - an erasure context: one repo's DAL, placement, codec and
 * worker pool, shared by every handle opened on it.
 *
 * Owns: context set-up and tear-down, block locations, the recycled
 * aligned buffers, whole-length DAL I/O helpers, object deletion and the
 * block-state names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "ne_internal.h"

/* Buffers are aligned for O_DIRECT-capable DALs and AVX-512 loads. */
#define NE_ALIGN 4096
#define NE_MAX_THREADS 64

void ne_opts_default(struct ne_opts *opts)
{
    opts->threads = NE_THREADS_DEFAULT;
    opts->write_quorum = 0;
}

static unsigned default_quorum(unsigned n, unsigned e, unsigned want)
{
    if (want == 0)
        want = e > 0 ? n + 1 : n;
    if (want > n + e)
        want = n + e;
    return want;
}

static int ctx_geometry(ne_ctx_t *ctx, const struct mcfg_repo *repo,
                        const struct ne_opts *o)
{
    if (repo->n == 0 || repo->n + repo->e > NE_MAX_BLOCKS ||
        repo->psz == 0 || repo->psz > (1ULL << 30) ||
        repo->psz % NE_TAIL_ALIGN != 0) {   /* a short part fits a whole one */
        LOG_ERR("repo %s: unusable protection %u+%u, PSZ %llu", repo->name,
                repo->n, repo->e, (unsigned long long)repo->psz);
        return -EINVAL;
    }
    if (o->write_quorum != 0 && o->write_quorum < repo->n) {
        LOG_ERR("repo %s: write quorum %u is below N=%u", repo->name,
                o->write_quorum, repo->n);
        return -EINVAL;
    }
    ctx->repo = repo;
    ctx->n = repo->n;
    ctx->e = repo->e;
    ctx->nb = repo->n + repo->e;
    ctx->psz = (size_t)repo->psz;
    ctx->quorum = default_quorum(ctx->n, ctx->e, o->write_quorum);
    return 0;
}

static int ctx_parts(ne_ctx_t *ctx, const struct ne_opts *o)
{
    int rc = ne_codec_init(&ctx->codec, ctx->n, ctx->e);
    if (rc < 0)
        return rc;
    rc = mplace_create(ctx->repo, &ctx->place);
    if (rc < 0)
        return rc;
    unsigned threads = o->threads;
    if (threads == NE_THREADS_DEFAULT)
        threads = ctx->nb;
    if (threads > NE_MAX_THREADS)
        threads = NE_MAX_THREADS;
    if (threads > 0)
        rc = ne_pool_create(threads, &ctx->pool);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    ctx->ncpu = ncpu > 0 ? (unsigned)ncpu : 1;
    return rc;
}

int ne_ctx_create_dal(const struct mcfg_repo *repo, const struct ne_opts *opts,
                      dal_t *dal, ne_ctx_t **out)
{
    struct ne_opts defaults;
    if (opts == NULL) {
        ne_opts_default(&defaults);
        opts = &defaults;
    }
    ne_ctx_t *ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return -ENOMEM;
    pthread_mutex_init(&ctx->cache_mu, NULL);
    int rc = ctx_geometry(ctx, repo, opts);
    if (rc == 0 && dal == NULL) {
        rc = dal_create(repo->dal, repo, &ctx->dal);
        ctx->own_dal = 1;
    } else {
        ctx->dal = dal;
    }
    if (rc == 0)
        rc = ctx_parts(ctx, opts);
    if (rc < 0) {
        ne_ctx_destroy(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

int ne_ctx_create_opts(const struct mcfg_repo *repo,
                       const struct ne_opts *opts, ne_ctx_t **out)
{
    return ne_ctx_create_dal(repo, opts, NULL, out);
}

int ne_ctx_create(const struct mcfg_repo *repo, ne_ctx_t **out)
{
    return ne_ctx_create_dal(repo, NULL, NULL, out);
}

void ne_ctx_destroy(ne_ctx_t *ctx)
{
    if (ctx == NULL)
        return;
    ne_pool_destroy(ctx->pool);
    for (size_t i = 0; i < sizeof(ctx->cache) / sizeof(ctx->cache[0]); i++)
        free(ctx->cache[i].p);
    if (ctx->own_dal)
        dal_destroy(ctx->dal);
    if (ctx->place != NULL)
        mplace_destroy(ctx->place);
    ne_codec_free(&ctx->codec);
    pthread_mutex_destroy(&ctx->cache_mu);
    free(ctx);
}

dal_t *ne_ctx_dal(ne_ctx_t *ctx)
{
    return ctx->dal;
}

void ne_block_loc(const ne_ctx_t *ctx, const char *obj, unsigned block,
                  struct dal_loc *loc)
{
    struct mplace_loc pl;
    mplace_locate(ctx->place, obj, &pl);
    loc->pod = pl.pod;
    loc->block = block;
    loc->cap = pl.cap;
    loc->scatter = pl.scatter;
}

void *ne_buf_get(ne_ctx_t *ctx, size_t sz)
{
    void *p = NULL;
    pthread_mutex_lock(&ctx->cache_mu);
    for (size_t i = 0; i < sizeof(ctx->cache) / sizeof(ctx->cache[0]); i++) {
        if (ctx->cache[i].p != NULL && ctx->cache[i].sz == sz) {
            p = ctx->cache[i].p;
            ctx->cache[i].p = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&ctx->cache_mu);
    if (p == NULL && posix_memalign(&p, NE_ALIGN, sz) != 0)
        p = NULL;
    return p;
}

void ne_buf_put(ne_ctx_t *ctx, void *p, size_t sz)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&ctx->cache_mu);
    for (size_t i = 0; i < sizeof(ctx->cache) / sizeof(ctx->cache[0]); i++) {
        if (ctx->cache[i].p == NULL) {
            ctx->cache[i].p = p;
            ctx->cache[i].sz = sz;
            p = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&ctx->cache_mu);
    free(p);
}

char *ne_strdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = malloc(len);
    if (d != NULL)
        memcpy(d, s, len);
    return d;
}

int ne_put_full(dal_block_t *blk, const void *buf, size_t len)
{
    ssize_t rc = blk->dal->ops->put(blk, buf, len);
    if (rc < 0)
        return (int)rc;
    return (size_t)rc == len ? 0 : -EIO;
}

int ne_get_full(dal_block_t *blk, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t rc = blk->dal->ops->get(blk, p, len, off);
        if (rc < 0)
            return (int)rc;
        if (rc == 0)
            return -ENODATA;
        p += rc;
        off += (uint64_t)rc;
        len -= (size_t)rc;
    }
    return 0;
}

int ne_delete(ne_ctx_t *ctx, const char *obj)
{
    if (obj == NULL || *obj == '\0')
        return -EINVAL;
    unsigned gone = 0;
    int first = 0;
    for (unsigned b = 0; b < ctx->nb; b++) {
        struct dal_loc loc;
        ne_block_loc(ctx, obj, b, &loc);
        int rc = ctx->dal->ops->del(ctx->dal, &loc, obj);
        if (rc == -ENOENT) {
            gone++;
        } else if (rc < 0 && first == 0) {
            LOG_ERR("object %s block %u: cannot delete: %s", obj, b,
                    strerror(-rc));
            first = rc;
        }
    }
    if (first < 0)
        return first;
    return gone == ctx->nb ? -ENOENT : 0;
}

const char *ne_bstate_str(unsigned state)
{
    static const char *const names[] = {
        "ok", "missing", "meta-mismatch", "corrupt", "io-error",
    };
    return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}
