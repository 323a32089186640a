/*
 * output.h - the output role: the one rank that prints and logs.  Other
 * ranks send it records (TAG_OUT); the scheduler sends progress and the
 * final summary.  Records are kind + text.
 */
#ifndef PFTOOL_OUTPUT_H
#define PFTOOL_OUTPUT_H

#include "msg.h"
#include "pftool.h"

enum out_kind {
    OUT_LINE = 1,    /* a result line on stdout (listing, -v, differences) */
    OUT_ERROR,       /* an error on stderr (the sender counted it) */
    OUT_WARN,        /* a warning on stderr */
    OUT_FAILED,      /* a source path for --failed-list */
    OUT_INFO,        /* informational, stderr and --log only */
};

/* A progress snapshot or the summary, as the scheduler sends it. */
struct out_progress {
    struct pf_stats st;
    double elapsed;
    int walk_done;       /* totals are known: ETA possible */
    int exit_code;       /* summary only */
};

void out_record(struct pbuf *b, enum out_kind kind, const char *text);
void out_progress_encode(struct pbuf *b, const struct out_progress *p);

int output_init(const struct pf_job *job);
/* Handle one message for the output role; 1 when the job's output is
 * complete (summary printed). */
int output_handle(const struct pf_job *job, const struct msg *m);
/* The output role's own loop (when it has a rank to itself). */
void output_run(const struct pf_job *job);

#endif
