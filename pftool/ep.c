/*
 * ep.c - choosing the endpoint that serves a path: "null:" is the sink,
 * "synth://" the synthetic source, a path under the marfs config's
 * mnt_top is marfs, anything else POSIX.  One endpoint per kind per
 * process, created on first use.
 */
#include "endpoint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pftool.h"

static struct ep *eps[EP_MARFS + 1];

static int kind_of(const char *path, const struct pf_opts *o,
                   enum ep_kind *k)
{
    if (strncmp(path, EP_NULL_PREFIX, strlen(EP_NULL_PREFIX)) == 0) {
        *k = EP_NULL;
        return 0;
    }
    if (strncmp(path, EP_SYNTH_PREFIX, strlen(EP_SYNTH_PREFIX)) == 0) {
        *k = EP_SYNTH;
        return 0;
    }
    int rc = ep_marfs_claims(path, o);
    *k = rc > 0 ? EP_MARFS : EP_POSIX;
    return rc < 0 ? rc : 0;
}

int ep_for_path(const char *path, const struct pf_opts *o, struct ep **out)
{
    enum ep_kind k;
    int krc = kind_of(path, o, &k);
    if (krc < 0)
        return krc;
    if (eps[k] == NULL) {
        int rc;
        switch (k) {
        case EP_NULL:
            rc = ep_null_new(&eps[k]);
            break;
        case EP_SYNTH:
            rc = ep_synth_new(path, &eps[k]);
            break;
        case EP_MARFS:
            rc = ep_marfs_get(&eps[k]);
            break;
        default:
            rc = ep_posix_new(&eps[k]);
            break;
        }
        if (rc < 0)
            return rc;
    }
    *out = eps[k];
    return 0;
}

void ep_term_all(void)
{
    for (size_t k = 0; k < sizeof(eps) / sizeof(eps[0]); k++) {
        if (eps[k] && eps[k]->ops->term)
            eps[k]->ops->term(eps[k]);
        eps[k] = NULL;
    }
    ep_marfs_release();
}
