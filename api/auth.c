/* The /api/auth routes: register, login (with the 2FA interim step), me, email verification, password reset
 * and TOTP enrolment. Handlers only: access, rate limits and body parsing are the dispatcher's (api/http.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "api/account.h"
#include "api/jwt.h"
#include "api/routes.h"
#include "api/server.h"
#include "api/totp.h"

#define EB(r) pf_req_eb(r)

static bool truthy(const char *v)
{
    return v && (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes") || !strcasecmp(v, "on"));
}

static bool verification_required(pf_req *r)
{
    return truthy(pf_req_setting(r, "site.email_verification", "false"));
}

/* "off", "optional" or "required". */
static const char *twofa_mode(pf_req *r)
{
    return pf_req_setting(r, "site.twofa_mode", "optional");
}

/* A display name: 1 to 64 bytes, no control characters. */
static pf_err username_rule(pf_req *r, const char *s)
{
    size_t n = strnlen(s, 65);
    if (!n || n > 64) return pf_errf(EB(r), PF_E_INVALID_FIELD, "username: 1 to 64 characters");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "username: control characters are not allowed");
    return PF_E_OK;
}

static pf_err send_verify_email(pf_req *r, const char *to, const char *token, bool change)
{
    char base[512], body[1200];
    pf_account_site_url(r, base, sizeof base);
    snprintf(
        body, sizeof body,
        "%s\n\nOpen this link to confirm the address (valid for 24 hours):\n%s/api/auth/verify-email/%s\n\n"
        "If you did not ask for this, ignore this email.\n",
        change ? "You asked to change the email address of your PrintForge account to this one."
               : "Welcome to PrintForge! Please verify your email address.",
        base, token);
    pf_account_mail(r, to, change ? "Confirm your new email address" : "Verify your email address", body);
    return PF_E_OK;
}

/* Login response for u: a session JWT and the account. */
static pf_err session_response(pf_req *r, pf_resp *w, const pf_user *u, int status)
{
    char *tok = NULL;
    pf_err err = pf_account_jwt(r, u, PF_JWT_SESSION, &tok);
    if (err) return err;
    long h = strtol(pf_req_setting(r, "site.jwt_ttl_hours", "8"), NULL, 10);
    cJSON *o = cJSON_CreateObject(), *uj = pf_account_user_json(u);
    bool ok = o && uj && cJSON_AddStringToObject(o, "token", tok) &&
              cJSON_AddNumberToObject(o, "expires_in", (double)((h > 0 && h <= 720 ? h : 8) * 3600)) &&
              cJSON_AddBoolToObject(o, "twofa_setup_required",
                                    !strcmp(twofa_mode(r), "required") && !u->totp_enabled);
    if (ok) cJSON_AddItemToObject(o, "user", uj), uj = NULL;
    free(tok);
    cJSON_Delete(uj);
    if (!ok) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, status, o);
}

/* ---- register ---- */

typedef struct reg_ctx {
    pf_store *st;           /* store */
    const pf_user *tmpl;    /* the new account */
    char token[PF_OTT_MAX]; /* verification token of the last run */
    pf_user out;            /* the stored account of the last run (id set) */
} reg_ctx;

/* The account and its verification token in one transaction: the token needs the id the put assigns. */
static pf_err reg_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    reg_ctx *x = c;
    x->out = *x->tmpl; /* shallow: strings stay the caller's */
    x->out.id = 0;
    pf_err err = pf_store_user_put(x->st, t, &x->out, eb);
    if (err) return err == PF_E_CONFLICT ? pf_errf(eb, err, "email already registered") : err;
    pf_account_ott_new(PF_OTT_VERIFY, x->out.id, x->token, &x->out.verify_hash);
    x->out.verify_expires = x->out.created_at + PF_OTT_VERIFY_TTL;
    return pf_store_user_put(x->st, t, &x->out, eb);
}

static pf_err auth_register(pf_req *r, pf_resp *w)
{
    const char *username = NULL, *email = NULL, *password = NULL;
    char norm[256];
    pf_err err;
    if ((err = pf_req_json_string(r, "username", true, &username)) ||
        (err = pf_req_json_string(r, "email", true, &email)) ||
        (err = pf_req_json_string(r, "password", true, &password)))
        return err;
    if ((err = username_rule(r, username))) return err;
    if (!pf_account_email_normalize(email, norm, sizeof norm))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "email: not a valid address");
    if ((err = pf_account_password_rule(r, "password", password))) return err;
    char *hash = NULL;
    if ((err = pf_account_password_hash(r, password, &hash))) return err;
    int64_t now = (int64_t)time(NULL);
    pf_user u = {.email = norm,
                 .username = (char *)username,
                 .pass_hash = hash,
                 .role = "user",
                 .is_active = true,
                 .created_at = now,
                 .updated_at = now};
    reg_ctx x = {.st = pf_req_store(r), .tmpl = &u};
    err = pf_store_write(x.st, reg_txn, &x, EB(r));
    free(hash);
    if (err) return err;
    send_verify_email(r, norm, x.token, false);
    sodium_memzero(x.token, sizeof x.token);
    x.out.pass_hash = NULL;
    if (!verification_required(r)) return session_response(r, w, &x.out, 201);
    cJSON *o = cJSON_CreateObject(), *uj = pf_account_user_json(&x.out);
    if (!o || !uj || !cJSON_AddStringToObject(o, "message", "check your email to verify your address")) {
        cJSON_Delete(o), cJSON_Delete(uj);
        return PF_E_NOMEM;
    }
    cJSON_AddItemToObject(o, "user", uj);
    return pf_resp_json(w, 201, o);
}

/* ---- login ---- */

static pf_err auth_login(pf_req *r, pf_resp *w)
{
    const char *email = NULL, *password = NULL;
    char norm[256];
    pf_err err;
    if ((err = pf_req_json_string(r, "email", true, &email)) ||
        (err = pf_req_json_string(r, "password", true, &password)))
        return err;
    pf_user u = {0};
    bool found = pf_account_email_normalize(email, norm, sizeof norm) &&
                 !pf_store_user_by_email(pf_req_store(r), NULL, norm, &u, EB(r));
    bool ok = found && pf_account_password_verify(u.pass_hash, password);
    if (!found) {
        /* The same argon2id work as a real check, so response time does not tell which emails exist. */
        char *dummy = NULL;
        if (!pf_account_password_hash(r, password, &dummy)) free(dummy);
    }
    if (!ok) {
        pf_user_clear(&u);
        return pf_errf(EB(r), PF_E_UNAUTHORIZED, "invalid email or password");
    }
    if (!u.is_active) {
        err = pf_errf(EB(r), PF_E_FORBIDDEN, "account disabled");
    } else if (verification_required(r) && !u.email_verified) {
        err = pf_errf(EB(r), PF_E_FORBIDDEN, "email address not verified: check your inbox");
    } else if (u.totp_enabled && strcmp(twofa_mode(r), "off")) {
        char *tok = NULL;
        if (!(err = pf_account_jwt(r, &u, PF_JWT_INTERIM, &tok))) {
            cJSON *o = cJSON_CreateObject();
            if (!o || !cJSON_AddBoolToObject(o, "requires_2fa", true) ||
                !cJSON_AddStringToObject(o, "interim_token", tok) ||
                !cJSON_AddNumberToObject(o, "expires_in", PF_INTERIM_TTL)) {
                cJSON_Delete(o);
                err = PF_E_NOMEM;
            } else {
                err = pf_resp_json(w, 200, o);
            }
            free(tok);
        }
    } else {
        err = session_response(r, w, &u, 200);
    }
    pf_user_clear(&u);
    return err;
}

/* Checks a TOTP code against the stored secret inside the write transaction and records its step, so two
 * concurrent requests cannot both use one code. */
typedef struct totp_ctx {
    const char *code;   /* submitted code */
    const char *secret; /* enable: the secret to store; NULL = use the stored one */
    int mode;           /* 0 = login, 1 = enable, 2 = disable */
    pf_err fail;        /* error for a wrong code */
} totp_ctx;

static pf_err totp_edit(pf_user *u, void *c, pf_errbuf *eb)
{
    totp_ctx *x = c;
    if (x->mode != 1 && (!u->totp_enabled || !u->totp_secret))
        return pf_errf(eb, PF_E_CONFLICT, "two-factor authentication is not enabled");
    if (x->mode == 1 && u->totp_enabled)
        return pf_errf(eb, PF_E_CONFLICT, "two-factor authentication is already enabled");
    const char *secret = x->mode == 1 ? x->secret : u->totp_secret;
    int64_t step = 0;
    pf_errbuf why;
    if (pf_totp_check(secret, x->code, (int64_t)time(NULL), x->mode == 1 ? 0 : u->totp_last_step, &step,
                      &why))
        return pf_errf(eb, x->fail, "%s%s", x->fail == PF_E_INVALID_FIELD ? "code: " : "", why.msg);
    u->totp_last_step = step;
    if (x->mode == 1) {
        char *s = strdup(secret);
        if (!s) return pf_errf(eb, PF_E_NOMEM, "2fa");
        free(u->totp_secret);
        u->totp_secret = s;
        u->totp_enabled = true;
    } else if (x->mode == 2) {
        free(u->totp_secret);
        u->totp_secret = NULL;
        u->totp_enabled = false;
    }
    return PF_E_OK;
}

static pf_err auth_login_2fa(pf_req *r, pf_resp *w)
{
    const char *interim = NULL, *code = NULL;
    pf_err err;
    if ((err = pf_req_json_string(r, "interim_token", true, &interim)) ||
        (err = pf_req_json_string(r, "code", true, &code)))
        return err;
    pf_jwt_claims c;
    pf_errbuf why;
    if (pf_jwt_verify(pf_server_jwt_key(pf_req_server(r)), interim, (int64_t)time(NULL), &c, &why) ||
        strcmp(c.typ, PF_JWT_INTERIM))
        return pf_errf(EB(r), PF_E_UNAUTHORIZED, "invalid or expired interim token: log in again");
    pf_user u = {0};
    if (pf_store_user_get(pf_req_store(r), NULL, c.sub, &u, &why) || !u.is_active ||
        u.token_version != c.ver) {
        pf_user_clear(&u);
        return pf_errf(EB(r), PF_E_UNAUTHORIZED, "invalid or expired interim token: log in again");
    }
    pf_user_clear(&u);
    totp_ctx x = {.code = code, .mode = 0, .fail = PF_E_UNAUTHORIZED};
    if ((err = pf_account_edit(r, c.sub, totp_edit, &x))) return err;
    if ((err = pf_store_user_get(pf_req_store(r), NULL, c.sub, &u, EB(r)))) return err;
    err = session_response(r, w, &u, 200);
    pf_user_clear(&u);
    return err;
}

static pf_err auth_me(pf_req *r, pf_resp *w)
{
    cJSON *o = pf_account_user_json(&pf_req_principal(r)->user);
    return o ? pf_resp_json(w, 200, o) : PF_E_NOMEM;
}

/* ---- email verification, email change, password reset ---- */

typedef struct ott_ctx {
    char kind;              /* token kind */
    pf_sha256 hash;         /* digest of the submitted token */
    int64_t now;            /* time of the request */
    const char *pw_hash;    /* reset: the new password hash */
    char token[PF_OTT_MAX]; /* issue: the new token */
    char email[256];        /* verify/change: the address now verified */
} ott_ctx;

static pf_err ott_use(pf_user *u, void *c, pf_errbuf *eb)
{
    ott_ctx *x = c;
    static const pf_sha256 zero;
    if (x->kind == PF_OTT_VERIFY) {
        if (!pf_account_ott_valid(&u->verify_hash, u->verify_expires, &x->hash, x->now)) goto bad;
        u->email_verified = true;
        u->verify_hash = zero, u->verify_expires = 0;
    } else if (x->kind == PF_OTT_EMAIL_CHANGE) {
        if (!pf_account_ott_valid(&u->change_hash, u->change_expires, &x->hash, x->now) ||
            !u->pending_email)
            goto bad;
        free(u->email);
        u->email = u->pending_email;
        u->pending_email = NULL;
        u->email_verified = true;
        u->change_hash = zero, u->change_expires = 0;
    } else {
        if (!pf_account_ott_valid(&u->reset_hash, u->reset_expires, &x->hash, x->now)) goto bad;
        char *h = strdup(x->pw_hash);
        if (!h) return pf_errf(eb, PF_E_NOMEM, "reset");
        free(u->pass_hash);
        u->pass_hash = h;
        u->reset_hash = zero, u->reset_expires = 0;
        u->token_version++; /* every session of the old password ends */
    }
    snprintf(x->email, sizeof x->email, "%s", u->email ? u->email : "");
    return PF_E_OK;
bad:
    return pf_errf(eb, PF_E_INVAL, "invalid or expired link");
}

static pf_err auth_verify_email(pf_req *r, pf_resp *w)
{
    ott_ctx x = {.now = (int64_t)time(NULL)};
    uint64_t uid;
    const char *tok = pf_req_param(r, "token");
    if (!tok || !pf_account_ott_parse(tok, &x.kind, &uid, &x.hash) || x.kind == PF_OTT_RESET)
        return pf_errf(EB(r), PF_E_INVAL, "invalid or expired link");
    pf_err err = pf_account_edit(r, uid, ott_use, &x);
    if (err == PF_E_NOT_FOUND) return pf_errf(EB(r), PF_E_INVAL, "invalid or expired link");
    if (err) return err;
    cJSON *o = cJSON_CreateObject();
    if (!o ||
        !cJSON_AddStringToObject(o, "message",
                                 x.kind == PF_OTT_VERIFY ? "email verified" : "email changed") ||
        !cJSON_AddStringToObject(o, "email", x.email)) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

static pf_err message(pf_resp *w, int status, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "message", msg)) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, status, o);
}

/* Issues a fresh token of x->kind (replacing any pending one). */
static pf_err ott_issue(pf_user *u, void *c, pf_errbuf *eb)
{
    ott_ctx *x = c;
    if (x->kind == PF_OTT_VERIFY) {
        if (u->email_verified) return pf_errf(eb, PF_E_CONFLICT, "email address already verified");
        pf_account_ott_new(x->kind, u->id, x->token, &u->verify_hash);
        u->verify_expires = x->now + PF_OTT_VERIFY_TTL;
    } else {
        if (!u->is_active) return pf_errf(eb, PF_E_FORBIDDEN, "account disabled");
        pf_account_ott_new(x->kind, u->id, x->token, &u->reset_hash);
        u->reset_expires = x->now + PF_OTT_RESET_TTL;
    }
    snprintf(x->email, sizeof x->email, "%s", u->email ? u->email : "");
    return PF_E_OK;
}

static pf_err auth_resend_verify(pf_req *r, pf_resp *w)
{
    ott_ctx x = {.kind = PF_OTT_VERIFY, .now = (int64_t)time(NULL)};
    pf_err err = pf_account_edit(r, pf_req_principal(r)->user.id, ott_issue, &x);
    if (err) return err;
    send_verify_email(r, x.email, x.token, false);
    sodium_memzero(x.token, sizeof x.token);
    return message(w, 200, "verification email sent");
}

static pf_err auth_forgot_password(pf_req *r, pf_resp *w)
{
    const char *email = NULL;
    char norm[256];
    pf_err err;
    if ((err = pf_req_json_string(r, "email", true, &email))) return err;
    if (!pf_account_email_normalize(email, norm, sizeof norm))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "email: not a valid address");
    pf_user u = {0};
    pf_errbuf ignore;
    /* The answer is the same whether or not the account exists. */
    if (!pf_store_user_by_email(pf_req_store(r), NULL, norm, &u, &ignore)) {
        ott_ctx x = {.kind = PF_OTT_RESET, .now = (int64_t)time(NULL)};
        if (!pf_account_edit(r, u.id, ott_issue, &x)) {
            char base[512], body[1200];
            pf_account_site_url(r, base, sizeof base);
            snprintf(body, sizeof body,
                     "Someone asked to reset the password of your PrintForge account.\n\n"
                     "Open this link to choose a new password (valid for 1 hour, usable once):\n"
                     "%s/reset-password?token=%s\n\nIf it was not you, ignore this email.\n",
                     base, x.token);
            pf_account_mail(r, x.email, "Reset your password", body);
            sodium_memzero(x.token, sizeof x.token);
        }
        pf_user_clear(&u);
    }
    return message(w, 200, "if an account exists for that address, a reset link has been sent");
}

static pf_err auth_reset_password(pf_req *r, pf_resp *w)
{
    const char *tok = NULL, *pw = NULL;
    pf_err err;
    if ((err = pf_req_json_string(r, "token", true, &tok)) ||
        (err = pf_req_json_string(r, "new_password", true, &pw)))
        return err;
    if ((err = pf_account_password_rule(r, "new_password", pw))) return err;
    ott_ctx x = {.now = (int64_t)time(NULL)};
    uint64_t uid;
    if (!pf_account_ott_parse(tok, &x.kind, &uid, &x.hash) || x.kind != PF_OTT_RESET)
        return pf_errf(EB(r), PF_E_INVAL, "invalid or expired reset token");
    char *hash = NULL;
    if ((err = pf_account_password_hash(r, pw, &hash))) return err;
    x.pw_hash = hash;
    err = pf_account_edit(r, uid, ott_use, &x);
    free(hash);
    if (err == PF_E_NOT_FOUND || err == PF_E_INVAL)
        return pf_errf(EB(r), PF_E_INVAL, "invalid or expired reset token");
    if (err) return err;
    return message(w, 200, "password changed: log in with the new password");
}

/* ---- 2FA enrolment ---- */

static pf_err twofa_allowed(pf_req *r)
{
    if (!strcmp(twofa_mode(r), "off"))
        return pf_errf(EB(r), PF_E_CONFLICT, "two-factor authentication is turned off on this site");
    return PF_E_OK;
}

static pf_err auth_setup_2fa(pf_req *r, pf_resp *w)
{
    const pf_user *u = &pf_req_principal(r)->user;
    pf_err err;
    if ((err = twofa_allowed(r))) return err;
    if (u->totp_enabled) return pf_errf(EB(r), PF_E_CONFLICT, "two-factor authentication is already enabled");
    if (!u->email_verified) return pf_errf(EB(r), PF_E_CONFLICT, "verify your email address first");
    char *secret = NULL, *uri = NULL, *svg = NULL, *b64 = NULL;
    int modules = 0;
    cJSON *o = NULL;
    if ((err = pf_totp_secret_new(&secret, EB(r))) ||
        (err = pf_totp_uri(pf_req_setting(r, "site.name", "PrintForge"), u->email ? u->email : "", secret,
                           &uri, EB(r))) ||
        (err = pf_totp_qr_svg(uri, &svg, &modules, EB(r))))
        goto done;
    err = PF_E_NOMEM;
    size_t blen = sodium_base64_ENCODED_LEN(strlen(svg), sodium_base64_VARIANT_ORIGINAL);
    static const char prefix[] = "data:image/svg+xml;base64,";
    if (!(b64 = malloc(sizeof prefix + blen))) goto done;
    memcpy(b64, prefix, sizeof prefix - 1);
    sodium_bin2base64(b64 + sizeof prefix - 1, blen, (const uint8_t *)svg, strlen(svg),
                      sodium_base64_VARIANT_ORIGINAL);
    if (!(o = cJSON_CreateObject()) || !cJSON_AddStringToObject(o, "secret", secret) ||
        !cJSON_AddStringToObject(o, "otpauth_url", uri) || !cJSON_AddStringToObject(o, "qr_svg", svg) ||
        !cJSON_AddStringToObject(o, "qr_code", b64))
        goto done;
    err = pf_resp_json(w, 200, o);
    o = NULL;
done:
    cJSON_Delete(o);
    if (secret) sodium_memzero(secret, strlen(secret));
    free(secret), free(uri), free(svg), free(b64);
    return err;
}

static pf_err auth_enable_2fa(pf_req *r, pf_resp *w)
{
    const char *secret = NULL, *code = NULL;
    pf_err err;
    if ((err = pf_req_json_string(r, "secret", true, &secret)) ||
        (err = pf_req_json_string(r, "code", true, &code)))
        return err;
    if ((err = twofa_allowed(r))) return err;
    pf_errbuf why;
    int64_t step;
    /* A malformed secret is a field error, not a wrong code. */
    if (strlen(secret) < 16 || strlen(secret) > 64 ||
        pf_totp_check(secret, "000000", 0, -1, &step, &why) == PF_E_INVAL)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "secret: not a base32 TOTP secret");
    totp_ctx x = {.code = code, .secret = secret, .mode = 1, .fail = PF_E_INVALID_FIELD};
    if ((err = pf_account_edit(r, pf_req_principal(r)->user.id, totp_edit, &x))) return err;
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddBoolToObject(o, "enabled", true)) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

static pf_err auth_disable_2fa(pf_req *r, pf_resp *w)
{
    const char *code = NULL;
    pf_err err;
    if ((err = pf_req_json_string(r, "code", true, &code))) return err;
    if (!strcmp(twofa_mode(r), "required"))
        return pf_errf(EB(r), PF_E_CONFLICT, "two-factor authentication is required on this site");
    totp_ctx x = {.code = code, .mode = 2, .fail = PF_E_INVALID_FIELD};
    if ((err = pf_account_edit(r, pf_req_principal(r)->user.id, totp_edit, &x))) return err;
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddBoolToObject(o, "enabled", false)) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

#define A PF_ACCESS_PUBLIC
#define U PF_ACCESS_USER
static const pf_route routes[] = {
    {PF_POST, "/api/auth/register", auth_register, A, NULL, PF_LIMIT_AUTH, PF_BODY_JSON, 0, NULL},
    {PF_POST, "/api/auth/login", auth_login, A, NULL, PF_LIMIT_AUTH, PF_BODY_JSON, 0, NULL},
    {PF_POST, "/api/auth/login-2fa", auth_login_2fa, A, NULL, PF_LIMIT_AUTH, PF_BODY_JSON, 0, NULL},
    {PF_GET, "/api/auth/me", auth_me, U, NULL, PF_LIMIT_GENERAL, PF_BODY_NONE, 0, NULL},
    {PF_GET, "/api/auth/verify-email/:token", auth_verify_email, A, NULL, PF_LIMIT_AUTH, PF_BODY_NONE, 0,
     NULL},
    {PF_POST, "/api/auth/resend-verify", auth_resend_verify, U, NULL, PF_LIMIT_AUTH, PF_BODY_JSON, 0, NULL},
    {PF_POST, "/api/auth/forgot-password", auth_forgot_password, A, NULL, PF_LIMIT_AUTH, PF_BODY_JSON, 0,
     NULL},
    {PF_POST, "/api/auth/reset-password", auth_reset_password, A, NULL, PF_LIMIT_AUTH, PF_BODY_JSON, 0, NULL},
    {PF_GET, "/api/auth/setup-2fa", auth_setup_2fa, U, NULL, PF_LIMIT_AUTH, PF_BODY_NONE, 0, NULL},
    {PF_POST, "/api/auth/enable-2fa", auth_enable_2fa, U, NULL, PF_LIMIT_AUTH, PF_BODY_JSON, 0, NULL},
    {PF_DELETE, "/api/auth/disable-2fa", auth_disable_2fa, U, NULL, PF_LIMIT_AUTH, PF_BODY_JSON, 0, NULL},
};
#undef A
#undef U

const pf_route_table pf_api_auth_routes = {routes, sizeof routes / sizeof routes[0]};
