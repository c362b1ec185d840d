/*
 * mobility.h -- the Mobility Service of mcxd (UCWA subset under the Mcx and
 * Ucwa URLs; design and every wire choice in refimpl/MOBILITY.md).
 *
 * Owns: the interface between mcxd's dispatcher/front end and the Mobility
 * Service, and the internal model shared by the files of refimpl/mobility/:
 * applications (sessions), users' presence, presence subscriptions,
 * invitations, conversations and the event channel.
 * Files: mobility_store.c (the one owner of session state: tables, ids,
 * lifetimes, expiry, counters), mobility_events.c (event queue, batches,
 * parked P-GETs), mobility_dispatch.c (routing, authentication, bodies,
 * errors), mobility_applications.c, mobility_me.c, mobility_people.c,
 * mobility_communication.c (one resource family each).
 * Does not own: sockets (server_listen.c), tokens (auth_*.c), the topology.
 */
#ifndef MCXD_MOBILITY_H
#define MCXD_MOBILITY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>

#include "mcxd_http.h"

typedef struct mcxd_mobility mcxd_mobility;

/* ---- Interface to mcxd (dispatch, front end, main) ----------------------- */

mcxd_mobility *mcxd_mobility_new(void);
/* Frees everything; parked P-GETs are dropped without a completion call. */
void mcxd_mobility_free(mcxd_mobility *m);

/* 1 if the lower-cased path (no query) belongs to the Mobility Service. */
int mcxd_mobility_owns_path(const char *lpath);

/* Serve one request. May leave the response parked (resp->parked = 1): it
 * is then completed later through mcxd_mobility_drain(). `base` is
 * "https://<host>" of the listener (for the 401 challenge). The response is
 * finished (standard headers) by the caller. */
void mcxd_mobility_handle(const mcxd_config *cfg, mcxd_state *st, const mcxd_request *req,
                          const char *lpath, const char *query, const char *base,
                          time_t now, mcxd_response *resp, const char **ctype);

/* Completion of a parked request: `handle` is the request's park_handle;
 * `resp` is complete (standard headers included) and owned by the callee
 * only for the duration of the call. */
typedef void (*mcxd_park_done)(void *ctx, void *handle, mcxd_response *resp);

/* Complete every parked P-GET that can be answered at `now` (events ready,
 * timeout passed, replaced by a newer one), expire idle applications and
 * degrade presence. Call after every request and on a timer. */
void mcxd_mobility_drain(const mcxd_config *cfg, mcxd_state *st, time_t now,
                         mcxd_park_done done, void *ctx);

/* Counters the seed's Monitoring Mobility section names (subset kept now;
 * the operations work exposes them). */
typedef struct mcxd_mobility_counters {
    uint64_t sessions_initiated;          /* applications created */
    uint64_t sessions_terminated_by_user; /* DELETE */
    uint64_t sessions_idle_timeout;       /* expired */
    uint64_t sessions_active;             /* current */
    uint64_t sessions_with_subscriptions; /* current, with >= 1 member */
    uint64_t pgets_active;                /* parked now */
    uint64_t pgets_timed_out;
    uint64_t requests_received;
    uint64_t requests_succeeded;          /* answered < 400 */
    uint64_t requests_rejected;           /* 401, 403, 413, 429, 503: refused */
    uint64_t requests_failed;             /* any other >= 400 */
    uint64_t sessions_ended;              /* by user or idle timeout */
    uint64_t session_lifetime_ms_total;   /* sum over ended sessions */
    uint64_t messages_delivered;
    uint64_t events_resync;
} mcxd_mobility_counters;
const mcxd_mobility_counters *mcxd_mobility_get_counters(const mcxd_state *st);
/* Bytes the store holds for its applications, subscriptions, events and
 * conversations (its own accounting, for the memory benchmark). */
size_t mcxd_mobility_bytes(const mcxd_state *st);

/* ---- Internal model (refimpl/mobility/ only) ------------------------------ */

#define MOB_MAX_APPS_PER_USER 10
#define MOB_REQUEST_QUEUE_LIMIT 5000 /* the seed's requestQueueLimit */
#define MOB_MAX_PENDING_EVENTS 1024
#define MOB_EXPIRED_MEMORY 1024
#define MOB_MAX_BODY 65536
#define MOB_ID_HEX 16 /* application/conversation ids: 16 hex digits */

typedef enum { MOB_SENDER_ME = 0, MOB_SENDER_PEOPLE, MOB_SENDER_COMMUNICATION, MOB_NSENDERS } mob_sender;
typedef enum { MOB_CLASS_REALTIME = 0, MOB_CLASS_MEDIUM, MOB_CLASS_LOW } mob_class;
typedef enum { MOB_DEVICE_ALWAYS_CONNECTED = 0, MOB_DEVICE_BACKGROUND } mob_device;

typedef enum {
    MOB_AVAIL_OFFLINE = 0,
    MOB_AVAIL_ONLINE,
    MOB_AVAIL_BUSY,
    MOB_AVAIL_DND,
    MOB_AVAIL_BRB,
    MOB_AVAIL_AWAY
} mob_availability;

typedef struct mob_event {
    struct mob_event *next;
    uint8_t sender;      /* mob_sender */
    uint8_t klass;       /* mob_class */
    time_t at;
    size_t len;
    char *json;          /* {"link":..., "_embedded":..., "in":..., "type":...},
                            rendered when queued: text costs a fraction of a tree */
} mob_event;

typedef struct mob_app mob_app;
typedef struct mob_user mob_user;
typedef struct mob_sub mob_sub;
typedef struct mob_conv mob_conv;
typedef struct mob_invite mob_invite;

/* Presence of one SIP user as the Mobility Service knows it (created on
 * first use, for topology users and federated contacts alike). */
struct mob_user {
    char *uri;                 /* lower-cased, no "sip:" */
    mob_availability set;      /* last availability set by an application */
    int degraded;              /* Online degraded to Away by inactivity */
    char *note, *location;
    mob_app **apps;            /* this user's applications */
    size_t napps, capps;
    mob_sub **watchers;        /* subscriptions with this user as member */
    size_t nwatchers, cwatchers;
};

struct mob_sub {
    char id[MOB_ID_HEX + 1];
    mob_app *app;
    mob_user **members;
    size_t nmembers, cmembers;
    mob_sub *next;             /* in app->subs */
};

typedef struct mob_pget {
    void *handle;              /* transport's request; NULL when none */
    uint64_t ack;
    time_t started, deadline;  /* deadline = started + timeout */
} mob_pget;

struct mob_app {
    char id[MOB_ID_HEX + 1];
    uint8_t prefix;            /* index into the served prefixes */
    uint8_t device;            /* mob_device */
    uint8_t available;         /* makeMeAvailable done */
    uint8_t need_resync;
    mob_user *user;
    char *user_agent, *culture, *endpoint_id;
    time_t created, last_activity, last_report;
    int inactive_timeout;      /* seconds, from makeMeAvailable */
    /* event channel */
    mob_event *ev_head, *ev_tail;
    size_t nevents;
    uint64_t sent_batch;       /* number of the last batch formed */
    char *sent_body;           /* its body, kept until acknowledged */
    size_t sent_len;
    int low, medium, timeout, priority;
    mob_pget pget;
    mob_sub *subs;
    unsigned mark;             /* fan-out de-duplication */
    int dirty;                 /* on the drain list */
    mob_app *dirty_next;
};

/* A conversation: its participants' applications (2 or more). */
struct mob_conv {
    char id[MOB_ID_HEX + 1];
    mob_app **members;
    size_t nmembers, cmembers;
    char *subject;
    int active;
};

/* startMessaging or an added participant: one sender, the receiver's
 * available applications at the time. */
struct mob_invite {
    char id[MOB_ID_HEX + 1];
    mob_app *from;
    char *to;                  /* lower-cased receiver URI */
    mob_app **targets;
    size_t ntargets;
    mob_conv *conv;            /* existing conversation (add participant) or NULL */
    char *subject, *message;   /* message: data: URI or NULL */
    char *operation_id;
    int done;                  /* 0 waiting, 1 accepted, 2 failed */
};

/* mobility_store.c */
/* How a parked request that left its application's slot is answered. */
enum { MOB_DONE_ANSWER = 0, MOB_DONE_GONE, MOB_DONE_REPLACED, MOB_DONE_EMPTY };
typedef struct mob_parked_done {
    void *handle;
    int mode;                  /* MOB_DONE_* */
    mob_app *app;              /* NULL once the application ended */
    uint64_t ack;              /* MOB_DONE_EMPTY: the ack it asked for */
} mob_parked_done;

struct mcxd_mobility {
    mob_app **apps;            /* open-addressing table keyed by id */
    size_t apps_cap, napps, apps_tomb;
    mob_user **users;          /* open-addressing table keyed by uri */
    size_t users_cap, nusers;
    mob_conv **convs;
    size_t nconvs, cconvs;
    mob_invite **invites;
    size_t ninvites, cinvites;
    char expired[MOB_EXPIRED_MEMORY][MOB_ID_HEX + 1];
    size_t expired_next;
    mob_app *dirty;            /* apps whose P-GET may complete now */
    mob_parked_done *orphans;  /* parked requests to complete (replaced) */
    size_t norphans, corphans;
    time_t next_due;
    unsigned mark;
    mcxd_mobility_counters counters;
};

mcxd_mobility *mob_of(mcxd_state *st);
/* A fresh id (16 hex digits) from the seeded stream; 0 or -1. */
int mob_new_id(mcxd_state *st, char out[MOB_ID_HEX + 1]);
mob_app *mob_app_find(mcxd_mobility *m, const char *id);
int mob_app_add(mcxd_mobility *m, mob_app *a);
/* End an application: detach it everywhere, tell others, free it.
 * `by_user`: counted as terminated by user (else idle timeout). */
void mob_app_end(const mcxd_config *cfg, mcxd_mobility *m, mob_app *a, int by_user, time_t now);
int mob_was_expired(const mcxd_mobility *m, const char *id);
mob_user *mob_user_get(mcxd_mobility *m, const char *uri); /* created on demand */
mob_user *mob_user_find(mcxd_mobility *m, const char *uri);
/* Lifetime of an application in seconds (topology's McxConfiguration). */
int mob_lifetime(const mcxd_config *cfg, const mob_app *a);
void mob_schedule(mcxd_mobility *m, time_t when);
void mob_conv_remove(mcxd_mobility *m, mob_conv *c);
void mob_invite_remove(mcxd_mobility *m, mob_invite *inv);
mob_conv *mob_conv_find(mcxd_mobility *m, const char *id);
mob_invite *mob_invite_find(mcxd_mobility *m, const char *id);
int mob_ptr_push(void *arrp, size_t *n, size_t *cap, void *item);
/* A newer P-GET took the slot: the old one is answered by the next drain. */
int mob_park_replaced(mcxd_mobility *m, mob_app *a, void *old_handle, int mode, uint64_t ack);
void mob_ptr_remove(void **arr, size_t *n, const void *item);

/* mobility_events.c */
/* Queue an event for `a` (takes the reference of `ev`). */
void mob_event_push(mcxd_mobility *m, mob_app *a, mob_sender s, mob_class k, time_t now,
                    json_t *ev);
/* {"link":{"rel":rel,"href":href[,"title":title]},"type":type} (+ embedded). */
json_t *mob_event_new(const char *rel, const char *href, const char *title, const char *type,
                      json_t *embedded);
void mob_events_clear(mob_app *a);
/* Answer the parked P-GET of `a` now with what is pending (maybe nothing). */
void mob_events_answer(const mcxd_config *cfg, mcxd_state *st, mob_app *a, time_t now,
                       mcxd_response *resp);
/* 200 with no event and a `next` of the same ack (a replaced P-GET under
 * --break mobility-no-pget-replace). */
void mob_events_empty(const mob_app *a, uint64_t ack, mcxd_response *resp);
/* GET A/events. */
void mob_events_get(const mcxd_config *cfg, mcxd_state *st, mob_app *a, const char *query,
                    const mcxd_request *req, time_t now, mcxd_response *resp);
/* Presence of `u` changed: tell every application watching it and the
 * user's own applications. */
void mob_presence_changed(const mcxd_config *cfg, mcxd_mobility *m, mob_user *u, time_t now);

/* mobility_dispatch.c: helpers for the resource files. */
extern const char *const mob_prefixes[];
/* "<prefix>/applications/<id>" + suffix into `out`; 0, or -1 if cut. */
int mob_href_buf(char *out, size_t len, const mob_app *a, const char *suffix);
/* {"href":"<prefix>/applications/<id><suffix>"} */
json_t *mob_link(const mob_app *a, const char *suffix);
void mob_error(mcxd_response *resp, int status, const char *code, const char *subcode,
               const char *message);
/* Set a JSON body (steals `j`); status as given. */
void mob_json(mcxd_response *resp, int status, json_t *j);
/* The request body as a JSON object; on failure answers 400/415 and NULL. */
json_t *mob_body_json(const mcxd_request *req, mcxd_response *resp);
/* Case-insensitive key lookup in a JSON object. */
json_t *mob_get(json_t *obj, const char *key);
const char *mob_get_str(json_t *obj, const char *key);
/* "sip:Bob@X" or "bob%40x" -> "bob@x" lower-cased; NULL if not a SIP URI. */
char *mob_uri_norm(const char *raw, size_t len);
const char *mob_availability_name(mob_availability a);
mob_availability mob_user_availability(const mob_user *u);
/* The user's display name from the topology, else the URI's local part. */
const char *mob_display_name(const mcxd_config *cfg, const char *uri, char *buf, size_t len);
void mob_method_not_allowed(mcxd_response *resp, const char *allow);
/* Count one answer (direct, or a parked one completed) as succeeded,
 * rejected or failed. */
void mob_count_answer(mcxd_mobility *m, int status);
/* Requests current at the request queue limit (the seed's requestQueueLimit,
 * 5,000): answers 503 with Retry-After and returns 1; else 0. */
int mob_overloaded(const mcxd_config *cfg, const mcxd_mobility *m, mcxd_response *resp);

/* Resource families: each handles the path below A ("" = the application). */
typedef struct mob_ctx {
    const mcxd_config *cfg;
    mcxd_state *st;
    mcxd_mobility *m;
    const mcxd_request *req;
    mcxd_response *resp;
    const char *query;
    time_t now;
    mob_app *app;
} mob_ctx;

void mob_applications_create(mob_ctx *c, int prefix, const mcx_user *user);
void mob_application_resource(mob_ctx *c);
void mob_policies_resource(mob_ctx *c);
json_t *mob_me_json(mob_ctx *c);
void mob_me_route(mob_ctx *c, const char *rest);
void mob_people_route(mob_ctx *c, const char *rest);
json_t *mob_people_json(mob_ctx *c);
json_t *mob_presence_json(const mob_app *a, const mob_user *u, const char *self_suffix);
void mob_communication_route(mob_ctx *c, const char *rest);
json_t *mob_communication_json(mob_ctx *c);
/* The application ended: its conversations and invitations let go of it. */
void mob_communication_detach(const mcxd_config *cfg, mcxd_mobility *m, mob_app *a, time_t now);
/* Presence degradation and expiry of one application at `now`. */
void mob_me_tick(const mcxd_config *cfg, mcxd_mobility *m, mob_app *a, time_t now);

#endif
