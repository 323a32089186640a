/*
 * dal_posix.h - internals of the posix DAL shared by its two files.
 *
 * Owns: the on-disk block format (name escaping, the meta trailer) and
 * the file I/O that hides O_DIRECT alignment (dal_posix_io.c), used by
 * the operations in dal_posix.c.  Format: doc/dal.md, "posix".
 */
#ifndef MARFS_DAL_POSIX_H
#define MARFS_DAL_POSIX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* O_DIRECT alignment of buffers, lengths and offsets, and staging size. */
#define PX_ALIGN 4096
#define PX_BOUNCE (1u << 20)

/* Temporaries are "." + escaped name + "." + 16 hex digits; NAME_MAX must
 * hold that, so escaped names are limited to 255 - 18 bytes. */
#define PX_TMP_EXTRA 18
#define PX_ESC_MAX (255 - PX_TMP_EXTRA)

/* Escape an object name into a file name (%XX for every byte outside
 * [A-Za-z0-9_.+=,@~-] and for a leading '.').  0, -ENAMETOOLONG. */
int px_escape(const char *obj, char *out, size_t outsz);
/* Inverse; -EINVAL for a name px_escape would not have produced. */
int px_unescape(const char *name, char *out, size_t outsz);

/* The trailer that ends every published block:
 *   data | meta (meta_len bytes) | footer (PX_FOOTER bytes)
 * footer, little-endian: magic "MARFSBLK", u16 version, u16 flags,
 * u32 meta_len, u64 data_len, u64 check = XXH64 of meta seeded with the
 * XXH64 of the first 24 footer bytes. */
#define PX_FOOTER 32
#define PX_FORMAT_VERSION 1
#define PX_HAS_META 0x1

struct px_footer {
    unsigned version, flags;
    uint32_t meta_len;
    uint64_t data_len;
    uint64_t check;
};

void px_footer_encode(unsigned char out[PX_FOOTER], unsigned flags,
                      const void *meta, uint32_t meta_len, uint64_t data_len);
/* Decode and check magic and version: 0 or -EBADMSG. */
int px_footer_decode(const unsigned char in[PX_FOOTER], struct px_footer *f);
/* 1 if meta matches the footer's check value. */
int px_meta_ok(const unsigned char in[PX_FOOTER], const void *meta,
               uint32_t meta_len);

/* One open block file; direct != 0 while O_DIRECT is in effect. */
struct px_io {
    int fd;
    int direct;
    unsigned char *bounce;   /* PX_ALIGN-aligned, PX_BOUNCE bytes */
    size_t fill;             /* staged bytes not yet written */
};

/* open(2) with O_DIRECT when want_direct, falling back to buffered I/O
 * when the file system refuses it (*direct tells which).  fd or -errno. */
int px_open(const char *path, int flags, int want_direct, int *direct);
/* Append (write side, sequential); 0 or -errno. */
int px_io_append(struct px_io *io, const void *buf, size_t len);
/* Write out what is staged, ending O_DIRECT for the unaligned tail. */
int px_io_flush(struct px_io *io);
/* Read len bytes at off (fewer only at end of file); bytes or -errno. */
ssize_t px_io_pread(struct px_io *io, void *buf, size_t len, uint64_t off);
/* Close the fd (if open) and free the staging buffer; 0 or -errno. */
int px_io_close(struct px_io *io);

#endif
