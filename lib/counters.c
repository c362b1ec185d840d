/*
 * counters.c -- reading a counters exposition and applying the seed's
 * monitoring rules to it (see mcx/counters.h).
 *
 * The exposition is the line format of Prometheus text (what `mcxd --admin`
 * serves and what an exporter in front of a Lync Front End would give):
 * '#' comments, "name value" samples. Names are the ones mcxd(8) COUNTERS
 * derives from the seed's counter names.
 *
 * Rules (seed, Monitoring Mobility):
 *  - memory: the Mobility Service uses 164 + (400 + 134) / 1024 x sessions
 *    with presence subscriptions + 400 / 1024 x the other sessions, in MB;
 *    with less than 1,500 MB available, add hardware (CN-002);
 *  - Requests Current reaching 5,000 makes further requests fail with 503
 *    (CN-003; a warning from 80 %); a parked pending GET is a current
 *    request;
 *  - Succeeded Initiate Session Requests/Second above the peak of 12/s
 *    (CN-004);
 *  - a counter the rules need is missing (CN-005).
 * Owns: those computations and the CN- findings. Does not own: fetching
 * (conformance/cmd_counters.c).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcx/counters.h"

#define N_ACTIVE "mcx_currently_active_session_count"
#define N_WITH_SUBS "mcx_currently_active_session_count_with_active_presence_subscriptions"
#define N_POLLS "mcx_currently_active_poll_count"
#define N_INITIATE "mcx_succeeded_initiate_session_requests_per_second"
#define N_AVAILABLE "mcx_memory_available_mbytes"

void mcx_counters_free(mcx_counters *c)
{
    for (size_t i = 0; c && i < c->n; i++)
        free(c->items[i].name);
    if (c)
        free(c->items);
}

int mcx_counters_parse(const char *text, size_t len, mcx_counters *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    size_t cap = 0, pos = 0;
    int line = 0;
    while (pos < len) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - s) : len - pos;
        pos += l + 1;
        line++;
        while (l && (s[l - 1] == '\r' || s[l - 1] == ' '))
            l--;
        if (l == 0 || s[0] == '#')
            continue;
        /* name: up to the first space outside {...} */
        size_t k = 0;
        int in_labels = 0;
        while (k < l && (in_labels || s[k] != ' ')) {
            if (s[k] == '{')
                in_labels = 1;
            else if (s[k] == '}')
                in_labels = 0;
            k++;
        }
        char num[64];
        size_t v = k;
        while (v < l && s[v] == ' ')
            v++;
        size_t vl = v;
        while (vl < l && s[vl] != ' ')
            vl++;
        if (k == 0 || k == l || vl == v || vl - v >= sizeof(num)) {
            snprintf(err, errlen, "line %d: expected NAME VALUE", line);
            mcx_counters_free(out);
            return -1;
        }
        memcpy(num, s + v, vl - v);
        num[vl - v] = '\0';
        char *end = NULL;
        errno = 0;
        double value = strtod(num, &end);
        if (*end || errno == ERANGE) {
            snprintf(err, errlen, "line %d: '%s' is not a number", line, num);
            mcx_counters_free(out);
            return -1;
        }
        if (out->n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            mcx_counter *ni = realloc(out->items, nc * sizeof(*ni));
            if (!ni) {
                snprintf(err, errlen, "out of memory");
                mcx_counters_free(out);
                return -1;
            }
            out->items = ni;
            cap = nc;
        }
        out->items[out->n].name = strndup(s, k);
        out->items[out->n].value = value;
        if (!out->items[out->n].name) {
            snprintf(err, errlen, "out of memory");
            mcx_counters_free(out);
            return -1;
        }
        out->n++;
    }
    return 0;
}

int mcx_counters_get(const mcx_counters *c, const char *name, double *value)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->items[i].name, name) == 0) {
            *value = c->items[i].value;
            return 1;
        }
    return 0;
}

double mcx_counters_memory_mb(double active, double with_subscriptions)
{
    return 164.0 + (400.0 + 134.0) / 1024.0 * with_subscriptions +
           400.0 / 1024.0 * (active - with_subscriptions);
}

static int need(const mcx_counters *c, const mcx_counters_options *o, mcx_report *rep,
                const char *name, const char *seed_name, double *v)
{
    if (mcx_counters_get(c, name, v))
        return 1;
    mcx_finding *f = mcx_report_add(rep, "CN-005", "%s (the seed's \"%s\") is not in the counters at %s",
                                    name, seed_name, o->source);
    mcx_finding_set_subject(f, name);
    return 0;
}

static void memory_rule(const mcx_counters *c, const mcx_counters_options *o, mcx_report *rep)
{
    double active, subs, available = o->available_mb;
    int have = need(c, o, rep, N_ACTIVE, "Currently Active Session Count", &active);
    have &= need(c, o, rep, N_WITH_SUBS,
                 "Currently Active Session Count with Active Presence Subscriptions", &subs);
    if (!have)
        return;
    double used = mcx_counters_memory_mb(active, subs);
    mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                    "Sessions: %.0f, of which %.0f with presence subscriptions: the seed's formula "
                    "gives %.1f MB for the Mobility Service", active, subs, used);
    if (available < 0 && !mcx_counters_get(c, N_AVAILABLE, &available)) {
        mcx_report_step(rep, 0, MCX_STEP_SKIP, 0, NULL,
                        "Available memory unknown (no %s; give --available-mb): the 1,500 MB rule "
                        "not applied", N_AVAILABLE);
        return;
    }
    /* What one more always-connected session costs, for the headroom. */
    double per_session = (400.0 + 134.0) / 1024.0;
    double headroom = available - MCX_COUNTERS_MIN_AVAILABLE_MB;
    if (headroom < 0) {
        mcx_finding *f = mcx_report_add(rep, "CN-002",
                                        "%.0f MB available, below the 1,500 MB the seed requires "
                                        "(the Mobility Service uses %.1f MB by its formula)",
                                        available, used);
        mcx_finding_set_subject(f, o->source);
        mcx_report_step(rep, 0, MCX_STEP_FAIL, 0, NULL, "Available memory %.0f MB < 1,500 MB",
                        available);
        return;
    }
    mcx_report_step(rep, 0, MCX_STEP_OK, 0, NULL,
                    "Available memory %.0f MB >= 1,500 MB: room for about %.0f more always-connected "
                    "sessions (534 KB each)", available, floor(headroom / per_session));
}

static void requests_rule(const mcx_counters *c, const mcx_counters_options *o, mcx_report *rep)
{
    double current;
    if (!need(c, o, rep, N_POLLS, "Currently Active Poll Count", &current))
        return;
    const double lim = MCX_COUNTERS_REQUESTS_CURRENT_LIMIT;
    if (current >= lim * 0.8) {
        mcx_finding *f = mcx_report_add(rep, "CN-003",
                                        "%.0f requests current (parked pending GETs), %s the "
                                        "5,000 after which requests fail with 503",
                                        current, current >= lim ? "at or above" : "within 20 % of");
        if (current < lim)
            f->level = MCX_LEVEL_WARNING;
        mcx_finding_set_subject(f, o->source);
    }
    mcx_report_step(rep, 0, current >= lim ? MCX_STEP_FAIL : MCX_STEP_OK, 0, NULL,
                    "Requests current (parked pending GETs): %.0f of 5,000", current);
}

static void initiate_rule(const mcx_counters *c, const mcx_counters_options *o, mcx_report *rep)
{
    double rate;
    if (!need(c, o, rep, N_INITIATE, "Succeeded Initiate Session Requests/Second", &rate))
        return;
    if (rate > MCX_COUNTERS_INITIATE_PEAK) {
        mcx_finding *f = mcx_report_add(rep, "CN-004",
                                        "%.2f sessions initiated per second, above the seed's peak "
                                        "supported load of 12/s", rate);
        mcx_finding_set_subject(f, o->source);
    }
    mcx_report_step(rep, 0, rate > MCX_COUNTERS_INITIATE_PEAK ? MCX_STEP_FAIL : MCX_STEP_OK, 0,
                    NULL, "Succeeded initiate-session requests: %.2f/s (peak supported 12/s)", rate);
}

int mcx_counters_check(const mcx_counters *c, const mcx_counters_options *o, mcx_report *rep)
{
    mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL, "%zu samples read from %s", c->n, o->source);
    memory_rule(c, o, rep);
    requests_rule(c, o, rep);
    initiate_rule(c, o, rep);
    return 0;
}
