/*
 * relay.c - pftool-relay: runs mpirun for a front-end and carries the
 * job's standard output to the front-end's.
 *
 * Two ways in, copied to our stdout as they come:
 *  - a FIFO this relay makes (a private directory in $TMPDIR), named to
 *    the ranks in PFTOOL_OUTPUT_FIFO: the output rank writes its result
 *    lines there when it runs on this host (output.c).  Open MPI forwards
 *    a rank's stdout through a pty that mpirun reads, which for a listing
 *    cost more than the walk (`pfls -R -l` of 200,000 entries: 0.8-1.0 s
 *    that way, 0.4 s written directly);
 *  - mpirun's own stdout (a pipe): whatever the ranks print through Open
 *    MPI, all of it when the output rank is on another host.
 * We keep a write end of the FIFO open until mpirun has exited, so its
 * reader never sees end-of-file before the output rank has opened it.
 *
 * A reader that goes away (`pfls -R -l | head`): without the relay,
 * mpirun hit the broken pipe itself, counted ten SIGPIPEs and aborted
 * with "SIGPIPE detected" messages and (Open MPI 4.1) a crash report from
 * its finalize.  Here the write error is ours: we stop mpirun with
 * SIGTERM (which it forwards to the ranks, without a message), drain
 * what still comes so no writer blocks, and exit 141 (128 + SIGPIPE),
 * the status a shell shows for a command killed by SIGPIPE.
 *
 * usage: pftool-relay COMMAND [ARGS...]; exit status: the command's (128
 * + signal when it was killed), 141 when the reader went away, 3 when
 * the command could not be started.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_EPIPE (128 + SIGPIPE)

static volatile sig_atomic_t child_pid;
/* SIGCHLD writes a byte here, so the relay loop wakes the moment mpirun
 * exits (a timed poll added up to its timeout to every job). */
static int chld_pipe[2] = {-1, -1};

struct relay {
    int pipe_fd;            /* mpirun's stdout, -1 once at its end */
    int fifo_rd, fifo_wr;   /* the FIFO's ends, -1 if none */
    char dir[PATH_MAX - 8]; /* the FIFO's directory, "" once removed */
    char fifo[PATH_MAX];    /* dir + "/out" */
    int err;                /* first write error on our stdout (-errno) */
    int status;             /* mpirun's exit status, -1 while it runs */
};

/* SIGTERM and SIGHUP stop the job, as they would stop mpirun itself;
 * SIGINT and SIGQUIT come from the terminal to mpirun as well, so they
 * are left to it (a second SIGINT would make mpirun kill hard). */
static void forward(int sig)
{
    if (child_pid > 0)
        kill(child_pid, sig);
}

static void on_chld(int sig)
{
    (void)sig;
    int saved = errno;
    ssize_t w = write(chld_pipe[1], "", 1);
    (void)w;                    /* full: a wake-up is pending anyway */
    errno = saved;
}

static int set_signals(void)
{
    if (pipe2(chld_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        fprintf(stderr, "pftool-relay: pipe: %s\n", strerror(errno));
        return -1;
    }
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
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    return 0;
}

/* The name is needed only until the output rank has opened it. */
static void remove_fifo_name(struct relay *r)
{
    if (r->dir[0] == '\0')
        return;
    unlink(r->fifo);
    rmdir(r->dir);
    r->dir[0] = '\0';
}

/* The FIFO and its two ends; without one (no $TMPDIR, no FIFOs there)
 * the output simply goes through mpirun. */
static void make_fifo(struct relay *r)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(r->dir, sizeof(r->dir), "%s/pftool-out.XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(r->dir) == NULL) {
        r->dir[0] = '\0';
        return;
    }
    snprintf(r->fifo, sizeof(r->fifo), "%s/out", r->dir);
    if (mkfifo(r->fifo, 0600) == 0 &&
        (r->fifo_rd = open(r->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) >= 0 &&
        (r->fifo_wr = open(r->fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) >= 0 &&
        setenv("PFTOOL_OUTPUT_FIFO", r->fifo, 1) == 0)
        return;
    if (r->fifo_rd >= 0)
        close(r->fifo_rd);
    if (r->fifo_wr >= 0)
        close(r->fifo_wr);
    r->fifo_rd = r->fifo_wr = -1;
    remove_fifo_name(r);
}

/* Starts argv with its stdout the write end of a pipe; 0, or -1 (message
 * printed). */
static int start(struct relay *r, char **argv)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
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
        if (dup2(p[1], STDOUT_FILENO) < 0)
            _exit(127);
        execvp(argv[0], argv);
        fprintf(stderr, "pftool-relay: cannot run %s: %s\n", argv[0],
                strerror(errno));
        _exit(127);
    }
    child_pid = pid;
    close(p[1]);
    /* our end only: mpirun's stdout stays blocking */
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
    r->pipe_fd = p[0];
    return 0;
}

/* Writes all of buf to our stdout; 0, or -errno. */
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

/* Copies what fd (non-blocking) holds now; 1 at end-of-file, 0
 * otherwise.  After a write error everything read is dropped: writers
 * must not block. */
static int copy(struct relay *r, int fd)
{
    static char buf[1 << 16];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN ? 0 : 1;
        if (n == 0)
            return 1;
        if (r->err == 0 && (r->err = write_all(buf, (size_t)n)) < 0)
            kill(child_pid, SIGTERM);
    }
}

/* mpirun's status once it has exited (without waiting). */
static void reap(struct relay *r, int flags)
{
    int st;
    pid_t p;
    while ((p = waitpid(child_pid, &st, flags)) < 0 && errno == EINTR)
        ;
    if (p != child_pid)
        return;
    r->status = WIFEXITED(st) ? WEXITSTATUS(st)
                : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 3;
}

/* Relays until mpirun has exited and both ways in are drained. */
static void run(struct relay *r)
{
    while (r->pipe_fd >= 0 || r->fifo_rd >= 0) {
        struct pollfd pf[3] = {{.fd = r->pipe_fd, .events = POLLIN},
                               {.fd = r->fifo_rd, .events = POLLIN},
                               {.fd = chld_pipe[0], .events = POLLIN}};
        /* with mpirun gone, the FIFO's last writers are its ranks */
        int n = poll(pf, 3, r->status >= 0 ? 2000 : -1);
        if (n < 0 && errno != EINTR)
            break;
        if (r->pipe_fd >= 0 && pf[0].revents && copy(r, r->pipe_fd)) {
            close(r->pipe_fd);
            r->pipe_fd = -1;
        }
        if (r->fifo_rd >= 0 && pf[1].revents) {
            remove_fifo_name(r);            /* the output rank has it open */
            if (copy(r, r->fifo_rd)) {
                close(r->fifo_rd);
                r->fifo_rd = -1;
            }
        }
        if (pf[2].revents) {
            char b[64];
            while (read(chld_pipe[0], b, sizeof(b)) > 0)
                ;
        }
        if (r->status < 0)
            reap(r, WNOHANG);
        if (r->status >= 0 && r->fifo_wr >= 0) {
            close(r->fifo_wr);              /* end-of-file once ranks are gone */
            r->fifo_wr = -1;
        } else if (r->status >= 0 && n == 0) {
            /* 2 s of silence after mpirun's end: whatever still holds a
             * way in (a launcher's child, a stray writer) is not waited
             * for */
            if (r->fifo_rd >= 0)
                close(r->fifo_rd);
            if (r->pipe_fd >= 0)
                close(r->pipe_fd);
            r->fifo_rd = r->pipe_fd = -1;
        }
    }
    if (r->status < 0)
        reap(r, 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pftool-relay COMMAND [ARGS...]\n");
        return 3;
    }
    struct relay r = {.pipe_fd = -1, .fifo_rd = -1, .fifo_wr = -1,
                      .status = -1};
    if (set_signals() < 0)
        return 3;
    make_fifo(&r);
    if (start(&r, argv + 1) < 0) {
        remove_fifo_name(&r);
        return 3;
    }
    run(&r);
    remove_fifo_name(&r);
    if (r.err == -EPIPE)
        return EXIT_EPIPE;
    if (r.err < 0)
        fprintf(stderr, "pftool-relay: writing the output: %s\n",
                strerror(-r.err));
    return r.status == 127 || r.status < 0 ? 3 : r.status;
}
