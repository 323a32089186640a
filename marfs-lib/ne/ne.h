/*
 * ne.h - the erasure layer: objects stored as N data + E parity blocks.
 *
 * Owns: the public API for writing, reading, checking, rebuilding and
 * deleting one erasure-coded object.  An object is a byte stream cut into
 * stripes of N parts of PSZ bytes, except that the last stripe's parts
 * are only as long as its bytes need (rounded up to 64), so small objects
 * stay small on disk; isa-l Reed-Solomon (Cauchy matrix) adds
 * E parity parts per stripe, and part p of every stripe goes to block
 * (p + rotation) % (N+E), the rotation being derived from the object name.
 * Each block is written through the DAL (dal.h) as a sequence of CRC-ed
 * I/O units plus a meta blob; the on-block format is doc/block-format.md.
 *
 * Guarantees:
 *  - A write succeeds only if at least the write quorum of blocks (default
 *    N+1, at most N+E; N when E = 0) was written whole; otherwise every
 *    block is aborted or deleted, so no object reads as complete.
 *  - A read verifies every unit's CRC, reconstructs what is missing or bad
 *    from any N good parts, and reports the damaged blocks; with more than
 *    E bad parts in a stripe it fails with -EIO and never returns wrong
 *    bytes.
 *
 * All functions return 0 (or a byte count) or a negative errno; none exits.
 * A context may be shared by threads; each handle is used by one thread at
 * a time, and independent handles may be used concurrently.
 */
#ifndef MARFS_NE_H
#define MARFS_NE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "marfs_config.h"
#include "dal.h"

/* Version of the on-block format this library writes and reads; blocks
 * of any other version are refused (version 1 padded the last stripe). */
#define NE_FORMAT_VERSION 2
/* Most blocks one object may have (isa-l works in GF(2^8)). */
#define NE_MAX_BLOCKS MCFG_MAX_PARTS

typedef struct ne_ctx ne_ctx_t;
typedef struct ne_write ne_write_t;
typedef struct ne_read ne_read_t;

/* State of one block of an object, as seen by the last operation. */
enum ne_bstate {
    NE_BLK_OK = 0,
    NE_BLK_MISSING,   /* no published block at its location */
    NE_BLK_META,      /* meta info unreadable, invalid or not the consensus */
    NE_BLK_CORRUPT,   /* a unit CRC, the block size or the CRC sum is wrong */
    NE_BLK_IOERR,     /* the DAL failed (open, get, put, close...) */
};

/* Per-block health of one object (also the status of a finished write). */
struct ne_health {
    unsigned n, e;          /* the object's geometry */
    unsigned nblocks;       /* n + e */
    unsigned nbad;          /* blocks whose state is not NE_BLK_OK */
    unsigned rotation;      /* block holding part 0 */
    uint64_t size;          /* object bytes (written, or from the meta) */
    uint8_t state[NE_MAX_BLOCKS];   /* enum ne_bstate, by block index */
    int err[NE_MAX_BLOCKS];         /* first negative errno, 0 if none */
};

/* ne_opts.threads: one per block (N+E, at most 64). */
#define NE_THREADS_DEFAULT 0xffffffffu

/* Tunables of a context; ne_opts_default() fills the defaults. */
struct ne_opts {
    /* I/O worker threads shared by every handle of the context; 0 means
     * the calling thread does all block I/O itself. */
    unsigned threads;
    /* Blocks that must be written whole for a write to succeed; 0 means
     * the default N+1 (N when E = 0).  Values above N+E are capped. */
    unsigned write_quorum;
};

void ne_opts_default(struct ne_opts *opts);

/*
 * Create a context for a repo: the DAL stack of its <DAL>, its placement,
 * the isa-l tables and the worker threads.  repo must outlive the context.
 * -EINVAL for an unusable geometry, or the DAL/placement error.
 */
int ne_ctx_create(const struct mcfg_repo *repo, ne_ctx_t **out);
int ne_ctx_create_opts(const struct mcfg_repo *repo,
                       const struct ne_opts *opts, ne_ctx_t **out);
/* Same, using an existing DAL (not destroyed with the context): lets a
 * caller share one DAL between layers or wrap it (tests). */
int ne_ctx_create_dal(const struct mcfg_repo *repo, const struct ne_opts *opts,
                      dal_t *dal, ne_ctx_t **out);
void ne_ctx_destroy(ne_ctx_t *ctx);

/* The context's DAL (tools use it to verify/create locations). */
dal_t *ne_ctx_dal(ne_ctx_t *ctx);
/* Where block `block` of obj lives (pod, cap, scatter from placement). */
void ne_block_loc(const ne_ctx_t *ctx, const char *obj, unsigned block,
                  struct dal_loc *loc);

/* ---- writing ------------------------------------------------------- */

/* Start a new object (replacing any old one once closed successfully). */
int ne_open_write(ne_ctx_t *ctx, const char *obj, ne_write_t **out);
/* Append len bytes (any size).  Returns len, or -EIO once fewer than the
 * quorum of blocks can still be written (then only abort/close remain). */
ssize_t ne_write(ne_write_t *h, const void *buf, size_t len);
/*
 * Finish: encode and write the buffered partial stripe as the short last
 * stripe (its parts only as long as needed), store every block's meta info
 * and publish the blocks.  status (may be NULL) receives the bytes written
 * and which blocks failed.  Returns 0 if at least the quorum of blocks
 * was published, else -EIO with every block removed.  Frees h.
 */
int ne_close_write(ne_write_t *h, struct ne_health *status);
/*
 * ne_close_write in two halves, so a caller can go on writing its next
 * object while this one's blocks are flushed, fsynced and renamed by the
 * I/O threads.  ne_close_start writes the short last stripe and hands
 * the publication to the I/O threads (inline with none); it releases the
 * handle's stripe buffers and returns at once.  ne_close_ready tells
 * (without blocking) whether the publication is over; ne_close_wait
 * waits for it and returns what ne_close_write would (freeing h).  Only
 * ne_close_ready and ne_close_wait may follow ne_close_start.
 */
void ne_close_start(ne_write_t *h);
int ne_close_ready(ne_write_t *h);
int ne_close_wait(ne_write_t *h, struct ne_health *status);
/* Discard everything written so far and free h. */
void ne_abort(ne_write_t *h);

/* ---- reading ------------------------------------------------------- */

/* -ENOENT if no block of obj exists, -EIO if fewer than N blocks agree. */
int ne_open_read(ne_ctx_t *ctx, const char *obj, ne_read_t **out);
/* Sequential read from the current position; 0 at the end. */
ssize_t ne_read(ne_read_t *h, void *buf, size_t len);
/* Move the position of ne_read (any offset; past the end reads 0). */
void ne_seek(ne_read_t *h, uint64_t off);
/* Read len bytes at off (clipped to the object size); reads only the
 * stripes holding them.  -EIO if some stripe cannot be recovered. */
ssize_t ne_pread(ne_read_t *h, void *buf, size_t len, uint64_t off);
uint64_t ne_size(const ne_read_t *h);
/* Number of blocks found damaged so far; out (may be NULL) gets details
 * so the caller can mark the object for rebuild. */
unsigned ne_damaged(const ne_read_t *h, struct ne_health *out);
void ne_close_read(ne_read_t *h);

/* ---- whole-object operations --------------------------------------- */

/*
 * Health from the meta info and block sizes, reading no data.
 * Returns 0 if at least N blocks agree on the object, -EIO if some blocks
 * exist but fewer than N agree (health still filled), -ENOENT if none.
 */
int ne_stat(ne_ctx_t *ctx, const char *obj, struct ne_health *health);
/*
 * Read every unit of every block and check all CRCs.  Returns 0 if every
 * stripe is recoverable (health lists damaged blocks, if any), -EIO if
 * data is lost, -ENOENT if the object does not exist.
 */
int ne_verify(ne_ctx_t *ctx, const char *obj, struct ne_health *health);
/*
 * Regenerate every damaged block (replaced atomically through the DAL),
 * then verify.  report (may be NULL) receives the damage found before the
 * rebuild; 0 means every block now verifies clean, -EIO that data is lost.
 */
int ne_rebuild(ne_ctx_t *ctx, const char *obj, struct ne_health *report);
/* Delete every block; -ENOENT if there was none. */
int ne_delete(ne_ctx_t *ctx, const char *obj);

/* "ok", "missing", "meta-mismatch", "corrupt", "io-error". */
const char *ne_bstate_str(unsigned state);

#endif
