/*
 * tag.c - encode, decode and interpret the file tag (see tag.h).
 *
 * Format (one line, space-separated key=value, keys in this order when
 * written, any order and unknown keys accepted when read):
 *   MARFSTAG v=1 st=writing|complete nto1=0|1 stream=S obj=N off=N
 *   first=N chunk=N hdr=N size=N n=N e=N psz=N crc=HEX16|- ref=NAME
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tag.h"
#include "textbuf.h"

/* Written with mtext rather than snprintf: twice per small file
 * (its tag, its stream's), where printf's format parsing cost more than
 * the text. */
int ftag_encode(const struct ftag *t, char *buf, size_t bufsz)
{
    struct mtext x;
    if (bufsz == 0)
        return -ENAMETOOLONG;
    mtext_init(&x, buf, bufsz);
    mtext_str(&x, "MARFSTAG v=");
    mtext_u64(&x, FTAG_VERSION);
    mtext_str(&x, t->state == FTAG_COMPLETE ? " st=complete nto1="
                                              : " st=writing nto1=");
    mtext_i64(&x, t->nto1);
    mtext_str(&x, " stream=");
    mtext_str(&x, t->stream);
    static const char *const keys[] = {" obj=", " off=", " first=",
                                       " chunk=", " hdr=", " size="};
    const uint64_t vals[] = {t->objno, t->off, t->first, t->chunk, t->hdr,
                             t->size};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        mtext_str(&x, keys[i]);
        mtext_u64(&x, vals[i]);
    }
    mtext_str(&x, " n=");
    mtext_u64(&x, t->n);
    mtext_str(&x, " e=");
    mtext_u64(&x, t->e);
    mtext_str(&x, " psz=");
    mtext_u64(&x, t->psz);
    mtext_str(&x, " crc=");
    if (t->has_crc)
        mtext_hex_pad(&x, t->crc, 16);
    else
        mtext_char(&x, '-');
    mtext_str(&x, " ref=");
    mtext_str(&x, t->ref);
    int n = mtext_len(&x, buf);
    return n < 0 ? -ENAMETOOLONG : n;
}

static int parse_u64(const char *v, uint64_t *out)
{
    char *end;
    if (*v < '0' || *v > '9')
        return -EINVAL;
    errno = 0;
    *out = strtoull(v, &end, 10);
    return errno || *end ? -EINVAL : 0;
}

static int parse_word(const char *v, char *out, size_t outsz)
{
    size_t len = strlen(v);
    if (len == 0 || len >= outsz)
        return -EINVAL;
    memcpy(out, v, len + 1);
    return 0;
}

static int parse_pair(struct ftag *t, const char *key, const char *v,
                      unsigned *seen)
{
    uint64_t u = 0;
    int rc = 0;
#define NUM(k, field, bit) \
    else if (strcmp(key, k) == 0) { rc = parse_u64(v, &u); t->field = u; *seen |= bit; }
    if (strcmp(key, "v") == 0) {
        rc = parse_u64(v, &u);
        t->version = (unsigned)u;
        *seen |= 1;
    } else if (strcmp(key, "st") == 0) {
        t->state = strcmp(v, "complete") == 0 ? FTAG_COMPLETE : FTAG_WRITING;
        rc = strcmp(v, "complete") && strcmp(v, "writing") ? -EINVAL : 0;
        *seen |= 2;
    } else if (strcmp(key, "stream") == 0) {
        rc = parse_word(v, t->stream, sizeof(t->stream));
        *seen |= 4;
    } else if (strcmp(key, "ref") == 0) {
        rc = parse_word(v, t->ref, sizeof(t->ref));
        *seen |= 8;
    } else if (strcmp(key, "crc") == 0) {
        *seen |= 16384;
        t->has_crc = strcmp(v, "-") != 0;
        if (t->has_crc) {
            char *end;
            t->crc = strtoull(v, &end, 16);
            rc = strlen(v) == 16 && *end == '\0' ? 0 : -EINVAL;
        }
    }
    NUM("nto1", nto1, 8192)
    NUM("obj", objno, 16)
    NUM("off", off, 32)
    NUM("first", first, 64)
    NUM("chunk", chunk, 128)
    NUM("hdr", hdr, 256)
    NUM("size", size, 512)
    NUM("n", n, 1024)
    NUM("e", e, 2048)
    NUM("psz", psz, 4096)
#undef NUM
    return rc;
}

#define FTAG_REQUIRED 0x7fff   /* every key of version 1 */

int ftag_decode(const char *buf, size_t len, struct ftag *t)
{
    char text[FTAG_MAX + 1];
    if (len == 0 || len > FTAG_MAX || memchr(buf, '\0', len) != NULL)
        return -EINVAL;
    memcpy(text, buf, len);
    text[len] = '\0';
    memset(t, 0, sizeof(*t));
    char *save = NULL;
    char *word = strtok_r(text, " ", &save);
    if (word == NULL || strcmp(word, "MARFSTAG") != 0)
        return -EINVAL;
    unsigned seen = 0;
    while ((word = strtok_r(NULL, " ", &save)) != NULL) {
        char *eq = strchr(word, '=');
        if (eq == NULL)
            return -EINVAL;
        *eq = '\0';
        if (parse_pair(t, word, eq + 1, &seen) < 0)
            return -EINVAL;
    }
    if (seen != FTAG_REQUIRED || t->version != FTAG_VERSION ||
        t->chunk == 0 || t->first > t->chunk || t->n == 0)
        return -EINVAL;
    return 0;
}

void ftag_map(const struct ftag *t, uint64_t x, uint64_t *objno,
              uint64_t *objoff, uint64_t *avail)
{
    if (x < t->first) {
        *objno = t->objno;
        *objoff = t->off + x;
        *avail = t->first - x;
        return;
    }
    uint64_t rest = x - t->first;
    *objno = t->objno + 1 + rest / t->chunk;
    *objoff = t->hdr + rest % t->chunk;
    *avail = t->chunk - rest % t->chunk;
}

int ftag_objname(const char *stream, uint64_t objno, char *buf, size_t bufsz)
{
    int n = snprintf(buf, bufsz, "%s/%" PRIu64, stream, objno);
    return n < 0 || (size_t)n >= bufsz ? -ENAMETOOLONG : 0;
}
