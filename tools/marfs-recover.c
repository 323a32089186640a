/*
 * marfs-recover - rebuild a marfs namespace from its objects alone.
 *
 *   marfs-recover [options] CONFIG [--check | --rebuild DESTROOT]
 *
 * The work is in recover_*.c (shared with `marfs recover`); this file
 * only sets up logging.  Manual: man/marfs-recover.1; design and formats:
 * doc/recovery.md.
 */
#include "recover.h"
#include "tool_common.h"

int main(int argc, char **argv)
{
    tool_init("marfs-recover");
    if (tool_admin_only("marfs-recover") < 0)
        return TOOL_USAGE;
    return recover_main("marfs-recover", NULL, argc, argv);
}
