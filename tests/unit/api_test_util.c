/*
 * api_test_util.c - helpers of the API unit tests (see api_test_util.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "api_test_util.h"
#include "dal.h"
#include "mdal.h"
#include "objfmt.h"

/* ---- scratch repo ---------------------------------------------------- */

static const char *scratch_base(void)
{
    const char *t = getenv("MARFS_TEST_TMP");
    if (t != NULL && *t)
        return t;
    return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
}

static void write_config(struct at_env *env, const struct at_cfg *c)
{
    FILE *f = fopen(env->conf, "w");
    assert_non_null(f);
    fprintf(f,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<marfs_config version=\"1\">\n"
        "  <mnt_top>" AT_MNT "</mnt_top>\n"
        "  <repo name=\"t\">\n"
        "    <data>\n"
        "      <protection><N>%u</N><E>%u</E><PSZ>%s</PSZ></protection>\n"
        "      <packing enabled=\"%s\"><max_files>%u</max_files></packing>\n"
        "      <chunking enabled=\"%s\"><max_size>%s</max_size></chunking>\n"
        "      <distribution><pods cnt=\"1\"/><caps cnt=\"2\"/>"
        "<scatters cnt=\"2\"/></distribution>\n"
        "      <DAL type=\"posix\"><dir_template>pod{p}/block{b}/cap{c}/scat{s}"
        "</dir_template><sec_root>%s/data</sec_root></DAL>\n"
        "    </data>\n"
        "    <meta>\n"
        "      <namespaces rbreadth=\"16\" rdepth=\"2\" rdigits=\"2\">\n"
        "        <ns name=\"root\">\n%s\n%s\n        </ns>\n"
        "      </namespaces>\n"
        "      <MDAL type=\"posix\"><ns_root>%s/meta</ns_root></MDAL>\n"
        "    </meta>\n"
        "  </repo>\n"
        "</marfs_config>\n",
        c->n ? c->n : 4, c->n ? c->e : 2, c->psz ? c->psz : "64K",
        c->nopack ? "no" : "yes", c->max_files ? c->max_files : 1024,
        c->nochunk ? "no" : "yes", c->max_size ? c->max_size : "1M",
        env->dir,
        c->root_perms ? c->root_perms
                      : "<perms><interactive>RM,RD</interactive>"
                        "<batch>RM,WM,RD,WD</batch></perms>",
        c->children ? c->children : "", env->dir);
    assert_int_equal(fclose(f), 0);
}

void at_setup(struct at_env *env, const struct at_cfg *c)
{
    static const struct at_cfg dflt;
    char path[512];
    if (c == NULL)
        c = &dflt;
    memset(env, 0, sizeof(*env));
    snprintf(env->dir, sizeof(env->dir), "%s/test_api.XXXXXX", scratch_base());
    assert_non_null(mkdtemp(env->dir));
    snprintf(env->conf, sizeof(env->conf), c->setuid_layout ? "%s.xml"
             : "%s/marfs.xml", env->dir);
    write_config(env, c);
    snprintf(path, sizeof(path), "%s/meta", env->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/data", env->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(dal_config_load(env->conf, stderr, &env->cfg), 0);
    /* What marfs-verifyconf --check-dirs --fix does for the DAL. */
    dal_t *dal = NULL;
    const struct mcfg_repo *r = &env->cfg->repos[0];
    assert_int_equal(dal_create(r->dal, r, &dal), 0);
    assert_int_equal(dal->ops->verify(dal, 1), 0);
    dal_destroy(dal);
    snprintf(path, sizeof(path), "%s/data", env->dir);
    if (c->setuid_layout)
        assert_int_equal(chmod(path, 0711), 0);
    assert_int_equal(ne_ctx_create(r, &env->ne), 0);
    assert_int_equal(marfs_init(env->conf, MARFS_BATCH, &env->ctx), 0);
}

/* Remove name under dirfd and everything beneath it, one directory fd
 * at a time: the tests build trees deeper than PATH_MAX, which nftw and
 * path-based removal cannot reach. */
static void rm_tree_at(int at, const char *name)
{
    if (unlinkat(at, name, 0) == 0 || (errno != EISDIR && errno != EPERM))
        return;
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                    O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            rm_tree_at(dirfd(d), e->d_name);
    closedir(d);
    unlinkat(at, name, AT_REMOVEDIR);
}

void at_teardown(struct at_env *env)
{
    if (env->ctx != NULL)
        assert_int_equal(marfs_term(env->ctx), 0);
    if (env->ne != NULL)
        ne_ctx_destroy(env->ne);
    mcfg_free(env->cfg);
    if (getenv("MARFS_TEST_KEEP") == NULL) {
        unlink(env->conf);
        rm_tree_at(AT_FDCWD, env->dir);
    }
    memset(env, 0, sizeof(*env));
}

const char *at_p(const char *fmt, ...)
{
    static char bufs[16][PATH_MAX + 64];
    static unsigned next;
    char *b = bufs[next++ % 16];
    int n = snprintf(b, sizeof(bufs[0]), "%s", AT_MNT);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b + n, sizeof(bufs[0]) - (size_t)n, fmt, ap);
    va_end(ap);
    return b;
}

/* ---- data ------------------------------------------------------------ */

void at_fill(uint8_t *buf, size_t len, uint64_t seed)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
    size_t i = 0;
    while (i < len) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        for (int k = 0; k < 8 && i < len; k++, i++)
            buf[i] = (uint8_t)(x >> (8 * k));
    }
}

uint8_t *at_data(size_t len, uint64_t seed)
{
    uint8_t *d = malloc(len ? len : 1);
    assert_non_null(d);
    at_fill(d, len, seed);
    return d;
}

marfs_fh_t *at_put(marfs_ctx_t *ctx, const char *path, const uint8_t *data,
                   size_t len, size_t piece, marfs_fh_t *prev)
{
    marfs_fh_t *fh = NULL;
    int rc = marfs_creat(ctx, path, 0644, prev, &fh);
    if (rc != 0)
        print_error("marfs_creat(%s): %s\n", path, strerror(-rc));
    assert_int_equal(rc, 0);
    size_t off = 0;
    while (off < len) {
        size_t n = piece == 0 || len - off < piece ? len - off : piece;
        assert_int_equal(marfs_write(fh, data + off, n), (ssize_t)n);
        off += n;
    }
    return fh;
}

void at_write(marfs_ctx_t *ctx, const char *path, const uint8_t *data,
              size_t len)
{
    marfs_fh_t *fh = at_put(ctx, path, data, len, 0, NULL);
    assert_int_equal(marfs_close(fh), 0);
}

void at_expect(marfs_ctx_t *ctx, const char *path, const uint8_t *data,
               size_t len)
{
    marfs_fh_t *fh = NULL;
    int rc = marfs_open(ctx, path, O_RDONLY, &fh);
    if (rc != 0)
        print_error("marfs_open(%s): %s\n", path, strerror(-rc));
    assert_int_equal(rc, 0);
    struct stat st;
    assert_int_equal(marfs_fstat(fh, &st), 0);
    assert_int_equal(st.st_size, (off_t)len);
    assert_true(S_ISREG(st.st_mode));
    uint8_t *got = malloc(len + 4096);
    assert_non_null(got);
    size_t off = 0, step = 1000003 % (len + 1) + 1;
    for (;;) {
        size_t want = step + (off & 4095);
        ssize_t n = marfs_read(fh, got + off, want > len + 4096 - off
                                                  ? len + 4096 - off : want);
        assert_true(n >= 0);
        if (n == 0)
            break;
        off += (size_t)n;
        assert_true(off <= len);
    }
    assert_int_equal(off, len);
    if (len > 0 && memcmp(got, data, len) != 0) {
        size_t i = 0;
        while (got[i] == data[i])
            i++;
        print_error("%s: first difference at byte %zu of %zu\n", path, i, len);
        fail();
    }
    assert_int_equal(marfs_close(fh), 0);
    free(got);
    uint64_t crc = 0;
    assert_int_equal(marfs_file_checksum(ctx, path, &crc), 0);
    assert_true(crc == marfs_checksum_update(0, data, len));
}

/* ---- objects --------------------------------------------------------- */

struct walk {
    const char *prefix;
    char **names;
    size_t n, cap;
};

static struct walk *g_walk;

static int unescape(const char *in, char *out, size_t outsz)
{
    size_t o = 0;
    for (const char *p = in; *p; p++) {
        if (o + 1 >= outsz)
            return -1;
        if (*p == '%') {
            unsigned v;
            if (!p[1] || !p[2] || sscanf(p + 1, "%2X", &v) != 1)
                return -1;
            out[o++] = (char)v;
            p += 2;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return 0;
}

static int collect(const char *p, const struct stat *st, int flag,
                   struct FTW *ftw)
{
    (void)st;
    char name[PATH_MAX];
    const char *base = p + ftw->base;
    /* temporaries begin with '.'; escaped names never do */
    if (flag != FTW_F || base[0] == '.')
        return 0;
    assert_int_equal(unescape(base, name, sizeof(name)), 0);
    if (g_walk->prefix && strncmp(name, g_walk->prefix,
                                  strlen(g_walk->prefix)) != 0)
        return 0;
    if (g_walk->n == g_walk->cap) {
        g_walk->cap = g_walk->cap ? 2 * g_walk->cap : 256;
        g_walk->names = realloc(g_walk->names, g_walk->cap * sizeof(char *));
        assert_non_null(g_walk->names);
    }
    g_walk->names[g_walk->n++] = strdup(name);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t at_objects(struct at_env *env, const char *prefix, char ***names)
{
    char root[512];
    struct walk w = {.prefix = prefix};
    snprintf(root, sizeof(root), "%s/data", env->dir);
    g_walk = &w;
    assert_int_equal(nftw(root, collect, 16, FTW_PHYS), 0);
    g_walk = NULL;
    if (w.n > 0)
        qsort(w.names, w.n, sizeof(char *), cmp_str);
    unsigned nb = env->cfg->repos[0].n + env->cfg->repos[0].e;
    size_t out = 0;
    for (size_t i = 0; i < w.n; ) {
        size_t j = i;
        while (j < w.n && strcmp(w.names[j], w.names[i]) == 0)
            j++;
        if (j - i != nb)
            print_error("object %s has %zu block files, want %u\n",
                        w.names[i], j - i, nb);
        assert_int_equal(j - i, nb);
        w.names[out++] = w.names[i];
        for (size_t k = i + 1; k < j; k++)
            free(w.names[k]);
        i = j;
    }
    if (names != NULL)
        *names = w.names;
    else
        at_free_names(w.names, out);
    return out;
}

void at_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

unsigned at_check_object(struct at_env *env, const char *obj)
{
    ne_read_t *h = NULL;
    int rc = ne_open_read(env->ne, obj, &h);
    if (rc != 0)
        print_error("ne_open_read(%s): %s\n", obj, strerror(-rc));
    assert_int_equal(rc, 0);
    uint64_t size = ne_size(h);
    assert_true(size >= OBJ_HDR_SIZE + OBJ_REC_TRAILER);
    uint8_t *o = malloc(size);
    assert_non_null(o);
    assert_int_equal(ne_pread(h, o, size, 0), (ssize_t)size);
    ne_close_read(h);
    /* The header. */
    assert_memory_equal(o, "MARFSOBJ 1\n", 11);
    struct obj_header hd;
    assert_int_equal(obj_header_decode((char *)o, size, &hd), 0);
    char want[200];
    snprintf(want, sizeof(want), "%s/%" PRIu64, hd.stream, hd.objno);
    assert_string_equal(want, obj);
    /* The last 15 bytes: "END %010d\n". */
    const char *t = (const char *)o + size - OBJ_REC_TRAILER;
    assert_memory_equal(t, "END ", 4);
    for (int i = 4; i < 14; i++)
        assert_true(t[i] >= '0' && t[i] <= '9');
    assert_int_equal(t[14], '\n');
    /* Walk the records back to the header. */
    uint64_t pos = size;
    unsigned pieces = 0;
    while (pos > OBJ_HDR_SIZE) {
        size_t reclen = 0;
        assert_int_equal(obj_record_trailer((char *)o, pos, &reclen), 0);
        assert_true(reclen <= pos - OBJ_HDR_SIZE);
        struct obj_record rec;
        assert_int_equal(obj_record_decode((char *)o + pos - reclen, reclen,
                                           &rec), 0);
        assert_true(rec.doff + rec.plen == pos - reclen);
        assert_true(rec.doff >= OBJ_HDR_SIZE);
        assert_true(rec.pcrc == marfs_checksum_update(0, o + rec.doff,
                                                      rec.plen));
        pos = rec.doff;
        pieces++;
    }
    assert_int_equal(pos, OBJ_HDR_SIZE);
    free(o);
    return pieces;
}

unsigned at_records(struct at_env *env, const char *obj,
                    struct obj_record *out, unsigned max)
{
    ne_read_t *h = NULL;
    assert_int_equal(ne_open_read(env->ne, obj, &h), 0);
    uint64_t size = ne_size(h);
    char *o = malloc(size);
    assert_non_null(o);
    assert_int_equal(ne_pread(h, o, size, 0), (ssize_t)size);
    ne_close_read(h);
    unsigned n = 0;
    uint64_t pos = size;
    while (pos > OBJ_HDR_SIZE) {
        size_t reclen = 0;
        struct obj_record rec;
        assert_int_equal(obj_record_trailer(o, pos, &reclen), 0);
        assert_int_equal(obj_record_decode(o + pos - reclen, reclen, &rec), 0);
        assert_true(n < max);
        out[n++] = rec;
        pos = rec.doff;
    }
    free(o);
    for (unsigned i = 0; i < n / 2; i++) {   /* object order */
        struct obj_record t = out[i];
        out[i] = out[n - 1 - i];
        out[n - 1 - i] = t;
    }
    return n;
}

/* ---- metadata -------------------------------------------------------- */

void at_meta_path(struct at_env *env, const char *nspath, const char *rel,
                  char *buf, size_t bufsz)
{
    char nsdir[512];
    assert_int_equal(mdal_ns_dirname(nspath, nsdir, sizeof(nsdir)), 0);
    int n = snprintf(buf, bufsz, "%s/meta/%s/tree%s%s", env->dir, nsdir,
                     rel[0] ? "/" : "", rel);
    assert_true(n > 0 && (size_t)n < bufsz);
}

ssize_t at_raw_tag(const char *hostpath, char *buf, size_t bufsz)
{
    ssize_t n = lgetxattr(hostpath, FTAG_XATTR, buf, bufsz - 1);
    if (n < 0)
        print_error("lgetxattr(%s): %s\n", hostpath, strerror(errno));
    assert_true(n > 0);
    buf[n] = '\0';
    return n;
}

void at_tag(struct at_env *env, const char *nspath, const char *rel,
            struct ftag *tag)
{
    char path[PATH_MAX], buf[FTAG_MAX + 1];
    at_meta_path(env, nspath, rel, path, sizeof(path));
    ssize_t n = at_raw_tag(path, buf, sizeof(buf));
    assert_int_equal(ftag_decode(buf, (size_t)n, tag), 0);
}

void at_ref_path(struct at_env *env, const char *nspath, const char *ref,
                 char *buf, size_t bufsz)
{
    char nsdir[512], dir[128];
    const struct mcfg_ns *ns = mcfg_ns_by_path(env->cfg, nspath);
    assert_non_null(ns);
    struct mdal_ns fake = {.cfg = ns};
    mdal_ref_dir(&fake, ref, dir, sizeof(dir));
    assert_int_equal(mdal_ns_dirname(nspath, nsdir, sizeof(nsdir)), 0);
    int n = snprintf(buf, bufsz, "%s/meta/%s/ref/%s/%s", env->dir, nsdir, dir,
                     ref);
    assert_true(n > 0 && (size_t)n < bufsz);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

int at_list(marfs_ctx_t *ctx, const char *path, char names[][NAME_MAX + 1],
            unsigned char *types, int max)
{
    marfs_dh_t *dh = NULL;
    assert_int_equal(marfs_opendir(ctx, path, &dh), 0);
    int n = 0, err = 0;
    struct dirent *e;
    struct { char name[NAME_MAX + 1]; unsigned char type; } *tmp =
        calloc((size_t)max, sizeof(*tmp));
    assert_non_null(tmp);
    while ((e = marfs_readdir(dh, &err)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        assert_true(n < max);
        snprintf(tmp[n].name, sizeof(tmp[n].name), "%s", e->d_name);
        tmp[n].type = e->d_type;
        n++;
    }
    assert_int_equal(err, 0);
    assert_int_equal(marfs_closedir(dh), 0);
    qsort(tmp, (size_t)n, sizeof(*tmp), cmp_name);
    for (int i = 0; i < n; i++) {
        memcpy(names[i], tmp[i].name, sizeof(tmp[i].name));
        if (types != NULL)
            types[i] = tmp[i].type;
    }
    free(tmp);
    return n;
}

/* ---- child processes ------------------------------------------------- */

pid_t at_spawn(const char *const *args)
{
    const char *argv[64];
    int n = 0;
    argv[n++] = "test-child";
    argv[n++] = "child";
    for (; args[n - 2] != NULL; n++) {
        assert_true(n < 63);
        argv[n] = args[n - 2];
    }
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execv("/proc/self/exe", (char *const *)argv);
        _exit(127);
    }
    return pid;
}

int at_wait(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        return 1000 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
