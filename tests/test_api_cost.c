/* End-to-end tests of cost-engine administration and shop settings: the cost settings list every knob of the
 * engine, each kind of setting is validated (422 and nothing stored), every change is kept with who, when and
 * the previous value, a changed cost setting prices the very next preview, secrets never leave the server. */
#include <criterion/criterion.h>
#include <math.h>

#include "account_test_util.h"
#include "engine/material.h"
#include "engine/price.h"

static acct_env env;
static char admin[700], pat_read[100], pat_orders[100], mod[700];

static void start(void)
{
    acct_start(&env, NULL);
    jwt_for(env.dir, env.ids.admin, NULL, admin, sizeof admin);
    jwt_for(env.dir, env.ids.moderator, NULL, mod, sizeof mod);
    snprintf(pat_read, sizeof pat_read, "Authorization: Bearer pf_test_admin:read");
    snprintf(pat_orders, sizeof pat_orders, "Authorization: Bearer pf_test_orders:read");
}

static void stop(void)
{
    cr_expect_eq(acct_stop(&env), 0, "server exits 0");
}

TestSuite(api_cost, .init = start, .fini = stop, .timeout = 90);

static cJSON *call(const char *method, const char *path, const char *auth, const char *body, long want)
{
    http_res r = req(&env, method, path, auth, body);
    cr_expect_eq(r.status, want, "%s %s %s: %ld (%s)", method, path, body ? body : "", r.status, r.body);
    cJSON *j = body_json(&r);
    http_free(&r);
    return j;
}

static double jnum(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    cr_assert(cJSON_IsNumber(v), "%s is a number", name);
    return v->valuedouble;
}

static int64_t paise(const cJSON *o, const char *name)
{
    return llround(jnum(o, name) * 100);
}

/* The stored value of key as GET /api/admin/settings shows it (NULL if absent); caller frees. */
static char *setting(const char *key)
{
    cJSON *all = call("GET", "/api/admin/settings", admin, NULL, 200);
    const char *v = jstr(all, key);
    char *out = v ? strdup(v) : NULL;
    cJSON_Delete(all);
    return out;
}

static long put_setting(const char *key, const char *value_json, const char *auth, char *err, size_t errlen)
{
    char path[256], body[1024];
    snprintf(path, sizeof path, "/api/admin/settings/%s", key);
    snprintf(body, sizeof body, "{\"value\":%s}", value_json);
    http_res r = req(&env, "PUT", path, auth, body);
    long st = r.status;
    if (err) {
        cJSON *j = body_json(&r);
        snprintf(err, errlen, "%s", jstr(j, "error") ? jstr(j, "error") : "");
        cJSON_Delete(j);
    }
    http_free(&r);
    return st;
}

Test(api_cost, cost_settings_list_every_knob_with_materials_and_printers)
{
    cJSON *j = call("GET", "/api/admin/cost-settings", admin, NULL, 200);
    const cJSON *list = cJSON_GetObjectItem(j, "settings");
    cr_assert(cJSON_IsArray(list));
    cr_expect_eq((size_t)cJSON_GetArraySize(list), pf_price_setting_count(), "one row per knob");
    pf_price_settings def = pf_price_settings_default();
    for (size_t i = 0; i < pf_price_setting_count(); i++) {
        const pf_price_setting_info *in = pf_price_setting_info_at(i);
        char key[96];
        snprintf(key, sizeof key, "cost.%s", in->key);
        const cJSON *row = NULL, *it;
        cJSON_ArrayForEach(it, list) if (jstr(it, "key") && !strcmp(jstr(it, "key"), key)) row = it;
        cr_assert(row, "%s listed", key);
        double v;
        pf_errbuf eb;
        cr_assert_eq(pf_price_setting_get(&def, in->key, &v, &eb), PF_E_OK);
        cr_expect_eq(jnum(row, "value"), v, "%s is the seeded default", key);
        cr_expect_str_eq(jstr(row, "unit"), in->unit);
        cr_expect_eq(jnum(row, "min"), in->min);
        cr_expect_eq(jnum(row, "max"), in->max);
        cr_expect_str_eq(jstr(row, "description"), in->description);
    }
    cr_expect_str_eq(jstr(j, "default_color"), "#8C8C8C");
    const cJSON *mats = cJSON_GetObjectItem(j, "materials"), *m;
    cr_expect_eq((size_t)cJSON_GetArraySize(mats), pf_material_default_count());
    cJSON_ArrayForEach(m, mats)
    {
        const pf_material_def *d = NULL;
        pf_errbuf eb;
        cr_assert_eq(pf_material_find(jstr(m, "name"), &d, &eb), PF_E_OK);
        cr_expect_eq(paise(m, "cost_per_kg"), d->cost_per_kg_paise, "%s price per kg", d->name);
    }
    const cJSON *prs = cJSON_GetObjectItem(j, "printers");
    cr_assert_eq(cJSON_GetArraySize(prs), 1);
    cr_expect_eq(jnum(cJSON_GetArrayItem(prs, 0), "wattage_w"), pf_printer_default()->wattage_w);
    cJSON_Delete(j);
    /* Readable with the admin:read scope, not with another scope or as a moderator. */
    cJSON_Delete(call("GET", "/api/admin/cost-settings", pat_read, NULL, 200));
    cJSON_Delete(call("GET", "/api/admin/cost-settings", pat_orders, NULL, 403));
    cJSON_Delete(call("GET", "/api/admin/cost-settings", mod, NULL, 403));
    /* A changed knob is what the list shows next. */
    cr_expect_eq(put_setting("cost.electricity_paise_per_kwh", "950", admin, NULL, 0), 200);
    j = call("GET", "/api/admin/cost-settings", admin, NULL, 200);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "settings")) if (!strcmp(jstr(it, "key"),
                                                                           "cost.electricity_paise_per_kwh"))
        cr_expect_eq(jnum(it, "value"), 950);
    cJSON_Delete(j);
}

/* One PUT case: key, JSON value, expected status, and the stored value after it (NULL: unchanged). */
typedef struct put_case {
    const char *key;
    const char *value;
    long want;
    const char *stored;
} put_case;

Test(api_cost, put_validates_each_kind_of_setting)
{
    static const put_case cases[] = {
        /* cost knobs: range, whole paise, numbers or numeric strings */
        {"cost.gst_pct", "101", 422, NULL},
        {"cost.gst_pct", "-1", 422, NULL},
        {"cost.gst_pct", "\"abc\"", 422, NULL},
        {"cost.gst_pct", "\"12%\"", 422, NULL},
        {"cost.gst_pct", "\"0x10\"", 422, NULL},
        {"cost.gst_pct", "true", 422, NULL},
        {"cost.gst_pct", "\"12.5\"", 200, "12.5"},
        {"cost.gst_pct", "18", 200, "18"},
        {"cost.setup_fee_paise", "12.5", 422, NULL},
        {"cost.setup_fee_paise", "7500", 200, "7500"},
        {"cost.no_such_knob", "1", 422, NULL},
        {"cost.default_color", "\"red\"", 422, NULL},
        {"cost.default_color", "\"#a1b2c3\"", 200, "#A1B2C3"},
        /* rate limiter numbers and flags */
        {"ratelimit.general_max", "-1", 422, NULL},
        {"ratelimit.general_max", "2.5", 422, NULL},
        {"ratelimit.general_max", "\"50000\"", 200, "50000"},
        {"ratelimit.quote_window_min", "0", 422, NULL},
        {"ratelimit.enabled", "\"maybe\"", 422, NULL},
        {"ratelimit.enabled", "1", 422, NULL},
        {"ratelimit.bypass_roles", "\"admin,root\"", 422, NULL},
        {"ratelimit.bypass_roles", "\"admin, Moderator\"", 200, "admin,moderator"},
        {"site.cors_enforce", "\"yes\"", 422, NULL},
        {"site.cors_enforce", "false", 200, "false"},
        {"site.email_verification", "\"TRUE\"", 200, "true"},
        {"site.email_verification", "\"false\"", 200, "false"},
        /* UPI VPA */
        {"site.upi_id", "\"shop\"", 422, NULL},
        {"site.upi_id", "\"shop@\"", 422, NULL},
        {"site.upi_id", "\"a b@okaxis\"", 422, NULL},
        {"site.upi_id", "\"shop@ok@axis\"", 422, NULL},
        {"site.upi_id", "\"Print.Forge-1@OkAxis\"", 200, "print.forge-1@okaxis"},
        /* PIN codes */
        {"company.pincode", "\"56003\"", 422, NULL},
        {"company.pincode", "\"060034\"", 422, NULL},
        {"company.pincode", "560034", 422, NULL},
        {"company.pincode", "\"560034\"", 200, "560034"},
        {"shipping.origin_pin", "\"1100O1\"", 422, NULL},
        {"shipping.origin_pin", "\"110001\"", 200, "110001"},
        /* GSTIN with its check character */
        {"company.gstin", "\"27AAPFU0939F1ZA\"", 422, NULL},
        {"company.gstin", "\"27aapfu0939f1zv\"", 200, "27AAPFU0939F1ZV"},
        {"company.gstin", "\"\"", 200, ""},
        {"company.gstin", "\"29AAGCB7383J1Z4\"", 200, "29AAGCB7383J1Z4"},
        {"company.gstin", "\"40AAGCB7383J1ZK\"", 422, NULL}, /* check character right, no state 40 */
        /* the state decides CGST+SGST or IGST: GST's names only */
        {"company.state", "\"Karnatka\"", 422, NULL},
        {"company.state", "\"tamil nadu\"", 200, "Tamil Nadu"},
        /* enumerations, emails, URLs, lists */
        {"site.twofa_mode", "\"sometimes\"", 422, NULL},
        {"site.email_driver", "\"sendmail\"", 422, NULL},
        {"email.from", "\"not an address\"", 422, NULL},
        {"email.from", "\"Shop@Example.com\"", 200, "shop@example.com"},
        {"site.url", "\"javascript:alert(1)\"", 422, NULL},
        {"site.url", "\"https://shop.example\"", 200, "https://shop.example"},
        {"site.upload_formats", "\"stl,step\"", 422, NULL},
        {"site.upload_formats", "\"\"", 422, NULL},
        {"site.upload_formats", "\"STL, 3mf\"", 200, "stl,3mf"},
        {"site.cors_origins", "\"https://a.example/path\"", 422, NULL},
        {"site.cors_origins", "\"https://a.example/\\nhttp://b.example:8080\"", 200,
         "https://a.example\nhttp://b.example:8080"},
        {"site.name", "\"\"", 422, NULL},
        {"site.name", "\"Line\\nbreak\"", 422, NULL},
        {"contact.general_per_day", "10001", 422, NULL},
        {"contact.general_per_day", "0", 200, "0"},
        {"order.max_qty", "0", 422, NULL},
        {"invoice.hsn_code", "\"39A6\"", 422, NULL},
        /* unknown keys and open prefixes */
        {"foo.bar", "\"x\"", 422, NULL},
        {"site.upi_idd", "\"x@y\"", 422, NULL},
        {"social.instagram", "\"https://instagram.com/printforge\"", 200, "https://instagram.com/printforge"},
        {"social.Bad-Name", "\"x\"", 422, NULL},
        {"about.hero_title", "\"Prints for everyone\"", 200, "Prints for everyone"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const put_case *c = &cases[i];
        char *before = setting(c->key), err[512];
        long st = put_setting(c->key, c->value, admin, err, sizeof err);
        cr_expect_eq(st, c->want, "PUT %s = %s: %ld (%s)", c->key, c->value, st, err);
        char *after = setting(c->key);
        if (c->want != 200) {
            cr_expect(strlen(err) > 0, "%s: a reason is given", c->key);
            cr_expect((!before && !after) || (before && after && !strcmp(before, after)),
                      "%s unchanged after a refused value", c->key);
        } else {
            cr_expect(after && !strcmp(after, c->stored), "%s stored as \"%s\", got \"%s\"", c->key,
                      c->stored, after ? after : "(absent)");
        }
        free(before);
        free(after);
    }
    char err[512];
    cr_expect_eq(put_setting("foo.bar", "\"x\"", admin, err, sizeof err), 422);
    cr_expect(strstr(err, "cost.") && strstr(err, "site.") && strstr(err, "ratelimit."),
              "the refusal lists the accepted prefixes: %s", err);
    /* Missing value, and the JWT-only rule. */
    http_res r = req(&env, "PUT", "/api/admin/settings/site.name", admin, "{}");
    cr_expect_eq(r.status, 422, "%s", r.body);
    http_free(&r);
    cr_expect_eq(put_setting("site.name", "\"PAT shop\"", pat_read, NULL, 0), 403);
}

Test(api_cost, order_quantity_bounds_stay_ordered)
{
    char err[512];
    cr_expect_eq(put_setting("order.min_qty", "200", admin, err, sizeof err), 422, "above max 100");
    cr_expect(strstr(err, "order.max_qty"), "%s", err);
    cr_expect_eq(put_setting("order.max_qty", "500", admin, NULL, 0), 200);
    cr_expect_eq(put_setting("order.min_qty", "200", admin, NULL, 0), 200);
    cr_expect_eq(put_setting("order.max_qty", "150", admin, err, sizeof err), 422, "below min 200");
    char *v = setting("order.max_qty");
    cr_expect_str_eq(v, "500");
    free(v);
}

static void promote(pf_user *u)
{
    free(u->role);
    u->role = strdup("admin");
}

Test(api_cost, history_records_who_when_and_the_previous_value)
{
    int64_t t0 = (int64_t)time(NULL);
    cr_assert_eq(put_setting("cost.margin_pct", "35", admin, NULL, 0), 200);
    edit_user(&env, env.ids.moderator, promote);
    cr_assert_eq(put_setting("cost.margin_pct", "\"40\"", mod, NULL, 0), 200);
    /* The same value again is no change. */
    cr_assert_eq(put_setting("cost.margin_pct", "40", mod, NULL, 0), 200);
    cJSON *j = call("GET", "/api/admin/settings/cost.margin_pct/history", pat_read, NULL, 200);
    const cJSON *ch = cJSON_GetObjectItem(j, "changes");
    cr_assert_eq(cJSON_GetArraySize(ch), 3, "two changes and the seed");
    const cJSON *c0 = cJSON_GetArrayItem(ch, 0), *c1 = cJSON_GetArrayItem(ch, 1),
                *c2 = cJSON_GetArrayItem(ch, 2);
    cr_expect_str_eq(jstr(c0, "old_value"), "35");
    cr_expect_str_eq(jstr(c0, "new_value"), "40");
    cr_expect_eq(jnum(c0, "changed_by"), (double)env.ids.moderator);
    cr_expect_str_eq(jstr(c0, "changed_by_email"), "mod@example.com");
    cr_expect_str_eq(jstr(c1, "old_value"), "30");
    cr_expect_str_eq(jstr(c1, "new_value"), "35");
    cr_expect_eq(jnum(c1, "changed_by"), (double)env.ids.admin);
    cr_expect_str_eq(jstr(c1, "changed_by_email"), ADMIN_EMAIL);
    cr_expect(jnum(c1, "at") >= (double)t0 && jnum(c0, "at") <= (double)time(NULL) + 1, "when");
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(c2, "old_value")), "the seed had no previous value");
    cr_expect_eq(jnum(c2, "changed_by"), 0);
    cr_expect_str_eq(jstr(j, "value"), "40");
    cJSON_Delete(j);
    /* Pages of one. */
    j = call("GET", "/api/admin/settings/cost.margin_pct/history?limit=1", admin, NULL, 200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "changes")), 1);
    char path[128];
    snprintf(path, sizeof path, "/api/admin/settings/cost.margin_pct/history?limit=1&before=%.0f",
             jnum(j, "next"));
    cJSON_Delete(j);
    j = call("GET", path, admin, NULL, 200);
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "changes"), 0), "new_value"), "35");
    cJSON_Delete(j);
    cJSON_Delete(call("GET", "/api/admin/settings/no.such.key/history", admin, NULL, 404));
}

/* POST /api/admin/price-preview with body; checks that every set of lines adds up to the paisa. */
static cJSON *preview(const char *body)
{
    cJSON *j = call("POST", "/api/admin/price-preview", admin, body, 200);
    const cJSON *a = cJSON_GetObjectItem(j, "admin"), *c = cJSON_GetObjectItem(j, "customer");
    cr_assert(a && c, "admin and customer views");
    cr_expect_eq(paise(a, "material_cost") + paise(a, "electricity") + paise(a, "setup") +
                     paise(a, "overhead") + paise(a, "margin") + paise(a, "min_topup"),
                 paise(a, "base"));
    cr_expect_eq(paise(a, "base") + paise(a, "priority"), paise(a, "subtotal"));
    cr_expect_eq(paise(a, "subtotal") + paise(a, "gst"), paise(a, "total"));
    cr_expect_eq(paise(c, "material") + paise(c, "printing"), paise(a, "base"));
    cr_expect_eq(paise(c, "material") + paise(c, "printing") + paise(c, "priority") + paise(c, "gst"),
                 paise(c, "total"));
    cr_expect_eq(paise(c, "total"), paise(a, "total"));
    return j;
}

Test(api_cost, a_changed_cost_setting_prices_the_very_next_preview)
{
    const char *body = "{\"material\":\"PLA\",\"volume_cm3\":12.5,\"quantity\":2,\"infill\":20,"
                       "\"fulfillment\":\"pickup\",\"priority_print\":false}";
    cJSON *j = preview(body);
    const cJSON *a = cJSON_GetObjectItem(j, "admin");
    int64_t sub0 = paise(a, "subtotal"), gst0 = paise(a, "gst"), elec0 = paise(a, "electricity");
    cr_expect_eq(paise(a, "setup"), 5000, "the seeded setup fee");
    cr_expect(llabs(gst0 - llround(sub0 * 0.18)) <= 2, "18 %% GST: %lld of %lld", (long long)gst0,
              (long long)sub0);
    cr_expect(elec0 > 0);

    /* The customer's quote for the same line agrees with the preview to the paisa. */
    cJSON *q = call("POST", "/api/quote", NULL, body, 200);
    const cJSON *qp = cJSON_GetObjectItem(q, "price");
    cr_expect_eq(paise(qp, "item_total"), paise(cJSON_GetObjectItem(j, "customer"), "total"));
    cr_expect_eq(paise(qp, "gst"), gst0);
    cJSON_Delete(q);
    cJSON_Delete(j);

    cr_assert_eq(put_setting("cost.gst_pct", "28", admin, NULL, 0), 200);
    q = call("POST", "/api/quote", NULL, body, 200);
    qp = cJSON_GetObjectItem(q, "price");
    int64_t taxable = paise(qp, "material") + paise(qp, "printing") + paise(qp, "priority");
    cr_expect(llabs(paise(qp, "gst") - llround(taxable * 0.28)) <= 2,
              "the next quote has 28 %% GST: %lld of %lld", (long long)paise(qp, "gst"), (long long)taxable);
    cJSON_Delete(q);
    j = preview(body);
    a = cJSON_GetObjectItem(j, "admin");
    /* Only the total is rounded; the taxable value is apportioned from it, so it may move by a paisa. */
    cr_expect(llabs(paise(a, "subtotal") - sub0) <= 1, "GST does not change the taxable value");
    cr_expect(llabs(paise(a, "gst") - llround(sub0 * 0.28)) <= 2, "28 %% GST at once: %lld of %lld",
              (long long)paise(a, "gst"), (long long)sub0);
    cJSON_Delete(j);

    cr_assert_eq(put_setting("cost.setup_fee_paise", "12000", admin, NULL, 0), 200);
    cr_assert_eq(put_setting("cost.electricity_paise_per_kwh", "1600", admin, NULL, 0), 200);
    j = preview(body);
    a = cJSON_GetObjectItem(j, "admin");
    cr_expect_eq(paise(a, "setup"), 12000);
    cr_expect(llabs(paise(a, "electricity") - 2 * elec0) <= 2, "double tariff, double electricity");
    cJSON_Delete(j);

    /* The wattage input and the priority surcharge. */
    j = preview("{\"material\":\"PLA\",\"volume_cm3\":12.5,\"quantity\":2,\"infill\":20,\"wattage_w\":480,"
                "\"priority_print\":true}");
    a = cJSON_GetObjectItem(j, "admin");
    cr_expect(paise(a, "electricity") > 3 * elec0, "480 W instead of the printer's 120 W");
    cr_expect(llabs(paise(a, "priority") - llround(paise(a, "base") * 0.25)) <= 1, "25 %% priority");
    cJSON_Delete(j);

    /* Shipping is quoted from the shop's PIN and added after GST. */
    j = preview("{\"material\":\"PLA\",\"volume_cm3\":12.5,\"quantity\":2,\"fulfillment\":\"ship\","
                "\"shipping_zip\":\"110001\"}");
    const cJSON *sh = cJSON_GetObjectItem(j, "shipping");
    cr_assert(cJSON_IsObject(sh), "a shipping quote");
    cr_expect(paise(sh, "charge") > 0);
    cr_expect_eq(paise(sh, "charge") + paise(sh, "gst"), paise(sh, "total"));
    cr_expect_eq(paise(j, "grand_total"),
                 paise(cJSON_GetObjectItem(j, "admin"), "total") + paise(sh, "total"));
    cJSON_Delete(j);
    cJSON_Delete(
        call("POST", "/api/admin/price-preview", admin,
             "{\"material\":\"PLA\",\"volume_cm3\":12.5,\"fulfillment\":\"ship\",\"shipping_zip\":\"12345\"}",
             422));

    /* A minimum order lifts the base. */
    cr_assert_eq(put_setting("cost.min_order_paise", "10000000", admin, NULL, 0), 200);
    j = preview(body);
    a = cJSON_GetObjectItem(j, "admin");
    cr_expect_eq(paise(a, "base"), 10000000);
    cr_expect(paise(a, "min_topup") > 0);
    cJSON_Delete(j);

    /* Bad input: 422 naming the field. */
    static const char *const bad[] = {
        "{\"volume_cm3\":10}",
        "{\"material\":\"PLA\"}",
        "{\"material\":\"PLA\",\"volume_cm3\":-1}",
        "{\"material\":\"PLA\",\"volume_cm3\":10,\"quantity\":0}",
        "{\"material\":\"PLA\",\"volume_cm3\":10,\"infill\":101}",
        "{\"material\":\"PLA\",\"volume_cm3\":10,\"fulfillment\":\"drone\"}",
        "{\"material\":\"Unobtainium\",\"volume_cm3\":10}",
        "{\"material\":\"PLA\",\"volume_cm3\":10,\"fulfillment\":\"ship\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cJSON_Delete(call("POST", "/api/admin/price-preview", admin, bad[i], 422));
    cJSON_Delete(call("POST", "/api/admin/price-preview", pat_read,
                      "{\"material\":\"PLA\",\"volume_cm3\":12.5,\"quantity\":2}", 200));
}

Test(api_cost, secrets_are_masked_everywhere)
{
    cr_assert_eq(put_setting("email.smtp_password", "\"hunter2-secret\"", admin, NULL, 0), 200);
    cr_assert_eq(put_setting("email.smtp_password", "\"hunter3-secret\"", admin, NULL, 0), 200);
    const char *paths[] = {"/api/admin/settings", "/api/admin/settings/email.smtp_password/history",
                           "/api/admin/site-info", "/api/admin/company-info"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        http_res r = req(&env, "GET", paths[i], admin, NULL);
        cr_expect_eq(r.status, 200, "%s", paths[i]);
        cr_expect(!strstr(r.body, "hunter"), "%s never shows the secret", paths[i]);
        http_free(&r);
    }
    char *v = setting("email.smtp_password");
    cr_expect_str_eq(v, "********");
    free(v);
    /* The mask sent back keeps the secret; the store still holds the real value. */
    cr_assert_eq(put_setting("email.smtp_password", "\"********\"", admin, NULL, 0), 200);
    pf_store_options o = fast_options(env.dir);
    o.console = fopen("/dev/null", "w");
    pf_store *st = NULL;
    pf_errbuf eb;
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK);
    char *raw = NULL;
    cr_assert_eq(pf_store_setting_get(st, NULL, "email.smtp_password", &raw, &eb), PF_E_OK);
    cr_expect_str_eq(raw, "hunter3-secret");
    free(raw);
    pf_store_close(st);
    fclose(o.console);
}

Test(api_cost, settings_apply_to_the_next_request_and_company_info_is_atomic)
{
    cr_assert_eq(put_setting("site.name", "\"Mumbai Makers\"", admin, NULL, 0), 200);
    cJSON *j = call("GET", "/api/public/site-info", NULL, NULL, 200);
    cr_expect_str_eq(jstr(j, "name"), "Mumbai Makers", "seen without a restart");
    cJSON_Delete(j);

    /* One bad field: nothing is written. */
    cJSON_Delete(call("POST", "/api/admin/company-info", admin,
                      "{\"city\":\"Pune\",\"pincode\":\"41100\",\"gstin\":\"27AAPFU0939F1ZV\"}", 422));
    char *city = setting("company.city");
    cr_expect_str_eq(city, "Bengaluru");
    free(city);
    j = call(
        "POST", "/api/admin/company-info", admin,
        "{\"city\":\"Pune\",\"pincode\":\"411001\",\"state\":\"Maharashtra\",\"gstin\":\"27AAPFU0939F1ZV\","
        "\"social.instagram\":\"https://instagram.com/pf\",\"upi_id\":\"pf@okhdfc\"}",
        200);
    const cJSON *c = cJSON_GetObjectItem(j, "company");
    cr_expect_str_eq(jstr(c, "city"), "Pune");
    cr_expect_str_eq(jstr(c, "pincode"), "411001");
    cr_expect_str_eq(jstr(c, "gstin"), "27AAPFU0939F1ZV");
    cr_expect_str_eq(jstr(cJSON_GetObjectItem(j, "social"), "instagram"), "https://instagram.com/pf");
    cr_expect_str_eq(jstr(j, "upi_id"), "pf@okhdfc");
    cJSON_Delete(j);
    j = call("GET", "/api/admin/site-info", pat_read, NULL, 200);
    cr_expect_str_eq(jstr(cJSON_GetObjectItem(j, "general"), "name"), "Mumbai Makers");
    cr_expect_str_eq(jstr(cJSON_GetObjectItem(j, "company"), "state"), "Maharashtra");
    cJSON_Delete(j);
    cJSON_Delete(call("POST", "/api/admin/company-info", admin, "{\"email.smtp_host\":\"x\"}", 422));
}
