/*
 * auth_basic.c -- HTTP Basic authentication (RFC 7617) in mcxd.
 *
 * Owns: parsing `Authorization: Basic <base64(user:password)>` and the
 * `WWW-Authenticate: Basic realm="<sip domain>"` challenge. Used on the
 * Autodiscover User resource when the topology enables Basic, and on the
 * Web Ticket Service, where Basic stands in for Windows (NTLM/Negotiate)
 * authentication. Does not own: the password check or throttling
 * (auth_state.c, auth_throttle.c), or deciding when Basic is allowed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "auth.h"

#define BASIC_MAX_CREDENTIALS 1024 /* base64 characters accepted */

mcxd_auth_result mcxd_auth_basic_check(const mcxd_config *cfg, mcxd_state *st,
                                       const mcxd_request *req, time_t now,
                                       const mcx_user **user)
{
    *user = NULL;
    const char *authz = mcxd_request_header(req, "Authorization");
    if (!authz || strncasecmp(authz, "Basic", 5) != 0 || (authz[5] != ' ' && authz[5] != '\t'))
        return MCXD_AUTH_NONE;
    const char *b64 = authz + 5;
    while (*b64 == ' ' || *b64 == '\t')
        b64++;
    size_t len = strlen(b64);
    while (len > 0 && (b64[len - 1] == ' ' || b64[len - 1] == '\t'))
        len--;
    if (len == 0 || len > BASIC_MAX_CREDENTIALS)
        return MCXD_AUTH_INVALID;
    size_t plain_len = 0;
    unsigned char *plain = mcxd_auth_unbase64(b64, len, &plain_len);
    if (!plain)
        return MCXD_AUTH_INVALID;
    mcxd_auth_result r = MCXD_AUTH_INVALID;
    /* A user-id cannot contain ':' (RFC 7617), but clients send sip URIs:
     * a leading "sip:" belongs to the user name, not the separator. */
    size_t skip = plain_len > 4 && strncasecmp((const char *)plain, "sip:", 4) == 0 ? 4 : 0;
    char *colon = memchr(plain + skip, ':', plain_len - skip);
    /* a NUL inside the credentials would truncate the name or password */
    if (colon && memchr(plain, '\0', plain_len) == NULL) {
        *colon = '\0';
        r = mcxd_auth_password(cfg, st, (const char *)plain, colon + 1, now, user);
    }
    OPENSSL_cleanse(plain, plain_len);
    free(plain);
    return r;
}

void mcxd_auth_basic_challenge(const mcxd_config *cfg, const mcxd_request *req,
                               mcxd_response *resp)
{
    char value[320];
    snprintf(value, sizeof(value), "Basic realm=\"%s\"", mcxd_auth_realm(cfg, req));
    mcxd_response_header(resp, "WWW-Authenticate", value);
}
