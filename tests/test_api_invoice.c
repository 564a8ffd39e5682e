/* End-to-end tests of the GST invoice routes: orders put straight into the store, the PDF fetched over HTTP
 * and read back with pdftotext: totals, the seller's GSTIN, CGST+SGST within Karnataka and IGST to
 * Maharashtra, group invoices with every order, and scoping to the caller. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <pthread.h>

#include "account_test_util.h"
#include "engine/invoice.h"
#include "pdf_text_util.h"

#define GSTIN "29ABCDE1234F1Z5"

static acct_env env;
static char user_auth[700], other_auth[700];

static void start(void)
{
    const char *settings[] = {"company.name",
                              "Forge Works Pvt Ltd",
                              "company.gstin",
                              GSTIN,
                              "company.address",
                              "12 MG Road",
                              "company.city",
                              "Bengaluru",
                              "company.state",
                              "Karnataka",
                              "company.pincode",
                              "560001",
                              "invoice.prefix",
                              "FW",
                              "cost.gst_pct",
                              "18",
                              "shipping.gst_pct",
                              "18",
                              NULL};
    acct_start(&env, settings);
    jwt_for(env.dir, env.ids.user, NULL, user_auth, sizeof user_auth);
    jwt_for(env.dir, env.ids.moderator, NULL, other_auth, sizeof other_auth);
}

static void stop(void)
{
    cr_expect_eq(acct_stop(&env), 0, "server exits 0");
}

TestSuite(api_invoice, .init = start, .fini = stop, .timeout = 60);

/* ---- orders straight into the store (the server keeps running: LMDB allows a second process) ---- */

typedef struct put_ctx {
    pf_store *st;          /* open store */
    pf_order *orders;      /* to put (ids written back) */
    size_t n;              /* count */
    pf_order_group *group; /* put first when not NULL; its id goes into every order's group_id */
} put_ctx;

static pf_err put_fn(pf_txn *t, void *ctx, pf_errbuf *eb)
{
    put_ctx *c = ctx;
    pf_store *st = c->st;
    pf_err err = PF_E_OK;
    if (c->group && (err = pf_store_order_group_put(st, t, c->group, eb))) return err;
    for (size_t i = 0; i < c->n && !err; i++) {
        if (c->group) c->orders[i].group_id = c->group->id;
        err = pf_store_order_put(st, t, &c->orders[i], eb);
    }
    return err;
}

/* Puts orders (and their group) in one write transaction. */
static void put_orders(pf_order *orders, size_t n, pf_order_group *group)
{
    pf_store_options o = fast_options(env.dir);
    o.console = fopen("/dev/null", "w");
    put_ctx ctx = {NULL, orders, n, group};
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_open(&o, &ctx.st, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(pf_store_write(ctx.st, put_fn, &ctx, &eb), PF_E_OK, "%s", eb.msg);
    pf_store_close(ctx.st);
    fclose(o.console);
}

/* An order whose snapshot adds up: taxable = material + printing + priority - discount, GST on it at 18 %
 * rounded half up, shipping with 18 % GST; the total is their sum. Strings are literals (not freed). */
static pf_order order_for(uint64_t user, const char *tracking, const char *file, const char *state,
                          int64_t material, int64_t printing, int64_t priority, int64_t discount,
                          int64_t shipping)
{
    pf_order o = {
        .user_id = user,
        .tracking_no = (char *)tracking,
        .status = (char *)"pending",
        .filename = (char *)file,
        .material = (char *)"PLA",
        .color = (char *)"Red",
        .quantity = 2,
        .infill_pct = 20,
        .layer_height_mm = 0.2,
        .fulfillment = (char *)(state ? "shipping" : "pickup"),
        .material_cost = material,
        .printing_cost = printing,
        .priority_cost = priority,
        .priority = priority > 0,
        .discount = discount,
        .coupon_code = discount ? (char *)"WELCOME10" : NULL,
        .shipping_cost = shipping,
        .ship_name = (char *)"Asha Rao",
        .ship_address = (char *)"4 Lake View",
        .ship_city = (char *)(state ? "Somewhere" : NULL),
        .ship_state = (char *)state,
        .ship_zip = (char *)(state ? "570001" : NULL),
        .created_at = 1796083200, /* 01 Dec 2026 */
    };
    o.taxable = material + printing + priority - discount;
    o.gst = (o.taxable * 18 + 50) / 100;
    o.shipping_gst = (shipping * 18 + 50) / 100;
    o.total = o.taxable + o.gst + o.shipping_cost + o.shipping_gst;
    return o;
}

/* ---- fetching ---- */

/* GETs path; on 200 checks the PDF headers and returns its text (NULL when pdftotext is absent). */
static char *fetch(const char *path, const char *auth, long want, const char *filename)
{
    http_res r = req(&env, "GET", path, auth, NULL);
    cr_assert_eq(r.status, want, "GET %s: %ld %s", path, r.status, r.status == 200 ? "" : r.body);
    char *text = NULL;
    if (want == 200) {
        char v[200];
        cr_assert(header(&r, "Content-Type", v, sizeof v) && !strcmp(v, "application/pdf"), "%s", r.hdrs);
        cr_assert(header(&r, "Content-Disposition", v, sizeof v), "%s", r.hdrs);
        char expect[160];
        snprintf(expect, sizeof expect, "attachment; filename=\"%s\"", filename);
        cr_expect_str_eq(v, expect);
        cr_assert(r.len > 500 && !memcmp(r.body, "%PDF-", 5), "not a PDF: %zu bytes", r.len);
        if (have_pdftotext()) {
            text = pdf_text(r.body, r.len);
            cr_assert_not_null(text, "pdftotext could not read the invoice");
        }
    } else {
        cJSON *j = body_json(&r);
        cr_expect(jstr(j, "error") != NULL, "error body: %s", r.body);
        cJSON_Delete(j);
    }
    http_free(&r);
    return text;
}

#define NEED_TEXT(text)                                                                                      \
    do {                                                                                                     \
        if (!(text))                                                                                         \
            cr_skip_test(                                                                                    \
                "pdftotext (poppler-utils) is not installed: run scripts/setup.sh to check the text");       \
    } while (0)

/* "1,234.56" from paise, written here independently of the server: Indian grouping, no symbol. */
static void inr(int64_t paise, char *out, size_t cap)
{
    char digits[32], tmp[48];
    int nd = snprintf(digits, sizeof digits, "%" PRId64, paise / 100), k = 0;
    for (int i = 0; i < nd; i++) {
        tmp[k++] = digits[i];
        int rest = nd - 1 - i;
        if (rest == 3 || (rest > 3 && rest % 2 == 1)) tmp[k++] = ',';
    }
    tmp[k] = 0;
    if (snprintf(out, cap, "%s.%02u", tmp, (unsigned)(paise % 100) % 100u) >= (int)cap) out[0] = 0;
}

static void expect_has(const char *text, const char *what)
{
    cr_expect(strstr(text, what), "missing \"%s\" in: %s", what, text);
}

Test(api_invoice, inr_helper_groups_the_indian_way)
{
    char a[48];
    inr(12345678905, a, sizeof a);
    cr_expect_str_eq(a, "12,34,56,789.05");
    inr(100000, a, sizeof a);
    cr_expect_str_eq(a, "1,000.00");
    inr(99, a, sizeof a);
    cr_expect_str_eq(a, "0.99");
}

Test(api_invoice, karnataka_buyer_gets_cgst_and_sgst_with_the_exact_total)
{
    /* taxable 530.30: GST 95.45 (odd paise: CGST 47.73, SGST 47.72), shipping 60.00 + 10.80 GST. */
    pf_order o =
        order_for(env.ids.user, "FW-KA-0001", "bracket.stl", "Karnataka", 45678, 12352, 0, 5000, 6000);
    cr_assert_eq(o.gst, 9545);
    put_orders(&o, 1, NULL);
    char path[96], total[48], cgst[48], sgst[48], words[PF_INVOICE_WORDS_BUFSZ];
    snprintf(path, sizeof path, "/api/user/orders/%" PRIu64 "/invoice", o.id);
    char *text = fetch(path, user_auth, 200, "invoice-FW-KA-0001.pdf");
    NEED_TEXT(text);
    inr(o.total, total, sizeof total);
    inr(4773 + 540, cgst, sizeof cgst);
    inr(4772 + 540, sgst, sizeof sgst);
    expect_has(text, total);
    expect_has(text, "696.55");
    expect_has(text, cgst);
    expect_has(text, sgst);
    expect_has(text, GSTIN);
    expect_has(text, "Forge Works Pvt Ltd");
    expect_has(text, "CGST");
    expect_has(text, "SGST");
    expect_has(text, "FW-KA-0001");
    expect_has(text, "bracket.stl - PLA, Red, 20% infill");
    expect_has(text, "coupon WELCOME10");
    expect_has(text, "3926");
    expect_has(text, "Karnataka (State code 29)");
    cr_expect(!strstr(text, "IGST"), "IGST within Karnataka: %s", text);
    cr_assert_eq(pf_invoice_amount_words(o.total, words, NULL), PF_E_OK);
    expect_has(text, words);
    expect_has(text, "Rupees Six Hundred Ninety-Six and Fifty-Five Paise Only");
    /* Deterministic number: prefix, year, order id. */
    char number[48];
    snprintf(number, sizeof number, "FW/2026/%06" PRIu64, o.id);
    expect_has(text, number);
    expect_has(text, "Payment: PENDING");
    free(text);
}

Test(api_invoice, maharashtra_buyer_gets_igst_only)
{
    pf_order o =
        order_for(env.ids.user, "FW-MH-0001", "gear.3mf", "Maharashtra", 100000, 23456, 30864, 0, 9000);
    o.paid = true, o.paid_at = 1796090000, o.payment_ref = (char *)"UPI998877";
    put_orders(&o, 1, NULL);
    char path[96], total[48], igst[48];
    snprintf(path, sizeof path, "/api/user/orders/%" PRIu64 "/invoice", o.id);
    char *text = fetch(path, user_auth, 200, "invoice-FW-MH-0001.pdf");
    NEED_TEXT(text);
    inr(o.total, total, sizeof total);
    inr(o.gst + o.shipping_gst, igst, sizeof igst);
    expect_has(text, total);
    expect_has(text, igst);
    expect_has(text, "IGST");
    expect_has(text, GSTIN);
    expect_has(text, "Maharashtra (State code 27)");
    expect_has(text, "priority print");
    expect_has(text, "PAID by UPI");
    expect_has(text, "UPI998877");
    cr_expect(!strstr(text, "CGST") && !strstr(text, "SGST"), "CGST/SGST to Maharashtra: %s", text);
    free(text);
}

Test(api_invoice, pickup_is_supplied_in_the_shop_state)
{
    pf_order o = order_for(env.ids.user, "FW-PU-0001", "knob.obj", NULL, 20000, 5000, 0, 0, 0);
    put_orders(&o, 1, NULL);
    char path[96], total[48];
    snprintf(path, sizeof path, "/api/user/orders/%" PRIu64 "/invoice", o.id);
    char *text = fetch(path, user_auth, 200, "invoice-FW-PU-0001.pdf");
    NEED_TEXT(text);
    inr(o.total, total, sizeof total);
    expect_has(text, total);
    expect_has(text, "CGST");
    expect_has(text, "pickup");
    cr_expect(!strstr(text, "IGST") && !strstr(text, "Shipping and packing"), "%s", text);
    free(text);
}

Test(api_invoice, group_invoice_lists_every_order_and_the_group_total)
{
    pf_order o[3] = {
        order_for(env.ids.user, "FW-GR-0001", "alpha.stl", "Karnataka", 11111, 2222, 0, 0, 4000),
        order_for(env.ids.user, "FW-GR-0002", "beta.stl", "Karnataka", 33333, 4444, 5555, 1000, 0),
        order_for(env.ids.user, "FW-GR-0003", "gamma.3mf", "Karnataka", 77777, 8888, 0, 0, 0),
    };
    pf_order_group g = {.user_id = env.ids.user, .created_at = 1796083200};
    for (int i = 0; i < 3; i++)
        g.total += o[i].total;
    put_orders(o, 3, &g);
    char path[96], total[48], fname[64];
    snprintf(path, sizeof path, "/api/user/orders/group/%" PRIu64 "/invoice", g.id);
    snprintf(fname, sizeof fname, "invoice-group-%" PRIu64 ".pdf", g.id);
    char *text = fetch(path, user_auth, 200, fname);
    NEED_TEXT(text);
    const char *must[] = {"FW-GR-0001", "FW-GR-0002", "FW-GR-0003", "alpha.stl", "beta.stl",
                          "gamma.3mf",  "CGST",       "SGST",       GSTIN};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        expect_has(text, must[i]);
    inr(g.total, total, sizeof total);
    expect_has(text, total);
    char words[PF_INVOICE_WORDS_BUFSZ];
    cr_assert_eq(pf_invoice_amount_words(g.total, words, NULL), PF_E_OK);
    expect_has(text, words);
    char number[48];
    snprintf(number, sizeof number, "FW/2026/G%06" PRIu64, g.id);
    expect_has(text, number);
    free(text);

    /* The admin twin with an orders:read PAT sees the same group. */
    char pat[100];
    snprintf(pat, sizeof pat, "Authorization: Bearer pf_test_orders:read");
    snprintf(path, sizeof path, "/api/admin/orders/group/%" PRIu64 "/invoice", g.id);
    text = fetch(path, pat, 200, fname);
    if (text) expect_has(text, total);
    free(text);
}

Test(api_invoice, another_customers_orders_are_not_found)
{
    pf_order mine = order_for(env.ids.user, "FW-SC-0001", "mine.stl", "Karnataka", 1000, 1000, 0, 0, 0);
    put_orders(&mine, 1, NULL);
    pf_order theirs[1] = {
        order_for(env.ids.user, "FW-SC-0002", "theirs.stl", "Karnataka", 1000, 1000, 0, 0, 0)};
    pf_order_group g = {.user_id = env.ids.user, .total = theirs[0].total};
    put_orders(theirs, 1, &g);
    char path[96];
    snprintf(path, sizeof path, "/api/user/orders/%" PRIu64 "/invoice", mine.id);
    free(fetch(path, other_auth, 404, NULL));
    snprintf(path, sizeof path, "/api/user/orders/group/%" PRIu64 "/invoice", g.id);
    free(fetch(path, other_auth, 404, NULL));
    free(fetch("/api/user/orders/987654/invoice", user_auth, 404, NULL));
    free(fetch("/api/user/orders/group/987654/invoice", user_auth, 404, NULL));
    free(fetch("/api/user/orders/abc/invoice", user_auth, 404, NULL));
    /* No credentials: 401; the admin twin refuses a plain user. */
    snprintf(path, sizeof path, "/api/user/orders/%" PRIu64 "/invoice", mine.id);
    free(fetch(path, NULL, 401, NULL));
    snprintf(path, sizeof path, "/api/admin/orders/%" PRIu64 "/invoice", mine.id);
    free(fetch(path, user_auth, 403, NULL));
    free(fetch(path, "Authorization: Bearer pf_test_orders:read", 200, "invoice-FW-SC-0001.pdf"));
}

Test(api_invoice, cancelled_orders_have_no_invoice)
{
    pf_order o = order_for(env.ids.user, "FW-CX-0001", "void.stl", "Karnataka", 1000, 1000, 0, 0, 0);
    o.status = (char *)"cancelled";
    put_orders(&o, 1, NULL);
    char path[96];
    snprintf(path, sizeof path, "/api/user/orders/%" PRIu64 "/invoice", o.id);
    free(fetch(path, user_auth, 409, NULL));

    /* In a cart, the cancelled order is left out and said so; the total is the rest's. */
    pf_order c[2] = {order_for(env.ids.user, "FW-CX-0002", "kept.stl", "Karnataka", 5000, 1000, 0, 0, 0),
                     order_for(env.ids.user, "FW-CX-0003", "dropped.stl", "Karnataka", 7000, 1000, 0, 0, 0)};
    c[1].status = (char *)"cancelled";
    pf_order_group g = {.user_id = env.ids.user, .total = c[0].total + c[1].total};
    put_orders(c, 2, &g);
    snprintf(path, sizeof path, "/api/user/orders/group/%" PRIu64 "/invoice", g.id);
    char fname[64], total[48];
    snprintf(fname, sizeof fname, "invoice-group-%" PRIu64 ".pdf", g.id);
    char *text = fetch(path, user_auth, 200, fname);
    NEED_TEXT(text);
    inr(c[0].total, total, sizeof total);
    expect_has(text, total);
    expect_has(text, "kept.stl");
    expect_has(text, "1 cancelled order of this cart not invoiced");
    cr_expect(!strstr(text, "dropped.stl"), "%s", text);
    free(text);
}

Test(api_invoice, a_snapshot_that_does_not_add_up_is_refused_not_printed)
{
    pf_order o = order_for(env.ids.user, "FW-BAD-0001", "odd.stl", "Karnataka", 1000, 1000, 0, 0, 0);
    o.total += 1;
    put_orders(&o, 1, NULL);
    char path[96];
    snprintf(path, sizeof path, "/api/user/orders/%" PRIu64 "/invoice", o.id);
    free(fetch(path, user_auth, 500, NULL));
}

Test(api_invoice, without_a_state_the_pin_decides_the_place_of_supply)
{
    pf_order o = order_for(env.ids.user, "FW-PIN-0001", "clip.stl", NULL, 3000, 1000, 0, 0, 5000);
    o.fulfillment = (char *)"shipping", o.ship_zip = (char *)"400001"; /* Mumbai GPO */
    put_orders(&o, 1, NULL);
    char path[96];
    snprintf(path, sizeof path, "/api/user/orders/%" PRIu64 "/invoice", o.id);
    char *text = fetch(path, user_auth, 200, "invoice-FW-PIN-0001.pdf");
    NEED_TEXT(text);
    expect_has(text, "Maharashtra (State code 27)");
    expect_has(text, "IGST");
    expect_has(text, "Shipping and packing to PIN 400001");
    cr_expect(!strstr(text, "CGST"), "%s", text);
    free(text);
}

/* Sets a setting from outside the server (it notices within a second). */
static void set_setting(const char *key, const char *value)
{
    pf_store_options o = fast_options(env.dir);
    o.console = fopen("/dev/null", "w");
    pf_store *st = NULL;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(pf_store_setting_set(st, NULL, key, value, 0, &eb), PF_E_OK, "%s", eb.msg);
    pf_store_close(st);
    fclose(o.console);
}

Test(api_invoice, a_long_prefix_still_gives_a_gst_length_invoice_number)
{
    pf_order o = order_for(env.ids.user, "FW-NO-0001", "n.stl", "Karnataka", 1000, 1000, 0, 0, 0);
    put_orders(&o, 1, NULL);
    set_setting("invoice.prefix", "forge-wrks");
    char path[96], want[32];
    snprintf(path, sizeof path, "/api/user/orders/%" PRIu64 "/invoice", o.id);
    /* 10 + 2 + 6 characters is over 16: two-digit year, no separators, prefix cut to 8. */
    snprintf(want, sizeof want, "FORGE-WR26%06" PRIu64, o.id);
    cr_assert_leq(strlen(want), 16);
    char *text = NULL;
    for (int i = 0; i < 30; i++) {
        free(text);
        text = fetch(path, user_auth, 200, "invoice-FW-NO-0001.pdf");
        NEED_TEXT(text);
        if (strstr(text, want)) break;
        usleep(100000);
    }
    expect_has(text, want);
    free(text);
}

/* One fetch of a concurrent batch. */
typedef struct par_fetch {
    char path[96]; /* what to GET */
    long status;   /* answer */
    char *body;    /* PDF bytes */
    size_t len;    /* their count */
} par_fetch;

static void *par_run(void *arg)
{
    par_fetch *f = arg;
    http_res r = req(&env, "GET", f->path, user_auth, NULL);
    f->status = r.status, f->body = r.body, f->len = r.len;
    free(r.hdrs);
    return NULL;
}

Test(api_invoice, concurrent_requests_get_the_same_bytes)
{
    pf_order o[2] = {order_for(env.ids.user, "FW-PAR-0001", "a.stl", "Karnataka", 12345, 678, 0, 0, 4000),
                     order_for(env.ids.user, "FW-PAR-0002", "b.stl", "Kerala", 23456, 789, 0, 0, 4000)};
    put_orders(o, 2, NULL);
    enum { N = 12 };
    par_fetch f[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        memset(&f[i], 0, sizeof f[i]);
        snprintf(f[i].path, sizeof f[i].path, "/api/user/orders/%" PRIu64 "/invoice", o[i % 2].id);
        cr_assert_eq(pthread_create(&th[i], NULL, par_run, &f[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++) {
        cr_expect_eq(f[i].status, 200, "request %d: %ld", i, f[i].status);
        /* Rendering is deterministic: the same order gives the same PDF, whichever thread made it. */
        cr_expect(f[i].len == f[i % 2].len && !memcmp(f[i].body, f[i % 2].body, f[i].len),
                  "request %d differs", i);
    }
    cr_expect(f[0].len != f[1].len || memcmp(f[0].body, f[1].body, f[0].len), "two orders, one PDF");
    for (int i = 0; i < N; i++)
        free(f[i].body);
}
