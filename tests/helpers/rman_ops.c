/*
 * rman_ops.c - what the marfs-rman integration tests do to a namespace
 * through the API (marfs.h) that the `marfs` tool has no command for:
 *
 *   rman_ops mv FROM TO              marfs_rename
 *   rman_ops pack SRC:DST...         files written in one pack stream
 *   rman_ops nto1 SRC DST            an N:1 file (set_size, pwrite of
 *                                    whole chunks in reverse, finalize)
 *   rman_ops hang SRC DST            creat, write SRC, print "ready", then
 *                                    wait to be killed (a writer that dies)
 *   rman_ops hang-whole SRC DST...   marfs_creat_whole each DST with SRC's
 *                                    bytes in one pack stream, fsync
 *                                    (earlier objects are published),
 *                                    print "ready", wait to be killed
 *                                    (the last object is never published)
 *   rman_ops cmp LOCAL:MPATH...      each marfs file reads back as LOCAL;
 *                                    prints "differ MPATH" for each that
 *                                    does not, exits 1 if any
 *   rman_ops readloop STOPFILE PATH...
 *                                    read every PATH whole, again and again
 *                                    until STOPFILE exists; each read must
 *                                    match the stored checksum; prints
 *                                    "reads N errors M" and exits 1 if M > 0
 *
 * Config from $MARFS_CONFIG, batch mode.  Exit 0, or 1 with a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "marfs.h"

static marfs_ctx_t *ctx;

static int fail(const char *what, const char *path, int rc)
{
    fprintf(stderr, "rman_ops: %s %s: %s\n", what, path, strerror(-rc));
    return 1;
}

static char *slurp(const char *path, size_t *len)
{
    struct stat st;
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(path);
        exit(1);
    }
    char *buf = malloc((size_t)st.st_size + 1);
    ssize_t n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
    close(fd);
    if (n != st.st_size) {
        fprintf(stderr, "rman_ops: cannot read %s\n", path);
        exit(1);
    }
    *len = (size_t)n;
    return buf;
}

static int pack(int argc, char **argv)
{
    marfs_fh_t *fh = NULL;
    for (int i = 0; i < argc; i++) {
        char *colon = strchr(argv[i], ':');
        size_t len;
        if (colon == NULL)
            return fail("pack", argv[i], -EINVAL);
        *colon = '\0';
        char *data = slurp(argv[i], &len);
        int rc = marfs_creat(ctx, colon + 1, 0644, fh, &fh);
        if (rc == 0 && marfs_write(fh, data, len) != (ssize_t)len)
            rc = -EIO;
        free(data);
        if (rc < 0)
            return fail("pack", colon + 1, rc);
    }
    int rc = fh ? marfs_close(fh) : 0;
    return rc < 0 ? fail("pack", "(close)", rc) : 0;
}

static int nto1(const char *src, const char *dst)
{
    size_t len;
    char *data = slurp(src, &len);
    marfs_fh_t *fh;
    uint64_t chunk, n;
    int rc = marfs_creat(ctx, dst, 0644, NULL, &fh);
    if (rc == 0)
        rc = marfs_set_size(fh, (off_t)len);
    if (rc == 0)
        rc = marfs_chunk_info(fh, &chunk, &n);
    /* last chunk first: any order must do */
    for (uint64_t k = n; rc == 0 && k-- > 0;) {
        uint64_t off = k * chunk;
        size_t l = len - off < chunk ? len - off : chunk;
        if (marfs_pwrite(fh, data + off, l, (off_t)off) != (ssize_t)l)
            rc = -EIO;
    }
    if (rc == 0)
        rc = marfs_finalize(fh);
    int crc = marfs_close(fh);
    free(data);
    return rc < 0 || crc < 0 ? fail("nto1", dst, rc < 0 ? rc : crc) : 0;
}

static int hang(const char *src, const char *dst)
{
    size_t len;
    char *data = slurp(src, &len);
    marfs_fh_t *fh;
    int rc = marfs_creat(ctx, dst, 0644, NULL, &fh);
    if (rc == 0 && marfs_write(fh, data, len) != (ssize_t)len)
        rc = -EIO;
    if (rc < 0)
        return fail("hang", dst, rc);
    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause();
}

static int hang_whole(const char *src, int n, char **dst)
{
    size_t len;
    char *data = slurp(src, &len);
    marfs_fh_t *fh = NULL;
    for (int i = 0; i < n; i++) {
        int rc = marfs_creat_whole(ctx, dst[i], 0644, fh, NULL, NULL, &fh);
        if (rc == 0 && marfs_write(fh, data, len) != (ssize_t)len)
            rc = -EIO;
        if (rc < 0)
            return fail("hang-whole", dst[i], rc);
    }
    /* full objects are published while the next is written: wait for
     * them, so exactly the last object is left unpublished */
    int rc = marfs_fsync(fh);
    if (rc < 0)
        return fail("hang-whole fsync", dst[n - 1], rc);
    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause();
}

static int read_one(const char *path)
{
    marfs_fh_t *fh;
    uint64_t want, crc = 0;
    static char buf[1 << 16];
    int rc = marfs_file_checksum(ctx, path, &want);
    if (rc == 0)
        rc = marfs_open(ctx, path, O_RDONLY, &fh);
    if (rc < 0)
        return fail("read", path, rc);
    ssize_t n;
    while ((n = marfs_read(fh, buf, sizeof(buf))) > 0)
        crc = marfs_checksum_update(crc, buf, (size_t)n);
    marfs_close(fh);
    if (n < 0)
        return fail("read", path, (int)n);
    if (crc != want) {
        fprintf(stderr, "rman_ops: read %s: wrong bytes\n", path);
        return 1;
    }
    return 0;
}

static int cmp_one(const char *local, const char *mpath)
{
    size_t len, at = 0;
    char *want = slurp(local, &len);
    static char buf[1 << 16];
    marfs_fh_t *fh;
    int rc = marfs_open(ctx, mpath, O_RDONLY, &fh), same = rc == 0;
    ssize_t n = 0;
    while (same && (n = marfs_read(fh, buf, sizeof(buf))) > 0) {
        same = at + (size_t)n <= len && memcmp(want + at, buf, (size_t)n) == 0;
        at += (size_t)n;
    }
    if (rc == 0)
        marfs_close(fh);
    free(want);
    if (!same || n < 0 || at != len) {
        printf("differ %s%s%s\n", mpath, rc < 0 ? ": " : "",
               rc < 0 ? strerror(-rc) : "");
        return 1;
    }
    return 0;
}

static int cmp_all(int argc, char **argv)
{
    int bad = 0;
    for (int i = 0; i < argc; i++) {
        char *colon = strchr(argv[i], ':');
        if (colon == NULL)
            return fail("cmp", argv[i], -EINVAL);
        *colon = '\0';
        bad |= cmp_one(argv[i], colon + 1);
    }
    return bad;
}

static int readloop(const char *stop, int argc, char **argv)
{
    unsigned long reads = 0, errors = 0;
    while (access(stop, F_OK) != 0 || reads == 0)
        for (int i = 0; i < argc; i++, reads++)
            errors += (unsigned long)read_one(argv[i]);
    printf("reads %lu errors %lu\n", reads, errors);
    return errors > 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: rman_ops mv|pack|nto1|hang|hang-whole|cmp|readloop ARGS\n");
        return 2;
    }
    int rc = marfs_init(NULL, MARFS_BATCH, &ctx);
    if (rc < 0)
        return fail("init", getenv("MARFS_CONFIG") ? getenv("MARFS_CONFIG")
                                                   : "(no config)", rc);
    const char *cmd = argv[1];
    if (strcmp(cmd, "mv") == 0 && argc == 4)
        rc = (rc = marfs_rename(ctx, argv[2], argv[3])) < 0
                 ? fail("mv", argv[2], rc) : 0;
    else if (strcmp(cmd, "pack") == 0)
        rc = pack(argc - 2, argv + 2);
    else if (strcmp(cmd, "nto1") == 0 && argc == 4)
        rc = nto1(argv[2], argv[3]);
    else if (strcmp(cmd, "hang") == 0 && argc == 4)
        rc = hang(argv[2], argv[3]);
    else if (strcmp(cmd, "hang-whole") == 0 && argc >= 4)
        rc = hang_whole(argv[2], argc - 3, argv + 3);
    else if (strcmp(cmd, "cmp") == 0)
        rc = cmp_all(argc - 2, argv + 2);
    else if (strcmp(cmd, "readloop") == 0 && argc >= 4)
        rc = readloop(argv[2], argc - 3, argv + 3);
    else
        rc = 2;
    marfs_term(ctx);
    return rc;
}
