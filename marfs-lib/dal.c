/*
 * dal.c - the DAL factory and what every backend shares.
 *
 * Owns: the table of built-in DAL types (config_check.c has the matching
 * table of accepted parameters), building a DAL stack from a <DAL>
 * element (inner DAL first, then each wrapper around it), walking a
 * stack, and the location range check all leaf backends apply.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dal_internal.h"
#include "log.h"

struct dal_kind {
    const char *type;
    int wrapper;
    mdal_ctor create;      /* NULL: known to the config, not built here */
};

static const struct dal_kind kinds[] = {
    {"posix", 0, mdal_posix_create},
    {"null", 0, mdal_null_create},
    {"fault", 1, mdal_fault_create},
    {"timer", 1, mdal_timer_create},
    {"s3", 0, NULL},
};

static const struct dal_kind *find_kind(const char *type)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (type != NULL && strcmp(kinds[i].type, type) == 0)
            return &kinds[i];
    return NULL;
}

const char *mdal_cfg_name(const struct mcfg_dal *cfg, char *buf, size_t sz)
{
    if (cfg->line > 0)
        snprintf(buf, sz, "DAL '%s' (line %d)", cfg->type, cfg->line);
    else
        snprintf(buf, sz, "DAL '%s'", cfg->type);
    return buf;
}

/* The kind to build for cfg: 0, or -EINVAL / -ENOTSUP with the reason
 * logged. */
static int usable_kind(const struct mcfg_dal *cfg,
                       const struct dal_kind **out)
{
    char name[96];
    const struct dal_kind *k = find_kind(cfg->type);
    mdal_cfg_name(cfg, name, sizeof(name));
    if (k == NULL)
        LOG_ERR("%s: unknown DAL type (known: posix, null, fault, timer)",
                name);
    else if (k->create == NULL)
        LOG_ERR("%s: this DAL type is not built into this library", name);
    else if (k->wrapper && cfg->inner == NULL)
        LOG_ERR("%s: a wrapper DAL needs an inner <DAL>", name);
    else if (!k->wrapper && cfg->inner != NULL)
        LOG_ERR("%s: this DAL cannot wrap another DAL", name);
    else {
        *out = k;
        return 0;
    }
    return k != NULL && k->create == NULL ? -ENOTSUP : -EINVAL;
}

int mdal_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                mdal_t **out)
{
    const struct dal_kind *k;
    if (cfg == NULL || cfg->type == NULL || repo == NULL || out == NULL) {
        LOG_ERR("mdal_create: no DAL config or repo given");
        return -EINVAL;
    }
    int rc = usable_kind(cfg, &k);
    if (rc < 0)
        return rc;
    mdal_t *inner = NULL;
    if (k->wrapper && (rc = mdal_create(cfg->inner, repo, &inner)) < 0)
        return rc;
    rc = k->create(cfg, repo, inner, out);
    if (rc < 0)
        mdal_destroy(inner);
    return rc;
}

mdal_t *mdal_inner(const mdal_t *dal)
{
    const struct dal_kind *k = find_kind(dal->type);
    return k != NULL && k->wrapper ? ((const struct mdal_wrap *)dal)->inner
                                   : NULL;
}

mdal_t *mdal_find(mdal_t *dal, const char *type)
{
    for (; dal != NULL; dal = mdal_inner(dal))
        if (strcmp(dal->type, type) == 0)
            return dal;
    return NULL;
}

const char *mdal_op_name(enum mdal_op op)
{
    static const char *const names[MDAL_OP_COUNT] = {
        "verify", "open_write", "open_read", "put", "get", "set_meta",
        "get_meta", "close", "abort", "stat", "del", "list",
    };
    return (unsigned)op < MDAL_OP_COUNT ? names[op] : NULL;
}

void mdal_geom_init(struct mdal_geom *g, const struct mcfg_repo *repo)
{
    g->pods = repo->pods.cnt;
    g->blocks = repo->n + repo->e;
    g->caps = repo->caps.cnt;
    g->scatters = repo->scatters.cnt;
}

int mdal_loc_check(const struct mdal_geom *g, const char *type,
                   const struct mdal_loc *loc, const char *obj)
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

uint64_t mdal_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int mdal_meta_dup(const void *meta, size_t len, unsigned char **out,
                  const char *what)
{
    if (len > MDAL_META_MAX) {
        LOG_ERR("%s: meta of %zu bytes exceeds the limit of %d", what, len,
                MDAL_META_MAX);
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

ssize_t mdal_meta_copy(void *buf, size_t len, const unsigned char *meta,
                       size_t mlen, int has_meta)
{
    if (!has_meta)
        return -ENODATA;
    if (len > 0 && mlen > 0)
        memcpy(buf, meta, len < mlen ? len : mlen);
    return (ssize_t)mlen;
}
