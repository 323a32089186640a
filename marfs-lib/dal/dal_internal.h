/*
 * dal_internal.h - what the DAL backends share (not installed).
 *
 * Owns: the description every backend gives of itself (type, wrapper or
 * not, parameter rules, checks, constructor), the location geometry a
 * repo defines (for range checks and verify), and the layout wrapper DALs
 * (fault, timer) begin with so the stack can be walked.
 */
#ifndef MARFS_DAL_INTERNAL_H
#define MARFS_DAL_INTERNAL_H

#include <stdio.h>

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

/* ---- what each backend declares about itself (dal_params.c) ---------- */

enum dal_param_kind {
    DAL_P_TEXT,        /* non-empty text */
    DAL_P_ABS_PATH,    /* an absolute path */
    DAL_P_TEMPLATE,    /* a block-directory template over {p}{b}{c}{s} */
    DAL_P_UINT,        /* a decimal number */
};

struct dal_param_rule {
    const char *key;
    enum dal_param_kind kind;
    int required;
    int repeatable;
};

/* Reports one config error "FILE:LINE: <elem>: message" (and counts it). */
struct dal_check_ctx {
    const struct mcfg *cfg;
    FILE *errs;
    int nerrors;
};

void dal_check_error(struct dal_check_ctx *cx, int line, const char *elem,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * One storage backend: its type name in <DAL type="...">, whether it wraps
 * an inner <DAL>, the parameters it accepts (terminated by key == NULL),
 * an optional check of their meaning beyond the kinds above, and its
 * constructor.  Each backend file defines one; dal.c lists them.
 */
struct dal_backend {
    const char *type;
    int wrapper;
    const struct dal_param_rule *params;
    void (*check)(struct dal_check_ctx *cx, const struct mcfg_dal *cfg,
                  const struct mcfg_repo *repo);
    dal_ctor create;
};

extern const struct dal_backend dal_backend_posix;
extern const struct dal_backend dal_backend_s3;
extern const struct dal_backend dal_backend_null;
extern const struct dal_backend dal_backend_fault;
extern const struct dal_backend dal_backend_timer;

/* The backend named type, NULL if none; the known names, comma separated,
 * for messages. */
const struct dal_backend *dal_backend_find(const char *type);
const char *dal_backend_names(void);

/* Check the parameters of one <DAL> element against its backend's rules:
 * unknown, repeated, missing and malformed ones (dal_params.c). */
void dal_check_params(struct dal_check_ctx *cx, const struct mcfg_dal *cfg,
                      const struct dal_backend *b,
                      const struct mcfg_repo *repo);

#endif
