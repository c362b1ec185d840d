/*
 * response_headers.c -- the mcxd_response helpers: init/free, adding and
 * looking up headers, the fixed set and order of standard headers every
 * mcxd response carries, and reason phrases.
 *
 * Owns: mcxd_response memory, the standard header block (Content-Type,
 * Content-Length, Date, Cache-Control, Pragma, Expires,
 * X-Content-Type-Options, X-MS-Server-Fqdn). Does not own: which status or
 * body a request gets (request_dispatch.c) nor writing to a socket
 * (server_listen.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "doc_cache.h"
#include "mcxd_http.h"

void mcxd_response_init(mcxd_response *r)
{
    memset(r, 0, sizeof(*r));
    r->status = 500;
}

void mcxd_response_free(mcxd_response *r)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->body);
    mcxd_response_init(r);
}

int mcxd_response_header(mcxd_response *r, const char *name, const char *value)
{
    if (r->nheaders >= MCXD_MAX_RESP_HEADERS || !name || !value)
        return -1;
    char *n = strdup(name);
    char *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return -1;
    }
    r->headers[r->nheaders].name = n;
    r->headers[r->nheaders].value = v;
    r->nheaders++;
    return 0;
}

const char *mcxd_request_header(const mcxd_request *req, const char *name)
{
    return req ? mcx_http_headers_find(req->headers, req->nheaders, name) : NULL;
}

const char *mcxd_response_get_header(const mcxd_response *r, const char *name)
{
    return mcx_http_headers_find(r->headers, r->nheaders, name);
}

void mcxd_response_remove_header(mcxd_response *r, const char *name)
{
    size_t out = 0;
    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) {
            free(r->headers[i].name);
            free(r->headers[i].value);
            continue;
        }
        r->headers[out++] = r->headers[i];
    }
    for (size_t i = out; i < r->nheaders; i++) {
        r->headers[i].name = NULL;
        r->headers[i].value = NULL;
    }
    r->nheaders = out;
}

int mcxd_response_set_body(mcxd_response *r, const char *text, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, text, len);
    copy[len] = '\0';
    free(r->body);
    r->body = copy;
    r->body_len = len;
    return 0;
}

const char *mcxd_status_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

/* Append the standard headers the handler did not set, then move the
 * handler's own headers behind them so the order is always the same. */
void mcxd_response_finish(const mcxd_config *cfg, const mcx_pool *pool,
                          const char *content_type, int head, time_t now,
                          mcxd_response *r)
{
    /* Content-Length always describes the body actually sent. */
    mcxd_response_remove_header(r, "Content-Length");
    mcx_http_header extra[MCXD_MAX_RESP_HEADERS];
    size_t nextra = r->nheaders;
    memcpy(extra, r->headers, sizeof(extra[0]) * nextra);
    r->nheaders = 0;

    char clen[32], date_buf[64];
    snprintf(clen, sizeof(clen), "%zu", r->body_len);
    const char *date =
        mcxd_doc_cache_http_date(cfg ? cfg->cache : NULL, now, date_buf, sizeof(date_buf));

    struct {
        const char *name;
        const char *value;
    } std[] = {
        {"Content-Type", content_type ? content_type : "text/plain; charset=utf-8"},
        {"Content-Length", clen},
        {"Date", date},
        {"Cache-Control", "no-cache"},
        {"Pragma", "no-cache"},
        {"Expires", "-1"},
        {"X-Content-Type-Options", "nosniff"},
        {"X-MS-Server-Fqdn",
         (pool && cfg && cfg->topo && cfg->topo->send_server_fqdn) ? pool->id : NULL},
    };
    /* 204 has no body: neither Content-Length nor Content-Type (RFC 9110). */
    if (r->status == 204) {
        std[0].value = NULL;
        std[1].value = NULL;
        for (size_t j = 0; j < nextra; j++)
            if (extra[j].name && strcasecmp(extra[j].name, "Content-Type") == 0) {
                free(extra[j].name);
                free(extra[j].value);
                extra[j].name = NULL;
            }
    }
    for (size_t i = 0; i < sizeof(std) / sizeof(std[0]); i++) {
        if (!std[i].value)
            continue;
        int present = 0;
        for (size_t j = 0; j < nextra; j++) {
            if (extra[j].name && strcasecmp(extra[j].name, std[i].name) == 0) {
                /* The handler's value wins, in the standard position. */
                if (r->nheaders < MCXD_MAX_RESP_HEADERS)
                    r->headers[r->nheaders++] = extra[j];
                extra[j].name = NULL;
                present = 1;
                break;
            }
        }
        if (!present)
            (void)mcxd_response_header(r, std[i].name, std[i].value);
    }
    for (size_t j = 0; j < nextra; j++) {
        if (!extra[j].name)
            continue;
        if (r->nheaders < MCXD_MAX_RESP_HEADERS) {
            r->headers[r->nheaders++] = extra[j];
        } else {
            free(extra[j].name);
            free(extra[j].value);
        }
    }
    if (head) {
        free(r->body);
        r->body = NULL;
        r->body_len = 0;
    }
}
