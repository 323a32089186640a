/*
 * recover_data.c - a recovered file's bytes, piece by piece.
 *
 * Each piece is read through the erasure layer (which reconstructs from
 * parity or fails with -EIO, never returning wrong bytes) and checked
 * against its record's pcrc; the piece CRCs are combined into the file's
 * CRC and checked against the final record's fcrc (N:1 files record 0
 * there: only their pieces are checked).  One object stays open between
 * calls, so the files of a packed object are read with one open.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "marfs.h"
#include "recover.h"

#define RC_BUF (1u << 20)

struct rc_reader {
    struct rc_cat *cat;
    ne_read_t *h;
    size_t obj;                /* index of the open object */
    char *buf;
};

struct rc_reader *rc_reader_new(struct rc_cat *cat)
{
    struct rc_reader *rd = calloc(1, sizeof(*rd));
    if (rd != NULL && (rd->buf = malloc(RC_BUF)) == NULL) {
        free(rd);
        rd = NULL;
    }
    if (rd != NULL)
        rd->cat = cat;
    return rd;
}

void rc_reader_free(struct rc_reader *rd)
{
    if (rd == NULL)
        return;
    if (rd->h != NULL)
        ne_close_read(rd->h);
    free(rd->buf);
    free(rd);
}

static int use_object(struct rc_reader *rd, size_t obj)
{
    if (rd->h != NULL && rd->obj == obj)
        return 0;
    if (rd->h != NULL)
        ne_close_read(rd->h);
    rd->h = NULL;
    int rc = ne_open_read(rd->cat->ne, rd->cat->objs[obj], &rd->h);
    if (rc == 0)
        rd->obj = obj;
    return rc;
}

static int damaged(struct rc_file *f, const char *fmt, const char *obj,
                   const struct rc_piece *p, int rc)
{
    char what[160];
    snprintf(what, sizeof(what), fmt, obj, (unsigned long long)p->doff,
             (unsigned long long)p->plen);
    snprintf(f->why, sizeof(f->why), "%s%s%s", what, rc ? ": " : "",
             rc ? strerror(-rc) : "");
    f->state = RC_DAMAGED;
    return -1;
}

/* Read one piece into the sink; *crc gets the piece's CRC. */
static int read_piece(struct rc_reader *rd, const struct rc_piece *p,
                      rc_sink_fn sink, void *arg, uint64_t *crc)
{
    int rc = use_object(rd, p->obj);
    *crc = 0;
    for (uint64_t done = 0; rc == 0 && done < p->plen; ) {
        size_t want = p->plen - done < RC_BUF ? (size_t)(p->plen - done)
                                              : RC_BUF;
        ssize_t n = ne_pread(rd->h, rd->buf, want, p->doff + done);
        if (n != (ssize_t)want)
            return n < 0 ? (int)n : -EIO;
        *crc = marfs_checksum_update(*crc, rd->buf, want);
        if (sink != NULL && (rc = sink(arg, rd->buf, want, p->poff + done)))
            return rc;
        done += want;
    }
    return rc;
}

int rc_read_data(struct rc_reader *rd, struct rc_file *f, rc_sink_fn sink,
                 void *arg)
{
    uint64_t crc = 0, pcrc;
    for (size_t i = 0; i < f->np; i++) {
        const struct rc_piece *p = &f->p[i];
        const char *obj = rd->cat->objs[p->obj];
        int rc = read_piece(rd, p, sink, arg, &pcrc);
        if (rc > 0)
            return -1;      /* the sink failed and reported it */
        if (rc < 0)
            return damaged(f, "piece at %s+%llu (%llu bytes) unreadable",
                           obj, p, rc);
        if (pcrc != p->pcrc)
            return damaged(f, "piece at %s+%llu (%llu bytes): CRC "
                           "mismatch", obj, p, 0);
        crc = marfs_checksum_combine(crc, pcrc, p->plen);
    }
    f->crc = crc;
    if (f->fcrc != 0 && f->fcrc != crc) {
        snprintf(f->why, sizeof(f->why), "file CRC mismatch: recorded "
                 "%016llx, data %016llx", (unsigned long long)f->fcrc,
                 (unsigned long long)crc);
        f->state = RC_DAMAGED;
        return -1;
    }
    return 0;
}
