/*
 * http_stream.c -- HTTP/1.1 requests and responses out of the two byte
 * streams of a reassembled TCP connection, with libhttp-parser (Debian's
 * libhttp-parser-dev). No HTTP is parsed by hand here: the only byte
 * inspection is finding where a start line may begin when resynchronising
 * after a gap (a line starting with a method token and a space, or with
 * "HTTP/1.").
 *
 * Owns: per-direction parser state, message assembly within the bounds of
 * http_stream.h, pairing responses with requests in order (pipelining),
 * HEAD responses without a body, close-delimited bodies at end of stream,
 * and findings PC-020 (parse error), PC-021 (conflicting Content-Length /
 * Transfer-Encoding), PC-022 (incomplete message), PC-023 (response without
 * request). Does not own: TCP or the protocol rules.
 */
#include <http_parser.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcx/http_stream.h"

typedef struct http_dir {
    http_parser parser;
    int dir;
    int in_message;
    int resync;         /* skipping to the next start line */
    int last_was_value;
    int is_head;        /* response: answers a HEAD request */
    mcx_http_message *cur; /* the message being parsed, NULL between messages */
    char *field, *value; /* header being assembled */
    size_t field_len, value_len;
    size_t target_len;
    uint64_t offset;     /* stream bytes seen */
    unsigned long frame;
    struct mcx_http_conn *conn;
} http_dir;

struct mcx_http_conn {
    unsigned long flow_id;
    char *label;
    mcx_http_exchange_cb cb;
    void *ctx;
    mcx_report *rep;
    http_dir d[2];
    /* Requests awaiting their responses, oldest first; grown on demand up
     * to MCX_HTTP_MAX_PENDING and freed when empty (most connections never
     * pipeline, and an idle open connection should cost little). */
    mcx_http_message *pending;
    size_t npending, cappending;
};

const char *mcx_http_msg_header(const mcx_http_message *m, const char *name)
{
    for (size_t i = 0; i < m->nheaders; i++)
        if (strcasecmp(m->names[i], name) == 0)
            return m->values[i];
    return NULL;
}

size_t mcx_http_msg_header_count(const mcx_http_message *m, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nheaders; i++)
        if (strcasecmp(m->names[i], name) == 0)
            n++;
    return n;
}

/* Every field but the header arrays (names, values), which are read only
 * below nheaders: clearing their 1 KB per message showed in profiles. */
static void message_zero(mcx_http_message *m)
{
    memset(m, 0, offsetof(mcx_http_message, names));
    memset((char *)m + offsetof(mcx_http_message, nheaders), 0,
           sizeof *m - offsetof(mcx_http_message, nheaders));
}

static void message_clear(mcx_http_message *m)
{
    free(m->method);
    free(m->target);
    for (size_t i = 0; i < m->nheaders; i++) {
        free(m->names[i]);
        free(m->values[i]);
    }
    free(m->body);
    message_zero(m);
}

/* Free the message being parsed (after it was handed on or dropped). */
static void cur_release(http_dir *d)
{
    if (d->cur == NULL)
        return;
    message_clear(d->cur);
    free(d->cur);
    d->cur = NULL;
}

/* Append to a bounded, NUL-terminated malloc'd string. */
static void bounded_append(char **s, size_t *len, const char *at, size_t n, size_t max)
{
    if (*len >= max)
        return;
    if (n > max - *len)
        n = max - *len;
    char *p = realloc(*s, *len + n + 1);
    if (p == NULL)
        return;
    memcpy(p + *len, at, n);
    *len += n;
    p[*len] = '\0';
    *s = p;
}

static http_dir *dir_of(http_parser *p)
{
    return (http_dir *)p->data;
}

static void header_commit(http_dir *d)
{
    if (d->field == NULL)
        return;
    mcx_http_message *m = d->cur;
    if (m->nheaders < MCX_HTTP_MAX_HEADERS) {
        m->names[m->nheaders] = d->field;
        m->values[m->nheaders] = d->value ? d->value : strdup("");
        m->nheaders++;
    } else {
        m->headers_dropped++;
        free(d->field);
        free(d->value);
    }
    d->field = d->value = NULL;
    d->field_len = d->value_len = 0;
    d->last_was_value = 0;
}

static int on_message_begin(http_parser *p)
{
    http_dir *d = dir_of(p);
    if (d->cur == NULL) {
        d->cur = malloc(sizeof *d->cur);
        if (d->cur == NULL)
            return -1; /* out of memory: reported as a parse error */
        message_zero(d->cur);
    } else {
        message_clear(d->cur);
    }
    d->cur->is_request = d->dir == 0;
    d->cur->first_frame = d->frame;
    d->in_message = 1;
    d->target_len = 0;
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    http_dir *d = dir_of(p);
    bounded_append(&d->cur->target, &d->target_len, at, n, MCX_HTTP_MAX_FIELD);
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    http_dir *d = dir_of(p);
    if (d->last_was_value)
        header_commit(d);
    bounded_append(&d->field, &d->field_len, at, n, MCX_HTTP_MAX_FIELD);
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    http_dir *d = dir_of(p);
    d->last_was_value = 1;
    bounded_append(&d->value, &d->value_len, at, n, MCX_HTTP_MAX_FIELD);
    if (d->value == NULL)
        d->value = strdup("");
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    http_dir *d = dir_of(p);
    header_commit(d);
    mcx_http_message *m = d->cur;
    m->version_major = p->http_major;
    m->version_minor = p->http_minor;
    if (d->dir == 0) {
        m->method = strdup(http_method_str((enum http_method)p->method));
        if (m->target == NULL)
            m->target = strdup("");
    } else {
        m->status = (int)p->status_code;
        /* A response to HEAD has no body whatever its headers say. */
        mcx_http_conn *c = d->conn;
        if (c->npending > 0 && c->pending[0].method &&
            strcmp(c->pending[0].method, "HEAD") == 0)
            return 1;
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    http_dir *d = dir_of(p);
    d->cur->body_total += n;
    bounded_append(&d->cur->body, &d->cur->body_len, at, n, MCX_HTTP_MAX_BODY);
    return 0;
}

static void emit_exchange(mcx_http_conn *c, const mcx_http_message *req,
                          const mcx_http_message *resp)
{
    if (c->cb)
        c->cb(c->ctx, req, resp, c->flow_id);
}

static void pop_request(mcx_http_conn *c, const mcx_http_message *resp)
{
    emit_exchange(c, &c->pending[0], resp);
    message_clear(&c->pending[0]);
    memmove(&c->pending[0], &c->pending[1], (c->npending - 1) * sizeof c->pending[0]);
    c->npending--;
    if (c->npending == 0) {
        free(c->pending);
        c->pending = NULL;
        c->cappending = 0;
    }
}

/* Room for one more pending request. 0, or -1 when out of memory. */
static int pending_grow(mcx_http_conn *c)
{
    size_t ncap = c->cappending ? c->cappending * 2 : 1;
    if (ncap > MCX_HTTP_MAX_PENDING)
        ncap = MCX_HTTP_MAX_PENDING;
    mcx_http_message *p = realloc(c->pending, ncap * sizeof *p);
    if (p == NULL)
        return -1;
    c->pending = p;
    c->cappending = ncap;
    return 0;
}

static int on_message_complete(http_parser *p)
{
    http_dir *d = dir_of(p);
    mcx_http_conn *c = d->conn;
    d->cur->complete = 1;
    d->cur->last_frame = d->frame;
    if (d->cur->body == NULL)
        d->cur->body = strdup("");
    d->in_message = 0;
    if (d->dir == 0) {
        if (c->npending == MCX_HTTP_MAX_PENDING)
            pop_request(c, NULL);
        if (c->npending == c->cappending && pending_grow(c) != 0) {
            cur_release(d); /* out of memory: the request is dropped */
            return 0;
        }
        c->pending[c->npending++] = *d->cur; /* the strings move with it */
        free(d->cur);
        d->cur = NULL;
        return 0;
    }
    if (d->cur->status >= 100 && d->cur->status < 200 && d->cur->status != 101) {
        cur_release(d); /* interim response */
        return 0;
    }
    if (c->npending == 0) {
        if (c->rep)
            mcx_report_add(c->rep, "PC-023", "%s: HTTP %d response (frames %lu-%lu) with no "
                           "request outstanding", c->label, d->cur->status,
                           d->cur->first_frame, d->cur->last_frame);
    } else {
        pop_request(c, d->cur);
    }
    cur_release(d);
    return 0;
}

static const http_parser_settings http_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

static void dir_reset(http_dir *d)
{
    http_parser_init(&d->parser, d->dir == 0 ? HTTP_REQUEST : HTTP_RESPONSE);
    d->parser.data = d;
    cur_release(d);
    free(d->field);
    free(d->value);
    d->field = d->value = NULL;
    d->field_len = d->value_len = 0;
    d->last_was_value = 0;
    d->in_message = 0;
}

mcx_http_conn *mcx_http_conn_new(unsigned long flow_id, const char *label,
                                 mcx_http_exchange_cb cb, void *ctx, mcx_report *rep)
{
    mcx_http_conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->flow_id = flow_id;
    c->label = strdup(label ? label : "TCP");
    if (c->label == NULL) {
        free(c);
        return NULL;
    }
    c->cb = cb;
    c->ctx = ctx;
    c->rep = rep;
    for (int i = 0; i < 2; i++) {
        c->d[i].dir = i;
        c->d[i].conn = c;
        dir_reset(&c->d[i]);
    }
    return c;
}

/* Where a start line may begin in data[0..len): a method token, a space, a
 * target and " HTTP/1." before the end of the line (requests), or
 * "HTTP/1.x NNN " (responses). After a gap the previous message's body may
 * end without a newline, so any offset qualifies when the shape matches. */
static int looks_like_start(int dir, const uint8_t *p, size_t avail)
{
    static const char *const methods[] = {"GET ", "POST ", "HEAD ", "PUT ", "DELETE ",
                                          "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "};
    if (dir == 1)
        return avail >= 13 && memcmp(p, "HTTP/1.", 7) == 0 && p[8] == ' ' &&
               p[9] >= '1' && p[9] <= '5' && p[12] == ' ';
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        size_t n = strlen(methods[i]);
        if (avail < n || memcmp(p, methods[i], n) != 0)
            continue;
        for (size_t k = n; k + 8 <= avail && p[k] != '\r' && p[k] != '\n'; k++)
            if (memcmp(p + k, " HTTP/1.", 8) == 0)
                return 1;
    }
    return 0;
}

static size_t find_start(http_dir *d, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (looks_like_start(d->dir, data + i, len - i))
            return i;
    return len;
}

static void report_parse_error(mcx_http_conn *c, http_dir *d, size_t at)
{
    enum http_errno e = HTTP_PARSER_ERRNO(&d->parser);
    const char *side = d->dir == 0 ? "request" : "response";
    if (c->rep == NULL)
        return;
    if (e == HPE_UNEXPECTED_CONTENT_LENGTH)
        mcx_report_add(c->rep, "PC-021",
                       "%s: %s at frame %lu (stream byte %llu) has conflicting "
                       "Content-Length / Transfer-Encoding headers",
                       c->label, side, d->frame, (unsigned long long)(d->offset + at));
    else
        mcx_report_add(c->rep, "PC-020", "%s: %s at frame %lu (stream byte %llu): %s (%s)",
                       c->label, side, d->frame, (unsigned long long)(d->offset + at),
                       http_errno_description(e), http_errno_name(e));
}

void mcx_http_conn_data(mcx_http_conn *c, int dir, const uint8_t *data, size_t len,
                        unsigned long frame)
{
    http_dir *d = &c->d[dir & 1];
    d->frame = frame;
    size_t pos = 0;
    while (pos < len) {
        if (d->resync) {
            size_t s = find_start(d, data + pos, len - pos);
            if (s == len - pos) {
                d->offset += len - pos;
                return;
            }
            pos += s;
            d->offset += s;
            d->resync = 0;
            dir_reset(d);
        }
        size_t n = http_parser_execute(&d->parser, &http_settings, (const char *)data + pos,
                                       len - pos);
        enum http_errno e = HTTP_PARSER_ERRNO(&d->parser);
        if (e != HPE_OK) {
            report_parse_error(c, d, n);
            if (dir == 1 && d->in_message && c->npending > 0)
                pop_request(c, NULL);
            d->resync = 1;
            /* skip at least one byte so the same start line is not retried */
            n = n < len - pos ? n + 1 : len - pos;
        } else if (d->parser.upgrade) {
            d->resync = 1; /* not HTTP any more: wait for a start line */
        }
        pos += n;
        d->offset += n;
        if (n == 0)
            break;
    }
}

void mcx_http_conn_gap(mcx_http_conn *c, int dir, unsigned long frame)
{
    http_dir *d = &c->d[dir & 1];
    d->frame = frame;
    if (d->in_message && c->rep)
        mcx_report_add(c->rep, "PC-022",
                       "%s: %s begun at frame %lu lost in a gap before frame %lu; "
                       "resynchronising at the next %s line",
                       c->label, dir == 0 ? "request" : "response", d->cur->first_frame, frame,
                       dir == 0 ? "request" : "status");
    /* Lost server bytes held at least part of one response: the oldest
     * outstanding request gets none, so later responses pair correctly. */
    if (dir == 1 && c->npending > 0)
        pop_request(c, NULL);
    dir_reset(d);
    d->resync = 1;
}

void mcx_http_conn_end(mcx_http_conn *c, int dir, unsigned long frame)
{
    http_dir *d = &c->d[dir & 1];
    d->frame = frame;
    if (!d->resync && d->in_message) {
        /* EOF completes a close-delimited body. */
        http_parser_execute(&d->parser, &http_settings, NULL, 0);
        if (d->in_message && c->rep) {
            if (d->parser.content_length > 0 && d->parser.content_length != ULLONG_MAX)
                mcx_report_add(c->rep, "PC-022",
                               "%s: %s begun at frame %lu ended with %llu body bytes still "
                               "expected (body seen: %llu bytes)",
                               c->label, dir == 0 ? "request" : "response",
                               d->cur->first_frame,
                               (unsigned long long)d->parser.content_length,
                               (unsigned long long)d->cur->body_total);
            else
                mcx_report_add(c->rep, "PC-022",
                               "%s: %s begun at frame %lu incomplete when the stream ended",
                               c->label, dir == 0 ? "request" : "response",
                               d->cur->first_frame);
        }
    }
    if (dir == 1 && d->in_message && c->npending > 0)
        pop_request(c, NULL);
    dir_reset(d);
    d->resync = 1;
}

void mcx_http_conn_free(mcx_http_conn *c)
{
    if (c == NULL)
        return;
    while (c->npending > 0)
        pop_request(c, NULL);
    for (int i = 0; i < 2; i++) {
        cur_release(&c->d[i]);
        free(c->d[i].field);
        free(c->d[i].value);
    }
    free(c->pending);
    free(c->label);
    free(c);
}
