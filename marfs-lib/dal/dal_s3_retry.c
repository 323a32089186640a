/*
 * dal_s3_retry.c - when and how long the S3 DAL waits before trying again.
 *
 * Owns: which failures are worth another attempt (5xx, SlowDown,
 * RequestTimeout, timeouts, resets and refused connections -- a server
 * may be restarting -- but no other 4xx: a wrong key or a missing bucket
 * does not heal by repetition) and the delay: "full jitter" exponential
 * backoff, a uniform draw from [0, min(cap, base * 2^(n-1))], so block
 * threads that failed together do not retry together.  All state lives
 * in a struct s3_backoff on the caller's stack, seeded per request from
 * getrandom(): nothing is shared between threads or requests.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dal_s3.h"
#include "hash.h"

#define BACKOFF_BASE_MS 100
#define BACKOFF_CAP_MS 5000

void s3_backoff_init(struct s3_backoff *b, unsigned retries)
{
    b->attempt = 1;
    b->max_retries = retries;
    b->base_ms = BACKOFF_BASE_MS;
    b->cap_ms = BACKOFF_CAP_MS;
    if (getrandom(&b->rng, sizeof(b->rng), GRND_NONBLOCK) !=
        (ssize_t)sizeof(b->rng))
        b->rng = mhash_mix64(dal_now_ns() ^ (uint64_t)(uintptr_t)b);
    b->rng |= 1;
}

int s3_retryable(const struct s3_status *st)
{
    switch (st->net) {
    case S3_NET_TIMEOUT:
    case S3_NET_RESET:
    case S3_NET_CONNECT:
        return 1;
    case S3_NET_TLS:
    case S3_NET_OTHER:
        return 0;
    case S3_NET_OK:
        break;
    }
    if (strcmp(st->code, "SlowDown") == 0 ||
        strcmp(st->code, "RequestTimeout") == 0 ||
        strcmp(st->code, "InternalError") == 0 ||
        strcmp(st->code, "ServiceUnavailable") == 0)
        return 1;
    return st->http >= 500 && st->http <= 599;
}

static uint64_t next_rand(struct s3_backoff *b)
{
    b->rng ^= b->rng << 13;
    b->rng ^= b->rng >> 7;
    b->rng ^= b->rng << 17;
    return b->rng;
}

unsigned s3_backoff_delay(struct s3_backoff *b, unsigned attempt)
{
    uint64_t ceil = b->base_ms;
    for (unsigned i = 1; i < attempt && ceil < b->cap_ms; i++)
        ceil *= 2;
    if (ceil > b->cap_ms)
        ceil = b->cap_ms;
    return (unsigned)(next_rand(b) % (ceil + 1));
}

int s3_backoff_next(struct s3_backoff *b, const struct s3_status *st)
{
    if (!s3_retryable(st) || b->attempt > b->max_retries)
        return 0;
    unsigned ms = s3_backoff_delay(b, b->attempt);
    b->attempt++;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
    return 1;
}
