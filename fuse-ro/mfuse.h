/*
 * mfuse.h - what the files of marfs-fuse share: the mount's state, its
 * options, the node table and the groups of low-level FUSE operations.
 *
 * marfs-fuse is a read-only libfuse3 low-level file system over the
 * public API (marfs.h) in MARFS_INTERACTIVE mode.  The kernel enforces
 * owner, group and mode (default_permissions); the library enforces the
 * namespaces' interactive permissions; the mount is read-only at the VFS
 * level and every modifying operation that still arrives gets EROFS.
 * See doc/fuse.md and man/marfs-fuse.1.
 */
#ifndef MFUSE_H
#define MFUSE_H

#define FUSE_USE_VERSION 314

#include <fuse_lowlevel.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "marfs.h"

/* ---- options (options.c) ------------------------------------------------ */

struct mfs_opts {
    char *config;               /* marfs.xml; NULL: $MARFS_CONFIG */
    char *mountpoint;
    double entry_timeout;       /* seconds the kernel trusts a name */
    double attr_timeout;        /* seconds it trusts attributes */
    double negative_timeout;    /* seconds it trusts "no such name" */
    uint64_t cache_bytes;       /* the library's decoded-stripe cache */
    uint64_t readahead;         /* largest read-ahead window per file */
    unsigned ra_threads;        /* read-ahead threads */
    unsigned io_threads;        /* block I/O threads per repo (0: FUSE
                                   and read-ahead threads do their own) */
    unsigned kernel_ra_kb;      /* the mount's kernel read-ahead (KiB),
                                   0 leaves the kernel's default */
    unsigned max_threads;       /* FUSE worker threads */
    int info_xattr;             /* answer user.marfs.info */
    char *logfile;              /* background: log here, not to syslog */
    int log_level;              /* enum mlog_level, -1: $MARFS_LOG */
    int foreground, debug, single, clone_fd;
};

/*
 * Parse argv into opts; what is left in args goes to libfuse (mount
 * options such as allow_other and auto_unmount).  Returns 0 to mount, 1
 * after printing help or the version, -1 after a usage error (printed).
 */
int mfs_parse_args(struct fuse_args *args, struct mfs_opts *opts);
void mfs_free_opts(struct mfs_opts *opts);

/* ---- nodes (nodes.c) --------------------------------------------------- */

/*
 * A node is one (path, file) pair the kernel knows by its node id.  The
 * same path gets a new node when it names another file than before (a
 * replace makes a new inode; a changed size or mtime, new contents), so
 * the kernel's page cache of a node never mixes two versions of a file.
 */
struct node {
    struct node *next;          /* path index chain */
    struct node *aprev, *anext; /* every live node (for the teardown) */
    uint64_t hash;
    uint64_t nlookup;           /* the kernel's references */
    int indexed;                /* still what its path names */
    ino_t ino;                  /* identity: the metadata inode, */
    dev_t dev;
    mode_t type;                /* its type, */
    off_t size;                 /* and for regular files size and mtime */
    struct timespec mtime;
    char path[];                /* full marfs path */
};

struct nodes;

int nodes_create(const char *root_path, const struct stat *root_st,
                 struct nodes **out);
void nodes_destroy(struct nodes *t);
/* The node of a FUSE node id (FUSE_ROOT_ID: the root). */
struct node *nodes_get(struct nodes *t, fuse_ino_t id);
fuse_ino_t nodes_id(struct nodes *t, const struct node *n);
/* The node for path as st describes it, one kernel reference more;
 * NULL without memory. */
struct node *nodes_ref(struct nodes *t, const char *path,
                       const struct stat *st);
/* Drop n kernel references (FORGET). */
void nodes_forget(struct nodes *t, fuse_ino_t id, uint64_t n);
/* Is st (of the node's path now) still the node's file? */
int nodes_same(const struct node *n, const struct stat *st);
/* Nodes alive (for messages and tests). */
uint64_t nodes_count(struct nodes *t);

/* ---- the mount --------------------------------------------------------- */

struct mfs {
    marfs_ctx_t *ctx;
    struct mfs_opts o;
    const char *top;            /* mnt_top: the path of the mount's root */
    dev_t root_dev;             /* metadata device of the root namespace */
    struct nodes *nodes;
};

static inline struct mfs *mfs_of(fuse_req_t req)
{
    return fuse_req_userdata(req);
}

/* Child path "dir/name" into buf (PATH_MAX); -ENAMETOOLONG. */
int mfs_join(const char *dir, const char *name, char *buf);
/* st as the kernel should see it (inode numbers of other devices than
 * the root namespace's are kept distinct). */
void mfs_attr(const struct mfs *fs, struct stat *st);
/* Reply to a lookup-like request with the node for (path, st). */
int mfs_entry(fuse_req_t req, const char *path, struct stat *st,
              struct fuse_entry_param *e);

/* ---- operations -------------------------------------------------------- */

void mfs_ops_attr(struct fuse_lowlevel_ops *ops);    /* ops_attr.c */
void mfs_ops_dir(struct fuse_lowlevel_ops *ops);     /* ops_dir.c */
void mfs_ops_file(struct fuse_lowlevel_ops *ops);    /* ops_file.c */
void mfs_ops_xattr(struct fuse_lowlevel_ops *ops);   /* ops_xattr.c */
void mfs_ops_rofs(struct fuse_lowlevel_ops *ops);    /* ops_rofs.c */

/* fstat through an open file's handle (ops_file.c). */
int mfs_file_fstat(struct fuse_file_info *fi, struct stat *st);

/* The value of user.marfs.info for path (info_xattr.c): length, or a
 * negative errno. */
ssize_t mfs_info_xattr(struct mfs *fs, const char *path, char *buf,
                       size_t size);
#define MFS_INFO_XATTR "user.marfs.info"

/* ---- process (daemon.c, syslog_stream.c, bdi.c) ------------------------ */

/* Go to the background: the parent waits until mfs_daemon_ready (exit 0)
 * or the child's exit (its status).  Returns in the child; -errno. */
int mfs_daemon_start(void);
/* Where the log goes: -o log=FILE, else syslog in the background, else
 * stderr (*out NULL).  -errno (printed) if FILE cannot be opened. */
int mfs_log_open(const struct mfs_opts *o, FILE **out);
/* A stream whose lines go to syslog (syslog_stream.c); NULL. */
FILE *mfs_syslog_stream(void);
/* The mount is up: detach from the terminal, release the parent. */
void mfs_daemon_ready(void);
/* Raise the mount's kernel read-ahead window (KiB) through sysfs. */
void mfs_set_kernel_readahead(const char *mountpoint, unsigned kb);

#endif
