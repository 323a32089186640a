/*
 * ops_xattr.c - extended attributes: getxattr and listxattr of the
 * "user." attributes pftool copied (the library hides its own
 * "user.marfs." ones), plus the virtual user.marfs.info (info_xattr.c),
 * which is answered by name but not listed, so getfattr -d of the mount
 * matches the source tree.  Other namespaces (security., system.,
 * trusted.) are empty.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mfuse.h"

/* Reply with a value of n bytes in buf, or its size when size is 0. */
static void reply_value(fuse_req_t req, ssize_t n, const char *buf,
                        size_t size)
{
    if (n < 0)
        fuse_reply_err(req, (int)-n);
    else if (size == 0)
        fuse_reply_xattr(req, (size_t)n);
    else
        fuse_reply_buf(req, buf, (size_t)n);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
                        size_t size)
{
    struct mfs *fs = mfs_of(req);
    const char *path = nodes_get(fs->nodes, ino)->path;
    if (fs->o.info_xattr && strcmp(name, MFS_INFO_XATTR) == 0) {
        char *info = malloc(65536);
        ssize_t n = info ? mfs_info_xattr(fs, path, info, 65536) : -ENOMEM;
        if (n >= 0 && size != 0 && (size_t)n > size)
            n = -ERANGE;
        reply_value(req, n, info, size);
        free(info);
        return;
    }
    if (strncmp(name, "user.", 5) != 0) {
        fuse_reply_err(req, ENODATA);
        return;
    }
    char *buf = size ? malloc(size) : NULL;
    ssize_t n = size && buf == NULL ? -ENOMEM
              : marfs_getxattr(fs->ctx, path, name, buf, size);
    reply_value(req, n, buf, size);
    free(buf);
}

/* Keep only "user." names of a NUL-separated list; the new length. */
static ssize_t user_names(char *list, ssize_t len)
{
    ssize_t out = 0;
    for (ssize_t i = 0; i < len;) {
        size_t n = strlen(list + i) + 1;
        if (strncmp(list + i, "user.", 5) == 0) {
            memmove(list + out, list + i, n);
            out += (ssize_t)n;
        }
        i += (ssize_t)n;
    }
    return out;
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
    struct mfs *fs = mfs_of(req);
    enum { MAX_LIST = 65536 };  /* XATTR_LIST_MAX */
    char *buf = malloc(MAX_LIST);
    ssize_t n = buf == NULL ? -ENOMEM
              : marfs_listxattr(fs->ctx, nodes_get(fs->nodes, ino)->path, buf,
                                MAX_LIST);
    if (n > 0)
        n = user_names(buf, n);
    if (n >= 0 && size != 0 && (size_t)n > size)
        n = -ERANGE;
    reply_value(req, n, buf, size);
    free(buf);
}

void mfs_ops_xattr(struct fuse_lowlevel_ops *ops)
{
    ops->getxattr = op_getxattr;
    ops->listxattr = op_listxattr;
}
