/*
 * mobility_events.c -- the event channel of a Mobility application: queued
 * events, numbered batches, the pending GET ("P-GET") and its parameters,
 * presence fan-out to watchers.
 *
 * Owns: GET A/events (ack semantics, low/medium/timeout/priority, resync,
 * replacement of a parked P-GET), the JSON shape of a batch, the queue cap.
 * Does not own: when a parked P-GET is answered (mobility_store.c drains),
 * what an event says (the resource files build them).
 *
 * Batches (refimpl/MOBILITY.md, "The event channel"): the last batch sent is
 * kept, byte for byte, until the client asks for the next one, so a
 * response lost in flight is sent again and an acknowledged event never is.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "mobility.h"

static const char *const sender_rel[MOB_NSENDERS] = {"me", "people", "communication"};

json_t *mob_event_new(const char *rel, const char *href, const char *title, const char *type,
                      json_t *embedded)
{
    json_t *link = json_pack("{s:s, s:s}", "rel", rel, "href", href);
    if (link && title)
        json_object_set_new(link, "title", json_string(title));
    json_t *ev = json_object();
    if (!link || !ev) {
        json_decref(link);
        json_decref(ev);
        json_decref(embedded);
        return NULL;
    }
    json_object_set_new(ev, "link", link);
    if (embedded) {
        json_t *emb = json_object();
        json_object_set_new(emb, rel, embedded);
        json_object_set_new(ev, "_embedded", emb);
    }
    json_object_set_new(ev, "type", json_string(type));
    return ev;
}

void mob_events_clear(mob_app *a)
{
    mob_event *e = a->ev_head;
    while (e) {
        mob_event *n = e->next;
        free(e->json);
        free(e);
        e = n;
    }
    a->ev_head = a->ev_tail = NULL;
    a->nevents = 0;
}

static void mark_dirty(mcxd_mobility *m, mob_app *a)
{
    if (a->dirty || !a->pget.handle)
        return;
    a->dirty = 1;
    a->dirty_next = m->dirty;
    m->dirty = a;
}

void mob_event_push(mcxd_mobility *m, mob_app *a, mob_sender s, mob_class k, time_t now,
                    json_t *ev)
{
    if (!ev)
        return;
    if (a->need_resync) {
        json_decref(ev);
        return;
    }
    if (a->nevents >= MOB_MAX_PENDING_EVENTS) {
        /* Bounded memory: the client re-reads its state after a resync. */
        mob_events_clear(a);
        a->need_resync = 1;
        m->counters.events_resync++;
        json_decref(ev);
        mark_dirty(m, a);
        return;
    }
    mob_event *e = calloc(1, sizeof(*e));
    char *text = e ? json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(ev);
    if (!text) {
        free(e);
        a->need_resync = 1;
        mark_dirty(m, a);
        return;
    }
    e->sender = (uint8_t)s;
    e->klass = (uint8_t)k;
    e->at = now;
    e->json = text;
    e->len = strlen(text);
    if (a->ev_tail)
        a->ev_tail->next = e;
    else
        a->ev_head = e;
    a->ev_tail = e;
    a->nevents++;
    mark_dirty(m, a);
}


static json_t *events_link(const mob_app *a, uint64_t ack)
{
    char suffix[64];
    snprintf(suffix, sizeof(suffix), "/events?ack=%llu", (unsigned long long)ack);
    return mob_link(a, suffix);
}

/* Compact JSON of `j` (consumed) appended to `out`; 0 or -1. */
static int put_json(FILE *out, json_t *j, int drop_last)
{
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (!text)
        return -1;
    size_t n = strlen(text) - (drop_last ? 1 : 0);
    int rc = fwrite(text, 1, n, out) == n ? 0 : -1;
    free(text);
    return rc;
}

/* Form batch number `n` from every pending event and keep its body: the
 * queued events are already JSON text, spliced into
 * {"_links":{...},"sender":[{"rel":..,"href":..,"events":[...]},...]}.
 * `keep`: leave the events queued (--break mobility-resend-acked). */
static int form_batch(mob_app *a, uint64_t n, int keep)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return -1;
    json_t *links = json_object();
    json_object_set_new(links, "self", events_link(a, n));
    json_object_set_new(links, "next", events_link(a, n + 1));
    int rc = put_json(out, json_pack("{s:o, s:[]}", "_links", links, "sender"), 1);
    fseek(out, -1, SEEK_CUR); /* reopen the empty sender array */
    int first_sender = 1;
    for (int s = 0; rc == 0 && s < MOB_NSENDERS; s++) {
        int first = 1;
        for (mob_event *e = a->ev_head; rc == 0 && e; e = e->next) {
            if (e->sender != s)
                continue;
            if (first) {
                char suffix[32], href[1024];
                snprintf(suffix, sizeof(suffix), "/%s", sender_rel[s]);
                mob_href_buf(href, sizeof(href), a, suffix);
                fputs(first_sender ? "" : ",", out);
                rc = put_json(out, json_pack("{s:s, s:s}", "rel", sender_rel[s], "href", href), 1);
                fputs(",\"events\":[", out);
                first_sender = 0;
            } else {
                fputc(',', out);
            }
            first = 0;
            if (fwrite(e->json, 1, e->len, out) != e->len)
                rc = -1;
        }
        if (!first)
            fputs("]}", out);
    }
    fputs("]}", out);
    if (fclose(out) != 0 || rc != 0) {
        free(text);
        return -1;
    }
    if (!keep)
        mob_events_clear(a);
    free(a->sent_body);
    a->sent_body = text;
    a->sent_len = size;
    a->sent_batch = n;
    return 0;
}

static void send_retained(const mob_app *a, mcxd_response *resp)
{
    resp->status = 200;
    (void)mcxd_response_set_body(resp, a->sent_body, a->sent_len);
    (void)mcxd_response_header(resp, "Content-Type", "application/vnd.microsoft.com.ucwa+json");
}

static void send_resync(mob_app *a, uint64_t asked, mcxd_response *resp)
{
    json_t *links = json_object();
    json_object_set_new(links, "self", events_link(a, asked));
    json_object_set_new(links, "resync", events_link(a, a->sent_batch + 1));
    mob_json(resp, 200, json_pack("{s:o}", "_links", links));
}

void mob_events_answer(const mcxd_config *cfg, mcxd_state *st, mob_app *a, time_t now,
                       mcxd_response *resp)
{
    a->pget.handle = NULL;
    a->last_activity = now;
    if (a->need_resync) {
        a->need_resync = 0;
        send_resync(a, a->pget.ack, resp);
        return;
    }
    if (form_batch(a, a->pget.ack, (cfg->breaks & MCXD_BREAK_MOBILITY_RESEND_ACKED) != 0) != 0) {
        mob_error(resp, 500, "ServiceFailure", "OutOfMemory", "could not form the batch");
        return;
    }
    (void)st;
    send_retained(a, resp);
}

void mob_events_empty(const mob_app *a, uint64_t ack, mcxd_response *resp)
{
    json_t *links = json_object();
    json_object_set_new(links, "self", events_link(a, ack));
    json_object_set_new(links, "next", events_link(a, ack));
    mob_json(resp, 200, json_pack("{s:o, s:[]}", "_links", links, "sender"));
}

/* One query parameter as an unsigned number; 1 found, 0 absent, -1 bad. */
static int query_num(const char *query, const char *name, unsigned long long *out)
{
    size_t nl = strlen(name);
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == '=') {
            char buf[24];
            size_t vl = len - nl - 1;
            if (vl == 0 || vl >= sizeof(buf))
                return -1;
            memcpy(buf, p + nl + 1, vl);
            buf[vl] = '\0';
            for (size_t i = 0; i < vl; i++)
                if (buf[i] < '0' || buf[i] > '9')
                    return -1;
            errno = 0;
            *out = strtoull(buf, NULL, 10);
            return errno ? -1 : 1;
        }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

/* low/medium/timeout/priority: persist on the application; 0 or -1 (400). */
static int read_params(mob_app *a, const char *query, mcxd_response *resp)
{
    static const struct {
        const char *name;
        unsigned long long min, max;
        size_t off;
    } params[] = {
        {"low", 5, 1800, offsetof(mob_app, low)},
        {"medium", 5, 1800, offsetof(mob_app, medium)},
        {"timeout", 180, 1800, offsetof(mob_app, timeout)},
        {"priority", 0, 1000000, offsetof(mob_app, priority)},
    };
    for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
        unsigned long long v = 0;
        int rc = query_num(query, params[i].name, &v);
        if (rc < 0 || (rc == 1 && (v < params[i].min || v > params[i].max))) {
            char msg[160];
            snprintf(msg, sizeof(msg), "%s must be a number from %llu to %llu", params[i].name,
                     params[i].min, params[i].max);
            mob_error(resp, 400, "BadRequest", "InvalidParameter", msg);
            return -1;
        }
        if (rc == 1)
            *(int *)((char *)a + params[i].off) = (int)v;
    }
    return 0;
}

void mob_events_get(const mcxd_config *cfg, mcxd_state *st, mob_app *a, const char *query,
                    const mcxd_request *req, time_t now, mcxd_response *resp)
{
    mcxd_mobility *m = st->mobility;
    unsigned long long ack = 0;
    int rc = query_num(query, "ack", &ack);
    if (rc <= 0) {
        mob_error(resp, 400, "BadRequest", rc == 0 ? "MissingParameter" : "InvalidParameter",
                  "events needs ack=N (a positive number, the `next` link of the last batch)");
        return;
    }
    if (read_params(a, query, resp) != 0)
        return;
    if (a->pget.handle) {
        int mode = (cfg->breaks & MCXD_BREAK_MOBILITY_NO_PGET_REPLACE) ? MOB_DONE_EMPTY
                                                                       : MOB_DONE_REPLACED;
        (void)mob_park_replaced(m, a, a->pget.handle, mode, a->pget.ack);
        a->pget.handle = NULL;
        m->counters.pgets_active--;
    }
    a->last_activity = now;
    a->pget.ack = ack;
    if (a->need_resync) {
        mob_events_answer(cfg, st, a, now, resp);
        return;
    }
    int acked = ack == a->sent_batch + 1;
    if (ack == a->sent_batch && a->sent_body) {
        send_retained(a, resp); /* lost in flight: the same batch again */
        return;
    }
    if (!acked || ack == 0) {
        m->counters.events_resync++;
        send_resync(a, ack, resp);
        return;
    }
    /* The last batch is acknowledged: it is never sent again. */
    free(a->sent_body);
    a->sent_body = NULL;
    a->sent_len = 0;
    /* Events that were waiting when the P-GET came have been held already:
     * they go at once. Aggregation delays events arriving while it is parked. */
    if (a->ev_head) {
        mob_events_answer(cfg, st, a, now, resp);
        return;
    }
    if (mob_overloaded(cfg, m, resp)) /* shed the newest: nothing is consumed */
        return;
    if (!req->park_handle) {
        /* No transport to hold it (a direct call): answer what there is. */
        mob_events_answer(cfg, st, a, now, resp);
        return;
    }
    a->pget.handle = req->park_handle;
    a->pget.started = now;
    a->pget.deadline = now + (a->timeout ? a->timeout : 180);
    m->counters.pgets_active++;
    mob_schedule(m, a->pget.deadline);
    resp->parked = 1;
}

void mob_presence_changed(const mcxd_config *cfg, mcxd_mobility *m, mob_user *u, time_t now)
{
    (void)cfg;
    for (size_t i = 0; i < u->napps; i++) {
        mob_app *a = u->apps[i];
        char href[1024];
        mob_href_buf(href, sizeof(href), a, "/me/presence");
        mob_event_push(m, a, MOB_SENDER_ME, MOB_CLASS_MEDIUM, now,
                       mob_event_new("presence", href, NULL, "updated",
                                     mob_presence_json(a, u, "/me/presence")));
    }
    m->mark++;
    for (size_t i = 0; i < u->nwatchers; i++) {
        mob_app *a = u->watchers[i]->app;
        if (a->mark == m->mark || a->user == u)
            continue;
        a->mark = m->mark;
        char suffix[320], href[512];
        snprintf(suffix, sizeof(suffix), "/people/%s/presence", u->uri);
        mob_href_buf(href, sizeof(href), a, suffix);
        mob_event_push(m, a, MOB_SENDER_PEOPLE, MOB_CLASS_LOW, now,
                       mob_event_new("contactPresence", href, u->uri, "updated",
                                     mob_presence_json(a, u, suffix)));
    }
}
