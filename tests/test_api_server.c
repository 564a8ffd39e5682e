/* End-to-end tests of printforge serve: the real binary on a loopback port, spoken to over HTTP. */
#include <criterion/criterion.h>

#include "http_client.h"

static char dir[256];
static test_server srv;
static seeded ids;

static void start(const char *const *settings)
{
    scratch_dir(dir, sizeof dir);
    ids = seed_dir(dir, settings);
    srv = server_start(dir);
}

static void stop(void)
{
    cr_expect_eq(server_stop(&srv), 0, "server exits 0 on SIGTERM");
    rm_rf(dir);
}

static void start_default(void)
{
    start(NULL);
}

static void expect_error_body(const http_res *r, long status, const char *needle)
{
    cr_expect_eq(r->status, status, "status %ld, want %ld (body %s)", r->status, status, r->body);
    cJSON *j = cJSON_Parse(r->body);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
    cr_expect(cJSON_IsString(e) && cJSON_GetArraySize(j) == 1, "error body is {\"error\": ...}: %s", r->body);
    if (needle && cJSON_IsString(e))
        cr_expect(strstr(e->valuestring, needle), "'%s' in '%s'", needle, e->valuestring);
    char ct[128];
    cr_expect(header(r, "Content-Type", ct, sizeof ct) && !strncmp(ct, "application/json", 16));
    cJSON_Delete(j);
}

TestSuite(api_server, .init = start_default, .fini = stop, .timeout = 60);

Test(api_server, health_answers_ok_with_security_headers)
{
    http_res r = http_get(&srv, "/api/health", NULL);
    char v[512];
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(r.body, "{\"status\":\"ok\"}");
    cr_expect(header(&r, "Content-Type", v, sizeof v) && !strcmp(v, "application/json; charset=utf-8"));
    cr_expect(header(&r, "X-Content-Type-Options", v, sizeof v) && !strcmp(v, "nosniff"));
    cr_expect(header(&r, "X-Frame-Options", v, sizeof v) && !strcmp(v, "DENY"));
    cr_expect(header(&r, "Content-Security-Policy", v, sizeof v) &&
                  !strcmp(v, "default-src 'none'; frame-ancestors 'none'"),
              "a JSON answer may load and be framed by nothing: %s", v);
    cr_expect(!header(&r, "Referrer-Policy", v, sizeof v), "document-only headers stay off API answers");
    cr_expect(!header(&r, "Permissions-Policy", v, sizeof v));
    cr_expect(!header(&r, "Strict-Transport-Security", v, sizeof v), "no HSTS unless site.hsts is on");
    cr_expect(header(&r, "X-RateLimit-Limit", v, sizeof v) && !strcmp(v, "100"), "seeded general limit");
    cr_expect(header(&r, "X-RateLimit-Remaining", v, sizeof v) && !strcmp(v, "99"));
    cr_expect(header(&r, "X-RateLimit-Reset", v, sizeof v) && atoll(v) > time(NULL) + 14 * 60);
    http_free(&r);
    r = http(&srv, "HEAD", "/api/health", NULL, NULL, 0);
    cr_expect_eq(r.status, 200);
    cr_expect_eq(r.len, 0);
    http_free(&r);
}

Test(api_server, site_info_and_about_info_come_from_settings)
{
    http_res r = http_get(&srv, "/api/public/site-info", NULL);
    cr_assert_eq(r.status, 200);
    cJSON *j = cJSON_Parse(r.body);
    cr_expect_str_eq(cJSON_GetObjectItem(j, "name")->valuestring, "PrintForge Studio");
    cr_expect_str_eq(cJSON_GetObjectItem(j, "currency")->valuestring, "INR");
    cr_expect_eq(cJSON_GetObjectItem(j, "max_file_size_mb")->valuedouble, 50);
    const cJSON *f = cJSON_GetObjectItem(j, "upload_formats");
    cr_assert_eq(cJSON_GetArraySize(f), 3);
    cr_expect_str_eq(cJSON_GetArrayItem(f, 2)->valuestring, "3mf");
    cr_expect_null(cJSON_GetObjectItem(j, "cost.margin_pct"), "cost internals are not published");
    cJSON_Delete(j);
    http_free(&r);
    r = http_get(&srv, "/api/public/about-info", NULL);
    cr_assert_eq(r.status, 200);
    j = cJSON_Parse(r.body);
    cr_expect_str_eq(cJSON_GetObjectItem(j, "mission_title")->valuestring, "Our Mission");
    cJSON_Delete(j);
    http_free(&r);
}

Test(api_server, robots_points_at_the_sitemap)
{
    http_res r = http_get(&srv, "/robots.txt", NULL);
    char want[128], v[128];
    snprintf(want, sizeof want, "Sitemap: http://127.0.0.1:%d/sitemap.xml\n", srv.port);
    cr_expect_eq(r.status, 200);
    cr_expect(header(&r, "Content-Type", v, sizeof v) && !strncmp(v, "text/plain", 10));
    cr_expect(strstr(r.body, "User-agent: *\n") && strstr(r.body, "Disallow: /api/\n") &&
                  strstr(r.body, want),
              "%s", r.body);
    cr_expect(!header(&r, "X-RateLimit-Limit", v, sizeof v), "robots.txt is not an API route");
    http_free(&r);
}

Test(api_server, unknown_paths_and_methods_answer_json_errors)
{
    http_res r = http_get(&srv, "/api/nope", NULL);
    expect_error_body(&r, 404, "no such endpoint");
    http_free(&r);
    r = http_get(&srv, "/api/health/extra", NULL);
    expect_error_body(&r, 404, NULL);
    http_free(&r);
    r = http(&srv, "DELETE", "/api/health", NULL, NULL, 0);
    expect_error_body(&r, 405, "method not allowed");
    char v[128];
    cr_expect(header(&r, "Allow", v, sizeof v) && !strcmp(v, "GET, HEAD, OPTIONS"), "Allow: %s", v);
    http_free(&r);
    r = http(&srv, "POST", "/api/admin/rate-limiter", NULL, "{}", 2);
    expect_error_body(&r, 405, NULL);
    cr_expect(header(&r, "Allow", v, sizeof v) && !strcmp(v, "GET, PUT, HEAD, OPTIONS"), "Allow: %s", v);
    http_free(&r);
    r = http(&srv, "BREW", "/api/health", NULL, NULL, 0);
    expect_error_body(&r, 405, NULL);
    http_free(&r);
}

/* The rate-limiter PUT takes JSON and is open to an admin session: it exercises every body check. */
Test(api_server, bodies_are_checked_before_the_handler)
{
    char auth[700];
    jwt_for(dir, ids.admin, NULL, auth, sizeof auth);
    const char *json[] = {auth, "Content-Type: application/json", NULL};
    const char *text[] = {auth, "Content-Type: text/plain", NULL};
    http_res r = http(&srv, "PUT", "/api/admin/rate-limiter", json, "{\"general_max\": 5,", 18);
    expect_error_body(&r, 400, "malformed JSON");
    http_free(&r);
    r = http(&srv, "PUT", "/api/admin/rate-limiter", json, "{} x", 4);
    expect_error_body(&r, 400, "trailing");
    http_free(&r);
    r = http(&srv, "PUT", "/api/admin/rate-limiter", json, "[1]", 3);
    expect_error_body(&r, 400, "object");
    http_free(&r);
    r = http(&srv, "PUT", "/api/admin/rate-limiter", text, "{}", 2);
    expect_error_body(&r, 415, "application/json");
    http_free(&r);
    size_t big = (1u << 20) + 1;
    char *huge = malloc(big);
    memset(huge, ' ', big);
    huge[0] = '{', huge[big - 1] = '}';
    r = http(&srv, "PUT", "/api/admin/rate-limiter", json, huge, big);
    expect_error_body(&r, 413, "too large");
    http_free(&r);
    const char *chunked[] = {auth, "Content-Type: application/json", "Transfer-Encoding: chunked", NULL};
    r = http(&srv, "PUT", "/api/admin/rate-limiter", chunked, huge, big);
    expect_error_body(&r, 413, "too large");
    http_free(&r);
    free(huge);
    r = http(&srv, "PUT", "/api/admin/rate-limiter", json, "{\"general_max\": -1}", 19);
    expect_error_body(&r, 422, "general_max");
    http_free(&r);
    r = http(&srv, "PUT", "/api/admin/rate-limiter", json, "{\"bypass_roles\": [\"root\"]}", 26);
    expect_error_body(&r, 422, "bypass_roles");
    http_free(&r);
    /* And the server is still fine afterwards: bad input never costs a 500 or a crash. */
    r = http_get(&srv, "/api/health", NULL);
    cr_expect_eq(r.status, 200);
    http_free(&r);
}

Test(api_server, limiter_settings_change_while_running)
{
    char auth[700];
    jwt_for(dir, ids.admin, NULL, auth, sizeof auth);
    const char *json[] = {auth, "Content-Type: application/json", NULL};
    const char *body = "{\"general_max\": 2, \"general_window_min\": 0.5, \"bypass_roles\": [\"admin\"]}";
    http_res r = http(&srv, "PUT", "/api/admin/rate-limiter", json, body, strlen(body));
    cr_assert_eq(r.status, 200, "%s", r.body);
    cJSON *j = cJSON_Parse(r.body);
    cr_expect_eq(cJSON_GetObjectItem(j, "general_max")->valuedouble, 2);
    cr_expect_eq(cJSON_GetObjectItem(j, "general_window_min")->valuedouble, 0.5);
    cr_expect_eq(cJSON_GetObjectItem(j, "upload_max")->valuedouble, 10,
                 "untouched limits keep the seed's value");
    cJSON_Delete(j);
    http_free(&r);
    long want[] = {200, 200, 429};
    for (int i = 0; i < 3; i++) {
        r = http_get(&srv, "/api/health", NULL);
        cr_expect_eq(r.status, want[i], "anonymous request %d: %ld", i, r.status);
        http_free(&r);
    }
    const char *admin[] = {auth, NULL};
    r = http_get(&srv, "/api/admin/rate-limiter", admin);
    cr_expect_eq(r.status, 200, "the admin role bypasses the general limiter");
    http_free(&r);
}

Test(api_server, access_log_has_one_line_per_request)
{
    http_res r = http_get(&srv, "/api/health", NULL);
    http_free(&r);
    char auth[700];
    jwt_for(dir, ids.user, NULL, auth, sizeof auth);
    const char *h[] = {auth, NULL};
    r = http_get(&srv, "/api/admin/rate-limiter", h);
    cr_expect_eq(r.status, 403);
    http_free(&r);
    /* The log is block-buffered and flushed every second: poll for up to three. */
    char line[1024], want[64];
    int health = 0, denied = 0;
    snprintf(want, sizeof want, "user=%llu ", (unsigned long long)ids.user);
    for (int tries = 0; tries < 30 && !(health && denied); tries++) {
        usleep(100000);
        health = denied = 0;
        FILE *f = fopen(srv.log, "r");
        while (f && fgets(line, sizeof line, f)) {
            if (strstr(line, "method=GET path=/api/health status=200 ") &&
                strstr(line, " bytes=15 user=- ip=127.0.0.1"))
                health++;
            if (strstr(line, "path=/api/admin/rate-limiter status=403 ") && strstr(line, want)) denied++;
        }
        if (f) fclose(f);
    }
    cr_expect_eq(health, 1);
    cr_expect_eq(denied, 1);
}

/* ---- suites with their own settings ---- */

Test(api_limits, limiter_answers_429_then_lets_requests_through_after_its_window, .timeout = 60)
{
    /* 3 requests per 1.5 s window. */
    const char *settings[] = {"ratelimit.general_max", "3", "ratelimit.general_window_min", "0.025", NULL};
    start(settings);
    char v[64];
    for (int i = 0; i < 3; i++) {
        http_res r = http_get(&srv, "/api/health", NULL);
        cr_expect_eq(r.status, 200);
        cr_expect(header(&r, "X-RateLimit-Remaining", v, sizeof v) && atoi(v) == 2 - i, "remaining %s", v);
        http_free(&r);
    }
    http_res r = http_get(&srv, "/api/public/site-info", NULL);
    expect_error_body(&r, 429, "too many requests");
    cr_expect(header(&r, "Retry-After", v, sizeof v) && atoi(v) >= 1 && atoi(v) <= 2, "Retry-After %s", v);
    cr_expect(header(&r, "X-RateLimit-Remaining", v, sizeof v) && !strcmp(v, "0"));
    http_free(&r);
    r = http_get(&srv, "/robots.txt", NULL);
    cr_expect_eq(r.status, 200, "non-API paths are not limited");
    http_free(&r);
    usleep(1600000);
    r = http_get(&srv, "/api/health", NULL);
    cr_expect_eq(r.status, 200, "a new window opened");
    cr_expect(header(&r, "X-RateLimit-Remaining", v, sizeof v) && !strcmp(v, "2"));
    http_free(&r);
    stop();
}

Test(api_cors, preflight_and_origins_follow_the_settings, .timeout = 60)
{
    const char *settings[] = {"site.cors_enforce",
                              "true",
                              "site.cors_origins",
                              "https://shop.example\nftp://bad.example",
                              "site.hsts",
                              "true",
                              NULL};
    start(settings);
    char v[512];
    const char *ok[] = {"Origin: https://shop.example", "Access-Control-Request-Method: PUT", NULL};
    http_res r = http(&srv, "OPTIONS", "/api/admin/rate-limiter", ok, NULL, 0);
    cr_expect_eq(r.status, 204);
    cr_expect(header(&r, "Access-Control-Allow-Origin", v, sizeof v) && !strcmp(v, "https://shop.example"));
    cr_expect(header(&r, "Access-Control-Allow-Methods", v, sizeof v) && strstr(v, "PUT") &&
              strstr(v, "GET"));
    cr_expect(header(&r, "Access-Control-Allow-Headers", v, sizeof v) && strstr(v, "Authorization"));
    cr_expect(header(&r, "Strict-Transport-Security", v, sizeof v) && strstr(v, "max-age="));
    http_free(&r);
    /* Documents carry the CSP built from the settings. */
    r = http_get(&srv, "/robots.txt", NULL);
    cr_expect_eq(r.status, 200);
    cr_expect(header(&r, "Content-Security-Policy", v, sizeof v) &&
                  strstr(v, "connect-src 'self' https://shop.example;") && strstr(v, "default-src 'self'") &&
                  strstr(v, "frame-ancestors 'none'"),
              "CSP connect-src lists the allowed origins only: %s", v);
    cr_expect(!strstr(v, "ftp://"));
    cr_expect(header(&r, "Referrer-Policy", v, sizeof v) && !strcmp(v, "strict-origin-when-cross-origin"));
    cr_expect(header(&r, "Permissions-Policy", v, sizeof v) && strstr(v, "camera=()"));
    cr_expect(header(&r, "X-Content-Type-Options", v, sizeof v) && !strcmp(v, "nosniff"));
    cr_expect(header(&r, "Strict-Transport-Security", v, sizeof v) && strstr(v, "max-age="));
    http_free(&r);
    const char *bad[] = {"Origin: https://evil.example", "Access-Control-Request-Method: GET", NULL};
    r = http(&srv, "OPTIONS", "/api/health", bad, NULL, 0);
    expect_error_body(&r, 403, "origin");
    cr_expect(!header(&r, "Access-Control-Allow-Origin", v, sizeof v));
    http_free(&r);
    r = http_get(&srv, "/api/health", bad);
    expect_error_body(&r, 403, "origin");
    http_free(&r);
    r = http(&srv, "OPTIONS", "/api/none", ok, NULL, 0);
    expect_error_body(&r, 404, NULL);
    http_free(&r);
    r = http_get(&srv, "/api/health", NULL);
    cr_expect_eq(r.status, 200, "requests without Origin (same-origin, curl) pass");
    cr_expect(!header(&r, "Access-Control-Allow-Origin", v, sizeof v));
    http_free(&r);
    stop();
}

Test(api_cors, any_origin_is_allowed_while_enforcement_is_off, .timeout = 60)
{
    start(NULL);
    char v[256];
    const char *h[] = {"Origin: https://anything.example", "Access-Control-Request-Method: GET", NULL};
    http_res r = http(&srv, "OPTIONS", "/api/health", h, NULL, 0);
    cr_expect_eq(r.status, 204);
    cr_expect(header(&r, "Access-Control-Allow-Origin", v, sizeof v) &&
              !strcmp(v, "https://anything.example"));
    http_free(&r);
    r = http_get(&srv, "/api/health", h);
    cr_expect_eq(r.status, 200);
    cr_expect(header(&r, "Access-Control-Allow-Origin", v, sizeof v) &&
              !strcmp(v, "https://anything.example"));
    cr_expect(header(&r, "Vary", v, sizeof v) && !strcmp(v, "Origin"));
    http_free(&r);
    stop();
}

Test(api_shutdown, sigterm_exits_zero_and_the_store_reopens_clean, .timeout = 60)
{
    start(NULL);
    http_res r = http_get(&srv, "/api/health", NULL);
    cr_expect_eq(r.status, 200);
    http_free(&r);
    cr_assert_eq(server_stop(&srv), 0);
    pf_store_options o = fast_options(dir);
    pf_store *st = NULL;
    pf_errbuf eb;
    uint64_t problems = 99;
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK, "%s", eb.msg);
    cr_expect_eq(pf_store_check(st, NULL, &problems, &eb), PF_E_OK);
    cr_expect_eq(problems, 0);
    pf_store_close(st);
    FILE *f = fopen(srv.log, "r");
    char line[512];
    bool said = false;
    while (f && fgets(line, sizeof line, f))
        said |= strstr(line, "SIGTERM received") != NULL;
    if (f) fclose(f);
    cr_expect(said);
    rm_rf(dir);
}
