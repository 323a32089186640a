/*
 * tool_common.h - what every admin tool shares: logging set-up from
 * -v / --log-level / $MARFS_LOG, and the documented exit codes.
 */
#ifndef MARFS_TOOL_COMMON_H
#define MARFS_TOOL_COMMON_H

/* Exit codes shared by all tools (see man pages). */
enum tool_exit {
    TOOL_OK = 0,        /* everything done / valid */
    TOOL_FAILED = 1,    /* the check or some of the work failed */
    TOOL_USAGE = 2,     /* bad arguments or unusable config */
    TOOL_FATAL = 3,     /* could not run at all */
};

/* Initialise logging for the program (level from $MARFS_LOG). */
void tool_init(const char *argv0);

/* Apply --log-level=ARG; prints an error and returns -1 if ARG is bad. */
int tool_log_level(const char *arg);

/* Each -v raises the level one step (warn -> info -> debug). */
void tool_verbose(void);

/* -1 (with a message) if the process started setuid/setgid: an
 * administrator tool refuses to run so; 0 otherwise. */
int tool_admin_only(const char *prog);

#endif
