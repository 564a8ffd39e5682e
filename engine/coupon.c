/* Coupon rules, discounts and the largest-remainder split of a checkout's discount and shipping. */
#include "engine/coupon.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/price.h"

pf_err pf_coupon_code_normalize(const char *field, const char *in, char out[PF_COUPON_CODE_MAX + 1],
                                pf_errbuf *eb)
{
    if (!in) return pf_errf(eb, PF_E_INVALID_FIELD, "%s: required", field);
    while (*in == ' ' || *in == '\t')
        in++;
    size_t n = strlen(in);
    while (n && (in[n - 1] == ' ' || in[n - 1] == '\t'))
        n--;
    if (!n) return pf_errf(eb, PF_E_INVALID_FIELD, "%s: empty", field);
    if (n > PF_COUPON_CODE_MAX)
        return pf_errf(eb, PF_E_INVALID_FIELD, "%s: longer than %d characters", field, PF_COUPON_CODE_MAX);
    char buf[PF_COUPON_CODE_MAX + 1];
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)in[i];
        if (!isascii(ch) || !(isalnum(ch) || ch == '-' || ch == '_'))
            return pf_errf(eb, PF_E_INVALID_FIELD, "%s: only letters, digits, '-' and '_'", field);
        buf[i] = (char)toupper(ch);
    }
    buf[n] = 0;
    memcpy(out, buf, n + 1);
    return PF_E_OK;
}

static bool is_percent(const pf_coupon *c)
{
    return c->kind && !strcmp(c->kind, "percent");
}

pf_err pf_coupon_validate_def(const pf_coupon *c, pf_errbuf *eb)
{
    if (!c->kind || (strcmp(c->kind, "percent") && strcmp(c->kind, "flat")))
        return pf_errf(eb, PF_E_INVALID_FIELD, "kind: \"percent\" or \"flat\"");
    if (!isfinite(c->value) || c->value <= 0)
        return pf_errf(eb, PF_E_INVALID_FIELD, "value: must be a positive number");
    if (is_percent(c) && c->value > 100)
        return pf_errf(eb, PF_E_INVALID_FIELD, "value: a percentage of at most 100");
    if (!is_percent(c) && (c->value != floor(c->value) || c->value > (double)PF_PRICE_MAX_TOTAL_PAISE))
        return pf_errf(eb, PF_E_INVALID_FIELD, "value: a flat discount in whole paise");
    if (c->min_order < 0 || c->min_order > PF_PRICE_MAX_TOTAL_PAISE)
        return pf_errf(eb, PF_E_INVALID_FIELD, "min_order: out of range");
    if (c->starts_at < 0 || c->ends_at < 0) return pf_errf(eb, PF_E_INVALID_FIELD, "starts_at: out of range");
    if (c->starts_at && c->ends_at && c->ends_at <= c->starts_at)
        return pf_errf(eb, PF_E_INVALID_FIELD, "ends_at: must be after starts_at");
    return PF_E_OK;
}

pf_err pf_coupon_check(const pf_coupon *c, int64_t now, int64_t taxable, uint64_t user_uses, pf_errbuf *eb)
{
    pf_err err = pf_coupon_validate_def(c, eb);
    if (err) return err;
    if (!c->is_active) return pf_errf(eb, PF_E_INVALID_FIELD, "coupon_code: this coupon is not active");
    if (c->starts_at && now < c->starts_at)
        return pf_errf(eb, PF_E_INVALID_FIELD, "coupon_code: this coupon is not valid yet");
    if (c->ends_at && now > c->ends_at)
        return pf_errf(eb, PF_E_INVALID_FIELD, "coupon_code: this coupon has expired");
    if (taxable < c->min_order) {
        char buf[PF_PRICE_INR_BUFSZ];
        return pf_errf(eb, PF_E_INVALID_FIELD, "coupon_code: needs an order of at least %s before GST",
                       pf_price_format_inr(c->min_order, buf));
    }
    if (c->max_uses && c->used >= c->max_uses)
        return pf_errf(eb, PF_E_INVALID_FIELD, "coupon_code: this coupon's usage limit has been reached");
    if (c->per_user_max && user_uses >= c->per_user_max)
        return pf_errf(eb, PF_E_INVALID_FIELD, "coupon_code: you have already used this coupon %llu time%s",
                       (unsigned long long)user_uses, user_uses == 1 ? "" : "s");
    return PF_E_OK;
}

/* pct % of amount, rounded half up to the paisa; exact in integers when pct has at most 4 decimals. */
static int64_t pct_of(int64_t amount, double pct)
{
    double scaled = pct * 10000.0;
    if (fabs(scaled - nearbyint(scaled)) < 1e-6) {
        __int128 num = (__int128)amount * (__int128)llrint(scaled);
        return (int64_t)((num + 500000) / 1000000);
    }
    return (int64_t)floor((double)amount * pct / 100.0 + 0.5);
}

pf_err pf_coupon_discount(const pf_coupon *c, int64_t taxable, int64_t *out, pf_errbuf *eb)
{
    pf_err err = pf_coupon_validate_def(c, eb);
    if (err) return err;
    if (taxable < 0) return pf_errf(eb, PF_E_INVAL, "taxable: negative");
    int64_t d = is_percent(c) ? pct_of(taxable, c->value) : (int64_t)c->value;
    *out = d > taxable ? taxable : d;
    return PF_E_OK;
}

void pf_apportion(int64_t total, const int64_t *weights, size_t n, int64_t *out)
{
    if (!n) return;
    __int128 sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += weights[i];
    if (sum == 0) {
        for (size_t i = 0; i < n; i++)
            out[i] = total / (int64_t)n + ((int64_t)i < total % (int64_t)n);
        return;
    }
    /* Floors first; the remainders rem[i] (numerators over sum) decide who gets the leftover paise. */
    __int128 *rem = malloc(n * sizeof *rem);
    int64_t given = 0;
    for (size_t i = 0; i < n; i++) {
        __int128 num = (__int128)total * weights[i];
        out[i] = (int64_t)(num / sum);
        if (rem) rem[i] = num % sum;
        given += out[i];
    }
    int64_t left = total - given; /* < n */
    while (left > 0) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (weights[i] > 0 && (best == n || (rem ? rem[i] > rem[best] : false))) best = i;
        if (best == n) break;
        out[best]++;
        if (rem) rem[best] = -1; /* one extra paisa per share at most */
        left--;
    }
    free(rem);
}

pf_err pf_checkout_figures(pf_order_figures *orders, size_t n, int64_t discount, double gst_pct,
                           int64_t shipping, int64_t shipping_gst, pf_checkout_totals *tot, pf_errbuf *eb)
{
    pf_err err = PF_E_INVAL;
    int64_t *w = NULL, *share = NULL;
    if (!n) return pf_errf(eb, PF_E_INVAL, "checkout: no orders");
    if (!isfinite(gst_pct) || gst_pct < 0 || gst_pct > 100) return pf_errf(eb, PF_E_INVAL, "gst_pct: 0..100");
    if (discount < 0 || shipping < 0 || shipping_gst < 0) return pf_errf(eb, PF_E_INVAL, "negative amount");
    if (!(w = malloc(n * sizeof *w)) || !(share = malloc(n * sizeof *share))) {
        err = pf_errf(eb, PF_E_NOMEM, "checkout figures");
        goto done;
    }
    pf_checkout_totals t = {0};
    for (size_t i = 0; i < n; i++) {
        const pf_order_figures *o = &orders[i];
        if (o->material < 0 || o->printing < 0 || o->priority < 0 || o->quoted_gst < 0 ||
            !isfinite(o->weight_g) || o->weight_g < 0 || o->weight_g > 1e12) {
            err = pf_errf(eb, PF_E_INVAL, "order %zu: bad figures", i);
            goto done;
        }
        w[i] = o->material + o->printing + o->priority;
        t.subtotal += w[i];
    }
    if (discount > t.subtotal) {
        err = pf_errf(eb, PF_E_INVAL, "discount above the taxable value");
        goto done;
    }
    pf_apportion(discount, w, n, share);
    for (size_t i = 0; i < n; i++) {
        pf_order_figures *o = &orders[i];
        o->discount = share[i];
        o->taxable = w[i] - share[i];
        o->gst = share[i] ? pct_of(o->taxable, gst_pct) : o->quoted_gst;
    }
    for (size_t i = 0; i < n; i++)
        w[i] = (int64_t)llround(orders[i].weight_g * 1000.0);
    pf_apportion(shipping, w, n, share);
    for (size_t i = 0; i < n; i++)
        orders[i].shipping = share[i];
    pf_apportion(shipping_gst, w, n, share);
    for (size_t i = 0; i < n; i++) {
        pf_order_figures *o = &orders[i];
        o->shipping_gst = share[i];
        o->total = o->taxable + o->gst + o->shipping + o->shipping_gst;
        t.discount += o->discount, t.taxable += o->taxable, t.gst += o->gst;
        t.shipping += o->shipping, t.shipping_gst += o->shipping_gst, t.total += o->total;
    }
    if (tot) *tot = t;
    err = PF_E_OK;
done:
    free(w);
    free(share);
    return err;
}
