/*
 * dal_s3_status.c - what a failed S3 request means, and saying so.
 *
 * Owns: mapping the outcome of one request (transport failure, HTTP
 * status, S3 error code) to a negative errno, and the one log line per
 * failure that names the endpoint and the bucket and, for the usual
 * causes -- bad credentials, a missing bucket, a host that does not
 * answer, a TLS failure, a timeout -- says what to check.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dal_s3.h"
#include "log.h"

void s3_status_clear(struct s3_status *st)
{
    memset(st, 0, sizeof(*st));
}

int s3_status_ok(const struct s3_status *st)
{
    return st->net == S3_NET_OK && st->http >= 200 && st->http <= 299;
}

static int is_auth(const struct s3_status *st)
{
    static const char *const codes[] = {
        "SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied",
        "InvalidToken", "ExpiredToken", "AuthorizationHeaderMalformed",
        "RequestTimeTooSkewed",
    };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (strcmp(st->code, codes[i]) == 0)
            return 1;
    return st->code[0] == '\0' && st->http == 403;
}

int s3_status_errno(const struct s3_status *st)
{
    switch (st->net) {
    case S3_NET_CONNECT: return -ECONNREFUSED;
    case S3_NET_TIMEOUT: return -ETIMEDOUT;
    case S3_NET_RESET: return -ECONNRESET;
    case S3_NET_TLS: return -EPROTO;
    case S3_NET_OTHER: return -EIO;
    case S3_NET_OK: break;
    }
    if (s3_status_ok(st))
        return 0;
    if (is_auth(st))
        return -EACCES;
    if (strcmp(st->code, "NoSuchBucket") == 0 ||
        strcmp(st->code, "NoSuchKey") == 0 || st->http == 404)
        return -ENOENT;
    if (strcmp(st->code, "EntityTooSmall") == 0 ||
        strcmp(st->code, "EntityTooLarge") == 0 ||
        strcmp(st->code, "InvalidRange") == 0 || st->http == 416)
        return -EINVAL;
    if (strcmp(st->code, "NoSuchUpload") == 0)
        return -ESTALE;
    if (st->http == 503 || strcmp(st->code, "SlowDown") == 0)
        return -EAGAIN;
    return -EIO;
}

/* What to do about it, for the causes users meet first. */
static const char *hint(const struct s3_status *st)
{
    if (st->net == S3_NET_CONNECT)
        return " (is the S3 service running and the endpoint right?)";
    if (st->net == S3_NET_TLS)
        return " (check scheme, the server certificate and <ca_file>)";
    if (st->net == S3_NET_TIMEOUT)
        return " (the server stopped answering within the configured "
               "timeouts)";
    if (is_auth(st))
        return " (authentication failed: check the access key and secret "
               "in <credentials> or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
               "and <signature>)";
    if (strcmp(st->code, "NoSuchBucket") == 0)
        return " (the bucket does not exist: marfs-verifyconf --check-dirs "
               "--fix creates it)";
    return "";
}

int s3_fail(const struct s3_conf *c, const char *bucket, const char *what,
            const struct s3_status *st)
{
    int rc = s3_status_errno(st);
    char http[32] = "";
    if (st->http != 0)
        snprintf(http, sizeof(http), "HTTP %d ", st->http);
    const char *code = st->code[0] ? st->code : "";
    if (rc == -ENOENT && strcmp(st->code, "NoSuchBucket") != 0) {
        LOG_DEBUG("s3 DAL: %s in bucket '%s' at %s: not found", what,
                  bucket, c->endpoint);
        return rc;
    }
    LOG_ERR("s3 DAL: %s in bucket '%s' at %s://%s failed: %s%s%s%s%s",
            what, bucket ? bucket : "-", c->https ? "https" : "http",
            c->endpoint, http, code, st->detail[0] && code[0] ? ": " : "",
            st->detail, hint(st));
    return rc;
}
