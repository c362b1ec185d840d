/*
 * fuzz_dns_answer.c -- libFuzzer target: arbitrary bytes as the raw answer
 * to a fixed query (ID 0x1234, a.test A IN) into the answer analysis
 * (lib/dns_answer.c), over UDP and TCP rules. Owns only the harness. A run
 * must never crash, hang or leak; a verdict always has a message, an
 * offset inside the bytes (or "unknown"), and a parsed packet exactly when
 * the class is OK, whose ID and question then match the query. Seeds:
 * fuzz/corpus/dns_answer/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "mcx/dns_answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int tcp = 0; tcp < 2; tcp++) {
        mcx_dns_answer_query q = {0x1234, "a.test", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, tcp, 512};
        mcx_dns_answer_verdict v;
        mcx_dns_answer_class cls = mcx_dns_answer_check(&q, data, size, &v);
        if (cls != v.cls || v.message[0] == '\0') abort();
        if (v.offset != MCX_DNS_ANSWER_NO_OFFSET && v.offset > size) abort();
        if ((cls == MCX_DNS_ANSWER_OK) != (v.pkt != NULL)) abort();
        if (v.pkt != NULL) {
            const ldns_rr_list *qs = ldns_pkt_question(v.pkt);
            if (ldns_pkt_id(v.pkt) != 0x1234 || !ldns_pkt_qr(v.pkt) ||
                ldns_rr_list_rr_count(qs) != 1 ||
                ldns_rr_get_type(ldns_rr_list_rr(qs, 0)) != LDNS_RR_TYPE_A)
                abort();
            if (!tcp && size > 512) abort();
            ldns_pkt_free(v.pkt);
        }
    }
    return 0;
}
