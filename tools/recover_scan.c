/*
 * recover_scan.c - every object name of a repo, from the DAL alone.
 *
 * Calls the DAL's list() at every location a block can live: each pod x
 * block index 0..N+E-1 x cap x scatter of the repo's distribution.  An
 * object has the same name on each of its blocks, so the names are
 * collected, sorted and deduplicated.  A location that cannot be listed
 * is reported (its objects may still be found through their other blocks).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "recover.h"

static int add_name(const char *obj, void *arg)
{
    struct rc_cat *cat = arg;
    if (cat->nobj == cat->objcap) {
        size_t cap = cat->objcap ? cat->objcap * 2 : 256;
        void *p = realloc(cat->objs, cap * sizeof(*cat->objs));
        if (p == NULL)
            return -ENOMEM;
        cat->objs = p;
        cat->objcap = cap;
    }
    if ((cat->objs[cat->nobj] = strdup(obj)) == NULL)
        return -ENOMEM;
    cat->nobj++;
    return 0;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void dedupe(struct rc_cat *cat)
{
    size_t out = 0;
    if (cat->nobj < 2)
        return;
    qsort(cat->objs, cat->nobj, sizeof(*cat->objs), by_str);
    for (size_t i = 0; i < cat->nobj; i++) {
        if (out > 0 && strcmp(cat->objs[out - 1], cat->objs[i]) == 0)
            free(cat->objs[i]);
        else
            cat->objs[out++] = cat->objs[i];
    }
    cat->nobj = out;
}

static int list_loc(struct rc_cat *cat, dal_t *dal, struct dal_loc *loc,
                    const struct rc_opts *o)
{
    int rc = dal->ops->list(dal, loc, add_name, cat);
    if (rc == -ENOMEM)
        return rc;
    if (rc < 0) {
        cat->locs_bad++;
        printf("unlisted pod %u block %u cap %u scatter %u: %s\n", loc->pod,
               loc->block, loc->cap, loc->scatter, strerror(-rc));
    }
    (void)o;
    return 0;
}

/* Every cap x scatter of one pod and block index. */
static int list_block(struct rc_cat *cat, dal_t *dal, unsigned pod,
                      unsigned block, const struct rc_opts *o)
{
    const struct mcfg_repo *r = cat->repo;
    struct dal_loc loc = {.pod = pod, .block = block};
    int rc = 0;
    for (loc.cap = 0; rc == 0 && loc.cap < r->caps.cnt; loc.cap++)
        for (loc.scatter = 0; rc == 0 && loc.scatter < r->scatters.cnt;
             loc.scatter++)
            rc = list_loc(cat, dal, &loc, o);
    return rc;
}

int rc_scan(struct rc_cat *cat, const struct rc_opts *o)
{
    const struct mcfg_repo *r = cat->repo;
    dal_t *dal = ne_ctx_dal(cat->ne);
    int rc = 0;
    for (unsigned pod = 0; rc == 0 && pod < r->pods.cnt; pod++)
        for (unsigned b = 0; rc == 0 && b < r->n + r->e; b++) {
            rc = list_block(cat, dal, pod, b, o);
            dedupe(cat);    /* keeps memory at one name per object */
        }
    if (rc < 0)
        LOG_ERR("repo %s: listing objects: %s", r->name, strerror(-rc));
    return rc;
}
