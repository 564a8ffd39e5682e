/* POST /api/quote: an instant price from the numeric fields (fast model) or from the session_id of an upload
 * (slicer-grade estimate, cached by mesh), with shipping by PIN code. JSON or msgpack both ways (the
 * dispatcher converts). The high-volume path: settings from the request's snapshot, one read transaction,
 * no LMDB write. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/routes.h"
#include "api/shop.h"

#define EB(r) pf_req_eb(r)

/* The body's fields, found in one pass over its members (the first of duplicate keys, as
 * cJSON_GetObjectItemCaseSensitive finds it) rather than one scan of the object per field. */
enum {
    F_MATERIAL,
    F_COLOR,
    F_QUANTITY,
    F_INFILL,
    F_PRIORITY,
    F_SESSION,
    F_DIM_X,
    F_DIM_Y,
    F_DIM_Z,
    F_VOLUME,
    F_FULFILLMENT,
    F_ZIP,
    F_METHOD,
    F_N
};

static const struct {
    const char *name; /* key */
    size_t len;       /* its length */
} fields[F_N] = {
    [F_MATERIAL] = {"material", 8},        [F_COLOR] = {"color", 5},
    [F_QUANTITY] = {"quantity", 8},        [F_INFILL] = {"infill", 6},
    [F_PRIORITY] = {"priority_print", 14}, [F_SESSION] = {"session_id", 10},
    [F_DIM_X] = {"dim_x_mm", 8},           [F_DIM_Y] = {"dim_y_mm", 8},
    [F_DIM_Z] = {"dim_z_mm", 8},           [F_VOLUME] = {"volume_cm3", 10},
    [F_FULFILLMENT] = {"fulfillment", 11}, [F_ZIP] = {"shipping_zip", 12},
    [F_METHOD] = {"shipping_method", 15},
};

static void fields_find(const cJSON *o, const cJSON *out[F_N])
{
    for (int i = 0; i < F_N; i++)
        out[i] = NULL;
    for (const cJSON *c = o->child; c; c = c->next) {
        if (!c->string) continue;
        size_t n = strlen(c->string);
        for (int i = 0; i < F_N; i++)
            if (fields[i].len == n && !out[i] && !memcmp(fields[i].name, c->string, n)) {
                out[i] = c;
                break;
            }
    }
}

/* A field as a number: a JSON number or a numeric string (form-driven clients send "20"). Absent or null
 * leaves *out. */
static pf_err field_num(pf_req *r, const cJSON *v, const char *name, double *out)
{
    if (!v || cJSON_IsNull(v)) return PF_E_OK;
    if (cJSON_IsNumber(v)) {
        if (!isfinite(v->valuedouble))
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: must be a number", name);
        *out = v->valuedouble;
        return PF_E_OK;
    }
    if (cJSON_IsString(v) && *v->valuestring) {
        char *end;
        double d = strtod(v->valuestring, &end);
        if (*end == 0 && isfinite(d)) {
            *out = d;
            return PF_E_OK;
        }
    }
    return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: must be a number", name);
}

static pf_err field_str(pf_req *r, const cJSON *v, const char *name, const char **out)
{
    if (!v || cJSON_IsNull(v)) return PF_E_OK;
    if (!cJSON_IsString(v)) return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: must be a string", name);
    *out = v->valuestring;
    return PF_E_OK;
}

static pf_err field_bool(pf_req *r, const cJSON *v, const char *name, bool *out)
{
    if (!v || cJSON_IsNull(v)) return PF_E_OK;
    if (cJSON_IsBool(v))
        *out = cJSON_IsTrue(v);
    else if (cJSON_IsNumber(v) && (v->valuedouble == 0 || v->valuedouble == 1))
        *out = v->valuedouble == 1;
    else if (cJSON_IsString(v) && (!strcasecmp(v->valuestring, "true") || !strcmp(v->valuestring, "1")))
        *out = true;
    else if (cJSON_IsString(v) && (!strcasecmp(v->valuestring, "false") || !strcmp(v->valuestring, "0")))
        *out = false;
    else
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: must be true or false", name);
    return PF_E_OK;
}

/* A positive whole number field (ids, quantities) within max. */
static pf_err field_whole(pf_req *r, const cJSON *v, const char *name, double max, uint64_t *out)
{
    double d = NAN; /* field_num never stores NaN: still NaN means absent */
    pf_err err = field_num(r, v, name, &d);
    if (err || isnan(d)) return err;
    if (!(d >= 1 && d <= max && d == floor(d)))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: must be a whole number from 1 to %.0f", name, max);
    *out = (uint64_t)d;
    return PF_E_OK;
}

static void inr(pf_jw *w, pf_jw_key k, int64_t paise)
{
    pf_jw_num_k(w, k, pf_price_to_inr(paise));
}

/* What the quote adds to the line's answer: shipping lines inside "price", fulfillment and the shipping
 * details at the end. */
typedef struct quote_more {
    bool ship;               /* fulfillment is ship */
    const pf_ship_quote *sq; /* the shipping quote when ship */
    const char *method;      /* shipping method shown */
    int64_t item_total;      /* the line's own total, paise */
} quote_more;

static void price_more(pf_jw *w, void *ctx)
{
    const quote_more *q = ctx;
    inr(w, PF_JW_KEY("shipping"), q->ship ? q->sq->charge : 0);
    inr(w, PF_JW_KEY("shipping_gst"), q->ship ? q->sq->gst : 0);
    inr(w, PF_JW_KEY("item_total"), q->item_total);
}

static void answer_more(pf_jw *w, void *ctx)
{
    const quote_more *q = ctx;
    pf_jw_str_k(w, PF_JW_KEY("fulfillment"), q->ship ? "ship" : "pickup");
    if (!q->ship) {
        pf_jw_null_k(w, PF_JW_KEY("shipping"));
        return;
    }
    const pf_ship_quote *s = q->sq;
    pf_jw_obj_k(w, PF_JW_KEY("shipping"));
    pf_jw_str_k(w, PF_JW_KEY("method"), q->method);
    pf_jw_str_k(w, PF_JW_KEY("zip"), s->to.pin);
    pf_jw_str_k(w, PF_JW_KEY("district"), s->to.district ? s->to.district : "");
    pf_jw_str_k(w, PF_JW_KEY("state"), s->to.state ? s->to.state : "");
    pf_jw_str_k(w, PF_JW_KEY("zone"), s->to.zone_name ? s->to.zone_name : "");
    pf_jw_str_k(w, PF_JW_KEY("band"), pf_ship_band_name(s->band));
    pf_jw_num_k(w, PF_JW_KEY("distance_km"), round(s->distance_km));
    pf_jw_num_k(w, PF_JW_KEY("billed_weight_g"), round(s->billed_g));
    inr(w, PF_JW_KEY("charge"), s->charge);
    inr(w, PF_JW_KEY("gst"), s->gst);
    inr(w, PF_JW_KEY("total"), s->total);
    pf_jw_end(w);
}

static pf_err quote(pf_req *r, pf_resp *w)
{
    if (!pf_req_json(r))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "body: a JSON or msgpack object is required");
    pf_shop_item it = {.quantity = 1, .infill_pct = -1};
    const char *fulfillment = "pickup", *zip = NULL, *method = NULL;
    uint64_t qty = 1;
    double infill = NAN;
    pf_err err = PF_E_OK;
    const cJSON *f[F_N];
    fields_find(pf_req_json(r), f);
#define AT(i) f[i], fields[i].name
    if (!err) err = field_str(r, AT(F_MATERIAL), &it.material);
    if (!err) err = field_str(r, AT(F_COLOR), &it.color);
    if (!err) err = field_whole(r, AT(F_QUANTITY), PF_PRICE_MAX_QUANTITY, &qty);
    if (!err) err = field_num(r, AT(F_INFILL), &infill);
    if (!err) err = field_bool(r, AT(F_PRIORITY), &it.priority);
    if (!err) err = field_whole(r, AT(F_SESSION), 9007199254740992.0, &it.session_id);
    if (!err) err = field_num(r, AT(F_DIM_X), &it.dim_mm[0]);
    if (!err) err = field_num(r, AT(F_DIM_Y), &it.dim_mm[1]);
    if (!err) err = field_num(r, AT(F_DIM_Z), &it.dim_mm[2]);
    if (!err) err = field_num(r, AT(F_VOLUME), &it.volume_cm3);
    if (!err) err = field_str(r, AT(F_FULFILLMENT), &fulfillment);
    if (!err) err = field_str(r, AT(F_ZIP), &zip);
    if (!err) err = field_str(r, AT(F_METHOD), &method);
#undef AT
    if (err) return err;
    it.quantity = (int64_t)qty;
    if (!isnan(infill) && !(infill >= 0 && infill <= 100))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "infill: must be between 0 and 100");
    if (!isnan(infill)) it.infill_pct = infill;
    bool ship;
    if (!strcasecmp(fulfillment, "pickup"))
        ship = false;
    else if (!strcasecmp(fulfillment, "ship") || !strcasecmp(fulfillment, "shipping") ||
             !strcasecmp(fulfillment, "delivery"))
        ship = true;
    else
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "fulfillment: must be pickup or ship");
    if (ship && (!zip || !*zip))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "shipping_zip: required when fulfillment is ship");
    if (method && strlen(method) > 64)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "shipping_method: at most 64 characters");

    pf_shop_line line;
    if ((err = pf_shop_price_line(r, &it, &line))) return err;
    pf_ship_quote sq = {0};
    if (ship) err = pf_shop_shipping(r, zip, line.est.weight_g * (double)line.quantity, &sq);
    if (err) {
        pf_shop_line_clear(&line);
        return err;
    }
    /* The customer's lines: the item's, then shipping with its GST; total is everything payable. The answer
     * is written straight to text (a tree only when it is to be packed as msgpack). */
    quote_more qm = {.ship = ship,
                     .sq = &sq,
                     .method = method && *method ? method : "india_post",
                     .item_total = line.price.total};
    pf_shop_line_extra x = {.total_set = true,
                            .total = line.price.total + (ship ? sq.total : 0),
                            .price_more = price_more,
                            .more = answer_more,
                            .ctx = &qm};
    pf_jw jw;
    pf_jw_init(&jw, pf_resp_msgpack(w) ? PF_JW_TREE : PF_JW_TEXT, 1024);
    pf_shop_line_write(&jw, NULL, &line, &x);
    pf_shop_line_clear(&line);
    return pf_resp_jw(w, 200, &jw);
}

static const pf_route routes[] = {
    {PF_POST, "/api/quote", quote, PF_ACCESS_PUBLIC, NULL, PF_LIMIT_QUOTE, PF_BODY_JSON, 64 << 10, NULL},
};

const pf_route_table pf_api_quote_routes = {routes, sizeof routes / sizeof routes[0]};
