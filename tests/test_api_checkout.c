/* End-to-end tests of checkout: upload -> checkout (multipart file, upload session, catalog model), carts of
 * several items in one group whose figures add up to the paisa, coupons (window, minimum, limits, percent and
 * flat, before GST), every validation error, the UPI link and QR, the order-placed email, a restart, and a
 * crash test of the order transaction (a writer killed at random moments leaves whole checkouts or none). */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <sys/stat.h>

#include "commerce_test_util.h"
#include "api/checkout.h"
#include "engine/coupon.h"
#include "engine/price.h"
#include "engine/upi.h"

#define UPI_ID "printforge.studio@okicici"

static acct_env env;
static char user_auth[700], other_auth[700], admin_auth[700];

static void start(void)
{
    static const char *const settings[] = {"ratelimit.upload_max",
                                           "100000",
                                           "ratelimit.quote_max",
                                           "100000",
                                           "site.upi_id",
                                           UPI_ID,
                                           "site.upi_name",
                                           "PrintForge Studio",
                                           NULL};
    acct_start(&env, settings);
    jwt_for(env.dir, env.ids.user, NULL, user_auth, sizeof user_auth);
    jwt_for(env.dir, env.ids.moderator, NULL, other_auth, sizeof other_auth);
    jwt_for(env.dir, env.ids.admin, NULL, admin_auth, sizeof admin_auth);
}

static void stop(void)
{
    int rc = server_stop(&env.srv);
    if (rc) { /* show why: the sanitizers' report is in the server's log */
        char cmd[400];
        snprintf(cmd, sizeof cmd, "grep -A12 'ERROR: \\|leak of' %s/stderr.log | head -80 >&2", env.dir);
        cr_expect_eq(system(cmd), 0);
    }
    cr_expect_eq(rc, 0, "server exits 0");
    rm_rf(env.dir);
}

TestSuite(api_checkout, .init = start, .fini = stop, .timeout = 180);

/* ---- helpers ---- */

static const char *data_path(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", PF_TEST_DATA, name);
    return buf;
}

/* A binary STL of an axis-aligned box x*y*z mm (12 outward triangles) at path. */
static void write_box_stl(const char *path, float x, float y, float z)
{
    static const int f[12][3] = {{0, 2, 1}, {0, 3, 2}, {4, 5, 6}, {4, 6, 7}, {0, 1, 5}, {0, 5, 4},
                                 {2, 3, 7}, {2, 7, 6}, {1, 2, 6}, {1, 6, 5}, {0, 4, 7}, {0, 7, 3}};
    float v[8][3] = {{0, 0, 0}, {x, 0, 0}, {x, y, 0}, {0, y, 0}, {0, 0, z}, {x, 0, z}, {x, y, z}, {0, y, z}};
    FILE *o = fopen(path, "wb");
    cr_assert(o);
    char head[80] = "box";
    uint32_t n = 12;
    fwrite(head, 1, 80, o);
    fwrite(&n, 4, 1, o);
    for (int i = 0; i < 12; i++) {
        float nrm[3] = {0, 0, 0};
        uint16_t attr = 0;
        fwrite(nrm, 4, 3, o);
        for (int k = 0; k < 3; k++)
            fwrite(v[f[i][k]], 4, 3, o);
        fwrite(&attr, 2, 1, o);
    }
    fclose(o);
}

static http_res post_form(const char *path, const char *auth, const char *const *fields, const char *file)
{
    return form_post(&env.srv, path, auth, fields, file);
}

static uint64_t upload(const char *auth, const char *name)
{
    return cart_upload(&env.srv, auth, name);
}

static double jnum(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    cr_assert(cJSON_IsNumber(v), "%s missing", name);
    return v->valuedouble;
}

static int64_t paise(const cJSON *o, const char *name)
{
    return llround(jnum(o, name) * 100);
}

/* Opens the server's store from this process (LMDB allows it while the server runs). */
static pf_store *open_store(void)
{
    pf_store_options o = fast_options(env.dir);
    o.console = NULL;
    pf_store *st = NULL;
    pf_errbuf eb;
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK, "%s", eb.msg);
    return st;
}

/* The value of key in a upi:// link, percent-decoded. */
static bool upi_value(const char *link, const char *key, char *out, size_t len)
{
    char pat[16];
    snprintf(pat, sizeof pat, "%s=", key);
    const char *p = strstr(link, "?");
    while (p && (p = strstr(p + 1, pat)) && p[-1] != '?' && p[-1] != '&')
        ;
    if (!p) return false;
    p += strlen(pat);
    size_t n = 0;
    for (; *p && *p != '&' && n + 1 < len; p++) {
        if (*p == '%') {
            char h[3] = {p[1], p[2], 0};
            out[n++] = (char)strtol(h, NULL, 16);
            p += 2;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = 0;
    return true;
}

/* Checks the payment object: link fields, amount and reference, and a QR data URL. */
static void check_payment(const cJSON *body, const char *ref, int64_t amount)
{
    const cJSON *pay = cJSON_GetObjectItem(body, "payment");
    cr_assert(cJSON_IsObject(pay));
    const char *link = jstr(pay, "upi_link");
    cr_assert(link && !strncmp(link, "upi://pay?", 10), "%s", link ? link : "(none)");
    char v[256];
    cr_assert(upi_value(link, "pa", v, sizeof v));
    cr_expect_str_eq(v, UPI_ID);
    cr_assert(upi_value(link, "pn", v, sizeof v));
    cr_expect_str_eq(v, "PrintForge Studio");
    cr_assert(upi_value(link, "cu", v, sizeof v));
    cr_expect_str_eq(v, "INR");
    cr_assert(upi_value(link, "tr", v, sizeof v));
    cr_expect_str_eq(v, ref);
    cr_assert(upi_value(link, "tn", v, sizeof v));
    cr_expect(strstr(v, ref), "note names the reference: %s", v);
    cr_assert(upi_value(link, "am", v, sizeof v));
    char want[32];
    snprintf(want, sizeof want, "%lld.%02lld", (long long)(amount / 100), (long long)(amount % 100));
    cr_expect_str_eq(v, want);
    cr_expect_eq(paise(pay, "amount"), amount);
    cr_expect_str_eq(jstr(pay, "reference"), ref);
    const char *qr = jstr(pay, "qr_svg_data_url");
    cr_assert(qr && !strncmp(qr, "data:image/svg+xml;base64,", 26));
    /* The QR decodes back to an SVG document. */
    size_t blen = strlen(qr + 26), got = 0;
    unsigned char *svg = malloc(blen);
    cr_assert_eq(
        sodium_base642bin(svg, blen, qr + 26, blen, NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
    cr_expect(got > 100 && memmem(svg, got, "<svg", 4), "an SVG");
    free(svg);
}

/* Checks the figures of one order object add up and returns its total in paise. */
static int64_t check_order_figures(const cJSON *o)
{
    const cJSON *p = cJSON_GetObjectItem(o, "price");
    cr_assert(cJSON_IsObject(p));
    int64_t mat = paise(p, "material"), prt = paise(p, "printing"), pri = paise(p, "priority");
    int64_t disc = paise(p, "discount"), tax = paise(p, "taxable"), gst = paise(p, "gst");
    int64_t ship = paise(p, "shipping"), sgst = paise(p, "shipping_gst"), tot = paise(p, "total");
    cr_expect_eq(mat + prt + pri - disc, tax, "taxable = lines - discount");
    cr_expect_eq(tot, tax + gst + ship + sgst, "total adds up");
    cr_expect_eq(paise(o, "total"), tot);
    if (disc)
        cr_expect_eq(gst, (int64_t)floor((double)tax * 0.18 + 0.5), "GST on the discounted value");
    else
        cr_expect(llabs(gst - (int64_t)floor((double)tax * 0.18 + 0.5)) <= 1, "GST 18 %%");
    return tot;
}

/* True when the server's log (where the disabled mail driver writes emails) has a line containing s. */
static bool log_has(const char *s)
{
    char path[300], line[4096];
    snprintf(path, sizeof path, "%s/stderr.log", env.dir);
    FILE *f = fopen(path, "r");
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, s) != NULL;
    if (f) fclose(f);
    return found;
}

static cJSON *checkout_ok(http_res *r)
{
    cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
    if (getenv("PF_TEST_DUMP")) fprintf(stderr, "%s\n", r->body);
    cJSON *j = body_json(r);
    cr_assert(j);
    return j;
}

/* ---- tests ---- */

Test(api_checkout, single_checkout_with_a_model_file_freezes_the_price)
{
    char path[512];
    static const char *const f[] = {"material",    "PLA",    "color",  "Red",
                                    "quantity",    "2",      "infill", "30",
                                    "fulfillment", "pickup", "notes",  "Please sand the top",
                                    NULL};
    http_res r = post_form("/api/checkout", user_auth, f, data_path("cube20.stl", path, sizeof path));
    cJSON *j = checkout_ok(&r);
    http_free(&r);
    const cJSON *o = cJSON_GetObjectItem(j, "order");
    cr_assert(cJSON_IsObject(o), "single checkout answers its order");
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "orders")), 1);
    const char *tr = jstr(o, "tracking_no");
    cr_assert(tr);
    char norm[PF_REF_MAX];
    cr_expect(pf_ref_normalize(tr, norm) && !strcmp(norm, tr) && !strncmp(tr, "PF-", 3), "%s", tr);
    cr_expect_str_eq(jstr(o, "status"), "pending");
    cr_expect_str_eq(jstr(o, "material"), "PLA");
    cr_expect_str_eq(jstr(o, "color"), "Red");
    cr_expect_eq(jnum(o, "quantity"), 2);
    cr_expect_eq(jnum(o, "infill"), 30);
    cr_expect_str_eq(jstr(o, "fulfillment"), "pickup");
    int64_t total = check_order_figures(o);
    cr_expect_eq(paise(cJSON_GetObjectItem(o, "price"), "shipping"), 0, "pickup has no shipping");
    check_payment(j, tr, total);

    /* The order as stored: the same frozen figures, its blob, a timeline entry, its upload claimed. */
    pf_store *st = open_store();
    pf_order so = {0};
    pf_errbuf eb;
    cr_assert_eq(pf_store_order_by_tracking(st, NULL, tr, &so, &eb), PF_E_OK, "%s", eb.msg);
    cr_expect_eq(so.id, (uint64_t)jnum(o, "id"));
    cr_expect_eq(so.user_id, env.ids.user);
    cr_expect_eq(so.total, total);
    cr_expect_eq(so.material_cost + so.printing_cost + so.priority_cost - so.discount, so.taxable);
    cr_expect_eq(so.taxable + so.gst + so.shipping_cost + so.shipping_gst, so.total);
    cr_expect_str_eq(so.status, "pending");
    cr_expect_str_eq(so.notes, "Please sand the top");
    cr_expect_str_eq(so.filename, "cube20.stl");
    cr_expect_gt(so.weight_g, 2 * 1.0, "both copies weigh something");
    cr_expect_gt(so.print_time_s, 0);
    cr_expect_geq(so.job_time_s, so.print_time_s);
    pf_sha256 zero = {{0}};
    cr_expect(memcmp(&so.blob, &zero, sizeof zero), "blob frozen with the order");
    pf_blob_info bi;
    cr_assert_eq(pf_store_blob_stat(st, NULL, &so.blob, &bi, &eb), PF_E_OK);
    cr_expect_geq(bi.refs, 2, "the upload and the order both hold the blob");
    cr_expect_eq(bi.size, 684);
    pf_order_event *ev = NULL;
    size_t n = 0;
    uint64_t next;
    cr_assert_eq(pf_store_order_event_list_by_order(st, NULL, so.id, 0, 10, &ev, &n, &next, &eb), PF_E_OK);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(ev[0].status, "pending");
    cr_expect(strstr(ev[0].message, "placed"));
    pf_order_event_list_free(ev, n);
    pf_upload up = {0};
    cr_assert_eq(pf_store_upload_get(st, NULL, so.upload_id, &up, &eb), PF_E_OK);
    cr_expect(up.claimed);
    cr_expect_eq(up.user_id, env.ids.user);
    pf_upload_clear(&up);
    pf_order_clear(&so);
    uint64_t problems = 1;
    cr_assert_eq(pf_store_check(st, stderr, &problems, &eb), PF_E_OK);
    cr_expect_eq(problems, 0);
    pf_store_close(st);

    /* The order-placed email carries the payment link. */
    cr_expect_eq(mail_count(&env, "user@example.com"), 1);
    char want[128];
    snprintf(want, sizeof want, "upi://pay?pa=%s&", UPI_ID);
    cr_expect(log_has(want), "the email has the payment link");
    snprintf(want, sizeof want, "&tr=%s", tr);
    cr_expect(log_has(want), "for this order");
    snprintf(want, sizeof want, "order %s placed, INR %lld.%02lld to pay", tr, (long long)(total / 100),
             (long long)(total % 100));
    cr_expect(log_has(want), "the subject names the order and the amount");
    cJSON_Delete(j);
}

Test(api_checkout, checkout_from_an_upload_session_matches_its_quote)
{
    uint64_t sid = upload(user_auth, "gear.stl");
    char body[256];
    snprintf(body, sizeof body,
             "{\"session_id\":%llu,\"material\":\"PETG\",\"color\":\"Blue\",\"quantity\":3}",
             (unsigned long long)sid);
    http_res q = req(&env, "POST", "/api/quote", user_auth, body);
    cr_assert_eq(q.status, 200, "%s", q.body);
    cJSON *qj = body_json(&q);
    http_free(&q);
    /* A one-item cart by session. */
    snprintf(body, sizeof body,
             "{\"items\":[{\"session_id\":%llu,\"material\":\"PETG\",\"color\":\"Blue\",\"qty\":3}],"
             "\"fulfillment\":\"pickup\"}",
             (unsigned long long)sid);
    http_res r = req(&env, "POST", "/api/cart-checkout", user_auth, body);
    cJSON *j = checkout_ok(&r);
    http_free(&r);
    const cJSON *o = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "orders"), 0);
    cr_assert(o);
    cr_expect_eq((uint64_t)jnum(o, "session_id"), sid);
    int64_t tot = check_order_figures(o);
    /* The quote's total (before shipping) is what the order charges: the price was frozen from it. */
    const cJSON *qp = cJSON_GetObjectItem(qj, "price");
    if (!qp) qp = qj;
    cr_expect_eq(paise(qp, "total"), tot, "the quote's total is the order's");
    cJSON_Delete(qj);
    cJSON_Delete(j);
    /* The single checkout takes a session too (multipart without a file). */
    uint64_t sid2 = upload(user_auth, "cube20.stl");
    char sid2s[32];
    snprintf(sid2s, sizeof sid2s, "%llu", (unsigned long long)sid2);
    const char *const f[] = {"session_id", sid2s, "material", "PLA", "fulfillment", "pickup", NULL};
    r = post_form("/api/checkout", user_auth, f, NULL);
    j = checkout_ok(&r);
    http_free(&r);
    o = cJSON_GetObjectItem(j, "order");
    cr_expect_eq((uint64_t)jnum(o, "session_id"), sid2);
    cr_expect_str_eq(jstr(o, "filename"), "cube20.stl");
    cr_expect_eq(jnum(o, "infill"), 20, "the default infill");
    check_payment(j, jstr(o, "tracking_no"), check_order_figures(o));
    cJSON_Delete(j);
    /* A session of another user is not found for this one. */
    snprintf(body, sizeof body,
             "{\"items\":[{\"session_id\":%llu,\"material\":\"PLA\"}],\"fulfillment\":\"pickup\"}",
             (unsigned long long)sid);
    r = req(&env, "POST", "/api/cart-checkout", other_auth, body);
    cr_expect_eq(r.status, 404, "%s", r.body);
    http_free(&r);
}

/* Adds a catalog model holding tests/data/<file> through the store; returns its id. */
typedef struct model_ctx {
    pf_blob_writer *w; /* finished upload */
    pf_model m;        /* the record */
} model_ctx;

static pf_err model_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    model_ctx *c = vctx;
    pf_err err = pf_store_blob_finish(c->w, t, &c->m.blob, NULL, eb);
    return err ? err : pf_store_model_put(NULL, t, &c->m, eb);
}

static uint64_t add_catalog_model(const char *file)
{
    char path[512];
    FILE *f = fopen(data_path(file, path, sizeof path), "rb");
    cr_assert(f);
    static char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    pf_store *st = open_store();
    pf_errbuf eb;
    model_ctx c = {.m = {.owner_id = 1,
                         .name = strdup("Catalog cube"),
                         .filename = strdup(file),
                         .format = strdup("stl"),
                         .material = strdup("PLA"),
                         .is_approved = true,
                         .is_public = true}};
    cr_assert_eq(pf_store_blob_begin(st, &c.w, &eb), PF_E_OK);
    cr_assert_eq(pf_store_blob_write(c.w, buf, len, &eb), PF_E_OK);
    cr_assert_eq(pf_store_write(st, model_fn, &c, &eb), PF_E_OK, "%s", eb.msg);
    pf_store_blob_free(c.w);
    uint64_t id = c.m.id;
    pf_model_clear(&c.m);
    pf_store_close(st);
    return id;
}

Test(api_checkout, checkout_of_a_catalog_model_ships_to_a_pin)
{
    uint64_t mid = add_catalog_model("bracket.stl");
    char ids[32];
    snprintf(ids, sizeof ids, "%llu", (unsigned long long)mid);
    const char *const f[] = {"catalog_model_id",
                             ids,
                             "material",
                             "PLA",
                             "color",
                             "Black",
                             "quantity",
                             "1",
                             "fulfillment",
                             "ship",
                             "shipping_name",
                             "Asha Rao",
                             "shipping_address",
                             "12 MG Road\nFlat 4",
                             "shipping_city",
                             "New Delhi",
                             "shipping_zip",
                             "110001",
                             "shipping_phone",
                             "+91 98450 12345",
                             "priority_print",
                             "true",
                             NULL};
    http_res r = post_form("/api/checkout", user_auth, f, NULL);
    cJSON *j = checkout_ok(&r);
    http_free(&r);
    const cJSON *o = cJSON_GetObjectItem(j, "order");
    cr_expect_eq((uint64_t)jnum(o, "catalog_model_id"), mid);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(o, "priority_print")));
    int64_t tot = check_order_figures(o);
    const cJSON *p = cJSON_GetObjectItem(o, "price");
    cr_expect_gt(paise(p, "priority"), 0);
    cr_expect_gt(paise(p, "shipping"), 0, "shipping charged");
    cr_expect_eq(paise(p, "shipping_gst"), (int64_t)floor((double)paise(p, "shipping") * 0.18 + 0.5));
    check_payment(j, jstr(o, "tracking_no"), tot);
    pf_store *st = open_store();
    pf_order so = {0};
    cr_assert_eq(pf_store_order_by_tracking(st, NULL, jstr(o, "tracking_no"), &so, NULL), PF_E_OK);
    cr_expect_str_eq(so.ship_zip, "110001");
    cr_expect_str_eq(so.ship_phone, "9845012345", "phone normalised");
    cr_expect(so.ship_state && *so.ship_state, "state from the PIN when not given");
    cr_expect_str_eq(so.fulfillment, "shipping");
    cr_expect_eq(so.model_id, mid);
    cr_expect_eq(so.upload_id, 0);
    pf_order_clear(&so);
    pf_store_close(st);
    cJSON_Delete(j);
}

/* A cart body of the given sessions with shared shipping and an optional coupon. */
static void cart_body(char *out, size_t len, const uint64_t *sids, size_t n, const char *coupon)
{
    static const char *const mats[] = {"PLA", "PETG", "ABS"}, *const cols[] = {"Green", "Clear", "White"};
    size_t w = (size_t)snprintf(out, len, "{\"items\":[");
    for (size_t i = 0; i < n; i++)
        w += (size_t)snprintf(out + w, len - w,
                              "%s{\"session_id\":%llu,\"material\":\"%s\",\"color\":\"%s\",\"qty\":%zu,"
                              "\"infill\":%d,\"priority_print\":%s}",
                              i ? "," : "", (unsigned long long)sids[i], mats[i % 3], cols[i % 3], 1 + i,
                              15 + 10 * (int)i, i == 1 ? "true" : "false");
    w +=
        (size_t)snprintf(out + w, len - w,
                         "],\"fulfillment\":\"ship\",\"shipping_name\":\"Ravi Kumar\",\"shipping_address\":"
                         "\"4 Park Street\",\"shipping_city\":\"Kolkata\",\"shipping_state\":\"West Bengal\","
                         "\"shipping_zip\":\"700016\",\"shipping_phone\":\"09830012345\"");
    if (coupon) w += (size_t)snprintf(out + w, len - w, ",\"coupon_code\":\"%s\"", coupon);
    snprintf(out + w, len - w, "}");
}

/* Checks a cart answer: one group, orders adding up to it to the paisa, and the stored group agrees. */
static void check_cart(const cJSON *j, size_t n, int64_t *discount)
{
    const cJSON *orders = cJSON_GetObjectItem(j, "orders"), *tot = cJSON_GetObjectItem(j, "totals");
    cr_assert_eq((size_t)cJSON_GetArraySize(orders), n);
    uint64_t gid = (uint64_t)jnum(j, "group_id");
    const char *ref = jstr(j, "group_ref");
    cr_assert(gid && ref && !strncmp(ref, "G-", 2));
    int64_t sum[6] = {0};
    for (size_t i = 0; i < n; i++) {
        const cJSON *o = cJSON_GetArrayItem(orders, (int)i), *p = cJSON_GetObjectItem(o, "price");
        cr_expect_eq((uint64_t)jnum(o, "group_id"), gid);
        sum[0] += check_order_figures(o);
        sum[1] += paise(p, "discount"), sum[2] += paise(p, "taxable"), sum[3] += paise(p, "gst");
        sum[4] += paise(p, "shipping"), sum[5] += paise(p, "shipping_gst");
    }
    cr_expect_eq(sum[0], paise(tot, "total"), "orders add up to the group");
    cr_expect_eq(sum[1], paise(tot, "discount"));
    cr_expect_eq(sum[2], paise(tot, "taxable"));
    cr_expect_eq(sum[3], paise(tot, "gst"));
    cr_expect_eq(sum[4], paise(tot, "shipping"));
    cr_expect_eq(sum[5], paise(tot, "shipping_gst"));
    cr_expect_eq(paise(tot, "taxable"), paise(tot, "subtotal") - paise(tot, "discount"));
    cr_expect_gt(sum[4], 0, "one parcel shipped");
    cr_expect_eq(paise(j, "total"), sum[0]);
    check_payment(j, ref, sum[0]);
    pf_store *st = open_store();
    pf_order_group g = {0};
    cr_assert_eq(pf_store_order_group_get(st, NULL, gid, &g, NULL), PF_E_OK);
    cr_expect_str_eq(g.ref, ref);
    cr_expect_eq(g.total, sum[0]);
    cr_expect_eq(g.discount, sum[1]);
    cr_expect_eq(g.shipping_cost, sum[4]);
    cr_expect_eq(g.shipping_gst, sum[5]);
    cr_expect_eq(g.user_id, env.ids.user);
    pf_order *arr = NULL;
    size_t got = 0;
    uint64_t next;
    cr_assert_eq(pf_store_order_list_by_group(st, NULL, gid, 0, 50, &arr, &got, &next, NULL), PF_E_OK);
    cr_expect_eq(got, n, "the group lists its orders");
    int64_t s = 0;
    for (size_t i = 0; i < got; i++)
        s += arr[i].total;
    cr_expect_eq(s, g.total);
    pf_order_list_free(arr, got);
    pf_order_group_clear(&g);
    pf_store_close(st);
    if (discount) *discount = sum[1];
}

/* Uploads cube20, gear and bracket and checks them out as one cart (cart_body); the 201 answer. */
static cJSON *three_item_cart(void)
{
    uint64_t sids[3] = {upload(user_auth, "cube20.stl"), upload(user_auth, "gear.stl"),
                        upload(user_auth, "bracket.stl")};
    char body[2048];
    cart_body(body, sizeof body, sids, 3, NULL);
    http_res r = req(&env, "POST", "/api/cart-checkout", user_auth, body);
    cJSON *j = checkout_ok(&r);
    http_free(&r);
    return j;
}

Test(api_checkout, cart_of_three_items_shares_one_group_and_adds_up)
{
    cJSON *j = three_item_cart();
    check_cart(j, 3, NULL);
    const cJSON *o1 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "orders"), 1);
    cr_expect_str_eq(jstr(o1, "material"), "PETG");
    cr_expect_eq(jnum(o1, "quantity"), 2);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(o1, "priority_print")));
    cr_expect_eq(mail_count(&env, "user@example.com"), 1, "one email for the group");
    /* The group's tax invoice (api/invoice.c) shows the total this checkout froze. */
    char path[128], pdf[400], txt[400], cmd[900];
    snprintf(path, sizeof path, "/api/user/orders/group/%llu/invoice",
             (unsigned long long)jnum(j, "group_id"));
    http_res r = req(&env, "GET", path, user_auth, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(r.len > 4 && !memcmp(r.body, "%PDF", 4));
    snprintf(pdf, sizeof pdf, "%s/group.pdf", env.dir);
    snprintf(txt, sizeof txt, "%s/group.txt", env.dir);
    FILE *f = fopen(pdf, "wb");
    cr_assert(f);
    fwrite(r.body, 1, r.len, f);
    fclose(f);
    http_free(&r);
    snprintf(cmd, sizeof cmd, "pdftotext -layout %s %s", pdf, txt);
    if (system(cmd) == 0) {
        char money[PF_PRICE_INR_BUFSZ], plain[PF_PRICE_INR_BUFSZ], buf[65536] = "";
        int64_t total = paise(j, "total");
        pf_price_format_inr(total, money);
        pf_price_format_plain(total, plain);
        f = fopen(txt, "r");
        cr_assert(f);
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        fclose(f);
        /* The PDF's base font has no rupee sign: look for the figures after it. */
        cr_expect(strstr(buf, money + 3) || strstr(buf, plain), "invoice total %s in:\n%s", money, buf);
    } else {
        cr_log_warn("pdftotext not available: invoice text not checked");
    }
    cJSON_Delete(j);
}

/* POSTs json to an admin create route, expects 201 and returns the new record's id. */
static uint64_t admin_create(const char *path, const char *json)
{
    http_res r = req(&env, "POST", path, admin_auth, json);
    cr_assert_eq(r.status, 201, "%s %s -> %ld %s", path, json, r.status, r.body);
    cJSON *j = body_json(&r);
    uint64_t id = (uint64_t)jnum(j, "id");
    cJSON_Delete(j);
    http_free(&r);
    return id;
}

/* Creates a printer type through the admin API; returns its id. */
static uint64_t make_printer(const char *name, const char *materials, double bed, const char *pin)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"materials\":%s,\"bed_x_mm\":%g,\"bed_y_mm\":%g,\"bed_z_mm\":%g,"
             "\"printer_pincode\":\"%s\"}",
             name, materials, bed, bed, bed, pin);
    return admin_create("/api/admin/printer-types", body);
}

/* The printer the admin's order detail shows, 0 when unassigned. */
static uint64_t assigned_printer(uint64_t order_id)
{
    char path[96];
    snprintf(path, sizeof path, "/api/admin/orders/%llu", (unsigned long long)order_id);
    http_res r = req(&env, "GET", path, admin_auth, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cJSON *j = body_json(&r);
    const cJSON *o = cJSON_GetObjectItem(j, "order") ? cJSON_GetObjectItem(j, "order") : j;
    const cJSON *p = cJSON_GetObjectItem(o, "printer_id");
    cr_assert(p, "printer_id in %s", r.body);
    uint64_t id = cJSON_IsNumber(p) ? (uint64_t)p->valuedouble : 0;
    cJSON_Delete(j);
    http_free(&r);
    return id;
}

/* Checkout assigns each order the best compatible printer (nearest to the customer's PIN, then least
 * loaded; one that prints the material and fits the part), the one eligible-printers ranks first; the
 * setting order.auto_assign switches it off. */
Test(api_checkout, each_order_gets_the_best_compatible_printer)
{
    uint64_t kolkata = make_printer("Kolkata farm", "[\"PLA\",\"PETG\",\"ABS\"]", 250, "700001");
    uint64_t delhi = make_printer("Delhi PLA", "[\"PLA\"]", 250, "110001");
    uint64_t tiny = make_printer("Delhi mini", "[\"PLA\",\"PETG\",\"ABS\"]", 15, "110001");
    /* A cart shipped to Kolkata: every item goes to the Kolkata farm, the only nearby printer with all three
     * materials (its load grows with each order, but not enough to lose to a printer 1300 km away). */
    cJSON *j = three_item_cart();
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "orders"))
    {
        cr_expect_eq(assigned_printer((uint64_t)jnum(it, "id")), kolkata, "%s", jstr(it, "material"));
    }
    cJSON_Delete(j);
    /* A PLA part shipped to Delhi goes to the Delhi printer whose bed it fits (cube20 is 20 mm: not the
     * 15 mm mini), and that is the first of the eligible-printers ranking. */
    char sid[32];
    snprintf(sid, sizeof sid, "%llu", (unsigned long long)upload(user_auth, "cube20.stl"));
    const char *const f[] = {"session_id",
                             sid,
                             "material",
                             "PLA",
                             "fulfillment",
                             "ship",
                             "shipping_name",
                             "Asha Rao",
                             "shipping_address",
                             "12 MG Road",
                             "shipping_city",
                             "New Delhi",
                             "shipping_zip",
                             "110002",
                             "shipping_phone",
                             "9845012345",
                             NULL};
    http_res r = post_form("/api/checkout", user_auth, f, NULL);
    j = checkout_ok(&r);
    http_free(&r);
    uint64_t oid = (uint64_t)jnum(cJSON_GetObjectItem(j, "order"), "id");
    cJSON_Delete(j);
    cr_expect_eq(assigned_printer(oid), delhi);
    cr_expect_neq(assigned_printer(oid), tiny);
    char path[128];
    snprintf(path, sizeof path, "/api/admin/orders/%llu/eligible-printers", (unsigned long long)oid);
    r = req(&env, "GET", path, admin_auth, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    j = body_json(&r);
    http_free(&r);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "printers"), 0);
    cr_expect_eq((uint64_t)jnum(first, "id"), delhi);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(first, "assigned")));
    cJSON_Delete(j);
    /* Switched off: orders wait unassigned for an admin. */
    r = req(&env, "PUT", "/api/admin/settings/order.auto_assign", admin_auth, "{\"value\":false}");
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    r = post_form("/api/checkout", user_auth, f, NULL);
    j = checkout_ok(&r);
    http_free(&r);
    cr_expect_eq(assigned_printer((uint64_t)jnum(cJSON_GetObjectItem(j, "order"), "id")), 0);
    cJSON_Delete(j);
}

/* Creates a coupon through the admin API; returns its id. */
static uint64_t make_coupon(const char *json)
{
    return admin_create("/api/admin/coupons", json);
}

/* One-item cart of cube20 with a coupon: the status, and the body parsed into *out when 201. */
static long cart_with_coupon(const char *auth, const char *coupon, cJSON **out)
{
    uint64_t sid = upload(auth, "cube20.stl");
    char body[2048];
    cart_body(body, sizeof body, &sid, 1, coupon);
    http_res r = req(&env, "POST", "/api/cart-checkout", auth, body);
    long st = r.status;
    if (out) *out = st == 201 ? body_json(&r) : NULL;
    if (st != 201 && st != 422) cr_log_error("%ld %s", st, r.body);
    if (st == 422) cr_expect(strstr(r.body, "coupon_code"), "%s", r.body);
    http_free(&r);
    return st;
}

Test(api_checkout, coupons_apply_before_gst_within_their_rules)
{
    int64_t now = (int64_t)time(NULL);
    char json[512];
    make_coupon("{\"code\":\"save10\",\"kind\":\"percent\",\"value\":10}");
    make_coupon("{\"code\":\"FLAT5\",\"kind\":\"flat\",\"value\":5}");
    snprintf(json, sizeof json, "{\"code\":\"SOON\",\"kind\":\"percent\",\"value\":5,\"starts_at\":%lld}",
             (long long)(now + 3600));
    make_coupon(json);
    snprintf(json, sizeof json,
             "{\"code\":\"OVER\",\"kind\":\"percent\",\"value\":5,\"starts_at\":%lld,"
             "\"ends_at\":%lld}",
             (long long)(now - 7200), (long long)(now - 3600));
    make_coupon(json);
    make_coupon("{\"code\":\"BIG\",\"kind\":\"flat\",\"value\":20,\"min_order\":100000}");
    make_coupon("{\"code\":\"ONCE\",\"kind\":\"percent\",\"value\":50,\"max_uses\":1}");
    uint64_t mine = make_coupon("{\"code\":\"MINE\",\"kind\":\"flat\",\"value\":1,\"per_user_max\":1}");
    make_coupon("{\"code\":\"OFF\",\"kind\":\"flat\",\"value\":1,\"is_active\":false}");

    /* Percent: 10 % of the taxable value, then GST on what is left. */
    cJSON *j = NULL;
    int64_t disc = 0;
    cr_assert_eq(cart_with_coupon(user_auth, "Save10", &j), 201);
    check_cart(j, 1, &disc);
    const cJSON *t = cJSON_GetObjectItem(j, "totals");
    cr_expect_eq(disc, (int64_t)floor((double)paise(t, "subtotal") * 0.10 + 0.5));
    cr_expect_eq(paise(t, "gst"), (int64_t)floor((double)paise(t, "taxable") * 0.18 + 0.5));
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "orders"), 0), "coupon_code"), "SAVE10");
    cJSON_Delete(j);
    /* Flat: ₹5 off, capped by nothing here. */
    cr_assert_eq(cart_with_coupon(user_auth, "FLAT5", &j), 201);
    check_cart(j, 1, &disc);
    cr_expect_eq(disc, 500);
    cJSON_Delete(j);
    /* Window, minimum, inactive, unknown. */
    cr_expect_eq(cart_with_coupon(user_auth, "SOON", NULL), 422);
    cr_expect_eq(cart_with_coupon(user_auth, "OVER", NULL), 422);
    cr_expect_eq(cart_with_coupon(user_auth, "BIG", NULL), 422);
    cr_expect_eq(cart_with_coupon(user_auth, "OFF", NULL), 422);
    cr_expect_eq(cart_with_coupon(user_auth, "NOPE", NULL), 422);
    /* Total limit: the first redemption wins, the next (anyone's) is refused. */
    cr_expect_eq(cart_with_coupon(other_auth, "ONCE", &j), 201);
    cJSON_Delete(j);
    cr_expect_eq(cart_with_coupon(user_auth, "ONCE", NULL), 422);
    /* Per-user limit: once for each customer. */
    cr_expect_eq(cart_with_coupon(user_auth, "MINE", &j), 201);
    cJSON_Delete(j);
    cr_expect_eq(cart_with_coupon(user_auth, "MINE", NULL), 422);
    cr_expect_eq(cart_with_coupon(other_auth, "MINE", &j), 201);
    cJSON_Delete(j);
    /* Usage is counted on the coupon and per user. */
    pf_store *st = open_store();
    pf_coupon c = {0};
    cr_assert_eq(pf_store_coupon_get(st, NULL, mine, &c, NULL), PF_E_OK);
    cr_expect_eq(c.used, 2);
    char name[64];
    uint64_t uses = 0;
    pf_checkout_coupon_counter(mine, env.ids.user, name, sizeof name);
    cr_assert_eq(pf_store_counter_get(st, NULL, name, &uses, NULL), PF_E_OK);
    cr_expect_eq(uses, 1);
    pf_coupon_clear(&c);
    pf_store_close(st);
    /* The validate endpoint agrees. */
    http_res r =
        req(&env, "POST", "/api/coupons/validate", user_auth, "{\"code\":\"save10\",\"subtotal\":250.5}");
    cr_expect_eq(r.status, 200, "%s", r.body);
    cJSON *v = body_json(&r);
    cr_expect_eq(paise(v, "discount"), 2505);
    cJSON_Delete(v);
    http_free(&r);
    r = req(&env, "POST", "/api/coupons/validate", user_auth, "{\"code\":\"MINE\"}");
    cr_expect_eq(r.status, 422, "already used: %s", r.body);
    http_free(&r);
    r = req(&env, "POST", "/api/coupons/validate", user_auth, "{\"code\":\"NOPE\"}");
    cr_expect_eq(r.status, 404);
    http_free(&r);
}

typedef struct racer {
    char body[2048]; /* cart body */
    long status;     /* answer */
} racer;

static void *race(void *arg)
{
    racer *x = arg;
    http_res r = req(&env, "POST", "/api/cart-checkout", user_auth, x->body);
    x->status = r.status;
    http_free(&r);
    return NULL;
}

Test(api_checkout, the_last_coupon_use_goes_to_exactly_one_of_racing_checkouts)
{
    uint64_t id = make_coupon("{\"code\":\"LAST\",\"kind\":\"percent\",\"value\":5,\"max_uses\":1}");
    enum { N = 6 };
    racer x[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        uint64_t sid = upload(user_auth, "cube20.stl");
        cart_body(x[i].body, sizeof x[i].body, &sid, 1, "LAST");
    }
    for (int i = 0; i < N; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, race, &x[i]), 0);
    int won = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        won += x[i].status == 201;
        refused += x[i].status == 422;
    }
    cr_expect_eq(won, 1, "one checkout got the coupon");
    cr_expect_eq(refused, N - 1, "the others were told why");
    pf_store *st = open_store();
    pf_coupon c = {0};
    cr_assert_eq(pf_store_coupon_get(st, NULL, id, &c, NULL), PF_E_OK);
    cr_expect_eq(c.used, 1);
    pf_coupon_clear(&c);
    pf_order *arr = NULL;
    size_t n = 0;
    uint64_t next;
    cr_assert_eq(pf_store_order_list(st, NULL, 0, 50, &arr, &n, &next, NULL), PF_E_OK);
    cr_expect_eq(n, 1, "one order placed");
    pf_order_list_free(arr, n);
    pf_store_close(st);
}

Test(api_checkout, admin_coupon_crud)
{
    uint64_t id = make_coupon("{\"code\":\"diwali\",\"kind\":\"flat\",\"value\":99.5,\"min_order\":500,"
                              "\"ends_at\":\"2030-11-01T00:00:00Z\",\"description\":\"Festive\"}");
    http_res r = req(&env, "POST", "/api/admin/coupons", admin_auth,
                     "{\"code\":\"DIWALI\",\"kind\":\"flat\",\"value\":1}");
    cr_expect_eq(r.status, 409, "duplicate code: %s", r.body);
    http_free(&r);
    static const char *const bad[] = {
        "{\"code\":\"X Y\",\"kind\":\"flat\",\"value\":1}",
        "{\"code\":\"PCT\",\"kind\":\"percent\",\"value\":120}",
        "{\"code\":\"PCT\",\"kind\":\"bogus\",\"value\":1}",
        "{\"code\":\"PCT\",\"kind\":\"flat\",\"value\":1.234}",
        "{\"code\":\"PCT\",\"kind\":\"flat\"}",
        "{\"code\":\"PCT\",\"kind\":\"flat\",\"value\":1,\"max_uses\":-1}",
        "{\"code\":\"PCT\",\"kind\":\"flat\",\"value\":1,\"starts_at\":\"soon\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = req(&env, "POST", "/api/admin/coupons", admin_auth, bad[i]);
        cr_expect_eq(r.status, 422, "%s -> %ld %s", bad[i], r.status, r.body);
        http_free(&r);
    }
    char path[64];
    snprintf(path, sizeof path, "/api/admin/coupons/%llu", (unsigned long long)id);
    r = req(&env, "PUT", path, admin_auth, "{\"value\":150,\"is_active\":false}");
    cr_expect_eq(r.status, 200, "%s", r.body);
    cJSON *j = body_json(&r);
    cr_expect_eq(paise(j, "value"), 15000);
    cr_expect_eq(paise(j, "min_order"), 50000);
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(j, "is_active")));
    cr_expect_eq(jnum(j, "ends_at"), 1919721600);
    cJSON_Delete(j);
    http_free(&r);
    r = req(&env, "GET", "/api/admin/coupons", admin_auth, NULL);
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "\"DIWALI\""), "%s", r.body);
    http_free(&r);
    r = req(&env, "GET", "/api/admin/coupons", user_auth, NULL);
    cr_expect_eq(r.status, 403);
    http_free(&r);
    r = req(&env, "DELETE", path, admin_auth, NULL);
    cr_expect_eq(r.status, 200);
    http_free(&r);
    r = req(&env, "DELETE", path, admin_auth, NULL);
    cr_expect_eq(r.status, 404);
    http_free(&r);
}

/* Expects status and a JSON error naming want. */
static void expect_error(http_res r, long status, const char *want, const char *what)
{
    cr_expect_eq(r.status, status, "%s: %ld %s", what, r.status, r.body);
    cJSON *j = body_json(&r);
    const char *e = jstr(j, "error");
    cr_expect(e && strstr(e, want), "%s: error \"%s\" should name %s", what, e ? e : "(none)", want);
    cJSON_Delete(j);
    http_free(&r);
}

static size_t count_uploads(void)
{
    pf_store *st = open_store();
    pf_upload *arr = NULL;
    size_t n = 0;
    uint64_t next;
    cr_assert_eq(pf_store_upload_list(st, NULL, 0, 1000, &arr, &n, &next, NULL), PF_E_OK);
    pf_upload_list_free(arr, n);
    pf_store_close(st);
    return n;
}

Test(api_checkout, each_validation_error_is_a_clear_4xx)
{
    char path[512], big[300], body[2048];
    data_path("cube20.stl", path, sizeof path);
#define FORM(...) ((const char *const[]){__VA_ARGS__, NULL})
    expect_error(post_form("/api/checkout", user_auth, FORM("material", "Unobtainium"), path), 422,
                 "material", "unknown material");
    expect_error(post_form("/api/checkout", user_auth, FORM("material", "PLA", "color", "Purple"), path), 422,
                 "color", "color not offered");
    expect_error(post_form("/api/checkout", user_auth, FORM("material", "PLA", "infill", "150"), path), 422,
                 "infill", "infill over 100");
    expect_error(post_form("/api/checkout", user_auth, FORM("material", "PLA", "infill", "abc"), path), 422,
                 "infill", "infill not a number");
    expect_error(post_form("/api/checkout", user_auth, FORM("material", "PLA", "quantity", "0"), path), 422,
                 "quantity", "quantity 0");
    expect_error(post_form("/api/checkout", user_auth, FORM("material", "PLA", "quantity", "101"), path), 422,
                 "quantity", "quantity over order.max_qty");
    expect_error(post_form("/api/checkout", user_auth, FORM("material", "PLA", "fulfillment", "drone"), path),
                 422, "fulfillment", "bad fulfillment");
    expect_error(post_form("/api/checkout", user_auth,
                           FORM("material", "PLA", "fulfillment", "ship", "shipping_name", "A"), path),
                 422, "shipping_address", "shipping without an address");
    expect_error(
        post_form("/api/checkout", user_auth,
                  FORM("material", "PLA", "fulfillment", "ship", "shipping_name", "A", "shipping_address",
                       "B", "shipping_city", "C", "shipping_zip", "12345", "shipping_phone", "9845012345"),
                  path),
        422, "shipping_zip", "bad PIN");
    expect_error(
        post_form("/api/checkout", user_auth,
                  FORM("material", "PLA", "fulfillment", "ship", "shipping_name", "A", "shipping_address",
                       "B", "shipping_city", "C", "shipping_zip", "560001", "shipping_phone", "12"),
                  path),
        422, "shipping_phone", "bad phone");
    expect_error(
        post_form("/api/checkout", user_auth, FORM("material", "PLA", "coupon_code", "NO SPACES"), path), 422,
        "coupon_code", "malformed coupon");
    expect_error(post_form("/api/checkout", user_auth, FORM("material", "PLA"), NULL), 422, "model_file",
                 "no model");
    expect_error(
        post_form("/api/checkout", user_auth, FORM("material", "PLA", "catalog_model_id", "999999"), NULL),
        404, "", "unknown catalog model");
    expect_error(post_form("/api/checkout", NULL, FORM("material", "PLA"), path), 401, "", "signed out");
    expect_error(
        post_form("/api/checkout", user_auth, FORM("material", "PLA", "catalog_model_id", "1"), path), 422,
        "model_file", "a file and a catalog model");
    /* A part larger than every printer's bed. */
    snprintf(big, sizeof big, "%s/huge.stl", env.dir);
    write_box_stl(big, 300, 300, 20);
    expect_error(post_form("/api/checkout", user_auth, FORM("material", "PLA"), big), 422, "fit",
                 "too large");
    /* Carts. */
    expect_error(req(&env, "POST", "/api/cart-checkout", user_auth, "{\"items\":[]}"), 422, "items",
                 "empty cart");
    expect_error(req(&env, "POST", "/api/cart-checkout", user_auth, "{}"), 422, "items", "no items");
    size_t w = (size_t)snprintf(body, sizeof body, "{\"items\":[");
    for (int i = 0; i < 21; i++)
        w += (size_t)snprintf(body + w, sizeof body - w, "%s{\"catalog_model_id\":1,\"material\":\"PLA\"}",
                              i ? "," : "");
    snprintf(body + w, sizeof body - w, "]}");
    expect_error(req(&env, "POST", "/api/cart-checkout", user_auth, body), 422, "items", "21 items");
    uint64_t sid = upload(user_auth, "cube20.stl");
    snprintf(body, sizeof body,
             "{\"items\":[{\"session_id\":%llu,\"catalog_model_id\":1,\"material\":\"PLA\"}]}",
             (unsigned long long)sid);
    expect_error(req(&env, "POST", "/api/cart-checkout", user_auth, body), 422, "items[0]", "two sources");
    snprintf(
        body, sizeof body,
        "{\"items\":[{\"session_id\":%llu,\"material\":\"PLA\"},{\"session_id\":%llu,\"material\":\"PLA\","
        "\"infill\":-5}]}",
        (unsigned long long)sid, (unsigned long long)sid);
    expect_error(req(&env, "POST", "/api/cart-checkout", user_auth, body), 422, "items[1].infill",
                 "second item");
    snprintf(body, sizeof body, "{\"items\":[{\"session_id\":%llu,\"material\":\"PLA\",\"qty\":2.5}]}",
             (unsigned long long)sid);
    expect_error(req(&env, "POST", "/api/cart-checkout", user_auth, body), 422, "quantity", "fractional qty");
    expect_error(req(&env, "POST", "/api/cart-checkout", user_auth,
                     "{\"items\":[{\"session_id\":99999999,\"material\":\"PLA\"}]}"),
                 404, "", "unknown session");
    /* An expired session. */
    pf_store *st = open_store();
    pf_upload up = {0};
    cr_assert_eq(pf_store_upload_get(st, NULL, sid, &up, NULL), PF_E_OK);
    up.expires_at = (int64_t)time(NULL) - 10;
    cr_assert_eq(pf_store_upload_put(st, NULL, &up, NULL), PF_E_OK);
    pf_upload_clear(&up);
    pf_store_close(st);
    snprintf(body, sizeof body, "{\"items\":[{\"session_id\":%llu,\"material\":\"PLA\"}]}",
             (unsigned long long)sid);
    expect_error(req(&env, "POST", "/api/cart-checkout", user_auth, body), 404, "", "expired session");
    /* A shop whose payee VPA is unusable takes no orders nobody could pay. */
    cr_assert_eq(server_stop(&env.srv), 0);
    st = open_store();
    cr_assert_eq(pf_store_setting_set(st, NULL, "site.upi_id", "not a vpa", 0, NULL), PF_E_OK);
    pf_store_close(st);
    env.srv = server_start(env.dir);
    size_t uploads_before = count_uploads();
    expect_error(post_form("/api/checkout", user_auth, FORM("material", "PLA"), path), 503, "site.upi_id",
                 "payments not configured");
    cr_expect_eq(count_uploads(), uploads_before, "the refused checkout kept no upload");
    /* Nothing of all that was stored as an order. */
    st = open_store();
    pf_order *arr = NULL;
    size_t n = 0;
    uint64_t next;
    cr_assert_eq(pf_store_order_list(st, NULL, 0, 10, &arr, &n, &next, NULL), PF_E_OK);
    cr_expect_eq(n, 0, "no order from a refused checkout");
    pf_order_list_free(arr, n);
    pf_store_close(st);
#undef FORM
}

Test(api_checkout, orders_survive_a_restart)
{
    uint64_t sids[2] = {upload(user_auth, "cube20.stl"), upload(user_auth, "tower.stl")};
    char body[2048];
    cart_body(body, sizeof body, sids, 2, NULL);
    http_res r = req(&env, "POST", "/api/cart-checkout", user_auth, body);
    cJSON *j = checkout_ok(&r);
    http_free(&r);
    char tr[2][PF_REF_MAX];
    int64_t tot[2];
    for (int i = 0; i < 2; i++) {
        const cJSON *o = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "orders"), i);
        const char *t = jstr(o, "tracking_no");
        cr_assert(t, "order %d has a tracking number", i);
        snprintf(tr[i], sizeof tr[i], "%s", t);
        tot[i] = paise(o, "total");
    }
    cJSON_Delete(j);
    cr_assert_eq(server_stop(&env.srv), 0);
    env.srv = server_start(env.dir);
    pf_store *st = open_store();
    for (int i = 0; i < 2; i++) {
        pf_order o = {0};
        cr_assert_eq(pf_store_order_by_tracking(st, NULL, tr[i], &o, NULL), PF_E_OK, "%s after restart",
                     tr[i]);
        cr_expect_eq(o.total, tot[i]);
        cr_expect_str_eq(o.status, "pending");
        pf_order_clear(&o);
    }
    pf_store_close(st);
    /* And checking out goes on after the restart (estimates rebuilt from the stored blobs). */
    uint64_t sid = upload(user_auth, "cube20.stl");
    cart_body(body, sizeof body, &sid, 1, NULL);
    r = req(&env, "POST", "/api/cart-checkout", user_auth, body);
    cJSON_Delete(checkout_ok(&r));
    http_free(&r);
}

/* ---- crash safety of the order transaction ---- */

#define KILLS 40
#define COUPON_USERS 3

typedef struct crash_fixture {
    pf_sha256 blob;  /* a model blob */
    uint64_t upload; /* an upload holding it */
    uint64_t coupon; /* a coupon with no limits */
} crash_fixture;

typedef struct fix_ctx {
    pf_blob_writer *w; /* finished upload */
    pf_upload u;       /* its record */
} fix_ctx;

static pf_err fix_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    fix_ctx *c = vctx;
    pf_err err = pf_store_blob_finish(c->w, t, &c->u.blob, NULL, eb);
    return err ? err : pf_store_upload_put(NULL, t, &c->u, eb);
}

/* The child: places random checkouts until killed, acknowledging each commit with its size on fd. */
static void crash_writer(const char *dir, const crash_fixture *fx, int fd, unsigned seed)
{
    pf_store *st;
    pf_store_options o = fast_options(dir);
    o.console = fopen("/dev/null", "w");
    if (pf_store_open(&o, &st, NULL)) _exit(2);
    for (;;) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 16) % 3;
        bool coupon = (seed >> 20) & 1;
        pf_order_figures fig[3];
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            fig[i] = (pf_order_figures){.material = 1000 + (seed >> 8) % 50000,
                                        .printing = 500 + (seed >> 12) % 20000,
                                        .weight_g = 1 + (seed >> 4) % 300};
            fig[i].quoted_gst = (fig[i].material + fig[i].printing) * 18 / 100;
        }
        int64_t sub = 0;
        for (size_t i = 0; i < n; i++)
            sub += fig[i].material + fig[i].printing;
        int64_t disc = coupon ? (sub + 5) / 10 : 0;
        pf_checkout_totals tot;
        if (pf_checkout_figures(fig, n, disc, 18, 4100, 738, &tot, NULL)) _exit(3);
        uint64_t uid = 1 + (seed >> 24) % COUPON_USERS;
        pf_checkout_plan p = {.user_id = uid,
                              .now = (int64_t)time(NULL),
                              .orders = calloc(n, sizeof(pf_order)),
                              .n = n,
                              .group = n > 1,
                              .coupon_id = coupon ? fx->coupon : 0,
                              .coupon_taxable = sub,
                              .coupon_discount = disc};
        for (size_t i = 0; i < n; i++)
            p.orders[i] = (pf_order){.upload_id = uid == 1 ? fx->upload : 0, /* the upload is user 1's */
                                     .blob = fx->blob,
                                     .material = strdup("PLA"),
                                     .fulfillment = strdup("shipping"),
                                     .quantity = 1,
                                     .material_cost = fig[i].material,
                                     .printing_cost = fig[i].printing,
                                     .discount = fig[i].discount,
                                     .taxable = fig[i].taxable,
                                     .gst = fig[i].gst,
                                     .shipping_cost = fig[i].shipping,
                                     .shipping_gst = fig[i].shipping_gst,
                                     .total = fig[i].total,
                                     .coupon_code = coupon ? strdup("CRASH10") : NULL};
        p.grp = (pf_order_group){.total = tot.total,
                                 .subtotal = tot.subtotal,
                                 .discount = tot.discount,
                                 .taxable = tot.taxable,
                                 .gst = tot.gst,
                                 .shipping_cost = tot.shipping,
                                 .shipping_gst = tot.shipping_gst,
                                 .coupon_code = coupon ? strdup("CRASH10") : NULL};
        if (pf_checkout_commit(st, &p, NULL)) _exit(4);
        uint64_t ack = n;
        if (write(fd, &ack, sizeof ack) != (ssize_t)sizeof ack) _exit(5);
        pf_checkout_plan_clear(&p);
    }
}

/* Every order in the store: grouped orders add up to their group, every order has its event, and the coupon
 * counts match the checkouts that used it. Returns the number of orders. */
static uint64_t check_consistent(pf_store *st, const crash_fixture *fx, int kill_no)
{
    pf_errbuf eb;
    uint64_t problems = 1;
    cr_assert_eq(pf_store_check(st, stderr, &problems, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(problems, 0, "kill %d: integrity problems", kill_no);
    uint64_t before = 0, orders = 0, coupon_checkouts = 0;
    do {
        pf_order *arr = NULL;
        size_t n = 0;
        cr_assert_eq(pf_store_order_list(st, NULL, before, 100, &arr, &n, &before, &eb), PF_E_OK);
        for (size_t i = 0; i < n; i++) {
            pf_order *o = &arr[i];
            orders++;
            cr_assert(o->tracking_no && !strncmp(o->tracking_no, "PF-", 3));
            cr_assert_str_eq(o->status, "pending");
            pf_order_event *ev = NULL;
            size_t ne = 0;
            uint64_t nx;
            cr_assert_eq(pf_store_order_event_list_by_order(st, NULL, o->id, 0, 5, &ev, &ne, &nx, &eb),
                         PF_E_OK);
            cr_assert_eq(ne, 1, "kill %d: order %llu has %zu events", kill_no, (unsigned long long)o->id, ne);
            pf_order_event_list_free(ev, ne);
            cr_assert_eq(o->taxable + o->gst + o->shipping_cost + o->shipping_gst, o->total);
            if (!o->group_id) {
                coupon_checkouts += o->coupon_code != NULL;
                continue;
            }
            /* Check each group once, from its newest order (lists are newest first). */
            pf_order *g_orders = NULL;
            size_t gn = 0;
            uint64_t gx;
            cr_assert_eq(pf_store_order_list_by_group(st, NULL, o->group_id, 0, 10, &g_orders, &gn, &gx, &eb),
                         PF_E_OK);
            if (g_orders[0].id == o->id) {
                pf_order_group g = {0};
                cr_assert_eq(pf_store_order_group_get(st, NULL, o->group_id, &g, &eb), PF_E_OK,
                             "kill %d: order %llu without its group", kill_no, (unsigned long long)o->id);
                int64_t sum = 0, ship = 0;
                for (size_t k = 0; k < gn; k++)
                    sum += g_orders[k].total, ship += g_orders[k].shipping_cost;
                cr_assert(gn >= 2, "kill %d: group %llu has %zu orders", kill_no, (unsigned long long)g.id,
                          gn);
                cr_assert_eq(sum, g.total, "kill %d: group %llu is whole", kill_no, (unsigned long long)g.id);
                cr_assert_eq(ship, g.shipping_cost);
                coupon_checkouts += g.coupon_code != NULL;
                pf_order_group_clear(&g);
            }
            pf_order_list_free(g_orders, gn);
        }
        pf_order_list_free(arr, n);
    } while (before);
    /* Groups without orders would be half a checkout. */
    before = 0;
    do {
        pf_order_group *ga = NULL;
        size_t gn = 0;
        cr_assert_eq(pf_store_order_group_list(st, NULL, before, 100, &ga, &gn, &before, &eb), PF_E_OK);
        for (size_t i = 0; i < gn; i++) {
            pf_order *x = NULL;
            size_t xn = 0;
            uint64_t xx;
            cr_assert_eq(pf_store_order_list_by_group(st, NULL, ga[i].id, 0, 1, &x, &xn, &xx, &eb), PF_E_OK);
            cr_assert_eq(xn, 1, "kill %d: group %llu has no orders", kill_no, (unsigned long long)ga[i].id);
            pf_order_list_free(x, xn);
        }
        pf_order_group_list_free(ga, gn);
    } while (before);
    pf_coupon c = {0};
    cr_assert_eq(pf_store_coupon_get(st, NULL, fx->coupon, &c, &eb), PF_E_OK);
    cr_assert_eq(c.used, coupon_checkouts, "kill %d: coupon counted once per checkout", kill_no);
    uint64_t per_user = 0;
    for (uint64_t u = 1; u <= COUPON_USERS; u++) {
        char name[64];
        uint64_t v = 0;
        pf_checkout_coupon_counter(fx->coupon, u, name, sizeof name);
        cr_assert_eq(pf_store_counter_get(st, NULL, name, &v, &eb), PF_E_OK);
        per_user += v;
    }
    cr_assert_eq(per_user, c.used, "kill %d: per-user counters agree", kill_no);
    pf_coupon_clear(&c);
    return orders;
}

Test(checkout_crash, a_killed_checkout_leaves_a_whole_order_or_none, .timeout = 600)
{
    char dir[256];
    scratch_dir(dir, sizeof dir);
    pf_store_options o = fast_options(dir);
    o.console = fopen("/dev/null", "w");
    pf_store *st;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK, "%s", eb.msg);
    crash_fixture fx = {0};
    fix_ctx fc = {.u = {.user_id = 1,
                        .filename = "part.stl",
                        .format = "stl",
                        .size = 5000,
                        .expires_at = (int64_t)time(NULL) + 86400}};
    char data[5000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)(i * 7);
    cr_assert_eq(pf_store_blob_begin(st, &fc.w, &eb), PF_E_OK);
    cr_assert_eq(pf_store_blob_write(fc.w, data, sizeof data, &eb), PF_E_OK);
    cr_assert_eq(pf_store_write(st, fix_fn, &fc, &eb), PF_E_OK, "%s", eb.msg);
    pf_store_blob_free(fc.w);
    fx.blob = fc.u.blob, fx.upload = fc.u.id;
    pf_coupon c = {.code = "CRASH10", .kind = "percent", .value = 10, .is_active = true};
    cr_assert_eq(pf_store_coupon_put(st, NULL, &c, &eb), PF_E_OK);
    fx.coupon = c.id;
    pf_store_close(st);

    unsigned seed = (unsigned)time(NULL);
    cr_log_info("seed %u", seed);
    uint64_t acked = 0;
    for (int kill_no = 0; kill_no < KILLS; kill_no++) {
        int fds[2];
        cr_assert_eq(pipe(fds), 0);
        seed = seed * 1103515245u + 12345u;
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            crash_writer(dir, &fx, fds[1], seed);
        }
        close(fds[1]);
        uint64_t ack;
        bool first = kill_no % 4 && read(fds[0], &ack, sizeof ack) == (ssize_t)sizeof ack;
        struct timespec d = {0, (long)(2 + (seed >> 10) % 40) * 1000000L};
        nanosleep(&d, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        cr_assert(WIFSIGNALED(status), "the writer failed by itself: exit %d", WEXITSTATUS(status));
        if (first) acked += ack;
        while (read(fds[0], &ack, sizeof ack) == (ssize_t)sizeof ack)
            acked += ack;
        close(fds[0]);
        cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK, "after kill %d: %s", kill_no, eb.msg);
        uint64_t orders = check_consistent(st, &fx, kill_no);
        cr_assert_geq(orders, acked, "kill %d: an acknowledged checkout was lost", kill_no);
        cr_assert_leq(orders, acked + 3, "kill %d: at most the checkout in flight is extra", kill_no);
        acked = orders; /* the one in flight may have committed */
        pf_store_close(st);
    }
    cr_log_info("%llu orders placed across %d kills", (unsigned long long)acked, KILLS);
    cr_assert_gt(acked, KILLS / 2, "the writer got work done between kills");
    fclose(o.console);
    rm_rf(dir);
}

/* One order of 100.00 + 18.00 GST with the coupon id (10 % off). */
static pf_checkout_plan coupon_plan(uint64_t coupon, int64_t discount)
{
    pf_order_figures f = {.material = 10000, .quoted_gst = 1800};
    pf_checkout_figures(&f, 1, discount, 18, 0, 0, NULL, NULL);
    pf_checkout_plan p = {.user_id = 7,
                          .now = (int64_t)time(NULL),
                          .orders = calloc(1, sizeof(pf_order)),
                          .n = 1,
                          .coupon_id = coupon,
                          .coupon_taxable = 10000,
                          .coupon_discount = discount};
    p.orders[0] = (pf_order){.material = strdup("PLA"),
                             .fulfillment = strdup("pickup"),
                             .quantity = 1,
                             .material_cost = f.material,
                             .discount = f.discount,
                             .taxable = f.taxable,
                             .gst = f.gst,
                             .total = f.total,
                             .coupon_code = strdup("TEN")};
    return p;
}

Test(checkout_commit, the_coupon_is_checked_again_inside_the_transaction)
{
    char dir[256];
    scratch_dir(dir, sizeof dir);
    pf_store_options o = fast_options(dir);
    o.console = fopen("/dev/null", "w");
    pf_store *st;
    pf_errbuf eb;
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK);
    pf_coupon c = {.code = "TEN", .kind = "percent", .value = 10, .is_active = true, .max_uses = 2};
    cr_assert_eq(pf_store_coupon_put(st, NULL, &c, &eb), PF_E_OK);
    uint64_t cid = c.id;
    /* The discount it was priced with no longer matches: refused as a conflict. */
    pf_checkout_plan p = coupon_plan(cid, 500);
    cr_expect_eq(pf_checkout_commit(st, &p, &eb), PF_E_CONFLICT, "%s", eb.msg);
    pf_checkout_plan_clear(&p);
    p = coupon_plan(cid, 1000);
    cr_assert_eq(pf_checkout_commit(st, &p, &eb), PF_E_OK, "%s", eb.msg);
    cr_expect(p.orders[0].id && p.orders[0].tracking_no, "ids and tracking number written back");
    pf_checkout_plan_clear(&p);
    /* Used up meanwhile (another checkout took the last use): refused, nothing stored. */
    cr_assert_eq(pf_store_coupon_get(st, NULL, cid, &c, &eb), PF_E_OK);
    cr_expect_eq(c.used, 1);
    c.used = 2;
    cr_assert_eq(pf_store_coupon_put(st, NULL, &c, &eb), PF_E_OK);
    pf_coupon_clear(&c);
    p = coupon_plan(cid, 1000);
    cr_expect_eq(pf_checkout_commit(st, &p, &eb), PF_E_INVALID_FIELD);
    cr_expect(strstr(eb.msg, "coupon_code"), "%s", eb.msg);
    pf_checkout_plan_clear(&p);
    pf_order *arr = NULL;
    size_t n = 0;
    uint64_t next;
    cr_assert_eq(pf_store_order_list(st, NULL, 0, 10, &arr, &n, &next, &eb), PF_E_OK);
    cr_expect_eq(n, 1, "only the accepted checkout is stored");
    pf_order_list_free(arr, n);
    pf_store_close(st);
    fclose(o.console);
    rm_rf(dir);
}
