/*
 * classify.c - what garbage collection may do with one reference-tree
 * entry (enum rm_fate), from its link count, tag, age and writer.
 *
 * The age of a deleted file is the age of its inode's ctime: removing the
 * last user link changes it, and nothing changes it afterwards except
 * marfs-rman itself (which marks expired files and needs no age for
 * them).  An incomplete file is collected only when its writer is known
 * dead (same host) or has been silent for the writer grace period (another
 * host, or an N:1 file that any rank may still be writing).
 */
#include "files.h"

static int old_enough(int64_t now, int64_t t, int64_t age)
{
    return now - t >= age;
}

static enum rm_fate incomplete(const struct rm_files *fs,
                               const struct rm_file *f, int64_t now,
                               const struct rm_opts *o)
{
    int64_t last = f->ctime > f->marker_mtime ? f->ctime : f->marker_mtime;
    if (!old_enough(now, last, o->age))
        return FATE_WRITING;
    enum rm_writer w = rm_writer_state(strtab_get(fs->streams, f->stream));
    /* N:1: the stream's maker is one writer among many */
    if (f->nto1 && w == RW_DEAD)
        w = RW_UNKNOWN;
    if (w == RW_DEAD || (w == RW_UNKNOWN && old_enough(now, last, o->grace)))
        return FATE_COLLECT_W;
    return FATE_WRITING;
}

enum rm_fate rm_classify(const struct rm_files *fs, const struct rm_file *f,
                         int64_t now, const struct rm_opts *o)
{
    switch (f->kind) {
    case RF_BADTAG:
        return FATE_BAD;
    case RF_UNTAGGED:
        /* a create between its inode and its tag, or one that died there */
        if (f->nlink == 1 && old_enough(now, f->ctime, o->age) &&
            (rm_writer_state(f->ref) == RW_DEAD ||
             old_enough(now, f->ctime, o->grace)))
            return FATE_STRAY;
        return FATE_KEEP;
    case RF_RETIRED:
        return f->expired || old_enough(now, f->ctime, o->age)
                   ? FATE_COLLECT : FATE_YOUNG;
    default:
        break;
    }
    if (!f->complete)
        return incomplete(fs, f, now, o);
    if (f->nlink > 1)
        return FATE_LIVE;
    return f->expired || old_enough(now, f->ctime, o->age) ? FATE_COLLECT
                                                           : FATE_YOUNG;
}

const char *rm_fate_str(enum rm_fate fate)
{
    static const char *names[] = {"live", "writing", "young", "collect",
                                  "collect-incomplete", "stray", "keep",
                                  "bad-tag"};
    return names[fate];
}
