/*
 * pcap_record.c -- golden captures of the reference deployment, written
 * deterministically: a phone's DNS lookups (answered by the reference
 * responder over the topology's view, pcap_record_dns.c) and its plain-HTTP
 * Autodiscover requests on one keep-alive TCP connection, each answered by
 * calling mcxd_handle in-process with a fixed clock and seed. No packet is
 * ever sent.
 *
 * Owns: the golden scenario list, request bytes as a phone sends them, and
 * serialising mcxd's response. Does not own: the DNS answers and the DNS
 * scenario captures (pcap_record_dns.c), frame layout (lib/pcap_synth.c),
 * DNS wire format (lib/dns_decode.c), or what mcxd answers (refimpl/).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "dns_responder.h"
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
     MCX_PCAP_LINK_RAW, "fd00:db8::50", "fd00:db8::53", {"lyncdiscoverinternal.fabrikam.test"},
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

/* Lookup i of the scenario, answered by the responder's zones `zs`; the
 * address it gives goes to `answer` ("" when none). */
static int record_dns(mcx_pcap_writer *w, const struct mcxdns_zoneset *zs,
                      const pcap_scenario *s, size_t i, uint64_t seed, char *answer, size_t alen,
                      char *err, size_t errlen)
{
    mcx_pcap_endpoint client, resolver;
    if (mcx_pcap_endpoint_set(&client, s->client_addr, (uint16_t)(53000 + i)) ||
        mcx_pcap_endpoint_set(&resolver, s->resolver_addr, 53)) {
        snprintf(err, errlen, "%s: bad client or resolver address", s->name);
        return -1;
    }
    uint16_t id = (uint16_t)((seed * 2654435761u + i * 40503u + 1) & 0xffff);
    if (pcap_dns_exchange(w, zs, &client, &resolver, s->names[i], s->qtype, id, answer, alen,
                          err, errlen) != 0) {
        size_t used = strlen(err);
        snprintf(err + used, errlen - used, " (%s)", s->name);
        return -1;
    }
    return 0;
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

/* Plain TCP: the bytes go on the wire as they are. */
static int record_send_plain(void *ctx, mcx_pcap_writer *w, mcx_pcap_tcp_conn *c,
                             int from_client, const void *data, size_t len, char *err,
                             size_t errlen)
{
    (void)ctx;
    (void)err;
    (void)errlen;
    return mcx_pcap_tcp_send(w, c, from_client, data, len);
}

static const pcap_record_transport record_plain = {0, NULL, record_send_plain, NULL, NULL};

static int record_http(mcx_pcap_writer *w, const mcx_topology *t, const pcap_scenario *s,
                       const char *server_addr, const pcap_record_transport *tr, time_t now,
                       uint64_t seed, char *err, size_t errlen)
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
    if (rc == 0 && tr->open)
        rc = tr->open(tr->ctx, w, &conn, err, errlen);
    char peer[80];
    snprintf(peer, sizeof peer, "%s:%u", s->client_addr, client.port);
    for (size_t i = 0; rc == 0 && i < PCAP_SCENARIO_MAX_REQUESTS && s->targets[i]; i++) {
        char reqbuf[2048];
        int n = snprintf(reqbuf, sizeof reqbuf,
                         "GET %s HTTP/1.1\r\nHost: %s\r\n%s%s%sUser-Agent: %s\r\n\r\n",
                         s->targets[i], s->host, s->accept ? "Accept: " : "",
                         s->accept ? s->accept : "", s->accept ? "\r\n" : "", RECORD_UA);
        mcx_http_header hdrs[3];
        size_t nh = 0;
        hdrs[nh++] = (mcx_http_header){"Host", (char *)s->host};
        if (s->accept)
            hdrs[nh++] = (mcx_http_header){"Accept", (char *)s->accept};
        hdrs[nh++] = (mcx_http_header){"User-Agent", (char *)RECORD_UA};
        mcxd_request req = {"GET", s->targets[i], s->host, hdrs, nh, NULL, 0,
                            (mcx_access)s->listener, tr->tls, peer, NULL};
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
        rc = tr->send(tr->ctx, w, &conn, 1, reqbuf, (size_t)n, err, errlen);
        if (rc == 0)
            rc = tr->send(tr->ctx, w, &conn, 0, rbytes, rlen, err, errlen);
        free(rbytes);
        if (close_after)
            break;
    }
    if (rc == 0 && tr->close)
        rc = tr->close(tr->ctx, w, &conn, err, errlen);
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
    return pcap_record_scenario_via(w, t, s, &record_plain, now, seed, err, errlen);
}

int pcap_record_scenario_via(mcx_pcap_writer *w, const mcx_topology *t, const pcap_scenario *s,
                             const pcap_record_transport *tr, time_t now, uint64_t seed,
                             char *err, size_t errlen)
{
    char answer[64] = "";
    err[0] = '\0';
    if (s->names[0] != NULL) {
        struct mcxdns_zoneset *zs =
            pcap_dns_zones_from_topology(t, s->vantage, s->qtype == 28, err, errlen);
        int rc = zs != NULL ? 0 : -1;
        for (size_t i = 0; rc == 0 && i < PCAP_SCENARIO_MAX_NAMES && s->names[i]; i++)
            rc = record_dns(w, zs, s, i, seed, answer, sizeof answer, err, errlen);
        mcxdns_zoneset_free(zs);
        if (rc != 0)
            return -1;
    }
    const char *server = s->server_addr ? s->server_addr : answer;
    if (server[0] == '\0') {
        snprintf(err, errlen, "%s: the last lookup gave no address to connect to", s->name);
        return -1;
    }
    return record_http(w, t, s, server, tr, now, seed, err, errlen);
}

int pcap_record_close(mcx_pcap_writer *w, const char *path, int rc, char *err, size_t errlen)
{
    if (mcx_pcap_writer_close(w) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: write error", path);
        rc = -1;
    }
    return rc;
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
        if (pcap_record_close(w, path, rc, err, errlen) != 0)
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
    return pcap_record_close(w, path, rc, err, errlen);
}
