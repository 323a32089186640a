/*
 * lock.c - the run lock of a namespace (<nsdir>/rman/lock): at most one
 * marfs-rman changes a namespace at a time.  flock, so a killed run never
 * leaves it held; the holder writes its pid and host into the file so the
 * next one can say who is in the way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "log.h"
#include "rman.h"
#include "wal.h"

static void say_holder(struct rm_ns *ns, int fd)
{
    char buf[128];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    LOG_ERR("namespace %s: another marfs-rman is working on it (%s); "
            "skipped (--wait waits for it)", ns->ns->path,
            buf[0] ? buf : "holder unknown");
}

int rm_lock(struct rm_ns *ns)
{
    if (ns->lockfd >= 0)
        return 0;
    int fd = openat(ns->rmfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    int op = LOCK_EX | (ns->o->wait ? 0 : LOCK_NB);
    int rc;
    while ((rc = flock(fd, op)) != 0 && errno == EINTR)
        ;
    if (rc != 0) {
        rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
        if (rc == -EBUSY)
            say_holder(ns, fd);
        close(fd);
        return rc;
    }
    char host[256] = "?", buf[320];
    gethostname(host, sizeof(host) - 1);
    int len = snprintf(buf, sizeof(buf), "pid %d on %s\n", (int)getpid(),
                       host);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)len, 0) != len)
        LOG_WARN("namespace %s: cannot note the lock holder", ns->ns->path);
    ns->lockfd = fd;
    rc = wal_open(ns, &ns->wal);
    if (rc < 0)
        rm_unlock(ns);
    return rc;
}

void rm_unlock(struct rm_ns *ns)
{
    wal_close(ns->wal);
    ns->wal = NULL;
    if (ns->lockfd >= 0) {
        flock(ns->lockfd, LOCK_UN);
        close(ns->lockfd);
        ns->lockfd = -1;
    }
}
