/* The customer's whole path across the shop's modules, over HTTP against the real server: upload a mesh, quote
 * it (slicer-grade), check out to a PIN, follow the order on the public tracking page while the shop confirms
 * payment, prints and ships it, read it back in the account's order list, and download the GST invoice whose
 * text shows the same total. Each module has its own detailed suite; this one checks that they agree. */
#include <criterion/criterion.h>
#include <math.h>

#include "commerce_test_util.h"

static acct_env env;
static char user_auth[700], admin_auth[700];

static void start(void)
{
    static const char *const settings[] = {"ratelimit.enabled", "false", "site.upi_id", "prints@okaxis",
                                           "company.gstin", "29ABCDE1234F1Z5", NULL};
    acct_start(&env, settings);
    jwt_for(env.dir, env.ids.user, NULL, user_auth, sizeof user_auth);
    jwt_for(env.dir, env.ids.admin, NULL, admin_auth, sizeof admin_auth);
}

static void stop(void)
{
    cr_expect_eq(server_stop(&env.srv), 0, "server exits 0");
    rm_rf(env.dir);
}

TestSuite(api_commerce, .init = start, .fini = stop, .timeout = 180);

static int64_t paise_of(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItem(o, name);
    cr_assert(cJSON_IsNumber(v), "%s missing", name);
    return llround(v->valuedouble * 100);
}

/* GET path as caller; asserts 200 and returns the parsed body. */
static cJSON *get_ok(const char *path, const char *auth)
{
    http_res r = req(&env, "GET", path, auth, NULL);
    cr_assert_eq(r.status, 200, "GET %s: %ld %s", path, r.status, r.body);
    cJSON *j = body_json(&r);
    http_free(&r);
    return j;
}

static void patch_ok(const char *path, const char *body)
{
    http_res r = req(&env, "PATCH", path, admin_auth, body);
    cr_assert_eq(r.status, 200, "PATCH %s: %ld %s", path, r.status, r.body);
    http_free(&r);
}

static const char *track_status(const char *tracking, int *events)
{
    static char status[32];
    char path[128];
    snprintf(path, sizeof path, "/api/track/%s", tracking);
    cJSON *j = get_ok(path, NULL);
    snprintf(status, sizeof status, "%s", jstr(j, "status") ? jstr(j, "status") : "");
    *events = cJSON_GetArraySize(cJSON_GetObjectItem(j, "timeline"));
    char *txt = cJSON_PrintUnformatted(j);
    /* The public page never shows who ordered or where it goes. */
    cr_expect_null(strstr(txt, "user@"), "%s", txt);
    cr_expect_null(strstr(txt, "MG Road"), "%s", txt);
    cr_expect_null(strstr(txt, "9876543210"), "%s", txt);
    free(txt);
    cJSON_Delete(j);
    return status;
}

Test(api_commerce, upload_quote_checkout_track_pay_ship_invoice)
{
    /* Upload and quote by session: the slicer-grade estimate, shipped to Mumbai. */
    uint64_t sid = cart_upload(&env.srv, user_auth, "bracket.stl");
    char body[1024];
    snprintf(body, sizeof body,
             "{\"session_id\":%llu,\"material\":\"PETG\",\"quantity\":2,\"infill\":30,\"fulfillment\":\"ship\","
             "\"shipping_zip\":\"400001\"}",
             (unsigned long long)sid);
    http_res r = req(&env, "POST", "/api/quote", user_auth, body);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cJSON *q = body_json(&r);
    http_free(&r);
    cr_expect_str_eq(jstr(q, "estimate"), "slicer");
    const cJSON *qp = cJSON_GetObjectItem(q, "price");
    int64_t quoted = paise_of(qp, "total");
    cr_expect_eq(paise_of(qp, "material") + paise_of(qp, "printing") + paise_of(qp, "priority") +
                     paise_of(qp, "gst") + paise_of(qp, "shipping") + paise_of(qp, "shipping_gst"),
                 quoted, "quote lines add up to its total");
    cJSON_Delete(q);

    /* Check out the same line: the order's total is the quote's, to the paisa. */
    char sidtxt[24];
    snprintf(sidtxt, sizeof sidtxt, "%llu", (unsigned long long)sid);
    const char *fields[] = {"session_id", sidtxt, "material", "PETG", "quantity", "2", "infill", "30",
                            "fulfillment", "ship", "shipping_name", "Asha Rao", "shipping_address",
                            "12 MG Road", "shipping_city", "Mumbai", "shipping_state", "Maharashtra",
                            "shipping_zip", "400001", "shipping_phone", "9876543210", NULL};
    r = form_post(&env.srv, "/api/checkout", user_auth, fields, NULL);
    cr_assert_eq(r.status, 201, "%s", r.body);
    cJSON *c = body_json(&r);
    http_free(&r);
    const cJSON *order = cJSON_GetObjectItem(c, "order");
    cr_assert(order, "single checkout answers its order");
    char tracking[64], path[160];
    snprintf(tracking, sizeof tracking, "%s", jstr(order, "tracking_no"));
    uint64_t id = (uint64_t)cJSON_GetObjectItem(order, "id")->valuedouble;
    cr_expect_eq(paise_of(order, "total"), quoted, "checkout charges what was quoted");
    const char *link = jstr(cJSON_GetObjectItem(c, "payment"), "upi_link");
    cr_assert(link && !strncmp(link, "upi://pay?pa=prints@okaxis&", 27), "%s", link ? link : "(none)");
    cr_expect(strstr(link, tracking), "the UPI reference is the tracking number: %s", link);
    cJSON_Delete(c);

    int events = 0;
    cr_expect_str_eq(track_status(tracking, &events), "pending");
    cr_expect_eq(events, 1);

    /* The shop confirms payment, prints and ships; the customer follows along. */
    snprintf(path, sizeof path, "/api/admin/orders/%llu/paid", (unsigned long long)id);
    patch_ok(path, "{}");
    cr_expect_str_eq(track_status(tracking, &events), "confirmed");
    snprintf(path, sizeof path, "/api/admin/orders/%llu/status", (unsigned long long)id);
    patch_ok(path, "{\"status\":\"printing\"}");
    patch_ok(path, "{\"status\":\"post_processing\"}");
    patch_ok(path, "{\"status\":\"shipped\"}");
    snprintf(path, sizeof path, "/api/admin/orders/%llu/tracking", (unsigned long long)id);
    patch_ok(path, "{\"tracking_number\":\"EE123456789IN\",\"tracking_url\":\"https://www.indiapost.gov.in/\"}");
    cr_expect_str_eq(track_status(tracking, &events), "shipped");
    cr_expect_eq(events, 6, "placed, confirmed, printing, post-processing, shipped, carrier tracking: %d", events);
    snprintf(path, sizeof path, "/api/track/%s", tracking);
    cJSON *t = get_ok(path, NULL);
    cr_expect_str_eq(jstr(cJSON_GetObjectItem(t, "carrier"), "tracking_number"), "EE123456789IN");
    cJSON_Delete(t);
    cr_expect_geq(mail_count(&env, "user@example.com"), 2, "order placed and payment confirmed emails");

    /* The customer's order list and detail agree. */
    cJSON *l = get_ok("/api/user/orders?status=shipped", user_auth);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(l, "orders"), 0);
    cr_assert(first, "the shipped order is listed");
    cr_expect_str_eq(jstr(first, "tracking_no"), tracking);
    cr_expect_eq(paise_of(first, "total"), quoted);
    cJSON_Delete(l);

    /* The GST invoice shows the same total, as IGST (Karnataka shop, Maharashtra buyer). */
    snprintf(path, sizeof path, "/api/user/orders/%llu/invoice", (unsigned long long)id);
    r = req(&env, "GET", path, user_auth, NULL);
    cr_assert_eq(r.status, 200);
    char pdf[512];
    snprintf(pdf, sizeof pdf, "%s/invoice.pdf", env.dir);
    FILE *f = fopen(pdf, "wb");
    cr_assert(f);
    fwrite(r.body, 1, r.len, f);
    fclose(f);
    http_free(&r);
    char cmd[700], text[16384] = "";
    snprintf(cmd, sizeof cmd, "pdftotext -layout %s - 2>/dev/null", pdf);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    size_t n = fread(text, 1, sizeof text - 1, p);
    text[n] = 0;
    if (pclose(p) != 0 && n == 0) cr_skip("pdftotext (poppler-utils) is not installed");
    char want[64];
    snprintf(want, sizeof want, "%lld.%02lld", (long long)(quoted / 100) % 1000, (long long)(quoted % 100));
    cr_expect(strstr(text, want), "invoice shows the total (…%s): %s", want, text);
    cr_expect(strstr(text, "IGST"), "inter-state supply: %s", text);
    cr_expect(strstr(text, "29ABCDE1234F1Z5"), "seller GSTIN");
}
