/*
 * walk.c - read a namespace's reference tree into a table of entries
 * (files.h).
 *
 * The tree has rdepth levels of directories; files live in the leaves,
 * beside their N:1 chunk markers ("<ref>#c<k>", always in the same leaf
 * as their file: the leaf is a hash of the ref name).  With several MPI
 * ranks each reads the first-level directories whose number modulo the
 * rank count is its own.  One fstatat and one getxattr per entry: the
 * link count says whether a user path is left, the ctime when the last
 * one went, the tag where the data is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "files.h"
#include "log.h"
#include "par.h"
#include "reftree.h"

static int add_file(struct rm_files *fs, struct rm_file **out)
{
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : 1024;
        void *p = realloc(fs->f, cap * sizeof(*fs->f));
        if (p == NULL)
            return -ENOMEM;
        fs->f = p;
        fs->cap = cap;
    }
    *out = &fs->f[fs->n];
    memset(*out, 0, sizeof(**out));
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* A tag that does not decode may still name its stream: keep it safe. */
static uint32_t bad_tag_stream(struct rm_files *fs, const char *raw)
{
    const char *p = strstr(raw, " stream=");
    char id[128];
    size_t len = 0;
    if (p == NULL)
        return RM_NO_STREAM;
    for (p += 8; *p != '\0' && *p != ' ' && len + 1 < sizeof(id); p++)
        id[len++] = *p;
    id[len] = '\0';
    return len ? strtab_add(fs->streams, id) : RM_NO_STREAM;
}

static void fill_tag(struct rm_files *fs, struct rm_file *f,
                     const struct ftag *t)
{
    f->stream = strtab_add(fs->streams, t->stream);
    f->complete = t->state == FTAG_COMPLETE;
    f->nto1 = (uint8_t)t->nto1;
    f->has_crc = (uint8_t)t->has_crc;
    f->objno = t->objno;
    f->off = t->off;
    f->first = t->first;
    f->chunk = t->chunk;
    f->hdr = t->hdr;
    f->size = t->size;
    f->crc = t->crc;
    f->psz = t->psz;
    f->n = t->n;
    f->e = t->e;
}

static int read_tag(struct rm_files *fs, struct rm_file *f, int dirfd,
                    const char *name)
{
    char raw[FTAG_MAX + 1];
    struct ftag t;
    int n = ref_tag_raw(dirfd, name, raw, sizeof(raw));
    if (n == -ENODATA) {
        f->kind = RF_UNTAGGED;
        f->stream = RM_NO_STREAM;
        return 0;
    }
    if (n < 0 && n != -EINVAL)
        return n;
    if (n < 0 || ftag_decode(raw, (size_t)n, &t) < 0) {
        f->kind = RF_BADTAG;
        f->stream = n < 0 ? RM_NO_STREAM : bad_tag_stream(fs, raw);
        return 0;
    }
    fill_tag(fs, f, &t);
    if (f->stream == RM_NO_STREAM)
        return -ENOMEM;
    return 0;
}

static int is_expired(int dirfd, const char *name)
{
    char p[PATH_MAX];
    if (mdal_proc_path(dirfd, name, p, sizeof(p)) < 0)
        return 0;
    return lgetxattr(p, RM_EXPIRED_XATTR, NULL, 0) >= 0;
}

int files_read_entry(int dirfd, const char *name, struct rm_files *out)
{
    struct stat st;
    struct rm_file *f;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return 0;
    int rc = add_file(out, &f);
    if (rc < 0)
        return rc;
    if ((f->ref = strdup(name)) == NULL)
        return -ENOMEM;
    f->kind = ends_with(name, RM_RETIRED_SUFFIX) ? RF_RETIRED : RF_FILE;
    f->nlink = (uint32_t)st.st_nlink;
    f->ctime = st.st_ctim.tv_sec;
    f->ctime_ns = st.st_ctim.tv_nsec;
    f->ino = st.st_ino;
    rc = read_tag(out, f, dirfd, name);
    if (rc < 0) {
        free(f->ref);
        return rc;
    }
    if (f->kind == RF_FILE && f->nlink == 1 && f->complete)
        f->expired = (uint8_t)is_expired(dirfd, name);
    out->n++;
    return 0;
}

/* Markers of one leaf, attached to their files once the leaf is read. */
struct leaf_markers {
    char **name;
    int64_t *mtime;
    size_t n, cap;
};

static int note_marker(struct leaf_markers *m, int dirfd, const char *name)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : -errno;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        void *a = realloc(m->name, cap * sizeof(*m->name));
        if (a == NULL)
            return -ENOMEM;
        m->name = a;
        void *b = realloc(m->mtime, cap * sizeof(*m->mtime));
        if (b == NULL)
            return -ENOMEM;
        m->mtime = b;
        m->cap = cap;
    }
    if ((m->name[m->n] = strdup(name)) == NULL)
        return -ENOMEM;
    m->mtime[m->n++] = st.st_mtim.tv_sec;
    return 0;
}

static int add_orphan(struct rm_files *fs, char *name, int64_t mtime)
{
    if (fs->norphans == fs->orphcap) {
        size_t cap = fs->orphcap ? fs->orphcap * 2 : 16;
        void *p = realloc(fs->orphans, cap * sizeof(*fs->orphans));
        if (p == NULL)
            return -ENOMEM;
        fs->orphans = p;
        fs->orphcap = cap;
    }
    fs->orphans[fs->norphans++] = (struct rm_marker){name, mtime};
    return 0;
}

static int attach_markers(struct rm_files *fs, size_t first,
                          struct leaf_markers *m)
{
    int rc = 0;
    for (size_t i = 0; i < m->n; i++) {
        size_t len = (size_t)(strstr(m->name[i], "#c") - m->name[i]);
        struct rm_file *owner = NULL;
        for (size_t j = first; j < fs->n && owner == NULL; j++)
            if (strncmp(fs->f[j].ref, m->name[i], len) == 0 &&
                fs->f[j].ref[len] == '\0')
                owner = &fs->f[j];
        if (owner != NULL) {
            owner->markers++;
            if (m->mtime[i] > owner->marker_mtime)
                owner->marker_mtime = m->mtime[i];
            free(m->name[i]);
        } else if (rc == 0) {
            rc = add_orphan(fs, m->name[i], m->mtime[i]);
        } else {
            free(m->name[i]);
        }
    }
    free(m->name);
    free(m->mtime);
    return rc;
}

/* seen == NULL: read every entry; else only names not in seen, and no
 * markers (gc's second pass looks for files created meanwhile). */
static int read_leaf(struct rm_ns *ns, int dirfd, const char *path,
                     const struct strtab *seen, struct rm_files *out)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return errno == ENOENT ? 0 : -errno;
    }
    struct leaf_markers m = {0};
    size_t first = out->n;
    int rc = 0;
    struct dirent *de;
    out->dirs++;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (strstr(de->d_name, "#c") != NULL) {
            if (seen == NULL)
                rc = note_marker(&m, dirfd, de->d_name);
            continue;
        }
        if (seen != NULL && strtab_find(seen, de->d_name) != UINT32_MAX)
            continue;
        rc = files_read_entry(dirfd, de->d_name, out);
        if (rc == -ENOENT)      /* removed meanwhile */
            rc = 0;
        if (rc < 0)
            LOG_ERR("namespace %s: reference %s/%s: %s", ns->ns->path, path,
                    de->d_name, strerror(-rc));
    }
    closedir(d);
    int arc = attach_markers(out, first, &m);
    return rc < 0 ? rc : arc;
}

static int walk_dir(struct rm_ns *ns, int dirfd, const char *path,
                    unsigned depth, int share, const struct strtab *seen,
                    struct rm_files *out)
{
    if (depth == ns->repo->rdepth)
        return read_leaf(ns, dirfd, path, seen, out);
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return errno == ENOENT ? 0 : -errno;
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        char sub[PATH_MAX];
        if (de->d_name[0] == '.')
            continue;
        /* first level: split among ranks by directory number */
        if (depth == 0 && share && par_size() > 1 &&
            strtoul(de->d_name, NULL, 10) % (unsigned)par_size() !=
                (unsigned)par_rank())
            continue;
        int sfd = openat(dirfd, de->d_name, O_PATH | O_DIRECTORY |
                         O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0)
            continue;       /* not a directory level */
        snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "/" : "",
                 de->d_name);
        rc = walk_dir(ns, sfd, sub, depth + 1, share, seen, out);
        close(sfd);
    }
    closedir(d);
    return rc;
}

static int walk(struct rm_ns *ns, int share, const struct strtab *seen,
                struct rm_files *out)
{
    if (out->streams == NULL && (out->streams = strtab_new()) == NULL)
        return -ENOMEM;
    /* with no levels, rank 0 reads the single directory */
    if (share && ns->repo->rdepth == 0 && par_rank() != 0)
        return 0;
    int rc = walk_dir(ns, ns->md->reffd, "", 0, share, seen, out);
    if (rc < 0)
        LOG_ERR("namespace %s: reading the reference tree: %s", ns->ns->path,
                strerror(-rc));
    return rc;
}

int files_walk(struct rm_ns *ns, struct rm_files *out)
{
    return walk(ns, 1, NULL, out);
}

int files_walk_new(struct rm_ns *ns, const struct strtab *seen,
                   struct rm_files *out)
{
    return walk(ns, 0, seen, out);
}

void files_free(struct rm_files *fs)
{
    for (size_t i = 0; i < fs->n; i++)
        free(fs->f[i].ref);
    for (size_t i = 0; i < fs->norphans; i++)
        free(fs->orphans[i].name);
    free(fs->f);
    free(fs->orphans);
    strtab_free(fs->streams);
    memset(fs, 0, sizeof(*fs));
}

size_t files_find(struct rm_files *fs, const char *ref)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->f[i].ref, ref) == 0)
            return i;
    return SIZE_MAX;
}

void files_ftag(const struct rm_files *fs, const struct rm_file *f,
                struct ftag *t)
{
    memset(t, 0, sizeof(*t));
    t->version = FTAG_VERSION;
    t->state = f->complete ? FTAG_COMPLETE : FTAG_WRITING;
    t->nto1 = f->nto1;
    snprintf(t->stream, sizeof(t->stream), "%s",
             f->stream == RM_NO_STREAM ? "" : strtab_get(fs->streams, f->stream));
    t->objno = f->objno;
    t->off = f->off;
    t->first = f->first;
    t->chunk = f->chunk;
    t->hdr = f->hdr;
    t->size = f->size;
    t->n = f->n;
    t->e = f->e;
    t->psz = f->psz;
    t->has_crc = f->has_crc;
    t->crc = f->crc;
    snprintf(t->ref, sizeof(t->ref), "%s", f->ref);
}
