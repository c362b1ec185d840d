/*
 * validate_cache.c -- replay Autodiscover parse + validate findings for
 * documents already seen in the same `pcap verify` run (a capture of a
 * busy deployment repeats the same few documents thousands of times).
 *
 * Owns: the slot table, the key comparison and the replay through
 * mcx_report_merge. A miss runs mcx_ad_parse + mcx_ad_validate into a
 * scratch report kept in the slot, then merges it into the caller's report;
 * a hit merges the kept scratch report, so both give the same findings in
 * the same order. Does not own: the parser, the validator, nor deciding
 * what is a document (pcap_rules.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcx/autodiscover.h"
#include "hash_words.h"
#include "validate_cache.h"

#define VCACHE_HASHED_EDGE 64

typedef struct vcache_slot {
    int used;
    uint64_t hash;
    char *content_type, *url;
    char *body;
    size_t len;
    int over_http, expect_access;
    int parse_rc;
    mcx_report *findings; /* what parse + validate added */
} vcache_slot;

struct mcx_vcache {
    const mcx_topology *topo;
    vcache_slot slots[MCX_VCACHE_SLOTS];
    unsigned long hits;
};

/* The slot picker: strings, flags, length and the body's first and last
 * VCACHE_HASHED_EDGE bytes (equality is decided by comparing everything,
 * so hashing the whole body would only cost time). */
static uint64_t vcache_hash(const char *ct, const char *body, size_t len, int over_http,
                            int expect_access, const char *url)
{
    uint64_t h = MCX_HASH_SEED;
    h = mcx_hash_words(h, ct, strlen(ct) + 1);
    h = mcx_hash_words(h, url, strlen(url) + 1);
    int flags[2] = {over_http, expect_access};
    h = mcx_hash_words(h, flags, sizeof flags);
    h = mcx_hash_words(h, &len, sizeof len);
    size_t head = len < VCACHE_HASHED_EDGE ? len : VCACHE_HASHED_EDGE;
    h = mcx_hash_words(h, body, head);
    if (len > VCACHE_HASHED_EDGE)
        h = mcx_hash_words(h, body + len - VCACHE_HASHED_EDGE, VCACHE_HASHED_EDGE);
    /* spread every bit into the low ones that pick the slot (MurmurHash3's
     * finaliser): word-wise FNV leaves them weak, and a direct-mapped table
     * thrashes when two frequent documents share a slot */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static void vcache_slot_clear(vcache_slot *s)
{
    free(s->content_type);
    free(s->url);
    free(s->body);
    mcx_report_free(s->findings);
    memset(s, 0, sizeof *s);
}

mcx_vcache *mcx_vcache_new(const mcx_topology *topo)
{
    mcx_vcache *c = calloc(1, sizeof *c);
    if (c)
        c->topo = topo;
    return c;
}

void mcx_vcache_free(mcx_vcache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < MCX_VCACHE_SLOTS; i++)
        vcache_slot_clear(&c->slots[i]);
    free(c);
}

unsigned long mcx_vcache_hits(const mcx_vcache *c)
{
    return c ? c->hits : 0;
}

static int vcache_run(const mcx_topology *topo, const char *ct, const char *body, size_t len,
                      int over_http, int expect_access, mcx_report *rep, const char *url)
{
    mcx_ad_doc doc;
    memset(&doc, 0, sizeof doc);
    int rc = mcx_ad_parse(ct, body, len, &doc, rep, url);
    if (rc == 0) {
        mcx_ad_expect ex = {topo, over_http, expect_access};
        mcx_ad_validate(&doc, &ex, rep, url);
    }
    mcx_ad_doc_clear(&doc);
    return rc;
}

static int vcache_same(const vcache_slot *s, uint64_t hash, const char *ct, const char *body,
                       size_t len, int over_http, int expect_access, const char *url)
{
    return s->used && s->hash == hash && s->len == len && s->over_http == over_http &&
           s->expect_access == expect_access && strcmp(s->content_type, ct) == 0 &&
           strcmp(s->url, url) == 0 && memcmp(s->body, body, len) == 0;
}

int mcx_vcache_check(mcx_vcache *c, const mcx_topology *topo, const char *content_type,
                     const char *body, size_t len, int over_http, int expect_access,
                     mcx_report *rep, const char *url)
{
    const char *ct = content_type ? content_type : "";
    const char *u = url ? url : "";
    if (c == NULL || c->topo != topo || len > MCX_VCACHE_MAX_BODY || body == NULL)
        return vcache_run(topo, content_type, body, len, over_http, expect_access, rep, url);
    uint64_t hash = vcache_hash(ct, body, len, over_http, expect_access, u);
    vcache_slot *s = &c->slots[hash % MCX_VCACHE_SLOTS];
    if (vcache_same(s, hash, ct, body, len, over_http, expect_access, u)) {
        c->hits++;
        mcx_report_merge(rep, s->findings);
        return s->parse_rc;
    }
    vcache_slot_clear(s);
    mcx_report *scratch = mcx_report_new(rep->tool, rep->command, rep->subject);
    int rc = vcache_run(topo, content_type, body, len, over_http, expect_access, scratch, url);
    mcx_report_merge(rep, scratch);
    s->content_type = strdup(ct);
    s->url = strdup(u);
    s->body = malloc(len ? len : 1);
    if (s->content_type == NULL || s->url == NULL || s->body == NULL) {
        s->findings = scratch;
        vcache_slot_clear(s); /* out of memory: simply not cached */
        return rc;
    }
    memcpy(s->body, body, len);
    s->used = 1;
    s->hash = hash;
    s->len = len;
    s->over_http = over_http;
    s->expect_access = expect_access;
    s->parse_rc = rc;
    s->findings = scratch;
    return rc;
}
