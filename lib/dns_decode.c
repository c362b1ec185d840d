/*
 * dns_decode.c -- DNS wire format through ldns: decode a captured message
 * into mcx_dns_msg (optionally through a memo of identical messages), and
 * build the queries/answers of golden captures.
 * Owns: nothing but these wrappers (no hand-written DNS parsing: the memo
 * compares bytes and takes the ID with ldns's LDNS_ID_WIRE). Does not
 * own: judging answers (pcap_rules.c, dns_rules.c).
 */
#include <ctype.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "hash_words.h"
#include "mcx/dns_decode.h"

static void rdf_to_name(const ldns_rdf *rdf, char *out, size_t len)
{
    out[0] = '\0';
    char *s = ldns_rdf2str(rdf);
    if (s == NULL)
        return;
    size_t n = strlen(s);
    if (n > 1 && s[n - 1] == '.')
        s[--n] = '\0';
    for (size_t i = 0; i < n; i++)
        s[i] = (char)tolower((unsigned char)s[i]);
    snprintf(out, len, "%s", s);
    free(s);
}

int mcx_dns_decode(const uint8_t *wire, size_t len, mcx_dns_msg *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    ldns_pkt *pkt = NULL;
    ldns_status st = ldns_wire2pkt(&pkt, wire, len);
    if (st != LDNS_STATUS_OK) {
        snprintf(why, whylen, "%s", ldns_get_errorstr_by_id(st));
        return -1;
    }
    out->id = ldns_pkt_id(pkt);
    out->is_response = ldns_pkt_qr(pkt) ? 1 : 0;
    out->rcode = (int)ldns_pkt_get_rcode(pkt);
    ldns_rr_list *q = ldns_pkt_question(pkt);
    if (q != NULL && ldns_rr_list_rr_count(q) > 0) {
        ldns_rr *rr = ldns_rr_list_rr(q, 0);
        rdf_to_name(ldns_rr_owner(rr), out->qname, sizeof out->qname);
        out->qtype = (uint16_t)ldns_rr_get_type(rr);
    }
    ldns_rr_list *an = ldns_pkt_answer(pkt);
    for (size_t i = 0; an != NULL && i < ldns_rr_list_rr_count(an); i++) {
        ldns_rr *rr = ldns_rr_list_rr(an, i);
        ldns_rr_type t = ldns_rr_get_type(rr);
        if (t != LDNS_RR_TYPE_A && t != LDNS_RR_TYPE_AAAA && t != LDNS_RR_TYPE_CNAME)
            continue;
        if (out->nanswers >= MCX_DNS_MSG_MAX_ANSWERS || ldns_rr_rd_count(rr) < 1)
            break;
        out->answer_type[out->nanswers] = (uint16_t)t;
        rdf_to_name(ldns_rr_rdf(rr, 0), out->answer[out->nanswers], sizeof out->answer[0]);
        out->nanswers++;
    }
    ldns_pkt_free(pkt);
    return 0;
}

/* ---- memo ---- */

typedef struct dns_cache_slot {
    size_t len; /* 0: empty */
    uint64_t hash;
    uint8_t wire[MCX_DNS_CACHE_MAX_WIRE];
    mcx_dns_msg msg;
} dns_cache_slot;

struct mcx_dns_cache {
    dns_cache_slot slots[MCX_DNS_CACHE_SLOTS];
};

mcx_dns_cache *mcx_dns_cache_new(void)
{
    return calloc(1, sizeof(mcx_dns_cache));
}

void mcx_dns_cache_free(mcx_dns_cache *c)
{
    free(c);
}

/* The slot hash of a message: everything after its 2-byte ID. */
static uint64_t dns_cache_hash(const uint8_t *wire, size_t len)
{
    return len < 2 ? MCX_HASH_SEED ^ len : mcx_hash_words(MCX_HASH_SEED ^ len, wire + 2, len - 2);
}

const mcx_dns_msg *mcx_dns_decode_memo(mcx_dns_cache *c, const uint8_t *wire, size_t len,
                                       mcx_dns_msg *scratch, char *why, size_t whylen)
{
    if (c == NULL || len < LDNS_HEADER_SIZE || len > MCX_DNS_CACHE_MAX_WIRE)
        return mcx_dns_decode(wire, len, scratch, why, whylen) == 0 ? scratch : NULL;
    uint64_t h = dns_cache_hash(wire, len);
    dns_cache_slot *s = &c->slots[h % MCX_DNS_CACHE_SLOTS];
    if (s->len == len && s->hash == h && memcmp(s->wire + 2, wire + 2, len - 2) == 0) {
        s->msg.id = LDNS_ID_WIRE(wire); /* the only field the ID changes */
        return &s->msg;
    }
    s->len = 0; /* matches nothing while the new message is decoded into it */
    if (mcx_dns_decode(wire, len, &s->msg, why, whylen) != 0)
        return NULL;
    s->len = len;
    s->hash = h;
    memcpy(s->wire, wire, len);
    return &s->msg;
}

int mcx_dns_decode_cached(mcx_dns_cache *c, const uint8_t *wire, size_t len, mcx_dns_msg *out,
                          char *why, size_t whylen)
{
    const mcx_dns_msg *m = mcx_dns_decode_memo(c, wire, len, out, why, whylen);
    if (m == NULL)
        return -1;
    if (m != out)
        *out = *m;
    return 0;
}

static uint8_t *pkt_wire(ldns_pkt *pkt, size_t *len)
{
    uint8_t *wire = NULL;
    if (ldns_pkt2wire(&wire, pkt, len) != LDNS_STATUS_OK) {
        free(wire);
        return NULL;
    }
    return wire;
}

uint8_t *mcx_dns_build_query(const char *qname, uint16_t qtype, uint16_t id, size_t *len)
{
    ldns_rdf *name = ldns_dname_new_frm_str(qname);
    if (name == NULL)
        return NULL;
    ldns_pkt *pkt = ldns_pkt_query_new(name, (ldns_rr_type)qtype, LDNS_RR_CLASS_IN, LDNS_RD);
    if (pkt == NULL)
        return NULL;
    ldns_pkt_set_id(pkt, id);
    uint8_t *wire = pkt_wire(pkt, len);
    ldns_pkt_free(pkt);
    return wire;
}

uint8_t *mcx_dns_build_response(const char *qname, uint16_t qtype, uint16_t id, int rcode,
                                const char *const *addrs, size_t naddrs, uint32_t ttl,
                                size_t *len)
{
    ldns_rdf *name = ldns_dname_new_frm_str(qname);
    if (name == NULL)
        return NULL;
    ldns_pkt *pkt = ldns_pkt_query_new(name, (ldns_rr_type)qtype, LDNS_RR_CLASS_IN, LDNS_RD);
    if (pkt == NULL)
        return NULL;
    ldns_pkt_set_id(pkt, id);
    ldns_pkt_set_qr(pkt, true);
    ldns_pkt_set_ra(pkt, true);
    ldns_pkt_set_rcode(pkt, (uint8_t)rcode);
    uint8_t *wire = NULL;
    for (size_t i = 0; i < naddrs; i++) {
        char text[512];
        snprintf(text, sizeof text, "%s. %u IN %s %s", qname, ttl,
                 qtype == LDNS_RR_TYPE_AAAA ? "AAAA" : "A", addrs[i]);
        ldns_rr *rr = NULL;
        if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) != LDNS_STATUS_OK)
            goto out;
        if (!ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr)) {
            ldns_rr_free(rr);
            goto out;
        }
    }
    wire = pkt_wire(pkt, len);
out:
    ldns_pkt_free(pkt);
    return wire;
}
