/*
 * catalogue_dp.c -- catalogue entries of `mcxcheck deployment`: findings
 * that only exist when DNS, certificates and the web service are looked at
 * together, per SIP domain and vantage (seed: "Technical Requirements for
 * Mobility", "DNS Requirements", "Certificate Requirements", "Website
 * Requirements").
 * Owns: the DP- rows of the check catalogue (ID, level, title, source,
 * default remediation, description). Does not own: the code that raises them
 * (conformance/deployment.c) nor the DNS-, CT- and AD- rows the deployment
 * check also raises through the modules that own them.
 */
#include "catalogue_tables.h"

#define DP_DNS_SRC "DNS Requirements"
#define DP_CERT_SRC "Certificate Requirements"
#define DP_WEB_SRC "Website Requirements"

const mcx_check mcx_catalogue_dp[] = {
    {"DP-000", MCX_LEVEL_ERROR, "Internal error", "mcxlab",
     "Report this as a bug with the input that caused it.",
     "An internal error in mcxcheck deployment; never a finding about the target."},
    {"DP-001", MCX_LEVEL_ERROR,
     "Cross-domain CNAME to a server whose certificate lacks the Autodiscover name",
     DP_DNS_SRC "; " DP_CERT_SRC,
     "On the reverse proxy, create a web publishing rule for port 80 (HTTP) for "
     "lyncdiscover.<sipdomain>; or replace the CNAME by an A record (or a CNAME to a name "
     "inside the SIP domain) that reaches a server whose certificate covers the name; or add "
     "the name as a SAN to the certificate the CNAME target presents.",
     "The Autodiscover name is a CNAME to another domain (DNS-007) and the certificate "
     "presented at the CNAME target, asked with SNI = the Autodiscover name as a phone "
     "does, does not cover that name: HTTPS fails, only the first request over HTTP on "
     "port 80 can work."},
    {"DP-002", MCX_LEVEL_NOTICE,
     "Cross-domain CNAME works only because the target's certificate carries the name",
     DP_DNS_SRC "; " DP_CERT_SRC,
     "Keep the Autodiscover name on the target's certificate (every renewal), or publish "
     "port 80 on the reverse proxy, or use an A record or same-domain CNAME.",
     "The Autodiscover name is a CNAME to another domain (DNS-007), yet the certificate the "
     "target presents covers the name: HTTPS works as long as the hoster keeps the name on "
     "its certificate."},
    {"DP-003", MCX_LEVEL_ERROR, "Root document not served over HTTPS at the resolved address",
     "Technical Requirements for Mobility; " DP_WEB_SRC,
     "Publish the Autodiscover service on TCP 443 at the address the DNS gives for the "
     "Autodiscover name (reverse proxy web publishing rule to the external web services, or "
     "the pool's internal web site), so GET / answers 200 with a Root document.",
     "At the address the Autodiscover name resolves to, GET https://<name>/ (Host and SNI "
     "= the name) must answer 200 with an Autodiscover Root document. A failed certificate "
     "check is reported by the CT- findings instead."},
    {"DP-004", MCX_LEVEL_WARNING, "Root document not served over HTTP on port 80",
     "Technical Requirements for Mobility; " DP_WEB_SRC,
     "Publish port 80 for the Autodiscover name (the reverse proxy's web publishing rule for "
     "port 80, or the pool's internal web site on port 80).",
     "Mobile clients also try http://<name>/; it must answer 200 with a Root document "
     "whose single Redirect leads to HTTPS. It is the only way in when HTTPS cannot work."},
    {"DP-005", MCX_LEVEL_INFO, "Vantage not checked: no DNS server given", DP_DNS_SRC,
     "Give --dns-internal and --dns-external to check both populations of clients.",
     "The deployment check runs once per vantage whose DNS server was given; the other "
     "vantage is reported as not checked."},
    {"DP-006", MCX_LEVEL_INFO, "Web checks not run for a vantage", DP_DNS_SRC,
     "Fix the DNS findings of this SIP domain and vantage first, then run the check again.",
     "No Autodiscover name of the SIP domain resolves to an address in this vantage's DNS "
     "(or its chain leaves the zones the server answers for), so no TLS or HTTP check could "
     "be run; the DNS- findings say why."},
};
const size_t mcx_catalogue_dp_count = sizeof mcx_catalogue_dp / sizeof mcx_catalogue_dp[0];
