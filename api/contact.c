/* The contact form and the inquiries staff answer.
 *
 * Customers (signed in):
 *   POST /api/contact                         subject, message, order_tracking?, topic? ("general" |
 * "order"); an order_tracking makes the topic "order" and must name one of the caller's own orders (422
 * otherwise, the same answer whether the order is someone else's or does not exist); GET
 * /api/contact/verify-order/:tracking  {valid, tracking_no, status} for the caller's own order, 404 for
 *                                             anything else (other users' orders are never revealed);
 *   GET  /api/contact/limits                  the caller's limit, use and wait per topic.
 * Staff (moderators and admins, under /api/admin/contact and /api/mod/contact): list (page, limit, status),
 * one inquiry with its replies, reply (appended and emailed to the customer; an open inquiry becomes
 * in_progress), status (open, in_progress, resolved, closed).
 * Admins: per-user overrides of the daily limits, /api/admin/contact-limits[/:user_id].
 *
 * Daily limits: contact.general_per_day and contact.order_per_day (settings), overridden per user by the
 * contact_limit record whose id is the user id (a field holding PF_CONTACT_INHERIT uses the setting). The day
 * is a rolling 24 hours: a message counts while it is younger than 24 h, so when a topic's limit is reached
 * the next message is allowed once the oldest counted message (the limit-th newest) turns 24 h old: 429 with
 * {"error", "retry_after_s"} and a Retry-After header of those seconds. A limit of 0 blocks the topic: 403
 * with
 * {"error", "blocked": true} (no wait would help). The count and the insert run in one write transaction, so
 * concurrent submissions cannot pass the limit together. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/account.h"
#include "api/routes.h"

#define EB(r) pf_req_eb(r)
#define DAY_S 86400
#define PF_CONTACT_INHERIT UINT64_MAX /* override field: use the setting */
#define LIMIT_MAX 10000
#define SUBJECT_MAX 200
#define MESSAGE_MAX 5000
#define REPLY_MAX 10000
#define PAGE_DEFAULT 20
#define PAGE_MAX 100

static const char *const statuses[] = {"open", "in_progress", "resolved", "closed"};

/* ---- limits ---- */

/* The setting's limit for a topic. */
static uint64_t setting_limit(pf_req *r, bool order)
{
    const char *v =
        pf_req_setting(r, order ? "contact.order_per_day" : "contact.general_per_day", order ? "10" : "3");
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !(d >= 0) || d > LIMIT_MAX) return order ? 10 : 3;
    return (uint64_t)d;
}

/* The override record of uid inside t (found = false when none). */
static pf_err override_get(pf_store *st, pf_txn *t, uint64_t uid, pf_contact_limit *out, bool *found,
                           pf_errbuf *eb)
{
    pf_contact_limit cl = {0};
    pf_err err = pf_store_contact_limit_get(st, t, uid, &cl, eb);
    *found = !err;
    if (err == PF_E_NOT_FOUND) {
        cl = (pf_contact_limit){
            .id = uid, .general_per_day = PF_CONTACT_INHERIT, .order_per_day = PF_CONTACT_INHERIT};
        err = PF_E_OK;
    }
    if (!err) *out = cl;
    return err;
}

/* One topic's use in the rolling day. */
typedef struct usage {
    uint64_t limit;      /* effective limit */
    uint64_t used;       /* messages younger than 24 h */
    int64_t retry_after; /* seconds until the next is allowed, 0 = allowed now */
} usage;

static int cmp_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Counts uid's messages on topic younger than 24 h (inside t, or a read of its own) against limit. */
static pf_err usage_of(pf_store *st, pf_txn *t, uint64_t uid, bool order, uint64_t limit, int64_t now,
                       usage *out, pf_errbuf *eb)
{
    int64_t *times = NULL;
    size_t nt = 0, cap = 0;
    uint64_t before = 0;
    bool more = true;
    pf_err err = PF_E_OK;
    while (more && !err) {
        pf_inquiry *arr = NULL;
        size_t n = 0;
        if ((err = pf_store_inquiry_list_by_user(st, t, uid, before, 64, &arr, &n, &before, eb))) break;
        more = before != 0;
        for (size_t i = 0; i < n && !err; i++) {
            const pf_inquiry *q = &arr[i];
            /* Newest first by id; a minute of slack for ids committed slightly out of time order. */
            if (q->created_at < now - DAY_S - 60) more = false;
            if (q->created_at <= now - DAY_S) continue;
            if (!q->topic || !strcmp(q->topic, "order") != order) continue;
            if (nt == cap) {
                size_t nc = cap ? cap * 2 : 16;
                int64_t *g = realloc(times, nc * sizeof *g);
                if (!g) {
                    err = pf_errf(eb, PF_E_NOMEM, "contact limits");
                    break;
                }
                times = g, cap = nc;
            }
            times[nt++] = q->created_at;
        }
        pf_inquiry_list_free(arr, n);
    }
    if (!err) {
        usage u = {.limit = limit, .used = nt, .retry_after = 0};
        if (limit && nt >= limit) {
            qsort(times, nt, sizeof *times, cmp_desc);
            /* The limit-th newest message must leave the window before one more fits. */
            u.retry_after = times[limit - 1] + DAY_S - now;
            if (u.retry_after < 1) u.retry_after = 1;
        }
        *out = u;
    }
    free(times);
    return err;
}

/* Effective limits and use of both topics for uid. */
static pf_err usage_both(pf_req *r, pf_txn *t, uint64_t uid, int64_t now, usage u[2], pf_contact_limit *ov,
                         bool *has_override)
{
    pf_store *st = pf_req_store(r);
    pf_err err = override_get(st, t, uid, ov, has_override, EB(r));
    for (int k = 0; k < 2 && !err; k++) {
        uint64_t o = k ? ov->order_per_day : ov->general_per_day;
        err = usage_of(st, t, uid, k == 1, o == PF_CONTACT_INHERIT ? setting_limit(r, k == 1) : o, now, &u[k],
                       EB(r));
    }
    return err;
}

static cJSON *usage_json(const usage *u)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddNumberToObject(o, "limit", (double)u->limit) ||
        !cJSON_AddNumberToObject(o, "used", (double)u->used) ||
        !cJSON_AddNumberToObject(o, "remaining", (double)(u->used < u->limit ? u->limit - u->used : 0)) ||
        !cJSON_AddNumberToObject(o, "retry_after_s", (double)u->retry_after) ||
        !cJSON_AddBoolToObject(o, "blocked", u->limit == 0)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* ---- customers ---- */

/* Text of min..max bytes without control characters (newlines and tabs when lines), valid UTF-8 not
 * checked beyond that (JSON parsing already required it). */
static bool text_ok(const char *s, size_t min, size_t max, bool lines)
{
    size_t n = strnlen(s, max + 1);
    if (n < min || n > max) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(lines && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7f) return false;
    }
    return true;
}

/* The caller's order with tracking number tn (spaces trimmed, tried as given and upper-cased). */
static pf_err own_order(pf_req *r, const char *tn, pf_order *out)
{
    char buf[80];
    while (isspace((unsigned char)*tn))
        tn++;
    size_t n = strlen(tn);
    while (n && isspace((unsigned char)tn[n - 1]))
        n--;
    if (!n || n >= sizeof buf) return PF_E_NOT_FOUND;
    snprintf(buf, sizeof buf, "%.*s", (int)n, tn);
    pf_order o = {0};
    pf_errbuf eb;
    pf_err err = pf_store_order_by_tracking(pf_req_store(r), NULL, buf, &o, &eb);
    if (err == PF_E_NOT_FOUND) {
        for (char *p = buf; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        err = pf_store_order_by_tracking(pf_req_store(r), NULL, buf, &o, &eb);
    }
    if (err && err != PF_E_NOT_FOUND) {
        *EB(r) = eb;
        return err;
    }
    if (!err && o.user_id != pf_req_principal(r)->user.id) err = PF_E_NOT_FOUND;
    if (err) {
        pf_order_clear(&o);
        return err;
    }
    *out = o;
    return PF_E_OK;
}

static pf_err verify_order(pf_req *r, pf_resp *w)
{
    pf_order o = {0};
    pf_err err = own_order(r, pf_req_param(r, "tracking"), &o);
    if (err == PF_E_NOT_FOUND) return pf_errf(EB(r), err, "no order of yours has this tracking number");
    if (err) return err;
    cJSON *j = cJSON_CreateObject();
    bool ok = j && cJSON_AddBoolToObject(j, "valid", true) &&
              cJSON_AddStringToObject(j, "tracking_no", o.tracking_no ? o.tracking_no : "") &&
              cJSON_AddStringToObject(j, "status", o.status ? o.status : "");
    pf_order_clear(&o);
    if (!ok) {
        cJSON_Delete(j);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, j);
}

typedef struct submit_ctx {
    pf_req *r;    /* request (settings, store) */
    pf_inquiry q; /* the inquiry to insert (id written back) */
    bool order;   /* topic */
    usage u;      /* the topic's use before this message */
} submit_ctx;

static pf_err submit_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    submit_ctx *x = c;
    pf_contact_limit ov;
    bool has;
    pf_store *st = pf_req_store(x->r);
    pf_err err = override_get(st, t, x->q.user_id, &ov, &has, eb);
    if (err) return err;
    uint64_t lim = x->order ? ov.order_per_day : ov.general_per_day;
    if (lim == PF_CONTACT_INHERIT) lim = setting_limit(x->r, x->order);
    if ((err = usage_of(st, t, x->q.user_id, x->order, lim, x->q.created_at, &x->u, eb))) return err;
    if (!lim) return pf_errf(eb, PF_E_FORBIDDEN, "blocked");
    if (x->u.used >= lim) return pf_errf(eb, PF_E_RATE_LIMITED, "limit");
    x->q.id = 0;
    return pf_store_inquiry_put(st, t, &x->q, eb);
}

static pf_err contact_submit(pf_req *r, pf_resp *w)
{
    const char *subject = NULL, *message = NULL, *tracking = NULL, *topic = NULL;
    pf_err err;
    if (!pf_req_json(r)) return pf_errf(EB(r), PF_E_INVALID_FIELD, "subject: required (JSON body)");
    if ((err = pf_req_json_string(r, "subject", true, &subject)) ||
        (err = pf_req_json_string(r, "message", true, &message)) ||
        (err = pf_req_json_string(r, "topic", false, &topic)))
        return err;
    const cJSON *tj = cJSON_GetObjectItemCaseSensitive(pf_req_json(r), "order_tracking");
    if (tj && !cJSON_IsNull(tj) && (err = pf_req_json_string(r, "order_tracking", false, &tracking)))
        return err;
    if (tracking && !*tracking) tracking = NULL;
    if (!text_ok(subject, 1, SUBJECT_MAX, false))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "subject: 1 to %d characters on one line", SUBJECT_MAX);
    if (!text_ok(message, 1, MESSAGE_MAX, true))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "message: 1 to %d characters of text", MESSAGE_MAX);
    if (topic && strcmp(topic, "general") && strcmp(topic, "order"))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "topic: general or order");
    if (tracking && topic && !strcmp(topic, "general"))
        return pf_errf(EB(r), PF_E_INVALID_FIELD,
                       "topic: a message about an order (order_tracking) has topic order");
    bool order = tracking || (topic && !strcmp(topic, "order"));
    pf_order o = {0};
    if (tracking) {
        err = own_order(r, tracking, &o);
        if (err == PF_E_NOT_FOUND)
            return pf_errf(EB(r), PF_E_INVALID_FIELD,
                           "order_tracking: no order of yours has this tracking number");
        if (err) return err;
    }
    const pf_user *me = &pf_req_principal(r)->user;
    submit_ctx x = {
        .r = r,
        .order = order,
        .q = {.user_id = me->id,
              .topic = strdup(order ? "order" : "general"),
              .subject = strdup(subject),
              .message = strdup(message),
              .order_tracking = tracking ? strdup(o.tracking_no ? o.tracking_no : tracking) : NULL,
              .status = strdup("open"),
              .created_at = (int64_t)time(NULL)}};
    pf_order_clear(&o);
    cJSON *j = NULL;
    if (!x.q.topic || !x.q.subject || !x.q.message || !x.q.status || (tracking && !x.q.order_tracking)) {
        err = PF_E_NOMEM;
        goto done;
    }
    err = pf_store_write(pf_req_store(r), submit_txn, &x, EB(r));
    if (err == PF_E_FORBIDDEN || err == PF_E_RATE_LIMITED) {
        bool blocked = err == PF_E_FORBIDDEN;
        char msg[160], secs[24];
        if (blocked)
            snprintf(msg, sizeof msg, "%s messages are disabled for your account",
                     order ? "order" : "general");
        else
            snprintf(msg, sizeof msg,
                     "daily limit of %llu %s message%s reached: you can send another in %lld h %02lld min",
                     (unsigned long long)x.u.limit, order ? "order" : "general", x.u.limit == 1 ? "" : "s",
                     (long long)((x.u.retry_after + 59) / 60 / 60),
                     (long long)((x.u.retry_after + 59) / 60 % 60));
        j = cJSON_CreateObject();
        bool ok = j && cJSON_AddStringToObject(j, "error", msg) &&
                  cJSON_AddStringToObject(j, "topic", order ? "order" : "general") &&
                  cJSON_AddNumberToObject(j, "limit", (double)x.u.limit) &&
                  (blocked ? cJSON_AddBoolToObject(j, "blocked", true) != NULL
                           : cJSON_AddNumberToObject(j, "retry_after_s", (double)x.u.retry_after) != NULL);
        if (!ok) {
            err = PF_E_NOMEM;
            goto done;
        }
        if (!blocked) {
            snprintf(secs, sizeof secs, "%lld", (long long)x.u.retry_after);
            if ((err = pf_resp_header(w, "Retry-After", secs))) goto done;
        }
        err = pf_resp_json(w, blocked ? 403 : 429, j);
        j = NULL;
        goto done;
    }
    if (err) goto done;
    /* The shop hears of it when it has an address. */
    const char *shop = pf_req_setting(r, "company.email", "");
    if (*shop) {
        char subj[128], *body = NULL;
        snprintf(subj, sizeof subj, "New %s inquiry #%llu", order ? "order" : "general",
                 (unsigned long long)x.q.id);
        if (asprintf(&body, "From: %s <%s>\nSubject: %s\n%s%s%s\n%s\n", me->username ? me->username : "",
                     me->email ? me->email : "", subject, x.q.order_tracking ? "Order: " : "",
                     x.q.order_tracking ? x.q.order_tracking : "", x.q.order_tracking ? "\n" : "",
                     message) >= 0) {
            pf_account_mail(r, shop, subj, body);
            free(body);
        }
    }
    uint64_t remaining = x.u.limit > x.u.used + 1 ? x.u.limit - x.u.used - 1 : 0;
    j = cJSON_CreateObject();
    if (!j || !cJSON_AddNumberToObject(j, "id", (double)x.q.id) ||
        !cJSON_AddStringToObject(j, "topic", x.q.topic) ||
        !cJSON_AddStringToObject(j, "status", x.q.status) ||
        !cJSON_AddStringToObject(j, "subject", x.q.subject) ||
        !(x.q.order_tracking ? cJSON_AddStringToObject(j, "order_tracking", x.q.order_tracking)
                             : cJSON_AddNullToObject(j, "order_tracking")) ||
        !cJSON_AddNumberToObject(j, "created_at", (double)x.q.created_at) ||
        !cJSON_AddNumberToObject(j, "remaining_today", (double)remaining)) {
        err = PF_E_NOMEM;
        goto done;
    }
    err = pf_resp_json(w, 201, j);
    j = NULL;
done:
    cJSON_Delete(j);
    pf_inquiry_clear(&x.q);
    return err;
}

static pf_err my_limits(pf_req *r, pf_resp *w)
{
    usage u[2];
    pf_contact_limit ov;
    bool has;
    pf_err err = usage_both(r, NULL, pf_req_principal(r)->user.id, (int64_t)time(NULL), u, &ov, &has);
    if (err) return err;
    cJSON *o = cJSON_CreateObject(), *g = usage_json(&u[0]), *d = usage_json(&u[1]);
    if (!o || !g || !d) {
        cJSON_Delete(o), cJSON_Delete(g), cJSON_Delete(d);
        return PF_E_NOMEM;
    }
    cJSON_AddItemToObject(o, "general", g);
    cJSON_AddItemToObject(o, "order", d);
    return pf_resp_json(w, 200, o);
}

/* ---- staff ---- */

static bool status_ok(const char *s)
{
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (!strcmp(s, statuses[i])) return true;
    return false;
}

/* One stored reply: a JSON object {"message", "by", "by_name", "at"} (plain text of older data is shown as
 * the message). */
static cJSON *reply_json(const char *stored)
{
    cJSON *j = cJSON_Parse(stored);
    if (cJSON_IsObject(j) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "message"))) return j;
    cJSON_Delete(j);
    j = cJSON_CreateObject();
    if (j && !cJSON_AddStringToObject(j, "message", stored)) {
        cJSON_Delete(j);
        j = NULL;
    }
    return j;
}

static cJSON *inquiry_json(pf_store *st, const pf_inquiry *q, bool full)
{
    cJSON *o = cJSON_CreateObject(), *rep = NULL;
    pf_user u = {0};
    pf_errbuf eb;
    bool have_user = !pf_store_user_get(st, NULL, q->user_id, &u, &eb);
    bool ok = o && cJSON_AddNumberToObject(o, "id", (double)q->id) &&
              cJSON_AddNumberToObject(o, "user_id", (double)q->user_id) &&
              cJSON_AddStringToObject(o, "user_email", have_user && u.email ? u.email : "") &&
              cJSON_AddStringToObject(o, "user_name", have_user && u.username ? u.username : "") &&
              cJSON_AddStringToObject(o, "topic", q->topic ? q->topic : "general") &&
              cJSON_AddStringToObject(o, "subject", q->subject ? q->subject : "") &&
              cJSON_AddStringToObject(o, "message", q->message ? q->message : "") &&
              (q->order_tracking ? cJSON_AddStringToObject(o, "order_tracking", q->order_tracking)
                                 : cJSON_AddNullToObject(o, "order_tracking")) &&
              cJSON_AddStringToObject(o, "status", q->status ? q->status : "open") &&
              cJSON_AddNumberToObject(o, "created_at", (double)q->created_at) &&
              cJSON_AddNumberToObject(o, "reply_count", (double)q->replies.n);
    pf_user_clear(&u);
    if (ok && full) {
        ok = (rep = cJSON_AddArrayToObject(o, "replies")) != NULL;
        for (size_t i = 0; ok && i < q->replies.n; i++) {
            cJSON *e = reply_json(q->replies.v[i]);
            ok = e && cJSON_AddItemToArray(rep, e);
            if (!ok) cJSON_Delete(e);
        }
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static pf_err query_uint(pf_req *r, const char *name, uint64_t lo, uint64_t hi, uint64_t def, uint64_t *out)
{
    const char *v = pf_req_query(r, name);
    if (!v) {
        *out = def;
        return PF_E_OK;
    }
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || *v == '-' || x < lo || x > hi)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: a whole number from %llu to %llu", name,
                       (unsigned long long)lo, (unsigned long long)hi);
    *out = x;
    return PF_E_OK;
}

static pf_err inquiries_list(pf_req *r, pf_resp *w)
{
    uint64_t page = 1, limit = 1;
    const char *status = pf_req_query(r, "status");
    pf_err err;
    if ((err = query_uint(r, "page", 1, 1000000, 1, &page)) ||
        (err = query_uint(r, "limit", 1, PAGE_MAX, PAGE_DEFAULT, &limit)))
        return err;
    if (status && !*status) status = NULL;
    if (status && !status_ok(status))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "status: open, in_progress, resolved or closed");
    pf_store *st = pf_req_store(r);
    cJSON *o = cJSON_CreateObject(), *a = o ? cJSON_AddArrayToObject(o, "inquiries") : NULL;
    if (!a) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    uint64_t skip = (page - 1) * limit, total = 0, before = 0;
    do {
        pf_inquiry *arr = NULL;
        size_t n = 0;
        err = status
                  ? pf_store_inquiry_list_by_status(st, NULL, status, before, 256, &arr, &n, &before, EB(r))
                  : pf_store_inquiry_list(st, NULL, before, 256, &arr, &n, &before, EB(r));
        for (size_t i = 0; !err && i < n; i++, total++) {
            if (total < skip || total >= skip + limit) continue;
            cJSON *e = inquiry_json(st, &arr[i], false);
            if (!e || !cJSON_AddItemToArray(a, e)) cJSON_Delete(e), err = PF_E_NOMEM;
        }
        pf_inquiry_list_free(arr, n);
    } while (!err && before);
    if (!err && (!cJSON_AddNumberToObject(o, "page", (double)page) ||
                 !cJSON_AddNumberToObject(o, "limit", (double)limit) ||
                 !cJSON_AddNumberToObject(o, "total", (double)total) ||
                 !cJSON_AddNumberToObject(o, "pages", (double)((total + limit - 1) / limit))))
        err = PF_E_NOMEM;
    if (err) {
        cJSON_Delete(o);
        return err;
    }
    return pf_resp_json(w, 200, o);
}

static pf_err inquiry_load(pf_req *r, pf_inquiry *q)
{
    uint64_t id;
    pf_err err = pf_req_param_id(r, "id", &id);
    if (err) return pf_errf(EB(r), err, "no such inquiry");
    err = pf_store_inquiry_get(pf_req_store(r), NULL, id, q, EB(r));
    if (err == PF_E_NOT_FOUND) pf_errf(EB(r), err, "no such inquiry");
    return err;
}

static pf_err respond_inquiry(pf_req *r, pf_resp *w, const pf_inquiry *q, int extra_emailed)
{
    cJSON *o = inquiry_json(pf_req_store(r), q, true);
    if (o && extra_emailed >= 0 && !cJSON_AddBoolToObject(o, "emailed", extra_emailed)) {
        cJSON_Delete(o);
        o = NULL;
    }
    return o ? pf_resp_json(w, 200, o) : PF_E_NOMEM;
}

static pf_err inquiry_get(pf_req *r, pf_resp *w)
{
    pf_inquiry q = {0};
    pf_err err = inquiry_load(r, &q);
    if (!err) err = respond_inquiry(r, w, &q, -1);
    pf_inquiry_clear(&q);
    return err;
}

typedef struct edit_ctx {
    pf_store *st;       /* store */
    uint64_t id;        /* inquiry */
    const char *status; /* new status, or NULL */
    const char *reply;  /* stored reply to append, or NULL */
    pf_inquiry q;       /* the record after the change */
} edit_ctx;

static pf_err edit_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    edit_ctx *x = c;
    pf_inquiry_clear(&x->q);
    pf_err err = pf_store_inquiry_get(x->st, t, x->id, &x->q, eb);
    if (err == PF_E_NOT_FOUND) return pf_errf(eb, err, "no such inquiry");
    if (err) return err;
    const char *status = x->status;
    if (x->reply) {
        char **g = realloc(x->q.replies.v, (x->q.replies.n + 1) * sizeof *g);
        if (!g) return pf_errf(eb, PF_E_NOMEM, "reply");
        x->q.replies.v = g;
        if (!(g[x->q.replies.n] = strdup(x->reply))) return pf_errf(eb, PF_E_NOMEM, "reply");
        x->q.replies.n++;
        if (!status && x->q.status && !strcmp(x->q.status, "open")) status = "in_progress";
    }
    if (status) {
        char *s = strdup(status);
        if (!s) return pf_errf(eb, PF_E_NOMEM, "status");
        free(x->q.status);
        x->q.status = s;
    }
    return pf_store_inquiry_put(x->st, t, &x->q, eb);
}

static pf_err inquiry_status(pf_req *r, pf_resp *w)
{
    uint64_t id;
    const char *status = NULL;
    pf_err err = pf_req_param_id(r, "id", &id);
    if (err) return pf_errf(EB(r), err, "no such inquiry");
    if (!pf_req_json(r)) return pf_errf(EB(r), PF_E_INVALID_FIELD, "status: required (JSON body)");
    if ((err = pf_req_json_string(r, "status", true, &status))) return err;
    if (!status_ok(status))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "status: open, in_progress, resolved or closed");
    edit_ctx x = {.st = pf_req_store(r), .id = id, .status = status};
    err = pf_store_write(x.st, edit_txn, &x, EB(r));
    if (!err) err = respond_inquiry(r, w, &x.q, -1);
    pf_inquiry_clear(&x.q);
    return err;
}

/* At most max bytes of s, cut at a UTF-8 character boundary. */
static int utf8_prefix(const char *s, int max)
{
    int n = (int)strnlen(s, (size_t)max + 1);
    if (n <= max) return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static pf_err inquiry_reply(pf_req *r, pf_resp *w)
{
    uint64_t id;
    const char *message = NULL;
    pf_err err = pf_req_param_id(r, "id", &id);
    if (err) return pf_errf(EB(r), err, "no such inquiry");
    if (!pf_req_json(r)) return pf_errf(EB(r), PF_E_INVALID_FIELD, "message: required (JSON body)");
    if ((err = pf_req_json_string(r, "message", true, &message))) return err;
    if (!text_ok(message, 1, REPLY_MAX, true) || !message[strspn(message, " \t\r\n")])
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "message: 1 to %d characters of text", REPLY_MAX);
    const pf_user *me = &pf_req_principal(r)->user;
    int64_t now = (int64_t)time(NULL);
    cJSON *rj = cJSON_CreateObject();
    char *stored = NULL;
    if (!rj || !cJSON_AddStringToObject(rj, "message", message) ||
        !cJSON_AddNumberToObject(rj, "by", (double)me->id) ||
        !cJSON_AddStringToObject(rj, "by_name", me->username ? me->username : "") ||
        !cJSON_AddNumberToObject(rj, "at", (double)now) || !(stored = cJSON_PrintUnformatted(rj))) {
        cJSON_Delete(rj);
        return PF_E_NOMEM;
    }
    cJSON_Delete(rj);
    edit_ctx x = {.st = pf_req_store(r), .id = id, .reply = stored};
    err = pf_store_write(x.st, edit_txn, &x, EB(r));
    free(stored);
    bool emailed = false;
    if (!err) {
        pf_user cust = {0};
        pf_errbuf eb;
        if (!pf_store_user_get(x.st, NULL, x.q.user_id, &cust, &eb) && cust.email) {
            char subj[200], *body = NULL;
            const char *s = x.q.subject ? x.q.subject : "";
            snprintf(subj, sizeof subj, "Re: %.*s [inquiry #%llu]", utf8_prefix(s, 150), s,
                     (unsigned long long)x.q.id);
            if (asprintf(&body, "Hello %s,\n\n%s\n\n-- %s support\n\nYour message of inquiry #%llu:\n%s\n",
                         cust.username ? cust.username : "", message,
                         pf_req_setting(r, "site.name", "PrintForge Studio"), (unsigned long long)x.q.id,
                         x.q.message ? x.q.message : "") >= 0) {
                emailed = pf_account_mail(r, cust.email, subj, body);
                free(body);
            }
        }
        pf_user_clear(&cust);
        err = respond_inquiry(r, w, &x.q, emailed);
    }
    pf_inquiry_clear(&x.q);
    return err;
}

/* ---- admin: per-user overrides ---- */

static pf_err limits_json(pf_req *r, uint64_t uid, cJSON **out)
{
    pf_store *st = pf_req_store(r);
    pf_user u = {0};
    pf_err err = pf_store_user_get(st, NULL, uid, &u, EB(r));
    if (err == PF_E_NOT_FOUND) return pf_errf(EB(r), err, "no such user");
    if (err) return err;
    usage use[2];
    pf_contact_limit ov;
    bool has;
    err = usage_both(r, NULL, uid, (int64_t)time(NULL), use, &ov, &has);
    cJSON *o = NULL, *eff = NULL, *g = NULL, *d = NULL;
    if (!err) {
        o = cJSON_CreateObject();
        g = usage_json(&use[0]), d = usage_json(&use[1]);
        bool ok = o && g && d && cJSON_AddNumberToObject(o, "user_id", (double)uid) &&
                  cJSON_AddStringToObject(o, "email", u.email ? u.email : "") &&
                  cJSON_AddStringToObject(o, "username", u.username ? u.username : "") &&
                  cJSON_AddBoolToObject(o, "override", has) &&
                  (ov.general_per_day == PF_CONTACT_INHERIT
                       ? cJSON_AddNullToObject(o, "general_per_day")
                       : cJSON_AddNumberToObject(o, "general_per_day", (double)ov.general_per_day)) &&
                  (ov.order_per_day == PF_CONTACT_INHERIT
                       ? cJSON_AddNullToObject(o, "order_per_day")
                       : cJSON_AddNumberToObject(o, "order_per_day", (double)ov.order_per_day)) &&
                  (eff = cJSON_AddObjectToObject(o, "effective"));
        if (ok) {
            cJSON_AddItemToObject(eff, "general", g);
            cJSON_AddItemToObject(eff, "order", d);
            g = d = NULL;
            *out = o;
            o = NULL;
        } else {
            err = PF_E_NOMEM;
        }
    }
    cJSON_Delete(o), cJSON_Delete(g), cJSON_Delete(d);
    pf_user_clear(&u);
    return err;
}

static pf_err limits_get(pf_req *r, pf_resp *w)
{
    uint64_t uid;
    pf_err err = pf_req_param_id(r, "user_id", &uid);
    if (err) return pf_errf(EB(r), err, "no such user");
    cJSON *o = NULL;
    if ((err = limits_json(r, uid, &o))) return err;
    return pf_resp_json(w, 200, o);
}

static pf_err limits_list(pf_req *r, pf_resp *w)
{
    cJSON *o = cJSON_CreateObject(), *a = o ? cJSON_AddArrayToObject(o, "overrides") : NULL;
    pf_err err = a ? PF_E_OK : PF_E_NOMEM;
    uint64_t before = 0;
    while (!err) {
        pf_contact_limit *arr = NULL;
        size_t n = 0;
        if ((err = pf_store_contact_limit_list(pf_req_store(r), NULL, before, 256, &arr, &n, &before, EB(r))))
            break;
        for (size_t i = 0; i < n && !err; i++) {
            cJSON *e = NULL;
            err = limits_json(r, arr[i].id, &e);
            if (err == PF_E_NOT_FOUND) { /* override of a deleted account */
                err = PF_E_OK;
                continue;
            }
            if (!err && !cJSON_AddItemToArray(a, e)) cJSON_Delete(e), err = PF_E_NOMEM;
        }
        pf_contact_limit_list_free(arr, n);
        if (!before) break;
    }
    if (!err && (!cJSON_AddNumberToObject(o, "general_per_day", (double)setting_limit(r, false)) ||
                 !cJSON_AddNumberToObject(o, "order_per_day", (double)setting_limit(r, true))))
        err = PF_E_NOMEM;
    if (err) {
        cJSON_Delete(o);
        return err;
    }
    return pf_resp_json(w, 200, o);
}

/* A limit field: absent = keep, null = inherit the setting, else a whole number 0..LIMIT_MAX. */
static pf_err limit_field(pf_req *r, const char *name, uint64_t *io, bool *given)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(pf_req_json(r), name);
    if (!v) return PF_E_OK;
    *given = true;
    if (cJSON_IsNull(v)) {
        *io = PF_CONTACT_INHERIT;
        return PF_E_OK;
    }
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= LIMIT_MAX) ||
        floor(v->valuedouble) != v->valuedouble)
        return pf_errf(
            EB(r), PF_E_INVALID_FIELD,
            "%s: a whole number of messages per day from 0 (blocked) to %d, or null for the setting", name,
            LIMIT_MAX);
    *io = (uint64_t)v->valuedouble;
    return PF_E_OK;
}

typedef struct limit_ctx {
    pf_store *st;        /* store */
    pf_contact_limit cl; /* record to write; both fields inherit = delete */
    bool del;            /* DELETE: remove the override */
    bool general_given;  /* PUT: general_per_day was given */
    bool order_given;    /* PUT: order_per_day was given */
} limit_ctx;

static pf_err limit_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    limit_ctx *x = c;
    pf_user u = {0};
    pf_err err = pf_store_user_get(x->st, t, x->cl.id, &u, eb);
    pf_user_clear(&u);
    if (err == PF_E_NOT_FOUND) return pf_errf(eb, err, "no such user");
    if (err) return err;
    pf_contact_limit cur;
    bool has;
    if ((err = override_get(x->st, t, x->cl.id, &cur, &has, eb))) return err;
    if (x->del)
        return has ? pf_store_contact_limit_del(x->st, t, x->cl.id, eb)
                   : pf_errf(eb, PF_E_NOT_FOUND, "no override for this user");
    pf_contact_limit next = cur;
    if (x->general_given) next.general_per_day = x->cl.general_per_day;
    if (x->order_given) next.order_per_day = x->cl.order_per_day;
    if (next.general_per_day == PF_CONTACT_INHERIT && next.order_per_day == PF_CONTACT_INHERIT)
        return has ? pf_store_contact_limit_del(x->st, t, x->cl.id, eb) : PF_E_OK;
    return pf_store_contact_limit_put(x->st, t, &next, eb);
}

static pf_err limits_put(pf_req *r, pf_resp *w)
{
    uint64_t uid;
    pf_err err = pf_req_param_id(r, "user_id", &uid);
    if (err) return pf_errf(EB(r), err, "no such user");
    if (!pf_req_json(r))
        return pf_errf(EB(r), PF_E_INVALID_FIELD,
                       "general_per_day: required (JSON body with general_per_day and/or order_per_day)");
    limit_ctx x = {.st = pf_req_store(r), .cl = {.id = uid}};
    if ((err = limit_field(r, "general_per_day", &x.cl.general_per_day, &x.general_given)) ||
        (err = limit_field(r, "order_per_day", &x.cl.order_per_day, &x.order_given)))
        return err;
    if (!x.general_given && !x.order_given)
        return pf_errf(EB(r), PF_E_INVALID_FIELD,
                       "general_per_day: give general_per_day and/or order_per_day");
    if ((err = pf_store_write(x.st, limit_txn, &x, EB(r)))) return err;
    cJSON *o = NULL;
    if ((err = limits_json(r, uid, &o))) return err;
    return pf_resp_json(w, 200, o);
}

static pf_err limits_delete(pf_req *r, pf_resp *w)
{
    (void)w;
    uint64_t uid;
    pf_err err = pf_req_param_id(r, "user_id", &uid);
    if (err) return pf_errf(EB(r), err, "no such user");
    limit_ctx x = {.st = pf_req_store(r), .cl = {.id = uid}, .del = true};
    return pf_store_write(x.st, limit_txn, &x, EB(r)); /* 204 */
}

#define U PF_ACCESS_USER
#define M PF_ACCESS_MODERATOR
#define A PF_ACCESS_ADMIN
#define J PF_ACCESS_ADMIN_JWT
#define G PF_LIMIT_GENERAL
#define N PF_BODY_NONE
#define JS PF_BODY_JSON
static const pf_route routes[] = {
    {PF_POST, "/api/contact", contact_submit, U, NULL, G, JS, 64 << 10, NULL},
    {PF_GET, "/api/contact/verify-order/:tracking", verify_order, U, NULL, G, N, 0, NULL},
    {PF_GET, "/api/contact/limits", my_limits, U, NULL, G, N, 0, NULL},
    {PF_GET, "/api/admin/contact", inquiries_list, M, NULL, G, N, 0, NULL},
    {PF_GET, "/api/admin/contact/:id", inquiry_get, M, NULL, G, N, 0, NULL},
    {PF_POST, "/api/admin/contact/:id/reply", inquiry_reply, M, NULL, G, JS, 64 << 10, NULL},
    {PF_PATCH, "/api/admin/contact/:id/status", inquiry_status, M, NULL, G, JS, 0, NULL},
    {PF_GET, "/api/mod/contact", inquiries_list, M, NULL, G, N, 0, NULL},
    {PF_GET, "/api/mod/contact/:id", inquiry_get, M, NULL, G, N, 0, NULL},
    {PF_POST, "/api/mod/contact/:id/reply", inquiry_reply, M, NULL, G, JS, 64 << 10, NULL},
    {PF_PATCH, "/api/mod/contact/:id/status", inquiry_status, M, NULL, G, JS, 0, NULL},
    {PF_GET, "/api/admin/contact-limits", limits_list, A, "admin:read", G, N, 0, NULL},
    {PF_GET, "/api/admin/contact-limits/:user_id", limits_get, A, "admin:read", G, N, 0, NULL},
    {PF_PUT, "/api/admin/contact-limits/:user_id", limits_put, J, NULL, G, JS, 0, NULL},
    {PF_DELETE, "/api/admin/contact-limits/:user_id", limits_delete, J, NULL, G, N, 0, NULL},
};
#undef U
#undef M
#undef A
#undef J
#undef G
#undef N
#undef JS

const pf_route_table pf_api_contact_routes = {routes, sizeof routes / sizeof routes[0]};
