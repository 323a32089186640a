/*
 * ne_meta.c - the on-block format's small pieces (doc/block-format.md).
 *
 * Owns: (de)serialising a block's meta info (fixed 80 bytes, little
 * endian, with its own CRC), the per-unit CRC with its position tag, the
 * CRC sum over a block's unit CRCs, the geometry arithmetic (stripes,
 * the short last stripe, block bytes) and the per-object rotation.
 * Any change here is a format change: bump NE_FORMAT_VERSION and the
 * document.
 */
#include <errno.h>
#include <string.h>

#include <isa-l.h>

#include "hash.h"
#include "ne_internal.h"

static const uint8_t meta_magic[4] = {'M', 'F', 'N', 'E'};
#define CRC_KIND_CRC32_ZLIB 1   /* isa-l crc32_gzip_refl == zlib crc32 */
#define ROTATION_SEED 0x6e65726f74617465ULL  /* "nerotate" */

void ne_put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t ne_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void put_le16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static unsigned get_le16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static void put_le64(uint8_t *p, uint64_t v)
{
    ne_put_le32(p, (uint32_t)v);
    ne_put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t get_le64(const uint8_t *p)
{
    return (uint64_t)ne_get_le32(p) | (uint64_t)ne_get_le32(p + 4) << 32;
}

void ne_meta_encode(const struct ne_meta *m, uint8_t out[NE_META_LEN])
{
    memset(out, 0, NE_META_LEN);
    memcpy(out, meta_magic, 4);
    put_le16(out + 4, m->version);
    put_le16(out + 6, NE_META_LEN);
    put_le16(out + 8, m->n);
    put_le16(out + 10, m->e);
    put_le16(out + 12, m->block);
    put_le16(out + 14, m->rot);
    put_le64(out + 16, m->psz);
    put_le64(out + 24, m->lastlen);
    put_le64(out + 32, m->blksize);
    put_le64(out + 40, m->objsize);
    put_le64(out + 48, m->wid);
    put_le64(out + 56, m->wtime);
    ne_put_le32(out + 64, m->crcsum);
    put_le16(out + 68, CRC_KIND_CRC32_ZLIB);
    ne_put_le32(out + 76, crc32_gzip_refl(0, out, NE_META_LEN - 4));
}

uint64_t ne_stripes_of(uint64_t objsize, unsigned n, uint64_t psz)
{
    uint64_t sb = (uint64_t)n * psz;
    return objsize / sb + (objsize % sb != 0);
}

size_t ne_tail_len(uint64_t objsize, unsigned n, uint64_t psz)
{
    if (objsize == 0)
        return 0;
    uint64_t rem = objsize % ((uint64_t)n * psz);
    if (rem == 0)
        return (size_t)psz;
    uint64_t len = (rem + n - 1) / n;
    len = (len + NE_TAIL_ALIGN - 1) / NE_TAIL_ALIGN * NE_TAIL_ALIGN;
    return (size_t)(len < psz ? len : psz);   /* psz is aligned: no-op */
}

/* Every stripe but the last has PSZ-byte parts; the last one's parts
 * are as short as its bytes allow. */
uint64_t ne_block_bytes(uint64_t objsize, unsigned n, uint64_t psz)
{
    uint64_t ns = ne_stripes_of(objsize, n, psz);
    if (ns == 0)
        return 0;
    return (ns - 1) * (psz + NE_CRC_LEN) + ne_tail_len(objsize, n, psz) +
           NE_CRC_LEN;
}

/* The fields must describe a geometry this library can read. */
static int meta_sane(const struct ne_meta *m)
{
    unsigned nb = m->n + m->e;
    if (m->n == 0 || nb > NE_MAX_BLOCKS || m->block >= nb || m->rot >= nb)
        return 0;
    if (m->psz == 0 || m->psz > (1ULL << 32) || m->psz % NE_TAIL_ALIGN)
        return 0;
    uint64_t ns = ne_stripes_of(m->objsize, m->n, m->psz);
    if (ns > UINT64_MAX / (m->psz + NE_CRC_LEN))
        return 0;
    return m->lastlen == ne_tail_len(m->objsize, m->n, m->psz) &&
           m->blksize == ne_block_bytes(m->objsize, m->n, m->psz);
}

int ne_meta_decode(const uint8_t *buf, size_t len, struct ne_meta *m)
{
    if (len != NE_META_LEN || memcmp(buf, meta_magic, 4) != 0)
        return -EINVAL;
    if (ne_get_le32(buf + 76) != crc32_gzip_refl(0, buf, NE_META_LEN - 4))
        return -EINVAL;
    if (get_le16(buf + 6) != NE_META_LEN ||
        get_le16(buf + 68) != CRC_KIND_CRC32_ZLIB)
        return -EINVAL;
    m->version = get_le16(buf + 4);
    m->n = get_le16(buf + 8);
    m->e = get_le16(buf + 10);
    m->block = get_le16(buf + 12);
    m->rot = get_le16(buf + 14);
    m->psz = get_le64(buf + 16);
    m->lastlen = get_le64(buf + 24);
    m->blksize = get_le64(buf + 32);
    m->objsize = get_le64(buf + 40);
    m->wid = get_le64(buf + 48);
    m->wtime = get_le64(buf + 56);
    m->crcsum = ne_get_le32(buf + 64);
    if (m->version != NE_FORMAT_VERSION)
        return -EPROTONOSUPPORT;   /* intact, but laid out differently */
    return meta_sane(m) ? 0 : -EINVAL;
}

int ne_meta_same_object(const struct ne_meta *a, const struct ne_meta *b)
{
    return a->version == b->version && a->n == b->n && a->e == b->e &&
           a->rot == b->rot && a->psz == b->psz && a->lastlen == b->lastlen &&
           a->blksize == b->blksize && a->objsize == b->objsize &&
           a->wid == b->wid && a->wtime == b->wtime;
}

/* The tag ties a unit to its write, stripe and block, so a unit that is
 * stale, misplaced or from another block never passes its CRC. */
uint32_t ne_unit_crc(uint64_t wid, uint64_t stripe, unsigned block,
                     const uint8_t *data, size_t len)
{
    uint8_t tag[24];
    put_le64(tag, wid);
    put_le64(tag + 8, stripe);
    ne_put_le32(tag + 16, block);
    memcpy(tag + 20, "NEU1", 4);
    uint32_t crc = crc32_gzip_refl(0, tag, sizeof(tag));
    return crc32_gzip_refl(crc, data, len);
}

uint32_t ne_crcsum_add(uint32_t sum, uint32_t unit_crc)
{
    uint8_t le[4];
    ne_put_le32(le, unit_crc);
    return crc32_gzip_refl(sum, le, 4);
}

unsigned ne_rotation_of(const char *obj, unsigned nblocks)
{
    return (unsigned)(mhash_xxh64(obj, strlen(obj), ROTATION_SEED) % nblocks);
}
