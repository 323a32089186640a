/*
 * config_check.c - semantic checks of marfs.xml values beyond the schema.
 *
 * Owns: the protection/packing/chunking limits, absolute-path rules and
 * permission lists.  The parameters of a <DAL> element are its backend's
 * business: the DAL layer checks them (dal_config_load), each backend
 * against the rules it declares in its own file.
 */
#include <errno.h>
#include <string.h>

#include "config_internal.h"

void mcfg_check_protection(struct mcfg_load_ctx *ctx, const xmlNode *prot,
                           const struct mcfg_repo *r)
{
    if (r->n + r->e > MCFG_MAX_PARTS)
        mcfg_error(ctx, prot, "N+E = %u exceeds the limit of %d parts per "
                   "stripe (isa-l works in GF(2^8))", r->n + r->e,
                   MCFG_MAX_PARTS);
    if (r->psz == 0)
        mcfg_error(ctx, prot, "PSZ must not be zero");
    else if (r->psz % MCFG_PSZ_ALIGN != 0)
        mcfg_error(ctx, prot, "PSZ %llu is not a multiple of %d bytes",
                   (unsigned long long)r->psz, MCFG_PSZ_ALIGN);
    else if (r->psz > (1ULL << 30))
        mcfg_error(ctx, prot, "PSZ %llu exceeds the 1 GiB maximum",
                   (unsigned long long)r->psz);
}

void mcfg_check_limits(struct mcfg_load_ctx *ctx, const xmlNode *pack,
                       const xmlNode *chunk, const struct mcfg_repo *r)
{
    if (pack != NULL && r->packing && r->pack_max_files == 0)
        mcfg_error(ctx, pack, "max_files is 0 but packing is enabled");
    if (chunk != NULL && r->chunking && r->chunk_max_size == 0)
        mcfg_error(ctx, chunk, "max_size is 0 but chunking is enabled");
}

int mcfg_check_abs_path(struct mcfg_load_ctx *ctx, const xmlNode *node,
                        const char *what, const char *path)
{
    if (path == NULL || path[0] == '\0') {
        mcfg_error(ctx, node, "%s is empty; an absolute path is required",
                   what);
        return -EINVAL;
    }
    if (path[0] != '/') {
        mcfg_error(ctx, node, "%s '%s' is a relative path; an absolute path "
                   "is required", what, path);
        return -EINVAL;
    }
    if (strlen(path) >= 4096) {
        mcfg_error(ctx, node, "%s is longer than PATH_MAX", what);
        return -EINVAL;
    }
    return 0;
}

const char *mcfg_dal_param(const struct mcfg_dal *dal, const char *key)
{
    for (size_t i = 0; i < dal->nparams; i++)
        if (strcmp(dal->params[i].key, key) == 0)
            return dal->params[i].value;
    return NULL;
}

/* ---- permissions ------------------------------------------------------ */

int mcfg_parse_perms(struct mcfg_load_ctx *ctx, const xmlNode *node,
                     unsigned *out)
{
    static const struct { const char *name; unsigned bit; } names[] = {
        {"RM", MCFG_PERM_RM}, {"WM", MCFG_PERM_WM},
        {"RD", MCFG_PERM_RD}, {"WD", MCFG_PERM_WD},
    };
    xmlChar *raw = xmlNodeGetContent(node);
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", raw ? (const char *)raw : "");
    xmlFree(raw);
    unsigned mask = 0;
    int rc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", \t\r\n", &save); tok != NULL;
         tok = strtok_r(NULL, ", \t\r\n", &save)) {
        if (strcmp(tok, "NONE") == 0)
            continue;
        size_t i = 0;
        while (i < 4 && strcmp(tok, names[i].name) != 0)
            i++;
        if (i == 4) {
            mcfg_error(ctx, node, "unknown permission '%s' (known: RM, WM, "
                       "RD, WD, NONE)", tok);
            rc = -EINVAL;
            continue;
        }
        mask |= names[i].bit;
    }
    *out = mask;
    return rc;
}

const char *mcfg_perm_str(unsigned perms, char *buf, size_t bufsz)
{
    static const char *const names[] = {"RM", "WM", "RD", "WD"};
    size_t len = 0;
    if (bufsz == 0)
        return buf;
    buf[0] = '\0';
    for (int i = 0; i < 4; i++)
        if (perms & (1u << i))
            len += (size_t)snprintf(buf + len, len < bufsz ? bufsz - len : 0,
                                    "%s%s", len ? "," : "", names[i]);
    if (len == 0)
        snprintf(buf, bufsz, "none");
    return buf;
}
