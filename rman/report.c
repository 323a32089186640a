/*
 * report.c - usage against quota per namespace (--report), as a text
 * table or JSON (--json).  Values are the live counters (after --quota in
 * the same run: the corrected ones).
 */
#include <inttypes.h>
#include <stdio.h>

#include "quota.h"
#include "actions.h"
#include "rman.h"

static void pct(char *buf, size_t sz, uint64_t used, uint64_t limit)
{
    if (limit == MCFG_UNLIMITED)
        snprintf(buf, sz, "-");
    else
        snprintf(buf, sz, "%.1f%%", limit ? 100.0 * (double)used /
                                                (double)limit : 100.0);
}

static void limit_str(char *buf, size_t sz, uint64_t limit)
{
    if (limit == MCFG_UNLIMITED)
        snprintf(buf, sz, "-");
    else
        snprintf(buf, sz, "%" PRIu64, limit);
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", (unsigned char)*s);
        else
            putchar(*s);
    }
    putchar('"');
}

void rm_report_begin(const struct rm_opts *o)
{
    if (o->json)
        printf("{\"namespaces\": [");
    else
        printf("%-24s %12s %12s %7s %18s %18s %7s\n", "namespace", "files",
               "file-quota", "use", "bytes", "byte-quota", "use");
}

void rm_report_ns(struct rm_ns *ns, int first)
{
    uint64_t f, b;
    const struct mcfg_ns *c = ns->ns;
    quota_usage(ns->md->quota, &f, &b);
    if (ns->o->json) {
        char qf[32] = "null", qb[32] = "null";
        if (c->quota_files != MCFG_UNLIMITED)
            snprintf(qf, sizeof(qf), "%" PRIu64, c->quota_files);
        if (c->quota_bytes != MCFG_UNLIMITED)
            snprintf(qb, sizeof(qb), "%" PRIu64, c->quota_bytes);
        printf("%s\n  {\"path\": ", first ? "" : ",");
        json_str(c->path);
        printf(", \"files\": %" PRIu64 ", \"bytes\": %" PRIu64
               ", \"quota_files\": %s, \"quota_bytes\": %s}", f, b, qf, qb);
        return;
    }
    char lf[32], lb[32], pf[16], pb[16];
    limit_str(lf, sizeof(lf), c->quota_files);
    limit_str(lb, sizeof(lb), c->quota_bytes);
    pct(pf, sizeof(pf), f, c->quota_files);
    pct(pb, sizeof(pb), b, c->quota_bytes);
    printf("%-24s %12" PRIu64 " %12s %7s %18" PRIu64 " %18s %7s\n", c->path, f,
           lf, pf, b, lb, pb);
}

void rm_report_end(const struct rm_opts *o)
{
    if (o->json)
        printf("\n]}\n");
}
