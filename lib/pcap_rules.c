/*
 * pcap_rules.c -- `pcap verify`: drive a capture through the packet
 * decoder, the TCP reassembler, the HTTP stream parser and the DNS decoder,
 * list every DNS transaction and HTTP exchange as report steps (with frame
 * numbers), and apply the mobility rules to what was seen.
 *
 * Owns: flow classification (DNS on port 53, TLS when the client's first byte
 * is a handshake record, HTTP when it starts with a request line, else
 * ignored), the rules PC-030 (discovery order), PC-031 (Accept), PC-032
 * (listener unknown), PC-033 (HTTP first hop), PC-034 (MS-WSMAN cookie),
 * PC-035/036 (SNI; the TLS bytes are read by lib/pcap_tls.c, which also
 * checks a certificate sent in clear against the SNI: CT-021), PC-040..042
 * (DNS), PC-001..004 (capture level), and calling the same Autodiscover
 * parser/validator `discover` uses (mcx_ad_parse / mcx_ad_validate) on every
 * document. Does not own: the layers it drives (pcap_read.c,
 * tcp_reassembly.c, http_stream.c, dns_decode.c, pcap_tls.c).
 *
 * Bounds: DNS queries awaiting an answer (VERIFY_MAX_DNS_PENDING), order
 * records (VERIFY_MAX_ORDER), resolved names for SNI (VERIFY_MAX_RESOLVED),
 * per-flow DNS-over-TCP buffers (VERIFY_MAX_FLOW_BUF; TLS: pcap.h
 * MCX_PCAP_TLS_MAX_*); beyond them the oldest entry is dropped. Steps go
 * to the caller's step stream every VERIFY_STREAM_BATCH when it gives one;
 * identical DNS messages and Autodiscover documents are decoded once
 * (dns_decode.h memo, validate_cache.h) unless opt->uncached.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcx/autodiscover.h"
#include "mcx/dns_decode.h"
#include "mcx/http_stream.h"
#include "mcx/mem_grow.h"
#include "mcx/pcap.h"
#include "mcx/tcp_reassembly.h"
#include "validate_cache.h"

#define VERIFY_MAX_DNS_PENDING 4096
#define VERIFY_MAX_ORDER 4096
#define VERIFY_MAX_RESOLVED 1024
#define VERIFY_MAX_FLOW_BUF 16384
#define VERIFY_MAX_BAD_PACKETS 20
#define VERIFY_MAX_COOKIE_MISSES 20
#define VERIFY_STREAM_BATCH 4096

typedef enum { FLOW_UNKNOWN = 0, FLOW_HTTP, FLOW_TLS, FLOW_DNS, FLOW_OTHER } flow_kind;

typedef struct dns_pending {
    int family;
    uint8_t client[16];
    uint16_t cport, id;
    unsigned long frame;
    char qname[256];
    uint16_t qtype;
} dns_pending;

typedef struct order_rec {
    int family;
    uint8_t client[16];
    char domain[256];
    unsigned long first_internal, first_external; /* 0 = not seen */
    char what_external[320];
} order_rec;

typedef struct resolved_rec {
    int family;
    uint8_t client[16];
    char addr[64];
    char qname[256];
} resolved_rec;

typedef struct verify_ctx {
    const mcx_pcap_verify_options *opt;
    mcx_report *rep;
    dns_pending *dns;
    size_t ndns, capdns;
    order_rec *order;
    size_t norder, caporder;
    resolved_rec *resolved; /* ring once full: oldest at resolved_head */
    size_t nresolved, capresolved, resolved_head;
    uint16_t unknown_ports[64];
    size_t nunknown_ports;
    int wsman_seen;
    unsigned long cookie_miss[VERIFY_MAX_COOKIE_MISSES];
    size_t ncookie_miss;
    unsigned long http_exchanges, dns_transactions;
    mcx_vcache *vcache;       /* NULL: every document parsed afresh */
    mcx_dns_cache *dns_cache; /* NULL: every DNS message decoded afresh */
    mcx_http_pool *http_pool; /* message buffers shared by the HTTP flows */
    mcx_pcap_dns_collector *dns_rules; /* DNS answers for the DNS- rules */
} verify_ctx;

typedef struct verify_flow {
    verify_ctx *v;
    mcx_tcp_flow_info info;
    flow_kind kind;
    mcx_http_conn *http;
    uint8_t *buf[2];
    size_t len[2];
    size_t skip[2];    /* FLOW_DNS: bytes of an oversized message still to drop */
    mcx_pcap_tls *tls; /* FLOW_TLS: lib/pcap_tls.c */
    char client[48], server[48];
} verify_flow;

/* ---- small helpers ---- */

/* strcasestr for the short header values and targets seen here: glibc's
 * two-way search sets up a factorisation per call, which dominated the
 * per-exchange cost for these long needles. 1 when found. */
static int has_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (tolower((unsigned char)*hay) == tolower((unsigned char)*needle) &&
            strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

/* Text appended to a fixed buffer, cut like snprintf cuts: the per-exchange
 * step strings are built with these (snprintf was a sixth of the time of
 * `pcap verify` on a large capture). */
typedef struct text_buf {
    char *s;
    size_t len, cap; /* cap > 0; s[len] is always '\0' */
} text_buf;

static void tb_put(text_buf *b, const char *s, size_t n)
{
    if (n > b->cap - 1 - b->len)
        n = b->cap - 1 - b->len;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void tb_str(text_buf *b, const char *s)
{
    tb_put(b, s, strlen(s));
}

static void tb_ulong(text_buf *b, unsigned long v)
{
    char digits[24];
    size_t i = sizeof digits;
    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    tb_put(b, digits + i, sizeof digits - i);
}

static int addr_eq(int family, const uint8_t *a, const uint8_t *b)
{
    return memcmp(a, b, family == 6 ? 16 : 4) == 0;
}

/* lyncdiscoverinternal.<d> -> 0 with domain, lyncdiscover.<d> -> 1, else -1. */
static int ad_name_side(const char *name, char *domain, size_t dlen)
{
    static const char in[] = "lyncdiscoverinternal.";
    static const char ex[] = "lyncdiscover.";
    int side = -1;
    const char *rest = NULL;
    if (strncasecmp(name, in, sizeof in - 1) == 0) {
        side = MCX_ACCESS_INTERNAL;
        rest = name + sizeof in - 1;
    } else if (strncasecmp(name, ex, sizeof ex - 1) == 0) {
        side = MCX_ACCESS_EXTERNAL;
        rest = name + sizeof ex - 1;
    }
    if (side < 0 || *rest == '\0')
        return -1;
    size_t i = 0;
    for (; rest[i] && rest[i] != ':' && i + 1 < dlen; i++)
        domain[i] = (char)tolower((unsigned char)rest[i]);
    domain[i] = '\0';
    return side;
}

static int domain_wanted(const verify_ctx *v, const char *domain)
{
    return v->opt->sip_domain == NULL || strcasecmp(v->opt->sip_domain, domain) == 0;
}

/* Note a use of Autodiscover name `name` by a client at `frame`: a DNS
 * query when http_host is NULL, else an HTTP request with that Host (the
 * description is formatted only for the first external use). */
static void order_note(verify_ctx *v, int family, const uint8_t *client, const char *name,
                       unsigned long frame, const char *http_host)
{
    char domain[256];
    int side = ad_name_side(name, domain, sizeof domain);
    if (side < 0 || !domain_wanted(v, domain))
        return;
    order_rec *o = NULL;
    for (size_t i = 0; i < v->norder; i++)
        if (v->order[i].family == family && addr_eq(family, v->order[i].client, client) &&
            strcmp(v->order[i].domain, domain) == 0)
            o = &v->order[i];
    if (o == NULL) {
        if (v->norder == VERIFY_MAX_ORDER ||
            mcx_mem_grow((void **)&v->order, &v->caporder, v->norder, sizeof *v->order) != 0)
            return;
        o = &v->order[v->norder++];
        memset(o, 0, sizeof *o);
        o->family = family;
        memcpy(o->client, client, family == 6 ? 16 : 4);
        snprintf(o->domain, sizeof o->domain, "%s", domain);
    }
    if (side == MCX_ACCESS_INTERNAL && o->first_internal == 0)
        o->first_internal = frame;
    if (side == MCX_ACCESS_EXTERNAL && o->first_external == 0) {
        o->first_external = frame;
        if (http_host)
            snprintf(o->what_external, sizeof o->what_external,
                     "HTTP request to %s (frame %lu)", http_host, frame);
        else
            snprintf(o->what_external, sizeof o->what_external, "DNS query");
    }
}

/* Which web site and scheme a server port is. 0, or -1 when unknown. */
static int listener_of(const verify_ctx *v, uint16_t port, int *side, int *tls)
{
    const mcx_pcap_verify_options *o = v->opt;
    for (size_t i = 0; i < o->nports; i++) {
        if (o->ports[i].port == port) {
            *side = o->ports[i].side;
            *tls = o->ports[i].tls;
            return 0;
        }
    }
    if (o->topo == NULL)
        return -1;
    for (size_t i = 0; i < o->topo->npools; i++) {
        const mcx_pool *p = &o->topo->pools[i];
        const struct {
            int port, side, tls;
        } l[4] = {{p->internal_http_port, MCX_ACCESS_INTERNAL, 0},
                  {p->internal_https_port, MCX_ACCESS_INTERNAL, 1},
                  {p->external_http_port, MCX_ACCESS_EXTERNAL, 0},
                  {p->external_https_port, MCX_ACCESS_EXTERNAL, 1}};
        for (int k = 0; k < 4; k++) {
            if (l[k].port == port) {
                *side = l[k].side;
                *tls = l[k].tls;
                return 0;
            }
        }
    }
    return -1;
}

static const char *listener_name(int side, int tls)
{
    if (side == MCX_ACCESS_INTERNAL)
        return tls ? "internal-https" : "internal-http";
    return tls ? "external-https" : "external-http";
}

/* ---- DNS ---- */

static int dns_addr_allowed(const verify_ctx *v, int side, const char *addr)
{
    const mcx_topology *t = v->opt->topo;
    if (side == MCX_ACCESS_EXTERNAL && t->reverse_proxy_ip &&
        strcmp(t->reverse_proxy_ip, addr) == 0)
        return 1;
    for (size_t i = 0; i < t->npools; i++) {
        const char *ip = side == MCX_ACCESS_INTERNAL ? t->pools[i].internal_ip
                                                     : t->pools[i].external_ip;
        if (ip && strcmp(ip, addr) == 0)
            return 1;
    }
    return 0;
}

/* The IPv4 address an answer stands for: an A record, or an AAAA in the
 * NAT64 prefix 64:ff9b::/96 (the topology has IPv4 VIPs only; other AAAA
 * answers are not checked). 1 when there is one. */
static int dns_answer_v4(uint16_t type, const char *addr, char *out, size_t len)
{
    if (type == 1) {
        snprintf(out, len, "%s", addr);
        return 1;
    }
    uint8_t a6[16];
    static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (type != 28 || inet_pton(AF_INET6, addr, a6) != 1 || memcmp(a6, nat64, 12) != 0)
        return 0;
    mcx_pcap_addr_str(4, a6 + 12, out, len);
    return 1;
}

static const char *dns_rcode_name(int rcode)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",  "REFUSED"};
    return rcode >= 0 && rcode < 6 ? names[rcode] : "RCODE";
}

/* A slot for the newest resolved name: the array grows to
 * VERIFY_MAX_RESOLVED, then the oldest entry is overwritten (a ring, so a
 * long capture does not move the whole array per answer). NULL when out of
 * memory. */
static resolved_rec *resolved_push(verify_ctx *v)
{
    if (v->nresolved == VERIFY_MAX_RESOLVED) {
        resolved_rec *rr = &v->resolved[v->resolved_head];
        v->resolved_head = (v->resolved_head + 1) % VERIFY_MAX_RESOLVED;
        return rr;
    }
    if (mcx_mem_grow((void **)&v->resolved, &v->capresolved, v->nresolved, sizeof *v->resolved))
        return NULL;
    return &v->resolved[v->nresolved++];
}

/* The i-th resolved name, oldest first. */
static const resolved_rec *resolved_at(const verify_ctx *v, size_t i)
{
    return &v->resolved[(v->resolved_head + i) % VERIFY_MAX_RESOLVED];
}

static void dns_transaction(verify_ctx *v, const dns_pending *q, const mcx_dns_msg *r,
                            unsigned long rframe)
{
    char client[48];
    mcx_pcap_addr_str(q->family, q->client, client, sizeof client);
    char answers[1024] = "";
    text_buf ab = {answers, 0, sizeof answers};
    for (size_t i = 0; r && i < r->nanswers && ab.len < sizeof answers - 1; i++) {
        if (ab.len > 0)
            tb_str(&ab, " ");
        tb_str(&ab, r->answer[i]);
    }
    v->dns_transactions++;
    /* "frames Q,R" or "frame Q"; "DNS TYPE NAME from CLIENT -> RCODE[ ANSWERS]" */
    char frames[64];
    text_buf fb = {frames, 0, sizeof frames};
    tb_str(&fb, r ? "frames " : "frame ");
    tb_ulong(&fb, q->frame);
    if (r) {
        tb_str(&fb, ",");
        tb_ulong(&fb, rframe);
    }
    char title[sizeof answers + sizeof q->qname + 128];
    text_buf tb = {title, 0, sizeof title};
    tb_str(&tb, "DNS ");
    tb_str(&tb, q->qtype == 28 ? "AAAA" : q->qtype == 1 ? "A" : "?");
    tb_str(&tb, " ");
    tb_str(&tb, q->qname);
    tb_str(&tb, " from ");
    tb_str(&tb, client);
    tb_str(&tb, " -> ");
    tb_str(&tb, r ? dns_rcode_name(r->rcode) : "(no response)");
    if (ab.len > 0) {
        tb_str(&tb, " ");
        tb_str(&tb, answers);
    }
    mcx_report_step(v->rep, 0, r ? MCX_STEP_INFO : MCX_STEP_FAIL, 0, frames, "%s", title);
    /* Every name's addresses, for the SNI rule (a User URL's host is no
     * lyncdiscover name, yet a correct SNI). */
    for (size_t i = 0; r && i < r->nanswers; i++) {
        resolved_rec *rr = r->answer_type[i] == 1 || r->answer_type[i] == 28
                               ? resolved_push(v) : NULL;
        if (rr == NULL)
            continue;
        rr->family = q->family;
        memcpy(rr->client, q->client, 16);
        text_buf addr = {rr->addr, 0, sizeof rr->addr}, qname = {rr->qname, 0, sizeof rr->qname};
        tb_str(&addr, r->answer[i]);
        tb_str(&qname, q->qname);
    }
    char domain[256];
    int side = ad_name_side(q->qname, domain, sizeof domain);
    if (side < 0 || !domain_wanted(v, domain))
        return;
    if (r == NULL) {
        mcx_report_add(v->rep, "PC-041", "%s query for %s from %s (frame %lu) got no response",
                       q->qtype == 28 ? "AAAA" : "A", q->qname, client, q->frame);
        return;
    }
    int any_addr = 0, any_ok = 0;
    for (size_t i = 0; i < r->nanswers; i++) {
        if (r->answer_type[i] != 1 && r->answer_type[i] != 28)
            continue;
        char v4[64];
        if (dns_answer_v4(r->answer_type[i], r->answer[i], v4, sizeof v4)) {
            any_addr = 1;
            if (v->opt->topo && dns_addr_allowed(v, side, v4))
                any_ok = 1;
        }
    }
    if (v->opt->topo && any_addr && !any_ok)
        mcx_report_add(v->rep, "PC-042",
                       "%s (frame %lu) answered %s: none is the %s Autodiscover address of "
                       "the topology",
                       q->qname, rframe, answers,
                       side == MCX_ACCESS_INTERNAL ? "internal" : "external");
}

static void dns_message(verify_ctx *v, int family, const uint8_t *src, uint16_t sport,
                        const uint8_t *dst, uint16_t dport, const uint8_t *wire, size_t len,
                        unsigned long frame)
{
    mcx_dns_msg scratch; /* used only when the memo cannot hold the message */
    char why[256];
    const mcx_dns_msg *m = mcx_dns_decode_memo(v->dns_cache, wire, len, &scratch, why,
                                               sizeof why);
    if (m == NULL) {
        mcx_report_add(v->rep, "PC-040", "frame %lu: DNS message of %zu bytes: %s", frame, len,
                       why);
        return;
    }
    mcx_pcap_dns_collect(v->dns_rules, family, src, sport, dst, dport, m, wire, len, frame);
    if (!m->is_response) {
        if (v->ndns == VERIFY_MAX_DNS_PENDING) {
            dns_transaction(v, &v->dns[0], NULL, 0);
            memmove(v->dns, v->dns + 1, (v->ndns - 1) * sizeof *v->dns);
            v->ndns--;
        }
        if (mcx_mem_grow((void **)&v->dns, &v->capdns, v->ndns, sizeof *v->dns) != 0)
            return;
        dns_pending *q = &v->dns[v->ndns++];
        memset(q, 0, sizeof *q);
        q->family = family;
        memcpy(q->client, src, family == 6 ? 16 : 4);
        q->cport = sport;
        q->id = m->id;
        q->frame = frame;
        q->qtype = m->qtype;
        text_buf qname = {q->qname, 0, sizeof q->qname};
        tb_str(&qname, m->qname);
        order_note(v, family, src, m->qname, frame, NULL);
        return;
    }
    for (size_t i = 0; i < v->ndns; i++) {
        dns_pending *q = &v->dns[i];
        if (q->id == m->id && q->cport == dport && q->family == family &&
            addr_eq(family, q->client, dst) && strcmp(q->qname, m->qname) == 0) {
            dns_pending copy = *q;
            memmove(v->dns + i, v->dns + i + 1, (v->ndns - i - 1) * sizeof *v->dns);
            v->ndns--;
            dns_transaction(v, &copy, m, frame);
            return;
        }
    }
}

/* DNS over TCP: 2-byte length framing on the reassembled stream. A
 * message longer than VERIFY_MAX_FLOW_BUF is PC-040 and skipped. */
static void dns_tcp_data(verify_flow *f, int dir, const uint8_t *data, size_t len,
                         unsigned long frame)
{
    size_t drop = f->skip[dir] < len ? f->skip[dir] : len;
    f->skip[dir] -= drop;
    data += drop;
    len -= drop;
    if (len == 0)
        return;
    size_t room = VERIFY_MAX_FLOW_BUF + 2 - f->len[dir];
    if (len > room)
        len = room;
    if (f->buf[dir] == NULL && (f->buf[dir] = malloc(VERIFY_MAX_FLOW_BUF + 2)) == NULL)
        return;
    memcpy(f->buf[dir] + f->len[dir], data, len);
    f->len[dir] += len;
    const uint8_t *src = dir == 0 ? f->info.client : f->info.server;
    const uint8_t *dst = dir == 0 ? f->info.server : f->info.client;
    uint16_t sp = dir == 0 ? f->info.client_port : f->info.server_port;
    uint16_t dp = dir == 0 ? f->info.server_port : f->info.client_port;
    while (f->len[dir] >= 2) {
        size_t mlen = (size_t)f->buf[dir][0] << 8 | f->buf[dir][1];
        if (mlen > VERIFY_MAX_FLOW_BUF) {
            mcx_report_add(f->v->rep, "PC-040", "frame %lu: DNS over TCP %s:%u -> %s:%u: "
                           "message of %zu bytes announced, more than the %d kept; not "
                           "decoded", frame, dir == 0 ? f->client : f->server, sp,
                           dir == 0 ? f->server : f->client, dp, mlen, VERIFY_MAX_FLOW_BUF);
            /* Drop the message: what is buffered now, then the rest. */
            size_t have = f->len[dir] - 2;
            f->skip[dir] = mlen - have;
            f->len[dir] = 0;
            return;
        }
        if (f->len[dir] < 2 + mlen)
            break;
        dns_message(f->v, f->info.family, src, sp, dst, dp, f->buf[dir] + 2, mlen, frame);
        memmove(f->buf[dir], f->buf[dir] + 2 + mlen, f->len[dir] - 2 - mlen);
        f->len[dir] -= 2 + mlen;
    }
}

/* ---- TLS: SNI and server certificate (read by lib/pcap_tls.c) ---- */

static void tls_check(verify_flow *f)
{
    verify_ctx *v = f->v;
    char sni[256];
    int rc = mcx_pcap_tls_sni(f->tls, sni, sizeof sni);
    if (rc < 0) {
        mcx_report_add(v->rep, "PC-036", "TCP %s:%u -> %s:%u (frame %lu): ClientHello seen, "
                       "SNI not checked", f->client, f->info.client_port, f->server,
                       f->info.server_port, f->info.first_frame);
        return;
    }
    /* expected: the newest lyncdiscover name the client resolved to this
     * address; an SNI that is any name it resolved to it is fine too. */
    const char *expected = NULL;
    int sni_resolved = 0;
    char domain[256];
    for (size_t i = v->nresolved; i-- > 0;) {
        const resolved_rec *rr = resolved_at(v, i);
        if (rr->family == f->info.family && addr_eq(rr->family, rr->client, f->info.client) &&
            strcmp(rr->addr, f->server) == 0) {
            if (expected == NULL && ad_name_side(rr->qname, domain, sizeof domain) >= 0)
                expected = rr->qname;
            if (rc == 1 && strcasecmp(rr->qname, sni) == 0)
                sni_resolved = 1;
        }
    }
    mcx_report_step(v->rep, 0, MCX_STEP_INFO, 0, NULL, "TLS ClientHello %s:%u -> %s:%u SNI %s",
                    f->client, f->info.client_port, f->server, f->info.server_port,
                    rc ? sni : "(none)");
    if (sni_resolved)
        return;
    if (rc == 0 && expected)
        mcx_report_add(v->rep, "PC-035", "ClientHello to %s:%u has no SNI; expected %s",
                       f->server, f->info.server_port, expected);
    else if (rc == 1 && expected && strcasecmp(sni, expected) != 0)
        mcx_report_add(v->rep, "PC-035", "ClientHello to %s:%u has SNI %s; the client resolved "
                       "%s to this address", f->server, f->info.server_port, sni, expected);
    else if (rc == 1 && expected == NULL && ad_name_side(sni, domain, sizeof domain) < 0) {
        int side, tls;
        if (listener_of(v, f->info.server_port, &side, &tls) == 0 && tls)
            mcx_report_add(v->rep, "PC-035", "ClientHello to Autodiscover port %u has SNI %s, "
                           "not a lyncdiscover name", f->info.server_port, sni);
    }
}

static void tls_events(verify_flow *f, unsigned ev)
{
    if (ev & MCX_PCAP_TLS_EV_HELLO)
        tls_check(f);
    if (ev & MCX_PCAP_TLS_EV_CERT) {
        char where[80];
        snprintf(where, sizeof where, "%s:%u", f->server, f->info.server_port);
        mcx_pcap_tls_check_cert(f->tls, where, f->v->rep);
    }
}

static void tls_data(verify_flow *f, int dir, const uint8_t *data, size_t len)
{
    if (f->tls == NULL && (f->tls = mcx_pcap_tls_new()) == NULL)
        return;
    tls_events(f, mcx_pcap_tls_data(f->tls, dir, data, len));
}

/* ---- HTTP exchanges ---- */

static void check_cookies(verify_ctx *v, const mcx_http_message *req,
                          const mcx_http_message *resp, unsigned long frame)
{
    int set_wsman = 0;
    for (size_t i = 0; i < resp->nheaders; i++) {
        /* the first letter first: this runs over every response header */
        if (tolower((unsigned char)resp->headers[i].name[0]) != 's' ||
            strcasecmp(resp->headers[i].name, "Set-Cookie") != 0)
            continue;
        const char *c = resp->headers[i].value;
        while (*c == ' ')
            c++;
        if (strncasecmp(c, "MS-WSMAN=", 9) != 0)
            continue;
        set_wsman = 1;
        v->wsman_seen = 1;
        char lower[MCX_HTTP_MAX_FIELD + 1];
        size_t k = 0;
        for (; c[k] && k < MCX_HTTP_MAX_FIELD; k++)
            lower[k] = (char)tolower((unsigned char)c[k]);
        lower[k] = '\0';
        if (strstr(lower, "httponly"))
            mcx_report_add(v->rep, "PC-034", "frame %lu: MS-WSMAN cookie marked HttpOnly: %s",
                           frame, c);
        if (strstr(lower, "expires=") || strstr(lower, "max-age="))
            mcx_report_add(v->rep, "PC-034",
                           "frame %lu: MS-WSMAN cookie has an expiry (must be a session "
                           "cookie): %s", frame, c);
    }
    const char *cookie = mcx_http_msg_header(req, "Cookie");
    int had = cookie && has_ci(cookie, "MS-WSMAN=");
    if (!had && !set_wsman && v->ncookie_miss < VERIFY_MAX_COOKIE_MISSES)
        v->cookie_miss[v->ncookie_miss++] = frame;
}

static int is_root_target(const char *target)
{
    char path[512];
    size_t i = 0;
    if (strncasecmp(target, "http://", 7) == 0) {
        const char *slash = strchr(target + 7, '/');
        target = slash ? slash : "/";
    }
    for (; target[i] && target[i] != '?' && i + 1 < sizeof path; i++)
        path[i] = (char)tolower((unsigned char)target[i]);
    path[i] = '\0';
    return strcmp(path, "/") == 0 || strcmp(path, "/autodiscover/autodiscoverservice.svc/root") == 0;
}

/* "CLIENT:PORT -> SERVER:PORT" of a flow. */
static void tb_endpoints(text_buf *b, const verify_flow *f)
{
    tb_str(b, f->client);
    tb_str(b, ":");
    tb_ulong(b, f->info.client_port);
    tb_str(b, " -> ");
    tb_str(b, f->server);
    tb_str(b, ":");
    tb_ulong(b, f->info.server_port);
}

static void http_exchange(void *ctx, const mcx_http_message *req, const mcx_http_message *resp,
                          unsigned long flow_id)
{
    verify_flow *f = ctx;
    verify_ctx *v = f->v;
    (void)flow_id;
    v->http_exchanges++;
    const char *host_hdr = mcx_http_msg_header(req, "Host");
    char host[256] = "";
    if (host_hdr) {
        size_t i = 0;
        for (; host_hdr[i] && host_hdr[i] != ':' && i + 1 < sizeof host; i++)
            host[i] = (char)tolower((unsigned char)host_hdr[i]);
        host[i] = '\0';
    }
    int side = -1, tls = 0;
    int known = listener_of(v, f->info.server_port, &side, &tls) == 0;
    /* "request frames A-B[, response frames C-D]; CLIENT:P -> SERVER:P[ LISTENER];
     * Host H" and "HTTP METHOD TARGET -> STATUS" */
    char frames[640];
    text_buf fb = {frames, 0, sizeof frames};
    tb_str(&fb, "request frames ");
    tb_ulong(&fb, req->first_frame);
    tb_str(&fb, "-");
    tb_ulong(&fb, req->last_frame);
    if (resp) {
        tb_str(&fb, ", response frames ");
        tb_ulong(&fb, resp->first_frame);
        tb_str(&fb, "-");
        tb_ulong(&fb, resp->last_frame);
    }
    tb_str(&fb, "; ");
    tb_endpoints(&fb, f);
    if (resp && known) {
        tb_str(&fb, " ");
        tb_str(&fb, listener_name(side, tls));
    }
    tb_str(&fb, "; Host ");
    tb_str(&fb, host);
    char title[MCX_HTTP_MAX_FIELD + 64];
    text_buf tb = {title, 0, sizeof title};
    tb_str(&tb, "HTTP ");
    tb_str(&tb, req->method ? req->method : "?");
    tb_str(&tb, " ");
    tb_str(&tb, req->target ? req->target : "");
    tb_str(&tb, " -> ");
    if (resp)
        tb_ulong(&tb, (unsigned long)resp->status); /* a parsed status: 0..999 */
    else
        tb_str(&tb, "(no response)");
    mcx_report_step(v->rep, 0, resp ? MCX_STEP_INFO : MCX_STEP_FAIL, 0, frames, "%s", title);
    if (v->opt->on_exchange)
        v->opt->on_exchange(v->opt->exchange_ctx, req, resp, known ? side : -1, tls);

    char domain[256];
    int name_side = ad_name_side(host, domain, sizeof domain);
    const char *t = req->target ? req->target : "";
    int ad_path = has_ci(t, "/autodiscover/autodiscoverservice.svc");
    if (name_side < 0 && !ad_path)
        return;
    if (name_side >= 0 && !domain_wanted(v, domain))
        return;
    order_note(v, f->info.family, f->info.client, host, req->first_frame, host);
    char url[600];
    text_buf ub = {url, 0, sizeof url};
    tb_str(&ub, tls ? "https://" : "http://");
    tb_str(&ub, host_hdr ? host_hdr : f->server);
    tb_str(&ub, t);

    const char *accept = mcx_http_msg_header(req, "Accept");
    if (accept == NULL)
        mcx_report_add(v->rep, "PC-031", "frame %lu: %s %s has no Accept header",
                       req->first_frame, req->method, url);
    else if (!has_ci(accept, "application/vnd.microsoft.rtc.autodiscover+") &&
             !has_ci(accept, "application/json"))
        mcx_report_add(v->rep, "PC-031", "frame %lu: Accept: %s", req->first_frame, accept);
    if (!known) {
        size_t i = 0;
        while (i < v->nunknown_ports && v->unknown_ports[i] != f->info.server_port)
            i++;
        if (i == v->nunknown_ports && i < sizeof v->unknown_ports / sizeof v->unknown_ports[0]) {
            v->unknown_ports[v->nunknown_ports++] = f->info.server_port;
            mcx_report_add(v->rep, "PC-032", "server port %u (first at frame %lu) is no web "
                           "listener of the topology", f->info.server_port, req->first_frame);
        }
    }
    if (resp == NULL)
        return;
    check_cookies(v, req, resp, resp->first_frame);
    int first_hop = name_side >= 0 && !tls && is_root_target(t);
    const char *ct = mcx_http_msg_header(resp, "Content-Type");
    int is_doc = resp->status == 200 && ct &&
                 (strncasecmp(ct, "application/vnd.microsoft.rtc.autodiscover+", 43) == 0 ||
                  strncasecmp(ct, "application/json", 16) == 0);
    if (first_hop && !is_doc) {
        const char *loc = mcx_http_msg_header(resp, "Location");
        mcx_finding *fd = mcx_report_add(
            v->rep, "PC-033", "frame %lu: plain-HTTP first hop %s answered %d%s%s%s",
            resp->first_frame, url, resp->status, ct ? " " : "", ct ? ct : "",
            loc ? " (Location header instead of a body Redirect)" : "");
        mcx_finding_set_evidence(fd, url, resp->status, resp->body, resp->body_len);
    }
    if (!is_doc || req->method == NULL || strcmp(req->method, "HEAD") == 0)
        return;
    if (mcx_vcache_check(v->vcache, v->opt->topo, ct, resp->body, resp->body_len, !tls,
                         known ? side : -1, v->rep, url) != 0 && first_hop)
        mcx_report_add(v->rep, "PC-033", "frame %lu: plain-HTTP first hop %s: the body is not "
                       "an Autodiscover document", resp->first_frame, url);
}

/* ---- TCP callbacks ---- */

static void *flow_open(void *ctx, const mcx_tcp_flow_info *info)
{
    verify_flow *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    f->v = ctx;
    f->info = *info;
    mcx_pcap_addr_str(info->family, info->client, f->client, sizeof f->client);
    mcx_pcap_addr_str(info->family, info->server, f->server, sizeof f->server);
    if (info->server_port == 53 || info->client_port == 53)
        f->kind = FLOW_DNS;
    return f;
}

static void flow_classify(verify_flow *f, const uint8_t *data, size_t len)
{
    if (data[0] == 0x16) {
        f->kind = FLOW_TLS;
        return;
    }
    size_t i = 0;
    while (i < len && i < 16 && isupper(data[i]))
        i++;
    if (i > 0 && (i == len || data[i] == ' ')) {
        char label[160];
        text_buf lb = {label, 0, sizeof label};
        tb_str(&lb, "TCP ");
        tb_endpoints(&lb, f);
        f->http = mcx_http_conn_new(f->info.id, label, http_exchange, f, f->v->rep);
        if (f->http)
            mcx_http_conn_set_pool(f->http, f->v->http_pool);
        f->kind = f->http ? FLOW_HTTP : FLOW_OTHER;
        return;
    }
    f->kind = FLOW_OTHER;
}

static void flow_data(void *ctx, void *user, int dir, const uint8_t *data, size_t len,
                      unsigned long frame)
{
    (void)ctx;
    verify_flow *f = user;
    if (f == NULL || len == 0)
        return;
    if (f->kind == FLOW_UNKNOWN) {
        if (dir != 0)
            return; /* server spoke first: wait for the client */
        flow_classify(f, data, len);
    }
    if (f->kind == FLOW_HTTP)
        mcx_http_conn_data(f->http, dir, data, len, frame);
    else if (f->kind == FLOW_DNS)
        dns_tcp_data(f, dir, data, len, frame);
    else if (f->kind == FLOW_TLS)
        tls_data(f, dir, data, len);
}

static void flow_gap(void *ctx, void *user, int dir, uint64_t len, unsigned long frame)
{
    (void)ctx;
    (void)len;
    verify_flow *f = user;
    if (f && f->kind == FLOW_HTTP)
        mcx_http_conn_gap(f->http, dir, frame);
    if (f && f->kind == FLOW_DNS) {
        f->len[dir] = 0; /* the gap is PC-011 */
        f->skip[dir] = 0;
    }
}

/* A DNS-over-TCP direction that ends inside a message: PC-040 (an
 * oversized message being skipped was reported already). */
static void dns_tcp_end(verify_flow *f, int dir, unsigned long frame)
{
    if (f->len[dir] > 0 && f->skip[dir] == 0) {
        size_t mlen = f->len[dir] >= 2 ? ((size_t)f->buf[dir][0] << 8 | f->buf[dir][1]) : 0;
        mcx_report_add(f->v->rep, "PC-040", "frame %lu: DNS over TCP %s:%u -> %s:%u ended "
                       "inside a message (%zu bytes announced, %zu received)", frame,
                       dir == 0 ? f->client : f->server,
                       dir == 0 ? f->info.client_port : f->info.server_port,
                       dir == 0 ? f->server : f->client,
                       dir == 0 ? f->info.server_port : f->info.client_port, mlen,
                       f->len[dir] >= 2 ? f->len[dir] - 2 : f->len[dir]);
    }
    f->len[dir] = 0;
    f->skip[dir] = 0;
}

static void flow_end(void *ctx, void *user, int dir, unsigned long frame)
{
    (void)ctx;
    verify_flow *f = user;
    if (f && f->kind == FLOW_HTTP)
        mcx_http_conn_end(f->http, dir, frame);
    if (f && f->kind == FLOW_DNS)
        dns_tcp_end(f, dir, frame);
}

static void flow_close(void *ctx, void *user)
{
    (void)ctx;
    verify_flow *f = user;
    if (f == NULL)
        return;
    if (f->tls) {
        tls_events(f, mcx_pcap_tls_finish(f->tls));
        mcx_pcap_tls_free(f->tls);
    }
    if (f->kind == FLOW_DNS) {
        dns_tcp_end(f, 0, f->info.first_frame);
        dns_tcp_end(f, 1, f->info.first_frame);
    }
    mcx_http_conn_free(f->http);
    free(f->buf[0]);
    free(f->buf[1]);
    free(f);
}

/* ---- driver ---- */

static void verify_finish_rules(verify_ctx *v)
{
    for (size_t i = 0; i < v->ndns; i++)
        dns_transaction(v, &v->dns[i], NULL, 0);
    v->ndns = 0;
    for (size_t i = 0; i < v->norder; i++) {
        const order_rec *o = &v->order[i];
        if (o->first_external == 0)
            continue;
        if (o->first_internal == 0 || o->first_internal > o->first_external) {
            char client[48];
            mcx_pcap_addr_str(o->family, o->client, client, sizeof client);
            if (o->first_internal)
                mcx_report_add(v->rep, "PC-030", "client %s: %s for lyncdiscover.%s came "
                               "before the first use of lyncdiscoverinternal.%s (frame %lu)",
                               client, o->what_external, o->domain, o->domain,
                               o->first_internal);
            else
                mcx_report_add(v->rep, "PC-030", "client %s: %s for lyncdiscover.%s, but "
                               "lyncdiscoverinternal.%s was never tried", client,
                               o->what_external, o->domain, o->domain);
        }
    }
    if (v->wsman_seen && v->ncookie_miss > 0) {
        char list[256] = "";
        size_t used = 0;
        for (size_t i = 0; i < v->ncookie_miss && used + 12 < sizeof list; i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%lu", i ? "," : "",
                                     v->cookie_miss[i]);
        mcx_report_add(v->rep, "PC-034", "a load balancer sets MS-WSMAN, but responses in "
                       "frames %s answer requests without the cookie and set none", list);
    }
}

int mcx_pcap_verify(mcx_pcap_reader *r, const mcx_pcap_verify_options *opt, mcx_report *rep)
{
    verify_ctx v;
    memset(&v, 0, sizeof v);
    v.opt = opt;
    v.rep = rep;
    mcx_tcp_callbacks cb = {flow_open, flow_data, flow_gap, flow_end, flow_close};
    mcx_tcp_reasm *ra = mcx_tcp_reasm_new(&cb, &v, rep);
    if (ra == NULL) {
        mcx_report_add(rep, "PC-000", "out of memory");
        return -1;
    }
    v.dns_rules = mcx_pcap_dns_collector_new();
    v.http_pool = mcx_http_pool_new(); /* NULL: each message is malloc'd */
    if (!opt->uncached) {
        v.vcache = mcx_vcache_new(opt->topo);
        v.dns_cache = mcx_dns_cache_new();
    }
    mcx_packet pkt;
    char why[512];
    unsigned long last = 0, bad = 0, cut = 0;
    int rc = 0;
    for (;;) {
        mcx_pkt_status st = mcx_pcap_reader_next(r, &pkt, why, sizeof why);
        if (st == MCX_PKT_END)
            break;
        if (st == MCX_PKT_ERROR) {
            mcx_report_add(rep, "PC-001", "%s", why);
            rc = last == 0 ? -1 : 0;
            break;
        }
        last++;
        if (st == MCX_PKT_SKIP)
            continue;
        if (st == MCX_PKT_BAD) {
            if (++bad <= VERIFY_MAX_BAD_PACKETS)
                mcx_report_add(rep, "PC-003", "frame %lu: %s", last, why);
            continue;
        }
        if (pkt.payload_missing > 0 && ++cut <= VERIFY_MAX_BAD_PACKETS)
            mcx_report_add(rep, "PC-002", "frame %lu: %zu of %zu payload bytes captured",
                           pkt.frame, pkt.payload_len, pkt.payload_len + pkt.payload_missing);
        if (opt->step_stream && rep->nsteps >= VERIFY_STREAM_BATCH)
            mcx_report_stream_flush(opt->step_stream);
        if (pkt.proto == 17 && (pkt.sport == 53 || pkt.dport == 53)) {
            if (pkt.payload_missing == 0)
                dns_message(&v, pkt.family, pkt.src, pkt.sport, pkt.dst, pkt.dport,
                            pkt.payload, pkt.payload_len, pkt.frame);
        } else if (pkt.proto == 6) {
            mcx_tcp_reasm_packet(ra, &pkt);
        }
    }
    if (bad > VERIFY_MAX_BAD_PACKETS)
        mcx_report_add(rep, "PC-003", "%lu more malformed packets not listed",
                       bad - VERIFY_MAX_BAD_PACKETS);
    if (cut > VERIFY_MAX_BAD_PACKETS)
        mcx_report_add(rep, "PC-002", "%lu more snaplen-cut packets not listed",
                       cut - VERIFY_MAX_BAD_PACKETS);
    mcx_tcp_reasm_finish(ra, last);
    mcx_tcp_reasm_free(ra);
    mcx_http_pool_free(v.http_pool); /* after every connection was freed */
    verify_finish_rules(&v);
    mcx_pcap_dns_rules(v.dns_rules, opt, rep);
    mcx_pcap_dns_collector_free(v.dns_rules);
    mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                    "%lu frames, %lu DNS transactions, %lu HTTP exchanges", last,
                    v.dns_transactions, v.http_exchanges);
    mcx_vcache_free(v.vcache);
    mcx_dns_cache_free(v.dns_cache);
    free(v.dns);
    free(v.order);
    free(v.resolved);
    return rc;
}
