/*
 * list.c - pfls: one line per entry (the path, or with -l an ls -l style
 * line), kept per directory and sorted with --sort, and the size
 * histogram behind --summary.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modestr.h"
#include "tasks.h"

enum { NAME_CACHE = 64, NAME_LEN = 32, LINE_MAX_LEN = PF_PATH_MAX * 2 + 128 };

struct name_cache {
    unsigned id[NAME_CACHE];
    char name[NAME_CACHE][NAME_LEN];
    int used[NAME_CACHE];
};

/* uid/gid -> name, cached: nss lookups per entry would dominate. */
static const char *id_name(struct name_cache *c, unsigned id, int is_group)
{
    unsigned slot = id % NAME_CACHE;
    if (c->used[slot] && c->id[slot] == id)
        return c->name[slot];
    const char *n = NULL;
    if (is_group) {
        struct group *g = getgrgid(id);
        n = g ? g->gr_name : NULL;
    } else {
        struct passwd *p = getpwuid(id);
        n = p ? p->pw_name : NULL;
    }
    if (n)
        snprintf(c->name[slot], NAME_LEN, "%s", n);
    else
        snprintf(c->name[slot], NAME_LEN, "%u", id);
    c->id[slot] = id;
    c->used[slot] = 1;
    return c->name[slot];
}

static void long_line(char *line, size_t size, const char *path,
                      const struct stat *st, struct ep *ep)
{
    static struct name_cache users, groups;
    char mode[11], when[32], target[PF_PATH_MAX] = "";
    struct tm tm;
    mutil_mode_str(st->st_mode, mode);
    localtime_r(&st->st_mtim.tv_sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
    if (S_ISLNK(st->st_mode) && ep->ops->readlink) {
        ssize_t n = ep->ops->readlink(ep, path, target + 4, sizeof(target) - 5);
        if (n >= 0) {
            memcpy(target, " -> ", 4);
            target[4 + n] = '\0';
        }
    }
    snprintf(line, size, "%s %3lu %-8s %-8s %12lld %s %s%s", mode,
             (unsigned long)st->st_nlink, id_name(&users, st->st_uid, 0),
             id_name(&groups, st->st_gid, 1), (long long)st->st_size, when,
             path, target);
}

/* Kept as "PATH\0LINE" so sorting is by path, whatever the line shows. */
static void keep_sorted(struct worker *w, const char *path, const char *line)
{
    struct walk_state *ws = &w->walk;
    if (ws->nsorted == ws->capsorted) {
        ws->capsorted = ws->capsorted ? ws->capsorted * 2 : 256;
        ws->sorted = realloc(ws->sorted, ws->capsorted * sizeof(char *));
        if (ws->sorted == NULL)
            abort();
    }
    size_t a = strlen(path) + 1, b = strlen(line) + 1;
    char *e = malloc(a + b);
    if (e == NULL)
        abort();
    memcpy(e, path, a);
    memcpy(e + a, line, b);
    ws->sorted[ws->nsorted++] = e;
}

void list_entry(struct worker *w, const char *path, const struct stat *st,
                struct ep *ep)
{
    char line[LINE_MAX_LEN];
    if (S_ISREG(st->st_mode))
        w->st.hist[pf_hist_bucket((uint64_t)st->st_size)]++;
    w->st.files_done++;
    if (w->o->quiet)
        return;
    if (w->o->long_list)
        long_line(line, sizeof(line), path, st, ep);
    else
        snprintf(line, sizeof(line), "%s", path);
    if (w->o->sort && w->walk.active)
        keep_sorted(w, path, line);
    else
        wk_line(w, "%s", line);
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void list_flush_sorted(struct worker *w)
{
    struct walk_state *ws = &w->walk;
    if (ws->nsorted == 0)
        return;
    qsort(ws->sorted, ws->nsorted, sizeof(char *), cmp_lines);
    for (size_t i = 0; i < ws->nsorted; i++) {
        wk_line(w, "%s", ws->sorted[i] + strlen(ws->sorted[i]) + 1);
        free(ws->sorted[i]);
    }
    ws->nsorted = 0;
    wk_flush_out(w, 1);
}
