/*
 * rank0.h - rank 0 of a small job (2 or 3 ranks): scheduler, output and
 * a worker in one thread (rank0.c).
 */
#ifndef PFTOOL_RANK0_H
#define PFTOOL_RANK0_H

#include "pftool.h"

int rank0_run(struct pf_job *job);

#endif
