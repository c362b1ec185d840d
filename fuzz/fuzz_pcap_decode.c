/*
 * fuzz_pcap_decode.c -- libFuzzer target: arbitrary bytes as a capture file
 * (pcap_fopen_offline on fmemopen) through the whole `pcap verify` pipeline:
 * link/IP/UDP/TCP decoding, reassembly, HTTP and DNS decoding, the rules.
 * Owns only the harness; the code under test is lib/pcap_read.c and
 * lib/pcap_rules.c with the layers they drive. A run must never crash, hang
 * or leak. Seeds: fuzz/corpus/pcap_decode/ (the golden captures and broken
 * variants).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcx/pcap.h"
#include "mcx/report.h"
#include "mcx/topology.h"

/* The deployment the rules compare with: loaded once, read-only after. */
static const mcx_topology *fuzz_topology(void)
{
    static mcx_topology *t;
    if (t == NULL) {
        mcx_error err;
        t = mcx_topology_load_default(&err);
        if (t == NULL)
            abort();
    }
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const mcx_topology *t = fuzz_topology();
    FILE *f = fmemopen((void *)data, size, "r");
    if (f == NULL)
        return 0;
    char msg[512];
    mcx_pcap_reader *r = mcx_pcap_reader_fopen(f, msg, sizeof msg);
    if (r != NULL) {
        mcx_pcap_verify_options opt;
        memset(&opt, 0, sizeof opt);
        opt.topo = t;
        mcx_report *rep = mcx_report_new("mcxcheck", "pcap verify", "fuzz");
        if (rep == NULL)
            abort();
        mcx_pcap_verify(r, &opt, rep);
        mcx_pcap_reader_close(r);
        mcx_report_free(rep);
    } else if (msg[0] == '\0') {
        abort(); /* an error must say why */
    }
    return 0;
}
