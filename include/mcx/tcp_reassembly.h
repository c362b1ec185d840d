/*
 * tcp_reassembly.h -- offline TCP stream reassembly per direction, ordered by
 * sequence number (lib/tcp_reassembly.c).
 *
 * Owns: the flow table (keyed by the 4-tuple, both directions in one flow),
 * per-direction sequence tracking (32-bit serial arithmetic, so wraparound
 * works), buffering out-of-order segments, trimming retransmissions and
 * overlaps, and reporting what cannot be reassembled as PC- findings:
 * missing handshake (PC-010), gaps (PC-011), overlaps whose bytes differ
 * (PC-012), bounds reached (PC-013). ACKs never advance the stream (offline,
 * ACK-before-data is harmless). Does not own: what the bytes mean
 * (http_stream.h) nor packet decoding (pcap.h).
 *
 * Memory bounds (documented, enforced):
 *   MCX_TCP_MAX_FLOWS          live flows in the table; a new flow beyond it
 *                              is ignored (one PC-013 finding);
 *   MCX_TCP_MAX_PENDING_FLOW   out-of-order bytes buffered per direction;
 *   MCX_TCP_MAX_PENDING_TOTAL  out-of-order bytes buffered in all flows;
 *                              beyond either the oldest hole becomes a gap;
 *   MCX_TCP_HISTORY            at most this many delivered bytes kept per
 *                              direction to compare retransmissions with
 *                              (allocated as bytes arrive: a direction that
 *                              delivered 300 bytes keeps 300).
 * Flows are freed when both directions closed (FIN delivered) or on RST, so
 * a capture of many short connections stays flat in memory; an open flow
 * costs about 0.2 KiB here plus its history.
 */
#ifndef MCX_TCP_REASSEMBLY_H
#define MCX_TCP_REASSEMBLY_H

#include <stddef.h>
#include <stdint.h>

#include "mcx/pcap.h"
#include "mcx/report.h"

#define MCX_TCP_MAX_FLOWS 65536
#define MCX_TCP_MAX_PENDING_FLOW (1024 * 1024)
#define MCX_TCP_MAX_PENDING_TOTAL (64 * 1024 * 1024)
#define MCX_TCP_HISTORY 4096

/* Direction: 0 = client to server (the SYN sender, else the first sender
 * with the higher port), 1 = server to client. */
typedef struct mcx_tcp_flow_info {
    unsigned long id;       /* 1, 2, ... in order of first packet */
    int family;
    uint8_t client[16], server[16];
    uint16_t client_port, server_port;
    unsigned long first_frame;
} mcx_tcp_flow_info;

typedef struct mcx_tcp_callbacks {
    /* A new flow; return a per-flow user pointer (may be NULL). */
    void *(*open)(void *ctx, const mcx_tcp_flow_info *flow);
    /* In-order bytes of one direction; `frame` is the packet that
     * completed them. */
    void (*data)(void *ctx, void *user, int dir, const uint8_t *data, size_t len,
                 unsigned long frame);
    /* `len` bytes of this direction are missing (already reported). */
    void (*gap)(void *ctx, void *user, int dir, uint64_t len, unsigned long frame);
    /* This direction ended (FIN reached, RST, or end of capture). */
    void (*end)(void *ctx, void *user, int dir, unsigned long frame);
    /* The flow is freed after this. */
    void (*close)(void *ctx, void *user);
} mcx_tcp_callbacks;

typedef struct mcx_tcp_reasm mcx_tcp_reasm;

/* `rep` receives the PC- findings (may be NULL for the fuzzer). */
mcx_tcp_reasm *mcx_tcp_reasm_new(const mcx_tcp_callbacks *cb, void *ctx, mcx_report *rep);
/* Feed one decoded TCP packet (pkt->proto must be 6). */
void mcx_tcp_reasm_packet(mcx_tcp_reasm *r, const mcx_packet *pkt);
/* End of capture: flush every flow (remaining holes become gaps), close. */
void mcx_tcp_reasm_finish(mcx_tcp_reasm *r, unsigned long last_frame);
void mcx_tcp_reasm_free(mcx_tcp_reasm *r);

typedef struct mcx_tcp_stats {
    unsigned long flows, gaps, overlaps_differ, retransmissions, out_of_order;
    uint64_t gap_bytes;
    size_t peak_pending;
} mcx_tcp_stats;
void mcx_tcp_reasm_stats(const mcx_tcp_reasm *r, mcx_tcp_stats *out);

#endif
