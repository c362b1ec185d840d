/*
 * pcap_test.h -- helpers shared by the capture unit tests
 * (test_pcap_cache.c, test_pcap_replay.c, test_pcap_tls.c,
 * test_pcap_variants.c): the fixed clock, the embedded topology, a golden
 * scenario by name and a reader over a capture held in memory. Header-only
 * (static), included after cmocka.h.
 */
#ifndef MCX_PCAP_TEST_H
#define MCX_PCAP_TEST_H

#include <stdio.h>
#include <string.h>

#include "mcx/pcap.h"
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

/* A reader over the capture buf[0..len) (the reader owns the FILE). */
static inline mcx_pcap_reader *mem_reader(const void *buf, size_t len)
{
    char err[256] = "";
    FILE *f = fmemopen((void *)buf, len, "rb");
    assert_non_null(f);
    mcx_pcap_reader *r = mcx_pcap_reader_fopen(f, err, sizeof err);
    if (r == NULL) fail_msg("in-memory capture: %s", err);
    return r;
}

#endif
