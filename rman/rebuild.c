/*
 * rebuild.c - regenerate damaged blocks: of the objects readers and
 * scrubs flagged (the namespace's "damaged" list), or with --scan of
 * every object the reference tree names, optionally only those with a
 * block at a --location (a replaced disk).  An object with more damaged
 * blocks than parity is lost: it is reported with the files it holds.
 *
 * The damaged list is renamed aside before it is read (readers keep
 * appending to a new one); what could not be fixed is appended back.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "actions.h"
#include "log.h"
#include "par.h"

struct job {
    char **name;
    uint8_t *flagged;       /* from the damaged list (else --scan) */
    size_t n, cap;
    const char **retry;     /* flagged ones to keep in the list */
    size_t nretry;
};

static int add(struct job *j, const char *name, int flagged)
{
    for (size_t i = 0; flagged && i < j->n; i++)
        if (strcmp(j->name[i], name) == 0)
            return 0;
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 64;
        char **a = realloc(j->name, cap * sizeof(*a));
        if (a == NULL)
            return -ENOMEM;
        j->name = a;
        uint8_t *b = realloc(j->flagged, cap);
        if (b == NULL)
            return -ENOMEM;
        j->flagged = b;
        j->cap = cap;
    }
    if ((j->name[j->n] = strdup(name)) == NULL)
        return -ENOMEM;
    j->flagged[j->n++] = (uint8_t)flagged;
    return 0;
}

static int at_location(struct rm_ns *ns, const char *name)
{
    const struct rm_location *l = &ns->o->loc;
    if (!ns->o->has_location)
        return 1;
    for (unsigned b = 0; b < ns->repo->n + ns->repo->e; b++) {
        struct dal_loc loc;
        ne_block_loc(ns->ne, name, b, &loc);
        if ((l->pod < 0 || (unsigned)l->pod == loc.pod) &&
            (l->cap < 0 || (unsigned)l->cap == loc.cap) &&
            (l->scatter < 0 || (unsigned)l->scatter == loc.scatter) &&
            (l->block < 0 || (unsigned)l->block == loc.block))
            return 1;
    }
    return 0;
}

/* The flagged objects: the damaged list moved aside (with what a killed
 * rebuild left there). */
static int read_flagged(struct rm_ns *ns, struct job *j)
{
    char list[4096], work[4096];
    int rc = rm_ns_path(ns, MDAL_DAMAGED_FILE, list, sizeof(list));
    if (rc == 0)
        rc = rm_ns_path(ns, "rman/damaged.work", work, sizeof(work));
    if (rc < 0)
        return rc;
    FILE *in = fopen(list, "r"), *out = fopen(work, "a");
    if (out == NULL) {
        if (in != NULL)
            fclose(in);
        return -errno;
    }
    char line[512];
    while (in != NULL && fgets(line, sizeof(line), in) != NULL)
        fputs(line, out);
    if (in != NULL)
        fclose(in);
    if (fflush(out) != 0 || fsync(fileno(out)) != 0)
        rc = -errno;
    fclose(out);
    if (rc == 0 && !ns->o->dry_run && unlink(list) != 0 && errno != ENOENT)
        rc = -errno;
    FILE *w = rc == 0 ? fopen(work, "r") : NULL;
    while (w != NULL && rc == 0 && fgets(line, sizeof(line), w) != NULL) {
        long long t;
        char name[400];
        if (sscanf(line, "%lld %399s", &t, name) == 2)
            rc = add(j, name, 1);
    }
    if (w != NULL)
        fclose(w);
    return rc;
}

static void put_back(struct rm_ns *ns, struct job *j)
{
    char work[4096];
    if (rm_ns_path(ns, "rman/damaged.work", work, sizeof(work)) < 0)
        return;
    for (size_t i = 0; i < j->nretry; i++)
        mdal_flag_damaged(ns->md, j->retry[i]);
    if (!ns->o->dry_run)
        unlink(work);
}

/* Name the files an object holds (live ones by their paths). */
static void name_files(struct rm_ns *ns, struct rm_files *fs, const char *obj)
{
    const char *slash = strrchr(obj, '/');
    char stream[200];
    snprintf(stream, sizeof(stream), "%.*s", (int)(slash - obj), obj);
    uint32_t sid = strtab_find(fs->streams, stream);
    uint64_t objno = strtoull(slash + 1, NULL, 10);
    for (size_t i = 0; sid != UINT32_MAX && i < fs->n; i++) {
        const struct rm_file *f = &fs->f[i];
        uint64_t lo, hi;
        if (f->stream != sid || f->kind == RF_BADTAG)
            continue;
        file_obj_range(f, &lo, &hi);
        if (objno < lo || objno > hi)
            continue;
        char *path = NULL;
        if (f->nlink > 1)
            rm_tree_paths(ns, &f->ino, 1, &path);
        if (path != NULL)
            rm_say(ns->o, "rebuild %s:   holds %s%s/%s (%" PRIu64 " bytes)",
                   ns->ns->path, ns->cfg->mnt_top,
                   strcmp(ns->ns->path, "/") ? ns->ns->path : "", path,
                   f->size);
        else
            rm_say(ns->o, "rebuild %s:   holds a %s file (reference %s)",
                   ns->ns->path, f->kind == RF_RETIRED ? "repacked-away"
                                 : f->nlink > 1 ? "linked" : "deleted", f->ref);
        free(path);
    }
}

static int one(struct rm_ns *ns, struct rm_files *fs, struct job *j,
               size_t i, int must)
{
    const char *name = j->name[i];
    struct ne_health h;
    memset(&h, 0, sizeof(h));
    if (ns->o->dry_run) {
        int rc = ne_stat(ns->ne, name, &h);
        if (rc == 0 && h.nbad == 0 && !j->flagged[i])
            return 0;
        rm_act(ns->o, "rebuild %s: would rebuild object %s (%u block(s) "
               "missing or stale by their meta info)", ns->ns->path, name,
               h.nbad);
        return 0;
    }
    int rc = ne_rebuild(ns->ne, name, &h);
    if (rc == 0 && h.nbad > 0) {
        ns->sum->objects_rebuilt++;
        rm_act(ns->o, "rebuild %s: object %s rebuilt (%u damaged block(s))",
               ns->ns->path, name, h.nbad);
    } else if (rc == -ENOENT && !must) {
        rm_act(ns->o, "rebuild %s: object %s is gone (collected)",
               ns->ns->path, name);
    } else if (rc == -EIO || rc == -ENOENT) {
        ns->sum->objects_lost++;
        rm_say(ns->o, "rebuild %s: object %s LOST: %s", ns->ns->path, name,
               rc == -ENOENT ? "no block left"
                             : "more damaged blocks than parity");
        name_files(ns, fs, name);
        if (j->flagged[i])
            j->retry[j->nretry++] = name;
    } else if (rc < 0) {
        ns->sum->errors++;
        LOG_ERR("rebuild %s: object %s: %s", ns->ns->path, name, strerror(-rc));
        if (j->flagged[i])
            j->retry[j->nretry++] = name;
    }
    return 0;
}

static int rebuild_ns(struct rm_ns *ns, struct rm_files *fs)
{
    struct job j = {0};
    uint8_t *fate = rm_fates(fs, rm_now(), ns->o);
    struct objmap *m = objmap_new();
    int rc = fate && m ? objmap_from_files(m, fs, fate) : -ENOMEM;
    if (rc == 0)
        rc = read_flagged(ns, &j);
    size_t nflagged = j.n;
    for (size_t i = 0; rc == 0 && ns->o->scan && i < objmap_count(m); i++) {
        struct rm_obj *ob = objmap_at(m, i);
        char name[200];
        rm_objname(fs, ob->stream, ob->objno, name, sizeof(name));
        int dup = 0;
        for (size_t k = 0; k < nflagged && !dup; k++)
            dup = strcmp(j.name[k], name) == 0;
        if (!dup)
            rc = add(&j, name, 0);
    }
    j.retry = calloc(j.n + 1, sizeof(*j.retry));
    if (j.retry == NULL)
        rc = -ENOMEM;
    for (size_t i = 0; rc == 0 && i < j.n; i++) {
        if (!at_location(ns, j.name[i])) {
            if (j.flagged[i])
                j.retry[j.nretry++] = j.name[i];
            continue;
        }
        /* an object some live file uses must exist */
        const char *slash = strrchr(j.name[i], '/');
        char stream[200];
        snprintf(stream, sizeof(stream), "%.*s", (int)(slash - j.name[i]),
                 j.name[i]);
        uint32_t sid = strtab_find(fs->streams, stream);
        struct rm_obj *ob = sid == UINT32_MAX ? NULL
                                : objmap_find(m, sid, strtoull(slash + 1, NULL, 10));
        rc = one(ns, fs, &j, i, ob != NULL && ob->live_bytes > 0);
    }
    if (rc == 0)
        put_back(ns, &j);
    for (size_t i = 0; i < j.n; i++)
        free(j.name[i]);
    free(j.name);
    free(j.flagged);
    free(j.retry);
    objmap_free(m);
    free(fate);
    return rc;
}

int rm_rebuild(struct rm_ns *ns)
{
    struct rm_files fs = {0};
    int rc = files_walk_all(ns, &fs);
    if (rc == 0 && par_rank() == 0) {
        ns->sum->files_examined += fs.n;
        rc = rebuild_ns(ns, &fs);
    }
    files_free(&fs);
    return par_bcast_int(rc);
}
