/*
 * roots.c - which SRC goes where, decided once on rank 0 and broadcast:
 *  - one SRC: DST names the copy (so a rerun of the same command lands
 *    in the same place whether or not DST exists now), except that a
 *    file copied onto an existing directory goes inside it;
 *  - several SRCs, or DST ending in '/': each goes to DST/basename(SRC).
 * Also refuses to copy a tree into itself.
 */
#include <errno.h>
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "endpoint.h"
#include "log.h"
#include "msg.h"
#include "pbuf.h"
#include "pftool.h"

static char *normalise(const char *p)
{
    char *s = strdup(p);
    if (s == NULL)
        abort();
    size_t n = strlen(s);
    while (n > 1 && s[n - 1] == '/' && strncmp(s, EP_SYNTH_PREFIX, n) != 0)
        s[--n] = '\0';
    return s;
}

static char *join_base(const char *dir, const char *src)
{
    const char *base = strrchr(src, '/');
    base = base ? base + 1 : src;
    size_t n = strlen(dir) + strlen(base) + 2;
    char *out = malloc(n);
    if (out == NULL)
        abort();
    snprintf(out, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", base);
    return out;
}

/* realpath of a path that may not exist yet (its longest existing prefix). */
static int resolve_future(const char *path, char *out)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", path);
    char *cut = NULL;
    while (realpath(buf, out) == NULL) {
        char *slash = strrchr(buf, '/');
        if (slash == NULL || slash == buf)
            return -ENOENT;
        if (cut)
            *cut = '/';
        *slash = '\0';
        cut = slash;
    }
    if (cut) {
        *cut = '/';
        size_t n = strlen(out);
        snprintf(out + n, PATH_MAX - n, "%s", path + (cut - buf));
    }
    return 0;
}

/* The endpoint that serves p when it is a marfs path (NULL otherwise):
 * the layout decisions below must ask marfs, not the local file system,
 * where such a path does not exist. */
static struct ep *marfs_ep(const struct pf_opts *o, const char *p)
{
    struct ep *ep;
    return ep_for_path(p, o, &ep) == 0 && ep->kind == EP_MARFS ? ep : NULL;
}

static int is_dir(const struct pf_opts *o, const char *p)
{
    struct stat st;
    struct ep *ep = marfs_ep(o, p);
    if (ep != NULL)
        return ep->ops->lstat(ep, p, &st) == 0 && S_ISDIR(st.st_mode);
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int under(const char *a, const char *b)
{
    size_t n = strlen(a);
    return strcmp(a, b) == 0 || (strncmp(a, b, n) == 0 && (b[n] == '/' || n == 1));
}

static int into_itself(const struct pf_opts *o, const char *src,
                       const char *dst)
{
    char a[PATH_MAX], b[PATH_MAX];
    struct stat st;
    if (marfs_ep(o, src) != NULL) {
        /* marfs paths are normalised lexically, as marfs-lib resolves them */
        char *ns = normalise(src), *nd = normalise(dst);
        int r = is_dir(o, src) && marfs_ep(o, dst) != NULL && under(ns, nd);
        free(ns);
        free(nd);
        return r;
    }
    if (lstat(src, &st) < 0 || !S_ISDIR(st.st_mode) || realpath(src, a) == NULL ||
        resolve_future(dst, b) < 0)
        return 0;
    return under(a, b);
}

static int make_dst_dir(const struct pf_opts *o)
{
    struct ep *ep = marfs_ep(o, o->dst);
    int rc = ep != NULL ? ep->ops->mkdir(ep, o->dst, 0755)
                        : mkdir(o->dst, 0755) == 0 ? 0 : -errno;
    return rc == -EEXIST ? 0 : rc;
}

static int plan_dst(struct pf_job *job, int *into)
{
    const struct pf_opts *o = &job->opts;
    size_t n = strlen(o->dst);
    *into = o->nsrcs > 1 || (n > 0 && o->dst[n - 1] == '/');
    if (!*into && is_dir(o, o->dst) &&
        strncmp(o->srcs[0], EP_SYNTH_PREFIX, strlen(EP_SYNTH_PREFIX)) != 0 &&
        !is_dir(o, o->srcs[0]))
        *into = 1;
    if (!*into || o->cmd == PF_CMD_CM || o->dry_run || is_dir(o, o->dst))
        return 0;
    if (strncmp(o->dst, EP_NULL_PREFIX, strlen(EP_NULL_PREFIX)) == 0)
        return 0;
    int rc = make_dst_dir(o);
    if (rc < 0) {
        fprintf(stderr, "%s: %s: cannot make the destination directory: %s\n",
                o->prog, o->dst, strerror(-rc));
        return -EINVAL;
    }
    return 0;
}

static int make_local(struct pf_job *job)
{
    const struct pf_opts *o = &job->opts;
    static char *dot[] = {"."};
    char **srcs = o->nsrcs ? o->srcs : dot;
    int into = 0;
    job->nroots = o->nsrcs ? o->nsrcs : 1;
    job->roots = calloc((size_t)job->nroots, sizeof(*job->roots));
    if (job->roots == NULL)
        abort();
    if (o->dst && plan_dst(job, &into) < 0)
        return -EINVAL;
    for (int i = 0; i < job->nroots; i++) {
        struct pf_root *r = &job->roots[i];
        r->src = normalise(srcs[i]);
        if (o->dst)
            r->dst = into ? join_base(o->dst, r->src) : normalise(o->dst);
        if (o->dst && o->cmd != PF_CMD_CM && into_itself(o, r->src, r->dst)) {
            fprintf(stderr, "%s: cannot copy %s into itself (%s)\n", o->prog,
                    r->src, r->dst);
            return -EINVAL;
        }
    }
    return 0;
}

static void bcast_pbuf(struct pbuf *b)
{
    uint64_t len = b->len;
    MPI_Request req;
    MPI_Ibcast(&len, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD, &req);
    msg_complete(&req);
    if (b->len < len) {
        pbuf_init(b, len);
        b->len = len;
    }
    MPI_Ibcast(b->data, (int)len, MPI_BYTE, 0, MPI_COMM_WORLD, &req);
    msg_complete(&req);
}

/* Rank 0 decides (returns <0 on a usage error), everyone receives. */
int pf_make_roots(struct pf_job *job)
{
    struct pbuf b;
    int32_t rc = 0;
    pbuf_init(&b, 0);
    if (job->rank == 0) {
        rc = make_local(job);
        pbuf_u32(&b, (uint32_t)rc);
        pbuf_u32(&b, (uint32_t)job->nroots);
        for (int i = 0; rc == 0 && i < job->nroots; i++) {
            pbuf_str(&b, job->roots[i].src);
            pbuf_str(&b, job->roots[i].dst);
        }
    }
    bcast_pbuf(&b);
    if (job->rank != 0) {
        struct preader r;
        preader_init(&r, b.data, b.len);
        rc = (int32_t)pget_u32(&r);
        job->nroots = (int)pget_u32(&r);
        job->roots = calloc((size_t)job->nroots, sizeof(*job->roots));
        for (int i = 0; rc == 0 && i < job->nroots; i++) {
            job->roots[i].src = strdup(pget_str(&r));
            const char *d = pget_str(&r);
            job->roots[i].dst = job->opts.dst ? strdup(d) : NULL;
        }
    }
    pbuf_free(&b);
    return rc;
}
