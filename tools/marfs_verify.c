/*
 * marfs_verify.c - `marfs verify PATH...`: read every byte of each file
 * (directories: every file below them) through the API and compare the
 * CRC-64 of what was read with the checksum stored when it was written
 * (marfs_file_checksum).  One line per file on stdout; each failure named
 * on stderr; exit 1 if any file fails (mismatch, unreadable, incomplete).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "marfs_cmd.h"
#include "tool_common.h"

static int verify_path(struct mt *m, const char *path);

static int verify_file(struct mt *m, const char *path)
{
    uint64_t size = 0, crc = 0, stored = 0;
    int rc = mt_read_file(m, path, -1, &size, &crc, &stored);
    if (rc == 0) {
        printf("%s: ok (%llu bytes, crc %016llx)\n", path,
               (unsigned long long)size, (unsigned long long)crc);
        return 0;
    }
    if (rc == -EBADMSG)
        fprintf(stderr, "%s: verify %s: checksum mismatch: stored %016llx, "
                "data read %016llx\n", m->prog, path,
                (unsigned long long)stored, (unsigned long long)crc);
    else if (rc == -EBUSY)
        fprintf(stderr, "%s: verify %s: the file is not complete (being "
                "written, or its writer died)\n", m->prog, path);
    else
        mt_fail(m, "verify", path, rc);
    return -1;
}

static int verify_dir(struct mt *m, const char *path)
{
    marfs_dh_t *dh;
    struct dirent *de;
    char child[PATH_MAX];
    int err = 0, bad = 0, rc = marfs_opendir(m->ctx, path, &dh);
    if (rc < 0) {
        mt_fail(m, "verify", path, rc);
        return -1;
    }
    while ((de = marfs_readdir(dh, &err)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (mt_join(path, de->d_name, child, sizeof(child)) < 0 ||
            verify_path(m, child) < 0)
            bad = 1;
    }
    marfs_closedir(dh);
    if (err < 0)
        mt_fail(m, "verify", path, err);
    return bad || err < 0 ? -1 : 0;
}

static int verify_path(struct mt *m, const char *path)
{
    struct stat st;
    int rc = marfs_lstat(m->ctx, path, &st);
    if (rc < 0) {
        mt_fail(m, "verify", path, rc);
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return verify_dir(m, path);
    return S_ISREG(st.st_mode) ? verify_file(m, path) : 0;
}

int cmd_verify(struct mt *m, int argc, char **argv)
{
    int code;
    optind = 0;
    if (getopt(argc, argv, "+") != -1 || optind >= argc)
        return mt_usage(m, "verify PATH...");
    if ((code = mt_open(m)) != TOOL_OK)
        return code;
    for (int i = optind; i < argc; i++)
        if (verify_path(m, argv[i]) < 0)
            code = TOOL_FAILED;
    return code;
}
