/*
 * mobility.h -- `mcxcheck mobility`: synthetic transactions against a
 * Mobility Service (Mcx under the 2010 CU4 profile, UCWA under 2013), as a
 * phone performs them after discovery: create an application, make itself
 * available, subscribe to presence, message another user through the event
 * channel (pending GET), end the session (refimpl/MOBILITY.md is the wire
 * contract; protocol.md 5 and 5.1).
 *
 * Owns: the client of one user (mcx_mb_client: discovery result, origin,
 * credential header, application, event channel), the pure helpers the
 * client is built from (links, data: URIs, event batches, error bodies,
 * URLs; unit-tested in conformance/test/test_mobility.c), the flows
 * (p2pim, presence, session, conference) and their MB- findings.
 * Files: mobility_client.c (requests, link following, event channel, P-GET
 * on a thread), mobility_flows.c (p2pim, presence, conference, the steps
 * they share), mobility_session.c (P-GET replace, re-sent ack, resync,
 * idle expiry), cmd_mobility.c (command line).
 * Does not own: discovery and authentication (discover*.c, reused through
 * mcx_ds_run), HTTP (mcx/http_client.h), JSON (jansson), rendering
 * (mcx/report.h), the server (refimpl/mobility/).
 */
#ifndef MCX_MOBILITY_H
#define MCX_MOBILITY_H

#include <stddef.h>
#include <jansson.h>
#include "discover.h"
#include "mcx/http_client.h"
#include "mcx/report.h"

#define MCX_MB_HREF_MAX 1024
#define MCX_MB_ORIGIN_MAX 300
#define MCX_MB_MAX_EVENTS 256 /* events read from one batch; more are counted */

/* ---- pure helpers (no I/O) ------------------------------------------------ */

/* "scheme://host[:port]" of an absolute http(s) URL. 0, or -1. */
int mcx_mb_url_origin(const char *url, char *out, size_t outlen);
/* The path (and query) of an absolute URL, or `url` itself when it is
 * already an absolute path. 0, or -1 (not http(s), no path, too long). */
int mcx_mb_url_path(const char *url, char *out, size_t outlen);
/* An href of a response (absolute path, as MOBILITY.md has them, or an
 * absolute URL) made absolute against `origin`. 0, or -1. */
int mcx_mb_url_resolve(const char *origin, const char *href, char *out, size_t outlen);

/* _links.<rel>.href of a resource, or NULL (borrowed from `resource`). */
const char *mcx_mb_link(const json_t *resource, const char *rel);
/* The first href of `rel` in the resource or, depth first, in its
 * _embedded resources (at most 4 levels), or NULL. */
const char *mcx_mb_find_link(const json_t *resource, const char *rel);
/* A string member, keys matched case-insensitively (UCWA servers send
 * "availability" or "Availability"); NULL when absent or not a string. */
const char *mcx_mb_string(const json_t *obj, const char *key);

/* Decodes an RFC 2397 data: URI ("data:text/plain;charset=utf-8,Hi%20there",
 * or ";base64,"): *out gets the malloc'd, NUL-terminated content and *outlen
 * its length; `mediatype` (may be NULL) gets the media type with its
 * parameters ("text/plain;charset=utf-8"; "text/plain;charset=US-ASCII"
 * when empty). 0, or -1 with `why` set (not a data: URI, no comma, bad
 * escape, bad base64). */
int mcx_mb_data_uri_decode(const char *uri, char **out, size_t *outlen, char *mediatype,
                           size_t mtlen, const char **why);
/* "data:text/plain;charset=utf-8,<percent-encoded text>" (unreserved
 * characters kept), malloc'd; NULL on ENOMEM. */
char *mcx_mb_data_uri_encode(const char *text);

/* The error body of a UCWA error response: {"code":C,"subcode":S,...}
 * (keys case-insensitive). Fills code and subcode ("" when absent).
 * 0 when the body is such an object, -1 otherwise. */
int mcx_mb_error_body(const char *body, size_t len, char *code, size_t codelen, char *subcode,
                      size_t sublen);

/* One event of an event-channel batch (UCWA events resource). */
typedef struct mcx_mb_event {
    const char *sender;     /* the sender's rel: "me", "people", "communication" */
    const char *rel;        /* the event link's rel: "messagingInvitation", "message" */
    const char *href;       /* the event link's href ("" when absent) */
    const char *type;       /* added, updated, deleted, started, completed */
    const char *in_href;    /* the "in" link's href, or NULL */
    const char *status;     /* the event's "status" (completed operations:
                               Success, Failure), else the embedded
                               resource's, or NULL */
    const json_t *embedded; /* _embedded.<rel> (or the only member), or NULL */
} mcx_mb_event;

/* One batch: the parsed body and its events (pointers into root). */
typedef struct mcx_mb_batch {
    json_t *root;
    const char *self, *next, *resync, *resume; /* hrefs, NULL when absent */
    mcx_mb_event events[MCX_MB_MAX_EVENTS];
    size_t nevents;
    size_t dropped;         /* events beyond MCX_MB_MAX_EVENTS */
} mcx_mb_batch;

/* Parses an events response body. 0, or -1 with `why` (not JSON, not an
 * object, a sender or event of the wrong shape). Free with
 * mcx_mb_batch_free (also after -1). */
int mcx_mb_batch_parse(const char *body, size_t len, mcx_mb_batch *b, char *why, size_t whylen);
void mcx_mb_batch_free(mcx_mb_batch *b);
/* The first event at or after index *from whose rel is `rel` and, when
 * `type` is not NULL, whose type is `type`; *from is set past it. NULL when
 * none. */
const mcx_mb_event *mcx_mb_batch_find(const mcx_mb_batch *b, const char *rel, const char *type,
                                      size_t *from);
/* The ack number in an events href ("...events?ack=7&timeout=180"), or -1. */
long mcx_mb_ack_of(const char *href);
/* `href` with its ack parameter replaced by `ack` (added when absent). 0, or -1. */
int mcx_mb_with_ack(const char *href, long ack, char *out, size_t outlen);

/* ---- the client of one user (mobility_client.c) --------------------------- */

typedef enum { MCX_MB_SERVICE_MCX = 0, MCX_MB_SERVICE_UCWA } mcx_mb_service;

typedef struct mcx_mb_client {
    const char *label;      /* "sender", "receiver", "third": step titles */
    const char *sip_uri;    /* bare sign-in address */
    mcx_ds_options ds;      /* discovery options of this user (http.session = session) */
    mcx_http_session *session;
    mcx_ds_result found;    /* discovery result with the credential */
    char origin[MCX_MB_ORIGIN_MAX];  /* of the Mobility Service URL */
    char apps[MCX_MB_HREF_MAX];      /* the applications URL (absolute) */
    char app[MCX_MB_HREF_MAX];       /* A: the application's href ("" before) */
    json_t *app_doc;                 /* the application resource (201 body or GET) */
    char events[MCX_MB_HREF_MAX];    /* the next P-GET's href */
    int tls_said;                    /* the TLS facts step was written */
    int unreachable;                 /* a request failed below HTTP (MB-003 said) */
} mcx_mb_client;

/* A response read by mcx_mb_call. */
typedef struct mcx_mb_resp {
    mcx_http_response http;
    json_t *json;           /* the body when it parsed as JSON, else NULL */
    char code[64], subcode[64]; /* UCWA error body, "" when none */
} mcx_mb_resp;
void mcx_mb_resp_free(mcx_mb_resp *r);

/* Prepares the client (its own HTTP session, a copy of `ds` with the
 * user's sign-in address). 0, or -1 on ENOMEM. */
int mcx_mb_client_init(mcx_mb_client *c, const char *label, const char *sip_uri,
                       const mcx_ds_options *ds);
void mcx_mb_client_free(mcx_mb_client *c);

/* Discovers the user (steps one level below `depth`, findings as
 * `mcxcheck discover` raises them) and picks the Mobility Service URL
 * (`service`, falling back to the other one). 0 when a URL and a token
 * for it were obtained, -1 otherwise (MB-001 / MB-002 said why). */
int mcx_mb_discover(mcx_mb_client *c, mcx_report *rep, int depth, mcx_mb_service service);

/* One request to `href` (absolute path or URL) with the user's credential,
 * Accept: the UCWA JSON type, and `body` of `ctype` when not NULL. Writes
 * the step "METHOD path" at `depth` with status, content type and size, and
 * the code/subcode of an error body. 0 when a response came (any status),
 * -1 otherwise (MB-003 raised once per client). Always fills `out`. */
int mcx_mb_call(mcx_mb_client *c, mcx_report *rep, int depth, const char *method,
                const char *href, const char *ctype, const char *body, mcx_mb_resp *out);

/* A P-GET performed on its own thread and connection, so that the main
 * thread can act (send the event) while it is parked. */
typedef struct mcx_mb_pget mcx_mb_pget;
/* Starts GET `href` (events URL) with `timeout_ms` as the HTTP timeout.
 * NULL on ENOMEM or when the thread cannot start. */
mcx_mb_pget *mcx_mb_pget_start(mcx_mb_client *c, const char *href, long timeout_ms);
/* 1 when the P-GET has completed, 0 when it is still out after `wait_ms`. */
int mcx_mb_pget_wait(mcx_mb_pget *p, long wait_ms);
/* Joins the thread, writes its step at `depth` (as mcx_mb_call) and hands
 * the response over; frees `p`. 0 when a response came. */
int mcx_mb_pget_finish(mcx_mb_pget *p, mcx_mb_client *c, mcx_report *rep, int depth,
                       mcx_mb_resp *out);
/* Milliseconds since the P-GET was started until it completed. */
double mcx_mb_pget_elapsed(const mcx_mb_pget *p);

/* Closes the top-level step `step`: outcome OK or FAIL and its latency,
 * `elapsed` when > 0 (an end-to-end measure: action to event), else the
 * sum of the requests below it (printed only with --timings). */
void mcx_mb_step_close(mcx_report *rep, size_t step, int ok, double elapsed);

/* POST <origin>/_mcxd/clock "advance=SECONDS" (mcxd --test-clock). 1 when
 * the target moved its clock, 0 when it has no clock control (404 or
 * other), -1 on a transport failure. Writes its step at `depth`. */
int mcx_mb_clock_advance(mcx_mb_client *c, mcx_report *rep, int depth, long seconds);

/* ---- flows (mobility_flows.c, mobility_session.c) ------------------------- */

typedef enum {
    MCX_MB_FLOW_P2PIM = 0,
    MCX_MB_FLOW_PRESENCE,
    MCX_MB_FLOW_SESSION,
    MCX_MB_FLOW_CONFERENCE
} mcx_mb_flow;

typedef struct mcx_mb_options {
    mcx_mb_flow flow;
    mcx_mb_service service;
    long event_wait_ms;         /* how long an expected event is waited for */
    long lifetime_s;            /* idle lifetime of an always-connected
                                   application (session flow), from the topology */
    const char *user_agent;     /* UserAgent of the applications */
    unsigned long long seed;    /* EndpointIds and message texts */
} mcx_mb_options;

/* Runs the flow with clients already initialised (users[0] sender,
 * users[1] receiver, users[2] third for conference). Steps and findings go
 * to `rep`. Returns 0 when the flow ran (findings say what failed), 1 when
 * it could not test (nothing of the Mobility Service was reached), -1 on
 * an internal error. */
int mcx_mb_run(const mcx_mb_options *o, mcx_mb_client *users, size_t nusers, mcx_report *rep);

/* Shared by the flows (mobility_flows.c). */
int mcx_mb_sign_in(const mcx_mb_options *o, mcx_mb_client *c, mcx_report *rep, int index);
int mcx_mb_make_available(mcx_mb_client *c, mcx_report *rep);
void mcx_mb_sign_out(mcx_mb_client *c, mcx_report *rep, int expired_ok);
/* Reads the channel until an event `rel` (`type` when not NULL) comes, or
 * `wait_ms` passes, at most 8 P-GETs; while the first P-GET is out, runs
 * `trigger(arg)` once (the action that should cause the event; NULL for
 * none). Returns the batch holding the event (caller frees it) and sets
 * *ev, or NULL; *elapsed_ms = from the trigger to the completion. */
typedef int (*mcx_mb_trigger)(void *arg);
mcx_mb_batch *mcx_mb_await(mcx_mb_client *c, mcx_report *rep, int depth, const char *rel,
                           const char *type, long wait_ms, mcx_mb_trigger trigger, void *arg,
                           const mcx_mb_event **ev, double *elapsed_ms);
/* The session flow (mobility_session.c). */
int mcx_mb_flow_session(const mcx_mb_options *o, mcx_mb_client *u, mcx_report *rep);

#endif
