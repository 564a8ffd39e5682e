/* End-to-end tests of the account part of /api/user: profile, email change only after the link, saved
 * addresses with one default, all scoped to the caller. */
#include <criterion/criterion.h>

#include "account_test_util.h"

static acct_env env;

static void start(void)
{
    acct_start(&env, NULL);
}

static void stop(void)
{
    cr_expect_eq(acct_stop(&env), 0, "server exits 0");
}

TestSuite(api_user, .init = start, .fini = stop, .timeout = 60);

/* Registers name@example.com with password "password1"; writes its session header into auth. */
static void signup(const char *name, char *auth, size_t len)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"username\":\"%s\",\"email\":\"%s@example.com\",\"password\":\"password1\"}", name, name);
    http_res r = req(&env, "POST", "/api/auth/register", NULL, body);
    cr_assert_eq(r.status, 201, "%s", r.body);
    cr_assert(bearer_from(&r, "token", auth, len));
    http_free(&r);
}

static cJSON *get_json(const char *path, const char *auth, long want)
{
    http_res r = req(&env, "GET", path, auth, NULL);
    cr_expect_eq(r.status, want, "GET %s: %ld (%s)", path, r.status, r.body);
    cJSON *j = body_json(&r);
    http_free(&r);
    return j;
}

Test(api_user, profile_get_and_patch)
{
    char auth[700];
    signup("dev", auth, sizeof auth);
    cJSON *j = get_json("/api/user/profile", auth, 200);
    cr_expect_str_eq(jstr(j, "email"), "dev@example.com");
    cr_expect_str_eq(jstr(j, "username"), "dev");
    cr_expect_str_eq(jstr(j, "role"), "user");
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(j, "twofa_enabled")));
    cr_expect(cJSON_IsArray(cJSON_GetObjectItem(j, "addresses")) &&
              cJSON_GetArraySize(cJSON_GetObjectItem(j, "addresses")) == 0);
    cJSON_Delete(j);
    http_res r = req(&env, "PATCH", "/api/user/profile", auth, "{\"username\":\"Dev Patel\"}");
    cr_expect_eq(r.status, 200);
    j = body_json(&r);
    cr_expect_str_eq(jstr(j, "username"), "Dev Patel");
    cJSON_Delete(j);
    http_free(&r);
    j = get_json("/api/auth/me", auth, 200);
    cr_expect_str_eq(jstr(j, "username"), "Dev Patel");
    cJSON_Delete(j);
    static const char *const bad[] = {"{\"username\":42}", "{\"username\":\"\"}", "{}",
                                      "{\"username\":\"a\\u0007b\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = req(&env, "PATCH", "/api/user/profile", auth, bad[i]);
        cr_expect_eq(r.status, 422, "%s: %ld", bad[i], r.status);
        http_free(&r);
    }
}

Test(api_user, email_changes_only_when_the_link_is_followed)
{
    char auth[700], tok[128], path[256];
    signup("eve", auth, sizeof auth);
    http_res r = req(&env, "POST", "/api/user/request-email-change", auth,
                     "{\"new_email\":\"eve.new@example.com\",\"password\":\"wrong pass\"}");
    cr_expect_eq(r.status, 422, "password checked");
    http_free(&r);
    r = req(&env, "POST", "/api/user/request-email-change", auth,
            "{\"new_email\":\"" ADMIN_EMAIL "\",\"password\":\"password1\"}");
    cr_expect_eq(r.status, 409, "address of another account");
    http_free(&r);
    r = req(&env, "POST", "/api/user/request-email-change", auth,
            "{\"new_email\":\"Eve.New@example.com\",\"password\":\"password1\"}");
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);

    cJSON *j = get_json("/api/user/profile", auth, 200);
    cr_expect_str_eq(jstr(j, "email"), "eve@example.com", "unchanged until the link is followed");
    cr_expect_str_eq(jstr(j, "pending_email"), "eve.new@example.com");
    cJSON_Delete(j);
    char other[700];
    cr_expect_eq(login(&env, "eve.new@example.com", "password1", other, sizeof other), 401);
    cr_expect_eq(mail_count(&env, "eve.new@example.com"), 1, "the link goes to the new address");

    cr_assert(mail_token(&env, "eve.new@example.com", "/api/auth/verify-email/", tok, sizeof tok));
    snprintf(path, sizeof path, "/api/auth/verify-email/%s", tok);
    r = req(&env, "GET", path, NULL, NULL);
    cr_expect_eq(r.status, 200, "%s", r.body);
    j = body_json(&r);
    cr_expect_str_eq(jstr(j, "email"), "eve.new@example.com");
    cJSON_Delete(j);
    http_free(&r);
    r = req(&env, "GET", path, NULL, NULL);
    cr_expect_eq(r.status, 400, "single use");
    http_free(&r);

    j = get_json("/api/auth/me", auth, 200);
    cr_expect_str_eq(jstr(j, "email"), "eve.new@example.com");
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "email_verified")), "the link proved the mailbox");
    cJSON_Delete(j);
    cr_expect_eq(login(&env, "eve@example.com", "password1", other, sizeof other), 401);
    cr_expect_eq(login(&env, "eve.new@example.com", "password1", other, sizeof other), 200);
    /* The old address is free again. */
    r = req(&env, "POST", "/api/auth/register", NULL,
            "{\"username\":\"x\",\"email\":\"eve@example.com\",\"password\":\"password1\"}");
    cr_expect_eq(r.status, 201);
    http_free(&r);
}

static const char *const home =
    "{\"label\":\"Home\",\"name\":\"Eve\",\"address\":\"1 MG Road\",\"city\":\"Pune\","
    "\"state\":\"MH\",\"zip\":\"411001\",\"country\":\"IN\",\"phone\":\"+91 98\"}";
static const char *const office = "{\"label\":\"Office\",\"name\":\"Eve\",\"address\":\"2 FC Road\",\"city\":"
                                  "\"Pune\",\"state\":\"MH\",\"zip\":\"411004\",\"country\":\"IN\"}";

static uint64_t add(const char *auth, const char *body, bool want_default)
{
    http_res r = req(&env, "POST", "/api/user/addresses", auth, body);
    cr_assert_eq(r.status, 201, "%s", r.body);
    cJSON *j = body_json(&r);
    cr_expect_eq(cJSON_IsTrue(cJSON_GetObjectItem(j, "is_default")), want_default);
    uint64_t id = (uint64_t)cJSON_GetObjectItem(j, "id")->valuedouble;
    cJSON_Delete(j);
    http_free(&r);
    return id;
}

/* The default flags of the caller's list, newest first, as a string like "01". */
static void defaults(const char *auth, char *out)
{
    cJSON *j = get_json("/api/user/addresses", auth, 200);
    const cJSON *a;
    size_t n = 0;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(j, "addresses")) out[n++] =
        cJSON_IsTrue(cJSON_GetObjectItem(a, "is_default")) ? '1' : '0';
    out[n] = 0;
    cJSON_Delete(j);
}

Test(api_user, addresses_crud_with_one_default)
{
    char auth[700], mallory[700], flags[32], path[128];
    signup("eve", auth, sizeof auth);
    signup("mallory", mallory, sizeof mallory);
    uint64_t h = add(auth, home, true);
    uint64_t o = add(auth, office, false);
    defaults(auth, flags);
    cr_expect_str_eq(flags, "01", "newest first; the first address is the default");

    snprintf(path, sizeof path, "/api/user/addresses/%llu/default", (unsigned long long)o);
    http_res r = req(&env, "PATCH", path, auth, NULL);
    cr_expect_eq(r.status, 200);
    http_free(&r);
    defaults(auth, flags);
    cr_expect_str_eq(flags, "10");

    /* Replace keeps the default flag and the id. */
    snprintf(path, sizeof path, "/api/user/addresses/%llu", (unsigned long long)o);
    r = req(
        &env, "PUT", path, auth,
        "{\"name\":\"Eve\",\"address\":\"9 New St\",\"city\":\"Mumbai\",\"state\":\"MH\",\"zip\":\"400001\","
        "\"country\":\"IN\"}");
    cr_expect_eq(r.status, 200, "%s", r.body);
    cJSON *j = body_json(&r);
    cr_expect_str_eq(jstr(j, "city"), "Mumbai");
    cr_expect_str_eq(jstr(j, "label"), "Home", "label defaults when absent");
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "is_default")));
    cr_expect_eq((uint64_t)cJSON_GetObjectItem(j, "id")->valuedouble, o);
    cJSON_Delete(j);
    http_free(&r);

    /* Another account cannot see or touch them. */
    r = req(&env, "PUT", path, mallory, office);
    cr_expect_eq(r.status, 404);
    http_free(&r);
    r = req(&env, "DELETE", path, mallory, NULL);
    cr_expect_eq(r.status, 404);
    http_free(&r);
    defaults(mallory, flags);
    cr_expect_str_eq(flags, "");

    /* Deleting the default promotes the remaining address. */
    r = req(&env, "DELETE", path, auth, NULL);
    cr_expect_eq(r.status, 204);
    http_free(&r);
    defaults(auth, flags);
    cr_expect_str_eq(flags, "1");
    j = get_json("/api/user/profile", auth, 200);
    const cJSON *only = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "addresses"), 0);
    cr_expect_eq((uint64_t)cJSON_GetObjectItem(only, "id")->valuedouble, h);
    cr_expect_str_eq(jstr(only, "phone"), "+91 98");
    cJSON_Delete(j);

    r = req(&env, "POST", "/api/user/addresses", auth, "{\"name\":\"Eve\",\"city\":\"Pune\"}");
    cr_expect_eq(r.status, 422, "address, state, zip and country are required");
    http_free(&r);
    r = req(&env, "POST", "/api/user/addresses", auth, "{\"name\":1}");
    cr_expect_eq(r.status, 422);
    http_free(&r);
    r = req(&env, "PATCH", "/api/user/addresses/abc/default", auth, NULL);
    cr_expect_eq(r.status, 404);
    http_free(&r);
}

Test(api_user, test_email_goes_to_the_admin)
{
    char admin[700];
    cr_assert_eq(login(&env, ADMIN_EMAIL, ADMIN_PASSWORD, admin, sizeof admin), 200);
    http_res r = req(&env, "POST", "/api/admin/test-email", admin, NULL);
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    cr_expect_eq(mail_count(&env, ADMIN_EMAIL), 1);
}

/* ---- SMTP delivery against a scripted local SMTP server ---- */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

typedef struct fake_smtp {
    int fd;            /* listening socket */
    int port;          /* its port */
    bool starttls;     /* advertise STARTTLS (answered with an error: no TLS here) */
    char script[8192]; /* everything the client sent */
    size_t n;          /* bytes of script */
} fake_smtp;

static void say(int c, const char *s)
{
    if (write(c, s, strlen(s)) < 0) return;
}

/* One session: greets, answers each command, collects the DATA block, ends at QUIT or EOF. */
static void *smtp_serve(void *arg)
{
    fake_smtp *f = arg;
    int c = accept(f->fd, NULL, NULL);
    if (c < 0) return NULL;
    say(c, "220 fake ESMTP\r\n");
    bool data = false, auth = false;
    char line[1024];
    size_t ln = 0;
    char ch;
    while (read(c, &ch, 1) == 1) {
        if (f->n + 1 < sizeof f->script) f->script[f->n++] = ch;
        if (ln + 1 < sizeof line) line[ln++] = ch;
        if (ch != '\n') continue;
        line[ln] = 0;
        ln = 0;
        if (auth) {
            auth = false;
            say(c, "235 ok\r\n");
        } else if (data) {
            if (!strcmp(line, ".\r\n")) data = false, say(c, "250 queued\r\n");
        } else if (!strncasecmp(line, "EHLO", 4)) {
            say(c, f->starttls ? "250-fake\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n"
                               : "250-fake\r\n250 AUTH PLAIN LOGIN\r\n");
        } else if (!strncasecmp(line, "STARTTLS", 8)) {
            say(c, "454 TLS not available\r\n");
        } else if (!strcasecmp(line, "AUTH PLAIN\r\n")) {
            auth = true; /* credentials follow on the next line */
            say(c, "334 \r\n");
        } else if (!strncasecmp(line, "AUTH", 4)) {
            say(c, "235 ok\r\n");
        } else if (!strncasecmp(line, "DATA", 4)) {
            data = true;
            say(c, "354 go on\r\n");
        } else if (!strncasecmp(line, "QUIT", 4)) {
            say(c, "221 bye\r\n");
            break;
        } else {
            say(c, "250 ok\r\n");
        }
    }
    close(c);
    return NULL;
}

static void fake_start(fake_smtp *f, pthread_t *th)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    f->fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(f->fd >= 0 && !bind(f->fd, (struct sockaddr *)&a, sizeof a) && !listen(f->fd, 4));
    getsockname(f->fd, (struct sockaddr *)&a, &len);
    f->port = ntohs(a.sin_port);
    pthread_create(th, NULL, smtp_serve, f);
}

static void smtp_env(fake_smtp *f, const char *security)
{
    char port[16];
    snprintf(port, sizeof port, "%d", f->port);
    const char *s[] = {"site.email_driver",
                       "smtp",
                       "email.smtp_host",
                       "127.0.0.1",
                       "email.smtp_port",
                       port,
                       "email.smtp_user",
                       "mailer",
                       "email.smtp_password",
                       "p4ss",
                       "email.from",
                       "shop@example.com",
                       "email.smtp_security",
                       security,
                       NULL};
    acct_start(&env, s);
}

Test(api_mail, smtp_delivery_logs_in_and_sends_the_message, .timeout = 60)
{
    static fake_smtp f;
    pthread_t th;
    fake_start(&f, &th);
    smtp_env(&f, "none");
    char admin[700];
    jwt_for(env.dir, env.ids.admin, NULL, admin, sizeof admin);
    http_res r = req(&env, "POST", "/api/admin/test-email", admin, NULL);
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    pthread_join(th, NULL);
    close(f.fd);
    f.script[f.n] = 0;
    cr_expect(strstr(f.script, "MAIL FROM:<shop@example.com>"), "%s", f.script);
    cr_expect(strstr(f.script, "RCPT TO:<" ADMIN_EMAIL ">"));
    /* AUTH PLAIN of "\0mailer\0p4ss". */
    cr_expect(strstr(f.script, "AUTH PLAIN") && strstr(f.script, "AG1haWxlcgBwNHNz"),
              "login with user and password");
    cr_expect(strstr(f.script, "Subject: PrintForge test email\r\n"));
    cr_expect(strstr(f.script, "To: " ADMIN_EMAIL "\r\n"));
    cr_expect(strstr(f.script, "your email settings work.\r\n"));
    cr_expect_eq(mail_count(&env, ADMIN_EMAIL), 0, "nothing on the console when SMTP is on");
    cr_expect_eq(acct_stop(&env), 0);
}

Test(api_mail, starttls_is_required_unless_turned_off, .timeout = 60)
{
    static fake_smtp f = {.starttls = true};
    pthread_t th;
    fake_start(&f, &th);
    smtp_env(&f, "starttls");
    char admin[700];
    jwt_for(env.dir, env.ids.admin, NULL, admin, sizeof admin);
    http_res r = req(&env, "POST", "/api/admin/test-email", admin, NULL);
    cr_expect_eq(r.status, 502, "%s", r.body);
    cr_expect(strstr(r.body, "email delivery failed"));
    http_free(&r);
    pthread_join(th, NULL);
    close(f.fd);
    f.script[f.n] = 0;
    cr_expect(strstr(f.script, "STARTTLS"), "%s", f.script);
    cr_expect_null(strstr(f.script, "AUTH"), "no credentials without TLS");
    cr_expect_null(strstr(f.script, "MAIL FROM"), "no message without TLS");
    cr_expect_eq(acct_stop(&env), 0);
}
