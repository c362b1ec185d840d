/*
 * xml_safe.c -- hardened libxml2 parsing and XSD validation (xml_safe.h).
 *
 * Owns: the parser options, the DOCTYPE refusal, capturing the first error
 * with its line, and validating against a schema held in memory. Does not
 * own: any document model.
 */
#include <string.h>
#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/xmlschemas.h>
#include "mcx/xml_safe.h"

typedef struct xml_state {
    const char *name;
    const char *what;
    const char *rule;
    mcx_error *err;
    int failed;
} xml_state;

#if LIBXML_VERSION >= 21200
typedef const xmlError *xml_error_ptr;
#else
typedef xmlErrorPtr xml_error_ptr;
#endif

/* libxml2 messages end with a newline and may carry control bytes. */
static void clean_message(char *out, size_t outlen, const char *msg)
{
    size_t n = 0;

    for (; msg && *msg && n + 1 < outlen; msg++) {
        unsigned char c = (unsigned char)*msg;
        out[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

static void record_error(xml_state *st, xml_error_ptr e)
{
    char msg[400];

    if (st->failed || e == NULL || e->level == XML_ERR_WARNING)
        return;
    st->failed = 1;
    clean_message(msg, sizeof msg, e->message);
    if (e->int2 > 0)
        mcx_error_set(st->err, st->name, e->line, st->rule, "column %d: %s", e->int2, msg);
    else
        mcx_error_set(st->err, st->name, e->line, st->rule, "%s", msg);
}

static void on_parse_error(void *user, xml_error_ptr e)
{
    xmlParserCtxtPtr ctxt = user;
    record_error(ctxt->_private, e);
}

static void on_schema_error(void *user, xml_error_ptr e)
{
    record_error(user, e);
}

/* sax->internalSubset runs at <!DOCTYPE ...>, before any entity is declared. */
static void on_doctype(void *user, const xmlChar *name, const xmlChar *external_id,
                       const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = user;
    xml_state *st = ctxt->_private;

    (void)name;
    (void)external_id;
    (void)system_id;
    if (!st->failed) {
        st->failed = 1;
        mcx_error_set(st->err, st->name, xmlSAX2GetLineNumber(ctxt), "no-dtd",
                      "<!DOCTYPE> is not allowed in %s (no DTD, no entity declarations: external "
                      "entities and entity expansion are rejected); remove the DOCTYPE declaration",
                      st->what);
    }
    xmlStopParser(ctxt);
}

xmlDocPtr mcx_xml_read(const char *name, const char *buf, size_t len, const char *what,
                       mcx_error *err)
{
    xml_state st = {name, what, "xml", err, 0};
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;
    const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                        XML_PARSE_BIG_LINES;

    if (len > (size_t)0x7fffffff) {
        mcx_error_set(err, name, 0, "xml", "document larger than 2 GiB");
        return NULL;
    }
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        mcx_error_set(err, name, 0, "xml", "out of memory creating the XML parser");
        return NULL;
    }
    ctxt->_private = &st;
    ctxt->sax->serror = on_parse_error;
    ctxt->sax->internalSubset = on_doctype;
    ctxt->sax->externalSubset = NULL;
    doc = xmlCtxtReadMemory(ctxt, buf, (int)len, name, NULL, options);
    if (doc != NULL && (st.failed || !ctxt->wellFormed)) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    if (doc == NULL && !st.failed)
        mcx_error_set(err, name, 0, "xml", "the document is not well-formed XML");
    xmlFreeParserCtxt(ctxt);
    return doc;
}

int mcx_xml_validate(xmlDocPtr doc, const char *name, const char *xsd, size_t xsd_len,
                     const char *xsd_path, const char *internal_rule, mcx_error *err)
{
    xml_state st = {name, NULL, internal_rule, err, 0};
    xmlSchemaParserCtxtPtr pctxt;
    xmlSchemaPtr schema = NULL;
    xmlSchemaValidCtxtPtr vctxt;
    int rc = -1;

    pctxt = xmlSchemaNewMemParserCtxt(xsd, (int)xsd_len);
    if (pctxt != NULL) {
        xmlSchemaSetParserStructuredErrors(pctxt, on_schema_error, &st);
        schema = xmlSchemaParse(pctxt);
        xmlSchemaFreeParserCtxt(pctxt);
    }
    if (schema == NULL) {
        if (!st.failed)
            mcx_error_set(err, name, 0, internal_rule,
                          "internal error: the compiled-in schema %s does not load", xsd_path);
        return -1;
    }
    st.rule = "xsd";
    vctxt = xmlSchemaNewValidCtxt(schema);
    if (vctxt != NULL) {
        xmlSchemaSetValidStructuredErrors(vctxt, on_schema_error, &st);
        rc = xmlSchemaValidateDoc(vctxt, doc);
        xmlSchemaFreeValidCtxt(vctxt);
    }
    xmlSchemaFree(schema);
    if (rc != 0) {
        if (!st.failed)
            mcx_error_set(err, name, 0, "xsd", "the document does not match the schema %s",
                          xsd_path);
        return -1;
    }
    return 0;
}
