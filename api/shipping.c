/* PIN code lookup with an optional shipping quote from the shop's PIN (GET /api/pincodes), the public list of
 * active shipping partners, and admin CRUD of shipping partners (name, tracking URL template, active). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "engine/price.h"
#include "engine/shipping.h"

#define EB(r) pf_req_eb(r)
#define NAME_MAX_LEN 100
#define PARTNERS_MAX 1000 /* a shop has a handful; the list stops here */

/* ---- GET /api/pincodes ---- */

/* The shop's shipping settings from the request's snapshot. A bad stored value is the shop's fault, not the
 * caller's: 500 with the detail logged. */
static pf_err shop_settings(pf_req *r, pf_ship_settings *out)
{
    pf_errbuf sub = {{0}};
    pf_err err = pf_ship_settings_parse(pf_req_setting(r, "shipping.origin_pin", NULL),
                                        pf_req_setting(r, "shipping.packaging_g", NULL),
                                        pf_req_setting(r, "shipping.packaging_pct", NULL),
                                        pf_req_setting(r, "shipping.gst_pct", NULL), out, &sub);
    return err ? pf_errf(EB(r), PF_E_IO, "shop settings: %s", sub.msg) : PF_E_OK;
}

/* The pin query argument with spaces dropped ("560 001" is how many people write it), into out[7]. */
static pf_err pin_arg(pf_req *r, char out[7])
{
    const char *q = pf_req_query(r, "pin");
    if (!q || !*q) return pf_errf(EB(r), PF_E_INVALID_FIELD, "pin: required (six digits, e.g. ?pin=560001)");
    size_t n = 0;
    for (const char *p = q; *p; p++) {
        if (*p == ' ') continue;
        if (n == 6) return pf_errf(EB(r), PF_E_INVALID_FIELD, "pin: must be exactly six digits");
        out[n++] = *p;
    }
    out[n] = '\0';
    pf_pin_info info;
    pf_errbuf sub = {{0}};
    pf_err err = pf_pin_lookup(out, &info, &sub);
    if (err == PF_E_INVAL) return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s", sub.msg);
    if (err) return pf_errf(EB(r), err, "%s", sub.msg);
    return PF_E_OK;
}

/* weight_g query argument: absent leaves *present false. */
static pf_err weight_arg(pf_req *r, bool *present, double *out)
{
    const char *q = pf_req_query(r, "weight_g");
    *present = false;
    if (!q) return PF_E_OK;
    char *end;
    errno = 0;
    double v = strtod(q, &end);
    if (!*q || end == q || *end || errno || !isfinite(v) || v <= 0)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "weight_g: a number of grams above 0");
    if (v > PF_SHIP_MAX_G)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "weight_g: at most %.0f (the parcel limit)", PF_SHIP_MAX_G);
    *out = v;
    *present = true;
    return PF_E_OK;
}

static bool add_str_or_null(cJSON *o, const char *k, const char *v)
{
    return v ? cJSON_AddStringToObject(o, k, v) != NULL : cJSON_AddNullToObject(o, k) != NULL;
}

static bool add_pin(cJSON *o, const pf_pin_info *p)
{
    char code[4];
    snprintf(code, sizeof code, "%02d", p->gst_code);
    return cJSON_AddStringToObject(o, "pin", p->pin) && cJSON_AddNumberToObject(o, "zone", p->zone) &&
           cJSON_AddStringToObject(o, "zone_name", p->zone_name) &&
           cJSON_AddStringToObject(o, "circle", p->circle) && add_str_or_null(o, "state", p->state) &&
           add_str_or_null(o, "state_code", p->gst_code ? code : NULL) &&
           add_str_or_null(o, "district", p->district) &&
           cJSON_AddBoolToObject(o, "district_known", p->district_known);
}

/* Weights and distances to a tenth, as people read them. */
static double tenth(double v)
{
    return round(v * 10) / 10;
}

static bool add_quote(cJSON *o, const pf_ship_settings *s, const pf_ship_quote *q)
{
    cJSON *from = cJSON_CreateObject();
    if (!from || !cJSON_AddItemToObject(o, "from", from)) {
        cJSON_Delete(from);
        return false;
    }
    return add_pin(from, &q->from) && cJSON_AddNumberToObject(o, "weight_g", q->goods_g) &&
           cJSON_AddNumberToObject(o, "packaging_g", s->packaging_g) &&
           cJSON_AddNumberToObject(o, "packaging_pct", s->packaging_pct) &&
           cJSON_AddNumberToObject(o, "billed_weight_g", q->billed_g) &&
           cJSON_AddNumberToObject(o, "distance_km", tenth(q->distance_km)) &&
           cJSON_AddStringToObject(o, "band", pf_ship_band_name(q->band)) &&
           cJSON_AddNumberToObject(o, "charge", pf_price_to_inr(q->charge)) &&
           cJSON_AddNumberToObject(o, "gst_pct", s->gst_pct) &&
           cJSON_AddNumberToObject(o, "gst", pf_price_to_inr(q->gst)) &&
           cJSON_AddNumberToObject(o, "total", pf_price_to_inr(q->total)) &&
           cJSON_AddBoolToObject(o, "intra_state", pf_gst_intra_state(q->from.state, q->to.state)) &&
           cJSON_AddStringToObject(o, "currency", "INR");
}

static pf_err pincodes_get(pf_req *r, pf_resp *w)
{
    char pin[7];
    bool want_quote;
    double weight = 0;
    pf_err err;
    if ((err = pin_arg(r, pin)) || (err = weight_arg(r, &want_quote, &weight))) return err;
    pf_pin_info info;
    if ((err = pf_pin_lookup(pin, &info, EB(r)))) return err;
    pf_ship_settings s;
    pf_ship_quote q;
    if (want_quote) {
        if ((err = shop_settings(r, &s))) return err;
        pf_errbuf sub = {{0}};
        if ((err = pf_ship_quote_parcel(&s, pin, weight, &q, &sub)))
            return pf_errf(EB(r), err == PF_E_INVAL ? PF_E_INVALID_FIELD : err, "%s", sub.msg);
    }
    cJSON *o = cJSON_CreateObject(), *sh = NULL;
    bool ok = o && add_pin(o, &info);
    if (ok && want_quote) ok = (sh = cJSON_AddObjectToObject(o, "shipping")) && add_quote(sh, &s, &q);
    if (!ok) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

/* ---- shipping partners ---- */

static cJSON *partner_json(const pf_shipping_partner *p, bool admin)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && cJSON_AddNumberToObject(o, "id", (double)p->id) &&
              cJSON_AddStringToObject(o, "name", p->name ? p->name : "") &&
              add_str_or_null(o, "tracking_url", p->tracking_url) &&
              (!admin || cJSON_AddBoolToObject(o, "is_active", p->is_active));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Every partner, newest first. */
static pf_err partners_all(pf_store *st, pf_txn *t, pf_shipping_partner **out, size_t *n, pf_errbuf *eb)
{
    uint64_t next;
    return pf_store_shipping_partner_list(st, t, 0, PARTNERS_MAX, out, n, &next, eb);
}

static pf_err partners_list(pf_req *r, pf_resp *w, bool admin)
{
    pf_shipping_partner *arr = NULL;
    size_t n = 0;
    pf_err err = partners_all(pf_req_store(r), NULL, &arr, &n, EB(r));
    cJSON *o = err ? NULL : cJSON_CreateObject(), *a = o ? cJSON_AddArrayToObject(o, "partners") : NULL;
    if (!err && !a) err = PF_E_NOMEM;
    /* Oldest first reads naturally in a carrier picker. */
    for (size_t i = n; !err && i-- > 0;) {
        if (!admin && !arr[i].is_active) continue;
        cJSON *one = partner_json(&arr[i], admin);
        if (!one || !cJSON_AddItemToArray(a, one)) cJSON_Delete(one), err = PF_E_NOMEM;
    }
    pf_shipping_partner_list_free(arr, n);
    if (err) {
        cJSON_Delete(o);
        return err;
    }
    return pf_resp_json(w, 200, o);
}

static pf_err partners_public(pf_req *r, pf_resp *w)
{
    return partners_list(r, w, false);
}

static pf_err partners_admin(pf_req *r, pf_resp *w)
{
    return partners_list(r, w, true);
}

/* A partner's fields as given in the body; has_* say which were present. */
typedef struct partner_in {
    char *name;         /* trimmed copy */
    char *tracking_url; /* copy, NULL = clear */
    bool is_active;     /* value */
    bool has_name;      /* name given */
    bool has_url;       /* tracking_url given (null or "" clears it) */
    bool has_active;    /* is_active given */
} partner_in;

static void partner_in_clear(partner_in *in)
{
    free(in->name);
    free(in->tracking_url);
}

static pf_err read_partner(pf_req *r, bool create, partner_in *in)
{
    const char *name = NULL;
    pf_err err;
    if ((err = pf_req_json_string(r, "name", create, &name))) return err;
    if (name) {
        while (isspace((unsigned char)*name))
            name++;
        size_t n = strlen(name);
        while (n && isspace((unsigned char)name[n - 1]))
            n--;
        if (!n || n > NAME_MAX_LEN)
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "name: 1 to %d characters", NAME_MAX_LEN);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
                return pf_errf(EB(r), PF_E_INVALID_FIELD, "name: no control characters");
        if (!(in->name = strndup(name, n))) return PF_E_NOMEM;
        in->has_name = true;
    }
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(pf_req_json(r), "tracking_url");
    if (u) {
        in->has_url = true;
        if (cJSON_IsString(u) && *u->valuestring) {
            pf_errbuf sub = {{0}};
            if (pf_ship_tracking_url_valid(u->valuestring, &sub))
                return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s", sub.msg);
            if (!(in->tracking_url = strdup(u->valuestring))) return PF_E_NOMEM;
        } else if (!cJSON_IsNull(u) && !cJSON_IsString(u)) {
            return pf_errf(EB(r), PF_E_INVALID_FIELD,
                           "tracking_url: a URL template with {tracking}, or null for none");
        }
    }
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(pf_req_json(r), "is_active");
    in->is_active = true; /* new partners are offered unless said otherwise */
    if (a && !cJSON_IsNull(a)) {
        if ((err = pf_req_json_bool(r, "is_active", true, &in->is_active))) return err;
        in->has_active = true;
    }
    if (!create && !in->has_name && !in->has_url && !in->has_active)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "body: give name, tracking_url or is_active");
    return PF_E_OK;
}

/* Case-insensitive equality of two names. */
static bool same_name(const char *a, const char *b)
{
    if (!a || !b) return false;
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
    return !*a && !*b;
}

typedef struct partner_txn {
    pf_store *st;            /* store */
    uint64_t id;             /* 0 = create */
    const partner_in *in;    /* fields */
    pf_shipping_partner out; /* the record as stored */
} partner_txn;

/* Applies the fields inside one write transaction, so the unique-name check and the put agree. */
static pf_err partner_write(pf_txn *t, void *ctx, pf_errbuf *eb)
{
    partner_txn *x = ctx;
    pf_shipping_partner_clear(&x->out);
    pf_err err = PF_E_OK;
    if (x->id && (err = pf_store_shipping_partner_get(x->st, t, x->id, &x->out, eb)))
        return err == PF_E_NOT_FOUND ? pf_errf(eb, err, "no such shipping partner") : err;
    if (x->in->has_name) {
        pf_shipping_partner *all = NULL;
        size_t n = 0;
        if ((err = partners_all(x->st, t, &all, &n, eb))) return err;
        for (size_t i = 0; i < n && !err; i++)
            if (all[i].id != x->id && same_name(all[i].name, x->in->name))
                err = pf_errf(eb, PF_E_CONFLICT, "name: a shipping partner named '%s' exists", all[i].name);
        pf_shipping_partner_list_free(all, n);
        if (err) return err;
        char *name = strdup(x->in->name);
        if (!name) return PF_E_NOMEM;
        free(x->out.name);
        x->out.name = name;
    }
    if (x->in->has_url) {
        char *url = x->in->tracking_url ? strdup(x->in->tracking_url) : NULL;
        if (x->in->tracking_url && !url) return PF_E_NOMEM;
        free(x->out.tracking_url);
        x->out.tracking_url = url;
    }
    if (x->in->has_active || !x->id) x->out.is_active = x->in->is_active;
    return pf_store_shipping_partner_put(x->st, t, &x->out, eb);
}

static pf_err partner_save(pf_req *r, pf_resp *w, uint64_t id)
{
    partner_in in = {0};
    partner_txn x = {.st = pf_req_store(r), .id = id, .in = &in};
    pf_err err = read_partner(r, id == 0, &in);
    if (!err) err = pf_store_write(x.st, partner_write, &x, EB(r));
    if (!err) {
        cJSON *o = partner_json(&x.out, true);
        err = o ? pf_resp_json(w, id ? 200 : 201, o) : PF_E_NOMEM;
    }
    pf_shipping_partner_clear(&x.out);
    partner_in_clear(&in);
    return err;
}

static pf_err partner_create(pf_req *r, pf_resp *w)
{
    return partner_save(r, w, 0);
}

static pf_err partner_update(pf_req *r, pf_resp *w)
{
    uint64_t id;
    pf_err err = pf_req_param_id(r, "id", &id);
    if (err) return pf_errf(EB(r), err, "no such shipping partner");
    /* An unknown id is a 404 whatever the body says. */
    pf_shipping_partner p = {0};
    err = pf_store_shipping_partner_get(pf_req_store(r), NULL, id, &p, EB(r));
    pf_shipping_partner_clear(&p);
    if (err) return err == PF_E_NOT_FOUND ? pf_errf(EB(r), err, "no such shipping partner") : err;
    return partner_save(r, w, id);
}

/* Orders keep their own carrier name and link (carrier_url), so deleting a partner loses nothing. */
static pf_err partner_delete(pf_req *r, pf_resp *w)
{
    (void)w;
    uint64_t id;
    pf_err err = pf_req_param_id(r, "id", &id);
    if (!err) err = pf_store_shipping_partner_del(pf_req_store(r), NULL, id, EB(r));
    if (err == PF_E_NOT_FOUND) return pf_errf(EB(r), err, "no such shipping partner");
    return err; /* 204 */
}

#define P PF_ACCESS_PUBLIC
#define J PF_ACCESS_ADMIN_JWT
#define G PF_LIMIT_GENERAL
static const pf_route routes[] = {
    {PF_GET, "/api/pincodes", pincodes_get, P, NULL, G, PF_BODY_NONE, 0, NULL},
    {PF_GET, "/api/shipping-partners", partners_public, P, NULL, G, PF_BODY_NONE, 0, NULL},
    {PF_GET, "/api/admin/shipping-partners", partners_admin, PF_ACCESS_ADMIN, "admin:read", G, PF_BODY_NONE,
     0, NULL},
    {PF_POST, "/api/admin/shipping-partners", partner_create, J, NULL, G, PF_BODY_JSON, 0, NULL},
    {PF_PUT, "/api/admin/shipping-partners/:id", partner_update, J, NULL, G, PF_BODY_JSON, 0, NULL},
    {PF_DELETE, "/api/admin/shipping-partners/:id", partner_delete, J, NULL, G, PF_BODY_NONE, 0, NULL},
};
#undef P
#undef J
#undef G

const pf_route_table pf_api_shipping_routes = {routes, sizeof routes / sizeof routes[0]};
