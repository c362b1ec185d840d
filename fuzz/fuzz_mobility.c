/*
 * fuzz_mobility.c -- libFuzzer target for the Mobility Service of mcxd:
 * a sequence of requests against one fresh server state (default topology,
 * fixed seed) in which alice and bob already hold OAuth tokens and one
 * application each, so the fuzzer reaches the resources behind
 * authentication, the event channel and its parked P-GETs, and the clock.
 *
 * Input format (also the seeds in fuzz/corpus/mobility/): records separated
 * by a NUL byte, at most 64. Each record:
 *   byte 0      flags: bit 0 bob's token (else alice's), bit 1 no token,
 *               bits 2-4 the clock moves forward by (value * 97) seconds
 *               before the request, bit 5 the request may park, bits 6-7
 *               MCXD_BREAK_MOBILITY_* 1 << (bits + 7) for the whole input
 *               (first record only)
 *   then        "METHOD TARGET\n" where TARGET may hold {A} / {B}: alice's /
 *               bob's application path
 *   then        an optional "Content-Type: VALUE\n", then the body
 * Owns nothing but the harness. Checks: no crash, no leak (ASan), every
 * answer (direct or completed later) has a status in 200..599 and a body
 * length matching Content-Length; a request with no token never gets 2xx
 * below an application.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "auth.h"
#include "mcxd_http.h"
#include "mobility/mobility.h"

#define MAX_RECORDS 64
#define HOST "webext01.contoso.test"

static mcx_topology *fuzz_topology; /* configuration, loaded once */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    mcx_error err;
    fuzz_topology = mcx_topology_load_default(&err);
    if (!fuzz_topology)
        abort();
    return 0;
}

static void check_response(const mcxd_response *r)
{
    if (r->status < 200 || r->status > 599)
        abort();
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, "Content-Length") == 0 &&
            strtoul(r->headers[i].value, NULL, 10) != r->body_len)
            abort();
}

static void on_done(void *ctx, void *handle, mcxd_response *resp)
{
    (void)ctx;
    (void)handle;
    check_response(resp);
}

/* One request; the response is checked and, if wanted, its Location or a
 * JSON field copied out. */
static void request(const mcxd_config *cfg, mcxd_state *st, time_t now, const char *method,
                    const char *uri, const char *authz, const char *ctype, const char *body,
                    size_t body_len, void *park, char *location, size_t loclen, char *token,
                    size_t toklen)
{
    mcx_http_header h[2];
    size_t n = 0;
    if (authz)
        h[n++] = (mcx_http_header){"Authorization", (char *)authz};
    if (ctype)
        h[n++] = (mcx_http_header){"Content-Type", (char *)ctype};
    mcxd_request req = {.method = method, .uri = uri, .host = HOST, .headers = h,
                        .nheaders = n, .body = body, .body_len = body_len,
                        .listener = MCX_ACCESS_EXTERNAL, .tls = 1, .peer = "-",
                        .park_handle = park};
    mcxd_response resp;
    mcxd_handle(cfg, st, &req, now, &resp);
    if (!resp.parked) {
        check_response(&resp);
        if (!authz && strstr(uri, "/applications/") && resp.status < 300)
            abort();
        const char *loc = mcxd_response_get_header(&resp, "Location");
        if (location && loc)
            snprintf(location, loclen, "%s", loc);
        if (token && resp.body) {
            json_t *j = json_loadb(resp.body, resp.body_len, 0, NULL);
            const char *t = json_string_value(json_object_get(j, "access_token"));
            if (t)
                snprintf(token, toklen, "Bearer %s", t);
            json_decref(j);
        }
    }
    mcxd_response_free(&resp);
    mcxd_mobility_drain(cfg, st, now, on_done, NULL);
}

/* Replace {A} and {B} in `in` into `out`. */
static void expand(const char *in, size_t len, const char *a, const char *b, char *out,
                   size_t outlen)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < outlen; i++) {
        const char *rep = NULL;
        if (i + 2 < len && in[i] == '{' && in[i + 2] == '}' && (in[i + 1] == 'A' || in[i + 1] == 'B'))
            rep = in[i + 1] == 'A' ? a : b;
        if (rep) {
            size_t rl = strlen(rep);
            if (n + rl >= outlen)
                break;
            memcpy(out + n, rep, rl);
            n += rl;
            i += 2;
        } else {
            out[n++] = in[i] ? in[i] : '?';
        }
    }
    out[n] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    mcxd_config cfg = {.topo = fuzz_topology, .deterministic = 1, .fixed_now = 1767225600};
    cfg.breaks = (unsigned)((data[0] >> 6) & 3) ? 1u << (((data[0] >> 6) & 3) + 6) : 0;
    mcxd_state *st = mcxd_state_new(1, 1);
    if (!st)
        return 0;
    time_t now = cfg.fixed_now;
    char ta[600] = "", tb[600] = "", aa[256] = "", ab[256] = "";
    static const char form[] = "application/x-www-form-urlencoded";
    const char *ua = "{\"UserAgent\":\"fuzz\",\"EndpointId\":\"1\"}";
    const char *ga = "grant_type=password&username=alice@contoso.test&password=secret";
    const char *gb = "grant_type=password&username=bob@fabrikam.test&password=secret2";
    request(&cfg, st, now, "POST", "/WebTicket/oauthtoken", NULL, form, ga, strlen(ga), NULL,
            NULL, 0, ta, sizeof(ta));
    request(&cfg, st, now, "POST", "/WebTicket/oauthtoken", NULL, form, gb, strlen(gb), NULL,
            NULL, 0, tb, sizeof(tb));
    request(&cfg, st, now, "POST", "/ucwa/oauth/v1/applications", ta, "application/json", ua,
            strlen(ua), NULL, aa, sizeof(aa), NULL, 0);
    request(&cfg, st, now, "POST", "/Mcx/McxService.svc/applications", tb, "application/json", ua,
            strlen(ua), NULL, ab, sizeof(ab), NULL, 0);

    static char handles[MAX_RECORDS]; /* addresses only: distinct park handles */
    const uint8_t *p = data, *end = data + size;
    for (int rec = 0; rec < MAX_RECORDS && p < end; rec++) {
        const uint8_t *stop = memchr(p, 0, (size_t)(end - p));
        if (!stop)
            stop = end;
        if (stop - p >= 2) {
            uint8_t flags = p[0];
            const char *line = (const char *)p + 1;
            const char *lend = memchr(line, '\n', (size_t)((const char *)stop - line));
            if (!lend)
                lend = (const char *)stop;
            char first[1024], method[16] = "GET", uri[1024] = "/";
            expand(line, (size_t)(lend - line), aa, ab, first, sizeof(first));
            char *sp = strchr(first, ' ');
            if (sp) {
                *sp = '\0';
                snprintf(method, sizeof(method), "%s", first);
                snprintf(uri, sizeof(uri), "%s", sp + 1);
            }
            const char *body = lend < (const char *)stop ? lend + 1 : (const char *)stop;
            char ctype[128];
            const char *ct = NULL;
            if ((const char *)stop - body > 14 && strncasecmp(body, "Content-Type: ", 14) == 0) {
                const char *nl = memchr(body, '\n', (size_t)((const char *)stop - body));
                if (nl && nl - body - 14 < (long)sizeof(ctype)) {
                    snprintf(ctype, sizeof(ctype), "%.*s", (int)(nl - body - 14), body + 14);
                    ct = ctype;
                    body = nl + 1;
                }
            }
            now += ((flags >> 2) & 7) * 97;
            const char *authz = (flags & 2) ? NULL : (flags & 1) ? tb : ta;
            request(&cfg, st, now, method, uri, authz, ct, body, (size_t)((const char *)stop - body),
                    (flags & 0x20) ? &handles[rec] : NULL, NULL, 0, NULL, 0);
        }
        p = stop + 1;
    }
    mcxd_state_free(st);
    return 0;
}
