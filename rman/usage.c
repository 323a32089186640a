/*
 * usage.c - recount a namespace's usage from its reference tree and
 * correct the live counters (--quota).
 *
 * The library's rule (doc/metadata-format.md, "Usage counters"): a file
 * counts from creation until its last user link goes; its bytes count
 * from completion.  In the reference tree that is: every regular entry
 * with more than one link (the ref entry plus user links) is one file,
 * and a complete tag adds its size.  Processes batch their counter
 * updates, so the recount is exact when no writer has unflushed changes
 * (run it when the namespace is quiet, or again).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "files.h"
#include "actions.h"
#include "log.h"
#include "par.h"
#include "quota.h"

static int recount(struct rm_ns *ns, struct rm_files *fs)
{
    int64_t files = 0, bytes = 0, df = 0, db = 0;
    for (size_t i = 0; i < fs->n; i++) {
        const struct rm_file *f = &fs->f[i];
        if (f->kind == RF_RETIRED || f->nlink < 2)
            continue;
        files++;
        if (f->kind == RF_FILE && f->complete)
            bytes += (int64_t)f->size;
    }
    uint64_t cf, cb;
    quota_usage(ns->md->quota, &cf, &cb);
    int rc = 0;
    if (ns->o->dry_run) {
        df = files - (int64_t)cf;
        db = bytes - (int64_t)cb;
    } else {
        rc = quota_set(ns->md->quota, files, bytes, &df, &db);
    }
    if (rc < 0) {
        LOG_ERR("quota %s: cannot write the usage counters: %s", ns->ns->path,
                strerror(-rc));
        return rc;
    }
    if (df != 0 || db != 0) {
        ns->sum->usage_corrections++;
        rm_say(ns->o, "quota %s: files %" PRId64 " -> %" PRId64 ", bytes %"
               PRId64 " -> %" PRId64 " (%s)", ns->ns->path, files - df, files,
               bytes - db, bytes, ns->o->dry_run ? "would correct" : "corrected");
    } else {
        rm_act(ns->o, "quota %s: files %" PRId64 ", bytes %" PRId64 ": exact",
               ns->ns->path, files, bytes);
    }
    return 0;
}

int rm_quota(struct rm_ns *ns)
{
    struct rm_files fs = {0};
    int rc = files_walk_all(ns, &fs);
    if (rc == 0 && par_rank() == 0) {
        ns->sum->files_examined += fs.n;
        rc = recount(ns, &fs);
    }
    files_free(&fs);
    return par_bcast_int(rc);
}
