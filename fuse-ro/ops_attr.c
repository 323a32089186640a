/*
 * ops_attr.c - names and attributes: init, lookup, forget, getattr,
 * statfs, access, readlink; and the helpers that turn a metadata stat
 * into what the kernel caches (node id, attributes, timeouts).
 *
 * Timeouts: the kernel trusts a name for entry_timeout and attributes
 * for attr_timeout (default 2 s each), so a file pftool adds or replaces
 * shows up within that; "no such name" is trusted for negative_timeout.
 */
#include <errno.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log.h"
#include "mfuse.h"

int mfs_join(const char *dir, const char *name, char *buf)
{
    size_t dl = strlen(dir), nl = strlen(name);
    if (dl == 1 && dir[0] == '/')
        dl = 0;                 /* mnt_top "/" */
    if (dl + 1 + nl >= PATH_MAX)
        return -ENAMETOOLONG;
    memcpy(buf, dir, dl);
    buf[dl] = '/';
    memcpy(buf + dl + 1, name, nl + 1);
    return 0;
}

void mfs_attr(const struct mfs *fs, struct stat *st)
{
    /* namespaces on other file systems could repeat inode numbers,
     * which find and tar take for loops and hard links: give those
     * their own upper bits (hard links never cross a namespace) */
    if (st->st_dev != fs->root_dev) {
        uint64_t z = (uint64_t)st->st_dev * 0x9E3779B97F4A7C15ULL;
        st->st_ino ^= (ino_t)((z ^ (z >> 29)) & ~0xffffffffULL);
    }
    /* one request of reads and copies (cat, cp) per MiB, not per page */
    st->st_blksize = 1 << 20;
}

int mfs_entry(fuse_req_t req, const char *path, struct stat *st,
              struct fuse_entry_param *e)
{
    struct mfs *fs = mfs_of(req);
    struct node *n = nodes_ref(fs->nodes, path, st);
    if (n == NULL)
        return -ENOMEM;
    memset(e, 0, sizeof(*e));
    e->ino = nodes_id(fs->nodes, n);
    e->attr = *st;
    mfs_attr(fs, &e->attr);
    e->attr_timeout = fs->o.attr_timeout;
    e->entry_timeout = fs->o.entry_timeout;
    return 0;
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
    struct mfs *fs = userdata;
    /* attributes come with every listing (find -ls, ls -l need no
     * lookup per name); always, not only when the kernel guesses so */
    if (conn->capable & FUSE_CAP_READDIRPLUS)
        conn->want |= FUSE_CAP_READDIRPLUS;
    conn->want &= ~(unsigned)FUSE_CAP_READDIRPLUS_AUTO;
    /* a symlink's target never changes (a new one is a new inode) */
    if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
        conn->want |= FUSE_CAP_CACHE_SYMLINKS;
    /* a changed size or mtime drops cached pages (belt and braces: such
     * a file gets a new node anyway) */
    if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
        conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
    if (fs->o.kernel_ra_kb > 0)
        conn->max_readahead = fs->o.kernel_ra_kb << 10;
    /* enough requests in flight for read-ahead of several readers */
    conn->max_background = 64;
    conn->congestion_threshold = 48;
    conn->time_gran = 1;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct mfs *fs = mfs_of(req);
    struct node *p = nodes_get(fs->nodes, parent);
    struct fuse_entry_param e;
    struct stat st;
    char path[PATH_MAX];
    int rc = mfs_join(p->path, name, path);
    if (rc == 0)
        rc = marfs_lstat(fs->ctx, path, &st);
    if (rc == -ENOENT && fs->o.negative_timeout > 0) {
        memset(&e, 0, sizeof(e));   /* ino 0: cache the absence */
        e.entry_timeout = fs->o.negative_timeout;
        fuse_reply_entry(req, &e);
        return;
    }
    if (rc == 0)
        rc = mfs_entry(req, path, &st, &e);
    if (rc < 0) {
        fuse_reply_err(req, -rc);
        return;
    }
    if (fuse_reply_entry(req, &e) != 0)
        nodes_forget(fs->nodes, e.ino, 1);  /* the kernel never got it */
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
    nodes_forget(mfs_of(req)->nodes, ino, nlookup);
    fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
                            struct fuse_forget_data *forgets)
{
    struct mfs *fs = mfs_of(req);
    for (size_t i = 0; i < count; i++)
        nodes_forget(fs->nodes, forgets[i].ino, forgets[i].nlookup);
    fuse_reply_none(req);
}

/* Current attributes of a node; -ESTALE if its path now names another
 * file (the kernel then looks the name up again). */
static int node_stat(struct mfs *fs, const struct node *n,
                     struct fuse_file_info *fi, struct stat *st)
{
    int rc = marfs_lstat(fs->ctx, n->path, st);
    if (rc == 0 && nodes_same(n, st))
        return 0;
    /* fstat of an open file that was replaced or removed: its own */
    if (fi != NULL && mfs_file_fstat(fi, st) == 0)
        return 0;
    return rc < 0 ? rc : -ESTALE;
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
                       struct fuse_file_info *fi)
{
    struct mfs *fs = mfs_of(req);
    struct stat st;
    int rc = node_stat(fs, nodes_get(fs->nodes, ino), fi, &st);
    if (rc < 0) {
        fuse_reply_err(req, -rc);
        return;
    }
    mfs_attr(fs, &st);
    fuse_reply_attr(req, &st, fs->o.attr_timeout);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
    struct mfs *fs = mfs_of(req);
    struct statvfs sv;
    int rc = marfs_statvfs(fs->ctx, nodes_get(fs->nodes, ino)->path, &sv);
    if (rc < 0)
        fuse_reply_err(req, -rc);
    else
        fuse_reply_statfs(req, &sv);
}

static void op_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
    struct mfs *fs = mfs_of(req);
    struct stat st;
    if (mask & W_OK) {
        fuse_reply_err(req, EROFS);
        return;
    }
    int rc = marfs_lstat(fs->ctx, nodes_get(fs->nodes, ino)->path, &st);
    fuse_reply_err(req, rc < 0 ? -rc : 0);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
    struct mfs *fs = mfs_of(req);
    char buf[PATH_MAX];
    ssize_t n = marfs_readlink(fs->ctx, nodes_get(fs->nodes, ino)->path, buf,
                               sizeof(buf) - 1);
    if (n < 0) {
        fuse_reply_err(req, (int)-n);
        return;
    }
    buf[n] = '\0';
    fuse_reply_readlink(req, buf);
}

void mfs_ops_attr(struct fuse_lowlevel_ops *ops)
{
    ops->init = op_init;
    ops->lookup = op_lookup;
    ops->forget = op_forget;
    ops->forget_multi = op_forget_multi;
    ops->getattr = op_getattr;
    ops->statfs = op_statfs;
    ops->access = op_access;
    ops->readlink = op_readlink;
}
