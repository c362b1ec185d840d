/*
 * report_tap.c -- the TAP version 13 rendering of a report.
 *
 * Owns: the plan, the step tree as "#" comment lines, then one test line
 * per check that ran, passed ones included: per step that is a check
 * (outcome ok, fail or skip; info steps are context only), per case and
 * per finding (a failed step, a failed case or an error-level finding is
 * "not ok"), with the YAML diagnostics block under each failure and
 * finding (id, level, message, remediation, ...). YAML scalars are
 * written double-quoted with escapes so hostile strings cannot break the
 * stream.
 * Does not own: the report model (report.c).
 */
#include <string.h>

#include "report_render.h"

#define TAP_MAX_DEPTH 16

/* Test-line description: one line, '#' and '\' escaped per TAP 13. */
static void tap_description(FILE *out, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '\n' || *p == '\t')
            fputc(' ', out);
        else if (*p == '#' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else
            fputc(*p, out);
    }
}

/* A YAML double-quoted scalar. */
static void tap_yaml_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                fprintf(out, "\\x%02x", *p);
            } else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
                /* U+2028/U+2029 are line breaks to some YAML parsers. */
                fputs(p[2] == 0xa8 ? "\\L" : "\\P", out);
                p += 2;
            } else {
                fputc(*p, out);
            }
        }
    }
    fputc('"', out);
}

static void tap_yaml_field(FILE *out, const char *key, const char *value)
{
    if (!value)
        return;
    fprintf(out, "  %s: ", key);
    tap_yaml_string(out, value);
    fputc('\n', out);
}

/* A "#" comment line per line of s, at the given indentation. */
static void tap_comment(FILE *out, int indent, const char *prefix, const char *s)
{
    fprintf(out, "# %*s%s", indent, "", prefix);
    for (const char *p = s; *p; p++) {
        if (*p == '\n') {
            fprintf(out, "\n# %*s", indent + (int)strlen(prefix), "");
            continue;
        }
        fputc(*p, out);
    }
    fputc('\n', out);
}

static void tap_steps(FILE *out, const mcx_report *r)
{
    static const char *const markers[] = {"[ OK ] ", "[FAIL] ", "[SKIP] ", "[INFO] "};
    for (size_t i = 0; i < r->nsteps; i++) {
        const mcx_step *s = &r->steps[i];
        int depth = s->depth > TAP_MAX_DEPTH ? TAP_MAX_DEPTH : s->depth;
        int o = (s->outcome >= MCX_STEP_OK && s->outcome <= MCX_STEP_INFO) ? (int)s->outcome : 3;
        tap_comment(out, depth * 2, markers[o], s->title);
        if (s->detail && *s->detail)
            tap_comment(out, depth * 2 + 7, "", s->detail);
    }
}

/* One test line: `status` 1 passed, 0 failed, -1 skipped (a case's passed
 * field); a failure carries its detail in a YAML block, a skip after
 * "# SKIP". */
static void tap_test(FILE *out, size_t n, const char *name, int status, const char *detail)
{
    fprintf(out, "%s %zu - ", status == 0 ? "not ok" : "ok", n);
    tap_description(out, name);
    if (status < 0) {
        fputs(" # SKIP", out);
        if (detail) {
            fputc(' ', out);
            tap_description(out, detail);
        }
    }
    fputc('\n', out);
    if (status == 0) {
        fputs("  ---\n", out);
        tap_yaml_field(out, "status", mcx_report_case_status(status));
        tap_yaml_field(out, "message", detail);
        fputs("  ...\n", out);
    }
}

int mcx_render_tap(const mcx_report *r, FILE *out)
{
    mcx_report_summary sum;
    mcx_report_summarize(r, &sum);
    size_t n = 0;
    size_t checks = sum.steps_passed + sum.steps_failed + sum.steps_skipped;

    fputs("TAP version 13\n", out);
    fprintf(out, "1..%zu\n", checks + r->ncases + r->nfindings);
    fprintf(out, "# %s %s", r->tool, r->command);
    if (r->subject) {
        fputs(": ", out);
        tap_description(out, r->subject);
    }
    fputc('\n', out);
    tap_steps(out, r);

    for (size_t i = 0; i < r->nsteps; i++) {
        const mcx_step *st = &r->steps[i];
        int status = mcx_report_step_status(st->outcome);
        if (status != MCX_STEP_NOT_A_CHECK)
            tap_test(out, ++n, st->title, status, st->detail);
    }
    for (size_t i = 0; i < r->ncases; i++) {
        const struct mcx_case *c = &r->cases[i];
        tap_test(out, ++n, c->name, c->passed > 0 ? 1 : c->passed, c->detail);
    }

    for (size_t i = 0; i < r->nfindings; i++) {
        const mcx_finding *f = &r->findings[i];
        fprintf(out, "%s %zu - ", f->level == MCX_LEVEL_ERROR ? "not ok" : "ok", ++n);
        tap_description(out, f->id);
        fputc(' ', out);
        tap_description(out, f->title);
        fputc('\n', out);
        fputs("  ---\n", out);
        tap_yaml_field(out, "id", f->id);
        tap_yaml_field(out, "level", mcx_level_name(f->level));
        tap_yaml_field(out, "message", f->message);
        tap_yaml_field(out, "remediation", f->remediation);
        tap_yaml_field(out, "source", f->source);
        tap_yaml_field(out, "subject", f->subject);
        tap_yaml_field(out, "url", f->evidence.url);
        if (f->evidence.status)
            fprintf(out, "  status: %d\n", f->evidence.status);
        tap_yaml_field(out, "excerpt", f->evidence.excerpt);
        fputs("  ...\n", out);
    }

    size_t e = sum.by_level[MCX_LEVEL_ERROR], w = sum.by_level[MCX_LEVEL_WARNING];
    size_t no = sum.by_level[MCX_LEVEL_NOTICE], in = sum.by_level[MCX_LEVEL_INFO];
    fprintf(out, "# %s %s: %zu %s, %zu %s, %zu %s, %zu info", r->tool, r->command, e,
            e == 1 ? "error" : "errors", w, w == 1 ? "warning" : "warnings", no,
            no == 1 ? "notice" : "notices", in);
    if (r->ncases)
        fprintf(out, "; cases: %zu passed, %zu failed, %zu skipped", sum.cases_passed,
                sum.cases_failed, sum.cases_skipped);
    fputc('\n', out);
    return ferror(out) ? -1 : 0;
}
