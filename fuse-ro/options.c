/*
 * options.c - marfs-fuse's command line: its own options (config, cache,
 * timeouts, logging) parsed with fuse_opt, libfuse's common ones (-f, -d,
 * -s, max_threads, the mount point) with fuse_parse_cmdline; mount options
 * libfuse knows (allow_other, auto_unmount, ...) stay in args for
 * fuse_session_new.  Defaults and meanings: man/marfs-fuse.1.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mfuse.h"

#define DEF_TIMEOUT 2.0
#define DEF_CACHE (256ull << 20)
#define DEF_READAHEAD (16ull << 20)
#define DEF_RA_THREADS 2
#define DEF_IO_THREADS 0
#define DEF_KERNEL_RA_KB 1024

/* What fuse_opt fills in; sizes are converted afterwards. */
struct raw_opts {
    char *config;
    char *cache_size, *readahead, *kernel_ra, *logfile, *log_level;
    double entry_timeout, attr_timeout, negative_timeout;
    unsigned ra_threads, io_threads;
    int noinfo;
    int help, version;
};

enum { KEY_HELP, KEY_VERSION };

#define OPT(t, f) {t, offsetof(struct raw_opts, f), 0}
static const struct fuse_opt spec[] = {
    OPT("--config=%s", config),
    OPT("--config %s", config),
    OPT("config=%s", config),
    OPT("cache_size=%s", cache_size),
    OPT("readahead=%s", readahead),
    OPT("readahead_threads=%u", ra_threads),
    OPT("io_threads=%u", io_threads),
    OPT("kernel_readahead=%s", kernel_ra),
    OPT("entry_timeout=%lf", entry_timeout),
    OPT("attr_timeout=%lf", attr_timeout),
    OPT("negative_timeout=%lf", negative_timeout),
    OPT("log=%s", logfile),
    OPT("log_level=%s", log_level),
    {"noinfo_xattr", offsetof(struct raw_opts, noinfo), 1},
    FUSE_OPT_KEY("-h", KEY_HELP),
    FUSE_OPT_KEY("--help", KEY_HELP),
    FUSE_OPT_KEY("-V", KEY_VERSION),
    FUSE_OPT_KEY("--version", KEY_VERSION),
    FUSE_OPT_END
};
#undef OPT

static int keyed(void *data, const char *arg, int key, struct fuse_args *out)
{
    struct raw_opts *r = data;
    (void)arg;
    (void)out;
    if (key == KEY_HELP) {
        r->help = 1;
        return 0;
    }
    if (key == KEY_VERSION) {
        r->version = 1;
        return 0;
    }
    return 1;                   /* not ours: keep it for libfuse */
}

static void usage(const char *prog)
{
    printf("usage: %s [--config FILE] MOUNTPOINT [-f] [-o OPTION,...]\n\n"
           "Mount the marfs namespace tree (as it appears under mnt_top) "
           "read-only.\n\n"
           "marfs-fuse options:\n"
           "    --config=FILE          marfs.xml (default: $MARFS_CONFIG)\n"
           "    -o cache_size=SIZE     decoded-data cache (default 256M; "
           "0: none)\n"
           "    -o readahead=SIZE      largest read-ahead per file "
           "(default 16M; 0: none)\n"
           "    -o readahead_threads=N read-ahead threads (default %d)\n"
           "    -o io_threads=N        block I/O threads per repo (default "
           "0: the FUSE\n"
           "                           and read-ahead threads do their "
           "own)\n"
           "    -o kernel_readahead=SIZE  the mount's kernel read-ahead "
           "(default 1M; 0: kernel default)\n"
           "    -o entry_timeout=SEC   names cached by the kernel "
           "(default 2)\n"
           "    -o attr_timeout=SEC    attributes cached (default 2)\n"
           "    -o negative_timeout=SEC  missing names cached (default 2)\n"
           "    -o noinfo_xattr        no user.marfs.info attribute\n"
           "    -o log=FILE            log here in the background "
           "(default: syslog)\n"
           "    -o log_level=LEVEL     error, warn, info, debug "
           "(default: $MARFS_LOG or warn)\n"
           "    -o allow_other         let other users in (POSIX "
           "permissions apply)\n"
           "    -o auto_unmount        unmount when the daemon dies\n\n",
           prog, DEF_RA_THREADS);
    fflush(stdout);
    fuse_cmdline_help();
    fuse_lowlevel_help();
}

static int size_opt(const char *name, const char *text, uint64_t def,
                    uint64_t *out)
{
    *out = def;
    if (text == NULL)
        return 0;
    if (marfs_parse_size(text, out) == 0)
        return 0;
    fprintf(stderr, "marfs-fuse: -o %s=%s: not a size (e.g. 256M)\n", name,
            text);
    return -1;
}

static int timeout_opt(const char *name, double v)
{
    if (v >= 0 && v <= 86400)
        return 0;
    fprintf(stderr, "marfs-fuse: -o %s=%g: seconds from 0 to 86400\n", name,
            v);
    return -1;
}

/* Turn the raw strings into opts; -1 after a message. */
static int convert(struct raw_opts *r, struct mfs_opts *o)
{
    uint64_t kra;
    o->config = r->config;
    r->config = NULL;
    o->entry_timeout = r->entry_timeout;
    o->attr_timeout = r->attr_timeout;
    o->negative_timeout = r->negative_timeout;
    o->ra_threads = r->ra_threads;
    o->io_threads = r->io_threads;
    o->info_xattr = !r->noinfo;
    o->logfile = r->logfile;
    r->logfile = NULL;
    o->log_level = -1;
    if (size_opt("cache_size", r->cache_size, DEF_CACHE, &o->cache_bytes) ||
        size_opt("readahead", r->readahead, DEF_READAHEAD, &o->readahead) ||
        size_opt("kernel_readahead", r->kernel_ra,
                 (uint64_t)DEF_KERNEL_RA_KB << 10, &kra) ||
        timeout_opt("entry_timeout", o->entry_timeout) ||
        timeout_opt("attr_timeout", o->attr_timeout) ||
        timeout_opt("negative_timeout", o->negative_timeout))
        return -1;
    o->kernel_ra_kb = (unsigned)(kra >> 10);
    if (r->log_level != NULL &&
        (o->log_level = mlog_parse_level(r->log_level)) < 0) {
        fprintf(stderr, "marfs-fuse: -o log_level=%s: one of error, warn, "
                "info, debug\n", r->log_level);
        return -1;
    }
    return 0;
}

static void free_raw(struct raw_opts *r)
{
    free(r->config);
    free(r->cache_size);
    free(r->readahead);
    free(r->kernel_ra);
    free(r->logfile);
    free(r->log_level);
}

int mfs_parse_args(struct fuse_args *args, struct mfs_opts *o)
{
    struct raw_opts r = {
        .entry_timeout = DEF_TIMEOUT, .attr_timeout = DEF_TIMEOUT,
        .negative_timeout = DEF_TIMEOUT, .ra_threads = DEF_RA_THREADS,
        .io_threads = DEF_IO_THREADS,
    };
    struct fuse_cmdline_opts c;
    memset(o, 0, sizeof(*o));
    memset(&c, 0, sizeof(c));
    const char *prog = "marfs-fuse";
    int rc = fuse_opt_parse(args, &r, spec, keyed) == 0 ? 0 : -1;
    if (rc == 0 && r.help) {
        usage(prog);
        rc = 1;
    } else if (rc == 0 && r.version) {
        printf("marfs-fuse (marfs API %d), libfuse %s\n", MARFS_API_VERSION,
               fuse_pkgversion());
        rc = 1;
    }
    /* the type is "fuse.marfs": given before fuse_parse_cmdline, which
     * otherwise adds the program's name as a second subtype, and
     * fusermount3's auto_unmount then refuses to remove the mount */
    if (rc == 0 && fuse_opt_insert_arg(args, 1, "-osubtype=marfs") != 0)
        rc = -1;
    if (rc == 0 && fuse_parse_cmdline(args, &c) != 0)
        rc = -1;
    if (rc == 0 && c.mountpoint == NULL) {
        fprintf(stderr, "usage: %s [--config FILE] MOUNTPOINT [-f] "
                "[-o OPTION,...]  (--help for more)\n", prog);
        rc = -1;
    }
    if (rc == 0)
        rc = convert(&r, o);
    o->mountpoint = c.mountpoint;
    o->foreground = c.foreground;
    o->debug = c.debug;
    o->single = c.singlethread;
    o->clone_fd = c.clone_fd;
    o->max_threads = c.max_threads;     /* libfuse's default: 10 */
    free_raw(&r);
    return rc;
}

void mfs_free_opts(struct mfs_opts *o)
{
    free(o->config);
    free(o->mountpoint);
    free(o->logfile);
    memset(o, 0, sizeof(*o));
}
