/*
 * walk_pack.c - walk results across MPI ranks: every rank reads its share
 * of the reference tree, packs its entries into bytes, and rank 0 merges
 * them (stream ids re-interned into its own table).  In one process the
 * walk is used as is.
 *
 * Packed form (native byte order: the ranks of one job share a machine
 * type): "RMW1", u64 entries, u64 orphans, u64 dirs, then per entry the
 * struct rm_file with its pointers zeroed, the ref and the stream id as
 * NUL-terminated strings; per orphan marker its mtime and name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "log.h"
#include "par.h"

struct buf {
    char *p;
    size_t len, cap;
};

static int put(struct buf *b, const void *data, size_t len)
{
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len)
            cap *= 2;
        void *p = realloc(b->p, cap);
        if (p == NULL)
            return -ENOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
    return 0;
}

static int put_str(struct buf *b, const char *s)
{
    return put(b, s ? s : "", strlen(s ? s : "") + 1);
}

int files_pack(const struct rm_files *fs, char **out, size_t *len)
{
    struct buf b = {0};
    uint64_t hdr[3] = {fs->n, fs->norphans, fs->dirs};
    int rc = put(&b, "RMW1", 4);
    if (rc == 0)
        rc = put(&b, hdr, sizeof(hdr));
    for (size_t i = 0; rc == 0 && i < fs->n; i++) {
        struct rm_file f = fs->f[i];
        const char *stream = f.stream == RM_NO_STREAM
                                 ? "" : strtab_get(fs->streams, f.stream);
        f.ref = NULL;
        rc = put(&b, &f, sizeof(f));
        if (rc == 0)
            rc = put_str(&b, fs->f[i].ref);
        if (rc == 0)
            rc = put_str(&b, stream);
    }
    for (size_t i = 0; rc == 0 && i < fs->norphans; i++) {
        rc = put(&b, &fs->orphans[i].mtime, sizeof(int64_t));
        if (rc == 0)
            rc = put_str(&b, fs->orphans[i].name);
    }
    if (rc < 0) {
        free(b.p);
        return rc;
    }
    *out = b.p;
    *len = b.len;
    return 0;
}

/* The string at *at (bounded by end), advancing past its NUL. */
static const char *take_str(const char **at, const char *end)
{
    const char *s = *at;
    const char *nul = memchr(s, '\0', (size_t)(end - s));
    if (nul == NULL)
        return NULL;
    *at = nul + 1;
    return s;
}

static int unpack_one(struct rm_files *fs, const char *buf, size_t len,
                      size_t *used)
{
    const char *at = buf, *end = buf + len;
    uint64_t hdr[3];
    if (len < 4 + sizeof(hdr) || memcmp(buf, "RMW1", 4) != 0)
        return -EPROTO;
    memcpy(hdr, buf + 4, sizeof(hdr));
    at += 4 + sizeof(hdr);
    fs->dirs += hdr[2];
    for (uint64_t i = 0; i < hdr[0]; i++) {
        struct rm_file f;
        if ((size_t)(end - at) < sizeof(f))
            return -EPROTO;
        memcpy(&f, at, sizeof(f));
        at += sizeof(f);
        const char *ref = take_str(&at, end);
        const char *stream = ref ? take_str(&at, end) : NULL;
        if (stream == NULL)
            return -EPROTO;
        if (fs->n == fs->cap) {
            size_t cap = fs->cap ? fs->cap * 2 : 1024;
            void *p = realloc(fs->f, cap * sizeof(*fs->f));
            if (p == NULL)
                return -ENOMEM;
            fs->f = p;
            fs->cap = cap;
        }
        f.stream = stream[0] ? strtab_add(fs->streams, stream) : RM_NO_STREAM;
        if ((f.ref = strdup(ref)) == NULL)
            return -ENOMEM;
        fs->f[fs->n++] = f;
    }
    for (uint64_t i = 0; i < hdr[1]; i++) {
        int64_t mtime;
        if ((size_t)(end - at) < sizeof(mtime))
            return -EPROTO;
        memcpy(&mtime, at, sizeof(mtime));
        at += sizeof(mtime);
        const char *name = take_str(&at, end);
        if (name == NULL)
            return -EPROTO;
        if (fs->norphans == fs->orphcap) {
            size_t cap = fs->orphcap ? fs->orphcap * 2 : 16;
            void *p = realloc(fs->orphans, cap * sizeof(*fs->orphans));
            if (p == NULL)
                return -ENOMEM;
            fs->orphans = p;
            fs->orphcap = cap;
        }
        struct rm_marker *m = &fs->orphans[fs->norphans];
        if ((m->name = strdup(name)) == NULL)
            return -ENOMEM;
        m->mtime = mtime;
        fs->norphans++;
    }
    *used = (size_t)(at - buf);
    return 0;
}

int files_unpack_append(struct rm_files *fs, const char *buf, size_t len)
{
    if (fs->streams == NULL && (fs->streams = strtab_new()) == NULL)
        return -ENOMEM;
    while (len > 0) {
        size_t used = 0;
        int rc = unpack_one(fs, buf, len, &used);
        if (rc < 0)
            return rc;
        buf += used;
        len -= used;
    }
    return 0;
}

int files_walk_all(struct rm_ns *ns, struct rm_files *out)
{
    if (par_size() == 1)
        return files_walk(ns, out);
    struct rm_files mine = {0};
    char *buf = NULL, *all = NULL;
    size_t len = 0, alllen = 0;
    int rc = files_walk(ns, &mine);
    if (rc == 0)
        rc = files_pack(&mine, &buf, &len);
    files_free(&mine);
    if (rc < 0) {
        LOG_ERR("rank %d: reference walk failed: %s", par_rank(),
                strerror(-rc));
        par_abort(3);
    }
    par_gather(buf, len, &all, &alllen);
    free(buf);
    if (par_rank() == 0)
        rc = files_unpack_append(out, all, alllen);
    free(all);
    return par_bcast_int(rc);
}
