/*
 * bench/mobility_load.c -- the load client of the `mobility` section of
 * bench/run.sh: drives mcxd's Mobility Service (refimpl/MOBILITY.md) over
 * TLS on loopback and prints one `result ...` line of key=value figures.
 *
 * Modes (one per figure of issue 9, section E):
 *   sessions  N applications (K per user) each signed in (OAuth password
 *             grant, POST applications, makeMeAvailable), with a presence
 *             subscription of M contacts, then a parked P-GET each on its
 *             own kept-alive TLS connection; the RSS of the server process
 *             (--server-pid, /proc/PID/status) is read before and after each
 *             phase; then the P-GETs are held (--hold seconds) and any that
 *             completes is counted as not parked.
 *   signin    sign-ins (token + application + makeMeAvailable) for
 *             --seconds over --conns kept-alive TLS connections, or with a
 *             new connection (full TLS handshake) per sign-in (--new-tls);
 *             rate, latency percentiles and the server's CPU time per
 *             sign-in (/proc/PID/stat).
 *   im        two sessions in one conversation; the sender POSTs a message
 *             while the receiver's P-GET is parked; latency from the POST to
 *             the receiver's P-GET completing with that message; p50/p99.
 *
 * Users are u00000@DOMAIN ... (password --password), as the bench's
 * generated topology names them.
 *
 * Owns: the load pattern, the timing and the figures printed. Does not own:
 * HTTP (libevent's evhttp client), TLS (OpenSSL through
 * bufferevent_openssl; the client does not verify the server's certificate:
 * only the server is measured), JSON (jansson), mcxd, or how the figures
 * are published (bench/run.sh).
 * No global mutable state: everything lives in one `load` in main().
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define APP_PREFIX "/ucwa/oauth/v1/applications"
#define MAX_LOCAL 8

/* ---- configuration (set once from the command line) ---------------------- */

typedef struct config {
    const char *mode;
    const char *addr;       /* server address (numeric) */
    int port;
    const char *host;       /* Host header and SNI */
    const char *domain;     /* users' SIP domain */
    const char *password;
    const char *locals[MAX_LOCAL]; /* source addresses, round-robin */
    int nlocals;
    int users;              /* users u00000 .. u(users-1) */
    int apps_per_user;      /* sessions: applications per user */
    int sessions;           /* sessions: applications in all */
    int contacts;           /* sessions: presence subscription members */
    int conns;              /* control connections / concurrency */
    double seconds;         /* signin: duration */
    long count;             /* signin: at most this many (0: 10 per user) */
    int new_tls;            /* signin: a new TLS connection per sign-in */
    int iterations;         /* im: measured messages */
    int warmup;             /* im: messages not measured */
    double hold;            /* sessions: seconds the P-GETs are held */
    double deadline;        /* give up after this many seconds */
    int server_pid;
    const char *user_agent;
    const char *ready_file;   /* sessions: written once the P-GETs are parked */
    const char *release_file; /* sessions: the hold ends when it exists */
} config;

/* ---- run state ------------------------------------------------------------ */

/* Phases of `sessions` (and of `im`'s setup), in order. */
enum { PH_TOKENS = 0, PH_APPS, PH_SUBS, PH_PGETS, PH_HOLD, PH_IM };

struct load;

typedef struct conn {
    struct load *L;
    struct evhttp_connection *evcon;
    int nodelay;            /* TCP_NODELAY set on its socket */
} conn;

typedef struct app {
    int user;
    char href[96];          /* APP_PREFIX "/<id>" */
    char conv[24];          /* im: conversation id */
    uint64_t ack;           /* next ack to ask for */
    conn *pget;             /* its own P-GET connection */
    int outstanding;        /* a P-GET is in flight */
    int pget_responses;     /* P-GET responses received */
} app;

typedef struct worker {
    struct load *L;
    conn *c;
    int step;
    long item;              /* current item (user, application, sign-in) */
    double t0;              /* sign-in start */
} worker;

typedef struct load {
    const config *cfg;
    struct event_base *base;
    SSL_CTX *ssl;
    double start;
    int nlocal_next;
    /* users' tokens */
    char (*tokens)[80];
    /* applications */
    app *apps;
    long napps;
    /* the phase being run by the workers */
    int phase;
    long next_item, items, items_done;
    worker *workers;
    int nworkers, workers_idle;
    /* counters */
    long errors;
    char first_error[256];
    long pget_opened, pget_first_done, pget_late; /* sessions */
    long first_batch_bytes;   /* sessions: bodies of the first batches */
    double last_response;
    /* signin */
    long signins;
    double *lat;
    long nlat, clat;
    double t_begin, t_end;
    uint64_t cpu0, cpu1;
    /* im */
    int im_state;
    long im_iter;
    double im_t0;
    int im_seen, im_posted;
    char im_marker[32];
    struct event *timer;
    /* RSS in KiB at phase boundaries */
    long rss[8];
    int nrss;
    int done, failed;
} load;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long server_rss_kib(const load *L)
{
    if (L->cfg->server_pid <= 0)
        return -1;
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", L->cfg->server_pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

/* utime + stime of the server, in clock ticks. */
static uint64_t server_cpu_ticks(const load *L)
{
    if (L->cfg->server_pid <= 0)
        return 0;
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", L->cfg->server_pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* comm may hold spaces */
    unsigned long long ut = 0, st = 0;
    /* fields after comm: state(3) ... utime(14) stime(15) */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (uint64_t)(ut + st);
}

static void fail(load *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(load *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mobility_load: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    L->failed = 1;
    event_base_loopbreak(L->base);
}

static void count_error(load *L, const char *what, int status)
{
    if (L->errors++ == 0)
        snprintf(L->first_error, sizeof L->first_error, "%s: status %d", what, status);
}

/* ---- connections and requests -------------------------------------------- */

static conn *conn_new(load *L, int timeout)
{
    const config *cfg = L->cfg;
    conn *c = calloc(1, sizeof *c);
    SSL *ssl = c ? SSL_new(L->ssl) : NULL;
    if (!ssl) {
        free(c);
        return NULL;
    }
    SSL_set_tlsext_host_name(ssl, cfg->host);
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        L->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (!bev) {
        SSL_free(ssl);
        free(c);
        return NULL;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    c->evcon = evhttp_connection_base_bufferevent_new(L->base, NULL, bev, cfg->addr,
                                                      (ev_uint16_t)cfg->port);
    if (!c->evcon) {
        bufferevent_free(bev);
        free(c);
        return NULL;
    }
    if (cfg->nlocals > 0)
        evhttp_connection_set_local_address(c->evcon,
                                            cfg->locals[L->nlocal_next++ % cfg->nlocals]);
    evhttp_connection_set_retries(c->evcon, 0);
    evhttp_connection_set_timeout(c->evcon, timeout);
    c->L = L;
    return c;
}

static void conn_free_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conn *c = arg;
    evhttp_connection_free(c->evcon);
    free(c);
}

/* Free a connection outside the callback that is using it. */
static void conn_free_later(conn *c)
{
    struct timeval zero = {0, 0};
    if (event_base_once(c->L->base, -1, EV_TIMEOUT, conn_free_cb, c, &zero) != 0)
        fprintf(stderr, "mobility_load: cannot schedule a connection's release\n");
}

typedef void (*resp_cb)(struct evhttp_request *, void *);

/* Send one request on `c`. bearer: token or NULL; ctype/body: or NULL. */
static int send_req(conn *c, enum evhttp_cmd_type method, const char *uri, const char *bearer,
                    const char *ctype, const char *body, resp_cb cb, void *arg)
{
    struct evhttp_request *req = evhttp_request_new(cb, arg);
    if (!req)
        return -1;
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", c->L->cfg->host);
    evhttp_add_header(h, "Accept", "application/json");
    if (bearer) {
        char a[128];
        snprintf(a, sizeof a, "Bearer %s", bearer);
        evhttp_add_header(h, "Authorization", a);
    }
    if (ctype)
        evhttp_add_header(h, "Content-Type", ctype);
    if (body)
        evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
    if (evhttp_make_request(c->evcon, req, method, uri) != 0)
        return -1;
    if (!c->nodelay) {
        /* The socket exists once the first request started the connect.
         * Without TCP_NODELAY a request written as two TLS records waits
         * for the server's delayed ACK (40 ms). */
        int fd = bufferevent_getfd(evhttp_connection_get_bufferevent(c->evcon)), one = 1;
        if (fd >= 0 && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0)
            c->nodelay = 1;
    }
    return 0;
}

/* The response body as a NUL-terminated copy (caller frees), or NULL. */
static char *resp_body(struct evhttp_request *req)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    evbuffer_copyout(in, s, n);
    s[n] = '\0';
    return s;
}

static int resp_status(struct evhttp_request *req)
{
    return req ? evhttp_request_get_response_code(req) : 0;
}

static const char *user_uri(const load *L, int u, char *out, size_t len)
{
    snprintf(out, len, "u%05d@%s", u, L->cfg->domain);
    return out;
}

/* ---- the steps of a sign-in --------------------------------------------- */

static int post_token(conn *c, int user, resp_cb cb, void *arg)
{
    char body[256], uri[96];
    snprintf(body, sizeof body, "grant_type=password&username=%s&password=%s",
             user_uri(c->L, user, uri, sizeof uri), c->L->cfg->password);
    return send_req(c, EVHTTP_REQ_POST, "/WebTicket/oauthtoken", NULL,
                    "application/x-www-form-urlencoded;charset=UTF-8", body, cb, arg);
}

/* The access_token of a token response into `out`; 0 or -1. */
static int take_token(struct evhttp_request *req, char *out, size_t len)
{
    if (resp_status(req) != 200)
        return -1;
    char *b = resp_body(req);
    json_t *j = b ? json_loads(b, 0, NULL) : NULL;
    const char *t = json_string_value(json_object_get(j, "access_token"));
    int ok = t && strlen(t) < len;
    if (ok)
        snprintf(out, len, "%s", t);
    json_decref(j);
    free(b);
    return ok ? 0 : -1;
}

static int post_application(conn *c, const char *token, long n, resp_cb cb, void *arg)
{
    char body[256];
    snprintf(body, sizeof body, "{\"UserAgent\":\"%s\",\"EndpointId\":\"bench-%ld\",\"Culture\":\"en-US\"}",
             c->L->cfg->user_agent, n);
    return send_req(c, EVHTTP_REQ_POST, APP_PREFIX, token, "application/json", body, cb, arg);
}

/* The application's href from the 201's Location; 0 or -1. */
static int take_application(struct evhttp_request *req, char *out, size_t len)
{
    if (resp_status(req) != 201)
        return -1;
    const char *loc = evhttp_find_header(evhttp_request_get_input_headers(req), "Location");
    if (!loc || strncmp(loc, APP_PREFIX "/", sizeof(APP_PREFIX)) != 0 || strlen(loc) >= len)
        return -1;
    snprintf(out, len, "%s", loc);
    return 0;
}

static int post_available(conn *c, const char *token, const char *href, resp_cb cb, void *arg)
{
    char uri[160];
    snprintf(uri, sizeof uri, "%s/me/makeMeAvailable", href);
    return send_req(c, EVHTTP_REQ_POST, uri, token, "application/json",
                    "{\"SupportedModalities\":[\"Messaging\"]}", cb, arg);
}

/* ---- the P-GET of an application ----------------------------------------- */

static void on_pget(struct evhttp_request *req, void *arg);

typedef struct pget_arg {
    load *L;
    app *a;
} pget_arg;

static int pget_send(load *L, app *a, pget_arg *pa)
{
    char uri[160];
    snprintf(uri, sizeof uri, "%s/events?ack=%" PRIu64, a->href, a->ack);
    a->outstanding = 1;
    return send_req(a->pget, EVHTTP_REQ_GET, uri, L->tokens[a->user], NULL, NULL, on_pget, pa);
}

/* The ack of the `next` link of an events response; 0 when there is none
 * (resync). */
static uint64_t next_ack(const char *body)
{
    json_t *j = json_loads(body, 0, NULL);
    const char *href = json_string_value(
        json_object_get(json_object_get(json_object_get(j, "_links"), "next"), "href"));
    const char *q = href ? strstr(href, "ack=") : NULL;
    uint64_t ack = q ? strtoull(q + 4, NULL, 10) : 0;
    json_decref(j);
    return ack;
}

static void im_pget_done(load *L, app *a, const char *body);
static void phase_item_done(load *L);
static void pgets_feed(load *L);

static void on_pget(struct evhttp_request *req, void *arg)
{
    pget_arg *pa = arg;
    load *L = pa->L;
    app *a = pa->a;
    a->outstanding = 0;
    L->last_response = now_s();
    int st = resp_status(req);
    char *body = st == 200 ? resp_body(req) : NULL;
    uint64_t ack = body ? next_ack(body) : 0;
    if (!ack) {
        count_error(L, "P-GET", st);
        free(body);
        /* this application stops here */
        if (a->pget_responses++ == 0 && strcmp(L->cfg->mode, "sessions") == 0) {
            L->pget_first_done++;
            phase_item_done(L);
        }
        return;
    }
    a->ack = ack;
    a->pget_responses++;
    int first = a->pget_responses == 1;
    if (first)
        L->first_batch_bytes += (long)strlen(body);
    if (strcmp(L->cfg->mode, "im") == 0)
        im_pget_done(L, a, body);
    else if (!first)
        L->pget_late++; /* completed after the first: was not (or no longer) parked */
    free(body);
    if (pget_send(L, a, pa) != 0)
        fail(L, "cannot send a P-GET");
    if (first && strcmp(L->cfg->mode, "sessions") == 0) {
        L->pget_first_done++;
        phase_item_done(L);
        if (L->phase == PH_PGETS)
            pgets_feed(L);
    }
}

/* Open the P-GET connection of `a` and send its first P-GET. */
static int pget_open(load *L, app *a)
{
    pget_arg *pa = malloc(sizeof *pa);
    a->pget = conn_new(L, 7200);
    if (!pa || !a->pget) {
        free(pa);
        return -1;
    }
    pa->L = L;
    pa->a = a;
    a->ack = 1;
    L->pget_opened++;
    return pget_send(L, a, pa);
}

/* ---- phases run by the workers (sessions, im setup) ---------------------- */

static void worker_next(worker *w);
static void phase_start(load *L, int phase);

static void record_rss(load *L)
{
    if (L->nrss < (int)(sizeof L->rss / sizeof L->rss[0]))
        L->rss[L->nrss++] = server_rss_kib(L);
}

static void phase_item_done(load *L)
{
    L->items_done++;
    if (L->items_done < L->items)
        return;
    record_rss(L); /* after every phase */
    fprintf(stderr, "mobility_load: phase %d done at %.1f s (%ld items, server RSS %ld KiB)\n",
            L->phase, now_s() - L->start, L->items, L->rss[L->nrss - 1]);
    int next = L->phase + 1;
    if (next == PH_SUBS && L->cfg->contacts == 0)
        next = PH_PGETS;
    if (next == PH_PGETS && strcmp(L->cfg->mode, "im") == 0)
        next = PH_IM;
    phase_start(L, next);
}

static void on_worker_resp(struct evhttp_request *req, void *arg)
{
    worker *w = arg;
    load *L = w->L;
    L->last_response = now_s();
    int st = resp_status(req);
    int phase = L->phase; /* the last item of a phase starts the next one */
    switch (phase) {
    case PH_TOKENS:
        if (take_token(req, L->tokens[w->item], sizeof L->tokens[0]) != 0)
            return fail(L, "token for user %ld: status %d", w->item, st);
        phase_item_done(L);
        break;
    case PH_APPS: {
        app *a = &L->apps[w->item];
        if (w->step == 0) {
            if (take_application(req, a->href, sizeof a->href) != 0)
                return fail(L, "application %ld: status %d", w->item, st);
            w->step = 1;
            if (post_available(w->c, L->tokens[a->user], a->href, on_worker_resp, w) != 0)
                return fail(L, "cannot send makeMeAvailable");
            return;
        }
        if (st != 204)
            return fail(L, "makeMeAvailable %ld: status %d", w->item, st);
        phase_item_done(L);
        break;
    }
    case PH_SUBS:
        if (st != 201)
            return fail(L, "presence subscription %ld: status %d", w->item, st);
        phase_item_done(L);
        break;
    default:
        return fail(L, "response in phase %d", L->phase);
    }
    if (L->phase == phase)
        worker_next(w);
}

static int post_subscription(load *L, worker *w, app *a)
{
    const config *cfg = L->cfg;
    size_t cap = (size_t)cfg->contacts * 48 + 64, n = 0;
    char *body = malloc(cap);
    if (!body)
        return -1;
    n += (size_t)snprintf(body + n, cap - n, "{\"uris\":[");
    for (int i = 1; i <= cfg->contacts; i++) {
        char uri[96];
        n += (size_t)snprintf(body + n, cap - n, "%s\"sip:%s\"", i > 1 ? "," : "",
                              user_uri(L, (a->user + i) % cfg->users, uri, sizeof uri));
    }
    snprintf(body + n, cap - n, "]}");
    char uri[160];
    snprintf(uri, sizeof uri, "%s/people/presenceSubscriptions", a->href);
    int r = send_req(w->c, EVHTTP_REQ_POST, uri, L->tokens[a->user], "application/json", body,
                     on_worker_resp, w);
    free(body);
    return r;
}

/* Give worker `w` the next item of the current phase (or let it idle). */
static void worker_next(worker *w)
{
    load *L = w->L;
    if (L->next_item >= L->items || L->failed) {
        L->workers_idle++;
        return;
    }
    w->item = L->next_item++;
    w->step = 0;
    int r = 0;
    switch (L->phase) {
    case PH_TOKENS:
        r = post_token(w->c, (int)w->item, on_worker_resp, w);
        break;
    case PH_APPS: {
        app *a = &L->apps[w->item];
        r = post_application(w->c, L->tokens[a->user], w->item, on_worker_resp, w);
        break;
    }
    case PH_SUBS:
        r = post_subscription(L, w, &L->apps[w->item]);
        break;
    default:
        r = -1;
    }
    if (r != 0)
        fail(L, "cannot send a request (phase %d)", L->phase);
}

static void on_settle(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    load *L = arg;
    double t = now_s();
    if (L->phase == PH_PGETS) {
        pgets_feed(L);
        if (L->items_done < L->items && t - L->start < L->cfg->deadline)
            return;
        if (L->items_done < L->items)
            return fail(L, "deadline: %ld of %ld P-GETs answered their first batch",
                        L->items_done, L->items);
    }
    if (L->phase == PH_HOLD) {
        /* parked = quiet for 1 s after the last response, then held */
        static const double quiet = 1.0;
        if (L->t_begin == 0 && t - L->last_response >= quiet) {
            record_rss(L);
            L->t_begin = t;
            L->pget_late = 0;
            fprintf(stderr, "mobility_load: parked, server RSS %ld KiB; holding\n",
                    L->rss[L->nrss - 1]);
            FILE *f = L->cfg->ready_file ? fopen(L->cfg->ready_file, "w") : NULL;
            if (f) {
                fprintf(f, "%ld\n", L->rss[L->nrss - 1]);
                fclose(f);
            }
        } else if (L->t_begin > 0 && t - L->t_begin >= L->cfg->hold &&
                   (!L->cfg->release_file || access(L->cfg->release_file, F_OK) == 0)) {
            record_rss(L);
            L->done = 1;
            event_base_loopbreak(L->base);
        }
    }
}

/* Open P-GET connections while fewer than `conns` first batches are owed. */
static void pgets_feed(load *L)
{
    while (L->next_item < L->items && L->pget_opened - L->pget_first_done < L->cfg->conns) {
        if (pget_open(L, &L->apps[L->next_item++]) != 0)
            return fail(L, "cannot open P-GET connection %ld (errno %d: %s)", L->next_item,
                        errno, strerror(errno));
    }
}

static void im_start(load *L);

static void phase_start(load *L, int phase)
{
    L->phase = phase;
    L->next_item = 0;
    L->items_done = 0;
    L->workers_idle = 0;
    switch (phase) {
    case PH_TOKENS: /* the users that have sessions; contacts need none */
        L->items = (L->napps + L->cfg->apps_per_user - 1) / L->cfg->apps_per_user;
        if (L->items > L->cfg->users)
            L->items = L->cfg->users;
        break;
    case PH_APPS:
    case PH_SUBS:
        L->items = L->napps;
        break;
    case PH_PGETS:
        L->items = L->napps;
        pgets_feed(L);
        return;
    case PH_HOLD:
        L->items = 0;
        return;
    case PH_IM:
        im_start(L);
        return;
    }
    for (int i = 0; i < L->nworkers; i++)
        worker_next(&L->workers[i]);
}

/* ---- signin -------------------------------------------------------------- */

static void signin_next(worker *w);

static void signin_done(worker *w, int ok, const char *what, int st)
{
    load *L = w->L;
    double t = now_s();
    if (ok) {
        L->signins++;
        if (L->nlat == L->clat) {
            L->clat = L->clat ? L->clat * 2 : 4096;
            double *g = realloc(L->lat, (size_t)L->clat * sizeof *g);
            if (!g)
                return fail(L, "out of memory");
            L->lat = g;
        }
        L->lat[L->nlat++] = (t - w->t0) * 1000.0;
    } else {
        count_error(L, what, st);
    }
    L->t_end = t;
    if (L->cfg->new_tls) {
        conn_free_later(w->c);
        w->c = NULL;
    }
    signin_next(w);
}

static void on_signin(struct evhttp_request *req, void *arg)
{
    worker *w = arg;
    load *L = w->L;
    int st = resp_status(req);
    if (w->step == 0) {
        if (take_token(req, L->tokens[w->item], sizeof L->tokens[0]) != 0)
            return signin_done(w, 0, "token", st);
        w->step = 1;
        if (post_application(w->c, L->tokens[w->item], w->item, on_signin, w) != 0)
            fail(L, "cannot send POST applications");
    } else if (w->step == 1) {
        if (take_application(req, L->apps[w->item].href, sizeof L->apps[0].href) != 0)
            return signin_done(w, 0, "POST applications", st);
        w->step = 2;
        if (post_available(w->c, L->tokens[w->item], L->apps[w->item].href, on_signin, w) != 0)
            fail(L, "cannot send makeMeAvailable");
    } else {
        signin_done(w, st == 204, "makeMeAvailable", st);
    }
}

static void signin_next(worker *w)
{
    load *L = w->L;
    double t = now_s();
    if (L->failed || t - L->t_begin >= L->cfg->seconds || L->next_item >= L->items) {
        if (++L->workers_idle == L->nworkers) {
            L->cpu1 = server_cpu_ticks(L);
            L->done = 1;
            event_base_loopbreak(L->base);
        }
        return;
    }
    long n = L->next_item++;
    w->item = n % L->cfg->users; /* tokens/hrefs kept per user */
    w->step = 0;
    w->t0 = t;
    if (!w->c)
        w->c = conn_new(L, 60);
    if (!w->c || post_token(w->c, (int)w->item, on_signin, w) != 0)
        fail(L, "cannot send a token request");
}

/* ---- im ------------------------------------------------------------------- */

enum { IM_INVITE = 0, IM_ACCEPT, IM_CONVS, IM_READY, IM_POSTED };

static void on_im(struct evhttp_request *req, void *arg);

static void im_send_next(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    load *L = arg;
    app *s = &L->apps[0], *r = &L->apps[1];
    if (L->im_iter >= L->cfg->warmup + L->cfg->iterations) {
        L->done = 1;
        event_base_loopbreak(L->base);
        return;
    }
    if (!s->outstanding || !r->outstanding) { /* a P-GET not re-parked yet */
        struct timeval tv = {0, 1000};
        evtimer_add(L->timer, &tv);
        return;
    }
    char uri[200];
    snprintf(uri, sizeof uri, "%s/communication/conversations/%s/messaging/messages", s->href,
             s->conv);
    snprintf(L->im_marker, sizeof L->im_marker, "bench%06ld", L->im_iter);
    L->im_seen = 0;
    L->im_posted = 0;
    L->im_state = IM_POSTED;
    L->im_t0 = now_s();
    if (send_req(L->workers[0].c, EVHTTP_REQ_POST, uri, L->tokens[s->user],
                 "text/plain; charset=utf-8", L->im_marker, on_im, L) != 0)
        fail(L, "cannot send a message");
}

static void im_iteration_check(load *L)
{
    if (L->im_state != IM_POSTED || !L->im_seen || !L->im_posted)
        return;
    L->im_iter++;
    L->im_state = IM_READY;
    struct timeval gap = {0, 2000}; /* let both P-GETs park again */
    evtimer_add(L->timer, &gap);
}

static void im_pget_done(load *L, app *a, const char *body)
{
    if (a != &L->apps[1] || L->im_state != IM_POSTED || L->im_seen)
        return;
    if (!strstr(body, L->im_marker))
        return;
    double ms = (now_s() - L->im_t0) * 1000.0;
    L->im_seen = 1;
    if (L->im_iter >= L->cfg->warmup) {
        if (L->nlat == L->clat) {
            L->clat = L->clat ? L->clat * 2 : 1024;
            double *g = realloc(L->lat, (size_t)L->clat * sizeof *g);
            if (!g)
                return fail(L, "out of memory");
            L->lat = g;
        }
        L->lat[L->nlat++] = ms;
    }
    im_iteration_check(L);
}

static void on_im(struct evhttp_request *req, void *arg)
{
    load *L = arg;
    app *s = &L->apps[0], *r = &L->apps[1];
    int st = resp_status(req);
    char uri[200];
    switch (L->im_state) {
    case IM_INVITE: {
        const char *loc = st == 201
            ? evhttp_find_header(evhttp_request_get_input_headers(req), "Location") : NULL;
        const char *id = loc ? strrchr(loc, '/') : NULL;
        if (!id)
            return fail(L, "startMessaging: status %d", st);
        L->im_state = IM_ACCEPT;
        snprintf(uri, sizeof uri, "%s/communication/messagingInvitations/%s/accept", r->href,
                 id + 1);
        if (send_req(L->workers[0].c, EVHTTP_REQ_POST, uri, L->tokens[r->user],
                     "application/json", NULL, on_im, L) != 0)
            fail(L, "cannot send accept");
        break;
    }
    case IM_ACCEPT:
        if (st != 204)
            return fail(L, "accept: status %d", st);
        L->im_state = IM_CONVS;
        snprintf(uri, sizeof uri, "%s/communication/conversations", s->href);
        if (send_req(L->workers[0].c, EVHTTP_REQ_GET, uri, L->tokens[s->user], NULL, NULL, on_im,
                     L) != 0)
            fail(L, "cannot send GET conversations");
        break;
    case IM_CONVS: {
        char *b = st == 200 ? resp_body(req) : NULL;
        const char *p = b ? strstr(b, "/communication/conversations/") : NULL;
        if (!p || strlen(p) < 29 + 16) {
            free(b);
            return fail(L, "GET conversations: status %d, no conversation", st);
        }
        snprintf(s->conv, 17, "%s", p + 29);
        free(b);
        L->im_state = IM_READY;
        struct timeval gap = {0, 20000};
        evtimer_add(L->timer, &gap);
        break;
    }
    case IM_POSTED:
        if (st != 201)
            count_error(L, "sendMessage", st);
        L->im_posted = 1;
        im_iteration_check(L);
        break;
    default:
        fail(L, "unexpected response (im state %d)", L->im_state);
    }
}

static void im_start(load *L)
{
    app *s = &L->apps[0], *r = &L->apps[1];
    if (pget_open(L, s) != 0 || pget_open(L, r) != 0)
        return fail(L, "cannot open the P-GET connections");
    L->timer = evtimer_new(L->base, im_send_next, L);
    char body[200], uri[160], to[96];
    snprintf(body, sizeof body, "{\"to\":\"sip:%s\",\"subject\":\"bench\"}",
             user_uri(L, r->user, to, sizeof to));
    snprintf(uri, sizeof uri, "%s/communication/messagingInvitations", s->href);
    L->im_state = IM_INVITE;
    if (!L->timer || send_req(L->workers[0].c, EVHTTP_REQ_POST, uri, L->tokens[s->user],
                              "application/json", body, on_im, L) != 0)
        fail(L, "cannot send startMessaging");
}

/* ---- main ------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, long n, double p)
{
    if (n == 0)
        return 0;
    long i = (long)(p * (double)n + 0.999999) - 1; /* nearest rank */
    if (i < 0)
        i = 0;
    if (i >= n)
        i = n - 1;
    return v[i];
}

static void usage(void)
{
    fprintf(stderr,
            "usage: mobility_load sessions|signin|im --server ADDR:PORT --host NAME\n"
            "         [--local ADDR]... [--domain D] [--password P] [--users N]\n"
            "         [--sessions N] [--apps-per-user K] [--contacts M] [--conns C]\n"
            "         [--seconds S] [--count N] [--new-tls] [--iterations N] [--warmup N] [--hold S]\n"
            "         [--deadline S] [--server-pid PID] [--user-agent UA]\n"
            "         [--ready-file F] [--release-file F]\n");
    exit(2);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    load *L = arg;
    fail(L, "deadline of %.0f s reached (phase %d, %ld of %ld items)", L->cfg->deadline, L->phase,
         L->items_done, L->items);
}

int main(int argc, char **argv)
{
    config cfg = {
        .domain = "bench.test",
        .password = "secret",
        .users = 2,
        .apps_per_user = 1,
        .conns = 16,
        .seconds = 5,
        .iterations = 1000,
        .warmup = 50,
        .hold = 3,
        .deadline = 600,
        .user_agent = "Android/4.4 mcxlab-bench",
    };
    char addr[64];
    if (argc < 2)
        usage();
    cfg.mode = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--new-tls") == 0) {
            cfg.new_tls = 1;
            continue;
        }
        if (!v)
            usage();
        i++;
        if (strcmp(a, "--server") == 0) {
            const char *colon = strrchr(v, ':');
            if (!colon || (size_t)(colon - v) >= sizeof addr)
                usage();
            memcpy(addr, v, (size_t)(colon - v));
            addr[colon - v] = '\0';
            cfg.addr = addr;
            cfg.port = atoi(colon + 1);
        } else if (strcmp(a, "--host") == 0) {
            cfg.host = v;
        } else if (strcmp(a, "--local") == 0) {
            if (cfg.nlocals == MAX_LOCAL)
                usage();
            cfg.locals[cfg.nlocals++] = v;
        } else if (strcmp(a, "--domain") == 0) {
            cfg.domain = v;
        } else if (strcmp(a, "--password") == 0) {
            cfg.password = v;
        } else if (strcmp(a, "--users") == 0) {
            cfg.users = atoi(v);
        } else if (strcmp(a, "--sessions") == 0) {
            cfg.sessions = atoi(v);
        } else if (strcmp(a, "--apps-per-user") == 0) {
            cfg.apps_per_user = atoi(v);
        } else if (strcmp(a, "--contacts") == 0) {
            cfg.contacts = atoi(v);
        } else if (strcmp(a, "--conns") == 0) {
            cfg.conns = atoi(v);
        } else if (strcmp(a, "--seconds") == 0) {
            cfg.seconds = atof(v);
        } else if (strcmp(a, "--count") == 0) {
            cfg.count = atol(v);
        } else if (strcmp(a, "--iterations") == 0) {
            cfg.iterations = atoi(v);
        } else if (strcmp(a, "--warmup") == 0) {
            cfg.warmup = atoi(v);
        } else if (strcmp(a, "--hold") == 0) {
            cfg.hold = atof(v);
        } else if (strcmp(a, "--deadline") == 0) {
            cfg.deadline = atof(v);
        } else if (strcmp(a, "--server-pid") == 0) {
            cfg.server_pid = atoi(v);
        } else if (strcmp(a, "--ready-file") == 0) {
            cfg.ready_file = v;
        } else if (strcmp(a, "--release-file") == 0) {
            cfg.release_file = v;
        } else if (strcmp(a, "--user-agent") == 0) {
            cfg.user_agent = v;
        } else {
            usage();
        }
    }
    int is_sessions = strcmp(cfg.mode, "sessions") == 0, is_signin = strcmp(cfg.mode, "signin") == 0,
        is_im = strcmp(cfg.mode, "im") == 0;
    if (!cfg.addr || !cfg.host || cfg.users < 1 || cfg.conns < 1 || cfg.apps_per_user < 1 ||
        (!is_sessions && !is_signin && !is_im))
        usage();
    if (is_im)
        cfg.users = 2;
    if (is_sessions && (cfg.sessions < 1 || cfg.sessions > cfg.users * cfg.apps_per_user ||
                        cfg.contacts >= cfg.users))
        usage();
    signal(SIGPIPE, SIG_IGN);

    load L = {.cfg = &cfg};
    L.base = event_base_new();
    L.ssl = SSL_CTX_new(TLS_client_method());
    if (!L.base || !L.ssl) {
        fprintf(stderr, "mobility_load: cannot set up libevent/OpenSSL\n");
        return 3;
    }
    SSL_CTX_set_verify(L.ssl, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_session_cache_mode(L.ssl, SSL_SESS_CACHE_OFF);
    L.napps = is_sessions ? cfg.sessions : cfg.users;
    L.tokens = calloc((size_t)cfg.users, sizeof *L.tokens);
    L.apps = calloc((size_t)L.napps, sizeof *L.apps);
    L.nworkers = is_im ? 1 : cfg.conns;
    L.workers = calloc((size_t)L.nworkers, sizeof *L.workers);
    if (!L.tokens || !L.apps || !L.workers)
        return 3;
    for (long i = 0; i < L.napps; i++)
        L.apps[i].user = is_sessions ? (int)(i / cfg.apps_per_user) : (int)i;
    for (int i = 0; i < L.nworkers; i++) {
        L.workers[i].L = &L;
        if (!(is_signin && cfg.new_tls) && !(L.workers[i].c = conn_new(&L, 60)))
            return 3;
    }
    struct event *settle = event_new(L.base, -1, EV_PERSIST, on_settle, &L);
    struct event *dl = evtimer_new(L.base, on_deadline, &L);
    struct timeval tick = {0, 100000}, dlt = {(time_t)cfg.deadline, 0};
    if (!settle || !dl || event_add(settle, &tick) != 0 || evtimer_add(dl, &dlt) != 0)
        return 3;
    L.start = now_s();
    record_rss(&L);

    if (is_signin) {
        /* Users have at most 10 applications each. */
        L.items = (long)cfg.users * 10;
        if (cfg.count > 0 && cfg.count < L.items)
            L.items = cfg.count;
        L.t_begin = now_s();
        L.cpu0 = server_cpu_ticks(&L);
        for (int i = 0; i < L.nworkers; i++)
            signin_next(&L.workers[i]);
    } else {
        phase_start(&L, PH_TOKENS);
    }
    while (!L.failed && !L.done)
        event_base_loop(L.base, EVLOOP_ONCE);
    if (L.failed)
        return 1;

    if (is_sessions) {
        long parked = 0;
        for (long i = 0; i < L.napps; i++)
            parked += L.apps[i].outstanding;
        /* rss: [0] start, [1] tokens, [2] apps available, ([3] subscribed),
         * then after the P-GETs' first batches, parked, end of hold. */
        int k = L.nrss;
        printf("result mode=sessions sessions=%ld users=%d apps_per_user=%d contacts=%d "
               "parked=%ld completed_while_held=%ld errors=%ld rss_start_kib=%ld "
               "rss_tokens_kib=%ld rss_available_kib=%ld rss_subscribed_kib=%ld "
               "rss_parked_kib=%ld rss_end_kib=%ld setup_s=%.1f first_batch_bytes=%ld\n",
               L.napps, cfg.users, cfg.apps_per_user, cfg.contacts, parked, L.pget_late, L.errors,
               L.rss[0], L.rss[1], L.rss[2], cfg.contacts ? L.rss[3] : L.rss[2], L.rss[k - 2],
               L.rss[k - 1], L.t_begin - L.start,
               L.pget_first_done ? L.first_batch_bytes / L.pget_first_done : 0);
    } else if (is_signin) {
        qsort(L.lat, (size_t)L.nlat, sizeof *L.lat, cmp_double);
        double secs = L.t_end - L.t_begin;
        long hz = sysconf(_SC_CLK_TCK);
        double cpu_ms = hz > 0 ? (double)(L.cpu1 - L.cpu0) * 1000.0 / (double)hz : 0;
        printf("result mode=signin new_tls=%d conns=%d signins=%ld errors=%ld seconds=%.3f "
               "rate=%.1f lat_p50_ms=%.3f lat_p99_ms=%.3f server_cpu_ms=%.0f "
               "server_cpu_us_per_signin=%.1f\n",
               cfg.new_tls, cfg.conns, L.signins, L.errors, secs,
               secs > 0 ? (double)L.signins / secs : 0, pct(L.lat, L.nlat, 0.5),
               pct(L.lat, L.nlat, 0.99), cpu_ms,
               L.signins ? cpu_ms * 1000.0 / (double)L.signins : 0);
    } else {
        qsort(L.lat, (size_t)L.nlat, sizeof *L.lat, cmp_double);
        printf("result mode=im messages=%ld errors=%ld p50_ms=%.3f p99_ms=%.3f max_ms=%.3f "
               "min_ms=%.3f\n",
               L.nlat, L.errors, pct(L.lat, L.nlat, 0.5), pct(L.lat, L.nlat, 0.99),
               L.nlat ? L.lat[L.nlat - 1] : 0, L.nlat ? L.lat[0] : 0);
    }
    if (L.errors)
        fprintf(stderr, "mobility_load: %ld errors, the first: %s\n", L.errors, L.first_error);
    fflush(stdout);
    /* The connections go with the process (the bench stops the server). */
    _exit(L.errors ? 1 : 0);
}
