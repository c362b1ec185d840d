/*
 * autodiscover.h -- Autodiscover documents ([MS-OCDISCWS], protocol.md §3):
 * the in-memory form, rendering it in the three representations, and
 * parsing + validating what a server sent.
 *
 * Owns: mcx_ad_doc, render (XML AutodiscoverResponse, +json;v=1 DataContract,
 * application/json UCWA _links), parse (libxml2 / jansson, never byte
 * patterns), document validation findings (AD-*). Does not own: which links a
 * server puts in a document for a given topology and request (refimpl's
 * autodiscover_resources.c), nor HTTP.
 */
#ifndef MCX_AUTODISCOVER_H
#define MCX_AUTODISCOVER_H

#include <stddef.h>
#include "mcx/report.h"
#include "mcx/topology.h"

#define MCX_CT_AD_XML "application/vnd.microsoft.rtc.autodiscover+xml; v=1"
#define MCX_CT_AD_JSON "application/vnd.microsoft.rtc.autodiscover+json; v=1"
#define MCX_CT_UCWA_JSON "application/json"
#define MCX_ACCEPT_AD_XML "application/vnd.microsoft.rtc.autodiscover+xml;v=1"
#define MCX_ACCEPT_AD_JSON "application/vnd.microsoft.rtc.autodiscover+json;v=1"

typedef enum { MCX_REPR_XML = 0, MCX_REPR_JSON = 1, MCX_REPR_UCWA = 2 } mcx_repr;
typedef enum { MCX_AD_ROOT = 0, MCX_AD_DOMAIN = 1, MCX_AD_USER = 2 } mcx_ad_kind;

#define MCX_AD_MAX_LINKS 32
#define MCX_AD_MAX_SIPACCESS 4

typedef struct mcx_ad_link {
    char *token; /* e.g. "External/Mcx"; UCWA rel names map to tokens */
    char *href;
} mcx_ad_link;

typedef struct mcx_ad_sipaccess {
    char *name; /* SipServerInternalAccess, SipClientInternalAccess, ... */
    char *fqdn;
    int port;
} mcx_ad_sipaccess;

typedef struct mcx_ad_doc {
    mcx_ad_kind kind;
    int has_access_location;
    mcx_access access_location;
    mcx_ad_link links[MCX_AD_MAX_LINKS];
    size_t nlinks;
    mcx_ad_sipaccess sipaccess[MCX_AD_MAX_SIPACCESS];
    size_t nsipaccess;
} mcx_ad_doc;

void mcx_ad_doc_init(mcx_ad_doc *d, mcx_ad_kind kind, mcx_access access);
/* Copies token and href. Returns -1 when full. */
int mcx_ad_add_link(mcx_ad_doc *d, const char *token, const char *href);
int mcx_ad_add_sipaccess(mcx_ad_doc *d, const char *name, const char *fqdn, int port);
void mcx_ad_doc_clear(mcx_ad_doc *d);
/* Case-insensitive token lookup; NULL when absent. */
const mcx_ad_link *mcx_ad_find_link(const mcx_ad_doc *d, const char *token);
/* Case-insensitive SipAccess lookup by element name; NULL when absent. */
const mcx_ad_sipaccess *mcx_ad_find_sipaccess(const mcx_ad_doc *d, const char *name);
/* "Root" / "Domain" / "User" and "Internal" / "External" (the XML names). */
const char *mcx_ad_kind_name(mcx_ad_kind kind);
const char *mcx_ad_access_name(mcx_access access);

/* Representation chosen by an Accept header value (NULL = no header).
 * Returns 0 and sets *out, or -1 when nothing acceptable (the server answers
 * 406). Documented default for absent or the any-type wildcard: JSON
 * (+json;v=1), as the Lync 2013 documentation says the default format is
 * JSON. */
int mcx_ad_negotiate(const char *accept, mcx_repr *out);
const char *mcx_ad_content_type(mcx_repr r);

/* Render deterministically into a malloc'd buffer. Returns 0 or -1. */
int mcx_ad_render(const mcx_ad_doc *d, mcx_repr r, char **out, size_t *outlen);

/* Parse a received body. `content_type` selects the parser (NULL: sniff).
 * Oddities are added to `rep` as AD-* findings (with `url` as evidence);
 * returns 0 when a usable document was extracted, -1 otherwise (a finding
 * says why). Never reads beyond `len`; no network or external entities.
 * UCWA `_links` relations become tokens (self->Self, redirect->Redirect,
 * xframe->XFrame, applications->Ucwa, user->OAuth when its href has /oauth/,
 * else User); UCWA documents have has_access_location = 0. */
int mcx_ad_parse(const char *content_type, const char *body, size_t len, mcx_ad_doc *out,
                 mcx_report *rep, const char *url);

/* Validation context for topology-aware rules. */
typedef struct mcx_ad_expect {
    const mcx_topology *topo; /* may be NULL: topology rules skipped */
    int over_http;            /* request was plain HTTP: single Redirect to https */
    int expect_access;        /* -1 unknown, else mcx_access of the listener */
} mcx_ad_expect;

/* Structural and topology rules on a parsed document (single-Redirect rule,
 * token/href pairs, absolute https hrefs, Mcx on the external web FQDN unless
 * ExposedWebUrl=Internal, SipClient access entries, AccessLocation). */
void mcx_ad_validate(const mcx_ad_doc *d, const mcx_ad_expect *ex, mcx_report *rep,
                     const char *url);

#endif
