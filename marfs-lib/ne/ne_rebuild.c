/*
 * ne_rebuild.c - regenerating the damaged blocks of an object.
 *
 * Owns: ne_rebuild.  A full scan first finds every damaged block (a
 * block found bad half-way would otherwise be half rewritten); each one
 * is then rewritten from the surviving units, stripe by stripe, through
 * the DAL's open_write/close, which replaces the old block atomically
 * (a crash leaves the old block, never a partial one).  Reading uses
 * every good unit, even of blocks being replaced, so damage spread over
 * all blocks (at most E per stripe) is repaired too.  The new blocks
 * carry the consensus meta of the object, so they join the same write.
 * A final verify proves the result.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ne_internal.h"

struct rb_blk {
    unsigned b;
    dal_block_t *blk;
    int err;
    uint32_t crcsum;
};

struct rb_job {
    struct ne_job job;
    const ne_read_t *h;
    struct rb_blk *wb;
    const uint8_t *ptr;
    size_t len;             /* PSZ, or the tail length for the last */
    uint64_t stripe;
};

struct rebuild {
    ne_read_t *h;
    unsigned nw;                    /* blocks being rewritten */
    struct rb_blk wb[NE_MAX_BLOCKS];
    struct rb_job jobs[NE_MAX_BLOCKS];
    struct ne_batch batch;
    uint8_t *stage;                 /* n data parts, then e parity */
};

static void rb_failed(const ne_read_t *h, struct rb_blk *wb, int rc,
                      const char *what)
{
    LOG_ERR("object %s block %u: rebuild %s failed: %s", h->obj, wb->b,
            what, strerror(-rc));
    if (wb->blk != NULL)
        wb->blk->dal->ops->abort(wb->blk);
    wb->blk = NULL;
    wb->err = rc;
}

static void rbjob_put(struct ne_job *job)
{
    struct rb_job *j = (struct rb_job *)job;
    const ne_read_t *h = j->h;
    if (j->wb->err != 0)
        return;
    uint32_t crc = ne_unit_crc(h->m.wid, j->stripe, j->wb->b, j->ptr, j->len);
    uint8_t le[NE_CRC_LEN];
    ne_put_le32(le, crc);
    int rc = ne_put_full(j->wb->blk, j->ptr, j->len);
    if (rc == 0)
        rc = ne_put_full(j->wb->blk, le, sizeof(le));
    if (rc < 0)
        rb_failed(h, j->wb, rc, "write");
    else
        j->wb->crcsum = ne_crcsum_add(j->wb->crcsum, crc);
}

/* Open a replacement for every damaged block.  The damaged blocks stay
 * open for reading: a block with one bad unit still has good ones, and
 * when every block has some damage (at most E per stripe) they are all
 * needed.  Replacements become visible only at publish. */
static void open_writers(struct rebuild *r)
{
    ne_read_t *h = r->h;
    dal_t *dal = h->ctx->dal;
    for (unsigned b = 0; b < h->nb; b++) {
        if (h->health.state[b] == NE_BLK_OK)
            continue;
        struct rb_blk *wb = &r->wb[r->nw++];
        wb->b = b;
        struct dal_loc loc;
        ne_block_loc(h->ctx, h->obj, b, &loc);
        int rc = dal->ops->open_write(dal, &loc, h->obj, &wb->blk);
        if (rc < 0) {
            wb->blk = NULL;
            rb_failed(h, wb, rc, "open");
        }
    }
}

/* Recover the data of stripe s (padding included: it is part of the
 * stored units), re-encode its parity, write the parts of the blocks
 * being rebuilt. */
static int rebuild_stripe(struct rebuild *r, uint64_t s)
{
    ne_read_t *h = r->h;
    size_t plen = ne_stripe_plen(h, s);
    int rc = ne_read_stripe(h, s, 0, h->n * plen, r->stage);
    if (rc < 0)
        return rc;
    uint8_t *data[NE_MAX_BLOCKS], *par[NE_MAX_BLOCKS];
    for (unsigned i = 0; i < h->n; i++)
        data[i] = r->stage + (size_t)i * plen;
    for (unsigned i = 0; i < h->e; i++)
        par[i] = r->stage + (size_t)(h->n + i) * plen;
    ne_codec_encode(h->codec, plen, data, par);
    struct ne_job *jp[NE_MAX_BLOCKS];
    for (unsigned k = 0; k < r->nw; k++) {
        unsigned p = (r->wb[k].b + h->nb - h->rot) % h->nb;
        struct rb_job *j = &r->jobs[k];
        j->job.fn = rbjob_put;
        j->h = h;
        j->wb = &r->wb[k];
        j->ptr = p < h->n ? data[p] : par[p - h->n];
        j->len = plen;
        j->stripe = s;
        jp[k] = &j->job;
    }
    ne_batch_submit(h->ctx->pool, &r->batch, jp, r->nw);
    ne_batch_wait(h->ctx->pool, &r->batch);
    return 0;
}

/* Publish each rebuilt block with the object's meta info. */
static void publish(struct rebuild *r)
{
    const ne_read_t *h = r->h;
    for (unsigned k = 0; k < r->nw; k++) {
        struct rb_blk *wb = &r->wb[k];
        if (wb->err != 0)
            continue;
        struct ne_meta m = h->m;
        uint8_t raw[NE_META_LEN];
        m.block = wb->b;
        m.crcsum = wb->crcsum;
        ne_meta_encode(&m, raw);
        int rc = wb->blk->dal->ops->set_meta(wb->blk, raw, sizeof(raw));
        if (rc < 0) {
            rb_failed(h, wb, rc, "storing meta info");
            continue;
        }
        rc = wb->blk->dal->ops->close(wb->blk);
        wb->blk = NULL;
        if (rc < 0)
            rb_failed(h, wb, rc, "publishing");
        else
            LOG_INFO("object %s block %u: rebuilt", h->obj, wb->b);
    }
}

static void abort_writers(struct rebuild *r)
{
    for (unsigned k = 0; k < r->nw; k++)
        if (r->wb[k].blk != NULL)
            r->wb[k].blk->dal->ops->abort(r->wb[k].blk);
}

static void close_readers(ne_read_t *h)
{
    for (unsigned b = 0; b < h->nb; b++) {
        if (h->blk[b].blk != NULL)
            h->blk[b].blk->dal->ops->close(h->blk[b].blk);
        h->blk[b].blk = NULL;
        h->blk[b].usable = 0;
    }
}

static int rewrite(struct rebuild *r)
{
    ne_read_t *h = r->h;
    size_t len = (size_t)(h->n + h->e) * h->psz;
    r->stage = ne_buf_get(h->ctx, len);
    if (r->stage == NULL)
        return -ENOMEM;
    ne_batch_init(&r->batch);
    open_writers(r);
    int rc = 0;
    for (uint64_t s = 0; rc == 0 && s < h->nstripes; s++)
        rc = rebuild_stripe(r, s);
    close_readers(h);   /* done reading before anything is replaced */
    if (rc == 0)
        publish(r);
    else
        abort_writers(r);
    ne_batch_fini(&r->batch);
    ne_buf_put(h->ctx, r->stage, len);
    return rc;
}

int ne_rebuild(ne_ctx_t *ctx, const char *obj, struct ne_health *report)
{
    struct rebuild *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    int rc = ne_verify_open(ctx, obj, &r->h);
    if (report != NULL) {
        if (r->h != NULL)
            *report = r->h->health;
        else
            memset(report, 0, sizeof(*report));
    }
    unsigned nbad = r->h != NULL ? r->h->health.nbad : 0;
    if (rc == 0 && nbad > 0)
        rc = rewrite(r);
    ne_read_free(r->h);
    free(r);
    if (rc < 0 || nbad == 0)
        return rc;
    struct ne_health after;
    rc = ne_verify(ctx, obj, &after);
    if (rc == 0 && after.nbad > 0) {
        LOG_ERR("object %s: %u blocks still damaged after the rebuild", obj,
                after.nbad);
        rc = -EIO;
    }
    return rc;
}
