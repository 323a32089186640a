/*
 * api_dir.c - directory listing: the namespace tree's entries minus
 * internal names, plus the child namespaces of a namespace root (which
 * live in directories of their own, not in this tree).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_internal.h"

struct marfs_dh {
    DIR *dir;
    const struct mcfg_ns *ns;
    size_t next_child;          /* child namespaces still to list */
    int list_children;
    struct dirent ent;          /* storage for synthesized entries */
};

int marfs_opendir(marfs_ctx_t *ctx, const char *path, marfs_dh_t **out)
{
    struct api_path ap;
    int fd, rc = api_resolve_follow(ctx, path, NEED_RM, &ap);
    if (rc < 0)
        return rc;
    if ((rc = mdal_open_beneath(ap.md, ap.rel, O_RDONLY | O_DIRECTORY, &fd)) < 0)
        return rc;
    marfs_dh_t *dh = calloc(1, sizeof(*dh));
    if (dh == NULL || (dh->dir = fdopendir(fd)) == NULL) {
        rc = dh ? -errno : -ENOMEM;
        close(fd);
        free(dh);
        return rc;
    }
    dh->ns = ap.ns;
    dh->list_children = ap.rel[0] == '\0';
    *out = dh;
    return 0;
}

/* A tree entry that a child namespace hides (same name) is skipped. */
static int shadowed(const marfs_dh_t *dh, const char *name)
{
    if (!dh->list_children)
        return 0;
    for (size_t i = 0; i < dh->ns->nchildren; i++)
        if (strcmp(dh->ns->children[i]->name, name) == 0)
            return 1;
    return 0;
}

struct dirent *marfs_readdir(marfs_dh_t *dh, int *err)
{
    *err = 0;
    if (dh->list_children && dh->next_child < dh->ns->nchildren) {
        const struct mcfg_ns *c = dh->ns->children[dh->next_child++];
        memset(&dh->ent, 0, sizeof(dh->ent));
        strncpy(dh->ent.d_name, c->name, sizeof(dh->ent.d_name) - 1);
        dh->ent.d_type = DT_DIR;
        return &dh->ent;
    }
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(dh->dir);
        if (e == NULL) {
            *err = -errno;
            return NULL;
        }
        if (!mdal_reserved_name(e->d_name) && !shadowed(dh, e->d_name))
            return e;
    }
}

int marfs_closedir(marfs_dh_t *dh)
{
    int rc = closedir(dh->dir) == 0 ? 0 : -errno;
    free(dh);
    return rc;
}
