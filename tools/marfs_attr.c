/*
 * marfs_attr.c - `marfs chmod MODE PATH...` and `marfs chown [-h]
 * USER[:GROUP] PATH...`, through the API: what an administrator needs to
 * give users directories of their own, and what users run on their files.
 * The kernel decides as for chmod(1)/chown(1): only the owner changes a
 * mode, only root gives a file away, an owner may change the group to
 * one of theirs.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "marfs_cmd.h"
#include "tool_common.h"

int cmd_chmod(struct mt *m, int argc, char **argv)
{
    mode_t mode;
    int code;
    optind = 0;
    if (getopt(argc, argv, "+") != -1 || optind + 2 > argc ||
        mt_parse_mode(argv[optind], &mode) < 0)
        return mt_usage(m, "chmod MODE PATH...   (MODE octal, e.g. 0750)");
    if ((code = mt_open(m)) != TOOL_OK)
        return code;
    int result = TOOL_OK;
    for (int i = optind + 1; i < argc; i++) {
        int rc = marfs_chmod(m->ctx, argv[i], mode);
        if (rc < 0)
            result = mt_fail(m, "chmod", argv[i], rc);
    }
    return result;
}

/* A user or group: a name, or a number. */
static int parse_id(const char *text, int group, unsigned *id)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (*text != '\0' && *end == '\0' && errno == 0 && v < (uid_t)-1) {
        *id = (unsigned)v;
        return 0;
    }
    if (group) {
        struct group *gr = getgrnam(text);
        if (gr != NULL)
            *id = (unsigned)gr->gr_gid;
        return gr ? 0 : -1;
    }
    struct passwd *pw = getpwnam(text);
    if (pw != NULL)
        *id = (unsigned)pw->pw_uid;
    return pw ? 0 : -1;
}

/* "USER", "USER:GROUP", ":GROUP"; an omitted part stays (-1). */
static int parse_owner(const char *spec, uid_t *uid, gid_t *gid)
{
    char buf[256];
    unsigned id;
    if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
        return -1;
    char *colon = strchr(buf, ':');
    if (colon != NULL)
        *colon = '\0';
    *uid = (uid_t)-1;
    *gid = (gid_t)-1;
    if (buf[0] != '\0') {
        if (parse_id(buf, 0, &id) < 0)
            return -1;
        *uid = (uid_t)id;
    }
    if (colon != NULL && colon[1] != '\0') {
        if (parse_id(colon + 1, 1, &id) < 0)
            return -1;
        *gid = (gid_t)id;
    }
    return *uid == (uid_t)-1 && *gid == (gid_t)-1 ? -1 : 0;
}

int cmd_chown(struct mt *m, int argc, char **argv)
{
    uid_t uid;
    gid_t gid;
    int c, code;
    optind = 0;
    /* marfs_chown never follows a final symlink; -h is accepted for
     * chown(1) habits */
    while ((c = getopt(argc, argv, "+h")) != -1)
        if (c != 'h')
            return mt_usage(m, "chown [-h] USER[:GROUP] PATH...");
    if (optind + 2 > argc)
        return mt_usage(m, "chown [-h] USER[:GROUP] PATH...");
    if (parse_owner(argv[optind], &uid, &gid) < 0) {
        fprintf(stderr, "%s: chown: unknown user or group '%s'\n", m->prog,
                argv[optind]);
        return TOOL_USAGE;
    }
    if ((code = mt_open(m)) != TOOL_OK)
        return code;
    int result = TOOL_OK;
    for (int i = optind + 1; i < argc; i++) {
        int rc = marfs_chown(m->ctx, argv[i], uid, gid);
        if (rc < 0)
            result = mt_fail(m, "chown", argv[i], rc);
    }
    return result;
}
