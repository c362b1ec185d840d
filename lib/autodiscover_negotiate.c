/*
 * autodiscover_negotiate.c -- content negotiation for Autodiscover
 * responses: which representation an Accept header asks for, and the
 * Content-Type string of each representation.
 *
 * Owns: the Accept header rules below. Does not own: rendering, the 406
 * response itself (refimpl), nor selecting a parser for a received body
 * (autodiscover_parse.c).
 *
 * Rules (protocol.md §2.3-2.4; RFC 7231 §5.3.2 for the header syntax):
 *  - The header is a comma-separated list of media ranges, each with optional
 *    ";name=value" parameters (whitespace around ';' and '=' allowed, values
 *    may be quoted). Type, subtype and parameter names are case-insensitive.
 *  - application/vnd.microsoft.rtc.autodiscover+xml -> XML,
 *    application/vnd.microsoft.rtc.autodiscover+json -> JSON (DataContract),
 *    both only with v=1 or without a v parameter; another v matches nothing.
 *    application/json -> UCWA. The wildcards (any type, application/any)
 *    match every representation. Anything else matches nothing.
 *  - Each representation's quality is that of the most specific range that
 *    matches it (an exact type beats
 *    application/any, which beats the any-type wildcard);
 *    q=0 excludes. The highest quality wins; ties go to the exact type, then
 *    to the range listed first, then to JSON, XML, UCWA in that order
 *    (JSON is the documented default, protocol.md §2.4).
 *  - An absent or empty header means JSON. A range with a malformed q value
 *    is ignored. Nothing acceptable -> -1 (the server answers 406).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mcx/autodiscover.h"

#define MCX_NEG_NREPR 3

/* Specificity of the range that set a representation's quality. */
enum { MCX_NEG_NONE = 0, MCX_NEG_ANY = 1, MCX_NEG_TYPE_ANY = 2, MCX_NEG_EXACT = 3 };

typedef struct mcx_neg_state {
    int specificity; /* MCX_NEG_* */
    int qmilli;      /* quality in thousandths, 0..1000 */
    size_t position; /* index of the range in the header */
} mcx_neg_state;

static const char *mcx_neg_skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

static const char *mcx_neg_trim_end(const char *start, const char *end)
{
    while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    return end;
}

static int mcx_neg_eq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ). */
static int mcx_neg_parse_q(const char *s, size_t n, int *qmilli)
{
    if (n == 0 || (s[0] != '0' && s[0] != '1'))
        return -1;
    int whole = s[0] - '0';
    int frac = 0, digits = 0;
    if (n > 1) {
        if (s[1] != '.' || n > 5)
            return -1;
        for (size_t i = 2; i < n; i++) {
            if (!isdigit((unsigned char)s[i]))
                return -1;
            frac = frac * 10 + (s[i] - '0');
            digits++;
        }
    }
    while (digits < 3) {
        frac *= 10;
        digits++;
    }
    if (whole == 1 && frac != 0)
        return -1;
    *qmilli = whole * 1000 + frac;
    return 0;
}

/* One media range [start, end). Updates the per-representation states. */
static void mcx_neg_range(const char *start, const char *end, size_t position,
                          mcx_neg_state st[MCX_NEG_NREPR])
{
    const char *p = mcx_neg_skip_ws(start, end);
    const char *type_end = p;
    while (type_end < end && *type_end != ';')
        type_end++;
    const char *type_last = mcx_neg_trim_end(p, type_end);
    size_t tlen = (size_t)(type_last - p);
    if (tlen == 0)
        return; /* empty element, e.g. "a, ,b" */

    int qmilli = 1000;
    int version_ok = 1;
    const char *q = type_end;
    while (q < end && *q == ';') {
        const char *pstart = mcx_neg_skip_ws(q + 1, end);
        const char *pend = pstart;
        int in_quote = 0;
        while (pend < end && (in_quote || *pend != ';')) {
            if (*pend == '"')
                in_quote = !in_quote;
            pend++;
        }
        const char *eq = memchr(pstart, '=', (size_t)(pend - pstart));
        if (eq) {
            const char *name_end = mcx_neg_trim_end(pstart, eq);
            const char *val = mcx_neg_skip_ws(eq + 1, pend);
            const char *val_end = mcx_neg_trim_end(val, pend);
            if (val_end - val >= 2 && *val == '"' && val_end[-1] == '"') {
                val++;
                val_end--;
            }
            size_t nlen = (size_t)(name_end - pstart);
            size_t vlen = (size_t)(val_end - val);
            if (mcx_neg_eq(pstart, nlen, "q")) {
                if (mcx_neg_parse_q(val, vlen, &qmilli) != 0)
                    return; /* malformed range: ignored */
            } else if (mcx_neg_eq(pstart, nlen, "v")) {
                version_ok = mcx_neg_eq(val, vlen, "1");
            }
        }
        q = pend;
    }

    int specificity = MCX_NEG_NONE;
    int match[MCX_NEG_NREPR] = {0, 0, 0};
    if (mcx_neg_eq(p, tlen, "*/*")) {
        specificity = MCX_NEG_ANY;
        match[MCX_REPR_XML] = match[MCX_REPR_JSON] = match[MCX_REPR_UCWA] = 1;
    } else if (mcx_neg_eq(p, tlen, "application/*")) {
        specificity = MCX_NEG_TYPE_ANY;
        match[MCX_REPR_XML] = match[MCX_REPR_JSON] = match[MCX_REPR_UCWA] = 1;
    } else if (mcx_neg_eq(p, tlen, "application/vnd.microsoft.rtc.autodiscover+xml")) {
        specificity = MCX_NEG_EXACT;
        match[MCX_REPR_XML] = version_ok;
    } else if (mcx_neg_eq(p, tlen, "application/vnd.microsoft.rtc.autodiscover+json")) {
        specificity = MCX_NEG_EXACT;
        match[MCX_REPR_JSON] = version_ok;
    } else if (mcx_neg_eq(p, tlen, "application/json")) {
        specificity = MCX_NEG_EXACT;
        match[MCX_REPR_UCWA] = 1;
    }
    for (int r = 0; r < MCX_NEG_NREPR; r++) {
        if (!match[r])
            continue;
        /* The most specific range decides; among equals the first one. */
        if (specificity > st[r].specificity) {
            st[r].specificity = specificity;
            st[r].qmilli = qmilli;
            st[r].position = position;
        }
    }
}

int mcx_ad_negotiate(const char *accept, mcx_repr *out)
{
    static const mcx_repr preference[MCX_NEG_NREPR] = {MCX_REPR_JSON, MCX_REPR_XML,
                                                       MCX_REPR_UCWA};
    mcx_neg_state st[MCX_NEG_NREPR];
    memset(st, 0, sizeof st);

    const char *p = accept ? accept : "";
    const char *end = p + strlen(p);
    if (mcx_neg_skip_ws(p, end) == end) {
        *out = MCX_REPR_JSON;
        return 0;
    }

    size_t position = 0, nonempty = 0;
    while (p < end) {
        const char *comma = p;
        int in_quote = 0;
        while (comma < end && (in_quote || *comma != ',')) {
            if (*comma == '"')
                in_quote = !in_quote;
            comma++;
        }
        if (mcx_neg_skip_ws(p, comma) < comma)
            nonempty++;
        mcx_neg_range(p, comma, position++, st);
        p = comma < end ? comma + 1 : comma;
    }
    if (nonempty == 0) { /* only commas and blanks: same as empty */
        *out = MCX_REPR_JSON;
        return 0;
    }

    int best = -1;
    for (int i = 0; i < MCX_NEG_NREPR; i++) {
        mcx_repr r = preference[i];
        if (st[r].specificity == MCX_NEG_NONE || st[r].qmilli == 0)
            continue;
        if (best < 0) {
            best = (int)r;
            continue;
        }
        const mcx_neg_state *b = &st[best];
        int better = st[r].qmilli > b->qmilli ||
                     (st[r].qmilli == b->qmilli &&
                      (st[r].specificity > b->specificity ||
                       (st[r].specificity == b->specificity && st[r].position < b->position)));
        if (better)
            best = (int)r;
    }
    if (best < 0)
        return -1;
    *out = (mcx_repr)best;
    return 0;
}

const char *mcx_ad_content_type(mcx_repr r)
{
    switch (r) {
    case MCX_REPR_XML:
        return MCX_CT_AD_XML;
    case MCX_REPR_JSON:
        return MCX_CT_AD_JSON;
    case MCX_REPR_UCWA:
        return MCX_CT_UCWA_JSON;
    }
    return MCX_CT_AD_JSON;
}
