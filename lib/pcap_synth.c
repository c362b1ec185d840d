/*
 * pcap_synth.c -- synthetic capture frames: Ethernet II (or raw IP),
 * IPv4/IPv6, UDP and TCP headers with valid checksums, written through
 * libpcap's dump API with fixed timestamps.
 *
 * Owns: frame layout and checksums for frames mcxlab writes itself (golden
 * captures, broken variants, fuzz seeds, bench input). Does not own: reading
 * captures (pcap_read.c) nor what the payloads are (cmd_pcap.c). No traffic
 * is ever sent.
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "mcx/pcap.h"

#define SYNTH_MAX_FRAME 65535
#define SYNTH_DEFAULT_MSS 1460

struct mcx_pcap_writer {
    pcap_t *dead;
    pcap_dumper_t *dumper;
    int linktype;
    int64_t sec;
    uint32_t usec;
    uint32_t step_usec;
    unsigned long frames;
    uint64_t bytes;
    uint16_t ip_id;
    uint8_t frame[SYNTH_MAX_FRAME + 64];
};

int mcx_pcap_endpoint_set(mcx_pcap_endpoint *ep, const char *addr, uint16_t port)
{
    memset(ep, 0, sizeof *ep);
    if (inet_pton(AF_INET, addr, ep->addr) == 1)
        ep->family = 4;
    else if (inet_pton(AF_INET6, addr, ep->addr) == 1)
        ep->family = 6;
    else
        return -1;
    ep->port = port;
    size_t alen = ep->family == 4 ? 4 : 16;
    ep->mac[0] = 0x02;
    ep->mac[1] = 0x00;
    memcpy(ep->mac + 2, ep->addr + alen - 4, 4);
    return 0;
}

static mcx_pcap_writer *writer_new(int linktype, int64_t start_sec, uint32_t step_usec,
                                   char *err, size_t errlen)
{
    if (linktype != MCX_PCAP_LINK_ETHERNET && linktype != MCX_PCAP_LINK_RAW) {
        snprintf(err, errlen, "unsupported link type %d for writing", linktype);
        return NULL;
    }
    mcx_pcap_writer *w = calloc(1, sizeof *w);
    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->dead = pcap_open_dead(linktype == MCX_PCAP_LINK_RAW ? DLT_RAW : DLT_EN10MB, 65535);
    if (w->dead == NULL) {
        snprintf(err, errlen, "pcap_open_dead failed");
        free(w);
        return NULL;
    }
    w->linktype = linktype;
    w->sec = start_sec;
    w->step_usec = step_usec;
    w->ip_id = 1;
    w->bytes = 24; /* file header */
    return w;
}

mcx_pcap_writer *mcx_pcap_writer_open(const char *path, int linktype, int64_t start_sec,
                                      uint32_t step_usec, char *err, size_t errlen)
{
    mcx_pcap_writer *w = writer_new(linktype, start_sec, step_usec, err, errlen);
    if (w == NULL)
        return NULL;
    w->dumper = pcap_dump_open(w->dead, path);
    if (w->dumper == NULL) {
        snprintf(err, errlen, "%s: %s", path, pcap_geterr(w->dead));
        pcap_close(w->dead);
        free(w);
        return NULL;
    }
    return w;
}

mcx_pcap_writer *mcx_pcap_writer_fopen(FILE *f, int linktype, int64_t start_sec,
                                       uint32_t step_usec, char *err, size_t errlen)
{
    mcx_pcap_writer *w = writer_new(linktype, start_sec, step_usec, err, errlen);
    if (w == NULL)
        return NULL;
    w->dumper = pcap_dump_fopen(w->dead, f);
    if (w->dumper == NULL) {
        snprintf(err, errlen, "pcap_dump_fopen: %s", pcap_geterr(w->dead));
        pcap_close(w->dead);
        free(w);
        return NULL;
    }
    return w;
}

int mcx_pcap_writer_close(mcx_pcap_writer *w)
{
    if (w == NULL)
        return 0;
    int rc = pcap_dump_flush(w->dumper) == 0 ? 0 : -1;
    pcap_dump_close(w->dumper); /* closes the FILE given to fopen too */
    pcap_close(w->dead);
    free(w);
    return rc;
}

unsigned long mcx_pcap_writer_frames(const mcx_pcap_writer *w)
{
    return w->frames;
}

uint64_t mcx_pcap_writer_bytes(const mcx_pcap_writer *w)
{
    return w->bytes;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)(p[len - 1] << 8);
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Write the frame: link header + IP header around an L4 segment already at
 * `l4` (length l4len). Fills the L4 checksum at l4 + csum_off. */
static int emit(mcx_pcap_writer *w, const mcx_pcap_endpoint *src, const mcx_pcap_endpoint *dst,
                int proto, size_t l4len, size_t csum_off)
{
    uint8_t *f = w->frame;
    size_t link = w->linktype == MCX_PCAP_LINK_ETHERNET ? 14 : 0;
    size_t iphl = src->family == 4 ? 20 : 40;
    uint8_t *ip = f + link;
    uint8_t *l4 = ip + iphl;
    if (link) {
        memcpy(f, dst->mac, 6);
        memcpy(f + 6, src->mac, 6);
        put16(f + 12, src->family == 4 ? 0x0800 : 0x86dd);
    }
    /* L4 checksum over the pseudo header. */
    uint32_t sum = 0;
    uint8_t pseudo[8];
    if (src->family == 4) {
        sum = csum_add(sum, src->addr, 4);
        sum = csum_add(sum, dst->addr, 4);
        pseudo[0] = 0;
        pseudo[1] = (uint8_t)proto;
        put16(pseudo + 2, (uint16_t)l4len);
        sum = csum_add(sum, pseudo, 4);
    } else {
        sum = csum_add(sum, src->addr, 16);
        sum = csum_add(sum, dst->addr, 16);
        put32(pseudo, (uint32_t)l4len);
        pseudo[4] = pseudo[5] = pseudo[6] = 0;
        pseudo[7] = (uint8_t)proto;
        sum = csum_add(sum, pseudo, 8);
    }
    put16(l4 + csum_off, 0);
    sum = csum_add(sum, l4, l4len);
    uint16_t c = csum_fold(sum);
    if (proto == 17 && c == 0)
        c = 0xffff;
    put16(l4 + csum_off, c);
    if (src->family == 4) {
        memset(ip, 0, 20);
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)(20 + l4len));
        put16(ip + 4, w->ip_id++);
        ip[6] = 0x40; /* DF */
        ip[8] = 64;
        ip[9] = (uint8_t)proto;
        memcpy(ip + 12, src->addr, 4);
        memcpy(ip + 16, dst->addr, 4);
        put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    } else {
        memset(ip, 0, 40);
        ip[0] = 0x60;
        put16(ip + 4, (uint16_t)l4len);
        ip[6] = (uint8_t)proto;
        ip[7] = 64;
        memcpy(ip + 8, src->addr, 16);
        memcpy(ip + 24, dst->addr, 16);
    }
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)w->sec;
    h.ts.tv_usec = (suseconds_t)w->usec;
    h.caplen = h.len = (bpf_u_int32)(link + iphl + l4len);
    pcap_dump((u_char *)w->dumper, &h, f);
    w->frames++;
    w->bytes += 16 + h.caplen;
    w->usec += w->step_usec;
    while (w->usec >= 1000000) {
        w->usec -= 1000000;
        w->sec++;
    }
    return 0;
}

static size_t l4_offset(const mcx_pcap_writer *w, const mcx_pcap_endpoint *src)
{
    return (w->linktype == MCX_PCAP_LINK_ETHERNET ? 14 : 0) + (src->family == 4 ? 20 : 40);
}

int mcx_pcap_write_udp(mcx_pcap_writer *w, const mcx_pcap_endpoint *src,
                       const mcx_pcap_endpoint *dst, const void *data, size_t len)
{
    if (src->family != dst->family || len > SYNTH_MAX_FRAME - 100)
        return -1;
    uint8_t *udp = w->frame + l4_offset(w, src);
    put16(udp, src->port);
    put16(udp + 2, dst->port);
    put16(udp + 4, (uint16_t)(8 + len));
    if (len)
        memcpy(udp + 8, data, len);
    return emit(w, src, dst, 17, 8 + len, 6);
}

int mcx_pcap_write_tcp(mcx_pcap_writer *w, const mcx_pcap_endpoint *src,
                       const mcx_pcap_endpoint *dst, uint8_t flags, uint32_t seq,
                       uint32_t ack, const void *data, size_t len)
{
    if (src->family != dst->family || len > SYNTH_MAX_FRAME - 100)
        return -1;
    uint8_t *tcp = w->frame + l4_offset(w, src);
    memset(tcp, 0, 20);
    put16(tcp, src->port);
    put16(tcp + 2, dst->port);
    put32(tcp + 4, seq);
    put32(tcp + 8, (flags & MCX_TCP_ACK) ? ack : 0);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 65535);
    if (len)
        memcpy(tcp + 20, data, len);
    return emit(w, src, dst, 6, 20 + len, 16);
}

void mcx_pcap_tcp_init(mcx_pcap_tcp_conn *c, const mcx_pcap_endpoint *client,
                       const mcx_pcap_endpoint *server, uint32_t client_isn,
                       uint32_t server_isn)
{
    memset(c, 0, sizeof *c);
    c->client = *client;
    c->server = *server;
    c->client_seq = client_isn;
    c->server_seq = server_isn;
    c->mss = SYNTH_DEFAULT_MSS;
}

int mcx_pcap_tcp_handshake(mcx_pcap_writer *w, mcx_pcap_tcp_conn *c)
{
    if (mcx_pcap_write_tcp(w, &c->client, &c->server, MCX_TCP_SYN, c->client_seq, 0, NULL, 0))
        return -1;
    c->client_seq++;
    if (mcx_pcap_write_tcp(w, &c->server, &c->client, MCX_TCP_SYN | MCX_TCP_ACK,
                           c->server_seq, c->client_seq, NULL, 0))
        return -1;
    c->server_seq++;
    return mcx_pcap_write_tcp(w, &c->client, &c->server, MCX_TCP_ACK, c->client_seq,
                              c->server_seq, NULL, 0);
}

int mcx_pcap_tcp_send(mcx_pcap_writer *w, mcx_pcap_tcp_conn *c, int from_client,
                      const void *data, size_t len)
{
    const mcx_pcap_endpoint *src = from_client ? &c->client : &c->server;
    const mcx_pcap_endpoint *dst = from_client ? &c->server : &c->client;
    uint32_t *seq = from_client ? &c->client_seq : &c->server_seq;
    uint32_t *peer = from_client ? &c->server_seq : &c->client_seq;
    size_t mss = c->mss ? c->mss : SYNTH_DEFAULT_MSS;
    const uint8_t *p = data;
    size_t off = 0;
    while (off < len) {
        size_t n = len - off < mss ? len - off : mss;
        uint8_t flags = MCX_TCP_ACK | (off + n == len ? MCX_TCP_PSH : 0);
        if (mcx_pcap_write_tcp(w, src, dst, flags, *seq, *peer, p + off, n))
            return -1;
        *seq += (uint32_t)n;
        off += n;
        if (mcx_pcap_write_tcp(w, dst, src, MCX_TCP_ACK, *peer, *seq, NULL, 0))
            return -1;
    }
    return 0;
}

int mcx_pcap_tcp_close(mcx_pcap_writer *w, mcx_pcap_tcp_conn *c)
{
    if (mcx_pcap_write_tcp(w, &c->client, &c->server, MCX_TCP_FIN | MCX_TCP_ACK,
                           c->client_seq, c->server_seq, NULL, 0))
        return -1;
    c->client_seq++;
    if (mcx_pcap_write_tcp(w, &c->server, &c->client, MCX_TCP_FIN | MCX_TCP_ACK,
                           c->server_seq, c->client_seq, NULL, 0))
        return -1;
    c->server_seq++;
    return mcx_pcap_write_tcp(w, &c->client, &c->server, MCX_TCP_ACK, c->client_seq,
                              c->server_seq, NULL, 0);
}
