/*
 * placement.h - where an object lives: weighted, stable hashing of object
 * names onto pods, caps and scatters (from a repo's <distribution>).
 *
 * Owns: the mapping name -> (pod, cap, scatter).  It must be a pure
 * function of the name and the distribution config: same inputs, same
 * answer on every host and every run; changing one index's weight moves
 * only about that index's share of names; weight 0 never receives a name.
 * The algorithm is documented in doc/placement.md.
 */
#ifndef MARFS_PLACEMENT_H
#define MARFS_PLACEMENT_H

#include "marfs_config.h"

struct mplace_loc {
    unsigned pod;
    unsigned cap;
    unsigned scatter;
};

typedef struct mplace mplace_t;

/* Version of the algorithm in doc/placement.md.  Any change that can move
 * a name bumps it: data placed by one version is not found by another. */
#define MPLACE_VERSION 1

/* Level salts: mplace_locate(map, obj) gives pod = mplace_pick(&pods, obj,
 * MPLACE_SALT_POD), cap = ... MPLACE_SALT_CAP, scatter = ... SCATTER. */
enum { MPLACE_SALT_POD = 1, MPLACE_SALT_CAP = 2, MPLACE_SALT_SCATTER = 3 };

/* What mplace_pick returns when no index has a non-zero weight (a config
 * the loader rejects; mplace_create refuses it too). */
#define MPLACE_NONE ((unsigned)-1)

/* Precompute the tables for a repo's distribution.  0 or -errno. */
int mplace_create(const struct mcfg_repo *repo, mplace_t **out);
void mplace_destroy(mplace_t *map);

/* Locate an object name (any NUL-terminated string). */
void mplace_locate(const mplace_t *map, const char *obj,
                   struct mplace_loc *out);

/* Lower level, for tests and tools: pick one index of a level (weights
 * NULL means every index has dist->dweight).  MPLACE_NONE if all are 0. */
unsigned mplace_pick(const struct mcfg_dist *dist, const char *obj,
                     unsigned level_salt);

#endif
