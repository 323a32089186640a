/*
 * actions.h - the per-namespace actions main.c dispatches, one file each
 * (gc.c, repack.c, scrub.c, rebuild.c, usage.c, report.c, undelete.c).
 * Each returns 0 or a negative errno (logged), counts what it did in
 * ns->sum, and is collective over the ranks unless noted.
 */
#ifndef MARFS_RMAN_ACTIONS_H
#define MARFS_RMAN_ACTIONS_H

#include "rman.h"

int rm_gc(struct rm_ns *ns);
int rm_repack(struct rm_ns *ns);
int rm_scrub(struct rm_ns *ns);
int rm_rebuild(struct rm_ns *ns);
int rm_quota(struct rm_ns *ns);

/* Rank 0 only. */
void rm_report_begin(const struct rm_opts *o);
void rm_report_ns(struct rm_ns *ns, int first);
void rm_report_end(const struct rm_opts *o);
int rm_list_deleted(struct rm_ns *ns);
/* Restore the newest deleted file whose recorded path is mpath (below
 * mnt_top), or with ref != NULL that reference, as rel (relative to the
 * namespace tree).  arg: as the user gave it, for messages. */
int rm_undelete_one(struct rm_ns *ns, const char *arg, const char *mpath,
                    const char *ref, const char *rel);

/* Finish what a killed run left in the write-ahead log (replay.c). */
int rm_replay(struct rm_ns *ns);

#endif
