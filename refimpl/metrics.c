/*
 * metrics.c -- mcxd's performance counters (see metrics.h): the table of the
 * seed's Mobility Performance Counters that mcxd keeps today, the two the
 * memory section names, the per-second rates over MCXD_METRICS_WINDOW
 * seconds of the server's clock, and the Prometheus text exposition (format
 * 0.0.4: # HELP, # TYPE, one sample per line).
 *
 * Kept today: the session, poll and request counters. The push and voice
 * counters of the seed's table come with push notifications and Call via
 * Work (they are listed in mcxd(8) as not kept yet, never exposed as zeros).
 * mcxd adds its own: the bytes its Mobility store holds, messages delivered
 * and resyncs.
 *
 * Owns: names, types, rates, text. Does not own: the counts
 * (refimpl/mobility/mobility_store.c and _dispatch.c), the socket.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "mobility/mobility.h"

/* Totals sampled once per server second for the rates. */
enum { R_RECEIVED, R_SUCCEEDED, R_FAILED, R_REJECTED, R_INITIATED, NRATES };

typedef struct sample {
    time_t at;
    uint64_t total[NRATES];
} sample;

#define NSAMPLES (MCXD_METRICS_WINDOW + 2)

struct mcxd_metrics {
    sample ring[NSAMPLES];
    size_t next, count;
};

mcxd_metrics *mcxd_metrics_new(void)
{
    return calloc(1, sizeof(mcxd_metrics));
}

void mcxd_metrics_free(mcxd_metrics *mx)
{
    free(mx);
}

static void totals(const mcxd_mobility_counters *c, uint64_t out[NRATES])
{
    out[R_RECEIVED] = c->requests_received;
    out[R_SUCCEEDED] = c->requests_succeeded;
    out[R_FAILED] = c->requests_failed;
    out[R_REJECTED] = c->requests_rejected;
    out[R_INITIATED] = c->sessions_initiated;
}

void mcxd_metrics_sample(mcxd_metrics *mx, const mcxd_state *st, time_t now)
{
    const mcxd_mobility_counters *c = mcxd_mobility_get_counters(st);
    if (!mx || !c)
        return;
    if (mx->count && mx->ring[(mx->next + NSAMPLES - 1) % NSAMPLES].at >= now)
        return;
    sample *s = &mx->ring[mx->next];
    s->at = now;
    totals(c, s->total);
    mx->next = (mx->next + 1) % NSAMPLES;
    if (mx->count < NSAMPLES)
        mx->count++;
}

/* Per-second rate of total `k` between the oldest sample within the window
 * and `cur` at `now`; 0 without a sample. */
static double rate(const mcxd_metrics *mx, int k, const uint64_t cur[NRATES], time_t now)
{
    const sample *oldest = NULL;
    for (size_t i = 0; i < mx->count; i++) {
        const sample *s = &mx->ring[i];
        if (s->at < now && now - s->at <= MCXD_METRICS_WINDOW && (!oldest || s->at < oldest->at))
            oldest = s;
    }
    if (!oldest || cur[k] < oldest->total[k])
        return 0.0;
    return (double)(cur[k] - oldest->total[k]) / (double)(now - oldest->at);
}

void mcxd_metrics_name(const char *seed_name, char *out, size_t len)
{
    size_t n = 0;
    int gap = 0;
    const char *p = seed_name;
    n = (size_t)snprintf(out, len, "mcx_");
    while (*p && n + 12 < len) {
        if (strncmp(p, "/Second", 7) == 0) {
            n += (size_t)snprintf(out + n, len - n, "_per_second");
            p += 7;
            gap = 0;
            continue;
        }
        if (isalnum((unsigned char)*p)) {
            if (gap && n > 4)
                out[n++] = '_';
            out[n++] = (char)tolower((unsigned char)*p);
            gap = 0;
        } else {
            gap = 1;
        }
        p++;
    }
    out[n < len ? n : len - 1] = '\0';
}

typedef enum { GAUGE, COUNTER } kind;

/* One counter: `seed` is the seed's name, or mcxd's own after "mcxd ". */
static void emit(FILE *f, const char *seed, kind type, const char *help, double value)
{
    char name[160];
    if (strncmp(seed, "mcxd ", 5) == 0) {
        snprintf(name, sizeof(name), "mcxd_%s", seed + 5);
    } else {
        mcxd_metrics_name(seed, name, sizeof(name));
    }
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type == COUNTER ? "counter" : "gauge");
    if (value == (double)(uint64_t)value)
        fprintf(f, "%s %" PRIu64 "\n", name, (uint64_t)value);
    else
        fprintf(f, "%s %.3f\n", name, value);
}

/* The host's MemAvailable in MB (the seed's Memory\Available Mbytes);
 * -1 when /proc/meminfo cannot tell. */
static double available_mbytes(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[128];
    double mb = -1;
    unsigned long long kb;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
            mb = (double)(kb / 1024);
            break;
        }
    if (f)
        fclose(f);
    return mb;
}

char *mcxd_metrics_render(mcxd_metrics *mx, const mcxd_state *st, time_t now, size_t *len)
{
    const mcxd_mobility_counters *c = mcxd_mobility_get_counters(st);
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f || !c) {
        if (f)
            fclose(f);
        free(text);
        return NULL;
    }
    uint64_t cur[NRATES];
    totals(c, cur);
    double avg = c->sessions_ended ? (double)c->session_lifetime_ms_total / (double)c->sessions_ended : 0;
    emit(f, "Average Lifetime for a Session in Milliseconds", GAUGE,
         "Average lifetime of the sessions that ended", (double)(uint64_t)avg);
    emit(f, "Currently Active Network Timeout Poll Count", COUNTER,
         "Pending GETs (polls) that ended by their timeout", (double)c->pgets_timed_out);
    emit(f, "Currently Active Poll Count", GAUGE, "Pending GETs (long-held requests) parked now",
         (double)c->pgets_active);
    emit(f, "Currently Active Session Count", GAUGE,
         "Endpoints (applications) registered in the Mobility Service", (double)c->sessions_active);
    emit(f, "Currently Active Session Count with Active Presence Subscriptions", GAUGE,
         "Active sessions with at least one presence subscription member",
         (double)c->sessions_with_subscriptions);
    emit(f, "Requests Failed/Second", GAUGE, "Failed requests per second (10 s window)",
         rate(mx, R_FAILED, cur, now));
    emit(f, "Requests Received/Second", GAUGE, "Received requests per second (10 s window)",
         rate(mx, R_RECEIVED, cur, now));
    emit(f, "Requests Rejected/Second", GAUGE, "Rejected requests per second (10 s window)",
         rate(mx, R_REJECTED, cur, now));
    emit(f, "Requests Succeeded/Second", GAUGE, "Succeeded requests per second (10 s window)",
         rate(mx, R_SUCCEEDED, cur, now));
    emit(f, "Succeeded Initiate Session Requests/Second", GAUGE,
         "Sessions initiated per second (10 s window); the seed's peak is 12/s",
         rate(mx, R_INITIATED, cur, now));
    emit(f, "Total number of sessions terminated by user", COUNTER, "Sessions ended by DELETE",
         (double)c->sessions_terminated_by_user);
    emit(f, "Total Requests Failed", COUNTER, "Requests answered with an error other than a refusal",
         (double)c->requests_failed);
    emit(f, "Total Requests received on the Command Channel", COUNTER,
         "Requests received by the Mobility Service", (double)c->requests_received);
    emit(f, "Total Requests Rejected", COUNTER, "Requests refused (401, 403, 413, 429, 503)",
         (double)c->requests_rejected);
    emit(f, "Total Requests Succeeded", COUNTER, "Requests answered below 400",
         (double)c->requests_succeeded);
    emit(f, "Total Session Initiated Count", COUNTER, "Sessions initiated since the start",
         (double)c->sessions_initiated);
    emit(f, "Total Sessions Terminated Because of User Idle Timeout", COUNTER,
         "Sessions ended by their idle lifetime", (double)c->sessions_idle_timeout);
    double avail = available_mbytes();
    if (avail >= 0)
        emit(f, "Memory Available Mbytes", GAUGE,
             "Memory available on the host (the seed's Memory\\Available Mbytes), MB", avail);
    emit(f, "mcxd mobility_store_bytes", GAUGE,
         "Bytes the Mobility store holds (mcxd's own accounting)", (double)mcxd_mobility_bytes(st));
    emit(f, "mcxd mobility_messages_delivered_total", COUNTER, "Instant messages delivered to receivers",
         (double)c->messages_delivered);
    emit(f, "mcxd mobility_events_resync_total", COUNTER, "Event channels answered with resync",
         (double)c->events_resync);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    *len = size;
    return text;
}
