/*
 * auth_oauth.c -- the Lync 2013 OAuth profile in mcxd (protocol.md §2.7.2).
 *
 * Owns: the challenge on the OAuth user resource (`WWW-Authenticate: Bearer`
 * and `WWW-Authenticate: MsRtcOAuth href=...`), the token endpoint
 * `POST /WebTicket/oauthtoken` (form-urlencoded grants, JSON answer with
 * Cache-Control: no-store, 400 + {"error": ...} + X-Ms-diagnostics on
 * failure) and the store of issued `cwt=` tokens and their verification.
 * Does not own: the password check (auth_state.c) or what the resource
 * answers once a token is accepted (the dispatcher).
 *
 * Grants: `password` (username + password) and `urn:microsoft.rtc:windows`
 * (HTTP Basic standing in for Windows authentication) issue a token;
 * `urn:microsoft.rtc:anonmeeting` is invalid_grant (the deployment has no
 * conferences); anything else is unsupported_grant_type. Tokens are
 * "cwt=" + base64url(32 random bytes) held in a bounded store with their
 * user and expiry (now + the topology's oauth_lifetime).
 *
 * X-Ms-diagnostics codes: 28029 is the code protocol.md quotes for "grant
 * type not allowed"; the others are mcxd's own (280xx range, documented
 * here): 28030 malformed request, 28031 wrong credentials, 28032 too many
 * failures (throttled), 28033 no such conference.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "auth.h"

#define OAUTH_MAX_BODY 8192
#define OAUTH_MAX_PARAMS 16
#define OAUTH_MAX_TOKEN_LEN 256

void mcxd_auth_oauth_challenge(const char *base, mcxd_response *resp)
{
    char value[1200];
    mcxd_response_header(resp, "WWW-Authenticate", "Bearer trusted_issuers=\"\",client_id=\"\"");
    snprintf(value, sizeof(value),
             "MsRtcOAuth href=\"%s/WebTicket/oauthtoken\",grant_type=\"urn:microsoft.rtc:windows,"
             "urn:microsoft.rtc:anonmeeting,password\"",
             base);
    mcxd_response_header(resp, "WWW-Authenticate", value);
}

/* ---- token store --------------------------------------------------------- */
/*
 * The live tokens are a ring of MCXD_AUTH_MAX_TOKENS in issue order: when it
 * is full the oldest token gives way (every token has the same lifetime, so
 * the oldest is also the first to expire). A token is found through an
 * open-addressing index keyed by an HMAC of the token under the server's
 * signing key (so bucket timing tells nothing about other tokens), then
 * compared in constant time.
 */

#define INDEX_SLOTS (2 * MCXD_AUTH_MAX_TOKENS)

static uint64_t token_key(const mcxd_state *st, const char *token, size_t len)
{
    unsigned char mac[SHA256_DIGEST_LENGTH];
    uint64_t k = 0;
    if (mcxd_auth_sign(st, token, len, mac) == 0)
        memcpy(&k, mac, sizeof(k));
    return k;
}

static void index_put(mcxd_state *st, uint64_t key, uint32_t slot)
{
    size_t i = key & (INDEX_SLOTS - 1);
    while (st->token_index[i])
        i = (i + 1) & (INDEX_SLOTS - 1);
    st->token_index[i] = slot + 1;
}

/* Remove ring slot `slot` from the index (backward-shift deletion). */
static void index_remove(mcxd_state *st, uint32_t slot)
{
    size_t i = st->tokens[slot].key & (INDEX_SLOTS - 1);
    while (st->token_index[i] && st->token_index[i] != slot + 1)
        i = (i + 1) & (INDEX_SLOTS - 1);
    if (!st->token_index[i])
        return;
    st->token_index[i] = 0;
    for (size_t j = (i + 1) & (INDEX_SLOTS - 1); st->token_index[j];
         j = (j + 1) & (INDEX_SLOTS - 1)) {
        uint32_t moved = st->token_index[j];
        st->token_index[j] = 0;
        index_put(st, st->tokens[moved - 1].key, moved - 1);
    }
}

static void token_clear(mcxd_state *st, uint32_t slot)
{
    mcxd_auth_token *t = &st->tokens[slot];
    if (!t->token)
        return;
    index_remove(st, slot);
    OPENSSL_cleanse(t->token, strlen(t->token));
    free(t->token);
    free(t->user);
    memset(t, 0, sizeof(*t));
    st->ntokens--;
}

void mcxd_auth_tokens_free(mcxd_state *st)
{
    for (uint32_t i = 0; st->tokens && i < MCXD_AUTH_MAX_TOKENS; i++)
        token_clear(st, i);
    free(st->tokens);
    free(st->token_index);
    st->tokens = NULL;
    st->token_index = NULL;
}

/* Issue a token for `user`; malloc'd "cwt=..." or NULL. */
static char *token_issue(mcxd_state *st, const mcx_user *user, time_t expires, time_t now)
{
    (void)now;
    if (!st->tokens) {
        st->tokens = calloc(MCXD_AUTH_MAX_TOKENS, sizeof(*st->tokens));
        st->token_index = calloc(INDEX_SLOTS, sizeof(*st->token_index));
        if (!st->tokens || !st->token_index) {
            free(st->tokens);
            free(st->token_index);
            st->tokens = NULL;
            st->token_index = NULL;
            return NULL;
        }
    }
    unsigned char raw[MCXD_AUTH_TOKEN_BYTES];
    if (mcxd_auth_random(st, raw, sizeof(raw)) != 0)
        return NULL;
    char *b64 = mcxd_auth_base64(raw, sizeof(raw));
    OPENSSL_cleanse(raw, sizeof(raw));
    if (!b64)
        return NULL;
    /* base64url, no padding */
    size_t n = strlen(b64);
    while (n > 0 && b64[n - 1] == '=')
        b64[--n] = '\0';
    for (size_t i = 0; i < n; i++)
        b64[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
    char *token = malloc(n + 5);
    char *kept = malloc(n + 5);
    char *user_copy = strdup(user->sip_uri);
    if (!token || !kept || !user_copy) {
        free(token);
        free(kept);
        free(user_copy);
        free(b64);
        return NULL;
    }
    memcpy(token, "cwt=", 4);
    memcpy(token + 4, b64, n + 1);
    memcpy(kept, token, n + 5);
    free(b64);
    uint32_t slot = (uint32_t)st->token_next;
    token_clear(st, slot); /* the oldest gives way */
    st->token_next = (st->token_next + 1) % MCXD_AUTH_MAX_TOKENS;
    mcxd_auth_token *t = &st->tokens[slot];
    t->token = kept;
    t->user = user_copy;
    t->expires = expires;
    t->key = token_key(st, kept, n + 4);
    index_put(st, t->key, slot);
    st->ntokens++;
    return token;
}

mcxd_auth_result mcxd_auth_oauth_verify(const mcxd_config *cfg, mcxd_state *st,
                                        const char *authorization, time_t now,
                                        const mcx_user **user)
{
    *user = NULL;
    if (strncasecmp(authorization, "Bearer", 6) != 0)
        return MCXD_AUTH_NONE;
    const char *tok = authorization + 6;
    if (*tok != ' ' && *tok != '\t')
        return MCXD_AUTH_INVALID;
    while (*tok == ' ' || *tok == '\t')
        tok++;
    size_t len = strcspn(tok, " \t");
    if (len == 0 || len > OAUTH_MAX_TOKEN_LEN || tok[len + strspn(tok + len, " \t")] != '\0')
        return MCXD_AUTH_INVALID;
    if (!st->tokens)
        return MCXD_AUTH_INVALID;
    uint64_t key = token_key(st, tok, len);
    const mcxd_auth_token *hit = NULL;
    for (size_t i = key & (INDEX_SLOTS - 1); st->token_index[i]; i = (i + 1) & (INDEX_SLOTS - 1)) {
        const mcxd_auth_token *t = &st->tokens[st->token_index[i] - 1];
        if (t->key == key && strlen(t->token) == len && CRYPTO_memcmp(t->token, tok, len) == 0) {
            hit = t;
            break;
        }
    }
    if (!hit || now >= hit->expires)
        return MCXD_AUTH_INVALID;
    const mcx_user *u = mcx_topology_find_user(cfg->topo, hit->user);
    if (!u)
        return MCXD_AUTH_INVALID;
    *user = u;
    return MCXD_AUTH_OK;
}

/* ---- token endpoint ------------------------------------------------------- */

typedef struct form_param {
    char *name;
    char *value;
} form_param;

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode [s, s+len) with '+' as space; NULL on a bad escape or NUL. */
static char *form_decode(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\0') {
            free(out);
            return NULL;
        }
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < len ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < len ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                free(out);
                return NULL;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

static void form_free(form_param *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i].value)
            OPENSSL_cleanse(p[i].value, strlen(p[i].value));
        free(p[i].name);
        free(p[i].value);
    }
}

/* Parse an x-www-form-urlencoded body. Returns the number of parameters, or
 * -1 with `err` set (byte offset and reason). */
static int form_parse(const char *body, size_t len, form_param *p, size_t max, char *err,
                      size_t errlen)
{
    size_t n = 0, pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && body[end] != '&')
            end++;
        if (end > pos) {
            const char *eq = memchr(body + pos, '=', end - pos);
            if (!eq) {
                snprintf(err, errlen, "byte %zu: parameter without '='", pos);
                goto fail;
            }
            if (n == max) {
                snprintf(err, errlen, "byte %zu: more than %zu parameters", pos, max);
                goto fail;
            }
            p[n].name = form_decode(body + pos, (size_t)(eq - (body + pos)));
            p[n].value = form_decode(eq + 1, (size_t)(body + end - (eq + 1)));
            n++;
            if (!p[n - 1].name || !p[n - 1].value) {
                snprintf(err, errlen, "byte %zu: bad percent-encoding", pos);
                goto fail;
            }
            for (size_t i = 0; i + 1 < n; i++) {
                if (strcmp(p[i].name, p[n - 1].name) == 0) {
                    snprintf(err, errlen, "byte %zu: parameter '%s' repeated", pos, p[n - 1].name);
                    goto fail;
                }
            }
        }
        pos = end + 1;
    }
    return (int)n;
fail:
    form_free(p, n);
    return -1;
}

static const char *form_get(const form_param *p, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].name, name) == 0)
            return p[i].value;
    return NULL;
}

static void json_answer(mcxd_response *resp, int status, json_t *obj)
{
    char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(obj);
    resp->status = status;
    mcxd_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    mcxd_response_header(resp, "Cache-Control", "no-store");
    mcxd_response_header(resp, "Pragma", "no-cache");
    if (!text) {
        resp->status = 500;
        return;
    }
    resp->body = text;
    resp->body_len = strlen(text);
}

static void oauth_error(const mcxd_config *cfg, const mcxd_request *req, mcxd_response *resp,
                        const char *error, int diag, const char *reason)
{
    char value[700];
    json_t *obj = json_object();
    json_object_set_new(obj, "error", json_string(error));
    json_object_set_new(obj, "error_description", json_string(reason));
    char source[256], why[300];
    snprintf(source, sizeof(source), "%s", req->host ? req->host : mcxd_auth_realm(cfg, req));
    snprintf(why, sizeof(why), "%s", reason);
    /* request bytes (Host, parameter names) must not break the header */
    for (char *c = source; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '"')
            *c = '?';
    for (char *c = why; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '"')
            *c = '\'';
    snprintf(value, sizeof(value), "%d;source=\"%s\";reason=\"%s\"", diag, source, why);
    mcxd_response_header(resp, "X-Ms-diagnostics", value);
    json_answer(resp, 400, obj);
}

static int content_type_is_form(const char *ct)
{
    static const char form[] = "application/x-www-form-urlencoded";
    if (!ct)
        return 0;
    while (*ct == ' ')
        ct++;
    size_t fl = sizeof(form) - 1;
    return strncasecmp(ct, form, fl) == 0 && (ct[fl] == '\0' || ct[fl] == ';' || ct[fl] == ' ');
}

void mcxd_auth_oauth_handle(const mcxd_config *cfg, mcxd_state *st, const mcxd_request *req,
                            time_t now, mcxd_response *resp)
{
    if (strcmp(req->method, "POST") != 0) {
        resp->status = 405;
        mcxd_response_header(resp, "Allow", "POST");
        return;
    }
    if (!req->tls) {
        oauth_error(cfg, req, resp, "invalid_request", 28030,
                    "the token endpoint accepts credentials over HTTPS only");
        return;
    }
    if (!content_type_is_form(mcxd_request_header(req, "Content-Type"))) {
        oauth_error(cfg, req, resp, "invalid_request", 28030,
                    "Content-Type must be application/x-www-form-urlencoded");
        return;
    }
    if (req->body_len > OAUTH_MAX_BODY) {
        char why[128];
        snprintf(why, sizeof(why), "body of %zu bytes exceeds the limit of %d", req->body_len,
                 OAUTH_MAX_BODY);
        oauth_error(cfg, req, resp, "invalid_request", 28030, why);
        return;
    }
    form_param params[OAUTH_MAX_PARAMS];
    char err[200];
    int n = form_parse(req->body ? req->body : "", req->body_len, params, OAUTH_MAX_PARAMS, err,
                       sizeof(err));
    if (n < 0) {
        oauth_error(cfg, req, resp, "invalid_request", 28030, err);
        return;
    }
    size_t np = (size_t)n;
    const char *grant = form_get(params, np, "grant_type");
    const mcx_user *user = NULL;
    mcxd_auth_result r = MCXD_AUTH_INVALID;
    if (!grant) {
        oauth_error(cfg, req, resp, "invalid_request", 28030, "grant_type is missing");
        goto out;
    }
    if (strcmp(grant, "password") == 0) {
        const char *name = form_get(params, np, "username");
        const char *password = form_get(params, np, "password");
        if (!name || !password || !*name) {
            oauth_error(cfg, req, resp, "invalid_request", 28030,
                        "the password grant needs username and password");
            goto out;
        }
        r = mcxd_auth_password(cfg, st, name, password, now, &user);
    } else if (strcmp(grant, "urn:microsoft.rtc:windows") == 0) {
        r = mcxd_auth_basic_check(cfg, st, req, now, &user);
        if (r == MCXD_AUTH_NONE) {
            oauth_error(cfg, req, resp, "invalid_grant", 28031,
                        "Windows authentication (HTTP Basic here) was not presented");
            goto out;
        }
    } else if (strcmp(grant, "urn:microsoft.rtc:anonmeeting") == 0) {
        oauth_error(cfg, req, resp, "invalid_grant", 28033, "no conference matches this request");
        goto out;
    } else {
        oauth_error(cfg, req, resp, "unsupported_grant_type", 28029,
                    "Authentication type not allowed.");
        goto out;
    }
    if (r == MCXD_AUTH_THROTTLED) {
        oauth_error(cfg, req, resp, "invalid_grant", 28032,
                    "too many failed sign-in attempts; try again later");
        mcxd_response_header(resp, "Retry-After", "60");
        goto out;
    }
    if (r != MCXD_AUTH_OK) {
        oauth_error(cfg, req, resp, "invalid_grant", 28031, "wrong user name or password");
        goto out;
    }
    int lifetime = cfg->topo->oauth_lifetime > 0 ? cfg->topo->oauth_lifetime : 28800;
    char *token = token_issue(st, user, now + lifetime, now);
    if (!token) {
        resp->status = 500;
        goto out;
    }
    json_t *obj = json_object();
    json_object_set_new(obj, "access_token", json_string(token));
    json_object_set_new(obj, "expires_in", json_integer(lifetime));
    json_object_set_new(obj, "ms_rtc_identityscope", json_string("local"));
    json_object_set_new(obj, "token_type", json_string("Bearer"));
    OPENSSL_cleanse(token, strlen(token));
    free(token);
    json_answer(resp, 200, obj);
out:
    form_free(params, np);
}
