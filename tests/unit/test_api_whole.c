/*
 * test_api_whole.c - whole files (marfs_creat_whole): nothing exists under
 * a file's name until the object holding its last byte is published; then
 * its inode appears in one step, complete and in its final state (owner,
 * mode, times, user xattrs set through the handle), replacing what was
 * there; done(arg, path, status) reports every file's outcome once.  Also
 * the stream's marker in the reference tree (an inode with no user link
 * and an st=writing tag naming the stream's first unpublished object),
 * which keeps the objects of a dead writer findable for gc.
 *
 * Every test builds its own scratch repo (4+2, 64 KiB parts, 1 MiB
 * chunks), so counts of objects and reference-tree entries are exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <dlfcn.h>

#include "api_test_util.h"
#include "objfmt.h"

/* fchown(2) interposer: how many times the library changed an owner. */
static int fchowns;

int fchown(int fd, uid_t uid, gid_t gid)
{
    static int (*real_fchown)(int, uid_t, gid_t);
    if (real_fchown == NULL)
        *(void **)&real_fchown = dlsym(RTLD_NEXT, "fchown");
    __atomic_add_fetch(&fchowns, 1, __ATOMIC_RELAXED);
    return real_fchown(fd, uid, gid);
}

static const struct at_cfg whole_cfg = {
    .children = "<ns name=\"q\"><quotas><files>1000</files><data>1G</data>"
                "</quotas></ns>",
};

static int setup(void **state)
{
    struct at_env *env = calloc(1, sizeof(*env));
    at_setup(env, &whole_cfg);
    *state = env;
    return 0;
}

static int setup_small(void **state)
{
    struct at_env *env = calloc(1, sizeof(*env));
    struct at_cfg c = whole_cfg;
    c.max_files = 4;
    at_setup(env, &c);
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    at_teardown(*state);
    free(*state);
    return 0;
}

/* ---- helpers --------------------------------------------------------- */

/* What done reported, in order. */
#define MAXDONE 32
struct done_log {
    unsigned n;
    char path[MAXDONE][256];
    int status[MAXDONE];
};

static void on_done(void *arg, const char *path, int status)
{
    struct done_log *log = arg;
    assert_true(log->n < MAXDONE);
    snprintf(log->path[log->n], sizeof(log->path[0]), "%s", path);
    log->status[log->n] = status;
    log->n++;
}

/* Exactly n outcomes came, every one a success. */
static void assert_all_done(const struct done_log *log, unsigned n)
{
    assert_int_equal(log->n, n);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(log->status[i], 0);
}

/* marfs_creat_whole (continuing prev's stream) + one marfs_write. */
static marfs_fh_t *whole_put(marfs_ctx_t *ctx, const char *path, mode_t mode,
                             const uint8_t *data, size_t len,
                             marfs_fh_t *prev, struct done_log *log)
{
    marfs_fh_t *fh = NULL;
    int rc = marfs_creat_whole(ctx, path, mode, prev, on_done, log, &fh);
    if (rc != 0)
        print_error("marfs_creat_whole(%s): %s\n", path, strerror(-rc));
    assert_int_equal(rc, 0);
    assert_non_null(fh);
    if (len > 0)
        assert_int_equal(marfs_write(fh, data, len), (ssize_t)len);
    return fh;
}

static void assert_absent(marfs_ctx_t *ctx, const char *path)
{
    struct stat st;
    int rc = marfs_lstat(ctx, path, &st);
    if (rc != -ENOENT)
        print_error("%s: lstat returned %d, want -ENOENT\n", path, rc);
    assert_int_equal(rc, -ENOENT);
}

static void obj_name(const struct ftag *t, uint64_t objno, char *buf,
                     size_t bufsz)
{
    snprintf(buf, bufsz, "%s/%" PRIu64, t->stream, objno);
}

/* A namespace directory entry beside tree/ ("ref", "usage"). */
static void ns_dir_path(struct at_env *env, const char *nspath,
                        const char *entry, char *buf, size_t bufsz)
{
    at_meta_path(env, nspath, "", buf, bufsz);
    char *t = strrchr(buf, '/');
    assert_non_null(t);
    assert_string_equal(t, "/tree");
    snprintf(t + 1, bufsz - (size_t)(t + 1 - buf), "%s", entry);
}

/* The inodes of a namespace's reference tree. */
struct refscan {
    unsigned files;          /* regular files */
    unsigned lone;           /* ... with one link (no user name) */
    unsigned two;            /* ... with two links */
    char lone_path[PATH_MAX];
};

static struct refscan *g_scan;

static int scan_one(const char *p, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)ftw;
    if (flag != FTW_F || !S_ISREG(st->st_mode))
        return 0;
    g_scan->files++;
    if (st->st_nlink == 1) {
        g_scan->lone++;
        snprintf(g_scan->lone_path, sizeof(g_scan->lone_path), "%s", p);
    } else if (st->st_nlink == 2) {
        g_scan->two++;
    }
    return 0;
}

static void scan_ref(struct at_env *env, const char *nspath,
                     struct refscan *rs)
{
    char root[PATH_MAX];
    memset(rs, 0, sizeof(*rs));
    ns_dir_path(env, nspath, "ref", root, sizeof(root));
    g_scan = rs;
    assert_int_equal(nftw(root, scan_one, 16, FTW_PHYS), 0);
    g_scan = NULL;
}

/* The one lone inode of the ref tree: the stream's marker. */
static void marker_tag(struct at_env *env, const char *nspath,
                       struct ftag *tag)
{
    struct refscan rs;
    char buf[FTAG_MAX + 1];
    scan_ref(env, nspath, &rs);
    if (rs.lone != 1)
        print_error("%u inodes without a user link in ref/, want 1\n",
                    rs.lone);
    assert_int_equal(rs.lone, 1);
    ssize_t n = at_raw_tag(rs.lone_path, buf, sizeof(buf));
    assert_int_equal(ftag_decode(buf, (size_t)n, tag), 0);
    /* its ref names itself */
    const char *base = strrchr(rs.lone_path, '/') + 1;
    assert_string_equal(tag->ref, base);
}

static void read_usage(struct at_env *env, const char *nspath,
                       uint64_t *files, uint64_t *bytes)
{
    char path[PATH_MAX], buf[128];
    /* a fresh context: the old one flushed its counters at term */
    assert_int_equal(marfs_term(env->ctx), 0);
    env->ctx = NULL;
    ns_dir_path(env, nspath, "usage", path, sizeof(path));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_int_equal(sscanf(buf, "files=%" SCNu64 " bytes=%" SCNu64, files,
                            bytes), 2);
    assert_int_equal(marfs_init(env->conf, MARFS_BATCH, &env->ctx), 0);
}

/* ---- 1. a chain of whole files ---------------------------------------- */

static void test_chain(void **state)
{
    struct at_env *env = *state;
    enum { NF = 5 };
    uint8_t *d[NF];
    size_t len[NF] = {1, 777, 0, 70000, 4096};   /* one spans parts */
    struct done_log log = {0};
    marfs_fh_t *fh = NULL;
    assert_int_equal(marfs_mkdir(env->ctx, at_p("/c"), 0755), 0);
    for (unsigned i = 0; i < NF; i++) {
        d[i] = at_data(len[i], 100 + i);
        fh = whole_put(env->ctx, at_p("/c/f%u", i), 0644, d[i], len[i], fh,
                       &log);
        /* nothing of the stream is published: no file, no outcome */
        for (unsigned j = 0; j <= i; j++)
            assert_absent(env->ctx, at_p("/c/f%u", j));
        assert_int_equal(log.n, 0);
        char names[8][NAME_MAX + 1];
        assert_int_equal(at_list(env->ctx, at_p("/c"), names, NULL, 8), 0);
    }
    /* the handle reports the file being written */
    struct stat st;
    assert_int_equal(marfs_fstat(fh, &st), 0);
    assert_int_equal(st.st_size, 4096);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(marfs_close(fh), 0);
    /* done ran once per file, in order, with its path and status 0 */
    assert_int_equal(log.n, NF);
    for (unsigned i = 0; i < NF; i++) {
        assert_string_equal(log.path[i], at_p("/c/f%u", i));
        assert_int_equal(log.status[i], 0);
    }
    struct ftag t0, prev = {0};
    at_tag(env, "/", "c/f0", &t0);
    for (unsigned i = 0; i < NF; i++) {
        char rel[32];
        struct ftag t;
        at_expect(env->ctx, at_p("/c/f%u", i), d[i], len[i]);
        snprintf(rel, sizeof(rel), "c/f%u", i);
        at_tag(env, "/", rel, &t);
        assert_int_equal(t.state, FTAG_COMPLETE);
        assert_int_equal(t.nto1, 0);
        assert_int_equal(t.size, len[i]);
        assert_true(t.has_crc);
        assert_true(t.crc == marfs_checksum_update(0, d[i], len[i]));
        assert_string_equal(t.stream, t0.stream);    /* one stream */
        assert_int_equal(t.objno, 0);
        assert_int_equal(t.n, 4);
        assert_int_equal(t.e, 2);
        assert_int_equal(t.psz, 65536);
        assert_int_equal(marfs_stat(env->ctx, at_p("/c/f%u", i), &st), 0);
        assert_int_equal(st.st_size, (off_t)len[i]);
        assert_int_equal(st.st_nlink, 1);
        /* packed in order: each begins after the previous piece and its
         * record */
        if (i == 0)
            assert_int_equal(t.off, 512);
        else
            assert_true(t.off > prev.off + len[i - 1]);
        prev = t;
    }
    /* one object holding five pieces */
    assert_int_equal(at_objects(env, t0.stream, NULL), 1);
    char obj[200];
    obj_name(&t0, 0, obj, sizeof(obj));
    assert_int_equal(at_check_object(env, obj), NF);
    char names[8][NAME_MAX + 1];
    assert_int_equal(at_list(env->ctx, at_p("/c"), names, NULL, 8), NF);
    for (unsigned i = 0; i < NF; i++)
        free(d[i]);
}

/* ---- 2. the final state ----------------------------------------------- */

static void test_final_state(void **state)
{
    struct at_env *env = *state;
    struct done_log log = {0};
    uint8_t *d = at_data(3000, 200);
    struct stat st;
    char buf[64];
    const struct timespec ts[2] = {{1000000000, 123456789},
                                   {1100000000, 987654321}};
    assert_int_equal(marfs_mkdir(env->ctx, at_p("/a"), 0755), 0);
    /* f1: owner, exact mode, times, xattrs, all set after the data (as a
     * copy tool does) */
    marfs_fh_t *fh = whole_put(env->ctx, at_p("/a/f1"), 0600, d, 3000, NULL,
                               &log);
    assert_int_equal(marfs_fchown(fh, 1234, 5678), 0);
    assert_int_equal(marfs_fchmod(fh, 0640), 0);
    assert_int_equal(marfs_futimens(fh, ts), 0);
    assert_int_equal(marfs_fsetxattr(fh, "user.a", "value-a", 7, 0), 0);
    assert_int_equal(marfs_fsetxattr(fh, "user.a", "x", 1, XATTR_CREATE),
                     -EEXIST);
    assert_int_equal(marfs_fsetxattr(fh, "user.b", "x", 1, XATTR_REPLACE),
                     -ENODATA);
    assert_int_equal(marfs_fsetxattr(fh, "user.e", "", 0, 0), 0);
    assert_int_equal(marfs_fsetxattr(fh, "user.marfs.x", "x", 1, 0), -EPERM);
    assert_int_equal(marfs_fsetxattr(fh, "user.marfs.tag", "x", 1, 0),
                     -EPERM);
    assert_int_equal(marfs_fsetxattr(fh, "trusted.x", "x", 1, 0),
                     -EOPNOTSUPP);
    const struct timespec bad[2] = {{0, UTIME_OMIT}, {5, 1000000000}};
    assert_int_equal(marfs_futimens(fh, bad), -EINVAL);
    /* the handle already shows what the file will be */
    assert_int_equal(marfs_fstat(fh, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(st.st_uid, 1234);
    assert_int_equal(st.st_gid, 5678);
    assert_int_equal(st.st_size, 3000);
    /* f2: a mode without owner write, and an xattr the library must set
     * before that mode applies */
    fh = whole_put(env->ctx, at_p("/a/f2"), 0644, d, 1000, fh, &log);
    assert_int_equal(marfs_fchmod(fh, 0444), 0);
    assert_int_equal(marfs_fsetxattr(fh, "user.r", "ro", 2, 0), 0);
    /* f3: nothing set: the umask (022) applies to 0666 */
    fh = whole_put(env->ctx, at_p("/a/f3"), 0666, d, 10, fh, &log);
    assert_int_equal(marfs_fstat(fh, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    /* f4: owner given halfway (-1 keeps the caller's) */
    fh = whole_put(env->ctx, at_p("/a/f4"), 0600, d, 20, fh, &log);
    assert_int_equal(marfs_fchown(fh, (uid_t)-1, 42), 0);
    assert_int_equal(marfs_close(fh), 0);
    assert_all_done(&log, 4);

    assert_int_equal(marfs_stat(env->ctx, at_p("/a/f1"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_uid, 1234);
    assert_int_equal(st.st_gid, 5678);
    assert_int_equal(st.st_size, 3000);
    assert_int_equal(st.st_atim.tv_sec, 1000000000);
    assert_int_equal(st.st_atim.tv_nsec, 123456789);
    assert_int_equal(st.st_mtim.tv_sec, 1100000000);
    assert_int_equal(st.st_mtim.tv_nsec, 987654321);
    assert_int_equal(marfs_getxattr(env->ctx, at_p("/a/f1"), "user.a", buf,
                                    sizeof(buf)), 7);
    assert_memory_equal(buf, "value-a", 7);
    assert_int_equal(marfs_getxattr(env->ctx, at_p("/a/f1"), "user.e", buf,
                                    sizeof(buf)), 0);
    assert_int_equal(marfs_getxattr(env->ctx, at_p("/a/f1"), "user.b", buf,
                                    sizeof(buf)), -ENODATA);
    assert_int_equal(marfs_listxattr(env->ctx, at_p("/a/f1"), buf,
                                     sizeof(buf)),
                     (ssize_t)(sizeof("user.a") + sizeof("user.e")));
    at_expect(env->ctx, at_p("/a/f1"), d, 3000);

    assert_int_equal(marfs_stat(env->ctx, at_p("/a/f2"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0444);
    assert_int_equal(st.st_uid, 0);
    assert_int_equal(st.st_gid, 0);
    assert_int_equal(marfs_getxattr(env->ctx, at_p("/a/f2"), "user.r", buf,
                                    sizeof(buf)), 2);
    assert_memory_equal(buf, "ro", 2);
    at_expect(env->ctx, at_p("/a/f2"), d, 1000);

    assert_int_equal(marfs_stat(env->ctx, at_p("/a/f3"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_true(st.st_mtim.tv_sec > 1600000000);
    assert_int_equal(marfs_listxattr(env->ctx, at_p("/a/f3"), buf,
                                     sizeof(buf)), 0);
    at_expect(env->ctx, at_p("/a/f3"), d, 10);

    assert_int_equal(marfs_stat(env->ctx, at_p("/a/f4"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_uid, 0);
    assert_int_equal(st.st_gid, 42);

    /* the recovery records carry the final path, owner, mode and mtime */
    struct ftag t;
    at_tag(env, "/", "a/f1", &t);
    char obj[200];
    obj_name(&t, 0, obj, sizeof(obj));
    static struct obj_record rec[8];
    assert_int_equal(at_records(env, obj, rec, 8), 4);
    assert_string_equal(rec[0].path, "/a/f1");
    assert_string_equal(rec[0].ref, t.ref);
    assert_int_equal(rec[0].uid, 1234);
    assert_int_equal(rec[0].gid, 5678);
    assert_int_equal(rec[0].mode, 0640);
    assert_int_equal(rec[0].mtime_sec, 1100000000);
    assert_int_equal(rec[0].mtime_nsec, 987654321);
    assert_true(rec[0].last);
    assert_int_equal(rec[0].size, 3000);
    assert_true(rec[0].fcrc == marfs_checksum_update(0, d, 3000));
    assert_string_equal(rec[1].path, "/a/f2");
    assert_int_equal(rec[1].uid, 0);
    assert_int_equal(rec[1].mode, 0444);
    assert_string_equal(rec[2].path, "/a/f3");
    assert_int_equal(rec[2].mode, 0644);
    assert_int_equal(rec[2].uid, 0);
    assert_int_equal(rec[2].gid, 0);
    assert_true(rec[2].mtime_sec > 1600000000);   /* the write time */
    assert_string_equal(rec[3].path, "/a/f4");
    assert_int_equal(rec[3].uid, 0);
    assert_int_equal(rec[3].gid, 42);
    assert_int_equal(rec[3].mode, 0600);
    free(d);
}

/* The group of a file in a setgid directory: the directory's unless the
 * caller gives one (the inode is then made in the reference tree, not
 * nameless in the directory: doc/metadata-format.md). */
static void test_setgid_dir(void **state)
{
    struct at_env *env = *state;
    struct done_log log = {0};
    uint8_t *d = at_data(500, 7);
    struct stat st;
    assert_int_equal(marfs_mkdir(env->ctx, at_p("/g"), 0755), 0);
    assert_int_equal(marfs_chown(env->ctx, at_p("/g"), (uid_t)-1, 4242), 0);
    assert_int_equal(marfs_chmod(env->ctx, at_p("/g"), 02775), 0);
    marfs_fh_t *fh = whole_put(env->ctx, at_p("/g/none"), 0644, d, 500, NULL,
                               &log);
    fh = whole_put(env->ctx, at_p("/g/uid"), 0644, d, 400, fh, &log);
    assert_int_equal(marfs_fchown(fh, 1234, (gid_t)-1), 0);
    fh = whole_put(env->ctx, at_p("/g/both"), 0644, d, 300, fh, &log);
    assert_int_equal(marfs_fchown(fh, 1234, 77), 0);
    fh = whole_put(env->ctx, at_p("/g/gid"), 0644, d, 200, fh, &log);
    assert_int_equal(marfs_fchown(fh, (uid_t)-1, 78), 0);
    assert_int_equal(marfs_close(fh), 0);
    assert_all_done(&log, 4);
    static const struct {
        const char *name;
        uid_t uid;
        gid_t gid;
        size_t len;
    } want[] = {{"none", 0, 4242, 500}, {"uid", 1234, 4242, 400},
                {"both", 1234, 77, 300}, {"gid", 0, 78, 200}};
    for (unsigned i = 0; i < 4; i++) {
        const char *p = at_p("/g/%s", want[i].name);
        assert_int_equal(marfs_stat(env->ctx, p, &st), 0);
        assert_int_equal(st.st_uid, want[i].uid);
        assert_int_equal(st.st_gid, want[i].gid);
        assert_int_equal(st.st_mode & 07777, 0644);
        assert_int_equal(st.st_size, (off_t)want[i].len);
        at_expect(env->ctx, p, d, want[i].len);
        struct ftag t;
        at_tag(env, "/", p + strlen(AT_MNT "/"), &t);
        assert_int_equal(t.state, FTAG_COMPLETE);
        assert_int_equal(t.size, want[i].len);
    }
    free(d);
}

/* An owner given through the handle that the new inode has anyway (a
 * copy of one's own files, or of root's as root) costs no chown; another
 * one (root only) is set, and a set-id mode survives either way. */
static void test_owner_kept(void **state)
{
    struct at_env *env = *state;
    struct done_log log = {0};
    uint8_t *d = at_data(700, 9);
    struct stat st;
    uid_t me = geteuid();
    gid_t grp = getegid();
    assert_int_equal(marfs_mkdir(env->ctx, at_p("/o"), 0755), 0);
    fchowns = 0;
    marfs_fh_t *fh = whole_put(env->ctx, at_p("/o/mine"), 0755, d, 700, NULL,
                               &log);
    assert_int_equal(marfs_fchown(fh, me, grp), 0);
    assert_int_equal(marfs_fchmod(fh, 04755), 0);
    int other = me == 0;
    if (other) {
        fh = whole_put(env->ctx, at_p("/o/theirs"), 0755, d, 600, fh, &log);
        assert_int_equal(marfs_fchown(fh, 1234, 5678), 0);
        assert_int_equal(marfs_fchmod(fh, 02755), 0);
    }
    assert_int_equal(marfs_close(fh), 0);
    assert_all_done(&log, 1 + (unsigned)other);
    assert_int_equal(fchowns, other);
    assert_int_equal(marfs_stat(env->ctx, at_p("/o/mine"), &st), 0);
    assert_int_equal(st.st_uid, me);
    assert_int_equal(st.st_gid, grp);
    assert_int_equal(st.st_mode & 07777, 04755);
    at_expect(env->ctx, at_p("/o/mine"), d, 700);
    if (other) {
        assert_int_equal(marfs_stat(env->ctx, at_p("/o/theirs"), &st), 0);
        assert_int_equal(st.st_uid, 1234);
        assert_int_equal(st.st_gid, 5678);
        assert_int_equal(st.st_mode & 07777, 02755);
        at_expect(env->ctx, at_p("/o/theirs"), d, 600);
    }
    free(d);
}

/* ---- 3. replacing a file -------------------------------------------- */

static void test_replace(void **state)
{
    struct at_env *env = *state;
    struct done_log log = {0};
    uint8_t *d1 = at_data(5000, 300), *d2 = at_data(3000, 301);
    struct statvfs sv;
    char ref[PATH_MAX];
    at_write(env->ctx, at_p("/q/f"), d1, 5000);
    struct ftag old;
    at_tag(env, "/q", "f", &old);
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/q"), &sv), 0);
    assert_int_equal(sv.f_files, 1000);
    assert_int_equal(sv.f_ffree, 999);
    assert_int_equal(sv.f_blocks - sv.f_bfree, 2);       /* 5000 bytes */
    marfs_fh_t *fh = whole_put(env->ctx, at_p("/q/f"), 0644, d2, 3000, NULL,
                               &log);
    /* until publication the old file is there, and counts alone */
    at_expect(env->ctx, at_p("/q/f"), d1, 5000);
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/q"), &sv), 0);
    assert_int_equal(sv.f_ffree, 999);
    assert_int_equal(sv.f_blocks - sv.f_bfree, 2);
    assert_int_equal(marfs_close(fh), 0);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.status[0], 0);
    assert_string_equal(log.path[0], at_p("/q/f"));
    at_expect(env->ctx, at_p("/q/f"), d2, 3000);
    struct ftag t;
    at_tag(env, "/q", "f", &t);
    assert_string_not_equal(t.ref, old.ref);
    /* the old inode stays in ref/ for gc, without a user name */
    at_ref_path(env, "/q", old.ref, ref, sizeof(ref));
    struct stat st;
    assert_int_equal(lstat(ref, &st), 0);
    assert_int_equal(st.st_nlink, 1);
    at_ref_path(env, "/q", t.ref, ref, sizeof(ref));
    assert_int_equal(lstat(ref, &st), 0);
    assert_int_equal(st.st_nlink, 2);
    /* one file, of the new size */
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/q"), &sv), 0);
    assert_int_equal(sv.f_ffree, 999);
    assert_int_equal(sv.f_blocks - sv.f_bfree, 1);       /* 3000 bytes */
    char names[4][NAME_MAX + 1];
    assert_int_equal(at_list(env->ctx, at_p("/q"), names, NULL, 4), 1);
    assert_string_equal(names[0], "f");
    /* no temporary is left beside it */
    char meta[PATH_MAX];
    at_meta_path(env, "/q", "", meta, sizeof(meta));
    DIR *dp = opendir(meta);
    assert_non_null(dp);
    struct dirent *e;
    unsigned n = 0;
    while ((e = readdir(dp)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(dp);
    assert_int_equal(n, 1);
    /* a new whole file counts from publication */
    fh = whole_put(env->ctx, at_p("/q/g"), 0644, d1, 100, NULL, &log);
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/q"), &sv), 0);
    assert_int_equal(sv.f_ffree, 999);
    assert_int_equal(marfs_close(fh), 0);
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/q"), &sv), 0);
    assert_int_equal(sv.f_ffree, 998);
    /* one name written twice in one stream (one object): the second
     * replaces the first at the same publication */
    fh = whole_put(env->ctx, at_p("/q/h"), 0644, d1, 700, NULL, &log);
    fh = whole_put(env->ctx, at_p("/q/h"), 0644, d2, 800, fh, &log);
    assert_absent(env->ctx, at_p("/q/h"));
    assert_int_equal(marfs_close(fh), 0);
    assert_int_equal(log.n, 4);
    assert_string_equal(log.path[2], at_p("/q/h"));
    assert_int_equal(log.status[2], 0);
    assert_string_equal(log.path[3], at_p("/q/h"));
    assert_int_equal(log.status[3], 0);
    at_expect(env->ctx, at_p("/q/h"), d2, 800);
    struct refscan rs;
    scan_ref(env, "/q", &rs);
    assert_int_equal(rs.files, 5);      /* f (old, new), g, h (1st, 2nd) */
    assert_int_equal(rs.two, 3);
    assert_int_equal(rs.lone, 2);
    uint64_t files, bytes;
    read_usage(env, "/q", &files, &bytes);
    assert_int_equal(files, 3);
    assert_int_equal(bytes, 3900);
    free(d1);
    free(d2);
}

/* ---- 4. errors at creation ------------------------------------------ */

static void test_creat_errors(void **state)
{
    struct at_env *env = *state;
    struct done_log log = {0};
    marfs_fh_t *fh = NULL;
    uint8_t d[100];
    at_fill(d, sizeof(d), 400);
    assert_int_equal(marfs_creat_whole(env->ctx, at_p("/nodir/x"), 0644,
                                       NULL, on_done, &log, &fh), -ENOENT);
    assert_int_equal(marfs_creat_whole(env->ctx, at_p("/q"), 0644, NULL,
                                       on_done, &log, &fh), -EISDIR);
    assert_int_equal(marfs_creat_whole(env->ctx, AT_MNT, 0644, NULL,
                                       on_done, &log, &fh), -EISDIR);
    assert_int_equal(marfs_creat_whole(env->ctx, at_p("/.marfs-x"), 0644,
                                       NULL, on_done, &log, &fh), -EPERM);
    assert_int_equal(marfs_creat_whole(env->ctx, "/elsewhere/x", 0644, NULL,
                                       on_done, &log, &fh), -EINVAL);
    at_write(env->ctx, at_p("/plain"), d, 4);
    assert_int_equal(marfs_creat_whole(env->ctx, at_p("/plain/x"), 0644,
                                       NULL, on_done, &log, &fh), -ENOTDIR);
    assert_int_equal(log.n, 0);
    /* N:1 is refused; the handle goes on as a whole file */
    fh = whole_put(env->ctx, at_p("/w"), 0644, d, 0, NULL, &log);
    assert_int_equal(marfs_set_size(fh, 100), -EINVAL);
    assert_int_equal(marfs_write(fh, d, 100), 100);
    assert_int_equal(marfs_set_size(fh, 100), -EINVAL);
    /* a failed creat still closes prev: its file is published */
    marfs_fh_t *fh2 = NULL;
    assert_int_equal(marfs_creat_whole(env->ctx, at_p("/nodir/y"), 0644, fh,
                                       on_done, &log, &fh2), -ENOENT);
    assert_null(fh2);
    assert_int_equal(log.n, 1);
    assert_string_equal(log.path[0], at_p("/w"));
    assert_int_equal(log.status[0], 0);
    at_expect(env->ctx, at_p("/w"), d, 100);
    /* ... also when it fails before taking prev's stream */
    fh = whole_put(env->ctx, at_p("/w2"), 0644, d, 50, NULL, &log);
    assert_int_equal(marfs_creat_whole(env->ctx, at_p("/.marfs-y"), 0644, fh,
                                       on_done, &log, &fh2), -EPERM);
    assert_int_equal(log.n, 2);
    assert_string_equal(log.path[1], at_p("/w2"));
    assert_int_equal(log.status[1], 0);
    at_expect(env->ctx, at_p("/w2"), d, 50);
    /* over a directory: known only at publication, through done; the
     * directory stays */
    assert_int_equal(marfs_mkdir(env->ctx, at_p("/dir"), 0755), 0);
    fh = whole_put(env->ctx, at_p("/dir"), 0644, d, 10, NULL, &log);
    assert_int_equal(marfs_close(fh), 0);
    assert_int_equal(log.n, 3);
    assert_string_equal(log.path[2], at_p("/dir"));
    assert_int_equal(log.status[2], -EISDIR);
    struct stat st;
    assert_int_equal(marfs_stat(env->ctx, at_p("/dir"), &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    /* no nameless inode was left in ref/ except that stream's marker */
    struct refscan rs;
    scan_ref(env, "/", &rs);
    assert_int_equal(rs.lone, 1);
    assert_int_equal(rs.two, 3);        /* plain, w, w2 */
    assert_int_equal(rs.files, 4);
}

/* ---- 5. the directory goes away before publication ------------------- */

static void test_dir_removed(void **state)
{
    struct at_env *env = *state;
    struct done_log log = {0};
    uint8_t *d = at_data(2000, 500);
    assert_int_equal(marfs_mkdir(env->ctx, at_p("/gone"), 0755), 0);
    marfs_fh_t *fh = whole_put(env->ctx, at_p("/gone/a"), 0644, d, 2000,
                               NULL, &log);
    fh = whole_put(env->ctx, at_p("/kept"), 0644, d, 500, fh, &log);
    /* nothing is in the directory yet: it can be removed */
    assert_int_equal(marfs_rmdir(env->ctx, at_p("/gone")), 0);
    /* marfs_close returns 0: the data was stored; the file that could not
     * be made is reported through done only */
    assert_int_equal(marfs_close(fh), 0);
    assert_int_equal(log.n, 2);
    assert_string_equal(log.path[0], at_p("/gone/a"));
    assert_int_equal(log.status[0], -ENOENT);
    assert_string_equal(log.path[1], at_p("/kept"));
    assert_int_equal(log.status[1], 0);
    at_expect(env->ctx, at_p("/kept"), d, 500);
    /* no file anywhere: not the name, not a directory made for it */
    struct stat st;
    assert_absent(env->ctx, at_p("/gone"));
    assert_absent(env->ctx, at_p("/gone/a"));
    char names[4][NAME_MAX + 1];
    assert_int_equal(at_list(env->ctx, AT_MNT, names, NULL, 4), 2);
    assert_string_equal(names[0], "kept");
    assert_string_equal(names[1], "q");
    /* ref/ holds /kept and the marker, kept for gc: /gone/a's data is
     * in the stream's object with no other name */
    struct refscan rs;
    scan_ref(env, "/", &rs);
    assert_int_equal(rs.files, 2);
    assert_int_equal(rs.two, 1);
    struct ftag m, t;
    marker_tag(env, "/", &m);
    at_tag(env, "/", "kept", &t);
    assert_int_equal(m.state, FTAG_WRITING);
    assert_string_equal(m.stream, t.stream);
    assert_int_equal(m.objno, 0);
    assert_int_equal(m.off, 512);
    /* and usage counts /kept only */
    assert_int_equal(marfs_stat(env->ctx, at_p("/kept"), &st), 0);
    uint64_t files, bytes;
    read_usage(env, "/", &files, &bytes);
    assert_int_equal(files, 1);
    assert_int_equal(bytes, 500);
    free(d);
}

/* ---- 6. the stream's marker ------------------------------------------ */

static void test_marker(void **state)
{
    struct at_env *env = *state;
    struct done_log log = {0};
    struct refscan rs;
    struct ftag m, m2, t;
    uint8_t *d = at_data(1000, 600);
    marfs_fh_t *fh = NULL;
    /* before anything is written, the marker names where the stream's
     * first file will begin */
    assert_int_equal(marfs_creat_whole(env->ctx, at_p("/m0"), 0644, NULL,
                                       on_done, &log, &fh), 0);
    scan_ref(env, "/", &rs);
    assert_int_equal(rs.files, 1);
    marker_tag(env, "/", &m);
    assert_int_equal(m.state, FTAG_WRITING);
    assert_int_equal(m.nto1, 0);
    assert_int_equal(m.objno, 0);
    assert_int_equal(m.off, 512);
    assert_int_equal(m.size, 0);
    assert_false(m.has_crc);
    assert_int_equal(m.n, 4);
    assert_int_equal(m.e, 2);
    assert_int_equal(m.psz, 65536);
    assert_int_equal(marfs_write(fh, d, 1000), 1000);
    for (unsigned i = 1; i < 3; i++) {
        fh = whole_put(env->ctx, at_p("/m%u", i), 0644, d, 100 * i, fh,
                       &log);
        /* still one marker, the same one, naming the same place */
        scan_ref(env, "/", &rs);
        assert_int_equal(rs.files, 1);
        marker_tag(env, "/", &m2);
        assert_string_equal(m2.ref, m.ref);
        assert_string_equal(m2.stream, m.stream);
        assert_int_equal(m2.objno, 0);
    }
    assert_int_equal(marfs_close(fh), 0);
    assert_int_equal(log.n, 3);
    /* the marker named the files' stream; now it is gone and every ref
     * entry has its user name */
    at_tag(env, "/", "m0", &t);
    assert_string_equal(t.stream, m.stream);
    assert_int_equal(t.objno, m.objno);
    assert_int_equal(t.off, m.off);
    scan_ref(env, "/", &rs);
    assert_int_equal(rs.files, 3);
    assert_int_equal(rs.two, 3);
    assert_int_equal(rs.lone, 0);
    char mpath[PATH_MAX];
    at_ref_path(env, "/", m.ref, mpath, sizeof(mpath));
    assert_int_equal(access(mpath, F_OK) == 0 ? 0 : errno, ENOENT);

    /* an aborted whole file: the stream's other files are published, the
     * aborted one never appears (and done is not called for it), and the
     * marker stays for gc */
    log.n = 0;
    fh = whole_put(env->ctx, at_p("/k"), 0644, d, 300, NULL, &log);
    marker_tag(env, "/", &m);
    fh = whole_put(env->ctx, at_p("/ab"), 0644, d, 400, fh, &log);
    assert_int_equal(marfs_abort(fh), 0);
    assert_int_equal(log.n, 1);
    assert_string_equal(log.path[0], at_p("/k"));
    assert_int_equal(log.status[0], 0);
    at_expect(env->ctx, at_p("/k"), d, 300);
    assert_absent(env->ctx, at_p("/ab"));
    scan_ref(env, "/", &rs);
    assert_int_equal(rs.files, 5);       /* m0..m2, k, the marker */
    assert_int_equal(rs.two, 4);
    marker_tag(env, "/", &m2);
    assert_string_equal(m2.ref, m.ref);
    assert_int_equal(m2.state, FTAG_WRITING);
    at_tag(env, "/", "k", &t);
    assert_string_equal(m2.stream, t.stream);
    assert_int_equal(m2.objno, 0);
    /* both pieces are in the object; the records still name /ab, which
     * only gc (through the marker) will account for */
    char obj[200];
    obj_name(&t, 0, obj, sizeof(obj));
    assert_int_equal(at_check_object(env, obj), 2);

    /* abort of the only file of a stream: nothing was published, the
     * marker stays too */
    log.n = 0;
    fh = whole_put(env->ctx, at_p("/ab2"), 0644, d, 10, NULL, &log);
    assert_int_equal(marfs_abort(fh), 0);
    assert_int_equal(log.n, 0);
    assert_absent(env->ctx, at_p("/ab2"));
    scan_ref(env, "/", &rs);
    assert_int_equal(rs.files, 6);
    assert_int_equal(rs.lone, 2);
    free(d);
}

/* The marker moves to the object where a whole file begins once every
 * earlier whole file of the stream is published (here: a plain file
 * between them filled the first object). */
static void test_marker_moves(void **state)
{
    struct at_env *env = *state;
    struct done_log log = {0};
    enum { BIG = 3 << 19 };                 /* 1.5 MiB: two objects */
    uint8_t *d = at_data(BIG, 650);
    struct ftag m, t;
    marfs_fh_t *fh = whole_put(env->ctx, at_p("/a"), 0644, d, 1000, NULL,
                               &log);
    marker_tag(env, "/", &m);
    assert_int_equal(m.objno, 0);
    assert_int_equal(m.off, 512);
    fh = at_put(env->ctx, at_p("/b"), d, BIG, 65536, fh);
    /* /b's writes filled object 0: /a was published inside them, and
     * made by the publisher thread by the time fsync returns */
    assert_int_equal(marfs_fsync(fh), 0);
    assert_int_equal(log.n, 1);
    assert_string_equal(log.path[0], at_p("/a"));
    assert_int_equal(log.status[0], 0);
    at_expect(env->ctx, at_p("/a"), d, 1000);
    marker_tag(env, "/", &m);
    assert_int_equal(m.objno, 0);
    fh = whole_put(env->ctx, at_p("/c"), 0644, d + 5, 2000, fh, &log);
    marker_tag(env, "/", &m);
    assert_int_equal(m.state, FTAG_WRITING);
    assert_int_equal(m.objno, 1);
    assert_absent(env->ctx, at_p("/c"));
    assert_int_equal(marfs_close(fh), 0);
    assert_int_equal(log.n, 2);
    assert_string_equal(log.path[1], at_p("/c"));
    assert_int_equal(log.status[1], 0);
    at_expect(env->ctx, at_p("/b"), d, BIG);
    at_expect(env->ctx, at_p("/c"), d + 5, 2000);
    at_tag(env, "/", "c", &t);
    assert_string_equal(t.stream, m.stream);
    assert_int_equal(t.objno, 1);
    /* a marker names an object, from its start (gc reads no more) */
    assert_int_equal(m.off, 512);
    assert_int_equal(m.first, m.chunk);
    struct refscan rs;
    scan_ref(env, "/", &rs);
    assert_int_equal(rs.files, 3);
    assert_int_equal(rs.two, 3);
    assert_int_equal(at_objects(env, t.stream, NULL), 2);
    free(d);
}

/* The stream's object cannot be stored: nothing appears, and every
 * whole file of the stream hears done(-EIO) -- also one that never wrote
 * a byte (it begins only when it ends) and was passed on as prev, so no
 * call returns its error to anyone. */
static void test_store_fails(void **state)
{
    struct at_env *env = *state;
    struct done_log log = {0};
    char pod[PATH_MAX], off[PATH_MAX];
    uint8_t d[10];
    at_fill(d, sizeof(d), 660);
    marfs_fh_t *fh = NULL, *fy = NULL;
    for (unsigned i = 0; i < 4; i++)      /* object 0, full */
        fh = whole_put(env->ctx, at_p("/o%u", i), 0644, d, 10, fh, &log);
    /* the block directories vanish: object 0 cannot be published */
    snprintf(pod, sizeof(pod), "%s/data/pod0", env->dir);
    snprintf(off, sizeof(off), "%s/data/pod0.off", env->dir);
    assert_int_equal(rename(pod, off), 0);
    fh = whole_put(env->ctx, at_p("/z"), 0644, d, 0, fh, &log);
    assert_int_equal(log.n, 0);
    /* ending /z begins it: object 0 is closed first, and fails */
    assert_int_equal(marfs_creat_whole(env->ctx, at_p("/y"), 0644, fh,
                                       on_done, &log, &fy), 0);
    assert_true(log.n >= 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_string_equal(log.path[i], at_p("/o%u", i));
        assert_int_equal(log.status[i], -EIO);
    }
    /* the stream is broken: /y cannot begin either */
    assert_int_equal(marfs_close(fy), -EIO);
    assert_int_equal(rename(off, pod), 0);
    for (unsigned i = 0; i < 4; i++)
        assert_absent(env->ctx, at_p("/o%u", i));
    assert_absent(env->ctx, at_p("/z"));
    assert_absent(env->ctx, at_p("/y"));
    assert_int_equal(at_objects(env, NULL, NULL), 0);
    /* the marker stays: gc frees what the failed object left */
    struct ftag m;
    marker_tag(env, "/", &m);
    assert_int_equal(m.state, FTAG_WRITING);
    assert_int_equal(m.objno, 0);
    struct refscan rs;
    scan_ref(env, "/", &rs);
    assert_int_equal(rs.files, 1);
    /* every file heard its outcome once */
    assert_int_equal(log.n, 6);
    assert_string_equal(log.path[4], at_p("/z"));
    assert_int_equal(log.status[4], -EIO);
    assert_string_equal(log.path[5], at_p("/y"));
    assert_int_equal(log.status[5], -EIO);
}

/* ---- 7. files appear object by object -------------------------------- */

static void test_objects(void **state)
{
    struct at_env *env = *state;
    enum { NF = 10 };
    struct done_log log = {0};
    uint8_t *d[NF];
    marfs_fh_t *fh = NULL;
    for (unsigned i = 0; i < NF; i++) {
        d[i] = at_data(100 + i, 700 + i);
        fh = whole_put(env->ctx, at_p("/o%u", i), 0644, d[i], 100 + i, fh,
                       &log);
        /* file i's first write began its object: every file of the
         * objects before it is published; fsync waits for the publisher
         * thread to make them and runs their done */
        assert_int_equal(marfs_fsync(fh), 0);
        unsigned published = i / 4 * 4;
        assert_int_equal(log.n, published);
        for (unsigned j = 0; j < published; j++) {
            assert_string_equal(log.path[j], at_p("/o%u", j));
            assert_int_equal(log.status[j], 0);
            at_expect(env->ctx, at_p("/o%u", j), d[j], 100 + j);
        }
        for (unsigned j = published; j <= i; j++)
            assert_absent(env->ctx, at_p("/o%u", j));
        /* the marker names the first unpublished file's object: it
         * moved on as each object was published and its files named */
        struct ftag m;
        marker_tag(env, "/", &m);
        assert_int_equal(m.state, FTAG_WRITING);
        assert_int_equal(m.objno, published / 4);
    }
    assert_int_equal(marfs_close(fh), 0);
    assert_int_equal(log.n, NF);
    struct ftag t0;
    at_tag(env, "/", "o0", &t0);
    for (unsigned i = 0; i < NF; i++) {
        char rel[16];
        struct ftag t;
        assert_string_equal(log.path[i], at_p("/o%u", i));
        assert_int_equal(log.status[i], 0);
        at_expect(env->ctx, at_p("/o%u", i), d[i], 100 + i);
        snprintf(rel, sizeof(rel), "o%u", i);
        at_tag(env, "/", rel, &t);
        assert_string_equal(t.stream, t0.stream);
        assert_int_equal(t.objno, i / 4);
        free(d[i]);
    }
    char **names = NULL;
    assert_int_equal(at_objects(env, t0.stream, &names), 3);
    for (unsigned k = 0; k < 3; k++) {
        char want[200];
        obj_name(&t0, k, want, sizeof(want));
        assert_string_equal(names[k], want);
        assert_int_equal(at_check_object(env, want), k < 2 ? 4 : 2);
    }
    at_free_names(names, 3);
    struct refscan rs;
    scan_ref(env, "/", &rs);
    assert_int_equal(rs.files, NF);
    assert_int_equal(rs.two, NF);
}

int main(void)
{
    /* the mode tests expect it; whole files read it once per process */
    umask(022);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_final_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setgid_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_creat_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_marker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_marker_moves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objects, setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_store_fails, setup_small,
                                        teardown),
    };
    return cmocka_run_group_tests_name("api_whole", tests, NULL, NULL);
}
