/*
 * api_release.c - giving back quota when the last user-visible link of a
 * file goes (unlink, replace, rename over): a file counts from creation,
 * its bytes from completion.
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
#include "quota.h"

struct api_release api_last_link(int pfd, const char *name)
{
    struct api_release r = {0, 0, 0};
    struct stat st;
    struct ftag tag;
    if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode))
        return r;
    r.ino = st.st_ino;
    if (st.st_nlink > 2)
        return r;
    /* a file counts from creation; its bytes from completion */
    int complete = api_read_tag(pfd, name, &tag) == 0 &&
                   tag.state == FTAG_COMPLETE;
    r.files = 1;
    r.bytes = complete ? (int64_t)tag.size : 0;
    return r;
}

void api_release(struct quota *q, struct api_release r)
{
    if (r.files != 0 || r.bytes != 0)
        quota_add(q, -r.files, -r.bytes);
}
