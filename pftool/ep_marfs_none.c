/*
 * ep_marfs_none.c - stands in for ep_marfs.c while marfs-lib does not yet
 * implement marfs.h: a path under the config's mnt_top is then refused
 * with a clear error instead of being written as plain POSIX.
 */
#include "endpoint.h"

#include <errno.h>

#include "log.h"

int ep_marfs_new(const struct pf_opts *o, struct ep **out)
{
    (void)o;
    *out = NULL;
    LOG_ERR("this pftool was built without the marfs endpoint "
            "(marfs-lib has no marfs.h API yet)");
    return -ENOTSUP;
}

int ep_checksum_file(struct ep *ep, const char *path, off_t size, char *buf,
                     size_t bufsz, uint64_t *crc)
{
    (void)ep;
    (void)path;
    (void)size;
    (void)buf;
    (void)bufsz;
    *crc = 0;
    return -ENOTSUP;
}
