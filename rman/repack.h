/*
 * repack.h - rewriting the live files of mostly-dead packed objects into
 * new objects (repack.c), and finishing a killed repack (forward once its
 * new objects are all written and the switches logged, else back).
 * Protocol: doc/rman.md, "Repack".
 */
#ifndef MARFS_RMAN_REPACK_H
#define MARFS_RMAN_REPACK_H

#include "rman.h"
#include "wal.h"

int repack_replay(struct rm_ns *ns, struct wal_batch *b);

#endif
