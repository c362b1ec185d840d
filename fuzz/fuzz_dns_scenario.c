/*
 * fuzz_dns_scenario.c -- libFuzzer target: arbitrary bytes as a DNS
 * scenario file (dnsfixtures/<name>/scenario.xml) through
 * mcx_dns_scenario_load_memory and, for the same bytes written to a
 * temporary file, mcx_dns_scenario_load_file (lib/dns_scenario.c: libxml2,
 * the embedded lib/dns_scenario.xsd, the cross-field rules). Owns only the
 * harness. A run must never crash, hang or leak: a loaded scenario holds
 * what the schema promises (a name, one or two views, at least one SIP
 * domain, zone files) and both loaders agree; a failed load names a rule
 * and a message. Zone files and topologies the scenario names are not
 * opened (they are other targets' input: fuzz_dns_zone, fuzz_topology_load).
 * Seeds: fuzz/corpus/dns_scenario/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mcx/dns_scenario.h"

static char fuzz_path[64]; /* the temporary file of load_file */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(fuzz_path, sizeof fuzz_path, "/tmp/fuzz_dns_scenario.%ld.xml", (long)getpid());
    return 0;
}

/* What the schema and the loader promise about a loaded scenario. */
static void check_loaded(const mcx_dns_scenario *s)
{
    if (s->name == NULL || s->description == NULL || s->topology == NULL ||
        s->nsip_domains == 0 || s->nviews == 0 || s->nviews > 2)
        abort();
    for (size_t i = 0; i < s->nviews; i++) {
        const mcx_dns_scenario_view *v = &s->views[i];
        if (v->nzones == 0) abort();
        for (size_t j = 0; j < v->nzones; j++)
            if (v->zones[j].file == NULL) abort();
        for (size_t j = 0; j < v->nfaults; j++)
            if (v->faults[j].spec == NULL || v->faults[j].line <= 0) abort();
        for (size_t j = 0; j < v->ndiscovery; j++)
            if (v->discovery[j].sip_domain == NULL) abort();
    }
}

static void check_failed(const mcx_error *err)
{
    char line[1024];

    if (err->rule[0] == '\0' || err->message[0] == '\0') abort();
    mcx_error_format(err, line, sizeof line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mcx_error err, err_file;
    mcx_dns_scenario *mem, *file = NULL;
    FILE *f;

    mem = mcx_dns_scenario_load_memory("fuzz.xml", (const char *)data, size, &err);
    if (mem != NULL)
        check_loaded(mem);
    else
        check_failed(&err);
    f = fopen(fuzz_path, "wb");
    if (f != NULL) {
        int ok = fwrite(data, 1, size, f) == size;
        if (fclose(f) == 0 && ok) {
            file = mcx_dns_scenario_load_file(fuzz_path, &err_file);
            /* Both loaders judge the same bytes the same way. */
            if ((file == NULL) != (mem == NULL)) abort();
            if (file != NULL)
                check_loaded(file);
            else
                check_failed(&err_file);
        }
        unlink(fuzz_path);
    }
    mcx_dns_scenario_free(mem);
    mcx_dns_scenario_free(file);
    return 0;
}
