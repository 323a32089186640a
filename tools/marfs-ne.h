/*
 * marfs-ne.h - what the two halves of the marfs-ne tool share.
 */
#ifndef MARFS_TOOLS_NE_H
#define MARFS_TOOLS_NE_H

/* "marfs-ne bench ...": argv[0] is "bench".  Returns a tool exit code. */
int ne_bench_main(int argc, char **argv);

#endif
