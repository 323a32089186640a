/*
 * gc.c - plan the garbage collection of one namespace.
 *
 * 1. Walk the reference tree (all ranks, merged on rank 0) and classify
 *    every entry (classify.c): live, being written, deleted within the
 *    window, collectible.
 * 2. Objects: every object a tag names gets the verdict of its users; a
 *    stream with a live writer (or an unreadable tag) is pinned whole.
 *    Objects of incomplete files whose writer died are found by probing
 *    the stream upward from the object the tag names until one is absent
 *    (objects of a stream are published in order and never reused).
 * 3. Second pass: read the tree again for entries created since the
 *    first pass read their directory.  An object that is a candidate was
 *    published before the second pass began (a collectible file's object
 *    was published when that file completed; a probed one was seen), and
 *    a file can only use an object that was not yet published when the
 *    file was created, with its tag naming it from creation on: so every
 *    user of a candidate exists, tagged, when the second pass reads.
 *    New users pin or keep what they touch.
 * 4. A collectible file's reference goes when all its objects go; one
 *    that shares an object with a kept file is marked expired (no longer
 *    undeletable) and waits.
 * The steps then go through the write-ahead log (gc_apply.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "actions.h"
#include "gc.h"
#include "log.h"
#include "par.h"
#include "reftree.h"
#include "stream.h"

struct plan {
    struct rm_ns *ns;
    struct rm_files *fs;
    uint8_t *fate;
    uint8_t *pin;              /* by stream */
    uint64_t *probe_hi;        /* COLLECT_W: last object found + 1 */
    struct objmap *m;
    int64_t now;
};

static uint64_t chunk_count(const struct rm_file *f)
{
    uint64_t n = (f->size + f->chunk - 1) / f->chunk;
    return n ? n : 1;
}

/* Objects of an incomplete file whose writer died: those that exist. */
static int probe(struct plan *p, size_t i)
{
    const struct rm_file *f = &p->fs->f[i];
    uint64_t k = f->nto1 ? 0 : f->objno, end = f->nto1 ? chunk_count(f)
                                                       : UINT64_MAX;
    p->probe_hi[i] = k;
    for (; k < end; k++) {
        char name[200];
        struct ne_health h;
        int rc = rm_objname(p->fs, f->stream, k, name, sizeof(name));
        if (rc == 0)
            rc = ne_stat(p->ns->ne, name, &h);
        if (rc == -ENOENT) {
            if (f->nto1)
                continue;   /* a chunk never written */
            break;          /* the writer never published more */
        }
        if (rc < 0 && rc != -EIO)
            return rc;
        struct rm_obj *ob = objmap_get(p->m, f->stream, k);
        if (ob == NULL)
            return -ENOMEM;
        ob->dead = 1;
        p->probe_hi[i] = k + 1;
    }
    return 0;
}

static int candidate(const struct plan *p, const struct rm_obj *ob)
{
    return ob->dead && !ob->keep && !p->pin[ob->stream];
}

static int grow_pins(struct plan *p)
{
    size_t n = strtab_count(p->fs->streams) + 1;
    uint8_t *pin = realloc(p->pin, n);
    if (pin == NULL)
        return -ENOMEM;
    p->pin = pin;
    return 0;
}

/* Entries created while the first pass ran: their objects stay. */
static int second_pass(struct plan *p)
{
    struct strtab *seen = strtab_new();
    struct rm_files nw = {0};
    size_t oldstreams = strtab_count(p->fs->streams);
    int rc = seen == NULL ? -ENOMEM : 0;
    for (size_t i = 0; rc == 0 && i < p->fs->n; i++)
        if (p->fs->f[i].kind != RF_UNTAGGED &&
            strtab_add(seen, p->fs->f[i].ref) == UINT32_MAX)
            rc = -ENOMEM;
    if (rc == 0)
        rc = files_walk_new(p->ns, seen, &nw);
    for (size_t i = 0; rc == 0 && i < nw.n; i++) {
        struct rm_file g = nw.f[i];
        if (g.kind == RF_UNTAGGED)
            continue;       /* no data yet: will use unpublished objects */
        if (g.stream == RM_NO_STREAM) {
            LOG_ERR("namespace %s: reference %s has an unreadable tag naming "
                    "no stream; gc skipped", p->ns->ns->path, g.ref);
            rc = -EINVAL;
            break;
        }
        g.stream = strtab_add(p->fs->streams, strtab_get(nw.streams, g.stream));
        if (g.stream == UINT32_MAX || (rc = grow_pins(p)) < 0) {
            rc = -ENOMEM;
            break;
        }
        for (size_t s = oldstreams; s < strtab_count(p->fs->streams); s++)
            p->pin[s] = 0;
        oldstreams = strtab_count(p->fs->streams);
        enum rm_fate fate = rm_classify(&nw, &nw.f[i], p->now, p->ns->o);
        LOG_DEBUG("gc %s: new since the first pass: %s (%s)", p->ns->ns->path,
                  g.ref, rm_fate_str(fate));
        if (!g.complete || fate == FATE_BAD)
            p->pin[g.stream] = 1;
        else
            rc = objmap_add_file(p->m, &g, FATE_LIVE, 0);
    }
    files_free(&nw);
    strtab_free(seen);
    return rc;
}

/* Every object of file i goes in this run (or is already gone).  An
 * abandoned incomplete file (never readable) only names its objects for
 * gc: one that another reference also names (a live file packed beside
 * it) no longer needs it -- that reference frees it in its time.  So a
 * dead writer's file or a whole-file stream's marker (doc/rman.md) does
 * not stay forever beside live files. */
static int all_gone(const struct plan *p, size_t i)
{
    const struct rm_file *f = &p->fs->f[i];
    uint64_t lo, hi;
    int writing = p->fate[i] == FATE_COLLECT_W;
    file_obj_range(f, &lo, &hi);
    if (writing) {
        lo = f->nto1 ? 0 : f->objno;
        hi = p->probe_hi[i];        /* exclusive */
        if (hi == lo)
            return 1;
        hi--;
    }
    for (uint64_t k = lo; k <= hi; k++) {
        const struct rm_obj *ob = objmap_find(p->m, f->stream, k);
        if (ob != NULL && !candidate(p, ob) && !(writing && ob->nfiles > 1))
            return 0;
    }
    return 1;
}

struct tree_link {
    size_t file;
    uint64_t ino;
};

static int plan_file(struct plan *p, size_t i, struct gc_steps *marks,
                     struct gc_steps *refs, struct tree_link **links,
                     size_t *nlinks)
{
    const struct rm_file *f = &p->fs->f[i];
    enum rm_fate fate = p->fate[i];
    char count[32];
    int rc = 0;
    if (fate == FATE_STRAY)
        return gc_steps_add(refs, "delref", f->ref, NULL);
    if ((fate != FATE_COLLECT && fate != FATE_COLLECT_W) || p->pin[f->stream])
        return 0;
    int gone = all_gone(p, i);
    if (fate == FATE_COLLECT_W && f->nlink > 1) {
        /* unreadable for good: its user name goes either way */
        struct tree_link *l = realloc(*links, (*nlinks + 1) * sizeof(**links));
        if (l == NULL)
            return -ENOMEM;
        *links = l;
        l[(*nlinks)++] = (struct tree_link){i, f->ino};
    }
    if (!gone) {
        if (fate == FATE_COLLECT && !f->expired) {
            rm_act(p->ns->o, "gc %s: %s ref %s: deleted file past the window "
                   "shares an object with a kept file; expired",
                   p->ns->ns->path, p->ns->o->dry_run ? "would mark" : "mark",
                   f->ref);
            if (!p->ns->o->dry_run)
                rc = ref_mark_expired(p->ns, f->ref);
        }
        return rc == -ENOENT ? 0 : rc;
    }
    if (f->markers > 0) {
        snprintf(count, sizeof(count), "%" PRIu64, chunk_count(f));
        rc = gc_steps_add(marks, "delmarks", f->ref, count);
    }
    if (rc == 0)
        rc = gc_steps_add(refs, "delref", f->ref, NULL);
    return rc;
}

static int plan_links(struct plan *p, struct tree_link *links, size_t n,
                      struct gc_steps *st)
{
    if (n == 0)
        return 0;
    uint64_t *inos = calloc(n, sizeof(*inos));
    char **paths = calloc(n, sizeof(*paths));
    int rc = inos && paths ? 0 : -ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        inos[i] = links[i].ino;
    if (rc == 0)
        rc = rm_tree_paths(p->ns, inos, n, paths);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char ino[32];
        snprintf(ino, sizeof(ino), "%" PRIu64, inos[i]);
        if (paths[i] != NULL)
            rc = gc_steps_add(st, "deltree", paths[i], ino);
    }
    for (size_t i = 0; paths && i < n; i++)
        free(paths[i]);
    free(paths);
    free(inos);
    return rc;
}

static int build_steps(struct plan *p, struct gc_steps *st)
{
    struct gc_steps marks = {0}, refs = {0};
    struct tree_link *links = NULL;
    size_t nlinks = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < objmap_count(p->m); i++) {
        struct rm_obj *ob = objmap_at(p->m, i);
        char name[200];
        if (!candidate(p, ob))
            continue;
        rc = rm_objname(p->fs, ob->stream, ob->objno, name, sizeof(name));
        if (rc == 0)
            rc = gc_steps_add(st, "delobj", name, NULL);
    }
    for (size_t i = 0; rc == 0 && i < p->fs->n; i++)
        rc = plan_file(p, i, &marks, &refs, &links, &nlinks);
    for (size_t i = 0; rc == 0 && i < p->fs->norphans; i++)
        if (p->now - p->fs->orphans[i].mtime >= p->ns->o->age)
            rc = gc_steps_add(&marks, "delmark", p->fs->orphans[i].name, NULL);
    if (rc == 0)
        rc = plan_links(p, links, nlinks, &marks);
    /* objects first, then markers and user names, references last: a
     * reference is the only way back to objects not yet deleted */
    for (size_t i = 0; rc == 0 && i < marks.n; i++)
        rc = gc_steps_add(st, marks.s[i].action, marks.s[i].args[0],
                          marks.s[i].args[1]);
    for (size_t i = 0; rc == 0 && i < refs.n; i++)
        rc = gc_steps_add(st, refs.s[i].action, refs.s[i].args[0], NULL);
    gc_steps_free(&marks);
    gc_steps_free(&refs);
    free(links);
    return rc;
}

static int plan(struct rm_ns *ns, struct rm_files *fs, struct gc_steps *st)
{
    struct plan p = {.ns = ns, .fs = fs, .now = rm_now()};
    int rc = 0;
    ns->sum->files_examined += fs->n;
    for (size_t i = 0; i < fs->n; i++)
        if (fs->f[i].kind == RF_BADTAG && fs->f[i].stream == RM_NO_STREAM) {
            LOG_ERR("namespace %s: reference %s has an unreadable tag naming "
                    "no stream; gc of the namespace skipped until it is fixed "
                    "(any object could be its)", ns->ns->path, fs->f[i].ref);
            return -EINVAL;
        }
    p.fate = rm_fates(fs, p.now, ns->o);
    p.pin = p.fate ? rm_pins(fs, p.fate) : NULL;
    p.probe_hi = calloc(fs->n + 1, sizeof(*p.probe_hi));
    p.m = objmap_new();
    if (!p.fate || !p.pin || !p.probe_hi || !p.m)
        rc = -ENOMEM;
    if (rc == 0)
        rc = objmap_from_files(p.m, fs, p.fate);
    for (size_t i = 0; rc == 0 && i < fs->n; i++)
        if (p.fate[i] == FATE_COLLECT_W && !p.pin[fs->f[i].stream])
            rc = probe(&p, i);
    if (rc == 0)
        rc = second_pass(&p);
    if (rc == 0)
        rc = build_steps(&p, st);
    objmap_free(p.m);
    free(p.probe_hi);
    free(p.pin);
    free(p.fate);
    return rc;
}

int rm_gc(struct rm_ns *ns)
{
    struct rm_files fs = {0};
    struct gc_steps st = {0};
    int rc = files_walk_all(ns, &fs);
    if (rc == 0 && par_rank() == 0)
        rc = plan(ns, &fs, &st);
    files_free(&fs);
    rc = par_bcast_int(rc);
    if (rc == 0)
        rc = gc_apply(ns, &st);
    gc_steps_free(&st);
    return rc;
}
