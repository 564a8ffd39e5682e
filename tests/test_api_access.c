/* The access matrix of every registered route, driven by the route table itself (new routes are covered
 * without touching this file), for anonymous callers, each role's session JWT, each PAT scope and tokens that
 * must not authenticate; plus the pure parts of the HTTP layer: JWTs, the rate limiter, the access decision.
 */
#include <criterion/criterion.h>

#include "api/ratelimit.h"
#include "api/routes.h"
#include "http_client.h"
#include "tests/fuzz/fuzz_api.h"

/* What the API reference says a caller may do: 0 allowed, 401 or 403. Written from the spec, independently
 * of pf_api_access_decide. */
typedef struct caller {
    const char *name;  /* for messages */
    pf_auth_kind kind; /* NONE for anonymous and for tokens that must not authenticate */
    pf_role role;      /* JWT callers */
    const char *scope; /* PAT callers */
    char header[700];  /* Authorization header line, "" for none */
} caller;

static long expected(const pf_route *rt, const caller *c)
{
    if (rt->access == PF_ACCESS_PUBLIC) return 0;
    if (c->kind == PF_AUTH_NONE) return 401;
    if (c->kind == PF_AUTH_PAT)
        return rt->access == PF_ACCESS_ADMIN && !strcmp(rt->scope, c->scope) ? 0 : 403;
    switch (rt->access) {
    case PF_ACCESS_USER:
        return 0;
    case PF_ACCESS_MODERATOR:
        return c->role >= PF_ROLE_MODERATOR ? 0 : 403;
    default:
        return c->role == PF_ROLE_ADMIN ? 0 : 403;
    }
}

/* A concrete path for a pattern: every parameter becomes an id no record has. */
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

Test(api_access, every_route_answers_its_access_matrix, .timeout = 120)
{
    char dir[256];
    scratch_dir(dir, sizeof dir);
    /* Limits out of the way: this test sends hundreds of requests from one IP. */
    const char *settings[] = {"ratelimit.general_max",
                              "1000000",
                              "ratelimit.auth_max",
                              "1000000",
                              "ratelimit.upload_max",
                              "1000000",
                              "ratelimit.quote_max",
                              "1000000",
                              "ratelimit.model_file_max",
                              "1000000",
                              NULL};
    seeded ids = seed_dir(dir, settings);
    caller callers[6 + N_SCOPES + 3] = {
        {"anonymous", PF_AUTH_NONE, PF_ROLE_NONE, NULL, ""},
        {"user", PF_AUTH_JWT, PF_ROLE_USER, NULL, ""},
        {"moderator", PF_AUTH_JWT, PF_ROLE_MODERATOR, NULL, ""},
        {"admin", PF_AUTH_JWT, PF_ROLE_ADMIN, NULL, ""},
        {"admin interim 2FA token", PF_AUTH_NONE, PF_ROLE_NONE, NULL, ""},
        {"disabled admin", PF_AUTH_NONE, PF_ROLE_NONE, NULL, ""},
    };
    jwt_for(dir, ids.user, NULL, callers[1].header, sizeof callers[1].header);
    jwt_for(dir, ids.moderator, NULL, callers[2].header, sizeof callers[2].header);
    jwt_for(dir, ids.admin, NULL, callers[3].header, sizeof callers[3].header);
    jwt_for(dir, ids.admin, PF_JWT_INTERIM, callers[4].header, sizeof callers[4].header);
    jwt_for(dir, ids.inactive, NULL, callers[5].header, sizeof callers[5].header);
    size_t nc = 6;
    for (size_t i = 0; i < N_SCOPES; i++, nc++) {
        char tok[64];
        pat_token(tok, sizeof tok, pat_scopes[i]);
        callers[nc] = (caller){pat_scopes[i], PF_AUTH_PAT, PF_ROLE_NONE, pat_scopes[i], ""};
        snprintf(callers[nc].header, sizeof callers[nc].header, "Authorization: Bearer %s", tok);
    }
    callers[nc] =
        (caller){"revoked PAT", PF_AUTH_NONE, PF_ROLE_NONE, NULL, "Authorization: Bearer pf_test_revoked"};
    nc++;
    callers[nc] = (caller){"forged JWT", PF_AUTH_NONE, PF_ROLE_NONE, NULL, ""};
    snprintf(callers[nc].header, sizeof callers[nc].header, "%s", callers[3].header);
    callers[nc].header[strlen(callers[nc].header) - 2] ^= 1; /* one signature character flipped */
    nc++;
    callers[nc++] =
        (caller){"Basic credentials", PF_AUTH_NONE, PF_ROLE_NONE, NULL, "Authorization: Basic YTpi"};

    test_server srv = server_start(dir);
    size_t routes = 0, checks = 0;
    unsigned kinds = 0;
    for (const pf_route_table *const *t = pf_api_route_tables(); *t; t++)
        for (size_t i = 0; i < (*t)->n; i++, routes++) {
            const pf_route *rt = &(*t)->routes[i];
            char path[512];
            concrete(rt->pattern, path, sizeof path);
            kinds |= 1u << rt->access;
            for (size_t c = 0; c < nc; c++) {
                const char *h[] = {callers[c].header[0] ? callers[c].header : NULL, NULL};
                http_res r = http(&srv, pf_method_name(rt->method), path, h, NULL, 0);
                long want = expected(rt, &callers[c]);
                if (want)
                    cr_expect_eq(r.status, want, "%s %s as %s: %ld, want %ld (%s)",
                                 pf_method_name(rt->method), rt->pattern, callers[c].name, r.status, want,
                                 r.body);
                else
                    cr_expect(r.status != 401 && r.status != 403 && r.status != 429 && r.status < 500 &&
                                  r.status >= 200,
                              "%s %s as %s: %ld, want access (%s)", pf_method_name(rt->method), rt->pattern,
                              callers[c].name, r.status, r.body);
                http_free(&r);
                checks++;
            }
        }
    cr_expect_eq(server_stop(&srv), 0);
    cr_expect_geq(routes, 6);
    cr_expect(kinds & (1u << PF_ACCESS_ADMIN) && kinds & (1u << PF_ACCESS_ADMIN_JWT),
              "admin kinds are exercised");
    cr_log_info("%zu routes, %zu access checks", routes, checks);
    rm_rf(dir);
}

/* The decision itself, for every access kind (including ones no route may use yet). */
Test(api_access, decision_table_matches_the_reference)
{
    static const pf_access kinds[] = {PF_ACCESS_PUBLIC, PF_ACCESS_USER, PF_ACCESS_MODERATOR, PF_ACCESS_ADMIN,
                                      PF_ACCESS_ADMIN_JWT};
    char *scope = "orders:read";
    pf_principal anon = {0}, user = {.kind = PF_AUTH_JWT, .role = PF_ROLE_USER},
                 mod = {.kind = PF_AUTH_JWT, .role = PF_ROLE_MODERATOR},
                 admin = {.kind = PF_AUTH_JWT, .role = PF_ROLE_ADMIN}, pat_ok = {.kind = PF_AUTH_PAT},
                 pat_other = {.kind = PF_AUTH_PAT};
    char *s1[] = {scope}, *s2[] = {"orders:write"};
    pat_ok.pat.scopes = (pf_strv){s1, 1};
    pat_other.pat.scopes = (pf_strv){s2, 1};
    const pf_principal *who[] = {&anon, &user, &mod, &admin, &pat_ok, &pat_other};
    /* rows: access kinds; columns: callers above. */
    static const pf_err want[5][6] = {
        {PF_E_OK, PF_E_OK, PF_E_OK, PF_E_OK, PF_E_OK, PF_E_OK},
        {PF_E_UNAUTHORIZED, PF_E_OK, PF_E_OK, PF_E_OK, PF_E_FORBIDDEN, PF_E_FORBIDDEN},
        {PF_E_UNAUTHORIZED, PF_E_FORBIDDEN, PF_E_OK, PF_E_OK, PF_E_FORBIDDEN, PF_E_FORBIDDEN},
        {PF_E_UNAUTHORIZED, PF_E_FORBIDDEN, PF_E_FORBIDDEN, PF_E_OK, PF_E_OK, PF_E_FORBIDDEN},
        {PF_E_UNAUTHORIZED, PF_E_FORBIDDEN, PF_E_FORBIDDEN, PF_E_OK, PF_E_FORBIDDEN, PF_E_FORBIDDEN},
    };
    for (int k = 0; k < 5; k++)
        for (int c = 0; c < 6; c++) {
            pf_route rt = {.method = PF_GET,
                           .pattern = "/x",
                           .access = kinds[k],
                           .scope = kinds[k] == PF_ACCESS_ADMIN ? scope : NULL};
            pf_errbuf eb;
            cr_expect_eq(pf_api_access_decide(&rt, who[c], &eb), want[k][c], "access %d caller %d", k, c);
        }
}

Test(api_jwt, tokens_round_trip_and_tampering_is_refused)
{
    char dir[256];
    scratch_dir(dir, sizeof dir);
    pf_jwt_key key, again, other;
    pf_errbuf eb;
    cr_assert_eq(pf_jwt_key_load(dir, &key, &eb), PF_E_OK);
    cr_assert_eq(pf_jwt_key_load(dir, &again, &eb), PF_E_OK);
    cr_expect(!memcmp(key.k, again.k, sizeof key.k), "the key persists in the data directory");
    memset(&other, 7, sizeof other);
    pf_jwt_claims c = {.sub = 42, .typ = "interim", .iat = 1000, .exp = 1600}, out;
    char *tok = NULL;
    cr_assert_eq(pf_jwt_sign(&key, &c, &tok, &eb), PF_E_OK);
    cr_expect_eq(strncmp(tok, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37), 0);
    cr_assert_eq(pf_jwt_verify(&key, tok, 1200, &out, &eb), PF_E_OK, "%s", eb.msg);
    cr_expect_eq(out.sub, 42);
    cr_expect_str_eq(out.typ, "interim");
    cr_expect_eq(out.exp, 1600);
    cr_expect_eq(pf_jwt_verify(&key, tok, 1600, &out, &eb), PF_E_UNAUTHORIZED, "expired at exp");
    cr_expect_eq(pf_jwt_verify(&key, tok, 900, &out, &eb), PF_E_UNAUTHORIZED, "issued in the future");
    cr_expect_eq(pf_jwt_verify(&other, tok, 1200, &out, &eb), PF_E_UNAUTHORIZED, "another key");
    size_t n = strlen(tok);
    for (size_t i = 0; i < n; i++) {
        if (tok[i] == '.') continue;
        char saved = tok[i];
        tok[i] = tok[i] == 'A' ? 'B' : 'A';
        cr_expect_eq(pf_jwt_verify(&key, tok, 1200, &out, &eb), PF_E_UNAUTHORIZED, "byte %zu changed", i);
        tok[i] = saved;
    }
    /* alg "none" with an empty signature. */
    cr_expect_eq(pf_jwt_verify(&key, "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", 1200, &out, &eb),
                 PF_E_UNAUTHORIZED);
    cr_expect_eq(pf_jwt_verify(&key, "", 1200, &out, &eb), PF_E_UNAUTHORIZED);
    free(tok);
    rm_rf(dir);
}

/* Claims under a valid signature whose subject is not a plain decimal user id: strtoull alone would read
 * " 7" and "+7" as 7, "-1" as 2^64 − 1, and clamp an overflow to 2^64 − 1. */
Test(api_jwt, signed_claims_with_a_malformed_subject_are_refused)
{
    cr_assert_geq(sodium_init(), 0);
    pf_jwt_key key = fz_key();
    static const char *subs[] = {
        "-1", "+7", " 7", "7 ", "0", "", "18446744073709551616", "99999999999999999999"};
    char payload[160];
    pf_jwt_claims out;
    pf_errbuf eb;
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i++) {
        int n =
            snprintf(payload, sizeof payload, "{\"sub\":\"%s\",\"typ\":\"session\",\"iat\":%d,\"exp\":%d}",
                     subs[i], FZ_NOW, FZ_NOW + 60);
        char *tok = fz_sign_payload(&key, (const uint8_t *)payload, (size_t)n);
        cr_expect_eq(pf_jwt_verify(&key, tok, FZ_NOW, &out, &eb), PF_E_UNAUTHORIZED, "sub \"%s\"", subs[i]);
        free(tok);
    }
    /* the largest id still reads */
    int n = snprintf(payload, sizeof payload,
                     "{\"sub\":\"18446744073709551615\",\"typ\":\"session\",\"iat\":%d,\"exp\":%d}", FZ_NOW,
                     FZ_NOW + 60);
    char *tok = fz_sign_payload(&key, (const uint8_t *)payload, (size_t)n);
    cr_assert_eq(pf_jwt_verify(&key, tok, FZ_NOW, &out, &eb), PF_E_OK, "%s", eb.msg);
    cr_expect_eq(out.sub, UINT64_MAX);
    free(tok);
}

Test(api_ratelimit, windows_count_reset_and_stay_bounded)
{
    pf_ratelimit *rl = NULL;
    cr_assert_eq(pf_ratelimit_new(256, &rl), PF_E_OK);
    pf_rl_result r;
    for (uint32_t i = 0; i < 3; i++) {
        pf_ratelimit_hit(rl, 0, "10.0.0.1", 3, 1000, 5000, &r);
        cr_expect(r.allowed);
        cr_expect_eq(r.remaining, 2 - i);
        cr_expect_eq(r.reset_ms, 6000);
    }
    pf_ratelimit_hit(rl, 0, "10.0.0.1", 3, 1000, 5999, &r);
    cr_expect(!r.allowed);
    pf_ratelimit_hit(rl, 1, "10.0.0.1", 3, 1000, 5999, &r);
    cr_expect(r.allowed, "limiters count separately");
    pf_ratelimit_hit(rl, 0, "10.0.0.2", 3, 1000, 5999, &r);
    cr_expect(r.allowed, "addresses count separately");
    pf_ratelimit_hit(rl, 0, "10.0.0.1", 3, 1000, 6000, &r);
    cr_expect(r.allowed, "the window ended");
    cr_expect_eq(r.remaining, 2);
    /* A flood of distinct addresses never grows the map past its bound. */
    char ip[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(ip, sizeof ip, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        pf_ratelimit_hit(rl, 0, ip, 3, 60000, 7000 + (uint64_t)i, &r);
        cr_assert(r.allowed);
    }
    cr_expect_leq(pf_ratelimit_size(rl), 256);
    pf_ratelimit_free(rl);
}
