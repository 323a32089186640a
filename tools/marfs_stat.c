/*
 * marfs_stat.c - `marfs stat PATH...`: the "display xattrs" tool.
 *
 * Prints the POSIX fields (through the API, not following a final
 * symlink), then for a regular file its decoded tag, the objects it spans
 * and where each block of each object lives with its health.  The tag is
 * read raw (marfs_tag.c) so a corrupt or truncated one is shown and
 * reported (exit 1) instead of being used.  A setuid marfs shows the
 * POSIX fields only.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "marfs_cmd.h"
#include "marfs_tag.h"
#include "tool_common.h"

struct stat_ctx {
    struct mt *m;
    const struct mcfg *cfg;
    ne_ctx_t **ne;              /* by repo index, created on first use */
};

static const char *type_str(mode_t m)
{
    return S_ISREG(m) ? "regular file" : S_ISDIR(m) ? "directory"
         : S_ISLNK(m) ? "symbolic link" : "special file";
}

static void print_time(const char *what, const struct timespec *ts)
{
    char buf[64];
    struct tm tm;
    time_t t = ts->tv_sec;
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
    printf("%s: %s.%09ld\n", what, buf, ts->tv_nsec);
}

static void print_posix(struct mt *m, const char *path, const struct stat *st)
{
    char mode[11], target[PATH_MAX] = "";
    struct passwd *pw = getpwuid(st->st_uid);
    struct group *gr = getgrgid(st->st_gid);
    if (S_ISLNK(st->st_mode)) {
        ssize_t n = marfs_readlink(m->ctx, path, target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = '\0';
    }
    mutil_mode_str(st->st_mode, mode);
    printf("File: %s%s%s\n", path, target[0] ? " -> " : "", target);
    printf("Type: %s\n", type_str(st->st_mode));
    printf("Size: %llu  Blocks: %llu  Links: %llu  Inode: %llu\n",
           (unsigned long long)st->st_size, (unsigned long long)st->st_blocks,
           (unsigned long long)st->st_nlink, (unsigned long long)st->st_ino);
    printf("Mode: %04o (%s)  Uid: %u (%s)  Gid: %u (%s)\n",
           (unsigned)(st->st_mode & 07777), mode, (unsigned)st->st_uid,
           pw ? pw->pw_name : "?", (unsigned)st->st_gid,
           gr ? gr->gr_name : "?");
    print_time("Access", &st->st_atim);
    print_time("Modify", &st->st_mtim);
    print_time("Change", &st->st_ctim);
}

/* A raw tag for a message: printable bytes, others as \xNN, capped. */
static void shown_value(const char *v, ssize_t len, char *out, size_t outsz)
{
    size_t o = 0;
    for (ssize_t i = 0; i < len && o + 8 < outsz; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", c);
    }
    if (len > 0 && o + 8 >= outsz)
        o += (size_t)snprintf(out + o, outsz - o, "...");
    out[o] = '\0';
}

static int tag_error(struct mt *m, const char *path,
                     const struct mt_rawtag *raw, int rc)
{
    char shown[256];
    if (rc == -ENODATA) {
        fprintf(stderr, "%s: stat %s: the file has no marfs tag (%s on %s)\n",
                m->prog, path, FTAG_XATTR, raw->inode);
    } else if (rc == -ERANGE) {
        fprintf(stderr, "%s: stat %s: corrupt marfs tag (%s on %s is longer "
                "than %d bytes)\n", m->prog, path, FTAG_XATTR, raw->inode,
                FTAG_MAX);
    } else if (rc == -EINVAL) {
        shown_value(raw->value, raw->len, shown, sizeof(shown));
        fprintf(stderr, "%s: stat %s: corrupt marfs tag (%s on %s): "
                "\"%s\"\n", m->prog, path, FTAG_XATTR, raw->inode, shown);
    } else {
        fprintf(stderr, "%s: stat %s: cannot read its marfs tag: %s\n",
                m->prog, path, strerror(-rc));
    }
    return TOOL_FAILED;
}

static int repo_ne(struct stat_ctx *s, const struct mcfg_repo *repo,
                   ne_ctx_t **out)
{
    size_t i = (size_t)(repo - s->cfg->repos);
    int rc = s->ne[i] ? 0 : ne_ctx_create(repo, &s->ne[i]);
    *out = s->ne[i];
    return rc;
}

static int stat_tag(struct stat_ctx *s, const char *path)
{
    struct mt_rawtag raw;
    struct ftag tag;
    ne_ctx_t *ne;
    int rc = mt_read_rawtag(s->cfg, path, &raw);
    if (rc == 0)
        rc = ftag_decode(raw.value, (size_t)raw.len, &tag);
    if (rc < 0)
        return tag_error(s->m, path, &raw, rc);
    printf("Inode: %s\n", raw.inode);
    mt_print_tag(&tag);
    if ((rc = repo_ne(s, raw.ns->repo, &ne)) < 0) {
        fprintf(stderr, "%s: stat %s: repo %s: cannot set up the erasure "
                "layer: %s\n", s->m->prog, path, raw.ns->repo->name,
                strerror(-rc));
        return TOOL_FAILED;
    }
    unsigned bad = mt_print_layout(ne, &tag);
    if (bad > 0)
        fprintf(stderr, "%s: stat %s: %u object(s) missing or unreadable\n",
                s->m->prog, path, bad);
    return bad ? TOOL_FAILED : TOOL_OK;
}

static int stat_one(struct stat_ctx *s, const char *path)
{
    struct stat st;
    int rc = marfs_lstat(s->m->ctx, path, &st);
    if (rc < 0)
        return mt_fail(s->m, "stat", path, rc);
    print_posix(s->m, path, &st);
    if (!S_ISREG(st.st_mode))
        return TOOL_OK;
    if (s->cfg == NULL) {
        printf("Tag: (objects and blocks are shown to administrators)\n");
        return TOOL_OK;
    }
    return stat_tag(s, path);
}

static int load_model(struct stat_ctx *s)
{
    int rc = dal_config_load(s->m->config, stderr, &s->cfg);
    if (rc == 0 && (s->ne = calloc(s->cfg->nrepos, sizeof(*s->ne))) == NULL) {
        mcfg_free(s->cfg);
        rc = -ENOMEM;
    }
    if (rc < 0)
        fprintf(stderr, "%s: config %s: %s\n", s->m->prog, s->m->config,
                strerror(-rc));
    return rc < 0 ? TOOL_USAGE : TOOL_OK;
}

static void free_model(struct stat_ctx *s)
{
    if (s->cfg == NULL)
        return;
    for (size_t i = 0; s->ne && i < s->cfg->nrepos; i++)
        if (s->ne[i])
            ne_ctx_destroy(s->ne[i]);
    free(s->ne);
    mcfg_free(s->cfg);
}

int cmd_stat(struct mt *m, int argc, char **argv)
{
    struct stat_ctx s = {.m = m};
    int code;
    optind = 0;
    if (getopt(argc, argv, "+") != -1 || optind >= argc)
        return mt_usage(m, "stat PATH...");
    /* Tags, objects and blocks are read below the API, through the
     * roots: a setuid marfs no longer reaches them, and its user need
     * not know where other users' data lives. */
    if ((code = mt_open(m)) != TOOL_OK ||
        (!marfs_is_setuid() && (code = load_model(&s)) != TOOL_OK))
        return code;
    int result = TOOL_OK;
    for (int i = optind; i < argc; i++) {
        if (i > optind)
            printf("\n");
        if (stat_one(&s, argv[i]) != TOOL_OK)
            result = TOOL_FAILED;
    }
    free_model(&s);
    return result;
}
