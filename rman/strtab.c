/*
 * strtab.c - interned strings (stream ids, ref names): each distinct
 * string stored once and named by a dense index, so per-file records stay
 * small and streams compare by number.  Open addressing on XXH64.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "hash.h"

struct strtab {
    char **str;          /* by index */
    size_t n, cap;
    uint32_t *slot;      /* index + 1, 0 = empty */
    size_t nslots;       /* power of two */
};

struct strtab *strtab_new(void)
{
    return calloc(1, sizeof(struct strtab));
}

void strtab_free(struct strtab *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->str[i]);
    free(t->str);
    free(t->slot);
    free(t);
}

static uint64_t hash_of(const char *s)
{
    return mhash_xxh64(s, strlen(s), 0x73747274616221ULL);
}

static size_t probe(const struct strtab *t, const char *s)
{
    size_t mask = t->nslots - 1;
    for (size_t i = (size_t)hash_of(s) & mask;; i = (i + 1) & mask) {
        uint32_t v = t->slot[i];
        if (v == 0 || strcmp(t->str[v - 1], s) == 0)
            return i;
    }
}

static int grow(struct strtab *t)
{
    size_t nslots = t->nslots ? t->nslots * 2 : 1024;
    uint32_t *old = t->slot;
    size_t oldn = t->nslots;
    t->slot = calloc(nslots, sizeof(*t->slot));
    if (t->slot == NULL) {
        t->slot = old;
        return -ENOMEM;
    }
    t->nslots = nslots;
    for (size_t i = 0; i < oldn; i++)
        if (old[i] != 0)
            t->slot[probe(t, t->str[old[i] - 1])] = old[i];
    free(old);
    return 0;
}

uint32_t strtab_find(const struct strtab *t, const char *s)
{
    if (t == NULL || t->nslots == 0)
        return UINT32_MAX;
    uint32_t v = t->slot[probe(t, s)];
    return v == 0 ? UINT32_MAX : v - 1;
}

uint32_t strtab_add(struct strtab *t, const char *s)
{
    if ((t->n + 1) * 2 > t->nslots && grow(t) < 0)
        return UINT32_MAX;
    size_t i = probe(t, s);
    if (t->slot[i] != 0)
        return t->slot[i] - 1;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        void *p = realloc(t->str, cap * sizeof(*t->str));
        if (p == NULL)
            return UINT32_MAX;
        t->str = p;
        t->cap = cap;
    }
    if ((t->str[t->n] = strdup(s)) == NULL)
        return UINT32_MAX;
    t->slot[i] = (uint32_t)++t->n;
    return (uint32_t)(t->n - 1);
}

const char *strtab_get(const struct strtab *t, uint32_t i)
{
    return i < t->n ? t->str[i] : NULL;
}

size_t strtab_count(const struct strtab *t)
{
    return t == NULL ? 0 : t->n;
}
