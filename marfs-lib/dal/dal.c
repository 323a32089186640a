/*
 * dal.c - the DAL factory and what every backend shares.
 *
 * Owns: the list of built-in backends (each describes its own type,
 * parameters and constructor in its own file), building a DAL stack from
 * a <DAL> element (inner DAL first, then each wrapper around it), walking
 * a stack, and the location range check all leaf backends apply.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dal_internal.h"
#include "log.h"

/* Every backend built into the library; each describes itself in its
 * own file (dal_posix.c, dal_null.c, ...). */
static const struct dal_backend *const backends[] = {
    &dal_backend_posix, &dal_backend_s3, &dal_backend_null,
    &dal_backend_fault, &dal_backend_timer,
};
#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

const struct dal_backend *dal_backend_find(const char *type)
{
    for (size_t i = 0; i < NBACKENDS; i++)
        if (type != NULL && strcmp(backends[i]->type, type) == 0)
            return backends[i];
    return NULL;
}

static char backend_names[128];

static void fill_backend_names(void)
{
    size_t used = 0;
    for (size_t i = 0; i < NBACKENDS; i++)
        used += (size_t)snprintf(backend_names + used,
                                 sizeof(backend_names) - used, "%s%s",
                                 i ? ", " : "", backends[i]->type);
}

const char *dal_backend_names(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, fill_backend_names);
    return backend_names;
}

const char *dal_cfg_name(const struct mcfg_dal *cfg, char *buf, size_t sz)
{
    if (cfg->line > 0)
        snprintf(buf, sz, "DAL '%s' (line %d)", cfg->type, cfg->line);
    else
        snprintf(buf, sz, "DAL '%s'", cfg->type);
    return buf;
}

/* The backend to build for cfg: 0, or -EINVAL with the reason logged
 * (dal_config_load reports the same problems at load time). */
static int usable_backend(const struct mcfg_dal *cfg,
                          const struct dal_backend **out)
{
    char name[96];
    const struct dal_backend *b = dal_backend_find(cfg->type);
    dal_cfg_name(cfg, name, sizeof(name));
    if (b == NULL)
        LOG_ERR("%s: unknown DAL type (known: %s)", name, dal_backend_names());
    else if (b->wrapper && cfg->inner == NULL)
        LOG_ERR("%s: a wrapper DAL needs an inner <DAL>", name);
    else if (!b->wrapper && cfg->inner != NULL)
        LOG_ERR("%s: this DAL cannot wrap another DAL", name);
    else {
        *out = b;
        return 0;
    }
    return -EINVAL;
}

int dal_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                dal_t **out)
{
    const struct dal_backend *b;
    if (cfg == NULL || cfg->type == NULL || repo == NULL || out == NULL) {
        LOG_ERR("dal_create: no DAL config or repo given");
        return -EINVAL;
    }
    int rc = usable_backend(cfg, &b);
    if (rc < 0)
        return rc;
    dal_t *inner = NULL;
    if (b->wrapper && (rc = dal_create(cfg->inner, repo, &inner)) < 0)
        return rc;
    rc = b->create(cfg, repo, inner, out);
    if (rc < 0)
        dal_destroy(inner);
    return rc;
}

dal_t *dal_inner(const dal_t *dal)
{
    const struct dal_backend *b = dal_backend_find(dal->type);
    return b != NULL && b->wrapper ? ((const struct dal_wrap *)dal)->inner
                                   : NULL;
}

dal_t *dal_find(dal_t *dal, const char *type)
{
    for (; dal != NULL; dal = dal_inner(dal))
        if (strcmp(dal->type, type) == 0)
            return dal;
    return NULL;
}

const char *dal_op_name(enum dal_op op)
{
    static const char *const names[DAL_OP_COUNT] = {
        "verify", "open_write", "open_read", "put", "get", "set_meta",
        "get_meta", "close", "abort", "stat", "del", "list",
    };
    return (unsigned)op < DAL_OP_COUNT ? names[op] : NULL;
}

void dal_geom_init(struct dal_geom *g, const struct mcfg_repo *repo)
{
    g->pods = repo->pods.cnt;
    g->blocks = repo->n + repo->e;
    g->caps = repo->caps.cnt;
    g->scatters = repo->scatters.cnt;
}

int dal_loc_check(const struct dal_geom *g, const char *type,
                   const struct dal_loc *loc, const char *obj)
{
    const char *bad = NULL;
    unsigned v = 0, lim = 0;
    if (obj != NULL && obj[0] == '\0') {
        LOG_ERR("%s DAL: empty object name", type);
        return -EINVAL;
    }
    if (loc->pod >= g->pods)
        bad = "pod", v = loc->pod, lim = g->pods;
    else if (loc->block >= g->blocks)
        bad = "block", v = loc->block, lim = g->blocks;
    else if (loc->cap >= g->caps)
        bad = "cap", v = loc->cap, lim = g->caps;
    else if (loc->scatter >= g->scatters)
        bad = "scatter", v = loc->scatter, lim = g->scatters;
    if (bad == NULL)
        return 0;
    LOG_ERR("%s DAL: %s%s%s: %s %u out of range (the repo has %u)", type,
            obj ? "object '" : "listing", obj ? obj : "", obj ? "'" : "",
            bad, v, lim);
    return -EINVAL;
}

uint64_t dal_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int dal_meta_dup(const void *meta, size_t len, unsigned char **out,
                  const char *what)
{
    if (len > DAL_META_MAX) {
        LOG_ERR("%s: meta of %zu bytes exceeds the limit of %d", what, len,
                DAL_META_MAX);
        return -EMSGSIZE;
    }
    unsigned char *m = malloc(len ? len : 1);
    if (m == NULL)
        return -ENOMEM;
    if (len > 0)
        memcpy(m, meta, len);
    free(*out);
    *out = m;
    return 0;
}

ssize_t dal_meta_copy(void *buf, size_t len, const unsigned char *meta,
                       size_t mlen, int has_meta)
{
    if (!has_meta)
        return -ENODATA;
    if (len > 0 && mlen > 0)
        memcpy(buf, meta, len < mlen ? len : mlen);
    return (ssize_t)mlen;
}
