/*
 * crc.h - the end-to-end file checksum below every layer that needs it:
 * CRC-64/XZ (isa-l's crc64_ecma_refl), chained and combinable.
 *
 * Owns nothing but the two functions; the stream layer checksums pieces
 * and chunks with them, and the API exports them unchanged as
 * marfs_checksum_update/marfs_checksum_combine (marfs.h), so the value a
 * client computes over its own bytes equals the one marfs stored.
 */
#ifndef MARFS_UTIL_CRC_H
#define MARFS_UTIL_CRC_H

#include <stddef.h>
#include <stdint.h>

/* CRC of buf appended to a stream whose CRC so far is crc (0 to start). */
uint64_t mcrc64_update(uint64_t crc, const void *buf, size_t len);
/* CRC of A||B from crc(A), crc(B) and len(B). */
uint64_t mcrc64_combine(uint64_t crc_a, uint64_t crc_b, uint64_t len_b);

#endif
