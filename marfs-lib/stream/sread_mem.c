/*
 * sread_mem.c - the memory of the decoded-stripe cache (see
 * sread_cache.h): 2 MiB slabs, each cut into buffers of one size (a
 * stripe of one geometry), recycled through per-size free lists.
 *
 * Why slabs: a fresh anonymous page costs a fault on first touch, which
 * on some virtual machines is slower than decoding the data that goes
 * into it; a slab is 2 MiB aligned and advised as a transparent huge
 * page, so it costs one fault, and a buffer once faulted in is reused
 * for the life of the cache instead of being unmapped and mapped again.
 * A slab goes back to the system only when all its buffers are free and
 * the cache needs the room for another size, or shrinks.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sread_mem.h"

#define SLAB (2u << 20)

struct slab {
    struct slab *next;
    struct smem_class *cls;
    uint8_t *base;
    size_t bytes;               /* mapped */
    unsigned nslots, nused;
};

/* A free buffer: its slab, kept in the first bytes of the buffer. */
struct freebuf {
    struct freebuf *next;
    struct slab *slab;
};

struct smem_class {
    struct smem_class *next;
    size_t size;
    struct freebuf *free;
    struct slab *slabs;
};

static size_t slab_bytes(size_t size, int whole)
{
    if (!whole)
        return (size + 4095) & ~(size_t)4095;
    return size <= SLAB / 2 ? SLAB : (size + SLAB - 1) / SLAB * SLAB;
}

/* A 2 MiB aligned mapping of len bytes (a multiple of 2 MiB), faulted in
 * as huge pages where the kernel allows; a plain one for other sizes. */
static uint8_t *map_slab(size_t len)
{
    if (len % SLAB != 0) {
        uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    size_t over = len + SLAB;
    uint8_t *p = mmap(NULL, over, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uintptr_t a = ((uintptr_t)p + SLAB - 1) & ~(uintptr_t)(SLAB - 1);
    uint8_t *base = (uint8_t *)a;
    if (base > p)
        munmap(p, (size_t)(base - p));
    munmap(base + len, (size_t)(p + over - (base + len)));
    madvise(base, len, MADV_HUGEPAGE);
    for (size_t off = 0; off < len; off += SLAB)
        base[off] = 0;          /* one fault per huge page, now */
    return base;
}

static struct smem_class *class_of(struct smem *m, size_t size, int create)
{
    struct smem_class *c = m->classes;
    while (c != NULL && c->size != size)
        c = c->next;
    if (c == NULL && create && (c = calloc(1, sizeof(*c))) != NULL) {
        c->size = size;
        c->next = m->classes;
        m->classes = c;
    }
    return c;
}

uint8_t *smem_take(struct smem *m, size_t size)
{
    struct smem_class *c = class_of(m, size, 0);
    if (c == NULL || c->free == NULL)
        return NULL;
    struct freebuf *f = c->free;
    c->free = f->next;
    f->slab->nused++;
    return (uint8_t *)f;
}

size_t smem_grow_cost(size_t size, int whole)
{
    return slab_bytes(size, whole);
}

int smem_grow(struct smem *m, size_t size, int whole)
{
    struct smem_class *c = class_of(m, size, 1);
    struct slab *s = c ? calloc(1, sizeof(*s)) : NULL;
    if (s == NULL)
        return -ENOMEM;
    s->bytes = slab_bytes(size, whole);
    s->base = map_slab(s->bytes);
    if (s->base == NULL) {
        free(s);
        return -ENOMEM;
    }
    s->cls = c;
    s->nslots = (unsigned)(s->bytes / size);
    s->next = c->slabs;
    c->slabs = s;
    for (unsigned i = s->nslots; i-- > 0;) {
        struct freebuf *f = (struct freebuf *)(s->base + (size_t)i * size);
        f->slab = s;
        f->next = c->free;
        c->free = f;
    }
    m->held += s->bytes;
    return 0;
}

/* Unmap slab s of class c (all its buffers free). */
static void slab_drop(struct smem *m, struct smem_class *c, struct slab *s)
{
    struct freebuf **pp = &c->free;
    while (*pp != NULL) {
        if ((*pp)->slab == s)
            *pp = (*pp)->next;
        else
            pp = &(*pp)->next;
    }
    struct slab **sp = &c->slabs;
    while (*sp != s)
        sp = &(*sp)->next;
    *sp = s->next;
    munmap(s->base, s->bytes);
    m->held -= s->bytes;
    free(s);
}

/* The slab holding buf, found through the class's slabs. */
static struct slab *slab_of(struct smem_class *c, const uint8_t *buf)
{
    for (struct slab *s = c->slabs; s != NULL; s = s->next)
        if (buf >= s->base && buf < s->base + s->bytes)
            return s;
    return NULL;
}

void smem_put(struct smem *m, uint8_t *buf, size_t size, int release)
{
    struct smem_class *c = class_of(m, size, 0);
    struct slab *s = c ? slab_of(c, buf) : NULL;
    if (s == NULL)
        return;                 /* not ours: a caller's bug */
    struct freebuf *f = (struct freebuf *)buf;
    f->slab = s;
    f->next = c->free;
    c->free = f;
    if (--s->nused == 0 && release)
        slab_drop(m, c, s);
}

void smem_trim(struct smem *m, uint64_t limit)
{
    struct smem_class *c = m->classes;
    for (; c != NULL && m->held > limit; c = c->next) {
        struct slab *s = c->slabs;
        while (s != NULL && m->held > limit) {
            struct slab *next = s->next;
            if (s->nused == 0)
                slab_drop(m, c, s);
            s = next;
        }
    }
}

void smem_free_all(struct smem *m)
{
    while (m->classes != NULL) {
        struct smem_class *c = m->classes;
        m->classes = c->next;
        while (c->slabs != NULL) {
            struct slab *s = c->slabs;
            c->slabs = s->next;
            munmap(s->base, s->bytes);
            free(s);
        }
        free(c);
    }
    m->held = 0;
}
