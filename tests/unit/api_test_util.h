/*
 * api_test_util.h - helpers shared by the API unit tests (test_api_*.c).
 *
 * Owns: a scratch repository (marfs.xml written from a few knobs into a
 * temp directory, on tmpfs when there is one, with its data and metadata
 * roots created like `marfs-verifyconf --check-dirs --fix`), data helpers
 * that write and check whole files through marfs.h, and raw views of what
 * the library stored: the objects on the posix DAL (one block file per
 * block index, escaped names, temporaries skipped) read back through the
 * erasure layer, and the metadata tree (tags, reference tree).
 * Include after <cmocka.h>.
 */
#ifndef MARFS_API_TEST_UTIL_H
#define MARFS_API_TEST_UTIL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "marfs_config.h"
#include "marfs.h"
#include "ne.h"
#include "tag.h"

#define AT_MNT "/campaign"

struct at_cfg {
    unsigned n, e;           /* 0,0: 4+2 */
    const char *psz;         /* NULL: "64K" */
    int nopack;              /* packing disabled */
    unsigned max_files;      /* 0: 1024 */
    int nochunk;             /* chunking disabled */
    const char *max_size;    /* NULL: "1M" */
    const char *root_perms;  /* <perms> of root, NULL: full batch, RM,RD interactive */
    const char *children;    /* XML of child <ns> elements of root, or NULL */
    int setuid_layout;       /* as a setuid program needs it: the scratch
                              * dir is the barrier (0700), the data root
                              * passable (0711), the config beside the
                              * scratch dir (root's, readable by all) */
};

struct at_env {
    char dir[256];           /* scratch: marfs.xml, meta/, data/ */
    char conf[300];
    const struct mcfg *cfg;  /* the config, loaded for the tests' own use */
    ne_ctx_t *ne;            /* erasure context over the repo (raw reads) */
    marfs_ctx_t *ctx;        /* a MARFS_BATCH context */
};

void at_setup(struct at_env *env, const struct at_cfg *c);
void at_teardown(struct at_env *env);

/* "/campaign" + rel, in one of 16 rotating static buffers. */
const char *at_p(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Deterministic pseudo-random bytes. */
void at_fill(uint8_t *buf, size_t len, uint64_t seed);
uint8_t *at_data(size_t len, uint64_t seed);   /* malloc'ed, filled */

/* marfs_creat (continuing prev's stream) + marfs_write in pieces of
 * `piece` bytes (0: one call); asserts every call; returns the handle. */
marfs_fh_t *at_put(marfs_ctx_t *ctx, const char *path, const uint8_t *data,
                   size_t len, size_t piece, marfs_fh_t *prev);
/* at_put + marfs_close. */
void at_write(marfs_ctx_t *ctx, const char *path, const uint8_t *data,
              size_t len);
/* Read the whole file (sequential marfs_read in odd-sized pieces) and
 * compare with data byte for byte; also checks EOF, fstat and the stored
 * checksum. */
void at_expect(marfs_ctx_t *ctx, const char *path, const uint8_t *data,
               size_t len);

/* ---- what was stored ------------------------------------------------- */

/* Published objects in the repo (distinct names, sorted), each checked to
 * have exactly N+E block files; *names (may be NULL) gets a malloc'ed
 * array of malloc'ed names (at_free_names). prefix: only names starting
 * with it (NULL: all). */
size_t at_objects(struct at_env *env, const char *prefix, char ***names);
void at_free_names(char **names, size_t n);

/* Check an object's recovery framing through ne: "MARFSOBJ 1" header,
 * "END %010d\n" trailer, then walk every record back to the header (each
 * piece ends where its record starts, pcrc matches the piece).  Returns
 * the number of pieces. */
unsigned at_check_object(struct at_env *env, const char *obj);

/* The recovery records of an object, in object order (first piece
 * first); returns how many (at most max). */
struct obj_record;
unsigned at_records(struct at_env *env, const char *obj,
                    struct obj_record *out, unsigned max);

/* Host path of a marfs path's entry in the namespace tree. */
void at_meta_path(struct at_env *env, const char *nspath, const char *rel,
                  char *buf, size_t bufsz);
/* The raw tag bytes of a host path (lgetxattr); returns the length. */
ssize_t at_raw_tag(const char *hostpath, char *buf, size_t bufsz);
/* Decoded tag of a marfs path in the root namespace (asserts). */
void at_tag(struct at_env *env, const char *nspath, const char *rel,
            struct ftag *tag);
/* Host path of a ref name's inode in a namespace's reference tree. */
void at_ref_path(struct at_env *env, const char *nspath, const char *ref,
                 char *buf, size_t bufsz);

/* Run this test program again as a child process ("/proc/self/exe
 * child ARGS..."; fork + exec, so the child starts without the parent's
 * threads and locks -- a plain fork of a process that has marfs or ne
 * contexts can deadlock, e.g. in the sanitizer's allocator).  The
 * program's main() hands "child" invocations to its own child code.
 * Inherited fds stay open.  Returns the pid. */
pid_t at_spawn(const char *const *args);
/* Wait for pid; returns its exit status, or 1000 + signal. */
int at_wait(pid_t pid);

/* Names listed by marfs_readdir (sorted, NUL-separated into buf, count
 * returned); d_type of each kept in types if not NULL. */
int at_list(marfs_ctx_t *ctx, const char *path, char names[][NAME_MAX + 1],
            unsigned char *types, int max);

#endif
