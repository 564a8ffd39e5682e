/* End-to-end tests of /api/admin/tokens: PATs created through the API (shown once, stored hashed) reach
 * exactly the routes of their scopes, never a JWT-only one; revoke, delete, bulk operations, expiry and the
 * per-token and overall access logs. */
#include <criterion/criterion.h>

#include "account_test_util.h"
#include "api/routes.h"

static acct_env env;
static char admin[700];

static void start(void)
{
    /* The route sweeps send every upload/checkout route several times from one IP: the upload limiter (10 per
     * hour) runs before the access decision, so it is switched off here. */
    const char *settings[] = {"ratelimit.enabled", "false", NULL};
    acct_start(&env, settings);
    jwt_for(env.dir, env.ids.admin, NULL, admin, sizeof admin);
}

static void stop(void)
{
    cr_expect_eq(acct_stop(&env), 0, "server exits 0");
}

TestSuite(api_tokens, .init = start, .fini = stop, .timeout = 90);

/* Creates a PAT through the API; returns its id and writes the Authorization line into auth. */
static uint64_t create(const char *name, const char *perms_json, const char *extra, char *auth, size_t len)
{
    char body[512];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"description\":\"test\",\"permissions\":%s%s}", name,
             perms_json, extra ? extra : "");
    http_res r = req(&env, "POST", "/api/admin/tokens", admin, body);
    cr_assert_eq(r.status, 201, "%s", r.body);
    cJSON *j = body_json(&r);
    const char *tok = jstr(j, "token"), *prefix = jstr(j, "prefix");
    cr_assert(tok && !strncmp(tok, "pf_", 3) && strlen(tok) == 43, "pf_ and 40 characters: %s", tok);
    cr_expect(prefix && strlen(prefix) == 11 && !strncmp(tok, prefix, 11), "display prefix of the token");
    cr_expect_str_eq(jstr(j, "status"), "active");
    snprintf(auth, len, "Authorization: Bearer %s", tok);
    uint64_t id = (uint64_t)cJSON_GetObjectItem(j, "id")->valuedouble;
    cJSON_Delete(j);
    http_free(&r);
    return id;
}

/* A concrete path for a pattern (parameters become an id no record has). */
static void concrete(const char *pattern, char *out, size_t len)
{
    size_t n = 0;
    for (const char *p = pattern; *p && n + 8 < len;) {
        if (*p == ':') {
            n += (size_t)snprintf(out + n, len - n, "999999");
            p += strcspn(p, "/");
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = 0;
}

static bool holds(const char *const *scopes, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(scopes[i], s)) return true;
    return false;
}

/* Every non-public route, as the holder of scopes: allowed exactly on PF_ACCESS_ADMIN routes of a held scope.
 */
static void check_routes(const char *auth, const char *const *scopes, size_t n)
{
    for (const pf_route_table *const *t = pf_api_route_tables(); *t; t++)
        for (size_t i = 0; i < (*t)->n; i++) {
            const pf_route *rt = &(*t)->routes[i];
            if (rt->access == PF_ACCESS_PUBLIC) continue;
            char path[512];
            concrete(rt->pattern, path, sizeof path);
            const char *h[] = {auth, NULL};
            http_res r = http(&env.srv, pf_method_name(rt->method), path, h, NULL, 0);
            bool allowed = rt->access == PF_ACCESS_ADMIN && holds(scopes, n, rt->scope);
            if (allowed)
                cr_expect(r.status != 401 && r.status != 403 && r.status < 500, "%s %s with %s: %ld (%s)",
                          pf_method_name(rt->method), rt->pattern, scopes[0], r.status, r.body);
            else
                cr_expect_eq(r.status, 403, "%s %s with %s: %ld, want 403", pf_method_name(rt->method),
                             rt->pattern, scopes[0], r.status);
            http_free(&r);
        }
}

Test(api_tokens, created_tokens_reach_exactly_their_scopes)
{
    for (size_t i = 0; i < N_SCOPES; i++) {
        char auth[200];
        char perms[64];
        snprintf(perms, sizeof perms, "[\"%s\"]", pat_scopes[i]);
        create(pat_scopes[i], perms, NULL, auth, sizeof auth);
        check_routes(auth, &pat_scopes[i], 1);
    }
    char auth[200];
    static const char *const two[] = {"orders:read", "admin:read"};
    create("two", "[\"orders:read\",\"admin:read\",\"orders:read\"]", NULL, auth, sizeof auth);
    check_routes(auth, two, 2);
    /* The list never shows a token value, and duplicates in permissions[] were dropped. */
    http_res r = req(&env, "GET", "/api/admin/tokens", admin, NULL);
    cr_assert_eq(r.status, 200);
    cr_expect_null(strstr(r.body, "\"token\""), "no plaintext in the list");
    cJSON *j = body_json(&r);
    const cJSON *list = cJSON_GetObjectItem(j, "tokens"), *first = cJSON_GetArrayItem(list, 0);
    /* 7 seeded by the harness (one per scope and a revoked one) + 7 created here, newest first. */
    cr_expect_eq(cJSON_GetArraySize(list), 14);
    cr_expect_str_eq(jstr(first, "name"), "two");
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(first, "permissions")), 2);
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(first, "expires_at")));
    cJSON_Delete(j);
    http_free(&r);
}

Test(api_tokens, create_validates_its_body)
{
    static const char *const bad[] = {
        "{\"name\":\"x\",\"permissions\":[\"orders:delete\"]}",
        "{\"name\":\"x\",\"permissions\":[]}",
        "{\"name\":\"x\",\"permissions\":\"admin:read\"}",
        "{\"name\":\"x\",\"permissions\":[\"admin:read\"],\"expires_in_days\":-1}",
        "{\"name\":\"x\",\"permissions\":[\"admin:read\"],\"expires_in_days\":1.5}",
        "{\"name\":\"x\",\"permissions\":[\"admin:read\"],\"expires_in_days\":\"7\"}",
        "{\"permissions\":[\"admin:read\"]}",
        "{\"name\":\"\",\"permissions\":[\"admin:read\"]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http_res r = req(&env, "POST", "/api/admin/tokens", admin, bad[i]);
        cr_expect_eq(r.status, 422, "%s: %ld %s", bad[i], r.status, r.body);
        http_free(&r);
    }
    /* Only session JWTs manage tokens: a PAT with admin:read cannot mint another. */
    char pat[200];
    create("reader", "[\"admin:read\"]", NULL, pat, sizeof pat);
    http_res r =
        req(&env, "POST", "/api/admin/tokens", pat, "{\"name\":\"x\",\"permissions\":[\"admin:read\"]}");
    cr_expect_eq(r.status, 403);
    http_free(&r);
}

static http_res get_logs(const char *auth, uint64_t id)
{
    char path[128];
    snprintf(path, sizeof path, "/api/admin/tokens/%llu/logs", (unsigned long long)id);
    return req(&env, "GET", path, auth, NULL);
}

Test(api_tokens, every_pat_request_is_logged_per_token_and_overall)
{
    char pat[200];
    uint64_t id = create("logger", "[\"admin:read\"]", NULL, pat, sizeof pat);
    http_res r = req(&env, "GET", "/api/admin/tokens/logs", pat, NULL);
    cr_expect_eq(r.status, 200);
    http_free(&r);
    r = get_logs(pat, 999999);
    cr_expect_eq(r.status, 404);
    http_free(&r);
    r = req(&env, "POST", "/api/admin/tokens", pat, "{}");
    cr_expect_eq(r.status, 403);
    http_free(&r);
    /* Logs are written when a request completes, just after its answer: wait for all three. */
    cJSON *j = NULL;
    for (int tries = 0; tries < 50; tries++) {
        cJSON_Delete(j);
        r = get_logs(admin, id);
        j = body_json(&r);
        http_free(&r);
        if (cJSON_GetArraySize(cJSON_GetObjectItem(j, "logs")) >= 3) break;
        usleep(50000);
    }
    const cJSON *logs = cJSON_GetObjectItem(j, "logs");
    cr_expect_eq(cJSON_GetArraySize(logs), 3, "admin JWT requests are not logged as PAT requests");
    /* Logged at completion, so two quick requests may land in either order: match by request. */
    int seen = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, logs)
    {
        const char *m = jstr(e, "method"), *path = jstr(e, "path");
        double st = cJSON_GetObjectItem(e, "status")->valuedouble;
        cr_expect_eq(cJSON_GetObjectItem(e, "token_id")->valuedouble, (double)id);
        cr_expect_str_eq(jstr(e, "ip"), "127.0.0.1");
        if (!strcmp(m, "GET") && !strcmp(path, "/api/admin/tokens/logs") && st == 200) seen |= 1;
        if (!strcmp(m, "GET") && !strcmp(path, "/api/admin/tokens/999999/logs") && st == 404) seen |= 2;
        if (!strcmp(m, "POST") && !strcmp(path, "/api/admin/tokens") && st == 403) seen |= 4;
    }
    cr_expect_eq(seen, 7, "each request logged with its method, path and status");
    cJSON_Delete(j);
    /* The overall log holds them too; last_used_at is set. */
    r = req(&env, "GET", "/api/admin/tokens/logs", admin, NULL);
    j = body_json(&r);
    cr_expect_geq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "logs")), 3);
    cJSON_Delete(j);
    http_free(&r);
    r = req(&env, "GET", "/api/admin/tokens", admin, NULL);
    j = body_json(&r);
    cr_expect(cJSON_IsNumber(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "tokens"), 0), "last_used_at")));
    cJSON_Delete(j);
    http_free(&r);
    r = get_logs(admin, 999999);
    cr_expect_eq(r.status, 404);
    http_free(&r);
}

Test(api_tokens, revoke_and_delete_one_and_in_bulk)
{
    char a[200], b[200], c[200], d[200], body[128];
    uint64_t ia = create("a", "[\"admin:read\"]", NULL, a, sizeof a);
    uint64_t ib = create("b", "[\"admin:read\"]", NULL, b, sizeof b);
    uint64_t ic = create("c", "[\"admin:read\"]", NULL, c, sizeof c);
    uint64_t id = create("d", "[\"admin:read\"]", NULL, d, sizeof d);
    const char *path = "/api/admin/tokens/logs";
    http_res r = req(&env, "GET", path, a, NULL);
    cr_expect_eq(r.status, 200);
    http_free(&r);

    char p[128];
    snprintf(p, sizeof p, "/api/admin/tokens/%llu/revoke", (unsigned long long)ia);
    r = req(&env, "PATCH", p, admin, NULL);
    cr_expect_eq(r.status, 200);
    cJSON *j = body_json(&r);
    cr_expect_str_eq(jstr(j, "status"), "revoked");
    cJSON_Delete(j);
    http_free(&r);
    r = req(&env, "GET", path, a, NULL);
    cr_expect_eq(r.status, 401, "revoked token no longer authenticates");
    http_free(&r);
    r = get_logs(admin, ia);
    cr_expect_eq(r.status, 200, "revoked tokens keep their logs for audit");
    http_free(&r);

    snprintf(body, sizeof body, "{\"ids\":[%llu,%llu,999999]}", (unsigned long long)ib,
             (unsigned long long)ic);
    r = req(&env, "POST", "/api/admin/tokens/bulk-revoke", admin, body);
    cr_expect_str_eq(r.body, "{\"revoked\":2}");
    http_free(&r);
    r = req(&env, "GET", path, b, NULL);
    cr_expect_eq(r.status, 401);
    http_free(&r);
    r = req(&env, "GET", path, c, NULL);
    cr_expect_eq(r.status, 401);
    http_free(&r);
    r = req(&env, "GET", path, d, NULL);
    cr_expect_eq(r.status, 200, "tokens not named are untouched");
    http_free(&r);

    snprintf(body, sizeof body, "{\"ids\":[%llu,%llu]}", (unsigned long long)ia, (unsigned long long)ib);
    r = req(&env, "POST", "/api/admin/tokens/bulk-delete", admin, body);
    cr_expect_str_eq(r.body, "{\"deleted\":2}");
    http_free(&r);
    r = get_logs(admin, ia);
    cr_expect_eq(r.status, 404, "deleted with its logs");
    http_free(&r);
    snprintf(p, sizeof p, "/api/admin/tokens/%llu", (unsigned long long)id);
    r = req(&env, "DELETE", p, admin, NULL);
    cr_expect_eq(r.status, 204);
    http_free(&r);
    r = req(&env, "DELETE", p, admin, NULL);
    cr_expect_eq(r.status, 404);
    http_free(&r);
    r = req(&env, "GET", path, d, NULL);
    cr_expect_eq(r.status, 401, "deleted token is unknown");
    http_free(&r);

    r = req(&env, "POST", "/api/admin/tokens/bulk-revoke", admin, "{\"ids\":[1.5]}");
    cr_expect_eq(r.status, 422);
    http_free(&r);
    r = req(&env, "POST", "/api/admin/tokens/bulk-delete", admin, "{\"ids\":[]}");
    cr_expect_eq(r.status, 422);
    http_free(&r);
    /* The overall log no longer holds rows of deleted tokens. */
    r = req(&env, "GET", "/api/admin/tokens/logs", admin, NULL);
    j = body_json(&r);
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "logs"))
    {
        double t = cJSON_GetObjectItem(e, "token_id")->valuedouble;
        cr_expect(t != (double)ia && t != (double)ib && t != (double)id);
    }
    cJSON_Delete(j);
    http_free(&r);
}

static void expire_pat(acct_env *e, uint64_t id)
{
    pf_store_options o = fast_options(e->dir);
    o.console = fopen("/dev/null", "w");
    pf_store *st = NULL;
    pf_errbuf eb;
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK);
    pf_pat p = {0};
    cr_assert_eq(pf_store_pat_get(st, NULL, id, &p, &eb), PF_E_OK);
    p.expires_at = (int64_t)time(NULL) - 1;
    cr_assert_eq(pf_store_pat_put(st, NULL, &p, &eb), PF_E_OK);
    pf_pat_clear(&p);
    pf_store_close(st);
    fclose(o.console);
}

Test(api_tokens, tokens_expire)
{
    char auth[200];
    int64_t before = (int64_t)time(NULL);
    uint64_t id = create("short", "[\"admin:read\"]", ",\"expires_in_days\":30", auth, sizeof auth);
    http_res r = req(&env, "GET", "/api/admin/tokens", admin, NULL);
    cJSON *j = body_json(&r);
    double exp = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "tokens"), 0), "expires_at")
                     ->valuedouble;
    cr_expect(exp >= (double)(before + 30 * 86400) && exp <= (double)(time(NULL) + 30 * 86400));
    cJSON_Delete(j);
    http_free(&r);
    r = req(&env, "GET", "/api/admin/tokens/logs", auth, NULL);
    cr_expect_eq(r.status, 200);
    http_free(&r);
    expire_pat(&env, id);
    r = req(&env, "GET", "/api/admin/tokens/logs", auth, NULL);
    cr_expect_eq(r.status, 401);
    http_free(&r);
    r = req(&env, "GET", "/api/admin/tokens", admin, NULL);
    cr_expect(strstr(r.body, "\"status\":\"expired\""), "%s", r.body);
    http_free(&r);
}
