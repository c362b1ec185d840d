/*
 * report_text.c -- the human-readable text rendering of a report, laid out
 * like the Remote Connectivity Analyzer: the step tree, then the findings
 * grouped by level (with fix and reference), then test cases, then a
 * one-line summary.
 *
 * Owns: text layout and ANSI colouring (only when asked for).
 * Does not own: the report model (report.c) nor deciding whether colour is
 * wanted (cli_common.c decides from --color and isatty).
 */
#include <string.h>

#include "report_render.h"

#define TEXT_MAX_DEPTH 16

#define ANSI_RESET "\033[0m"
#define ANSI_BOLD "\033[1m"
#define ANSI_RED "\033[31m"
#define ANSI_GREEN "\033[32m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_CYAN "\033[36m"

static void text_spaces(FILE *out, int n)
{
    static const char spaces[] = "                                ";
    while (n > 0) {
        int k = n < (int)sizeof spaces - 1 ? n : (int)sizeof spaces - 1;
        fwrite(spaces, 1, (size_t)k, out);
        n -= k;
    }
}

/* Write `s`, each newline but a final one followed by `hang` spaces. */
static void text_hanging(FILE *out, const char *s, int hang)
{
    const char *nl;
    while ((nl = strchr(s, '\n')) != NULL && nl[1] != '\0') {
        fwrite(s, 1, (size_t)(nl + 1 - s), out);
        text_spaces(out, hang);
        s = nl + 1;
    }
    fputs(s, out);
}

/* Print `label` then `s` at column `indent`; every continuation line of a
 * multi-line `s` is aligned under the first character of `s`. */
static void text_block(FILE *out, int indent, const char *label, const char *s)
{
    text_spaces(out, indent);
    fputs(label, out);
    text_hanging(out, s, indent + (int)strlen(label));
    fputc('\n', out);
}

static void text_marker(FILE *out, int color, const char *ansi, const char *marker)
{
    if (color)
        fprintf(out, "%s%s%s", ansi, marker, ANSI_RESET);
    else
        fputs(marker, out);
}

int mcx_render_text_step(const mcx_step *s, int timings, int color, FILE *out)
{
    static const char *const markers[] = {"[ OK ]", "[FAIL]", "[SKIP]", "[INFO]"};
    static const char *const colors[] = {ANSI_GREEN, ANSI_RED, ANSI_YELLOW, ANSI_CYAN};
    int depth = s->depth > TEXT_MAX_DEPTH ? TEXT_MAX_DEPTH : s->depth;
    int o = (s->outcome >= MCX_STEP_OK && s->outcome <= MCX_STEP_INFO) ? (int)s->outcome : 3;

    text_spaces(out, depth * 2);
    text_marker(out, color, colors[o], markers[o]);
    fputc(' ', out);
    int hang = depth * 2 + 7;
    text_hanging(out, s->title, hang);
    if (timings)
        fprintf(out, " (%.1f ms)", s->elapsed_ms);
    fputc('\n', out);
    if (s->detail && *s->detail)
        text_block(out, hang, "", s->detail);
    return ferror(out) ? -1 : 0;
}

static void text_finding(FILE *out, const mcx_finding *f, int color)
{
    fputs("  ", out);
    if (color)
        fprintf(out, "%s%s%s", ANSI_BOLD, f->id, ANSI_RESET);
    else
        fputs(f->id, out);
    fprintf(out, "  %s\n", f->title);
    if (f->message && *f->message)
        text_block(out, 6, "", f->message);
    if (f->subject)
        text_block(out, 6, "Subject: ", f->subject);
    if (f->evidence.url || f->evidence.status) {
        text_spaces(out, 6);
        fputs("Evidence:", out);
        if (f->evidence.url)
            fprintf(out, " %s", f->evidence.url);
        if (f->evidence.status)
            fprintf(out, " (HTTP %d)", f->evidence.status);
        fputc('\n', out);
    }
    if (f->evidence.excerpt) {
        /* Each excerpt line behind a bar so blank lines stay visible. */
        const char *p = f->evidence.excerpt;
        text_spaces(out, 8);
        fputs("| ", out);
        for (; *p; p++) {
            fputc(*p, out);
            if (*p == '\n') {
                text_spaces(out, 8);
                fputs("| ", out);
            }
        }
        fputc('\n', out);
    }
    if (f->remediation && *f->remediation)
        text_block(out, 6, "Fix: ", f->remediation);
    if (f->source && *f->source)
        text_block(out, 6, "Ref: ", f->source);
}

static void text_case(FILE *out, const struct mcx_case *c, int color)
{
    fputs("  ", out);
    if (c->passed > 0)
        text_marker(out, color, ANSI_GREEN, "[PASS]");
    else if (c->passed < 0)
        text_marker(out, color, ANSI_YELLOW, "[SKIP]");
    else
        text_marker(out, color, ANSI_RED, "[FAIL]");
    fprintf(out, " %s\n", c->name);
    if (c->detail && *c->detail)
        text_block(out, 9, "", c->detail);
}

static const char *text_plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

int mcx_render_text_head(const mcx_report *r, FILE *out)
{
    fprintf(out, "%s %s", r->tool, r->command);
    if (r->subject)
        fprintf(out, ": %s", r->subject);
    fputs("\n\n", out);
    return ferror(out) ? -1 : 0;
}

int mcx_render_text(const mcx_report *r, int color, FILE *out)
{
    mcx_render_text_head(r, out);
    for (size_t i = 0; i < r->nsteps; i++)
        mcx_render_text_step(&r->steps[i], r->timings, color, out);
    return mcx_render_text_tail(r, r->nsteps, color, out);
}

int mcx_render_text_tail(const mcx_report *r, size_t nsteps, int color, FILE *out)
{
    static const char *const headings[] = {"Info", "Notices", "Warnings", "Errors"};
    static const char *const level_colors[] = {"", ANSI_CYAN, ANSI_YELLOW, ANSI_RED};
    mcx_report_summary sum;
    mcx_report_summarize(r, &sum);

    if (nsteps)
        fputc('\n', out);

    for (int level = MCX_LEVEL_ERROR; level >= MCX_LEVEL_INFO; level--) {
        if (sum.by_level[level] == 0)
            continue;
        if (color)
            fprintf(out, "%s%s%s (%zu)%s\n", ANSI_BOLD, level_colors[level], headings[level],
                    sum.by_level[level], ANSI_RESET);
        else
            fprintf(out, "%s (%zu)\n", headings[level], sum.by_level[level]);
        for (size_t i = 0; i < r->nfindings; i++)
            if ((int)r->findings[i].level == level)
                text_finding(out, &r->findings[i], color);
        fputc('\n', out);
    }

    if (r->ncases) {
        fprintf(out, "Test cases (%zu)\n", r->ncases);
        for (size_t i = 0; i < r->ncases; i++)
            text_case(out, &r->cases[i], color);
        fputc('\n', out);
    }

    size_t e = sum.by_level[MCX_LEVEL_ERROR], w = sum.by_level[MCX_LEVEL_WARNING];
    size_t n = sum.by_level[MCX_LEVEL_NOTICE], in = sum.by_level[MCX_LEVEL_INFO];
    fprintf(out, "%s %s: %zu %s, %zu %s, %zu %s, %zu info", r->tool, r->command,
            e, text_plural(e, "error", "errors"), w, text_plural(w, "warning", "warnings"),
            n, text_plural(n, "notice", "notices"), in);
    if (r->ncases)
        fprintf(out, "; cases: %zu passed, %zu failed, %zu skipped", sum.cases_passed,
                sum.cases_failed, sum.cases_skipped);
    fputc('\n', out);
    return ferror(out) ? -1 : 0;
}
