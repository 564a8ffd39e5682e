/* Account helpers: email and password rules, argon2id, JWTs bound to the token version, one-time tokens,
 * user read-modify-write, and email sending for account actions. */
#include "api/account.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "api/jwt.h"
#include "api/mailer.h"
#include "api/server.h"

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

bool pf_account_email_normalize(const char *in, char *out, size_t len)
{
    size_t n = strnlen(in, 255);
    if (n < 3 || n > 254 || n >= len) return false;
    const char *at = strchr(in, '@');
    if (!at || at == in || strchr(at + 1, '@')) return false;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || !dot[1]) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c <= ' ' || c == 0x7f || strchr("<>,;:\"()[]\\", c)) return false;
        out[i] = (char)tolower(c);
    }
    out[n] = 0;
    return true;
}

pf_err pf_account_password_rule(pf_req *r, const char *field, const char *pw)
{
    size_t n = strnlen(pw, 129);
    if (n < 8) return pf_errf(pf_req_eb(r), PF_E_INVALID_FIELD, "%s: at least 8 characters", field);
    if (n > 128) return pf_errf(pf_req_eb(r), PF_E_INVALID_FIELD, "%s: at most 128 characters", field);
    return PF_E_OK;
}

pf_err pf_account_password_hash(pf_req *r, const char *pw, char **out)
{
    unsigned long long ops;
    size_t mem;
    pf_server_pw_limits(pf_req_server(r), &ops, &mem);
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, pw, strlen(pw), ops, mem))
        return pf_errf(pf_req_eb(r), PF_E_NOMEM, "hashing a password");
    if (!(*out = strdup(hash))) return pf_errf(pf_req_eb(r), PF_E_NOMEM, "hashing a password");
    return PF_E_OK;
}

bool pf_account_password_verify(const char *hash, const char *pw)
{
    if (!hash || strnlen(hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES) return false;
    return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

pf_err pf_account_jwt(pf_req *r, const pf_user *u, const char *typ, char **out)
{
    int64_t now = (int64_t)time(NULL);
    int64_t ttl = PF_INTERIM_TTL;
    if (!strcmp(typ, PF_JWT_SESSION)) {
        long h = strtol(pf_req_setting(r, "site.jwt_ttl_hours", "8"), NULL, 10);
        ttl = (h > 0 && h <= 24 * 30 ? h : 8) * 3600;
    }
    pf_jwt_claims c = {.sub = u->id, .iat = now, .exp = now + ttl, .ver = u->token_version};
    snprintf(c.typ, sizeof c.typ, "%s", typ);
    return pf_jwt_sign(pf_server_jwt_key(pf_req_server(r)), &c, out, pf_req_eb(r));
}

cJSON *pf_account_user_json(const pf_user *u)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddNumberToObject(o, "id", (double)u->id) ||
        !cJSON_AddStringToObject(o, "email", u->email ? u->email : "") ||
        !cJSON_AddStringToObject(o, "username", u->username ? u->username : "") ||
        !cJSON_AddStringToObject(o, "role", u->role ? u->role : "user") ||
        !cJSON_AddBoolToObject(o, "email_verified", u->email_verified) ||
        !cJSON_AddBoolToObject(o, "twofa_enabled", u->totp_enabled) ||
        !cJSON_AddBoolToObject(o, "is_active", u->is_active) ||
        !cJSON_AddNumberToObject(o, "created_at", (double)u->created_at)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

pf_err pf_account_role_set(pf_user *u, const char *role, pf_errbuf *eb)
{
    if (strcmp(role, "user") && strcmp(role, "moderator") && strcmp(role, "admin"))
        return pf_errf(eb, PF_E_INVALID_FIELD, "role: user, moderator or admin");
    if (u->role && !strcmp(u->role, role)) return PF_E_OK;
    char *s = strdup(role);
    if (!s) return pf_errf(eb, PF_E_NOMEM, "role");
    free(u->role);
    u->role = s;
    u->token_version++;
    return PF_E_OK;
}

void pf_account_ott_new(char kind, uint64_t uid, char out[PF_OTT_MAX], pf_sha256 *hash)
{
    uint8_t rnd[32];
    randombytes_buf(rnd, sizeof rnd);
    int n = snprintf(out, PF_OTT_MAX, "%c%llu.", kind, (unsigned long long)uid);
    sodium_bin2base64(out + n, PF_OTT_MAX - (size_t)n, rnd, sizeof rnd, B64);
    sodium_memzero(rnd, sizeof rnd);
    crypto_hash_sha256(hash->b, (const uint8_t *)out, strlen(out));
}

bool pf_account_ott_parse(const char *tok, char *kind, uint64_t *uid, pf_sha256 *hash)
{
    size_t n = strnlen(tok, PF_OTT_MAX);
    if (n < 4 || n >= PF_OTT_MAX || !strchr("vre", tok[0]) || !isdigit((unsigned char)tok[1])) return false;
    char *end = NULL;
    unsigned long long id = strtoull(tok + 1, &end, 10);
    if (!id || *end != '.' || strlen(end + 1) != 43 ||
        strspn(end + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
                        "opqrstuvwxyz0123456789-_") != 43)
        return false;
    *kind = tok[0];
    *uid = id;
    crypto_hash_sha256(hash->b, (const uint8_t *)tok, n);
    return true;
}

bool pf_account_ott_valid(const pf_sha256 *stored, int64_t expires, const pf_sha256 *given, int64_t now)
{
    static const pf_sha256 zero;
    /* Every comparison runs whatever the outcome of the others: no early exit on a secret. */
    bool set = sodium_memcmp(stored->b, zero.b, sizeof zero.b) != 0;
    bool same = sodium_memcmp(stored->b, given->b, sizeof given->b) == 0;
    return set & same & (expires > now);
}

typedef struct edit_ctx {
    pf_store *st;          /* store */
    uint64_t id;           /* user */
    pf_account_edit_fn fn; /* edit */
    void *ctx;             /* its context */
} edit_ctx;

static pf_err edit_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    edit_ctx *e = c;
    pf_user u = {0};
    pf_err err = pf_store_user_get(e->st, t, e->id, &u, eb);
    if (err == PF_E_NOT_FOUND) pf_errf(eb, err, "no such user");
    if (!err) err = e->fn(&u, e->ctx, eb);
    if (!err) {
        u.updated_at = (int64_t)time(NULL);
        err = pf_store_user_put(e->st, t, &u, eb);
        if (err == PF_E_CONFLICT) pf_errf(eb, err, "email address already in use");
    }
    pf_user_clear(&u);
    return err;
}

pf_err pf_account_edit(pf_req *r, uint64_t id, pf_account_edit_fn fn, void *ctx)
{
    edit_ctx e = {pf_req_store(r), id, fn, ctx};
    return pf_store_write(e.st, edit_txn, &e, pf_req_eb(r));
}

bool pf_account_mail(pf_req *r, const char *to, const char *subject, const char *body)
{
    pf_mailer_config mc;
    pf_errbuf eb = {{0}};
    pf_mailer_config_from(r, &mc);
    pf_err err = pf_mailer_send(&mc, to, subject, body, &eb);
    if (err) {
        FILE *f = pf_server_mail_log(pf_req_server(r));
        fprintf(f, "mail failed to=%s code=%s detail=\"%s\"\n", to, pf_err_name(err), eb.msg);
        fflush(f);
    }
    return !err;
}

const char *pf_account_site_url(pf_req *r, char *buf, size_t len)
{
    snprintf(buf, len, "%s", pf_req_setting(r, "site.url", "http://localhost:8080"));
    size_t n = strlen(buf);
    while (n && buf[n - 1] == '/')
        buf[--n] = 0;
    return buf;
}
