/*
 * api_ctx.c - marfs_init/marfs_term, path resolution, permission checks
 * and tag I/O shared by the other api_*.c files.
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
#include "log.h"
#include "quota.h"

static int open_repos(marfs_ctx_t *ctx)
{
    const struct mcfg *cfg = ctx->cfg;
    ctx->ne = calloc(cfg->nrepos, sizeof(*ctx->ne));
    ctx->md = calloc(cfg->nns, sizeof(*ctx->md));
    if (ctx->ne == NULL || ctx->md == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < cfg->nrepos; i++) {
        int rc = ne_ctx_create(&cfg->repos[i], &ctx->ne[i]);
        if (rc < 0) {
            LOG_ERR("repo %s: cannot set up its data store: %s",
                    cfg->repos[i].name, strerror(-rc));
            return rc;
        }
    }
    for (size_t i = 0; i < cfg->nns; i++) {
        int rc = mdal_ns_open(cfg->all_ns[i], 1, &ctx->md[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int marfs_init(const char *config_path, enum marfs_mode mode,
               marfs_ctx_t **out)
{
    if (config_path == NULL)
        config_path = getenv("MARFS_CONFIG");
    if (config_path == NULL || *config_path == '\0') {
        LOG_ERR("no marfs config: pass one or set MARFS_CONFIG");
        return -EINVAL;
    }
    if (mode != MARFS_INTERACTIVE && mode != MARFS_BATCH)
        return -EINVAL;
    marfs_ctx_t *ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return -ENOMEM;
    ctx->mode = mode;
    int rc = mcfg_load(config_path, stderr, &ctx->cfg);
    if (rc < 0) {
        LOG_ERR("config %s is not usable: %s", config_path, strerror(-rc));
        free(ctx);
        return rc;
    }
    rc = open_repos(ctx);
    if (rc < 0) {
        marfs_term(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

int marfs_term(marfs_ctx_t *ctx)
{
    if (ctx == NULL)
        return 0;
    const struct mcfg *cfg = ctx->cfg;
    for (size_t i = 0; ctx->md && i < cfg->nns; i++)
        mdal_ns_close(ctx->md[i]);
    for (size_t i = 0; ctx->ne && i < cfg->nrepos; i++)
        if (ctx->ne[i] != NULL)
            ne_ctx_destroy(ctx->ne[i]);
    free(ctx->md);
    free(ctx->ne);
    mcfg_free(cfg);
    free(ctx);
    return 0;
}

const char *marfs_mnt_top(const marfs_ctx_t *ctx)
{
    return ctx->cfg->mnt_top;
}

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
    out->md = ctx->md[ns_index(ctx->cfg, out->ns)];
    out->repo = out->ns->repo;
    out->ne = ctx->ne[out->repo - ctx->cfg->repos];
    return 0;
}

int api_parent(const struct api_path *ap, int *fd, char *name)
{
    return mdal_open_parent(ap->md, ap->rel, fd, name, NAME_MAX + 1);
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
        close(fd);
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

int api_read_tag(int fd, const char *name, struct ftag *tag)
{
    char buf[FTAG_MAX + 1], ppath[PATH_MAX];
    ssize_t n;
    if (name != NULL) {
        if (mdal_proc_path(fd, name, ppath, sizeof(ppath)) < 0)
            return -ENAMETOOLONG;
        n = lgetxattr(ppath, FTAG_XATTR, buf, sizeof(buf));
    } else {
        n = fgetxattr(fd, FTAG_XATTR, buf, sizeof(buf));
    }
    if (n < 0)
        return errno == ERANGE ? -EINVAL : -errno;
    return ftag_decode(buf, (size_t)n, tag);
}

int api_write_tag(int fd, const struct ftag *tag)
{
    char buf[FTAG_MAX + 1];
    int len = ftag_encode(tag, buf, sizeof(buf));
    if (len < 0)
        return len;
    return fsetxattr(fd, FTAG_XATTR, buf, (size_t)len, 0) == 0 ? 0 : -errno;
}

void api_chunk_marker(const struct ftag *tag, uint64_t k, char *buf,
                      size_t bufsz)
{
    snprintf(buf, bufsz, "%s#c%llu", tag->ref, (unsigned long long)k);
}

/* "/ns/path/rel": a path relative to mnt_top, as records store it. */
static int record_path(const struct api_path *ap, char *buf, size_t bufsz)
{
    int n = snprintf(buf, bufsz, "%s%s%s", ap->ns->path,
                     strcmp(ap->ns->path, "/") && ap->rel[0] ? "/" : "",
                     ap->rel);
    return n < 0 || (size_t)n >= bufsz ? -ENAMETOOLONG : 0;
}

int marfs_set_recovery_path(marfs_fh_t *fh, const char *path)
{
    struct api_path ap;
    char rec[PATH_MAX];
    if (fh->kind == FH_READ)
        return -EBADF;
    int rc = api_resolve(fh->ctx, path, 0, &ap);
    if (rc == 0)
        rc = record_path(&ap, rec, sizeof(rec));
    /* Other processes writing chunks of an N:1 file read it from the
     * inode; a sequential writer's records come from this handle only. */
    if (rc == 0 && fh->kind == FH_NTO1 &&
        fsetxattr(fh->fd, RPATH_XATTR, rec, strlen(rec), 0) != 0)
        rc = -errno;
    if (rc == 0) {
        free(fh->rpath);
        fh->rpath = strdup(rec);
        rc = fh->rpath ? 0 : -ENOMEM;
    }
    return rc;
}

int api_load_rpath(marfs_fh_t *fh)
{
    char buf[PATH_MAX];
    ssize_t n = fgetxattr(fh->fd, RPATH_XATTR, buf, sizeof(buf) - 1);
    if (n < 0)
        return errno == ENODATA ? 0 : -errno;
    buf[n] = '\0';
    free(fh->rpath);
    fh->rpath = strdup(buf);
    return fh->rpath ? 0 : -ENOMEM;
}

void api_fh_free(marfs_fh_t *fh)
{
    if (fh == NULL)
        return;
    free(fh->rpath);
    free(fh);
}

int api_fill_record(const marfs_fh_t *fh, struct obj_record *rec)
{
    struct stat st;
    memset(rec, 0, sizeof(*rec));
    /* The path relative to mnt_top, so recovery can rebuild the tree. */
    int n = 0;
    if (fh->rpath != NULL)
        snprintf(rec->path, sizeof(rec->path), "%s", fh->rpath);
    else
        n = record_path(&fh->ap, rec->path, sizeof(rec->path)) < 0 ? -1 : 0;
    if (n < 0)
        return -ENAMETOOLONG;
    snprintf(rec->ref, sizeof(rec->ref), "%s", fh->tag.ref);
    if (fstat(fh->fd, &st) != 0)
        return -errno;
    rec->uid = st.st_uid;
    rec->gid = st.st_gid;
    /* The creator's inode keeps owner rw until completion: while it is
     * unchanged since creation the requested mode is the real one. */
    int untouched = fh->created_mode != 0 &&
                    (st.st_mode & 07777) == fh->created_mode;
    rec->mode = untouched ? (unsigned)fh->mode : (unsigned)(st.st_mode & 07777);
    /* An mtime set by the user (e.g. a copy tool) is what recovery must
     * restore; otherwise the record's write time is the file's mtime. */
    if (fh->created_mode == 0 ||
        st.st_mtim.tv_sec != fh->created_mtime.tv_sec ||
        st.st_mtim.tv_nsec != fh->created_mtime.tv_nsec) {
        rec->mtime_sec = st.st_mtim.tv_sec;
        rec->mtime_nsec = st.st_mtim.tv_nsec;
    }
    return 0;
}

void api_fix_stat(struct stat *st)
{
    if (!S_ISREG(st->st_mode))
        return;
    /* inodes are sparse stand-ins: report the space the data occupies */
    st->st_blocks = (st->st_size + 511) / 512;
    /* one link is the reference tree's, not a name the user has */
    if (st->st_nlink > 1)
        st->st_nlink--;
}

struct api_release api_last_link(int pfd, const char *name)
{
    struct api_release r = {0, 0, 0};
    struct stat st;
    struct ftag tag;
    if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode))
        return r;
    r.ino = st.st_ino;
    if (st.st_nlink > 2)
        return r;
    /* a file counts from creation; its bytes from completion */
    int complete = api_read_tag(pfd, name, &tag) == 0 &&
                   tag.state == FTAG_COMPLETE;
    r.files = 1;
    r.bytes = complete ? (int64_t)tag.size : 0;
    return r;
}

void api_release(struct quota *q, struct api_release r)
{
    if (r.files != 0 || r.bytes != 0)
        quota_add(q, -r.files, -r.bytes);
}
