/*
 * mobility_wire.c -- the pure pieces of the Mobility Service client of
 * `mcxcheck mobility`: URLs, link finding in UCWA resources, RFC 2397 data:
 * URIs (messages travel as data:text/plain;charset=utf-8,<percent-encoded>),
 * UCWA error bodies and event-channel batches (refimpl/MOBILITY.md "The
 * event channel"; protocol.md 5.1).
 *
 * Owns: those helpers, with no I/O (unit-tested in
 * conformance/test/test_mobility.c). JSON is read with jansson only.
 * Does not own: requests (mobility_client.c), what an event means to a flow
 * (mobility_flows.c, mobility_session.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mobility.h"

/* ---- URLs ------------------------------------------------------------------ */

static const char *mb_after_scheme(const char *url)
{
    if (strncasecmp(url, "https://", 8) == 0)
        return url + 8;
    if (strncasecmp(url, "http://", 7) == 0)
        return url + 7;
    return NULL;
}

int mcx_mb_url_origin(const char *url, char *out, size_t outlen)
{
    const char *host = url ? mb_after_scheme(url) : NULL;
    if (!host || !*host || *host == '/')
        return -1;
    size_t n = (size_t)(host - url) + strcspn(host, "/?#");
    if (n >= outlen)
        return -1;
    memcpy(out, url, n);
    out[n] = '\0';
    return 0;
}

int mcx_mb_url_path(const char *url, char *out, size_t outlen)
{
    const char *p;
    if (!url)
        return -1;
    if (url[0] == '/') {
        p = url;
    } else {
        const char *host = mb_after_scheme(url);
        if (!host)
            return -1;
        p = host + strcspn(host, "/?#");
        if (*p != '/')
            return -1;
    }
    if (strlen(p) >= outlen)
        return -1;
    snprintf(out, outlen, "%s", p);
    return 0;
}

int mcx_mb_url_resolve(const char *origin, const char *href, char *out, size_t outlen)
{
    int n;
    if (!href || !*href)
        return -1;
    if (mb_after_scheme(href))
        n = snprintf(out, outlen, "%s", href);
    else if (href[0] == '/' && href[1] != '/' && origin && mb_after_scheme(origin))
        n = snprintf(out, outlen, "%s%s", origin, href);
    else
        return -1;
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* ---- links and members --------------------------------------------------------- */

const char *mcx_mb_link(const json_t *resource, const char *rel)
{
    const json_t *links = json_is_object(resource) ? json_object_get(resource, "_links") : NULL;
    const json_t *l = json_is_object(links) ? json_object_get(links, rel) : NULL;
    if (json_is_array(l)) /* a rel with several links: the first */
        l = json_array_get(l, 0);
    const json_t *href = json_is_object(l) ? json_object_get(l, "href") : NULL;
    return json_is_string(href) ? json_string_value(href) : NULL;
}

static const char *mb_find_link_depth(const json_t *resource, const char *rel, int depth)
{
    const char *h = mcx_mb_link(resource, rel);
    if (h || depth >= 4)
        return h;
    const json_t *emb = json_is_object(resource) ? json_object_get(resource, "_embedded") : NULL;
    const char *key;
    const json_t *v;
    if (!json_is_object(emb))
        return NULL;
    json_object_foreach((json_t *)emb, key, v) {
        if (json_is_array(v)) {
            size_t i;
            const json_t *e;
            json_array_foreach(v, i, e) {
                if ((h = mb_find_link_depth(e, rel, depth + 1)))
                    return h;
            }
        } else if ((h = mb_find_link_depth(v, rel, depth + 1))) {
            return h;
        }
    }
    return NULL;
}

const char *mcx_mb_find_link(const json_t *resource, const char *rel)
{
    return mb_find_link_depth(resource, rel, 0);
}

const char *mcx_mb_string(const json_t *obj, const char *key)
{
    const char *k;
    const json_t *v;
    if (!json_is_object(obj))
        return NULL;
    json_object_foreach((json_t *)obj, k, v) {
        if (strcasecmp(k, key) == 0)
            return json_is_string(v) ? json_string_value(v) : NULL;
    }
    return NULL;
}

/* ---- data: URIs ------------------------------------------------------------------ */

static int mb_hex(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static int mb_b64(int ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+' || ch == '-')
        return 62;
    if (ch == '/' || ch == '_')
        return 63;
    return -1;
}

/* Percent-decodes src[0..n) into out (room for n + 1). -1 on a bad escape. */
static int mb_pct_decode(const char *src, size_t n, char *out, size_t *outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (src[i] == '%') {
            int hi = i + 1 < n ? mb_hex((unsigned char)src[i + 1]) : -1;
            int lo = i + 2 < n ? mb_hex((unsigned char)src[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return -1;
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = src[i];
        }
    }
    out[o] = '\0';
    *outlen = o;
    return 0;
}

/* Base64-decodes src (already percent-decoded) in place. -1 when invalid. */
static int mb_b64_decode(char *buf, size_t *len)
{
    size_t o = 0, bits = 0;
    unsigned long acc = 0;
    size_t i = 0, pad = 0;
    for (; i < *len; i++) {
        int ch = (unsigned char)buf[i];
        if (ch == '=') {
            pad++;
            continue;
        }
        if (isspace(ch))
            continue;
        int v = mb_b64(ch);
        if (v < 0 || pad)
            return -1;
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    if (pad > 2 || bits >= 6)
        return -1;
    buf[o] = '\0';
    *len = o;
    return 0;
}

int mcx_mb_data_uri_decode(const char *uri, char **out, size_t *outlen, char *mediatype,
                           size_t mtlen, const char **why)
{
    *out = NULL;
    *outlen = 0;
    if (!uri || strncasecmp(uri, "data:", 5) != 0) {
        *why = "not a data: URI";
        return -1;
    }
    const char *meta = uri + 5, *comma = strchr(meta, ',');
    if (!comma) {
        *why = "no comma between the media type and the data";
        return -1;
    }
    size_t mlen = (size_t)(comma - meta);
    int base64 = mlen >= 7 && strncasecmp(comma - 7, ";base64", 7) == 0;
    if (base64)
        mlen -= 7;
    if (mediatype && mtlen) {
        if (mlen == 0)
            snprintf(mediatype, mtlen, "text/plain;charset=US-ASCII");
        else
            snprintf(mediatype, mtlen, "%.*s", (int)mlen, meta);
    }
    const char *data = comma + 1;
    size_t n = strlen(data);
    char *buf = malloc(n + 1);
    if (!buf) {
        *why = "out of memory";
        return -1;
    }
    size_t len = 0;
    if (mb_pct_decode(data, n, buf, &len) < 0) {
        free(buf);
        *why = "a % not followed by two hexadecimal digits";
        return -1;
    }
    if (base64 && mb_b64_decode(buf, &len) < 0) {
        free(buf);
        *why = "invalid base64 data";
        return -1;
    }
    *out = buf;
    *outlen = len;
    return 0;
}

char *mcx_mb_data_uri_encode(const char *text)
{
    static const char prefix[] = "data:text/plain;charset=utf-8,";
    size_t n = strlen(text);
    char *out = malloc(sizeof prefix + 3 * n);
    if (!out)
        return NULL;
    memcpy(out, prefix, sizeof prefix - 1);
    char *o = out + sizeof prefix - 1;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p))
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    *o = '\0';
    return out;
}

/* ---- error bodies --------------------------------------------------------------- */

int mcx_mb_error_body(const char *body, size_t len, char *code, size_t codelen, char *subcode,
                      size_t sublen)
{
    code[0] = subcode[0] = '\0';
    if (!body || !len)
        return -1;
    json_t *root = json_loadb(body, len, JSON_DECODE_ANY, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return -1;
    }
    const char *c = mcx_mb_string(root, "code"), *s = mcx_mb_string(root, "subcode");
    if (c)
        snprintf(code, codelen, "%s", c);
    if (s)
        snprintf(subcode, sublen, "%s", s);
    json_decref(root);
    return c ? 0 : -1;
}

/* ---- event batches ---------------------------------------------------------------- */

static const char *mb_str_member(const json_t *o, const char *key)
{
    const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Adds the events of one sender. -1 with why on a wrong shape. */
static int mb_batch_sender(mcx_mb_batch *b, const json_t *sender, char *why, size_t whylen)
{
    const char *srel = mb_str_member(sender, "rel");
    const json_t *events = json_object_get(sender, "events");
    size_t i;
    const json_t *e;
    if (!srel || !json_is_array(events)) {
        snprintf(why, whylen, "a sender without a rel or an events array");
        return -1;
    }
    json_array_foreach(events, i, e) {
        const json_t *link = json_object_get(e, "link");
        const char *rel = mb_str_member(link, "rel"), *type = mb_str_member(e, "type");
        if (!rel || !type) {
            snprintf(why, whylen, "an event of sender %s without link.rel or type", srel);
            return -1;
        }
        if (b->nevents >= MCX_MB_MAX_EVENTS) {
            b->dropped++;
            continue;
        }
        mcx_mb_event *ev = &b->events[b->nevents++];
        ev->sender = srel;
        ev->rel = rel;
        ev->type = type;
        ev->href = mb_str_member(link, "href");
        if (!ev->href)
            ev->href = "";
        ev->in_href = mb_str_member(json_object_get(e, "in"), "href");
        const json_t *emb = json_object_get(e, "_embedded");
        ev->embedded = NULL;
        if (json_is_object(emb)) {
            ev->embedded = json_object_get(emb, rel);
            if (!ev->embedded && json_object_size(emb) == 1)
                ev->embedded = json_object_iter_value(json_object_iter((json_t *)emb));
        }
        ev->status = mcx_mb_string(e, "status");
        if (!ev->status)
            ev->status = mcx_mb_string(ev->embedded, "status");
    }
    return 0;
}

int mcx_mb_batch_parse(const char *body, size_t len, mcx_mb_batch *b, char *why, size_t whylen)
{
    json_error_t err;
    memset(b, 0, sizeof *b);
    b->root = body && len ? json_loadb(body, len, 0, &err) : NULL;
    if (!b->root) {
        snprintf(why, whylen, "not JSON%s%s", body && len ? ": " : " (empty body)",
                 body && len ? err.text : "");
        return -1;
    }
    b->self = mcx_mb_link(b->root, "self");
    b->next = mcx_mb_link(b->root, "next");
    b->resync = mcx_mb_link(b->root, "resync");
    b->resume = mcx_mb_link(b->root, "resume");
    const json_t *senders = json_object_get(b->root, "sender");
    if (!senders)
        return 0;
    if (!json_is_array(senders)) {
        snprintf(why, whylen, "\"sender\" is not an array");
        return -1;
    }
    size_t i;
    const json_t *s;
    json_array_foreach(senders, i, s) {
        if (mb_batch_sender(b, s, why, whylen) < 0)
            return -1;
    }
    return 0;
}

void mcx_mb_batch_free(mcx_mb_batch *b)
{
    if (!b)
        return;
    json_decref(b->root);
    b->root = NULL;
    b->nevents = 0;
}

const mcx_mb_event *mcx_mb_batch_find(const mcx_mb_batch *b, const char *rel, const char *type,
                                      size_t *from)
{
    for (size_t i = from ? *from : 0; i < b->nevents; i++) {
        const mcx_mb_event *e = &b->events[i];
        if (strcasecmp(e->rel, rel) == 0 && (!type || strcasecmp(e->type, type) == 0)) {
            if (from)
                *from = i + 1;
            return e;
        }
    }
    return NULL;
}

/* Where the value of the ack parameter starts in href, or NULL. */
static const char *mb_ack_value(const char *href)
{
    const char *q = href ? strchr(href, '?') : NULL;
    while (q) {
        q++;
        if (strncasecmp(q, "ack=", 4) == 0)
            return q + 4;
        q = strchr(q, '&');
    }
    return NULL;
}

long mcx_mb_ack_of(const char *href)
{
    const char *v = mb_ack_value(href);
    if (!v || !isdigit((unsigned char)*v))
        return -1;
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || (*end && *end != '&' && *end != '#'))
        return -1;
    return n;
}

int mcx_mb_with_ack(const char *href, long ack, char *out, size_t outlen)
{
    const char *v = mb_ack_value(href);
    int n;
    if (v) {
        size_t keep = (size_t)(v - href);
        const char *rest = v + strcspn(v, "&#");
        n = snprintf(out, outlen, "%.*s%ld%s", (int)keep, href, ack, rest);
    } else {
        n = snprintf(out, outlen, "%s%cack=%ld", href, strchr(href, '?') ? '&' : '?', ack);
    }
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}
