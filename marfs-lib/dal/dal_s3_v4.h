/*
 * dal_s3_v4.h - the request engine of the S3 DAL's v4 path (libcurl),
 * shared by its simple operations (dal_s3_v4.c) and multipart uploads
 * (dal_s3_mpu.c).  Not installed.
 */
#ifndef MARFS_DAL_S3_V4_H
#define MARFS_DAL_S3_V4_H

#include "dal_s3.h"

/* One request; the caller fills the first block, the engine the rest. */
struct v4_req {
    const char *method;          /* GET PUT HEAD DELETE POST */
    const char *bucket;
    const char *key;             /* raw key, NULL for bucket requests */
    const char *query;           /* canonical query (sorted, encoded) or "" */
    const struct s3_body *body;  /* PUT/POST body or NULL */
    unsigned char *dst;          /* GET: receive into dst[0 .. dst_len) */
    size_t dst_len;
    int ranged;                  /* GET: Range: bytes=off-(off+dst_len-1) */
    int quiet_unsupported;       /* a 405/501 answer is not logged */
    uint64_t off;
    /* results of the last attempt */
    size_t got;                  /* bytes received into dst */
    char *text;                  /* other response bodies (XML), NUL-ended */
    size_t text_len;
    uint64_t content_length;
    uint64_t range_total;        /* from Content-Range, 0 if none */
    int64_t mtime;               /* Last-Modified, 0 if none */
    char etag[128];
    int resp_code;               /* from the status line */
    /* body cursor (rewound for every attempt) */
    size_t body_pos;
};

/* Run r with retries (body rewound, results reset each attempt); returns
 * 0 or s3_fail()'s errno with `what` logged.  Frees nothing: call
 * v4_req_done() afterwards. */
int v4_run(const struct s3_conf *c, struct v4_req *r, const char *what,
           struct s3_status *st);
void v4_req_done(struct v4_req *r);
/* Text of the first <tag>...</tag> in xml at or after *pos (XML entities
 * decoded) into out; advances *pos past it.  1 found, 0 not. */
int v4_xml_next(const char *xml, size_t *pos, const char *tag, char *out,
                size_t outsz);

/* Listing and bucket HEAD/PUT through this engine, signed V4 or (for the
 * v2 path) V2 as c->sigv4 says. */
int s3_curl_list(const struct s3_conf *c, const char *bucket,
                 const char *prefix, struct s3_lister *l,
                 struct s3_status *st);
int s3_curl_bucket(const struct s3_conf *c, const char *bucket, int create,
                   struct s3_status *st);

#endif
