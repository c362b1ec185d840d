/*
 * pcap_replay.c -- `mcxcheck pcap replay`: every recorded request whose
 * listener side is known is re-sent to the target of that side (libcurl, or
 * a perform hook in tests) with its host names mapped, and the response is
 * compared with the recorded one.
 *
 * Owns: host mapping (pcap_replay.h), request rewriting, volatile-field
 * normalisation and the comparison, one finding per difference with both
 * excerpts and the exchange (number, frames, URL):
 *   PC-050  status, Content-Type, or the replay failed;
 *   PC-051  a document element: Autodiscover documents through the model
 *           (mcx_ad_parse: kind, AccessLocation, each Link by token, each
 *           SipAccess entry), other JSON (jansson) and XML (libxml2) bodies
 *           as trees (path of the element or key), other bodies by text;
 *   PC-052  a protocol header: Location, X-MS-WebTicketURL, WWW-Authenticate,
 *           Set-Cookie, X-Ms-diagnostics, Allow.
 * Volatile: Date, Expires, Retry-After, framing headers and any other
 * header not listed are not compared; in compared values dates (RFC 1123,
 * RFC 3339), GUIDs and opaque tokens (16+ characters of base64/hex with no
 * dot), cookie values and Expires/Max-Age attributes are replaced by "*".
 * Recorded values are mapped before comparing; host names compare
 * case-insensitively. Does not own: the capture reading (lib/pcap_rules.c),
 * the options (cmd_pcap.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <libxml/tree.h>

#include "mcx/autodiscover.h"
#include "mcx/http_stream.h"
#include "mcx/xml_safe.h"
#include "pcap_replay.h"

void pcap_replay_init(pcap_replay *r)
{
    memset(r, 0, sizeof *r);
}

void pcap_replay_clear(pcap_replay *r)
{
    for (size_t i = 0; i < r->nmaps; i++) {
        free(r->maps[i].from);
        free(r->maps[i].to);
    }
    r->nmaps = 0;
}

static int host_char(int c)
{
    return isalnum(c) || c == '-' || c == '.';
}

static int valid_host(const char *s)
{
    if (*s == '\0' || *s == '.')
        return 0;
    for (; *s; s++)
        if (!host_char((unsigned char)*s))
            return 0;
    return 1;
}

int pcap_replay_map_pair(pcap_replay *r, const char *from, const char *to, char *err,
                         size_t errlen)
{
    if (!valid_host(from) || !valid_host(to)) {
        snprintf(err, errlen, "'%s=%s': host names expected", from, to);
        return -1;
    }
    for (size_t i = 0; i < r->nmaps; i++)
        if (strcasecmp(r->maps[i].from, from) == 0) {
            if (strcasecmp(r->maps[i].to, to) == 0)
                return 0;
            snprintf(err, errlen, "'%s' mapped twice (to %s and %s)", from, r->maps[i].to, to);
            return -1;
        }
    if (r->nmaps == PCAP_REPLAY_MAX_MAPS) {
        snprintf(err, errlen, "more than %d host mappings", PCAP_REPLAY_MAX_MAPS);
        return -1;
    }
    r->maps[r->nmaps].from = strdup(from);
    r->maps[r->nmaps].to = strdup(to);
    if (r->maps[r->nmaps].from == NULL || r->maps[r->nmaps].to == NULL) {
        free(r->maps[r->nmaps].from);
        free(r->maps[r->nmaps].to);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->nmaps++;
    return 0;
}

int pcap_replay_map_add(pcap_replay *r, const char *spec, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    if (eq == NULL || eq == spec || eq[1] == '\0') {
        snprintf(err, errlen, "'%s': expected RECORDED=NEW", spec);
        return -1;
    }
    char from[256];
    snprintf(from, sizeof from, "%.*s", (int)(eq - spec), spec);
    return pcap_replay_map_pair(r, from, eq + 1, err, errlen);
}

/* The host of an absolute URL into out ("" when none). */
static void url_host(const char *url, char *out, size_t len)
{
    out[0] = '\0';
    const char *p = url ? strstr(url, "://") : NULL;
    if (p == NULL)
        return;
    p += 3;
    size_t n = strcspn(p, ":/?#");
    snprintf(out, len, "%.*s", (int)n, p);
}

static int map_pair_opt(pcap_replay *r, const char *a, const char *b, char *err, size_t errlen)
{
    if (a == NULL || b == NULL || strcasecmp(a, b) == 0)
        return 0;
    return pcap_replay_map_pair(r, a, b, err, errlen);
}

int pcap_replay_map_topologies(pcap_replay *r, const mcx_topology *rec, const mcx_topology *tgt,
                               char *err, size_t errlen)
{
    if (rec->nsip_domains != tgt->nsip_domains || rec->npools != tgt->npools) {
        snprintf(err, errlen, "the topologies differ in shape: %zu SIP domains and %zu pools "
                 "recorded, %zu and %zu in the target (names are paired by position)",
                 rec->nsip_domains, rec->npools, tgt->nsip_domains, tgt->npools);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < rec->nsip_domains; i++)
        rc = map_pair_opt(r, rec->sip_domains[i], tgt->sip_domains[i], err, errlen);
    for (size_t i = 0; rc == 0 && i < rec->npools; i++) {
        const mcx_pool *a = &rec->pools[i], *b = &tgt->pools[i];
        rc = map_pair_opt(r, a->id, b->id, err, errlen);
        if (rc == 0)
            rc = map_pair_opt(r, a->internal_web_fqdn, b->internal_web_fqdn, err, errlen);
        if (rc == 0)
            rc = map_pair_opt(r, a->external_web_fqdn, b->external_web_fqdn, err, errlen);
        const mcx_endpoint *ea[4] = {&a->sip_server_internal, &a->sip_client_internal,
                                     &a->sip_server_external, &a->sip_client_external};
        const mcx_endpoint *eb[4] = {&b->sip_server_internal, &b->sip_client_internal,
                                     &b->sip_server_external, &b->sip_client_external};
        for (int k = 0; rc == 0 && k < 4; k++)
            rc = map_pair_opt(r, ea[k]->fqdn, eb[k]->fqdn, err, errlen);
    }
    if (rc == 0)
        rc = map_pair_opt(r, rec->reverse_proxy_fqdn, tgt->reverse_proxy_fqdn, err, errlen);
    char ha[256], hb[256];
    url_host(rec->online_autodiscover_url, ha, sizeof ha);
    url_host(tgt->online_autodiscover_url, hb, sizeof hb);
    if (rc == 0 && ha[0] && hb[0])
        rc = map_pair_opt(r, ha, hb, err, errlen);
    return rc;
}

/* The mapping of host run [s, s+n) or NULL; *keep: leading bytes kept. */
static const char *map_lookup(const pcap_replay *r, const char *s, size_t n, size_t *keep)
{
    const pcap_replay_map *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < r->nmaps; i++) {
        size_t fl = strlen(r->maps[i].from);
        if (fl > n || strncasecmp(s + n - fl, r->maps[i].from, fl) != 0)
            continue;
        if (fl < n && s[n - fl - 1] != '.')
            continue;
        if (fl > best_len) {
            best = &r->maps[i];
            best_len = fl;
        }
    }
    *keep = n - best_len;
    return best ? best->to : NULL;
}

char *pcap_replay_map_text(const pcap_replay *r, const char *s)
{
    char *out = NULL;
    size_t olen = 0;
    FILE *f = open_memstream(&out, &olen);
    if (f == NULL)
        return NULL;
    while (s && *s) {
        if (s[0] == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
            fwrite(s, 1, 3, f);
            s += 3;
            continue;
        }
        if (!host_char((unsigned char)*s)) {
            fputc(*s++, f);
            continue;
        }
        size_t n = 0;
        while (host_char((unsigned char)s[n]))
            n++;
        size_t m = n;
        while (m > 0 && s[m - 1] == '.') /* a sentence's full stop */
            m--;
        size_t keep;
        const char *to = m ? map_lookup(r, s, m, &keep) : NULL;
        if (to) {
            fwrite(s, 1, keep, f);
            fputs(to, f);
            fwrite(s + m, 1, n - m, f);
        } else {
            fwrite(s, 1, n, f);
        }
        s += n;
    }
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* ---- volatile values ---- */

static int all_of(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && strchr(set, s[i]) == NULL)
            return 0;
    return 1;
}

static int is_guid(const char *s, size_t n)
{
    static const int dash[] = {8, 13, 18, 23};
    if (n != 36)
        return 0;
    for (size_t i = 0, d = 0; i < n; i++) {
        if (d < 4 && (int)i == dash[d]) {
            if (s[i] != '-')
                return 0;
            d++;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

/* A word (no spaces) that varies run after run: a GUID, an RFC 3339
 * date-time, or an opaque token of 16+ base64/hex characters without a
 * dot (so never a host name or URL). */
static int volatile_word(const char *s, size_t n)
{
    if (is_guid(s, n))
        return 1;
    if (n >= 19 && isdigit((unsigned char)s[0]) && s[4] == '-' && s[7] == '-' &&
        (s[10] == 'T' || s[10] == 't'))
        return 1;
    if (n < 16 || !all_of(s, n, "+/=_-"))
        return 0;
    int digits = 0;
    for (size_t i = 0; i < n; i++)
        digits += isdigit((unsigned char)s[i]) != 0;
    return digits > 0;
}

/* RFC 1123 date at s ("Thu, 01 Jan 2026 00:00:00 GMT"): its length or 0. */
static size_t http_date_at(const char *s)
{
    static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    int ok = 0;
    for (int i = 0; i < 7; i++)
        ok |= strncmp(s, days[i], 3) == 0;
    if (!ok || strncmp(s + 3, ", ", 2) != 0 || strlen(s) < 29)
        return 0;
    return strncmp(s + 25, " GMT", 4) == 0 ? 29 : 0;
}

/* Append `s` to f with volatile parts as "*". */
static void put_normalised(FILE *f, const char *s)
{
    while (*s) {
        size_t d = http_date_at(s);
        if (d) {
            fputc('*', f);
            s += d;
            continue;
        }
        size_t n = strcspn(s, " \t,;\"'=()<>&?");
        if (n == 0) {
            fputc(*s++, f);
            continue;
        }
        if (volatile_word(s, n))
            fputc('*', f);
        else
            fwrite(s, 1, n, f);
        s += n;
    }
}

/* Set-Cookie without its value and expiry: "NAME=*; Path=/; HttpOnly". */
static void put_cookie(FILE *f, const char *s)
{
    size_t n = strcspn(s, "=;");
    fprintf(f, "%.*s=*", (int)n, s);
    s = strchr(s, ';');
    while (s) {
        s++;
        while (*s == ' ')
            s++;
        n = strcspn(s, ";");
        size_t k = strcspn(s, "=;");
        if ((k == 7 && strncasecmp(s, "Expires", 7) == 0) ||
            (k == 7 && strncasecmp(s, "Max-Age", 7) == 0))
            fprintf(f, "; %.*s=*", (int)k, s);
        else
            fprintf(f, "; %.*s", (int)n, s);
        s = strchr(s, ';');
    }
}

/* The comparable form of a value (malloc'd): mapped when `mapped`, with
 * volatile parts as "*", cookie values hidden when `cookie`. */
static char *normalise(const pcap_replay *r, const char *s, int mapped, int cookie)
{
    char *m = mapped ? pcap_replay_map_text(r, s ? s : "") : strdup(s ? s : "");
    char *out = NULL;
    size_t olen = 0;
    FILE *f = m ? open_memstream(&out, &olen) : NULL;
    if (f == NULL) {
        free(m);
        return NULL;
    }
    if (cookie)
        put_cookie(f, m);
    else
        put_normalised(f, m);
    free(m);
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* ---- one exchange ---- */

typedef struct replay_xc {
    pcap_replay *r;
    const char *method, *url;
    unsigned long n, req_frame, resp_frame;
    const mcx_http_response *got;
    unsigned ndiff;
} replay_xc;

/* One difference: a finding `id` naming the exchange and `what`, with the
 * recorded and replayed excerpts. */
static void diff(replay_xc *x, const char *id, const char *what, const char *rec,
                 const char *got)
{
    x->ndiff++;
    if (x->ndiff > PCAP_REPLAY_MAX_DIFFS)
        return;
    mcx_finding *f = mcx_report_add(
        x->r->rep, id, "exchange %lu (frames %lu/%lu) %s %s: %s: recorded '%.200s', replayed "
        "'%.200s'", x->n, x->req_frame, x->resp_frame, x->method, x->url, what,
        rec ? rec : "(absent)", got ? got : "(absent)");
    if (x->got)
        mcx_finding_set_evidence(f, x->url, x->got->status, x->got->body, x->got->body_len);
}

/* Compare recorded value `a` (mapped first) with replayed `b`. */
static void diff_value(replay_xc *x, const char *id, const char *what, const char *a,
                       const char *b, int cookie)
{
    if (a == NULL || b == NULL) {
        if (a != b)
            diff(x, id, what, a, b);
        return;
    }
    char *na = normalise(x->r, a, 1, cookie), *nb = normalise(x->r, b, 0, cookie);
    if (na && nb && strcasecmp(na, nb) != 0)
        diff(x, id, what, a, b);
    free(na);
    free(nb);
}

/* ---- Autodiscover documents, through the model ---- */

/* The k-th link (0-based) with `token`, or NULL. */
static const mcx_ad_link *nth_link(const mcx_ad_doc *d, const char *token, size_t k)
{
    for (size_t i = 0; i < d->nlinks; i++)
        if (strcasecmp(d->links[i].token, token) == 0 && k-- == 0)
            return &d->links[i];
    return NULL;
}

static size_t link_rank(const mcx_ad_doc *d, size_t i)
{
    size_t k = 0;
    for (size_t j = 0; j < i; j++)
        k += strcasecmp(d->links[j].token, d->links[i].token) == 0;
    return k;
}

static void link_path(char *out, size_t len, const mcx_ad_doc *d, const char *token, size_t k)
{
    if (k)
        snprintf(out, len, "%s/Link[token=%s][%zu]/@href", mcx_ad_kind_name(d->kind), token,
                 k + 1);
    else
        snprintf(out, len, "%s/Link[token=%s]/@href", mcx_ad_kind_name(d->kind), token);
}

static void diff_ad(replay_xc *x, const mcx_ad_doc *a, const mcx_ad_doc *b)
{
    char path[256];
    if (a->kind != b->kind) {
        diff(x, "PC-051", "document kind", mcx_ad_kind_name(a->kind), mcx_ad_kind_name(b->kind));
        return;
    }
    const char *la = a->has_access_location ? mcx_ad_access_name(a->access_location) : NULL;
    const char *lb = b->has_access_location ? mcx_ad_access_name(b->access_location) : NULL;
    snprintf(path, sizeof path, "%s AccessLocation", mcx_ad_kind_name(a->kind));
    diff_value(x, "PC-051", path, la, lb, 0);
    for (size_t i = 0; i < a->nlinks; i++) {
        size_t k = link_rank(a, i);
        const mcx_ad_link *l = nth_link(b, a->links[i].token, k);
        link_path(path, sizeof path, a, a->links[i].token, k);
        diff_value(x, "PC-051", path, a->links[i].href, l ? l->href : NULL, 0);
    }
    for (size_t i = 0; i < b->nlinks; i++) {
        size_t k = link_rank(b, i);
        if (nth_link(a, b->links[i].token, k) == NULL) {
            link_path(path, sizeof path, b, b->links[i].token, k);
            diff(x, "PC-051", path, NULL, b->links[i].href);
        }
    }
    for (size_t i = 0; i < a->nsipaccess; i++) {
        const mcx_ad_sipaccess *s = mcx_ad_find_sipaccess(b, a->sipaccess[i].name);
        char va[300], vb[300];
        snprintf(va, sizeof va, "%s:%d", a->sipaccess[i].fqdn, a->sipaccess[i].port);
        if (s)
            snprintf(vb, sizeof vb, "%s:%d", s->fqdn, s->port);
        snprintf(path, sizeof path, "%s/%s", mcx_ad_kind_name(a->kind), a->sipaccess[i].name);
        diff_value(x, "PC-051", path, va, s ? vb : NULL, 0);
    }
    for (size_t i = 0; i < b->nsipaccess; i++)
        if (mcx_ad_find_sipaccess(a, b->sipaccess[i].name) == NULL) {
            char vb[300];
            snprintf(vb, sizeof vb, "%s:%d", b->sipaccess[i].fqdn, b->sipaccess[i].port);
            snprintf(path, sizeof path, "%s/%s", mcx_ad_kind_name(b->kind),
                     b->sipaccess[i].name);
            diff(x, "PC-051", path, NULL, vb);
        }
}

/* ---- other JSON bodies (jansson) ---- */

static char *json_text(const json_t *j)
{
    if (j == NULL)
        return NULL;
    if (json_is_string(j))
        return strdup(json_string_value(j));
    return json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
}

static void diff_json(replay_xc *x, const char *path, const json_t *a, const json_t *b)
{
    if (a && b && json_is_object(a) && json_is_object(b)) {
        const char *key;
        json_t *va;
        char sub[512];
        json_object_foreach((json_t *)a, key, va) {
            snprintf(sub, sizeof sub, "%s.%s", path, key);
            diff_json(x, sub, va, json_object_get(b, key));
        }
        json_object_foreach((json_t *)b, key, va) {
            snprintf(sub, sizeof sub, "%s.%s", path, key);
            if (json_object_get(a, key) == NULL)
                diff_json(x, sub, NULL, va);
        }
        return;
    }
    if (a && b && json_is_array(a) && json_is_array(b)) {
        size_t na = json_array_size(a), nb = json_array_size(b);
        char sub[512];
        for (size_t i = 0; i < (na > nb ? na : nb); i++) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            diff_json(x, sub, json_array_get(a, i), json_array_get(b, i));
        }
        return;
    }
    char *ta = json_text(a), *tb = json_text(b);
    diff_value(x, "PC-051", path, ta, tb, 0);
    free(ta);
    free(tb);
}

/* ---- other XML bodies (libxml2) ---- */

static char *xml_content(const xmlNode *n)
{
    xmlChar *c = n ? xmlNodeGetContent(n) : NULL;
    if (c == NULL)
        return NULL;
    char *s = strdup((const char *)c);
    xmlFree(c);
    /* Whitespace between elements is layout, not content. */
    size_t i = 0;
    while (s && isspace((unsigned char)s[i]))
        i++;
    if (s && s[i] == '\0')
        s[0] = '\0';
    return s;
}

static const xmlNode *nth_child(const xmlNode *parent, const xmlChar *name, size_t k)
{
    for (const xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, name) && k-- == 0)
            return c;
    return NULL;
}

static size_t elem_rank(const xmlNode *n)
{
    size_t k = 0;
    for (const xmlNode *c = n->prev; c; c = c->prev)
        k += c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, n->name);
    return k;
}

static int has_elem_child(const xmlNode *n)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

/* Element `a` (recorded) vs `b` (same name and rank; NULL: absent) at
 * `path`: attributes by name, children by name and rank, leaf text. */
static void diff_xml(replay_xc *x, const char *path, const xmlNode *a, const xmlNode *b)
{
    char sub[512];
    if (a == NULL || b == NULL) {
        char *t = xml_content(a ? a : b);
        diff(x, "PC-051", path, a ? (t ? t : "") : NULL, b ? (t ? t : "") : NULL);
        free(t);
        return;
    }
    for (const xmlAttr *at = a->properties; at; at = at->next) {
        xmlChar *va = xmlGetProp(a, at->name), *vb = xmlGetProp(b, at->name);
        snprintf(sub, sizeof sub, "%s/@%s", path, (const char *)at->name);
        diff_value(x, "PC-051", sub, (const char *)va, (const char *)vb, 0);
        xmlFree(va);
        xmlFree(vb);
    }
    for (const xmlAttr *at = b->properties; at; at = at->next) {
        if (xmlHasProp(a, at->name))
            continue;
        xmlChar *vb = xmlGetProp(b, at->name);
        snprintf(sub, sizeof sub, "%s/@%s", path, (const char *)at->name);
        diff(x, "PC-051", sub, NULL, (const char *)vb);
        xmlFree(vb);
    }
    if (!has_elem_child(a) && !has_elem_child(b)) {
        char *ta = xml_content(a), *tb = xml_content(b);
        diff_value(x, "PC-051", path, ta, tb, 0);
        free(ta);
        free(tb);
        return;
    }
    for (int side = 0; side < 2; side++) {
        const xmlNode *p = side ? b : a, *q = side ? a : b;
        for (const xmlNode *c = p->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE)
                continue;
            size_t k = elem_rank(c);
            const xmlNode *m = nth_child(q, c->name, k);
            if (side && m)
                continue; /* compared from a's side */
            if (k || nth_child(p, c->name, 1))
                snprintf(sub, sizeof sub, "%s/%s[%zu]", path, (const char *)c->name, k + 1);
            else
                snprintf(sub, sizeof sub, "%s/%s", path, (const char *)c->name);
            diff_xml(x, sub, side ? NULL : c, side ? c : m);
        }
    }
}

/* ---- bodies ---- */

static int is_ad_type(const char *ct)
{
    return ct && (strncasecmp(ct, "application/vnd.microsoft.rtc.autodiscover+", 43) == 0 ||
                  strncasecmp(ct, "application/json", 16) == 0);
}

/* The line of `s` around byte `off`, at most 160 bytes, into out. */
static void excerpt_at(const char *s, size_t len, size_t off, char *out, size_t olen)
{
    size_t b = off, e = off;
    while (b > 0 && s[b - 1] != '\n' && off - b < 80)
        b--;
    while (e < len && s[e] != '\n' && e - b < 160)
        e++;
    snprintf(out, olen, "%.*s", (int)(e - b), s + b);
}

static void diff_text(replay_xc *x, const char *a, size_t alen, const char *b, size_t blen)
{
    char *ma = pcap_replay_map_text(x->r, a ? a : "");
    if (ma == NULL)
        return;
    size_t ml = strlen(ma) < alen ? alen : strlen(ma);
    if (ml == blen && (blen == 0 || strncasecmp(ma, b, blen) == 0)) {
        free(ma);
        return;
    }
    size_t off = 0;
    while (off < ml && off < blen && tolower((unsigned char)ma[off]) ==
                                         tolower((unsigned char)b[off]))
        off++;
    char ea[200] = "", eb[200] = "", what[96];
    excerpt_at(ma, strlen(ma), off < strlen(ma) ? off : strlen(ma), ea, sizeof ea);
    excerpt_at(b ? b : "", blen, off < blen ? off : blen, eb, sizeof eb);
    snprintf(what, sizeof what, "body (%zu bytes recorded, %zu replayed) from byte %zu",
             alen, blen, off);
    diff(x, "PC-051", what, ea, eb);
    free(ma);
}

static void diff_body(replay_xc *x, const mcx_http_message *rec, const char *rct,
                      const mcx_http_response *got, const char *gct)
{
    const char *a = rec->body ? rec->body : "", *b = got->body ? got->body : "";
    size_t alen = rec->body_len, blen = got->body_len;
    if (alen == 0 && blen == 0)
        return;
    if (is_ad_type(rct) || is_ad_type(gct)) {
        mcx_report *scratch = mcx_report_new("mcxcheck", "replay", x->url);
        mcx_ad_doc da, db;
        memset(&da, 0, sizeof da);
        memset(&db, 0, sizeof db);
        /* A wrong Content-Type is its own finding (PC-050): the documents
         * are then compared as sniffed. */
        int pa = mcx_ad_parse(rct, a, alen, &da, scratch, x->url);
        if (pa != 0) {
            mcx_ad_doc_clear(&da);
            pa = mcx_ad_parse(NULL, a, alen, &da, scratch, x->url);
        }
        int pb = mcx_ad_parse(gct, b, blen, &db, scratch, x->url);
        if (pb != 0) {
            mcx_ad_doc_clear(&db);
            pb = mcx_ad_parse(NULL, b, blen, &db, scratch, x->url);
        }
        if (pa == 0 && pb == 0)
            diff_ad(x, &da, &db);
        mcx_ad_doc_clear(&da);
        mcx_ad_doc_clear(&db);
        mcx_report_free(scratch);
        if (pa == 0 && pb == 0)
            return;
        if (pa != pb) {
            diff(x, "PC-051", "Autodiscover document", pa == 0 ? "parsed" : "unparsable",
                 pb == 0 ? "parsed" : "unparsable");
            return;
        }
    }
    json_error_t je;
    json_t *ja = json_loadb(a, alen, 0, &je), *jb = json_loadb(b, blen, 0, &je);
    if (ja && jb) {
        diff_json(x, "$", ja, jb);
        json_decref(ja);
        json_decref(jb);
        return;
    }
    json_decref(ja);
    json_decref(jb);
    mcx_error err;
    xmlDocPtr xa = alen ? mcx_xml_read("recorded", a, alen, "a response", &err) : NULL;
    xmlDocPtr xb = blen ? mcx_xml_read("replayed", b, blen, "a response", &err) : NULL;
    if (xa && xb) {
        const xmlNode *ra = xmlDocGetRootElement(xa), *rb = xmlDocGetRootElement(xb);
        char path[256];
        snprintf(path, sizeof path, "/%s", ra ? (const char *)ra->name : "");
        if (ra && rb && xmlStrEqual(ra->name, rb->name))
            diff_xml(x, path, ra, rb);
        else
            diff(x, "PC-051", "root element", ra ? (const char *)ra->name : NULL,
                 rb ? (const char *)rb->name : NULL);
    } else {
        diff_text(x, a, alen, b, blen);
    }
    if (xa)
        xmlFreeDoc(xa);
    if (xb)
        xmlFreeDoc(xb);
}

/* ---- headers ---- */

/* Every value of header `name`, joined with " | " (malloc'd; NULL when
 * absent). `resp` or `msg`. */
static char *header_values(const mcx_http_response *resp, const mcx_http_message *msg,
                           const char *name)
{
    char *out = NULL;
    size_t olen = 0, n = resp ? resp->nheaders : msg->nheaders, found = 0;
    FILE *f = open_memstream(&out, &olen);
    if (f == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *hn = resp ? resp->headers[i].name : msg->headers[i].name;
        const char *hv = resp ? resp->headers[i].value : msg->headers[i].value;
        if (strcasecmp(hn, name) != 0)
            continue;
        fprintf(f, "%s%s", found++ ? " | " : "", hv);
    }
    if (fclose(f) != 0 || found == 0) {
        free(out);
        return NULL;
    }
    return out;
}

static void diff_headers(replay_xc *x, const mcx_http_message *rec, const mcx_http_response *got)
{
    static const char *const compared[] = {"Location", "X-MS-WebTicketURL", "WWW-Authenticate",
                                           "Set-Cookie", "X-Ms-diagnostics", "Allow"};
    for (size_t i = 0; i < sizeof compared / sizeof compared[0]; i++) {
        char *a = header_values(NULL, rec, compared[i]);
        char *b = header_values(got, NULL, compared[i]);
        char what[64];
        snprintf(what, sizeof what, "header %s", compared[i]);
        diff_value(x, "PC-052", what, a, b, strcasecmp(compared[i], "Set-Cookie") == 0);
        free(a);
        free(b);
    }
}

static void norm_ct(const char *in, char *out, size_t len)
{
    size_t k = 0;
    for (; in && *in && k + 1 < len; in++)
        if (*in != ' ' && *in != '\t')
            out[k++] = (char)tolower((unsigned char)*in);
    out[k] = '\0';
}

static void compare(replay_xc *x, const mcx_http_message *rec, const mcx_http_response *got)
{
    char st_a[16], st_b[16];
    snprintf(st_a, sizeof st_a, "%d", rec->status);
    snprintf(st_b, sizeof st_b, "%d", got->status);
    if (rec->status != got->status) {
        /* Another status is another resource: its headers and body are not
         * comparable with the recorded ones. */
        diff(x, "PC-050", "status", st_a, st_b);
        return;
    }
    const char *rct = mcx_http_msg_header(rec, "Content-Type");
    const char *gct = mcx_http_header_get(got, "Content-Type");
    char a[256], b[256];
    norm_ct(rct, a, sizeof a);
    norm_ct(gct, b, sizeof b);
    if (strcmp(a, b) != 0)
        diff(x, "PC-050", "header Content-Type", rct, gct);
    diff_headers(x, rec, got);
    diff_body(x, rec, rct, got, gct);
}

static int perform_curl(void *ctx, const mcx_http_request *req, int side, int tls,
                        mcx_http_response *out)
{
    (void)ctx;
    (void)side;
    (void)tls;
    mcx_http_options ho;
    memset(&ho, 0, sizeof ho);
    ho.timeout_ms = 5000;
    return mcx_http_perform(req, &ho, out);
}

static void replay_exchange(void *ctx, const struct mcx_http_message *req,
                            const struct mcx_http_message *resp, int side, int tls)
{
    pcap_replay *r = ctx;
    r->exchanges++;
    if (resp == NULL || side < 0 || r->target[side] == NULL || req->method == NULL) {
        r->skipped++;
        return;
    }
    char *target = pcap_replay_map_text(r, req->target ? req->target : "/");
    char url[4096];
    const char *base = r->target[side];
    size_t bl = strlen(base);
    snprintf(url, sizeof url, "%.*s%s", (int)(bl && base[bl - 1] == '/' ? bl - 1 : bl), base,
             target ? target : "/");
    free(target);
    mcx_http_header hdrs[MCX_HTTP_MAX_HEADERS];
    char *mapped[MCX_HTTP_MAX_HEADERS];
    size_t nh = 0;
    for (size_t i = 0; i < req->nheaders; i++) {
        const char *n = req->headers[i].name;
        if (strcasecmp(n, "Content-Length") == 0 || strcasecmp(n, "Connection") == 0 ||
            strcasecmp(n, "Transfer-Encoding") == 0 || strcasecmp(n, "Keep-Alive") == 0)
            continue;
        mapped[nh] = pcap_replay_map_text(r, req->headers[i].value);
        hdrs[nh].name = req->headers[i].name;
        hdrs[nh].value = mapped[nh] ? mapped[nh] : req->headers[i].value;
        nh++;
    }
    mcx_http_request hr = {req->method, url, hdrs, nh, req->body, req->body_len};
    mcx_http_response got;
    memset(&got, 0, sizeof got);
    r->replayed++;
    replay_xc x = {r, req->method, url, r->exchanges, req->first_frame, resp->first_frame,
                   NULL, 0};
    pcap_replay_perform_fn perform = r->perform ? r->perform : perform_curl;
    if (perform(r->perform_ctx, &hr, side, tls, &got) != 0) {
        mcx_report_step(r->rep, 1, MCX_STEP_FAIL, 0, got.error_text,
                        "exchange %lu replayed %s %s -> %s", x.n, req->method, url,
                        mcx_http_error_name(got.error));
        char st[16], why[400];
        snprintf(st, sizeof st, "%d", resp->status);
        snprintf(why, sizeof why, "no response (%s: %s)", mcx_http_error_name(got.error),
                 got.error_text);
        diff(&x, "PC-050", "status", st, why);
    } else {
        x.got = &got;
        compare(&x, resp, &got);
        if (x.ndiff > PCAP_REPLAY_MAX_DIFFS)
            mcx_report_add(r->rep, "PC-051", "exchange %lu (frames %lu/%lu) %s %s: %u more "
                           "differences not listed", x.n, x.req_frame, x.resp_frame,
                           req->method, url, x.ndiff - PCAP_REPLAY_MAX_DIFFS);
        mcx_report_step(r->rep, 1, x.ndiff ? MCX_STEP_FAIL : MCX_STEP_OK, 0, NULL,
                        "exchange %lu (frames %lu/%lu) replayed %s %s -> %d: %u difference%s",
                        x.n, x.req_frame, x.resp_frame, req->method, url, got.status, x.ndiff,
                        x.ndiff == 1 ? "" : "s");
    }
    if (x.ndiff)
        r->differ++;
    for (size_t i = 0; i < nh; i++)
        free(mapped[i]);
    mcx_http_response_free(&got);
}

void pcap_replay_run(pcap_replay *r, mcx_pcap_reader *rd, mcx_pcap_verify_options *opt,
                     const char *file, mcx_report *rep)
{
    /* The capture's own findings are verify's business: replay reports
     * only differences (and a capture it could not read). */
    mcx_report *scratch = mcx_report_new("mcxcheck", "pcap verify", file);
    r->rep = rep;
    opt->on_exchange = replay_exchange;
    opt->exchange_ctx = r;
    if (scratch)
        mcx_pcap_verify(rd, opt, scratch);
    for (size_t k = 0; scratch && k < scratch->nfindings; k++)
        if (strcmp(scratch->findings[k].id, "PC-001") == 0)
            mcx_report_add(rep, "PC-001", "%s", scratch->findings[k].message);
    mcx_report_free(scratch);
    mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                    "%lu exchanges: %lu replayed, %lu differ, %lu not replayed (no response "
                    "recorded or listener unknown); %zu host mappings", r->exchanges,
                    r->replayed, r->differ, r->skipped, r->nmaps);
}
