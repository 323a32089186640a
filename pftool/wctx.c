/*
 * wctx.c - what every task handler of a worker shares: the roots, the
 * completion records sent to the scheduler, output lines, warnings and
 * errors, directory-entry batches, and the source/destination paths of a
 * task.  Below the handlers (tasks.h) and worker.c, which only dispatches.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "wctx.h"

struct pf_root *wk_root(struct worker *w, uint16_t root)
{
    return &w->job->roots[root < w->job->nroots ? root : 0];
}

void wk_done_rec(struct worker *w, const struct pf_done *d)
{
    done_encode(&w->done, d);
    w->ndone++;
}

/* A source path for --failed-list (reusable as --files-from). */
void wk_failed(struct worker *w, uint16_t root, const char *rel)
{
    char path[PF_PATH_MAX];
    if (path_join(path, sizeof(path), wk_root(w, root)->src, rel) == 0)
        out_record(&w->out, OUT_FAILED, path);
}

void wk_done(struct worker *w, const struct pf_task *t, enum pf_status s)
{
    if (s == ST_FAILED && t->type != T_CHUNK && t->type != T_PURGE)
        wk_failed(w, t->root, t->rel);
    struct pf_done d = {.type = t->type, .status = (uint8_t)s,
                        .parent = t->parent, .id = t->id};
    wk_done_rec(w, &d);
}

void wk_flush_out(struct worker *w, int force)
{
    if (w->out.len == 0 || (!force && w->out.len < OUT_FLUSH_BYTES))
        return;
    msg_send(w->job->output_rank, TAG_OUT, &w->out);
}

static void wk_vrecord(struct worker *w, enum out_kind k, const char *fmt,
                       va_list ap)
{
    char text[PF_PATH_MAX + 256];
    vsnprintf(text, sizeof(text), fmt, ap);
    out_record(&w->out, k, text);
    wk_flush_out(w, 0);
}

void wk_line(struct worker *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wk_vrecord(w, OUT_LINE, fmt, ap);
    va_end(ap);
}

void wk_warn(struct worker *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wk_vrecord(w, OUT_WARN, fmt, ap);
    va_end(ap);
}

void wk_error(struct worker *w, const char *path, const char *what, int err)
{
    char text[PF_PATH_MAX + 256];
    if (err)
        snprintf(text, sizeof(text), "%s: %s: %s", path, what, strerror(-err));
    else
        snprintf(text, sizeof(text), "%s: %s", path, what);
    out_record(&w->out, OUT_ERROR, text);
    w->st.errors++;
    wk_flush_out(w, 0);
}

void wk_send_entries(struct worker *w, uint64_t parent, int done,
                     struct pbuf *batch, uint32_t n)
{
    wk_send_entries_flags(w, parent, done ? ENT_DONE : 0, batch, n);
}

void wk_dir_failed(struct worker *w, uint64_t id)
{
    wk_send_entries_flags(w, id, ENT_DONE | ENT_NOMETA, &w->walk.batch, 0);
}

void wk_send_entries_flags(struct worker *w, uint64_t parent, unsigned flags,
                           struct pbuf *batch, uint32_t n)
{
    struct pbuf b;
    pbuf_init(&b, 16 + batch->len);
    pbuf_u64(&b, parent);
    pbuf_u8(&b, (uint8_t)flags);
    /* Counters ride along: the scheduler may end the job on this one. */
    pbuf_put(&b, &w->st, sizeof(w->st));
    memset(&w->st, 0, sizeof(w->st));
    pbuf_u32(&b, n);
    pbuf_put(&b, batch->data, batch->len);
    pbuf_reset(batch);
    wk_flush_out(w, 1);              /* lines before the results they explain */
    msg_send(0, TAG_ENTRIES, &b);
    w->credits--;
}

int wk_task_paths(struct worker *w, const struct pf_task *t,
                  char src[PF_PATH_MAX], char dst[PF_PATH_MAX],
                  char tmp[PF_PATH_MAX])
{
    struct pf_root *r = wk_root(w, t->root);
    if (path_join(src, PF_PATH_MAX, r->src, t->rel) < 0 ||
        path_join(dst, PF_PATH_MAX, r->dst, t->rel) < 0 ||
        (tmp != NULL && path_temp(tmp, PF_PATH_MAX, dst, ".pft~") < 0)) {
        wk_error(w, t->rel, "path", -ENAMETOOLONG);
        return -ENAMETOOLONG;
    }
    return 0;
}
