/*
 * catalogue_ds.c -- catalogue entries for the client discovery trace
 * (`mcxcheck discover`): DS- discovery algorithm, AU- authentication of the
 * User resource, NET- could not test.
 * Owns: those rows of the check catalogue (ID, level, title, source,
 * default remediation, description). Does not own: the code that raises
 * them (conformance/discover_algorithm.c, conformance/discover_auth.c).
 */
#include "catalogue_tables.h"

const mcx_check mcx_catalogue_ds[] = {
    {"DS-000", MCX_LEVEL_ERROR, "Internal error", "mcxlab",
     "Report this as a bug with the input that caused it.",
     "An internal error in mcxcheck; never a finding about the target."},
    {"DS-001", MCX_LEVEL_ERROR, "Internal Autodiscover name unusable from the internal network",
     "Lync 2010 Planning, Deploying, and Monitoring Mobility: DNS Requirements",
     "Create the internal DNS record lyncdiscoverinternal.<sipdomain> (CNAME to the internal "
     "web services FQDN of the Director pool, else the Front End pool, or an A record to its "
     "internal web VIP), and make sure the internal web site answers on 443.",
     "From the internal vantage a device first asks lyncdiscoverinternal.<sipdomain>; when "
     "that name does not resolve or answer, internal devices fall back to the external name "
     "or fail."},
    {"DS-002", MCX_LEVEL_ERROR, "External Autodiscover name unusable",
     "Lync 2010 Planning, Deploying, and Monitoring Mobility: DNS Requirements",
     "Create the external DNS record lyncdiscover.<sipdomain> (CNAME to the external web "
     "services FQDN, or an A record to the reverse proxy) and publish it on the reverse "
     "proxy on 443 (and 80).",
     "Neither https nor http on lyncdiscover.<sipdomain> produced a usable Autodiscover Root "
     "document."},
    {"DS-003", MCX_LEVEL_NOTICE, "HTTPS first hop failed, HTTP first hop used",
     "Lync 2010 Planning, Deploying, and Monitoring Mobility: Certificate Requirements",
     "Add the Autodiscover name (lyncdiscover.<sipdomain> / lyncdiscoverinternal.<sipdomain>) "
     "as a subject alternative name to the certificate, or keep publishing the first "
     "request on HTTP port 80 deliberately.",
     "The https URL of an Autodiscover name failed (often a certificate without the "
     "lyncdiscover SAN) and discovery only worked through the plain HTTP first hop."},
    {"DS-004", MCX_LEVEL_ERROR, "Autodiscover answered with an HTTP redirect (3xx)",
     "MS-OCDISCWS 3.1.5.2 Root; protocol.md 2.6",
     "Answer plain HTTP with 200 and a single body Redirect link to the https Root; do not "
     "let the reverse proxy turn lyncdiscover requests into 301/302 redirects.",
     "Lync clients do not follow HTTP 3xx on Autodiscover requests; redirection must be in "
     "the response body (Link token Redirect)."},
    {"DS-005", MCX_LEVEL_ERROR, "Autodiscover URL answered with an unexpected status",
     "MS-OCDISCWS 3.1.5.2 Root",
     "Make the Autodiscover Root answer 200 on this URL (check the web publishing rule and "
     "the Autodiscover virtual directory).",
     "A Root request must answer 200; any other status makes the client try the next URL."},
    {"DS-006", MCX_LEVEL_ERROR, "Autodiscover answered with the wrong content type",
     "MS-OCDISCWS 2.2; protocol.md 2.4",
     "Serve Autodiscover documents as application/vnd.microsoft.rtc.autodiscover+xml; v=1 "
     "(or the +json type when asked for JSON); an HTML error page means the request did not "
     "reach the Autodiscover service.",
     "Clients accept a 200 only when its Content-Type is the Autodiscover media type they "
     "asked for."},
    {"DS-007", MCX_LEVEL_ERROR, "Autodiscover document unusable",
     "MS-OCDISCWS 3.1.5.2 Root, 3.1.5.3 User",
     "Return a Root with a User link (or a single Redirect), and a User document with the "
     "links and SIP access entries for the user.",
     "The document could not be parsed or holds none of the links the client needs to "
     "continue."},
    {"DS-008", MCX_LEVEL_ERROR, "Redirect loop",
     "MS-OCDISCWS 3.1.5.2 Root; protocol.md 2.6",
     "Fix the Redirect hrefs so the chain ends at the user's home pool; a hop must never "
     "point back at a URL already visited.",
     "A body Redirect pointed at a URL the client had already requested in this discovery."},
    {"DS-009", MCX_LEVEL_ERROR, "Too many redirects",
     "protocol.md 2.6 (Exchange client aborts after 10)",
     "Shorten the Redirect chain (HTTP first hop, then at most one pool or hosting provider "
     "hop).",
     "The chain of body Redirects exceeded --max-redirects (default 10)."},
    {"DS-010", MCX_LEVEL_ERROR, "Redirect or link target unreachable",
     "MS-OCDISCWS 3.1.5.3 User; protocol.md 1 (split domain)",
     "Check the Redirect target: DNS and publishing of the home pool's web services, or the "
     "hosting provider's AutodiscoverUrl (Set-CsHostingProvider) for users homed online.",
     "A body Redirect (Root or User level), or the Root's User/OAuth link, pointed at a URL "
     "that failed."},
    {"DS-011", MCX_LEVEL_ERROR, "User unknown to Autodiscover (404)",
     "MS-OCDISCWS 3.1.5.3 User",
     "Enable the user for Lync Server (Enable-CsUser) and check the sign-in address.",
     "The User resource answered 404: the user's home pool is unknown."},
    {"DS-012", MCX_LEVEL_ERROR, "User document lacks the SIP access entry for its AccessLocation",
     "MS-OCDISCWS 3.2.1.3; protocol.md 4.2",
     "Publish SipClientInternalAccess / SipClientExternalAccess (fqdn and port) in the User "
     "document for the side the request came from.",
     "The client picks SipClientInternalAccess when AccessLocation is Internal and "
     "SipClientExternalAccess when it is External."},
    {"DS-013", MCX_LEVEL_ERROR, "User document lacks the Mcx link",
     "Lync 2010 Planning, Deploying, and Monitoring Mobility: Technical Requirements for Mobility",
     "Install the Mobility Service (Mcx) on the user's home pool and configure the "
     "Internal/Mcx and External/Mcx links.",
     "A Lync 2010 mobile client needs Internal/Mcx or External/Mcx (by AccessLocation) to "
     "sign in."},
    {"DS-014", MCX_LEVEL_ERROR, "Internal/Mcx does not use the external web services FQDN",
     "Lync 2010 Planning, Deploying, and Monitoring Mobility: Technical Requirements for Mobility",
     "Point Internal/Mcx at the external web services FQDN (the same host as External/Mcx) "
     "and allow hair-pinning through the reverse proxy, unless ExposedWebUrl is Internal.",
     "Mobile devices reach the Mobility Service through the reverse proxy even from inside, "
     "so Internal/Mcx and External/Mcx share the external web services FQDN."},
    {"DS-015", MCX_LEVEL_ERROR, "Autodiscover not found",
     "Lync 2010 Planning, Deploying, and Monitoring Mobility: Technical Requirements for Mobility",
     "Create the Autodiscover DNS records, certificate SANs and reverse proxy publishing "
     "rules described in the other findings.",
     "Every candidate Autodiscover URL failed; a mobile client cannot sign in."},
    {"DS-016", MCX_LEVEL_ERROR, "AccessLocation differs from the vantage point",
     "MS-OCDISCWS 2.2.5; protocol.md 1",
     "Make internal Autodiscover names resolve to the internal web site (80/443) and external "
     "names to the reverse proxy (which forwards to 8080/4443).",
     "The AccessLocation attribute says which web site answered; it should match --vantage."},
    {"AU-001", MCX_LEVEL_ERROR, "Credentials rejected",
     "MS-OCAUTHWS 3.2; protocol.md 2.7",
     "Check the user name and password, and that the account is not locked or throttled.",
     "The web ticket service, the OAuth token endpoint or the User resource refused the "
     "credentials given with --user / --password-file."},
    {"AU-002", MCX_LEVEL_ERROR, "Requested authentication method not offered",
     "MS-OCDISCWS 3.1.5.3 User; protocol.md 2.7",
     "Use the method the server offers (--auth auto), or enable the method on the server.",
     "The 401 from the User resource did not offer the method selected with --auth."},
    {"AU-003", MCX_LEVEL_ERROR, "401 without any usable authentication offer",
     "MS-OCDISCWS 3.1.5.3 User; protocol.md 2.7.1",
     "Send X-MS-WebTicketURL (Lync 2010) or a WWW-Authenticate MsRtcOAuth challenge "
     "(Lync 2013) with the 401 on the User resource.",
     "A 401 on the User resource must tell the client where to obtain a web ticket or token."},
    {"AU-004", MCX_LEVEL_ERROR, "Web ticket service metadata unusable",
     "MS-OCAUTHWS 3.2; protocol.md 2.7.1",
     "Publish the Web Ticket Service /mex metadata with a WebTicketServiceWinNegotiate port.",
     "GET <X-MS-WebTicketURL>/mex must return WSDL naming a port the client can use."},
    {"AU-005", MCX_LEVEL_ERROR, "Web ticket not issued",
     "MS-OCAUTHWS 3.2; protocol.md 2.7.1",
     "Make the Web Ticket Service answer the WS-Trust Issue request with a "
     "RequestSecurityTokenResponse holding a SAML Assertion.",
     "The WS-Trust response did not contain a SAML Assertion."},
    {"AU-006", MCX_LEVEL_ERROR, "Ticket or token not accepted by the User resource",
     "MS-OCDISCWS 3.1.5.3 User, 3.1.5.5 OAuth",
     "Make the User resource accept the web tickets / tokens its own pool issues (check "
     "signing certificates and clocks).",
     "After presenting a freshly issued credential the User resource still refused."},
    {"AU-007", MCX_LEVEL_ERROR, "OAuth token response unusable",
     "protocol.md 2.7.2",
     "Answer the password grant with JSON holding access_token (cwt=...) and token_type "
     "Bearer.",
     "The token endpoint's answer was not JSON with access_token and token_type Bearer."},
    {"AU-008", MCX_LEVEL_WARNING, "User resource answered without authentication",
     "MS-OCDISCWS 3.1.5.3 User",
     "Require a web ticket (or token) on the User resource: answer 401 without credentials.",
     "The User resource must answer 401 to a request that carries no credentials."},
    {"NET-001", MCX_LEVEL_ERROR, "Could not test: no Autodiscover server reached",
     "mcxlab",
     "Check the tester's network, --resolve / --connect-to entries and DNS; then run again.",
     "Every candidate URL failed before reaching a server (DNS resolution, TCP connect or "
     "timeout), so nothing about the deployment was tested; exit code 3."},
};
const size_t mcx_catalogue_ds_count = sizeof mcx_catalogue_ds / sizeof mcx_catalogue_ds[0];
