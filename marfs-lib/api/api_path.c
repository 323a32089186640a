/*
 * api_path.c - from a client's path to a namespace and a place in its
 * tree: lookup in the config, the client mode's permission check,
 * reserved names, and following symlinks without leaving the namespace.
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

static size_t ns_index(const struct mcfg *cfg, const struct mcfg_ns *ns)
{
    for (size_t i = 0; i < cfg->nns; i++)
        if (cfg->all_ns[i] == ns)
            return i;
    return 0;
}

/* Does any component of rel name an internal entry? */
static int reserved_component(const char *rel)
{
    for (const char *p = rel; *p; ) {
        if (mdal_reserved_name(p))
            return 1;
        p = strchrnul(p, '/');
        while (*p == '/')
            p++;
    }
    return 0;
}

int api_resolve(marfs_ctx_t *ctx, const char *path, unsigned need,
                struct api_path *out)
{
    if (path == NULL)
        return -EINVAL;
    if (strlen(path) >= PATH_MAX)
        return -ENAMETOOLONG;
    int rc = mcfg_lookup(ctx->cfg, path, &out->ns, out->rel, sizeof(out->rel));
    if (rc < 0)
        return rc;
    if (reserved_component(out->rel))
        return -ENOENT;     /* internal entries do not exist for users */
    if ((out->ns->perms[ctx->mode] & need) != need)
        return -EACCES;
    out->ctx = ctx;
    out->md = ctx->md[ns_index(ctx->cfg, out->ns)];
    out->repo = out->ns->repo;
    out->ne = ctx->ne[out->repo - ctx->cfg->repos];
    return 0;
}

int api_parent(const struct api_path *ap, int *fd, char *name)
{
    const char *slash = strrchr(ap->rel, '/');
    const char *last = slash ? slash + 1 : ap->rel;
    char dir[PATH_MAX];
    size_t dlen = slash ? (size_t)(slash - ap->rel) : 0;
    if (strlen(last) > NAME_MAX)
        return -ENAMETOOLONG;
    strcpy(name, last);
    memcpy(dir, ap->rel, dlen);
    dir[dlen] = '\0';
    return api_dircache_get(ap->ctx->dirs, ap->md, dir, fd);
}

void api_parent_done(marfs_ctx_t *ctx, int fd)
{
    api_dircache_put(ctx->dirs, fd);
}

int api_parent_stale(marfs_ctx_t *ctx)
{
    return api_dircache_prune(ctx->dirs);
}

/* Join a symlink target to the directory of the link's path. */
static int link_target(const char *path, const char *target, char *out)
{
    if (target[0] == '/')
        return snprintf(out, PATH_MAX, "%s", target) >= PATH_MAX
                   ? -ENAMETOOLONG : 0;
    const char *slash = strrchr(path, '/');
    int dlen = slash ? (int)(slash - path) : 0;
    return snprintf(out, PATH_MAX, "%.*s/%s", dlen, path, target) >= PATH_MAX
               ? -ENAMETOOLONG : 0;
}

int api_resolve_create(marfs_ctx_t *ctx, const char *path, unsigned need,
                       struct api_path *out)
{
    const char *last = path ? strrchr(path, '/') : NULL;
    if (last != NULL && mdal_reserved_name(last + 1))
        return -EPERM;      /* users may not create internal names */
    return api_resolve(ctx, path, need, out);
}

int api_follow_path(marfs_ctx_t *ctx, const char *path, unsigned need,
                    struct api_path *out, char *cur)
{
    char next[PATH_MAX], target[PATH_MAX], name[NAME_MAX + 1];
    if (path == NULL)
        return -EINVAL;
    if (strlen(path) >= PATH_MAX)
        return -ENAMETOOLONG;
    strcpy(cur, path);
    for (int hops = 0; hops < 40; hops++) {
        int fd, rc = api_resolve(ctx, cur, need, out);
        if (rc < 0 || out->rel[0] == '\0')
            return rc;
        if ((rc = api_parent(out, &fd, name)) < 0)
            return rc;
        ssize_t n = readlinkat(fd, name, target, sizeof(target) - 1);
        int err = errno;
        api_parent_done(ctx, fd);
        if (n < 0)   /* EINVAL: not a link; anything else: stat reports */
            return err == EINVAL || err == ENOENT ? 0 : -err;
        target[n] = '\0';
        if ((rc = link_target(cur, target, next)) < 0)
            return rc;
        memcpy(cur, next, PATH_MAX);
    }
    return -ELOOP;
}

int api_resolve_follow(marfs_ctx_t *ctx, const char *path, unsigned need,
                       struct api_path *out)
{
    char cur[PATH_MAX];
    return api_follow_path(ctx, path, need, out, cur);
}

