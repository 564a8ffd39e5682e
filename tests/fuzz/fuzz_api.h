/* Shared bodies of the API's fuzz targets (tests/fuzz/fuzz_tokens.c, tests/fuzz/fuzz_json_arena.c) and their
 * replay of saved inputs (tests/test_fuzz_regress.c). What a client sends before any other check: the bearer
 * token of every authenticated call and the one-time tokens of e-mailed links (api/jwt.h, api/account.h), and
 * every JSON request body, which api/json_arena.h parses into the request's own buffer.
 *
 * Tokens. Byte 0, bit 0 clear: the rest is the token as sent (up to its first NUL), verified under a fixed
 * key and read as a one-time token. Bit 0 set: the rest is a claims payload that the fixed key signs under
 * our header, so the claims reader is reached too (a forger cannot get there; a bug of ours or a leaked key
 * could). Checks: a token that verifies has claims inside the rules (a subject, a typ that fits, exp after
 * now, iat no later than now + 60 s) and signs back into a token with the same claims; a refusal comes with a
 * message; a one-time token read has a kind of "vre", a user and the digest of the whole token.
 *
 * JSON bodies. Byte 0 picks the arena's size (64 bytes << (byte % 8), so trees spill to malloc or not), the
 * rest is the body. Checks: the arena parse gives what cJSON's own gives (both fail, or trees that print the
 * same; the same end either way), twice over the same arena (freed between), the second time after a tree
 * that spilled. */
#ifndef PF_FUZZ_API_H
#define PF_FUZZ_API_H

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api/account.h"
#include "api/json_arena.h"
#include "api/jwt.h"

#define FZ_NOW 1700000000 /* the verifier's clock, Unix seconds */
#define FZ_TOKEN_MAX 4096 /* longer inputs are cut: the verifier refuses over 2048 bytes before decoding */

static inline pf_jwt_key fz_key(void)
{
    pf_jwt_key k;
    for (int i = 0; i < (int)sizeof k.k; i++)
        k.k[i] = (uint8_t)(i * 37 + 11);
    return k;
}

/* A token over payload: our header (from a token pf_jwt_sign makes), the payload and its HMAC, or NULL. */
static inline char *fz_sign_payload(const pf_jwt_key *key, const uint8_t *payload, size_t n)
{
    const int b64 = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    pf_jwt_claims c = {.sub = 1, .typ = PF_JWT_SESSION, .iat = FZ_NOW, .exp = FZ_NOW + 1};
    pf_errbuf eb;
    char *model = NULL;
    if (pf_jwt_sign(key, &c, &model, &eb)) abort();
    size_t h = (size_t)(strchr(model, '.') - model);
    size_t cap = h + 1 + sodium_base64_ENCODED_LEN(n, b64) + 1 +
                 sodium_base64_ENCODED_LEN(crypto_auth_hmacsha256_BYTES, b64) + 1;
    char *tok = malloc(cap);
    if (!tok) abort();
    memcpy(tok, model, h + 1);
    free(model);
    sodium_bin2base64(tok + h + 1, cap - h - 1, payload, n, b64);
    size_t m = strlen(tok);
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key->k, sizeof key->k);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)tok, m);
    crypto_auth_hmacsha256_final(&st, mac);
    tok[m] = '.';
    sodium_bin2base64(tok + m + 1, cap - m - 1, mac, sizeof mac, b64);
    return tok;
}

/* The token checks; returns 1 when the token verified (its claims then passed the checks), else 0. */
static inline int pf_fuzz_tokens(const uint8_t *data, size_t size)
{
    if (sodium_init() < 0) abort();
    pf_jwt_key key = fz_key();
    char *tok;
    if (size && (data[0] & 1)) {
        tok = fz_sign_payload(&key, data + 1, size - 1 > FZ_TOKEN_MAX ? FZ_TOKEN_MAX : size - 1);
    } else {
        size_t n = size ? size - 1 : 0;
        if (n > FZ_TOKEN_MAX) n = FZ_TOKEN_MAX;
        if (!(tok = malloc(n + 1))) abort();
        if (n) memcpy(tok, data + 1, n);
        tok[n] = 0;
    }
    pf_errbuf eb;
    eb.msg[0] = 0;
    pf_jwt_claims c;
    memset(&c, 0xA5, sizeof c);
    pf_err err = pf_jwt_verify(&key, tok, FZ_NOW, &c, &eb);
    int ok = err == PF_E_OK;
    if (!ok) {
        if (err != PF_E_UNAUTHORIZED || !eb.msg[0]) abort();
    } else {
        if (!c.sub || !memchr(c.typ, 0, sizeof c.typ) || c.exp <= FZ_NOW || c.iat > FZ_NOW + 60) abort();
        char *again = NULL;
        pf_jwt_claims back;
        if (pf_jwt_sign(&key, &c, &again, &eb) || pf_jwt_verify(&key, again, FZ_NOW, &back, &eb) ||
            back.sub != c.sub || strcmp(back.typ, c.typ) || back.iat != c.iat || back.exp != c.exp ||
            back.ver != c.ver)
            abort();
        free(again);
    }
    char kind = 0;
    uint64_t uid = 0;
    pf_sha256 h, want;
    if (pf_account_ott_parse(tok, &kind, &uid, &h)) {
        crypto_hash_sha256(want.b, (const uint8_t *)tok, strlen(tok));
        if (!strchr("vre", kind) || !kind || !uid || memcmp(h.b, want.b, sizeof h.b)) abort();
    }
    free(tok);
    return ok;
}

/* The JSON arena checks; returns 1 when the body parsed, else 0. */
static inline int pf_fuzz_json_arena(const uint8_t *data, size_t size)
{
    if (!size) return 0;
    size_t cap = (size_t)64 << (data[0] % 8);
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    void *buf = aligned_alloc(16, cap);
    if (!buf) abort();
    const char *end_plain = NULL;
    cJSON *plain = cJSON_ParseWithLengthOpts(s, n, &end_plain, false);
    pf_json_arena a;
    pf_json_arena_init(&a, buf, cap);
    for (int round = 0; round < 2; round++) {
        const char *end = NULL;
        cJSON *t = pf_json_arena_parse(&a, s, n, &end);
        if (!t != !plain || end != end_plain) abort();
        if (t) { /* the same tree, printed: cJSON_Compare finds a duplicate key's first member only */
            char *x = cJSON_PrintUnformatted(t), *y = cJSON_PrintUnformatted(plain);
            if (!x || !y || strcmp(x, y)) abort();
            free(x);
            free(y);
        }
        pf_json_arena_free(&a, t);
    }
    int parsed = plain != NULL;
    cJSON_Delete(plain);
    free(buf);
    return parsed;
}

#endif
