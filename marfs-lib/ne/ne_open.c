/*
 * ne_open.c - opening an object for reading: which blocks can be trusted.
 *
 * Owns: opening every block and reading its meta info in parallel,
 * choosing the consensus meta (the largest group of blocks describing
 * the same write; ties go to the newest write), classifying each block
 * (ok, missing, meta mismatch, wrong size, I/O error) and freeing a read
 * handle.  A block whose meta disagrees is never read: it may be a stale
 * block of an older write of the same name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ne_internal.h"

#define NE_BUF_PAD 64   /* room for the CRC after a part; keeps alignment */

/* Fetch and decode block b's meta info: 0, the DAL's error, -EBADMSG
 * (invalid or misplaced), or -EPROTONOSUPPORT (another format version,
 * kept in rb->badver so the reader can say why it refuses the block). */
static int read_meta(struct ne_rblk *rb, unsigned b)
{
    uint8_t raw[NE_META_LEN + 1];
    ssize_t len = rb->blk->dal->ops->get_meta(rb->blk, raw, sizeof(raw));
    if (len < 0 && len != -ENODATA)
        return (int)len;
    if (len != NE_META_LEN)
        return -EBADMSG;
    int rc = ne_meta_decode(raw, NE_META_LEN, &rb->meta);
    if (rc == -EPROTONOSUPPORT) {
        rb->badver = rb->meta.version;
        return rc;
    }
    if (rc < 0 || rb->meta.block != b)
        return -EBADMSG;
    rb->have_meta = 1;
    return 0;
}

/* Worker: open one block, fetch and decode its meta, maybe stat it. */
static void rjob_open(struct ne_job *job)
{
    struct ne_rjob *r = (struct ne_rjob *)job;
    struct ne_read *h = r->h;
    struct ne_rblk *rb = &h->blk[r->b];
    dal_t *dal = h->ctx->dal;
    struct dal_loc loc;
    ne_block_loc(h->ctx, h->obj, r->b, &loc);
    r->rc = dal->ops->open_read(dal, &loc, h->obj, &rb->blk);
    if (r->rc < 0) {
        rb->blk = NULL;
        return;
    }
    r->rc = read_meta(rb, r->b);
    rb->stsize = -1;
    struct dal_stat st;
    if ((h->oflags & NE_OPEN_STAT) && dal->ops->stat(dal, &loc, h->obj,
                                                     &st) == 0)
        rb->stsize = (int64_t)st.size;
}

static void close_blocks(struct ne_read *h)
{
    for (unsigned b = 0; b < h->nb; b++) {
        if (h->blk[b].blk != NULL)
            h->blk[b].blk->dal->ops->close(h->blk[b].blk);
        h->blk[b].blk = NULL;
    }
}

static int alloc_blocks(struct ne_read *h, unsigned nb)
{
    free(h->blk);
    free(h->jobs);
    h->nb = nb;
    h->blk = calloc(nb, sizeof(*h->blk));
    h->jobs = calloc(nb, sizeof(*h->jobs));
    return h->blk && h->jobs ? 0 : -ENOMEM;
}

/* Open all nb blocks in parallel; per-block errors land in jobs[b].rc. */
static int open_blocks(struct ne_read *h, unsigned nb)
{
    int rc = alloc_blocks(h, nb);
    if (rc < 0)
        return rc;
    struct ne_job *jp[NE_MAX_BLOCKS];
    for (unsigned b = 0; b < nb; b++) {
        h->jobs[b].job.fn = rjob_open;
        h->jobs[b].h = h;
        h->jobs[b].b = b;
        jp[b] = &h->jobs[b].job;
    }
    ne_batch_submit(h->ctx->pool, &h->batch, jp, nb);
    ne_batch_wait(h->ctx->pool, &h->batch);
    return 0;
}

static int newer(const struct ne_meta *a, const struct ne_meta *b)
{
    return a->wtime != b->wtime ? a->wtime > b->wtime : a->wid > b->wid;
}

/* Index of a block holding the consensus meta, or -1 if no block has
 * valid meta; *votes gets the size of its group. */
static int consensus(const struct ne_read *h, unsigned *votes)
{
    int best = -1;
    unsigned bestv = 0;
    for (unsigned b = 0; b < h->nb; b++) {
        if (!h->blk[b].have_meta)
            continue;
        unsigned v = 0;
        for (unsigned o = 0; o < h->nb; o++)
            v += h->blk[o].have_meta &&
                 ne_meta_same_object(&h->blk[b].meta, &h->blk[o].meta);
        if (best < 0 || v > bestv ||
            (v == bestv && newer(&h->blk[b].meta, &h->blk[best].meta))) {
            best = (int)b;
            bestv = v;
        }
    }
    *votes = bestv;
    return best;
}

void ne_mark_bad(ne_read_t *h, unsigned b, unsigned state, int err)
{
    struct ne_health *hl = &h->health;
    if (hl->state[b] != NE_BLK_OK)
        return;
    hl->state[b] = (uint8_t)state;
    hl->err[b] = err;
    hl->nbad++;
}

/* Fill the health and the usable flags from the open results. */
static void classify(struct ne_read *h, int have_consensus)
{
    memset(&h->health, 0, sizeof(h->health));
    h->health.n = h->n;
    h->health.e = h->e;
    h->health.nblocks = h->nb;
    h->health.rotation = h->rot;
    h->health.size = h->size;
    for (unsigned b = 0; b < h->nb; b++) {
        struct ne_rblk *rb = &h->blk[b];
        int rc = h->jobs[b].rc;
        if (rc == -ENOENT)
            ne_mark_bad(h, b, NE_BLK_MISSING, rc);
        else if (rc == -EBADMSG || rc == -EPROTONOSUPPORT)
            ne_mark_bad(h, b, NE_BLK_META, rc);
        else if (rc < 0)
            ne_mark_bad(h, b, NE_BLK_IOERR, rc);
        else if (!have_consensus || !ne_meta_same_object(&rb->meta, &h->m))
            ne_mark_bad(h, b, NE_BLK_META, -EBADMSG);
        else if (rb->stsize >= 0 && (uint64_t)rb->stsize != h->m.blksize)
            ne_mark_bad(h, b, NE_BLK_CORRUPT, -EBADMSG);
        else
            rb->usable = 1;
        if (h->health.state[b] != NE_BLK_OK && h->health.state[b] !=
            NE_BLK_MISSING)
            LOG_WARN("object %s block %u: %s (%s)", h->obj, b,
                     ne_bstate_str(h->health.state[b]),
                     strerror(-h->health.err[b]));
    }
}

/* Adopt the consensus geometry; the codec is the context's unless the
 * object was written with another N/E. */
static int adopt(struct ne_read *h, const struct ne_meta *m)
{
    h->m = *m;
    h->n = m->n;
    h->e = m->e;
    h->rot = m->rot;
    h->psz = (size_t)m->psz;
    h->size = m->objsize;
    h->nstripes = ne_stripes_of(m->objsize, m->n, m->psz);
    h->tail = (size_t)m->lastlen;
    h->bufstride = h->psz + NE_BUF_PAD;
    if (m->n == h->ctx->n && m->e == h->ctx->e) {
        h->codec = &h->ctx->codec;
        return 0;
    }
    h->codec = &h->own_codec;
    return ne_codec_init(&h->own_codec, m->n, m->e);
}

static unsigned count_missing(const struct ne_read *h)
{
    unsigned miss = 0;
    for (unsigned b = 0; b < h->nb; b++)
        miss += h->jobs[b].rc == -ENOENT;
    return miss;
}

/* An unreadable object written in another block format gets one clear
 * error instead of only "meta-mismatch" for each block. */
static void explain_version(const struct ne_read *h)
{
    for (unsigned b = 0; b < h->nb; b++) {
        if (h->blk[b].badver == 0)
            continue;
        LOG_ERR("object %s: its blocks are in block format version %u; "
                "this library reads only version %d (version 1 padded "
                "the last stripe and is not supported: rewrite the "
                "object)", h->obj, h->blk[b].badver, NE_FORMAT_VERSION);
        return;
    }
}

/* Open, vote, and re-open once if the object has another geometry. */
static int probe(struct ne_read *h, unsigned *votes)
{
    int rc = open_blocks(h, h->ctx->nb);
    int best = rc < 0 ? -1 : consensus(h, votes);
    if (best >= 0) {
        const struct ne_meta *m = &h->blk[best].meta;
        if (m->n + m->e != h->nb) {
            struct ne_meta keep = *m;
            LOG_INFO("object %s: written as %u+%u, the repo says %u+%u",
                     h->obj, keep.n, keep.e, h->ctx->n, h->ctx->e);
            close_blocks(h);
            rc = open_blocks(h, keep.n + keep.e);
            best = rc < 0 ? -1 : consensus(h, votes);
        }
    }
    if (rc == 0 && best >= 0)
        rc = adopt(h, &h->blk[best].meta);
    classify(h, best >= 0);
    if (rc == 0 && best < 0) {
        rc = count_missing(h) == h->nb ? -ENOENT : -EIO;
        explain_version(h);
    }
    return rc;
}

int ne_read_open(ne_ctx_t *ctx, const char *obj, int flags, ne_read_t **out)
{
    if (obj == NULL || *obj == '\0')
        return -EINVAL;
    struct ne_read *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return -ENOMEM;
    h->ctx = ctx;
    h->oflags = flags;
    h->n = ctx->n;
    h->e = ctx->e;
    h->rot = ne_rotation_of(obj, ctx->nb);
    ne_batch_init(&h->batch);
    h->obj = ne_strdup(obj);
    unsigned votes = 0;
    int rc = h->obj == NULL ? -ENOMEM : probe(h, &votes);
    if (rc == 0 && votes < h->n) {
        LOG_ERR("object %s: only %u blocks agree on its meta info, %u are "
                "needed", obj, votes, h->n);
        explain_version(h);
        rc = -EIO;
    }
    if (rc < 0 && !(flags & NE_OPEN_ANY && rc == -EIO && h->blk != NULL)) {
        ne_read_free(h);
        return rc;
    }
    *out = h;
    return rc;
}

uint8_t *ne_read_buf(ne_read_t *h, unsigned part)
{
    if (h->bufmem == NULL)
        h->bufmem = ne_buf_get(h->ctx, h->nb * h->bufstride);
    if (h->bufmem == NULL)
        return NULL;
    return h->bufmem + (size_t)part * h->bufstride;
}

void ne_read_free(ne_read_t *h)
{
    if (h == NULL)
        return;
    if (h->blk != NULL)
        close_blocks(h);
    ne_buf_put(h->ctx, h->bufmem, h->nb * h->bufstride);
    ne_decoder_free(&h->dec);
    if (h->codec == &h->own_codec)
        ne_codec_free(&h->own_codec);
    ne_batch_fini(&h->batch);
    free(h->blk);
    free(h->jobs);
    free(h->obj);
    free(h);
}

int ne_open_read(ne_ctx_t *ctx, const char *obj, ne_read_t **out)
{
    return ne_read_open(ctx, obj, 0, out);
}
