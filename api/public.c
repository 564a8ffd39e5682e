/* Public endpoints (health, site and about info, robots.txt) and the admin rate-limiter settings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/config.h"
#include "api/routes.h"
#include "api/server.h"

static pf_err health(pf_req *r, pf_resp *w)
{
    (void)r;
    static const char body[] = "{\"status\":\"ok\"}";
    return pf_resp_bytes(w, 200, "application/json; charset=utf-8", body, sizeof body - 1);
}

static bool truthy(const char *v)
{
    return v && (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes") || !strcasecmp(v, "on"));
}

/* Adds every setting under prefix to o, keyed by the rest of its name. */
static bool add_prefixed(cJSON *o, const pf_api_config *c, const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < c->n; i++)
        if (!strncmp(c->kv[i].key, prefix, n) && c->kv[i].key[n] && c->kv[i].value) {
            cJSON_DeleteItemFromObjectCaseSensitive(o, c->kv[i].key + n);
            if (!cJSON_AddStringToObject(o, c->kv[i].key + n, c->kv[i].value)) return false;
        }
    return true;
}

/* Storefront branding. A whitelist: settings also hold values the public must not see (SMTP, cost
 * internals), so only these keys and the company.* / social.* groups are published. */
static pf_err site_info(pf_req *r, pf_resp *w)
{
    const pf_api_config *c = pf_req_config(r);
    const char *currency = pf_req_setting(r, "site.currency", "INR");
    cJSON *o = cJSON_CreateObject(), *formats = NULL, *company, *social;
    if (!o) return PF_E_NOMEM;
    bool ok =
        cJSON_AddStringToObject(o, "name", pf_req_setting(r, "site.name", "PrintForge Studio")) &&
        cJSON_AddStringToObject(o, "logo_url", pf_req_setting(r, "site.logo_url", "")) &&
        cJSON_AddStringToObject(o, "currency", currency) &&
        cJSON_AddStringToObject(o, "currency_symbol", !strcmp(currency, "INR") ? "\u20b9" : currency) &&
        cJSON_AddStringToObject(o, "upi_id", pf_req_setting(r, "site.upi_id", "")) &&
        cJSON_AddStringToObject(o, "upi_name", pf_req_setting(r, "site.upi_name", "")) &&
        cJSON_AddNumberToObject(o, "max_file_size_mb",
                                atof(pf_req_setting(r, "site.max_file_size_mb", "50"))) &&
        (formats = cJSON_AddArrayToObject(o, "upload_formats")) &&
        cJSON_AddStringToObject(o, "default_color", pf_req_setting(r, "cost.default_color", "#8C8C8C")) &&
        cJSON_AddNumberToObject(o, "gst_pct", atof(pf_req_setting(r, "cost.gst_pct", "18"))) &&
        cJSON_AddStringToObject(o, "twofa_mode", pf_req_setting(r, "site.twofa_mode", "optional")) &&
        cJSON_AddBoolToObject(o, "email_verification",
                              truthy(pf_req_setting(r, "site.email_verification", "false"))) &&
        (company = cJSON_AddObjectToObject(o, "company")) && add_prefixed(company, c, "company.") &&
        (social = cJSON_AddObjectToObject(o, "social")) && add_prefixed(social, c, "social.");
    const char *f = pf_req_setting(r, "site.upload_formats", "stl,obj,3mf");
    while (ok && *f) {
        size_t n = strcspn(f, ", ");
        if (n) {
            char fmt[16];
            snprintf(fmt, sizeof fmt, "%.*s", (int)(n < 15 ? n : 15), f);
            ok = cJSON_AddItemToArray(formats, cJSON_CreateString(fmt));
        }
        f += n + (f[n] != 0);
    }
    if (!ok) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

/* About page defaults (the storefront's own copy); about.* settings override them key by key. */
static const char *const about_defaults[][2] = {
    {"hero_title", "Affordable 3D Printing for Everyone"},
    {"hero_subtitle",
     "Born from a passion for making \u2014 built to bring professional 3D printing within reach of "
     "students, creators, and everyday people."},
    {"story_title", "Why We Built PrintForge Studio"},
    {"story_text",
     "3D printing has long been a technology reserved for large companies and well-funded labs. We "
     "believe that shouldn't be the case."},
    {"mission_title", "Our Mission"},
    {"mission_text",
     "To make professional 3D printing as simple as uploading a file \u2014 affordable, fast, and "
     "available to everyone across India."},
    {"stats_enabled", "true"},
    {"card_students_enabled", "true"},
    {"card_students_title", "Students & Makers"},
    {"card_students_text", "Bring your project ideas to life without expensive equipment."},
    {"card_gifting_enabled", "true"},
    {"card_gifting_title", "Personalised Gifting"},
    {"card_gifting_text", "Create one-of-a-kind gifts that no shop can offer."},
    {"card_repair_enabled", "true"},
    {"card_repair_title", "Repair & Replace"},
    {"card_repair_text", "Stop throwing things away when a part breaks."},
    {"cta_title", "Ready to print something amazing?"},
    {"cta_text", "Upload your file, get an instant quote, and we'll handle the rest."},
};

static pf_err about_info(pf_req *r, pf_resp *w)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    for (size_t i = 0; ok && i < sizeof about_defaults / sizeof about_defaults[0]; i++)
        ok = cJSON_AddStringToObject(o, about_defaults[i][0], about_defaults[i][1]) != NULL;
    if (!ok || !add_prefixed(o, pf_req_config(r), "about.")) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

/* robots.txt: the seo.robots_txt setting verbatim when set, else a default that keeps crawlers out of the
 * API and account pages and points them at the sitemap (absolute URL from site.url or the Host header). */
static pf_err robots(pf_req *r, pf_resp *w)
{
    const char *custom = pf_req_setting(r, "seo.robots_txt", "");
    if (*custom) return pf_resp_bytes(w, 200, "text/plain; charset=utf-8", custom, strlen(custom));
    const char *base = pf_req_setting(r, "site.url", "");
    char origin[300];
    if (*base) {
        size_t n = strlen(base);
        while (n && base[n - 1] == '/')
            n--;
        snprintf(origin, sizeof origin, "%.*s", (int)(n < 290 ? n : 290), base);
    } else {
        const char *host = pf_req_header(r, "Host");
        /* The Host header is client input: keep only characters a host[:port] can hold. */
        size_t n =
            host ? strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") : 0;
        snprintf(origin, sizeof origin, "http://%.*s", (int)(n && n < 256 ? n : 9),
                 n && n < 256 ? host : "localhost");
    }
    char body[1024];
    int n = snprintf(body, sizeof body,
                     "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /admin\nDisallow: /account\n"
                     "Disallow: /checkout\n\nSitemap: %s/sitemap.xml\n",
                     origin);
    return pf_resp_bytes(w, 200, "text/plain; charset=utf-8", body, (size_t)n);
}

/* ---- rate limiter settings ---- */

static const char *const limiter_keys[] = {"general", "upload", "auth", "quote", "model_file"};

static cJSON *limiter_json(const pf_api_config *c)
{
    cJSON *o = cJSON_CreateObject(), *roles;
    bool ok = o != NULL;
    for (int i = 0; ok && i < PF_RL__COUNT; i++) {
        char k[48];
        snprintf(k, sizeof k, "%s_max", limiter_keys[i]);
        ok = cJSON_AddNumberToObject(o, k, c->limits[i].max) != NULL;
        snprintf(k, sizeof k, "%s_window_min", limiter_keys[i]);
        ok = ok && cJSON_AddNumberToObject(o, k, (double)c->limits[i].window_ms / 60000.0);
    }
    ok = ok && (roles = cJSON_AddArrayToObject(o, "bypass_roles"));
    static const char *const names[] = {"user", "moderator", "admin"};
    for (unsigned r = PF_ROLE_USER; ok && r <= PF_ROLE_ADMIN; r++)
        if (c->bypass_roles & (1u << r)) ok = cJSON_AddItemToArray(roles, cJSON_CreateString(names[r - 1]));
    if (!ok) cJSON_Delete(o), o = NULL;
    return o;
}

static pf_err limiter_get(pf_req *r, pf_resp *w)
{
    cJSON *o = limiter_json(pf_req_config(r));
    return o ? pf_resp_json(w, 200, o) : PF_E_NOMEM;
}

typedef struct limiter_update {
    char keys[2 * PF_RL__COUNT + 1][64]; /* setting keys to write */
    char vals[2 * PF_RL__COUNT + 1][64]; /* their values */
    int n;                               /* count */
    uint64_t actor;                      /* admin user id */
    pf_store *st;                        /* store */
} limiter_update;

static pf_err limiter_write(pf_txn *t, void *ctx, pf_errbuf *eb)
{
    limiter_update *u = ctx;
    pf_err err = PF_E_OK;
    for (int i = 0; i < u->n && !err; i++)
        err = pf_store_setting_set(u->st, t, u->keys[i], u->vals[i], u->actor, eb);
    return err;
}

/* Validates every field first, then writes them in one transaction: a bad field changes nothing. */
static pf_err limiter_put(pf_req *r, pf_resp *w)
{
    limiter_update u = {.actor = pf_req_principal(r)->user.id, .st = pf_req_store(r)};
    pf_errbuf *eb = pf_req_eb(r);
    if (!pf_req_json(r)) return pf_errf(eb, PF_E_INVAL, "expected a JSON object of limiter settings");
    for (int i = 0; i < PF_RL__COUNT; i++) {
        char k[48];
        double v = NAN;
        snprintf(k, sizeof k, "%s_max", limiter_keys[i]);
        pf_err err = pf_req_json_number(r, k, false, &v);
        if (err) return err;
        if (!isnan(v)) {
            if (v < 0 || v > 1e6 || v != floor(v))
                return pf_errf(eb, PF_E_INVALID_FIELD, "%s: a whole number from 0 to 1000000", k);
            snprintf(u.keys[u.n], sizeof u.keys[0], "ratelimit.%s", k);
            snprintf(u.vals[u.n++], sizeof u.vals[0], "%.0f", v);
        }
        v = NAN;
        snprintf(k, sizeof k, "%s_window_min", limiter_keys[i]);
        if ((err = pf_req_json_number(r, k, false, &v))) return err;
        if (!isnan(v)) {
            if (!(v > 0) || v > 7 * 24 * 60)
                return pf_errf(eb, PF_E_INVALID_FIELD, "%s: minutes, above 0 and at most 10080", k);
            snprintf(u.keys[u.n], sizeof u.keys[0], "ratelimit.%s", k);
            snprintf(u.vals[u.n++], sizeof u.vals[0], "%.17g", v);
        }
    }
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(pf_req_json(r), "bypass_roles");
    if (roles && !cJSON_IsNull(roles)) {
        if (!cJSON_IsArray(roles)) return pf_errf(eb, PF_E_INVALID_FIELD, "bypass_roles: must be an array");
        char list[64] = "";
        const cJSON *it;
        cJSON_ArrayForEach(it, roles)
        {
            if (!cJSON_IsString(it) || pf_api_role_parse(it->valuestring) == PF_ROLE_NONE)
                return pf_errf(eb, PF_E_INVALID_FIELD, "bypass_roles: each must be user, moderator or admin");
            if (!strstr(list, it->valuestring))
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", *list ? "," : "",
                         it->valuestring);
        }
        snprintf(u.keys[u.n], sizeof u.keys[0], "ratelimit.bypass_roles");
        snprintf(u.vals[u.n++], sizeof u.vals[0], "%s", list);
    }
    pf_err err = pf_store_write(u.st, limiter_write, &u, eb);
    if (err) return err;
    pf_server_settings_changed(pf_req_server(r));
    pf_api_config *fresh = NULL;
    if ((err = pf_api_config_load(u.st, &fresh, eb))) return err;
    cJSON *o = limiter_json(fresh);
    pf_api_config_release(fresh);
    return o ? pf_resp_json(w, 200, o) : PF_E_NOMEM;
}

static const pf_route routes[] = {
    {PF_GET, "/api/health", health, PF_ACCESS_PUBLIC, NULL, PF_LIMIT_GENERAL, PF_BODY_NONE, 0, NULL},
    {PF_GET, "/api/public/site-info", site_info, PF_ACCESS_PUBLIC, NULL, PF_LIMIT_GENERAL, PF_BODY_NONE, 0,
     NULL},
    {PF_GET, "/api/public/about-info", about_info, PF_ACCESS_PUBLIC, NULL, PF_LIMIT_GENERAL, PF_BODY_NONE, 0,
     NULL},
    {PF_GET, "/robots.txt", robots, PF_ACCESS_PUBLIC, NULL, PF_LIMIT_NONE, PF_BODY_NONE, 0, NULL},
    {PF_GET, "/api/admin/rate-limiter", limiter_get, PF_ACCESS_ADMIN, "admin:read", PF_LIMIT_GENERAL,
     PF_BODY_NONE, 0, NULL},
    {PF_PUT, "/api/admin/rate-limiter", limiter_put, PF_ACCESS_ADMIN_JWT, NULL, PF_LIMIT_GENERAL,
     PF_BODY_JSON, 0, NULL},
};

const pf_route_table pf_api_public_routes = {routes, sizeof routes / sizeof routes[0]};
