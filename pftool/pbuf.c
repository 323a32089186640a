/*
 * pbuf.c - growable byte buffers and their reader (see pbuf.h).
 * Allocation failure is fatal for the rank: a data mover that cannot
 * build a message cannot report anything either.
 */
#include "pbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static void pbuf_grow(struct pbuf *b, size_t need)
{
    if (b->len + need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (p == NULL) {
        LOG_ERR("out of memory growing a buffer to %zu bytes", cap);
        abort();
    }
    b->data = p;
    b->cap = cap;
}

void pbuf_init(struct pbuf *b, size_t cap)
{
    b->data = NULL;
    b->len = b->cap = 0;
    if (cap)
        pbuf_grow(b, cap);
}

void pbuf_free(struct pbuf *b)
{
    free(b->data);
    pbuf_init(b, 0);
}

void pbuf_reset(struct pbuf *b)
{
    b->len = 0;
}

char *pbuf_take(struct pbuf *b, size_t *len)
{
    char *p = b->data;
    *len = b->len;
    pbuf_init(b, 0);
    return p;
}

void pbuf_put(struct pbuf *b, const void *p, size_t n)
{
    pbuf_grow(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void pbuf_u8(struct pbuf *b, uint8_t v) { pbuf_put(b, &v, 1); }
void pbuf_u32(struct pbuf *b, uint32_t v) { pbuf_put(b, &v, 4); }
void pbuf_u64(struct pbuf *b, uint64_t v) { pbuf_put(b, &v, 8); }

void pbuf_str(struct pbuf *b, const char *s)
{
    uint32_t n = s ? (uint32_t)strlen(s) : 0;
    pbuf_u32(b, n);
    pbuf_put(b, s ? s : "", n);
    pbuf_u8(b, 0);
}

void pbuf_printf(struct pbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    pbuf_grow(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void preader_init(struct preader *r, const void *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->bad = 0;
}

int preader_more(const struct preader *r)
{
    return !r->bad && r->pos < r->len;
}

const void *pget_bytes(struct preader *r, size_t n)
{
    if (r->bad || r->len - r->pos < n) {
        r->bad = 1;
        return NULL;
    }
    const void *p = r->p + r->pos;
    r->pos += n;
    return p;
}

uint8_t pget_u8(struct preader *r)
{
    const uint8_t *p = pget_bytes(r, 1);
    return p ? *p : 0;
}

uint32_t pget_u32(struct preader *r)
{
    uint32_t v = 0;
    const void *p = pget_bytes(r, 4);
    if (p)
        memcpy(&v, p, 4);
    return v;
}

uint64_t pget_u64(struct preader *r)
{
    uint64_t v = 0;
    const void *p = pget_bytes(r, 8);
    if (p)
        memcpy(&v, p, 8);
    return v;
}

const char *pget_str(struct preader *r)
{
    uint32_t n = pget_u32(r);
    const char *s = pget_bytes(r, (size_t)n + 1);
    if (s == NULL || s[n] != '\0') {
        r->bad = 1;
        return NULL;
    }
    return s;
}
