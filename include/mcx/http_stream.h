/*
 * http_stream.h -- HTTP/1.1 messages out of the two reassembled byte streams
 * of one TCP connection (lib/http_stream.c), parsed with libhttp-parser.
 *
 * Owns: one request parser and one response parser per connection,
 * Content-Length, chunked and close-delimited bodies, keep-alive and
 * pipelining (responses paired with requests in order; a HEAD response has
 * no body), resynchronising at the next request line (or status line) after
 * a gap or a parse error, and findings PC-020..PC-023. Does not own: TCP
 * (tcp_reassembly.h) nor what the messages mean (pcap_rules.c).
 *
 * Bounds: at most MCX_HTTP_MAX_HEADERS headers of MCX_HTTP_MAX_FIELD bytes
 * each are kept per message (more are counted, not stored), a body keeps its
 * first MCX_HTTP_MAX_BODY bytes (the length is still tracked), and at most
 * MCX_HTTP_MAX_PENDING requests wait for their responses.
 */
#ifndef MCX_HTTP_STREAM_H
#define MCX_HTTP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "mcx/http_message.h"
#include "mcx/report.h"

#define MCX_HTTP_MAX_HEADERS 64
#define MCX_HTTP_MAX_FIELD 4096
#define MCX_HTTP_MAX_BODY (1024 * 1024)
#define MCX_HTTP_MAX_PENDING 64

typedef struct mcx_http_message {
    int is_request;
    char *method;            /* request */
    char *target;            /* request-target as sent */
    int status;              /* response */
    int version_major, version_minor;
    mcx_http_header headers[MCX_HTTP_MAX_HEADERS]; /* mcx/http_message.h */
    size_t nheaders;
    size_t headers_dropped;
    char *body;              /* NUL-terminated copy of the first bytes */
    size_t body_len;         /* kept bytes */
    uint64_t body_total;     /* bytes seen */
    int complete;            /* framing finished */
    unsigned long first_frame, last_frame;
} mcx_http_message;

/* Case-insensitive; first occurrence; NULL when absent (the one lookup of
 * mcx/http_message.h). */
const char *mcx_http_msg_header(const mcx_http_message *m, const char *name);
size_t mcx_http_msg_header_count(const mcx_http_message *m, const char *name);

typedef struct mcx_http_conn mcx_http_conn;

/* A request and its response (NULL when the connection ended without one).
 * The callee may keep neither pointer. */
typedef void (*mcx_http_exchange_cb)(void *ctx, const mcx_http_message *req,
                                     const mcx_http_message *resp, unsigned long flow_id);

/* `rep` may be NULL. `label` names the connection in messages
 * ("192.0.2.50:40000 -> 127.0.1.11:80"). */
mcx_http_conn *mcx_http_conn_new(unsigned long flow_id, const char *label,
                                 mcx_http_exchange_cb cb, void *ctx, mcx_report *rep);
/* Optional: freed message buffers kept for reuse by every connection given
 * the same pool (at most MCX_HTTP_POOL_MAX buffers of about 2 KiB), so a
 * busy capture allocates no memory per message. One thread drives all the
 * connections of a pool. Free the pool after its connections. */
#define MCX_HTTP_POOL_MAX 64
typedef struct mcx_http_pool mcx_http_pool;
mcx_http_pool *mcx_http_pool_new(void);
void mcx_http_pool_free(mcx_http_pool *p);
void mcx_http_conn_set_pool(mcx_http_conn *c, mcx_http_pool *p);

/* dir 0 = client bytes, 1 = server bytes. */
void mcx_http_conn_data(mcx_http_conn *c, int dir, const uint8_t *data, size_t len,
                        unsigned long frame);
void mcx_http_conn_gap(mcx_http_conn *c, int dir, unsigned long frame);
void mcx_http_conn_end(mcx_http_conn *c, int dir, unsigned long frame);
/* Report what is left (incomplete messages, requests without response) and
 * free. */
void mcx_http_conn_free(mcx_http_conn *c);

#endif
