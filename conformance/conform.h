/*
 * conform.h -- internal interface of the conformance runner (mcxcheck
 * conform / record), shared by cmd_conform.c, cmd_record.c, conform_run.c,
 * conform_vector.c and conform_assert.c.
 *
 * Owns: targets (one base URL per scheme per side), running one vector's
 * steps through mcx_http_perform with CONNECT_TO (conform_vector.c: in
 * order, async steps on their own thread, cleanup steps always),
 * assertions and captures (conform_assert.c), the RFC 6901 JSON pointer
 * lookup, and the recording file format (vectors/recorded/ID.http). Does
 * not own: loading vectors (lib/vector_load.c), the HTTP client, or report
 * rendering.
 */
#ifndef MCX_CONFORM_H
#define MCX_CONFORM_H

#include <stddef.h>
#include <jansson.h>
#include "commands.h"
#include "mcx/http_client.h"
#include "mcx/report.h"
#include "mcx/vector.h"

#define MCX_CONFORM_MAX_TARGETS 8

typedef struct mcx_conform_target {
    char scheme[8]; /* "http" or "https" */
    char addr[64];  /* as written: 127.0.4.1 or [::1] */
    int port;
    mcx_access site;
} mcx_conform_target;

typedef struct mcx_conform_options {
    mcx_conform_target targets[MCX_CONFORM_MAX_TARGETS];
    size_t ntargets;
    const char *ca_file;
    int insecure;
    long timeout_ms;
    const mcx_topology *topo;
    const char *recorded_dir; /* DIR/recorded */
    int check_recorded;       /* compare responses with the recordings */
    int evaluate;             /* evaluate assertions (record does not) */
    int mcxd_test_clock;      /* --mcxd-test-clock: the targets are mcxd with
                                 --test-clock; vectors requiring it run */
    mcx_level fail_on;        /* a failed vector's case fails only when its
                                 finding is at or above this level (--fail-on):
                                 a failed SHOULD vector is a warning */
} mcx_conform_options;

/* One step's response as recorded: "HTTP/x.y STATUS\r\n", every header in
 * the order received, "\r\n", the body (mcxd --now fixes Date too). */
typedef struct mcx_conform_exchange {
    char *step;
    char *bytes;
    size_t len;
} mcx_conform_exchange;

typedef struct mcx_conform_recording {
    mcx_conform_exchange *ex;
    size_t n;
} mcx_conform_recording;

/* Outcome of one vector run. */
enum { MCX_CONFORM_SKIP = -1, MCX_CONFORM_FAIL = 0, MCX_CONFORM_PASS = 1 };

/* "https://127.0.4.1:14443" -> target. Returns 0, or -1 with a message. */
int mcx_conform_parse_target(const char *url, mcx_access site, mcx_conform_target *t,
                             char *err, size_t err_len);

/* "HOST:PORT:ADDR:PORT" (curl CONNECT_TO) mapping the step URL onto the
 * target of `site` and the URL's scheme; 0, or -1 with why. */
int mcx_conform_connect_to(const mcx_conform_options *o, const char *url, mcx_access site,
                           char *out, size_t out_len, char *why, size_t why_len);

/* Run one vector (conform_vector.c): adds a test case to `rep` (unless it is NULL) and VC-*
 * findings for failures, fills `rec` (may be NULL) with each executed step's
 * response bytes (an async step's where it is awaited). *transport_failed is set when a step got no response.
 * Returns MCX_CONFORM_PASS, _FAIL or _SKIP. */
int mcx_conform_run_vector(const mcx_conform_options *o, const mcx_vector *v,
                           const mcx_vector_vars *topo_vars, mcx_report *rep,
                           mcx_conform_recording *rec, int *transport_failed);

/* Load every *.xml of dir (sorted by file name) whose vector ID matches one
 * of the globs (all when nglobs is 0). Invalid files become VC-006 findings.
 * Returns 0, or -1 when the directory cannot be read (message in err). */
int mcx_conform_load_dir(const char *dir, const char *const *globs, size_t nglobs,
                         mcx_vector ***out, size_t *nout, mcx_report *rep, char *err,
                         size_t err_len);
void mcx_conform_free_vectors(mcx_vector **v, size_t n);
/* Deterministic Fisher-Yates shuffle (splitmix64 seeded by seed). */
void mcx_conform_shuffle(mcx_vector **v, size_t n, unsigned long long seed);
/* The default vectors directory: ./vectors if it exists, else
 * <directory of the binary>/../vectors. Writes into buf; 0 or -1. */
int mcx_conform_default_dir(char *buf, size_t len);

/* Recording files. */
int mcx_conform_serialize(const mcx_http_response *resp, char **out, size_t *len);
int mcx_conform_recording_add(mcx_conform_recording *r, const char *step, const char *bytes,
                              size_t len);
void mcx_conform_recording_free(mcx_conform_recording *r);
/* Returns 0, 1 when the file does not exist, -1 when malformed (err says
 * where: byte offset and rule). */
int mcx_conform_recording_read(const char *path, mcx_conform_recording *r, char *err,
                               size_t err_len);
int mcx_conform_recording_write(const char *path, const char *id,
                                const mcx_conform_recording *r);
/* Compare `got` with the recording file of vector v; adds VC-004 (drift) or
 * VC-005 (no recording) findings. Returns 1 when identical. */
int mcx_conform_recording_check(const mcx_conform_options *o, const mcx_vector *v,
                                const mcx_conform_recording *got, mcx_report *rep);

/* ---- command line (cmd_conform.c), shared by conform and record ---- */

#define MCX_CONFORM_MAX_GLOBS 64

typedef struct mcx_conform_cli {
    mcx_cli_common common;
    mcx_conform_options opt;
    char vectors_dir[4096];
    char recorded_dir[4200];
    const char *globs[MCX_CONFORM_MAX_GLOBS];
    size_t nglobs;
    const char *topology;      /* --topology FILE, NULL = embedded default */
    int has_shuffle;
    unsigned long long shuffle_seed;
    int check;                 /* conform --check-recorded / record --check */
} mcx_conform_cli;

/* Parse argv of `conform` (record = 0) or `record` (record = 1). Returns 0,
 * 1 when --help was printed, -1 on a usage error (message on stderr). */
int mcx_conform_cli_parse(int argc, char **argv, int record, mcx_conform_cli *c);
/* Load the topology named by --topology (or the default) and its variables.
 * Returns NULL with a message on stderr. */
mcx_topology *mcx_conform_cli_topology(const mcx_conform_cli *c, mcx_vector_vars *vars);
/* Report subject naming the targets, e.g. "internal https://127.0.4.1:14443 ...". */
void mcx_conform_cli_subject(const mcx_conform_cli *c, char *buf, size_t len);

/* ---- conform_assert.c ---- */

/* RFC 6901: the value `ptr` designates in `root`, borrowed; NULL when it does
 * not exist or the pointer is malformed (err says which). */
json_t *mcx_json_pointer(json_t *root, const char *ptr, char *err, size_t err_len);

/* Evaluate one assertion. Returns 1 when it holds, 0 when not (`why` says
 * expected vs actual). `vars` expands {{variables}} in the expected value. */
int mcx_conform_assert(const mcx_vector_step *s, const mcx_vector_assert *a,
                       const mcx_http_response *resp, const mcx_vector_vars *vars, char *why,
                       size_t why_len);
/* Evaluate a capture and store the value in vars. Returns 0, or -1 (why). */
int mcx_conform_capture(const mcx_vector_step *s, const mcx_vector_capture *c,
                        const mcx_http_response *resp, mcx_vector_vars *vars, char *why,
                        size_t why_len);
/* One-line description, e.g. "xpath count(/a) equals '2'". */
void mcx_conform_assert_describe(const mcx_vector_assert *a, char *buf, size_t len);

#endif
