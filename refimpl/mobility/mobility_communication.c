/*
 * mobility_communication.c -- the `communication` resource family:
 * startMessaging (messagingInvitations), accept and decline, conversations
 * with two or more participants, sendMessage, stopMessaging, adding a
 * participant, and what each participant's event channel is told.
 *
 * Owns: invitations and conversations (their life and JSON), the events of
 * the communication sender, message delivery. Does not own: the tables they
 * live in (mobility_store.c), the channel itself (mobility_events.c).
 *
 * Choices (refimpl/MOBILITY.md "Messaging"): an invitation goes to every
 * available application of the receiver, the first to accept joins; a
 * receiver with none gets the sender a Failure at once (Gone /
 * TemporarilyUnavailable); messages are not stored after delivery (the
 * events carry them), so memory does not grow with a conversation's length.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mobility.h"

#define MAX_MESSAGE_BYTES 16384

json_t *mob_communication_json(mob_ctx *c)
{
    json_t *links = json_object();
    json_object_set_new(links, "self", mob_link(c->app, "/communication"));
    json_object_set_new(links, "startMessaging", mob_link(c->app, "/communication/messagingInvitations"));
    json_object_set_new(links, "conversations", mob_link(c->app, "/communication/conversations"));
    return json_pack("{s:[s], s:[s,s], s:o, s:s}", "supportedModalities", "Messaging",
                     "supportedMessageFormats", "Plain", "Html", "_links", links, "rel",
                     "communication");
}

/* "data:text/plain;charset=utf-8,<percent-encoded text>" (malloc'd). */
static char *data_uri(const char *type, const char *text, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t cap = strlen(type) + 32 + 3 * len;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t n = (size_t)snprintf(out, cap, "data:%s;charset=utf-8,", type);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            out[n++] = (char)ch;
        } else {
            out[n++] = '%';
            out[n++] = hex[ch >> 4];
            out[n++] = hex[ch & 15];
        }
    }
    out[n] = '\0';
    return out;
}

static void conv_suffix(char *out, size_t len, const mob_conv *cv, const char *tail)
{
    snprintf(out, len, "/communication/conversations/%s%s", cv->id, tail ? tail : "");
}

static json_t *conversation_json(const mob_app *a, const mob_conv *cv)
{
    char s[512], m[512], p[512];
    conv_suffix(s, sizeof(s), cv, NULL);
    conv_suffix(m, sizeof(m), cv, "/messaging");
    conv_suffix(p, sizeof(p), cv, "/participants");
    json_t *parts = json_array();
    for (size_t i = 0; i < cv->nmembers; i++) {
        char uri[300];
        snprintf(uri, sizeof(uri), "sip:%s", cv->members[i]->user->uri);
        json_array_append_new(parts, json_string(uri));
    }
    return json_pack("{s:s, s:s, s:s, s:I, s:o, s:{s:o, s:o, s:o}, s:s}", "id", cv->id, "state",
                     cv->active ? "Connected" : "Disconnected", "subject",
                     cv->subject ? cv->subject : "", "participantCount", (json_int_t)cv->nmembers,
                     "participants", parts, "_links", "self", mob_link(a, s), "messaging", mob_link(a, m),
                     "addParticipant", mob_link(a, p), "rel", "conversation");
}

static json_t *messaging_json(const mob_app *a, const mob_conv *cv)
{
    char s[512], send[512], stop[512];
    conv_suffix(s, sizeof(s), cv, "/messaging");
    conv_suffix(send, sizeof(send), cv, "/messaging/messages");
    conv_suffix(stop, sizeof(stop), cv, "/messaging/terminate");
    return json_pack("{s:s, s:{s:o, s:o, s:o}, s:s}", "state",
                     cv->active ? "Connected" : "Disconnected", "_links", "self", mob_link(a, s),
                     "sendMessage", mob_link(a, send), "stopMessaging", mob_link(a, stop), "rel",
                     "messaging");
}

static void push_comm(mob_ctx *c, mob_app *a, const char *rel, const char *suffix,
                      const char *title, const char *type, json_t *embedded)
{
    char href[1024];
    mob_href_buf(href, sizeof(href), a, suffix);
    mob_event_push(c->m, a, MOB_SENDER_COMMUNICATION, MOB_CLASS_REALTIME, c->now,
                   mob_event_new(rel, href, title, type, embedded));
}

/* Tell `a` it joined (or sees) `cv`: conversation added, messaging updated. */
static void tell_joined(mob_ctx *c, mob_app *a, mob_conv *cv)
{
    char s[512], m[512];
    conv_suffix(s, sizeof(s), cv, NULL);
    conv_suffix(m, sizeof(m), cv, "/messaging");
    push_comm(c, a, "conversation", s, NULL, "added", conversation_json(a, cv));
    push_comm(c, a, "messaging", m, NULL, "updated", messaging_json(a, cv));
}

static void tell_left(mob_ctx *c, mob_app *a, mob_conv *cv)
{
    char s[512], m[512];
    conv_suffix(s, sizeof(s), cv, NULL);
    conv_suffix(m, sizeof(m), cv, "/messaging");
    int was = cv->active;
    cv->active = 0;
    push_comm(c, a, "messaging", m, NULL, "updated", messaging_json(a, cv));
    push_comm(c, a, "conversation", s, NULL, "deleted", NULL);
    cv->active = was;
}

static json_t *invitation_json(const mob_app *a, const mob_invite *inv, int incoming,
                               const mcxd_config *cfg)
{
    char s[128], acc[144], dec[144], from[320], to[300], buf[128];
    snprintf(s, sizeof(s), "/communication/messagingInvitations/%s", inv->id);
    snprintf(acc, sizeof(acc), "%s/accept", s);
    snprintf(dec, sizeof(dec), "%s/decline", s);
    snprintf(from, sizeof(from), "/people/%s", inv->from->user->uri);
    snprintf(to, sizeof(to), "sip:%s", inv->to);
    json_t *links = json_object();
    json_object_set_new(links, "self", mob_link(a, s));
    json_t *fl = mob_link(a, from);
    json_object_set_new(fl, "title",
                        json_string(mob_display_name(cfg, inv->from->user->uri, buf, sizeof(buf))));
    json_object_set_new(links, "from", fl);
    if (incoming && !inv->done) {
        json_object_set_new(links, "accept", mob_link(a, acc));
        json_object_set_new(links, "decline", mob_link(a, dec));
    }
    if (inv->message)
        json_object_set_new(links, "message", json_pack("{s:s}", "href", inv->message));
    json_t *j = json_object();
    json_object_set_new(j, "direction", json_string(incoming ? "Incoming" : "Outgoing"));
    json_object_set_new(j, "importance", json_string("Normal"));
    json_object_set_new(j, "state", json_string(inv->done == 0   ? "Connecting"
                                                : inv->done == 1 ? "Connected"
                                                                 : "Failed"));
    json_object_set_new(j, "subject", json_string(inv->subject ? inv->subject : ""));
    json_object_set_new(j, "to", json_string(to));
    if (inv->operation_id)
        json_object_set_new(j, "operationId", json_string(inv->operation_id));
    json_object_set_new(j, "_links", links);
    json_object_set_new(j, "rel", json_string("messagingInvitation"));
    return j;
}

/* The invitation ended for `a`: completed with status (and reason). */
static void tell_completed(mob_ctx *c, mob_app *a, const mob_invite *inv, int incoming,
                           const char *code, const char *subcode)
{
    char s[128];
    snprintf(s, sizeof(s), "/communication/messagingInvitations/%s", inv->id);
    json_t *emb = invitation_json(a, inv, incoming, c->cfg);
    json_t *ev = NULL;
    char href[1024];
    mob_href_buf(href, sizeof(href), a, s);
    ev = mob_event_new("messagingInvitation", href, NULL, "completed", emb);
    if (ev) {
        json_object_set_new(ev, "status", json_string(code ? "Failure" : "Success"));
        if (code)
            json_object_set_new(ev, "reason", json_pack("{s:s, s:s}", "code", code, "subcode", subcode));
    }
    mob_event_push(c->m, a, MOB_SENDER_COMMUNICATION, MOB_CLASS_REALTIME, c->now, ev);
}

/* End an invitation: the sender (unless it is ending, `quiet_sender`) and
 * the still-waiting targets are told. */
static void invite_finish(mob_ctx *c, mob_invite *inv, const char *code, const char *subcode,
                          const mob_app *winner, int quiet_sender)
{
    inv->done = code ? 2 : 1;
    for (size_t i = 0; i < inv->ntargets; i++)
        if (inv->targets[i] != winner)
            tell_completed(c, inv->targets[i], inv, 1, "Gone",
                           code ? "Cancelled" : "AnsweredElsewhere");
    if (!quiet_sender)
        tell_completed(c, inv->from, inv, 0, code, subcode);
    mob_invite_remove(c->m, inv);
}

static int need_available(mob_ctx *c)
{
    if (c->app->available)
        return 1;
    mob_error(c->resp, 409, "Conflict", "NotAvailable", "call makeMeAvailable first");
    return 0;
}

/* startMessaging (cv == NULL) or add a participant to cv. */
static void invite(mob_ctx *c, mob_conv *cv)
{
    if (!need_available(c))
        return;
    json_t *body = mob_body_json(c->req, c->resp);
    if (!body)
        return;
    const char *to_raw = mob_get_str(body, "to");
    char *to = to_raw ? mob_uri_norm(to_raw, strlen(to_raw)) : NULL;
    const char *subject = mob_get_str(body, "subject");
    const char *message = mob_get_str(body, "message");
    const char *opid = mob_get_str(body, "operationId");
    const char *why = !to ? "to must be a SIP URI (sip:user@domain)"
                      : strcmp(to, c->app->user->uri) == 0 ? "to names the sender itself"
                      : subject && strlen(subject) > 256 ? "subject is over 256 bytes"
                      : message && (strncasecmp(message, "data:", 5) != 0 ||
                                    strlen(message) > 3 * MAX_MESSAGE_BYTES)
                          ? "message must be a data: URI of at most 16 KiB"
                      : opid && strlen(opid) > 128 ? "operationId is over 128 bytes"
                                                   : NULL;
    if (why) {
        free(to);
        json_decref(body);
        mob_error(c->resp, 400, "BadRequest", to_raw ? "InvalidParameter" : "MissingParameter", why);
        return;
    }
    mob_invite *inv = calloc(1, sizeof(*inv));
    int failed = !inv || mob_new_id(c->st, inv->id) != 0;
    if (!failed) {
        inv->from = c->app;
        inv->to = to;
        to = NULL;
        inv->conv = cv;
        inv->subject = subject ? strdup(subject) : NULL;
        inv->message = message ? strdup(message) : NULL;
        inv->operation_id = opid ? strdup(opid) : NULL;
        size_t cap = 0;
        failed = mob_ptr_push(&c->m->invites, &c->m->ninvites, &c->m->cinvites, inv) != 0;
        mob_user *ru = failed ? NULL : mob_user_find(c->m, inv->to);
        for (size_t i = 0; ru && !failed && i < ru->napps; i++)
            if (ru->apps[i]->available)
                failed = mob_ptr_push(&inv->targets, &inv->ntargets, &cap, ru->apps[i]) != 0;
    }
    json_decref(body);
    free(to);
    if (failed) {
        if (inv && !mob_invite_find(c->m, inv->id)) {
            free(inv->to);
            free(inv);
        } else if (inv) {
            mob_invite_remove(c->m, inv);
        }
        mob_error(c->resp, 500, "ServiceFailure", "OutOfMemory", NULL);
        return;
    }
    char s[128], href[512];
    snprintf(s, sizeof(s), "/communication/messagingInvitations/%s", inv->id);
    mob_href_buf(href, sizeof(href), c->app, s);
    mob_json(c->resp, 201, invitation_json(c->app, inv, 0, c->cfg));
    (void)mcxd_response_header(c->resp, "Location", href);
    push_comm(c, c->app, "messagingInvitation", s, NULL, "started",
              invitation_json(c->app, inv, 0, c->cfg));
    if (inv->ntargets == 0) {
        int known = mcx_topology_find_user(c->cfg->topo, inv->to) != NULL;
        invite_finish(c, inv, known ? "Gone" : "NotFound",
                      known ? "TemporarilyUnavailable" : "UserNotFound", NULL, 0);
        return;
    }
    for (size_t i = 0; i < inv->ntargets; i++)
        push_comm(c, inv->targets[i], "messagingInvitation", s, NULL, "started",
                  invitation_json(inv->targets[i], inv, 1, c->cfg));
}

static mob_invite *invite_for_target(mob_ctx *c, const char *id)
{
    mob_invite *inv = mob_invite_find(c->m, id);
    for (size_t i = 0; inv && i < inv->ntargets; i++)
        if (inv->targets[i] == c->app)
            return inv;
    return NULL;
}

static void accept_invite(mob_ctx *c, mob_invite *inv)
{
    mob_conv *cv = inv->conv;
    int fresh = !cv;
    if (fresh) {
        cv = calloc(1, sizeof(*cv));
        if (!cv || mob_new_id(c->st, cv->id) != 0 ||
            mob_ptr_push(&cv->members, &cv->nmembers, &cv->cmembers, inv->from) != 0 ||
            mob_ptr_push(&c->m->convs, &c->m->nconvs, &c->m->cconvs, cv) != 0) {
            if (cv)
                free(cv->members);
            free(cv);
            mob_error(c->resp, 500, "ServiceFailure", "OutOfMemory", NULL);
            return;
        }
        cv->subject = inv->subject ? strdup(inv->subject) : NULL;
        cv->active = 1;
    }
    if (mob_ptr_push(&cv->members, &cv->nmembers, &cv->cmembers, c->app) != 0) {
        mob_error(c->resp, 500, "ServiceFailure", "OutOfMemory", NULL);
        return;
    }
    mob_app *from = inv->from;
    tell_completed(c, c->app, inv, 1, NULL, NULL);
    invite_finish(c, inv, NULL, NULL, c->app, 0);
    for (size_t i = 0; i < cv->nmembers; i++) {
        mob_app *a = cv->members[i];
        if (fresh || a == c->app) {
            tell_joined(c, a, cv);
        } else {
            char s[512], uri[320];
            snprintf(uri, sizeof(uri), "/participants/%s", c->app->user->uri);
            conv_suffix(s, sizeof(s), cv, uri);
            push_comm(c, a, "participant", s, c->app->user->uri, "added", NULL);
        }
    }
    (void)from;
    c->resp->status = 204;
}

static void invitation_route(mob_ctx *c, const char *rest, const char *method)
{
    char id[MOB_ID_HEX + 1];
    size_t n = strcspn(rest, "/");
    if (n != MOB_ID_HEX) {
        mob_error(c->resp, 404, "NotFound", "ResourceNotFound", "no such invitation");
        return;
    }
    memcpy(id, rest, n);
    id[n] = '\0';
    const char *sub = rest + n;
    mob_invite *inv = mob_invite_find(c->m, id);
    if (*sub == '\0') {
        int mine = inv && (inv->from == c->app || invite_for_target(c, id));
        if (!mine)
            mob_error(c->resp, 404, "NotFound", "ResourceNotFound",
                      "no such invitation (an answered invitation is gone; its events said how)");
        else if (strcmp(method, "GET") != 0)
            mob_method_not_allowed(c->resp, "GET");
        else
            mob_json(c->resp, 200, invitation_json(c->app, inv, inv->from != c->app, c->cfg));
        return;
    }
    int acc = strcmp(sub, "/accept") == 0, dec = strcmp(sub, "/decline") == 0;
    if (!acc && !dec) {
        mob_error(c->resp, 404, "NotFound", "ResourceNotFound", "no such resource");
        return;
    }
    if (strcmp(method, "POST") != 0) {
        mob_method_not_allowed(c->resp, "POST");
        return;
    }
    inv = invite_for_target(c, id);
    if (!inv) {
        mob_error(c->resp, 404, "NotFound", "ResourceNotFound",
                  "no such invitation for this application (answered elsewhere or cancelled)");
        return;
    }
    if (acc) {
        accept_invite(c, inv);
    } else {
        tell_completed(c, c->app, inv, 1, "Forbidden", "DeclinedByUser");
        mob_ptr_remove((void **)inv->targets, &inv->ntargets, c->app);
        invite_finish(c, inv, "Forbidden", "DeclinedByUser", NULL, 0);
        c->resp->status = 204;
    }
}

/* Strip tags from HTML for the plain form of a message. */
static char *html_to_text(const char *html, size_t len)
{
    char *out = malloc(len + 1);
    size_t n = 0;
    int in_tag = 0;
    for (size_t i = 0; out && i < len; i++) {
        if (html[i] == '<')
            in_tag = 1;
        else if (html[i] == '>')
            in_tag = 0;
        else if (!in_tag)
            out[n++] = html[i];
    }
    if (out)
        out[n] = '\0';
    return out;
}

static void send_message(mob_ctx *c, mob_conv *cv)
{
    const char *ct = mcxd_request_header(c->req, "Content-Type");
    int html = ct && strncasecmp(ct, "text/html", 9) == 0;
    int plain = ct && strncasecmp(ct, "text/plain", 10) == 0;
    if (!html && !plain) {
        mob_error(c->resp, 415, "UnsupportedMediaType", NULL,
                  "sendMessage takes text/plain or text/html (UTF-8)");
        return;
    }
    if (c->req->body_len == 0 || c->req->body_len > MAX_MESSAGE_BYTES) {
        mob_error(c->resp, c->req->body_len ? 413 : 400, c->req->body_len ? "RequestEntityTooLarge" : "BadRequest",
                  c->req->body_len ? NULL : "MissingParameter", "a message is 1 byte to 16 KiB");
        return;
    }
    json_t *probe = json_stringn(c->req->body, c->req->body_len);
    json_decref(probe);
    if (!probe) {
        mob_error(c->resp, 400, "BadRequest", "InvalidParameter", "the message is not UTF-8");
        return;
    }
    char mid[MOB_ID_HEX + 1];
    char *text = html ? html_to_text(c->req->body, c->req->body_len) : NULL;
    char *plain_uri = data_uri("text/plain", html ? text : c->req->body,
                               html ? (text ? strlen(text) : 0) : c->req->body_len);
    char *html_uri = html ? data_uri("text/html", c->req->body, c->req->body_len) : NULL;
    free(text);
    if (!plain_uri || (html && !html_uri) || mob_new_id(c->st, mid) != 0) {
        free(plain_uri);
        free(html_uri);
        mob_error(c->resp, 500, "ServiceFailure", "OutOfMemory", NULL);
        return;
    }
    char msfx[512], stamp[32], buf[128];
    snprintf(msfx, sizeof(msfx), "/communication/conversations/%s/messaging/messages/%s", cv->id, mid);
    struct tm tm;
    gmtime_r(&c->now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    for (size_t i = 0; i < cv->nmembers; i++) {
        mob_app *a = cv->members[i];
        if (a == c->app || (c->cfg->breaks & MCXD_BREAK_MOBILITY_DROP_MESSAGE))
            continue;
        char from[320], conv[512], msg[512];
        snprintf(from, sizeof(from), "/people/%s", c->app->user->uri);
        conv_suffix(conv, sizeof(conv), cv, NULL);
        conv_suffix(msg, sizeof(msg), cv, "/messaging");
        json_t *links = json_object();
        json_object_set_new(links, "self", mob_link(a, msfx));
        json_object_set_new(links, "plainMessage", json_pack("{s:s}", "href", plain_uri));
        if (html_uri)
            json_object_set_new(links, "htmlMessage", json_pack("{s:s}", "href", html_uri));
        json_t *pl = mob_link(a, from);
        json_object_set_new(pl, "title",
                            json_string(mob_display_name(c->cfg, c->app->user->uri, buf, sizeof(buf))));
        json_object_set_new(links, "participant", pl);
        json_object_set_new(links, "messaging", mob_link(a, msg));
        json_t *emb = json_pack("{s:s, s:s, s:o, s:s}", "direction", "Incoming", "timeStamp",
                                stamp, "_links", links, "rel", "message");
        char href[1024];
        mob_href_buf(href, sizeof(href), a, msfx);
        json_t *ev = mob_event_new("message", href, NULL, "added", emb);
        char conv_href[512];
        mob_href_buf(conv_href, sizeof(conv_href), a, conv);
        if (ev)
            json_object_set_new(ev, "in", json_pack("{s:s, s:s}", "rel", "conversation", "href",
                                                     conv_href));
        mob_event_push(c->m, a, MOB_SENDER_COMMUNICATION, MOB_CLASS_REALTIME, c->now, ev);
        c->m->counters.messages_delivered++;
    }
    free(plain_uri);
    free(html_uri);
    char href[1024];
    mob_href_buf(href, sizeof(href), c->app, msfx);
    json_t *ev = mob_event_new("message", href, NULL, "completed", NULL);
    if (ev)
        json_object_set_new(ev, "status", json_string("Success"));
    mob_event_push(c->m, c->app, MOB_SENDER_COMMUNICATION, MOB_CLASS_REALTIME, c->now, ev);
    c->resp->status = 201;
    (void)mcxd_response_header(c->resp, "Location", href);
}

/* `a` leaves `cv`: the others are told; a conversation left with one
 * member ends for it too. */
static void leave(mob_ctx *c, mob_conv *cv, mob_app *a)
{
    mob_ptr_remove((void **)cv->members, &cv->nmembers, a);
    if (c->app == a || a->available)
        tell_left(c, a, cv);
    if (cv->nmembers <= 1) {
        for (size_t i = 0; i < cv->nmembers; i++)
            tell_left(c, cv->members[i], cv);
        mob_conv_remove(c->m, cv);
        return;
    }
    for (size_t i = 0; i < cv->nmembers; i++) {
        char s[512], uri[320];
        snprintf(uri, sizeof(uri), "/participants/%s", a->user->uri);
        conv_suffix(s, sizeof(s), cv, uri);
        push_comm(c, cv->members[i], "participant", s, a->user->uri, "deleted", NULL);
    }
}

static void conversation_route(mob_ctx *c, const char *rest, const char *method)
{
    char id[MOB_ID_HEX + 1];
    size_t n = strcspn(rest, "/");
    mob_conv *cv = NULL;
    if (n == MOB_ID_HEX) {
        memcpy(id, rest, n);
        id[n] = '\0';
        cv = mob_conv_find(c->m, id);
    }
    int member = 0;
    for (size_t i = 0; cv && i < cv->nmembers && !member; i++)
        member = cv->members[i] == c->app;
    if (!member) {
        mob_error(c->resp, 404, "NotFound", "ResourceNotFound", "no such conversation");
        return;
    }
    const char *sub = rest + n;
    int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    if (*sub == '\0' && get) {
        mob_json(c->resp, 200, conversation_json(c->app, cv));
    } else if (strcmp(sub, "/messaging") == 0 && get) {
        mob_json(c->resp, 200, messaging_json(c->app, cv));
    } else if (strcmp(sub, "/messaging/messages") == 0 && post) {
        send_message(c, cv);
    } else if (strcmp(sub, "/messaging/terminate") == 0 && post) {
        leave(c, cv, c->app);
        c->resp->status = 204;
    } else if (strcmp(sub, "/participants") == 0 && post) {
        invite(c, cv);
    } else if (*sub == '\0' || strcmp(sub, "/messaging") == 0) {
        mob_method_not_allowed(c->resp, "GET");
    } else if (strcmp(sub, "/messaging/messages") == 0 || strcmp(sub, "/messaging/terminate") == 0 ||
               strcmp(sub, "/participants") == 0) {
        mob_method_not_allowed(c->resp, "POST");
    } else {
        mob_error(c->resp, 404, "NotFound", "ResourceNotFound", "no such resource");
    }
}

void mob_communication_route(mob_ctx *c, const char *rest)
{
    const char *method = c->req->method ? c->req->method : "";
    if (*rest == '\0') {
        if (strcmp(method, "GET") == 0)
            mob_json(c->resp, 200, mob_communication_json(c));
        else
            mob_method_not_allowed(c->resp, "GET");
    } else if (strcmp(rest, "/messaginginvitations") == 0) {
        if (strcmp(method, "POST") == 0)
            invite(c, NULL);
        else
            mob_method_not_allowed(c->resp, "POST");
    } else if (strncmp(rest, "/messaginginvitations/", 22) == 0) {
        invitation_route(c, rest + 22, method);
    } else if (strcmp(rest, "/conversations") == 0) {
        if (strcmp(method, "GET") != 0) {
            mob_method_not_allowed(c->resp, "GET");
            return;
        }
        json_t *list = json_array();
        for (size_t i = 0; i < c->m->nconvs; i++)
            for (size_t k = 0; k < c->m->convs[i]->nmembers; k++)
                if (c->m->convs[i]->members[k] == c->app)
                    json_array_append_new(list, conversation_json(c->app, c->m->convs[i]));
        mob_json(c->resp, 200, json_pack("{s:{s:o}, s:{s:o}}", "_links", "self",
                                         mob_link(c->app, "/communication/conversations"),
                                         "_embedded", "conversation", list));
    } else if (strncmp(rest, "/conversations/", 15) == 0) {
        conversation_route(c, rest + 15, method);
    } else {
        mob_error(c->resp, 404, "NotFound", "ResourceNotFound", "no such resource below communication");
    }
}

void mob_communication_detach(const mcxd_config *cfg, mcxd_mobility *m, mob_app *a, time_t now)
{
    mob_ctx c = {cfg, NULL, m, NULL, NULL, "", now, a};
    for (size_t i = m->ninvites; i-- > 0;) {
        if (i >= m->ninvites)
            continue;
        mob_invite *inv = m->invites[i];
        if (inv->from == a) {
            invite_finish(&c, inv, "Gone", "Cancelled", NULL, 1);
            continue;
        }
        size_t before = inv->ntargets;
        mob_ptr_remove((void **)inv->targets, &inv->ntargets, a);
        if (before && inv->ntargets == 0)
            invite_finish(&c, inv, "Gone", "TemporarilyUnavailable", NULL, 0);
    }
    for (size_t i = m->nconvs; i-- > 0;) {
        if (i >= m->nconvs)
            continue;
        mob_conv *cv = m->convs[i];
        int member = 0;
        for (size_t k = 0; k < cv->nmembers && !member; k++)
            member = cv->members[k] == a;
        if (member)
            leave(&c, cv, a);
    }
}
