/*
 * report.h -- the one report model shared by every mcxlab command.
 *
 * Owns: findings (stable catalogue ID, level, message, evidence), the step
 * tree a discovery trace prints, and rendering a report in every output
 * format (text, json, jsonl, junit, tap). Titles, sources and remediation
 * defaults come from the check catalogue (catalogue.h); a finding never
 * carries its own copy of a catalogue entry's text unless it overrides it.
 * Does not own: deciding what is a finding (the checkers do that) nor I/O
 * beyond writing the rendered report to a FILE*.
 */
#ifndef MCX_REPORT_H
#define MCX_REPORT_H

#include <stdio.h>
#include <stddef.h>

typedef enum {
    MCX_LEVEL_INFO = 0,
    MCX_LEVEL_NOTICE = 1,
    MCX_LEVEL_WARNING = 2,
    MCX_LEVEL_ERROR = 3
} mcx_level;

/* Exit codes documented in README and man pages. */
enum {
    MCX_EXIT_OK = 0,       /* no finding at or above --fail-on */
    MCX_EXIT_FINDINGS = 1, /* findings at or above --fail-on */
    MCX_EXIT_USAGE = 2,    /* usage or input error */
    MCX_EXIT_UNTESTED = 3, /* could not test: network or environment */
    MCX_EXIT_INTERNAL = 4  /* internal error */
};

typedef enum {
    MCX_FORMAT_TEXT = 0,
    MCX_FORMAT_JSON,
    MCX_FORMAT_JSONL,
    MCX_FORMAT_JUNIT,
    MCX_FORMAT_TAP
} mcx_format;

typedef enum {
    MCX_STEP_OK = 0,
    MCX_STEP_FAIL,
    MCX_STEP_SKIP,
    MCX_STEP_INFO
} mcx_step_outcome;

typedef struct mcx_evidence {
    char *url;     /* may be NULL */
    int status;    /* HTTP status, 0 when none */
    char *excerpt; /* may be NULL; bounded to MCX_EXCERPT_MAX bytes */
} mcx_evidence;

#define MCX_EXCERPT_MAX 512

typedef struct mcx_finding {
    char *id;          /* catalogue ID, e.g. "AD-012" */
    mcx_level level;   /* from the catalogue unless overridden */
    char *title;       /* from the catalogue */
    char *message;     /* this occurrence: what was seen */
    char *source;      /* from the catalogue: seed section title or spec */
    char *remediation; /* catalogue default or a concrete fix for this case */
    char *subject;     /* what was tested: a vector ID, a SIP domain, ... */
    mcx_evidence evidence;
} mcx_finding;

typedef struct mcx_step {
    int depth;               /* 0 = top level of the tree */
    mcx_step_outcome outcome;
    char *title;             /* e.g. "GET https://lyncdiscover.contoso.test/?sipuri=..." */
    char *detail;            /* may be NULL: why it failed, what was used */
    double elapsed_ms;       /* printed only when the report has timings on */
    int pooled;              /* title and detail are in the report's step pool (a
                              * report stream's), not freed one by one */
} mcx_step;

typedef struct mcx_report {
    char *tool;      /* "mcxcheck" */
    char *command;   /* "discover", "conform", ... */
    char *subject;   /* e.g. the SIP URI or target */
    int timings;     /* print elapsed times (off for byte-identical output) */
    mcx_step *steps;
    size_t nsteps, capsteps;
    mcx_finding *findings;
    size_t nfindings, capfindings;
    /* Named test cases (conform: one per vector) for junit/tap. */
    struct mcx_case {
        char *name;
        int passed;   /* 1 pass, 0 fail, -1 skipped */
        char *detail; /* may be NULL */
    } *cases;
    size_t ncases, capcases;
    /* Set by a report stream while it is open: new steps' strings go there. */
    struct mcx_step_pool *step_pool;
} mcx_report;

mcx_report *mcx_report_new(const char *tool, const char *command, const char *subject);
void mcx_report_free(mcx_report *r);

/* Add a finding for catalogue entry `id`. Level, title, source and default
 * remediation are taken from the catalogue; an unknown id aborts in debug
 * builds and is reported as internal error finding otherwise. `fmt` formats
 * the message. Returns the finding so callers may set evidence/subject or a
 * concrete remediation. */
mcx_finding *mcx_report_add(mcx_report *r, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mcx_finding_set_evidence(mcx_finding *f, const char *url, int status,
                              const char *excerpt, size_t excerpt_len);
void mcx_finding_set_remediation(mcx_finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mcx_finding_set_subject(mcx_finding *f, const char *subject);

/* Step tree (discovery trace). Returns the index of the new step. */
size_t mcx_report_step(mcx_report *r, int depth, mcx_step_outcome outcome,
                       double elapsed_ms, const char *detail, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Test cases (one per vector in conform). */
void mcx_report_case(mcx_report *r, const char *name, int passed, const char *detail);

/* Append all findings of `src` to `dst` (steps and cases too). */
void mcx_report_merge(mcx_report *dst, const mcx_report *src);

/* Highest level present; -1 when there is no finding. */
int mcx_report_max_level(const mcx_report *r);
size_t mcx_report_count(const mcx_report *r, mcx_level at_least);
/* 1 if a finding with this ID exists. */
int mcx_report_has(const mcx_report *r, const char *id);

/* Render. `color` only matters for text. Output is deterministic: the same
 * report gives the same bytes. Returns 0 or -1 on write error. */
int mcx_report_write(const mcx_report *r, mcx_format fmt, int color, FILE *out);

/* Streaming steps, for commands whose step list grows with their input
 * (pcap verify: one step per exchange): steps are written as they come and
 * freed, so memory stays flat; findings and cases stay in the report. Only
 * text and jsonl stream (json, junit and tap print counts before the
 * steps). The bytes written are exactly what mcx_report_write would write
 * for the same report with every step kept.
 *
 * open: NULL when `fmt` cannot stream; writes the head now. `timings`
 * plays the role of r->timings. The stream does not own `r` or `out`.
 * flush: write the steps `r` holds now, free them (r->nsteps becomes 0).
 * close: flush, write the rest (findings, cases, summary) and free the
 * stream. 0, or -1 when a write failed at any point. */
typedef struct mcx_report_stream mcx_report_stream;
mcx_report_stream *mcx_report_stream_open(mcx_report *r, mcx_format fmt, int color,
                                          int timings, FILE *out);
int mcx_report_stream_flush(mcx_report_stream *s);
int mcx_report_stream_close(mcx_report_stream *s);

/* Exit code for the report given --fail-on. */
int mcx_report_exit_code(const mcx_report *r, mcx_level fail_on);

/* Parsers for CLI options; return -1 on an unknown name. */
int mcx_format_parse(const char *s, mcx_format *out);
int mcx_level_parse(const char *s, mcx_level *out);
const char *mcx_level_name(mcx_level l);

#endif
