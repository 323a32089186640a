/*
 * scrub_pos.c - the scrub position file (<nsdir>/rman/scrub.pos), text:
 *   MARFSSCRUB 1
 *   ranks=K rank=R
 *   started=<unix seconds>
 *   last=<name of the last object checked, %-free: object names have no
 *         spaces or newlines>
 *   checked=N bytes=N damaged=N crc_errors=N lost=N
 * Replaced by rename after every object, so a killed scrub re-checks at
 * most the object it was reading.  Written per rank: a pass resumed with
 * another rank count starts over (the split would differ).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "par.h"
#include "scrub.h"

static void pos_name(char *buf, size_t sz, const char *suffix)
{
    if (par_size() == 1)
        snprintf(buf, sz, "scrub.pos%s", suffix);
    else
        snprintf(buf, sz, "scrub.pos.%d.%d%s", par_size(), par_rank(), suffix);
}

int scrub_pos_load(struct rm_ns *ns, struct scrub_pos *p)
{
    char name[64], buf[1024];
    pos_name(name, sizeof(name), "");
    memset(p, 0, sizeof(*p));
    int fd = openat(ns->rmfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0)
        return -EIO;
    buf[n] = '\0';
    int ranks = -1, rank = -1, v = 0, fields = 0;
    long long started = 0;
    char *save = NULL;
    for (char *l = strtok_r(buf, "\n", &save); l != NULL;
         l = strtok_r(NULL, "\n", &save)) {
        if (sscanf(l, "MARFSSCRUB %d", &v) == 1)
            fields |= 1;
        else if (sscanf(l, "ranks=%d rank=%d", &ranks, &rank) == 2)
            fields |= 2;
        else if (sscanf(l, "started=%lld", &started) == 1)
            fields |= 4;
        else if (strncmp(l, "last=", 5) == 0 &&
                 strlen(l + 5) < sizeof(p->last)) {
            strcpy(p->last, l + 5);
            fields |= 8;
        } else if (sscanf(l, "checked=%" SCNu64 " bytes=%" SCNu64
                          " damaged=%" SCNu64 " crc_errors=%" SCNu64
                          " lost=%" SCNu64, &p->checked, &p->bytes,
                          &p->damaged, &p->crc_errors, &p->lost) == 5)
            fields |= 16;
    }
    if (fields != 31 || v != SCRUB_POS_VERSION) {
        LOG_WARN("namespace %s: scrub position file %s is damaged; starting "
                 "over", ns->ns->path, name);
        memset(p, 0, sizeof(*p));
        return -ENOENT;
    }
    if (ranks != par_size() || rank != par_rank())
        return -ENOENT;
    p->started = started;
    return 0;
}

int scrub_pos_save(struct rm_ns *ns, const struct scrub_pos *p)
{
    char name[64], tmp[64], buf[1024];
    pos_name(name, sizeof(name), "");
    pos_name(tmp, sizeof(tmp), ".tmp");
    int len = snprintf(buf, sizeof(buf),
                       "MARFSSCRUB %d\nranks=%d rank=%d\nstarted=%lld\n"
                       "last=%s\nchecked=%" PRIu64 " bytes=%" PRIu64
                       " damaged=%" PRIu64 " crc_errors=%" PRIu64
                       " lost=%" PRIu64 "\n", SCRUB_POS_VERSION, par_size(),
                       par_rank(), (long long)p->started, p->last, p->checked,
                       p->bytes, p->damaged, p->crc_errors, p->lost);
    int fd = openat(ns->rmfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                    0600);
    if (fd < 0)
        return -errno;
    int rc = write(fd, buf, (size_t)len) == len ? 0 : -EIO;
    close(fd);
    if (rc == 0 && renameat(ns->rmfd, tmp, ns->rmfd, name) != 0)
        rc = -errno;
    return rc;
}

int scrub_pos_remove(struct rm_ns *ns)
{
    char name[64];
    pos_name(name, sizeof(name), "");
    return unlinkat(ns->rmfd, name, 0) == 0 || errno == ENOENT ? 0 : -errno;
}
