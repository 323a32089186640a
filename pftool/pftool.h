/*
 * pftool.h - what every part of the pftool engine shares: the commands,
 * rank roles, exit codes, the parsed options, the copy roots and the
 * job counters.  Protocol and task formats live in msg.h and task.h.
 */
#ifndef PFTOOL_H
#define PFTOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the job does; chosen by the front-end (pfcp, pfsync, pfls, pfcm). */
enum pf_cmd {
    PF_CMD_CP = 0,
    PF_CMD_SYNC,
    PF_CMD_LS,
    PF_CMD_CM,
};

/* Exit codes shared with the other suite tools (doc/pftool.md). */
enum pf_exit {
    PF_EXIT_OK = 0,
    PF_EXIT_FAILED = 1,    /* some files failed / differ (listed) */
    PF_EXIT_USAGE = 2,     /* bad arguments or config; nothing done */
    PF_EXIT_FATAL = 3,     /* the job could not run */
};

/* The role of a rank; the layout adapts to the rank count (pftool.c). */
enum pf_role {
    PF_ROLE_SCHED = 0,     /* owns the queues (always rank 0) */
    PF_ROLE_OUTPUT,        /* alone prints and logs */
    PF_ROLE_READER,        /* worker that is handed directories first */
    PF_ROLE_WORKER,        /* worker that is handed copies first */
};

/* Include/exclude rule, applied in command-line order; first match wins. */
enum pf_rule_kind {
    PF_RULE_EXCLUDE = 0,
    PF_RULE_INCLUDE,
};

struct pf_rule {
    enum pf_rule_kind kind;
    const char *glob;
};

struct pf_opts {
    enum pf_cmd cmd;
    const char *prog;          /* name used in messages */
    int recursive;
    int verbose;
    int quiet;                 /* no per-entry lines (pfls -q) */
    int json;
    int dry_run;
    int delete_extra;
    int contents;              /* compare / decide by bytes */
    int checksum;              /* pfcm: use the destination's stored CRC */
    int force;                 /* pfcp: recopy even identical files */
    int no_xattrs;
    int sort;
    int summary;
    int long_list;
    int null_sep;              /* failed list NUL-separated */
    int fsync;                 /* fdatasync chunks before journalling */
    int preserve_owner;        /* chown (default: when run as root) */
    double progress;           /* seconds between progress lines; 0 none */
    uint64_t chunk_size;       /* 0: endpoint default */
    uint64_t block_size;
    uint64_t queue_mem;        /* scheduler back-pressure threshold */
    const char *log_file;
    const char *failed_list;
    const char *files_from;
    const char *journal_dir;
    const char *config;
    const char *fault;         /* test fault injection, see fault.c */
    struct pf_rule *rules;
    int nrules;
    char **srcs;
    int nsrcs;
    const char *dst;           /* NULL for pfls */
};

/* One SRC argument and where its copy goes. */
struct pf_root {
    char *src;                 /* normalised, no trailing '/' */
    char *dst;                 /* NULL when the command has none */
    struct ep *src_ep;
    struct ep *dst_ep;
    uint64_t chunk;            /* files larger than this are chunked */
};

struct pf_job {
    struct pf_opts opts;
    struct pf_root *roots;
    int nroots;
    int rank, nranks;
    int output_rank;
    int nreaders;              /* ranks [first_reader, first_reader+nreaders) */
    int first_worker;          /* 0 when the scheduler works too */
    int first_reader;
    enum pf_role role;
};

/* A hook a long task calls between its blocks (wk_service), so the rank
 * that also schedules (rank0.c) answers other ranks meanwhile.  The
 * owner embeds it and finds itself from it. */
struct pf_service {
    void (*fn)(struct pf_service *svc);
};

/* Size histogram buckets: 0, then [4^(i-1) KiB...) doubling by 4. */
#define PF_HIST_BUCKETS 16
/* Chunk size of big files when neither --chunk-size nor the destination
 * says: parallel enough, few journal records. */
#define PF_DEFAULT_CHUNK (64ULL << 20)

/* Job counters; workers send deltas, the scheduler sums them. */
struct pf_stats {
    uint64_t files_seen, dirs_seen, links_seen, special_seen, bytes_seen;
    uint64_t files_done, bytes_done;     /* copied / compared / listed */
    uint64_t dirs_made, links_made, hardlinks_made, special_made;
    uint64_t skipped;                    /* already identical */
    uint64_t meta_fixed;                 /* only metadata updated */
    uint64_t deleted;
    uint64_t differ;                     /* pfcm differences */
    uint64_t chunks_done;
    uint64_t errors;
    uint64_t walk_errors;
    uint64_t hist[PF_HIST_BUCKETS];
};

/* Name of the command for messages ("pfcp"...). */
const char *pf_cmd_name(enum pf_cmd cmd);

/* opts.c */
int pf_parse_opts(int argc, char **argv, struct pf_opts *o);
/* privstart.c: in a setuid pftool, set up marfs and drop to the real user
 * before MPI_Init; 0, or PF_EXIT_FATAL if privileges are still held. */
int pf_setuid_start(int argc, char **argv);
void pf_usage(const struct pf_opts *o, int full);
int pf_make_roots(struct pf_job *job);

/* stats.c */
void pf_stats_add(struct pf_stats *to, const struct pf_stats *d);
int pf_stats_empty(const struct pf_stats *s);
int pf_hist_bucket(uint64_t size);
const char *pf_hist_label(int bucket);
void pf_human(uint64_t bytes, char *buf, size_t len);

#endif
