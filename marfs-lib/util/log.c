/*
 * log.c - run-time levelled logging (see log.h).
 *
 * One line per message, written with a single fprintf so lines from
 * threads do not interleave mid-line.  The prefix carries the program name
 * and MPI rank so that output merged from many ranks stays attributable.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int mlog_current_level = MLOG_WARN;

static char mlog_prog[64] = "marfs";
static int mlog_rank = -1;
static FILE *mlog_stream;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int mlog_parse_level(const char *text)
{
    if (text == NULL || *text == '\0')
        return -EINVAL;
    for (int i = 0; i <= MLOG_DEBUG; i++) {
        if (strcasecmp(text, level_names[i]) == 0)
            return i;
    }
    if (strcasecmp(text, "warning") == 0)
        return MLOG_WARN;
    if (text[1] == '\0' && text[0] >= '0' && text[0] <= '3')
        return text[0] - '0';
    return -EINVAL;
}

int mlog_init(const char *prog, int rank)
{
    if (prog != NULL) {
        const char *slash = strrchr(prog, '/');
        snprintf(mlog_prog, sizeof(mlog_prog), "%s", slash ? slash + 1 : prog);
    }
    mlog_rank = rank;
    const char *env = getenv("MARFS_LOG");
    if (env == NULL || *env == '\0')
        return 0;
    int level = mlog_parse_level(env);
    if (level < 0) {
        mlog_write(MLOG_WARN, __FILE__, __LINE__, __func__,
                   "MARFS_LOG=%s is not a level (error, warn, info, debug); "
                   "keeping %s", env, level_names[mlog_current_level]);
        return -EINVAL;
    }
    mlog_current_level = level;
    return 0;
}

void mlog_set_level(enum mlog_level level)
{
    if ((int)level < MLOG_ERR)
        level = MLOG_ERR;
    if ((int)level > MLOG_DEBUG)
        level = MLOG_DEBUG;
    mlog_current_level = level;
}

void mlog_set_stream(FILE *stream)
{
    mlog_stream = stream;
}

void mlog_write(enum mlog_level level, const char *file, int line,
                const char *func, const char *fmt, ...)
{
    char msg[2048];
    char where[160] = "";
    char who[96];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    if (mlog_rank >= 0)
        snprintf(who, sizeof(who), "%s[%d]", mlog_prog, mlog_rank);
    else
        snprintf(who, sizeof(who), "%s", mlog_prog);
    if (mlog_current_level >= MLOG_DEBUG) {
        const char *base = strrchr(file, '/');
        snprintf(where, sizeof(where), " (%s:%d %s)", base ? base + 1 : file,
                 line, func);
    }
    int idx = (int)level;
    if (idx < 0 || idx > MLOG_DEBUG)
        idx = MLOG_ERR;
    fprintf(mlog_stream ? mlog_stream : stderr, "%s: %s: %s%s\n", who,
            level_names[idx], msg, where);
}
