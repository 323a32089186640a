/*
 * gc.h - garbage collection of one namespace (gc.c plans, gc_apply.c
 * acts) and the replay of what a killed run left in the write-ahead log
 * (replay.c).  Protocol and proofs: doc/rman.md, "Garbage collection".
 */
#ifndef MARFS_RMAN_GC_H
#define MARFS_RMAN_GC_H

#include <stddef.h>

#include "rman.h"
#include "wal.h"

/* A gc step, as logged: "delobj NAME", "delmarks REF COUNT",
 * "deltree RELPATH INO", "delref NAME". */
struct gc_steps {
    struct wal_step *s;
    size_t n, cap;
};
int gc_steps_add(struct gc_steps *st, const char *action, const char *a0,
                 const char *a1);
void gc_steps_free(struct gc_steps *st);

/* Log, commit and carry out steps in batches (collective). */
int gc_apply(struct rm_ns *ns, struct gc_steps *st);
/* Carry out one step (rank 0 or any rank for delobj); bytes freed in
 * *bytes.  0, or a negative errno (logged). */
int gc_step_do(struct rm_ns *ns, const struct wal_step *s, uint64_t *bytes);
/* Finish a gc batch found in the log. */
int gc_replay(struct rm_ns *ns, struct wal_batch *b);

#endif
