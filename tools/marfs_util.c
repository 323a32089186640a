/*
 * marfs_util.c - helpers the marfs subcommands share: opening the API
 * context, one-line error messages, usage, path joining, mode parsing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "marfs_cmd.h"
#include "tool_common.h"

int mt_open(struct mt *m)
{
    if (m->ctx != NULL)
        return TOOL_OK;
    /* setuid: no config named means the installed default */
    int setuid = marfs_is_setuid();
    if (!setuid && (m->config == NULL || *m->config == '\0')) {
        fprintf(stderr, "%s: no config: use --config CONFIG or set "
                "MARFS_CONFIG\n", m->prog);
        return TOOL_USAGE;
    }
    const char *cfg = m->config ? m->config : marfs_default_config();
    int rc = marfs_init(m->config, MARFS_BATCH, &m->ctx);
    if (rc < 0) {
        fprintf(stderr, "%s: config %s: %s\n", m->prog, cfg,
                rc == -EINVAL ? "invalid config" : strerror(-rc));
        m->ctx = NULL;
        return TOOL_USAGE;
    }
    return TOOL_OK;
}

/* Is path under mnt_top (the only paths the API accepts)? */
static int under_mnt(const struct mt *m, const char *path)
{
    const char *top = m->ctx ? marfs_mnt_top(m->ctx) : NULL;
    size_t len = top ? strlen(top) : 0;
    return top == NULL || (strncmp(path, top, len) == 0 &&
                           (path[len] == '\0' || path[len] == '/'));
}

int mt_fail(const struct mt *m, const char *cmd, const char *path, int rc)
{
    if (rc == -EINVAL && !under_mnt(m, path))
        fprintf(stderr, "%s: %s %s: not an absolute path under the mount "
                "point %s\n", m->prog, cmd, path, marfs_mnt_top(m->ctx));
    else
        fprintf(stderr, "%s: %s %s: %s\n", m->prog, cmd, path,
                strerror(-rc));
    return TOOL_FAILED;
}

int mt_usage(const struct mt *m, const char *text)
{
    fprintf(stderr, "usage: %s %s\n", m->prog, text);
    return TOOL_USAGE;
}

int mt_join(const char *dir, const char *name, char *buf, size_t bufsz)
{
    size_t dl = strlen(dir);
    int slash = dl > 0 && dir[dl - 1] == '/';
    int n = snprintf(buf, bufsz, "%s%s%s", dir, slash ? "" : "/", name);
    return n < 0 || (size_t)n >= bufsz ? -ENAMETOOLONG : 0;
}

int mt_parse_mode(const char *text, mode_t *mode)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 8);
    if (errno || end == text || *end != '\0' || v > 07777)
        return -1;
    *mode = (mode_t)v;
    return 0;
}

