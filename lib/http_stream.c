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
#include <ctype.h>
#include <http_parser.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcx/http_stream.h"

/* Strings of one message (target, header names and values) live in its
 * text arena: an inline buffer, then overflow buffers that are never moved
 * (so finished strings keep their address). One string is assembled at a
 * time, at the end of the current buffer; when it outgrows the buffer its
 * bytes so far move to a new one. Freed with the message: a message costs
 * two or three allocations instead of two per header. */
#define MSG_TEXT_INLINE 1024
#define MSG_TEXT_OVERFLOW 4096
#define MSG_BODY_KEEP 4096 /* a body buffer up to this size stays with a pooled message */

typedef struct text_overflow {
    struct text_overflow *prev;
    char data[];
} text_overflow;

typedef struct msg_block {
    mcx_http_message m;
    char *buf;              /* current buffer: text or the newest overflow */
    size_t cap, used;
    size_t open_start;      /* offset in buf of the string being assembled */
    text_overflow *overflow;
    char *body_buf;         /* m.body when the message has a body */
    size_t body_cap;
    char text[MSG_TEXT_INLINE];
} msg_block;

enum { OPEN_NONE, OPEN_TARGET, OPEN_FIELD, OPEN_VALUE };

typedef struct http_dir {
    http_parser parser;
    int dir;
    int in_message;
    int resync;         /* skipping to the next start line */
    int open;           /* which string of cur is being assembled */
    int is_head;        /* response: answers a HEAD request */
    msg_block *cur;     /* the message being parsed, NULL between messages */
    char *field;        /* finished name of the header whose value is open */
    uint64_t offset;     /* stream bytes seen */
    unsigned long frame;
    struct mcx_http_conn *conn;
} http_dir;

struct mcx_http_pool {
    msg_block *free[MCX_HTTP_POOL_MAX];
    size_t n;
};

struct mcx_http_conn {
    mcx_http_pool *pool; /* NULL: messages are malloc'd and freed */
    unsigned long flow_id;
    char *label;
    mcx_http_exchange_cb cb;
    void *ctx;
    mcx_report *rep;
    http_dir d[2];
    /* Requests awaiting their responses, oldest first; grown on demand up
     * to MCX_HTTP_MAX_PENDING and freed when empty (most connections never
     * pipeline, and an idle open connection should cost little). */
    msg_block **pending;
    size_t npending, cappending;
};

const char *mcx_http_msg_header(const mcx_http_message *m, const char *name)
{
    return mcx_http_headers_find(m->headers, m->nheaders, name);
}

size_t mcx_http_msg_header_count(const mcx_http_message *m, const char *name)
{
    return mcx_http_headers_count(m->headers, m->nheaders, name);
}

/* Every field but the header array, which is read only below nheaders:
 * clearing its 1 KB per message showed in profiles. */
static void message_zero(mcx_http_message *m)
{
    memset(m, 0, offsetof(mcx_http_message, headers));
    memset((char *)m + offsetof(mcx_http_message, nheaders), 0,
           sizeof *m - offsetof(mcx_http_message, nheaders));
}

static char empty_text[1] = "";

/* Drop the message's overflow text and body; ready for the next message. */
static void block_clear(msg_block *b)
{
    while (b->overflow) {
        text_overflow *o = b->overflow;
        b->overflow = o->prev;
        free(o);
    }
    if (b->body_cap > MSG_BODY_KEEP) {
        free(b->body_buf);
        b->body_buf = NULL;
        b->body_cap = 0;
    }
    message_zero(&b->m);
    b->buf = b->text;
    b->cap = sizeof b->text;
    b->used = b->open_start = 0;
}

static msg_block *block_new(mcx_http_pool *pool)
{
    if (pool && pool->n > 0)
        return pool->free[--pool->n]; /* cleared when it was given back */
    msg_block *b = malloc(sizeof *b);
    if (b == NULL)
        return NULL;
    b->overflow = NULL;
    b->body_buf = NULL;
    b->body_cap = 0;
    block_clear(b);
    return b;
}

static void block_free(mcx_http_pool *pool, msg_block *b)
{
    if (b == NULL)
        return;
    block_clear(b);
    if (pool && pool->n < MCX_HTTP_POOL_MAX) {
        pool->free[pool->n++] = b;
        return;
    }
    free(b->body_buf);
    free(b);
}

mcx_http_pool *mcx_http_pool_new(void)
{
    return calloc(1, sizeof(mcx_http_pool));
}

void mcx_http_pool_free(mcx_http_pool *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->free[i]->body_buf);
        free(p->free[i]);
    }
    free(p);
}

/* Room for n more bytes and a NUL after the open string; 0 or -1. */
static inline int text_room(msg_block *b, size_t n)
{
    if (b->used + n + 1 <= b->cap)
        return 0;
    size_t have = b->used - b->open_start;
    size_t cap = have + n + 1 > MSG_TEXT_OVERFLOW ? have + n + 1 : MSG_TEXT_OVERFLOW;
    text_overflow *o = malloc(sizeof *o + cap);
    if (o == NULL)
        return -1;
    memcpy(o->data, b->buf + b->open_start, have);
    o->prev = b->overflow;
    b->overflow = o;
    b->buf = o->data;
    b->cap = cap;
    b->open_start = 0;
    b->used = have;
    return 0;
}

/* Start assembling a string at the end of the text. */
static inline void text_open(msg_block *b)
{
    if (text_room(b, 0) != 0) {
        b->open_start = b->used; /* out of memory: nothing is stored */
        return;
    }
    b->open_start = b->used;
    b->buf[b->used] = '\0';
}

/* Append to the open string, which keeps its first MCX_HTTP_MAX_FIELD
 * bytes (max) at most. */
static inline void text_append(msg_block *b, const char *at, size_t n, size_t max)
{
    size_t len = b->used - b->open_start;
    if (len >= max)
        return;
    if (n > max - len)
        n = max - len;
    if (text_room(b, n) != 0)
        return;
    memcpy(b->buf + b->used, at, n);
    b->used += n;
    b->buf[b->used] = '\0';
}

/* Finish the open string; its address stays valid until block_clear. */
static inline char *text_close(msg_block *b)
{
    if (b->used >= b->cap)
        return empty_text; /* text_open found no memory */
    char *s = b->buf + b->open_start;
    b->used++; /* keep the NUL */
    b->open_start = b->used;
    return s;
}

/* Free the message being parsed (after it was handed on or dropped). */
static void cur_release(http_dir *d)
{
    block_free(d->conn->pool, d->cur);
    d->cur = NULL;
}

static http_dir *dir_of(http_parser *p)
{
    return (http_dir *)p->data;
}

/* 1 while the message has room for the header being assembled: beyond
 * MCX_HTTP_MAX_HEADERS a header is counted and its bytes not stored. */
static int header_kept(const http_dir *d)
{
    return d->cur->m.nheaders < MCX_HTTP_MAX_HEADERS;
}

/* Store the finished header (its value open, or none yet). */
static void header_commit(http_dir *d)
{
    if (d->open != OPEN_FIELD && d->open != OPEN_VALUE)
        return;
    msg_block *b = d->cur;
    mcx_http_message *m = &b->m;
    if (!header_kept(d)) {
        m->headers_dropped++;
    } else {
        char *value = empty_text;
        if (d->open == OPEN_FIELD)
            d->field = text_close(b);
        else
            value = text_close(b);
        m->headers[m->nheaders].name = d->field;
        m->headers[m->nheaders].value = value;
        m->nheaders++;
    }
    d->field = NULL;
    d->open = OPEN_NONE;
}

static int on_message_begin(http_parser *p)
{
    http_dir *d = dir_of(p);
    if (d->cur == NULL) {
        d->cur = block_new(d->conn->pool);
        if (d->cur == NULL)
            return -1; /* out of memory: reported as a parse error */
    } else {
        block_clear(d->cur);
    }
    d->cur->m.is_request = d->dir == 0;
    d->cur->m.first_frame = d->frame;
    d->in_message = 1;
    d->open = OPEN_NONE;
    d->field = NULL;
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    http_dir *d = dir_of(p);
    if (d->open != OPEN_TARGET) {
        text_open(d->cur);
        d->open = OPEN_TARGET;
    }
    text_append(d->cur, at, n, MCX_HTTP_MAX_FIELD);
    return 0;
}

/* The request target, once its last piece arrived. */
static void target_close(http_dir *d)
{
    if (d->open == OPEN_TARGET) {
        d->cur->m.target = text_close(d->cur);
        d->open = OPEN_NONE;
    }
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    http_dir *d = dir_of(p);
    target_close(d);
    if (d->open == OPEN_VALUE)
        header_commit(d);
    int keep = header_kept(d);
    if (d->open != OPEN_FIELD) {
        if (keep)
            text_open(d->cur);
        d->open = OPEN_FIELD;
    }
    if (keep)
        text_append(d->cur, at, n, MCX_HTTP_MAX_FIELD);
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    http_dir *d = dir_of(p);
    int keep = header_kept(d);
    if (d->open == OPEN_FIELD) {
        if (keep) {
            d->field = text_close(d->cur);
            text_open(d->cur);
        }
        d->open = OPEN_VALUE;
    }
    if (d->open == OPEN_VALUE && keep)
        text_append(d->cur, at, n, MCX_HTTP_MAX_FIELD);
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    http_dir *d = dir_of(p);
    target_close(d);
    header_commit(d);
    mcx_http_message *m = &d->cur->m;
    m->version_major = p->http_major;
    m->version_minor = p->http_minor;
    if (d->dir == 0) {
        /* http_method_str's names are static: the message points at them */
        m->method = (char *)http_method_str((enum http_method)p->method);
        if (m->target == NULL)
            m->target = empty_text;
    } else {
        m->status = (int)p->status_code;
        /* A response to HEAD has no body whatever its headers say. */
        mcx_http_conn *c = d->conn;
        if (c->npending > 0 && c->pending[0]->m.method &&
            strcmp(c->pending[0]->m.method, "HEAD") == 0)
            return 1;
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    msg_block *b = dir_of(p)->cur;
    mcx_http_message *m = &b->m;
    m->body_total += n;
    if (m->body_len >= MCX_HTTP_MAX_BODY)
        return 0;
    if (n > MCX_HTTP_MAX_BODY - m->body_len)
        n = MCX_HTTP_MAX_BODY - m->body_len;
    if (m->body_len + n + 1 > b->body_cap) {
        /* the whole announced body at once when its length is known */
        size_t need = m->body_len + n + 1;
        uint64_t announced = p->content_length != ULLONG_MAX ? need + p->content_length : 0;
        if (announced > need && announced <= MCX_HTTP_MAX_BODY + 1)
            need = (size_t)announced;
        size_t cap = b->body_cap ? b->body_cap : 512;
        while (cap < need)
            cap *= 2;
        if (cap > MCX_HTTP_MAX_BODY + 1)
            cap = MCX_HTTP_MAX_BODY + 1;
        char *nb = realloc(b->body_buf, cap);
        if (nb == NULL)
            return 0;
        b->body_buf = nb;
        b->body_cap = cap;
    }
    m->body = b->body_buf;
    memcpy(m->body + m->body_len, at, n);
    m->body_len += n;
    m->body[m->body_len] = '\0';
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
    emit_exchange(c, &c->pending[0]->m, resp);
    block_free(c->pool, c->pending[0]);
    memmove(&c->pending[0], &c->pending[1], (c->npending - 1) * sizeof c->pending[0]);
    c->npending--;
    /* the first array (two entries) stays for the next request; one grown
     * by pipelining is given back */
    if (c->npending == 0 && c->cappending > 2) {
        free(c->pending);
        c->pending = NULL;
        c->cappending = 0;
    }
}

/* Room for one more pending request. 0, or -1 when out of memory. */
static int pending_grow(mcx_http_conn *c)
{
    size_t ncap = c->cappending ? c->cappending * 2 : 2;
    if (ncap > MCX_HTTP_MAX_PENDING)
        ncap = MCX_HTTP_MAX_PENDING;
    msg_block **p = realloc(c->pending, ncap * sizeof *p);
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
    mcx_http_message *m = &d->cur->m;
    m->complete = 1;
    m->last_frame = d->frame;
    if (m->body == NULL)
        m->body = empty_text;
    d->in_message = 0;
    if (d->dir == 0) {
        if (c->npending == MCX_HTTP_MAX_PENDING)
            pop_request(c, NULL);
        if (c->npending == c->cappending && pending_grow(c) != 0) {
            cur_release(d); /* out of memory: the request is dropped */
            return 0;
        }
        c->pending[c->npending++] = d->cur; /* the message moves, not copied */
        d->cur = NULL;
        return 0;
    }
    if (m->status >= 100 && m->status < 200 && m->status != 101) {
        cur_release(d); /* interim response */
        return 0;
    }
    if (c->npending == 0) {
        if (c->rep)
            mcx_report_add(c->rep, "PC-023", "%s: HTTP %d response (frames %lu-%lu) with no "
                           "request outstanding", c->label, m->status,
                           m->first_frame, m->last_frame);
    } else {
        pop_request(c, m);
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
    d->field = NULL;
    d->open = OPEN_NONE;
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

void mcx_http_conn_set_pool(mcx_http_conn *c, mcx_http_pool *p)
{
    c->pool = p;
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
                       c->label, dir == 0 ? "request" : "response", d->cur->m.first_frame, frame,
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
                               d->cur->m.first_frame,
                               (unsigned long long)d->parser.content_length,
                               (unsigned long long)d->cur->m.body_total);
            else
                mcx_report_add(c->rep, "PC-022",
                               "%s: %s begun at frame %lu incomplete when the stream ended",
                               c->label, dir == 0 ? "request" : "response",
                               d->cur->m.first_frame);
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
    }
    free(c->pending);
    free(c->label);
    free(c);
}
