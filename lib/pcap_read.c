/*
 * pcap_read.c -- read a capture with libpcap (pcap or pcapng, from a path or
 * a FILE) and decode each record's link, IPv4/IPv6 and UDP/TCP headers.
 *
 * Owns: link types EN10MB (with up to two VLAN tags), LINUX_SLL,
 * LINUX_SLL2, NULL, LOOP, RAW/IPV4/IPV6; IPv6 extension headers; the
 * distinction between a snaplen-cut payload (payload_missing) and a header
 * that claims more bytes than exist (MCX_PKT_BAD with the offset). IP
 * fragments are skipped. Also owns the read-ahead thread: libpcap reading
 * and the decoding above run one batch of records ahead of the caller
 * (which sees the same records, statuses and texts in the same order as
 * without it; memory: READER_CHUNKS batches). Does not own: reassembly,
 * DNS or HTTP, nor findings (the caller turns statuses into PC- findings).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mcx/pcap.h"

/* Read buffer of a capture opened by path: libpcap reads each record with
 * two small freads, which with stdio's default 4 KiB buffer meant a read
 * system call per 4 KiB (a fifth of the time of `pcap verify`). */
#define READER_BUFFER (1024 * 1024)

/* Read-ahead: a thread fills batches ("chunks") of decoded records, the
 * caller takes them in order. A chunk ends after CHUNK_PACKETS records or
 * CHUNK_BYTES of kept bytes (payloads and why-texts; one record may take
 * it past, up to the largest snapshot length). */
#define READER_CHUNKS 4
#define CHUNK_PACKETS 2048
#define CHUNK_BYTES (512 * 1024)
#define WHY_MAX 512

typedef struct rd_entry {
    mcx_pkt_status st;
    mcx_packet pkt;
    size_t off; /* in the chunk's bytes: the payload, or the why-text */
} rd_entry;

typedef struct rd_chunk {
    rd_entry e[CHUNK_PACKETS];
    size_t n;
    uint8_t *bytes;
    size_t used, cap;
} rd_chunk;

struct mcx_pcap_reader {
    pcap_t *p;
    int dlt;
    unsigned long frame;
    char *iobuf; /* the FILE's buffer (READER_BUFFER), freed after pcap_close */
    /* read-ahead (threaded == 0: records are read in the caller's thread) */
    int threaded;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    rd_chunk *chunk;        /* READER_CHUNKS, used as a ring */
    size_t filled, taken;   /* chunks produced / given back, ever (under mu) */
    int stop;               /* the caller closes (under mu) */
    size_t pos;             /* caller: next entry of chunk[taken % READER_CHUNKS] */
    int holding;            /* caller: that chunk is being read */
};

static int dlt_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
#endif
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
#ifdef DLT_IPV4
    case DLT_IPV4:
    case DLT_IPV6:
#endif
        return 1;
    default:
        return 0;
    }
}

static void readahead_start(mcx_pcap_reader *r);
static void readahead_stop(mcx_pcap_reader *r);

static mcx_pcap_reader *reader_wrap(pcap_t *p, char *err, size_t errlen)
{
    int dlt = pcap_datalink(p);
    if (!dlt_supported(dlt)) {
        const char *name = pcap_datalink_val_to_name(dlt);
        snprintf(err, errlen, "unsupported link type %d (%s)", dlt, name ? name : "unknown");
        pcap_close(p);
        return NULL;
    }
    mcx_pcap_reader *r = calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        pcap_close(p);
        return NULL;
    }
    r->p = p;
    r->dlt = dlt;
    readahead_start(r);
    return r;
}

mcx_pcap_reader *mcx_pcap_reader_open(const char *path, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = NULL;
    char *iobuf = NULL;
    FILE *f = NULL;
    struct stat st;
    if (strcmp(path, "-") == 0) {
        p = pcap_open_offline(path, ebuf); /* libpcap's stdin handling */
    } else if ((f = fopen(path, "rb")) == NULL) {
        snprintf(ebuf, sizeof ebuf, "%s", strerror(errno)); /* named once, below */
    } else if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(ebuf, sizeof ebuf, "%s", strerror(EISDIR));
        fclose(f);
    } else {
        iobuf = malloc(READER_BUFFER);
        if (iobuf != NULL)
            setvbuf(f, iobuf, _IOFBF, READER_BUFFER);
        p = pcap_fopen_offline(f, ebuf); /* closes f when it fails */
        if (p == NULL && strncmp(ebuf, "unsupported link type", 21) != 0) {
            char lib[PCAP_ERRBUF_SIZE];
            snprintf(lib, sizeof lib, "%s", ebuf);
            snprintf(ebuf, sizeof ebuf, "not a pcap or pcapng capture (libpcap: %.200s)", lib);
        }
    }
    if (p == NULL) {
        free(iobuf);
        snprintf(err, errlen, "%s: %s", path, ebuf);
        return NULL;
    }
    mcx_pcap_reader *r = reader_wrap(p, err, errlen);
    if (r == NULL)
        free(iobuf);
    else
        r->iobuf = iobuf;
    return r;
}

mcx_pcap_reader *mcx_pcap_reader_fopen(FILE *f, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_fopen_offline(f, ebuf);
    if (p == NULL) {
        snprintf(err, errlen, "%s", ebuf);
        fclose(f);
        return NULL;
    }
    return reader_wrap(p, err, errlen);
}

void mcx_pcap_reader_close(mcx_pcap_reader *r)
{
    if (r == NULL)
        return;
    readahead_stop(r);
    pcap_close(r->p);
    free(r->iobuf);
    free(r);
}

const char *mcx_pcap_reader_linktype(const mcx_pcap_reader *r)
{
    const char *n = pcap_datalink_val_to_name(r->dlt);
    return n ? n : "unknown";
}

/* Dotted quad into buf (at least 16 bytes): what inet_ntop writes, without
 * its sprintf per address (called per flow and per DNS transaction). */
static void addr4_str(const uint8_t *addr, char *buf)
{
    char *p = buf;
    for (int i = 0; i < 4; i++) {
        unsigned v = addr[i];
        if (v >= 100)
            *p++ = (char)('0' + v / 100);
        if (v >= 10)
            *p++ = (char)('0' + v / 10 % 10);
        *p++ = (char)('0' + v % 10);
        *p++ = i < 3 ? '.' : '\0';
    }
}

void mcx_pcap_addr_str(int family, const uint8_t *addr, char *buf, size_t len)
{
    if (family != 6 && len >= 16) {
        addr4_str(addr, buf);
        return;
    }
    if (inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len) == NULL)
        snprintf(buf, len, "?");
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Offset of the IP header and whether the frame carries IP at all. */
static mcx_pkt_status link_decode(int dlt, const uint8_t *d, size_t caplen, size_t *ip_off,
                                  char *why, size_t whylen)
{
    size_t off;
    uint16_t etype;
    switch (dlt) {
    case DLT_EN10MB:
        if (caplen < 14) {
            snprintf(why, whylen, "Ethernet header cut at byte %zu of 14", caplen);
            return MCX_PKT_BAD;
        }
        etype = get16(d + 12);
        off = 14;
        for (int tags = 0; (etype == 0x8100 || etype == 0x88a8) && tags < 2; tags++) {
            if (caplen < off + 4) {
                snprintf(why, whylen, "VLAN tag cut at byte %zu", caplen);
                return MCX_PKT_BAD;
            }
            etype = get16(d + off + 2);
            off += 4;
        }
        if (etype != 0x0800 && etype != 0x86dd)
            return MCX_PKT_SKIP;
        *ip_off = off;
        return MCX_PKT_OK;
    case DLT_LINUX_SLL:
        if (caplen < 16) {
            snprintf(why, whylen, "Linux cooked header cut at byte %zu of 16", caplen);
            return MCX_PKT_BAD;
        }
        etype = get16(d + 14);
        if (etype != 0x0800 && etype != 0x86dd)
            return MCX_PKT_SKIP;
        *ip_off = 16;
        return MCX_PKT_OK;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
        if (caplen < 20) {
            snprintf(why, whylen, "Linux cooked v2 header cut at byte %zu of 20", caplen);
            return MCX_PKT_BAD;
        }
        etype = get16(d);
        if (etype != 0x0800 && etype != 0x86dd)
            return MCX_PKT_SKIP;
        *ip_off = 20;
        return MCX_PKT_OK;
#endif
    case DLT_NULL:
    case DLT_LOOP:
        if (caplen < 4) {
            snprintf(why, whylen, "loopback header cut at byte %zu of 4", caplen);
            return MCX_PKT_BAD;
        }
        *ip_off = 4; /* the family word's byte order varies: trust the IP version */
        return MCX_PKT_OK;
    default:
        *ip_off = 0;
        return MCX_PKT_OK;
    }
}

static mcx_pkt_status reader_decode(mcx_pcap_reader *r, mcx_packet *pkt, char *why,
                                    size_t whylen)
{
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc = pcap_next_ex(r->p, &h, &d);
    if (rc == PCAP_ERROR_BREAK)
        return MCX_PKT_END;
    if (rc != 1) {
        snprintf(why, whylen, "after frame %lu: %s", r->frame, pcap_geterr(r->p));
        return MCX_PKT_ERROR;
    }
    r->frame++;
    memset(pkt, 0, sizeof *pkt);
    pkt->frame = r->frame;
    pkt->ts_sec = (int64_t)h->ts.tv_sec;
    pkt->ts_usec = (int32_t)h->ts.tv_usec;
    size_t caplen = h->caplen;
    size_t wirelen = h->len > h->caplen ? h->len : h->caplen;
    size_t off = 0;
    mcx_pkt_status st = link_decode(r->dlt, d, caplen, &off, why, whylen);
    if (st != MCX_PKT_OK)
        return st;
    if (caplen < off + 1) {
        snprintf(why, whylen, "no IP header (captured %zu bytes)", caplen);
        return MCX_PKT_BAD;
    }
    const uint8_t *ip = d + off;
    size_t avail = caplen - off;          /* captured IP bytes */
    size_t wire_avail = wirelen - off;    /* IP bytes on the wire */
    size_t l4off, iplen;
    int proto;
    int version = ip[0] >> 4;
    if (version == 4) {
        if (avail < 20) {
            snprintf(why, whylen, "IPv4 header cut at byte %zu of 20", avail);
            return MCX_PKT_BAD;
        }
        size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
        iplen = get16(ip + 2);
        if (ihl < 20 || ihl > avail || iplen < ihl) {
            snprintf(why, whylen,
                     "IPv4 header length %zu / total length %zu invalid (byte offset %zu)",
                     ihl, iplen, off);
            return MCX_PKT_BAD;
        }
        if (iplen > wire_avail) {
            snprintf(why, whylen, "IPv4 total length %zu beyond the %zu bytes of the frame",
                     iplen, wire_avail);
            return MCX_PKT_BAD;
        }
        if ((get16(ip + 6) & 0x3fff) != 0)
            return MCX_PKT_SKIP; /* fragment */
        pkt->family = 4;
        memcpy(pkt->src, ip + 12, 4);
        memcpy(pkt->dst, ip + 16, 4);
        proto = ip[9];
        l4off = ihl;
    } else if (version == 6) {
        if (avail < 40) {
            snprintf(why, whylen, "IPv6 header cut at byte %zu of 40", avail);
            return MCX_PKT_BAD;
        }
        iplen = 40 + (size_t)get16(ip + 4);
        if (iplen > wire_avail) {
            snprintf(why, whylen, "IPv6 payload length %zu beyond the %zu bytes of the frame",
                     iplen - 40, wire_avail - 40);
            return MCX_PKT_BAD;
        }
        pkt->family = 6;
        memcpy(pkt->src, ip + 8, 16);
        memcpy(pkt->dst, ip + 24, 16);
        proto = ip[6];
        l4off = 40;
        for (int n = 0; n < 8 && (proto == 0 || proto == 43 || proto == 60); n++) {
            if (l4off + 8 > avail || l4off + 8 > iplen) {
                snprintf(why, whylen, "IPv6 extension header cut at byte %zu", off + l4off);
                return MCX_PKT_BAD;
            }
            proto = ip[l4off];
            l4off += ((size_t)ip[l4off + 1] + 1) * 8;
        }
        if (proto == 44)
            return MCX_PKT_SKIP; /* fragment */
        if (l4off > iplen) {
            snprintf(why, whylen, "IPv6 extension headers overrun the payload");
            return MCX_PKT_BAD;
        }
    } else {
        if (r->dlt == DLT_EN10MB || r->dlt == DLT_LINUX_SLL) {
            snprintf(why, whylen, "IP version %d at byte offset %zu", version, off);
            return MCX_PKT_BAD;
        }
        return MCX_PKT_SKIP;
    }
    if (proto != 6 && proto != 17)
        return MCX_PKT_SKIP;
    pkt->proto = proto;
    /* Captured bytes of this IP packet (Ethernet padding excluded). */
    size_t ip_captured = avail < iplen ? avail : iplen;
    if (l4off > ip_captured) {
        snprintf(why, whylen, "transport header not captured (snaplen)");
        return MCX_PKT_BAD;
    }
    const uint8_t *l4 = ip + l4off;
    size_t l4cap = ip_captured - l4off;
    size_t l4wire = iplen - l4off;
    size_t hlen;
    if (proto == 6) {
        if (l4cap < 20) {
            snprintf(why, whylen, "TCP header cut at byte %zu of 20", l4cap);
            return MCX_PKT_BAD;
        }
        hlen = (size_t)(l4[12] >> 4) * 4;
        if (hlen < 20 || hlen > l4wire) {
            snprintf(why, whylen, "TCP data offset %zu invalid for a %zu-byte segment", hlen,
                     l4wire);
            return MCX_PKT_BAD;
        }
        if (hlen > l4cap) {
            snprintf(why, whylen, "TCP options cut by the snapshot length");
            return MCX_PKT_BAD;
        }
        pkt->seq = get32(l4 + 4);
        pkt->ack = get32(l4 + 8);
        pkt->tcp_flags = l4[13];
    } else {
        if (l4cap < 8) {
            snprintf(why, whylen, "UDP header cut at byte %zu of 8", l4cap);
            return MCX_PKT_BAD;
        }
        size_t ulen = get16(l4 + 4);
        if (ulen < 8 || ulen > l4wire) {
            snprintf(why, whylen, "UDP length %zu invalid for %zu bytes of IP payload", ulen,
                     l4wire);
            return MCX_PKT_BAD;
        }
        l4wire = ulen;
        if (l4cap > ulen)
            l4cap = ulen;
        hlen = 8;
    }
    pkt->sport = get16(l4);
    pkt->dport = get16(l4 + 2);
    pkt->payload = l4 + hlen;
    pkt->payload_len = l4cap - hlen;
    pkt->payload_missing = l4wire - l4cap;
    return MCX_PKT_OK;
}

/* ---- read-ahead ---- */

/* Keep n bytes in the chunk; their offset, or SIZE_MAX when out of memory. */
static size_t chunk_keep(rd_chunk *c, const void *data, size_t n)
{
    if (c->used + n > c->cap) {
        size_t cap = c->cap ? c->cap : CHUNK_BYTES;
        while (cap < c->used + n)
            cap *= 2;
        uint8_t *b = realloc(c->bytes, cap);
        if (b == NULL)
            return SIZE_MAX;
        c->bytes = b;
        c->cap = cap;
    }
    if (n > 0)
        memcpy(c->bytes + c->used, data, n);
    c->used += n;
    return c->used - n;
}

/* Decode the next records into c; 1 when the capture ended (the last entry
 * is MCX_PKT_END or MCX_PKT_ERROR). */
static int chunk_fill(mcx_pcap_reader *r, rd_chunk *c)
{
    c->n = 0;
    c->used = 0;
    while (c->n < CHUNK_PACKETS && c->used < CHUNK_BYTES) {
        rd_entry *e = &c->e[c->n++];
        char why[WHY_MAX];
        why[0] = '\0'; /* not "" as initialiser: that zeroes all 512 bytes per record */
        e->st = reader_decode(r, &e->pkt, why, sizeof why);
        e->off = 0;
        if (e->st == MCX_PKT_OK)
            e->off = chunk_keep(c, e->pkt.payload, e->pkt.payload_len);
        else if (e->st == MCX_PKT_BAD || e->st == MCX_PKT_ERROR)
            e->off = chunk_keep(c, why, strlen(why) + 1);
        if (e->off == SIZE_MAX) {
            e->st = MCX_PKT_ERROR;
            e->off = chunk_keep(c, "", 1); /* the 1 byte fits: cap >= CHUNK_BYTES */
        }
        if (e->st == MCX_PKT_END || e->st == MCX_PKT_ERROR)
            return 1;
    }
    return 0;
}

static void *readahead_main(void *arg)
{
    mcx_pcap_reader *r = arg;
    for (int ended = 0; !ended;) {
        pthread_mutex_lock(&r->mu);
        while (r->filled - r->taken == READER_CHUNKS && !r->stop)
            pthread_cond_wait(&r->cv, &r->mu);
        int stop = r->stop;
        pthread_mutex_unlock(&r->mu);
        if (stop)
            break;
        ended = chunk_fill(r, &r->chunk[r->filled % READER_CHUNKS]);
        pthread_mutex_lock(&r->mu);
        r->filled++;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
    }
    return NULL;
}

/* Without memory or a thread the reader simply reads in the caller's
 * thread. */
static void readahead_start(mcx_pcap_reader *r)
{
    r->chunk = calloc(READER_CHUNKS, sizeof *r->chunk);
    if (r->chunk == NULL)
        return;
    for (int i = 0; i < READER_CHUNKS; i++) {
        r->chunk[i].bytes = malloc(CHUNK_BYTES);
        r->chunk[i].cap = r->chunk[i].bytes ? CHUNK_BYTES : 0;
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    r->threaded = pthread_create(&r->thread, NULL, readahead_main, r) == 0;
    if (!r->threaded) {
        pthread_mutex_destroy(&r->mu);
        pthread_cond_destroy(&r->cv);
        readahead_stop(r);
    }
}

static void readahead_stop(mcx_pcap_reader *r)
{
    if (r->threaded) {
        pthread_mutex_lock(&r->mu);
        r->stop = 1;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->thread, NULL);
        pthread_mutex_destroy(&r->mu);
        pthread_cond_destroy(&r->cv);
        r->threaded = 0;
    }
    for (int i = 0; r->chunk && i < READER_CHUNKS; i++)
        free(r->chunk[i].bytes);
    free(r->chunk);
    r->chunk = NULL;
}

mcx_pkt_status mcx_pcap_reader_next(mcx_pcap_reader *r, mcx_packet *pkt, char *why,
                                    size_t whylen)
{
    if (!r->threaded)
        return reader_decode(r, pkt, why, whylen);
    rd_chunk *c = &r->chunk[r->taken % READER_CHUNKS];
    if (r->holding && r->pos == c->n) {
        /* the previous record's payload is no longer needed: give it back */
        pthread_mutex_lock(&r->mu);
        r->taken++;
        r->holding = 0;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        c = &r->chunk[r->taken % READER_CHUNKS];
    }
    if (!r->holding) {
        pthread_mutex_lock(&r->mu);
        while (r->filled == r->taken)
            pthread_cond_wait(&r->cv, &r->mu);
        pthread_mutex_unlock(&r->mu);
        r->holding = 1;
        r->pos = 0;
    }
    const rd_entry *e = &c->e[r->pos];
    mcx_pkt_status st = e->st;
    if (st == MCX_PKT_END || st == MCX_PKT_ERROR) {
        /* the last record: stays the answer to every later call */
    } else {
        r->pos++;
    }
    *pkt = e->pkt;
    if (st == MCX_PKT_OK)
        pkt->payload = c->bytes + e->off;
    if (st == MCX_PKT_BAD || st == MCX_PKT_ERROR)
        snprintf(why, whylen, "%s", (const char *)c->bytes + e->off);
    return st;
}
