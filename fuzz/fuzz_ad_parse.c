/*
 * fuzz_ad_parse.c -- libFuzzer target for Autodiscover document parsing.
 *
 * Owns: the harness only. Input: the first byte selects the Content-Type
 * (NULL = sniff, the three representations, UCWA XML, a wrong type, a wrong
 * version), the rest is the body. Runs mcx_ad_parse, then mcx_ad_validate
 * with and without a topology, and renders whatever was parsed in all three
 * representations (rendering a parsed document must always succeed).
 * Everything allocated is freed, so LeakSanitizer reports real leaks.
 * Does not own the code under test (lib/autodiscover_*.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mcx/autodiscover.h"

static const char *const fuzz_content_types[] = {
    NULL,
    MCX_CT_AD_XML,
    MCX_CT_AD_JSON,
    MCX_CT_UCWA_JSON,
    "application/xml",
    "text/html; charset=utf-8",
    "application/vnd.microsoft.rtc.autodiscover+xml;v=2",
    "APPLICATION/VND.MICROSOFT.RTC.AUTODISCOVER+JSON",
};

static char *fuzz_domains[] = {"contoso.test"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t nct = sizeof fuzz_content_types / sizeof fuzz_content_types[0];
    const char *ct = fuzz_content_types[data[0] % nct];
    const char *body = (const char *)data + 1;
    size_t len = size - 1;

    mcx_pool pool;
    memset(&pool, 0, sizeof pool);
    pool.id = "pool01.contoso.test";
    pool.internal_web_fqdn = "pool01.contoso.test";
    pool.external_web_fqdn = "webext01.contoso.test";
    pool.sip_client_internal.fqdn = "pool01.contoso.test";
    pool.sip_client_internal.port = 5061;
    pool.sip_client_external.fqdn = "sip.contoso.test";
    pool.sip_client_external.port = 443;
    mcx_topology topo;
    memset(&topo, 0, sizeof topo);
    topo.source = "<fuzz>";
    topo.profile = (data[0] & 0x80) ? MCX_PROFILE_2013 : MCX_PROFILE_2010CU4;
    topo.exposed_web_url = (data[0] & 0x40) ? MCX_EXPOSED_INTERNAL : MCX_EXPOSED_EXTERNAL;
    topo.sip_domains = fuzz_domains;
    topo.nsip_domains = 1;
    topo.pools = &pool;
    topo.npools = 1;
    topo.online_autodiscover_url = "https://webdir.online.lync.test/Autodiscover/";

    mcx_report *rep = mcx_report_new("fuzz", "ad_parse", NULL);
    mcx_ad_doc doc;
    if (mcx_ad_parse(ct, body, len, &doc, rep, "https://fuzz.test/") == 0) {
        mcx_ad_expect plain = {NULL, 0, -1};
        mcx_ad_expect full = {&topo, (data[0] & 0x20) != 0, MCX_ACCESS_EXTERNAL};
        mcx_ad_validate(&doc, &plain, rep, NULL);
        mcx_ad_validate(&doc, &full, rep, "https://fuzz.test/");
        for (int r = MCX_REPR_XML; r <= MCX_REPR_UCWA; r++) {
            char *out = NULL;
            size_t outlen = 0;
            if (mcx_ad_render(&doc, (mcx_repr)r, &out, &outlen) != 0)
                abort(); /* a parsed document is always renderable */
            mcx_ad_doc again;
            if (mcx_ad_parse(mcx_ad_content_type((mcx_repr)r), out, outlen, &again, rep, NULL) == 0)
                mcx_ad_doc_clear(&again);
            free(out);
        }
    }
    mcx_ad_doc_clear(&doc);
    mcx_report_free(rep);
    return 0;
}
