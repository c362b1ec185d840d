/*
 * report_json.c -- the JSON and JSON Lines renderings of a report
 * (schema: conformance/report.schema.json).
 *
 * Owns: the JSON shape of steps, findings, cases and the summary, built
 * with jansson in a fixed key order so the output is byte-identical for
 * the same report. Elapsed times appear only when the report has timings.
 * Does not own: the report model (report.c) nor parsing JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "report_render.h"

#define JSON_REPORT_FLAGS (JSON_PRESERVE_ORDER | JSON_INDENT(2))
#define JSONL_FLAGS (JSON_PRESERVE_ORDER | JSON_COMPACT)

/* A JSON string, or null for NULL. Stored strings are already valid UTF-8
 * (report.c sanitises them); anything set behind the API's back is
 * sanitised here rather than dropped. */
static json_t *json_str(const char *s)
{
    if (!s)
        return json_null();
    json_t *v = json_string(s);
    if (!v) {
        char *clean = mcx_report_sanitize(s, strlen(s), 0);
        v = json_string(clean);
        free(clean);
    }
    return v ? v : json_null();
}

static json_t *json_count(size_t n)
{
    return json_integer((json_int_t)n);
}

static json_t *json_step(const mcx_step *s, int timings, int with_type)
{
    json_t *o = json_object();
    if (with_type)
        json_object_set_new(o, "type", json_string("step"));
    json_object_set_new(o, "depth", json_integer(s->depth));
    json_object_set_new(o, "outcome", json_string(mcx_report_outcome_name(s->outcome)));
    json_object_set_new(o, "title", json_str(s->title));
    json_object_set_new(o, "detail", json_str(s->detail));
    if (timings)
        json_object_set_new(o, "elapsed_ms", json_real(s->elapsed_ms));
    return o;
}

static json_t *json_finding(const mcx_finding *f, int with_type)
{
    json_t *o = json_object();
    if (with_type)
        json_object_set_new(o, "type", json_string("finding"));
    json_object_set_new(o, "id", json_str(f->id));
    json_object_set_new(o, "level", json_string(mcx_level_name(f->level)));
    json_object_set_new(o, "title", json_str(f->title));
    json_object_set_new(o, "message", json_str(f->message));
    json_object_set_new(o, "source", json_str(f->source));
    json_object_set_new(o, "remediation", json_str(f->remediation));
    json_object_set_new(o, "subject", json_str(f->subject));
    if (f->evidence.url || f->evidence.status || f->evidence.excerpt) {
        json_t *e = json_object();
        json_object_set_new(e, "url", json_str(f->evidence.url));
        json_object_set_new(e, "status", json_integer(f->evidence.status));
        json_object_set_new(e, "excerpt", json_str(f->evidence.excerpt));
        json_object_set_new(o, "evidence", e);
    } else {
        json_object_set_new(o, "evidence", json_null());
    }
    return o;
}

static json_t *json_case(const struct mcx_case *c, int with_type)
{
    json_t *o = json_object();
    if (with_type)
        json_object_set_new(o, "type", json_string("case"));
    json_object_set_new(o, "name", json_str(c->name));
    json_object_set_new(o, "status", json_string(mcx_report_case_status(c->passed)));
    json_object_set_new(o, "detail", json_str(c->detail));
    return o;
}

/* The seven counts, added to `o` in their fixed order. */
static void json_add_counts(json_t *o, const mcx_report *r)
{
    mcx_report_summary s;
    mcx_report_summarize(r, &s);
    json_object_set_new(o, "error", json_count(s.by_level[MCX_LEVEL_ERROR]));
    json_object_set_new(o, "warning", json_count(s.by_level[MCX_LEVEL_WARNING]));
    json_object_set_new(o, "notice", json_count(s.by_level[MCX_LEVEL_NOTICE]));
    json_object_set_new(o, "info", json_count(s.by_level[MCX_LEVEL_INFO]));
    json_object_set_new(o, "cases_passed", json_count(s.cases_passed));
    json_object_set_new(o, "cases_failed", json_count(s.cases_failed));
    json_object_set_new(o, "cases_skipped", json_count(s.cases_skipped));
}

/* Dump `v` followed by a newline and release it. */
static int json_emit(json_t *v, size_t flags, FILE *out)
{
    int rc = json_dumpf(v, out, flags);
    json_decref(v);
    if (rc != 0 || fputc('\n', out) == EOF)
        return -1;
    return 0;
}

int mcx_render_json(const mcx_report *r, FILE *out)
{
    json_t *root = json_object();
    json_object_set_new(root, "tool", json_str(r->tool));
    json_object_set_new(root, "command", json_str(r->command));
    json_object_set_new(root, "subject", json_str(r->subject));
    json_t *summary = json_object();
    json_add_counts(summary, r);
    json_object_set_new(root, "summary", summary);

    json_t *steps = json_array();
    for (size_t i = 0; i < r->nsteps; i++)
        json_array_append_new(steps, json_step(&r->steps[i], r->timings, 0));
    json_object_set_new(root, "steps", steps);

    json_t *findings = json_array();
    for (size_t i = 0; i < r->nfindings; i++)
        json_array_append_new(findings, json_finding(&r->findings[i], 0));
    json_object_set_new(root, "findings", findings);

    json_t *cases = json_array();
    for (size_t i = 0; i < r->ncases; i++)
        json_array_append_new(cases, json_case(&r->cases[i], 0));
    json_object_set_new(root, "cases", cases);

    return json_emit(root, JSON_REPORT_FLAGS, out);
}

/* ---- fast path for JSON Lines steps ----
 * A capture verify lists one step per DNS transaction and HTTP exchange
 * (hundreds of thousands): building a jansson tree per line dominated the
 * run. A step without timings whose strings are ASCII is assembled in a
 * line buffer, escaped exactly as json_dumpf does with JSON_COMPACT (no
 * slash escaping, no ASCII forcing), and written with one fwrite; anything
 * else (timings, non-ASCII, a line over JSONL_LINE_MAX) goes through
 * jansson. test_report_stream compares both paths byte for byte. */

#define JSONL_LINE_MAX 4096

typedef struct jsonl_line {
    size_t len;
    int failed; /* too long, or a byte jansson must judge */
    char buf[JSONL_LINE_MAX];
} jsonl_line;

static void jsonl_put(jsonl_line *l, const char *s, size_t n)
{
    if (l->failed || n > sizeof l->buf - l->len) {
        l->failed = 1;
        return;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

/* `v` in decimal, as %d prints it. */
static void jsonl_put_int(jsonl_line *l, int v)
{
    char digits[12];
    size_t at = sizeof digits;
    unsigned int u = v < 0 ? 0u - (unsigned int)v : (unsigned int)v;
    do {
        digits[--at] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        digits[--at] = '-';
    jsonl_put(l, digits + at, sizeof digits - at);
}

/* Whether any of the 8 bytes at p is below 0x20, at or above 0x80, '"' or
 * '\\' (exact: each test is nonzero only when some byte matches). */
static int jsonl_word_special(const char *p)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t w;
    memcpy(&w, p, 8);
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    uint64_t special = ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b) | w;
    return (special & highs) != 0;
}

/* `s` as a JSON string value (null for NULL); fails on a byte >= 0x80. */
static void jsonl_put_str(jsonl_line *l, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    if (s == NULL) {
        jsonl_put(l, "null", 4);
        return;
    }
    jsonl_put(l, "\"", 1);
    const char *run = s;
    const char *end = s + strlen(s);
    for (; s < end; s++) {
        /* eight bytes at a time while none needs escaping or jansson */
        while (end - s >= 8 && !jsonl_word_special(s))
            s += 8;
        if (s == end)
            break;
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
            continue;
        if (c >= 0x80) {
            l->failed = 1;
            return;
        }
        jsonl_put(l, run, (size_t)(s - run));
        run = s + 1;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0x0f];
            n = 6;
        }
        jsonl_put(l, esc, n);
    }
    jsonl_put(l, run, (size_t)(s - run));
    jsonl_put(l, "\"", 1);
}

int mcx_render_jsonl_step(const mcx_step *s, int timings, FILE *out)
{
    jsonl_line line;
    line.len = 0;
    line.failed = timings;
    static const char type[] = "{\"type\":\"step\",\"depth\":";
    jsonl_put(&line, type, sizeof type - 1);
    jsonl_put_int(&line, s->depth);
    jsonl_put(&line, ",\"outcome\":\"", 12);
    const char *outcome = mcx_report_outcome_name(s->outcome);
    jsonl_put(&line, outcome, strlen(outcome));
    jsonl_put(&line, "\",\"title\":", 10);
    jsonl_put_str(&line, s->title);
    jsonl_put(&line, ",\"detail\":", 10);
    jsonl_put_str(&line, s->detail);
    jsonl_put(&line, "}\n", 2);
    if (line.failed)
        return json_emit(json_step(s, timings, 1), JSONL_FLAGS, out);
    return fwrite(line.buf, 1, line.len, out) == line.len ? 0 : -1;
}

int mcx_render_jsonl(const mcx_report *r, FILE *out)
{
    for (size_t i = 0; i < r->nsteps; i++)
        if (mcx_render_jsonl_step(&r->steps[i], r->timings, out) != 0)
            return -1;
    return mcx_render_jsonl_tail(r, out);
}

int mcx_render_jsonl_tail(const mcx_report *r, FILE *out)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (json_emit(json_finding(&r->findings[i], 1), JSONL_FLAGS, out) != 0)
            return -1;
    for (size_t i = 0; i < r->ncases; i++)
        if (json_emit(json_case(&r->cases[i], 1), JSONL_FLAGS, out) != 0)
            return -1;

    json_t *summary = json_object();
    json_object_set_new(summary, "type", json_string("summary"));
    json_object_set_new(summary, "tool", json_str(r->tool));
    json_object_set_new(summary, "command", json_str(r->command));
    json_object_set_new(summary, "subject", json_str(r->subject));
    json_add_counts(summary, r);
    return json_emit(summary, JSONL_FLAGS, out);
}
