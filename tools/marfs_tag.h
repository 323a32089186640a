/*
 * marfs_tag.h - reading a file's raw tag and showing where its data lives,
 * for `marfs stat` (the one subcommand that looks below the API).
 */
#ifndef MARFS_TOOL_TAG_H
#define MARFS_TOOL_TAG_H

#include <limits.h>
#include <sys/types.h>

#include "marfs_config.h"
#include "ne.h"
#include "tag.h"

/* The raw tag of a marfs path (no symlink following) and the inode's
 * path in the namespace's metadata tree (for messages). */
struct mt_rawtag {
    char inode[PATH_MAX + 64];    /* <ns_root>/ns@.../tree/<rel> */
    char value[FTAG_MAX + 1];     /* NUL-terminated copy */
    ssize_t len;                  /* bytes of the xattr */
    const struct mcfg_ns *ns;
};

/* 0, -ENODATA (no tag), -ERANGE (longer than FTAG_MAX) or the errno of
 * resolving the path beneath the namespace tree. */
int mt_read_rawtag(const struct mcfg *cfg, const char *path,
                   struct mt_rawtag *out);

/* Print the decoded tag fields. */
void mt_print_tag(const struct ftag *t);

/* Print the objects the file spans (ftag_map over its size) and, for
 * each, where each of its N+E blocks lives and its health (ne_stat).
 * Returns the number of objects that are missing or unreadable. */
unsigned mt_print_layout(ne_ctx_t *ne, const struct ftag *t);

#endif
