/*
 * dal_s3_v4.c - the v4 path of the S3 DAL: requests through libcurl,
 * signed with AWS Signature V4 (dal_s3_sig.c).
 *
 * Owns: building URL, Host and Authorization of a request (path-style or
 * virtual-host addressing), libcurl options (connect, low-speed and total
 * timeouts; TLS verification always on, optional CA file), reading
 * response headers and bodies, classifying failures into struct
 * s3_status, the retry loop (the body is a set of memory pieces, so a
 * retry re-sends it from its first byte), one cached curl handle per
 * thread (connection reuse without sharing anything between threads),
 * and the single-request operations: PUT, ranged GET, HEAD, DELETE,
 * ListObjectsV2 and bucket HEAD/PUT.  Multipart: dal_s3_mpu.c.  The v2
 * path sends its bucket-level requests (listing, bucket HEAD/PUT) through
 * this engine too, signed V2 (see dal_s3_v2.c for why).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "dal_s3_v4.h"
#include "log.h"

#define TEXT_MAX (16u << 20)    /* largest XML answer we keep */

/* ---- per-thread curl handle ------------------------------------------- */

static pthread_key_t curl_key;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_init_rc;

static void free_handle(void *h)
{
    curl_easy_cleanup(h);
}

static void init_curl(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
        pthread_key_create(&curl_key, free_handle) != 0)
        curl_init_rc = -ENOMEM;
}

/* The calling thread's handle, reset; NULL on failure. */
static CURL *thread_handle(void)
{
    pthread_once(&curl_once, init_curl);
    if (curl_init_rc < 0)
        return NULL;
    CURL *h = pthread_getspecific(curl_key);
    if (h != NULL) {
        curl_easy_reset(h);
        return h;
    }
    h = curl_easy_init();
    if (h != NULL && pthread_setspecific(curl_key, h) != 0) {
        curl_easy_cleanup(h);
        h = NULL;
    }
    return h;
}

static void v4_thread_done(void)
{
    pthread_once(&curl_once, init_curl);
    if (curl_init_rc < 0)
        return;
    CURL *h = pthread_getspecific(curl_key);
    if (h != NULL) {
        pthread_setspecific(curl_key, NULL);
        curl_easy_cleanup(h);
    }
}

/* ---- callbacks -------------------------------------------------------- */

size_t s3_body_len(const struct s3_body *b)
{
    return b == NULL ? 0 : b->len[0] + b->len[1] + b->len[2];
}

size_t s3_body_copy(const struct s3_body *b, size_t pos, void *out,
                    size_t want)
{
    size_t done = 0;
    for (int i = 0; i < 3 && done < want; i++) {
        size_t l = b->len[i];
        if (pos >= l) {
            pos -= l;
            continue;
        }
        size_t n = l - pos < want - done ? l - pos : want - done;
        memcpy((char *)out + done, b->piece[i] + pos, n);
        done += n;
        pos = 0;
    }
    return done;
}

static size_t read_body(char *out, size_t size, size_t nmemb, void *arg)
{
    struct v4_req *r = arg;
    size_t done = s3_body_copy(r->body, r->body_pos, out, size * nmemb);
    r->body_pos += done;
    return done;
}

static int seek_body(void *arg, curl_off_t off, int origin)
{
    struct v4_req *r = arg;
    if (origin != SEEK_SET || off < 0 || (size_t)off > s3_body_len(r->body))
        return CURL_SEEKFUNC_CANTSEEK;
    r->body_pos = (size_t)off;
    return CURL_SEEKFUNC_OK;
}

static size_t write_body(char *in, size_t size, size_t nmemb, void *arg)
{
    struct v4_req *r = arg;
    size_t n = size * nmemb;
    if (r->dst != NULL && r->resp_code / 100 == 2) {
        if (r->got + n > r->dst_len)
            return 0;    /* more than asked for: fail the transfer */
        memcpy(r->dst + r->got, in, n);
        r->got += n;
        return n;
    }
    if (r->text_len + n > TEXT_MAX)
        return 0;
    char *t = realloc(r->text, r->text_len + n + 1);
    if (t == NULL)
        return 0;
    memcpy(t + r->text_len, in, n);
    r->text = t;
    r->text_len += n;
    t[r->text_len] = '\0';
    return n;
}

static int64_t parse_http_date(const char *v)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm) == NULL)
        return 0;
    return (int64_t)timegm(&tm);
}

static size_t header_line(char *in, size_t size, size_t nmemb, void *arg)
{
    struct v4_req *r = arg;
    size_t n = size * nmemb;
    char line[512];
    size_t l = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
    memcpy(line, in, l);
    line[l] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    if (strncmp(line, "HTTP/", 5) == 0 && strchr(line, ' ') != NULL) {
        r->resp_code = atoi(strchr(line, ' ') + 1);
        return n;
    }
    char *colon = strchr(line, ':');
    if (colon == NULL)
        return n;
    *colon = '\0';
    char *v = colon + 1;
    while (*v == ' ')
        v++;
    if (strcasecmp(line, "Content-Length") == 0)
        r->content_length = strtoull(v, NULL, 10);
    else if (strcasecmp(line, "Last-Modified") == 0)
        r->mtime = parse_http_date(v);
    else if (strcasecmp(line, "ETag") == 0)
        snprintf(r->etag, sizeof(r->etag), "%s", v);
    else if (strcasecmp(line, "Content-Range") == 0 && strchr(v, '/'))
        r->range_total = strtoull(strchr(v, '/') + 1, NULL, 10);
    return n;
}

/* ---- XML -------------------------------------------------------------- */

static void xml_decode(char *s)
{
    static const struct { const char *ent; char c; } ents[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'},
        {"&apos;", '\''},
    };
    char *o = s;
    for (const char *p = s; *p;) {
        size_t i = 0;
        while (i < 5 && strncmp(p, ents[i].ent, strlen(ents[i].ent)) != 0)
            i++;
        if (i < 5) {
            *o++ = ents[i].c;
            p += strlen(ents[i].ent);
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
}

int v4_xml_next(const char *xml, size_t *pos, const char *tag, char *out,
                size_t outsz)
{
    char open[64], close[64];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    if (xml == NULL)
        return 0;
    const char *s = strstr(xml + *pos, open);
    const char *e = s ? strstr(s, close) : NULL;
    if (e == NULL)
        return 0;
    s += strlen(open);
    size_t n = (size_t)(e - s) < outsz - 1 ? (size_t)(e - s) : outsz - 1;
    memcpy(out, s, n);
    out[n] = '\0';
    xml_decode(out);
    *pos = (size_t)(e - xml) + strlen(close);
    return 1;
}

/* ---- one attempt ------------------------------------------------------ */

/* URL, Host and the canonical path of r. */
static int build_target(const struct s3_conf *c, const struct v4_req *r,
                        char *url, size_t usz, char *host, size_t hsz,
                        char *path, size_t psz)
{
    char ekey[3 * S3_KEY_MAX + 1] = "";
    if (r->key != NULL &&
        s3_uri_encode(r->key, 1, ekey, sizeof(ekey)) < 0)
        return -ENAMETOOLONG;
    int n1, n2, n3;
    if (c->vhost) {
        n1 = snprintf(host, hsz, "%s.%s", r->bucket, c->endpoint);
        n2 = snprintf(path, psz, "/%s", ekey);
    } else {
        n1 = snprintf(host, hsz, "%s", c->endpoint);
        n2 = snprintf(path, psz, "/%s%s%s", r->bucket, r->key ? "/" : "",
                      ekey);
    }
    n3 = snprintf(url, usz, "%s://%s%s%s%s", c->https ? "https" : "http",
                  host, path, r->query[0] ? "?" : "", r->query);
    if (n1 < 0 || (size_t)n1 >= hsz || n2 < 0 || (size_t)n2 >= psz ||
        n3 < 0 || (size_t)n3 >= usz)
        return -ENAMETOOLONG;
    return 0;
}

/* x-amz-date and Authorization: SigV4, or SigV2 for the bucket-level
 * requests the v2 path sends through this engine. */
static int sign(const struct s3_conf *c, const struct v4_req *r,
                const char *host, const char *path, char *date, size_t dsz,
                char *auth, size_t asz)
{
    int64_t now = (int64_t)time(NULL);
    if (!c->sigv4) {
        s3_http_date(now, date);
        return s3_sigv2_auth(r->method, path, date, c->access_key,
                             c->secret_key, auth, asz);
    }
    (void)dsz;
    s3_amz_date(now, date);
    struct s3_sigreq sr = {
        .method = r->method, .host = host, .path = path, .query = r->query,
        .amz_date = date, .region = c->region, .access_key = c->access_key,
        .secret_key = c->secret_key, .payload_hash = "UNSIGNED-PAYLOAD",
    };
    return s3_sigv4_auth(&sr, auth, asz);
}

static struct curl_slist *sign_headers(const struct s3_conf *c,
                                       const struct v4_req *r,
                                       const char *host, const char *path)
{
    char date[32], auth[512], line[600];
    if (sign(c, r, host, path, date, sizeof(date), auth, sizeof(auth)) < 0)
        return NULL;
    const char *fixed[] = {"Expect:", "Content-Type:", "Accept:",
                           "x-amz-content-sha256: UNSIGNED-PAYLOAD"};
    struct curl_slist *h = NULL, *t;
    snprintf(line, sizeof(line), "Host: %s", host);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), "x-amz-date: %s", date);
    if (h != NULL && (t = curl_slist_append(h, line)) != NULL)
        h = t;
    snprintf(line, sizeof(line), "Authorization: %s", auth);
    if (h != NULL && (t = curl_slist_append(h, line)) != NULL)
        h = t;
    /* V2 signs every x-amz- header: send no content hash there */
    size_t nfixed = sizeof(fixed) / sizeof(*fixed) - (c->sigv4 ? 0 : 1);
    for (size_t i = 0; h != NULL && i < nfixed; i++)
        if ((t = curl_slist_append(h, fixed[i])) != NULL)
            h = t;
    if (h != NULL && r->ranged) {
        snprintf(line, sizeof(line), "Range: bytes=%" PRIu64 "-%" PRIu64,
                 r->off, r->off + r->dst_len - 1);
        if ((t = curl_slist_append(h, line)) != NULL)
            h = t;
    }
    return h;
}

static void set_method(CURL *h, struct v4_req *r)
{
    curl_off_t len = (curl_off_t)s3_body_len(r->body);
    if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(r->method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, len);
    } else if (strcmp(r->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, len);
        if (r->body == NULL)     /* else curl would read stdin */
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
    }
    if (r->body != NULL) {
        curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
        curl_easy_setopt(h, CURLOPT_READDATA, r);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, seek_body);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, r);
    }
}

static void set_transport(CURL *h, const struct s3_conf *c)
{
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->connect_timeout);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, c->low_speed_limit);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->low_speed_time);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_file != NULL)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
}

static enum s3_net classify(CURLcode cc)
{
    switch (cc) {
    case CURLE_OK:
        return S3_NET_OK;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        return S3_NET_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return S3_NET_TIMEOUT;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return S3_NET_RESET;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
        return S3_NET_TLS;
    default:
        return S3_NET_OTHER;
    }
}

/* The S3 error of a non-2xx answer, from its XML document. */
static void read_error(struct v4_req *r, struct s3_status *st)
{
    size_t pos = 0;
    if (!v4_xml_next(r->text, &pos, "Code", st->code, sizeof(st->code)))
        st->code[0] = '\0';
    pos = 0;
    if (!v4_xml_next(r->text, &pos, "Message", st->detail,
                     sizeof(st->detail)))
        st->detail[0] = '\0';
}

static void reset_results(struct v4_req *r)
{
    free(r->text);
    r->text = NULL;
    r->text_len = 0;
    r->got = 0;
    r->content_length = 0;
    r->range_total = 0;
    r->mtime = 0;
    r->etag[0] = '\0';
    r->resp_code = 0;
    r->body_pos = 0;
}

static void attempt(const struct s3_conf *c, struct v4_req *r,
                    struct s3_status *st)
{
    char url[4 * S3_KEY_MAX + 512], host[512], path[3 * S3_KEY_MAX + 128];
    char errbuf[CURL_ERROR_SIZE] = "";
    s3_status_clear(st);
    reset_results(r);
    CURL *h = thread_handle();
    struct curl_slist *hdrs = NULL;
    if (h == NULL ||
        build_target(c, r, url, sizeof(url), host, sizeof(host), path,
                     sizeof(path)) < 0 ||
        (hdrs = sign_headers(c, r, host, path)) == NULL) {
        st->net = S3_NET_OTHER;
        snprintf(st->detail, sizeof(st->detail), "cannot build the request "
                 "(out of memory, or a key or endpoint too long)");
        return;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_line);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    set_transport(h, c);
    set_method(h, r);
    CURLcode cc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(hdrs);
    st->http = (int)code;
    st->net = classify(cc);
    if (cc == CURLE_WRITE_ERROR && r->dst != NULL && code / 100 == 2)
        st->net = S3_NET_OTHER;    /* the server sent more than the range */
    if (st->net != S3_NET_OK) {
        st->http = 0;
        snprintf(st->detail, sizeof(st->detail), "%s",
                 errbuf[0] ? errbuf : curl_easy_strerror(cc));
    } else if (code < 200 || code > 299) {
        read_error(r, st);
    }
}

int v4_run(const struct s3_conf *c, struct v4_req *r, const char *what,
           struct s3_status *st)
{
    struct s3_backoff b;
    s3_backoff_init(&b, c->retries);
    do {
        attempt(c, r, st);
        if (s3_status_ok(st))
            return 0;
        if (s3_retryable(st) && b.attempt <= b.max_retries)
            LOG_INFO("s3 DAL: %s in bucket '%s': %s%s (HTTP %d); retry %u "
                     "of %u", what, r->bucket, st->code, st->detail, st->http,
                     b.attempt, b.max_retries);
    } while (s3_backoff_next(&b, st));
    if (r->quiet_unsupported && (st->http == 405 || st->http == 501))
        return s3_status_errno(st);
    return s3_fail(c, r->bucket, what, st);
}

void v4_req_done(struct v4_req *r)
{
    free(r->text);
    r->text = NULL;
}

/* ---- operations ------------------------------------------------------- */

static int v4_put(const struct s3_conf *c, const char *bucket,
                  const char *key, const struct s3_body *body,
                  struct s3_status *st)
{
    char what[S3_KEY_MAX + 32];
    snprintf(what, sizeof(what), "PUT of key '%s'", key);
    struct v4_req r = {.method = "PUT", .bucket = bucket, .key = key,
                       .query = "", .body = body};
    int rc = v4_run(c, &r, what, st);
    v4_req_done(&r);
    return rc;
}

static int v4_get(const struct s3_conf *c, const char *bucket,
                  const char *key, uint64_t off, size_t len, void *buf,
                  size_t *got, struct s3_status *st)
{
    char what[S3_KEY_MAX + 64];
    snprintf(what, sizeof(what), "GET of key '%s' bytes %" PRIu64 "+%zu",
             key, off, len);
    struct v4_req r = {.method = "GET", .bucket = bucket, .key = key,
                       .query = "", .dst = buf, .dst_len = len, .ranged = 1,
                       .off = off};
    int rc = v4_run(c, &r, what, st);
    *got = r.got;
    if (rc == 0 && st->http == 200 && off > 0) {
        LOG_ERR("s3 DAL: %s in bucket '%s' at %s: the server ignored the "
                "Range header", what, bucket, c->endpoint);
        rc = -EIO;
    }
    v4_req_done(&r);
    return rc;
}

static int v4_head(const struct s3_conf *c, const char *bucket,
                   const char *key, struct s3_objinfo *info,
                   struct s3_status *st)
{
    char what[S3_KEY_MAX + 32];
    snprintf(what, sizeof(what), "HEAD of key '%s'", key);
    struct v4_req r = {.method = "HEAD", .bucket = bucket, .key = key,
                       .query = ""};
    int rc = v4_run(c, &r, what, st);
    info->size = r.content_length;
    info->mtime = r.mtime;
    v4_req_done(&r);
    return rc;
}

static int v4_del(const struct s3_conf *c, const char *bucket,
                  const char *key, struct s3_status *st)
{
    char what[S3_KEY_MAX + 32];
    snprintf(what, sizeof(what), "DELETE of key '%s'", key);
    struct v4_req r = {.method = "DELETE", .bucket = bucket, .key = key,
                       .query = ""};
    int rc = v4_run(c, &r, what, st);
    v4_req_done(&r);
    return rc;
}

/* Report the keys of one listing page; where the next page starts (or
 * "") in token: ListObjectsV2's NextContinuationToken, or for ListObjects
 * (v1) NextMarker, else the last key.  0, or the lister's value. */
static int list_page(const char *xml, struct s3_lister *l, int v1,
                     char *token, size_t tsz)
{
    char key[S3_KEY_MAX + 1], trunc[16] = "", last[S3_KEY_MAX + 1] = "";
    size_t pos = 0;
    int rc = 0;
    while (rc == 0 && v4_xml_next(xml, &pos, "Key", key, sizeof(key))) {
        rc = l->key(l, key);
        memcpy(last, key, sizeof(last));
    }
    pos = 0;
    token[0] = '\0';
    if (!v4_xml_next(xml, &pos, "IsTruncated", trunc, sizeof(trunc)) ||
        strcmp(trunc, "true") != 0)
        return rc;
    pos = 0;
    if (!v4_xml_next(xml, &pos, v1 ? "NextMarker" : "NextContinuationToken",
                     token, tsz) && v1)
        snprintf(token, tsz, "%s", last);
    return rc;
}

/* Every key under prefix: ListObjectsV2 when signing V4, ListObjects
 * (v1, with markers) for the v2 path, whose older stores may lack V2. */
int s3_curl_list(const struct s3_conf *c, const char *bucket,
                 const char *prefix, struct s3_lister *l,
                 struct s3_status *st)
{
    char token[S3_KEY_MAX + 1] = "", etok[3 * S3_KEY_MAX + 1];
    char epre[3 * S3_KEY_MAX + 1], query[7 * S3_KEY_MAX + 64];
    int v1 = !c->sigv4, rc = 0;
    if (s3_uri_encode(prefix, 0, epre, sizeof(epre)) < 0)
        return -ENAMETOOLONG;
    do {
        if (s3_uri_encode(token, 0, etok, sizeof(etok)) < 0)
            return -ENAMETOOLONG;
        /* canonical (sorted) order: continuation-token < list-type <
         * prefix; marker < prefix */
        const char *first = !token[0] ? "" : v1 ? "marker=" :
                            "continuation-token=";
        snprintf(query, sizeof(query), "%s%s%s%sprefix=%s", first,
                 token[0] ? etok : "", token[0] ? "&" : "",
                 v1 ? "" : "list-type=2&", epre);
        struct v4_req r = {.method = "GET", .bucket = bucket, .key = NULL,
                           .query = query};
        rc = v4_run(c, &r, "listing", st);
        if (rc == 0)
            rc = list_page(r.text, l, v1, token, sizeof(token));
        v4_req_done(&r);
    } while (rc == 0 && token[0] != '\0');
    return rc;
}

int s3_curl_bucket(const struct s3_conf *c, const char *bucket,
                     int create, struct s3_status *st)
{
    struct v4_req r = {.method = "HEAD", .bucket = bucket, .query = ""};
    int rc = v4_run(c, &r, "HEAD of the bucket", st);
    v4_req_done(&r);
    if (rc != -ENOENT || !create)
        return rc;
    char xml[256];
    struct s3_body body = {{(const unsigned char *)xml}, {0}};
    if (strcmp(c->region, "us-east-1") != 0)
        body.len[0] = (size_t)snprintf(xml, sizeof(xml),
            "<CreateBucketConfiguration><LocationConstraint>%s"
            "</LocationConstraint></CreateBucketConfiguration>", c->region);
    struct v4_req p = {.method = "PUT", .bucket = bucket, .query = "",
                       .body = &body};
    rc = v4_run(c, &p, "creating the bucket", st);
    v4_req_done(&p);
    if (rc == 0)
        LOG_INFO("s3 DAL: created bucket '%s' at %s", bucket, c->endpoint);
    return rc;
}

const struct s3_transport s3_v4_transport = {
    .put = v4_put,
    .get = v4_get,
    .head = v4_head,
    .del = v4_del,
    .list = s3_curl_list,
    .bucket = s3_curl_bucket,
    .thread_done = v4_thread_done,
};
