/*
 * textbuf.h - building short texts without printf: the per-file texts of
 * a copy (a file's tag, its recovery record, paths) are formatted a few
 * times per file, and printf's format parsing cost more than the text.
 *
 * A struct mtext writes into a caller's buffer, always NUL-terminated;
 * once something does not fit it is marked full and takes nothing more,
 * so a caller appends freely and checks once at the end.
 */
#ifndef MARFS_UTIL_TEXTBUF_H
#define MARFS_UTIL_TEXTBUF_H

#include <stddef.h>
#include <stdint.h>

struct mtext {
    char *p;        /* the NUL that ends the text so far */
    char *end;      /* the buffer's last byte */
    int full;       /* something did not fit */
};

/* Start an empty text in buf (size > 0). */
void mtext_init(struct mtext *t, char *buf, size_t size);
void mtext_str(struct mtext *t, const char *s);
void mtext_mem(struct mtext *t, const char *s, size_t len);
void mtext_char(struct mtext *t, char c);
/* Decimal, as "%" PRIu64 and "%" PRId64. */
void mtext_u64(struct mtext *t, uint64_t v);
void mtext_i64(struct mtext *t, int64_t v);
/* Octal without a prefix, as "%o". */
void mtext_oct(struct mtext *t, uint64_t v);
/* Zero-padded to width digits (wider values in full), as "%0*" PRIu64
 * and "%0*" PRIx64 (lower-case). */
void mtext_u64_pad(struct mtext *t, uint64_t v, unsigned width);
void mtext_hex_pad(struct mtext *t, uint64_t v, unsigned width);
/* Length of the text, or -1 once something did not fit. */
int mtext_len(const struct mtext *t, const char *buf);

/* Copy src into dst (size bytes): its length, or -1 if it did not fit
 * (dst then holds as much as fits, NUL-terminated). */
int mtext_copy(char *dst, size_t size, const char *src);

#endif
