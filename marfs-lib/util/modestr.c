/*
 * modestr.c - the "ls -l" text of a file mode.
 */
#include <sys/stat.h>

#include "modestr.h"

static char type_letter(mode_t m)
{
    return S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISREG(m) ? '-'
         : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' : S_ISFIFO(m) ? 'p'
         : S_ISSOCK(m) ? 's' : '?';
}

void mutil_mode_str(mode_t m, char out[11])
{
    static const char rwx[] = "rwxrwxrwx";
    out[0] = type_letter(m);
    for (int i = 0; i < 9; i++)
        out[1 + i] = (m & (0400u >> i)) ? rwx[i] : '-';
    if (m & S_ISUID)
        out[3] = (m & S_IXUSR) ? 's' : 'S';
    if (m & S_ISGID)
        out[6] = (m & S_IXGRP) ? 's' : 'S';
    if (m & S_ISVTX)
        out[9] = (m & S_IXOTH) ? 't' : 'T';
    out[10] = '\0';
}
