/*
 * textbuf.c - short texts without printf (see textbuf.h).
 */
#include "textbuf.h"

#include <string.h>

void mtext_init(struct mtext *t, char *buf, size_t size)
{
    t->p = buf;
    t->end = buf + size - 1;
    t->full = 0;
    *buf = '\0';
}

void mtext_mem(struct mtext *t, const char *s, size_t len)
{
    if (t->full)
        return;
    if (len > (size_t)(t->end - t->p)) {
        t->full = 1;
        return;
    }
    memcpy(t->p, s, len);
    t->p += len;
    *t->p = '\0';
}

void mtext_str(struct mtext *t, const char *s)
{
    mtext_mem(t, s, strlen(s));
}

void mtext_char(struct mtext *t, char c)
{
    mtext_mem(t, &c, 1);
}

/* Digits of v in base (10, 16 or 8), at least width of them. */
static void digits(struct mtext *t, uint64_t v, unsigned base,
                   unsigned width)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[24];
    size_t n = 0;
    do {
        tmp[sizeof(tmp) - ++n] = hex[v % base];
        v /= base;
    } while (v != 0);
    while (n < width && n < sizeof(tmp))
        tmp[sizeof(tmp) - ++n] = '0';
    mtext_mem(t, tmp + sizeof(tmp) - n, n);
}

void mtext_u64(struct mtext *t, uint64_t v)
{
    digits(t, v, 10, 0);
}

void mtext_i64(struct mtext *t, int64_t v)
{
    if (v < 0) {
        mtext_char(t, '-');
        digits(t, -(uint64_t)v, 10, 0);
    } else {
        digits(t, (uint64_t)v, 10, 0);
    }
}

void mtext_oct(struct mtext *t, uint64_t v)
{
    digits(t, v, 8, 0);
}

void mtext_u64_pad(struct mtext *t, uint64_t v, unsigned width)
{
    digits(t, v, 10, width);
}

void mtext_hex_pad(struct mtext *t, uint64_t v, unsigned width)
{
    digits(t, v, 16, width);
}

int mtext_len(const struct mtext *t, const char *buf)
{
    return t->full ? -1 : (int)(t->p - buf);
}

int mtext_copy(char *dst, size_t size, const char *src)
{
    size_t len = strlen(src);
    if (len < size) {
        memcpy(dst, src, len + 1);
        return (int)len;
    }
    if (size > 0) {
        memcpy(dst, src, size - 1);
        dst[size - 1] = '\0';
    }
    return -1;
}
