/*
 * mobility_store.c -- the one owner of the Mobility Service's session state:
 * the application table (open addressing by id), the presence records of
 * users, conversations and invitations, ids from the seeded stream,
 * lifetimes and expiry, the drain that completes parked P-GETs, counters.
 *
 * Does not own: what a resource answers (mobility_applications.c, _me.c,
 * _people.c, _communication.c), event batches (mobility_events.c), routing
 * (mobility_dispatch.c), transports (server_listen.c).
 *
 * Lifetimes (seed: Capacity Planning for Mobility; protocol.md section 5):
 * an always-connected application lives sessionShortExpirationInterval
 * seconds after its last request, a background-enabled one
 * sessionExpirationInterval; a parked P-GET keeps it alive. `next_due` is a
 * lower bound of every deadline, so a full scan runs only when something
 * may be due.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "auth.h"
#include "mobility.h"

mcxd_mobility *mob_of(mcxd_state *st)
{
    return st ? st->mobility : NULL;
}

mcxd_mobility *mcxd_mobility_new(void)
{
    mcxd_mobility *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->apps_cap = 64;
    m->apps = calloc(m->apps_cap, sizeof(*m->apps));
    m->users_cap = 64;
    m->users = calloc(m->users_cap, sizeof(*m->users));
    if (!m->apps || !m->users) {
        free(m->apps);
        free(m->users);
        free(m);
        return NULL;
    }
    return m;
}

/* A deleted slot of the open-addressing table. */
static mob_app tombstone_app;
#define TOMB (&tombstone_app)

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)tolower((unsigned char)*s);
        h *= 1099511628211ULL;
    }
    return h;
}

int mob_ptr_push(void *arrp, size_t *n, size_t *cap, void *item)
{
    void ***arr = arrp;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        void **na = realloc(*arr, nc * sizeof(void *));
        if (!na)
            return -1;
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = item;
    return 0;
}

void mob_ptr_remove(void **arr, size_t *n, const void *item)
{
    for (size_t i = 0; i < *n; i++) {
        if (arr[i] == item) {
            memmove(&arr[i], &arr[i + 1], (*n - i - 1) * sizeof(void *));
            (*n)--;
            return;
        }
    }
}

int mob_new_id(mcxd_state *st, char out[MOB_ID_HEX + 1])
{
    unsigned char raw[MOB_ID_HEX / 2];
    static const char hex[] = "0123456789abcdef";
    if (mcxd_auth_random(st, raw, sizeof(raw)) != 0)
        return -1;
    for (size_t i = 0; i < sizeof(raw); i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[MOB_ID_HEX] = '\0';
    return 0;
}

/* ---- applications ---------------------------------------------------------- */

mob_app *mob_app_find(mcxd_mobility *m, const char *id)
{
    size_t mask = m->apps_cap - 1;
    for (size_t i = hash_str(id) & mask, k = 0; k < m->apps_cap; i = (i + 1) & mask, k++) {
        mob_app *a = m->apps[i];
        if (!a)
            return NULL;
        if (a != TOMB && strcasecmp(a->id, id) == 0)
            return a;
    }
    return NULL;
}

static void table_put(mob_app **tab, size_t cap, mob_app *a)
{
    size_t mask = cap - 1;
    size_t i = hash_str(a->id) & mask;
    while (tab[i] && tab[i] != TOMB)
        i = (i + 1) & mask;
    tab[i] = a;
}

int mob_app_add(mcxd_mobility *m, mob_app *a)
{
    if ((m->napps + m->apps_tomb + 1) * 2 > m->apps_cap) {
        size_t nc = m->apps_cap;
        while ((m->napps + 1) * 4 > nc)
            nc *= 2;
        mob_app **nt = calloc(nc, sizeof(*nt));
        if (!nt)
            return -1;
        for (size_t i = 0; i < m->apps_cap; i++)
            if (m->apps[i] && m->apps[i] != TOMB)
                table_put(nt, nc, m->apps[i]);
        free(m->apps);
        m->apps = nt;
        m->apps_cap = nc;
        m->apps_tomb = 0;
    }
    table_put(m->apps, m->apps_cap, a);
    m->napps++;
    if (mob_ptr_push(&a->user->apps, &a->user->napps, &a->user->capps, a) != 0) {
        /* undo */
        size_t mask = m->apps_cap - 1;
        for (size_t i = hash_str(a->id) & mask;; i = (i + 1) & mask)
            if (m->apps[i] == a) {
                m->apps[i] = TOMB;
                m->apps_tomb++;
                break;
            }
        m->napps--;
        return -1;
    }
    m->counters.sessions_initiated++;
    m->counters.sessions_active++;
    return 0;
}

static void table_remove(mcxd_mobility *m, mob_app *a)
{
    size_t mask = m->apps_cap - 1;
    for (size_t i = hash_str(a->id) & mask, k = 0; k < m->apps_cap; i = (i + 1) & mask, k++) {
        if (m->apps[i] == a) {
            m->apps[i] = TOMB;
            m->apps_tomb++;
            m->napps--;
            return;
        }
        if (!m->apps[i])
            return;
    }
}

int mob_was_expired(const mcxd_mobility *m, const char *id)
{
    for (size_t i = 0; i < MOB_EXPIRED_MEMORY; i++)
        if (m->expired[i][0] && strcasecmp(m->expired[i], id) == 0)
            return 1;
    return 0;
}

static void sub_free(mob_sub *s)
{
    for (size_t i = 0; i < s->nmembers; i++)
        mob_ptr_remove((void **)s->members[i]->watchers, &s->members[i]->nwatchers, s);
    free(s->members);
    free(s);
}

static void app_free(mob_app *a)
{
    mob_events_clear(a);
    while (a->subs) {
        mob_sub *n = a->subs->next;
        sub_free(a->subs);
        a->subs = n;
    }
    free(a->sent_body);
    free(a->user_agent);
    free(a->culture);
    free(a->endpoint_id);
    free(a);
}

/* Take `a` off the drain list (it is about to be freed). */
static void undirty(mcxd_mobility *m, mob_app *a)
{
    if (!a->dirty)
        return;
    for (mob_app **pp = &m->dirty; *pp; pp = &(*pp)->dirty_next) {
        if (*pp == a) {
            *pp = a->dirty_next;
            break;
        }
    }
    a->dirty = 0;
}

static int orphan_push(mcxd_mobility *m, void *handle, int mode, mob_app *a, uint64_t ack)
{
    if (m->norphans == m->corphans) {
        size_t nc = m->corphans ? m->corphans * 2 : 8;
        mob_parked_done *n = realloc(m->orphans, nc * sizeof(*n));
        if (!n)
            return -1;
        m->orphans = n;
        m->corphans = nc;
    }
    m->orphans[m->norphans++] = (mob_parked_done){handle, mode, a, ack};
    return 0;
}

void mob_app_end(const mcxd_config *cfg, mcxd_mobility *m, mob_app *a, int by_user, time_t now)
{
    mob_user *u = a->user;
    if (a->pget.handle) {
        /* The parked P-GET ends with 404 ApplicationNotFound (app == NULL). */
        (void)orphan_push(m, a->pget.handle, MOB_DONE_GONE, NULL, 0);
        a->pget.handle = NULL;
        m->counters.pgets_active--;
    }
    for (size_t i = 0; i < m->norphans; i++)
        if (m->orphans[i].app == a) {
            m->orphans[i].app = NULL;
            m->orphans[i].mode = MOB_DONE_GONE;
        }
    int had_subs = 0;
    for (mob_sub *s = a->subs; s; s = s->next)
        had_subs |= s->nmembers > 0;
    if (had_subs)
        m->counters.sessions_with_subscriptions--;
    mob_communication_detach(cfg, m, a, now);
    undirty(m, a);
    table_remove(m, a);
    mob_ptr_remove((void **)u->apps, &u->napps, a);
    if (by_user) {
        m->counters.sessions_terminated_by_user++;
    } else {
        m->counters.sessions_idle_timeout++;
        snprintf(m->expired[m->expired_next], sizeof(m->expired[0]), "%s", a->id);
        m->expired_next = (m->expired_next + 1) % MOB_EXPIRED_MEMORY;
    }
    m->counters.sessions_active--;
    m->counters.sessions_ended++;
    if (now > a->created)
        m->counters.session_lifetime_ms_total += (uint64_t)(now - a->created) * 1000u;
    int was_available = a->available;
    app_free(a);
    if (was_available)
        mob_presence_changed(cfg, m, u, now);
}

int mob_lifetime(const mcxd_config *cfg, const mob_app *a)
{
    const mcx_topology *t = cfg ? cfg->topo : NULL;
    int longl = t && t->session_expiration_interval > 0 ? t->session_expiration_interval : 259200;
    int shortl = t && t->session_short_expiration_interval > 0
                     ? t->session_short_expiration_interval
                     : 3600;
    return a->device == MOB_DEVICE_BACKGROUND ? longl : shortl;
}

void mob_schedule(mcxd_mobility *m, time_t when)
{
    if (when > 0 && (m->next_due == 0 || when < m->next_due))
        m->next_due = when;
}

/* ---- users ----------------------------------------------------------------- */

mob_user *mob_user_find(mcxd_mobility *m, const char *uri)
{
    size_t mask = m->users_cap - 1;
    for (size_t i = hash_str(uri) & mask;; i = (i + 1) & mask) {
        if (!m->users[i])
            return NULL;
        if (strcasecmp(m->users[i]->uri, uri) == 0)
            return m->users[i];
    }
}

static void user_put(mob_user **tab, size_t cap, mob_user *u)
{
    size_t mask = cap - 1;
    size_t i = hash_str(u->uri) & mask;
    while (tab[i])
        i = (i + 1) & mask;
    tab[i] = u;
}

mob_user *mob_user_get(mcxd_mobility *m, const char *uri)
{
    mob_user *u = mob_user_find(m, uri);
    if (u)
        return u;
    if ((m->nusers + 1) * 2 > m->users_cap) {
        size_t nc = m->users_cap * 2;
        mob_user **nt = calloc(nc, sizeof(*nt));
        if (!nt)
            return NULL;
        for (size_t i = 0; i < m->users_cap; i++)
            if (m->users[i])
                user_put(nt, nc, m->users[i]);
        free(m->users);
        m->users = nt;
        m->users_cap = nc;
    }
    u = calloc(1, sizeof(*u));
    if (!u || !(u->uri = strdup(uri))) {
        free(u);
        return NULL;
    }
    for (char *p = u->uri; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    user_put(m->users, m->users_cap, u);
    m->nusers++;
    return u;
}

/* ---- conversations and invitations ---------------------------------------- */

mob_conv *mob_conv_find(mcxd_mobility *m, const char *id)
{
    for (size_t i = 0; i < m->nconvs; i++)
        if (strcasecmp(m->convs[i]->id, id) == 0)
            return m->convs[i];
    return NULL;
}

mob_invite *mob_invite_find(mcxd_mobility *m, const char *id)
{
    for (size_t i = 0; i < m->ninvites; i++)
        if (strcasecmp(m->invites[i]->id, id) == 0)
            return m->invites[i];
    return NULL;
}

void mob_conv_remove(mcxd_mobility *m, mob_conv *c)
{
    mob_ptr_remove((void **)m->convs, &m->nconvs, c);
    free(c->members);
    free(c->subject);
    free(c);
}

void mob_invite_remove(mcxd_mobility *m, mob_invite *inv)
{
    mob_ptr_remove((void **)m->invites, &m->ninvites, inv);
    free(inv->to);
    free(inv->targets);
    free(inv->subject);
    free(inv->message);
    free(inv->operation_id);
    free(inv);
}

/* ---- drain ----------------------------------------------------------------- */

static void complete(const mcxd_config *cfg, mcxd_state *st, mob_app *a, int mode,
                     uint64_t ack, void *handle, mcxd_park_done done, void *ctx, time_t now)
{
    mcxd_response resp;
    mcxd_response_init(&resp);
    if (!a || mode == MOB_DONE_GONE)
        mob_error(&resp, 404, "NotFound", "ApplicationNotFound",
                  "the application ended while the P-GET was parked");
    else if (mode == MOB_DONE_REPLACED)
        mob_error(&resp, 409, "Conflict", "PGetReplaced", "a newer pending GET replaced this one");
    else if (mode == MOB_DONE_EMPTY)
        mob_events_empty(a, ack, &resp);
    else
        mob_events_answer(cfg, st, a, now, &resp);
    mcxd_response_finish(cfg, NULL, mcxd_response_get_header(&resp, "Content-Type"), 0, now,
                         &resp);
    mob_count_answer(st->mobility, resp.status);
    if (done)
        done(ctx, handle, &resp);
    mcxd_response_free(&resp);
}

/* The time a parked P-GET of `a` should complete (its timeout, or the
 * release time of its first pending event by aggregation class). */
static time_t pget_due(const mob_app *a)
{
    time_t due = a->pget.deadline;
    for (const mob_event *e = a->ev_head; e; e = e->next) {
        int delay = e->klass == MOB_CLASS_REALTIME ? 0
                    : e->klass == MOB_CLASS_MEDIUM ? a->medium
                                                   : a->low;
        time_t at = e->at + delay;
        if (at < due)
            due = at;
    }
    if (a->need_resync)
        due = a->pget.started;
    return due;
}

static void answer_if_due(const mcxd_config *cfg, mcxd_state *st, mob_app *a, time_t now,
                          mcxd_park_done done, void *ctx)
{
    mcxd_mobility *m = st->mobility;
    if (!a->pget.handle)
        return;
    time_t due = pget_due(a);
    if (due <= now) {
        void *h = a->pget.handle;
        if (a->pget.deadline <= now && !a->ev_head && !a->need_resync)
            m->counters.pgets_timed_out++;
        m->counters.pgets_active--;
        complete(cfg, st, a, MOB_DONE_ANSWER, 0, h, done, ctx, now);
    } else {
        mob_schedule(m, due);
    }
}

static int by_id(const void *a, const void *b)
{
    return strcmp((*(mob_app *const *)a)->id, (*(mob_app *const *)b)->id);
}

static void full_scan(const mcxd_config *cfg, mcxd_state *st, time_t now, mcxd_park_done done,
                      void *ctx)
{
    mcxd_mobility *m = st->mobility;
    m->next_due = 0;
    /* Collect first: ending an application changes the table. */
    mob_app **list = malloc((m->napps ? m->napps : 1) * sizeof(*list));
    if (!list) {
        m->next_due = now + 1;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < m->apps_cap; i++)
        if (m->apps[i] && m->apps[i] != TOMB)
            list[n++] = m->apps[i];
    /* Table order is hash order: sort by id so that what happens at one
     * instant (several expiries) happens in a fixed order. */
    qsort(list, n, sizeof(*list), by_id);
    for (size_t i = 0; i < n; i++) {
        mob_app *a = list[i];
        if (!mob_app_find(m, a->id))
            continue; /* ended by an earlier one in this scan */
        if (!a->pget.handle && a->last_activity + mob_lifetime(cfg, a) <= now) {
            mob_app_end(cfg, m, a, 0, now);
            continue;
        }
        mob_me_tick(cfg, m, a, now);
        if (!a->pget.handle)
            mob_schedule(m, a->last_activity + mob_lifetime(cfg, a));
        answer_if_due(cfg, st, a, now, done, ctx);
    }
    free(list);
}

void mcxd_mobility_drain(const mcxd_config *cfg, mcxd_state *st, time_t now,
                         mcxd_park_done done, void *ctx)
{
    mcxd_mobility *m = mob_of(st);
    if (!m)
        return;
    for (int round = 0; round < 4; round++) {
        if (m->next_due && m->next_due <= now)
            full_scan(cfg, st, now, done, ctx);
        while (m->dirty) {
            mob_app *a = m->dirty;
            m->dirty = a->dirty_next;
            a->dirty = 0;
            answer_if_due(cfg, st, a, now, done, ctx);
        }
        while (m->norphans) {
            mob_parked_done o = m->orphans[0];
            memmove(&m->orphans[0], &m->orphans[1], (m->norphans - 1) * sizeof(o));
            m->norphans--;
            complete(cfg, st, o.app, o.mode, o.ack, o.handle, done, ctx, now);
        }
        if (!m->dirty && !(m->next_due && m->next_due <= now))
            break;
    }
}

int mob_park_replaced(mcxd_mobility *m, mob_app *a, void *old_handle, int mode, uint64_t ack)
{
    return orphan_push(m, old_handle, mode, a, ack);
}

const mcxd_mobility_counters *mcxd_mobility_get_counters(const mcxd_state *st)
{
    return st && st->mobility ? &st->mobility->counters : NULL;
}

size_t mcxd_mobility_bytes(const mcxd_state *st)
{
    const mcxd_mobility *m = st ? st->mobility : NULL;
    if (!m)
        return 0;
    size_t total = sizeof(*m) + m->apps_cap * sizeof(void *) + m->users_cap * sizeof(void *);
    for (size_t i = 0; i < m->apps_cap; i++) {
        const mob_app *a = m->apps[i];
        if (!a || a == TOMB)
            continue;
        total += sizeof(*a) + (a->user_agent ? strlen(a->user_agent) + 1 : 0) +
                 (a->culture ? strlen(a->culture) + 1 : 0) +
                 (a->endpoint_id ? strlen(a->endpoint_id) + 1 : 0) + a->sent_len;
        for (const mob_event *e = a->ev_head; e; e = e->next)
            total += sizeof(*e) + e->len + 1;
        for (const mob_sub *s = a->subs; s; s = s->next)
            total += sizeof(*s) + s->cmembers * sizeof(void *) + s->nmembers * sizeof(void *);
    }
    for (size_t i = 0; i < m->users_cap; i++) {
        const mob_user *u = m->users[i];
        if (u)
            total += sizeof(*u) + strlen(u->uri) + 1 + u->capps * sizeof(void *) +
                     u->cwatchers * sizeof(void *);
    }
    return total;
}

void mcxd_mobility_free(mcxd_mobility *m)
{
    if (!m)
        return;
    while (m->ninvites)
        mob_invite_remove(m, m->invites[m->ninvites - 1]);
    free(m->invites);
    while (m->nconvs)
        mob_conv_remove(m, m->convs[m->nconvs - 1]);
    free(m->convs);
    for (size_t i = 0; i < m->apps_cap; i++)
        if (m->apps[i] && m->apps[i] != TOMB)
            app_free(m->apps[i]);
    free(m->apps);
    for (size_t i = 0; i < m->users_cap; i++) {
        mob_user *u = m->users[i];
        if (!u)
            continue;
        free(u->uri);
        free(u->note);
        free(u->location);
        free(u->apps);
        free(u->watchers);
        free(u);
    }
    free(m->users);
    free(m->orphans);
    free(m);
}
