/*
 * pcap_test.h -- helpers shared by the capture unit tests
 * (test_pcap_replay.c, test_pcap_variants.c): the fixed clock, the embedded
 * topology and a golden scenario by name. Header-only (static), included
 * after cmocka.h.
 */
#ifndef MCX_PCAP_TEST_H
#define MCX_PCAP_TEST_H

#include <string.h>

#include "mcx/topology.h"
#include "pcap_record.h"

#define T_NOW 1767225600 /* 2026-01-01T00:00:00Z */

static inline mcx_topology *default_topo(void)
{
    mcx_error err;
    mcx_topology *t = mcx_topology_load_default(&err);
    assert_non_null(t);
    return t;
}

static inline const pcap_scenario *golden(const char *name)
{
    for (size_t i = 0; i < pcap_golden_count(); i++)
        if (strcmp(pcap_golden_at(i)->name, name) == 0)
            return pcap_golden_at(i);
    fail_msg("no golden scenario %s", name);
    return NULL;
}

#endif
