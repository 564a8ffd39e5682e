/* JSON Web Tokens, HS256 (HMAC-SHA-256 through libsodium's crypto_auth_hmacsha256), for session and 2FA
 * interim tokens.
 *
 * Errors: PF_E_UNAUTHORIZED (malformed token, bad signature, wrong algorithm, expired or not yet valid;
 * detail in eb), PF_E_IO (key file), PF_E_NOMEM. Thread-safe: all functions are pure given the key. */
#ifndef PF_API_JWT_H
#define PF_API_JWT_H

#include <stdint.h>

#include "engine/error.h"

/* The signing key: 32 random bytes. */
typedef struct pf_jwt_key {
    uint8_t k[32]; /* HMAC key */
} pf_jwt_key;

/* Token claims. typ tells sessions from 2FA interim tokens; only "session" authenticates API calls. */
typedef struct pf_jwt_claims {
    uint64_t sub; /* user id */
    char typ[16]; /* "session" or "interim" */
    int64_t iat;  /* issued at, Unix seconds */
    int64_t exp;  /* expiry, Unix seconds */
    uint64_t ver; /* the user's token_version when issued (absent = 0): a password or role change bumps the
                   * stored version, so every older token stops authenticating */
} pf_jwt_claims;

/* Token types. */
#define PF_JWT_SESSION "session"
#define PF_JWT_INTERIM "interim"

/* Loads the key from <dir>/jwt.key, creating it (mode 0600, 32 random bytes) on first run. Kept out of the
 * settings on purpose: settings are readable through GET /api/admin/settings. */
pf_err pf_jwt_key_load(const char *dir, pf_jwt_key *out, pf_errbuf *eb);
/* Signs claims into a compact token; *out is malloc'd (caller frees). */
pf_err pf_jwt_sign(const pf_jwt_key *key, const pf_jwt_claims *c, char **out, pf_errbuf *eb);
/* Verifies signature, algorithm and time window (exp > now, iat <= now + 60 s of clock skew) and decodes the
 * claims into *out. */
pf_err pf_jwt_verify(const pf_jwt_key *key, const char *token, int64_t now, pf_jwt_claims *out,
                     pf_errbuf *eb);

#endif
