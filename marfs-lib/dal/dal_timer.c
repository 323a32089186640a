/*
 * dal_timer.c - the timer DAL: a wrapper that counts and times calls.
 *
 * Owns: per-operation counters (calls, errors, nanoseconds spent in the
 * inner DAL, bytes for put/get), kept with relaxed atomics so handles on
 * different threads can update them; dal_timer_get/reset to read them
 * (tests count objects written this way); an INFO summary on destroy.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dal_internal.h"
#include "log.h"

struct tm_dal {
    struct dal_wrap w;
    struct dal_op_stats st[DAL_OP_COUNT];
};

struct tm_block {
    struct dal_block base;
    dal_block_t *inner;
};

static const struct dal_ops tm_ops;

static inline dal_t *inner_of(dal_t *dal)
{
    return ((struct dal_wrap *)dal)->inner;
}

static inline dal_block_t *iblk(dal_block_t *blk)
{
    return ((struct tm_block *)blk)->inner;
}

/* Account one call that started at t0 and returned rc. */
static long account(dal_t *dal, enum dal_op op, uint64_t t0, long rc)
{
    struct dal_op_stats *s = &((struct tm_dal *)dal)->st[op];
    __atomic_add_fetch(&s->calls, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->nsec, dal_now_ns() - t0, __ATOMIC_RELAXED);
    if (rc < 0)
        __atomic_add_fetch(&s->errors, 1, __ATOMIC_RELAXED);
    else if (op == DAL_OP_PUT || op == DAL_OP_GET)
        __atomic_add_fetch(&s->bytes, (uint64_t)rc, __ATOMIC_RELAXED);
    return rc;
}

static int tm_verify(dal_t *dal, int fix)
{
    uint64_t t0 = dal_now_ns();
    dal_t *in = inner_of(dal);
    return (int)account(dal, DAL_OP_VERIFY, t0, in->ops->verify(in, fix));
}

static int tm_open(dal_t *dal, enum dal_op op, const struct dal_loc *loc,
                   const char *obj, dal_block_t **out)
{
    struct tm_block *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return -ENOMEM;
    dal_t *in = inner_of(dal);
    uint64_t t0 = dal_now_ns();
    int rc = op == DAL_OP_OPEN_WRITE
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

static int tm_open_write(dal_t *dal, const struct dal_loc *loc,
                         const char *obj, dal_block_t **out)
{
    return tm_open(dal, DAL_OP_OPEN_WRITE, loc, obj, out);
}

static int tm_open_read(dal_t *dal, const struct dal_loc *loc,
                        const char *obj, dal_block_t **out)
{
    return tm_open(dal, DAL_OP_OPEN_READ, loc, obj, out);
}

static ssize_t tm_put(dal_block_t *blk, const void *buf, size_t len)
{
    uint64_t t0 = dal_now_ns();
    dal_block_t *in = iblk(blk);
    return account(blk->dal, DAL_OP_PUT, t0,
                   in->dal->ops->put(in, buf, len));
}

static ssize_t tm_get(dal_block_t *blk, void *buf, size_t len, uint64_t off)
{
    uint64_t t0 = dal_now_ns();
    dal_block_t *in = iblk(blk);
    return account(blk->dal, DAL_OP_GET, t0,
                   in->dal->ops->get(in, buf, len, off));
}

static int tm_set_meta(dal_block_t *blk, const void *meta, size_t len)
{
    uint64_t t0 = dal_now_ns();
    dal_block_t *in = iblk(blk);
    return (int)account(blk->dal, DAL_OP_SET_META, t0,
                        in->dal->ops->set_meta(in, meta, len));
}

static ssize_t tm_get_meta(dal_block_t *blk, void *buf, size_t len)
{
    uint64_t t0 = dal_now_ns();
    dal_block_t *in = iblk(blk);
    return account(blk->dal, DAL_OP_GET_META, t0,
                   in->dal->ops->get_meta(in, buf, len));
}

/* close and abort free the inner handle and then ours. */
static int tm_finish(dal_block_t *blk, enum dal_op op)
{
    dal_t *dal = blk->dal;
    dal_block_t *in = iblk(blk);
    uint64_t t0 = dal_now_ns();
    int rc = op == DAL_OP_CLOSE ? in->dal->ops->close(in)
                                 : in->dal->ops->abort(in);
    free(blk);
    return (int)account(dal, op, t0, rc);
}

static int tm_close(dal_block_t *blk)
{
    return tm_finish(blk, DAL_OP_CLOSE);
}

static int tm_abort(dal_block_t *blk)
{
    return tm_finish(blk, DAL_OP_ABORT);
}

static int tm_stat(dal_t *dal, const struct dal_loc *loc, const char *obj,
                   struct dal_stat *st)
{
    uint64_t t0 = dal_now_ns();
    dal_t *in = inner_of(dal);
    return (int)account(dal, DAL_OP_STAT, t0,
                        in->ops->stat(in, loc, obj, st));
}

static int tm_del(dal_t *dal, const struct dal_loc *loc, const char *obj)
{
    uint64_t t0 = dal_now_ns();
    dal_t *in = inner_of(dal);
    return (int)account(dal, DAL_OP_DEL, t0, in->ops->del(in, loc, obj));
}

static int tm_list(dal_t *dal, const struct dal_loc *loc,
                   int (*cb)(const char *obj, void *arg), void *arg)
{
    uint64_t t0 = dal_now_ns();
    dal_t *in = inner_of(dal);
    return (int)account(dal, DAL_OP_LIST, t0,
                        in->ops->list(in, loc, cb, arg));
}

static void log_summary(const struct tm_dal *t)
{
    for (int op = 0; op < DAL_OP_COUNT; op++) {
        const struct dal_op_stats *s = &t->st[op];
        if (s->calls == 0)
            continue;
        LOG_INFO("timer DAL: %-10s %8" PRIu64 " calls %6" PRIu64 " errors "
                 "%10.3f ms %9.1f us/call %12" PRIu64 " bytes",
                 dal_op_name((enum dal_op)op), s->calls, s->errors,
                 (double)s->nsec / 1e6, (double)s->nsec / 1e3 /
                 (double)s->calls, s->bytes);
    }
}

static void tm_destroy(dal_t *dal)
{
    log_summary((struct tm_dal *)dal);
    dal_destroy(inner_of(dal));
    free(dal);
}

static int timer_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                      dal_t *inner, dal_t **out)
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

int dal_timer_get(dal_t *dal, struct dal_timer_stats *out)
{
    struct tm_dal *t = (struct tm_dal *)dal_find(dal, "timer");
    if (t == NULL)
        return -ENOENT;
    for (int op = 0; op < DAL_OP_COUNT; op++) {
        const struct dal_op_stats *s = &t->st[op];
        out->op[op].calls = __atomic_load_n(&s->calls, __ATOMIC_RELAXED);
        out->op[op].errors = __atomic_load_n(&s->errors, __ATOMIC_RELAXED);
        out->op[op].nsec = __atomic_load_n(&s->nsec, __ATOMIC_RELAXED);
        out->op[op].bytes = __atomic_load_n(&s->bytes, __ATOMIC_RELAXED);
    }
    return 0;
}

int dal_timer_reset(dal_t *dal)
{
    struct tm_dal *t = (struct tm_dal *)dal_find(dal, "timer");
    if (t == NULL)
        return -ENOENT;
    for (int op = 0; op < DAL_OP_COUNT; op++) {
        struct dal_op_stats *s = &t->st[op];
        __atomic_store_n(&s->calls, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&s->errors, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&s->nsec, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&s->bytes, 0, __ATOMIC_RELAXED);
    }
    return 0;
}

static const struct dal_ops tm_ops = {
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

static const struct dal_param_rule timer_params[] = {
    {NULL, 0, 0, 0},
};

const struct dal_backend dal_backend_timer = {
    .type = "timer",
    .wrapper = 1,
    .params = timer_params,
    .check = NULL,
    .create = timer_create,
};
