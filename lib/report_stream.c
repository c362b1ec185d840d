/*
 * report_stream.c -- writing a report's steps while it is being built
 * (text and jsonl), so a command with one step per input record keeps
 * memory flat.
 *
 * Owns: the stream object, the order in which the pieces of a rendering
 * are written (head, steps as flushed, tail), freeing flushed steps, and
 * the writer thread: a flush hands the report's step array to it and gives
 * the report the array the writer finished with (freeing that array's
 * strings in the caller's thread), so rendering and writing overlap with
 * the caller building the next steps. While open, the stream gives the
 * report a step pool (step_pool.c) per step array for the steps' strings:
 * giving an array back empties its pool instead of freeing each string. One writer, batches in
 * flush order: the bytes are those of rendering in the caller's thread
 * (which is what happens when no thread can be started). At most two step
 * arrays exist (the one being filled, the one being written). Does not own:
 * the renderings themselves (report_text.c, report_json.c) nor when to
 * flush (the command driving the report).
 */
#include <pthread.h>
#include <stdlib.h>

#include "report_render.h"

struct mcx_report_stream {
    mcx_report *r;
    mcx_format fmt;
    int color, timings;
    FILE *out;
    size_t written; /* steps handed over so far */
    int failed;     /* under mu while the writer runs */
    /* writer thread (threaded == 0: flush renders in the caller's thread) */
    int threaded;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    mcx_step *batch;     /* steps for the writer; NULL when it is idle */
    size_t nbatch, capbatch;
    mcx_step *spare;     /* the array the writer finished with */
    size_t nspare, capspare; /* its steps' strings are still to be freed */
    int stop;
    /* fill: the pool of r->steps (r->step_pool); other: that of the batch
     * or the spare (emptied when the spare goes back to the report) */
    mcx_step_pool *fill, *other;
};

/* Render steps[0..n) to the stream; -1 when a write failed. */
static int render_steps(const mcx_report_stream *s, const mcx_step *steps, size_t n)
{
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        const mcx_step *st = &steps[i];
        int rc = s->fmt == MCX_FORMAT_TEXT
                     ? mcx_render_text_step(st, s->timings, s->color, s->out)
                     : mcx_render_jsonl_step(st, s->timings, s->out);
        if (rc != 0)
            failed = 1;
    }
    return failed ? -1 : 0;
}

/* Free the strings of steps[0..n) (those in a pool go when it is reset).
 * Done in the caller's thread: freeing there what it allocated keeps
 * malloc's per-thread caches working (frees from the writer thread cost
 * more system time than they saved). */
static void free_steps(mcx_step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (steps[i].pooled)
            continue;
        free(steps[i].title);
        free(steps[i].detail);
    }
}

static void *writer_main(void *arg)
{
    mcx_report_stream *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->batch == NULL && !s->stop)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->batch == NULL)
            break; /* stopped with nothing left */
        mcx_step *steps = s->batch;
        size_t n = s->nbatch, cap = s->capbatch;
        pthread_mutex_unlock(&s->mu);
        int rc = render_steps(s, steps, n);
        pthread_mutex_lock(&s->mu);
        if (rc != 0)
            s->failed = 1;
        s->spare = steps; /* flush took the previous spare before handing this */
        s->nspare = n;
        s->capspare = cap;
        s->batch = NULL;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

mcx_report_stream *mcx_report_stream_open(mcx_report *r, mcx_format fmt, int color,
                                          int timings, FILE *out)
{
    if (fmt != MCX_FORMAT_TEXT && fmt != MCX_FORMAT_JSONL)
        return NULL;
    mcx_report_stream *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->r = r;
    s->fmt = fmt;
    s->color = fmt == MCX_FORMAT_TEXT ? color : 0;
    s->timings = timings;
    s->out = out;
    if (fmt == MCX_FORMAT_TEXT && mcx_render_text_head(r, out) != 0)
        s->failed = 1;
    s->fill = mcx_step_pool_new();
    s->other = mcx_step_pool_new();
    if (s->fill && s->other) {
        r->step_pool = s->fill; /* NULL pools: steps keep malloc'd strings */
    } else {
        mcx_step_pool_free(s->fill);
        mcx_step_pool_free(s->other);
        s->fill = s->other = NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->threaded = pthread_create(&s->thread, NULL, writer_main, s) == 0;
    if (!s->threaded) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
    }
    return s;
}

int mcx_report_stream_flush(mcx_report_stream *s)
{
    mcx_report *r = s->r;
    if (!s->threaded) {
        if (render_steps(s, r->steps, r->nsteps) != 0)
            s->failed = 1;
        free_steps(r->steps, r->nsteps);
        if (s->fill)
            mcx_step_pool_reset(s->fill);
        s->written += r->nsteps;
        r->nsteps = 0;
        return s->failed ? -1 : 0;
    }
    pthread_mutex_lock(&s->mu);
    if (r->nsteps > 0) {
        while (s->batch != NULL)
            pthread_cond_wait(&s->cv, &s->mu);
        free_steps(s->spare, s->nspare);
        if (s->fill) { /* the batch takes the fill pool, the report the emptied other */
            mcx_step_pool *emptied = s->other;
            mcx_step_pool_reset(emptied);
            s->other = s->fill;
            s->fill = emptied;
            r->step_pool = emptied;
        }
        s->batch = r->steps;
        s->nbatch = r->nsteps;
        s->capbatch = r->capsteps;
        r->steps = s->spare;
        r->capsteps = s->capspare;
        r->nsteps = 0;
        s->spare = NULL;
        s->nspare = s->capspare = 0;
        s->written += s->nbatch;
        pthread_cond_broadcast(&s->cv);
    }
    int failed = s->failed;
    pthread_mutex_unlock(&s->mu);
    return failed ? -1 : 0;
}

int mcx_report_stream_close(mcx_report_stream *s)
{
    if (s == NULL)
        return -1;
    mcx_report_stream_flush(s);
    if (s->threaded) {
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL); /* the writer empties the last batch first */
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
    }
    free_steps(s->spare, s->nspare);
    free(s->spare);
    /* every step was handed over and written: its strings can go */
    s->r->step_pool = NULL;
    mcx_step_pool_free(s->fill);
    mcx_step_pool_free(s->other);
    /* The tail renders counts from the report, as a one-shot write would:
     * give it the report as it stands plus the streamed timings flag. */
    mcx_report view = *s->r;
    view.timings = s->timings;
    int rc = s->fmt == MCX_FORMAT_TEXT ? mcx_render_text_tail(&view, s->written, s->color, s->out)
                                       : mcx_render_jsonl_tail(&view, s->out);
    if (rc != 0 || fflush(s->out) != 0 || ferror(s->out))
        s->failed = 1;
    int failed = s->failed;
    free(s);
    return failed ? -1 : 0;
}
