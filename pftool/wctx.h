/*
 * wctx.h - the state of a worker rank and what its task handlers share:
 * reporting results and problems (wctx.c), task paths, and the path
 * helpers (paths.c).  Handlers are declared in tasks.h; worker.c, which
 * dispatches to them, is above both.
 */
#ifndef PFTOOL_WCTX_H
#define PFTOOL_WCTX_H

#include <stdint.h>
#include <sys/stat.h>

#include "endpoint.h"
#include "output.h"
#include "pbuf.h"
#include "pftool.h"
#include "task.h"

enum ent_flag {
    ENT_DONE = 1 << 0,        /* the directory has been read to its end */
    ENT_NOMETA = 1 << 1,      /* its destination could not be made */
};
enum {
    PF_PATH_MAX = 4096,
    WALK_BATCH_ENTRIES = 512,     /* entries per ENTRIES message */
    WALK_BATCH_BYTES = 64 << 10,
    OUT_FLUSH_BYTES = 16 << 10,
    INITIAL_CREDITS = 2,
};

/* A directory being read, streamed to the scheduler in batches. */
struct walk_state {
    int active;
    struct ep_dir *dir;
    struct ep *ep;
    uint16_t root;
    uint64_t id;                 /* the dir's record */
    int fresh;                   /* destination dir created just now */
    int failed;
    char *rel;
    char *src;
    struct pbuf batch;
    uint32_t nbatch;
    char **sorted;               /* pfls --sort: lines kept until the end */
    size_t nsorted, capsorted;
};

/* Small files written to a packing endpoint (marfs) share objects: they
 * are reported when their object is stored (pack.c). */
struct pack_file {
    struct pf_task task;
    char *rel, *tmp, *dst;       /* tmp NULL: created whole under dst */
    int status;                  /* a whole file's outcome, 1 while
                                  * unknown (the endpoint keeps a pointer
                                  * to it: the ring never moves) */
};

struct pack_slot {
    struct ep *ep;
    struct ep_file *fh;          /* the last file, still open */
    struct pack_file *files;     /* a ring of PACK_RING, [head, tail) */
    uint64_t head, tail;
    uint32_t renamed;            /* files in the ring that have a tmp */
};

struct worker {
    struct pf_job *job;
    const struct pf_opts *o;
    struct pf_stats st;          /* since the last report */
    struct pbuf done;            /* encoded completions */
    uint32_t ndone;
    struct pbuf out;             /* records for the output rank */
    char *buf;                   /* I/O buffer of o->block_size bytes */
    uint64_t chunk_size;         /* per root, from options or endpoint */
    struct walk_state walk;
    struct pack_slot pack;
    int credits;
    struct pf_service *svc;      /* NULL on a worker-only rank */
};

/* Let the scheduler sharing this rank answer messages (see pf_service). */
static inline void wk_service(struct worker *w)
{
    if (w->svc)
        w->svc->fn(w->svc);
}

/* Reporting (wctx.c). */
void wk_done(struct worker *w, const struct pf_task *t, enum pf_status s);
void wk_done_rec(struct worker *w, const struct pf_done *d);
void wk_line(struct worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void wk_warn(struct worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Record a failed source entry for --failed-list (wk_done does it for
 * failed tasks). */
void wk_failed(struct worker *w, uint16_t root, const char *rel);
/* Count and report a failure on path (errno text from err < 0). */
void wk_error(struct worker *w, const char *path, const char *what, int err);
/* Source, destination and (tmp != NULL) destination temporary of a task;
 * -ENAMETOOLONG, reported, if one does not fit. */
int wk_task_paths(struct worker *w, const struct pf_task *t,
                  char src[PF_PATH_MAX], char dst[PF_PATH_MAX],
                  char tmp[PF_PATH_MAX]);
void wk_flush_out(struct worker *w, int force);
void wk_send_entries(struct worker *w, uint64_t parent, int done,
                     struct pbuf *batch, uint32_t n);
void wk_send_entries_flags(struct worker *w, uint64_t parent, unsigned flags,
                           struct pbuf *batch, uint32_t n);
/* The directory id is over and its destination could not be made. */
void wk_dir_failed(struct worker *w, uint64_t id);
struct pf_root *wk_root(struct worker *w, uint16_t root);

/* paths.c */
int path_join(char *out, size_t size, const char *base, const char *rel);
/* The temporary (suffix ".pft~") or journal (".pfj~") name for dst. */
int path_temp(char *out, size_t size, const char *dst, const char *suffix);
/* FNV-1a of a name: short stable stand-ins for long names. */
uint64_t path_hash(const char *s);
const char *path_base(const char *path);
int path_is_temp(const char *name);
/* mkdir -p of the parents of path on ep. */
int path_mkparents(struct ep *ep, const char *path);

#endif
