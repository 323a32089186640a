/*
 * recover.h - marfs-recover: the namespace rebuilt from the objects alone.
 *
 * Shared by the recover_*.c files (one concern each):
 *   recover_main.c     options, the run over each repo, summary, exit code
 *   recover_scan.c     object names: DAL list over every location, deduped
 *   recover_obj.c      one object: header, records walked backwards
 *   recover_cat.c      records grouped into files; completeness, versions
 *   recover_data.c     a file's bytes read piece by piece, CRCs verified
 *   recover_report.c   the lines printed for files and the summary
 *   recover_check.c    --check: comparison with the live tree (API)
 *   recover_rebuild.c  --rebuild: the tree written under a local directory
 * Format of objects and records: doc/metadata-format.md; the tool:
 * doc/recovery.md, man/marfs-recover.1.
 */
#ifndef MARFS_TOOL_RECOVER_H
#define MARFS_TOOL_RECOVER_H

#include <stdint.h>
#include <sys/types.h>

#include "marfs_config.h"
#include "ne.h"

enum rc_action { RC_LIST, RC_CHECK, RC_REBUILD };

struct rc_opts {
    const char *prog;
    const char *config;
    const char *repo;          /* NULL: every repo of the config */
    enum rc_action action;
    const char *dest;          /* --rebuild DESTROOT */
    int dry_run;
    int bytes;                 /* --check: also read the live files */
    int quiet;                 /* print problems and the summary only */
};

/* One recovery record found in an object (a piece of one file). */
struct rc_piece {
    size_t obj;                /* index in rc_cat.objs */
    uint64_t doff, plen, poff, pcrc;
};

enum rc_state {
    RC_COMPLETE,               /* every piece present, CRCs match */
    RC_INCOMPLETE,             /* no final record, or pieces missing */
    RC_DAMAGED,                /* inconsistent pieces or bad data */
    RC_SUPERSEDED,             /* an older version of a path */
};

struct rc_file {
    char *path;                /* below mnt_top, "/a/b" */
    char ref[128];
    uid_t uid;
    gid_t gid;
    unsigned mode;
    int64_t mtime_sec;         /* of the newest record */
    long mtime_nsec;
    int has_last;
    uint64_t size, fcrc;       /* from the final record */
    uint64_t found;            /* bytes of the file the pieces hold */
    struct rc_piece *p;        /* sorted by poff */
    size_t np, pcap;
    enum rc_state state;
    int newer_incomplete;      /* a newer version of the path is incomplete */
    uint64_t crc;              /* CRC-64 of the data read */
    char why[256];             /* reason when not complete */
};

/* One record as read, before grouping. */
struct rc_rec {
    char *path;
    char ref[128];
    uid_t uid;
    gid_t gid;
    unsigned mode;
    int64_t mtime_sec;
    long mtime_nsec;
    int last;
    uint64_t size, fcrc;
    struct rc_piece piece;
};

/* Everything found in one repo. */
struct rc_cat {
    const struct mcfg_repo *repo;
    ne_ctx_t *ne;
    char **objs;               /* sorted, unique */
    size_t nobj, objcap;
    struct rc_rec *recs;
    size_t nrec, reccap;
    struct rc_file *files;     /* sorted by path, newest version first */
    size_t nfiles;
    size_t locs_bad, objs_bad, objs_foreign;
    size_t differences;        /* --check */
    size_t written;            /* --rebuild */
};

int recover_main(const char *prog, const char *config, int argc,
                 char **argv);

/* recover_scan.c: fill cat->objs from every location of the repo. */
int rc_scan(struct rc_cat *cat, const struct rc_opts *o);

/* recover_obj.c: read object cat->objs[i], appending its records. */
int rc_read_object(struct rc_cat *cat, size_t i, const struct rc_opts *o);

/* recover_cat.c */
int rc_add_rec(struct rc_cat *cat, const struct rc_rec *r);
int rc_group(struct rc_cat *cat);
/* The file of that path to restore/compare (newest complete), or NULL. */
struct rc_file *rc_find(struct rc_cat *cat, const char *path);
void rc_cat_free(struct rc_cat *cat);

/* recover_data.c: read every piece of f, check pcrc and fcrc; sink (may
 * be NULL) receives the bytes at their file offsets.  0, or -1 with f
 * marked damaged. */
typedef int (*rc_sink_fn)(void *arg, const void *buf, size_t len,
                          uint64_t off);
struct rc_reader;
struct rc_reader *rc_reader_new(struct rc_cat *cat);
void rc_reader_free(struct rc_reader *rd);
int rc_read_data(struct rc_reader *rd, struct rc_file *f, rc_sink_fn sink,
                 void *arg);

/* recover_report.c */
const char *rc_state_str(enum rc_state s);
void rc_print_file(const struct rc_file *f);
void rc_print_problem(const struct rc_file *f);
void rc_print_summary(const struct rc_cat *cat, const struct rc_opts *o);

/* recover_check.c / recover_rebuild.c */
int rc_check(struct rc_cat *cat, const struct rc_opts *o,
             const struct mcfg *cfg);
int rc_rebuild(struct rc_cat *cat, const struct rc_opts *o);

#endif
