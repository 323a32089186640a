/*
 * ne_codec.c - Reed-Solomon arithmetic of the erasure layer (isa-l).
 *
 * Owns: the (N+E) x N Cauchy generator matrix, the encode tables, and the
 * decode tables that regenerate any parts from any N surviving ones.
 * Every N x N sub-matrix of a Cauchy matrix (with the identity on top) is
 * invertible, so any N good parts always suffice.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l.h>

#include "ne_internal.h"

int ne_codec_init(struct ne_codec *c, unsigned n, unsigned e)
{
    memset(c, 0, sizeof(*c));
    if (n == 0 || n + e > NE_MAX_BLOCKS)
        return -EINVAL;
    c->n = n;
    c->e = e;
    c->matrix = malloc((size_t)(n + e) * n);
    c->enc_tbls = malloc(32 * (size_t)n * (e ? e : 1));
    if (c->matrix == NULL || c->enc_tbls == NULL) {
        ne_codec_free(c);
        return -ENOMEM;
    }
    gf_gen_cauchy1_matrix(c->matrix, (int)(n + e), (int)n);
    if (e > 0)
        ec_init_tables((int)n, (int)e, c->matrix + (size_t)n * n,
                       c->enc_tbls);
    return 0;
}

void ne_codec_free(struct ne_codec *c)
{
    free(c->matrix);
    free(c->enc_tbls);
    c->matrix = c->enc_tbls = NULL;
}

void ne_codec_encode(const struct ne_codec *c, size_t len,
                     uint8_t *const *data, uint8_t *const *parity)
{
    if (c->e == 0 || len == 0)
        return;
    ec_encode_data((int)len, (int)c->n, (int)c->e, c->enc_tbls,
                   (unsigned char **)data, (unsigned char **)parity);
}

void ne_decoder_free(struct ne_decoder *d)
{
    free(d->tbls);
    memset(d, 0, sizeof(*d));
}

/* Row of the matrix expressing part w in terms of the n source parts,
 * given inv = inverse of the source rows: a data part is a row of inv;
 * a parity part is its generator row times inv. */
static void want_row(const struct ne_codec *c, const uint8_t *inv,
                     unsigned w, uint8_t *row)
{
    unsigned n = c->n;
    if (w < n) {
        memcpy(row, inv + (size_t)w * n, n);
        return;
    }
    const uint8_t *gen = c->matrix + (size_t)w * n;
    for (unsigned i = 0; i < n; i++) {
        uint8_t s = 0;
        for (unsigned j = 0; j < n; j++)
            s ^= gf_mul(gen[j], inv[(size_t)j * n + i]);
        row[i] = s;
    }
}

static int same_plan(const struct ne_decoder *d, const uint8_t *src,
                     const uint8_t *want, unsigned n, unsigned nwant)
{
    return d->tbls != NULL && d->nsrc == n && d->nwant == nwant &&
           memcmp(d->src, src, n) == 0 && memcmp(d->want, want, nwant) == 0;
}

static int build_tables(const struct ne_codec *c, struct ne_decoder *d,
                        uint8_t *work)
{
    unsigned n = c->n;
    uint8_t *sub = work, *inv = work + (size_t)n * n;
    uint8_t *rows = inv + (size_t)n * n;
    for (unsigned i = 0; i < n; i++)
        memcpy(sub + (size_t)i * n, c->matrix + (size_t)d->src[i] * n, n);
    if (gf_invert_matrix(sub, inv, (int)n) != 0)
        return -EINVAL;
    for (unsigned k = 0; k < d->nwant; k++)
        want_row(c, inv, d->want[k], rows + (size_t)k * n);
    ec_init_tables((int)n, (int)d->nwant, rows, d->tbls);
    return 0;
}

int ne_decoder_prepare(const struct ne_codec *c, struct ne_decoder *d,
                       const uint8_t *src, const uint8_t *want,
                       unsigned nwant)
{
    unsigned n = c->n;
    if (same_plan(d, src, want, n, nwant))
        return 0;
    size_t need = 32 * (size_t)n * nwant;
    if (need > d->tbls_cap) {
        free(d->tbls);
        d->tbls = malloc(need);
        d->tbls_cap = d->tbls ? need : 0;
        if (d->tbls == NULL)
            return -ENOMEM;
    }
    uint8_t *work = malloc((size_t)n * (2 * n + nwant));
    if (work == NULL)
        return -ENOMEM;
    d->nsrc = n;
    d->nwant = nwant;
    memcpy(d->src, src, n);
    memcpy(d->want, want, nwant);
    int rc = build_tables(c, d, work);
    free(work);
    if (rc < 0)
        d->nsrc = 0;   /* never reuse a failed plan */
    return rc;
}

void ne_decoder_run(const struct ne_decoder *d, size_t len,
                    uint8_t *const *src_bufs, uint8_t *const *out_bufs)
{
    if (d->nwant == 0 || len == 0)
        return;
    ec_encode_data((int)len, (int)d->nsrc, (int)d->nwant, d->tbls,
                   (unsigned char **)src_bufs, (unsigned char **)out_bufs);
}
