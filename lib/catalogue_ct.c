/*
 * catalogue_ct.c -- catalogue entries for certificates and TLS (seed:
 * "Certificate Requirements", "Modifying Certificates for Mobility").
 * Owns: the CT- rows of the check catalogue (ID, level, title, source,
 * default remediation, description). Does not own: the code that raises them
 * (lib/cert_check.c) nor the concrete per-case fix (lib/cert_remedy.c).
 */
#include "catalogue_tables.h"

#define CT_SAN_SRC "Certificate Requirements"
#define CT_MOD_SRC "Modifying Certificates for Mobility"

const mcx_check mcx_catalogue_ct[] = {
    {"CT-000", MCX_LEVEL_ERROR, "Internal error", "mcxlab",
     "Report this as a bug with the input that caused it.",
     "An internal error in mcxcheck; never a finding about the target."},
    {"CT-001", MCX_LEVEL_ERROR, "Internal Autodiscover name missing from the certificate",
     CT_SAN_SRC "; " CT_MOD_SRC,
     "Request-CsCertificate -New -Type WebServicesInternal -Ca <ca> -AllSipDomain (one SIP "
     "domain) or -DomainName \"lyncdiscoverinternal.<d1>, lyncdiscoverinternal.<d2>\", then "
     "Set-CsCertificate -Type WebServicesInternal -Thumbprint <thumbprint>.",
     "A Director or Front End pool certificate must cover lyncdiscoverinternal.<sipdomain> "
     "for every SIP domain (a SAN equal to it, or a *.<sipdomain> wildcard SAN)."},
    {"CT-002", MCX_LEVEL_ERROR, "External Autodiscover name missing from the certificate",
     CT_SAN_SRC "; " CT_MOD_SRC,
     "Request-CsCertificate -New -Type WebServicesExternal -Ca <ca> -AllSipDomain (one SIP "
     "domain) or -DomainName \"lyncdiscover.<d1>, lyncdiscover.<d2>\", then "
     "Set-CsCertificate -Type WebServicesExternal -Thumbprint <thumbprint>.",
     "A Director or Front End pool certificate must cover lyncdiscover.<sipdomain> for "
     "every SIP domain (or a *.<sipdomain> wildcard SAN). Exception, as Set-CsCertificate "
     "does: on a Director when the external lyncdiscover record is an A record "
     "(--external-record a) the name is not required."},
    {"CT-003", MCX_LEVEL_ERROR, "Reverse proxy certificate lacks lyncdiscover.<sipdomain>",
     CT_SAN_SRC,
     "Request a new certificate from the public CA whose SAN list adds lyncdiscover.<d> for "
     "every SIP domain, and assign it to the reverse proxy's SSL listener.",
     "The public certificate on the reverse proxy's SSL listener must cover "
     "lyncdiscover.<sipdomain> for every SIP domain, else HTTPS to the external "
     "Autodiscover URL fails (or publish the first request on HTTP port 80)."},
    {"CT-004", MCX_LEVEL_ERROR, "Web services name not covered by the certificate",
     "Certificate Requirements; Technical Requirements for Mobility",
     "Request a new certificate for the pool (Request-CsCertificate -New -Type <use>) or, on "
     "the reverse proxy, add every published external web services FQDN to the SAN list.",
     "With --topology: a Director or Front End certificate must cover the pool FQDN and its "
     "internal and external web services FQDNs; the reverse proxy certificate must cover "
     "every external web services FQDN it publishes (Director and Front End pools)."},
    {"CT-005", MCX_LEVEL_ERROR, "Name only in the subject CN, not in a SAN", CT_SAN_SRC,
     "Reissue the certificate with every name as a DNS subject alternative name.",
     "Mobile clients match subject alternative names; a name present only in the subject "
     "common name (a certificate without dNSName SANs) is not accepted."},
    {"CT-006", MCX_LEVEL_NOTICE, "SAN written with a trailing dot", CT_SAN_SRC,
     "Reissue the certificate with the SAN without the final dot.",
     "A dNSName ending in '.' names the same DNS name; it is accepted here as DNS does, "
     "but many TLS clients compare it literally and reject it."},
    {"CT-007", MCX_LEVEL_INFO, "Name covered by a wildcard SAN", CT_SAN_SRC,
     "None needed: *.<sipdomain> is an accepted alternative.",
     "A single left-most-label wildcard (*.<sipdomain>) covers the Autodiscover names; the "
     "seed allows it for Director and Front End pool certificates."},
    {"CT-008", MCX_LEVEL_ERROR, "Certificate chain does not verify", "RFC 5280 6",
     "Serve the leaf with its intermediates and make sure clients trust the root.",
     "X509_verify_cert against the trust store (--ca, else the system store) at --at "
     "failed for a reason not covered by CT-009..CT-012; the message names it."},
    {"CT-009", MCX_LEVEL_ERROR, "Self-signed server certificate", "RFC 5280 6",
     "Use a certificate issued by a CA the mobile devices trust (a public CA for the "
     "reverse proxy).",
     "The leaf is its own issuer and is not in the trust store; mobile devices reject it."},
    {"CT-010", MCX_LEVEL_ERROR, "Issuer certificate not found (missing intermediate)",
     "RFC 5280 6",
     "Serve the intermediate CA certificate(s) after the leaf (or pass --chain), and make "
     "sure the root is trusted.",
     "No issuer of a certificate in the chain was found among the certificates sent and "
     "the trust store: usually the intermediate CA is missing from the server's chain."},
    {"CT-011", MCX_LEVEL_ERROR, "Certificate expired", "RFC 5280 4.1.2.5",
     "Renew the certificate and assign the new one (Set-CsCertificate on Lync servers).",
     "The leaf's notAfter is before the verification time (--at)."},
    {"CT-012", MCX_LEVEL_ERROR, "Certificate not yet valid", "RFC 5280 4.1.2.5",
     "Check the server clock and the certificate's notBefore; use a certificate valid now.",
     "The leaf's notBefore is after the verification time (--at)."},
    {"CT-013", MCX_LEVEL_ERROR, "No serverAuth extended key usage", "RFC 5280 4.2.1.12",
     "Reissue the certificate from a web server template (EKU Server Authentication).",
     "The leaf has an extended key usage extension without id-kp-serverAuth, so TLS "
     "clients refuse it for a web server."},
    {"CT-014", MCX_LEVEL_NOTICE, "No extended key usage extension", "RFC 5280 4.2.1.12",
     "Reissue the certificate with EKU Server Authentication.",
     "Without the extension any purpose is allowed; some clients expect serverAuth."},
    {"CT-015", MCX_LEVEL_ERROR, "Key too small", "NIST SP 800-131A",
     "Reissue the certificate with an RSA key of at least 2048 bits (or ECDSA P-256).",
     "An RSA key below 2048 bits or an EC key below 256 bits in the leaf or a chain CA."},
    {"CT-016", MCX_LEVEL_WARNING, "SHA-1 signature", "CA/Browser Forum Baseline Requirements 7.1.3",
     "Reissue the certificate signed with SHA-256.",
     "A certificate of the chain (other than the trust anchor) is signed with SHA-1, which "
     "current mobile clients reject."},
    {"CT-017", MCX_LEVEL_NOTICE, "No CRL distribution point", "RFC 5280 4.2.1.13",
     "Issue from a CA that publishes a CRL distribution point (or OCSP).",
     "The leaf has no cRLDistributionPoints extension; clients that check revocation "
     "cannot."},
    {"CT-018", MCX_LEVEL_ERROR, "Private key does not match the certificate", "RFC 5280",
     "Use the key the certificate was issued for (--key).",
     "The private key given with --key is not the key of the leaf's public key."},
    /* Live TLS (mcxcheck cert --connect, discover): added by engineer "tls-live". */
    {"CT-020", MCX_LEVEL_ERROR, "TLS handshake failed", "Certificate Requirements; RFC 8446",
     "Check the TLS listener's certificate binding and protocol settings; the message names "
     "the alert or error.",
     "The server accepted the TCP connection but the TLS handshake failed (an alert, a "
     "closed connection or an answer that is not TLS), so no certificate could be checked."},
    {"CT-021", MCX_LEVEL_ERROR, "Presented certificate does not cover the requested name",
     CT_SAN_SRC,
     "Add the name as a DNS SAN to the certificate the server presents for it (the finding "
     "names the certificate and the SAN).",
     "A phone connects to lyncdiscover[internal].<sipdomain> and sends that name as SNI; the "
     "certificate presented must cover it even when the name is a CNAME to another host "
     "(the reason a cross-domain CNAME fails over HTTPS)."},
    {"CT-022", MCX_LEVEL_ERROR, "Only legacy TLS (1.0/1.1) offered", "RFC 8996",
     "Enable TLS 1.2 (and 1.3) on the listener (reverse proxy); TLS 1.0 and 1.1 are "
     "deprecated and refused by current mobile clients.",
     "With --tls-profile modern (TLS 1.2 and 1.3) no protocol version was in common, or "
     "with --tls-profile compat the server chose TLS 1.0 or 1.1."},
    {"CT-023", MCX_LEVEL_ERROR, "TLS handshake stalled", "Certificate Requirements",
     "Check that the port is the TLS listener (not a filtered or hung service) and that "
     "no device between client and server drops the handshake.",
     "The TCP connection was accepted but no complete TLS answer arrived within --timeout."},
    {"CT-024", MCX_LEVEL_ERROR, "Plain HTTP on the TLS port", "Website Requirements",
     "Bind the HTTPS listener (with its certificate) to this port, or point clients at the "
     "HTTPS port.",
     "The server answered the TLS ClientHello with an HTTP response: the port serves plain "
     "HTTP."},
    {"CT-025", MCX_LEVEL_ERROR, "Could not connect to the TLS server", "Certificate Requirements",
     "Check the host name, port, DNS and firewall rules.",
     "The host did not resolve or the TCP connection failed; nothing was checked."},
};
const size_t mcx_catalogue_ct_count = sizeof mcx_catalogue_ct / sizeof mcx_catalogue_ct[0];
