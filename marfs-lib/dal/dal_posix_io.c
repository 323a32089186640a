/*
 * dal_posix_io.c - on-disk format and file I/O of the posix DAL.
 *
 * Owns: object-name escaping, the meta trailer (encode, decode, check)
 * and I/O that works both buffered and with O_DIRECT, whose buffers,
 * lengths and offsets must all be PX_ALIGN-aligned: writes are staged in
 * an aligned buffer and the final unaligned tail is written after
 * clearing O_DIRECT; reads go through the same buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dal_posix.h"
#include "hash.h"

/* ---- names ------------------------------------------------------------ */

static int keep_char(unsigned char c, size_t pos)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9'))
        return 1;
    /* a leading '.' would look like a temporary (or be "." / "..") */
    return c != '\0' && strchr("_.+=,@~-", c) != NULL &&
           !(pos == 0 && c == '.');
}

int px_escape(const char *obj, char *out, size_t outsz)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; obj[i] != '\0'; i++) {
        unsigned char c = (unsigned char)obj[i];
        int keep = keep_char(c, i);
        if (o + (keep ? 1 : 3) + 1 > outsz)
            return -ENAMETOOLONG;
        if (keep) {
            out[o++] = (char)c;
            continue;
        }
        out[o++] = '%';
        out[o++] = hex[c >> 4];
        out[o++] = hex[c & 15];
    }
    out[o] = '\0';
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;   /* lower case is never produced, so never accepted */
}

int px_unescape(const char *name, char *out, size_t outsz)
{
    size_t o = 0;
    for (size_t i = 0; name[i] != '\0'; i++) {
        int c = (unsigned char)name[i];
        if (o + 1 >= outsz)
            return -ENAMETOOLONG;
        if (c == '%') {
            int hi = hexval(name[i + 1]);
            int lo = hi < 0 ? -1 : hexval(name[i + 2]);
            if (lo < 0)
                return -EINVAL;
            c = hi << 4 | lo;
            /* only the canonical form names a block: no %00, no escaped
             * character that escaping keeps */
            if (c == 0 || keep_char((unsigned char)c, o))
                return -EINVAL;
            i += 2;
        } else if (!keep_char((unsigned char)c, o)) {
            return -EINVAL;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return o > 0 ? 0 : -EINVAL;
}

/* ---- trailer ---------------------------------------------------------- */

static const unsigned char magic[8] = {'M', 'A', 'R', 'F', 'S', 'B', 'L', 'K'};

static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    while (n-- > 0)
        v = v << 8 | p[n];
    return v;
}

static uint64_t trailer_check(const unsigned char *footer, const void *meta,
                              uint32_t meta_len)
{
    uint64_t seed = mhash_xxh64(footer, 24, 0);
    return mhash_xxh64(meta, meta_len, seed);
}

void px_footer_encode(unsigned char out[PX_FOOTER], unsigned flags,
                      const void *meta, uint32_t meta_len, uint64_t data_len)
{
    memcpy(out, magic, 8);
    put_le(out + 8, PX_FORMAT_VERSION, 2);
    put_le(out + 10, flags, 2);
    put_le(out + 12, meta_len, 4);
    put_le(out + 16, data_len, 8);
    put_le(out + 24, trailer_check(out, meta, meta_len), 8);
}

int px_footer_decode(const unsigned char in[PX_FOOTER], struct px_footer *f)
{
    if (memcmp(in, magic, 8) != 0)
        return -EBADMSG;
    f->version = (unsigned)get_le(in + 8, 2);
    f->flags = (unsigned)get_le(in + 10, 2);
    f->meta_len = (uint32_t)get_le(in + 12, 4);
    f->data_len = get_le(in + 16, 8);
    f->check = get_le(in + 24, 8);
    return f->version == PX_FORMAT_VERSION ? 0 : -EBADMSG;
}

int px_meta_ok(const unsigned char in[PX_FOOTER], const void *meta,
               uint32_t meta_len)
{
    return trailer_check(in, meta, meta_len) == get_le(in + 24, 8);
}

/* ---- I/O -------------------------------------------------------------- */

int px_openat(int dirfd, const char *path, int flags, int want_direct,
              int *direct)
{
    int fd = -1;
    *direct = 0;
    if (want_direct) {
        fd = openat(dirfd, path, flags | O_DIRECT, 0600);
        if (fd >= 0) {
            *direct = 1;
            return fd;
        }
        if (errno != EINVAL)   /* EINVAL: this file system has no O_DIRECT */
            return -errno;
        if (flags & O_CREAT)
            unlinkat(dirfd, path, 0);   /* some systems create before refusing */
    }
    fd = openat(dirfd, path, flags, 0600);
    return fd >= 0 ? fd : -errno;
}

int px_io_set_direct(struct px_io *io, int on)
{
    int fl = fcntl(io->fd, F_GETFL);
    if (fl < 0 ||
        fcntl(io->fd, F_SETFL, on ? fl | O_DIRECT : fl & ~O_DIRECT) < 0)
        return -errno;
    io->direct = on;
    return 0;
}

/* Write all of p.  Some file systems accept O_DIRECT at open and refuse
 * the writes (EINVAL): those bytes and the rest of the file are then
 * written buffered (fsync still makes them durable), instead of failing
 * the block. */
static int write_all(struct px_io *io, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(io->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EINVAL && io->direct) {
            int rc = px_io_set_direct(io, 0);
            if (rc < 0)
                return rc;
            continue;
        }
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int ensure_bounce(struct px_io *io)
{
    void *p;
    if (io->bounce != NULL)
        return 0;
    if (posix_memalign(&p, PX_ALIGN, PX_BOUNCE) != 0)
        return -ENOMEM;
    io->bounce = p;
    return 0;
}

/* O_DIRECT append: aligned whole blocks straight from an aligned caller
 * buffer, everything else through the staging buffer (which keeps its
 * order with later appends should O_DIRECT be dropped midway). */
static int append_direct(struct px_io *io, const char *p, size_t len)
{
    int rc = ensure_bounce(io);
    while (rc == 0 && len > 0) {
        if (io->fill == 0 && len >= PX_ALIGN &&
            (uintptr_t)p % PX_ALIGN == 0) {
            size_t n = len & ~(size_t)(PX_ALIGN - 1);
            rc = write_all(io, p, n);
            p += n;
            len -= n;
            continue;
        }
        size_t take = PX_BOUNCE - io->fill < len ? PX_BOUNCE - io->fill : len;
        memcpy(io->bounce + io->fill, p, take);
        io->fill += take;
        p += take;
        len -= take;
        if (io->fill == PX_BOUNCE) {
            rc = write_all(io, io->bounce, PX_BOUNCE);
            io->fill = 0;
        }
    }
    return rc;
}

int px_io_append(struct px_io *io, const void *buf, size_t len)
{
    return io->direct || io->fill > 0 ? append_direct(io, buf, len)
                                      : write_all(io, buf, len);
}

/* Write what is staged: its aligned head direct, the tail buffered. */
int px_io_flush(struct px_io *io)
{
    if (io->fill == 0)
        return 0;
    size_t aligned = io->direct ? io->fill & ~(size_t)(PX_ALIGN - 1) : 0;
    int rc = aligned ? write_all(io, io->bounce, aligned) : 0;
    if (rc == 0 && aligned < io->fill) {
        if (io->direct)
            rc = px_io_set_direct(io, 0);
        if (rc == 0)
            rc = write_all(io, io->bounce + aligned, io->fill - aligned);
    }
    io->fill = 0;
    return rc;
}

static ssize_t pread_retry(int fd, void *buf, size_t len, uint64_t off)
{
    ssize_t n;
    do
        n = pread(fd, buf, len, (off_t)off);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

/* One aligned read through the staging buffer; bytes copied, 0 at EOF. */
static ssize_t pread_direct_once(struct px_io *io, char *buf, size_t len,
                                 uint64_t off)
{
    uint64_t start = off & ~(uint64_t)(PX_ALIGN - 1);
    size_t skip = (size_t)(off - start);
    size_t want = (skip + len + PX_ALIGN - 1) & ~(size_t)(PX_ALIGN - 1);
    if (want > PX_BOUNCE)
        want = PX_BOUNCE;
    ssize_t n = pread_retry(io->fd, io->bounce, want, start);
    if (n <= (ssize_t)skip)
        return n < 0 ? n : 0;
    size_t got = (size_t)n - skip < len ? (size_t)n - skip : len;
    memcpy(buf, io->bounce + skip, got);
    return (ssize_t)got;
}

ssize_t px_io_pread(struct px_io *io, void *buf, size_t len, uint64_t off)
{
    size_t done = 0;
    if (io->direct && ensure_bounce(io) < 0)
        return -ENOMEM;
    while (done < len) {
        ssize_t n = io->direct
                        ? pread_direct_once(io, (char *)buf + done,
                                            len - done, off + done)
                        : pread_retry(io->fd, (char *)buf + done, len - done,
                                      off + done);
        if (n < 0)
            return n;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

int px_io_close(struct px_io *io)
{
    int rc = 0;
    if (io->fd >= 0 && close(io->fd) < 0)
        rc = -errno;
    io->fd = -1;
    free(io->bounce);
    io->bounce = NULL;
    return rc;
}
