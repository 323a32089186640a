/*
 * scrub.h - reading every block of a namespace's objects and checking
 * every CRC at a bounded rate, resumable (scrub.c), and the position file
 * that makes it so (scrub_pos.c).  doc/rman.md, "Scrub".
 */
#ifndef MARFS_RMAN_SCRUB_H
#define MARFS_RMAN_SCRUB_H

#include <stdint.h>

#include "rman.h"

#define SCRUB_POS_VERSION 1

/* Where a pass stands: the objects are checked in name order, and every
 * object up to and including `last` is checked. */
struct scrub_pos {
    int64_t started;            /* when the pass began */
    char last[256];             /* "" before the first object */
    uint64_t checked, bytes, damaged, crc_errors, lost;
};

/* The position file of this rank ("scrub.pos", or "scrub.pos.K.R" for
 * rank R of K): 0 and *p filled, or -ENOENT if there is none. */
int scrub_pos_load(struct rm_ns *ns, struct scrub_pos *p);
int scrub_pos_save(struct rm_ns *ns, const struct scrub_pos *p);
int scrub_pos_remove(struct rm_ns *ns);

#endif
