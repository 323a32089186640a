/*
 * mdal_damaged.c - the namespace's list of objects that readers found
 * damaged: the file "damaged" in the namespace directory, one line
 * "<unix seconds> <object name>\n" per report, appended with O_APPEND so
 * concurrent readers never interleave inside a line.  The resource
 * manager (marfs-rman --rebuild) rebuilds what it lists and drops the
 * lines it fixed (doc/metadata-format.md, doc/rman.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mdal.h"

int mdal_flag_damaged(const struct mdal_ns *ns, const char *obj)
{
    char path[4096], line[512];
    int len = snprintf(line, sizeof(line), "%" PRId64 " %s\n",
                       (int64_t)time(NULL), obj);
    if (len < 0 || (size_t)len >= sizeof(line) ||
        snprintf(path, sizeof(path), "%s/%s", ns->dir, MDAL_DAMAGED_FILE) >=
            (int)sizeof(path))
        return -ENAMETOOLONG;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    int rc = fd < 0 ? -errno : 0;
    /* one write of a short line: atomic with O_APPEND on local file
     * systems, so the list never holds half a name */
    if (rc == 0 && write(fd, line, (size_t)len) != len)
        rc = -EIO;
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        LOG_WARN("namespace %s: cannot record damaged object %s in %s: %s",
                 ns->cfg->path, obj, path, strerror(-rc));
    return rc;
}
