/*
 * catalogue_ad.c -- catalogue entries for Autodiscover documents and HTTP behaviour.
 * Owns: the AD- rows of the check catalogue (ID, level, title, source,
 * default remediation, description). Does not own: the code that raises them
 * (AD-001..AD-022: lib/autodiscover_parse.c; AD-030..AD-042:
 * lib/autodiscover_validate.c).
 */
#include "catalogue_tables.h"

#define MCX_SRC_FORMAT "MS-OCDISCWS 2.2.4 (via protocol.md §3.1)"
#define MCX_SRC_TOKENS "MS-OCDISCWS 2.2.5.5 (via protocol.md §3.2)"
#define MCX_SRC_CTYPE "MS-OCDISCWS 2.2.4 (via protocol.md §2.4)"
#define MCX_SRC_ROOT "MS-OCDISCWS 3.1.5.2 (via protocol.md §2.2)"

const mcx_check mcx_catalogue_ad[] = {
    {"AD-000", MCX_LEVEL_ERROR, "Internal error", "mcxlab",
     "Report this as a bug with the input that caused it.",
     "An internal error in mcxcheck; never a finding about the target."},

    /* Parsing a received document (autodiscover_parse.c). */
    {"AD-001", MCX_LEVEL_ERROR, "Wrong content type for an Autodiscover response",
     MCX_SRC_CTYPE,
     "Serve the document as application/vnd.microsoft.rtc.autodiscover+xml; v=1, "
     "application/vnd.microsoft.rtc.autodiscover+json; v=1 or application/json; an HTML "
     "page usually means the reverse proxy published the wrong site.",
     "The Content-Type is not one of the Autodiscover representations, so clients such "
     "as pidgin-sipe treat the URL as failed."},
    {"AD-002", MCX_LEVEL_ERROR, "Autodiscover body too large", MCX_SRC_FORMAT,
     "An Autodiscover document is a few kilobytes; check what the server or proxy returns "
     "at this URL.",
     "Bodies over 1 MiB are not parsed."},
    {"AD-003", MCX_LEVEL_ERROR, "Empty Autodiscover body", MCX_SRC_ROOT,
     "Return a 200 with an AutodiscoverResponse document.",
     "A 200 response to an Autodiscover resource must carry a document."},
    {"AD-004", MCX_LEVEL_ERROR, "Body is not valid UTF-8", MCX_SRC_FORMAT,
     "Encode the document as UTF-8, as its XML declaration says.",
     "The body contains a byte sequence that is not UTF-8 (the offset is given)."},
    {"AD-005", MCX_LEVEL_ERROR, "Autodiscover body truncated", MCX_SRC_FORMAT,
     "Check Content-Length and any proxy that buffers or rewrites the response.",
     "The document was well-formed up to the end of the body but incomplete."},
    {"AD-006", MCX_LEVEL_ERROR, "Autodiscover body not well-formed", MCX_SRC_FORMAT,
     "Serve a well-formed XML or JSON document.",
     "The XML or JSON parser rejected the body (line and column are given)."},
    {"AD-007", MCX_LEVEL_ERROR, "DOCTYPE or entity declaration in response", MCX_SRC_FORMAT,
     "Remove the DOCTYPE; Autodiscover documents never declare a DTD or entities.",
     "DTDs and entities are refused (external entity and entity expansion attacks)."},
    {"AD-008", MCX_LEVEL_ERROR, "Wrong document element", MCX_SRC_FORMAT,
     "The document element must be AutodiscoverResponse (XML), an object with a "
     "Root/Domain/User member (+json) or an object with _links (application/json).",
     "The body parsed but is not an Autodiscover document."},
    {"AD-009", MCX_LEVEL_ERROR, "AccessLocation missing", MCX_SRC_FORMAT,
     "Add AccessLocation=\"Internal\" or \"External\" according to the listener that "
     "received the request.",
     "AutodiscoverResponse carries AccessLocation; clients choose Internal/ or External/ "
     "links by it."},
    {"AD-010", MCX_LEVEL_ERROR, "AccessLocation has an invalid value", MCX_SRC_FORMAT,
     "Use exactly Internal or External.",
     "AccessLocation is Internal or External."},
    {"AD-011", MCX_LEVEL_ERROR, "No Root, Domain or User element", MCX_SRC_FORMAT,
     "AutodiscoverResponse must have exactly one child: Root, Domain or User.",
     "The document has no resource element, so no link can be used."},
    {"AD-012", MCX_LEVEL_ERROR, "Several Root, Domain or User elements", MCX_SRC_FORMAT,
     "Return exactly one of Root, Domain or User per response.",
     "AutodiscoverResponse has exactly one child; only the first one is used."},
    {"AD-013", MCX_LEVEL_ERROR, "Link without token", MCX_SRC_FORMAT,
     "Give every Link a non-empty token attribute.",
     "For every href there must be a token; the link is ignored."},
    {"AD-014", MCX_LEVEL_ERROR, "Link without href", MCX_SRC_FORMAT,
     "Give every Link an href attribute holding the absolute URL of the resource.",
     "For every token attribute there must be a corresponding href; the link is ignored."},
    {"AD-015", MCX_LEVEL_ERROR, "Link with empty href", MCX_SRC_FORMAT,
     "Set the href to the absolute URL of the resource.",
     "An empty href cannot be followed; the link is ignored."},
    {"AD-016", MCX_LEVEL_WARNING, "Duplicate link token", MCX_SRC_TOKENS,
     "List each token once.",
     "Tokens are compared case-insensitively; only the first of duplicates is kept."},
    {"AD-017", MCX_LEVEL_ERROR, "SipAccess entry with bad fqdn or port", MCX_SRC_FORMAT,
     "Give the SipAccess element an fqdn and a port between 1 and 65535 (e.g. the "
     "pool's SIP client port 5061).",
     "SipAccess elements carry fqdn and port attributes; a bad port is stored as 0."},
    {"AD-018", MCX_LEVEL_INFO, "Unknown link token", MCX_SRC_TOKENS,
     "None needed if the token is intended; clients ignore unknown tokens.",
     "The token is not in the token catalogue; it is kept."},
    {"AD-019", MCX_LEVEL_NOTICE, "Unknown element or member ignored", MCX_SRC_FORMAT,
     "Remove the element or member, or check its spelling.",
     "Elements and members other than Link and the four SipAccess names are ignored."},
    {"AD-020", MCX_LEVEL_WARNING, "Too many links or SipAccess entries", MCX_SRC_FORMAT,
     "Return at most 32 links and one entry per SipAccess element.",
     "Entries beyond the limits of the document model are ignored."},
    {"AD-021", MCX_LEVEL_NOTICE, "Links is a single object, not an array",
     "MS-OCDISCWS 2.2.4 (via protocol.md §2.4, Exchange client)",
     "Serialise Links as an array, even with one link.",
     "Tolerated (the Exchange client does), but other clients expect an array."},
    {"AD-022", MCX_LEVEL_WARNING, "Unexpected representation version", MCX_SRC_CTYPE,
     "Answer with v=1, the only version clients request.",
     "The vendor media type carries a v parameter other than 1."},

    /* Validating a document (autodiscover_validate.c). */
    {"AD-030", MCX_LEVEL_ERROR, "Redirect is not the only link", MCX_SRC_ROOT,
     "When redirecting, return a Root or User element holding only the Redirect link.",
     "A Redirect link must be the only Link of its Root or User element."},
    {"AD-031", MCX_LEVEL_ERROR, "Root lacks User or Domain link", MCX_SRC_ROOT,
     "Return Link token=\"User\" (.../root/user) and Link token=\"Domain\" "
     "(.../root/domain) in the Root element.",
     "A Root without Redirect must carry User and Domain links."},
    {"AD-032", MCX_LEVEL_WARNING, "Root lacks OAuth link (Lync 2013)", MCX_SRC_ROOT,
     "Return Link token=\"OAuth\" (.../root/oauth/user) in the Root element.",
     "Lync Server 2013 and later advertise the OAuth user resource in Root."},
    {"AD-033", MCX_LEVEL_ERROR, "href is not an absolute https URL", MCX_SRC_FORMAT,
     "Publish absolute https:// URLs for every link.",
     "Clients follow hrefs as given; a relative or plain http URL fails or leaks "
     "credentials."},
    {"AD-034", MCX_LEVEL_ERROR, "HTTP Root is not a single Redirect to https", MCX_SRC_ROOT,
     "Over HTTP, answer Root with one Link token=\"Redirect\" to the https Root URL.",
     "A Root requested over plain HTTP must redirect to the https Autodiscover Root."},
    {"AD-035", MCX_LEVEL_ERROR, "AccessLocation does not match the listener",
     "Technical Requirements for Mobility",
     "Requests through the reverse proxy (external web site, ports 8080/4443) must be "
     "answered External; requests on the internal web site Internal.",
     "AccessLocation reflects which web site received the request."},
    {"AD-036", MCX_LEVEL_ERROR, "Mobility Service URL not on the exposed web FQDN",
     "Technical Requirements for Mobility",
     "Set-CsMcxConfiguration -ExposedWebUrl External, and publish "
     "https://<external web FQDN>/Mcx/McxService.svc.",
     "Internal/Mcx and External/Mcx both point at the external web services FQDN of the "
     "pool (internal FQDN only with ExposedWebUrl Internal)."},
    {"AD-037", MCX_LEVEL_ERROR, "Mobility Service URL has the wrong path", "Website Requirements",
     "Use the path /Mcx/McxService.svc.",
     "The Mobility Service is published at /Mcx/McxService.svc."},
    {"AD-038", MCX_LEVEL_WARNING, "SipClient access entry missing", MCX_SRC_FORMAT,
     "Add SipClientInternalAccess and SipClientExternalAccess (fqdn, port) to the User "
     "element.",
     "User documents tell clients which SIP FQDN and port to use by location."},
    {"AD-039", MCX_LEVEL_ERROR, "No usable SipClient entry for this AccessLocation",
     MCX_SRC_FORMAT,
     "Add the SipClient<AccessLocation>Access element with the access FQDN and a non-zero "
     "port.",
     "The entry matching AccessLocation must exist with a non-zero port."},
    {"AD-040", MCX_LEVEL_NOTICE, "href host unknown to the topology", "Website Requirements",
     "Publish links on the pools' internal/external web FQDNs (or the online "
     "Autodiscover URL for split-domain users).",
     "Every href host should be a web FQDN of a pool, the reverse proxy, the "
     "lyncdiscover names or the online Autodiscover host."},
    {"AD-041", MCX_LEVEL_WARNING, "Mobility Service links missing",
     "Technical Requirements for Mobility",
     "Install the November 2011 cumulative update (McxStandalone.msi) and return "
     "Internal/Mcx and External/Mcx in the User element.",
     "A Lync 2010 mobile client needs Internal/Mcx and External/Mcx in the User document."},
    {"AD-042", MCX_LEVEL_ERROR, "Unusable document", MCX_SRC_FORMAT,
     "Return a Root, Domain or User element with at least one Link.",
     "A Root or User document without any usable link gives the client nothing to follow."},
};
const size_t mcx_catalogue_ad_count = sizeof mcx_catalogue_ad / sizeof mcx_catalogue_ad[0];
