/*
 * fuzz_mcxd_request.c -- libFuzzer target for mcxd_handle() on the default
 * topology: any bytes become one request, with no socket.
 *
 * Input format (also used by the seeds in fuzz/corpus/mcxd_request/):
 *   byte 0       flags: bit 0 external listener, bit 1 TLS, bits 2-7 are
 *                the first six MCXD_BREAK_* deviations (bit 2 = 1 << 0)
 *   then lines separated by '\n':
 *     line 1     method
 *     line 2     request target (URI as received)
 *     lines 3..  headers "Name: value", up to an empty line (max 32)
 *   the rest     body
 * Owns nothing but the harness. Checks: no crash, no leak (ASan), every
 * response has a status in 100..599 and Content-Length equal to the body.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "mcxd_http.h"

#define MAX_FUZZ_HEADERS 32

static mcx_topology *fuzz_topology; /* configuration, loaded once */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    mcx_error err;
    fuzz_topology = mcx_topology_load_default(&err);
    if (!fuzz_topology) {
        char msg[1024];
        mcx_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "fuzz_mcxd_request: default topology: %s\n", msg);
        abort();
    }
    return 0;
}

/* Next '\n'-terminated line of [*p, end) as a malloc'd string. */
static char *next_line(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    size_t len = (size_t)(stop - *p);
    if (len > 0 && (*p)[len - 1] == '\r')
        len--;
    char *s = malloc(len + 1);
    if (!s)
        abort();
    memcpy(s, *p, len);
    s[len] = '\0';
    *p = nl ? nl + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    const char *p = (const char *)data + 1;
    const char *end = (const char *)data + size;

    char *method = next_line(&p, end);
    char *uri = next_line(&p, end);
    mcx_http_header headers[MAX_FUZZ_HEADERS];
    char *lines[MAX_FUZZ_HEADERS];
    size_t nheaders = 0;
    const char *host = NULL;
    while (p < end && nheaders < MAX_FUZZ_HEADERS) {
        char *line = next_line(&p, end);
        if (!*line) {
            free(line);
            break;
        }
        lines[nheaders] = line;
        char *colon = strchr(line, ':');
        char *value = colon ? colon + 1 : line + strlen(line);
        if (colon)
            *colon = '\0';
        while (*value == ' ' || *value == '\t')
            value++;
        headers[nheaders].name = line;
        headers[nheaders].value = value;
        if (strcasecmp(line, "Host") == 0 && !host)
            host = value;
        nheaders++;
    }

    mcxd_config cfg = {
        .topo = fuzz_topology,
        .breaks = (unsigned)(flags >> 2) & 0x3fu,
        .deterministic = 1,
        .fixed_now = 1767225600,
    };
    mcxd_state *st = mcxd_state_new(1, 1);
    mcxd_request req = {
        .method = method,
        .uri = uri,
        .host = host,
        .headers = headers,
        .nheaders = nheaders,
        .body = p,
        .body_len = (size_t)(end - p),
        .listener = (flags & 1) ? MCX_ACCESS_EXTERNAL : MCX_ACCESS_INTERNAL,
        .tls = (flags & 2) ? 1 : 0,
        .peer = "127.0.0.1:1",
    };
    mcxd_response resp;
    mcxd_handle(&cfg, st, &req, cfg.fixed_now, &resp);

    if (resp.status < 100 || resp.status > 599)
        abort();
    const char *cl = mcxd_response_get_header(&resp, "Content-Length");
    if (!cl)
        abort();
    if (strcmp(method, "HEAD") != 0 && strtoull(cl, NULL, 10) != resp.body_len)
        abort();
    for (size_t i = 0; i < resp.nheaders; i++)
        if (strpbrk(resp.headers[i].name, "\r\n") || strpbrk(resp.headers[i].value, "\r\n"))
            abort();

    mcxd_response_free(&resp);
    if (st)
        mcxd_state_free(st);
    for (size_t i = 0; i < nheaders; i++)
        free(lines[i]);
    free(method);
    free(uri);
    return 0;
}
