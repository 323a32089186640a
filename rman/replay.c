/*
 * replay.c - finish what a killed run left in a namespace's write-ahead
 * log, before anything else is done to the namespace: gc batches are
 * rolled forward, repack batches forward or back (repack.c).
 */
#include <errno.h>
#include <string.h>

#include "actions.h"
#include "gc.h"
#include "log.h"
#include "repack.h"

int rm_replay(struct rm_ns *ns)
{
    struct wal_batch *b;
    size_t n;
    int rc = wal_load(ns->wal, &b, &n);
    if (rc < 0)
        return rc;
    size_t open = 0;
    for (size_t i = 0; i < n; i++)
        open += !b[i].ended;
    if (open > 0 && ns->o->dry_run)
        rm_act(ns->o, "namespace %s: the write-ahead log holds %zu unfinished "
               "batch(es) of a killed run; a real run finishes them first",
               ns->ns->path, open);
    for (size_t i = 0; rc == 0 && !ns->o->dry_run && i < n; i++) {
        if (b[i].ended)
            continue;
        if (strcmp(b[i].kind, "gc") == 0)
            rc = gc_replay(ns, &b[i]);
        else if (strcmp(b[i].kind, "repack") == 0)
            rc = repack_replay(ns, &b[i]);
        else
            rc = -EPROTO;
        if (rc < 0)
            LOG_ERR("namespace %s: cannot finish batch %u (%s) of the "
                    "write-ahead log: %s", ns->ns->path, b[i].id, b[i].kind,
                    strerror(-rc));
    }
    if (rc == 0 && n > 0 && !ns->o->dry_run)
        rc = wal_clear(ns->wal);
    wal_batches_free(b, n);
    return rc;
}
