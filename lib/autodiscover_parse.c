/*
 * autodiscover_parse.c -- parsing a received Autodiscover body into an
 * mcx_ad_doc, reporting every oddity as an AD-* finding.
 *
 * Owns: choosing the parser by Content-Type, the byte-level preconditions
 * (size <= 1 MiB, non-empty, UTF-8), and mapping XML (libxml2) and JSON
 * (jansson) trees onto the document model. Does not own: the rules a
 * well-parsed document must meet (autodiscover_validate.c), HTTP, or the
 * catalogue text of the findings (catalogue_ad.c).
 *
 * Content types (parameters ignored except v):
 *   application/vnd.microsoft.rtc.autodiscover+xml, application/xml, text/xml,
 *   application/vnd.microsoft.com.ucwa+xml -> XML: AutodiscoverResponse, or a
 *     UCWA <resource> (protocol.md §3.4) whose <link rel> map to tokens;
 *   application/vnd.microsoft.rtc.autodiscover+json, application/json -> JSON:
 *     an object with "_links" is UCWA, otherwise DataContract;
 *   NULL -> sniffed from the first byte; anything else -> AD-001, -1.
 * XML is parsed with XML_PARSE_NONET and without NOENT/DTDLOAD; a DOCTYPE
 * stops the parser at once (AD-007), so no entity is ever declared or
 * expanded. JSON nesting is bounded by jansson (2048 levels) and the size by
 * MCX_AD_PARSE_MAX_BODY. Keys of DataContract JSON, tokens and
 * AccessLocation values are compared case-insensitively (Exchange client).
 *
 * UCWA relations map back to tokens: self -> Self, redirect -> Redirect,
 * xframe -> XFrame, applications -> Ucwa, user -> OAuth when its href has an
 * /oauth/ path segment, else User; unknown relations are kept as tokens.
 * UCWA documents carry no AccessLocation (has_access_location = 0) and no
 * kind: "rel":"user" or an applications link means User, otherwise Root.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include "mcx/autodiscover.h"

#define MCX_AD_PARSE_MAX_BODY (1024 * 1024)

typedef struct mcx_parse {
    mcx_report *rep;
    const char *url;
    mcx_ad_doc *doc;
} mcx_parse;

static void mcx_parse_finding(mcx_parse *p, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void mcx_parse_finding(mcx_parse *p, const char *id, const char *fmt, ...)
{
    if (!p->rep)
        return;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mcx_finding *f = mcx_report_add(p->rep, id, "%s", msg);
    if (f && p->url)
        mcx_finding_set_evidence(f, p->url, 0, NULL, 0);
}

/* ---- shared mapping onto the document model ---------------------------- */

static const char *const mcx_parse_known_tokens[] = {
    "Domain", "User", "OAuth", "Redirect", "Self", "Ucwa", "XFrame", "Hybrid",
    "Internal/Autodiscover", "External/Autodiscover", "Internal/AuthBroker",
    "External/AuthBroker", "Internal/Ucwa", "External/Ucwa", "Internal/Mcx",
    "External/Mcx", "Internal/WebScheduler", "External/WebScheduler",
    "Internal/XFrame", "External/XFrame", "External/RemotePowerShell",
};

static const char *const mcx_parse_sipaccess_names[] = {
    "SipServerInternalAccess", "SipClientInternalAccess",
    "SipServerExternalAccess", "SipClientExternalAccess",
};

static int mcx_parse_known_token(const char *token)
{
    for (size_t i = 0; i < sizeof mcx_parse_known_tokens / sizeof *mcx_parse_known_tokens; i++)
        if (strcasecmp(token, mcx_parse_known_tokens[i]) == 0)
            return 1;
    return 0;
}

/* The canonical spelling of a SipAccess element name, or NULL. */
static const char *mcx_parse_sipaccess_name(const char *name)
{
    for (size_t i = 0; i < sizeof mcx_parse_sipaccess_names / sizeof *mcx_parse_sipaccess_names;
         i++)
        if (strcasecmp(name, mcx_parse_sipaccess_names[i]) == 0)
            return mcx_parse_sipaccess_names[i];
    return NULL;
}

/* `where` locates the link in the body ("line 4", "Root.Links[2]"). */
static void mcx_parse_link(mcx_parse *p, const char *token, const char *href, const char *where)
{
    if (!token || !*token) {
        mcx_parse_finding(p, "AD-013", "Link at %s (href \"%s\") has no token; ignored", where,
                          href ? href : "");
        return;
    }
    if (!href) {
        mcx_parse_finding(p, "AD-014", "Link \"%s\" at %s has no href; ignored", token, where);
        return;
    }
    if (!*href) {
        mcx_parse_finding(p, "AD-015", "Link \"%s\" at %s has an empty href; ignored", token,
                          where);
        return;
    }
    if (mcx_ad_find_link(p->doc, token)) {
        mcx_parse_finding(p, "AD-016",
                          "Link \"%s\" at %s repeats a token already seen; the first one is kept",
                          token, where);
        return;
    }
    if (p->doc->nlinks >= MCX_AD_MAX_LINKS) {
        mcx_parse_finding(p, "AD-020", "Link \"%s\" at %s exceeds %d links; ignored", token, where,
                          MCX_AD_MAX_LINKS);
        return;
    }
    if (!mcx_parse_known_token(token))
        mcx_parse_finding(p, "AD-018", "Link token \"%s\" at %s is not a known token; kept", token,
                          where);
    mcx_ad_add_link(p->doc, token, href);
}

/* port_ok: the port was a valid 1..65535 value (`port` holds it). */
static void mcx_parse_sipaccess(mcx_parse *p, const char *name, const char *fqdn, int port_ok,
                                int port, const char *port_text, const char *where)
{
    if (mcx_ad_find_sipaccess(p->doc, name) || p->doc->nsipaccess >= MCX_AD_MAX_SIPACCESS) {
        mcx_parse_finding(p, "AD-020", "%s at %s appears more than once; the first one is kept",
                          name, where);
        return;
    }
    if (!fqdn || !*fqdn) {
        mcx_parse_finding(p, "AD-017", "%s at %s has no fqdn; ignored", name, where);
        return;
    }
    if (!port_ok) {
        mcx_parse_finding(p, "AD-017", "%s at %s has port \"%s\", expected 1..65535; stored as 0",
                          name, where, port_text ? port_text : "(missing)");
        port = 0;
    }
    mcx_ad_add_sipaccess(p->doc, name, fqdn, port);
}

static int mcx_parse_port_text(const char *s, int *port)
{
    if (!s || !*s || strlen(s) > 5)
        return 0;
    int v = 0;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9')
            return 0;
        v = v * 10 + (*c - '0');
    }
    if (v < 1 || v > 65535)
        return 0;
    *port = v;
    return 1;
}

static void mcx_parse_access(mcx_parse *p, const char *value, const char *where)
{
    if (strcasecmp(value, "Internal") == 0) {
        p->doc->has_access_location = 1;
        p->doc->access_location = MCX_ACCESS_INTERNAL;
    } else if (strcasecmp(value, "External") == 0) {
        p->doc->has_access_location = 1;
        p->doc->access_location = MCX_ACCESS_EXTERNAL;
    } else {
        mcx_parse_finding(p, "AD-010", "AccessLocation at %s is \"%s\", expected Internal or External",
                          where, value);
    }
}

static int mcx_parse_kind_name(const char *name, mcx_ad_kind *kind)
{
    if (strcasecmp(name, "Root") == 0)
        *kind = MCX_AD_ROOT;
    else if (strcasecmp(name, "Domain") == 0)
        *kind = MCX_AD_DOMAIN;
    else if (strcasecmp(name, "User") == 0)
        *kind = MCX_AD_USER;
    else
        return 0;
    return 1;
}

static const char *mcx_parse_rel_token(const char *rel, const char *href)
{
    if (strcasecmp(rel, "self") == 0)
        return "Self";
    if (strcasecmp(rel, "redirect") == 0)
        return "Redirect";
    if (strcasecmp(rel, "xframe") == 0)
        return "XFrame";
    if (strcasecmp(rel, "applications") == 0)
        return "Ucwa";
    if (strcasecmp(rel, "user") == 0)
        return (href && strcasestr(href, "/oauth/")) ? "OAuth" : "User";
    return rel;
}

/* Kind of a UCWA document: see the top of the file. */
static void mcx_parse_ucwa_kind(mcx_parse *p, const char *rel)
{
    p->doc->kind = MCX_AD_ROOT;
    if ((rel && strcasecmp(rel, "user") == 0) || mcx_ad_find_link(p->doc, "Ucwa"))
        p->doc->kind = MCX_AD_USER;
}

/* ---- byte-level preconditions ------------------------------------------ */

/* Offset of the first byte that is not well-formed UTF-8, or len. */
static size_t mcx_parse_utf8_check(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        unsigned int cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (len - i <= n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}

/* ---- XML ---------------------------------------------------------------- */

typedef struct mcx_xml_state {
    int doctype;     /* a DOCTYPE was seen: parsing stopped */
    int depth;       /* open elements */
    int root_closed; /* the document element was closed */
    int errored;     /* first error recorded */
    int code, line, column;
    char message[256];
} mcx_xml_state;

static mcx_xml_state *mcx_xml_state_of(void *ctx)
{
    return ((xmlParserCtxtPtr)ctx)->_private;
}

static void mcx_xml_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
                                    const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    mcx_xml_state_of(ctx)->doctype = 1;
    xmlStopParser((xmlParserCtxtPtr)ctx);
}

static void mcx_xml_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                          const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                          int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    mcx_xml_state_of(ctx)->depth++;
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                          nb_defaulted, attributes);
}

static void mcx_xml_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                        const xmlChar *uri)
{
    mcx_xml_state *st = mcx_xml_state_of(ctx);
    if (--st->depth == 0)
        st->root_closed = 1;
    xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

static void mcx_xml_error(void *ctx, xmlErrorPtr err)
{
    if (!err || err->level < XML_ERR_ERROR)
        return;
    mcx_xml_state *st = mcx_xml_state_of(ctx);
    if (st->errored)
        return;
    st->errored = 1;
    st->code = err->code;
    st->line = err->line;
    st->column = err->int2;
    snprintf(st->message, sizeof st->message, "%s", err->message ? err->message : "error");
    size_t n = strlen(st->message);
    while (n > 0 && (st->message[n - 1] == '\n' || st->message[n - 1] == ' '))
        st->message[--n] = '\0';
}

static int mcx_xml_is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Attribute value (no namespace) as a malloc'd string, or NULL. */
static char *mcx_xml_attr(const xmlNode *n, const char *name)
{
    return (char *)xmlGetNoNsProp(n, BAD_CAST name);
}

static void mcx_xml_where(const xmlNode *n, char *buf, size_t len)
{
    snprintf(buf, len, "line %ld", (long)xmlGetLineNo(n));
}

static void mcx_xml_kind(mcx_parse *p, const xmlNode *kind)
{
    char where[32];
    for (const xmlNode *c = kind->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        mcx_xml_where(c, where, sizeof where);
        const char *sip = mcx_parse_sipaccess_name((const char *)c->name);
        if (mcx_xml_is(c, "Link")) {
            char *token = mcx_xml_attr(c, "token");
            char *href = mcx_xml_attr(c, "href");
            mcx_parse_link(p, token, href, where);
            xmlFree(token);
            xmlFree(href);
        } else if (sip) {
            char *fqdn = mcx_xml_attr(c, "fqdn");
            char *port_text = mcx_xml_attr(c, "port");
            int port = 0;
            int ok = mcx_parse_port_text(port_text, &port);
            mcx_parse_sipaccess(p, sip, fqdn, ok, port, port_text, where);
            xmlFree(fqdn);
            xmlFree(port_text);
        } else {
            mcx_parse_finding(p, "AD-019", "Element <%s> at %s inside <%s> is not Link or SipAccess; "
                              "ignored", (const char *)c->name, where, (const char *)kind->name);
        }
    }
}

static int mcx_xml_autodiscover(mcx_parse *p, const xmlNode *root)
{
    char where[32];
    mcx_xml_where(root, where, sizeof where);
    char *access = mcx_xml_attr(root, "AccessLocation");
    p->doc->has_access_location = 0;
    if (!access)
        mcx_parse_finding(p, "AD-009", "AutodiscoverResponse at %s has no AccessLocation attribute",
                          where);
    else
        mcx_parse_access(p, access, where);
    xmlFree(access);

    const xmlNode *kind = NULL;
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        mcx_ad_kind k;
        mcx_xml_where(c, where, sizeof where);
        if (!mcx_parse_kind_name((const char *)c->name, &k) ||
            strcmp((const char *)c->name, mcx_ad_kind_name(k)) != 0) {
            mcx_parse_finding(p, "AD-019", "Element <%s> at %s inside AutodiscoverResponse is not "
                              "Root, Domain or User; ignored", (const char *)c->name, where);
        } else if (kind) {
            mcx_parse_finding(p, "AD-012", "Second resource element <%s> at %s; only <%s> is used",
                              (const char *)c->name, where, (const char *)kind->name);
        } else {
            kind = c;
            p->doc->kind = k;
        }
    }
    if (!kind) {
        mcx_parse_finding(p, "AD-011", "AutodiscoverResponse has no Root, Domain or User element");
        return -1;
    }
    mcx_xml_kind(p, kind);
    return 0;
}

static int mcx_xml_ucwa(mcx_parse *p, const xmlNode *root)
{
    char where[32];
    p->doc->has_access_location = 0;
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (!mcx_xml_is(c, "link"))
            continue; /* <property>, <embedded>: not part of the model */
        mcx_xml_where(c, where, sizeof where);
        char *rel = mcx_xml_attr(c, "rel");
        char *href = mcx_xml_attr(c, "href");
        mcx_parse_link(p, rel ? mcx_parse_rel_token(rel, href) : NULL, href, where);
        xmlFree(rel);
        xmlFree(href);
    }
    char *rel = mcx_xml_attr(root, "rel");
    mcx_parse_ucwa_kind(p, rel);
    xmlFree(rel);
    return 0;
}

static int mcx_parse_xml(mcx_parse *p, const char *body, size_t len)
{
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    xmlSAXVersion(&sax, 2);
    sax.internalSubset = mcx_xml_internal_subset;
    sax.startElementNs = mcx_xml_start;
    sax.endElementNs = mcx_xml_end;
    sax.serror = mcx_xml_error;

    mcx_xml_state st;
    memset(&st, 0, sizeof st);
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
    if (!ctxt) {
        mcx_parse_finding(p, "AD-000", "cannot create an XML parser");
        return -1;
    }
    ctxt->_private = &st;
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOWARNING);
    xmlParseChunk(ctxt, body, (int)len, 0);
    int errored_before_end = st.errored;
    if (!st.doctype)
        xmlParseChunk(ctxt, NULL, 0, 1);
    xmlDocPtr doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    int well_formed = ctxt->wellFormed && !st.errored;
    xmlFreeParserCtxt(ctxt);

    int rc = -1;
    if (st.doctype) {
        mcx_parse_finding(p, "AD-007", "The XML body declares a DOCTYPE; refused without "
                          "reading it (entities are never expanded)");
    } else if (!well_formed && !errored_before_end && st.depth > 0) {
        mcx_parse_finding(p, "AD-005", "The XML body ends with %d element(s) still open",
                          st.depth);
    } else if (!well_formed || !doc) {
        mcx_parse_finding(p, "AD-006", "XML not well-formed at line %d column %d: %s", st.line,
                          st.column, st.errored ? st.message : "no document element");
    } else {
        const xmlNode *root = xmlDocGetRootElement(doc);
        if (mcx_xml_is(root, "AutodiscoverResponse")) {
            rc = mcx_xml_autodiscover(p, root);
        } else if (mcx_xml_is(root, "resource")) {
            rc = mcx_xml_ucwa(p, root);
        } else {
            mcx_parse_finding(p, "AD-008", "Document element is <%s>, expected "
                              "<AutodiscoverResponse>", root ? (const char *)root->name : "");
        }
    }
    xmlFreeDoc(doc);
    return rc;
}

/* ---- JSON --------------------------------------------------------------- */

/* Case-insensitive member lookup (Exchange reads keys that way). */
static json_t *mcx_json_get(json_t *obj, const char *key)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (strcasecmp(k, key) == 0)
            return v;
    }
    return NULL;
}

static const char *mcx_json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

static void mcx_json_link(mcx_parse *p, json_t *l, const char *where)
{
    if (!json_is_object(l)) {
        mcx_parse_finding(p, "AD-019", "%s is %s, not a link object; ignored", where,
                          mcx_json_type_name(l));
        return;
    }
    json_t *token = NULL, *href = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(l, k, v) {
        if (strcasecmp(k, "token") == 0)
            token = v;
        else if (strcasecmp(k, "href") == 0)
            href = v;
        else
            mcx_parse_finding(p, "AD-019", "Member \"%s\" of %s is not href or token; ignored", k,
                              where);
    }
    mcx_parse_link(p, json_is_string(token) ? json_string_value(token) : NULL,
                   json_is_string(href) ? json_string_value(href) : NULL, where);
}

static void mcx_json_sipaccess(mcx_parse *p, const char *name, json_t *s, const char *where)
{
    if (!json_is_object(s)) {
        mcx_parse_finding(p, "AD-017", "%s at %s is %s, expected {\"fqdn\":..,\"port\":..}", name,
                          where, mcx_json_type_name(s));
        return;
    }
    json_t *fqdn = mcx_json_get(s, "fqdn");
    json_t *port = mcx_json_get(s, "port");
    char port_text[32] = "(missing)";
    int ok = 0, value = 0;
    if (json_is_integer(port)) {
        json_int_t n = json_integer_value(port);
        snprintf(port_text, sizeof port_text, "%" JSON_INTEGER_FORMAT, n);
        ok = n >= 1 && n <= 65535;
        value = ok ? (int)n : 0;
    } else if (port) {
        snprintf(port_text, sizeof port_text, "(%s)", mcx_json_type_name(port));
    }
    mcx_parse_sipaccess(p, name, json_is_string(fqdn) ? json_string_value(fqdn) : NULL, ok,
                        value, port_text, where);
}

static void mcx_json_kind(mcx_parse *p, const char *kind_key, json_t *kind)
{
    char where[160];
    const char *k;
    json_t *v;
    json_object_foreach(kind, k, v) {
        const char *sip = mcx_parse_sipaccess_name(k);
        snprintf(where, sizeof where, "%s.%s", kind_key, k);
        if (strcasecmp(k, "Links") == 0) {
            if (json_is_array(v)) {
                size_t i;
                json_t *l;
                json_array_foreach(v, i, l) {
                    snprintf(where, sizeof where, "%s.%s[%zu]", kind_key, k, i);
                    mcx_json_link(p, l, where);
                }
            } else if (json_is_object(v)) {
                mcx_parse_finding(p, "AD-021", "%s is a single object; read as a one-link array",
                                  where);
                mcx_json_link(p, v, where);
            } else {
                mcx_parse_finding(p, "AD-019", "%s is %s, expected an array of links; ignored",
                                  where, mcx_json_type_name(v));
            }
        } else if (sip) {
            mcx_json_sipaccess(p, sip, v, where);
        } else {
            mcx_parse_finding(p, "AD-019", "Member \"%s\" of %s is not Links or SipAccess; ignored",
                              k, kind_key);
        }
    }
}

static int mcx_json_datacontract(mcx_parse *p, json_t *top)
{
    const char *kind_key = NULL;
    json_t *kind = NULL;
    int has_access = 0;
    const char *k;
    json_t *v;
    p->doc->has_access_location = 0;
    json_object_foreach(top, k, v) {
        mcx_ad_kind kd;
        if (strcasecmp(k, "AccessLocation") == 0) {
            has_access = 1;
            if (json_is_string(v))
                mcx_parse_access(p, json_string_value(v), "AccessLocation");
            else
                mcx_parse_finding(p, "AD-010", "AccessLocation is %s, expected \"Internal\" or "
                                  "\"External\"", mcx_json_type_name(v));
        } else if (mcx_parse_kind_name(k, &kd)) {
            if (!json_is_object(v)) {
                mcx_parse_finding(p, "AD-008", "Member \"%s\" is %s, expected an object", k,
                                  mcx_json_type_name(v));
                return -1;
            }
            if (kind) {
                mcx_parse_finding(p, "AD-012", "Second resource member \"%s\"; only \"%s\" is used",
                                  k, kind_key);
                continue;
            }
            kind_key = k;
            kind = v;
            p->doc->kind = kd;
        } else {
            mcx_parse_finding(p, "AD-019", "Top-level member \"%s\" is not AccessLocation, Root, "
                              "Domain or User; ignored", k);
        }
    }
    if (!kind && !has_access) {
        mcx_parse_finding(p, "AD-008", "JSON object has neither AccessLocation nor Root, Domain "
                          "or User: not an Autodiscover document");
        return -1;
    }
    if (!has_access)
        mcx_parse_finding(p, "AD-009", "JSON document has no AccessLocation member");
    if (!kind) {
        mcx_parse_finding(p, "AD-011", "JSON document has no Root, Domain or User member");
        return -1;
    }
    mcx_json_kind(p, kind_key, kind);
    return 0;
}

static int mcx_json_ucwa(mcx_parse *p, json_t *top, json_t *links)
{
    char where[160];
    const char *rel;
    json_t *v;
    p->doc->has_access_location = 0;
    if (!json_is_object(links)) {
        mcx_parse_finding(p, "AD-008", "\"_links\" is %s, expected an object",
                          mcx_json_type_name(links));
        return -1;
    }
    json_object_foreach(links, rel, v) {
        snprintf(where, sizeof where, "_links.%s", rel);
        json_t *href = json_is_object(v) ? mcx_json_get(v, "href") : NULL;
        const char *h = json_is_string(href) ? json_string_value(href) : NULL;
        mcx_parse_link(p, mcx_parse_rel_token(rel, h), h, where);
    }
    json_t *top_rel = mcx_json_get(top, "rel");
    mcx_parse_ucwa_kind(p, json_is_string(top_rel) ? json_string_value(top_rel) : NULL);
    return 0;
}

static int mcx_parse_json(mcx_parse *p, const char *body, size_t len)
{
    json_error_t err;
    json_t *top = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!top) {
        if (json_error_code(&err) == json_error_premature_end_of_input)
            mcx_parse_finding(p, "AD-005", "The JSON body ends before the document is complete "
                              "(byte offset %d): %s", err.position, err.text);
        else
            mcx_parse_finding(p, "AD-006", "JSON not well-formed at line %d column %d (byte "
                              "offset %d): %s", err.line, err.column, err.position, err.text);
        return -1;
    }
    int rc;
    if (!json_is_object(top)) {
        mcx_parse_finding(p, "AD-008", "JSON document is %s, expected an object",
                          mcx_json_type_name(top));
        rc = -1;
    } else {
        json_t *links = mcx_json_get(top, "_links");
        rc = links ? mcx_json_ucwa(p, top, links) : mcx_json_datacontract(p, top);
    }
    json_decref(top);
    return rc;
}

/* ---- entry point -------------------------------------------------------- */

typedef enum { MCX_BODY_XML, MCX_BODY_JSON, MCX_BODY_SNIFF, MCX_BODY_WRONG } mcx_body_kind;

/* Media type of a Content-Type value; sets *version_bad when a vendor type
 * carries v other than 1. */
static mcx_body_kind mcx_parse_content_type(const char *ct, int *version_bad, char *media,
                                            size_t media_len)
{
    *version_bad = 0;
    media[0] = '\0';
    if (!ct)
        return MCX_BODY_SNIFF;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    snprintf(media, media_len, "%.*s", (int)n, ct);
    int vendor = 0;
    mcx_body_kind kind = MCX_BODY_WRONG;
    if (strcasecmp(media, "application/vnd.microsoft.rtc.autodiscover+xml") == 0) {
        vendor = 1;
        kind = MCX_BODY_XML;
    } else if (strcasecmp(media, "application/vnd.microsoft.rtc.autodiscover+json") == 0) {
        vendor = 1;
        kind = MCX_BODY_JSON;
    } else if (strcasecmp(media, "application/xml") == 0 || strcasecmp(media, "text/xml") == 0 ||
               strcasecmp(media, "application/vnd.microsoft.com.ucwa+xml") == 0) {
        kind = MCX_BODY_XML;
    } else if (strcasecmp(media, "application/json") == 0) {
        kind = MCX_BODY_JSON;
    }
    if (vendor) {
        /* Parameters: look for v=<value> (whitespace tolerated). */
        const char *q = ct + strcspn(ct, ";");
        while (*q == ';') {
            q++;
            while (*q == ' ' || *q == '\t')
                q++;
            size_t plen = strcspn(q, ";");
            if (plen >= 2 && (q[0] == 'v' || q[0] == 'V')) {
                const char *e = q + 1;
                while (*e == ' ' || *e == '\t')
                    e++;
                if (*e == '=') {
                    e++;
                    while (*e == ' ' || *e == '\t')
                        e++;
                    size_t vlen = strcspn(e, "; \t");
                    if (!(vlen == 1 && e[0] == '1') && !(vlen == 3 && strncmp(e, "\"1\"", 3) == 0))
                        *version_bad = 1;
                }
            }
            q += plen;
        }
    }
    return kind;
}

int mcx_ad_parse(const char *content_type, const char *body, size_t len, mcx_ad_doc *out,
                 mcx_report *rep, const char *url)
{
    mcx_parse p = {rep, url, out};
    if (!out)
        return -1;
    mcx_ad_doc_init(out, MCX_AD_ROOT, MCX_ACCESS_EXTERNAL);
    out->has_access_location = 0;
    if (!body)
        len = 0;

    int version_bad;
    char media[128];
    mcx_body_kind kind = mcx_parse_content_type(content_type, &version_bad, media, sizeof media);
    if (kind == MCX_BODY_WRONG) {
        mcx_parse_finding(&p, "AD-001", "Content-Type is \"%s\", not an Autodiscover "
                          "representation", content_type);
        return -1;
    }
    if (version_bad)
        mcx_parse_finding(&p, "AD-022", "Content-Type \"%s\" is not version v=1", content_type);
    if (len > MCX_AD_PARSE_MAX_BODY) {
        mcx_parse_finding(&p, "AD-002", "Body is %zu bytes, the limit is %d", len,
                          MCX_AD_PARSE_MAX_BODY);
        return -1;
    }
    size_t start = 0;
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
        start = 3; /* UTF-8 byte order mark */
    while (start < len && (body[start] == ' ' || body[start] == '\t' || body[start] == '\r' ||
                           body[start] == '\n'))
        start++;
    if (start == len) {
        mcx_parse_finding(&p, "AD-003", "Body is empty (%zu bytes: whitespace or a byte order mark only)", len);
        return -1;
    }
    size_t bad = mcx_parse_utf8_check((const unsigned char *)body, len);
    if (bad < len) {
        mcx_parse_finding(&p, "AD-004", "Invalid UTF-8 at byte offset %zu (byte 0x%02X)", bad,
                          (unsigned)(unsigned char)body[bad]);
        return -1;
    }
    const char *nul = memchr(body, '\0', len);
    if (nul) { /* neither XML nor JSON allows a raw NUL; jansson would stop there */
        mcx_parse_finding(&p, "AD-006", "NUL byte at byte offset %zu", (size_t)(nul - body));
        return -1;
    }
    if (kind == MCX_BODY_SNIFF)
        kind = body[start] == '<' ? MCX_BODY_XML : MCX_BODY_JSON;
    int rc = kind == MCX_BODY_XML ? mcx_parse_xml(&p, body, len) : mcx_parse_json(&p, body, len);
    if (rc != 0)
        mcx_ad_doc_clear(out);
    return rc;
}
