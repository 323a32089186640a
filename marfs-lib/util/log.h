/*
 * log.h - the one logging module of the suite.
 *
 * Owns: the run-time log level, the message prefix (program, MPI rank when
 * there is one, source location at debug level) and where messages go.
 * Levels are chosen at run time (MARFS_LOG=error|warn|info|debug, or a
 * tool's -v / --log-level flag); nothing is compiled out, so an error a
 * site hits in production is always reported.
 *
 * Error convention of marfs-lib (see doc/errors.md): functions return a
 * negative errno on failure and never exit; they log at most one line at
 * the place where the error is first understood.
 */
#ifndef MARFS_LOG_H
#define MARFS_LOG_H

#include <stdio.h>

enum mlog_level {
    MLOG_ERR = 0,
    MLOG_WARN = 1,
    MLOG_INFO = 2,
    MLOG_DEBUG = 3,
};

/* The active level; read through mlog_enabled() to keep calls cheap. */
extern int mlog_current_level;

/*
 * Set the program name and rank (-1 for none) used in the prefix, and the
 * level from $MARFS_LOG (default: warn).  Safe to call more than once.
 * Returns 0, or -EINVAL if MARFS_LOG holds an unknown level (the default
 * level is kept and a warning printed).
 */
int mlog_init(const char *prog, int rank);

void mlog_set_level(enum mlog_level level);

/* Parse "error", "warn", "info", "debug" (or 0..3); -EINVAL if unknown. */
int mlog_parse_level(const char *text);

/* Send messages to this stream instead of stderr (NULL restores stderr). */
void mlog_set_stream(FILE *stream);

static inline int mlog_enabled(enum mlog_level level)
{
    return (int)level <= mlog_current_level;
}

void mlog_write(enum mlog_level level, const char *file, int line,
                const char *func, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#define MLOG(level, ...)                                                   \
    do {                                                                   \
        if (mlog_enabled(level))                                           \
            mlog_write(level, __FILE__, __LINE__, __func__, __VA_ARGS__);  \
    } while (0)

#define LOG_ERR(...) MLOG(MLOG_ERR, __VA_ARGS__)
#define LOG_WARN(...) MLOG(MLOG_WARN, __VA_ARGS__)
#define LOG_INFO(...) MLOG(MLOG_INFO, __VA_ARGS__)
#define LOG_DEBUG(...) MLOG(MLOG_DEBUG, __VA_ARGS__)

#endif
