/*
 * metrics.h -- mcxd's performance counters as the seed's Monitoring
 * Mobility section names them (category LS:Mcx - 00 - Mobile Communication
 * Service): current values, totals and per-second rates over a 10-second
 * window, rendered as Prometheus text exposition for the admin listener
 * (GET /metrics).
 *
 * Owns: the counter table (seed name -> exposed name, type, source), the
 * rate window, the exposition text. Does not own: where counts are kept
 * (the Mobility store, refimpl/mobility/), the admin socket
 * (server_listen.c).
 */
#ifndef MCXD_METRICS_H
#define MCXD_METRICS_H

#include <stddef.h>
#include <time.h>

#include "mcxd_http.h"

#define MCXD_METRICS_WINDOW 10 /* seconds the per-second rates average over */

typedef struct mcxd_metrics mcxd_metrics;

mcxd_metrics *mcxd_metrics_new(void);
void mcxd_metrics_free(mcxd_metrics *mx);
/* Record the totals at `now` (once per server second; a clock that has not
 * moved records nothing). */
void mcxd_metrics_sample(mcxd_metrics *mx, const mcxd_state *st, time_t now);
/* The exposition text (malloc'd, *len bytes); NULL on ENOMEM. */
char *mcxd_metrics_render(mcxd_metrics *mx, const mcxd_state *st, time_t now, size_t *len);
/* The exposed name of a seed counter name: "mcx_" + lower case, every run
 * of other characters one '_', "/Second" -> "_per_second". */
void mcxd_metrics_name(const char *seed_name, char *out, size_t len);

#endif
