/*
 * dns_view.c -- a DNS view: records loaded from zone files (ldns) or added
 * one by one, and resolver-like lookups over them.
 *
 * Owns: name normalisation (ldns checks the syntax), the RR set of a view,
 * zone-file loading with file:line errors, CNAME chasing with loop and
 * chain-length detection, NXDOMAIN versus NODATA versus "outside every
 * zone", and RFC 4592 wildcard synthesis. Does not own: any Lync rule
 * (dns_rules.c) nor scenario files (dns_scenario.c). No zone-file syntax is
 * parsed here: ldns_zone_new_frm_fp_l does all of it.
 */
#include "mcx/dns_view.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ldns/ldns.h>

static char *view_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p != NULL) memcpy(p, s, n);
    return p;
}

/* ---- names ---------------------------------------------------------- */

/* Lower-case ASCII and drop the trailing dot of an absolute name; the root
 * stays ".". */
static int store_name(const char *text, char *out, size_t len)
{
    size_t n = strlen(text);

    if (n > 1 && text[n - 1] == '.' && (n < 2 || text[n - 2] != '\\')) n--;
    if (n == 0 || n + 1 > len || n + 1 > MCX_DNS_NAME_MAX) return -1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)text[i]);
    out[n] = '\0';
    return 0;
}

int mcx_dns_name_normalise(const char *in, char *out, size_t len)
{
    ldns_rdf *rdf;
    char *text;
    int rc;

    if (in == NULL || *in == '\0' || strlen(in) >= MCX_DNS_NAME_MAX) return -1;
    rdf = ldns_dname_new_frm_str(in);
    if (rdf == NULL) return -1;
    text = ldns_rdf2str(rdf);
    ldns_rdf_deep_free(rdf);
    if (text == NULL) return -1;
    rc = store_name(text, out, len);
    free(text);
    return rc;
}

/* The name after the first label (escape-aware), or NULL for a single
 * label or the root. */
static const char *parent_name(const char *name)
{
    for (const char *p = name; *p != '\0'; p++) {
        if (*p == '\\') {
            if (p[1] == '\0') return NULL;
            p++;
            continue;
        }
        if (*p == '.') return p[1] != '\0' ? p + 1 : NULL;
    }
    return NULL;
}

int mcx_dns_name_is_under(const char *name, const char *zone)
{
    if (strcmp(zone, ".") == 0) return 1;
    for (const char *p = name; p != NULL; p = parent_name(p))
        if (strcmp(p, zone) == 0) return 1;
    return 0;
}

/* ---- the view ------------------------------------------------------- */

mcx_dns_view *mcx_dns_view_new(const char *name)
{
    mcx_dns_view *v = calloc(1, sizeof *v);
    if (v == NULL) return NULL;
    v->name = view_strdup(name != NULL ? name : "");
    if (v->name == NULL) {
        free(v);
        return NULL;
    }
    v->sorted = 1;
    return v;
}

void mcx_dns_view_free(mcx_dns_view *v)
{
    if (v == NULL) return;
    for (size_t i = 0; i < v->nzones; i++)
        free(v->zones[i]);
    free(v->zones);
    for (size_t i = 0; i < v->nrrs; i++) {
        free(v->rrs[i].owner);
        free(v->rrs[i].rdata);
        free(v->rrs[i].source);
    }
    free(v->rrs);
    free(v->name);
    free(v);
}

int mcx_dns_view_add_zone(mcx_dns_view *v, const char *apex)
{
    char name[MCX_DNS_NAME_MAX];
    char **zones;

    if (mcx_dns_name_normalise(apex, name, sizeof name) != 0) return -1;
    for (size_t i = 0; i < v->nzones; i++)
        if (strcmp(v->zones[i], name) == 0) return 0;
    if (v->nzones >= MCX_DNS_VIEW_MAX_ZONES) return -1;
    zones = realloc(v->zones, (v->nzones + 1) * sizeof *zones);
    if (zones == NULL) return -1;
    v->zones = zones;
    v->zones[v->nzones] = view_strdup(name);
    if (v->zones[v->nzones] == NULL) return -1;
    v->nzones++;
    return 0;
}

static int add_rr_normalised(mcx_dns_view *v, const char *owner, uint16_t type, uint32_t ttl,
                             const char *rdata, const char *source)
{
    mcx_dns_rr *rr;

    if (v->nrrs >= MCX_DNS_VIEW_MAX_RRS) return -1;
    if (v->nrrs == v->caprrs) {
        size_t cap = v->caprrs ? v->caprrs * 2 : 32;
        mcx_dns_rr *n = realloc(v->rrs, cap * sizeof *n);
        if (n == NULL) return -1;
        v->rrs = n;
        v->caprrs = cap;
    }
    rr = &v->rrs[v->nrrs];
    memset(rr, 0, sizeof *rr);
    rr->owner = view_strdup(owner);
    rr->rdata = view_strdup(rdata);
    rr->source = view_strdup(source != NULL ? source : "");
    rr->type = type;
    rr->ttl = ttl;
    if (rr->owner == NULL || rr->rdata == NULL || rr->source == NULL) {
        free(rr->owner);
        free(rr->rdata);
        free(rr->source);
        return -1;
    }
    v->nrrs++;
    v->sorted = 0;
    return 0;
}

int mcx_dns_view_add_rr(mcx_dns_view *v, const char *owner, uint16_t type, uint32_t ttl,
                        const char *rdata, const char *source)
{
    char name[MCX_DNS_NAME_MAX], target[MCX_DNS_NAME_MAX];

    if (mcx_dns_name_normalise(owner, name, sizeof name) != 0 || rdata == NULL) return -1;
    if (type == MCX_DNS_TYPE_CNAME) {
        if (mcx_dns_name_normalise(rdata, target, sizeof target) != 0) return -1;
        rdata = target;
    }
    return add_rr_normalised(v, name, type, ttl, rdata, source);
}

/* ---- loading zone files with ldns ----------------------------------- */

/* The RDATA of an ldns RR as text: a normalised name for CNAME, else the
 * rdfs joined by spaces. NULL on out of memory. */
static char *rr_rdata_text(const ldns_rr *rr)
{
    size_t n = ldns_rr_rd_count(rr), used = 0, cap = 1;
    char *out = NULL;

    for (size_t i = 0; i < n; i++) {
        char *part = ldns_rdf2str(ldns_rr_rdf(rr, i));
        size_t plen;
        char *grown;
        if (part == NULL) continue;
        plen = strlen(part);
        grown = realloc(out, cap + plen + 1);
        if (grown == NULL) {
            free(part);
            free(out);
            return NULL;
        }
        out = grown;
        cap += plen + 1;
        if (used > 0) out[used++] = ' ';
        memcpy(out + used, part, plen);
        used += plen;
        out[used] = '\0';
        free(part);
    }
    if (out == NULL) out = calloc(1, 1);
    return out;
}

static int add_ldns_rr(mcx_dns_view *v, const ldns_rr *rr, const char *apex, const char *file,
                       mcx_error *err)
{
    char owner[MCX_DNS_NAME_MAX], target[MCX_DNS_NAME_MAX];
    char *owner_text, *rdata;
    uint16_t type = (uint16_t)ldns_rr_get_type(rr);
    int rc;

    if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
        mcx_error_set(err, file, 0, "zone", "only class IN records are supported (found class %d)",
                      (int)ldns_rr_get_class(rr));
        return -1;
    }
    owner_text = ldns_rdf2str(ldns_rr_owner(rr));
    rc = owner_text != NULL ? store_name(owner_text, owner, sizeof owner) : -1;
    free(owner_text);
    if (rc != 0) {
        mcx_error_set(err, file, 0, "zone", "a record owner name is not valid");
        return -1;
    }
    if (!mcx_dns_name_is_under(owner, apex)) {
        mcx_error_set(err, file, 0, "zone",
                      "record owner %s is outside the zone %s (out-of-zone data; "
                      "named-checkzone ignores it, mcxcheck rejects it)",
                      owner, apex);
        return -1;
    }
    rdata = rr_rdata_text(rr);
    if (rdata == NULL) {
        mcx_error_set(err, file, 0, "DNS-000", "out of memory");
        return -1;
    }
    if (type == MCX_DNS_TYPE_CNAME) {
        if (store_name(rdata, target, sizeof target) != 0) {
            free(rdata);
            mcx_error_set(err, file, 0, "zone", "CNAME %s has an invalid target", owner);
            return -1;
        }
        strcpy(rdata, target); /* never longer than the ldns text */
    }
    rc = add_rr_normalised(v, owner, type, ldns_rr_ttl(rr), rdata, file);
    free(rdata);
    if (rc != 0)
        mcx_error_set(err, file, 0, "zone", "too many records in the view (at most %d)",
                      MCX_DNS_VIEW_MAX_RRS);
    return rc;
}

/* Read every record of the zone text with ldns, as ldns_zone_new_frm_fp_l
 * does, and return the first error (with *line where it is). */
static ldns_status check_zone_text(FILE *fp, const ldns_rdf *origin, int *line)
{
    ldns_rdf *cur_origin = origin != NULL ? ldns_rdf_clone(origin) : NULL;
    ldns_rdf *prev = NULL;
    uint32_t ttl = 3600;
    ldns_status status = LDNS_STATUS_OK;

    while (!feof(fp)) {
        ldns_rr *rr = NULL;
        ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &cur_origin, &prev, line);
        if (rr != NULL)
            ldns_rr_free(rr);
        if (s == LDNS_STATUS_OK || s == LDNS_STATUS_SYNTAX_EMPTY || s == LDNS_STATUS_SYNTAX_TTL ||
            s == LDNS_STATUS_SYNTAX_ORIGIN)
            continue;
        status = s == LDNS_STATUS_SYNTAX_INCLUDE ? LDNS_STATUS_SYNTAX_INCLUDE_ERR_NOTIMPL : s;
        break;
    }
    if (cur_origin != NULL)
        ldns_rdf_deep_free(cur_origin);
    if (prev != NULL)
        ldns_rdf_deep_free(prev);
    return status;
}

static int load_zone_fp(mcx_dns_view *v, FILE *fp, const char *file, const char *origin,
                        mcx_error *err)
{
    ldns_zone *zone = NULL;
    ldns_rdf *origin_rdf = NULL;
    ldns_status status;
    ldns_rr_list *rrs;
    char apex[MCX_DNS_NAME_MAX], given[MCX_DNS_NAME_MAX];
    int line = 0, rc = -1;

    if (origin != NULL) {
        if (mcx_dns_name_normalise(origin, given, sizeof given) != 0) {
            mcx_error_set(err, file, 0, "zone", "origin '%s' is not a valid domain name", origin);
            return -1;
        }
        /* ldns wants an absolute origin. */
        char absolute[MCX_DNS_NAME_MAX + 2];
        snprintf(absolute, sizeof absolute, "%s%s", given, strcmp(given, ".") ? "." : "");
        origin_rdf = ldns_dname_new_frm_str(absolute);
        if (origin_rdf == NULL) {
            mcx_error_set(err, file, 0, "zone", "origin '%s' is not a valid domain name", origin);
            return -1;
        }
    }
    /* First pass: find the first bad line. ldns_zone_new_frm_fp_l leaks
     * the records it read when it fails (ldns 1.8.3), so it only runs on
     * text this pass accepted. */
    status = check_zone_text(fp, origin_rdf, &line);
    if (status == LDNS_STATUS_OK) {
        rewind(fp);
        line = 0;
        status = ldns_zone_new_frm_fp_l(&zone, fp, origin_rdf, 3600, LDNS_RR_CLASS_IN, &line);
    }
    if (status != LDNS_STATUS_OK) {
        /* ldns counts the newlines it read: an error on a last line with
         * no newline is one line further than it says. */
        if (feof(fp) && fseek(fp, -1, SEEK_END) == 0 && fgetc(fp) != '\n')
            line++;
        mcx_error_set(err, file, line, "zone", "%s", ldns_get_errorstr_by_id(status));
        goto done;
    }
    if (ldns_zone_soa(zone) != NULL) {
        char *text = ldns_rdf2str(ldns_rr_owner(ldns_zone_soa(zone)));
        int bad = text == NULL || store_name(text, apex, sizeof apex) != 0;
        free(text);
        if (bad) {
            mcx_error_set(err, file, 0, "zone", "the SOA owner name is not valid");
            goto done;
        }
        if (origin != NULL && strcmp(apex, given) != 0) {
            mcx_error_set(err, file, 0, "zone", "the SOA is for %s but the origin given is %s",
                          apex, given);
            goto done;
        }
    } else if (origin != NULL) {
        snprintf(apex, sizeof apex, "%s", given);
    } else {
        mcx_error_set(err, file, 0, "zone",
                      "no SOA record and no origin: cannot tell which zone the file holds "
                      "(add a SOA record or pass --origin)");
        goto done;
    }
    if (mcx_dns_view_add_zone(v, apex) != 0) {
        mcx_error_set(err, file, 0, "zone", "cannot add zone %s to the view (at most %d zones)",
                      apex, MCX_DNS_VIEW_MAX_ZONES);
        goto done;
    }
    if (ldns_zone_soa(zone) != NULL && add_ldns_rr(v, ldns_zone_soa(zone), apex, file, err) != 0)
        goto done;
    rrs = ldns_zone_rrs(zone);
    for (size_t i = 0; rrs != NULL && i < ldns_rr_list_rr_count(rrs); i++)
        if (add_ldns_rr(v, ldns_rr_list_rr(rrs, i), apex, file, err) != 0) goto done;
    rc = 0;
done:
    if (zone != NULL) ldns_zone_deep_free(zone);
    if (origin_rdf != NULL) ldns_rdf_deep_free(origin_rdf);
    return rc;
}

int mcx_dns_view_load_zone_file(mcx_dns_view *v, const char *path, const char *origin,
                                mcx_error *err)
{
    struct stat st;
    FILE *fp = fopen(path, "r");
    int rc;

    if (fp == NULL) {
        mcx_error_set(err, path, 0, "io", "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        mcx_error_set(err, path, 0, "io", "not a regular file");
        fclose(fp);
        return -1;
    }
    if (st.st_size > MCX_DNS_ZONE_MAX_BYTES) {
        mcx_error_set(err, path, 0, "io", "larger than %d bytes", MCX_DNS_ZONE_MAX_BYTES);
        fclose(fp);
        return -1;
    }
    rc = load_zone_fp(v, fp, path, origin, err);
    fclose(fp);
    return rc;
}

int mcx_dns_view_load_zone_memory(mcx_dns_view *v, const char *name, const char *text, size_t len,
                                  const char *origin, mcx_error *err)
{
    FILE *fp;
    int rc;

    if (len > MCX_DNS_ZONE_MAX_BYTES) {
        mcx_error_set(err, name, 0, "io", "larger than %d bytes", MCX_DNS_ZONE_MAX_BYTES);
        return -1;
    }
    if (len == 0) {
        mcx_error_set(err, name, 0, "zone", "empty zone file");
        return -1;
    }
    fp = fmemopen((void *)text, len, "r");
    if (fp == NULL) {
        mcx_error_set(err, name, 0, "io", "cannot read memory: %s", strerror(errno));
        return -1;
    }
    rc = load_zone_fp(v, fp, name, origin, err);
    fclose(fp);
    return rc;
}

/* ---- lookups -------------------------------------------------------- */

static int rr_compare(const void *a, const void *b)
{
    const mcx_dns_rr *x = a, *y = b;
    int c = strcmp(x->owner, y->owner);
    if (c != 0) return c;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    c = strcmp(x->rdata, y->rdata);
    if (c != 0) return c;
    if (x->ttl != y->ttl) return x->ttl < y->ttl ? -1 : 1;
    return strcmp(x->source, y->source);
}

/* Sorts once; a sorted view is never written again, so mcxdns threads can
 * share it read-only (its zoneset sorts it before any thread starts). */
static void view_sort(mcx_dns_view *v)
{
    if (v->sorted) return;
    if (v->nrrs > 1) qsort(v->rrs, v->nrrs, sizeof v->rrs[0], rr_compare);
    v->sorted = 1;
}

/* First index of `owner` in the sorted RRs and the count, 0 when none. */
static size_t owner_range(const mcx_dns_view *v, const char *owner, size_t *first)
{
    size_t lo = 0, hi = v->nrrs, n = 0;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(v->rrs[mid].owner, owner) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = lo;
    while (lo + n < v->nrrs && strcmp(v->rrs[lo + n].owner, owner) == 0)
        n++;
    return n;
}

const char *mcx_dns_view_zone_of(const mcx_dns_view *v, const char *name)
{
    const char *best = NULL;

    for (size_t i = 0; i < v->nzones; i++)
        if (mcx_dns_name_is_under(name, v->zones[i]) &&
            (best == NULL || strlen(v->zones[i]) > strlen(best)))
            best = v->zones[i];
    return best;
}

int mcx_dns_view_name_exists(const mcx_dns_view *v, const char *name)
{
    for (size_t i = 0; i < v->nrrs; i++)
        if (mcx_dns_name_is_under(v->rrs[i].owner, name)) return 1;
    return 0;
}

/* RFC 4592: the wildcard owner that answers for the non-existent `name`
 * in `zone`, written into buf; 0 when one exists, -1 when none. */
static int find_wildcard(const mcx_dns_view *v, const char *name, const char *zone, char *buf,
                         size_t len)
{
    const char *encloser = parent_name(name);
    size_t first;

    /* The closest encloser: the nearest existing ancestor, at worst the apex. */
    while (encloser != NULL && strcmp(encloser, zone) != 0 &&
           !mcx_dns_view_name_exists(v, encloser))
        encloser = parent_name(encloser);
    if (encloser == NULL || !mcx_dns_name_is_under(encloser, zone)) return -1;
    if ((size_t)snprintf(buf, len, "*.%s", encloser) >= len) return -1;
    return owner_range(v, buf, &first) > 0 ? 0 : -1;
}

static int chain_has(const mcx_dns_answer *a, const char *name)
{
    for (size_t i = 0; i < a->nchain; i++)
        if (strcmp(a->chain[i], name) == 0) return 1;
    return 0;
}

int mcx_dns_view_lookup(mcx_dns_view *v, const char *qname, uint16_t qtype, mcx_dns_answer *out)
{
    char node[MCX_DNS_NAME_MAX];

    memset(out, 0, sizeof *out);
    if (mcx_dns_name_normalise(qname, out->chain[0], sizeof out->chain[0]) != 0) return -1;
    out->nchain = 1;
    view_sort(v);
    for (;;) {
        const char *cur = out->chain[out->nchain - 1];
        const char *zone = mcx_dns_view_zone_of(v, cur);
        const mcx_dns_rr *cname = NULL;
        size_t first, n, count = 0;

        if (zone == NULL) {
            out->status = MCX_DNS_OUTSIDE;
            return 0;
        }
        snprintf(node, sizeof node, "%s", cur);
        n = owner_range(v, node, &first);
        if (n == 0) {
            if (mcx_dns_view_name_exists(v, cur)) {
                out->status = MCX_DNS_NODATA; /* an empty non-terminal */
                return 0;
            }
            if (find_wildcard(v, cur, zone, node, sizeof node) != 0) {
                out->status = MCX_DNS_NXDOMAIN;
                return 0;
            }
            if (out->wildcard[0] == '\0') {
                snprintf(out->wildcard, sizeof out->wildcard, "%s", node);
                snprintf(out->wildcard_for, sizeof out->wildcard_for, "%s", cur);
            }
            n = owner_range(v, node, &first);
        }
        for (size_t i = first; i < first + n; i++) {
            if (v->rrs[i].type == qtype) count++;
            if (v->rrs[i].type == MCX_DNS_TYPE_CNAME && cname == NULL) cname = &v->rrs[i];
        }
        if (cname != NULL && qtype != MCX_DNS_TYPE_CNAME) {
            int loop = chain_has(out, cname->rdata);
            out->cnames[out->ncnames++] = cname;
            snprintf(out->chain[out->nchain++], MCX_DNS_NAME_MAX, "%s", cname->rdata);
            if (loop) {
                out->status = MCX_DNS_LOOP;
                return 0;
            }
            if (out->ncnames > MCX_DNS_MAX_CHAIN) {
                out->status = MCX_DNS_CHAIN_TOO_LONG;
                return 0;
            }
            continue;
        }
        if (count == 0) {
            out->status = MCX_DNS_NODATA;
            return 0;
        }
        out->rrs = calloc(count, sizeof *out->rrs);
        if (out->rrs == NULL) return -1;
        for (size_t i = first; i < first + n; i++)
            if (v->rrs[i].type == qtype) out->rrs[out->nrrs++] = &v->rrs[i];
        out->status = MCX_DNS_ANSWER;
        return 0;
    }
}

void mcx_dns_answer_clear(mcx_dns_answer *a)
{
    free(a->rrs);
    a->rrs = NULL;
    a->nrrs = 0;
}

const char *mcx_dns_status_name(mcx_dns_status s)
{
    switch (s) {
    case MCX_DNS_ANSWER:
        return "answer";
    case MCX_DNS_NODATA:
        return "NODATA";
    case MCX_DNS_NXDOMAIN:
        return "NXDOMAIN";
    case MCX_DNS_OUTSIDE:
        return "outside the view's zones";
    case MCX_DNS_LOOP:
        return "CNAME loop";
    case MCX_DNS_CHAIN_TOO_LONG:
        return "CNAME chain too long";
    }
    return "unknown";
}

const char *mcx_dns_type_name(uint16_t type, char *buf, size_t len)
{
    switch (type) {
    case MCX_DNS_TYPE_A:
        return "A";
    case MCX_DNS_TYPE_NS:
        return "NS";
    case MCX_DNS_TYPE_CNAME:
        return "CNAME";
    case MCX_DNS_TYPE_SOA:
        return "SOA";
    case MCX_DNS_TYPE_AAAA:
        return "AAAA";
    default:
        break;
    }
    snprintf(buf, len, "TYPE%u", (unsigned)type);
    return buf;
}
