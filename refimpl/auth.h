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

#endif
