/*
 * ne_write.c - streaming writes of one erasure-coded object.
 *
 * Owns: cutting the caller's byte stream into stripes, encoding parity,
 * sending each part (data + CRC) to its block through the worker pool,
 * the write quorum, and publishing (or discarding) the blocks at close.
 *
 * Memory is bounded by two stripes: whole stripes are encoded straight
 * from the caller's buffer (no copy); only a partial stripe is staged.
 * The object's size is known only at close, so the staged partial stripe
 * waits until then and becomes the short last stripe: its parts are cut
 * at the tail length (ne_tail_len), not at PSZ, so a small object costs
 * about its own size on disk instead of N+E whole parts.
 * Encoding of stripe s+1 overlaps the block I/O of stripe s, so a handle
 * keeps one batch in flight and two sets of parity buffers.  Closing
 * comes in two halves (ne_close_start / ne_close_wait) so a stream can
 * write its next object while this one's blocks are being published.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ne_internal.h"

struct ne_wblk {
    dal_block_t *blk;
    int err;            /* first failure: the block is dropped */
    uint32_t crcsum;
};

struct ne_wjob {
    struct ne_job job;
    struct ne_write *h;
    unsigned b;
    const uint8_t *ptr;     /* the unit's data (len bytes) */
    size_t len;             /* PSZ, or the tail length for the last */
    uint64_t stripe;
};

struct ne_write {
    ne_ctx_t *ctx;
    char *obj;
    unsigned n, e, nb, rot;
    size_t psz, sbytes;
    uint64_t wid, wtime, bytes, stripes;
    int err;
    int inflight, inflight_caller;  /* batch out; it uses caller memory */
    int close_rc;                   /* set by ne_close_start */
    uint8_t *stage[2];
    size_t fill;
    int sidx;
    uint8_t *parity;                /* 2 sets of e parts */
    int pidx;
    struct ne_batch batch;
    struct ne_wblk *blk;
    struct ne_wjob *jobs;
    struct ne_job **jobp;
};

static void block_failed(struct ne_write *h, unsigned b, int rc,
                         const char *what)
{
    struct ne_wblk *wb = &h->blk[b];
    LOG_ERR("object %s block %u: %s failed: %s", h->obj, b, what,
            strerror(-rc));
    if (wb->blk != NULL)
        wb->blk->dal->ops->abort(wb->blk);
    wb->blk = NULL;
    wb->err = rc;
}

static int open_block(struct ne_write *h, unsigned b)
{
    struct dal_loc loc;
    ne_block_loc(h->ctx, h->obj, b, &loc);
    dal_t *dal = h->ctx->dal;
    return dal->ops->open_write(dal, &loc, h->obj, &h->blk[b].blk);
}

/* A block still being written, opened on first use: 0, or -1 if it has
 * failed (now or before) and the job has nothing to do. */
static int usable_block(struct ne_write *h, unsigned b)
{
    struct ne_wblk *wb = &h->blk[b];
    if (wb->err != 0)
        return -1;
    int rc = wb->blk == NULL ? open_block(h, b) : 0;
    if (rc < 0) {
        block_failed(h, b, rc, "open for writing");
        return -1;
    }
    return 0;
}

/* Worker: append one unit (data, then its CRC) to one block. */
static void wjob_put(struct ne_job *job)
{
    struct ne_wjob *w = (struct ne_wjob *)job;
    struct ne_write *h = w->h;
    struct ne_wblk *wb = &h->blk[w->b];
    if (usable_block(h, w->b) < 0)
        return;
    uint32_t crc = ne_unit_crc(h->wid, w->stripe, w->b, w->ptr, w->len);
    uint8_t le[NE_CRC_LEN];
    ne_put_le32(le, crc);
    int rc = ne_put_full(wb->blk, w->ptr, w->len);
    if (rc == 0)
        rc = ne_put_full(wb->blk, le, sizeof(le));
    if (rc < 0)
        block_failed(h, w->b, rc, "write");
    else
        wb->crcsum = ne_crcsum_add(wb->crcsum, crc);
}

static void fill_meta(const struct ne_write *h, unsigned b, struct ne_meta *m)
{
    m->version = NE_FORMAT_VERSION;
    m->n = h->n;
    m->e = h->e;
    m->block = b;
    m->rot = h->rot;
    m->psz = h->psz;
    m->lastlen = ne_tail_len(h->bytes, h->n, h->psz);
    m->blksize = ne_block_bytes(h->bytes, h->n, h->psz);
    m->objsize = h->bytes;
    m->wid = h->wid;
    m->wtime = h->wtime;
    m->crcsum = h->blk[b].crcsum;
}

/* Worker: store the meta info and publish the block. */
static void wjob_close(struct ne_job *job)
{
    struct ne_wjob *w = (struct ne_wjob *)job;
    struct ne_write *h = w->h;
    struct ne_wblk *wb = &h->blk[w->b];
    if (usable_block(h, w->b) < 0)
        return;
    struct ne_meta m;
    uint8_t raw[NE_META_LEN];
    fill_meta(h, w->b, &m);
    ne_meta_encode(&m, raw);
    int rc = wb->blk->dal->ops->set_meta(wb->blk, raw, sizeof(raw));
    if (rc < 0) {
        block_failed(h, w->b, rc, "storing meta info");
        return;
    }
    dal_block_t *blk = wb->blk;
    wb->blk = NULL;     /* close frees the handle whatever happens */
    rc = blk->dal->ops->close(blk);
    if (rc < 0)
        block_failed(h, w->b, rc, "publishing");
}

static unsigned blocks_ok(const struct ne_write *h)
{
    unsigned ok = 0;
    for (unsigned b = 0; b < h->nb; b++)
        ok += h->blk[b].err == 0;
    return ok;
}

static void wait_inflight(struct ne_write *h)
{
    if (!h->inflight)
        return;
    ne_batch_wait(h->ctx->pool, &h->batch);
    h->inflight = h->inflight_caller = 0;
    unsigned ok = blocks_ok(h);
    if (ok < h->ctx->quorum && h->err == 0) {
        LOG_ERR("object %s: only %u of %u blocks can still be written "
                "(write quorum %u); the write fails", h->obj, ok, h->nb,
                h->ctx->quorum);
        h->err = -EIO;
    }
}

static void submit(struct ne_write *h, void (*fn)(struct ne_job *),
                   uint8_t *const *data, uint8_t *const *par, size_t len)
{
    for (unsigned b = 0; b < h->nb; b++) {
        unsigned p = (b + h->nb - h->rot) % h->nb;
        struct ne_wjob *w = &h->jobs[b];
        w->job.fn = fn;
        w->h = h;
        w->b = b;
        w->stripe = h->stripes;
        w->len = len;
        w->ptr = data == NULL ? NULL : p < h->n ? data[p] : par[p - h->n];
        h->jobp[b] = &w->job;
    }
    ne_batch_submit(h->ctx->pool, &h->batch, h->jobp, h->nb);
    h->inflight = 1;
}

/* Encode one stripe of parts of len bytes (while the previous one is
 * still being written), then hand its parts to the blocks. */
static int submit_stripe(struct ne_write *h, uint8_t *const *data,
                         size_t len, int caller_mem)
{
    uint8_t *par[NE_MAX_BLOCKS];
    for (unsigned i = 0; i < h->e; i++)
        par[i] = h->parity + ((size_t)h->pidx * h->e + i) * h->psz;
    ne_codec_encode(&h->ctx->codec, len, data, par);
    wait_inflight(h);
    if (h->err != 0)
        return h->err;
    submit(h, wjob_put, data, par, len);
    h->inflight_caller = caller_mem;
    h->stripes++;
    h->pidx ^= 1;
    return 0;
}

static void stripe_ptrs(const struct ne_write *h, const uint8_t *base,
                        size_t len, uint8_t **data)
{
    for (unsigned i = 0; i < h->n; i++)
        data[i] = (uint8_t *)base + (size_t)i * len;
}

/* Copy into the stage; submit it once it holds a whole stripe. */
static int stage_bytes(struct ne_write *h, const uint8_t *p, size_t len)
{
    uint8_t **st = &h->stage[h->sidx];
    if (*st == NULL && (*st = ne_buf_get(h->ctx, h->sbytes)) == NULL)
        return -ENOMEM;
    memcpy(*st + h->fill, p, len);
    h->fill += len;
    if (h->fill < h->sbytes)
        return 0;
    uint8_t *data[NE_MAX_BLOCKS];
    stripe_ptrs(h, *st, h->psz, data);
    h->fill = 0;
    h->sidx ^= 1;
    return submit_stripe(h, data, h->psz, 0);
}

ssize_t ne_write(ne_write_t *h, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    size_t left = len;
    int rc = h->err;
    while (rc == 0 && left > 0) {
        size_t chunk = h->sbytes;
        if (h->fill == 0 && left >= h->sbytes) {
            uint8_t *data[NE_MAX_BLOCKS];
            stripe_ptrs(h, p, h->psz, data);
            rc = submit_stripe(h, data, h->psz, 1);
        } else {
            chunk = h->sbytes - h->fill < left ? h->sbytes - h->fill : left;
            rc = stage_bytes(h, p, chunk);
        }
        p += chunk;
        left -= chunk;
        h->bytes += chunk;
    }
    if (h->inflight_caller)
        wait_inflight(h);   /* the caller may reuse buf after we return */
    if (rc == 0)
        rc = h->err;
    return rc < 0 ? rc : (ssize_t)len;
}

/* The partial last stripe, now that the object's size is known: cut
 * the staged bytes into n parts of the tail length and zero only the
 * few bytes between the object's end and the end of the last part. */
static int flush_tail(struct ne_write *h)
{
    if (h->fill == 0)
        return 0;
    size_t len = ne_tail_len(h->bytes, h->n, h->psz);
    uint8_t *st = h->stage[h->sidx], *data[NE_MAX_BLOCKS];
    memset(st + h->fill, 0, h->n * len - h->fill);
    stripe_ptrs(h, st, len, data);
    h->fill = 0;
    h->sidx ^= 1;
    return submit_stripe(h, data, len, 0);
}

/* The stripe buffers, back to the context's cache (also while the
 * blocks are still being published: publication needs none of them). */
static void release_buffers(struct ne_write *h)
{
    ne_ctx_t *ctx = h->ctx;
    for (int i = 0; i < 2; i++) {
        ne_buf_put(ctx, h->stage[i], h->sbytes);
        h->stage[i] = NULL;
    }
    ne_buf_put(ctx, h->parity, 2 * h->e * h->psz);
    h->parity = NULL;
}

static void handle_free(struct ne_write *h)
{
    release_buffers(h);
    ne_batch_fini(&h->batch);
    free(h->blk);
    free(h->jobs);
    free(h->jobp);
    free(h->obj);
    free(h);
}

static void new_write_id(struct ne_write *h)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    h->wtime = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    if (getrandom(&h->wid, sizeof(h->wid), 0) != sizeof(h->wid))
        h->wid = h->wtime ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)h;
}

int ne_open_write(ne_ctx_t *ctx, const char *obj, ne_write_t **out)
{
    if (obj == NULL || *obj == '\0')
        return -EINVAL;
    struct ne_write *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return -ENOMEM;
    h->ctx = ctx;
    h->n = ctx->n;
    h->e = ctx->e;
    h->nb = ctx->nb;
    h->psz = ctx->psz;
    h->sbytes = (size_t)h->n * h->psz;
    h->rot = ne_rotation_of(obj, h->nb);
    ne_batch_init(&h->batch);
    new_write_id(h);
    h->obj = ne_strdup(obj);
    h->blk = calloc(h->nb, sizeof(*h->blk));
    h->jobs = calloc(h->nb, sizeof(*h->jobs));
    h->jobp = calloc(h->nb, sizeof(*h->jobp));
    if (h->e > 0)
        h->parity = ne_buf_get(ctx, 2 * h->e * h->psz);
    if (h->obj == NULL || h->blk == NULL || h->jobs == NULL ||
        h->jobp == NULL || (h->e > 0 && h->parity == NULL)) {
        handle_free(h);
        return -ENOMEM;
    }
    *out = h;
    return 0;
}

static void abort_blocks(struct ne_write *h)
{
    for (unsigned b = 0; b < h->nb; b++) {
        if (h->blk[b].blk != NULL)
            h->blk[b].blk->dal->ops->abort(h->blk[b].blk);
        h->blk[b].blk = NULL;
    }
}

void ne_abort(ne_write_t *h)
{
    if (h == NULL)
        return;
    wait_inflight(h);
    abort_blocks(h);
    handle_free(h);
}

/* Delete published blocks (failed write) or stale ones (failed blocks of
 * a good write: an older version must not linger there). */
static void delete_blocks(struct ne_write *h, int published)
{
    dal_t *dal = h->ctx->dal;
    for (unsigned b = 0; b < h->nb; b++) {
        if ((h->blk[b].err == 0) != published)
            continue;
        struct dal_loc loc;
        ne_block_loc(h->ctx, h->obj, b, &loc);
        int rc = dal->ops->del(dal, &loc, h->obj);
        if (rc < 0 && rc != -ENOENT && published)
            LOG_ERR("object %s block %u: cannot remove the published block "
                    "of a failed write: %s", h->obj, b, strerror(-rc));
    }
}

static void fill_status(const struct ne_write *h, struct ne_health *st)
{
    memset(st, 0, sizeof(*st));
    st->n = h->n;
    st->e = h->e;
    st->nblocks = h->nb;
    st->rotation = h->rot;
    st->size = h->bytes;
    for (unsigned b = 0; b < h->nb; b++) {
        st->err[b] = h->blk[b].err;
        st->state[b] = h->blk[b].err ? NE_BLK_IOERR : NE_BLK_OK;
        st->nbad += h->blk[b].err != 0;
    }
}

/* The blocks' publication is over: apply the quorum. */
static int settle_publish(struct ne_write *h)
{
    unsigned ok = blocks_ok(h);
    if (ok >= h->ctx->quorum) {
        if (ok < h->nb)
            delete_blocks(h, 0);
        return 0;
    }
    LOG_ERR("object %s: only %u of %u blocks were published (write quorum "
            "%u); the object is discarded", h->obj, ok, h->nb,
            h->ctx->quorum);
    delete_blocks(h, 1);
    return -EIO;
}

void ne_close_start(ne_write_t *h)
{
    int rc = h->err;
    if (rc == 0)
        rc = flush_tail(h);
    wait_inflight(h);
    if (rc == 0)
        rc = h->err;
    release_buffers(h);
    h->close_rc = rc;
    if (rc == 0)    /* every block still good stores its meta, publishes */
        submit(h, wjob_close, NULL, NULL, 0);
    else
        abort_blocks(h);
}

int ne_close_ready(ne_write_t *h)
{
    return !h->inflight || !ne_batch_busy(&h->batch);
}

int ne_close_wait(ne_write_t *h, struct ne_health *status)
{
    int rc = h->close_rc;
    if (h->inflight) {
        ne_batch_wait(h->ctx->pool, &h->batch);
        h->inflight = 0;
        rc = settle_publish(h);
    }
    if (status != NULL)
        fill_status(h, status);
    handle_free(h);
    return rc;
}

int ne_close_write(ne_write_t *h, struct ne_health *status)
{
    ne_close_start(h);
    return ne_close_wait(h, status);
}
