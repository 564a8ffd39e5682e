/* UPI payment links (fields, amounts, percent-encoding), VPA validation and order references. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine/upi.h"

/* The value of key in a upi:// query, percent-decoded, into out; false if absent. */
static bool query_value(const char *link, const char *key, char *out, size_t len)
{
    const char *q = strchr(link, '?');
    size_t kl = strlen(key);
    for (const char *p = q ? q + 1 : NULL; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, key, kl) || p[kl] != '=') continue;
        p += kl + 1;
        size_t n = 0;
        for (; *p && *p != '&' && n + 1 < len; p++) {
            if (*p == '%') {
                char h[3] = {p[1], p[2], 0};
                out[n++] = (char)strtol(h, NULL, 16);
                p += 2;
            } else {
                cr_assert(*p != ' ' && *p != '+' && *p != '#', "raw '%c' in %s", *p, link);
                out[n++] = *p;
            }
        }
        out[n] = 0;
        return true;
    }
    return false;
}

Test(upi, link_carries_every_field_encoded)
{
    pf_upi_payment p = {.vpa = "print.forge@okaxis",
                        .name = "PrintForge Studio & Co",
                        .amount = 123456,
                        .ref = "PF-7K2M9QXR4T",
                        .note = "Order PF-7K2M9QXR4T: 2 parts, ₹1,234.56"};
    char *link = NULL, v[256];
    pf_errbuf eb;
    cr_assert_eq(pf_upi_link(&p, &link, &eb), PF_E_OK, "%s", eb.msg);
    cr_expect(!strncmp(link, "upi://pay?pa=print.forge@okaxis&", 32), "%s", link);
    cr_assert(query_value(link, "pn", v, sizeof v));
    cr_expect_str_eq(v, p.name);
    cr_expect(strstr(link, "pn=PrintForge%20Studio%20%26%20Co&"), "%s", link);
    cr_assert(query_value(link, "am", v, sizeof v));
    cr_expect_str_eq(v, "1234.56");
    cr_assert(query_value(link, "cu", v, sizeof v));
    cr_expect_str_eq(v, "INR");
    cr_assert(query_value(link, "tr", v, sizeof v));
    cr_expect_str_eq(v, "PF-7K2M9QXR4T");
    cr_assert(query_value(link, "tn", v, sizeof v));
    cr_expect_str_eq(v, p.note, "UTF-8 survives the round trip");
    free(link);
}

Test(upi, amounts_have_two_decimals)
{
    static const struct {
        int64_t paise;
        const char *am;
    } cases[] = {{1, "0.01"}, {10, "0.10"}, {100, "1.00"}, {99999, "999.99"}, {10000000, "100000.00"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pf_upi_payment p = {
            .vpa = "shop@upi", .name = "Shop", .amount = cases[i].paise, .ref = "G-0000000000"};
        char *link = NULL, v[64];
        cr_assert_eq(pf_upi_link(&p, &link, NULL), PF_E_OK);
        cr_assert(query_value(link, "am", v, sizeof v));
        cr_expect_str_eq(v, cases[i].am);
        cr_expect(!strstr(link, "&tn="), "no note, no tn");
        free(link);
    }
}

Test(upi, bad_inputs_are_refused)
{
    char *link = NULL;
    pf_errbuf eb;
    pf_upi_payment p = {.vpa = "shop@upi", .name = "Shop", .amount = 100, .ref = "PF-1"};
    p.amount = 0;
    cr_expect_eq(pf_upi_link(&p, &link, &eb), PF_E_INVALID_FIELD);
    p.amount = 100, p.vpa = "not a vpa";
    cr_expect_eq(pf_upi_link(&p, &link, &eb), PF_E_INVALID_FIELD);
    cr_expect(strstr(eb.msg, "site.upi_id"), "%s", eb.msg);
    p.vpa = "shop@upi", p.name = "";
    cr_expect_eq(pf_upi_link(&p, &link, &eb), PF_E_INVALID_FIELD);
    p.name = "Shop", p.ref = "";
    cr_expect_eq(pf_upi_link(&p, &link, &eb), PF_E_INVALID_FIELD);
    cr_expect_null(link);
}

Test(upi, vpa_shapes)
{
    static const char *const good[] = {"printforge@upi", "a.b-c_d@okhdfcbank", "9876543210@paytm", "ab@ybl"};
    static const char *const bad[] = {"",          "@upi",         "a@upi",     "shop@",
                                      "shop@u",    "sh op@upi",    "shop@@upi", "shop@1bank",
                                      "shop@up i", "shop@ok_axis", "shop"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        cr_expect(pf_upi_vpa_valid(good[i]), "%s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_expect(!pf_upi_vpa_valid(bad[i]), "%s", bad[i]);
    cr_expect(!pf_upi_vpa_valid(NULL));
}

Test(upi, references_are_crockford_and_random)
{
    char a[PF_REF_MAX], b[PF_REF_MAX];
    uint8_t zero[7] = {0}, ones[7] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    cr_assert_eq(pf_ref_format("PF", zero, a, NULL), PF_E_OK);
    cr_expect_str_eq(a, "PF-0000000000");
    cr_assert_eq(pf_ref_format("G", ones, a, NULL), PF_E_OK);
    cr_expect_str_eq(a, "G-ZZZZZZZZZZ");
    uint8_t one_bit[7] = {0, 0, 0, 0, 0, 0, 0x40}; /* the lowest of the 50 bits used */
    cr_assert_eq(pf_ref_format("PF", one_bit, a, NULL), PF_E_OK);
    cr_expect_str_eq(a, "PF-0000000001");
    cr_expect_eq(pf_ref_format("", zero, a, NULL), PF_E_INVAL);
    /* Fresh references differ and use only the alphabet. */
    for (int i = 0; i < 1000; i++) {
        cr_assert_eq(pf_ref_new("PF", a, NULL), PF_E_OK);
        cr_assert_eq(pf_ref_new("PF", b, NULL), PF_E_OK);
        cr_assert_eq(strlen(a), 3 + PF_REF_CHARS);
        cr_assert_str_neq(a, b);
        cr_assert_eq(strspn(a + 3, "0123456789ABCDEFGHJKMNPQRSTVWXYZ"), PF_REF_CHARS, "%s", a);
    }
}

Test(upi, references_typed_by_people_normalise)
{
    char out[PF_REF_MAX];
    cr_assert(pf_ref_normalize(" pf-7k2m9 qxr4t", out));
    cr_expect_str_eq(out, "PF-7K2M9QXR4T");
    cr_assert(pf_ref_normalize("pf-oil0000000", out));
    cr_expect_str_eq(out, "PF-0110000000", "look-alikes mapped");
    cr_expect(!pf_ref_normalize("PF-7K2M9QXR4", out), "too short");
    cr_expect(!pf_ref_normalize("PF7K2M9QXR4T", out), "no dash");
    cr_expect(!pf_ref_normalize("PF-7K2M9QXR4U", out), "U is not in the alphabet");
    cr_expect(!pf_ref_normalize("PF-7K2M9-QXR4", out));
}
