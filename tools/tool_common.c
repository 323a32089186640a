/*
 * tool_common.c - logging set-up shared by the admin tools, and the rule
 * that the administrator-only ones never run setuid.
 */
#include "tool_common.h"

#include <stdio.h>

#include "log.h"
#include "privilege.h"

void tool_init(const char *argv0)
{
    mlog_init(argv0, -1);
}

int tool_log_level(const char *arg)
{
    int level = mlog_parse_level(arg);
    if (level < 0) {
        fprintf(stderr, "unknown log level '%s' (error, warn, info, debug)\n",
                arg);
        return -1;
    }
    mlog_set_level((enum mlog_level)level);
    return 0;
}

void tool_verbose(void)
{
    if (mlog_current_level < MLOG_DEBUG)
        mlog_set_level((enum mlog_level)(mlog_current_level + 1));
}

int tool_admin_only(const char *prog)
{
    if (!mutil_priv_started())
        return 0;
    /* These tools open the roots by path and act on every user's data:
     * installed setuid they would hand a user everything. */
    fprintf(stderr, "%s: an administrator tool; it must not be installed "
            "setuid or setgid (see doc/security.md)\n", prog);
    return -1;
}
