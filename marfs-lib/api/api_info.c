/*
 * api_info.c - "where is my file": marfs_file_info (the tag decoded into
 * the objects a file spans and its stored checksum) and
 * marfs_object_health (one object's blocks from their meta info), for
 * the FUSE mount's info attribute and other clients that must not know
 * the tag format.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_internal.h"

/* The tag of the regular file at path (following a final symlink). */
static int load_tag(marfs_ctx_t *ctx, const char *path, struct api_path *ap,
                    struct ftag *tag)
{
    int pfd;
    char name[NAME_MAX + 1];
    struct stat st;
    int rc = api_resolve_follow(ctx, path, NEED_RM, ap);
    if (rc == 0)
        rc = api_parent(ap, &pfd, name);
    if (rc < 0)
        return rc;
    if (name[0] == '\0')
        rc = -EISDIR;           /* a namespace root */
    else if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        rc = -errno;
    else if (!S_ISREG(st.st_mode))
        rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
    else
        rc = api_read_tag(pfd, name, tag);
    api_parent_done(ap->ctx, pfd);
    return rc == -ENODATA || rc == -EINVAL ? -EIO : rc;
}

/* Objects a file spans (computed, so a corrupt but decodable tag claiming
 * an absurd size costs nothing). */
static uint64_t object_count(const struct ftag *t)
{
    if (t->size <= t->first)
        return 1;
    uint64_t rest = t->size - t->first;
    return 1 + rest / t->chunk + (rest % t->chunk != 0);
}

int marfs_file_info(marfs_ctx_t *ctx, const char *path,
                    struct marfs_file_info *info)
{
    struct api_path ap;
    struct ftag t;
    int rc = load_tag(ctx, path, &ap, &t);
    if (rc < 0)
        return rc;
    *info = (struct marfs_file_info){
        .complete = t.state == FTAG_COMPLETE, .nto1 = t.nto1,
        .size = t.size, .repo = ap.repo->name, .n = t.n, .e = t.e,
        .psz = t.psz, .first_obj = t.objno, .first_off = t.off,
        .nobjs = object_count(&t), .has_crc = t.has_crc, .crc = t.crc,
    };
    snprintf(info->stream, sizeof(info->stream), "%s", t.stream);
    return 0;
}

int marfs_object_health(marfs_ctx_t *ctx, const char *path, uint64_t k,
                        struct marfs_obj_health *health)
{
    struct api_path ap;
    struct ftag t;
    struct ne_health h;
    int rc = load_tag(ctx, path, &ap, &t);
    if (rc < 0)
        return rc;
    if (k >= object_count(&t))
        return -EINVAL;
    memset(health, 0, sizeof(*health));
    rc = ftag_objname(t.stream, t.objno + k, health->name,
                      sizeof(health->name));
    if (rc < 0)
        return rc;
    memset(&h, 0, sizeof(h));
    rc = ne_stat(ap.ne, health->name, &h);
    health->nblocks = t.n + t.e;
    health->nbad = rc == -ENOENT ? health->nblocks : h.nbad;
    health->lost = rc < 0;
    return rc == -ENOENT || rc == -EIO ? 0 : rc;
}
