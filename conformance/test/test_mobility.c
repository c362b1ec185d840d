/*
 * test_mobility.c -- unit tests of the pure pieces of `mcxcheck mobility`
 * (conformance/mobility_wire.c): URLs, link finding in UCWA resources,
 * RFC 2397 data: URIs both ways, UCWA error bodies, event-channel batches
 * and ack handling.
 *
 * Owns: those tests (no network, no server). Does not own: the flows
 * against a server (conformance/test/mobility_live.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mobility.h"

static void test_urls(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(mcx_mb_url_origin("https://webext01.contoso.test/Mcx/McxService.svc", out,
                                       sizeof out), 0);
    assert_string_equal(out, "https://webext01.contoso.test");
    assert_int_equal(mcx_mb_url_origin("http://h:8080?x", out, sizeof out), 0);
    assert_string_equal(out, "http://h:8080");
    assert_int_equal(mcx_mb_url_origin("ftp://h/", out, sizeof out), -1);
    assert_int_equal(mcx_mb_url_origin("https:///path", out, sizeof out), -1);
    assert_int_equal(mcx_mb_url_origin("https://h/", out, 5), -1);

    assert_int_equal(mcx_mb_url_path("https://h:1/a/b?c=d", out, sizeof out), 0);
    assert_string_equal(out, "/a/b?c=d");
    assert_int_equal(mcx_mb_url_path("/already", out, sizeof out), 0);
    assert_string_equal(out, "/already");
    assert_int_equal(mcx_mb_url_path("https://h", out, sizeof out), -1);

    assert_int_equal(mcx_mb_url_resolve("https://h", "/Mcx/McxService.svc/applications/1", out,
                                        sizeof out), 0);
    assert_string_equal(out, "https://h/Mcx/McxService.svc/applications/1");
    assert_int_equal(mcx_mb_url_resolve("https://h", "https://other/x", out, sizeof out), 0);
    assert_string_equal(out, "https://other/x");
    assert_int_equal(mcx_mb_url_resolve("https://h", "relative/x", out, sizeof out), -1);
    assert_int_equal(mcx_mb_url_resolve("https://h", "//evil/x", out, sizeof out), -1);
    assert_int_equal(mcx_mb_url_resolve("https://h", "", out, sizeof out), -1);
    assert_int_equal(mcx_mb_url_resolve("https://h", "/x", out, 4), -1);
}

static const char app_json[] =
    "{\"_links\":{\"self\":{\"href\":\"/A\"},\"events\":{\"href\":\"/A/events?ack=1\"}},"
    "\"_embedded\":{\"me\":{\"_links\":{\"makeMeAvailable\":{\"href\":\"/A/me/makeMeAvailable\"}},"
    "\"Name\":\"Alice\"},"
    "\"people\":{\"_links\":{\"presenceSubscriptions\":[{\"href\":\"/A/people/ps1\"},"
    "{\"href\":\"/A/people/ps2\"}]}},"
    "\"communication\":{\"_links\":{\"startMessaging\":{\"href\":\"/A/communication/"
    "messagingInvitations\"}},\"_embedded\":{\"deep\":{\"_links\":{\"x\":{\"href\":\"/deep\"}}}}}}}";

static void test_links(void **state)
{
    (void)state;
    json_t *app = json_loads(app_json, 0, NULL);
    assert_non_null(app);
    assert_string_equal(mcx_mb_link(app, "events"), "/A/events?ack=1");
    assert_null(mcx_mb_link(app, "makeMeAvailable")); /* not at the top level */
    assert_string_equal(mcx_mb_find_link(app, "makeMeAvailable"), "/A/me/makeMeAvailable");
    assert_string_equal(mcx_mb_find_link(app, "presenceSubscriptions"), "/A/people/ps1");
    assert_string_equal(mcx_mb_find_link(app, "x"), "/deep");
    assert_null(mcx_mb_find_link(app, "nothing"));
    assert_null(mcx_mb_find_link(NULL, "self"));
    const json_t *me = json_object_get(json_object_get(app, "_embedded"), "me");
    assert_string_equal(mcx_mb_string(me, "name"), "Alice"); /* keys case-insensitive */
    assert_null(mcx_mb_string(me, "_links"));                /* not a string */
    json_decref(app);
}

static void test_data_uri_decode(void **state)
{
    (void)state;
    char *out = NULL, mt[64];
    size_t len = 0;
    const char *why = NULL;
    assert_int_equal(mcx_mb_data_uri_decode("data:text/plain;charset=utf-8,Hi%20there%21", &out,
                                            &len, mt, sizeof mt, &why), 0);
    assert_string_equal(out, "Hi there!");
    assert_int_equal(len, 9);
    assert_string_equal(mt, "text/plain;charset=utf-8");
    free(out);
    /* UTF-8 percent-encoded, and % itself. */
    assert_int_equal(mcx_mb_data_uri_decode("data:,100%25%20d%C3%A9livr%C3%A9", &out, &len, mt,
                                            sizeof mt, &why), 0);
    assert_string_equal(out, "100% d\xc3\xa9livr\xc3\xa9");
    assert_string_equal(mt, "text/plain;charset=US-ASCII");
    free(out);
    /* base64, with an embedded NUL kept in the length. */
    assert_int_equal(mcx_mb_data_uri_decode("data:text/html;base64,PGI+aGk8L2I+AA==", &out, &len,
                                            mt, sizeof mt, &why), 0);
    assert_int_equal(len, 10);
    assert_memory_equal(out, "<b>hi</b>\0", 10);
    assert_string_equal(mt, "text/html");
    free(out);
    /* Errors. */
    assert_int_equal(mcx_mb_data_uri_decode("http://x", &out, &len, NULL, 0, &why), -1);
    assert_null(out);
    assert_int_equal(mcx_mb_data_uri_decode("data:text/plain", &out, &len, NULL, 0, &why), -1);
    assert_int_equal(mcx_mb_data_uri_decode("data:,bad%2", &out, &len, NULL, 0, &why), -1);
    assert_int_equal(mcx_mb_data_uri_decode("data:,bad%zz", &out, &len, NULL, 0, &why), -1);
    assert_int_equal(mcx_mb_data_uri_decode("data:;base64,a*b=", &out, &len, NULL, 0, &why), -1);
    assert_int_equal(mcx_mb_data_uri_decode(NULL, &out, &len, NULL, 0, &why), -1);
}

static void test_data_uri_round_trip(void **state)
{
    (void)state;
    const char *text = "mcxcheck 100% d\xc3\xa9livr\xc3\xa9 & ok? a+b=c, \"q\" <t>";
    char *uri = mcx_mb_data_uri_encode(text);
    assert_non_null(uri);
    assert_string_equal(uri, "data:text/plain;charset=utf-8,mcxcheck%20100%25%20d%C3%A9livr%C3%A9"
                             "%20%26%20ok%3F%20a%2Bb%3Dc%2C%20%22q%22%20%3Ct%3E");
    char *out = NULL;
    size_t len = 0;
    const char *why = NULL;
    assert_int_equal(mcx_mb_data_uri_decode(uri, &out, &len, NULL, 0, &why), 0);
    assert_string_equal(out, text);
    free(out);
    free(uri);
}

static void test_error_body(void **state)
{
    (void)state;
    char code[32], sub[32];
    const char *b = "{\"code\":\"Conflict\",\"subcode\":\"PGetReplaced\",\"message\":\"m\"}";
    assert_int_equal(mcx_mb_error_body(b, strlen(b), code, sizeof code, sub, sizeof sub), 0);
    assert_string_equal(code, "Conflict");
    assert_string_equal(sub, "PGetReplaced");
    b = "{\"Code\":\"Gone\"}";
    assert_int_equal(mcx_mb_error_body(b, strlen(b), code, sizeof code, sub, sizeof sub), 0);
    assert_string_equal(code, "Gone");
    assert_string_equal(sub, "");
    b = "<html>error</html>";
    assert_int_equal(mcx_mb_error_body(b, strlen(b), code, sizeof code, sub, sizeof sub), -1);
    b = "[1]";
    assert_int_equal(mcx_mb_error_body(b, strlen(b), code, sizeof code, sub, sizeof sub), -1);
    assert_int_equal(mcx_mb_error_body(NULL, 0, code, sizeof code, sub, sizeof sub), -1);
}

static const char batch_json[] =
    "{\"_links\":{\"self\":{\"href\":\"/A/events?ack=2\"},\"next\":{\"href\":\"/A/events?ack=3\"}},"
    "\"sender\":[{\"rel\":\"people\",\"href\":\"/A/people\",\"events\":["
    "{\"link\":{\"rel\":\"contactPresence\",\"href\":\"/A/people/bob@fabrikam.test/presence\"},"
    "\"_embedded\":{\"contactPresence\":{\"availability\":\"Busy\"}},\"type\":\"updated\"}]},"
    "{\"rel\":\"communication\",\"href\":\"/A/communication\",\"events\":["
    "{\"link\":{\"rel\":\"messagingInvitation\",\"href\":\"/A/c/mi/1\"},\"type\":\"started\","
    "\"_embedded\":{\"messagingInvitation\":{\"direction\":\"Incoming\",\"_links\":"
    "{\"accept\":{\"href\":\"/A/c/mi/1/accept\"}}}}},"
    "{\"link\":{\"rel\":\"message\",\"href\":\"/A/c/conv/1/messaging/messages/9\"},"
    "\"in\":{\"rel\":\"conversation\",\"href\":\"/A/c/conv/1\"},\"type\":\"added\","
    "\"_embedded\":{\"message\":{\"_links\":{\"plainMessage\":{\"href\":\"data:,hi\"}}}}}]}]}";

static void test_batch(void **state)
{
    (void)state;
    mcx_mb_batch b;
    char why[128];
    assert_int_equal(mcx_mb_batch_parse(batch_json, strlen(batch_json), &b, why, sizeof why), 0);
    assert_string_equal(b.self, "/A/events?ack=2");
    assert_string_equal(b.next, "/A/events?ack=3");
    assert_null(b.resync);
    assert_int_equal(b.nevents, 3);
    assert_string_equal(b.events[0].sender, "people");
    assert_string_equal(mcx_mb_string(b.events[0].embedded, "availability"), "Busy");
    size_t at = 0;
    const mcx_mb_event *e = mcx_mb_batch_find(&b, "messagingInvitation", "started", &at);
    assert_non_null(e);
    assert_int_equal(at, 2);
    assert_string_equal(mcx_mb_find_link(e->embedded, "accept"), "/A/c/mi/1/accept");
    assert_null(mcx_mb_batch_find(&b, "messagingInvitation", "started", &at));
    e = mcx_mb_batch_find(&b, "message", "added", NULL);
    assert_non_null(e);
    assert_string_equal(e->in_href, "/A/c/conv/1");
    assert_string_equal(mcx_mb_find_link(e->embedded, "plainMessage"), "data:,hi");
    assert_null(mcx_mb_batch_find(&b, "message", "completed", NULL));
    assert_non_null(mcx_mb_batch_find(&b, "MESSAGE", NULL, NULL)); /* rels: case-insensitive */
    mcx_mb_batch_free(&b);

    /* Only a resync link, no senders. */
    const char *rs = "{\"_links\":{\"resync\":{\"href\":\"/A/events?ack=1\"}}}";
    assert_int_equal(mcx_mb_batch_parse(rs, strlen(rs), &b, why, sizeof why), 0);
    assert_string_equal(b.resync, "/A/events?ack=1");
    assert_null(b.next);
    assert_int_equal(b.nevents, 0);
    mcx_mb_batch_free(&b);

    /* Malformed. */
    const char *bad[] = {"", "not json", "{\"sender\":{}}",
                         "{\"sender\":[{\"events\":[]}]}",
                         "{\"sender\":[{\"rel\":\"me\",\"events\":[{\"type\":\"added\"}]}]}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(mcx_mb_batch_parse(bad[i], strlen(bad[i]), &b, why, sizeof why), -1);
        assert_true(why[0] != '\0');
        mcx_mb_batch_free(&b);
    }
}

static void test_batch_bounded(void **state)
{
    (void)state;
    /* More events than MCX_MB_MAX_EVENTS: the rest are counted, not kept. */
    size_t n = MCX_MB_MAX_EVENTS + 10;
    size_t cap = 64 + n * 64;
    char *body = malloc(cap), *p = body;
    p += sprintf(p, "{\"sender\":[{\"rel\":\"me\",\"events\":[");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s{\"link\":{\"rel\":\"me\",\"href\":\"/A/me\"},\"type\":\"updated\"}",
                     i ? "," : "");
    sprintf(p, "]}]}");
    mcx_mb_batch b;
    char why[128];
    assert_int_equal(mcx_mb_batch_parse(body, strlen(body), &b, why, sizeof why), 0);
    assert_int_equal(b.nevents, MCX_MB_MAX_EVENTS);
    assert_int_equal(b.dropped, 10);
    mcx_mb_batch_free(&b);
    free(body);
}

static void test_acks(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(mcx_mb_ack_of("/A/events?ack=7"), 7);
    assert_int_equal(mcx_mb_ack_of("/A/events?timeout=180&ack=12&low=5"), 12);
    assert_int_equal(mcx_mb_ack_of("/A/events"), -1);
    assert_int_equal(mcx_mb_ack_of("/A/events?back=3"), -1);
    assert_int_equal(mcx_mb_ack_of("/A/events?ack=x"), -1);
    assert_int_equal(mcx_mb_ack_of(NULL), -1);
    assert_int_equal(mcx_mb_with_ack("/A/events?ack=7&low=5", 12, out, sizeof out), 0);
    assert_string_equal(out, "/A/events?ack=12&low=5");
    assert_int_equal(mcx_mb_with_ack("/A/events", 1, out, sizeof out), 0);
    assert_string_equal(out, "/A/events?ack=1");
    assert_int_equal(mcx_mb_with_ack("/A/events?low=5", 2, out, sizeof out), 0);
    assert_string_equal(out, "/A/events?low=5&ack=2");
    assert_int_equal(mcx_mb_with_ack("/A/events?ack=1", 123456, out, 12), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_data_uri_decode),
        cmocka_unit_test(test_data_uri_round_trip),
        cmocka_unit_test(test_error_body),
        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_batch_bounded),
        cmocka_unit_test(test_acks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
