/*
 * objects.c - the objects a tag covers, how many of its bytes each holds,
 * what an object's blocks cost on disk, the recovery record after a
 * file's data, and the object set keyed by (stream, object number) that
 * gc, repack, scrub and rebuild build from a walk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "hash.h"

void file_obj_range(const struct rm_file *f, uint64_t *lo, uint64_t *hi)
{
    *lo = *hi = f->objno;
    if (!f->complete || f->size == 0)
        return;
    /* as ftag_map: with first = 0 no byte is in the first object */
    if (f->first == 0)
        *lo = f->objno + 1;
    if (f->size > f->first)
        *hi = f->objno + 1 + (f->size - f->first - 1) / f->chunk;
}

uint64_t file_bytes_in(const struct rm_file *f, uint64_t objno)
{
    if (objno < f->objno)
        return 0;
    if (objno == f->objno)
        return f->size < f->first ? f->size : f->first;
    if (f->size <= f->first)
        return 0;
    uint64_t rest = f->size - f->first;
    uint64_t k = objno - f->objno - 1;
    if (k > rest / f->chunk || k * f->chunk >= rest)
        return 0;
    return rest - k * f->chunk < f->chunk ? rest - k * f->chunk : f->chunk;
}

int rm_objname(const struct rm_files *fs, uint32_t stream, uint64_t objno,
               char *buf, size_t bufsz)
{
    return ftag_objname(strtab_get(fs->streams, stream), objno, buf, bufsz);
}

uint64_t rm_block_bytes(const struct ne_health *h, uint64_t psz)
{
    /* doc/block-format.md, "Block data" */
    uint64_t n = h->n, size = h->size;
    if (size == 0 || n == 0 || psz == 0)
        return 0;
    uint64_t stripe = n * psz;
    uint64_t nstripes = (size + stripe - 1) / stripe;
    uint64_t k = size - (nstripes - 1) * stripe;
    uint64_t t = k == stripe ? psz : ((k + n - 1) / n + 63) / 64 * 64;
    uint64_t block = (nstripes - 1) * (psz + 4) + t + 4;
    unsigned present = 0;
    for (unsigned b = 0; b < h->nblocks; b++)
        present += h->state[b] != NE_BLK_MISSING;
    return block * present;
}

int rm_last_record(ne_ctx_t *ne, const struct rm_files *fs,
                   const struct rm_file *f, struct obj_record *rec)
{
    char name[200], buf[OBJ_REC_MAX + 1];
    uint64_t objno = f->objno, at = f->off, avail;
    if (f->size > 0) {
        struct ftag t;
        files_ftag(fs, f, &t);
        ftag_map(&t, f->size - 1, &objno, &at, &avail);
        at++;
    }
    ne_read_t *h;
    int rc = rm_objname(fs, f->stream, objno, name, sizeof(name));
    if (rc == 0)
        rc = ne_open_read(ne, name, &h);
    if (rc < 0)
        return rc;
    ssize_t n = ne_pread(h, buf, OBJ_REC_MAX, at);
    ne_close_read(h);
    if (n < 0)
        return (int)n;
    buf[n] = '\0';
    /* the record runs to its fixed-width trailer "END %010d\n" */
    char *end = strstr(buf, "\nEND ");
    if (strncmp(buf, "MARFSREC 1\n", 11) != 0 || end == NULL)
        return -EINVAL;
    size_t len = (size_t)(end + 1 - buf) + OBJ_REC_TRAILER, reclen;
    if (len > (size_t)n || obj_record_trailer(buf, len, &reclen) < 0 ||
        reclen != len)
        return -EINVAL;
    return obj_record_decode(buf, len, rec);
}

/* ---- the object set ------------------------------------------------------- */

struct objmap {
    struct rm_obj *o;
    size_t n, cap;
    uint32_t *slot;     /* index + 1 */
    size_t nslots;
};

struct objmap *objmap_new(void)
{
    return calloc(1, sizeof(struct objmap));
}

void objmap_free(struct objmap *m)
{
    if (m == NULL)
        return;
    free(m->o);
    free(m->slot);
    free(m);
}

static size_t slot_of(const struct objmap *m, uint32_t stream, uint64_t objno)
{
    size_t mask = m->nslots - 1;
    for (size_t i = (size_t)mhash_mix64(objno * MHASH_GAMMA + stream) & mask;;
         i = (i + 1) & mask) {
        uint32_t v = m->slot[i];
        if (v == 0 || (m->o[v - 1].stream == stream &&
                       m->o[v - 1].objno == objno))
            return i;
    }
}

static int grow(struct objmap *m)
{
    size_t nslots = m->nslots ? m->nslots * 2 : 1024;
    uint32_t *old = m->slot;
    size_t oldn = m->nslots;
    if ((m->slot = calloc(nslots, sizeof(*m->slot))) == NULL) {
        m->slot = old;
        return -ENOMEM;
    }
    m->nslots = nslots;
    for (size_t i = 0; i < oldn; i++)
        if (old[i] != 0)
            m->slot[slot_of(m, m->o[old[i] - 1].stream,
                            m->o[old[i] - 1].objno)] = old[i];
    free(old);
    return 0;
}

struct rm_obj *objmap_find(const struct objmap *m, uint32_t stream,
                           uint64_t objno)
{
    if (m->nslots == 0)
        return NULL;
    uint32_t v = m->slot[slot_of(m, stream, objno)];
    return v == 0 ? NULL : &m->o[v - 1];
}

struct rm_obj *objmap_get(struct objmap *m, uint32_t stream, uint64_t objno)
{
    if ((m->n + 1) * 2 > m->nslots && grow(m) < 0)
        return NULL;
    size_t i = slot_of(m, stream, objno);
    if (m->slot[i] != 0)
        return &m->o[m->slot[i] - 1];
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        void *p = realloc(m->o, cap * sizeof(*m->o));
        if (p == NULL)
            return NULL;
        m->o = p;
        m->cap = cap;
    }
    struct rm_obj *o = &m->o[m->n];
    memset(o, 0, sizeof(*o));
    o->stream = stream;
    o->objno = objno;
    m->slot[i] = (uint32_t)++m->n;
    return o;
}

size_t objmap_count(const struct objmap *m)
{
    return m->n;
}

struct rm_obj *objmap_at(struct objmap *m, size_t i)
{
    return &m->o[i];
}

uint8_t *rm_fates(const struct rm_files *fs, int64_t now,
                  const struct rm_opts *o)
{
    uint8_t *fate = malloc(fs->n + 1);
    for (size_t i = 0; fate != NULL && i < fs->n; i++)
        fate[i] = (uint8_t)rm_classify(fs, &fs->f[i], now, o);
    return fate;
}

uint8_t *rm_pins(const struct rm_files *fs, const uint8_t *fate)
{
    uint8_t *pin = calloc(strtab_count(fs->streams) + 1, 1);
    for (size_t i = 0; pin != NULL && i < fs->n; i++)
        if ((fate[i] == FATE_WRITING || fate[i] == FATE_BAD) &&
            fs->f[i].stream != RM_NO_STREAM)
            pin[fs->f[i].stream] = 1;
    return pin;
}

int objmap_add_file(struct objmap *m, const struct rm_file *f,
                    enum rm_fate fate, int pinned)
{
    uint64_t lo, hi;
    if (f->stream == RM_NO_STREAM || f->kind == RF_BADTAG)
        return 0;
    file_obj_range(f, &lo, &hi);
    for (uint64_t k = lo; k <= hi; k++) {
        struct rm_obj *ob = objmap_get(m, f->stream, k);
        if (ob == NULL)
            return -ENOMEM;
        uint64_t b = f->complete ? file_bytes_in(f, k) : 0;
        ob->nfiles++;
        ob->pinned |= (uint8_t)pinned;
        switch (fate) {
        case FATE_LIVE:
            ob->live_bytes += b;
            ob->keep = 1;
            break;
        case FATE_YOUNG:
            ob->dead_bytes += b;
            ob->keep = 1;
            break;
        case FATE_COLLECT:
            ob->dead_bytes += b;
            ob->dead = 1;
            break;
        case FATE_COLLECT_W:
            ob->dead = 1;
            break;
        default:
            ob->keep = 1;
            break;
        }
    }
    return 0;
}

int objmap_from_files(struct objmap *m, const struct rm_files *fs,
                      const uint8_t *fate)
{
    uint8_t *pin = rm_pins(fs, fate);
    int rc = pin == NULL ? -ENOMEM : 0;
    for (size_t i = 0; rc == 0 && i < fs->n; i++) {
        const struct rm_file *f = &fs->f[i];
        if (f->stream != RM_NO_STREAM)
            rc = objmap_add_file(m, f, (enum rm_fate)fate[i], pin[f->stream]);
    }
    free(pin);
    return rc;
}
