/*
 * marfs_io.c - reading files out: `marfs get`, and the checked
 * whole-file read that get and verify share.
 *
 * get streams a file out and checks the CRC-64 of what it read against
 * the stored checksum; a partial or unverified local copy is removed.
 * (put is marfs_put.c.)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "marfs_cmd.h"
#include "tool_common.h"

#define IO_BUF (1u << 20)

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Copy the open file to fd (if >= 0); *size and *crc of what was read. */
static int read_loop(marfs_fh_t *fh, int fd, uint64_t *size, uint64_t *crc)
{
    char *buf = malloc(IO_BUF);
    int rc = buf ? 0 : -ENOMEM;
    *size = *crc = 0;
    while (rc == 0) {
        ssize_t n = marfs_read(fh, buf, IO_BUF);
        if (n <= 0) {
            rc = (int)n;
            break;
        }
        *crc = marfs_checksum_update(*crc, buf, (size_t)n);
        *size += (uint64_t)n;
        if (fd >= 0 && (rc = write_all(fd, buf, (size_t)n)) < 0)
            rc = -EPIPE;
    }
    free(buf);
    return rc;
}

int mt_read_file(struct mt *m, const char *path, int fd, uint64_t *size,
                 uint64_t *crc, uint64_t *stored)
{
    marfs_fh_t *fh;
    struct stat st;
    int rc = marfs_open(m->ctx, path, O_RDONLY, &fh);
    if (rc < 0)
        return rc;
    rc = marfs_fstat(fh, &st);
    if (rc == 0)
        rc = read_loop(fh, fd, size, crc);
    marfs_close(fh);
    if (rc == 0 && *size != (uint64_t)st.st_size)
        rc = -EIO;    /* the objects hold fewer bytes than the file */
    if (rc == 0)
        rc = marfs_file_checksum(m->ctx, path, stored);
    if (rc == 0 && *stored != *crc)
        rc = -EBADMSG;
    return rc;
}

/* ---- get ----------------------------------------------------------- */

static int get_fail(struct mt *m, const char *src, int rc, uint64_t crc,
                    uint64_t stored)
{
    if (rc == -EBADMSG) {
        fprintf(stderr, "%s: get %s: checksum mismatch: stored %016llx, "
                "data read %016llx\n", m->prog, src,
                (unsigned long long)stored, (unsigned long long)crc);
        return TOOL_FAILED;
    }
    if (rc == -EBUSY) {
        fprintf(stderr, "%s: get %s: the file is not complete (being "
                "written, or its writer died)\n", m->prog, src);
        return TOOL_FAILED;
    }
    return mt_fail(m, "get", src, rc);
}

int cmd_get(struct mt *m, int argc, char **argv)
{
    int code;
    optind = 0;
    if (getopt(argc, argv, "+") != -1 || argc - optind < 1 ||
        argc - optind > 2)
        return mt_usage(m, "get SRC [DST|-]");
    const char *src = argv[optind];
    const char *dst = argc - optind == 2 ? argv[optind + 1] : "-";
    int to_stdout = strcmp(dst, "-") == 0;
    if ((code = mt_open(m)) != TOOL_OK)
        return code;
    int fd = to_stdout ? STDOUT_FILENO
                       : open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                              0666);
    if (fd < 0) {
        fprintf(stderr, "%s: get %s: cannot create %s: %s\n", m->prog, src,
                dst, strerror(errno));
        return TOOL_FAILED;
    }
    uint64_t size, crc = 0, stored = 0;
    int rc = mt_read_file(m, src, fd, &size, &crc, &stored);
    if (!to_stdout && close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc < 0 && !to_stdout)
        unlink(dst);   /* never leave a partial or unverified copy */
    return rc < 0 ? get_fail(m, src, rc, crc, stored) : TOOL_OK;
}
