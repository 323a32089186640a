/*
 * stream_chunk.c - N:1 chunk objects: chunk k of a declared-size file is
 * object k of the file's own stream, laid out exactly like a stream
 * object holding one piece ([header][piece][record]), so reads and
 * recovery need no special case.  Writers of different chunks share
 * nothing, which is what lets many ranks write one file at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crc.h"
#include "stream.h"

struct stream_chunk {
    ne_write_t *obj;
    struct obj_record rec;
    uint64_t want;       /* bytes this chunk must hold */
    uint64_t got;
    uint64_t crc;
};

uint64_t stream_chunk_count(const struct ftag *tag)
{
    uint64_t n = (tag->size + tag->chunk - 1) / tag->chunk;
    return n ? n : 1;   /* an empty file still gets one object + record */
}

uint64_t stream_chunk_len(const struct ftag *tag, uint64_t k)
{
    uint64_t start = k * tag->chunk;
    if (start >= tag->size)
        return 0;
    return tag->size - start < tag->chunk ? tag->size - start : tag->chunk;
}

int stream_chunk_open(ne_ctx_t *ne, const struct ftag *tag,
                      const char *nspath, const struct obj_record *rec,
                      uint64_t k, struct stream_chunk **out)
{
    char name[160], hdr[OBJ_HDR_SIZE];
    struct obj_header h = {.objno = k, .chunk = tag->chunk,
                           .created = (int64_t)time(NULL)};
    if (k >= stream_chunk_count(tag))
        return -EINVAL;
    struct stream_chunk *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    snprintf(h.stream, sizeof(h.stream), "%s", tag->stream);
    snprintf(h.ns, sizeof(h.ns), "%s", nspath);
    c->rec = *rec;
    c->rec.poff = k * tag->chunk;
    c->rec.doff = OBJ_HDR_SIZE;
    c->rec.last = k + 1 == stream_chunk_count(tag);
    c->rec.size = tag->size;
    c->want = stream_chunk_len(tag, k);
    int rc = ftag_objname(tag->stream, k, name, sizeof(name));
    if (rc == 0)
        rc = obj_header_encode(&h, hdr);
    if (rc == 0)
        rc = ne_open_write(ne, name, &c->obj);
    if (rc == 0 && ne_write(c->obj, hdr, sizeof(hdr)) < 0) {
        ne_abort(c->obj);
        rc = -EIO;
    }
    if (rc < 0) {
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

ssize_t stream_chunk_write(struct stream_chunk *c, const void *buf,
                           size_t len)
{
    if (c->got + len > c->want)
        return -EINVAL;
    ssize_t n = ne_write(c->obj, buf, len);
    if (n < 0)
        return n;
    c->crc = mcrc64_update(c->crc, buf, len);
    c->got += len;
    return (ssize_t)len;
}

int stream_chunk_close(struct stream_chunk *c, uint64_t *crc)
{
    char buf[OBJ_REC_MAX + 64];
    struct timespec now;
    int rc = c->got == c->want ? 0 : -EINVAL;
    clock_gettime(CLOCK_REALTIME, &now);
    if (c->rec.mtime_sec == 0 && c->rec.mtime_nsec == 0) {
        c->rec.mtime_sec = now.tv_sec;
        c->rec.mtime_nsec = now.tv_nsec;
    }
    c->rec.plen = c->got;
    c->rec.pcrc = c->crc;
    /* The whole-file CRC is only known after finalize combines the
     * chunks; N:1 records carry 0 there (doc/metadata-format.md). */
    c->rec.fcrc = 0;
    int len = rc == 0 ? obj_record_encode(&c->rec, buf, sizeof(buf)) : rc;
    if (len < 0 || ne_write(c->obj, buf, (size_t)len) < 0) {
        ne_abort(c->obj);
        free(c);
        return len < 0 ? len : -EIO;
    }
    rc = ne_close_write(c->obj, NULL);
    if (rc == 0 && crc != NULL)
        *crc = c->crc;
    free(c);
    return rc;
}

void stream_chunk_abort(struct stream_chunk *c)
{
    ne_abort(c->obj);
    free(c);
}
