/*
 * writer.c - is the process that made a stream id (or ref name) still
 * running?
 *
 * Ids are "<hostid>-<pid>-<sec hex>.<nsec>-<counter>" (stream.c).  On the
 * host that made the id the answer is exact: the pid must exist, not be a
 * zombie, and have started no later than the id was made (else the pid
 * was reused).  For other hosts nothing can be known here.  gc uses the
 * answer only to keep a file whose writer runs (doc/rman.md, "Writers"):
 * a host id shared by several nodes can then only delay a collection.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"

static uint64_t boot_time(void)
{
    static uint64_t btime;
    if (btime != 0)
        return btime;
    FILE *f = fopen("/proc/stat", "r");
    char line[256];
    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "btime %" SCNu64, &btime) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return btime;
}

/* Start time (unix seconds, rounded down) and state of pid; -1 if gone. */
static int proc_start(long pid, uint64_t *start, char *state)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* the command name may hold spaces and ')': fields follow the last */
    char *p = strrchr(buf, ')');
    unsigned long long ticks = 0;
    if (p == NULL || sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
                            "%*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                            state, &ticks) != 2)
        return -1;
    *start = boot_time() + ticks / (unsigned long long)sysconf(_SC_CLK_TCK);
    return 0;
}

enum rm_writer rm_writer_state(const char *id)
{
    unsigned long host;
    long pid;
    uint64_t sec, start;
    char state;
    if (sscanf(id, "%lx-%ld-%" SCNx64 ".", &host, &pid, &sec) != 3 ||
        pid <= 0)
        return RW_UNKNOWN;
    if (host != ((unsigned long)gethostid() & 0xffffffffUL))
        return RW_UNKNOWN;
    if (proc_start(pid, &start, &state) < 0 || state == 'Z' ||
        state == 'X')
        return RW_DEAD;
    /* a process started after the id was made is another one */
    return start > sec + 1 ? RW_DEAD : RW_ALIVE;
}
