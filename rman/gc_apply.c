/*
 * gc_apply.c - carry out gc steps through the write-ahead log.
 *
 * A batch of steps is logged and committed (fsync) before the first is
 * done; each step is marked done after it is done; a killed run's next
 * run repeats the committed steps not marked done (replay.c).  Every step
 * is idempotent and re-checks the one fact it depends on at the moment it
 * acts (a reference still has one link; a user name still names the same
 * incomplete inode).  With several ranks the object deletions of a batch
 * are shared out; rank 0 logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "gc.h"
#include "log.h"
#include "par.h"
#include "quota.h"
#include "reftree.h"
#include "tag.h"

#define GC_BATCH 512

int gc_steps_add(struct gc_steps *st, const char *action, const char *a0,
                 const char *a1)
{
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 256;
        void *p = realloc(st->s, cap * sizeof(*st->s));
        if (p == NULL)
            return -ENOMEM;
        st->s = p;
        st->cap = cap;
    }
    struct wal_step *s = &st->s[st->n];
    memset(s, 0, sizeof(*s));
    snprintf(s->action, sizeof(s->action), "%s", action);
    if (a0 != NULL && (s->args[s->nargs++] = strdup(a0)) == NULL)
        return -ENOMEM;
    if (a1 != NULL && (s->args[s->nargs++] = strdup(a1)) == NULL)
        return -ENOMEM;
    st->n++;
    return 0;
}

void gc_steps_free(struct gc_steps *st)
{
    for (size_t i = 0; i < st->n; i++)
        for (size_t k = 0; k < st->s[i].nargs; k++)
            free(st->s[i].args[k]);
    free(st->s);
    memset(st, 0, sizeof(*st));
}

/* ---- single steps ---------------------------------------------------------- */

static int del_object(struct rm_ns *ns, const char *name, uint64_t *bytes)
{
    struct ne_health h;
    int rc = ne_stat(ns->ne, name, &h);
    if (rc == -ENOENT)
        return 1;                       /* already gone (a repeated step) */
    uint64_t b = rc == 0 || rc == -EIO ? rm_block_bytes(&h, ns->repo->psz) : 0;
    if (ns->o->dry_run) {
        *bytes = b;
        return 0;
    }
    rc = ne_delete(ns->ne, name);
    if (rc == -ENOENT)
        return 1;
    if (rc == 0)
        *bytes = b;
    return rc;
}

static int del_marks(struct rm_ns *ns, const char *ref, const char *count)
{
    uint64_t n = strtoull(count, NULL, 10);
    int fd, rc = ref_dirfd(ns, ref, &fd);
    for (uint64_t k = 0; rc == 0 && k < n; k++) {
        char name[256];
        snprintf(name, sizeof(name), "%s#c%" PRIu64, ref, k);
        if (unlinkat(fd, name, 0) != 0 && errno != ENOENT)
            rc = -errno;
    }
    if (fd >= 0 && rc != -ENOENT)
        close(fd);
    return rc;
}

/* Remove the user name of an incomplete file whose writer died. */
static int del_tree(struct rm_ns *ns, const char *rel, const char *inostr)
{
    int pfd;
    char name[NAME_MAX + 1];
    struct stat st;
    struct ftag t;
    int rc = mdal_open_parent(ns->md, rel, &pfd, name, sizeof(name));
    if (rc < 0)
        return rc == -ENOENT ? 1 : rc;
    mdal_ns_lock(ns->md);
    if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        rc = errno == ENOENT ? 1 : -errno;
    else if (st.st_ino != strtoull(inostr, NULL, 10) ||
             ref_tag_get(pfd, name, &t) != 0 || t.state != FTAG_WRITING)
        rc = 1;                         /* not that file any more */
    else if (unlinkat(pfd, name, 0) != 0)
        rc = -errno;
    else if (st.st_nlink <= 2)
        quota_add(ns->md->quota, -1, 0);   /* it counted 1 file, 0 bytes */
    mdal_ns_unlock(ns->md);
    close(pfd);
    return rc;
}

/* 0 done, 1 nothing left to do (done before), or a negative errno. */
int gc_step_do(struct rm_ns *ns, const struct wal_step *s, uint64_t *bytes)
{
    int rc;
    *bytes = 0;
    const char *a0 = s->nargs > 0 ? s->args[0] : "";
    const char *a1 = s->nargs > 1 ? s->args[1] : "0";
    if (strcmp(s->action, "delobj") == 0)
        rc = del_object(ns, a0, bytes);
    else if (ns->o->dry_run)
        rc = 0;
    else if (strcmp(s->action, "delref") == 0)
        rc = ref_remove(ns, a0);
    else if (strcmp(s->action, "delmarks") == 0)
        rc = del_marks(ns, a0, a1);
    else if (strcmp(s->action, "delmark") == 0)
        rc = ref_remove_marker(ns, a0);
    else if (strcmp(s->action, "deltree") == 0)
        rc = del_tree(ns, a0, a1);
    else
        rc = -EPROTO;
    if (rc == -ENOENT)
        rc = 1;
    if (rc == -EBUSY && strcmp(s->action, "delref") == 0) {
        LOG_WARN("namespace %s: reference %s has a user link again; kept",
                 ns->ns->path, a0);
        rc = 1;
    }
    if (rc < 0)
        LOG_ERR("namespace %s: gc step %s %s: %s", ns->ns->path, s->action, a0,
                strerror(-rc));
    return rc;
}

static void account(struct rm_ns *ns, const struct wal_step *s, uint64_t bytes,
                    int rc)
{
    const char *would = ns->o->dry_run ? "would " : "";
    if (rc < 0) {
        ns->sum->errors++;
        return;
    }
    if (rc > 0)
        return;             /* found done: counted by the run that did it */
    if (strcmp(s->action, "delobj") == 0) {
        ns->sum->objects_deleted++;
        ns->sum->bytes_freed += bytes;
        rm_act(ns->o, "gc %s: %sdelete object %s (%" PRIu64 " bytes)",
               ns->ns->path, would, s->args[0], bytes);
    } else if (strcmp(s->action, "delref") == 0) {
        ns->sum->refs_removed++;
        rm_act(ns->o, "gc %s: %sremove reference %s", ns->ns->path, would,
               s->args[0]);
    } else if (strcmp(s->action, "deltree") == 0) {
        rm_act(ns->o, "gc %s: %sremove incomplete file %s%s/%s (its writer "
               "died)", ns->ns->path, would, ns->cfg->mnt_top,
               strcmp(ns->ns->path, "/") ? ns->ns->path : "", s->args[0]);
    } else {
        rm_act(ns->o, "gc %s: %sremove chunk marker(s) %s", ns->ns->path,
               would, s->args[0]);
    }
}

/* ---- batches ---------------------------------------------------------------- */

/* Delete this batch's objects over the ranks; rc and bytes per step end
 * on rank 0. */
static void delete_shared(struct rm_ns *ns, struct wal_step *s, size_t n,
                          int64_t *res)
{
    /* rank 0's step list to every rank: names of the delobj steps */
    char *buf = NULL;
    size_t len = 0;
    if (par_rank() == 0) {
        for (size_t i = 0; i < n; i++)
            len += strlen(s[i].args[0]) + 1;
        buf = malloc(len + 1);
        if (buf == NULL)
            par_abort(3);
        len = 0;
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(s[i].args[0]) + 1;
            memcpy(buf + len, s[i].args[0], l);
            len += l;
        }
    }
    par_bcast(&buf, &len);
    /* res[2i] = rc + 1 (0: not mine), res[2i+1] = bytes */
    size_t i = 0;
    for (char *at = buf; at < buf + len; at += strlen(at) + 1, i++) {
        res[2 * i] = res[2 * i + 1] = 0;
        if (i % (size_t)par_size() != (size_t)par_rank())
            continue;
        struct wal_step one = {.nargs = 1, .args = {at}};
        uint64_t bytes = 0;
        snprintf(one.action, sizeof(one.action), "delobj");
        int rc = gc_step_do(ns, &one, &bytes);
        res[2 * i] = rc < 0 ? rc : rc + 1;     /* 1 done, 2 found done */
        res[2 * i + 1] = (int64_t)bytes;
    }
    free(buf);
    par_sum((uint64_t *)res, 2 * i);
}

/* Run the committed, not yet done steps of a logged batch; shared: the
 * object deletions over every rank (all ranks call), else rank 0 alone. */
static int run_batch(struct rm_ns *ns, unsigned id, struct wal_step *s,
                     size_t n, int shared)
{
    size_t nobj = 0;
    int rc = 0;
    while (par_rank() == 0 && nobj < n && strcmp(s[nobj].action, "delobj") == 0)
        nobj++;
    if (shared && par_size() > 1) {
        nobj = (size_t)par_bcast_int((int)nobj);
        int64_t *res = calloc(2 * nobj + 1, sizeof(*res));
        if (res == NULL)
            par_abort(3);
        delete_shared(ns, s, nobj, res);
        for (size_t i = 0; par_rank() == 0 && i < nobj; i++) {
            int src = res[2 * i] > 0 ? (int)res[2 * i] - 1 : (int)res[2 * i];
            account(ns, &s[i], (uint64_t)res[2 * i + 1], src);
            if (src >= 0 && !ns->o->dry_run && !s[i].done)
                rc = wal_done(ns->wal, id, s[i].step);
        }
        free(res);
        if (par_rank() != 0)
            return 0;
    } else {
        nobj = 0;
    }
    for (size_t i = nobj; rc == 0 && i < n; i++) {
        uint64_t bytes = 0;
        if (s[i].done)
            continue;
        int src = gc_step_do(ns, &s[i], &bytes);
        account(ns, &s[i], bytes, src);
        if (src >= 0 && !ns->o->dry_run)
            rc = wal_done(ns->wal, id, s[i].step);
    }
    if (rc == 0 && !ns->o->dry_run)
        rc = wal_end(ns->wal, id);
    return rc;
}

static int log_batch(struct rm_ns *ns, struct wal_step *s, size_t n,
                     unsigned *id)
{
    int rc = wal_begin(ns->wal, "gc", id);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        s[i].step = (unsigned)i;
        rc = wal_intent(ns->wal, *id, (unsigned)i, s[i].action,
                        (const char *const *)s[i].args, s[i].nargs);
    }
    if (rc == 0)
        rc = wal_commit(ns->wal, *id, (unsigned)n);
    return rc;
}

int gc_apply(struct rm_ns *ns, struct gc_steps *st)
{
    size_t total = (size_t)par_bcast_int((int)st->n);
    int rc = 0;
    for (size_t at = 0; rc == 0 && at < total; at += GC_BATCH) {
        size_t n = total - at < GC_BATCH ? total - at : GC_BATCH;
        unsigned id = 0;
        if (par_rank() == 0 && !ns->o->dry_run)
            rc = log_batch(ns, st->s + at, n, &id);
        rc = par_bcast_int(rc);
        if (rc == 0)
            rc = run_batch(ns, id, par_rank() == 0 ? st->s + at : NULL, n, 1);
        rc = par_bcast_int(rc);
    }
    if (rc == 0 && par_rank() == 0 && !ns->o->dry_run && total > 0)
        rc = wal_clear(ns->wal);
    return par_bcast_int(rc);
}

int gc_replay(struct rm_ns *ns, struct wal_batch *b)
{
    /* only intents a commit covers were ever acted on */
    size_t n = 0;
    while (n < b->n && b->s[n].step < b->committed)
        n++;
    rm_act(ns->o, "gc %s: finishing batch %u of a killed run (%zu step(s))",
           ns->ns->path, b->id, n);
    return run_batch(ns, b->id, b->s, n, 0);
}
