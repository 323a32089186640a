/*
 * privstart.c - the start of a setuid pftool (doc/security.md).
 *
 * Installed setuid root, each rank sets up its marfs endpoint first
 * thing: marfs_init opens the secure roots and drops to the real user for
 * good.  Only then does it call MPI_Init -- whose PMIx hand-shake with
 * the launcher (running as the user) refuses a rank with another
 * effective uid -- parse its options and touch any path the user named,
 * all as the user.  The config is the installed default or the file the
 * command line names with --config, which marfs_init loads only if root
 * owns it and no one else can have changed it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endpoint.h"
#include "log.h"
#include "marfs.h"
#include "pftool.h"

/* --config FILE / --config=FILE before any "--"; NULL if none.  Other
 * spellings getopt would accept are refused later (ep_marfs_claims). */
static const char *config_arg(int argc, char **argv)
{
    const char *cfg = NULL;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            cfg = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            cfg = argv[i] + 9;
    }
    return cfg;
}

/* Rank 0 alone reports what went wrong; the launcher's environment says
 * which rank this is before MPI does. */
static int quiet_rank(void)
{
    const char *r = getenv("OMPI_COMM_WORLD_RANK");
    if (r == NULL)
        r = getenv("PMIX_RANK");
    return r != NULL && strcmp(r, "0") != 0;
}

int pf_setuid_start(int argc, char **argv)
{
    if (!marfs_is_setuid())
        return 0;
    char prog[64];
    snprintf(prog, sizeof(prog), "pf%s", argc > 1 ? argv[1] : "tool");
    mlog_init(prog, -1);
    FILE *null = quiet_rank() ? fopen("/dev/null", "w") : NULL;
    if (null != NULL)
        mlog_set_stream(null);
    ep_marfs_setuid_init(config_arg(argc, argv));
    mlog_set_stream(NULL);
    if (null != NULL)
        fclose(null);
    /* marfs_init dropped privileges whatever it returned, unless the drop
     * itself failed: then nothing else may run. */
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
        eu != ru || su != ru || eg != rg || sg != rg) {
        fprintf(stderr, "pftool: could not drop its privileges; stopping\n");
        return PF_EXIT_FATAL;
    }
    return 0;
}
