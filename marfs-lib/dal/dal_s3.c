/*
 * dal_s3.c - the s3 DAL: one object per block in S3-compatible buckets.
 *
 * Owns: the operations table and create/destroy; mapping (location,
 * object) to bucket and key (dal_s3_cfg.c); write handles that buffer a
 * block and publish it on close with one PUT -- or, on the v4 path for
 * blocks above multipart_threshold, with a multipart upload whose parts
 * leave while the block is still being written (dal_s3_mpu.c); read
 * handles that check the block's trailer at open and serve get() from
 * ranged GETs with a read-ahead buffer; stat, del, list; verify(fix),
 * which checks (and creates) every bucket the template can produce and
 * that each is writable.
 *
 * Object format (doc/dal.md, "s3", S3 block format version 1): the
 * object body is  data | meta | footer  with the 32-byte footer of the
 * posix DAL's block format version 1 (dal_posix.h).  The meta blob rides
 * in the body, not in x-amz-meta headers or a companion object: it is
 * known only at close, after a multipart upload has begun, may be up to
 * 64 KiB (S3 allows 2 KiB of user metadata), and must appear atomically
 * with the data it describes -- one PUT or one CompleteMultipartUpload
 * publishes both or neither.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dal_posix.h"
#include "dal_s3.h"
#include "log.h"

/* What open_read fetches from the end of an object: the footer and a
 * meta blob of any allowed size, in one ranged GET. */
#define TAIL_MAX (DAL_META_MAX + PX_FOOTER)

struct s3_dal {
    struct dal base;
    struct dal_geom geom;
    struct s3_conf conf;
    const struct s3_transport *tp;
};

struct s3_block {
    struct dal_block base;
    int writing;
    char bucket[S3_BUCKET_MAX + 1];
    char key[S3_KEY_MAX + 1];
    uint64_t len;            /* data bytes written / in the block */
    int has_meta;
    uint32_t mlen;
    unsigned char *meta;
    /* write */
    unsigned char *buf;      /* data not yet sent */
    size_t fill, cap;
    struct s3_mpu *mpu;      /* v4 multipart upload, once started */
    int err;                 /* first failure; later puts return it */
    /* read */
    int64_t mtime;
    unsigned char *ra;       /* read-ahead: block bytes [ra_off, +ra_len) */
    uint64_t ra_off;
    size_t ra_len, ra_cap;
};

static const struct dal_ops s3_ops;

static struct s3_dal *dal_of(dal_t *dal)
{
    return (struct s3_dal *)dal;
}

static struct s3_dal *dal_of_blk(struct s3_block *h)
{
    return (struct s3_dal *)h->base.dal;
}

/* ---- create / destroy ------------------------------------------------- */

static void s3_destroy(dal_t *dal)
{
    struct s3_dal *d = dal_of(dal);
    if (d->tp != NULL)
        d->tp->thread_done();
    s3_conf_free(&d->conf);
    free(d);
}

static int s3_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                     dal_t *inner, dal_t **out)
{
    (void)inner;
    struct s3_dal *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return -ENOMEM;
    d->base.ops = &s3_ops;
    d->base.type = "s3";
    dal_geom_init(&d->geom, repo);
    int rc = s3_conf_load(&d->conf, cfg, repo);
    if (rc < 0) {
        s3_destroy(&d->base);
        return rc;
    }
    d->tp = d->conf.sigv4 ? &s3_v4_transport : &s3_v2_transport;
    *out = &d->base;
    return 0;
}

/* ---- handles ---------------------------------------------------------- */

static int new_block(struct s3_dal *d, const struct dal_loc *loc,
                     const char *obj, int writing, struct s3_block **out)
{
    int rc = dal_loc_check(&d->geom, "s3", loc, obj);
    if (rc < 0)
        return rc;
    struct s3_block *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return -ENOMEM;
    h->base.dal = &d->base;
    h->writing = writing;
    if ((rc = s3_bucket_of(&d->conf, loc, h->bucket)) < 0 ||
        (rc = s3_key_of(&d->conf, loc, obj, h->key)) < 0) {
        free(h);
        return rc;
    }
    *out = h;
    return 0;
}

static void free_block(struct s3_block *h)
{
    free(h->meta);
    free(h->buf);
    free(h->ra);
    free(h);
}

static int s3_open_write(dal_t *dal, const struct dal_loc *loc,
                         const char *obj, dal_block_t **out)
{
    struct s3_block *h;
    int rc = new_block(dal_of(dal), loc, obj, 1, &h);
    if (rc == 0)
        *out = &h->base;
    return rc;
}

/* ---- write ------------------------------------------------------------ */

/* v4, block beyond the threshold: send every whole part in the buffer
 * (starting the upload first if need be); keep the rest. */
static int ship_parts(struct s3_block *h)
{
    const struct s3_conf *c = &dal_of_blk(h)->conf;
    int rc = 0;
    if (h->mpu == NULL)
        rc = s3_mpu_start(c, h->bucket, h->key, &h->mpu);
    size_t off = 0, ps = (size_t)c->part_size;
    while (rc == 0 && h->fill - off >= ps) {
        unsigned char *part;
        if (off == 0 && h->fill == ps) {   /* hand over the whole buffer */
            part = h->buf;
            h->buf = NULL;
            h->cap = 0;
        } else if ((part = malloc(ps)) != NULL) {
            memcpy(part, h->buf + off, ps);
        } else {
            return -ENOMEM;
        }
        rc = s3_mpu_part(h->mpu, part, ps);
        off += ps;
    }
    if (h->buf != NULL && off > 0)
        memmove(h->buf, h->buf + off, h->fill - off);
    h->fill -= off;
    return rc;
}

/* Room for at least one more byte in the buffer. */
static int make_room(struct s3_block *h)
{
    const struct s3_conf *c = &dal_of_blk(h)->conf;
    if (c->sigv4 && h->len > c->mp_threshold && h->fill >= c->part_size) {
        int rc = ship_parts(h);
        if (rc < 0)
            return rc;
        if (h->buf == NULL) {    /* handed over: a fresh part buffer */
            h->cap = (size_t)c->part_size;
            return (h->buf = malloc(h->cap)) != NULL ? 0 : -ENOMEM;
        }
    }
    if (h->fill < h->cap)
        return 0;
    size_t cap = h->cap ? h->cap * 2 : 1u << 16;
    if (c->sigv4 && h->mpu != NULL && cap > c->part_size)
        cap = (size_t)c->part_size;
    unsigned char *b = realloc(h->buf, cap);
    if (b == NULL)
        return -ENOMEM;
    h->buf = b;
    h->cap = cap;
    return 0;
}

static ssize_t s3_put(dal_block_t *blk, const void *buf, size_t len)
{
    struct s3_block *h = (struct s3_block *)blk;
    const unsigned char *p = buf;
    if (!h->writing)
        return -EBADF;
    size_t left = len;
    while (h->err == 0 && left > 0) {
        if (h->fill == h->cap && (h->err = make_room(h)) < 0)
            break;
        size_t n = h->cap - h->fill < left ? h->cap - h->fill : left;
        memcpy(h->buf + h->fill, p, n);
        h->fill += n;
        h->len += n;
        p += n;
        left -= n;
    }
    return h->err < 0 ? h->err : (ssize_t)len;
}

static int s3_set_meta(dal_block_t *blk, const void *meta, size_t len)
{
    struct s3_block *h = (struct s3_block *)blk;
    char what[S3_KEY_MAX + S3_BUCKET_MAX + 64];
    if (!h->writing)
        return -EBADF;
    snprintf(what, sizeof(what), "s3 DAL: block '%s' in bucket '%s'",
             h->key, h->bucket);
    int rc = dal_meta_dup(meta, len, &h->meta, what);
    if (rc == 0) {
        h->mlen = (uint32_t)len;
        h->has_meta = 1;
    }
    return rc;
}

/* One PUT, or the last part and the completion of the upload. */
static int publish(struct s3_block *h)
{
    struct s3_dal *d = dal_of_blk(h);
    unsigned char foot[PX_FOOTER];
    struct s3_status st;
    if (h->err < 0)
        return h->err;
    px_footer_encode(foot, h->has_meta ? PX_HAS_META : 0, h->meta, h->mlen,
                     h->len);
    struct s3_body body = {{h->buf, h->meta, foot},
                           {h->fill, h->mlen, PX_FOOTER}};
    if (h->mpu != NULL) {
        struct s3_mpu *m = h->mpu;
        h->mpu = NULL;
        return s3_mpu_finish(m, &body);
    }
    return d->tp->put(&d->conf, h->bucket, h->key, &body, &st);
}

/* ---- read ------------------------------------------------------------- */

/* GET exactly [off, off+len) of the object into buf. */
static int get_exact(struct s3_block *h, uint64_t off, size_t len, void *buf)
{
    struct s3_dal *d = dal_of_blk(h);
    struct s3_status st;
    size_t got = 0;
    int rc = d->tp->get(&d->conf, h->bucket, h->key, off, len, buf, &got,
                        &st);
    if (rc == 0 && got != len) {
        LOG_ERR("s3 DAL: GET of key '%s' in bucket '%s' at %s: %zu of %zu "
                "bytes at offset %" PRIu64, h->key, h->bucket,
                d->conf.endpoint, got, len, off);
        rc = -EIO;
    }
    return rc;
}

/* HEAD the object, then read footer and meta from its end (tail bytes at
 * most, more only if the meta does not fit).  Keeps what of the data the
 * tail held as read-ahead. */
static int load_trailer(struct s3_block *h, size_t tail)
{
    struct s3_dal *d = dal_of_blk(h);
    struct s3_objinfo info;
    struct s3_status st;
    struct px_footer f;
    int rc = d->tp->head(&d->conf, h->bucket, h->key, &info, &st);
    if (rc < 0)
        return rc;
    h->mtime = info.mtime;
    if (info.size < PX_FOOTER)
        return -EBADMSG;
    if (tail > info.size)
        tail = (size_t)info.size;
    unsigned char *t = malloc(tail);
    if (t == NULL)
        return -ENOMEM;
    uint64_t toff = info.size - tail;
    rc = get_exact(h, toff, tail, t);
    const unsigned char *foot = t + tail - PX_FOOTER;
    if (rc == 0 && (px_footer_decode(foot, &f) < 0 ||
                    f.meta_len > DAL_META_MAX ||
                    f.data_len + f.meta_len + PX_FOOTER != info.size))
        rc = -EBADMSG;
    if (rc == 0) {
        h->len = f.data_len;
        h->mlen = f.meta_len;
        h->has_meta = (f.flags & PX_HAS_META) != 0;
        h->meta = malloc(f.meta_len ? f.meta_len : 1);
        if (h->meta == NULL)
            rc = -ENOMEM;
    }
    if (rc == 0 && f.meta_len + PX_FOOTER <= tail)
        memcpy(h->meta, foot - f.meta_len, f.meta_len);
    else if (rc == 0)
        rc = get_exact(h, f.data_len, f.meta_len, h->meta);
    if (rc == 0 && !px_meta_ok(foot, h->meta, f.meta_len))
        rc = -EBADMSG;
    if (rc == 0 && toff < f.data_len) {   /* data in the tail: keep it */
        h->ra_len = (size_t)(f.data_len - toff);
        h->ra = t;
        h->ra_cap = tail;
        h->ra_off = toff;
        t = NULL;
    }
    free(t);
    return rc;
}

static int open_block(struct s3_dal *d, const struct dal_loc *loc,
                      const char *obj, size_t tail, struct s3_block **out)
{
    struct s3_block *h;
    int rc = new_block(d, loc, obj, 0, &h);
    if (rc < 0)
        return rc;
    rc = load_trailer(h, tail);
    if (rc == -EBADMSG)
        LOG_ERR("s3 DAL: key '%s' in bucket '%s' at %s has no valid block "
                "trailer (S3 block format version %d): corrupt or not a "
                "block", h->key, h->bucket, d->conf.endpoint,
                PX_FORMAT_VERSION);
    if (rc < 0) {
        free_block(h);
        return rc;
    }
    *out = h;
    return 0;
}

static int s3_open_read(dal_t *dal, const struct dal_loc *loc,
                        const char *obj, dal_block_t **out)
{
    struct s3_block *h;
    int rc = open_block(dal_of(dal), loc, obj, TAIL_MAX, &h);
    if (rc == 0)
        *out = &h->base;
    return rc;
}

/* Fill the read-ahead buffer with block bytes from off. */
static int read_ahead(struct s3_block *h, uint64_t off)
{
    size_t want = (size_t)dal_of_blk(h)->conf.read_size;
    if (want > h->len - off)
        want = (size_t)(h->len - off);
    if (h->ra_cap < want) {
        free(h->ra);
        h->ra_len = h->ra_cap = 0;
        if ((h->ra = malloc(want)) == NULL)
            return -ENOMEM;
        h->ra_cap = want;
    }
    h->ra_len = 0;
    int rc = get_exact(h, off, want, h->ra);
    if (rc == 0) {
        h->ra_off = off;
        h->ra_len = want;
    }
    return rc;
}

static ssize_t s3_get(dal_block_t *blk, void *buf, size_t len, uint64_t off)
{
    struct s3_block *h = (struct s3_block *)blk;
    if (h->writing)
        return -EBADF;
    if (off >= h->len)
        return 0;
    if (len > h->len - off)
        len = (size_t)(h->len - off);
    int inside = h->ra_len > 0 && off >= h->ra_off &&
                 off < h->ra_off + h->ra_len;
    if (!inside && len >= dal_of_blk(h)->conf.read_size) {
        int rc = get_exact(h, off, len, buf);
        return rc < 0 ? rc : (ssize_t)len;
    }
    if (!inside) {
        int rc = read_ahead(h, off);
        if (rc < 0)
            return rc;
    }
    size_t n = (size_t)(h->ra_off + h->ra_len - off);
    if (n > len)
        n = len;
    memcpy(buf, h->ra + (off - h->ra_off), n);
    return (ssize_t)n;
}

static ssize_t s3_get_meta(dal_block_t *blk, void *buf, size_t len)
{
    struct s3_block *h = (struct s3_block *)blk;
    return dal_meta_copy(buf, len, h->meta, h->mlen, h->has_meta);
}

/* ---- close / abort ---------------------------------------------------- */

static int s3_close(dal_block_t *blk)
{
    struct s3_block *h = (struct s3_block *)blk;
    int rc = h->writing ? publish(h) : 0;
    if (h->mpu != NULL)
        s3_mpu_abort(h->mpu);
    free_block(h);
    return rc;
}

static int s3_abort(dal_block_t *blk)
{
    struct s3_block *h = (struct s3_block *)blk;
    int rc = 0;
    if (h->writing && h->mpu != NULL)
        rc = s3_mpu_abort(h->mpu);
    free_block(h);
    return rc;
}

/* ---- stat / del / list ------------------------------------------------ */

static int s3_stat(dal_t *dal, const struct dal_loc *loc, const char *obj,
                   struct dal_stat *st)
{
    struct s3_block *h;
    int rc = open_block(dal_of(dal), loc, obj, TAIL_MAX, &h);
    if (rc == 0) {
        st->size = h->len;
        st->mtime = h->mtime;
        free_block(h);
    }
    return rc;
}

/* DELETE succeeds on a missing key in S3; HEAD first so that a missing
 * block is -ENOENT as the interface says. */
static int s3_del(dal_t *dal, const struct dal_loc *loc, const char *obj)
{
    struct s3_dal *d = dal_of(dal);
    struct s3_block *h;
    struct s3_objinfo info;
    struct s3_status st;
    int rc = new_block(d, loc, obj, 0, &h);
    if (rc < 0)
        return rc;
    rc = d->tp->head(&d->conf, h->bucket, h->key, &info, &st);
    if (rc == 0)
        rc = d->tp->del(&d->conf, h->bucket, h->key, &st);
    free_block(h);
    return rc;
}

struct block_lister {
    struct s3_lister base;
    size_t plen;                 /* length of the key prefix */
    int (*cb)(const char *obj, void *arg);
    void *arg;
};

static int list_key(struct s3_lister *l, const char *key)
{
    struct block_lister *bl = (struct block_lister *)l;
    char obj[S3_KEY_MAX + 1];
    if (strlen(key) <= bl->plen ||
        px_unescape(key + bl->plen, obj, sizeof(obj)) < 0 ||
        key[bl->plen] == '.')
        return 0;    /* not a block key */
    return bl->cb(obj, bl->arg);
}

static int s3_list(dal_t *dal, const struct dal_loc *loc,
                   int (*cb)(const char *obj, void *arg), void *arg)
{
    struct s3_dal *d = dal_of(dal);
    char bucket[S3_BUCKET_MAX + 1], prefix[S3_KEY_MAX + 1];
    struct s3_status st;
    int rc = dal_loc_check(&d->geom, "s3", loc, NULL);
    if (rc == 0 && (rc = s3_bucket_of(&d->conf, loc, bucket)) == 0)
        rc = s3_key_of(&d->conf, loc, NULL, prefix);
    if (rc < 0)
        return rc;
    struct block_lister bl = {{list_key}, strlen(prefix), cb, arg};
    return d->tp->list(&d->conf, bucket, prefix, &bl.base, &st);
}

/* ---- verify ----------------------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The distinct bucket names of every location, sorted; count in *n. */
static int all_buckets(struct s3_dal *d, char (**out)[S3_BUCKET_MAX + 1],
                       size_t *n)
{
    const struct dal_geom *g = &d->geom;
    uint64_t total = (uint64_t)g->pods * g->blocks * g->caps * g->scatters;
    char (*names)[S3_BUCKET_MAX + 1] = malloc((size_t)total *
                                              sizeof(*names));
    if (names == NULL)
        return -ENOMEM;
    for (uint64_t i = 0; i < total; i++) {
        struct dal_loc loc = {
            .scatter = (unsigned)(i % g->scatters),
            .cap = (unsigned)(i / g->scatters % g->caps),
            .block = (unsigned)(i / g->scatters / g->caps % g->blocks),
            .pod = (unsigned)(i / g->scatters / g->caps / g->blocks),
        };
        int rc = s3_bucket_of(&d->conf, &loc, names[i]);
        if (rc < 0) {
            free(names);
            return rc;
        }
    }
    qsort(names, (size_t)total, sizeof(*names), cmp_name);
    size_t u = 0;
    for (size_t i = 0; i < (size_t)total; i++)
        if (u == 0 || strcmp(names[u - 1], names[i]) != 0)
            memmove(names[u++], names[i], sizeof(*names));
    *out = names;
    *n = u;
    return 0;
}

/* Writable: put and delete a probe object (a key list() never reports:
 * escaped names never start with '.'). */
static int probe(struct s3_dal *d, const char *bucket)
{
    char key[64];
    uint64_t r = dal_now_ns();
    struct s3_status st;
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) < 0)
        r ^= (uint64_t)(uintptr_t)&r;
    snprintf(key, sizeof(key), ".marfs-verify-%016" PRIx64, r);
    static const unsigned char text[] = "marfs verify probe\n";
    struct s3_body body = {{text}, {sizeof(text) - 1}};
    int rc = d->tp->put(&d->conf, bucket, key, &body, &st);
    if (rc == 0)
        rc = d->tp->del(&d->conf, bucket, key, &st);
    return rc;
}

static int s3_verify(dal_t *dal, int fix)
{
    struct s3_dal *d = dal_of(dal);
    char (*names)[S3_BUCKET_MAX + 1];
    size_t n, bad = 0;
    struct s3_status st;
    int rc = all_buckets(d, &names, &n), first = 0;
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        rc = d->tp->bucket(&d->conf, names[i], fix, &st);
        if (rc == -ENOENT && bad < 10)
            LOG_ERR("s3 DAL: bucket '%s' does not exist at %s%s", names[i],
                    d->conf.endpoint, fix ? "" : " (--fix creates it)");
        if (rc == 0)
            rc = probe(d, names[i]);
        if (rc < 0) {
            bad++;
            first = first ? first : rc;
            if (rc != -ENOENT)   /* the service itself fails: stop here */
                break;
        }
    }
    if (bad > 10)
        LOG_ERR("s3 DAL: %zu of %zu buckets at %s are unusable", bad, n,
                d->conf.endpoint);
    free(names);
    return first;
}

static const struct dal_ops s3_ops = {
    .verify = s3_verify,
    .open_write = s3_open_write,
    .open_read = s3_open_read,
    .put = s3_put,
    .get = s3_get,
    .set_meta = s3_set_meta,
    .get_meta = s3_get_meta,
    .close = s3_close,
    .abort = s3_abort,
    .stat = s3_stat,
    .del = s3_del,
    .list = s3_list,
    .destroy = s3_destroy,
};

const struct dal_backend dal_backend_s3 = {
    .type = "s3",
    .wrapper = 0,
    .params = s3_params,
    .check = s3_check,
    .create = s3_create,
};
