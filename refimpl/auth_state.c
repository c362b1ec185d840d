/*
 * auth_state.c -- the auth state of mcxd and the entry points of auth.h.
 *
 * Owns: mcxd_state (signing key, seeded random stream, token store and
 * throttle table), random bytes, HMAC signing, base64 helpers, the password
 * check shared by Basic, the WS-Security UsernameToken and the OAuth password
 * grant, and the routing of mcxd_auth_check/challenge/handle to the Basic,
 * web ticket and OAuth modules. Does not own: any wire format (auth_basic.c,
 * auth_webticket.c, auth_oauth.c) or the throttling rule (auth_throttle.c).
 *
 * Randomness. With --seed, every random byte comes from a counter-mode
 * HMAC-SHA256 stream: block i = HMAC(K, "mcxd-drbg" || i as 8 bytes
 * big-endian), K = SHA-256("mcxd-seed" || seed as 8 bytes big-endian). The
 * signing key is HMAC(K, "mcxd-signing-key"), so one seed gives byte-identical
 * tokens and tickets. Without --seed: RAND_bytes for both.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "auth.h"
#include "mobility/mobility.h"

static void put_be64(unsigned char out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

static int hmac_sha256(const unsigned char *key, size_t key_len, const void *data,
                       size_t len, unsigned char out[SHA256_DIGEST_LENGTH])
{
    unsigned int out_len = 0;
    if (!HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &out_len))
        return -1;
    return out_len == SHA256_DIGEST_LENGTH ? 0 : -1;
}

mcxd_state *mcxd_state_new(uint64_t seed, int has_seed)
{
    mcxd_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->deterministic = has_seed ? 1 : 0;
    if (has_seed) {
        unsigned char material[9 + 8];
        static const char label[] = "mcxd-seed";
        memcpy(material, label, 9);
        put_be64(material + 9, seed);
        if (!EVP_Digest(material, sizeof(material), st->drbg_key, NULL, EVP_sha256(), NULL))
            goto fail;
        static const char key_label[] = "mcxd-signing-key";
        if (hmac_sha256(st->drbg_key, sizeof(st->drbg_key), key_label, strlen(key_label),
                        st->sign_key) != 0)
            goto fail;
    } else if (RAND_bytes(st->sign_key, sizeof(st->sign_key)) != 1) {
        goto fail;
    }
    st->mobility = mcxd_mobility_new();
    if (!st->mobility)
        goto fail;
    return st;
fail:
    OPENSSL_cleanse(st, sizeof(*st));
    free(st);
    return NULL;
}

void mcxd_state_free(mcxd_state *st)
{
    if (!st)
        return;
    mcxd_auth_throttle_free(st);
    mcxd_auth_tokens_free(st);
    mcxd_mobility_free(st->mobility);
    OPENSSL_cleanse(st, sizeof(*st));
    free(st);
}

int mcxd_auth_random(mcxd_state *st, unsigned char *out, size_t len)
{
    if (!st->deterministic)
        return RAND_bytes(out, (int)len) == 1 ? 0 : -1;
    while (len > 0) {
        unsigned char block_in[9 + 8], block[SHA256_DIGEST_LENGTH];
        memcpy(block_in, "mcxd-drbg", 9);
        put_be64(block_in + 9, st->drbg_counter++);
        if (hmac_sha256(st->drbg_key, sizeof(st->drbg_key), block_in, sizeof(block_in),
                        block) != 0)
            return -1;
        size_t n = len < sizeof(block) ? len : sizeof(block);
        memcpy(out, block, n);
        out += n;
        len -= n;
    }
    return 0;
}

int mcxd_auth_sign(const mcxd_state *st, const void *data, size_t len,
                   unsigned char out[SHA256_DIGEST_LENGTH])
{
    return hmac_sha256(st->sign_key, sizeof(st->sign_key), data, len, out);
}

char *mcxd_auth_base64(const unsigned char *data, size_t len)
{
    if (len > (size_t)1 << 28)
        return NULL;
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (!out)
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

unsigned char *mcxd_auth_unbase64(const char *text, size_t text_len, size_t *out_len)
{
    if (text_len > (size_t)1 << 24)
        return NULL;
    /* Strip whitespace, then decode in one block; EVP_DecodeBlock counts the
     * padding as output bytes, so subtract it. */
    char *clean = malloc(text_len + 1);
    if (!clean)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < text_len; i++) {
        char c = text[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/' || c == '=';
        if (!ok) {
            free(clean);
            return NULL;
        }
        clean[n++] = c;
    }
    clean[n] = '\0';
    if (n == 0 || n % 4 != 0) {
        free(clean);
        return NULL;
    }
    size_t pad = 0;
    if (clean[n - 1] == '=')
        pad++;
    if (clean[n - 2] == '=')
        pad++;
    /* '=' only as trailing padding */
    for (size_t i = 0; i < n - pad; i++) {
        if (clean[i] == '=') {
            free(clean);
            return NULL;
        }
    }
    unsigned char *out = malloc(n / 4 * 3 + 1);
    if (!out) {
        free(clean);
        return NULL;
    }
    int got = EVP_DecodeBlock(out, (const unsigned char *)clean, (int)n);
    free(clean);
    if (got < 0 || (size_t)got < pad) {
        free(out);
        return NULL;
    }
    *out_len = (size_t)got - pad;
    out[*out_len] = '\0';
    return out;
}

int mcxd_auth_secret_equal(const char *a, const char *b)
{
    unsigned char da[SHA256_DIGEST_LENGTH], db[SHA256_DIGEST_LENGTH];
    if (!a || !b)
        return 0;
    if (!EVP_Digest(a, strlen(a), da, NULL, EVP_sha256(), NULL) ||
        !EVP_Digest(b, strlen(b), db, NULL, EVP_sha256(), NULL))
        return 0;
    return CRYPTO_memcmp(da, db, sizeof(da)) == 0;
}

mcxd_auth_result mcxd_auth_password(const mcxd_config *cfg, mcxd_state *st,
                                    const char *username, const char *password,
                                    time_t now, const mcx_user **user)
{
    *user = NULL;
    if (!username || !password || !*username)
        return MCXD_AUTH_INVALID;
    if (strncasecmp(username, "sip:", 4) == 0)
        username += 4;
    const mcx_user *u = mcx_topology_find_user(cfg->topo, username);
    /* Throttle only names that exist, so the table stays bounded by the
     * topology; unknown names are plain failures. */
    if (u && mcxd_auth_throttle_locked(st, u->sip_uri, now))
        return MCXD_AUTH_THROTTLED;
    /* Compare even for unknown users so timing does not reveal them. */
    int ok = mcxd_auth_secret_equal(u && u->password ? u->password : "\x01unknown", password);
    if (!u || !ok) {
        if (u)
            mcxd_auth_throttle_failure(st, u->sip_uri, now);
        return MCXD_AUTH_INVALID;
    }
    mcxd_auth_throttle_success(st, u->sip_uri);
    *user = u;
    return MCXD_AUTH_OK;
}

const char *mcxd_auth_realm(const mcxd_config *cfg, const mcxd_request *req)
{
    const mcx_topology *t = cfg->topo;
    if (!t || t->nsip_domains == 0)
        return "mcxd";
    if (req && req->host) {
        size_t hl = strcspn(req->host, ":");
        for (size_t i = 0; i < t->nsip_domains; i++) {
            const char *d = t->sip_domains[i];
            size_t dl = strlen(d);
            if (hl >= dl && strncasecmp(req->host + hl - dl, d, dl) == 0 &&
                (hl == dl || req->host[hl - dl - 1] == '.'))
                return d;
        }
    }
    return t->sip_domains[0];
}

/* ---- entry points (auth.h) ------------------------------------------- */

mcxd_auth_result mcxd_auth_check(const mcxd_config *cfg, mcxd_state *st,
                                 const mcxd_request *req, int oauth, time_t now,
                                 const mcx_user **user)
{
    *user = NULL;
    if (!cfg || !cfg->topo || !st || !req)
        return MCXD_AUTH_NONE;
    if (oauth) {
        const char *authz = mcxd_request_header(req, "Authorization");
        if (!authz || strncasecmp(authz, "Bearer", 6) != 0)
            return MCXD_AUTH_NONE;
        return mcxd_auth_oauth_verify(cfg, st, authz, now, user);
    }
    const char *ticket = mcxd_request_header(req, "X-MS-WebTicket");
    if (ticket)
        return mcxd_auth_webticket_verify(cfg, st, req, ticket, now, user);
    if (cfg->topo->basic_auth_enabled)
        return mcxd_auth_basic_check(cfg, st, req, now, user);
    return MCXD_AUTH_NONE;
}

void mcxd_auth_challenge(const mcxd_config *cfg, const mcxd_request *req, int oauth,
                         const char *base, mcxd_response *resp)
{
    if (oauth) {
        mcxd_auth_oauth_challenge(base, resp);
        return;
    }
    if (!(cfg->breaks & MCXD_BREAK_NO_401_TICKET_URL)) {
        char url[1024];
        snprintf(url, sizeof(url), "%s/WebTicket/WebTicketService.svc", base);
        mcxd_response_header(resp, "X-MS-WebTicketURL", url);
    }
    if (cfg->topo && cfg->topo->basic_auth_enabled)
        mcxd_auth_basic_challenge(cfg, req, resp);
}

static const char svc_path[] = "/webticket/webticketservice.svc";
static const char oauth_path[] = "/webticket/oauthtoken";

int mcxd_auth_owns_path(const char *path)
{
    if (!path)
        return 0;
    size_t sl = strlen(svc_path);
    if (strncasecmp(path, svc_path, sl) == 0 && (path[sl] == '\0' || path[sl] == '/'))
        return 1;
    return strcasecmp(path, oauth_path) == 0;
}

void mcxd_auth_handle(const mcxd_config *cfg, mcxd_state *st, const mcxd_request *req,
                      time_t now, const char *base, mcxd_response *resp)
{
    /* Same normalisation as the dispatcher: absolute-form targets lose
     * scheme://authority, the query goes, one trailing '/' is ignored. */
    char path[512];
    const char *uri = req->uri ? req->uri : "";
    if (strncasecmp(uri, "http://", 7) == 0 || strncasecmp(uri, "https://", 8) == 0) {
        uri = strstr(uri, "://") + 3;
        uri += strcspn(uri, "/?#");
    }
    size_t n = strcspn(uri, "?#");
    if (n >= sizeof(path)) {
        resp->status = 414;
        return;
    }
    memcpy(path, uri, n);
    path[n] = '\0';
    if (n > 1 && path[n - 1] == '/')
        path[n - 1] = '\0';
    if (strcasecmp(path, oauth_path) == 0)
        mcxd_auth_oauth_handle(cfg, st, req, now, resp);
    else if (mcxd_auth_owns_path(path))
        mcxd_auth_webticket_handle(cfg, st, req, path, now, base, resp);
    else
        resp->status = 404;
}
