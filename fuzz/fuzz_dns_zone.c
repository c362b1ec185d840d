/*
 * fuzz_dns_zone.c -- libFuzzer target: arbitrary bytes as a zone file
 * through the DNS view loader (lib/dns_view.c, ldns underneath) and, when
 * they load, the DNS rules (lib/dns_rules.c) from both vantages, with and
 * without a topology. Owns only the harness. A run must never crash, hang
 * or leak: a failed load names a rule and a message; the rules never fail
 * on a loaded view. Seeds: fuzz/corpus/dns_zone/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mcx/dns_rules.h"
#include "mcx/dns_view.h"
#include "mcx/report.h"
#include "mcx/topology.h"

static mcx_topology *fuzz_topology; /* the embedded default, read-only */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    mcx_error err;
    (void)argc;
    (void)argv;
    fuzz_topology = mcx_topology_load_default(&err);
    if (fuzz_topology == NULL)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const domains[] = {"contoso.test", "fabrikam.test"};
    mcx_error err;
    mcx_dns_view *v = mcx_dns_view_new("fuzz");

    if (v == NULL)
        return 0;
    if (mcx_dns_view_load_zone_memory(v, "fuzz.zone", (const char *)data, size,
                                      size % 2 ? "contoso.test" : NULL, &err) != 0) {
        if (err.rule[0] == '\0' || err.message[0] == '\0')
            abort();
        mcx_dns_view_free(v);
        return 0;
    }
    for (int vantage = 0; vantage < 2; vantage++) {
        mcx_report *r = mcx_report_new("mcxcheck", "zone", "fuzz");
        if (r == NULL)
            break;
        if (mcx_dns_rules_check(v, (mcx_dns_vantage)vantage, domains, 2,
                                vantage ? fuzz_topology : NULL, r) != 0)
            abort();
        mcx_report_free(r);
    }
    mcx_dns_view_free(v);
    return 0;
}
