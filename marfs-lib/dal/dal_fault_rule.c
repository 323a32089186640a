/*
 * dal_fault_rule.c - parser of fault DAL rules.
 *
 * Owns: turning "op=get block=1,3 flip=1" into a struct fault_rule and
 * refusing anything ambiguous (unknown keys, repeated keys, actions that
 * make no sense for the operation) so a test never silently injects
 * nothing.  Syntax: doc/dal.md, "fault".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dal_fault.h"
#include "log.h"

enum fkey {
    K_OP, K_POD, K_BLOCK, K_CAP, K_SCATTER, K_OBJ, K_AFTER, K_SKIP,
    K_COUNT, K_PCT, K_ERR, K_SHORT, K_FLIP, K_DELAY, K_NKEYS
};

static const char *const key_names[K_NKEYS] = {
    "op", "pod", "block", "cap", "scatter", "obj", "after", "skip",
    "count", "pct", "err", "short", "flip", "delay",
};

#define OPBIT(op) (1u << (op))
#define ALL_OPS ((1u << DAL_OP_COUNT) - 1)

static const struct { const char *name; int err; } errnos[] = {
    {"EPERM", EPERM}, {"ENOENT", ENOENT}, {"EINTR", EINTR}, {"EIO", EIO},
    {"ENXIO", ENXIO}, {"EBADF", EBADF}, {"EAGAIN", EAGAIN},
    {"ENOMEM", ENOMEM}, {"EACCES", EACCES}, {"EBUSY", EBUSY},
    {"EEXIST", EEXIST}, {"ENODEV", ENODEV}, {"ENOTDIR", ENOTDIR},
    {"EISDIR", EISDIR}, {"EINVAL", EINVAL}, {"EMFILE", EMFILE},
    {"EFBIG", EFBIG}, {"ENOSPC", ENOSPC}, {"EROFS", EROFS},
    {"EPIPE", EPIPE}, {"ENAMETOOLONG", ENAMETOOLONG}, {"ENODATA", ENODATA},
    {"EBADMSG", EBADMSG}, {"EMSGSIZE", EMSGSIZE}, {"ENOTSUP", ENOTSUP},
    {"ECONNREFUSED", ECONNREFUSED}, {"ECONNRESET", ECONNRESET},
    {"ENOTCONN", ENOTCONN}, {"ETIMEDOUT", ETIMEDOUT},
    {"EHOSTUNREACH", EHOSTUNREACH}, {"ESTALE", ESTALE}, {"EDQUOT", EDQUOT},
    {"ECANCELED", ECANCELED},
};

/* Unsigned decimal (with an optional K/M/G... size suffix) up to max. */
static int parse_num(const char *v, uint64_t max, uint64_t *out)
{
    return mcfg_parse_size(v, out) == 0 && *out <= max ? 0 : -EINVAL;
}

static int parse_ops(const char *v, unsigned *ops, char *msg, size_t sz)
{
    char buf[256];
    char *save = NULL;
    snprintf(buf, sizeof(buf), "%s", v);
    *ops = 0;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        unsigned bits = 0;
        for (int op = 0; op < DAL_OP_COUNT; op++)
            if (strcmp(t, dal_op_name((enum dal_op)op)) == 0)
                bits = OPBIT(op);
        if (strcmp(t, "open") == 0)
            bits = OPBIT(DAL_OP_OPEN_WRITE) | OPBIT(DAL_OP_OPEN_READ);
        else if (strcmp(t, "meta") == 0)
            bits = OPBIT(DAL_OP_SET_META) | OPBIT(DAL_OP_GET_META);
        else if (strcmp(t, "any") == 0)
            bits = ALL_OPS;
        if (bits == 0) {
            snprintf(msg, sz, "unknown operation '%s' (known: verify open "
                     "open_write open_read put get meta set_meta get_meta "
                     "close abort stat del list any)", t);
            return -EINVAL;
        }
        *ops |= bits;
    }
    return *ops ? 0 : -EINVAL;
}

/* "1,3,5-7" */
static int parse_set(const char *v, struct fr_set *s)
{
    const char *p = v;
    s->n = 0;
    while (*p != '\0') {
        char *end;
        if (s->n == FR_MAX_RANGES || *p < '0' || *p > '9')
            return -EINVAL;
        unsigned long lo = strtoul(p, &end, 10), hi = lo;
        if (*end == '-' && end[1] >= '0' && end[1] <= '9')
            hi = strtoul(end + 1, &end, 10);
        if (hi < lo || hi > 0xFFFFFFu || (*end != ',' && *end != '\0') ||
            (*end == ',' && end[1] == '\0'))
            return -EINVAL;
        s->r[s->n].lo = (unsigned)lo;
        s->r[s->n++].hi = (unsigned)hi;
        p = *end == ',' ? end + 1 : end;
    }
    return s->n ? 0 : -EINVAL;
}

static int parse_err(const char *v, int *out)
{
    uint64_t n;
    for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
        if (strcmp(v, errnos[i].name) == 0) {
            *out = errnos[i].err;
            return 0;
        }
    if (strspn(v, "0123456789") != strlen(v) || parse_num(v, 4095, &n) < 0 ||
        n == 0)
        return -EINVAL;
    *out = (int)n;
    return 0;
}

/* Store one key=value; -EINVAL with the reason in msg. */
static int set_key(struct fault_rule *r, enum fkey k, const char *v,
                   char *msg, size_t sz)
{
    struct fr_set *sets[] = {&r->pod, &r->block, &r->cap, &r->scatter};
    uint64_t n = 0;
    int rc = 0;
    switch (k) {
    case K_OP:
        rc = parse_ops(v, &r->ops, msg, sz);
        break;
    case K_POD: case K_BLOCK: case K_CAP: case K_SCATTER:
        rc = parse_set(v, sets[k - K_POD]);
        break;
    case K_OBJ:
        rc = v[0] == '\0' || (r->obj = strdup(v)) == NULL;
        break;
    case K_ERR:
        rc = parse_err(v, &r->err);
        break;
    case K_AFTER:
        r->has_after = 1;
        rc = parse_num(v, UINT64_MAX, &r->after);
        break;
    case K_SKIP:
        rc = parse_num(v, UINT64_MAX, &r->skip);
        break;
    case K_COUNT:
        rc = parse_num(v, UINT64_MAX, &r->count) < 0 || r->count == 0;
        break;
    case K_SHORT:
        r->has_short = 1;
        rc = parse_num(v, UINT64_MAX, &r->short_len);
        break;
    case K_FLIP:
        rc = parse_num(v, UINT64_MAX, &r->flip) < 0 || r->flip == 0;
        break;
    case K_PCT:
        rc = parse_num(v, 100, &n);
        r->pct = (unsigned)n;
        break;
    case K_DELAY:
        rc = parse_num(v, 3600000, &n);
        r->delay_ms = (unsigned)n;
        break;
    case K_NKEYS:
        break;
    }
    if (rc != 0 && msg[0] == '\0')
        snprintf(msg, sz, "bad value '%s' for %s", v, key_names[k]);
    return rc != 0 ? -EINVAL : 0;
}

/* Combinations that would inject nothing or something undefined. */
static const char *check_rule(const struct fault_rule *r, unsigned seen)
{
    const unsigned get = OPBIT(DAL_OP_GET), getm = OPBIT(DAL_OP_GET_META);
    const unsigned put = OPBIT(DAL_OP_PUT), ver = OPBIT(DAL_OP_VERIFY);
    if (!(seen & 1u << K_OP))
        return "op= is required";
    if (!(seen & (1u << K_ERR | 1u << K_SHORT | 1u << K_FLIP |
                  1u << K_DELAY)))
        return "no action: give err=, short=, flip= or delay=";
    if (r->err && (r->has_short || r->flip))
        return "err= cannot be combined with short= or flip=";
    if (r->has_short && (r->ops & ~get))
        return "short= applies to op=get only";
    if (r->flip && (r->ops & ~(get | getm)))
        return "flip= applies to op=get and op=get_meta only";
    if (r->has_after && (r->ops & ~(get | put)))
        return "after= applies to op=put and op=get only";
    if (r->ops == ver && (seen & (1u << K_POD | 1u << K_BLOCK | 1u << K_CAP |
                                  1u << K_SCATTER | 1u << K_OBJ)))
        return "op=verify has no location or object to match";
    if (r->ops == OPBIT(DAL_OP_LIST) && r->obj != NULL)
        return "op=list has no object name to match";
    return NULL;
}

/* Parse the tokens of buf (modified) into r; reason in msg on error. */
static int parse_tokens(char *buf, struct fault_rule *r, char *msg, size_t sz)
{
    unsigned seen = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, " \t\r\n", &save); t != NULL;
         t = strtok_r(NULL, " \t\r\n", &save)) {
        char *eq = strchr(t, '=');
        int k = 0;
        if (eq != NULL)
            *eq = '\0';
        while (k < K_NKEYS && strcmp(key_names[k], t) != 0)
            k++;
        if (eq == NULL || k == K_NKEYS) {
            snprintf(msg, sz, "'%s' is not key=value with a known key (op pod "
                     "block cap scatter obj after skip count pct err short "
                     "flip delay)", t);
            return -EINVAL;
        }
        if (seen & 1u << k) {
            snprintf(msg, sz, "%s= is given twice", key_names[k]);
            return -EINVAL;
        }
        seen |= 1u << k;
        if (set_key(r, (enum fkey)k, eq + 1, msg, sz) < 0)
            return -EINVAL;
    }
    const char *why = check_rule(r, seen);
    if (why != NULL)
        snprintf(msg, sz, "%s", why);
    return why ? -EINVAL : 0;
}

int fault_rule_parse(const char *text, const char *where,
                     struct fault_rule *r)
{
    char msg[256] = "";
    memset(r, 0, sizeof(*r));
    r->pct = 100;
    r->text = strdup(text);
    char *buf = strdup(text);
    int rc = r->text && buf ? parse_tokens(buf, r, msg, sizeof(msg)) : -ENOMEM;
    free(buf);
    if (rc < 0) {
        LOG_ERR("fault DAL: %s rule '%s': %s", where, text,
                rc == -ENOMEM ? "out of memory" : msg);
        fault_rule_free(r);
    }
    return rc;
}

void fault_rule_free(struct fault_rule *r)
{
    free(r->text);
    free(r->obj);
    r->text = r->obj = NULL;
}

int fr_set_has(const struct fr_set *s, unsigned v)
{
    if (s->n == 0)
        return 1;
    for (unsigned i = 0; i < s->n; i++)
        if (v >= s->r[i].lo && v <= s->r[i].hi)
            return 1;
    return 0;
}
