/*
 * endpoint.h - what a source or destination of pftool is, as a table of
 * operations: POSIX (any mounted file system), marfs (paths under the
 * config's mnt_top, through marfs.h), a null sink ("null:") and a
 * synthetic source ("synth://COUNT/SIZE[/PERDIR]").  Every operation
 * returns 0 / a byte count, or a negative errno; none prints.
 */
#ifndef PFTOOL_ENDPOINT_H
#define PFTOOL_ENDPOINT_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct pf_opts;
struct ep_file;
struct ep_dir;

enum ep_kind {
    EP_POSIX = 0,
    EP_NULL,
    EP_SYNTH,
    EP_MARFS,
};

enum ep_cap {
    EP_CAP_WRITE = 1 << 0,     /* can be a destination */
    EP_CAP_SPARSE = 1 << 1,    /* pwrite + truncate leave holes */
    EP_CAP_PACK = 1 << 2,      /* create() chains small files (prev) */
    EP_CAP_SPECIAL = 1 << 3,   /* fifos, sockets, devices */
    EP_CAP_XATTR = 1 << 4,     /* user xattrs */
    EP_CAP_LOCAL = 1 << 5,     /* journal files can sit beside the temp */
    EP_CAP_NTO1 = 1 << 6,      /* big files need create_sized+finalize */
};

/* What setmeta applies. */
enum ep_meta {
    EP_META_OWNER = 1 << 0,
    EP_META_MODE = 1 << 1,
    EP_META_TIMES = 1 << 2,
    EP_META_NOFOLLOW = 1 << 3, /* the path is a symlink itself */
};

struct ep_dirent {
    const char *name;
    unsigned char d_type;      /* DT_UNKNOWN allowed */
};

struct ep;

struct ep_ops {
    int (*lstat)(struct ep *ep, const char *path, struct stat *st);
    int (*opendir)(struct ep *ep, const char *path, struct ep_dir **out);
    /* 1 with *e filled, 0 at the end, or a negative errno. */
    int (*readdir)(struct ep_dir *d, struct ep_dirent *e);
    /* lstat of an entry of an open directory (cheaper than a path). */
    int (*dstat)(struct ep_dir *d, const char *name, struct stat *st);
    void (*closedir)(struct ep_dir *d);
    ssize_t (*readlink)(struct ep *ep, const char *path, char *buf,
                        size_t len);

    int (*open)(struct ep *ep, const char *path, struct ep_file **out);
    ssize_t (*pread)(struct ep_file *f, void *buf, size_t len, off_t off);
    /* First data region at or after off (below size): [*start, *end).
     * 0, or -ENXIO when only a hole remains. */
    int (*data_region)(struct ep_file *f, off_t off, off_t size,
                       off_t *start, off_t *end);

    /* New file written sequentially (write) or, on sparse endpoints, with
     * pwrite + truncate.  prev: see EP_CAP_PACK (closed by this call). */
    int (*create)(struct ep *ep, const char *path, mode_t mode,
                  struct ep_file *prev, struct ep_file **out);
    /* Like create, for an endpoint that can make a file appear whole:
     * nothing is under path until the data is stored, then the file
     * appears complete with what fsetmeta / setxattr set on the handle
     * (no temporary name, no rename).  *status is 1 until that is
     * settled, then 0 or a negative errno (set from inside a later
     * create/close of the same pack chain).  May be NULL. */
    int (*create_whole)(struct ep *ep, const char *path, mode_t mode,
                        struct ep_file *prev, int *status,
                        struct ep_file **out);
    /* New file of a known size written in chunks by many ranks. */
    int (*create_sized)(struct ep *ep, const char *path, mode_t mode,
                        off_t size, struct ep_file **out);
    /* Join the writing of a file made by create_sized. */
    int (*open_write)(struct ep *ep, const char *path, struct ep_file **out);
    ssize_t (*write)(struct ep_file *f, const void *buf, size_t len);
    ssize_t (*pwrite)(struct ep_file *f, const void *buf, size_t len,
                      off_t off);
    int (*truncate)(struct ep_file *f, off_t size);
    int (*sync)(struct ep_file *f);
    int (*finalize)(struct ep_file *f);   /* N:1 completion; may be NULL */
    /* The name a temporary will be renamed to, for endpoints that record
     * it with the data (marfs recovery records); may be NULL. */
    int (*set_final)(struct ep_file *f, const char *dst);
    int (*close)(struct ep_file *f);
    int (*abort)(struct ep_file *f);      /* close and remove */
    /* Metadata through an open handle; NULL: use setmeta on the path. */
    int (*fsetmeta)(struct ep_file *f, const struct stat *st, unsigned what);
    int (*setmeta)(struct ep *ep, const char *path, const struct stat *st,
                   unsigned what);

    int (*mkdir)(struct ep *ep, const char *path, mode_t mode);
    int (*symlink)(struct ep *ep, const char *target, const char *path);
    int (*link)(struct ep *ep, const char *from, const char *to);
    int (*mknod)(struct ep *ep, const char *path, mode_t mode, dev_t dev);
    int (*rename)(struct ep *ep, const char *from, const char *to);
    int (*unlink)(struct ep *ep, const char *path);
    int (*rmdir)(struct ep *ep, const char *path);

    /* xattrs by handle when f != NULL, else by path (not following). */
    ssize_t (*listxattr)(struct ep *ep, const char *path, struct ep_file *f,
                         char *list, size_t size);
    ssize_t (*getxattr)(struct ep *ep, const char *path, struct ep_file *f,
                        const char *name, void *val, size_t size);
    int (*setxattr)(struct ep *ep, const char *path, struct ep_file *f,
                    const char *name, const void *val, size_t size);

    /* Natural chunk size for big files written under path (0: none). */
    uint64_t (*chunk_size)(struct ep *ep, const char *path);
    /* Stored whole-file checksum (marfs), or -ENOTSUP. */
    int (*file_checksum)(struct ep *ep, const char *path, uint64_t *crc);
    void (*term)(struct ep *ep);
};

struct ep {
    const struct ep_ops *ops;
    enum ep_kind kind;
    unsigned caps;
    void *priv;
};

/* The endpoint serving path (creating it on first use; one per kind). */
int ep_for_path(const char *path, const struct pf_opts *o, struct ep **out);
void ep_term_all(void);

/* For kernel-to-kernel copies (copy_file_range): fd of a POSIX file. */
int ep_posix_fd(const struct ep_file *f);

/* CRC-64 (marfs_file_checksum's) of a file read through ep, using buf. */
int ep_checksum_file(struct ep *ep, const char *path, off_t size, char *buf,
                     size_t bufsz, uint64_t *crc);

/* Constructors (ep_*.c). */
int ep_posix_new(struct ep **out);
int ep_null_new(struct ep **out);
int ep_synth_new(const char *spec, struct ep **out);
/* The marfs endpoint: one per process, set up (marfs_init, the one read
 * of marfs.xml) the first time a path is checked with a config named. */
int ep_marfs_get(struct ep **out);
/* Term the marfs endpoint if ep_term_all did not (it was never used). */
void ep_marfs_release(void);
/* Is path one the marfs endpoint serves (under the config's mnt_top)?
 * 1 or 0; -EINVAL if a config was named but is not usable: then nothing
 * may be taken for POSIX, or a copy meant for marfs would land in a
 * local /campaign. */
int ep_marfs_claims(const char *path, const struct pf_opts *o);
/* A setuid pftool's marfs endpoint, set up before MPI_Init (privstart.c):
 * marfs_init with cfg (NULL: the installed default) drops privileges for
 * good.  0 or the negative errno marfs_init returned. */
int ep_marfs_setuid_init(const char *cfg);

#define EP_NULL_PREFIX "null:"
#define EP_SYNTH_PREFIX "synth://"

#endif
