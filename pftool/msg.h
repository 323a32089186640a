/*
 * msg.h - the MPI transport of the engine: message tags, non-blocking
 * sends that never deadlock against a peer that is itself sending, and
 * receiving that sleeps (with back-off) instead of spinning, so idle
 * ranks leave the CPU to the workers on small nodes.
 */
#ifndef PFTOOL_MSG_H
#define PFTOOL_MSG_H

#include <mpi.h>
#include <stddef.h>

#include "pbuf.h"

enum pf_tag {
    TAG_REQ = 1,      /* worker -> sched: completions, stats, want work */
    TAG_ENTRIES,      /* worker -> sched: entries found while reading */
    TAG_WORK,         /* sched -> worker: a batch of tasks */
    TAG_CREDIT,       /* sched -> worker: one more ENTRIES may be sent */
    TAG_EXIT,         /* sched -> worker/output: the job is over */
    TAG_OUT,          /* any -> output: records to print (output.h) */
    TAG_PROGRESS,     /* sched -> output: stats snapshot */
    TAG_SUMMARY,      /* sched -> output: final stats */
    TAG_OUT_FIN,      /* worker -> output: no more records from me */
    TAG_ROOTS,        /* rank 0 -> all: the copy roots (broadcast) */
};

/* Flags of a REQ (its first byte). */
enum pf_req_flag {
    REQ_READING = 1 << 0,     /* streaming a directory: no T_DIR please */
    REQ_PENDING = 1 << 1,     /* holds finished files not yet reported (a
                               * pack stream): answer even with no work,
                               * so it reports them instead of waiting */
};

struct msg {
    int src;
    int tag;
    char *data;
    size_t len;
};

/* Send b's bytes to dest (b is emptied; the bytes are freed when sent). */
void msg_send(int dest, int tag, struct pbuf *b);
/* Complete finished sends; returns how many are still in flight. */
int msg_progress(void);
/* Wait until every send has completed. */
void msg_flush(void);
/* Receive one message if any is waiting (1) or return 0 at once. */
int msg_poll(struct msg *m);
/* Wait (sleeping with back-off) until a message arrives. */
void msg_wait(struct msg *m);
/* Same, for at most timeout seconds: 1 with a message, 0 on timeout. */
int msg_wait_for(struct msg *m, double timeout);
void msg_free(struct msg *m);
/* Complete a non-blocking collective (MPI_Ibcast...), napping like a
 * receive: a blocking collective would spin, and with yield_when_idle
 * off (the front-ends' default) take a core from the ranks working. */
void msg_complete(MPI_Request *req);
/* Nanoseconds slept waiting, for the idle statistics (debug log). */
unsigned long long msg_idle_ns(void);

#endif
