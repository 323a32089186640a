/*
 * api_checksum.c - the checksum calls of marfs.h: the util layer's
 * CRC-64/XZ, exported under the API's names so clients (pftool's
 * compare, the admin tools) compute exactly what the library stores.
 */
#include "crc.h"
#include "marfs.h"

uint64_t marfs_checksum_update(uint64_t crc, const void *buf, size_t len)
{
    return mcrc64_update(crc, buf, len);
}

uint64_t marfs_checksum_combine(uint64_t crc_a, uint64_t crc_b,
                                uint64_t len_b)
{
    return mcrc64_combine(crc_a, crc_b, len_b);
}
