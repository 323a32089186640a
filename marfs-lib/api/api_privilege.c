/*
 * api_privilege.c - marfs_init in a setuid program (doc/security.md):
 * which config it may load, opening every secure root while privileged,
 * and dropping to the real user for good before returning, whatever
 * happened.
 *
 * The roots are the metadata roots (the namespaces' tree/, ref/, usage
 * and lock are opened below them by the metadata layer) and the data
 * roots of the posix DALs (opened by the DAL); both layers check them as
 * secure roots while the process is privileged.  After the drop every
 * access below them goes through those fds, with the kernel checking the
 * user's own identity.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "log.h"
#include "privilege.h"
#include "trustpath.h"

#ifndef MARFS_DEFAULT_CONFIG
#define MARFS_DEFAULT_CONFIG "/etc/marfs/marfs.xml"
#endif

int marfs_is_setuid(void)
{
    return mutil_priv_started();
}

const char *marfs_default_config(void)
{
    return MARFS_DEFAULT_CONFIG;
}

/* The config a setuid program may load: the one it names if root owns it
 * and no one else could have changed it, else the installed default. */
static int load_trusted(const char *path, const struct mcfg **cfg)
{
    char *buf = NULL;
    size_t len = 0;
    if (path == NULL) {
        path = MARFS_DEFAULT_CONFIG;
        if (getenv("MARFS_CONFIG") != NULL)
            LOG_WARN("MARFS_CONFIG is ignored by a setuid program: using %s "
                     "(name another one explicitly)", path);
    }
    int rc = mutil_trusted_read("config", path, &buf, &len);
    if (rc == 0)
        rc = dal_config_load_buffer(buf, len, path, stderr, cfg);
    free(buf);
    if (rc < 0 && rc != -EPERM)
        LOG_ERR("config %s is not usable: %s", path, strerror(-rc));
    return rc;
}

int api_setuid_init(const char *config_path, enum marfs_mode mode,
                    marfs_ctx_t **out)
{
    const struct mcfg *cfg = NULL;
    marfs_ctx_t *ctx = NULL;
    /* before the DALs exist: the S3 backends must not take credentials,
     * proxies or CAs from the user's environment */
    int scrubbed = mutil_priv_scrub_env();
    if (scrubbed > 0)
        LOG_INFO("setuid start: %d environment variables for proxies, CAs "
                 "or AWS credentials ignored", scrubbed);
    int rc = load_trusted(config_path, &cfg);
    if (rc == 0)
        rc = api_ctx_create(cfg, mode, NULL, &ctx);
    /* Never return to the caller privileged, success or not. */
    int drc = mutil_priv_drop();
    if (drc < 0) {
        marfs_term(ctx);
        return drc;
    }
    if (rc == 0)
        *out = ctx;
    return rc;
}
