/*
 * dal_null.c - the null DAL: stores no data, for benchmarking the layers
 * above storage.
 *
 * Owns: an in-memory record of each published block's size and meta blob
 * (not its data), so the erasure layer can also open, stat, list and
 * read back what it "wrote".  Reads return zero bytes up to the recorded
 * size (write zeros when a benchmark must read back consistent data).
 * At most NULL_MAX_BLOCKS records are kept; later blocks are discarded
 * with one warning.  Semantics: doc/dal.md, "null".
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dal_internal.h"
#include "hash.h"
#include "log.h"

#define NULL_BUCKETS 65536
#define NULL_MAX_BLOCKS (1u << 20)

struct null_rec {
    struct null_rec *next;
    struct dal_loc loc;
    uint64_t size;
    int64_t mtime;
    int has_meta;
    uint32_t mlen;
    unsigned char *meta;
    char obj[];
};

struct null_dal {
    struct dal base;
    struct dal_geom geom;
    pthread_mutex_t lock;
    size_t count;
    int warned;
    struct null_rec *tab[NULL_BUCKETS];
};

struct null_block {
    struct dal_block base;
    int writing;
    struct null_rec *rec;     /* private copy: what is written / was read */
};

static const struct dal_ops null_ops;

static inline int same_loc(const struct dal_loc *a, const struct dal_loc *b)
{
    return a->pod == b->pod && a->block == b->block && a->cap == b->cap &&
           a->scatter == b->scatter;
}

static struct null_rec **bucket(struct null_dal *d, const struct dal_loc *l,
                                const char *obj)
{
    uint64_t h = mhash_xxh64(obj, strlen(obj), 0) ^
                 mhash_mix64((uint64_t)l->pod << 48 ^ (uint64_t)l->block << 32 ^
                             (uint64_t)l->cap << 20 ^ l->scatter);
    return &d->tab[h % NULL_BUCKETS];
}

/* The link pointing at the record of (loc, obj), or at the NULL ending
 * its bucket.  Caller holds the lock. */
static struct null_rec **find(struct null_dal *d, const struct dal_loc *loc,
                              const char *obj)
{
    struct null_rec **pp = bucket(d, loc, obj);
    while (*pp != NULL &&
           !(same_loc(&(*pp)->loc, loc) && strcmp((*pp)->obj, obj) == 0))
        pp = &(*pp)->next;
    return pp;
}

static struct null_rec *new_rec(const struct dal_loc *loc, const char *obj)
{
    size_t n = strlen(obj) + 1;
    struct null_rec *r = calloc(1, sizeof(*r) + n);
    if (r != NULL) {
        r->loc = *loc;
        memcpy(r->obj, obj, n);
    }
    return r;
}

static void free_rec(struct null_rec *r)
{
    if (r != NULL)
        free(r->meta);
    free(r);
}

/* A copy of r (record or handle state), meta included. */
static struct null_rec *dup_rec(const struct null_rec *r)
{
    struct null_rec *c = new_rec(&r->loc, r->obj);
    if (c == NULL)
        return NULL;
    c->size = r->size;
    c->mtime = r->mtime;
    c->has_meta = r->has_meta;
    c->mlen = r->mlen;
    if (r->meta != NULL && dal_meta_dup(r->meta, r->mlen, &c->meta,
                                         "null DAL") < 0) {
        free_rec(c);
        return NULL;
    }
    return c;
}

static int null_verify(dal_t *dal, int fix)
{
    (void)dal;
    (void)fix;
    return 0;
}

static int new_block(dal_t *dal, struct null_rec *rec, int writing,
                     dal_block_t **out)
{
    struct null_block *b = calloc(1, sizeof(*b));
    if (b == NULL || rec == NULL) {
        free(b);
        free_rec(rec);
        return -ENOMEM;
    }
    b->base.dal = dal;
    b->writing = writing;
    b->rec = rec;
    *out = &b->base;
    return 0;
}

static int null_open_write(dal_t *dal, const struct dal_loc *loc,
                           const char *obj, dal_block_t **out)
{
    struct null_dal *d = (struct null_dal *)dal;
    int rc = dal_loc_check(&d->geom, "null", loc, obj);
    return rc < 0 ? rc : new_block(dal, new_rec(loc, obj), 1, out);
}

/* A copy of the record of (loc, obj): 0, -ENOENT, -ENOMEM, -EINVAL. */
static int lookup(struct null_dal *d, const struct dal_loc *loc,
                  const char *obj, struct null_rec **out)
{
    int rc = dal_loc_check(&d->geom, "null", loc, obj);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&d->lock);
    struct null_rec *r = *find(d, loc, obj);
    *out = r != NULL ? dup_rec(r) : NULL;
    pthread_mutex_unlock(&d->lock);
    return r == NULL ? -ENOENT : *out == NULL ? -ENOMEM : 0;
}

static int null_open_read(dal_t *dal, const struct dal_loc *loc,
                          const char *obj, dal_block_t **out)
{
    struct null_rec *r;
    int rc = lookup((struct null_dal *)dal, loc, obj, &r);
    return rc < 0 ? rc : new_block(dal, r, 0, out);
}

static ssize_t null_put(dal_block_t *blk, const void *buf, size_t len)
{
    struct null_block *b = (struct null_block *)blk;
    (void)buf;
    if (!b->writing)
        return -EBADF;
    b->rec->size += len;
    return (ssize_t)len;
}

static ssize_t null_get(dal_block_t *blk, void *buf, size_t len,
                        uint64_t off)
{
    struct null_block *b = (struct null_block *)blk;
    if (b->writing)
        return -EBADF;
    if (off >= b->rec->size)
        return 0;
    if (len > b->rec->size - off)
        len = (size_t)(b->rec->size - off);
    memset(buf, 0, len);
    return (ssize_t)len;
}

static int null_set_meta(dal_block_t *blk, const void *meta, size_t len)
{
    struct null_block *b = (struct null_block *)blk;
    if (!b->writing)
        return -EBADF;
    int rc = dal_meta_dup(meta, len, &b->rec->meta, "null DAL");
    if (rc == 0) {
        b->rec->mlen = (uint32_t)len;
        b->rec->has_meta = 1;
    }
    return rc;
}

static ssize_t null_get_meta(dal_block_t *blk, void *buf, size_t len)
{
    struct null_rec *r = ((struct null_block *)blk)->rec;
    return dal_meta_copy(buf, len, r->meta, r->mlen, r->has_meta);
}

/* Record (or replace) a published block; takes ownership of r. */
static void publish(struct null_dal *d, struct null_rec *r)
{
    r->mtime = (int64_t)time(NULL);
    pthread_mutex_lock(&d->lock);
    struct null_rec **pp = find(d, &r->loc, r->obj);
    if (*pp != NULL) {
        r->next = (*pp)->next;
        free_rec(*pp);
        *pp = r;
    } else if (d->count < NULL_MAX_BLOCKS) {
        *pp = r;
        d->count++;
    } else {
        if (!d->warned)
            LOG_WARN("null DAL: %u blocks recorded; later blocks are not "
                     "remembered (reading them gives ENOENT)",
                     NULL_MAX_BLOCKS);
        d->warned = 1;
        free_rec(r);
    }
    pthread_mutex_unlock(&d->lock);
}

static int null_close(dal_block_t *blk)
{
    struct null_block *b = (struct null_block *)blk;
    if (b->writing)
        publish((struct null_dal *)blk->dal, b->rec);
    else
        free_rec(b->rec);
    free(b);
    return 0;
}

static int null_abort(dal_block_t *blk)
{
    struct null_block *b = (struct null_block *)blk;
    free_rec(b->rec);
    free(b);
    return 0;
}

static int null_stat(dal_t *dal, const struct dal_loc *loc, const char *obj,
                     struct dal_stat *st)
{
    struct null_rec *r;
    int rc = lookup((struct null_dal *)dal, loc, obj, &r);
    if (rc == 0) {
        st->size = r->size;
        st->mtime = r->mtime;
        free_rec(r);
    }
    return rc;
}

static int null_del(dal_t *dal, const struct dal_loc *loc, const char *obj)
{
    struct null_dal *d = (struct null_dal *)dal;
    int rc = dal_loc_check(&d->geom, "null", loc, obj);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&d->lock);
    struct null_rec **pp = find(d, loc, obj), *r = *pp;
    if (r != NULL) {
        *pp = r->next;
        d->count--;
    }
    pthread_mutex_unlock(&d->lock);
    free_rec(r);
    return r != NULL ? 0 : -ENOENT;
}

static void free_names(char **v)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        free(v[i]);
    free(v);
}

/* Copies of the names recorded at loc, NULL-terminated (copied under the
 * lock so cb may call back into the DAL); NULL when out of memory. */
static char **names_at(struct null_dal *d, const struct dal_loc *loc)
{
    int ok = 1;
    size_t n = 0;
    pthread_mutex_lock(&d->lock);
    char **v = calloc(d->count + 1, sizeof(*v));
    for (size_t i = 0; v != NULL && ok && i < NULL_BUCKETS; i++)
        for (struct null_rec *r = d->tab[i]; ok && r != NULL; r = r->next)
            if (same_loc(&r->loc, loc))
                ok = (v[n++] = strdup(r->obj)) != NULL;
    pthread_mutex_unlock(&d->lock);
    if (!ok) {
        free_names(v);
        return NULL;
    }
    return v;
}

static int null_list(dal_t *dal, const struct dal_loc *loc,
                     int (*cb)(const char *obj, void *arg), void *arg)
{
    struct null_dal *d = (struct null_dal *)dal;
    int rc = dal_loc_check(&d->geom, "null", loc, NULL);
    if (rc < 0)
        return rc;
    char **names = names_at(d, loc);
    if (names == NULL)
        return -ENOMEM;
    for (size_t i = 0; rc == 0 && names[i] != NULL; i++)
        rc = cb(names[i], arg);
    free_names(names);
    return rc;
}

static void null_destroy(dal_t *dal)
{
    struct null_dal *d = (struct null_dal *)dal;
    for (size_t i = 0; i < NULL_BUCKETS; i++)
        while (d->tab[i] != NULL) {
            struct null_rec *r = d->tab[i];
            d->tab[i] = r->next;
            free_rec(r);
        }
    pthread_mutex_destroy(&d->lock);
    free(d);
}

static int null_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                     dal_t *inner, dal_t **out)
{
    (void)cfg;
    (void)inner;
    struct null_dal *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return -ENOMEM;
    d->base.ops = &null_ops;
    d->base.type = "null";
    dal_geom_init(&d->geom, repo);
    pthread_mutex_init(&d->lock, NULL);
    *out = &d->base;
    return 0;
}

static const struct dal_ops null_ops = {
    .verify = null_verify,
    .open_write = null_open_write,
    .open_read = null_open_read,
    .put = null_put,
    .get = null_get,
    .set_meta = null_set_meta,
    .get_meta = null_get_meta,
    .close = null_close,
    .abort = null_abort,
    .stat = null_stat,
    .del = null_del,
    .list = null_list,
    .destroy = null_destroy,
};

static const struct dal_param_rule null_params[] = {
    {NULL, 0, 0, 0},
};

const struct dal_backend dal_backend_null = {
    .type = "null",
    .wrapper = 0,
    .params = null_params,
    .check = NULL,
    .create = null_create,
};
