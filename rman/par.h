/*
 * par.h - how marfs-rman's ranks cooperate.  Two implementations are
 * linked into two programs: par_serial.c (marfs-rman: one rank, every
 * call trivial) and par_mpi.c (marfs-rman-mpi, started by mpirun).  Rank
 * 0 decides and writes the write-ahead log; the others share the reading
 * (reference-tree walks, scrub) and the deleting.
 *
 * Every function is collective: all ranks call it in the same order.
 */
#ifndef MARFS_RMAN_PAR_H
#define MARFS_RMAN_PAR_H

#include <stddef.h>
#include <stdint.h>

/* 1 in the MPI program: marfs-rman started by mpirun re-executes it. */
extern const int par_is_mpi;

int par_init(int *argc, char ***argv);
void par_finish(void);
int par_rank(void);
int par_size(void);
/* Concatenate every rank's bytes on rank 0 (rank order); *all is
 * malloc'd there and NULL elsewhere. */
int par_gather(const char *buf, size_t len, char **all, size_t *alllen);
/* Rank 0's bytes to every rank (*buf malloc'd on the others). */
int par_bcast(char **buf, size_t *len);
/* Rank 0's value to every rank. */
int par_bcast_int(int v);
/* Element-wise sum over the ranks, result on every rank. */
void par_sum(uint64_t *v, size_t n);
/* Kill the whole job (a rank that cannot go on). */
void par_abort(int code);

#endif
