/*
 * bqueue.h - FIFO of encoded tasks (byte blobs), each with a weight (the
 * bytes it will move), counting the memory it holds so the scheduler can
 * apply back-pressure.
 */
#ifndef PFTOOL_BQUEUE_H
#define PFTOOL_BQUEUE_H

#include <stddef.h>
#include <stdint.h>

struct bq_item {
    struct bq_item *next;
    uint64_t weight;
    size_t len;
    char data[];
};

struct bqueue {
    struct bq_item *head, *tail;
    size_t count;
    size_t mem;          /* bytes held, headers included */
};

void bq_init(struct bqueue *q);
void bq_push(struct bqueue *q, const void *data, size_t len, uint64_t weight);
/* Remove the head; the caller frees it with bq_release. */
struct bq_item *bq_pop(struct bqueue *q);
void bq_release(struct bqueue *q, struct bq_item *it);
static inline int bq_empty(const struct bqueue *q) { return q->head == NULL; }

#endif
