/* End-to-end tests of api/orders.c: public tracking without personal data, the customer's own orders, the
 * fulfilment FSM with its timeline and emails, payment (single and group), notes, carrier tracking, printer
 * assignment and ranking, stats, and who may call what. Orders are created directly through the storage API
 * (the checkout helper's routes are not needed), with the server running beside it. */
#include <criterion/criterion.h>
#include <math.h>

#include "account_test_util.h"

static acct_env env;
static char admin[700], user[700], moder[700], other[700];
static uint64_t other_id;

#define PAT(scope) "Authorization: Bearer pf_test_" scope

static pf_store *store_open(FILE **devnull)
{
    pf_store_options o = fast_options(env.dir);
    *devnull = o.console = fopen("/dev/null", "w");
    pf_store *st = NULL;
    pf_errbuf eb;
    if (pf_store_open(&o, &st, &eb)) abort();
    return st;
}

static void store_close(pf_store *st, FILE *devnull)
{
    pf_store_close(st);
    fclose(devnull);
}

static void start(void)
{
    acct_start(&env, NULL);
    jwt_for(env.dir, env.ids.admin, NULL, admin, sizeof admin);
    jwt_for(env.dir, env.ids.user, NULL, user, sizeof user);
    jwt_for(env.dir, env.ids.moderator, NULL, moder, sizeof moder);
    FILE *dn;
    pf_store *st = store_open(&dn);
    other_id = put_user(st, "priya.other@example.com", "user", true);
    store_close(st, dn);
    jwt_for(env.dir, other_id, NULL, other, sizeof other);
}

static void stop(void)
{
    cr_expect_eq(acct_stop(&env), 0, "server exits 0");
}

TestSuite(api_orders, .init = start, .fini = stop, .timeout = 120);

/* What to create. */
typedef struct mk {
    uint64_t user;           /* customer (default: the seeded user) */
    uint64_t group;          /* group id, 0 = none */
    const char *status;      /* default pending */
    const char *tracking;    /* required, unique */
    const char *filename;    /* default part.stl */
    const char *material;    /* default PLA */
    int64_t total;           /* paise, default 50000 */
    bool paid;               /* already paid */
    uint64_t upload;         /* upload record with dims, 0 = none */
    uint64_t printer;        /* assigned printer */
    const char *fulfillment; /* default shipping */
    const char *zip;         /* default 560034 */
    const char *coupon;      /* applied coupon code, NULL = none */
} mk;

typedef struct mk_ctx {
    pf_store *st; /* store */
    const mk *m;  /* spec */
    uint64_t id;  /* created */
} mk_ctx;

static pf_err mk_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    mk_ctx *x = c;
    const mk *m = x->m;
    int64_t now = (int64_t)time(NULL);
    pf_order o = {.user_id = m->user ? m->user : env.ids.user,
                  .group_id = m->group,
                  .tracking_no = (char *)m->tracking,
                  .status = (char *)(m->status ? m->status : "pending"),
                  .upload_id = m->upload,
                  .filename = (char *)(m->filename ? m->filename : "part.stl"),
                  .material = (char *)(m->material ? m->material : "PLA"),
                  .color = "Black",
                  .quantity = 2,
                  .infill_pct = 20,
                  .layer_height_mm = 0.2,
                  .fulfillment = (char *)(m->fulfillment ? m->fulfillment : "shipping"),
                  .printer_id = m->printer,
                  .weight_g = 40,
                  .print_time_s = 7200,
                  .job_time_s = 8000,
                  .material_cost = 20000,
                  .printing_cost = 15000,
                  .gst = 6300,
                  .shipping_cost = 8000,
                  .shipping_gst = 1440,
                  .total = m->total ? m->total : 50000,
                  .taxable = 35000,
                  .paid = m->paid,
                  .paid_at = m->paid ? now : 0,
                  .ship_name = "Asha Rao",
                  .ship_address = "12 Residency Road",
                  .ship_city = "Bengaluru",
                  .ship_state = "Karnataka",
                  .ship_zip = (char *)(m->zip ? m->zip : "560034"),
                  .ship_phone = "+91 98450 12345",
                  .notes = "please pack well",
                  .coupon_code = (char *)m->coupon,
                  .created_at = now,
                  .updated_at = now};
    pf_err err = pf_store_order_put(x->st, t, &o, eb);
    if (err) return err;
    x->id = o.id;
    pf_order_event e = {.order_id = o.id, .status = o.status, .message = "Order placed", .at = now};
    return pf_store_order_event_put(x->st, t, &e, eb);
}

static uint64_t mk_order(const mk *m)
{
    FILE *dn;
    pf_store *st = store_open(&dn);
    mk_ctx x = {st, m, 0};
    pf_errbuf eb;
    if (pf_store_write(st, mk_txn, &x, &eb)) abort();
    store_close(st, dn);
    return x.id;
}

static uint64_t mk_group(uint64_t uid, int64_t total)
{
    FILE *dn;
    pf_store *st = store_open(&dn);
    pf_order_group g = {.user_id = uid, .total = total, .created_at = (int64_t)time(NULL)};
    pf_errbuf eb;
    if (pf_store_order_group_put(st, NULL, &g, &eb)) abort();
    store_close(st, dn);
    return g.id;
}

static uint64_t mk_partner(const char *name, const char *tpl, bool active)
{
    FILE *dn;
    pf_store *st = store_open(&dn);
    pf_shipping_partner p = {.name = (char *)name, .tracking_url = (char *)tpl, .is_active = active};
    pf_errbuf eb;
    if (pf_store_shipping_partner_put(st, NULL, &p, &eb)) abort();
    store_close(st, dn);
    return p.id;
}

static uint64_t mk_printer(const char *name, const char *materials, double bx, double by, double bz,
                           const char *pin, bool active)
{
    FILE *dn;
    pf_store *st = store_open(&dn);
    char *mv[4] = {0};
    pf_printer p = {.name = (char *)name,
                    .brand = "Test",
                    .bed_x_mm = bx,
                    .bed_y_mm = by,
                    .bed_z_mm = bz,
                    .nozzle_mm = 0.4,
                    .wattage_w = 120,
                    .print_speed_cm3_hr = 15,
                    .pincode = (char *)pin,
                    .is_active = active};
    char buf[64];
    snprintf(buf, sizeof buf, "%s", materials);
    for (char *s = strtok(buf, ","); s && p.materials.n < 4; s = strtok(NULL, ","))
        mv[p.materials.n++] = s;
    p.materials.v = mv;
    pf_errbuf eb;
    if (pf_store_printer_put(st, NULL, &p, &eb)) abort();
    store_close(st, dn);
    return p.id;
}

static uint64_t mk_upload(double x, double y, double z)
{
    FILE *dn;
    pf_store *st = store_open(&dn);
    pf_upload u = {.user_id = env.ids.user,
                   .filename = "bracket.stl",
                   .format = "stl",
                   .dim_x_mm = x,
                   .dim_y_mm = y,
                   .dim_z_mm = z,
                   .volume_mm3 = 20000,
                   .created_at = (int64_t)time(NULL),
                   .claimed = true};
    pf_errbuf eb;
    if (pf_store_upload_put(st, NULL, &u, &eb)) abort();
    store_close(st, dn);
    return u.id;
}

/* A coupon used once, by the seeded user; returns its id. */
static uint64_t mk_coupon(const char *code)
{
    FILE *dn;
    pf_store *st = store_open(&dn);
    pf_coupon c = {.code = (char *)code,
                   .kind = "percent",
                   .value = 10,
                   .max_uses = 5,
                   .used = 1,
                   .is_active = true,
                   .per_user_max = 1};
    pf_errbuf eb;
    char name[96];
    if (pf_store_coupon_put(st, NULL, &c, &eb)) abort();
    snprintf(name, sizeof name, "coupon_use:%llu:%llu", (unsigned long long)c.id,
             (unsigned long long)env.ids.user);
    if (pf_store_counter_add(st, NULL, name, 1, NULL, &eb)) abort();
    store_close(st, dn);
    return c.id;
}

/* The coupon's used count and the seeded user's redemptions of it. */
static void coupon_uses(uint64_t id, uint64_t *used, uint64_t *mine)
{
    FILE *dn;
    pf_store *st = store_open(&dn);
    pf_coupon c = {0};
    pf_errbuf eb;
    char name[96];
    if (pf_store_coupon_get(st, NULL, id, &c, &eb)) abort();
    *used = c.used;
    pf_coupon_clear(&c);
    snprintf(name, sizeof name, "coupon_use:%llu:%llu", (unsigned long long)id,
             (unsigned long long)env.ids.user);
    if (pf_store_counter_get(st, NULL, name, mine, &eb)) abort();
    store_close(st, dn);
}

/* A request expecting status want; returns the parsed body (caller deletes). */
static cJSON *call(const char *method, const char *auth, const char *json, long want, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static cJSON *call(const char *method, const char *auth, const char *json, long want, const char *fmt, ...)
{
    char path[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    http_res r = req(&env, method, path, auth, json);
    cr_expect_eq(r.status, want, "%s %s: %ld, want %ld (%s)", method, path, r.status, want, r.body);
    cJSON *j = body_json(&r);
    http_free(&r);
    return j;
}

static long status_of_call(const char *method, const char *auth, const char *json, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static long status_of_call(const char *method, const char *auth, const char *json, const char *fmt, ...)
{
    char path[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    http_res r = req(&env, method, path, auth, json);
    long st = r.status;
    http_free(&r);
    return st;
}

static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    cr_assert(cJSON_IsNumber(v), "%s is a number", k);
    return v->valuedouble;
}

static bool jtrue(const cJSON *o, const char *k)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static const cJSON *jget(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

#define U(id) (unsigned long long)(id)

/* Sets the order's status through the admin API (expecting 200). */
static void move(uint64_t id, const char *status)
{
    char body[128];
    snprintf(body, sizeof body, "{\"status\":\"%s\"}", status);
    cJSON_Delete(call("PATCH", admin, body, 200, "/api/admin/orders/%llu/status", U(id)));
}

Test(api_orders, tracking_shows_the_timeline_and_no_personal_data)
{
    uint64_t id = mk_order(&(mk){.tracking = "PF-TRK-0001"});
    uint64_t dhl = mk_partner("BlueDart", "https://bluedart.example/track?awb={tracking}", true);
    cJSON_Delete(call("PATCH", admin, "{}", 200, "/api/admin/orders/%llu/paid", U(id)));
    move(id, "printing");
    move(id, "post_processing");
    char body[256];
    snprintf(body, sizeof body, "{\"tracking_number\":\"BD123456789IN\",\"shipping_id\":%llu}", U(dhl));
    cJSON_Delete(call("PATCH", admin, body, 200, "/api/admin/orders/%llu/tracking", U(id)));
    move(id, "shipped");

    http_res r = req(&env, "GET", "/api/track/PF-TRK-0001", NULL, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    static const char *const secret[] = {"Asha",    "Residency",   "98450", "user@example.com",
                                         "user_id", "please pack", "ship_", "\"total\""};
    for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
        cr_expect_null(strstr(r.body, secret[i]), "tracking leaks %s: %s", secret[i], r.body);
    cJSON *j = body_json(&r);
    http_free(&r);
    cr_expect_str_eq(jstr(j, "status"), "shipped");
    cr_expect_str_eq(jstr(j, "tracking_no"), "PF-TRK-0001");
    const cJSON *tl = jget(j, "timeline");
    cr_assert(cJSON_IsArray(tl));
    /* placed, paid (confirmed), printing, post_processing, carrier, shipped: oldest first */
    static const char *const want[] = {"pending",         "confirmed",       "printing",
                                       "post_processing", "post_processing", "shipped"};
    cr_assert_eq(cJSON_GetArraySize(tl), 6, "%s", cJSON_PrintUnformatted(tl));
    double prev = 0;
    for (int i = 0; i < 6; i++) {
        const cJSON *e = cJSON_GetArrayItem(tl, i);
        cr_expect_str_eq(jstr(e, "status"), want[i]);
        cr_expect(jstr(e, "message") && *jstr(e, "message"));
        cr_expect_geq(jnum(e, "at"), prev);
        prev = jnum(e, "at");
        cr_expect_null(jget(e, "actor_id"), "no actor on the public page");
    }
    const cJSON *c = jget(j, "carrier");
    cr_expect_str_eq(jstr(c, "name"), "BlueDart");
    cr_expect_str_eq(jstr(c, "tracking_number"), "BD123456789IN");
    cr_expect_str_eq(jstr(c, "tracking_url"), "https://bluedart.example/track?awb=BD123456789IN");
    cr_expect(cJSON_IsNumber(jget(j, "estimated_delivery_at")), "a shipped parcel has an arrival estimate");
    cr_expect_gt(jnum(j, "estimated_delivery_at"), (double)time(NULL));
    cr_expect(cJSON_IsNumber(jget(j, "created_at")));
    cJSON_Delete(j);

    /* Typed in lower case, still found; an unknown number is a plain 404. */
    j = call("GET", NULL, NULL, 200, "/api/track/pf-trk-0001");
    cr_expect_str_eq(jstr(j, "status"), "shipped");
    cJSON_Delete(j);
    cJSON_Delete(call("GET", NULL, NULL, 404, "/api/track/PF-NOPE-0000"));
}

/* Ids of the orders array in a list answer, as a string like "5,4,3". */
static void list_ids(const cJSON *j, char *out, size_t len)
{
    size_t n = 0;
    out[0] = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, jget(j, "orders")) n +=
        (size_t)snprintf(out + n, len - n, "%s%llu", n ? "," : "", U(jnum(o, "id")));
}

Test(api_orders, user_orders_are_paginated_filtered_and_scoped)
{
    uint64_t ids[5];
    for (int i = 0; i < 5; i++) {
        char trk[32];
        snprintf(trk, sizeof trk, "PF-USR-%04d", i);
        ids[i] = mk_order(&(mk){.tracking = trk, .status = i < 3 ? "pending" : "confirmed"});
    }
    uint64_t foreign = mk_order(&(mk){.tracking = "PF-OTH-0001", .user = other_id});

    cJSON *j = call("GET", user, NULL, 200, "/api/user/orders?limit=2");
    char got[256], want[256];
    cr_expect_eq(jnum(j, "total"), 5);
    cr_expect_eq(jnum(j, "pages"), 3);
    list_ids(j, got, sizeof got);
    snprintf(want, sizeof want, "%llu,%llu", U(ids[4]), U(ids[3]));
    cr_expect_str_eq(got, want, "newest first");
    cJSON_Delete(j);
    j = call("GET", user, NULL, 200, "/api/user/orders?limit=2&page=3");
    list_ids(j, got, sizeof got);
    snprintf(want, sizeof want, "%llu", U(ids[0]));
    cr_expect_str_eq(got, want);
    cJSON_Delete(j);
    j = call("GET", user, NULL, 200, "/api/user/orders?status=confirmed");
    cr_expect_eq(jnum(j, "total"), 2);
    list_ids(j, got, sizeof got);
    snprintf(want, sizeof want, "%llu,%llu", U(ids[4]), U(ids[3]));
    cr_expect_str_eq(got, want);
    cJSON_Delete(j);
    j = call("GET", user, NULL, 200, "/api/user/orders?page=9");
    cr_expect_eq(cJSON_GetArraySize(jget(j, "orders")), 0, "past the end: empty page");
    cr_expect_eq(jnum(j, "total"), 5);
    cJSON_Delete(j);
    static const char *const bad[] = {"limit=101", "limit=0", "page=0", "page=x", "status=lost"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cJSON_Delete(call("GET", user, NULL, 422, "/api/user/orders?%s", bad[i]));

    /* The other customer sees only theirs; neither sees the other's order. */
    j = call("GET", other, NULL, 200, "/api/user/orders");
    list_ids(j, got, sizeof got);
    snprintf(want, sizeof want, "%llu", U(foreign));
    cr_expect_str_eq(got, want);
    cJSON_Delete(j);
    cJSON_Delete(call("GET", user, NULL, 404, "/api/user/orders/%llu", U(foreign)));
    cJSON_Delete(call("GET", other, NULL, 404, "/api/user/orders/%llu", U(ids[0])));
    j = call("GET", user, NULL, 200, "/api/user/orders/%llu", U(ids[0]));
    cr_expect_str_eq(jstr(j, "tracking_no"), "PF-USR-0000");
    cr_expect_eq(cJSON_GetArraySize(jget(j, "timeline")), 1);
    cr_expect_str_eq(jstr(jget(j, "shipping"), "name"), "Asha Rao", "the owner sees their own address");
    cr_expect_eq(llround(jnum(j, "total") * 100), 50000);
    cJSON_Delete(j);
}

Test(api_orders, status_follows_the_fsm_and_each_change_is_a_timeline_event)
{
    uint64_t id = mk_order(&(mk){.tracking = "PF-FSM-0001"});
    static const char *const refused[] = {"printing", "shipped", "delivered", "post_processing"};
    for (size_t i = 0; i < 4; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"status\":\"%s\"}", refused[i]);
        cJSON *j = call("PATCH", admin, body, 409, "/api/admin/orders/%llu/status", U(id));
        cr_expect(strstr(jstr(j, "error"), "pending") && strstr(jstr(j, "error"), "confirmed"),
                  "the message names the allowed next step: %s", jstr(j, "error"));
        cJSON_Delete(j);
    }
    cJSON_Delete(
        call("PATCH", admin, "{\"status\":\"pending\"}", 422, "/api/admin/orders/%llu/status", U(id)));
    cJSON_Delete(call("PATCH", admin, "{\"status\":\"lost\"}", 422, "/api/admin/orders/%llu/status", U(id)));
    cJSON_Delete(call("PATCH", admin, "{}", 422, "/api/admin/orders/%llu/status", U(id)));
    cJSON_Delete(call("PATCH", admin, "{\"status\":\"confirmed\"}", 404, "/api/admin/orders/999999/status"));

    move(id, "confirmed");
    cJSON_Delete(
        call("PATCH", admin, "{\"status\":\"confirmed\"}", 409, "/api/admin/orders/%llu/status", U(id)));
    /* The moderator twin drives the same FSM. */
    cJSON *j = call("PATCH", moder, "{\"status\":\"printing\",\"message\":\"On the Prusa\"}", 200,
                    "/api/mod/orders/%llu/status", U(id));
    cr_expect_str_eq(jstr(j, "status"), "printing");
    cJSON_Delete(j);
    j = call("PATCH", admin, "{\"status\":\"cancelled\"}", 409, "/api/admin/orders/%llu/status", U(id));
    cr_expect(strstr(jstr(j, "error"), "pending or confirmed"), "%s", jstr(j, "error"));
    cJSON_Delete(j);
    move(id, "post_processing");
    move(id, "shipped");
    move(id, "delivered");
    cJSON_Delete(
        call("PATCH", admin, "{\"status\":\"cancelled\"}", 409, "/api/admin/orders/%llu/status", U(id)));

    j = call("GET", admin, NULL, 200, "/api/admin/orders/%llu", U(id));
    const cJSON *tl = jget(j, "timeline");
    static const char *const want[] = {"pending",         "confirmed", "printing",
                                       "post_processing", "shipped",   "delivered"};
    cr_assert_eq(cJSON_GetArraySize(tl), 6, "one event per change, refused ones leave none");
    for (int i = 0; i < 6; i++)
        cr_expect_str_eq(jstr(cJSON_GetArrayItem(tl, i), "status"), want[i]);
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(tl, 2), "message"), "On the Prusa");
    cr_expect_eq(jnum(cJSON_GetArrayItem(tl, 2), "actor_id"), (double)env.ids.moderator);
    cr_expect_eq(jnum(cJSON_GetArrayItem(tl, 1), "actor_id"), (double)env.ids.admin);
    cJSON_Delete(j);

    /* Cancelling straight from pending is allowed, and tells the customer. */
    uint64_t c = mk_order(&(mk){.tracking = "PF-FSM-0002"});
    int before = mail_count(&env, "user@example.com");
    move(c, "cancelled");
    cr_expect_eq(mail_count(&env, "user@example.com"), before + 1);
    char tok[64];
    cr_expect(mail_token(&env, "user@example.com", "PF-FSM-0002 (PLA, Black, 2 pc) was ", tok, sizeof tok));
    cr_expect_str_eq(tok, "cancelled.", "the body says so");
}

Test(api_orders, cancelling_gives_the_coupon_use_back)
{
    uint64_t single = mk_coupon("DIWALI10"), cart = mk_coupon("CART5");
    uint64_t id = mk_order(&(mk){.tracking = "PF-CPN-0001", .coupon = "DIWALI10"});
    uint64_t used, mine;
    move(id, "cancelled");
    coupon_uses(single, &used, &mine);
    cr_expect_eq(used, 0);
    cr_expect_eq(mine, 0, "the customer may redeem it again");

    /* A cart redeemed its coupon once: the use comes back with its last order. */
    uint64_t g = mk_group(env.ids.user, 100000);
    uint64_t a = mk_order(&(mk){.tracking = "PF-CPN-0002", .coupon = "CART5", .group = g});
    uint64_t b = mk_order(&(mk){.tracking = "PF-CPN-0003", .coupon = "CART5", .group = g});
    move(a, "cancelled");
    coupon_uses(cart, &used, &mine);
    cr_expect_eq(used, 1, "one order of the cart is still open");
    cr_expect_eq(mine, 1);
    move(b, "confirmed");
    move(b, "cancelled");
    coupon_uses(cart, &used, &mine);
    cr_expect_eq(used, 0);
    cr_expect_eq(mine, 0);
}

Test(api_orders, paid_confirms_the_order_and_emails_the_customer)
{
    uint64_t id = mk_order(&(mk){.tracking = "PF-PAY-0001", .total = 123456});
    int m0 = mail_count(&env, "user@example.com");
    cJSON *j =
        call("PATCH", admin, "{\"payment_ref\":\"UPI-4711\"}", 200, "/api/admin/orders/%llu/paid", U(id));
    cr_expect_str_eq(jstr(j, "status"), "confirmed");
    cr_expect(jtrue(j, "paid"));
    cr_expect(cJSON_IsNumber(jget(j, "paid_at")));
    cr_expect_str_eq(jstr(j, "payment_ref"), "UPI-4711");
    cJSON_Delete(j);
    cr_expect_eq(mail_count(&env, "user@example.com"), m0 + 1, "one email: payment confirmed");
    char amount[32];
    cr_expect(mail_token(&env, "user@example.com", "We received your payment of Rs ", amount, sizeof amount));
    cr_expect_str_eq(amount, "1234.56");
    cJSON_Delete(call("PATCH", admin, "{}", 409, "/api/admin/orders/%llu/paid", U(id)));

    move(id, "printing");
    cr_expect_eq(mail_count(&env, "user@example.com"), m0 + 2, "printing is announced");
    move(id, "post_processing");
    cr_expect_eq(mail_count(&env, "user@example.com"), m0 + 2, "post-processing is not");

    /* A paid order that was already confirmed keeps its status; a cancelled one cannot be paid. */
    uint64_t conf = mk_order(&(mk){.tracking = "PF-PAY-0002"});
    move(conf, "confirmed");
    j = call("PATCH", moder, NULL, 200, "/api/mod/orders/%llu/paid", U(conf));
    cr_expect_str_eq(jstr(j, "status"), "confirmed");
    cr_expect(jtrue(j, "paid"));
    cJSON_Delete(j);
    uint64_t gone = mk_order(&(mk){.tracking = "PF-PAY-0003"});
    move(gone, "cancelled");
    cJSON_Delete(call("PATCH", admin, "{}", 409, "/api/admin/orders/%llu/paid", U(gone)));
}

Test(api_orders, a_group_is_paid_when_all_its_orders_are)
{
    uint64_t g = mk_group(env.ids.user, 150000);
    uint64_t a = mk_order(&(mk){.tracking = "PF-GRP-0001", .group = g});
    uint64_t b = mk_order(&(mk){.tracking = "PF-GRP-0002", .group = g});
    cJSON_Delete(call("PATCH", admin, "{}", 200, "/api/admin/orders/%llu/paid", U(a)));
    cJSON *j = call("GET", admin, NULL, 200, "/api/admin/orders/group/%llu", U(g));
    cr_expect(!jtrue(j, "paid"), "one of two paid");
    cr_expect_eq(cJSON_GetArraySize(jget(j, "orders")), 2);
    cr_expect_eq(jnum(cJSON_GetArrayItem(jget(j, "orders"), 0), "id"), (double)a, "cart order");
    cJSON_Delete(j);
    cJSON_Delete(call("PATCH", admin, "{}", 200, "/api/admin/orders/%llu/paid", U(b)));
    j = call("GET", moder, NULL, 200, "/api/mod/orders/group/%llu", U(g));
    cr_expect(jtrue(j, "paid"), "both paid");
    cJSON_Delete(j);

    /* One UPI payment for the whole cart: group=true pays every order of it at once. */
    uint64_t g2 = mk_group(env.ids.user, 150000);
    uint64_t ids[3];
    for (int i = 0; i < 3; i++) {
        char trk[32];
        snprintf(trk, sizeof trk, "PF-GRQ-%04d", i);
        ids[i] = mk_order(&(mk){.tracking = trk, .group = g2});
    }
    move(ids[2], "cancelled");
    cJSON_Delete(call("PATCH", admin, "{\"group\":true}", 200, "/api/admin/orders/%llu/paid", U(ids[0])));
    j = call("GET", admin, NULL, 200, "/api/admin/orders/group/%llu", U(g2));
    cr_expect(jtrue(j, "paid"), "the cancelled order needs no payment");
    const cJSON *o;
    int paid = 0;
    cJSON_ArrayForEach(o, jget(j, "orders")) paid += jtrue(o, "paid");
    cr_expect_eq(paid, 2);
    cJSON_Delete(j);
    cJSON_Delete(call("PATCH", admin, "{\"group\":true}", 409, "/api/admin/orders/%llu/paid", U(ids[1])));
    cJSON_Delete(call("GET", admin, NULL, 404, "/api/admin/orders/group/999999"));
}

Test(api_orders, internal_notes_are_hidden_from_the_customer)
{
    uint64_t id = mk_order(&(mk){.tracking = "PF-NTE-0001"});
    cJSON *j = call("POST", admin,
                    "{\"note\":\"Customer is a repeat buyer; check layer lines\",\"is_internal\":true}", 201,
                    "/api/admin/orders/%llu/notes", U(id));
    cr_expect(jtrue(j, "is_internal"));
    cJSON_Delete(j);
    cJSON_Delete(call("POST", admin,
                      "{\"note\":\"Your part will use the matte black spool.\",\"is_internal\":false}", 201,
                      "/api/admin/orders/%llu/notes", U(id)));
    j = call("POST", moder, "{\"note\":\"Support marks on the base\"}", 201, "/api/mod/orders/%llu/notes",
             U(id));
    cr_expect(jtrue(j, "is_internal"), "moderator notes default to internal");
    cJSON_Delete(j);
    cJSON_Delete(call("POST", admin, "{\"note\":\"   \"}", 422, "/api/admin/orders/%llu/notes", U(id)));
    cJSON_Delete(call("POST", admin, "{\"note\":\"x\"}", 404, "/api/admin/orders/999999/notes"));

    j = call("GET", admin, NULL, 200, "/api/admin/orders/%llu/notes", U(id));
    cr_expect_eq(cJSON_GetArraySize(jget(j, "notes")), 3);
    cJSON_Delete(j);
    char path[64];
    snprintf(path, sizeof path, "/api/user/orders/%llu", U(id));
    http_res r = req(&env, "GET", path, user, NULL);
    cr_assert_eq(r.status, 200);
    cr_expect_null(strstr(r.body, "repeat buyer"), "internal note leaked: %s", r.body);
    cr_expect_null(strstr(r.body, "Support marks"), "internal note leaked");
    cr_expect_null(strstr(r.body, "is_internal"));
    j = body_json(&r);
    http_free(&r);
    const cJSON *notes = jget(j, "notes");
    cr_assert_eq(cJSON_GetArraySize(notes), 1);
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(notes, 0), "note"), "Your part will use the matte black spool.");
    cJSON_Delete(j);
    /* Nor are notes on the public page. */
    r = req(&env, "GET", "/api/track/PF-NTE-0001", NULL, NULL);
    cr_expect_null(strstr(r.body, "matte black"));
    http_free(&r);
}

Test(api_orders, carrier_tracking_fills_the_partner_template)
{
    uint64_t id = mk_order(&(mk){.tracking = "PF-CAR-0001"});
    uint64_t ip = mk_partner("India Post", "https://www.indiapost.gov.in/track?c={tracking}&lang=en", true);
    uint64_t off = mk_partner("Retired Couriers", "https://old.example/{tracking}", false);
    char body[256];
    snprintf(body, sizeof body, "{\"tracking_number\":\"EE 123\",\"shipping_id\":%llu}", U(ip));
    cJSON_Delete(call("PATCH", admin, body, 422, "/api/admin/orders/%llu/tracking", U(id)));
    snprintf(body, sizeof body, "{\"tracking_number\":\"EE123\",\"shipping_id\":%llu}", U(off));
    cJSON_Delete(call("PATCH", admin, body, 422, "/api/admin/orders/%llu/tracking", U(id)));
    cJSON_Delete(call("PATCH", admin, "{\"tracking_number\":\"EE123\",\"shipping_id\":999999}", 422,
                      "/api/admin/orders/%llu/tracking", U(id)));
    cJSON_Delete(call("PATCH", admin,
                      "{\"tracking_number\":\"EE123\",\"tracking_url\":\"javascript:alert(1)\"}", 422,
                      "/api/admin/orders/%llu/tracking", U(id)));
    cJSON_Delete(call("PATCH", admin, "{}", 422, "/api/admin/orders/%llu/tracking", U(id)));

    snprintf(body, sizeof body, "{\"tracking_number\":\"EE123456789IN\",\"shipping_id\":%llu}", U(ip));
    cJSON *j = call("PATCH", moder, body, 200, "/api/mod/orders/%llu/tracking", U(id));
    const cJSON *c = jget(j, "carrier");
    cr_expect_str_eq(jstr(c, "tracking_url"), "https://www.indiapost.gov.in/track?c=EE123456789IN&lang=en");
    cr_expect_str_eq(jstr(c, "name"), "India Post");
    cJSON_Delete(j);
    /* An explicit URL wins; the partner stays when not given again. */
    j = call("PATCH", admin,
             "{\"tracking_number\":\"EE999\",\"tracking_url\":\"https://parcel.example/x/EE999\"}", 200,
             "/api/admin/orders/%llu/tracking", U(id));
    c = jget(j, "carrier");
    cr_expect_str_eq(jstr(c, "tracking_url"), "https://parcel.example/x/EE999");
    cr_expect_str_eq(jstr(c, "name"), "India Post");
    cJSON_Delete(j);
    /* Special characters of a carrier number are encoded into the template. */
    snprintf(body, sizeof body, "{\"tracking_number\":\"A&B#1\",\"shipping_id\":%llu}", U(ip));
    j = call("PATCH", admin, body, 200, "/api/admin/orders/%llu/tracking", U(id));
    cr_expect_str_eq(jstr(jget(j, "carrier"), "tracking_url"),
                     "https://www.indiapost.gov.in/track?c=A%26B%231&lang=en");
    cJSON_Delete(j);

    /* Shipping announces the carrier number and page to the customer. */
    move(id, "confirmed");
    move(id, "printing");
    move(id, "post_processing");
    move(id, "shipped");
    char tok[128];
    cr_expect(mail_token(&env, "user@example.com", "Carrier tracking number: ", tok, sizeof tok));
    cr_expect_str_eq(tok, "A");
    cr_expect(mail_token(&env, "user@example.com", "Track the parcel: https://www.", tok, sizeof tok));
    cr_expect_str_eq(tok, "indiapost.gov.in");
}

/* One printer of an eligible-printers answer, NULL if absent. */
static const cJSON *find_printer(const cJSON *j, uint64_t id)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, jget(j, "printers")) if ((uint64_t)jnum(p, "id") == id) return p;
    return NULL;
}

Test(api_orders, eligible_printers_are_ranked_and_assignment_is_checked)
{
    uint64_t up = mk_upload(150, 100, 50);
    uint64_t id = mk_order(&(mk){.tracking = "PF-PRN-0001", .upload = up, .zip = "560034"});
    uint64_t near_busy = mk_printer("Near busy", "PLA,PETG", 200, 200, 200, "560034", true);
    uint64_t near_idle = mk_printer("Near idle", "PLA", 220, 220, 250, "560038", true);
    uint64_t city = mk_printer("Mysuru", "PLA", 220, 220, 250, "570001", true);
    uint64_t far = mk_printer("Delhi", "PLA", 220, 220, 250, "110001", true);
    uint64_t turned = mk_printer("Narrow", "PLA", 120, 160, 100, "400001", true);
    uint64_t off = mk_printer("Offline", "PLA", 300, 300, 300, "560034", false);
    uint64_t petg = mk_printer("PETG only", "PETG", 300, 300, 300, "560034", true);
    uint64_t tiny = mk_printer("Tiny", "PLA", 100, 100, 100, "560034", true);
    /* Load: two open orders on the nearest printer, a delivered one (not counted) on the city one. */
    mk_order(&(mk){.tracking = "PF-PRN-0002", .printer = near_busy, .status = "printing"});
    mk_order(&(mk){.tracking = "PF-PRN-0003", .printer = near_busy, .status = "confirmed"});
    mk_order(&(mk){.tracking = "PF-PRN-0004", .printer = city, .status = "delivered"});

    cJSON *j = call("GET", PAT("orders:read"), NULL, 200, "/api/admin/orders/%llu/eligible-printers", U(id));
    const cJSON *printers = jget(j, "printers");
    char *dump = cJSON_PrintUnformatted(printers);
    cr_log_info("%s", dump);
    free(dump);
    cr_assert_geq(cJSON_GetArraySize(printers), 7);
    /* Same district: the idle printer first, the busy one next; it still beats one 140 km away; incompatible
     * ones last. */
    cr_expect_eq((uint64_t)jnum(cJSON_GetArrayItem(printers, 0), "id"), near_idle);
    cr_expect_eq((uint64_t)jnum(cJSON_GetArrayItem(printers, 1), "id"), near_busy);
    cr_expect_eq((uint64_t)jnum(cJSON_GetArrayItem(printers, 2), "id"), city);
    cr_expect_eq(jnum(find_printer(j, near_busy), "distance_km"), 0);
    double km = jnum(find_printer(j, city), "distance_km");
    cr_expect(km > 80 && km < 200, "Bengaluru to Mysuru: %g km", km);
    km = jnum(find_printer(j, far), "distance_km");
    cr_expect(km > 1500 && km < 2000, "Bengaluru to Delhi: %g km", km);
    bool seen_incompatible = false;
    const cJSON *p;
    cJSON_ArrayForEach(p, printers)
    {
        bool comp = jtrue(p, "compatible");
        cr_expect(!(comp && seen_incompatible), "compatible printers rank first");
        seen_incompatible |= !comp;
    }
    cr_expect_eq(jnum(find_printer(j, near_busy), "open_orders"), 2);
    cr_expect_eq(jnum(find_printer(j, city), "open_orders"), 0, "delivered orders are no load");
    cr_expect_gt(jnum(jget(find_printer(j, near_busy), "scores"), "proximity"),
                 jnum(jget(find_printer(j, city), "scores"), "proximity"));
    cr_expect_gt(jnum(jget(find_printer(j, city), "scores"), "load"),
                 jnum(jget(find_printer(j, near_busy), "scores"), "load"));
    cr_expect(jtrue(find_printer(j, turned), "compatible"));
    cr_expect(jtrue(find_printer(j, turned), "rotated"), "fits only turned 90 degrees");
    cr_expect_gt(jnum(find_printer(j, city), "score"), jnum(find_printer(j, far), "score"));
    cr_expect(!jtrue(find_printer(j, off), "compatible"));
    cr_expect(!jtrue(find_printer(j, petg), "compatible"));
    cr_expect(!jtrue(find_printer(j, petg), "material_ok"));
    cr_expect(!jtrue(find_printer(j, tiny), "compatible"));
    cr_expect(cJSON_IsFalse(jget(find_printer(j, tiny), "fits")));
    cJSON_Delete(j);

    /* Assignment refuses what cannot print it; admins only. */
    char body[64];
    uint64_t refuse[] = {off, petg, tiny, 999999};
    for (int i = 0; i < 4; i++) {
        snprintf(body, sizeof body, "{\"printer_id\":%llu}", U(refuse[i]));
        cJSON *e = call("PATCH", admin, body, 422, "/api/admin/orders/%llu/printer", U(id));
        cr_expect(strstr(jstr(e, "error"), "printer_id"), "%s", jstr(e, "error"));
        cJSON_Delete(e);
    }
    cJSON_Delete(call("PATCH", admin, "{}", 422, "/api/admin/orders/%llu/printer", U(id)));
    cJSON_Delete(
        call("PATCH", admin, "{\"printer_id\":\"2\"}", 422, "/api/admin/orders/%llu/printer", U(id)));
    snprintf(body, sizeof body, "{\"printer_id\":%llu}", U(turned));
    j = call("PATCH", PAT("orders:write"), body, 200, "/api/admin/orders/%llu/printer", U(id));
    cr_expect_eq((uint64_t)jnum(j, "printer_id"), turned);
    cr_expect_str_eq(jstr(jget(j, "printer"), "name"), "Narrow");
    cJSON_Delete(j);
    j = call("GET", admin, NULL, 200, "/api/admin/orders/%llu/eligible-printers", U(id));
    cr_expect(jtrue(find_printer(j, turned), "assigned"));
    cJSON_Delete(j);
    j = call("PATCH", admin, "{\"printer_id\":null}", 200, "/api/admin/orders/%llu/printer", U(id));
    cr_expect(cJSON_IsNull(jget(j, "printer_id")));
    cJSON_Delete(j);
    cr_expect_eq(status_of_call("PATCH", moder, body, "/api/mod/orders/%llu/printer", U(id)), 404,
                 "no moderator route for printer assignment");
    cr_expect_eq(status_of_call("PATCH", moder, body, "/api/admin/orders/%llu/printer", U(id)), 403);
}

Test(api_orders, staff_lists_search_sort_and_stats)
{
    uint64_t a = mk_order(&(mk){.tracking = "PF-LST-0001", .total = 30000, .filename = "gear.stl"});
    uint64_t b = mk_order(&(mk){
        .tracking = "PF-LST-0002", .total = 90000, .user = other_id, .paid = true, .status = "confirmed"});
    uint64_t c =
        mk_order(&(mk){.tracking = "PF-LST-0003", .total = 60000, .paid = true, .status = "printing"});
    char got[256], want[256];

    cJSON *j = call("GET", admin, NULL, 200, "/api/admin/orders?sort=total");
    list_ids(j, got, sizeof got);
    snprintf(want, sizeof want, "%llu,%llu,%llu", U(b), U(c), U(a));
    cr_expect_str_eq(got, want, "largest total first");
    const cJSON *first = cJSON_GetArrayItem(jget(j, "orders"), 0);
    cr_expect_str_eq(jstr(jget(first, "customer"), "email"), "priya.other@example.com");
    cJSON_Delete(j);
    j = call("GET", moder, NULL, 200, "/api/mod/orders?sort=oldest");
    list_ids(j, got, sizeof got);
    snprintf(want, sizeof want, "%llu,%llu,%llu", U(a), U(b), U(c));
    cr_expect_str_eq(got, want);
    cJSON_Delete(j);
    j = call("GET", admin, NULL, 200, "/api/admin/orders?q=PRIYA.other");
    list_ids(j, got, sizeof got);
    snprintf(want, sizeof want, "%llu", U(b));
    cr_expect_str_eq(got, want, "search by customer email, any case");
    cJSON_Delete(j);
    j = call("GET", admin, NULL, 200, "/api/admin/orders?q=gear");
    list_ids(j, got, sizeof got);
    snprintf(want, sizeof want, "%llu", U(a));
    cr_expect_str_eq(got, want, "search by file name");
    cJSON_Delete(j);
    j = call("GET", PAT("orders:read"), NULL, 200, "/api/admin/orders?q=lst-0003&status=printing");
    list_ids(j, got, sizeof got);
    snprintf(want, sizeof want, "%llu", U(c));
    cr_expect_str_eq(got, want, "search by tracking number with a status filter");
    cJSON_Delete(j);
    cJSON_Delete(call("GET", admin, NULL, 422, "/api/admin/orders?sort=cheapest"));

    j = call("GET", PAT("admin:read"), NULL, 200, "/api/admin/stats");
    const cJSON *rev = jget(j, "revenue"), *by = jget(j, "orders_by_status");
    cr_expect_eq(llround(jnum(rev, "total") * 100), 150000, "paid orders only");
    cr_expect_eq(llround(jnum(rev, "outstanding") * 100), 30000);
    cr_expect_eq(jnum(by, "pending"), 1);
    cr_expect_eq(jnum(by, "printing"), 1);
    cr_expect_eq(jnum(j, "orders_total"), 3);
    cr_expect_eq((uint64_t)jnum(cJSON_GetArrayItem(jget(j, "recent_orders"), 0), "id"), c);
    cJSON_Delete(j);
}

Test(api_orders, moderators_admins_and_pat_scopes)
{
    uint64_t id = mk_order(&(mk){.tracking = "PF-ACC-0001"});
    cr_expect_eq(status_of_call("GET", user, NULL, "/api/mod/orders"), 403);
    cr_expect_eq(status_of_call("GET", user, NULL, "/api/admin/orders/%llu", U(id)), 403);
    cr_expect_eq(status_of_call("GET", moder, NULL, "/api/admin/orders"), 403, "admin routes are for admins");
    cr_expect_eq(status_of_call("GET", moder, NULL, "/api/mod/orders/%llu", U(id)), 200);
    cr_expect_eq(status_of_call("GET", admin, NULL, "/api/mod/orders/%llu", U(id)), 200);
    cr_expect_eq(status_of_call("GET", PAT("orders:read"), NULL, "/api/mod/orders"), 403,
                 "no PATs on /api/mod");
    cr_expect_eq(status_of_call("GET", PAT("orders:read"), NULL, "/api/user/orders"), 403);
    cr_expect_eq(status_of_call("GET", PAT("orders:write"), NULL, "/api/admin/orders"), 403);
    cr_expect_eq(status_of_call("PATCH", PAT("orders:read"), "{\"status\":\"confirmed\"}",
                                "/api/admin/orders/%llu/status", U(id)),
                 403);
    cr_expect_eq(status_of_call("PATCH", PAT("orders:write"), "{}", "/api/admin/orders/%llu/paid", U(id)),
                 403, "payment needs payment:write");
    cr_expect_eq(status_of_call("GET", PAT("orders:read"), NULL, "/api/admin/stats"), 403);
    cJSON *j = call("PATCH", PAT("payment:write"), "{}", 200, "/api/admin/orders/%llu/paid", U(id));
    cr_expect_str_eq(jstr(j, "status"), "confirmed");
    cJSON_Delete(j);
    j = call("PATCH", PAT("orders:write"), "{\"status\":\"printing\"}", 200, "/api/admin/orders/%llu/status",
             U(id));
    cr_expect_str_eq(jstr(j, "status"), "printing");
    cJSON_Delete(j);
    /* A PAT acts for the admin who created it. */
    j = call("GET", admin, NULL, 200, "/api/admin/orders/%llu", U(id));
    const cJSON *tl = jget(j, "timeline");
    cr_expect_eq(jnum(cJSON_GetArrayItem(tl, cJSON_GetArraySize(tl) - 1), "actor_id"), 1);
    cJSON_Delete(j);
    cr_expect_eq(status_of_call("GET", NULL, NULL, "/api/user/orders"), 401);
    cr_expect_eq(status_of_call("GET", NULL, NULL, "/api/admin/orders"), 401);
}
