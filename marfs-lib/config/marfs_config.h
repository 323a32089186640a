/*
 * config.h - the marfs.xml configuration model.
 *
 * Owns: loading a marfs.xml file (schema validation with libxml2, then
 * semantic checks) into an immutable in-memory model, looking up the
 * namespace and repo that hold an absolute path, and freeing the model.
 * The model is plain const structs so lower layers (DAL, erasure, metadata)
 * can read their parameters without accessor boilerplate; nothing may
 * modify a loaded model.  The format is documented in doc/config.md.
 */
#ifndef MARFS_CONFIG_H
#define MARFS_CONFIG_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

/* Highest config format version this library understands. */
#define MCFG_VERSION 1

/* isa-l works in GF(2^8): a stripe may hold at most 255 parts. */
#define MCFG_MAX_PARTS 255
/* Part sizes must be a multiple of this (the O_DIRECT sector size). */
#define MCFG_PSZ_ALIGN 512

/* Permission bits of a namespace, per client mode. */
enum mcfg_perm {
    MCFG_PERM_RM = 1 << 0, /* read metadata  */
    MCFG_PERM_WM = 1 << 1, /* write metadata */
    MCFG_PERM_RD = 1 << 2, /* read data      */
    MCFG_PERM_WD = 1 << 3, /* write data     */
};

enum mcfg_client {
    MCFG_CLIENT_INTERACTIVE = 0, /* the FUSE mount */
    MCFG_CLIENT_BATCH = 1,       /* pftool and admin tools */
};

/* "No quota": the value of a quota that the config leaves unset. */
#define MCFG_UNLIMITED UINT64_MAX

/* One backend parameter of a DAL: an element name and its text. */
struct mcfg_param {
    const char *key;
    const char *value;
    int line;
};

/* A DAL description; wrapper DALs (fault, timer) nest an inner one. */
struct mcfg_dal {
    const char *type;
    int line;
    size_t nparams;
    const struct mcfg_param *params;
    const struct mcfg_dal *inner;
};

/* One level of the distribution: pods, caps or scatters. */
struct mcfg_dist {
    unsigned cnt;
    unsigned dweight;         /* weight of indices not listed */
    const unsigned *weights;  /* cnt entries; 0 retires an index */
};

struct mcfg_repo;

struct mcfg_ns {
    const char *name;
    const char *path;         /* marfs path, "/" for root, "/proj/sub" */
    int line;
    uint64_t quota_files;     /* MCFG_UNLIMITED when unset */
    uint64_t quota_bytes;     /* MCFG_UNLIMITED when unset */
    unsigned perms[2];        /* indexed by enum mcfg_client */
    const struct mcfg_repo *repo;
    const struct mcfg_ns *parent;   /* NULL for root */
    size_t nchildren;
    const struct mcfg_ns *const *children;
};

struct mcfg_repo {
    const char *name;
    int line;
    /* <data> */
    unsigned n, e;            /* data and parity parts per stripe */
    uint64_t psz;             /* part size in bytes */
    int packing;              /* packing enabled */
    uint64_t pack_max_files;
    int chunking;             /* chunking enabled */
    uint64_t chunk_max_size;
    struct mcfg_dist pods, caps, scatters;
    const struct mcfg_dal *dal;
    /* <meta> */
    const char *ns_root;      /* MDAL posix ns_root (absolute) */
    unsigned rbreadth, rdepth, rdigits;
    size_t nns;               /* namespaces defined in this repo */
    const struct mcfg_ns *const *ns;
};

struct mcfg {
    const char *file;         /* the path it was loaded from */
    unsigned version;
    const char *mnt_top;      /* absolute, no trailing slash */
    size_t nrepos;
    const struct mcfg_repo *repos;
    const struct mcfg_ns *root;     /* the namespace at mnt_top */
    size_t nns;               /* all namespaces, depth-first */
    const struct mcfg_ns *const *all_ns;
};

/*
 * Load and check a config file.  On success *out holds the model and 0 is
 * returned.  On failure a negative errno is returned (-ENOENT, -EACCES for
 * an unreadable file, -EINVAL for any invalid content) and every problem
 * found is written to errs (if not NULL), one line each, in the form
 *   FILE:LINE: <element>: message
 */
int mcfg_load(const char *path, FILE *errs, const struct mcfg **out);

/* Same, from a document in memory; name is used in error messages. */
int mcfg_load_buffer(const char *buf, size_t len, const char *name,
                     FILE *errs, const struct mcfg **out);

void mcfg_free(const struct mcfg *cfg);

const struct mcfg_repo *mcfg_repo_by_name(const struct mcfg *cfg,
                                          const char *name);

/* Namespace by its marfs path ("/", "/proj"); NULL if none. */
const struct mcfg_ns *mcfg_ns_by_path(const struct mcfg *cfg,
                                      const char *nspath);

/* Value of a DAL parameter, or NULL if the DAL does not set it. */
const char *mcfg_dal_param(const struct mcfg_dal *dal, const char *key);

/*
 * Find the namespace holding an absolute path under mnt_top.  The path is
 * normalised lexically ('.', '..', repeated '/'), so '..' can never reach
 * another namespace than the one the normalised path names.  On success
 * *ns is the deepest namespace whose path prefixes the normalised path and
 * rel (if not NULL, of relsz bytes) receives the remainder relative to
 * that namespace ("" for the namespace itself, else "a/b").
 * Returns 0, -EINVAL for a relative path or one outside mnt_top,
 * -ENAMETOOLONG if rel is too small or the path exceeds PATH_MAX.
 */
int mcfg_lookup(const struct mcfg *cfg, const char *path,
                const struct mcfg_ns **ns, char *rel, size_t relsz);

/*
 * Parse a size with an optional K/M/G/T/P suffix (powers of 1024, an
 * optional trailing 'B' or 'iB' accepted).  Returns 0, -EINVAL for bad
 * syntax, -ERANGE for a value that does not fit in 64 bits.
 */
int mcfg_parse_size(const char *text, uint64_t *out);

/* Format a permission mask as "RM,WM,RD,WD" (or "none") into buf. */
const char *mcfg_perm_str(unsigned perms, char *buf, size_t bufsz);

/* Print the human summary that marfs-verifyconf shows. */
void mcfg_print_summary(const struct mcfg *cfg, FILE *out);

#endif
