/*
 * catalogue_tp.c -- catalogue entries for topology.
 * Owns: the TP- rows of the check catalogue (ID, level, title, source,
 * default remediation, description), one row per cross-field rule that
 * lib/topology_rules.c enforces. Does not own: the code that raises them,
 * nor errors of XML syntax or schema (those carry the rule "xml" or "xsd",
 * see lib/topology_load.c).
 */
#include "catalogue_tables.h"

const mcx_check mcx_catalogue_tp[] = {
    {"TP-000", MCX_LEVEL_ERROR, "Internal error", "mcxlab",
     "Report this as a bug with the input that caused it.",
     "An internal error in mcxcheck; never a finding about the target."},
    {"TP-001", MCX_LEVEL_ERROR, "No SIP domain", "DNS Requirements",
     "Add a <sipDomain> element for every SIP domain of the deployment.",
     "Automatic discovery is set up per SIP domain (lyncdiscover.<sipdomain> and "
     "lyncdiscoverinternal.<sipdomain>), so a topology needs at least one SIP domain."},
    {"TP-002", MCX_LEVEL_ERROR, "SIP domain listed twice", "DNS Requirements",
     "Remove the repeated <sipDomain> element.",
     "Each SIP domain is listed once; names compare case-insensitively."},
    {"TP-003", MCX_LEVEL_ERROR, "Pool id used twice", "Technical Requirements for Mobility",
     "Give every <pool> a distinct id (its pool FQDN).",
     "Users are homed on a pool by its id, so two pools cannot share one; ids compare "
     "case-insensitively."},
    {"TP-004", MCX_LEVEL_ERROR, "Internal web FQDN equals external web FQDN",
     "Website Requirements",
     "Give the pool's external web site its own FQDN, distinct from the internal one.",
     "A pool's internal web FQDN must be distinct from its external web FQDN so the "
     "Mobility Service URL can point at the external one."},
    {"TP-005", MCX_LEVEL_ERROR, "Mcx SIP listening port not set", "Port and Firewall Requirements",
     "Set <mcx sipPrimaryListeningPort=\"5086\" sipExternalListeningPort=\"5087\"/> "
     "(Set-CsWebServer -McxSipPrimaryListeningPort / -McxSipExternalListeningPort).",
     "Every pool that runs the Mobility Service needs McxSipPrimaryListeningPort and "
     "McxSipExternalListeningPort (Setting Internal Server Ports for Mobility)."},
    {"TP-006", MCX_LEVEL_ERROR, "Mcx SIP listening ports collide", "Port and Firewall Requirements",
     "Use two different ports (5086 internal, 5087 external) that no web site of the "
     "pool uses.",
     "McxSipPrimaryListeningPort and McxSipExternalListeningPort serve the internal and "
     "the external Mobility Service processes; they must differ from each other and "
     "from the pool's web ports."},
    {"TP-007", MCX_LEVEL_ERROR, "Session expiration interval out of range",
     "Set-CsMcxConfiguration (protocol.md 8.2)",
     "Use 120..2147483647 seconds (defaults: 259200 and 3600).",
     "SessionExpirationInterval and SessionShortExpirationInterval are between 120 seconds "
     "and the largest value the model stores (2147483647)."},
    {"TP-008", MCX_LEVEL_ERROR, "Short session interval not below the long one",
     "Set-CsMcxConfiguration (protocol.md 8.2)",
     "Make sessionShortExpirationInterval smaller than sessionExpirationInterval.",
     "SessionExpirationInterval (iPhone, Windows Phone) must be greater than "
     "SessionShortExpirationInterval (Android, Nokia)."},
    {"TP-009", MCX_LEVEL_ERROR, "User listed twice", "Configuring Mobility Policy",
     "Remove the repeated <user> element.",
     "Each SIP URI is one user; URIs compare case-insensitively."},
    {"TP-010", MCX_LEVEL_ERROR, "User homed on an unknown pool",
     "Technical Requirements for Mobility",
     "Set homePool to the id of a <pool> of the topology, or to \"online\".",
     "Autodiscover returns the URLs of the user's home pool, so the home pool must be a "
     "pool of the topology (or \"online\" for a split-domain user)."},
    {"TP-011", MCX_LEVEL_ERROR, "Online user without an online Autodiscover URL",
     "Technical Requirements for Mobility",
     "Add <autodiscover onlineUrl=\"https://.../Autodiscover/AutodiscoverService.svc/root\"/>.",
     "A user homed \"online\" is redirected to the online Autodiscover service, whose URL "
     "the topology must give (protocol.md 1, split domain)."},
    {"TP-012", MCX_LEVEL_ERROR, "User's domain is not a SIP domain", "DNS Requirements",
     "Add the user's domain as a <sipDomain> or fix the user's SIP URI.",
     "Automatic discovery starts from the SIP domain of the user's address, so every "
     "user's domain must be a SIP domain of the topology."},
    {"TP-013", MCX_LEVEL_ERROR, "Web FQDN used by two pools", "Website Requirements",
     "Give every pool its own internal and external web FQDNs.",
     "The Host of a request picks the pool; a web FQDN shared by two pools (or by both "
     "sites of two pools) makes that ambiguous."},
    {"TP-014", MCX_LEVEL_ERROR, "Web site ports collide", "Website Requirements",
     "Use distinct HTTP and HTTPS ports, and keep the external site (8080/4443) apart "
     "from the internal one (80/443) on a shared address.",
     "A web site's HTTP and HTTPS ports differ, and the internal and external sites of a "
     "pool never listen on the same address and port: the port is what lets the pool "
     "tell internal from external traffic."},
};
const size_t mcx_catalogue_tp_count = sizeof mcx_catalogue_tp / sizeof mcx_catalogue_tp[0];
