/* End-to-end tests of shipping over HTTP: GET /api/pincodes (lookup, quote from the shop's PIN with the
 * shop's settings, errors), the public list of active shipping partners and their admin CRUD with access,
 * validation, unique names and persistence across a restart. */
#include <criterion/criterion.h>
#include <math.h>

#include "account_test_util.h"

/* The published Speed Post tariff (1 Oct 2012 revision) in rupees, independent of the engine's copy: rows
 * up to 50 g, 51-200 g, 201-500 g, each further 500 g; columns local, <=200, 201-1000, 1001-2000, >2000 km.
 */
static const int published[4][5] = {
    {15, 35, 35, 35, 35},
    {25, 35, 40, 60, 70},
    {30, 50, 60, 80, 90},
    {10, 15, 30, 40, 50},
};

/* Rupees as paise, for exact comparisons. */
static long long paise(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    cr_assert(cJSON_IsNumber(v), "%s is a number", k);
    return llround(v->valuedouble * 100);
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    cr_assert(cJSON_IsNumber(v), "%s is a number", k);
    return v->valuedouble;
}

static cJSON *get(acct_env *e, const char *path, const char *auth, long want)
{
    http_res r = req(e, "GET", path, auth, NULL);
    cr_assert_eq(r.status, want, "GET %s: %ld (%s)", path, r.status, r.body);
    cJSON *j = body_json(&r);
    cr_assert_not_null(j, "GET %s: JSON body (%s)", path, r.body);
    http_free(&r);
    return j;
}

/* The error message of a 4xx answer, which must be {"error": "..."}; the caller frees. */
static char *error_of(acct_env *e, const char *method, const char *path, const char *auth, const char *body,
                      long want)
{
    http_res r = req(e, method, path, auth, body);
    cr_assert_eq(r.status, want, "%s %s %s: %ld (%s)", method, path, body ? body : "", r.status, r.body);
    cJSON *j = body_json(&r);
    const char *m = jstr(j, "error");
    cr_assert_not_null(m, "%s %s: error body (%s)", method, path, r.body);
    char *out = strdup(m);
    cJSON_Delete(j);
    http_free(&r);
    return out;
}

static void expect_error(acct_env *e, const char *method, const char *path, const char *auth,
                         const char *body, long want, const char *mentions)
{
    char *m = error_of(e, method, path, auth, body, want);
    if (mentions)
        cr_expect(strstr(m, mentions) != NULL, "%s %s: '%s' mentions '%s'", method, path, m, mentions);
    free(m);
}

Test(api_shipping, pincode_lookup, .timeout = 60)
{
    acct_env e;
    acct_start(&e, NULL);
    cJSON *j = get(&e, "/api/pincodes?pin=560001", NULL, 200);
    cr_expect_str_eq(jstr(j, "pin"), "560001");
    cr_expect_eq(num(j, "zone"), 5);
    cr_expect_str_eq(jstr(j, "zone_name"), "Southern");
    cr_expect_str_eq(jstr(j, "circle"), "Karnataka");
    cr_expect_str_eq(jstr(j, "state"), "Karnataka");
    cr_expect_str_eq(jstr(j, "state_code"), "29");
    cr_expect_str_eq(jstr(j, "district"), "Bengaluru");
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "district_known")));
    cr_expect_null(cJSON_GetObjectItem(j, "shipping"), "no quote without weight_g");
    cJSON_Delete(j);

    /* "560 001" is how many people write it. */
    j = get(&e, "/api/pincodes?pin=110%20001", NULL, 200);
    cr_expect_str_eq(jstr(j, "pin"), "110001");
    cr_expect_str_eq(jstr(j, "state"), "Delhi");
    cr_expect_str_eq(jstr(j, "state_code"), "07");
    cJSON_Delete(j);

    /* A prefix not in the table, inside a known circle: state yes, district null. */
    j = get(&e, "/api/pincodes?pin=569001", NULL, 200);
    cr_expect_str_eq(jstr(j, "state"), "Karnataka");
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(j, "district")));
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(j, "district_known")));
    cJSON_Delete(j);

    /* Field post office: no state. */
    j = get(&e, "/api/pincodes?pin=999001", NULL, 200);
    cr_expect_str_eq(jstr(j, "circle"), "Army Postal Service");
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(j, "state")));
    cJSON_Delete(j);

    expect_error(&e, "GET", "/api/pincodes", NULL, NULL, 422, "pin");
    expect_error(&e, "GET", "/api/pincodes?pin=", NULL, NULL, 422, "pin");
    expect_error(&e, "GET", "/api/pincodes?pin=56000", NULL, NULL, 422, "six digits");
    expect_error(&e, "GET", "/api/pincodes?pin=5600011", NULL, NULL, 422, "six digits");
    expect_error(&e, "GET", "/api/pincodes?pin=56000a", NULL, NULL, 422, "pin");
    expect_error(&e, "GET", "/api/pincodes?pin=012345", NULL, NULL, 422, "0");
    expect_error(&e, "GET", "/api/pincodes?pin=100001", NULL, NULL, 404, "10");
    expect_error(&e, "GET", "/api/pincodes?pin=290001", NULL, NULL, 404, NULL);
    cr_expect_eq(acct_stop(&e), 0);
}

Test(api_shipping, quote_from_shop_pin, .timeout = 60)
{
    acct_env e;
    const char *settings[] = {"shipping.origin_pin",
                              "560001",
                              "shipping.packaging_g",
                              "50",
                              "shipping.packaging_pct",
                              "10",
                              "shipping.gst_pct",
                              "18",
                              NULL};
    acct_start(&e, settings);

    /* Bengaluru to Delhi, 450 g of goods: 450 + 50 + 45 = 545 g, 1001-2000 km. */
    cJSON *j = get(&e, "/api/pincodes?pin=110001&weight_g=450", NULL, 200);
    cr_expect_str_eq(jstr(j, "state"), "Delhi");
    const cJSON *s = cJSON_GetObjectItem(j, "shipping");
    cr_assert(cJSON_IsObject(s), "shipping quote present");
    cr_expect_eq(num(s, "weight_g"), 450);
    cr_expect_eq(num(s, "billed_weight_g"), 545);
    cr_expect_str_eq(jstr(s, "band"), "1001_2000km");
    double km = num(s, "distance_km");
    cr_expect(km > 1650 && km < 1850, "Bengaluru-Delhi %f km", km);
    long long charge = (published[2][3] + published[3][3]) * 100LL;
    cr_expect_eq(paise(s, "charge"), charge);
    cr_expect_eq(paise(s, "gst"), (charge * 18 + 50) / 100);
    cr_expect_eq(paise(s, "total"), paise(s, "charge") + paise(s, "gst"));
    cr_expect_eq(num(s, "gst_pct"), 18);
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(s, "intra_state")), "Karnataka to Delhi is inter-state");
    const cJSON *from = cJSON_GetObjectItem(s, "from");
    cr_expect_str_eq(jstr(from, "pin"), "560001");
    cr_expect_str_eq(jstr(from, "state"), "Karnataka");
    cJSON_Delete(j);

    /* Within Bengaluru, 100 g: 160 g billed, local. */
    j = get(&e, "/api/pincodes?pin=560100&weight_g=100", NULL, 200);
    s = cJSON_GetObjectItem(j, "shipping");
    cr_expect_str_eq(jstr(s, "band"), "local");
    cr_expect_eq(num(s, "billed_weight_g"), 160);
    cr_expect_eq(paise(s, "charge"), published[1][0] * 100LL);
    cr_expect_eq(paise(s, "gst"), 450);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(s, "intra_state")));
    cJSON_Delete(j);

    /* Heavier never costs less; farther never costs less. */
    long long prev = 0;
    static const char *far[] = {"560100", "570001", "600001", "110001", "781001"};
    for (size_t i = 0; i < 5; i++) {
        char path[128];
        snprintf(path, sizeof path, "/api/pincodes?pin=%s&weight_g=1200", far[i]);
        j = get(&e, path, NULL, 200);
        long long t = paise(cJSON_GetObjectItem(j, "shipping"), "total");
        cr_expect_geq(t, prev, "%s", far[i]);
        prev = t;
        cJSON_Delete(j);
    }

    static const char *bad_weights[] = {"abc", "-5", "0", "nan", "inf", "1e999", "40000", "12g", ""};
    for (size_t i = 0; i < sizeof bad_weights / sizeof bad_weights[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "/api/pincodes?pin=110001&weight_g=%s", bad_weights[i]);
        expect_error(&e, "GET", path, NULL, NULL, 422, "weight_g");
    }
    /* 33 kg of goods is over 35 kg once packed. */
    expect_error(&e, "GET", "/api/pincodes?pin=110001&weight_g=33000", NULL, NULL, 422, "parcel limit");
    /* An unknown PIN stays a 404 with a weight. */
    expect_error(&e, "GET", "/api/pincodes?pin=100001&weight_g=100", NULL, NULL, 404, NULL);
    cr_expect_eq(acct_stop(&e), 0);
}

/* The shop's settings drive the quote: another origin, no packaging, 5 % GST. */
Test(api_shipping, quote_follows_shop_settings, .timeout = 60)
{
    acct_env e;
    const char *settings[] = {"shipping.origin_pin",
                              "110001",
                              "shipping.packaging_g",
                              "0",
                              "shipping.packaging_pct",
                              "0",
                              "shipping.gst_pct",
                              "5",
                              NULL};
    acct_start(&e, settings);
    cJSON *j = get(&e, "/api/pincodes?pin=110020&weight_g=50", NULL, 200);
    const cJSON *s = cJSON_GetObjectItem(j, "shipping");
    cr_expect_str_eq(jstr(s, "band"), "local");
    cr_expect_eq(num(s, "billed_weight_g"), 50);
    cr_expect_eq(paise(s, "charge"), published[0][0] * 100LL);
    cr_expect_eq(paise(s, "gst"), 75); /* 5 % of ₹15 */
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(s, "intra_state")));
    cJSON_Delete(j);
    /* 51 g is the next slab. */
    j = get(&e, "/api/pincodes?pin=110020&weight_g=51", NULL, 200);
    cr_expect_eq(paise(cJSON_GetObjectItem(j, "shipping"), "charge"), published[1][0] * 100LL);
    cJSON_Delete(j);
    /* Gurugram from Delhi: under 200 km, Haryana. */
    j = get(&e, "/api/pincodes?pin=122001&weight_g=50", NULL, 200);
    s = cJSON_GetObjectItem(j, "shipping");
    cr_expect_str_eq(jstr(s, "band"), "upto_200km");
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(s, "intra_state")));
    cJSON_Delete(j);
    cr_expect_eq(acct_stop(&e), 0);
}

/* A broken origin PIN in settings is the shop's fault: 500, not a client error. */
Test(api_shipping, broken_shop_settings_are_a_server_error, .timeout = 60)
{
    acct_env e;
    const char *settings[] = {"shipping.origin_pin", "000000", NULL};
    acct_start(&e, settings);
    http_res r = req(&e, "GET", "/api/pincodes?pin=110001&weight_g=100", NULL, NULL);
    cr_expect_eq(r.status, 500, "%s", r.body);
    http_free(&r);
    /* The lookup alone still works. */
    cJSON_Delete(get(&e, "/api/pincodes?pin=110001", NULL, 200));
    cr_expect_eq(acct_stop(&e), 0);
}

static uint64_t create_partner(acct_env *e, const char *admin, const char *body)
{
    http_res r = req(e, "POST", "/api/admin/shipping-partners", admin, body);
    cr_assert_eq(r.status, 201, "%s: %s", body, r.body);
    cJSON *j = body_json(&r);
    uint64_t id = (uint64_t)num(j, "id");
    cr_expect_gt(id, 0);
    cJSON_Delete(j);
    http_free(&r);
    return id;
}

/* The partners array of a list answer, by name: index or -1. */
static int find_partner(const cJSON *list, const char *name)
{
    const cJSON *a = cJSON_GetObjectItem(list, "partners");
    cr_assert(cJSON_IsArray(a));
    for (int i = 0; i < cJSON_GetArraySize(a); i++)
        if (!strcmp(jstr(cJSON_GetArrayItem(a, i), "name"), name)) return i;
    return -1;
}

Test(api_shipping, partners_crud, .timeout = 90)
{
    acct_env e;
    acct_start(&e, NULL);
    char admin[700], user[700], path[128];
    jwt_for(e.dir, e.ids.admin, NULL, admin, sizeof admin);
    jwt_for(e.dir, e.ids.user, NULL, user, sizeof user);
    const char *pat_read = "Authorization: Bearer pf_test_admin:read";

    cJSON *j = get(&e, "/api/shipping-partners", NULL, 200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "partners")), 0);
    cJSON_Delete(j);

    uint64_t ip = create_partner(
        &e, admin,
        "{\"name\":\"India Post\",\"tracking_url\":\"https://www.indiapost.gov.in/track?id={tracking}\"}");
    uint64_t dt =
        create_partner(&e, admin,
                       "{\"name\":\"  DTDC  \",\"tracking_url\":\"https://dtdc.example/t/{tracking}\","
                       "\"is_active\":false}");
    uint64_t lc = create_partner(&e, admin, "{\"name\":\"Local courier\"}");

    /* Validation. */
    const char *u = "/api/admin/shipping-partners";
    expect_error(&e, "POST", u, admin, NULL, 422, "name");
    expect_error(&e, "POST", u, admin, "{}", 422, "name");
    expect_error(&e, "POST", u, admin, "{\"name\":\"   \"}", 422, "name");
    expect_error(&e, "POST", u, admin, "{\"name\":42}", 422, "name");
    expect_error(&e, "POST", u, admin, "{\"name\":\"a\\u0001b\"}", 422, "name");
    char longname[300];
    snprintf(longname, sizeof longname, "{\"name\":\"%0101d\"}", 0);
    expect_error(&e, "POST", u, admin, longname, 422, "name");
    expect_error(&e, "POST", u, admin, "{\"name\":\"X\",\"tracking_url\":\"ftp://x.example/{tracking}\"}",
                 422, "tracking_url");
    expect_error(&e, "POST", u, admin, "{\"name\":\"X\",\"tracking_url\":\"https://x.example/track\"}", 422,
                 "{tracking}");
    expect_error(&e, "POST", u, admin,
                 "{\"name\":\"X\",\"tracking_url\":\"https://x.example/a b{tracking}\"}", 422,
                 "tracking_url");
    expect_error(&e, "POST", u, admin,
                 "{\"name\":\"X\",\"tracking_url\":\"javascript:alert(1)//{tracking}\"}", 422,
                 "tracking_url");
    expect_error(&e, "POST", u, admin, "{\"name\":\"X\",\"tracking_url\":5}", 422, "tracking_url");
    expect_error(&e, "POST", u, admin, "{\"name\":\"X\",\"is_active\":\"yes\"}", 422, "is_active");
    expect_error(&e, "POST", u, admin, "{\"name\":\"india post\"}", 409, "India Post");
    expect_error(&e, "POST", u, admin, "{\"name\":\"dtdc\"}", 409, NULL);

    /* Public: active ones only, no is_active field; admin: all. */
    j = get(&e, "/api/shipping-partners", NULL, 200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "partners")), 2);
    int k = find_partner(j, "India Post");
    cr_assert_geq(k, 0);
    const cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "partners"), k);
    cr_expect_str_eq(jstr(p, "tracking_url"), "https://www.indiapost.gov.in/track?id={tracking}");
    cr_expect_null(cJSON_GetObjectItem(p, "is_active"));
    cr_expect_eq(find_partner(j, "DTDC"), -1);
    k = find_partner(j, "Local courier");
    cr_assert_geq(k, 0);
    cr_expect(cJSON_IsNull(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "partners"), k), "tracking_url")));
    cJSON_Delete(j);
    j = get(&e, "/api/admin/shipping-partners", pat_read, 200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "partners")), 3);
    k = find_partner(j, "DTDC"); /* trimmed */
    cr_assert_geq(k, 0);
    cr_expect(cJSON_IsFalse(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "partners"), k), "is_active")));
    cJSON_Delete(j);

    /* Access. */
    expect_error(&e, "GET", u, NULL, NULL, 401, NULL);
    expect_error(&e, "GET", u, user, NULL, 403, NULL);
    expect_error(&e, "POST", u, pat_read, "{\"name\":\"Y\"}", 403, NULL);
    expect_error(&e, "POST", u, user, "{\"name\":\"Y\"}", 403, NULL);

    /* Update: partial, validated, unique, 404 for unknown ids. */
    snprintf(path, sizeof path, "/api/admin/shipping-partners/%llu", (unsigned long long)dt);
    http_res r = req(&e, "PUT", path, admin, "{\"is_active\":true}");
    cr_expect_eq(r.status, 200, "%s", r.body);
    j = body_json(&r);
    cr_expect_str_eq(jstr(j, "name"), "DTDC");
    cr_expect_str_eq(jstr(j, "tracking_url"), "https://dtdc.example/t/{tracking}");
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "is_active")));
    cJSON_Delete(j);
    http_free(&r);
    r = req(&e, "PUT", path, admin, "{\"name\":\"DTDC Express\",\"tracking_url\":null}");
    cr_expect_eq(r.status, 200, "%s", r.body);
    j = body_json(&r);
    cr_expect_str_eq(jstr(j, "name"), "DTDC Express");
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(j, "tracking_url")));
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "is_active")), "unchanged");
    cJSON_Delete(j);
    http_free(&r);
    /* Renaming to its own name in another case is fine; to another partner's name is not. */
    r = req(&e, "PUT", path, admin, "{\"name\":\"dtdc express\"}");
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    expect_error(&e, "PUT", path, admin, "{\"name\":\"INDIA POST\"}", 409, NULL);
    expect_error(&e, "PUT", path, admin, "{}", 422, NULL);
    expect_error(&e, "PUT", path, admin, "{\"tracking_url\":\"https://x.example/\"}", 422, "{tracking}");
    expect_error(&e, "PUT", path, admin, "{\"is_active\":1}", 422, "is_active");
    expect_error(&e, "PUT", "/api/admin/shipping-partners/999999", admin, "{\"name\":\"Z\"}", 404, NULL);
    expect_error(&e, "PUT", "/api/admin/shipping-partners/abc", admin, "{\"name\":\"Z\"}", 404, NULL);
    expect_error(&e, "PUT", path, pat_read, "{\"name\":\"Z\"}", 403, NULL);
    /* A failed update changed nothing. */
    j = get(&e, "/api/admin/shipping-partners", admin, 200);
    cr_expect_geq(find_partner(j, "dtdc express"), 0);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "partners")), 3);
    cJSON_Delete(j);

    /* Deactivating hides it from the public list. */
    snprintf(path, sizeof path, "/api/admin/shipping-partners/%llu", (unsigned long long)ip);
    r = req(&e, "PUT", path, admin, "{\"is_active\":false}");
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    j = get(&e, "/api/shipping-partners", NULL, 200);
    cr_expect_eq(find_partner(j, "India Post"), -1);
    cJSON_Delete(j);

    /* Delete: 204, then 404. */
    snprintf(path, sizeof path, "/api/admin/shipping-partners/%llu", (unsigned long long)lc);
    expect_error(&e, "DELETE", path, pat_read, NULL, 403, NULL);
    r = req(&e, "DELETE", path, admin, NULL);
    cr_expect_eq(r.status, 204, "%s", r.body);
    http_free(&r);
    expect_error(&e, "DELETE", path, admin, NULL, 404, NULL);

    /* Everything survives a restart. */
    cr_assert_eq(server_stop(&e.srv), 0);
    e.srv = server_start(e.dir);
    j = get(&e, "/api/admin/shipping-partners", admin, 200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "partners")), 2);
    cr_expect_geq(find_partner(j, "India Post"), 0);
    cr_expect_geq(find_partner(j, "dtdc express"), 0);
    cr_expect_eq(find_partner(j, "Local courier"), -1);
    cJSON_Delete(j);
    j = get(&e, "/api/shipping-partners", NULL, 200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "partners")), 1);
    cJSON_Delete(j);
    cr_expect_eq(acct_stop(&e), 0);
}
