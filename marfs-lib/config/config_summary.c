/*
 * config_summary.c - the human-readable summary of a loaded config that
 * marfs-verifyconf prints (and the round-trip tests compare).
 */
#include <inttypes.h>

#include "marfs_config.h"

static void print_size(FILE *out, uint64_t v)
{
    static const char units[] = "KMGTP";
    if (v == MCFG_UNLIMITED) {
        fputs("unlimited", out);
        return;
    }
    int u = -1;
    while (u < 4 && v != 0 && v % 1024 == 0) {
        v /= 1024;
        u++;
    }
    if (u < 0)
        fprintf(out, "%" PRIu64, v);
    else
        fprintf(out, "%" PRIu64 "%c", v, units[u]);
}

static void print_dist(FILE *out, const char *name, const struct mcfg_dist *d)
{
    fprintf(out, " %s=%u", name, d->cnt);
    int first = 1;
    for (unsigned i = 0; i < d->cnt; i++) {
        if (d->weights[i] == d->dweight)
            continue;
        fprintf(out, "%s%u=%u", first ? "(" : ",", i, d->weights[i]);
        first = 0;
    }
    if (!first)
        fputc(')', out);
}

static void print_dal(FILE *out, const struct mcfg_dal *dal, int depth)
{
    fprintf(out, "%*sDAL %s", 2 + 2 * depth, "", dal->type);
    for (size_t i = 0; i < dal->nparams; i++)
        fprintf(out, " %s=%s", dal->params[i].key, dal->params[i].value);
    fputc('\n', out);
    if (dal->inner != NULL)
        print_dal(out, dal->inner, depth + 1);
}

static void print_repo(FILE *out, const struct mcfg_repo *r)
{
    fprintf(out, "repo %s: %u+%u PSZ=", r->name, r->n, r->e);
    print_size(out, r->psz);
    fprintf(out, " packing=%s", r->packing ? "yes" : "no");
    if (r->packing)
        fprintf(out, "(max_files=%" PRIu64 ")", r->pack_max_files);
    fprintf(out, " chunking=%s", r->chunking ? "yes" : "no");
    if (r->chunking) {
        fputs("(max_size=", out);
        print_size(out, r->chunk_max_size);
        fputc(')', out);
    }
    fputc('\n', out);
    fputs("  distribution:", out);
    print_dist(out, "pods", &r->pods);
    print_dist(out, "caps", &r->caps);
    print_dist(out, "scatters", &r->scatters);
    fputc('\n', out);
    print_dal(out, r->dal, 0);
    fprintf(out, "  MDAL posix ns_root=%s ref-tree=%ux%u (%u digits)\n",
            r->ns_root, r->rbreadth, r->rdepth, r->rdigits);
}

static void print_ns(FILE *out, const struct mcfg_ns *ns)
{
    char ib[32], bb[32];
    fprintf(out, "ns %s (repo %s): interactive=%s batch=%s files=",
            ns->path, ns->repo->name,
            mcfg_perm_str(ns->perms[MCFG_CLIENT_INTERACTIVE], ib, sizeof(ib)),
            mcfg_perm_str(ns->perms[MCFG_CLIENT_BATCH], bb, sizeof(bb)));
    print_size(out, ns->quota_files);
    fputs(" data=", out);
    print_size(out, ns->quota_bytes);
    fputc('\n', out);
}

void mcfg_print_summary(const struct mcfg *cfg, FILE *out)
{
    fprintf(out, "config %s: version %u, mnt_top %s, %zu repo%s, %zu "
            "namespace%s\n", cfg->file, cfg->version, cfg->mnt_top,
            cfg->nrepos, cfg->nrepos == 1 ? "" : "s", cfg->nns,
            cfg->nns == 1 ? "" : "s");
    for (size_t i = 0; i < cfg->nrepos; i++)
        print_repo(out, &cfg->repos[i]);
    for (size_t i = 0; i < cfg->nns; i++)
        print_ns(out, cfg->all_ns[i]);
}
