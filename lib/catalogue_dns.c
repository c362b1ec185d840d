/*
 * catalogue_dns.c -- catalogue entries for DNS records and zones (seed: DNS
 * Requirements, Website Requirements, Creating DNS Records for the
 * Autodiscover Service).
 * Owns: the DNS- rows of the check catalogue (ID, level, title, source,
 * default remediation, description). Does not own: the code that raises
 * them (lib/dns_rules.c), which usually replaces the default remediation
 * with the exact record to create or change.
 */
#include "catalogue_tables.h"

const mcx_check mcx_catalogue_dns[] = {
    {"DNS-000", MCX_LEVEL_ERROR, "Internal error", "mcxlab",
     "Report this as a bug with the input that caused it.",
     "An internal error in mcxcheck; never a finding about the target."},
    {"DNS-001", MCX_LEVEL_ERROR, "lyncdiscoverinternal record missing from the internal DNS",
     "DNS Requirements",
     "In the internal zone of the SIP domain, create lyncdiscoverinternal.<sipdomain> as a "
     "CNAME to the internal Web Services FQDN of the Director pool (else the Front End pool), "
     "or as an A record with its internal web VIP.",
     "Clients inside the network try lyncdiscoverinternal.<sipdomain> first; each SIP domain "
     "needs that name in the internal DNS as a CNAME or an A/AAAA record."},
    {"DNS-002", MCX_LEVEL_ERROR, "lyncdiscover record missing from the external DNS",
     "DNS Requirements",
     "At the public DNS provider, create lyncdiscover.<sipdomain> as a CNAME to the external "
     "Web Services FQDN of the Director pool (else the Front End pool), or as an A record with "
     "the reverse proxy's public IP address.",
     "Clients on the Internet reach the Autodiscover Service through lyncdiscover.<sipdomain>; "
     "each SIP domain needs that name in the public DNS."},
    {"DNS-003", MCX_LEVEL_ERROR, "lyncdiscoverinternal points at the wrong server",
     "DNS Requirements",
     "Point lyncdiscoverinternal.<sipdomain> at the internal Web Services FQDN (or internal web "
     "VIP) of the Director pool if there is one, else of the Front End pool.",
     "The internal record resolves to the Director pool's internal web services when a "
     "Director exists, otherwise to the Front End pool's."},
    {"DNS-004", MCX_LEVEL_ERROR, "lyncdiscover points at the wrong server", "DNS Requirements",
     "Point lyncdiscover.<sipdomain> at the external Web Services FQDN of the Director pool "
     "(else the Front End pool) with a CNAME, or at the reverse proxy's public IP with an A "
     "record.",
     "The external record resolves to the external web services of the Director pool, else "
     "of the Front End pool, or to the reverse proxy: external traffic goes through it."},
    {"DNS-005", MCX_LEVEL_ERROR, "lyncdiscoverinternal resolves in the external DNS",
     "DNS Requirements",
     "Delete lyncdiscoverinternal.<sipdomain> from the public zone (and any wildcard that "
     "answers for it).",
     "The internal Autodiscover name must not be addressable from outside: it leaks an "
     "internal name and an external client, which tries it first, gets a wrong answer."},
    {"DNS-006", MCX_LEVEL_NOTICE, "lyncdiscover resolves in the internal DNS", "DNS Requirements",
     "Nothing is required: internal clients try lyncdiscoverinternal first. Remove "
     "lyncdiscover.<sipdomain> from the internal zone if you want to meet the recommendation.",
     "The external Autodiscover name should not be addressable from inside, but clients are "
     "not affected when it is, because the internal name is always tried first."},
    {"DNS-007", MCX_LEVEL_WARNING, "CNAME to another domain: HTTPS cannot work", "DNS Requirements",
     "Publish lyncdiscover.<sipdomain> on the reverse proxy with a web publishing rule for "
     "port 80 (HTTP), or point the CNAME at a name inside the SIP domain.",
     "Mobile clients do not support certificates from different domains, so a CNAME from "
     "lyncdiscover.<sipdomain> to another domain only works when the first request uses "
     "HTTP on port 80; later requests use HTTPS."},
    {"DNS-008", MCX_LEVEL_WARNING, "External web FQDN missing from the internal DNS (split-brain)",
     "Website Requirements",
     "In the internal zone, create an A record for the external web FQDN with the public IP "
     "address of the reverse proxy.",
     "With split-brain DNS, mobile clients on the corporate Wi-Fi reach the Mobility Service "
     "through the external web FQDN, so the internal DNS must resolve it to the public IP."},
    {"DNS-009", MCX_LEVEL_WARNING, "External web FQDN resolves internally to a non-public address",
     "Website Requirements",
     "Change the internal A record of the external web FQDN to the reverse proxy's public IP.",
     "In split-brain DNS the external web FQDN resolves inside to the public IP address, so "
     "that Mobility traffic goes through the reverse proxy as it does from outside."},
    {"DNS-010", MCX_LEVEL_ERROR, "Internal web FQDN resolves in the external DNS",
     "Website Requirements", "Delete the internal web FQDN's records from the public zone.",
     "The internal web FQDN must only resolve inside the corporate network."},
    {"DNS-011", MCX_LEVEL_ERROR, "External web FQDN does not resolve in the external DNS",
     "Website Requirements",
     "At the public DNS provider, create an A record for the external web FQDN with the "
     "reverse proxy's public IP address.",
     "The external web FQDN must resolve from the Internet: the Autodiscover and Mobility "
     "Service URLs returned to clients use it."},
    {"DNS-012", MCX_LEVEL_ERROR, "CNAME loop", "DNS Requirements",
     "Break the loop: point one CNAME of the chain at a name with an A record.",
     "A chain of CNAME records that comes back to one of its names never resolves."},
    {"DNS-013", MCX_LEVEL_ERROR, "Dangling CNAME", "DNS Requirements",
     "Create an A record for the CNAME's target, or point the CNAME at a name that has one.",
     "A CNAME whose target does not exist (or has no address) makes the name unusable."},
    {"DNS-014", MCX_LEVEL_ERROR, "CNAME chain too long", "DNS Requirements",
     "Point the first CNAME directly at the final name (at most 8 CNAMEs in a chain).",
     "Resolvers give up on long CNAME chains; mcxcheck follows at most 8."},
    {"DNS-015", MCX_LEVEL_NOTICE, "A wildcard answers for an Autodiscover name", "DNS Requirements",
     "Create an explicit record for the Autodiscover name, or narrow the wildcard.",
     "A wildcard record makes lyncdiscover and lyncdiscoverinternal names exist for every "
     "name of the zone, with whatever the wildcard points at."},
    {"DNS-016", MCX_LEVEL_NOTICE, "Only AAAA records: IPv4-only clients cannot connect",
     "DNS Requirements", "Add an A record next to the AAAA record.",
     "Some mobile clients and networks are IPv4-only; an Autodiscover name with no A record "
     "is unreachable for them."},
    {"DNS-017", MCX_LEVEL_NOTICE, "Unusual TTL", "DNS Requirements",
     "Use a TTL between 1 second and one week (3600 is common).",
     "A TTL of 0 defeats caching; a TTL above one week (604800 s) makes a change take that "
     "long to reach clients."},
    {"DNS-018", MCX_LEVEL_INFO, "Rule not checked", "mcxlab",
     "Pass --topology so the targets can be compared with the deployment, or add the zone "
     "that holds the name.",
     "A rule needs data this run does not have (no topology, or a name outside every zone "
     "of the view); the finding says which rule and why."},
    {"DNS-019", MCX_LEVEL_ERROR, "lyncdiscover leads outside clients to an internal target",
     "Website Requirements",
     "Point lyncdiscover.<sipdomain> at the external Web Services FQDN (CNAME) or the reverse "
     "proxy's public IP (A), never at the internal web FQDN or an internal address.",
     "External clients cannot reach the internal web site; external traffic goes through "
     "the reverse proxy."},
    {"DNS-020", MCX_LEVEL_ERROR, "CNAME and other data at the same name", "DNS Requirements",
     "Keep only the CNAME at that name, or replace it with A/AAAA records.",
     "A name with a CNAME has no other record (RFC 1034 3.6.2, RFC 2181 10.1); servers "
     "reject such a zone or answer unpredictably."},
    {"DNS-021", MCX_LEVEL_ERROR, "DNS server did not answer", "DNS Requirements",
     "Make the DNS server of this view reachable from where its clients stand (UDP and TCP "
     "port 53 through every firewall) and check that it is running.",
     "A live query got no answer within the timeout (after the retries), or the connection "
     "failed; the records behind it could not be checked (mcxcheck dns)."},
    {"DNS-022", MCX_LEVEL_ERROR, "DNS server answered with an error", "DNS Requirements",
     "Fix the zone on the server named in the finding (SERVFAIL usually means the zone failed "
     "to load or its master is unreachable), then query the name again.",
     "A live query was answered SERVFAIL, FORMERR or NOTIMP (a broken or mismatched answer is "
     "DNS-023..DNS-025); the records behind it could not be checked (mcxcheck dns)."},
    {"DNS-023", MCX_LEVEL_ERROR, "DNS server sent a malformed answer", "DNS Requirements",
     "Fix or replace the DNS server (or the middlebox rewriting its packets) named in the "
     "finding: the byte offset shows where its answer breaks; capture it with mcxcheck pcap "
     "to see the bytes.",
     "A live answer could not be parsed: a truncated header or record, a compression pointer "
     "loop or one past the end, a length or count past the end, or bytes after the last "
     "record; clients discard such answers, so the records behind it cannot be resolved "
     "(mcxcheck dns)."},
    {"DNS-024", MCX_LEVEL_ERROR, "DNS answer does not match the query", "DNS Requirements",
     "Find what answers in the server's place (a NAT or load balancer mixing up answers, a "
     "spoofing middlebox, a broken server) and make the server named in the finding answer "
     "its own queries.",
     "A live answer carried another ID, had the QR bit clear, or held another question "
     "(count, name, type or class) than the query; clients discard it as a possible "
     "spoofing attempt (mcxcheck dns)."},
    {"DNS-025", MCX_LEVEL_ERROR, "DNS answer larger than the query allowed", "DNS Requirements",
     "Make the server set TC on answers that do not fit the client's UDP size (512 bytes "
     "without EDNS) so the client asks again over TCP, and keep TCP port 53 open.",
     "A live UDP answer exceeded 512 bytes (or the EDNS size the query advertised) without "
     "TC; such datagrams are dropped or cut on the way, so clients never see the records "
     "(mcxcheck dns)."},
};
const size_t mcx_catalogue_dns_count = sizeof mcx_catalogue_dns / sizeof mcx_catalogue_dns[0];
