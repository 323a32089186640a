/*
 * stream.h - write streams: one client's files appended, in order, into a
 * sequence of erasure-coded objects "<stream>/0", "<stream>/1", ...
 *
 * Owns packing (up to max_files files per object), chunking (at most
 * `chunk` data bytes per object; a file spills into the next object), the
 * object header and the recovery record after every file piece, and the
 * rule that a file is complete only once the object holding its last byte
 * is published: completion is reported through a callback, which the API
 * layer uses to mark the file's tag complete.
 *
 * Also N:1 chunk writes: chunk k of a declared-size file is object k of
 * the file's own stream, written by whoever calls stream_chunk_*.
 */
#ifndef MARFS_STREAM_H
#define MARFS_STREAM_H

#include <stdint.h>
#include <sys/types.h>

#include "ne.h"
#include "objfmt.h"
#include "tag.h"

struct stream;

/* Called when a file's last object was published (status 0) or failed
 * (negative errno); the file's tag (as ended) is passed back. */
typedef void (*stream_done_fn)(void *arg, const struct ftag *tag,
                               int status);

struct stream_params {
    ne_ctx_t *ne;
    const char *nspath;      /* for object headers */
    uint64_t chunk;          /* data bytes per object (UINT64_MAX: no limit) */
    uint64_t max_files;      /* files per object (1: no packing) */
    /* Optional: called with begin 1 before the completions (done
     * callbacks) of one object's files and with 0 after the last, so the
     * caller can take a lock once per object instead of once per file. */
    void (*batch)(void *arg, int begin);
    void *batch_arg;
};

/* A new stream with a fresh, unique id; opens no object yet. */
int stream_open(const struct stream_params *p, struct stream **out);
/* Close the current object (completing its files) and free the stream. */
int stream_close(struct stream *s);
/* Abort the current object: its files fail; free the stream. */
void stream_abort(struct stream *s);
const char *stream_id(const struct stream *s);
/* The batch_arg the stream was opened with (the caller's per-stream
 * state, freed by the caller after stream_close). */
void *stream_batch_arg(const struct stream *s);

/*
 * Begin a file; rec holds its recovery fields (path, ref, uid, gid, mode).
 * Fills tag's location fields (stream, objno, off, first, chunk, hdr, n,
 * e, psz).  Only one file is open in a stream at a time.
 */
int stream_file_begin(struct stream *s, const struct obj_record *rec,
                      struct ftag *tag);
/* Where the next file begun in this stream will start: fills tag's
 * location fields (stream, objno, off, first, chunk, hdr) exactly as
 * stream_file_begin will, so a file's tag names its first object from
 * creation on (garbage collection relies on it for files whose writer
 * died).  Valid until the stream is written to. */
void stream_next_begin(const struct stream *s, struct ftag *tag);
/* Append to the current file. */
ssize_t stream_file_write(struct stream *s, const void *buf, size_t len);
/* Update the path, owner, mode and mtime (0: the record's write time)
 * that the current file's next records carry. */
void stream_file_meta(struct stream *s, const struct obj_record *meta);
/* Bytes written to the current file so far. */
uint64_t stream_file_size(const struct stream *s);
/*
 * End the current file: write its last record; fill tag's size and crc.
 * done(arg, tag, status) runs when its object is published or fails
 * (possibly inside this call or a later stream call, or stream_close).
 */
int stream_file_end(struct stream *s, struct ftag *tag, stream_done_fn done,
                    void *arg);

/* Wait until every object before the current one is published (their
 * files' done callbacks have run); -EIO if the stream is broken. */
int stream_sync(struct stream *s);

/* ---- N:1 chunks ---------------------------------------------------------- */

/* Write chunk k (bytes [k*chunk, ...) of the file) as one object; the
 * caller streams its len bytes with stream_chunk_write. */
struct stream_chunk;
int stream_chunk_open(ne_ctx_t *ne, const struct ftag *tag,
                      const char *nspath, const struct obj_record *rec,
                      uint64_t k, struct stream_chunk **out);
ssize_t stream_chunk_write(struct stream_chunk *c, const void *buf,
                           size_t len);
/* Publish the chunk; *crc gets the CRC-64 of its data. */
int stream_chunk_close(struct stream_chunk *c, uint64_t *crc);
void stream_chunk_abort(struct stream_chunk *c);
/* Bytes chunk k of a file of this tag holds. */
uint64_t stream_chunk_len(const struct ftag *tag, uint64_t k);
uint64_t stream_chunk_count(const struct ftag *tag);

/* A fresh unique stream id (also the ref name of a stream marker). */
void stream_new_id(char *buf, size_t bufsz);
/* A fresh unique ref name for a new file: "<group id>~<n>", the group id
 * a stream id shared by up to STREAM_REF_GROUP names made one after
 * another by one thread, so that the reference tree keeps them in one
 * directory (mdal_ref_dir). */
#define STREAM_REF_GROUP 1024
void stream_new_ref(char *buf, size_t bufsz);

#endif
