/*
 * sread_cache.c - the shared cache of decoded stripes (see sread_cache.h).
 *
 * A stripe buffer ("seg") holds stripe s of one object: object bytes
 * [s * n * psz, (s + 1) * n * psz), as n units of psz bytes, each empty,
 * busy (one thread is decoding it, without the lock) or valid.  The unit
 * is the erasure layer's part size, so a unit fill reads one part per
 * stripe when all is well.  One mutex guards the index, the LRU list,
 * unit states, pins and counters; one condition variable announces units
 * leaving the busy state.  Copies in and out happen without the lock: a
 * pinned stripe is never evicted and a valid unit never changes.
 *
 * The object's length is not known before it is opened: a fill that
 * comes back short records where the object ends in that stripe.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "log.h"
#include "mdal.h"
#include "sread_cache.h"
#include "sread_mem.h"

enum unit_state { U_EMPTY = 0, U_BUSY, U_VALID };

struct scache_seg {
    struct scache_seg *hnext;   /* index chain */
    struct scache_seg *prev, *next;     /* LRU, most recent first */
    ne_ctx_t *ne;
    uint64_t stripe;
    uint64_t hash;
    size_t psz;
    unsigned n;
    size_t size;                /* n * psz: the buffer */
    size_t end;                 /* object bytes in this stripe (size if
                                   not known to be fewer) */
    unsigned pins;
    int transient;              /* its buffer is past the limit: dropped
                                   as soon as nobody uses it */
    int used_once;              /* read through by a sequential reader:
                                   reused before the cache grows */
    uint8_t *buf;
    uint8_t *st;                /* n unit states, after name */
    char name[];
};

#define DAMAGE_RING 64
/* Stripes sequential readers were done with and whose buffers went to
 * other stripes: read-ahead queued behind a reader that outran it skips
 * them instead of decoding them again for nobody. */
#define CONSUMED_RING 256

struct scache {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct scache_limits lim;
    struct scache_seg **index;
    size_t nbuckets;            /* power of two */
    struct scache_seg *head, *tail;     /* LRU */
    struct smem mem;            /* the buffers */
    struct scache_stats st;
    struct scache_queue *queue;
    uint64_t damaged[DAMAGE_RING];  /* name hashes already warned about */
    unsigned ndamaged;
    uint64_t consumed[CONSUMED_RING];   /* seg_hash of used-once stripes */
    unsigned nconsumed;
};

/* ---- buffers, index, LRU ---------------------------------------------- */

static uint64_t seg_hash(ne_ctx_t *ne, const char *name, uint64_t stripe)
{
    return mhash_xxh64(name, strlen(name), (uint64_t)(uintptr_t)ne) ^
           mhash_mix64(stripe + MHASH_GAMMA);
}

static size_t buckets_for(uint64_t bytes)
{
    /* about one bucket per 64 KiB of limit: short chains for any part
     * size in use */
    size_t want = (size_t)(bytes / (64 << 10)) + 1, n = 1024;
    while (n < want && n < ((size_t)1 << 24))
        n <<= 1;
    return n;
}

static void lru_unlink(struct scache *c, struct scache_seg *g)
{
    if (g->prev) g->prev->next = g->next; else c->head = g->next;
    if (g->next) g->next->prev = g->prev; else c->tail = g->prev;
    g->prev = g->next = NULL;
}

/* g was read through by a sequential reader: to the cold end. */
static void demote(struct scache *c, struct scache_seg *g)
{
    g->used_once = 1;
    if (c->tail == g)
        return;
    lru_unlink(c, g);
    g->prev = c->tail;
    if (c->tail)
        c->tail->next = g;
    c->tail = g;
    if (c->head == NULL)
        c->head = g;
}

static void lru_front(struct scache *c, struct scache_seg *g)
{
    if (c->head == g)
        return;
    if (g->prev || g->next || c->tail == g)
        lru_unlink(c, g);
    g->next = c->head;
    if (c->head)
        c->head->prev = g;
    c->head = g;
    if (c->tail == NULL)
        c->tail = g;
}

static struct scache_seg *seg_find(struct scache *c, ne_ctx_t *ne,
                                   const char *name, uint64_t stripe,
                                   uint64_t h)
{
    struct scache_seg *g = c->index[h & (c->nbuckets - 1)];
    for (; g != NULL; g = g->hnext)
        if (g->hash == h && g->ne == ne && g->stripe == stripe &&
            strcmp(g->name, name) == 0)
            return g;
    return NULL;
}

static void index_remove(struct scache *c, struct scache_seg *g)
{
    struct scache_seg **pp = &c->index[g->hash & (c->nbuckets - 1)];
    while (*pp != g)
        pp = &(*pp)->hnext;
    *pp = g->hnext;
}

static int was_consumed(const struct scache *c, uint64_t h)
{
    for (unsigned i = 0; i < CONSUMED_RING; i++)
        if (c->consumed[i] == h)
            return 1;
    return 0;
}

/* Take g out of the cache and give its buffer back; with release, a
 * slab left without buffers in use is unmapped. */
static void seg_drop(struct scache *c, struct scache_seg *g, int release)
{
    if (g->used_once)
        c->consumed[c->nconsumed++ % CONSUMED_RING] = g->hash;
    index_remove(c, g);
    lru_unlink(c, g);
    smem_put(&c->mem, g->buf, g->size, release);
    free(g);
}

/* Evict the least recently used unpinned stripe; 0 if none.  Its
 * buffer is kept for reuse if it has the size wanted (0: none is). */
static int evict_one(struct scache *c, size_t want)
{
    struct scache_seg *g = c->tail;
    while (g != NULL && g->pins > 0)
        g = g->prev;
    if (g == NULL)
        return 0;
    /* a buffer of another size is of no use: its slab's memory may be */
    seg_drop(c, g, g->size != want);
    c->st.evicted++;
    return 1;
}

/* A stripe a sequential reader is done with, of this size and no longer
 * pinned, at the cold end of the LRU list (where those go, the last one
 * possibly still being sent): its buffer is the next one to use. */
static int reuse_used_once(struct scache *c, size_t size)
{
    struct scache_seg *g = c->tail;
    for (int k = 0; g != NULL && g->used_once && k < 8; k++, g = g->prev) {
        if (g->pins == 0 && g->size == size) {
            seg_drop(c, g, 0);
            c->st.evicted++;
            return 1;
        }
    }
    return 0;
}

/*
 * A buffer of size bytes: a free one, else one a sequential reader is
 * done with, else a new slab while the limit allows, else the least
 * recently used stripes' (evicting until one of this size is free, or
 * their slabs' memory fits a new slab).  With force, past the limit when
 * every stripe is pinned.  NULL if none.
 */
static uint8_t *get_buffer(struct scache *c, size_t size, int force,
                           int *transient)
{
    uint8_t *buf;
    /* whole slabs (huge pages) unless the limit is smaller than one */
    int whole = smem_grow_cost(size, 1) <= c->lim.bytes;
    while ((buf = smem_take(&c->mem, size)) == NULL) {
        if (reuse_used_once(c, size))
            continue;
        if (c->mem.held + smem_grow_cost(size, whole) <= c->lim.bytes) {
            if (smem_grow(&c->mem, size, whole) < 0)
                return NULL;
            continue;
        }
        if (!evict_one(c, size))
            break;
    }
    /* past the limit only by the one buffer this pinned reader needs */
    *transient = buf == NULL;
    if (buf == NULL && force && smem_grow(&c->mem, size, 0) == 0)
        buf = smem_take(&c->mem, size);
    if (c->mem.held > c->st.peak)
        c->st.peak = c->mem.held;
    return buf;
}

static struct scache_seg *seg_new(struct scache *c,
                                  const struct scache_obj *o,
                                  uint64_t stripe, uint64_t h, int force)
{
    size_t size = (size_t)o->n * o->psz, nlen = strlen(o->name) + 1;
    struct scache_seg *g = calloc(1, sizeof(*g) + nlen + o->n);
    int transient = 0;
    uint8_t *buf = g ? get_buffer(c, size, force, &transient) : NULL;
    if (buf == NULL) {
        free(g);
        return NULL;
    }
    memcpy(g->name, o->name, nlen);
    g->st = (uint8_t *)g->name + nlen;
    g->ne = o->ne;
    g->stripe = stripe;
    g->hash = h;
    g->psz = o->psz;
    g->n = o->n;
    g->size = g->end = size;
    g->buf = buf;
    g->pins = 1;
    g->transient = transient;
    struct scache_seg **b = &c->index[h & (c->nbuckets - 1)];
    g->hnext = *b;
    *b = g;
    lru_front(c, g);
    return g;
}

/* The stripe buffer of (o, stripe), pinned; created if missing unless
 * create is 0.  NULL when absent (create 0) or no memory / room. */
static struct scache_seg *seg_get(struct scache *c,
                                  const struct scache_obj *o,
                                  uint64_t stripe, int create, int force)
{
    uint64_t h = seg_hash(o->ne, o->name, stripe);
    struct scache_seg *g = seg_find(c, o->ne, o->name, stripe, h);
    if (g != NULL) {
        g->pins++;
        g->used_once = 0;       /* someone wants it again */
        lru_front(c, g);
        return g;
    }
    return create ? seg_new(c, o, stripe, h, force) : NULL;
}

static void seg_unpin(struct scache *c, struct scache_seg *g)
{
    if (--g->pins == 0 && g->transient)
        seg_drop(c, g, 1);
}

/* ---- filling ---------------------------------------------------------- */

static int open_object(const struct scache_obj *o)
{
    if (*o->h != NULL)
        return 0;
    int rc = ne_open_read(o->ne, o->name, o->h);
    if (rc < 0) {
        LOG_ERR("object %s of a complete file cannot be read: %s", o->name,
                strerror(-rc));
        *o->h = NULL;
        return rc == -ENOENT ? -EIO : rc;
    }
    return 0;
}

/*
 * Mark the empty units of [a, b) busy (mine[u] = 1); returns how many.
 * Units wholly past the known end become valid at once.
 */
static unsigned claim(struct scache_seg *g, unsigned a, unsigned b,
                      uint8_t *mine)
{
    unsigned k = 0;
    for (unsigned u = a; u < b; u++) {
        mine[u] = 0;
        if (g->st[u] != U_EMPTY)
            continue;
        if ((size_t)u * g->psz >= g->end) {
            g->st[u] = U_VALID;
            continue;
        }
        g->st[u] = U_BUSY;
        mine[u] = 1;
        k++;
    }
    return k;
}

/*
 * Decode my busy units of g (runs of consecutive units, one ne_pread
 * each) without the lock.  *end holds where the object is known to end
 * in this stripe (g->end when the lock was dropped) and gets the new
 * end if a read comes back short.  Returns the bytes read or a negative
 * errno.
 */
static ssize_t fill_units(const struct scache_obj *o, struct scache_seg *g,
                          const uint8_t *mine, size_t *end)
{
    uint64_t base = g->stripe * g->size;
    ssize_t total = 0;
    for (unsigned a = 0; a < g->n; a++) {
        if (!mine[a])
            continue;
        unsigned b = a + 1;
        while (b < g->n && mine[b])
            b++;
        size_t lo = (size_t)a * g->psz, hi = (size_t)b * g->psz;
        if (hi > *end)
            hi = *end;
        ssize_t got = ne_pread(*o->h, g->buf + lo, hi - lo, base + lo);
        if (got < 0)
            return got;
        total += got;
        if ((size_t)got < hi - lo) {
            *end = lo + (size_t)got;
            return total;
        }
        a = b;
    }
    return total;
}

/* After a fill: my units become valid (or empty again on failure). */
static void settle(struct scache *c, struct scache_seg *g,
                   const uint8_t *mine, ssize_t rc, size_t end)
{
    if (rc >= 0 && end < g->end)
        g->end = end;
    for (unsigned u = 0; u < g->n; u++)
        if (mine[u])
            g->st[u] = rc < 0 ? U_EMPTY : U_VALID;
    pthread_cond_broadcast(&c->cv);
}

static int all_valid(const struct scache_seg *g, unsigned a, unsigned b)
{
    for (unsigned u = a; u < b; u++)
        if (g->st[u] != U_VALID)
            return 0;
    return 1;
}

/*
 * Make units [a, b) of pinned g valid: fill what nobody is filling (plus,
 * with fill_all, every other empty unit of the stripe), wait for what
 * others are filling.  Called and returns with the lock held.  *filled
 * is set when this call decoded something.
 */
static int ensure_units(struct scache *c, const struct scache_obj *o,
                        struct scache_seg *g, unsigned a, unsigned b,
                        int fill_all, int *filled)
{
    uint8_t mine[NE_MAX_BLOCKS];
    for (;;) {
        unsigned k = fill_all ? claim(g, 0, g->n, mine)
                              : claim(g, a, b, mine);
        if (k > 0) {
            size_t end = g->end;
            pthread_mutex_unlock(&c->mu);
            int rc = open_object(o);
            ssize_t got = rc < 0 ? rc : fill_units(o, g, mine, &end);
            if (got >= 0)
                scache_note_damage(c, *o->h, o);
            pthread_mutex_lock(&c->mu);
            settle(c, g, mine, got, end);
            if (got < 0)
                return (int)got;
            c->st.decoded += (uint64_t)got;
            *filled = 1;
            continue;
        }
        if (all_valid(g, a, b))
            return 0;
        pthread_cond_wait(&c->cv, &c->mu);
    }
}

/* Whole stripe s straight into dst, bypassing the cache. */
static ssize_t read_direct(struct scache *c, const struct scache_obj *o,
                           uint64_t s, void *dst, size_t len)
{
    int rc = open_object(o);
    if (rc < 0)
        return rc;
    ssize_t got = ne_pread(*o->h, dst, len,
                           s * (uint64_t)o->n * o->psz);
    if (got >= 0) {
        scache_note_damage(c, *o->h, o);
        pthread_mutex_lock(&c->mu);
        c->st.direct += (uint64_t)got;
        pthread_mutex_unlock(&c->mu);
    }
    return got;
}

/*
 * Pin stripe s of o with its bytes [lo, hi) valid (decoding what is
 * missing); *len gets how many of them the object has (fewer at its
 * end).  A sequential reader that reaches the stripe's end marks it
 * used once.  Takes and drops the lock.
 */
static int stripe_pin(struct scache *c, const struct scache_obj *o,
                      uint64_t s, size_t lo, size_t hi, unsigned how,
                      struct scache_seg **out, size_t *len)
{
    pthread_mutex_lock(&c->mu);
    struct scache_seg *g = seg_get(c, o, s, 1, 1);
    if (g == NULL) {
        pthread_mutex_unlock(&c->mu);
        return -ENOMEM;
    }
    int filled = 0;
    unsigned a = (unsigned)(lo / o->psz);
    unsigned b = (unsigned)((hi - 1) / o->psz) + 1;
    int rc = ensure_units(c, o, g, a, b, how & SCACHE_STRIPE, &filled);
    if (filled)
        c->st.misses++;
    else
        c->st.hits++;
    if (hi > g->end)
        hi = g->end > lo ? g->end : lo;
    if (rc == 0 && (how & SCACHE_ONCE) && hi == g->end)
        demote(c, g);
    if (rc < 0)
        seg_unpin(c, g);
    pthread_mutex_unlock(&c->mu);
    *out = g;
    *len = hi - lo;
    return rc;
}

static int is_cached(struct scache *c, const struct scache_obj *o,
                     uint64_t s)
{
    pthread_mutex_lock(&c->mu);
    int found = seg_find(c, o->ne, o->name, s,
                         seg_hash(o->ne, o->name, s)) != NULL;
    pthread_mutex_unlock(&c->mu);
    return found;
}

/* Bytes [lo, hi) of stripe s of o into dst (fewer at the object end). */
static ssize_t stripe_read(struct scache *c, const struct scache_obj *o,
                           uint64_t s, size_t lo, size_t hi, uint8_t *dst,
                           unsigned how)
{
    size_t sb = (size_t)o->n * o->psz, len;
    struct scache_seg *g;
    if ((how & SCACHE_BYPASS) && lo == 0 && hi == sb && !is_cached(c, o, s))
        return read_direct(c, o, s, dst, sb);
    int rc = stripe_pin(c, o, s, lo, hi, how, &g, &len);
    if (rc < 0)
        return rc;
    memcpy(dst, g->buf + lo, len);
    pthread_mutex_lock(&c->mu);
    seg_unpin(c, g);
    pthread_mutex_unlock(&c->mu);
    return (ssize_t)len;
}

ssize_t scache_pread(struct scache *c, const struct scache_obj *o,
                     void *buf, size_t len, uint64_t off, unsigned how)
{
    if (o->n == 0 || o->n > NE_MAX_BLOCKS || o->psz == 0)
        return -EINVAL;
    pthread_mutex_lock(&c->mu);
    int enabled = c->lim.bytes > 0;
    pthread_mutex_unlock(&c->mu);
    if (!enabled) {
        int rc = open_object(o);
        ssize_t got = rc < 0 ? rc : ne_pread(*o->h, buf, len, off);
        if (got >= 0)
            scache_note_damage(c, *o->h, o);
        return got;
    }
    size_t sb = (size_t)o->n * o->psz, done = 0;
    while (done < len) {
        uint64_t pos = off + done;
        size_t lo = (size_t)(pos % sb);
        size_t hi = sb - lo < len - done ? sb : lo + (len - done);
        ssize_t got = stripe_read(c, o, pos / sb, lo, hi,
                                  (uint8_t *)buf + done, how);
        if (got < 0)
            return got;
        done += (size_t)got;
        if ((size_t)got < hi - lo)
            break;              /* the object ends here */
    }
    return (ssize_t)done;
}

ssize_t scache_pread_pinned(struct scache *c, const struct scache_obj *o,
                            size_t len, uint64_t off, unsigned how,
                            struct scache_pins *pins)
{
    if (o->n == 0 || o->n > NE_MAX_BLOCKS || o->psz == 0)
        return -EINVAL;
    pthread_mutex_lock(&c->mu);
    int enabled = c->lim.bytes > 0;
    pthread_mutex_unlock(&c->mu);
    size_t sb = (size_t)o->n * o->psz, done = 0;
    while (enabled && done < len && pins->n < SCACHE_PINS_MAX) {
        uint64_t pos = off + done;
        size_t lo = (size_t)(pos % sb), n;
        size_t hi = sb - lo < len - done ? sb : lo + (len - done);
        struct scache_seg *g;
        int rc = stripe_pin(c, o, pos / sb, lo, hi, how, &g, &n);
        if (rc < 0)
            return rc;
        pins->seg[pins->n] = g;
        pins->span[pins->n].p = g->buf + lo;
        pins->span[pins->n++].len = n;
        done += n;
        if (n < hi - lo)
            break;              /* the object ends here */
    }
    return (ssize_t)done;
}

void scache_unpin(struct scache *c, struct scache_pins *pins)
{
    if (pins->n == 0)
        return;
    pthread_mutex_lock(&c->mu);
    for (unsigned i = 0; i < pins->n; i++)
        seg_unpin(c, pins->seg[i]);
    pthread_mutex_unlock(&c->mu);
    pins->n = 0;
}

void scache_fill_ahead(struct scache *c, const struct scache_obj *o,
                       uint64_t s0, uint64_t s1)
{
    uint8_t mine[NE_MAX_BLOCKS];
    pthread_mutex_lock(&c->mu);
    for (uint64_t s = s0; s < s1; s++) {
        if (was_consumed(c, seg_hash(o->ne, o->name, s)))
            continue;           /* its reader is past it */
        struct scache_seg *g = seg_get(c, o, s, 1, 0);
        if (g == NULL)
            break;              /* no room: the readers come first */
        unsigned k = claim(g, 0, g->n, mine);
        size_t end = g->end;
        ssize_t got = 0;
        if (k > 0) {
            pthread_mutex_unlock(&c->mu);
            int rc = open_object(o);
            got = rc < 0 ? rc : fill_units(o, g, mine, &end);
            if (got >= 0)
                scache_note_damage(c, *o->h, o);
            pthread_mutex_lock(&c->mu);
            settle(c, g, mine, got, end);
            if (got > 0) {
                c->st.decoded += (uint64_t)got;
                c->st.prefetched += (uint64_t)got;
            }
        }
        int at_end = g->end < g->size;
        seg_unpin(c, g);
        if (got < 0 || at_end)
            break;
    }
    pthread_mutex_unlock(&c->mu);
}

/* ---- read-ahead requests ---------------------------------------------- */

uint64_t scache_prefetch(struct scache *c, const struct scache_obj *o,
                         uint64_t off, uint64_t len)
{
    /* jobs of about 2 MiB: big enough that opening the object is cheap
     * next to the decoding, small enough for the workers to share */
    enum { JOB_BYTES = 2 << 20 };
    pthread_mutex_lock(&c->mu);
    struct scache_limits lim = c->lim;
    pthread_mutex_unlock(&c->mu);
    if (lim.bytes == 0 || lim.threads == 0 || len == 0 || c->queue == NULL ||
        o->n == 0 || o->n > NE_MAX_BLOCKS || o->psz == 0)
        return 0;
    uint64_t sb = (uint64_t)o->n * o->psz;
    uint64_t per = JOB_BYTES / sb ? JOB_BYTES / sb : 1, queued = 0;
    uint64_t s1 = (off + len - 1) / sb + 1;
    for (uint64_t s = off / sb; s < s1; s += per) {
        uint64_t e = s + per < s1 ? s + per : s1;
        if (scache_queue_add(c->queue, o, s, e, lim.threads) < 0)
            break;
        queued += (e - s) * sb;
    }
    return queued;
}

void scache_count_open(struct scache *c)
{
    pthread_mutex_lock(&c->mu);
    c->st.opens++;
    pthread_mutex_unlock(&c->mu);
}

/* ---- damage ----------------------------------------------------------- */

void scache_note_damage(struct scache *c, ne_read_t *h,
                        const struct scache_obj *o)
{
    struct ne_health health;
    if (h == NULL || ne_damaged(h, &health) == 0)
        return;
    uint64_t key = mhash_xxh64(o->name, strlen(o->name), 0);
    pthread_mutex_lock(&c->mu);
    for (unsigned i = 0; i < DAMAGE_RING; i++) {
        if (c->damaged[i] == key) {
            pthread_mutex_unlock(&c->mu);
            return;
        }
    }
    c->damaged[c->ndamaged++ % DAMAGE_RING] = key;
    pthread_mutex_unlock(&c->mu);
    if (o->flag_to != NULL)
        mdal_flag_damaged(o->flag_to, o->name);
    LOG_WARN("object %s has %u damaged block(s) (data was reconstructed "
             "from parity); it needs a rebuild (marfs-rman --rebuild)",
             o->name, health.nbad);
}

/* ---- set-up ----------------------------------------------------------- */

int scache_create(const struct scache_limits *lim, struct scache **out)
{
    struct scache *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    c->lim = *lim;
    c->nbuckets = buckets_for(lim->bytes);
    c->index = calloc(c->nbuckets, sizeof(*c->index));
    int rc = c->index ? scache_queue_create(c, &c->queue) : -ENOMEM;
    if (rc < 0) {
        free(c->index);
        free(c);
        return rc;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->st.limit = lim->bytes;
    *out = c;
    return 0;
}

void scache_destroy(struct scache *c)
{
    if (c == NULL)
        return;
    scache_queue_destroy(c->queue);
    while (c->head != NULL)
        seg_drop(c, c->head, 0);
    smem_free_all(&c->mem);
    free(c->index);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* Rebuild the index for a new bucket count (lock held). */
static void rehash(struct scache *c, size_t nbuckets)
{
    struct scache_seg **idx = calloc(nbuckets, sizeof(*idx));
    if (idx == NULL)
        return;                 /* keep the old one: only chains grow */
    for (struct scache_seg *g = c->head; g; g = g->next) {
        struct scache_seg **b = &idx[g->hash & (nbuckets - 1)];
        g->hnext = *b;
        *b = g;
    }
    free(c->index);
    c->index = idx;
    c->nbuckets = nbuckets;
}

void scache_set_limits(struct scache *c, const struct scache_limits *lim)
{
    pthread_mutex_lock(&c->mu);
    c->lim = *lim;
    c->st.limit = lim->bytes;
    if (buckets_for(lim->bytes) > c->nbuckets)
        rehash(c, buckets_for(lim->bytes));
    while (c->mem.held > lim->bytes && evict_one(c, 0))
        ;
    smem_trim(&c->mem, lim->bytes);
    pthread_mutex_unlock(&c->mu);
}

void scache_get_limits(struct scache *c, struct scache_limits *lim)
{
    pthread_mutex_lock(&c->mu);
    *lim = c->lim;
    pthread_mutex_unlock(&c->mu);
}

void scache_stats(struct scache *c, struct scache_stats *st)
{
    pthread_mutex_lock(&c->mu);
    *st = c->st;
    st->used = c->mem.held;
    pthread_mutex_unlock(&c->mu);
}
