/*
 * conform_run.c -- running conformance vectors against a server.
 *
 * Owns: target URLs, mapping a step's URL (real topology names) onto the
 * target of its side and scheme with CONNECT_TO (so Host and SNI stay the
 * real names), loading a vectors directory, the deterministic shuffle, and
 * the recording file format (vectors/recorded/ID.http: read, write,
 * compare). Does not own: running one vector's steps (conform_vector.c),
 * the assertions themselves (conform_assert.c), command-line parsing
 * (cmd_conform.c, cmd_record.c).
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "conform.h"

#define RUN_MAX_VECTORS 4096

/* ---- targets ---- */

int mcx_conform_parse_target(const char *url, mcx_access site, mcx_conform_target *t,
                             char *err, size_t err_len)
{
    memset(t, 0, sizeof *t);
    t->site = site;
    CURLU *u = curl_url();
    if (!u) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    int rc = -1;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        snprintf(err, err_len, "'%s' is not a URL (expected e.g. https://127.0.4.1:14443)", url);
        goto out;
    }
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    curl_url_get(u, CURLUPART_PATH, &path, 0);
    if (!scheme || (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        snprintf(err, err_len, "'%s': scheme must be http or https", url);
        goto out;
    }
    if (path && strcmp(path, "/") != 0) {
        snprintf(err, err_len, "'%s': a target is scheme://addr:port with no path", url);
        goto out;
    }
    if (!host || strlen(host) >= sizeof t->addr || !port) {
        snprintf(err, err_len, "'%s': bad host or port", url);
        goto out;
    }
    snprintf(t->scheme, sizeof t->scheme, "%s", scheme);
    snprintf(t->addr, sizeof t->addr, "%s", host);
    t->port = atoi(port);
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    return rc;
}

static const mcx_conform_target *run_target(const mcx_conform_options *o, mcx_access site,
                                            const char *scheme)
{
    for (size_t i = 0; i < o->ntargets; i++)
        if (o->targets[i].site == site && strcmp(o->targets[i].scheme, scheme) == 0)
            return &o->targets[i];
    return NULL;
}

int mcx_conform_connect_to(const mcx_conform_options *o, const char *url, mcx_access site,
                           char *out, size_t out_len, char *why, size_t why_len)
{
    CURLU *u = curl_url();
    if (!u)
        return -1;
    char *scheme = NULL, *host = NULL, *port = NULL;
    int rc = -1;
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_PATH_AS_IS) != CURLUE_OK) {
        snprintf(why, why_len, "step URL '%s' does not parse", url);
        goto out;
    }
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    const mcx_conform_target *t = scheme ? run_target(o, site, scheme) : NULL;
    if (!t || !host || !port) {
        snprintf(why, why_len, "no --target-%s for scheme %s",
                 site == MCX_ACCESS_INTERNAL ? "internal" : "external", scheme ? scheme : "?");
        goto out;
    }
    snprintf(out, out_len, "%s:%s:%s:%d", host, port, t->addr, t->port);
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

/* ---- recordings ---- */

int mcx_conform_serialize(const mcx_http_response *resp, char **out, size_t *len)
{
    size_t cap = resp->body_len + 128;
    for (size_t i = 0; i < resp->nheaders; i++)
        cap += strlen(resp->headers[i].name) + strlen(resp->headers[i].value) + 4;
    char *buf = malloc(cap);
    if (!buf)
        return -1;
    size_t o = (size_t)snprintf(buf, cap, "%s %d\r\n",
                                resp->http_version ? resp->http_version : "HTTP/1.1",
                                resp->status);
    for (size_t i = 0; i < resp->nheaders; i++) {
        o += (size_t)snprintf(buf + o, cap - o, "%s: %s\r\n", resp->headers[i].name,
                              resp->headers[i].value);
    }
    memcpy(buf + o, "\r\n", 2);
    o += 2;
    if (resp->body_len)
        memcpy(buf + o, resp->body, resp->body_len);
    o += resp->body_len;
    *out = buf;
    *len = o;
    return 0;
}

int mcx_conform_recording_add(mcx_conform_recording *r, const char *step, const char *bytes,
                              size_t len)
{
    mcx_conform_exchange *ex = realloc(r->ex, (r->n + 1) * sizeof *ex);
    if (!ex)
        return -1;
    r->ex = ex;
    ex[r->n].step = strdup(step);
    ex[r->n].bytes = malloc(len + 1);
    ex[r->n].len = len;
    if (!ex[r->n].step || !ex[r->n].bytes) {
        free(ex[r->n].step);
        free(ex[r->n].bytes);
        return -1;
    }
    memcpy(ex[r->n].bytes, bytes, len);
    ex[r->n].bytes[len] = '\0';
    r->n++;
    return 0;
}

void mcx_conform_recording_free(mcx_conform_recording *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->ex[i].step);
        free(r->ex[i].bytes);
    }
    free(r->ex);
    r->ex = NULL;
    r->n = 0;
}

/* File: "mcxlab-recording 1 ID\n" then per step "step NAME LEN\n", LEN raw
 * bytes, "\n". Length-prefixed, so any byte is safe. */
int mcx_conform_recording_read(const char *path, mcx_conform_recording *r, char *err,
                               size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char line[256];
    long off = 0;
    int rc = 0;
    if (!fgets(line, sizeof line, f) || strncmp(line, "mcxlab-recording 1 ", 19) != 0) {
        snprintf(err, err_len, "%s: byte 0: not a recording (expected 'mcxlab-recording 1 ID')",
                 path);
        rc = -1;
    }
    while (rc == 0) {
        off = ftell(f);
        if (!fgets(line, sizeof line, f))
            break;
        char name[128];
        size_t len = 0;
        if (sscanf(line, "step %127s %zu", name, &len) != 2 || len > (size_t)1 << 26) {
            snprintf(err, err_len, "%s: byte %ld: expected 'step NAME LENGTH'", path, off);
            rc = -1;
            break;
        }
        char *bytes = malloc(len + 1);
        if (!bytes || fread(bytes, 1, len, f) != len || fgetc(f) != '\n') {
            snprintf(err, err_len, "%s: byte %ld: step '%s' is truncated", path, off, name);
            free(bytes);
            rc = -1;
            break;
        }
        if (mcx_conform_recording_add(r, name, bytes, len) != 0)
            rc = -1;
        free(bytes);
    }
    fclose(f);
    if (rc != 0)
        mcx_conform_recording_free(r);
    return rc;
}

int mcx_conform_recording_write(const char *path, const char *id,
                                const mcx_conform_recording *r)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return -1;
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return -1;
    fprintf(f, "mcxlab-recording 1 %s\n", id);
    for (size_t i = 0; i < r->n; i++) {
        fprintf(f, "step %s %zu\n", r->ex[i].step, r->ex[i].len);
        fwrite(r->ex[i].bytes, 1, r->ex[i].len, f);
        fputc('\n', f);
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void run_recording_path(const mcx_conform_options *o, const mcx_vector *v, char *buf,
                               size_t len)
{
    snprintf(buf, len, "%s/%s.http", o->recorded_dir ? o->recorded_dir : "recorded", v->id);
}

int mcx_conform_recording_check(const mcx_conform_options *o, const mcx_vector *v,
                                const mcx_conform_recording *got, mcx_report *rep)
{
    char path[PATH_MAX], err[512];
    run_recording_path(o, v, path, sizeof path);
    mcx_conform_recording want = {NULL, 0};
    int rc = mcx_conform_recording_read(path, &want, err, sizeof err);
    if (rc != 0) {
        mcx_finding *f = mcx_report_add(rep, "VC-005", "%s: %s", v->id,
                                        rc == 1 ? "no recording (run mcxcheck record)" : err);
        mcx_finding_set_subject(f, v->id);
        return 0;
    }
    int same = 1;
    for (size_t i = 0; i < got->n && same; i++) {
        const mcx_conform_exchange *w = NULL;
        for (size_t j = 0; j < want.n && !w; j++)
            if (strcmp(want.ex[j].step, got->ex[i].step) == 0)
                w = &want.ex[j];
        if (!w) {
            mcx_finding *f = mcx_report_add(rep, "VC-005", "%s: step '%s' has no recording in %s",
                                            v->id, got->ex[i].step, path);
            mcx_finding_set_subject(f, v->id);
            same = 0;
            break;
        }
        size_t at = 0;
        while (at < w->len && at < got->ex[i].len && w->bytes[at] == got->ex[i].bytes[at])
            at++;
        if (at == w->len && at == got->ex[i].len)
            continue;
        same = 0;
        size_t from = at > 40 ? at - 40 : 0;
        size_t n = got->ex[i].len - from < 160 ? got->ex[i].len - from : 160;
        mcx_finding *f = mcx_report_add(
            rep, "VC-004",
            "%s: step '%s' drifted from %s at byte %zu (recorded %zu bytes, now %zu)", v->id,
            got->ex[i].step, path, at, w->len, got->ex[i].len);
        mcx_finding_set_subject(f, v->id);
        mcx_finding_set_evidence(f, NULL, 0, got->ex[i].bytes + from, n);
    }
    if (same && got->n != want.n) {
        mcx_finding *f = mcx_report_add(rep, "VC-004",
                                        "%s: %zu steps recorded in %s, %zu run now", v->id, want.n,
                                        path, got->n);
        mcx_finding_set_subject(f, v->id);
        same = 0;
    }
    mcx_conform_recording_free(&want);
    return same;
}

/* ---- directories ---- */

static int run_cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int mcx_conform_load_dir(const char *dir, const char *const *globs, size_t nglobs,
                         mcx_vector ***out, size_t *nout, mcx_report *rep, char *err,
                         size_t err_len)
{
    *out = NULL;
    *nout = 0;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, err_len, "%s: cannot open vectors directory: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < RUN_MAX_VECTORS) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".xml") != 0 || e->d_name[0] == '.' ||
            strcmp(e->d_name, MCX_STATEMENTS_FILE) == 0) /* not a vector */
            continue;
        char **grown = realloc(names, (n + 1) * sizeof *names);
        if (!grown)
            break;
        names = grown;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, run_cmp_names);
    mcx_vector **vecs = calloc(n ? n : 1, sizeof *vecs);
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, names[i] ? names[i] : "");
        free(names[i]);
        mcx_vector_error verr;
        mcx_vector *v = vecs ? mcx_vector_load_file(path, &verr) : NULL;
        if (!v) {
            char msg[1024];
            mcx_vector_error_format(&verr, msg, sizeof msg);
            mcx_finding *f = mcx_report_add(rep, "VC-006", "%s", msg);
            mcx_finding_set_subject(f, path);
            continue;
        }
        int selected = nglobs == 0;
        for (size_t g = 0; g < nglobs && !selected; g++)
            selected = fnmatch(globs[g], v->id, 0) == 0;
        for (size_t k = 0; k < nv && selected; k++)
            if (strcmp(vecs[k]->id, v->id) == 0) {
                mcx_finding *f = mcx_report_add(rep, "VC-006", "%s: vector ID %s also used by %s",
                                                path, v->id, vecs[k]->path);
                mcx_finding_set_subject(f, path);
                selected = 0;
            }
        if (selected)
            vecs[nv++] = v;
        else
            mcx_vector_free(v);
    }
    free(names);
    *out = vecs;
    *nout = nv;
    return 0;
}

void mcx_conform_free_vectors(mcx_vector **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mcx_vector_free(v[i]);
    free(v);
}

static unsigned long long run_splitmix64(unsigned long long *state)
{
    unsigned long long z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void mcx_conform_shuffle(mcx_vector **v, size_t n, unsigned long long seed)
{
    unsigned long long state = seed;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(run_splitmix64(&state) % i);
        mcx_vector *tmp = v[i - 1];
        v[i - 1] = v[j];
        v[j] = tmp;
    }
}

int mcx_conform_default_dir(char *buf, size_t len)
{
    struct stat sb;
    if (stat("vectors", &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(buf, len, "vectors");
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    /* A build tree (build/mcxcheck -> vectors/) or an installed one
     * (PREFIX/bin/mcxcheck -> PREFIX/share/mcxlab/vectors, make install). */
    static const char *const rel[] = {"/../vectors", "/../share/mcxlab/vectors"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        snprintf(buf, len, "%s%s", exe, rel[i]);
        if (stat(buf, &sb) == 0 && S_ISDIR(sb.st_mode))
            return 0;
    }
    return -1;
}
