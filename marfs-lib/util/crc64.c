/*
 * crc64.c - the per-file end-to-end checksum: CRC-64/XZ (isa-l's
 * crc64_ecma_refl), and combining the CRCs of consecutive pieces.
 *
 * Combining is what lets N:1 writers checksum their chunks independently
 * and still produce the plain CRC of the whole file, which a compare tool
 * can recompute from a source without knowing how the file was chunked.
 * The method is zlib's crc32_combine (appending len_b zero bytes to A is
 * a linear map over GF(2), applied by repeated squaring), for 64 bits.
 */
#include <isa-l.h>

#include "crc.h"

/* CRC-64/XZ polynomial, bit-reflected. */
#define CRC64_POLY_REFL 0xC96C5795D7870F42ULL

uint64_t mcrc64_update(uint64_t crc, const void *buf, size_t len)
{
    return crc64_ecma_refl(crc, buf, len);
}

static uint64_t gf2_times(const uint64_t *mat, uint64_t vec)
{
    uint64_t sum = 0;
    for (; vec != 0; vec >>= 1, mat++)
        if (vec & 1)
            sum ^= *mat;
    return sum;
}

static void gf2_square(uint64_t *square, const uint64_t *mat)
{
    for (int n = 0; n < 64; n++)
        square[n] = gf2_times(mat, mat[n]);
}

uint64_t mcrc64_combine(uint64_t crc_a, uint64_t crc_b,
                                uint64_t len_b)
{
    uint64_t even[64], odd[64];
    if (len_b == 0)
        return crc_a;
    /* odd: the operator for one zero bit */
    odd[0] = CRC64_POLY_REFL;
    for (int n = 1; n < 64; n++)
        odd[n] = 1ULL << (n - 1);
    gf2_square(even, odd);   /* two zero bits */
    gf2_square(odd, even);   /* four zero bits */
    do {
        gf2_square(even, odd);   /* first pass: one zero byte */
        if (len_b & 1)
            crc_a = gf2_times(even, crc_a);
        len_b >>= 1;
        if (len_b == 0)
            break;
        gf2_square(odd, even);
        if (len_b & 1)
            crc_a = gf2_times(odd, crc_a);
        len_b >>= 1;
    } while (len_b != 0);
    return crc_a ^ crc_b;
}
