/*
 * api_publish.c - the context's publisher: one thread that makes the
 * inodes of whole files (api_whole.c) once their object is stored, so
 * the metadata work of one object overlaps the writing of the next.
 *
 * One thread per context, started with its first whole file, keeps the
 * files of a stream in order (their outcomes and the stream's marker
 * rely on it).  A job is one stored object's files, so writer and
 * publisher meet once per object, not per file.  The backlog is bounded: a writer starting a new whole
 * file waits while API_PUBLISH_MAX jobs are queued, never while it holds
 * a lock the publisher may need.  A context without the thread (it could
 * not start) runs the jobs inline.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "log.h"

enum { API_PUBLISH_MAX = 8192 };

struct pub_job {
    struct pub_job *next;
    void (*fn)(void *arg);
    void *arg;
    size_t nfiles;
};

struct api_publisher {
    pthread_mutex_t mu;
    pthread_cond_t work, room;
    pthread_t th;
    int stop;
    struct pub_job *head, *tail;
    size_t n;               /* files queued (the backlog's bound) */
};

static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;

static void *pub_main(void *arg)
{
    struct api_publisher *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->head == NULL && !p->stop)
            pthread_cond_wait(&p->work, &p->mu);
        struct pub_job *j = p->head;
        if (j == NULL)
            break;
        p->head = j->next;
        if (p->head == NULL)
            p->tail = NULL;
        pthread_mutex_unlock(&p->mu);
        size_t nfiles = j->nfiles;
        j->fn(j->arg);
        free(j);
        pthread_mutex_lock(&p->mu);
        __atomic_store_n(&p->n, p->n - nfiles, __ATOMIC_RELAXED);
        pthread_cond_broadcast(&p->room);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static struct api_publisher *publisher(marfs_ctx_t *ctx)
{
    struct api_publisher *p = __atomic_load_n(&ctx->pub, __ATOMIC_ACQUIRE);
    if (p != NULL || ctx->pub_failed)
        return p;
    pthread_mutex_lock(&start_lock);
    if ((p = ctx->pub) == NULL && !ctx->pub_failed) {
        p = calloc(1, sizeof(*p));
        if (p != NULL) {
            pthread_mutex_init(&p->mu, NULL);
            pthread_cond_init(&p->work, NULL);
            pthread_cond_init(&p->room, NULL);
        }
        if (p == NULL || pthread_create(&p->th, NULL, pub_main, p) != 0) {
            LOG_WARN("cannot start the publisher thread: whole files are "
                     "made by their writer");
            free(p);
            p = NULL;
            ctx->pub_failed = 1;
        } else {
            __atomic_store_n(&ctx->pub, p, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&start_lock);
    return p;
}

int api_publish(marfs_ctx_t *ctx, void (*fn)(void *arg), void *arg,
                size_t nfiles)
{
    struct api_publisher *p = publisher(ctx);
    struct pub_job *j = p ? malloc(sizeof(*j)) : NULL;
    if (j == NULL)
        return -EAGAIN;     /* the caller runs it */
    *j = (struct pub_job){NULL, fn, arg, nfiles};
    pthread_mutex_lock(&p->mu);
    if (p->tail != NULL)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    __atomic_store_n(&p->n, p->n + nfiles, __ATOMIC_RELAXED);
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

void api_publish_room(marfs_ctx_t *ctx)
{
    struct api_publisher *p = publisher(ctx);
    /* no lock while there is room: this runs for every file */
    if (p == NULL || __atomic_load_n(&p->n, __ATOMIC_RELAXED) < API_PUBLISH_MAX)
        return;
    pthread_mutex_lock(&p->mu);
    while (p->n >= API_PUBLISH_MAX)
        pthread_cond_wait(&p->room, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void api_publish_stop(marfs_ctx_t *ctx)
{
    struct api_publisher *p = ctx->pub;
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;            /* after the queued jobs */
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->th, NULL);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->room);
    pthread_mutex_destroy(&p->mu);
    free(p);
    ctx->pub = NULL;
}
