/*
 * api_nto1.c - N:1 parallel writes: declare a size, let any number of
 * writers store whole chunks concurrently, then finalize.
 *
 * Each chunk is its own object; a writer that publishes chunk k leaves a
 * marker file "<ref>#c<k>" beside the inode in the ref tree holding the
 * chunk's CRC.  Markers need no locking between writers (each writes its
 * own) and scale to any chunk count, unlike xattrs; finalize reads them
 * all, combines the CRCs into the whole-file checksum, marks the tag
 * complete and removes them.  Until then the file reads as incomplete.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "api_internal.h"
#include "crc.h"
#include "log.h"
#include "quota.h"

int marfs_set_size(marfs_fh_t *fh, off_t size)
{
    if (fh->kind != FH_WRITE || fh->begun || fh->whole != NULL || size < 0)
        return -EINVAL;
    int rc = quota_check(fh->ap.md->quota, 0, (uint64_t)size);
    if (rc < 0)
        return rc;
    /* The file leaves the pack stream: its chunks get a stream of their
     * own, object k holding chunk k. */
    rc = api_stream_close(fh->st);
    fh->st = NULL;
    struct ftag *t = &fh->tag;
    stream_new_id(t->stream, sizeof(t->stream));
    t->nto1 = 1;
    t->objno = 0;
    t->off = OBJ_HDR_SIZE;
    t->size = (uint64_t)size;
    if (t->chunk == UINT64_MAX)     /* chunking off: one object */
        t->chunk = t->size ? t->size : 1;
    t->first = t->chunk;
    int trc = api_write_tag(fh->fd, t);
    if (trc == 0 && fh->rpath != NULL)
        trc = api_fsetxattr(fh->fd, RPATH_XATTR, fh->rpath,
                            strlen(fh->rpath));
    if (trc == 0 && ftruncate(fh->fd, size) != 0)
        trc = -errno;
    if (trc < 0)
        return trc;
    fh->kind = FH_NTO1;
    if (rc < 0)
        LOG_WARN("%s: files written before it in this stream failed: %s",
                 fh->path, strerror(-rc));
    return 0;
}

int marfs_chunk_info(marfs_fh_t *fh, uint64_t *chunk_size, uint64_t *nchunks)
{
    if (fh->kind != FH_NTO1)
        return -EINVAL;
    *chunk_size = fh->tag.chunk;
    *nchunks = stream_chunk_count(&fh->tag);
    return 0;
}

static int write_marker(marfs_fh_t *fh, uint64_t k, uint64_t crc)
{
    char name[200], buf[64];
    int rfd, rc = mdal_ref_dirfd(fh->ap.md, fh->tag.ref, &rfd);
    if (rc < 0)
        return rc;
    api_chunk_marker(&fh->tag, k, name, sizeof(name));
    int len = snprintf(buf, sizeof(buf), "%016" PRIx64 " %" PRIu64 "\n", crc,
                       stream_chunk_len(&fh->tag, k));
    int fd = openat(rfd, name, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    rc = fd < 0 ? -errno : write(fd, buf, (size_t)len) == len ? 0 : -EIO;
    if (fd >= 0)
        close(fd);
    close(rfd);
    return rc;
}

static int start_chunk(marfs_fh_t *fh, uint64_t off)
{
    struct obj_record rec;
    if (off % fh->tag.chunk != 0)
        return -EINVAL;   /* chunks are written whole, from their start */
    int rc = api_fill_record(fh, &rec);
    if (rc < 0)
        return rc;
    fh->chunk_k = off / fh->tag.chunk;
    fh->chunk_next = off;
    return stream_chunk_open(fh->ap.ne, &fh->tag, fh->ap.ns->path, &rec,
                             fh->chunk_k, &fh->chunk);
}

static int finish_chunk(marfs_fh_t *fh)
{
    uint64_t crc;
    int rc = stream_chunk_close(fh->chunk, &crc);
    fh->chunk = NULL;
    if (rc == 0)
        rc = write_marker(fh, fh->chunk_k, crc);
    if (rc < 0)
        LOG_ERR("%s: chunk %" PRIu64 " could not be stored: %s", fh->path,
                fh->chunk_k, strerror(-rc));
    return rc;
}

ssize_t marfs_pwrite(marfs_fh_t *fh, const void *buf, size_t len, off_t off)
{
    const char *p = buf;
    size_t done = 0;
    if (fh->kind != FH_NTO1 || off < 0 ||
        (uint64_t)off + len > fh->tag.size)
        return -EINVAL;
    while (done < len) {
        uint64_t at = (uint64_t)off + done;
        if (fh->chunk != NULL && at != fh->chunk_next)
            return -EINVAL;   /* a chunk is written in order, once */
        int rc = fh->chunk == NULL ? start_chunk(fh, at) : 0;
        if (rc < 0)
            return rc;
        uint64_t clen = stream_chunk_len(&fh->tag, fh->chunk_k);
        uint64_t left = fh->chunk_k * fh->tag.chunk + clen - at;
        size_t n = len - done < left ? len - done : (size_t)left;
        ssize_t w = stream_chunk_write(fh->chunk, p + done, n);
        if (w < 0)
            return w;
        done += n;
        fh->chunk_next += n;
        if (n == left && (rc = finish_chunk(fh)) < 0)
            return rc;
    }
    return (ssize_t)done;
}

/* Read chunk k's marker: its CRC and length. */
static int read_marker(int rfd, const struct ftag *tag, uint64_t k,
                       uint64_t *crc, uint64_t *len)
{
    char name[200], buf[64];
    api_chunk_marker(tag, k, name, sizeof(name));
    int fd = openat(rfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? -EBUSY : -errno;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -EBUSY;
    buf[n] = '\0';
    return sscanf(buf, "%" SCNx64 " %" SCNu64, crc, len) == 2 ? 0 : -EBUSY;
}

static int combine_chunks(int rfd, const struct ftag *tag, uint64_t *crc)
{
    uint64_t n = stream_chunk_count(tag);
    *crc = 0;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t c, len;
        int rc = read_marker(rfd, tag, k, &c, &len);
        if (rc == 0 && len != stream_chunk_len(tag, k))
            rc = -EBUSY;
        if (rc < 0)
            return rc;
        *crc = mcrc64_combine(*crc, c, len);
    }
    return 0;
}

int marfs_finalize(marfs_fh_t *fh)
{
    int rfd;
    if (fh->kind != FH_NTO1)
        return -EINVAL;
    if (fh->chunk != NULL)
        return -EBUSY;
    int rc = mdal_ref_dirfd(fh->ap.md, fh->tag.ref, &rfd);
    if (rc < 0)
        return rc;
    struct ftag t = fh->tag;
    /* An empty file has one empty chunk, which no writer has a reason to
     * write: store it here so it has its object and recovery record. */
    uint64_t c, l;
    if (t.size == 0 && read_marker(rfd, &t, 0, &c, &l) == -EBUSY &&
        (rc = start_chunk(fh, 0)) == 0)
        rc = finish_chunk(fh);
    if (rc == 0)
        rc = combine_chunks(rfd, &t, &t.crc);
    if (rc == 0) {
        t.has_crc = 1;
        t.state = FTAG_COMPLETE;
        /* complete and counted in one step (see complete_inode) */
        struct stat st;
        mdal_ns_lock(fh->ap.md);
        rc = api_write_tag(fh->fd, &t);
        if (rc == 0 && fstat(fh->fd, &st) == 0 && st.st_nlink > 1)
            quota_add(fh->ap.md->quota, 0, (int64_t)t.size);
        mdal_ns_unlock(fh->ap.md);
    }
    if (rc == 0) {
        char name[200];
        for (uint64_t k = 0; k < stream_chunk_count(&t); k++) {
            api_chunk_marker(&t, k, name, sizeof(name));
            unlinkat(rfd, name, 0);
        }
        fh->tag = t;
        if (fh->mode != 0)
            fchmod(fh->fd, fh->mode);
    }
    close(rfd);
    return rc;
}
