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
#include <sys/types.h>

#include "config.h"

struct mdal_loc {
    unsigned pod;
    unsigned block;   /* block index within the object: 0 .. N+E-1 */
    unsigned cap;
    unsigned scatter;
};

struct mdal_stat {
    uint64_t size;    /* bytes of block data (excluding meta) */
    int64_t mtime;    /* seconds since the epoch */
};

typedef struct mdal mdal_t;
typedef struct mdal_block mdal_block_t;

struct mdal_ops {
    /* Check that every location's backing store exists and is usable;
     * with fix != 0 create what is missing (mode 0700). */
    int (*verify)(mdal_t *dal, int fix);

    int (*open_write)(mdal_t *dal, const struct mdal_loc *loc,
                      const char *obj, mdal_block_t **out);
    int (*open_read)(mdal_t *dal, const struct mdal_loc *loc,
                     const char *obj, mdal_block_t **out);

    /* Append len bytes; returns len or a negative errno. */
    ssize_t (*put)(mdal_block_t *blk, const void *buf, size_t len);
    /* Read up to len bytes at off; returns bytes read (0 at end). */
    ssize_t (*get)(mdal_block_t *blk, void *buf, size_t len, uint64_t off);

    /* Meta blob: set before close on a write handle; read on either. */
    int (*set_meta)(mdal_block_t *blk, const void *meta, size_t len);
    /* Returns the blob's full length (may exceed len; then only len bytes
     * were copied), or -ENODATA if the block has none. */
    ssize_t (*get_meta)(mdal_block_t *blk, void *buf, size_t len);

    /* Close and free the handle; for a write handle, publish the block. */
    int (*close)(mdal_block_t *blk);
    /* Free a write handle and discard what it wrote. */
    int (*abort)(mdal_block_t *blk);

    int (*stat)(mdal_t *dal, const struct mdal_loc *loc, const char *obj,
                struct mdal_stat *st);
    int (*del)(mdal_t *dal, const struct mdal_loc *loc, const char *obj);

    /* Call cb for each published object name at loc; stop early and return
     * cb's value if it returns non-zero. */
    int (*list)(mdal_t *dal, const struct mdal_loc *loc,
                int (*cb)(const char *obj, void *arg), void *arg);

    void (*destroy)(mdal_t *dal);
};

/* Every backend embeds this first in its own handle structs. */
struct mdal {
    const struct mdal_ops *ops;
    const char *type;
};

struct mdal_block {
    mdal_t *dal;      /* the DAL that opened it */
};

/*
 * Build the DAL stack a config element describes, for a repo (backends read
 * their parameters and, e.g., the distribution counts from it).  Returns 0
 * or a negative errno with one error logged naming the DAL and parameter.
 */
int mdal_create(const struct mcfg_dal *cfg, const struct mcfg_repo *repo,
                mdal_t **out);

static inline void mdal_destroy(mdal_t *dal)
{
    if (dal != NULL)
        dal->ops->destroy(dal);
}

#endif
