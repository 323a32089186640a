/*
 * pbuf.h - growable byte buffers and a reader over them: the one place
 * that knows how values are laid out in messages (little-endian host
 * order; all ranks of a job run the same binary on the same kind of host).
 */
#ifndef PFTOOL_PBUF_H
#define PFTOOL_PBUF_H

#include <stddef.h>
#include <stdint.h>

struct pbuf {
    char *data;
    size_t len, cap;
};

void pbuf_init(struct pbuf *b, size_t cap);
void pbuf_free(struct pbuf *b);
void pbuf_reset(struct pbuf *b);
/* Hand the bytes over to the caller (the buffer becomes empty). */
char *pbuf_take(struct pbuf *b, size_t *len);
void pbuf_put(struct pbuf *b, const void *p, size_t n);
void pbuf_u8(struct pbuf *b, uint8_t v);
void pbuf_u32(struct pbuf *b, uint32_t v);
void pbuf_u64(struct pbuf *b, uint64_t v);
/* Length-prefixed string (NULL is stored as empty). */
void pbuf_str(struct pbuf *b, const char *s);
void pbuf_printf(struct pbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reader: every get fails (returns -1 and sets bad) past the end. */
struct preader {
    const char *p;
    size_t len, pos;
    int bad;
};

void preader_init(struct preader *r, const void *p, size_t len);
int preader_more(const struct preader *r);
uint8_t pget_u8(struct preader *r);
uint32_t pget_u32(struct preader *r);
uint64_t pget_u64(struct preader *r);
/* Points into the message (NUL-terminated as stored); NULL when bad. */
const char *pget_str(struct preader *r);
const void *pget_bytes(struct preader *r, size_t n);

#endif
