/*
 * vector_statements.c -- load the normative statements file of a vectors
 * directory (vectors/statements.xml, schema lib/statements.xsd) and check a
 * vector's <enforces ref=> against it.
 *
 * Owns: reading that file through the same safe parse + XSD step as the
 * vectors (vector_xml.h), the rules XSD leaves to code (unique statement
 * IDs), lookups by ID, and the unknown-statement rule. Every error names
 * file:line and a rule name. Does not own: the vectors (vector_load.c) nor
 * rendering the spec (conformance/cmd_list.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>
#include "mcx/embedded.h"
#include "mcx/vector.h"
#include "vector_xml.h"

static void stmt_fail(mcx_vector_error *err, const char *file, int line, const char *rule,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void stmt_fail(mcx_vector_error *err, const char *file, int line, const char *rule,
                      const char *fmt, ...)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
    snprintf(err->file, sizeof err->file, "%s", file);
    err->line = line;
    snprintf(err->rule, sizeof err->rule, "%s", rule);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

void mcx_statements_free(mcx_statements *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->items[i].id);
        free(s->items[i].section);
        free(s->items[i].text);
        free(s->items[i].source);
    }
    free(s->items);
    free(s->path);
    free(s);
}

static int stmt_is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static char *stmt_attr(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    char *copy = v ? strdup((const char *)v) : NULL;
    xmlFree(v);
    return copy;
}

/* Element text with runs of whitespace (the file's line wrapping) folded
 * into single spaces, trimmed. */
static char *stmt_text(const xmlNode *n)
{
    xmlChar *v = xmlNodeGetContent(n);
    const char *in = v ? (const char *)v : "";
    char *out = malloc(strlen(in) + 1);
    if (!out) {
        xmlFree(v);
        return NULL;
    }
    size_t o = 0;
    int space = 0;
    for (const char *p = in; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = 0;
        out[o++] = *p;
    }
    out[o] = '\0';
    xmlFree(v);
    return out;
}

static int stmt_line(const xmlNode *n)
{
    long l = xmlGetLineNo(n);
    return l > 0 && l < 1000000000 ? (int)l : 0;
}

static mcx_vector_strength stmt_strength(const char *s)
{
    if (s && strcmp(s, "should") == 0)
        return MCX_VECTOR_SHOULD;
    if (s && strcmp(s, "may") == 0)
        return MCX_VECTOR_MAY;
    return MCX_VECTOR_MUST;
}

/* One <statement> of a section; returns 0 or -1 (err set). */
static int stmt_add(mcx_statements *s, const xmlNode *n, const char *section,
                    mcx_vector_error *err)
{
    int line = stmt_line(n);
    mcx_statement *grown = realloc(s->items, (s->n + 1) * sizeof *grown);
    if (!grown) {
        stmt_fail(err, s->path, line, "internal", "out of memory");
        return -1;
    }
    s->items = grown;
    mcx_statement *st = &s->items[s->n++];
    memset(st, 0, sizeof *st);
    st->line = line;
    st->id = stmt_attr(n, "id");
    st->section = strdup(section);
    char *strength = stmt_attr(n, "strength");
    st->strength = stmt_strength(strength);
    free(strength);
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (stmt_is(c, "text")) {
            free(st->text);
            st->text = stmt_text(c);
        } else if (stmt_is(c, "source")) {
            free(st->source);
            st->source = stmt_text(c);
        }
    }
    if (!st->id || !st->section || !st->text || !st->source) {
        stmt_fail(err, s->path, line, "internal", "out of memory");
        return -1;
    }
    for (size_t i = 0; i + 1 < s->n; i++)
        if (strcmp(s->items[i].id, st->id) == 0) {
            stmt_fail(err, s->path, line, "duplicate-statement",
                      "statement %s is already defined at line %d", st->id, s->items[i].line);
            return -1;
        }
    return 0;
}

mcx_statements *mcx_statements_load_memory(const char *name, const char *buf, size_t len,
                                           mcx_vector_error *err)
{
    const char *file = name ? name : "<memory>";
    xmlDocPtr doc = mcx_vector_xml_read(file, buf, len, mcx_embed_statements,
                                        mcx_embed_statements_len, "statements.xsd", err);
    if (!doc)
        return NULL;
    mcx_statements *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(file))) {
        free(s);
        xmlFreeDoc(doc);
        stmt_fail(err, file, 0, "internal", "out of memory");
        return NULL;
    }
    int failed = 0;
    const xmlNode *root = xmlDocGetRootElement(doc);
    for (const xmlNode *sec = root ? root->children : NULL; sec && !failed; sec = sec->next) {
        if (!stmt_is(sec, "section"))
            continue;
        char *title = stmt_attr(sec, "title");
        for (const xmlNode *c = sec->children; c && !failed; c = c->next)
            if (stmt_is(c, "statement"))
                failed = stmt_add(s, c, title ? title : "", err) != 0;
        free(title);
    }
    xmlFreeDoc(doc);
    if (failed) {
        mcx_statements_free(s);
        return NULL;
    }
    return s;
}

mcx_statements *mcx_statements_load_file(const char *path, mcx_vector_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        stmt_fail(err, path, 0, "io", "cannot open: %s", strerror(errno));
        return NULL;
    }
    char *buf = malloc(MCX_VECTOR_MAX_FILE + 1);
    size_t len = buf ? fread(buf, 1, MCX_VECTOR_MAX_FILE + 1, f) : 0;
    int io_error = ferror(f);
    fclose(f);
    if (!buf || io_error) {
        free(buf);
        stmt_fail(err, path, 0, "io", "cannot read");
        return NULL;
    }
    mcx_statements *s = mcx_statements_load_memory(path, buf, len, err);
    free(buf);
    return s;
}

const mcx_statement *mcx_statements_find(const mcx_statements *s, const char *id)
{
    for (size_t i = 0; s && id && i < s->n; i++)
        if (strcmp(s->items[i].id, id) == 0)
            return &s->items[i];
    return NULL;
}

int mcx_vector_check_statements(const mcx_vector *v, const mcx_statements *s,
                                mcx_vector_error *err)
{
    for (size_t i = 0; i < v->nenforces; i++)
        if (!mcx_statements_find(s, v->enforces[i])) {
            stmt_fail(err, v->path ? v->path : "<memory>", v->enforces_lines[i],
                      "unknown-statement", "enforces %s, which %s does not define",
                      v->enforces[i], s->path);
            return -1;
        }
    return 0;
}
