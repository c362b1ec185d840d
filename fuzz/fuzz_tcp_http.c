/*
 * fuzz_tcp_http.c -- libFuzzer target: arbitrary TCP segments into the
 * reassembler (lib/tcp_reassembly.c) feeding the HTTP stream parser
 * (lib/http_stream.c). Owns only the harness and its input format: a
 * sequence of records
 *   u8 control  bit0 direction (1 = server), bit1 SYN, bit2 FIN, bit3 RST
 *   u16 offset  sequence offset from that direction's base (big endian)
 *   u8 length   payload bytes that follow (clipped to the input)
 * Sequence bases sit near 2^32 so wraparound is exercised. A run must never
 * crash, hang or leak. Seeds: fuzz/corpus/tcp_http/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcx/http_stream.h"
#include "mcx/report.h"
#include "mcx/tcp_reassembly.h"

typedef struct fuzz_ctx {
    mcx_report *rep;
    unsigned long exchanges;
} fuzz_ctx;

static void on_exchange(void *ctx, const mcx_http_message *req, const mcx_http_message *resp,
                        unsigned long flow)
{
    fuzz_ctx *f = ctx;
    (void)flow;
    if (req == NULL || (req->method == NULL && req->complete))
        abort();
    if (resp && resp->body_len > MCX_HTTP_MAX_BODY)
        abort();
    f->exchanges++;
}

static void *on_open(void *ctx, const mcx_tcp_flow_info *info)
{
    fuzz_ctx *f = ctx;
    return mcx_http_conn_new(info->id, "fuzz", on_exchange, f, f->rep);
}

static void on_data(void *ctx, void *user, int dir, const uint8_t *d, size_t n,
                    unsigned long frame)
{
    (void)ctx;
    mcx_http_conn_data(user, dir, d, n, frame);
}

static void on_gap(void *ctx, void *user, int dir, uint64_t n, unsigned long frame)
{
    (void)ctx;
    (void)n;
    mcx_http_conn_gap(user, dir, frame);
}

static void on_end(void *ctx, void *user, int dir, unsigned long frame)
{
    (void)ctx;
    mcx_http_conn_end(user, dir, frame);
}

static void on_close(void *ctx, void *user)
{
    (void)ctx;
    mcx_http_conn_free(user);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_ctx f = {mcx_report_new("mcxcheck", "fuzz", "tcp_http"), 0};
    if (f.rep == NULL)
        abort();
    mcx_tcp_callbacks cb = {on_open, on_data, on_gap, on_end, on_close};
    mcx_tcp_reasm *r = mcx_tcp_reasm_new(&cb, &f, f.rep);
    if (r == NULL)
        abort();
    const uint32_t base[2] = {0xfffffff0u, 0xffffff00u};
    size_t pos = 0;
    unsigned long frame = 0;
    while (pos + 4 <= size) {
        uint8_t ctl = data[pos];
        uint32_t off = (uint32_t)data[pos + 1] << 8 | data[pos + 2];
        size_t len = data[pos + 3];
        pos += 4;
        if (len > size - pos)
            len = size - pos;
        int dir = ctl & 1;
        mcx_packet p;
        memset(&p, 0, sizeof p);
        p.frame = ++frame;
        p.family = 4;
        uint8_t cl[4] = {192, 0, 2, 50}, sv[4] = {192, 0, 2, 80};
        memcpy(p.src, dir ? sv : cl, 4);
        memcpy(p.dst, dir ? cl : sv, 4);
        p.sport = dir ? 80 : 40000;
        p.dport = dir ? 40000 : 80;
        p.proto = 6;
        p.tcp_flags = (uint8_t)(MCX_TCP_ACK | ((ctl & 2) ? MCX_TCP_SYN : 0) |
                                ((ctl & 4) ? MCX_TCP_FIN : 0) | ((ctl & 8) ? MCX_TCP_RST : 0));
        p.seq = base[dir] + off;
        p.payload = data + pos;
        p.payload_len = len;
        mcx_tcp_reasm_packet(r, &p);
        pos += len;
    }
    mcx_tcp_reasm_finish(r, frame);
    mcx_tcp_reasm_free(r);
    mcx_report_free(f.rep);
    return 0;
}
