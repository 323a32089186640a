/*
 * ep_synth.c - the synthetic source "synth://COUNT/SIZE[/PERDIR]": a tree
 * of COUNT files of SIZE bytes (K/M/G suffixes), PERDIR (default 1000)
 * to a directory d000000, d000001, ... each holding f00000000, ...
 * Contents are a cheap deterministic pattern (byte k of file i is
 * (k + i) % 251), so benchmarks read no storage and copies can be
 * checked.  Read-only.
 */
#include "endpoint.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "marfs_config.h"

enum {
    SYN_PERIOD = 251,                 /* prime: patterns do not align */
    SYN_PATTERN = (1 << 20) + SYN_PERIOD,
    SYN_NAME_LEN = 16,
};
#define SYN_MTIME 1600000000

struct synth {
    char root[256];     /* the spec as given, no trailing '/' */
    uint64_t count, size, perdir;
    unsigned char *pattern;
};

struct ep_file {
    struct synth *s;
    uint64_t index;
};

struct ep_dir {
    struct synth *s;
    int is_root;
    uint64_t next, end, dirno;
    char name[SYN_NAME_LEN];
};

/* Parse "COUNT/SIZE[/PERDIR]" at p; returns the rest of the path. */
static const char *parse_spec(const char *p, uint64_t v[3])
{
    char tok[64];
    v[2] = 1000;
    for (int i = 0; i < 3; i++) {
        size_t n = strcspn(p, "/");
        if (n == 0 || n >= sizeof(tok) || (i == 2 && *p == 'd'))
            return i >= 2 ? p : NULL;
        memcpy(tok, p, n);
        tok[n] = '\0';
        if (mcfg_parse_size(tok, &v[i]) < 0)
            return i >= 2 ? p : NULL;
        p += n;
        if (*p == '/')
            p++;
    }
    return p;
}

int ep_synth_parse(const char *spec, uint64_t *count, uint64_t *size,
                   uint64_t *perdir);
int ep_synth_parse(const char *spec, uint64_t *count, uint64_t *size,
                   uint64_t *perdir)
{
    uint64_t v[3];
    if (strncmp(spec, EP_SYNTH_PREFIX, strlen(EP_SYNTH_PREFIX)) != 0)
        return -EINVAL;
    if (parse_spec(spec + strlen(EP_SYNTH_PREFIX), v) == NULL || v[2] == 0)
        return -EINVAL;
    *count = v[0];
    *size = v[1];
    *perdir = v[2];
    return 0;
}

/* Resolve path to: -1 root, or dir number (*file = -1) or file index. */
static int resolve(struct synth *s, const char *path, int64_t *dir,
                   int64_t *file)
{
    uint64_t v[3];
    const char *rest = parse_spec(path + strlen(EP_SYNTH_PREFIX), v);
    if (rest == NULL)
        return -ENOENT;
    *dir = *file = -1;
    if (*rest == '\0')
        return 0;
    unsigned long long d, f;
    char extra;
    if (sscanf(rest, "d%6llu/f%8llu%c", &d, &f, &extra) == 2) {
        if (f >= s->count || f / s->perdir != d)
            return -ENOENT;
        *dir = (int64_t)d;
        *file = (int64_t)f;
        return 0;
    }
    if (sscanf(rest, "d%6llu%c", &d, &extra) == 1 &&
        d * s->perdir < s->count) {
        *dir = (int64_t)d;
        return 0;
    }
    return -ENOENT;
}

static int sy_lstat(struct ep *ep, const char *path, struct stat *st)
{
    struct synth *s = ep->priv;
    int64_t dir, file;
    int rc = resolve(s, path, &dir, &file);
    if (rc < 0)
        return rc;
    memset(st, 0, sizeof(*st));
    st->st_uid = getuid();
    st->st_gid = getgid();
    st->st_mtim.tv_sec = st->st_atim.tv_sec = SYN_MTIME;
    st->st_ino = (uint64_t)(file >= 0 ? file + 1000000000 : dir + 2);
    st->st_nlink = file >= 0 ? 1 : 2;
    st->st_mode = file >= 0 ? (S_IFREG | 0644) : (S_IFDIR | 0755);
    st->st_size = file >= 0 ? (off_t)s->size : 4096;
    st->st_blocks = (st->st_size + 511) / 512;   /* not sparse */
    return 0;
}

static int sy_opendir(struct ep *ep, const char *path, struct ep_dir **out)
{
    struct synth *s = ep->priv;
    int64_t dir, file;
    int rc = resolve(s, path, &dir, &file);
    if (rc < 0)
        return rc;
    if (file >= 0)
        return -ENOTDIR;
    struct ep_dir *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return -ENOMEM;
    d->s = s;
    d->is_root = dir < 0;
    if (d->is_root) {
        d->end = (s->count + s->perdir - 1) / s->perdir;
    } else {
        d->next = (uint64_t)dir * s->perdir;
        d->end = d->next + s->perdir;
        if (d->end > s->count)
            d->end = s->count;
    }
    *out = d;
    return 0;
}

static int sy_readdir(struct ep_dir *d, struct ep_dirent *e)
{
    if (d->next >= d->end)
        return 0;
    snprintf(d->name, sizeof(d->name), d->is_root ? "d%06llu" : "f%08llu",
             (unsigned long long)d->next);
    d->next++;
    e->name = d->name;
    e->d_type = d->is_root ? DT_DIR : DT_REG;
    return 1;
}

static void sy_closedir(struct ep_dir *d)
{
    free(d);
}

static int sy_open(struct ep *ep, const char *path, struct ep_file **out)
{
    struct synth *s = ep->priv;
    int64_t dir, file;
    int rc = resolve(s, path, &dir, &file);
    if (rc < 0)
        return rc;
    if (file < 0)
        return -EISDIR;
    *out = malloc(sizeof(**out));
    if (*out == NULL)
        return -ENOMEM;
    (*out)->s = s;
    (*out)->index = (uint64_t)file;
    return 0;
}

static ssize_t sy_pread(struct ep_file *f, void *buf, size_t len, off_t off)
{
    struct synth *s = f->s;
    if ((uint64_t)off >= s->size)
        return 0;
    if (len > s->size - (uint64_t)off)
        len = (size_t)(s->size - (uint64_t)off);
    size_t done = 0;
    while (done < len) {
        size_t phase = ((uint64_t)off + done + f->index) % SYN_PERIOD;
        size_t n = len - done;
        if (n > SYN_PATTERN - phase)
            n = SYN_PATTERN - phase;
        memcpy((char *)buf + done, s->pattern + phase, n);
        done += n;
    }
    return (ssize_t)len;
}

static int sy_data_region(struct ep_file *f, off_t off, off_t size,
                          off_t *start, off_t *end)
{
    (void)f;
    if (off >= size)
        return -ENXIO;
    *start = off;
    *end = size;
    return 0;
}

static int sy_close(struct ep_file *f)
{
    free(f);
    return 0;
}

static void sy_term(struct ep *ep)
{
    struct synth *s = ep->priv;
    free(s->pattern);
    free(s);
    free(ep);
}

static const struct ep_ops synth_ops = {
    .lstat = sy_lstat, .opendir = sy_opendir, .readdir = sy_readdir,
    .closedir = sy_closedir, .open = sy_open, .pread = sy_pread,
    .data_region = sy_data_region, .close = sy_close, .term = sy_term,
};

int ep_synth_new(const char *spec, struct ep **out)
{
    struct synth *s = calloc(1, sizeof(*s));
    struct ep *ep = calloc(1, sizeof(*ep));
    if (s == NULL || ep == NULL ||
        (s->pattern = malloc(SYN_PATTERN)) == NULL) {
        free(s);
        free(ep);
        return -ENOMEM;
    }
    if (ep_synth_parse(spec, &s->count, &s->size, &s->perdir) < 0) {
        free(s->pattern);
        free(s);
        free(ep);
        return -EINVAL;
    }
    for (size_t i = 0; i < SYN_PATTERN; i++)
        s->pattern[i] = (unsigned char)(i % SYN_PERIOD);
    ep->ops = &synth_ops;
    ep->kind = EP_SYNTH;
    ep->priv = s;
    *out = ep;
    return 0;
}
