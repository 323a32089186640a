/*
 * wal.c - the write-ahead log (wal.h, doc/rman.md).
 *
 * Records are lines appended with O_APPEND:
 *   MARFSWAL 1 <namespace>              first line
 *   B <batch> <kind> <unix time>        a batch begins
 *   I <batch> <step> <action>\t<arg>... what step will do
 *   C <batch> <nsteps>                  steps < nsteps are decided (fsync'd)
 *   D <batch> <step>                    step done
 *   E <batch>                           batch finished
 * Only committed intents are ever acted on; a line without its newline
 * (a write torn by a crash) is ignored.  D and E lines are not synced:
 * losing them only repeats steps, and every step is idempotent.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "wal.h"

struct rm_wal {
    int fd;
    unsigned next;          /* next batch id */
    char ns[4096];
};

static long crash_at = -1;  /* MARFS_RMAN_CRASH_AT */
static long delay_ms;       /* MARFS_RMAN_STEP_DELAY_MS */
static long records;

/* Test hooks: die after record K; pause after every record (so a test's
 * reader can run across the steps of a repack). */
static void test_hooks(void)
{
    if (crash_at < 0) {
        const char *e = getenv("MARFS_RMAN_CRASH_AT");
        const char *d = getenv("MARFS_RMAN_STEP_DELAY_MS");
        crash_at = e != NULL ? strtol(e, NULL, 10) : 0;
        delay_ms = d != NULL ? strtol(d, NULL, 10) : 0;
    }
    if (crash_at > 0 && ++records == crash_at)
        kill(getpid(), SIGKILL);
    if (delay_ms > 0)
        usleep((useconds_t)delay_ms * 1000);
}

static int append(struct rm_wal *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int append(struct rm_wal *w, const char *fmt, ...)
{
    char line[16384];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof(line))
        return -ENAMETOOLONG;
    if (write(w->fd, line, (size_t)len) != len) {
        int rc = errno ? -errno : -EIO;
        LOG_ERR("namespace %s: cannot write the write-ahead log: %s", w->ns,
                strerror(-rc));
        return rc;
    }
    test_hooks();
    return 0;
}

int wal_open(struct rm_ns *ns, struct rm_wal **out)
{
    struct rm_wal *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return -ENOMEM;
    snprintf(w->ns, sizeof(w->ns), "%s", ns->ns->path);
    w->fd = openat(ns->rmfd, "wal", O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
                   0600);
    if (w->fd < 0) {
        int rc = -errno;
        LOG_ERR("namespace %s: cannot open the write-ahead log: %s",
                ns->ns->path, strerror(-rc));
        free(w);
        return rc;
    }
    struct wal_batch *b;
    size_t n;
    int rc = wal_load(w, &b, &n);
    if (rc < 0) {
        wal_close(w);
        return rc;
    }
    for (size_t i = 0; i < n; i++)
        if (b[i].id >= w->next)
            w->next = b[i].id + 1;
    wal_batches_free(b, n);
    *out = w;
    return 0;
}

void wal_close(struct rm_wal *w)
{
    if (w == NULL)
        return;
    close(w->fd);
    free(w);
}

static int header(struct rm_wal *w)
{
    struct stat st;
    if (fstat(w->fd, &st) != 0)
        return -errno;
    if (st.st_size > 0)
        return 0;
    char line[4200];
    int len = snprintf(line, sizeof(line), "MARFSWAL %d %s\n", WAL_VERSION,
                       w->ns);
    return write(w->fd, line, (size_t)len) == len ? 0 : -EIO;
}

int wal_begin(struct rm_wal *w, const char *kind, unsigned *batch)
{
    int rc = header(w);
    if (rc < 0)
        return rc;
    *batch = w->next++;
    return append(w, "B %u %s %lld\n", *batch, kind, (long long)time(NULL));
}

int wal_intent(struct rm_wal *w, unsigned batch, unsigned step,
               const char *action, const char *const *args, size_t nargs)
{
    char line[12288];
    size_t len = 0;
    for (size_t i = 0; i < nargs && i < WAL_MAX_ARGS; i++) {
        int n = snprintf(line + len, sizeof(line) - len, "\t%s", args[i]);
        if (n < 0 || (size_t)n >= sizeof(line) - len ||
            strpbrk(args[i], "\t\n") != NULL)
            return -EINVAL;
        len += (size_t)n;
    }
    return append(w, "I %u %u %s%s\n", batch, step, action, line);
}

int wal_commit(struct rm_wal *w, unsigned batch, unsigned nsteps)
{
    /* the intents must reach the disk before any of them is acted on */
    if (fdatasync(w->fd) != 0)
        return -errno;
    int rc = append(w, "C %u %u\n", batch, nsteps);
    if (rc == 0 && fdatasync(w->fd) != 0)
        rc = -errno;
    return rc;
}

int wal_done(struct rm_wal *w, unsigned batch, unsigned step)
{
    return append(w, "D %u %u\n", batch, step);
}

int wal_end(struct rm_wal *w, unsigned batch)
{
    return append(w, "E %u\n", batch);
}

int wal_clear(struct rm_wal *w)
{
    if (ftruncate(w->fd, 0) != 0 || fdatasync(w->fd) != 0)
        return -errno;
    return 0;
}

/* ---- reading ----------------------------------------------------------- */

static struct wal_batch *batch_of(struct wal_batch *b, size_t n, unsigned id)
{
    for (size_t i = n; i-- > 0;)
        if (b[i].id == id)
            return &b[i];
    return NULL;
}

struct wal_step *wal_step_of(struct wal_batch *b, unsigned step)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->s[i].step == step)
            return &b->s[i];
    return NULL;
}

static int add_intent(struct wal_batch *b, unsigned step, char *rest)
{
    void *p = realloc(b->s, (b->n + 1) * sizeof(*b->s));
    if (p == NULL)
        return -ENOMEM;
    b->s = p;
    struct wal_step *s = &b->s[b->n++];
    memset(s, 0, sizeof(*s));
    s->step = step;
    char *save = NULL, *tok = strtok_r(rest, "\t", &save);
    snprintf(s->action, sizeof(s->action), "%s", tok ? tok : "");
    while ((tok = strtok_r(NULL, "\t", &save)) != NULL &&
           s->nargs < WAL_MAX_ARGS)
        if ((s->args[s->nargs++] = strdup(tok)) == NULL)
            return -ENOMEM;
    return 0;
}

static int parse_line(char *line, struct wal_batch **bs, size_t *n)
{
    unsigned id, x;
    char kind[16];
    int off = 0;
    if (sscanf(line, "B %u %15s", &id, kind) == 2) {
        void *p = realloc(*bs, (*n + 1) * sizeof(**bs));
        if (p == NULL)
            return -ENOMEM;
        *bs = p;
        struct wal_batch *b = &(*bs)[(*n)++];
        memset(b, 0, sizeof(*b));
        b->id = id;
        snprintf(b->kind, sizeof(b->kind), "%s", kind);
        return 0;
    }
    struct wal_batch *b;
    if (sscanf(line, "I %u %u %n", &id, &x, &off) == 2 && off > 0 &&
        (b = batch_of(*bs, *n, id)) != NULL)
        return add_intent(b, x, line + off);
    if (sscanf(line, "C %u %u", &id, &x) == 2 &&
        (b = batch_of(*bs, *n, id)) != NULL)
        b->committed = x;
    else if (sscanf(line, "D %u %u", &id, &x) == 2 &&
             (b = batch_of(*bs, *n, id)) != NULL && wal_step_of(b, x))
        wal_step_of(b, x)->done = 1;
    else if (sscanf(line, "E %u", &id) == 1 &&
             (b = batch_of(*bs, *n, id)) != NULL)
        b->ended = 1;
    return 0;
}

int wal_load(struct rm_wal *w, struct wal_batch **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    FILE *f = fdopen(dup(w->fd), "r");
    if (f == NULL)
        return -errno;
    rewind(f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0, first = 1;
    while (rc == 0 && (len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] != '\n')
            break;          /* torn by a crash: never acted on */
        line[len - 1] = '\0';
        if (first) {
            first = 0;
            int v = 0;
            if (sscanf(line, "MARFSWAL %d", &v) != 1 || v != WAL_VERSION) {
                LOG_ERR("namespace %s: write-ahead log of unknown format "
                        "(\"%.40s\"); move it away after checking it", w->ns,
                        line);
                rc = -EPROTONOSUPPORT;
            }
            continue;
        }
        rc = parse_line(line, out, n);
    }
    free(line);
    fclose(f);
    if (rc < 0) {
        wal_batches_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void wal_batches_free(struct wal_batch *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < b[i].n; j++)
            for (size_t k = 0; k < b[i].s[j].nargs; k++)
                free(b[i].s[j].args[k]);
        free(b[i].s);
    }
    free(b);
}
