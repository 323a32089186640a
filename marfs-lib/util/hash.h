/*
 * hash.h - the suite's portable 64-bit hashes (internal, not installed).
 *
 * Owns: XXH64 (the published xxHash64 algorithm, byte-order independent
 * here) and the splitmix64 finaliser.  Placement depends on these giving
 * the same value on every host and every release, so neither may change:
 * doc/placement.md records them as part of placement version 1.
 */
#ifndef MARFS_HASH_H
#define MARFS_HASH_H

#include <stddef.h>
#include <stdint.h>

/* xxHash64 of len bytes with a seed (XXH64 reference results). */
uint64_t mhash_xxh64(const void *data, size_t len, uint64_t seed);

/* The splitmix64 output function: a bijective, well-mixed 64-bit map. */
static inline uint64_t mhash_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* The splitmix64 increment: stream element i of seed s is
 * mhash_mix64(s + (i + 1) * MHASH_GAMMA). */
#define MHASH_GAMMA 0x9E3779B97F4A7C15ULL

#endif
