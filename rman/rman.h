/*
 * rman.h - marfs-rman, the resource manager: what its parts share.
 *
 * Owns the options of a run, the per-run summary counters, and the
 * per-namespace context every action works in (the namespace's metadata
 * handle, its repo's erasure context, the "rman" directory that holds the
 * run lock, the write-ahead log and the scrub position).  Design and
 * formats: doc/rman.md.
 */
#ifndef MARFS_RMAN_H
#define MARFS_RMAN_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "marfs_config.h"
#include "mdal.h"
#include "ne.h"

/* Actions of a run (any combination). */
enum rm_action {
    RM_GC = 1 << 0,
    RM_REPACK = 1 << 1,
    RM_REBUILD = 1 << 2,
    RM_SCRUB = 1 << 3,
    RM_QUOTA = 1 << 4,
    RM_REPORT = 1 << 5,
    RM_LIST_DELETED = 1 << 6,
    RM_UNDELETE = 1 << 7,
};

/* Actions that change a namespace: they take its run lock and first
 * finish what a killed run left in the write-ahead log. */
#define RM_LOCKED (RM_GC | RM_REPACK | RM_REBUILD | RM_QUOTA | RM_UNDELETE)

#define RM_DEFAULT_AGE (7 * 86400)          /* --age */
#define RM_DEFAULT_GRACE 86400              /* --writer-grace */
#define RM_DEFAULT_BELOW 0.5                /* --below */

/* A block location filter (--location); -1 matches any value. */
struct rm_location {
    int pod, block, cap, scatter;
};

struct rm_opts {
    const char *config;
    const char **ns;           /* --ns PATH (repeatable); none = all */
    size_t nns;
    unsigned actions;          /* enum rm_action bits */
    int64_t age;               /* seconds a deletion must be old for gc */
    int64_t grace;             /* seconds an incomplete file must be
                                  silent before gc may take it */
    double below;              /* repack objects below this live ratio */
    int scan;                  /* rebuild: check every object */
    int has_location;
    struct rm_location loc;
    double rate;               /* scrub MB/s (10^6 bytes), 0 = unbounded */
    int restart;               /* scrub: forget the recorded position */
    int json;                  /* report as JSON */
    int dry_run;
    int quiet;                 /* no summary line */
    int verbose;               /* print every action */
    int progress;              /* scrub progress lines on stderr */
    int wait;                  /* wait for a busy namespace */
    const char *log_dir;
    const char *to;            /* undelete target */
    char **paths;              /* undelete arguments */
    size_t npaths;
};

/* What a run did; printed as the final summary line. */
struct rm_summary {
    uint64_t namespaces;
    uint64_t files_examined;
    uint64_t objects_deleted;
    uint64_t bytes_freed;
    uint64_t refs_removed;
    uint64_t objects_rebuilt;
    uint64_t objects_lost;
    uint64_t crc_errors;
    uint64_t objects_scrubbed;
    uint64_t bytes_scrubbed;
    uint64_t files_repacked;
    uint64_t usage_corrections;
    uint64_t files_undeleted;
    uint64_t errors;
};
#define RM_SUMMARY_FIELDS (sizeof(struct rm_summary) / sizeof(uint64_t))

struct rm_wal;

/* One namespace being worked on. */
struct rm_ns {
    const struct mcfg *cfg;
    const struct mcfg_ns *ns;
    const struct mcfg_repo *repo;
    const struct rm_opts *o;
    struct rm_summary *sum;
    struct mdal_ns *md;
    ne_ctx_t *ne;
    int rmfd;                  /* O_PATH fd of <nsdir>/rman */
    int lockfd;                /* the run lock, -1 when not held */
    struct rm_wal *wal;        /* open while the run lock is held */
};

/* ---- nsctx.c ---------------------------------------------------------- */
int rm_ns_open(const struct mcfg *cfg, const struct mcfg_ns *ns,
               ne_ctx_t *ne, const struct rm_opts *o, struct rm_summary *sum,
               struct rm_ns **out);
void rm_ns_close(struct rm_ns *ns);
/* "<nsdir>/<rel>" into buf; -ENAMETOOLONG if it does not fit. */
int rm_ns_path(const struct rm_ns *ns, const char *rel, char *buf,
               size_t bufsz);

/* ---- lock.c ----------------------------------------------------------- */
/* Take the namespace's run lock (waiting if o->wait); -EBUSY with a
 * message naming the holder if another run has it. */
int rm_lock(struct rm_ns *ns);
void rm_unlock(struct rm_ns *ns);

/* ---- opts.c ----------------------------------------------------------- */
/* Parse argv; 0, or 2 (usage error, message printed), or -1 (--help
 * printed: exit 0). */
int rm_opts_parse(int argc, char **argv, struct rm_opts *o);
/* "30", "90s", "15m", "12h", "7d", "2w" -> seconds; -EINVAL. */
int rm_parse_duration(const char *text, int64_t *out);

/* ---- summary.c -------------------------------------------------------- */
/* Open the run's log file under o->log_dir (library messages go there
 * too); 0 or a negative errno (message printed). */
int rm_log_open(const struct rm_opts *o, const char *prog);
void rm_log_close(void);
/* One line of the run's report: stdout (unless quiet) and the log file. */
void rm_say(const struct rm_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An action line: printed only with -v or --dry-run (and logged). */
void rm_act(const struct rm_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void rm_summary_print(const struct rm_opts *o, const struct rm_summary *s);

/* ---- time ------------------------------------------------------------- */
int64_t rm_now(void);
double rm_mono(void);          /* monotonic seconds */

#endif
