/*
 * dal_s3_mpu.c - multipart upload of one large block (v4 path).
 *
 * Owns: initiating an upload, sending parts in parallel (at most
 * part_threads in flight per block, each on its own thread with its own
 * curl handle and retry state; a part's body is its own memory buffer, so
 * a retry re-sends it from the start), completing it with the list of
 * ETags, and aborting it when anything fails or the writer aborts.  Until
 * CompleteMultipartUpload succeeds nothing is visible under the key, so
 * an aborted or killed write never leaves an object that reads as
 * complete; a killed writer leaves an unfinished upload, which a later
 * write of the same key does not see (it starts its own upload).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dal_s3_v4.h"
#include "log.h"

struct mpu_slot {
    struct s3_mpu *m;
    pthread_t th;
    int busy;
    unsigned n;                  /* part number, 1-based */
    unsigned char *buf;          /* owned */
    struct s3_body body;
    int rc;
    char etag[128];
};

struct s3_mpu {
    const struct s3_conf *c;
    char bucket[S3_BUCKET_MAX + 1];
    char key[S3_KEY_MAX + 1];
    char upload_id[512];
    char eid[3 * 512 + 1];       /* upload id, URI-encoded */
    unsigned nparts;             /* parts started */
    char (*etags)[128];          /* per part, filled when joined */
    size_t etag_cap;
    int err;                     /* first failure */
    struct mpu_slot *slots;
};

static void what_of(const struct s3_mpu *m, const char *op, unsigned n,
                    char *out, size_t sz)
{
    if (n > 0)
        snprintf(out, sz, "%s part %u of key '%s'", op, n, m->key);
    else
        snprintf(out, sz, "%s of the multipart upload of key '%s'", op,
                 m->key);
}

int s3_mpu_start(const struct s3_conf *c, const char *bucket,
                 const char *key, struct s3_mpu **out)
{
    struct s3_mpu *m = calloc(1, sizeof(*m));
    if (m == NULL || (m->slots = calloc(c->part_threads,
                                        sizeof(*m->slots))) == NULL) {
        free(m);
        return -ENOMEM;
    }
    m->c = c;
    snprintf(m->bucket, sizeof(m->bucket), "%s", bucket);
    snprintf(m->key, sizeof(m->key), "%s", key);
    char what[S3_KEY_MAX + 64];
    what_of(m, "start", 0, what, sizeof(what));
    struct s3_status st;
    struct v4_req r = {.method = "POST", .bucket = bucket, .key = key,
                       .query = "uploads="};
    int rc = v4_run(c, &r, what, &st);
    size_t pos = 0;
    if (rc == 0 && (!v4_xml_next(r.text, &pos, "UploadId", m->upload_id,
                                 sizeof(m->upload_id)) ||
                    m->upload_id[0] == '\0' ||
                    s3_uri_encode(m->upload_id, 0, m->eid,
                                  sizeof(m->eid)) < 0)) {
        LOG_ERR("s3 DAL: %s in bucket '%s' at %s: no usable UploadId in "
                "the answer", what, bucket, c->endpoint);
        rc = -EIO;
    }
    v4_req_done(&r);
    if (rc < 0) {
        free(m->slots);
        free(m);
        return rc;
    }
    LOG_DEBUG("s3 DAL: upload %s of key '%s' started", m->upload_id, key);
    *out = m;
    return 0;
}

/* Send part n of body; etag out.  Runs on any thread. */
static int send_part(const struct s3_mpu *m, unsigned n,
                     const struct s3_body *body, char *etag, size_t esz)
{
    char query[sizeof(m->eid) + 64], what[S3_KEY_MAX + 64];
    /* canonical order: partNumber < uploadId */
    snprintf(query, sizeof(query), "partNumber=%u&uploadId=%s", n, m->eid);
    what_of(m, "PUT", n, what, sizeof(what));
    struct s3_status st;
    struct v4_req r = {.method = "PUT", .bucket = m->bucket, .key = m->key,
                       .query = query, .body = body};
    int rc = v4_run(m->c, &r, what, &st);
    if (rc == 0 && r.etag[0] == '\0') {
        LOG_ERR("s3 DAL: %s in bucket '%s' at %s: no ETag in the answer",
                what, m->bucket, m->c->endpoint);
        rc = -EIO;
    }
    if (rc == 0)
        snprintf(etag, esz, "%s", r.etag);
    v4_req_done(&r);
    return rc;
}

static void *part_thread(void *arg)
{
    struct mpu_slot *s = arg;
    s->rc = send_part(s->m, s->n, &s->body, s->etag, sizeof(s->etag));
    s3_v4_transport.thread_done();
    return NULL;
}

static int ensure_etags(struct s3_mpu *m, unsigned n)
{
    if (n <= m->etag_cap)
        return 0;
    size_t cap = m->etag_cap ? m->etag_cap * 2 : 64;
    while (cap < n)
        cap *= 2;
    char (*e)[128] = realloc(m->etags, cap * sizeof(*e));
    if (e == NULL)
        return -ENOMEM;
    m->etags = e;
    m->etag_cap = cap;
    return 0;
}

/* Wait for the part in slot s (if any) and record its outcome. */
static void join_slot(struct s3_mpu *m, struct mpu_slot *s)
{
    if (!s->busy)
        return;
    pthread_join(s->th, NULL);
    s->busy = 0;
    free(s->buf);
    s->buf = NULL;
    if (s->rc == 0)
        snprintf(m->etags[s->n - 1], sizeof(m->etags[0]), "%s", s->etag);
    else if (m->err == 0)
        m->err = s->rc;
}

static void join_all(struct s3_mpu *m)
{
    for (unsigned i = 0; i < m->c->part_threads; i++)
        join_slot(m, &m->slots[i]);
}

int s3_mpu_part(struct s3_mpu *m, unsigned char *buf, size_t len)
{
    unsigned n = m->nparts + 1;
    struct mpu_slot *s = &m->slots[(n - 1) % m->c->part_threads];
    join_slot(m, s);
    int rc = m->err != 0 ? m->err : ensure_etags(m, n);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    memset(s, 0, sizeof(*s));
    s->m = m;
    s->n = n;
    s->buf = buf;
    s->body.piece[0] = buf;
    s->body.len[0] = len;
    m->nparts = n;
    if (pthread_create(&s->th, NULL, part_thread, s) != 0) {
        /* no thread to spare: send it from this one */
        s->rc = send_part(m, n, &s->body, s->etag, sizeof(s->etag));
        s->busy = 0;
        free(buf);
        s->buf = NULL;
        if (s->rc == 0)
            snprintf(m->etags[n - 1], sizeof(m->etags[0]), "%s", s->etag);
        return m->err = s->rc;
    }
    s->busy = 1;
    return 0;
}

/* <CompleteMultipartUpload> with every part's ETag. */
static char *complete_doc(const struct s3_mpu *m, size_t *len)
{
    size_t cap = 128 + (size_t)m->nparts * 200;
    char *x = malloc(cap);
    if (x == NULL)
        return NULL;
    size_t o = (size_t)snprintf(x, cap, "<CompleteMultipartUpload>");
    for (unsigned i = 0; i < m->nparts; i++)
        o += (size_t)snprintf(x + o, cap - o, "<Part><PartNumber>%u"
                              "</PartNumber><ETag>%s</ETag></Part>", i + 1,
                              m->etags[i]);
    o += (size_t)snprintf(x + o, cap - o, "</CompleteMultipartUpload>");
    *len = o;
    return x;
}

static int complete(struct s3_mpu *m)
{
    char query[sizeof(m->eid) + 16], what[S3_KEY_MAX + 64];
    size_t len;
    char *doc = complete_doc(m, &len);
    if (doc == NULL)
        return -ENOMEM;
    snprintf(query, sizeof(query), "uploadId=%s", m->eid);
    what_of(m, "completion", 0, what, sizeof(what));
    struct s3_body body = {{(const unsigned char *)doc}, {len}};
    struct s3_status st;
    struct v4_req r = {.method = "POST", .bucket = m->bucket, .key = m->key,
                       .query = query, .body = &body};
    int rc = v4_run(m->c, &r, what, &st);
    /* S3 may answer 200 and still report an error in the document */
    size_t pos = 0;
    char code[64];
    if (rc == 0 && r.text != NULL && strstr(r.text, "<Error>") != NULL &&
        v4_xml_next(r.text, &pos, "Code", code, sizeof(code))) {
        LOG_ERR("s3 DAL: %s in bucket '%s' at %s failed: %s", what,
                m->bucket, m->c->endpoint, code);
        rc = -EIO;
    }
    v4_req_done(&r);
    free(doc);
    return rc;
}

static int abort_upload(struct s3_mpu *m)
{
    char query[sizeof(m->eid) + 16], what[S3_KEY_MAX + 64];
    snprintf(query, sizeof(query), "uploadId=%s", m->eid);
    what_of(m, "abort", 0, what, sizeof(what));
    struct s3_status st;
    struct v4_req r = {.method = "DELETE", .bucket = m->bucket,
                       .key = m->key, .query = query,
                       .quiet_unsupported = 1};
    struct s3_conf once = *m->c;
    once.retries = 1;
    int rc = v4_run(&once, &r, what, &st);
    v4_req_done(&r);
    if (rc < 0 && (st.http == 405 || st.http == 501)) {
        /* s3rver, for one, cannot abort: the parts stay in its upload
         * area, invisible to readers and to later writes */
        LOG_WARN("s3 DAL: the server at %s cannot abort upload %s of key "
                 "'%s' (HTTP %d); nothing was published", m->c->endpoint,
                 m->upload_id, m->key, st.http);
        rc = 0;
    }
    return rc;
}

static void mpu_free(struct s3_mpu *m)
{
    free(m->etags);
    free(m->slots);
    free(m);
}

int s3_mpu_finish(struct s3_mpu *m, const struct s3_body *last)
{
    int rc = m->err;
    unsigned n = m->nparts + 1;
    if (rc == 0 && (rc = ensure_etags(m, n)) == 0) {
        rc = send_part(m, n, last, m->etags[n - 1], sizeof(m->etags[0]));
        m->nparts = n;
    }
    join_all(m);
    if (rc == 0)
        rc = m->err;
    if (rc == 0)
        rc = complete(m);
    if (rc < 0)
        abort_upload(m);
    mpu_free(m);
    return rc;
}

int s3_mpu_abort(struct s3_mpu *m)
{
    join_all(m);
    int rc = abort_upload(m);
    mpu_free(m);
    return rc;
}
