/*
 * dal_posix.h - internals of the posix DAL shared by its two files.
 *
 * Owns: the DAL's handle and its data root (an O_PATH directory fd every
 * block path is resolved from), the block directories and their modes
 * (dal_posix_dirs.c), the on-disk block format (name escaping, the meta
 * trailer) and the file I/O that hides O_DIRECT alignment
 * (dal_posix_io.c), used by the operations in dal_posix.c.  Format and
 * modes: doc/dal.md, "posix"; why: doc/security.md.
 */
#ifndef MARFS_DAL_POSIX_H
#define MARFS_DAL_POSIX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dal_internal.h"

struct px_dal {
    struct dal base;
    struct dal_geom geom;
    char *root;          /* sec_root without a trailing '/' (messages) */
    int rootfd;          /* O_PATH fd of sec_root, -1 until it exists */
    char *tmpl;          /* dir_template, without leading '/' */
    int direct_write;    /* odirect: blocks written through O_DIRECT */
    int direct_quiet;    /* odirect=auto: a refusal is no news */
    int direct_read;     /* odirect=yes: and read through it */
    int warned_direct;   /* O_DIRECT refusal already reported */
};

/* Modes of what the DAL creates below its root.  The root (0700) keeps
 * users out; below it, users' setuid programs holding the root's fd must
 * pass through (0711), store blocks in the leaf directories without
 * listing or replacing anyone else's (sticky 1733), and read any block
 * the library decides they may (0444). */
#define PX_MODE_INNER 0711
#define PX_MODE_LEAF 01733
#define PX_MODE_BLOCK 0444

/* The block directory of loc relative to the root, into buf (PATH_MAX);
 * 0 or -ENAMETOOLONG (logged). */
int px_dir(const struct px_dal *d, const struct dal_loc *loc, char *buf,
           size_t sz);
/* The root's fd, opening it if it appeared since (verify with fix made
 * it); -ENOENT (not logged) while it does not exist. */
int px_rootfd(struct px_dal *d);
/* Open the root at creation.  A setuid program needs it now (before it
 * drops its privileges), secure (mutil_check_secure_root); others may
 * create it later with verify.  0 or -errno (logged). */
int px_open_root(struct px_dal *d);
/* verify() of struct dal_ops. */
int px_verify(dal_t *dal, int fix);

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

/* openat(2) with O_DIRECT when want_direct, falling back to buffered
 * I/O when the file system refuses it (*direct tells which).  fd or
 * -errno. */
int px_openat(int dirfd, const char *path, int flags, int want_direct,
              int *direct);
/* Append (write side, sequential); 0 or -errno. */
int px_io_append(struct px_io *io, const void *buf, size_t len);
/* Write out what is staged, ending O_DIRECT for the unaligned tail. */
int px_io_flush(struct px_io *io);
/* Turn O_DIRECT on (the file offset must be aligned) or off for what
 * follows: 0, or -errno with the mode unchanged. */
int px_io_set_direct(struct px_io *io, int on);
/* Read len bytes at off (fewer only at end of file); bytes or -errno. */
ssize_t px_io_pread(struct px_io *io, void *buf, size_t len, uint64_t off);
/* Close the fd (if open) and free the staging buffer; 0 or -errno. */
int px_io_close(struct px_io *io);

#endif
