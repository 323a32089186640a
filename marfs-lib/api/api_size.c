/*
 * api_size.c - marfs_parse_size: sizes in a client's options read the
 * way marfs.xml writes them (the config layer's parser), so "64M" means
 * the same thing on a command line as in the config.
 */
#include "marfs_config.h"
#include "marfs.h"

int marfs_parse_size(const char *text, uint64_t *out)
{
    return mcfg_parse_size(text, out);
}
