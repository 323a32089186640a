/*
 * api_spans.c - zero-copy reads (marfs_pread_spans, marfs_unpin): the
 * stream layer pins the cached stripes holding the range and the caller
 * gets pointers into them; what the pins cannot cover (or everything,
 * with caching off) is read into one buffer the pins own.
 */
#include <errno.h>
#include <stdlib.h>

#include "api_internal.h"

struct marfs_pins {
    struct scache *cache;
    struct scache_pins pins;
    void *bounce;
};

void marfs_unpin(marfs_pins_t *p)
{
    if (p == NULL)
        return;
    scache_unpin(p->cache, &p->pins);
    free(p->bounce);
    free(p);
}

ssize_t marfs_pread_spans(marfs_fh_t *fh, size_t len, off_t off,
                          struct marfs_span spans[MARFS_SPANS_MAX],
                          unsigned *nspans, marfs_pins_t **pins)
{
    size_t want, rest = 0;
    *nspans = 0;
    *pins = NULL;
    if (fh->kind != FH_READ)
        return -EBADF;
    if (off < 0)
        return -EINVAL;
    marfs_pins_t *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    p->cache = fh->ctx->cache;
    ssize_t got = sread_pread_pinned(fh->rd, len, (uint64_t)off, &p->pins,
                                     &want);
    if (got >= 0 && (size_t)got < want) {
        /* the rest, copied: out of pins, or no cache */
        rest = want - (size_t)got;
        p->bounce = malloc(rest);
        ssize_t n = p->bounce == NULL ? -ENOMEM
                  : sread_pread(fh->rd, p->bounce, rest,
                                (uint64_t)off + (uint64_t)got);
        got = n < 0 ? n : (size_t)n == rest ? (ssize_t)want : -EIO;
    }
    if (got < 0) {
        marfs_unpin(p);
        return got;
    }
    for (unsigned i = 0; i < p->pins.n; i++)
        spans[i] = (struct marfs_span){p->pins.span[i].p,
                                       p->pins.span[i].len};
    *nspans = p->pins.n;
    if (rest > 0)
        spans[(*nspans)++] = (struct marfs_span){p->bounce, rest};
    *pins = p;
    return got;
}
