/*
 * topology_load.c -- load a topology file into the mcx_topology model.
 *
 * Owns: reading the file (bounded size), parsing it with libxml2 safely (no
 * network, no DTD: a <!DOCTYPE> stops the parser before any entity is
 * declared, so external entities and entity-expansion bombs are rejected
 * without reading a file or expanding anything), validating it against the
 * compiled-in lib/topology.xsd, building the model with the documented
 * defaults, and running the cross-field rules (topology_rules.c). Every
 * error names file:line and a rule: "io", "xml", "xsd" or a TP- catalogue
 * ID. Does not own: lookups and freeing (topology_query.c) nor the rules.
 */
#include "mcx/topology.h"
#include "mcx/embedded.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include "mcx/xml_safe.h"

#define TOPOLOGY_NS "urn:mcxlab:topology:1"

/* What the builder reports to. */
typedef struct load_state {
    const char *name;
    mcx_error *err;
} load_state;

/* ---- building the model from a validated document ---- */

typedef struct builder {
    load_state *st;
    mcx_topology *t;
    mcx_topology_lines lines;
} builder;

static int node_line(xmlNodePtr n)
{
    long l = xmlGetLineNo(n);
    return l > 0 && l < INT_MAX ? (int)l : 0;
}

static int is_element(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
           strcmp((const char *)n->ns->href, TOPOLOGY_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

static int oom(builder *b, xmlNodePtr n)
{
    mcx_error_set(b->st->err, b->st->name, n ? node_line(n) : 0, "TP-000", "out of memory");
    return -1;
}

/* Attribute value as a malloc'd string; NULL when absent. *failed is set
 * on allocation failure. */
static char *attr_dup(xmlNodePtr n, const char *name, int *failed)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    char *s;

    if (v == NULL)
        return NULL;
    s = strdup((const char *)v);
    xmlFree(v);
    if (s == NULL)
        *failed = 1;
    return s;
}

static int is_xml_space(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Integer attribute; the schema already checked its lexical form and
 * range, so this only converts. Returns 0 and leaves *out when absent. */
static int attr_long(xmlNodePtr n, const char *name, long long *out)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    char *end;
    long long x;
    int ok;

    if (v == NULL)
        return 0;
    errno = 0;
    x = strtoll((const char *)v, &end, 10);
    while (is_xml_space((unsigned char)*end))
        end++;
    ok = errno == 0 && end != (char *)v && *end == '\0';
    xmlFree(v);
    if (!ok)
        return -1;
    *out = x;
    return 1;
}

static int attr_int(builder *b, xmlNodePtr n, const char *name, int *out)
{
    long long x = *out;
    int rc = attr_long(n, name, &x);

    if (rc < 0 || x < INT_MIN || x > INT_MAX) {
        mcx_error_set(b->st->err, b->st->name, node_line(n), "xsd",
                      "attribute '%s' is not an integer in range", name);
        return -1;
    }
    *out = (int)x;
    return 0;
}

/* xs:boolean: true, false, 1, 0, with any surrounding whitespace (the
 * schema collapses it). Absent leaves *out unchanged. */
static void attr_bool(xmlNodePtr n, const char *name, int *out)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    const char *s, *end;
    size_t len;

    if (v == NULL)
        return;
    s = (const char *)v;
    while (is_xml_space((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && is_xml_space((unsigned char)end[-1]))
        end--;
    len = (size_t)(end - s);
    *out = (len == 4 && memcmp(s, "true", 4) == 0) || (len == 1 && *s == '1');
    xmlFree(v);
}

/* "fqdn:port" -> endpoint; NULL value keeps the default. */
static int parse_endpoint(builder *b, xmlNodePtr n, const char *name, mcx_endpoint *ep)
{
    int failed = 0;
    char *v = attr_dup(n, name, &failed);
    char *colon;

    if (failed)
        return oom(b, n);
    if (v == NULL)
        return 0;
    colon = strrchr(v, ':');
    if (colon == NULL || colon == v) {
        mcx_error_set(b->st->err, b->st->name, node_line(n), "xsd",
                      "attribute '%s' is '%s'; expected FQDN:PORT", name, v);
        free(v);
        return -1;
    }
    *colon = '\0';
    free(ep->fqdn);
    ep->fqdn = v;
    ep->port = atoi(colon + 1);
    return 0;
}

static int set_default_endpoint(mcx_endpoint *ep, const char *fqdn, int port)
{
    ep->fqdn = strdup(fqdn);
    ep->port = port;
    return ep->fqdn ? 0 : -1;
}

/* A certificate/key path of a web site: absolute, or resolved against the
 * directory of the topology file (`source`; names like "<default>" and paths
 * without a '/' leave it as written). malloc'd; NULL on ENOMEM. */
static char *resolve_path(const char *source, const char *path)
{
    const char *slash = source ? strrchr(source, '/') : NULL;
    if (path[0] == '/' || slash == NULL || source[0] == '<')
        return strdup(path);
    size_t dirlen = (size_t)(slash - source) + 1;
    char *out = malloc(dirlen + strlen(path) + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, source, dirlen);
    strcpy(out + dirlen, path);
    return out;
}

/* certificate= and key= of a web site (both or neither). */
static int build_web_tls(builder *b, xmlNodePtr n, char **cert, char **key)
{
    int failed = 0;
    char *c = attr_dup(n, "certificate", &failed);
    char *k = attr_dup(n, "key", &failed);

    if (failed) {
        free(c);
        free(k);
        return oom(b, n);
    }
    if ((c == NULL) != (k == NULL)) {
        mcx_error_set(b->st->err, b->st->name, node_line(n), "xsd",
                      "<%s> has %s without %s: give certificate and key together",
                      (const char *)n->name, c ? "certificate" : "key", c ? "key" : "certificate");
        free(c);
        free(k);
        return -1;
    }
    if (c != NULL) {
        *cert = resolve_path(b->st->name, c);
        *key = resolve_path(b->st->name, k);
        free(c);
        free(k);
        if (*cert == NULL || *key == NULL)
            return oom(b, n);
    }
    return 0;
}

static int build_web(builder *b, xmlNodePtr n, char **fqdn, char **ip, int *http, int *https,
                     char **cert, char **key)
{
    int failed = 0;
    char *v = attr_dup(n, "fqdn", &failed);

    if (v != NULL) {
        free(*fqdn);
        *fqdn = v;
    }
    *ip = attr_dup(n, "ip", &failed);
    if (failed)
        return oom(b, n);
    if (attr_int(b, n, "httpPort", http) < 0 || attr_int(b, n, "httpsPort", https) < 0)
        return -1;
    return build_web_tls(b, n, cert, key);
}

static int build_pool(builder *b, xmlNodePtr n, size_t idx)
{
    mcx_pool *p = &b->t->pools[idx];
    xmlChar *role;
    xmlNodePtr c;
    int failed = 0;

    b->lines.pools[idx] = node_line(n);
    b->lines.pool_mcx[idx] = node_line(n);
    p->id = attr_dup(n, "id", &failed);
    if (failed || p->id == NULL)
        return failed ? oom(b, n) : -1;
    role = xmlGetNoNsProp(n, (const xmlChar *)"role");
    p->is_director = role != NULL && strcmp((const char *)role, "director") == 0;
    xmlFree(role);
    p->internal_web_fqdn = strdup(p->id);
    p->internal_http_port = 80;
    p->internal_https_port = 443;
    p->external_http_port = 8080;
    p->external_https_port = 4443;
    if (p->internal_web_fqdn == NULL ||
        set_default_endpoint(&p->sip_server_internal, p->id, 5061) < 0 ||
        set_default_endpoint(&p->sip_client_internal, p->id, 5061) < 0)
        return oom(b, n);

    for (c = n->children; c != NULL; c = c->next) {
        if (is_element(c, "internalWeb")) {
            if (build_web(b, c, &p->internal_web_fqdn, &p->internal_ip, &p->internal_http_port,
                          &p->internal_https_port, &p->internal_cert_file,
                          &p->internal_key_file) < 0)
                return -1;
        } else if (is_element(c, "externalWeb")) {
            if (build_web(b, c, &p->external_web_fqdn, &p->external_ip, &p->external_http_port,
                          &p->external_https_port, &p->external_cert_file,
                          &p->external_key_file) < 0)
                return -1;
        } else if (is_element(c, "mcx")) {
            b->lines.pool_mcx[idx] = node_line(c);
            if (attr_int(b, c, "sipPrimaryListeningPort", &p->mcx_sip_primary_port) < 0 ||
                attr_int(b, c, "sipExternalListeningPort", &p->mcx_sip_external_port) < 0)
                return -1;
        } else if (is_element(c, "sipAccess")) {
            if (parse_endpoint(b, c, "serverInternal", &p->sip_server_internal) < 0 ||
                parse_endpoint(b, c, "clientInternal", &p->sip_client_internal) < 0 ||
                parse_endpoint(b, c, "serverExternal", &p->sip_server_external) < 0 ||
                parse_endpoint(b, c, "clientExternal", &p->sip_client_external) < 0)
                return -1;
        }
    }
    if (p->external_web_fqdn == NULL) {
        mcx_error_set(b->st->err, b->st->name, node_line(n), "xsd",
                      "pool '%s' has no <externalWeb fqdn=...>", p->id);
        return -1;
    }
    return 0;
}

static size_t count_children(xmlNodePtr root, const char *name);
static void *alloc_array(size_t n, size_t size);

/* "sip:" is accepted in a contact's sipUri and dropped, as in <user>. */
static int build_contacts(builder *b, xmlNodePtr n, mcx_user *u)
{
    size_t k = count_children(n, "contact");
    int failed = 0;

    u->contacts = alloc_array(k, sizeof *u->contacts);
    if (!u->contacts)
        return oom(b, n);
    for (xmlNodePtr c = n->children; c != NULL; c = c->next) {
        if (!is_element(c, "contact"))
            continue;
        mcx_contact *ct = &u->contacts[u->ncontacts++];
        char *uri = attr_dup(c, "sipUri", &failed);
        ct->group = attr_dup(c, "group", &failed);
        if (uri && strncasecmp(uri, "sip:", 4) == 0)
            memmove(uri, uri + 4, strlen(uri + 4) + 1);
        ct->sip_uri = uri;
        if (!failed && !ct->group)
            failed = (ct->group = strdup("Other Contacts")) == NULL;
        if (failed)
            return oom(b, c);
        if (!ct->sip_uri) {
            mcx_error_set(b->st->err, b->st->name, node_line(c), "xsd",
                          "<contact> needs sipUri");
            return -1;
        }
    }
    return 0;
}

static int build_user(builder *b, xmlNodePtr n, size_t idx)
{
    mcx_user *u = &b->t->users[idx];
    int failed = 0;

    b->lines.users[idx] = node_line(n);
    u->sip_uri = attr_dup(n, "sipUri", &failed);
    u->password = attr_dup(n, "password", &failed);
    u->home_pool = attr_dup(n, "homePool", &failed);
    if (failed)
        return oom(b, n);
    if (u->sip_uri == NULL || u->password == NULL || u->home_pool == NULL) {
        mcx_error_set(b->st->err, b->st->name, node_line(n), "xsd",
                      "<user> needs sipUri, password and homePool");
        return -1;
    }
    u->enabled = 1;
    u->enterprise_voice = 0;
    attr_bool(n, "enabled", &u->enabled);
    attr_bool(n, "enterpriseVoice", &u->enterprise_voice);
    u->display_name = attr_dup(n, "displayName", &failed);
    u->title = attr_dup(n, "title", &failed);
    u->department = attr_dup(n, "department", &failed);
    if (failed)
        return oom(b, n);
    return build_contacts(b, n, u);
}

/* sessionExpirationInterval is an xs:unsignedInt; values the int model
 * cannot hold break TP-007 here, smaller ones are checked by the rules. */
static int session_attr(builder *b, xmlNodePtr n, const char *name, int *out, int min, int max)
{
    long long x = *out;
    int rc = attr_long(n, name, &x);

    if (rc < 0) {
        mcx_error_set(b->st->err, b->st->name, node_line(n), "xsd",
                      "attribute '%s' is not an unsigned integer", name);
        return -1;
    }
    if (x < INT_MIN || x > INT_MAX) {
        mcx_error_set(b->st->err, b->st->name, node_line(n), "TP-007",
                      "%s %lld is out of range: expected %d..%d seconds "
                      "(Set-CsMcxConfiguration, protocol.md 8.2)",
                      name, x, min, max);
        return -1;
    }
    *out = (int)x;
    return 0;
}

static int build_mcx_configuration(builder *b, xmlNodePtr n)
{
    mcx_topology *t = b->t;
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)"exposedWebUrl");

    b->lines.mcx_configuration = node_line(n);
    if (v != NULL)
        t->exposed_web_url = strcmp((const char *)v, "Internal") == 0 ? MCX_EXPOSED_INTERNAL
                                                                     : MCX_EXPOSED_EXTERNAL;
    xmlFree(v);
    if (session_attr(b, n, "sessionExpirationInterval", &t->session_expiration_interval,
                     MCX_SESSION_EXP_MIN, MCX_SESSION_EXP_MAX) < 0 ||
        session_attr(b, n, "sessionShortExpirationInterval",
                     &t->session_short_expiration_interval, MCX_SESSION_SHORT_EXP_MIN,
                     MCX_SESSION_SHORT_EXP_MAX) < 0)
        return -1;
    return 0;
}

static int build_authentication(builder *b, xmlNodePtr n)
{
    mcx_topology *t = b->t;

    attr_bool(n, "basic", &t->basic_auth_enabled);
    attr_bool(n, "serverFqdnHeader", &t->send_server_fqdn);
    if (attr_int(b, n, "webTicketLifetime", &t->webticket_lifetime) < 0 ||
        attr_int(b, n, "oauthLifetime", &t->oauth_lifetime) < 0)
        return -1;
    return 0;
}

static size_t count_children(xmlNodePtr root, const char *name)
{
    size_t k = 0;
    xmlNodePtr c;

    for (c = root->children; c != NULL; c = c->next)
        if (is_element(c, name))
            k++;
    return k;
}

/* Arrays are sized from a count so every entry is zeroed; calloc(0) may
 * return NULL, so allocate at least one. */
static void *alloc_array(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

static int build_model(builder *b, xmlNodePtr root)
{
    mcx_topology *t = b->t;
    size_t ndomains = count_children(root, "sipDomain");
    size_t npools = count_children(root, "pool");
    size_t nusers = count_children(root, "user");
    xmlChar *profile;
    xmlNodePtr c;
    int failed = 0;

    b->lines.topology = node_line(root);
    b->lines.mcx_configuration = node_line(root);
    t->sip_domains = alloc_array(ndomains, sizeof *t->sip_domains);
    t->pools = alloc_array(npools, sizeof *t->pools);
    t->users = alloc_array(nusers, sizeof *t->users);
    b->lines.sip_domains = alloc_array(ndomains, sizeof(int));
    b->lines.pools = alloc_array(npools, sizeof(int));
    b->lines.pool_mcx = alloc_array(npools, sizeof(int));
    b->lines.users = alloc_array(nusers, sizeof(int));
    if (!t->sip_domains || !t->pools || !t->users || !b->lines.sip_domains ||
        !b->lines.pools || !b->lines.pool_mcx || !b->lines.users)
        return oom(b, root);

    profile = xmlGetNoNsProp(root, (const xmlChar *)"profile");
    t->profile = profile != NULL && strcmp((const char *)profile, "2013") == 0
                     ? MCX_PROFILE_2013
                     : MCX_PROFILE_2010CU4;
    xmlFree(profile);

    for (c = root->children; c != NULL; c = c->next) {
        if (is_element(c, "sipDomain")) {
            xmlChar *v = xmlNodeGetContent(c);
            b->lines.sip_domains[t->nsip_domains] = node_line(c);
            t->sip_domains[t->nsip_domains] = v ? strdup((const char *)v) : NULL;
            xmlFree(v);
            if (t->sip_domains[t->nsip_domains] == NULL)
                return oom(b, c);
            t->nsip_domains++;
        } else if (is_element(c, "pool")) {
            t->npools++; /* counted first so free() sees a partial pool */
            if (build_pool(b, c, t->npools - 1) < 0)
                return -1;
        } else if (is_element(c, "reverseProxy")) {
            t->reverse_proxy_fqdn = attr_dup(c, "fqdn", &failed);
            t->reverse_proxy_ip = attr_dup(c, "ip", &failed);
            if (failed)
                return oom(b, c);
        } else if (is_element(c, "user")) {
            t->nusers++;
            if (build_user(b, c, t->nusers - 1) < 0)
                return -1;
        } else if (is_element(c, "mcxConfiguration")) {
            if (build_mcx_configuration(b, c) < 0)
                return -1;
        } else if (is_element(c, "autodiscover")) {
            t->online_autodiscover_url = attr_dup(c, "onlineUrl", &failed);
            if (failed)
                return oom(b, c);
        } else if (is_element(c, "authentication")) {
            if (build_authentication(b, c) < 0)
                return -1;
        }
    }
    return 0;
}

static void free_lines(mcx_topology_lines *l)
{
    free(l->sip_domains);
    free(l->pools);
    free(l->pool_mcx);
    free(l->users);
}

mcx_topology *mcx_topology_load_memory(const char *name, const char *xml, size_t len,
                                       mcx_error *err)
{
    mcx_error scratch;
    load_state st;
    builder b;
    xmlDocPtr doc;
    xmlNodePtr root;
    mcx_topology *t;
    int rc;

    if (err == NULL)
        err = &scratch;
    memset(err, 0, sizeof *err);
    if (name == NULL)
        name = "<memory>";
    if (xml == NULL && len > 0) {
        mcx_error_set(err, name, 0, "io", "no buffer given for %zu bytes", len);
        return NULL;
    }
    if (len == 0) {
        mcx_error_set(err, name, 0, "xml", "the document is empty; expected a <topology> element");
        return NULL;
    }
    if (len > MCX_TOPOLOGY_MAX_BYTES) {
        mcx_error_set(err, name, 0, "io", "the document is %zu bytes; the limit is %d bytes", len,
                      MCX_TOPOLOGY_MAX_BYTES);
        return NULL;
    }
    xmlInitParser();
    memset(&st, 0, sizeof st);
    st.name = name;
    st.err = err;
    doc = mcx_xml_read(name, xml, len, "a topology file", err);
    if (doc == NULL)
        return NULL;
    if (mcx_xml_validate(doc, name, mcx_embed_topology, mcx_embed_topology_len,
                         "lib/topology.xsd", "TP-000", err) < 0) {
        xmlFreeDoc(doc);
        return NULL;
    }
    root = xmlDocGetRootElement(doc);
    t = calloc(1, sizeof *t);
    if (t == NULL || root == NULL || (t->source = strdup(name)) == NULL) {
        mcx_error_set(err, name, 0, "TP-000", root ? "out of memory" : "no root element");
        free(t);
        xmlFreeDoc(doc);
        return NULL;
    }
    /* Documented defaults for everything the file may omit. */
    t->profile = MCX_PROFILE_2010CU4;
    t->exposed_web_url = MCX_EXPOSED_EXTERNAL;
    t->session_expiration_interval = MCX_SESSION_EXP_DEFAULT;
    t->session_short_expiration_interval = MCX_SESSION_SHORT_EXP_DEFAULT;
    t->basic_auth_enabled = 0;
    t->webticket_lifetime = 28800;
    t->oauth_lifetime = 28800;
    t->send_server_fqdn = 0;

    memset(&b, 0, sizeof b);
    b.st = &st;
    b.t = t;
    rc = build_model(&b, root);
    xmlFreeDoc(doc);
    if (rc == 0)
        rc = mcx_topology_check_rules(t, &b.lines, err);
    free_lines(&b.lines);
    if (rc < 0) {
        mcx_topology_free(t);
        return NULL;
    }
    return t;
}

mcx_topology *mcx_topology_load_file(const char *path, mcx_error *err)
{
    mcx_error scratch;
    FILE *f;
    char *buf;
    size_t len = 0;
    mcx_topology *t;

    if (err == NULL)
        err = &scratch;
    memset(err, 0, sizeof *err);
    if (path == NULL) {
        mcx_error_set(err, "", 0, "io", "no topology file given");
        return NULL;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        mcx_error_set(err, path, 0, "io", "cannot open: %s", strerror(errno));
        return NULL;
    }
    buf = malloc((size_t)MCX_TOPOLOGY_MAX_BYTES + 1);
    if (buf == NULL) {
        fclose(f);
        mcx_error_set(err, path, 0, "TP-000", "out of memory");
        return NULL;
    }
    len = fread(buf, 1, (size_t)MCX_TOPOLOGY_MAX_BYTES + 1, f);
    if (ferror(f)) {
        mcx_error_set(err, path, 0, "io", "read error: %s", strerror(errno));
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    if (len > MCX_TOPOLOGY_MAX_BYTES) {
        mcx_error_set(err, path, 0, "io", "the file is larger than the limit of %d bytes",
                      MCX_TOPOLOGY_MAX_BYTES);
        free(buf);
        return NULL;
    }
    t = mcx_topology_load_memory(path, buf, len, err);
    free(buf);
    return t;
}

const char *mcx_topology_default_xml(void)
{
    return mcx_embed_default_topology;
}

mcx_topology *mcx_topology_load_default(mcx_error *err)
{
    return mcx_topology_load_memory("<default>", mcx_embed_default_topology,
                                    mcx_embed_default_topology_len, err);
}
