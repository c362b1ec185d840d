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
    /* DNS lookups in order, answered by the reference responder over the
     * topology's view for `vantage` (pcap_dns_zones_from_topology; AAAA
     * lookups through DNS64). */
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

/* How the HTTP bytes of a scenario travel (plain TCP for
 * pcap_record_scenario; TLS in conformance/pcap_record_tls.c). `open` runs
 * after the TCP handshake and `close` before the FIN (both may be NULL);
 * `send` writes one request (from_client) or response. `tls` is what
 * mcxd_handle is told. Each returns 0, or -1 with a message in err. */
typedef struct pcap_record_transport {
    int tls;
    int (*open)(void *ctx, mcx_pcap_writer *w, mcx_pcap_tcp_conn *c, char *err, size_t errlen);
    int (*send)(void *ctx, mcx_pcap_writer *w, mcx_pcap_tcp_conn *c, int from_client,
                const void *data, size_t len, char *err, size_t errlen);
    int (*close)(void *ctx, mcx_pcap_writer *w, mcx_pcap_tcp_conn *c, char *err,
                 size_t errlen);
    void *ctx;
} pcap_record_transport;

/* pcap_record_scenario with the HTTP bytes carried by `tr`. */
int pcap_record_scenario_via(mcx_pcap_writer *w, const mcx_topology *t, const pcap_scenario *s,
                             const pcap_record_transport *tr, time_t now, uint64_t seed,
                             char *err, size_t errlen);

/* ---- DNS (conformance/pcap_record_dns.c; engineer "pcap-dns") ----
 * Every DNS answer of a golden capture comes from the reference responder
 * (refimpl/dns_responder.h, mcxdns_answer) in-process. */

struct mcxdns_zoneset;

/* The responder's zones for a vantage (mcx_access) of topology `t`
 * (mcxdns_view_from_topology); `dns64`: an AAAA in 64:ff9b::/96 next to
 * every A. NULL with a message in err. Free with mcxdns_zoneset_free. */
struct mcxdns_zoneset *pcap_dns_zones_from_topology(const mcx_topology *t, int vantage,
                                                    int dns64, char *err, size_t errlen);

/* Write the query name/qtype with `id` from client to resolver and the
 * responder's answer (none when it drops the query); the first address of
 * qtype it gives goes to addr ("" when none). 0, or -1 (err). */
int pcap_dns_exchange(mcx_pcap_writer *w, const struct mcxdns_zoneset *zs,
                      const mcx_pcap_endpoint *client, const mcx_pcap_endpoint *resolver,
                      const char *name, uint16_t qtype, uint16_t id, char *addr, size_t alen,
                      char *err, size_t errlen);

/* One capture per scenario of the `fixtures` folder (dnsfixtures/) and
 * vantage, as DIR/scenarios/<scenario>-<vantage>.pcap. 0 or -1 (err). */
int pcap_record_dns_golden(const char *dir, const char *fixtures, time_t now, uint64_t seed,
                           char *err, size_t errlen);

/* Close a capture file the recorder wrote (mcx_pcap_writer_close): `rc`,
 * the recording's result, or -1 with "PATH: write error" in err when the
 * recording succeeded but the file could not be written. */
int pcap_record_close(mcx_pcap_writer *w, const char *path, int rc, char *err, size_t errlen);

/* Write every golden scenario as DIR/<name>.pcap. 0 or -1 (err). */
int pcap_record_golden(const char *dir, const mcx_topology *t, time_t now, uint64_t seed,
                       char *err, size_t errlen);

/* A large capture for benchmarks: the golden scenarios repeated (new
 * client ports and ISNs each time) into one file until it holds at least
 * `megabytes` MB. 0 or -1 (err). */
int pcap_record_bulk(const char *path, const mcx_topology *t, time_t now, uint64_t seed,
                     unsigned megabytes, char *err, size_t errlen);

/* ---- HTTPS captures (conformance/pcap_record_tls.c; engineer "pcap-tls") ----
 * A real OpenSSL 3 client and server talk over memory BIOs inside a private
 * OSSL_LIB_CTX whose DRBGs are OpenSSL's TEST-RAND fed from --seed, so the
 * ClientHello, key shares and record encryption repeat byte for byte. */

typedef struct pcap_tls_scenario {
    pcap_scenario base;   /* server_port is the HTTPS listener */
    int version;          /* TLS1_2_VERSION or TLS1_3_VERSION */
    const char *cert;     /* PEM chain (leaf first), relative to the PKI dir */
    const char *key;      /* its private key, relative to the PKI dir */
} pcap_tls_scenario;

/* The golden HTTPS scenarios (written as DIR/<name>.pcap). */
size_t pcap_tls_golden_count(void);
const pcap_tls_scenario *pcap_tls_golden_at(size_t i);

/* Write one HTTPS scenario (DNS lookups, TCP, TLS handshake with SNI =
 * base.host, the requests encrypted, close_notify, FIN) to `w`; cert/key are
 * read from pki_dir. 0, or -1 with a message in err. */
int pcap_record_tls_scenario(mcx_pcap_writer *w, const mcx_topology *t,
                             const pcap_tls_scenario *s, const char *pki_dir, time_t now,
                             uint64_t seed, char *err, size_t errlen);

/* Write every golden HTTPS scenario as DIR/<name>.pcap. 0 or -1 (err). */
int pcap_record_tls_golden(const char *dir, const mcx_topology *t, const char *pki_dir,
                           time_t now, uint64_t seed, char *err, size_t errlen);

/* ---- hostile capture (conformance/pcap_record_flood.c; engineer "pcap-tls") ----
 * `connections` TCP connections to the internal HTTP listener, one
 * Autodiscover GET answered by mcxd on each; only every
 * PCAP_FLOOD_CLOSE_EVERY-th (0, 8, 16, ...) closes with a FIN, the rest stay
 * open. 0 or -1 (err). */
#define PCAP_FLOOD_CLOSE_EVERY 8
int pcap_record_flood(const char *path, const mcx_topology *t, time_t now, uint64_t seed,
                      unsigned long connections, char *err, size_t errlen);

#endif
