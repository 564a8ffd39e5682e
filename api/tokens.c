/* /api/admin/tokens: personal access tokens (pf_...) created by admins with the API reference's scopes and an
 * optional expiry, shown once and stored as SHA-256 digests; list, revoke, delete (with their logs), bulk
 * revoke and delete, and the access logs the dispatcher writes for every PAT-authenticated request. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "api/routes.h"

#define EB(r) pf_req_eb(r)
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING
/* 30 random bytes: 40 base64url characters after "pf_" (240 bits). */
#define TOKEN_BYTES 30
#define PREFIX_LEN 11 /* "pf_" and 8 characters, shown in lists to tell tokens apart */
#define MAX_BULK 1000
#define LOGS_ALL 500
#define LOGS_ONE 200

/* The scopes of the API reference's PAT table, and only those. */
static const char *const scopes[] = {"orders:read",  "orders:write",  "payment:write",
                                     "catalog:read", "catalog:write", "admin:read"};

static cJSON *pat_json(const pf_pat *p, int64_t now)
{
    cJSON *o = cJSON_CreateObject(), *perm = NULL;
    const char *status = p->revoked                              ? "revoked"
                         : p->expires_at && p->expires_at <= now ? "expired"
                                                                 : "active";
    bool ok = o && cJSON_AddNumberToObject(o, "id", (double)p->id) &&
              cJSON_AddStringToObject(o, "name", p->name ? p->name : "") &&
              cJSON_AddStringToObject(o, "description", p->description ? p->description : "") &&
              cJSON_AddStringToObject(o, "prefix", p->prefix ? p->prefix : "") &&
              (perm = cJSON_AddArrayToObject(o, "permissions")) &&
              cJSON_AddNumberToObject(o, "created_by", (double)p->created_by) &&
              cJSON_AddNumberToObject(o, "created_at", (double)p->created_at) &&
              (p->expires_at ? cJSON_AddNumberToObject(o, "expires_at", (double)p->expires_at)
                             : cJSON_AddNullToObject(o, "expires_at")) &&
              (p->last_used_at ? cJSON_AddNumberToObject(o, "last_used_at", (double)p->last_used_at)
                               : cJSON_AddNullToObject(o, "last_used_at")) &&
              cJSON_AddBoolToObject(o, "revoked", p->revoked) && cJSON_AddStringToObject(o, "status", status);
    for (size_t i = 0; ok && i < p->scopes.n; i++)
        ok = cJSON_AddItemToArray(perm, cJSON_CreateString(p->scopes.v[i]));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static pf_err tokens_list(pf_req *r, pf_resp *w)
{
    cJSON *o = cJSON_CreateObject(), *a = o ? cJSON_AddArrayToObject(o, "tokens") : NULL;
    pf_err err = a ? PF_E_OK : PF_E_NOMEM;
    int64_t now = (int64_t)time(NULL);
    uint64_t before = 0;
    do {
        pf_pat *arr = NULL;
        size_t n = 0;
        if ((err = pf_store_pat_list(pf_req_store(r), NULL, before, 256, &arr, &n, &before, EB(r)))) break;
        for (size_t i = 0; i < n && !err; i++) {
            cJSON *one = pat_json(&arr[i], now);
            if (!one || !cJSON_AddItemToArray(a, one)) cJSON_Delete(one), err = PF_E_NOMEM;
        }
        pf_pat_list_free(arr, n);
    } while (!err && before);
    if (err) {
        cJSON_Delete(o);
        return err;
    }
    return pf_resp_json(w, 200, o);
}

/* permissions[]: at least one, each from the scope table, duplicates dropped. */
static pf_err read_scopes(pf_req *r, pf_strv *out)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(pf_req_json(r), "permissions");
    if (!cJSON_IsArray(a) || !cJSON_GetArraySize(a))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "permissions: must be a non-empty array of scopes");
    bool want[sizeof scopes / sizeof scopes[0]] = {0};
    const cJSON *v;
    cJSON_ArrayForEach(v, a)
    {
        size_t k = 0;
        while (k < sizeof scopes / sizeof scopes[0] &&
               !(cJSON_IsString(v) && !strcmp(v->valuestring, scopes[k])))
            k++;
        if (k == sizeof scopes / sizeof scopes[0])
            return pf_errf(
                EB(r), PF_E_INVALID_FIELD,
                "permissions: unknown scope (orders:read, orders:write, payment:write, catalog:read, "
                "catalog:write, admin:read)");
        want[k] = true;
    }
    if (!(out->v = calloc(sizeof scopes / sizeof scopes[0], sizeof *out->v))) return PF_E_NOMEM;
    for (size_t k = 0; k < sizeof scopes / sizeof scopes[0]; k++)
        if (want[k] && !(out->v[out->n++] = strdup(scopes[k]))) return PF_E_NOMEM;
    return PF_E_OK;
}

static pf_err tokens_create(pf_req *r, pf_resp *w)
{
    const char *name = NULL, *desc = "";
    double days = 0;
    pf_err err;
    if ((err = pf_req_json_string(r, "name", true, &name)) ||
        (err = pf_req_json_string(r, "description", false, &desc)) ||
        (err = pf_req_json_number(r, "expires_in_days", false, &days)))
        return err;
    if (!*name || strlen(name) > 100) return pf_errf(EB(r), PF_E_INVALID_FIELD, "name: 1 to 100 characters");
    if (strlen(desc) > 1000)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "description: at most 1000 characters");
    if (!(days >= 0 && days <= 3650 && floor(days) == days))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "expires_in_days: a whole number from 0 (never) to 3650");
    int64_t now = (int64_t)time(NULL);
    char token[3 + 64];
    uint8_t rnd[TOKEN_BYTES];
    pf_pat p = {.created_by = pf_req_principal(r)->user.id, .created_at = now};
    if ((err = read_scopes(r, &p.scopes))) goto done;
    memcpy(token, "pf_", 3);
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2base64(token + 3, sizeof token - 3, rnd, sizeof rnd, B64);
    sodium_memzero(rnd, sizeof rnd);
    crypto_hash_sha256(p.token_hash.b, (const uint8_t *)token, strlen(token));
    p.expires_at = days > 0 ? now + (int64_t)days * 86400 : 0;
    if (!(p.name = strdup(name)) || !(p.description = strdup(desc)) ||
        !(p.prefix = strndup(token, PREFIX_LEN))) {
        err = PF_E_NOMEM;
        goto done;
    }
    if ((err = pf_store_pat_put(pf_req_store(r), NULL, &p, EB(r)))) goto done;
    cJSON *o = pat_json(&p, now);
    /* The only time the plaintext leaves the server. */
    if (!o || !cJSON_AddStringToObject(o, "token", token)) {
        cJSON_Delete(o);
        err = PF_E_NOMEM;
        goto done;
    }
    err = pf_resp_json(w, 201, o);
done:
    sodium_memzero(token, sizeof token);
    pf_pat_clear(&p);
    return err;
}

/* Revokes or deletes (with its logs) one token inside t. PF_E_NOT_FOUND when absent. */
static pf_err pat_apply(pf_store *st, pf_txn *t, uint64_t id, bool del, pf_errbuf *eb)
{
    pf_pat p = {0};
    pf_err err = pf_store_pat_get(st, t, id, &p, eb);
    if (err) return err;
    if (!del) {
        p.revoked = true;
        err = pf_store_pat_put(st, t, &p, eb);
    } else {
        /* Logs first, a page at a time, then the token. */
        for (;;) {
            pf_pat_log *logs = NULL;
            size_t n = 0;
            uint64_t next;
            if ((err = pf_store_pat_log_list_by_pat(st, t, id, 0, 256, &logs, &n, &next, eb))) break;
            for (size_t i = 0; i < n && !err; i++)
                err = pf_store_pat_log_del(st, t, logs[i].id, eb);
            pf_pat_log_list_free(logs, n);
            if (err || !n) break;
        }
        if (!err) err = pf_store_pat_del(st, t, id, eb);
    }
    pf_pat_clear(&p);
    return err;
}

typedef struct bulk_ctx {
    pf_store *st;        /* store */
    const uint64_t *ids; /* tokens */
    size_t n;            /* count */
    bool del;            /* delete instead of revoke */
    size_t done;         /* tokens changed */
    bool single;         /* one id from the path: absent is an error */
} bulk_ctx;

static pf_err bulk_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    bulk_ctx *x = c;
    x->done = 0;
    for (size_t i = 0; i < x->n; i++) {
        pf_err err = pat_apply(x->st, t, x->ids[i], x->del, eb);
        if (err == PF_E_NOT_FOUND && !x->single) continue;
        if (err == PF_E_NOT_FOUND) return pf_errf(eb, err, "no such token");
        if (err) return err;
        x->done++;
    }
    return PF_E_OK;
}

static pf_err token_one(pf_req *r, pf_resp *w, bool del)
{
    uint64_t id;
    pf_err err = pf_req_param_id(r, "id", &id);
    if (err) return err;
    bulk_ctx x = {pf_req_store(r), &id, 1, del, 0, true};
    if ((err = pf_store_write(x.st, bulk_txn, &x, EB(r)))) return err;
    if (del) return PF_E_OK; /* 204 */
    pf_pat p = {0};
    if ((err = pf_store_pat_get(x.st, NULL, id, &p, EB(r)))) return err;
    cJSON *o = pat_json(&p, (int64_t)time(NULL));
    pf_pat_clear(&p);
    return o ? pf_resp_json(w, 200, o) : PF_E_NOMEM;
}

static pf_err token_revoke(pf_req *r, pf_resp *w)
{
    return token_one(r, w, false);
}

static pf_err token_delete(pf_req *r, pf_resp *w)
{
    return token_one(r, w, true);
}

static pf_err token_bulk(pf_req *r, pf_resp *w, bool del)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(pf_req_json(r), "ids");
    int n = cJSON_GetArraySize(a);
    if (!cJSON_IsArray(a) || n < 1 || n > MAX_BULK)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "ids: must be an array of 1 to %d token ids", MAX_BULK);
    uint64_t *ids = calloc((size_t)n, sizeof *ids);
    if (!ids) return PF_E_NOMEM;
    const cJSON *v;
    size_t k = 0;
    cJSON_ArrayForEach(v, a)
    {
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 && v->valuedouble <= 9.0e15) ||
            floor(v->valuedouble) != v->valuedouble) {
            free(ids);
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "ids: every id must be a positive integer");
        }
        ids[k++] = (uint64_t)v->valuedouble;
    }
    bulk_ctx x = {pf_req_store(r), ids, k, del, 0, false};
    pf_err err = pf_store_write(x.st, bulk_txn, &x, EB(r));
    free(ids);
    if (err) return err;
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddNumberToObject(o, del ? "deleted" : "revoked", (double)x.done)) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

static pf_err tokens_bulk_revoke(pf_req *r, pf_resp *w)
{
    return token_bulk(r, w, false);
}

static pf_err tokens_bulk_delete(pf_req *r, pf_resp *w)
{
    return token_bulk(r, w, true);
}

static pf_err logs_response(pf_req *r, pf_resp *w, pf_pat_log *logs, size_t n)
{
    cJSON *o = cJSON_CreateObject(), *a = o ? cJSON_AddArrayToObject(o, "logs") : NULL;
    bool ok = a != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        const pf_pat_log *l = &logs[i];
        cJSON *e = cJSON_CreateObject();
        ok = e && cJSON_AddItemToArray(a, e) && cJSON_AddNumberToObject(e, "id", (double)l->id) &&
             cJSON_AddNumberToObject(e, "token_id", (double)l->pat_id) &&
             cJSON_AddNumberToObject(e, "at", (double)l->at) &&
             cJSON_AddStringToObject(e, "method", l->method ? l->method : "") &&
             cJSON_AddStringToObject(e, "path", l->path ? l->path : "") &&
             cJSON_AddNumberToObject(e, "status", (double)l->status) &&
             cJSON_AddStringToObject(e, "ip", l->ip ? l->ip : "");
        if (!e) ok = false;
    }
    (void)r;
    if (!ok) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

static pf_err tokens_logs(pf_req *r, pf_resp *w)
{
    pf_pat_log *logs = NULL;
    size_t n = 0;
    uint64_t next;
    pf_err err = pf_store_pat_log_list(pf_req_store(r), NULL, 0, LOGS_ALL, &logs, &n, &next, EB(r));
    if (!err) err = logs_response(r, w, logs, n);
    pf_pat_log_list_free(logs, n);
    return err;
}

static pf_err token_logs(pf_req *r, pf_resp *w)
{
    uint64_t id;
    pf_err err = pf_req_param_id(r, "id", &id);
    if (err) return err;
    pf_pat p = {0};
    if ((err = pf_store_pat_get(pf_req_store(r), NULL, id, &p, EB(r))))
        return err == PF_E_NOT_FOUND ? pf_errf(EB(r), err, "no such token") : err;
    pf_pat_clear(&p);
    pf_pat_log *logs = NULL;
    size_t n = 0;
    uint64_t next;
    err = pf_store_pat_log_list_by_pat(pf_req_store(r), NULL, id, 0, LOGS_ONE, &logs, &n, &next, EB(r));
    if (!err) err = logs_response(r, w, logs, n);
    pf_pat_log_list_free(logs, n);
    return err;
}

#define J PF_ACCESS_ADMIN_JWT
#define G PF_LIMIT_GENERAL
static const pf_route routes[] = {
    {PF_GET, "/api/admin/tokens", tokens_list, J, NULL, G, PF_BODY_NONE, 0, NULL},
    {PF_POST, "/api/admin/tokens", tokens_create, J, NULL, G, PF_BODY_JSON, 0, NULL},
    {PF_GET, "/api/admin/tokens/logs", tokens_logs, PF_ACCESS_ADMIN, "admin:read", G, PF_BODY_NONE, 0, NULL},
    {PF_POST, "/api/admin/tokens/bulk-revoke", tokens_bulk_revoke, J, NULL, G, PF_BODY_JSON, 0, NULL},
    {PF_POST, "/api/admin/tokens/bulk-delete", tokens_bulk_delete, J, NULL, G, PF_BODY_JSON, 0, NULL},
    {PF_PATCH, "/api/admin/tokens/:id/revoke", token_revoke, J, NULL, G, PF_BODY_NONE, 0, NULL},
    {PF_DELETE, "/api/admin/tokens/:id", token_delete, J, NULL, G, PF_BODY_NONE, 0, NULL},
    {PF_GET, "/api/admin/tokens/:id/logs", token_logs, PF_ACCESS_ADMIN, "admin:read", G, PF_BODY_NONE, 0,
     NULL},
};
#undef J
#undef G

const pf_route_table pf_api_token_routes = {routes, sizeof routes / sizeof routes[0]};
