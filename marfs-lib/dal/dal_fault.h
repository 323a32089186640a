/*
 * dal_fault.h - fault rules of the fault DAL (internal).
 *
 * Owns: the parsed form of one rule and its parser (dal_fault_rule.c);
 * dal_fault.c matches calls against rules and injects the faults.
 * Syntax and exact semantics: doc/dal.md, "fault".
 */
#ifndef MARFS_DAL_FAULT_H
#define MARFS_DAL_FAULT_H

#include <stdint.h>

#include "dal.h"

#define FR_MAX_RANGES 16

/* A set of indices, e.g. "1,3,5-7"; n == 0 means any index. */
struct fr_set {
    unsigned n;
    struct {
        unsigned lo, hi;
    } r[FR_MAX_RANGES];
};

struct fault_rule {
    char *text;              /* as written, for messages */
    unsigned ops;            /* bit (1u << enum dal_op) per operation */
    struct fr_set pod, block, cap, scatter;
    char *obj;               /* substring of the object name; NULL: any */
    int has_after;
    uint64_t after;          /* put/get: only at or beyond this offset */
    uint64_t skip, count;    /* ignore the first skip matches; then act on
                              * count of them (0: all) */
    unsigned pct;            /* act on this % of matches (seeded draw) */
    /* actions */
    int err;                 /* fail with -err (0: none) */
    int has_short;
    uint64_t short_len;      /* get returns at most this many bytes */
    uint64_t flip;           /* get/get_meta: flip bit 0 of each byte whose
                              * offset is a multiple of flip (0: none) */
    unsigned delay_ms;
    uint64_t hits;           /* matching calls so far */
};

/* Parse one rule.  where names its origin in messages ("line 12",
 * "MARFS_FAULT").  0, or -EINVAL with one error naming the rule. */
int fault_rule_parse(const char *text, const char *where,
                     struct fault_rule *r);
void fault_rule_free(struct fault_rule *r);

/* 1 if v is in the set (an empty set holds every index). */
int fr_set_has(const struct fr_set *s, unsigned v);

#endif
