/*
 * ne_pool.c - the worker threads of an erasure context.
 *
 * Owns: one FIFO of jobs served by a fixed set of threads created with
 * the context and shared by all its handles, so many small objects cost
 * no thread creation.  A handle groups its per-block jobs in a batch and
 * waits for it; while waiting it runs its own batch's queued jobs, so the
 * caller's core is never idle and a pool of 0 threads simply runs jobs
 * inline (never another handle's: that may be a slow publication).
 * A handle has at most one batch in flight with at most one job per
 * block, which keeps each DAL block handle used by one thread at a time
 * and its puts in order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ne_internal.h"

struct ne_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct ne_job *head, *tail;
    int stop;
    unsigned nthreads;
    pthread_t threads[];
};

static void job_done(struct ne_job *job)
{
    struct ne_batch *b = job->batch;
    /* Decrement under the lock: once the waiter sees 0 (it always takes
     * the lock last) no worker touches the batch again. */
    pthread_mutex_lock(&b->mu);
    if (--b->pending == 0)
        pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static void run_job(struct ne_job *job)
{
    job->fn(job);
    job_done(job);
}

/* Pop the oldest job; the pool lock must be held. */
static struct ne_job *pop_locked(struct ne_pool *p)
{
    struct ne_job *job = p->head;
    if (job != NULL) {
        p->head = job->next;
        if (p->head == NULL)
            p->tail = NULL;
    }
    return job;
}

/* Pop the oldest job of batch b; the pool lock must be held.  A waiter
 * runs only its own batch's jobs: another handle's job may be a slow
 * publication (fsync) that its owner started so as not to wait for it. */
static struct ne_job *pop_batch_locked(struct ne_pool *p, struct ne_batch *b)
{
    struct ne_job *prev = NULL, *job = p->head;
    while (job != NULL && job->batch != b) {
        prev = job;
        job = job->next;
    }
    if (job == NULL)
        return NULL;
    if (prev == NULL)
        p->head = job->next;
    else
        prev->next = job->next;
    if (p->tail == job)
        p->tail = prev;
    return job;
}

static void *worker(void *arg)
{
    struct ne_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct ne_job *job = pop_locked(p);
        if (job == NULL) {
            if (p->stop)
                break;
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        pthread_mutex_unlock(&p->mu);
        run_job(job);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void stop_threads(struct ne_pool *p, unsigned started)
{
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < started; i++)
        pthread_join(p->threads[i], NULL);
}

int ne_pool_create(unsigned threads, struct ne_pool **out)
{
    struct ne_pool *p = calloc(1, sizeof(*p) + threads * sizeof(pthread_t));
    if (p == NULL)
        return -ENOMEM;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (unsigned i = 0; i < threads; i++) {
        int rc = pthread_create(&p->threads[i], NULL, worker, p);
        if (rc != 0) {
            LOG_ERR("erasure: cannot start I/O thread %u of %u: %s", i + 1,
                    threads, strerror(rc));
            stop_threads(p, i);
            pthread_cond_destroy(&p->cv);
            pthread_mutex_destroy(&p->mu);
            free(p);
            return -rc;
        }
    }
    p->nthreads = threads;
    *out = p;
    return 0;
}

void ne_pool_destroy(struct ne_pool *p)
{
    if (p == NULL)
        return;
    stop_threads(p, p->nthreads);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

void ne_batch_init(struct ne_batch *b)
{
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    b->pending = 0;
}

void ne_batch_fini(struct ne_batch *b)
{
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
}

void ne_batch_submit(struct ne_pool *pool, struct ne_batch *b,
                     struct ne_job *const *jobs, unsigned n)
{
    pthread_mutex_lock(&b->mu);
    b->pending += n;
    pthread_mutex_unlock(&b->mu);
    for (unsigned i = 0; i < n; i++)
        jobs[i]->batch = b;
    if (pool == NULL) {
        for (unsigned i = 0; i < n; i++)
            run_job(jobs[i]);
        return;
    }
    pthread_mutex_lock(&pool->mu);
    for (unsigned i = 0; i < n; i++) {
        jobs[i]->next = NULL;
        if (pool->tail != NULL)
            pool->tail->next = jobs[i];
        else
            pool->head = jobs[i];
        pool->tail = jobs[i];
    }
    if (n == 1)
        pthread_cond_signal(&pool->cv);
    else if (n > 1)
        pthread_cond_broadcast(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
}

int ne_batch_busy(struct ne_batch *b)
{
    pthread_mutex_lock(&b->mu);
    int busy = b->pending != 0;
    pthread_mutex_unlock(&b->mu);
    return busy;
}

void ne_batch_wait(struct ne_pool *pool, struct ne_batch *b)
{
    while (pool != NULL && ne_batch_busy(b)) {
        pthread_mutex_lock(&pool->mu);
        struct ne_job *job = pop_batch_locked(pool, b);
        pthread_mutex_unlock(&pool->mu);
        if (job == NULL)
            break;
        run_job(job);
    }
    pthread_mutex_lock(&b->mu);
    while (b->pending != 0)
        pthread_cond_wait(&b->cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
}
