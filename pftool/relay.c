/*
 * relay.c - pftool-relay: runs mpirun with its standard output going
 * through this process, so that a reader that goes away (`pfls -R -l |
 * head`) ends the job quietly, as it ends `ls`.
 *
 * Without it mpirun writes the ranks' output to the pipe itself, counts
 * the SIGPIPEs, and after ten aborts the job with "SIGPIPE detected"
 * messages and (Open MPI 4.1) a crash report from its own finalize.
 * Here the write error is ours: we stop mpirun with SIGTERM (which it
 * forwards to the ranks, without a message), drain what it still sends
 * so it never sees a broken pipe, and exit 141 (128 + SIGPIPE), the
 * status a shell shows for a command killed by SIGPIPE.  The front-ends
 * (frontend.sh.in) use it only when their standard output is a pipe.
 *
 * usage: pftool-relay COMMAND [ARGS...]; exit status: the command's (128
 * + signal when it was killed), 141 when the reader went away, 3 when
 * the command could not be started.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_EPIPE (128 + SIGPIPE)

static volatile sig_atomic_t child_pid;

/* SIGTERM and SIGHUP stop the job, as they would stop mpirun itself;
 * SIGINT and SIGQUIT come from the terminal to mpirun as well, so they
 * are left to it (a second SIGINT would make mpirun kill hard). */
static void forward(int sig)
{
    if (child_pid > 0)
        kill(child_pid, sig);
}

static void set_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);      /* write errors come back as EPIPE */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    sa.sa_handler = forward;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

/* Starts argv with its stdout the write end of a pipe; returns the read
 * end, or -1 (message printed). */
static int start(char **argv)
{
    int p[2];
    if (pipe(p) != 0) {
        fprintf(stderr, "pftool-relay: pipe: %s\n", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "pftool-relay: fork: %s\n", strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        close(p[0]);
        if (dup2(p[1], STDOUT_FILENO) < 0)
            _exit(127);
        close(p[1]);
        execvp(argv[0], argv);
        fprintf(stderr, "pftool-relay: cannot run %s: %s\n", argv[0],
                strerror(errno));
        _exit(127);
    }
    child_pid = pid;
    close(p[1]);
    return p[0];
}

/* Writes all of buf; 0, or -errno. */
static int write_all(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(STDOUT_FILENO, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Copies fd to stdout until EOF; returns 0, or the write error (-errno)
 * after which everything left was read and dropped. */
static int relay(int fd)
{
    static char buf[1 << 16];
    int err = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return err;
        if (err == 0 && (err = write_all(buf, (size_t)n)) < 0)
            kill(child_pid, SIGTERM);
    }
}

static int wait_status(void)
{
    int st;
    while (waitpid(child_pid, &st, 0) < 0)
        if (errno != EINTR)
            return 3;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 3;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pftool-relay COMMAND [ARGS...]\n");
        return 3;
    }
    set_signals();
    int fd = start(argv + 1);
    if (fd < 0)
        return 3;
    int err = relay(fd);
    close(fd);
    int rc = wait_status();
    if (err == -EPIPE)
        return EXIT_EPIPE;
    if (err < 0)
        fprintf(stderr, "pftool-relay: writing the output: %s\n",
                strerror(-err));
    return rc == 127 ? 3 : rc;
}
