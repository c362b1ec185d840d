/*
 * fuzz_auth_soap.c -- libFuzzer target for the Web Ticket Service of mcxd.
 *
 * Owns: feeding arbitrary bytes to the WS-Trust Issue endpoint through
 * mcxd_auth_handle (embedded default deployment, seeded state, fixed clock)
 * and to X-MS-WebTicket verification, and the invariants checked on the
 * way: every answer has a status, every 200 carries an assertion that
 * verifies, and nothing crashes or leaks. Does not own: the code under test
 * (refimpl/auth_*.c). Seeds: fuzz/corpus/auth_soap/.
 *
 * Input: byte 0 selects the mode, the rest is the body.
 *   bit 0: send HTTP Basic for alice@contoso.test (right password)
 *   bit 1: POST to .../Auth (else .../UsernameToken)
 *   bit 2: over plain HTTP (expect a refusal)
 *   bit 3: the body is an assertion: verify it as an X-MS-WebTicket instead
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"

#define FUZZ_NOW ((time_t)1700000000)
#define FUZZ_HOST "webext01.contoso.test"

static mcx_topology *fuzz_topology(void)
{
    static mcx_topology *topo; /* configuration, loaded once */
    if (!topo) {
        mcx_error err;
        topo = mcx_topology_load_default(&err);
        if (!topo)
            abort();
    }
    return topo;
}

static const char *find_header(const mcxd_response *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

/* An issued ticket for a User URL on FUZZ_HOST must verify there: cut it
 * out like pidgin-sipe does. (Tickets for other hosts are refused on
 * FUZZ_HOST by design, so they are not checked here.) */
static void check_issued(const mcxd_config *cfg, mcxd_state *st, const mcxd_response *resp)
{
    if (!strstr(resp->body, "<saml:Audience>https://" FUZZ_HOST "/"))
        return;
    const char *start = strstr(resp->body, "<saml:Assertion");
    const char *end = strstr(resp->body, "</saml:Assertion>");
    if (!start || !end)
        abort();
    end += strlen("</saml:Assertion>");
    char *b64 = mcxd_auth_base64((const unsigned char *)start, (size_t)(end - start));
    char *value = malloc(strlen(b64) + 8);
    sprintf(value, "opaque=%s", b64);
    mcxd_request req;
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.uri = "/Autodiscover/AutodiscoverService.svc/root/user";
    req.host = FUZZ_HOST;
    req.tls = 1;
    const mcx_user *user = NULL;
    if (mcxd_auth_webticket_verify(cfg, st, &req, value, FUZZ_NOW, &user) != MCXD_AUTH_OK)
        abort();
    free(value);
    free(b64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    const char *body = (const char *)data + 1;
    size_t body_len = size - 1;

    mcxd_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.topo = fuzz_topology();
    mcxd_state *st = mcxd_state_new(1, 1);
    if (!st)
        abort();

    mcxd_request req;
    mcx_http_header headers[2];
    memset(&req, 0, sizeof(req));
    req.host = FUZZ_HOST;
    req.listener = MCX_ACCESS_EXTERNAL;
    req.peer = "127.0.0.1:1";

    if (mode & 8) {
        char *b64 = mcxd_auth_base64((const unsigned char *)body, body_len);
        char *value = malloc(strlen(b64) + 8);
        sprintf(value, "opaque=%s", b64);
        const mcx_user *user = NULL;
        req.method = "GET";
        req.uri = "/Autodiscover/AutodiscoverService.svc/root/user";
        req.tls = 1;
        /* a forged assertion must never verify */
        if (mcxd_auth_webticket_verify(&cfg, st, &req, value, FUZZ_NOW, &user) == MCXD_AUTH_OK)
            abort();
        free(value);
        free(b64);
        mcxd_state_free(st);
        return 0;
    }

    headers[0].name = (char *)"Content-Type";
    headers[0].value = (char *)"text/xml; charset=utf-8";
    headers[1].name = (char *)"Authorization";
    headers[1].value = (char *)"Basic YWxpY2VAY29udG9zby50ZXN0OnNlY3JldA=="; /* alice:secret */
    req.method = "POST";
    req.uri = (mode & 2) ? "/WebTicket/WebTicketService.svc/Auth"
                         : "/WebTicket/WebTicketService.svc/UsernameToken";
    req.headers = headers;
    req.nheaders = (mode & 1) ? 2 : 1;
    req.body = body;
    req.body_len = body_len;
    req.tls = (mode & 4) ? 0 : 1;

    mcxd_response resp;
    mcxd_response_init(&resp);
    mcxd_auth_handle(&cfg, st, &req, FUZZ_NOW, "https://" FUZZ_HOST, &resp);
    if (resp.status < 200 || resp.status > 599)
        abort();
    if (!req.tls && resp.status == 200)
        abort();
    if (resp.status == 200) {
        if (!resp.body || !find_header(&resp, "Content-Type"))
            abort();
        check_issued(&cfg, st, &resp);
    }
    mcxd_response_free(&resp);
    mcxd_state_free(st);
    return 0;
}
