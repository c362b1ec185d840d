/*
 * fuzz_vector_load.c -- libFuzzer target for the conformance vector loader.
 *
 * Owns: the harness only. Input: the bytes of a vector file, loaded from
 * memory with mcx_vector_load_memory (well-formedness, DOCTYPE refusal,
 * XSD, semantic rules). When a vector loads, every template it holds (URL,
 * request headers and body, expected values, XPath expressions) is expanded
 * with the variables of the embedded default topology plus its captures, as
 * the runner would. A load failure must always carry a file, a rule and a
 * one-line message. Everything allocated is freed, so LeakSanitizer reports
 * real leaks. Does not own the code under test (lib/vector_*.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mcx/vector.h"

static void fuzz_expand(const char *tmpl, const mcx_vector_vars *vars)
{
    char missing[64];
    if (tmpl)
        free(mcx_vector_expand(tmpl, vars, missing, sizeof missing));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mcx_vector_error err;
    mcx_vector *v = mcx_vector_load_memory("fuzz.xml", (const char *)data, size, &err);
    if (!v) {
        char msg[1024];
        mcx_vector_error_format(&err, msg, sizeof msg);
        if (err.rule[0] == '\0' || strchr(msg, '\n'))
            abort(); /* every error names a rule, on one line */
        return 0;
    }
    mcx_error terr;
    mcx_topology *topo = mcx_topology_load_default(&terr);
    mcx_vector_vars vars;
    mcx_vector_vars_init(&vars);
    if (topo)
        mcx_vector_vars_from_topology(&vars, topo);
    for (size_t i = 0; i < v->nsteps; i++) {
        const mcx_vector_step *s = &v->steps[i];
        fuzz_expand(s->url, &vars);
        fuzz_expand(s->body, &vars);
        for (size_t h = 0; h < s->nheaders; h++)
            fuzz_expand(s->headers[h].value, &vars);
        for (size_t a = 0; a < s->nasserts; a++) {
            fuzz_expand(s->asserts[a].value, &vars);
            fuzz_expand(s->asserts[a].target, &vars);
        }
        for (size_t c = 0; c < s->ncaptures; c++)
            mcx_vector_vars_set(&vars, s->captures[c].name, "captured");
    }
    mcx_vector_vars_free(&vars);
    mcx_topology_free(topo);
    mcx_vector_free(v);
    return 0;
}
