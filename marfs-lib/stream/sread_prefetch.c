/*
 * sread_prefetch.c - the read-ahead workers of the shared cache (see
 * sread_cache.h): a bounded FIFO of "fill stripes [s0, s1) of object X"
 * jobs and the threads that run them, each job with its own handle of
 * the object.  Threads start on the first job, so a client that never
 * reads sequentially never has them.  A full queue drops new jobs:
 * read-ahead is an optimisation, and a reader that outruns it simply
 * decodes for itself.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sread_cache.h"

#define QUEUE_JOBS 64
#define MAX_WORKERS 16

struct job {
    ne_ctx_t *ne;
    char name[160];
    size_t psz;
    unsigned n;
    const struct mdal_ns *flag_to;
    uint64_t s0, s1;
};

struct scache_queue {
    struct scache *cache;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job jobs[QUEUE_JOBS];
    unsigned head, count;
    int stop;
    unsigned nthreads;
    pthread_t threads[MAX_WORKERS];
};

static void run_job(struct scache_queue *q, const struct job *j)
{
    ne_read_t *h = NULL;
    struct scache_obj o = {
        .ne = j->ne, .name = j->name, .psz = j->psz, .n = j->n, .h = &h,
        .flag_to = j->flag_to,
    };
    scache_fill_ahead(q->cache, &o, j->s0, j->s1);
    if (h != NULL) {
        scache_count_open(q->cache);
        ne_close_read(h);
    }
}

static void *worker(void *arg)
{
    struct scache_queue *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (q->count == 0 && !q->stop)
            pthread_cond_wait(&q->cv, &q->mu);
        if (q->stop)
            break;
        struct job j = q->jobs[q->head];
        q->head = (q->head + 1) % QUEUE_JOBS;
        q->count--;
        pthread_mutex_unlock(&q->mu);
        run_job(q, &j);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

int scache_queue_create(struct scache *c, struct scache_queue **out)
{
    struct scache_queue *q = calloc(1, sizeof(*q));
    if (q == NULL)
        return -ENOMEM;
    q->cache = c;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    *out = q;
    return 0;
}

void scache_queue_destroy(struct scache_queue *q)
{
    if (q == NULL)
        return;
    pthread_mutex_lock(&q->mu);
    q->stop = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    for (unsigned i = 0; i < q->nthreads; i++)
        pthread_join(q->threads[i], NULL);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

/* Start workers up to `want` (lock held); keeps what could be started. */
static void grow(struct scache_queue *q, unsigned want)
{
    if (want > MAX_WORKERS)
        want = MAX_WORKERS;
    while (q->nthreads < want &&
           pthread_create(&q->threads[q->nthreads], NULL, worker, q) == 0)
        q->nthreads++;
}

int scache_queue_add(struct scache_queue *q, const struct scache_obj *o,
                     uint64_t s0, uint64_t s1, unsigned threads)
{
    if (strlen(o->name) >= sizeof(q->jobs[0].name))
        return -ENAMETOOLONG;
    pthread_mutex_lock(&q->mu);
    grow(q, threads);
    if (q->count == QUEUE_JOBS || q->nthreads == 0 || q->stop) {
        pthread_mutex_unlock(&q->mu);
        return -EAGAIN;
    }
    struct job *j = &q->jobs[(q->head + q->count) % QUEUE_JOBS];
    j->ne = o->ne;
    strcpy(j->name, o->name);
    j->psz = o->psz;
    j->n = o->n;
    j->flag_to = o->flag_to;
    j->s0 = s0;
    j->s1 = s1;
    q->count++;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return 0;
}
