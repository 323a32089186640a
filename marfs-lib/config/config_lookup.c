/*
 * config_lookup.c - map absolute paths to namespaces; find repos and
 * namespaces by name.
 *
 * Paths are normalised lexically before matching, so "/top/a/../b" is
 * judged as "/top/b": a '..' can never make a path appear to be in one
 * namespace while it resolves in another.  Symlinks inside marfs are
 * resolved by the metadata layer, which calls this again on the target.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "config_internal.h"

/* Collapse '//', '.', '..' of an absolute path; '..' at '/' stays '/'. */
int mcfg_normalize_path(const char *path, char *out, size_t outsz)
{
    if (path == NULL || path[0] != '/')
        return -EINVAL;
    if (strlen(path) >= PATH_MAX)
        return -ENAMETOOLONG;
    if (outsz < 2)
        return -ENAMETOOLONG;
    size_t len = 0;
    const char *p = path;
    while (*p != '\0') {
        while (*p == '/')
            p++;
        const char *end = strchrnul(p, '/');
        size_t clen = (size_t)(end - p);
        if (clen == 0 || (clen == 1 && p[0] == '.')) {
            /* nothing */
        } else if (clen == 2 && p[0] == '.' && p[1] == '.') {
            /* drop the last component: back up to the '/' before it */
            if (len > 0)
                len--;
            while (len > 0 && out[len] != '/')
                len--;
        } else {
            if (len + 1 + clen + 1 > outsz)
                return -ENAMETOOLONG;
            out[len] = '/';
            memcpy(out + len + 1, p, clen);
            len += 1 + clen;
        }
        p = end;
    }
    if (len == 0)
        len = 1;
    out[0] = '/';
    out[len] = '\0';
    return 0;
}

const struct mcfg_repo *mcfg_repo_by_name(const struct mcfg *cfg,
                                          const char *name)
{
    for (size_t i = 0; i < cfg->nrepos; i++)
        if (cfg->repos[i].name && strcmp(cfg->repos[i].name, name) == 0)
            return &cfg->repos[i];
    return NULL;
}

const struct mcfg_ns *mcfg_ns_by_path(const struct mcfg *cfg,
                                      const char *nspath)
{
    for (size_t i = 0; i < cfg->nns; i++)
        if (strcmp(cfg->all_ns[i]->path, nspath) == 0)
            return cfg->all_ns[i];
    return NULL;
}

static const struct mcfg_ns *child_named(const struct mcfg_ns *ns,
                                         const char *name, size_t len)
{
    for (size_t i = 0; i < ns->nchildren; i++) {
        const char *cn = ns->children[i]->name;
        if (strlen(cn) == len && memcmp(cn, name, len) == 0)
            return ns->children[i];
    }
    return NULL;
}

int mcfg_lookup(const struct mcfg *cfg, const char *path,
                const struct mcfg_ns **ns, char *rel, size_t relsz)
{
    char norm[PATH_MAX];
    int rc = mcfg_normalize_path(path, norm, sizeof(norm));
    if (rc < 0)
        return rc;
    size_t tlen = strlen(cfg->mnt_top);
    if (strncmp(norm, cfg->mnt_top, tlen) != 0 ||
        (norm[tlen] != '/' && norm[tlen] != '\0'))
        return -EINVAL;

    const struct mcfg_ns *cur = cfg->root;
    const char *p = norm + tlen;
    while (*p == '/') {
        const char *name = p + 1;
        const char *end = strchrnul(name, '/');
        const struct mcfg_ns *next = child_named(cur, name, (size_t)(end - name));
        if (next == NULL)
            break;
        cur = next;
        p = end;
    }
    while (*p == '/')
        p++;
    if (rel != NULL) {
        if (strlen(p) >= relsz)
            return -ENAMETOOLONG;
        strcpy(rel, p);
    }
    *ns = cur;
    return 0;
}
