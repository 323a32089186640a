/*
 * ne_internal.h - what the erasure-layer source files share (not
 * installed): the codec, the block meta info, the worker pool, the
 * context and the read engine used by read, verify and rebuild.
 */
#ifndef MARFS_NE_INTERNAL_H
#define MARFS_NE_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "ne.h"
#include "placement.h"

/* ---- codec (ne_codec.c) -------------------------------------------- */

struct ne_codec {
    unsigned n, e;
    uint8_t *matrix;    /* (n+e) x n: identity on top, Cauchy below */
    uint8_t *enc_tbls;  /* isa-l tables for the e parity rows */
};

int ne_codec_init(struct ne_codec *c, unsigned n, unsigned e);
void ne_codec_free(struct ne_codec *c);
/* Compute the e parity parts of len bytes from the n data parts. */
void ne_codec_encode(const struct ne_codec *c, size_t len,
                     uint8_t *const *data, uint8_t *const *parity);

/* Tables that regenerate some parts from n surviving ones; kept per
 * handle and reused while the same parts are missing. */
struct ne_decoder {
    unsigned nsrc, nwant;
    uint8_t src[NE_MAX_BLOCKS];   /* surviving part indices (n of them) */
    uint8_t want[NE_MAX_BLOCKS];  /* parts to regenerate */
    uint8_t *tbls;                /* 32 * n * nwant bytes */
    size_t tbls_cap;
};

void ne_decoder_free(struct ne_decoder *d);
/* Prepare (or keep, if unchanged) tables for src -> want; -EINVAL if the
 * parts cannot be inverted (cannot happen with a Cauchy matrix). */
int ne_decoder_prepare(const struct ne_codec *c, struct ne_decoder *d,
                       const uint8_t *src, const uint8_t *want,
                       unsigned nwant);
void ne_decoder_run(const struct ne_decoder *d, size_t len,
                    uint8_t *const *src_bufs, uint8_t *const *out_bufs);

/* ---- block meta info and checksums (ne_meta.c) --------------------- */

#define NE_META_LEN 80
#define NE_CRC_LEN 4
/* The parts of a short last stripe are a multiple of this many bytes:
 * a cache line and the widest isa-l vector, so encode, decode and CRC
 * run their SIMD loops without a scalar tail.  Part of the format. */
#define NE_TAIL_ALIGN 64

struct ne_meta {
    unsigned version, n, e, block, rot;
    uint64_t psz;
    uint64_t lastlen;       /* data bytes of the last unit (0: no unit) */
    uint64_t blksize, objsize;
    uint64_t wid, wtime;    /* identify one write of the object */
    uint32_t crcsum;        /* CRC over the block's unit CRCs */
};

void ne_meta_encode(const struct ne_meta *m, uint8_t out[NE_META_LEN]);
/* -EPROTONOSUPPORT for intact meta info of another format version
 * (m->version tells which), -EINVAL for anything else that is not valid
 * meta info of NE_FORMAT_VERSION. */
int ne_meta_decode(const uint8_t *buf, size_t len, struct ne_meta *m);
/* Do two blocks' meta describe the same write of the same object? */
int ne_meta_same_object(const struct ne_meta *a, const struct ne_meta *b);
uint64_t ne_stripes_of(uint64_t objsize, unsigned n, uint64_t psz);
/* Part length of the last stripe: PSZ if the object ends on a stripe
 * boundary, else its remaining bytes / n rounded up to NE_TAIL_ALIGN;
 * 0 for an empty object. */
size_t ne_tail_len(uint64_t objsize, unsigned n, uint64_t psz);
/* Block data bytes: every unit (part + CRC) of an object of objsize. */
uint64_t ne_block_bytes(uint64_t objsize, unsigned n, uint64_t psz);
uint32_t ne_unit_crc(uint64_t wid, uint64_t stripe, unsigned block,
                     const uint8_t *data, size_t len);
uint32_t ne_crcsum_add(uint32_t sum, uint32_t unit_crc);
unsigned ne_rotation_of(const char *obj, unsigned nblocks);
void ne_put_le32(uint8_t *p, uint32_t v);
uint32_t ne_get_le32(const uint8_t *p);

/* ---- worker pool (ne_pool.c) --------------------------------------- */

struct ne_batch;

struct ne_job {
    void (*fn)(struct ne_job *job);
    struct ne_job *next;
    struct ne_batch *batch;
};

/* A set of jobs a handle waits for; at most one per handle in flight. */
struct ne_batch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned pending;
};

struct ne_pool;

int ne_pool_create(unsigned threads, struct ne_pool **out);
void ne_pool_destroy(struct ne_pool *pool);
void ne_batch_init(struct ne_batch *b);
void ne_batch_fini(struct ne_batch *b);
/* Queue jobs[0..n) (n may be 0); pool == NULL runs them inline. */
void ne_batch_submit(struct ne_pool *pool, struct ne_batch *b,
                     struct ne_job *const *jobs, unsigned n);
/* 1 while some job of the batch has not finished (never blocks). */
int ne_batch_busy(struct ne_batch *b);
/* Wait for the batch, running queued jobs meanwhile. */
void ne_batch_wait(struct ne_pool *pool, struct ne_batch *b);

/* ---- context (ne_ctx.c) -------------------------------------------- */

struct ne_ctx {
    const struct mcfg_repo *repo;
    unsigned n, e, nb;
    size_t psz;
    unsigned quorum;
    dal_t *dal;
    int own_dal;
    mplace_t *place;
    struct ne_codec codec;
    struct ne_pool *pool;     /* NULL: I/O in the caller's thread */
    unsigned ncpu;            /* online CPUs: how far to split decoding */
    pthread_mutex_t cache_mu;
    struct { void *p; size_t sz; } cache[8];
};

/* Aligned buffers, recycled across handles so small objects stay cheap. */
void *ne_buf_get(ne_ctx_t *ctx, size_t sz);
void ne_buf_put(ne_ctx_t *ctx, void *p, size_t sz);
char *ne_strdup(const char *s);

/* Whole-length DAL I/O: short transfers are retried; a premature end of
 * a block is -ENODATA. */
int ne_put_full(dal_block_t *blk, const void *buf, size_t len);
int ne_get_full(dal_block_t *blk, void *buf, size_t len, uint64_t off);

/* ---- read engine (ne_read.c, used by ne_verify.c and ne_rebuild.c) -- */

struct ne_rblk {
    dal_block_t *blk;
    int usable;             /* opened, meta agrees: may be read */
    unsigned nfail;         /* units that failed on this handle */
    int have_meta;
    struct ne_meta meta;
    int64_t stsize;         /* from stat, -1 if not asked */
    uint32_t crcsum;        /* verify: running sum over read units */
    unsigned badver;        /* format version of refused meta, else 0 */
};

struct ne_rjob {
    struct ne_job job;
    struct ne_read *h;
    unsigned b;
    uint64_t stripe;
    uint8_t *dst;
    size_t len;             /* data bytes of the unit */
    int direct;             /* dst is caller memory (no room for CRC) */
    int rc;
    uint32_t crc;           /* the unit's stored CRC, once read */
    uint8_t crcb[NE_CRC_LEN];
};

enum ne_open_flags {
    NE_OPEN_STAT = 1,       /* also stat every block (size check) */
    NE_OPEN_ANY = 2,        /* succeed even with fewer than n agreeing */
};

struct ne_read {
    ne_ctx_t *ctx;
    char *obj;
    struct ne_meta m;       /* the consensus meta */
    unsigned n, e, nb, rot;
    size_t psz;
    size_t tail;                    /* part length of the last stripe */
    uint64_t size, nstripes, pos;
    const struct ne_codec *codec;
    struct ne_codec own_codec;      /* if the object's n/e differ */
    struct ne_rblk *blk;
    struct ne_rjob *jobs;
    struct ne_batch batch;
    uint8_t *bufmem;                /* nb internal part buffers */
    size_t bufstride;
    struct ne_decoder dec;
    struct ne_health health;
    int oflags;                     /* enum ne_open_flags */
    uint8_t pst[NE_MAX_BLOCKS];     /* per part, for the current stripe */
    uint8_t *tgt[NE_MAX_BLOCKS];    /* per part: where it is read to */
    uint8_t direct[NE_MAX_BLOCKS];  /* tgt is caller memory */
};

int ne_read_open(ne_ctx_t *ctx, const char *obj, int flags,
                 ne_read_t **out);
void ne_read_free(ne_read_t *h);
uint8_t *ne_read_buf(ne_read_t *h, unsigned part);
unsigned ne_part_block(const ne_read_t *h, unsigned part);
void ne_mark_bad(ne_read_t *h, unsigned b, unsigned state, int err);
/* Part (unit data) length of stripe s: PSZ, or h->tail for the last. */
size_t ne_stripe_plen(const ne_read_t *h, uint64_t s);
/* Raw stripe access: bytes [lo, hi) of stripe s into dst, hi at most
 * n * ne_stripe_plen(h, s) (padding included), reconstructing what
 * cannot be read.  0, -EIO, or -EINVAL for a range past the parts. */
int ne_read_stripe(ne_read_t *h, uint64_t s, size_t lo, size_t hi,
                   uint8_t *dst);
/* Read every part of stripe s of every usable block into the internal
 * buffers, checking CRCs; returns the number of parts that failed. */
unsigned ne_scan_stripe(ne_read_t *h, uint64_t s);
/* Open and scan every stripe (ne_verify.c); *out is set whenever a
 * handle could be opened, even if the result is -EIO. */
int ne_verify_open(ne_ctx_t *ctx, const char *obj, ne_read_t **out);

#endif
