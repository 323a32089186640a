/*
 * bdi.c - the mount's kernel read-ahead.  The kernel gives a FUSE mount
 * the default window (128 KiB), whatever the daemon asks for, so every
 * sequential read reaches the daemon in 128 KiB requests; root can raise
 * it through sysfs (/sys/class/bdi/MAJOR:MINOR/read_ahead_kb), which
 * makes requests up to 1 MiB (libfuse's largest) and the per-request
 * overhead a quarter or less.  Failing that, the default stays.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "mfuse.h"

/* Undo mountinfo's octal escapes ("\040" for a space) in place. */
static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
            *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

/* major:minor of the last mount at mountpoint; -ENOENT. */
static int mount_dev(const char *mountpoint, unsigned *maj, unsigned *min)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[8192], mp[4096];
    int found = -ENOENT;
    if (f == NULL)
        return -errno;
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned a, b;
        if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &a, &b, mp) != 3)
            continue;
        unescape(mp);
        if (strcmp(mp, mountpoint) == 0) {
            *maj = a;
            *min = b;
            found = 0;
        }
    }
    fclose(f);
    return found;
}

void mfs_set_kernel_readahead(const char *mountpoint, unsigned kb)
{
    unsigned maj, min;
    char path[64];
    if (kb == 0)
        return;
    int rc = mount_dev(mountpoint, &maj, &min);
    FILE *f = NULL;
    if (rc == 0) {
        snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb",
                 maj, min);
        f = fopen(path, "we");
        rc = f ? 0 : -errno;
    }
    if (f != NULL) {
        fprintf(f, "%u\n", kb);
        rc = fclose(f) == 0 ? 0 : -errno;
    }
    if (rc < 0)
        LOG_INFO("kernel read-ahead of %s stays at its default: %s",
                 mountpoint, strerror(-rc));
}
