/*
 * report_junit.c -- the JUnit XML rendering of a report, for CI systems.
 *
 * Owns: mapping a report onto the common JUnit shape (testsuites >
 * testsuite > properties?, testcase*, system-out?): every check that ran
 * is a testcase, passed ones included, so a passing run lists what it
 * checked: each step that is a check (outcome ok, fail or skip; info steps
 * are context only) named by its title, each case, each error-level
 * finding named by its catalogue ID (with <failure> when failed,
 * <skipped> when skipped); the full text rendering goes into the suite's
 * <system-out>. Written with
 * libxml2's xmlTextWriter so escaping is libxml2's, not ours.
 * Does not own: the report model (report.c) nor the text layout
 * (report_text.c, reused for system-out).
 */
#include <stdlib.h>
#include <string.h>
#include <libxml/xmlwriter.h>

#include "report_render.h"

/* libxml2 takes xmlChar; our strings are UTF-8 char. */
#define X(s) ((const xmlChar *)(s))

typedef struct junit_writer {
    xmlTextWriterPtr w;
    int failed; /* a libxml2 call returned an error */
} junit_writer;

static void junit_check(junit_writer *jw, int rc)
{
    if (rc < 0)
        jw->failed = 1;
}

static void junit_start(junit_writer *jw, const char *name)
{
    junit_check(jw, xmlTextWriterStartElement(jw->w, X(name)));
}

static void junit_end(junit_writer *jw)
{
    junit_check(jw, xmlTextWriterEndElement(jw->w));
}

static void junit_attr(junit_writer *jw, const char *name, const char *value)
{
    junit_check(jw, xmlTextWriterWriteAttribute(jw->w, X(name), X(value ? value : "")));
}

static void junit_attr_count(junit_writer *jw, const char *name, size_t n)
{
    junit_check(jw, xmlTextWriterWriteFormatAttribute(jw->w, X(name), "%zu", n));
}

static void junit_text(junit_writer *jw, const char *s)
{
    junit_check(jw, xmlTextWriterWriteString(jw->w, X(s ? s : "")));
}

static void junit_suite_counts(junit_writer *jw, size_t tests, size_t failures, size_t skipped)
{
    junit_attr_count(jw, "tests", tests);
    junit_attr_count(jw, "failures", failures);
    junit_attr_count(jw, "errors", 0);
    junit_attr_count(jw, "skipped", skipped);
}

/* The failure body of an error finding: message, subject, evidence, fix, ref. */
static char *junit_finding_body(const mcx_finding *f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    fputs(f->message ? f->message : "", m);
    if (f->subject)
        fprintf(m, "\nSubject: %s", f->subject);
    if (f->evidence.url || f->evidence.status) {
        fputs("\nEvidence:", m);
        if (f->evidence.url)
            fprintf(m, " %s", f->evidence.url);
        if (f->evidence.status)
            fprintf(m, " (HTTP %d)", f->evidence.status);
    }
    if (f->evidence.excerpt)
        fprintf(m, "\nExcerpt:\n%s", f->evidence.excerpt);
    if (f->remediation && *f->remediation)
        fprintf(m, "\nFix: %s", f->remediation);
    if (f->source && *f->source)
        fprintf(m, "\nRef: %s", f->source);
    fputc('\n', m);
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static char *junit_system_out(const mcx_report *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    int rc = mcx_render_text(r, 0, m);
    if (fclose(m) != 0 || rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* One testcase: `status` 1 passed, 0 failed, -1 skipped; `detail` (may be
 * NULL) is the failure's message and text or the skip's message. */
static void junit_testcase(junit_writer *jw, const char *name, const char *classname,
                           int status, const char *type, const char *detail)
{
    junit_start(jw, "testcase");
    junit_attr(jw, "name", name);
    junit_attr(jw, "classname", classname);
    if (status == 0) {
        junit_start(jw, "failure");
        junit_attr(jw, "message", detail ? detail : "failed");
        junit_attr(jw, "type", type);
        if (detail)
            junit_text(jw, detail);
        junit_end(jw);
    } else if (status < 0) {
        junit_start(jw, "skipped");
        if (detail)
            junit_attr(jw, "message", detail);
        junit_end(jw);
    }
    junit_end(jw);
}

static void junit_write_suite(junit_writer *jw, const mcx_report *r, const char *suite_name,
                              const char *classname)
{
    mcx_report_summary s;
    mcx_report_summarize(r, &s);
    size_t errors = s.by_level[MCX_LEVEL_ERROR];
    size_t checks = s.steps_passed + s.steps_failed + s.steps_skipped;
    size_t tests = checks + r->ncases + errors;
    size_t failures = s.steps_failed + s.cases_failed + errors;
    size_t skipped = s.steps_skipped + s.cases_skipped;

    junit_start(jw, "testsuites");
    junit_attr(jw, "name", suite_name);
    junit_suite_counts(jw, tests, failures, skipped);

    junit_start(jw, "testsuite");
    junit_attr(jw, "name", suite_name);
    junit_suite_counts(jw, tests, failures, skipped);

    if (r->subject) {
        junit_start(jw, "properties");
        junit_start(jw, "property");
        junit_attr(jw, "name", "subject");
        junit_attr(jw, "value", r->subject);
        junit_end(jw);
        junit_end(jw);
    }

    for (size_t i = 0; i < r->nsteps; i++) {
        const mcx_step *st = &r->steps[i];
        int status = mcx_report_step_status(st->outcome);
        if (status != MCX_STEP_NOT_A_CHECK)
            junit_testcase(jw, st->title, classname, status, "step", st->detail);
    }
    for (size_t i = 0; i < r->ncases; i++) {
        const struct mcx_case *c = &r->cases[i];
        junit_testcase(jw, c->name, classname, c->passed > 0 ? 1 : c->passed, "case", c->detail);
    }

    for (size_t i = 0; i < r->nfindings; i++) {
        const mcx_finding *f = &r->findings[i];
        if (f->level != MCX_LEVEL_ERROR)
            continue;
        char *body = junit_finding_body(f);
        if (!body) {
            jw->failed = 1;
            continue;
        }
        junit_start(jw, "testcase");
        junit_attr(jw, "name", f->id);
        junit_attr(jw, "classname", classname);
        junit_start(jw, "failure");
        junit_attr(jw, "message", f->title);
        junit_attr(jw, "type", mcx_level_name(f->level));
        junit_text(jw, body);
        junit_end(jw);
        junit_end(jw);
        free(body);
    }

    char *text = junit_system_out(r);
    if (text) {
        junit_start(jw, "system-out");
        junit_text(jw, text);
        junit_end(jw);
        free(text);
    } else {
        jw->failed = 1;
    }
    junit_end(jw); /* testsuite */
    junit_end(jw); /* testsuites */
}

int mcx_render_junit(const mcx_report *r, FILE *out)
{
    xmlBufferPtr buf = xmlBufferCreate();
    if (!buf)
        return -1;
    junit_writer jw = {xmlNewTextWriterMemory(buf, 0), 0};
    if (!jw.w) {
        xmlBufferFree(buf);
        return -1;
    }
    char *suite_name = NULL, *classname = NULL;
    if (asprintf(&suite_name, "%s %s", r->tool, r->command) < 0)
        suite_name = NULL;
    if (asprintf(&classname, "%s.%s", r->tool, r->command) < 0)
        classname = NULL;
    if (!suite_name || !classname) {
        jw.failed = 1;
    } else {
        junit_check(&jw, xmlTextWriterSetIndent(jw.w, 1));
        junit_check(&jw, xmlTextWriterSetIndentString(jw.w, X("  ")));
        junit_check(&jw, xmlTextWriterStartDocument(jw.w, "1.0", "UTF-8", NULL));
        junit_write_suite(&jw, r, suite_name, classname);
        junit_check(&jw, xmlTextWriterEndDocument(jw.w));
    }
    xmlFreeTextWriter(jw.w); /* flushes into buf */
    int rc = -1;
    if (!jw.failed) {
        size_t len = (size_t)xmlBufferLength(buf);
        rc = fwrite(xmlBufferContent(buf), 1, len, out) == len ? 0 : -1;
    }
    xmlBufferFree(buf);
    free(suite_name);
    free(classname);
    return rc;
}
