/*
 * vector_load.c -- load one conformance vector file into an mcx_vector.
 *
 * Owns: reading the file (size bound), parsing it with libxml2 as untrusted
 * input (no network, no entity substitution, any DTD rejected at its
 * DOCTYPE before a declaration is read: no XXE, no entity bombs), validating
 * it against the compiled-in lib/vector.xsd, and the semantic rules XSD
 * cannot express (one operator per assertion, unique step names, known
 * {{variables}}, captures defined before use, XPath / regex / JSON pointer
 * syntax and [name=value] selectors, every async step awaited once by a
 * later step and its captures visible only after that, cleanup steps last,
 * <enforces> refs known to the directory's statements.xml). Every
 * error names file:line and a rule name. The safe parse + XSD step is shared
 * with the statements loader (vector_xml.h).
 * Does not own: variable values (vector_vars.c) nor running a vector.
 */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include "mcx/embedded.h"
#include "mcx/vector.h"
#include "vector_xml.h"
#include "mcx/xml_safe.h"

#define LOAD_MAX_DEFINED 64

typedef struct load_state {
    mcx_vector_error *err;
    const char *name;
    int failed;
    const char *xsd_name; /* "vector.xsd" or "statements.xsd" */
} load_state;

void mcx_vector_error_format(const mcx_vector_error *e, char *buf, size_t len)
{
    if (e->line > 0)
        snprintf(buf, len, "%s:%d: %s: %s", e->file, e->line, e->rule, e->message);
    else
        snprintf(buf, len, "%s: %s: %s", e->file, e->rule, e->message);
}

const char *mcx_vector_result_name(mcx_vector_result r)
{
    switch (r) {
    case MCX_VECTOR_VALID: return "valid";
    case MCX_VECTOR_INVALID: return "invalid";
    case MCX_VECTOR_ACCEPTABLE: return "acceptable";
    }
    return "?";
}

const char *mcx_vector_strength_name(mcx_vector_strength s)
{
    switch (s) {
    case MCX_VECTOR_MUST: return "must";
    case MCX_VECTOR_SHOULD: return "should";
    case MCX_VECTOR_MAY: return "may";
    }
    return "?";
}

static void load_fail(load_state *st, int line, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void load_fail(load_state *st, int line, const char *rule, const char *fmt, ...)
{
    if (st->failed || !st->err)
        return;
    st->failed = 1;
    mcx_vector_error *e = st->err;
    snprintf(e->file, sizeof e->file, "%s", st->name);
    e->line = line;
    snprintf(e->rule, sizeof e->rule, "%s", rule);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    /* libxml2 messages end with (and may contain) newlines; keep one line. */
    size_t n = strlen(e->message);
    while (n > 0 && (e->message[n - 1] == '\n' || e->message[n - 1] == ' '))
        e->message[--n] = '\0';
    for (char *p = e->message; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

/* ---- freeing ---- */

static void load_free_step(mcx_vector_step *s)
{
    free(s->name);
    free(s->method);
    free(s->url);
    for (size_t i = 0; i < s->nheaders; i++) {
        free(s->headers[i].name);
        free(s->headers[i].value);
    }
    free(s->headers);
    free(s->body);
    for (size_t i = 0; i < s->nns; i++) {
        free(s->ns[i].prefix);
        free(s->ns[i].uri);
    }
    free(s->ns);
    for (size_t i = 0; i < s->nasserts; i++) {
        free(s->asserts[i].target);
        free(s->asserts[i].value);
    }
    free(s->asserts);
    for (size_t i = 0; i < s->ncaptures; i++) {
        free(s->captures[i].name);
        free(s->captures[i].target);
        free(s->captures[i].strip_prefix);
    }
    free(s->captures);
    free(s->awaits);
}

void mcx_vector_free(mcx_vector *v)
{
    if (!v)
        return;
    free(v->path);
    free(v->id);
    free(v->title);
    free(v->source);
    for (size_t i = 0; i < v->nrequires_vars; i++)
        free(v->requires_vars[i]);
    free(v->requires_vars);
    for (size_t i = 0; i < v->nsteps; i++)
        load_free_step(&v->steps[i]);
    free(v->steps);
    for (size_t i = 0; i < v->nenforces; i++)
        free(v->enforces[i]);
    free(v->enforces);
    free(v->enforces_lines);
    free(v);
}

/* ---- libxml2 helpers ---- */

static int load_is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static char *load_attr(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *copy = strdup((const char *)v);
    xmlFree(v);
    return copy;
}

static char *load_text(const xmlNode *n)
{
    xmlChar *v = xmlNodeGetContent(n);
    char *copy = strdup(v ? (const char *)v : "");
    xmlFree(v);
    return copy;
}

/* Trim leading/trailing whitespace in place (titles and sources). */
static char *load_trim(char *s)
{
    if (!s)
        return NULL;
    size_t start = 0, len = strlen(s);
    while (start < len && (s[start] == ' ' || s[start] == '\n' || s[start] == '\t' ||
                           s[start] == '\r'))
        start++;
    while (len > start && (s[len - 1] == ' ' || s[len - 1] == '\n' || s[len - 1] == '\t' ||
                           s[len - 1] == '\r'))
        len--;
    memmove(s, s + start, len - start);
    s[len - start] = '\0';
    return s;
}

static int load_line(const xmlNode *n)
{
    long l = xmlGetLineNo(n);
    return l > 0 && l < 1000000000 ? (int)l : 0;
}

static int load_bool(const char *s)
{
    return s && (strcmp(s, "true") == 0 || strcmp(s, "1") == 0);
}

static void *load_grow(void *arr, size_t n, size_t size)
{
    /* Grow one slot at a time; vectors are small (XSD bounds the counts). */
    void *grown = realloc(arr, (n + 1) * size);
    if (grown)
        memset((char *)grown + n * size, 0, size);
    return grown;
}

/* ---- semantic checks ---- */

typedef struct load_defined {
    const char *names[LOAD_MAX_DEFINED];
    size_t n;
} load_defined;

static void load_check_template(load_state *st, int line, const char *what, const char *tmpl,
                                const load_defined *def)
{
    if (!tmpl || st->failed)
        return;
    char bad[128];
    int rc = mcx_vector_template_check(tmpl, def->names, def->n, bad, sizeof bad);
    if (rc == -1)
        load_fail(st, line, "unknown-variable",
                  "%s uses {{%s}}, which is neither a topology variable nor captured by an "
                  "earlier step",
                  what, bad);
    else if (rc == -2)
        load_fail(st, line, "variable-syntax", "%s: %s", what, bad);
}

static void load_silent_xpath_error(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

static void load_check_xpath(load_state *st, int line, const char *expr)
{
    if (st->failed || strstr(expr, "{{"))
        return;
    xmlXPathContextPtr xp = xmlXPathNewContext(NULL);
    if (!xp) {
        load_fail(st, line, "internal", "out of memory");
        return;
    }
    xp->error = load_silent_xpath_error;
    xmlXPathCompExprPtr comp = xmlXPathCtxtCompile(xp, (const xmlChar *)expr);
    if (!comp)
        load_fail(st, line, "xpath-syntax", "XPath expression does not compile: %s", expr);
    xmlXPathFreeCompExpr(comp);
    xmlXPathFreeContext(xp);
}

static void load_check_regex(load_state *st, int line, const char *re)
{
    if (st->failed || strstr(re, "{{"))
        return;
    regex_t rx;
    int rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[128];
        regerror(rc, &rx, msg, sizeof msg);
        load_fail(st, line, "regex-syntax", "regular expression '%s': %s", re, msg);
        return;
    }
    regfree(&rx);
}

/* A reference token "[name=value,name.sub=value]" selects the first array
 * element whose members have those values: each condition needs a name made
 * of non-empty '.'-separated member names and an '='. */
static int load_selector_ok(const char *tok, size_t n)
{
    if (n < 2 || tok[0] != '[' || tok[n - 1] != ']')
        return 1; /* not a selector: a plain member name or index */
    size_t i = 1;
    while (i < n - 1) {
        size_t end = i;
        while (end < n - 1 && tok[end] != ',')
            end++;
        const char *eq = memchr(tok + i, '=', end - i);
        if (!eq || eq == tok + i || tok[i] == '.' || eq[-1] == '.')
            return 0;
        for (const char *p = tok + i; p + 1 < eq; p++)
            if (p[0] == '.' && p[1] == '.')
                return 0;
        i = end + 1;
        if (end < n - 1 && i == n - 1)
            return 0; /* trailing ',' */
    }
    return n > 2;
}

static void load_check_pointer(load_state *st, int line, const char *ptr)
{
    if (st->failed || !ptr)
        return;
    if (ptr[0] != '\0' && ptr[0] != '/') {
        load_fail(st, line, "json-pointer-syntax",
                  "JSON pointer '%s' must be empty or start with '/' (RFC 6901 section 3)", ptr);
        return;
    }
    for (const char *p = ptr; *p; p++)
        if (p[0] == '~' && p[1] != '0' && p[1] != '1') {
            load_fail(st, line, "json-pointer-syntax",
                      "JSON pointer '%s': '~' must be followed by 0 or 1 (RFC 6901 section 3)",
                      ptr);
            return;
        }
    for (const char *p = ptr; *p == '/';) {
        const char *end = strchr(p + 1, '/');
        size_t n = end ? (size_t)(end - p - 1) : strlen(p + 1);
        if (!load_selector_ok(p + 1, n)) {
            load_fail(st, line, "json-pointer-syntax",
                      "JSON pointer '%s': selector '%.*s' must be [name=value] or "
                      "[a.b=value,c=value] with non-empty member names",
                      ptr, (int)n, p + 1);
            return;
        }
        if (!end)
            break;
        p = end;
    }
}

/* ---- building ---- */

/* Reads the operator attributes of an assertion element. */
static void load_assert(load_state *st, const xmlNode *n, mcx_vector_assert_kind kind,
                        mcx_vector_assert *a, const load_defined *def)
{
    static const char *const ops[] = {"equals", "matches", "contains", "present",
                                      "absent", "count",   "empty",    "length",
                                      "wellformed"};
    int line = load_line(n);
    a->kind = kind;
    a->line = line;
    int nops = 0;
    const char *which = NULL;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)ops[i]);
        if (v) {
            nops++;
            which = ops[i];
            xmlFree(v);
        }
    }
    if (nops != 1) {
        load_fail(st, line, "assert-operator",
                  "<%s> needs exactly one of equals, matches, contains, present, absent, count"
                  "%s (found %d)",
                  (const char *)n->name, kind == MCX_VA_BODY ? ", empty, length, wellformed" : "",
                  nops);
        return;
    }
    char *value = load_attr(n, which);
    if (strcmp(which, "equals") == 0) {
        a->op = MCX_VOP_EQUALS;
    } else if (strcmp(which, "matches") == 0) {
        a->op = MCX_VOP_MATCHES;
        load_check_regex(st, line, value);
    } else if (strcmp(which, "contains") == 0) {
        a->op = MCX_VOP_CONTAINS;
    } else if (strcmp(which, "present") == 0 || strcmp(which, "absent") == 0) {
        int yes = load_bool(value);
        a->op = (strcmp(which, "present") == 0) == yes ? MCX_VOP_PRESENT : MCX_VOP_ABSENT;
        free(value);
        value = NULL;
    } else if (strcmp(which, "count") == 0 || strcmp(which, "length") == 0) {
        a->op = MCX_VOP_COUNT;
    } else if (strcmp(which, "empty") == 0) {
        if (!load_bool(value))
            load_fail(st, line, "assert-operator",
                      "empty=\"false\" says nothing; use length or contains");
        a->op = MCX_VOP_EMPTY;
        free(value);
        value = NULL;
    } else {
        a->op = MCX_VOP_WELLFORMED;
    }
    a->value = value;
    load_check_template(st, line, "expected value", a->value, def);
    if (kind == MCX_VA_HEADER) {
        a->target = load_attr(n, "name");
    } else if (kind == MCX_VA_XPATH) {
        a->target = load_attr(n, "expr");
        load_check_template(st, line, "XPath expression", a->target, def);
        if (a->target)
            load_check_xpath(st, line, a->target);
    } else if (kind == MCX_VA_JSON) {
        a->target = load_attr(n, "pointer");
        load_check_pointer(st, line, a->target);
    }
}

static void load_expect(load_state *st, const xmlNode *n, mcx_vector_step *s,
                        const load_defined *def)
{
    char *status = load_attr(n, "status");
    for (char *tok = status ? strtok(status, " \t\n") : NULL; tok; tok = strtok(NULL, " \t\n"))
        if (s->nstatus < MCX_VECTOR_MAX_STATUS)
            s->status[s->nstatus++] = atoi(tok);
    free(status);
    for (const xmlNode *c = n->children; c && !st->failed; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (load_is(c, "ns")) {
            mcx_vector_ns *ns = load_grow(s->ns, s->nns, sizeof *ns);
            if (!ns)
                return load_fail(st, load_line(c), "internal", "out of memory");
            s->ns = ns;
            ns[s->nns].prefix = load_attr(c, "prefix");
            ns[s->nns].uri = load_attr(c, "uri");
            s->nns++;
            continue;
        }
        mcx_vector_assert_kind kind = load_is(c, "header") ? MCX_VA_HEADER
                                      : load_is(c, "xpath") ? MCX_VA_XPATH
                                      : load_is(c, "json")  ? MCX_VA_JSON
                                                            : MCX_VA_BODY;
        mcx_vector_assert *a = load_grow(s->asserts, s->nasserts, sizeof *a);
        if (!a)
            return load_fail(st, load_line(c), "internal", "out of memory");
        s->asserts = a;
        s->nasserts++;
        load_assert(st, c, kind, &a[s->nasserts - 1], def);
    }
}

static void load_capture(load_state *st, const xmlNode *n, mcx_vector_step *s,
                         const load_defined *def)
{
    int line = load_line(n);
    mcx_vector_capture *caps = load_grow(s->captures, s->ncaptures, sizeof *caps);
    if (!caps)
        return load_fail(st, line, "internal", "out of memory");
    s->captures = caps;
    mcx_vector_capture *c = &caps[s->ncaptures++];
    c->line = line;
    c->name = load_attr(n, "name");
    char *encode = load_attr(n, "encode");
    c->base64 = encode && strcmp(encode, "base64") == 0;
    free(encode);
    char *form = load_attr(n, "form");
    c->xml = form && strcmp(form, "xml") == 0;
    free(form);
    c->strip_prefix = load_attr(n, "strip-prefix");
    load_check_template(st, line, "strip-prefix", c->strip_prefix, def);
    int nsrc = 0;
    char *body = load_attr(n, "body");
    if (body) {
        nsrc++;
        c->kind = MCX_VA_BODY;
        free(body);
    }
    static const struct {
        const char *attr;
        mcx_vector_assert_kind kind;
    } srcs[] = {{"header", MCX_VA_HEADER}, {"xpath", MCX_VA_XPATH}, {"pointer", MCX_VA_JSON}};
    if (st->failed)
        return;
    for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
        char *v = load_attr(n, srcs[i].attr);
        if (!v)
            continue;
        nsrc++;
        free(c->target);
        c->target = v;
        c->kind = srcs[i].kind;
    }
    if (nsrc != 1)
        return load_fail(st, line, "capture-source",
                         "<capture name=\"%s\"> needs exactly one of header, xpath, pointer, "
                         "body (found %d)",
                         c->name ? c->name : "", nsrc);
    if (c->name && mcx_vector_var_known(c->name))
        return load_fail(st, line, "capture-shadows",
                         "capture '%s' would hide the topology variable of that name", c->name);
    if (c->xml && c->kind != MCX_VA_XPATH)
        return load_fail(st, line, "capture-source", "form=\"xml\" needs an xpath capture");
    if (c->kind == MCX_VA_XPATH)
        load_check_xpath(st, line, c->target);
    else if (c->kind == MCX_VA_JSON)
        load_check_pointer(st, line, c->target);
}

/* Make the captures of step s visible to the steps after the current one. */
static void load_define_captures(load_state *st, const mcx_vector_step *s, load_defined *def)
{
    for (size_t i = 0; i < s->ncaptures && !st->failed; i++) {
        if (def->n == LOAD_MAX_DEFINED)
            return load_fail(st, s->captures[i].line, "capture-count",
                             "more than %d captures in one vector", LOAD_MAX_DEFINED);
        def->names[def->n++] = s->captures[i].name;
    }
}

/* <await step="NAME"/> in step v->steps[cur]: NAME is an earlier async step
 * not awaited yet; its captures become visible after this step. */
static void load_await(load_state *st, const xmlNode *n, mcx_vector *v, size_t cur,
                       load_defined *def)
{
    mcx_vector_step *s = &v->steps[cur];
    int line = load_line(n);
    char *name = load_attr(n, "step");
    size_t found = cur;
    for (size_t i = 0; name && i < cur; i++)
        if (v->steps[i].name && strcmp(v->steps[i].name, name) == 0)
            found = i;
    if (found == cur) {
        load_fail(st, line, "async-await", "<await step=\"%s\"> names no earlier step",
                  name ? name : "");
    } else if (!v->steps[found].async) {
        load_fail(st, line, "async-await",
                  "<await step=\"%s\">: that step (line %d) is not async=\"true\"", name,
                  v->steps[found].line);
    } else {
        for (size_t i = 0; i < cur && !st->failed; i++)
            for (size_t k = 0; k < v->steps[i].nawaits; k++)
                if (v->steps[i].awaits[k] == found)
                    load_fail(st, line, "async-await",
                              "step '%s' is already awaited by step '%s' (line %d)", name,
                              v->steps[i].name, v->steps[i].line);
        for (size_t k = 0; k < s->nawaits && !st->failed; k++)
            if (s->awaits[k] == found)
                load_fail(st, line, "async-await", "step '%s' is awaited twice", name);
    }
    free(name);
    if (st->failed)
        return;
    size_t *aw = load_grow(s->awaits, s->nawaits, sizeof *aw);
    if (!aw)
        return load_fail(st, line, "internal", "out of memory");
    s->awaits = aw;
    aw[s->nawaits++] = found;
    load_define_captures(st, &v->steps[found], def);
}

static void load_step(load_state *st, const xmlNode *n, mcx_vector *v, size_t cur,
                      load_defined *def)
{
    mcx_vector_step *s = &v->steps[cur];
    s->line = load_line(n);
    s->name = load_attr(n, "name");
    s->method = load_attr(n, "method");
    if (!s->method)
        s->method = strdup("GET");
    s->url = load_attr(n, "url");
    char *site = load_attr(n, "site");
    s->site = site && strcmp(site, "internal") == 0 ? MCX_ACCESS_INTERNAL : MCX_ACCESS_EXTERNAL;
    free(site);
    char *flag = load_attr(n, "async");
    s->async = load_bool(flag);
    free(flag);
    flag = load_attr(n, "cleanup");
    s->cleanup = load_bool(flag);
    free(flag);
    flag = load_attr(n, "park-ms");
    s->park_ms = flag ? atoi(flag) : MCX_VECTOR_PARK_MS;
    free(flag);
    if (s->async && s->cleanup)
        load_fail(st, s->line, "async-await", "a cleanup step cannot be async");
    if (cur > 0 && v->steps[cur - 1].cleanup && !s->cleanup)
        load_fail(st, s->line, "cleanup-order",
                  "step '%s' follows the cleanup step '%s': cleanup steps come last",
                  s->name ? s->name : "", v->steps[cur - 1].name ? v->steps[cur - 1].name : "");
    load_check_template(st, s->line, "step url", s->url, def);
    for (const xmlNode *c = n->children; c && !st->failed; c = c->next) {
        if (load_is(c, "header")) {
            mcx_vector_header *h = load_grow(s->headers, s->nheaders, sizeof *h);
            if (!h)
                return load_fail(st, load_line(c), "internal", "out of memory");
            s->headers = h;
            h[s->nheaders].name = load_attr(c, "name");
            h[s->nheaders].value = load_text(c);
            s->nheaders++;
            load_check_template(st, load_line(c), "request header", h[s->nheaders - 1].value,
                                def);
            if (strpbrk(h[s->nheaders - 1].value, "\r\n"))
                load_fail(st, load_line(c), "header-value",
                          "request header values cannot contain CR or LF");
        } else if (load_is(c, "body")) {
            s->body = load_text(c);
            s->body_len = s->body ? strlen(s->body) : 0;
            load_check_template(st, load_line(c), "request body", s->body, def);
        } else if (load_is(c, "expect")) {
            load_expect(st, c, s, def);
        } else if (load_is(c, "capture")) {
            load_capture(st, c, s, def);
        }
    }
    /* Captures become visible to later steps only; an async step's once a
     * later step awaits it. */
    if (!s->async)
        load_define_captures(st, s, def);
    for (const xmlNode *c = n->children; c && !st->failed; c = c->next)
        if (load_is(c, "await"))
            load_await(st, c, v, cur, def);
}

static void load_enforces(load_state *st, const xmlNode *n, mcx_vector *v)
{
    int line = load_line(n);
    char **refs = load_grow(v->enforces, v->nenforces, sizeof *refs);
    if (refs)
        v->enforces = refs;
    int *lines = load_grow(v->enforces_lines, v->nenforces, sizeof *lines);
    if (lines)
        v->enforces_lines = lines;
    if (!refs || !lines)
        return load_fail(st, line, "internal", "out of memory");
    char *ref = load_attr(n, "ref");
    if (!ref)
        return load_fail(st, line, "xsd", "<enforces> needs a ref attribute");
    for (size_t i = 0; i < v->nenforces; i++)
        if (strcmp(v->enforces[i], ref) == 0) {
            load_fail(st, line, "duplicate-statement",
                      "statement %s is already enforced at line %d", ref, v->enforces_lines[i]);
            break;
        }
    v->enforces[v->nenforces] = ref;
    v->enforces_lines[v->nenforces] = line;
    v->nenforces++;
}

static mcx_vector *load_build(load_state *st, const xmlNode *root, const char *path)
{
    mcx_vector *v = calloc(1, sizeof *v);
    if (!v) {
        load_fail(st, 0, "internal", "out of memory");
        return NULL;
    }
    v->path = strdup(path);
    v->id = load_attr(root, "id");
    v->requires_profile = -1;
    char *result = load_attr(root, "result");
    v->result = !result                            ? MCX_VECTOR_VALID
                : strcmp(result, "invalid") == 0    ? MCX_VECTOR_INVALID
                : strcmp(result, "acceptable") == 0 ? MCX_VECTOR_ACCEPTABLE
                                                    : MCX_VECTOR_VALID;
    free(result);
    char *strength = load_attr(root, "strength");
    v->strength = !strength                        ? MCX_VECTOR_MUST
                  : strcmp(strength, "should") == 0 ? MCX_VECTOR_SHOULD
                  : strcmp(strength, "may") == 0    ? MCX_VECTOR_MAY
                                                    : MCX_VECTOR_MUST;
    free(strength);

    load_defined def = {.n = 0};
    for (const xmlNode *c = root->children; c && !st->failed; c = c->next) {
        if (load_is(c, "title")) {
            v->title = load_trim(load_text(c));
        } else if (load_is(c, "source")) {
            v->source = load_trim(load_text(c));
        } else if (load_is(c, "enforces")) {
            load_enforces(st, c, v);
        } else if (load_is(c, "requires")) {
            char *target = load_attr(c, "target");
            if (target)
                v->requires_test_clock = 1;
            free(target);
            char *profile = load_attr(c, "profile");
            if (profile)
                v->requires_profile =
                    strcmp(profile, "2013") == 0 ? MCX_PROFILE_2013 : MCX_PROFILE_2010CU4;
            free(profile);
            char *var = load_attr(c, "variable");
            if (var && !mcx_vector_var_known(var)) {
                load_fail(st, load_line(c), "unknown-variable",
                          "requires variable '%s', which is not a topology variable", var);
                free(var);
                break;
            }
            if (var) {
                char **vars = load_grow(v->requires_vars, v->nrequires_vars, sizeof *vars);
                if (!vars) {
                    free(var);
                    load_fail(st, load_line(c), "internal", "out of memory");
                    break;
                }
                v->requires_vars = vars;
                vars[v->nrequires_vars++] = var;
            }
        } else if (load_is(c, "step")) {
            mcx_vector_step *steps = load_grow(v->steps, v->nsteps, sizeof *steps);
            if (!steps) {
                load_fail(st, load_line(c), "internal", "out of memory");
                break;
            }
            v->steps = steps;
            v->nsteps++;
            mcx_vector_step *s = &steps[v->nsteps - 1];
            load_step(st, c, v, v->nsteps - 1, &def);
            for (size_t i = 0; i + 1 < v->nsteps && !st->failed; i++)
                if (s->name && steps[i].name && strcmp(steps[i].name, s->name) == 0)
                    load_fail(st, s->line, "duplicate-step",
                              "step name '%s' already used at line %d", s->name, steps[i].line);
        }
    }
    if (!st->failed && (!v->id || !v->title || !v->source || v->nsteps == 0))
        load_fail(st, load_line(root), "xsd", "incomplete vector");
    for (size_t i = 0; i < v->nsteps && !st->failed; i++) {
        int awaited = 0;
        for (size_t k = i + 1; k < v->nsteps && !awaited; k++)
            for (size_t a = 0; a < v->steps[k].nawaits; a++)
                awaited |= v->steps[k].awaits[a] == i;
        if (v->steps[i].async && !awaited)
            load_fail(st, v->steps[i].line, "async-await",
                      "async step '%s' is never awaited (add <await step=\"%s\"/> to a later "
                      "step)",
                      v->steps[i].name, v->steps[i].name);
    }
    size_t nmain = v->nsteps;
    while (!st->failed && nmain > 0 && v->steps[nmain - 1].cleanup)
        nmain--;
    if (!st->failed && nmain == 0)
        load_fail(st, v->steps[0].line, "cleanup-order", "every step is a cleanup step");
    /* The expected result must agree with the final step's statuses: a valid
     * request ends in 2xx, an invalid one is rejected (4xx/5xx). Cleanup
     * steps do not count. */
    if (!st->failed && v->result != MCX_VECTOR_ACCEPTABLE) {
        const mcx_vector_step *last = &v->steps[nmain - 1];
        for (size_t i = 0; i < last->nstatus && !st->failed; i++) {
            int code = last->status[i];
            int ok = v->result == MCX_VECTOR_VALID ? code >= 200 && code < 300 : code >= 400;
            if (!ok)
                load_fail(st, last->line, "result-status",
                          "result=\"%s\" but the last step expects status %d (valid needs 2xx, "
                          "invalid 4xx/5xx; use acceptable otherwise)",
                          mcx_vector_result_name(v->result), code);
        }
    }
    if (st->failed) {
        mcx_vector_free(v);
        return NULL;
    }
    return v;
}

/* ---- parsing and validation ---- */

xmlDocPtr mcx_vector_xml_read(const char *name, const char *buf, size_t len, const char *xsd,
                              size_t xsd_len, const char *xsd_name, mcx_vector_error *err)
{
    load_state st = {.err = err, .name = name ? name : "<memory>", .xsd_name = xsd_name};
    if (err)
        memset(err, 0, sizeof *err);
    if (len == 0) {
        load_fail(&st, 0, "empty", "file is empty");
        return NULL;
    }
    if (len > MCX_VECTOR_MAX_FILE) {
        load_fail(&st, 0, "too-large", "file is %zu bytes; the limit is %d", len,
                  MCX_VECTOR_MAX_FILE);
        return NULL;
    }
    mcx_error e;
    xmlDocPtr doc = mcx_xml_read(st.name, buf, len, "a vector or statements file", &e);
    if (doc && mcx_xml_validate(doc, st.name, xsd, xsd_len, xsd_name, "internal", &e) != 0) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    if (!doc)
        load_fail(&st, e.line, e.rule, "%s", e.message);
    return doc;
}

mcx_vector *mcx_vector_load_memory(const char *name, const char *buf, size_t len,
                                   mcx_vector_error *err)
{
    xmlDocPtr doc = mcx_vector_xml_read(name, buf, len, mcx_embed_vector, mcx_embed_vector_len,
                                        "vector.xsd", err);
    if (!doc)
        return NULL;
    load_state st = {.err = err, .name = name ? name : "<memory>", .xsd_name = "vector.xsd"};
    mcx_vector *v = load_build(&st, xmlDocGetRootElement(doc), st.name);
    xmlFreeDoc(doc);
    return v;
}

/* Resolve v's <enforces> against DIR/statements.xml, DIR being the vector
 * file's directory. A vector copied alone into a directory without a
 * statements file keeps its refs unresolved (XSD syntax only). */
static int load_resolve_statements(const mcx_vector *v, mcx_vector_error *err)
{
    char spath[4096];
    const char *slash = strrchr(v->path, '/');
    if (slash)
        snprintf(spath, sizeof spath, "%.*s/%s", (int)(slash - v->path), v->path,
                 MCX_STATEMENTS_FILE);
    else
        snprintf(spath, sizeof spath, "%s", MCX_STATEMENTS_FILE);
    struct stat sb;
    if (stat(spath, &sb) != 0 && errno == ENOENT)
        return 0;
    mcx_vector_error serr;
    mcx_statements *known = mcx_statements_load_file(spath, &serr);
    if (!known) {
        load_state st = {.err = err, .name = v->path};
        char why[1024];
        mcx_vector_error_format(&serr, why, sizeof why);
        load_fail(&st, v->enforces_lines[0], "unknown-statement",
                  "cannot resolve %s: the statements file does not load: %s", v->enforces[0],
                  why);
        return -1;
    }
    int rc = mcx_vector_check_statements(v, known, err);
    mcx_statements_free(known);
    return rc;
}

mcx_vector *mcx_vector_load_file(const char *path, mcx_vector_error *err)
{
    load_state st = {.err = err, .name = path};
    if (err)
        memset(err, 0, sizeof *err);
    FILE *f = fopen(path, "rb");
    if (!f) {
        load_fail(&st, 0, "io", "cannot open: %s", strerror(errno));
        return NULL;
    }
    char *buf = malloc(MCX_VECTOR_MAX_FILE + 1);
    size_t len = buf ? fread(buf, 1, MCX_VECTOR_MAX_FILE + 1, f) : 0;
    int io_error = ferror(f);
    fclose(f);
    if (!buf || io_error) {
        free(buf);
        load_fail(&st, 0, "io", "cannot read");
        return NULL;
    }
    mcx_vector *v = mcx_vector_load_memory(path, buf, len, err);
    free(buf);
    if (v && v->nenforces > 0 && load_resolve_statements(v, err) != 0) {
        mcx_vector_free(v);
        return NULL;
    }
    return v;
}
