/*
 * mobility_test.h -- the harness the Mobility Service unit tests share:
 * one mcxd state on the embedded deployment at a fixed clock, requests made
 * through mcxd_handle() with no socket, OAuth tokens from the real token
 * endpoint, parked P-GETs collected through mcxd_mobility_drain(), and
 * JSON helpers (jansson) to read responses and events.
 *
 * Owns nothing but test plumbing; every assertion lives in the test files.
 */
#ifndef MCXD_MOBILITY_TEST_H
#define MCXD_MOBILITY_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>

#include "auth.h"
#include "mcx/topology.h"
#include "mcxd_http.h"
#include "mobility/mobility.h"

#define MT_NOW ((time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define MT_HOST "webext01.contoso.test"
#define MT_APPS "/Mcx/McxService.svc/applications"
#define MT_MAX_DONE 16

typedef struct mt_done {
    void *handle;
    int status;
    char *body;
} mt_done;

typedef struct mt {
    mcx_topology *topo;
    mcxd_config cfg;
    mcxd_state *st;
    time_t now;
    mt_done done[MT_MAX_DONE];
    size_t ndone;
} mt;

typedef struct mt_resp {
    int status;
    int parked;
    char *body;
    char location[512];
    char ctype[128];
    char allow[64];
    char www[2][300];
} mt_resp;

static inline mt *mt_new_topo(mcx_topology *t, uint64_t seed)
{
    mt *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->topo = t;
    assert_non_null(t);
    f->cfg.topo = t;
    f->cfg.deterministic = 1;
    f->cfg.fixed_now = MT_NOW;
    f->st = mcxd_state_new(seed, 1);
    assert_non_null(f->st);
    f->now = MT_NOW;
    return f;
}

static inline mt *mt_new(uint64_t seed)
{
    mcx_error err;
    return mt_new_topo(mcx_topology_load_default(&err), seed);
}

static inline void mt_free(mt *f)
{
    for (size_t i = 0; i < f->ndone; i++)
        free(f->done[i].body);
    mcxd_state_free(f->st);
    mcx_topology_free(f->topo);
    free(f);
}

static inline void mt_resp_free(mt_resp *r)
{
    free(r->body);
    memset(r, 0, sizeof(*r));
}

static void mt_on_done(void *ctx, void *handle, mcxd_response *resp)
{
    mt *f = ctx;
    assert_true(f->ndone < MT_MAX_DONE);
    f->done[f->ndone].handle = handle;
    f->done[f->ndone].status = resp->status;
    f->done[f->ndone].body = strndup(resp->body ? resp->body : "", resp->body_len);
    f->ndone++;
}

static inline void mt_drain(mt *f)
{
    mcxd_mobility_drain(&f->cfg, f->st, f->now, mt_on_done, f);
}

/* The completion of the parked request `handle`, taken off the list; NULL
 * if it has not completed. The caller frees ->body. */
static inline int mt_take_done(mt *f, void *handle, mt_done *out)
{
    for (size_t i = 0; i < f->ndone; i++) {
        if (f->done[i].handle == handle) {
            *out = f->done[i];
            memmove(&f->done[i], &f->done[i + 1], (f->ndone - i - 1) * sizeof(f->done[0]));
            f->ndone--;
            return 1;
        }
    }
    return 0;
}

/* One request. `authz`: a full header value ("Bearer cwt=...") or NULL.
 * `park`: the park handle (NULL: the server may not park). */
static inline mt_resp mt_req(mt *f, const char *method, const char *uri, const char *authz,
                             const char *ctype, const char *body, void *park)
{
    mcx_http_header h[4];
    size_t n = 0;
    if (authz)
        h[n++] = (mcx_http_header){"Authorization", (char *)authz};
    if (ctype)
        h[n++] = (mcx_http_header){"Content-Type", (char *)ctype};
    mcxd_request req = {
        .method = method,
        .uri = uri,
        .host = MT_HOST,
        .headers = h,
        .nheaders = n,
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .listener = MCX_ACCESS_EXTERNAL,
        .tls = 1,
        .peer = "127.0.0.1:40000",
        .park_handle = park,
    };
    mcxd_response resp;
    mcxd_handle(&f->cfg, f->st, &req, f->now, &resp);
    mt_resp r;
    memset(&r, 0, sizeof(r));
    r.parked = resp.parked;
    r.status = resp.status;
    r.body = strndup(resp.body ? resp.body : "", resp.body_len);
    size_t nwww = 0;
    for (size_t i = 0; i < resp.nheaders; i++) {
        const char *name = resp.headers[i].name, *v = resp.headers[i].value;
        if (strcasecmp(name, "Location") == 0)
            snprintf(r.location, sizeof(r.location), "%s", v);
        else if (strcasecmp(name, "Content-Type") == 0)
            snprintf(r.ctype, sizeof(r.ctype), "%s", v);
        else if (strcasecmp(name, "Allow") == 0)
            snprintf(r.allow, sizeof(r.allow), "%s", v);
        else if (strcasecmp(name, "WWW-Authenticate") == 0 && nwww < 2)
            snprintf(r.www[nwww++], sizeof(r.www[0]), "%s", v);
    }
    mcxd_response_free(&resp);
    if (!r.parked)
        mt_drain(f);
    return r;
}

/* "Bearer cwt=..." for a user, from the OAuth token endpoint. */
static inline char *mt_token(mt *f, const char *user, const char *password)
{
    char body[256];
    snprintf(body, sizeof(body), "grant_type=password&username=%s&password=%s", user, password);
    mt_resp r = mt_req(f, "POST", "/WebTicket/oauthtoken", NULL,
                       "application/x-www-form-urlencoded", body, NULL);
    assert_int_equal(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    const char *tok = json_string_value(json_object_get(j, "access_token"));
    assert_non_null(tok);
    char *out = malloc(strlen(tok) + 8);
    sprintf(out, "Bearer %s", tok);
    json_decref(j);
    mt_resp_free(&r);
    return out;
}

static inline json_t *mt_json(const char *body)
{
    json_error_t e;
    json_t *j = json_loads(body, 0, &e);
    if (!j)
        fail_msg("not JSON (%s): %.200s", e.text, body);
    return j;
}

/* Create an application; returns its path (malloc'd). */
static inline char *mt_app(mt *f, const char *authz, const char *ua)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"UserAgent\":\"%s\",\"EndpointId\":\"e1\",\"Culture\":\"en-US\"}", ua);
    mt_resp r = mt_req(f, "POST", MT_APPS, authz, "application/json", body, NULL);
    assert_int_equal(r.status, 201);
    char *loc = strdup(r.location);
    mt_resp_free(&r);
    return loc;
}

static inline mt_resp mt_at(mt *f, const char *method, const char *app, const char *suffix,
                            const char *authz, const char *ctype, const char *body, void *park)
{
    char uri[1024];
    snprintf(uri, sizeof(uri), "%s%s", app, suffix);
    return mt_req(f, method, uri, authz, ctype, body, park);
}

static inline void mt_available(mt *f, const char *app, const char *authz)
{
    mt_resp r = mt_at(f, "POST", app, "/me/makeMeAvailable", authz, "application/json", "", NULL);
    assert_int_equal(r.status, 204);
    mt_resp_free(&r);
}

/* The first event of `rel` in a batch (sender any); NULL when none. */
static inline json_t *mt_event(json_t *batch, const char *rel, const char *type)
{
    size_t i, k;
    json_t *s, *e;
    json_array_foreach(json_object_get(batch, "sender"), i, s) {
        json_array_foreach(json_object_get(s, "events"), k, e) {
            const char *r = json_string_value(json_object_get(json_object_get(e, "link"), "rel"));
            const char *t = json_string_value(json_object_get(e, "type"));
            if (r && strcmp(r, rel) == 0 && (!type || (t && strcmp(t, type) == 0)))
                return e;
        }
    }
    return NULL;
}

/* GET events?ack=N answered at once (asserts it did not park). */
static inline json_t *mt_events(mt *f, const char *app, const char *authz, unsigned ack)
{
    char sfx[64];
    snprintf(sfx, sizeof(sfx), "/events?ack=%u", ack);
    mt_resp r = mt_at(f, "GET", app, sfx, authz, NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    json_t *j = mt_json(r.body);
    mt_resp_free(&r);
    return j;
}

#endif
