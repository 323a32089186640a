/*
 * objfmt.h - what marfs writes inside an object besides file data: the
 * object header and the recovery record that follows every file piece.
 *
 * Owns the recovery format (doc/metadata-format.md, "Objects"): enough to
 * rebuild the namespace from the objects alone.  An object is
 *
 *   [header, OBJ_HDR_SIZE bytes][piece][record][piece][record]...
 *
 * and every record ends with a fixed-width trailer "END %010u\n" giving
 * the record's length, so a reader walks the records backwards from the
 * object's end; each record gives its piece's offset and length.
 */
#ifndef MARFS_OBJFMT_H
#define MARFS_OBJFMT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OBJ_HDR_SIZE 512
#define OBJ_FORMAT_VERSION 1
#define OBJ_REC_TRAILER 15     /* "END 0000000123\n" */
#define OBJ_REC_MAX 8192

struct obj_header {
    char stream[96];
    uint64_t objno;
    uint64_t chunk;            /* data bytes per object in this stream */
    char ns[4096];             /* namespace path */
    int64_t created;
};

/* A file piece's recovery record. */
struct obj_record {
    char path[4096];           /* marfs path relative to mnt_top ("/a/b") */
    char ref[128];
    uid_t uid;
    gid_t gid;
    unsigned mode;
    int64_t mtime_sec;
    long mtime_nsec;
    uint64_t poff;             /* piece's offset within the file */
    uint64_t plen;             /* piece's length */
    uint64_t doff;             /* piece's offset within the object */
    uint64_t pcrc;             /* CRC-64 of the piece */
    int last;                  /* final piece: size and fcrc are valid */
    uint64_t size;             /* file size (when last) */
    uint64_t fcrc;             /* CRC-64 of the whole file (when last) */
};

/* Encode the header into exactly OBJ_HDR_SIZE bytes. */
int obj_header_encode(const struct obj_header *h, char buf[OBJ_HDR_SIZE]);
int obj_header_decode(const char *buf, size_t len, struct obj_header *h);

/* Encode a record (with trailer); returns its length or a negative errno. */
int obj_record_encode(const struct obj_record *r, char *buf, size_t bufsz);
/* Length of the record ending at the end of buf (from its trailer). */
int obj_record_trailer(const char *buf, size_t len, size_t *reclen);
int obj_record_decode(const char *buf, size_t len, struct obj_record *r);

#endif
