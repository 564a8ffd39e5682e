/* HS256 JWTs: base64url(header).base64url(claims).base64url(HMAC-SHA-256), claims through cJSON. */
#include "api/jwt.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING
/* Tokens are a few hundred bytes; anything much longer is not ours and is refused before decoding. */
#define MAX_TOKEN 2048

static const char header_b64[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"; /* {"alg":"HS256","typ":"JWT"} */

static pf_err read_full(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return PF_E_IO;
        got += (size_t)n;
    }
    return PF_E_OK;
}

pf_err pf_jwt_key_load(const char *dir, pf_jwt_key *out, pf_errbuf *eb)
{
    char path[PATH_MAX];
    pf_jwt_key key;
    pf_err err = PF_E_OK;
    if (snprintf(path, sizeof path, "%s/jwt.key", dir) >= (int)sizeof path)
        return pf_errf(eb, PF_E_IO, "data directory path too long");
    if (sodium_init() < 0) return pf_errf(eb, PF_E_IO, "libsodium failed to initialise");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read_full(fd, key.k, sizeof key.k))
            err = pf_errf(eb, PF_E_IO, "%s: short or unreadable key", path);
        close(fd);
        if (!err) *out = key;
        sodium_memzero(&key, sizeof key);
        return err;
    }
    if (errno != ENOENT) return pf_errf(eb, PF_E_IO, "%s: %s", path, strerror(errno));
    /* First run: write to a temporary name and link it into place, so two servers starting together agree. */
    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
    randombytes_buf(key.k, sizeof key.k);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return pf_errf(eb, PF_E_IO, "%s: %s", tmp, strerror(errno));
    if (write(fd, key.k, sizeof key.k) != (ssize_t)sizeof key.k || fsync(fd)) err = PF_E_IO;
    close(fd);
    if (!err && link(tmp, path) && errno != EEXIST) err = PF_E_IO;
    unlink(tmp);
    sodium_memzero(&key, sizeof key);
    if (err) return pf_errf(eb, PF_E_IO, "%s: %s", path, strerror(errno));
    return pf_jwt_key_load(dir, out, eb); /* whoever linked first won: read the key that is in place */
}

static void sign(const pf_jwt_key *key, const char *msg, size_t len,
                 uint8_t mac[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key->k, sizeof key->k);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)msg, len);
    crypto_auth_hmacsha256_final(&st, mac);
}

pf_err pf_jwt_sign(const pf_jwt_key *key, const pf_jwt_claims *c, char **out, pf_errbuf *eb)
{
    pf_err err = PF_E_NOMEM;
    char *payload = NULL, *tok = NULL;
    cJSON *o = cJSON_CreateObject();
    char sub[24];
    snprintf(sub, sizeof sub, "%llu", (unsigned long long)c->sub);
    /* sub as a string (RFC 7519 StringOrURI); times as numbers (exact below 2^53). */
    if (!o || !cJSON_AddStringToObject(o, "sub", sub) || !cJSON_AddStringToObject(o, "typ", c->typ) ||
        !cJSON_AddNumberToObject(o, "iat", (double)c->iat) ||
        !cJSON_AddNumberToObject(o, "exp", (double)c->exp) ||
        !cJSON_AddNumberToObject(o, "ver", (double)c->ver))
        goto done;
    if (!(payload = cJSON_PrintUnformatted(o))) goto done;
    size_t plen = strlen(payload);
    size_t cap = sizeof header_b64 + sodium_base64_ENCODED_LEN(plen, B64) +
                 sodium_base64_ENCODED_LEN(crypto_auth_hmacsha256_BYTES, B64) + 2;
    if (!(tok = malloc(cap))) goto done;
    size_t n = sizeof header_b64 - 1;
    memcpy(tok, header_b64, n);
    tok[n++] = '.';
    sodium_bin2base64(tok + n, cap - n, (const uint8_t *)payload, plen, B64);
    n += strlen(tok + n);
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    sign(key, tok, n, mac);
    tok[n++] = '.';
    sodium_bin2base64(tok + n, cap - n, mac, sizeof mac, B64);
    *out = tok;
    tok = NULL;
    err = PF_E_OK;
done:
    if (err) pf_errf(eb, err, "signing a token");
    free(tok);
    free(payload);
    cJSON_Delete(o);
    return err;
}

static bool get_i64(const cJSON *o, const char *name, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || fabs(v->valuedouble) > 9.0e15) return false;
    *out = (int64_t)v->valuedouble;
    return true;
}

pf_err pf_jwt_verify(const pf_jwt_key *key, const char *token, int64_t now, pf_jwt_claims *out, pf_errbuf *eb)
{
    pf_err err = PF_E_UNAUTHORIZED;
    cJSON *o = NULL;
    size_t len = strnlen(token, MAX_TOKEN + 1);
    if (len > MAX_TOKEN) return pf_errf(eb, err, "token too long");
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (!dot2) return pf_errf(eb, err, "malformed token");
    /* Only our own header is accepted: this pins the algorithm (no "none", no RS256/HS256 confusion). */
    if ((size_t)(dot1 - token) != sizeof header_b64 - 1 || memcmp(token, header_b64, sizeof header_b64 - 1))
        return pf_errf(eb, err, "unsupported token header");
    uint8_t mac[crypto_auth_hmacsha256_BYTES], want[crypto_auth_hmacsha256_BYTES];
    size_t maclen = 0;
    if (sodium_base642bin(mac, sizeof mac, dot2 + 1, len - (size_t)(dot2 + 1 - token), NULL, &maclen, NULL,
                          B64) ||
        maclen != sizeof mac)
        return pf_errf(eb, err, "malformed token signature");
    sign(key, token, (size_t)(dot2 - token), want);
    if (sodium_memcmp(mac, want, sizeof mac)) return pf_errf(eb, err, "bad token signature");
    uint8_t payload[MAX_TOKEN];
    size_t plen = 0;
    if (sodium_base642bin(payload, sizeof payload - 1, dot1 + 1, (size_t)(dot2 - dot1 - 1), NULL, &plen, NULL,
                          B64))
        return pf_errf(eb, err, "malformed token claims");
    o = cJSON_ParseWithLength((const char *)payload, plen);
    pf_jwt_claims c = {0};
    const cJSON *sub = cJSON_GetObjectItemCaseSensitive(o, "sub");
    const cJSON *typ = cJSON_GetObjectItemCaseSensitive(o, "typ");
    char *end = NULL;
    if (!cJSON_IsString(sub) || !cJSON_IsString(typ) || strlen(typ->valuestring) >= sizeof c.typ ||
        !get_i64(o, "iat", &c.iat) || !get_i64(o, "exp", &c.exp)) {
        pf_errf(eb, err, "malformed token claims");
        goto done;
    }
    errno = 0;
    c.sub = strtoull(sub->valuestring, &end, 10);
    /* digits only (strtoull would also take spaces, a sign, and wrap past 2^64 − 1) */
    if (!isdigit((unsigned char)*sub->valuestring) || *end || !c.sub || errno == ERANGE) {
        pf_errf(eb, err, "malformed token subject");
        goto done;
    }
    strcpy(c.typ, typ->valuestring);
    int64_t ver = 0;
    if (cJSON_GetObjectItemCaseSensitive(o, "ver") && (!get_i64(o, "ver", &ver) || ver < 0)) {
        pf_errf(eb, err, "malformed token version");
        goto done;
    }
    c.ver = (uint64_t)ver;
    if (c.exp <= now) {
        pf_errf(eb, err, "token expired");
        goto done;
    }
    if (c.iat > now + 60) {
        pf_errf(eb, err, "token issued in the future");
        goto done;
    }
    *out = c;
    err = PF_E_OK;
done:
    cJSON_Delete(o);
    return err;
}
