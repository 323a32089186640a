/*
 * worker.h - the state of a worker rank and the task handlers it runs:
 * walk.c (directories), copy.c (files, links, special files), chunk.c
 * (big files), compare.c (pfcm), list.c (pfls), purge.c (pfsync
 * --delete), meta.c (metadata and xattrs).  Handlers report results
 * through wk_done() and problems through wk_error().
 */
#ifndef PFTOOL_WORKER_H
#define PFTOOL_WORKER_H

#include <stdint.h>
#include <sys/stat.h>

#include "endpoint.h"
#include "output.h"
#include "pbuf.h"
#include "pftool.h"
#include "task.h"

enum {
    PF_PATH_MAX = 4096,
    WALK_BATCH_ENTRIES = 512,     /* entries per ENTRIES message */
    WALK_BATCH_BYTES = 64 << 10,
    OUT_FLUSH_BYTES = 16 << 10,
    INITIAL_CREDITS = 2,
};

/* A directory being read, streamed to the scheduler in batches. */
struct walk_state {
    int active;
    struct ep_dir *dir;
    struct ep *ep;
    uint16_t root;
    uint64_t id;                 /* the dir's record */
    int fresh;                   /* destination dir created just now */
    int failed;
    char *rel;
    char *src;
    struct pbuf batch;
    uint32_t nbatch;
    char **sorted;               /* pfls --sort: lines kept until the end */
    size_t nsorted, capsorted;
};

/* Small files written to a packing endpoint (marfs) share objects: they
 * are stored when the stream ends, so they are published then (pack.c). */
struct pack_file {
    struct pf_task task;
    char *rel, *tmp, *dst;
};

struct pack_slot {
    struct ep *ep;
    struct ep_file *fh;          /* the last file, still open */
    struct pack_file *files;
    size_t n, cap;
};

struct worker {
    struct pf_job *job;
    const struct pf_opts *o;
    struct pf_stats st;          /* since the last report */
    struct pbuf done;            /* encoded completions */
    uint32_t ndone;
    struct pbuf out;             /* records for the output rank */
    char *buf;                   /* I/O buffer of o->block_size bytes */
    uint64_t chunk_size;         /* per root, from options or endpoint */
    struct walk_state walk;
    struct pack_slot pack;
    int credits;
};

/* Reporting (worker.c). */
void wk_done(struct worker *w, const struct pf_task *t, enum pf_status s);
void wk_done_rec(struct worker *w, const struct pf_done *d);
void wk_line(struct worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void wk_warn(struct worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Record a failed source entry for --failed-list (wk_done does it for
 * failed tasks). */
void wk_failed(struct worker *w, uint16_t root, const char *rel);
/* Count and report a failure on path (errno text from err < 0). */
void wk_error(struct worker *w, const char *path, const char *what, int err);
/* Source, destination and (tmp != NULL) destination temporary of a task
 * (copy.c); -ENAMETOOLONG, reported, if one does not fit. */
int wk_task_paths(struct worker *w, const struct pf_task *t,
                  char src[PF_PATH_MAX], char dst[PF_PATH_MAX],
                  char tmp[PF_PATH_MAX]);
void wk_flush_out(struct worker *w, int force);
void wk_send_entries(struct worker *w, uint64_t parent, int done,
                     struct pbuf *batch, uint32_t n);
void wk_send_entries_flags(struct worker *w, uint64_t parent, unsigned flags,
                           struct pbuf *batch, uint32_t n);
/* The directory id is over and its destination could not be made. */
void wk_dir_failed(struct worker *w, uint64_t id);
struct pf_root *wk_root(struct worker *w, uint16_t root);

/* paths.c */
int path_join(char *out, size_t size, const char *base, const char *rel);
/* The temporary (suffix ".pft~") or journal (".pfj~") name for dst. */
int path_temp(char *out, size_t size, const char *dst, const char *suffix);
/* FNV-1a of a name: short stable stand-ins for long names. */
uint64_t path_hash(const char *s);
const char *path_base(const char *path);
int path_is_temp(const char *name);
/* mkdir -p of the parents of path on ep. */
int path_mkparents(struct ep *ep, const char *path);

/* walk.c */
void walk_stat(struct worker *w, const struct pf_task *t);
void walk_begin(struct worker *w, const struct pf_task *t);
void walk_step(struct worker *w);

/* filter.c */
int filter_excluded(const struct pf_opts *o, const char *rel, int is_dir);

/* copy.c */
void copy_item(struct worker *w, const struct pf_task *t);
void copy_link(struct worker *w, const struct pf_task *t);
/* Is the destination already identical (size, mtime, type)? */
int copy_same(const struct stat *src, const struct stat *dst);
/* Look at the destination: 0 copy, 1 identical (skip), <0 failed. */
int copy_check_dest(struct worker *w, const struct pf_task *t,
                    const char *src, const char *dst, int *exists);
int copy_publish(struct worker *w, struct ep *dep, const char *tmp,
                 const char *dst);
void copy_count(struct worker *w, const struct pf_task *t, const char *src,
                const char *dst);
int copy_is_sparse(const struct stat *st);
int copy_range(struct worker *w, struct ep *sep, struct ep_file *sf,
               struct ep *dep, struct ep_file *df, off_t off, off_t len,
               int sparse, int sequential);

/* chunk.c */
void chunk_prep(struct worker *w, const struct pf_task *t);
void chunk_copy(struct worker *w, const struct pf_task *t);
void chunk_finish(struct worker *w, const struct pf_task *t);

/* compare.c */
void compare_item(struct worker *w, const struct pf_task *t);
/* pfcm of a directory itself; nonzero if there is nothing to descend. */
int compare_dir_top(struct worker *w, const struct pf_task *t);
void compare_big_prep(struct worker *w, const struct pf_task *t);
void compare_big_fin(struct worker *w, const struct pf_task *t);
/* Byte comparison of two whole files: 0 same, 1 differ, <0 error. */
int compare_files(struct worker *w, struct ep *aep, const char *a,
                  struct ep *bep, const char *b, off_t size);
void compare_chunk(struct worker *w, const struct pf_task *t);
void compare_extras(struct worker *w, struct ep_dir *srcdir,
                    const char *rel, uint16_t root);
int compare_range(struct worker *w, struct ep *aep, struct ep_file *af,
                  struct ep *bep, struct ep_file *bf, off_t off, off_t len,
                  int *differ);

/* list.c */
void list_entry(struct worker *w, const char *path, const struct stat *st,
                struct ep *ep);
void list_flush_sorted(struct worker *w);
void list_count(struct worker *w, const struct stat *st);

/* pack.c */
/* The handle to continue (NULL: start a new stream); see open_temp. */
struct ep_file *pack_prev(struct worker *w, struct ep *dep);
void pack_prev_closed(struct worker *w);
void pack_add(struct worker *w, const struct pf_task *t, struct ep *dep,
              struct ep_file *df, const char *tmp, const char *dst);
/* End the stream and publish (or fail) every file in it. */
void pack_flush(struct worker *w);

/* purge.c */
void purge_dir(struct worker *w, const struct pf_task *t);

/* meta.c */
unsigned meta_what(const struct worker *w, const struct stat *st);
int meta_apply(struct worker *w, struct ep *ep, const char *path,
               struct ep_file *fh, const struct stat *st);
int meta_copy_xattrs(struct worker *w, struct ep *sep, const char *src,
                     struct ep_file *sf, struct ep *dep, const char *dst,
                     struct ep_file *df);
void meta_dir(struct worker *w, const struct pf_task *t);

/* journal.c */
struct journal_hdr {
    uint64_t size;
    int64_t mtime_sec;
    long mtime_nsec;
    uint64_t chunk;
    uint64_t nchunks;
};
int journal_path(const struct worker *w, const char *dst, char *out,
                 size_t size);
int journal_create(const char *path, const struct journal_hdr *h);
/* Load: 0 and map filled when the header matches h; -ESTALE otherwise. */
int journal_load(const char *path, const struct journal_hdr *h,
                 uint8_t *map);
int journal_append(const char *path, uint64_t chunk);
void journal_remove(const char *path);

/* fault.c: test hooks (--fault), see doc/pftool.md */
int fault_hit(const struct worker *w, const char *point, const char *rel);

/* worker.c */
int worker_run(struct pf_job *job);

#endif
