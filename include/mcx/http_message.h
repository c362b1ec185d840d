/*
 * http_message.h -- the one HTTP header model of mcxlab: a header is a name
 * and a value, a message's headers are an array of them, and there is one
 * lookup. The client's responses (mcx/http_client.h), mcxd's requests and
 * responses (refimpl/mcxd_http.h) and the messages read from captures
 * (mcx/http_stream.h) all hold their headers this way and look them up
 * through these two functions.
 *
 * Owns: the header type and the case-insensitive lookup (first letter
 * compared first: the capture reader calls it per exchange). Does not own:
 * parsing (libcurl, libevent's evhttp, http-parser), start lines, bodies.
 */
#ifndef MCX_HTTP_MESSAGE_H
#define MCX_HTTP_MESSAGE_H

#include <stddef.h>

typedef struct mcx_http_header {
    char *name;
    char *value;
} mcx_http_header;

/* Value of the first header called `name` (case-insensitive) among the `n`
 * of `h`; NULL when absent. Entries with a NULL name are skipped. */
const char *mcx_http_headers_find(const mcx_http_header *h, size_t n, const char *name);
/* How many of the `n` headers are called `name`. */
size_t mcx_http_headers_count(const mcx_http_header *h, size_t n, const char *name);

#endif
