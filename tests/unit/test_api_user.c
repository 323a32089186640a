/*
 * test_api_user.c - the library as a setuid program uses it
 * (doc/security.md), in one process: a child starts the way a setuid-root
 * program run by nobody does (real ids nobody, effective root), calls
 * marfs_init and works as nobody from then on.
 *
 * marfs_init drops for good (real, effective and saved ids; cannot
 * regain root; non-dumpable; a second init is refused); files are
 * created as the caller (owner, setgid directory's group, umask), and the
 * library still completes a file its owner made read-only meanwhile
 * (packed, N:1); the kernel's checks apply to the caller: creating in
 * root's directory, reading root's 0600 file, joining root's N:1 write,
 * giving a file away, truncating another's file all fail; an untrusted
 * config or roots not behind a barrier are refused, and the drop happens
 * anyway.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api_test_util.h"

#define NOBODY 65534

/* A child's check: on failure, say which and where. */
#define CHECK(cond)                                                       \
    do {                                                                  \
        if (!(cond))                                                      \
            return "line " STR(__LINE__) ": " #cond;                      \
    } while (0)
#define STR(x) STR2(x)
#define STR2(x) #x

typedef const char *(*child_fn)(struct at_env *env);

/* Run fn (by name, from the table at the end) in a child started as a
 * setuid-root program run by nobody: nobody's real ids and groups, root's
 * effective and saved ids.  The child is this program again (at_spawn:
 * fork + exec), because a plain fork of a process whose marfs context has
 * threads can deadlock in the child (the sanitizer's allocator lock). */
static void as_setuid_child(struct at_env *env, const char *fn)
{
    int p[2];
    char wfd[16];
    assert_int_equal(pipe(p), 0);
    snprintf(wfd, sizeof(wfd), "%d", p[1]);
    const char *args[] = {fn, env->conf, wfd, NULL};
    pid_t pid = at_spawn(args);
    close(p[1]);
    char buf[512];
    ssize_t n = read(p[0], buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    close(p[0]);
    if (at_wait(pid) != 0)
        fail_msg("setuid child %s: %s", fn, buf[0] ? buf : "died");
}

static int all_ids(uid_t want_u, gid_t want_g)
{
    uid_t r, e, s;
    gid_t rg, eg, sg;
    return getresuid(&r, &e, &s) == 0 && getresgid(&rg, &eg, &sg) == 0 &&
           r == want_u && e == want_u && s == want_u && rg == want_g &&
           eg == want_g && sg == want_g;
}

static int setup(void **state)
{
    static const struct at_cfg c = {.setuid_layout = 1};
    struct at_env *env = calloc(1, sizeof(*env));
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

/* ---- the drop ------------------------------------------------------- */

static const char *child_drops(struct at_env *env)
{
    marfs_ctx_t *ctx, *again;
    CHECK(marfs_is_setuid());
    CHECK(marfs_init(env->conf, MARFS_BATCH, &ctx) == 0);
    CHECK(all_ids(NOBODY, NOBODY));
    CHECK(setresuid((uid_t)-1, 0, (uid_t)-1) != 0 && errno == EPERM);
    CHECK(prctl(PR_GET_DUMPABLE) == 0);
    CHECK(marfs_is_setuid());
    CHECK(marfs_init(env->conf, MARFS_BATCH, &again) == -EPERM);
    struct stat st;
    CHECK(marfs_stat(ctx, AT_MNT, &st) == 0);
    CHECK(marfs_term(ctx) == 0);
    return NULL;
}

static void test_init_drops_for_good(void **state)
{
    assert_int_equal(marfs_is_setuid(), 0);     /* root running as root */
    as_setuid_child(*state, "child_drops");
}

/* ---- metadata as the user ---------------------------------------------- */

static const uint8_t *data1;

static const char *child_files(struct at_env *env)
{
    marfs_ctx_t *ctx;
    marfs_fh_t *fh, *fh2;
    struct stat st;
    CHECK(marfs_init(env->conf, MARFS_BATCH, &ctx) == 0);
    data1 = at_data((1 << 20) + 7, 41);       /* the parent's bytes */
    /* created as nobody */
    fh = at_put(ctx, at_p("/u/f"), data1, 5000, 0, NULL);
    CHECK(marfs_close(fh) == 0);
    CHECK(marfs_stat(ctx, at_p("/u/f"), &st) == 0);
    CHECK(st.st_uid == NOBODY && st.st_gid == NOBODY &&
          (st.st_mode & 07777) == 0644 && st.st_size == 5000);
    /* a packed file made read-only by its owner before it completes */
    CHECK(marfs_creat(ctx, at_p("/u/a"), 0644, NULL, &fh) == 0);
    CHECK(marfs_write(fh, data1, 3000) == 3000);
    CHECK(marfs_creat(ctx, at_p("/u/b"), 0644, fh, &fh2) == 0);
    CHECK(marfs_chmod(ctx, at_p("/u/a"), 0444) == 0);
    CHECK(marfs_write(fh2, data1, 10) == 10);
    CHECK(marfs_close(fh2) == 0);
    uint64_t crc;
    CHECK(marfs_file_checksum(ctx, at_p("/u/a"), &crc) == 0);
    CHECK(crc == marfs_checksum_update(0, data1, 3000));
    CHECK(marfs_stat(ctx, at_p("/u/a"), &st) == 0 &&
          (st.st_mode & 07777) == 0444);
    /* N:1, mode 0440 from the start, finalized by another handle */
    CHECK(marfs_creat(ctx, at_p("/u/n"), 0644, NULL, &fh) == 0);
    CHECK(marfs_set_size(fh, (1 << 20) + 7) == 0);
    CHECK(marfs_fchmod(fh, 0440) == 0);
    CHECK(marfs_pwrite(fh, data1, 1 << 20, 0) == 1 << 20);
    CHECK(marfs_open(ctx, at_p("/u/n"), O_WRONLY, &fh2) == 0);
    CHECK(marfs_pwrite(fh2, data1 + (1 << 20), 7, 1 << 20) == 7);
    CHECK(marfs_finalize(fh2) == 0);
    CHECK(marfs_close(fh2) == 0 && marfs_close(fh) == 0);
    CHECK(marfs_file_checksum(ctx, at_p("/u/n"), &crc) == 0);
    CHECK(crc == marfs_checksum_update(0, data1, (1 << 20) + 7));
    CHECK(marfs_stat(ctx, at_p("/u/n"), &st) == 0 &&
          (st.st_mode & 07777) == 0440);
    /* the caller's umask, even one that takes the owner's bits */
    mode_t old = umask(0277);
    fh = at_put(ctx, at_p("/u/m"), data1, 100, 0, NULL);
    umask(old);
    CHECK(marfs_close(fh) == 0);
    CHECK(marfs_stat(ctx, at_p("/u/m"), &st) == 0 &&
          (st.st_mode & 07777) == 0400);
    CHECK(marfs_file_checksum(ctx, at_p("/u/m"), &crc) == 0);
    CHECK(marfs_term(ctx) == 0);
    return NULL;
}

static void test_files_are_the_callers(void **state)
{
    struct at_env *env = *state;
    data1 = at_data((1 << 20) + 7, 41);
    assert_int_equal(marfs_mkdir(env->ctx, at_p("/u"), 0755), 0);
    assert_int_equal(marfs_chown(env->ctx, at_p("/u"), NOBODY, NOBODY), 0);
    as_setuid_child(env, "child_files");
    at_expect(env->ctx, at_p("/u/f"), data1, 5000);
    at_expect(env->ctx, at_p("/u/a"), data1, 3000);
    at_expect(env->ctx, at_p("/u/n"), data1, (1 << 20) + 7);
    free((void *)data1);
}

static const char *child_denied(struct at_env *env)
{
    marfs_ctx_t *ctx;
    marfs_fh_t *fh;
    struct stat st;
    CHECK(marfs_init(env->conf, MARFS_BATCH, &ctx) == 0);
    CHECK(marfs_creat(ctx, at_p("/r/x"), 0644, NULL, &fh) == -EACCES);
    CHECK(marfs_mkdir(ctx, at_p("/r/y"), 0755) == -EACCES);
    CHECK(marfs_open(ctx, at_p("/r/secret"), O_RDONLY, &fh) == -EACCES);
    CHECK(marfs_open(ctx, at_p("/r/nto1"), O_WRONLY, &fh) == -EACCES);
    CHECK(marfs_chown(ctx, at_p("/r/rw"), NOBODY, NOBODY) == -EPERM);
    CHECK(marfs_truncate(ctx, at_p("/r/rw"), 0) == -EPERM);
    CHECK(marfs_chmod(ctx, at_p("/r/rw"), 0777) == -EPERM);
    CHECK(marfs_unlink(ctx, at_p("/r/rw")) == -EACCES);
    CHECK(marfs_stat(ctx, at_p("/r/rw"), &st) == 0 && st.st_size == 10);
    CHECK(marfs_term(ctx) == 0);
    return NULL;
}

static void test_kernel_checks_the_caller(void **state)
{
    struct at_env *env = *state;
    uint8_t *d = at_data(10, 3);
    marfs_fh_t *nto1;
    assert_int_equal(marfs_mkdir(env->ctx, at_p("/r"), 0755), 0);
    at_write(env->ctx, at_p("/r/secret"), d, 10);
    assert_int_equal(marfs_chmod(env->ctx, at_p("/r/secret"), 0600), 0);
    at_write(env->ctx, at_p("/r/rw"), d, 10);
    assert_int_equal(marfs_chmod(env->ctx, at_p("/r/rw"), 0666), 0);
    /* root's N:1 write in progress: nobody may read it, not join it */
    assert_int_equal(marfs_creat(env->ctx, at_p("/r/nto1"), 0644, NULL, &nto1),
                     0);
    assert_int_equal(marfs_set_size(nto1, 100), 0);
    as_setuid_child(env, "child_denied");
    assert_int_equal(marfs_abort(nto1), 0);
    at_expect(env->ctx, at_p("/r/rw"), d, 10);
    free(d);
}

/* ---- what a setuid start refuses --------------------------------------- */

static const char *child_refused(struct at_env *env)
{
    marfs_ctx_t *ctx = NULL;
    CHECK(marfs_init(env->conf, MARFS_BATCH, &ctx) == -EPERM);
    CHECK(ctx == NULL);
    CHECK(all_ids(NOBODY, NOBODY));           /* dropped all the same */
    return NULL;
}

static void test_untrusted_config_refused(void **state)
{
    struct at_env *env = *state;
    char conf[sizeof(env->conf)];
    snprintf(conf, sizeof(conf), "%s", env->conf);
    /* a config nobody could have replaced: its own */
    assert_int_equal(chown(env->conf, NOBODY, NOBODY), 0);
    as_setuid_child(env, "child_refused");
    assert_int_equal(chown(env->conf, 0, 0), 0);
    /* ... or one any user may write */
    assert_int_equal(chmod(env->conf, 0666), 0);
    as_setuid_child(env, "child_refused");
    assert_int_equal(chmod(env->conf, 0644), 0);
}

static void test_roots_behind_a_barrier(void **state)
{
    struct at_env *env = *state;
    /* the scratch dir was the barrier of the data root */
    assert_int_equal(chmod(env->dir, 0755), 0);
    as_setuid_child(env, "child_refused");
    assert_int_equal(chmod(env->dir, 0700), 0);
}

/* ---- group of a new file ------------------------------------------------ */

static void test_setgid_directory_group(void **state)
{
    struct at_env *env = *state;
    struct stat st;
    uint8_t *d = at_data(10, 9);
    assert_int_equal(marfs_mkdir(env->ctx, at_p("/g"), 0755), 0);
    assert_int_equal(marfs_chown(env->ctx, at_p("/g"), 0, 4242), 0);
    assert_int_equal(marfs_chmod(env->ctx, at_p("/g"), 02775), 0);
    at_write(env->ctx, at_p("/g/f"), d, 10);
    assert_int_equal(marfs_stat(env->ctx, at_p("/g/f"), &st), 0);
    assert_int_equal(st.st_gid, 4242);
    assert_int_equal(st.st_uid, 0);
    free(d);
}

/* The child side of as_setuid_child: "child NAME CONFIG FD". */
static int child_main(char **argv)
{
    static const struct {
        const char *name;
        child_fn fn;
    } table[] = {
        {"child_drops", child_drops},   {"child_files", child_files},
        {"child_denied", child_denied}, {"child_refused", child_refused},
    };
    struct at_env env;
    memset(&env, 0, sizeof(env));
    snprintf(env.conf, sizeof(env.conf), "%s", argv[3]);
    int fd = atoi(argv[4]);
    const char *msg = "no such child";
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(argv[2], table[i].name) == 0) {
            msg = "cannot simulate a setuid start";
            if (setgroups(0, NULL) == 0 && setresgid(NOBODY, 0, 0) == 0 &&
                setresuid(NOBODY, 0, 0) == 0)
                msg = table[i].fn(&env);
        }
    if (msg != NULL && write(fd, msg, strlen(msg)) < 0)
        _exit(2);
    /* _exit: the leak checker cannot stop a non-dumpable process's
     * threads to scan them, and nothing here outlives the process */
    _exit(msg ? 1 : 0);
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "child") == 0)
        return child_main(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_drops_for_good, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_files_are_the_callers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_kernel_checks_the_caller, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_untrusted_config_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_roots_behind_a_barrier, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_setgid_directory_group, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
