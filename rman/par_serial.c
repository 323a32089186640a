/*
 * par_serial.c - the single-process implementation of par.h (marfs-rman).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "par.h"

const int par_is_mpi = 0;

int par_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

void par_finish(void)
{
}

int par_rank(void)
{
    return 0;
}

int par_size(void)
{
    return 1;
}

int par_gather(const char *buf, size_t len, char **all, size_t *alllen)
{
    *all = malloc(len ? len : 1);
    if (*all == NULL)
        return -ENOMEM;
    memcpy(*all, buf, len);
    *alllen = len;
    return 0;
}

int par_bcast(char **buf, size_t *len)
{
    (void)buf;
    (void)len;
    return 0;
}

int par_bcast_int(int v)
{
    return v;
}

void par_sum(uint64_t *v, size_t n)
{
    (void)v;
    (void)n;
}

void par_abort(int code)
{
    exit(code);
}
