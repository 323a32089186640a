/*
 * wal.h - the write-ahead log of a namespace (<nsdir>/rman/wal): every
 * destructive step of marfs-rman is written here, and made durable,
 * before it is done; the next run finishes (or, for a repack whose new
 * objects were not all written, rolls back) whatever a killed run left.
 * Format (text, versioned): doc/rman.md, "Write-ahead log".
 *
 * Test hooks: with MARFS_RMAN_CRASH_AT=K in the environment the process
 * kills itself (SIGKILL) right after appending its K-th record, so tests
 * can stop a run at every step in turn; MARFS_RMAN_STEP_DELAY_MS=M makes
 * it pause M ms after every record.
 */
#ifndef MARFS_RMAN_WAL_H
#define MARFS_RMAN_WAL_H

#include <stddef.h>

#include "rman.h"

#define WAL_VERSION 1
#define WAL_MAX_ARGS 4

struct rm_wal;

int wal_open(struct rm_ns *ns, struct rm_wal **out);
void wal_close(struct rm_wal *w);

/* Start a batch of kind ("gc", "repack"); its id in *batch. */
int wal_begin(struct rm_wal *w, const char *kind, unsigned *batch);
/* Intent of step `step`: action and up to WAL_MAX_ARGS arguments (no tab
 * or newline in them). */
int wal_intent(struct rm_wal *w, unsigned batch, unsigned step,
               const char *action, const char *const *args, size_t nargs);
/* Steps 0..nsteps-1 are decided: flush the log to disk. */
int wal_commit(struct rm_wal *w, unsigned batch, unsigned nsteps);
int wal_done(struct rm_wal *w, unsigned batch, unsigned step);
int wal_end(struct rm_wal *w, unsigned batch);
/* Empty the log (every batch ended). */
int wal_clear(struct rm_wal *w);

/* ---- reading it back -------------------------------------------------- */
struct wal_step {
    unsigned step;
    char action[16];
    char *args[WAL_MAX_ARGS];
    size_t nargs;
    int done;
};

struct wal_batch {
    unsigned id;
    char kind[16];
    struct wal_step *s;
    size_t n;
    unsigned committed;        /* steps below this were committed */
    int ended;
};

/* The batches in the log (a torn last line is ignored). */
int wal_load(struct rm_wal *w, struct wal_batch **out, size_t *n);
void wal_batches_free(struct wal_batch *b, size_t n);
/* Step `step` of a batch, or NULL. */
struct wal_step *wal_step_of(struct wal_batch *b, unsigned step);

#endif
