/*
 * fuzz_topology_load.c -- libFuzzer target: arbitrary bytes into
 * mcx_topology_load_memory. Owns only the harness; the loader is
 * lib/topology_load.c. A run must never crash, hang or leak: a loaded
 * model is freed, an error must name a rule and a message.
 * Seeds: fuzz/corpus/topology_load/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mcx/topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mcx_error err;
    char line[1024];
    mcx_topology *t = mcx_topology_load_memory("fuzz.xml", (const char *)data, size, &err);

    if (t != NULL) {
        /* Exercise the lookups on whatever loaded. */
        size_t i;
        (void)mcx_topology_autodiscover_pool(t);
        for (i = 0; i < t->nusers; i++)
            if (mcx_topology_find_user(t, t->users[i].sip_uri) == NULL)
                abort();
        for (i = 0; i < t->npools; i++)
            if (mcx_topology_find_pool(t, t->pools[i].id) == NULL)
                abort();
        mcx_topology_free(t);
        return 0;
    }
    if (err.rule[0] == '\0' || err.message[0] == '\0')
        abort();
    mcx_error_format(&err, line, sizeof line);
    return 0;
}
