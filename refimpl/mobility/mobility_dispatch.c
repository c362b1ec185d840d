/*
 * mobility_dispatch.c -- the front door of the Mobility Service: which paths
 * it owns, authentication (web ticket or OAuth bearer, never Basic), finding
 * the application and checking its owner, content negotiation, request body
 * reading, error bodies, and the helpers the resource files share.
 *
 * Does not own: what each resource answers (mobility_applications.c, _me.c,
 * _people.c, _communication.c, _events.c), session state
 * (mobility_store.c), tokens (auth_*.c).
 *
 * Liberal where UCWA servers were (refimpl/MOBILITY.md): JSON keys in any
 * case, a JSON Content-Type on an empty body, parameters after ack=N;
 * strict where the protocol is: a body that is not JSON is 400, an unknown
 * path 404, a wrong method 405 with Allow.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "mobility.h"

#define CT_UCWA "application/vnd.microsoft.com.ucwa+json"
#define CT_JSON "application/json"

const char *const mob_prefixes[] = {"/Mcx/McxService.svc", "/ucwa/v1", "/ucwa/oauth/v1", NULL};

static int prefix_of(const char *lpath, size_t *len)
{
    for (int i = 0; mob_prefixes[i]; i++) {
        size_t n = strlen(mob_prefixes[i]);
        if (strncasecmp(lpath, mob_prefixes[i], n) == 0 && (lpath[n] == '\0' || lpath[n] == '/')) {
            *len = n;
            return i;
        }
    }
    return -1;
}

int mcxd_mobility_owns_path(const char *lpath)
{
    size_t n;
    return lpath && prefix_of(lpath, &n) >= 0;
}

int mob_href_buf(char *out, size_t len, const mob_app *a, const char *suffix)
{
    int n = snprintf(out, len, "%s/applications/%s%s", mob_prefixes[a->prefix], a->id,
                     suffix ? suffix : "");
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

json_t *mob_link(const mob_app *a, const char *suffix)
{
    char href[1024];
    mob_href_buf(href, sizeof(href), a, suffix);
    return json_pack("{s:s}", "href", href);
}

void mob_json(mcxd_response *resp, int status, json_t *j)
{
    resp->status = status;
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    mcxd_response_remove_header(resp, "Content-Type");
    if (!text) {
        resp->status = 500;
        static const char oom[] = "{\"code\":\"ServiceFailure\",\"subcode\":\"OutOfMemory\"}";
        (void)mcxd_response_set_body(resp, oom, sizeof(oom) - 1);
    } else {
        (void)mcxd_response_set_body(resp, text, strlen(text));
        free(text);
    }
    (void)mcxd_response_header(resp, "Content-Type", CT_UCWA);
}

void mob_error(mcxd_response *resp, int status, const char *code, const char *subcode,
               const char *message)
{
    json_t *j = json_object();
    json_object_set_new(j, "code", json_string(code));
    if (subcode)
        json_object_set_new(j, "subcode", json_string(subcode));
    if (message)
        json_object_set_new(j, "message", json_string(message));
    mob_json(resp, status, j);
}

void mob_count_answer(mcxd_mobility *m, int status)
{
    if (status < 400)
        m->counters.requests_succeeded++;
    else if (status == 401 || status == 403 || status == 413 || status == 429 || status == 503)
        m->counters.requests_rejected++;
    else
        m->counters.requests_failed++;
}

int mob_overloaded(const mcxd_config *cfg, const mcxd_mobility *m, mcxd_response *resp)
{
    int limit = cfg->request_queue_limit > 0 ? cfg->request_queue_limit : MOB_REQUEST_QUEUE_LIMIT;
    if (m->counters.pgets_active < (uint64_t)limit)
        return 0;
    char msg[160];
    snprintf(msg, sizeof(msg), "%d requests current (the request queue limit): retry later",
             limit);
    mob_error(resp, 503, "ServiceUnavailable", "RequestQueueFull", msg);
    (void)mcxd_response_header(resp, "Retry-After", "10");
    return 1;
}

void mob_method_not_allowed(mcxd_response *resp, const char *allow)
{
    char msg[96];
    snprintf(msg, sizeof(msg), "allowed: %s", allow);
    mob_error(resp, 405, "MethodNotAllowed", NULL, msg);
    (void)mcxd_response_header(resp, "Allow", allow);
}

json_t *mob_get(json_t *obj, const char *key)
{
    const char *k;
    json_t *v;
    if (!json_is_object(obj))
        return NULL;
    json_object_foreach(obj, k, v) {
        if (strcasecmp(k, key) == 0)
            return v;
    }
    return NULL;
}

const char *mob_get_str(json_t *obj, const char *key)
{
    json_t *v = mob_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int media_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    while (ct && (*ct == ' ' || *ct == '\t'))
        ct++;
    return ct && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

json_t *mob_body_json(const mcxd_request *req, mcxd_response *resp)
{
    if (req->body_len > MOB_MAX_BODY) {
        mob_error(resp, 413, "RequestEntityTooLarge", NULL, "the body is over 64 KiB");
        return NULL;
    }
    const char *ct = mcxd_request_header(req, "Content-Type");
    size_t skip = 0;
    while (skip < req->body_len && isspace((unsigned char)req->body[skip]))
        skip++;
    if (skip == req->body_len)
        return json_object(); /* empty body: liberal, whatever the type */
    if (ct && !media_is(ct, CT_JSON) && !media_is(ct, CT_UCWA) && !media_is(ct, "text/json")) {
        char msg[200];
        snprintf(msg, sizeof(msg), "expected a JSON body (%s or %s), got %.80s", CT_JSON, CT_UCWA, ct);
        mob_error(resp, 415, "UnsupportedMediaType", NULL, msg);
        return NULL;
    }
    json_error_t err;
    json_t *j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
    if (!j) {
        char msg[300];
        snprintf(msg, sizeof(msg), "body is not JSON: byte %d (line %d, column %d): %s",
                 err.position, err.line, err.column, err.text);
        mob_error(resp, 400, "BadRequest", "InvalidJson", msg);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        mob_error(resp, 400, "BadRequest", "InvalidJson", "body must be a JSON object");
        return NULL;
    }
    return j;
}

static int hexv(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *mob_uri_norm(const char *raw, size_t len)
{
    if (!raw || len == 0 || len > 3 * 256)
        return NULL;
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)raw[i];
        if (c == '%' && i + 2 < len + 0 && hexv(raw[i + 1]) >= 0 && hexv(raw[i + 2]) >= 0) {
            c = hexv(raw[i + 1]) * 16 + hexv(raw[i + 2]);
            i += 2;
        }
        out[n++] = (char)tolower(c);
    }
    out[n] = '\0';
    char *p = out;
    if (strncmp(p, "sip:", 4) == 0)
        memmove(p, p + 4, n - 3);
    char *at = strchr(out, '@');
    int bad = !at || at == out || at[1] == '\0' || strchr(at + 1, '@') || strlen(out) > 256;
    for (char *q = out; !bad && *q; q++)
        bad = (unsigned char)*q <= ' ' || *q == '/' || *q == '"' || *q == '\\' || *q == 0x7f;
    if (bad) {
        free(out);
        return NULL;
    }
    return out;
}

const char *mob_availability_name(mob_availability a)
{
    switch (a) {
    case MOB_AVAIL_ONLINE: return "Online";
    case MOB_AVAIL_BUSY: return "Busy";
    case MOB_AVAIL_DND: return "DoNotDisturb";
    case MOB_AVAIL_BRB: return "BeRightBack";
    case MOB_AVAIL_AWAY: return "Away";
    default: return "Offline";
    }
}

mob_availability mob_user_availability(const mob_user *u)
{
    int available = 0;
    for (size_t i = 0; u && i < u->napps; i++)
        available |= u->apps[i]->available;
    if (!available)
        return MOB_AVAIL_OFFLINE;
    if (u->set == MOB_AVAIL_ONLINE && u->degraded)
        return MOB_AVAIL_AWAY;
    return u->set == MOB_AVAIL_OFFLINE ? MOB_AVAIL_ONLINE : u->set;
}

const char *mob_display_name(const mcxd_config *cfg, const char *uri, char *buf, size_t len)
{
    const mcx_user *u = cfg && cfg->topo ? mcx_topology_find_user(cfg->topo, uri) : NULL;
    if (u && u->display_name)
        return u->display_name;
    size_t n = strcspn(uri, "@");
    snprintf(buf, len, "%.*s", (int)n, uri);
    return buf;
}

/* ---- authentication --------------------------------------------------------- */

static void challenge(const mcxd_config *cfg, const char *base, mcxd_response *resp)
{
    char url[1024];
    if (!(cfg->breaks & MCXD_BREAK_NO_401_TICKET_URL)) {
        snprintf(url, sizeof(url), "%s/WebTicket/WebTicketService.svc", base);
        (void)mcxd_response_header(resp, "X-MS-WebTicketURL", url);
    }
    mcxd_auth_oauth_challenge(base, resp);
}

/* The authenticated user, or NULL with the 401 answered. */
static const mcx_user *authenticate(mob_ctx *c, const char *base)
{
    const mcx_user *user = NULL;
    mcxd_auth_result r = MCXD_AUTH_NONE;
    const char *ticket = mcxd_request_header(c->req, "X-MS-WebTicket");
    const char *authz = mcxd_request_header(c->req, "Authorization");
    if (ticket)
        r = mcxd_auth_webticket_verify(c->cfg, c->st, c->req, ticket, c->now, &user);
    else if (authz && strncasecmp(authz, "Bearer", 6) == 0)
        r = mcxd_auth_oauth_verify(c->cfg, c->st, authz, c->now, &user);
    if (r == MCXD_AUTH_OK && user)
        return user;
    if (r == MCXD_AUTH_NONE)
        mob_error(c->resp, 401, "Unauthorized", "NoCredentials",
                  "send the web ticket (X-MS-WebTicket) or an OAuth bearer token");
    else
        mob_error(c->resp, 401, "Unauthorized", "InvalidToken",
                  "the token is expired, forged or not readable: get a new one");
    challenge(c->cfg, base, c->resp);
    return NULL;
}

/* Accept: NULL/any/JSON -> ok; only the XML type -> 406. */
static int acceptable(const mcxd_request *req, int *plain_json)
{
    const char *accept = mcxd_request_header(req, "Accept");
    *plain_json = 0;
    if (!accept || !*accept)
        return 1;
    if (strcasestr(accept, "ucwa+json"))
        return 1;
    if (strcasestr(accept, "application/json")) {
        *plain_json = 1;
        return 1;
    }
    if (strstr(accept, "*/*") || strcasestr(accept, "application/*"))
        return 1;
    return 0;
}

static void route_application(mob_ctx *c, const char *sub)
{
    const char *method = c->req->method ? c->req->method : "";
    if (*sub == '\0') {
        mob_application_resource(c);
    } else if (strncmp(sub, "/me", 3) == 0 && (sub[3] == '\0' || sub[3] == '/')) {
        mob_me_route(c, sub + 3);
    } else if (strncmp(sub, "/people", 7) == 0 && (sub[7] == '\0' || sub[7] == '/')) {
        mob_people_route(c, sub + 7);
    } else if (strncmp(sub, "/communication", 14) == 0 && (sub[14] == '\0' || sub[14] == '/')) {
        mob_communication_route(c, sub + 14);
    } else if (strcmp(sub, "/events") == 0) {
        if (strcmp(method, "GET") != 0)
            mob_method_not_allowed(c->resp, "GET");
        else
            mob_events_get(c->cfg, c->st, c->app, c->query, c->req, c->now, c->resp);
    } else if (strcmp(sub, "/policies") == 0) {
        mob_policies_resource(c);
    } else if (strcmp(sub, "/batch") == 0) {
        mob_error(c->resp, 501, "NotImplemented", "BatchNotSupported",
                  "send the requests one by one (mcxd does not implement batch)");
    } else {
        mob_error(c->resp, 404, "NotFound", "ResourceNotFound", "no such resource");
    }
}

static void serve(mob_ctx *c, int prefix, const char *rest, const char *base)
{
    const char *method = c->req->method ? c->req->method : "";
    if (*rest == '\0' || strcmp(rest, "/") == 0) {
        if (prefix != 0) {
            mob_error(c->resp, 404, "NotFound", "ResourceNotFound", "see .../applications");
        } else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
            mob_method_not_allowed(c->resp, "GET, HEAD");
        } else {
            static const char text[] =
                "Mcx Mobility Service (mcxd): POST .../applications with a web ticket or OAuth token\n";
            c->resp->status = 200;
            (void)mcxd_response_set_body(c->resp, text, sizeof(text) - 1);
            (void)mcxd_response_header(c->resp, "Content-Type", "text/plain; charset=utf-8");
        }
        return;
    }
    if (strncmp(rest, "/applications", 13) != 0 || (rest[13] != '\0' && rest[13] != '/')) {
        mob_error(c->resp, 404, "NotFound", "ResourceNotFound", "no such resource");
        return;
    }
    const char *after = rest + 13;
    if (*after == '\0' || strcmp(after, "/") == 0) {
        if (strcmp(method, "POST") != 0) {
            mob_method_not_allowed(c->resp, "POST");
            return;
        }
        const mcx_user *user = NULL;
        if ((c->cfg->breaks & MCXD_BREAK_MOBILITY_NO_AUTH) && c->cfg->topo->nusers > 0 &&
            !mcxd_request_header(c->req, "Authorization") &&
            !mcxd_request_header(c->req, "X-MS-WebTicket"))
            user = &c->cfg->topo->users[0]; /* deliberate deviation */
        else
            user = authenticate(c, base);
        if (user && !mob_overloaded(c->cfg, c->m, c->resp))
            mob_applications_create(c, prefix, user);
        return;
    }
    const char *id = after + 1;
    size_t idlen = strcspn(id, "/");
    char idbuf[MOB_ID_HEX + 1];
    const mcx_user *user = authenticate(c, base);
    if (!user)
        return;
    if (idlen != MOB_ID_HEX) {
        mob_error(c->resp, 404, "NotFound", "ApplicationNotFound",
                  "no such application: create one with POST .../applications");
        return;
    }
    memcpy(idbuf, id, idlen);
    idbuf[idlen] = '\0';
    c->app = mob_app_find(c->m, idbuf);
    if (!c->app) {
        if (mob_was_expired(c->m, idbuf))
            mob_error(c->resp, 410, "Gone", "InactiveApplicationExpired",
                      "the application expired (no activity for its lifetime): create a new one");
        else
            mob_error(c->resp, 404, "NotFound", "ApplicationNotFound",
                      "no such application: create one with POST .../applications");
        return;
    }
    if (strcasecmp(c->app->user->uri, user->sip_uri) != 0) {
        mob_error(c->resp, 403, "Forbidden", "ApplicationOfAnotherUser",
                  "the token belongs to another user than this application's");
        c->app = NULL;
        return;
    }
    c->app->last_activity = c->now;
    route_application(c, id + idlen);
}

void mcxd_mobility_handle(const mcxd_config *cfg, mcxd_state *st, const mcxd_request *req,
                          const char *lpath, const char *query, const char *base,
                          time_t now, mcxd_response *resp, const char **ctype)
{
    mob_ctx c = {cfg, st, mob_of(st), req, resp, query ? query : "", now, NULL};
    size_t plen = 0;
    int prefix = prefix_of(lpath, &plen);
    int plain_json = 0;
    if (c.m)
        c.m->counters.requests_received++;
    if (!c.m || prefix < 0) {
        mob_error(resp, 500, "ServiceFailure", NULL, "the Mobility Service is not running");
    } else if (!acceptable(req, &plain_json)) {
        mob_error(resp, 406, "NotAcceptable", NULL,
                  "this service answers " CT_UCWA " or " CT_JSON " (no XML)");
    } else {
        serve(&c, prefix, lpath + plen, base);
    }
    if (resp->parked)
        return;
    if (c.m)
        mob_count_answer(c.m, resp->status);
    const char *ct = mcxd_response_get_header(resp, "Content-Type");
    if (plain_json && ct && strcmp(ct, CT_UCWA) == 0) {
        mcxd_response_remove_header(resp, "Content-Type");
        (void)mcxd_response_header(resp, "Content-Type", CT_JSON);
    }
    ct = mcxd_response_get_header(resp, "Content-Type");
    *ctype = ct ? ct : CT_UCWA;
}
