/*
 * nsctx.c - the context of one namespace in a run (struct rm_ns): its
 * metadata handle and the "rman" directory of its namespace directory,
 * where the run lock, the write-ahead log and the scrub position live.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "rman.h"
#include "wal.h"

int rm_ns_open(const struct mcfg *cfg, const struct mcfg_ns *ns,
               ne_ctx_t *ne, const struct rm_opts *o, struct rm_summary *sum,
               struct rm_ns **out)
{
    struct rm_ns *x = calloc(1, sizeof(*x));
    if (x == NULL)
        return -ENOMEM;
    x->cfg = cfg;
    x->ns = ns;
    x->repo = ns->repo;
    x->o = o;
    x->sum = sum;
    x->ne = ne;
    x->rmfd = x->lockfd = -1;
    int rc = mdal_ns_open(ns, 1, &x->md);
    if (rc == 0) {
        char path[4096];
        rc = rm_ns_path(x, "rman", path, sizeof(path));
        if (rc == 0 && mkdir(path, 0700) != 0 && errno != EEXIST)
            rc = -errno;
        if (rc == 0 &&
            (x->rmfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
            rc = -errno;
        if (rc < 0)
            LOG_ERR("namespace %s: cannot use %s: %s", ns->path, path,
                    strerror(-rc));
    }
    if (rc < 0) {
        rm_ns_close(x);
        return rc;
    }
    *out = x;
    return 0;
}

void rm_ns_close(struct rm_ns *x)
{
    if (x == NULL)
        return;
    rm_unlock(x);
    if (x->rmfd >= 0)
        close(x->rmfd);
    mdal_ns_close(x->md);
    free(x);
}

int rm_ns_path(const struct rm_ns *x, const char *rel, char *buf,
               size_t bufsz)
{
    int n = snprintf(buf, bufsz, "%s/%s", x->md->dir, rel);
    return n < 0 || (size_t)n >= bufsz ? -ENAMETOOLONG : 0;
}
