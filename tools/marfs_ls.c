/*
 * marfs_ls.c - `marfs ls [-l] [-n] [-d] PATH...`: list directories and
 * files through the API.  -l prints what ls -l prints (mode, links,
 * owner, group, size, mtime as "YYYY-MM-DD HH:MM" local time, name;
 * symlinks with "-> target"), columns aligned per listing; entries are
 * sorted by byte value of their names.
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
#include "tool_common.h"

struct ls_opts {
    int longfmt, numeric, dirself;
};

struct ls_ent {
    char *name;               /* as shown */
    struct stat st;
    char target[PATH_MAX];    /* symlinks: the link's text */
    char owner[32], group[32];
};

struct ls_list {
    struct ls_ent *e;
    size_t n, cap;
};

static void owner_names(struct ls_ent *e, int numeric)
{
    struct passwd *pw = numeric ? NULL : getpwuid(e->st.st_uid);
    struct group *gr = numeric ? NULL : getgrgid(e->st.st_gid);
    if (pw != NULL)
        snprintf(e->owner, sizeof(e->owner), "%s", pw->pw_name);
    else
        snprintf(e->owner, sizeof(e->owner), "%u", (unsigned)e->st.st_uid);
    if (gr != NULL)
        snprintf(e->group, sizeof(e->group), "%s", gr->gr_name);
    else
        snprintf(e->group, sizeof(e->group), "%u", (unsigned)e->st.st_gid);
}

/* lstat path and append it to the list under the name shown. */
static int add_entry(struct mt *m, struct ls_list *l, const char *path,
                     const char *shown, const struct ls_opts *o)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        void *p = realloc(l->e, cap * sizeof(*l->e));
        if (p == NULL)
            return -ENOMEM;
        l->e = p;
        l->cap = cap;
    }
    struct ls_ent *e = &l->e[l->n];
    memset(e, 0, sizeof(*e));
    int rc = marfs_lstat(m->ctx, path, &e->st);
    if (rc == 0 && S_ISLNK(e->st.st_mode) && o->longfmt) {
        ssize_t n = marfs_readlink(m->ctx, path, e->target,
                                   sizeof(e->target) - 1);
        rc = n < 0 ? (int)n : 0;
        if (n >= 0)
            e->target[n] = '\0';
    }
    if (rc < 0)
        return rc;
    if ((e->name = strdup(shown)) == NULL)
        return -ENOMEM;
    owner_names(e, o->numeric);
    l->n++;
    return 0;
}

static void free_list(struct ls_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->e[i].name);
    free(l->e);
    memset(l, 0, sizeof(*l));
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct ls_ent *)a)->name,
                  ((const struct ls_ent *)b)->name);
}

static int width_u(unsigned long long v)
{
    char buf[32];
    return snprintf(buf, sizeof(buf), "%llu", v);
}

static void print_list(const struct ls_list *l, const struct ls_opts *o)
{
    int wl = 0, wo = 0, wg = 0, ws = 0;
    for (size_t i = 0; i < l->n && o->longfmt; i++) {
        const struct ls_ent *e = &l->e[i];
        int w;
        if ((w = width_u((unsigned long long)e->st.st_nlink)) > wl) wl = w;
        if ((w = (int)strlen(e->owner)) > wo) wo = w;
        if ((w = (int)strlen(e->group)) > wg) wg = w;
        if ((w = width_u((unsigned long long)e->st.st_size)) > ws) ws = w;
    }
    for (size_t i = 0; i < l->n; i++) {
        const struct ls_ent *e = &l->e[i];
        if (!o->longfmt) {
            printf("%s\n", e->name);
            continue;
        }
        char mode[11], when[32];
        struct tm tm;
        time_t t = e->st.st_mtim.tv_sec;
        mutil_mode_str(e->st.st_mode, mode);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime_r(&t, &tm));
        printf("%s %*llu %-*s %-*s %*llu %s %s%s%s\n", mode, wl,
               (unsigned long long)e->st.st_nlink, wo, e->owner, wg, e->group,
               ws, (unsigned long long)e->st.st_size, when, e->name,
               S_ISLNK(e->st.st_mode) ? " -> " : "",
               S_ISLNK(e->st.st_mode) ? e->target : "");
    }
}

/* Entries of directory path, sorted. */
static int list_dir(struct mt *m, const char *path, const struct ls_opts *o,
                    struct ls_list *l)
{
    marfs_dh_t *dh;
    int rc = marfs_opendir(m->ctx, path, &dh), err = 0;
    if (rc < 0)
        return rc;
    struct dirent *de;
    char child[PATH_MAX];
    while (rc == 0 && (de = marfs_readdir(dh, &err)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        rc = mt_join(path, de->d_name, child, sizeof(child));
        if (rc == 0)
            rc = add_entry(m, l, child, de->d_name, o);
    }
    marfs_closedir(dh);
    if (rc == 0)
        rc = err;
    if (l->n > 1)
        qsort(l->e, l->n, sizeof(*l->e), by_name);
    return rc;
}

static int ls_one(struct mt *m, const char *path, const struct ls_opts *o,
                  int header)
{
    struct stat st;
    struct ls_list l = {0};
    /* like ls: -l shows a symlink named on the command line itself */
    int rc = o->longfmt ? marfs_lstat(m->ctx, path, &st)
                        : marfs_stat(m->ctx, path, &st);
    int isdir = rc == 0 && S_ISDIR(st.st_mode) && !o->dirself;
    if (rc == -ENOENT)
        rc = marfs_lstat(m->ctx, path, &st);   /* a dangling symlink */
    if (rc == 0 && isdir)
        rc = list_dir(m, path, o, &l);
    else if (rc == 0)
        rc = add_entry(m, &l, path, path, o);
    if (rc == 0) {
        if (header && isdir)
            printf("%s:\n", path);
        print_list(&l, o);
    }
    free_list(&l);
    return rc < 0 ? mt_fail(m, "ls", path, rc) : TOOL_OK;
}

int cmd_ls(struct mt *m, int argc, char **argv)
{
    struct ls_opts o = {0};
    int c, code;
    optind = 0;
    while ((c = getopt(argc, argv, "+lnd")) != -1) {
        switch (c) {
        case 'l': o.longfmt = 1; break;
        case 'n': o.longfmt = o.numeric = 1; break;
        case 'd': o.dirself = 1; break;
        default: return mt_usage(m, "ls [-l] [-n] [-d] PATH...");
        }
    }
    if (optind >= argc)
        return mt_usage(m, "ls [-l] [-n] [-d] PATH...");
    if ((code = mt_open(m)) != TOOL_OK)
        return code;
    int result = TOOL_OK;
    for (int i = optind; i < argc; i++) {
        if (i > optind && argc - optind > 1)
            printf("\n");
        if (ls_one(m, argv[i], &o, argc - optind > 1) != TOOL_OK)
            result = TOOL_FAILED;
    }
    return result;
}
