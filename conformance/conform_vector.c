/*
 * conform_vector.c -- running one conformance vector against a server.
 *
 * Owns: the preconditions of a vector (profile, topology variables, an
 * mcxd --test-clock target), expanding each step's URL, headers and body
 * from the variables, executing the steps in order through
 * mcx_http_perform with CONNECT_TO, async steps (sent on a thread of their
 * own; the runner goes on once they are answered or have stayed out for
 * park-ms, i.e. are parked; their response is collected where a later
 * step awaits it), cleanup steps (run even after a failure, once their
 * variables have values), captures between steps, the recording of each
 * response in execution order, and turning failed assertions into one VC-*
 * finding and one test case per vector.
 * Does not own: targets, CONNECT_TO strings, recordings files and vector
 * directories (conform_run.c), the assertions themselves
 * (conform_assert.c), command-line parsing (cmd_conform.c).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "conform.h"

#define RUN_WHY 640

typedef struct run_failure {
    int count;
    char first[RUN_WHY];
    char url[512];
    int status;
} run_failure;

static void run_fail(run_failure *rf, const mcx_http_response *resp, const char *url,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void run_fail(run_failure *rf, const mcx_http_response *resp, const char *url,
                     const char *fmt, ...)
{
    if (rf->count++ > 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rf->first, sizeof rf->first, fmt, ap);
    va_end(ap);
    snprintf(rf->url, sizeof rf->url, "%s", url ? url : "");
    rf->status = resp ? resp->status : 0;
}

static int run_status_ok(const mcx_vector_step *s, int status)
{
    for (size_t i = 0; i < s->nstatus; i++)
        if (s->status[i] == status)
            return 1;
    return 0;
}

static const char *run_precondition(const mcx_conform_options *o, const mcx_vector *v,
                                    const mcx_vector_vars *vars, char *why, size_t why_len)
{
    if (v->requires_profile >= 0 && (!o->topo || (int)o->topo->profile != v->requires_profile)) {
        snprintf(why, why_len, "needs profile %s",
                 v->requires_profile == MCX_PROFILE_2013 ? "2013" : "2010cu4");
        return why;
    }
    for (size_t i = 0; i < v->nrequires_vars; i++)
        if (!mcx_vector_vars_get(vars, v->requires_vars[i])) {
            snprintf(why, why_len, "topology has no {{%s}}", v->requires_vars[i]);
            return why;
        }
    if (v->requires_test_clock && !o->mcxd_test_clock) {
        snprintf(why, why_len,
                 "needs a target that is mcxd --test-clock (run with --mcxd-test-clock)");
        return why;
    }
    return NULL;
}

/* ---- one request ---- */

/* A step's request with its {{variables}} expanded. */
typedef struct run_request {
    char *url;
    mcx_http_header *hdrs;
    size_t nhdrs;
    char *body;
    char connect_to[512];
    const char *connect_list[2];
    mcx_http_options opt;
    mcx_http_request req;
} run_request;

static void run_request_free(run_request *rq)
{
    for (size_t i = 0; rq->hdrs && i < rq->nhdrs; i++)
        free(rq->hdrs[i].value);
    free(rq->hdrs);
    free(rq->body);
    free(rq->url);
    memset(rq, 0, sizeof *rq);
}

/* Expand the step. 0 ready; -1 failed (rf says why; *skipped when a
 * variable has no value); -2 a variable has no value and `quiet` (a cleanup
 * step whose resource was never created: nothing to do). */
static int run_prepare(const mcx_conform_options *o, const mcx_vector_step *s,
                       const mcx_vector_vars *vars, int quiet, run_request *rq,
                       run_failure *rf, int *skipped)
{
    char missing[128], why[RUN_WHY];
    memset(rq, 0, sizeof *rq);
    rq->url = mcx_vector_expand(s->url, vars, missing, sizeof missing);
    rq->hdrs = calloc(s->nheaders + 1, sizeof *rq->hdrs);
    rq->nhdrs = s->nheaders;
    const char *what = "url";
    int ok = rq->url && rq->hdrs;
    for (size_t i = 0; ok && i < s->nheaders; i++) {
        rq->hdrs[i].name = s->headers[i].name;
        rq->hdrs[i].value = mcx_vector_expand(s->headers[i].value, vars, missing, sizeof missing);
        ok = rq->hdrs[i].value != NULL;
        what = "header";
    }
    if (ok && s->body) {
        rq->body = mcx_vector_expand(s->body, vars, missing, sizeof missing);
        ok = rq->body != NULL;
        what = "body";
    }
    if (!ok) {
        if (quiet)
            return -2;
        run_fail(rf, NULL, rq->url ? rq->url : s->url, "step '%s': %s: topology has no {{%s}}",
                 s->name, what, missing);
        *skipped = 1;
        return -1;
    }
    if (mcx_conform_connect_to(o, rq->url, s->site, rq->connect_to, sizeof rq->connect_to, why,
                               sizeof why) != 0) {
        run_fail(rf, NULL, rq->url, "step '%s': %s", s->name, why);
        return -1;
    }
    rq->connect_list[0] = rq->connect_to;
    rq->opt = (mcx_http_options){
        .connect_to = rq->connect_list,
        .resolve_only = 1,
        .ca_file = o->ca_file,
        .insecure = o->insecure,
        .timeout_ms = o->timeout_ms ? o->timeout_ms : 5000,
    };
    rq->req = (mcx_http_request){
        .method = s->method,
        .url = rq->url,
        .headers = rq->hdrs,
        .nheaders = s->nheaders,
        .body = rq->body,
        .body_len = rq->body ? strlen(rq->body) : 0,
    };
    return 0;
}

static int run_perform(run_request *rq, mcx_http_response *resp)
{
    return mcx_http_perform(&rq->req, &rq->opt, resp) == 0 && resp->error == MCX_HTTP_OK ? 0
                                                                                           : -1;
}

/* ---- async steps ---- */

typedef struct run_job {
    int started;   /* a thread runs or ran */
    int collected; /* joined and evaluated */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
    int rc;
    run_request rq;
    mcx_http_response resp;
} run_job;

static void *run_job_main(void *arg)
{
    run_job *j = arg;
    int rc = run_perform(&j->rq, &j->resp);
    pthread_mutex_lock(&j->lock);
    j->rc = rc;
    j->done = 1;
    pthread_cond_signal(&j->cond);
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

/* Start the request; return once it is answered or has stayed out for
 * park_ms (the server holds it: parked). 0, or -1 when no thread. */
static int run_job_start(run_job *j, int park_ms)
{
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->cond, NULL);
    if (pthread_create(&j->thread, NULL, run_job_main, j) != 0) {
        pthread_mutex_destroy(&j->lock);
        pthread_cond_destroy(&j->cond);
        return -1;
    }
    j->started = 1;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += park_ms / 1000;
    until.tv_nsec += (long)(park_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&j->lock);
    int rc = 0;
    while (!j->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&j->cond, &j->lock, &until);
    pthread_mutex_unlock(&j->lock);
    return 0;
}

/* Wait for the response (bounded by the request timeout). */
static void run_job_join(run_job *j)
{
    if (!j->started)
        return;
    pthread_join(j->thread, NULL);
    pthread_mutex_destroy(&j->lock);
    pthread_cond_destroy(&j->cond);
    j->started = 0;
}

/* ---- evaluating a response ---- */

typedef struct run_state {
    const mcx_conform_options *o;
    const mcx_vector *v;
    mcx_vector_vars vars;
    run_failure rf;
    int skipped;
    int stopped; /* a step failed hard: only cleanup steps still run */
    int transport_failed;
    char *excerpt;
    size_t excerpt_len;
    mcx_conform_recording *rec;
    run_job *jobs; /* one slot per step */
} run_state;

static void run_evaluate(const mcx_vector_step *s, const char *url,
                         const mcx_http_response *resp, const mcx_vector_vars *vars,
                         run_failure *rf)
{
    char why[RUN_WHY], desc[RUN_WHY];
    if (!run_status_ok(s, resp->status)) {
        char want[64] = "";
        for (size_t i = 0; i < s->nstatus; i++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%d", i ? "|" : "",
                     s->status[i]);
        run_fail(rf, resp, url, "step '%s' (%s %s): status: expected %s, got %d", s->name,
                 s->method, url, want, resp->status);
    }
    for (size_t i = 0; i < s->nasserts; i++) {
        if (mcx_conform_assert(s, &s->asserts[i], resp, vars, why, sizeof why))
            continue;
        mcx_conform_assert_describe(&s->asserts[i], desc, sizeof desc);
        run_fail(rf, resp, url, "step '%s' (%s %s): %s: %s", s->name, s->method, url, desc, why);
    }
}

/* Record, evaluate and capture one response (sync, or an awaited async
 * step). A failed capture stops the vector (later steps would use it). */
static void run_finish(run_state *rs, const mcx_vector_step *s, const char *url,
                       const mcx_http_response *resp)
{
    char why[RUN_WHY];
    int before = rs->rf.count;
    if (rs->rec) {
        char *bytes;
        size_t len;
        if (mcx_conform_serialize(resp, &bytes, &len) == 0) {
            mcx_conform_recording_add(rs->rec, s->name, bytes, len);
            free(bytes);
        }
    }
    if (rs->o->evaluate)
        run_evaluate(s, url, resp, &rs->vars, &rs->rf);
    if (rs->rf.count > before && before == 0 && !rs->excerpt && resp->body_len) {
        rs->excerpt_len = resp->body_len < MCX_EXCERPT_MAX ? resp->body_len : MCX_EXCERPT_MAX;
        rs->excerpt = malloc(rs->excerpt_len);
        if (rs->excerpt)
            memcpy(rs->excerpt, resp->body, rs->excerpt_len);
    }
    for (size_t c = 0; c < s->ncaptures; c++)
        if (mcx_conform_capture(s, &s->captures[c], resp, &rs->vars, why, sizeof why) != 0) {
            run_fail(&rs->rf, resp, url, "step '%s' (%s %s): %s", s->name, s->method, url, why);
            rs->stopped = 1;
            return;
        }
}

/* Collect the async step `idx` (its thread was started). */
static void run_collect(run_state *rs, size_t idx)
{
    run_job *j = &rs->jobs[idx];
    const mcx_vector_step *s = &rs->v->steps[idx];
    if (!j->started || j->collected)
        return;
    run_job_join(j);
    j->collected = 1;
    if (j->rc != 0) {
        run_fail(&rs->rf, NULL, j->rq.url, "step '%s' (%s %s, async): no response: %s", s->name,
                 s->method, j->rq.url,
                 j->resp.error_text[0] ? j->resp.error_text : "transport error");
        rs->transport_failed = 1;
        rs->stopped = 1;
        return;
    }
    run_finish(rs, s, j->rq.url, &j->resp);
}

/* Run step i (sync or start it async), then collect what it awaits. */
static void run_one(run_state *rs, size_t i)
{
    const mcx_vector_step *s = &rs->v->steps[i];
    run_request rq;
    int rc = run_prepare(rs->o, s, &rs->vars, s->cleanup, &rq, &rs->rf, &rs->skipped);
    if (rc != 0) {
        if (rc == -1)
            rs->stopped = 1;
        run_request_free(&rq);
        return;
    }
    if (s->async) {
        run_job *j = &rs->jobs[i];
        j->rq = rq;
        /* The copy's options must point at its own CONNECT_TO string. */
        j->rq.connect_list[0] = j->rq.connect_to;
        j->rq.opt.connect_to = j->rq.connect_list;
        if (run_job_start(j, s->park_ms) != 0) {
            run_fail(&rs->rf, NULL, rq.url, "step '%s': cannot start a thread", s->name);
            rs->stopped = 1;
        }
        return;
    }
    mcx_http_response resp;
    memset(&resp, 0, sizeof resp);
    if (run_perform(&rq, &resp) != 0) {
        run_fail(&rs->rf, NULL, rq.url, "step '%s' (%s %s): no response: %s", s->name,
                 s->method, rq.url, resp.error_text[0] ? resp.error_text : "transport error");
        rs->transport_failed = 1;
        rs->stopped = 1;
    } else {
        run_finish(rs, s, rq.url, &resp);
    }
    mcx_http_response_free(&resp);
    run_request_free(&rq);
    for (size_t k = 0; k < s->nawaits && !rs->stopped; k++)
        run_collect(rs, s->awaits[k]);
}

/* ---- one vector ---- */

static int run_report(run_state *rs, mcx_report *rep, int outcome)
{
    const mcx_vector *v = rs->v;
    const run_failure *rf = &rs->rf;
    if (!rep)
        return outcome;
    if (outcome == MCX_CONFORM_PASS) {
        mcx_report_case(rep, v->id, 1, NULL);
    } else if (outcome == MCX_CONFORM_SKIP) {
        mcx_report_case(rep, v->id, -1, rf->first);
        mcx_finding *f = mcx_report_add(rep, "VC-008", "%s skipped: %s", v->id, rf->first);
        mcx_finding_set_subject(f, v->id);
    } else if (rs->o->evaluate || rs->transport_failed) {
        const char *id = rs->transport_failed               ? "VC-007"
                         : v->strength == MCX_VECTOR_SHOULD ? "VC-002"
                         : v->strength == MCX_VECTOR_MAY    ? "VC-003"
                                                            : "VC-001";
        mcx_finding *f;
        if (rf->count > 1)
            f = mcx_report_add(rep, id, "%s (%s, %s): %s (and %d more failed assertion%s)",
                               v->id, mcx_vector_result_name(v->result),
                               mcx_vector_strength_name(v->strength), rf->first, rf->count - 1,
                               rf->count > 2 ? "s" : "");
        else
            f = mcx_report_add(rep, id, "%s (%s, %s): %s", v->id,
                               mcx_vector_result_name(v->result),
                               mcx_vector_strength_name(v->strength), rf->first);
        mcx_finding_set_subject(f, v->id);
        mcx_finding_set_evidence(f, rf->url[0] ? rf->url : NULL, rf->status, rs->excerpt,
                                 rs->excerpt_len);
        if (f->level >= rs->o->fail_on) {
            mcx_report_case(rep, v->id, 0, rf->first);
        } else {
            /* Below --fail-on (a SHOULD or MAY vector): the finding
             * reports it, the case does not fail the run. */
            char detail[RUN_WHY + 64];
            snprintf(detail, sizeof detail, "%s not met (%s, %s): %s",
                     mcx_vector_strength_name(v->strength), id, mcx_level_name(f->level),
                     rf->first);
            mcx_report_case(rep, v->id, 1, detail);
            outcome = MCX_CONFORM_PASS;
        }
    }
    return outcome;
}

int mcx_conform_run_vector(const mcx_conform_options *o, const mcx_vector *v,
                           const mcx_vector_vars *topo_vars, mcx_report *rep,
                           mcx_conform_recording *rec, int *transport_failed)
{
    char why[RUN_WHY];
    *transport_failed = 0;
    if (run_precondition(o, v, topo_vars, why, sizeof why)) {
        if (rep) {
            mcx_report_case(rep, v->id, -1, why);
            mcx_finding *f = mcx_report_add(rep, "VC-008", "%s skipped: %s", v->id, why);
            mcx_finding_set_subject(f, v->id);
        }
        return MCX_CONFORM_SKIP;
    }
    run_state rs;
    memset(&rs, 0, sizeof rs);
    rs.o = o;
    rs.v = v;
    rs.rec = rec;
    rs.jobs = calloc(v->nsteps ? v->nsteps : 1, sizeof *rs.jobs);
    mcx_vector_vars_init(&rs.vars);
    mcx_vector_vars_copy(&rs.vars, topo_vars);
    if (!rs.jobs) {
        run_fail(&rs.rf, NULL, NULL, "out of memory");
        rs.stopped = 1;
    }
    for (size_t i = 0; i < v->nsteps && rs.jobs; i++) {
        /* After a hard failure or a variable without value (skipped), only
         * cleanup steps run: what was created is still removed. */
        if ((rs.stopped || rs.skipped) && !v->steps[i].cleanup)
            continue;
        run_one(&rs, i);
    }
    /* Async steps never collected (the vector stopped before their await):
     * wait for them so that no thread outlives the vector. */
    for (size_t i = 0; i < v->nsteps && rs.jobs; i++) {
        run_job_join(&rs.jobs[i]);
        mcx_http_response_free(&rs.jobs[i].resp);
        run_request_free(&rs.jobs[i].rq);
    }
    free(rs.jobs);
    mcx_vector_vars_free(&rs.vars);
    *transport_failed = rs.transport_failed;
    int outcome = rs.rf.count == 0 ? MCX_CONFORM_PASS
                  : rs.skipped     ? MCX_CONFORM_SKIP
                                   : MCX_CONFORM_FAIL;
    outcome = run_report(&rs, rep, outcome);
    free(rs.excerpt);
    return outcome;
}
