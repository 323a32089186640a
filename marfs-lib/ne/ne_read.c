/*
 * ne_read.c - reading an object: the stripe engine and the read API.
 *
 * Owns: reading the parts of one stripe in parallel with every unit's
 * CRC checked, choosing which parts to read (only the data parts a range
 * needs while all is well; N trusted parts as soon as a needed block is
 * suspect), reconstructing missing parts from any N good ones, and
 * pread/read on top.  Whole parts inside the caller's range are read
 * straight into the caller's buffer; a block that failed once is avoided
 * for the rest of the handle as long as enough clean blocks remain.
 * Stripe s always starts at object byte s * N * PSZ; its parts are PSZ
 * long except in the short last stripe (h->tail), so a stripe's part
 * length (plen) is looked up per stripe.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ne_internal.h"

enum part_state { PS_UNTRIED = 0, PS_OK, PS_BAD };

unsigned ne_part_block(const ne_read_t *h, unsigned part)
{
    return (part + h->rot) % h->nb;
}

size_t ne_stripe_plen(const ne_read_t *h, uint64_t s)
{
    return s + 1 < h->nstripes ? h->psz : h->tail;
}

/* Worker: read one unit and check its CRC (-EBADMSG on mismatch). */
static void rjob_get(struct ne_job *job)
{
    struct ne_rjob *r = (struct ne_rjob *)job;
    struct ne_read *h = r->h;
    dal_block_t *blk = h->blk[r->b].blk;
    /* only the last unit is short, so every unit starts at a multiple */
    uint64_t off = r->stripe * (h->psz + NE_CRC_LEN);
    const uint8_t *crcp = r->direct ? r->crcb : r->dst + r->len;
    if (r->direct) {
        r->rc = ne_get_full(blk, r->dst, r->len, off);
        if (r->rc == 0)
            r->rc = ne_get_full(blk, r->crcb, NE_CRC_LEN, off + r->len);
    } else {
        r->rc = ne_get_full(blk, r->dst, r->len + NE_CRC_LEN, off);
    }
    if (r->rc < 0)
        return;
    r->crc = ne_get_le32(crcp);
    if (ne_unit_crc(h->m.wid, r->stripe, r->b, r->dst, r->len) != r->crc)
        r->rc = -EBADMSG;
}

static void note_failure(ne_read_t *h, unsigned b, uint64_t s, int rc)
{
    h->blk[b].nfail++;
    int corrupt = rc == -EBADMSG || rc == -ENODATA;
    if (h->health.state[b] == NE_BLK_OK)
        LOG_WARN("object %s block %u stripe %llu: %s; reconstructing",
                 h->obj, b, (unsigned long long)s,
                 rc == -EBADMSG ? "CRC mismatch" : rc == -ENODATA ?
                 "block is truncated" : strerror(-rc));
    ne_mark_bad(h, b, corrupt ? NE_BLK_CORRUPT : NE_BLK_IOERR, rc);
}

/* Read the selected untried parts of stripe s in one batch. */
static void run_parts(ne_read_t *h, uint64_t s, const uint8_t *sel)
{
    struct ne_job *jp[NE_MAX_BLOCKS];
    unsigned nj = 0;
    for (unsigned p = 0; p < h->nb; p++) {
        if (!sel[p] || h->pst[p] != PS_UNTRIED)
            continue;
        unsigned b = ne_part_block(h, p);
        struct ne_rjob *r = &h->jobs[b];
        r->job.fn = rjob_get;
        r->h = h;
        r->b = b;
        r->stripe = s;
        r->len = ne_stripe_plen(h, s);
        r->dst = h->tgt[p];
        r->direct = h->direct[p];
        jp[nj++] = &r->job;
    }
    ne_batch_submit(h->ctx->pool, &h->batch, jp, nj);
    ne_batch_wait(h->ctx->pool, &h->batch);
    for (unsigned p = 0; p < h->nb; p++) {
        if (!sel[p] || h->pst[p] != PS_UNTRIED)
            continue;
        unsigned b = ne_part_block(h, p);
        h->pst[p] = h->jobs[b].rc == 0 ? PS_OK : PS_BAD;
        if (h->jobs[b].rc < 0)
            note_failure(h, b, s, h->jobs[b].rc);
    }
}

static int part_clean(const ne_read_t *h, unsigned p)
{
    const struct ne_rblk *rb = &h->blk[ne_part_block(h, p)];
    return rb->usable && rb->nfail == 0;
}

/* Add untried parts (clean ones first, data before parity) until `want`
 * parts are selected or OK; returns how many were added. */
static unsigned select_more(ne_read_t *h, uint8_t *sel, unsigned have,
                            unsigned want)
{
    unsigned added = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned p = 0; p < h->nb && have + added < want; p++) {
            if (sel[p] || h->pst[p] != PS_UNTRIED ||
                !h->blk[ne_part_block(h, p)].usable)
                continue;
            if (pass == 0 && !part_clean(h, p))
                continue;
            sel[p] = 1;
            added++;
        }
    }
    return added;
}

/* Point every part (plen bytes) at its destination: caller memory for
 * whole parts in [lo, hi), the internal buffers otherwise. */
static int set_targets(ne_read_t *h, size_t plen, size_t lo, size_t hi,
                       uint8_t *dst)
{
    for (unsigned p = 0; p < h->nb; p++) {
        size_t ps = (size_t)p * plen;
        h->direct[p] = p < h->n && lo <= ps && ps + plen <= hi;
        h->tgt[p] = h->direct[p] ? dst + (ps - lo) : ne_read_buf(h, p);
        if (h->tgt[p] == NULL)
            return -ENOMEM;
    }
    memset(h->pst, PS_UNTRIED, h->nb);
    return 0;
}

struct dec_job {
    struct ne_job job;
    const struct ne_decoder *d;
    uint8_t *const *src, *const *out;
    size_t off, len;
};

static void djob_run(struct ne_job *job)
{
    struct dec_job *j = (struct dec_job *)job;
    uint8_t *s[NE_MAX_BLOCKS], *o[NE_MAX_BLOCKS];
    for (unsigned i = 0; i < j->d->nsrc; i++)
        s[i] = j->src[i] + j->off;
    for (unsigned i = 0; i < j->d->nwant; i++)
        o[i] = j->out[i] + j->off;
    ne_decoder_run(j->d, j->len, s, o);
}

/* Decoding is the one CPU-heavy step of a degraded read and runs in the
 * caller: split big parts (plen bytes) across the cores (64-byte aligned
 * pieces). */
static void decode_split(ne_read_t *h, size_t plen, uint8_t *const *src,
                         uint8_t *const *out)
{
    enum { MAX_SPLIT = 8, MIN_PIECE = 64 * 1024 };
    unsigned k = h->ctx->pool ? h->ctx->ncpu : 1;
    if (k > MAX_SPLIT)
        k = MAX_SPLIT;
    if (k > plen / MIN_PIECE)
        k = (unsigned)(plen / MIN_PIECE);
    if (k <= 1) {
        ne_decoder_run(&h->dec, plen, src, out);
        return;
    }
    size_t piece = (plen / k + 63) & ~(size_t)63;
    struct dec_job jobs[MAX_SPLIT];
    struct ne_job *jp[MAX_SPLIT];
    unsigned nj = 0;
    for (size_t off = 0; off < plen; off += piece, nj++) {
        jobs[nj] = (struct dec_job){
            .job.fn = djob_run, .d = &h->dec, .src = src, .out = out,
            .off = off, .len = plen - off < piece ? plen - off : piece};
        jp[nj] = &jobs[nj].job;
    }
    ne_batch_submit(h->ctx->pool, &h->batch, jp, nj);
    ne_batch_wait(h->ctx->pool, &h->batch);
}

/* Regenerate the needed data parts (plen bytes) that could not be read. */
static int decode_parts(ne_read_t *h, size_t plen, unsigned first,
                        unsigned last)
{
    uint8_t src[NE_MAX_BLOCKS], want[NE_MAX_BLOCKS];
    uint8_t *sbuf[NE_MAX_BLOCKS], *wbuf[NE_MAX_BLOCKS];
    unsigned ns = 0, nw = 0;
    for (unsigned p = 0; p < h->nb && ns < h->n; p++)
        if (h->pst[p] == PS_OK) {
            sbuf[ns] = h->tgt[p];
            src[ns++] = (uint8_t)p;
        }
    for (unsigned p = first; p <= last; p++)
        if (h->pst[p] != PS_OK) {
            wbuf[nw] = h->tgt[p];
            want[nw++] = (uint8_t)p;
        }
    int rc = ne_decoder_prepare(h->codec, &h->dec, src, want, nw);
    if (rc == 0)
        decode_split(h, plen, sbuf, wbuf);
    return rc;
}

static unsigned count_ok(const ne_read_t *h, unsigned first, unsigned last,
                         unsigned *needed_ok)
{
    unsigned ok = 0;
    *needed_ok = 0;
    for (unsigned p = 0; p < h->nb; p++) {
        ok += h->pst[p] == PS_OK;
        if (p >= first && p <= last)
            *needed_ok += h->pst[p] == PS_OK;
    }
    return ok;
}

/* Read (and if need be rebuild) data parts first..last of stripe s. */
static int fetch_parts(ne_read_t *h, uint64_t s, unsigned first,
                       unsigned last)
{
    uint8_t sel[NE_MAX_BLOCKS] = {0};
    unsigned nsel = 0, all_clean = 1;
    for (unsigned p = first; p <= last; p++) {
        if (part_clean(h, p)) {
            sel[p] = 1;
            nsel++;
        } else {
            all_clean = 0;
        }
    }
    if (!all_clean)
        select_more(h, sel, nsel, h->n);
    for (;;) {
        run_parts(h, s, sel);
        unsigned needed_ok, ok = count_ok(h, first, last, &needed_ok);
        if (needed_ok == last - first + 1)
            return 0;
        if (ok >= h->n)
            return decode_parts(h, ne_stripe_plen(h, s), first, last);
        if (select_more(h, sel, ok, h->n) == 0)
            break;
    }
    LOG_ERR("object %s stripe %llu: more than %u parts are unreadable; "
            "data lost", h->obj, (unsigned long long)s, h->e);
    return -EIO;
}

int ne_read_stripe(ne_read_t *h, uint64_t s, size_t lo, size_t hi,
                   uint8_t *dst)
{
    size_t plen = ne_stripe_plen(h, s);
    if (hi <= lo)
        return 0;
    if (s >= h->nstripes || hi > h->n * plen)
        return -EINVAL;   /* past the stored parts: a caller's bug */
    int rc = set_targets(h, plen, lo, hi, dst);
    unsigned first = (unsigned)(lo / plen);
    unsigned last = (unsigned)((hi - 1) / plen);
    if (rc == 0)
        rc = fetch_parts(h, s, first, last);
    for (unsigned p = first; rc == 0 && p <= last; p++) {
        if (h->direct[p])
            continue;
        size_t ps = (size_t)p * plen;
        size_t a = lo > ps ? lo : ps;
        size_t z = hi < ps + plen ? hi : ps + plen;
        memcpy(dst + (a - lo), h->tgt[p] + (a - ps), z - a);
    }
    return rc;
}

ssize_t ne_pread(ne_read_t *h, void *buf, size_t len, uint64_t off)
{
    if (off >= h->size)
        return 0;
    if (len > h->size - off)
        len = (size_t)(h->size - off);
    size_t sb = (size_t)h->n * h->psz, done = 0;
    while (done < len) {
        uint64_t pos = off + done;
        uint64_t s = pos / sb;
        size_t lo = (size_t)(pos % sb);
        size_t hi = sb - lo < len - done ? sb : lo + (len - done);
        int rc = ne_read_stripe(h, s, lo, hi, (uint8_t *)buf + done);
        if (rc < 0)
            return rc;
        done += hi - lo;
    }
    return (ssize_t)done;
}

ssize_t ne_read(ne_read_t *h, void *buf, size_t len)
{
    ssize_t rc = ne_pread(h, buf, len, h->pos);
    if (rc > 0)
        h->pos += (uint64_t)rc;
    return rc;
}

void ne_seek(ne_read_t *h, uint64_t off)
{
    h->pos = off;
}

uint64_t ne_size(const ne_read_t *h)
{
    return h->size;
}

unsigned ne_damaged(const ne_read_t *h, struct ne_health *out)
{
    if (out != NULL)
        *out = h->health;
    return h->health.nbad;
}

void ne_close_read(ne_read_t *h)
{
    ne_read_free(h);
}

unsigned ne_scan_stripe(ne_read_t *h, uint64_t s)
{
    uint8_t sel[NE_MAX_BLOCKS];
    if (set_targets(h, ne_stripe_plen(h, s), 0, 0, NULL) < 0)
        return h->nb;
    for (unsigned p = 0; p < h->nb; p++)
        sel[p] = (uint8_t)h->blk[ne_part_block(h, p)].usable;
    run_parts(h, s, sel);
    unsigned bad = 0;
    for (unsigned p = 0; p < h->nb; p++) {
        unsigned b = ne_part_block(h, p);
        if (h->pst[p] == PS_OK)
            h->blk[b].crcsum = ne_crcsum_add(h->blk[b].crcsum, h->jobs[b].crc);
        else
            bad++;
    }
    return bad;
}
