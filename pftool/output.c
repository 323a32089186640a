/*
 * output.c - the output role: the only rank that writes to stdout,
 * stderr (through log.h), the --log file and the --failed-list.  Result
 * lines go to stdout, errors and text progress to stderr, JSON progress
 * and summary (with --json) to stdout, one object per line.  The summary
 * is printed once the scheduler has sent it and every worker has said it
 * sent its last record, so it always comes last.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "output.h"

static struct {
    FILE *log;
    FILE *failed;
    int nfin;
    int have_summary;
    struct out_progress summary;
} out;

void out_record(struct pbuf *b, enum out_kind kind, const char *text)
{
    pbuf_u8(b, (uint8_t)kind);
    pbuf_str(b, text);
}

void out_progress_encode(struct pbuf *b, const struct out_progress *p)
{
    pbuf_put(b, p, sizeof(*p));
}

static void log_line(const char *tag, const char *text)
{
    if (out.log == NULL)
        return;
    char when[32];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(out.log, "%s %s %s\n", when, tag, text);
}

/* The front-end's relay (relay.c) offers a FIFO on its host: result lines
 * written there skip Open MPI's forwarding (a pty that mpirun reads),
 * which cost a listing more than its walk.  On another host the name is
 * missing, or the FIFO has no reader in this kernel (ENXIO): stdout stays
 * mpirun's.  Opened as the user: a setuid pftool dropped root before. */
static void stdout_to_fifo(void)
{
    const char *path = getenv("PFTOOL_OUTPUT_FIFO");
    if (path == NULL || *path == '\0')
        return;
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        LOG_DEBUG("%s: %s; output through mpirun", path, strerror(errno));
        return;
    }
    struct stat st;
    int fl = fcntl(fd, F_GETFL);
    fflush(stdout);
    if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode) || fl < 0 ||
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 ||
        dup2(fd, STDOUT_FILENO) < 0)
        LOG_DEBUG("%s: not usable; output through mpirun", path);
    else
        LOG_DEBUG("output into the front-end's FIFO %s", path);
    close(fd);
}

int output_init(const struct pf_job *job)
{
    const struct pf_opts *o = &job->opts;
    memset(&out, 0, sizeof(out));
    stdout_to_fifo();
    if (o->log_file && (out.log = fopen(o->log_file, "a")) == NULL)
        LOG_ERR("%s: cannot open the log file: %s", o->log_file, strerror(errno));
    if (o->failed_list && (out.failed = fopen(o->failed_list, "w")) == NULL)
        LOG_ERR("%s: cannot open the failed list: %s", o->failed_list,
                strerror(errno));
    return 0;
}

static void print_record(const struct pf_opts *o, enum out_kind k,
                         const char *text)
{
    switch (k) {
    case OUT_LINE:
        fputs(text, stdout);
        fputc('\n', stdout);
        log_line("line", text);
        break;
    case OUT_ERROR:
        LOG_ERR("%s", text);
        log_line("error", text);
        break;
    case OUT_WARN:
        LOG_WARN("%s", text);
        log_line("warn", text);
        break;
    case OUT_INFO:
        LOG_INFO("%s", text);
        log_line("info", text);
        break;
    case OUT_FAILED:
        if (out.failed) {
            fputs(text, out.failed);
            fputc(o->null_sep ? '\0' : '\n', out.failed);
        }
        break;
    }
}

static void on_records(const struct pf_job *job, const struct msg *m)
{
    struct preader r;
    preader_init(&r, m->data, m->len);
    while (preader_more(&r)) {
        enum out_kind k = (enum out_kind)pget_u8(&r);
        const char *text = pget_str(&r);
        if (text == NULL)
            break;
        print_record(&job->opts, k, text);
    }
}

static double rate(uint64_t v, double secs)
{
    return secs > 0 ? (double)v / secs : 0;
}

static void print_progress_text(const struct pf_opts *o,
                                const struct out_progress *p)
{
    char done[32], total[32], r[32], line[512];
    const struct pf_stats *s = &p->st;
    pf_human(s->bytes_done, done, sizeof(done));
    pf_human(s->bytes_seen, total, sizeof(total));
    pf_human((uint64_t)rate(s->bytes_done, p->elapsed), r, sizeof(r));
    int n = snprintf(line, sizeof(line),
                     "%.0fs: %llu/%llu%s files, %s/%s%s, %s/s, %llu errors",
                     p->elapsed, (unsigned long long)s->files_done,
                     (unsigned long long)s->files_seen, p->walk_done ? "" : "+",
                     done, total, p->walk_done ? "" : "+", r,
                     (unsigned long long)s->errors);
    double bps = rate(s->bytes_done, p->elapsed);
    if (p->walk_done && bps > 0 && s->bytes_seen >= s->bytes_done && n > 0)
        snprintf(line + n, sizeof(line) - (size_t)n, ", ETA %.0fs",
                 (double)(s->bytes_seen - s->bytes_done) / bps);
    fprintf(stderr, "%s: %s\n", o->prog, line);
    log_line("progress", line);
}

static void print_json(const struct pf_opts *o, const struct out_progress *p,
                       const char *type)
{
    const struct pf_stats *s = &p->st;
    printf("{\"type\":\"%s\",\"cmd\":\"%s\",\"elapsed\":%.3f,"
           "\"walk_done\":%s,\"files_seen\":%llu,\"dirs_seen\":%llu,"
           "\"links_seen\":%llu,\"special_seen\":%llu,\"bytes_seen\":%llu,"
           "\"files_done\":%llu,\"bytes_done\":%llu,\"dirs_made\":%llu,"
           "\"links_made\":%llu,\"hardlinks_made\":%llu,\"special_made\":%llu,"
           "\"skipped\":%llu,\"meta_fixed\":%llu,\"deleted\":%llu,"
           "\"differ\":%llu,\"chunks_done\":%llu,\"errors\":%llu,"
           "\"walk_errors\":%llu,\"bytes_per_s\":%.0f,\"files_per_s\":%.1f",
           type, o->prog, p->elapsed, p->walk_done ? "true" : "false",
           (unsigned long long)s->files_seen, (unsigned long long)s->dirs_seen,
           (unsigned long long)s->links_seen, (unsigned long long)s->special_seen,
           (unsigned long long)s->bytes_seen, (unsigned long long)s->files_done,
           (unsigned long long)s->bytes_done, (unsigned long long)s->dirs_made,
           (unsigned long long)s->links_made, (unsigned long long)s->hardlinks_made,
           (unsigned long long)s->special_made, (unsigned long long)s->skipped,
           (unsigned long long)s->meta_fixed, (unsigned long long)s->deleted,
           (unsigned long long)s->differ, (unsigned long long)s->chunks_done,
           (unsigned long long)s->errors, (unsigned long long)s->walk_errors,
           rate(s->bytes_done, p->elapsed), rate(s->files_done, p->elapsed));
    if (strcmp(type, "summary") == 0) {
        printf(",\"exit\":%d,\"histogram\":{", p->exit_code);
        for (int i = 0; i < PF_HIST_BUCKETS; i++)
            printf("%s\"%s\":%llu", i ? "," : "", pf_hist_label(i),
                   (unsigned long long)s->hist[i]);
        printf("}");
    }
    printf("}\n");
    fflush(stdout);
}

static void summary_copy(const struct pf_opts *o, const struct pf_stats *s,
                         double secs)
{
    char b[32], r[32], seen[32];
    pf_human(s->bytes_done, b, sizeof(b));
    pf_human(s->bytes_seen, seen, sizeof(seen));
    pf_human((uint64_t)rate(s->bytes_done, secs), r, sizeof(r));
    const char *verb = o->dry_run ? "would copy" : "copied";
    printf("%s: %s %llu files (%s) in %.2f s: %s/s, %.0f files/s\n", o->prog,
           verb, (unsigned long long)s->files_done, b, secs, r,
           rate(s->files_done, secs));
    printf("%s: made %llu dirs, %llu symlinks, %llu hard links, %llu special; "
           "%llu identical skipped, %llu metadata updated, %llu deleted\n",
           o->prog, (unsigned long long)s->dirs_made,
           (unsigned long long)s->links_made, (unsigned long long)s->hardlinks_made,
           (unsigned long long)s->special_made, (unsigned long long)s->skipped,
           (unsigned long long)s->meta_fixed, (unsigned long long)s->deleted);
    printf("%s: source: %llu files (%s), %llu dirs, %llu symlinks, %llu special; "
           "%llu errors\n", o->prog, (unsigned long long)s->files_seen, seen,
           (unsigned long long)s->dirs_seen, (unsigned long long)s->links_seen,
           (unsigned long long)s->special_seen, (unsigned long long)s->errors);
}

static void summary_list(const struct pf_opts *o, const struct pf_stats *s,
                         double secs)
{
    char b[32];
    pf_human(s->bytes_seen, b, sizeof(b));
    uint64_t items = s->files_seen + s->dirs_seen + s->links_seen + s->special_seen;
    printf("%s: %llu entries in %.2f s (%.0f/s): %llu files (%s), %llu dirs, "
           "%llu symlinks, %llu special; %llu errors\n", o->prog,
           (unsigned long long)items, secs, rate(items, secs),
           (unsigned long long)s->files_seen, b, (unsigned long long)s->dirs_seen,
           (unsigned long long)s->links_seen, (unsigned long long)s->special_seen,
           (unsigned long long)s->errors);
    if (!o->summary)
        return;
    printf("%s: file sizes:\n", o->prog);
    for (int i = 0; i < PF_HIST_BUCKETS; i++)
        if (s->hist[i])
            printf("  %-14s %llu\n", pf_hist_label(i),
                   (unsigned long long)s->hist[i]);
}

static void summary_compare(const struct pf_opts *o, const struct pf_stats *s,
                            double secs)
{
    char b[32];
    pf_human(s->bytes_done, b, sizeof(b));
    printf("%s: compared %llu entries (%s of contents) in %.2f s: %llu "
           "differences, %llu errors\n", o->prog,
           (unsigned long long)(s->files_done + s->dirs_seen), b, secs,
           (unsigned long long)s->differ, (unsigned long long)s->errors);
}

static void print_summary(const struct pf_opts *o, const struct out_progress *p)
{
    if (o->json) {
        print_json(o, p, "summary");
        return;
    }
    switch (o->cmd) {
    case PF_CMD_LS: summary_list(o, &p->st, p->elapsed); break;
    case PF_CMD_CM: summary_compare(o, &p->st, p->elapsed); break;
    default: summary_copy(o, &p->st, p->elapsed); break;
    }
    fflush(stdout);
}

static int complete(const struct pf_job *job)
{
    int nworkers = job->nranks - job->first_worker;
    if (!out.have_summary || out.nfin < nworkers)
        return 0;
    print_summary(&job->opts, &out.summary);
    fflush(stdout);
    if (out.failed)
        fclose(out.failed);
    if (out.log) {
        log_line("done", "summary printed");
        fclose(out.log);
    }
    out.failed = out.log = NULL;
    return 1;
}

int output_handle(const struct pf_job *job, const struct msg *m)
{
    struct out_progress p;
    switch (m->tag) {
    case TAG_OUT:
        on_records(job, m);
        break;
    case TAG_PROGRESS:
    case TAG_SUMMARY:
        if (m->len != sizeof(p))
            break;
        memcpy(&p, m->data, sizeof(p));
        if (m->tag == TAG_SUMMARY) {
            out.summary = p;
            out.have_summary = 1;
        } else if (job->opts.json) {
            print_json(&job->opts, &p, "progress");
        } else {
            print_progress_text(&job->opts, &p);
        }
        break;
    case TAG_OUT_FIN:
        out.nfin++;
        break;
    default:
        LOG_WARN("output: unexpected message tag %d from rank %d", m->tag, m->src);
    }
    return complete(job);
}

void output_run(const struct pf_job *job)
{
    struct msg m;
    output_init(job);
    for (;;) {
        msg_wait(&m);
        int done = output_handle(job, &m);
        msg_free(&m);
        if (done)
            break;
    }
    msg_flush();
}
