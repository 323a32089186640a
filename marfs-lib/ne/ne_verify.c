/*
 * ne_verify.c - checking an object's health.
 *
 * Owns: ne_stat (meta info and block sizes only: cheap enough to run
 * over every object) and ne_verify (read every unit of every block, check
 * each CRC and each block's CRC sum against its meta info).  The scan is
 * shared with rebuild, which must know every damaged block before it
 * rewrites any.
 */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "ne_internal.h"

static void copy_health(const ne_read_t *h, struct ne_health *out)
{
    if (out != NULL)
        *out = h->health;
}

/* Report what an open found (nothing if it found no handle), free it. */
static int report_health(ne_read_t *h, int rc, struct ne_health *health)
{
    if (h == NULL) {
        if (health != NULL)
            memset(health, 0, sizeof(*health));
        return rc;
    }
    copy_health(h, health);
    ne_read_free(h);
    return rc;
}

int ne_stat(ne_ctx_t *ctx, const char *obj, struct ne_health *health)
{
    ne_read_t *h = NULL;
    int rc = ne_read_open(ctx, obj, NE_OPEN_STAT | NE_OPEN_ANY, &h);
    return report_health(h, rc, health);
}

/* Blocks whose units all passed but whose CRC sum disagrees hold units
 * that are individually valid yet not the ones written. */
static void check_crcsums(ne_read_t *h)
{
    for (unsigned b = 0; b < h->nb; b++) {
        struct ne_rblk *rb = &h->blk[b];
        if (!rb->usable || h->health.state[b] != NE_BLK_OK ||
            rb->crcsum == rb->meta.crcsum)
            continue;
        LOG_WARN("object %s block %u: CRC sum %08x, meta info says %08x",
                 h->obj, b, rb->crcsum, rb->meta.crcsum);
        ne_mark_bad(h, b, NE_BLK_CORRUPT, -EBADMSG);
    }
}

/* Open obj and read all of it; on success *out is the open handle with
 * its health filled.  -EIO if some stripe has more than E bad parts. */
int ne_verify_open(ne_ctx_t *ctx, const char *obj, ne_read_t **out)
{
    ne_read_t *h = NULL;
    int rc = ne_read_open(ctx, obj, NE_OPEN_STAT | NE_OPEN_ANY, &h);
    if (h == NULL)
        return rc;
    uint64_t lost = 0;
    for (uint64_t s = 0; rc == 0 && s < h->nstripes; s++)
        lost += ne_scan_stripe(h, s) > h->e;
    if (rc == 0)
        check_crcsums(h);
    if (rc == 0 && lost > 0) {
        LOG_ERR("object %s: %llu of %llu stripes cannot be recovered", obj,
                (unsigned long long)lost, (unsigned long long)h->nstripes);
        rc = -EIO;
    }
    *out = h;
    return rc;
}

int ne_verify(ne_ctx_t *ctx, const char *obj, struct ne_health *health)
{
    ne_read_t *h = NULL;
    int rc = ne_verify_open(ctx, obj, &h);
    return report_health(h, rc, health);
}
