/*
 * pcap_record.h -- synthetic captures of the reference deployment: DNS
 * lookups and plain-HTTP Autodiscover exchanges as a phone would make them,
 * with responses produced in-process by mcxd's request boundary
 * (mcxd_handle, fixed clock and seed; no sockets).
 *
 * Owns: the scenario model (who asks what, where) and the golden set that
 * `mcxcheck pcap record` writes (conformance/pcap_record.c). Does not own:
 * frame layout (lib/pcap_synth.c) nor mcxd's answers.
 */
#ifndef MCX_PCAP_RECORD_H
#define MCX_PCAP_RECORD_H

#include <stdint.h>
#include <time.h>

#include "mcx/pcap.h"
#include "mcx/topology.h"

#define PCAP_SCENARIO_MAX_NAMES 4
#define PCAP_SCENARIO_MAX_REQUESTS 8

typedef struct pcap_scenario {
    const char *name;          /* file name without ".pcap" */
    const char *description;
    int linktype;              /* MCX_PCAP_LINK_* */
    const char *client_addr;   /* documentation range */
    const char *resolver_addr;
    /* DNS lookups in order; the answer comes from the topology
     * (pcap_record_answer), NXDOMAIN when it has none for this vantage. */
    const char *names[PCAP_SCENARIO_MAX_NAMES];
    uint16_t qtype;            /* 1 A, 28 AAAA */
    int vantage;               /* mcx_access: which DNS view answers */
    /* HTTP: one keep-alive connection to server_addr:server_port. */
    const char *server_addr;   /* NULL: the address the last lookup gave */
    uint16_t server_port;
    int listener;              /* mcx_access of the web site (AccessLocation) */
    const char *host;          /* Host header */
    const char *targets[PCAP_SCENARIO_MAX_REQUESTS];
    const char *accept;        /* NULL: no Accept header */
    unsigned breaks;           /* MCXD_BREAK_* for mcxd */
    uint32_t client_isn, server_isn;
    uint16_t client_port;      /* 0: 49152 */
} pcap_scenario;

/* The golden scenarios (the same list every time). */
size_t pcap_golden_count(void);
const pcap_scenario *pcap_golden_at(size_t i);

/* Write one scenario to `w`. The clock `now` and the seed make mcxd's
 * answers deterministic. 0, or -1 with a message in err. */
int pcap_record_scenario(mcx_pcap_writer *w, const mcx_topology *t, const pcap_scenario *s,
                         time_t now, uint64_t seed, char *err, size_t errlen);

/* Write every golden scenario as DIR/<name>.pcap. 0 or -1 (err). */
int pcap_record_golden(const char *dir, const mcx_topology *t, time_t now, uint64_t seed,
                       char *err, size_t errlen);

/* A large capture for benchmarks: the golden scenarios repeated (new
 * client ports and ISNs each time) into one file until it holds at least
 * `megabytes` MB. 0 or -1 (err). */
int pcap_record_bulk(const char *path, const mcx_topology *t, time_t now, uint64_t seed,
                     unsigned megabytes, char *err, size_t errlen);

#endif
