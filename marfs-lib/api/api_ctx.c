/*
 * api_ctx.c - marfs_init/marfs_term: loading the config, opening each
 * repo's erasure context and each namespace's metadata, and tearing them
 * down (a setuid program's init: api_privilege.c); what marfs.h tells a
 * client about a path (marfs_path_info).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "api_internal.h"
#include "log.h"
#include "privilege.h"
#include "quota.h"

static int open_repos(marfs_ctx_t *ctx, unsigned io_threads)
{
    struct ne_opts no;
    ne_opts_default(&no);
    if (io_threads != MARFS_IO_THREADS_AUTO)
        no.threads = io_threads;
    const struct mcfg *cfg = ctx->cfg;
    ctx->ne = calloc(cfg->nrepos, sizeof(*ctx->ne));
    ctx->md = calloc(cfg->nns, sizeof(*ctx->md));
    if (ctx->ne == NULL || ctx->md == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < cfg->nrepos; i++) {
        int rc = ne_ctx_create_opts(&cfg->repos[i], &no, &ctx->ne[i]);
        if (rc < 0) {
            LOG_ERR("repo %s: cannot set up its data store: %s",
                    cfg->repos[i].name, strerror(-rc));
            return rc;
        }
    }
    for (size_t i = 0; i < cfg->nns; i++) {
        int rc = mdal_ns_open(cfg->all_ns[i], 1, &ctx->md[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void marfs_init_opts_default(struct marfs_init_opts *opts)
{
    *opts = (struct marfs_init_opts){
        .io_threads = MARFS_IO_THREADS_AUTO,
        .cache = {
            .bytes = MARFS_CACHE_BYTES_DEFAULT,
            .readahead = MARFS_READAHEAD_DEFAULT,
            .threads = MARFS_READAHEAD_THREADS_DEFAULT,
        },
    };
}

int api_ctx_create(const struct mcfg *cfg, enum marfs_mode mode,
                   const struct marfs_init_opts *opts, marfs_ctx_t **out)
{
    struct marfs_init_opts def;
    if (opts == NULL) {
        marfs_init_opts_default(&def);
        opts = &def;
    }
    marfs_ctx_t *ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL) {
        mcfg_free(cfg);
        return -ENOMEM;
    }
    ctx->mode = mode;
    ctx->cfg = cfg;
    struct scache_limits lim = {
        .bytes = opts->cache.bytes, .readahead = opts->cache.readahead,
        .threads = opts->cache.threads,
    };
    int rc = scache_create(&lim, &ctx->cache);
    if (rc == 0)
        rc = api_dircache_create(&ctx->dirs);
    if (rc == 0)
        rc = open_repos(ctx, opts->io_threads);
    if (rc < 0) {
        marfs_term(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

int marfs_init(const char *config_path, enum marfs_mode mode,
               marfs_ctx_t **out)
{
    return marfs_init_opts(config_path, mode, NULL, out);
}

int marfs_init_opts(const char *config_path, enum marfs_mode mode,
                    const struct marfs_init_opts *opts, marfs_ctx_t **out)
{
    if (mode != MARFS_INTERACTIVE && mode != MARFS_BATCH)
        return -EINVAL;
    if (mutil_priv_elevated())
        return api_setuid_init(config_path, mode, out);
    if (mutil_priv_started()) {
        LOG_ERR("this setuid program already dropped its privileges: it "
                "gets one marfs_init, before anything else");
        return -EPERM;
    }
    if (config_path == NULL)
        config_path = getenv("MARFS_CONFIG");
    if (config_path == NULL || *config_path == '\0') {
        LOG_ERR("no marfs config: pass one or set MARFS_CONFIG");
        return -EINVAL;
    }
    const struct mcfg *cfg;
    int rc = dal_config_load(config_path, stderr, &cfg);
    if (rc < 0) {
        LOG_ERR("config %s is not usable: %s", config_path, strerror(-rc));
        return rc;
    }
    return api_ctx_create(cfg, mode, opts, out);
}

int marfs_term(marfs_ctx_t *ctx)
{
    if (ctx == NULL)
        return 0;
    const struct mcfg *cfg = ctx->cfg;
    /* first: whole files still queued are made (they use everything) */
    api_publish_stop(ctx);
    /* then: its read-ahead threads use the erasure contexts */
    scache_destroy(ctx->cache);
    api_dircache_destroy(ctx->dirs);
    for (size_t i = 0; ctx->md && i < cfg->nns; i++)
        mdal_ns_close(ctx->md[i]);
    for (size_t i = 0; ctx->ne && i < cfg->nrepos; i++)
        if (ctx->ne[i] != NULL)
            ne_ctx_destroy(ctx->ne[i]);
    free(ctx->md);
    free(ctx->ne);
    mcfg_free(cfg);
    free(ctx);
    return 0;
}

const char *marfs_mnt_top(const marfs_ctx_t *ctx)
{
    return ctx->cfg->mnt_top;
}


int marfs_path_info(const marfs_ctx_t *ctx, const char *path,
                    struct marfs_path_info *info)
{
    const struct mcfg_ns *ns;
    if (path == NULL || path[0] != '/')
        return 0;
    if (strlen(path) >= PATH_MAX)
        return -ENAMETOOLONG;
    int rc = mcfg_lookup(ctx->cfg, path, &ns, NULL, 0);
    if (rc == -EINVAL)
        return 0;          /* outside mnt_top */
    if (rc < 0)
        return rc;
    const struct mcfg_repo *r = ns->repo;
    if (r == NULL) {       /* a namespace that only holds others */
        *info = (struct marfs_path_info){.ns = ns->path,
                                         .chunk_size = UINT64_MAX};
        return 1;
    }
    *info = (struct marfs_path_info){
        .ns = ns->path, .repo = r->name, .n = r->n, .e = r->e,
        .psz = r->psz, .packing = r->packing,
        .pack_max_files = r->pack_max_files,
        .chunk_size = r->chunking ? r->chunk_max_size : UINT64_MAX,
    };
    return 1;
}
