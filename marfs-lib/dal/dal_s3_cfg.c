/*
 * dal_s3_cfg.c - the parameters of the S3 DAL and its credentials.
 *
 * Owns: the parameter table (names, defaults, limits) of <DAL type="s3">,
 * parsing and checking every value with a message naming the parameter,
 * the bucket-name and key-prefix templates (and that together they keep
 * the blocks of one object apart), mapping a location and an object name
 * to bucket and key, and reading credentials from a file that nobody
 * else may read, or from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
 * Keys never come from the XML itself.
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dal_posix.h"
#include "dal_s3.h"
#include "log.h"

/* What marfs.xml may say; the kinds are checked by dal_check_params,
 * the meaning by s3_check (load time) and s3_conf_load (create time). */
const struct dal_param_rule s3_params[] = {
    {"endpoint", DAL_P_TEXT, 1, 0},
    {"bucket", DAL_P_TEXT, 1, 0},
    {"key_prefix", DAL_P_TEXT, 0, 0},
    {"scheme", DAL_P_TEXT, 0, 0},
    {"ca_file", DAL_P_ABS_PATH, 0, 0},
    {"addressing", DAL_P_TEXT, 0, 0},
    {"region", DAL_P_TEXT, 0, 0},
    {"signature", DAL_P_TEXT, 0, 0},
    {"credentials", DAL_P_ABS_PATH, 0, 0},
    {"connect_timeout", DAL_P_UINT, 0, 0},
    {"low_speed_time", DAL_P_UINT, 0, 0},
    {"low_speed_limit", DAL_P_UINT, 0, 0},
    {"timeout", DAL_P_UINT, 0, 0},
    {"retries", DAL_P_UINT, 0, 0},
    {"multipart_threshold", DAL_P_TEXT, 0, 0},
    {"part_size", DAL_P_TEXT, 0, 0},
    {"part_threads", DAL_P_UINT, 0, 0},
    {"read_size", DAL_P_TEXT, 0, 0},
    {NULL, 0, 0, 0},
};

/* ---- templates, buckets and keys -------------------------------------- */

int s3_expand(const char *tmpl, const struct dal_loc *loc, char *buf,
              size_t sz)
{
    size_t o = 0;
    for (const char *t = tmpl; *t != '\0'; t++) {
        const char *ph = "pbcs";
        const char *k = t[0] == '{' && t[1] != '\0' && t[2] == '}'
                            ? strchr(ph, t[1]) : NULL;
        if (k == NULL || *k == '\0') {
            if (o + 1 >= sz)
                return -ENAMETOOLONG;
            buf[o++] = *t;
            continue;
        }
        unsigned v[4] = {loc->pod, loc->block, loc->cap, loc->scatter};
        int n = snprintf(buf + o, sz - o, "%u", v[k - ph]);
        if (n < 0 || (size_t)n >= sz - o)
            return -ENAMETOOLONG;
        o += (size_t)n;
        t += 2;
    }
    if (o >= sz)
        return -ENAMETOOLONG;
    buf[o] = '\0';
    return 0;
}

int s3_bucket_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n < 3 || n > S3_BUCKET_MAX || !isalnum((unsigned char)name[0]) ||
        !isalnum((unsigned char)name[n - 1]) || strstr(name, "..") != NULL)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)name[i]) &&
            !isdigit((unsigned char)name[i]) && name[i] != '-' &&
            name[i] != '.')
            return 0;
    return 1;
}

int s3_bucket_of(const struct s3_conf *c, const struct dal_loc *loc,
                 char *bucket)
{
    if (s3_expand(c->bucket_tmpl, loc, bucket, S3_BUCKET_MAX + 1) < 0) {
        LOG_ERR("s3 DAL: bucket template '%s' gives a name longer than %d "
                "characters", c->bucket_tmpl, S3_BUCKET_MAX);
        return -ENAMETOOLONG;
    }
    return 0;
}

/* Keys are <prefix><escaped name>: the posix DAL's escape, so a key never
 * holds '/' from the name (listing stays flat) and maps back exactly. */
int s3_key_of(const struct s3_conf *c, const struct dal_loc *loc,
              const char *obj, char *key)
{
    if (s3_expand(c->prefix_tmpl, loc, key, S3_KEY_MAX + 1) < 0) {
        LOG_ERR("s3 DAL: key prefix '%s' is too long", c->prefix_tmpl);
        return -ENAMETOOLONG;
    }
    if (obj == NULL)
        return 0;
    size_t o = strlen(key);
    if (px_escape(obj, key + o, S3_KEY_MAX + 1 - o) < 0) {
        LOG_ERR("s3 DAL: object name '%.64s...' is too long for an S3 key "
                "(escaped, with the prefix, over %d bytes)", obj, S3_KEY_MAX);
        return -ENAMETOOLONG;
    }
    return 0;
}

/* ---- parameter values ------------------------------------------------- */

/* Where problems go: the config checker's list at load time (cx), the
 * log when the DAL is built. */
struct pctx {
    const struct mcfg_dal *cfg;
    struct dal_check_ctx *cx;    /* NULL: log */
    char name[96];               /* "DAL 's3' (line N)" */
};

static const char *param(const struct pctx *p, const char *key)
{
    return mcfg_dal_param(p->cfg, key);
}

/* One problem about element key (the line of that element if given). */
static void report(const struct pctx *p, const char *key, const char *fmt,
                   ...) __attribute__((format(printf, 3, 4)));
static void report(const struct pctx *p, const char *key, const char *fmt,
                   ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (p->cx == NULL) {
        LOG_ERR("%s: <%s> %s", p->name, key, msg);
        return;
    }
    int line = p->cfg->line;
    for (size_t i = 0; i < p->cfg->nparams; i++)
        if (strcmp(p->cfg->params[i].key, key) == 0)
            line = p->cfg->params[i].line;
    dal_check_error(p->cx, line, key, "%s", msg);
}

static int bad(const struct pctx *p, const char *key, const char *val,
               const char *why)
{
    report(p, key, "'%s': %s", val, why);
    return -EINVAL;
}

/* One of two words; *out = 1 for `one`. */
static int choice(const struct pctx *p, const char *key, const char *one,
                  const char *other, int dflt, int *out)
{
    const char *v = param(p, key);
    char why[96];
    *out = dflt;
    if (v == NULL)
        return 0;
    if (strcmp(v, one) == 0 || strcmp(v, other) == 0) {
        *out = strcmp(v, one) == 0;
        return 0;
    }
    snprintf(why, sizeof(why), "must be %s or %s", one, other);
    return bad(p, key, v, why);
}

static int number(const struct pctx *p, const char *key, long dflt, long lo,
                  long hi, long *out)
{
    const char *v = param(p, key);
    char why[96];
    *out = dflt;
    if (v == NULL)
        return 0;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (v[0] == '\0' || *end != '\0' || errno != 0 || n < lo || n > hi) {
        snprintf(why, sizeof(why), "must be a whole number from %ld to %ld",
                 lo, hi);
        return bad(p, key, v, why);
    }
    *out = n;
    return 0;
}

static int size(const struct pctx *p, const char *key, uint64_t dflt,
                uint64_t lo, uint64_t hi, uint64_t *out)
{
    const char *v = param(p, key);
    char why[96];
    *out = dflt;
    if (v == NULL)
        return 0;
    if (mcfg_parse_size(v, out) < 0 || *out < lo || *out > hi) {
        snprintf(why, sizeof(why), "must be a size from %llu to %llu bytes",
                 (unsigned long long)lo, (unsigned long long)hi);
        return bad(p, key, v, why);
    }
    return 0;
}

static int text(const struct pctx *p, const char *key, const char *dflt,
                char **out)
{
    const char *v = param(p, key);
    if (v == NULL)
        v = dflt;
    if (v == NULL)
        return 0;
    return (*out = strdup(v)) != NULL ? 0 : -ENOMEM;
}

/* host[:port] with a sane host and port. */
static int check_endpoint(const struct pctx *p, const char *v)
{
    if (v == NULL) {
        report(p, "endpoint", "(host:port of the S3 service) is required");
        return -EINVAL;
    }
    if (strstr(v, "://") != NULL)
        return bad(p, "endpoint", v, "give host:port; the scheme goes in "
                   "<scheme>");
    const char *colon = strrchr(v, ':');
    if (v[0] == '\0' || colon == v || strpbrk(v, "/ \t?#@") != NULL)
        return bad(p, "endpoint", v, "is not host or host:port");
    if (colon != NULL) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
            return bad(p, "endpoint", v, "the port is not 1-65535");
    }
    return 0;
}

/* Placeholders known, and bucket + prefix together keep apart what must
 * be apart: the blocks of one object, and each level with several
 * indices. */
static int check_templates(const struct pctx *p, const struct s3_conf *c,
                           const struct mcfg_repo *r)
{
    const char *both[2] = {c->bucket_tmpl, c->prefix_tmpl};
    const char *keys[2] = {"bucket", "key_prefix"};
    for (int i = 0; i < 2; i++)
        for (const char *s = strchr(both[i], '{'); s; s = strchr(s + 1, '{'))
            if (strncmp(s, "{p}", 3) && strncmp(s, "{b}", 3) &&
                strncmp(s, "{c}", 3) && strncmp(s, "{s}", 3))
                return bad(p, keys[i], both[i], "unknown placeholder "
                           "(known: {p} {b} {c} {s})");
    const struct { const char *ph; unsigned cnt; const char *n; } lv[] = {
        {"{b}", 2, "blocks"}, {"{p}", r->pods.cnt, "pods"},
        {"{c}", r->caps.cnt, "caps"}, {"{s}", r->scatters.cnt, "scatters"},
    };
    for (int i = 0; i < 4; i++)
        if (lv[i].cnt > 1 && strstr(c->bucket_tmpl, lv[i].ph) == NULL &&
            strstr(c->prefix_tmpl, lv[i].ph) == NULL) {
            report(p, "bucket", "neither <bucket> '%s' nor <key_prefix> '%s' "
                   "holds %s: the %s would share keys", c->bucket_tmpl,
                   c->prefix_tmpl, lv[i].ph, lv[i].n);
            return -EINVAL;
        }
    /* every name the template can produce must be valid: check the
     * largest indices (longest) and index 0 */
    struct dal_loc hi = {r->pods.cnt - 1, r->n + r->e - 1, r->caps.cnt - 1,
                          r->scatters.cnt - 1};
    struct dal_loc lo = {0, 0, 0, 0};
    char b[256];
    for (int i = 0; i < 2; i++)
        if (s3_expand(c->bucket_tmpl, i ? &hi : &lo, b, sizeof(b)) < 0 ||
            !s3_bucket_name_ok(b))
            return bad(p, "bucket", c->bucket_tmpl, "does not give a valid "
                       "S3 bucket name (3-63 characters of a-z 0-9 . -, "
                       "starting and ending with a letter or digit)");
    if (strlen(c->prefix_tmpl) > 256)
        return bad(p, "key_prefix", c->prefix_tmpl, "is longer than 256");
    return 0;
}

static int check_combination(const struct pctx *p, const struct s3_conf *c)
{
    if (c->ca_file != NULL && !c->https)
        return bad(p, "ca_file", c->ca_file, "applies to scheme https only");
    if (c->ca_file != NULL && c->ca_file[0] != '/')
        return bad(p, "ca_file", c->ca_file, "must be an absolute path");
    if (c->ca_file != NULL && !c->sigv4)
        return bad(p, "ca_file", c->ca_file, "needs signature v4 (libs3 "
                   "uses the system CA store)");
    if (c->vhost && strspn(c->endpoint, "0123456789.:") == strlen(c->endpoint))
        return bad(p, "addressing", "virtual", "needs a DNS name as "
                   "endpoint, not an IP address");
    if (c->vhost && strchr(c->bucket_tmpl, '.') != NULL && c->https)
        return bad(p, "bucket", c->bucket_tmpl, "must not contain '.' with "
                   "virtual-host addressing over https (the certificate "
                   "cannot match)");
    static const char *const v4only[] = {"multipart_threshold", "part_size",
                                         "part_threads"};
    for (int i = 0; i < 3 && !c->sigv4; i++)
        if (param(p, v4only[i]) != NULL)
            return bad(p, v4only[i], param(p, v4only[i]), "applies to "
                       "signature v4 only (libs3 has no multipart uploads)");
    return 0;
}

/* ---- credentials ------------------------------------------------------ */

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* The keys from an AWS-style credentials file:
 *   aws_access_key_id = ...
 *   aws_secret_access_key = ...
 * ('#' comments and [section] lines ignored). */
static int read_cred_file(const struct pctx *p, const char *path,
                          struct s3_conf *c)
{
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        int rc = -errno;
        report(p, "credentials", "credentials file %s: %s", path,
               strerror(errno));
        return rc;
    }
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || (st.st_mode & 077) != 0) {
        report(p, "credentials", "credentials file %s is readable or "
               "writable by %s (mode %04o); refusing it: chmod 600 %s", path,
               (st.st_mode & 007) ? "everyone" : "its group",
               (unsigned)(st.st_mode & 07777), path);
        fclose(f);
        return -EACCES;
    }
    char line[1024];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        char *s = trim(line);
        char *eq = strchr(s, '=');
        if (*s == '#' || *s == ';' || *s == '[' || *s == '\0' || eq == NULL)
            continue;
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        char **dst = strcmp(k, "aws_access_key_id") == 0 ? &c->access_key
                   : strcmp(k, "aws_secret_access_key") == 0 ? &c->secret_key
                   : NULL;
        if (dst != NULL && *dst == NULL && (*dst = strdup(v)) == NULL)
            rc = -ENOMEM;
    }
    fclose(f);
    if (rc == 0 && (c->access_key == NULL || c->secret_key == NULL ||
                    !c->access_key[0] || !c->secret_key[0])) {
        report(p, "credentials", "credentials file %s lacks "
               "aws_access_key_id or aws_secret_access_key", path);
        rc = -EINVAL;
    }
    return rc;
}

static int load_credentials(const struct pctx *p, struct s3_conf *c)
{
    const char *file = param(p, "credentials");
    if (file != NULL) {
        if (file[0] != '/')
            return bad(p, "credentials", file, "must be an absolute path");
        return read_cred_file(p, file, c);
    }
    const char *ak = getenv("AWS_ACCESS_KEY_ID");
    const char *sk = getenv("AWS_SECRET_ACCESS_KEY");
    if (ak == NULL || sk == NULL || !ak[0] || !sk[0]) {
        report(p, "DAL", "no S3 credentials: give <credentials> (a file of "
               "mode 0600) or set AWS_ACCESS_KEY_ID and "
               "AWS_SECRET_ACCESS_KEY");
        return -EINVAL;
    }
    c->access_key = strdup(ak);
    c->secret_key = strdup(sk);
    return c->access_key && c->secret_key ? 0 : -ENOMEM;
}

/* ---- load ------------------------------------------------------------- */

static int load_values(const struct pctx *p, struct s3_conf *c)
{
    long n;
    int rc = check_endpoint(p, param(p, "endpoint"));
    if (rc == 0)
        rc = text(p, "endpoint", NULL, &c->endpoint);
    if (rc == 0)
        rc = choice(p, "scheme", "https", "http", 1, &c->https);
    if (rc == 0)
        rc = choice(p, "addressing", "virtual", "path", 0, &c->vhost);
    if (rc == 0)
        rc = choice(p, "signature", "v4", "v2", 1, &c->sigv4);
    if (rc == 0)
        rc = text(p, "ca_file", NULL, &c->ca_file);
    if (rc == 0)
        rc = text(p, "region", "us-east-1", &c->region);
    if (rc == 0 && param(p, "bucket") == NULL) {
        report(p, "bucket", "(bucket-name template) is required");
        rc = -EINVAL;
    }
    if (rc == 0)
        rc = text(p, "bucket", NULL, &c->bucket_tmpl);
    if (rc == 0)
        rc = text(p, "key_prefix", "", &c->prefix_tmpl);
    if (rc == 0)
        rc = number(p, "connect_timeout", 10, 1, 3600, &c->connect_timeout);
    if (rc == 0)
        rc = number(p, "low_speed_time", 30, 1, 3600, &c->low_speed_time);
    if (rc == 0)
        rc = number(p, "low_speed_limit", 1024, 1, 1L << 30,
                    &c->low_speed_limit);
    if (rc == 0)
        rc = number(p, "timeout", 300, 1, 86400, &c->timeout);
    if (rc == 0 && (rc = number(p, "retries", 4, 0, 20, &n)) == 0)
        c->retries = (unsigned)n;
    if (rc == 0)
        rc = size(p, "multipart_threshold", 16u << 20, 0, 1ULL << 40,
                  &c->mp_threshold);
    if (rc == 0)
        rc = size(p, "part_size", 8u << 20, 64u << 10, 5ULL << 30,
                  &c->part_size);
    if (rc == 0 && (rc = number(p, "part_threads", 2, 1, 16, &n)) == 0)
        c->part_threads = (unsigned)n;
    if (rc == 0)
        rc = size(p, "read_size", 4u << 20, 4096, 1u << 30, &c->read_size);
    return rc;
}

int s3_conf_load(struct s3_conf *c, const struct mcfg_dal *cfg,
                 const struct mcfg_repo *repo)
{
    struct pctx p = {.cfg = cfg};
    memset(c, 0, sizeof(*c));
    dal_cfg_name(cfg, p.name, sizeof(p.name));
    for (size_t i = 0; i < cfg->nparams; i++) {
        const struct dal_param_rule *r = s3_params;
        while (r->key != NULL && strcmp(r->key, cfg->params[i].key) != 0)
            r++;
        if (r->key == NULL) {
            LOG_ERR("%s: '%s' is not a parameter of the s3 DAL%s", p.name,
                    cfg->params[i].key, strstr(cfg->params[i].key, "key")
                    ? " (keys come from <credentials> or the environment, "
                      "never from marfs.xml)" : "");
            return -EINVAL;
        }
    }
    int rc = load_values(&p, c);
    if (rc == 0)
        rc = check_templates(&p, c, repo);
    if (rc == 0)
        rc = check_combination(&p, c);
    if (rc == 0)
        rc = load_credentials(&p, c);
    return rc;
}

/* Load time: the meaning of every value (first problem reported), and a
 * credentials file that exists must not be open to others.  Missing
 * credentials are the business of the host that builds the DAL. */
void s3_check(struct dal_check_ctx *cx, const struct mcfg_dal *cfg,
              const struct mcfg_repo *repo)
{
    struct pctx p = {.cfg = cfg, .cx = cx};
    struct s3_conf c;
    struct stat st;
    memset(&c, 0, sizeof(c));
    dal_cfg_name(cfg, p.name, sizeof(p.name));
    int rc = load_values(&p, &c);
    if (rc == 0)
        rc = check_templates(&p, &c, repo);
    if (rc == 0)
        rc = check_combination(&p, &c);
    const char *file = param(&p, "credentials");
    if (rc == 0 && file != NULL && stat(file, &st) == 0 &&
        (st.st_mode & 077) != 0)
        report(&p, "credentials", "credentials file %s is readable or "
               "writable by %s (mode %04o); refusing it: chmod 600 %s", file,
               (st.st_mode & 007) ? "everyone" : "its group",
               (unsigned)(st.st_mode & 07777), file);
    s3_conf_free(&c);
}

void s3_conf_free(struct s3_conf *c)
{
    free(c->endpoint);
    free(c->ca_file);
    free(c->region);
    free(c->bucket_tmpl);
    free(c->prefix_tmpl);
    if (c->secret_key != NULL)
        memset(c->secret_key, 0, strlen(c->secret_key));
    free(c->access_key);
    free(c->secret_key);
    memset(c, 0, sizeof(*c));
}
