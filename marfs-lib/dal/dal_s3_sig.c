/*
 * dal_s3_sig.c - AWS Signature Version 4 for the v4 path of the S3 DAL.
 *
 * Owns: the canonical request, the string to sign, the signing key and
 * the Authorization header, computed with OpenSSL's HMAC and SHA-256
 * (no hand-written crypto), plus the URI encoding S3 expects.  We sign
 * ourselves rather than through CURLOPT_AWS_SIGV4 so that the query
 * canonicalisation (multipart and listing parameters) is ours and can be
 * compared byte for byte with botocore's signer (tests/integration/
 * s3-sigv4-oracle.sh).  Signed headers are always host,
 * x-amz-content-sha256 and x-amz-date; payloads are UNSIGNED-PAYLOAD
 * (the erasure layer checksums every unit itself).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "dal_s3.h"

#define SIGNED_HEADERS "host;x-amz-content-sha256;x-amz-date"

int s3_uri_encode(const char *s, int keep_slash, char *out, size_t outsz)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                   (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
                   *p == '.' || *p == '~' || (keep_slash && *p == '/');
        if (o + (keep ? 1 : 3) >= outsz)
            return -ENAMETOOLONG;
        if (keep) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
    return 0;
}

void s3_amz_date(int64_t t, char out[17])
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int sha256_hex(const char *s, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    unsigned int len = 0;
    if (EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL) != 1)
        return -EIO;
    to_hex(md, len, out);
    return 0;
}

static int hmac(const unsigned char *key, size_t klen, const char *msg,
                unsigned char out[32])
{
    unsigned int len = 0;
    return HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg,
                strlen(msg), out, &len) != NULL && len == 32 ? 0 : -EIO;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), "s3"),
 * "aws4_request") */
static int signing_key(const struct s3_sigreq *r, const char *date,
                       unsigned char out[32])
{
    char k0[256];
    unsigned char a[32], b[32];
    if (snprintf(k0, sizeof(k0), "AWS4%s", r->secret_key) >= (int)sizeof(k0))
        return -ENAMETOOLONG;
    int rc = hmac((unsigned char *)k0, strlen(k0), date, a);
    memset(k0, 0, sizeof(k0));
    if (rc == 0)
        rc = hmac(a, 32, r->region, b);
    if (rc == 0)
        rc = hmac(b, 32, "s3", a);
    if (rc == 0)
        rc = hmac(a, 32, "aws4_request", out);
    return rc;
}

int s3_sigv4_auth(const struct s3_sigreq *r, char *out, size_t outsz)
{
    char creq[4096 + 2 * S3_KEY_MAX], sts[512], chash[65], date[9];
    unsigned char key[32], sig[32];
    char sighex[65];
    snprintf(date, sizeof(date), "%.8s", r->amz_date);
    int n = snprintf(creq, sizeof(creq),
                     "%s\n%s\n%s\nhost:%s\nx-amz-content-sha256:%s\n"
                     "x-amz-date:%s\n\n" SIGNED_HEADERS "\n%s",
                     r->method, r->path, r->query, r->host, r->payload_hash,
                     r->amz_date, r->payload_hash);
    if (n < 0 || (size_t)n >= sizeof(creq))
        return -ENAMETOOLONG;
    int rc = sha256_hex(creq, chash);
    if (rc < 0)
        return rc;
    n = snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256\n%s\n%s/%s/s3/"
                 "aws4_request\n%s", r->amz_date, date, r->region, chash);
    if (n < 0 || (size_t)n >= sizeof(sts))
        return -ENAMETOOLONG;
    if ((rc = signing_key(r, date, key)) < 0 || (rc = hmac(key, 32, sts, sig)))
        return rc;
    to_hex(sig, 32, sighex);
    n = snprintf(out, outsz, "AWS4-HMAC-SHA256 Credential=%s/%s/%s/s3/"
                 "aws4_request, SignedHeaders=" SIGNED_HEADERS
                 ", Signature=%s", r->access_key, date, r->region, sighex);
    return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : 0;
}

/* ---- Signature V2 (bucket-level requests of the v2 path) -------------- */

void s3_http_date(int64_t t, char out[32])
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

int s3_sigv2_auth(const char *method, const char *resource, const char *date,
                  const char *ak, const char *sk, char *out, size_t outsz)
{
    char sts[4096];
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mlen = 0;
    int n = snprintf(sts, sizeof(sts), "%s\n\n\n\nx-amz-date:%s\n%s", method,
                     date, resource);
    if (n < 0 || (size_t)n >= sizeof(sts))
        return -ENAMETOOLONG;
    if (HMAC(EVP_sha1(), sk, (int)strlen(sk), (const unsigned char *)sts,
             (size_t)n, mac, &mlen) == NULL)
        return -EIO;
    char b64[64];
    if (EVP_EncodeBlock((unsigned char *)b64, mac, (int)mlen) <= 0)
        return -EIO;
    n = snprintf(out, outsz, "AWS %s:%s", ak, b64);
    return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : 0;
}
