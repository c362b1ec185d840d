/*
 * http_message.c -- the one header lookup of mcxlab (mcx/http_message.h).
 * Owns: case-insensitive header-name matching. Does not own: any message
 * shape or parser.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "mcx/http_message.h"

static int name_eq(const char *a, const char *b)
{
    return a && tolower((unsigned char)a[0]) == tolower((unsigned char)b[0]) &&
           strcasecmp(a, b) == 0;
}

const char *mcx_http_headers_find(const mcx_http_header *h, size_t n, const char *name)
{
    if (!h || !name)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (name_eq(h[i].name, name))
            return h[i].value;
    return NULL;
}

size_t mcx_http_headers_count(const mcx_http_header *h, size_t n, const char *name)
{
    size_t k = 0;
    if (!h || !name)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (name_eq(h[i].name, name))
            k++;
    return k;
}
