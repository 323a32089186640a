/*
 * msg.c - non-blocking sends and sleeping receives (see msg.h).
 *
 * Why not blocking MPI_Send/MPI_Recv: a large message uses rendezvous, so
 * a scheduler sending work to a worker that is itself sending entries
 * would deadlock; and Open MPI's blocking calls spin at 100% CPU, which on
 * an oversubscribed node takes the core from a worker.  Receives poll
 * with MPI_Iprobe a few times, then back off to nanosleep (naps of up to
 * 0.2 ms while work flows, 2 ms once idle); any message resets the
 * back-off.  Collectives (start-up, the final exit code) are the
 * non-blocking kind completed the same way (msg_complete).  Open MPI's
 * mpi_yield_when_idle would add a sched_yield to every empty probe --
 * 100,000 a run on a 4-rank sync -- so the front-ends turn it off: the
 * naps here are the politeness.
 *
 * Also here: noticing that mpirun is gone (check_parent), because an idle
 * rank spends its life in these loops.
 *
 * Messages a rank sends to itself (rank 0 of a small job schedules and
 * works, rank0.c) skip MPI: a FIFO here, which msg_poll reads first.  An
 * MPI send to oneself beyond the eager limit completes only once it is
 * received, so a sender waiting for its sends to drain could wait for
 * itself.
 */
#include "msg.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

enum {
    SPIN_POLLS = 4,             /* polls before the first nap */
    SLEEP_MIN_NS = 10000,
    SLEEP_BUSY_MAX_NS = 200000, /* while work is flowing: short naps */
    SLEEP_IDLE_MAX_NS = 2000000,/* after IDLE_AFTER_NS of silence */
    IDLE_AFTER_NS = 20000000,
    MAX_INFLIGHT = 256,         /* sends in flight before the sender waits */
    PARENT_CHECK_NS = 100000000,/* getppid at most this often */
    PARENT_CHECK_POLLS = 4096,  /* ...read the clock this often when busy */
};

/* Next nap: doubling, capped low while messages are recent (a reply is
 * usually a few microseconds away) and higher once the rank is idle. */
static long next_nap(long ns, double slept)
{
    long cap = slept * 1e9 < IDLE_AFTER_NS ? SLEEP_BUSY_MAX_NS : SLEEP_IDLE_MAX_NS;
    ns *= 2;
    return ns > cap ? cap : ns;
}

/* A rank whose mpirun died (killed job) must not go on writing files a
 * rerun is about to write: Open MPI ranks sit in their own process groups
 * and can outlive mpirun for a while.  getppid is a system call, so it is
 * asked at most every PARENT_CHECK_NS; the clock read that decides is
 * not one (vDSO). */
static pid_t parent;
static long long parent_next_ns;
static unsigned parent_polls;

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void check_parent(void)
{
    long long now = mono_ns();
    if (parent != 0 && now < parent_next_ns)
        return;
    parent_next_ns = now + PARENT_CHECK_NS;
    pid_t p = getppid();
    if (parent == 0) {
        parent = p;
    } else if (p != parent) {
        LOG_ERR("mpirun (pid %d) is gone; stopping this rank", (int)parent);
        _exit(3);
    }
}

struct pending {
    MPI_Request req;
    char *data;
};

static struct pending *inflight;
static int ninflight, capinflight;

/* Sends to oneself, in order. */
struct self_msg {
    struct self_msg *next;
    int tag;
    char *data;
    size_t len;
};
static struct self_msg *self_head, *self_tail;
static int my_rank = -1;

static int self_rank(void)
{
    if (my_rank < 0)
        MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
    return my_rank;
}

static void self_send(int tag, struct pbuf *b)
{
    struct self_msg *s = malloc(sizeof(*s));
    if (s == NULL)
        abort();
    s->next = NULL;
    s->tag = tag;
    s->data = pbuf_take(b, &s->len);
    if (self_tail)
        self_tail->next = s;
    else
        self_head = s;
    self_tail = s;
}

static int self_recv(struct msg *m)
{
    struct self_msg *s = self_head;
    if (s == NULL)
        return 0;
    self_head = s->next;
    if (self_head == NULL)
        self_tail = NULL;
    m->src = self_rank();
    m->tag = s->tag;
    m->len = s->len;
    m->data = s->data ? s->data : malloc(1);
    if (m->data == NULL)
        abort();
    free(s);
    return 1;
}
static unsigned long long idle_ns;

/* About to sleep: the rank is idle, so this is where mpirun is checked. */
static void sleep_ns(long ns)
{
    check_parent();
    struct timespec ts = {.tv_sec = 0, .tv_nsec = ns};
    nanosleep(&ts, NULL);
    idle_ns += (unsigned long long)ns;
}

int msg_progress(void)
{
    int i = 0;
    while (i < ninflight) {
        int done = 0;
        MPI_Test(&inflight[i].req, &done, MPI_STATUS_IGNORE);
        if (done) {
            free(inflight[i].data);
            inflight[i] = inflight[--ninflight];
        } else {
            i++;
        }
    }
    return ninflight;
}

/* Poll until fewer than limit sends are in flight. */
static void wait_inflight(int limit)
{
    long ns = SLEEP_MIN_NS;
    int polls = 0;
    while (msg_progress() > limit) {
        int flag = 0;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag,
                   MPI_STATUS_IGNORE);
        if (++polls > SPIN_POLLS) {
            sleep_ns(ns);
            ns = next_nap(ns, 0);
        }
    }
}

void msg_send(int dest, int tag, struct pbuf *b)
{
    if (dest == self_rank()) {
        self_send(tag, b);
        return;
    }
    if (ninflight >= MAX_INFLIGHT)
        wait_inflight(MAX_INFLIGHT / 2);
    if (ninflight == capinflight) {
        capinflight = capinflight ? capinflight * 2 : 16;
        inflight = realloc(inflight, sizeof(*inflight) * capinflight);
        if (inflight == NULL)
            abort();
    }
    size_t len;
    char *data = pbuf_take(b, &len);
    struct pending *p = &inflight[ninflight++];
    p->data = data;
    MPI_Isend(data ? data : "", (int)len, MPI_BYTE, dest, tag, MPI_COMM_WORLD,
              &p->req);
}

void msg_flush(void)
{
    wait_inflight(0);
}

static void recv_probed(MPI_Status *st, struct msg *m)
{
    int count = 0;
    MPI_Get_count(st, MPI_BYTE, &count);
    m->src = st->MPI_SOURCE;
    m->tag = st->MPI_TAG;
    m->len = (size_t)count;
    m->data = malloc(m->len ? m->len : 1);
    if (m->data == NULL)
        abort();
    MPI_Recv(m->data, count, MPI_BYTE, m->src, m->tag, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
}

int msg_poll(struct msg *m)
{
    int flag = 0;
    MPI_Status st;
    /* A rank that never naps (always busy) still checks now and then. */
    if (parent == 0 || ++parent_polls >= PARENT_CHECK_POLLS) {
        parent_polls = 0;
        check_parent();
    }
    if (ninflight)
        msg_progress();
    if (self_recv(m))
        return 1;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    if (!flag)
        return 0;
    recv_probed(&st, m);
    return 1;
}

int msg_wait_for(struct msg *m, double timeout)
{
    long ns = SLEEP_MIN_NS;
    int polls = 0;
    double slept = 0;
    while (!msg_poll(m)) {
        if (++polls <= SPIN_POLLS)
            continue;
        if (timeout >= 0 && slept >= timeout)
            return 0;
        sleep_ns(ns);
        slept += ns / 1e9;
        ns = next_nap(ns, slept);
    }
    return 1;
}

void msg_wait(struct msg *m)
{
    msg_wait_for(m, -1);
}

void msg_complete(MPI_Request *req)
{
    long ns = SLEEP_MIN_NS;
    int polls = 0, done = 0;
    double slept = 0;
    for (;;) {
        MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (done)
            return;
        if (++polls <= SPIN_POLLS)
            continue;
        sleep_ns(ns);
        slept += ns / 1e9;
        ns = next_nap(ns, slept);
    }
}

void msg_free(struct msg *m)
{
    free(m->data);
    m->data = NULL;
    m->len = 0;
}

unsigned long long msg_idle_ns(void)
{
    return idle_ns;
}
