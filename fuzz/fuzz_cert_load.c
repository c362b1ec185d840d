/*
 * fuzz_cert_load.c -- libFuzzer target: arbitrary bytes as a PEM or DER
 * certificate file through mcx_cert_load_memory and, when something loads,
 * mcx_cert_check for every role. Owns only the harness; the loader and the
 * rules are lib/cert_load.c and lib/cert_check.c. A run must never crash,
 * hang or leak; a load error must name the input and a rule.
 * Seeds: fuzz/corpus/cert_load/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mcx/cert_check.h"
#include "mcx/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const domains[] = {"contoso.test", "fabrikam.test"};
    mcx_error err;
    char line[1024];
    STACK_OF(X509) *certs = NULL;

    if (mcx_cert_load_memory("fuzz.pem", data, size, &certs, &err) != 0) {
        if (certs != NULL || err.rule[0] == '\0' || err.message[0] == '\0')
            abort();
        mcx_error_format(&err, line, sizeof line);
        return 0;
    }
    if (sk_X509_num(certs) < 1)
        abort();
    STACK_OF(X509) *chain = sk_X509_new_null();
    for (int i = 1; chain && i < sk_X509_num(certs); i++)
        sk_X509_push(chain, sk_X509_value(certs, i));
    for (int role = MCX_CERT_ROLE_DIRECTOR; role <= MCX_CERT_ROLE_REVERSE_PROXY; role++) {
        X509_STORE *trust = X509_STORE_new(); /* empty: nothing is trusted */
        mcx_cert_input in = {0};
        in.leaf = sk_X509_value(certs, 0);
        in.chain = chain;
        in.trust = trust;
        in.role = (mcx_cert_role)role;
        in.sip_domains = domains;
        in.nsip_domains = 2;
        in.external_record = role == MCX_CERT_ROLE_DIRECTOR ? MCX_EXTERNAL_RECORD_A
                                                            : MCX_EXTERNAL_RECORD_CNAME;
        in.at = (time_t)1780272000;
        in.subject = "fuzz.pem";
        mcx_report *r = mcx_report_new("mcxcheck", "cert", "fuzz.pem");
        if (r) {
            (void)mcx_cert_check(&in, r);
            mcx_report_free(r);
        }
        X509_STORE_free(trust);
    }
    sk_X509_free(chain);
    sk_X509_pop_free(certs, X509_free);
    return 0;
}
