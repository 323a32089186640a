/*
 * marfs_tree.c - changing the namespace tree: `marfs rm [-r] PATH...`
 * and `marfs mkdir [-p] [-m MODE] PATH...`, through the API.  Removing a
 * file removes its user path only; its objects stay for garbage
 * collection (doc/metadata-format.md).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "marfs_cmd.h"
#include "tool_common.h"

static int rm_path(struct mt *m, const char *path, int recursive);

static int rm_children(struct mt *m, const char *path)
{
    marfs_dh_t *dh;
    struct dirent *de;
    char child[PATH_MAX];
    int err = 0, rc = marfs_opendir(m->ctx, path, &dh);
    if (rc < 0)
        return rc;
    while (rc == 0 && (de = marfs_readdir(dh, &err)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        rc = mt_join(path, de->d_name, child, sizeof(child));
        if (rc == 0)
            rc = rm_path(m, child, 1);
    }
    marfs_closedir(dh);
    return rc < 0 ? rc : err;
}

/* 0, or a negative errno already reported when it concerns a child. */
static int rm_path(struct mt *m, const char *path, int recursive)
{
    struct stat st;
    int rc = marfs_lstat(m->ctx, path, &st);
    if (rc == 0 && S_ISDIR(st.st_mode)) {
        rc = recursive ? rm_children(m, path) : -EISDIR;
        if (rc == 0)
            rc = marfs_rmdir(m->ctx, path);
    } else if (rc == 0) {
        rc = marfs_unlink(m->ctx, path);
    }
    if (rc < 0 && rc != -ECANCELED)
        mt_fail(m, "rm", path, rc);
    return rc < 0 ? -ECANCELED : 0;   /* reported once, then unwound */
}

int cmd_rm(struct mt *m, int argc, char **argv)
{
    int recursive = 0, c, code;
    optind = 0;
    while ((c = getopt(argc, argv, "+r")) != -1) {
        if (c != 'r')
            return mt_usage(m, "rm [-r] PATH...");
        recursive = 1;
    }
    if (optind >= argc)
        return mt_usage(m, "rm [-r] PATH...");
    if ((code = mt_open(m)) != TOOL_OK)
        return code;
    for (int i = optind; i < argc; i++)
        if (rm_path(m, argv[i], recursive) < 0)
            code = TOOL_FAILED;
    return code;
}

/* ---- mkdir ----------------------------------------------------------- */

static int is_dir(struct mt *m, const char *path)
{
    struct stat st;
    return marfs_stat(m->ctx, path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* mkdir -p: every missing level below mnt_top, then path itself. */
static int mkdir_parents(struct mt *m, const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    size_t top = strlen(marfs_mnt_top(m->ctx));
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return -ENAMETOOLONG;
    for (char *p = buf + 1; ; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (strlen(buf) > top && !is_dir(m, buf)) {
            int rc = marfs_mkdir(m->ctx, buf, c ? 0777 : mode);
            if (rc < 0 && !(rc == -EEXIST && is_dir(m, buf)))
                return rc;
        }
        if (c == '\0')
            return is_dir(m, path) ? 0 : -ENOTDIR;
        *p = c;
    }
}

int cmd_mkdir(struct mt *m, int argc, char **argv)
{
    static const char *use = "mkdir [-p] [-m MODE] PATH...";
    int parents = 0, c, code;
    mode_t mode = 0777;
    optind = 0;
    while ((c = getopt(argc, argv, "+pm:")) != -1) {
        if (c == 'p')
            parents = 1;
        else if (c != 'm' || mt_parse_mode(optarg, &mode) < 0)
            return mt_usage(m, use);
    }
    if (optind >= argc)
        return mt_usage(m, use);
    if ((code = mt_open(m)) != TOOL_OK)
        return code;
    for (int i = optind; i < argc; i++) {
        int rc = parents ? mkdir_parents(m, argv[i], mode)
                         : marfs_mkdir(m->ctx, argv[i], mode);
        if (rc == 0 && mode != 0777)
            rc = marfs_chmod(m->ctx, argv[i], mode);   /* no umask */
        if (rc < 0)
            code = mt_fail(m, "mkdir", argv[i], rc);
    }
    return code;
}
