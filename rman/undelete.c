/*
 * undelete.c - deleted files within the gc window: list them
 * (--list-deleted) and link one back to its old path or a new one
 * (--undelete), byte-exact.
 *
 * A deleted file is a reference-tree inode with one link whose tag is
 * complete and that gc has not expired; its path is the one its last
 * recovery record carries (the path it was created under: later renames
 * are not in the objects).  Before linking, every byte is read back and
 * its CRC compared with the tag's; the link and the usage change are one
 * step under the namespace's usage lock, and the run lock keeps gc away.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crc.h"
#include "files.h"
#include "log.h"
#include "quota.h"
#include "reftree.h"
#include "sread.h"
#include "actions.h"

static int deleted(const struct rm_file *f)
{
    return f->kind == RF_FILE && f->nlink == 1 && f->complete && !f->expired;
}

/* Every object of f still exists. */
static int objects_exist(struct rm_ns *ns, const struct rm_files *fs,
                         const struct rm_file *f)
{
    uint64_t lo, hi;
    file_obj_range(f, &lo, &hi);
    for (uint64_t k = lo; k <= hi; k++) {
        char name[200];
        struct ne_health h;
        if (rm_objname(fs, f->stream, k, name, sizeof(name)) < 0 ||
            ne_stat(ns->ne, name, &h) < 0)
            return 0;
    }
    return 1;
}

static void when(int64_t t, char *buf, size_t sz)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, sz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int rm_list_deleted(struct rm_ns *ns)
{
    struct rm_files fs = {0};
    int rc = files_walk(ns, &fs);
    ns->sum->files_examined += fs.n;
    for (size_t i = 0; rc == 0 && i < fs.n; i++) {
        const struct rm_file *f = &fs.f[i];
        struct obj_record rec;
        char t[32];
        if (!deleted(f) || !objects_exist(ns, &fs, f) ||
            rm_last_record(ns->ne, &fs, f, &rec) < 0)
            continue;
        when(f->ctime, t, sizeof(t));
        /* one line per file, tab-separated: stable for scripts */
        printf("%s\t%" PRIu64 "\t%s%s\tref=%s\n", t, f->size, ns->cfg->mnt_top,
               rec.path, f->ref);
    }
    files_free(&fs);
    return rc;
}

/* ---- undelete ------------------------------------------------------------- */

/* Read the whole file back and compare its CRC with the tag's. */
static int verify(struct rm_ns *ns, const struct rm_files *fs,
                  const struct rm_file *f)
{
    struct ftag t;
    struct sread *rd;
    files_ftag(fs, f, &t);
    int rc = sread_open(ns->ne, &t, &rd);
    if (rc < 0)
        return rc;
    static char buf[1 << 20];
    uint64_t crc = 0;
    for (uint64_t off = 0; rc == 0 && off < f->size;) {
        ssize_t n = sread_pread(rd, buf, sizeof(buf), off);
        if (n <= 0)
            rc = n < 0 ? (int)n : -EIO;
        else {
            crc = mcrc64_update(crc, buf, (size_t)n);
            off += (uint64_t)n;
        }
    }
    sread_close(rd);
    if (rc == 0 && f->has_crc && crc != f->crc)
        rc = -EBADMSG;
    return rc;
}

static int link_back(struct rm_ns *ns, const struct rm_file *f,
                     const char *rel, const char *shown)
{
    int pfd, rfd;
    char name[NAME_MAX + 1];
    int rc = mdal_open_parent(ns->md, rel, &pfd, name, sizeof(name));
    if (rc < 0) {
        rm_say(ns->o, "undelete %s: its directory %s", shown,
               rc == -ENOENT ? "does not exist (create it, or use --to)"
                             : strerror(-rc));
        return rc;
    }
    if (name[0] == '\0' || mdal_reserved_name(name)) {
        close(pfd);
        rm_say(ns->o, "undelete %s: not a name a file can have", shown);
        return -EINVAL;
    }
    rc = ref_dirfd(ns, f->ref, &rfd);
    if (rc == 0) {
        struct stat st;
        /* the link and the usage it adds: one step for unlink/replace */
        mdal_ns_lock(ns->md);
        if (fstatat(rfd, f->ref, &st, AT_SYMLINK_NOFOLLOW) != 0)
            rc = -errno;
        else if (st.st_nlink != 1)
            rc = -EBUSY;
        else if (linkat(rfd, f->ref, pfd, name, 0) != 0)
            rc = -errno;
        else
            quota_add(ns->md->quota, 1, (int64_t)f->size);
        mdal_ns_unlock(ns->md);
        close(rfd);
        quota_flush(ns->md->quota);
    }
    close(pfd);
    if (rc == -EEXIST)
        rm_say(ns->o, "undelete %s: a file of that name exists (remove it, or "
               "use --to NEWPATH)", shown);
    else if (rc < 0)
        rm_say(ns->o, "undelete %s: %s", shown, strerror(-rc));
    return rc;
}

/* The newest deleted version of path (or the one with ref name `ref`). */
static size_t find(struct rm_ns *ns, struct rm_files *fs, const char *mpath,
                   const char *ref, size_t *versions)
{
    size_t best = SIZE_MAX;
    *versions = 0;
    for (size_t i = 0; i < fs->n; i++) {
        const struct rm_file *f = &fs->f[i];
        struct obj_record rec;
        if (!deleted(f))
            continue;
        if (ref != NULL) {
            if (strcmp(f->ref, ref) != 0)
                continue;
        } else if (rm_last_record(ns->ne, fs, f, &rec) < 0 ||
                   strcmp(rec.path, mpath) != 0) {
            continue;
        }
        if (!objects_exist(ns, fs, f))
            continue;
        (*versions)++;
        if (best == SIZE_MAX || f->ctime > fs->f[best].ctime ||
            (f->ctime == fs->f[best].ctime &&
             f->ctime_ns > fs->f[best].ctime_ns))
            best = i;
    }
    return best;
}

int rm_undelete_one(struct rm_ns *ns, const char *arg, const char *mpath,
                    const char *ref, const char *rel)
{
    struct rm_files fs = {0};
    size_t versions;
    int rc = files_walk(ns, &fs);
    size_t i = rc == 0 ? find(ns, &fs, mpath, ref, &versions) : SIZE_MAX;
    if (rc == 0 && i == SIZE_MAX) {
        rm_say(ns->o, "undelete %s: no deleted file of this %s can be "
               "recovered: it was not deleted, or garbage collection has "
               "already freed it", arg, ref ? "reference" : "path");
        rc = -ENOENT;
    }
    const struct rm_file *f = i == SIZE_MAX ? NULL : &fs.f[i];
    if (rc == 0 && (rc = verify(ns, &fs, f)) < 0)
        rm_say(ns->o, "undelete %s: its data does not read back exact (%s); "
               "not restored", arg, strerror(-rc));
    if (rc == 0 && ns->o->dry_run)
        rm_act(ns->o, "undelete %s: would restore reference %s (%" PRIu64
               " bytes) as %s", arg, f->ref, f->size,
               ns->o->to ? ns->o->to : arg);
    else if (rc == 0 && (rc = link_back(ns, f, rel, arg)) == 0) {
        char t[32];
        when(f->ctime, t, sizeof(t));
        ns->sum->files_undeleted++;
        rm_say(ns->o, "undelete %s: restored as %s (%" PRIu64 " bytes, "
               "deleted %s%s)", arg, ns->o->to ? ns->o->to : arg, f->size, t,
               versions > 1 ? "; the newest of several deleted versions"
                            : "");
    }
    files_free(&fs);
    return rc;
}
