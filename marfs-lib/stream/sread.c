/*
 * sread.c - read a file from its objects (see sread.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mdal.h"
#include "sread.h"

/* Objects a reader keeps open for its own misses: opening one reads the
 * meta of all its blocks, so a ranged reader moving among a few chunks
 * of a big file should not pay that on every switch. */
#define SREAD_OBJECTS 8

struct sread_obj {
    uint64_t objno;             /* UINT64_MAX: unused */
    uint64_t used;              /* when last used (the reader's clock) */
    ne_read_t *h;               /* opened on first miss */
    char name[160];
};

struct sread {
    ne_ctx_t *ne;
    struct ftag tag;
    struct scache *cache;
    struct sread_obj obj[SREAD_OBJECTS];
    uint64_t clock;
    const char *name;           /* of the object used last (messages) */
    const struct mdal_ns *flag_to;      /* where to report damage */
    int own_cache;              /* cache is this reader's (sread_open) */
    struct sread_ra ra;
};

int sread_open(ne_ctx_t *ne, const struct ftag *tag, struct sread **out)
{
    /* a cache of its own that holds nothing: the direct path, with the
     * damage reports once per object all the same */
    struct scache_limits none = {0, 0, 0};
    struct scache *own;
    int rc = scache_create(&none, &own);
    if (rc < 0)
        return rc;
    if ((rc = sread_open_cached(ne, tag, own, out)) < 0) {
        scache_destroy(own);
        return rc;
    }
    (*out)->own_cache = 1;
    return 0;
}

int sread_open_cached(ne_ctx_t *ne, const struct ftag *tag,
                      struct scache *cache, struct sread **out)
{
    struct sread *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    r->ne = ne;
    r->tag = *tag;
    r->cache = cache;
    for (unsigned i = 0; i < SREAD_OBJECTS; i++)
        r->obj[i].objno = UINT64_MAX;
    *out = r;
    return 0;
}

void sread_flag_damaged_to(struct sread *r, const struct mdal_ns *md)
{
    r->flag_to = md;
}

/* Object objno as the cache sees it, with the reader's handle slot for
 * it (the least recently used slot's object is closed to make one). */
static int use_object(struct sread *r, uint64_t objno, struct scache_obj *o)
{
    struct sread_obj *slot = &r->obj[0];
    for (unsigned i = 0; i < SREAD_OBJECTS; i++) {
        if (r->obj[i].objno == objno) {
            slot = &r->obj[i];
            break;
        }
        if (r->obj[i].used < slot->used)
            slot = &r->obj[i];
    }
    if (slot->objno != objno) {
        if (slot->h != NULL)
            ne_close_read(slot->h);
        slot->h = NULL;
        slot->objno = UINT64_MAX;
        int rc = ftag_objname(r->tag.stream, objno, slot->name,
                              sizeof(slot->name));
        if (rc < 0)
            return rc;
        slot->objno = objno;
    }
    slot->used = ++r->clock;
    r->name = slot->name;
    *o = (struct scache_obj){
        .ne = r->ne, .name = slot->name, .psz = (size_t)r->tag.psz,
        .n = r->tag.n, .h = &slot->h, .flag_to = r->flag_to,
    };
    return 0;
}

static uint64_t stripe_bytes(const struct sread *r)
{
    return r->tag.n * r->tag.psz;
}

/* Queue read-ahead of the file range [off, off + len), object by
 * object (the workers open their own handles). */
static void read_ahead(struct sread *r, uint64_t off, uint64_t len)
{
    char name[160];
    struct scache_obj o = {
        .ne = r->ne, .name = name, .psz = (size_t)r->tag.psz, .n = r->tag.n,
        .flag_to = r->flag_to,
    };
    uint64_t end = off + len;
    while (off < end) {
        uint64_t objno, objoff, avail;
        ftag_map(&r->tag, off, &objno, &objoff, &avail);
        uint64_t n = end - off < avail ? end - off : avail;
        if (ftag_objname(r->tag.stream, objno, name, sizeof(name)) < 0 ||
            scache_prefetch(r->cache, &o, objoff, n) < n)
            return;
        off += n;
    }
}

/* Clip [off, off + len) to the file (0: nothing to read), queue
 * read-ahead, and say how the cache should treat this read. */
static size_t prepare(struct sread *r, size_t len, uint64_t off,
                      unsigned *how)
{
    if (off >= r->tag.size)
        return 0;
    if (len > r->tag.size - off)
        len = (size_t)(r->tag.size - off);
    struct scache_limits lim;
    scache_get_limits(r->cache, &lim);
    uint64_t pf_off, pf_len;
    sread_ra_next(&r->ra, off, len, r->tag.size, stripe_bytes(r),
                  lim.readahead, &pf_off, &pf_len);
    /* a small (packed) file: only the parts it lies in.  Its neighbours
     * share its stripe, but readers seldom take them in pack order (a
     * walk goes directory by directory in hash order): decoding whole
     * stripes made pftool read 10x what it copied out of a 10+2 repo */
    *how = r->tag.size < stripe_bytes(r) ? SCACHE_PARTS
         : r->ra.win == 0 ? SCACHE_BYPASS : SCACHE_ONCE;
    if (pf_len > 0)
        read_ahead(r, pf_off, pf_len);
    return len;
}

/* The object piece holding file byte off: *o, its offset, its length
 * within [off, off + len). */
static int piece(struct sread *r, uint64_t off, size_t len,
                 struct scache_obj *o, uint64_t *objoff, size_t *n)
{
    uint64_t objno, avail;
    ftag_map(&r->tag, off, &objno, objoff, &avail);
    *n = len < avail ? len : (size_t)avail;
    return use_object(r, objno, o);
}

static int short_object(const struct sread *r)
{
    LOG_ERR("object %s is shorter than its file's tag says", r->name);
    return -EIO;
}

ssize_t sread_pread(struct sread *r, void *buf, size_t len, uint64_t off)
{
    char *p = buf;
    size_t done = 0;
    unsigned how;
    len = prepare(r, len, off, &how);
    while (done < len) {
        struct scache_obj o;
        uint64_t objoff;
        size_t n;
        int rc = piece(r, off + done, len - done, &o, &objoff, &n);
        if (rc < 0)
            return rc;
        ssize_t got = scache_pread(r->cache, &o, p + done, n, objoff, how);
        if (got < 0)
            return got;
        if ((size_t)got != n)
            return short_object(r);
        done += n;
    }
    return (ssize_t)done;
}

ssize_t sread_pread_pinned(struct sread *r, size_t len, uint64_t off,
                           struct scache_pins *pins, size_t *want)
{
    size_t done = 0;
    unsigned how;
    *want = len = prepare(r, len, off, &how);
    while (done < len && pins->n < SCACHE_PINS_MAX) {
        struct scache_obj o;
        uint64_t objoff;
        size_t n;
        int rc = piece(r, off + done, len - done, &o, &objoff, &n);
        if (rc < 0)
            return rc;
        ssize_t got = scache_pread_pinned(r->cache, &o, n, objoff, how,
                                          pins);
        if (got < 0)
            return got;
        done += (size_t)got;
        if ((size_t)got < n && pins->n < SCACHE_PINS_MAX && got > 0)
            return short_object(r);
        if ((size_t)got < n)
            break;              /* out of pins, or caching is off */
    }
    return (ssize_t)done;
}

void sread_close(struct sread *r)
{
    if (r == NULL)
        return;
    for (unsigned i = 0; i < SREAD_OBJECTS; i++)
        if (r->obj[i].h != NULL)
            ne_close_read(r->obj[i].h);
    if (r->own_cache)
        scache_destroy(r->cache);
    free(r);
}
