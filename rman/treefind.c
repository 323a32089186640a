/*
 * treefind.c - user paths of given inodes: a walk of the namespace's
 * tree/ matching directory entries' inode numbers.  Only used for the few
 * inodes that need a name (incomplete files of dead writers, files of a
 * lost object), so one readdir walk, no stat per entry.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "mdal.h"

struct find {
    const uint64_t *inos;
    size_t n, left;
    char **paths;
};

static int walk(struct find *f, int dirfd, const char *path)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && f->left > 0 && (de = readdir(d)) != NULL) {
        char sub[PATH_MAX];
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "/" : "",
                 de->d_name);
        if (de->d_type == DT_DIR) {
            int sfd = openat(dirfd, de->d_name, O_PATH | O_DIRECTORY |
                             O_NOFOLLOW | O_CLOEXEC);
            if (sfd >= 0) {
                rc = walk(f, sfd, sub);
                close(sfd);
            }
            continue;
        }
        for (size_t i = 0; i < f->n; i++)
            if (f->paths[i] == NULL && f->inos[i] == (uint64_t)de->d_ino) {
                if ((f->paths[i] = strdup(sub)) == NULL)
                    rc = -ENOMEM;
                f->left--;
            }
    }
    closedir(d);
    return rc;
}

int rm_tree_paths(struct rm_ns *ns, const uint64_t *inos, size_t n,
                  char **paths)
{
    struct find f = {inos, n, n, paths};
    for (size_t i = 0; i < n; i++)
        paths[i] = NULL;
    return walk(&f, ns->md->treefd, "");
}
