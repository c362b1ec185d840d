/*
 * mobility_flows.c -- the synthetic transactions of `mcxcheck mobility`
 * (the seed's "Verifying Your Mobility Deployment": Test-CsMcxP2PIM, and
 * more): p2pim (two users sign in, subscribe to each other's presence, one
 * messages the other, the message is proven on the receiver's event channel
 * with the same text, both sign out), presence (one user sets Busy, the
 * subscriber's channel shows it) and conference (a third user added to the
 * IM conversation: an honest three-party IM, not an A/V conference).
 *
 * Owns: the order of the steps, each step's outcome and latency (elapsed
 * is printed only with --timings, so reports stay byte-identical), the
 * messages sent (deterministic: from --seed), and MB-004..MB-017, MB-024.
 * Does not own: requests and the event channel (mobility_client.c), the
 * session checks (mobility_session.c), the command line (cmd_mobility.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mobility.h"

#define MB_JSON "application/json"

/* A finding about user `c` ("<user>: <fmt...>") with the response as
 * evidence. */
static mcx_finding *mb_fail(mcx_report *rep, const char *id, const mcx_mb_client *c,
                            const mcx_mb_resp *r, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static mcx_finding *mb_fail(mcx_report *rep, const char *id, const mcx_mb_client *c,
                            const mcx_mb_resp *r, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    int n = snprintf(msg, sizeof msg, "%s: ", c->sip_uri);
    if (n < 0 || (size_t)n >= sizeof msg)
        n = 0;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    mcx_finding *f = mcx_report_add(rep, id, "%s", msg);
    mcx_finding_set_subject(f, c->sip_uri);
    if (r && r->http.error == MCX_HTTP_OK)
        mcx_finding_set_evidence(f, c->apps, r->http.status, r->http.body, r->http.body_len);
    return f;
}

/* "HTTP 409 Conflict/PGetReplaced" or "no response" for messages. */
static const char *mb_status(const mcx_mb_resp *r, char *buf, size_t len)
{
    if (r->http.error != MCX_HTTP_OK)
        snprintf(buf, len, "no response (%s)", mcx_http_error_name(r->http.error));
    else
        snprintf(buf, len, "HTTP %d%s%s%s%s", r->http.status, r->code[0] ? " " : "", r->code,
                 r->subcode[0] ? "/" : "", r->subcode);
    return buf;
}

/* Sets a top-level step's outcome once its sub-steps are known. */
static void mb_outcome(mcx_report *rep, size_t step, int ok, double elapsed)
{
    mcx_mb_step_close(rep, step, ok, elapsed);
}

/* The href of `rel` in the application, else in the resource its `parent`
 * link names (GET); copied into out. 0, or -1. */
static int mb_href(mcx_mb_client *c, mcx_report *rep, const char *rel, const char *parent,
                   char *out, size_t outlen)
{
    const char *h = mcx_mb_find_link(c->app_doc, rel);
    if (h) {
        snprintf(out, outlen, "%s", h);
        return 0;
    }
    /* The parent's href: a link of that rel, or the self link of the
     * embedded resource (UCWA embeds me, people and communication). */
    const char *p = parent ? mcx_mb_find_link(c->app_doc, parent) : NULL;
    if (!p && parent)
        p = mcx_mb_link(json_object_get(json_object_get(c->app_doc, "_embedded"), parent), "self");
    if (!p)
        return -1;
    char ph[MCX_MB_HREF_MAX];
    snprintf(ph, sizeof ph, "%s", p);
    mcx_mb_resp r;
    int rc = -1;
    if (mcx_mb_call(c, rep, 1, "GET", ph, NULL, NULL, &r) == 0 && r.http.status == 200 &&
        (h = mcx_mb_find_link(r.json, rel))) {
        snprintf(out, outlen, "%s", h);
        rc = 0;
    }
    mcx_mb_resp_free(&r);
    return rc;
}

/* A GUID-shaped EndpointId from the seed and the user's index. */
static void mb_endpoint_id(unsigned long long seed, int index, char *out, size_t len)
{
    unsigned long long x = seed * 0x9e3779b97f4a7c15ULL + (unsigned long long)index + 1;
    unsigned long long a, b;
    x ^= x >> 31;
    a = x * 0xbf58476d1ce4e5b9ULL;
    b = (a ^ (a >> 27)) * 0x94d049bb133111ebULL;
    snprintf(out, len, "%08llx-%04llx-4%03llx-8%03llx-%012llx", a >> 32, (a >> 16) & 0xffff,
             a & 0xfff, b >> 52, b & 0xffffffffffffULL);
}

/* The token discovery obtained was refused (a web ticket is issued for
 * one audience: the User URL's host, which inside is the pool's internal
 * FQDN while the Mcx URL is on the external one; mcxd accepts it across the
 * pool's two web FQDNs, other servers may not): get one for the
 * Mobility Service from the token service its 401 names, as a phone does
 * before Mcx sign-in. 0 with c->found's credential replaced, or -1. */
static int mb_new_token(mcx_mb_client *c, mcx_report *rep, const mcx_mb_resp *r)
{
    mcx_ds_offer offer;
    char names[128], *name = NULL, *value = NULL;
    mcx_ds_read_offer(&r->http, &offer);
    mcx_ds_offer_names(&offer, names, sizeof names);
    mcx_ds_auth m = mcx_ds_pick_auth(&offer, c->ds.auth);
    mcx_report_step(rep, 2, MCX_STEP_INFO, 0,
                    offer.webticket_url[0] ? offer.webticket_url : offer.oauth_href[0] ? offer.oauth_href : NULL,
                    "The Mobility Service asks for its own token; offered: %s", names);
    if (m == MCX_DS_AUTH_AUTO || m == MCX_DS_AUTH_BASIC)
        return -1;
    if (mcx_ds_authenticate(&c->ds, rep, 3, m, &offer, c->apps, &name, &value) < 0)
        return -1;
    snprintf(c->found.credential_name, sizeof c->found.credential_name, "%s", name);
    free(c->found.credential_value);
    c->found.credential_value = value;
    c->found.credential_auth = m;
    free(name);
    return 0;
}

int mcx_mb_sign_in(const mcx_mb_options *o, mcx_mb_client *c, mcx_report *rep, int index)
{
    char ep[64], st[96];
    mcx_mb_resp r;
    mb_endpoint_id(o->seed, index, ep, sizeof ep);
    json_t *body = json_pack("{s:s, s:s, s:s}", "UserAgent", o->user_agent, "EndpointId", ep,
                             "Culture", "en-US");
    char *text = body ? json_dumps(body, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return -1;
    int got = mcx_mb_call(c, rep, 1, "POST", c->apps, MB_JSON, text, &r);
    if (got == 0 && r.http.status == 401 && mb_new_token(c, rep, &r) == 0) {
        mcx_mb_resp_free(&r);
        got = mcx_mb_call(c, rep, 1, "POST", c->apps, MB_JSON, text, &r);
    }
    free(text);
    if (got != 0) {
        mcx_mb_resp_free(&r);
        return -1;
    }
    const char *loc = mcx_http_header_get(&r.http, "Location");
    if (r.http.status == 401 || r.http.status == 403) {
        mb_fail(rep, "MB-004", c, &r, "creating the application answered %s",
                mb_status(&r, st, sizeof st));
    } else if (r.http.status != 201 || !loc || !r.json) {
        mcx_finding *f = mb_fail(rep, "MB-005", c, &r, "POST applications answered %s",
                                 mb_status(&r, st, sizeof st));
        if (r.http.status == 201)
            mcx_finding_set_remediation(f, "Answer 201 with a Location header and the "
                                           "application resource as JSON (%s%s).",
                                        loc ? "" : "no Location", r.json ? "" : ", no JSON body");
    } else {
        snprintf(c->app, sizeof c->app, "%s", loc);
        c->app_doc = r.json;
        r.json = NULL;
    }
    mcx_mb_resp_free(&r);
    if (!c->app_doc)
        return -1;
    const char *need[] = {"me", "people", "communication", "events"}, *ev;
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!mcx_mb_find_link(c->app_doc, need[i]) &&
            !json_object_get(json_object_get(c->app_doc, "_embedded"), need[i])) {
            mb_fail(rep, "MB-005", c, NULL, "the application resource has no %s link",
                    need[i]);
            return -1;
        }
    ev = mcx_mb_link(c->app_doc, "events");
    snprintf(c->events, sizeof c->events, "%s", ev ? ev : "");
    const char *dc = mcx_mb_string(c->app_doc, "deviceClass");
    mcx_report_step(rep, 2, MCX_STEP_OK, 0, NULL, "Application %s%s%s; events %s", c->app,
                    dc ? ", device class " : "", dc ? dc : "", c->events);
    return 0;
}

int mcx_mb_make_available(mcx_mb_client *c, mcx_report *rep)
{
    char href[MCX_MB_HREF_MAX], st[96];
    mcx_mb_resp r;
    if (mb_href(c, rep, "makeMeAvailable", "me", href, sizeof href) < 0) {
        mb_fail(rep, "MB-006", c, NULL, "no makeMeAvailable link in the application");
        return -1;
    }
    int got = mcx_mb_call(c, rep, 1, "POST", href, MB_JSON,
                          "{\"SupportedModalities\":[\"Messaging\"],"
                          "\"SupportedMessageFormats\":[\"Plain\",\"Html\"]}", &r);
    int ok = got == 0 && (r.http.status == 204 || r.http.status == 200);
    if (got == 0 && !ok)
        mb_fail(rep, "MB-006", c, &r, "makeMeAvailable answered %s",
                mb_status(&r, st, sizeof st));
    mcx_mb_resp_free(&r);
    return ok ? 0 : -1;
}

void mcx_mb_sign_out(mcx_mb_client *c, mcx_report *rep, int expired_ok)
{
    char st[160];
    mcx_mb_resp r;
    if (!c->app[0])
        return;
    int got = mcx_mb_call(c, rep, 1, "DELETE", c->app, NULL, NULL, &r);
    int ok = got == 0 && (r.http.status == 204 || r.http.status == 200 ||
                          (expired_ok && r.http.status == 410));
    if (got == 0 && !ok)
        mb_fail(rep, "MB-016", c, &r, "DELETE of the application answered %s",
                mb_status(&r, st, sizeof st));
    mcx_mb_resp_free(&r);
    c->app[0] = '\0';
}

/* ---- steps shared by p2pim, presence and conference ------------------------------- */

typedef struct mb_run {
    const mcx_mb_options *o;
    mcx_report *rep;
    mcx_mb_client *from, *to;  /* the trigger's users */
    char text[256];            /* the message sent */
    char invitation[MCX_MB_HREF_MAX];  /* the sender's invitation (Location) */
    char send[MCX_MB_HREF_MAX];        /* the sender's sendMessage href */
    char stop[MCX_MB_HREF_MAX];        /* the sender's stopMessaging href */
    char conversation[MCX_MB_HREF_MAX];
    char third[300];                   /* conference: the URI to add */
} mb_run;

static int mb_subscribe(mcx_mb_client *c, const mcx_mb_client *other, mcx_report *rep)
{
    char href[MCX_MB_HREF_MAX], body[400], st[96];
    mcx_mb_resp r;
    if (mb_href(c, rep, "presenceSubscriptions", "people", href, sizeof href) < 0) {
        mb_fail(rep, "MB-007", c, NULL, "no presenceSubscriptions link");
        return -1;
    }
    snprintf(body, sizeof body, "{\"uris\":[\"sip:%s\"],\"duration\":11}", other->sip_uri);
    int got = mcx_mb_call(c, rep, 1, "POST", href, MB_JSON, body, &r);
    int ok = got == 0 && r.http.status == 201;
    if (got == 0 && !ok)
        mb_fail(rep, "MB-007", c, &r, "presenceSubscriptions answered %s",
                mb_status(&r, st, sizeof st));
    mcx_mb_resp_free(&r);
    return ok ? 0 : -1;
}

/* Trigger: from starts messaging to (or, with third set, adds the third
 * participant to the conversation). */
static int mb_trigger_invite(void *arg)
{
    mb_run *x = arg;
    char href[MCX_MB_HREF_MAX], body[600], st[96];
    mcx_mb_resp r;
    const char *target = x->third[0] ? x->third : x->to->sip_uri;
    if (x->third[0]) {
        if (snprintf(href, sizeof href, "%s/participants", x->conversation) >= (int)sizeof href)
            return -1;
        snprintf(body, sizeof body, "{\"to\":\"sip:%s\"}", target);
    } else {
        if (mb_href(x->from, x->rep, "startMessaging", "communication", href, sizeof href) < 0 &&
            mb_href(x->from, x->rep, "messagingInvitations", "communication", href,
                    sizeof href) < 0) {
            mb_fail(x->rep, "MB-008", x->from, NULL, "no startMessaging link");
            return -1;
        }
        snprintf(body, sizeof body, "{\"to\":\"sip:%s\",\"subject\":\"mcxcheck mobility\","
                                    "\"operationId\":\"mcxcheck-%llu\"}",
                 target, x->o->seed);
    }
    int got = mcx_mb_call(x->from, x->rep, 1, "POST", href, MB_JSON, body, &r);
    const char *loc = got == 0 ? mcx_http_header_get(&r.http, "Location") : NULL;
    int ok = got == 0 && r.http.status == 201;
    if (ok && loc && !x->third[0])
        snprintf(x->invitation, sizeof x->invitation, "%s", loc);
    if (got == 0 && !ok)
        mb_fail(x->rep, x->third[0] ? "MB-024" : "MB-008", x->from, &r,
                x->third[0] ? "adding the participant answered %s"
                            : "startMessaging answered %s",
                mb_status(&r, st, sizeof st));
    mcx_mb_resp_free(&r);
    return ok ? 0 : -1;
}

/* The receiver `to` waits for the invitation (caused by `trigger`),
 * checks it and accepts it. 0, or -1 (finding raised). */
static int mb_receive_invitation(mb_run *x, mcx_mb_client *to, const char *fail_id)
{
    const mcx_mb_event *ev;
    double ms;
    char accept[MCX_MB_HREF_MAX], st[96];
    size_t step = mcx_report_step(x->rep, 0, MCX_STEP_INFO, 0, NULL,
                                  "Invitation: %s invites %s; %s's channel shows it",
                                  x->from->sip_uri, to->sip_uri, to->sip_uri);
    mcx_mb_batch *b = mcx_mb_await(to, x->rep, 1, "messagingInvitation", "started",
                                   x->o->event_wait_ms, mb_trigger_invite, x, &ev, &ms);
    if (!b) {
        if (!mcx_report_has(x->rep, "MB-008") && !mcx_report_has(x->rep, "MB-024"))
            mb_fail(x->rep, fail_id, to, NULL, "no messagingInvitation started event");
        mb_outcome(x->rep, step, 0, 0);
        return -1;
    }
    const char *from = mcx_mb_string(ev->embedded, "from");
    const char *acc = mcx_mb_find_link(ev->embedded, "accept");
    if (!from)
        from = mcx_mb_find_link(ev->embedded, "from"); /* UCWA: a link to the contact */
    mcx_report_step(x->rep, 1, MCX_STEP_OK, ms, NULL, "messagingInvitation started, from %s, "
                    "direction %s", from ? from : "(not said)",
                    mcx_mb_string(ev->embedded, "direction") ? mcx_mb_string(ev->embedded, "direction")
                                                             : "(not said)");
    snprintf(accept, sizeof accept, "%s", acc ? acc : "");
    mcx_mb_batch_free(b);
    free(b);
    mb_outcome(x->rep, step, 1, ms);
    step = mcx_report_step(x->rep, 0, MCX_STEP_INFO, 0, NULL, "%s accepts", to->sip_uri);
    if (!accept[0]) {
        mb_fail(x->rep, "MB-010", to, NULL, "the invitation has no accept link");
        mb_outcome(x->rep, step, 0, 0);
        return -1;
    }
    mcx_mb_resp r;
    int got = mcx_mb_call(to, x->rep, 1, "POST", accept, MB_JSON, NULL, &r);
    int ok = got == 0 && (r.http.status == 204 || r.http.status == 200);
    if (got == 0 && !ok)
        mb_fail(x->rep, "MB-010", to, &r, "accept answered %s", mb_status(&r, st, sizeof st));
    mb_outcome(x->rep, step, ok, r.http.elapsed_ms);
    mcx_mb_resp_free(&r);
    return ok ? 0 : -1;
}

/* The messaging resource of the conversation: from a "messaging" event of
 * the batch, else GET the conversation (from a "conversation" event or the
 * invitation's link) and its messaging link. Fills x->send and x->stop. */
static int mb_messaging_links(mb_run *x, const mcx_mb_batch *b, const mcx_mb_event *done)
{
    const mcx_mb_event *m = mcx_mb_batch_find(b, "messaging", NULL, NULL);
    const mcx_mb_event *cv = mcx_mb_batch_find(b, "conversation", NULL, NULL);
    const char *conv = cv ? cv->href : mcx_mb_find_link(done->embedded, "conversation");
    const json_t *res = m ? m->embedded : NULL;
    mcx_mb_resp r[2];
    int n = 0;
    snprintf(x->conversation, sizeof x->conversation, "%s", conv ? conv : "");
    memset(r, 0, sizeof r);
    if (!mcx_mb_find_link(res, "sendMessage")) {
        const char *h = m && m->href[0] ? m->href : mcx_mb_find_link(done->embedded, "messaging");
        char mh[MCX_MB_HREF_MAX];
        mh[0] = '\0';
        if (h)
            snprintf(mh, sizeof mh, "%s", h);
        else if (x->conversation[0] &&
                 mcx_mb_call(x->from, x->rep, 1, "GET", x->conversation, NULL, NULL, &r[n++]) == 0 &&
                 (h = mcx_mb_find_link(r[0].json, "messaging")))
            snprintf(mh, sizeof mh, "%s", h);
        if (mh[0] && mcx_mb_call(x->from, x->rep, 1, "GET", mh, NULL, NULL, &r[n++]) == 0)
            res = r[n - 1].json;
    }
    const char *send = mcx_mb_find_link(res, "sendMessage");
    const char *stop = mcx_mb_find_link(res, "stopMessaging");
    const char *state = mcx_mb_string(res, "state");
    snprintf(x->send, sizeof x->send, "%s", send ? send : "");
    snprintf(x->stop, sizeof x->stop, "%s", stop ? stop : "");
    int ok = send && stop;
    mcx_report_step(x->rep, 1, ok ? MCX_STEP_OK : MCX_STEP_FAIL, 0, NULL,
                    "conversation %s; messaging state %s; sendMessage %s; stopMessaging %s",
                    x->conversation[0] ? "linked" : "not linked", state ? state : "(not said)",
                    send ? "linked" : "missing", stop ? "linked" : "missing");
    if (!ok)
        mb_fail(x->rep, "MB-011", x->from, NULL, "%s",
                res ? "the messaging resource lacks sendMessage or stopMessaging"
                    : "no messaging resource reachable from the invitation or the conversation");
    for (int k = 0; k < n; k++)
        mcx_mb_resp_free(&r[k]);
    return ok ? 0 : -1;
}

/* The sender sees its invitation completed (status Success) and finds
 * sendMessage and stopMessaging. 0, or -1 (finding raised). */
static int mb_sender_connected(mb_run *x)
{
    const mcx_mb_event *ev;
    double ms;
    size_t step = mcx_report_step(x->rep, 0, MCX_STEP_INFO, 0, NULL,
                                  "%s's channel: invitation completed, conversation connected",
                                  x->from->sip_uri);
    mcx_mb_batch *b = mcx_mb_await(x->from, x->rep, 1, "messagingInvitation", "completed",
                                   x->o->event_wait_ms, NULL, NULL, &ev, &ms);
    if (!b || !ev->status || strcasecmp(ev->status, "Success") != 0) {
        mb_fail(x->rep, "MB-010", x->from, NULL, "%s%s",
                b ? "the invitation completed with status " : "no messagingInvitation completed event",
                b ? (ev->status ? ev->status : "(none)") : "");
        mcx_mb_batch_free(b);
        free(b);
        mb_outcome(x->rep, step, 0, 0);
        return -1;
    }
    mcx_report_step(x->rep, 1, MCX_STEP_OK, 0, NULL, "messagingInvitation completed, status %s",
                    ev->status);
    int ok = mb_messaging_links(x, b, ev) == 0;
    mcx_mb_batch_free(b);
    free(b);
    mb_outcome(x->rep, step, ok, ms);
    return ok ? 0 : -1;
}

static int mb_trigger_send(void *arg)
{
    mb_run *x = arg;
    char st[160];
    mcx_mb_resp r;
    int got = mcx_mb_call(x->from, x->rep, 1, "POST", x->send, "text/plain; charset=UTF-8",
                          x->text, &r);
    int ok = got == 0 && (r.http.status == 201 || r.http.status == 204 || r.http.status == 200);
    if (got == 0 && !ok)
        mb_fail(x->rep, "MB-012", x->from, &r, "sendMessage answered %s",
                mb_status(&r, st, sizeof st));
    mcx_mb_resp_free(&r);
    return ok ? 0 : -1;
}

/* `to`'s channel shows the message with the same text; with `trigger`,
 * the message is sent while the P-GET is out. 0, or -1. */
static int mb_receive_message(mb_run *x, mcx_mb_client *to, int trigger, const char *fail_id)
{
    const mcx_mb_event *ev;
    double ms;
    size_t step = mcx_report_step(x->rep, 0, MCX_STEP_INFO, 0, NULL,
                                  "%s's channel shows the message", to->sip_uri);
    mcx_mb_batch *b = mcx_mb_await(to, x->rep, 1, "message", "added", x->o->event_wait_ms,
                                   trigger ? mb_trigger_send : NULL, x, &ev, &ms);
    if (!b) {
        if (!mcx_report_has(x->rep, "MB-012"))
            mb_fail(x->rep, fail_id, to, NULL,
                    "no message added event within --event-wait");
        mb_outcome(x->rep, step, 0, 0);
        return -1;
    }
    const char *uri = mcx_mb_find_link(ev->embedded, "plainMessage");
    char *got = NULL;
    size_t len = 0;
    const char *why = "no plainMessage link in the message";
    int ok = uri && mcx_mb_data_uri_decode(uri, &got, &len, NULL, 0, &why) == 0 &&
             len == strlen(x->text) && memcmp(got, x->text, len) == 0;
    if (!ok) {
        mcx_finding *f = mcx_report_add(x->rep, "MB-014", "%s received %s%.200s%s instead of "
                                        "\"%s\"", to->sip_uri, got ? "\"" : "",
                                        got ? got : why, got ? "\"" : "", x->text);
        mcx_finding_set_subject(f, to->sip_uri);
        if (uri)
            mcx_finding_set_evidence(f, ev->href, 200, uri, strlen(uri));
    }
    mcx_report_step(x->rep, 1, ok ? MCX_STEP_OK : MCX_STEP_FAIL, ms, x->text,
                    "message added, direction %s, text %s",
                    mcx_mb_string(ev->embedded, "direction") ? mcx_mb_string(ev->embedded, "direction")
                                                             : "(not said)",
                    ok ? "as sent" : "differs");
    free(got);
    mcx_mb_batch_free(b);
    free(b);
    mb_outcome(x->rep, step, ok, ms);
    return ok ? 0 : -1;
}

/* stopMessaging and, in a two-party conversation (`to` set), the other
 * side's channel sees the conversation end (with three, it goes on for the
 * other two). */
static void mb_stop(mb_run *x, mcx_mb_client *to)
{
    char st[160];
    mcx_mb_resp r;
    const mcx_mb_event *ev;
    double ms;
    size_t step = to ? mcx_report_step(x->rep, 0, MCX_STEP_INFO, 0, NULL,
                                       "%s stops messaging; %s's channel shows the end",
                                       x->from->sip_uri, to->sip_uri)
                     : mcx_report_step(x->rep, 0, MCX_STEP_INFO, 0, NULL,
                                       "%s leaves the conversation (stopMessaging)",
                                       x->from->sip_uri);
    int got = mcx_mb_call(x->from, x->rep, 1, "POST", x->stop, MB_JSON, NULL, &r);
    int ok = got == 0 && (r.http.status == 204 || r.http.status == 200);
    if (got == 0 && !ok)
        mb_fail(x->rep, "MB-015", x->from, &r, "stopMessaging answered %s",
                mb_status(&r, st, sizeof st));
    mcx_mb_resp_free(&r);
    if (ok && to) {
        mcx_mb_batch *b = mcx_mb_await(to, x->rep, 1, "conversation", "deleted",
                                       x->o->event_wait_ms, NULL, NULL, &ev, &ms);
        if (!b)
            mb_fail(x->rep, "MB-015", to, NULL,
                    "no conversation deleted event after stopMessaging");
        else
            mcx_report_step(x->rep, 1, MCX_STEP_OK, ms, NULL, "conversation deleted");
        ok = b != NULL;
        mcx_mb_batch_free(b);
        free(b);
    }
    mb_outcome(x->rep, step, ok, 0);
}

/* ---- the flows ------------------------------------------------------------------------ */

static void mb_message_text(const mcx_mb_options *o, const mcx_mb_client *from, char *out,
                            size_t len)
{
    /* Reserved and non-ASCII characters on purpose: the data: URI must carry
     * them unchanged. */
    snprintf(out, len, "mcxcheck mobility %llu from %s: 100%% d\xc3\xa9livr\xc3\xa9 & ok?",
             o->seed, from->sip_uri);
}

static int mb_flow_p2pim(const mcx_mb_options *o, mcx_mb_client *u, mcx_report *rep)
{
    mb_run x;
    memset(&x, 0, sizeof x);
    x.o = o;
    x.rep = rep;
    x.from = &u[0];
    x.to = &u[1];
    size_t step = mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                                  "Presence subscriptions: each user subscribes to the other");
    int ok = mb_subscribe(&u[0], &u[1], rep) == 0;
    ok = (mb_subscribe(&u[1], &u[0], rep) == 0) && ok;
    mb_outcome(rep, step, ok, 0);
    mb_message_text(o, x.from, x.text, sizeof x.text);
    if (mb_receive_invitation(&x, x.to, "MB-009") < 0 || mb_sender_connected(&x) < 0)
        return 0;
    if (mb_receive_message(&x, x.to, 1, "MB-013") < 0) {
        if (x.stop[0]) {
            mcx_mb_resp r;
            mcx_mb_call(x.from, rep, 1, "POST", x.stop, MB_JSON, NULL, &r);
            mcx_mb_resp_free(&r);
        }
        return 0;
    }
    mb_stop(&x, x.to);
    return 0;
}

typedef struct mb_presence_arg {
    mcx_mb_client *c;
    mcx_report *rep;
    const char *href;
} mb_presence_arg;

static int mb_trigger_busy(void *arg)
{
    mb_presence_arg *p = arg;
    char st[160];
    mcx_mb_resp r;
    int got = mcx_mb_call(p->c, p->rep, 1, "POST", p->href, MB_JSON, "{\"availability\":\"Busy\"}",
                          &r);
    int ok = got == 0 && (r.http.status == 204 || r.http.status == 200);
    if (got == 0 && !ok)
        mb_fail(p->rep, "MB-017", p->c, &r, "setting Busy answered %s",
                mb_status(&r, st, sizeof st));
    mcx_mb_resp_free(&r);
    /* Contact presence is a low-class event: aggregated for `low` seconds.
     * mcxd --test-clock lets the check move time instead of waiting. */
    if (ok && mcx_mb_clock_advance(p->c, p->rep, 1, 15) == 0)
        mcx_report_step(p->rep, 1, MCX_STEP_INFO, 0, NULL,
                        "No clock control: waiting in real time (low = 5 s)");
    return ok ? 0 : -1;
}

static int mb_flow_presence(const mcx_mb_options *o, mcx_mb_client *u, mcx_report *rep)
{
    char href[MCX_MB_HREF_MAX], events[MCX_MB_HREF_MAX];
    const mcx_mb_event *ev;
    double ms;
    size_t step = mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                                  "Presence subscription: %s subscribes to %s", u[1].sip_uri,
                                  u[0].sip_uri);
    int ok = mb_subscribe(&u[1], &u[0], rep) == 0;
    mb_outcome(rep, step, ok, 0);
    if (!ok)
        return 0;
    step = mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                           "%s sets Busy; %s's channel shows it", u[0].sip_uri, u[1].sip_uri);
    if (mb_href(&u[0], rep, "presence", "me", href, sizeof href) < 0) {
        mb_fail(rep, "MB-017", &u[0], NULL, "no me/presence link after makeMeAvailable");
        mb_outcome(rep, step, 0, 0);
        return 0;
    }
    /* Shortest aggregation the channel allows (5..1800 s). */
    if (snprintf(events, sizeof events, "%s%slow=5&medium=5", u[1].events,
                 strchr(u[1].events, '?') ? "&" : "?") < (int)sizeof events)
        snprintf(u[1].events, sizeof u[1].events, "%s", events);
    mb_presence_arg arg = {&u[0], rep, href};
    ok = 0;
    for (int round = 0; round < 4 && !ok; round++) {
        /* The first batches may hold the subscription's initial state. */
        mcx_mb_batch *b = mcx_mb_await(&u[1], rep, 1, "contactPresence", NULL, o->event_wait_ms,
                                       round == 0 ? mb_trigger_busy : NULL, &arg, &ev, &ms);
        if (!b)
            break;
        for (size_t i = 0; i < b->nevents && !ok; i++) {
            ev = &b->events[i];
            const char *av = mcx_mb_string(ev->embedded, "availability");
            if (strcasecmp(ev->rel, "contactPresence") != 0 || !strcasestr(ev->href, u[0].sip_uri) ||
                !av || strcasecmp(av, "Busy") != 0)
                continue;
            ok = 1;
            mcx_report_step(rep, 1, MCX_STEP_OK, ms, NULL,
                            "contactPresence updated for %s: availability %s", u[0].sip_uri, av);
        }
        mcx_mb_batch_free(b);
        free(b);
    }
    if (!ok && !mcx_report_has(rep, "MB-017"))
        mb_fail(rep, "MB-017", &u[1], NULL,
                "no contactPresence event with availability Busy within --event-wait");
    mb_outcome(rep, step, ok, ms);
    return 0;
}

static int mb_flow_conference(const mcx_mb_options *o, mcx_mb_client *u, mcx_report *rep)
{
    mb_run x;
    memset(&x, 0, sizeof x);
    x.o = o;
    x.rep = rep;
    x.from = &u[0];
    x.to = &u[1];
    mb_message_text(o, x.from, x.text, sizeof x.text);
    if (mb_receive_invitation(&x, &u[1], "MB-009") < 0 || mb_sender_connected(&x) < 0)
        return 0;
    if (!x.conversation[0]) {
        mb_fail(rep, "MB-024", x.from, NULL, "no conversation link to add a participant to");
        return 0;
    }
    snprintf(x.third, sizeof x.third, "%s", u[2].sip_uri);
    if (mb_receive_invitation(&x, &u[2], "MB-024") < 0)
        return 0;
    if (mb_receive_message(&x, &u[1], 1, "MB-013") == 0)
        mb_receive_message(&x, &u[2], 0, "MB-024");
    mb_stop(&x, NULL);
    return 0;
}

/* ---- the run ------------------------------------------------------------------------------ */

int mcx_mb_run(const mcx_mb_options *o, mcx_mb_client *users, size_t nusers, mcx_report *rep)
{
    size_t signed_in = 0;
    int reached = 0, rc = 0;
    for (size_t i = 0; i < nusers; i++) {
        mcx_mb_client *c = &users[i];
        size_t step = mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                                      "%s %s: discover, sign in, make available", c->label,
                                      c->sip_uri);
        int ok = mcx_mb_discover(c, rep, 0, o->service) == 0;
        /* "Could not test" only when no server answered this user at all:
         * neither discovery nor the Mobility Service. */
        reached |= c->found.reached_server || (c->origin[0] && !c->unreachable);
        ok = ok && mcx_mb_sign_in(o, c, rep, (int)i) == 0;
        ok = ok && mcx_mb_make_available(c, rep) == 0;
        mb_outcome(rep, step, ok, 0);
        if (!ok)
            break;
        signed_in++;
    }
    if (signed_in == nusers) {
        if (o->flow == MCX_MB_FLOW_P2PIM)
            rc = mb_flow_p2pim(o, users, rep);
        else if (o->flow == MCX_MB_FLOW_PRESENCE)
            rc = mb_flow_presence(o, users, rep);
        else if (o->flow == MCX_MB_FLOW_CONFERENCE)
            rc = mb_flow_conference(o, users, rep);
        else
            rc = mcx_mb_flow_session(o, users, rep);
    }
    size_t step = mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL, "Sign out: DELETE the applications");
    size_t before = rep->nfindings;
    for (size_t i = 0; i < nusers; i++)
        mcx_mb_sign_out(&users[i], rep, o->flow == MCX_MB_FLOW_SESSION);
    mb_outcome(rep, step, rep->nfindings == before, 0);
    if (rc < 0)
        return -1;
    return reached ? 0 : 1;
}
