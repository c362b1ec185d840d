/*
 * pcap.h -- packet captures: writing synthetic frames (lib/pcap_synth.c) and
 * reading any capture libpcap opens into decoded IP packets
 * (lib/pcap_read.c), and the verifier over a whole capture
 * (lib/pcap_rules.c).
 *
 * Owns: the capture-level API. The synthesiser writes Ethernet (or nothing
 * for link type RAW) + IPv4/IPv6 + UDP/TCP headers with valid checksums
 * through libpcap's dump API (pcap_open_dead + pcap_dump): capture
 * synthesis, not protocol parsing. The reader decodes link types EN10MB,
 * LINUX_SLL, LINUX_SLL2, NULL, LOOP and RAW, IPv4/IPv6 and UDP/TCP headers.
 * Does not own: TCP reassembly (tcp_reassembly.h), HTTP framing
 * (http_stream.h), DNS decoding (dns_decode.h), nor which exchanges a golden
 * capture holds (conformance/cmd_pcap.c).
 */
#ifndef MCX_PCAP_H
#define MCX_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mcx/report.h"
#include "mcx/topology.h"

/* ---- Writing (pcap_synth.c) ---- */

typedef struct mcx_pcap_writer mcx_pcap_writer;

typedef struct mcx_pcap_endpoint {
    int family;       /* 4 or 6 */
    uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
    uint16_t port;
    uint8_t mac[6];
} mcx_pcap_endpoint;

/* Fill `ep` from a presentation address; the MAC is derived from the
 * address (02:00 + last 4 bytes). 0, or -1 when `addr` is not an address. */
int mcx_pcap_endpoint_set(mcx_pcap_endpoint *ep, const char *addr, uint16_t port);

/* Link types the writer produces. */
#define MCX_PCAP_LINK_ETHERNET 1 /* DLT_EN10MB */
#define MCX_PCAP_LINK_RAW 101    /* LINKTYPE_RAW */

/* Open a writer on `path` ("-" not accepted) or on an open FILE (the writer
 * does not close it). Timestamps start at `start_sec` and advance
 * `step_usec` per frame (fixed: byte-identical output). NULL on error with a
 * message in err. */
mcx_pcap_writer *mcx_pcap_writer_open(const char *path, int linktype, int64_t start_sec,
                                      uint32_t step_usec, char *err, size_t errlen);
mcx_pcap_writer *mcx_pcap_writer_fopen(FILE *f, int linktype, int64_t start_sec,
                                       uint32_t step_usec, char *err, size_t errlen);
/* Flush and close. 0, or -1 on a write error. */
int mcx_pcap_writer_close(mcx_pcap_writer *w);
/* Frames and file bytes (headers included) written so far. */
unsigned long mcx_pcap_writer_frames(const mcx_pcap_writer *w);
uint64_t mcx_pcap_writer_bytes(const mcx_pcap_writer *w);

/* One UDP datagram. 0 or -1. */
int mcx_pcap_write_udp(mcx_pcap_writer *w, const mcx_pcap_endpoint *src,
                       const mcx_pcap_endpoint *dst, const void *data, size_t len);

#define MCX_TCP_FIN 0x01
#define MCX_TCP_SYN 0x02
#define MCX_TCP_RST 0x04
#define MCX_TCP_PSH 0x08
#define MCX_TCP_ACK 0x10

/* One raw TCP segment (for hand-made broken variants). 0 or -1. */
int mcx_pcap_write_tcp(mcx_pcap_writer *w, const mcx_pcap_endpoint *src,
                       const mcx_pcap_endpoint *dst, uint8_t flags, uint32_t seq,
                       uint32_t ack, const void *data, size_t len);

/* A well-behaved TCP connection: handshake, data in MSS-sized segments each
 * ACKed by the peer, FIN/ACK close from the client. */
typedef struct mcx_pcap_tcp_conn {
    mcx_pcap_endpoint client, server;
    uint32_t client_seq; /* next sequence number the client sends */
    uint32_t server_seq;
    size_t mss;          /* 0 = 1460 */
} mcx_pcap_tcp_conn;

/* Initial sequence numbers are given (deterministic). */
void mcx_pcap_tcp_init(mcx_pcap_tcp_conn *c, const mcx_pcap_endpoint *client,
                       const mcx_pcap_endpoint *server, uint32_t client_isn,
                       uint32_t server_isn);
int mcx_pcap_tcp_handshake(mcx_pcap_writer *w, mcx_pcap_tcp_conn *c);
int mcx_pcap_tcp_send(mcx_pcap_writer *w, mcx_pcap_tcp_conn *c, int from_client,
                      const void *data, size_t len);
int mcx_pcap_tcp_close(mcx_pcap_writer *w, mcx_pcap_tcp_conn *c);

/* ---- Reading (pcap_read.c) ---- */

typedef struct mcx_packet {
    unsigned long frame; /* 1-based, as tshark counts */
    int64_t ts_sec;
    int32_t ts_usec;
    int family;          /* 4 or 6 */
    uint8_t src[16], dst[16];
    int proto;           /* 6 TCP, 17 UDP */
    uint16_t sport, dport;
    uint8_t tcp_flags;
    uint32_t seq, ack;
    const uint8_t *payload; /* valid until the next read */
    size_t payload_len;     /* captured payload bytes */
    size_t payload_missing; /* wire bytes cut by the snapshot length */
} mcx_packet;

typedef struct mcx_pcap_reader mcx_pcap_reader;

typedef enum {
    MCX_PKT_OK = 0,  /* an IPv4/IPv6 UDP or TCP packet */
    MCX_PKT_SKIP,    /* not IP, or another IP protocol: ignored */
    MCX_PKT_BAD,     /* malformed: `why` says which header and offset */
    MCX_PKT_END,     /* end of the capture */
    MCX_PKT_ERROR    /* read error / truncated file: `why` says so */
} mcx_pkt_status;

/* NULL on error, with a message in err: "PATH: No such file or directory"
 * (the system's words, the path named once), "PATH: not a pcap or pcapng
 * capture (libpcap: ...)", or one starting "unsupported link type" (a
 * capture this reader cannot decode). `f` is closed by
 * mcx_pcap_reader_close. */
mcx_pcap_reader *mcx_pcap_reader_open(const char *path, char *err, size_t errlen);
mcx_pcap_reader *mcx_pcap_reader_fopen(FILE *f, char *err, size_t errlen);
mcx_pkt_status mcx_pcap_reader_next(mcx_pcap_reader *r, mcx_packet *pkt, char *why,
                                    size_t whylen);
/* "EN10MB", "LINUX_SLL", ... */
const char *mcx_pcap_reader_linktype(const mcx_pcap_reader *r);
void mcx_pcap_reader_close(mcx_pcap_reader *r);
/* "192.0.2.50" / "2001:db8::50" into buf. */
void mcx_pcap_addr_str(int family, const uint8_t *addr, char *buf, size_t len);

/* ---- Verifying (pcap_rules.c) ---- */

typedef struct mcx_pcap_port_map {
    uint16_t port;
    int side; /* mcx_access */
    int tls;
} mcx_pcap_port_map;

#define MCX_PCAP_MAX_PORT_MAPS 16

struct mcx_http_message; /* http_stream.h */

typedef struct mcx_pcap_verify_options {
    const mcx_topology *topo;  /* may be NULL: topology rules not checked */
    const char *sip_domain;    /* NULL: every domain seen */
    mcx_pcap_port_map ports[MCX_PCAP_MAX_PORT_MAPS]; /* extra listeners */
    size_t nports;
    /* Optional: called for every HTTP exchange after the rules (`pcap
     * replay`) as it is listed; side is an mcx_access or -1 when the listener is unknown;
     * resp may be NULL. */
    void (*on_exchange)(void *ctx, const struct mcx_http_message *req,
                        const struct mcx_http_message *resp, int side, int tls);
    void *exchange_ctx;
    /* 1: decode every DNS message and parse and validate every
     * Autodiscover document afresh instead of reusing the result for an
     * identical earlier one (same output, slower; test_pcap_cache compares
     * both). */
    int uncached;
    /* Optional: a step stream over the report passed to mcx_pcap_verify
     * (report.h); verify flushes it every VERIFY_STREAM_BATCH steps so the
     * step list does not grow with the capture. The caller closes it. */
    struct mcx_report_stream *step_stream;
} mcx_pcap_verify_options;

/* Verify a capture already opened. Adds one step per DNS transaction and
 * per HTTP exchange (with frame numbers) and the findings to `rep`.
 * Returns 0, or -1 when the capture could not be read at all (PC-001). */
int mcx_pcap_verify(mcx_pcap_reader *r, const mcx_pcap_verify_options *opt, mcx_report *rep);

/* ---- DNS rules over the answers of a capture (pcap_dns_rules.c) ----
 *
 * mcx_pcap_verify feeds every DNS message (UDP, or one framed message of a
 * TCP stream) to a collector; at the end the answers of each resolver
 * become one DNS view (records, NXDOMAIN vs NODATA, zone apexes from the
 * SOA of negative answers) judged by mcx_dns_rules_check. The vantage of a
 * resolver is its address: private, unique-local, link-local, loopback or
 * 192.0.2.0/24 (the lab's internal side) is "internal", anything else
 * "external". Only rules a capture can judge
 * report (see pcap/README.md); the others are listed in one step. */
typedef struct mcx_pcap_dns_collector mcx_pcap_dns_collector;
struct mcx_dns_msg; /* mcx/dns_decode.h */

mcx_pcap_dns_collector *mcx_pcap_dns_collector_new(void);
void mcx_pcap_dns_collector_free(mcx_pcap_dns_collector *c);
/* One DNS message from src:sport to dst:dport seen in `frame`: `m` is its
 * summary (mcx_dns_decode, which pcap_rules.c runs first and reports PC-040
 * for messages ldns cannot parse), `wire` its bytes. */
void mcx_pcap_dns_collect(mcx_pcap_dns_collector *c, int family, const uint8_t *src,
                          uint16_t sport, const uint8_t *dst, uint16_t dport,
                          const struct mcx_dns_msg *m, const uint8_t *wire, size_t len,
                          unsigned long frame);
/* Run the DNS rules per resolver for the SIP domains asked about (or
 * opt->sip_domain) with opt->topo; DNS- findings (evidence: the frames)
 * and steps go to `rep`. */
void mcx_pcap_dns_rules(mcx_pcap_dns_collector *c, const mcx_pcap_verify_options *opt,
                        mcx_report *rep);

/* ---- TLS in captures (lib/pcap_tls.c; added by engineer "pcap-tls") ----
 * Per-connection state fed with the in-order bytes of a flow classified as
 * TLS: the ClientHello's SNI (parsed by OpenSSL's client-hello callback) and,
 * when the server sends it in clear (TLS 1.2 and earlier), the leaf of its
 * Certificate message (d2i_X509). Nothing is decrypted. Bounds: */
#define MCX_PCAP_TLS_MAX_HELLO 16384        /* client bytes kept for the hello */
#define MCX_PCAP_TLS_MAX_SERVER (64 * 1024) /* server handshake bytes kept */

typedef struct mcx_pcap_tls mcx_pcap_tls;
struct x509_st; /* OpenSSL's X509 */

/* What a call made available (bit mask). */
#define MCX_PCAP_TLS_EV_HELLO 1u /* the ClientHello is decided: mcx_pcap_tls_sni */
#define MCX_PCAP_TLS_EV_CERT 2u  /* the certificate scan ended: leaf or note */

mcx_pcap_tls *mcx_pcap_tls_new(void); /* NULL when out of memory */
void mcx_pcap_tls_free(mcx_pcap_tls *t);
/* In-order bytes of one direction (0 client, 1 server). Each event is
 * returned once. */
unsigned mcx_pcap_tls_data(mcx_pcap_tls *t, int dir, const uint8_t *data, size_t len);
/* End of the flow: decide what is still pending (events as above). */
unsigned mcx_pcap_tls_finish(mcx_pcap_tls *t);
/* 1 SNI copied to out, 0 the hello has no SNI, -1 not parsed / not seen. */
int mcx_pcap_tls_sni(const mcx_pcap_tls *t, char *out, size_t len);
/* The server's leaf certificate (borrowed), or NULL with the reason (stream
 * offset and rule) in mcx_pcap_tls_note. */
struct x509_st *mcx_pcap_tls_leaf(const mcx_pcap_tls *t);
const char *mcx_pcap_tls_note(const mcx_pcap_tls *t);
/* One step describing the certificate `where` ("host:port") presented, and
 * CT-021 (mcx_cert_name_finding) when it does not cover the SNI. */
void mcx_pcap_tls_check_cert(const mcx_pcap_tls *t, const char *where, mcx_report *rep);
/* The SNI of a ClientHello at the start of `data` (at most
 * MCX_PCAP_TLS_MAX_HELLO bytes used): 1 found, 0 no SNI, -1 not parsed. */
int mcx_pcap_tls_hello_sni(const uint8_t *data, size_t len, char *out, size_t outlen);

#endif
