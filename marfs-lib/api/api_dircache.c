/*
 * api_dircache.c - the parent directories a context creates files in,
 * kept open (O_PATH) for a short while.
 *
 * A copy tool creates thousands of files per directory; resolving the
 * parent from the namespace root for each (openat2 + close) was two of
 * the dozen system calls a small file costs.  Entries are few (DC_SLOTS),
 * shared by the context's threads (borrowed with a reference count), and
 * expire after DC_TTL_NS: another process that renames a directory away
 * sees new files go to the new place within that time, the same window
 * a client that opened the directory itself would have.  This context's
 * own renames and rmdirs drop the entries at or below what they moved.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api_internal.h"

#define DC_SLOTS 16
#define DC_TTL_NS 1000000000LL

struct dc_entry {
    struct mdal_ns *md;         /* NULL: free slot */
    char *dir;                  /* relative to the namespace tree */
    int fd;
    unsigned refs;
    int stale;                  /* close when the last borrower returns */
    int64_t born;               /* monotonic ns */
    uint64_t used;
};

struct api_dircache {
    pthread_mutex_t lock;
    uint64_t tick;
    struct dc_entry e[DC_SLOTS];
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int api_dircache_create(struct api_dircache **out)
{
    struct api_dircache *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return 0;
}

static void drop_entry(struct dc_entry *e)
{
    close(e->fd);
    free(e->dir);
    memset(e, 0, sizeof(*e));
}

void api_dircache_destroy(struct api_dircache *c)
{
    if (c == NULL)
        return;
    for (unsigned i = 0; i < DC_SLOTS; i++)
        if (c->e[i].md != NULL)
            drop_entry(&c->e[i]);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* Drop an entry now, or when its last borrower returns it.  Lock held. */
static void retire(struct dc_entry *e)
{
    if (e->refs == 0)
        drop_entry(e);
    else
        e->stale = 1;
}

void api_dircache_flush(struct api_dircache *c)
{
    pthread_mutex_lock(&c->lock);
    for (unsigned i = 0; i < DC_SLOTS; i++) {
        struct dc_entry *e = &c->e[i];
        if (e->md == NULL)
            continue;
        retire(e);
    }
    pthread_mutex_unlock(&c->lock);
}

int api_dircache_prune(struct api_dircache *c)
{
    int n = 0;
    struct stat st;
    pthread_mutex_lock(&c->lock);
    for (unsigned i = 0; i < DC_SLOTS; i++) {
        struct dc_entry *e = &c->e[i];
        if (e->md == NULL || e->stale || fstat(e->fd, &st) != 0 ||
            st.st_nlink > 0)
            continue;
        n++;
        retire(e);
    }
    pthread_mutex_unlock(&c->lock);
    return n;
}

/* Is dir at or below top ("" is the namespace root)? */
static int at_or_below(const char *dir, const char *top)
{
    size_t n = strlen(top);
    return n == 0 || (strncmp(dir, top, n) == 0 &&
                      (dir[n] == '\0' || dir[n] == '/'));
}

void api_dircache_forget(struct api_dircache *c, const struct mdal_ns *md,
                         const char *rel)
{
    pthread_mutex_lock(&c->lock);
    for (unsigned i = 0; i < DC_SLOTS; i++) {
        struct dc_entry *e = &c->e[i];
        if (e->md == NULL || e->md != md || !at_or_below(e->dir, rel))
            continue;
        retire(e);
    }
    pthread_mutex_unlock(&c->lock);
}

/* A live entry for (md, dir), borrowed; -1 if none.  Lock held. */
static int lookup(struct api_dircache *c, struct mdal_ns *md, const char *dir,
                  int64_t now)
{
    for (unsigned i = 0; i < DC_SLOTS; i++) {
        struct dc_entry *e = &c->e[i];
        if (e->md != md || e->stale || strcmp(e->dir, dir) != 0)
            continue;
        if (now - e->born > DC_TTL_NS) {
            retire(e);
            return -1;
        }
        e->refs++;
        e->used = ++c->tick;
        return e->fd;
    }
    return -1;
}

/* Keep fd as (md, dir), borrowed once, if a slot is free or idle; else
 * the caller's fd stays uncached (api_dircache_put closes it).  Lock held. */
static void insert(struct api_dircache *c, struct mdal_ns *md,
                   const char *dir, int fd, int64_t now)
{
    struct dc_entry *victim = NULL;
    for (unsigned i = 0; i < DC_SLOTS; i++) {
        struct dc_entry *e = &c->e[i];
        if (e->md == NULL) {
            victim = e;
            break;
        }
        if (e->refs == 0 && (victim == NULL || e->used < victim->used))
            victim = e;
    }
    char *copy = victim ? strdup(dir) : NULL;
    if (copy == NULL)
        return;
    if (victim->md != NULL)
        drop_entry(victim);
    *victim = (struct dc_entry){.md = md, .dir = copy, .fd = fd, .refs = 1,
                                .born = now, .used = ++c->tick};
}

int api_dircache_get(struct api_dircache *c, struct mdal_ns *md,
                     const char *dir, int *fd)
{
    int64_t now = now_ns();
    pthread_mutex_lock(&c->lock);
    *fd = lookup(c, md, dir, now);
    pthread_mutex_unlock(&c->lock);
    if (*fd >= 0)
        return 0;
    int rc = mdal_open_beneath(md, dir, O_PATH | O_DIRECTORY, fd);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&c->lock);
    insert(c, md, dir, *fd, now);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

void api_dircache_put(struct api_dircache *c, int fd)
{
    pthread_mutex_lock(&c->lock);
    for (unsigned i = 0; i < DC_SLOTS; i++) {
        struct dc_entry *e = &c->e[i];
        if (e->md != NULL && e->fd == fd) {
            if (--e->refs == 0 && e->stale)
                drop_entry(e);
            pthread_mutex_unlock(&c->lock);
            return;
        }
    }
    pthread_mutex_unlock(&c->lock);
    close(fd);      /* was not cached */
}
