/*
 * marfs_layout.c - where a file's data lives, for marfs stat: the
 * objects the file spans (ftag_map over its size: object, offset, bytes
 * of the file in it) and, per object, the location of each of its N+E
 * blocks (ne_block_loc) with the block's health from its meta info
 * (ne_stat, which reads no data).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "marfs_tag.h"

static void print_block(ne_ctx_t *ne, const char *obj,
                        const struct ne_health *h, unsigned b)
{
    struct dal_loc loc;
    ne_block_loc(ne, obj, b, &loc);
    printf("    block %u: pod %u cap %u scatter %u", b, loc.pod, loc.cap,
           loc.scatter);
    if (h->nblocks == 0) {
        printf(": missing\n");
        return;
    }
    unsigned part = (b + h->nblocks - h->rotation % h->nblocks) % h->nblocks;
    printf(": %s part %u", part < h->n ? "data" : "parity",
           part < h->n ? part : part - h->n);
    if (h->state[b] == NE_BLK_OK)
        printf(": ok\n");
    else
        printf(": %s (%s)\n", ne_bstate_str(h->state[b]),
               strerror(-h->err[b]));
}

/* One object: its share of the file, then its blocks; 1 if it is bad. */
static int print_object(ne_ctx_t *ne, const struct ftag *t, uint64_t objno,
                        uint64_t off, uint64_t first, uint64_t len)
{
    char obj[160];
    struct ne_health h;
    if (ftag_objname(t->stream, objno, obj, sizeof(obj)) < 0)
        return 1;
    if (len > 0)
        printf("  object %s: file bytes %llu-%llu (%llu bytes) at offset "
               "%llu\n", obj, (unsigned long long)first,
               (unsigned long long)(first + len - 1),
               (unsigned long long)len, (unsigned long long)off);
    else
        printf("  object %s: no file bytes (empty file) at offset %llu\n",
               obj, (unsigned long long)off);
    memset(&h, 0, sizeof(h));
    int rc = ne_stat(ne, obj, &h);
    if (rc == -ENOENT && t->state == FTAG_WRITING) {
        printf("    not written yet (an N:1 chunk still to come)\n");
        return 0;
    }
    if (rc == -ENOENT) {
        printf("    missing: no block of this object exists\n");
        h.nblocks = 0;
    } else if (h.nblocks > 0) {
        printf("    %u+%u, %llu bytes, rotation %u, damaged blocks %u\n",
               h.n, h.e, (unsigned long long)h.size, h.rotation, h.nbad);
    }
    if (rc < 0 && rc != -ENOENT)
        printf("    unreadable: %s%s\n", strerror(-rc),
               rc == -EIO ? " (fewer than N blocks agree: data lost)" : "");
    unsigned nb = h.nblocks ? h.nblocks : t->n + t->e;
    for (unsigned b = 0; b < nb && b < NE_MAX_BLOCKS; b++)
        print_block(ne, obj, &h, b);
    return rc < 0;
}

/* Objects a file of this tag spans (computed, not walked: a corrupt
 * but decodable tag may claim absurd sizes). */
static uint64_t object_count(const struct ftag *t)
{
    if (t->size <= t->first)
        return 1;
    uint64_t rest = t->size - t->first;
    return 1 + rest / t->chunk + (rest % t->chunk != 0);
}

#define LAYOUT_MAX_OBJECTS 1000

unsigned mt_print_layout(ne_ctx_t *ne, const struct ftag *t)
{
    if (t->state != FTAG_COMPLETE && !t->nto1) {
        printf("Objects: not known until the file is complete (stream %s, "
               "from object %llu)\n", t->stream,
               (unsigned long long)t->objno);
        return 0;
    }
    uint64_t nobj = object_count(t), shown = 0, x, objno, off, avail;
    printf("Objects: %llu\n", (unsigned long long)nobj);
    if (t->size == 0)
        return (unsigned)print_object(ne, t, t->objno, t->off, 0, 0);
    unsigned bad = 0;
    for (x = 0; x < t->size && shown < LAYOUT_MAX_OBJECTS; shown++) {
        ftag_map(t, x, &objno, &off, &avail);
        uint64_t len = avail < t->size - x ? avail : t->size - x;
        bad += (unsigned)print_object(ne, t, objno, off, x, len);
        x += len;
    }
    if (shown < nobj)
        printf("  ... %llu more objects not shown\n",
               (unsigned long long)(nobj - shown));
    return bad;
}
