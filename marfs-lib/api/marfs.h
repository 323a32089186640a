/*
 * marfs.h - the near-POSIX API of marfs-lib.
 *
 * Owns the contract every client (pftool, the FUSE mount, the admin and
 * resource-manager tools) programs against.  Paths are absolute and lie
 * under the config's mnt_top (a path outside it is -EINVAL).  Every
 * function returns 0 (or a byte count) on success and a negative errno on
 * failure; none exits.  A context may be used by many threads at once;
 * one file or directory handle by one thread at a time.
 *
 * Permissions: each namespace grants RM/WM/RD/WD per client mode
 * (marfs.xml <perms>); a call the mode does not allow fails with -EACCES
 * (read/write data or metadata) before POSIX owner/mode checks, which the
 * kernel applies to the calling process's identity as on any file system
 * (-EACCES / -EPERM): files and directories are created owned by it, and
 * only root may give a file away.  Quotas: -EDQUOT at
 * create and when a write or set_size would exceed the namespace's bytes.
 * Renames and hard links across namespaces fail with -EXDEV.
 *
 * Files become readable only when complete: a file still being written
 * (sequentially, or N:1 by several writers) fails open-for-read with
 * -EBUSY, and one whose writer died stays so until it is rewritten or
 * removed (marfs stat shows its state).
 */
#ifndef MARFS_H
#define MARFS_H

#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <time.h>

#define MARFS_API_VERSION 1

enum marfs_mode {
    MARFS_INTERACTIVE = 0,   /* the FUSE mount: <perms><interactive> */
    MARFS_BATCH = 1,         /* pftool and tools: <perms><batch> */
};

typedef struct marfs_ctx marfs_ctx_t;   /* one per process (or thread set) */
typedef struct marfs_fh marfs_fh_t;     /* an open file */
typedef struct marfs_dh marfs_dh_t;     /* an open directory */

/* ---- set-up ------------------------------------------------------------ */

/*
 * Load config_path (NULL: $MARFS_CONFIG) for the given client mode.
 *
 * In a setuid (or setgid) program (doc/security.md) this is the program's
 * one chance to reach the secure roots: it loads config_path only if root
 * owns it and no one else can have changed it, else (NULL) the installed
 * default (marfs_default_config; $MARFS_CONFIG and every other variable
 * of the suite are ignored), checks that every metadata and data root is
 * a barrier users cannot pass (root's, mode 0700), opens them all as
 * directory fds, and then drops to the real user for good -- whether or
 * not it succeeded -- before it returns.  From then on the kernel checks
 * every metadata operation as that user, files are created as that user,
 * and the roots are reachable only through the context.  Call it before
 * touching anything the user named (MPI_Init included); a second call in
 * the same process fails with -EPERM.  A program that cannot continue
 * must still not assume privileges: marfs_init dropped them either way
 * (except when the drop itself fails: -EPERM, and the caller must exit).
 */
int marfs_init(const char *config_path, enum marfs_mode mode,
               marfs_ctx_t **out);
/* 1 if this process started setuid/setgid (its marfs_init drops to the
 * real user), 0 otherwise; unchanged by the drop. */
int marfs_is_setuid(void);
/* The config a setuid program loads when given none. */
const char *marfs_default_config(void);

/* The read cache of a context (see "read cache" below). */
struct marfs_cache_opts {
    uint64_t bytes;           /* bound on cached data; 0 turns caching and
                                 read-ahead off */
    uint64_t readahead;       /* largest read-ahead window of a handle;
                                 0: no read-ahead */
    unsigned threads;         /* read-ahead threads (0: no read-ahead) */
};

/* Tunables of a context: marfs_init uses marfs_init_opts_default's. */
#define MARFS_IO_THREADS_AUTO 0xffffffffu
struct marfs_init_opts {
    /* Block I/O threads of each repo: MARFS_IO_THREADS_AUTO, one per
     * block (N+E), so one reader or writer moves all blocks of a stripe
     * at once; 0, every caller does its own block I/O, without thread
     * hand-offs (for servers with many threads of their own, such as the
     * FUSE mount). */
    unsigned io_threads;
    struct marfs_cache_opts cache;
};
void marfs_init_opts_default(struct marfs_init_opts *opts);
int marfs_init_opts(const char *config_path, enum marfs_mode mode,
                    const struct marfs_init_opts *opts, marfs_ctx_t **out);
/* Flush usage counters, close everything; ctx is freed. */
int marfs_term(marfs_ctx_t *ctx);
/* The mount point prefix (mnt_top) of the loaded config. */
const char *marfs_mnt_top(const marfs_ctx_t *ctx);

/*
 * What the config says about a path, for clients that plan their work
 * (pftool sizes N:1 chunks with it) without reading marfs.xml themselves.
 * The strings belong to ctx and live until marfs_term.
 */
struct marfs_path_info {
    const char *ns;           /* the namespace's marfs path ("/" for root) */
    const char *repo;         /* the repo storing its data */
    unsigned n, e;            /* erasure protection: N data + E parity */
    uint64_t psz;             /* part size in bytes */
    int packing;              /* small files share objects */
    uint64_t pack_max_files;  /* files per packed object */
    uint64_t chunk_size;      /* bytes per chunk; UINT64_MAX: unchunked */
};

/* 1 with *info filled if path lies under mnt_top (lexically: no I/O, no
 * permission check), 0 if it does not, a negative errno for a path that
 * cannot be one (-ENAMETOOLONG). */
int marfs_path_info(const marfs_ctx_t *ctx, const char *path,
                    struct marfs_path_info *info);

/* ---- files --------------------------------------------------------------- */

/*
 * Create (or truncate-and-replace) a file for sequential writing.  With
 * prev != NULL (a handle from an earlier marfs_creat of the same client
 * that the caller is done writing), the new file continues prev's pack
 * stream, so consecutive small files share objects; prev is then closed
 * by this call whether or not it succeeds.
 */
int marfs_creat(marfs_ctx_t *ctx, const char *path, mode_t mode,
                marfs_fh_t *prev, marfs_fh_t **out);

/*
 * Create a file that appears only when its data is stored, whole and in
 * its final state: nothing exists under path (or the old file stays)
 * until the object holding the file's last byte is published; then its
 * inode is made in one pass with the complete tag, size, owner, mode,
 * times and xattrs set through the handle (marfs_fchown, marfs_fchmod,
 * marfs_futimens, marfs_fsetxattr), and linked under path, replacing
 * what is there.  A small file costs about half the metadata work of
 * marfs_creat.  Copy tools that write under a temporary name and rename
 * use this instead: a killed writer leaves nothing under any name.
 *
 * done(arg, path, status) reports the outcome: 0 once the file is in
 * place, or a negative errno (it did not appear: its object could not be
 * stored, its directory was removed meanwhile, the quota, ...).  The
 * inodes are made by the context's publisher thread, overlapping the
 * writing of the next object; done runs in the writer's thread, inside
 * a later marfs_creat_whole / marfs_write / marfs_fsync / marfs_close of
 * the same stream (prev chaining), without locks held: by the return of
 * the close of the stream's last handle every file has its outcome, and
 * marfs_fsync waits for the files of objects already stored.  done may
 * be NULL.  mode as for creat (the umask applies) unless
 * marfs_fchmod sets an exact one.  The parent directory must exist
 * (-ENOENT) and be writable by the caller (-EACCES) at this call.
 * marfs_set_size (N:1) is refused (-EINVAL) for such a handle.
 */
typedef void (*marfs_done_fn)(void *arg, const char *path, int status);
int marfs_creat_whole(marfs_ctx_t *ctx, const char *path, mode_t mode,
                      marfs_fh_t *prev, marfs_done_fn done, void *arg,
                      marfs_fh_t **out);

/*
 * Open an existing file.  flags: O_RDONLY to read a complete file;
 * O_WRONLY to join an N:1 write of a file whose size was declared with
 * marfs_set_size (see below).
 */
int marfs_open(marfs_ctx_t *ctx, const char *path, int flags,
               marfs_fh_t **out);

ssize_t marfs_read(marfs_fh_t *fh, void *buf, size_t len);
ssize_t marfs_pread(marfs_fh_t *fh, void *buf, size_t len, off_t off);
/* Current position of a read handle; whence as lseek. */
off_t marfs_seek(marfs_fh_t *fh, off_t off, int whence);

/* Append to a file opened by marfs_creat. */
ssize_t marfs_write(marfs_fh_t *fh, const void *buf, size_t len);

/*
 * N:1 parallel writes.  The creator calls marfs_set_size(fh, size) right
 * after marfs_creat to declare the final size; from then on any number of
 * writers (this handle, other threads, other processes with marfs_open
 * O_WRONLY) write whole chunks with marfs_pwrite at chunk offsets, in any
 * order and concurrently; each chunk must be written by one pwrite run of
 * its full length (consecutive pwrites on one handle may build a chunk
 * from its start).  When every chunk is written, one caller runs
 * marfs_finalize; the file becomes complete and readable.  A file whose
 * declared size is not chunked (smaller than one chunk) is written the
 * same way with a single chunk.
 */
int marfs_set_size(marfs_fh_t *fh, off_t size);
ssize_t marfs_pwrite(marfs_fh_t *fh, const void *buf, size_t len, off_t off);
/* Chunk geometry of a file: data bytes per chunk and chunk count. */
int marfs_chunk_info(marfs_fh_t *fh, uint64_t *chunk_size, uint64_t *nchunks);
/* Complete an N:1 file: -EBUSY (and nothing changed) if a chunk is
 * missing; on success the file is complete. */
int marfs_finalize(marfs_fh_t *fh);

/*
 * Owner, mode and times of a file being written (creat or N:1 handles).
 * Unlike the path calls, these are also written into the file's recovery
 * record, so a copy tool should set them before marfs_close (or, N:1,
 * right after marfs_set_size).  A mode set here is applied when the file
 * completes.
 */
int marfs_fchmod(marfs_fh_t *fh, mode_t mode);
int marfs_fchown(marfs_fh_t *fh, uid_t uid, gid_t gid);
int marfs_futimens(marfs_fh_t *fh, const struct timespec times[2]);
/* A user xattr ("user." names; "user.marfs." ones are the library's:
 * -EPERM) of a file being written; flags as setxattr. */
int marfs_fsetxattr(marfs_fh_t *fh, const char *name, const void *value,
                    size_t size, int flags);

/*
 * The path recovery (marfs-recover) should restore this file under, when
 * it differs from the path it is being written at: for writers that create
 * under a temporary name and rename into place when done (pftool).  Kept
 * on the inode, so every writer of an N:1 file records it.  path must be
 * under mnt_top.
 */
int marfs_set_recovery_path(marfs_fh_t *fh, const char *path);

/* Flush what a sequential writer buffered (data stays invisible until
 * close); whole files whose object is stored are in place on return. */
int marfs_fsync(marfs_fh_t *fh);
/* Close: for a sequential writer this completes the file. */
int marfs_close(marfs_fh_t *fh);
/* Abandon a handle being written: the file is removed, its objects left
 * to garbage collection. */
int marfs_abort(marfs_fh_t *fh);

/* ---- metadata ------------------------------------------------------------ */

int marfs_stat(marfs_ctx_t *ctx, const char *path, struct stat *st);
int marfs_lstat(marfs_ctx_t *ctx, const char *path, struct stat *st);
int marfs_fstat(marfs_fh_t *fh, struct stat *st);

int marfs_opendir(marfs_ctx_t *ctx, const char *path, marfs_dh_t **out);
/* Next entry (d_name, d_type filled), NULL at the end; *err set to a
 * negative errno on failure (0 otherwise).  Internal names never show;
 * child namespaces show as directories. */
struct dirent *marfs_readdir(marfs_dh_t *dh, int *err);
int marfs_closedir(marfs_dh_t *dh);

int marfs_mkdir(marfs_ctx_t *ctx, const char *path, mode_t mode);
int marfs_rmdir(marfs_ctx_t *ctx, const char *path);
int marfs_unlink(marfs_ctx_t *ctx, const char *path);
int marfs_rename(marfs_ctx_t *ctx, const char *from, const char *to);
int marfs_symlink(marfs_ctx_t *ctx, const char *target, const char *path);
ssize_t marfs_readlink(marfs_ctx_t *ctx, const char *path, char *buf,
                       size_t size);
int marfs_link(marfs_ctx_t *ctx, const char *oldpath, const char *newpath);
int marfs_chmod(marfs_ctx_t *ctx, const char *path, mode_t mode);
int marfs_chown(marfs_ctx_t *ctx, const char *path, uid_t uid, gid_t gid);
/* times[0] atime, times[1] mtime; UTIME_NOW / UTIME_OMIT allowed; does
 * not follow a final symlink. */
int marfs_utimens(marfs_ctx_t *ctx, const char *path,
                  const struct timespec times[2]);
/* Only to 0 or to the current size; other sizes: -EOPNOTSUPP.  Going to
 * 0 replaces the inode, so only its owner or root may (else -EPERM). */
int marfs_truncate(marfs_ctx_t *ctx, const char *path, off_t size);

/* User xattrs ("user.*"); the library's own ("user.marfs.*") are hidden
 * and refused (-EPERM). */
ssize_t marfs_getxattr(marfs_ctx_t *ctx, const char *path, const char *name,
                       void *value, size_t size);
int marfs_setxattr(marfs_ctx_t *ctx, const char *path, const char *name,
                   const void *value, size_t size, int flags);
ssize_t marfs_listxattr(marfs_ctx_t *ctx, const char *path, char *list,
                        size_t size);
/* The same of a file open for reading (marfs_open O_RDONLY; others:
 * -EBADF), through its open inode: no path resolution. */
ssize_t marfs_fgetxattr(marfs_fh_t *fh, const char *name, void *value,
                        size_t size);
ssize_t marfs_flistxattr(marfs_fh_t *fh, char *list, size_t size);
int marfs_removexattr(marfs_ctx_t *ctx, const char *path, const char *name);

/* f_files/f_blocks report the namespace's quotas (or totals when
 * unlimited), f_ffree/f_bfree what remains. */
int marfs_statvfs(marfs_ctx_t *ctx, const char *path, struct statvfs *st);

/* ---- read cache ------------------------------------------------------- */

/*
 * Every read handle of a context shares one bounded cache of decoded
 * object data (doc/read-cache.md): a read decodes only the stripes (and,
 * when the object is healthy, only the parts) it needs, a small file's
 * whole stripe is decoded once for all the packed files it holds, and a
 * handle that reads sequentially has a growing window ahead of it decoded
 * by background threads.  Objects never change once written, so the
 * cache never serves stale bytes.
 */
/* Defaults of a new context (struct marfs_cache_opts is above). */
#define MARFS_CACHE_BYTES_DEFAULT (64ull << 20)
#define MARFS_READAHEAD_DEFAULT (8ull << 20)
#define MARFS_READAHEAD_THREADS_DEFAULT 2u

int marfs_set_cache(marfs_ctx_t *ctx, const struct marfs_cache_opts *opts);
int marfs_get_cache(marfs_ctx_t *ctx, struct marfs_cache_opts *opts);

struct marfs_cache_stats {
    uint64_t limit;           /* the configured bound (bytes) */
    uint64_t used;            /* held now (bytes) */
    uint64_t peak;            /* most ever held (bytes) */
    uint64_t hits;            /* stripe reads served from the cache */
    uint64_t misses;          /* stripe reads that decoded something */
    uint64_t decoded;         /* bytes decoded into the cache */
    uint64_t prefetched;      /* of those, by read-ahead */
    uint64_t direct;          /* bytes read around the cache (big reads) */
    uint64_t evicted;         /* stripes evicted */
};
int marfs_cache_stats(marfs_ctx_t *ctx, struct marfs_cache_stats *st);

/*
 * Zero-copy reads, for servers that pass data on (the FUSE mount): the
 * bytes stay in the cache and the spans point into it, in file order,
 * until marfs_unpin.  Returns the byte count (short only at the end of
 * the file) or a negative errno; always pass *pins to marfs_unpin (NULL
 * after an error is fine).  With caching off, or for what the pins
 * cannot hold, the bytes are copied into a buffer the pins own.
 */
#define MARFS_SPANS_MAX 17
struct marfs_span {
    const void *base;
    size_t len;
};
typedef struct marfs_pins marfs_pins_t;
ssize_t marfs_pread_spans(marfs_fh_t *fh, size_t len, off_t off,
                          struct marfs_span spans[MARFS_SPANS_MAX],
                          unsigned *nspans, marfs_pins_t **pins);
void marfs_unpin(marfs_pins_t *pins);

/* ---- where a file lives ------------------------------------------------- */

struct marfs_file_info {
    int complete;             /* 1: readable; 0: being written (or its
                                 writer died) */
    int nto1;                 /* written N:1 in chunks */
    uint64_t size;
    const char *repo;         /* owned by ctx */
    unsigned n, e;            /* protection: N data + E parity blocks */
    uint64_t psz;             /* part size */
    char stream[96];          /* its objects are "<stream>/<number>" */
    uint64_t first_obj;       /* object holding the file's first byte */
    uint64_t first_off;       /* offset of that byte in that object */
    uint64_t nobjs;           /* objects first_obj.. the file spans */
    int has_crc;
    uint64_t crc;             /* stored CRC-64/XZ of the file's bytes */
};

/* The layout of a regular file (following a final symlink): -EISDIR,
 * -EINVAL for a non-regular file, -EIO for a missing or corrupt tag. */
int marfs_file_info(marfs_ctx_t *ctx, const char *path,
                    struct marfs_file_info *info);

struct marfs_obj_health {
    char name[160];           /* the object's name in the repo */
    unsigned nblocks;         /* N + E */
    unsigned nbad;            /* blocks missing, corrupt or disagreeing */
    int lost;                 /* fewer than N good blocks: data lost */
};

/* Health of object k (0 <= k < nobjs) of a complete file from every
 * block's meta info and size (reads no data). */
int marfs_object_health(marfs_ctx_t *ctx, const char *path, uint64_t k,
                        struct marfs_obj_health *health);

/* A size as marfs.xml writes it ("64M", "1G", "4096"; binary suffixes). */
int marfs_parse_size(const char *text, uint64_t *out);

/* ---- checksums and state --------------------------------------------- */

/* The per-file end-to-end checksum: CRC-64/XZ of the file's bytes (as
 * isa-l crc64_ecma_refl), recorded while writing.  -ENODATA if the file
 * has none (not complete). */
int marfs_file_checksum(marfs_ctx_t *ctx, const char *path, uint64_t *crc);

/* Compute the same checksum over a buffer, chained: crc = 0 to start. */
uint64_t marfs_checksum_update(uint64_t crc, const void *buf, size_t len);
/* Combine: checksum of A||B from checksum(A), checksum(B) and len(B). */
uint64_t marfs_checksum_combine(uint64_t crc_a, uint64_t crc_b,
                                uint64_t len_b);

#endif
