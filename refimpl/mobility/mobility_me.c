/*
 * mobility_me.c -- the `me` resource family: the signed-in user's name and
 * uri, makeMeAvailable, reportMyActivity, own presence, note and location,
 * and presence degradation by inactivity.
 *
 * Owns: what these resources answer and the availability rules. Does not
 * own: who is told of a change (mob_presence_changed, mobility_events.c),
 * the user record (mobility_store.c).
 *
 * Rules (refimpl/MOBILITY.md "Sessions"): makeMeAvailable once per
 * application (409 AlreadyExists after); signInAs one of Online, Busy,
 * DoNotDisturb, BeRightBack, Away (default Online); inactiveTimeout in
 * minutes, 1..60, default 5; an Online user whose applications all report
 * no activity for their inactiveTimeout shows Away until the next activity.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mobility.h"

json_t *mob_me_json(mob_ctx *c)
{
    mob_app *a = c->app;
    char buf[128], uri[300];
    snprintf(uri, sizeof(uri), "sip:%s", a->user->uri);
    json_t *links = json_object();
    json_object_set_new(links, "self", mob_link(a, "/me"));
    if (!a->available) {
        json_object_set_new(links, "makeMeAvailable", mob_link(a, "/me/makeMeAvailable"));
    } else {
        json_object_set_new(links, "presence", mob_link(a, "/me/presence"));
        json_object_set_new(links, "note", mob_link(a, "/me/note"));
        json_object_set_new(links, "location", mob_link(a, "/me/location"));
        json_object_set_new(links, "reportMyActivity", mob_link(a, "/me/reportMyActivity"));
    }
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(mob_display_name(c->cfg, a->user->uri, buf, sizeof(buf))));
    json_object_set_new(j, "uri", json_string(uri));
    json_object_set_new(j, "_links", links);
    json_object_set_new(j, "rel", json_string("me"));
    return j;
}

json_t *mob_presence_json(const mob_app *a, const mob_user *u, const char *self_suffix)
{
    json_t *links = json_object();
    json_object_set_new(links, "self", mob_link(a, self_suffix));
    json_t *j = json_object();
    json_object_set_new(j, "availability", json_string(mob_availability_name(mob_user_availability(u))));
    json_object_set_new(j, "_links", links);
    json_object_set_new(j, "rel", json_string("presence"));
    return j;
}

static int availability_parse(const char *s, mob_availability *out)
{
    static const struct {
        const char *name;
        mob_availability a;
    } names[] = {{"Online", MOB_AVAIL_ONLINE}, {"Busy", MOB_AVAIL_BUSY},
                 {"DoNotDisturb", MOB_AVAIL_DND}, {"BeRightBack", MOB_AVAIL_BRB},
                 {"Away", MOB_AVAIL_AWAY}};
    for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].a;
            return 0;
        }
    return -1;
}

static void make_available(mob_ctx *c)
{
    mob_app *a = c->app;
    if (a->available) {
        mob_error(c->resp, 409, "Conflict", "AlreadyExists", "makeMeAvailable was already done");
        return;
    }
    json_t *body = mob_body_json(c->req, c->resp);
    if (!body)
        return;
    mob_availability av = MOB_AVAIL_ONLINE;
    json_t *sia = mob_get(body, "signInAs");
    json_t *ito = mob_get(body, "inactiveTimeout");
    int bad = (sia && !json_is_null(sia) && availability_parse(json_string_value(sia), &av) != 0) ||
              (ito && (!json_is_integer(ito) || json_integer_value(ito) < 1 ||
                       json_integer_value(ito) > 60));
    if (bad) {
        json_decref(body);
        mob_error(c->resp, 400, "BadRequest", "InvalidParameter",
                  "signInAs is Online, Busy, DoNotDisturb, BeRightBack or Away; "
                  "inactiveTimeout is 1 to 60 minutes");
        return;
    }
    if (ito)
        a->inactive_timeout = (int)json_integer_value(ito) * 60;
    json_decref(body);
    a->available = 1;
    a->last_report = c->now;
    a->user->set = av;
    a->user->degraded = 0;
    char href[1024];
    mob_href_buf(href, sizeof(href), a, "/me");
    mob_event_push(c->m, a, MOB_SENDER_ME, MOB_CLASS_MEDIUM, c->now,
                   mob_event_new("me", href, NULL, "updated", NULL));
    mob_presence_changed(c->cfg, c->m, a->user, c->now);
    mob_schedule(c->m, c->now + a->inactive_timeout);
    c->resp->status = 204;
}

static int need_available(mob_ctx *c)
{
    if (c->app->available)
        return 1;
    mob_error(c->resp, 409, "Conflict", "NotAvailable", "call makeMeAvailable first");
    return 0;
}

static void report_activity(mob_ctx *c)
{
    if (!need_available(c))
        return;
    c->app->last_report = c->now;
    if (c->app->user->degraded) {
        c->app->user->degraded = 0;
        mob_presence_changed(c->cfg, c->m, c->app->user, c->now);
    }
    mob_schedule(c->m, c->now + c->app->inactive_timeout);
    c->resp->status = 204;
}

static void presence(mob_ctx *c, const char *method)
{
    if (!need_available(c))
        return;
    if (strcmp(method, "GET") == 0) {
        mob_json(c->resp, 200, mob_presence_json(c->app, c->app->user, "/me/presence"));
        return;
    }
    json_t *body = mob_body_json(c->req, c->resp);
    if (!body)
        return;
    mob_availability av;
    if (availability_parse(mob_get_str(body, "availability"), &av) != 0) {
        json_decref(body);
        mob_error(c->resp, 400, "BadRequest", "InvalidParameter",
                  "availability is Online, Busy, DoNotDisturb, BeRightBack or Away");
        return;
    }
    json_decref(body);
    c->app->user->set = av;
    c->app->user->degraded = 0;
    c->app->last_report = c->now;
    mob_presence_changed(c->cfg, c->m, c->app->user, c->now);
    c->resp->status = 204;
}

/* note ({"message":...}) and location ({"location":...}). */
static void text_field(mob_ctx *c, const char *method, char **slot, const char *key,
                       const char *suffix)
{
    if (!need_available(c))
        return;
    if (strcmp(method, "GET") == 0) {
        json_t *j = json_object();
        json_object_set_new(j, key, json_string(*slot ? *slot : ""));
        json_object_set_new(j, "_links", json_pack("{s:o}", "self", mob_link(c->app, suffix)));
        mob_json(c->resp, 200, j);
        return;
    }
    json_t *body = mob_body_json(c->req, c->resp);
    if (!body)
        return;
    json_t *v = mob_get(body, key);
    if (!json_is_string(v) || json_string_length(v) > 500) {
        json_decref(body);
        char msg[96];
        snprintf(msg, sizeof(msg), "%s must be a string of at most 500 bytes", key);
        mob_error(c->resp, 400, "BadRequest", "InvalidParameter", msg);
        return;
    }
    char *copy = strdup(json_string_value(v));
    json_decref(body);
    if (!copy) {
        mob_error(c->resp, 500, "ServiceFailure", "OutOfMemory", NULL);
        return;
    }
    free(*slot);
    *slot = copy;
    c->resp->status = 204;
}

void mob_me_route(mob_ctx *c, const char *rest)
{
    const char *method = c->req->method ? c->req->method : "";
    int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    int put = strcmp(method, "PUT") == 0;
    if (*rest == '\0') {
        if (get)
            mob_json(c->resp, 200, mob_me_json(c));
        else
            mob_method_not_allowed(c->resp, "GET");
    } else if (strcmp(rest, "/makemeavailable") == 0) {
        if (post)
            make_available(c);
        else
            mob_method_not_allowed(c->resp, "POST");
    } else if (strcmp(rest, "/reportmyactivity") == 0) {
        if (post)
            report_activity(c);
        else
            mob_method_not_allowed(c->resp, "POST");
    } else if (strcmp(rest, "/presence") == 0) {
        if (get || post)
            presence(c, method);
        else
            mob_method_not_allowed(c->resp, "GET, POST");
    } else if (strcmp(rest, "/note") == 0 || strcmp(rest, "/location") == 0) {
        int note = strcmp(rest, "/note") == 0;
        if (get || put || post)
            text_field(c, method, note ? &c->app->user->note : &c->app->user->location,
                       note ? "message" : "location", note ? "/me/note" : "/me/location");
        else
            mob_method_not_allowed(c->resp, "GET, PUT, POST");
    } else {
        mob_error(c->resp, 404, "NotFound", "ResourceNotFound", "no such resource below me");
    }
}

void mob_me_tick(const mcxd_config *cfg, mcxd_mobility *m, mob_app *a, time_t now)
{
    mob_user *u = a->user;
    if (!a->available || u->degraded || u->set != MOB_AVAIL_ONLINE)
        return;
    time_t latest = 0;
    for (size_t i = 0; i < u->napps; i++) {
        const mob_app *o = u->apps[i];
        if (o->available && o->last_report + o->inactive_timeout > latest)
            latest = o->last_report + o->inactive_timeout;
    }
    if (latest <= now) {
        u->degraded = 1;
        mob_presence_changed(cfg, m, u, now);
    } else {
        mob_schedule(m, latest);
    }
}
