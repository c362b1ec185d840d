/*
 * access_log.c -- mcxd's access log: one line per request on a FILE*
 * (stderr in mcxd): peer, listener, method, URI, status, body bytes.
 *
 * Owns: the line format and the escaping of untrusted bytes (CR, LF,
 * other control bytes, space, '"', '\\', bytes >= 0x80 become \xHH) so a
 * request can never forge or split log lines. Does not own: deciding whether
 * to log (--quiet, server_listen.c).
 */
#include <stdio.h>

#include "mcxd_http.h"

const char *mcxd_listener_name(mcx_access side, int tls)
{
    if (side == MCX_ACCESS_EXTERNAL)
        return tls ? "external-https" : "external-http";
    return tls ? "internal-https" : "internal-http";
}

static void put_escaped(FILE *out, const char *s)
{
    if (!s || !*s) {
        fputc('-', out);
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x21 || *p >= 0x7f || *p == '"' || *p == '\\')
            fprintf(out, "\\x%02X", *p);
        else
            fputc(*p, out);
    }
}

void mcxd_access_log(FILE *out, const mcxd_request *req, const mcxd_response *resp,
                     size_t bytes)
{
    put_escaped(out, req->peer);
    fprintf(out, " %s ", mcxd_listener_name(req->listener, req->tls));
    put_escaped(out, req->method);
    fputc(' ', out);
    put_escaped(out, req->uri);
    fprintf(out, " %d %zu\n", resp->status, bytes);
    fflush(out);
}
