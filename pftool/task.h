/*
 * task.h - units of work and their results, as they travel between the
 * scheduler and the workers.  A task names an entry by its copy root and
 * its path relative to that root; the stat carried is the source's, taken
 * when the entry was read, so workers do not stat it again.
 */
#ifndef PFTOOL_TASK_H
#define PFTOOL_TASK_H

#include <stdint.h>
#include <sys/stat.h>

#include "pbuf.h"

enum pf_task_type {
    T_STAT = 1,   /* stat root/rel and report it as an entry (seeds) */
    T_DIR,        /* read a directory (creating its destination) */
    T_ITEM,       /* copy / compare one non-directory entry */
    T_LINK,       /* make a hard link to a file copied earlier */
    T_BIGPREP,    /* create or resume the temporary of a chunked file */
    T_CHUNK,      /* copy / compare one chunk of a chunked file */
    T_BIGFIN,     /* publish (or abandon) a chunked file */
    T_DIRMETA,    /* apply a directory's metadata after its contents */
    T_PURGE,      /* delete phase: remove what the source lacks in a dir */
};

enum pf_task_flag {
    TF_DEST_FRESH = 1 << 0,  /* destination dir made by this job: empty */
    TF_HARDLINK = 1 << 1,    /* source has nlink > 1 */
    TF_BIG = 1 << 2,         /* larger than a chunk: copied in chunks */
    TF_ABANDON = 1 << 3,     /* BIGFIN: a chunk failed, drop the temp */
    TF_TOP = 1 << 4,         /* a copy root or --files-from entry */
    TF_COPY = 1 << 5,        /* BIGPREP/CHUNK: copy even if same size */
    TF_DIFFER = 1 << 6,      /* BIGFIN (pfcm): a chunk differed */
};

/* Result of one task, reported back to the scheduler. */
enum pf_status {
    ST_OK = 0,
    ST_FAILED,
    ST_SKIPPED,        /* nothing to do: already identical */
    ST_DIFFER,         /* compare found a difference */
    ST_COMPARE,        /* BIGPREP: compare chunks first (sync --contents) */
};

struct pf_task {
    uint8_t type;
    uint8_t flags;
    uint16_t root;
    uint64_t parent;     /* record of the containing directory */
    uint64_t id;         /* own record: dir, chunked file or hard link */
    uint64_t off, len;   /* T_CHUNK: byte range; chunk index = off/len */
    struct stat st;      /* source metadata (subset, see task.c) */
    const char *rel;     /* path relative to the root; "" for the root */
    const char *link;    /* T_LINK: rel path of the first link copied */
};

/* Encode / decode one task; decode points rel/link into the reader. */
void task_encode(struct pbuf *b, const struct pf_task *t);
int task_decode(struct preader *r, struct pf_task *t);

/* One completed task. */
struct pf_done {
    uint8_t type;
    uint8_t status;
    uint64_t parent;
    uint64_t id;
    uint64_t chunk;            /* T_BIGPREP: bytes per chunk */
    uint64_t nchunks;          /* T_BIGPREP: chunk count */
    const uint8_t *done_map;   /* T_BIGPREP: chunks already in the temp */
};

void done_encode(struct pbuf *b, const struct pf_done *d);
int done_decode(struct preader *r, struct pf_done *d);

static inline size_t bitmap_bytes(uint64_t nbits)
{
    return (size_t)((nbits + 7) / 8);
}

static inline int bitmap_get(const uint8_t *map, uint64_t i)
{
    return (map[i / 8] >> (i % 8)) & 1;
}

static inline void bitmap_set(uint8_t *map, uint64_t i)
{
    map[i / 8] |= (uint8_t)(1u << (i % 8));
}

#endif
