/*
 * vector_vars.c -- {{variable}} values of conformance vectors, derived from a
 * topology, and template expansion.
 *
 * Owns: the list of topology variables (documented in vectors/README.md),
 * which topology element each one names, the variable table, expansion and
 * the load-time template check, base64 for captures and Basic credentials.
 * Does not own: loading vectors (vector_load.c) nor captures at run time
 * (conformance/conform_run.c sets them through mcx_vector_vars_set).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mcx/vector.h"

#define VARS_NAME_MAX 48

static const char *const vars_known[] = {
    "profile",
    "sip_domain", "sip_domain_other",
    "lyncdiscover", "lyncdiscoverinternal",
    "lyncdiscover_other", "lyncdiscoverinternal_other",
    "ad_pool_internal_web", "ad_pool_external_web",
    "ad_sip_client_internal_fqdn", "ad_sip_client_internal_port",
    "ad_sip_client_external_fqdn", "ad_sip_client_external_port",
    "user", "password", "basic_auth", "basic_auth_wrong",
    "home_pool_internal_web", "home_pool_external_web",
    "home_sip_client_internal_fqdn", "home_sip_client_internal_port",
    "home_sip_client_external_fqdn", "home_sip_client_external_port",
    "home_sip_server_internal_fqdn", "home_sip_server_internal_port",
    "home_sip_server_external_fqdn", "home_sip_server_external_port",
    "mcx_web",
    "user_other_domain", "password_other_domain", "basic_auth_other_domain",
    "mcx_web_other_domain",
    "user_other_pool", "password_other_pool", "basic_auth_other_pool",
    "other_pool_internal_web", "other_pool_external_web", "mcx_web_other_pool",
    "session_short_expiration_interval", "session_expiration_interval",
    "user_online", "password_online", "basic_auth_online", "online_autodiscover_url",
    "user_disabled", "password_disabled", "basic_auth_disabled",
    "user_unknown",
    "reverse_proxy",
    NULL,
};

const char *const *mcx_vector_var_names(void)
{
    return vars_known;
}

int mcx_vector_var_known(const char *name)
{
    for (size_t i = 0; vars_known[i]; i++)
        if (strcmp(vars_known[i], name) == 0)
            return 1;
    return 0;
}

void mcx_vector_vars_init(mcx_vector_vars *v)
{
    memset(v, 0, sizeof *v);
}

void mcx_vector_vars_free(mcx_vector_vars *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free(v->names[i]);
        free(v->values[i]);
    }
    free(v->names);
    free(v->values);
    memset(v, 0, sizeof *v);
}

int mcx_vector_vars_set(mcx_vector_vars *v, const char *name, const char *value)
{
    for (size_t i = 0; i < v->n; i++) {
        if (strcmp(v->names[i], name) == 0) {
            char *copy = strdup(value);
            if (!copy)
                return -1;
            free(v->values[i]);
            v->values[i] = copy;
            return 0;
        }
    }
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 32;
        char **names = realloc(v->names, cap * sizeof *names);
        if (!names)
            return -1;
        v->names = names;
        char **values = realloc(v->values, cap * sizeof *values);
        if (!values)
            return -1;
        v->values = values;
        v->cap = cap;
    }
    v->names[v->n] = strdup(name);
    v->values[v->n] = strdup(value);
    if (!v->names[v->n] || !v->values[v->n]) {
        free(v->names[v->n]);
        free(v->values[v->n]);
        return -1;
    }
    v->n++;
    return 0;
}

const char *mcx_vector_vars_get(const mcx_vector_vars *v, const char *name)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->names[i], name) == 0)
            return v->values[i];
    return NULL;
}

int mcx_vector_vars_copy(mcx_vector_vars *dst, const mcx_vector_vars *src)
{
    for (size_t i = 0; i < src->n; i++)
        if (mcx_vector_vars_set(dst, src->names[i], src->values[i]) != 0)
            return -1;
    return 0;
}

char *mcx_vector_base64(const unsigned char *data, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((len + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned b0 = data[i];
        unsigned b1 = i + 1 < len ? data[i + 1] : 0;
        unsigned b2 = i + 2 < len ? data[i + 2] : 0;
        out[o++] = alphabet[b0 >> 2];
        out[o++] = alphabet[((b0 & 3) << 4) | (b1 >> 4)];
        out[o++] = i + 1 < len ? alphabet[((b1 & 15) << 2) | (b2 >> 6)] : '=';
        out[o++] = i + 2 < len ? alphabet[b2 & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

/* ---- values from a topology ---- */

static const char *vars_domain_of(const char *sip_uri)
{
    const char *at = strchr(sip_uri, '@');
    return at ? at + 1 : "";
}

static const mcx_pool *vars_pool(const mcx_topology *t, const char *id)
{
    for (size_t i = 0; i < t->npools; i++)
        if (t->pools[i].id && strcasecmp(t->pools[i].id, id) == 0)
            return &t->pools[i];
    return NULL;
}

static const mcx_pool *vars_ad_pool(const mcx_topology *t)
{
    for (size_t i = 0; i < t->npools; i++)
        if (t->pools[i].is_director)
            return &t->pools[i];
    return t->npools ? &t->pools[0] : NULL;
}

static int vars_setf(mcx_vector_vars *v, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int vars_setf(mcx_vector_vars *v, const char *name, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        return -1;
    return mcx_vector_vars_set(v, name, buf);
}

static int vars_set_basic(mcx_vector_vars *v, const char *name, const char *user,
                          const char *password)
{
    char buf[600];
    int n = snprintf(buf, sizeof buf, "%s:%s", user, password ? password : "");
    if (n < 0 || (size_t)n >= sizeof buf)
        return -1;
    char *b64 = mcx_vector_base64((const unsigned char *)buf, (size_t)n);
    if (!b64)
        return -1;
    int rc = mcx_vector_vars_set(v, name, b64);
    free(b64);
    return rc;
}

/* Sets NAME, password_SUFFIX and basic_auth_SUFFIX for a user. */
static int vars_set_user(mcx_vector_vars *v, const char *suffix, const mcx_user *u)
{
    char name[VARS_NAME_MAX];
    int rc = 0;
    snprintf(name, sizeof name, "user%s", suffix);
    rc |= mcx_vector_vars_set(v, name, u->sip_uri);
    snprintf(name, sizeof name, "password%s", suffix);
    rc |= mcx_vector_vars_set(v, name, u->password ? u->password : "");
    snprintf(name, sizeof name, "basic_auth%s", suffix);
    rc |= vars_set_basic(v, name, u->sip_uri, u->password);
    return rc;
}

static int vars_set_endpoint(mcx_vector_vars *v, const char *prefix, const char *what,
                             const mcx_endpoint *e)
{
    if (!e->fqdn)
        return 0;
    char name[VARS_NAME_MAX];
    int rc = 0;
    snprintf(name, sizeof name, "%s_%s_fqdn", prefix, what);
    rc |= mcx_vector_vars_set(v, name, e->fqdn);
    snprintf(name, sizeof name, "%s_%s_port", prefix, what);
    rc |= vars_setf(v, name, "%d", e->port);
    return rc;
}

/* The FQDN of a pool's Mcx URLs: external web unless ExposedWebUrl=Internal. */
static const char *vars_mcx_web(const mcx_topology *t, const mcx_pool *p)
{
    return t->exposed_web_url == MCX_EXPOSED_INTERNAL ? p->internal_web_fqdn
                                                      : p->external_web_fqdn;
}

static int vars_is_pool_user(const mcx_topology *t, const mcx_user *u)
{
    return u->enabled && u->sip_uri && u->home_pool && vars_pool(t, u->home_pool) != NULL;
}

int mcx_vector_vars_from_topology(mcx_vector_vars *v, const mcx_topology *t)
{
    int rc = 0;
    rc |= mcx_vector_vars_set(v, "profile", t->profile == MCX_PROFILE_2013 ? "2013" : "2010cu4");
    if (t->nsip_domains < 1)
        return rc ? -1 : 0;
    const char *domain = t->sip_domains[0];
    rc |= mcx_vector_vars_set(v, "sip_domain", domain);
    rc |= vars_setf(v, "lyncdiscover", "lyncdiscover.%s", domain);
    rc |= vars_setf(v, "lyncdiscoverinternal", "lyncdiscoverinternal.%s", domain);
    rc |= vars_setf(v, "user_unknown", "nobody.unknown@%s", domain);
    if (t->nsip_domains > 1) {
        rc |= mcx_vector_vars_set(v, "sip_domain_other", t->sip_domains[1]);
        rc |= vars_setf(v, "lyncdiscover_other", "lyncdiscover.%s", t->sip_domains[1]);
        rc |= vars_setf(v, "lyncdiscoverinternal_other", "lyncdiscoverinternal.%s",
                        t->sip_domains[1]);
    }
    if (t->reverse_proxy_fqdn)
        rc |= mcx_vector_vars_set(v, "reverse_proxy", t->reverse_proxy_fqdn);
    rc |= vars_setf(v, "session_short_expiration_interval", "%d",
                    t->session_short_expiration_interval);
    rc |= vars_setf(v, "session_expiration_interval", "%d", t->session_expiration_interval);

    const mcx_pool *ad = vars_ad_pool(t);
    if (ad) {
        rc |= mcx_vector_vars_set(v, "ad_pool_internal_web", ad->internal_web_fqdn);
        rc |= mcx_vector_vars_set(v, "ad_pool_external_web", ad->external_web_fqdn);
        rc |= vars_set_endpoint(v, "ad", "sip_client_internal", &ad->sip_client_internal);
        rc |= vars_set_endpoint(v, "ad", "sip_client_external", &ad->sip_client_external);
    }

    /* The main user: first enabled user of the first SIP domain homed on a pool. */
    const mcx_user *user = NULL;
    for (size_t i = 0; i < t->nusers && !user; i++)
        if (vars_is_pool_user(t, &t->users[i]) &&
            strcasecmp(vars_domain_of(t->users[i].sip_uri), domain) == 0)
            user = &t->users[i];
    const mcx_pool *home = user ? vars_pool(t, user->home_pool) : NULL;
    if (user && home) {
        rc |= vars_set_user(v, "", user);
        char *wrong = NULL;
        if (asprintf(&wrong, "wrong-%s", user->password ? user->password : "") < 0)
            return -1;
        rc |= vars_set_basic(v, "basic_auth_wrong", user->sip_uri, wrong);
        free(wrong);
        rc |= mcx_vector_vars_set(v, "home_pool_internal_web", home->internal_web_fqdn);
        rc |= mcx_vector_vars_set(v, "home_pool_external_web", home->external_web_fqdn);
        rc |= vars_set_endpoint(v, "home", "sip_client_internal", &home->sip_client_internal);
        rc |= vars_set_endpoint(v, "home", "sip_client_external", &home->sip_client_external);
        rc |= vars_set_endpoint(v, "home", "sip_server_internal", &home->sip_server_internal);
        rc |= vars_set_endpoint(v, "home", "sip_server_external", &home->sip_server_external);
        rc |= mcx_vector_vars_set(v, "mcx_web", vars_mcx_web(t, home));
    }

    for (size_t i = 0; i < t->nusers; i++) {
        const mcx_user *u = &t->users[i];
        if (u == user || !u->sip_uri)
            continue;
        if (!mcx_vector_vars_get(v, "user_other_domain") && vars_is_pool_user(t, u) &&
            strcasecmp(vars_domain_of(u->sip_uri), domain) != 0) {
            rc |= vars_set_user(v, "_other_domain", u);
            rc |= mcx_vector_vars_set(v, "mcx_web_other_domain",
                                      vars_mcx_web(t, vars_pool(t, u->home_pool)));
        }
        if (!mcx_vector_vars_get(v, "user_other_pool") && home && vars_is_pool_user(t, u) &&
            strcasecmp(u->home_pool, home->id) != 0) {
            const mcx_pool *other = vars_pool(t, u->home_pool);
            rc |= vars_set_user(v, "_other_pool", u);
            rc |= mcx_vector_vars_set(v, "other_pool_internal_web", other->internal_web_fqdn);
            rc |= mcx_vector_vars_set(v, "other_pool_external_web", other->external_web_fqdn);
            rc |= mcx_vector_vars_set(v, "mcx_web_other_pool", vars_mcx_web(t, other));
        }
        if (!mcx_vector_vars_get(v, "user_online") && u->enabled && u->home_pool &&
            strcasecmp(u->home_pool, "online") == 0 && t->online_autodiscover_url) {
            rc |= vars_set_user(v, "_online", u);
            rc |= mcx_vector_vars_set(v, "online_autodiscover_url", t->online_autodiscover_url);
        }
        if (!mcx_vector_vars_get(v, "user_disabled") && !u->enabled)
            rc |= vars_set_user(v, "_disabled", u);
    }
    return rc ? -1 : 0;
}

/* ---- templates ---- */

/* Parse "{{name}}" at s (which points at "{{"). Copies the name; returns the
 * length consumed or -1 on a syntax error. */
static int vars_parse_ref(const char *s, char *name, size_t name_len)
{
    const char *p = s + 2;
    size_t n = 0;
    while (p[n] && (islower((unsigned char)p[n]) || isdigit((unsigned char)p[n]) || p[n] == '_'))
        n++;
    if (n == 0 || n >= name_len || p[n] != '}' || p[n + 1] != '}' ||
        !islower((unsigned char)p[0]))
        return -1;
    memcpy(name, p, n);
    name[n] = '\0';
    return (int)(n + 4);
}

char *mcx_vector_expand(const char *tmpl, const mcx_vector_vars *v, char *missing,
                        size_t missing_len)
{
    size_t cap = strlen(tmpl) + 64, len = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    if (missing_len)
        missing[0] = '\0';
    for (const char *s = tmpl; *s;) {
        const char *piece = s;
        size_t piece_len = 1;
        char name[VARS_NAME_MAX];
        if (s[0] == '{' && s[1] == '{') {
            int used = vars_parse_ref(s, name, sizeof name);
            if (used < 0) {
                if (missing_len)
                    snprintf(missing, missing_len, "malformed {{variable}} at offset %zu",
                             (size_t)(s - tmpl));
                free(out);
                return NULL;
            }
            piece = mcx_vector_vars_get(v, name);
            if (!piece) {
                if (missing_len)
                    snprintf(missing, missing_len, "%s", name);
                free(out);
                return NULL;
            }
            piece_len = strlen(piece);
            s += used;
        } else {
            s++;
        }
        if (len + piece_len + 1 > cap) {
            cap = (len + piece_len + 1) * 2;
            char *grown = realloc(out, cap);
            if (!grown) {
                free(out);
                return NULL;
            }
            out = grown;
        }
        memcpy(out + len, piece, piece_len);
        len += piece_len;
    }
    out[len] = '\0';
    return out;
}

int mcx_vector_template_check(const char *tmpl, const char *const *defined, size_t ndefined,
                              char *bad, size_t bad_len)
{
    for (const char *s = tmpl; *s; s++) {
        if (s[0] != '{' || s[1] != '{')
            continue;
        char name[VARS_NAME_MAX];
        int used = vars_parse_ref(s, name, sizeof name);
        if (used < 0) {
            snprintf(bad, bad_len, "malformed {{variable}} at offset %zu", (size_t)(s - tmpl));
            return -2;
        }
        int ok = mcx_vector_var_known(name);
        for (size_t i = 0; i < ndefined && !ok; i++)
            ok = strcmp(defined[i], name) == 0;
        if (!ok) {
            snprintf(bad, bad_len, "%s", name);
            return -1;
        }
        s += used - 1;
    }
    return 0;
}
