/*
 * pcap_record.c -- golden captures of the reference deployment, written
 * deterministically: a phone's DNS lookups (answers from the topology, built
 * with ldns) and its plain-HTTP Autodiscover requests on one keep-alive TCP
 * connection, each answered by calling mcxd_handle in-process with a fixed
 * clock and seed. No packet is ever sent.
 *
 * Owns: the golden scenario list, the DNS answers a vantage gets for the
 * Autodiscover names, request bytes as a phone sends them, and serialising
 * mcxd's response. Does not own: frame layout (lib/pcap_synth.c), DNS wire
 * format (lib/dns_decode.c), or what mcxd answers (refimpl/).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "mcx/autodiscover.h"
#include "mcx/dns_decode.h"
#include "mcxd_http.h"
#include "pcap_record.h"

#define RECORD_UA "Lync Mobile/4.0 (mcxlab golden capture)"
#define RECORD_STEP_USEC 1000

static const pcap_scenario pcap_golden[] = {
    {"internal-v4", "phone on the internal network, IPv4, Ethernet", MCX_PCAP_LINK_ETHERNET,
     "192.0.2.50", "192.0.2.53", {"lyncdiscoverinternal.contoso.test"}, 1,
     MCX_ACCESS_INTERNAL, NULL, 80, MCX_ACCESS_INTERNAL, "lyncdiscoverinternal.contoso.test",
     {"/?sipuri=alice@contoso.test",
      "/Autodiscover/AutodiscoverService.svc/root?sipuri=alice@contoso.test",
      "/Autodiscover/AutodiscoverService.svc/root/domain",
      "/Autodiscover/AutodiscoverService.svc/root/user"},
     MCX_ACCEPT_AD_XML, 0, 1000, 500000, 0},
    {"external-v4", "phone on the Internet, IPv4, Ethernet: lyncdiscoverinternal is "
     "NXDOMAIN in public DNS, then lyncdiscover", MCX_PCAP_LINK_ETHERNET, "198.51.100.50",
     "198.51.100.53", {"lyncdiscoverinternal.contoso.test", "lyncdiscover.contoso.test"}, 1,
     MCX_ACCESS_EXTERNAL, NULL, 8080, MCX_ACCESS_EXTERNAL, "lyncdiscover.contoso.test",
     {"/?sipuri=alice@contoso.test", "/Autodiscover/AutodiscoverService.svc/root/domain",
      "/Autodiscover/AutodiscoverService.svc/root/user"},
     MCX_ACCEPT_AD_JSON, 0, 4000000000u, 7000, 0},
    {"internal-v6", "phone on the internal network, IPv6 (NAT64 prefix), raw IP link",
     MCX_PCAP_LINK_RAW, "2001:db8::50", "2001:db8::53", {"lyncdiscoverinternal.fabrikam.test"},
     28, MCX_ACCESS_INTERNAL, NULL, 80, MCX_ACCESS_INTERNAL,
     "lyncdiscoverinternal.fabrikam.test",
     {"/?sipuri=bob@fabrikam.test", "/Autodiscover/AutodiscoverService.svc/root/user"},
     MCX_ACCEPT_AD_XML, 0, 4294967000u, 123456, 0},
};

size_t pcap_golden_count(void)
{
    return sizeof pcap_golden / sizeof pcap_golden[0];
}

const pcap_scenario *pcap_golden_at(size_t i)
{
    return i < pcap_golden_count() ? &pcap_golden[i] : NULL;
}

/* The address `vantage` resolves `name` to, from the topology; NULL for
 * NXDOMAIN. AAAA answers map the IPv4 VIP into the NAT64 prefix 64:ff9b::/96
 * (the topology has IPv4 VIPs only). */
static const char *record_answer(const mcx_topology *t, const char *name, uint16_t qtype,
                                 int vantage, char *buf, size_t len)
{
    const mcx_pool *p = mcx_topology_autodiscover_pool(t);
    if (p == NULL)
        return NULL;
    const char *ip = NULL;
    if (strncasecmp(name, "lyncdiscoverinternal.", 21) == 0)
        ip = vantage == MCX_ACCESS_INTERNAL ? p->internal_ip : NULL;
    else if (strncasecmp(name, "lyncdiscover.", 13) == 0)
        ip = p->external_ip;
    if (ip == NULL)
        return NULL;
    if (qtype != 28) {
        snprintf(buf, len, "%s", ip);
        return buf;
    }
    unsigned a, b, c, d;
    if (sscanf(ip, "%u.%u.%u.%u", &a, &b, &c, &d) != 4)
        return NULL;
    snprintf(buf, len, "64:ff9b::%x:%x", (a << 8) | b, (c << 8) | d);
    return buf;
}

static int record_dns(mcx_pcap_writer *w, const mcx_topology *t, const pcap_scenario *s,
                      size_t i, uint64_t seed, char *answer, size_t alen, char *err,
                      size_t errlen)
{
    mcx_pcap_endpoint client, resolver;
    if (mcx_pcap_endpoint_set(&client, s->client_addr, (uint16_t)(53000 + i)) ||
        mcx_pcap_endpoint_set(&resolver, s->resolver_addr, 53)) {
        snprintf(err, errlen, "%s: bad client or resolver address", s->name);
        return -1;
    }
    uint16_t id = (uint16_t)((seed * 2654435761u + i * 40503u + 1) & 0xffff);
    const char *addr = record_answer(t, s->names[i], s->qtype, s->vantage, answer, alen);
    size_t qlen = 0, rlen = 0;
    uint8_t *q = mcx_dns_build_query(s->names[i], s->qtype, id, &qlen);
    uint8_t *r = mcx_dns_build_response(s->names[i], s->qtype, id, addr ? 0 : 3, &addr,
                                        addr ? 1 : 0, 300, &rlen);
    int rc = -1;
    if (q && r && mcx_pcap_write_udp(w, &client, &resolver, q, qlen) == 0 &&
        mcx_pcap_write_udp(w, &resolver, &client, r, rlen) == 0)
        rc = 0;
    else
        snprintf(err, errlen, "%s: cannot build the DNS messages for %s", s->name, s->names[i]);
    free(q);
    free(r);
    if (addr == NULL)
        answer[0] = '\0';
    return rc;
}

/* Serialise mcxd's response as it goes on the wire. Returns malloc'd bytes. */
static char *record_response_bytes(const mcxd_response *resp, size_t *len, int *close_after)
{
    const char *reason = resp->reason ? resp->reason : mcxd_status_reason(resp->status);
    size_t cap = 256 + resp->body_len;
    for (size_t i = 0; i < resp->nheaders; i++)
        cap += strlen(resp->headers[i].name) + strlen(resp->headers[i].value) + 4;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    size_t n = (size_t)snprintf(out, cap, "HTTP/1.1 %d %s\r\n", resp->status,
                                reason ? reason : "Status");
    *close_after = mcxd_response_get_header(resp, "Content-Length") == NULL;
    for (size_t i = 0; i < resp->nheaders; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s: %s\r\n", resp->headers[i].name,
                              resp->headers[i].value);
    if (*close_after)
        n += (size_t)snprintf(out + n, cap - n, "Connection: close\r\n");
    n += (size_t)snprintf(out + n, cap - n, "\r\n");
    if (resp->body_len) {
        memcpy(out + n, resp->body, resp->body_len);
        n += resp->body_len;
    }
    *len = n;
    return out;
}

static int record_http(mcx_pcap_writer *w, const mcx_topology *t, const pcap_scenario *s,
                       const char *server_addr, time_t now, uint64_t seed, char *err,
                       size_t errlen)
{
    mcx_pcap_endpoint client, server;
    if (mcx_pcap_endpoint_set(&client, s->client_addr, s->client_port ? s->client_port : 49152) ||
        mcx_pcap_endpoint_set(&server, server_addr, s->server_port)) {
        snprintf(err, errlen, "%s: bad client or server address '%s'", s->name, server_addr);
        return -1;
    }
    mcxd_config cfg = {.topo = t, .breaks = s->breaks, .deterministic = 1, .fixed_now = now};
    mcxd_state *st = mcxd_state_new(seed, 1);
    if (st == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    mcx_pcap_tcp_conn conn;
    mcx_pcap_tcp_init(&conn, &client, &server, s->client_isn, s->server_isn);
    int rc = mcx_pcap_tcp_handshake(w, &conn);
    char peer[80];
    snprintf(peer, sizeof peer, "%s:%u", s->client_addr, client.port);
    for (size_t i = 0; rc == 0 && i < PCAP_SCENARIO_MAX_REQUESTS && s->targets[i]; i++) {
        char reqbuf[2048];
        int n = snprintf(reqbuf, sizeof reqbuf,
                         "GET %s HTTP/1.1\r\nHost: %s\r\n%s%s%sUser-Agent: %s\r\n\r\n",
                         s->targets[i], s->host, s->accept ? "Accept: " : "",
                         s->accept ? s->accept : "", s->accept ? "\r\n" : "", RECORD_UA);
        mcxd_header hdrs[3];
        size_t nh = 0;
        hdrs[nh++] = (mcxd_header){"Host", (char *)s->host};
        if (s->accept)
            hdrs[nh++] = (mcxd_header){"Accept", (char *)s->accept};
        hdrs[nh++] = (mcxd_header){"User-Agent", (char *)RECORD_UA};
        mcxd_request req = {"GET", s->targets[i], s->host, hdrs, nh, NULL, 0,
                            (mcx_access)s->listener, 0, peer};
        mcxd_response resp;
        mcxd_handle(&cfg, st, &req, now, &resp);
        size_t rlen = 0;
        int close_after = 0;
        char *rbytes = record_response_bytes(&resp, &rlen, &close_after);
        mcxd_response_free(&resp);
        if (rbytes == NULL || n < 0 || (size_t)n >= sizeof reqbuf) {
            free(rbytes);
            snprintf(err, errlen, "%s: request %zu does not fit", s->name, i);
            rc = -1;
            break;
        }
        rc = mcx_pcap_tcp_send(w, &conn, 1, reqbuf, (size_t)n);
        if (rc == 0)
            rc = mcx_pcap_tcp_send(w, &conn, 0, rbytes, rlen);
        free(rbytes);
        if (close_after)
            break;
    }
    if (rc == 0)
        rc = mcx_pcap_tcp_close(w, &conn);
    else if (err[0] == '\0')
        snprintf(err, errlen, "%s: cannot write a TCP segment", s->name);
    mcxd_state_free(st);
    return rc;
}

int pcap_record_scenario(mcx_pcap_writer *w, const mcx_topology *t, const pcap_scenario *s,
                         time_t now, uint64_t seed, char *err, size_t errlen)
{
    char answer[64] = "";
    err[0] = '\0';
    for (size_t i = 0; i < PCAP_SCENARIO_MAX_NAMES && s->names[i]; i++)
        if (record_dns(w, t, s, i, seed, answer, sizeof answer, err, errlen) != 0)
            return -1;
    const char *server = s->server_addr ? s->server_addr : answer;
    if (server[0] == '\0') {
        snprintf(err, errlen, "%s: the last lookup gave no address to connect to", s->name);
        return -1;
    }
    return record_http(w, t, s, server, now, seed, err, errlen);
}

int pcap_record_golden(const char *dir, const mcx_topology *t, time_t now, uint64_t seed,
                       char *err, size_t errlen)
{
    for (size_t i = 0; i < pcap_golden_count(); i++) {
        const pcap_scenario *s = &pcap_golden[i];
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.pcap", dir, s->name);
        mcx_pcap_writer *w = mcx_pcap_writer_open(path, s->linktype, (int64_t)now,
                                                  RECORD_STEP_USEC, err, errlen);
        if (w == NULL)
            return -1;
        int rc = pcap_record_scenario(w, t, s, now, seed, err, errlen);
        if (mcx_pcap_writer_close(w) != 0 && rc == 0) {
            snprintf(err, errlen, "%s: write error", path);
            rc = -1;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

int pcap_record_bulk(const char *path, const mcx_topology *t, time_t now, uint64_t seed,
                     unsigned megabytes, char *err, size_t errlen)
{
    /* Ethernet scenarios only: one link type per file. */
    mcx_pcap_writer *w = mcx_pcap_writer_open(path, MCX_PCAP_LINK_ETHERNET, (int64_t)now,
                                              RECORD_STEP_USEC, err, errlen);
    if (w == NULL)
        return -1;
    uint64_t want = (uint64_t)megabytes * 1000000u;
    int rc = 0;
    for (uint32_t round = 0; rc == 0 && mcx_pcap_writer_bytes(w) < want; round++) {
        for (size_t i = 0; rc == 0 && i < pcap_golden_count(); i++) {
            pcap_scenario s = pcap_golden[i];
            if (s.linktype != MCX_PCAP_LINK_ETHERNET)
                continue;
            s.client_port = (uint16_t)(1024 + (round * 7 + i) % 64000);
            s.client_isn += round * 100003u;
            s.server_isn += round * 7919u;
            rc = pcap_record_scenario(w, t, &s, now, seed, err, errlen);
        }
    }
    if (mcx_pcap_writer_close(w) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: write error", path);
        rc = -1;
    }
    return rc;
}
