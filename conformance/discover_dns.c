/*
 * discover_dns.c -- the DNS half of `mcxcheck discover --dns-internal /
 * --dns-external`: every host the trace contacts is resolved through the
 * DNS server of the vantage, as a phone's resolver would, and the request
 * then goes to the address DNS gave (a pinned resolution for libcurl).
 *
 * Owns: the per-discovery DNS state (server, query ID counter, the answer
 * per host, the pinned "HOST:PORT:ADDR" list), turning the answers into
 * steps (one per query: NOERROR / NXDOMAIN / NODATA / SERVFAIL / timeout,
 * the CNAME chain, the records and their TTLs, the address used), and the
 * pure helpers that describe an answer (unit-tested in test_discover.c).
 * Does not own: querying (dns_live.c, mcx_dns_live_resolve), lookups in a
 * view (lib/dns_view.c), the DNS-021/022 findings (dns_live.c adds them),
 * the walk itself (discover_algorithm.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "discover.h"

#define DS_DNS_MAX_HOSTS 64
#define DS_DNS_MAX_PINS 128
#define DS_DNS_TRIES 2
#define DS_DNS_MAX_TIMEOUT_MS 2000

typedef struct ds_dns_host {
    char host[256];
    char addr[64];  /* "" when DNS gave no address */
    char why[512];  /* why not, for the request's error text */
} ds_dns_host;

struct mcx_ds_dns {
    mcx_dns_live_server server;
    mcx_dns_vantage vantage;
    int timeout_ms;
    unsigned next_id;
    ds_dns_host hosts[DS_DNS_MAX_HOSTS];
    size_t nhosts;
    char *pins[DS_DNS_MAX_PINS];
    const char *pin_list[DS_DNS_MAX_PINS + 1]; /* NULL-terminated view of pins */
    size_t npins;
};

/* ---- pure helpers ------------------------------------------------------ */

int mcx_ds_url_port(const char *url)
{
    CURLU *u = curl_url();
    char *port = NULL;
    int n = -1;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        char *end = NULL;
        long v = strtol(port, &end, 10);
        if (end != port && *end == '\0' && v > 0 && v < 65536)
            n = (int)v;
    }
    curl_free(port);
    curl_url_cleanup(u);
    return n;
}

/* Appends printf output to out at *used, never past outlen. */
static void append(char *out, size_t outlen, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *out, size_t outlen, size_t *used, const char *fmt, ...)
{
    va_list ap;
    if (*used >= outlen)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(out + *used, outlen - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used = *used + (size_t)n < outlen ? *used + (size_t)n : outlen - 1;
}

mcx_step_outcome mcx_ds_dns_describe(const mcx_dns_answer *a, uint16_t qtype, char *out,
                                     size_t outlen)
{
    char tbuf[16];
    size_t used = 0;
    const char *type = mcx_dns_type_name(qtype, tbuf, sizeof tbuf);
    const char *last = a->chain[a->nchain - 1];

    out[0] = '\0';
    if (a->status == MCX_DNS_ANSWER)
        append(out, outlen, &used, "NOERROR");
    else if (a->status == MCX_DNS_OUTSIDE)
        append(out, outlen, &used, "no answer");
    else if (a->status == MCX_DNS_LOOP || a->status == MCX_DNS_CHAIN_TOO_LONG)
        append(out, outlen, &used, "unusable: %s", mcx_dns_status_name(a->status));
    else
        append(out, outlen, &used, "%s", mcx_dns_status_name(a->status));
    for (size_t i = 0; i < a->ncnames; i++)
        append(out, outlen, &used, "%s %s CNAME %s (TTL %u)", i ? "," : ":",
               a->cnames[i]->owner, a->cnames[i]->rdata, (unsigned)a->cnames[i]->ttl);
    const char *sep = a->ncnames ? "," : ":";
    switch (a->status) {
    case MCX_DNS_ANSWER:
        append(out, outlen, &used, "%s %s %s", sep, last, type);
        for (size_t i = 0; i < a->nrrs; i++)
            append(out, outlen, &used, "%s%s", i ? ", " : " ", a->rrs[i]->rdata);
        if (a->nrrs)
            append(out, outlen, &used, " (TTL %u)", (unsigned)a->rrs[0]->ttl);
        return MCX_STEP_OK;
    case MCX_DNS_NODATA:
        append(out, outlen, &used, "%s %s exists but has no %s record", sep, last, type);
        return MCX_STEP_INFO;
    case MCX_DNS_NXDOMAIN:
        append(out, outlen, &used, "%s %s does not exist", sep, last);
        return MCX_STEP_INFO;
    case MCX_DNS_OUTSIDE:
        append(out, outlen, &used, "%s %s is in no zone the server answers for", sep, last);
        return MCX_STEP_FAIL;
    default:
        return MCX_STEP_FAIL;
    }
}

const char *mcx_ds_dns_address(const mcx_dns_answer *a)
{
    return a->status == MCX_DNS_ANSWER && a->nrrs > 0 ? a->rrs[0]->rdata : NULL;
}

/* ---- state --------------------------------------------------------------- */

mcx_ds_dns *mcx_ds_dns_new(const mcx_dns_live_server *server, mcx_dns_vantage vantage,
                           int timeout_ms, unsigned first_id)
{
    mcx_ds_dns *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->server = *server;
    d->vantage = vantage;
    d->timeout_ms = timeout_ms > 0 && timeout_ms < DS_DNS_MAX_TIMEOUT_MS ? timeout_ms
                                                                         : DS_DNS_MAX_TIMEOUT_MS;
    d->next_id = first_id;
    return d;
}

void mcx_ds_dns_free(mcx_ds_dns *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->npins; i++)
        free(d->pins[i]);
    free(d);
}

const char *const *mcx_ds_dns_pins(const mcx_ds_dns *d)
{
    return d->pin_list;
}

const char *mcx_ds_dns_server(const mcx_ds_dns *d)
{
    return d->server.text;
}

const char *mcx_ds_dns_view_name(const mcx_ds_dns *d)
{
    return mcx_dns_vantage_name(d->vantage);
}

/* ---- resolving one host -------------------------------------------------- */

/* The DNS-021/022 finding of `r` about a name of the chain, or NULL. */
static const mcx_finding *chain_failure(const mcx_report *r, const mcx_dns_answer *a)
{
    for (size_t i = 0; i < r->nfindings; i++) {
        const mcx_finding *f = &r->findings[i];
        if (!f->subject || (strcmp(f->id, "DNS-021") != 0 && strcmp(f->id, "DNS-022") != 0))
            continue;
        for (size_t c = 0; c < a->nchain; c++)
            if (strcmp(f->subject, a->chain[c]) == 0)
                return f;
    }
    return NULL;
}

/* "SERVFAIL", "timeout", ... from a DNS-021/022 finding of dns_live.c. */
static void failure_label(const mcx_finding *f, char *out, size_t outlen)
{
    const char *p = f->message ? strstr(f->message, ": answered ") : NULL;
    if (strcmp(f->id, "DNS-021") == 0)
        snprintf(out, outlen, "timeout");
    else if (p)
        snprintf(out, outlen, "%.*s", (int)strcspn(p + 11, " ,;"), p + 11);
    else
        snprintf(out, outlen, "error");
}

/* Queries `host` and records its steps; fills h. */
static void resolve_host(mcx_ds_dns *d, mcx_report *rep, int depth, ds_dns_host *h)
{
    static const uint16_t qtypes[] = {MCX_DNS_TYPE_A, MCX_DNS_TYPE_AAAA};
    const char *names[1] = {h->host};
    mcx_dns_live_stats stats;
    mcx_report *scratch = mcx_report_new("mcxcheck", "discover", h->host);
    mcx_dns_view *view = NULL;
    char detail[1024], tbuf[16];

    if (scratch)
        view = mcx_dns_live_resolve(&d->server, d->vantage, names, 1, d->timeout_ms,
                                    DS_DNS_TRIES, d->next_id, scratch, &stats);
    if (!view) {
        snprintf(h->why, sizeof h->why, "cannot query %s", d->server.text);
        mcx_report_step(rep, depth, MCX_STEP_FAIL, 0, h->why, "DNS %s @%s (%s view)", h->host,
                        d->server.text, mcx_dns_vantage_name(d->vantage));
        if (scratch)
            mcx_report_merge(rep, scratch);
        mcx_report_free(scratch);
        return;
    }
    d->next_id += (unsigned)stats.queries;
    for (size_t t = 0; t < sizeof qtypes / sizeof qtypes[0] && !h->addr[0]; t++) {
        mcx_dns_answer a;
        if (mcx_dns_view_lookup(view, h->host, qtypes[t], &a) != 0)
            continue;
        const mcx_finding *f = chain_failure(scratch, &a);
        mcx_step_outcome outcome;
        char label[32] = "";
        if (f) {
            failure_label(f, label, sizeof label);
            snprintf(detail, sizeof detail, "%s: %s (%s)", label, f->message, f->id);
            outcome = MCX_STEP_FAIL;
        } else {
            outcome = mcx_ds_dns_describe(&a, qtypes[t], detail, sizeof detail);
        }
        mcx_report_step(rep, depth, outcome, 0, detail, "DNS %s %s @%s (%s view)",
                        mcx_dns_type_name(qtypes[t], tbuf, sizeof tbuf), h->host,
                        d->server.text, mcx_dns_vantage_name(d->vantage));
        const char *addr = f ? NULL : mcx_ds_dns_address(&a);
        if (addr) {
            snprintf(h->addr, sizeof h->addr, "%s", addr);
        } else if (t == 0 || !h->why[0]) {
            const char *what = f ? label : mcx_dns_status_name(a.status);
            if (!f && a.status == MCX_DNS_OUTSIDE)
                what = "in no zone";
            snprintf(h->why, sizeof h->why, "%s: %s at %s (%s view)", h->host, what,
                     d->server.text, mcx_dns_vantage_name(d->vantage));
        }
        mcx_dns_answer_clear(&a);
        if (f)
            break; /* the server failed for the name: the other type too */
    }
    if (!h->addr[0] && !h->why[0])
        snprintf(h->why, sizeof h->why, "%s: not a DNS name", h->host);
    mcx_report_merge(rep, scratch);
    mcx_report_free(scratch);
    mcx_dns_view_free(view);
}

static int add_pin(mcx_ds_dns *d, const char *host, int port, const char *addr)
{
    char pin[400];
    int v6 = strchr(addr, ':') != NULL;
    snprintf(pin, sizeof pin, v6 ? "%s:%d:[%s]" : "%s:%d:%s", host, port, addr);
    for (size_t i = 0; i < d->npins; i++)
        if (strcmp(d->pins[i], pin) == 0)
            return 0;
    if (d->npins >= DS_DNS_MAX_PINS || !(d->pins[d->npins] = strdup(pin)))
        return -1;
    d->pin_list[d->npins] = d->pins[d->npins];
    d->npins++;
    d->pin_list[d->npins] = NULL;
    return 1;
}

int mcx_ds_dns_prepare(mcx_ds_dns *d, mcx_report *rep, int depth, const char *url, char *why,
                       size_t whylen)
{
    char host[256];
    int port = mcx_ds_url_port(url);

    why[0] = '\0';
    if (mcx_ds_url_host(url, host, sizeof host) != 0 || port < 0) {
        snprintf(why, whylen, "malformed URL: %s", url);
        return -1;
    }
    if (host[0] == '[' || strspn(host, "0123456789.") == strlen(host))
        return 0; /* an address literal: nothing to resolve */
    ds_dns_host *h = NULL;
    for (size_t i = 0; i < d->nhosts && !h; i++)
        if (strcmp(d->hosts[i].host, host) == 0)
            h = &d->hosts[i];
    if (!h) {
        if (d->nhosts >= DS_DNS_MAX_HOSTS) {
            snprintf(why, whylen, "more than %d distinct host names", DS_DNS_MAX_HOSTS);
            return -1;
        }
        h = &d->hosts[d->nhosts++];
        memset(h, 0, sizeof *h);
        snprintf(h->host, sizeof h->host, "%s", host);
        resolve_host(d, rep, depth, h);
    }
    if (!h->addr[0]) {
        snprintf(why, whylen, "%s", h->why);
        return -1;
    }
    int added = add_pin(d, host, port, h->addr);
    if (added < 0) {
        snprintf(why, whylen, "more than %d pinned addresses", DS_DNS_MAX_PINS);
        return -1;
    }
    if (added > 0)
        mcx_report_step(rep, depth, MCX_STEP_INFO, 0, NULL, "Connect to %s port %d for %s (address from DNS)",
                        h->addr, port, host);
    return 0;
}
