/*
 * sread_ahead.c - when and how far a reader reads ahead (see sread.h).
 *
 * A reader is sequential when it starts at offset 0 or reads near where
 * its last read ended (a little slack, because a FUSE mount serves the
 * kernel's concurrent read-ahead requests slightly out of order).  While
 * it stays sequential its window doubles, from two stripes up to the
 * configured maximum, and read-ahead is topped up whenever less than half
 * a window lies ahead of the reader; one random read resets it, so
 * ranged readers decode only what they ask for.
 */
#include "sread.h"

void sread_ra_next(struct sread_ra *ra, uint64_t off, uint64_t len,
                   uint64_t size, uint64_t stripe, uint64_t max,
                   uint64_t *pf_off, uint64_t *pf_len)
{
    uint64_t slack = 4 * (len > (128u << 10) ? len : (128u << 10));
    uint64_t end = off + len;
    int seq = (off == 0 && !ra->started) ||
              (ra->started && off + slack >= ra->next &&
               off <= ra->next + slack);
    *pf_off = *pf_len = 0;
    ra->started = 1;
    if (!seq || max == 0) {
        ra->win = 0;
        ra->next = end;
        ra->issued = end;
        return;
    }
    if (end > ra->next)
        ra->next = end;
    uint64_t first = 2 * stripe < max ? 2 * stripe : max;
    ra->win = ra->win == 0 ? first : (2 * ra->win < max ? 2 * ra->win : max);
    if (ra->issued < end)
        ra->issued = end;
    uint64_t target = end + ra->win < size ? end + ra->win : size;
    /* top up only when the lead fell below half a window */
    if (ra->issued >= target || ra->issued - end > ra->win / 2)
        return;
    *pf_off = ra->issued;
    *pf_len = target - ra->issued;
    ra->issued = target;
}
