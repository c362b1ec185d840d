/*
 * report.c -- the report model: findings, the step tree, test cases, the
 * counts and exit code derived from them, and the option-name parsers.
 *
 * Owns: building and freeing an mcx_report, looking finding IDs up in the
 * catalogue, sanitising every stored string (valid UTF-8, no control bytes
 * but newline and tab, excerpts bounded to MCX_EXCERPT_MAX) so every output
 * format stays valid, and dispatching mcx_report_write to a renderer.
 * Does not own: the output formats themselves (report_text.c,
 * report_json.c, report_junit.c, report_tap.c) nor the catalogue's content.
 *
 * Out of memory aborts with a message (as in Redis): a report that silently
 * lost a finding would be worse than no report.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcx/catalogue.h"
#include "mcx/report.h"
#include "report_render.h"

/* The catalogue entry an unknown ID is recorded as. */
#define MCX_REPORT_INTERNAL_ID "AD-000"

static void *report_oom(void)
{
    fputs("mcxlab: out of memory\n", stderr);
    abort();
}

static void *report_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        return report_oom();
    return q;
}

/* Grow a dynamic array of `size`-byte elements to hold one more. */
static void *report_grow(void *arr, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 8;
    if (ncap > SIZE_MAX / size)
        return report_oom();
    *cap = ncap;
    return report_xrealloc(arr, ncap * size);
}

/* ---- sanitising --------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at p (at most `avail` bytes) that
 * encodes a character legal in XML 1.0 and harmless on a terminal; 0 if the
 * byte at p must be escaped instead. */
static size_t report_utf8_unit(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    if (c == '\n' || c == '\t')
        return 1;
    if (c < 0x20 || c == 0x7f)
        return 0;
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0;
        if (c == 0xed)
            hi = 0x9f; /* no UTF-16 surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        unsigned char b = p[i];
        if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf))
            return 0;
        cp = (cp << 6) | (b & 0x3f);
    }
    if (cp <= 0x9f)                      /* C1 control characters */
        return 0;
    if (cp == 0xfffe || cp == 0xffff)    /* not XML characters */
        return 0;
    return n;
}

/* Write the sanitised form of s[0..len) into buf (when not NULL), stopping
 * before the unit that would take the output past `limit` bytes. Returns
 * the output length; *consumed gets the input bytes used. */
static size_t report_sanitize_into(const unsigned char *s, size_t len, size_t limit,
                                   char *buf, size_t *consumed)
{
    static const char hex[] = "0123456789abcdef";
    size_t in = 0, out = 0;
    while (in < len) {
        size_t unit = report_utf8_unit(s + in, len - in);
        size_t need = unit ? unit : 4;
        if (out + need > limit)
            break;
        if (buf) {
            if (unit) {
                memcpy(buf + out, s + in, unit);
            } else {
                buf[out] = '\\';
                buf[out + 1] = 'x';
                buf[out + 2] = hex[s[in] >> 4];
                buf[out + 3] = hex[s[in] & 0x0f];
            }
        }
        out += need;
        in += unit ? unit : 1;
    }
    *consumed = in;
    return out;
}

/* 1 when s[0..len) is printable ASCII, newline and tab only: the common
 * case, which sanitising leaves unchanged. Every step's strings pass here,
 * so 8 bytes are looked at together first: in (w | (w - 0x20 each) |
 * (w + 1 each)) a byte's high bit is clear only when it is in 0x20..0x7e
 * (borrows and carries can only set more bits); a word that fails that
 * test is checked byte by byte. */
static int report_plain_byte(unsigned char c)
{
    return (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t';
}

static int report_plain_ascii(const unsigned char *s, size_t len)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (((w | (w - ones * 0x20) | (w + ones)) & highs) == 0)
            continue;
        for (size_t k = i; k < i + 8; k++)
            if (!report_plain_byte(s[k]))
                return 0;
    }
    for (; i < len; i++)
        if (!report_plain_byte(s[i]))
            return 0;
    return 1;
}

char *mcx_report_sanitize(const char *s, size_t len, size_t max)
{
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    if (!s)
        len = 0;
    if ((max == 0 || len <= max) && report_plain_ascii(u, len)) {
        char *buf = report_xrealloc(NULL, len + 1);
        memcpy(buf, u, len);
        buf[len] = '\0';
        return buf;
    }
    size_t consumed;
    size_t full = report_sanitize_into(u, len, SIZE_MAX, NULL, &consumed);
    if (max == 0 || full <= max) {
        char *buf = report_xrealloc(NULL, full + 1);
        report_sanitize_into(u, len, SIZE_MAX, buf, &consumed);
        buf[full] = '\0';
        return buf;
    }
    size_t keep_limit = max > 3 ? max - 3 : 0;
    char *buf = report_xrealloc(NULL, keep_limit + 4);
    size_t kept = report_sanitize_into(u, len, keep_limit, buf, &consumed);
    memcpy(buf + kept, "...", max - keep_limit);
    buf[kept + (max - keep_limit)] = '\0';
    return buf;
}

static char *report_dup(const char *s)
{
    return s ? mcx_report_sanitize(s, strlen(s), 0) : NULL;
}

__attribute__((format(printf, 1, 0)))
static char *report_vformat(const char *fmt, va_list ap)
{
    char *raw = NULL;
    if (!fmt)
        return mcx_report_sanitize("", 0, 0);
    if (strcmp(fmt, "%s") == 0) { /* a ready string: skip vasprintf's machinery */
        const char *s = va_arg(ap, const char *);
        return report_dup(s ? s : "(null)");
    }
    int n = vasprintf(&raw, fmt, ap);
    if (n < 0)
        return report_oom();
    if (report_plain_ascii((const unsigned char *)raw, (size_t)n))
        return raw; /* already what sanitising would produce */
    char *clean = mcx_report_sanitize(raw, strlen(raw), 0);
    free(raw);
    return clean;
}

/* ---- building ----------------------------------------------------------- */

mcx_report *mcx_report_new(const char *tool, const char *command, const char *subject)
{
    mcx_report *r = calloc(1, sizeof *r);
    if (!r)
        return report_oom();
    r->tool = report_dup(tool ? tool : "mcxcheck");
    r->command = report_dup(command ? command : "");
    r->subject = report_dup(subject);
    return r;
}

static void report_finding_clear(mcx_finding *f)
{
    free(f->id);
    free(f->title);
    free(f->message);
    free(f->source);
    free(f->remediation);
    free(f->subject);
    free(f->evidence.url);
    free(f->evidence.excerpt);
}

void mcx_report_free(mcx_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nfindings; i++)
        report_finding_clear(&r->findings[i]);
    for (size_t i = 0; i < r->nsteps; i++) {
        if (r->steps[i].pooled)
            continue;
        free(r->steps[i].title);
        free(r->steps[i].detail);
    }
    for (size_t i = 0; i < r->ncases; i++) {
        free(r->cases[i].name);
        free(r->cases[i].detail);
    }
    free(r->findings);
    free(r->steps);
    free(r->cases);
    free(r->tool);
    free(r->command);
    free(r->subject);
    free(r);
}

static const char *report_or_empty(const char *s)
{
    return s ? s : "";
}

/* The catalogue entry an unknown ID is recorded as: "<prefix>-000" of the
 * unknown ID's prefix when that exists, else MCX_REPORT_INTERNAL_ID. May
 * return NULL if the catalogue has neither. */
static const mcx_check *report_internal_entry(const char *unknown_id)
{
    if (unknown_id) {
        const char *dash = strchr(unknown_id, '-');
        if (dash && dash - unknown_id >= 2 && dash - unknown_id <= 3) {
            char id[8];
            size_t plen = (size_t)(dash - unknown_id);
            memcpy(id, unknown_id, plen);
            memcpy(id + plen, "-000", 5);
            const mcx_check *c = mcx_catalogue_find(id);
            if (c)
                return c;
        }
    }
    return mcx_catalogue_find(MCX_REPORT_INTERNAL_ID);
}

mcx_finding *mcx_report_add(mcx_report *r, const char *id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *message = report_vformat(fmt, ap);
    va_end(ap);

    const mcx_check *c = mcx_catalogue_find(id);
    if (!c) {
        /* Never crash on a caller's typo: record it as an internal error
         * whose message names the unknown ID. */
        char *shown = report_dup(id ? id : "(null)");
        char *wrapped = NULL;
        if (asprintf(&wrapped, "unknown catalogue ID '%s': %s", shown, message) < 0)
            report_oom();
        free(shown);
        free(message);
        message = wrapped;
        c = report_internal_entry(id);
    }

    r->findings = report_grow(r->findings, r->nfindings, &r->capfindings, sizeof *r->findings);
    mcx_finding *f = &r->findings[r->nfindings++];
    memset(f, 0, sizeof *f);
    f->id = report_dup(c ? c->id : MCX_REPORT_INTERNAL_ID);
    f->level = c ? c->level : MCX_LEVEL_ERROR;
    if (f->level < MCX_LEVEL_INFO || f->level > MCX_LEVEL_ERROR)
        f->level = MCX_LEVEL_ERROR;
    f->title = report_dup(c ? report_or_empty(c->title) : "Internal error");
    f->source = report_dup(c ? report_or_empty(c->source) : "mcxlab");
    f->remediation = report_dup(c ? report_or_empty(c->remediation)
                                  : "Report this as a bug with the input that caused it.");
    f->message = message;
    return f;
}

void mcx_finding_set_evidence(mcx_finding *f, const char *url, int status,
                              const char *excerpt, size_t excerpt_len)
{
    free(f->evidence.url);
    free(f->evidence.excerpt);
    f->evidence.url = report_dup(url);
    f->evidence.status = status;
    f->evidence.excerpt = excerpt ? mcx_report_sanitize(excerpt, excerpt_len, MCX_EXCERPT_MAX)
                                  : NULL;
}

void mcx_finding_set_remediation(mcx_finding *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = report_vformat(fmt, ap);
    va_end(ap);
    free(f->remediation);
    f->remediation = text;
}

void mcx_finding_set_subject(mcx_finding *f, const char *subject)
{
    free(f->subject);
    f->subject = report_dup(subject);
}

/* report_dup into a step pool: the same bytes, no malloc'd string kept. */
static char *report_pool_dup(mcx_step_pool *p, const char *s)
{
    size_t len = strlen(s);
    if (report_plain_ascii((const unsigned char *)s, len))
        return mcx_step_pool_put(p, s, len);
    char *clean = mcx_report_sanitize(s, len, 0);
    char *q = mcx_step_pool_put(p, clean, strlen(clean));
    free(clean);
    return q;
}

size_t mcx_report_step(mcx_report *r, int depth, mcx_step_outcome outcome,
                       double elapsed_ms, const char *detail, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *title = NULL;
    const char *ready = NULL; /* "%s" into a pool: the argument, not yet copied */
    if (r->step_pool && fmt && strcmp(fmt, "%s") == 0) {
        ready = va_arg(ap, const char *);
        if (ready == NULL)
            ready = "(null)";
    } else {
        title = report_vformat(fmt, ap);
    }
    va_end(ap);

    r->steps = report_grow(r->steps, r->nsteps, &r->capsteps, sizeof *r->steps);
    mcx_step *s = &r->steps[r->nsteps];
    s->depth = depth < 0 ? 0 : depth;
    s->outcome = (outcome >= MCX_STEP_OK && outcome <= MCX_STEP_INFO) ? outcome : MCX_STEP_INFO;
    if (r->step_pool) {
        s->pooled = 1;
        if (ready) {
            s->title = report_pool_dup(r->step_pool, ready);
        } else {
            s->title = mcx_step_pool_put(r->step_pool, title, strlen(title));
            free(title);
        }
        s->detail = detail ? report_pool_dup(r->step_pool, detail) : NULL;
    } else {
        s->pooled = 0;
        s->title = title;
        s->detail = report_dup(detail);
    }
    s->elapsed_ms = (isfinite(elapsed_ms) && elapsed_ms > 0) ? elapsed_ms : 0.0;
    return r->nsteps++;
}

void mcx_report_case(mcx_report *r, const char *name, int passed, const char *detail)
{
    r->cases = report_grow(r->cases, r->ncases, &r->capcases, sizeof *r->cases);
    struct mcx_case *c = &r->cases[r->ncases++];
    c->name = report_dup(name ? name : "");
    c->passed = passed > 0 ? 1 : passed < 0 ? -1 : 0;
    c->detail = report_dup(detail);
}

void mcx_report_merge(mcx_report *dst, const mcx_report *src)
{
    if (!dst || !src || dst == src)
        return;
    for (size_t i = 0; i < src->nsteps; i++) {
        const mcx_step *s = &src->steps[i];
        mcx_report_step(dst, s->depth, s->outcome, s->elapsed_ms, s->detail, "%s", s->title);
    }
    for (size_t i = 0; i < src->nfindings; i++) {
        const mcx_finding *sf = &src->findings[i];
        dst->findings = report_grow(dst->findings, dst->nfindings, &dst->capfindings,
                                    sizeof *dst->findings);
        mcx_finding *f = &dst->findings[dst->nfindings++];
        f->id = report_dup(sf->id);
        f->level = sf->level;
        f->title = report_dup(sf->title);
        f->message = report_dup(sf->message);
        f->source = report_dup(sf->source);
        f->remediation = report_dup(sf->remediation);
        f->subject = report_dup(sf->subject);
        f->evidence.url = report_dup(sf->evidence.url);
        f->evidence.status = sf->evidence.status;
        f->evidence.excerpt = report_dup(sf->evidence.excerpt);
    }
    for (size_t i = 0; i < src->ncases; i++)
        mcx_report_case(dst, src->cases[i].name, src->cases[i].passed, src->cases[i].detail);
}

/* ---- queries ------------------------------------------------------------ */

int mcx_report_max_level(const mcx_report *r)
{
    int max = -1;
    for (size_t i = 0; i < r->nfindings; i++)
        if ((int)r->findings[i].level > max)
            max = (int)r->findings[i].level;
    return max;
}

size_t mcx_report_count(const mcx_report *r, mcx_level at_least)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].level >= at_least)
            n++;
    return n;
}

int mcx_report_has(const mcx_report *r, const char *id)
{
    if (!id)
        return 0;
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].id && strcmp(r->findings[i].id, id) == 0)
            return 1;
    return 0;
}

int mcx_report_exit_code(const mcx_report *r, mcx_level fail_on)
{
    /* A failed case counts as a finding at error level, so it fails the
     * run whatever --fail-on says (error is the highest level). */
    for (size_t i = 0; i < r->ncases; i++)
        if (r->cases[i].passed == 0)
            return MCX_EXIT_FINDINGS;
    return mcx_report_count(r, fail_on) > 0 ? MCX_EXIT_FINDINGS : MCX_EXIT_OK;
}

void mcx_report_summarize(const mcx_report *r, mcx_report_summary *s)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < r->nfindings; i++) {
        mcx_level l = r->findings[i].level;
        if (l >= MCX_LEVEL_INFO && l <= MCX_LEVEL_ERROR)
            s->by_level[l]++;
    }
    for (size_t i = 0; i < r->ncases; i++) {
        if (r->cases[i].passed > 0)
            s->cases_passed++;
        else if (r->cases[i].passed < 0)
            s->cases_skipped++;
        else
            s->cases_failed++;
    }
    for (size_t i = 0; i < r->nsteps; i++) {
        switch (mcx_report_step_status(r->steps[i].outcome)) {
        case 1: s->steps_passed++; break;
        case 0: s->steps_failed++; break;
        case -1: s->steps_skipped++; break;
        default: break;
        }
    }
}

int mcx_report_step_status(mcx_step_outcome o)
{
    switch (o) {
    case MCX_STEP_OK: return 1;
    case MCX_STEP_FAIL: return 0;
    case MCX_STEP_SKIP: return -1;
    case MCX_STEP_INFO: break;
    }
    return MCX_STEP_NOT_A_CHECK;
}

/* ---- names -------------------------------------------------------------- */

static const char *const report_level_names[] = {"info", "notice", "warning", "error"};
static const char *const report_format_names[] = {"text", "json", "jsonl", "junit", "tap"};

const char *mcx_level_name(mcx_level l)
{
    if (l < MCX_LEVEL_INFO || l > MCX_LEVEL_ERROR)
        return "unknown";
    return report_level_names[l];
}

int mcx_level_parse(const char *s, mcx_level *out)
{
    for (int i = MCX_LEVEL_INFO; s && i <= MCX_LEVEL_ERROR; i++) {
        if (strcmp(s, report_level_names[i]) == 0) {
            *out = (mcx_level)i;
            return 0;
        }
    }
    return -1;
}

int mcx_format_parse(const char *s, mcx_format *out)
{
    for (int i = MCX_FORMAT_TEXT; s && i <= MCX_FORMAT_TAP; i++) {
        if (strcmp(s, report_format_names[i]) == 0) {
            *out = (mcx_format)i;
            return 0;
        }
    }
    return -1;
}

const char *mcx_report_outcome_name(mcx_step_outcome o)
{
    switch (o) {
    case MCX_STEP_OK: return "ok";
    case MCX_STEP_FAIL: return "fail";
    case MCX_STEP_SKIP: return "skip";
    case MCX_STEP_INFO: return "info";
    }
    return "info";
}

const char *mcx_report_case_status(int passed)
{
    return passed > 0 ? "passed" : passed < 0 ? "skipped" : "failed";
}

/* ---- rendering ---------------------------------------------------------- */

int mcx_report_write(const mcx_report *r, mcx_format fmt, int color, FILE *out)
{
    int rc;
    switch (fmt) {
    case MCX_FORMAT_TEXT: rc = mcx_render_text(r, color, out); break;
    case MCX_FORMAT_JSON: rc = mcx_render_json(r, out); break;
    case MCX_FORMAT_JSONL: rc = mcx_render_jsonl(r, out); break;
    case MCX_FORMAT_JUNIT: rc = mcx_render_junit(r, out); break;
    case MCX_FORMAT_TAP: rc = mcx_render_tap(r, out); break;
    default: return -1;
    }
    if (rc == 0 && (fflush(out) != 0 || ferror(out)))
        rc = -1;
    return rc;
}
