/*
 * main.c - marfs-rman: parse the command line, choose the namespaces,
 * run the actions on each in a fixed order (list-deleted, repack, gc,
 * scrub, rebuild, quota, report), print the summary line and exit
 * 0 (all done), 1 (something failed, was lost, or damage is left),
 * 2 (usage or config error), 3 (fatal).
 *
 * Started by mpirun, the serial program re-executes the MPI one
 * (marfs-rman-mpi, installed beside it) so `mpirun -np K marfs-rman` works.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions.h"
#include "log.h"
#include "par.h"
#include "rman.h"
#include "tool_common.h"

static void maybe_exec_mpi(char **argv)
{
    const char *size = getenv("OMPI_COMM_WORLD_SIZE");
    if (par_is_mpi || size == NULL || atoi(size) < 2)
        return;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 16);
    if (n <= 0)
        return;
    self[n] = '\0';
    /* libtool wrappers run .libs/lt-marfs-rman: strip the prefix */
    char *slash = strrchr(self, '/');
    if (slash != NULL && strncmp(slash + 1, "lt-", 3) == 0)
        memmove(slash + 1, slash + 4, strlen(slash + 4) + 1);
    strcat(self, "-mpi");
    execv(self, argv);
    fprintf(stderr, "marfs-rman: started by mpirun with %s ranks but %s "
            "cannot run (%s); running one process per rank would race\n",
            size, self, strerror(errno));
    exit(TOOL_FATAL);
}

/* --ns PATH: a namespace path ("/proj") or its marfs path. */
static const struct mcfg_ns *ns_arg(const struct mcfg *cfg, const char *arg)
{
    const struct mcfg_ns *ns = mcfg_ns_by_path(cfg, arg);
    char rel[PATH_MAX];
    if (ns == NULL && mcfg_lookup(cfg, arg, &ns, rel, sizeof(rel)) == 0 &&
        rel[0] != '\0')
        ns = NULL;
    if (ns == NULL)
        fprintf(stderr, "marfs-rman: no namespace '%s' in %s\n", arg,
                cfg->file);
    return ns;
}

struct run {
    const struct mcfg *cfg;
    struct rm_opts o;
    struct rm_summary sum;
    ne_ctx_t **ne;             /* by repo index */
};

static ne_ctx_t *ne_of(struct run *r, const struct mcfg_repo *repo)
{
    size_t i = (size_t)(repo - r->cfg->repos);
    if (r->ne[i] == NULL && ne_ctx_create(repo, &r->ne[i]) < 0) {
        fprintf(stderr, "marfs-rman: repo %s: cannot set up its data "
                "store\n", repo->name);
        return NULL;
    }
    return r->ne[i];
}

static int note(struct rm_ns *ns, int rc)
{
    if (rc < 0 && rc != -EBUSY)
        ns->sum->errors++;
    return rc;
}

/* Take the run lock and finish what a killed run left (this rank). */
static int lock_and_replay(struct rm_ns *ns, unsigned actions)
{
    int rc = 0;
    if (actions & RM_LOCKED) {
        /* a dry run too: its view must not change under it; replay then
         * only says what it would finish */
        rc = rm_lock(ns);
        if (rc == 0)
            rc = rm_replay(ns);
        if (rc == -EBUSY)
            ns->sum->errors++;
    }
    return rc;
}

/* The same for all ranks: rank 0 decides. */
static int prepare(struct rm_ns *ns, unsigned actions)
{
    int rc = par_rank() == 0 ? lock_and_replay(ns, actions) : 0;
    return par_bcast_int(rc);
}

static void run_ns(struct run *r, const struct mcfg_ns *c)
{
    struct rm_ns *ns;
    unsigned a = r->o.actions;
    ne_ctx_t *ne = ne_of(r, c->repo);
    if (ne == NULL || rm_ns_open(r->cfg, c, ne, &r->o, &r->sum, &ns) < 0) {
        r->sum.errors++;
        return;
    }
    r->sum.namespaces++;
    if (note(ns, prepare(ns, a & ~(unsigned)RM_UNDELETE)) == 0) {
        if ((a & RM_LIST_DELETED) && par_rank() == 0)
            note(ns, rm_list_deleted(ns));
        if (a & RM_REPACK)
            note(ns, rm_repack(ns));
        if (a & RM_GC)
            note(ns, rm_gc(ns));
        if (a & RM_SCRUB)
            note(ns, rm_scrub(ns));
        if (a & RM_REBUILD)
            note(ns, rm_rebuild(ns));
        if (a & RM_QUOTA)
            note(ns, rm_quota(ns));
    }
    rm_ns_close(ns);
}

/* --report (rank 0), after every action, so the table is in one piece. */
static void report(struct run *r, const struct mcfg_ns **sel, size_t nsel)
{
    rm_report_begin(&r->o);
    for (size_t i = 0; i < nsel; i++) {
        struct rm_ns *ns;
        ne_ctx_t *ne = ne_of(r, sel[i]->repo);
        if (ne == NULL ||
            rm_ns_open(r->cfg, sel[i], ne, &r->o, &r->sum, &ns) < 0) {
            r->sum.errors++;
            continue;
        }
        rm_report_ns(ns, i == 0);
        rm_ns_close(ns);
    }
    rm_report_end(&r->o);
}

/* --undelete PATH... (rank 0): each path names its namespace. */
static void undelete(struct run *r)
{
    const char *target = r->o.to;
    for (size_t i = 0; i < r->o.npaths; i++) {
        const char *arg = r->o.paths[i];
        const char *ref = strncmp(arg, "ref=", 4) == 0 ? arg + 4 : NULL;
        const char *dest = target ? target : arg;
        const struct mcfg_ns *c;
        char rel[PATH_MAX], mpath[PATH_MAX];
        if (ref != NULL && target == NULL) {
            fprintf(stderr, "marfs-rman: undelete %s: give the path to "
                    "restore it as with --to\n", arg);
            r->sum.errors++;
            continue;
        }
        if (mcfg_lookup(r->cfg, dest, &c, rel, sizeof(rel)) < 0 ||
            (!ref && strlen(arg) < strlen(r->cfg->mnt_top))) {
            fprintf(stderr, "marfs-rman: undelete %s: not a path below %s\n",
                    dest, r->cfg->mnt_top);
            r->sum.errors++;
            continue;
        }
        snprintf(mpath, sizeof(mpath), "%s", ref ? "" :
                 arg + strlen(r->cfg->mnt_top));
        struct rm_ns *ns;
        ne_ctx_t *ne = ne_of(r, c->repo);
        if (ne == NULL || rm_ns_open(r->cfg, c, ne, &r->o, &r->sum, &ns) < 0) {
            r->sum.errors++;
            continue;
        }
        if (note(ns, lock_and_replay(ns, RM_UNDELETE)) == 0)
            note(ns, rm_undelete_one(ns, arg, mpath, ref, rel));
        rm_ns_close(ns);
    }
}

static int exit_code(const struct run *r)
{
    const struct rm_summary *s = &r->sum;
    if (s->errors > 0 || s->objects_lost > 0)
        return TOOL_FAILED;
    /* damage found and not rebuilt in this run needs attention */
    if (s->crc_errors > 0 && !(r->o.actions & RM_REBUILD))
        return TOOL_FAILED;
    return TOOL_OK;
}

int main(int argc, char **argv)
{
    struct run r = {0};
    /* before anything else, even the exec of the MPI variant */
    if (tool_admin_only("marfs-rman") < 0)
        return TOOL_USAGE;
    maybe_exec_mpi(argv);
    if (par_init(&argc, &argv) < 0) {
        fprintf(stderr, "marfs-rman: MPI did not start\n");
        return TOOL_FATAL;
    }
    mlog_init("marfs-rman", par_size() > 1 ? par_rank() : -1);
    int rc = rm_opts_parse(argc, argv, &r.o);
    if (rc == 0 && rm_log_open(&r.o, "marfs-rman") < 0)
        rc = TOOL_FATAL;
    if (rc == 0 && mcfg_load(r.o.config, stderr, &r.cfg) < 0)
        rc = TOOL_USAGE;
    if (rc == 0 && (r.ne = calloc(r.cfg->nrepos, sizeof(*r.ne))) == NULL)
        rc = TOOL_FATAL;
    const struct mcfg_ns **sel = NULL;
    size_t nsel = 0;
    if (rc == 0) {
        nsel = r.o.nns ? r.o.nns : r.cfg->nns;
        sel = calloc(nsel + 1, sizeof(*sel));
        for (size_t i = 0; sel && i < nsel; i++)
            if ((sel[i] = r.o.nns ? ns_arg(r.cfg, r.o.ns[i])
                                  : r.cfg->all_ns[i]) == NULL)
                rc = TOOL_USAGE;
    }
    if (rc == 0 && (r.o.actions & ~(unsigned)(RM_UNDELETE | RM_REPORT)))
        for (size_t i = 0; i < nsel; i++)
            run_ns(&r, sel[i]);
    if (rc == 0 && (r.o.actions & RM_REPORT) && par_rank() == 0)
        report(&r, sel, nsel);
    if (rc == 0 && (r.o.actions & RM_UNDELETE) && par_rank() == 0)
        undelete(&r);
    par_sum((uint64_t *)&r.sum, RM_SUMMARY_FIELDS);
    if (rc == 0 && par_rank() == 0) {
        if (par_size() > 1)     /* every rank counted its namespaces */
            r.sum.namespaces /= (uint64_t)par_size();
        /* a listing is the whole output of --list-deleted / --report */
        if ((r.o.actions & ~(unsigned)(RM_LIST_DELETED | RM_REPORT)) ||
            r.sum.errors > 0)
            rm_summary_print(&r.o, &r.sum);
    }
    for (size_t i = 0; r.ne && r.cfg && i < r.cfg->nrepos; i++)
        if (r.ne[i] != NULL)
            ne_ctx_destroy(r.ne[i]);
    free(r.ne);
    free(sel);
    free(r.o.ns);
    if (r.cfg != NULL)
        mcfg_free(r.cfg);
    rm_log_close();
    if (rc == -1)
        rc = 0;
    if (rc == 0)
        rc = exit_code(&r);
    par_finish();
    return rc;
}
