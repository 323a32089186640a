/*
 * syslog_stream.c - syslog as a stdio stream, for the log module of a
 * daemon without a log file (kept apart from log.h, whose LOG_* macros
 * syslog.h also defines).
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

FILE *mfs_syslog_stream(void);

/* syslog as a stdio stream for the log module: one line per message,
 * its level from the "prog: level: " prefix (which syslog repeats, so
 * the program name is dropped). */
static ssize_t syslog_write(void *cookie, const char *buf, size_t len)
{
    (void)cookie;
    int prio = LOG_WARNING;
    const char *msg = buf, *sep = memchr(buf, ':', len);
    if (sep != NULL && (size_t)(sep - buf) + 2 <= len) {
        msg = sep + 2;
        if (strncmp(msg, "error:", 6) == 0)
            prio = LOG_ERR;
        else if (strncmp(msg, "info:", 5) == 0)
            prio = LOG_INFO;
        else if (strncmp(msg, "debug:", 6) == 0)
            prio = LOG_DEBUG;
    }
    int n = (int)(len - (size_t)(msg - buf));
    while (n > 0 && msg[n - 1] == '\n')
        n--;
    syslog(prio, "%.*s", n, msg);
    return (ssize_t)len;
}

FILE *mfs_syslog_stream(void)
{
    cookie_io_functions_t io = {.write = syslog_write};
    openlog("marfs-fuse", LOG_PID, LOG_DAEMON);
    FILE *f = fopencookie(NULL, "w", io);
    if (f != NULL)
        setvbuf(f, NULL, _IOLBF, 0);
    return f;
}

