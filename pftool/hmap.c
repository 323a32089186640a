/*
 * hmap.c - intrusive chained hash map (see hmap.h); grows at load 1.
 */
#include "hmap.h"

#include <stdlib.h>

enum { HMAP_MIN_SLOTS = 1024 };

static size_t slot_of(uint64_t key, size_t nslots)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;    /* murmur3 finaliser */
    key ^= key >> 33;
    return (size_t)(key & (nslots - 1));
}

void hmap_init(struct hmap *m)
{
    m->nslots = HMAP_MIN_SLOTS;
    m->count = 0;
    m->slots = calloc(m->nslots, sizeof(*m->slots));
    if (m->slots == NULL)
        abort();
}

void hmap_free(struct hmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->nslots = m->count = 0;
}

static void hmap_grow(struct hmap *m)
{
    size_t n = m->nslots * 2;
    struct hnode **s = calloc(n, sizeof(*s));
    if (s == NULL)
        return;                      /* keep working, just slower */
    for (size_t i = 0; i < m->nslots; i++) {
        struct hnode *e = m->slots[i];
        while (e) {
            struct hnode *next = e->next;
            size_t j = slot_of(e->key, n);
            e->next = s[j];
            s[j] = e;
            e = next;
        }
    }
    free(m->slots);
    m->slots = s;
    m->nslots = n;
}

void hmap_put(struct hmap *m, uint64_t key, struct hnode *n)
{
    if (m->count >= m->nslots)
        hmap_grow(m);
    size_t i = slot_of(key, m->nslots);
    n->key = key;
    n->next = m->slots[i];
    m->slots[i] = n;
    m->count++;
}

struct hnode *hmap_get(const struct hmap *m, uint64_t key)
{
    struct hnode *e = m->slots[slot_of(key, m->nslots)];
    while (e && e->key != key)
        e = e->next;
    return e;
}

struct hnode *hmap_next(const struct hnode *n)
{
    struct hnode *e = n->next;
    while (e && e->key != n->key)
        e = e->next;
    return e;
}

void hmap_del(struct hmap *m, struct hnode *n)
{
    struct hnode **pp = &m->slots[slot_of(n->key, m->nslots)];
    while (*pp && *pp != n)
        pp = &(*pp)->next;
    if (*pp) {
        *pp = n->next;
        m->count--;
    }
}
