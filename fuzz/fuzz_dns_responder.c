/*
 * fuzz_dns_responder.c -- libFuzzer target: arbitrary bytes as a DNS query
 * into mcxdns's answer function (refimpl/dns_responder.c), over UDP and
 * TCP rules, against a small fixed zone with CNAMEs, a loop, a wildcard, a
 * large RRset and faults. Owns only the harness. A run must never crash,
 * hang or leak; every answer must parse with ldns, echo the query's ID and
 * fit 512 bytes over UDP without EDNS. Seeds: fuzz/corpus/dns_responder/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns_responder.h"

static mcxdns_zoneset *fuzz_zs;

static const char fuzz_zone[] =
    "$ORIGIN contoso.test.\n$TTL 3600\n"
    "@ IN SOA ns1 hostmaster 1 3600 600 604800 300\n"
    "@ IN NS ns1\nns1 IN A 192.0.2.53\n"
    "lyncdiscoverinternal IN CNAME pool01web\npool01web IN A 192.0.2.21\n"
    "pool01web IN AAAA 2001:db8::21\n"
    "loop1 IN CNAME loop2\nloop2 IN CNAME loop1\nout IN CNAME www.example.org.\n"
    "*.wild IN A 203.0.113.10\ntxt IN TXT \"hello world\"\n"
    "big IN A 198.51.100.1\nbig IN A 198.51.100.2\nbig IN A 198.51.100.3\n"
    "big IN A 198.51.100.4\nbig IN A 198.51.100.5\nbig IN A 198.51.100.6\n"
    "big IN A 198.51.100.7\nbig IN A 198.51.100.8\nbig IN A 198.51.100.9\n"
    "big IN A 198.51.100.10\nbig IN A 198.51.100.11\nbig IN A 198.51.100.12\n"
    "big IN A 198.51.100.13\nbig IN A 198.51.100.14\nbig IN A 198.51.100.15\n"
    "big IN A 198.51.100.16\nbig IN A 198.51.100.17\nbig IN A 198.51.100.18\n"
    "big IN A 198.51.100.19\nbig IN A 198.51.100.20\nbig IN A 198.51.100.21\n"
    "big IN A 198.51.100.22\nbig IN A 198.51.100.23\nbig IN A 198.51.100.24\n"
    "big IN A 198.51.100.25\nbig IN A 198.51.100.26\nbig IN A 198.51.100.27\n"
    "big IN A 198.51.100.28\nbig IN A 198.51.100.29\nbig IN A 198.51.100.30\n";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    mcx_error err;
    mcxdns_fault faults[2];
    char why[256];
    mcx_dns_view *v = mcx_dns_view_new("internal");
    (void)argc;
    (void)argv;
    if (v == NULL ||
        mcx_dns_view_load_zone_memory(v, "fuzz.zone", fuzz_zone, strlen(fuzz_zone), NULL, &err) !=
            0)
        abort();
    if (mcxdns_fault_parse("ns1.contoso.test=servfail", &faults[0], why, sizeof why) != 0 ||
        mcxdns_fault_parse("txt.contoso.test=noanswer", &faults[1], why, sizeof why) != 0)
        abort();
    fuzz_zs = mcxdns_zoneset_new(v, faults, 2, why, sizeof why);
    if (fuzz_zs == NULL) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int tcp = 0; tcp < 2; tcp++) {
        uint8_t *out = NULL;
        size_t outlen = 0;
        unsigned delay = 0;
        mcxdns_reply r = mcxdns_answer(fuzz_zs, data, size, tcp, &out, &outlen, &delay);
        if (r == MCXDNS_REPLY_DROP) {
            if (out != NULL) abort();
            continue;
        }
        ldns_pkt *p = NULL;
        if (out == NULL || outlen < 12 || size < 12) abort();
        if (memcmp(out, data, 2) != 0) abort(); /* the ID is echoed */
        if (!tcp && outlen > 1232) abort();
        if (ldns_wire2pkt(&p, out, outlen) != LDNS_STATUS_OK) abort();
        if (!tcp && !ldns_pkt_edns(p) && outlen > 512) abort();
        ldns_pkt_free(p);
        free(out);
    }
    return 0;
}
