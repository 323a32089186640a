/*
 * fault.c - fault injection for tests (--fault SPEC): a comma-separated
 * list of POINT=GLOB[@ARG].  GLOB matches the path relative to the copy
 * root (fnmatch, "*" matches all).  Points:
 *   opendir   reading a matching source directory fails with EACCES
 *   open      opening a matching source file fails with EACCES
 *   write     writing a matching file fails with EIO
 *   delay     sleep ARG milliseconds before each matching file or chunk
 *   readdelay sleep ARG milliseconds before reading a matching source
 *             directory (a slow directory: the others' pack streams wait)
 * Production runs never pass --fault; the cost is one NULL test.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tasks.h"

enum { FAULT_MAX = 16 };

struct fault {
    char point[16];
    char glob[256];
    long arg;
};

static struct fault faults[FAULT_MAX];
static int nfaults = -1;

static void fault_parse(const char *spec)
{
    nfaults = 0;
    while (spec && *spec && nfaults < FAULT_MAX) {
        size_t len = strcspn(spec, ",");
        char item[300];
        snprintf(item, sizeof(item), "%.*s", (int)len, spec);
        spec += len + (spec[len] == ',');
        char *eq = strchr(item, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        struct fault *f = &faults[nfaults++];
        char *at = strrchr(eq + 1, '@');
        f->arg = 0;
        if (at) {
            *at = '\0';
            f->arg = strtol(at + 1, NULL, 10);
        }
        snprintf(f->point, sizeof(f->point), "%.15s", item);
        snprintf(f->glob, sizeof(f->glob), "%.255s", eq + 1);
    }
}

static int fault_errno(const char *point)
{
    if (strcmp(point, "write") == 0)
        return -EIO;
    return -EACCES;
}

int fault_hit(const struct worker *w, const char *point, const char *rel)
{
    if (w->o->fault == NULL)
        return 0;
    if (nfaults < 0)
        fault_parse(w->o->fault);
    for (int i = 0; i < nfaults; i++) {
        const struct fault *f = &faults[i];
        if (strcmp(f->point, point) != 0 || fnmatch(f->glob, rel, 0) != 0)
            continue;
        if (strcmp(point, "delay") == 0 || strcmp(point, "readdelay") == 0) {
            struct timespec ts = {f->arg / 1000, (f->arg % 1000) * 1000000};
            nanosleep(&ts, NULL);
            return 0;
        }
        return fault_errno(point);
    }
    return 0;
}
