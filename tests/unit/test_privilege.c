/*
 * test_privilege.c - unit tests of the util layer's privilege helpers
 * (privilege.h, trustpath.h, rootdir.h): detecting a setuid start and
 * dropping for good (in a child started like one: real ids nobody,
 * effective root), the suite's environment variables ignored then;
 * which config files a setuid program may read; which roots it accepts
 * as secure (a barrier above a passable data root, or the metadata root
 * itself) and when verify may make a data root passable.
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

#include "dal_test.h"
#include "privilege.h"
#include "rootdir.h"
#include "trustpath.h"

#define NOBODY 65534

struct fix {
    char dir[128];     /* mkdtemp: 0700, root's */
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    dt_mkdtemp(f->dir, sizeof(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    dt_rmtree(f->dir);
    free(f);
    return 0;
}

static const char *at(const struct fix *f, const char *rel)
{
    static char bufs[4][256];
    static unsigned n;
    char *b = bufs[n++ % 4];
    dt_fmt(b, 256, "%s/%s", f->dir, rel);
    return b;
}

static void put_file(const char *path, const char *text, mode_t mode)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* Run fn in a child started as a setuid-root program run by nobody;
 * fn returns 0 when all its checks passed, else the failing line. */
static void as_setuid_child(int (*fn)(const struct fix *), const struct fix *f)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        mlog_set_level(MLOG_ERR);
        if (setgroups(0, NULL) != 0 || setresgid(NOBODY, 0, 0) != 0 ||
            setresuid(NOBODY, 0, 0) != 0)
            _exit(255);
        _exit(fn(f) & 0xff);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("setuid child: check at line %d (mod 256) failed",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

#define CHECK(c) do { if (!(c)) return __LINE__; } while (0)

/* ---- privilege.h -------------------------------------------------------- */

static int child_drop(const struct fix *f)
{
    (void)f;
    uid_t r, e, s;
    gid_t rg, eg, sg;
    CHECK(setenv("MARFS_TEST_VAR", "x", 1) == 0);
    CHECK(mutil_priv_elevated() == 1 && mutil_priv_started() == 1);
    CHECK(mutil_priv_getenv("MARFS_TEST_VAR") == NULL);
    CHECK(mutil_priv_drop() == 0);
    CHECK(getresuid(&r, &e, &s) == 0 && r == NOBODY && e == NOBODY &&
          s == NOBODY);
    CHECK(getresgid(&rg, &eg, &sg) == 0 && rg == NOBODY && eg == NOBODY &&
          sg == NOBODY);
    CHECK(setresuid((uid_t)-1, 0, (uid_t)-1) != 0 && errno == EPERM);
    CHECK(mutil_priv_elevated() == 0 && mutil_priv_started() == 1);
    CHECK(mutil_priv_getenv("MARFS_TEST_VAR") == NULL);
    CHECK(prctl(PR_GET_DUMPABLE) == 0);
    return 0;
}

static void test_drop(void **state)
{
    /* root running as root: nothing to drop, the environment counts */
    assert_int_equal(mutil_priv_elevated(), 0);
    assert_int_equal(mutil_priv_started(), 0);
    assert_int_equal(setenv("MARFS_TEST_VAR", "x", 1), 0);
    assert_string_equal(mutil_priv_getenv("MARFS_TEST_VAR"), "x");
    as_setuid_child(child_drop, *state);
}

static int child_scrub(const struct fix *f)
{
    (void)f;
    CHECK(clearenv() == 0);         /* whatever this machine sets */
    CHECK(setenv("https_proxy", "http://198.18.0.9:3128", 1) == 0);
    CHECK(setenv("AWS_SECRET_ACCESS_KEY", "users-own", 1) == 0);
    CHECK(setenv("SSL_CERT_FILE", "/tmp/evil-ca.pem", 1) == 0);
    CHECK(setenv("MARFS_TEST_KEEP_ME", "y", 1) == 0);
    CHECK(mutil_priv_scrub_env() == 3);
    CHECK(getenv("https_proxy") == NULL);
    CHECK(getenv("AWS_SECRET_ACCESS_KEY") == NULL);
    CHECK(getenv("SSL_CERT_FILE") == NULL);
    CHECK(getenv("MARFS_TEST_KEEP_ME") != NULL);     /* not ours to judge */
    CHECK(mutil_priv_scrub_env() == 0);
    return 0;
}

static void test_scrub_env(void **state)
{
    /* not setuid: the environment is the user's to use */
    assert_int_equal(setenv("https_proxy", "http://127.0.0.1:1", 1), 0);
    assert_int_equal(mutil_priv_scrub_env(), 0);
    assert_string_equal(getenv("https_proxy"), "http://127.0.0.1:1");
    assert_int_equal(unsetenv("https_proxy"), 0);
    as_setuid_child(child_scrub, *state);
}

/* ---- trustpath.h ---------------------------------------------------------- */

static int read_ok(const char *path, const char *want)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = mutil_trusted_read("config", path, &buf, &len);
    int ok = rc == 0 && len == strlen(want) && strcmp(buf, want) == 0;
    free(buf);
    return ok ? 0 : rc ? rc : -1;
}

static void test_trusted_read(void **state)
{
    struct fix *f = *state;
    char *buf;
    size_t len;
    assert_int_equal(chmod(f->dir, 0755), 0);
    put_file(at(f, "good.xml"), "<marfs/>\n", 0644);
    assert_int_equal(read_ok(at(f, "good.xml"), "<marfs/>\n"), 0);
    /* through a symlink: its target is what is checked */
    assert_int_equal(symlink(at(f, "good.xml"), at(f, "link.xml")), 0);
    assert_int_equal(read_ok(at(f, "link.xml"), "<marfs/>\n"), 0);
    /* writable by group or others, or someone else's */
    put_file(at(f, "gw.xml"), "x", 0664);
    dt_log_capture();
    assert_int_equal(mutil_trusted_read("config", at(f, "gw.xml"), &buf, &len),
                     -EPERM);
    dt_log_expect(at(f, "gw.xml"), "mode 0664", NULL);
    put_file(at(f, "theirs.xml"), "x", 0644);
    assert_int_equal(chown(at(f, "theirs.xml"), NOBODY, NOBODY), 0);
    dt_log_capture();
    assert_int_equal(mutil_trusted_read("config", at(f, "theirs.xml"), &buf,
                                        &len), -EPERM);
    dt_log_expect("owned by uid 65534", NULL);
    /* in a directory others may write (not sticky), or that is theirs */
    assert_int_equal(mkdir(at(f, "open"), 0777), 0);
    assert_int_equal(chmod(at(f, "open"), 0777), 0);
    put_file(at(f, "open/c.xml"), "x", 0644);
    dt_log_capture();
    assert_int_equal(mutil_trusted_read("config", at(f, "open/c.xml"), &buf,
                                        &len), -EPERM);
    dt_log_expect(at(f, "open"), "writable by everyone", NULL);
    assert_int_equal(chmod(at(f, "open"), 01777), 0);     /* like /tmp */
    assert_int_equal(read_ok(at(f, "open/c.xml"), "x"), 0);
    assert_int_equal(mkdir(at(f, "nob"), 0755), 0);
    assert_int_equal(chown(at(f, "nob"), NOBODY, NOBODY), 0);
    put_file(at(f, "nob/c.xml"), "x", 0644);
    dt_log_capture();
    assert_int_equal(mutil_trusted_read("config", at(f, "nob/c.xml"), &buf,
                                        &len), -EPERM);
    dt_log_expect("belongs to uid 65534", NULL);
    /* relative, missing, a directory */
    assert_int_equal(mutil_trusted_read("config", "good.xml", &buf, &len),
                     -EINVAL);
    assert_int_equal(mutil_trusted_read("config", at(f, "none.xml"), &buf,
                                        &len), -ENOENT);
    assert_int_equal(mutil_trusted_read("config", f->dir, &buf, &len),
                     -EINVAL);
}

static int child_unreadable(const struct fix *f)
{
    char *buf;
    size_t len;
    /* the real user may only name files it could read itself */
    CHECK(mutil_trusted_read("config", at(f, "secret.xml"), &buf, &len) ==
          -EACCES);
    CHECK(read_ok(at(f, "good.xml"), "<marfs/>\n") == 0);
    return 0;
}

static void test_trusted_read_real_user(void **state)
{
    struct fix *f = *state;
    assert_int_equal(chmod(f->dir, 0755), 0);
    put_file(at(f, "good.xml"), "<marfs/>\n", 0644);
    put_file(at(f, "secret.xml"), "<marfs/>\n", 0600);
    as_setuid_child(child_unreadable, f);
}

/* ---- rootdir.h: secure roots ---------------------------------------------- */

static void test_secure_roots(void **state)
{
    struct fix *f = *state;
    /* f->dir (0700) is a barrier: a 0711 data root inside passes */
    assert_int_equal(mkdir(at(f, "data"), 0711), 0);
    assert_int_equal(chmod(at(f, "data"), 0711), 0);
    assert_int_equal(mutil_check_secure_root("data root", at(f, "data"), 1), 0);
    /* a 0700 metadata root is its own barrier; a 0700 data root cannot be
     * passed by users' programs */
    assert_int_equal(mkdir(at(f, "meta"), 0700), 0);
    assert_int_equal(mutil_check_secure_root("metadata root", at(f, "meta"), 0),
                     0);
    dt_log_capture();
    assert_int_equal(mutil_check_secure_root("data root", at(f, "meta"), 1),
                     -EPERM);
    dt_log_expect("users' setuid programs cannot pass it", NULL);
    /* without the barrier above */
    assert_int_equal(chmod(f->dir, 0755), 0);
    dt_log_capture();
    assert_int_equal(mutil_check_secure_root("data root", at(f, "data"), 1),
                     -EPERM);
    dt_log_expect("no directory on the way to it keeps users out", NULL);
    assert_int_equal(mutil_check_secure_root("metadata root", at(f, "meta"), 0),
                     0);
    /* a root writable by others, or someone else's */
    assert_int_equal(chmod(at(f, "meta"), 0770), 0);
    assert_int_equal(mutil_check_secure_root("metadata root", at(f, "meta"), 0),
                     -EPERM);
    assert_int_equal(chmod(at(f, "meta"), 0700), 0);
    assert_int_equal(chown(at(f, "meta"), NOBODY, NOBODY), 0);
    assert_int_equal(mutil_check_secure_root("metadata root", at(f, "meta"), 0),
                     -EPERM);
}

static void test_open_root(void **state)
{
    struct fix *f = *state;
    struct stat st;
    /* behind a barrier: verify with fix may open the data root up */
    assert_int_equal(mkdir(at(f, "data"), 0700), 0);
    assert_int_equal(mutil_open_root("data root", at(f, "data")), 1);
    assert_int_equal(stat(at(f, "data"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0711);
    assert_int_equal(mutil_open_root("data root", at(f, "data")), 0);
    /* not behind one: left as it is */
    assert_int_equal(chmod(f->dir, 0755), 0);
    assert_int_equal(mkdir(at(f, "data2"), 0700), 0);
    assert_int_equal(mutil_open_root("data root", at(f, "data2")), 0);
    assert_int_equal(stat(at(f, "data2"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
}

int main(void)
{
    mlog_init("test_privilege", -1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_drop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scrub_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trusted_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trusted_read_real_user, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_secure_roots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_root, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
