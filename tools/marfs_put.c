/*
 * marfs_put.c - `marfs put [-p] [-m MODE] SRC... DST`: store local files
 * (or stdin, "-") as marfs files.
 *
 * Several sources go into directory DST in one pack stream (marfs_creat
 * with the previous handle), so small files share objects.  -p keeps each
 * source's mode exactly (no umask), its owner (set before the first byte,
 * so the objects' recovery records carry it) and its times (set once the
 * last file is closed, when every packed file is complete; the recovery
 * records keep the write time, see doc/recovery.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "marfs_cmd.h"
#include "tool_common.h"

#define PUT_BUF (1u << 20)

struct put_opts {
    int preserve, have_mode;
    mode_t mode;
};

struct put_src {
    const char *name;
    int fd;
    struct stat st;
    char dst[PATH_MAX];
    int done;                  /* written and closed (or handed on) */
};

static int copy_in(struct mt *m, struct put_src *s, marfs_fh_t *fh)
{
    char *buf = malloc(PUT_BUF);
    int rc = buf ? 0 : -ENOMEM;
    while (rc == 0) {
        ssize_t n = read(s->fd, buf, PUT_BUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "%s: put %s: reading %s: %s\n", m->prog, s->dst,
                    s->name, strerror(errno));
            rc = -EIO;
        }
        if (n <= 0)
            break;
        ssize_t w = marfs_write(fh, buf, (size_t)n);
        if (w < 0) {
            mt_fail(m, "put", s->dst, (int)w);
            rc = (int)w;
        }
    }
    free(buf);
    return rc;
}

static int open_src(struct mt *m, struct put_src *s)
{
    if (strcmp(s->name, "-") == 0) {
        s->fd = STDIN_FILENO;
    } else if ((s->fd = open(s->name, O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "%s: put: cannot open %s: %s\n", m->prog, s->name,
                strerror(errno));
        return -1;
    }
    if (fstat(s->fd, &s->st) != 0 || S_ISDIR(s->st.st_mode)) {
        fprintf(stderr, "%s: put: %s: %s\n", m->prog, s->name,
                S_ISDIR(s->st.st_mode) ? "is a directory" : strerror(errno));
        return -1;
    }
    return 0;
}

/* Where a source goes: DST, or DST/basename(SRC) if DST is a directory. */
static int put_target(struct mt *m, struct put_src *s, const char *dst)
{
    struct stat st;
    if (marfs_stat(m->ctx, dst, &st) != 0 || !S_ISDIR(st.st_mode))
        return snprintf(s->dst, sizeof(s->dst), "%s", dst) >=
               (int)sizeof(s->dst) ? -ENAMETOOLONG : 0;
    if (strcmp(s->name, "-") == 0)
        return -EISDIR;
    char copy[PATH_MAX];
    snprintf(copy, sizeof(copy), "%s", s->name);
    return mt_join(dst, basename(copy), s->dst, sizeof(s->dst));
}

/* Create and write one file continuing *prev's stream; on success *prev
 * is the new (still open) handle, on failure NULL. */
static int put_one(struct mt *m, struct put_src *s, const struct put_opts *o,
                   marfs_fh_t **prev)
{
    marfs_fh_t *fh;
    mode_t mode = o->have_mode ? o->mode
                : S_ISREG(s->st.st_mode) ? s->st.st_mode & 07777 : 0666;
    int rc = marfs_creat(m->ctx, s->dst, mode, *prev, &fh);
    *prev = NULL;
    if (rc < 0)
        return mt_fail(m, "put", s->dst, rc);
    if (o->preserve && (rc = marfs_chown(m->ctx, s->dst, s->st.st_uid,
                                         s->st.st_gid)) < 0)
        mt_fail(m, "put (chown)", s->dst, rc);
    if (rc == 0)
        rc = copy_in(m, s, fh);
    if (rc < 0) {
        marfs_abort(fh);
        return TOOL_FAILED;
    }
    *prev = fh;
    s->done = 1;
    return TOOL_OK;
}

/* After the last close (every packed file complete): the times. */
static int set_times(struct mt *m, struct put_src *srcs, int n)
{
    int code = TOOL_OK;
    for (int i = 0; i < n; i++) {
        struct timespec t[2] = {srcs[i].st.st_atim, srcs[i].st.st_mtim};
        int rc = srcs[i].done ? marfs_utimens(m->ctx, srcs[i].dst, t) : 0;
        if (rc < 0)
            code = mt_fail(m, "put (utimens)", srcs[i].dst, rc);
    }
    return code;
}

static int put_all(struct mt *m, struct put_src *srcs, int n,
                   const char *dst, const struct put_opts *o)
{
    marfs_fh_t *prev = NULL;
    int code = TOOL_OK;
    for (int i = 0; i < n; i++) {
        struct put_src *s = &srcs[i];
        int rc;
        if (open_src(m, s) < 0)
            code = TOOL_FAILED;
        else if ((rc = put_target(m, s, dst)) < 0)
            code = mt_fail(m, "put", dst, rc);
        else if (put_one(m, s, o, &prev) != TOOL_OK)
            code = TOOL_FAILED;
        if (s->fd > STDIN_FILENO)
            close(s->fd);
    }
    int rc = prev ? marfs_close(prev) : 0;
    if (rc < 0) {
        fprintf(stderr, "%s: put: storing the last object failed: %s (its "
                "files stay incomplete)\n", m->prog, strerror(-rc));
        return TOOL_FAILED;
    }
    if (o->preserve && set_times(m, srcs, n) != TOOL_OK)
        code = TOOL_FAILED;
    return code;
}

static int dst_is_dir(struct mt *m, const char *dst)
{
    struct stat st;
    return marfs_stat(m->ctx, dst, &st) == 0 && S_ISDIR(st.st_mode);
}

int cmd_put(struct mt *m, int argc, char **argv)
{
    static const char *use = "put [-p] [-m MODE] SRC|- DST\n"
                             "       marfs put [-p] [-m MODE] SRC... DIR";
    struct put_opts o = {0};
    int c, code;
    optind = 0;
    while ((c = getopt(argc, argv, "+pm:")) != -1) {
        if (c == 'p')
            o.preserve = 1;
        else if (c == 'm' && mt_parse_mode(optarg, &o.mode) == 0)
            o.have_mode = 1;
        else
            return mt_usage(m, use);
    }
    int n = argc - optind - 1;
    for (int i = optind; i < argc - 1; i++)
        if (strcmp(argv[i], "-") == 0 && (n > 1 || o.preserve))
            return mt_usage(m, use);   /* stdin: alone, without -p */
    if (n < 1)
        return mt_usage(m, use);
    if ((code = mt_open(m)) != TOOL_OK)
        return code;
    const char *dst = argv[argc - 1];
    if (n > 1 && !dst_is_dir(m, dst))
        return mt_fail(m, "put", dst, -ENOTDIR);
    if (o.preserve || o.have_mode)
        umask(0);    /* the mode asked for, exactly */
    struct put_src *srcs = calloc((size_t)n, sizeof(*srcs));
    if (srcs == NULL)
        return mt_fail(m, "put", dst, -ENOMEM);
    for (int i = 0; i < n; i++) {
        srcs[i].name = argv[optind + i];
        srcs[i].fd = -1;
    }
    code = put_all(m, srcs, n, dst, &o);
    free(srcs);
    return code;
}
