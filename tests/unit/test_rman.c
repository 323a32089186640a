/*
 * test_rman.c - unit tests of marfs-rman's pure parts: the write-ahead
 * log (records, commits, torn lines, the crash hook, versions), the
 * object arithmetic of tags (against the library's ftag_map), the string
 * table, gc's classification of reference entries, and durations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "files.h"
#include "wal.h"

/* A namespace context with just what the log needs: its rman dir. */
struct fake {
    char dir[64];
    struct mcfg_ns cfg;
    struct rm_ns ns;
};

static int setup(void **state)
{
    struct fake *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_rman.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->cfg.path = "/t";
    f->ns.ns = &f->cfg;
    f->ns.rmfd = open(f->dir, O_PATH | O_DIRECTORY);
    assert_true(f->ns.rmfd >= 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fake *f = *state;
    char p[128];
    snprintf(p, sizeof(p), "%s/wal", f->dir);
    unlink(p);
    close(f->ns.rmfd);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void append_raw(struct fake *f, const char *text)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/wal", f->dir);
    int fd = open(p, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void test_wal_roundtrip(void **state)
{
    struct fake *f = *state;
    struct rm_wal *w;
    unsigned a, b;
    const char *args[2] = {"stream-1/7", "x y"};
    assert_int_equal(wal_open(&f->ns, &w), 0);
    assert_int_equal(wal_begin(w, "gc", &a), 0);
    assert_int_equal(wal_intent(w, a, 0, "delobj", args, 1), 0);
    assert_int_equal(wal_intent(w, a, 1, "delmarks", args, 2), 0);
    assert_int_equal(wal_commit(w, a, 2), 0);
    assert_int_equal(wal_done(w, a, 0), 0);
    assert_int_equal(wal_begin(w, "repack", &b), 0);
    assert_int_equal(b, a + 1);
    assert_int_equal(wal_intent(w, b, 0, "newstream", args, 1), 0);
    /* a tab or newline in an argument would break the format */
    const char *bad[1] = {"a\tb"};
    assert_int_equal(wal_intent(w, b, 1, "delref", bad, 1), -EINVAL);
    /* a record torn by a crash, and an intent no commit covers */
    append_raw(f, "I 1 1 delref\tuncommitted\nD 0 1\nE 0");
    struct wal_batch *bs;
    size_t n;
    assert_int_equal(wal_load(w, &bs, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(bs[0].kind, "gc");
    assert_int_equal(bs[0].committed, 2);
    assert_int_equal(bs[0].n, 2);
    assert_string_equal(bs[0].s[1].action, "delmarks");
    assert_int_equal(bs[0].s[1].nargs, 2);
    assert_string_equal(bs[0].s[1].args[1], "x y");
    assert_true(bs[0].s[0].done);
    assert_true(bs[0].s[1].done);          /* "D 0 1" is whole */
    assert_false(bs[0].ended);             /* "E 0" has no newline */
    assert_string_equal(bs[1].kind, "repack");
    assert_int_equal(bs[1].committed, 0);
    assert_int_equal(bs[1].n, 2);
    wal_batches_free(bs, n);
    /* a new log continues the batch numbers */
    wal_close(w);
    assert_int_equal(wal_open(&f->ns, &w), 0);
    assert_int_equal(wal_begin(w, "gc", &a), 0);
    assert_int_equal(a, 2);
    assert_int_equal(wal_clear(w), 0);
    assert_int_equal(wal_load(w, &bs, &n), 0);
    assert_int_equal(n, 0);
    wal_close(w);
}

static void test_wal_version(void **state)
{
    struct fake *f = *state;
    struct rm_wal *w;
    char p[128];
    snprintf(p, sizeof(p), "%s/wal", f->dir);
    FILE *out = fopen(p, "w");
    fputs("MARFSWAL 9 /t\nB 0 gc 1\n", out);
    fclose(out);
    assert_int_equal(wal_open(&f->ns, &w), -EPROTONOSUPPORT);
}

/* The crash hook kills a process right after its K-th record: a child
 * re-executes this program (the hook reads its variable once). */
static const char *self;

static int crash_child(const char *dir)
{
    struct mcfg_ns cfg = {.path = "/t"};
    struct rm_ns ns = {.ns = &cfg, .rmfd = open(dir, O_PATH | O_DIRECTORY)};
    struct rm_wal *w;
    unsigned b;
    const char *arg[1] = {"o"};
    if (ns.rmfd < 0 || wal_open(&ns, &w) != 0 || wal_begin(w, "gc", &b) != 0)
        return 2;
    for (unsigned i = 0; i < 10; i++)
        wal_intent(w, b, i, "delobj", arg, 1);
    return 0;
}

static void test_wal_crash_hook(void **state)
{
    struct fake *f = *state;
    pid_t pid = fork();
    if (pid == 0) {
        setenv("MARFS_RMAN_CRASH_AT", "3", 1);
        execl(self, self, "--crash-child", f->dir, (char *)NULL);
        _exit(3);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    struct rm_wal *w;
    struct wal_batch *bs;
    size_t n;
    assert_int_equal(wal_open(&f->ns, &w), 0);
    assert_int_equal(wal_load(w, &bs, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(bs[0].n, 2);           /* B, I 0, I 1: three records */
    wal_batches_free(bs, n);
    wal_close(w);
}

/* file_obj_range / file_bytes_in agree with the library's ftag_map. */
static void test_object_ranges(void **state)
{
    (void)state;
    srandom(42);
    for (int iter = 0; iter < 20000; iter++) {
        struct rm_file f = {.complete = 1, .kind = RF_FILE};
        f.chunk = 1 + (uint64_t)(random() % 5000);
        /* first = 0 never comes from a stream, but decodes: cover it */
        f.first = iter % 10 ? 1 + (uint64_t)random() % f.chunk : 0;
        f.objno = (uint64_t)(random() % 7);
        f.off = 512 + (uint64_t)(random() % 100);
        f.hdr = 512;
        f.size = (uint64_t)(random() % (iter % 2 ? 20000 : 40));
        struct ftag t = {.objno = f.objno, .off = f.off, .first = f.first,
                         .chunk = f.chunk, .hdr = f.hdr, .size = f.size};
        uint64_t lo, hi, sum = 0;
        file_obj_range(&f, &lo, &hi);
        assert_int_equal(lo, f.objno + (f.first == 0 && f.size > 0));
        for (uint64_t k = lo; k <= hi; k++)
            sum += file_bytes_in(&f, k);
        assert_int_equal(sum, f.size);
        assert_int_equal(file_bytes_in(&f, hi + 1), 0);
        if (f.size > 0) {
            uint64_t o, x, avail;
            ftag_map(&t, f.size - 1, &o, &x, &avail);
            assert_int_equal(o, hi);
            ftag_map(&t, 0, &o, &x, &avail);
            assert_int_equal(o, lo);
        }
    }
}

static void test_strtab(void **state)
{
    (void)state;
    struct strtab *t = strtab_new();
    char buf[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(buf, sizeof(buf), "s%d", i);
        assert_int_equal(strtab_add(t, buf), (uint32_t)i);
    }
    assert_int_equal(strtab_add(t, "s17"), 17);
    assert_int_equal(strtab_find(t, "s4999"), 4999);
    assert_int_equal(strtab_find(t, "nope"), UINT32_MAX);
    assert_string_equal(strtab_get(t, 123), "s123");
    assert_int_equal(strtab_count(t), 5000);
    strtab_free(t);
}

static void test_classify(void **state)
{
    (void)state;
    struct rm_files fs = {.streams = strtab_new()};
    struct rm_opts o = {.age = 100, .grace = 1000};
    char mine[96];
    int64_t now = 1000000;
    /* an id of this very process: its writer runs */
    snprintf(mine, sizeof(mine), "%08lx-%d-%lx.000000000-0",
             (unsigned long)gethostid() & 0xffffffffUL, (int)getpid(),
             (unsigned long)time(NULL));
    uint32_t live_writer = strtab_add(fs.streams, mine);
    uint32_t other_host = strtab_add(fs.streams, "00000001-1-1.0-0");
    struct rm_file f = {.kind = RF_FILE, .complete = 1, .nlink = 2,
                        .stream = other_host, .ctime = 0};
    assert_int_equal(rm_classify(&fs, &f, now, &o), FATE_LIVE);
    f.nlink = 1;
    f.ctime = now - 50;
    assert_int_equal(rm_classify(&fs, &f, now, &o), FATE_YOUNG);
    f.ctime = now - 100;
    assert_int_equal(rm_classify(&fs, &f, now, &o), FATE_COLLECT);
    f.ctime = now - 50;
    f.expired = 1;
    assert_int_equal(rm_classify(&fs, &f, now, &o), FATE_COLLECT);
    /* incomplete: the age and the grace must both pass */
    f = (struct rm_file){.kind = RF_FILE, .nlink = 2, .stream = other_host,
                         .ctime = now - 500};
    assert_int_equal(rm_classify(&fs, &f, now, &o), FATE_WRITING);
    f.ctime = now - 1000;
    assert_int_equal(rm_classify(&fs, &f, now, &o), FATE_COLLECT_W);
    f.marker_mtime = now - 10;             /* an N:1 chunk just written */
    assert_int_equal(rm_classify(&fs, &f, now, &o), FATE_WRITING);
    /* a running writer protects its file whatever the age */
    f = (struct rm_file){.kind = RF_FILE, .nlink = 1, .stream = live_writer};
    assert_int_equal(rm_classify(&fs, &f, now, &o), FATE_WRITING);
    f.kind = RF_BADTAG;
    assert_int_equal(rm_classify(&fs, &f, now, &o), FATE_BAD);
    f = (struct rm_file){.kind = RF_UNTAGGED, .nlink = 1, .ref = mine,
                         .ctime = now - 5000};
    assert_int_equal(rm_classify(&fs, &f, now, &o), FATE_KEEP);
    f.ref = "00000001-1-1.0-0";
    assert_int_equal(rm_classify(&fs, &f, now, &o), FATE_STRAY);
    strtab_free(fs.streams);
}

static void test_durations(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(rm_parse_duration("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(rm_parse_duration("90s", &v), 0);
    assert_int_equal(v, 90);
    assert_int_equal(rm_parse_duration("7d", &v), 0);
    assert_int_equal(v, 7 * 86400);
    assert_int_equal(rm_parse_duration("2w", &v), 0);
    assert_int_equal(v, 14 * 86400);
    assert_int_equal(rm_parse_duration("15m", &v), 0);
    assert_int_equal(v, 900);
    assert_int_equal(rm_parse_duration("-1", &v), -EINVAL);
    assert_int_equal(rm_parse_duration("3x", &v), -EINVAL);
    assert_int_equal(rm_parse_duration("3dd", &v), -EINVAL);
    assert_int_equal(rm_parse_duration("", &v), -EINVAL);
    assert_int_equal(rm_parse_duration("99999999999999999w", &v), -ERANGE);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--crash-child") == 0)
        return crash_child(argv[2]);
    self = "/proc/self/exe";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wal_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_crash_hook, setup, teardown),
        cmocka_unit_test(test_object_ranges),
        cmocka_unit_test(test_strtab),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_durations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
