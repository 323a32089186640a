/*
 * nodes.c - the node table: FUSE node ids <-> (path, file) pairs, with
 * the kernel's lookup counts (see struct node in mfuse.h).
 *
 * A node id is the node's address (the root is FUSE_ROOT_ID), so the hot
 * path from id to node takes no lock; the kernel never uses an id after
 * forgetting it, and a node's path never changes.  An index by path lets
 * lookups and readdirplus give the kernel the node it already knows for
 * a name, as long as that name still names the same file.  One mutex
 * guards the index and the counts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mfuse.h"

struct nodes {
    pthread_mutex_t mu;
    struct node **index;
    size_t nbuckets;            /* power of two */
    uint64_t count;
    struct node *root;
    struct node *all;           /* live nodes but the root */
};

static uint64_t path_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;        /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void set_identity(struct node *n, const struct stat *st)
{
    n->ino = st->st_ino;
    n->dev = st->st_dev;
    n->type = st->st_mode & S_IFMT;
    n->size = S_ISREG(st->st_mode) ? st->st_size : 0;
    n->mtime = S_ISREG(st->st_mode) ? st->st_mtim : (struct timespec){0, 0};
}

int nodes_same(const struct node *n, const struct stat *st)
{
    if (n->ino != st->st_ino || n->dev != st->st_dev ||
        n->type != (st->st_mode & S_IFMT))
        return 0;
    /* a complete file's bytes never change: other size or mtime means
     * other contents, which must not meet the old page cache */
    return !S_ISREG(st->st_mode) ||
           (n->size == st->st_size && n->mtime.tv_sec == st->st_mtim.tv_sec &&
            n->mtime.tv_nsec == st->st_mtim.tv_nsec);
}

static struct node *node_new(const char *path, const struct stat *st)
{
    size_t len = strlen(path) + 1;
    struct node *n = calloc(1, sizeof(*n) + len);
    if (n == NULL)
        return NULL;
    memcpy(n->path, path, len);
    n->hash = path_hash(path);
    set_identity(n, st);
    return n;
}

int nodes_create(const char *root_path, const struct stat *root_st,
                 struct nodes **out)
{
    struct nodes *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    t->nbuckets = 4096;
    t->index = calloc(t->nbuckets, sizeof(*t->index));
    t->root = node_new(root_path, root_st);
    if (t->index == NULL || t->root == NULL) {
        free(t->index);
        free(t->root);
        free(t);
        return -ENOMEM;
    }
    t->root->nlookup = 1;       /* never forgotten */
    pthread_mutex_init(&t->mu, NULL);
    *out = t;
    return 0;
}

void nodes_destroy(struct nodes *t)
{
    if (t == NULL)
        return;
    /* the kernel does not forget every node at unmount */
    while (t->all != NULL) {
        struct node *n = t->all;
        t->all = n->anext;
        free(n);
    }
    free(t->root);
    free(t->index);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

struct node *nodes_get(struct nodes *t, fuse_ino_t id)
{
    return id == FUSE_ROOT_ID ? t->root : (struct node *)(uintptr_t)id;
}

fuse_ino_t nodes_id(struct nodes *t, const struct node *n)
{
    return n == t->root ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)n;
}

/* Double the index when chains grow long (lock held). */
static void grow(struct nodes *t)
{
    size_t nb = t->nbuckets * 2;
    struct node **idx = calloc(nb, sizeof(*idx));
    if (idx == NULL)
        return;
    for (size_t b = 0; b < t->nbuckets; b++) {
        struct node *n = t->index[b];
        while (n != NULL) {
            struct node *next = n->next;
            n->next = idx[n->hash & (nb - 1)];
            idx[n->hash & (nb - 1)] = n;
            n = next;
        }
    }
    free(t->index);
    t->index = idx;
    t->nbuckets = nb;
}

static void unindex(struct nodes *t, struct node *n)
{
    struct node **pp = &t->index[n->hash & (t->nbuckets - 1)];
    while (*pp != n)
        pp = &(*pp)->next;
    *pp = n->next;
    n->indexed = 0;
}

struct node *nodes_ref(struct nodes *t, const char *path,
                       const struct stat *st)
{
    uint64_t h = path_hash(path);
    pthread_mutex_lock(&t->mu);
    if (strcmp(path, t->root->path) == 0) {
        t->root->nlookup++;
        pthread_mutex_unlock(&t->mu);
        return t->root;
    }
    struct node *n = t->index[h & (t->nbuckets - 1)];
    while (n != NULL && (n->hash != h || strcmp(n->path, path) != 0))
        n = n->next;
    if (n != NULL && nodes_same(n, st)) {
        n->nlookup++;
        pthread_mutex_unlock(&t->mu);
        return n;
    }
    if (n != NULL)
        unindex(t, n);          /* the old file lives on until forgotten */
    n = node_new(path, st);
    if (n != NULL) {
        n->nlookup = 1;
        n->indexed = 1;
        n->anext = t->all;
        if (t->all)
            t->all->aprev = n;
        t->all = n;
        n->next = t->index[h & (t->nbuckets - 1)];
        t->index[h & (t->nbuckets - 1)] = n;
        if (++t->count > 2 * t->nbuckets)
            grow(t);
    }
    pthread_mutex_unlock(&t->mu);
    return n;
}

void nodes_forget(struct nodes *t, fuse_ino_t id, uint64_t count)
{
    struct node *n = nodes_get(t, id);
    pthread_mutex_lock(&t->mu);
    n->nlookup = n->nlookup > count ? n->nlookup - count : 0;
    if (n->nlookup == 0 && n != t->root) {
        if (n->indexed)
            unindex(t, n);
        if (n->aprev) n->aprev->anext = n->anext; else t->all = n->anext;
        if (n->anext) n->anext->aprev = n->aprev;
        t->count--;
        free(n);
    }
    pthread_mutex_unlock(&t->mu);
}

uint64_t nodes_count(struct nodes *t)
{
    pthread_mutex_lock(&t->mu);
    uint64_t c = t->count;
    pthread_mutex_unlock(&t->mu);
    return c;
}
