/*
 * recover_report.c - what marfs-recover prints (stdout, one line each):
 *
 *   complete PATH size=N uid=U gid=G mode=0MMM mtime=S.NNNNNNNNN crc=HEX
 *   incomplete|damaged|superseded PATH: reason
 *
 * and the per-repo summary line.  Paths are below mnt_top, as recorded.
 */
#include <stdio.h>

#include "recover.h"

const char *rc_state_str(enum rc_state s)
{
    switch (s) {
    case RC_COMPLETE: return "complete";
    case RC_INCOMPLETE: return "incomplete";
    case RC_DAMAGED: return "damaged";
    case RC_SUPERSEDED: return "superseded";
    }
    return "?";
}

void rc_print_file(const struct rc_file *f)
{
    if (f->state != RC_COMPLETE) {
        rc_print_problem(f);
        return;
    }
    printf("complete %s size=%llu uid=%u gid=%u mode=%04o mtime=%lld.%09ld "
           "crc=%016llx\n", f->path, (unsigned long long)f->size,
           (unsigned)f->uid, (unsigned)f->gid, f->mode & 07777,
           (long long)f->mtime_sec, f->mtime_nsec,
           (unsigned long long)f->crc);
}

void rc_print_problem(const struct rc_file *f)
{
    printf("%s %s: %s\n", rc_state_str(f->state), f->path, f->why);
}

void rc_print_summary(const struct rc_cat *cat, const struct rc_opts *o)
{
    size_t n[4] = {0};
    for (size_t i = 0; i < cat->nfiles; i++)
        n[cat->files[i].state]++;
    printf("repo %s: %zu objects (%zu bad, %zu foreign), %zu unlisted "
           "locations; %zu files: %zu complete, %zu incomplete, %zu damaged, "
           "%zu superseded\n", cat->repo->name, cat->nobj, cat->objs_bad,
           cat->objs_foreign, cat->locs_bad, cat->nfiles, n[RC_COMPLETE],
           n[RC_INCOMPLETE], n[RC_DAMAGED], n[RC_SUPERSEDED]);
    if (o->action == RC_CHECK)
        printf("repo %s: check: %zu difference(s) with the metadata tree\n",
               cat->repo->name, cat->differences);
    if (o->action == RC_REBUILD)
        printf("repo %s: %s %zu file(s) under %s\n", cat->repo->name,
               o->dry_run ? "would restore" : "restored", cat->written,
               o->dest);
}
