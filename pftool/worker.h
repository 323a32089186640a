/*
 * worker.h - the worker role (worker.c): pull tasks from the scheduler
 * and dispatch them to the handlers of tasks.h.
 *
 * worker_run is a worker rank's whole life.  The pieces below it let the
 * scheduler rank run a worker too (rank0.c), interleaved in its own loop:
 * messages with a worker's tags go to worker_handle, and worker_step runs
 * one unit of work at a time.
 */
#ifndef PFTOOL_WORKER_H
#define PFTOOL_WORKER_H

#include "msg.h"
#include "pftool.h"

struct wrun;
struct pf_service;

int worker_run(struct pf_job *job);

/* svc (may be NULL): called between blocks of long tasks (wctx.h). */
struct wrun *worker_open(struct pf_job *job, struct pf_service *svc);
/* 1 if a message with this tag is for the worker role. */
int worker_tag(int tag);
/* Take a message for the worker (consumed). */
void worker_handle(struct wrun *r, struct msg *m);
/* Run one unit: 1 ran something, 0 nothing until a message comes, -1 the
 * worker is finished (its TAG_OUT_FIN is sent). */
int worker_step(struct wrun *r);
void worker_close(struct wrun *r);

#endif
