/*
 * stats.c - job counters: summing deltas, the size histogram buckets,
 * human-readable byte counts.
 */
#include <stdio.h>
#include <string.h>

#include "pftool.h"

void pf_stats_add(struct pf_stats *to, const struct pf_stats *d)
{
    /* Every field is a uint64_t counter. */
    uint64_t *a = (uint64_t *)to;
    const uint64_t *b = (const uint64_t *)d;
    for (size_t i = 0; i < sizeof(*to) / sizeof(uint64_t); i++)
        a[i] += b[i];
}

int pf_stats_empty(const struct pf_stats *s)
{
    static const struct pf_stats zero;
    return memcmp(s, &zero, sizeof(zero)) == 0;
}

/* 0: empty; 1: under 1 KiB; then [1K,4K), [4K,16K), ... by 4. */
int pf_hist_bucket(uint64_t size)
{
    if (size == 0)
        return 0;
    if (size < 1024)
        return 1;
    int b = 2;
    for (uint64_t lim = 4096; size >= lim && b < PF_HIST_BUCKETS - 1; lim *= 4)
        b++;
    return b;
}

const char *pf_hist_label(int bucket)
{
    static const char *const labels[PF_HIST_BUCKETS] = {
        "0",           "1B-1KiB",     "1KiB-4KiB",   "4KiB-16KiB",
        "16KiB-64KiB", "64KiB-256KiB", "256KiB-1MiB", "1MiB-4MiB",
        "4MiB-16MiB",  "16MiB-64MiB", "64MiB-256MiB", "256MiB-1GiB",
        "1GiB-4GiB",   "4GiB-16GiB",  "16GiB-64GiB", ">=64GiB",
    };
    return bucket >= 0 && bucket < PF_HIST_BUCKETS ? labels[bucket] : "?";
}

void pf_human(uint64_t bytes, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%llu B", (unsigned long long)bytes);
    else
        snprintf(buf, len, "%.1f %s", v, units[u]);
}

const char *pf_cmd_name(enum pf_cmd cmd)
{
    switch (cmd) {
    case PF_CMD_CP: return "pfcp";
    case PF_CMD_SYNC: return "pfsync";
    case PF_CMD_LS: return "pfls";
    case PF_CMD_CM: return "pfcm";
    }
    return "pftool";
}
