/*
 * hmap.h - an intrusive chained hash map keyed by uint64_t, for the
 * scheduler's records (directories in progress, chunked files, hard
 * links).  Several nodes may share a key; callers walk hmap_next().
 */
#ifndef PFTOOL_HMAP_H
#define PFTOOL_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hnode {
    uint64_t key;
    struct hnode *next;
};

struct hmap {
    struct hnode **slots;
    size_t nslots, count;
};

void hmap_init(struct hmap *m);
void hmap_free(struct hmap *m);   /* the nodes belong to the caller */
void hmap_put(struct hmap *m, uint64_t key, struct hnode *n);
/* First node with key, or NULL; then hmap_next for further ones. */
struct hnode *hmap_get(const struct hmap *m, uint64_t key);
struct hnode *hmap_next(const struct hnode *n);
void hmap_del(struct hmap *m, struct hnode *n);

#endif
