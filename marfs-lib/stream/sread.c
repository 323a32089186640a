/*
 * sread.c - read a file from its objects (see sread.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mdal.h"
#include "sread.h"

struct sread {
    ne_ctx_t *ne;
    struct ftag tag;
    ne_read_t *obj;
    uint64_t objno;
    int warned;
    const struct mdal_ns *flag_to;   /* where to report damage, or NULL */
    uint64_t flagged;                /* objno + 1 of the last one reported */
};

int sread_open(ne_ctx_t *ne, const struct ftag *tag, struct sread **out)
{
    struct sread *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    r->ne = ne;
    r->tag = *tag;
    *out = r;
    return 0;
}

void sread_flag_damaged_to(struct sread *r, const struct mdal_ns *md)
{
    r->flag_to = md;
}

static void note_damage(struct sread *r, const char *name)
{
    if (ne_damaged(r->obj, NULL) == 0)
        return;
    if (r->flag_to != NULL && r->flagged != r->objno + 1) {
        r->flagged = r->objno + 1;
        mdal_flag_damaged(r->flag_to, name);
    }
    if (r->warned)
        return;
    r->warned = 1;
    LOG_WARN("object %s has damaged blocks (data was reconstructed); "
             "it needs a rebuild (marfs-rman --rebuild)", name);
}

static int use_object(struct sread *r, uint64_t objno)
{
    char name[160];
    if (r->obj != NULL && r->objno == objno)
        return 0;
    if (r->obj != NULL) {
        ne_close_read(r->obj);
        r->obj = NULL;
    }
    int rc = ftag_objname(r->tag.stream, objno, name, sizeof(name));
    if (rc == 0)
        rc = ne_open_read(r->ne, name, &r->obj);
    if (rc < 0) {
        LOG_ERR("object %s of a complete file cannot be read: %s", name,
                strerror(-rc));
        return rc == -ENOENT ? -EIO : rc;
    }
    r->objno = objno;
    return 0;
}

ssize_t sread_pread(struct sread *r, void *buf, size_t len, uint64_t off)
{
    char *p = buf;
    size_t done = 0;
    if (off >= r->tag.size)
        return 0;
    if (len > r->tag.size - off)
        len = (size_t)(r->tag.size - off);
    while (done < len) {
        uint64_t objno, objoff, avail;
        ftag_map(&r->tag, off + done, &objno, &objoff, &avail);
        size_t n = len - done < avail ? len - done : (size_t)avail;
        int rc = use_object(r, objno);
        if (rc < 0)
            return rc;
        ssize_t got = ne_pread(r->obj, p + done, n, objoff);
        if (got < 0)
            return got;
        if ((size_t)got != n) {
            LOG_ERR("object %s/%" PRIu64 " is shorter than its file's tag "
                    "says", r->tag.stream, objno);
            return -EIO;
        }
        char name[160];
        ftag_objname(r->tag.stream, objno, name, sizeof(name));
        note_damage(r, name);
        done += n;
    }
    return (ssize_t)done;
}

void sread_close(struct sread *r)
{
    if (r == NULL)
        return;
    if (r->obj != NULL)
        ne_close_read(r->obj);
    free(r);
}
