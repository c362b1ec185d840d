/*
 * test_mobility_api.c -- unit tests of the Mobility Service's resources
 * through mcxd_handle() (no socket): authentication, applications and their
 * limit, me and presence, people (contacts, groups, search, subscriptions),
 * messaging end to end, bad input (JSON, media types, sizes, unknown links,
 * another user's application) and byte-identical responses for one seed.
 * The event channel's timing and session lifetimes are in
 * test_mobility_session.c. Owns nothing but these tests.
 */
#include "mobility_test.h"

static void test_auth_required(void **state)
{
    (void)state;
    mt *f = mt_new(1);
    mt_resp r = mt_req(f, "POST", MT_APPS, NULL, "application/json", "{}", NULL);
    assert_int_equal(r.status, 401);
    int oauth = 0;
    for (int i = 0; i < 2; i++)
        oauth |= strncmp(r.www[i], "MsRtcOAuth href=\"https://" MT_HOST "/WebTicket/oauthtoken\"",
                         strlen("MsRtcOAuth href=\"https://" MT_HOST "/WebTicket/oauthtoken\"")) == 0;
    assert_true(oauth);
    assert_non_null(strstr(r.body, "\"NoCredentials\""));
    mt_resp_free(&r);
    /* forged and Basic are refused */
    r = mt_req(f, "POST", MT_APPS, "Bearer cwt=forged", "application/json", "{}", NULL);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.body, "\"InvalidToken\""));
    mt_resp_free(&r);
    r = mt_req(f, "POST", MT_APPS, "Basic YWxpY2VAY29udG9zby50ZXN0OnNlY3JldA==", "application/json",
               "{}", NULL);
    assert_int_equal(r.status, 401);
    mt_resp_free(&r);
    /* an expired token */
    char *ta = mt_token(f, "alice@contoso.test", "secret");
    f->now += f->topo->oauth_lifetime + 1;
    r = mt_req(f, "POST", MT_APPS, ta, "application/json", "{\"UserAgent\":\"x\",\"EndpointId\":\"1\"}", NULL);
    assert_int_equal(r.status, 401);
    mt_resp_free(&r);
    free(ta);
    mt_free(f);
}

static void test_application_lifecycle(void **state)
{
    (void)state;
    mt *f = mt_new(1);
    char *ta = mt_token(f, "alice@contoso.test", "secret");
    mt_resp r = mt_req(f, "POST", MT_APPS, ta, "application/json",
                       "{\"userAgent\":\"UCWA Android\",\"endpointId\":\"e\",\"culture\":\"de-DE\"}", NULL);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.ctype, "application/vnd.microsoft.com.ucwa+json");
    json_t *j = mt_json(r.body);
    const char *rels[] = {"self", "policies", "batch", "events"};
    for (size_t i = 0; i < 4; i++)
        assert_non_null(json_object_get(json_object_get(j, "_links"), rels[i]));
    const char *emb[] = {"me", "people", "communication"};
    for (size_t i = 0; i < 3; i++)
        assert_non_null(json_object_get(json_object_get(json_object_get(j, "_embedded"), emb[i]), "_links"));
    assert_string_equal(json_string_value(json_object_get(j, "culture")), "de-DE");
    assert_string_equal(json_string_value(json_object_get(j, "deviceClass")), "alwaysConnected");
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(j, "_links"), "self"), "href")),
                        r.location);
    json_decref(j);
    char *app = strdup(r.location);
    mt_resp_free(&r);

    /* missing UserAgent */
    r = mt_req(f, "POST", MT_APPS, ta, "application/json", "{\"EndpointId\":\"e\"}", NULL);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "MissingParameter"));
    mt_resp_free(&r);

    /* 10 per user, the 11th is 410 TooManyApplications */
    for (int i = 1; i < MOB_MAX_APPS_PER_USER; i++)
        free(mt_app(f, ta, "x"));
    r = mt_req(f, "POST", MT_APPS, ta, "application/json", "{\"UserAgent\":\"x\",\"EndpointId\":\"1\"}", NULL);
    assert_int_equal(r.status, 410);
    assert_non_null(strstr(r.body, "TooManyApplications"));
    mt_resp_free(&r);

    /* GET, DELETE (terminated by user), then 404 ApplicationNotFound */
    r = mt_at(f, "GET", app, "", ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    mt_resp_free(&r);
    r = mt_at(f, "PUT", app, "", ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "GET, DELETE");
    mt_resp_free(&r);
    r = mt_at(f, "DELETE", app, "", ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 204);
    assert_string_equal(r.body, "");
    assert_string_equal(r.ctype, "");
    mt_resp_free(&r);
    r = mt_at(f, "GET", app, "/me", ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "ApplicationNotFound"));
    mt_resp_free(&r);
    const mcxd_mobility_counters *c = mcxd_mobility_get_counters(f->st);
    assert_int_equal(c->sessions_initiated, 10);
    assert_int_equal(c->sessions_terminated_by_user, 1);
    assert_int_equal(c->sessions_active, 9);
    free(app);
    free(ta);
    mt_free(f);
}

static void test_other_users_application(void **state)
{
    (void)state;
    mt *f = mt_new(1);
    char *ta = mt_token(f, "alice@contoso.test", "secret");
    char *tb = mt_token(f, "bob@fabrikam.test", "secret2");
    char *app = mt_app(f, ta, "x");
    const char *paths[] = {"", "/me", "/events?ack=1", "/people/myContacts"};
    for (size_t i = 0; i < 4; i++) {
        mt_resp r = mt_at(f, "GET", app, paths[i], tb, NULL, NULL, NULL);
        assert_int_equal(r.status, 403);
        assert_non_null(strstr(r.body, "ApplicationOfAnotherUser"));
        mt_resp_free(&r);
    }
    /* nothing leaked into alice's channel from bob's attempts */
    json_t *b = mt_events(f, app, ta, 1);
    assert_null(mt_event(b, "messagingInvitation", NULL));
    json_decref(b);
    free(app);
    free(ta);
    free(tb);
    mt_free(f);
}

static void test_me_and_presence(void **state)
{
    (void)state;
    mt *f = mt_new(1);
    char *ta = mt_token(f, "alice@contoso.test", "secret");
    char *app = mt_app(f, ta, "x");
    mt_resp r = mt_at(f, "GET", app, "/me", ta, NULL, NULL, NULL);
    json_t *j = mt_json(r.body);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "Alice Anders");
    assert_string_equal(json_string_value(json_object_get(j, "uri")), "sip:alice@contoso.test");
    assert_non_null(json_object_get(json_object_get(j, "_links"), "makeMeAvailable"));
    json_decref(j);
    mt_resp_free(&r);
    /* presence before makeMeAvailable: 409 NotAvailable */
    r = mt_at(f, "GET", app, "/me/presence", ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 409);
    mt_resp_free(&r);
    r = mt_at(f, "POST", app, "/me/makeMeAvailable", ta, "application/json",
              "{\"signInAs\":\"Sleepy\"}", NULL);
    assert_int_equal(r.status, 400);
    mt_resp_free(&r);
    mt_available(f, app, ta);
    r = mt_at(f, "POST", app, "/me/makeMeAvailable", ta, "application/json", "{}", NULL);
    assert_int_equal(r.status, 409);
    assert_non_null(strstr(r.body, "AlreadyExists"));
    mt_resp_free(&r);
    r = mt_at(f, "POST", app, "/me/presence", ta, "application/json", "{\"Availability\":\"DoNotDisturb\"}", NULL);
    assert_int_equal(r.status, 204);
    mt_resp_free(&r);
    r = mt_at(f, "GET", app, "/me/presence", ta, NULL, NULL, NULL);
    assert_non_null(strstr(r.body, "\"availability\":\"DoNotDisturb\""));
    mt_resp_free(&r);
    r = mt_at(f, "PUT", app, "/me/note", ta, "application/json", "{\"message\":\"in a meeting\"}", NULL);
    assert_int_equal(r.status, 204);
    mt_resp_free(&r);
    r = mt_at(f, "GET", app, "/me/note", ta, NULL, NULL, NULL);
    assert_non_null(strstr(r.body, "\"message\":\"in a meeting\""));
    mt_resp_free(&r);
    r = mt_at(f, "POST", app, "/me/reportMyActivity", ta, "application/json", "", NULL);
    assert_int_equal(r.status, 204);
    mt_resp_free(&r);
    free(app);
    free(ta);
    mt_free(f);
}

static void test_people(void **state)
{
    (void)state;
    mt *f = mt_new(1);
    char *ta = mt_token(f, "alice@contoso.test", "secret");
    char *app = mt_app(f, ta, "x");
    mt_resp r = mt_at(f, "GET", app, "/people/myContacts", ta, NULL, NULL, NULL);
    json_t *j = mt_json(r.body);
    json_t *list = json_object_get(json_object_get(j, "_embedded"), "contact");
    assert_int_equal(json_array_size(list), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "uri")),
                        "sip:bob@fabrikam.test");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "title")),
                        "Sales Manager");
    json_decref(j);
    mt_resp_free(&r);
    r = mt_at(f, "GET", app, "/people/myGroups", ta, NULL, NULL, NULL);
    assert_non_null(strstr(r.body, "\"name\":\"Team\""));
    assert_non_null(strstr(r.body, "\"name\":\"Partners\""));
    mt_resp_free(&r);
    r = mt_at(f, "GET", app, "/people/groups/2/contacts", ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "sip:dave@contoso.test"));
    assert_null(strstr(r.body, "sip:bob@fabrikam.test"));
    mt_resp_free(&r);
    r = mt_at(f, "GET", app, "/people/groups/9/contacts", ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 404);
    mt_resp_free(&r);
    r = mt_at(f, "GET", app, "/people/search?query=car", ta, NULL, NULL, NULL);
    assert_non_null(strstr(r.body, "sip:carol@contoso.test"));
    assert_null(strstr(r.body, "sip:bob@fabrikam.test"));
    mt_resp_free(&r);
    r = mt_at(f, "GET", app, "/people/search?query=a&limit=1", ta, NULL, NULL, NULL);
    assert_non_null(strstr(r.body, "\"moreResultsAvailable\":true"));
    mt_resp_free(&r);
    r = mt_at(f, "GET", app, "/people/search", ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 400);
    mt_resp_free(&r);
    r = mt_at(f, "GET", app, "/people/sip:Bob%40Fabrikam.test", ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"name\":\"Bob Barker\""));
    mt_resp_free(&r);
    r = mt_at(f, "GET", app, "/people/bob@fabrikam.test/presence", ta, NULL, NULL, NULL);
    assert_non_null(strstr(r.body, "\"availability\":\"Offline\""));
    mt_resp_free(&r);

    /* subscriptions: create, add, remove one, delete */
    r = mt_at(f, "POST", app, "/people/presenceSubscriptions", ta, "application/json",
              "{\"uris\":[\"sip:bob@fabrikam.test\",\"carol@contoso.test\"],\"duration\":60}", NULL);
    assert_int_equal(r.status, 201);
    char *sub = strdup(r.location);
    mt_resp_free(&r);
    assert_int_equal(mcxd_mobility_get_counters(f->st)->sessions_with_subscriptions, 1);
    char members[600];
    snprintf(members, sizeof(members), "%s/memberships", sub);
    r = mt_req(f, "POST", members, ta, "application/json", "{\"uris\":[\"sip:dave@contoso.test\"]}",
               NULL);
    assert_int_equal(r.status, 204);
    mt_resp_free(&r);
    r = mt_req(f, "GET", sub, ta, NULL, NULL, NULL);
    assert_non_null(strstr(r.body, "sip:dave@contoso.test"));
    mt_resp_free(&r);
    char del[600];
    snprintf(del, sizeof(del), "%s/memberships/sip:dave@contoso.test", sub);
    r = mt_req(f, "DELETE", del, ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 204);
    mt_resp_free(&r);
    r = mt_req(f, "DELETE", del, ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 404);
    mt_resp_free(&r);
    r = mt_at(f, "POST", app, "/people/presenceSubscriptions", ta, "application/json",
              "{\"uris\":[\"not a uri\"]}", NULL);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "uris[0]"));
    mt_resp_free(&r);
    r = mt_req(f, "DELETE", sub, ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 204);
    mt_resp_free(&r);
    assert_int_equal(mcxd_mobility_get_counters(f->st)->sessions_with_subscriptions, 0);
    free(sub);
    free(app);
    free(ta);
    mt_free(f);
}

/* alice -> bob: invitation, accept, a message each way, stop. */
static void test_messaging(void **state)
{
    (void)state;
    mt *f = mt_new(1);
    char *ta = mt_token(f, "alice@contoso.test", "secret");
    char *tb = mt_token(f, "bob@fabrikam.test", "secret2");
    char *aa = mt_app(f, ta, "Lync Android"), *ab = mt_app(f, tb, "Lync iPhone");
    mt_available(f, aa, ta);
    mt_available(f, ab, tb);
    json_decref(mt_events(f, aa, ta, 1));
    json_decref(mt_events(f, ab, tb, 1));
    mt_resp r = mt_at(f, "POST", aa, "/communication/messagingInvitations", ta, "application/json",
                      "{\"to\":\"sip:bob@fabrikam.test\",\"subject\":\"lunch\",\"message\":\"data:text/plain,Hi\"}",
                      NULL);
    assert_int_equal(r.status, 201);
    assert_non_null(strstr(r.location, "/communication/messagingInvitations/"));
    mt_resp_free(&r);
    json_t *b = mt_events(f, ab, tb, 2);
    json_t *inv = mt_event(b, "messagingInvitation", "started");
    assert_non_null(inv);
    json_t *emb = json_object_get(json_object_get(inv, "_embedded"), "messagingInvitation");
    assert_string_equal(json_string_value(json_object_get(emb, "direction")), "Incoming");
    assert_string_equal(json_string_value(json_object_get(emb, "subject")), "lunch");
    json_t *links = json_object_get(emb, "_links");
    assert_string_equal(json_string_value(json_object_get(json_object_get(links, "from"), "title")),
                        "Alice Anders");
    assert_string_equal(json_string_value(json_object_get(json_object_get(links, "message"), "href")),
                        "data:text/plain,Hi");
    char *accept = strdup(json_string_value(json_object_get(json_object_get(links, "accept"), "href")));
    json_decref(b);
    r = mt_req(f, "POST", accept, tb, "application/json", "", NULL);
    assert_int_equal(r.status, 204);
    mt_resp_free(&r);
    r = mt_req(f, "POST", accept, tb, "application/json", "", NULL);
    assert_int_equal(r.status, 404); /* answered */
    mt_resp_free(&r);
    json_t *a = mt_events(f, aa, ta, 2);
    json_t *done = mt_event(a, "messagingInvitation", "completed");
    assert_non_null(done);
    assert_string_equal(json_string_value(json_object_get(done, "status")), "Success");
    json_t *msging = mt_event(a, "messaging", "updated");
    assert_non_null(msging);
    const char *send_href = json_string_value(json_object_get(json_object_get(json_object_get(
        json_object_get(json_object_get(msging, "_embedded"), "messaging"), "_links"), "sendMessage"), "href"));
    assert_non_null(send_href);
    char *send = strdup(send_href);
    r = mt_req(f, "POST", send, ta, "text/plain; charset=utf-8", "Hello Bob, ça va? 100%", NULL);
    assert_int_equal(r.status, 201);
    mt_resp_free(&r);
    r = mt_req(f, "POST", send, ta, "application/json", "{\"x\":1}", NULL);
    assert_int_equal(r.status, 415);
    mt_resp_free(&r);
    json_decref(a);
    b = mt_events(f, ab, tb, 3);
    json_t *msg = mt_event(b, "message", "added");
    assert_non_null(msg);
    json_t *ml = json_object_get(json_object_get(json_object_get(msg, "_embedded"), "message"), "_links");
    assert_string_equal(json_string_value(json_object_get(json_object_get(ml, "plainMessage"), "href")),
                        "data:text/plain;charset=utf-8,Hello%20Bob%2C%20%C3%A7a%20va%3F%20100%25");
    assert_non_null(json_object_get(msg, "in"));
    json_decref(b);
    /* stopMessaging by alice: bob is told, the conversation is gone */
    char stop[1024];
    snprintf(stop, sizeof(stop), "%.*s/terminate", (int)(strlen(send) - strlen("/messages")), send);
    r = mt_req(f, "POST", stop, ta, "application/json", "", NULL);
    assert_int_equal(r.status, 204);
    mt_resp_free(&r);
    b = mt_events(f, ab, tb, 4);
    json_t *gone = mt_event(b, "conversation", "deleted");
    assert_non_null(gone);
    json_decref(b);
    assert_int_equal(mcxd_mobility_get_counters(f->st)->messages_delivered, 1);
    free(accept);
    free(send);
    free(aa);
    free(ab);
    free(ta);
    free(tb);
    mt_free(f);
}

/* A receiver with no application: the sender's invitation fails at once. */
static void test_undeliverable(void **state)
{
    (void)state;
    mt *f = mt_new(1);
    char *ta = mt_token(f, "alice@contoso.test", "secret");
    char *aa = mt_app(f, ta, "x");
    mt_resp r = mt_at(f, "POST", aa, "/communication/messagingInvitations", ta, "application/json",
                      "{\"to\":\"sip:carol@contoso.test\"}", NULL);
    assert_int_equal(r.status, 409); /* not available yet */
    mt_resp_free(&r);
    mt_available(f, aa, ta);
    const char *to[] = {"sip:carol@contoso.test", "sip:nobody@contoso.test"};
    const char *sub[] = {"TemporarilyUnavailable", "UserNotFound"};
    for (int i = 0; i < 2; i++) {
        char body[128];
        snprintf(body, sizeof(body), "{\"to\":\"%s\"}", to[i]);
        r = mt_at(f, "POST", aa, "/communication/messagingInvitations", ta, "application/json", body, NULL);
        assert_int_equal(r.status, 201);
        mt_resp_free(&r);
        json_t *a = mt_events(f, aa, ta, (unsigned)i + 1);
        json_t *done = mt_event(a, "messagingInvitation", "completed");
        assert_non_null(done);
        assert_string_equal(json_string_value(json_object_get(done, "status")), "Failure");
        assert_string_equal(json_string_value(json_object_get(json_object_get(done, "reason"), "subcode")), sub[i]);
        json_decref(a);
    }
    r = mt_at(f, "POST", aa, "/communication/messagingInvitations", ta, "application/json",
              "{\"to\":\"sip:alice@contoso.test\"}", NULL);
    assert_int_equal(r.status, 400);
    mt_resp_free(&r);
    free(aa);
    free(ta);
    mt_free(f);
}

static void test_bad_input(void **state)
{
    (void)state;
    mt *f = mt_new(1);
    char *ta = mt_token(f, "alice@contoso.test", "secret");
    mt_resp r = mt_req(f, "POST", MT_APPS, ta, "application/json", "{\"UserAgent\": \"x\",", NULL);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "InvalidJson"));
    assert_non_null(strstr(r.body, "byte "));
    mt_resp_free(&r);
    r = mt_req(f, "POST", MT_APPS, ta, "application/json", "[1,2]", NULL);
    assert_int_equal(r.status, 400);
    mt_resp_free(&r);
    r = mt_req(f, "POST", MT_APPS, ta, "application/xml", "<a/>", NULL);
    assert_int_equal(r.status, 415);
    mt_resp_free(&r);
    char *big = malloc(MOB_MAX_BODY + 10);
    memset(big, ' ', MOB_MAX_BODY + 9);
    big[0] = '{';
    big[MOB_MAX_BODY + 8] = '}';
    big[MOB_MAX_BODY + 9] = '\0';
    r = mt_req(f, "POST", MT_APPS, ta, "application/json", big, NULL);
    assert_int_equal(r.status, 413);
    mt_resp_free(&r);
    free(big);
    r = mt_req(f, "GET", MT_APPS, ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "POST");
    mt_resp_free(&r);
    char *app = mt_app(f, ta, "x");
    const char *unknown[] = {"/nothing", "/me/nothing", "/people/groups/x", "/communication/conversations/0123456789abcdef",
                             "/people/presenceSubscriptions/zz"};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        r = mt_at(f, "GET", app, unknown[i], ta, NULL, NULL, NULL);
        assert_int_equal(r.status, 404);
        mt_resp_free(&r);
    }
    r = mt_at(f, "GET", app, "/events", ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "MissingParameter"));
    mt_resp_free(&r);
    const char *bad[] = {"/events?ack=x", "/events?ack=1&timeout=10", "/events?ack=1&low=4000",
                         "/events?ack=99999999999999999999999"};
    for (size_t i = 0; i < 4; i++) {
        r = mt_at(f, "GET", app, bad[i], ta, NULL, NULL, NULL);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body, "InvalidParameter"));
        mt_resp_free(&r);
    }
    r = mt_at(f, "POST", app, "/batch", ta, "application/json", "{}", NULL);
    assert_int_equal(r.status, 501);
    mt_resp_free(&r);
    /* Accept: XML only is 406; application/json is answered as such */
    mcx_http_header h[2] = {{"Authorization", ta}, {"Accept", "application/vnd.microsoft.com.ucwa+xml"}};
    mcxd_request req = {.method = "GET", .uri = app, .host = MT_HOST, .headers = h, .nheaders = 2,
                        .listener = MCX_ACCESS_EXTERNAL, .tls = 1, .peer = "-"};
    mcxd_response resp;
    mcxd_handle(&f->cfg, f->st, &req, f->now, &resp);
    assert_int_equal(resp.status, 406);
    mcxd_response_free(&resp);
    h[1].value = "application/json";
    mcxd_handle(&f->cfg, f->st, &req, f->now, &resp);
    assert_int_equal(resp.status, 200);
    assert_string_equal(mcxd_response_get_header(&resp, "Content-Type"), "application/json");
    mcxd_response_free(&resp);
    /* the liveness GET of the Mcx URL */
    r = mt_req(f, "GET", "/mcx/mcxservice.svc", NULL, NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    mt_resp_free(&r);
    free(app);
    free(ta);
    mt_free(f);
}

/* The same request sequence with the same seed: byte-identical answers. */
static void run_script(char **out)
{
    mt *f = mt_new(7);
    char *ta = mt_token(f, "alice@contoso.test", "secret");
    char *tb = mt_token(f, "bob@fabrikam.test", "secret2");
    char *aa = mt_app(f, ta, "x"), *ab = mt_app(f, tb, "y");
    mt_available(f, aa, ta);
    mt_available(f, ab, tb);
    mt_resp r = mt_at(f, "POST", aa, "/communication/messagingInvitations", ta, "application/json",
                      "{\"to\":\"sip:bob@fabrikam.test\"}", NULL);
    mt_resp_free(&r);
    r = mt_at(f, "GET", ab, "/events?ack=1", tb, NULL, NULL, NULL);
    size_t len = strlen(aa) + strlen(ab) + strlen(r.body) + 3;
    *out = malloc(len);
    snprintf(*out, len, "%s %s %s", aa, ab, r.body);
    mt_resp_free(&r);
    free(aa);
    free(ab);
    free(ta);
    free(tb);
    mt_free(f);
}

static void test_deterministic(void **state)
{
    (void)state;
    char *one, *two;
    run_script(&one);
    run_script(&two);
    assert_string_equal(one, two);
    free(one);
    free(two);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_required),
        cmocka_unit_test(test_application_lifecycle),
        cmocka_unit_test(test_other_users_application),
        cmocka_unit_test(test_me_and_presence),
        cmocka_unit_test(test_people),
        cmocka_unit_test(test_messaging),
        cmocka_unit_test(test_undeliverable),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
