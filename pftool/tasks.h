/*
 * tasks.h - the task handlers a worker runs: walk.c (directories),
 * copy.c (files, links, special files), chunk.c (big files), compare.c
 * (pfcm), list.c (pfls), purge.c (pfsync --delete), meta.c (metadata and
 * xattrs), pack.c (small files sharing marfs objects), journal.c (restart
 * records of chunked copies), filter.c and fault.c.  Each reports through
 * wctx.h; worker.c dispatches to them.
 */
#ifndef PFTOOL_TASKS_H
#define PFTOOL_TASKS_H

#include "wctx.h"

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
int *pack_status_slot(struct worker *w);
void pack_add(struct worker *w, const struct pf_task *t, struct ep *dep,
              struct ep_file *df, const char *tmp, const char *dst);
/* End the stream and publish (or fail) every file in it. */
void pack_flush(struct worker *w);
/* Files written but not yet reported. */
int pack_pending(const struct worker *w);
void pack_free(struct worker *w);

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

#endif
