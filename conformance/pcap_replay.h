/*
 * pcap_replay.h -- `mcxcheck pcap replay`: re-drive the HTTP requests of a
 * capture at another implementation (application layer) and compare each
 * response with the recorded one semantically.
 *
 * Owns: the host mapping (recorded name -> target name, given one by one or
 * paired from two topologies), rewriting a recorded request with it, the
 * normalisation of volatile fields and the per-difference comparison
 * (PC-050 status / content type / replay failed, PC-051 document element,
 * PC-052 header). Does not own: reading the capture and pairing requests
 * with responses (lib/pcap_rules.c calls pcap_replay_exchange), HTTP
 * (lib/http_client.c), the options (cmd_pcap.c).
 */
#ifndef MCX_PCAP_REPLAY_H
#define MCX_PCAP_REPLAY_H

#include <stddef.h>

#include "mcx/http_client.h"
#include "mcx/pcap.h"
#include "mcx/report.h"
#include "mcx/topology.h"

#define PCAP_REPLAY_MAX_MAPS 128
/* Differences reported per exchange; past it one finding says how many
 * more there were. */
#define PCAP_REPLAY_MAX_DIFFS 32

typedef struct pcap_replay_map {
    char *from; /* a recorded host name (or domain: suffix match) */
    char *to;
} pcap_replay_map;

/* Send `req` (URL already the target's) and fill `out` like
 * mcx_http_perform: 0 when a response arrived, else -1 with out->error and
 * out->error_text. `side` is the mcx_access of the recorded listener. */
typedef int (*pcap_replay_perform_fn)(void *ctx, const mcx_http_request *req, int side,
                                      int tls, mcx_http_response *out);

typedef struct pcap_replay {
    const char *target[2];            /* base URL by mcx_access; NULL: not replayed */
    pcap_replay_map maps[PCAP_REPLAY_MAX_MAPS];
    size_t nmaps;
    pcap_replay_perform_fn perform;   /* NULL: libcurl (mcx_http_perform) */
    void *perform_ctx;
    mcx_report *rep;                  /* set by pcap_replay_run */
    unsigned long exchanges, replayed, differ, skipped;
} pcap_replay;

void pcap_replay_init(pcap_replay *r);
void pcap_replay_clear(pcap_replay *r);

/* Add "RECORDED=NEW" (host names or domains). 0, or -1 with why in err. */
int pcap_replay_map_add(pcap_replay *r, const char *spec, char *err, size_t errlen);
int pcap_replay_map_pair(pcap_replay *r, const char *from, const char *to, char *err,
                         size_t errlen);

/* Pair the names of the recorded deployment with those of the target one:
 * SIP domains and pools (FQDN, web FQDNs, SIP access endpoints) by
 * position, the reverse proxy and the online Autodiscover host. 0, or -1
 * with why in err (the two do not have the same shape). */
int pcap_replay_map_topologies(pcap_replay *r, const mcx_topology *recorded,
                               const mcx_topology *target, char *err, size_t errlen);

/* A malloc'd copy of `s` with every mapped host name rewritten (a run of
 * host characters equal to a RECORDED name, or ending in ".RECORDED";
 * percent-escapes such as %40 delimit names). NULL on ENOMEM. */
char *pcap_replay_map_text(const pcap_replay *r, const char *s);

/* Replay every exchange of the open capture `rd` (verify options `opt`,
 * whose on_exchange this sets) into `rep`: one step per exchange, one
 * finding per difference, PC-001 when the capture cannot be read, and a
 * summary step. */
void pcap_replay_run(pcap_replay *r, mcx_pcap_reader *rd, mcx_pcap_verify_options *opt,
                     const char *file, mcx_report *rep);

#endif
