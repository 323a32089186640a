/*
 * test_dal_posix.c - unit tests of the posix DAL: verify/fix, write and
 * read back with meta, atomic publishing (temporaries invisible, abort
 * leaves nothing), name escaping, missing and corrupt blocks, del/list,
 * O_DIRECT (used where available, refused -> buffered fallback), several
 * threads, and that errors name the path or object.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>

#include "dal_test.h"

/* ---- openat(2) interposer: count O_DIRECT opens, refuse O_DIRECT below
 * a prefix the way tmpfs on older kernels does (the DAL opens blocks
 * relative to its data root's fd) ---------------------------------------- */

static char no_direct_prefix[PATH_MAX];
static int direct_opens;   /* O_DIRECT opens that succeeded */
static int direct_tries;   /* opens that asked for O_DIRECT */

/* Is dirfd/path below no_direct_prefix? */
static int below_prefix(int dirfd, const char *path)
{
    char full[PATH_MAX], link[64];
    ssize_t n = 0;
    if (path[0] != '/' && dirfd != AT_FDCWD) {
        snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
        n = readlink(link, full, sizeof(full) - 1);
        if (n < 0)
            return 0;
    }
    snprintf(full + n, sizeof(full) - (size_t)n, "%s%s", n ? "/" : "", path);
    return strncmp(full, no_direct_prefix, strlen(no_direct_prefix)) == 0;
}

int openat(int dirfd, const char *path, int flags, ...)
{
    static int (*real_openat)(int, const char *, int, ...);
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if (real_openat == NULL)
        *(void **)&real_openat = dlsym(RTLD_NEXT, "openat");
    if (flags & O_DIRECT)
        __atomic_add_fetch(&direct_tries, 1, __ATOMIC_RELAXED);
    if ((flags & O_DIRECT) && no_direct_prefix[0] != '\0' &&
        below_prefix(dirfd, path)) {
        errno = EINVAL;
        return -1;
    }
    int fd = real_openat(dirfd, path, flags, mode);
    if (fd >= 0 && (flags & O_DIRECT))
        __atomic_add_fetch(&direct_opens, 1, __ATOMIC_RELAXED);
    return fd;
}

/* write(2) interposer: with refuse_direct_writes, a file system that
 * takes O_DIRECT at open and refuses the writes (EINVAL) */
static int refuse_direct_writes;
static int refused_writes;
static int direct_writes;   /* writes on a descriptor with O_DIRECT */

ssize_t write(int fd, const void *buf, size_t len)
{
    static ssize_t (*real_write)(int, const void *, size_t);
    if (real_write == NULL)
        *(void **)&real_write = dlsym(RTLD_NEXT, "write");
    if (fcntl(fd, F_GETFL) & O_DIRECT) {
        if (refuse_direct_writes) {
            __atomic_add_fetch(&refused_writes, 1, __ATOMIC_RELAXED);
            errno = EINVAL;
            return -1;
        }
        __atomic_add_fetch(&direct_writes, 1, __ATOMIC_RELAXED);
    }
    return real_write(fd, buf, len);
}

/* ---- fixture: 2+1 blocks, 1 pod, 2 caps, 2 scatters ------------------- */

struct fix {
    char root[128];
    struct dt_repo r;
    struct dt_dal d;
    dal_t *dal;
};

static const struct dal_loc L0 = {0, 0, 0, 0};
static const struct dal_loc L1 = {0, 2, 1, 1};

/* odirect: the parameter's value, or NULL for the default (writes) */
static int make_dal(struct fix *f, const char *odirect, int fix_dirs)
{
    dt_posix(&f->d, f->root);
    if (odirect)
        dt_dal_param(&f->d, "odirect", odirect);
    int rc = dal_create(&f->d.dal, &f->r.repo, &f->dal);
    if (rc == 0 && fix_dirs)
        rc = f->dal->ops->verify(f->dal, 1);
    return rc;
}

static int setup_common(void **state, const char *odirect)
{
    struct fix *f = calloc(1, sizeof(*f));
    dt_mkdtemp(f->root, sizeof(f->root));
    dt_repo_init(&f->r, 2, 1, 1, 2, 2);
    assert_int_equal(make_dal(f, odirect, 1), 0);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_common(state, NULL);
}

static int setup_direct(void **state)
{
    return setup_common(state, "yes");
}

static int teardown(void **state)
{
    struct fix *f = *state;
    dal_destroy(f->dal);
    dt_rmtree(f->root);
    no_direct_prefix[0] = '\0';
    free(f);
    return 0;
}

/* Path of a file in the directory of location L0 (or L1). */
static const char *loc_path(const struct fix *f, const struct dal_loc *l,
                            const char *name)
{
    static char p[PATH_MAX];
    dt_fmt(p, sizeof(p), "%s/pod%u/block%u/cap%u/scat%u%s%s", f->root,
             l->pod, l->block, l->cap, l->scatter, name ? "/" : "",
             name ? name : "");
    return p;
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* ---- verify ------------------------------------------------------------ */

static void test_verify_fix(void **state)
{
    struct fix *f = *state;
    dal_t *dal;
    struct fix g = *f;
    dt_fmt(g.root, sizeof(g.root), "%s/site", f->root);
    dt_posix(&g.d, g.root);
    assert_int_equal(dal_create(&g.d.dal, &g.r.repo, &dal), 0);
    dt_log_capture();
    /* a missing data root is named once, not once per block directory */
    assert_int_equal(dal->ops->verify(dal, 0), -ENOENT);
    dt_log_expect(g.root, "No such file or directory (marfs-verifyconf "
                  "--check-dirs --fix creates it)", NULL);
    assert_int_equal(dal->ops->verify(dal, 1), 0);
    /* 1 pod x 3 blocks x 2 caps x 2 scatters: the root passable (0711:
     * the scratch dir above it, 0700, keeps users out), the levels on the
     * way 0711, the block directories sticky 1733 (whatever the umask) */
    struct stat st;
    assert_int_equal(stat(g.root, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0711);
    char inner[PATH_MAX];
    dt_fmt(inner, sizeof(inner), "%s/pod0/block1/cap1", g.root);
    assert_int_equal(stat(inner, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0711);
    for (unsigned b = 0; b < 3; b++)
        for (unsigned c = 0; c < 2; c++)
            for (unsigned s = 0; s < 2; s++) {
                struct dal_loc l = {0, b, c, s};
                assert_int_equal(stat(loc_path(&g, &l, NULL), &st), 0);
                assert_true(S_ISDIR(st.st_mode));
                assert_int_equal(st.st_mode & 07777, 01733);
            }
    assert_int_equal(dt_count_entries(g.root, NULL), 1);
    assert_int_equal(dal->ops->verify(dal, 0), 0);
    /* a file where a directory belongs */
    assert_int_equal(rmdir(loc_path(&g, &L1, NULL)), 0);
    FILE *fp = fopen(loc_path(&g, &L1, NULL), "w");
    fclose(fp);
    dt_log_capture();
    assert_int_equal(dal->ops->verify(dal, 1), -ENOTDIR);
    dt_log_expect(loc_path(&g, &L1, NULL), "Not a directory", NULL);
    dal_destroy(dal);
}

/* Modes a setuid program's users need below the root (doc/security.md):
 * blocks readable by all whatever the umask; verify without fix warns
 * about directories only root's programs can use, verify with fix gives
 * them their modes. */
static void test_modes(void **state)
{
    struct fix *f = *state;
    struct stat st;
    mode_t old = umask(077);
    assert_int_equal(dt_write(f->dal, &L0, "m", 100, 1, 100, NULL), 0);
    umask(old);
    assert_int_equal(stat(loc_path(f, &L0, "m"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0444);
    char inner[PATH_MAX];
    dt_fmt(inner, sizeof(inner), "%s/pod0/block0", f->root);
    assert_int_equal(chmod(loc_path(f, &L1, NULL), 0700), 0);
    assert_int_equal(chmod(inner, 0700), 0);
    dt_log_capture();
    assert_int_equal(f->dal->ops->verify(f->dal, 0), 0);
    dt_log_expect("5 of 12 block directories", "admit only root's programs",
                  "verify with fix sets them", NULL);
    assert_int_equal(f->dal->ops->verify(f->dal, 1), 0);
    assert_int_equal(stat(loc_path(f, &L1, NULL), &st), 0);
    assert_int_equal(st.st_mode & 07777, 01733);
    assert_int_equal(stat(inner, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0711);
}

/* ---- write, read, meta -------------------------------------------------- */

static void test_roundtrip(void **state)
{
    struct fix *f = *state;
    dal_t *dal = f->dal;
    struct dal_stat st;
    dal_block_t *b;
    char meta[64];

    assert_int_equal(dt_write(dal, &L0, "obj", 100000, 7, 16384,
                              "meta-blob-1"), 0);
    assert_int_equal(dal->ops->stat(dal, &L0, "obj", &st), 0);
    assert_int_equal(st.size, 100000);
    assert_true(st.mtime > 1600000000);
    assert_int_equal(dal->ops->open_read(dal, &L0, "obj", &b), 0);
    memset(meta, '#', sizeof(meta));
    assert_int_equal(dal->ops->get_meta(b, meta, sizeof(meta)), 11);
    assert_memory_equal(meta, "meta-blob-1", 11);
    memset(meta, '#', sizeof(meta));
    assert_int_equal(dal->ops->get_meta(b, meta, 4), 11);
    assert_memory_equal(meta, "meta#", 5);
    assert_int_equal(dt_check(b, 0, 100000, 7), 100000);
    assert_int_equal(dt_check(b, 12345, 54321, 7), 54321);
    assert_int_equal(dt_check(b, 99990, 100, 7), 10);
    assert_int_equal(dt_check(b, 100000, 10, 7), 0);
    assert_int_equal(dt_check(b, 1 << 30, 10, 7), 0);
    assert_int_equal(dal->ops->put(b, "x", 1), -EBADF);
    assert_int_equal(dal->ops->set_meta(b, "x", 1), -EBADF);
    assert_int_equal(dal->ops->close(b), 0);

    /* on disk: data | meta | 32-byte footer starting "MARFSBLK", v1 */
    const char *path = loc_path(f, &L0, "obj");
    assert_int_equal(file_size(path), 100000 + 11 + 32);
    unsigned char foot[32];
    FILE *fp = fopen(path, "r");
    assert_int_equal(fseek(fp, -32, SEEK_END), 0);
    assert_int_equal(fread(foot, 1, 32, fp), 32);
    fclose(fp);
    assert_memory_equal(foot, "MARFSBLK\x01\x00\x01\x00\x0b\x00\x00\x00", 16);
    assert_memory_equal(foot + 16, "\xa0\x86\x01\x00\x00\x00\x00\x00", 8);
}

static void test_meta_cases(void **state)
{
    struct fix *f = *state;
    dal_t *dal = f->dal;
    dal_block_t *b;
    char buf[8];
    static char big[DAL_META_MAX + 1];

    /* no meta, empty meta, and meta replaced before close */
    assert_int_equal(dt_write(dal, &L0, "none", 10, 1, 10, NULL), 0);
    assert_int_equal(dt_write(dal, &L0, "empty", 10, 1, 10, ""), 0);
    assert_int_equal(dal->ops->open_read(dal, &L0, "none", &b), 0);
    assert_int_equal(dal->ops->get_meta(b, buf, sizeof(buf)), -ENODATA);
    assert_int_equal(dal->ops->close(b), 0);
    assert_int_equal(dal->ops->open_read(dal, &L0, "empty", &b), 0);
    assert_int_equal(dal->ops->get_meta(b, buf, sizeof(buf)), 0);
    assert_int_equal(dal->ops->close(b), 0);

    assert_int_equal(dal->ops->open_write(dal, &L0, "m", &b), 0);
    assert_int_equal(dal->ops->get_meta(b, buf, sizeof(buf)), -ENODATA);
    assert_int_equal(dal->ops->set_meta(b, "first", 5), 0);
    assert_int_equal(dal->ops->set_meta(b, "2nd", 3), 0);
    assert_int_equal(dal->ops->get_meta(b, buf, sizeof(buf)), 3);
    dt_log_capture();
    assert_int_equal(dal->ops->set_meta(b, big, sizeof(big)), -EMSGSIZE);
    dt_log_expect(loc_path(f, &L0, "m"), "65537 bytes", NULL);
    assert_int_equal(dal->ops->close(b), 0);
    assert_int_equal(dal->ops->open_read(dal, &L0, "m", &b), 0);
    assert_int_equal(dal->ops->get_meta(b, buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "2nd", 3);
    assert_int_equal(dt_check(b, 0, 100, 0), 0);
    assert_int_equal(dal->ops->close(b), 0);

    /* the largest meta is accepted and read back */
    memset(big, 'm', sizeof(big));
    assert_int_equal(dal->ops->open_write(dal, &L0, "big", &b), 0);
    assert_int_equal(dal->ops->set_meta(b, big, DAL_META_MAX), 0);
    assert_int_equal(dal->ops->close(b), 0);
    assert_int_equal(dal->ops->open_read(dal, &L0, "big", &b), 0);
    assert_int_equal(dal->ops->get_meta(b, buf, 1), DAL_META_MAX);
    assert_int_equal(dal->ops->close(b), 0);
}

/* ---- publishing --------------------------------------------------------- */

static void test_temp_invisible(void **state)
{
    struct fix *f = *state;
    dal_t *dal = f->dal;
    dal_block_t *w, *r;
    struct dal_stat st;
    int hidden;

    assert_int_equal(dal->ops->open_write(dal, &L0, "x", &w), 0);
    assert_int_equal(dal->ops->put(w, "0123456789", 10), 10);
    assert_int_equal(dal->ops->get(w, (char[4]){0}, 4, 0), -EBADF);
    assert_int_equal(dal->ops->stat(dal, &L0, "x", &st), -ENOENT);
    assert_int_equal(dal->ops->open_read(dal, &L0, "x", &r), -ENOENT);
    assert_string_equal(dt_list(dal, &L0), "");
    assert_int_equal(dt_count_entries(loc_path(f, &L0, NULL), &hidden), 1);
    assert_int_equal(hidden, 1);
    assert_int_equal(dal->ops->close(w), 0);
    assert_string_equal(dt_list(dal, &L0), "x");
    assert_int_equal(dt_count_entries(loc_path(f, &L0, NULL), &hidden), 1);
    assert_int_equal(hidden, 0);
    assert_int_equal(dal->ops->stat(dal, &L0, "x", &st), 0);
    assert_int_equal(st.size, 10);
}

static void test_abort(void **state)
{
    struct fix *f = *state;
    dal_t *dal = f->dal;
    dal_block_t *w, *r;

    assert_int_equal(dal->ops->open_write(dal, &L0, "gone", &w), 0);
    assert_int_equal(dal->ops->put(w, "abc", 3), 3);
    assert_int_equal(dal->ops->set_meta(w, "m", 1), 0);
    assert_int_equal(dal->ops->abort(w), 0);
    assert_int_equal(dt_count_entries(loc_path(f, &L0, NULL), NULL), 0);
    assert_int_equal(dal->ops->open_read(dal, &L0, "gone", &r), -ENOENT);

    /* an aborted rewrite leaves the published block as it was */
    assert_int_equal(dt_write(dal, &L0, "keep", 5000, 1, 4096, "v1"), 0);
    assert_int_equal(dal->ops->open_write(dal, &L0, "keep", &w), 0);
    assert_int_equal(dal->ops->put(w, "zz", 2), 2);
    assert_int_equal(dal->ops->abort(w), 0);
    assert_int_equal(dal->ops->open_read(dal, &L0, "keep", &r), 0);
    assert_int_equal(dt_check(r, 0, 6000, 1), 5000);
    assert_int_equal(dal->ops->close(r), 0);
    assert_int_equal(dt_count_entries(loc_path(f, &L0, NULL), NULL), 1);
}

static void test_rewrite(void **state)
{
    struct fix *f = *state;
    dal_t *dal = f->dal;
    dal_block_t *r, *r2;
    char m[8];

    assert_int_equal(dt_write(dal, &L1, "o", 5000, 1, 1000, "v1"), 0);
    /* a reader that opened the old block keeps reading the old block */
    assert_int_equal(dal->ops->open_read(dal, &L1, "o", &r), 0);
    assert_int_equal(dt_write(dal, &L1, "o", 3000, 2, 1000, "v2"), 0);
    assert_int_equal(dt_check(r, 0, 5000, 1), 5000);
    assert_int_equal(dal->ops->close(r), 0);
    assert_int_equal(dal->ops->open_read(dal, &L1, "o", &r2), 0);
    assert_int_equal(dt_check(r2, 0, 5000, 2), 3000);
    assert_int_equal(dal->ops->get_meta(r2, m, sizeof(m)), 2);
    assert_memory_equal(m, "v2", 2);
    assert_int_equal(dal->ops->close(r2), 0);
    assert_int_equal(dt_count_entries(loc_path(f, &L1, NULL), NULL), 1);
}

/* ---- names -------------------------------------------------------------- */

static const char *const odd_names[] = {
    "a/b/c", "../up", ".hidden", "sp ace%20", "tab\tnl\n", "\xc3\xbcnic",
    "#hash?*", "plain-Name_1.2+=,@~", "%", "..", ".", "/",
};
#define NODD (sizeof(odd_names) / sizeof(odd_names[0]))

static void test_names(void **state)
{
    struct fix *f = *state;
    dal_t *dal = f->dal;
    char *sorted[NODD], want[1024] = "", m[64];

    for (unsigned i = 0; i < NODD; i++) {
        assert_int_equal(dt_write(dal, &L1, odd_names[i], 100 + i, i, 64,
                                  odd_names[i]), 0);
        sorted[i] = (char *)odd_names[i];
    }
    qsort(sorted, NODD, sizeof(sorted[0]), dt_cmpstr);
    for (unsigned i = 0; i < NODD; i++) {
        strcat(want, i ? "|" : "");
        strcat(want, sorted[i]);
    }
    assert_string_equal(dt_list(dal, &L1), want);
    for (unsigned i = 0; i < NODD; i++) {
        dal_block_t *b;
        assert_int_equal(dal->ops->open_read(dal, &L1, odd_names[i], &b), 0);
        assert_int_equal(dt_check(b, 0, 1000, i), 100 + i);
        assert_int_equal(dal->ops->get_meta(b, m, sizeof(m)),
                         strlen(odd_names[i]));
        assert_memory_equal(m, odd_names[i], strlen(odd_names[i]));
        assert_int_equal(dal->ops->close(b), 0);
    }
    /* the documented escaping, exactly */
    assert_int_equal(file_size(loc_path(f, &L1, "a%2Fb%2Fc")), 100 + 32 + 5);
    assert_true(file_size(loc_path(f, &L1, "%2Ehidden")) > 0);
    assert_true(file_size(loc_path(f, &L1, "%2E.")) > 0);
    assert_true(file_size(loc_path(f, &L1, "%2E")) > 0);
    assert_true(file_size(loc_path(f, &L1, "sp%20ace%2520")) > 0);
    assert_true(file_size(loc_path(f, &L1, "%C3%BCnic")) > 0);
    assert_true(file_size(loc_path(f, &L1, "plain-Name_1.2+=,@~")) > 0);
    int hidden;
    assert_int_equal(dt_count_entries(loc_path(f, &L1, NULL), &hidden), NODD);
    assert_int_equal(hidden, 0);
}

static void test_foreign_and_long_names(void **state)
{
    struct fix *f = *state;
    dal_t *dal = f->dal;
    char name[300];

    /* files that are not canonical escapes are not blocks */
    const char *foreign[] = {"a%2fb", "bad%ZZ", "x%41", "sp ace", "%00"};
    for (unsigned i = 0; i < 5; i++)
        fclose(fopen(loc_path(f, &L0, foreign[i]), "w"));
    assert_int_equal(dt_write(dal, &L0, "real", 1, 1, 1, NULL), 0);
    assert_string_equal(dt_list(dal, &L0), "real");

    memset(name, 'x', sizeof(name));
    name[237] = '\0';
    assert_int_equal(dt_write(dal, &L0, name, 10, 1, 10, NULL), 0);
    name[237] = 'x';
    name[238] = '\0';
    dt_log_capture();
    assert_int_equal(dt_write(dal, &L0, name, 10, 1, 10, NULL), -ENAMETOOLONG);
    dt_log_expect("object name 'xxxxxxxx", "exceeds 237 bytes", NULL);
    memset(name, '/', 80);   /* 80 bytes escape to 240 */
    name[80] = '\0';
    dt_log_capture();
    assert_int_equal(dt_write(dal, &L0, name, 10, 1, 10, NULL), -ENAMETOOLONG);
    dt_log_expect("object name '/////", NULL);
    name[79] = '\0';
    assert_int_equal(dt_write(dal, &L0, name, 10, 1, 10, NULL), 0);
}

/* ---- missing, corrupt, bad arguments ----------------------------------- */

static void test_missing(void **state)
{
    struct fix *f = *state;
    dal_t *dal = f->dal;
    dal_block_t *b;
    struct dal_stat st;

    assert_int_equal(dal->ops->open_read(dal, &L0, "nope", &b), -ENOENT);
    assert_int_equal(dal->ops->stat(dal, &L0, "nope", &st), -ENOENT);
    assert_int_equal(dal->ops->del(dal, &L0, "nope"), -ENOENT);

    /* block directories are not created on demand */
    struct fix g = *f;
    dal_t *raw;
    dt_fmt(g.root, sizeof(g.root), "%s/unmounted", f->root);
    dt_posix(&g.d, g.root);
    assert_int_equal(dal_create(&g.d.dal, &g.r.repo, &raw), 0);
    dt_log_capture();
    assert_int_equal(raw->ops->open_write(raw, &L1, "o", &b), -ENOENT);
    dt_log_expect(loc_path(&g, &L1, ".o."), "block directory is missing",
                  "verify with fix", NULL);
    assert_int_equal(file_size(g.root), -1);
    dt_log_capture();
    assert_string_equal(dt_list(raw, &L1), "error -2");
    dt_log_expect(loc_path(&g, &L1, NULL), "cannot list", NULL);
    dal_destroy(raw);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    fclose(fp);
}

static void expect_corrupt(struct fix *f, const char *obj)
{
    dal_block_t *b;
    struct dal_stat st;
    dt_log_capture();
    assert_int_equal(f->dal->ops->open_read(f->dal, &L0, obj, &b), -EBADMSG);
    assert_int_equal(f->dal->ops->stat(f->dal, &L0, obj, &st), -EBADMSG);
    dt_log_expect(loc_path(f, &L0, obj), "no valid trailer", NULL);
}

static void test_corrupt(void **state)
{
    struct fix *f = *state;
    char path[PATH_MAX];

    write_file(loc_path(f, &L0, "short"), "tiny", 4);
    expect_corrupt(f, "short");
    char junk[100];
    memset(junk, 'j', sizeof(junk));
    write_file(loc_path(f, &L0, "junk"), junk, sizeof(junk));
    expect_corrupt(f, "junk");

    /* a truncated block, and one with a meta byte changed */
    assert_int_equal(dt_write(f->dal, &L0, "trunc", 1000, 3, 1000, "mm"), 0);
    dt_fmt(path, sizeof(path), "%s", loc_path(f, &L0, "trunc"));
    assert_int_equal(truncate(path, 1000 + 2 + 32 - 1), 0);
    expect_corrupt(f, "trunc");
    assert_int_equal(dt_write(f->dal, &L0, "flip", 1000, 3, 1000, "mm"), 0);
    dt_fmt(path, sizeof(path), "%s", loc_path(f, &L0, "flip"));
    FILE *fp = fopen(path, "r+");
    fseek(fp, 1001, SEEK_SET);
    fputc('X', fp);
    fclose(fp);
    expect_corrupt(f, "flip");
}

static void test_bad_args(void **state)
{
    struct fix *f = *state;
    dal_t *dal = f->dal;
    dal_block_t *b;
    struct dal_loc bad = {0, 3, 0, 0};

    dt_log_capture();
    assert_int_equal(dal->ops->open_write(dal, &bad, "obj9", &b), -EINVAL);
    dt_log_expect("posix DAL: object 'obj9': block 3 out of range (the repo "
                  "has 3)", NULL);
    bad = (struct dal_loc){0, 0, 0, 2};
    dt_log_capture();
    assert_int_equal(dal->ops->list(dal, &bad, dt_collect, NULL), -EINVAL);
    dt_log_expect("scatter 2 out of range", NULL);
    bad = (struct dal_loc){1, 0, 0, 0};
    dt_log_capture();
    assert_int_equal(dal->ops->open_read(dal, &bad, "o", &b), -EINVAL);
    assert_int_equal(dal->ops->open_read(dal, &L0, "", &b), -EINVAL);
    assert_int_equal(dal->ops->del(dal, &bad, "o"), -EINVAL);
    dt_log_expect("object 'o': pod 1 out of range (the repo has 1)",
                  "posix DAL: empty object name", NULL);
}

static void test_del_list(void **state)
{
    struct fix *f = *state;
    dal_t *dal = f->dal;
    assert_int_equal(dt_write(dal, &L0, "one", 1, 1, 1, NULL), 0);
    assert_int_equal(dt_write(dal, &L0, "two", 1, 1, 1, NULL), 0);
    assert_int_equal(dt_write(dal, &L0, "three", 1, 1, 1, NULL), 0);
    assert_int_equal(dt_write(dal, &L1, "other", 1, 1, 1, NULL), 0);
    assert_string_equal(dt_list(dal, &L0), "one|three|two");
    assert_string_equal(dt_list(dal, &L1), "other");
    assert_int_equal(dal->ops->del(dal, &L0, "two"), 0);
    assert_string_equal(dt_list(dal, &L0), "one|three");
    assert_int_equal(dal->ops->del(dal, &L0, "two"), -ENOENT);
    assert_int_equal(dt_count_entries(loc_path(f, &L0, NULL), NULL), 2);
}

static int stop_at_first(const char *obj, void *arg)
{
    (void)obj;
    (*(int *)arg)++;
    return 42;
}

static void test_list_stops(void **state)
{
    struct fix *f = *state;
    int calls = 0;
    assert_int_equal(dt_write(f->dal, &L0, "a", 1, 1, 1, NULL), 0);
    assert_int_equal(dt_write(f->dal, &L0, "b", 1, 1, 1, NULL), 0);
    assert_int_equal(f->dal->ops->list(f->dal, &L0, stop_at_first, &calls),
                     42);
    assert_int_equal(calls, 1);
}

/* ---- O_DIRECT ----------------------------------------------------------- */

/* Puts from aligned and unaligned buffers, odd sizes; read back at odd
 * offsets. */
static void direct_roundtrip(struct fix *f)
{
    dal_t *dal = f->dal;
    dal_block_t *b;
    const size_t total = (1 << 20) + 3 * 4096 + 5003;
    unsigned char *buf = NULL;
    assert_int_equal(posix_memalign((void **)&buf, 4096, total + 1), 0);
    dt_fill(buf, total, 9, 0);
    assert_int_equal(dal->ops->open_write(dal, &L0, "d", &b), 0);
    size_t sizes[] = {8192, 1000, 4096, (1 << 20), 3000};
    size_t off = 0;
    for (unsigned i = 0; off < total; i = (i + 1) % 5) {
        size_t n = sizes[i] < total - off ? sizes[i] : total - off;
        /* the first put is aligned (written without copying); after the
         * 1000-byte one, sources are unaligned and go through staging */
        assert_int_equal(dal->ops->put(b, buf + off, n), n);
        off += n;
    }
    assert_int_equal(dal->ops->set_meta(b, "direct", 6), 0);
    assert_int_equal(dal->ops->close(b), 0);
    free(buf);
    assert_int_equal(file_size(loc_path(f, &L0, "d")), total + 6 + 32);
    assert_int_equal(dal->ops->open_read(dal, &L0, "d", &b), 0);
    assert_int_equal(dt_check(b, 0, total + 100, 9), total);
    assert_int_equal(dt_check(b, 4095, 4098, 9), 4098);
    assert_int_equal(dt_check(b, total - 7, 4096, 9), 7);
    assert_int_equal(dt_check(b, 1 << 20, (1 << 20) + 1, 9),
                     total - (1 << 20));
    char m[8];
    assert_int_equal(dal->ops->get_meta(b, m, sizeof(m)), 6);
    assert_memory_equal(m, "direct", 6);
    assert_int_equal(dal->ops->close(b), 0);
}

static void test_odirect(void **state)
{
    struct fix *f = *state;
    direct_opens = 0;
    direct_roundtrip(f);
    /* /tmp supports O_DIRECT here: the write and the read used it */
    assert_true(direct_opens >= 2);
}

/* odirect=writes, auto and the default: blocks are opened with O_DIRECT
 * to write, read through the page cache; yes: both; no: never. */
static void direct_modes_case(struct fix *f, const char *mode, int writes)
{
    dal_destroy(f->dal);
    assert_int_equal(make_dal(f, mode, 0), 0);
    direct_opens = direct_tries = 0;
    direct_roundtrip(f);
    assert_int_equal(direct_opens, writes);
    assert_int_equal(direct_tries, writes);
}

static void test_odirect_modes(void **state)
{
    struct fix *f = *state;
    direct_modes_case(f, NULL, 1);
    direct_modes_case(f, "auto", 1);
    direct_modes_case(f, "writes", 1);
    direct_modes_case(f, "no", 0);
    direct_modes_case(f, "yes", 2);   /* the write and the read */
}

/* A block of n bytes written in puts of 65,540 bytes (never aligned
 * after the first) from an unaligned buffer, read back whole; the
 * writes that went through O_DIRECT. */
static int small_case(struct fix *f, size_t n)
{
    dal_t *dal = f->dal;
    dal_block_t *b;
    unsigned char *buf = malloc(n + 1);
    assert_non_null(buf);
    dt_fill(buf + 1, n, 4, 0);
    direct_writes = direct_opens = 0;
    assert_int_equal(dal->ops->open_write(dal, &L0, "small", &b), 0);
    for (size_t off = 0; off < n; off += 65540) {
        size_t k = n - off < 65540 ? n - off : 65540;
        assert_int_equal(dal->ops->put(b, buf + 1 + off, k), (ssize_t)k);
    }
    assert_int_equal(dal->ops->close(b), 0);
    int writes = direct_writes;
    assert_int_equal(direct_opens, 1);
    assert_int_equal(dal->ops->open_read(dal, &L0, "small", &b), 0);
    assert_int_equal(dt_check(b, 0, n + 10, 4), (ssize_t)n);
    assert_int_equal(dal->ops->close(b), 0);
    assert_int_equal(dal->ops->del(dal, &L0, "small"), 0);
    free(buf);
    return writes;
}

/* odirect=auto (the default): a small block (a packed object's) is
 * written through O_DIRECT from its first byte, every byte in place
 * (staged, 1 MiB per write); where the file system refuses O_DIRECT,
 * the blocks are written buffered without a warning. */
static void test_odirect_auto(void **state)
{
    struct fix *f = *state;
    /* 1 MiB + 13 bytes: one staged 1 MiB write direct, and the tail,
     * with the trailer, after clearing O_DIRECT */
    assert_int_equal(small_case(f, (1u << 20) + 13), 1);
    int w = small_case(f, (3u << 20) + 7);
    assert_int_equal(w, 3);
    dal_destroy(f->dal);
    dt_fmt(no_direct_prefix, sizeof(no_direct_prefix), "%s", f->root);
    dt_log_capture();
    assert_int_equal(make_dal(f, "auto", 0), 0);
    assert_int_equal(dt_write(f->dal, &L1, "quiet", 10, 1, 10, NULL), 0);
    char *log = dt_log_take();
    no_direct_prefix[0] = '\0';
    assert_null(strstr(log, "O_DIRECT"));
    free(log);
}

/* O_DIRECT accepted at open, refused at the first write: the block is
 * written buffered from there on, every byte in order. */
static void test_odirect_write_refused(void **state)
{
    struct fix *f = *state;
    direct_opens = refused_writes = 0;
    refuse_direct_writes = 1;
    direct_roundtrip(f);
    refuse_direct_writes = 0;
    assert_int_equal(direct_opens, 2);     /* write and read opened direct */
    assert_int_equal(refused_writes, 1);   /* then dropped: asked once */
}

static void test_odirect_fallback(void **state)
{
    struct fix *f = *state;
    dal_destroy(f->dal);
    dt_fmt(no_direct_prefix, sizeof(no_direct_prefix), "%s", f->root);
    direct_opens = 0;
    dt_log_capture();
    assert_int_equal(make_dal(f, "yes", 0), 0);
    direct_roundtrip(f);
    assert_int_equal(dt_write(f->dal, &L1, "again", 10, 1, 10, NULL), 0);
    char *log = dt_log_take();
    const char *hit = strstr(log, "refuses O_DIRECT; using buffered I/O");
    assert_non_null(hit);
    assert_null(strstr(hit + 1, "refuses O_DIRECT"));   /* said once */
    free(log);
    assert_int_equal(direct_opens, 0);
}

/* ---- threads ------------------------------------------------------------ */

struct worker {
    dal_t *dal;
    unsigned id;
    int failures;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    char name[32];
    for (unsigned i = 0; i < 10; i++) {
        struct dal_loc l = {0, i % 3, w->id % 2, i % 2};
        dal_block_t *b;
        dt_fmt(name, sizeof(name), "t%u/o%u", w->id, i);
        if (dt_write(w->dal, &l, name, 20000 + i, w->id * 100 + i, 3000,
                     name) != 0 ||
            w->dal->ops->open_read(w->dal, &l, name, &b) != 0) {
            w->failures++;
            continue;
        }
        unsigned char *buf = malloc(30000);
        ssize_t n = w->dal->ops->get(b, buf, 30000, 0);
        for (ssize_t k = 0; k < n; k++)
            if (buf[k] != dt_byte(w->id * 100 + i, (uint64_t)k))
                n = -1;
        w->failures += n != 20000 + i;
        free(buf);
        w->dal->ops->close(b);
    }
    return NULL;
}

static void test_threads(void **state)
{
    struct fix *f = *state;
    pthread_t t[4];
    struct worker w[4];
    for (unsigned i = 0; i < 4; i++) {
        w[i] = (struct worker){f->dal, i, 0};
        assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    for (unsigned i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    assert_int_equal(dt_count_entries(loc_path(f, &L0, NULL), NULL), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_verify_fix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_temp_invisible, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_and_long_names, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_del_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_odirect, setup_direct, teardown),
        cmocka_unit_test_setup_teardown(test_odirect_fallback, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_odirect_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_odirect_write_refused,
                                        setup_direct, teardown),
        cmocka_unit_test_setup_teardown(test_odirect_auto, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
    };
    return cmocka_run_group_tests_name("dal_posix", tests, NULL, NULL);
}
