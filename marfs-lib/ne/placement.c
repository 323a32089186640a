/*
 * placement.c - weighted rendezvous hashing of object names (version 1).
 *
 * Owns: the mapping name -> (pod, cap, scatter).  Each level picks, among
 * its indices with non-zero weight, the one with the highest score
 * w_i / -ln(u_i), where u_i is a uniform draw made from (name, level,
 * index) - "highest random weight" with weights, as in Ceph's straw2.
 * Properties (doc/placement.md): a pure function of name and weights;
 * changing the weight of index i (adding one = raising 0 to w) moves names
 * only to or from i, about its share; weight 0 never wins.
 *
 * Determinism across hosts: everything is integer arithmetic.  -log2(u)
 * comes from a fixed-point table built with integer squaring, so no libm
 * or floating-point rounding mode enters the result.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "log.h"
#include "placement.h"

/* Seed of the name hash; part of placement version 1. */
#define NAME_SEED 0x6D617266735F7631ULL /* "marfs_v1" */

#define TBL_BITS 12
#define TBL_SIZE (1u << TBL_BITS)

/* tbl[i] = log2(1 + i / 4096) in 32.32 fixed point, for i = 0..4096. */
static uint64_t log_tbl[TBL_SIZE + 1];
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

/* log2(num / 4096) for num in [4096, 8192], 32 fraction bits, by the
 * bit-by-bit squaring method: exact integer steps, same on every host. */
static uint64_t log2_q32_exact(uint64_t num)
{
    if (num >= 2 * TBL_SIZE)
        return 1ULL << 32;
    uint64_t y = num << (62 - TBL_BITS); /* value in [1,2), 62 fraction bits */
    uint64_t r = 0;
    for (int bit = 31; bit >= 0; bit--) {
        y = (uint64_t)(((unsigned __int128)y * y) >> 62);
        if (y >= 1ULL << 63) {
            r |= 1ULL << bit;
            y >>= 1;
        }
    }
    return r;
}

static void build_log_tbl(void)
{
    for (unsigned i = 0; i <= TBL_SIZE; i++)
        log_tbl[i] = log2_q32_exact(TBL_SIZE + i);
}

/* log2(x) for x >= 1 in 32.32 fixed point: exponent from the leading bit,
 * mantissa by table and linear interpolation (error < 2^-26).  It is
 * non-decreasing in x, which the equal-weight shortcut relies on. */
static uint64_t log2_q32(uint64_t x)
{
    int k = 63 - __builtin_clzll(x);
    uint64_t m = x << (63 - k);              /* leading 1 at bit 63 */
    unsigned idx = (unsigned)(m >> (63 - TBL_BITS)) & (TBL_SIZE - 1);
    uint64_t frac = (m >> (31 - TBL_BITS)) & 0xFFFFFFFFULL;
    uint64_t lo = log_tbl[idx], hi = log_tbl[idx + 1];
    return ((uint64_t)k << 32) + lo + (((hi - lo) * frac) >> 32);
}

/* -log2(u) for u = h / 2^64, in 32.32 fixed point, never 0. */
static uint64_t neg_log2_u(uint64_t h)
{
    uint64_t l = (64ULL << 32) - log2_q32(h | 1);
    return l ? l : 1;
}

static inline unsigned weight_of(const struct mcfg_dist *d, unsigned i)
{
    return d->weights != NULL ? d->weights[i] : d->dweight;
}

/* The per-level seed all of a name's draws at that level derive from. */
static inline uint64_t level_seed(uint64_t name_hash, unsigned salt)
{
    return mhash_mix64(name_hash + (uint64_t)salt * MHASH_GAMMA);
}

static inline uint64_t draw(uint64_t seed, unsigned i)
{
    return mhash_mix64(seed + ((uint64_t)i + 1) * 0xD6E8FEB86659FD93ULL);
}

/* Every non-zero weight equal: the winner is simply the highest draw
 * (w/-ln u is increasing in u).  Gives exactly what pick_weighted would. */
static unsigned pick_uniform(const struct mcfg_dist *d, uint64_t seed)
{
    unsigned best = MPLACE_NONE;
    uint64_t best_h = 0;
    for (unsigned i = 0; i < d->cnt; i++) {
        if (weight_of(d, i) == 0)
            continue;
        uint64_t h = draw(seed, i);
        if (best == MPLACE_NONE || h > best_h) {
            best = i;
            best_h = h;
        }
    }
    return best;
}

/* Highest w_i / L_i with L_i = -log2(u_i), compared exactly as
 * w_i * L_best > w_best * L_i; ties go to the higher draw, then the lower
 * index. */
static unsigned pick_weighted(const struct mcfg_dist *d, uint64_t seed)
{
    pthread_once(&log_once, build_log_tbl);
    unsigned best = MPLACE_NONE;
    uint64_t best_w = 0, best_l = 0, best_h = 0;
    for (unsigned i = 0; i < d->cnt; i++) {
        uint64_t w = weight_of(d, i);
        if (w == 0)
            continue;
        uint64_t h = draw(seed, i), l = neg_log2_u(h);
        unsigned __int128 lhs = (unsigned __int128)w * best_l;
        unsigned __int128 rhs = (unsigned __int128)best_w * l;
        if (best == MPLACE_NONE || lhs > rhs || (lhs == rhs && h > best_h)) {
            best = i;
            best_w = w;
            best_l = l;
            best_h = h;
        }
    }
    return best;
}

/* 1 if every non-zero weight of the level is the same. */
static int is_uniform(const struct mcfg_dist *d)
{
    unsigned w0 = 0;
    for (unsigned i = 0; i < d->cnt; i++) {
        unsigned w = weight_of(d, i);
        if (w != 0 && w0 != 0 && w != w0)
            return 0;
        if (w != 0)
            w0 = w;
    }
    return 1;
}

static unsigned pick_level(const struct mcfg_dist *d, int uniform,
                           uint64_t name_hash, unsigned salt)
{
    uint64_t seed = level_seed(name_hash, salt);
    return uniform ? pick_uniform(d, seed) : pick_weighted(d, seed);
}

static uint64_t name_hash(const char *obj)
{
    return mhash_xxh64(obj, strlen(obj), NAME_SEED);
}

unsigned mplace_pick(const struct mcfg_dist *dist, const char *obj,
                     unsigned level_salt)
{
    return pick_level(dist, is_uniform(dist), name_hash(obj), level_salt);
}

/* ---- precomputed map -------------------------------------------------- */

struct mplace_level {
    struct mcfg_dist dist;    /* weights point at our own copy */
    int uniform;
};

struct mplace {
    struct mplace_level lv[3];    /* pods, caps, scatters */
};

static int copy_level(struct mplace_level *lv, const struct mcfg_dist *d,
                      const char *repo, const char *what)
{
    unsigned *w = calloc(d->cnt ? d->cnt : 1, sizeof(*w));
    if (w == NULL)
        return -ENOMEM;
    int any = 0;
    for (unsigned i = 0; i < d->cnt; i++)
        any |= (w[i] = weight_of(d, i)) != 0;
    lv->dist = (struct mcfg_dist){d->cnt, d->dweight, w};
    lv->uniform = is_uniform(d);
    if (!any) {
        LOG_ERR("placement of repo %s: every one of the %u %s has weight 0",
                repo, d->cnt, what);
        return -EINVAL;
    }
    return 0;
}

int mplace_create(const struct mcfg_repo *repo, mplace_t **out)
{
    static const char *const what[3] = {"pods", "caps", "scatters"};
    const struct mcfg_dist *src[3] = {&repo->pods, &repo->caps,
                                      &repo->scatters};
    struct mplace *map = calloc(1, sizeof(*map));
    if (map == NULL)
        return -ENOMEM;
    pthread_once(&log_once, build_log_tbl);
    for (int i = 0; i < 3; i++) {
        int rc = copy_level(&map->lv[i], src[i], repo->name, what[i]);
        if (rc < 0) {
            mplace_destroy(map);
            return rc;
        }
    }
    *out = map;
    return 0;
}

void mplace_destroy(mplace_t *map)
{
    if (map == NULL)
        return;
    for (int i = 0; i < 3; i++)
        free((void *)map->lv[i].dist.weights);
    free(map);
}

void mplace_locate(const mplace_t *map, const char *obj,
                   struct mplace_loc *out)
{
    static const unsigned salt[3] = {MPLACE_SALT_POD, MPLACE_SALT_CAP,
                                     MPLACE_SALT_SCATTER};
    uint64_t h = name_hash(obj);
    unsigned r[3];
    for (int i = 0; i < 3; i++)
        r[i] = pick_level(&map->lv[i].dist, map->lv[i].uniform, h, salt[i]);
    out->pod = r[0];
    out->cap = r[1];
    out->scatter = r[2];
}
