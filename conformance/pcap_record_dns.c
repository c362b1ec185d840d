/*
 * pcap_record_dns.c -- the DNS half of the golden captures: every DNS
 * answer a golden capture holds is built by the reference responder
 * (mcxdns_answer, refimpl/dns_responder.h) in-process over a DNS view, and
 * one capture per dnsfixtures scenario and vantage shows what a phone does
 * there: its Autodiscover lookups and, when it gets an address, the
 * plain-HTTP first hop answered in-process by mcxd (pcap_record_scenario).
 *
 * The phone (seed: Technical Requirements for Mobility, DNS Requirements;
 * protocol.md 4.1): per SIP domain of the scenario, A then AAAA for
 * lyncdiscoverinternal.<d>; with an address (IPv4 preferred) one GET
 * /?sipuri=<user>@<d> on the topology's HTTP port of that address; only when
 * no address came back or nobody listens there, the same for
 * lyncdiscover.<d>. An address the scenario's topology does not serve for
 * this vantage (an internal VIP seen from the Internet, an address outside
 * the topology, no topology at all) answers the SYN with a RST: the
 * connection is refused and the phone goes on. A query the responder drops
 * (a no-answer fault) stays without response; SERVFAIL is written as
 * answered. No packet is sent; IDs and sequence numbers come from the seed
 * and the scenario's name.
 *
 * Owns: building the responder's zones from a topology (and the DNS64 view
 * the IPv6 golden capture uses), one DNS exchange on the wire, the phone
 * above, and the scenarios/ folder of `pcap record`. Does not own: the
 * answers (refimpl/dns_responder.c), scenario files (lib/dns_scenario.c),
 * HTTP and frame layout (pcap_record.c, lib/pcap_synth.c).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "dns_responder.h"
#include "mcx/autodiscover.h"
#include "mcx/dns_decode.h"
#include "mcx/dns_scenario.h"
#include "pcap_record.h"

#define DNSREC_STEP_USEC 1000
#define DNSREC_MAX_SCENARIOS 256
/* Where the phones of a vantage stand (pcap/README.md: 192.0.2.0/24 is the
 * lab's internal side, 198.51.100.0/24 the Internet). */
#define DNSREC_INTERNAL_CLIENT "192.0.2.50"
#define DNSREC_INTERNAL_CLIENT6 "fd00:db8::50"
#define DNSREC_INTERNAL_RESOLVER "192.0.2.53"
#define DNSREC_INTERNAL_RESOLVER6 "fd00:db8::53"
#define DNSREC_EXTERNAL_CLIENT "198.51.100.50"
#define DNSREC_EXTERNAL_CLIENT6 "2001:db8:100::50"
#define DNSREC_EXTERNAL_RESOLVER "198.51.100.53"
#define DNSREC_EXTERNAL_RESOLVER6 "2001:db8:100::53"

/* ---- the responder's zones and one exchange ---- */

/* Add an AAAA in 64:ff9b::/96 next to every A record (what a DNS64
 * resolver answers an IPv6-only phone). 0 or -1. */
static int dns64_extend(mcx_dns_view *v)
{
    size_t n = v->nrrs;
    for (size_t i = 0; i < n; i++) {
        uint8_t a[4], a6[16] = {0, 0x64, 0xff, 0x9b};
        char text[INET6_ADDRSTRLEN];
        if (v->rrs[i].type != MCX_DNS_TYPE_A || inet_pton(AF_INET, v->rrs[i].rdata, a) != 1)
            continue;
        memcpy(a6 + 12, a, 4);
        if (inet_ntop(AF_INET6, a6, text, sizeof text) == NULL ||
            mcx_dns_view_add_rr(v, v->rrs[i].owner, MCX_DNS_TYPE_AAAA, v->rrs[i].ttl, text,
                                "dns64") != 0)
            return -1;
    }
    return 0;
}

struct mcxdns_zoneset *pcap_dns_zones_from_topology(const mcx_topology *t, int vantage,
                                                    int dns64, char *err, size_t errlen)
{
    mcx_error e;
    char why[256] = "";
    mcx_dns_view *v = mcxdns_view_from_topology(t, vantage == MCX_ACCESS_INTERNAL
                                                       ? MCX_DNS_VANTAGE_INTERNAL
                                                       : MCX_DNS_VANTAGE_EXTERNAL,
                                                NULL, &e);
    if (v == NULL) {
        snprintf(err, errlen, "%s: %s (%s)", e.file, e.message, e.rule);
        return NULL;
    }
    if (dns64 && dns64_extend(v) != 0) {
        mcx_dns_view_free(v);
        snprintf(err, errlen, "cannot add the DNS64 records to the topology's view");
        return NULL;
    }
    mcxdns_zoneset *zs = mcxdns_zoneset_new(v, NULL, 0, why, sizeof why);
    if (zs == NULL)
        snprintf(err, errlen, "cannot serve the topology's view: %s", why);
    return zs;
}

int pcap_dns_exchange(mcx_pcap_writer *w, const struct mcxdns_zoneset *zs,
                      const mcx_pcap_endpoint *client, const mcx_pcap_endpoint *resolver,
                      const char *name, uint16_t qtype, uint16_t id, char *addr, size_t alen,
                      char *err, size_t errlen)
{
    size_t qlen = 0, rlen = 0;
    uint8_t *r = NULL;
    unsigned delay_ms = 0;
    int rc = -1;

    addr[0] = '\0';
    uint8_t *q = mcx_dns_build_query(name, qtype, id, &qlen);
    if (q == NULL || mcx_pcap_write_udp(w, client, resolver, q, qlen) != 0) {
        snprintf(err, errlen, "cannot write the %s query for %s", qtype == 28 ? "AAAA" : "A",
                 name);
        goto done;
    }
    /* A delay fault changes nothing here: frames are 1 ms apart. */
    if (mcxdns_answer(zs, q, qlen, 0, &r, &rlen, &delay_ms) == MCXDNS_REPLY_DROP) {
        rc = 0;
        goto done;
    }
    if (mcx_pcap_write_udp(w, resolver, client, r, rlen) != 0) {
        snprintf(err, errlen, "cannot write the answer for %s", name);
        goto done;
    }
    mcx_dns_msg m;
    char why[128];
    if (mcx_dns_decode(r, rlen, &m, why, sizeof why) == 0)
        for (size_t i = 0; i < m.nanswers && addr[0] == '\0'; i++)
            if (m.answer_type[i] == qtype)
                snprintf(addr, alen, "%s", m.answer[i]);
    rc = 0;
done:
    free(q);
    free(r);
    return rc;
}

/* ---- one phone per scenario and vantage ---- */

typedef struct dns_phone {
    mcx_pcap_writer *w;
    const mcxdns_zoneset *zs;
    const mcx_topology *topo; /* NULL: nothing listens anywhere */
    int vantage;              /* mcx_access */
    int v6;                   /* DNS over IPv6 (the topology has IPv6 VIPs) */
    const char *name;         /* "<scenario>-<vantage>" */
    uint32_t hash;            /* of name, mixed with the seed */
    unsigned nqueries, nconns;
    time_t now;
    uint64_t seed;
    char *err;
    size_t errlen;
} dns_phone;

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static int same_address(const char *x, const char *y)
{
    unsigned char bx[16], by[16];
    if (x == NULL || y == NULL)
        return 0;
    if (inet_pton(AF_INET, x, bx) == 1 && inet_pton(AF_INET, y, by) == 1)
        return memcmp(bx, by, 4) == 0;
    if (inet_pton(AF_INET6, x, bx) == 1 && inet_pton(AF_INET6, y, by) == 1)
        return memcmp(bx, by, 16) == 0;
    return 0;
}

/* The listener the topology has at `addr` for this vantage: 1 with *side
 * and *port, else 0. Internal VIPs answer internal phones only; external
 * VIPs and the reverse proxy answer everyone. */
static int phone_listener(const dns_phone *ph, const char *addr, int *side, int *port)
{
    const mcx_topology *t = ph->topo;
    const mcx_pool *ad = t != NULL ? mcx_topology_autodiscover_pool(t) : NULL;

    for (size_t i = 0; t != NULL && i < t->npools; i++) {
        const mcx_pool *p = &t->pools[i];
        if (ph->vantage == MCX_ACCESS_INTERNAL && same_address(addr, p->internal_ip)) {
            *side = MCX_ACCESS_INTERNAL;
            *port = p->internal_http_port;
            return 1;
        }
        if (same_address(addr, p->external_ip)) {
            *side = MCX_ACCESS_EXTERNAL;
            *port = p->external_http_port;
            return 1;
        }
    }
    if (ad != NULL && same_address(addr, t->reverse_proxy_ip)) {
        *side = MCX_ACCESS_EXTERNAL;
        *port = ad->external_http_port;
        return 1;
    }
    return 0;
}

static const char *phone_user(const dns_phone *ph, const char *domain, char *buf, size_t len)
{
    for (size_t i = 0; ph->topo != NULL && i < ph->topo->nusers; i++) {
        const char *at = strchr(ph->topo->users[i].sip_uri, '@');
        if (at != NULL && strcasecmp(at + 1, domain) == 0)
            return ph->topo->users[i].sip_uri;
    }
    snprintf(buf, len, "user@%s", domain);
    return buf;
}

static const char *phone_client(const dns_phone *ph, const char *addr)
{
    int v6 = strchr(addr, ':') != NULL;
    if (ph->vantage == MCX_ACCESS_INTERNAL)
        return v6 ? DNSREC_INTERNAL_CLIENT6 : DNSREC_INTERNAL_CLIENT;
    return v6 ? DNSREC_EXTERNAL_CLIENT6 : DNSREC_EXTERNAL_CLIENT;
}

static int phone_lookup(dns_phone *ph, const char *name, uint16_t qtype, char *addr, size_t alen)
{
    mcx_pcap_endpoint client, resolver;
    int internal = ph->vantage == MCX_ACCESS_INTERNAL;
    unsigned k = ph->nqueries++;

    mcx_pcap_endpoint_set(&client, phone_client(ph, ph->v6 ? "::" : "0.0.0.0"),
                          (uint16_t)(53000 + k));
    const char *resolver_addr = internal ? DNSREC_INTERNAL_RESOLVER : DNSREC_EXTERNAL_RESOLVER;
    if (ph->v6)
        resolver_addr = internal ? DNSREC_INTERNAL_RESOLVER6 : DNSREC_EXTERNAL_RESOLVER6;
    mcx_pcap_endpoint_set(&resolver, resolver_addr, 53);
    uint16_t id = (uint16_t)((ph->hash + k * 40503u) & 0xffff);
    return pcap_dns_exchange(ph->w, ph->zs, &client, &resolver, name, qtype, id, addr, alen,
                             ph->err, ph->errlen);
}

/* The HTTP first hop to `addr`. 1 when mcxd answered, 0 when refused, -1
 * on a write error. */
static int phone_first_hop(dns_phone *ph, const char *addr, const char *host, const char *domain)
{
    int side = 0, port = 80;
    unsigned k = ph->nconns++;
    uint32_t isn = ph->hash * 2654435761u + k * 100003u;
    char target[512], user[300];

    if (!phone_listener(ph, addr, &side, &port)) {
        mcx_pcap_endpoint client, server;
        if (mcx_pcap_endpoint_set(&client, phone_client(ph, addr), (uint16_t)(49152 + k)) ||
            mcx_pcap_endpoint_set(&server, addr, 80)) {
            snprintf(ph->err, ph->errlen, "%s: bad address '%s'", ph->name, addr);
            return -1;
        }
        if (mcx_pcap_write_tcp(ph->w, &client, &server, MCX_TCP_SYN, isn, 0, NULL, 0) != 0 ||
            mcx_pcap_write_tcp(ph->w, &server, &client, MCX_TCP_RST | MCX_TCP_ACK, 0, isn + 1,
                               NULL, 0) != 0) {
            snprintf(ph->err, ph->errlen, "%s: cannot write a TCP segment", ph->name);
            return -1;
        }
        return 0;
    }
    snprintf(target, sizeof target, "/?sipuri=%s", phone_user(ph, domain, user, sizeof user));
    pcap_scenario s = {0};
    s.name = ph->name;
    s.linktype = MCX_PCAP_LINK_ETHERNET;
    s.client_addr = phone_client(ph, addr);
    s.server_addr = addr;
    s.server_port = (uint16_t)port;
    s.listener = side;
    s.host = host;
    s.targets[0] = target;
    s.accept = MCX_ACCEPT_AD_XML;
    s.client_isn = isn;
    s.server_isn = isn ^ 0x5a5a5a5au;
    s.client_port = (uint16_t)(49152 + k);
    return pcap_record_scenario(ph->w, ph->topo, &s, ph->now, ph->seed, ph->err, ph->errlen) == 0
               ? 1
               : -1;
}

/* Discovery for one SIP domain: internal name first, then external. */
static int phone_discover(dns_phone *ph, const char *domain)
{
    static const char *const prefixes[] = {"lyncdiscoverinternal", "lyncdiscover"};
    for (size_t i = 0; i < 2; i++) {
        char name[600], a4[64], a6[64];
        snprintf(name, sizeof name, "%s.%s", prefixes[i], domain);
        if (phone_lookup(ph, name, 1, a4, sizeof a4) != 0 ||
            phone_lookup(ph, name, 28, a6, sizeof a6) != 0)
            return -1;
        const char *addr = a4[0] ? a4 : a6[0] ? a6 : NULL;
        if (addr == NULL)
            continue;
        int served = phone_first_hop(ph, addr, name, domain);
        if (served != 0)
            return served < 0 ? -1 : 0;
    }
    return 0;
}

/* A phone of an IPv6 deployment asks its resolver over IPv6 too, so one
 * client address makes both its lookups and its connections (PC-030). */
static int topology_has_ipv6(const mcx_topology *t)
{
    int v6 = t != NULL && t->reverse_proxy_ip != NULL && strchr(t->reverse_proxy_ip, ':');
    for (size_t i = 0; t != NULL && i < t->npools; i++)
        v6 |= (t->pools[i].internal_ip != NULL && strchr(t->pools[i].internal_ip, ':')) ||
              (t->pools[i].external_ip != NULL && strchr(t->pools[i].external_ip, ':'));
    return v6;
}

static int record_one_view(const char *dir, const mcx_dns_scenario *sc,
                           const mcx_dns_scenario_view *sv, const mcx_topology *topo, time_t now,
                           uint64_t seed, char *err, size_t errlen)
{
    mcx_error e;
    char why[256] = "", name[512], path[4096 + 600];
    mcx_dns_view *view = mcx_dns_scenario_view_load(sv, &e);

    snprintf(name, sizeof name, "%s-%s", sc->name, mcx_dns_vantage_name(sv->vantage));
    if (view == NULL) {
        snprintf(err, errlen, "%s: %s:%d: %s (%s)", name, e.file, e.line, e.message, e.rule);
        return -1;
    }
    mcxdns_fault *faults = calloc(sv->nfaults + 1, sizeof *faults);
    int bad = faults == NULL;
    for (size_t i = 0; !bad && i < sv->nfaults; i++)
        if (mcxdns_fault_parse(sv->faults[i].spec, &faults[i], why, sizeof why) != 0) {
            snprintf(err, errlen, "%s:%d: fault '%s': %s", sc->source, sv->faults[i].line,
                     sv->faults[i].spec, why);
            bad = 1;
        }
    mcxdns_zoneset *zs = NULL;
    if (bad)
        mcx_dns_view_free(view);
    else if ((zs = mcxdns_zoneset_new(view, faults, sv->nfaults, why, sizeof why)) == NULL)
        snprintf(err, errlen, "%s: cannot serve the view: %s", name, why);
    free(faults);
    if (zs == NULL) {
        if (faults == NULL)
            snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s.pcap", dir, name);
    mcx_pcap_writer *w =
        mcx_pcap_writer_open(path, MCX_PCAP_LINK_ETHERNET, (int64_t)now, DNSREC_STEP_USEC, err,
                             errlen);
    if (w == NULL) {
        mcxdns_zoneset_free(zs);
        return -1;
    }
    dns_phone ph = {w, zs, topo, sv->vantage == MCX_DNS_VANTAGE_INTERNAL ? MCX_ACCESS_INTERNAL
                                                                          : MCX_ACCESS_EXTERNAL,
                    topology_has_ipv6(topo), name,
                    fnv1a(name) ^ (uint32_t)(seed * 2654435761u), 0, 0, now, seed, err, errlen};
    int rc = 0;
    err[0] = '\0';
    for (size_t i = 0; rc == 0 && i < sc->nsip_domains; i++)
        rc = phone_discover(&ph, sc->sip_domains[i]);
    if (mcx_pcap_writer_close(w) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: write error", path);
        rc = -1;
    }
    mcxdns_zoneset_free(zs);
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The scenario folders of `fixtures` (those holding a scenario.xml),
 * sorted. Returns the count (names malloc'd into out), or -1. */
static int list_scenarios(const char *fixtures, char **out, size_t max, char *err, size_t errlen)
{
    DIR *d = opendir(fixtures);
    struct dirent *de;
    size_t n = 0;
    struct stat st;
    char path[4096];

    if (d == NULL) {
        snprintf(err, errlen,
                 "%s: %s (run from the repository root or pass --dnsfixtures DIR)",
                 fixtures, strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s/scenario.xml", fixtures, de->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == max || (out[n] = strdup(de->d_name)) == NULL) {
            snprintf(err, errlen, "%s: more than %zu scenarios, or out of memory", fixtures,
                     max);
            closedir(d);
            for (size_t i = 0; i < n; i++)
                free(out[i]);
            return -1;
        }
        n++;
    }
    closedir(d);
    qsort(out, n, sizeof *out, name_cmp);
    return (int)n;
}

int pcap_record_dns_golden(const char *dir, const char *fixtures, time_t now, uint64_t seed,
                           char *err, size_t errlen)
{
    char *names[DNSREC_MAX_SCENARIOS];
    char sub[4096], path[4096];

    snprintf(sub, sizeof sub, "%s/scenarios", dir);
    if (mkdir(sub, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", sub, strerror(errno));
        return -1;
    }
    int n = list_scenarios(fixtures, names, DNSREC_MAX_SCENARIOS, err, errlen);
    if (n < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        mcx_error e;
        mcx_topology *topo = NULL;
        snprintf(path, sizeof path, "%s/%s/scenario.xml", fixtures, names[i]);
        mcx_dns_scenario *sc = rc == 0 ? mcx_dns_scenario_load_file(path, &e) : NULL;
        if (rc == 0 && (sc == NULL || mcx_dns_scenario_topology(sc, &topo, &e) != 0)) {
            snprintf(err, errlen, "%s:%d: %s (%s)", e.file, e.line, e.message, e.rule);
            rc = -1;
        }
        for (size_t v = 0; rc == 0 && v < sc->nviews; v++)
            rc = record_one_view(sub, sc, &sc->views[v], topo, now, seed, err, errlen);
        mcx_topology_free(topo);
        mcx_dns_scenario_free(sc);
        free(names[i]);
    }
    return rc;
}
