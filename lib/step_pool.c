/*
 * step_pool.c -- bump allocation of step strings for a streaming report.
 *
 * Owns: the step pool, blocks of bytes that a report stream
 * (report_stream.c) attaches to the report it writes, so the title and
 * detail of each step (report.c, mcx_report_step) are copied into a block
 * instead of two malloc'd strings each; when the stream has written a
 * batch of steps it empties that batch's pool in one go instead of
 * freeing every string. Blocks are kept and reused from the first on, so
 * a pool holds about one batch's strings (plus a block of slack). Not
 * thread-safe: one thread fills a pool, and it is handed to another only
 * with the step array its strings belong to. Does not own: which strings
 * go there (report.c) nor when a pool is emptied (report_stream.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_render.h"

#define STEP_POOL_BLOCK (64 * 1024)

typedef struct pool_block {
    struct pool_block *next;
    size_t used, cap;
    char data[];
} pool_block;

struct mcx_step_pool {
    pool_block *first, *cur;
};

mcx_step_pool *mcx_step_pool_new(void)
{
    return calloc(1, sizeof(mcx_step_pool));
}

char *mcx_step_pool_put(mcx_step_pool *p, const char *s, size_t n)
{
    size_t need = n + 1;
    /* past the blocks in use, on to kept ones (emptied as they are reached) */
    while (p->cur && p->cur->cap - p->cur->used < need && p->cur->next) {
        p->cur = p->cur->next;
        p->cur->used = 0;
    }
    if (p->cur == NULL || p->cur->cap - p->cur->used < need) {
        size_t cap = need > STEP_POOL_BLOCK ? need : STEP_POOL_BLOCK;
        pool_block *b = malloc(sizeof *b + cap);
        if (b == NULL) { /* as every allocation of the report model */
            fputs("mcxlab: out of memory\n", stderr);
            abort();
        }
        b->next = NULL;
        b->used = 0;
        b->cap = cap;
        if (p->cur)
            p->cur->next = b;
        else
            p->first = b;
        p->cur = b;
    }
    char *q = p->cur->data + p->cur->used;
    memcpy(q, s, n);
    q[n] = '\0';
    p->cur->used += need;
    return q;
}

void mcx_step_pool_reset(mcx_step_pool *p)
{
    p->cur = p->first;
    if (p->cur)
        p->cur->used = 0;
}

void mcx_step_pool_free(mcx_step_pool *p)
{
    if (p == NULL)
        return;
    for (pool_block *b = p->first; b;) {
        pool_block *next = b->next;
        free(b);
        b = next;
    }
    free(p);
}
