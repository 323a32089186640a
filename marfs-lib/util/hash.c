/*
 * hash.c - XXH64, written from the xxHash specification.
 *
 * Owns: the one string hash of the suite.  Input words are assembled
 * little-endian byte by byte so the result does not depend on the host's
 * byte order or alignment rules.
 */
#include "hash.h"

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint64_t round64(uint64_t acc, uint64_t in)
{
    acc += in * P2;
    return rotl(acc, 31) * P1;
}

static inline uint64_t merge(uint64_t h, uint64_t v)
{
    h ^= round64(0, v);
    return h * P1 + P4;
}

/* The 32-byte stripe loop, for inputs of at least 32 bytes. */
static uint64_t stripes(const unsigned char **pp, size_t len, uint64_t seed)
{
    const unsigned char *p = *pp, *end = p + (len & ~(size_t)31);
    uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    for (; p < end; p += 32) {
        v1 = round64(v1, le64(p));
        v2 = round64(v2, le64(p + 8));
        v3 = round64(v3, le64(p + 16));
        v4 = round64(v4, le64(p + 24));
    }
    *pp = p;
    uint64_t h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    h = merge(h, v1);
    h = merge(h, v2);
    h = merge(h, v3);
    return merge(h, v4);
}

uint64_t mhash_xxh64(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data, *end = p + len;
    uint64_t h = len >= 32 ? stripes(&p, len, seed) : seed + P5;
    h += (uint64_t)len;
    for (; end - p >= 8; p += 8) {
        h ^= round64(0, le64(p));
        h = rotl(h, 27) * P1 + P4;
    }
    if (end - p >= 4) {
        h ^= (uint64_t)le32(p) * P1;
        h = rotl(h, 23) * P2 + P3;
        p += 4;
    }
    for (; p < end; p++) {
        h ^= *p * P5;
        h = rotl(h, 11) * P1;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    return h ^ (h >> 32);
}
