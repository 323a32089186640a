/*
 * par_mpi.c - par.h over MPI (marfs-rman-mpi): the only file of the
 * resource manager that sees MPI.
 */
#include <errno.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "par.h"

const int par_is_mpi = 1;

static int rank, size = 1;

int par_init(int *argc, char ***argv)
{
    if (MPI_Init(argc, argv) != MPI_SUCCESS)
        return -EIO;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return 0;
}

void par_finish(void)
{
    MPI_Finalize();
}

int par_rank(void)
{
    return rank;
}

int par_size(void)
{
    return size;
}

int par_gather(const char *buf, size_t len, char **all, size_t *alllen)
{
    /* sizes first (64-bit), then the bytes in pieces below INT_MAX */
    unsigned long long mine = len, *lens = NULL;
    int rc = 0;
    *all = NULL;
    *alllen = 0;
    if (rank == 0 && (lens = calloc((size_t)size, sizeof(*lens))) == NULL)
        rc = -ENOMEM;
    MPI_Gather(&mine, 1, MPI_UNSIGNED_LONG_LONG, lens, 1,
               MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    if (rank != 0) {
        for (size_t off = 0; off < len; off += 1 << 30) {
            size_t n = len - off < (1u << 30) ? len - off : 1u << 30;
            MPI_Send(buf + off, (int)n, MPI_BYTE, 0, 7, MPI_COMM_WORLD);
        }
        return 0;
    }
    size_t total = 0;
    for (int r = 0; rc == 0 && r < size; r++)
        total += (size_t)lens[r];
    char *out = rc == 0 ? malloc(total ? total : 1) : NULL;
    if (out == NULL)
        par_abort(3);
    memcpy(out, buf, len);
    size_t at = len;
    for (int r = 1; r < size; r++)
        for (size_t off = 0; off < lens[r]; off += 1 << 30) {
            size_t n = lens[r] - off < (1u << 30) ? lens[r] - off : 1u << 30;
            MPI_Recv(out + at, (int)n, MPI_BYTE, r, 7, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            at += n;
        }
    free(lens);
    *all = out;
    *alllen = total;
    return 0;
}

int par_bcast(char **buf, size_t *len)
{
    unsigned long long n = rank == 0 ? *len : 0;
    MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    if (rank != 0) {
        *len = (size_t)n;
        if ((*buf = malloc(n ? n : 1)) == NULL)
            par_abort(3);
    }
    for (size_t off = 0; off < n; off += 1 << 30) {
        size_t k = n - off < (1u << 30) ? n - off : 1u << 30;
        MPI_Bcast(*buf + off, (int)k, MPI_BYTE, 0, MPI_COMM_WORLD);
    }
    return 0;
}

int par_bcast_int(int v)
{
    MPI_Bcast(&v, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return v;
}

void par_sum(uint64_t *v, size_t n)
{
    MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_UINT64_T, MPI_SUM,
                  MPI_COMM_WORLD);
}

void par_abort(int code)
{
    LOG_ERR("rank %d: aborting the job", rank);
    MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}
