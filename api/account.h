/* Account helpers shared by the auth, user and token handlers: email and password rules, argon2id hashing,
 * session and interim JWTs bound to the user's token version, one-time email tokens, and read-modify-write
 * of a user record in one write transaction.
 *
 * One-time tokens (email verification, password reset, email change) look like "<kind><user id>.<secret>":
 * the user id lets the handler find the record without an index; only the SHA-256 of the whole token is
 * stored, compared in constant time, and cleared when used, so a token works once and never after expiry.
 *
 * Thread-safe (no shared state). Errors as documented per function. */
#ifndef PF_API_ACCOUNT_H
#define PF_API_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "api/http.h"

/* One-time token kinds (the first character of the token). */
#define PF_OTT_VERIFY 'v'
#define PF_OTT_RESET 'r'
#define PF_OTT_EMAIL_CHANGE 'e'
/* Lifetimes, seconds. */
#define PF_OTT_VERIFY_TTL (24 * 3600)
#define PF_OTT_RESET_TTL 3600
#define PF_OTT_EMAIL_CHANGE_TTL (24 * 3600)
#define PF_INTERIM_TTL 600
/* Room for a one-time token: kind, 20 digits, '.', 43 base64url characters, NUL. */
#define PF_OTT_MAX 72

/* Validates an email address (one '@', a dotted domain, no spaces or control characters, at most 254 bytes)
 * and writes it lower-cased into out. False when invalid. */
bool pf_account_email_normalize(const char *in, char *out, size_t len);
/* Password rule: 8 to 128 bytes. PF_E_INVALID_FIELD with "<field>: ..." in the request's error buffer. */
pf_err pf_account_password_rule(pf_req *r, const char *field, const char *pw);
/* argon2id string of pw with the server's cost; *out malloc'd. PF_E_NOMEM. */
pf_err pf_account_password_hash(pf_req *r, const char *pw, char **out);
/* True when pw matches the stored hash (false for a NULL or malformed hash). */
bool pf_account_password_verify(const char *hash, const char *pw);
/* A JWT of typ (PF_JWT_SESSION: site.jwt_ttl_hours, default 8 h; PF_JWT_INTERIM: 10 min) for u carrying its
 * token version. *out malloc'd. */
pf_err pf_account_jwt(pf_req *r, const pf_user *u, const char *typ, char **out);
/* The public view of an account: id, email, username, role, email_verified, twofa_enabled, is_active,
 * created_at. NULL on PF_E_NOMEM. */
cJSON *pf_account_user_json(const pf_user *u);

/* Sets u's role ("user", "moderator" or "admin"; PF_E_INVALID_FIELD otherwise) and, when it changed, bumps
 * its token version so the sessions issued under the old role end. For the admin users endpoint: call it
 * inside a pf_account_edit callback. */
pf_err pf_account_role_set(pf_user *u, const char *role, pf_errbuf *eb);

/* A fresh one-time token of kind for uid into out (PF_OTT_MAX bytes) and its digest into *hash. */
void pf_account_ott_new(char kind, uint64_t uid, char out[PF_OTT_MAX], pf_sha256 *hash);
/* Splits a token: its kind, user id and digest. False when it is not shaped like one. */
bool pf_account_ott_parse(const char *tok, char *kind, uint64_t *uid, pf_sha256 *hash);
/* True when the stored digest is set, equals given (constant time) and has not expired. */
bool pf_account_ott_valid(const pf_sha256 *stored, int64_t expires, const pf_sha256 *given, int64_t now);

/* Read-modify-write of user id in one write transaction: fn edits the record (it may run more than once, see
 * pf_store_write) and returns an error to abort. updated_at is set. Errors: PF_E_NOT_FOUND, fn's, the
 * store's. */
typedef pf_err (*pf_account_edit_fn)(pf_user *u, void *ctx, pf_errbuf *eb);
pf_err pf_account_edit(pf_req *r, uint64_t id, pf_account_edit_fn fn, void *ctx);

/* Sends an email through the configured driver (api/mailer.h); a failure is logged, not returned, so the
 * account action that triggered it still completes. Returns true when the email went out. */
bool pf_account_mail(pf_req *r, const char *to, const char *subject, const char *body);
/* The site's base URL for links in emails (site.url, default "http://localhost:8080"), no trailing slash. */
const char *pf_account_site_url(pf_req *r, char *buf, size_t len);

#endif
