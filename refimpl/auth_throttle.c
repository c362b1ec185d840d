/*
 * auth_throttle.c -- per-user wrong-password throttling in mcxd.
 *
 * Owns: the rule "5 wrong passwords for one user within 60 s lock that user
 * for 60 s" (MCXD_AUTH_THROTTLE_*), applied to every password check (Basic,
 * WS-Security UsernameToken, OAuth password grant). While locked, every
 * attempt -- right or wrong -- is THROTTLED and not counted; after the lock
 * the count starts again from zero. A correct password resets the count.
 * Time is the caller's `now` only, so the behaviour is deterministic.
 * Does not own: the password comparison (auth_state.c) or what the client is
 * told (the Basic, web ticket and OAuth modules).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"

static int same_user(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

static mcxd_auth_throttle_entry *find_entry(mcxd_state *st, const char *user)
{
    for (size_t i = 0; i < st->nthrottle; i++)
        if (same_user(st->throttle[i].user, user))
            return &st->throttle[i];
    return NULL;
}

static void drop_entry(mcxd_state *st, size_t i)
{
    free(st->throttle[i].user);
    st->throttle[i] = st->throttle[st->nthrottle - 1];
    st->nthrottle--;
}

/* Entries that are neither locked nor hold a recent failure are forgotten,
 * keeping the table small; when it is still full the oldest goes. */
static void prune(mcxd_state *st, time_t now)
{
    for (size_t i = 0; i < st->nthrottle;) {
        mcxd_auth_throttle_entry *e = &st->throttle[i];
        if (now >= e->locked_until && now - e->last_seen >= MCXD_AUTH_THROTTLE_WINDOW)
            drop_entry(st, i);
        else
            i++;
    }
    if (st->nthrottle >= MCXD_AUTH_MAX_THROTTLED) {
        size_t oldest = 0;
        for (size_t i = 1; i < st->nthrottle; i++)
            if (st->throttle[i].last_seen < st->throttle[oldest].last_seen)
                oldest = i;
        drop_entry(st, oldest);
    }
}

int mcxd_auth_throttle_locked(mcxd_state *st, const char *user, time_t now)
{
    mcxd_auth_throttle_entry *e = find_entry(st, user);
    if (!e || e->locked_until == 0)
        return 0;
    if (now < e->locked_until)
        return 1;
    /* lock over: start counting afresh */
    e->locked_until = 0;
    e->nfails = 0;
    return 0;
}

void mcxd_auth_throttle_failure(mcxd_state *st, const char *user, time_t now)
{
    mcxd_auth_throttle_entry *e = find_entry(st, user);
    if (!e) {
        prune(st, now);
        mcxd_auth_throttle_entry *grown =
            realloc(st->throttle, (st->nthrottle + 1) * sizeof(*st->throttle));
        if (!grown)
            return;
        st->throttle = grown;
        e = &st->throttle[st->nthrottle];
        memset(e, 0, sizeof(*e));
        e->user = strdup(user);
        if (!e->user)
            return;
        st->nthrottle++;
    }
    e->last_seen = now;
    e->fails[e->nfails % MCXD_AUTH_THROTTLE_FAILURES] = now;
    e->nfails++;
    if (e->nfails < MCXD_AUTH_THROTTLE_FAILURES)
        return;
    /* The ring holds the last five failures; the slot about to be overwritten
     * next is the oldest of them. */
    time_t oldest = e->fails[e->nfails % MCXD_AUTH_THROTTLE_FAILURES];
    if (now - oldest < MCXD_AUTH_THROTTLE_WINDOW) {
        e->locked_until = now + MCXD_AUTH_THROTTLE_LOCK;
        e->nfails = 0;
    }
}

void mcxd_auth_throttle_success(mcxd_state *st, const char *user)
{
    mcxd_auth_throttle_entry *e = find_entry(st, user);
    if (e)
        e->nfails = 0;
}

void mcxd_auth_throttle_free(mcxd_state *st)
{
    for (size_t i = 0; i < st->nthrottle; i++)
        free(st->throttle[i].user);
    free(st->throttle);
    st->throttle = NULL;
    st->nthrottle = 0;
}
