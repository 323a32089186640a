/*
 * rank0.c - rank 0 of a small job: it schedules, prints and works.
 *
 * Why: with 2 ranks a scheduler rank of its own leaves one worker for
 * two cores (the scheduler sleeps most of the time), so a 2-rank job ran
 * at one core's speed where dwalk or dcp use both.  Here one thread
 * interleaves the three roles; they talk through the same messages as
 * across ranks (sends to itself go through msg.c's FIFO), so the
 * scheduler and the worker need no shared state.  Between its units of
 * work (one task, one batch of a directory) the loop answers every
 * waiting message, and long tasks call back (pf_service, between
 * blocks) so other workers are not kept waiting for a reply while rank
 * 0 copies a big chunk.
 */
#include <stddef.h>

#include "msg.h"
#include "rank0.h"
#include "sched.h"
#include "worker.h"

struct rank0 {
    struct sched s;
    struct wrun *w;
    struct pf_service svc;
    int serving;            /* inside svc: do not recurse */
};

static void route(struct rank0 *z, struct msg *m)
{
    if (worker_tag(m->tag))
        worker_handle(z->w, m);
    else
        sched_handle(&z->s, m);
}

/* Every waiting message, then the scheduler's timers and decisions
 * (the end of the job is decided there, after the last REQ is in).
 * Returns how many messages there were. */
static int serve_all(struct rank0 *z)
{
    struct msg m;
    int n = 0;
    for (; msg_poll(&m); n++)
        route(z, &m);
    sched_tick(&z->s);
    return n;
}

/* Called by the worker between blocks of a long task. */
static void serve_hook(struct pf_service *svc)
{
    struct rank0 *z = (struct rank0 *)((char *)svc - offsetof(struct rank0, svc));
    if (z->serving)
        return;
    z->serving = 1;
    serve_all(z);
    z->serving = 0;
}

int rank0_run(struct pf_job *job)
{
    struct rank0 z = { .svc = { .fn = serve_hook } };
    int rc = sched_open(&z.s, job);
    if (rc)
        return rc;
    z.w = worker_open(job, &z.svc);
    while (!sched_over(&z.s)) {
        int did = worker_step(z.w);     /* -1 once it is finished */
        struct msg m;
        /* nothing ran and nothing came: sleep until a message (or the
         * next tick) */
        if (serve_all(&z) == 0 && did <= 0 && !sched_over(&z.s) &&
            msg_wait_for(&m, TICK_SECONDS)) {
            route(&z, &m);
            serve_all(&z);
        }
    }
    rc = sched_close(&z.s);
    worker_close(z.w);
    return rc;
}
