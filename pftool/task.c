/*
 * task.c - wire format of tasks and completions (see task.h).  Only the
 * stat fields the engine uses travel: type/mode, owner, link count, size,
 * device and inode (hard links), rdev (special files), blocks (sparse
 * files) and the times.
 */
#include "task.h"

#include <string.h>

static void stat_encode(struct pbuf *b, const struct stat *st)
{
    pbuf_u32(b, st->st_mode);
    pbuf_u32(b, st->st_uid);
    pbuf_u32(b, st->st_gid);
    pbuf_u64(b, st->st_nlink);
    pbuf_u64(b, (uint64_t)st->st_size);
    pbuf_u64(b, st->st_dev);
    pbuf_u64(b, st->st_ino);
    pbuf_u64(b, st->st_rdev);
    pbuf_u64(b, (uint64_t)st->st_blocks);
    pbuf_u64(b, (uint64_t)st->st_atim.tv_sec);
    pbuf_u32(b, (uint32_t)st->st_atim.tv_nsec);
    pbuf_u64(b, (uint64_t)st->st_mtim.tv_sec);
    pbuf_u32(b, (uint32_t)st->st_mtim.tv_nsec);
}

static void stat_decode(struct preader *r, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_mode = pget_u32(r);
    st->st_uid = pget_u32(r);
    st->st_gid = pget_u32(r);
    st->st_nlink = pget_u64(r);
    st->st_size = (off_t)pget_u64(r);
    st->st_dev = pget_u64(r);
    st->st_ino = pget_u64(r);
    st->st_rdev = pget_u64(r);
    st->st_blocks = (blkcnt_t)pget_u64(r);
    st->st_atim.tv_sec = (time_t)pget_u64(r);
    st->st_atim.tv_nsec = pget_u32(r);
    st->st_mtim.tv_sec = (time_t)pget_u64(r);
    st->st_mtim.tv_nsec = pget_u32(r);
}

void task_encode(struct pbuf *b, const struct pf_task *t)
{
    pbuf_u8(b, t->type);
    pbuf_u8(b, t->flags);
    pbuf_put(b, &t->root, sizeof(t->root));
    pbuf_u64(b, t->parent);
    pbuf_u64(b, t->id);
    pbuf_u64(b, t->off);
    pbuf_u64(b, t->len);
    stat_encode(b, &t->st);
    pbuf_str(b, t->rel);
    pbuf_str(b, t->link);
}

int task_decode(struct preader *r, struct pf_task *t)
{
    t->type = pget_u8(r);
    t->flags = pget_u8(r);
    const void *p = pget_bytes(r, sizeof(t->root));
    if (p)
        memcpy(&t->root, p, sizeof(t->root));
    t->parent = pget_u64(r);
    t->id = pget_u64(r);
    t->off = pget_u64(r);
    t->len = pget_u64(r);
    stat_decode(r, &t->st);
    t->rel = pget_str(r);
    t->link = pget_str(r);
    return r->bad ? -1 : 0;
}

void done_encode(struct pbuf *b, const struct pf_done *d)
{
    pbuf_u8(b, d->type);
    pbuf_u8(b, d->status);
    pbuf_u64(b, d->parent);
    pbuf_u64(b, d->id);
    if (d->type != T_BIGPREP)
        return;
    pbuf_u64(b, d->chunk);
    pbuf_u64(b, d->nchunks);
    size_t n = bitmap_bytes(d->nchunks);
    if (d->done_map)
        pbuf_put(b, d->done_map, n);
    else
        for (size_t i = 0; i < n; i++)
            pbuf_u8(b, 0);
}

int done_decode(struct preader *r, struct pf_done *d)
{
    memset(d, 0, sizeof(*d));
    d->type = pget_u8(r);
    d->status = pget_u8(r);
    d->parent = pget_u64(r);
    d->id = pget_u64(r);
    if (d->type == T_BIGPREP) {
        d->chunk = pget_u64(r);
        d->nchunks = pget_u64(r);
        d->done_map = pget_bytes(r, bitmap_bytes(d->nchunks));
    }
    return r->bad ? -1 : 0;
}
