/*
 * dal_params.c - checking a <DAL> element of marfs.xml against the rules
 * its backend declares (struct dal_backend): unknown, repeated, missing
 * and malformed parameters, block-directory templates, and the wrapper
 * structure of the stack.  dal_check_config runs it over every repo.
 *
 * Lives in the DAL layer, not in config/, so that a backend's parameters
 * are described once, in the backend's own file; the config layer only
 * stores the elements.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "dal_internal.h"

void dal_check_error(struct dal_check_ctx *cx, int line, const char *elem,
                     const char *fmt, ...)
{
    cx->nerrors++;
    if (cx->errs == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(cx->errs, "%s:%d: <%s>: ", cx->cfg->file, line, elem);
    vfprintf(cx->errs, fmt, ap);
    fputc('\n', cx->errs);
    va_end(ap);
}

/* Unknown placeholders, a missing {b}, a level with several indices but
 * no placeholder, and an absolute or '..' template. */
static void check_template(struct dal_check_ctx *cx,
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
            dal_check_error(cx, p->line, p->key, "unknown placeholder in "
                            "'%s' (known: {p} {b} {c} {s})", v);
            return;
        }
    }
    if (strstr(v, "{b}") == NULL)
        dal_check_error(cx, p->line, p->key, "'%s' lacks {b}: all blocks "
                        "of an object would land in one directory", v);
    const struct { const char *ph; const struct mcfg_dist *d; const char *n; }
        lv[] = {{"{p}", &r->pods, "pods"}, {"{c}", &r->caps, "caps"},
                {"{s}", &r->scatters, "scatters"}};
    for (int i = 0; i < 3; i++)
        if (lv[i].d->cnt > 1 && strstr(v, lv[i].ph) == NULL)
            dal_check_error(cx, p->line, p->key, "'%s' lacks %s but there "
                            "are %u %s: they would share one directory", v,
                            lv[i].ph, lv[i].d->cnt, lv[i].n);
    if (strstr(v, "..") != NULL || v[0] == '/')
        dal_check_error(cx, p->line, p->key, "'%s' must be relative to the "
                        "DAL's root and must not contain '..'", v);
}

static void check_value(struct dal_check_ctx *cx, const struct mcfg_param *p,
                        const struct dal_param_rule *rule,
                        const struct mcfg_repo *r)
{
    const char *v = p->value;
    switch (rule->kind) {
    case DAL_P_ABS_PATH:
        if (v[0] != '/')
            dal_check_error(cx, p->line, p->key, "'%s' is a relative path; "
                            "%s must be absolute", v, p->key);
        break;
    case DAL_P_TEMPLATE:
        check_template(cx, p, r);
        break;
    case DAL_P_UINT:
        if (v[0] == '\0' || strspn(v, "0123456789") != strlen(v))
            dal_check_error(cx, p->line, p->key, "'%s' is not a number", v);
        break;
    case DAL_P_TEXT:
        if (v[0] == '\0')
            dal_check_error(cx, p->line, p->key, "%s is empty", p->key);
        break;
    }
}

static const struct dal_param_rule *find_rule(const struct dal_backend *b,
                                              const char *key)
{
    for (const struct dal_param_rule *r = b->params; r->key != NULL; r++)
        if (strcmp(r->key, key) == 0)
            return r;
    return NULL;
}

void dal_check_params(struct dal_check_ctx *cx, const struct mcfg_dal *cfg,
                      const struct dal_backend *b,
                      const struct mcfg_repo *repo)
{
    for (size_t i = 0; i < cfg->nparams; i++) {
        const struct mcfg_param *p = &cfg->params[i];
        const struct dal_param_rule *rule = find_rule(b, p->key);
        if (rule == NULL) {
            dal_check_error(cx, p->line, p->key, "'%s' is not a parameter "
                            "of the %s DAL", p->key, b->type);
            continue;
        }
        for (size_t j = 0; j < i && !rule->repeatable; j++)
            if (strcmp(cfg->params[j].key, p->key) == 0)
                dal_check_error(cx, p->line, p->key, "%s is given twice in "
                                "the %s DAL", p->key, b->type);
        check_value(cx, p, rule, repo);
    }
    for (const struct dal_param_rule *r = b->params; r->key; r++)
        if (r->required && mcfg_dal_param(cfg, r->key) == NULL)
            dal_check_error(cx, cfg->line, "DAL", "the %s DAL requires <%s>",
                            b->type, r->key);
}

/* One element and, for a wrapper, the elements it nests. */
static void check_stack(struct dal_check_ctx *cx, const struct mcfg_dal *cfg,
                        const struct mcfg_repo *repo)
{
    const struct dal_backend *b = dal_backend_find(cfg->type);
    if (b == NULL) {
        dal_check_error(cx, cfg->line, "DAL", "unknown DAL type '%s' "
                        "(known: %s)", cfg->type, dal_backend_names());
        return;
    }
    dal_check_params(cx, cfg, b, repo);
    if (b->check != NULL)
        b->check(cx, cfg, repo);
    if (b->wrapper && cfg->inner == NULL)
        dal_check_error(cx, cfg->line, "DAL", "the %s DAL wraps another and "
                        "needs an inner <DAL>", b->type);
    if (!b->wrapper && cfg->inner != NULL)
        dal_check_error(cx, cfg->inner->line, "DAL", "the %s DAL cannot "
                        "wrap another DAL", b->type);
    if (cfg->inner != NULL)
        check_stack(cx, cfg->inner, repo);
}

int dal_check_config(const struct mcfg *cfg, FILE *errs)
{
    struct dal_check_ctx cx = {.cfg = cfg, .errs = errs};
    for (size_t i = 0; i < cfg->nrepos; i++)
        if (cfg->repos[i].dal != NULL)
            check_stack(&cx, cfg->repos[i].dal, &cfg->repos[i]);
    return cx.nerrors ? -EINVAL : 0;
}

/* Load, then check every repo's DAL stack: the whole config is usable or
 * nothing is returned. */
static int checked(int rc, FILE *errs, const struct mcfg **out)
{
    if (rc < 0)
        return rc;
    rc = dal_check_config(*out, errs);
    if (rc < 0) {
        mcfg_free(*out);
        *out = NULL;
    }
    return rc;
}

int dal_config_load(const char *path, FILE *errs, const struct mcfg **out)
{
    return checked(mcfg_load(path, errs, out), errs, out);
}

int dal_config_load_buffer(const char *buf, size_t len, const char *name,
                           FILE *errs, const struct mcfg **out)
{
    return checked(mcfg_load_buffer(buf, len, name, errs, out), errs, out);
}
