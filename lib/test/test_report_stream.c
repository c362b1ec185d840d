/*
 * test_report_stream.c -- the fast renderings and the step stream write
 * the same bytes as the jansson / one-shot paths.
 *
 * Owns: every step line of the jsonl fast path compared with jansson's own
 * JSON_COMPACT dump of the same object (every ASCII byte, newlines, tabs,
 * quotes, backslashes, the "\xNN" form sanitising leaves, NULL detail,
 * non-ASCII text and over-long lines that take the jansson path,
 * timings); the step stream
 * (mcx_report_stream_*) against mcx_report_write for text (with and
 * without colour) and jsonl, flushed at several points, with findings and
 * cases; formats that cannot stream. Does not own: the golden layout of
 * each format (test_report.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "mcx/report.h"

static char *render(const mcx_report *r, mcx_format fmt, int color, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    assert_int_equal(mcx_report_write(r, fmt, color, f), 0);
    fclose(f);
    return buf;
}

/* Steps with every printable and control ASCII byte, one per step, then
 * hostile mixtures, multi-line text and non-ASCII. */
static mcx_report *hostile_report(void)
{
    mcx_report *r = mcx_report_new("mcxcheck", "pcap verify", "x.pcap");
    for (int c = 1; c < 128; c++) {
        char title[32], detail[32];
        snprintf(title, sizeof title, "t%cend", c);
        snprintf(detail, sizeof detail, "%c", c);
        mcx_report_step(r, c % 3, (mcx_step_outcome)(c % 4), c * 0.25, c % 5 ? detail : NULL,
                        "%s", title);
    }
    mcx_report_step(r, 0, MCX_STEP_FAIL, 0, "line one\nline two\n\tindented\n",
                    "quote \" backslash \\ slash / tab\t nl\n more");
    mcx_report_step(r, 1, MCX_STEP_INFO, 0, "caf\xc3\xa9 \xe2\x80\x94 dash", "na\xc3\xafve");
    mcx_report_step(r, 2, MCX_STEP_OK, 0, "bad \xff byte", "%s", "");
    /* Longer than the fast path's line buffer: jansson writes it. */
    char *long_detail = malloc(6001);
    assert_non_null(long_detail);
    for (size_t i = 0; i < 6000; i++)
        long_detail[i] = i % 97 == 0 ? '"' : (char)('a' + i % 26);
    long_detail[6000] = '\0';
    mcx_report_step(r, 0, MCX_STEP_INFO, 0, long_detail, "long");
    free(long_detail);
    mcx_report_add(r, "PC-031", "frame %d: no Accept", 7);
    mcx_finding *f = mcx_report_add(r, "PC-033", "first hop answered 302");
    mcx_finding_set_evidence(f, "http://lyncdiscover.contoso.test/", 302, "a\nb\"c", 5);
    mcx_report_case(r, "case one", 1, NULL);
    mcx_report_case(r, "case two", 0, "why\nnot");
    return r;
}

static void test_jsonl_steps_match_jansson(void **state)
{
    (void)state;
    for (int timings = 0; timings < 2; timings++) {
        mcx_report *r = hostile_report();
        r->timings = timings;
        size_t len;
        char *out = render(r, MCX_FORMAT_JSONL, 0, &len);
        char *line = out;
        for (size_t i = 0; i < r->nsteps; i++) {
            const mcx_step *s = &r->steps[i];
            json_t *o = json_object();
            json_object_set_new(o, "type", json_string("step"));
            json_object_set_new(o, "depth", json_integer(s->depth));
            static const char *const names[] = {"ok", "fail", "skip", "info"};
            json_object_set_new(o, "outcome", json_string(names[s->outcome]));
            json_object_set_new(o, "title", json_string(s->title));
            json_object_set_new(o, "detail", s->detail ? json_string(s->detail) : json_null());
            if (timings)
                json_object_set_new(o, "elapsed_ms", json_real(s->elapsed_ms));
            char *want = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
            json_decref(o);
            assert_non_null(want);
            char *nl = strchr(line, '\n');
            assert_non_null(nl);
            *nl = '\0';
            assert_string_equal(line, want);
            line = nl + 1;
            free(want);
        }
        assert_non_null(strstr(line, "\"type\":\"finding\""));
        free(out);
        mcx_report_free(r);
    }
}

/* Stream `r`'s steps, flushing after every `every` steps, into a buffer. */
static char *stream_render(mcx_format fmt, int color, int timings, size_t every, size_t *len)
{
    mcx_report *src = hostile_report();
    mcx_report *r = mcx_report_new(src->tool, src->command, src->subject);
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    mcx_report_stream *s = mcx_report_stream_open(r, fmt, color, timings, f);
    assert_non_null(s);
    for (size_t i = 0; i < src->nsteps; i++) {
        const mcx_step *st = &src->steps[i];
        mcx_report_step(r, st->depth, st->outcome, st->elapsed_ms, st->detail, "%s", st->title);
        if (every && (i + 1) % every == 0) {
            assert_int_equal(mcx_report_stream_flush(s), 0);
            assert_int_equal(r->nsteps, 0);
        }
        if (i == 40) /* findings may arrive while steps stream */
            mcx_report_merge(r, &(mcx_report){.findings = src->findings,
                                              .nfindings = src->nfindings,
                                              .cases = src->cases,
                                              .ncases = src->ncases});
    }
    assert_int_equal(mcx_report_stream_close(s), 0);
    fclose(f);
    mcx_report_free(r);
    mcx_report_free(src);
    return buf;
}

static void test_stream_equals_write(void **state)
{
    (void)state;
    static const struct {
        mcx_format fmt;
        int color;
    } cases[] = {{MCX_FORMAT_JSONL, 0}, {MCX_FORMAT_TEXT, 0}, {MCX_FORMAT_TEXT, 1}};
    static const size_t flush_every[] = {0, 1, 7, 1000};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (int timings = 0; timings < 2; timings++) {
            mcx_report *r = hostile_report();
            r->timings = timings;
            size_t lw;
            char *want = render(r, cases[c].fmt, cases[c].color, &lw);
            mcx_report_free(r);
            for (size_t k = 0; k < sizeof flush_every / sizeof flush_every[0]; k++) {
                size_t lg;
                char *got = stream_render(cases[c].fmt, cases[c].color, timings,
                                          flush_every[k], &lg);
                assert_int_equal(lg, lw);
                assert_memory_equal(got, want, lw);
                free(got);
            }
            free(want);
        }
    }
}

static void test_stream_without_steps(void **state)
{
    (void)state;
    static const mcx_format fmts[] = {MCX_FORMAT_TEXT, MCX_FORMAT_JSONL};
    for (size_t k = 0; k < 2; k++) {
        mcx_report *r = mcx_report_new("mcxcheck", "pcap verify", NULL);
        mcx_report_add(r, "PC-001", "unreadable");
        size_t lw;
        char *want = render(r, fmts[k], 0, &lw);
        char *got = NULL;
        size_t lg;
        FILE *f = open_memstream(&got, &lg);
        mcx_report_stream *s = mcx_report_stream_open(r, fmts[k], 0, 0, f);
        assert_int_equal(mcx_report_stream_close(s), 0);
        fclose(f);
        assert_int_equal(lg, lw);
        assert_memory_equal(got, want, lw);
        free(got);
        free(want);
        mcx_report_free(r);
    }
}

static void test_stream_refuses_other_formats(void **state)
{
    (void)state;
    mcx_report *r = mcx_report_new("mcxcheck", "x", NULL);
    assert_null(mcx_report_stream_open(r, MCX_FORMAT_JSON, 0, 0, stdout));
    assert_null(mcx_report_stream_open(r, MCX_FORMAT_JUNIT, 0, 0, stdout));
    assert_null(mcx_report_stream_open(r, MCX_FORMAT_TAP, 0, 0, stdout));
    assert_int_equal(mcx_report_stream_close(NULL), -1);
    mcx_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl_steps_match_jansson),
        cmocka_unit_test(test_stream_equals_write),
        cmocka_unit_test(test_stream_without_steps),
        cmocka_unit_test(test_stream_refuses_other_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
