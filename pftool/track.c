/*
 * track.c - the scheduler's records of work in progress:
 *  - directories: how many of a directory's entries are not finished
 *    (plus one while it is still being read); at zero its metadata is
 *    applied (T_DIRMETA) and its parent is told;
 *  - chunked files: which chunks remain, are out, failed; then T_BIGFIN;
 *  - hard links: the first name of an inode is copied, further names
 *    wait for it and become T_LINK tasks (or copies if it failed).
 * Records live only while their work is in progress, so memory follows
 * the work in flight, not the size of the tree.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sched.h"

struct dir_rec {
    struct hnode h;
    uint64_t parent;
    int64_t pending;
    char *blob;          /* the T_DIRMETA task; NULL for the root */
    size_t len;
};

struct big_rec {
    struct hnode h;
    struct big_rec *next;     /* in the chunk list */
    int listed;
    uint64_t parent, hl;
    char *blob;               /* the T_ITEM as found */
    size_t len;
    uint64_t chunk, nchunks, next_idx, outstanding;
    uint8_t *map;             /* chunks done */
    int failed, differ;
};

enum hl_state {
    HL_COPYING = 0,
    HL_DONE,
    HL_FAILED,
};

struct hl_rec {
    struct hnode by_ino;
    struct hnode by_id;
    uint64_t dev, ino, id, left;
    uint16_t root;
    enum hl_state state;
    char *first;              /* rel path of the name being copied */
    struct pbuf waiting;      /* T_LINK tasks waiting for the copy */
};

#define CONTAINER(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))

static char *dup_blob(const struct pf_task *t, size_t *len)
{
    struct pbuf b;
    pbuf_init(&b, 256);
    task_encode(&b, t);
    return pbuf_take(&b, len);
}

static void push_task(struct bqueue *q, const struct pf_task *t, uint64_t weight)
{
    struct pbuf b;
    pbuf_init(&b, 256);
    task_encode(&b, t);
    bq_push(q, b.data, b.len, weight);
    pbuf_free(&b);
}

static struct dir_rec *dir_get(struct sched *s, uint64_t id)
{
    struct hnode *n = hmap_get(&s->dirs, id);
    return n ? CONTAINER(n, struct dir_rec, h) : NULL;
}

void track_init(struct sched *s)
{
    hmap_init(&s->dirs);
    hmap_init(&s->bigs);
    hmap_init(&s->hl_ino);
    hmap_init(&s->hl_id);
    s->next_id = ROOT_ID + 1;
    struct dir_rec *root = calloc(1, sizeof(*root));
    if (root == NULL)
        abort();
    hmap_put(&s->dirs, ROOT_ID, &root->h);
}

void track_root_reset(struct sched *s, int64_t pending)
{
    dir_get(s, ROOT_ID)->pending = pending;
}

void track_root_hold(struct sched *s, int delta)
{
    if (delta > 0)
        dir_get(s, ROOT_ID)->pending += delta;
    else
        track_dir_dec(s, ROOT_ID);
}

static void free_map_nodes(struct hmap *m, size_t off, int free_blob_dir)
{
    for (size_t i = 0; i < m->nslots; i++) {
        struct hnode *n = m->slots[i];
        while (n) {
            struct hnode *next = n->next;
            if (free_blob_dir)
                free(CONTAINER(n, struct dir_rec, h)->blob);
            free((char *)n - off);
            n = next;
        }
    }
    hmap_free(m);
}

void track_free(struct sched *s)
{
    free_map_nodes(&s->dirs, offsetof(struct dir_rec, h), 1);
    for (size_t i = 0; i < s->bigs.nslots; i++)
        for (struct hnode *n = s->bigs.slots[i]; n;) {
            struct big_rec *b = CONTAINER(n, struct big_rec, h);
            n = n->next;
            free(b->blob);
            free(b->map);
            free(b);
        }
    hmap_free(&s->bigs);
    for (size_t i = 0; i < s->hl_id.nslots; i++)
        for (struct hnode *n = s->hl_id.slots[i]; n;) {
            struct hl_rec *h = CONTAINER(n, struct hl_rec, by_id);
            n = n->next;
            free(h->first);
            pbuf_free(&h->waiting);
            free(h);
        }
    hmap_free(&s->hl_id);
    hmap_free(&s->hl_ino);
}

static void dir_final(struct sched *s, struct dir_rec *d)
{
    uint64_t parent = d->parent;
    hmap_del(&s->dirs, &d->h);
    free(d->blob);
    free(d);
    track_dir_dec(s, parent);
}

/* One entry of directory id is finished. */
void track_dir_dec(struct sched *s, uint64_t id)
{
    struct dir_rec *d = dir_get(s, id);
    if (d == NULL) {
        LOG_ERR("internal: no record for directory %llu", (unsigned long long)id);
        return;
    }
    if (--d->pending > 0)
        return;
    if (id == ROOT_ID) {
        sched_phase_done(s);
    } else if (d->blob) {
        bq_push(&s->finq, d->blob, d->len, 0);   /* T_DIRMETA, then final */
        free(d->blob);
        d->blob = NULL;
        d->pending = 1;
    } else {
        dir_final(s, d);
    }
}

void track_dir_nometa(struct sched *s, uint64_t id)
{
    struct dir_rec *d = dir_get(s, id);
    if (d) {
        free(d->blob);
        d->blob = NULL;
    }
}

static void route_dir(struct sched *s, struct pf_task *t)
{
    struct dir_rec *d = calloc(1, sizeof(*d));
    if (d == NULL)
        abort();
    d->parent = t->parent;
    d->pending = 1;                  /* held until the read is complete */
    t->id = s->next_id++;
    hmap_put(&s->dirs, t->id, &d->h);
    if (s->o->cmd == PF_CMD_CP || s->o->cmd == PF_CMD_SYNC) {
        struct pf_task meta = *t;
        meta.type = T_DIRMETA;
        d->blob = dup_blob(&meta, &d->len);
    }
    push_task(&s->dirq, t, 0);
}

static void route_big(struct sched *s, struct pf_task *t)
{
    struct big_rec *b = calloc(1, sizeof(*b));
    if (b == NULL)
        abort();
    b->parent = t->parent;
    b->hl = t->id;
    b->blob = dup_blob(t, &b->len);
    struct pf_task prep = *t;
    prep.type = T_BIGPREP;
    prep.id = s->next_id++;
    hmap_put(&s->bigs, prep.id, &b->h);
    push_task(&s->finq, &prep, 0);
}

static struct hl_rec *hl_find(struct sched *s, const struct stat *st)
{
    for (struct hnode *n = hmap_get(&s->hl_ino, st->st_ino); n; n = hmap_next(n)) {
        struct hl_rec *h = CONTAINER(n, struct hl_rec, by_ino);
        if (h->dev == st->st_dev)
            return h;
    }
    return NULL;
}

static void hl_free(struct sched *s, struct hl_rec *h)
{
    hmap_del(&s->hl_ino, &h->by_ino);
    hmap_del(&s->hl_id, &h->by_id);
    free(h->first);
    pbuf_free(&h->waiting);
    free(h);
}

static void hl_new(struct sched *s, struct pf_task *t)
{
    struct hl_rec *h = calloc(1, sizeof(*h));
    if (h == NULL || (h->first = strdup(t->rel)) == NULL)
        abort();
    h->dev = t->st.st_dev;
    h->ino = t->st.st_ino;
    h->id = s->next_id++;
    h->left = t->st.st_nlink - 1;
    h->root = t->root;
    h->state = HL_COPYING;
    pbuf_init(&h->waiting, 0);
    hmap_put(&s->hl_ino, h->ino, &h->by_ino);
    hmap_put(&s->hl_id, h->id, &h->by_id);
    t->id = h->id;
}

/* A further name of a hard-linked inode: 1 if it became a T_LINK. */
static int route_hardlink(struct sched *s, struct pf_task *t)
{
    struct hl_rec *h = hl_find(s, &t->st);
    if (h == NULL || h->root != t->root) {
        if (h == NULL)
            hl_new(s, t);
        return 0;
    }
    if (h->left > 0)
        h->left--;
    if (h->state == HL_FAILED)
        return 0;                    /* copy it on its own */
    struct pf_task l = *t;
    l.type = T_LINK;
    l.flags &= (uint8_t)~(TF_BIG | TF_HARDLINK);
    l.id = 0;
    l.link = h->first;
    if (h->state == HL_DONE)
        push_task(&s->finq, &l, 0);
    else
        task_encode(&h->waiting, &l);
    if (h->left == 0 && h->state != HL_COPYING)
        hl_free(s, h);
    return 1;
}

void track_entry(struct sched *s, struct pf_task *t)
{
    struct dir_rec *parent = dir_get(s, t->parent);
    if (parent)
        parent->pending++;
    t->id = 0;
    if (t->type == T_DIR) {
        route_dir(s, t);
        return;
    }
    if (t->type == T_PURGE) {
        push_task(&s->finq, t, 0);
        return;
    }
    if ((t->flags & TF_HARDLINK) && route_hardlink(s, t))
        return;
    if (t->flags & TF_BIG)
        route_big(s, t);
    else
        push_task(&s->fileq, t, (uint64_t)t->st.st_size);
}

/* The first name of a hard-linked inode finished copying. */
static void hl_copied(struct sched *s, uint64_t id, int ok)
{
    struct hnode *n = hmap_get(&s->hl_id, id);
    if (n == NULL)
        return;
    struct hl_rec *h = CONTAINER(n, struct hl_rec, by_id);
    h->state = ok ? HL_DONE : HL_FAILED;
    struct preader r;
    struct pf_task t;
    preader_init(&r, h->waiting.data, h->waiting.len);
    while (preader_more(&r) && task_decode(&r, &t) == 0) {
        if (!ok) {
            t.type = T_ITEM;         /* copy it on its own instead */
            t.link = NULL;
        }
        push_task(ok ? &s->finq : &s->fileq, &t, (uint64_t)t.st.st_size);
    }
    pbuf_free(&h->waiting);
    if (h->left == 0)
        hl_free(s, h);
}

static struct big_rec *big_get(struct sched *s, uint64_t id)
{
    struct hnode *n = hmap_get(&s->bigs, id);
    return n ? CONTAINER(n, struct big_rec, h) : NULL;
}

static void big_complete(struct sched *s, struct big_rec *b, int ok)
{
    uint64_t parent = b->parent;
    if (b->hl)
        hl_copied(s, b->hl, ok);
    hmap_del(&s->bigs, &b->h);
    free(b->blob);
    free(b->map);
    free(b);
    track_dir_dec(s, parent);
}

static void big_fin(struct sched *s, struct big_rec *b, uint64_t id)
{
    struct preader r;
    struct pf_task t;
    preader_init(&r, b->blob, b->len);
    task_decode(&r, &t);
    t.type = T_BIGFIN;
    t.id = id;
    t.flags |= (b->failed ? TF_ABANDON : 0) | (b->differ ? TF_DIFFER : 0);
    push_task(&s->finq, &t, 0);
}

static void chunk_list_add(struct sched *s, struct big_rec *b)
{
    b->next = NULL;
    b->listed = 1;
    if (s->chunk_tail)
        s->chunk_tail->next = b;
    else
        s->chunk_head = b;
    s->chunk_tail = b;
}

static void big_prepared(struct sched *s, struct big_rec *b, uint64_t id,
                         const struct pf_done *d)
{
    b->chunk = d->chunk ? d->chunk : 1;
    b->nchunks = d->nchunks;
    b->map = calloc(1, bitmap_bytes(b->nchunks) + 1);
    if (b->map == NULL)
        abort();
    if (d->done_map)
        memcpy(b->map, d->done_map, bitmap_bytes(b->nchunks));
    uint64_t have = 0;
    for (uint64_t i = 0; i < b->nchunks; i++)
        have += bitmap_get(b->map, i);
    if (have == b->nchunks)
        big_fin(s, b, id);
    else
        chunk_list_add(s, b);
}

int track_next_chunk(struct sched *s, struct pbuf *out)
{
    struct big_rec *b = s->chunk_head;
    while (b && (b->failed || b->differ)) {   /* stop handing out its chunks */
        s->chunk_head = b->next;
        b->listed = 0;
        if (b->outstanding == 0)
            big_fin(s, b, b->h.key);
        b = s->chunk_head;
    }
    if (b == NULL) {
        s->chunk_tail = NULL;
        return 0;
    }
    while (b->next_idx < b->nchunks && bitmap_get(b->map, b->next_idx))
        b->next_idx++;
    struct preader r;
    struct pf_task t;
    preader_init(&r, b->blob, b->len);
    task_decode(&r, &t);
    t.type = T_CHUNK;
    t.id = b->h.key;
    t.off = b->next_idx * b->chunk;
    t.len = (uint64_t)t.st.st_size - t.off < b->chunk ? (uint64_t)t.st.st_size - t.off
                                                      : b->chunk;
    task_encode(out, &t);
    b->outstanding++;
    b->next_idx++;
    while (b->next_idx < b->nchunks && bitmap_get(b->map, b->next_idx))
        b->next_idx++;
    if (b->next_idx >= b->nchunks) {
        s->chunk_head = b->next;
        if (s->chunk_head == NULL)
            s->chunk_tail = NULL;
        b->listed = 0;
    }
    return 1;
}

static void big_done(struct sched *s, const struct pf_done *d)
{
    struct big_rec *b = big_get(s, d->id);
    if (b == NULL) {
        LOG_ERR("internal: no record for chunked file %llu",
                (unsigned long long)d->id);
        return;
    }
    if (d->type == T_BIGPREP) {
        if (d->status == ST_OK)
            big_prepared(s, b, d->id, d);
        else
            big_complete(s, b, d->status == ST_SKIPPED);
        return;
    }
    if (d->type == T_BIGFIN) {
        big_complete(s, b, d->status == ST_OK);
        return;
    }
    b->outstanding--;                /* T_CHUNK */
    b->failed |= d->status == ST_FAILED;
    b->differ |= d->status == ST_DIFFER;
    if (!b->listed && b->outstanding == 0)
        big_fin(s, b, d->id);
}

void track_done(struct sched *s, const struct pf_done *d)
{
    switch ((enum pf_task_type)d->type) {
    case T_STAT:
        s->seeds_out--;
        track_dir_dec(s, d->parent);
        break;
    case T_ITEM:
        if (d->id)
            hl_copied(s, d->id, d->status == ST_OK || d->status == ST_SKIPPED);
        track_dir_dec(s, d->parent);
        break;
    case T_LINK:
    case T_PURGE:
        track_dir_dec(s, d->parent);
        break;
    case T_BIGPREP:
    case T_CHUNK:
    case T_BIGFIN:
        big_done(s, d);
        break;
    case T_DIRMETA: {
        struct dir_rec *dr = dir_get(s, d->id);
        if (dr)
            dir_final(s, dr);
        break;
    }
    case T_DIR:
        break;
    }
}
