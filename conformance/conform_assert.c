/*
 * conform_assert.c -- evaluating a vector step's assertions and captures
 * against one HTTP response.
 *
 * Owns: status-independent assertions (header equality / regex / absence /
 * count, body checks, XPath over the body with libxml2 and the document's
 * own namespaces, RFC 6901 JSON pointer lookup over jansson values with
 * the [name=value] array selectors of vectors/README.md), captures into
 * variables (header, XPath, pointer or the raw body, optionally after a
 * prefix), and the one-line "expected vs actual" text.
 * Response bodies are untrusted: XML is parsed with no network, no entity
 * substitution and any DOCTYPE refused. Does not own: sending requests or
 * deciding what a failure means (conform_run.c).
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libxml/parser.h>
#include "mcx/xml_safe.h"
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include "conform.h"

#define ASSERT_SHOW 120 /* bytes of a value shown in a message */

/* ---- RFC 6901 ---- */

/* Decode one reference token (between '/' separators) into out. */
static int jp_token(const char *s, size_t n, char *out, size_t out_len)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '~') {
            if (i + 1 >= n || (s[i + 1] != '0' && s[i + 1] != '1'))
                return -1;
            c = s[i + 1] == '0' ? '~' : '/';
            i++;
        }
        if (o + 1 >= out_len)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

static int jp_index(const char *tok, size_t *idx)
{
    if (tok[0] == '\0' || (tok[0] == '0' && tok[1] != '\0'))
        return -1;
    size_t v = 0;
    for (const char *p = tok; *p; p++) {
        if (*p < '0' || *p > '9' || v > (SIZE_MAX - 9) / 10)
            return -1;
        v = v * 10 + (size_t)(*p - '0');
    }
    *idx = v;
    return 0;
}

/* Scalar text of a JSON value; compact serialisation of containers. */
static char *assert_json_text(const json_t *v);

/* Does element `el` satisfy one condition "a.b=value" (n bytes)? */
static int jp_condition(json_t *el, const char *cond, size_t n)
{
    const char *eq = memchr(cond, '=', n);
    if (!eq)
        return 0;
    json_t *cur = el;
    for (const char *p = cond; p < eq && cur;) {
        const char *dot = memchr(p, '.', (size_t)(eq - p));
        size_t len = dot ? (size_t)(dot - p) : (size_t)(eq - p);
        char key[256];
        if (len >= sizeof key || !json_is_object(cur))
            return 0;
        memcpy(key, p, len);
        key[len] = '\0';
        cur = json_object_get(cur, key);
        p = dot ? dot + 1 : eq;
    }
    if (!cur || json_is_object(cur) || json_is_array(cur))
        return 0;
    char *text = assert_json_text(cur);
    size_t want = n - (size_t)(eq + 1 - cond);
    int ok = text && strlen(text) == want && memcmp(text, eq + 1, want) == 0;
    free(text);
    return ok;
}

/* "[cond,cond]": the first element of array `arr` meeting every condition. */
static json_t *jp_select(json_t *arr, const char *tok)
{
    size_t n = strlen(tok);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *el = json_array_get(arr, i);
        int ok = 1;
        for (size_t at = 1; ok && at < n - 1;) {
            size_t end = at;
            while (end < n - 1 && tok[end] != ',')
                end++;
            ok = jp_condition(el, tok + at, end - at);
            at = end + 1;
        }
        if (ok)
            return el;
    }
    return NULL;
}

json_t *mcx_json_pointer(json_t *root, const char *ptr, char *err, size_t err_len)
{
    if (err_len)
        err[0] = '\0';
    if (!root || !ptr)
        return NULL;
    if (ptr[0] == '\0')
        return root;
    if (ptr[0] != '/') {
        snprintf(err, err_len, "pointer must start with '/'");
        return NULL;
    }
    json_t *cur = root;
    const char *p = ptr + 1;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char tok[512];
        if (jp_token(p, n, tok, sizeof tok) != 0) {
            snprintf(err, err_len, "bad escape or over-long token at offset %zu",
                     (size_t)(p - ptr));
            return NULL;
        }
        size_t tl = strlen(tok);
        if (json_is_array(cur) && tl > 2 && tok[0] == '[' && tok[tl - 1] == ']') {
            cur = jp_select(cur, tok);
            if (!cur) {
                snprintf(err, err_len, "no array element matches %s", tok);
                return NULL;
            }
        } else if (json_is_object(cur)) {
            cur = json_object_get(cur, tok);
        } else if (json_is_array(cur)) {
            size_t idx;
            if (jp_index(tok, &idx) != 0 || idx >= json_array_size(cur)) {
                snprintf(err, err_len, "no array element '%s'", tok);
                return NULL;
            }
            cur = json_array_get(cur, idx);
        } else {
            snprintf(err, err_len, "'%s' indexes a scalar", tok);
            return NULL;
        }
        if (!cur) {
            snprintf(err, err_len, "no member '%s'", tok);
            return NULL;
        }
        if (!end)
            return cur;
        p = end + 1;
    }
}

static char *assert_json_text(const json_t *v)
{
    char buf[64];
    switch (json_typeof(v)) {
    case JSON_STRING:
        return strdup(json_string_value(v));
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        return strdup(buf);
    case JSON_REAL:
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        return strdup(buf);
    case JSON_TRUE:
        return strdup("true");
    case JSON_FALSE:
        return strdup("false");
    case JSON_NULL:
        return strdup("null");
    default:
        return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    }
}

/* ---- XML bodies ---- */

static xmlDocPtr assert_parse_xml(const char *body, size_t len, char *why, size_t why_len)
{
    mcx_error err;

    if (len == 0 || len > (size_t)1 << 26) {
        snprintf(why, why_len, "body is %s, not an XML document", len ? "too large" : "empty");
        return NULL;
    }
    xmlDocPtr doc = mcx_xml_read("response", body, len, "a response body", &err);
    if (!doc)
        snprintf(why, why_len, "body is not usable XML: line %d: %s", err.line, err.message);
    return doc;
}

/* Register every prefix declared in the document (the default namespace as
 * "d"), then the vector's own <ns> declarations. */
static void assert_register_ns(xmlXPathContextPtr xp, xmlNodePtr node)
{
    for (; node; node = node->next) {
        if (node->type != XML_ELEMENT_NODE)
            continue;
        for (xmlNsPtr ns = node->nsDef; ns; ns = ns->next)
            xmlXPathRegisterNs(xp, ns->prefix ? ns->prefix : (const xmlChar *)"d", ns->href);
        assert_register_ns(xp, node->children);
    }
}

static void assert_silent(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

typedef struct assert_value {
    int exists;   /* node set non-empty / member exists / non-node result */
    long count;   /* node count, container size, -1 when not countable */
    char *text;   /* string value (first node), may be NULL */
} assert_value;

/* Evaluate expr over the body. With `serialize`, text is the XML of the
 * first node of a node set instead of its string value. */
static int assert_eval_xpath(const mcx_vector_step *s, const char *expr, int serialize,
                             const mcx_http_response *resp, assert_value *out, char *why,
                             size_t why_len)
{
    xmlDocPtr doc = assert_parse_xml(resp->body, resp->body_len, why, why_len);
    if (!doc)
        return -1;
    xmlXPathContextPtr xp = xmlXPathNewContext(doc);
    int rc = -1;
    if (xp) {
        xp->error = assert_silent;
        assert_register_ns(xp, xmlDocGetRootElement(doc));
        for (size_t i = 0; i < s->nns; i++)
            xmlXPathRegisterNs(xp, (const xmlChar *)s->ns[i].prefix,
                               (const xmlChar *)s->ns[i].uri);
        xmlXPathObjectPtr res = xmlXPathEvalExpression((const xmlChar *)expr, xp);
        if (!res) {
            snprintf(why, why_len, "XPath '%s' does not evaluate (unknown prefix?)", expr);
        } else {
            rc = 0;
            if (res->type == XPATH_NODESET) {
                int n = res->nodesetval ? res->nodesetval->nodeNr : 0;
                out->exists = n > 0;
                out->count = n;
            } else if (res->type == XPATH_BOOLEAN) {
                out->exists = res->boolval != 0;
                out->count = -1;
            } else {
                out->exists = 1;
                out->count = -1;
            }
            if (serialize && res->type == XPATH_NODESET && out->exists) {
                /* Copy into a document of its own so namespaces declared
                 * on ancestors are declared on the copy: self-contained. */
                xmlDocPtr solo = xmlNewDoc((const xmlChar *)"1.0");
                xmlNodePtr copy =
                    solo ? xmlDocCopyNode(res->nodesetval->nodeTab[0], solo, 1) : NULL;
                xmlBufferPtr buf = copy ? xmlBufferCreate() : NULL;
                if (buf) {
                    xmlDocSetRootElement(solo, copy);
                    if (xmlNodeDump(buf, solo, copy, 0, 0) >= 0)
                        out->text = strdup((const char *)xmlBufferContent(buf));
                } else if (copy) {
                    xmlFreeNode(copy);
                }
                xmlBufferFree(buf);
                xmlFreeDoc(solo);
            } else {
                xmlChar *str = xmlXPathCastToString(res);
                out->text = strdup(str ? (const char *)str : "");
                xmlFree(str);
            }
            xmlXPathFreeObject(res);
        }
        xmlXPathFreeContext(xp);
    } else {
        snprintf(why, why_len, "out of memory");
    }
    xmlFreeDoc(doc);
    return rc;
}

static int assert_eval_json(const char *ptr, const mcx_http_response *resp, assert_value *out,
                            char *why, size_t why_len)
{
    json_error_t jerr;
    json_t *root = json_loadb(resp->body ? resp->body : "", resp->body_len, JSON_DECODE_ANY,
                              &jerr);
    if (!root) {
        snprintf(why, why_len, "body is not JSON: byte %d: %s", jerr.position, jerr.text);
        return -1;
    }
    char err[160];
    json_t *v = mcx_json_pointer(root, ptr, err, sizeof err);
    out->exists = v != NULL;
    out->count = -1;
    if (v) {
        if (json_is_array(v))
            out->count = (long)json_array_size(v);
        else if (json_is_object(v))
            out->count = (long)json_object_size(v);
        out->text = assert_json_text(v);
    } else {
        out->count = 0;
    }
    json_decref(root);
    return 0;
}

/* ---- comparisons ---- */

static void assert_show(char *out, size_t out_len, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < out_len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == ASSERT_SHOW) {
            o += (size_t)snprintf(out + o, out_len - o, "...");
            break;
        }
        if (c >= 0x20 && c != 0x7f)
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, out_len - o, "\\x%02x", c);
    }
    out[o < out_len ? o : out_len - 1] = '\0';
}

static int assert_regex(const char *re, const char *text, char *why, size_t why_len)
{
    regex_t rx;
    int rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        snprintf(why, why_len, "regular expression '%s' does not compile", re);
        return -1;
    }
    rc = regexec(&rx, text, 0, NULL, 0);
    regfree(&rx);
    return rc == 0 ? 1 : 0;
}

/* Compare a found text value with the operator. */
static int assert_text(mcx_vector_op op, const char *expected, const char *got, size_t got_len,
                       char *why, size_t why_len)
{
    char shown[ASSERT_SHOW * 4 + 8];
    assert_show(shown, sizeof shown, got, got_len);
    int ok;
    switch (op) {
    case MCX_VOP_EQUALS:
        ok = strlen(expected) == got_len && memcmp(expected, got, got_len) == 0;
        if (!ok)
            snprintf(why, why_len, "expected '%s', got '%s'", expected, shown);
        return ok;
    case MCX_VOP_CONTAINS:
        ok = memmem(got, got_len, expected, strlen(expected)) != NULL;
        if (!ok)
            snprintf(why, why_len, "expected to contain '%s', got '%s'", expected, shown);
        return ok;
    case MCX_VOP_MATCHES:
        ok = assert_regex(expected, got, why, why_len);
        if (ok == 0)
            snprintf(why, why_len, "expected to match /%s/, got '%s'", expected, shown);
        return ok > 0;
    default:
        snprintf(why, why_len, "operator not applicable");
        return 0;
    }
}

static int assert_count(const char *expected, long got, char *why, size_t why_len)
{
    if (got < 0) {
        snprintf(why, why_len, "expected a count of %s, but the value is not countable",
                 expected);
        return 0;
    }
    long want = strtol(expected, NULL, 10);
    if (want != got) {
        snprintf(why, why_len, "expected count %ld, got %ld", want, got);
        return 0;
    }
    return 1;
}

static int assert_header(const mcx_vector_assert *a, const char *expected,
                         const mcx_http_response *resp, char *why, size_t why_len)
{
    const char *v = mcx_http_header_get(resp, a->target);
    size_t n = mcx_http_header_count(resp, a->target);
    switch (a->op) {
    case MCX_VOP_PRESENT:
        if (!v)
            snprintf(why, why_len, "expected header %s, absent", a->target);
        return v != NULL;
    case MCX_VOP_ABSENT:
        if (v) {
            char shown[ASSERT_SHOW * 4 + 8];
            assert_show(shown, sizeof shown, v, strlen(v));
            snprintf(why, why_len, "expected no header %s, got '%s'", a->target, shown);
        }
        return v == NULL;
    case MCX_VOP_COUNT:
        return assert_count(expected, (long)n, why, why_len);
    default:
        if (!v) {
            snprintf(why, why_len, "expected header %s, absent", a->target);
            return 0;
        }
        /* A repeated header (WWW-Authenticate) holds when any occurrence does. */
        for (size_t i = 0; i < resp->nheaders; i++)
            if (strcasecmp(resp->headers[i].name, a->target) == 0 && resp->headers[i].value &&
                assert_text(a->op, expected, resp->headers[i].value,
                            strlen(resp->headers[i].value), why, why_len) > 0)
                return 1;
        return assert_text(a->op, expected, v, strlen(v), why, why_len);
    }
}

static int assert_wellformed(const char *what, const mcx_http_response *resp, char *why,
                             size_t why_len)
{
    if (strcmp(what, "xml") == 0) {
        xmlDocPtr doc = assert_parse_xml(resp->body, resp->body_len, why, why_len);
        xmlFreeDoc(doc);
        return doc != NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(resp->body ? resp->body : "", resp->body_len, 0, &jerr);
    if (!root)
        snprintf(why, why_len, "body is not JSON: byte %d: %s", jerr.position, jerr.text);
    json_decref(root);
    return root != NULL;
}

static int assert_body(const mcx_vector_assert *a, const char *expected,
                       const mcx_http_response *resp, char *why, size_t why_len)
{
    const char *body = resp->body ? resp->body : "";
    switch (a->op) {
    case MCX_VOP_EMPTY:
        if (resp->body_len != 0) {
            char shown[ASSERT_SHOW * 4 + 8];
            assert_show(shown, sizeof shown, body, resp->body_len);
            snprintf(why, why_len, "expected an empty body, got %zu bytes: '%s'",
                     resp->body_len, shown);
        }
        return resp->body_len == 0;
    case MCX_VOP_COUNT:
        if (!assert_count(expected, (long)resp->body_len, why, why_len)) {
            snprintf(why, why_len, "expected a body of %s bytes, got %zu", expected,
                     resp->body_len);
            return 0;
        }
        return 1;
    case MCX_VOP_WELLFORMED:
        return assert_wellformed(expected, resp, why, why_len);
    default:
        return assert_text(a->op, expected, body, resp->body_len, why, why_len);
    }
}

static int assert_structured(const mcx_vector_step *s, const mcx_vector_assert *a,
                             const char *target, const char *expected,
                             const mcx_http_response *resp, char *why, size_t why_len)
{
    assert_value val = {0, -1, NULL};
    int rc = a->kind == MCX_VA_XPATH
                 ? assert_eval_xpath(s, target, 0, resp, &val, why, why_len)
                 : assert_eval_json(target, resp, &val, why, why_len);
    if (rc != 0) {
        free(val.text);
        return 0;
    }
    int ok;
    switch (a->op) {
    case MCX_VOP_PRESENT:
        ok = val.exists;
        if (!ok)
            snprintf(why, why_len, "expected a match, found none");
        break;
    case MCX_VOP_ABSENT:
        ok = !val.exists;
        if (!ok && a->kind == MCX_VA_JSON) {
            char shown[ASSERT_SHOW * 4 + 8];
            assert_show(shown, sizeof shown, val.text ? val.text : "",
                        val.text ? strlen(val.text) : 0);
            snprintf(why, why_len, "expected no value, found '%s'", shown);
        } else if (!ok) {
            snprintf(why, why_len, "expected no match, found %ld", val.count > 0 ? val.count : 1);
        }
        break;
    case MCX_VOP_COUNT:
        ok = assert_count(expected, val.count, why, why_len);
        break;
    default:
        if (!val.exists || !val.text) {
            snprintf(why, why_len, "expected '%s', found nothing", expected);
            ok = 0;
        } else {
            ok = assert_text(a->op, expected, val.text, strlen(val.text), why, why_len);
        }
        break;
    }
    free(val.text);
    return ok;
}

int mcx_conform_assert(const mcx_vector_step *s, const mcx_vector_assert *a,
                       const mcx_http_response *resp, const mcx_vector_vars *vars, char *why,
                       size_t why_len)
{
    char missing[128];
    char *expected = NULL, *target = NULL;
    if (why_len)
        why[0] = '\0';
    if (a->value && !(expected = mcx_vector_expand(a->value, vars, missing, sizeof missing))) {
        snprintf(why, why_len, "variable {{%s}} has no value", missing);
        return 0;
    }
    if (a->target && !(target = mcx_vector_expand(a->target, vars, missing, sizeof missing))) {
        snprintf(why, why_len, "variable {{%s}} has no value", missing);
        free(expected);
        return 0;
    }
    const char *exp = expected ? expected : "";
    int ok;
    switch (a->kind) {
    case MCX_VA_HEADER:
        ok = assert_header(a, exp, resp, why, why_len);
        break;
    case MCX_VA_BODY:
        ok = assert_body(a, exp, resp, why, why_len);
        break;
    default:
        ok = assert_structured(s, a, target, exp, resp, why, why_len);
        break;
    }
    free(expected);
    free(target);
    return ok;
}

int mcx_conform_capture(const mcx_vector_step *s, const mcx_vector_capture *c,
                        const mcx_http_response *resp, mcx_vector_vars *vars, char *why,
                        size_t why_len)
{
    char *value = NULL;
    if (c->kind == MCX_VA_BODY) {
        if (resp->body_len && memchr(resp->body, '\0', resp->body_len)) {
            snprintf(why, why_len, "capture '%s': the body holds a NUL byte", c->name);
            return -1;
        }
        value = strdup(resp->body ? resp->body : "");
    } else if (c->kind == MCX_VA_HEADER) {
        const char *h = mcx_http_header_get(resp, c->target);
        if (!h) {
            snprintf(why, why_len, "capture '%s': header %s absent", c->name, c->target);
            return -1;
        }
        value = strdup(h);
    } else {
        assert_value val = {0, -1, NULL};
        int rc = c->kind == MCX_VA_XPATH
                     ? assert_eval_xpath(s, c->target, c->xml, resp, &val, why, why_len)
                     : assert_eval_json(c->target, resp, &val, why, why_len);
        if (rc != 0 || !val.exists || !val.text) {
            if (rc == 0)
                snprintf(why, why_len, "capture '%s': '%s' found nothing", c->name, c->target);
            free(val.text);
            return -1;
        }
        value = val.text;
    }
    if (!value)
        return -1;
    if (c->strip_prefix) {
        char missing[128];
        char *prefix = mcx_vector_expand(c->strip_prefix, vars, missing, sizeof missing);
        size_t pl = prefix ? strlen(prefix) : 0;
        if (!prefix || strncmp(value, prefix, pl) != 0) {
            char shown[ASSERT_SHOW * 4 + 8];
            assert_show(shown, sizeof shown, value, strlen(value));
            if (prefix)
                snprintf(why, why_len, "capture '%s': '%s' does not start with '%s'", c->name,
                         shown, prefix);
            else
                snprintf(why, why_len, "capture '%s': strip-prefix: variable {{%s}} has no value",
                         c->name, missing);
            free(prefix);
            free(value);
            return -1;
        }
        memmove(value, value + pl, strlen(value) - pl + 1);
        free(prefix);
    }
    if (c->base64) {
        char *b64 = mcx_vector_base64((const unsigned char *)value, strlen(value));
        free(value);
        value = b64;
        if (!value)
            return -1;
    }
    int rc = mcx_vector_vars_set(vars, c->name, value);
    free(value);
    return rc;
}

void mcx_conform_assert_describe(const mcx_vector_assert *a, char *buf, size_t len)
{
    static const char *const kinds[] = {"header", "xpath", "json", "body"};
    static const char *const ops[] = {"equals", "matches", "contains", "present",
                                      "absent", "count",   "empty",    "wellformed"};
    const char *kind = kinds[a->kind];
    const char *op = ops[a->op];
    if (a->kind == MCX_VA_BODY && a->op == MCX_VOP_COUNT)
        op = "length";
    if (a->value)
        snprintf(buf, len, "%s%s%s %s '%s'", kind, a->target ? " " : "",
                 a->target ? a->target : "", op, a->value);
    else
        snprintf(buf, len, "%s%s%s %s", kind, a->target ? " " : "", a->target ? a->target : "",
                 op);
}
