/*
 * tag.h - the file tag: the xattr "user.marfs.tag" on a file's inode that
 * says where its data lives and in what state it is.
 *
 * Owns the tag's text encoding (versioned, doc/metadata-format.md).  A
 * text form keeps tags readable with getfattr during an incident; a
 * corrupt or truncated tag decodes to -EINVAL, never to a wrong location.
 */
#ifndef MARFS_TAG_H
#define MARFS_TAG_H

#include <stddef.h>
#include <stdint.h>

#define FTAG_XATTR "user.marfs.tag"
#define FTAG_VERSION 1
#define FTAG_MAX 512   /* encoded size limit */

enum ftag_state {
    FTAG_WRITING = 0,   /* being written; never readable */
    FTAG_COMPLETE = 1,  /* every byte stored; readable */
};

struct ftag {
    unsigned version;
    enum ftag_state state;
    int nto1;            /* size declared up front, chunks written N:1 */
    char stream[96];     /* stream id: objects are "<stream>/<objno>" */
    uint64_t objno;      /* object holding the file's first byte */
    uint64_t off;        /* offset of that byte in the object */
    uint64_t first;      /* file bytes in the first object */
    uint64_t chunk;      /* data bytes per object in the stream */
    uint64_t hdr;        /* object header size: where later pieces start */
    uint64_t size;       /* logical size (declared size while N:1) */
    unsigned n, e;       /* protection the objects were written with */
    uint64_t psz;
    int has_crc;
    uint64_t crc;        /* CRC-64/XZ of the whole file, when complete */
    char ref[128];       /* name of the file's inode in the ref tree */
};

/* Encode into buf (NUL-terminated); returns the length or -ENAMETOOLONG. */
int ftag_encode(const struct ftag *t, char *buf, size_t bufsz);
/* Decode len bytes; -EINVAL for anything malformed or an unknown version. */
int ftag_decode(const char *buf, size_t len, struct ftag *t);

/* Object holding file byte x, and x's offset in it; *avail gets how many
 * bytes of the file follow contiguously in that object (from x). */
void ftag_map(const struct ftag *t, uint64_t x, uint64_t *objno,
              uint64_t *objoff, uint64_t *avail);

/* Name of object objno of a stream. */
int ftag_objname(const char *stream, uint64_t objno, char *buf, size_t bufsz);

#endif
