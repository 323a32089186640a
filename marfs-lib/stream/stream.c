/*
 * stream.c - packed and chunked write streams (see stream.h).
 *
 * Object layout: [header][piece][record][piece][record]...; a piece is the
 * part of one file inside one object.  A file whose data reaches the
 * object's chunk limit continues at offset OBJ_HDR_SIZE of the next
 * object, so ftag_map() can locate any byte from (objno, off, first).
 *
 * A full object is published while the next one is written: its blocks
 * are flushed, fsynced and renamed by the erasure layer's I/O threads
 * (ne_close_start), and its files complete when a later call finds the
 * publication over, or at the next object's close, or at stream_close.
 * Objects are published in order, and a failed object fails the stream
 * (a file may span it and the next).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crc.h"
#include "log.h"
#include "mdal.h"
#include "stream.h"
#include "textbuf.h"

struct pending {
    stream_done_fn done;
    void *arg;
    struct ftag tag;
};

struct pending_list {
    struct pending *v;
    size_t n, cap;
};

struct stream {
    struct stream_params p;
    char id[96];
    ne_write_t *obj;         /* current object, NULL if none open */
    uint64_t objno;          /* number of the current (or next) object */
    uint64_t obj_bytes;      /* bytes written to the current object */
    uint64_t obj_data;       /* file data bytes in the current object */
    uint64_t obj_files;      /* files begun in the current object */
    int broken;              /* a write failed: only close/abort remain */
    /* the file being written */
    int in_file;
    struct obj_record rec;
    uint64_t piece_start;    /* object offset of the current piece */
    uint64_t piece_crc;
    uint64_t file_crc;
    /* files ended in the current object, completed when it is published */
    struct pending_list cur;
    /* the previous object, still being published while the current one
     * is written (at most one: memory stays bounded), and its files */
    ne_write_t *prev;
    uint64_t prev_objno;
    struct pending_list prev_files;
};

/* The pid, asked once per process: a small file's creation is a dozen
 * system calls, and getpid would be one of them.  A forked child asks
 * again (atfork). */
static pid_t my_pid;
/* Forks so far: a child starts new ref groups (its parent goes on with
 * the same ones). */
static unsigned fork_gen;

static void forget_pid(void)
{
    my_pid = 0;
    fork_gen++;
}

static void register_forget(void)
{
    pthread_atfork(NULL, NULL, forget_pid);
}

void stream_new_id(char *buf, size_t bufsz)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    static uint64_t counter;
    static long host;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    pthread_once(&once, register_forget);
    pthread_mutex_lock(&lock);
    if (host == 0)
        host = gethostid() & 0xffffffffL;
    if (my_pid == 0)
        my_pid = getpid();
    uint64_t c = counter++;
    pid_t pid = my_pid;
    pthread_mutex_unlock(&lock);
    /* host, pid, start time and a counter: unique across the nodes and
     * processes of a job and across restarts. */
    snprintf(buf, bufsz, "%08lx-%d-%" PRIx64 ".%09ld-%" PRIu64, host,
             (int)pid, (uint64_t)ts.tv_sec, ts.tv_nsec, c);
}

/* Why groups: names placed one by one by their hash spread a writer's
 * consecutive files over every directory of the reference tree, so each
 * link dirtied another directory block and inode-table block; 100,000
 * files into a tree of 10,000 directories took 3.5-3.7 s, grouped
 * 2.5-2.6 s (doc/metadata-format.md).
 * One group per thread: the threads of one process do not share a
 * directory's lock. */
void stream_new_ref(char *buf, size_t bufsz)
{
    static __thread char group[96];
    static __thread unsigned n = STREAM_REF_GROUP, gen;
    if (n >= STREAM_REF_GROUP || gen != fork_gen) {
        gen = fork_gen;
        stream_new_id(group, sizeof(group));
        n = 0;
    }
    struct mtext t;
    mtext_init(&t, buf, bufsz);
    mtext_str(&t, group);
    mtext_char(&t, MDAL_REF_GROUP_SEP);
    mtext_u64(&t, n++);
}

int stream_open(const struct stream_params *p, struct stream **out)
{
    struct stream *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->p = *p;
    if (s->p.max_files == 0)
        s->p.max_files = 1;
    stream_new_id(s->id, sizeof(s->id));
    *out = s;
    return 0;
}

const char *stream_id(const struct stream *s)
{
    return s->id;
}

void *stream_batch_arg(const struct stream *s)
{
    return s->p.batch_arg;
}

static int obj_write(struct stream *s, const void *buf, size_t len)
{
    ssize_t n = ne_write(s->obj, buf, len);
    if (n < 0) {
        s->broken = 1;
        return (int)n;
    }
    s->obj_bytes += len;
    return 0;
}

static int open_object(struct stream *s)
{
    char name[160], hdr[OBJ_HDR_SIZE];
    struct obj_header h = {.objno = s->objno, .chunk = s->p.chunk,
                           .created = (int64_t)time(NULL)};
    snprintf(h.stream, sizeof(h.stream), "%s", s->id);
    snprintf(h.ns, sizeof(h.ns), "%s", s->p.nspath);
    int rc = ftag_objname(s->id, s->objno, name, sizeof(name));
    if (rc == 0)
        rc = obj_header_encode(&h, hdr);
    if (rc == 0)
        rc = ne_open_write(s->p.ne, name, &s->obj);
    if (rc < 0) {
        s->broken = 1;
        return rc;
    }
    s->obj_bytes = s->obj_data = s->obj_files = 0;
    return obj_write(s, hdr, sizeof(hdr));
}

static void finish_pending(struct stream *s, struct pending_list *l,
                           int status)
{
    if (l->n == 0)
        return;
    if (s->p.batch != NULL)
        s->p.batch(s->p.batch_arg, 1);
    for (size_t i = 0; i < l->n; i++)
        l->v[i].done(l->v[i].arg, &l->v[i].tag, status);
    l->n = 0;
    if (s->p.batch != NULL)
        s->p.batch(s->p.batch_arg, 0);
}

/* The end of an object's publication: report it, complete its files. */
static int object_published(struct stream *s, ne_write_t *obj,
                            uint64_t objno, struct pending_list *files)
{
    struct ne_health st;
    int rc = ne_close_wait(obj, &st);
    if (rc < 0) {
        s->broken = 1;
        LOG_ERR("stream %s: object %" PRIu64 " could not be stored: %s",
                s->id, objno, strerror(-rc));
    } else if (st.nbad > 0) {
        LOG_WARN("stream %s: object %" PRIu64 " stored with %u damaged "
                 "block(s); it needs a rebuild", s->id, objno, st.nbad);
    }
    finish_pending(s, files, rc);
    return rc;
}

/* Finish the previous object's publication: if wait, whatever it takes;
 * else only if it is already over (a cheap check, made on every call so
 * its files complete soon after their blocks are stored). */
static int reap_prev(struct stream *s, int wait)
{
    if (s->prev == NULL || (!wait && !ne_close_ready(s->prev)))
        return 0;
    ne_write_t *obj = s->prev;
    s->prev = NULL;
    return object_published(s, obj, s->prev_objno, &s->prev_files);
}

/* Publish the current object; its pending files complete (or fail).  If
 * async, the publication goes on while the caller writes the next object
 * (which waits for this one before starting a publication of its own). */
static int close_object(struct stream *s, int async)
{
    if (s->obj == NULL)
        return 0;
    int rc = reap_prev(s, 1);
    ne_write_t *obj = s->obj;
    uint64_t objno = s->objno++;
    s->obj = NULL;
    if (rc < 0) {
        /* a file may span both objects: none of these can complete */
        ne_abort(obj);
        finish_pending(s, &s->cur, rc);
        return rc;
    }
    ne_close_start(obj);
    if (!async)
        return object_published(s, obj, objno, &s->cur);
    struct pending_list t = s->prev_files;   /* empty after reaping */
    s->prev_files = s->cur;
    s->cur = t;
    s->prev = obj;
    s->prev_objno = objno;
    return 0;
}

static int write_record(struct stream *s, int last, uint64_t size)
{
    char buf[OBJ_REC_MAX + 64];
    struct obj_record r = s->rec;
    if (r.mtime_sec == 0 && r.mtime_nsec == 0) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        r.mtime_sec = now.tv_sec;
        r.mtime_nsec = now.tv_nsec;
    }
    s->rec.plen = s->obj_bytes - s->piece_start;
    s->rec.doff = s->piece_start;
    s->rec.pcrc = s->piece_crc;
    s->rec.last = last;
    s->rec.size = size;
    s->rec.fcrc = s->file_crc;
    r.plen = s->rec.plen;
    r.doff = s->rec.doff;
    r.pcrc = s->rec.pcrc;
    r.last = last;
    r.size = size;
    r.fcrc = s->file_crc;
    int len = obj_record_encode(&r, buf, sizeof(buf));
    if (len < 0)
        return len;
    int rc = obj_write(s, buf, (size_t)len);
    s->rec.poff += s->rec.plen;
    return rc;
}

int stream_file_begin(struct stream *s, const struct obj_record *rec,
                      struct ftag *tag)
{
    reap_prev(s, 0);
    if (s->broken || s->in_file)
        return -EIO;
    if (s->obj != NULL && (s->obj_files >= s->p.max_files ||
                           s->obj_data >= s->p.chunk)) {
        int rc = close_object(s, 1);
        if (rc < 0)
            return rc;
    }
    if (s->obj == NULL) {
        int rc = open_object(s);
        if (rc < 0)
            return rc;
    }
    s->rec = *rec;
    s->rec.poff = 0;
    s->in_file = 1;
    s->obj_files++;
    s->piece_start = s->obj_bytes;
    s->piece_crc = s->file_crc = 0;
    mtext_copy(tag->stream, sizeof(tag->stream), s->id);
    tag->objno = s->objno;
    tag->off = s->obj_bytes;
    tag->first = s->p.chunk - s->obj_data;
    tag->chunk = s->p.chunk;
    tag->hdr = OBJ_HDR_SIZE;
    return 0;
}

void stream_next_begin(const struct stream *s, struct ftag *tag)
{
    /* the rule of stream_file_begin: a full object is closed first */
    int full = s->obj != NULL && (s->obj_files >= s->p.max_files ||
                                  s->obj_data >= s->p.chunk);
    mtext_copy(tag->stream, sizeof(tag->stream), s->id);
    tag->objno = s->objno + (full ? 1 : 0);
    tag->off = s->obj != NULL && !full ? s->obj_bytes : OBJ_HDR_SIZE;
    tag->first = s->obj != NULL && !full ? s->p.chunk - s->obj_data
                                         : s->p.chunk;
    tag->chunk = s->p.chunk;
    tag->hdr = OBJ_HDR_SIZE;
}

/* The current object is full: close its piece and move to the next. */
static int next_object(struct stream *s)
{
    int rc = write_record(s, 0, 0);
    if (rc == 0)
        rc = close_object(s, 1);
    if (rc == 0)
        rc = open_object(s);
    s->piece_start = s->obj_bytes;
    s->piece_crc = 0;
    return rc;
}

ssize_t stream_file_write(struct stream *s, const void *buf, size_t len)
{
    const char *p = buf;
    size_t done = 0;
    reap_prev(s, 0);
    if (s->broken || !s->in_file)
        return -EIO;
    while (done < len) {
        if (s->obj_data >= s->p.chunk) {
            int rc = next_object(s);
            if (rc < 0)
                return rc;
        }
        uint64_t room = s->p.chunk - s->obj_data;
        size_t n = len - done < room ? len - done : (size_t)room;
        int rc = obj_write(s, p + done, n);
        if (rc < 0)
            return rc;
        s->piece_crc = mcrc64_update(s->piece_crc, p + done, n);
        /* a file's first piece starts where the file does: one CRC
         * serves both (most files have one piece) */
        s->file_crc = s->rec.poff == 0
                          ? s->piece_crc
                          : mcrc64_update(s->file_crc, p + done, n);
        s->obj_data += n;
        done += n;
    }
    return (ssize_t)len;
}

void stream_file_meta(struct stream *s, const struct obj_record *meta)
{
    memcpy(s->rec.path, meta->path, sizeof(s->rec.path));
    s->rec.uid = meta->uid;
    s->rec.gid = meta->gid;
    s->rec.mode = meta->mode;
    s->rec.mtime_sec = meta->mtime_sec;
    s->rec.mtime_nsec = meta->mtime_nsec;
}

uint64_t stream_file_size(const struct stream *s)
{
    return s->rec.poff + (s->obj_bytes - s->piece_start);
}

static int add_pending(struct pending_list *l, const struct ftag *tag,
                       stream_done_fn done, void *arg)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        void *p = realloc(l->v, cap * sizeof(*l->v));
        if (p == NULL)
            return -ENOMEM;
        l->v = p;
        l->cap = cap;
    }
    l->v[l->n++] = (struct pending){done, arg, *tag};
    return 0;
}

int stream_file_end(struct stream *s, struct ftag *tag, stream_done_fn done,
                    void *arg)
{
    if (!s->in_file)
        return -EINVAL;
    reap_prev(s, 0);
    s->in_file = 0;
    if (s->broken)
        return -EIO;
    uint64_t size = stream_file_size(s);
    int rc = write_record(s, 1, size);
    if (rc < 0)
        return rc;
    tag->size = size;
    tag->has_crc = 1;
    tag->crc = s->file_crc;
    return add_pending(&s->cur, tag, done, arg);
}

int stream_sync(struct stream *s)
{
    int rc = reap_prev(s, 1);
    return rc < 0 ? rc : s->broken ? -EIO : 0;
}

int stream_close(struct stream *s)
{
    int rc = s->broken ? -EIO : 0;
    if (s->in_file)
        rc = -EINVAL;
    /* the previous object first: files complete in the order written */
    int prc = reap_prev(s, 1);
    if (rc == 0)
        rc = prc;
    if (s->obj != NULL) {
        if (rc < 0) {
            ne_abort(s->obj);
            s->obj = NULL;
        } else {
            rc = close_object(s, 0);
        }
    }
    finish_pending(s, &s->cur, rc);
    free(s->cur.v);
    free(s->prev_files.v);
    free(s);
    return rc;
}

void stream_abort(struct stream *s)
{
    s->broken = 1;
    s->in_file = 0;
    stream_close(s);
}
