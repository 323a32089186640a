/*
 * dal_fault.c - the fault DAL: a wrapper that makes chosen calls fail.
 *
 * Owns: matching every call against the rules (from <rule> params, then
 * $MARFS_FAULT, or dal_fault_set_rules) and injecting what they say:
 * an errno, a put that fails after N bytes, short reads, flipped bits,
 * delays.  Matching and rule counters are under one mutex, so with one
 * thread the same calls always get the same faults; the pct= draws come
 * from a stream seeded by <seed>.  Syntax and semantics: doc/dal.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dal_fault.h"
#include "dal_internal.h"
#include "hash.h"
#include "log.h"
#include "privilege.h"

struct rules {
    struct fault_rule *v;
    size_t n, cap;
};

struct fault_dal {
    struct dal_wrap w;
    pthread_mutex_t lock;
    struct rules rs;
    uint64_t seed, rng;
};

struct fault_block {
    struct dal_block base;
    dal_block_t *inner;
    struct dal_loc loc;
    char *obj;
    int writing;
    uint64_t pos;             /* put: bytes the inner DAL accepted */
};

/* One call as rules see it; loc/obj NULL when the call has none. */
struct fault_call {
    enum dal_op op;
    const struct dal_loc *loc;
    const char *obj;
    uint64_t off, len;        /* put/get byte range */
};

/* What the matching rules add up to. */
struct fault_act {
    int err;
    int has_after;
    uint64_t after;           /* of the rule that set err */
    int has_short;
    uint64_t short_len;
    uint64_t flip;
    unsigned delay_ms;
};

static const struct dal_ops fault_ops;

/* ---- rule sets -------------------------------------------------------- */

static void rules_free(struct rules *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        fault_rule_free(&rs->v[i]);
    free(rs->v);
    *rs = (struct rules){0};
}

static int rules_add(struct rules *rs, const char *text, const char *where)
{
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 8;
        struct fault_rule *v = realloc(rs->v, cap * sizeof(*v));
        if (v == NULL)
            return -ENOMEM;
        rs->v = v;
        rs->cap = cap;
    }
    int rc = fault_rule_parse(text, where, &rs->v[rs->n]);
    if (rc == 0)
        rs->n++;
    return rc;
}

/* Add each non-blank ';'-separated rule of list. */
static int rules_add_list(struct rules *rs, const char *list, const char *where)
{
    char *buf = strdup(list), *save = NULL;
    int rc = buf ? 0 : -ENOMEM;
    for (char *t = buf ? strtok_r(buf, ";", &save) : NULL; t && rc == 0;
         t = strtok_r(NULL, ";", &save))
        if (t[strspn(t, " \t\r\n")] != '\0')
            rc = rules_add(rs, t, where);
    free(buf);
    return rc;
}

/* Rules and seed of a <DAL type="fault"> element, then $MARFS_FAULT. */
static int rules_from_config(struct fault_dal *f, const struct mcfg_dal *cfg)
{
    char where[64], name[96];
    int rc = 0;
    for (size_t i = 0; i < cfg->nparams && rc == 0; i++) {
        const struct mcfg_param *p = &cfg->params[i];
        snprintf(where, sizeof(where), "line %d", p->line);
        if (strcmp(p->key, "rule") == 0)
            rc = rules_add(&f->rs, p->value, where);
        else if (strcmp(p->key, "seed") != 0 ||
                 mcfg_parse_size(p->value, &f->seed) < 0) {
            LOG_ERR("%s: bad parameter <%s>%s</%s> (known: rule, seed)",
                    dal_cfg_name(cfg, name, sizeof(name)), p->key, p->value,
                    p->key);
            rc = -EINVAL;
        }
    }
    /* a setuid program never takes rules from its user's environment */
    const char *env = mutil_priv_getenv("MARFS_FAULT");
    if (rc == 0 && env != NULL)
        rc = rules_add_list(&f->rs, env, "MARFS_FAULT");
    f->rng = f->seed;
    return rc;
}

/* ---- matching --------------------------------------------------------- */

static int rule_matches(const struct fault_rule *r, const struct fault_call *c)
{
    const struct dal_loc *l = c->loc;
    int has_loc_filter = r->pod.n || r->block.n || r->cap.n || r->scatter.n;
    if (!(r->ops & 1u << c->op))
        return 0;
    if (l == NULL ? has_loc_filter
                  : !(fr_set_has(&r->pod, l->pod) &&
                      fr_set_has(&r->block, l->block) &&
                      fr_set_has(&r->cap, l->cap) &&
                      fr_set_has(&r->scatter, l->scatter)))
        return 0;
    if (r->obj != NULL && (c->obj == NULL || strstr(c->obj, r->obj) == NULL))
        return 0;
    return !r->has_after || c->off + c->len > r->after;
}

/* 1 if the rule acts on this match (skip/count window, pct draw).
 * Caller holds the lock. */
static int rule_fires(struct fault_dal *f, struct fault_rule *r)
{
    uint64_t hit = ++r->hits;
    if (hit <= r->skip || (r->count && hit - r->skip > r->count))
        return 0;
    if (r->pct >= 100)
        return 1;
    f->rng += MHASH_GAMMA;
    return mhash_mix64(f->rng) % 100 < r->pct;
}

static void merge(struct fault_act *a, const struct fault_rule *r)
{
    a->delay_ms += r->delay_ms;
    if (r->err && !a->err) {
        a->err = r->err;
        a->has_after = r->has_after;
        a->after = r->after;
    }
    if (r->has_short && (!a->has_short || r->short_len < a->short_len))
        a->short_len = r->short_len;
    a->has_short |= r->has_short;
    if (r->flip && !a->flip)
        a->flip = r->flip;
}

static void log_fire(const struct fault_rule *r, const struct fault_call *c)
{
    if (c->loc != NULL)
        LOG_INFO("fault DAL: rule '%s' fires on %s of '%s' pod %u block %u "
                 "cap %u scatter %u", r->text, dal_op_name(c->op),
                 c->obj ? c->obj : "(list)", c->loc->pod, c->loc->block,
                 c->loc->cap, c->loc->scatter);
    else
        LOG_INFO("fault DAL: rule '%s' fires on %s", r->text,
                 dal_op_name(c->op));
}

/* Decide what to inject into call c and serve the delay.  Returns the
 * injected -errno, or 0 (other actions in *a). */
static int inject(dal_t *dal, const struct fault_call *c, struct fault_act *a)
{
    struct fault_dal *f = (struct fault_dal *)dal;
    memset(a, 0, sizeof(*a));
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < f->rs.n; i++) {
        struct fault_rule *r = &f->rs.v[i];
        if (rule_matches(r, c) && rule_fires(f, r)) {
            merge(a, r);
            log_fire(r, c);
        }
    }
    pthread_mutex_unlock(&f->lock);
    if (a->delay_ms > 0) {
        struct timespec ts = {a->delay_ms / 1000,
                              (long)(a->delay_ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
    }
    return -a->err;
}

/* ---- operations ------------------------------------------------------- */

static inline dal_t *inner_of(dal_t *dal)
{
    return ((struct dal_wrap *)dal)->inner;
}

static int block_call(dal_block_t *blk, enum dal_op op, uint64_t off,
                      uint64_t len, struct fault_act *a)
{
    struct fault_block *b = (struct fault_block *)blk;
    struct fault_call c = {op, &b->loc, b->obj, off, len};
    return inject(blk->dal, &c, a);
}

static int fault_verify(dal_t *dal, int fix)
{
    struct fault_call c = {DAL_OP_VERIFY, NULL, NULL, 0, 0};
    struct fault_act a;
    int rc = inject(dal, &c, &a);
    return rc < 0 ? rc : inner_of(dal)->ops->verify(inner_of(dal), fix);
}

static int fault_open(dal_t *dal, enum dal_op op, const struct dal_loc *loc,
                      const char *obj, dal_block_t **out)
{
    struct fault_call c = {op, loc, obj, 0, 0};
    struct fault_act a;
    int rc = inject(dal, &c, &a);
    if (rc < 0)
        return rc;
    struct fault_block *b = calloc(1, sizeof(*b));
    if (b == NULL || (b->obj = strdup(obj ? obj : "")) == NULL) {
        free(b);
        return -ENOMEM;
    }
    dal_t *in = inner_of(dal);
    rc = op == DAL_OP_OPEN_WRITE ? in->ops->open_write(in, loc, obj, &b->inner)
                                  : in->ops->open_read(in, loc, obj, &b->inner);
    if (rc < 0) {
        free(b->obj);
        free(b);
        return rc;
    }
    b->base.dal = dal;
    b->loc = *loc;
    b->writing = op == DAL_OP_OPEN_WRITE;
    *out = &b->base;
    return 0;
}

static int fault_open_write(dal_t *dal, const struct dal_loc *loc,
                            const char *obj, dal_block_t **out)
{
    return fault_open(dal, DAL_OP_OPEN_WRITE, loc, obj, out);
}

static int fault_open_read(dal_t *dal, const struct dal_loc *loc,
                           const char *obj, dal_block_t **out)
{
    return fault_open(dal, DAL_OP_OPEN_READ, loc, obj, out);
}

/* An err rule with after=N: the bytes before N still reach the inner
 * DAL, as when a disk fills up in the middle of a write. */
static ssize_t fault_put(dal_block_t *blk, const void *buf, size_t len)
{
    struct fault_block *b = (struct fault_block *)blk;
    struct fault_act a;
    int rc = block_call(blk, DAL_OP_PUT, b->pos, len, &a);
    size_t n = len;
    if (rc < 0) {
        if (!a.has_after || a.after <= b->pos)
            return rc;
        n = (size_t)(a.after - b->pos);   /* the bytes before after= */
    }
    ssize_t put = b->inner->dal->ops->put(b->inner, buf, n);
    if (put > 0)
        b->pos += (uint64_t)put;
    return rc < 0 && put >= 0 ? rc : put;
}

/* Flip bit 0 of every byte of buf (at offset off) whose offset is a
 * multiple of every. */
static void flip_bits(unsigned char *buf, size_t n, uint64_t off,
                      uint64_t every)
{
    uint64_t rem = off % every;
    for (uint64_t i = rem ? every - rem : 0; i < n; i += every) {
        buf[i] ^= 1;
        if (every >= n - i)
            break;
    }
}

static ssize_t fault_get(dal_block_t *blk, void *buf, size_t len,
                         uint64_t off)
{
    struct fault_block *b = (struct fault_block *)blk;
    struct fault_act a;
    int rc = block_call(blk, DAL_OP_GET, off, len, &a);
    if (rc < 0)
        return rc;
    if (a.has_short && a.short_len < len)
        len = (size_t)a.short_len;
    if (a.has_short && len == 0)
        return 0;
    ssize_t n = b->inner->dal->ops->get(b->inner, buf, len, off);
    if (n > 0 && a.flip)
        flip_bits(buf, (size_t)n, off, a.flip);
    return n;
}

static int fault_set_meta(dal_block_t *blk, const void *meta, size_t len)
{
    struct fault_block *b = (struct fault_block *)blk;
    struct fault_act a;
    int rc = block_call(blk, DAL_OP_SET_META, 0, 0, &a);
    return rc < 0 ? rc : b->inner->dal->ops->set_meta(b->inner, meta, len);
}

static ssize_t fault_get_meta(dal_block_t *blk, void *buf, size_t len)
{
    struct fault_block *b = (struct fault_block *)blk;
    struct fault_act a;
    int rc = block_call(blk, DAL_OP_GET_META, 0, 0, &a);
    if (rc < 0)
        return rc;
    ssize_t n = b->inner->dal->ops->get_meta(b->inner, buf, len);
    if (n > 0 && a.flip)
        flip_bits(buf, (size_t)n < len ? (size_t)n : len, 0, a.flip);
    return n;
}

static void free_block(struct fault_block *b)
{
    free(b->obj);
    free(b);
}

/* An injected close error on a write handle discards the block (the
 * inner write is aborted), as a failed publish would. */
static int fault_close(dal_block_t *blk)
{
    struct fault_block *b = (struct fault_block *)blk;
    struct fault_act a;
    int rc = block_call(blk, DAL_OP_CLOSE, 0, 0, &a);
    const struct dal_ops *ops = b->inner->dal->ops;
    int irc = rc < 0 && b->writing ? ops->abort(b->inner)
                                   : ops->close(b->inner);
    free_block(b);
    return rc < 0 ? rc : irc;
}

static int fault_abort(dal_block_t *blk)
{
    struct fault_block *b = (struct fault_block *)blk;
    struct fault_act a;
    int rc = block_call(blk, DAL_OP_ABORT, 0, 0, &a);
    int irc = b->inner->dal->ops->abort(b->inner);
    free_block(b);
    return rc < 0 ? rc : irc;
}

static int fault_stat(dal_t *dal, const struct dal_loc *loc,
                      const char *obj, struct dal_stat *st)
{
    struct fault_call c = {DAL_OP_STAT, loc, obj, 0, 0};
    struct fault_act a;
    int rc = inject(dal, &c, &a);
    return rc < 0 ? rc : inner_of(dal)->ops->stat(inner_of(dal), loc, obj, st);
}

static int fault_del(dal_t *dal, const struct dal_loc *loc, const char *obj)
{
    struct fault_call c = {DAL_OP_DEL, loc, obj, 0, 0};
    struct fault_act a;
    int rc = inject(dal, &c, &a);
    return rc < 0 ? rc : inner_of(dal)->ops->del(inner_of(dal), loc, obj);
}

static int fault_list(dal_t *dal, const struct dal_loc *loc,
                      int (*cb)(const char *obj, void *arg), void *arg)
{
    struct fault_call c = {DAL_OP_LIST, loc, NULL, 0, 0};
    struct fault_act a;
    int rc = inject(dal, &c, &a);
    return rc < 0 ? rc
                  : inner_of(dal)->ops->list(inner_of(dal), loc, cb, arg);
}

static void fault_destroy(dal_t *dal)
{
    struct fault_dal *f = (struct fault_dal *)dal;
    dal_destroy(f->w.inner);
    rules_free(&f->rs);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

static int fault_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                      dal_t *inner, dal_t **out)
{
    (void)repo;
    struct fault_dal *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -ENOMEM;
    f->w.base.ops = &fault_ops;
    f->w.base.type = "fault";
    pthread_mutex_init(&f->lock, NULL);
    int rc = rules_from_config(f, cfg);
    if (rc < 0) {
        f->w.inner = NULL;     /* the factory destroys it */
        fault_destroy(&f->w.base);
        return rc;
    }
    f->w.inner = inner;
    *out = &f->w.base;
    return 0;
}

int dal_fault_set_rules(dal_t *dal, const char *text)
{
    struct fault_dal *f = (struct fault_dal *)dal_find(dal, "fault");
    struct rules rs = {0};
    if (f == NULL)
        return -ENOENT;
    int rc = text ? rules_add_list(&rs, text, "dal_fault_set_rules") : 0;
    if (rc < 0) {
        rules_free(&rs);
        return rc == -ENOMEM ? rc : -EINVAL;
    }
    pthread_mutex_lock(&f->lock);
    struct rules old = f->rs;
    f->rs = rs;
    f->rng = f->seed;
    pthread_mutex_unlock(&f->lock);
    rules_free(&old);
    return 0;
}

static const struct dal_ops fault_ops = {
    .verify = fault_verify,
    .open_write = fault_open_write,
    .open_read = fault_open_read,
    .put = fault_put,
    .get = fault_get,
    .set_meta = fault_set_meta,
    .get_meta = fault_get_meta,
    .close = fault_close,
    .abort = fault_abort,
    .stat = fault_stat,
    .del = fault_del,
    .list = fault_list,
    .destroy = fault_destroy,
};

/* Rules (repeatable; syntax in doc/dal.md, checked when the DAL is
 * built) and the seed of its random stream. */
static const struct dal_param_rule fault_params[] = {
    {"rule", DAL_P_TEXT, 0, 1},
    {"seed", DAL_P_UINT, 0, 0},
    {NULL, 0, 0, 0},
};

const struct dal_backend dal_backend_fault = {
    .type = "fault",
    .wrapper = 1,
    .params = fault_params,
    .check = NULL,
    .create = fault_create,
};
