/*
 * worker.h - the worker role (worker.c): pull tasks from the scheduler
 * and dispatch them to the handlers of tasks.h.
 */
#ifndef PFTOOL_WORKER_H
#define PFTOOL_WORKER_H

#include "pftool.h"

int worker_run(struct pf_job *job);

#endif
