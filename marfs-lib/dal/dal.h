/*
 * dal.h - the data abstraction layer: where one block of one object lives.
 *
 * Owns: the interface (a table of function pointers) every storage backend
 * implements, and the factory that builds a DAL stack from a <DAL> element
 * of marfs.xml (wrappers such as "fault" nest an inner DAL).
 *
 * An object is stored as N+E blocks; the erasure layer above chooses the
 * object name and the location (pod, block, cap, scatter) of each block and
 * calls the DAL once per block.  Nothing here assumes POSIX: a block is an
 * append-only byte stream while written, random-readable once published,
 * plus a small opaque "meta" blob the erasure layer uses to describe it.
 *
 * Publishing rule: a block opened for writing becomes visible under its
 * name only on a successful close(); abort() or a crash leaves nothing a
 * reader can open under that name (temporaries are ignored by readers and
 * by list()).  Re-writing an existing block (rebuild) replaces it
 * atomically on close.
 *
 * All functions return 0 (or a byte count) on success and a negative errno
 * on failure; none exits.  Handles are used by one thread at a time;
 * different handles may be used concurrently.
 */
#ifndef MARFS_DAL_H
#define MARFS_DAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "marfs_config.h"

struct dal_loc {
    unsigned pod;
    unsigned block;   /* block index within the object: 0 .. N+E-1 */
    unsigned cap;
    unsigned scatter;
};

struct dal_stat {
    uint64_t size;    /* bytes of block data (excluding meta) */
    int64_t mtime;    /* seconds since the epoch */
};

typedef struct dal dal_t;
typedef struct dal_block dal_block_t;

struct dal_ops {
    /* Check that every location's backing store exists and is usable;
     * with fix != 0 create what is missing (mode 0700). */
    int (*verify)(dal_t *dal, int fix);

    int (*open_write)(dal_t *dal, const struct dal_loc *loc,
                      const char *obj, dal_block_t **out);
    int (*open_read)(dal_t *dal, const struct dal_loc *loc,
                     const char *obj, dal_block_t **out);

    /* Append len bytes; returns len or a negative errno. */
    ssize_t (*put)(dal_block_t *blk, const void *buf, size_t len);
    /* Read up to len bytes at off; returns bytes read (0 at end). */
    ssize_t (*get)(dal_block_t *blk, void *buf, size_t len, uint64_t off);

    /* Meta blob: set before close on a write handle; read on either. */
    int (*set_meta)(dal_block_t *blk, const void *meta, size_t len);
    /* Returns the blob's full length (may exceed len; then only len bytes
     * were copied), or -ENODATA if the block has none. */
    ssize_t (*get_meta)(dal_block_t *blk, void *buf, size_t len);

    /* Close and free the handle; for a write handle, publish the block. */
    int (*close)(dal_block_t *blk);
    /* Free a write handle and discard what it wrote. */
    int (*abort)(dal_block_t *blk);

    int (*stat)(dal_t *dal, const struct dal_loc *loc, const char *obj,
                struct dal_stat *st);
    int (*del)(dal_t *dal, const struct dal_loc *loc, const char *obj);

    /* Call cb for each published object name at loc; stop early and return
     * cb's value if it returns non-zero. */
    int (*list)(dal_t *dal, const struct dal_loc *loc,
                int (*cb)(const char *obj, void *arg), void *arg);

    void (*destroy)(dal_t *dal);
};

/* Every backend embeds this first in its own handle structs. */
struct dal {
    const struct dal_ops *ops;
    const char *type;
};

struct dal_block {
    dal_t *dal;      /* the DAL that opened it */
};

/*
 * Load a marfs.xml and check every repo's DAL stack against the rules its
 * backends declare (types, wrappers, parameters): errors are written to
 * errs as "FILE:LINE: <element>: message", as mcfg_load writes its own.
 * 0 with *out set, or a negative errno (-EINVAL for any invalid content)
 * and nothing returned.  Every program that builds DALs loads its config
 * through one of these.
 */
int dal_config_load(const char *path, FILE *errs, const struct mcfg **out);
int dal_config_load_buffer(const char *buf, size_t len, const char *name,
                           FILE *errs, const struct mcfg **out);
/* The same check of an already loaded config: 0 or -EINVAL. */
int dal_check_config(const struct mcfg *cfg, FILE *errs);

/*
 * Build the DAL stack a config element describes, for a repo (backends read
 * their parameters and, e.g., the distribution counts from it).  Returns 0
 * or a negative errno with one error logged naming the DAL and parameter.
 */
int dal_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                dal_t **out);

static inline void dal_destroy(dal_t *dal)
{
    if (dal != NULL)
        dal->ops->destroy(dal);
}

/* ---- limits, stack helpers, fault and timer ------- */

/* Largest meta blob every backend stores; set_meta refuses more with
 * -EMSGSIZE. */
#define DAL_META_MAX 65536

/* The operations of struct dal_ops, for counters and fault rules. */
enum dal_op {
    DAL_OP_VERIFY,
    DAL_OP_OPEN_WRITE,
    DAL_OP_OPEN_READ,
    DAL_OP_PUT,
    DAL_OP_GET,
    DAL_OP_SET_META,
    DAL_OP_GET_META,
    DAL_OP_CLOSE,
    DAL_OP_ABORT,
    DAL_OP_STAT,
    DAL_OP_DEL,
    DAL_OP_LIST,
    DAL_OP_COUNT
};

/* "verify", "open_write", ... (the names fault rules use); NULL if bad. */
const char *dal_op_name(enum dal_op op);

/* The first DAL of the stack (dal itself, then the DALs wrappers nest)
 * whose type is type ("fault", "timer", ...); NULL if none. */
dal_t *dal_find(dal_t *dal, const char *type);

/* Counters of the timer DAL, per operation. */
struct dal_op_stats {
    uint64_t calls;
    uint64_t errors;     /* calls that returned a negative errno */
    uint64_t nsec;       /* wall time spent in the inner DAL */
    uint64_t bytes;      /* put/get: bytes moved */
};

struct dal_timer_stats {
    struct dal_op_stats op[DAL_OP_COUNT];
};

/* Copy (or zero) the counters of the first timer DAL in the stack.
 * 0, or -ENOENT if the stack has no timer DAL. */
int dal_timer_get(dal_t *dal, struct dal_timer_stats *out);
int dal_timer_reset(dal_t *dal);

/* Replace the rules of the first fault DAL in the stack with rules (';'
 * separated, syntax in doc/dal.md; NULL or "" clears them) and reset the
 * rule hit counters and the random stream.  0, -ENOENT without a fault
 * DAL, -EINVAL (rules unchanged, error logged) for a bad rule. */
int dal_fault_set_rules(dal_t *dal, const char *rules);

#endif
