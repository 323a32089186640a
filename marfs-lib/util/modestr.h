/*
 * modestr.h - the "ls -l" text of a file mode ("drwxr-sr-x").
 *
 * One copy for every listing the suite prints (pfls -l, marfs ls/stat).
 */
#ifndef MARFS_UTIL_MODESTR_H
#define MARFS_UTIL_MODESTR_H

#include <sys/types.h>

/* Type letter, permission bits, setuid/setgid/sticky; out gets 10 chars
 * and a NUL. */
void mutil_mode_str(mode_t m, char out[11]);

#endif
