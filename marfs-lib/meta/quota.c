/*
 * quota.c - usage counters of a namespace (see quota.h).
 *
 * The usage file holds one line "files=N bytes=N\n".  Reads and updates
 * take flock(LOCK_EX) so concurrent processes never lose an update;
 * changes are batched per process because a lock round trip per created
 * file would cost more than the create itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "quota.h"

struct quota {
    const struct mcfg_ns *ns;
    int fd;
    pthread_mutex_t lock;
    /* As last read from the file.  Signed and never clamped while
     * stored: processes flush batched deltas in any order, and only an
     * unclamped sum comes out exact (a -5 flushed before a +7 from
     * another process must not be cut to 0 in between). */
    int64_t files, bytes;
    int64_t pend_files, pend_bytes; /* not yet written */
    int64_t inflight;               /* bytes of files being written */
    time_t last_flush;
    int told;                       /* the quota message was logged */
};

static int read_usage(struct quota *q)
{
    char buf[128];
    ssize_t n = pread(q->fd, buf, sizeof(buf) - 1, 0);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    int64_t f = 0, b = 0;
    if (n > 0 && sscanf(buf, "files=%" SCNd64 " bytes=%" SCNd64, &f, &b) != 2) {
        LOG_WARN("namespace %s: usage file is damaged (\"%.40s\"); counting "
                 "from zero until the quota tool recomputes it",
                 q->ns->path, buf);
        f = b = 0;
    }
    q->files = f;
    q->bytes = b;
    return 0;
}

/* What a counter plus pending changes means to users: never below 0. */
static uint64_t apply(int64_t v, int64_t d)
{
    return v + d < 0 ? 0 : (uint64_t)(v + d);
}

/* Caller holds q->lock. */
static int flush_locked(struct quota *q)
{
    if (q->pend_files == 0 && q->pend_bytes == 0)
        return 0;
    if (flock(q->fd, LOCK_EX) != 0)
        return -errno;
    int rc = read_usage(q);
    if (rc == 0) {
        char buf[96];
        q->files += q->pend_files;
        q->bytes += q->pend_bytes;
        int len = snprintf(buf, sizeof(buf), "files=%" PRId64 " bytes=%" PRId64
                           "\n", q->files, q->bytes);
        if (pwrite(q->fd, buf, (size_t)len, 0) != len ||
            ftruncate(q->fd, len) != 0)
            rc = -errno;
        else
            q->pend_files = q->pend_bytes = 0;
    }
    flock(q->fd, LOCK_UN);
    q->last_flush = time(NULL);
    if (rc < 0)
        LOG_ERR("namespace %s: cannot update usage file: %s", q->ns->path,
                strerror(-rc));
    return rc;
}

int quota_open(int nsdirfd, const struct mcfg_ns *ns, struct quota **out)
{
    struct quota *q = calloc(1, sizeof(*q));
    if (q == NULL)
        return -ENOMEM;
    q->ns = ns;
    q->fd = openat(nsdirfd, "usage", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (q->fd < 0) {
        int rc = -errno;
        free(q);
        return rc;
    }
    pthread_mutex_init(&q->lock, NULL);
    flock(q->fd, LOCK_SH);
    read_usage(q);
    flock(q->fd, LOCK_UN);
    q->last_flush = time(NULL);
    *out = q;
    return 0;
}

void quota_close(struct quota *q)
{
    if (q == NULL)
        return;
    pthread_mutex_lock(&q->lock);
    flush_locked(q);
    pthread_mutex_unlock(&q->lock);
    pthread_mutex_destroy(&q->lock);
    close(q->fd);
    free(q);
}

int quota_flush(struct quota *q)
{
    pthread_mutex_lock(&q->lock);
    int rc = flush_locked(q);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int quota_set(struct quota *q, int64_t files, int64_t bytes, int64_t *dfiles,
              int64_t *dbytes)
{
    char buf[96];
    pthread_mutex_lock(&q->lock);
    int rc = flush_locked(q);
    if (rc == 0 && flock(q->fd, LOCK_EX) != 0)
        rc = -errno;
    if (rc == 0) {
        rc = read_usage(q);
        int len = snprintf(buf, sizeof(buf), "files=%" PRId64 " bytes=%" PRId64
                           "\n", files, bytes);
        if (rc == 0 && (pwrite(q->fd, buf, (size_t)len, 0) != len ||
                        ftruncate(q->fd, len) != 0))
            rc = -errno;
        if (rc == 0 && dfiles != NULL)
            *dfiles = files - q->files;
        if (rc == 0 && dbytes != NULL)
            *dbytes = bytes - q->bytes;
        if (rc == 0) {
            q->files = files;
            q->bytes = bytes;
        }
        flock(q->fd, LOCK_UN);
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

void quota_usage(struct quota *q, uint64_t *files, uint64_t *bytes)
{
    pthread_mutex_lock(&q->lock);
    *files = apply(q->files, q->pend_files);
    *bytes = apply(q->bytes, q->pend_bytes);
    pthread_mutex_unlock(&q->lock);
}

int quota_check(struct quota *q, uint64_t files, uint64_t bytes)
{
    const struct mcfg_ns *ns = q->ns;
    if (ns->quota_files == MCFG_UNLIMITED && ns->quota_bytes == MCFG_UNLIMITED)
        return 0;
    uint64_t f, b;
    quota_usage(q, &f, &b);
    pthread_mutex_lock(&q->lock);
    b = apply((int64_t)b, q->inflight);
    pthread_mutex_unlock(&q->lock);
    int over_files = ns->quota_files != MCFG_UNLIMITED &&
                     f + files > ns->quota_files;
    int over_bytes = ns->quota_bytes != MCFG_UNLIMITED &&
                     b + bytes > ns->quota_bytes;
    if (!over_files && !over_bytes)
        return 0;
    /* Once per namespace and process: every later refusal is the same
     * story, and the caller reports each file it could not store. */
    if (!__atomic_exchange_n(&q->told, 1, __ATOMIC_RELAXED)) {
        if (over_files)
            LOG_ERR("namespace %s: quota exceeded: %" PRIu64 " of %" PRIu64
                    " files in use", ns->path, f, ns->quota_files);
        else
            LOG_ERR("namespace %s: quota exceeded: %" PRIu64 " of %" PRIu64
                    " bytes in use (or being written), %" PRIu64 " more "
                    "asked for", ns->path, b, ns->quota_bytes, bytes);
    }
    return -EDQUOT;
}

void quota_add(struct quota *q, int64_t files, int64_t bytes)
{
    pthread_mutex_lock(&q->lock);
    q->pend_files += files;
    q->pend_bytes += bytes;
    if (q->pend_files >= QUOTA_FLUSH_FILES || q->pend_files <= -QUOTA_FLUSH_FILES ||
        q->pend_bytes >= (int64_t)QUOTA_FLUSH_BYTES ||
        q->pend_bytes <= -(int64_t)QUOTA_FLUSH_BYTES ||
        time(NULL) != q->last_flush)
        flush_locked(q);
    pthread_mutex_unlock(&q->lock);
}

void quota_inflight(struct quota *q, int64_t bytes)
{
    pthread_mutex_lock(&q->lock);
    q->inflight += bytes;
    if (q->inflight < 0)
        q->inflight = 0;
    pthread_mutex_unlock(&q->lock);
}
