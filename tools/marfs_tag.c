/*
 * marfs_tag.c - read a file's raw tag ("user.marfs.tag") for marfs stat.
 *
 * Resolves the path through the config (mcfg_lookup -> namespace) and
 * asks the metadata layer for the raw xattr (resolved beneath the tree),
 * so a corrupt tag can be shown even though the API refuses to use it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "marfs_tag.h"
#include "mdal.h"

int mt_read_rawtag(const struct mcfg *cfg, const char *path,
                   struct mt_rawtag *out)
{
    char rel[PATH_MAX];
    struct mdal_ns *md;
    memset(out, 0, sizeof(*out));
    int rc = mcfg_lookup(cfg, path, &out->ns, rel, sizeof(rel));
    if (rc == 0)
        rc = mdal_ns_open(out->ns, 0, &md);
    if (rc < 0)
        return rc;
    rc = mdal_tree_path(md, rel, out->inode, sizeof(out->inode));
    if (rc == 0) {
        out->len = mdal_lgetxattr(md, rel, FTAG_XATTR, out->value, FTAG_MAX);
        rc = out->len < 0 ? (int)out->len : 0;
    }
    mdal_ns_close(md);
    if (rc == 0)
        out->value[out->len] = '\0';
    return rc;
}

void mt_print_tag(const struct ftag *t)
{
    printf("Tag: version %u\n", t->version);
    printf("  state: %s\n", t->state == FTAG_COMPLETE ? "complete"
                                                      : "writing");
    printf("  N:1: %s\n", t->nto1 ? "yes (size declared, chunks written "
                                     "in parallel)" : "no");
    printf("  stream: %s\n", t->stream);
    printf("  first byte: object %llu, offset %llu (%llu bytes fit there)\n",
           (unsigned long long)t->objno, (unsigned long long)t->off,
           (unsigned long long)t->first);
    if (t->chunk == UINT64_MAX)
        printf("  chunk: unlimited, header %llu\n",
               (unsigned long long)t->hdr);
    else
        printf("  chunk: %llu, header %llu\n", (unsigned long long)t->chunk,
               (unsigned long long)t->hdr);
    printf("  size: %llu\n", (unsigned long long)t->size);
    printf("  protection: %u+%u, psz %llu\n", t->n, t->e,
           (unsigned long long)t->psz);
    if (t->has_crc)
        printf("  crc: %016llx\n", (unsigned long long)t->crc);
    else
        printf("  crc: - (not complete)\n");
    printf("  ref: %s\n", t->ref);
}
