/*
 * summary.c - what a run prints: action lines (-v, --dry-run), report
 * lines, the run's log file under --log-dir, and the final summary line
 * (key=value, one line, so cron mail and scripts can read it).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "par.h"
#include "rman.h"

static FILE *logf;
static char logpath[4096];

int rm_log_open(const struct rm_opts *o, const char *prog)
{
    if (o->log_dir == NULL || par_rank() != 0)
        return 0;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    if (mkdir(o->log_dir, 0750) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: cannot create log directory %s: %s\n", prog,
                o->log_dir, strerror(errno));
        return -errno;
    }
    snprintf(logpath, sizeof(logpath), "%s/marfs-rman-%s-%d.log", o->log_dir,
             stamp, (int)getpid());
    if ((logf = fopen(logpath, "a")) == NULL) {
        fprintf(stderr, "%s: cannot create log file %s: %s\n", prog, logpath,
                strerror(errno));
        return -errno;
    }
    setvbuf(logf, NULL, _IOLBF, 0);
    mlog_set_stream(logf);
    return 0;
}

void rm_log_close(void)
{
    if (logf == NULL)
        return;
    mlog_set_stream(NULL);
    fclose(logf);
    logf = NULL;
}

static void vsay(int to_stdout, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    if (to_stdout) {
        vprintf(fmt, ap);
        putchar('\n');
    }
    if (logf != NULL) {
        vfprintf(logf, fmt, copy);
        fputc('\n', logf);
    }
    va_end(copy);
}

void rm_say(const struct rm_opts *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(!o->quiet, fmt, ap);
    va_end(ap);
}

void rm_act(const struct rm_opts *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(o->verbose || o->dry_run, fmt, ap);
    va_end(ap);
}

void rm_summary_print(const struct rm_opts *o, const struct rm_summary *s)
{
    char line[1024];
    snprintf(line, sizeof(line),
             "summary%s: namespaces=%" PRIu64 " files-examined=%" PRIu64
             " objects-deleted=%" PRIu64 " bytes-freed=%" PRIu64
             " refs-removed=%" PRIu64 " objects-rebuilt=%" PRIu64
             " objects-lost=%" PRIu64 " crc-errors=%" PRIu64
             " objects-scrubbed=%" PRIu64 " bytes-scrubbed=%" PRIu64
             " files-repacked=%" PRIu64 " usage-corrections=%" PRIu64
             " files-undeleted=%" PRIu64 " errors=%" PRIu64,
             o->dry_run ? " (dry run: nothing changed)" : "", s->namespaces,
             s->files_examined, s->objects_deleted, s->bytes_freed,
             s->refs_removed, s->objects_rebuilt, s->objects_lost,
             s->crc_errors, s->objects_scrubbed, s->bytes_scrubbed,
             s->files_repacked, s->usage_corrections, s->files_undeleted,
             s->errors);
    if (!o->quiet || s->errors > 0 || s->objects_lost > 0)
        printf("marfs-rman: %s\n", line);
    if (logf != NULL)
        fprintf(logf, "marfs-rman: %s\n", line);
    if (logf != NULL && (s->errors > 0 || s->objects_lost > 0))
        fprintf(stderr, "marfs-rman: errors; details in %s\n", logpath);
}

int64_t rm_now(void)
{
    return (int64_t)time(NULL);
}

double rm_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
