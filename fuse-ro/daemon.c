/*
 * daemon.c - running in the background without losing errors.
 *
 * The process forks before anything starts threads or mounts; the parent
 * waits on a pipe until the child has its marfs context and its mount
 * (exit 0) or dies trying (its exit status, its messages on the terminal
 * it still has).  Once up, the child logs to -o log=FILE, or to syslog.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "mfuse.h"

static int ready_fd = -1;

int mfs_daemon_start(void)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid > 0) {
        char c;
        int status;
        close(p[1]);
        if (read(p[0], &c, 1) == 1)
            _exit(0);
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
            _exit(1);
        _exit(WEXITSTATUS(status) ? WEXITSTATUS(status) : 1);
    }
    close(p[0]);
    ready_fd = p[1];
    setsid();
    return 0;
}

int mfs_log_open(const struct mfs_opts *o, FILE **out)
{
    FILE *f = NULL;
    *out = NULL;
    if (o->logfile != NULL) {
        f = fopen(o->logfile, "ae");
        if (f == NULL) {
            int err = errno;
            fprintf(stderr, "marfs-fuse: -o log=%s: %s\n", o->logfile,
                    strerror(err));
            return -err;
        }
        setvbuf(f, NULL, _IOLBF, 0);
    } else if (!o->foreground) {
        f = mfs_syslog_stream();
    }
    if (f != NULL)
        mlog_set_stream(f);
    *out = f;
    return 0;
}

void mfs_daemon_ready(void)
{
    if (ready_fd < 0)
        return;                 /* foreground */
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO)
            close(null);
    }
    if (chdir("/") != 0)
        LOG_WARN("chdir /: %s", strerror(errno));
    char c = 1;
    if (write(ready_fd, &c, 1) != 1)
        LOG_WARN("cannot tell the starting process that the mount is up");
    close(ready_fd);
    ready_fd = -1;
}
