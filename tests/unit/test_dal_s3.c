/*
 * test_dal_s3.c - the S3 DAL and the erasure layer over it, against the
 * real s3rver that tests/integration/s3-dal.sh starts (S3_ENDPOINT,
 * credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).  Every test
 * of the server group runs once per signing path (v2: libs3, v4: curl).
 *
 * - the round-trip matrix: (4,2) and (10,2), sizes around the part (PSZ)
 *   and multipart-part boundaries and a multi-MiB object, whole and
 *   ranged reads byte-exact;
 * - up to E blocks deleted with a plain S3 request (libcurl's own SigV4
 *   signer, not the DAL) still read exact; E+1 gives -EIO;
 * - multipart: blocks above the threshold go up in parts (one upload
 *   per block) and read back exact; an aborted multipart write leaves no
 *   object and a new write of the same block succeeds;
 * - the documented key layout, stat/list/del semantics;
 * - without a server: the retry classification and backoff bounds, and
 *   the configuration errors (each names the parameter or the file).
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
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "dal_s3.h"
#include "log.h"
#include "test_ne_util.h"

#define PSZ 4096
#define PART (64u << 10)

static const char *sig = "v4";     /* the signing path under test */
static const char *endpoint;

/* Bucket-name stem of the path under test (both share one server). */
static const char *tb(void)
{
    return strcmp(sig, "v4") == 0 ? "t4" : "t2";
}

/* ---- scratch repo over the S3 DAL ------------------------------------- */

/* The metadata root the configs name (unused by these tests): one per
 * process, removed at its end even when tests fail. */
static char scratch[64];

struct s3env {
    const struct mcfg *cfg;
    const struct mcfg_repo *repo;
    dal_t *dal;
    ne_ctx_t *ctx;
};

static const struct mcfg *load(const char *dalxml, unsigned n, unsigned e,
                               const char *dir)
{
    char xml[8192];
    snprintf(xml, sizeof(xml),
        "<marfs_config version=\"1\"><mnt_top>/t</mnt_top>"
        "<repo name=\"t\"><data><protection><N>%u</N><E>%u</E>"
        "<PSZ>%d</PSZ></protection><distribution><pods cnt=\"1\"/>"
        "<caps cnt=\"2\"/><scatters cnt=\"2\"/></distribution>%s</data>"
        "<meta><namespaces><ns name=\"root\"/></namespaces>"
        "<MDAL type=\"posix\"><ns_root>%s</ns_root></MDAL></meta></repo>"
        "</marfs_config>", n, e, PSZ, dalxml, dir);
    const struct mcfg *cfg = NULL;
    assert_int_equal(mcfg_load_buffer(xml, strlen(xml), "test", stderr,
                                      &cfg), 0);
    return cfg;
}

static void s3_dalxml(char *buf, size_t sz, const char *extra)
{
    snprintf(buf, sz, "<DAL type=\"s3\"><endpoint>%s</endpoint>"
             "<scheme>http</scheme><signature>%s</signature>"
             "<bucket>%s-b{b}-c{c}</bucket><key_prefix>p{p}/s{s}/"
             "</key_prefix><retries>2</retries>%s%s</DAL>", endpoint, sig, tb(),
             strcmp(sig, "v4") == 0 ? "<multipart_threshold>64K"
             "</multipart_threshold><part_size>64K</part_size>"
             "<part_threads>3</part_threads>" : "", extra);
}

static void env_setup(struct s3env *env, unsigned n, unsigned e)
{
    char dalxml[1024];
    memset(env, 0, sizeof(*env));
    s3_dalxml(dalxml, sizeof(dalxml), "");
    env->cfg = load(dalxml, n, e, scratch);
    env->repo = &env->cfg->repos[0];
    assert_int_equal(dal_create(env->repo->dal, env->repo, &env->dal), 0);
    assert_int_equal(env->dal->ops->verify(env->dal, 1), 0);
    struct ne_opts o;
    ne_opts_default(&o);
    assert_int_equal(ne_ctx_create_dal(env->repo, &o, env->dal, &env->ctx),
                     0);
}

static void env_teardown(struct s3env *env)
{
    ne_ctx_destroy(env->ctx);
    dal_destroy(env->dal);
    mcfg_free(env->cfg);
}

/* ---- plain S3 requests (libcurl's signer, not ours) ------------------- */

static size_t sink(char *p, size_t s, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return s * n;
}

/* Method on /bucket/key; the HTTP status. */
static long plain(const char *method, const char *bucket, const char *key)
{
    char url[1024], user[256];
    snprintf(url, sizeof(url), "http://%s/%s/%s", endpoint, bucket, key);
    snprintf(user, sizeof(user), "%s:%s", getenv("AWS_ACCESS_KEY_ID"),
             getenv("AWS_SECRET_ACCESS_KEY"));
    CURL *h = curl_easy_init();
    assert_non_null(h);
    struct curl_slist *hd = curl_slist_append(NULL,
        "x-amz-content-sha256: UNSIGNED-PAYLOAD");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:s3");
    curl_easy_setopt(h, CURLOPT_USERPWD, user);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    return code;
}

/* Where block b of obj lives, by the documented layout:
 * bucket t-b{b}-c{c}, key p{p}/s{s}/<escaped name>. */
static void block_where(struct s3env *env, const char *obj, unsigned b,
                        char *bucket, char *key)
{
    struct dal_loc loc;
    ne_block_loc(env->ctx, obj, b, &loc);
    sprintf(bucket, "%s-b%u-c%u", tb(), loc.block, loc.cap);
    sprintf(key, "p%u/s%u/%s", loc.pod, loc.scatter, obj);
}

static void delete_block(struct s3env *env, const char *obj, unsigned b)
{
    char bucket[64], key[256];
    block_where(env, obj, b, bucket, key);
    assert_int_equal(plain("HEAD", bucket, key), 200);
    long code = plain("DELETE", bucket, key);
    assert_true(code == 204 || code == 200);
    assert_int_equal(plain("HEAD", bucket, key), 404);
}

/* ---- round trips ------------------------------------------------------ */

static void check_read(ne_ctx_t *ctx, const char *obj, const uint8_t *data,
                       size_t len)
{
    uint8_t *got = NULL;
    assert_int_equal(tne_get(ctx, obj, &got), (ssize_t)len);
    assert_memory_equal(got, data, len);
    free(got);
    size_t ranges[][2] = {{0, 1}, {len / 2, 777}, {len ? len - 1 : 0, 1},
                          {PSZ - 3, 10}, {len / 3, PART + 5}};
    ne_read_t *h;
    assert_int_equal(ne_open_read(ctx, obj, &h), 0);
    uint8_t *buf = malloc(PART + 16);
    assert_non_null(buf);
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        size_t off = ranges[i][0], n = ranges[i][1];
        size_t want = off >= len ? 0 : (len - off < n ? len - off : n);
        assert_int_equal(ne_pread(h, buf, n, off), (ssize_t)want);
        assert_memory_equal(buf, data + (off < len ? off : 0), want);
    }
    free(buf);
    ne_close_read(h);
}

static void matrix(unsigned n, unsigned e)
{
    struct s3env env;
    env_setup(&env, n, e);
    size_t sizes[] = {0, 1, PSZ - 1, PSZ, PSZ + 1, n * PSZ - 1, n * PSZ,
                      n * PSZ + 1, (size_t)n * PART - 1, (size_t)n * PART + 1,
                      2 * (size_t)n * PART + 4099, (3u << 20) + 77};
    size_t max = sizes[sizeof(sizes) / sizeof(sizes[0]) - 1];
    uint8_t *data = malloc(max);
    assert_non_null(data);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char obj[64];
        snprintf(obj, sizeof(obj), "m%u-%u-%zu", n, e, sizes[i]);
        tne_fill(data, sizes[i], i + 1);
        assert_int_equal(tne_put(env.ctx, obj, data, sizes[i], 70001, NULL),
                         0);
        check_read(env.ctx, obj, data, sizes[i]);
    }
    free(data);
    env_teardown(&env);
}

static void test_matrix_4_2(void **state)
{
    (void)state;
    matrix(4, 2);
}

static void test_matrix_10_2(void **state)
{
    (void)state;
    matrix(10, 2);
}

/* Every set of up to E blocks deleted from the buckets: exact; E+1:
 * -EIO.  (4,2): all sets; (10,2): all singles and a spread of pairs. */
static void losses(unsigned n, unsigned e, size_t size, int all_pairs)
{
    struct s3env env;
    env_setup(&env, n, e);
    uint8_t *data = malloc(size);
    assert_non_null(data);
    tne_fill(data, size, 99);
    unsigned nb = n + e, sets = 0;
    for (unsigned k = 1; k <= e + 1; k++) {
        unsigned c[8];
        for (unsigned i = 0; i < k; i++)
            c[i] = i;
        unsigned done = 0;
        do {
            unsigned idx = done++;
            if (k == e + 1 && idx >= 3)
                break;
            if (k > 1 && k <= e && !all_pairs && idx % 7 != 0)
                continue;
            char obj[64];
            snprintf(obj, sizeof(obj), "loss%u-%u-%u", n, e, sets++);
            assert_int_equal(tne_put(env.ctx, obj, data, size, 0, NULL), 0);
            for (unsigned i = 0; i < k; i++)
                delete_block(&env, obj, c[i]);
            uint8_t *got = NULL;
            ssize_t r = tne_get(env.ctx, obj, &got);
            if (k <= e) {
                assert_int_equal(r, (ssize_t)size);
                assert_memory_equal(got, data, size);
            } else {
                assert_int_equal(r, -EIO);
            }
            free(got);
        } while (tne_next_combo(c, k, nb));
    }
    free(data);
    env_teardown(&env);
}

static void test_losses_4_2(void **state)
{
    (void)state;
    losses(4, 2, 300001, 1);
}

static void test_losses_10_2(void **state)
{
    (void)state;
    losses(10, 2, 300001, 0);
}

/* ---- multipart -------------------------------------------------------- */

static char *logbuf;
static size_t loglen;
static FILE *logf_;

static void capture_log(enum mlog_level lvl)
{
    logf_ = open_memstream(&logbuf, &loglen);
    assert_non_null(logf_);
    mlog_set_stream(logf_);
    mlog_set_level(lvl);
}

static void release_log(void)
{
    fflush(logf_);
    mlog_set_stream(stderr);
    mlog_set_level(MLOG_WARN);
}

static void free_log(void)
{
    fclose(logf_);
    free(logbuf);
    logbuf = NULL;
}

static unsigned count(const char *hay, const char *needle)
{
    unsigned c = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        c++;
    return c;
}

static void test_multipart(void **state)
{
    (void)state;
    if (strcmp(sig, "v4") != 0)
        skip();   /* libs3 2.0 has no multipart API */
    struct s3env env;
    env_setup(&env, 4, 2);
    size_t size = (3u << 20) + 77;        /* blocks of ~768 KiB: 12 parts */
    uint8_t *data = malloc(size);
    assert_non_null(data);
    tne_fill(data, size, 5);
    capture_log(MLOG_DEBUG);
    int rc = tne_put(env.ctx, "mpu", data, size, 1 << 20, NULL);
    release_log();
    assert_int_equal(rc, 0);
    assert_int_equal(count(logbuf, "upload "), 6);   /* one per block */
    assert_int_equal(count(logbuf, "started"), 6);
    free_log();
    check_read(env.ctx, "mpu", data, size);
    free(data);
    env_teardown(&env);
}

static void test_multipart_abort(void **state)
{
    (void)state;
    struct s3env env;
    env_setup(&env, 4, 2);
    dal_t *d = env.dal;
    struct dal_loc loc = {0, 1, 1, 1};
    size_t size = 5 * PART + 123;
    uint8_t *data = malloc(size);
    assert_non_null(data);
    tne_fill(data, size, 7);
    dal_block_t *b;
    assert_int_equal(d->ops->open_write(d, &loc, "ab", &b), 0);
    assert_int_equal(d->ops->put(b, data, size), (ssize_t)size);
    assert_int_equal(d->ops->abort(b), 0);
    assert_int_equal(plain("HEAD", strcmp(sig, "v4") ? "t2-b1-c1" : "t4-b1-c1",
                           "p0/s1/ab"), 404);
    struct dal_stat st;
    assert_int_equal(d->ops->stat(d, &loc, "ab", &st), -ENOENT);
    /* the next write of that block is not disturbed */
    assert_int_equal(d->ops->open_write(d, &loc, "ab", &b), 0);
    assert_int_equal(d->ops->put(b, data, size), (ssize_t)size);
    assert_int_equal(d->ops->set_meta(b, "m", 1), 0);
    assert_int_equal(d->ops->close(b), 0);
    assert_int_equal(d->ops->stat(d, &loc, "ab", &st), 0);
    assert_int_equal(st.size, size);
    assert_int_equal(d->ops->open_read(d, &loc, "ab", &b), 0);
    uint8_t *got = malloc(size);
    assert_non_null(got);
    size_t off = 0;
    while (off < size) {
        ssize_t r = d->ops->get(b, got + off, size - off, off);
        assert_true(r > 0);
        off += (size_t)r;
    }
    assert_memory_equal(got, data, size);
    char meta[4];
    assert_int_equal(d->ops->get_meta(b, meta, sizeof(meta)), 1);
    assert_int_equal(meta[0], 'm');
    assert_int_equal(d->ops->close(b), 0);
    free(got);
    free(data);
    env_teardown(&env);
}

/* ---- DAL semantics ---------------------------------------------------- */

static int collect(const char *obj, void *arg)
{
    char *acc = arg;
    strcat(acc, obj);
    strcat(acc, ";");
    return 0;
}

static void test_semantics(void **state)
{
    (void)state;
    struct s3env env;
    env_setup(&env, 4, 2);
    dal_t *d = env.dal;
    struct dal_loc loc = {0, 3, 0, 1};
    const char *names[] = {"a/b c", ".hidden", "50%"};
    char bkt[16];
    snprintf(bkt, sizeof(bkt), "%s-b3-c0", tb());
    dal_block_t *b;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(d->ops->open_write(d, &loc, names[i], &b), 0);
        assert_int_equal(d->ops->put(b, "xyz", 3), 3);
        assert_int_equal(d->ops->close(b), 0);
    }
    /* escaped keys, as documented */
    assert_int_equal(plain("HEAD", bkt, "p0/s1/a%252Fb%2520c"), 200);
    assert_int_equal(plain("HEAD", bkt, "p0/s1/%252Ehidden"), 200);
    char acc[256] = "";
    assert_int_equal(d->ops->list(d, &loc, collect, acc), 0);
    if (strlen(acc) != strlen("a/b c;.hidden;50%;"))
        fail_msg("listed: %s", acc);
    assert_non_null(strstr(acc, "a/b c;"));
    assert_non_null(strstr(acc, ".hidden;"));
    /* no meta set: -ENODATA; data size excludes the trailer */
    struct dal_stat st;
    assert_int_equal(d->ops->stat(d, &loc, "50%", &st), 0);
    assert_int_equal(st.size, 3);
    assert_true(st.mtime > 1600000000);
    assert_int_equal(d->ops->open_read(d, &loc, "50%", &b), 0);
    char buf[8];
    assert_int_equal(d->ops->get_meta(b, buf, sizeof(buf)), -ENODATA);
    assert_int_equal(d->ops->get(b, buf, 8, 1), 2);
    assert_memory_equal(buf, "yz", 2);
    assert_int_equal(d->ops->get(b, buf, 8, 3), 0);
    assert_int_equal(d->ops->put(b, "x", 1), -EBADF);
    assert_int_equal(d->ops->close(b), 0);
    assert_int_equal(d->ops->del(d, &loc, "50%"), 0);
    assert_int_equal(d->ops->del(d, &loc, "50%"), -ENOENT);
    assert_int_equal(d->ops->open_read(d, &loc, "50%", &b), -ENOENT);
    struct dal_loc bad = {0, 6, 0, 0};
    assert_int_equal(d->ops->open_write(d, &bad, "x", &b), -EINVAL);
    env_teardown(&env);
}

/* ---- no server needed ------------------------------------------------- */

static void test_retry_policy(void **state)
{
    (void)state;
    struct s3_status st;
    s3_status_clear(&st);
    st.http = 503;
    strcpy(st.code, "SlowDown");
    assert_true(s3_retryable(&st));
    st.http = 500;
    strcpy(st.code, "InternalError");
    assert_true(s3_retryable(&st));
    st.http = 502;
    st.code[0] = '\0';
    assert_true(s3_retryable(&st));
    st.http = 400;
    strcpy(st.code, "RequestTimeout");
    assert_true(s3_retryable(&st));
    const char *no[] = {"SignatureDoesNotMatch", "NoSuchBucket", "NoSuchKey",
                        "AccessDenied", "InvalidRange"};
    int nohttp[] = {403, 404, 404, 403, 416};
    for (int i = 0; i < 5; i++) {
        st.http = nohttp[i];
        strcpy(st.code, no[i]);
        assert_false(s3_retryable(&st));
    }
    s3_status_clear(&st);
    st.net = S3_NET_TIMEOUT;
    assert_true(s3_retryable(&st));
    st.net = S3_NET_RESET;
    assert_true(s3_retryable(&st));
    st.net = S3_NET_TLS;
    assert_false(s3_retryable(&st));
    assert_int_equal(s3_status_errno(&st), -EPROTO);
    /* full jitter: within [0, min(5 s, 100 ms * 2^(n-1))], not constant */
    struct s3_backoff b;
    s3_backoff_init(&b, 3);
    for (unsigned a = 1; a <= 10; a++) {
        unsigned ceil = a >= 7 ? 5000 : 100u << (a - 1), lo = ceil, hi = 0;
        for (int i = 0; i < 200; i++) {
            unsigned ms = s3_backoff_delay(&b, a);
            assert_true(ms <= ceil);
            lo = ms < lo ? ms : lo;
            hi = ms > hi ? ms : hi;
        }
        assert_true(hi > lo);
    }
    /* the retry budget: 3 retries, then no more; 4xx never */
    s3_status_clear(&st);
    st.net = S3_NET_RESET;
    b.base_ms = b.cap_ms = 1;
    int tries = 0;
    while (s3_backoff_next(&b, &st))
        tries++;
    assert_int_equal(tries, 3);
    s3_backoff_init(&b, 3);
    st.net = S3_NET_OK;
    st.http = 403;
    assert_int_equal(s3_backoff_next(&b, &st), 0);
}

/* dal_create of an s3 DAL with extra elements (and, optionally, without
 * the standard ones); the log must hold want. */
static void bad_config(const char *dalxml, int rc_want, const char *want)
{
    const struct mcfg *cfg = load(dalxml, 4, 2, "/tmp");
    dal_t *d = NULL;
    capture_log(MLOG_ERR);
    int rc = dal_create(cfg->repos[0].dal, &cfg->repos[0], &d);
    release_log();
    assert_int_equal(rc, rc_want);
    if (strstr(logbuf, want) == NULL)
        fail_msg("log '%s' lacks '%s'", logbuf, want);
    free_log();
    mcfg_free(cfg);
}

static void test_config_errors(void **state)
{
    (void)state;
    char x[2048];
    const char *base = "<endpoint>127.0.0.1:1</endpoint><bucket>t-b{b}"
                       "</bucket><key_prefix>c{c}/s{s}/</key_prefix>";
    snprintf(x, sizeof(x), "<DAL type=\"s3\">%s<signature>v5</signature>"
             "</DAL>", base);
    bad_config(x, -EINVAL, "<signature> 'v5': must be v4 or v2");
    snprintf(x, sizeof(x), "<DAL type=\"s3\"><endpoint>127.0.0.1:1"
             "</endpoint><bucket>T_{b}</bucket><key_prefix>c{c}/s{s}/"
             "</key_prefix></DAL>");
    bad_config(x, -EINVAL, "<bucket> 'T_{b}': does not give a valid S3 "
               "bucket name");
    snprintf(x, sizeof(x), "<DAL type=\"s3\"><endpoint>127.0.0.1:1"
             "</endpoint><bucket>tb</bucket><key_prefix>c{c}/s{s}/"
             "</key_prefix></DAL>");
    bad_config(x, -EINVAL, "neither <bucket> 'tb' nor <key_prefix> "
               "'c{c}/s{s}/' holds {b}: the blocks would share keys");
    snprintf(x, sizeof(x), "<DAL type=\"s3\"><endpoint>http://h:1"
             "</endpoint><bucket>t-b{b}</bucket><key_prefix>c{c}/s{s}/"
             "</key_prefix></DAL>");
    bad_config(x, -EINVAL, "<endpoint> 'http://h:1': give host:port");
    snprintf(x, sizeof(x), "<DAL type=\"s3\">%s<signature>v2</signature>"
             "<part_size>8M</part_size></DAL>", base);
    bad_config(x, -EINVAL, "<part_size> '8M': applies to signature v4 "
               "only");
    /* credentials: a file others can read is refused, naming it */
    char path[] = "/tmp/test_dal_s3_cred.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    dprintf(fd, "[default]\naws_access_key_id = A\n"
            "aws_secret_access_key = B\n");
    close(fd);
    assert_int_equal(chmod(path, 0644), 0);
    snprintf(x, sizeof(x), "<DAL type=\"s3\">%s<credentials>%s"
             "</credentials></DAL>", base, path);
    char want[256];
    snprintf(want, sizeof(want), "credentials file %s is readable or "
             "writable by everyone (mode 0644); refusing it", path);
    bad_config(x, -EACCES, want);
    assert_int_equal(chmod(path, 0600), 0);
    const struct mcfg *cfg = load(x, 4, 2, "/tmp");
    dal_t *d = NULL;
    assert_int_equal(dal_create(cfg->repos[0].dal, &cfg->repos[0], &d), 0);
    dal_destroy(d);
    mcfg_free(cfg);
    unlink(path);
    /* no credentials anywhere */
    char *ak = getenv("AWS_ACCESS_KEY_ID") ?
               strdup(getenv("AWS_ACCESS_KEY_ID")) : NULL;
    unsetenv("AWS_ACCESS_KEY_ID");
    snprintf(x, sizeof(x), "<DAL type=\"s3\">%s</DAL>", base);
    bad_config(x, -EINVAL, "no S3 credentials: give <credentials>");
    if (ak != NULL)
        setenv("AWS_ACCESS_KEY_ID", ak, 1);
    free(ak);
}

int main(void)
{
    const struct CMUnitTest offline[] = {
        cmocka_unit_test(test_retry_policy),
        cmocka_unit_test(test_config_errors),
    };
    const struct CMUnitTest server[] = {
        cmocka_unit_test(test_semantics),
        cmocka_unit_test(test_matrix_4_2),
        cmocka_unit_test(test_matrix_10_2),
        cmocka_unit_test(test_losses_4_2),
        cmocka_unit_test(test_losses_10_2),
        cmocka_unit_test(test_multipart),
        cmocka_unit_test(test_multipart_abort),
    };
    mlog_set_level(MLOG_WARN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    snprintf(scratch, sizeof(scratch), "/tmp/test_dal_s3.XXXXXX");
    if (mkdtemp(scratch) == NULL)
        return 1;
    int rc = cmocka_run_group_tests_name("s3 offline", offline, NULL, NULL);
    endpoint = getenv("S3_ENDPOINT");
    if (endpoint == NULL) {
        fprintf(stderr, "test_dal_s3: S3_ENDPOINT is not set "
                "(tests/integration/s3-dal.sh starts s3rver)\n");
        rmdir(scratch);
        return 1;
    }
    const char *only = getenv("S3_SIG");
    const char *sigs[] = {"v2", "v4"};
    for (int i = 0; i < 2; i++) {
        if (only != NULL && strcmp(only, sigs[i]) != 0)
            continue;
        sig = sigs[i];
        char name[32];
        snprintf(name, sizeof(name), "s3 %s", sig);
        rc |= _cmocka_run_group_tests(name, server,
                                      sizeof(server) / sizeof(server[0]),
                                      NULL, NULL);
    }
    curl_global_cleanup();
    rmdir(scratch);
    return rc;
}
