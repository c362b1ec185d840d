/*
 * tcp_reassembly.c -- offline TCP reassembly: per-direction byte streams in
 * sequence order, out of packets in capture order.
 *
 * Owns: the flow hash table, sequence tracking with serial arithmetic
 * (wraparound), out-of-order buffering, retransmission and overlap trimming
 * (comparing against the last MCX_TCP_HISTORY delivered bytes, kept in a
 * ring sized to what arrived), gaps, and
 * the PC-010..PC-013 findings. Bounds are documented in tcp_reassembly.h.
 * ACKs are ignored: an ACK seen before the data it acknowledges changes
 * nothing (the Zeek content-gap pitfall). Does not own: packet decoding
 * (pcap_read.c) nor stream contents (http_stream.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcx/tcp_reassembly.h"

#define REASM_MIN_BUCKETS 256 /* grows x2 while live flows > buckets */
#define REASM_FINDING_CAP 20 /* findings per ID before summarising */

typedef struct reasm_seg {
    struct reasm_seg *next;
    uint32_t seq;
    size_t len;
    unsigned long frame;
    uint8_t data[];
} reasm_seg;

/* Kept small: 65,536 of these pairs may be live (narrow types, no fixed
 * buffers). */
typedef struct reasm_dir {
    uint8_t started;  /* next is valid */
    uint8_t syn_seen;
    uint8_t fin_seen;
    uint8_t ended;
    uint32_t next;
    uint32_t fin_seq;
    uint32_t pending_bytes; /* <= MCX_TCP_MAX_PENDING_FLOW + one segment */
    reasm_seg *pending;     /* sorted by seq */
    /* The last hist_len delivered bytes, a ring of hist_cap bytes starting
     * at hist_head; allocated on the first delivered byte and grown with
     * what arrives, up to MCX_TCP_HISTORY (an idle flow keeps no more than
     * it was sent). */
    uint8_t *hist;
    uint16_t hist_cap, hist_head, hist_len;
} reasm_dir;
_Static_assert(MCX_TCP_HISTORY <= UINT16_MAX, "history offsets are 16-bit");

typedef struct reasm_flow {
    struct reasm_flow *hnext;
    mcx_tcp_flow_info info;
    reasm_dir d[2];
    void *user;
    uint8_t handshake_reported;
} reasm_flow;

struct mcx_tcp_reasm {
    mcx_tcp_callbacks cb;
    void *ctx;
    mcx_report *rep;
    reasm_flow **buckets;
    size_t nbuckets;
    size_t live;
    unsigned long next_id;
    size_t pending_total;
    mcx_tcp_stats stats;
    int table_full_reported;
    unsigned long suppressed[4]; /* PC-010..PC-013 beyond the cap */
    unsigned long emitted[4];
};

static const char *const reasm_ids[4] = {"PC-010", "PC-011", "PC-012", "PC-013"};

/* "TCP client:port -> server:port", formatted only when a finding needs it
 * (keeping it per flow cost 160 bytes and a format call per connection). */
static void flow_label(const mcx_tcp_flow_info *info, char *out, size_t size)
{
    char ca[48], sa[48];
    mcx_pcap_addr_str(info->family, info->client, ca, sizeof ca);
    mcx_pcap_addr_str(info->family, info->server, sa, sizeof sa);
    snprintf(out, size, "TCP %s:%u -> %s:%u", ca, info->client_port, sa, info->server_port);
}

/* One PC- finding; when `f` is given its label starts the message. */
static void reasm_finding(mcx_tcp_reasm *r, int which, const reasm_flow *f, const char *fmt,
                          ...) __attribute__((format(printf, 4, 5)));

static void reasm_finding(mcx_tcp_reasm *r, int which, const reasm_flow *f, const char *fmt,
                          ...)
{
    if (r->rep == NULL)
        return;
    if (r->emitted[which] >= REASM_FINDING_CAP) {
        r->suppressed[which]++;
        return;
    }
    r->emitted[which]++;
    char label[160] = "";
    if (f != NULL)
        flow_label(&f->info, label, sizeof label);
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mcx_report_add(r->rep, reasm_ids[which], "%s%s", label, msg);
}

mcx_tcp_reasm *mcx_tcp_reasm_new(const mcx_tcp_callbacks *cb, void *ctx, mcx_report *rep)
{
    mcx_tcp_reasm *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->nbuckets = REASM_MIN_BUCKETS;
    r->buckets = calloc(r->nbuckets, sizeof *r->buckets);
    if (r->buckets == NULL) {
        free(r);
        return NULL;
    }
    r->cb = *cb;
    r->ctx = ctx;
    r->rep = rep;
    return r;
}

static size_t reasm_hash(const mcx_tcp_reasm *r, int family, const uint8_t *a, uint16_t ap,
                         const uint8_t *b, uint16_t bp)
{
    /* Symmetric: both directions land in the same bucket. */
    size_t alen = family == 6 ? 16 : 4;
    uint32_t h1 = 2166136261u, h2 = 2166136261u;
    for (size_t i = 0; i < alen; i++) {
        h1 = (h1 ^ a[i]) * 16777619u;
        h2 = (h2 ^ b[i]) * 16777619u;
    }
    h1 = (h1 ^ ap) * 16777619u;
    h2 = (h2 ^ bp) * 16777619u;
    return (size_t)((h1 ^ h2) % r->nbuckets);
}

static int flow_dir(const reasm_flow *f, const mcx_packet *p)
{
    size_t alen = f->info.family == 6 ? 16 : 4;
    if (f->info.family != p->family)
        return -1;
    if (memcmp(f->info.client, p->src, alen) == 0 && memcmp(f->info.server, p->dst, alen) == 0 &&
        f->info.client_port == p->sport && f->info.server_port == p->dport)
        return 0;
    if (memcmp(f->info.client, p->dst, alen) == 0 && memcmp(f->info.server, p->src, alen) == 0 &&
        f->info.client_port == p->dport && f->info.server_port == p->sport)
        return 1;
    return -1;
}

static void seg_free_all(mcx_tcp_reasm *r, reasm_dir *d)
{
    while (d->pending) {
        reasm_seg *s = d->pending;
        d->pending = s->next;
        r->pending_total -= s->len;
        free(s);
    }
    d->pending_bytes = 0;
}

/* Make room for `need` history bytes (need <= MCX_TCP_HISTORY): the first
 * allocation is exact (most flows carry one short message per direction),
 * later ones double. The ring is unrolled into the new buffer. -1 when out
 * of memory (the history is dropped: later overlaps go uncompared). */
static int hist_reserve(reasm_dir *d, size_t need)
{
    if (need <= d->hist_cap)
        return 0;
    size_t cap = d->hist_cap == 0 ? need : d->hist_cap * 2;
    if (cap < need)
        cap = need;
    if (cap > MCX_TCP_HISTORY)
        cap = MCX_TCP_HISTORY;
    uint8_t *h = malloc(cap);
    if (h == NULL) {
        free(d->hist);
        d->hist = NULL;
        d->hist_cap = d->hist_head = d->hist_len = 0;
        return -1;
    }
    size_t first = d->hist_cap - d->hist_head;
    if (first > d->hist_len)
        first = d->hist_len;
    if (d->hist_len > 0) {
        memcpy(h, d->hist + d->hist_head, first);
        memcpy(h + first, d->hist, d->hist_len - first);
    }
    free(d->hist);
    d->hist = h;
    d->hist_cap = cap;
    d->hist_head = 0;
    return 0;
}

static void hist_append(reasm_dir *d, const uint8_t *data, size_t len)
{
    if (len == 0)
        return;
    size_t need = d->hist_len + len;
    if (need > MCX_TCP_HISTORY)
        need = MCX_TCP_HISTORY;
    if (hist_reserve(d, need) != 0)
        return;
    size_t cap = d->hist_cap;
    if (len >= cap) {
        memcpy(d->hist, data + len - cap, cap);
        d->hist_head = 0;
        d->hist_len = cap;
        return;
    }
    size_t tail = (d->hist_head + d->hist_len) % cap; /* where the next byte goes */
    size_t first = cap - tail < len ? cap - tail : len;
    memcpy(d->hist + tail, data, first);
    memcpy(d->hist, data + first, len - first);
    if (d->hist_len + len > cap) {
        d->hist_head = (d->hist_head + d->hist_len + len - cap) % cap;
        d->hist_len = cap;
    } else {
        d->hist_len += len;
    }
}

/* memcmp of history bytes [at, at + n) (oldest byte = 0) against data. */
static int hist_cmp(const reasm_dir *d, size_t at, const uint8_t *data, size_t n)
{
    size_t start = (d->hist_head + at) % d->hist_cap;
    size_t first = d->hist_cap - start < n ? d->hist_cap - start : n;
    int c = memcmp(d->hist + start, data, first);
    if (c != 0 || first == n)
        return c;
    return memcmp(d->hist, data + first, n - first);
}

/* Compare the already-delivered bytes [seq, seq + n) (seq + n <= d->next)
 * with `data`, as far as the history still holds them. */
static void check_overlap(mcx_tcp_reasm *r, reasm_flow *f, int dir, uint32_t seq,
                          const uint8_t *data, size_t n, unsigned long frame)
{
    reasm_dir *d = &f->d[dir];
    int64_t end_back = (int64_t)(uint32_t)(d->next - (seq + (uint32_t)n)); /* bytes after */
    int64_t hist_start = (int64_t)d->hist_len - end_back - (int64_t)n;  /* may be < 0 */
    int64_t skip = hist_start < 0 ? -hist_start : 0;
    if (end_back >= (int64_t)d->hist_len || skip >= (int64_t)n)
        return;
    size_t cmp = n - (size_t)skip;
    if (hist_cmp(d, (size_t)(hist_start + skip), data + skip, cmp) != 0) {
        r->stats.overlaps_differ++;
        reasm_finding(r, 2, f,
                      " %s: frame %lu repeats %zu already-seen bytes with different "
                      "content (first copy kept)",
                      dir == 0 ? "client->server" : "server->client", frame, n);
    }
}

static void deliver(mcx_tcp_reasm *r, reasm_flow *f, int dir, uint32_t seq,
                    const uint8_t *data, size_t len, unsigned long frame)
{
    reasm_dir *d = &f->d[dir];
    int32_t rel = (int32_t)(seq - d->next);
    size_t overlap = rel < 0 ? (size_t)(-(int64_t)rel) : 0;
    if (overlap >= len) {
        r->stats.retransmissions++;
        check_overlap(r, f, dir, seq, data, len, frame);
        return;
    }
    if (overlap > 0) {
        r->stats.retransmissions++;
        check_overlap(r, f, dir, seq, data, overlap, frame);
    }
    const uint8_t *fresh = data + overlap;
    size_t n = len - overlap;
    d->next += (uint32_t)n;
    hist_append(d, fresh, n);
    if (r->cb.data)
        r->cb.data(r->ctx, f->user, dir, fresh, n, frame);
}

/* Deliver every pending segment that now touches d->next. */
static void drain(mcx_tcp_reasm *r, reasm_flow *f, int dir)
{
    reasm_dir *d = &f->d[dir];
    while (d->pending && (int32_t)(d->pending->seq - d->next) <= 0) {
        reasm_seg *s = d->pending;
        d->pending = s->next;
        d->pending_bytes -= s->len;
        r->pending_total -= s->len;
        deliver(r, f, dir, s->seq, s->data, s->len, s->frame);
        free(s);
    }
}

/* Skip the hole before the first pending segment. */
static void skip_hole(mcx_tcp_reasm *r, reasm_flow *f, int dir)
{
    reasm_dir *d = &f->d[dir];
    if (d->pending == NULL)
        return;
    uint32_t missing = d->pending->seq - d->next;
    r->stats.gaps++;
    r->stats.gap_bytes += missing;
    reasm_finding(r, 1, f, " %s: %u bytes never captured before frame %lu",
                  dir == 0 ? "client->server" : "server->client", missing,
                  d->pending->frame);
    if (r->cb.gap)
        r->cb.gap(r->ctx, f->user, dir, missing, d->pending->frame);
    d->next = d->pending->seq;
    d->hist_head = d->hist_len = 0;
    drain(r, f, dir);
}

static void maybe_end(mcx_tcp_reasm *r, reasm_flow *f, int dir, unsigned long frame)
{
    reasm_dir *d = &f->d[dir];
    if (!d->ended && d->fin_seen && d->started && d->next == d->fin_seq && d->pending == NULL) {
        d->ended = 1;
        if (r->cb.end)
            r->cb.end(r->ctx, f->user, dir, frame);
    }
}

static void queue(mcx_tcp_reasm *r, reasm_flow *f, int dir, uint32_t seq, const uint8_t *data,
                  size_t len, unsigned long frame)
{
    reasm_dir *d = &f->d[dir];
    reasm_seg **pp = &d->pending;
    while (*pp && (int32_t)((*pp)->seq - seq) < 0)
        pp = &(*pp)->next;
    if (*pp && (*pp)->seq == seq && (*pp)->len >= len) {
        /* A retransmission of a queued segment. */
        r->stats.retransmissions++;
        if (memcmp((*pp)->data, data, len) != 0) {
            r->stats.overlaps_differ++;
            reasm_finding(r, 2, f,
                          " %s: frame %lu repeats %zu queued bytes with different content "
                          "(first copy kept)",
                          dir == 0 ? "client->server" : "server->client", frame, len);
        }
        return;
    }
    reasm_seg *s = malloc(sizeof *s + len);
    if (s == NULL)
        return;
    s->seq = seq;
    s->len = len;
    s->frame = frame;
    memcpy(s->data, data, len);
    s->next = *pp;
    *pp = s;
    d->pending_bytes += len;
    r->pending_total += len;
    r->stats.out_of_order++;
    if (r->pending_total > r->stats.peak_pending)
        r->stats.peak_pending = r->pending_total;
    while (d->pending && (d->pending_bytes > MCX_TCP_MAX_PENDING_FLOW ||
                          r->pending_total > MCX_TCP_MAX_PENDING_TOTAL)) {
        reasm_finding(r, 3, f, ": out-of-order buffer bound reached at frame %lu", frame);
        skip_hole(r, f, dir);
    }
}

static void flow_flush(mcx_tcp_reasm *r, reasm_flow *f, unsigned long frame)
{
    for (int dir = 0; dir < 2; dir++) {
        reasm_dir *d = &f->d[dir];
        while (d->pending)
            skip_hole(r, f, dir);
        if (d->fin_seen && d->started && (int32_t)(d->fin_seq - d->next) > 0) {
            uint32_t missing = d->fin_seq - d->next;
            r->stats.gaps++;
            r->stats.gap_bytes += missing;
            reasm_finding(r, 1, f, " %s: %u bytes never captured before the FIN",
                          dir == 0 ? "client->server" : "server->client", missing);
            if (r->cb.gap)
                r->cb.gap(r->ctx, f->user, dir, missing, frame);
            d->next = d->fin_seq;
        }
        if (!d->ended) {
            d->ended = 1;
            if (r->cb.end)
                r->cb.end(r->ctx, f->user, dir, frame);
        }
    }
}

static void flow_remove(mcx_tcp_reasm *r, reasm_flow *f)
{
    size_t b = reasm_hash(r, f->info.family, f->info.client, f->info.client_port,
                          f->info.server, f->info.server_port);
    reasm_flow **pp = &r->buckets[b];
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
    if (r->cb.close)
        r->cb.close(r->ctx, f->user);
    seg_free_all(r, &f->d[0]);
    seg_free_all(r, &f->d[1]);
    free(f->d[0].hist);
    free(f->d[1].hist);
    free(f);
    r->live--;
}

/* Double the table when flows outnumber buckets (rehash every flow). */
static void reasm_grow(mcx_tcp_reasm *r)
{
    size_t n = r->nbuckets * 2;
    reasm_flow **nb = calloc(n, sizeof *nb);
    if (nb == NULL)
        return; /* keep the smaller table: slower, still correct */
    reasm_flow **old = r->buckets;
    size_t oldn = r->nbuckets;
    r->buckets = nb;
    r->nbuckets = n;
    for (size_t b = 0; b < oldn; b++) {
        while (old[b]) {
            reasm_flow *f = old[b];
            old[b] = f->hnext;
            size_t h = reasm_hash(r, f->info.family, f->info.client, f->info.client_port,
                                  f->info.server, f->info.server_port);
            f->hnext = nb[h];
            nb[h] = f;
        }
    }
    free(old);
}

static reasm_flow *flow_new(mcx_tcp_reasm *r, const mcx_packet *p, size_t bucket)
{
    if (r->live >= MCX_TCP_MAX_FLOWS) {
        if (!r->table_full_reported) {
            r->table_full_reported = 1;
            reasm_finding(r, 3, NULL,
                          "more than %d concurrent TCP connections at frame %lu: new "
                          "connections are ignored until some close",
                          MCX_TCP_MAX_FLOWS, p->frame);
        }
        return NULL;
    }
    reasm_flow *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    size_t alen = p->family == 6 ? 16 : 4;
    int src_is_client;
    if ((p->tcp_flags & MCX_TCP_SYN) && !(p->tcp_flags & MCX_TCP_ACK))
        src_is_client = 1;
    else if ((p->tcp_flags & MCX_TCP_SYN) && (p->tcp_flags & MCX_TCP_ACK))
        src_is_client = 0;
    else
        src_is_client = p->sport >= p->dport;
    f->info.id = ++r->next_id;
    f->info.family = p->family;
    memcpy(f->info.client, src_is_client ? p->src : p->dst, alen);
    memcpy(f->info.server, src_is_client ? p->dst : p->src, alen);
    f->info.client_port = src_is_client ? p->sport : p->dport;
    f->info.server_port = src_is_client ? p->dport : p->sport;
    f->info.first_frame = p->frame;
    f->hnext = r->buckets[bucket];
    r->buckets[bucket] = f;
    r->live++;
    if (r->live > r->nbuckets && r->nbuckets < MCX_TCP_MAX_FLOWS)
        reasm_grow(r);
    r->stats.flows++;
    if (r->cb.open)
        f->user = r->cb.open(r->ctx, &f->info);
    return f;
}

void mcx_tcp_reasm_packet(mcx_tcp_reasm *r, const mcx_packet *p)
{
    if (p->proto != 6)
        return;
    size_t b = reasm_hash(r, p->family, p->src, p->sport, p->dst, p->dport);
    reasm_flow *f = r->buckets[b];
    int dir = -1;
    for (; f; f = f->hnext)
        if ((dir = flow_dir(f, p)) >= 0)
            break;
    size_t seglen = p->payload_len + p->payload_missing;
    if (f == NULL) {
        /* A bare ACK/FIN/RST after a flow closed does not open a new one. */
        if (!(p->tcp_flags & MCX_TCP_SYN) && seglen == 0)
            return;
        f = flow_new(r, p, b);
        if (f == NULL)
            return;
        dir = flow_dir(f, p);
    }
    reasm_dir *d = &f->d[dir];
    if (p->tcp_flags & MCX_TCP_SYN) {
        d->syn_seen = 1;
        if (!d->started) {
            d->started = 1;
            d->next = p->seq + 1;
        }
    }
    uint32_t seq = p->seq + ((p->tcp_flags & MCX_TCP_SYN) ? 1u : 0u);
    if (seglen > 0 && !d->started) {
        d->started = 1;
        d->next = seq;
        if (!d->syn_seen && !f->handshake_reported) {
            f->handshake_reported = 1;
            reasm_finding(r, 0, f, ": data at frame %lu without a captured SYN (%s)",
                          p->frame, dir == 0 ? "client->server" : "server->client");
        }
    }
    if (p->payload_len > 0) {
        if ((int32_t)(seq - d->next) <= 0) {
            deliver(r, f, dir, seq, p->payload, p->payload_len, p->frame);
            drain(r, f, dir);
        } else {
            queue(r, f, dir, seq, p->payload, p->payload_len, p->frame);
        }
    }
    if ((p->tcp_flags & MCX_TCP_FIN) && d->started && !d->fin_seen) {
        d->fin_seen = 1;
        d->fin_seq = seq + (uint32_t)seglen;
    }
    maybe_end(r, f, dir, p->frame);
    if (p->tcp_flags & MCX_TCP_RST) {
        flow_flush(r, f, p->frame);
        flow_remove(r, f);
        return;
    }
    if (f->d[0].ended && f->d[1].ended)
        flow_remove(r, f);
}

static int flow_cmp_id(const void *a, const void *b)
{
    const reasm_flow *x = *(reasm_flow *const *)a;
    const reasm_flow *y = *(reasm_flow *const *)b;
    return x->info.id < y->info.id ? -1 : x->info.id > y->info.id;
}

void mcx_tcp_reasm_finish(mcx_tcp_reasm *r, unsigned long last_frame)
{
    /* Close flows in the order they opened (deterministic output). */
    if (r->live > 0) {
        reasm_flow **all = malloc(r->live * sizeof *all);
        size_t n = 0;
        for (size_t b = 0; all && b < r->nbuckets; b++)
            for (reasm_flow *f = r->buckets[b]; f; f = f->hnext)
                all[n++] = f;
        if (all) {
            qsort(all, n, sizeof *all, flow_cmp_id);
            for (size_t i = 0; i < n; i++) {
                flow_flush(r, all[i], last_frame);
                flow_remove(r, all[i]);
            }
            free(all);
        }
    }
    for (int i = 0; i < 4; i++) {
        if (r->suppressed[i] && r->rep) {
            mcx_report_add(r->rep, reasm_ids[i], "%lu more occurrences not listed",
                           r->suppressed[i]);
            r->suppressed[i] = 0;
        }
    }
}

void mcx_tcp_reasm_free(mcx_tcp_reasm *r)
{
    if (r == NULL)
        return;
    for (size_t b = 0; b < r->nbuckets; b++) {
        while (r->buckets[b])
            flow_remove(r, r->buckets[b]);
    }
    free(r->buckets);
    free(r);
}

void mcx_tcp_reasm_stats(const mcx_tcp_reasm *r, mcx_tcp_stats *out)
{
    *out = r->stats;
}
