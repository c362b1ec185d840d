/*
 * dns_answer.h -- is these bytes a usable answer to this query? The pure
 * analysis `mcxcheck dns` runs on every raw DNS answer it receives, split
 * out of the network code so unit tests and a fuzz target can feed it
 * hostile bytes.
 *
 * Owns: classifying a raw answer (ldns parses it; ldns_wire2rr walks it
 * section by section so a failure has a byte offset): wire parse error
 * (truncated header or RR, compression pointer loop or past the end, a
 * length past the end), wrong ID, QR clear, mismatched question (count,
 * name, type, class), TC set, oversized (beyond what the query allowed),
 * trailing bytes after the last record. Does not own: sending, retrying
 * over TCP, or the findings (conformance/dns_live.c turns a class into
 * DNS-021..DNS-025).
 */
#ifndef MCX_DNS_ANSWER_H
#define MCX_DNS_ANSWER_H

#include <stddef.h>
#include <stdint.h>

struct ldns_struct_pkt;

/* "Where unknown" for mcx_dns_answer_verdict.offset. */
#define MCX_DNS_ANSWER_NO_OFFSET ((size_t)-1)
/* Largest answer over UDP to a query without EDNS (RFC 1035 4.2.1). */
#define MCX_DNS_ANSWER_UDP_LIMIT 512
/* Largest DNS message over TCP (2-byte length prefix). */
#define MCX_DNS_ANSWER_TCP_LIMIT 65535

typedef enum {
    MCX_DNS_ANSWER_OK = 0,         /* a parsed, matching answer in .pkt */
    MCX_DNS_ANSWER_TC,             /* TC set over UDP: ask again over TCP */
    MCX_DNS_ANSWER_MALFORMED,      /* wire parse error (ldns status in message) */
    MCX_DNS_ANSWER_TRAILING,       /* bytes after the last record */
    MCX_DNS_ANSWER_WRONG_ID,       /* ID differs from the query's */
    MCX_DNS_ANSWER_NOT_RESPONSE,   /* QR bit clear */
    MCX_DNS_ANSWER_WRONG_QUESTION, /* question count, name, type or class */
    MCX_DNS_ANSWER_OVERSIZED       /* larger than the query allowed */
} mcx_dns_answer_class;

/* What was asked. */
typedef struct mcx_dns_answer_query {
    uint16_t id;
    const char *qname; /* presentation form, trailing dot optional */
    uint16_t qtype;
    uint16_t qclass;
    int over_tcp;
    /* Largest answer the query allowed over UDP: 512 without EDNS, else
     * the advertised EDNS size (never below 512). Ignored over TCP. */
    size_t udp_limit;
} mcx_dns_answer_query;

typedef struct mcx_dns_answer_verdict {
    mcx_dns_answer_class cls;
    size_t offset;     /* byte offset of the problem, or MCX_DNS_ANSWER_NO_OFFSET */
    char message[256]; /* one sentence naming the rule and the offset */
    /* MCX_DNS_ANSWER_OK only: the parsed answer (caller frees with
     * ldns_pkt_free); NULL otherwise. */
    struct ldns_struct_pkt *pkt;
} mcx_dns_answer_verdict;

/* Classify `len` bytes received for `q`. Never fails on bad input; returns
 * out->cls. An out of memory is reported as MALFORMED with that message. */
mcx_dns_answer_class mcx_dns_answer_check(const mcx_dns_answer_query *q, const uint8_t *wire,
                                          size_t len, mcx_dns_answer_verdict *out);

/* Short lower-case name of a class ("malformed", "wrong-id", ...). */
const char *mcx_dns_answer_class_name(mcx_dns_answer_class cls);

#endif
