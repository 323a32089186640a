/*
 * info_xattr.c - the read-only virtual attribute user.marfs.info: "where
 * is my file", as text lines "key: value" (doc/fuse.md lists the keys):
 * state, size, repo and protection, the objects the file spans, the
 * stored CRC-64, and the health of every object from its blocks' meta
 * info (no data is read; damaged and lost objects are named).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "mfuse.h"

/* Objects checked at most: one stat of N+E blocks each. */
#define HEALTH_MAX 10000
/* Damaged objects named at most. */
#define NAMED_MAX 20

struct out {
    char *buf;
    size_t size, len;
    int full;
};

static void put(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    if (o->full)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->size - o->len)
        o->full = 1;
    else
        o->len += (size_t)n;
}

static void put_health(struct mfs *fs, const char *path,
                       const struct marfs_file_info *fi, struct out *o)
{
    uint64_t check = fi->nobjs < HEALTH_MAX ? fi->nobjs : HEALTH_MAX;
    uint64_t damaged = 0, lost = 0;
    char names[NAMED_MAX][200];
    unsigned named = 0;
    for (uint64_t k = 0; k < check; k++) {
        struct marfs_obj_health h;
        int rc = marfs_object_health(fs->ctx, path, k, &h);
        if (rc < 0) {
            put(o, "health: unknown (%s)\n", "cannot check the objects");
            return;
        }
        if (h.nbad == 0)
            continue;
        h.lost ? lost++ : damaged++;
        if (named < NAMED_MAX)
            snprintf(names[named++], sizeof(names[0]),
                     "%s: %s (%u of %u blocks bad)\n",
                     h.lost ? "lost" : "damaged", h.name, h.nbad, h.nblocks);
    }
    if (lost > 0)
        put(o, "health: lost (%" PRIu64 " objects unreadable, %" PRIu64
            " need a rebuild)\n", lost, damaged);
    else if (damaged > 0)
        put(o, "health: degraded (%" PRIu64 " objects need a rebuild)\n",
            damaged);
    else
        put(o, "health: ok\n");
    if (check < fi->nobjs)
        put(o, "checked: first %" PRIu64 " of %" PRIu64 " objects\n", check,
            fi->nobjs);
    for (unsigned i = 0; i < named; i++)
        put(o, "%s", names[i]);
}

ssize_t mfs_info_xattr(struct mfs *fs, const char *path, char *buf,
                       size_t size)
{
    struct marfs_file_info fi;
    struct out o = {buf, size, 0, 0};
    int rc = marfs_file_info(fs->ctx, path, &fi);
    if (rc == -EISDIR || rc == -EINVAL)
        return -ENODATA;        /* only regular files have one */
    if (rc < 0)
        return rc;
    put(&o, "path: %s\n", path);
    put(&o, "state: %s\n", fi.complete ? "complete"
        : "incomplete (being written, or its writer died: not readable)");
    put(&o, "size: %" PRIu64 "\n", fi.size);
    put(&o, "repo: %s\n", fi.repo);
    put(&o, "protection: %u+%u\n", fi.n, fi.e);
    put(&o, "part_size: %" PRIu64 "\n", fi.psz);
    put(&o, "objects: %" PRIu64 "\n", fi.nobjs);
    put(&o, "first_object: %s/%" PRIu64 "\n", fi.stream, fi.first_obj);
    put(&o, "last_object: %s/%" PRIu64 "\n", fi.stream,
        fi.first_obj + fi.nobjs - 1);
    put(&o, "offset: %" PRIu64 "\n", fi.first_off);
    if (fi.has_crc)
        put(&o, "crc64: %016" PRIx64 "\n", fi.crc);
    else
        put(&o, "crc64: none\n");
    if (fi.complete)
        put_health(fs, path, &fi, &o);
    return o.full ? -E2BIG : (ssize_t)o.len;
}
