/* The settings snapshot the HTTP layer works from: every setting (key -> value) plus the values the
 * dispatcher needs parsed once (rate limits, bypass roles, CORS origins, the CSP), immutable and shared by
 * the requests that took it.
 *
 * Freshness: the server keeps one current snapshot and, at most every settings_ttl_ms, compares the store's
 * settings generation (the setting_change id counter, bumped by every pf_store_setting_set) with the one the
 * snapshot was built from; pf_server_settings_changed forces the check on the next request. So changes made
 * by this process are seen at once and changes by another process within the TTL. */
#ifndef PF_API_CONFIG_H
#define PF_API_CONFIG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/http.h"
#include "storage/store.h"

/* Limiters, in the order of their settings key prefixes (ratelimit.<name>_max / _window_min). */
enum { PF_RL_GENERAL, PF_RL_UPLOAD, PF_RL_AUTH, PF_RL_QUOTE, PF_RL_MODEL_FILE, PF_RL__COUNT };

typedef struct pf_api_config {
    atomic_uint refs;    /* holders: the server (while current) and requests */
    uint64_t generation; /* settings generation it was built from */
    pf_setting *kv;      /* all settings, sorted by key */
    size_t n;            /* count of kv */
    struct {
        uint32_t max;       /* requests per window */
        uint64_t window_ms; /* window length */
    } limits[PF_RL__COUNT];
    bool limits_off;       /* ratelimit.enabled is false: no limiter runs (benches) */
    unsigned bypass_roles; /* bit (1 << pf_role) for each role exempt from general and upload limits */
    bool cors_enforce;     /* refuse origins not listed */
    char **origins;        /* allowed origins ("https://shop.example"), no trailing slash */
    size_t norigins;       /* count of origins */
    char *csp;             /* Content-Security-Policy value */
    bool hsts;             /* send Strict-Transport-Security */
} pf_api_config;

/* Builds a snapshot (refs = 1) from the store. Errors: those of the store, PF_E_NOMEM. */
pf_err pf_api_config_load(pf_store *st, pf_api_config **out, pf_errbuf *eb);
/* The settings generation now in the store. */
pf_err pf_api_config_generation(pf_store *st, uint64_t *out, pf_errbuf *eb);
/* Drops one reference; frees at zero. Accepts NULL. */
void pf_api_config_release(pf_api_config *c);
/* The value of key, or def. */
const char *pf_api_config_get(const pf_api_config *c, const char *key, const char *def);
/* The CSP built from settings: self-only defaults, the CORS origins added to connect-src, frames refused.
 * Malloc'd; NULL on PF_E_NOMEM. */
char *pf_api_csp_build(const pf_api_config *c);
/* True when origin is allowed by c (always when enforcement is off). */
bool pf_api_origin_allowed(const pf_api_config *c, const char *origin);

/* The snapshot a request sees (api/server.c), for handlers that walk settings by prefix. */
const pf_api_config *pf_req_config(const pf_req *r);

#endif
