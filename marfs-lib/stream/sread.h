/*
 * sread.h - reading a file's bytes back from its objects.
 *
 * Owns the offset -> (object, offset) walk of ftag_map() and keeps one
 * object open at a time, so sequential reads of packed or chunked files
 * open each object once and read only the stripes that hold the bytes.
 */
#ifndef MARFS_SREAD_H
#define MARFS_SREAD_H

#include <stdint.h>
#include <sys/types.h>

#include "ne.h"
#include "tag.h"

struct sread;

int sread_open(ne_ctx_t *ne, const struct ftag *tag, struct sread **out);
struct mdal_ns;
/* Report objects found damaged while reading to the namespace's list of
 * objects to rebuild (mdal_flag_damaged), once per object. */
void sread_flag_damaged_to(struct sread *r, const struct mdal_ns *md);
/* Read up to len bytes at off, clipped to the file size; 0 at the end. */
ssize_t sread_pread(struct sread *r, void *buf, size_t len, uint64_t off);
void sread_close(struct sread *r);

#endif
