/* TOTP two-factor codes (RFC 6238: HMAC-SHA-1, 30 s steps, 6 digits, one step of drift either way) through
 * liboath, plus the otpauth:// enrolment URI and its QR code (libqrencode) as an SVG.
 *
 * Errors: PF_E_UNAUTHORIZED (wrong, malformed or replayed code), PF_E_INVAL (secret not base32), PF_E_NOMEM.
 * Thread-safe. */
#ifndef PF_API_TOTP_H
#define PF_API_TOTP_H

#include <stdint.h>

#include "engine/error.h"

/* Secret length in bytes (160 bits, as RFC 4226 recommends); base32 text is 32 characters. */
#define PF_TOTP_SECRET_BYTES 20
#define PF_TOTP_STEP 30

/* A fresh random secret as base32 (no padding); *out malloc'd. */
pf_err pf_totp_secret_new(char **out, pf_errbuf *eb);
/* Checks a 6-digit code against the base32 secret at time now, accepting steps now-1..now+1 that are later
 * than last_step (so a code is accepted once); *step gets the matched step. */
pf_err pf_totp_check(const char *secret_b32, const char *code, int64_t now, int64_t last_step, int64_t *step,
                     pf_errbuf *eb);
/* The code for time now (tests and tools). out holds 7 bytes. */
pf_err pf_totp_code(const char *secret_b32, int64_t now, char out[7], pf_errbuf *eb);
/* otpauth://totp/<issuer>:<account>?secret=..&issuer=..&algorithm=SHA1&digits=6&period=30, percent-encoded;
 * *out malloc'd. */
pf_err pf_totp_uri(const char *issuer, const char *account, const char *secret_b32, char **out,
                   pf_errbuf *eb);
/* The QR code of text as a standalone SVG (one path of dark modules, 4-module quiet zone); *out malloc'd;
 * *modules gets the symbol's width in modules (without the quiet zone). */
pf_err pf_totp_qr_svg(const char *text, char **out, int *modules, pf_errbuf *eb);

#endif
