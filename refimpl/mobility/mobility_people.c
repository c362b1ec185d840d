/*
 * mobility_people.c -- the `people` resource family: the user's contacts
 * and groups (from the topology's <contact> entries), contact cards and
 * presence, address-book search over the topology's users, and presence
 * subscriptions with their memberships.
 *
 * Owns: what these resources answer; subscription objects and the watcher
 * index of each user record. Does not own: presence state (mobility_me.c,
 * mobility_store.c) nor the events sent on a change (mobility_events.c).
 *
 * Choices (refimpl/MOBILITY.md): a contact's href is A/people/<uri> (bare
 * URI, lower case); creating a subscription queues one contactPresence
 * event per member with its current availability, so a phone learns the
 * state it subscribed to without one GET per contact.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mobility.h"

#define SEARCH_LIMIT_MAX 100

json_t *mob_people_json(mob_ctx *c)
{
    json_t *links = json_object();
    json_object_set_new(links, "self", mob_link(c->app, "/people"));
    json_object_set_new(links, "presenceSubscriptions", mob_link(c->app, "/people/presenceSubscriptions"));
    json_object_set_new(links, "myContacts", mob_link(c->app, "/people/myContacts"));
    json_object_set_new(links, "myGroups", mob_link(c->app, "/people/myGroups"));
    json_object_set_new(links, "search", mob_link(c->app, "/people/search"));
    return json_pack("{s:o, s:s}", "_links", links, "rel", "people");
}

static json_t *contact_json(mob_ctx *c, const char *uri)
{
    const mcx_user *tu = mcx_topology_find_user(c->cfg->topo, uri);
    char buf[128], sfx[320], full[300];
    snprintf(full, sizeof(full), "sip:%s", uri);
    json_t *j = json_object();
    json_object_set_new(j, "uri", json_string(full));
    json_object_set_new(j, "name", json_string(mob_display_name(c->cfg, uri, buf, sizeof(buf))));
    if (tu && tu->title)
        json_object_set_new(j, "title", json_string(tu->title));
    if (tu && tu->department)
        json_object_set_new(j, "department", json_string(tu->department));
    json_object_set_new(j, "sourceNetwork", json_string(tu ? "SameEnterprise" : "Federated"));
    json_t *links = json_object();
    snprintf(sfx, sizeof(sfx), "/people/%s", uri);
    json_object_set_new(links, "self", mob_link(c->app, sfx));
    snprintf(sfx, sizeof(sfx), "/people/%s/presence", uri);
    json_object_set_new(links, "contactPresence", mob_link(c->app, sfx));
    json_object_set_new(j, "_links", links);
    json_object_set_new(j, "rel", json_string("contact"));
    return j;
}

static json_t *contact_list(mob_ctx *c, const char *self_suffix, json_t *contacts)
{
    json_t *emb = json_pack("{s:o}", "contact", contacts);
    return json_pack("{s:{s:o}, s:o}", "_links", "self", mob_link(c->app, self_suffix), "_embedded",
                     emb);
}

/* The topology's groups of this user, in order of first appearance; the
 * group number n is 1-based. */
static const char *group_name(const mcx_user *u, size_t n)
{
    size_t seen = 0;
    for (size_t i = 0; u && i < u->ncontacts; i++) {
        int first = 1;
        for (size_t k = 0; k < i && first; k++)
            first = strcmp(u->contacts[k].group, u->contacts[i].group) != 0;
        if (first && ++seen == n)
            return u->contacts[i].group;
    }
    return NULL;
}

static void my_groups(mob_ctx *c, const mcx_user *u)
{
    json_t *groups = json_array();
    const char *name;
    for (size_t n = 1; (name = group_name(u, n)) != NULL; n++) {
        char sfx[64], csfx[80];
        snprintf(sfx, sizeof(sfx), "/people/groups/%zu", n);
        snprintf(csfx, sizeof(csfx), "%s/contacts", sfx);
        json_array_append_new(groups, json_pack("{s:s, s:s, s:{s:o, s:o}}", "id",
                                                sfx + strlen("/people/groups/"), "name", name,
                                                "_links", "self", mob_link(c->app, sfx),
                                                "groupContacts", mob_link(c->app, csfx)));
    }
    mob_json(c->resp, 200,
             json_pack("{s:{s:o}, s:{s:o}}", "_links", "self", mob_link(c->app, "/people/myGroups"),
                       "_embedded", "group", groups));
}

static void group_route(mob_ctx *c, const mcx_user *u, const char *rest)
{
    char *end = NULL;
    unsigned long n = strtoul(rest, &end, 10);
    const char *name = end != rest && n > 0 ? group_name(u, n) : NULL;
    if (!name || (*end != '\0' && strcmp(end, "/contacts") != 0)) {
        mob_error(c->resp, 404, "NotFound", "ResourceNotFound", "no such group");
        return;
    }
    char sfx[80];
    snprintf(sfx, sizeof(sfx), "/people/groups/%lu", n);
    if (*end == '\0') {
        mob_json(c->resp, 200, json_pack("{s:s, s:s, s:{s:o}}", "id", sfx + 15, "name", name,
                                         "_links", "self", mob_link(c->app, sfx)));
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < u->ncontacts; i++)
        if (strcmp(u->contacts[i].group, name) == 0)
            json_array_append_new(list, contact_json(c, u->contacts[i].sip_uri));
    strcat(sfx, "/contacts");
    mob_json(c->resp, 200, contact_list(c, sfx, list));
}

/* A query parameter's raw value (not decoded) into out; 0 found. */
static int query_value(const char *query, const char *name, char *out, size_t len)
{
    size_t nl = strlen(name);
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t l = amp ? (size_t)(amp - p) : strlen(p);
        if (l > nl && strncasecmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t vl = l - nl - 1;
            if (vl >= len)
                return -1;
            memcpy(out, p + nl + 1, vl);
            out[vl] = '\0';
            return 0;
        }
        p = amp ? amp + 1 : NULL;
    }
    return -1;
}

static void search(mob_ctx *c)
{
    char raw[300], lim[16];
    char *q = NULL;
    if (query_value(c->query, "query", raw, sizeof(raw)) == 0) {
        for (char *p = raw; *p; p++)
            if (*p == '+')
                *p = ' ';
        /* decode with the URI helper's rules, minus the '@' requirement */
        q = strdup(raw);
        size_t n = 0;
        for (size_t i = 0; q && q[i]; i++) {
            if (q[i] == '%' && q[i + 1] && q[i + 2]) {
                char hex[3] = {q[i + 1], q[i + 2], 0};
                q[n++] = (char)strtol(hex, NULL, 16);
                i += 2;
            } else {
                q[n++] = q[i];
            }
        }
        if (q)
            q[n] = '\0';
    }
    if (!q || !*q) {
        free(q);
        mob_error(c->resp, 400, "BadRequest", "MissingParameter", "search needs query=TEXT");
        return;
    }
    long limit = 25;
    if (query_value(c->query, "limit", lim, sizeof(lim)) == 0) {
        char *end;
        limit = strtol(lim, &end, 10);
        if (*end || limit < 1 || limit > SEARCH_LIMIT_MAX) {
            free(q);
            mob_error(c->resp, 400, "BadRequest", "InvalidParameter", "limit is 1 to 100");
            return;
        }
    }
    json_t *list = json_array();
    long found = 0;
    int more = 0;
    for (size_t i = 0; i < c->cfg->topo->nusers; i++) {
        const mcx_user *u = &c->cfg->topo->users[i];
        if (!strcasestr(u->sip_uri, q) && !(u->display_name && strcasestr(u->display_name, q)))
            continue;
        if (found == limit) {
            more = 1;
            break;
        }
        json_array_append_new(list, contact_json(c, u->sip_uri));
        found++;
    }
    free(q);
    json_t *j = contact_list(c, "/people/search", list);
    json_object_set_new(j, "moreResultsAvailable", json_boolean(more));
    mob_json(c->resp, 200, j);
}

/* ---- presence subscriptions ------------------------------------------------- */

static mob_sub *sub_find(mob_app *a, const char *id)
{
    for (mob_sub *s = a->subs; s; s = s->next)
        if (strcasecmp(s->id, id) == 0)
            return s;
    return NULL;
}

static int app_has_members(const mob_app *a)
{
    for (const mob_sub *s = a->subs; s; s = s->next)
        if (s->nmembers)
            return 1;
    return 0;
}

static json_t *sub_json(mob_ctx *c, const mob_sub *s)
{
    char sfx[96], msfx[112];
    snprintf(sfx, sizeof(sfx), "/people/presenceSubscriptions/%s", s->id);
    snprintf(msfx, sizeof(msfx), "%s/memberships", sfx);
    json_t *members = json_array();
    for (size_t i = 0; i < s->nmembers; i++) {
        char uri[300];
        snprintf(uri, sizeof(uri), "sip:%s", s->members[i]->uri);
        json_array_append_new(members, json_string(uri));
    }
    return json_pack("{s:s, s:o, s:{s:o, s:o}, s:s}", "id", s->id, "uris", members, "_links",
                     "self", mob_link(c->app, sfx), "memberships", mob_link(c->app, msfx), "rel",
                     "presenceSubscription");
}

/* Add the URIs of a {"uris":[...]} body to `s`; -1 with the 400 answered. */
static int add_members(mob_ctx *c, mob_sub *s, json_t *body)
{
    json_t *uris = mob_get(body, "uris");
    if (!json_is_array(uris) || json_array_size(uris) == 0 || json_array_size(uris) > 1000) {
        mob_error(c->resp, 400, "BadRequest", "InvalidParameter",
                  "uris must be an array of 1 to 1000 SIP URIs");
        return -1;
    }
    size_t i;
    json_t *v;
    json_array_foreach(uris, i, v) {
        const char *raw = json_string_value(v);
        char *uri = raw ? mob_uri_norm(raw, strlen(raw)) : NULL;
        if (!uri) {
            char msg[96];
            snprintf(msg, sizeof(msg), "uris[%zu] is not a SIP URI (user@domain)", i);
            mob_error(c->resp, 400, "BadRequest", "InvalidParameter", msg);
            return -1;
        }
        mob_user *u = mob_user_get(c->m, uri);
        free(uri);
        if (!u)
            return -1;
        int dup = 0;
        for (size_t k = 0; k < s->nmembers && !dup; k++)
            dup = s->members[k] == u;
        if (dup)
            continue;
        if (mob_ptr_push(&s->members, &s->nmembers, &s->cmembers, u) != 0 ||
            mob_ptr_push(&u->watchers, &u->nwatchers, &u->cwatchers, s) != 0) {
            mob_error(c->resp, 500, "ServiceFailure", "OutOfMemory", NULL);
            return -1;
        }
        char sfx[320], href[512];
        snprintf(sfx, sizeof(sfx), "/people/%s/presence", u->uri);
        mob_href_buf(href, sizeof(href), c->app, sfx);
        mob_event_push(c->m, c->app, MOB_SENDER_PEOPLE, MOB_CLASS_LOW, c->now,
                       mob_event_new("contactPresence", href, u->uri, "updated",
                                     mob_presence_json(c->app, u, sfx)));
    }
    return 0;
}

static void remove_member(mcxd_mobility *m, mob_sub *s, mob_user *u)
{
    (void)m;
    mob_ptr_remove((void **)s->members, &s->nmembers, u);
    mob_ptr_remove((void **)u->watchers, &u->nwatchers, s);
}

static void subscriptions_create(mob_ctx *c)
{
    json_t *body = mob_body_json(c->req, c->resp);
    if (!body)
        return;
    mob_sub *s = calloc(1, sizeof(*s));
    if (!s || mob_new_id(c->st, s->id) != 0) {
        free(s);
        json_decref(body);
        mob_error(c->resp, 500, "ServiceFailure", "OutOfMemory", NULL);
        return;
    }
    int had = app_has_members(c->app);
    s->app = c->app;
    s->next = c->app->subs;
    c->app->subs = s;
    if (add_members(c, s, body) != 0) {
        c->app->subs = s->next;
        while (s->nmembers)
            remove_member(c->m, s, s->members[s->nmembers - 1]);
        free(s->members);
        free(s);
        json_decref(body);
        return;
    }
    json_decref(body);
    if (!had)
        c->m->counters.sessions_with_subscriptions++;
    char sfx[96], href[512];
    snprintf(sfx, sizeof(sfx), "/people/presenceSubscriptions/%s", s->id);
    mob_href_buf(href, sizeof(href), c->app, sfx);
    mob_json(c->resp, 201, sub_json(c, s));
    (void)mcxd_response_header(c->resp, "Location", href);
}

static void subscription_route(mob_ctx *c, const char *rest, const char *method)
{
    char id[MOB_ID_HEX + 1];
    size_t n = strcspn(rest, "/");
    mob_sub *s = NULL;
    if (n == MOB_ID_HEX) {
        memcpy(id, rest, n);
        id[n] = '\0';
        s = sub_find(c->app, id);
    }
    if (!s) {
        mob_error(c->resp, 404, "NotFound", "ResourceNotFound", "no such presence subscription");
        return;
    }
    const char *sub = rest + n;
    int had = app_has_members(c->app);
    if (*sub == '\0') {
        if (strcmp(method, "GET") == 0) {
            mob_json(c->resp, 200, sub_json(c, s));
            return;
        }
        if (strcmp(method, "DELETE") != 0) {
            mob_method_not_allowed(c->resp, "GET, DELETE");
            return;
        }
        while (s->nmembers)
            remove_member(c->m, s, s->members[s->nmembers - 1]);
        for (mob_sub **pp = &c->app->subs; *pp; pp = &(*pp)->next)
            if (*pp == s) {
                *pp = s->next;
                break;
            }
        free(s->members);
        free(s);
        c->resp->status = 204;
    } else if (strcmp(sub, "/memberships") == 0) {
        if (strcmp(method, "GET") == 0) {
            mob_json(c->resp, 200, sub_json(c, s));
            return;
        }
        if (strcmp(method, "POST") != 0) {
            mob_method_not_allowed(c->resp, "GET, POST");
            return;
        }
        json_t *body = mob_body_json(c->req, c->resp);
        if (!body)
            return;
        int rc = add_members(c, s, body);
        json_decref(body);
        if (rc == 0)
            c->resp->status = 204;
    } else if (strncmp(sub, "/memberships/", 13) == 0) {
        if (strcmp(method, "DELETE") != 0) {
            mob_method_not_allowed(c->resp, "DELETE");
            return;
        }
        char *uri = mob_uri_norm(sub + 13, strlen(sub + 13));
        mob_user *u = uri ? mob_user_find(c->m, uri) : NULL;
        free(uri);
        int member = 0;
        for (size_t i = 0; u && i < s->nmembers && !member; i++)
            member = s->members[i] == u;
        if (!member) {
            mob_error(c->resp, 404, "NotFound", "ResourceNotFound", "not a member of this subscription");
            return;
        }
        remove_member(c->m, s, u);
        c->resp->status = 204;
    } else {
        mob_error(c->resp, 404, "NotFound", "ResourceNotFound", "no such resource");
        return;
    }
    if (had && !app_has_members(c->app))
        c->m->counters.sessions_with_subscriptions--;
}

/* A/people/<uri>[/presence]. */
static void contact_route(mob_ctx *c, const char *rest, const char *method)
{
    size_t n = strcspn(rest, "/");
    char *uri = mob_uri_norm(rest, n);
    const char *sub = rest + n;
    if (!uri || (*sub && strcmp(sub, "/presence") != 0)) {
        free(uri);
        mob_error(c->resp, 404, "NotFound", "ResourceNotFound", "no such resource below people");
        return;
    }
    if (strcmp(method, "GET") != 0) {
        free(uri);
        mob_method_not_allowed(c->resp, "GET");
        return;
    }
    if (*sub == '\0') {
        mob_json(c->resp, 200, contact_json(c, uri));
    } else {
        char sfx[320];
        snprintf(sfx, sizeof(sfx), "/people/%s/presence", uri);
        mob_user none = {0};
        mob_user *u = mob_user_find(c->m, uri);
        json_t *j = mob_presence_json(c->app, u ? u : &none, sfx);
        mob_json(c->resp, 200, j);
    }
    free(uri);
}

void mob_people_route(mob_ctx *c, const char *rest)
{
    const char *method = c->req->method ? c->req->method : "";
    int get = strcmp(method, "GET") == 0;
    const mcx_user *tu = mcx_topology_find_user(c->cfg->topo, c->app->user->uri);
    if (*rest == '\0') {
        if (get)
            mob_json(c->resp, 200, mob_people_json(c));
        else
            mob_method_not_allowed(c->resp, "GET");
    } else if (strcmp(rest, "/mycontacts") == 0 || strcmp(rest, "/mygroups") == 0 ||
               strncmp(rest, "/groups/", 8) == 0 || strcmp(rest, "/search") == 0) {
        if (!get) {
            mob_method_not_allowed(c->resp, "GET");
        } else if (strcmp(rest, "/mycontacts") == 0) {
            json_t *list = json_array();
            for (size_t i = 0; tu && i < tu->ncontacts; i++)
                json_array_append_new(list, contact_json(c, tu->contacts[i].sip_uri));
            mob_json(c->resp, 200, contact_list(c, "/people/myContacts", list));
        } else if (strcmp(rest, "/mygroups") == 0) {
            my_groups(c, tu);
        } else if (strcmp(rest, "/search") == 0) {
            search(c);
        } else {
            group_route(c, tu, rest + 8);
        }
    } else if (strcmp(rest, "/presencesubscriptions") == 0) {
        if (strcmp(method, "POST") == 0) {
            subscriptions_create(c);
        } else if (get) {
            json_t *list = json_array();
            for (mob_sub *s = c->app->subs; s; s = s->next)
                json_array_append_new(list, sub_json(c, s));
            mob_json(c->resp, 200, json_pack("{s:{s:o}, s:{s:o}}", "_links", "self",
                                             mob_link(c->app, "/people/presenceSubscriptions"),
                                             "_embedded", "presenceSubscription", list));
        } else {
            mob_method_not_allowed(c->resp, "GET, POST");
        }
    } else if (strncmp(rest, "/presencesubscriptions/", 23) == 0) {
        subscription_route(c, rest + 23, method);
    } else {
        contact_route(c, rest + 1, method);
    }
}
