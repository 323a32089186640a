/*
 * journal.c - the restart journal of a chunked file (format version 1,
 * doc/pftool.md).  A text file beside the destination's temporary
 * (".NAME.pfj~") or in --journal DIR: a header naming the source's size
 * and mtime and the chunking, then one fixed-size record per chunk
 * completed, appended by whichever rank wrote the chunk (O_APPEND, one
 * write, so concurrent appends do not interleave).  A torn last record
 * is ignored; a header that does not match the source restarts the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tasks.h"

#define JOURNAL_MAGIC "pftool-journal 1\n"
enum {
    JOURNAL_RECORD_LEN = 27,        /* "chunk " + 20 digits + "\n" */
    JOURNAL_HDR_MAX = 256,
};

int journal_path(const struct worker *w, const char *dst, char *out,
                 size_t size)
{
    if (w->o->journal_dir) {
        int n = snprintf(out, size, "%s/%016llx.pfj", w->o->journal_dir,
                         (unsigned long long)path_hash(dst));
        return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
    }
    return path_temp(out, size, dst, ".pfj~");
}

static int format_hdr(char *buf, size_t size, const struct journal_hdr *h)
{
    return snprintf(buf, size,
                    JOURNAL_MAGIC "size=%llu mtime=%lld.%09ld chunk=%llu "
                                  "chunks=%llu\n",
                    (unsigned long long)h->size, (long long)h->mtime_sec,
                    h->mtime_nsec, (unsigned long long)h->chunk,
                    (unsigned long long)h->nchunks);
}

int journal_create(const char *path, const struct journal_hdr *h)
{
    char hdr[JOURNAL_HDR_MAX];
    int n = format_hdr(hdr, sizeof(hdr), h);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    int rc = write(fd, hdr, (size_t)n) == n ? 0 : -EIO;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    return rc;
}

static void parse_records(const char *p, size_t len, const struct journal_hdr *h,
                          uint8_t *map)
{
    while (len >= JOURNAL_RECORD_LEN) {
        unsigned long long idx;
        if (memcmp(p, "chunk ", 6) != 0 || p[JOURNAL_RECORD_LEN - 1] != '\n' ||
            sscanf(p + 6, "%20llu", &idx) != 1)
            break;
        if (idx < h->nchunks)
            bitmap_set(map, idx);
        p += JOURNAL_RECORD_LEN;
        len -= JOURNAL_RECORD_LEN;
    }
}

int journal_load(const char *path, const struct journal_hdr *h, uint8_t *map)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    char *buf = NULL;
    int rc = fstat(fd, &st) < 0 ? -errno : 0;
    if (rc == 0 && (buf = malloc((size_t)st.st_size + 1)) == NULL)
        rc = -ENOMEM;
    if (rc == 0 && read(fd, buf, (size_t)st.st_size) != st.st_size)
        rc = -EIO;
    close(fd);
    char hdr[JOURNAL_HDR_MAX];
    size_t n = rc == 0 ? (size_t)format_hdr(hdr, sizeof(hdr), h) : 0;
    if (rc == 0 && ((size_t)st.st_size < n || memcmp(buf, hdr, n) != 0))
        rc = -ESTALE;
    if (rc == 0)
        parse_records(buf + n, (size_t)st.st_size - n, h, map);
    free(buf);
    return rc;
}

int journal_append(const char *path, uint64_t chunk)
{
    char rec[JOURNAL_RECORD_LEN + 1];
    snprintf(rec, sizeof(rec), "chunk %020llu\n", (unsigned long long)chunk);
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = write(fd, rec, JOURNAL_RECORD_LEN) == JOURNAL_RECORD_LEN ? 0 : -EIO;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    return rc;
}

void journal_remove(const char *path)
{
    unlink(path);
}
