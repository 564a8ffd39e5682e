/* Coupons and the frozen figures of a checkout: whether a coupon may be redeemed now for an order of a given
 * taxable value by a given user, the discount it gives, and how a checkout's discount and shipping are spread
 * over its orders so that every order and the group add up to the paisa. Pure functions; thread-safe.
 *
 * The discount applies BEFORE GST: for every order
 *     taxable = material + printing + priority - discount
 *     gst     = gst_pct % of taxable (rounded half up to the paisa)
 *     total   = taxable + gst + shipping + shipping_gst
 * and a group's figures are the sums of its orders'. Money is integer paise. */
#ifndef PF_COUPON_H
#define PF_COUPON_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "storage/records.h"

/* Longest coupon code accepted (upper-case letters, digits, '-' and '_'). */
#define PF_COUPON_CODE_MAX 32

/* Normalises a code typed by a customer or an admin into out (upper-cased, surrounding spaces dropped).
 * Errors: INVALID_FIELD "<field>: ..." when empty, longer than PF_COUPON_CODE_MAX or holding other
 * characters. out holds PF_COUPON_CODE_MAX + 1 bytes; set only on success. */
pf_err pf_coupon_code_normalize(const char *field, const char *in, char out[PF_COUPON_CODE_MAX + 1],
                                pf_errbuf *eb);

/* Checks a coupon's own definition (kind "percent" with 0 < value <= 100, or "flat" with a whole number of
 * paise > 0; min_order >= 0; ends_at after starts_at when both are set). Errors: INVALID_FIELD naming the
 * field ("kind", "value", "min_order", "ends_at"). */
pf_err pf_coupon_validate_def(const pf_coupon *c, pf_errbuf *eb);

/* May c be redeemed at time now on an order whose taxable value before any discount is taxable, by a user who
 * has redeemed it user_uses times? Rules, in order: active; now >= starts_at (when set); now <= ends_at (when
 * set); taxable >= min_order; used < max_uses (when set); user_uses < per_user_max (when set). Errors:
 * INVALID_FIELD "coupon_code: <why>" (inactive, not yet valid, expired, minimum order ₹x, usage limit
 * reached, already used the maximum times), or the errors of pf_coupon_validate_def. */
pf_err pf_coupon_check(const pf_coupon *c, int64_t now, int64_t taxable, uint64_t user_uses, pf_errbuf *eb);

/* The discount c gives on taxable (>= 0): percent -> value % of taxable rounded half up to the paisa, flat ->
 * value; never more than taxable. Errors: those of pf_coupon_validate_def, INVAL for a negative taxable. */
pf_err pf_coupon_discount(const pf_coupon *c, int64_t taxable, int64_t *out, pf_errbuf *eb);

/* Splits total (>= 0) over n shares proportional to weights (each >= 0) by the largest-remainder method:
 * each share gets the floor of its exact part and the leftover paise go one each to the largest fractional
 * parts (ties to the lower index). When every weight is 0 the split is as even as possible. The shares sum to
 * total exactly and a share whose weight is 0 stays 0 (unless all are 0). Exact integer arithmetic. */
void pf_apportion(int64_t total, const int64_t *weights, size_t n, int64_t *out);

/* One order of a checkout: its priced lines in, its frozen figures out. */
typedef struct pf_order_figures {
    int64_t material;     /* in: customer material line, paise */
    int64_t printing;     /* in: customer printing line */
    int64_t priority;     /* in: priority surcharge (0 for normal prints) */
    int64_t quoted_gst;   /* in: the GST its quote showed (kept when the order gets no discount) */
    double weight_g;      /* in: goods weight of all copies, for spreading shipping */
    int64_t discount;     /* out: its share of the coupon discount */
    int64_t taxable;      /* out: material + printing + priority - discount */
    int64_t gst;          /* out: gst_pct % of taxable (the quoted GST when discount is 0) */
    int64_t shipping;     /* out: its share of the shipping charge (GST excluded) */
    int64_t shipping_gst; /* out: its share of the GST on shipping */
    int64_t total;        /* out: taxable + gst + shipping + shipping_gst */
} pf_order_figures;

/* A checkout's totals (the group record's figures; for one order, that order's). */
typedef struct pf_checkout_totals {
    int64_t subtotal;     /* taxable value before the discount */
    int64_t discount;     /* coupon discount */
    int64_t taxable;      /* subtotal - discount */
    int64_t gst;          /* sum of the orders' GST */
    int64_t shipping;     /* shipping charge */
    int64_t shipping_gst; /* GST on shipping */
    int64_t total;        /* amount payable: sum of the orders' totals */
} pf_checkout_totals;

/* Freezes the figures of n >= 1 orders: discount (0..sum of their taxable values) is spread over them in
 * proportion to their pre-discount taxable values, shipping and shipping_gst (the one parcel's charge and
 * its GST) in proportion to their weights (grams, rounded to milligrams). GST is then gst_pct % of each
 * order's discounted taxable value; an order without a discount keeps its quoted GST. *tot (may be NULL) gets
 * the sums. Errors: INVAL for n == 0, negative amounts, a discount above the taxable sum, gst_pct outside
 * 0..100 or a NaN weight; nothing is written then. */
pf_err pf_checkout_figures(pf_order_figures *orders, size_t n, int64_t discount, double gst_pct,
                           int64_t shipping, int64_t shipping_gst, pf_checkout_totals *tot, pf_errbuf *eb);

#endif
