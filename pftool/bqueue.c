/*
 * bqueue.c - FIFO of task blobs with memory accounting (see bqueue.h).
 */
#include "bqueue.h"

#include <stdlib.h>
#include <string.h>

void bq_init(struct bqueue *q)
{
    memset(q, 0, sizeof(*q));
}

void bq_push(struct bqueue *q, const void *data, size_t len, uint64_t weight)
{
    struct bq_item *it = malloc(sizeof(*it) + len);
    if (it == NULL)
        abort();
    it->next = NULL;
    it->weight = weight;
    it->len = len;
    memcpy(it->data, data, len);
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->count++;
    q->mem += sizeof(*it) + len;
}

struct bq_item *bq_pop(struct bqueue *q)
{
    struct bq_item *it = q->head;
    if (it == NULL)
        return NULL;
    q->head = it->next;
    if (q->head == NULL)
        q->tail = NULL;
    q->count--;
    return it;
}

void bq_release(struct bqueue *q, struct bq_item *it)
{
    q->mem -= sizeof(*it) + it->len;
    free(it);
}
