/*
 * pftool.c - the MPI program behind pfcp, pfsync, pfls and pfcm: set-up,
 * the rank layout, running each rank's role, the common exit code.
 *
 * Layout (doc/pftool.md): rank 0 schedules; with 4 or more ranks rank 1
 * is the output rank, else rank 0 also prints and works (rank0.c): with
 * 2 or 3 ranks a rank that only schedules would leave a core idle.  All
 * other ranks are workers, the first quarter of them (at least one)
 * preferring to read directories.  Roles are preferences: any worker
 * runs any task.
 */
#include <errno.h>
#include <fcntl.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "endpoint.h"
#include "log.h"
#include "msg.h"
#include "output.h"
#include "rank0.h"
#include "pftool.h"
#include "sched.h"
#include "worker.h"

enum { OUTPUT_RANK_MIN_RANKS = 4 };

static void layout(struct pf_job *job)
{
    int few = job->nranks < OUTPUT_RANK_MIN_RANKS;
    job->output_rank = few ? 0 : 1;
    job->first_worker = few ? 0 : job->output_rank + 1;
    /* readers: not rank 0, which answers everyone between its tasks */
    job->first_reader = job->first_worker > 0 ? job->first_worker : 1;
    int nworkers = job->nranks - job->first_reader;
    job->nreaders = (nworkers + 2) / 4;
    if (job->nreaders < 1)
        job->nreaders = 1;
    if (job->rank == 0)
        job->role = PF_ROLE_SCHED;
    else if (job->rank == job->output_rank)
        job->role = PF_ROLE_OUTPUT;
    else if (job->rank < job->first_reader + job->nreaders)
        job->role = PF_ROLE_READER;
    else
        job->role = PF_ROLE_WORKER;
}

/* Endpoints and chunk sizes of every root (on every rank). */
static int open_endpoints(struct pf_job *job)
{
    const struct pf_opts *o = &job->opts;
    for (int i = 0; i < job->nroots; i++) {
        struct pf_root *r = &job->roots[i];
        int rc = ep_for_path(r->src, o, &r->src_ep);
        if (rc == 0 && r->dst)
            rc = ep_for_path(r->dst, o, &r->dst_ep);
        if (rc < 0) {
            LOG_ERR("%s: no usable endpoint: %s", r->dst ? r->dst : r->src,
                    strerror(-rc));
            return rc;
        }
        if (r->dst && !(r->dst_ep->caps & EP_CAP_WRITE) &&
            o->cmd != PF_CMD_CM) {
            LOG_ERR("%s: cannot be written to", r->dst);
            return -EROFS;
        }
        r->chunk = o->chunk_size;
        if (r->chunk == 0 && r->dst_ep && r->dst_ep->ops->chunk_size)
            r->chunk = r->dst_ep->ops->chunk_size(r->dst_ep, r->dst);
        if (r->chunk == 0)
            r->chunk = r->dst ? PF_DEFAULT_CHUNK : UINT64_MAX;
    }
    return 0;
}

static int agree(int rc)
{
    int worst = rc;
    MPI_Request req;
    MPI_Iallreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &req);
    msg_complete(&req);
    return worst;
}

/* Parse on every rank, but only rank 0 may print usage or help. */
static int parse_quietly(struct pf_job *job, int argc, char **argv)
{
    if (job->rank == 0)
        return pf_parse_opts(argc, argv, &job->opts);
    int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    int rc = pf_parse_opts(argc, argv, &job->opts);
    fflush(stdout);
    fflush(stderr);
    dup2(out, 1);
    dup2(err, 2);
    close(out);
    close(err);
    close(null);
    return rc;
}

static int setup(struct pf_job *job, int argc, char **argv)
{
    int rc = parse_quietly(job, argc, argv);
    mlog_init(job->opts.prog, job->rank);
    if (rc != 0)
        return rc > 0 ? -1 : PF_EXIT_USAGE;
    if (job->nranks < 2) {
        if (job->rank == 0)
            fprintf(stderr, "%s: needs at least 2 MPI ranks (got %d)\n",
                    job->opts.prog, job->nranks);
        return PF_EXIT_USAGE;
    }
    if (job->opts.files_from && access(job->opts.files_from, R_OK) < 0) {
        if (job->rank == 0)
            fprintf(stderr, "%s: %s: %s\n", job->opts.prog, job->opts.files_from,
                    strerror(errno));
        return PF_EXIT_USAGE;
    }
    if (pf_make_roots(job) < 0)
        return PF_EXIT_USAGE;
    layout(job);
    return agree(open_endpoints(job) < 0 ? PF_EXIT_USAGE : 0);
}

/*
 * With $PFTOOL_STATUS_FILE (set by the front-ends) rank 0 writes the exit
 * code there and every rank exits 0: mpirun then prints no abort notice
 * for an ordinary "some files failed", and the front-end exits with the
 * code.  Without it, every rank returns the code itself.
 */
static int report_status(const struct pf_job *job, int rc)
{
    const char *path = getenv("PFTOOL_STATUS_FILE");
    if (path == NULL || *path == '\0')
        return rc;
    if (job->rank == 0) {
        FILE *f = fopen(path, "w");
        if (f == NULL || fprintf(f, "%d\n", rc) < 0 || fclose(f) != 0)
            return rc;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct pf_job job;
    memset(&job, 0, sizeof(job));
    /* setuid: roots opened and privileges gone before MPI or any path */
    if (pf_setuid_start(argc, argv) != 0)
        return PF_EXIT_FATAL;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &job.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &job.nranks);
    int rc = setup(&job, argc, argv);
    if (rc == 0) {
        switch (job.role) {
        case PF_ROLE_SCHED:
            rc = job.first_worker == 0 ? rank0_run(&job) : sched_run(&job);
            break;
        case PF_ROLE_OUTPUT: output_run(&job); break;
        default: worker_run(&job); break;
        }
        MPI_Request req;
        MPI_Ibcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD, &req);
        msg_complete(&req);
    } else if (rc < 0) {
        rc = PF_EXIT_OK;                 /* --help */
    }
    fflush(stdout);
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        LOG_DEBUG("peak RSS %ld KiB", ru.ru_maxrss);
    ep_term_all();
    MPI_Finalize();
    return report_status(&job, rc);
}
