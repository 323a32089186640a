/*
 * tool_common.c - logging set-up shared by the admin tools.
 */
#include "tool_common.h"

#include <stdio.h>

#include "log.h"

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
