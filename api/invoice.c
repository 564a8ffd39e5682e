/* GST tax invoices (PDF) for an order and for a cart group: the customer's own (/api/user/...) and the
 * admin's twins (/api/admin/..., scope orders:read). The orders' frozen price snapshots are the only source
 * of the figures; the seller comes from the company.* settings; engine/invoice.h adds up, splits the tax by
 * state and renders. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/routes.h"
#include "engine/invoice.h"
#include "engine/shipping.h"

#define EB(r) pf_req_eb(r)
/* Orders read per page of a group's index. */
#define GROUP_PAGE 64

/* What one invoice is made of, read in one snapshot. */
typedef struct inv_src {
    pf_store *st;       /* the store */
    uint64_t id;        /* order or group id asked for */
    bool group;         /* a cart group */
    uint64_t owner;     /* the caller for /api/user routes, 0 for admins (any owner) */
    pf_order_group grp; /* the group (group invoices) */
    pf_order *orders;   /* the orders invoiced, oldest first (cancelled ones left out) */
    size_t n, cap;      /* orders held and allocated */
    size_t cancelled;   /* orders of the group left out as cancelled */
    pf_user buyer;      /* the customer (zeroed when the account is gone) */
    char **model_names; /* per order: catalog model name when the order has no file name, else NULL */
} inv_src;

static void src_clear(inv_src *s)
{
    for (size_t i = 0; i < s->n; i++) {
        pf_order_clear(&s->orders[i]);
        if (s->model_names) free(s->model_names[i]);
    }
    free(s->orders);
    free(s->model_names);
    pf_order_group_clear(&s->grp);
    pf_user_clear(&s->buyer);
    s->orders = NULL, s->model_names = NULL, s->n = s->cap = s->cancelled = 0;
}

static bool blank(const char *s)
{
    if (!s) return true;
    while (isspace((unsigned char)*s))
        s++;
    return !*s;
}

static pf_err src_add(inv_src *s, pf_order *o, pf_errbuf *eb)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        pf_order *g = realloc(s->orders, cap * sizeof *g);
        if (!g) return pf_errf(eb, PF_E_NOMEM, "invoice orders");
        s->orders = g, s->cap = cap;
    }
    s->orders[s->n++] = *o;
    memset(o, 0, sizeof *o);
    return PF_E_OK;
}

/* Loads the order or the group's orders, the customer and catalog model names, all in one read snapshot.
 * Orders of another customer are NOT_FOUND, like orders that do not exist. */
static pf_err load(pf_txn *t, void *ctx, pf_errbuf *eb)
{
    inv_src *s = ctx;
    pf_order o = {0}, *page = NULL;
    size_t np = 0;
    pf_err err = PF_E_OK;
    src_clear(s);
    uint64_t customer;
    if (!s->group) {
        if ((err = pf_store_order_get(s->st, t, s->id, &o, eb))) {
            if (err == PF_E_NOT_FOUND) pf_errf(eb, err, "order %" PRIu64 " not found", s->id);
            goto done;
        }
        if (s->owner && o.user_id != s->owner) {
            err = pf_errf(eb, PF_E_NOT_FOUND, "order %" PRIu64 " not found", s->id);
            goto done;
        }
        if (o.status && !strcmp(o.status, "cancelled")) {
            err = pf_errf(eb, PF_E_CONFLICT, "order %" PRIu64 " is cancelled: it has no tax invoice", s->id);
            goto done;
        }
        customer = o.user_id;
        if ((err = src_add(s, &o, eb))) goto done;
    } else {
        if ((err = pf_store_order_group_get(s->st, t, s->id, &s->grp, eb))) {
            if (err == PF_E_NOT_FOUND) pf_errf(eb, err, "order group %" PRIu64 " not found", s->id);
            goto done;
        }
        if (s->owner && s->grp.user_id != s->owner) {
            err = pf_errf(eb, PF_E_NOT_FOUND, "order group %" PRIu64 " not found", s->id);
            goto done;
        }
        customer = s->grp.user_id;
        uint64_t before = 0;
        do {
            if ((err = pf_store_order_list_by_group(s->st, t, s->id, before, GROUP_PAGE, &page, &np, &before,
                                                    eb)))
                goto done;
            for (size_t i = 0; i < np; i++) {
                if (page[i].user_id != customer) continue; /* never another customer's order */
                if (page[i].status && !strcmp(page[i].status, "cancelled")) {
                    s->cancelled++;
                    continue;
                }
                if ((err = src_add(s, &page[i], eb))) goto done;
            }
            pf_order_list_free(page, np);
            page = NULL, np = 0;
        } while (before);
        if (!s->n) {
            err = s->cancelled
                      ? pf_errf(eb, PF_E_CONFLICT,
                                "order group %" PRIu64 ": every order is cancelled, so it has no tax invoice",
                                s->id)
                      : pf_errf(eb, PF_E_NOT_FOUND, "order group %" PRIu64 " has no orders", s->id);
            goto done;
        }
        /* The index lists newest first; the invoice reads in the order the cart was placed. */
        for (size_t i = 0; i < s->n / 2; i++) {
            pf_order tmp = s->orders[i];
            s->orders[i] = s->orders[s->n - 1 - i];
            s->orders[s->n - 1 - i] = tmp;
        }
    }
    err = pf_store_user_get(s->st, t, customer, &s->buyer, eb);
    if (err == PF_E_NOT_FOUND) err = PF_E_OK; /* an account deleted since: the order's own fields suffice */
    if (err) goto done;
    if (!(s->model_names = calloc(s->n, sizeof *s->model_names))) {
        err = pf_errf(eb, PF_E_NOMEM, "invoice model names");
        goto done;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (!blank(s->orders[i].filename) || !s->orders[i].model_id) continue;
        pf_model m = {0};
        err = pf_store_model_get(s->st, t, s->orders[i].model_id, &m, eb);
        if (!err && m.name && !(s->model_names[i] = strdup(m.name)))
            err = pf_errf(eb, PF_E_NOMEM, "model name");
        pf_model_clear(&m);
        if (err == PF_E_NOT_FOUND) err = PF_E_OK; /* a model removed from the catalog since */
        if (err) goto done;
    }
done:
    pf_order_clear(&o);
    pf_order_list_free(page, np);
    return err;
}

/* ---- building the document ---- */

/* Everything the document borrows, owned here until the PDF is made. */
typedef struct inv_doc {
    pf_invoice_doc d;       /* the document */
    pf_invoice_line *lines; /* one per order */
    pf_invoice_line ship;   /* shipping, when any */
    char **texts;           /* strings built for the lines (descriptions, references), freed together */
    size_t ntexts;          /* count */
    const char **refs;      /* tracking numbers */
    char number[64];        /* invoice number */
    char notes[512];        /* remark */
    char ship_desc[128];    /* shipping line description */
} inv_doc;

static void doc_clear(inv_doc *x)
{
    for (size_t i = 0; i < x->ntexts; i++)
        free(x->texts[i]);
    free(x->texts);
    free(x->lines);
    free(x->refs);
}

/* The rate to show for a line: the configured rate when the frozen GST agrees with it (to the paisa the
 * engine rounds to), otherwise the rate the figures themselves give (the setting changed since the order). */
static double shown_rate(const char *setting, int64_t taxable, int64_t gst)
{
    char *end = NULL;
    double pct = setting ? strtod(setting, &end) : 18;
    if (!setting || end == setting || !isfinite(pct) || pct < 0 || pct > 100) pct = 18;
    if (taxable <= 0) return pct;
    if (fabs((double)taxable * pct / 100.0 - (double)gst) <= 1.0) return pct;
    double derived = round((double)gst * 10000.0 / (double)taxable) / 100.0;
    return derived > 100 ? 100 : derived;
}

/* "bracket.stl - PLA, Red, 20% infill, 0.2 mm layers, priority print" (malloc'd). */
static char *describe(const pf_order *o, const char *model_name)
{
    const char *name = !blank(o->filename) ? o->filename : model_name ? model_name : "3D print";
    char infill[32] = "", layer[32] = "";
    if (o->infill_pct >= 0 && isfinite(o->infill_pct))
        snprintf(infill, sizeof infill, ", %g%% infill", o->infill_pct);
    if (o->layer_height_mm > 0 && isfinite(o->layer_height_mm))
        snprintf(layer, sizeof layer, ", %g mm layers", o->layer_height_mm);
    size_t len =
        strlen(name) + (o->material ? strlen(o->material) : 0) + (o->color ? strlen(o->color) : 0) + 128;
    char *s = malloc(len);
    if (s)
        snprintf(s, len, "%s - %s%s%s%s%s%s", name, blank(o->material) ? "material as quoted" : o->material,
                 blank(o->color) ? "" : ", ", blank(o->color) ? "" : o->color, infill, layer,
                 o->priority ? ", priority print" : "");
    return s;
}

/* "Order PF-... - coupon WELCOME10", either part optional (malloc'd; NULL on NOMEM). */
static char *reference(const pf_order *o, bool with_order, bool coupon)
{
    size_t len =
        (o->tracking_no ? strlen(o->tracking_no) : 0) + (o->coupon_code ? strlen(o->coupon_code) : 0) + 32;
    char *s = malloc(len);
    if (!s) return NULL;
    int n = 0;
    if (with_order && o->tracking_no) n = snprintf(s, len, "Order %s", o->tracking_no);
    if (coupon) snprintf(s + n, len - (size_t)n, "%scoupon %s", n ? " - " : "", o->coupon_code);
    return s;
}

static pf_err keep(inv_doc *x, char *s, pf_errbuf *eb)
{
    if (!s) return pf_errf(eb, PF_E_NOMEM, "invoice text");
    x->texts[x->ntexts++] = s;
    return PF_E_OK;
}

/* GST invoice numbers: at most 16 characters of letters, digits, '/' and '-', unique in a financial year. */
#define INVOICE_NO_MAX 16

/* The invoice number: the prefix (letters, digits and '-' of invoice.prefix, upper-cased), the year of the
 * order in India and the id, groups marked G so the two series never meet: "PF/2026/000042",
 * "PF/2026/G000007". When that is longer than GST allows, the year shrinks to two digits ("PF/26/000042"),
 * and if still too long the separators go and the prefix is cut to fit ("FORGE-WR26000042"). */
static void invoice_number(pf_req *r, const inv_src *s, int64_t when, char *out, size_t cap)
{
    const char *raw = pf_req_setting(r, "invoice.prefix", "PF");
    char prefix[INVOICE_NO_MAX + 1], id[32];
    size_t n = 0;
    for (; raw && *raw && n < INVOICE_NO_MAX; raw++)
        if (isalnum((unsigned char)*raw) || *raw == '-') prefix[n++] = (char)toupper((unsigned char)*raw);
    prefix[n] = 0;
    time_t ist = (time_t)(when + 19800);
    struct tm tm = {0};
    gmtime_r(&ist, &tm);
    int year = tm.tm_year + 1900;
    snprintf(id, sizeof id, "%s%06" PRIu64, s->group ? "G" : "", s->id);
    const char *sep = n ? "/" : "";
    snprintf(out, cap, "%s%s%04d/%s", prefix, sep, year, id);
    if (strlen(out) > INVOICE_NO_MAX) snprintf(out, cap, "%s%s%02d/%s", prefix, sep, year % 100, id);
    if (strlen(out) > INVOICE_NO_MAX) {
        size_t keep = strlen(id) + 2 < INVOICE_NO_MAX ? INVOICE_NO_MAX - strlen(id) - 2 : 0;
        snprintf(out, cap, "%.*s%02d%s", (int)(n < keep ? n : keep), prefix, year % 100, id);
    }
}

/* Checks that an order's snapshot adds up before it goes on an invoice. */
static pf_err check_snapshot(const pf_order *o, pf_errbuf *eb)
{
    int64_t amount = o->material_cost + o->printing_cost + o->priority_cost;
    if (o->taxable != amount - o->discount ||
        o->total != o->taxable + o->gst + o->shipping_cost + o->shipping_gst)
        return pf_errf(eb, PF_E_STORAGE,
                       "order %" PRIu64 ": price snapshot does not add up (material %" PRId64
                       " + printing %" PRId64 " + priority %" PRId64 " - discount %" PRId64
                       " vs taxable %" PRId64 "; + gst %" PRId64 " + shipping %" PRId64
                       " + shipping gst %" PRId64 " vs total %" PRId64 ")",
                       o->id, o->material_cost, o->printing_cost, o->priority_cost, o->discount, o->taxable,
                       o->gst, o->shipping_cost, o->shipping_gst, o->total);
    return PF_E_OK;
}

static pf_err build(pf_req *r, const inv_src *s, inv_doc *x)
{
    pf_errbuf *eb = EB(r);
    pf_err err;
    const pf_order *first = &s->orders[0];
    memset(x, 0, sizeof *x);
    if (!(x->lines = calloc(s->n, sizeof *x->lines)) || !(x->texts = calloc(2 * s->n, sizeof *x->texts)) ||
        !(x->refs = calloc(s->n, sizeof *x->refs)))
        return pf_errf(eb, PF_E_NOMEM, "invoice lines");
    pf_invoice_doc *d = &x->d;
    const char *hsn = pf_req_setting(r, "invoice.hsn_code", "3926");
    const char *gst_pct = pf_req_setting(r, "cost.gst_pct", "18");
    int64_t total = 0, ship = 0, ship_gst = 0, paid_at = 0;
    bool paid = true;
    for (size_t i = 0; i < s->n; i++) {
        const pf_order *o = &s->orders[i];
        if ((err = check_snapshot(o, eb))) return err;
        pf_invoice_line *l = &x->lines[i];
        if ((err = keep(x, describe(o, s->model_names[i]), eb))) return err;
        l->description = x->texts[x->ntexts - 1];
        bool coupon = o->discount > 0 && !blank(o->coupon_code);
        if ((s->group && o->tracking_no) || coupon) {
            if ((err = keep(x, reference(o, s->group, coupon), eb))) return err;
            l->reference = x->texts[x->ntexts - 1];
        }
        l->hsn = hsn;
        l->quantity = (int64_t)o->quantity;
        l->amount = o->material_cost + o->printing_cost + o->priority_cost;
        l->discount = o->discount;
        l->gst = o->gst;
        l->gst_pct = shown_rate(gst_pct, o->taxable, o->gst);
        x->refs[i] = o->tracking_no ? o->tracking_no : "";
        total += o->total;
        ship += o->shipping_cost;
        ship_gst += o->shipping_gst;
        paid = paid && o->paid;
        if (o->paid_at > paid_at) paid_at = o->paid_at;
    }
    const char *seller_state = pf_req_setting(r, "company.state", "");
    bool pickup = first->fulfillment && !strcmp(first->fulfillment, "pickup");
    if (ship || ship_gst) {
        if (blank(first->ship_zip))
            snprintf(x->ship_desc, sizeof x->ship_desc, "Shipping and packing");
        else
            snprintf(x->ship_desc, sizeof x->ship_desc, "Shipping and packing to PIN %s", first->ship_zip);
        x->ship = (pf_invoice_line){
            .description = x->ship_desc,
            .hsn = pf_req_setting(r, "invoice.shipping_sac", "996812"),
            .quantity = 1,
            .amount = ship,
            .gst = ship_gst,
            .gst_pct = shown_rate(pf_req_setting(r, "shipping.gst_pct", "18"), ship, ship_gst)};
        d->shipping = &x->ship;
    }
    int64_t date = s->group && s->grp.created_at ? s->grp.created_at : first->created_at;
    invoice_number(r, s, date, x->number, sizeof x->number);
    d->number = x->number;
    d->date = date;
    d->refs = x->refs;
    d->nrefs = s->n;
    d->seller = (pf_invoice_party){
        .name = pf_req_setting(r, "company.name", pf_req_setting(r, "site.name", "PrintForge Studio")),
        .gstin = pf_req_setting(r, "company.gstin", ""),
        .address = pf_req_setting(r, "company.address", ""),
        .city = pf_req_setting(r, "company.city", ""),
        .state = seller_state,
        .pin = pf_req_setting(r, "company.pincode", ""),
        .phone = pf_req_setting(r, "company.phone", ""),
        .email = pf_req_setting(r, "company.email", ""),
    };
    const char *name = !blank(first->ship_name)    ? first->ship_name
                       : !blank(s->buyer.username) ? s->buyer.username
                       : !blank(s->buyer.email)    ? s->buyer.email
                                                   : "Customer";
    d->buyer = (pf_invoice_party){.name = name, .email = s->buyer.email, .phone = first->ship_phone};
    if (!pickup) {
        d->buyer.address = first->ship_address;
        d->buyer.city = first->ship_city;
        d->buyer.state = first->ship_state;
        d->buyer.pin = first->ship_zip;
    }
    /* Place of supply: where the goods are delivered (the state given, else the state of the PIN); a pickup
     * is delivered at the shop. */
    pf_pin_info pin;
    pf_errbuf ignore;
    d->place_of_supply = seller_state;
    if (!pickup && !blank(first->ship_state))
        d->place_of_supply = first->ship_state;
    else if (!pickup && first->ship_zip && pf_pin_lookup(first->ship_zip, &pin, &ignore) == PF_E_OK &&
             pin.state)
        d->place_of_supply = d->buyer.state = pin.state;
    d->lines = x->lines;
    d->nlines = s->n;
    d->total = total;
    d->paid = paid || (s->group && s->grp.paid);
    d->paid_at = paid_at;
    for (size_t i = 0; i < s->n && !d->payment_ref; i++)
        if (!blank(s->orders[i].payment_ref)) d->payment_ref = s->orders[i].payment_ref;
    d->upi_id = pf_req_setting(r, "site.upi_id", "");
    d->upi_ref = s->group ? NULL : first->tracking_no;
    int n = 0;
    if (pickup)
        n = snprintf(x->notes, sizeof x->notes, "Fulfilment: pickup at the shop (no shipping).");
    else if (!blank(first->carrier_tracking))
        n = snprintf(x->notes, sizeof x->notes, "Carrier tracking: %s.", first->carrier_tracking);
    if (s->cancelled && n >= 0 && (size_t)n < sizeof x->notes)
        snprintf(x->notes + n, sizeof x->notes - (size_t)n,
                 "%s%zu cancelled order%s of this cart not invoiced.", n ? " " : "", s->cancelled,
                 s->cancelled == 1 ? "" : "s");
    d->notes = x->notes;
    return PF_E_OK;
}

/* "invoice-<tracking>.pdf" with anything but letters, digits, '-' and '_' dropped. */
static void attachment_name(const inv_src *s, char *out, size_t cap)
{
    char key[80];
    size_t n = 0;
    if (s->group) {
        snprintf(key, sizeof key, "group-%" PRIu64, s->id);
        n = strlen(key);
    } else {
        for (const char *p = s->orders[0].tracking_no; p && *p && n + 1 < sizeof key; p++)
            if (isalnum((unsigned char)*p) || *p == '-' || *p == '_') key[n++] = *p;
        key[n] = 0;
        if (!n) snprintf(key, sizeof key, "order-%" PRIu64, s->id);
    }
    snprintf(out, cap, "attachment; filename=\"invoice-%s.pdf\"", key);
}

static pf_err invoice(pf_req *r, pf_resp *w, bool group, bool own)
{
    inv_src s = {.st = pf_req_store(r), .group = group};
    inv_doc x = {0};
    uint8_t *pdf = NULL;
    size_t len = 0;
    pf_err err = pf_req_param_id(r, "id", &s.id);
    if (err) return err;
    if (own) s.owner = pf_req_principal(r)->user.id;
    if (!s.owner && own) return pf_errf(EB(r), PF_E_NOT_FOUND, "order not found");
    if ((err = pf_store_read(s.st, load, &s, EB(r)))) goto done;
    if ((err = build(r, &s, &x))) goto done;
    if ((err = pf_invoice_pdf(&x.d, &pdf, &len, EB(r)))) {
        /* The snapshot was checked; what the engine still refuses is a record it cannot show. */
        if (err == PF_E_INVAL) err = PF_E_STORAGE;
        goto done;
    }
    char disp[160];
    attachment_name(&s, disp, sizeof disp);
    if ((err = pf_resp_bytes(w, 200, "application/pdf", pdf, len)) ||
        (err = pf_resp_header(w, "Content-Disposition", disp)) ||
        (err = pf_resp_header(w, "Cache-Control", "private, no-store")))
        goto done;
done:
    free(pdf);
    doc_clear(&x);
    src_clear(&s);
    return err;
}

static pf_err user_order_invoice(pf_req *r, pf_resp *w)
{
    return invoice(r, w, false, true);
}

static pf_err user_group_invoice(pf_req *r, pf_resp *w)
{
    return invoice(r, w, true, true);
}

static pf_err admin_order_invoice(pf_req *r, pf_resp *w)
{
    return invoice(r, w, false, false);
}

static pf_err admin_group_invoice(pf_req *r, pf_resp *w)
{
    return invoice(r, w, true, false);
}

#define U PF_ACCESS_USER
#define A PF_ACCESS_ADMIN
#define G PF_LIMIT_GENERAL
static const pf_route routes[] = {
    {PF_GET, "/api/user/orders/:id/invoice", user_order_invoice, U, NULL, G, PF_BODY_NONE, 0, NULL},
    {PF_GET, "/api/user/orders/group/:id/invoice", user_group_invoice, U, NULL, G, PF_BODY_NONE, 0, NULL},
    {PF_GET, "/api/admin/orders/:id/invoice", admin_order_invoice, A, "orders:read", G, PF_BODY_NONE, 0,
     NULL},
    {PF_GET, "/api/admin/orders/group/:id/invoice", admin_group_invoice, A, "orders:read", G, PF_BODY_NONE, 0,
     NULL},
};
#undef U
#undef A
#undef G

const pf_route_table pf_api_invoice_routes = {routes, sizeof routes / sizeof routes[0]};
