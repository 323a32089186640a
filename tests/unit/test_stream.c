/*
 * test_stream.c - write streams over a fault DAL: a full object is
 * published while the next one is written (its blocks are renamed only
 * once the slow publication ends, its files complete only then, and in
 * order), and a failed publication fails every file with a piece in it,
 * including one that spans into the next object, which is discarded too;
 * ref names come in groups of STREAM_REF_GROUP per thread, unique, and a
 * forked child or another thread starts groups of its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "stream.h"
#include "test_ne_util.h"

#define PSZ 1024
#define CHUNK (64 * 1024)

struct done_log {
    unsigned n;
    char path[8][64];
    int status[8];
    uint64_t size[8];
};

static void log_add(struct done_log *l, uint64_t size, int status)
{
    assert_true(l->n < 8);
    l->size[l->n] = size;
    l->status[l->n++] = status;
}

/* The callback gets the tag as ended; the log names files by size. */
static void on_done(void *arg, const struct ftag *tag, int status)
{
    log_add(arg, tag->size, status);
}

static void rules(struct tne_env *env, const char *r)
{
    assert_int_equal(dal_fault_set_rules(ne_ctx_dal(env->ctx), r), 0);
}

static struct stream *open_stream(struct tne_env *env)
{
    struct stream_params p = {.ne = env->ctx, .nspath = "/ns",
                              .chunk = CHUNK, .max_files = 100};
    struct stream *s = NULL;
    assert_int_equal(stream_open(&p, &s), 0);
    return s;
}

/* Begin, write and end one file; the stream's return codes. */
static int put_file(struct stream *s, const char *path, const uint8_t *d,
                    size_t len, struct done_log *log)
{
    struct obj_record rec;
    struct ftag tag;
    memset(&rec, 0, sizeof(rec));
    memset(&tag, 0, sizeof(tag));
    snprintf(rec.path, sizeof(rec.path), "%s", path);
    rec.mode = 0100644;
    int rc = stream_file_begin(s, &rec, &tag);
    if (rc < 0)
        return rc;
    /* a file that began hears its outcome once: from the callback, or
     * (a failed end registers none) from the return code */
    ssize_t w = stream_file_write(s, d, len);
    assert_true(w == (ssize_t)len || w < 0);
    rc = stream_file_end(s, &tag, on_done, log);
    if (w < 0 && rc == 0)
        rc = (int)w;
    if (rc < 0)
        log_add(log, len, rc);
    return rc;
}

static void objname(struct stream *s, unsigned k, char *buf, size_t sz)
{
    assert_int_equal(ftag_objname(stream_id(s), k, buf, sz), 0);
}

static int obj_exists(struct tne_env *env, const char *obj)
{
    struct ne_health h;
    return ne_stat(env->ctx, obj, &h) == 0;
}

/* Two files' bytes, distinct per seed (freed by the caller). */
static void two_files(size_t alen, size_t blen, int seed, uint8_t **a,
                      uint8_t **b)
{
    *a = malloc(alen);
    *b = malloc(blen);
    assert_non_null(*a);
    assert_non_null(*b);
    tne_fill(*a, alen, seed);
    tne_fill(*b, blen, seed + 1);
}

static void test_publish_overlaps(void **state)
{
    (void)state;
    struct tne_env env;
    tne_setup(&env, 4, 2, PSZ, TNE_FAULT, 6, 0);
    size_t alen = CHUNK + CHUNK / 2, blen = 3000;
    uint8_t *a, *b;
    two_files(alen, blen, 1, &a, &b);
    struct done_log log = {0};
    struct stream *s = open_stream(&env);
    char o0[160], o1[160];
    objname(s, 0, o0, sizeof(o0));
    objname(s, 1, o1, sizeof(o1));
    /* object 0's blocks take 1.5 s each to publish */
    char rule[256];
    snprintf(rule, sizeof(rule), "op=close obj=%s delay=1500", o0);
    rules(&env, rule);
    /* /a fills object 0 and goes on into object 1; /b is all in 1 */
    assert_int_equal(put_file(s, "/a", a, alen, &log), 0);
    assert_int_equal(put_file(s, "/b", b, blen, &log), 0);
    /* the writes did not wait for object 0's publication */
    assert_false(obj_exists(&env, o0));
    assert_int_equal(log.n, 0);
    /* sync waits for it; /a's last piece is in object 1, still open */
    assert_int_equal(stream_sync(s), 0);
    assert_true(obj_exists(&env, o0));
    assert_false(obj_exists(&env, o1));
    assert_int_equal(log.n, 0);
    assert_int_equal(stream_close(s), 0);
    rules(&env, NULL);
    /* both complete, in the order written */
    assert_int_equal(log.n, 2);
    assert_int_equal(log.size[0], alen);
    assert_int_equal(log.status[0], 0);
    assert_int_equal(log.size[1], blen);
    assert_int_equal(log.status[1], 0);
    /* object 0 holds the header, then /a's first CHUNK bytes exactly */
    uint8_t *got = NULL;
    ssize_t n = tne_get(env.ctx, o0, &got);
    assert_true(n > (ssize_t)(OBJ_HDR_SIZE + CHUNK));
    assert_memory_equal(got + OBJ_HDR_SIZE, a, CHUNK);
    free(got);
    n = tne_get(env.ctx, o1, &got);
    assert_true(n > (ssize_t)(OBJ_HDR_SIZE + alen - CHUNK));
    assert_memory_equal(got + OBJ_HDR_SIZE, a + CHUNK, alen - CHUNK);
    free(got);
    free(a);
    free(b);
    tne_teardown(&env);
}

static void test_failed_publish(void **state)
{
    (void)state;
    struct tne_env env;
    tne_setup(&env, 4, 2, PSZ, TNE_FAULT, 6, 0);
    size_t alen = 5000, blen = CHUNK;
    uint8_t *a, *b;
    two_files(alen, blen, 3, &a, &b);
    struct done_log log = {0};
    struct stream *s = open_stream(&env);
    char o0[160], o1[160], rule[256];
    objname(s, 0, o0, sizeof(o0));
    objname(s, 1, o1, sizeof(o1));
    /* 3 of 6 blocks of object 0 cannot be published: below quorum */
    snprintf(rule, sizeof(rule), "op=close obj=%s block=0,2,4 err=EIO", o0);
    rules(&env, rule);
    char *logbuf = NULL;            /* the expected errors, kept */
    size_t loglen = 0;
    FILE *logf = open_memstream(&logbuf, &loglen);
    assert_non_null(logf);
    mlog_set_stream(logf);
    /* /a is in object 0; /b spans objects 0 and 1 */
    assert_int_equal(put_file(s, "/a", a, alen, &log), 0);
    int rc = put_file(s, "/b", b, blen, &log);
    assert_true(rc == 0 || rc == -EIO);
    assert_int_equal(stream_sync(s), -EIO);
    /* the stream is broken: nothing more begins */
    assert_int_equal(put_file(s, "/c", a, 10, &log), -EIO);
    assert_int_equal(stream_close(s), -EIO);
    mlog_set_stream(NULL);
    fclose(logf);
    rules(&env, NULL);
    /* the error names the object and the stream's failure */
    assert_non_null(strstr(logbuf, o0));
    assert_non_null(strstr(logbuf, "write quorum"));
    assert_non_null(strstr(logbuf, "could not be stored"));
    free(logbuf);
    /* /a and /b heard their failure exactly once each */
    assert_int_equal(log.n, 2);
    assert_int_equal(log.size[0], alen);
    assert_int_equal(log.status[0], -EIO);
    assert_int_equal(log.status[1], -EIO);
    /* neither object is left: object 1 held the rest of a failed file */
    assert_false(obj_exists(&env, o0));
    assert_false(obj_exists(&env, o1));
    free(a);
    free(b);
    tne_teardown(&env);
}

/* ---- ref names ------------------------------------------------------- */

/* Split "<group>~<n>" (the group copied into g); n, or -1 if malformed. */
static long ref_split(const char *ref, char *g, size_t gsz)
{
    const char *t = strchr(ref, '~');
    if (t == NULL || t == ref || (size_t)(t - ref) >= gsz || t[1] == '\0')
        return -1;
    char *end;
    long n = strtol(t + 1, &end, 10);
    if (*end != '\0' || strchr(t + 1, '~') != NULL)
        return -1;
    memcpy(g, ref, (size_t)(t - ref));
    g[t - ref] = '\0';
    return n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

#define NREFS (2 * STREAM_REF_GROUP + 10)

static void test_ref_groups(void **state)
{
    (void)state;
    static char refs[NREFS][128];
    char *sorted[NREFS];
    char g[128], prev_g[128] = "";
    long prev_n = -1;
    unsigned groups = 0;
    for (unsigned i = 0; i < NREFS; i++) {
        stream_new_ref(refs[i], sizeof(refs[i]));
        sorted[i] = refs[i];
        long n = ref_split(refs[i], g, sizeof(g));
        assert_true(n >= 0 && n < STREAM_REF_GROUP);
        if (strcmp(g, prev_g) == 0) {
            assert_int_equal(n, prev_n + 1);    /* same group: next n */
        } else {
            /* a new group once the last one is full (or at the start) */
            assert_int_equal(n, 0);
            assert_true(i == 0 || prev_n == STREAM_REF_GROUP - 1);
            groups++;
        }
        snprintf(prev_g, sizeof(prev_g), "%s", g);
        prev_n = n;
    }
    /* this thread may have been inside a group already (earlier tests) */
    assert_true(groups == 3 || groups == 4);
    qsort(sorted, NREFS, sizeof(sorted[0]), cmp_str);
    for (unsigned i = 1; i < NREFS; i++)
        assert_true(strcmp(sorted[i - 1], sorted[i]) != 0);
}

/* A forked child (the same thread, copied) and another thread each start
 * a group of their own; the parent's group goes on. */
static void *other_thread(void *arg)
{
    stream_new_ref(arg, 128);
    return NULL;
}

static void test_ref_groups_fork_thread(void **state)
{
    (void)state;
    char a[128], b[128], child[128], th[128], ga[128], gb[128], gc[128],
        gt[128];
    stream_new_ref(a, sizeof(a));
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char r[128];
        stream_new_ref(r, sizeof(r));
        ssize_t w = write(p[1], r, strlen(r) + 1);
        _exit(w == (ssize_t)strlen(r) + 1 ? 0 : 1);
    }
    close(p[1]);
    ssize_t n = read(p[0], child, sizeof(child));
    close(p[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_true(n > 0 && child[n - 1] == '\0');
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, other_thread, th), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    stream_new_ref(b, sizeof(b));
    long na = ref_split(a, ga, sizeof(ga)), nb = ref_split(b, gb, sizeof(gb));
    assert_int_equal(ref_split(child, gc, sizeof(gc)), 0);
    assert_int_equal(ref_split(th, gt, sizeof(gt)), 0);
    assert_string_not_equal(gc, ga);
    assert_string_not_equal(gt, ga);
    assert_string_not_equal(gt, gc);
    if (na < STREAM_REF_GROUP - 1) {            /* a's group had room */
        assert_string_equal(gb, ga);
        assert_int_equal(nb, na + 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publish_overlaps),
        cmocka_unit_test(test_failed_publish),
        cmocka_unit_test(test_ref_groups),
        cmocka_unit_test(test_ref_groups_fork_thread),
    };
    return cmocka_run_group_tests_name("stream", tests, NULL, NULL);
}
