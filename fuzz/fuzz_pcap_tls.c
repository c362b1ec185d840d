/*
 * fuzz_pcap_tls.c -- libFuzzer target: arbitrary in-order TCP payload of a
 * TLS connection into lib/pcap_tls.c (the ClientHello SNI through OpenSSL,
 * the record / handshake framing that finds the Certificate message, and
 * d2i_X509), then the certificate check (CT-021 against the SNI). Owns only
 * the harness and its input format: a sequence of pieces
 *   u8 control  bit0 direction (1 = server)
 *   u16 length  bytes that follow (big endian, clipped to the input)
 * A run must never crash, hang or leak; a leaf and a note never coexist.
 * Seeds: fuzz/corpus/pcap_tls/ (a real TLS 1.2 server flight is produced by
 * `mcxcheck pcap record`; the harness needs none to start).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcx/pcap.h"
#include "mcx/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mcx_pcap_tls *tls = mcx_pcap_tls_new();
    mcx_report *rep = mcx_report_new("mcxcheck", "fuzz", "pcap_tls");
    if (tls == NULL || rep == NULL)
        abort();
    unsigned ev = 0;
    size_t pos = 0;
    while (pos + 3 <= size) {
        int dir = data[pos] & 1;
        size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        ev |= mcx_pcap_tls_data(tls, dir, data + pos, len);
        pos += len;
    }
    ev |= mcx_pcap_tls_finish(tls);
    if (ev & MCX_PCAP_TLS_EV_CERT) {
        if (mcx_pcap_tls_leaf(tls) != NULL && mcx_pcap_tls_note(tls)[0] != '\0')
            abort();
        mcx_pcap_tls_check_cert(tls, "192.0.2.80:443", rep);
    }
    char sni[256];
    if (mcx_pcap_tls_sni(tls, sni, sizeof sni) == 1 && memchr(sni, '\0', sizeof sni) == NULL)
        abort();
    mcx_pcap_tls_free(tls);
    mcx_report_free(rep);
    return 0;
}
