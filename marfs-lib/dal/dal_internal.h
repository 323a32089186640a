/*
 * dal_internal.h - what the DAL backends share (not installed).
 *
 * Owns: the constructor signature every backend implements, the location
 * geometry a repo defines (for range checks and verify), and the layout
 * wrapper DALs (fault, timer) begin with so the stack can be walked.
 */
#ifndef MARFS_DAL_INTERNAL_H
#define MARFS_DAL_INTERNAL_H

#include "dal.h"

/* How many of each location index a repo has. */
struct dal_geom {
    unsigned pods, blocks, caps, scatters;   /* blocks = N + E */
};

void dal_geom_init(struct dal_geom *g, const struct mcfg_repo *repo);

/* 0 if loc is inside the geometry and obj (NULL: no name, for list) is
 * a usable name, else -EINVAL with an error naming the DAL type, the
 * object and the bad index. */
int dal_loc_check(const struct dal_geom *g, const char *type,
                   const struct dal_loc *loc, const char *obj);

/* A wrapper DAL's handle begins with this. */
struct dal_wrap {
    struct dal base;
    dal_t *inner;
};

/* The DAL a wrapper nests, NULL for a backend that stores data itself. */
dal_t *dal_inner(const dal_t *dal);

/* "DAL 'type' (line N)" into buf, for messages about a config element. */
const char *dal_cfg_name(const struct mcfg_dal *cfg, char *buf, size_t sz);

/* set_meta for backends that keep the blob in memory: a copy of len bytes
 * in *out (freeing the old one); 0, -EMSGSIZE beyond DAL_META_MAX (logged
 * naming what), -ENOMEM. */
int dal_meta_dup(const void *meta, size_t len, unsigned char **out,
                  const char *what);

/* get_meta for the same: copy up to len bytes, return the full length, or
 * -ENODATA when has_meta is 0. */
ssize_t dal_meta_copy(void *buf, size_t len, const unsigned char *meta,
                       size_t mlen, int has_meta);

/* Monotonic clock in nanoseconds. */
uint64_t dal_now_ns(void);

/*
 * Backend constructors.  A leaf gets inner == NULL; a wrapper gets its
 * already built inner DAL and owns it only on success (on failure the
 * factory destroys it).  0 or -errno with one error logged.
 */
typedef int (*dal_ctor)(const struct mcfg_dal *cfg,
                         const struct mcfg_repo *repo, dal_t *inner,
                         dal_t **out);

int dal_posix_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                      dal_t *inner, dal_t **out);
int dal_null_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                     dal_t *inner, dal_t **out);
int dal_fault_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                      dal_t *inner, dal_t **out);
int dal_timer_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                      dal_t *inner, dal_t **out);

#endif
