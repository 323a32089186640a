/*
 * config_parse.c - load marfs.xml: XML parse, schema validation, and the
 * walk that turns the document into the model of config.h.
 *
 * Every problem is collected rather than stopping at the first, so an
 * admin fixing a config sees all of them in one run.  Value checks that
 * span elements live in config_check.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_internal.h"
#include "log.h"

/* ---- arena ------------------------------------------------------------ */

struct mcfg_arena_chunk {
    struct mcfg_arena_chunk *next;
    max_align_t data[];
};

void *mcfg_arena_alloc(struct mcfg_arena *arena, size_t size)
{
    struct mcfg_arena_chunk *c = calloc(1, sizeof(*c) + size);
    if (c == NULL)
        return NULL;
    c->next = arena->head;
    arena->head = c;
    return c->data;
}

char *mcfg_arena_strdup(struct mcfg_arena *arena, const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = mcfg_arena_alloc(arena, len);
    if (d != NULL)
        memcpy(d, s, len);
    return d;
}

void mcfg_arena_free(struct mcfg_arena *arena)
{
    while (arena->head != NULL) {
        struct mcfg_arena_chunk *next = arena->head->next;
        free(arena->head);
        arena->head = next;
    }
}

/* ---- error reporting -------------------------------------------------- */

static void verror_at(struct mcfg_load_ctx *ctx, int line, const char *elem,
                      const char *fmt, va_list ap)
{
    ctx->nerrors++;
    if (ctx->errs == NULL)
        return;
    fprintf(ctx->errs, "%s:%d: <%s>: ", ctx->file, line, elem);
    vfprintf(ctx->errs, fmt, ap);
    fputc('\n', ctx->errs);
}

void mcfg_error_at(struct mcfg_load_ctx *ctx, int line, const char *elem,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror_at(ctx, line, elem, fmt, ap);
    va_end(ap);
}

void mcfg_error(struct mcfg_load_ctx *ctx, const xmlNode *node,
                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror_at(ctx, node ? (int)xmlGetLineNo(node) : 0,
              node ? (const char *)node->name : "marfs_config", fmt, ap);
    va_end(ap);
}

/* libxml2 reports parse and schema errors through this hook. */
static void xml_error_hook(void *arg, xmlErrorPtr err)
{
    struct mcfg_load_ctx *ctx = arg;
    char msg[1024];
    const char *elem = "document";
    const char *text = err->message ? err->message : "unknown XML error";

    if (err->node != NULL && ((xmlNode *)err->node)->type == XML_ELEMENT_NODE)
        elem = (const char *)((xmlNode *)err->node)->name;
    /* Schema messages start "Element 'X': "; the prefix already says X. */
    if (strncmp(text, "Element '", 9) == 0) {
        const char *rest = strstr(text, "': ");
        if (rest != NULL)
            text = rest + 3;
    }
    snprintf(msg, sizeof(msg), "%s", text);
    size_t len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        msg[--len] = '\0';
    mcfg_error_at(ctx, err->line, elem, "%s", msg);
}

/* ---- schema ----------------------------------------------------------- */

static int validate_schema(struct mcfg_load_ctx *ctx, xmlDoc *doc)
{
    int rc = -EINVAL;
    xmlSchemaParserCtxtPtr pctx =
        xmlSchemaNewMemParserCtxt(mcfg_xsd_text, (int)mcfg_xsd_text_len);
    xmlSchemaPtr schema = pctx ? xmlSchemaParse(pctx) : NULL;
    xmlSchemaValidCtxtPtr vctx = schema ? xmlSchemaNewValidCtxt(schema) : NULL;

    if (vctx == NULL) {
        LOG_ERR("internal error: the embedded marfs.xsd does not compile");
        rc = -ENOMEM;
    } else {
        xmlSchemaSetValidStructuredErrors(vctx, xml_error_hook, ctx);
        if (xmlSchemaValidateDoc(vctx, doc) == 0)
            rc = 0;
    }
    xmlSchemaFreeValidCtxt(vctx);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pctx);
    return rc;
}

/* ---- load ------------------------------------------------------------- */

int mcfg_load_buffer(const char *buf, size_t len, const char *name,
                     FILE *errs, const struct mcfg **out)
{
    struct mcfg_load_ctx ctx = {.file = name, .errs = errs};
    int rc;

    *out = NULL;
    if (len > INT32_MAX) {
        mcfg_error_at(&ctx, 0, "document", "file too large");
        return -EINVAL;
    }
    xmlSetStructuredErrorFunc(&ctx, xml_error_hook);
    xmlDoc *doc = xmlReadMemory(buf, (int)len, name, NULL,
                                XML_PARSE_NONET);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (doc == NULL) {
        if (ctx.nerrors == 0)
            mcfg_error_at(&ctx, 0, "document", "not an XML document");
        return -EINVAL;
    }
    rc = validate_schema(&ctx, doc);
    if (rc == 0) {
        ctx.cfg = calloc(1, sizeof(*ctx.cfg));
        if (ctx.cfg == NULL)
            rc = -ENOMEM;
        else
            rc = mcfg_build(&ctx, doc);
        if (rc == 0 && ctx.nerrors > 0)
            rc = -EINVAL;
        if (rc == 0) {
            ctx.cfg->pub.file = mcfg_arena_strdup(&ctx.cfg->arena, name);
            *out = &ctx.cfg->pub;
        } else if (ctx.cfg != NULL) {
            mcfg_free(&ctx.cfg->pub);
        }
    }
    xmlFreeDoc(doc);
    return rc;
}

static int read_file(const char *path, char **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        close(fd);
        return err;
    }
    *buf = malloc((size_t)st.st_size + 1);
    if (*buf == NULL) {
        close(fd);
        return -ENOMEM;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, *buf + got, (size_t)st.st_size - got);
        if (n <= 0) {
            int err = n < 0 ? -errno : -EIO;
            free(*buf);
            close(fd);
            return err;
        }
        got += (size_t)n;
    }
    close(fd);
    *len = got;
    return 0;
}

int mcfg_load(const char *path, FILE *errs, const struct mcfg **out)
{
    char *buf = NULL;
    size_t len = 0;

    *out = NULL;
    int rc = read_file(path, &buf, &len);
    if (rc < 0) {
        if (errs != NULL)
            fprintf(errs, "%s: cannot read config: %s\n", path, strerror(-rc));
        return rc;
    }
    rc = mcfg_load_buffer(buf, len, path, errs, out);
    free(buf);
    return rc;
}

void mcfg_free(const struct mcfg *cfg)
{
    if (cfg == NULL)
        return;
    struct mcfg_impl *impl = (struct mcfg_impl *)cfg;
    mcfg_arena_free(&impl->arena);
    free(impl);
}
