/*
 * config_internal.h - shared by the config_*.c files only.
 *
 * Owns: the allocation arena a loaded model lives in (so freeing is one
 * call and the public structs can stay const), and the load context that
 * collects every error with its file, line and element.
 */
#ifndef MARFS_CONFIG_INTERNAL_H
#define MARFS_CONFIG_INTERNAL_H

#include <libxml/tree.h>
#include <stdarg.h>

#include "marfs_config.h"

struct mcfg_arena_chunk;

struct mcfg_arena {
    struct mcfg_arena_chunk *head;
};

void *mcfg_arena_alloc(struct mcfg_arena *arena, size_t size);
char *mcfg_arena_strdup(struct mcfg_arena *arena, const char *s);
void mcfg_arena_free(struct mcfg_arena *arena);

/* The loaded model and the arena that owns all of it. */
struct mcfg_impl {
    struct mcfg pub;          /* first, so a struct mcfg * converts back */
    struct mcfg_arena arena;
};

/*
 * Mutable twins of the public structs while the model is being built.
 * Each begins with its public struct so the final model is just a cast.
 */
struct mcfg_ns_build {
    struct mcfg_ns pub;
    int is_rns;                /* placeholder from <rns>, resolved later */
    const char *rns_repo;
    struct mcfg_ns_build *target;  /* what an <rns> resolved to */
    int referenced;            /* a top-level ns some <rns> points at */
    size_t nkids, kidcap;
    struct mcfg_ns_build **kids;
};

struct mcfg_load_ctx {
    const char *file;          /* name used in messages */
    FILE *errs;
    int nerrors;
    struct mcfg_impl *cfg;
};

/* Report one error as "FILE:LINE: <element>: message". */
void mcfg_error(struct mcfg_load_ctx *ctx, const xmlNode *node,
                const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void mcfg_error_at(struct mcfg_load_ctx *ctx, int line, const char *elem,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Build the model from a schema-valid document (config_parse.c). */
int mcfg_build(struct mcfg_load_ctx *ctx, xmlDoc *doc);

/* Semantic checks across the whole model (config_check.c). */
void mcfg_check_protection(struct mcfg_load_ctx *ctx, const xmlNode *prot,
                           const struct mcfg_repo *repo);
void mcfg_check_limits(struct mcfg_load_ctx *ctx, const xmlNode *pack,
                       const xmlNode *chunk, const struct mcfg_repo *repo);
int mcfg_check_abs_path(struct mcfg_load_ctx *ctx, const xmlNode *node,
                        const char *what, const char *path);
int mcfg_parse_perms(struct mcfg_load_ctx *ctx, const xmlNode *node,
                     unsigned *out);

/* Normalise an absolute path lexically into out (config_lookup.c). */
int mcfg_normalize_path(const char *path, char *out, size_t outsz);

/* The embedded schema (generated from config/marfs.xsd at build time). */
extern const char mcfg_xsd_text[];
extern const size_t mcfg_xsd_text_len;

#endif
