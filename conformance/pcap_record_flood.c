/*
 * pcap_record_flood.c -- a hostile capture for the verifier's memory bounds
 * (`mcxcheck pcap record --out DIR --connections N` writes
 * DIR/connections.pcap): N TCP connections from a phone's address range to
 * the internal HTTP listener of the topology's Autodiscover pool, each
 * carrying one Autodiscover GET and mcxd's answer; only one connection in
 * PCAP_FLOOD_CLOSE_EVERY ends with a FIN, the others stay open to the end of
 * the capture, so the live flow table of `pcap verify` fills
 * (MCX_TCP_MAX_FLOWS, PC-013).
 *
 * Owns: the connection pattern (client addresses and ports, ISNs, which
 * connections close). Does not own: the request and response bytes (taken
 * from one run of the internal-v4 golden scenario through
 * pcap_record_scenario_via, so mcxd_handle answers them), nor frame layout
 * (lib/pcap_synth.c).
 */
#include <stdlib.h>
#include <string.h>

#include "pcap_record.h"

#define FLOOD_STEP_USEC 10
#define FLOOD_PORTS 60000 /* client ports 1024..61023 per client address */

/* Keeps the first request and response a scenario sends; writes nothing. */
typedef struct flood_exchange {
    char *bytes[2]; /* [1] request, [0] response (index = from_client) */
    size_t len[2];
} flood_exchange;

static int flood_keep(void *ctx, mcx_pcap_writer *w, mcx_pcap_tcp_conn *c, int from_client,
                      const void *data, size_t len, char *err, size_t errlen)
{
    flood_exchange *x = ctx;
    (void)w;
    (void)c;
    if (x->bytes[from_client] != NULL)
        return 0;
    if ((x->bytes[from_client] = malloc(len ? len : 1)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(x->bytes[from_client], data, len);
    x->len[from_client] = len;
    return 0;
}

/* One Autodiscover request and mcxd's answer, as the golden internal-v4
 * scenario sends its first one. 0 or -1 (err). */
static int flood_exchange_get(const mcx_topology *t, time_t now, uint64_t seed,
                              flood_exchange *x, char *err, size_t errlen)
{
    char *scratch = NULL;
    size_t scratch_len = 0;
    FILE *f = open_memstream(&scratch, &scratch_len);
    if (f == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const pcap_scenario *golden = pcap_golden_at(0);
    mcx_pcap_writer *w = mcx_pcap_writer_fopen(f, golden->linktype, (int64_t)now,
                                               FLOOD_STEP_USEC, err, errlen);
    int rc = -1;
    if (w != NULL) {
        pcap_scenario one = *golden;
        memset(one.targets, 0, sizeof one.targets);
        one.targets[0] = golden->targets[0];
        pcap_record_transport keep = {0, NULL, flood_keep, NULL, x};
        rc = pcap_record_scenario_via(w, t, &one, &keep, now, seed, err, errlen);
        mcx_pcap_writer_close(w); /* closes the memstream */
    } else {
        fclose(f);
    }
    free(scratch);
    if (rc == 0 && (x->bytes[0] == NULL || x->bytes[1] == NULL)) {
        snprintf(err, errlen, "the golden scenario sent no request");
        rc = -1;
    }
    return rc;
}

int pcap_record_flood(const char *path, const mcx_topology *t, time_t now, uint64_t seed,
                      unsigned long connections, char *err, size_t errlen)
{
    const mcx_pool *pool = mcx_topology_autodiscover_pool(t);
    if (pool == NULL || pool->internal_ip == NULL) {
        snprintf(err, errlen, "the topology has no Autodiscover pool with an internal web "
                 "address");
        return -1;
    }
    flood_exchange x = {{NULL, NULL}, {0, 0}};
    if (flood_exchange_get(t, now, seed, &x, err, errlen) != 0) {
        free(x.bytes[0]);
        free(x.bytes[1]);
        return -1;
    }
    mcx_pcap_writer *w = mcx_pcap_writer_open(path, MCX_PCAP_LINK_ETHERNET, (int64_t)now,
                                              FLOOD_STEP_USEC, err, errlen);
    int rc = w ? 0 : -1;
    mcx_pcap_endpoint server;
    if (rc == 0 && mcx_pcap_endpoint_set(&server, pool->internal_ip,
                                         (uint16_t)pool->internal_http_port) != 0) {
        snprintf(err, errlen, "bad internal web address '%s'", pool->internal_ip);
        rc = -1;
    }
    for (unsigned long i = 0; rc == 0 && i < connections; i++) {
        char addr[32];
        snprintf(addr, sizeof addr, "192.0.2.%lu", 100 + (i / FLOOD_PORTS) % 150);
        mcx_pcap_endpoint client;
        mcx_pcap_endpoint_set(&client, addr, (uint16_t)(1024 + i % FLOOD_PORTS));
        mcx_pcap_tcp_conn conn;
        mcx_pcap_tcp_init(&conn, &client, &server, (uint32_t)(i * 2654435761u),
                          (uint32_t)(i * 40503u + 7));
        if (mcx_pcap_tcp_handshake(w, &conn) != 0 ||
            mcx_pcap_tcp_send(w, &conn, 1, x.bytes[1], x.len[1]) != 0 ||
            mcx_pcap_tcp_send(w, &conn, 0, x.bytes[0], x.len[0]) != 0 ||
            (i % PCAP_FLOOD_CLOSE_EVERY == 0 && mcx_pcap_tcp_close(w, &conn) != 0)) {
            snprintf(err, errlen, "%s: write error at connection %lu", path, i);
            rc = -1;
        }
    }
    if (w && mcx_pcap_writer_close(w) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: write error", path);
        rc = -1;
    }
    free(x.bytes[0]);
    free(x.bytes[1]);
    return rc;
}
