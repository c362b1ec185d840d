/*
 * dns_answer.c -- classify one raw DNS answer against the query it answers
 * (see include/mcx/dns_answer.h).
 *
 * Owns: the checks, in this order: size of the header, size against what
 * the query allowed, ID, QR, TC (over UDP), every record of every section
 * parsed with ldns_wire2rr (so a failure has the offset of the record that
 * broke), trailing bytes, the question, then ldns_wire2pkt for the caller.
 * The only bytes read by hand are the header fields (ldns's LDNS_*_WIRE
 * macros) and, after ldns has already rejected a name, the labels up to the
 * offending compression pointer so the message can say where it points.
 * Does not own: the network, retries, findings (conformance/dns_live.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ldns/ldns.h>

#include "mcx/dns_answer.h"

#define ANSWER_HEADER_SIZE 12
#define ANSWER_MAX_LABELS 128 /* a name has at most 127 labels */

static const char *const section_names[4] = {"question", "answer", "authority", "additional"};

const char *mcx_dns_answer_class_name(mcx_dns_answer_class cls)
{
    switch (cls) {
    case MCX_DNS_ANSWER_OK:
        return "ok";
    case MCX_DNS_ANSWER_TC:
        return "truncated-tc";
    case MCX_DNS_ANSWER_MALFORMED:
        return "malformed";
    case MCX_DNS_ANSWER_TRAILING:
        return "trailing-garbage";
    case MCX_DNS_ANSWER_WRONG_ID:
        return "wrong-id";
    case MCX_DNS_ANSWER_NOT_RESPONSE:
        return "not-a-response";
    case MCX_DNS_ANSWER_WRONG_QUESTION:
        return "wrong-question";
    case MCX_DNS_ANSWER_OVERSIZED:
        return "oversized";
    }
    return "unknown";
}

static mcx_dns_answer_class verdict(mcx_dns_answer_verdict *out, mcx_dns_answer_class cls,
                                    size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static mcx_dns_answer_class verdict(mcx_dns_answer_verdict *out, mcx_dns_answer_class cls,
                                    size_t offset, const char *fmt, ...)
{
    va_list ap;
    out->cls = cls;
    out->offset = offset;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
    return cls;
}

/* After ldns rejected the name at `at` with a bad compression pointer:
 * follow its labels (bounded) to the first pointer and say where it points.
 * Diagnostic text only; ldns already decided the name is invalid. */
static void describe_pointer(const uint8_t *wire, size_t len, size_t at, char *buf, size_t buflen)
{
    size_t pos = at;

    buf[0] = '\0';
    for (int labels = 0; labels < ANSWER_MAX_LABELS && pos < len; labels++) {
        uint8_t b = wire[pos];
        if (b == 0) return;
        if ((b & 0xc0) == 0xc0) {
            if (pos + 1 >= len) {
                snprintf(buf, buflen, "; the compression pointer at offset %zu is cut off", pos);
                return;
            }
            size_t target = ((size_t)(b & 0x3f) << 8) | wire[pos + 1];
            if (target >= len)
                snprintf(buf, buflen,
                         "; the compression pointer at offset %zu points to offset %zu, past "
                         "the end of the %zu-byte message",
                         pos, target, len);
            else
                snprintf(buf, buflen,
                         "; the compression pointer at offset %zu points to offset %zu: a "
                         "compression pointer loop",
                         pos, target);
            return;
        }
        if ((b & 0xc0) != 0) return; /* extended label type: ldns says so */
        pos += (size_t)b + 1;
    }
}

/* Parse every record of every section; on failure fill out and return -1.
 * *question gets the first question (caller frees), *end the offset after
 * the last record. */
static int walk_sections(const uint8_t *wire, size_t len, ldns_rr **question, size_t *end,
                         mcx_dns_answer_verdict *out)
{
    size_t pos = ANSWER_HEADER_SIZE;
    const size_t counts[4] = {LDNS_QDCOUNT(wire), LDNS_ANCOUNT(wire), LDNS_NSCOUNT(wire),
                              LDNS_ARCOUNT(wire)};
    static const ldns_pkt_section sections[4] = {LDNS_SECTION_QUESTION, LDNS_SECTION_ANSWER,
                                                 LDNS_SECTION_AUTHORITY, LDNS_SECTION_ADDITIONAL};

    for (int s = 0; s < 4; s++) {
        for (size_t i = 0; i < counts[s]; i++) {
            size_t start = pos;
            ldns_rr *rr = NULL;
            if (start >= len) {
                verdict(out, MCX_DNS_ANSWER_MALFORMED, len,
                        "the header promises %zu %s record(s) but the message ends at byte "
                        "offset %zu after %zu of them (a count past the end)",
                        counts[s], section_names[s], len, i);
                return -1;
            }
            ldns_status st = ldns_wire2rr(&rr, wire, len, &pos, sections[s]);
            if (st != LDNS_STATUS_OK) {
                char detail[160] = "";
                ldns_rdf *owner = NULL;
                size_t after_owner = start;
                int owner_ok = ldns_wire2dname(&owner, wire, len, &after_owner) == LDNS_STATUS_OK;
                ldns_rdf_deep_free(owner);
                if (!owner_ok) describe_pointer(wire, len, start, detail, sizeof detail);
                verdict(out, MCX_DNS_ANSWER_MALFORMED, start,
                        "%s record %zu of %zu at byte offset %zu cannot be parsed (%s, in its "
                        "%s)%s",
                        section_names[s], i + 1, counts[s], start, ldns_get_errorstr_by_id(st),
                        owner_ok ? "type, class, TTL or RDATA running past the end" : "name",
                        detail);
                return -1;
            }
            if (s == 0 && i == 0)
                *question = rr;
            else
                ldns_rr_free(rr);
        }
    }
    *end = pos;
    return 0;
}

static int same_question(const mcx_dns_answer_query *q, const ldns_rr *qrr, char *why,
                         size_t whylen)
{
    char fqdn[LDNS_MAX_DOMAINLEN + 2];
    size_t n = strlen(q->qname);
    ldns_rdf *want;
    int same;

    snprintf(fqdn, sizeof fqdn, "%s%s", q->qname, n > 0 && q->qname[n - 1] == '.' ? "" : ".");
    want = ldns_dname_new_frm_str(fqdn);
    same = want != NULL && ldns_dname_compare(ldns_rr_owner(qrr), want) == 0;
    ldns_rdf_deep_free(want);
    if (!same) {
        char *got = ldns_rdf2str(ldns_rr_owner(qrr));
        snprintf(why, whylen, "the answer's question is for '%.90s', the query asked '%.90s'",
                 got != NULL ? got : "?", fqdn);
        free(got);
        return 0;
    }
    if ((uint16_t)ldns_rr_get_type(qrr) != q->qtype) {
        snprintf(why, whylen, "the answer's question has type %u, the query asked type %u",
                 (unsigned)ldns_rr_get_type(qrr), (unsigned)q->qtype);
        return 0;
    }
    if ((uint16_t)ldns_rr_get_class(qrr) != q->qclass) {
        snprintf(why, whylen, "the answer's question has class %u, the query asked class %u",
                 (unsigned)ldns_rr_get_class(qrr), (unsigned)q->qclass);
        return 0;
    }
    return 1;
}

mcx_dns_answer_class mcx_dns_answer_check(const mcx_dns_answer_query *q, const uint8_t *wire,
                                          size_t len, mcx_dns_answer_verdict *out)
{
    size_t limit = q->over_tcp                               ? MCX_DNS_ANSWER_TCP_LIMIT
                   : q->udp_limit > MCX_DNS_ANSWER_UDP_LIMIT ? q->udp_limit
                                                             : MCX_DNS_ANSWER_UDP_LIMIT;
    ldns_rr *qrr = NULL;
    size_t end = 0;
    char why[320];

    memset(out, 0, sizeof *out);
    out->offset = MCX_DNS_ANSWER_NO_OFFSET;
    if (len < ANSWER_HEADER_SIZE)
        return verdict(out, MCX_DNS_ANSWER_MALFORMED, len,
                       "the answer is %zu byte(s), shorter than the 12-byte DNS header "
                       "(truncated header)",
                       len);
    if (len > limit)
        return verdict(out, MCX_DNS_ANSWER_OVERSIZED, limit,
                       "the answer is %zu bytes over %s, more than the %zu the query allowed "
                       "(from byte offset %zu on), and TC is %s (oversized)",
                       len, q->over_tcp ? "TCP" : "UDP", limit, limit,
                       LDNS_TC_WIRE(wire) ? "set" : "not set");
    if (LDNS_ID_WIRE(wire) != q->id)
        return verdict(out, MCX_DNS_ANSWER_WRONG_ID, 0,
                       "the answer's ID is %u at byte offset 0, the query's ID was %u (wrong ID)",
                       (unsigned)LDNS_ID_WIRE(wire), (unsigned)q->id);
    if (!LDNS_QR_WIRE(wire))
        return verdict(out, MCX_DNS_ANSWER_NOT_RESPONSE, 2,
                       "the QR bit at byte offset 2 is clear: the message is a query, not a "
                       "response");
    if (!q->over_tcp && LDNS_TC_WIRE(wire))
        return verdict(out, MCX_DNS_ANSWER_TC, 2,
                       "TC is set at byte offset 2: the answer did not fit in UDP");
    if (walk_sections(wire, len, &qrr, &end, out) != 0) {
        ldns_rr_free(qrr);
        return out->cls;
    }
    if (end < len) {
        ldns_rr_free(qrr);
        return verdict(out, MCX_DNS_ANSWER_TRAILING, end,
                       "%zu byte(s) of trailing garbage after the last record, from byte "
                       "offset %zu",
                       len - end, end);
    }
    if (LDNS_QDCOUNT(wire) != 1) {
        ldns_rr_free(qrr);
        return verdict(out, MCX_DNS_ANSWER_WRONG_QUESTION, 4,
                       "the answer has %u questions (QDCOUNT at byte offset 4), the query one "
                       "(mismatched question)",
                       (unsigned)LDNS_QDCOUNT(wire));
    }
    int same = same_question(q, qrr, why, sizeof why);
    ldns_rr_free(qrr);
    if (!same)
        return verdict(out, MCX_DNS_ANSWER_WRONG_QUESTION, ANSWER_HEADER_SIZE,
                       "%s (question at byte offset %d: mismatched question)", why,
                       ANSWER_HEADER_SIZE);
    ldns_pkt *pkt = NULL;
    ldns_status st = ldns_wire2pkt(&pkt, wire, len);
    if (st != LDNS_STATUS_OK || pkt == NULL) {
        ldns_pkt_free(pkt);
        return verdict(out, MCX_DNS_ANSWER_MALFORMED, MCX_DNS_ANSWER_NO_OFFSET,
                       "ldns cannot parse the %zu-byte answer: %s", len,
                       ldns_get_errorstr_by_id(st));
    }
    out->pkt = pkt;
    return verdict(out, MCX_DNS_ANSWER_OK, MCX_DNS_ANSWER_NO_OFFSET, "a well-formed answer");
}
