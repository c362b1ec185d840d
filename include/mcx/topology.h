/*
 * topology.h -- the one topology model: a Lync Server 2010 mobility
 * deployment as the seed describes it (Technical Requirements, Website
 * Requirements, Configuring for Mobility).
 *
 * Owns: loading a topology XML file (validated against
 * lib/topology.xsd, which is compiled in), the embedded default deployment
 * (contoso.test), cross-field rules, and lookups. Every error names
 * file:line and the rule broken. Does not own: DNS records or certificates
 * derived from a topology (their modules read this model).
 */
#ifndef MCX_TOPOLOGY_H
#define MCX_TOPOLOGY_H

#include <stddef.h>

typedef enum { MCX_PROFILE_2010CU4 = 0, MCX_PROFILE_2013 = 1 } mcx_profile;
typedef enum { MCX_EXPOSED_EXTERNAL = 0, MCX_EXPOSED_INTERNAL = 1 } mcx_exposed_web_url;
typedef enum { MCX_ACCESS_INTERNAL = 0, MCX_ACCESS_EXTERNAL = 1 } mcx_access;

typedef struct mcx_endpoint {
    char *fqdn;
    int port;
} mcx_endpoint;

typedef struct mcx_pool {
    char *id;                /* pool FQDN, e.g. pool01.contoso.test */
    int is_director;
    char *internal_web_fqdn; /* must differ from external_web_fqdn */
    char *external_web_fqdn;
    char *internal_ip;       /* internal web VIP, may be NULL */
    char *external_ip;       /* external web VIP, may be NULL */
    int internal_http_port;  /* 80 */
    int internal_https_port; /* 443 */
    int external_http_port;  /* 8080 */
    int external_https_port; /* 4443 */
    int mcx_sip_primary_port;  /* McxSipPrimaryListeningPort, 5086 */
    int mcx_sip_external_port; /* McxSipExternalListeningPort, 5087 */
    mcx_endpoint sip_server_internal, sip_client_internal;
    mcx_endpoint sip_server_external, sip_client_external;
    /* Optional TLS certificate (PEM: leaf then chain) and private key of each
     * web site (<internalWeb certificate=.. key=..>), for mcxd's HTTPS
     * listeners. A relative path in a topology file is resolved against the
     * file's directory. NULL when not given (the default topology has none).
     * (Added by engineer "tls-live".) */
    char *internal_cert_file, *internal_key_file;
    char *external_cert_file, *external_key_file;
} mcx_pool;

/* One entry of a user's contact list (<contact sipUri= group=>). */
typedef struct mcx_contact {
    char *sip_uri;   /* no "sip:" prefix */
    char *group;     /* "Other Contacts" when not given */
} mcx_contact;

typedef struct mcx_user {
    char *sip_uri;   /* "alice@contoso.test" -- no "sip:" prefix */
    char *password;
    char *home_pool; /* a pool id, or "online" */
    int enabled;     /* enabled for Lync */
    int enterprise_voice;
    char *display_name; /* NULL: the part of sip_uri before '@' */
    char *title, *department; /* contact card; NULL when not given */
    mcx_contact *contacts;
    size_t ncontacts;
} mcx_user;

typedef struct mcx_topology {
    char *source;          /* file path, or "<default>" */
    mcx_profile profile;
    char **sip_domains;
    size_t nsip_domains;
    mcx_pool *pools;       /* Front End pools and Directors */
    size_t npools;
    char *reverse_proxy_fqdn; /* public name, may be NULL */
    char *reverse_proxy_ip;
    mcx_user *users;
    size_t nusers;
    /* McxConfiguration */
    mcx_exposed_web_url exposed_web_url;
    int session_expiration_interval;       /* 259200 by default */
    int session_short_expiration_interval; /* 3600 by default */
    /* Split domain: where users homed "online" are redirected. */
    char *online_autodiscover_url;
    /* Authentication */
    int basic_auth_enabled;
    int webticket_lifetime;   /* seconds */
    int oauth_lifetime;       /* seconds */
    int send_server_fqdn;     /* emit X-MS-Server-Fqdn (leaks an internal name) */
} mcx_topology;

/* Documented ranges (Set-CsMcxConfiguration, protocol.md 8.2: UInt32,
 * 120..4294967295 for both, long interval greater than the short one; the
 * seed gives no range). The model stores an int, so the upper bound here is
 * INT_MAX: larger values are rejected (rule TP-007) rather than truncated. */
#define MCX_SESSION_EXP_MIN 120
#define MCX_SESSION_EXP_MAX 2147483647
#define MCX_SESSION_EXP_DEFAULT 259200
#define MCX_SESSION_SHORT_EXP_MIN 120
#define MCX_SESSION_SHORT_EXP_MAX 2147483647
#define MCX_SESSION_SHORT_EXP_DEFAULT 3600

typedef struct mcx_error {
    char file[256];
    int line;        /* 0 when unknown */
    char rule[64];   /* e.g. "TP-004" or "xsd" */
    char message[512];
} mcx_error;

/* Format "file:line: rule: message" into buf. */
void mcx_error_format(const mcx_error *e, char *buf, size_t len);

mcx_topology *mcx_topology_load_file(const char *path, mcx_error *err);
mcx_topology *mcx_topology_load_memory(const char *name, const char *xml, size_t len,
                                       mcx_error *err);
mcx_topology *mcx_topology_load_default(mcx_error *err);
void mcx_topology_free(mcx_topology *t);

/* The default deployment's XML text (compiled in). */
const char *mcx_topology_default_xml(void);

const mcx_pool *mcx_topology_find_pool(const mcx_topology *t, const char *id);
/* Case-insensitive; accepts a leading "sip:". */
const mcx_user *mcx_topology_find_user(const mcx_topology *t, const char *sip_uri);
/* The pool that answers lyncdiscover[internal]: the Director if one exists,
 * else the first Front End pool. */
const mcx_pool *mcx_topology_autodiscover_pool(const mcx_topology *t);
int mcx_topology_has_sip_domain(const mcx_topology *t, const char *domain);

/* ---- Added by the topology module (lib/topology_*.c). ---- */

/* Largest topology file accepted, in bytes. */
#define MCX_TOPOLOGY_MAX_BYTES (4 * 1024 * 1024)

/* Source line of each element of a loaded model, so that a cross-field rule
 * can name file:line. Every array has one entry per item of the model
 * (sip_domains[nsip_domains], pools[npools], users[nusers]); 0 = unknown. */
typedef struct mcx_topology_lines {
    int topology;          /* the root element */
    int *sip_domains;
    int *pools;            /* the <pool> element */
    int *pool_mcx;         /* the pool's <mcx> element, else the pool's line */
    int *users;
    int mcx_configuration; /* <mcxConfiguration>, else the root's line */
} mcx_topology_lines;

/* Check the cross-field rules (catalogue TP-001..) on a built model, in a
 * fixed order. `lines` may be NULL (line 0). On the first broken rule fill
 * `err` (file = t->source) and return -1; return 0 when every rule holds. */
int mcx_topology_check_rules(const mcx_topology *t, const mcx_topology_lines *lines,
                             mcx_error *err);

/* Fill `e` (any field may be truncated to fit); `file` NULL -> "". */
void mcx_error_set(mcx_error *e, const char *file, int line, const char *rule,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The user's domain part ("contoso.test" for "sip:alice@contoso.test"),
 * or NULL when there is no '@'. Points into sip_uri. */
const char *mcx_topology_uri_domain(const char *sip_uri);

#endif
