/*
 * dns_scenario.c -- load DNS scenario files (dnsfixtures/<name>/scenario.xml).
 *
 * Owns: reading a scenario (bounded size), parsing it with libxml2 safely
 * (no network; a <!DOCTYPE> stops the parser before any entity is
 * declared), validating it against the compiled-in lib/dns_scenario.xsd,
 * building the model of what the zone files must give (expectations with
 * only="live" are checked for a catalogue ID and left to the live test),
 * the cross-field rules (rule "scenario", with the line), and building a scenario's views and topology. Does not own: the
 * schema text, the DNS rules, the view, comparing results with the
 * expectations (conformance/test/).
 */
#include "mcx/dns_scenario.h"
#include "mcx/catalogue.h"
#include "mcx/embedded.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include "mcx/xml_safe.h"

#define SCENARIO_NS "urn:mcxlab:dns-scenario:1"

/* What the builder reports to. */
typedef struct scenario_state {
    const char *name;
    mcx_error *err;
} scenario_state;

/* ---- building the model ------------------------------------------------ */

static int node_line(xmlNodePtr n)
{
    long l = xmlGetLineNo(n);
    return l > 0 && l < INT_MAX ? (int)l : 0;
}

static int is_el(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
           strcmp((const char *)n->ns->href, SCENARIO_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

static char *attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *out = NULL;
    if (v != NULL) {
        out = strdup((const char *)v);
        xmlFree(v);
    }
    return out;
}

static char *text_of(xmlNodePtr n)
{
    xmlChar *v = xmlNodeGetContent(n);
    char *out = v != NULL ? strdup((const char *)v) : NULL;
    if (v != NULL) xmlFree(v);
    return out;
}

/* `rel` resolved against the folder of `source`. */
static char *resolve_path(const char *source, const char *rel)
{
    const char *slash = strrchr(source, '/');
    size_t dirlen = slash != NULL ? (size_t)(slash - source) + 1 : 0;
    size_t n = dirlen + strlen(rel) + 1;
    char *out = malloc(n);

    if (out == NULL) return NULL;
    memcpy(out, source, dirlen);
    memcpy(out + dirlen, rel, strlen(rel) + 1);
    return out;
}

static int push_str(char ***arr, size_t *n, char *s)
{
    char **grown;
    if (s == NULL) return -1;
    grown = realloc(*arr, (*n + 1) * sizeof *grown);
    if (grown == NULL) {
        free(s);
        return -1;
    }
    *arr = grown;
    (*arr)[(*n)++] = s;
    return 0;
}

static int has_str(char **arr, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(arr[i], s) == 0) return 1;
    return 0;
}

static int fail(scenario_state *st, xmlNodePtr n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(scenario_state *st, xmlNodePtr n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mcx_error_set(st->err, st->name, n != NULL ? node_line(n) : 0, "scenario", "%s", msg);
    return -1;
}

/* An ID list entry: in the catalogue, and not in the other list. */
static int add_id(scenario_state *st, xmlNodePtr n, mcx_dns_scenario_view *v, int must)
{
    char *id = attr(n, "id");

    if (id == NULL) return fail(st, n, "out of memory");
    if (mcx_catalogue_find(id) == NULL) {
        fail(st, n, "check ID %s is not in the catalogue (see mcxcheck list)", id);
        free(id);
        return -1;
    }
    if (has_str(v->must_have, v->nmust_have, id) ||
        has_str(v->must_not_have, v->nmust_not_have, id)) {
        fail(st, n, "check ID %s is listed twice in this view", id);
        free(id);
        return -1;
    }
    return must ? push_str(&v->must_have, &v->nmust_have, id)
                : push_str(&v->must_not_have, &v->nmust_not_have, id);
}

static int add_discovery(scenario_state *st, xmlNodePtr n, mcx_dns_scenario *s,
                         mcx_dns_scenario_view *v)
{
    mcx_dns_scenario_discovery *grown, *d;
    char *domain = attr(n, "sipDomain"), *answers = attr(n, "answers");
    char internal[600], external[600];
    int rc = -1;

    if (domain == NULL || answers == NULL) {
        fail(st, n, "out of memory");
        goto out;
    }
    if (!has_str(s->sip_domains, s->nsip_domains, domain)) {
        fail(st, n, "discovery for %s, which is not a <sipDomain> of the scenario", domain);
        goto out;
    }
    for (size_t i = 0; i < v->ndiscovery; i++)
        if (strcasecmp(v->discovery[i].sip_domain, domain) == 0) {
            fail(st, n, "a second discovery expectation for %s in this view", domain);
            goto out;
        }
    snprintf(internal, sizeof internal, "lyncdiscoverinternal.%s", domain);
    snprintf(external, sizeof external, "lyncdiscover.%s", domain);
    if (strcmp(answers, "none") != 0 && strcasecmp(answers, internal) != 0 &&
        strcasecmp(answers, external) != 0) {
        fail(st, n, "answers=\"%s\" must be none, lyncdiscoverinternal.D or lyncdiscover.D for %s",
             answers, domain);
        goto out;
    }
    grown = realloc(v->discovery, (v->ndiscovery + 1) * sizeof *grown);
    if (grown == NULL) {
        fail(st, n, "out of memory");
        goto out;
    }
    v->discovery = grown;
    d = &v->discovery[v->ndiscovery++];
    d->sip_domain = domain;
    d->answers = NULL;
    domain = NULL;
    if (strcmp(answers, "none") != 0) {
        d->answers = answers;
        answers = NULL;
    }
    rc = 0;
out:
    free(domain);
    free(answers);
    return rc;
}

static int add_fault(scenario_state *st, xmlNodePtr n, mcx_dns_scenario_view *v)
{
    char *name = attr(n, "name"), *kind = attr(n, "kind");
    mcx_dns_scenario_fault *grown = NULL;
    int rc = -1;

    if (name != NULL && kind != NULL)
        grown = realloc(v->faults, (v->nfaults + 1) * sizeof *grown);
    if (grown == NULL) {
        fail(st, n, "out of memory");
        goto out;
    }
    v->faults = grown;
    mcx_dns_scenario_fault *f = &v->faults[v->nfaults];
    size_t len = strlen(name) + strlen(kind) + 2;
    f->spec = malloc(len);
    if (f->spec == NULL) {
        fail(st, n, "out of memory");
        goto out;
    }
    snprintf(f->spec, len, "%s=%s", name, kind);
    f->line = node_line(n);
    v->nfaults++;
    rc = 0;
out:
    free(name);
    free(kind);
    return rc;
}

/* 1 for an expectation with only="live" (schema: lib/dns_scenario.xsd). */
static int live_only(xmlNodePtr n)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)"only");
    int live = v != NULL && xmlStrcmp(v, (const xmlChar *)"live") == 0;

    xmlFree(v);
    return live;
}

static int build_view(scenario_state *st, xmlNodePtr n, mcx_dns_scenario *s)
{
    mcx_dns_scenario_view *grown, *v;
    char *name = attr(n, "name");

    grown = realloc(s->views, (s->nviews + 1) * sizeof *grown);
    if (grown == NULL || name == NULL) {
        if (grown != NULL) s->views = grown;
        free(name);
        return fail(st, n, "out of memory");
    }
    s->views = grown;
    v = &s->views[s->nviews++];
    memset(v, 0, sizeof *v);
    v->line = node_line(n);
    if (mcx_dns_vantage_parse(name, &v->vantage) != 0) {
        fail(st, n, "unknown view '%s'", name);
        free(name);
        return -1;
    }
    free(name);
    for (xmlNodePtr c = n->children; c != NULL; c = c->next) {
        if (is_el(c, "zone")) {
            mcx_dns_scenario_zone *z = realloc(v->zones, (v->nzones + 1) * sizeof *z);
            char *file = attr(c, "file");
            if (z == NULL || file == NULL) {
                if (z != NULL) v->zones = z;
                free(file);
                return fail(st, c, "out of memory");
            }
            v->zones = z;
            z = &v->zones[v->nzones++];
            z->file = resolve_path(s->source, file);
            z->origin = attr(c, "origin");
            free(file);
            if (z->file == NULL) return fail(st, c, "out of memory");
        } else if (live_only(c)) {
            /* only="live": the live test reads it (dns_live.sh); the model
             * holds what the zone files must give. Still a catalogue ID. */
            if (is_el(c, "discovery")) continue;
            char *id = attr(c, "id");
            int known = id != NULL && mcx_catalogue_find(id) != NULL;
            if (!known) fail(st, c, "check ID %s is not in the catalogue", id ? id : "?");
            free(id);
            if (!known) return -1;
        } else if (is_el(c, "mustHave") || is_el(c, "mustNotHave")) {
            if (add_id(st, c, v, is_el(c, "mustHave")) != 0) return -1;
        } else if (is_el(c, "discovery")) {
            if (add_discovery(st, c, s, v) != 0) return -1;
        } else if (is_el(c, "fault")) {
            if (add_fault(st, c, v) != 0) return -1;
        }
    }
    return 0;
}

static int build(scenario_state *st, xmlDocPtr doc, mcx_dns_scenario *s)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);

    s->name = attr(root, "name");
    if (s->name == NULL) return fail(st, root, "out of memory");
    for (xmlNodePtr c = root->children; c != NULL; c = c->next) {
        if (is_el(c, "description")) {
            s->description = text_of(c);
            if (s->description == NULL || strchr(s->description, '\n') != NULL)
                return fail(st, c, "the description must be one line");
        } else if (is_el(c, "topology")) {
            char *ref = attr(c, "ref");
            if (ref == NULL) return fail(st, c, "out of memory");
            if (strcmp(ref, "default") == 0 || strcmp(ref, "none") == 0)
                s->topology = ref;
            else {
                s->topology = resolve_path(s->source, ref);
                free(ref);
                if (s->topology == NULL) return fail(st, c, "out of memory");
            }
        } else if (is_el(c, "sipDomain")) {
            char *d = text_of(c);
            if (d != NULL && has_str(s->sip_domains, s->nsip_domains, d)) {
                fail(st, c, "SIP domain %s is listed twice", d);
                free(d);
                return -1;
            }
            if (push_str(&s->sip_domains, &s->nsip_domains, d) != 0)
                return fail(st, c, "out of memory");
        } else if (is_el(c, "view")) {
            if (build_view(st, c, s) != 0) return -1;
        }
    }
    return 0;
}

mcx_dns_scenario *mcx_dns_scenario_load_memory(const char *name, const char *xml, size_t len,
                                               mcx_error *err)
{
    scenario_state st = {name, err};
    mcx_dns_scenario *s;
    xmlDocPtr doc;

    memset(err, 0, sizeof *err);
    if (len > MCX_DNS_SCENARIO_MAX_BYTES || len > INT_MAX) {
        mcx_error_set(err, name, 0, "io", "larger than %d bytes", MCX_DNS_SCENARIO_MAX_BYTES);
        return NULL;
    }
    doc = mcx_xml_read(name, xml, len, "a scenario file", err);
    if (doc == NULL) return NULL;
    if (mcx_xml_validate(doc, name, mcx_embed_dns_scenario, mcx_embed_dns_scenario_len,
                         "lib/dns_scenario.xsd", "DNS-000", err) != 0) {
        xmlFreeDoc(doc);
        return NULL;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL || (s->source = strdup(name)) == NULL) {
        free(s);
        xmlFreeDoc(doc);
        mcx_error_set(err, name, 0, "DNS-000", "out of memory");
        return NULL;
    }
    if (build(&st, doc, s) != 0) {
        xmlFreeDoc(doc);
        mcx_dns_scenario_free(s);
        return NULL;
    }
    xmlFreeDoc(doc);
    return s;
}

mcx_dns_scenario *mcx_dns_scenario_load_file(const char *path, mcx_error *err)
{
    struct stat stt;
    mcx_dns_scenario *s = NULL;
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;

    memset(err, 0, sizeof *err);
    if (f == NULL) {
        mcx_error_set(err, path, 0, "io", "cannot open: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &stt) != 0 || !S_ISREG(stt.st_mode) ||
        stt.st_size > MCX_DNS_SCENARIO_MAX_BYTES) {
        mcx_error_set(err, path, 0, "io", "not a regular file of at most %d bytes",
                      MCX_DNS_SCENARIO_MAX_BYTES);
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t)stt.st_size + 1);
    if (buf == NULL) {
        fclose(f);
        mcx_error_set(err, path, 0, "DNS-000", "out of memory");
        return NULL;
    }
    n = fread(buf, 1, (size_t)stt.st_size, f);
    fclose(f);
    s = mcx_dns_scenario_load_memory(path, buf, n, err);
    free(buf);
    return s;
}

static void free_strs(char **arr, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(arr[i]);
    free(arr);
}

void mcx_dns_scenario_free(mcx_dns_scenario *s)
{
    if (s == NULL) return;
    for (size_t i = 0; i < s->nviews; i++) {
        mcx_dns_scenario_view *v = &s->views[i];
        for (size_t j = 0; j < v->nzones; j++) {
            free(v->zones[j].file);
            free(v->zones[j].origin);
        }
        free(v->zones);
        free_strs(v->must_have, v->nmust_have);
        free_strs(v->must_not_have, v->nmust_not_have);
        for (size_t j = 0; j < v->ndiscovery; j++) {
            free(v->discovery[j].sip_domain);
            free(v->discovery[j].answers);
        }
        free(v->discovery);
        for (size_t j = 0; j < v->nfaults; j++)
            free(v->faults[j].spec);
        free(v->faults);
    }
    free(s->views);
    free_strs(s->sip_domains, s->nsip_domains);
    free(s->source);
    free(s->name);
    free(s->description);
    free(s->topology);
    free(s);
}

mcx_dns_view *mcx_dns_scenario_view_load(const mcx_dns_scenario_view *sv, mcx_error *err)
{
    mcx_dns_view *v = mcx_dns_view_new(mcx_dns_vantage_name(sv->vantage));

    if (v == NULL) {
        mcx_error_set(err, "", 0, "DNS-000", "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < sv->nzones; i++)
        if (mcx_dns_view_load_zone_file(v, sv->zones[i].file, sv->zones[i].origin, err) != 0) {
            mcx_dns_view_free(v);
            return NULL;
        }
    return v;
}

int mcx_dns_scenario_topology(const mcx_dns_scenario *s, mcx_topology **out, mcx_error *err)
{
    *out = NULL;
    if (strcmp(s->topology, "none") == 0) return 0;
    if (strcmp(s->topology, "default") == 0)
        *out = mcx_topology_load_default(err);
    else
        *out = mcx_topology_load_file(s->topology, err);
    return *out != NULL ? 0 : -1;
}
