/* The /api/user routes of the account owner: profile, password and email change, 2FA status and saved
 * delivery addresses with one default. Every route acts on the caller's own records only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "api/account.h"
#include "api/jwt.h"
#include "api/routes.h"

#define EB(r) pf_req_eb(r)
/* Saved addresses per account: enough for any household, small enough to list in one page. */
#define MAX_ADDRESSES 20

static const pf_user *me(pf_req *r)
{
    return &pf_req_principal(r)->user;
}

static cJSON *address_json(const pf_address *a)
{
    cJSON *o = cJSON_CreateObject();
#define S(f) cJSON_AddStringToObject(o, #f, a->f ? a->f : "")
    if (!o || !cJSON_AddNumberToObject(o, "id", (double)a->id) || !S(label) || !S(name) || !S(address) ||
        !S(city) || !S(state) || !S(zip) || !S(country) || !S(phone) ||
        !cJSON_AddBoolToObject(o, "is_default", a->is_default)) {
        cJSON_Delete(o);
        return NULL;
    }
#undef S
    return o;
}

/* The caller's addresses (newest first) as a JSON array added to parent under name. */
static pf_err add_addresses(pf_req *r, cJSON *parent, const char *name)
{
    pf_address *arr = NULL;
    size_t n = 0;
    uint64_t next;
    pf_err err = pf_store_address_list_by_user(pf_req_store(r), NULL, me(r)->id, 0, MAX_ADDRESSES * 2, &arr,
                                               &n, &next, EB(r));
    if (err) return err;
    cJSON *a = cJSON_AddArrayToObject(parent, name);
    for (size_t i = 0; a && i < n; i++) {
        cJSON *one = address_json(&arr[i]);
        if (!one || !cJSON_AddItemToArray(a, one)) {
            cJSON_Delete(one);
            a = NULL;
        }
    }
    pf_address_list_free(arr, n);
    return a ? PF_E_OK : PF_E_NOMEM;
}

static pf_err profile_get(pf_req *r, pf_resp *w)
{
    const pf_user *u = me(r);
    cJSON *o = pf_account_user_json(u);
    if (!o) return PF_E_NOMEM;
    if (u->pending_email && !cJSON_AddStringToObject(o, "pending_email", u->pending_email)) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    pf_err err = add_addresses(r, o, "addresses");
    if (err) {
        cJSON_Delete(o);
        return err;
    }
    return pf_resp_json(w, 200, o);
}

static pf_err set_username(pf_user *u, void *c, pf_errbuf *eb)
{
    char *s = strdup(c);
    if (!s) return pf_errf(eb, PF_E_NOMEM, "profile");
    free(u->username);
    u->username = s;
    return PF_E_OK;
}

static pf_err profile_patch(pf_req *r, pf_resp *w)
{
    const char *name = NULL;
    pf_err err;
    if ((err = pf_req_json_string(r, "username", true, &name))) return err;
    size_t n = strnlen(name, 65);
    if (!n || n > 64) return pf_errf(EB(r), PF_E_INVALID_FIELD, "username: 1 to 64 characters");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < ' ' || name[i] == 0x7f)
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "username: control characters are not allowed");
    if ((err = pf_account_edit(r, me(r)->id, set_username, (void *)name))) return err;
    pf_user u = {0};
    if ((err = pf_store_user_get(pf_req_store(r), NULL, me(r)->id, &u, EB(r)))) return err;
    cJSON *o = pf_account_user_json(&u);
    pf_user_clear(&u);
    return o ? pf_resp_json(w, 200, o) : PF_E_NOMEM;
}

typedef struct pw_ctx {
    const char *hash; /* new argon2id string */
    uint64_t version; /* token version after the change */
} pw_ctx;

static pf_err set_password(pf_user *u, void *c, pf_errbuf *eb)
{
    pw_ctx *x = c;
    char *h = strdup(x->hash);
    if (!h) return pf_errf(eb, PF_E_NOMEM, "password");
    free(u->pass_hash);
    u->pass_hash = h;
    x->version = ++u->token_version; /* every other session ends */
    return PF_E_OK;
}

static pf_err change_password(pf_req *r, pf_resp *w)
{
    const char *cur = NULL, *pw = NULL;
    pf_err err;
    if ((err = pf_req_json_string(r, "current_password", true, &cur)) ||
        (err = pf_req_json_string(r, "new_password", true, &pw)))
        return err;
    if (!pf_account_password_verify(me(r)->pass_hash, cur))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "current_password: incorrect");
    if ((err = pf_account_password_rule(r, "new_password", pw))) return err;
    char *hash = NULL;
    if ((err = pf_account_password_hash(r, pw, &hash))) return err;
    pw_ctx x = {hash, 0};
    err = pf_account_edit(r, me(r)->id, set_password, &x);
    free(hash);
    if (err) return err;
    /* The caller's own token ended too: hand back a fresh one so this session continues. */
    pf_user u = *me(r);
    u.token_version = x.version;
    char *tok = NULL;
    if ((err = pf_account_jwt(r, &u, PF_JWT_SESSION, &tok))) return err;
    cJSON *o = cJSON_CreateObject();
    bool ok = o && cJSON_AddStringToObject(o, "message", "password changed") &&
              cJSON_AddStringToObject(o, "token", tok);
    free(tok);
    if (!ok) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

typedef struct email_ctx {
    const char *email;      /* requested address */
    char token[PF_OTT_MAX]; /* the confirmation token */
} email_ctx;

static pf_err set_pending_email(pf_user *u, void *c, pf_errbuf *eb)
{
    email_ctx *x = c;
    char *e = strdup(x->email);
    if (!e) return pf_errf(eb, PF_E_NOMEM, "email change");
    free(u->pending_email);
    u->pending_email = e;
    pf_account_ott_new(PF_OTT_EMAIL_CHANGE, u->id, x->token, &u->change_hash);
    u->change_expires = (int64_t)time(NULL) + PF_OTT_EMAIL_CHANGE_TTL;
    return PF_E_OK;
}

static pf_err request_email_change(pf_req *r, pf_resp *w)
{
    const char *email = NULL, *pw = NULL;
    char norm[256];
    pf_err err;
    if ((err = pf_req_json_string(r, "new_email", true, &email)) ||
        (err = pf_req_json_string(r, "password", true, &pw)))
        return err;
    if (!pf_account_email_normalize(email, norm, sizeof norm))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "new_email: not a valid address");
    if (!pf_account_password_verify(me(r)->pass_hash, pw))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "password: incorrect");
    if (me(r)->email && !strcmp(norm, me(r)->email))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "new_email: same as the current address");
    pf_user other = {0};
    pf_errbuf ignore;
    if (!pf_store_user_by_email(pf_req_store(r), NULL, norm, &other, &ignore)) {
        pf_user_clear(&other);
        return pf_errf(EB(r), PF_E_CONFLICT, "email address already in use");
    }
    email_ctx x = {.email = norm};
    if ((err = pf_account_edit(r, me(r)->id, set_pending_email, &x))) return err;
    char base[512], body[1200];
    pf_account_site_url(r, base, sizeof base);
    snprintf(body, sizeof body,
             "You asked to change the email address of your PrintForge account to this one.\n\n"
             "Open this link to confirm (valid for 24 hours); your address changes only then:\n"
             "%s/api/auth/verify-email/%s\n\nIf you did not ask for this, ignore this email.\n",
             base, x.token);
    pf_account_mail(r, norm, "Confirm your new email address", body);
    sodium_memzero(x.token, sizeof x.token);
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "message", "check the new address for a confirmation link") ||
        !cJSON_AddStringToObject(o, "pending_email", norm)) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

static pf_err twofa_status(pf_req *r, pf_resp *w)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddBoolToObject(o, "enabled", me(r)->totp_enabled)) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

/* ---- addresses ---- */

static pf_err addresses_list(pf_req *r, pf_resp *w)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return PF_E_NOMEM;
    pf_err err = add_addresses(r, o, "addresses");
    if (err) {
        cJSON_Delete(o);
        return err;
    }
    return pf_resp_json(w, 200, o);
}

/* Fills the text fields of a from the body: name, address, city, state, zip and country required; label
 * (default "Home") and phone optional; each at most 200 bytes. Strings are borrowed from the body. */
static pf_err address_from_body(pf_req *r, pf_address *a)
{
    static const char *const req[] = {"name", "address", "city", "state", "zip", "country"};
    char **dst[] = {&a->name, &a->address, &a->city, &a->state, &a->zip, &a->country};
    const char *v = NULL;
    pf_err err;
    for (size_t i = 0; i < 6; i++) {
        if ((err = pf_req_json_string(r, req[i], true, &v))) return err;
        if (!*v || strlen(v) > 200)
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: 1 to 200 characters", req[i]);
        *dst[i] = (char *)v;
    }
    const char *label = "Home", *phone = "";
    if ((err = pf_req_json_string(r, "label", false, &label)) ||
        (err = pf_req_json_string(r, "phone", false, &phone)))
        return err;
    if (strlen(label) > 200) return pf_errf(EB(r), PF_E_INVALID_FIELD, "label: at most 200 characters");
    if (strlen(phone) > 40) return pf_errf(EB(r), PF_E_INVALID_FIELD, "phone: at most 40 characters");
    a->label = (char *)label;
    a->phone = (char *)phone;
    return PF_E_OK;
}

typedef struct addr_ctx {
    pf_store *st;         /* store */
    uint64_t user;        /* owner */
    uint64_t id;          /* target address, 0 = new */
    const pf_address *in; /* new text fields (borrowed strings), NULL for delete / set default */
    int op;               /* 0 create, 1 replace, 2 delete, 3 make default */
    uint64_t out_id;      /* the address written */
} addr_ctx;

/* Create, replace, delete or make default, with the one-default rule kept in the same transaction: the
 * first address becomes the default, deleting the default promotes the newest remaining one. */
static pf_err addr_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    addr_ctx *x = c;
    pf_address *arr = NULL;
    size_t n = 0;
    uint64_t next;
    pf_err err = pf_store_address_list_by_user(x->st, t, x->user, 0, MAX_ADDRESSES * 2, &arr, &n, &next, eb);
    if (err) return err;
    size_t at = n;
    for (size_t i = 0; i < n; i++)
        if (arr[i].id == x->id) at = i;
    if (x->op != 0 && at == n) {
        err = pf_errf(eb, PF_E_NOT_FOUND, "no such address");
        goto done;
    }
    if (x->op == 0) {
        if (n >= MAX_ADDRESSES) {
            err = pf_errf(eb, PF_E_CONFLICT, "at most %d saved addresses", MAX_ADDRESSES);
            goto done;
        }
        pf_address a = *x->in;
        a.id = 0, a.user_id = x->user, a.is_default = n == 0;
        err = pf_store_address_put(x->st, t, &a, eb);
        x->out_id = a.id;
    } else if (x->op == 1) {
        pf_address a = *x->in;
        a.id = x->id, a.user_id = x->user, a.is_default = arr[at].is_default;
        err = pf_store_address_put(x->st, t, &a, eb);
        x->out_id = a.id;
    } else if (x->op == 2) {
        err = pf_store_address_del(x->st, t, x->id, eb);
        if (!err && arr[at].is_default && n > 1) {
            pf_address *heir = &arr[at == 0 ? 1 : 0]; /* newest remaining */
            heir->is_default = true;
            err = pf_store_address_put(x->st, t, heir, eb);
        }
    } else {
        for (size_t i = 0; i < n && !err; i++)
            if (arr[i].is_default != (i == at)) {
                arr[i].is_default = i == at;
                err = pf_store_address_put(x->st, t, &arr[i], eb);
            }
        x->out_id = x->id;
    }
done:
    pf_address_list_free(arr, n);
    return err;
}

static pf_err addr_run(pf_req *r, pf_resp *w, addr_ctx *x, int status)
{
    x->st = pf_req_store(r);
    x->user = me(r)->id;
    pf_err err = pf_store_write(x->st, addr_txn, x, EB(r));
    if (err) return err;
    if (x->op == 2) return PF_E_OK; /* 204 */
    pf_address a = {0};
    if ((err = pf_store_address_get(x->st, NULL, x->out_id, &a, EB(r)))) return err;
    cJSON *o = address_json(&a);
    pf_address_clear(&a);
    return o ? pf_resp_json(w, status, o) : PF_E_NOMEM;
}

static pf_err address_create(pf_req *r, pf_resp *w)
{
    pf_address in = {0};
    pf_err err = address_from_body(r, &in);
    if (err) return err;
    addr_ctx x = {.in = &in, .op = 0};
    return addr_run(r, w, &x, 201);
}

static pf_err address_replace(pf_req *r, pf_resp *w)
{
    pf_address in = {0};
    addr_ctx x = {.in = &in, .op = 1};
    pf_err err = pf_req_param_id(r, "id", &x.id);
    if (!err) err = address_from_body(r, &in);
    return err ? err : addr_run(r, w, &x, 200);
}

static pf_err address_delete(pf_req *r, pf_resp *w)
{
    addr_ctx x = {.op = 2};
    pf_err err = pf_req_param_id(r, "id", &x.id);
    return err ? err : addr_run(r, w, &x, 204);
}

static pf_err address_default(pf_req *r, pf_resp *w)
{
    addr_ctx x = {.op = 3};
    pf_err err = pf_req_param_id(r, "id", &x.id);
    return err ? err : addr_run(r, w, &x, 200);
}

#define U PF_ACCESS_USER
#define G PF_LIMIT_GENERAL
static const pf_route routes[] = {
    {PF_GET, "/api/user/profile", profile_get, U, NULL, G, PF_BODY_NONE, 0, NULL},
    {PF_PATCH, "/api/user/profile", profile_patch, U, NULL, G, PF_BODY_JSON, 0, NULL},
    {PF_POST, "/api/user/change-password", change_password, U, NULL, PF_LIMIT_AUTH, PF_BODY_JSON, 0, NULL},
    {PF_POST, "/api/user/request-email-change", request_email_change, U, NULL, PF_LIMIT_AUTH, PF_BODY_JSON, 0,
     NULL},
    {PF_GET, "/api/user/2fa-status", twofa_status, U, NULL, G, PF_BODY_NONE, 0, NULL},
    {PF_GET, "/api/user/addresses", addresses_list, U, NULL, G, PF_BODY_NONE, 0, NULL},
    {PF_POST, "/api/user/addresses", address_create, U, NULL, G, PF_BODY_JSON, 0, NULL},
    {PF_PUT, "/api/user/addresses/:id", address_replace, U, NULL, G, PF_BODY_JSON, 0, NULL},
    {PF_DELETE, "/api/user/addresses/:id", address_delete, U, NULL, G, PF_BODY_NONE, 0, NULL},
    {PF_PATCH, "/api/user/addresses/:id/default", address_default, U, NULL, G, PF_BODY_NONE, 0, NULL},
};
#undef U
#undef G

const pf_route_table pf_api_user_routes = {routes, sizeof routes / sizeof routes[0]};
