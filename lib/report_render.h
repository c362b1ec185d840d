/*
 * report_render.h -- internal interface between the report model
 * (lib/report.c) and its renderers (report_text.c, report_json.c,
 * report_junit.c, report_tap.c). Internal to lib/.
 *
 * Owns: the renderer entry points and the small helpers they share
 * (summary counts, outcome/status names, string sanitising).
 * Does not own: the public report API (include/mcx/report.h).
 */
#ifndef MCX_REPORT_RENDER_H
#define MCX_REPORT_RENDER_H

#include <stdio.h>
#include "mcx/report.h"

/* Counts every renderer prints in its summary. */
typedef struct mcx_report_summary {
    size_t by_level[4]; /* indexed by mcx_level */
    size_t cases_passed, cases_failed, cases_skipped;
    /* Steps that are checks (see mcx_report_step_status); junit and tap
     * list them as test cases, text and json do not count them. */
    size_t steps_passed, steps_failed, steps_skipped;
} mcx_report_summary;

void mcx_report_summarize(const mcx_report *r, mcx_report_summary *s);

/* A step as a check that ran, for the formats that list checks as test
 * cases (junit, tap): 1 passed (ok), 0 failed (fail), -1 skipped (skip),
 * like a case's passed field; MCX_STEP_NOT_A_CHECK for an info step, which
 * only says what was seen or used. */
#define MCX_STEP_NOT_A_CHECK 2
int mcx_report_step_status(mcx_step_outcome o);

/* "ok", "fail", "skip", "info". */
const char *mcx_report_outcome_name(mcx_step_outcome o);
/* "passed", "failed", "skipped" for a case's passed field (1, 0, -1). */
const char *mcx_report_case_status(int passed);

/* Copy `len` bytes of `s` into a new NUL-terminated string that is valid
 * UTF-8 and holds no control bytes except '\n' and '\t': every other byte
 * that is not part of a well-formed UTF-8 sequence of an XML-legal
 * character is written as the four characters "\xNN". When `max` is not 0
 * the result is at most `max` bytes; a truncated result ends in "...".
 * Never returns NULL (aborts on out of memory, like every allocation in
 * the report model). */
char *mcx_report_sanitize(const char *s, size_t len, size_t max);

/* Step pool (step_pool.c): the strings of a streamed report's steps. new:
 * NULL when out of memory; put copies n bytes of s and a NUL (aborts when
 * out of memory, like the rest of the model); reset forgets every string
 * put so far, keeping the memory. */
typedef struct mcx_step_pool mcx_step_pool;
mcx_step_pool *mcx_step_pool_new(void);
char *mcx_step_pool_put(mcx_step_pool *p, const char *s, size_t n);
void mcx_step_pool_reset(mcx_step_pool *p);
void mcx_step_pool_free(mcx_step_pool *p);

int mcx_render_text(const mcx_report *r, int color, FILE *out);
int mcx_render_json(const mcx_report *r, FILE *out);
int mcx_render_jsonl(const mcx_report *r, FILE *out);
/* The pieces of text and jsonl a step stream (report_stream.c) writes as
 * it goes: head, each step, then the rest (`nsteps`: steps written in
 * all, for the blank line after them). Together they are byte for byte
 * what mcx_render_text / mcx_render_jsonl write. */
int mcx_render_text_head(const mcx_report *r, FILE *out);
int mcx_render_text_step(const mcx_step *s, int timings, int color, FILE *out);
int mcx_render_text_tail(const mcx_report *r, size_t nsteps, int color, FILE *out);
int mcx_render_jsonl_step(const mcx_step *s, int timings, FILE *out);
int mcx_render_jsonl_tail(const mcx_report *r, FILE *out);
int mcx_render_junit(const mcx_report *r, FILE *out);
int mcx_render_tap(const mcx_report *r, FILE *out);

#endif
