/*
 * quota.h - a namespace's usage counters (files, bytes) and quota checks.
 *
 * Owns the "usage" file of a namespace directory.  Processes update it
 * under flock, batching their changes (at most QUOTA_FLUSH_FILES files or
 * QUOTA_FLUSH_BYTES bytes or one second pending), so a quota can be
 * overshot by at most that much per concurrent process; the quota tool
 * recomputes exact values from the tree.  Format: doc/metadata-format.md.
 */
#ifndef MARFS_QUOTA_H
#define MARFS_QUOTA_H

#include <stdint.h>

#include "marfs_config.h"

#define QUOTA_FLUSH_FILES 64
#define QUOTA_FLUSH_BYTES (64ULL << 20)

struct quota;

/* Open (creating) the usage file in the namespace directory nsdirfd. */
int quota_open(int nsdirfd, const struct mcfg_ns *ns, struct quota **out);
/* Flush pending changes and free. */
void quota_close(struct quota *q);

/* -EDQUOT if adding files/bytes would exceed the namespace's quota. */
int quota_check(struct quota *q, uint64_t files, uint64_t bytes);
/* Record a change (negative to release). */
void quota_add(struct quota *q, int64_t files, int64_t bytes);
/* Bytes this process has written to files not yet complete: they count
 * against the quota (so one growing file cannot overrun it) but are not
 * usage until the file completes. */
void quota_inflight(struct quota *q, int64_t bytes);
/* Write pending changes now. */
int quota_flush(struct quota *q);
/* Replace the stored counters with exact values (the resource manager's
 * recount), after flushing this process's pending changes; *dfiles and
 * *dbytes (may be NULL) get the correction applied (new - old). */
int quota_set(struct quota *q, int64_t files, int64_t bytes, int64_t *dfiles,
              int64_t *dbytes);
/* Current usage as this process sees it (file value + pending). */
void quota_usage(struct quota *q, uint64_t *files, uint64_t *bytes);

#endif
