/*
 * config_check.c - semantic checks of marfs.xml values beyond the schema.
 *
 * Owns: the protection/packing/chunking limits, the table of DAL types with
 * the parameters each accepts and requires, directory-template rules,
 * absolute-path rules and permission lists.  Adding a DAL backend means
 * adding a row to dal_types[] here and a constructor in dal.c.
 */
#include <errno.h>
#include <string.h>

#include "config_internal.h"

void mcfg_check_protection(struct mcfg_load_ctx *ctx, const xmlNode *prot,
                           const struct mcfg_repo *r)
{
    if (r->n + r->e > MCFG_MAX_PARTS)
        mcfg_error(ctx, prot, "N+E = %u exceeds the limit of %d parts per "
                   "stripe (isa-l works in GF(2^8))", r->n + r->e,
                   MCFG_MAX_PARTS);
    if (r->psz == 0)
        mcfg_error(ctx, prot, "PSZ must not be zero");
    else if (r->psz % MCFG_PSZ_ALIGN != 0)
        mcfg_error(ctx, prot, "PSZ %llu is not a multiple of %d bytes",
                   (unsigned long long)r->psz, MCFG_PSZ_ALIGN);
    else if (r->psz > (1ULL << 30))
        mcfg_error(ctx, prot, "PSZ %llu exceeds the 1 GiB maximum",
                   (unsigned long long)r->psz);
}

void mcfg_check_limits(struct mcfg_load_ctx *ctx, const xmlNode *pack,
                       const xmlNode *chunk, const struct mcfg_repo *r)
{
    if (pack != NULL && r->packing && r->pack_max_files == 0)
        mcfg_error(ctx, pack, "max_files is 0 but packing is enabled");
    if (chunk != NULL && r->chunking && r->chunk_max_size == 0)
        mcfg_error(ctx, chunk, "max_size is 0 but chunking is enabled");
}

int mcfg_check_abs_path(struct mcfg_load_ctx *ctx, const xmlNode *node,
                        const char *what, const char *path)
{
    if (path == NULL || path[0] == '\0') {
        mcfg_error(ctx, node, "%s is empty; an absolute path is required",
                   what);
        return -EINVAL;
    }
    if (path[0] != '/') {
        mcfg_error(ctx, node, "%s '%s' is a relative path; an absolute path "
                   "is required", what, path);
        return -EINVAL;
    }
    if (strlen(path) >= 4096) {
        mcfg_error(ctx, node, "%s is longer than PATH_MAX", what);
        return -EINVAL;
    }
    return 0;
}

/* ---- DAL types -------------------------------------------------------- */

enum param_kind { P_TEXT, P_ABS_PATH, P_TEMPLATE, P_YESNO, P_UINT };

struct param_rule {
    const char *key;
    enum param_kind kind;
    int required;
    int repeatable;
};

struct dal_type {
    const char *type;
    int wrapper;                     /* needs an inner <DAL> */
    const struct param_rule *params; /* terminated by key == NULL */
};

static const struct param_rule posix_params[] = {
    {"sec_root", P_ABS_PATH, 1, 0},
    {"dir_template", P_TEMPLATE, 1, 0},
    {"odirect", P_YESNO, 0, 0},
    {NULL, 0, 0, 0},
};

static const struct param_rule s3_params[] = {
    {"host", P_TEXT, 1, 0},
    {"bucket", P_TEXT, 1, 0},
    {"dir_template", P_TEMPLATE, 0, 0},
    {"credentials", P_ABS_PATH, 0, 0},
    {"tls", P_YESNO, 0, 0},
    {"region", P_TEXT, 0, 0},
    {NULL, 0, 0, 0},
};

/* Fault rules: see doc/dal.md; checked in detail by the fault DAL. */
static const struct param_rule fault_params[] = {
    {"rule", P_TEXT, 0, 1},
    {"seed", P_UINT, 0, 0},
    {NULL, 0, 0, 0},
};

static const struct param_rule no_params[] = {
    {NULL, 0, 0, 0},
};

static const struct dal_type dal_types[] = {
    {"posix", 0, posix_params},
    {"s3", 0, s3_params},
    {"null", 0, no_params},
    {"fault", 1, fault_params},
    {"timer", 1, no_params},
};

static const struct dal_type *find_dal_type(const char *type)
{
    for (size_t i = 0; i < sizeof(dal_types) / sizeof(dal_types[0]); i++)
        if (strcmp(dal_types[i].type, type) == 0)
            return &dal_types[i];
    return NULL;
}

/* A template must place {b} (blocks of one object must never share a
 * file) and each level that has more than one index. */
static void check_template(struct mcfg_load_ctx *ctx,
                           const struct mcfg_param *p,
                           const struct mcfg_repo *r)
{
    static const char *const known[] = {"{p}", "{b}", "{c}", "{s}"};
    const char *v = p->value;
    for (const char *s = strchr(v, '{'); s != NULL; s = strchr(s + 1, '{')) {
        int ok = 0;
        for (int i = 0; i < 4; i++)
            ok |= strncmp(s, known[i], 3) == 0;
        if (!ok) {
            mcfg_error_at(ctx, p->line, p->key, "unknown placeholder in "
                          "'%s' (known: {p} {b} {c} {s})", v);
            return;
        }
    }
    if (strstr(v, "{b}") == NULL)
        mcfg_error_at(ctx, p->line, p->key, "'%s' lacks {b}: all blocks of "
                      "an object would land in one directory", v);
    const struct { const char *ph; const struct mcfg_dist *d; const char *n; }
        lv[] = {{"{p}", &r->pods, "pods"}, {"{c}", &r->caps, "caps"},
                {"{s}", &r->scatters, "scatters"}};
    for (int i = 0; i < 3; i++)
        if (lv[i].d->cnt > 1 && strstr(v, lv[i].ph) == NULL)
            mcfg_error_at(ctx, p->line, p->key, "'%s' lacks %s but there "
                          "are %u %s: they would share one directory", v,
                          lv[i].ph, lv[i].d->cnt, lv[i].n);
    if (strstr(v, "..") != NULL || v[0] == '/')
        mcfg_error_at(ctx, p->line, p->key, "'%s' must be relative to "
                      "sec_root and must not contain '..'", v);
}

static void check_param_value(struct mcfg_load_ctx *ctx,
                              const struct mcfg_param *p,
                              const struct param_rule *rule,
                              const struct mcfg_repo *r)
{
    switch (rule->kind) {
    case P_ABS_PATH:
        if (p->value[0] != '/')
            mcfg_error_at(ctx, p->line, p->key, "'%s' is a relative path; %s "
                      "must be absolute", p->value, p->key);
        break;
    case P_TEMPLATE:
        check_template(ctx, p, r);
        break;
    case P_YESNO:
        if (strcmp(p->value, "yes") != 0 && strcmp(p->value, "no") != 0)
            mcfg_error_at(ctx, p->line, p->key, "'%s' is neither yes nor no",
                      p->value);
        break;
    case P_UINT:
        if (p->value[0] == '\0' || strspn(p->value, "0123456789") !=
                                       strlen(p->value))
            mcfg_error_at(ctx, p->line, p->key, "'%s' is not a number",
                      p->value);
        break;
    case P_TEXT:
        if (p->value[0] == '\0')
            mcfg_error_at(ctx, p->line, p->key, "%s is empty", p->key);
        break;
    }
}

static void check_dal_params(struct mcfg_load_ctx *ctx,
                             const struct mcfg_dal *dal,
                             const struct dal_type *t,
                             const struct mcfg_repo *r)
{
    for (size_t i = 0; i < dal->nparams; i++) {
        const struct mcfg_param *p = &dal->params[i];
        const struct param_rule *rule = t->params;
        while (rule->key != NULL && strcmp(rule->key, p->key) != 0)
            rule++;
        if (rule->key == NULL) {
            mcfg_error_at(ctx, p->line, p->key, "'%s' is not a parameter of "
                      "the %s DAL", p->key, t->type);
            continue;
        }
        for (size_t j = 0; j < i && !rule->repeatable; j++)
            if (strcmp(dal->params[j].key, p->key) == 0)
                mcfg_error_at(ctx, p->line, p->key, "%s is given twice in the "
                          "%s DAL", p->key, t->type);
        check_param_value(ctx, p, rule, r);
    }
    for (const struct param_rule *rule = t->params; rule->key; rule++)
        if (rule->required && mcfg_dal_param(dal, rule->key) == NULL)
            mcfg_error_at(ctx, dal->line, "DAL", "the %s DAL requires <%s>",
                      t->type, rule->key);
}

void mcfg_check_dal(struct mcfg_load_ctx *ctx, const struct mcfg_dal *dal,
                    const struct mcfg_repo *r)
{
    const struct dal_type *t = find_dal_type(dal->type);
    if (t == NULL) {
        mcfg_error_at(ctx, dal->line, "DAL", "unknown DAL type '%s' (known: "
                  "posix, s3, null, fault, timer)", dal->type);
        return;
    }
    check_dal_params(ctx, dal, t, r);
    if (t->wrapper && dal->inner == NULL)
        mcfg_error_at(ctx, dal->line, "DAL", "the %s DAL wraps another and "
                  "needs an inner <DAL>", t->type);
    if (!t->wrapper && dal->inner != NULL)
        mcfg_error_at(ctx, dal->inner->line, "DAL", "the %s DAL cannot wrap "
                  "another DAL", t->type);
    if (dal->inner != NULL)
        mcfg_check_dal(ctx, dal->inner, r);
}

const char *mcfg_dal_param(const struct mcfg_dal *dal, const char *key)
{
    for (size_t i = 0; i < dal->nparams; i++)
        if (strcmp(dal->params[i].key, key) == 0)
            return dal->params[i].value;
    return NULL;
}

/* ---- permissions ------------------------------------------------------ */

int mcfg_parse_perms(struct mcfg_load_ctx *ctx, const xmlNode *node,
                     unsigned *out)
{
    static const struct { const char *name; unsigned bit; } names[] = {
        {"RM", MCFG_PERM_RM}, {"WM", MCFG_PERM_WM},
        {"RD", MCFG_PERM_RD}, {"WD", MCFG_PERM_WD},
    };
    xmlChar *raw = xmlNodeGetContent(node);
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", raw ? (const char *)raw : "");
    xmlFree(raw);
    unsigned mask = 0;
    int rc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", \t\r\n", &save); tok != NULL;
         tok = strtok_r(NULL, ", \t\r\n", &save)) {
        if (strcmp(tok, "NONE") == 0)
            continue;
        size_t i = 0;
        while (i < 4 && strcmp(tok, names[i].name) != 0)
            i++;
        if (i == 4) {
            mcfg_error(ctx, node, "unknown permission '%s' (known: RM, WM, "
                       "RD, WD, NONE)", tok);
            rc = -EINVAL;
            continue;
        }
        mask |= names[i].bit;
    }
    *out = mask;
    return rc;
}

const char *mcfg_perm_str(unsigned perms, char *buf, size_t bufsz)
{
    static const char *const names[] = {"RM", "WM", "RD", "WD"};
    size_t len = 0;
    if (bufsz == 0)
        return buf;
    buf[0] = '\0';
    for (int i = 0; i < 4; i++)
        if (perms & (1u << i))
            len += (size_t)snprintf(buf + len, len < bufsz ? bufsz - len : 0,
                                    "%s%s", len ? "," : "", names[i]);
    if (len == 0)
        snprintf(buf, bufsz, "none");
    return buf;
}
