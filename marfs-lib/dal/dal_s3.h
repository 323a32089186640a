/*
 * dal_s3.h - internals of the S3 DAL shared by its files (not installed).
 *
 * Owns: the parsed configuration of one S3 DAL (dal_s3_cfg.c), the result
 * of one S3 request (struct s3_status) and how it maps to an errno and a
 * message naming endpoint and bucket, the retry policy (dal_s3_retry.c),
 * the two transports -- SigV2 through libs3 (dal_s3_v2.c) and SigV4
 * through libcurl with our own OpenSSL signer (dal_s3_v4.c,
 * dal_s3_sig.c) -- and the multipart writer of the v4 path
 * (dal_s3_mpu.c).  The operations table is in dal_s3.c.
 * Semantics and the object format: doc/dal.md, "s3".
 */
#ifndef MARFS_DAL_S3_H
#define MARFS_DAL_S3_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dal_internal.h"

/* ---- configuration (dal_s3_cfg.c) ------------------------------------- */

/* S3 limits: keys are at most 1024 bytes, bucket names 3..63. */
#define S3_KEY_MAX 1024
#define S3_BUCKET_MAX 63

struct s3_conf {
    char *endpoint;          /* host[:port] */
    int https;
    char *ca_file;           /* NULL: the system CA store */
    int vhost;               /* virtual-host addressing (else path style) */
    char *region;
    int sigv4;               /* 1: v4 over libcurl, 0: v2 over libs3 */
    char *bucket_tmpl;       /* bucket-name template, {p} {b} {c} {s} */
    char *prefix_tmpl;       /* key-prefix template ("" for none) */
    char *access_key;
    char *secret_key;
    long connect_timeout;    /* seconds */
    long low_speed_time;     /* seconds below low_speed_limit = stalled */
    long low_speed_limit;    /* bytes per second */
    long timeout;            /* seconds for one whole request */
    unsigned retries;        /* attempts after the first */
    uint64_t mp_threshold;   /* v4: blocks above this go up in parts */
    uint64_t part_size;
    unsigned part_threads;   /* parts in flight per block */
    uint64_t read_size;      /* smallest ranged GET (read-ahead) */
};

/* Parse and check the parameters of cfg and read the credentials.
 * 0 or -EINVAL / -EACCES / -ENOMEM with one error naming the DAL element
 * and the parameter (or the credentials file). */
int s3_conf_load(struct s3_conf *c, const struct mcfg_dal *cfg,
                 const struct mcfg_repo *repo);
void s3_conf_free(struct s3_conf *c);

/* The accepted parameters (key == NULL ends them) and their meaning
 * checked at config load, for struct dal_backend. */
extern const struct dal_param_rule s3_params[];
void s3_check(struct dal_check_ctx *cx, const struct mcfg_dal *cfg,
              const struct mcfg_repo *repo);

/* Expand a template with the indices of loc into buf; 0, -ENAMETOOLONG. */
int s3_expand(const char *tmpl, const struct dal_loc *loc, char *buf,
              size_t sz);
/* Bucket name and key of (loc, obj); obj NULL gives the key prefix (for
 * list).  0, -ENAMETOOLONG / -EINVAL (logged). */
int s3_bucket_of(const struct s3_conf *c, const struct dal_loc *loc,
                 char *bucket);          /* S3_BUCKET_MAX + 1 bytes */
int s3_key_of(const struct s3_conf *c, const struct dal_loc *loc,
              const char *obj, char *key);   /* S3_KEY_MAX + 1 bytes */
/* 1 if name is a valid S3 bucket name (3-63 of [a-z0-9.-], alnum ends). */
int s3_bucket_name_ok(const char *name);

/* ---- request results -------------------------------------------------- */

/* Transport-level failures (no HTTP answer). */
enum s3_net {
    S3_NET_OK = 0,
    S3_NET_CONNECT,      /* refused, unreachable, name lookup */
    S3_NET_TIMEOUT,      /* connect, stall or total timeout */
    S3_NET_RESET,        /* connection reset / closed mid-request */
    S3_NET_TLS,          /* TLS handshake or certificate failure */
    S3_NET_OTHER,
};

struct s3_status {
    enum s3_net net;
    int http;                /* HTTP status, 0 if none */
    char code[48];           /* S3 error code ("NoSuchBucket"), or "" */
    char detail[160];        /* transport message or S3 message */
};

void s3_status_clear(struct s3_status *st);
/* 1 if st is a success (2xx, no transport error). */
int s3_status_ok(const struct s3_status *st);
/* The errno a failed status maps to (-ENOENT, -EACCES, -ETIMEDOUT, ...). */
int s3_status_errno(const struct s3_status *st);
/* Log the failure of `what` (e.g. "PUT of key K") once, naming endpoint
 * and bucket and, for the common causes, what to do; missing keys
 * (NoSuchKey / 404 on a key) are logged at debug level only.  Returns
 * s3_status_errno(st). */
int s3_fail(const struct s3_conf *c, const char *bucket, const char *what,
            const struct s3_status *st);

/* ---- retries (dal_s3_retry.c) ----------------------------------------- */

/* Per request, on the caller's stack: nothing is shared between threads. */
struct s3_backoff {
    unsigned attempt;        /* attempts made so far */
    unsigned max_retries;
    uint64_t rng;
    unsigned base_ms, cap_ms;
};

void s3_backoff_init(struct s3_backoff *b, unsigned retries);
/* 1 if st is worth another attempt: 5xx, SlowDown, RequestTimeout,
 * timeouts and resets.  Not: other 4xx, refused connections to a
 * server that is down are retried too (it may be restarting). */
int s3_retryable(const struct s3_status *st);
/* After a failed attempt: if st is retryable and retries remain, sleep a
 * jittered exponential delay and return 1; else 0. */
int s3_backoff_next(struct s3_backoff *b, const struct s3_status *st);
/* The delay in milliseconds before retry number `attempt` (1-based),
 * drawn from [0, min(cap, base * 2^(attempt-1))] ("full jitter"). */
unsigned s3_backoff_delay(struct s3_backoff *b, unsigned attempt);

/* ---- transports ------------------------------------------------------- */

/* A request body: up to three pieces sent back to back (block data, meta,
 * footer).  Rewindable: a retry sends it again from the start. */
struct s3_body {
    const unsigned char *piece[3];
    size_t len[3];
};

size_t s3_body_len(const struct s3_body *b);
/* Copy up to want bytes of the body from offset pos into out (both
 * signing paths feed their HTTP library through this); bytes copied. */
size_t s3_body_copy(const struct s3_body *b, size_t pos, void *out,
                    size_t want);

/* What a HEAD or GET learned about an object. */
struct s3_objinfo {
    uint64_t size;           /* whole object (Content-Length / Range) */
    int64_t mtime;
};

/* One page of a listing: called per key; non-zero stops. */
struct s3_lister {
    int (*key)(struct s3_lister *l, const char *key);
};

/* Each transport op makes one request with retries and fills st; it
 * returns 0 on success, else s3_fail()'s errno (logged). */
struct s3_transport {
    int (*put)(const struct s3_conf *c, const char *bucket, const char *key,
               const struct s3_body *body, struct s3_status *st);
    /* GET [off, off+len) into buf; *got = bytes received. */
    int (*get)(const struct s3_conf *c, const char *bucket, const char *key,
               uint64_t off, size_t len, void *buf, size_t *got,
               struct s3_status *st);
    int (*head)(const struct s3_conf *c, const char *bucket, const char *key,
                struct s3_objinfo *info, struct s3_status *st);
    int (*del)(const struct s3_conf *c, const char *bucket, const char *key,
               struct s3_status *st);
    /* Every key under prefix, through l. */
    int (*list)(const struct s3_conf *c, const char *bucket,
                const char *prefix, struct s3_lister *l,
                struct s3_status *st);
    /* HEAD the bucket; with create, PUT it when missing. */
    int (*bucket)(const struct s3_conf *c, const char *bucket, int create,
                  struct s3_status *st);
    /* Release what the calling thread caches (connections). */
    void (*thread_done)(void);
};

extern const struct s3_transport s3_v2_transport;
extern const struct s3_transport s3_v4_transport;

/* ---- signing (dal_s3_sig.c) and multipart (dal_s3_mpu.c) -------------- */

/* The inputs of one SigV4 signature. */
struct s3_sigreq {
    const char *method;
    const char *host;        /* as sent in Host: */
    const char *path;        /* URI-encoded path, e.g. /bucket/a%25b */
    const char *query;       /* canonical query (sorted, encoded), or "" */
    const char *amz_date;    /* YYYYMMDDTHHMMSSZ */
    const char *region;
    const char *access_key;
    const char *secret_key;
    const char *payload_hash;    /* "UNSIGNED-PAYLOAD" or hex sha256 */
};

/* "AWS4-HMAC-SHA256 Credential=.../s3/aws4_request, SignedHeaders=
 * host;x-amz-content-sha256;x-amz-date, Signature=..." into out.
 * 0, -ENAMETOOLONG, -EIO (OpenSSL failure). */
int s3_sigv4_auth(const struct s3_sigreq *r, char *out, size_t outsz);
/* URI-encode s (RFC 3986 unreserved kept; '/' kept when keep_slash). */
int s3_uri_encode(const char *s, int keep_slash, char *out, size_t outsz);
/* amz date of t (UTC) into 17 bytes. */
void s3_amz_date(int64_t t, char out[17]);

/* Signature V2 for the bucket-level requests of the v2 path (listing,
 * bucket HEAD/PUT), which libs3 2.0 signs with the resource "/bucket/"
 * that servers going by the request path (s3rver) refuse.  StringToSign:
 * METHOD\n\n\n\nx-amz-date:DATE\nRESOURCE; "AWS AK:base64(HMAC-SHA1)". */
int s3_sigv2_auth(const char *method, const char *resource, const char *date,
                  const char *ak, const char *sk, char *out, size_t outsz);
/* RFC 1123 date of t (UTC) into 32 bytes. */
void s3_http_date(int64_t t, char out[32]);

/* A multipart upload of one block (v4). */
struct s3_mpu;

int s3_mpu_start(const struct s3_conf *c, const char *bucket,
                 const char *key, struct s3_mpu **out);
/* Upload part n (1-based) from buf; takes ownership of buf (freed when
 * the part is done); at most part_threads parts are in flight (waits for
 * a slot).  0, or the first error of any part so far. */
int s3_mpu_part(struct s3_mpu *m, unsigned char *buf, size_t len);
/* Upload the last part (body pieces, not owned), wait for all parts and
 * complete.  Frees m.  0 or -errno (the upload is aborted then). */
int s3_mpu_finish(struct s3_mpu *m, const struct s3_body *last);
/* Wait for parts in flight, abort the upload on the server, free m. */
int s3_mpu_abort(struct s3_mpu *m);

#endif
