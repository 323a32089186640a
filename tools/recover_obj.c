/*
 * recover_obj.c - the records of one object, read through the erasure
 * layer.
 *
 * An object is [header][piece][record][piece][record]...; every record
 * ends with the fixed-width trailer "END %010d\n" holding its length, and
 * gives the offset (doff) and length (plen) of the piece before it, so
 * the walk goes backwards from the object's end: record, then the end of
 * the previous record at doff, until the header.  Objects whose name is
 * not "<stream>/<objno>" and whose header is not a marfs header are
 * "foreign" (written by marfs-ne, say) and skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "objfmt.h"
#include "recover.h"

/* Split "<stream>/<objno>"; 0 if the name has that shape. */
static int parse_name(const char *name, char *stream, size_t ssz,
                      uint64_t *objno)
{
    const char *slash = strrchr(name, '/');
    char *end;
    if (slash == NULL || slash == name || slash[1] < '0' || slash[1] > '9' ||
        (size_t)(slash - name) >= ssz)
        return -EINVAL;
    *objno = strtoull(slash + 1, &end, 10);
    if (*end != '\0')
        return -EINVAL;
    memcpy(stream, name, (size_t)(slash - name));
    stream[slash - name] = '\0';
    return 0;
}

static int bad_object(struct rc_cat *cat, const char *name, const char *why,
                      int rc)
{
    cat->objs_bad++;
    printf("bad object %s: %s%s%s\n", name, why, rc ? ": " : "",
           rc ? strerror(-rc) : "");
    return -1;
}

/* 0: a marfs object (walk it), 1: foreign (skip), -1: bad (skip).  An
 * object whose header cannot be read but whose name has the marfs shape
 * is reported and still walked: its records may be intact. */
static int check_header(struct rc_cat *cat, size_t i, ne_read_t *h)
{
    const char *name = cat->objs[i];
    char buf[OBJ_HDR_SIZE], stream[96];
    struct obj_header hd;
    uint64_t objno;
    int named = parse_name(name, stream, sizeof(stream), &objno) == 0;
    ssize_t n = ne_pread(h, buf, sizeof(buf), 0);
    if (n < 0) {
        bad_object(cat, name, "cannot read its header", (int)n);
        return named ? 0 : -1;
    }
    if (n < OBJ_HDR_SIZE || obj_header_decode(buf, (size_t)n, &hd) < 0) {
        if (named)
            return bad_object(cat, name, "no valid marfs object header", 0);
        cat->objs_foreign++;
        return 1;
    }
    if (!named || strcmp(hd.stream, stream) != 0 || hd.objno != objno)
        return bad_object(cat, name, "its header names another object", 0);
    return 0;
}

/* The record ending at pos: decoded into r, *start gets where it begins. */
static int read_record(ne_read_t *h, uint64_t pos, struct obj_record *r,
                       uint64_t *start)
{
    char buf[OBJ_REC_MAX];
    uint64_t want = pos - OBJ_HDR_SIZE < OBJ_REC_MAX ? pos - OBJ_HDR_SIZE
                                                     : OBJ_REC_MAX;
    size_t reclen;
    ssize_t n = ne_pread(h, buf, (size_t)want, pos - want);
    if (n < 0)
        return (int)n;
    if ((uint64_t)n != want || obj_record_trailer(buf, want, &reclen) < 0 ||
        reclen > want ||
        obj_record_decode(buf + want - reclen, reclen, r) < 0)
        return -EBADMSG;
    *start = pos - reclen;
    if (r->doff < OBJ_HDR_SIZE || r->doff > *start ||
        r->plen != *start - r->doff)
        return -EBADMSG;    /* the piece does not end where the record starts */
    return 0;
}

static int add_record(struct rc_cat *cat, size_t i, const struct obj_record *r)
{
    struct rc_rec e = {
        .uid = r->uid, .gid = r->gid, .mode = r->mode,
        .mtime_sec = r->mtime_sec, .mtime_nsec = r->mtime_nsec,
        .last = r->last, .size = r->size, .fcrc = r->fcrc,
        .piece = {.obj = i, .doff = r->doff, .plen = r->plen,
                  .poff = r->poff, .pcrc = r->pcrc},
    };
    snprintf(e.ref, sizeof(e.ref), "%s", r->ref);
    if ((e.path = strdup(r->path)) == NULL)
        return -ENOMEM;
    int rc = rc_add_rec(cat, &e);
    if (rc < 0)
        free(e.path);
    return rc;
}

static int walk_records(struct rc_cat *cat, size_t i, ne_read_t *h)
{
    struct obj_record r;
    uint64_t pos = ne_size(h), start;
    while (pos > OBJ_HDR_SIZE) {
        int rc = read_record(h, pos, &r, &start);
        if (rc == -EBADMSG) {
            char why[64];
            snprintf(why, sizeof(why), "no valid record ends at offset %llu",
                     (unsigned long long)pos);
            return bad_object(cat, cat->objs[i], why, 0);
        }
        if (rc < 0)
            return bad_object(cat, cat->objs[i], "cannot read a record", rc);
        if ((rc = add_record(cat, i, &r)) < 0)
            return rc;
        pos = r.doff;
    }
    if (pos < OBJ_HDR_SIZE)
        return bad_object(cat, cat->objs[i], "shorter than its header", 0);
    return 0;
}

int rc_read_object(struct rc_cat *cat, size_t i, const struct rc_opts *o)
{
    ne_read_t *h;
    (void)o;
    int rc = ne_open_read(cat->ne, cat->objs[i], &h);
    if (rc < 0)
        return bad_object(cat, cat->objs[i], "cannot be read", rc);
    rc = check_header(cat, i, h);
    if (rc == 0)
        rc = walk_records(cat, i, h);
    ne_close_read(h);
    return rc == -ENOMEM ? rc : 0;
}
