/*
 * test_api_perm.c - namespace permissions per client mode (marfs.xml
 * <perms>) and quotas (<quotas>): -EACCES for what a mode may not do,
 * before any POSIX check; -EDQUOT at create (files) and write/set_size
 * (bytes); statvfs reports the quotas and the usage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_test_util.h"

/* root: interactive RM,RD, batch everything.  ro: batch RM only.  none:
 * nothing for anyone.  wonly: batch WM,WD (+RM to see it) but no RD.
 * q3: 3 files.  qd: 1 MiB of data.  qu: 1000 files, 1 GiB. */
static const struct at_cfg perm_cfg = {
    .children =
        "<ns name=\"ro\"><perms><interactive>RM</interactive>"
        "<batch>RM</batch></perms></ns>"
        "<ns name=\"none\"><perms><interactive>NONE</interactive>"
        "<batch>NONE</batch></perms></ns>"
        "<ns name=\"wonly\"><perms><interactive>RM</interactive>"
        "<batch>RM,WM,WD</batch></perms></ns>"
        "<ns name=\"mdonly\"><perms><batch>RM,WM</batch></perms></ns>"
        "<ns name=\"q3\"><quotas><files>3</files></quotas></ns>"
        "<ns name=\"qd\"><quotas><data>1M</data></quotas></ns>"
        "<ns name=\"qu\"><quotas><files>1000</files><data>1G</data>"
        "</quotas></ns>",
};

static int setup(void **state)
{
    struct at_env *env = calloc(1, sizeof(*env));
    at_setup(env, &perm_cfg);
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    at_teardown(*state);
    free(*state);
    return 0;
}

/* Plant a regular file straight into a namespace's tree (for namespaces
 * where the API may not create one). */
static void plant(struct at_env *env, const char *ns, const char *rel)
{
    char p[PATH_MAX];
    at_meta_path(env, ns, rel, p, sizeof(p));
    int fd = open(p, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    close(fd);
}

static void test_interactive(void **state)
{
    struct at_env *env = *state;
    marfs_ctx_t *ic;
    marfs_fh_t *fh;
    struct stat st;
    marfs_dh_t *dh;
    uint8_t d[100];
    char buf[64];
    at_fill(d, sizeof(d), 1);
    assert_int_equal(marfs_mkdir(env->ctx, at_p("/dir"), 0755), 0);
    at_write(env->ctx, at_p("/dir/f"), d, 100);
    assert_int_equal(marfs_init(env->conf, MARFS_INTERACTIVE, &ic), 0);
    /* RM,RD: reading works */
    at_expect(ic, at_p("/dir/f"), d, 100);
    assert_int_equal(marfs_stat(ic, at_p("/dir/f"), &st), 0);
    assert_int_equal(marfs_opendir(ic, at_p("/dir"), &dh), 0);
    assert_int_equal(marfs_closedir(dh), 0);
    assert_int_equal(marfs_listxattr(ic, at_p("/dir/f"), buf, sizeof(buf)), 0);
    /* no WM, WD */
    assert_int_equal(marfs_creat(ic, at_p("/dir/g"), 0644, NULL, &fh),
                     -EACCES);
    assert_int_equal(marfs_creat(ic, at_p("/dir/f"), 0644, NULL, &fh),
                     -EACCES);
    assert_int_equal(marfs_mkdir(ic, at_p("/dir/sub"), 0755), -EACCES);
    assert_int_equal(marfs_rmdir(ic, at_p("/dir")), -EACCES);
    assert_int_equal(marfs_unlink(ic, at_p("/dir/f")), -EACCES);
    assert_int_equal(marfs_rename(ic, at_p("/dir/f"), at_p("/dir/g")),
                     -EACCES);
    assert_int_equal(marfs_link(ic, at_p("/dir/f"), at_p("/dir/g")), -EACCES);
    assert_int_equal(marfs_symlink(ic, "f", at_p("/dir/l")), -EACCES);
    assert_int_equal(marfs_chmod(ic, at_p("/dir/f"), 0600), -EACCES);
    assert_int_equal(marfs_chown(ic, at_p("/dir/f"), 1, 1), -EACCES);
    assert_int_equal(marfs_utimens(ic, at_p("/dir/f"), NULL), -EACCES);
    assert_int_equal(marfs_truncate(ic, at_p("/dir/f"), 0), -EACCES);
    assert_int_equal(marfs_setxattr(ic, at_p("/dir/f"), "user.a", "1", 1, 0),
                     -EACCES);
    assert_int_equal(marfs_removexattr(ic, at_p("/dir/f"), "user.a"),
                     -EACCES);
    /* N:1 join needs WM,WD too */
    assert_int_equal(marfs_creat(env->ctx, at_p("/dir/n"), 0644, NULL, &fh),
                     0);
    assert_int_equal(marfs_set_size(fh, 10), 0);
    marfs_fh_t *w;
    assert_int_equal(marfs_open(ic, at_p("/dir/n"), O_WRONLY, &w), -EACCES);
    assert_int_equal(marfs_abort(fh), 0);
    /* nothing changed */
    at_expect(env->ctx, at_p("/dir/f"), d, 100);
    assert_int_equal(marfs_stat(env->ctx, at_p("/dir/g"), &st), -ENOENT);
    assert_int_equal(marfs_term(ic), 0);
}

static void test_batch_rm_only(void **state)
{
    struct at_env *env = *state;
    marfs_fh_t *fh;
    struct stat st;
    marfs_dh_t *dh;
    plant(env, "/ro", "f");
    assert_int_equal(marfs_open(env->ctx, at_p("/ro/f"), O_RDONLY, &fh),
                     -EACCES);
    assert_int_equal(marfs_stat(env->ctx, at_p("/ro/f"), &st), 0);
    assert_int_equal(marfs_opendir(env->ctx, at_p("/ro"), &dh), 0);
    assert_int_equal(marfs_closedir(dh), 0);
    assert_int_equal(marfs_creat(env->ctx, at_p("/ro/g"), 0644, NULL, &fh),
                     -EACCES);
    assert_int_equal(marfs_mkdir(env->ctx, at_p("/ro/d"), 0755), -EACCES);
    assert_int_equal(marfs_unlink(env->ctx, at_p("/ro/f")), -EACCES);
    uint64_t crc;
    /* checksum needs RM only: it is readable metadata (a missing one) */
    assert_int_equal(marfs_file_checksum(env->ctx, at_p("/ro/f"), &crc),
                     -ENODATA);
    /* a symlink elsewhere does not lend the link's namespace rights */
    assert_int_equal(marfs_symlink(env->ctx, AT_MNT "/ro/f", at_p("/tolink")),
                     0);
    assert_int_equal(marfs_open(env->ctx, at_p("/tolink"), O_RDONLY, &fh),
                     -EACCES);
    /* none: not even metadata */
    plant(env, "/none", "f");
    assert_int_equal(marfs_stat(env->ctx, at_p("/none/f"), &st), -EACCES);
    assert_int_equal(marfs_lstat(env->ctx, at_p("/none"), &st), -EACCES);
    assert_int_equal(marfs_opendir(env->ctx, at_p("/none"), &dh), -EACCES);
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/none"), &(struct statvfs){0}),
                     -EACCES);
    char buf[16];
    assert_int_equal(marfs_getxattr(env->ctx, at_p("/none/f"), "user.x", buf,
                                    sizeof(buf)), -EACCES);
    assert_int_equal(marfs_readlink(env->ctx, at_p("/none/f"), buf,
                                    sizeof(buf)), -EACCES);
    /* the child is still listed at the root (the parent's metadata) */
    char names[16][NAME_MAX + 1];
    int n = at_list(env->ctx, AT_MNT, names, NULL, 16);
    int found = 0;
    for (int i = 0; i < n; i++)
        found += strcmp(names[i], "none") == 0;
    assert_int_equal(found, 1);
}

static void test_write_without_read(void **state)
{
    struct at_env *env = *state;
    marfs_fh_t *fh;
    uint8_t d[10] = {1};
    /* WM,WD without RD: write yes, read back no */
    fh = at_put(env->ctx, at_p("/wonly/f"), d, 10, 0, NULL);
    assert_int_equal(marfs_close(fh), 0);
    assert_int_equal(marfs_open(env->ctx, at_p("/wonly/f"), O_RDONLY, &fh),
                     -EACCES);
    /* WM without WD: metadata yes, data no */
    assert_int_equal(marfs_mkdir(env->ctx, at_p("/mdonly/d"), 0755), 0);
    assert_int_equal(marfs_symlink(env->ctx, "x", at_p("/mdonly/l")), 0);
    assert_int_equal(marfs_creat(env->ctx, at_p("/mdonly/f"), 0644, NULL,
                                 &fh), -EACCES);
    plant(env, "/mdonly", "planted");
    char hp[PATH_MAX];
    at_meta_path(env, "/mdonly", "planted", hp, sizeof(hp));
    assert_int_equal(truncate(hp, 5), 0);  /* not a no-op truncate */
    assert_int_equal(marfs_truncate(env->ctx, at_p("/mdonly/planted"), 0),
                     -EACCES);
}

static void test_quota_files(void **state)
{
    struct at_env *env = *state;
    marfs_fh_t *fh;
    uint8_t d[10] = {0};
    struct statvfs sv;
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/q3"), &sv), 0);
    assert_int_equal(sv.f_files, 3);
    assert_int_equal(sv.f_ffree, 3);
    for (int i = 0; i < 3; i++)
        at_write(env->ctx, at_p("/q3/f%d", i), d, 10);
    assert_int_equal(marfs_creat(env->ctx, at_p("/q3/f3"), 0644, NULL, &fh),
                     -EDQUOT);
    struct stat st;
    assert_int_equal(marfs_stat(env->ctx, at_p("/q3/f3"), &st), -ENOENT);
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/q3"), &sv), 0);
    assert_int_equal(sv.f_files, 3);
    assert_int_equal(sv.f_ffree, 0);
    assert_int_equal(sv.f_favail, 0);
    /* directories are not files */
    assert_int_equal(marfs_mkdir(env->ctx, at_p("/q3/d"), 0755), 0);
    /* a removed file frees its slot */
    assert_int_equal(marfs_unlink(env->ctx, at_p("/q3/f0")), 0);
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/q3"), &sv), 0);
    assert_int_equal(sv.f_ffree, 1);
    at_write(env->ctx, at_p("/q3/f3"), d, 10);
    assert_int_equal(marfs_creat(env->ctx, at_p("/q3/f4"), 0644, NULL, &fh),
                     -EDQUOT);
    /* a second client sees the same usage once the first flushes (term) */
    marfs_ctx_t *c2;
    assert_int_equal(marfs_term(env->ctx), 0);
    assert_int_equal(marfs_init(env->conf, MARFS_BATCH, &env->ctx), 0);
    assert_int_equal(marfs_init(env->conf, MARFS_BATCH, &c2), 0);
    assert_int_equal(marfs_creat(c2, at_p("/q3/f5"), 0644, NULL, &fh),
                     -EDQUOT);
    assert_int_equal(marfs_statvfs(c2, at_p("/q3"), &sv), 0);
    assert_int_equal(sv.f_ffree, 0);
    assert_int_equal(marfs_term(c2), 0);
    /* other namespaces are unlimited */
    assert_int_equal(marfs_statvfs(env->ctx, AT_MNT, &sv), 0);
    assert_true(sv.f_files != 3);
}

static void test_quota_bytes(void **state)
{
    struct at_env *env = *state;
    marfs_fh_t *fh;
    struct statvfs sv;
    uint8_t *d = at_data(2 << 20, 3);
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/qd"), &sv), 0);
    assert_int_equal(sv.f_bsize, 4096);
    assert_int_equal(sv.f_frsize, 4096);
    assert_int_equal(sv.f_blocks, 256);
    assert_int_equal(sv.f_bfree, 256);
    /* 512 KiB used */
    at_write(env->ctx, at_p("/qd/a"), d, 512 << 10);
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/qd"), &sv), 0);
    assert_int_equal(sv.f_blocks, 256);
    assert_int_equal(sv.f_bfree, 128);
    assert_int_equal(sv.f_bavail, 128);
    /* declaring more than is left */
    assert_int_equal(marfs_creat(env->ctx, at_p("/qd/n"), 0644, NULL, &fh), 0);
    assert_int_equal(marfs_set_size(fh, (512 << 10) + 1), -EDQUOT);
    assert_int_equal(marfs_abort(fh), 0);
    /* one write beyond it */
    assert_int_equal(marfs_creat(env->ctx, at_p("/qd/b"), 0644, NULL, &fh), 0);
    assert_int_equal(marfs_write(fh, d, (512 << 10) + 1), -EDQUOT);
    /* the handle is still usable after EDQUOT */
    assert_int_equal(marfs_write(fh, d, 1000), 1000);
    assert_int_equal(marfs_close(fh), 0);
    at_expect(env->ctx, at_p("/qd/b"), d, 1000);
    assert_int_equal(marfs_unlink(env->ctx, at_p("/qd/b")), 0);
    free(d);
}

/* Writes in small pieces must not get past the data quota either: the
 * bytes a file has written so far count against it. */
static void test_quota_bytes_pieces(void **state)
{
    struct at_env *env = *state;
    marfs_fh_t *fh;
    uint8_t *d = at_data(64 << 10, 4);
    struct statvfs sv;
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/qd"), &sv), 0);
    uint64_t left = (uint64_t)sv.f_bfree * 4096;    /* 512 KiB */
    assert_int_equal(left, 512 << 10);
    assert_int_equal(marfs_creat(env->ctx, at_p("/qd/p"), 0644, NULL, &fh), 0);
    uint64_t total = 0;
    ssize_t rc = 0;
    for (int i = 0; i < 32; i++) {           /* up to 2 MiB */
        rc = marfs_write(fh, d, 64 << 10);
        if (rc < 0)
            break;
        total += (uint64_t)rc;
    }
    if (rc != -EDQUOT)
        print_error("wrote %llu bytes in 64 KiB pieces into a namespace "
                    "with %llu bytes left; no EDQUOT\n",
                    (unsigned long long)total, (unsigned long long)left);
    assert_int_equal(marfs_abort(fh), 0);
    free(d);
    assert_int_equal(rc, -EDQUOT);
    assert_int_equal(total, left);
}

/* Usage must match the tree: a packed file unlinked or replaced before
 * its object is published must not count once that object completes. */
static void test_usage_unpublished(void **state)
{
    struct at_env *env = *state;
    struct statvfs sv;
    uint8_t *d = at_data(8192, 5);
    const uint64_t blocks = (1ULL << 30) / 4096;
    /* unlink before publication */
    marfs_fh_t *a = at_put(env->ctx, at_p("/qu/a"), d, 8192, 0, NULL);
    marfs_fh_t *b = at_put(env->ctx, at_p("/qu/b"), d, 4096, 0, a);
    assert_int_equal(marfs_unlink(env->ctx, at_p("/qu/a")), 0);
    assert_int_equal(marfs_close(b), 0);
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/qu"), &sv), 0);
    assert_int_equal(sv.f_ffree, 999);
    int bad = sv.f_bfree != blocks - 1;
    if (bad)
        print_error("after unlinking an unpublished 8 KiB file: %llu of %llu "
                    "blocks free, want %llu\n",
                    (unsigned long long)sv.f_bfree,
                    (unsigned long long)blocks,
                    (unsigned long long)(blocks - 1));
    /* replace before publication (same stream) */
    marfs_fh_t *c = at_put(env->ctx, at_p("/qu/c"), d, 8192, 0, NULL);
    c = at_put(env->ctx, at_p("/qu/c"), d, 4096, 0, c);
    assert_int_equal(marfs_close(c), 0);
    at_expect(env->ctx, at_p("/qu/c"), d, 4096);
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/qu"), &sv), 0);
    assert_int_equal(sv.f_ffree, 998);
    if (sv.f_bfree != blocks - 2)
        print_error("after replacing an unpublished 8 KiB file: %llu blocks "
                    "free, want %llu\n", (unsigned long long)sv.f_bfree,
                    (unsigned long long)(blocks - 2));
    bad |= sv.f_bfree != blocks - 2;
    free(d);
    assert_false(bad);
}

/* Renaming over an existing file removes that file's last user link: it
 * no longer counts (as unlink would release it). */
static void test_usage_rename_over(void **state)
{
    struct at_env *env = *state;
    struct statvfs sv0, sv;
    uint8_t d[4096];
    at_fill(d, sizeof(d), 6);
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/qu"), &sv0), 0);
    at_write(env->ctx, at_p("/qu/x"), d, 4096);
    at_write(env->ctx, at_p("/qu/y"), d, 4096);
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/qu"), &sv), 0);
    assert_int_equal(sv.f_ffree, sv0.f_ffree - 2);
    assert_int_equal(sv.f_bfree, sv0.f_bfree - 2);
    assert_int_equal(marfs_rename(env->ctx, at_p("/qu/x"), at_p("/qu/y")), 0);
    assert_int_equal(marfs_statvfs(env->ctx, at_p("/qu"), &sv), 0);
    if (sv.f_ffree != sv0.f_ffree - 1 || sv.f_bfree != sv0.f_bfree - 1)
        print_error("one 4 KiB file left after rename-over, but usage "
                    "counts %llu files and %llu blocks\n",
                    (unsigned long long)(sv0.f_ffree - sv.f_ffree),
                    (unsigned long long)(sv0.f_bfree - sv.f_bfree));
    assert_int_equal(sv.f_ffree, sv0.f_ffree - 1);
    assert_int_equal(sv.f_bfree, sv0.f_bfree - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interactive),
        cmocka_unit_test(test_batch_rm_only),
        cmocka_unit_test(test_write_without_read),
        cmocka_unit_test(test_quota_files),
        cmocka_unit_test(test_quota_bytes),
        cmocka_unit_test(test_quota_bytes_pieces),
        cmocka_unit_test(test_usage_unpublished),
        cmocka_unit_test(test_usage_rename_over),
    };
    return cmocka_run_group_tests_name("api_perm", tests, setup, teardown);
}
