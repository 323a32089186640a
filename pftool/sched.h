/*
 * sched.h - the scheduler role (rank 0): owns the work queues and the
 * records of work in progress, hands out work to whichever worker asks,
 * applies back-pressure, decides when the job is over.  sched.c is the
 * loop and the dispatching; track.c the records (directories whose
 * contents are still being copied, chunked files, hard links).
 */
#ifndef PFTOOL_SCHED_H
#define PFTOOL_SCHED_H

#include <stdio.h>

#include "bqueue.h"
#include "hmap.h"
#include "msg.h"
#include "pftool.h"
#include "task.h"

enum { ROOT_ID = 1 };

#define TICK_SECONDS 0.25     /* progress timer granularity */

enum sched_phase {
    PHASE_COPY = 0,    /* walk + copy / compare / list */
    PHASE_PURGE,       /* pfsync --delete */
    PHASE_FINISH,      /* everything done: waiting for idle workers */
    PHASE_DONE,
};

struct wstate {
    int waiting;        /* has a REQ that got no WORK yet */
    uint32_t queued;    /* tasks it still had when it asked */
    int reading;        /* streaming a directory */
    int pending;        /* holds unreported files: never left waiting */
    int owed;           /* credits held back (back-pressure) */
    int reader;         /* preferred for directories */
};

struct big_rec;

struct sched {
    struct pf_job *job;
    const struct pf_opts *o;
    struct bqueue dirq, fileq, finq;
    struct big_rec *chunk_head, *chunk_tail;   /* chunks left to hand out */
    struct hmap dirs, bigs, hl_ino, hl_id;
    uint64_t next_id;
    struct wstate *ws;          /* indexed by rank */
    int nworkers;
    struct pf_stats total;
    enum sched_phase phase;
    int reads_active;           /* T_DIR handed out, not yet read */
    uint64_t seeds_out;         /* T_STAT not yet done */
    FILE *files_from;
    int ff_delim;
    double t0, last_progress;
    int exit_code;
    int out_done;               /* the output role (here or rank 1) is over */
};

/* track.c */
void track_init(struct sched *s);
void track_free(struct sched *s);
/* Route an entry found by a reader into the right queue. */
void track_entry(struct sched *s, struct pf_task *t);
void track_done(struct sched *s, const struct pf_done *d);
void track_dir_dec(struct sched *s, uint64_t id);
/* The directory's destination could not be made: no T_DIRMETA. */
void track_dir_nometa(struct sched *s, uint64_t id);
/* Encode the next chunk task into b; 0 if there is none. */
int track_next_chunk(struct sched *s, struct pbuf *b);
void track_root_reset(struct sched *s, int64_t pending);
void track_root_hold(struct sched *s, int delta);

/* sched.c */
void sched_phase_done(struct sched *s);
size_t sched_queue_mem(const struct sched *s);
/* The dedicated scheduler rank's loop. */
int sched_run(struct pf_job *job);
/* Its parts, for a rank that interleaves a worker (rank0.c): */
int sched_open(struct sched *s, struct pf_job *job);   /* 0 or exit code */
void sched_tick(struct sched *s);          /* timers, dispatch, the end */
void sched_handle(struct sched *s, struct msg *m);  /* consumes m */
int sched_over(const struct sched *s);     /* the job and its output are over */
int sched_close(struct sched *s);          /* returns the exit code */

#endif
