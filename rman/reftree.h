/*
 * reftree.h - operations on single entries of a namespace's reference
 * tree that marfs-rman performs: reading and replacing a tag, removing a
 * dead reference or a chunk marker, creating repack's retired copy, and
 * linking a deleted file back into the user tree (undelete).
 *
 * Every function re-checks on the inode what the caller decided from a
 * walk (link count, tag) right before acting, so a decision made on a
 * stale view does nothing instead of something wrong.
 */
#ifndef MARFS_RMAN_REFTREE_H
#define MARFS_RMAN_REFTREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "rman.h"
#include "tag.h"

/* O_PATH fd of the ref dir that holds name (created if missing). */
int ref_dirfd(struct rm_ns *ns, const char *name, int *fd);
/* Raw tag text of (dirfd, name) into buf (NUL-terminated); its length. */
int ref_tag_raw(int dirfd, const char *name, char *buf, size_t bufsz);
/* Decoded tag. */
int ref_tag_get(int dirfd, const char *name, struct ftag *t);
/* Replace the tag of (dirfd, name) with t if its raw text still equals
 * expect: 0, 1 if it already is t, -ESTALE if it is something else. */
int ref_tag_switch(int dirfd, const char *name, const char *expect,
                   const struct ftag *t);
/* Remove a dead reference: only if it still has one link; 0 or -ENOENT
 * when already gone, -EBUSY if it has a user link again. */
int ref_remove(struct rm_ns *ns, const char *name);
/* Remove a chunk marker (any name in the ref dir of its file). */
int ref_remove_marker(struct rm_ns *ns, const char *name);
/* Create (or complete) the retired copy `name` of file `orig`: an inode
 * with one link whose tag is old (with ref = name), size old->size. */
int ref_retire(struct rm_ns *ns, const char *name, const char *orig,
               const struct ftag *old);
/* Mark a deleted file as expired (past the undelete window). */
int ref_mark_expired(struct rm_ns *ns, const char *name);
/* stat of a ref entry. */
int ref_stat(struct rm_ns *ns, const char *name, struct stat *st);

#endif
