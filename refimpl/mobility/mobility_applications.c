/*
 * mobility_applications.c -- the `applications` resource family: creating
 * an application (the seed's session: "initiate session"), reading it,
 * ending it (DELETE), and the `policies` view.
 *
 * Owns: the application resource's JSON, the device class a UserAgent
 * implies, the per-user application limit. Does not own: the table the
 * application lives in nor its expiry (mobility_store.c), the embedded
 * me/people/communication resources (their own files).
 *
 * Device classes (seed: Capacity Planning for Mobility): Lync 2010 Mobile on
 * iOS and Windows Phone drops its connection when minimised and relies on
 * push (background-enabled); on Android and Nokia it keeps a connection
 * (always-connected). The UserAgent names the platform.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mobility.h"

static mob_device device_of(const char *ua)
{
    static const char *const background[] = {"iphone", "ipad", "ios", "windows phone",
                                             "windowsphone", NULL};
    for (int i = 0; ua && background[i]; i++)
        if (strcasestr(ua, background[i]))
            return MOB_DEVICE_BACKGROUND;
    return MOB_DEVICE_ALWAYS_CONNECTED;
}

static json_t *application_json(mob_ctx *c)
{
    mob_app *a = c->app;
    json_t *links = json_object();
    char events[64];
    snprintf(events, sizeof(events), "/events?ack=%llu", (unsigned long long)a->sent_batch + 1);
    json_object_set_new(links, "self", mob_link(a, ""));
    json_object_set_new(links, "policies", mob_link(a, "/policies"));
    json_object_set_new(links, "batch", mob_link(a, "/batch"));
    json_object_set_new(links, "events", mob_link(a, events));
    json_t *emb = json_object();
    json_object_set_new(emb, "me", mob_me_json(c));
    json_object_set_new(emb, "people", mob_people_json(c));
    json_object_set_new(emb, "communication", mob_communication_json(c));
    json_t *j = json_object();
    json_object_set_new(j, "culture", json_string(a->culture ? a->culture : "en-US"));
    json_object_set_new(j, "userAgent", json_string(a->user_agent ? a->user_agent : ""));
    json_object_set_new(j, "endpointId", json_string(a->endpoint_id ? a->endpoint_id : ""));
    json_object_set_new(j, "deviceClass", json_string(a->device == MOB_DEVICE_BACKGROUND
                                                          ? "backgroundEnabled"
                                                          : "alwaysConnected"));
    json_object_set_new(j, "sessionLifetime", json_integer(mob_lifetime(c->cfg, a)));
    json_object_set_new(j, "_links", links);
    json_object_set_new(j, "_embedded", emb);
    json_object_set_new(j, "rel", json_string("application"));
    return j;
}

/* A string field that must be there, printable, at most `max` bytes. */
static const char *field(mob_ctx *c, json_t *body, const char *name, size_t max, int required)
{
    json_t *v = mob_get(body, name);
    char msg[160];
    if (!v) {
        if (!required)
            return "";
        snprintf(msg, sizeof(msg), "%s is required", name);
        mob_error(c->resp, 400, "BadRequest", "MissingParameter", msg);
        return NULL;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max) {
        snprintf(msg, sizeof(msg), "%s must be a string of 1 to %zu bytes", name, max);
        mob_error(c->resp, 400, "BadRequest", "InvalidParameter", msg);
        return NULL;
    }
    return json_string_value(v);
}

void mob_applications_create(mob_ctx *c, int prefix, const mcx_user *user)
{
    json_t *body = mob_body_json(c->req, c->resp);
    if (!body)
        return;
    const char *ua = field(c, body, "UserAgent", 256, 1);
    const char *ep = ua ? field(c, body, "EndpointId", 128, 1) : NULL;
    const char *culture = ep ? field(c, body, "Culture", 32, 0) : NULL;
    if (!culture) {
        json_decref(body);
        return;
    }
    mob_user *u = mob_user_get(c->m, user->sip_uri);
    if (!u) {
        json_decref(body);
        mob_error(c->resp, 500, "ServiceFailure", "OutOfMemory", NULL);
        return;
    }
    if (u->napps >= MOB_MAX_APPS_PER_USER) {
        json_decref(body);
        mob_error(c->resp, 410, "Gone", "TooManyApplications",
                  "this user has 10 applications: end one (DELETE) first");
        return;
    }
    mob_app *a = calloc(1, sizeof(*a));
    int failed = !a;
    for (int tries = 0; !failed && tries < 8; tries++) {
        failed = mob_new_id(c->st, a->id) != 0;
        if (!failed && !mob_app_find(c->m, a->id))
            break;
    }
    if (!failed) {
        a->prefix = (uint8_t)prefix;
        a->user = u;
        a->device = (uint8_t)device_of(ua);
        a->user_agent = strdup(ua);
        a->endpoint_id = strdup(ep);
        a->culture = strdup(*culture ? culture : "en-US");
        a->created = a->last_activity = a->last_report = c->now;
        a->low = 15;
        a->medium = 5;
        a->timeout = 180;
        a->inactive_timeout = 300;
        failed = !a->user_agent || !a->endpoint_id || !a->culture || mob_app_add(c->m, a) != 0;
    }
    json_decref(body);
    if (failed) {
        if (a) {
            free(a->user_agent);
            free(a->endpoint_id);
            free(a->culture);
            free(a);
        }
        mob_error(c->resp, 500, "ServiceFailure", "OutOfMemory", NULL);
        return;
    }
    mob_schedule(c->m, c->now + mob_lifetime(c->cfg, a));
    c->app = a;
    char href[1024];
    mob_href_buf(href, sizeof(href), a, "");
    mob_json(c->resp, 201, application_json(c));
    (void)mcxd_response_header(c->resp, "Location", href);
}

void mob_application_resource(mob_ctx *c)
{
    const char *method = c->req->method ? c->req->method : "";
    if (strcmp(method, "GET") == 0) {
        mob_json(c->resp, 200, application_json(c));
    } else if (strcmp(method, "DELETE") == 0) {
        mob_app_end(c->cfg, c->m, c->app, 1, c->now);
        c->app = NULL;
        c->resp->status = 204;
    } else {
        mob_method_not_allowed(c->resp, "GET, DELETE");
    }
}

void mob_policies_resource(mob_ctx *c)
{
    if (strcmp(c->req->method ? c->req->method : "", "GET") != 0) {
        mob_method_not_allowed(c->resp, "GET");
        return;
    }
    const mcx_user *u = mcx_topology_find_user(c->cfg->topo, c->app->user->uri);
    json_t *j = json_object();
    json_object_set_new(j, "mobilityEnabled", json_true());
    json_object_set_new(j, "enterpriseVoiceEnabled", json_boolean(u && u->enterprise_voice));
    json_object_set_new(j, "sessionLifetime", json_integer(mob_lifetime(c->cfg, c->app)));
    json_t *links = json_object();
    json_object_set_new(links, "self", mob_link(c->app, "/policies"));
    json_object_set_new(j, "_links", links);
    json_object_set_new(j, "rel", json_string("policies"));
    mob_json(c->resp, 200, j);
}
