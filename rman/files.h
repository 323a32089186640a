/*
 * files.h - what the reference tree of a namespace holds, as marfs-rman
 * sees it after a walk: one entry per inode (live files, deleted files,
 * incomplete files, repack's retired copies), N:1 chunk markers, and the
 * stream ids the tags name, interned.
 *
 * Owns the walk (walk.c), the classification of an entry into what gc may
 * do with it (classify.c), the object ranges a tag covers (objects.c) and
 * the string table (strtab.c).  Entries travel between MPI ranks packed
 * (walk_pack.c).
 */
#ifndef MARFS_RMAN_FILES_H
#define MARFS_RMAN_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "objfmt.h"
#include "rman.h"
#include "tag.h"

#define RM_NO_STREAM UINT32_MAX
/* Suffix of repack's retired copies in the ref tree: "<id>#r". */
#define RM_RETIRED_SUFFIX "#r"
/* xattr marking a deleted file as past the undelete window (gc expired
 * it but a live file still shares one of its objects). */
#define RM_EXPIRED_XATTR "user.marfs.expired"
/* xattr of a retired copy: the ref name of the file it was copied from. */
#define RM_RETIRED_XATTR "user.marfs.retired"

/* ---- strtab.c: interned strings ------------------------------------------ */
struct strtab;
struct strtab *strtab_new(void);
void strtab_free(struct strtab *t);
/* Index of s, adding it if new; UINT32_MAX if out of memory. */
uint32_t strtab_add(struct strtab *t, const char *s);
/* Index of s or UINT32_MAX. */
uint32_t strtab_find(const struct strtab *t, const char *s);
const char *strtab_get(const struct strtab *t, uint32_t i);
size_t strtab_count(const struct strtab *t);

/* ---- one reference-tree entry ------------------------------------------- */
enum rf_kind {
    RF_FILE = 0,        /* tagged inode */
    RF_RETIRED,         /* repack's copy of an old location ("<id>#r") */
    RF_UNTAGGED,        /* no tag (a create that died before tagging) */
    RF_BADTAG,          /* a tag that does not decode */
};

struct rm_file {
    char *ref;              /* entry name in the ref tree */
    uint32_t stream;        /* strtab index, RM_NO_STREAM if unknown */
    uint8_t kind;           /* enum rf_kind */
    uint8_t complete, nto1, has_crc, expired;
    uint32_t nlink;
    int64_t ctime;          /* last link-count or tag change: deletion time */
    int64_t ctime_ns;       /* its nanoseconds (orders deletions) */
    uint64_t ino;
    uint64_t objno, off, first, chunk, hdr, size, crc, psz;
    uint32_t n, e;
    uint32_t markers;       /* N:1 chunk markers beside it */
    int64_t marker_mtime;   /* newest marker */
};

/* A chunk marker "<ref>#c<k>" whose file is gone (left by a crash). */
struct rm_marker {
    char *name;
    int64_t mtime;
};

struct rm_files {
    struct strtab *streams;
    struct rm_file *f;
    size_t n, cap;
    struct rm_marker *orphans;      /* markers without their file */
    size_t norphans, orphcap;
    uint64_t dirs;                  /* leaf directories read */
};

/* ---- walk.c ---------------------------------------------------------------- */
/* Read this rank's share of the reference tree (its first-level
 * directories when ranks > 1) into out. */
int files_walk(struct rm_ns *ns, struct rm_files *out);
/* Read the whole tree, but only entries whose name is not in seen, and no
 * markers: gc's second pass, which looks for files created meanwhile. */
int files_walk_new(struct rm_ns *ns, const struct strtab *seen,
                   struct rm_files *out);
/* Read one entry (dirfd O_PATH of its ref dir); 0, or -ENOENT if it
 * vanished, or another negative errno. */
int files_read_entry(int dirfd, const char *name, struct rm_files *out);
void files_free(struct rm_files *fs);
/* Index of the entry with ref name `ref` (a linear search: for the few
 * look-ups of undelete); SIZE_MAX if none. */
size_t files_find(struct rm_files *fs, const char *ref);
/* The tag of an entry, as the library's struct. */
void files_ftag(const struct rm_files *fs, const struct rm_file *f,
                struct ftag *t);

/* ---- walk_pack.c: moving walk results between ranks ------------------------ */
int files_pack(const struct rm_files *fs, char **buf, size_t *len);
int files_unpack_append(struct rm_files *fs, const char *buf, size_t len);
/* Walk in parallel (every rank its share) and merge on rank 0; the
 * result (rc) is the same on every rank. */
int files_walk_all(struct rm_ns *ns, struct rm_files *out);

/* ---- classify.c ------------------------------------------------------------ */
enum rm_fate {
    FATE_LIVE,          /* complete with a user link: keep its objects */
    FATE_WRITING,       /* being written: its whole stream is pinned */
    FATE_YOUNG,         /* deleted within the gc window: keep */
    FATE_COLLECT,       /* deleted, older than the window: collect */
    FATE_COLLECT_W,     /* incomplete, writer dead, old: collect */
    FATE_STRAY,         /* untagged leftover of a dead create: remove */
    FATE_KEEP,          /* untagged and maybe still being created */
    FATE_BAD,           /* undecodable tag: never touched; pins its stream */
};
/* What gc may do with f at time now. */
enum rm_fate rm_classify(const struct rm_files *fs, const struct rm_file *f,
                         int64_t now, const struct rm_opts *o);
const char *rm_fate_str(enum rm_fate fate);

/* ---- writer.c ----------------------------------------------------------------- */
enum rm_writer {
    RW_ALIVE,           /* its process runs on this host */
    RW_DEAD,            /* it ran on this host and is gone */
    RW_UNKNOWN,         /* another host (or an id we cannot parse) */
};
/* Liveness of the writer that made id (a stream id or ref name:
 * "<hostid>-<pid>-<sec>.<nsec>-<counter>"). */
enum rm_writer rm_writer_state(const char *id);

/* ---- objects.c ---------------------------------------------------------------- */
/* First and last object of a tagged entry's data (a writing file: its
 * first object twice: the rest is unknown). */
void file_obj_range(const struct rm_file *f, uint64_t *lo, uint64_t *hi);
/* Bytes of f's data in object objno. */
uint64_t file_bytes_in(const struct rm_file *f, uint64_t objno);
/* Object name "<stream>/<objno>". */
int rm_objname(const struct rm_files *fs, uint32_t stream, uint64_t objno,
               char *buf, size_t bufsz);
/* Bytes all blocks of an object of this health take (block data). */
uint64_t rm_block_bytes(const struct ne_health *h, uint64_t psz);
/* Read the recovery record that ends f's data (path, owner, mode...). */
int rm_last_record(ne_ctx_t *ne, const struct rm_files *fs,
                   const struct rm_file *f, struct obj_record *rec);

/* A set of objects keyed by (stream, objno). */
struct rm_obj {
    uint32_t stream;
    uint64_t objno;
    uint64_t live_bytes;    /* data of files that keep the object */
    uint64_t dead_bytes;    /* data of deleted files (any age) */
    uint32_t nfiles;
    uint8_t keep;           /* a live, young or unknown user: never delete */
    uint8_t dead;           /* a collectible file uses it */
    uint8_t pinned;         /* its stream has a live writer */
    uint8_t mark;           /* free for the action using the map */
};
struct objmap;
struct objmap *objmap_new(void);
void objmap_free(struct objmap *m);
/* The entry for (stream, objno), created zeroed if new; NULL on ENOMEM. */
struct rm_obj *objmap_get(struct objmap *m, uint32_t stream, uint64_t objno);
struct rm_obj *objmap_find(const struct objmap *m, uint32_t stream,
                           uint64_t objno);
size_t objmap_count(const struct objmap *m);
struct rm_obj *objmap_at(struct objmap *m, size_t i);
/* The fate of every entry (rm_classify at time now), malloc'd. */
uint8_t *rm_fates(const struct rm_files *fs, int64_t now,
                  const struct rm_opts *o);
/* Per stream: 1 if a live writer or an unreadable tag holds it (none of
 * its objects may go), malloc'd. */
uint8_t *rm_pins(const struct rm_files *fs, const uint8_t *fate);
/* Add an entry's objects with its byte shares. */
int objmap_add_file(struct objmap *m, const struct rm_file *f,
                    enum rm_fate fate, int pinned);
/* Every object a walk's entries name (fate: from rm_fates). */
int objmap_from_files(struct objmap *m, const struct rm_files *fs,
                      const uint8_t *fate);

/* ---- treefind.c ---------------------------------------------------------------- */
/* User paths (below mnt_top) of the given inodes: paths[i] (malloc'd, or
 * NULL if not found) for inos[i]. */
int rm_tree_paths(struct rm_ns *ns, const uint64_t *inos, size_t n,
                  char **paths);

#endif
