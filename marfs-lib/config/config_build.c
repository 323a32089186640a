/*
 * config_build.c - walk a schema-valid marfs.xml document into the model.
 *
 * Owns the shape of the model: repos, their data/meta parameters, DAL
 * stacks, and the namespace tree (including <rns> references that hang a
 * top-level namespace of one repo under a namespace of another, as in
 * MarFS).  Value checks are delegated to config_check.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

#define DEFAULT_PACK_MAX_FILES 1024
#define DEFAULT_CHUNK_MAX_SIZE (1ULL << 30)
#define DEFAULT_RBREADTH 10
#define DEFAULT_RDEPTH 2
#define DEFAULT_RDIGITS 3

/* ---- small DOM helpers ------------------------------------------------ */

static int is_elem(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE &&
           (name == NULL || strcmp((const char *)n->name, name) == 0);
}

static xmlNode *child(const xmlNode *parent, const char *name)
{
    for (xmlNode *n = parent->children; n != NULL; n = n->next)
        if (is_elem(n, name))
            return n;
    return NULL;
}

/* Element text with surrounding white space removed, in the arena. */
static const char *text_of(struct mcfg_load_ctx *ctx, const xmlNode *n)
{
    xmlChar *raw = xmlNodeGetContent(n);
    const char *s = raw ? (const char *)raw : "";
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    char *copy = mcfg_arena_strdup(&ctx->cfg->arena, s);
    xmlFree(raw);
    if (copy == NULL)
        return NULL;
    size_t len = strlen(copy);
    while (len > 0 && strchr(" \t\r\n", copy[len - 1]) != NULL)
        copy[--len] = '\0';
    return copy;
}

static const char *attr_of(struct mcfg_load_ctx *ctx, const xmlNode *n,
                           const char *name)
{
    xmlChar *raw = xmlGetProp(n, (const xmlChar *)name);
    if (raw == NULL)
        return NULL;
    char *copy = mcfg_arena_strdup(&ctx->cfg->arena, (const char *)raw);
    xmlFree(raw);
    return copy;
}

static void *zalloc(struct mcfg_load_ctx *ctx, size_t size)
{
    return mcfg_arena_alloc(&ctx->cfg->arena, size);
}

/* Parse an unsigned element or attribute value; report and return -1. */
static int parse_uint(struct mcfg_load_ctx *ctx, const xmlNode *n,
                      const char *what, const char *text, unsigned max,
                      unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v > max) {
        mcfg_error(ctx, n, "%s '%s' is out of range (0 to %u)", what, text,
                   max);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static int parse_size_elem(struct mcfg_load_ctx *ctx, const xmlNode *n,
                           uint64_t *out)
{
    const char *text = text_of(ctx, n);
    int rc = text ? mcfg_parse_size(text, out) : -ENOMEM;
    if (rc == -ERANGE)
        mcfg_error(ctx, n, "'%s' does not fit in 64 bits", text);
    else if (rc < 0)
        mcfg_error(ctx, n, "'%s' is not a size (digits with an optional "
                   "K, M, G, T or P suffix)", text ? text : "");
    return rc;
}

/* ---- <data> ----------------------------------------------------------- */

static void build_protection(struct mcfg_load_ctx *ctx, const xmlNode *p,
                             struct mcfg_repo *r)
{
    xmlNode *n = child(p, "N"), *e = child(p, "E"), *psz = child(p, "PSZ");
    /* Check the values only when all three parsed: a bad PSZ must not
     * also be reported as "PSZ is zero". */
    if (parse_uint(ctx, n, "N", text_of(ctx, n), MCFG_MAX_PARTS * 16,
                   &r->n) == 0 &&
        parse_uint(ctx, e, "E", text_of(ctx, e), MCFG_MAX_PARTS * 16,
                   &r->e) == 0 &&
        parse_size_elem(ctx, psz, &r->psz) == 0)
        mcfg_check_protection(ctx, p, r);
}

static int yes(struct mcfg_load_ctx *ctx, const xmlNode *n)
{
    const char *v = attr_of(ctx, n, "enabled");
    return v != NULL && strcmp(v, "yes") == 0;
}

static void build_packing(struct mcfg_load_ctx *ctx, const xmlNode *p,
                          struct mcfg_repo *r)
{
    r->pack_max_files = DEFAULT_PACK_MAX_FILES;
    if (p == NULL)
        return;
    r->packing = yes(ctx, p);
    xmlNode *mf = child(p, "max_files");
    if (mf != NULL)
        parse_size_elem(ctx, mf, &r->pack_max_files);
}

static void build_chunking(struct mcfg_load_ctx *ctx, const xmlNode *c,
                           struct mcfg_repo *r)
{
    r->chunk_max_size = DEFAULT_CHUNK_MAX_SIZE;
    if (c == NULL)
        return;
    r->chunking = yes(ctx, c);
    xmlNode *ms = child(c, "max_size");
    if (ms != NULL)
        parse_size_elem(ctx, ms, &r->chunk_max_size);
}

/* "i=w" pairs separated by commas or white space. */
static void parse_weights(struct mcfg_load_ctx *ctx, const xmlNode *n,
                          const char *text, struct mcfg_dist *d,
                          unsigned *w)
{
    char *list = mcfg_arena_strdup(&ctx->cfg->arena, text);
    char *save = NULL;
    for (char *tok = list ? strtok_r(list, ", \t\r\n", &save) : NULL;
         tok != NULL; tok = strtok_r(NULL, ", \t\r\n", &save)) {
        char *eq = strchr(tok, '=');
        unsigned idx, weight;
        if (eq == NULL) {
            mcfg_error(ctx, n, "weight '%s' is not of the form index=weight",
                       tok);
            continue;
        }
        *eq = '\0';
        if (parse_uint(ctx, n, "index", tok, UINT32_MAX, &idx) < 0 ||
            parse_uint(ctx, n, "weight", eq + 1, 1000000, &weight) < 0)
            continue;
        if (idx >= d->cnt) {
            mcfg_error(ctx, n, "index %u is out of range (cnt is %u)", idx,
                       d->cnt);
            continue;
        }
        w[idx] = weight;
    }
}

static void build_dist_level(struct mcfg_load_ctx *ctx, const xmlNode *n,
                             struct mcfg_dist *d)
{
    const char *cnt = attr_of(ctx, n, "cnt");
    const char *dw = attr_of(ctx, n, "dweight");
    d->dweight = 1;
    if (parse_uint(ctx, n, "cnt", cnt, 1u << 20, &d->cnt) < 0 ||
        (dw != NULL && parse_uint(ctx, n, "dweight", dw, 1000000,
                                  &d->dweight) < 0))
        return;
    unsigned *w = zalloc(ctx, sizeof(unsigned) * d->cnt);
    if (w == NULL)
        return;
    for (unsigned i = 0; i < d->cnt; i++)
        w[i] = d->dweight;
    parse_weights(ctx, n, text_of(ctx, n), d, w);
    d->weights = w;
    unsigned long long sum = 0;
    for (unsigned i = 0; i < d->cnt; i++)
        sum += w[i];
    if (sum == 0)
        mcfg_error(ctx, n, "weights sum to zero: every one of the %u %s is "
                   "retired", d->cnt, (const char *)n->name);
}

static void build_distribution(struct mcfg_load_ctx *ctx, const xmlNode *d,
                               struct mcfg_repo *r)
{
    build_dist_level(ctx, child(d, "pods"), &r->pods);
    build_dist_level(ctx, child(d, "caps"), &r->caps);
    build_dist_level(ctx, child(d, "scatters"), &r->scatters);
}

static const struct mcfg_dal *build_dal(struct mcfg_load_ctx *ctx,
                                        const xmlNode *n)
{
    struct mcfg_dal *dal = zalloc(ctx, sizeof(*dal));
    if (dal == NULL)
        return NULL;
    dal->type = attr_of(ctx, n, "type");
    dal->line = (int)xmlGetLineNo(n);
    size_t count = 0;
    for (xmlNode *c = n->children; c != NULL; c = c->next)
        count += is_elem(c, NULL) && !is_elem(c, "DAL");
    struct mcfg_param *params = zalloc(ctx, sizeof(*params) * (count + 1));
    if (params == NULL)
        return NULL;
    for (xmlNode *c = n->children; c != NULL; c = c->next) {
        if (!is_elem(c, NULL))
            continue;
        if (is_elem(c, "DAL")) {
            if (dal->inner != NULL)
                mcfg_error(ctx, c, "a DAL may wrap only one inner DAL");
            else
                dal->inner = build_dal(ctx, c);
            continue;
        }
        struct mcfg_param *p = &params[dal->nparams++];
        p->key = mcfg_arena_strdup(&ctx->cfg->arena, (const char *)c->name);
        p->value = text_of(ctx, c);
        p->line = (int)xmlGetLineNo(c);
    }
    dal->params = params;
    return dal;
}

static void build_data(struct mcfg_load_ctx *ctx, const xmlNode *data,
                       struct mcfg_repo *r)
{
    build_protection(ctx, child(data, "protection"), r);
    build_packing(ctx, child(data, "packing"), r);
    build_chunking(ctx, child(data, "chunking"), r);
    mcfg_check_limits(ctx, child(data, "packing"), child(data, "chunking"), r);
    build_distribution(ctx, child(data, "distribution"), r);
    r->dal = build_dal(ctx, child(data, "DAL"));
}

/* ---- <meta>: namespaces ----------------------------------------------- */

static int add_kid(struct mcfg_ns_build *parent, struct mcfg_ns_build *kid)
{
    if (parent->nkids == parent->kidcap) {
        size_t cap = parent->kidcap ? parent->kidcap * 2 : 4;
        void *p = realloc(parent->kids, cap * sizeof(*parent->kids));
        if (p == NULL)
            return -ENOMEM;
        parent->kids = p;
        parent->kidcap = cap;
    }
    parent->kids[parent->nkids++] = kid;
    return 0;
}

/* The build structs' kid arrays are malloc'd; the arena frees the rest. */
struct ns_list {
    struct mcfg_ns_build **v;
    size_t n, cap;
};

static int ns_list_add(struct ns_list *l, struct mcfg_ns_build *ns)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void *p = realloc(l->v, cap * sizeof(*l->v));
        if (p == NULL)
            return -ENOMEM;
        l->v = p;
        l->cap = cap;
    }
    l->v[l->n++] = ns;
    return 0;
}

struct ns_walk {
    struct mcfg_load_ctx *ctx;
    struct ns_list all;       /* every <ns> and <rns> built */
};

static void check_ns_name(struct mcfg_load_ctx *ctx, const xmlNode *n,
                          const char *name)
{
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        mcfg_error(ctx, n, "'%s' is not a namespace name", name);
}

static void build_ns_settings(struct ns_walk *w, const xmlNode *c,
                              struct mcfg_ns_build *ns, int *seen_q,
                              int *seen_p)
{
    struct mcfg_load_ctx *ctx = w->ctx;
    if (is_elem(c, "quotas")) {
        if ((*seen_q)++)
            mcfg_error(ctx, c, "namespace '%s' has more than one <quotas>",
                       ns->pub.name);
        xmlNode *f = child(c, "files"), *d = child(c, "data");
        if (f != NULL)
            parse_size_elem(ctx, f, &ns->pub.quota_files);
        if (d != NULL)
            parse_size_elem(ctx, d, &ns->pub.quota_bytes);
    } else if (is_elem(c, "perms")) {
        if ((*seen_p)++)
            mcfg_error(ctx, c, "namespace '%s' has more than one <perms>",
                       ns->pub.name);
        xmlNode *i = child(c, "interactive"), *b = child(c, "batch");
        if (i != NULL)
            mcfg_parse_perms(ctx, i, &ns->pub.perms[MCFG_CLIENT_INTERACTIVE]);
        if (b != NULL)
            mcfg_parse_perms(ctx, b, &ns->pub.perms[MCFG_CLIENT_BATCH]);
    }
}

#define PERMS_UNSET (~0u)

static struct mcfg_ns_build *build_ns(struct ns_walk *w, const xmlNode *n,
                                      const struct mcfg_repo *repo)
{
    struct mcfg_load_ctx *ctx = w->ctx;
    struct mcfg_ns_build *ns = zalloc(ctx, sizeof(*ns));
    if (ns == NULL || ns_list_add(&w->all, ns) < 0)
        return NULL;
    ns->pub.name = attr_of(ctx, n, "name");
    ns->pub.line = (int)xmlGetLineNo(n);
    ns->pub.repo = repo;
    ns->pub.quota_files = ns->pub.quota_bytes = MCFG_UNLIMITED;
    ns->pub.perms[0] = ns->pub.perms[1] = PERMS_UNSET;
    check_ns_name(ctx, n, ns->pub.name);
    if (is_elem(n, "rns")) {
        ns->is_rns = 1;
        ns->rns_repo = attr_of(ctx, n, "repo");
        return ns;
    }
    int seen_q = 0, seen_p = 0;
    for (xmlNode *c = n->children; c != NULL; c = c->next) {
        if (!is_elem(c, NULL))
            continue;
        if (is_elem(c, "ns") || is_elem(c, "rns")) {
            struct mcfg_ns_build *kid = build_ns(w, c, repo);
            if (kid == NULL || add_kid(ns, kid) < 0)
                return NULL;
            kid->pub.parent = &ns->pub;
        } else {
            build_ns_settings(w, c, ns, &seen_q, &seen_p);
        }
    }
    return ns;
}

static void build_meta(struct mcfg_load_ctx *ctx, struct ns_walk *w,
                       const xmlNode *meta, struct mcfg_repo *r,
                       struct ns_list *tops)
{
    xmlNode *nss = child(meta, "namespaces");
    xmlNode *mdal = child(meta, "MDAL");
    const char *b = attr_of(ctx, nss, "rbreadth");
    const char *d = attr_of(ctx, nss, "rdepth");
    const char *g = attr_of(ctx, nss, "rdigits");

    r->rbreadth = DEFAULT_RBREADTH;
    r->rdepth = DEFAULT_RDEPTH;
    r->rdigits = DEFAULT_RDIGITS;
    if ((b && parse_uint(ctx, nss, "rbreadth", b, 1000000, &r->rbreadth)) ||
        (d && parse_uint(ctx, nss, "rdepth", d, 8, &r->rdepth)) ||
        (g && parse_uint(ctx, nss, "rdigits", g, 9, &r->rdigits)))
        return;
    unsigned long long room = 1;
    for (unsigned i = 0; i < r->rdigits; i++)
        room *= 10;
    if (r->rbreadth > room)
        mcfg_error(ctx, nss, "rbreadth %u needs more than rdigits=%u digits",
                   r->rbreadth, r->rdigits);

    const char *type = attr_of(ctx, mdal, "type");
    if (strcmp(type, "posix") != 0)
        mcfg_error(ctx, mdal, "unknown MDAL type '%s' (known: posix)", type);
    xmlNode *root = child(mdal, "ns_root");
    r->ns_root = text_of(ctx, root);
    mcfg_check_abs_path(ctx, root, "ns_root", r->ns_root);

    for (xmlNode *c = nss->children; c != NULL; c = c->next) {
        if (!is_elem(c, "ns"))
            continue;
        struct mcfg_ns_build *ns = build_ns(w, c, r);
        if (ns != NULL)
            ns_list_add(tops, ns);
    }
}

/* ---- namespace tree resolution ---------------------------------------- */

static struct mcfg_ns_build *find_top(struct ns_list *tops, const char *repo,
                                      const char *name)
{
    for (size_t i = 0; i < tops->n; i++) {
        struct mcfg_ns_build *t = tops->v[i];
        if (strcmp(t->pub.repo->name, repo) == 0 &&
            strcmp(t->pub.name, name) == 0)
            return t;
    }
    return NULL;
}

static void resolve_rns(struct mcfg_load_ctx *ctx, struct ns_walk *w,
                        struct ns_list *tops)
{
    const struct mcfg *cfg = &ctx->cfg->pub;
    for (size_t i = 0; i < w->all.n; i++) {
        struct mcfg_ns_build *r = w->all.v[i];
        if (!r->is_rns)
            continue;
        if (mcfg_repo_by_name(cfg, r->rns_repo) == NULL) {
            mcfg_error_at(ctx, r->pub.line, "rns", "remote namespace '%s' "
                          "names repo '%s', which is not defined",
                          r->pub.name, r->rns_repo);
            continue;
        }
        r->target = find_top(tops, r->rns_repo, r->pub.name);
        if (r->target == NULL)
            mcfg_error_at(ctx, r->pub.line, "rns", "remote namespace '%s' "
                          "does not resolve: repo '%s' has no top-level "
                          "namespace '%s'", r->pub.name, r->rns_repo,
                          r->pub.name);
        else if (r->target->referenced++)
            mcfg_error_at(ctx, r->pub.line, "rns", "namespace '%s' of repo "
                          "'%s' is already linked by another <rns>",
                          r->pub.name, r->rns_repo);
    }
}

static struct mcfg_ns_build *pick_root(struct mcfg_load_ctx *ctx,
                                       struct ns_list *tops)
{
    struct mcfg_ns_build *root = NULL;
    for (size_t i = 0; i < tops->n; i++) {
        struct mcfg_ns_build *t = tops->v[i];
        if (t->referenced)
            continue;
        if (root == NULL) {
            root = t;
            continue;
        }
        mcfg_error_at(ctx, t->pub.line, "ns", "top-level namespace '%s' of "
                      "repo '%s' is not linked by any <rns>; only one "
                      "top-level namespace ('%s') can be the root",
                      t->pub.name, t->pub.repo->name, root->pub.name);
    }
    if (root == NULL && tops->n > 0)
        mcfg_error_at(ctx, tops->v[0]->pub.line, "ns", "no root namespace: "
                      "every top-level namespace is the target of an <rns>");
    return root;
}

struct tree_walk {
    struct mcfg_load_ctx *ctx;
    struct ns_list flat;
    size_t depth;
};

static void link_tree(struct tree_walk *tw, struct mcfg_ns_build *ns,
                      const struct mcfg_ns *parent, const char *path);

static void link_kids(struct tree_walk *tw, struct mcfg_ns_build *ns)
{
    struct mcfg_load_ctx *ctx = tw->ctx;
    const struct mcfg_ns **kids = zalloc(ctx, sizeof(*kids) * (ns->nkids + 1));
    if (kids == NULL)
        return;
    for (size_t i = 0; i < ns->nkids; i++) {
        struct mcfg_ns_build *k = ns->kids[i];
        for (size_t j = 0; j < i; j++)
            if (strcmp(ns->kids[j]->pub.name, k->pub.name) == 0)
                mcfg_error_at(ctx, k->pub.line, k->is_rns ? "rns" : "ns",
                              "duplicate namespace name '%s' under '%s'",
                              k->pub.name, ns->pub.path);
        struct mcfg_ns_build *real = k->is_rns ? k->target : k;
        if (real == NULL)
            continue;
        size_t plen = strlen(ns->pub.path) + strlen(real->pub.name) + 2;
        char *path = zalloc(ctx, plen);
        if (path == NULL)
            return;
        snprintf(path, plen, "%s%s%s", ns->pub.path,
                 strcmp(ns->pub.path, "/") == 0 ? "" : "/", real->pub.name);
        link_tree(tw, real, &ns->pub, path);
        kids[ns->pub.nchildren++] = &real->pub;
    }
    ns->pub.children = kids;
}

static void link_tree(struct tree_walk *tw, struct mcfg_ns_build *ns,
                      const struct mcfg_ns *parent, const char *path)
{
    if (ns->pub.path != NULL || tw->depth > 64) {
        mcfg_error_at(tw->ctx, ns->pub.line, "ns", "namespace '%s' is "
                      "linked into the tree more than once (an <rns> loop?)",
                      ns->pub.name);
        return;
    }
    ns->pub.path = path;
    ns->pub.parent = parent;
    for (int m = 0; m < 2; m++) {
        if (ns->pub.perms[m] != PERMS_UNSET)
            continue;
        if (parent != NULL)
            ns->pub.perms[m] = parent->perms[m];
        else
            ns->pub.perms[m] = m == MCFG_CLIENT_BATCH
                ? MCFG_PERM_RM | MCFG_PERM_WM | MCFG_PERM_RD | MCFG_PERM_WD
                : MCFG_PERM_RM | MCFG_PERM_RD;
    }
    ns_list_add(&tw->flat, ns);
    tw->depth++;
    link_kids(tw, ns);
    tw->depth--;
}

static void finish_tree(struct mcfg_load_ctx *ctx, struct ns_walk *w,
                        struct ns_list *tops)
{
    struct mcfg *cfg = &ctx->cfg->pub;
    resolve_rns(ctx, w, tops);
    struct mcfg_ns_build *root = pick_root(ctx, tops);
    if (root == NULL)
        return;
    struct tree_walk tw = {.ctx = ctx};
    link_tree(&tw, root, NULL, "/");
    /* Unlinked tops were reported by pick_root; a linked top can still be
     * cut off when the <rns> linking it sits in an unreachable tree.
     * Children of an unreachable top are not reported again. */
    for (size_t i = 0; i < tops->n; i++) {
        struct mcfg_ns_build *t = tops->v[i];
        if (t->referenced && t->pub.path == NULL)
            mcfg_error_at(ctx, t->pub.line, "ns", "namespace '%s' of repo "
                          "'%s' is not reachable from the root namespace",
                          t->pub.name, t->pub.repo->name);
    }
    const struct mcfg_ns **all = zalloc(ctx, sizeof(*all) * (tw.flat.n + 1));
    if (all != NULL)
        for (size_t i = 0; i < tw.flat.n; i++)
            all[i] = &tw.flat.v[i]->pub;
    cfg->root = &root->pub;
    cfg->all_ns = all;
    cfg->nns = tw.flat.n;
    free(tw.flat.v);
}

/* Give each repo the list of its namespaces (depth-first order). */
static void index_repo_ns(struct mcfg_load_ctx *ctx)
{
    struct mcfg *cfg = &ctx->cfg->pub;
    struct mcfg_repo *repos = (struct mcfg_repo *)cfg->repos;
    for (size_t r = 0; r < cfg->nrepos; r++) {
        const struct mcfg_ns **v = zalloc(ctx, sizeof(*v) * (cfg->nns + 1));
        if (v == NULL)
            return;
        for (size_t i = 0; i < cfg->nns; i++)
            if (cfg->all_ns[i]->repo == &repos[r])
                v[repos[r].nns++] = cfg->all_ns[i];
        repos[r].ns = v;
    }
}

/* ---- top level -------------------------------------------------------- */

static void build_top(struct mcfg_load_ctx *ctx, const xmlNode *root)
{
    struct mcfg *cfg = &ctx->cfg->pub;
    const char *ver = attr_of(ctx, root, "version");
    if (parse_uint(ctx, root, "version", ver, 1000000, &cfg->version) == 0 &&
        cfg->version > MCFG_VERSION)
        mcfg_error(ctx, root, "config version %u is not supported (this "
                   "build reads version %d)", cfg->version, MCFG_VERSION);

    xmlNode *mt = child(root, "mnt_top");
    const char *top = text_of(ctx, mt);
    if (mcfg_check_abs_path(ctx, mt, "mnt_top", top) == 0) {
        char *norm = zalloc(ctx, strlen(top) + 2);
        if (norm != NULL && mcfg_normalize_path(top, norm, strlen(top) + 2) == 0)
            cfg->mnt_top = norm;
        if (cfg->mnt_top != NULL && strcmp(cfg->mnt_top, "/") == 0)
            mcfg_error(ctx, mt, "mnt_top must not be '/'");
    }
}

int mcfg_build(struct mcfg_load_ctx *ctx, xmlDoc *doc)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    struct mcfg *cfg = &ctx->cfg->pub;
    struct ns_walk w = {.ctx = ctx};
    struct ns_list tops = {0};
    int rc = 0;

    /* The schema declares <DAL> globally too (for nesting), so a lone
     * <DAL> document would validate: insist on the real root. */
    if (!is_elem(root, "marfs_config")) {
        mcfg_error(ctx, root, "the root element must be <marfs_config>");
        return -EINVAL;
    }

    build_top(ctx, root);
    for (xmlNode *n = root->children; n != NULL; n = n->next)
        cfg->nrepos += is_elem(n, "repo");
    struct mcfg_repo *repos = zalloc(ctx, sizeof(*repos) * cfg->nrepos);
    if (repos == NULL)
        return -ENOMEM;
    cfg->repos = repos;
    size_t i = 0;
    for (xmlNode *n = root->children; n != NULL; n = n->next) {
        if (!is_elem(n, "repo"))
            continue;
        struct mcfg_repo *r = &repos[i++];
        r->name = attr_of(ctx, n, "name");
        r->line = (int)xmlGetLineNo(n);
        for (size_t j = 0; j + 1 < i; j++)
            if (strcmp(repos[j].name, r->name) == 0)
                mcfg_error(ctx, n, "duplicate repo name '%s' (first defined "
                           "on line %d)", r->name, repos[j].line);
        build_data(ctx, child(n, "data"), r);
        build_meta(ctx, &w, child(n, "meta"), r, &tops);
    }
    finish_tree(ctx, &w, &tops);
    index_repo_ns(ctx);
    for (size_t k = 0; k < w.all.n; k++)
        free(w.all.v[k]->kids);
    free(w.all.v);
    free(tops.v);
    return rc;
}
