/*
 * ops_file.c - file data: open, read, release, flush, fsync.
 *
 * A complete marfs file's bytes never change (a replace is a new inode,
 * and so a new node here), so every open keeps the kernel's page cache:
 * re-reads never reach the daemon.  A file still being written, or whose
 * N:1 write failed, fails open with EBUSY and never returns partial data.
 * Reads of one open file are serialised on its handle (the library reads
 * ahead for a sequential reader in its own threads); reads of different
 * files run in parallel.  Replies are written to the kernel straight from
 * the library's cache (marfs_pread_spans): no copy in the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mfuse.h"

struct ofile {
    pthread_mutex_t mu;
    marfs_fh_t *fh;
    struct node *node;          /* for messages */
};

static struct ofile *ofile_of(struct fuse_file_info *fi)
{
    return (struct ofile *)(uintptr_t)fi->fh;
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct mfs *fs = mfs_of(req);
    struct node *n = nodes_get(fs->nodes, ino);
    struct stat st;
    marfs_fh_t *fh = NULL;
    struct ofile *of = NULL;
    if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
        fuse_reply_err(req, EROFS);
        return;
    }
    int rc = marfs_open(fs->ctx, n->path, O_RDONLY, &fh);
    if (rc == 0 && (rc = marfs_fstat(fh, &st)) == 0 && !nodes_same(n, &st))
        rc = -ESTALE;           /* replaced since the kernel looked it up:
                                   it looks again and opens the new one */
    if (rc == 0 && (of = calloc(1, sizeof(*of))) == NULL)
        rc = -ENOMEM;
    if (rc < 0) {
        /* EBUSY: incomplete; EACCES: the namespace's perms; ESTALE and
         * ENOENT: changed under the kernel's cache -- all expected */
        if (rc != -ESTALE && rc != -EBUSY && rc != -EACCES && rc != -ENOENT)
            LOG_WARN("open %s: %s", n->path, strerror(-rc));
        if (fh != NULL)
            marfs_close(fh);
        fuse_reply_err(req, -rc);
        return;
    }
    pthread_mutex_init(&of->mu, NULL);
    of->fh = fh;
    of->node = n;
    fi->fh = (uint64_t)(uintptr_t)of;
    fi->keep_cache = 1;
    fi->noflush = 1;
    if (fuse_reply_open(req, fi) != 0) {
        marfs_close(fh);
        pthread_mutex_destroy(&of->mu);
        free(of);
    }
}

/* The bytes go from the library's cache to the kernel without a copy
 * here: the reply is written straight from the pinned stripes. */
static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    struct ofile *of = ofile_of(fi);
    struct marfs_span sp[MARFS_SPANS_MAX];
    struct iovec iov[MARFS_SPANS_MAX];
    unsigned n;
    marfs_pins_t *pins;
    (void)ino;
    pthread_mutex_lock(&of->mu);
    ssize_t got = marfs_pread_spans(of->fh, size, off, sp, &n, &pins);
    pthread_mutex_unlock(&of->mu);
    if (got < 0) {
        /* the library named the object; this names the file */
        LOG_ERR("read %s (%zu bytes at %lld): %s", of->node->path, size,
                (long long)off, strerror((int)-got));
        fuse_reply_err(req, (int)-got);
        return;
    }
    for (unsigned i = 0; i < n; i++)
        iov[i] = (struct iovec){(void *)sp[i].base, sp[i].len};
    fuse_reply_iov(req, iov, (int)n);
    marfs_unpin(pins);
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
                       struct fuse_file_info *fi)
{
    struct ofile *of = ofile_of(fi);
    (void)ino;
    marfs_close(of->fh);
    pthread_mutex_destroy(&of->mu);
    free(of);
    fuse_reply_err(req, 0);
}

int mfs_file_fstat(struct fuse_file_info *fi, struct stat *st)
{
    struct ofile *of = ofile_of(fi);
    pthread_mutex_lock(&of->mu);
    int rc = marfs_fstat(of->fh, st);
    pthread_mutex_unlock(&of->mu);
    return rc;
}

static void op_flush(fuse_req_t req, fuse_ino_t ino,
                     struct fuse_file_info *fi)
{
    (void)ino;
    (void)fi;
    fuse_reply_err(req, 0);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
                     struct fuse_file_info *fi)
{
    (void)ino;
    (void)datasync;
    (void)fi;
    fuse_reply_err(req, 0);     /* nothing is ever dirty */
}

void mfs_ops_file(struct fuse_lowlevel_ops *ops)
{
    ops->open = op_open;
    ops->read = op_read;
    ops->release = op_release;
    ops->flush = op_flush;
    ops->fsync = op_fsync;
}
