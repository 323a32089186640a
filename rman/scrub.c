/*
 * scrub.c - read every block of every object the namespace's reference
 * tree names and check every CRC (ne_verify), in object-name order, at a
 * bounded rate, recording the position after each object so that a
 * killed or stopped scrub resumes where it was.  Damaged objects go to
 * the namespace's damaged list (mdal_flag_damaged) for --rebuild.
 *
 * Scrub only reads, so it takes its own lock (rman/scrub.lock), not the
 * run lock: gc may delete an object under it, which then reads as gone.
 * With several ranks each checks the objects whose name hashes to it and
 * keeps its own position; the rate is shared.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "actions.h"
#include "hash.h"
#include "log.h"
#include "par.h"
#include "scrub.h"

struct target {
    char *name;
    int must;               /* a live file's: gone means lost */
    uint64_t weight;        /* data bytes, for the ETA */
};

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct target *)a)->name,
                  ((const struct target *)b)->name);
}

/* Rank 0: the sorted object list, as "M WEIGHT NAME\0" records. */
static int object_list(struct rm_ns *ns, char **buf, size_t *len)
{
    struct rm_files fs = {0};
    int rc = files_walk_all(ns, &fs);
    if (par_rank() != 0 || rc < 0) {
        files_free(&fs);
        return rc;
    }
    ns->sum->files_examined += fs.n;
    uint8_t *fate = rm_fates(&fs, rm_now(), ns->o);
    struct objmap *m = objmap_new();
    rc = fate && m ? objmap_from_files(m, &fs, fate) : -ENOMEM;
    size_t n = rc == 0 ? objmap_count(m) : 0;
    struct target *t = calloc(n + 1, sizeof(*t));
    char name[200];
    size_t total = 0;
    for (size_t i = 0; rc == 0 && t && i < n; i++) {
        struct rm_obj *ob = objmap_at(m, i);
        rm_objname(&fs, ob->stream, ob->objno, name, sizeof(name));
        t[i].name = strdup(name);
        t[i].must = ob->live_bytes > 0;
        t[i].weight = ob->live_bytes + ob->dead_bytes;
        total += strlen(name) + 48;
    }
    if (t == NULL)
        rc = -ENOMEM;
    if (rc == 0)
        qsort(t, n, sizeof(*t), by_name);
    *buf = rc == 0 ? malloc(total + 1) : NULL;
    *len = 0;
    for (size_t i = 0; rc == 0 && *buf && i < n; i++)
        *len += (size_t)sprintf(*buf + *len, "%d %" PRIu64 " %s", t[i].must,
                                t[i].weight, t[i].name) + 1;
    for (size_t i = 0; t && i < n; i++)
        free(t[i].name);
    free(t);
    objmap_free(m);
    free(fate);
    files_free(&fs);
    return rc;
}

struct pass {
    struct rm_ns *ns;
    struct scrub_pos pos;
    double t0, last_note;
    uint64_t run_bytes;         /* block bytes read by this run */
    uint64_t weight_done, weight_total;
    uint64_t objects_total, objects_done;
};

static void pace(struct pass *p)
{
    double rate = p->ns->o->rate * 1e6 / par_size();
    if (rate <= 0)
        return;
    double ahead = (double)p->run_bytes / rate - (rm_mono() - p->t0);
    if (ahead > 0) {
        struct timespec ts = {(time_t)ahead,
                              (long)((ahead - (double)(time_t)ahead) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static void progress(struct pass *p, int final)
{
    double now = rm_mono();
    if (!p->ns->o->progress || par_rank() != 0 ||
        (!final && now - p->last_note < 2))
        return;
    p->last_note = now;
    double el = now - p->t0;
    double mbs = el > 0 ? (double)p->run_bytes / el / 1e6 : 0;
    double eta = p->weight_done > 0
                     ? el * (double)(p->weight_total - p->weight_done) /
                           (double)p->weight_done
                     : 0;
    fprintf(stderr, "scrub %s: %" PRIu64 "/%" PRIu64 " objects (%.0f%%), "
            "%.1f MB/s, ETA %dm%02ds%s\n", p->ns->ns->path, p->objects_done,
            p->objects_total,
            p->weight_total ? 100.0 * (double)p->weight_done /
                                  (double)p->weight_total : 100.0,
            mbs, (int)eta / 60, (int)eta % 60,
            par_size() > 1 ? " (rank 0's share)" : "");
}

static void report_damage(struct pass *p, const char *name,
                          const struct ne_health *h, int rc)
{
    struct rm_ns *ns = p->ns;
    char what[1024] = "";
    size_t len = 0;
    unsigned crc = 0;
    for (unsigned b = 0; b < h->nblocks && len < sizeof(what) - 40; b++) {
        if (h->state[b] == NE_BLK_OK)
            continue;
        crc += h->state[b] != NE_BLK_MISSING;
        len += (size_t)snprintf(what + len, sizeof(what) - len, " block %u %s",
                                b, ne_bstate_str(h->state[b]));
    }
    p->pos.damaged++;
    p->pos.crc_errors += crc;
    ns->sum->crc_errors += crc;
    if (rc == -EIO) {
        p->pos.lost++;
        ns->sum->objects_lost++;
    }
    rm_say(ns->o, "scrub %s: object %s %s:%s", ns->ns->path, name,
           rc == -EIO ? "LOST (more damaged blocks than parity)" : "damaged",
           what);
    mdal_flag_damaged(ns->md, name);
}

/* 0 checked, 1 gone (collected, or a deleted file's), <0 error. */
static int check_one(struct pass *p, const char *name, int must)
{
    struct ne_health h;
    memset(&h, 0, sizeof(h));
    int rc = ne_verify(p->ns->ne, name, &h);
    if (rc == -ENOENT) {
        if (must) {
            rm_say(p->ns->o, "scrub %s: object %s of a live file is missing",
                   p->ns->ns->path, name);
            p->ns->sum->objects_lost++;
            p->pos.lost++;
            mdal_flag_damaged(p->ns->md, name);
        }
        return 1;
    }
    uint64_t bytes = rm_block_bytes(&h, p->ns->repo->psz);
    p->run_bytes += bytes;
    p->pos.bytes += bytes;
    p->ns->sum->bytes_scrubbed += bytes;
    p->ns->sum->objects_scrubbed++;
    if (rc < 0 && rc != -EIO) {
        LOG_ERR("scrub %s: object %s: %s", p->ns->ns->path, name,
                strerror(-rc));
        p->ns->sum->errors++;
        return 0;
    }
    if (rc == -EIO || h.nbad > 0)
        report_damage(p, name, &h, rc);
    return 0;
}

static int mine(const char *name)
{
    return par_size() == 1 ||
           mhash_xxh64(name, strlen(name), 0x7363727562ULL) %
                   (uint64_t)par_size() == (uint64_t)par_rank();
}

static int run_pass(struct pass *p, const char *list, size_t len)
{
    int rc = 0;
    for (const char *at = list; at < list + len; at += strlen(at) + 1) {
        int must = 0;
        uint64_t w = 0;
        int off = 0;
        sscanf(at, "%d %" SCNu64 " %n", &must, &w, &off);
        const char *name = at + off;
        if (!mine(name))
            continue;
        p->objects_total++;
        p->weight_total += w;
    }
    for (const char *at = list; rc == 0 && at < list + len;
         at += strlen(at) + 1) {
        int must = 0, off = 0;
        uint64_t w = 0;
        sscanf(at, "%d %" SCNu64 " %n", &must, &w, &off);
        const char *name = at + off;
        if (!mine(name))
            continue;
        p->objects_done++;
        p->weight_done += w;
        if (p->pos.last[0] != '\0' && strcmp(name, p->pos.last) <= 0)
            continue;       /* checked before the restart */
        rc = check_one(p, name, must);
        snprintf(p->pos.last, sizeof(p->pos.last), "%s", name);
        p->pos.checked += rc == 0;
        if (rc >= 0)
            rc = scrub_pos_save(p->ns, &p->pos);
        pace(p);
        progress(p, 0);
    }
    return rc;
}

static int scrub_lock(struct rm_ns *ns)
{
    int fd = openat(ns->rmfd, "scrub.lock", O_RDWR | O_CREAT | O_CLOEXEC,
                    0600);
    if (fd < 0)
        return -errno;
    if (flock(fd, LOCK_EX | (ns->o->wait ? 0 : LOCK_NB)) != 0) {
        LOG_ERR("namespace %s: another scrub is running; skipped",
                ns->ns->path);
        close(fd);
        return -EBUSY;
    }
    return fd;      /* held until closed */
}

int rm_scrub(struct rm_ns *ns)
{
    int lockfd = -1, rc = 0;
    if (par_rank() == 0 && !ns->o->dry_run)
        rc = lockfd = scrub_lock(ns);
    if ((rc = par_bcast_int(rc < 0 ? rc : 0)) < 0)
        return rc;
    char *list = NULL;
    size_t len = 0;
    rc = par_bcast_int(object_list(ns, &list, &len));
    if (rc == 0)
        par_bcast(&list, &len);
    struct pass p = {.ns = ns, .t0 = rm_mono()};
    if (rc == 0 && (ns->o->restart || scrub_pos_load(ns, &p.pos) < 0)) {
        memset(&p.pos, 0, sizeof(p.pos));
        p.pos.started = rm_now();
    } else if (rc == 0 && par_rank() == 0) {
        rm_say(ns->o, "scrub %s: resuming after %s (%" PRIu64 " object(s) "
               "already checked in this pass)", ns->ns->path, p.pos.last,
               p.pos.checked);
    }
    if (rc == 0 && ns->o->dry_run) {
        size_t n = 0;
        for (const char *at = list; at < list + len; at += strlen(at) + 1)
            n++;
        rm_act(ns->o, "scrub %s: would check %zu object(s)", ns->ns->path, n);
    } else if (rc == 0) {
        rc = run_pass(&p, list, len);
        progress(&p, 1);
    }
    if (rc == 0 && !ns->o->dry_run) {
        uint64_t tot[6] = {p.pos.checked, p.pos.bytes, p.pos.damaged,
                           p.pos.crc_errors, p.pos.lost, p.run_bytes};
        double el = rm_mono() - p.t0;
        scrub_pos_remove(ns);
        par_sum(tot, 6);
        if (par_rank() == 0 && tot[0] > 0)
            rm_say(ns->o, "scrub %s: pass complete: %" PRIu64 " object(s), "
                   "%" PRIu64 " bytes, %" PRIu64 " damaged, %" PRIu64
                   " crc error(s), %" PRIu64 " lost; this run %.1f s, "
                   "%.1f MB/s", ns->ns->path, tot[0], tot[1], tot[2], tot[3],
                   tot[4], el, el > 0 ? (double)tot[5] / el / 1e6 : 0.0);
    }
    free(list);
    if (lockfd >= 0)
        close(lockfd);
    return par_bcast_int(rc);
}
