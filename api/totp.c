/* TOTP through liboath, otpauth:// URIs and their QR codes through libqrencode. */
#include "api/totp.h"

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>

#include "engine/dynlib.h"

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;

static void oath_start(void)
{
    oath_init();
}

/* Base32 text to bytes: upper-cased, spaces and padding dropped, as authenticator apps display it. */
static pf_err decode_secret(const char *b32, char **out, size_t *len, pf_errbuf *eb)
{
    char buf[128];
    size_t n = 0;
    for (const char *p = b32; *p; p++) {
        if (*p == ' ' || *p == '=') continue;
        if (n + 1 >= sizeof buf) return pf_errf(eb, PF_E_INVAL, "secret too long");
        buf[n++] = (char)toupper((unsigned char)*p);
    }
    buf[n] = 0;
    pthread_once(&oath_once, oath_start);
    if (!n || oath_base32_decode(buf, n, out, len) != OATH_OK || *len < 10)
        return pf_errf(eb, PF_E_INVAL, "secret is not base32");
    return PF_E_OK;
}

pf_err pf_totp_secret_new(char **out, pf_errbuf *eb)
{
    uint8_t raw[PF_TOTP_SECRET_BYTES];
    char *b32 = NULL;
    size_t len = 0;
    randombytes_buf(raw, sizeof raw);
    pthread_once(&oath_once, oath_start);
    int rc = oath_base32_encode((const char *)raw, sizeof raw, &b32, &len);
    sodium_memzero(raw, sizeof raw);
    if (rc != OATH_OK) return pf_errf(eb, PF_E_NOMEM, "TOTP secret");
    *out = b32;
    return PF_E_OK;
}

pf_err pf_totp_check(const char *secret_b32, const char *code, int64_t now, int64_t last_step, int64_t *step,
                     pf_errbuf *eb)
{
    if (strlen(code) != 6 || strspn(code, "0123456789") != 6)
        return pf_errf(eb, PF_E_UNAUTHORIZED, "code must be 6 digits");
    char *key = NULL;
    size_t klen = 0;
    pf_err err = decode_secret(secret_b32, &key, &klen, eb);
    if (err) return err;
    int pos = 0;
    int rc = oath_totp_validate2(key, klen, (time_t)now, PF_TOTP_STEP, 0, 1, &pos, code);
    sodium_memzero(key, klen);
    free(key);
    if (rc < 0) return pf_errf(eb, PF_E_UNAUTHORIZED, "invalid code");
    int64_t s = now / PF_TOTP_STEP + pos;
    if (s <= last_step) return pf_errf(eb, PF_E_UNAUTHORIZED, "code already used");
    *step = s;
    return PF_E_OK;
}

pf_err pf_totp_code(const char *secret_b32, int64_t now, char out[7], pf_errbuf *eb)
{
    char *key = NULL;
    size_t klen = 0;
    pf_err err = decode_secret(secret_b32, &key, &klen, eb);
    if (err) return err;
    int rc = oath_totp_generate(key, klen, (time_t)now, PF_TOTP_STEP, 0, 6, out);
    sodium_memzero(key, klen);
    free(key);
    return rc == OATH_OK ? PF_E_OK : pf_errf(eb, PF_E_INVAL, "TOTP generation failed");
}

/* Percent-encodes everything but RFC 3986 unreserved characters. */
static size_t put_escaped(char *dst, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            dst[n++] = (char)c;
        } else {
            dst[n++] = '%', dst[n++] = hex[c >> 4], dst[n++] = hex[c & 15];
        }
    }
    return n;
}

pf_err pf_totp_uri(const char *issuer, const char *account, const char *secret_b32, char **out, pf_errbuf *eb)
{
    size_t cap = 3 * (2 * strlen(issuer) + strlen(account) + strlen(secret_b32)) + 128;
    char *u = malloc(cap);
    if (!u) return pf_errf(eb, PF_E_NOMEM, "otpauth URI");
    size_t n = (size_t)sprintf(u, "otpauth://totp/");
    n += put_escaped(u + n, issuer);
    u[n++] = ':';
    n += put_escaped(u + n, account);
    n += (size_t)sprintf(u + n, "?secret=");
    n += put_escaped(u + n, secret_b32);
    n += (size_t)sprintf(u + n, "&issuer=");
    n += put_escaped(u + n, issuer);
    sprintf(u + n, "&algorithm=SHA1&digits=6&period=%d", PF_TOTP_STEP);
    *out = u;
    return PF_E_OK;
}

/* libqrencode, opened when the first QR code is drawn (engine/dynlib.h): CLI runs never need it. */
typedef struct qr_api {
    __typeof__(QRcode_encodeString) *encode_string;
    __typeof__(QRcode_free) *free;
} qr_api;
static qr_api qr;
static const pf_dynsym qr_syms[] = {
    PF_DYNSYM(qr_api, encode_string, "QRcode_encodeString"),
    PF_DYNSYM(qr_api, free, "QRcode_free"),
};
static pf_dynlib qr_lib = PF_DYNLIB("libqrencode.so.4", qr_syms, &qr);
#define QRcode_encodeString (qr.encode_string)
#define QRcode_free (qr.free)

pf_err pf_totp_qr_svg(const char *text, char **out, int *modules, pf_errbuf *eb)
{
    pf_err err = pf_dynlib_load(&qr_lib, eb);
    if (err) return err;
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q) return pf_errf(eb, PF_E_INVAL, "text too long for a QR code");
    int w = q->width, quiet = 4, size = w + 2 * quiet;
    /* Each dark module is "M<x> <y>h1v1h-1z" (at most 22 bytes). */
    size_t cap = (size_t)w * (size_t)w * 22 + 512;
    char *s = malloc(cap);
    if (!s) {
        QRcode_free(q);
        return pf_errf(eb, PF_E_NOMEM, "QR code");
    }
    size_t n =
        (size_t)snprintf(s, cap,
                         "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                         "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
                         "<path fill=\"#000\" d=\"",
                         size, size, size, size);
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w; x++)
            if (q->data[y * w + x] & 1) n += (size_t)sprintf(s + n, "M%d %dh1v1h-1z", x + quiet, y + quiet);
    sprintf(s + n, "\"/></svg>");
    QRcode_free(q);
    *modules = w;
    *out = s;
    return PF_E_OK;
}
