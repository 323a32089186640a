/*
 * sread_cache.h - the decoded-data cache that every reader of one API
 * context shares, and its background read-ahead.
 *
 * Owns: a bounded set of stripe buffers, one per (erasure context,
 * object, stripe), each filled part by part: a ranged read decodes only
 * the parts (and so only the stripes) it needs, a small packed file fills
 * its whole stripe so its neighbours in the object are decoded once for
 * all of them, and read-ahead fills whole stripes ahead of a sequential
 * reader from worker threads (sread_prefetch.c).  Objects never change
 * once published (a replaced file is a new object), so cached bytes are
 * never stale.
 *
 * Memory: every stripe buffer counts against the limit whether or not it
 * is full; the least recently used unpinned stripes are evicted (their
 * buffers reused) to make room.  Read-ahead never pushes the cache past
 * its limit; a synchronous read may, briefly, when every cached stripe is
 * in use by a reader.
 *
 * Thread safety: every function may be called from any thread.  A stripe
 * part is written only by the one thread that marked it busy, and read
 * only once it is marked valid, which it then stays until the stripe is
 * evicted (never while pinned).
 */
#ifndef MARFS_SREAD_CACHE_H
#define MARFS_SREAD_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ne.h"

struct scache;

struct scache_limits {
    uint64_t bytes;          /* bound on cached data; 0: no caching */
    uint64_t readahead;      /* largest read-ahead window of a reader */
    unsigned threads;        /* read-ahead workers (started on first use) */
};

/* Counters since creation (bytes unless said otherwise). */
struct scache_stats {
    uint64_t limit;          /* configured bound */
    uint64_t used;           /* stripe buffers held now */
    uint64_t peak;           /* most ever held */
    uint64_t hits;           /* stripe reads served without decoding */
    uint64_t misses;         /* stripe reads that decoded something */
    uint64_t decoded;        /* bytes read from objects into the cache */
    uint64_t prefetched;     /* of `decoded`, by read-ahead */
    uint64_t direct;         /* bytes read past the cache (whole stripes) */
    uint64_t evicted;        /* stripe buffers evicted */
    uint64_t opens;          /* objects opened by read-ahead */
};

int scache_create(const struct scache_limits *lim, struct scache **out);
/* Stops the workers (queued read-ahead is dropped) and frees everything;
 * no reader may be using the cache. */
void scache_destroy(struct scache *c);
/* New limits; cached data beyond a smaller bound is evicted now. */
void scache_set_limits(struct scache *c, const struct scache_limits *lim);
void scache_get_limits(struct scache *c, struct scache_limits *lim);
void scache_stats(struct scache *c, struct scache_stats *st);

/*
 * One object as a reader sees it: its erasure context, name, and the part
 * size and data part count it was written with (from the file's tag),
 * and the namespace whose list of objects to rebuild it goes on when a
 * read finds it damaged (mdal_flag_damaged).
 * *h is the caller's open handle of that object, opened here on first
 * need and left open for the caller's next reads (the caller closes it).
 */
struct mdal_ns;
struct scache_obj {
    ne_ctx_t *ne;
    const char *name;
    size_t psz;
    unsigned n;
    ne_read_t **h;
    const struct mdal_ns *flag_to;  /* damaged: flag it here (or NULL) */
};

/* How scache_pread treats a miss (flags). */
enum scache_how {
    SCACHE_PARTS = 0,        /* decode only the parts the range needs */
    SCACHE_STRIPE = 1,       /* decode the whole stripe: its neighbours
                                (other packed files) come next */
    SCACHE_BYPASS = 2,       /* a whole stripe that is not cached goes
                                straight to the caller: a big read that
                                read-ahead is not feeding */
    SCACHE_ONCE = 4,         /* a sequential reader: a stripe it has read
                                to its end is the first to be reused (a
                                stream does not push out what others
                                share, nor make the cache grow) */
};

/*
 * Copy len bytes at object offset off into buf, from the cache, decoding
 * what is missing through o->h (see enum scache_how); with caching off
 * (bytes 0) every read goes straight to the object.  Returns the bytes
 * copied (fewer only at the object's end) or a negative errno; nothing of
 * a failed fill stays cached.
 */
ssize_t scache_pread(struct scache *c, const struct scache_obj *o,
                     void *buf, size_t len, uint64_t off, unsigned how);

/* Stripes pinned by zero-copy reads, and their bytes. */
#define SCACHE_PINS_MAX 16
struct scache_seg;
struct scache_span {
    const uint8_t *p;
    size_t len;
};
struct scache_pins {
    unsigned n;
    struct scache_seg *seg[SCACHE_PINS_MAX];
    struct scache_span span[SCACHE_PINS_MAX];
};

/*
 * scache_pread without the copy: the bytes stay in their stripe buffers,
 * which are pinned (appended to pins) until scache_unpin.  Covers as
 * much of [off, off + len) as fits the free pins; returns the bytes
 * covered, fewer than len when the pins ran out or the object ends (0
 * with caching off), or a negative errno.
 */
ssize_t scache_pread_pinned(struct scache *c, const struct scache_obj *o,
                            size_t len, uint64_t off, unsigned how,
                            struct scache_pins *pins);
void scache_unpin(struct scache *c, struct scache_pins *pins);

/*
 * Queue a background fill of the whole stripes overlapping [off,
 * off + len) of an object (o->h is not used: the workers open their own
 * handles).  Stripes already cached are skipped when their turn comes;
 * what the queue or the limit has no room for is dropped.  Returns the
 * bytes queued.
 */
uint64_t scache_prefetch(struct scache *c, const struct scache_obj *o,
                         uint64_t off, uint64_t len);

/* After a read of o through h: if the object needed reconstruction,
 * flag it for rebuild and warn, once per object (for a while). */
void scache_note_damage(struct scache *c, ne_read_t *h,
                        const struct scache_obj *o);
/* Count an object opened by a read-ahead worker. */
void scache_count_open(struct scache *c);

/* ---- between sread_cache.c and sread_prefetch.c ---------------------- */

/* Fill the stripes [s0, s1) of o through *o->h as read-ahead: stops at
 * the object's end, or when the limit has no room. */
void scache_fill_ahead(struct scache *c, const struct scache_obj *o,
                       uint64_t s0, uint64_t s1);

struct scache_queue;
int scache_queue_create(struct scache *c, struct scache_queue **out);
/* Stop and join the workers; queued jobs are dropped. */
void scache_queue_destroy(struct scache_queue *q);
/* Queue a fill of stripes [s0, s1) of o: -EAGAIN when the queue is full,
 * -ENOMEM; workers start (up to `threads`) on first use. */
int scache_queue_add(struct scache_queue *q, const struct scache_obj *o,
                     uint64_t s0, uint64_t s1, unsigned threads);

#endif
