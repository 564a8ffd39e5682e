/* Helpers for the account end-to-end tests: a server with cheap argon2id and generous auth limits, JSON
 * requests, logins, and tokens read back from the emails the "disabled" mail driver writes to the server's
 * console log (its stderr, captured in <dir>/stderr.log by server_start). */
#ifndef PF_TEST_ACCOUNT_UTIL_H
#define PF_TEST_ACCOUNT_UTIL_H

#include <ctype.h>
#include <liboath/oath.h>

#include "http_client.h"

/* The admin seeded by fast_options. */
#define ADMIN_EMAIL "root@example.com"
#define ADMIN_PASSWORD "correct horse battery staple"

typedef struct acct_env {
    char dir[256];   /* data directory */
    test_server srv; /* running server */
    seeded ids;      /* seeded accounts */
} acct_env;

/* Seeds dir with settings (key, value pairs, NULL-terminated; auth limits are raised unless given) and
 * starts the server with the cheapest argon2id parameters. */
static inline void acct_start(acct_env *e, const char *const *settings)
{
    const char *all[64];
    size_t n = 0;
    bool auth_given = false;
    for (size_t i = 0; settings && settings[i]; i += 2) {
        auth_given |= !strcmp(settings[i], "ratelimit.auth_max");
        all[n++] = settings[i], all[n++] = settings[i + 1];
    }
    if (!auth_given) all[n++] = "ratelimit.auth_max", all[n++] = "100000";
    all[n++] = "ratelimit.general_max", all[n++] = "100000";
    all[n] = NULL;
    setenv("PRINTFORGE_ARGON2", "min", 1);
    scratch_dir(e->dir, sizeof e->dir);
    e->ids = seed_dir(e->dir, all);
    e->srv = server_start(e->dir);
}

static inline int acct_stop(acct_env *e)
{
    int rc = server_stop(&e->srv);
    rm_rf(e->dir);
    return rc;
}

/* A request with an optional JSON body and optional Authorization line ("Authorization: Bearer ..."). */
static inline http_res req(acct_env *e, const char *method, const char *path, const char *auth,
                           const char *json)
{
    const char *h[3] = {0};
    size_t n = 0;
    if (auth) h[n++] = auth;
    if (json) h[n++] = "Content-Type: application/json";
    return http(&e->srv, method, path, h, json, json ? strlen(json) : 0);
}

/* The body parsed (caller deletes). */
static inline cJSON *body_json(const http_res *r)
{
    return cJSON_Parse(r->body);
}

static inline const char *jstr(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* "Authorization: Bearer <token>" from a JSON body field, into out; false if absent. */
static inline bool bearer_from(const http_res *r, const char *field, char *out, size_t len)
{
    cJSON *j = body_json(r);
    const char *t = jstr(j, field);
    if (t) snprintf(out, len, "Authorization: Bearer %s", t);
    cJSON_Delete(j);
    return t != NULL;
}

/* Logs in and writes the session's Authorization line into out; returns the status. */
static inline long login(acct_env *e, const char *email, const char *password, char *out, size_t len)
{
    char body[512];
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    http_res r = req(e, "POST", "/api/auth/login", NULL, body);
    long st = r.status;
    if (st == 200 && !bearer_from(&r, "token", out, len)) st = -1;
    http_free(&r);
    return st;
}

/* The token following marker in the last email to `to` in the console mail log, into out. */
static inline bool mail_token(acct_env *e, const char *to, const char *marker, char *out, size_t len)
{
    char path[300], head[320];
    snprintf(path, sizeof path, "%s/stderr.log", e->dir);
    snprintf(head, sizeof head, " to=%s subject=", to);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char line[2048];
    bool in = false, found = false;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "mail at=", 8)) {
            in = strstr(line, head) != NULL;
            continue;
        }
        if (!strcmp(line, "mail end\n")) in = false;
        const char *m = in ? strstr(line, marker) : NULL;
        if (m) {
            m += strlen(marker);
            size_t n = strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
            snprintf(out, len, "%.*s", (int)n, m);
            found = n > 0;
        }
    }
    fclose(f);
    return found;
}

/* Number of emails to `to` in the console log. */
static inline int mail_count(acct_env *e, const char *to)
{
    char path[300], head[320], line[2048];
    snprintf(path, sizeof path, "%s/stderr.log", e->dir);
    snprintf(head, sizeof head, " to=%s subject=", to);
    FILE *f = fopen(path, "r");
    int n = 0;
    while (f && fgets(line, sizeof line, f))
        n += !strncmp(line, "mail at=", 8) && strstr(line, head);
    if (f) fclose(f);
    return n;
}

/* The TOTP code of a base32 secret at t, computed independently of the server with liboath. */
static inline void totp_at(const char *secret_b32, time_t t, char out[7])
{
    char *key = NULL;
    size_t klen = 0;
    oath_init();
    if (oath_base32_decode(secret_b32, strlen(secret_b32), &key, &klen) != OATH_OK) abort();
    if (oath_totp_generate(key, klen, t, 30, 0, 6, out) != OATH_OK) abort();
    free(key);
}

/* Waits out the last seconds of a 30 s TOTP step, so a test's codes and the server's clock agree on it. */
static inline void totp_settle(void)
{
    while (time(NULL) % 30 > 18)
        usleep(200000);
}

/* Edits a stored user with the server running (LMDB allows a second process). */
static inline void edit_user(acct_env *e, uint64_t id, void (*fn)(pf_user *u))
{
    pf_store_options o = fast_options(e->dir);
    o.console = fopen("/dev/null", "w");
    pf_store *st = NULL;
    pf_errbuf eb;
    if (pf_store_open(&o, &st, &eb)) abort();
    pf_user u = {0};
    if (pf_store_user_get(st, NULL, id, &u, &eb)) abort();
    fn(&u);
    if (pf_store_user_put(st, NULL, &u, &eb)) abort();
    pf_user_clear(&u);
    pf_store_close(st);
    fclose(o.console);
}

#endif
