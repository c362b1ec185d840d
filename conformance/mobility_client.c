/*
 * mobility_client.c -- the Mobility Service client of one user in
 * `mcxcheck mobility`: discovery (mcx_ds_run, with the credential handed
 * back), requests with the user's token on the user's own kept-alive HTTP
 * session, the event channel (a P-GET on its own thread and connection, so
 * the flow can cause the event while it is parked) and the test clock of
 * mcxd (POST /_mcxd/clock).
 *
 * Owns: how a request is made and written as a step (title "METHOD path",
 * detail "status, content type, size[, code/subcode]", the TLS facts once
 * per user), MB-001..MB-003, MB-018 and MB-025, and reading the channel
 * until an event comes (bounded: at most MB_AWAIT_MAX_PGETS P-GETs and
 * --event-wait milliseconds). Does not own: discovery itself
 * (discover*.c), HTTP (lib/http_client.c), the flows (mobility_flows.c,
 * mobility_session.c), the pure helpers (mobility_wire.c).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <openssl/x509.h>
#include "mobility.h"

#define MB_ACCEPT "application/vnd.microsoft.com.ucwa+json"
#define MB_AWAIT_MAX_PGETS 8
#define MB_PARK_MS 300 /* a P-GET still out after this is taken as parked */

void mcx_mb_resp_free(mcx_mb_resp *r)
{
    if (!r)
        return;
    mcx_http_response_free(&r->http);
    json_decref(r->json);
    r->json = NULL;
}

int mcx_mb_client_init(mcx_mb_client *c, const char *label, const char *sip_uri,
                       const mcx_ds_options *ds)
{
    memset(c, 0, sizeof *c);
    c->label = label;
    c->sip_uri = mcx_ds_bare_uri(sip_uri);
    c->ds = *ds;
    c->ds.sip_uri = sip_uri;
    c->ds.user = c->sip_uri;
    c->ds.keep_credential = 1;
    c->session = mcx_http_session_new();
    c->ds.http.session = c->session;
    return c->session ? 0 : -1;
}

void mcx_mb_client_free(mcx_mb_client *c)
{
    if (!c)
        return;
    json_decref(c->app_doc);
    c->app_doc = NULL;
    mcx_ds_result_clear(&c->found);
    mcx_http_session_free(c->session);
    c->session = NULL;
}

/* ---- requests ----------------------------------------------------------------- */

static double mb_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* The HTTP options of a request of `c` (DNS pins when resolving through a
 * vantage's DNS server, as discovery does). */
static mcx_http_options mb_http(const mcx_mb_client *c)
{
    mcx_http_options http = c->ds.http;
    if (c->ds.dns) {
        http.resolve = mcx_ds_dns_pins(c->ds.dns);
        http.connect_to = NULL;
        http.resolve_only = 1;
    }
    return http;
}

/* The step of one response (or failure) of `c`. */
static void mb_step(mcx_mb_client *c, mcx_report *rep, int depth, const char *method,
                    const char *url, const mcx_mb_resp *r, const char *note)
{
    char path[MCX_MB_HREF_MAX], detail[700];
    const mcx_http_response *h = &r->http;
    if (mcx_mb_url_path(url, path, sizeof path) < 0)
        snprintf(path, sizeof path, "%s", url);
    if (h->error == MCX_HTTP_OK) {
        const char *ct = mcx_http_header_get(h, "Content-Type");
        int n = snprintf(detail, sizeof detail, "%s %d, %s, %zu bytes", h->http_version,
                         h->status, ct ? ct : "no Content-Type", h->body_len);
        if (r->code[0] && n > 0 && (size_t)n < sizeof detail)
            snprintf(detail + n, sizeof detail - (size_t)n, ", %s/%s", r->code,
                     r->subcode[0] ? r->subcode : "-");
    } else {
        snprintf(detail, sizeof detail, "%s failure: %s", mcx_http_error_name(h->error),
                 h->error_text);
    }
    mcx_report_step(rep, depth,
                    h->error != MCX_HTTP_OK ? MCX_STEP_FAIL
                    : h->status >= 200 && h->status < 300 ? MCX_STEP_OK
                                                          : MCX_STEP_INFO,
                    h->elapsed_ms, detail, "%s %s%s%s", method, path, note ? " " : "",
                    note ? note : "");
    if (!c->tls_said && h->tls_version[0] && h->tls_chain && sk_X509_num(h->tls_chain) > 0) {
        char subject[256];
        X509_NAME_oneline(X509_get_subject_name(sk_X509_value(h->tls_chain, 0)), subject,
                          sizeof subject);
        mcx_report_step(rep, depth + 1, MCX_STEP_INFO, 0, NULL,
                        "TLS %s, cipher %s; certificate %s (kept alive for this user)",
                        h->tls_version, h->tls_cipher, subject);
        c->tls_said = 1;
    }
}

/* Fills json / code / subcode of a received response; MB-025 for an error
 * without a UCWA error body. */
static void mb_read_body(mcx_mb_client *c, mcx_report *rep, const char *url, mcx_mb_resp *r)
{
    const mcx_http_response *h = &r->http;
    const char *ct = mcx_http_header_get(h, "Content-Type");
    if (h->body_len && ct && strcasestr(ct, "json"))
        r->json = json_loadb(h->body, h->body_len, 0, NULL);
    if (h->status >= 400) {
        if (mcx_mb_error_body(h->body, h->body_len, r->code, sizeof r->code, r->subcode,
                              sizeof r->subcode) < 0 && h->status != 404 && h->status != 405) {
            mcx_finding *f = mcx_report_add(rep, "MB-025", "%s answered %d without a "
                                            "{\"code\",\"subcode\"} body", url, h->status);
            mcx_finding_set_subject(f, c->sip_uri);
            mcx_finding_set_evidence(f, url, h->status, h->body, h->body_len);
        }
    }
}

/* MB-003 once per client for a request that got no response. */
static void mb_unreachable(mcx_mb_client *c, mcx_report *rep, const char *url,
                           const mcx_http_response *h)
{
    if (c->unreachable)
        return;
    c->unreachable = 1;
    mcx_finding *f = mcx_report_add(rep, "MB-003", "%s: %s failure: %s", url,
                                    mcx_http_error_name(h->error), h->error_text);
    mcx_finding_set_subject(f, c->sip_uri);
    mcx_finding_set_evidence(f, url, 0, NULL, 0);
}

int mcx_mb_call(mcx_mb_client *c, mcx_report *rep, int depth, const char *method,
                const char *href, const char *ctype, const char *body, mcx_mb_resp *out)
{
    char url[MCX_MB_HREF_MAX + MCX_MB_ORIGIN_MAX];
    mcx_http_header hdrs[3];
    size_t n = 0;

    memset(out, 0, sizeof *out);
    if (mcx_mb_url_resolve(c->origin, href, url, sizeof url) < 0) {
        out->http.error = MCX_HTTP_E_OTHER;
        snprintf(out->http.error_text, sizeof out->http.error_text,
                 "not an absolute path or http(s) URL: %.200s", href ? href : "(none)");
        mb_step(c, rep, depth, method, href ? href : "(none)", out, NULL);
        return -1;
    }
    hdrs[n++] = (mcx_http_header){"Accept", MB_ACCEPT};
    if (c->found.credential_value)
        hdrs[n++] = (mcx_http_header){c->found.credential_name, c->found.credential_value};
    if (body)
        hdrs[n++] = (mcx_http_header){"Content-Type", (char *)(ctype ? ctype : "application/json")};
    mcx_http_request req = {method, url, hdrs, n, body, body ? strlen(body) : 0};
    mcx_http_options http = mb_http(c);
    if (c->ds.dns) {
        char why[256];
        if (mcx_ds_dns_prepare(c->ds.dns, rep, depth, url, why, sizeof why) < 0) {
            out->http.error = MCX_HTTP_E_DNS;
            snprintf(out->http.error_text, sizeof out->http.error_text, "%s", why);
            mb_step(c, rep, depth, method, url, out, NULL);
            mb_unreachable(c, rep, url, &out->http);
            return -1;
        }
        http.resolve = mcx_ds_dns_pins(c->ds.dns);
    }
    int rc = mcx_http_perform(&req, &http, &out->http);
    if (rc == 0)
        mb_read_body(c, rep, url, out);
    mb_step(c, rep, depth, method, url, out, NULL);
    if (rc != 0)
        mb_unreachable(c, rep, url, &out->http);
    return rc;
}

/* ---- discovery -------------------------------------------------------------------- */

int mcx_mb_discover(mcx_mb_client *c, mcx_report *rep, int depth, mcx_mb_service service)
{
    mcx_report *tmp = mcx_report_new("mcxcheck", "mobility", c->sip_uri);
    if (!tmp)
        return -1;
    int rc = mcx_ds_run(&c->ds, tmp, &c->found);
    for (size_t i = 0; i < tmp->nsteps; i++)
        tmp->steps[i].depth += depth + 1;
    mcx_report_merge(rep, tmp);
    mcx_report_free(tmp);
    if (rc < 0 || !c->found.found) {
        mcx_finding *f = mcx_report_add(rep, "MB-001", "discovery of %s did not reach a User "
                                        "document (see the findings above)", c->sip_uri);
        mcx_finding_set_subject(f, c->sip_uri);
        return -1;
    }
    const char *mcx = c->found.mcx_url, *ucwa = c->found.ucwa_url;
    int use_ucwa = (service == MCX_MB_SERVICE_UCWA && ucwa[0]) || !mcx[0];
    if (!mcx[0] && !ucwa[0]) {
        mcx_finding *f = mcx_report_add(rep, "MB-001", "the User document of %s (%s) has no "
                                        "Mcx or Ucwa link", c->sip_uri, c->found.user_url);
        mcx_finding_set_subject(f, c->sip_uri);
        mcx_finding_set_evidence(f, c->found.user_url, 200, NULL, 0);
        return -1;
    }
    if (use_ucwa)
        snprintf(c->apps, sizeof c->apps, "%s", ucwa);
    else
        snprintf(c->apps, sizeof c->apps, "%.*s/applications",
                 (int)(strlen(mcx) - (mcx[strlen(mcx) - 1] == '/')), mcx);
    if (mcx_mb_url_origin(c->apps, c->origin, sizeof c->origin) < 0) {
        mcx_finding *f = mcx_report_add(rep, "MB-001", "the %s link of %s is not an absolute "
                                        "http(s) URL: %s", use_ucwa ? "Ucwa" : "Mcx", c->sip_uri,
                                        use_ucwa ? ucwa : mcx);
        mcx_finding_set_subject(f, c->sip_uri);
        return -1;
    }
    mcx_report_step(rep, depth + 1, MCX_STEP_OK, 0, NULL, "Mobility Service (%s link): %s",
                    use_ucwa ? "Ucwa" : "Mcx", c->apps);
    if (!c->found.credential_value || c->found.credential_auth == MCX_DS_AUTH_BASIC) {
        mcx_finding *f = mcx_report_add(
            rep, "MB-002", "discovery of %s authenticated with %s: no token to present to %s",
            c->sip_uri, c->found.credential_value ? "HTTP Basic" : "no credential", c->apps);
        mcx_finding_set_subject(f, c->sip_uri);
        return -1;
    }
    mcx_report_step(rep, depth + 1, MCX_STEP_OK, 0, NULL, "Token for it: %s (%s)",
                    c->found.credential_name, mcx_ds_auth_name(c->found.credential_auth));
    if (!use_ucwa) {
        /* The seed's liveness check: a plain GET of the Mcx URL. */
        mcx_mb_resp r;
        char *saved = c->found.credential_value;
        c->found.credential_value = NULL;
        int got = mcx_mb_call(c, rep, depth + 1, "GET", mcx, NULL, NULL, &r);
        c->found.credential_value = saved;
        if (got == 0 && r.http.status != 200) {
            mcx_finding *f = mcx_report_add(rep, "MB-026", "GET %s (no credentials) answered %d",
                                            mcx, r.http.status);
            mcx_finding_set_subject(f, c->sip_uri);
            mcx_finding_set_evidence(f, mcx, r.http.status, r.http.body, r.http.body_len);
        }
        mcx_mb_resp_free(&r);
        if (got != 0)
            return -1;
    }
    return 0;
}

/* ---- the P-GET on its own thread ------------------------------------------------------ */

struct mcx_mb_pget {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
    char url[MCX_MB_HREF_MAX + MCX_MB_ORIGIN_MAX];
    char *cred_name, *cred_value;
    char **pins;                /* NULL-terminated copy of the DNS pins */
    mcx_http_options http;
    mcx_http_session *session;
    mcx_http_response resp;
    int rc;
    double started, finished;
};

static void *mb_pget_main(void *arg)
{
    mcx_mb_pget *p = arg;
    mcx_http_header hdrs[2] = {{"Accept", MB_ACCEPT}, {p->cred_name, p->cred_value}};
    mcx_http_request req = {"GET", p->url, hdrs, p->cred_value ? 2 : 1, NULL, 0};
    p->rc = mcx_http_perform(&req, &p->http, &p->resp);
    pthread_mutex_lock(&p->lock);
    p->finished = mb_now_ms();
    p->done = 1;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void mb_pget_free(mcx_mb_pget *p)
{
    if (!p)
        return;
    for (size_t i = 0; p->pins && p->pins[i]; i++)
        free(p->pins[i]);
    free(p->pins);
    free(p->cred_name);
    free(p->cred_value);
    mcx_http_session_free(p->session);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* Copies the pins so the thread does not read the DNS state the main
 * thread may extend. */
static int mb_pget_pins(mcx_mb_pget *p, const char *const *pins)
{
    size_t n = 0;
    while (pins && pins[n])
        n++;
    p->pins = calloc(n + 1, sizeof *p->pins);
    if (!p->pins)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!(p->pins[i] = strdup(pins[i])))
            return -1;
    p->http.resolve = (const char *const *)p->pins;
    return 0;
}

mcx_mb_pget *mcx_mb_pget_start(mcx_mb_client *c, const char *href, long timeout_ms)
{
    mcx_mb_pget *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    p->http = mb_http(c);
    p->http.timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
    p->session = mcx_http_session_new();
    p->http.session = p->session;
    if (!p->session || mcx_mb_url_resolve(c->origin, href, p->url, sizeof p->url) < 0 ||
        (c->ds.dns && mb_pget_pins(p, mcx_ds_dns_pins(c->ds.dns)) < 0)) {
        mb_pget_free(p);
        return NULL;
    }
    if (c->found.credential_value) {
        p->cred_name = strdup(c->found.credential_name);
        p->cred_value = strdup(c->found.credential_value);
        if (!p->cred_name || !p->cred_value) {
            mb_pget_free(p);
            return NULL;
        }
    }
    p->started = mb_now_ms();
    if (pthread_create(&p->thread, NULL, mb_pget_main, p) != 0) {
        mb_pget_free(p);
        return NULL;
    }
    return p;
}

int mcx_mb_pget_wait(mcx_mb_pget *p, long wait_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->lock);
    while (!p->done)
        if (pthread_cond_timedwait(&p->cond, &p->lock, &until) != 0)
            break;
    int done = p->done;
    pthread_mutex_unlock(&p->lock);
    return done;
}

double mcx_mb_pget_elapsed(const mcx_mb_pget *p)
{
    return p->finished > p->started ? p->finished - p->started : 0;
}

int mcx_mb_pget_finish(mcx_mb_pget *p, mcx_mb_client *c, mcx_report *rep, int depth,
                       mcx_mb_resp *out)
{
    memset(out, 0, sizeof *out);
    pthread_join(p->thread, NULL);
    out->http = p->resp;
    memset(&p->resp, 0, sizeof p->resp);
    int rc = p->rc;
    if (rc == 0)
        mb_read_body(c, rep, p->url, out);
    mb_step(c, rep, depth, "GET", p->url, out, "(P-GET)");
    mb_pget_free(p);
    return rc;
}

/* ---- reading the channel until an event comes ------------------------------------------- */

/* Takes the next link of a batch; 0, or -1 (resync / nothing to go on). */
static int mb_follow(mcx_mb_client *c, mcx_report *rep, int depth, const mcx_mb_batch *b)
{
    const char *next = b->next ? b->next : b->resume;
    if (next && strlen(next) < sizeof c->events) {
        snprintf(c->events, sizeof c->events, "%s", next);
        return 0;
    }
    if (b->resync)
        mcx_report_step(rep, depth, MCX_STEP_INFO, 0, b->resync,
                        "The channel answered resync: the client re-reads its state");
    return -1;
}

/* Reads the answer of one P-GET: 1 with *out set when it holds the event
 * (*ev), 0 to go on (the next link was taken), -1 to stop. */
static int mb_await_read(mcx_mb_client *c, mcx_report *rep, int depth, mcx_mb_pget *p,
                         const char *rel, const char *type, mcx_mb_batch **out,
                         const mcx_mb_event **ev)
{
    mcx_mb_resp r;
    char why[256];
    int got = mcx_mb_pget_finish(p, c, rep, depth, &r);
    *out = NULL;
    if (got != 0 || r.http.status != 200) {
        if (got != 0 && r.http.error != MCX_HTTP_E_TIMEOUT)
            mb_unreachable(c, rep, c->events, &r.http);
        mcx_mb_resp_free(&r);
        return -1;
    }
    mcx_mb_batch *b = calloc(1, sizeof *b);
    if (!b || mcx_mb_batch_parse(r.http.body, r.http.body_len, b, why, sizeof why) < 0) {
        mcx_finding *f = mcx_report_add(rep, "MB-018", "%s: %s", c->events,
                                        b ? why : "out of memory");
        mcx_finding_set_subject(f, c->sip_uri);
        mcx_finding_set_evidence(f, c->events, 200, r.http.body, r.http.body_len);
        mcx_mb_batch_free(b);
        free(b);
        mcx_mb_resp_free(&r);
        return -1;
    }
    mcx_mb_resp_free(&r);
    int followed = mb_follow(c, rep, depth + 1, b);
    size_t at = 0;
    if ((*ev = mcx_mb_batch_find(b, rel, type, &at))) {
        *out = b;
        return 1;
    }
    mcx_report_step(rep, depth + 1, MCX_STEP_INFO, 0, NULL, "%zu event%s, no %s%s%s yet",
                    b->nevents, b->nevents == 1 ? "" : "s", rel, type ? " " : "",
                    type ? type : "");
    mcx_mb_batch_free(b);
    free(b);
    return followed < 0 ? -1 : 0;
}

mcx_mb_batch *mcx_mb_await(mcx_mb_client *c, mcx_report *rep, int depth, const char *rel,
                           const char *type, long wait_ms, mcx_mb_trigger trigger, void *arg,
                           const mcx_mb_event **ev, double *elapsed_ms)
{
    double t0 = mb_now_ms(), deadline = t0 + (double)wait_ms;
    int triggered = trigger == NULL;
    mcx_mb_batch *b = NULL;
    *ev = NULL;
    *elapsed_ms = 0;
    for (int round = 0; round < MB_AWAIT_MAX_PGETS; round++) {
        long left = (long)(deadline - mb_now_ms());
        if (left <= 0 || !c->events[0])
            break;
        mcx_mb_pget *p = mcx_mb_pget_start(c, c->events, left);
        if (!p)
            return NULL;
        /* Before the action, the P-GET must be parked, so that the event
         * is what completes it: one answered at once held events already
         * due and is read (and the channel acknowledged) first. The report
         * then does not depend on which request reached the server first. */
        if (!triggered && !mcx_mb_pget_wait(p, MB_PARK_MS)) {
            triggered = 1;
            t0 = mb_now_ms();
            if (trigger(arg) < 0) /* the action failed: the event cannot come */
                deadline = 0;
        }
        int r = mb_await_read(c, rep, depth, p, rel, type, &b, ev);
        if (r > 0 && triggered) {
            *elapsed_ms = mb_now_ms() - t0;
            return b;
        }
        mcx_mb_batch_free(b); /* the event before the action: not the one awaited */
        free(b);
        b = NULL;
        *ev = NULL;
        if (r < 0)
            break;
    }
    if (!triggered && trigger) /* never parked: act anyway, the caller reports */
        trigger(arg);
    return NULL;
}

void mcx_mb_step_close(mcx_report *rep, size_t step, int ok, double elapsed)
{
    if (step >= rep->nsteps)
        return;
    mcx_step *s = &rep->steps[step];
    static const char *const methods[] = {"GET ", "POST ", "PUT ", "DELETE "};
    if (elapsed <= 0) /* the requests below it (discovery's included) */
        for (size_t i = step + 1; i < rep->nsteps && rep->steps[i].depth > s->depth; i++)
            for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++)
                if (rep->steps[i].title &&
                    strncmp(rep->steps[i].title, methods[m], strlen(methods[m])) == 0)
                    elapsed += rep->steps[i].elapsed_ms;
    s->outcome = ok ? MCX_STEP_OK : MCX_STEP_FAIL;
    s->elapsed_ms = elapsed;
}

/* ---- mcxd's test clock ---------------------------------------------------------------------- */

int mcx_mb_clock_advance(mcx_mb_client *c, mcx_report *rep, int depth, long seconds)
{
    char body[64];
    mcx_mb_resp r;
    snprintf(body, sizeof body, "advance=%ld", seconds);
    char *saved = c->found.credential_value; /* not a Mobility request: no token */
    c->found.credential_value = NULL;
    int got = mcx_mb_call(c, rep, depth, "POST", "/_mcxd/clock",
                          "application/x-www-form-urlencoded", body, &r);
    c->found.credential_value = saved;
    int moved = got == 0 && r.http.status >= 200 && r.http.status < 300;
    if (got == 0 && moved)
        mcx_report_step(rep, depth + 1, MCX_STEP_OK, 0, NULL, "Target clock moved %ld s", seconds);
    mcx_mb_resp_free(&r);
    return got != 0 ? -1 : moved;
}
