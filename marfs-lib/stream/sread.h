/*
 * sread.h - reading a file's bytes back from its objects.
 *
 * Owns the offset -> (object, offset) walk of ftag_map() and the reader's
 * read-ahead state: every read goes through the context's shared cache
 * of decoded stripes (sread_cache.h), which decodes only the stripes a
 * read needs, and a sequential reader has the stripes ahead of it decoded
 * in the background (sread_ahead.c).  The last few objects a reader used
 * stay open for its own misses, so sequential reads open each object
 * once and ranged reads among a few chunks do not reopen them.
 */
#ifndef MARFS_SREAD_H
#define MARFS_SREAD_H

#include <stdint.h>
#include <sys/types.h>

#include "ne.h"
#include "sread_cache.h"
#include "tag.h"

struct sread;

/* A reader through cache, shared by every reader of the API context. */
int sread_open_cached(ne_ctx_t *ne, const struct ftag *tag,
                      struct scache *cache, struct sread **out);
/* A reader without a cache (no read-ahead either): every read decodes
 * straight into the caller's buffer (tools that copy a file once). */
int sread_open(ne_ctx_t *ne, const struct ftag *tag, struct sread **out);
struct mdal_ns;
/* Report objects found damaged while reading to the namespace's list of
 * objects to rebuild (mdal_flag_damaged), once per object. */
void sread_flag_damaged_to(struct sread *r, const struct mdal_ns *md);
/* Read up to len bytes at off, clipped to the file size; 0 at the end. */
ssize_t sread_pread(struct sread *r, void *buf, size_t len, uint64_t off);
/*
 * Zero-copy read: as much of [off, off + len) as the pins hold, left in
 * the cache's stripe buffers (spans in pins, pinned until scache_unpin).
 * *want gets the bytes the file has there; the return value (bytes
 * covered) is fewer when the pins ran out or caching is off, and the
 * caller reads the rest with sread_pread.
 */
ssize_t sread_pread_pinned(struct sread *r, size_t len, uint64_t off,
                           struct scache_pins *pins, size_t *want);
void sread_close(struct sread *r);

/* ---- read-ahead policy (sread_ahead.c) -------------------------------- */

struct sread_ra {
    int started;
    uint64_t next;      /* file offset just after the furthest read */
    uint64_t win;       /* current window, 0 while not sequential */
    uint64_t issued;    /* read-ahead was queued up to this offset */
};

/* After a read of [off, off + len) of a file of `size` bytes, whose
 * objects have stripes of `stripe` bytes, with windows up to max: the
 * file range to read ahead now (*pf_len 0: none). */
void sread_ra_next(struct sread_ra *ra, uint64_t off, uint64_t len,
                   uint64_t size, uint64_t stripe, uint64_t max,
                   uint64_t *pf_off, uint64_t *pf_len);

#endif
