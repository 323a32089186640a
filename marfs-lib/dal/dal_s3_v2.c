/*
 * dal_s3_v2.c - the v2 path of the S3 DAL: requests through libs3 2.0
 * (AWS Signature V2, single PUTs only: libs3 2.0 has no multipart API).
 *
 * Owns: initialising libs3 once, running every request in its own
 * S3RequestContext driven by select() so that we enforce what libs3 2.0
 * cannot: a total timeout, and a stall timeout (no byte moved for
 * low_speed_time seconds; connect_timeout + low_speed_time before the
 * first byte), after which the context is destroyed and the request
 * counts as timed out; mapping libs3's S3Status to struct s3_status;
 * the retry loop (the body is memory, re-sent from its start).  All
 * state of a request lives in one struct v2_call on the caller's stack:
 * nothing global but libs3's own initialisation.
 *
 * Object requests (PUT, ranged GET, HEAD, DELETE) go through libs3.
 * Bucket-level requests (listing, bucket HEAD/PUT) go through the curl
 * engine of dal_s3_v4.c, signed V2 by dal_s3_sig.c: libs3 2.0 signs the
 * resource of a path-style bucket request as "/bucket/" while the
 * request path is "/bucket", and servers that sign what they receive
 * (s3rver) refuse it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>

#include <libs3.h>

#include "dal_s3.h"
#include "dal_s3_v4.h"
#include "log.h"

static pthread_once_t s3_once = PTHREAD_ONCE_INIT;
static S3Status s3_init_status;

static void init_libs3(void)
{
    s3_init_status = S3_initialize("marfs", S3_INIT_ALL, NULL);
}

/* Everything one request's callbacks touch. */
struct v2_call {
    S3Status status;
    char message[160];
    int timed_out;               /* we gave up on it */
    uint64_t last_move_ns;       /* when bytes last moved */
    int moved;
    /* PUT */
    const struct s3_body *body;
    size_t pos;
    /* GET */
    unsigned char *dst;
    size_t dst_len, got;
    /* HEAD / properties */
    uint64_t content_length;
    int64_t mtime;
};

static void moved(struct v2_call *k)
{
    k->moved = 1;
    k->last_move_ns = dal_now_ns();
}

static S3Status on_props(const S3ResponseProperties *p, void *arg)
{
    struct v2_call *k = arg;
    k->content_length = p->contentLength;
    k->mtime = p->lastModified > 0 ? p->lastModified : 0;
    moved(k);
    return S3StatusOK;
}

static void on_complete(S3Status status, const S3ErrorDetails *e, void *arg)
{
    struct v2_call *k = arg;
    k->status = status;
    if (e != NULL && e->message != NULL)
        snprintf(k->message, sizeof(k->message), "%s", e->message);
}

static int on_put_data(int size, char *buf, void *arg)
{
    struct v2_call *k = arg;
    size_t done = s3_body_copy(k->body, k->pos, buf, (size_t)size);
    k->pos += done;
    moved(k);
    return (int)done;
}

static S3Status on_get_data(int size, const char *buf, void *arg)
{
    struct v2_call *k = arg;
    if (k->got + (size_t)size > k->dst_len)
        return S3StatusAbortedByCallback;
    memcpy(k->dst + k->got, buf, (size_t)size);
    k->got += (size_t)size;
    moved(k);
    return S3StatusOK;
}

static const S3ResponseHandler resp_handler = {on_props, on_complete};

/* ---- driving a request context with our timeouts ---------------------- */

/* Run ctx until its request completes or a timeout hits (then destroy the
 * context's request: on_complete sees S3StatusInterrupted). */
static void drive(const struct s3_conf *c, S3RequestContext *ctx,
                  struct v2_call *k)
{
    uint64_t start = dal_now_ns();
    k->last_move_ns = start;
    for (;;) {
        int remaining = 0;
        if (S3_runonce_request_context(ctx, &remaining) != S3StatusOK ||
            remaining == 0)
            return;
        uint64_t now = dal_now_ns();
        uint64_t stall = (uint64_t)(k->moved ? c->low_speed_time
                                   : c->connect_timeout + c->low_speed_time);
        if (now - start > (uint64_t)c->timeout * 1000000000ULL ||
            now - k->last_move_ns > stall * 1000000000ULL) {
            k->timed_out = 1;
            return;
        }
        fd_set r, w, e;
        int maxfd = -1;
        FD_ZERO(&r);
        FD_ZERO(&w);
        FD_ZERO(&e);
        S3_get_request_context_fdsets(ctx, &r, &w, &e, &maxfd);
        int64_t ms = S3_get_request_context_timeout(ctx);
        if (ms < 0 || ms > 100)
            ms = 100;
        struct timeval tv = {0, (long)ms * 1000};
        select(maxfd + 1, &r, &w, &e, &tv);
    }
}

/* What an S3Status means, in the terms every transport uses. */
static void map_status(const struct v2_call *k, struct s3_status *st)
{
    static const struct { S3Status s; int http; } https[] = {
        {S3StatusErrorNoSuchKey, 404}, {S3StatusErrorNoSuchBucket, 404},
        {S3StatusHttpErrorNotFound, 404}, {S3StatusErrorAccessDenied, 403},
        {S3StatusErrorSignatureDoesNotMatch, 403},
        {S3StatusErrorInvalidAccessKeyId, 403},
        {S3StatusHttpErrorForbidden, 403}, {S3StatusErrorInternalError, 500},
        {S3StatusErrorSlowDown, 503}, {S3StatusHttpErrorConflict, 409},
        {S3StatusErrorBucketAlreadyOwnedByYou, 409},
        {S3StatusHttpErrorBadRequest, 400}, {S3StatusErrorUnknown, 500},
        {S3StatusHttpErrorUnknown, 500}, {S3StatusErrorMethodNotAllowed, 405},
        {S3StatusErrorNotImplemented, 501},
    };
    s3_status_clear(st);
    snprintf(st->detail, sizeof(st->detail), "%s", k->message);
    if (k->timed_out) {
        st->net = S3_NET_TIMEOUT;
        snprintf(st->detail, sizeof(st->detail), "no progress within the "
                 "configured timeouts");
        return;
    }
    switch (k->status) {
    case S3StatusOK:
        st->http = 200;
        return;
    case S3StatusNameLookupError:
    case S3StatusFailedToConnect:
        st->net = S3_NET_CONNECT;
        break;
    case S3StatusConnectionFailed:
    case S3StatusInterrupted:
        st->net = S3_NET_RESET;
        break;
    case S3StatusServerFailedVerification:
        st->net = S3_NET_TLS;
        break;
    default:
        break;
    }
    const char *name = S3_get_status_name(k->status);
    if (st->net != S3_NET_OK) {
        if (st->detail[0] == '\0')
            snprintf(st->detail, sizeof(st->detail), "%s", name);
        return;
    }
    st->http = 400;
    for (size_t i = 0; i < sizeof(https) / sizeof(*https); i++)
        if (https[i].s == k->status)
            st->http = https[i].http;
    if (k->status >= S3StatusErrorAccessDenied &&
        k->status <= S3StatusErrorUnknown)
        snprintf(st->code, sizeof(st->code), "%s",
                 strncmp(name, "Error", 5) == 0 ? name + 5 : name);
    else if (k->status < S3StatusErrorAccessDenied)
        st->net = S3_NET_OTHER;  /* a local libs3 failure */
    if (st->net == S3_NET_OTHER && st->detail[0] == '\0')
        snprintf(st->detail, sizeof(st->detail), "libs3: %s", name);
}

/* ---- requests --------------------------------------------------------- */

enum v2_op { V2_PUT, V2_GET, V2_HEAD, V2_DEL };

struct v2_args {
    enum v2_op op;
    const char *bucket, *key;
    uint64_t off;
};

static void issue(const struct s3_conf *c, const struct v2_args *a,
                  S3RequestContext *ctx, struct v2_call *k)
{
    S3BucketContext b = {
        .hostName = c->endpoint, .bucketName = a->bucket,
        .protocol = c->https ? S3ProtocolHTTPS : S3ProtocolHTTP,
        .uriStyle = c->vhost ? S3UriStyleVirtualHost : S3UriStylePath,
        .accessKeyId = c->access_key, .secretAccessKey = c->secret_key,
    };
    S3PutObjectHandler ph = {resp_handler, on_put_data};
    S3GetObjectHandler gh = {resp_handler, on_get_data};
    switch (a->op) {
    case V2_PUT:
        S3_put_object(&b, a->key, s3_body_len(k->body), NULL, ctx, &ph, k);
        break;
    case V2_GET:
        S3_get_object(&b, a->key, NULL, a->off, k->dst_len, ctx, &gh, k);
        break;
    case V2_HEAD:
        S3_head_object(&b, a->key, ctx, &resp_handler, k);
        break;
    case V2_DEL:
        S3_delete_object(&b, a->key, ctx, &resp_handler, k);
        break;
    }
}

static void attempt(const struct s3_conf *c, const struct v2_args *a,
                    struct v2_call *k, struct s3_status *st)
{
    S3RequestContext *ctx = NULL;
    k->status = S3StatusInternalError;
    k->message[0] = '\0';
    k->timed_out = k->moved = 0;
    k->pos = k->got = 0;
    k->content_length = 0;
    k->mtime = 0;
    pthread_once(&s3_once, init_libs3);
    if (s3_init_status != S3StatusOK ||
        S3_create_request_context(&ctx) != S3StatusOK) {
        s3_status_clear(st);
        st->net = S3_NET_OTHER;
        snprintf(st->detail, sizeof(st->detail), "libs3 cannot start: %s",
                 S3_get_status_name(s3_init_status));
        return;
    }
    issue(c, a, ctx, k);
    drive(c, ctx, k);
    S3_destroy_request_context(ctx);
    map_status(k, st);
}

static int run(const struct s3_conf *c, const struct v2_args *a,
               struct v2_call *k, const char *what, struct s3_status *st)
{
    struct s3_backoff b;
    s3_backoff_init(&b, c->retries);
    do {
        attempt(c, a, k, st);
        if (s3_status_ok(st))
            return 0;
        if (s3_retryable(st) && b.attempt <= b.max_retries)
            LOG_INFO("s3 DAL: %s in bucket '%s': %s%s; retry %u of %u", what,
                     a->bucket, st->code, st->detail, b.attempt,
                     b.max_retries);
    } while (s3_backoff_next(&b, st));
    return s3_fail(c, a->bucket, what, st);
}

static int v2_put(const struct s3_conf *c, const char *bucket,
                  const char *key, const struct s3_body *body,
                  struct s3_status *st)
{
    char what[S3_KEY_MAX + 32];
    snprintf(what, sizeof(what), "PUT of key '%s'", key);
    struct v2_args a = {.op = V2_PUT, .bucket = bucket, .key = key};
    struct v2_call k = {.body = body};
    return run(c, &a, &k, what, st);
}

static int v2_get(const struct s3_conf *c, const char *bucket,
                  const char *key, uint64_t off, size_t len, void *buf,
                  size_t *got, struct s3_status *st)
{
    char what[S3_KEY_MAX + 64];
    snprintf(what, sizeof(what), "GET of key '%s' bytes %llu+%zu", key,
             (unsigned long long)off, len);
    struct v2_args a = {.op = V2_GET, .bucket = bucket, .key = key,
                        .off = off};
    struct v2_call k = {.dst = buf, .dst_len = len};
    int rc = run(c, &a, &k, what, st);
    *got = k.got;
    return rc;
}

static int v2_head(const struct s3_conf *c, const char *bucket,
                   const char *key, struct s3_objinfo *info,
                   struct s3_status *st)
{
    char what[S3_KEY_MAX + 32];
    snprintf(what, sizeof(what), "HEAD of key '%s'", key);
    struct v2_args a = {.op = V2_HEAD, .bucket = bucket, .key = key};
    struct v2_call k = {0};
    int rc = run(c, &a, &k, what, st);
    info->size = k.content_length;
    info->mtime = k.mtime;
    return rc;
}

static int v2_del(const struct s3_conf *c, const char *bucket,
                  const char *key, struct s3_status *st)
{
    char what[S3_KEY_MAX + 32];
    snprintf(what, sizeof(what), "DELETE of key '%s'", key);
    struct v2_args a = {.op = V2_DEL, .bucket = bucket, .key = key};
    struct v2_call k = {0};
    return run(c, &a, &k, what, st);
}

static void v2_thread_done(void)
{
}

const struct s3_transport s3_v2_transport = {
    .put = v2_put,
    .get = v2_get,
    .head = v2_head,
    .del = v2_del,
    .list = s3_curl_list,      /* see dal_s3_v4.h: libs3 2.0 signs */
    .bucket = s3_curl_bucket,  /* bucket resources as "/bucket/" */
    .thread_done = v2_thread_done,
};
