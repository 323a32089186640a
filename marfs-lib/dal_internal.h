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
struct mdal_geom {
    unsigned pods, blocks, caps, scatters;   /* blocks = N + E */
};

void mdal_geom_init(struct mdal_geom *g, const struct mcfg_repo *repo);

/* 0 if loc is inside the geometry and obj (NULL: no name, for list) is
 * a usable name, else -EINVAL with an error naming the DAL type, the
 * object and the bad index. */
int mdal_loc_check(const struct mdal_geom *g, const char *type,
                   const struct mdal_loc *loc, const char *obj);

/* A wrapper DAL's handle begins with this. */
struct mdal_wrap {
    struct mdal base;
    mdal_t *inner;
};

/* The DAL a wrapper nests, NULL for a backend that stores data itself. */
mdal_t *mdal_inner(const mdal_t *dal);

/* "DAL 'type' (line N)" into buf, for messages about a config element. */
const char *mdal_cfg_name(const struct mcfg_dal *cfg, char *buf, size_t sz);

/* set_meta for backends that keep the blob in memory: a copy of len bytes
 * in *out (freeing the old one); 0, -EMSGSIZE beyond MDAL_META_MAX (logged
 * naming what), -ENOMEM. */
int mdal_meta_dup(const void *meta, size_t len, unsigned char **out,
                  const char *what);

/* get_meta for the same: copy up to len bytes, return the full length, or
 * -ENODATA when has_meta is 0. */
ssize_t mdal_meta_copy(void *buf, size_t len, const unsigned char *meta,
                       size_t mlen, int has_meta);

/* Monotonic clock in nanoseconds. */
uint64_t mdal_now_ns(void);

/*
 * Backend constructors.  A leaf gets inner == NULL; a wrapper gets its
 * already built inner DAL and owns it only on success (on failure the
 * factory destroys it).  0 or -errno with one error logged.
 */
typedef int (*mdal_ctor)(const struct mcfg_dal *cfg,
                         const struct mcfg_repo *repo, mdal_t *inner,
                         mdal_t **out);

int mdal_posix_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                      mdal_t *inner, mdal_t **out);
int mdal_null_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                     mdal_t *inner, mdal_t **out);
int mdal_fault_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                      mdal_t *inner, mdal_t **out);
int mdal_timer_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                      mdal_t *inner, mdal_t **out);

#endif
