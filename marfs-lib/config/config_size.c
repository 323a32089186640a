/*
 * config_size.c - sizes with binary suffixes, as marfs.xml writes them.
 *
 * "64M" is 64 * 1024^2: storage admins size stripes and chunks in powers
 * of two, and one convention everywhere avoids 4.9% surprises.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "marfs_config.h"

int mcfg_parse_size(const char *text, uint64_t *out)
{
    static const char suffixes[] = "KMGTP";
    const char *p = text;
    uint64_t v = 0;

    if (p == NULL || !isdigit((unsigned char)*p))
        return -EINVAL;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    while (*p == ' ')
        p++;
    unsigned shift = 0;
    if (*p != '\0') {
        const char *s = strchr(suffixes, toupper((unsigned char)*p));
        if (s == NULL && (*p == 'B' || *p == 'b') && p[1] == '\0') {
            *out = v;
            return 0;
        }
        if (s == NULL)
            return -EINVAL;
        shift = 10u * (unsigned)(s - suffixes + 1);
        p++;
        if (*p == 'i' && (p[1] == 'B' || p[1] == 'b'))
            p += 2;
        else if (*p == 'B' || *p == 'b')
            p++;
        if (*p != '\0')
            return -EINVAL;
    }
    if (shift > 0 && v > (UINT64_MAX >> shift))
        return -ERANGE;
    *out = v << shift;
    return 0;
}
