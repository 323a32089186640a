/*
 * dal_timer.c - the timer DAL: a wrapper that counts and times calls.
 *
 * Owns: per-operation counters (calls, errors, nanoseconds spent in the
 * inner DAL, bytes for put/get), kept with relaxed atomics so handles on
 * different threads can update them; mdal_timer_get/reset to read them
 * (tests count objects written this way); an INFO summary on destroy.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dal_internal.h"
#include "log.h"

struct tm_dal {
    struct mdal_wrap w;
    struct mdal_op_stats st[MDAL_OP_COUNT];
};

struct tm_block {
    struct mdal_block base;
    mdal_block_t *inner;
};

static const struct mdal_ops tm_ops;

static inline mdal_t *inner_of(mdal_t *dal)
{
    return ((struct mdal_wrap *)dal)->inner;
}

static inline mdal_block_t *iblk(mdal_block_t *blk)
{
    return ((struct tm_block *)blk)->inner;
}

/* Account one call that started at t0 and returned rc. */
static long account(mdal_t *dal, enum mdal_op op, uint64_t t0, long rc)
{
    struct mdal_op_stats *s = &((struct tm_dal *)dal)->st[op];
    __atomic_add_fetch(&s->calls, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->nsec, mdal_now_ns() - t0, __ATOMIC_RELAXED);
    if (rc < 0)
        __atomic_add_fetch(&s->errors, 1, __ATOMIC_RELAXED);
    else if (op == MDAL_OP_PUT || op == MDAL_OP_GET)
        __atomic_add_fetch(&s->bytes, (uint64_t)rc, __ATOMIC_RELAXED);
    return rc;
}

static int tm_verify(mdal_t *dal, int fix)
{
    uint64_t t0 = mdal_now_ns();
    mdal_t *in = inner_of(dal);
    return (int)account(dal, MDAL_OP_VERIFY, t0, in->ops->verify(in, fix));
}

static int tm_open(mdal_t *dal, enum mdal_op op, const struct mdal_loc *loc,
                   const char *obj, mdal_block_t **out)
{
    struct tm_block *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return -ENOMEM;
    mdal_t *in = inner_of(dal);
    uint64_t t0 = mdal_now_ns();
    int rc = op == MDAL_OP_OPEN_WRITE
                 ? in->ops->open_write(in, loc, obj, &b->inner)
                 : in->ops->open_read(in, loc, obj, &b->inner);
    account(dal, op, t0, rc);
    if (rc < 0) {
        free(b);
        return rc;
    }
    b->base.dal = dal;
    *out = &b->base;
    return 0;
}

static int tm_open_write(mdal_t *dal, const struct mdal_loc *loc,
                         const char *obj, mdal_block_t **out)
{
    return tm_open(dal, MDAL_OP_OPEN_WRITE, loc, obj, out);
}

static int tm_open_read(mdal_t *dal, const struct mdal_loc *loc,
                        const char *obj, mdal_block_t **out)
{
    return tm_open(dal, MDAL_OP_OPEN_READ, loc, obj, out);
}

static ssize_t tm_put(mdal_block_t *blk, const void *buf, size_t len)
{
    uint64_t t0 = mdal_now_ns();
    mdal_block_t *in = iblk(blk);
    return account(blk->dal, MDAL_OP_PUT, t0,
                   in->dal->ops->put(in, buf, len));
}

static ssize_t tm_get(mdal_block_t *blk, void *buf, size_t len, uint64_t off)
{
    uint64_t t0 = mdal_now_ns();
    mdal_block_t *in = iblk(blk);
    return account(blk->dal, MDAL_OP_GET, t0,
                   in->dal->ops->get(in, buf, len, off));
}

static int tm_set_meta(mdal_block_t *blk, const void *meta, size_t len)
{
    uint64_t t0 = mdal_now_ns();
    mdal_block_t *in = iblk(blk);
    return (int)account(blk->dal, MDAL_OP_SET_META, t0,
                        in->dal->ops->set_meta(in, meta, len));
}

static ssize_t tm_get_meta(mdal_block_t *blk, void *buf, size_t len)
{
    uint64_t t0 = mdal_now_ns();
    mdal_block_t *in = iblk(blk);
    return account(blk->dal, MDAL_OP_GET_META, t0,
                   in->dal->ops->get_meta(in, buf, len));
}

/* close and abort free the inner handle and then ours. */
static int tm_finish(mdal_block_t *blk, enum mdal_op op)
{
    mdal_t *dal = blk->dal;
    mdal_block_t *in = iblk(blk);
    uint64_t t0 = mdal_now_ns();
    int rc = op == MDAL_OP_CLOSE ? in->dal->ops->close(in)
                                 : in->dal->ops->abort(in);
    free(blk);
    return (int)account(dal, op, t0, rc);
}

static int tm_close(mdal_block_t *blk)
{
    return tm_finish(blk, MDAL_OP_CLOSE);
}

static int tm_abort(mdal_block_t *blk)
{
    return tm_finish(blk, MDAL_OP_ABORT);
}

static int tm_stat(mdal_t *dal, const struct mdal_loc *loc, const char *obj,
                   struct mdal_stat *st)
{
    uint64_t t0 = mdal_now_ns();
    mdal_t *in = inner_of(dal);
    return (int)account(dal, MDAL_OP_STAT, t0,
                        in->ops->stat(in, loc, obj, st));
}

static int tm_del(mdal_t *dal, const struct mdal_loc *loc, const char *obj)
{
    uint64_t t0 = mdal_now_ns();
    mdal_t *in = inner_of(dal);
    return (int)account(dal, MDAL_OP_DEL, t0, in->ops->del(in, loc, obj));
}

static int tm_list(mdal_t *dal, const struct mdal_loc *loc,
                   int (*cb)(const char *obj, void *arg), void *arg)
{
    uint64_t t0 = mdal_now_ns();
    mdal_t *in = inner_of(dal);
    return (int)account(dal, MDAL_OP_LIST, t0,
                        in->ops->list(in, loc, cb, arg));
}

static void log_summary(const struct tm_dal *t)
{
    for (int op = 0; op < MDAL_OP_COUNT; op++) {
        const struct mdal_op_stats *s = &t->st[op];
        if (s->calls == 0)
            continue;
        LOG_INFO("timer DAL: %-10s %8" PRIu64 " calls %6" PRIu64 " errors "
                 "%10.3f ms %9.1f us/call %12" PRIu64 " bytes",
                 mdal_op_name((enum mdal_op)op), s->calls, s->errors,
                 (double)s->nsec / 1e6, (double)s->nsec / 1e3 /
                 (double)s->calls, s->bytes);
    }
}

static void tm_destroy(mdal_t *dal)
{
    log_summary((struct tm_dal *)dal);
    mdal_destroy(inner_of(dal));
    free(dal);
}

int mdal_timer_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                      mdal_t *inner, mdal_t **out)
{
    (void)cfg;
    (void)repo;
    struct tm_dal *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    t->w.base.ops = &tm_ops;
    t->w.base.type = "timer";
    t->w.inner = inner;
    *out = &t->w.base;
    return 0;
}

int mdal_timer_get(mdal_t *dal, struct mdal_timer_stats *out)
{
    struct tm_dal *t = (struct tm_dal *)mdal_find(dal, "timer");
    if (t == NULL)
        return -ENOENT;
    for (int op = 0; op < MDAL_OP_COUNT; op++) {
        const struct mdal_op_stats *s = &t->st[op];
        out->op[op].calls = __atomic_load_n(&s->calls, __ATOMIC_RELAXED);
        out->op[op].errors = __atomic_load_n(&s->errors, __ATOMIC_RELAXED);
        out->op[op].nsec = __atomic_load_n(&s->nsec, __ATOMIC_RELAXED);
        out->op[op].bytes = __atomic_load_n(&s->bytes, __ATOMIC_RELAXED);
    }
    return 0;
}

int mdal_timer_reset(mdal_t *dal)
{
    struct tm_dal *t = (struct tm_dal *)mdal_find(dal, "timer");
    if (t == NULL)
        return -ENOENT;
    for (int op = 0; op < MDAL_OP_COUNT; op++) {
        struct mdal_op_stats *s = &t->st[op];
        __atomic_store_n(&s->calls, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&s->errors, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&s->nsec, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&s->bytes, 0, __ATOMIC_RELAXED);
    }
    return 0;
}

static const struct mdal_ops tm_ops = {
    .verify = tm_verify,
    .open_write = tm_open_write,
    .open_read = tm_open_read,
    .put = tm_put,
    .get = tm_get,
    .set_meta = tm_set_meta,
    .get_meta = tm_get_meta,
    .close = tm_close,
    .abort = tm_abort,
    .stat = tm_stat,
    .del = tm_del,
    .list = tm_list,
    .destroy = tm_destroy,
};
