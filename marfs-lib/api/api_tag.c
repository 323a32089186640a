/*
 * api_tag.c - reading and writing a file's tag (user.marfs.tag) and the
 * per-chunk markers of N:1 writes, and the stat fix-ups every stat call
 * applies to marfs inodes.
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

int api_read_tag(int fd, const char *name, struct ftag *tag)
{
    char buf[FTAG_MAX + 1], ppath[PATH_MAX];
    ssize_t n;
    if (name != NULL) {
        if (mdal_proc_path(fd, name, ppath, sizeof(ppath)) < 0)
            return -ENAMETOOLONG;
        n = lgetxattr(ppath, FTAG_XATTR, buf, sizeof(buf));
    } else {
        n = fgetxattr(fd, FTAG_XATTR, buf, sizeof(buf));
    }
    if (n < 0)
        return errno == ERANGE ? -EINVAL : -errno;
    return ftag_decode(buf, (size_t)n, tag);
}

int api_write_tag(int fd, const struct ftag *tag)
{
    char buf[FTAG_MAX + 1];
    int len = ftag_encode(tag, buf, sizeof(buf));
    if (len < 0)
        return len;
    return api_fsetxattr(fd, FTAG_XATTR, buf, (size_t)len);
}

void api_chunk_marker(const struct ftag *tag, uint64_t k, char *buf,
                      size_t bufsz)
{
    snprintf(buf, bufsz, "%s#c%llu", tag->ref, (unsigned long long)k);
}

void api_fix_stat(struct stat *st)
{
    if (!S_ISREG(st->st_mode))
        return;
    /* inodes are sparse stand-ins: report the space the data occupies */
    st->st_blocks = (st->st_size + 511) / 512;
    /* one link is the reference tree's, not a name the user has */
    if (st->st_nlink > 1)
        st->st_nlink--;
}

