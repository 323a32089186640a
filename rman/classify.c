/*
 * classify.c - what garbage collection may do with one reference-tree
 * entry (enum rm_fate), from its link count, tag, age and writer.
 *
 * The age of a deleted file is the age of its inode's ctime: removing the
 * last user link changes it, and nothing changes it afterwards except
 * marfs-rman itself (which marks expired files and needs no age for
 * them).  An incomplete file is collected only once it is older than both
 * the gc age and the writer grace period, and its writer is not seen
 * running on this host.  The process check can only protect a file, never
 * hasten its end: host ids are not reliably unique (containers, cloned
 * images), and an N:1 file may be written by ranks on any host.
 */
#include "files.h"

static int old_enough(int64_t now, int64_t t, int64_t age)
{
    return now - t >= age;
}

/* Old enough for the gc age and the writer grace, and no writer seen. */
static int abandoned(const char *id, int64_t now, int64_t last,
                     const struct rm_opts *o)
{
    return old_enough(now, last, o->age) && old_enough(now, last, o->grace) &&
           rm_writer_state(id) != RW_ALIVE;
}

static enum rm_fate incomplete(const struct rm_files *fs,
                               const struct rm_file *f, int64_t now,
                               const struct rm_opts *o)
{
    int64_t last = f->ctime > f->marker_mtime ? f->ctime : f->marker_mtime;
    return abandoned(strtab_get(fs->streams, f->stream), now, last, o)
               ? FATE_COLLECT_W : FATE_WRITING;
}

enum rm_fate rm_classify(const struct rm_files *fs, const struct rm_file *f,
                         int64_t now, const struct rm_opts *o)
{
    switch (f->kind) {
    case RF_BADTAG:
        return FATE_BAD;
    case RF_UNTAGGED:
        /* a create between its inode and its tag, or one that died there */
        if (f->nlink == 1 && abandoned(f->ref, now, f->ctime, o))
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
