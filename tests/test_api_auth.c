/* End-to-end tests of /api/auth: registration with email verification, login, me, password reset, token
 * versions, 2FA enrolment and login, malformed bodies and the auth rate limiter, against the real binary. */
#include <criterion/criterion.h>

#include "account_test_util.h"

static acct_env env;

static void start_verify_required(void)
{
    const char *s[] = {"site.email_verification", "true", NULL};
    acct_start(&env, s);
}

static void start_default(void)
{
    acct_start(&env, NULL);
}

static void stop(void)
{
    cr_expect_eq(acct_stop(&env), 0, "server exits 0");
}

static void expect_error(const http_res *r, long status, const char *needle)
{
    cr_expect_eq(r->status, status, "status %ld, want %ld (%s)", r->status, status, r->body);
    cJSON *j = body_json(r);
    const char *e = jstr(j, "error");
    cr_expect(e && cJSON_GetArraySize(j) == 1, "{\"error\": ...} body: %s", r->body);
    if (needle && e) cr_expect(strstr(e, needle), "'%s' in '%s'", needle, e);
    cJSON_Delete(j);
}

static void expect_status(acct_env *e, const char *method, const char *path, const char *auth,
                          const char *body, long want)
{
    http_res r = req(e, method, path, auth, body);
    cr_expect_eq(r.status, want, "%s %s: %ld, want %ld (%s)", method, path, r.status, want, r.body);
    http_free(&r);
}

TestSuite(api_auth, .init = start_default, .fini = stop, .timeout = 60);
TestSuite(api_auth_verify, .init = start_verify_required, .fini = stop, .timeout = 60);

Test(api_auth_verify, register_verify_login_me)
{
    http_res r = req(&env, "POST", "/api/auth/register", NULL,
                     "{\"username\":\"Asha\",\"email\":\"Asha@Example.com\",\"password\":\"s3cret-pass\"}");
    cr_assert_eq(r.status, 201, "%s", r.body);
    cJSON *j = body_json(&r);
    const cJSON *u = cJSON_GetObjectItem(j, "user");
    cr_expect_str_eq(jstr(u, "email"), "asha@example.com", "email stored lower-case");
    cr_expect_str_eq(jstr(u, "role"), "user");
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(u, "email_verified")));
    cr_expect_null(jstr(j, "token"), "no session before verification when it is required");
    cJSON_Delete(j);
    http_free(&r);

    char auth[700];
    cr_expect_eq(login(&env, "asha@example.com", "s3cret-pass", auth, sizeof auth), 403,
                 "unverified: refused");
    cr_expect_eq(mail_count(&env, "asha@example.com"), 1, "one verification email");
    char tok[128], path[256];
    cr_assert(mail_token(&env, "asha@example.com", "/api/auth/verify-email/", tok, sizeof tok));
    snprintf(path, sizeof path, "/api/auth/verify-email/%s", tok);
    r = req(&env, "GET", path, NULL, NULL);
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    r = req(&env, "GET", path, NULL, NULL);
    expect_error(&r, 400, "invalid or expired");
    http_free(&r);

    cr_assert_eq(login(&env, "ASHA@example.com", "s3cret-pass", auth, sizeof auth), 200,
                 "email case ignored");
    r = req(&env, "GET", "/api/auth/me", auth, NULL);
    cr_expect_eq(r.status, 200);
    j = body_json(&r);
    cr_expect_str_eq(jstr(j, "email"), "asha@example.com");
    cr_expect_str_eq(jstr(j, "username"), "Asha");
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "email_verified")));
    cr_expect_null(cJSON_GetObjectItem(j, "pass_hash"), "no secrets in the profile");
    cJSON_Delete(j);
    http_free(&r);
}

Test(api_auth_verify, duplicate_registration_and_tampered_links_are_refused)
{
    http_res r = req(&env, "POST", "/api/auth/register", NULL,
                     "{\"username\":\"b\",\"email\":\"b@example.com\",\"password\":\"password1\"}");
    cr_assert_eq(r.status, 201);
    http_free(&r);
    r = req(&env, "POST", "/api/auth/register", NULL,
            "{\"username\":\"b2\",\"email\":\"B@example.com\",\"password\":\"password1\"}");
    expect_error(&r, 409, "already registered");
    http_free(&r);
    char tok[128], path[256], auth[700];
    cr_assert(mail_token(&env, "b@example.com", "/api/auth/verify-email/", tok, sizeof tok));
    snprintf(path, sizeof path, "/api/auth/verify-email/%s", tok);
    path[strlen(path) - 1] = path[strlen(path) - 1] == 'A' ? 'B' : 'A'; /* one character off */
    expect_status(&env, "GET", path, NULL, NULL, 400);
    expect_status(&env, "GET", "/api/auth/verify-email/v1.short", NULL, NULL, 400);
    snprintf(path, sizeof path, "/api/auth/verify-email/%s", tok);
    expect_status(&env, "GET", path, NULL, NULL, 200);
    /* A verified account has nothing to resend. */
    cr_assert_eq(login(&env, ADMIN_EMAIL, ADMIN_PASSWORD, auth, sizeof auth), 200);
    r = req(&env, "POST", "/api/auth/resend-verify", auth, NULL);
    expect_error(&r, 409, "already verified");
    http_free(&r);
}

Test(api_auth, register_returns_a_session_when_verification_is_optional)
{
    http_res r = req(&env, "POST", "/api/auth/register", NULL,
                     "{\"username\":\"c\",\"email\":\"c@example.com\",\"password\":\"password1\"}");
    cr_assert_eq(r.status, 201, "%s", r.body);
    char auth[700];
    cr_assert(bearer_from(&r, "token", auth, sizeof auth));
    http_free(&r);
    r = req(&env, "GET", "/api/auth/me", auth, NULL);
    cr_expect_eq(r.status, 200);
    http_free(&r);
    /* Unverified users may ask for another link; it replaces the first. */
    char first[128], second[128], path[256];
    cr_assert(mail_token(&env, "c@example.com", "/api/auth/verify-email/", first, sizeof first));
    expect_status(&env, "POST", "/api/auth/resend-verify", auth, NULL, 200);
    cr_assert(mail_token(&env, "c@example.com", "/api/auth/verify-email/", second, sizeof second));
    cr_expect_str_neq(first, second);
    snprintf(path, sizeof path, "/api/auth/verify-email/%s", first);
    expect_status(&env, "GET", path, NULL, NULL, 400);
    snprintf(path, sizeof path, "/api/auth/verify-email/%s", second);
    expect_status(&env, "GET", path, NULL, NULL, 200);
}

Test(api_auth, wrong_password_and_unknown_email_look_the_same)
{
    http_res a = req(&env, "POST", "/api/auth/login", NULL,
                     "{\"email\":\"" ADMIN_EMAIL "\",\"password\":\"wrong password\"}");
    http_res b = req(&env, "POST", "/api/auth/login", NULL,
                     "{\"email\":\"nobody@example.com\",\"password\":\"whatever1\"}");
    expect_error(&a, 401, "invalid email or password");
    expect_error(&b, 401, "invalid email or password");
    cr_expect_str_eq(a.body, b.body, "no hint which part was wrong");
    http_free(&a);
    http_free(&b);
}

Test(api_auth, register_validates_fields)
{
    static const struct {
        const char *body;
        long status;
        const char *needle;
    } cases[] = {
        {"{\"username\":\"x\",\"email\":\"not-an-email\",\"password\":\"password1\"}", 422, "email"},
        {"{\"username\":\"x\",\"email\":\"x@example.com\",\"password\":\"short\"}", 422, "password"},
        {"{\"username\":\"\",\"email\":\"x@example.com\",\"password\":\"password1\"}", 422, "username"},
        {"{\"username\":\"x\",\"email\":42,\"password\":\"password1\"}", 422, "email: must be a string"},
        {"{\"username\":\"x\",\"password\":\"password1\"}", 422, "email: required"},
        {"{\"username\":\"x\",", 400, "malformed JSON"},
        {"[1,2]", 400, "object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_res r = req(&env, "POST", "/api/auth/register", NULL, cases[i].body);
        expect_error(&r, cases[i].status, cases[i].needle);
        http_free(&r);
    }
    /* Over the 1 MiB JSON limit. */
    size_t n = (1u << 20) + 100;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    big[0] = '{', big[n - 1] = '}', big[n] = 0;
    http_res r = req(&env, "POST", "/api/auth/login", NULL, big);
    expect_error(&r, 413, NULL);
    http_free(&r);
    free(big);
    const char *h[] = {"Content-Type: text/plain", NULL};
    r = http(&env.srv, "POST", "/api/auth/login", h, "{}", 2);
    expect_error(&r, 415, NULL);
    http_free(&r);
}

static void expire_reset(pf_user *u)
{
    u->reset_expires = (int64_t)time(NULL) - 1;
}

Test(api_auth, password_reset_is_single_use_expires_and_ends_sessions)
{
    char old_session[700], tok[128], body[512];
    cr_assert_eq(login(&env, ADMIN_EMAIL, ADMIN_PASSWORD, old_session, sizeof old_session), 200);
    /* Unknown addresses get the same answer and no email. */
    http_res r = req(&env, "POST", "/api/auth/forgot-password", NULL, "{\"email\":\"ghost@example.com\"}");
    cr_expect_eq(r.status, 200);
    http_free(&r);
    cr_expect_eq(mail_count(&env, "ghost@example.com"), 0);

    expect_status(&env, "POST", "/api/auth/forgot-password", NULL, "{\"email\":\"" ADMIN_EMAIL "\"}", 200);
    cr_assert(mail_token(&env, ADMIN_EMAIL, "token=", tok, sizeof tok));
    snprintf(body, sizeof body, "{\"token\":\"%s\",\"new_password\":\"brand new pass\"}", tok);
    expect_status(&env, "POST", "/api/auth/reset-password", NULL, body, 200);
    r = req(&env, "POST", "/api/auth/reset-password", NULL, body);
    expect_error(&r, 400, "invalid or expired");
    http_free(&r);
    char auth[700];
    cr_expect_eq(login(&env, ADMIN_EMAIL, ADMIN_PASSWORD, auth, sizeof auth), 401, "old password gone");
    cr_expect_eq(login(&env, ADMIN_EMAIL, "brand new pass", auth, sizeof auth), 200);
    expect_status(&env, "GET", "/api/auth/me", old_session, NULL, 401);
    expect_status(&env, "GET", "/api/auth/me", auth, NULL, 200);

    /* An expired token is refused even though it was never used. */
    expect_status(&env, "POST", "/api/auth/forgot-password", NULL, "{\"email\":\"" ADMIN_EMAIL "\"}", 200);
    cr_assert(mail_token(&env, ADMIN_EMAIL, "token=", tok, sizeof tok));
    edit_user(&env, env.ids.admin, expire_reset);
    snprintf(body, sizeof body, "{\"token\":\"%s\",\"new_password\":\"another pass\"}", tok);
    r = req(&env, "POST", "/api/auth/reset-password", NULL, body);
    expect_error(&r, 400, "invalid or expired");
    http_free(&r);
    cr_expect_eq(login(&env, ADMIN_EMAIL, "brand new pass", auth, sizeof auth), 200);
}

Test(api_auth, password_change_ends_older_sessions)
{
    char a[700], b[700], fresh[700];
    cr_assert_eq(login(&env, ADMIN_EMAIL, ADMIN_PASSWORD, a, sizeof a), 200);
    cr_assert_eq(login(&env, ADMIN_EMAIL, ADMIN_PASSWORD, b, sizeof b), 200);
    http_res r = req(&env, "POST", "/api/user/change-password", a,
                     "{\"current_password\":\"wrong one\",\"new_password\":\"changed pass 1\"}");
    expect_error(&r, 422, "current_password");
    http_free(&r);
    r = req(&env, "POST", "/api/user/change-password", a,
            "{\"current_password\":\"" ADMIN_PASSWORD "\",\"new_password\":\"changed pass 1\"}");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(bearer_from(&r, "token", fresh, sizeof fresh));
    http_free(&r);
    r = req(&env, "GET", "/api/auth/me", a, NULL);
    expect_error(&r, 401, "log in again");
    http_free(&r);
    expect_status(&env, "GET", "/api/auth/me", b, NULL, 401);
    expect_status(&env, "GET", "/api/auth/me", fresh, NULL, 200);
}

/* Enrols the admin in 2FA and returns the secret (malloc'd); the enable code is the one of the previous
 * step, so the next two steps stay free for the test. */
static char *enrol(const char *auth)
{
    http_res r = req(&env, "GET", "/api/auth/setup-2fa", auth, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cJSON *j = body_json(&r);
    char *secret = strdup(jstr(j, "secret"));
    const char *uri = jstr(j, "otpauth_url"), *svg = jstr(j, "qr_svg"), *png = jstr(j, "qr_code");
    cr_expect_eq(strlen(secret), 32, "160-bit secret in base32");
    cr_expect(uri && !strncmp(uri, "otpauth://totp/PrintForge%20Studio:root%40example.com?secret=", 61), "%s",
              uri);
    cr_expect(uri && strstr(uri, secret) && strstr(uri, "&digits=6&period=30"));
    cr_expect(svg && !strncmp(svg, "<svg", 4) && strstr(svg, "<path"), "QR as SVG");
    cr_expect(png && !strncmp(png, "data:image/svg+xml;base64,", 26), "QR as a data URI");
    cJSON_Delete(j);
    http_free(&r);
    char code[7], body[256];
    totp_at(secret, time(NULL) - 30, code);
    snprintf(body, sizeof body, "{\"secret\":\"%s\",\"code\":\"%06d\"}", secret, (atoi(code) + 1) % 1000000);
    r = req(&env, "POST", "/api/auth/enable-2fa", auth, body);
    expect_error(&r, 422, "code");
    http_free(&r);
    snprintf(body, sizeof body, "{\"secret\":\"%s\",\"code\":\"%s\"}", secret, code);
    r = req(&env, "POST", "/api/auth/enable-2fa", auth, body);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    return secret;
}

Test(api_auth, totp_enrolment_and_two_step_login)
{
    char auth[700], interim[700], code[7], body[1024];
    totp_settle();
    cr_assert_eq(login(&env, ADMIN_EMAIL, ADMIN_PASSWORD, auth, sizeof auth), 200);
    char *secret = enrol(auth);
    http_res r = req(&env, "GET", "/api/user/2fa-status", auth, NULL);
    cr_expect_str_eq(r.body, "{\"enabled\":true}");
    http_free(&r);

    /* Password alone now yields an interim token, which is not a session. */
    r = req(&env, "POST", "/api/auth/login", NULL,
            "{\"email\":\"" ADMIN_EMAIL "\",\"password\":\"" ADMIN_PASSWORD "\"}");
    cr_assert_eq(r.status, 200);
    cJSON *j = body_json(&r);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "requires_2fa")));
    cr_expect_null(jstr(j, "token"));
    const char *it = jstr(j, "interim_token");
    cr_assert(it);
    snprintf(interim, sizeof interim, "Authorization: Bearer %s", it);
    expect_status(&env, "GET", "/api/auth/me", interim, NULL, 401);

    totp_at(secret, time(NULL), code);
    snprintf(body, sizeof body, "{\"interim_token\":\"%s\",\"code\":\"%06d\"}", it,
             (atoi(code) + 7) % 1000000);
    http_res bad = req(&env, "POST", "/api/auth/login-2fa", NULL, body);
    expect_error(&bad, 401, "invalid code");
    http_free(&bad);
    snprintf(body, sizeof body, "{\"interim_token\":\"%s\",\"code\":\"%s\"}", it, code);
    http_res ok = req(&env, "POST", "/api/auth/login-2fa", NULL, body);
    cr_assert_eq(ok.status, 200, "%s", ok.body);
    char session[700];
    cr_assert(bearer_from(&ok, "token", session, sizeof session));
    http_free(&ok);
    expect_status(&env, "GET", "/api/auth/me", session, NULL, 200);
    /* The same code never works twice. */
    ok = req(&env, "POST", "/api/auth/login-2fa", NULL, body);
    expect_error(&ok, 401, "already used");
    http_free(&ok);
    /* A session token is not an interim token. */
    snprintf(body, sizeof body, "{\"interim_token\":\"%s\",\"code\":\"%s\"}", session + 22, code);
    expect_status(&env, "POST", "/api/auth/login-2fa", NULL, body, 401);
    cJSON_Delete(j);
    http_free(&r);

    /* Disable needs a current, unused code. */
    expect_status(&env, "DELETE", "/api/auth/disable-2fa", session, "{\"code\":\"000000x\"}", 422);
    totp_at(secret, time(NULL) + 30, code);
    snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
    expect_status(&env, "DELETE", "/api/auth/disable-2fa", session, body, 200);
    r = req(&env, "GET", "/api/user/2fa-status", session, NULL);
    cr_expect_str_eq(r.body, "{\"enabled\":false}");
    http_free(&r);
    cr_expect_eq(login(&env, ADMIN_EMAIL, ADMIN_PASSWORD, auth, sizeof auth), 200, "one-step login again");
    free(secret);
}

Test(api_auth, twofa_site_modes)
{
    char auth[700];
    cr_assert_eq(login(&env, ADMIN_EMAIL, ADMIN_PASSWORD, auth, sizeof auth), 200);
    pf_store_options o = fast_options(env.dir);
    o.console = fopen("/dev/null", "w");
    pf_store *st = NULL;
    pf_errbuf eb;
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK);
    cr_assert_eq(pf_store_setting_set(st, NULL, "site.twofa_mode", "off", 0, &eb), PF_E_OK);
    pf_store_close(st);
    usleep(1200 * 1000); /* the settings TTL */
    http_res r = req(&env, "GET", "/api/auth/setup-2fa", auth, NULL);
    expect_error(&r, 409, "turned off");
    http_free(&r);
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK);
    cr_assert_eq(pf_store_setting_set(st, NULL, "site.twofa_mode", "required", 0, &eb), PF_E_OK);
    pf_store_close(st);
    fclose(o.console);
    usleep(1200 * 1000);
    r = req(&env, "POST", "/api/auth/login", NULL,
            "{\"email\":\"" ADMIN_EMAIL "\",\"password\":\"" ADMIN_PASSWORD "\"}");
    cJSON *j = body_json(&r);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "twofa_setup_required")), "%s", r.body);
    cJSON_Delete(j);
    http_free(&r);
    /* Until 2FA is set up the session reaches only what setting it up needs. */
    r = req(&env, "GET", "/api/admin/tokens", auth, NULL);
    expect_error(&r, 403, "two-factor");
    http_free(&r);
    r = req(&env, "GET", "/api/user/addresses", auth, NULL);
    expect_error(&r, 403, "two-factor");
    http_free(&r);
    r = req(&env, "GET", "/api/auth/me", auth, NULL);
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    r = req(&env, "GET", "/api/user/2fa-status", auth, NULL);
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    r = req(&env, "GET", "/api/auth/setup-2fa", auth, NULL);
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    r = req(&env, "GET", "/api/health", auth, NULL);
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_free(&r);
}

static void start_default_limits(void)
{
    const char *s[] = {"ratelimit.auth_max", "15", NULL};
    acct_start(&env, s);
}

TestSuite(api_auth_limit, .init = start_default_limits, .fini = stop, .timeout = 60);

Test(api_auth_limit, auth_limiter_is_never_bypassed)
{
    char admin[700];
    jwt_for(env.dir, env.ids.admin, NULL, admin, sizeof admin);
    /* Admin bypasses the general limiter by default, never the auth one. */
    for (int i = 0; i < 15; i++) {
        http_res r = req(&env, "POST", "/api/auth/login", admin, "{\"email\":\"a@b.co\",\"password\":\"x\"}");
        cr_expect_eq(r.status, 401, "request %d: %ld", i, r.status);
        http_free(&r);
    }
    http_res r = req(&env, "POST", "/api/auth/login", admin, "{\"email\":\"a@b.co\",\"password\":\"x\"}");
    expect_error(&r, 429, NULL);
    char v[64];
    cr_expect(header(&r, "Retry-After", v, sizeof v) && atoi(v) > 0);
    http_free(&r);
    r = req(&env, "POST", "/api/auth/forgot-password", NULL, "{\"email\":\"a@b.co\"}");
    cr_expect_eq(r.status, 429, "one limiter for all auth endpoints");
    http_free(&r);
    r = req(&env, "GET", "/api/auth/me", admin, NULL);
    cr_expect_eq(r.status, 200, "me is not an auth-limited endpoint");
    http_free(&r);
}

/* ---- pure parts: TOTP against RFC 6238's vectors, one-time tokens, email rules ---- */

#include "api/account.h"
#include "api/totp.h"

/* RFC 6238 appendix B, SHA-1 key "12345678901234567890" (base32 below); the 6-digit codes are the last six
 * digits of the RFC's 8-digit values. */
static const char rfc_secret[] = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

Test(totp, codes_match_rfc_6238_vectors)
{
    static const struct {
        int64_t t;
        const char *code;
    } v[] = {{59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
             {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}};
    pf_errbuf eb;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char code[7];
        cr_assert_eq(pf_totp_code(rfc_secret, v[i].t, code, &eb), PF_E_OK);
        cr_expect_str_eq(code, v[i].code, "t=%lld", (long long)v[i].t);
    }
}

Test(totp, check_accepts_one_step_of_drift_and_never_a_code_twice)
{
    pf_errbuf eb;
    int64_t now = 1111111109, step = 0; /* step 37037036 */
    cr_expect_eq(pf_totp_check(rfc_secret, "081804", now, 0, &step, &eb), PF_E_OK);
    cr_expect_eq(step, now / 30);
    cr_expect_eq(pf_totp_check(rfc_secret, "081804", now + 30, 0, &step, &eb), PF_E_OK, "one step late");
    cr_expect_eq(step, now / 30);
    cr_expect_eq(pf_totp_check(rfc_secret, "081804", now - 30, 0, &step, &eb), PF_E_OK, "one step early");
    cr_expect_eq(pf_totp_check(rfc_secret, "081804", now + 60, 0, &step, &eb), PF_E_UNAUTHORIZED, "two late");
    cr_expect_eq(pf_totp_check(rfc_secret, "081804", now - 60, 0, &step, &eb), PF_E_UNAUTHORIZED,
                 "two early");
    cr_expect_eq(pf_totp_check(rfc_secret, "081804", now, now / 30, &step, &eb), PF_E_UNAUTHORIZED);
    cr_expect_str_eq(eb.msg, "code already used");
    cr_expect_eq(pf_totp_check(rfc_secret, "81804", now, 0, &step, &eb), PF_E_UNAUTHORIZED, "6 digits");
    cr_expect_eq(pf_totp_check(rfc_secret, "08180a", now, 0, &step, &eb), PF_E_UNAUTHORIZED);
    cr_expect_eq(pf_totp_check("not base32!", "081804", now, 0, &step, &eb), PF_E_INVAL);
    /* Lower case and spaces, as apps display secrets, are accepted. */
    cr_expect_eq(pf_totp_check("gezd gnbv gy3t qojq gezd gnbv gy3t qojq", "081804", now, 0, &step, &eb),
                 PF_E_OK);
}

Test(totp, fresh_secrets_uris_and_qr)
{
    pf_errbuf eb;
    char *a = NULL, *b = NULL, *uri = NULL, *svg = NULL;
    cr_assert_eq(pf_totp_secret_new(&a, &eb), PF_E_OK);
    cr_assert_eq(pf_totp_secret_new(&b, &eb), PF_E_OK);
    cr_expect_eq(strlen(a), 32);
    cr_expect_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 32);
    cr_expect_str_neq(a, b);
    cr_assert_eq(pf_totp_uri("Shop & Co", "a+b@example.com", a, &uri, &eb), PF_E_OK);
    char want[256];
    snprintf(want, sizeof want,
             "otpauth://totp/Shop%%20%%26%%20Co:a%%2Bb%%40example.com?secret=%s&issuer=Shop%%20%%26%%20Co"
             "&algorithm=SHA1&digits=6&period=30",
             a);
    cr_expect_str_eq(uri, want);
    int modules = 0;
    cr_assert_eq(pf_totp_qr_svg(uri, &svg, &modules, &eb), PF_E_OK);
    cr_expect(modules >= 21 && (modules - 17) % 4 == 0, "a QR version's width: %d", modules);
    snprintf(want, sizeof want, "viewBox=\"0 0 %d %d\"", modules + 8, modules + 8);
    cr_expect(strstr(svg, want), "quiet zone of 4 modules each side");
    free(a), free(b), free(uri), free(svg);
}

Test(account, one_time_tokens_parse_and_compare)
{
    char tok[PF_OTT_MAX], kind;
    pf_sha256 h, parsed, zero = {{0}};
    uint64_t uid;
    pf_account_ott_new(PF_OTT_RESET, 42, tok, &h);
    cr_expect(!strncmp(tok, "r42.", 4) && strlen(tok) == 4 + 43, "%s", tok);
    cr_assert(pf_account_ott_parse(tok, &kind, &uid, &parsed));
    cr_expect_eq(kind, 'r');
    cr_expect_eq(uid, 42);
    cr_expect(pf_account_ott_valid(&h, 100, &parsed, 99));
    cr_expect(!pf_account_ott_valid(&h, 100, &parsed, 100), "expired at its expiry time");
    cr_expect(!pf_account_ott_valid(&zero, 100, &zero, 0), "no token stored: nothing matches");
    tok[10] = tok[10] == 'A' ? 'B' : 'A';
    cr_assert(pf_account_ott_parse(tok, &kind, &uid, &parsed));
    cr_expect(!pf_account_ott_valid(&h, 100, &parsed, 99), "one character off");
    static const char *const bad[] = {"",
                                      "r",
                                      "x42.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                      "r0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                      "r42.AAAA",
                                      "r42.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                                      "r42AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect(!pf_account_ott_parse(bad[i], &kind, &uid, &parsed), "'%s'", bad[i]);
}

Test(account, email_rules)
{
    char out[256];
    cr_expect(pf_account_email_normalize("Asha.K+shop@Example.CO.in", out, sizeof out));
    cr_expect_str_eq(out, "asha.k+shop@example.co.in");
    static const char *const bad[] = {"",
                                      "plain",
                                      "@example.com",
                                      "a@",
                                      "a@b",
                                      "a@b.",
                                      "a b@example.com",
                                      "a@@example.com",
                                      "a@example.com\r\nBcc: x@y.z",
                                      "<a@example.com>"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect(!pf_account_email_normalize(bad[i], out, sizeof out), "'%s'", bad[i]);
}

Test(account, role_change_bumps_the_token_version)
{
    pf_errbuf eb;
    pf_user u = {.role = strdup("user"), .token_version = 3};
    cr_expect_eq(pf_account_role_set(&u, "user", &eb), PF_E_OK);
    cr_expect_eq(u.token_version, 3, "same role: sessions stay");
    cr_expect_eq(pf_account_role_set(&u, "moderator", &eb), PF_E_OK);
    cr_expect_str_eq(u.role, "moderator");
    cr_expect_eq(u.token_version, 4);
    cr_expect_eq(pf_account_role_set(&u, "root", &eb), PF_E_INVALID_FIELD);
    cr_expect_str_eq(u.role, "moderator");
    cr_expect_eq(u.token_version, 4);
    pf_user_clear(&u);
}
