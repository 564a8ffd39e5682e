/* POST /api/checkout (one item, multipart: an uploaded model_file or a catalog model) and POST
 * /api/cart-checkout (JSON items[] from upload sessions or catalog models, one group), the coupon redeemed at
 * checkout, the UPI payment link and its QR code, the "order placed" email; admin coupon CRUD and
 * POST /api/coupons/validate.
 *
 * A checkout is priced line by line by the shop core (api/shop.h) from the request's settings snapshot, then
 * frozen: the coupon discount is taken off the taxable value before GST and spread over the orders, one
 * parcel's shipping is spread over them by weight (engine/coupon.h), and everything is stored by
 * pf_checkout_commit in one transaction. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "api/account.h"
#include "api/assign.h"
#include "api/checkout.h"
#include "api/routes.h"
#include "api/shop.h"
#include "api/totp.h"
#include "api/upload.h"
#include "engine/coupon.h"
#include "engine/profile.h"
#include "engine/upi.h"

#define EB(r) pf_req_eb(r)
#define MAX_ITEMS 20
#define TRACKING_TRIES 8

/* ---- the transaction ---- */

void pf_checkout_coupon_counter(uint64_t coupon_id, uint64_t user_id, char *out, size_t len)
{
    snprintf(out, len, "coupon_use:%llu:%llu", (unsigned long long)coupon_id, (unsigned long long)user_id);
}

void pf_checkout_plan_clear(pf_checkout_plan *p)
{
    if (!p) return;
    pf_order_list_free(p->orders, p->n);
    pf_order_group_clear(&p->grp);
    memset(p, 0, sizeof *p);
}

static pf_err count_coupon(pf_txn *t, pf_checkout_plan *p, pf_errbuf *eb)
{
    pf_coupon c = {0};
    char name[64];
    uint64_t uses = 0;
    int64_t d = 0;
    pf_checkout_coupon_counter(p->coupon_id, p->user_id, name, sizeof name);
    pf_err err = pf_store_coupon_get(NULL, t, p->coupon_id, &c, eb);
    if (err == PF_E_NOT_FOUND)
        err = pf_errf(eb, PF_E_INVALID_FIELD, "coupon_code: this coupon no longer exists");
    if (err || (err = pf_store_counter_get(NULL, t, name, &uses, eb)) ||
        (err = pf_coupon_check(&c, p->now, p->coupon_taxable, uses, eb)) ||
        (err = pf_coupon_discount(&c, p->coupon_taxable, &d, eb)))
        goto done;
    if (d != p->coupon_discount) {
        err = pf_errf(eb, PF_E_CONFLICT, "coupon_code: the coupon changed while you checked out; try again");
        goto done;
    }
    c.used++;
    if ((err = pf_store_coupon_put(NULL, t, &c, eb))) goto done;
    err = pf_store_counter_add(NULL, t, name, 1, NULL, eb);
done:
    pf_coupon_clear(&c);
    return err;
}

/* A tracking number no order holds yet. */
static pf_err fresh_tracking(pf_txn *t, char **out, pf_errbuf *eb)
{
    char ref[PF_REF_MAX];
    for (int i = 0; i < TRACKING_TRIES; i++) {
        pf_order o = {0};
        pf_err err = pf_ref_new("PF", ref, eb);
        if (err) return err;
        err = pf_store_order_by_tracking(NULL, t, ref, &o, eb);
        pf_order_clear(&o);
        if (err == PF_E_NOT_FOUND) {
            char *s = strdup(ref);
            if (!s) return pf_errf(eb, PF_E_NOMEM, "tracking number");
            free(*out);
            *out = s;
            return PF_E_OK;
        }
        if (err) return err;
    }
    return pf_errf(eb, PF_E_STORAGE, "no unused tracking number after %d tries", TRACKING_TRIES);
}

static pf_err claim_upload(pf_txn *t, const pf_checkout_plan *p, uint64_t id, pf_errbuf *eb)
{
    pf_upload u = {0};
    pf_err err = pf_store_upload_get(NULL, t, id, &u, eb);
    if (!err && u.user_id != p->user_id) err = PF_E_NOT_FOUND;
    if (err == PF_E_NOT_FOUND)
        err = pf_errf(eb, PF_E_NOT_FOUND, "session_id: upload %llu not found or expired",
                      (unsigned long long)id);
    if (!err && !u.claimed) {
        u.claimed = true;
        err = pf_store_upload_put(NULL, t, &u, eb);
    }
    pf_upload_clear(&u);
    return err;
}

/* Sets order i's printer to the best compatible one, or 0 when none is. */
static pf_err assign_printer(pf_txn *t, const pf_checkout_plan *p, size_t i, pf_errbuf *eb)
{
    pf_order *o = &p->orders[i];
    pf_assign_part part = {.material = o->material, .dest_pin = p->dest_pin, .known = p->dims != NULL};
    if (p->dims) memcpy(part.dims, p->dims[i], sizeof part.dims);
    pf_assign_cand *c = NULL;
    size_t n = 0;
    pf_err err = pf_assign_rank(NULL, t, &part, &c, &n, eb);
    if (!err) o->printer_id = n && c[0].compatible ? c[0].p.id : 0;
    pf_assign_free(c, n);
    return err;
}

/* The transaction body: may run again after the map grew, so it sets every assigned field afresh. */
static pf_err commit_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    pf_checkout_plan *p = vctx;
    pf_err err = PF_E_OK;
    if (p->coupon_id && (err = count_coupon(t, p, eb))) return err;
    if (p->group) {
        char ref[PF_REF_MAX];
        if ((err = pf_ref_new("G", ref, eb))) return err;
        char *s = strdup(ref);
        if (!s) return pf_errf(eb, PF_E_NOMEM, "group reference");
        free(p->grp.ref);
        p->grp.ref = s;
        p->grp.user_id = p->user_id;
        p->grp.created_at = p->now;
        if ((err = pf_store_order_group_put(NULL, t, &p->grp, eb))) return err;
    }
    for (size_t i = 0; i < p->n; i++) {
        pf_order *o = &p->orders[i];
        char *st = strdup("pending");
        if (!st) return pf_errf(eb, PF_E_NOMEM, "order");
        free(o->status);
        o->status = st;
        o->user_id = p->user_id;
        o->group_id = p->group ? p->grp.id : 0;
        o->created_at = o->updated_at = p->now;
        o->printer_id = 0;
        if (p->auto_assign && (err = assign_printer(t, p, i, eb))) return err;
        if ((err = fresh_tracking(t, &o->tracking_no, eb)) || (err = pf_store_order_put(NULL, t, o, eb)))
            return err;
        pf_order_event e = {.order_id = o->id,
                            .status = "pending",
                            .message = p->group ? "Order placed (group order)" : "Order placed",
                            .actor_id = p->user_id,
                            .at = p->now};
        if ((err = pf_store_order_event_put(NULL, t, &e, eb))) return err;
        if (o->upload_id && (err = claim_upload(t, p, o->upload_id, eb))) return err;
    }
    return PF_E_OK;
}

pf_err pf_checkout_commit(pf_store *st, pf_checkout_plan *plan, pf_errbuf *eb)
{
    if (!plan->n || !plan->orders) return pf_errf(eb, PF_E_INVAL, "checkout without orders");
    return pf_store_write(st, commit_fn, plan, eb);
}

/* ---- request fields ---- */

/* The settings value of key as a double, def when unset or malformed. */
static double setting_num(pf_req *r, const char *key, double def)
{
    const char *s = pf_req_setting(r, key, NULL);
    char *end = NULL;
    double v = s ? strtod(s, &end) : def;
    return s && end != s && !*end && isfinite(v) ? v : def;
}

/* Length of the UTF-8 sequence starting at s[0] (well-formed, shortest form), 0 when malformed. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    size_t k = s[0] < 0x80                             ? 1
               : (s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2 ? 2
               : (s[0] & 0xf0) == 0xe0                 ? 3
               : (s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4 ? 4
                                                       : 0;
    if (!k || k > left) return 0;
    for (size_t j = 1; j < k; j++)
        if ((s[j] & 0xc0) != 0x80) return 0;
    return k;
}

/* Text without control characters (newlines allowed when multiline), at most max bytes, valid UTF-8. */
static pf_err text_field(pf_req *r, const char *field, const char *s, size_t max, bool multiline)
{
    size_t n = strlen(s);
    if (n > max) return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: at most %zu characters", field, max);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7f)
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: control characters are not allowed", field);
        size_t k = utf8_seq((const unsigned char *)s + i, n - i);
        if (!k) return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: not valid UTF-8", field);
        i += k;
    }
    return PF_E_OK;
}

static bool blank(const char *s)
{
    while (s && (*s == ' ' || *s == '\t'))
        s++;
    return !s || !*s;
}

static pf_err parse_int(pf_req *r, const char *field, const char *s, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    while (s && *s == ' ')
        s++;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || end == s || errno || (*end && *end != ' '))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: must be a whole number", field);
    *out = v;
    return PF_E_OK;
}

static pf_err parse_num(pf_req *r, const char *field, const char *s, double *out)
{
    char *end = NULL;
    double v = s ? strtod(s, &end) : 0;
    if (!s || end == s || *end || !isfinite(v))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: must be a number", field);
    *out = v;
    return PF_E_OK;
}

static pf_err parse_bool(pf_req *r, const char *field, const char *s, bool *out)
{
    static const char *const yes[] = {"true", "1", "on", "yes"}, *const no[] = {"false", "0", "off", "no",
                                                                                ""};
    for (size_t i = 0; i < 4; i++)
        if (!strcasecmp(s, yes[i])) return *out = true, PF_E_OK;
    for (size_t i = 0; i < 5; i++)
        if (!strcasecmp(s, no[i])) return *out = false, PF_E_OK;
    return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: true or false", field);
}

/* A JSON value (number, string or bool) read as text for the parsers above; NULL when absent or null. */
static const char *jtext(const cJSON *v, char *buf, size_t len)
{
    if (!v || cJSON_IsNull(v)) return NULL;
    if (cJSON_IsString(v)) return v->valuestring;
    if (cJSON_IsBool(v)) return cJSON_IsTrue(v) ? "true" : "false";
    if (cJSON_IsNumber(v)) {
        if (v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 9e15)
            snprintf(buf, len, "%.0f", v->valuedouble);
        else
            snprintf(buf, len, "%.17g", v->valuedouble);
        return buf;
    }
    return "\x01"; /* arrays and objects: refused by every parser */
}

/* What a checkout shares between its items. */
typedef struct co_common {
    bool ship;                           /* fulfillment: true = shipping, false = pickup */
    const char *name, *address, *city;   /* shipping_name, shipping_address, shipping_city */
    const char *state;                   /* shipping_state, NULL = the PIN code's state */
    char zip[8];                         /* shipping_zip: six digits */
    char phone_norm[16];                 /* shipping_phone as 10 digits */
    const char *notes;                   /* customer notes, may be NULL */
    bool has_coupon;                     /* a coupon_code was given */
    char coupon[PF_COUPON_CODE_MAX + 1]; /* normalised code */
} co_common;

/* A field getter over either the multipart form or the JSON body. */
typedef const char *(*co_get)(pf_req *r, const char *name, char *buf, size_t len);

static const char *get_form(pf_req *r, const char *name, char *buf, size_t len)
{
    (void)buf, (void)len;
    return pf_req_form(r, name);
}

static const char *get_json(pf_req *r, const char *name, char *buf, size_t len)
{
    return jtext(cJSON_GetObjectItemCaseSensitive(pf_req_json(r), name), buf, len);
}

/* Indian mobile or landline: 10 digits after dropping spaces, '-', a leading +91/91 or 0. */
static bool phone_normalize(const char *in, char out[16])
{
    char d[32];
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        if (*p == ' ' || *p == '-' || (*p == '+' && p == in)) continue;
        if (!isdigit((unsigned char)*p) || n + 1 >= sizeof d) return false;
        d[n++] = *p;
    }
    d[n] = 0;
    const char *s = d;
    if (n == 12 && !strncmp(d, "91", 2))
        s += 2;
    else if (n == 11 && d[0] == '0')
        s += 1;
    if (strlen(s) != 10) return false;
    memcpy(out, s, 11);
    return true;
}

static pf_err read_common(pf_req *r, co_get get, co_common *c)
{
    char b1[64];
    pf_err err;
    const char *f = get(r, "fulfillment", b1, sizeof b1);
    const char *zip = get(r, "shipping_zip", b1, sizeof b1);
    if (blank(f)) {
        c->ship = !blank(zip);
    } else if (!strcasecmp(f, "ship") || !strcasecmp(f, "shipping") || !strcasecmp(f, "delivery")) {
        c->ship = true;
    } else if (!strcasecmp(f, "pickup")) {
        c->ship = false;
    } else {
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "fulfillment: \"pickup\" or \"ship\"");
    }
    static const struct {
        const char *field;
        size_t max;
        bool required;
        size_t off; /* where a string field goes; 0 = zip and phone, checked below */
    } ship[] = {
        {"shipping_name", 100, true, offsetof(co_common, name)},
        {"shipping_address", 500, true, offsetof(co_common, address)},
        {"shipping_city", 100, true, offsetof(co_common, city)},
        {"shipping_state", 100, false, offsetof(co_common, state)},
        {"shipping_zip", 6, true, 0},
        {"shipping_phone", 20, true, 0},
    };
    for (size_t i = 0; c->ship && i < sizeof ship / sizeof ship[0]; i++) {
        char nb[64];
        const char *v = get(r, ship[i].field, nb, sizeof nb);
        if (blank(v)) {
            if (ship[i].required)
                return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: required for shipping", ship[i].field);
            continue;
        }
        if ((err = text_field(r, ship[i].field, v, ship[i].max, i == 1))) return err;
        if (!strcmp(ship[i].field, "shipping_zip")) {
            if (strlen(v) != 6 || strspn(v, "0123456789") != 6 || v[0] == '0')
                return pf_errf(EB(r), PF_E_INVALID_FIELD, "shipping_zip: a 6-digit PIN code");
            memcpy(c->zip, v, 7);
        } else if (!strcmp(ship[i].field, "shipping_phone")) {
            if (!phone_normalize(v, c->phone_norm))
                return pf_errf(EB(r), PF_E_INVALID_FIELD, "shipping_phone: a 10-digit phone number");
        } else {
            /* A JSON number would live in nb: only strings outlive this loop. */
            if (v == nb) return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: must be text", ship[i].field);
            *(const char **)((char *)c + ship[i].off) = v;
        }
    }
    const char *notes = get(r, "notes", b1, sizeof b1);
    if (!blank(notes)) {
        if (notes == b1) return pf_errf(EB(r), PF_E_INVALID_FIELD, "notes: must be a string");
        if ((err = text_field(r, "notes", notes, 2000, true))) return err;
        c->notes = notes;
    }
    const char *code = get(r, "coupon_code", b1, sizeof b1);
    if (!blank(code)) {
        if ((err = pf_coupon_code_normalize("coupon_code", code, c->coupon, EB(r)))) return err;
        c->has_coupon = true;
    }
    return PF_E_OK;
}

/* One item's fields (prefix "" for the single checkout, "items[i]." in a cart) into it. */
static pf_err read_item(pf_req *r, const char *prefix, const char *material, const char *color,
                        const char *qty, const char *infill, const char *priority, pf_shop_item *it)
{
    char field[48];
    pf_err err;
    if (blank(material)) return pf_errf(EB(r), PF_E_INVALID_FIELD, "%smaterial: required", prefix);
    it->material = material;
    it->color = blank(color) ? NULL : color;
    it->quantity = 1;
    if (!blank(qty)) {
        snprintf(field, sizeof field, "%squantity", prefix);
        if ((err = parse_int(r, field, qty, &it->quantity))) return err;
        int64_t lo = (int64_t)setting_num(r, "order.min_qty", 1),
                hi = (int64_t)setting_num(r, "order.max_qty", 100);
        if (it->quantity < lo || it->quantity > hi)
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: between %lld and %lld", field, (long long)lo,
                           (long long)hi);
    }
    it->infill_pct = -1;
    if (!blank(infill)) {
        snprintf(field, sizeof field, "%sinfill", prefix);
        if ((err = parse_num(r, field, infill, &it->infill_pct))) return err;
        if (it->infill_pct < 0 || it->infill_pct > 100)
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: a percentage from 0 to 100", field);
    }
    if (!blank(priority)) {
        snprintf(field, sizeof field, "%spriority_print", prefix);
        if ((err = parse_bool(r, field, priority, &it->priority))) return err;
    }
    return PF_E_OK;
}

/* ---- pricing and placing ---- */

/* Prefixes the request's error detail with "items[i]." (cart lines). */
static pf_err prefixed(pf_req *r, const char *prefix, pf_err err)
{
    if (*prefix && err) {
        char msg[sizeof EB(r)->msg];
        snprintf(msg, sizeof msg, "%s", EB(r)->msg);
        pf_errf(EB(r), err, "%s%s", prefix, msg);
    }
    return err;
}

static char *dup(const char *s, bool *fail)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *fail = true;
    return d;
}

static cJSON *order_json(const pf_order *o)
{
    cJSON *j = cJSON_CreateObject(), *p = NULL;
    bool ok = j && cJSON_AddNumberToObject(j, "id", (double)o->id) &&
              cJSON_AddStringToObject(j, "tracking_no", o->tracking_no) &&
              cJSON_AddStringToObject(j, "status", o->status) &&
              (o->group_id ? cJSON_AddNumberToObject(j, "group_id", (double)o->group_id) != NULL
                           : cJSON_AddNullToObject(j, "group_id") != NULL) &&
              (o->model_id ? cJSON_AddNumberToObject(j, "catalog_model_id", (double)o->model_id) != NULL
                           : cJSON_AddNullToObject(j, "catalog_model_id") != NULL) &&
              (o->upload_id ? cJSON_AddNumberToObject(j, "session_id", (double)o->upload_id) != NULL
                            : cJSON_AddNullToObject(j, "session_id") != NULL) &&
              cJSON_AddStringToObject(j, "filename", o->filename ? o->filename : "") &&
              cJSON_AddStringToObject(j, "material", o->material) &&
              cJSON_AddStringToObject(j, "color", o->color ? o->color : "") &&
              cJSON_AddNumberToObject(j, "quantity", (double)o->quantity) &&
              cJSON_AddNumberToObject(j, "infill", o->infill_pct) &&
              cJSON_AddBoolToObject(j, "priority_print", o->priority) &&
              cJSON_AddStringToObject(j, "fulfillment", o->fulfillment) &&
              cJSON_AddNumberToObject(j, "weight_g", o->weight_g) &&
              cJSON_AddNumberToObject(j, "print_time_s", o->print_time_s) &&
              cJSON_AddNumberToObject(j, "job_time_s", o->job_time_s) &&
              (p = cJSON_AddObjectToObject(j, "price")) &&
              cJSON_AddNumberToObject(p, "material", pf_price_to_inr(o->material_cost)) &&
              cJSON_AddNumberToObject(p, "printing", pf_price_to_inr(o->printing_cost)) &&
              cJSON_AddNumberToObject(p, "priority", pf_price_to_inr(o->priority_cost)) &&
              cJSON_AddNumberToObject(p, "subtotal", pf_price_to_inr(o->taxable + o->discount)) &&
              cJSON_AddNumberToObject(p, "discount", pf_price_to_inr(o->discount)) &&
              cJSON_AddNumberToObject(p, "taxable", pf_price_to_inr(o->taxable)) &&
              cJSON_AddNumberToObject(p, "gst", pf_price_to_inr(o->gst)) &&
              cJSON_AddNumberToObject(p, "shipping", pf_price_to_inr(o->shipping_cost)) &&
              cJSON_AddNumberToObject(p, "shipping_gst", pf_price_to_inr(o->shipping_gst)) &&
              cJSON_AddNumberToObject(p, "total", pf_price_to_inr(o->total)) &&
              cJSON_AddNumberToObject(j, "total", pf_price_to_inr(o->total)) &&
              (o->coupon_code ? cJSON_AddStringToObject(j, "coupon_code", o->coupon_code) != NULL
                              : cJSON_AddNullToObject(j, "coupon_code") != NULL) &&
              cJSON_AddNumberToObject(j, "created_at", (double)o->created_at);
    if (!ok) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

static cJSON *totals_json(const pf_checkout_totals *t)
{
    cJSON *j = cJSON_CreateObject();
    if (!j || !cJSON_AddNumberToObject(j, "subtotal", pf_price_to_inr(t->subtotal)) ||
        !cJSON_AddNumberToObject(j, "discount", pf_price_to_inr(t->discount)) ||
        !cJSON_AddNumberToObject(j, "taxable", pf_price_to_inr(t->taxable)) ||
        !cJSON_AddNumberToObject(j, "gst", pf_price_to_inr(t->gst)) ||
        !cJSON_AddNumberToObject(j, "shipping", pf_price_to_inr(t->shipping)) ||
        !cJSON_AddNumberToObject(j, "shipping_gst", pf_price_to_inr(t->shipping_gst)) ||
        !cJSON_AddNumberToObject(j, "total", pf_price_to_inr(t->total))) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

/* "data:image/svg+xml;base64,..." of the QR code of text; *out malloc'd. */
static pf_err qr_data_url(pf_req *r, const char *text, char **out)
{
    char *svg = NULL, *url = NULL;
    int modules = 0;
    pf_err err = pf_totp_qr_svg(text, &svg, &modules, EB(r));
    if (err) goto done;
    static const char prefix[] = "data:image/svg+xml;base64,";
    size_t blen = sodium_base64_ENCODED_LEN(strlen(svg), sodium_base64_VARIANT_ORIGINAL);
    if (!(url = malloc(sizeof prefix + blen))) {
        err = pf_errf(EB(r), PF_E_NOMEM, "qr");
        goto done;
    }
    memcpy(url, prefix, sizeof prefix - 1);
    sodium_bin2base64(url + sizeof prefix - 1, blen, (const uint8_t *)svg, strlen(svg),
                      sodium_base64_VARIANT_ORIGINAL);
    *out = url;
    url = NULL;
done:
    free(svg);
    free(url);
    return err;
}

/* The UPI payment of a placed checkout, as the response's "payment" object; *link gets the link (malloc'd).
 */
static pf_err payment_json(pf_req *r, const char *ref, int64_t amount, const char *note, cJSON **out,
                           char **link_out)
{
    char *link = NULL, *qr = NULL;
    const char *site = pf_req_setting(r, "site.name", "PrintForge");
    pf_upi_payment pay = {.vpa = pf_req_setting(r, "site.upi_id", ""),
                          .name = pf_req_setting(r, "site.upi_name", site),
                          .amount = amount,
                          .ref = ref,
                          .note = note};
    pf_err err = pf_upi_link(&pay, &link, EB(r));
    if (err || (err = qr_data_url(r, link, &qr))) goto done;
    cJSON *j = cJSON_CreateObject();
    if (!j || !cJSON_AddStringToObject(j, "method", "upi") || !cJSON_AddStringToObject(j, "upi_link", link) ||
        !cJSON_AddStringToObject(j, "qr_svg_data_url", qr) ||
        !cJSON_AddNumberToObject(j, "amount", pf_price_to_inr(amount)) ||
        !cJSON_AddStringToObject(j, "currency", "INR") || !cJSON_AddStringToObject(j, "reference", ref) ||
        !cJSON_AddStringToObject(j, "upi_id", pay.vpa) ||
        !cJSON_AddStringToObject(j, "payee_name", pay.name)) {
        cJSON_Delete(j);
        err = PF_E_NOMEM;
        goto done;
    }
    *out = j;
    *link_out = link;
    link = NULL;
done:
    free(link);
    free(qr);
    return err;
}

static void mail_placed(pf_req *r, const pf_checkout_plan *p, const pf_checkout_totals *t, const char *ref,
                        const char *link)
{
    const pf_user *u = &pf_req_principal(r)->user;
    if (!u->email) return;
    const char *site = pf_req_setting(r, "site.name", "PrintForge");
    char url[256], money[PF_PRICE_INR_BUFSZ], subject[160];
    pf_account_site_url(r, url, sizeof url);
    size_t cap = 4096 + p->n * 512;
    char *body = malloc(cap);
    if (!body) return;
    size_t n = 0;
#define ADD(...) (n += (size_t)snprintf(body + n, n < cap ? cap - n : 0, __VA_ARGS__))
    ADD("Hello %s,\n\nThank you for your order at %s. ", u->username ? u->username : "", site);
    ADD(p->group ? "Your group order %s has been placed:\n\n" : "Your order %s has been placed:\n\n", ref);
    for (size_t i = 0; i < p->n; i++) {
        const pf_order *o = &p->orders[i];
        ADD("  %s  %llu x %s, %s %s%s: %s\n", o->tracking_no, (unsigned long long)o->quantity,
            o->filename ? o->filename : "model", o->material, o->color ? o->color : "",
            o->priority ? ", priority" : "", pf_price_format_inr(o->total, money));
    }
    ADD("\nSubtotal: %s\n", pf_price_format_inr(t->subtotal, money));
    if (t->discount)
        ADD("Coupon %s: -%s\n", p->grp.coupon_code ? p->grp.coupon_code : "",
            pf_price_format_inr(t->discount, money));
    ADD("GST: %s\n", pf_price_format_inr(t->gst, money));
    if (p->orders[0].fulfillment && !strcmp(p->orders[0].fulfillment, "shipping"))
        ADD("Shipping (incl. GST): %s\n", pf_price_format_inr(t->shipping + t->shipping_gst, money));
    else
        ADD("Fulfilment: pickup at the shop\n");
    ADD("Total payable: %s\n\n", pf_price_format_inr(t->total, money));
    ADD("Pay with any UPI app using this link (reference %s):\n%s\n\n", ref, link);
    ADD("Printing starts once the payment is confirmed. Track your order at:\n");
    for (size_t i = 0; i < p->n; i++)
        ADD("%s/track/%s\n", url, p->orders[i].tracking_no);
    ADD("\n%s\n", site);
#undef ADD
    /* Plain ASCII in the subject (a header): "INR 1234.56" rather than the rupee sign. */
    snprintf(subject, sizeof subject, "%s: order %s placed, INR %s to pay", site, ref,
             pf_price_format_plain(t->total, money));
    pf_account_mail(r, u->email, subject, body);
    free(body);
}

/* A priced and validated checkout of n items, stored and answered (201). */
static pf_err place(pf_req *r, pf_resp *w, const pf_shop_item *items, char (*prefix)[24], size_t n,
                    const co_common *c, bool group)
{
    pf_err err = PF_E_OK;
    pf_shop_line *lines = calloc(n, sizeof *lines);
    pf_order_figures *fig = calloc(n, sizeof *fig);
    pf_checkout_plan plan = {.orders = calloc(n, sizeof *plan.orders), .n = n, .group = group};
    double(*dims)[3] = calloc(n, sizeof *dims);
    pf_coupon coupon = {0};
    cJSON *resp = NULL, *pay = NULL;
    char *link = NULL;
    size_t priced = 0;
    if (!lines || !fig || !plan.orders || !dims) {
        err = PF_E_NOMEM;
        goto done;
    }
    const pf_principal *who = pf_req_principal(r);
    plan.user_id = who->user.id;
    plan.now = (int64_t)time(NULL);
    pf_price_settings ps;
    if ((err = pf_shop_price_settings(r, &ps))) goto done;
    double goods_g = 0;
    for (size_t i = 0; i < n; i++) {
        if ((err = prefixed(r, prefix[i], pf_shop_price_line(r, &items[i], &lines[i])))) goto done;
        priced = i + 1; /* lines[0..priced) hold strings to clear */
        const pf_shop_line *l = &lines[i];
        if (!l->slicer || (!items[i].session_id && !items[i].model_id)) {
            err = pf_errf(EB(r), PF_E_INVALID_FIELD,
                          "%smodel_file: a model file, session_id or catalog_model_id", prefix[i]);
            goto done;
        }
        if (!l->fits) {
            err = pf_errf(EB(r), PF_E_INVALID_FIELD,
                          "%smodel: %.0f x %.0f x %.0f mm does not fit any active printer for %s", prefix[i],
                          l->dim_mm[0], l->dim_mm[1], l->dim_mm[2], l->material);
            goto done;
        }
        memcpy(dims[i], l->dim_mm, sizeof dims[i]);
        double q = (double)items[i].quantity;
        fig[i] = (pf_order_figures){.material = l->price.material,
                                    .printing = l->price.printing,
                                    .priority = l->price.priority,
                                    .quoted_gst = l->price.gst,
                                    .weight_g = l->est.weight_g * q};
        goods_g += fig[i].weight_g;
    }
    pf_ship_quote sq = {0};
    if (c->ship && (err = pf_shop_shipping(r, c->zip, goods_g, &sq))) goto done;
    int64_t subtotal = 0, discount = 0;
    for (size_t i = 0; i < n; i++)
        subtotal += fig[i].material + fig[i].printing + fig[i].priority;
    if (c->has_coupon) {
        char cname[64];
        uint64_t uses = 0;
        err = pf_store_coupon_by_code(pf_req_store(r), NULL, c->coupon, &coupon, EB(r));
        if (err == PF_E_NOT_FOUND) err = pf_errf(EB(r), PF_E_INVALID_FIELD, "coupon_code: no such coupon");
        if (err) goto done;
        pf_checkout_coupon_counter(coupon.id, plan.user_id, cname, sizeof cname);
        if ((err = pf_store_counter_get(pf_req_store(r), NULL, cname, &uses, EB(r))) ||
            (err = pf_coupon_check(&coupon, plan.now, subtotal, uses, EB(r))) ||
            (err = pf_coupon_discount(&coupon, subtotal, &discount, EB(r))))
            goto done;
        plan.coupon_id = coupon.id;
        plan.coupon_taxable = subtotal;
        plan.coupon_discount = discount;
    }
    pf_checkout_totals tot;
    if ((err = pf_checkout_figures(fig, n, discount, ps.gst_pct, sq.charge, sq.gst, &tot, EB(r)))) goto done;
    bool fail = false;
    const char *fulfil = c->ship ? "shipping" : "pickup";
    const char *state = c->ship ? (c->state ? c->state : sq.to.state) : NULL;
    double layer = pf_profile_default().layer_height;
    for (size_t i = 0; i < n; i++) {
        const pf_shop_line *l = &lines[i];
        const pf_order_figures *f = &fig[i];
        double q = (double)items[i].quantity;
        plan.orders[i] = (pf_order){
            .model_id = items[i].model_id,
            .upload_id = items[i].session_id,
            .blob = l->blob,
            .filename = dup(l->filename, &fail),
            .material = dup(l->material, &fail),
            .color = dup(l->color, &fail),
            .quantity = (uint64_t)items[i].quantity,
            .infill_pct = l->infill_pct,
            .layer_height_mm = layer,
            .fulfillment = dup(fulfil, &fail),
            .priority = items[i].priority,
            .weight_g = l->est.weight_g * q,
            .print_time_s = l->est.print_time_s * q,
            .job_time_s = l->est.job_time_s * q,
            .material_cost = f->material,
            .printing_cost = f->printing,
            .priority_cost = f->priority,
            .discount = f->discount,
            .taxable = f->taxable,
            .gst = f->gst,
            .shipping_cost = f->shipping,
            .shipping_gst = f->shipping_gst,
            .total = f->total,
            .coupon_code = c->has_coupon ? dup(c->coupon, &fail) : NULL,
            .ship_name = c->ship ? dup(c->name, &fail) : NULL,
            .ship_address = c->ship ? dup(c->address, &fail) : NULL,
            .ship_city = c->ship ? dup(c->city, &fail) : NULL,
            .ship_state = dup(state, &fail),
            .ship_zip = c->ship ? dup(c->zip, &fail) : NULL,
            .ship_phone = c->ship ? dup(c->phone_norm, &fail) : NULL,
            .notes = dup(c->notes, &fail),
        };
    }
    plan.grp = (pf_order_group){.total = tot.total,
                                .subtotal = tot.subtotal,
                                .discount = tot.discount,
                                .taxable = tot.taxable,
                                .gst = tot.gst,
                                .shipping_cost = tot.shipping,
                                .shipping_gst = tot.shipping_gst,
                                .coupon_code = c->has_coupon ? dup(c->coupon, &fail) : NULL,
                                .fulfillment = dup(fulfil, &fail)};
    if (fail) {
        err = PF_E_NOMEM;
        goto done;
    }
    plan.auto_assign = strcmp(pf_req_setting(r, "order.auto_assign", "true"), "false") != 0;
    plan.dest_pin =
        c->ship ? c->zip
                : pf_req_setting(r, "shipping.origin_pin", pf_req_setting(r, "company.pincode", NULL));
    plan.dims = dims;
    if ((err = pf_checkout_commit(pf_req_store(r), &plan, EB(r)))) goto done;

    /* Stored: from here on the answer describes what exists. */
    const char *ref = group ? plan.grp.ref : plan.orders[0].tracking_no;
    char note[96];
    snprintf(note, sizeof note, group ? "%s group order %s" : "%s order %s",
             pf_req_setting(r, "site.name", "PrintForge"), ref);
    if ((err = payment_json(r, ref, tot.total, note, &pay, &link))) goto done;
    cJSON *arr = NULL, *tj = NULL;
    if (!(resp = cJSON_CreateObject()) || !(arr = cJSON_AddArrayToObject(resp, "orders"))) {
        err = PF_E_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        cJSON *oj = order_json(&plan.orders[i]);
        if (!oj || !cJSON_AddItemToArray(arr, oj)) {
            cJSON_Delete(oj);
            err = PF_E_NOMEM;
            goto done;
        }
    }
    if (!group && !cJSON_AddItemReferenceToObject(resp, "order", cJSON_GetArrayItem(arr, 0)))
        err = PF_E_NOMEM;
    if (!err && group &&
        (!cJSON_AddNumberToObject(resp, "group_id", (double)plan.grp.id) ||
         !cJSON_AddStringToObject(resp, "group_ref", plan.grp.ref)))
        err = PF_E_NOMEM;
    if (!err && (!(tj = totals_json(&tot)) || !cJSON_AddItemToObject(resp, "totals", tj))) {
        cJSON_Delete(tj);
        err = PF_E_NOMEM;
    }
    if (!err && (!cJSON_AddNumberToObject(resp, "total", pf_price_to_inr(tot.total)) ||
                 !(c->has_coupon ? cJSON_AddStringToObject(resp, "coupon_code", c->coupon)
                                 : cJSON_AddNullToObject(resp, "coupon_code")) ||
                 !cJSON_AddItemToObject(resp, "payment", pay)))
        err = PF_E_NOMEM;
    else if (!err)
        pay = NULL;
    if (err) goto done;
    mail_placed(r, &plan, &tot, ref, link);
    err = pf_resp_json(w, 201, resp);
    resp = NULL;
done:
    for (size_t i = 0; lines && i < priced && i < n; i++)
        pf_shop_line_clear(&lines[i]);
    free(lines);
    free(fig);
    free(dims);
    pf_checkout_plan_clear(&plan);
    pf_coupon_clear(&coupon);
    cJSON_Delete(resp);
    cJSON_Delete(pay);
    free(link);
    return err;
}

/* ---- handlers ---- */

static pf_err parse_id(pf_req *r, const char *field, const char *s, uint64_t *out)
{
    int64_t v = 0;
    pf_err err = parse_int(r, field, s, &v);
    if (err || v <= 0) return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: a positive id", field);
    *out = (uint64_t)v;
    return PF_E_OK;
}

/* The shop's payee must be usable before anything is stored (the upload included): an order nobody can pay
 * helps no one. False after answering 503. */
static bool payee_ready(pf_req *r, pf_resp *w, pf_err *err)
{
    if (pf_upi_vpa_valid(pf_req_setting(r, "site.upi_id", ""))) return true;
    *err = pf_resp_error(w, 503, "payments are not configured (site.upi_id); please contact the shop");
    return false;
}

static pf_err checkout_single(pf_req *r, pf_resp *w)
{
    co_common c = {0};
    pf_shop_item it = {0};
    pf_upload up = {0};
    pf_analysis an;
    cJSON *warnings = NULL;
    char prefix[1][24] = {""};
    const char *model = pf_req_form(r, "catalog_model_id"), *sess = pf_req_form(r, "session_id");
    pf_err err = PF_E_OK;
    if (!payee_ready(r, w, &err)) goto done;
    if ((err = read_common(r, get_form, &c)) ||
        (err =
             read_item(r, "", pf_req_form(r, "material"), pf_req_form(r, "color"), pf_req_form(r, "quantity"),
                       pf_req_form(r, "infill"), pf_req_form(r, "priority_print"), &it)))
        goto done;
    /* Exactly one source: a file part (the upload hook keeps its state in the request context), an upload
     * session from POST /api/upload-for-cart, or a catalog model. */
    if ((pf_req_ctx(r) != NULL) + !blank(model) + !blank(sess) > 1) {
        err = pf_errf(EB(r), PF_E_INVALID_FIELD,
                      "model_file: give one of a model file, session_id or catalog_model_id");
        goto done;
    }
    if (!blank(model)) {
        if ((err = parse_id(r, "catalog_model_id", model, &it.model_id))) goto done;
    } else if (!blank(sess)) {
        if ((err = parse_id(r, "session_id", sess, &it.session_id))) goto done;
    } else {
        /* The file becomes an upload session of this user, claimed by the order below. */
        if ((err = pf_upload_finish(r, &up, &an, &warnings))) goto done;
        it.session_id = up.id;
    }
    err = place(r, w, &it, prefix, 1, &c, false);
done:
    pf_upload_clear(&up);
    cJSON_Delete(warnings);
    return err;
}

static pf_err checkout_cart(pf_req *r, pf_resp *w)
{
    co_common c = {0};
    pf_shop_item items[MAX_ITEMS] = {{0}};
    char prefix[MAX_ITEMS][24];
    const cJSON *body = pf_req_json(r), *arr = cJSON_GetObjectItemCaseSensitive(body, "items");
    if (!cJSON_IsArray(arr)) return pf_errf(EB(r), PF_E_INVALID_FIELD, "items: required (an array)");
    int n = cJSON_GetArraySize(arr);
    if (n < 1 || n > MAX_ITEMS)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "items: between 1 and %d items", MAX_ITEMS);
    pf_err err = PF_E_OK;
    if (!payee_ready(r, w, &err) || (err = read_common(r, get_json, &c))) return err;
    for (int i = 0; i < n; i++) {
        const cJSON *o = cJSON_GetArrayItem(arr, i);
        char field[48], b[6][48];
        snprintf(prefix[i], sizeof prefix[i], "items[%d].", i);
        if (!cJSON_IsObject(o)) return pf_errf(EB(r), PF_E_INVALID_FIELD, "items[%d]: must be an object", i);
#define J(name, k) jtext(cJSON_GetObjectItemCaseSensitive(o, name), b[k], sizeof b[k])
        const char *sess = J("session_id", 0), *model = J("catalog_model_id", 1), *qty = J("qty", 2);
        if (!qty) qty = J("quantity", 2);
        const char *mat = jtext(cJSON_GetObjectItemCaseSensitive(o, "material"), field, sizeof field);
        if (mat == field)
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "items[%d].material: must be a string", i);
        const char *color = J("color", 3);
        if (color == b[3]) return pf_errf(EB(r), PF_E_INVALID_FIELD, "items[%d].color: must be a string", i);
        if ((err =
                 read_item(r, prefix[i], mat, color, qty, J("infill", 4), J("priority_print", 5), &items[i])))
            return err;
#undef J
        if (blank(sess) == blank(model))
            return pf_errf(EB(r), PF_E_INVALID_FIELD,
                           "items[%d]: exactly one of session_id and catalog_model_id", i);
        snprintf(field, sizeof field, "items[%d].%s", i, blank(sess) ? "catalog_model_id" : "session_id");
        if ((err = parse_id(r, field, blank(sess) ? model : sess,
                            blank(sess) ? &items[i].model_id : &items[i].session_id)))
            return err;
    }
    return place(r, w, items, prefix, (size_t)n, &c, true);
}

/* ---- coupons ---- */

static cJSON *coupon_json(const pf_coupon *c)
{
    bool pct = c->kind && !strcmp(c->kind, "percent");
    cJSON *j = cJSON_CreateObject();
    bool ok = j && cJSON_AddNumberToObject(j, "id", (double)c->id) &&
              cJSON_AddStringToObject(j, "code", c->code ? c->code : "") &&
              cJSON_AddStringToObject(j, "kind", c->kind ? c->kind : "") &&
              cJSON_AddNumberToObject(j, "value", pct ? c->value : c->value / 100.0) &&
              cJSON_AddNumberToObject(j, "min_order", pf_price_to_inr(c->min_order)) &&
              cJSON_AddNumberToObject(j, "max_uses", (double)c->max_uses) &&
              cJSON_AddNumberToObject(j, "used", (double)c->used) &&
              cJSON_AddNumberToObject(j, "per_user_max", (double)c->per_user_max) &&
              (c->starts_at ? cJSON_AddNumberToObject(j, "starts_at", (double)c->starts_at) != NULL
                            : cJSON_AddNullToObject(j, "starts_at") != NULL) &&
              (c->ends_at ? cJSON_AddNumberToObject(j, "ends_at", (double)c->ends_at) != NULL
                          : cJSON_AddNullToObject(j, "ends_at") != NULL) &&
              cJSON_AddBoolToObject(j, "is_active", c->is_active) &&
              cJSON_AddBoolToObject(j, "popup", c->popup) &&
              cJSON_AddStringToObject(j, "description", c->description ? c->description : "");
    if (!ok) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

/* Rupees (a JSON number, >= 0, at most two decimals) to paise. */
static pf_err rupees_field(pf_req *r, const char *field, double v, int64_t *out)
{
    double p = v * 100.0;
    if (!isfinite(v) || v < 0 || p > (double)PF_PRICE_MAX_TOTAL_PAISE || fabs(p - nearbyint(p)) > 1e-6)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: rupees, at most two decimals", field);
    *out = (int64_t)llrint(p);
    return PF_E_OK;
}

static pf_err count_field(pf_req *r, const char *field, const cJSON *v, uint64_t *out)
{
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble != floor(v->valuedouble) ||
        v->valuedouble > 1e15)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: a whole number >= 0 (0 = unlimited)", field);
    *out = (uint64_t)v->valuedouble;
    return PF_E_OK;
}

static pf_err time_field(pf_req *r, const char *field, const cJSON *v, int64_t *out)
{
    if (cJSON_IsNull(v)) return *out = 0, PF_E_OK;
    if (cJSON_IsString(v)) { /* ISO 8601 in UTC: 2026-10-20T00:00:00Z or a date */
        struct tm tm = {0};
        const char *end = strptime(v->valuestring, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end) end = strptime(v->valuestring, "%Y-%m-%d", &tm);
        if (end && (!*end || !strcmp(end, "Z"))) return *out = (int64_t)timegm(&tm), PF_E_OK;
    } else if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e11 &&
               v->valuedouble == floor(v->valuedouble)) {
        return *out = (int64_t)v->valuedouble, PF_E_OK;
    }
    return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: Unix seconds, an ISO 8601 UTC time or null", field);
}

/* Applies the body's fields to c (all required when create). Flat values and min_order are rupees. */
static pf_err coupon_apply(pf_req *r, pf_coupon *c, bool create)
{
    const cJSON *b = pf_req_json(r), *v;
    pf_err err;
    if (!b) return pf_errf(EB(r), PF_E_INVALID_FIELD, "body: a JSON object");
    const char *code = NULL, *kind = NULL, *desc = NULL;
    if ((err = pf_req_json_string(r, "code", create, &code)) ||
        (err = pf_req_json_string(r, "kind", create, &kind)) ||
        (err = pf_req_json_string(r, "description", false, &desc)))
        return err;
    if (code) {
        char norm[PF_COUPON_CODE_MAX + 1];
        if ((err = pf_coupon_code_normalize("code", code, norm, EB(r)))) return err;
        char *s = strdup(norm);
        if (!s) return PF_E_NOMEM;
        free(c->code), c->code = s;
    }
    if (kind) {
        char *s = strdup(kind);
        if (!s) return PF_E_NOMEM;
        free(c->kind), c->kind = s;
    }
    if (desc) {
        if ((err = text_field(r, "description", desc, 500, true))) return err;
        char *s = strdup(desc);
        if (!s) return PF_E_NOMEM;
        free(c->description), c->description = s;
    }
    double value = 0;
    if ((err = pf_req_json_number(r, "value", create, &value))) return err;
    if (cJSON_GetObjectItemCaseSensitive(b, "value")) {
        int64_t paise = 0;
        if (c->kind && !strcmp(c->kind, "percent"))
            c->value = value;
        else if ((err = rupees_field(r, "value", value, &paise)))
            return err;
        else
            c->value = (double)paise;
    } else if (kind) {
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "value: required when the kind changes");
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(b, "min_order"))) {
        if (!cJSON_IsNumber(v)) return pf_errf(EB(r), PF_E_INVALID_FIELD, "min_order: rupees");
        if ((err = rupees_field(r, "min_order", v->valuedouble, &c->min_order))) return err;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(b, "max_uses")) &&
        (err = count_field(r, "max_uses", v, &c->max_uses)))
        return err;
    if ((v = cJSON_GetObjectItemCaseSensitive(b, "per_user_max")) &&
        (err = count_field(r, "per_user_max", v, &c->per_user_max)))
        return err;
    if ((v = cJSON_GetObjectItemCaseSensitive(b, "starts_at")) &&
        (err = time_field(r, "starts_at", v, &c->starts_at)))
        return err;
    if ((v = cJSON_GetObjectItemCaseSensitive(b, "ends_at")) &&
        (err = time_field(r, "ends_at", v, &c->ends_at)))
        return err;
    bool flag;
    if (create) c->is_active = true;
    if (cJSON_GetObjectItemCaseSensitive(b, "is_active")) {
        if ((err = pf_req_json_bool(r, "is_active", true, &flag))) return err;
        c->is_active = flag;
    }
    if (cJSON_GetObjectItemCaseSensitive(b, "popup")) {
        if ((err = pf_req_json_bool(r, "popup", true, &flag))) return err;
        c->popup = flag;
    }
    return pf_coupon_validate_def(c, EB(r));
}

static pf_err coupons_list(pf_req *r, pf_resp *w)
{
    cJSON *o = cJSON_CreateObject(), *a = o ? cJSON_AddArrayToObject(o, "coupons") : NULL;
    pf_err err = a ? PF_E_OK : PF_E_NOMEM;
    uint64_t before = 0;
    do {
        pf_coupon *arr = NULL;
        size_t n = 0;
        if (err || (err = pf_store_coupon_list(pf_req_store(r), NULL, before, 200, &arr, &n, &before, EB(r))))
            break;
        for (size_t i = 0; !err && i < n; i++) {
            cJSON *j = coupon_json(&arr[i]);
            if (!j || !cJSON_AddItemToArray(a, j)) cJSON_Delete(j), err = PF_E_NOMEM;
        }
        pf_coupon_list_free(arr, n);
    } while (!err && before);
    if (err) {
        cJSON_Delete(o);
        return err;
    }
    return pf_resp_json(w, 200, o);
}

static pf_err coupon_create(pf_req *r, pf_resp *w)
{
    pf_coupon c = {0};
    pf_err err = coupon_apply(r, &c, true);
    if (!err) err = pf_store_coupon_put(pf_req_store(r), NULL, &c, EB(r));
    if (err == PF_E_CONFLICT) pf_errf(EB(r), err, "code: a coupon with this code exists");
    if (!err) {
        cJSON *j = coupon_json(&c);
        err = j ? pf_resp_json(w, 201, j) : PF_E_NOMEM;
    }
    pf_coupon_clear(&c);
    return err;
}

typedef struct coupon_edit {
    pf_req *r;   /* the request (body, error buffer) */
    uint64_t id; /* coupon */
    pf_coupon c; /* the result */
} coupon_edit;

static pf_err coupon_edit_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    coupon_edit *e = vctx;
    pf_coupon_clear(&e->c);
    pf_err err = pf_store_coupon_get(NULL, t, e->id, &e->c, eb);
    if (!err) err = coupon_apply(e->r, &e->c, false);
    if (!err) err = pf_store_coupon_put(NULL, t, &e->c, eb);
    if (err == PF_E_CONFLICT) pf_errf(eb, err, "code: a coupon with this code exists");
    return err;
}

static pf_err coupon_update(pf_req *r, pf_resp *w)
{
    coupon_edit e = {.r = r};
    pf_err err = pf_req_param_id(r, "id", &e.id);
    if (!err) err = pf_store_write(pf_req_store(r), coupon_edit_fn, &e, EB(r));
    if (!err) {
        cJSON *j = coupon_json(&e.c);
        err = j ? pf_resp_json(w, 200, j) : PF_E_NOMEM;
    }
    pf_coupon_clear(&e.c);
    return err;
}

static pf_err coupon_delete(pf_req *r, pf_resp *w)
{
    uint64_t id;
    pf_err err = pf_req_param_id(r, "id", &id);
    if (!err) err = pf_store_coupon_del(pf_req_store(r), NULL, id, EB(r));
    if (!err) err = pf_resp_json(w, 200, cJSON_CreateObject());
    return err;
}

/* POST /api/coupons/validate {code, subtotal?}: whether the signed-in customer may use a code now and, given
 * the taxable subtotal in rupees, the discount it gives (before GST). */
static pf_err coupon_validate(pf_req *r, pf_resp *w)
{
    const char *code = NULL;
    double sub = -1;
    char norm[PF_COUPON_CODE_MAX + 1], cname[64];
    pf_coupon c = {0};
    uint64_t uses = 0;
    int64_t paise = 0, discount = 0;
    pf_err err = pf_req_json_string(r, "code", true, &code);
    if (err || (err = pf_req_json_number(r, "subtotal", false, &sub)) ||
        (err = pf_coupon_code_normalize("code", code, norm, EB(r))))
        goto done;
    bool has_sub = cJSON_GetObjectItemCaseSensitive(pf_req_json(r), "subtotal") != NULL;
    if (has_sub && (err = rupees_field(r, "subtotal", sub, &paise))) goto done;
    err = pf_store_coupon_by_code(pf_req_store(r), NULL, norm, &c, EB(r));
    if (err == PF_E_NOT_FOUND) pf_errf(EB(r), err, "no such coupon");
    if (err) goto done;
    pf_checkout_coupon_counter(c.id, pf_req_principal(r)->user.id, cname, sizeof cname);
    if ((err = pf_store_counter_get(pf_req_store(r), NULL, cname, &uses, EB(r))) ||
        (err = pf_coupon_check(&c, (int64_t)time(NULL), has_sub ? paise : c.min_order, uses, EB(r))) ||
        (has_sub && (err = pf_coupon_discount(&c, paise, &discount, EB(r)))))
        goto done;
    cJSON *j = cJSON_CreateObject();
    bool pct = !strcmp(c.kind, "percent");
    if (!j || !cJSON_AddBoolToObject(j, "valid", true) || !cJSON_AddStringToObject(j, "code", c.code) ||
        !cJSON_AddStringToObject(j, "kind", c.kind) ||
        !cJSON_AddNumberToObject(j, "value", pct ? c.value : c.value / 100.0) ||
        !cJSON_AddNumberToObject(j, "min_order", pf_price_to_inr(c.min_order)) ||
        !cJSON_AddStringToObject(j, "description", c.description ? c.description : "") ||
        (has_sub ? !cJSON_AddNumberToObject(j, "discount", pf_price_to_inr(discount))
                 : !cJSON_AddNullToObject(j, "discount"))) {
        cJSON_Delete(j);
        err = PF_E_NOMEM;
        goto done;
    }
    err = pf_resp_json(w, 200, j);
done:
    pf_coupon_clear(&c);
    return err;
}

#define U PF_LIMIT_UPLOAD
#define G PF_LIMIT_GENERAL
#define J PF_ACCESS_ADMIN_JWT
static const pf_route routes[] = {
    {PF_POST, "/api/checkout", checkout_single, PF_ACCESS_USER, NULL, U, PF_BODY_MULTIPART, 0,
     pf_upload_on_part},
    {PF_POST, "/api/cart-checkout", checkout_cart, PF_ACCESS_USER, NULL, U, PF_BODY_JSON, 0, NULL},
    {PF_POST, "/api/coupons/validate", coupon_validate, PF_ACCESS_USER, NULL, G, PF_BODY_JSON, 0, NULL},
    {PF_GET, "/api/admin/coupons", coupons_list, PF_ACCESS_ADMIN, "admin:read", G, PF_BODY_NONE, 0, NULL},
    {PF_POST, "/api/admin/coupons", coupon_create, J, NULL, G, PF_BODY_JSON, 0, NULL},
    {PF_PUT, "/api/admin/coupons/:id", coupon_update, J, NULL, G, PF_BODY_JSON, 0, NULL},
    {PF_DELETE, "/api/admin/coupons/:id", coupon_delete, J, NULL, G, PF_BODY_NONE, 0, NULL},
};
#undef U
#undef G
#undef J

const pf_route_table pf_api_checkout_routes = {routes, sizeof routes / sizeof routes[0]};
