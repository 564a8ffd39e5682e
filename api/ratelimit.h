/* Per-IP fixed-window request counters: a sharded hash map (one mutex per shard) of bounded size.
 *
 * A key is (limiter number, client IP). Its window opens at its first request and lasts window_ms; within it
 * at most max requests are allowed. Memory is bounded by max_entries: a full shard first drops expired
 * windows and, if every window is still live, the one closest to its end (under a flood of distinct IPs the
 * oldest counters go first, which is the least harmful choice once memory has to be capped).
 *
 * Thread-safe. Errors: PF_E_NOMEM. */
#ifndef PF_API_RATELIMIT_H
#define PF_API_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

typedef struct pf_ratelimit pf_ratelimit;

/* The outcome of one hit, for the X-RateLimit-* and Retry-After headers. */
typedef struct pf_rl_result {
    bool allowed;       /* false: answer 429 */
    uint32_t limit;     /* max of the window */
    uint32_t remaining; /* requests left in the window after this one */
    uint64_t reset_ms;  /* when the window ends (same clock as now_ms) */
} pf_rl_result;

/* A map holding at most max_entries windows (rounded up to a multiple of the shard count). */
pf_err pf_ratelimit_new(size_t max_entries, pf_ratelimit **out);
/* Accepts NULL. */
void pf_ratelimit_free(pf_ratelimit *rl);
/* Counts one request of ip against limiter `which` and reports whether it is allowed. max 0 refuses all. */
void pf_ratelimit_hit(pf_ratelimit *rl, unsigned which, const char *ip, uint32_t max, uint64_t window_ms,
                      uint64_t now_ms, pf_rl_result *out);
/* Windows currently held (live or expired but not yet dropped). */
size_t pf_ratelimit_size(pf_ratelimit *rl);

#endif
