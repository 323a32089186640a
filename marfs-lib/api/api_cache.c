/*
 * api_cache.c - the read cache calls of marfs.h: the stream layer's
 * shared cache of decoded stripes (sread_cache.h), one per context.
 */
#include <errno.h>

#include "api_internal.h"

int marfs_set_cache(marfs_ctx_t *ctx, const struct marfs_cache_opts *opts)
{
    if (ctx == NULL || opts == NULL)
        return -EINVAL;
    struct scache_limits lim = {
        .bytes = opts->bytes,
        .readahead = opts->readahead,
        .threads = opts->threads,
    };
    scache_set_limits(ctx->cache, &lim);
    return 0;
}

int marfs_get_cache(marfs_ctx_t *ctx, struct marfs_cache_opts *opts)
{
    if (ctx == NULL || opts == NULL)
        return -EINVAL;
    struct scache_limits lim;
    scache_get_limits(ctx->cache, &lim);
    *opts = (struct marfs_cache_opts){
        .bytes = lim.bytes, .readahead = lim.readahead,
        .threads = lim.threads,
    };
    return 0;
}

int marfs_cache_stats(marfs_ctx_t *ctx, struct marfs_cache_stats *st)
{
    if (ctx == NULL || st == NULL)
        return -EINVAL;
    struct scache_stats s;
    scache_stats(ctx->cache, &s);
    *st = (struct marfs_cache_stats){
        .limit = s.limit, .used = s.used, .peak = s.peak, .hits = s.hits,
        .misses = s.misses, .decoded = s.decoded,
        .prefetched = s.prefetched, .direct = s.direct,
        .evicted = s.evicted,
    };
    return 0;
}
