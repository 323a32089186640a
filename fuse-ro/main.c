/*
 * main.c - marfs-fuse: options, start-up, the session loop, clean exit.
 *
 * Order matters: fork to the background first (before any thread exists),
 * then the marfs context (its threads are started with the termination
 * signals blocked, so SIGTERM reaches the session loop's thread), then
 * the session and the mount, then the loop: libfuse's multithreaded loop
 * with our own loop config (libfuse 3.14's fuse_main would warn about
 * max_threads for nothing).  SIGTERM, SIGINT, SIGHUP and fusermount3 -u
 * end the loop; the mount is then removed and everything freed.
 *
 * Exit status: 0 after a clean unmount, 1 if mounting or serving failed,
 * 2 for a usage or configuration error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mfuse.h"

enum { EXIT_MOUNT = 1, EXIT_USAGE = 2 };

/* The marfs context and the root node; EXIT_USAGE on a config error. */
static int open_marfs(struct mfs *fs)
{
    struct stat st;
    struct marfs_init_opts io = {
        .io_threads = fs->o.io_threads,
        .cache = {
            .bytes = fs->o.cache_bytes, .readahead = fs->o.readahead,
            .threads = fs->o.ra_threads,
        },
    };
    int rc = marfs_init_opts(fs->o.config, MARFS_INTERACTIVE, &io, &fs->ctx);
    if (rc < 0) {
        fprintf(stderr, "marfs-fuse: cannot load the marfs config %s: %s\n",
                fs->o.config ? fs->o.config : "($MARFS_CONFIG)",
                strerror(-rc));
        return EXIT_USAGE;
    }
    fs->top = marfs_mnt_top(fs->ctx);
    rc = marfs_lstat(fs->ctx, fs->top, &st);
    if (rc < 0) {
        fprintf(stderr, "marfs-fuse: %s (mnt_top) cannot be listed in "
                "interactive mode: %s\n", fs->top, strerror(-rc));
        return EXIT_USAGE;
    }
    fs->root_dev = st.st_dev;
    if (nodes_create(fs->top, &st, &fs->nodes) < 0) {
        fprintf(stderr, "marfs-fuse: out of memory\n");
        return EXIT_MOUNT;
    }
    return 0;
}

/* Mount options every marfs-fuse mount has. */
static int add_mount_opts(struct fuse_args *args, const char *top)
{
    char opt[PATH_MAX + 128];
    char name[PATH_MAX];
    /* fsname shows in df and /proc/mounts; commas would split it */
    snprintf(name, sizeof(name), "marfs:%s", top);
    for (char *p = name; *p; p++)
        if (*p == ',' || *p == ' ')
            *p = '_';
    snprintf(opt, sizeof(opt), "-oro,default_permissions,fsname=%s", name);
    return fuse_opt_add_arg(args, opt);
}

static struct fuse_session *new_session(struct mfs *fs,
                                        struct fuse_args *args)
{
    struct fuse_lowlevel_ops ops;
    memset(&ops, 0, sizeof(ops));
    mfs_ops_attr(&ops);
    mfs_ops_dir(&ops);
    mfs_ops_file(&ops);
    mfs_ops_xattr(&ops);
    mfs_ops_rofs(&ops);
    if (add_mount_opts(args, fs->top) != 0)
        return NULL;
    return fuse_session_new(args, &ops, sizeof(ops), fs);
}

static int serve(struct mfs *fs, struct fuse_session *se)
{
    if (fs->o.single)
        return fuse_session_loop(se);
    struct fuse_loop_config *cfg = fuse_loop_cfg_create();
    if (cfg == NULL)
        return -ENOMEM;
    fuse_loop_cfg_set_max_threads(cfg, fs->o.max_threads);
    fuse_loop_cfg_set_clone_fd(cfg, (unsigned)fs->o.clone_fd);
    int rc = fuse_session_loop_mt(se, cfg);
    fuse_loop_cfg_destroy(cfg);
    return rc;
}

/* Mount, detach, serve until unmounted or signalled; the exit status. */
static int run(struct mfs *fs, struct fuse_args *args, sigset_t *saved)
{
    FILE *log = NULL;
    struct fuse_session *se = new_session(fs, args);
    if (se == NULL)
        return EXIT_USAGE;      /* libfuse named the bad option */
    int status = EXIT_MOUNT;
    if (fuse_set_signal_handlers(se) != 0)
        goto out_session;
    if (fuse_session_mount(se, fs->o.mountpoint) != 0)
        goto out_signals;
    mfs_set_kernel_readahead(fs->o.mountpoint, fs->o.kernel_ra_kb);
    if (mfs_log_open(&fs->o, &log) < 0)
        goto out_unmount;
    LOG_INFO("%s mounted on %s", fs->top, fs->o.mountpoint);
    mfs_daemon_ready();
    pthread_sigmask(SIG_SETMASK, saved, NULL);
    int rc = serve(fs, se);
    /* a termination signal ends the loop with its number: a clean end */
    status = rc >= 0 ? 0 : EXIT_MOUNT;
    if (rc > 0)
        LOG_INFO("signal %d: unmounting %s", rc, fs->o.mountpoint);
    else if (rc < 0)
        LOG_ERR("serving %s ended: %s", fs->o.mountpoint, strerror(-rc));
    LOG_INFO("%s unmounted from %s", fs->top, fs->o.mountpoint);
out_unmount:
    fuse_session_unmount(se);
out_signals:
    fuse_remove_signal_handlers(se);
out_session:
    fuse_session_destroy(se);
    if (log != NULL) {
        mlog_set_stream(NULL);
        fclose(log);
    }
    return status;
}

int main(int argc, char **argv)
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    struct mfs fs;
    sigset_t term, saved;
    memset(&fs, 0, sizeof(fs));
    mlog_init("marfs-fuse", -1);
    int status = mfs_parse_args(&args, &fs.o);
    if (status != 0) {
        fuse_opt_free_args(&args);
        mfs_free_opts(&fs.o);
        return status > 0 ? 0 : EXIT_USAGE;
    }
    if (fs.o.log_level >= 0)
        mlog_set_level((enum mlog_level)fs.o.log_level);
    if (!fs.o.foreground && (status = mfs_daemon_start()) < 0) {
        fprintf(stderr, "marfs-fuse: cannot go to the background: %s\n",
                strerror(-status));
        return EXIT_MOUNT;
    }
    /* threads started from here on leave these signals to the loop */
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigaddset(&term, SIGINT);
    sigaddset(&term, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &term, &saved);
    status = open_marfs(&fs);
    if (status == 0)
        status = run(&fs, &args, &saved);
    nodes_destroy(fs.nodes);
    marfs_term(fs.ctx);
    fuse_opt_free_args(&args);
    mfs_free_opts(&fs.o);
    return status;
}
