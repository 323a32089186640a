/*
 * paths.c - path arithmetic of the engine: joining a root and a relative
 * path, the deterministic temporary and journal names beside a
 * destination (deterministic so a rerun finds them), making parents.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "textbuf.h"
#include "wctx.h"

/* Temporary names: ".NAME.pft~" (journal ".NAME.pfj~"); a name too long
 * for that becomes ".pft-HASH.pft~" (FNV-1a of the name). */
enum { TEMP_EXTRA = 6 };

/* Built with mtext (no printf): two or three joins per copied file. */
int path_join(char *out, size_t size, const char *base, const char *rel)
{
    struct mtext t;
    mtext_init(&t, out, size);
    mtext_str(&t, base);
    if (rel != NULL && *rel != '\0') {
        if (base[0] != '\0' && base[strlen(base) - 1] != '/')
            mtext_char(&t, '/');
        mtext_str(&t, rel);
    }
    return mtext_len(&t, out) < 0 ? -ENAMETOOLONG : 0;
}

const char *path_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

uint64_t path_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 0x100000001b3ULL;
    }
    return h;
}

int path_temp(char *out, size_t size, const char *dst, const char *suffix)
{
    const char *name = path_base(dst);
    struct mtext t;
    mtext_init(&t, out, size);
    mtext_mem(&t, dst, (size_t)(name - dst));
    if (strlen(name) + TEMP_EXTRA <= NAME_MAX) {
        mtext_char(&t, '.');
        mtext_str(&t, name);
    } else {
        mtext_str(&t, ".pft-");
        mtext_hex_pad(&t, path_hash(name), 16);
    }
    mtext_str(&t, suffix);
    return mtext_len(&t, out) < 0 ? -ENAMETOOLONG : 0;
}

int path_is_temp(const char *name)
{
    size_t n = strlen(name);
    return name[0] == '.' && n > 5 &&
           (strcmp(name + n - 5, ".pft~") == 0 ||
            strcmp(name + n - 5, ".pfj~") == 0);
}

int path_mkparents(struct ep *ep, const char *path)
{
    char buf[PF_PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return -ENAMETOOLONG;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = ep->ops->mkdir(ep, buf, 0755);
        *p = '/';
        if (rc < 0 && rc != -EEXIST)
            return rc;
    }
    return 0;
}
