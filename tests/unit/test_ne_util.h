/*
 * test_ne_util.h - helpers shared by the erasure-layer unit tests.
 *
 * Owns: a scratch repo (config built in memory, posix DAL under a temp
 * directory on tmpfs when there is one), the "mask" test DAL that makes
 * chosen blocks look missing, flips bits in what they return or spoils
 * their meta, raw block access through the DAL (to corrupt, truncate or
 * replace blocks the way a failing disk would), and data helpers.
 * Include after <cmocka.h>.
 */
#ifndef MARFS_TEST_NE_UTIL_H
#define MARFS_TEST_NE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "marfs_config.h"
#include "dal.h"
#include "ne.h"

struct tne_env {
    char dir[256];
    const struct mcfg *cfg;
    const struct mcfg_repo *repo;
    dal_t *inner;          /* the repo's own DAL stack */
    dal_t *mask;           /* the mask DAL over it (if asked for) */
    ne_ctx_t *ctx;
};

enum tne_dal { TNE_POSIX, TNE_MASKED, TNE_FAULT };

/* Repo of n+e blocks of psz bytes; TNE_FAULT puts a fault DAL over the
 * posix one; TNE_MASKED gives the context the mask DAL.  threads as in
 * struct ne_opts; quorum 0 for the default. */
void tne_setup(struct tne_env *env, unsigned n, unsigned e, size_t psz,
               enum tne_dal kind, unsigned threads, unsigned quorum);
void tne_teardown(struct tne_env *env);
/* A second context on the same directory with another geometry (its
 * own posix DAL); free with ne_ctx_destroy and mcfg_free. */
void tne_other_ctx(struct tne_env *env, unsigned n, unsigned e, size_t psz,
                   const struct mcfg **cfg, ne_ctx_t **ctx);

/* The mask DAL: bit b of each mask selects block b. */
void tne_mask(struct tne_env *env, uint64_t missing, uint64_t flip,
              uint64_t badmeta);
/* Bytes returned by get through the mask DAL since the last call. */
uint64_t tne_mask_bytes(struct tne_env *env);

void tne_fill(uint8_t *buf, size_t len, uint64_t seed);
/* Next k-combination of {0..m-1} in c[]; 0 when done. */
int tne_next_combo(unsigned *c, unsigned k, unsigned m);
/* Write obj in pieces of `chunk` bytes (0: one call); ne_close_write rc. */
int tne_put(ne_ctx_t *ctx, const char *obj, const uint8_t *data, size_t len,
            size_t chunk, struct ne_health *st);
/* Read all of obj into a new buffer; returns ne_pread's result. */
ssize_t tne_get(ne_ctx_t *ctx, const char *obj, uint8_t **out);

/* Raw block access through env->inner (data and meta blob). */
int tne_block_read(struct tne_env *env, const char *obj, unsigned b,
                   uint8_t **data, size_t *len, uint8_t *meta, size_t *mlen);
int tne_block_write(struct tne_env *env, const char *obj, unsigned b,
                    const uint8_t *data, size_t len, const uint8_t *meta,
                    size_t mlen);
/* Flip bit 0 of byte off of block b (off < 0: of its meta blob). */
void tne_corrupt(struct tne_env *env, const char *obj, unsigned b, long off);
int tne_block_delete(struct tne_env *env, const char *obj, unsigned b);

#endif
