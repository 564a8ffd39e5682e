/* UPI payment links (the NPCI deep-link form every Indian UPI app opens) and the public references of orders:
 * tracking numbers and group references. Pure functions apart from the random source; thread-safe. */
#ifndef PF_UPI_H
#define PF_UPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

/* True when vpa looks like a UPI virtual payment address: "<handle>@<provider>", the handle 2..256 of
 * letters, digits, '.', '-', '_', the provider 2..64 of letters, digits, '.', '-' starting with a letter. */
bool pf_upi_vpa_valid(const char *vpa);

/* What a payment link asks for. */
typedef struct pf_upi_payment {
    const char *vpa;  /* payee VPA (pa), must pass pf_upi_vpa_valid */
    const char *name; /* payee name (pn), non-empty */
    int64_t amount;   /* paise (am, written in rupees with two decimals), > 0 */
    const char *ref;  /* transaction reference (tr): the order's tracking number or the group reference */
    const char *note; /* transaction note (tn), may be NULL or "" (then omitted) */
} pf_upi_payment;

/* upi://pay?pa=..&pn=..&am=..&cu=INR&tr=..&tn=.. with every value percent-encoded (RFC 3986: everything but
 * unreserved characters and '@', spaces as %20). *out malloc'd, set only on success. Errors: INVALID_FIELD
 * (bad VPA "site.upi_id: ...", empty name "site.upi_name: ...", amount not positive or absurd, empty
 * reference), NOMEM. */
pf_err pf_upi_link(const pf_upi_payment *p, char **out, pf_errbuf *eb);

/* Percent-encodes s as pf_upi_link does; *out malloc'd. NOMEM. */
pf_err pf_upi_encode(const char *s, char **out, pf_errbuf *eb);

/* Public references: a prefix, '-', then PF_REF_CHARS characters of Crockford's base32 (digits and upper-case
 * letters without I, L, O, U: nothing to misread when read out on the phone), 5 random bits each: 50 bits,
 * so guessing one is hopeless. Tracking numbers use the prefix "PF", group references "G". */
#define PF_REF_CHARS 10
#define PF_REF_MAX 24 /* room for a prefix of up to 12 characters, '-', the characters and NUL */

/* Formats the first 50 bits of rnd (7 bytes) after prefix; out holds PF_REF_MAX bytes. Deterministic, for
 * tests. Errors: INVAL when the prefix is empty or longer than 12 characters. */
pf_err pf_ref_format(const char *prefix, const uint8_t rnd[7], char out[PF_REF_MAX], pf_errbuf *eb);
/* A fresh reference from libsodium's randombytes. */
pf_err pf_ref_new(const char *prefix, char out[PF_REF_MAX], pf_errbuf *eb);
/* Normalises a reference as typed by a person into out (PF_REF_MAX bytes): upper-cased, spaces dropped, and
 * Crockford's look-alikes mapped (O -> 0, I and L -> 1) in the part after the '-'. False when the result is
 * not shaped like a reference (prefix, '-', PF_REF_CHARS base32 characters). */
bool pf_ref_normalize(const char *in, char out[PF_REF_MAX]);

#endif
