/*
 * repack.c - rewrite the live members of packed objects whose live
 * fraction (bytes of files with a user link / bytes of every file the
 * reference tree still knows in the object) is below --below.
 *
 * Per batch of members (one new stream):
 *   log "newstream S", commit            (a crash now: delete S's objects)
 *   copy every member into S (the recovery record of each keeps the
 *   member's path, owner, mode and time), publish, check size and CRC
 *   mark step 0 done; log one "switch" per member, commit
 *   per member: create its retired copy (a dead reference holding the old
 *   tag, so gc keeps the old objects for the gc window: a reader that
 *   opened the file before the switch keeps reading them), then replace
 *   the member's tag in one setxattr if it is still the one copied
 * A reader gets the old tag or the new one, both naming complete, exact
 * data.  The old objects are left to gc.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "log.h"
#include "par.h"
#include "reftree.h"
#include "actions.h"
#include "repack.h"
#include "sread.h"
#include "stream.h"

#define REPACK_FILES 1024                 /* members per batch */
#define REPACK_BYTES (1ULL << 30)         /* data per batch */

struct member {
    size_t file;
    char oldraw[FTAG_MAX + 1];
    struct ftag old, neu;
    int status;             /* completion status from the stream */
    int done;               /* completion reported */
    char retired[160];
};

static void member_done(void *arg, const struct ftag *tag, int status)
{
    struct member *m = arg;
    m->neu = *tag;
    m->status = status;
    m->done = 1;
}

/* ---- switching one member ----------------------------------------------- */

static int do_switch(struct rm_ns *ns, const char *ref, const char *retired,
                     const char *oldraw, const char *newraw)
{
    struct ftag old, neu;
    if (ftag_decode(oldraw, strlen(oldraw), &old) < 0 ||
        ftag_decode(newraw, strlen(newraw), &neu) < 0)
        return -EPROTO;
    int rc = ref_retire(ns, retired, ref, &old);
    int fd = -1;
    if (rc == 0)
        rc = ref_dirfd(ns, ref, &fd);
    if (rc == 0)
        rc = ref_tag_switch(fd, ref, oldraw, &neu);
    if (fd >= 0)
        close(fd);
    if (rc == -ESTALE || rc == -ENOENT) {
        LOG_WARN("namespace %s: reference %s changed during repack; left as "
                 "it is", ns->ns->path, ref);
        return 0;
    }
    return rc < 0 ? rc : 0;
}

static int delete_stream(struct rm_ns *ns, const char *stream)
{
    for (uint64_t k = 0;; k++) {
        char name[200];
        ftag_objname(stream, k, name, sizeof(name));
        int rc = ne_delete(ns->ne, name);
        if (rc == -ENOENT)
            return 0;       /* published in order: nothing after a gap */
        if (rc < 0)
            return rc;
    }
}

/* ---- copying ---------------------------------------------------------------- */

static int copy_member(struct rm_ns *ns, struct rm_files *fs,
                       struct stream *st, struct member *m, char *buf,
                       size_t bufsz)
{
    const struct rm_file *f = &fs->f[m->file];
    struct obj_record rec;
    struct sread *rd;
    int rc = rm_last_record(ns->ne, fs, f, &rec);
    if (rc < 0) {
        LOG_ERR("namespace %s: %s: cannot read its recovery record: %s",
                ns->ns->path, f->ref, strerror(-rc));
        return rc;
    }
    rc = stream_file_begin(st, &rec, &m->neu);
    if (rc == 0)
        rc = sread_open(ns->ne, &m->old, &rd);
    if (rc < 0)
        return rc;
    for (uint64_t off = 0; rc == 0 && off < f->size;) {
        ssize_t n = sread_pread(rd, buf, bufsz, off);
        if (n <= 0)
            rc = n < 0 ? (int)n : -EIO;
        else if (stream_file_write(st, buf, (size_t)n) != n)
            rc = -EIO;
        else
            off += (uint64_t)n;
    }
    sread_close(rd);
    if (rc == 0)
        rc = stream_file_end(st, &m->neu, member_done, m);
    return rc;
}

static int write_batch(struct rm_ns *ns, struct rm_files *fs,
                       struct member *mb, size_t n, char *stream_out,
                       size_t ssz, unsigned *id)
{
    const struct mcfg_repo *r = ns->repo;
    struct stream_params p = {
        .ne = ns->ne, .nspath = ns->ns->path,
        .chunk = r->chunking ? r->chunk_max_size : UINT64_MAX,
        .max_files = r->packing ? r->pack_max_files : 1,
    };
    struct stream *st;
    int rc = stream_open(&p, &st);
    if (rc < 0)
        return rc;
    snprintf(stream_out, ssz, "%s", stream_id(st));
    const char *arg = stream_out;
    rc = wal_begin(ns->wal, "repack", id);
    if (rc == 0)
        rc = wal_intent(ns->wal, *id, 0, "newstream", &arg, 1);
    if (rc == 0)
        rc = wal_commit(ns->wal, *id, 1);
    if (rc < 0) {
        stream_abort(st);
        return rc;
    }
    size_t bufsz = 1 << 20;
    char *buf = malloc(bufsz);
    rc = buf ? 0 : -ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = copy_member(ns, fs, st, &mb[i], buf, bufsz);
    free(buf);
    if (rc < 0) {
        stream_abort(st);
        return rc;
    }
    rc = stream_close(st);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct rm_file *f = &fs->f[mb[i].file];
        if (!mb[i].done || mb[i].status < 0)
            rc = mb[i].status < 0 ? mb[i].status : -EIO;
        else if (mb[i].neu.size != f->size || mb[i].neu.crc != f->crc) {
            LOG_ERR("namespace %s: %s: copy differs from the original "
                    "(crc %016" PRIx64 " vs %016" PRIx64 "); not switched",
                    ns->ns->path, f->ref, mb[i].neu.crc, f->crc);
            rc = -EIO;
        }
    }
    return rc;
}

static int switch_batch(struct rm_ns *ns, struct rm_files *fs,
                        struct member *mb, size_t n, unsigned id)
{
    int rc = wal_done(ns->wal, id, 0);     /* the new objects are whole */
    char newraw[FTAG_MAX + 1];
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct ftag t = mb[i].old;
        /* only the location changes */
        snprintf(t.stream, sizeof(t.stream), "%s", mb[i].neu.stream);
        t.objno = mb[i].neu.objno;
        t.off = mb[i].neu.off;
        t.first = mb[i].neu.first;
        t.chunk = mb[i].neu.chunk;
        t.hdr = mb[i].neu.hdr;
        t.n = ns->repo->n;
        t.e = ns->repo->e;
        t.psz = ns->repo->psz;
        mb[i].neu = t;
        stream_new_id(mb[i].retired, sizeof(mb[i].retired) - 3);
        strcat(mb[i].retired, RM_RETIRED_SUFFIX);
        rc = ftag_encode(&t, newraw, sizeof(newraw));
        const char *args[4] = {fs->f[mb[i].file].ref, mb[i].retired,
                               mb[i].oldraw, newraw};
        if (rc > 0)
            rc = wal_intent(ns->wal, id, (unsigned)(i + 1), "switch", args, 4);
    }
    if (rc == 0)
        rc = wal_commit(ns->wal, id, (unsigned)(n + 1));
    for (size_t i = 0; rc == 0 && i < n; i++) {
        ftag_encode(&mb[i].neu, newraw, sizeof(newraw));
        rc = do_switch(ns, fs->f[mb[i].file].ref, mb[i].retired, mb[i].oldraw,
                       newraw);
        if (rc == 0)
            rc = wal_done(ns->wal, id, (unsigned)(i + 1));
        if (rc == 0)
            ns->sum->files_repacked++;
    }
    if (rc == 0)
        rc = wal_end(ns->wal, id);
    return rc;
}

static int repack_batch(struct rm_ns *ns, struct rm_files *fs,
                        struct member *mb, size_t n)
{
    char stream[128] = "";
    unsigned id = UINT32_MAX;
    if (ns->o->dry_run) {
        for (size_t i = 0; i < n; i++)
            rm_act(ns->o, "repack %s: would rewrite reference %s (%" PRIu64
                   " bytes)", ns->ns->path, fs->f[mb[i].file].ref,
                   fs->f[mb[i].file].size);
        ns->sum->files_repacked += n;
        return 0;
    }
    int rc = write_batch(ns, fs, mb, n, stream, sizeof(stream), &id);
    if (rc < 0 && id != UINT32_MAX) {
        /* roll back: the new objects are no one's */
        delete_stream(ns, stream);
        wal_end(ns->wal, id);
        return rc;
    }
    rc = switch_batch(ns, fs, mb, n, id);
    if (rc == 0)
        rm_act(ns->o, "repack %s: %zu file(s) rewritten into stream %s",
               ns->ns->path, n, stream);
    return rc;
}

/* ---- choosing members ---------------------------------------------------------- */

static int is_member(const struct rm_files *fs, const struct rm_file *f,
                     struct objmap *m)
{
    uint64_t lo, hi;
    if (f->kind != RF_FILE || !f->complete || f->nto1 || f->nlink < 2)
        return 0;
    file_obj_range(f, &lo, &hi);
    for (uint64_t k = lo; k <= hi; k++) {
        const struct rm_obj *ob = objmap_find(m, f->stream, k);
        if (ob != NULL && ob->mark)
            return 1;
    }
    (void)fs;
    return 0;
}

static int prepare(struct rm_ns *ns, struct rm_files *fs, struct member *m,
                   size_t i)
{
    int fd, rc = ref_dirfd(ns, fs->f[i].ref, &fd);
    if (rc < 0)
        return rc;
    m->file = i;
    rc = ref_tag_raw(fd, fs->f[i].ref, m->oldraw, sizeof(m->oldraw));
    close(fd);
    if (rc > 0)
        rc = ftag_decode(m->oldraw, (size_t)rc, &m->old);
    return rc < 0 ? rc : 0;
}

static int repack_ns(struct rm_ns *ns, struct rm_files *fs)
{
    uint8_t *fate = rm_fates(fs, rm_now(), ns->o);
    uint8_t *pin = fate ? rm_pins(fs, fate) : NULL;
    struct objmap *m = objmap_new();
    struct member *mb = calloc(REPACK_FILES, sizeof(*mb));
    int rc = fate && pin && m && mb ? objmap_from_files(m, fs, fate) : -ENOMEM;
    size_t low = 0;
    for (size_t i = 0; rc == 0 && i < objmap_count(m); i++) {
        struct rm_obj *ob = objmap_at(m, i);
        uint64_t all = ob->live_bytes + ob->dead_bytes;
        ob->mark = !pin[ob->stream] && ob->nfiles > 1 && ob->live_bytes > 0 &&
                   (double)ob->live_bytes < ns->o->below * (double)all;
        low += ob->mark;
    }
    size_t n = 0;
    uint64_t bytes = 0;
    for (size_t i = 0; rc == 0 && i <= fs->n; i++) {
        if (i < fs->n && !(fate[i] == FATE_LIVE && is_member(fs, &fs->f[i], m)))
            continue;
        if (n > 0 && (i == fs->n || n == REPACK_FILES ||
                      bytes + fs->f[i].size > REPACK_BYTES)) {
            rc = repack_batch(ns, fs, mb, n);
            memset(mb, 0, REPACK_FILES * sizeof(*mb));
            n = 0;
            bytes = 0;
        }
        if (i < fs->n && rc == 0 && (rc = prepare(ns, fs, &mb[n], i)) == 0) {
            bytes += fs->f[i].size;
            n++;
        }
    }
    if (rc == 0)
        LOG_INFO("repack %s: %zu object(s) below %.2f live", ns->ns->path, low,
                 ns->o->below);
    if (rc == 0 && !ns->o->dry_run)
        rc = wal_clear(ns->wal);
    free(mb);
    objmap_free(m);
    free(pin);
    free(fate);
    return rc;
}

int rm_repack(struct rm_ns *ns)
{
    struct rm_files fs = {0};
    int rc = files_walk_all(ns, &fs);
    if (rc == 0 && par_rank() == 0) {
        ns->sum->files_examined += fs.n;
        rc = repack_ns(ns, &fs);
    }
    files_free(&fs);
    return par_bcast_int(rc);
}

int repack_replay(struct rm_ns *ns, struct wal_batch *b)
{
    struct wal_step *s0 = wal_step_of(b, 0);
    int rc = 0;
    if (s0 == NULL || s0->nargs < 1 || b->committed < 1)
        return wal_end(ns->wal, b->id);     /* nothing was written */
    if (!s0->done || b->committed < 2) {
        rm_act(ns->o, "repack %s: rolling back batch %u of a killed run "
               "(deleting its new stream %s)", ns->ns->path, b->id,
               s0->args[0]);
        rc = delete_stream(ns, s0->args[0]);
        return rc < 0 ? rc : wal_end(ns->wal, b->id);
    }
    rm_act(ns->o, "repack %s: finishing batch %u of a killed run",
           ns->ns->path, b->id);
    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        struct wal_step *s = &b->s[i];
        if (s->step == 0 || s->step >= b->committed || s->done ||
            strcmp(s->action, "switch") != 0 || s->nargs != 4)
            continue;
        rc = do_switch(ns, s->args[0], s->args[1], s->args[2], s->args[3]);
        if (rc == 0)
            rc = wal_done(ns->wal, b->id, s->step);
        if (rc == 0)
            ns->sum->files_repacked++;
    }
    return rc < 0 ? rc : wal_end(ns->wal, b->id);
}
