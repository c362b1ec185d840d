/*
 * auth.h -- authentication of the Autodiscover User resource in mcxd:
 * the Lync 2010 web ticket (Web Ticket Service, WS-Trust Issue, signed
 * assertion, X-MS-WebTicket), Lync 2013 OAuth (MsRtcOAuth challenge,
 * /WebTicket/oauthtoken password grant, cwt= Bearer tokens) and HTTP Basic.
 *
 * Owns: credential checks, token issue/verify/expiry, per-user throttling
 * of wrong passwords, the Web Ticket Service and OAuth token endpoints.
 * Does not own: the Autodiscover documents (autodiscover_resources.c).
 */
#ifndef MCXD_AUTH_H
#define MCXD_AUTH_H

#include <stdint.h>
#include "mcxd_http.h"

/* Allocate auth state. `seed`/`has_seed`: deterministic token generation
 * (--seed); otherwise OpenSSL's RNG. The signing key is derived from the seed
 * in deterministic mode, else generated at start. */
mcxd_state *mcxd_state_new(uint64_t seed, int has_seed);
void mcxd_state_free(mcxd_state *st);

typedef enum {
    MCXD_AUTH_NONE = 0,  /* no credentials presented */
    MCXD_AUTH_OK,
    MCXD_AUTH_INVALID,   /* bad/expired token or wrong password */
    MCXD_AUTH_THROTTLED  /* too many wrong passwords for this user */
} mcxd_auth_result;

/* Check the credentials of a request to User (oauth = 0) or the OAuth user
 * resource (oauth = 1). On OK, *user is the authenticated user. */
mcxd_auth_result mcxd_auth_check(const mcxd_config *cfg, mcxd_state *st,
                                 const mcxd_request *req, int oauth, time_t now,
                                 const mcx_user **user);

/* Add the challenge headers for a 401 on User (web ticket URL, Basic when
 * enabled) or on the OAuth resource (MsRtcOAuth href, Bearer). `base` is
 * "https://<host>" of the listener that received the request. */
void mcxd_auth_challenge(const mcxd_config *cfg, const mcxd_request *req, int oauth,
                         const char *base, mcxd_response *resp);

/* 1 if `path` (lower-cased, no query) belongs to the auth endpoints:
 * /webticket/webticketservice.svc[/mex|/auth|...], /webticket/oauthtoken. */
int mcxd_auth_owns_path(const char *path);
/* Serve a request to one of those endpoints. */
void mcxd_auth_handle(const mcxd_config *cfg, mcxd_state *st, const mcxd_request *req,
                      time_t now, const char *base, mcxd_response *resp);

/* ---- Internal: refimpl/auth_*.c, test_auth.c and fuzz_auth_soap.c only -- */

#include <openssl/sha.h>

#define MCXD_AUTH_KEY_LEN 32            /* HMAC-SHA256 signing key */
#define MCXD_AUTH_THROTTLE_FAILURES 5   /* wrong passwords ... */
#define MCXD_AUTH_THROTTLE_WINDOW 60    /* ... within this many seconds ... */
#define MCXD_AUTH_THROTTLE_LOCK 60      /* ... lock the user this long */
#define MCXD_AUTH_MAX_THROTTLED 4096    /* users tracked at once */
#define MCXD_AUTH_MAX_TOKENS 4096       /* live OAuth tokens kept */
#define MCXD_AUTH_TOKEN_BYTES 32        /* random bytes in a cwt= token */

typedef struct mcxd_auth_throttle_entry {
    char *user;          /* lower-cased sip URI, no "sip:" */
    time_t fails[MCXD_AUTH_THROTTLE_FAILURES]; /* ring of failure times */
    unsigned nfails;     /* failures recorded since the last reset */
    time_t locked_until; /* 0 = not locked */
    time_t last_seen;
} mcxd_auth_throttle_entry;

typedef struct mcxd_auth_token {
    char *token;   /* the full "cwt=..." string; NULL: free slot */
    char *user;    /* sip URI as in the topology */
    time_t expires;
    uint64_t key;  /* keyed hash of the token (the index's key) */
} mcxd_auth_token;

struct mcxd_state {
    int deterministic;
    unsigned char drbg_key[SHA256_DIGEST_LENGTH]; /* deterministic mode */
    uint64_t drbg_counter;
    unsigned char sign_key[MCXD_AUTH_KEY_LEN];
    mcxd_auth_throttle_entry *throttle;
    size_t nthrottle;
    mcxd_auth_token *tokens;        /* ring of MCXD_AUTH_MAX_TOKENS, issue order */
    size_t ntokens, token_next;     /* live tokens; the slot the next one takes */
    uint32_t *token_index;          /* 2 x MAX slots: ring slot + 1, 0 = empty */
    struct mcxd_mobility *mobility; /* sessions of the Mobility Service */
    time_t clock_offset;            /* seconds added by POST /_mcxd/clock */
};

/* auth_state.c: `len` bytes from the seeded stream or RAND_bytes; 0 on success. */
int mcxd_auth_random(mcxd_state *st, unsigned char *out, size_t len);
/* HMAC-SHA256 with the signing key; out must hold 32 bytes. 0 on success. */
int mcxd_auth_sign(const mcxd_state *st, const void *data, size_t len,
                   unsigned char out[SHA256_DIGEST_LENGTH]);
/* Base64 (standard alphabet, padded, no newlines); malloc'd, NULL on failure. */
char *mcxd_auth_base64(const unsigned char *data, size_t len);
/* Decode standard base64 (whitespace tolerated); malloc'd (+NUL), NULL if bad. */
unsigned char *mcxd_auth_unbase64(const char *text, size_t text_len, size_t *out_len);
/* Constant-time comparison of two NUL-terminated secrets (hashes both first). */
int mcxd_auth_secret_equal(const char *a, const char *b);
/* Check a user name and password against the topology, counting failures.
 * Accepts "alice@contoso.test" or "sip:alice@contoso.test". */
mcxd_auth_result mcxd_auth_password(const mcxd_config *cfg, mcxd_state *st,
                                    const char *username, const char *password,
                                    time_t now, const mcx_user **user);
/* The SIP domain named by the request's Host (lyncdiscover.<d>, <x>.<d>), else
 * the topology's first SIP domain. Never NULL. */
const char *mcxd_auth_realm(const mcxd_config *cfg, const mcxd_request *req);

/* auth_throttle.c */
int mcxd_auth_throttle_locked(mcxd_state *st, const char *user, time_t now);
void mcxd_auth_throttle_failure(mcxd_state *st, const char *user, time_t now);
void mcxd_auth_throttle_success(mcxd_state *st, const char *user);
void mcxd_auth_throttle_free(mcxd_state *st);

/* auth_basic.c: parse "Authorization: Basic ..." (NONE when absent). */
mcxd_auth_result mcxd_auth_basic_check(const mcxd_config *cfg, mcxd_state *st,
                                       const mcxd_request *req, time_t now,
                                       const mcx_user **user);
/* Add `WWW-Authenticate: Basic realm="<sip domain>"`. */
void mcxd_auth_basic_challenge(const mcxd_config *cfg, const mcxd_request *req,
                               mcxd_response *resp);

/* auth_webticket.c */
/* Verify an X-MS-WebTicket header value ("opaque=<base64 assertion>"). */
mcxd_auth_result mcxd_auth_webticket_verify(const mcxd_config *cfg, const mcxd_state *st,
                                            const mcxd_request *req, const char *value,
                                            time_t now, const mcx_user **user);
void mcxd_auth_webticket_handle(const mcxd_config *cfg, mcxd_state *st,
                                const mcxd_request *req, const char *path, time_t now,
                                const char *base, mcxd_response *resp);

/* auth_oauth.c */
mcxd_auth_result mcxd_auth_oauth_verify(const mcxd_config *cfg, mcxd_state *st,
                                        const char *authorization, time_t now,
                                        const mcx_user **user);
void mcxd_auth_oauth_challenge(const char *base, mcxd_response *resp);
void mcxd_auth_oauth_handle(const mcxd_config *cfg, mcxd_state *st, const mcxd_request *req,
                            time_t now, mcxd_response *resp);
void mcxd_auth_tokens_free(mcxd_state *st);

#endif
