/*
 * api_internal.h - shared by the api_*.c files that implement marfs.h.
 *
 * Owns the context (config, one erasure context per repo, one metadata
 * handle per namespace), path resolution with the namespace permission
 * check, and the file handle.
 */
#ifndef MARFS_API_INTERNAL_H
#define MARFS_API_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>

#include "marfs_config.h"
#include "marfs.h"
#include "mdal.h"
#include "ne.h"
#include "sread.h"
#include "sread_cache.h"
#include "stream.h"
#include "textbuf.h"
#include "tag.h"

struct marfs_ctx {
    const struct mcfg *cfg;
    enum marfs_mode mode;
    ne_ctx_t **ne;              /* by repo index */
    struct mdal_ns **md;        /* by index in cfg->all_ns */
    struct scache *cache;       /* decoded data shared by read handles */
    struct api_dircache *dirs;  /* parents of recent creations */
    /* the caller's ids as whole files default to them (api_whole.c),
     * asked once: a setuid program has dropped to its user for good by
     * the time it creates anything */
    int ids_known;
    uid_t euid;
    gid_t egid;
    struct api_publisher *pub;  /* makes whole files (api_publish.c) */
    int pub_failed;             /* its thread could not start */
};

/* The context's publisher thread (api_publish.c): runs fn(arg) in order
 * after the jobs queued before; -EAGAIN: no thread, run it yourself.
 * nfiles: the files the job makes, for the bound on the backlog. */
struct api_publisher;
int api_publish(marfs_ctx_t *ctx, void (*fn)(void *arg), void *arg,
                size_t nfiles);
/* Wait while the publisher's backlog is full (hold no lock). */
void api_publish_room(marfs_ctx_t *ctx);
/* Run what is queued and stop the thread (marfs_term). */
void api_publish_stop(marfs_ctx_t *ctx);

/* Parent directories kept open for creations (api_dircache.c). */
struct api_dircache;
int api_dircache_create(struct api_dircache **out);
void api_dircache_destroy(struct api_dircache *c);
/* Borrow an O_PATH fd of dir (relative to md's tree), opening it if it is
 * not cached; give it back with api_dircache_put. */
int api_dircache_get(struct api_dircache *c, struct mdal_ns *md,
                     const char *dir, int *fd);
void api_dircache_put(struct api_dircache *c, int fd);
/* Forget every entry (a rename or rmdir may have moved what they name). */
void api_dircache_flush(struct api_dircache *c);
/* Drop the entries whose directory was removed (no links); returns how
 * many were dropped. */
int api_dircache_prune(struct api_dircache *c);
/* Forget the entries of md's tree at or below rel (renamed or removed). */
void api_dircache_forget(struct api_dircache *c, const struct mdal_ns *md,
                         const char *rel);

/* A context for cfg (owned from then on, freed on failure): every repo's
 * erasure context and DAL, every namespace's directories, the read
 * cache; opts NULL: marfs_init_opts_default's. */
int api_ctx_create(const struct mcfg *cfg, enum marfs_mode mode,
                   const struct marfs_init_opts *opts, marfs_ctx_t **out);
/* marfs_init of a process that started setuid (api_privilege.c). */
int api_setuid_init(const char *config_path, enum marfs_mode mode,
                    marfs_ctx_t **out);

/* A path resolved to its namespace. */
struct api_path {
    marfs_ctx_t *ctx;           /* whose directory cache api_parent uses */
    const struct mcfg_ns *ns;
    struct mdal_ns *md;
    ne_ctx_t *ne;
    const struct mcfg_repo *repo;
    char rel[PATH_MAX];         /* relative to the namespace tree; "" = root */
};

/* Permissions an operation needs (enum mcfg_perm bits). */
#define NEED_RM MCFG_PERM_RM
#define NEED_WM MCFG_PERM_WM
#define NEED_RD MCFG_PERM_RD
#define NEED_WD MCFG_PERM_WD

/* Resolve path (no symlink following) and check the mode's permissions.
 * -EINVAL outside mnt_top, -EACCES without permission, -ENAMETOOLONG. */
int api_resolve(marfs_ctx_t *ctx, const char *path, unsigned need,
                struct api_path *out);
/* For a path about to be created: -EPERM for an internal name. */
int api_resolve_create(marfs_ctx_t *ctx, const char *path, unsigned need,
                       struct api_path *out);
/* Follow final symlinks; cur (PATH_MAX bytes) gets the final path. */
int api_follow_path(marfs_ctx_t *ctx, const char *path, unsigned need,
                    struct api_path *out, char *cur);
/* Same, following a final symlink (up to 40 links), into any namespace. */
int api_resolve_follow(marfs_ctx_t *ctx, const char *path, unsigned need,
                       struct api_path *out);

/* Parent directory fd (O_PATH) and last name of a resolved path; for a
 * namespace root, name is "" and fd is the tree itself.  The fd comes from
 * the context's directory cache (api_dircache.c): it is borrowed, and
 * given back with api_parent_done, never closed. */
int api_parent(const struct api_path *ap, int *fd, char *name);
void api_parent_done(marfs_ctx_t *ctx, int fd);
/* After ENOENT under a parent from api_parent: if any cached parent is a
 * removed directory, drop the cache and return 1 (worth one retry). */
int api_parent_stale(marfs_ctx_t *ctx);

/* Read and decode the tag of the file at (dirfd, name) or of fd (name
 * NULL).  -ENODATA if it has none, -EINVAL if the tag is corrupt. */
int api_read_tag(int fd, const char *name, struct ftag *tag);
int api_write_tag(int fd, const struct ftag *tag);

/* The library's updates of an inode as the caller (api_owner.c): the
 * owner of an inode it made read-only still gets them done. */
int api_fsetxattr(int fd, const char *name, const void *val, size_t len);
/* Open dirfd/name O_WRONLY; *restore is the mode to give back with
 * fchmod when done, or (mode_t)-1. */
int api_open_update(int dirfd, const char *name, int *fd, mode_t *restore);
/* 0 if the caller may write the inode of fd (its owner always may, since
 * it may chmod), else -EACCES. */
int api_may_write(int fd);

enum fh_kind {
    FH_READ,       /* marfs_open O_RDONLY */
    FH_WRITE,      /* marfs_creat: sequential writer in a pack stream */
    FH_NTO1,       /* declared size: chunk writer */
};

struct marfs_fh {
    marfs_ctx_t *ctx;
    enum fh_kind kind;
    struct api_path ap;
    char path[PATH_MAX];        /* as given, for messages */
    struct ftag tag;
    char refdir[64];            /* ref dir of the inode, relative to ref/ */
    mode_t mode;                /* requested mode */
    mode_t created_mode;        /* the inode's mode as created */
    char *rpath;                /* recovery path (below mnt_top), or NULL */
    struct timespec created_mtime;
    struct stat made;           /* the inode as created (writers) */
    int fd;                     /* the inode (writers), -1 otherwise */
    /* FH_READ */
    struct sread *rd;
    uint64_t pos;
    /* FH_WRITE */
    struct stream *st;
    struct api_whole *whole;    /* marfs_creat_whole: made when stored */
    int begun;                  /* the file has begun in the stream */
    int failed;
    /* FH_NTO1 */
    struct stream_chunk *chunk;
    uint64_t chunk_k;
    uint64_t chunk_next;        /* file offset the open chunk expects */
};

/* Finish a sequential writer's file (its completion may be deferred to
 * when the object holding it is published) and free fh, keeping its
 * stream open for the caller: returns the stream through *keep. */
int api_write_end(marfs_fh_t *fh, struct stream **keep);

/* ---- write streams (api_wstream.c) ---------------------------------- */

/* The API's state of a write stream (its batch_arg): the namespace lock
 * per published object, the marker of its unpublished whole files, the
 * outcomes to report.  api_stream_open sets p's batch hook. */
struct api_wstream;
int api_stream_open(struct stream_params *p, struct mdal_ns *md,
                    struct stream **out);
/* stream_close, then the marker and the state go. */
int api_stream_close(struct stream *st);
struct api_wstream *api_wstream_of(struct stream *st);
/* A marfs_creat file joins (+1) or leaves (-1) the files waiting for
 * the stream's object: while any wait, a publication takes the lock. */
void api_wstream_plain(struct api_wstream *ws, int delta);
/* Whether the publication running now holds the namespace lock. */
int api_wstream_locked(const struct api_wstream *ws);
/* A whole file begins at t's location: the marker covers it. */
int api_wstream_cover(struct stream *st, const struct ftag *t,
                      const struct mcfg_repo *repo);
/* A whole file is settled (made, failed or abandoned): fn(arg, path,
 * status) runs in the writer's thread at its next call on the stream,
 * never with a lock held.  newest: the file settled is the stream's
 * newest (abort, failed end), not its oldest (publication).  Any thread
 * (the publisher's too). */
int api_wstream_outcome(struct api_wstream *ws, marfs_done_fn fn, void *arg,
                        const char *path, int status, int newest);
/* A whole file of the stream went to the publisher (+1) or came back
 * from it (-1); api_stream_close waits for the count to reach 0. */
void api_wstream_inflight(struct api_wstream *ws, int delta);
/* The writer's thread, no lock held: wait for the publisher to make the
 * stream's files it has, then deliver (marfs_fsync). */
void api_wstream_sync(struct api_wstream *ws);
/* The writer's thread, no lock held: run the outcomes that arrived. */
void api_wstream_deliver(struct api_wstream *ws);
/* Whole files whose object is stored wait here during the publication's
 * batch and go to the publisher as one job at its end (api_whole.c), so
 * the threads meet once per object, not per file. */
struct whole_done;
void api_wstream_pub_add(struct api_wstream *ws, struct whole_done *d);

/* ---- whole files (api_whole.c) -------------------------------------- */

struct api_whole;
/* fh (resolved, with its stream and location tag) becomes a whole file. */
int api_whole_start(marfs_fh_t *fh, mode_t mode, marfs_done_fn fn,
                    void *arg);
/* What the inode will be, as a stat (size 0, mtime 0 if not set). */
void api_whole_stat(const marfs_fh_t *fh, struct stat *st);
int api_whole_chmod(marfs_fh_t *fh, mode_t mode);
int api_whole_chown(marfs_fh_t *fh, uid_t uid, gid_t gid);
int api_whole_utimens(marfs_fh_t *fh, const struct timespec times[2]);
int api_whole_setxattr(marfs_fh_t *fh, const char *name, const void *val,
                       size_t size, int flags);
/* The data is written: made at publication (the outcome always comes). */
int api_whole_end(marfs_fh_t *fh);
void api_whole_abort(marfs_fh_t *fh);
/* It could not begin (rc): the caller's done hears it. */
void api_whole_failed(marfs_fh_t *fh, int rc);
void api_whole_free(marfs_fh_t *fh);
/* Make the inodes of a list of whole files (n of them) whose object is
 * stored: on the publisher's thread, or here if it has none. */
void api_whole_publish(struct whole_done *list, size_t n);
/* Append d after prev in such a list. */
void api_whole_link(struct whole_done *prev, struct whole_done *d);

/* "refdir/ref": an inode's path relative to ref/ (truncated, as ref
 * names and ref dirs are short). */
void api_ref_path(char *buf, size_t bufsz, const char *refdir,
                  const char *ref);
/* Create refpath (relative to md's ref/, the inode named ref) with
 * O_EXCL, or link the open inode fd there, making missing ref-tree
 * levels first (they are made on first use). */
int api_ref_create(struct mdal_ns *md, const char *ref, const char *refpath,
                   mode_t mode, int *fd);
int api_ref_link(struct mdal_ns *md, const char *ref, const char *refpath,
                 int fd);

/* Give name in pfd to the inode at refpath (relative to md's ref/),
 * replacing an existing file atomically; locked: the caller holds the
 * namespace lock. */
int api_link_name(struct mdal_ns *md, const char *ref, int pfd,
                  const char *name, const char *refpath, int locked);

/* The inode's recovery path, if a writer declared one. */
#define RPATH_XATTR "user.marfs.rpath"
int api_load_rpath(marfs_fh_t *fh);
void api_fh_free(marfs_fh_t *fh);

/* Recovery fields of a writer's file (path, ref, owner, mode). */
int api_fill_record(const marfs_fh_t *fh, struct obj_record *rec);
/* The same from a stat of the inode the caller already has (NULL: fstat). */
int api_fill_record_st(const marfs_fh_t *fh, struct obj_record *rec,
                       const struct stat *known);

/* What removing the user name (pfd, name) releases from usage: a file
 * counts until its last user link goes (its other link is the ref
 * tree's).  Call with the namespace's lock held, and apply the result
 * only if the removal succeeded. */
struct api_release {
    int64_t files, bytes;
    ino_t ino;
};
struct api_release api_last_link(int pfd, const char *name);
void api_release(struct quota *q, struct api_release r);

/* What stat reports of an inode: user links only, data blocks. */
void api_fix_stat(struct stat *st);

/* Marker file of an N:1 chunk in the ref dir: "<ref>#c<k>". */
void api_chunk_marker(const struct ftag *tag, uint64_t k, char *buf,
                      size_t bufsz);

#endif
