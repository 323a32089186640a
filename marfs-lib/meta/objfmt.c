/*
 * objfmt.c - object header and recovery records (see objfmt.h).
 *
 * Both are "key=value\n" text so an operator can read them with
 * marfs-ne get | strings; paths are %-escaped (bytes < 0x21, '%' and
 * 0x7f) so names with spaces or newlines survive.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "objfmt.h"
#include "textbuf.h"

/* The text with every byte <= 0x20, '%' and 0x7f as %XX. */
static void escape_into(struct mtext *x, const char *in)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        if (*p <= 0x20 || *p == '%' || *p == 0x7f) {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            mtext_mem(x, e, 3);
        } else {
            mtext_char(x, (char)*p);
        }
    }
}

static void escape(const char *in, char *out, size_t outsz)
{
    struct mtext x;
    mtext_init(&x, out, outsz);
    escape_into(&x, in);
}

static int unescape(const char *in, char *out, size_t outsz)
{
    size_t o = 0;
    for (const char *p = in; *p; p++) {
        if (o + 1 >= outsz)
            return -ENAMETOOLONG;
        if (*p == '%') {
            unsigned v;
            if (sscanf(p + 1, "%2X", &v) != 1 || !p[1] || !p[2])
                return -EINVAL;
            out[o++] = (char)v;
            p += 2;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return 0;
}

int obj_header_encode(const struct obj_header *h, char buf[OBJ_HDR_SIZE])
{
    char ns[1024];
    escape(h->ns, ns, sizeof(ns));
    memset(buf, '\n', OBJ_HDR_SIZE);
    int n = snprintf(buf, OBJ_HDR_SIZE,
                     "MARFSOBJ %d\nstream=%s\nobjno=%" PRIu64 "\nchunk=%" PRIu64
                     "\nns=%s\ncreated=%" PRId64 "\n", OBJ_FORMAT_VERSION,
                     h->stream, h->objno, h->chunk, ns, h->created);
    if (n < 0 || n >= OBJ_HDR_SIZE)
        return -ENAMETOOLONG;
    buf[n] = '\n';   /* snprintf's NUL becomes padding */
    return 0;
}

/* Find "key=" at a line start in text; copy the value up to '\n'. */
static int field(const char *text, const char *key, char *out, size_t outsz)
{
    size_t klen = strlen(key);
    for (const char *p = text; p != NULL && *p; ) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            const char *v = p + klen + 1;
            size_t len = strcspn(v, "\n");
            if (len >= outsz)
                return -ENAMETOOLONG;
            memcpy(out, v, len);
            out[len] = '\0';
            return 0;
        }
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return -ENOENT;
}

static int field_u64(const char *text, const char *key, uint64_t *out)
{
    char v[32], *end;
    if (field(text, key, v, sizeof(v)) < 0 || v[0] == '\0')
        return -EINVAL;
    *out = strtoull(v, &end, v[0] == '0' && v[1] == 'x' ? 16 : 10);
    return *end ? -EINVAL : 0;
}

int obj_header_decode(const char *buf, size_t len, struct obj_header *h)
{
    char text[OBJ_HDR_SIZE + 1], ns[1024];
    uint64_t created;
    if (len < OBJ_HDR_SIZE)
        return -EINVAL;
    memcpy(text, buf, OBJ_HDR_SIZE);
    text[OBJ_HDR_SIZE] = '\0';
    if (strncmp(text, "MARFSOBJ 1\n", 11) != 0)
        return -EINVAL;
    if (field(text, "stream", h->stream, sizeof(h->stream)) < 0 ||
        field_u64(text, "objno", &h->objno) < 0 ||
        field_u64(text, "chunk", &h->chunk) < 0 ||
        field(text, "ns", ns, sizeof(ns)) < 0 ||
        unescape(ns, h->ns, sizeof(h->ns)) < 0 ||
        field_u64(text, "created", &created) < 0)
        return -EINVAL;
    h->created = (int64_t)created;
    return 0;
}

static void num_line(struct mtext *x, const char *key, uint64_t v)
{
    mtext_str(x, key);
    mtext_u64(x, v);
    mtext_char(x, '\n');
}

static void crc_line(struct mtext *x, const char *key, uint64_t v)
{
    mtext_str(x, key);
    mtext_hex_pad(x, v, 16);
    mtext_char(x, '\n');
}

/* Written with mtext rather than snprintf: once per file piece, where
 * printf's format parsing cost more than the text. */
int obj_record_encode(const struct obj_record *r, char *buf, size_t bufsz)
{
    struct mtext x;
    if (bufsz < OBJ_REC_TRAILER + 1)
        return -ENAMETOOLONG;
    mtext_init(&x, buf, bufsz - OBJ_REC_TRAILER);
    mtext_str(&x, "MARFSREC 1\npath=");
    escape_into(&x, r->path);
    mtext_str(&x, "\nref=");
    mtext_str(&x, r->ref);
    mtext_char(&x, '\n');
    num_line(&x, "uid=", (unsigned)r->uid);
    num_line(&x, "gid=", (unsigned)r->gid);
    mtext_str(&x, "mode=0");
    mtext_oct(&x, r->mode);
    mtext_str(&x, "\nmtime=");
    mtext_i64(&x, r->mtime_sec);
    mtext_char(&x, '.');
    if (r->mtime_nsec >= 0)
        mtext_u64_pad(&x, (uint64_t)r->mtime_nsec, 9);
    else
        mtext_i64(&x, r->mtime_nsec);   /* never written: decode refuses it */
    mtext_char(&x, '\n');
    num_line(&x, "poff=", r->poff);
    num_line(&x, "plen=", r->plen);
    num_line(&x, "doff=", r->doff);
    crc_line(&x, "pcrc=0x", r->pcrc);
    if (r->last) {
        num_line(&x, "size=", r->size);
        crc_line(&x, "fcrc=0x", r->fcrc);
    }
    int n = mtext_len(&x, buf);
    if (n < 0 || n > OBJ_REC_MAX)
        return -ENAMETOOLONG;
    /* the trailer: "END " and the record's length in 10 digits */
    mtext_init(&x, buf + n, OBJ_REC_TRAILER + 1);
    mtext_str(&x, "END ");
    mtext_u64_pad(&x, (uint64_t)n + OBJ_REC_TRAILER, 10);
    mtext_char(&x, '\n');
    return n + OBJ_REC_TRAILER;
}

int obj_record_trailer(const char *buf, size_t len, size_t *reclen)
{
    unsigned v;
    char t[OBJ_REC_TRAILER + 1];
    if (len < OBJ_REC_TRAILER)
        return -EINVAL;
    memcpy(t, buf + len - OBJ_REC_TRAILER, OBJ_REC_TRAILER);
    t[OBJ_REC_TRAILER] = '\0';
    if (sscanf(t, "END %10u\n", &v) != 1 || v < OBJ_REC_TRAILER ||
        v > OBJ_REC_MAX)
        return -EINVAL;
    *reclen = v;
    return 0;
}

int obj_record_decode(const char *buf, size_t len, struct obj_record *r)
{
    char text[OBJ_REC_MAX + 1], path[3 * 4096], mt[40];
    uint64_t uid, gid, mode;
    if (len > OBJ_REC_MAX || len < 11 || strncmp(buf, "MARFSREC 1\n", 11))
        return -EINVAL;
    memcpy(text, buf, len);
    text[len] = '\0';
    memset(r, 0, sizeof(*r));
    if (field(text, "path", path, sizeof(path)) < 0 ||
        unescape(path, r->path, sizeof(r->path)) < 0 ||
        field(text, "ref", r->ref, sizeof(r->ref)) < 0 ||
        field_u64(text, "uid", &uid) < 0 || field_u64(text, "gid", &gid) < 0 ||
        field(text, "mode", mt, sizeof(mt)) < 0 ||
        sscanf(mt, "%" SCNo64, &mode) != 1 ||
        field(text, "mtime", mt, sizeof(mt)) < 0 ||
        sscanf(mt, "%" SCNd64 ".%ld", &r->mtime_sec, &r->mtime_nsec) != 2 ||
        field_u64(text, "poff", &r->poff) < 0 ||
        field_u64(text, "plen", &r->plen) < 0 ||
        field_u64(text, "doff", &r->doff) < 0 ||
        field_u64(text, "pcrc", &r->pcrc) < 0)
        return -EINVAL;
    r->uid = (uid_t)uid;
    r->gid = (gid_t)gid;
    r->mode = (unsigned)mode;
    r->last = field_u64(text, "size", &r->size) == 0 &&
              field_u64(text, "fcrc", &r->fcrc) == 0;
    return 0;
}
