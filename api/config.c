/* Settings snapshots for the HTTP layer: load, parse the dispatcher's values, build the CSP. */
#include "api/config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const limiter_names[PF_RL__COUNT] = {"general", "upload", "auth", "quote", "model_file"};
/* The seed's defaults, used when a key is missing or unparsable (a typo must not disable a limiter). */
static const uint32_t default_max[PF_RL__COUNT] = {100, 10, 15, 20, 30};
static const double default_window_min[PF_RL__COUNT] = {15, 60, 15, 15, 15};

pf_err pf_api_config_generation(pf_store *st, uint64_t *out, pf_errbuf *eb)
{
    return pf_store_counter_get(st, NULL, "setting_change", out, eb);
}

void pf_api_config_release(pf_api_config *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1) return;
    pf_settings_free(c->kv, c->n);
    for (size_t i = 0; i < c->norigins; i++)
        free(c->origins[i]);
    free(c->origins);
    free(c->csp);
    free(c);
}

static int cmp_key(const void *k, const void *e)
{
    return strcmp(k, ((const pf_setting *)e)->key);
}

const char *pf_api_config_get(const pf_api_config *c, const char *key, const char *def)
{
    const pf_setting *s = bsearch(key, c->kv, c->n, sizeof *c->kv, cmp_key);
    return s && s->value ? s->value : def;
}

static bool truthy(const char *v)
{
    return v && (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes") || !strcasecmp(v, "on"));
}

/* Splits a list on commas, whitespace and newlines, calling fn for each non-empty word (len bytes). */
static bool each_word(const char *v, bool (*fn)(void *, const char *, size_t), void *ctx)
{
    while (v && *v) {
        while (*v && (isspace((unsigned char)*v) || *v == ','))
            v++;
        size_t n = 0;
        while (v[n] && !isspace((unsigned char)v[n]) && v[n] != ',')
            n++;
        if (n && !fn(ctx, v, n)) return false;
        v += n;
    }
    return true;
}

static bool add_role(void *ctx, const char *w, size_t n)
{
    static const char *const names[] = {
        [PF_ROLE_USER] = "user", [PF_ROLE_MODERATOR] = "moderator", [PF_ROLE_ADMIN] = "admin"};
    for (unsigned r = PF_ROLE_USER; r <= PF_ROLE_ADMIN; r++)
        if (strlen(names[r]) == n && !strncasecmp(names[r], w, n)) *(unsigned *)ctx |= 1u << r;
    return true;
}

static bool add_origin(void *ctx, const char *w, size_t n)
{
    pf_api_config *c = ctx;
    /* Only http(s) origins are meaningful; anything else in the list is ignored, as the admin page says. */
    if (!(n > 7 && !strncasecmp(w, "http://", 7)) && !(n > 8 && !strncasecmp(w, "https://", 8))) return true;
    while (n && w[n - 1] == '/')
        n--;
    char **grown = realloc(c->origins, (c->norigins + 1) * sizeof *grown);
    if (!grown) return false;
    c->origins = grown;
    if (!(c->origins[c->norigins] = strndup(w, n))) return false;
    c->norigins++;
    return true;
}

char *pf_api_csp_build(const pf_api_config *c)
{
    size_t len = 512;
    for (size_t i = 0; i < c->norigins; i++)
        len += strlen(c->origins[i]) + 1;
    char *csp = malloc(len);
    if (!csp) return NULL;
    size_t n = (size_t)snprintf(csp, len,
                                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'");
    for (size_t i = 0; i < c->norigins; i++)
        n += (size_t)snprintf(csp + n, len - n, " %s", c->origins[i]);
    snprintf(csp + n, len - n,
             "; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'");
    return csp;
}

bool pf_api_origin_allowed(const pf_api_config *c, const char *origin)
{
    if (!c->cors_enforce) return true;
    size_t n = strlen(origin);
    while (n && origin[n - 1] == '/')
        n--;
    for (size_t i = 0; i < c->norigins; i++)
        if (strlen(c->origins[i]) == n && !strncasecmp(c->origins[i], origin, n)) return true;
    return false;
}

pf_err pf_api_config_load(pf_store *st, pf_api_config **out, pf_errbuf *eb)
{
    pf_api_config *c = calloc(1, sizeof *c);
    if (!c) return pf_errf(eb, PF_E_NOMEM, "settings snapshot");
    atomic_init(&c->refs, 1);
    pf_err err = pf_api_config_generation(st, &c->generation, eb);
    if (!err) err = pf_store_settings_all(st, NULL, &c->kv, &c->n, eb);
    if (err) goto done;
    for (int i = 0; i < PF_RL__COUNT; i++) {
        char key[64], *end;
        snprintf(key, sizeof key, "ratelimit.%s_max", limiter_names[i]);
        const char *v = pf_api_config_get(c, key, NULL);
        unsigned long long max = v ? strtoull(v, &end, 10) : 0;
        c->limits[i].max = v && *v && !*end && max <= UINT32_MAX ? (uint32_t)max : default_max[i];
        snprintf(key, sizeof key, "ratelimit.%s_window_min", limiter_names[i]);
        v = pf_api_config_get(c, key, NULL);
        /* Minutes, fractions allowed (tests use windows of a second or two); capped at a week. */
        double min = v ? strtod(v, &end) : 0;
        if (!v || !*v || *end || !isfinite(min) || min <= 0 || min > 7 * 24 * 60) min = default_window_min[i];
        c->limits[i].window_ms = (uint64_t)llround(min * 60000.0);
        if (!c->limits[i].window_ms) c->limits[i].window_ms = 1;
    }
    each_word(pf_api_config_get(c, "ratelimit.bypass_roles", "admin"), add_role, &c->bypass_roles);
    c->limits_off = !truthy(pf_api_config_get(c, "ratelimit.enabled", "true"));
    c->cors_enforce = truthy(pf_api_config_get(c, "site.cors_enforce", "false"));
    if (!each_word(pf_api_config_get(c, "site.cors_origins", ""), add_origin, c) ||
        !(c->csp = pf_api_csp_build(c)))
        err = pf_errf(eb, PF_E_NOMEM, "settings snapshot");
    c->hsts = truthy(pf_api_config_get(c, "site.hsts", "false"));
done:
    if (err) {
        pf_api_config_release(c);
        return err;
    }
    *out = c;
    return PF_E_OK;
}
