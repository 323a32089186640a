/*
 * sread_mem.h - the memory of the decoded-stripe cache: 2 MiB slabs cut
 * into buffers of one size each, recycled (sread_mem.c).  Not thread
 * safe: the cache calls it under its lock.
 */
#ifndef MARFS_SREAD_MEM_H
#define MARFS_SREAD_MEM_H

#include <stddef.h>
#include <stdint.h>

struct smem_class;

struct smem {
    struct smem_class *classes;
    uint64_t held;              /* bytes mapped: what the cache costs */
};

/* A free buffer of size bytes, or NULL if none is free. */
uint8_t *smem_take(struct smem *m, size_t size);
/* Bytes smem_grow maps for buffers of size bytes. */
size_t smem_grow_cost(size_t size, int whole);
/* Map a slab of free buffers of size bytes: a whole 2 MiB slab (or the
 * 2 MiB multiple a bigger buffer needs), or with whole 0 just one
 * buffer; -ENOMEM. */
int smem_grow(struct smem *m, size_t size, int whole);
/* Give buf (of size bytes) back; with release, its slab is unmapped if
 * no buffer of it is in use any more. */
void smem_put(struct smem *m, uint8_t *buf, size_t size, int release);
/* Unmap slabs with no buffer in use until held <= limit. */
void smem_trim(struct smem *m, uint64_t limit);
void smem_free_all(struct smem *m);

#endif
