/* Orders after checkout: public tracking (no personal data), the customer's own orders, and fulfilment for
 * admins (JWT or PAT with a scope) and moderators (/api/mod, the same handlers): lists with search and sort,
 * details, the status FSM with its timeline, carrier tracking, printer assignment and the ranked list of
 * eligible printers, payment confirmation (group aware), notes, and the admin dashboard's stats.
 *
 * Every change to an order happens in one write transaction that re-reads the order, checks the rule against
 * what is stored (so two staff members acting at once cannot both move the same order) and appends the
 * timeline event beside the update. Emails go out after the commit, never inside the transaction.
 *
 * Optional settings (not seeded; defaults in brackets): order.production_days [2] added to the estimated job
 * time for the ready date (halved for priority prints), order.transit_days [by distance from
 * shipping.origin_pin to the customer's PIN] for the arrival date. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/account.h"
#include "api/assign.h"
#include "api/routes.h"
#include "api/order_geom.h"
#include "engine/price.h"
#include "engine/shipping.h"

#define EB(r) pf_req_eb(r)
#define CHUNK 256         /* records per store list call while scanning */
#define MAX_LIMIT 100     /* page size cap */
#define DEFAULT_LIMIT 20  /* page size when none is given */
#define RECENT_ORDERS 10  /* orders in the stats' recent list */
#define MAX_NOTE 2000     /* bytes of one note */
#define MAX_MESSAGE 500   /* bytes of a staff message on a status change */
#define MAX_CARRIER_NO 64 /* bytes of a carrier tracking number */
#define MAX_URL 500       /* bytes of a carrier tracking URL */
#define DAY 86400

/* ---- statuses and the FSM ---- */

enum { ST_PENDING, ST_CONFIRMED, ST_PRINTING, ST_POST, ST_SHIPPED, ST_DELIVERED, ST_CANCELLED, ST_N };
static const char *const status_names[ST_N] = {"pending", "confirmed", "printing", "post_processing",
                                               "shipped", "delivered", "cancelled"};

/* Index of a status name, -1 when unknown. */
static int status_of(const char *s)
{
    for (int i = 0; s && i < ST_N; i++)
        if (!strcmp(s, status_names[i])) return i;
    return -1;
}

/* Open orders still need a printer's time: they count as load. */
static bool status_open(int s)
{
    return s >= ST_PENDING && s <= ST_POST;
}

/* The FSM: each status moves to the next one only; cancelled from pending or confirmed. PF_E_CONFLICT with
 * the reason otherwise. */
static pf_err transition_check(int from, int to, pf_errbuf *eb)
{
    if (from < 0) return pf_errf(eb, PF_E_CONFLICT, "the order has an unknown stored status");
    if (from == to) return pf_errf(eb, PF_E_CONFLICT, "the order is already %s", status_names[to]);
    if (from == ST_DELIVERED || from == ST_CANCELLED)
        return pf_errf(eb, PF_E_CONFLICT, "the order is %s: its status can no longer change",
                       status_names[from]);
    if (to == ST_CANCELLED) {
        if (from == ST_PENDING || from == ST_CONFIRMED) return PF_E_OK;
        return pf_errf(eb, PF_E_CONFLICT, "only pending or confirmed orders can be cancelled; this one is %s",
                       status_names[from]);
    }
    if (to == from + 1) return PF_E_OK;
    return pf_errf(eb, PF_E_CONFLICT, "cannot move an order from %s to %s: the next status is %s%s",
                   status_names[from], status_names[to], status_names[from + 1],
                   from <= ST_CONFIRMED ? " (or cancelled)" : "");
}

/* ---- small helpers ---- */

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* The caller's user id for events and notes: the session's user, or for a PAT the admin who created it (the
 * token acts on their behalf). */
static uint64_t actor_of(pf_req *r)
{
    const pf_principal *p = pf_req_principal(r);
    return p->kind == PF_AUTH_JWT ? p->user.id : p->kind == PF_AUTH_PAT ? p->pat.created_by : 0;
}

static bool ci_contains(const char *hay, const char *needle)
{
    if (!hay || !needle) return false;
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (!strncasecmp(p, needle, n)) return true;
    return !n;
}

/* strdup that treats NULL as "no value" and reports failure through *ok. */
static char *dup_or_null(const char *s, bool *ok)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *ok = false;
    return d;
}

/* Paise as "1234.50" (no currency sign) for emails. */
static void rupees(int64_t paise, char *out, size_t len)
{
    int64_t a = paise < 0 ? -paise : paise;
    snprintf(out, len, "%s%lld.%02lld", paise < 0 ? "-" : "", (long long)(a / 100), (long long)(a % 100));
}

/* Transit days by distance for the arrival estimate: a conservative assumption for Speed Post, not a
 * published tariff figure (the setting order.transit_days overrides it). -1 km (unknown) gets the middle
 * value. */
static long transit_days_for(double km)
{
    return km < 0 ? 5 : km == 0 ? 2 : km <= 200 ? 3 : km <= 1000 ? 4 : km <= 2000 ? 5 : 7;
}

/* ---- JSON building: each returns false on allocation failure ---- */

static bool j_str(cJSON *o, const char *k, const char *v)
{
    return v ? cJSON_AddStringToObject(o, k, v) != NULL : cJSON_AddNullToObject(o, k) != NULL;
}
static bool j_num(cJSON *o, const char *k, double v)
{
    return cJSON_AddNumberToObject(o, k, v) != NULL;
}
static bool j_id(cJSON *o, const char *k, uint64_t v) /* 0 = none -> null */
{
    return v ? j_num(o, k, (double)v) : cJSON_AddNullToObject(o, k) != NULL;
}
static bool j_time(cJSON *o, const char *k, int64_t v) /* 0 = never -> null */
{
    return v ? j_num(o, k, (double)v) : cJSON_AddNullToObject(o, k) != NULL;
}
static bool j_bool(cJSON *o, const char *k, bool v)
{
    return cJSON_AddBoolToObject(o, k, v) != NULL;
}
static bool j_inr(cJSON *o, const char *k, int64_t paise)
{
    return j_num(o, k, pf_price_to_inr(paise));
}
static bool j_add(cJSON *arr, cJSON *item)
{
    if (!item) return false;
    if (!cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

/* What an order view may show. */
typedef enum view {
    VIEW_PUBLIC,   /* tracking page: no name, address, phone, email, user id or prices */
    VIEW_CUSTOMER, /* the owner */
    VIEW_STAFF,    /* admins and moderators */
} view;

/* Related records looked up for an order's JSON. Owned; cleared by related_clear. */
typedef struct related {
    pf_shipping_partner partner; /* carrier (id 0 = none) */
    pf_user customer;            /* staff view (id 0 = not found) */
    pf_printer printer;          /* staff view (id 0 = none) */
    pf_model model;              /* staff view (id 0 = none) */
} related;

static void related_clear(related *x)
{
    pf_shipping_partner_clear(&x->partner);
    pf_user_clear(&x->customer);
    pf_printer_clear(&x->printer);
    pf_model_clear(&x->model);
}

/* Looks up what the view shows beside the order; missing records are simply left out. */
static pf_err related_load(pf_store *st, pf_txn *t, const pf_order *o, view v, related *x, pf_errbuf *eb)
{
    pf_errbuf ignore;
    pf_err err;
    memset(x, 0, sizeof *x);
    if (o->shipping_partner_id &&
        (err = pf_store_shipping_partner_get(st, t, o->shipping_partner_id, &x->partner, &ignore))) {
        memset(&x->partner, 0, sizeof x->partner);
        if (err != PF_E_NOT_FOUND) return pf_errf(eb, err, "%s", ignore.msg);
    }
    if (v != VIEW_STAFF) return PF_E_OK;
    if ((err = pf_store_user_get(st, t, o->user_id, &x->customer, &ignore))) {
        memset(&x->customer, 0, sizeof x->customer);
        if (err != PF_E_NOT_FOUND) return pf_errf(eb, err, "%s", ignore.msg);
    }
    if (o->printer_id && (err = pf_store_printer_get(st, t, o->printer_id, &x->printer, &ignore))) {
        memset(&x->printer, 0, sizeof x->printer);
        if (err != PF_E_NOT_FOUND) return pf_errf(eb, err, "%s", ignore.msg);
    }
    if (o->model_id && (err = pf_store_model_get(st, t, o->model_id, &x->model, &ignore))) {
        memset(&x->model, 0, sizeof x->model);
        if (err != PF_E_NOT_FOUND) return pf_errf(eb, err, "%s", ignore.msg);
    }
    return PF_E_OK;
}

/* Carrier block: partner name, carrier number and page; null when no tracking was set. */
static bool add_carrier(cJSON *o, const pf_order *ord, const related *x)
{
    if (!ord->carrier_tracking && !ord->shipping_partner_id)
        return cJSON_AddNullToObject(o, "carrier") != NULL;
    cJSON *c = cJSON_AddObjectToObject(o, "carrier");
    return c && j_id(c, "partner_id", x->partner.id) &&
           j_str(c, "name", x->partner.id ? x->partner.name : NULL) &&
           j_str(c, "tracking_number", ord->carrier_tracking) && j_str(c, "tracking_url", ord->carrier_url);
}

/* Estimated dates for the tracking page and the owner: when the part should be ready (printed, finished,
 * packed) and, for shipped orders, when it should arrive. Only for orders being worked on: an unpaid order
 * has no date yet, a delivered or cancelled one needs none. shipped_at is the time of the shipped event. */
static bool add_estimates(pf_req *r, cJSON *o, const pf_order *ord, int64_t shipped_at)
{
    int s = status_of(ord->status);
    int64_t ready = 0, arrive = 0, now = now_s();
    long prod_days = strtol(pf_req_setting(r, "order.production_days", "2"), NULL, 10);
    const char *td = pf_req_setting(r, "order.transit_days", NULL);
    long transit_days = td && *td ? strtol(td, NULL, 10)
                                  : transit_days_for(pf_assign_pin_distance(
                                        pf_req_setting(r, "shipping.origin_pin", NULL), ord->ship_zip));
    if (prod_days < 0 || prod_days > 60) prod_days = 2;
    if (transit_days < 0 || transit_days > 60) transit_days = 5;
    if (ord->priority && prod_days > 1) prod_days /= 2;
    if (s >= ST_CONFIRMED && s <= ST_POST) {
        int64_t start = ord->paid_at ? ord->paid_at : ord->created_at;
        double job = isfinite(ord->job_time_s) && ord->job_time_s > 0 ? ord->job_time_s : ord->print_time_s;
        if (!(isfinite(job) && job > 0 && job < 365.0 * DAY)) job = 0;
        ready = start + (int64_t)job + prod_days * DAY;
        if (ready < now + 3600) ready = now + 3600; /* running late: never promise the past */
    }
    bool ship = ord->fulfillment && !strcmp(ord->fulfillment, "shipping");
    if (ship && ready) arrive = ready + transit_days * DAY;
    if (ship && s == ST_SHIPPED) {
        arrive = (shipped_at ? shipped_at : ord->updated_at) + transit_days * DAY;
        if (arrive < now + 3600) arrive = now + 3600;
    }
    return j_time(o, "estimated_ready_at", ready) && j_time(o, "estimated_delivery_at", arrive);
}

/* The order as JSON for a view (no timeline or notes: see detail_json). */
static cJSON *order_json(const pf_order *ord, view v, const related *x)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && j_str(o, "tracking_no", ord->tracking_no) && j_str(o, "status", ord->status) &&
              j_str(o, "fulfillment", ord->fulfillment) && j_str(o, "material", ord->material) &&
              j_str(o, "color", ord->color) && j_num(o, "quantity", (double)ord->quantity) &&
              j_bool(o, "priority", ord->priority) && j_bool(o, "paid", ord->paid) &&
              j_time(o, "created_at", ord->created_at) && j_time(o, "updated_at", ord->updated_at) &&
              add_carrier(o, ord, x);
    if (!ok || v == VIEW_PUBLIC) goto done;
    ok = j_num(o, "id", (double)ord->id) && j_id(o, "group_id", ord->group_id) &&
         j_str(o, "filename", ord->filename) && j_num(o, "infill_pct", ord->infill_pct) &&
         j_num(o, "layer_height_mm", ord->layer_height_mm) && j_num(o, "weight_g", ord->weight_g) &&
         j_num(o, "print_time_s", ord->print_time_s) && j_num(o, "job_time_s", ord->job_time_s) &&
         j_inr(o, "material_cost", ord->material_cost) && j_inr(o, "printing_cost", ord->printing_cost) &&
         j_inr(o, "priority_cost", ord->priority_cost) && j_inr(o, "discount", ord->discount) &&
         j_str(o, "coupon_code", ord->coupon_code) && j_inr(o, "taxable", ord->taxable) &&
         j_inr(o, "gst", ord->gst) && j_inr(o, "shipping_cost", ord->shipping_cost) &&
         j_inr(o, "shipping_gst", ord->shipping_gst) && j_inr(o, "total", ord->total) &&
         j_time(o, "paid_at", ord->paid_at) && j_str(o, "customer_notes", ord->notes);
    if (ok) {
        cJSON *s = cJSON_AddObjectToObject(o, "shipping");
        ok = s && j_str(s, "name", ord->ship_name) && j_str(s, "address", ord->ship_address) &&
             j_str(s, "city", ord->ship_city) && j_str(s, "state", ord->ship_state) &&
             j_str(s, "zip", ord->ship_zip) && j_str(s, "phone", ord->ship_phone);
    }
    if (!ok || v != VIEW_STAFF) goto done;
    ok = j_num(o, "user_id", (double)ord->user_id) && j_id(o, "model_id", ord->model_id) &&
         j_id(o, "upload_id", ord->upload_id) && j_id(o, "printer_id", ord->printer_id) &&
         j_str(o, "payment_ref", ord->payment_ref);
    if (ok && x->customer.id) {
        cJSON *c = cJSON_AddObjectToObject(o, "customer");
        ok = c && j_num(c, "id", (double)x->customer.id) && j_str(c, "email", x->customer.email) &&
             j_str(c, "username", x->customer.username);
    } else if (ok) {
        ok = cJSON_AddNullToObject(o, "customer") != NULL;
    }
    if (ok && x->printer.id) {
        cJSON *p = cJSON_AddObjectToObject(o, "printer");
        ok = p && j_num(p, "id", (double)x->printer.id) && j_str(p, "name", x->printer.name) &&
             j_str(p, "brand", x->printer.brand) && j_str(p, "pincode", x->printer.pincode) &&
             j_bool(p, "is_active", x->printer.is_active);
    } else if (ok) {
        ok = cJSON_AddNullToObject(o, "printer") != NULL;
    }
    if (ok && x->model.id) {
        cJSON *m = cJSON_AddObjectToObject(o, "model");
        ok = m && j_num(m, "id", (double)x->model.id) && j_str(m, "name", x->model.name) &&
             j_str(m, "filename", x->model.filename) && j_str(m, "format", x->model.format);
    } else if (ok) {
        ok = cJSON_AddNullToObject(o, "model") != NULL;
    }
done:
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Appends the order's timeline to o (oldest first); staff see who acted. *shipped_at gets the time of the
 * latest "shipped" event (0 if none). */
static pf_err add_timeline(pf_store *st, pf_txn *t, cJSON *o, uint64_t order_id, view v, int64_t *shipped_at,
                           pf_errbuf *eb)
{
    cJSON *a = cJSON_AddArrayToObject(o, "timeline");
    if (!a) return PF_E_NOMEM;
    *shipped_at = 0;
    uint64_t before = 0;
    pf_err err = PF_E_OK;
    do {
        pf_order_event *ev = NULL;
        size_t n = 0;
        if ((err = pf_store_order_event_list_by_order(st, t, order_id, before, CHUNK, &ev, &n, &before, eb)))
            return err;
        for (size_t i = 0; i < n && !err; i++) {
            if (!*shipped_at && ev[i].status && !strcmp(ev[i].status, "shipped")) *shipped_at = ev[i].at;
            cJSON *e = cJSON_CreateObject();
            bool ok = e && j_str(e, "status", ev[i].status) && j_str(e, "message", ev[i].message) &&
                      j_time(e, "at", ev[i].at);
            if (ok && v == VIEW_STAFF)
                ok = j_num(e, "id", (double)ev[i].id) && j_id(e, "actor_id", ev[i].actor_id);
            /* The store lists newest first; the timeline reads oldest first. */
            if (!ok || !cJSON_InsertItemInArray(a, 0, e)) {
                cJSON_Delete(e);
                err = PF_E_NOMEM;
            }
        }
        pf_order_event_list_free(ev, n);
    } while (!err && before);
    return err;
}

static cJSON *note_json(const pf_order_note *n, view v)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && j_num(o, "id", (double)n->id) && j_str(o, "note", n->note) &&
              j_time(o, "created_at", n->created_at);
    if (ok && v == VIEW_STAFF)
        ok = j_num(o, "order_id", (double)n->order_id) && j_id(o, "author_id", n->author_id) &&
             j_bool(o, "is_internal", n->is_internal);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Appends the notes the view may see (customers: not internal), newest first, as array name. */
static pf_err add_notes(pf_store *st, pf_txn *t, cJSON *o, const char *name, uint64_t order_id, view v,
                        pf_errbuf *eb)
{
    cJSON *a = cJSON_AddArrayToObject(o, name);
    if (!a) return PF_E_NOMEM;
    uint64_t before = 0;
    pf_err err = PF_E_OK;
    do {
        pf_order_note *arr = NULL;
        size_t n = 0;
        if ((err = pf_store_order_note_list_by_order(st, t, order_id, before, CHUNK, &arr, &n, &before, eb)))
            return err;
        for (size_t i = 0; i < n && !err; i++)
            if ((v == VIEW_STAFF || !arr[i].is_internal) && !j_add(a, note_json(&arr[i], v)))
                err = PF_E_NOMEM;
        pf_order_note_list_free(arr, n);
    } while (!err && before);
    return err;
}

/* The full view of one order: fields, timeline, estimates (not for staff: they see the raw data), notes
 * (not on the tracking page). */
static pf_err detail_json(pf_req *r, pf_txn *t, const pf_order *ord, view v, cJSON **out)
{
    pf_store *st = pf_req_store(r);
    related x;
    pf_err err = related_load(st, t, ord, v, &x, EB(r));
    cJSON *o = err ? NULL : order_json(ord, v, &x);
    int64_t shipped_at = 0;
    if (!err && !o) err = PF_E_NOMEM;
    if (!err) err = add_timeline(st, t, o, ord->id, v, &shipped_at, EB(r));
    if (!err && !add_estimates(r, o, ord, shipped_at)) err = PF_E_NOMEM;
    if (!err && v != VIEW_PUBLIC) err = add_notes(st, t, o, "notes", ord->id, v, EB(r));
    related_clear(&x);
    if (err) {
        cJSON_Delete(o);
        return err;
    }
    *out = o;
    return PF_E_OK;
}

/* ---- reading one order ---- */

typedef struct one_ctx {
    pf_req *r;       /* request */
    uint64_t id;     /* order id (0: by tracking) */
    const char *trk; /* tracking number */
    uint64_t owner;  /* non-zero: the order must belong to this user (else 404) */
    view v;          /* view */
    cJSON *out;      /* result */
} one_ctx;

static pf_err one_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    one_ctx *x = c;
    pf_store *st = pf_req_store(x->r);
    pf_order o = {0};
    pf_err err;
    if (x->trk) {
        err = pf_store_order_by_tracking(st, t, x->trk, &o, eb);
        if (err == PF_E_NOT_FOUND) {
            /* Customers type codes in any case; tracking numbers are stored upper-case. */
            char up[128];
            size_t n = strnlen(x->trk, sizeof up - 1);
            for (size_t i = 0; i < n; i++)
                up[i] = (char)toupper((unsigned char)x->trk[i]);
            up[n] = 0;
            pf_order_clear(&o);
            err = strcmp(up, x->trk) ? pf_store_order_by_tracking(st, t, up, &o, eb) : PF_E_NOT_FOUND;
        }
    } else {
        err = pf_store_order_get(st, t, x->id, &o, eb);
    }
    if (err == PF_E_NOT_FOUND || (!err && x->owner && o.user_id != x->owner)) {
        err = pf_errf(eb, PF_E_NOT_FOUND, "no such order");
        goto done;
    }
    if (!err) err = detail_json(x->r, t, &o, x->v, &x->out);
done:
    pf_order_clear(&o);
    return err;
}

static pf_err one_run(pf_req *r, pf_resp *w, one_ctx *x)
{
    x->r = r;
    pf_err err = pf_store_read(pf_req_store(r), one_txn, x, EB(r));
    return err ? err : pf_resp_json(w, 200, x->out);
}

static pf_err track(pf_req *r, pf_resp *w)
{
    const char *trk = pf_req_param(r, "trackingNo");
    if (!trk || !*trk || strlen(trk) > 64) return pf_errf(EB(r), PF_E_NOT_FOUND, "no such order");
    one_ctx x = {.trk = trk, .v = VIEW_PUBLIC};
    return one_run(r, w, &x);
}

static pf_err user_order_get(pf_req *r, pf_resp *w)
{
    one_ctx x = {.owner = pf_req_principal(r)->user.id, .v = VIEW_CUSTOMER};
    pf_err err = pf_req_param_id(r, "id", &x.id);
    return err ? err : one_run(r, w, &x);
}

static pf_err staff_order_get(pf_req *r, pf_resp *w)
{
    one_ctx x = {.v = VIEW_STAFF};
    pf_err err = pf_req_param_id(r, "id", &x.id);
    return err ? err : one_run(r, w, &x);
}

/* ---- lists ---- */

enum { SORT_NEWEST, SORT_OLDEST, SORT_TOTAL };

/* A list query. */
typedef struct list_q {
    int status;     /* status filter, -1 = any */
    const char *q;  /* search text (tracking, customer email, filename), NULL = none */
    int sort;       /* SORT_* */
    uint64_t page;  /* 1-based */
    uint64_t limit; /* page size */
    uint64_t user;  /* only this customer's orders, 0 = all */
} list_q;

static pf_err list_query(pf_req *r, bool staff, list_q *out)
{
    list_q q = {.status = -1, .sort = SORT_NEWEST};
    pf_err err;
    if ((err = pf_req_query_uint(r, "page", 1, 1000000, 1, &q.page)) ||
        (err = pf_req_query_uint(r, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT, &q.limit)))
        return err;
    const char *s = pf_req_query(r, "status");
    if (s && *s && strcmp(s, "all") && (q.status = status_of(s)) < 0)
        return pf_errf(
            EB(r), PF_E_INVALID_FIELD,
            "status: one of pending, confirmed, printing, post_processing, shipped, delivered, cancelled");
    if (staff) {
        const char *qs = pf_req_query(r, "q"), *so = pf_req_query(r, "sort");
        if (qs && strlen(qs) > 200) return pf_errf(EB(r), PF_E_INVALID_FIELD, "q: at most 200 characters");
        if (qs && *qs) q.q = qs;
        if (!so || !*so || !strcmp(so, "newest"))
            q.sort = SORT_NEWEST;
        else if (!strcmp(so, "oldest"))
            q.sort = SORT_OLDEST;
        else if (!strcmp(so, "total"))
            q.sort = SORT_TOTAL;
        else
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "sort: newest, oldest or total");
    }
    *out = q;
    return PF_E_OK;
}

/* One match of a list scan. */
typedef struct hit {
    uint64_t id;   /* order id */
    int64_t total; /* for sort=total */
} hit;

typedef struct list_ctx {
    pf_req *r;      /* request */
    list_q q;       /* query */
    view v;         /* view of the items */
    hit *hits;      /* matches */
    size_t n, cap;  /* count and capacity of hits */
    uint64_t *uids; /* q: ids of customers whose email matches, sorted */
    size_t nuids;   /* their count */
    cJSON *out;     /* result */
} list_ctx;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_hit(const void *a, const void *b, int sort)
{
    const hit *x = a, *y = b;
    if (sort == SORT_TOTAL && x->total != y->total) return x->total > y->total ? -1 : 1;
    if (sort == SORT_OLDEST) return x->id < y->id ? -1 : x->id > y->id;
    return x->id > y->id ? -1 : x->id < y->id;
}
static int cmp_hit_total(const void *a, const void *b)
{
    return cmp_hit(a, b, SORT_TOTAL);
}
static int cmp_hit_oldest(const void *a, const void *b)
{
    return cmp_hit(a, b, SORT_OLDEST);
}

/* Customers whose email contains q (case-insensitive), for the search. */
static pf_err email_matches(pf_store *st, pf_txn *t, list_ctx *x, pf_errbuf *eb)
{
    uint64_t before = 0;
    pf_err err = PF_E_OK;
    size_t cap = 0;
    do {
        pf_user *u = NULL;
        size_t n = 0;
        if ((err = pf_store_user_list(st, t, before, CHUNK, &u, &n, &before, eb))) return err;
        for (size_t i = 0; i < n && !err; i++) {
            if (!ci_contains(u[i].email, x->q.q)) continue;
            if (x->nuids == cap) {
                size_t nc = cap ? cap * 2 : 16;
                uint64_t *g = realloc(x->uids, nc * sizeof *g);
                if (!g) {
                    err = PF_E_NOMEM;
                    break;
                }
                x->uids = g, cap = nc;
            }
            x->uids[x->nuids++] = u[i].id;
        }
        pf_user_list_free(u, n);
    } while (!err && before);
    if (!err && x->nuids) qsort(x->uids, x->nuids, sizeof *x->uids, cmp_u64);
    return err;
}

static bool list_match(const list_ctx *x, const pf_order *o)
{
    if (x->q.status >= 0 && (!o->status || strcmp(o->status, status_names[x->q.status]))) return false;
    if (x->q.user && o->user_id != x->q.user) return false;
    if (!x->q.q) return true;
    char idbuf[24];
    snprintf(idbuf, sizeof idbuf, "%llu", (unsigned long long)o->id);
    return ci_contains(o->tracking_no, x->q.q) || ci_contains(o->filename, x->q.q) ||
           !strcmp(idbuf, x->q.q) ||
           (x->nuids && bsearch(&o->user_id, x->uids, x->nuids, sizeof *x->uids, cmp_u64));
}

static pf_err list_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    list_ctx *x = c;
    pf_store *st = pf_req_store(x->r);
    pf_err err = PF_E_OK;
    if (x->q.q && (err = email_matches(st, t, x, eb))) return err;
    /* Scan through the narrowest index: the customer's, else the status', else every order. */
    uint64_t before = 0;
    do {
        pf_order *o = NULL;
        size_t n = 0;
        if (x->q.user)
            err = pf_store_order_list_by_user(st, t, x->q.user, before, CHUNK, &o, &n, &before, eb);
        else if (x->q.status >= 0)
            err = pf_store_order_list_by_status(st, t, status_names[x->q.status], before, CHUNK, &o, &n,
                                                &before, eb);
        else
            err = pf_store_order_list(st, t, before, CHUNK, &o, &n, &before, eb);
        if (err) return err;
        for (size_t i = 0; i < n && !err; i++) {
            if (!list_match(x, &o[i])) continue;
            if (x->n == x->cap) {
                size_t nc = x->cap ? x->cap * 2 : 64;
                hit *g = realloc(x->hits, nc * sizeof *g);
                if (!g) {
                    err = PF_E_NOMEM;
                    break;
                }
                x->hits = g, x->cap = nc;
            }
            x->hits[x->n++] = (hit){o[i].id, o[i].total};
        }
        pf_order_list_free(o, n);
    } while (!err && before);
    if (err) return err;
    if (x->q.sort == SORT_TOTAL) qsort(x->hits, x->n, sizeof *x->hits, cmp_hit_total);
    if (x->q.sort == SORT_OLDEST) qsort(x->hits, x->n, sizeof *x->hits, cmp_hit_oldest);

    cJSON *out = cJSON_CreateObject(), *a = out ? cJSON_AddArrayToObject(out, "orders") : NULL;
    uint64_t pages = (x->n + x->q.limit - 1) / x->q.limit;
    bool ok = a && j_num(out, "total", (double)x->n) && j_num(out, "page", (double)x->q.page) &&
              j_num(out, "limit", (double)x->q.limit) && j_num(out, "pages", (double)pages);
    if (!ok) err = PF_E_NOMEM;
    uint64_t from = (x->q.page - 1) * x->q.limit;
    for (uint64_t i = from; !err && i < x->n && i < from + x->q.limit; i++) {
        pf_order o = {0};
        related rel;
        if ((err = pf_store_order_get(st, t, x->hits[i].id, &o, eb))) break;
        if (!(err = related_load(st, t, &o, x->v, &rel, eb))) {
            if (!j_add(a, order_json(&o, x->v, &rel))) err = PF_E_NOMEM;
            related_clear(&rel);
        }
        pf_order_clear(&o);
    }
    if (err) {
        cJSON_Delete(out);
        return err;
    }
    x->out = out;
    return PF_E_OK;
}

static pf_err list_run(pf_req *r, pf_resp *w, bool staff)
{
    list_ctx x = {.r = r, .v = staff ? VIEW_STAFF : VIEW_CUSTOMER};
    pf_err err = list_query(r, staff, &x.q);
    if (err) return err;
    if (!staff) x.q.user = pf_req_principal(r)->user.id;
    err = pf_store_read(pf_req_store(r), list_txn, &x, EB(r));
    free(x.hits);
    free(x.uids);
    return err ? err : pf_resp_json(w, 200, x.out);
}

static pf_err user_orders(pf_req *r, pf_resp *w)
{
    return list_run(r, w, false);
}

static pf_err staff_orders(pf_req *r, pf_resp *w)
{
    return list_run(r, w, true);
}

/* ---- a group ---- */

typedef struct group_ctx {
    pf_req *r;   /* request */
    uint64_t id; /* group id */
    cJSON *out;  /* result */
} group_ctx;

static pf_err group_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    group_ctx *x = c;
    pf_store *st = pf_req_store(x->r);
    pf_order_group g = {0};
    pf_err err = pf_store_order_group_get(st, t, x->id, &g, eb);
    if (err == PF_E_NOT_FOUND) return pf_errf(eb, PF_E_NOT_FOUND, "no such order group");
    if (err) return err;
    cJSON *o = cJSON_CreateObject(), *a = NULL;
    bool ok = o && j_num(o, "id", (double)g.id) && j_num(o, "user_id", (double)g.user_id) &&
              j_inr(o, "total", g.total) && j_bool(o, "paid", g.paid) &&
              j_time(o, "created_at", g.created_at) && (a = cJSON_AddArrayToObject(o, "orders"));
    pf_order_group_clear(&g);
    if (!ok) err = PF_E_NOMEM;
    uint64_t before = 0;
    while (!err) {
        pf_order *arr = NULL;
        size_t n = 0;
        if ((err = pf_store_order_list_by_group(st, t, x->id, before, CHUNK, &arr, &n, &before, eb))) break;
        for (size_t i = 0; i < n && !err; i++) {
            related rel;
            if ((err = related_load(st, t, &arr[i], VIEW_STAFF, &rel, eb))) break;
            /* Oldest first: the cart's item order. */
            cJSON *one = order_json(&arr[i], VIEW_STAFF, &rel);
            if (!one || !cJSON_InsertItemInArray(a, 0, one)) {
                cJSON_Delete(one);
                err = PF_E_NOMEM;
            }
            related_clear(&rel);
        }
        pf_order_list_free(arr, n);
        if (!before) break;
    }
    if (err) {
        cJSON_Delete(o);
        return err;
    }
    x->out = o;
    return PF_E_OK;
}

static pf_err staff_group_get(pf_req *r, pf_resp *w)
{
    group_ctx x = {.r = r};
    pf_err err = pf_req_param_id(r, "group_id", &x.id);
    if (!err) err = pf_store_read(pf_req_store(r), group_txn, &x, EB(r));
    return err ? err : pf_resp_json(w, 200, x.out);
}

/* ---- emails (after commit) ---- */

/* The customer's address, or false when the account is gone. */
static bool customer_email(pf_req *r, uint64_t uid, char *out, size_t len)
{
    pf_user u = {0};
    pf_errbuf ignore;
    if (pf_store_user_get(pf_req_store(r), NULL, uid, &u, &ignore)) return false;
    bool ok = u.email && *u.email;
    if (ok) snprintf(out, len, "%s", u.email);
    pf_user_clear(&u);
    return ok;
}

/* Tells the customer about a status change the customer cares about. Failures are logged, not returned. */
static void mail_status(pf_req *r, const pf_order *o, const pf_shipping_partner *partner)
{
    int s = status_of(o->status);
    if (s != ST_CONFIRMED && s != ST_PRINTING && s != ST_SHIPPED && s != ST_DELIVERED && s != ST_CANCELLED)
        return;
    char to[300], subject[200], body[2048], base[512], extra[1024] = "";
    if (!customer_email(r, o->user_id, to, sizeof to)) return;
    const char *shop = pf_req_setting(r, "site.name", "PrintForge Studio");
    bool pickup = o->fulfillment && !strcmp(o->fulfillment, "pickup");
    const char *what;
    switch (s) {
    case ST_CONFIRMED:
        what = "is confirmed";
        snprintf(extra, sizeof extra, "It is queued for printing; we will write again when it starts.\n");
        break;
    case ST_PRINTING:
        what = "is printing";
        snprintf(extra, sizeof extra, "Your part is on the printer now.\n");
        break;
    case ST_SHIPPED:
        if (pickup) {
            what = "is ready for pickup";
            snprintf(extra, sizeof extra,
                     "Your part is ready: collect it at the shop with this tracking number.\n");
        } else {
            what = "has shipped";
            snprintf(extra, sizeof extra, "Carrier: %s\nCarrier tracking number: %s\n%s%s%s",
                     partner && partner->name ? partner->name : "our courier",
                     o->carrier_tracking ? o->carrier_tracking : "(will follow)",
                     o->carrier_url ? "Track the parcel: " : "", o->carrier_url ? o->carrier_url : "",
                     o->carrier_url ? "\n" : "");
        }
        break;
    case ST_DELIVERED:
        what = "was delivered";
        snprintf(extra, sizeof extra, "Thank you for printing with us.\n");
        break;
    default:
        what = "was cancelled";
        snprintf(extra, sizeof extra, "%s",
                 o->paid ? "Your payment will be refunded to the account it came from.\n"
                         : "No payment was taken for it.\n");
        break;
    }
    snprintf(subject, sizeof subject, "Order %s %s", o->tracking_no ? o->tracking_no : "", what);
    snprintf(body, sizeof body,
             "Hello,\n\nYour %s order %s (%s, %s, %llu pc) %s.\n%s\nTrack it any time: %s/track/%s\n\n%s\n",
             shop, o->tracking_no ? o->tracking_no : "", o->material ? o->material : "",
             o->color ? o->color : "", (unsigned long long)o->quantity, what, extra,
             pf_account_site_url(r, base, sizeof base), o->tracking_no ? o->tracking_no : "", shop);
    pf_account_mail(r, to, subject, body);
}

/* The "payment confirmed" email for the orders just paid (one email per customer call). */
static void mail_paid(pf_req *r, const pf_order *o, size_t n)
{
    if (!n) return;
    char to[300], subject[200], body[4096], base[512], amount[32];
    if (!customer_email(r, o[0].user_id, to, sizeof to)) return;
    const char *shop = pf_req_setting(r, "site.name", "PrintForge Studio");
    int64_t sum = 0;
    size_t len = 0;
    char lines[2048] = "";
    for (size_t i = 0; i < n; i++) {
        sum += o[i].total;
        rupees(o[i].total, amount, sizeof amount);
        if (len < sizeof lines)
            len +=
                (size_t)snprintf(lines + len, sizeof lines - len, "  %s  %s %s x%llu  Rs %s\n",
                                 o[i].tracking_no ? o[i].tracking_no : "", o[i].material ? o[i].material : "",
                                 o[i].color ? o[i].color : "", (unsigned long long)o[i].quantity, amount);
    }
    rupees(sum, amount, sizeof amount);
    snprintf(subject, sizeof subject, "Payment confirmed for order %s%s",
             o[0].tracking_no ? o[0].tracking_no : "", n > 1 ? " and others" : "");
    snprintf(
        body, sizeof body,
        "Hello,\n\nWe received your payment of Rs %s for %s %s%s. It is confirmed and goes to the printer "
        "next.\n\n%s\nTrack it any time: %s/track/%s\n\n%s\n",
        amount, n > 1 ? "orders" : "order", o[0].tracking_no ? o[0].tracking_no : "",
        n > 1 ? " and the others of your cart" : "", lines, pf_account_site_url(r, base, sizeof base),
        o[0].tracking_no ? o[0].tracking_no : "", shop);
    pf_account_mail(r, to, subject, body);
}

/* ---- status ---- */

typedef struct status_ctx {
    pf_store *st;        /* store */
    uint64_t id;         /* order */
    int to;              /* requested status */
    const char *message; /* staff text for the timeline, NULL = default */
    uint64_t actor;      /* who */
} status_ctx;

static const char *status_message(int s, const pf_order *o)
{
    bool pickup = o->fulfillment && !strcmp(o->fulfillment, "pickup");
    switch (s) {
    case ST_CONFIRMED:
        return "Order confirmed";
    case ST_PRINTING:
        return "Printing started";
    case ST_POST:
        return "Printed; finishing and quality check";
    case ST_SHIPPED:
        return pickup ? "Ready for pickup" : "Shipped";
    case ST_DELIVERED:
        return pickup ? "Picked up" : "Delivered";
    case ST_CANCELLED:
        return "Order cancelled";
    default:
        return "Order placed";
    }
}

/* Appends an event for o inside t. */
static pf_err event_put(pf_store *st, pf_txn *t, const pf_order *o, const char *message, uint64_t actor,
                        int64_t at, pf_errbuf *eb)
{
    pf_order_event e = {
        .order_id = o->id, .status = o->status, .message = (char *)message, .actor_id = actor, .at = at};
    return pf_store_order_event_put(st, t, &e, eb); /* the strings stay borrowed: nothing to clear */
}

/* Replaces o->status with a static name (the record's string is owned: swap in a copy). */
static pf_err set_status(pf_order *o, int s, pf_errbuf *eb)
{
    char *d = strdup(status_names[s]);
    if (!d) return pf_errf(eb, PF_E_NOMEM, "status");
    free(o->status);
    o->status = d;
    return PF_E_OK;
}

/* A paid group whose orders are all paid (cancelled ones need no payment) is marked paid, inside t. */
static pf_err group_settle(pf_store *st, pf_txn *t, uint64_t group_id, pf_errbuf *eb)
{
    if (!group_id) return PF_E_OK;
    bool all = true, any = false;
    uint64_t before = 0;
    pf_err err;
    do {
        pf_order *arr = NULL;
        size_t n = 0;
        if ((err = pf_store_order_list_by_group(st, t, group_id, before, CHUNK, &arr, &n, &before, eb)))
            return err;
        for (size_t i = 0; i < n; i++) {
            if (arr[i].status && !strcmp(arr[i].status, "cancelled")) continue;
            any |= arr[i].paid;
            all &= arr[i].paid;
        }
        pf_order_list_free(arr, n);
    } while (before);
    pf_order_group g = {0};
    pf_errbuf ignore;
    if ((err = pf_store_order_group_get(st, t, group_id, &g, &ignore)))
        return err == PF_E_NOT_FOUND ? PF_E_OK : pf_errf(eb, err, "%s", ignore.msg);
    bool paid = all && any;
    if (g.paid != paid) {
        g.paid = paid;
        err = pf_store_order_group_put(st, t, &g, eb);
    }
    pf_order_group_clear(&g);
    return err;
}

/* Gives back the coupon use of a cancelled order inside t (coupon.used and the customer's counter
 * "coupon_use:<coupon id>:<user id>"), so the customer can redeem it again. A cart redeems its coupon once:
 * the use comes back when the group's last order is cancelled. A coupon deleted since is ignored. */
static pf_err coupon_release(pf_store *st, pf_txn *t, const pf_order *o, pf_errbuf *eb)
{
    if (!o->coupon_code || !*o->coupon_code) return PF_E_OK;
    pf_err err;
    uint64_t before = 0;
    while (o->group_id) {
        pf_order *arr = NULL;
        size_t n = 0;
        bool open = false;
        if ((err = pf_store_order_list_by_group(st, t, o->group_id, before, CHUNK, &arr, &n, &before, eb)))
            return err;
        for (size_t i = 0; i < n; i++)
            open |= status_of(arr[i].status) != ST_CANCELLED;
        pf_order_list_free(arr, n);
        if (open) return PF_E_OK;
        if (!before) break;
    }
    pf_coupon c = {0};
    pf_errbuf ignore;
    if ((err = pf_store_coupon_by_code(st, t, o->coupon_code, &c, &ignore)))
        return err == PF_E_NOT_FOUND ? PF_E_OK : pf_errf(eb, err, "%s", ignore.msg);
    if (c.used > 0) {
        c.used--;
        err = pf_store_coupon_put(st, t, &c, eb);
    }
    char name[96];
    uint64_t v = 0;
    snprintf(name, sizeof name, "coupon_use:%llu:%llu", (unsigned long long)c.id,
             (unsigned long long)o->user_id);
    if (!err) err = pf_store_counter_get(st, t, name, &v, eb);
    if (!err && v > 0) err = pf_store_counter_add(st, t, name, -1, NULL, eb);
    pf_coupon_clear(&c);
    return err;
}

static pf_err status_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    status_ctx *x = c;
    pf_order o = {0};
    pf_err err = pf_store_order_get(x->st, t, x->id, &o, eb);
    if (err == PF_E_NOT_FOUND) err = pf_errf(eb, PF_E_NOT_FOUND, "no such order");
    if (!err) err = transition_check(status_of(o.status), x->to, eb);
    if (!err) err = set_status(&o, x->to, eb);
    if (!err) {
        o.updated_at = now_s();
        err = pf_store_order_put(x->st, t, &o, eb);
    }
    if (!err)
        err = event_put(x->st, t, &o, x->message ? x->message : status_message(x->to, &o), x->actor,
                        o.updated_at, eb);
    /* A cancelled order no longer holds its group's payment back. */
    if (!err && x->to == ST_CANCELLED) err = group_settle(x->st, t, o.group_id, eb);
    if (!err && x->to == ST_CANCELLED) err = coupon_release(x->st, t, &o, eb);
    pf_order_clear(&o);
    return err;
}

/* After a change: the staff view of the order as the response. */
static pf_err respond_staff(pf_req *r, pf_resp *w, uint64_t id)
{
    one_ctx x = {.id = id, .v = VIEW_STAFF};
    return one_run(r, w, &x);
}

/* The order and its carrier as stored now (outside any transaction), for emails. */
static pf_err load_for_mail(pf_req *r, uint64_t id, pf_order *o, pf_shipping_partner *p)
{
    pf_errbuf ignore;
    pf_err err = pf_store_order_get(pf_req_store(r), NULL, id, o, EB(r));
    if (!err && o->shipping_partner_id &&
        pf_store_shipping_partner_get(pf_req_store(r), NULL, o->shipping_partner_id, p, &ignore))
        memset(p, 0, sizeof *p);
    return err;
}

static pf_err order_status(pf_req *r, pf_resp *w)
{
    status_ctx x = {.st = pf_req_store(r), .actor = actor_of(r)};
    const char *s = NULL;
    pf_err err;
    if ((err = pf_req_param_id(r, "id", &x.id))) return err;
    if ((err = pf_req_json_string(r, "status", true, &s)) ||
        (err = pf_req_json_string(r, "message", false, &x.message)))
        return err;
    if ((x.to = status_of(s)) < 0 || x.to == ST_PENDING)
        return pf_errf(EB(r), PF_E_INVALID_FIELD,
                       "status: one of confirmed, printing, post_processing, shipped, delivered, cancelled");
    if (x.message && (!*x.message || strlen(x.message) > MAX_MESSAGE))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "message: 1 to %d characters", MAX_MESSAGE);
    if ((err = pf_store_write(x.st, status_txn, &x, EB(r)))) return err;
    pf_order o = {0};
    pf_shipping_partner p = {0};
    if (!load_for_mail(r, x.id, &o, &p)) mail_status(r, &o, &p);
    pf_order_clear(&o);
    pf_shipping_partner_clear(&p);
    return respond_staff(r, w, x.id);
}

/* ---- carrier tracking ---- */

typedef struct tracking_ctx {
    pf_store *st;        /* store */
    uint64_t id;         /* order */
    const char *number;  /* carrier tracking number */
    const char *url;     /* explicit tracking page, NULL = from the partner's template */
    uint64_t partner_id; /* shipping partner, 0 = keep the order's */
    uint64_t actor;      /* who */
} tracking_ctx;

/* The partner's template with every "{tracking}" replaced by the URL-encoded number; NULL when there is no
 * template (or on NOMEM: *ok false). */
static char *template_fill(const char *tpl, const char *number, bool *ok)
{
    if (!tpl || !*tpl) return NULL;
    char enc[3 * MAX_CARRIER_NO + 1];
    size_t e = 0;
    for (const unsigned char *p = (const unsigned char *)number; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p))
            enc[e++] = (char)*p;
        else
            e += (size_t)snprintf(enc + e, sizeof enc - e, "%%%02X", *p);
    }
    enc[e] = 0;
    size_t n = 0, tl = strlen("{tracking}");
    for (const char *p = tpl; (p = strstr(p, "{tracking}")); p += tl)
        n++;
    char *out = malloc(strlen(tpl) + n * e + 1);
    if (!out) {
        *ok = false;
        return NULL;
    }
    char *d = out;
    for (const char *p = tpl;;) {
        const char *m = strstr(p, "{tracking}");
        size_t l = m ? (size_t)(m - p) : strlen(p);
        memcpy(d, p, l);
        d += l;
        if (!m) break;
        memcpy(d, enc, e);
        d += e;
        p = m + tl;
    }
    *d = 0;
    return out;
}

static pf_err tracking_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    tracking_ctx *x = c;
    pf_order o = {0};
    pf_shipping_partner p = {0};
    char *url = NULL, *num = NULL, msg[300];
    bool ok = true;
    pf_err err = pf_store_order_get(x->st, t, x->id, &o, eb);
    if (err == PF_E_NOT_FOUND) err = pf_errf(eb, PF_E_NOT_FOUND, "no such order");
    if (err) goto done;
    if (!strcmp(o.status ? o.status : "", "cancelled")) {
        err = pf_errf(eb, PF_E_CONFLICT, "the order is cancelled: nothing to track");
        goto done;
    }
    uint64_t pid = x->partner_id ? x->partner_id : o.shipping_partner_id;
    if (pid) {
        pf_errbuf ignore;
        err = pf_store_shipping_partner_get(x->st, t, pid, &p, &ignore);
        if (err == PF_E_NOT_FOUND && x->partner_id) {
            err = pf_errf(eb, PF_E_INVALID_FIELD, "shipping_id: no such shipping partner");
            goto done;
        }
        if (err == PF_E_NOT_FOUND) memset(&p, 0, sizeof p), err = PF_E_OK, pid = 0;
        if (err) {
            err = pf_errf(eb, err, "%s", ignore.msg);
            goto done;
        }
        if (x->partner_id && !p.is_active) {
            err = pf_errf(eb, PF_E_INVALID_FIELD, "shipping_id: %s is not an active shipping partner",
                          p.name ? p.name : "the partner");
            goto done;
        }
    }
    url = x->url ? dup_or_null(x->url, &ok) : template_fill(p.tracking_url, x->number, &ok);
    num = dup_or_null(x->number, &ok);
    if (!ok) {
        err = pf_errf(eb, PF_E_NOMEM, "tracking");
        goto done;
    }
    free(o.carrier_tracking);
    free(o.carrier_url);
    o.carrier_tracking = num, o.carrier_url = url, num = url = NULL;
    o.shipping_partner_id = pid;
    o.updated_at = now_s();
    if ((err = pf_store_order_put(x->st, t, &o, eb))) goto done;
    snprintf(msg, sizeof msg, "Carrier tracking %s%s%s", o.carrier_tracking, p.name ? " with " : "",
             p.name ? p.name : "");
    err = event_put(x->st, t, &o, msg, x->actor, o.updated_at, eb);
done:
    free(url);
    free(num);
    pf_shipping_partner_clear(&p);
    pf_order_clear(&o);
    return err;
}

static bool printable_no_space(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f) return false;
    return true;
}

static pf_err order_tracking(pf_req *r, pf_resp *w)
{
    tracking_ctx x = {.st = pf_req_store(r), .actor = actor_of(r)};
    double sid = 0;
    pf_err err;
    if ((err = pf_req_param_id(r, "id", &x.id))) return err;
    if ((err = pf_req_json_string(r, "tracking_number", true, &x.number)) ||
        (err = pf_req_json_string(r, "tracking_url", false, &x.url)) ||
        (err = pf_req_json_number(r, "shipping_id", false, &sid)))
        return err;
    size_t n = strlen(x.number);
    if (!n || n > MAX_CARRIER_NO || !printable_no_space(x.number))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "tracking_number: 1 to %d characters without spaces",
                       MAX_CARRIER_NO);
    if (x.url && !*x.url) x.url = NULL; /* "" = use the partner's template */
    if (x.url && (strlen(x.url) > MAX_URL || !printable_no_space(x.url) ||
                  (strncmp(x.url, "https://", 8) && strncmp(x.url, "http://", 7))))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "tracking_url: an http(s) URL of at most %d characters",
                       MAX_URL);
    if (sid != 0 && !(sid >= 1 && sid <= 9007199254740992.0 && floor(sid) == sid))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "shipping_id: a shipping partner id");
    x.partner_id = (uint64_t)sid;
    if ((err = pf_store_write(x.st, tracking_txn, &x, EB(r)))) return err;
    return respond_staff(r, w, x.id);
}

/* ---- part size (for printer fit) ---- */

/* The part's bounding box in mm: from its upload's analysis when the record is still there, else by reading
 * the order's model file. *known false when neither is available (the fit is then not judged). */
static pf_err part_dims(pf_req *r, const pf_order *o, double dims[3], bool *known)
{
    pf_store *st = pf_req_store(r);
    pf_errbuf ignore;
    *known = false;
    if (o->upload_id) {
        pf_upload u = {0};
        if (!pf_store_upload_get(st, NULL, o->upload_id, &u, &ignore) && u.dim_x_mm > 0 && u.dim_y_mm > 0 &&
            u.dim_z_mm > 0) {
            dims[0] = u.dim_x_mm, dims[1] = u.dim_y_mm, dims[2] = u.dim_z_mm;
            *known = true;
        }
        pf_upload_clear(&u);
        if (*known) return PF_E_OK;
    }
    static const pf_sha256 zero;
    if (!memcmp(&o->blob, &zero, sizeof zero)) return PF_E_OK;
    long mb = strtol(pf_req_setting(r, "site.max_file_size_mb", "50"), NULL, 10);
    size_t max = (size_t)(mb > 0 && mb <= 2048 ? mb : 50) << 20;
    pf_err err = pf_order_geom_blob_dims(st, &o->blob, max, dims, &ignore);
    *known = !err;
    /* An unreadable file is not the admin's fault here: the fit is just unknown. */
    return err == PF_E_NOMEM ? pf_errf(EB(r), PF_E_NOMEM, "model file") : PF_E_OK;
}

/* 1 fits as is, 2 fits turned 90° about Z, 0 does not, -1 unknown (dims unknown). */
static int printer_fit(const pf_printer *p, const double dims[3], bool known)
{
    if (!known) return -1;
    double bed[3] = {p->bed_x_mm, p->bed_y_mm, p->bed_z_mm};
    return pf_order_geom_fit(dims, bed);
}

/* ---- printer assignment ---- */

typedef struct printer_ctx {
    pf_store *st;     /* store */
    uint64_t id;      /* order */
    uint64_t printer; /* new printer, 0 = unassign */
    double dims[3];   /* part size */
    bool known;       /* dims known */
} printer_ctx;

static pf_err printer_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    printer_ctx *x = c;
    pf_order o = {0};
    pf_printer p = {0};
    pf_err err = pf_store_order_get(x->st, t, x->id, &o, eb);
    if (err == PF_E_NOT_FOUND) err = pf_errf(eb, PF_E_NOT_FOUND, "no such order");
    if (err) goto done;
    int s = status_of(o.status);
    if (!status_open(s)) {
        err = pf_errf(eb, PF_E_CONFLICT, "the order is %s: its printer can no longer change",
                      o.status ? o.status : "?");
        goto done;
    }
    if (x->printer) {
        pf_errbuf ignore;
        err = pf_store_printer_get(x->st, t, x->printer, &p, &ignore);
        if (err == PF_E_NOT_FOUND) {
            err = pf_errf(eb, PF_E_INVALID_FIELD, "printer_id: no such printer");
            goto done;
        }
        if (err) {
            err = pf_errf(eb, err, "%s", ignore.msg);
            goto done;
        }
        if (!p.is_active) {
            err = pf_errf(eb, PF_E_INVALID_FIELD, "printer_id: %s is not active",
                          p.name ? p.name : "the printer");
            goto done;
        }
        if (!pf_assign_has_material(&p, o.material)) {
            err = pf_errf(eb, PF_E_INVALID_FIELD, "printer_id: %s does not print %s",
                          p.name ? p.name : "the printer", o.material ? o.material : "this material");
            goto done;
        }
        if (!printer_fit(&p, x->dims, x->known)) {
            err = pf_errf(eb, PF_E_INVALID_FIELD,
                          "printer_id: the part (%.1f x %.1f x %.1f mm) does not fit the bed of %s (%.0f x "
                          "%.0f x %.0f mm), "
                          "even turned 90 degrees",
                          x->dims[0], x->dims[1], x->dims[2], p.name ? p.name : "the printer", p.bed_x_mm,
                          p.bed_y_mm, p.bed_z_mm);
            goto done;
        }
    }
    o.printer_id = x->printer;
    o.updated_at = now_s();
    err = pf_store_order_put(x->st, t, &o, eb);
done:
    pf_printer_clear(&p);
    pf_order_clear(&o);
    return err;
}

static pf_err order_printer(pf_req *r, pf_resp *w)
{
    printer_ctx x = {.st = pf_req_store(r)};
    pf_err err;
    if ((err = pf_req_param_id(r, "id", &x.id))) return err;
    const cJSON *b = pf_req_json(r), *v = b ? cJSON_GetObjectItemCaseSensitive(b, "printer_id") : NULL;
    if (!v)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "printer_id: required (a printer id, or null to unassign)");
    if (!cJSON_IsNull(v)) {
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 && v->valuedouble <= 9007199254740992.0) ||
            floor(v->valuedouble) != v->valuedouble)
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "printer_id: a printer id, or null to unassign");
        x.printer = (uint64_t)v->valuedouble;
    }
    pf_order o = {0};
    if ((err = pf_store_order_get(x.st, NULL, x.id, &o, EB(r))))
        return err == PF_E_NOT_FOUND ? pf_errf(EB(r), PF_E_NOT_FOUND, "no such order") : err;
    if (x.printer) err = part_dims(r, &o, x.dims, &x.known);
    pf_order_clear(&o);
    if (!err) err = pf_store_write(x.st, printer_txn, &x, EB(r));
    return err ? err : respond_staff(r, w, x.id);
}

/* ---- payment ---- */

typedef struct paid_ctx {
    pf_store *st;      /* store */
    uint64_t id;       /* order */
    bool group;        /* pay every unpaid order of its group too */
    const char *ref;   /* payment reference (UPI transaction id), NULL = none */
    uint64_t actor;    /* who */
    uint64_t *paid;    /* ids marked paid (capacity cap) */
    size_t npaid, cap; /* count and capacity */
} paid_ctx;

/* Marks o paid inside t: paid_at, reference, pending -> confirmed, one event. */
static pf_err pay_one(paid_ctx *x, pf_txn *t, pf_order *o, int64_t now, pf_errbuf *eb)
{
    bool ok = true;
    pf_err err = PF_E_OK;
    o->paid = true;
    o->paid_at = now;
    o->updated_at = now;
    if (x->ref) {
        free(o->payment_ref);
        o->payment_ref = dup_or_null(x->ref, &ok);
        if (!ok) return pf_errf(eb, PF_E_NOMEM, "payment");
    }
    bool confirm = status_of(o->status) == ST_PENDING;
    if (confirm && (err = set_status(o, ST_CONFIRMED, eb))) return err;
    if ((err = pf_store_order_put(x->st, t, o, eb))) return err;
    if ((err = event_put(x->st, t, o, confirm ? "Payment received; order confirmed" : "Payment received",
                         x->actor, now, eb)))
        return err;
    if (x->npaid == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 8;
        uint64_t *g = realloc(x->paid, nc * sizeof *g);
        if (!g) return pf_errf(eb, PF_E_NOMEM, "payment");
        x->paid = g, x->cap = nc;
    }
    x->paid[x->npaid++] = o->id;
    return PF_E_OK;
}

static pf_err paid_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    paid_ctx *x = c;
    x->npaid = 0; /* the body may run again after the map grew */
    pf_order o = {0};
    int64_t now = now_s();
    pf_err err = pf_store_order_get(x->st, t, x->id, &o, eb);
    if (err == PF_E_NOT_FOUND) err = pf_errf(eb, PF_E_NOT_FOUND, "no such order");
    if (err) goto done;
    if (status_of(o.status) == ST_CANCELLED) {
        err = pf_errf(eb, PF_E_CONFLICT, "the order is cancelled: it cannot be marked paid");
        goto done;
    }
    if (o.paid && !(x->group && o.group_id)) {
        err = pf_errf(eb, PF_E_CONFLICT, "the order is already paid");
        goto done;
    }
    if (!o.paid && (err = pay_one(x, t, &o, now, eb))) goto done;
    if (x->group && o.group_id) {
        uint64_t before = 0;
        do {
            pf_order *arr = NULL;
            size_t n = 0;
            if ((err = pf_store_order_list_by_group(x->st, t, o.group_id, before, CHUNK, &arr, &n, &before,
                                                    eb)))
                goto done;
            for (size_t i = 0; i < n && !err; i++)
                if (arr[i].id != o.id && !arr[i].paid && status_of(arr[i].status) != ST_CANCELLED)
                    err = pay_one(x, t, &arr[i], now, eb);
            pf_order_list_free(arr, n);
        } while (!err && before);
        if (err) goto done;
        if (!x->npaid) {
            err = pf_errf(eb, PF_E_CONFLICT, "every order of the group is already paid");
            goto done;
        }
    }
    err = group_settle(x->st, t, o.group_id, eb);
done:
    pf_order_clear(&o);
    return err;
}

static pf_err order_paid(pf_req *r, pf_resp *w)
{
    paid_ctx x = {.st = pf_req_store(r), .actor = actor_of(r)};
    pf_err err;
    if ((err = pf_req_param_id(r, "id", &x.id))) return err;
    if ((err = pf_req_json_string(r, "payment_ref", false, &x.ref)) ||
        (err = pf_req_json_bool(r, "group", false, &x.group)))
        return err;
    if (x.ref && !*x.ref) x.ref = NULL;
    if (x.ref && (strlen(x.ref) > 100 || !printable_no_space(x.ref)))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "payment_ref: at most 100 characters without spaces");
    err = pf_store_write(x.st, paid_txn, &x, EB(r));
    if (!err) {
        pf_order *paid = calloc(x.npaid ? x.npaid : 1, sizeof *paid);
        size_t n = 0;
        for (size_t i = 0; paid && i < x.npaid; i++)
            if (!pf_store_order_get(x.st, NULL, x.paid[i], &paid[n], EB(r))) n++;
        mail_paid(r, paid, n);
        pf_order_list_free(paid, n);
    }
    free(x.paid);
    return err ? err : respond_staff(r, w, x.id);
}

/* ---- notes ---- */

typedef struct note_ctx {
    pf_req *r;          /* request */
    uint64_t id;        /* order */
    pf_order_note note; /* to add (strings borrowed), id 0 = list instead */
    bool add;           /* add rather than list */
    cJSON *out;         /* result */
} note_ctx;

static pf_err note_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    note_ctx *x = c;
    pf_store *st = pf_req_store(x->r);
    pf_order o = {0};
    pf_err err = pf_store_order_get(st, t, x->id, &o, eb);
    pf_order_clear(&o);
    if (err == PF_E_NOT_FOUND) return pf_errf(eb, PF_E_NOT_FOUND, "no such order");
    if (err) return err;
    if (x->add) {
        pf_order_note n = x->note;
        n.id = 0;
        if ((err = pf_store_order_note_put(st, t, &n, eb))) return err;
        x->note.id = n.id;
        return PF_E_OK;
    }
    cJSON *out = cJSON_CreateObject();
    if (!out) return PF_E_NOMEM;
    if ((err = add_notes(st, t, out, "notes", x->id, VIEW_STAFF, eb))) {
        cJSON_Delete(out);
        return err;
    }
    x->out = out;
    return PF_E_OK;
}

static pf_err notes_list(pf_req *r, pf_resp *w)
{
    note_ctx x = {.r = r};
    pf_err err = pf_req_param_id(r, "id", &x.id);
    if (!err) err = pf_store_read(pf_req_store(r), note_txn, &x, EB(r));
    return err ? err : pf_resp_json(w, 200, x.out);
}

static pf_err notes_add(pf_req *r, pf_resp *w)
{
    note_ctx x = {.r = r, .add = true};
    const char *text = NULL;
    bool internal = true;
    pf_err err;
    if ((err = pf_req_param_id(r, "id", &x.id))) return err;
    if ((err = pf_req_json_string(r, "note", true, &text)) ||
        (err = pf_req_json_bool(r, "is_internal", false, &internal)))
        return err;
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1]))
        n--;
    if (!n || strlen(text) > MAX_NOTE)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "note: 1 to %d characters", MAX_NOTE);
    x.note = (pf_order_note){.order_id = x.id,
                             .author_id = actor_of(r),
                             .note = (char *)text,
                             .is_internal = internal,
                             .created_at = now_s()};
    if ((err = pf_store_write(pf_req_store(r), note_txn, &x, EB(r)))) return err;
    cJSON *o = note_json(&x.note, VIEW_STAFF);
    return o ? pf_resp_json(w, 201, o) : PF_E_NOMEM;
}

/* ---- eligible printers ---- */

typedef struct elig_ctx {
    pf_store *st;        /* store */
    pf_assign_part part; /* the order as the ranking sees it */
    pf_assign_cand *c;   /* ranking */
    size_t n;            /* its length */
} elig_ctx;

static pf_err elig_txn(pf_txn *t, void *ctx, pf_errbuf *eb)
{
    elig_ctx *x = ctx;
    pf_assign_free(x->c, x->n); /* a re-run starts afresh */
    x->c = NULL, x->n = 0;
    return pf_assign_rank(x->st, t, &x->part, &x->c, &x->n, eb);
}

static pf_err eligible_printers(pf_req *r, pf_resp *w)
{
    uint64_t id;
    pf_err err = pf_req_param_id(r, "id", &id);
    if (err) return err;
    pf_order o = {0};
    if ((err = pf_store_order_get(pf_req_store(r), NULL, id, &o, EB(r))))
        return err == PF_E_NOT_FOUND ? pf_errf(EB(r), PF_E_NOT_FOUND, "no such order") : err;
    bool ship = o.fulfillment && !strcmp(o.fulfillment, "shipping") && o.ship_zip && *o.ship_zip;
    elig_ctx x = {.st = pf_req_store(r),
                  .part = {.material = o.material,
                           .order_id = o.id,
                           .dest_pin = ship ? o.ship_zip
                                            : pf_req_setting(r, "shipping.origin_pin",
                                                             pf_req_setting(r, "company.pincode", ""))}};
    cJSON *out = NULL;
    if ((err = part_dims(r, &o, x.part.dims, &x.part.known))) goto done;
    if ((err = pf_store_read(pf_req_store(r), elig_txn, &x, EB(r)))) goto done;
    cJSON *a = NULL;
    out = cJSON_CreateObject();
    bool ok = out && j_num(out, "order_id", (double)o.id) && j_str(out, "material", o.material) &&
              j_str(out, "destination_pin", x.part.dest_pin && *x.part.dest_pin ? x.part.dest_pin : NULL);
    if (ok && x.part.known) {
        cJSON *d = cJSON_AddArrayToObject(out, "part_dims_mm");
        for (int k = 0; ok && k < 3; k++)
            ok = d && j_add(d, cJSON_CreateNumber(round(x.part.dims[k] * 100) / 100));
    } else if (ok) {
        ok = cJSON_AddNullToObject(out, "part_dims_mm") != NULL;
    }
    ok = ok && (a = cJSON_AddArrayToObject(out, "printers"));
    for (size_t i = 0; ok && i < x.n; i++) {
        const pf_assign_cand *c = &x.c[i];
        cJSON *p = cJSON_CreateObject(), *s = NULL;
        ok = p && j_num(p, "rank", (double)(i + 1)) && j_num(p, "id", (double)c->p.id) &&
             j_str(p, "name", c->p.name) && j_str(p, "brand", c->p.brand) &&
             j_str(p, "pincode", c->p.pincode) && j_bool(p, "is_active", c->p.is_active) &&
             j_bool(p, "compatible", c->compatible) && j_bool(p, "material_ok", c->material_ok) &&
             (c->fit < 0 ? cJSON_AddNullToObject(p, "fits") != NULL : j_bool(p, "fits", c->fit > 0)) &&
             j_bool(p, "rotated", c->fit == 2) && j_num(p, "open_orders", (double)c->load) &&
             j_bool(p, "assigned", o.printer_id == c->p.id) && (s = cJSON_AddObjectToObject(p, "scores")) &&
             j_num(s, "compatibility", c->compatible ? 100 : 0) &&
             j_num(s, "proximity", round(c->proximity * 10) / 10) &&
             j_num(s, "load", round(c->load_score * 10) / 10) && j_num(p, "score", c->score) &&
             j_num(p, "pin_match_digits", c->prefix) &&
             (c->distance_km >= 0 ? j_num(p, "distance_km", round(c->distance_km))
                                  : cJSON_AddNullToObject(p, "distance_km") != NULL);
        if (ok)
            ok = j_add(a, p);
        else
            cJSON_Delete(p);
    }
    if (!ok) err = PF_E_NOMEM;
done:
    pf_assign_free(x.c, x.n);
    pf_order_clear(&o);
    if (err) {
        cJSON_Delete(out);
        return err;
    }
    return pf_resp_json(w, 200, out);
}

/* ---- dashboard stats ---- */

typedef struct stats_ctx {
    pf_req *r;  /* request */
    cJSON *out; /* result */
} stats_ctx;

static pf_err stats_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    stats_ctx *x = c;
    pf_store *st = pf_req_store(x->r);
    uint64_t counts[ST_N] = {0}, orders = 0, paid_n = 0, unpaid_n = 0, before = 0;
    int64_t revenue = 0, gst = 0, ship = 0, today = 0, last30 = 0, outstanding = 0, now = now_s();
    int64_t midnight = now - (now + 19800) % DAY; /* India Standard Time, UTC+5:30 */
    pf_err err = PF_E_OK;
    do {
        pf_order *arr = NULL;
        size_t n = 0;
        if ((err = pf_store_order_list(st, t, before, CHUNK, &arr, &n, &before, eb))) return err;
        for (size_t i = 0; i < n; i++) {
            const pf_order *o = &arr[i];
            int s = status_of(o->status);
            orders++;
            if (s >= 0) counts[s]++;
            if (s == ST_CANCELLED) continue;
            if (o->paid) {
                int64_t at = o->paid_at ? o->paid_at : o->created_at;
                paid_n++;
                revenue += o->total, gst += o->gst + o->shipping_gst,
                    ship += o->shipping_cost + o->shipping_gst;
                if (at >= midnight) today += o->total;
                if (at >= now - 30 * DAY) last30 += o->total;
            } else {
                unpaid_n++;
                outstanding += o->total;
            }
        }
        pf_order_list_free(arr, n);
    } while (before);
    cJSON *out = cJSON_CreateObject(), *rev = NULL, *cnt = NULL, *recent = NULL;
    bool ok = out && (rev = cJSON_AddObjectToObject(out, "revenue")) && j_inr(rev, "total", revenue) &&
              j_inr(rev, "gst", gst) && j_inr(rev, "shipping", ship) && j_inr(rev, "today", today) &&
              j_inr(rev, "last_30_days", last30) && j_inr(rev, "outstanding", outstanding) &&
              j_num(rev, "paid_orders", (double)paid_n) && j_num(rev, "unpaid_orders", (double)unpaid_n) &&
              j_num(out, "orders_total", (double)orders) &&
              (cnt = cJSON_AddObjectToObject(out, "orders_by_status"));
    for (int s = 0; ok && s < ST_N; s++)
        ok = j_num(cnt, status_names[s], (double)counts[s]);
    ok = ok && (recent = cJSON_AddArrayToObject(out, "recent_orders"));
    pf_order *arr = NULL;
    size_t n = 0;
    if (ok && !(err = pf_store_order_list(st, t, 0, RECENT_ORDERS, &arr, &n, &before, eb))) {
        for (size_t i = 0; ok && i < n; i++) {
            related rel;
            if ((err = related_load(st, t, &arr[i], VIEW_STAFF, &rel, eb))) break;
            cJSON *o = cJSON_CreateObject();
            ok = o && j_num(o, "id", (double)arr[i].id) && j_str(o, "tracking_no", arr[i].tracking_no) &&
                 j_str(o, "status", arr[i].status) && j_inr(o, "total", arr[i].total) &&
                 j_bool(o, "paid", arr[i].paid) &&
                 j_str(o, "customer_email", rel.customer.id ? rel.customer.email : NULL) &&
                 j_str(o, "material", arr[i].material) && j_time(o, "created_at", arr[i].created_at);
            if (ok)
                ok = j_add(recent, o);
            else
                cJSON_Delete(o);
            related_clear(&rel);
        }
        pf_order_list_free(arr, n);
    }
    if (!err && !ok) err = PF_E_NOMEM;
    if (err) {
        cJSON_Delete(out);
        return err;
    }
    x->out = out;
    return PF_E_OK;
}

static pf_err admin_stats(pf_req *r, pf_resp *w)
{
    stats_ctx x = {.r = r};
    pf_err err = pf_store_read(pf_req_store(r), stats_txn, &x, EB(r));
    return err ? err : pf_resp_json(w, 200, x.out);
}

/* ---- routes ---- */

#define G PF_LIMIT_GENERAL
#define N PF_BODY_NONE
#define J PF_BODY_JSON
#define A PF_ACCESS_ADMIN
#define M PF_ACCESS_MODERATOR
#define U PF_ACCESS_USER
static const pf_route routes[] = {
    {PF_GET, "/api/track/:trackingNo", track, PF_ACCESS_PUBLIC, NULL, G, N, 0, NULL},
    {PF_GET, "/api/user/orders", user_orders, U, NULL, G, N, 0, NULL},
    {PF_GET, "/api/user/orders/:id", user_order_get, U, NULL, G, N, 0, NULL},
    {PF_GET, "/api/admin/stats", admin_stats, A, "admin:read", G, N, 0, NULL},
    /* group before :id/<action>: "/orders/group/notes" is a group, not order "group"'s notes */
    {PF_GET, "/api/admin/orders", staff_orders, A, "orders:read", G, N, 0, NULL},
    {PF_GET, "/api/admin/orders/group/:group_id", staff_group_get, A, "orders:read", G, N, 0, NULL},
    {PF_GET, "/api/admin/orders/:id", staff_order_get, A, "orders:read", G, N, 0, NULL},
    {PF_PATCH, "/api/admin/orders/:id/status", order_status, A, "orders:write", G, J, 0, NULL},
    {PF_PATCH, "/api/admin/orders/:id/tracking", order_tracking, A, "orders:write", G, J, 0, NULL},
    {PF_PATCH, "/api/admin/orders/:id/printer", order_printer, A, "orders:write", G, J, 0, NULL},
    {PF_PATCH, "/api/admin/orders/:id/paid", order_paid, A, "payment:write", G, J, 0, NULL},
    {PF_GET, "/api/admin/orders/:id/eligible-printers", eligible_printers, A, "orders:read", G, N, 0, NULL},
    {PF_GET, "/api/admin/orders/:id/notes", notes_list, A, "orders:read", G, N, 0, NULL},
    {PF_POST, "/api/admin/orders/:id/notes", notes_add, A, "orders:write", G, J, 0, NULL},
    {PF_GET, "/api/mod/orders", staff_orders, M, NULL, G, N, 0, NULL},
    {PF_GET, "/api/mod/orders/group/:group_id", staff_group_get, M, NULL, G, N, 0, NULL},
    {PF_GET, "/api/mod/orders/:id", staff_order_get, M, NULL, G, N, 0, NULL},
    {PF_PATCH, "/api/mod/orders/:id/status", order_status, M, NULL, G, J, 0, NULL},
    {PF_PATCH, "/api/mod/orders/:id/tracking", order_tracking, M, NULL, G, J, 0, NULL},
    {PF_PATCH, "/api/mod/orders/:id/paid", order_paid, M, NULL, G, J, 0, NULL},
    {PF_GET, "/api/mod/orders/:id/notes", notes_list, M, NULL, G, N, 0, NULL},
    {PF_POST, "/api/mod/orders/:id/notes", notes_add, M, NULL, G, J, 0, NULL},
};
#undef G
#undef N
#undef J
#undef A
#undef M
#undef U

const pf_route_table pf_api_order_routes = {routes, sizeof routes / sizeof routes[0]};
