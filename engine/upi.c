/* UPI deep links, VPA validation and Crockford base32 order references. */
#include "engine/upi.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "engine/price.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static bool vpa_char(unsigned char c, bool handle)
{
    return isascii(c) && (isalnum(c) || c == '.' || c == '-' || (handle && c == '_'));
}

bool pf_upi_vpa_valid(const char *vpa)
{
    if (!vpa) return false;
    const char *at = strchr(vpa, '@');
    if (!at || strchr(at + 1, '@')) return false;
    size_t hl = (size_t)(at - vpa), pl = strlen(at + 1);
    if (hl < 2 || hl > 256 || pl < 2 || pl > 64) return false;
    for (size_t i = 0; i < hl; i++)
        if (!vpa_char((unsigned char)vpa[i], true)) return false;
    if (!isascii((unsigned char)at[1]) || !isalpha((unsigned char)at[1])) return false;
    for (size_t i = 0; i < pl; i++)
        if (!vpa_char((unsigned char)at[1 + i], false)) return false;
    return true;
}

static bool unreserved(unsigned char c)
{
    return isascii(c) && (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '@');
}

pf_err pf_upi_encode(const char *s, char **out, pf_errbuf *eb)
{
    size_t n = strlen(s);
    char *o = malloc(3 * n + 1), *p = o;
    if (!o) return pf_errf(eb, PF_E_NOMEM, "upi link");
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c)) {
            *p++ = (char)c;
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    *p = 0;
    *out = o;
    return PF_E_OK;
}

pf_err pf_upi_link(const pf_upi_payment *p, char **out, pf_errbuf *eb)
{
    pf_err err;
    char *pa = NULL, *pn = NULL, *tr = NULL, *tn = NULL, *link = NULL;
    if (!pf_upi_vpa_valid(p->vpa))
        return pf_errf(eb, PF_E_INVALID_FIELD, "site.upi_id: not a UPI address (name@provider)");
    if (!p->name || !*p->name) return pf_errf(eb, PF_E_INVALID_FIELD, "site.upi_name: empty");
    if (p->amount <= 0 || p->amount > PF_PRICE_MAX_TOTAL_PAISE)
        return pf_errf(eb, PF_E_INVALID_FIELD, "amount: must be positive");
    if (!p->ref || !*p->ref) return pf_errf(eb, PF_E_INVALID_FIELD, "reference: empty");
    if ((err = pf_upi_encode(p->vpa, &pa, eb)) || (err = pf_upi_encode(p->name, &pn, eb)) ||
        (err = pf_upi_encode(p->ref, &tr, eb)) || (err = pf_upi_encode(p->note ? p->note : "", &tn, eb)))
        goto done;
    char am[32];
    snprintf(am, sizeof am, "%lld.%02lld", (long long)(p->amount / 100), (long long)(p->amount % 100));
    size_t len = strlen(pa) + strlen(pn) + strlen(tr) + strlen(tn) + strlen(am) + 64;
    if (!(link = malloc(len))) {
        err = pf_errf(eb, PF_E_NOMEM, "upi link");
        goto done;
    }
    int w = snprintf(link, len, "upi://pay?pa=%s&pn=%s&am=%s&cu=INR&tr=%s", pa, pn, am, tr);
    if (*tn) snprintf(link + w, len - (size_t)w, "&tn=%s", tn);
    *out = link;
    link = NULL;
done:
    free(pa), free(pn), free(tr), free(tn), free(link);
    return err;
}

pf_err pf_ref_format(const char *prefix, const uint8_t rnd[7], char out[PF_REF_MAX], pf_errbuf *eb)
{
    size_t pl = prefix ? strlen(prefix) : 0;
    if (!pl || pl > 12) return pf_errf(eb, PF_E_INVAL, "reference prefix: 1..12 characters");
    uint64_t bits = 0;
    for (int i = 0; i < 7; i++)
        bits = bits << 8 | rnd[i];
    bits >>= 6; /* 56 -> 50 bits */
    char buf[PF_REF_MAX];
    memcpy(buf, prefix, pl);
    buf[pl] = '-';
    for (int i = PF_REF_CHARS - 1; i >= 0; i--, bits >>= 5)
        buf[pl + 1 + (size_t)i] = crockford[bits & 31];
    buf[pl + 1 + PF_REF_CHARS] = 0;
    memcpy(out, buf, pl + 2 + PF_REF_CHARS);
    return PF_E_OK;
}

pf_err pf_ref_new(const char *prefix, char out[PF_REF_MAX], pf_errbuf *eb)
{
    uint8_t rnd[7];
    if (sodium_init() < 0) return pf_errf(eb, PF_E_IO, "libsodium failed to initialise");
    randombytes_buf(rnd, sizeof rnd);
    return pf_ref_format(prefix, rnd, out, eb);
}

bool pf_ref_normalize(const char *in, char out[PF_REF_MAX])
{
    char buf[PF_REF_MAX];
    size_t n = 0;
    bool after = false;
    if (!in) return false;
    for (; *in; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == ' ' || c == '\t') continue;
        if (n + 1 >= sizeof buf || !isascii(c)) return false;
        c = (unsigned char)toupper(c);
        if (c == '-' && !after) {
            if (!n) return false;
            after = true;
        } else if (after) {
            if (c == 'O') c = '0';
            if (c == 'I' || c == 'L') c = '1';
            if (!strchr(crockford, c) || !c) return false;
        } else if (!isalnum(c)) {
            return false;
        }
        buf[n++] = (char)c;
    }
    buf[n] = 0;
    const char *dash = strchr(buf, '-');
    if (!after || !dash || strlen(dash + 1) != PF_REF_CHARS) return false;
    memcpy(out, buf, n + 1);
    return true;
}
