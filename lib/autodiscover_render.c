/*
 * autodiscover_render.c -- rendering an mcx_ad_doc in the three
 * representations (protocol.md §3), deterministically: the same document
 * always gives the same bytes.
 *
 * Owns: the byte layout of each representation. Does not own: which links a
 * document holds (refimpl) nor content negotiation (autodiscover_negotiate.c).
 *
 * XML (application/vnd.microsoft.rtc.autodiscover+xml; v=1), built with the
 * libxml2 text writer, two-space indentation, trailing newline:
 *   <?xml version="1.0" encoding="utf-8"?>
 *   <AutodiscoverResponse xmlns:xsd=".." xmlns:xsi=".." AccessLocation="..">
 *     <Root|Domain|User> SipAccess elements (fqdn, port) then Link elements
 *     (token, href), each in document order.
 *
 * JSON DataContract (application/vnd.microsoft.rtc.autodiscover+json; v=1),
 * jansson with JSON_PRESERVE_ORDER | JSON_INDENT(2), trailing newline:
 *   {"AccessLocation": "External", "Root": {"Links": [{"href":..,"token":..}]}}
 * How SipAccess elements appear in this form is not documented (protocol.md
 * Q5). Our choice: one member per element inside the kind object, named as
 * the XML element, before "Links":
 *   "SipClientInternalAccess": {"fqdn": "..", "port": 5061}
 * An absent AccessLocation is omitted; "Links" is always an array.
 *
 * UCWA (application/json), same jansson flags: {"_links": {rel: {"href":..}}}.
 * Token -> rel mapping (protocol.md §3.4 relations):
 *   Self -> self, Redirect -> redirect, XFrame -> xframe, Ucwa -> applications,
 *   OAuth -> user; User -> user only when the document has no OAuth link (a
 *   Lync 2010 document). Tokens without a UCWA relation (Domain,
 *   Internal/..., External/..., unknown ones), SipAccess entries, the kind and
 *   AccessLocation are not representable and are omitted. Members appear in
 *   the order of the document's links.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include <libxml/xmlwriter.h>
#include "mcx/autodiscover.h"

#define MCX_RENDER_JSON_FLAGS (JSON_PRESERVE_ORDER | JSON_INDENT(2))
#define MCX_RENDER_XML_DECL "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"

static int mcx_render_xml(const mcx_ad_doc *d, char **out, size_t *outlen)
{
    xmlBufferPtr buf = xmlBufferCreate();
    if (!buf)
        return -1;
    xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);
    if (!w) {
        xmlBufferFree(buf);
        return -1;
    }
    int rc = 0;
    char port[16];
    rc |= xmlTextWriterSetIndent(w, 1) < 0;
    rc |= xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0;
    /* libxml2 would spell the encoding "UTF-8"; observed documents use the
     * lower-case declaration, a fixed string with nothing to escape. */
    rc |= xmlTextWriterWriteRaw(w, BAD_CAST MCX_RENDER_XML_DECL) < 0;
    rc |= xmlTextWriterStartElement(w, BAD_CAST "AutodiscoverResponse") < 0;
    rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns:xsd",
                                      BAD_CAST "http://www.w3.org/2001/XMLSchema") < 0;
    rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns:xsi",
                                      BAD_CAST "http://www.w3.org/2001/XMLSchema-instance") < 0;
    if (d->has_access_location)
        rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "AccessLocation",
                                          BAD_CAST mcx_ad_access_name(d->access_location)) < 0;
    rc |= xmlTextWriterStartElement(w, BAD_CAST mcx_ad_kind_name(d->kind)) < 0;
    for (size_t i = 0; i < d->nsipaccess && !rc; i++) {
        const mcx_ad_sipaccess *s = &d->sipaccess[i];
        snprintf(port, sizeof port, "%d", s->port);
        rc |= xmlTextWriterStartElement(w, BAD_CAST s->name) < 0;
        rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "fqdn", BAD_CAST s->fqdn) < 0;
        rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "port", BAD_CAST port) < 0;
        rc |= xmlTextWriterEndElement(w) < 0;
    }
    for (size_t i = 0; i < d->nlinks && !rc; i++) {
        rc |= xmlTextWriterStartElement(w, BAD_CAST "Link") < 0;
        rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "token", BAD_CAST d->links[i].token) < 0;
        rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST d->links[i].href) < 0;
        rc |= xmlTextWriterEndElement(w) < 0;
    }
    if (!rc)
        rc |= xmlTextWriterEndDocument(w) < 0; /* closes the open elements */
    xmlFreeTextWriter(w);                      /* flushes into buf */
    if (!rc) {
        size_t n = (size_t)xmlBufferLength(buf);
        *out = malloc(n + 1);
        if (*out) {
            memcpy(*out, xmlBufferContent(buf), n);
            (*out)[n] = '\0';
            *outlen = n;
        } else {
            rc = 1;
        }
    }
    xmlBufferFree(buf);
    return rc ? -1 : 0;
}

/* jansson json_set_new helpers that turn allocation failure into -1. */
static int mcx_render_set(json_t *obj, const char *key, json_t *value)
{
    return value ? json_object_set_new(obj, key, value) : -1;
}

static json_t *mcx_render_datacontract(const mcx_ad_doc *d)
{
    json_t *root = json_object();
    json_t *kind = json_object();
    json_t *links = json_array();
    int rc = (!root || !kind || !links) ? -1 : 0;
    if (!rc && d->has_access_location)
        rc |= mcx_render_set(root, "AccessLocation",
                             json_string(mcx_ad_access_name(d->access_location)));
    for (size_t i = 0; i < d->nsipaccess && !rc; i++) {
        json_t *s = json_object();
        rc |= s ? 0 : -1;
        if (!rc) {
            rc |= mcx_render_set(s, "fqdn", json_string(d->sipaccess[i].fqdn));
            rc |= mcx_render_set(s, "port", json_integer(d->sipaccess[i].port));
            rc |= json_object_set_new(kind, d->sipaccess[i].name, s);
        }
    }
    for (size_t i = 0; i < d->nlinks && !rc; i++) {
        json_t *l = json_object();
        rc |= l ? 0 : -1;
        if (!rc) {
            rc |= mcx_render_set(l, "href", json_string(d->links[i].href));
            rc |= mcx_render_set(l, "token", json_string(d->links[i].token));
            rc |= json_array_append_new(links, l);
        }
    }
    if (!rc) {
        rc |= json_object_set_new(kind, "Links", links);
        links = NULL;
        rc |= json_object_set_new(root, mcx_ad_kind_name(d->kind), kind);
        kind = NULL;
    }
    json_decref(links);
    json_decref(kind);
    if (rc) {
        json_decref(root);
        return NULL;
    }
    return root;
}

/* The UCWA relation for a token, or NULL when it has none (see top). */
static const char *mcx_render_ucwa_rel(const mcx_ad_doc *d, const char *token)
{
    if (strcasecmp(token, "Self") == 0)
        return "self";
    if (strcasecmp(token, "Redirect") == 0)
        return "redirect";
    if (strcasecmp(token, "XFrame") == 0)
        return "xframe";
    if (strcasecmp(token, "Ucwa") == 0)
        return "applications";
    if (strcasecmp(token, "OAuth") == 0)
        return "user";
    if (strcasecmp(token, "User") == 0 && !mcx_ad_find_link(d, "OAuth"))
        return "user";
    return NULL;
}

static json_t *mcx_render_ucwa(const mcx_ad_doc *d)
{
    json_t *root = json_object();
    json_t *links = json_object();
    int rc = (!root || !links) ? -1 : 0;
    for (size_t i = 0; i < d->nlinks && !rc; i++) {
        const char *rel = mcx_render_ucwa_rel(d, d->links[i].token);
        if (!rel || json_object_get(links, rel))
            continue; /* not representable, or a duplicate: first one wins */
        json_t *l = json_object();
        rc |= l ? 0 : -1;
        if (!rc) {
            rc |= mcx_render_set(l, "href", json_string(d->links[i].href));
            rc |= json_object_set_new(links, rel, l);
        }
    }
    if (!rc) {
        rc |= json_object_set_new(root, "_links", links);
        links = NULL;
    }
    json_decref(links);
    if (rc) {
        json_decref(root);
        return NULL;
    }
    return root;
}

static int mcx_render_dump(json_t *j, char **out, size_t *outlen)
{
    if (!j)
        return -1;
    char *s = json_dumps(j, MCX_RENDER_JSON_FLAGS);
    json_decref(j);
    if (!s)
        return -1;
    size_t n = strlen(s);
    char *buf = malloc(n + 2);
    if (!buf) {
        free(s);
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\n';
    buf[n + 1] = '\0';
    free(s);
    *out = buf;
    *outlen = n + 1;
    return 0;
}

int mcx_ad_render(const mcx_ad_doc *d, mcx_repr r, char **out, size_t *outlen)
{
    if (!d || !out || !outlen)
        return -1;
    *out = NULL;
    *outlen = 0;
    for (size_t i = 0; i < d->nlinks; i++)
        if (!d->links[i].token || !d->links[i].href)
            return -1;
    for (size_t i = 0; i < d->nsipaccess; i++)
        if (!d->sipaccess[i].name || !d->sipaccess[i].fqdn)
            return -1;
    switch (r) {
    case MCX_REPR_XML:
        return mcx_render_xml(d, out, outlen);
    case MCX_REPR_JSON:
        return mcx_render_dump(mcx_render_datacontract(d), out, outlen);
    case MCX_REPR_UCWA:
        return mcx_render_dump(mcx_render_ucwa(d), out, outlen);
    }
    return -1;
}
