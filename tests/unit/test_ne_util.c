/*
 * test_ne_util.c - helpers of the erasure-layer unit tests (see .h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_ne_util.h"

/* ---- the mask DAL ---------------------------------------------------- */

struct mask_dal {
    struct dal base;
    dal_t *inner;
    _Atomic uint64_t missing, flip, badmeta, bytes;
};

struct mask_blk {
    struct dal_block base;
    dal_block_t *inner;
    unsigned block;
};

#define MD(d) ((struct mask_dal *)(d))
#define MB(b) ((struct mask_blk *)(b))
#define IN(b) (MB(b)->inner)
#define HAS(mask, b) (((mask) >> (b)) & 1)

static int m_verify(dal_t *d, int fix)
{
    return MD(d)->inner->ops->verify(MD(d)->inner, fix);
}

static int wrap(dal_t *d, const struct dal_loc *loc, dal_block_t *in,
                dal_block_t **out)
{
    struct mask_blk *b = calloc(1, sizeof(*b));
    assert_non_null(b);
    b->base.dal = d;
    b->inner = in;
    b->block = loc->block;
    *out = &b->base;
    return 0;
}

static int m_open_write(dal_t *d, const struct dal_loc *loc,
                        const char *obj, dal_block_t **out)
{
    dal_block_t *in = NULL;
    int rc = MD(d)->inner->ops->open_write(MD(d)->inner, loc, obj, &in);
    return rc < 0 ? rc : wrap(d, loc, in, out);
}

static int m_open_read(dal_t *d, const struct dal_loc *loc,
                       const char *obj, dal_block_t **out)
{
    if (HAS(MD(d)->missing, loc->block))
        return -ENOENT;
    dal_block_t *in = NULL;
    int rc = MD(d)->inner->ops->open_read(MD(d)->inner, loc, obj, &in);
    return rc < 0 ? rc : wrap(d, loc, in, out);
}

static ssize_t m_put(dal_block_t *b, const void *buf, size_t len)
{
    return IN(b)->dal->ops->put(IN(b), buf, len);
}

/* A flipped block returns its first byte of every get inverted: every
 * unit read (data or CRC) is wrong. */
static ssize_t m_get(dal_block_t *b, void *buf, size_t len, uint64_t off)
{
    ssize_t n = IN(b)->dal->ops->get(IN(b), buf, len, off);
    if (n > 0 && HAS(MD(b->dal)->flip, MB(b)->block))
        ((uint8_t *)buf)[0] ^= 0x01;
    if (n > 0)
        MD(b->dal)->bytes += (uint64_t)n;
    return n;
}

static int m_set_meta(dal_block_t *b, const void *m, size_t len)
{
    return IN(b)->dal->ops->set_meta(IN(b), m, len);
}

static ssize_t m_get_meta(dal_block_t *b, void *buf, size_t len)
{
    ssize_t n = IN(b)->dal->ops->get_meta(IN(b), buf, len);
    if (n > 8 && HAS(MD(b->dal)->badmeta, MB(b)->block))
        ((uint8_t *)buf)[8] ^= 0x40;
    return n;
}

static int m_close(dal_block_t *b)
{
    int rc = IN(b)->dal->ops->close(IN(b));
    free(b);
    return rc;
}

static int m_abort(dal_block_t *b)
{
    int rc = IN(b)->dal->ops->abort(IN(b));
    free(b);
    return rc;
}

static int m_stat(dal_t *d, const struct dal_loc *loc, const char *obj,
                  struct dal_stat *st)
{
    if (HAS(MD(d)->missing, loc->block))
        return -ENOENT;
    return MD(d)->inner->ops->stat(MD(d)->inner, loc, obj, st);
}

static int m_del(dal_t *d, const struct dal_loc *loc, const char *obj)
{
    return MD(d)->inner->ops->del(MD(d)->inner, loc, obj);
}

static int m_list(dal_t *d, const struct dal_loc *loc,
                  int (*cb)(const char *, void *), void *arg)
{
    return MD(d)->inner->ops->list(MD(d)->inner, loc, cb, arg);
}

static void m_destroy(dal_t *d)
{
    free(d);
}

static const struct dal_ops mask_ops = {
    .verify = m_verify, .open_write = m_open_write,
    .open_read = m_open_read, .put = m_put, .get = m_get,
    .set_meta = m_set_meta, .get_meta = m_get_meta, .close = m_close,
    .abort = m_abort, .stat = m_stat, .del = m_del, .list = m_list,
    .destroy = m_destroy,
};

void tne_mask(struct tne_env *env, uint64_t missing, uint64_t flip,
              uint64_t badmeta)
{
    struct mask_dal *m = MD(env->mask);
    m->missing = missing;
    m->flip = flip;
    m->badmeta = badmeta;
}

uint64_t tne_mask_bytes(struct tne_env *env)
{
    return atomic_exchange(&MD(env->mask)->bytes, 0);
}

/* ---- scratch repo ---------------------------------------------------- */

static const char *scratch_base(void)
{
    return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
}

static const struct mcfg *load_cfg(struct tne_env *env, unsigned n,
                                   unsigned e, size_t psz, enum tne_dal kind)
{
    char dal[1024], xml[4096];
    snprintf(dal, sizeof(dal), "<DAL type=\"posix\"><dir_template>"
             "p{p}/b{b}/c{c}/s{s}</dir_template><sec_root>%s</sec_root>"
             "</DAL>", env->dir);
    snprintf(xml, sizeof(xml),
        "<marfs_config version=\"1\"><mnt_top>/t</mnt_top>"
        "<repo name=\"t\"><data><protection><N>%u</N><E>%u</E>"
        "<PSZ>%zu</PSZ></protection><distribution><pods cnt=\"2\"/>"
        "<caps cnt=\"2\"/><scatters cnt=\"3\"/></distribution>%s%s%s</data>"
        "<meta><namespaces><ns name=\"root\"/></namespaces>"
        "<MDAL type=\"posix\"><ns_root>%s</ns_root></MDAL></meta></repo>"
        "</marfs_config>", n, e, psz,
        kind == TNE_FAULT ? "<DAL type=\"fault\">" : "", dal,
        kind == TNE_FAULT ? "</DAL>" : "", env->dir);
    const struct mcfg *cfg = NULL;
    assert_int_equal(dal_config_load_buffer(xml, strlen(xml), "test", stderr,
                                      &cfg), 0);
    return cfg;
}

void tne_other_ctx(struct tne_env *env, unsigned n, unsigned e, size_t psz,
                   const struct mcfg **cfg, ne_ctx_t **ctx)
{
    *cfg = load_cfg(env, n, e, psz, TNE_POSIX);
    assert_int_equal(ne_ctx_create(&(*cfg)->repos[0], ctx), 0);
}

void tne_setup(struct tne_env *env, unsigned n, unsigned e, size_t psz,
               enum tne_dal kind, unsigned threads, unsigned quorum)
{
    memset(env, 0, sizeof(*env));
    snprintf(env->dir, sizeof(env->dir), "%s/test_ne.XXXXXX", scratch_base());
    assert_non_null(mkdtemp(env->dir));
    env->cfg = load_cfg(env, n, e, psz, kind);
    env->repo = &env->cfg->repos[0];
    assert_int_equal(dal_create(env->repo->dal, env->repo, &env->inner), 0);
    assert_int_equal(env->inner->ops->verify(env->inner, 1), 0);
    struct mask_dal *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    m->base.ops = &mask_ops;
    m->base.type = "mask";
    m->inner = env->inner;
    env->mask = &m->base;
    struct ne_opts o;
    ne_opts_default(&o);
    o.threads = threads;
    o.write_quorum = quorum;
    dal_t *use = kind == TNE_MASKED ? env->mask : env->inner;
    assert_int_equal(ne_ctx_create_dal(env->repo, &o, use, &env->ctx), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void tne_teardown(struct tne_env *env)
{
    ne_ctx_destroy(env->ctx);
    dal_destroy(env->mask);
    dal_destroy(env->inner);
    mcfg_free(env->cfg);
    nftw(env->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    memset(env, 0, sizeof(*env));
}

/* ---- data ------------------------------------------------------------ */

void tne_fill(uint8_t *buf, size_t len, uint64_t seed)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (uint8_t)(x >> 24);
    }
}

int tne_put(ne_ctx_t *ctx, const char *obj, const uint8_t *data, size_t len,
            size_t chunk, struct ne_health *st)
{
    ne_write_t *h = NULL;
    int rc = ne_open_write(ctx, obj, &h);
    if (rc < 0)
        return rc;
    size_t off = 0;
    while (off < len) {
        size_t n = chunk == 0 || len - off < chunk ? len - off : chunk;
        ssize_t w = ne_write(h, data + off, n);
        if (w < 0)
            break;
        assert_int_equal(w, (ssize_t)n);
        off += n;
    }
    return ne_close_write(h, st);
}

ssize_t tne_get(ne_ctx_t *ctx, const char *obj, uint8_t **out)
{
    ne_read_t *h = NULL;
    *out = NULL;
    int rc = ne_open_read(ctx, obj, &h);
    if (rc < 0)
        return rc;
    size_t size = (size_t)ne_size(h);
    *out = malloc(size ? size : 1);
    assert_non_null(*out);
    ssize_t got = ne_pread(h, *out, size, 0);
    ne_close_read(h);
    return got;
}

/* ---- raw blocks ------------------------------------------------------ */

int tne_block_read(struct tne_env *env, const char *obj, unsigned b,
                   uint8_t **data, size_t *len, uint8_t *meta, size_t *mlen)
{
    dal_t *d = env->inner;
    struct dal_loc loc;
    ne_block_loc(env->ctx, obj, b, &loc);
    struct dal_stat st;
    int rc = d->ops->stat(d, &loc, obj, &st);
    dal_block_t *blk = NULL;
    if (rc == 0)
        rc = d->ops->open_read(d, &loc, obj, &blk);
    if (rc < 0)
        return rc;
    *len = (size_t)st.size;
    *data = malloc(*len + 1);
    assert_non_null(*data);
    size_t got = 0;
    while (got < *len) {
        ssize_t n = d->ops->get(blk, *data + got, *len - got, got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    ssize_t m = d->ops->get_meta(blk, meta, *mlen);
    assert_true(m >= 0 && (size_t)m <= *mlen);
    *mlen = (size_t)m;
    return d->ops->close(blk);
}

int tne_block_write(struct tne_env *env, const char *obj, unsigned b,
                    const uint8_t *data, size_t len, const uint8_t *meta,
                    size_t mlen)
{
    dal_t *d = env->inner;
    struct dal_loc loc;
    ne_block_loc(env->ctx, obj, b, &loc);
    dal_block_t *blk = NULL;
    int rc = d->ops->open_write(d, &loc, obj, &blk);
    if (rc < 0)
        return rc;
    if (len > 0)
        assert_int_equal(d->ops->put(blk, data, len), (ssize_t)len);
    assert_int_equal(d->ops->set_meta(blk, meta, mlen), 0);
    return d->ops->close(blk);
}

void tne_corrupt(struct tne_env *env, const char *obj, unsigned b, long off)
{
    uint8_t *data = NULL, meta[256];
    size_t len = 0, mlen = sizeof(meta);
    assert_int_equal(tne_block_read(env, obj, b, &data, &len, meta, &mlen),
                     0);
    if (off < 0) {
        assert_true((size_t)-off <= mlen);
        meta[mlen + off] ^= 0x01;
    } else {
        assert_true((size_t)off < len);
        data[off] ^= 0x01;
    }
    assert_int_equal(tne_block_write(env, obj, b, data, len, meta, mlen), 0);
    free(data);
}

int tne_block_delete(struct tne_env *env, const char *obj, unsigned b)
{
    struct dal_loc loc;
    ne_block_loc(env->ctx, obj, b, &loc);
    return env->inner->ops->del(env->inner, &loc, obj);
}

/* Next k-combination of {0..m-1} in c[]; 0 when done. */
int tne_next_combo(unsigned *c, unsigned k, unsigned m)
{
    int i = (int)k - 1;
    while (i >= 0 && c[i] == m - k + (unsigned)i)
        i--;
    if (i < 0)
        return 0;
    c[i]++;
    for (unsigned j = (unsigned)i + 1; j < k; j++)
        c[j] = c[j - 1] + 1;
    return 1;
}
