/*
 * mobility_session.c -- `mcxcheck mobility session`: the event channel and
 * session lifetime rules of the Mobility Service (protocol.md 5 and 5.1;
 * refimpl/MOBILITY.md "The event channel" and "Sessions"), on the
 * receiver's application, with the sender causing the events:
 *   1. two P-GETs on one application: one completes with 409 PGetReplaced
 *      (which one depends on arrival order; the report does not say, so it
 *      stays deterministic), the other with the batch the sender's
 *      invitation causes;
 *   2. the same ack again: the same batch, byte for byte;
 *   3. an ack out of range: only a resync link;
 *   4. idle expiry: with mcxd --test-clock the clock is moved past the
 *      application's lifetime and the application must answer 410
 *      InactiveApplicationExpired, then a new application can be created
 *      (the seed's "initiate session"); without clock control the step is
 *      reported as not tested (MB-023), never waited for.
 *
 * Owns: those steps and MB-019..MB-023. Does not own: requests and the
 * P-GET thread (mobility_client.c), sign-in/out (mobility_flows.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mobility.h"

static void mb_outcome(mcx_report *rep, size_t step, int ok)
{
    mcx_mb_step_close(rep, step, ok, 0);
}

static mcx_finding *mb_finding(mcx_report *rep, const char *id, const mcx_mb_client *c,
                               const mcx_mb_resp *r, const char *what)
{
    mcx_finding *f = mcx_report_add(rep, id, "%s: %s", c->sip_uri, what);
    mcx_finding_set_subject(f, c->sip_uri);
    if (r && r->http.error == MCX_HTTP_OK)
        mcx_finding_set_evidence(f, c->events, r->http.status, r->http.body, r->http.body_len);
    return f;
}

typedef struct mb_invite_arg {
    mcx_mb_client *from, *to;
    mcx_report *rep;
    unsigned long long seed;
} mb_invite_arg;

/* The sender starts messaging the receiver: a real-time event that
 * completes the receiver's parked P-GET at once. */
static int mb_invite(const mb_invite_arg *a)
{
    const char *h = mcx_mb_find_link(a->from->app_doc, "startMessaging");
    char href[MCX_MB_HREF_MAX], body[600];
    mcx_mb_resp r;
    if (!h)
        h = mcx_mb_find_link(a->from->app_doc, "messagingInvitations");
    if (!h)
        return -1;
    snprintf(href, sizeof href, "%s", h);
    snprintf(body, sizeof body, "{\"to\":\"sip:%s\",\"subject\":\"mcxcheck session\","
                                "\"operationId\":\"mcxcheck-session-%llu\"}",
             a->to->sip_uri, a->seed);
    int got = mcx_mb_call(a->from, a->rep, 1, "POST", href, "application/json", body, &r);
    int ok = got == 0 && r.http.status == 201;
    mcx_mb_resp_free(&r);
    return ok ? 0 : -1;
}

/* Parses a 200 events answer; the number of events, or -1 when it is not
 * one. `next` (may be NULL) gets its next link. */
static long mb_batch_events(const mcx_mb_resp *r, char *next, size_t nextlen)
{
    mcx_mb_batch b;
    char why[256];
    long n = -1;
    if (r->http.error == MCX_HTTP_OK && r->http.status == 200 &&
        mcx_mb_batch_parse(r->http.body, r->http.body_len, &b, why, sizeof why) == 0 && b.next) {
        n = (long)b.nevents;
        if (next)
            snprintf(next, nextlen, "%s", b.next);
    }
    mcx_mb_batch_free(&b);
    return n;
}

static int mb_is_replaced(const mcx_mb_resp *r)
{
    return r->http.error == MCX_HTTP_OK && r->http.status == 409 &&
           strcasecmp(r->subcode, "PGetReplaced") == 0;
}

/* The two P-GETs of one round on `href`: the first must park (when it is
 * answered at once, the channel had events due: 1 is returned and
 * r->events moves on), the second must complete it with 409; the sender's
 * invitation completes the second. 0 when the round ran (resp[0] the first
 * to complete, resp[1] the other, *first_done whether one completed before
 * the invitation), -1 on ENOMEM. */
static int mb_replace_round(const mcx_mb_options *o, mcx_mb_client *u, mcx_report *rep,
                            mcx_mb_resp resp[2], int *first_done, int *invited)
{
    mcx_mb_client *r = &u[1];
    mcx_mb_pget *p[2] = {mcx_mb_pget_start(r, r->events, o->event_wait_ms), NULL};
    if (!p[0])
        return -1;
    if (mcx_mb_pget_wait(p[0], 500)) {
        mcx_mb_pget_finish(p[0], r, rep, 1, &resp[0]);
        char next[MCX_MB_HREF_MAX];
        if (mb_batch_events(&resp[0], next, sizeof next) > 0) {
            mcx_report_step(rep, 2, MCX_STEP_INFO, 0, NULL,
                            "Answered at once: the channel had events due; again with %s", next);
            snprintf(r->events, sizeof r->events, "%s", next);
            mcx_mb_resp_free(&resp[0]);
            return 1;
        }
        *first_done = 1;
        memset(&resp[1], 0, sizeof resp[1]);
        resp[1].http.error = MCX_HTTP_E_OTHER;
        return 0;
    }
    if (!(p[1] = mcx_mb_pget_start(r, r->events, o->event_wait_ms))) {
        mcx_mb_pget_finish(p[0], r, rep, 1, &resp[0]);
        mcx_mb_resp_free(&resp[0]);
        return -1;
    }
    /* One of them must complete on its own, at once, with 409. */
    int first = -1;
    for (int tries = 0; tries < 20 && first < 0; tries++)
        for (int k = 0; k < 2 && first < 0; k++)
            if (mcx_mb_pget_wait(p[k], tries ? 100 : 0))
                first = k;
    *first_done = first >= 0;
    mb_invite_arg ia = {&u[0], r, rep, o->seed};
    *invited = mb_invite(&ia) == 0;
    mcx_mb_pget_finish(p[first > 0], r, rep, 1, &resp[0]);
    mcx_mb_pget_finish(p[first <= 0], r, rep, 1, &resp[1]);
    return 0;
}

/* Step 1. On success *batch holds the body of the batch the surviving
 * P-GET received (malloc'd), *ack its number, and u->events its next link. */
static int mb_replace(const mcx_mb_options *o, mcx_mb_client *u, mcx_report *rep, char **batch,
                      size_t *batch_len, long *ack)
{
    mcx_mb_client *r = &u[1];
    mcx_mb_resp resp[2];
    int first_done = 0, invited = 0, rc = 1;
    size_t step = mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                                  "P-GET replace: a second P-GET on %s's application completes "
                                  "the first with 409 PGetReplaced", r->sip_uri);
    for (int round = 0; round < 4 && rc == 1; round++) {
        *ack = mcx_mb_ack_of(r->events);
        rc = mb_replace_round(o, u, rep, resp, &first_done, &invited);
    }
    if (rc != 0) {
        mb_finding(rep, "MB-019", r, NULL, rc > 0 ? "every P-GET was answered at once: none "
                                                    "parked, replace not tested"
                                                  : "out of memory");
        mb_outcome(rep, step, 0);
        return -1;
    }
    int replaced = first_done && mb_is_replaced(&resp[0]);
    int delivered = -1;
    for (int k = 0; k < 2; k++)
        if (mb_batch_events(&resp[k], NULL, 0) > 0 &&
            (delivered < 0 || resp[k].http.body_len > resp[delivered].http.body_len))
            delivered = k; /* the batch with the invitation, not an empty one */
    if (!replaced)
        mb_finding(rep, "MB-019", r, first_done ? &resp[0] : NULL,
                   first_done ? "the parked P-GET was not completed with 409 PGetReplaced when "
                                "a second one came"
                              : "neither of two P-GETs on one application completed before an "
                                "event was sent");
    else
        mcx_report_step(rep, 1, MCX_STEP_OK, 0, NULL,
                        "One P-GET answered 409 PGetReplaced, the other %s",
                        delivered == 1 ? "the batch the sender's invitation caused" : "no batch");
    if (delivered >= 0) {
        mb_batch_events(&resp[delivered], r->events, sizeof r->events);
        if ((*batch = malloc(resp[delivered].http.body_len + 1))) {
            memcpy(*batch, resp[delivered].http.body, resp[delivered].http.body_len + 1);
            *batch_len = resp[delivered].http.body_len;
        }
    } else if (invited) {
        mb_finding(rep, "MB-018", r, NULL, "no P-GET brought the batch of the invitation");
    }
    for (int k = 0; k < 2; k++)
        mcx_mb_resp_free(&resp[k]);
    mb_outcome(rep, step, replaced && invited && *batch);
    return *batch ? 0 : -1;
}

/* Steps 2 and 3. */
static void mb_acks(mcx_mb_client *r, mcx_report *rep, const char *batch, size_t batch_len,
                    long ack)
{
    char href[MCX_MB_HREF_MAX];
    mcx_mb_resp resp;
    size_t step = mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                                  "Re-sent ack=%ld (its answer lost in flight) returns the same "
                                  "batch", ack);
    int ok = 0;
    if (mcx_mb_with_ack(r->events, ack, href, sizeof href) == 0 &&
        mcx_mb_call(r, rep, 1, "GET", href, NULL, NULL, &resp) == 0) {
        ok = resp.http.status == 200 && resp.http.body_len == batch_len &&
             memcmp(resp.http.body, batch, batch_len) == 0;
        if (!ok)
            mb_finding(rep, "MB-020", r, &resp, resp.http.status == 200
                                                    ? "the batch differs from the first answer"
                                                    : "the re-sent ack was not answered 200");
        else
            mcx_report_step(rep, 1, MCX_STEP_OK, 0, NULL, "Same %zu bytes", batch_len);
        mcx_mb_resp_free(&resp);
    }
    mb_outcome(rep, step, ok);

    step = mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                           "Out-of-range ack=%ld answers only a resync link", ack + 5);
    ok = 0;
    if (mcx_mb_with_ack(r->events, ack + 5, href, sizeof href) == 0 &&
        mcx_mb_call(r, rep, 1, "GET", href, NULL, NULL, &resp) == 0) {
        mcx_mb_batch b;
        char why[256];
        int parsed = resp.http.status == 200 &&
                     mcx_mb_batch_parse(resp.http.body, resp.http.body_len, &b, why,
                                        sizeof why) == 0;
        ok = parsed && b.resync && !b.next && b.nevents == 0;
        if (!ok)
            mb_finding(rep, "MB-021", r, &resp,
                       !parsed ? "the answer is not a 200 events resource"
                       : !b.resync ? "no resync link"
                                   : "a resync link, but also a next link or events");
        else
            mcx_report_step(rep, 1, MCX_STEP_OK, 0, NULL, "resync %s", b.resync);
        mcx_mb_batch_free(&b);
        mcx_mb_resp_free(&resp);
    }
    mb_outcome(rep, step, ok);
}

/* Step 4. */
static void mb_expiry(const mcx_mb_options *o, mcx_mb_client *u, mcx_report *rep)
{
    mcx_mb_client *r = &u[1];
    mcx_mb_resp resp;
    json_t *lt = json_object_get(r->app_doc, "sessionLifetime");
    long lifetime = json_is_integer(lt) ? (long)json_integer_value(lt) : o->lifetime_s;
    size_t step = mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                                  "Idle expiry: no request and no P-GET for the lifetime (%ld s) "
                                  "ends the application with 410 InactiveApplicationExpired",
                                  lifetime);
    int moved = mcx_mb_clock_advance(r, rep, 1, lifetime + 1);
    if (moved <= 0) {
        rep->steps[step].outcome = MCX_STEP_SKIP;
        mcx_report_step(rep, 1, MCX_STEP_SKIP, 0, NULL,
                        "Not tested: the target's clock cannot be moved (mcxd --test-clock "
                        "adds POST /_mcxd/clock) and the check does not wait %ld s", lifetime);
        mcx_finding *f = mcx_report_add(rep, "MB-023", "%s: idle expiry after %ld s not tested",
                                        r->sip_uri, lifetime);
        mcx_finding_set_subject(f, r->sip_uri);
        return;
    }
    int ok = 0;
    if (mcx_mb_call(r, rep, 1, "GET", r->app, NULL, NULL, &resp) == 0) {
        ok = resp.http.status == 410 && strcasecmp(resp.subcode, "InactiveApplicationExpired") == 0;
        if (!ok)
            mb_finding(rep, "MB-022", r, &resp, "the idle application did not answer 410 "
                                                "InactiveApplicationExpired");
        mcx_mb_resp_free(&resp);
    }
    mb_outcome(rep, step, ok);
    if (!ok)
        return;
    /* Signing in again after expiry: the seed's "initiate session". */
    step = mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                           "Sign in again after expiry (initiate session)");
    r->app[0] = '\0';
    json_decref(r->app_doc);
    r->app_doc = NULL;
    ok = mcx_mb_sign_in(o, r, rep, 7) == 0;
    mb_outcome(rep, step, ok);
}

/* The receiver declines the invitation of step 1 (from the batch it got),
 * so that nothing is left pending when the sessions go idle. */
static void mb_decline(mcx_mb_client *r, mcx_report *rep, const char *batch, size_t len)
{
    mcx_mb_batch b;
    char why[256], href[MCX_MB_HREF_MAX];
    const mcx_mb_event *ev;
    if (mcx_mb_batch_parse(batch, len, &b, why, sizeof why) < 0 ||
        !(ev = mcx_mb_batch_find(&b, "messagingInvitation", "started", NULL)) ||
        !mcx_mb_find_link(ev->embedded, "decline")) {
        mcx_mb_batch_free(&b);
        return;
    }
    snprintf(href, sizeof href, "%s", mcx_mb_find_link(ev->embedded, "decline"));
    mcx_mb_batch_free(&b);
    size_t step = mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                                  "%s declines the invitation (nothing left pending)", r->sip_uri);
    mcx_mb_resp resp;
    int ok = mcx_mb_call(r, rep, 1, "POST", href, "application/json", NULL, &resp) == 0 &&
             (resp.http.status == 204 || resp.http.status == 200);
    mcx_mb_resp_free(&resp);
    mb_outcome(rep, step, ok);
}

int mcx_mb_flow_session(const mcx_mb_options *o, mcx_mb_client *u, mcx_report *rep)
{
    char *batch = NULL;
    size_t len = 0;
    long ack = -1;
    if (mb_replace(o, u, rep, &batch, &len, &ack) == 0 && ack > 0) {
        mb_acks(&u[1], rep, batch, len, ack);
        mb_decline(&u[1], rep, batch, len);
    }
    free(batch);
    mb_expiry(o, u, rep);
    return 0;
}
