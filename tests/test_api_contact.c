/* End-to-end tests of the contact form: daily limits per topic over a rolling 24 hours with per-user
 * overrides (raise, lower, 0 blocks), 429 with the time until the next message, order verification scoped to
 * the caller, and the staff side: lists, replies emailed to the customer, status changes. */
#include <criterion/criterion.h>

#include <pthread.h>

#include "account_test_util.h"

static acct_env env;
static char user[700], other[700], mod[700], admin[700];
static uint64_t other_id;

/* Opens the store beside the running server (LMDB allows a second process). */
static pf_store *store_open(FILE **console)
{
    pf_store_options o = fast_options(env.dir);
    *console = o.console = fopen("/dev/null", "w");
    pf_store *st = NULL;
    pf_errbuf eb;
    if (pf_store_open(&o, &st, &eb)) abort();
    return st;
}

static void store_close(pf_store *st, FILE *console)
{
    pf_store_close(st);
    fclose(console);
}

static void put_order(uint64_t uid, const char *tracking, const char *status)
{
    FILE *c;
    pf_store *st = store_open(&c);
    pf_order o = {.user_id = uid,
                  .tracking_no = strdup(tracking),
                  .status = strdup(status),
                  .material = strdup("PLA"),
                  .quantity = 1,
                  .created_at = (int64_t)time(NULL)};
    pf_errbuf eb;
    cr_assert_eq(pf_store_order_put(st, NULL, &o, &eb), PF_E_OK, "%s", eb.msg);
    pf_order_clear(&o);
    store_close(st, c);
}

/* An inquiry written directly, age seconds old. */
static void put_inquiry(uint64_t uid, const char *topic, int64_t age)
{
    FILE *c;
    pf_store *st = store_open(&c);
    pf_inquiry q = {.user_id = uid,
                    .topic = strdup(topic),
                    .subject = strdup("old"),
                    .message = strdup("old"),
                    .status = strdup("open"),
                    .created_at = (int64_t)time(NULL) - age};
    pf_errbuf eb;
    cr_assert_eq(pf_store_inquiry_put(st, NULL, &q, &eb), PF_E_OK, "%s", eb.msg);
    pf_inquiry_clear(&q);
    store_close(st, c);
}

static void start_with(const char *const *settings)
{
    acct_start(&env, settings);
    FILE *c;
    pf_store *st = store_open(&c);
    other_id = put_user(st, "other@example.com", "user", true);
    store_close(st, c);
    jwt_for(env.dir, env.ids.user, NULL, user, sizeof user);
    jwt_for(env.dir, other_id, NULL, other, sizeof other);
    jwt_for(env.dir, env.ids.moderator, NULL, mod, sizeof mod);
    jwt_for(env.dir, env.ids.admin, NULL, admin, sizeof admin);
}

static void start(void)
{
    static const char *const s[] = {"contact.general_per_day", "2", "contact.order_per_day", "3", NULL};
    start_with(s);
}

static void stop(void)
{
    cr_expect_eq(acct_stop(&env), 0, "server exits 0");
}

TestSuite(api_contact, .init = start, .fini = stop, .timeout = 90);

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

/* Sends one message; returns the status and, for 429, the advertised wait (body and header must agree). */
static long send_msg(const char *auth, const char *topic, const char *tracking, long *retry)
{
    char body[512];
    snprintf(body, sizeof body, "{\"subject\":\"Hello\",\"message\":\"A question\"%s%s%s%s%s%s}",
             topic ? ",\"topic\":\"" : "", topic ? topic : "", topic ? "\"" : "",
             tracking ? ",\"order_tracking\":\"" : "", tracking ? tracking : "", tracking ? "\"" : "");
    http_res r = req(&env, "POST", "/api/contact", auth, body);
    long st = r.status;
    if (st == 429) {
        cJSON *j = body_json(&r);
        char h[32] = "";
        cr_expect(header(&r, "Retry-After", h, sizeof h), "Retry-After header");
        cr_expect(jstr(j, "error") != NULL);
        long s = (long)jnum(j, "retry_after_s");
        cr_expect_eq(atol(h), s, "header and body agree");
        if (retry) *retry = s;
        cJSON_Delete(j);
    }
    http_free(&r);
    return st;
}

Test(api_contact, limits_apply_per_topic_and_tell_the_wait)
{
    long retry = 0;
    cr_expect_eq(send_msg(user, NULL, NULL, NULL), 201);
    cr_expect_eq(send_msg(user, "general", NULL, NULL), 201);
    time_t t = time(NULL);
    cr_expect_eq(send_msg(user, NULL, NULL, &retry), 429, "third general message of the day");
    cr_expect(retry >= 86400 - (long)(time(NULL) - t) - 5 && retry <= 86400, "a day from the first: %ld",
              retry);
    /* The order topic has its own count. */
    for (int i = 0; i < 3; i++)
        cr_expect_eq(send_msg(user, "order", NULL, NULL), 201, "order message %d", i + 1);
    cr_expect_eq(send_msg(user, "order", NULL, &retry), 429);
    /* Other users are not affected. */
    cr_expect_eq(send_msg(other, NULL, NULL, NULL), 201);
    cJSON *j = call("GET", "/api/contact/limits", user, NULL, 200);
    const cJSON *g = cJSON_GetObjectItem(j, "general");
    cr_expect_eq(jnum(g, "limit"), 2);
    cr_expect_eq(jnum(g, "used"), 2);
    cr_expect_eq(jnum(g, "remaining"), 0);
    cr_expect(jnum(g, "retry_after_s") > 86000);
    cr_expect_eq(jnum(cJSON_GetObjectItem(j, "order"), "used"), 3);
    cJSON_Delete(j);
    /* A lower setting applies at once. */
    http_res r = req(&env, "PUT", "/api/admin/settings/contact.general_per_day", admin, "{\"value\":1}");
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    cr_expect_eq(send_msg(other, NULL, NULL, NULL), 429);
}

Test(api_contact, the_day_rolls_from_the_oldest_counted_message)
{
    put_inquiry(env.ids.user, "general", 25 * 3600); /* outside the window */
    put_inquiry(env.ids.user, "general", 23 * 3600); /* counts for one more hour */
    put_inquiry(env.ids.user, "order", 3600);        /* another topic */
    long retry = 0;
    cr_expect_eq(send_msg(user, NULL, NULL, NULL), 201, "one of two left");
    cr_expect_eq(send_msg(user, NULL, NULL, &retry), 429);
    cr_expect(retry > 3600 - 10 && retry <= 3600, "the 23 h old message leaves the window in an hour: %ld",
              retry);
}

Test(api_contact, overrides_raise_lower_and_block)
{
    char path[128];
    snprintf(path, sizeof path, "/api/admin/contact-limits/%llu", (unsigned long long)env.ids.user);
    cJSON *j = call("GET", path, admin, NULL, 200);
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(j, "override")));
    cr_expect_eq(jnum(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "effective"), "general"), "limit"), 2);
    cJSON_Delete(j);
    /* Raise general for this user only. */
    j = call("PUT", path, admin, "{\"general_per_day\":4}", 200);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "override")));
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(j, "order_per_day")), "order inherits the setting");
    cJSON_Delete(j);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(send_msg(user, NULL, NULL, NULL), 201, "raised: message %d", i + 1);
    cr_expect_eq(send_msg(user, NULL, NULL, NULL), 429);
    cr_expect_eq(send_msg(other, NULL, NULL, NULL), 201);
    cr_expect_eq(send_msg(other, NULL, NULL, NULL), 201);
    cr_expect_eq(send_msg(other, NULL, NULL, NULL), 429, "others keep the setting's 2");
    /* Lower the order topic to one. */
    cJSON_Delete(call("PUT", path, admin, "{\"order_per_day\":1}", 200));
    cr_expect_eq(send_msg(user, "order", NULL, NULL), 201);
    cr_expect_eq(send_msg(user, "order", NULL, NULL), 429, "lowered to one");
    /* 0 blocks the topic outright (no wait would help). */
    cJSON_Delete(call("PUT", path, admin, "{\"order_per_day\":0}", 200));
    http_res r =
        req(&env, "POST", "/api/contact", user, "{\"subject\":\"s\",\"message\":\"m\",\"topic\":\"order\"}");
    cr_expect_eq(r.status, 403, "%s", r.body);
    cr_expect(strstr(r.body, "\"blocked\":true"), "%s", r.body);
    http_free(&r);
    j = call("GET", "/api/admin/contact-limits", "Authorization: Bearer pf_test_admin:read", NULL, 200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "overrides")), 1);
    cJSON_Delete(j);
    /* Validation and who may change them. */
    cJSON_Delete(call("PUT", path, admin, "{\"general_per_day\":-1}", 422));
    cJSON_Delete(call("PUT", path, admin, "{\"general_per_day\":1.5}", 422));
    cJSON_Delete(call("PUT", path, admin, "{}", 422));
    cJSON_Delete(call("PUT", path, mod, "{\"general_per_day\":9}", 403));
    cJSON_Delete(call("PUT", "/api/admin/contact-limits/999999", admin, "{\"general_per_day\":9}", 404));
    /* Removing the override restores the settings. */
    cJSON_Delete(call("DELETE", path, admin, NULL, 204));
    cJSON_Delete(call("DELETE", path, admin, NULL, 404));
    j = call("GET", path, admin, NULL, 200);
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(j, "override")));
    cr_expect_eq(jnum(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "effective"), "order"), "limit"), 3);
    cJSON_Delete(j);
    cr_expect_eq(send_msg(user, "order", NULL, NULL), 201, "back to the setting's 3");
}

Test(api_contact, order_verification_is_scoped_to_the_caller)
{
    put_order(env.ids.user, "PF-7K3M-9QXA", "printing");
    put_order(other_id, "PF-2B8C-4DZE", "pending");
    cJSON *j = call("GET", "/api/contact/verify-order/PF-7K3M-9QXA", user, NULL, 200);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "valid")));
    cr_expect_str_eq(jstr(j, "status"), "printing");
    cJSON_Delete(j);
    j = call("GET", "/api/contact/verify-order/pf-7k3m-9qxa", user, NULL, 200);
    cJSON_Delete(j);
    /* Another user's order looks exactly like no order. */
    http_res a = req(&env, "GET", "/api/contact/verify-order/PF-2B8C-4DZE", user, NULL);
    http_res b = req(&env, "GET", "/api/contact/verify-order/PF-0000-0000", user, NULL);
    cr_expect_eq(a.status, 404);
    cr_expect_eq(b.status, 404);
    cr_expect_str_eq(a.body, b.body);
    cr_expect(!strstr(a.body, "pending"));
    http_free(&a);
    http_free(&b);
    cJSON_Delete(call("GET", "/api/contact/verify-order/PF-7K3M-9QXA", NULL, NULL, 401));

    cr_expect_eq(send_msg(user, NULL, "PF-2B8C-4DZE", NULL), 422, "not the caller's order");
    cr_expect_eq(send_msg(user, NULL, "PF-0000-0000", NULL), 422);
    cr_expect_eq(send_msg(user, "general", "PF-7K3M-9QXA", NULL), 422, "an order message is not general");
    http_res r =
        req(&env, "POST", "/api/contact", user,
            "{\"subject\":\"Where is it\",\"message\":\"Status?\",\"order_tracking\":\"PF-7K3M-9QXA\"}");
    cr_expect_eq(r.status, 201, "%s", r.body);
    j = body_json(&r);
    cr_expect_str_eq(jstr(j, "topic"), "order");
    cr_expect_str_eq(jstr(j, "order_tracking"), "PF-7K3M-9QXA");
    cJSON_Delete(j);
    http_free(&r);
    j = call("GET", "/api/contact/limits", user, NULL, 200);
    cr_expect_eq(jnum(cJSON_GetObjectItem(j, "order"), "used"), 1, "counted as an order message");
    cr_expect_eq(jnum(cJSON_GetObjectItem(j, "general"), "used"), 0);
    cJSON_Delete(j);
}

Test(api_contact, bad_submissions_are_refused)
{
    static const char *const bad[] = {
        "{\"message\":\"m\"}",
        "{\"subject\":\"s\"}",
        "{\"subject\":\"\",\"message\":\"m\"}",
        "{\"subject\":\"s\",\"message\":\"\"}",
        "{\"subject\":\"a\\u0007b\",\"message\":\"m\"}",
        "{\"subject\":\"s\",\"message\":\"m\",\"topic\":\"billing\"}",
        "{\"subject\":42,\"message\":\"m\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cJSON_Delete(call("POST", "/api/contact", user, bad[i], 422));
    char big[6200];
    memset(big, 'x', sizeof big);
    snprintf(big, sizeof big, "{\"subject\":\"s\",\"message\":\"%0*d\"}", 5001, 0);
    cJSON_Delete(call("POST", "/api/contact", user, big, 422));
    cJSON_Delete(call("POST", "/api/contact", NULL, "{\"subject\":\"s\",\"message\":\"m\"}", 401));
    cJSON *j = call("GET", "/api/contact/limits", user, NULL, 200);
    cr_expect_eq(jnum(cJSON_GetObjectItem(j, "general"), "used"), 0, "refused messages do not count");
    cJSON_Delete(j);
}

/* Whether the console mail log holds an email to `to` whose body contains text. */
static bool mailed(const char *to, const char *subject_part, const char *text)
{
    char path[300], line[4096], head[320];
    snprintf(path, sizeof path, "%s/stderr.log", env.dir);
    snprintf(head, sizeof head, " to=%s subject=", to);
    FILE *f = fopen(path, "r");
    bool in = false, found = false;
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "mail at=", 8)) {
            in = strstr(line, head) && strstr(line, subject_part);
            continue;
        }
        if (!strcmp(line, "mail end\n")) in = false;
        if (in && strstr(line, text)) found = true;
    }
    if (f) fclose(f);
    return found;
}

Test(api_contact, staff_list_reply_and_change_status)
{
    http_res r = req(&env, "POST", "/api/contact", user,
                     "{\"subject\":\"Colour question\",\"message\":\"Do you have teal PETG?\"}");
    cr_assert_eq(r.status, 201, "%s", r.body);
    cJSON *j = body_json(&r);
    uint64_t id = (uint64_t)jnum(j, "id");
    cJSON_Delete(j);
    http_free(&r);
    cr_expect_eq(send_msg(other, NULL, NULL, NULL), 201);

    j = call("GET", "/api/mod/contact", mod, NULL, 200);
    cr_expect_eq(jnum(j, "total"), 2);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "inquiries"), 1);
    cr_expect_eq(jnum(first, "id"), (double)id, "newest first");
    cr_expect_str_eq(jstr(first, "user_email"), "user@example.com");
    cr_expect_str_eq(jstr(first, "status"), "open");
    cJSON_Delete(j);
    j = call("GET", "/api/admin/contact?page=2&limit=1", admin, NULL, 200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "inquiries")), 1);
    cr_expect_eq(jnum(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "inquiries"), 0), "id"), (double)id);
    cr_expect_eq(jnum(j, "pages"), 2);
    cJSON_Delete(j);
    cJSON_Delete(call("GET", "/api/admin/contact", user, NULL, 403));
    cJSON_Delete(call("GET", "/api/admin/contact?status=lost", admin, NULL, 422));

    char path[128];
    snprintf(path, sizeof path, "/api/mod/contact/%llu/reply", (unsigned long long)id);
    int before = mail_count(&env, "user@example.com");
    j = call("POST", path, mod, "{\"message\":\"Yes, teal PETG is in stock.\"}", 200);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "emailed")));
    cr_expect_str_eq(jstr(j, "status"), "in_progress", "a reply picks the inquiry up");
    const cJSON *rep = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "replies"), 0);
    cr_expect_str_eq(jstr(rep, "message"), "Yes, teal PETG is in stock.");
    cr_expect_eq(jnum(rep, "by"), (double)env.ids.moderator);
    cJSON_Delete(j);
    cr_expect_eq(mail_count(&env, "user@example.com"), before + 1, "the customer is emailed");
    cr_expect(mailed("user@example.com", "Re: Colour question", "Yes, teal PETG is in stock."));
    cJSON_Delete(call("POST", path, mod, "{\"message\":\"\"}", 422));

    snprintf(path, sizeof path, "/api/admin/contact/%llu/status", (unsigned long long)id);
    j = call("PATCH", path, admin, "{\"status\":\"resolved\"}", 200);
    cr_expect_str_eq(jstr(j, "status"), "resolved");
    cJSON_Delete(j);
    cJSON_Delete(call("PATCH", path, admin, "{\"status\":\"done\"}", 422));
    j = call("GET", "/api/admin/contact?status=resolved", admin, NULL, 200);
    cr_expect_eq(jnum(j, "total"), 1);
    cJSON_Delete(j);
    j = call("GET", "/api/admin/contact?status=open", admin, NULL, 200);
    cr_expect_eq(jnum(j, "total"), 1);
    cJSON_Delete(j);
    snprintf(path, sizeof path, "/api/admin/contact/%llu", (unsigned long long)id);
    j = call("GET", path, mod, NULL, 200);
    cr_expect_str_eq(jstr(j, "message"), "Do you have teal PETG?");
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "replies")), 1);
    cJSON_Delete(j);
    cJSON_Delete(call("GET", "/api/admin/contact/999999", mod, NULL, 404));
    cJSON_Delete(call("PATCH", "/api/mod/contact/999999/status", mod, "{\"status\":\"closed\"}", 404));
}

static void *send_thread(void *arg)
{
    *(long *)arg = send_msg(user, NULL, NULL, NULL);
    return NULL;
}

Test(api_contact, concurrent_messages_cannot_pass_the_limit_together)
{
    enum { N = 8 };
    pthread_t th[N];
    long st[N];
    curl_global_init(CURL_GLOBAL_ALL);
    for (int i = 0; i < N; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, send_thread, &st[i]), 0);
    int created = 0, limited = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        created += st[i] == 201;
        limited += st[i] == 429;
    }
    cr_expect_eq(created, 2, "exactly the daily limit goes through");
    cr_expect_eq(limited, N - 2);
}
