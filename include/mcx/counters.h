/*
 * counters.h -- the Mobility Service's performance counters as a checker
 * reads them (Prometheus text exposition, as `mcxd --admin` serves it) and
 * the seed's monitoring rules applied to them (Monitoring Mobility:
 * Monitoring for Server Memory Capacity Limits, Monitoring Mobility Service
 * Usage; Mobility Performance Counters).
 *
 * Owns: reading the exposition into name/value pairs, the seed's memory
 * formula, the 1,500 MB rule, the 5,000 requests-current limit, the 12/s
 * initiate-session peak, and the CN- findings they raise. Does not own:
 * fetching (conformance/cmd_counters.c), the counters' names (mcxd(8)
 * COUNTERS, refimpl/metrics.c), rendering.
 */
#ifndef MCX_COUNTERS_H
#define MCX_COUNTERS_H

#include <stddef.h>
#include "mcx/report.h"

typedef struct mcx_counter {
    char *name;
    double value;
} mcx_counter;

typedef struct mcx_counters {
    mcx_counter *items;
    size_t n;
} mcx_counters;

/* Parse exposition text. 0, or -1 with `err` naming the 1-based line and
 * what is wrong (at most the first bad line). Lines starting with '#' and
 * empty lines are skipped; "name{labels} value [timestamp]" keeps the name
 * with its labels. */
int mcx_counters_parse(const char *text, size_t len, mcx_counters *out, char *err, size_t errlen);
void mcx_counters_free(mcx_counters *c);
/* Value of `name`; 1 found, 0 absent. */
int mcx_counters_get(const mcx_counters *c, const char *name, double *value);

/* The seed's formula (Monitoring for Server Memory Capacity Limits): MB the
 * Mobility Service uses for `active` sessions of which `with_subscriptions`
 * keep presence subscriptions (always-connected). */
double mcx_counters_memory_mb(double active, double with_subscriptions);

#define MCX_COUNTERS_MIN_AVAILABLE_MB 1500.0
#define MCX_COUNTERS_REQUESTS_CURRENT_LIMIT 5000.0
#define MCX_COUNTERS_INITIATE_PEAK 12.0

typedef struct mcx_counters_options {
    double available_mb;   /* < 0: take mcx_memory_available_mbytes from the counters */
    const char *source;    /* the URL, for steps and findings */
} mcx_counters_options;

/* Apply the rules: steps with what was read and computed, CN- findings.
 * 0, or -1 on an internal error. */
int mcx_counters_check(const mcx_counters *c, const mcx_counters_options *o, mcx_report *rep);

#endif
