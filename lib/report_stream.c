/*
 * report_stream.c -- writing a report's steps while it is being built
 * (text and jsonl), so a command with one step per input record keeps
 * memory flat.
 *
 * Owns: the stream object, the order in which the pieces of a rendering
 * are written (head, steps as flushed, tail) and freeing flushed steps.
 * Does not own: the renderings themselves (report_text.c, report_json.c)
 * nor when to flush (the command driving the report).
 */
#include <stdlib.h>

#include "report_render.h"

struct mcx_report_stream {
    mcx_report *r;
    mcx_format fmt;
    int color, timings;
    FILE *out;
    size_t written; /* steps written so far */
    int failed;
};

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
    return s;
}

int mcx_report_stream_flush(mcx_report_stream *s)
{
    mcx_report *r = s->r;
    for (size_t i = 0; i < r->nsteps; i++) {
        mcx_step *st = &r->steps[i];
        int rc = s->fmt == MCX_FORMAT_TEXT
                     ? mcx_render_text_step(st, s->timings, s->color, s->out)
                     : mcx_render_jsonl_step(st, s->timings, s->out);
        if (rc != 0)
            s->failed = 1;
        free(st->title);
        free(st->detail);
    }
    s->written += r->nsteps;
    r->nsteps = 0;
    return s->failed ? -1 : 0;
}

int mcx_report_stream_close(mcx_report_stream *s)
{
    if (s == NULL)
        return -1;
    mcx_report_stream_flush(s);
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
