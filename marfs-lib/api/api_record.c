/*
 * api_record.c - what a file's recovery record says: the path recovery
 * restores it under (marfs_set_recovery_path), its owner, mode and times
 * as the writer declared them; and freeing a file handle with them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "api_internal.h"

/* "/ns/path/rel": a path relative to mnt_top, as records store it. */
static int record_path(const struct api_path *ap, char *buf, size_t bufsz)
{
    struct mtext t;
    mtext_init(&t, buf, bufsz);
    mtext_str(&t, ap->ns->path);
    if (strcmp(ap->ns->path, "/") && ap->rel[0])
        mtext_char(&t, '/');
    mtext_str(&t, ap->rel);
    return mtext_len(&t, buf) < 0 ? -ENAMETOOLONG : 0;
}

int marfs_set_recovery_path(marfs_fh_t *fh, const char *path)
{
    struct api_path ap;
    char rec[PATH_MAX];
    if (fh->kind == FH_READ)
        return -EBADF;
    int rc = api_resolve(fh->ctx, path, 0, &ap);
    if (rc == 0)
        rc = record_path(&ap, rec, sizeof(rec));
    /* Other processes writing chunks of an N:1 file read it from the
     * inode; a sequential writer's records come from this handle only. */
    if (rc == 0 && fh->kind == FH_NTO1)
        rc = api_fsetxattr(fh->fd, RPATH_XATTR, rec, strlen(rec));
    if (rc == 0) {
        free(fh->rpath);
        fh->rpath = strdup(rec);
        rc = fh->rpath ? 0 : -ENOMEM;
    }
    return rc;
}

int api_load_rpath(marfs_fh_t *fh)
{
    char buf[PATH_MAX];
    ssize_t n = fgetxattr(fh->fd, RPATH_XATTR, buf, sizeof(buf) - 1);
    if (n < 0)
        return errno == ENODATA ? 0 : -errno;
    buf[n] = '\0';
    free(fh->rpath);
    fh->rpath = strdup(buf);
    return fh->rpath ? 0 : -ENOMEM;
}

void api_fh_free(marfs_fh_t *fh)
{
    if (fh == NULL)
        return;
    free(fh->rpath);
    api_whole_free(fh);
    free(fh);
}

int api_fill_record(const marfs_fh_t *fh, struct obj_record *rec)
{
    return api_fill_record_st(fh, rec, NULL);
}

int api_fill_record_st(const marfs_fh_t *fh, struct obj_record *rec,
                       const struct stat *known)
{
    struct stat st;
    memset(rec, 0, sizeof(*rec));
    /* The path relative to mnt_top, so recovery can rebuild the tree. */
    int n = 0;
    if (fh->rpath != NULL)
        snprintf(rec->path, sizeof(rec->path), "%s", fh->rpath);
    else
        n = record_path(&fh->ap, rec->path, sizeof(rec->path)) < 0 ? -1 : 0;
    if (n < 0)
        return -ENAMETOOLONG;
    snprintf(rec->ref, sizeof(rec->ref), "%s", fh->tag.ref);
    if (known != NULL)
        st = *known;
    else if (fh->whole != NULL)
        api_whole_stat(fh, &st);
    else if (fstat(fh->fd, &st) != 0)
        return -errno;
    rec->uid = st.st_uid;
    rec->gid = st.st_gid;
    /* The creator's inode keeps owner rw until completion: while it is
     * unchanged since creation the requested mode is the real one. */
    int untouched = fh->created_mode != 0 &&
                    (st.st_mode & 07777) == fh->created_mode;
    rec->mode = untouched ? (unsigned)fh->mode : (unsigned)(st.st_mode & 07777);
    /* An mtime set by the user (e.g. a copy tool) is what recovery must
     * restore; otherwise the record's write time is the file's mtime. */
    if (fh->created_mode == 0 ||
        st.st_mtim.tv_sec != fh->created_mtime.tv_sec ||
        st.st_mtim.tv_nsec != fh->created_mtime.tv_nsec) {
        rec->mtime_sec = st.st_mtim.tv_sec;
        rec->mtime_nsec = st.st_mtim.tv_nsec;
    }
    return 0;
}

