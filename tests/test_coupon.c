/* Coupon rules, discounts applied before GST, and the largest-remainder split of a checkout's discount and
 * shipping over its orders. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/coupon.h"

static pf_coupon coupon(const char *kind, double value)
{
    pf_coupon c = {.code = "SAVE10", .kind = (char *)kind, .value = value, .is_active = true};
    return c;
}

Test(coupon, code_is_normalised_and_checked)
{
    char out[PF_COUPON_CODE_MAX + 1];
    pf_errbuf eb;
    cr_assert_eq(pf_coupon_code_normalize("coupon_code", "  diwali-25 ", out, &eb), PF_E_OK);
    cr_expect_str_eq(out, "DIWALI-25");
    cr_expect_eq(pf_coupon_code_normalize("coupon_code", "", out, &eb), PF_E_INVALID_FIELD);
    cr_expect_eq(pf_coupon_code_normalize("coupon_code", "A B", out, &eb), PF_E_INVALID_FIELD);
    cr_expect_eq(pf_coupon_code_normalize("coupon_code", "ÄBC", out, &eb), PF_E_INVALID_FIELD);
    cr_expect(strstr(eb.msg, "coupon_code:") == eb.msg, "%s", eb.msg);
    char longc[64];
    memset(longc, 'A', 33);
    longc[33] = 0;
    cr_expect_eq(pf_coupon_code_normalize("code", longc, out, &eb), PF_E_INVALID_FIELD);
    longc[32] = 0;
    cr_expect_eq(pf_coupon_code_normalize("code", longc, out, &eb), PF_E_OK);
}

Test(coupon, definition_is_validated)
{
    pf_errbuf eb;
    pf_coupon c = coupon("percent", 10);
    cr_expect_eq(pf_coupon_validate_def(&c, &eb), PF_E_OK);
    c.value = 100.5;
    cr_expect_eq(pf_coupon_validate_def(&c, &eb), PF_E_INVALID_FIELD);
    c.value = 0;
    cr_expect_eq(pf_coupon_validate_def(&c, &eb), PF_E_INVALID_FIELD);
    c.value = NAN;
    cr_expect_eq(pf_coupon_validate_def(&c, &eb), PF_E_INVALID_FIELD);
    c = coupon("flat", 5000.5);
    cr_expect_eq(pf_coupon_validate_def(&c, &eb), PF_E_INVALID_FIELD, "flat in whole paise");
    c = coupon("bogus", 10);
    cr_expect_eq(pf_coupon_validate_def(&c, &eb), PF_E_INVALID_FIELD);
    c = coupon("flat", 100);
    c.starts_at = 2000, c.ends_at = 1000;
    cr_expect_eq(pf_coupon_validate_def(&c, &eb), PF_E_INVALID_FIELD);
    cr_expect(strstr(eb.msg, "ends_at"), "%s", eb.msg);
    c.min_order = -1, c.ends_at = 0;
    cr_expect_eq(pf_coupon_validate_def(&c, &eb), PF_E_INVALID_FIELD);
}

Test(coupon, window_minimum_and_limits)
{
    pf_errbuf eb;
    pf_coupon c = coupon("percent", 10);
    c.starts_at = 1000, c.ends_at = 2000, c.min_order = 50000, c.max_uses = 3, c.per_user_max = 1;
    cr_expect_eq(pf_coupon_check(&c, 1500, 50000, 0, &eb), PF_E_OK, "%s", eb.msg);
    cr_expect_eq(pf_coupon_check(&c, 1000, 50000, 0, &eb), PF_E_OK, "first second of the window");
    cr_expect_eq(pf_coupon_check(&c, 2000, 50000, 0, &eb), PF_E_OK, "last second of the window");
    cr_expect_eq(pf_coupon_check(&c, 999, 50000, 0, &eb), PF_E_INVALID_FIELD);
    cr_expect(strstr(eb.msg, "not valid yet"), "%s", eb.msg);
    cr_expect_eq(pf_coupon_check(&c, 2001, 50000, 0, &eb), PF_E_INVALID_FIELD);
    cr_expect(strstr(eb.msg, "expired"), "%s", eb.msg);
    cr_expect_eq(pf_coupon_check(&c, 1500, 49999, 0, &eb), PF_E_INVALID_FIELD);
    cr_expect(strstr(eb.msg, "500.00"), "minimum shown in rupees: %s", eb.msg);
    cr_expect_eq(pf_coupon_check(&c, 1500, 50000, 1, &eb), PF_E_INVALID_FIELD, "per-user limit");
    c.used = 3;
    cr_expect_eq(pf_coupon_check(&c, 1500, 50000, 0, &eb), PF_E_INVALID_FIELD, "total limit");
    cr_expect(strstr(eb.msg, "usage limit"), "%s", eb.msg);
    c.used = 2, c.is_active = false;
    cr_expect_eq(pf_coupon_check(&c, 1500, 50000, 0, &eb), PF_E_INVALID_FIELD, "inactive");
    /* Unlimited when the limits are 0, open-ended when the window is. */
    pf_coupon u = coupon("flat", 100);
    u.used = 1000000;
    cr_expect_eq(pf_coupon_check(&u, 0, 0, 999, &eb), PF_E_OK, "%s", eb.msg);
    cr_expect_eq(pf_coupon_check(&u, 4000000000LL, 1, 999, &eb), PF_E_OK);
}

Test(coupon, discount_percent_rounds_half_up_and_flat_is_capped)
{
    pf_errbuf eb;
    int64_t d = -1;
    pf_coupon c = coupon("percent", 10);
    cr_assert_eq(pf_coupon_discount(&c, 12345, &d, &eb), PF_E_OK);
    cr_expect_eq(d, 1235, "1234.5 rounds up: %lld", (long long)d);
    cr_assert_eq(pf_coupon_discount(&c, 12344, &d, &eb), PF_E_OK);
    cr_expect_eq(d, 1234);
    c.value = 12.5;
    cr_assert_eq(pf_coupon_discount(&c, 1001, &d, &eb), PF_E_OK);
    cr_expect_eq(d, 125, "125.125 -> 125: %lld", (long long)d);
    c.value = 100;
    cr_assert_eq(pf_coupon_discount(&c, 777, &d, &eb), PF_E_OK);
    cr_expect_eq(d, 777);
    c = coupon("flat", 20000);
    cr_assert_eq(pf_coupon_discount(&c, 50000, &d, &eb), PF_E_OK);
    cr_expect_eq(d, 20000);
    cr_assert_eq(pf_coupon_discount(&c, 15000, &d, &eb), PF_E_OK);
    cr_expect_eq(d, 15000, "never more than the taxable value");
    cr_expect_eq(pf_coupon_discount(&c, -1, &d, &eb), PF_E_INVAL);
}

Test(coupon, apportion_sums_exactly_and_follows_weights)
{
    int64_t w[] = {1, 1, 1}, out[3];
    pf_apportion(100, w, 3, out);
    cr_expect(out[0] == 34 && out[1] == 33 && out[2] == 33, "ties to the first: %lld %lld %lld",
              (long long)out[0], (long long)out[1], (long long)out[2]);
    int64_t w2[] = {0, 5, 0, 5};
    int64_t o2[4];
    pf_apportion(7, w2, 4, o2);
    cr_expect(o2[0] == 0 && o2[2] == 0 && o2[1] + o2[3] == 7, "zero weights stay zero");
    int64_t z[] = {0, 0, 0}, oz[3];
    pf_apportion(5, z, 3, oz);
    cr_expect(oz[0] == 2 && oz[1] == 2 && oz[2] == 1);
    /* Random splits: exact sum, every share within one paisa of its exact value. */
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        int64_t ww[20], oo[20];
        size_t n = 1 + (seed = seed * 1103515245u + 12345u) % 20;
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            ww[i] = (seed >> 8) % 4 ? (int64_t)((seed >> 4) % 10000000) : 0;
            sum += (double)ww[i];
        }
        seed = seed * 1103515245u + 12345u;
        int64_t total = (int64_t)(seed % 5000000);
        pf_apportion(total, ww, n, oo);
        int64_t s = 0;
        for (size_t i = 0; i < n; i++) {
            double exact = sum > 0 ? (double)total * (double)ww[i] / sum : (double)total / (double)n;
            cr_assert(fabs((double)oo[i] - exact) < 1.0 + 1e-6, "share %zu: %lld vs %f", i, (long long)oo[i],
                      exact);
            s += oo[i];
        }
        cr_assert_eq(s, total);
    }
}

/* Three orders: ₹500 + ₹300 + ₹200 before a ₹100 flat coupon, 18 % GST, shipping ₹80 + ₹14.40 GST. */
Test(coupon, discount_applies_before_gst_and_everything_adds_up)
{
    pf_order_figures o[3] = {
        {.material = 30000, .printing = 15000, .priority = 5000, .quoted_gst = 9000, .weight_g = 100},
        {.material = 20000, .printing = 10000, .quoted_gst = 5400, .weight_g = 50},
        {.material = 12000, .printing = 8000, .quoted_gst = 3600, .weight_g = 50},
    };
    pf_checkout_totals t;
    pf_errbuf eb;
    cr_assert_eq(pf_checkout_figures(o, 3, 10000, 18, 8000, 1440, &t, &eb), PF_E_OK, "%s", eb.msg);
    cr_expect_eq(o[0].discount, 5000);
    cr_expect_eq(o[1].discount, 3000);
    cr_expect_eq(o[2].discount, 2000);
    int64_t sum_total = 0;
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(o[i].taxable, o[i].material + o[i].printing + o[i].priority - o[i].discount);
        cr_expect_eq(o[i].gst, (int64_t)floor((double)o[i].taxable * 0.18 + 0.5),
                     "GST on the discounted value");
        cr_expect_eq(o[i].total, o[i].taxable + o[i].gst + o[i].shipping + o[i].shipping_gst);
        sum_total += o[i].total;
    }
    cr_expect_eq(o[0].shipping, 4000, "shipping by weight");
    cr_expect_eq(o[1].shipping + o[2].shipping, 4000);
    cr_expect_eq(o[0].shipping_gst, 720);
    cr_expect_eq(t.subtotal, 100000);
    cr_expect_eq(t.discount, 10000);
    cr_expect_eq(t.taxable, 90000);
    cr_expect_eq(t.gst, 16200);
    cr_expect_eq(t.shipping, 8000);
    cr_expect_eq(t.shipping_gst, 1440);
    cr_expect_eq(t.total, sum_total);
    cr_expect_eq(t.total, 90000 + 16200 + 8000 + 1440);
}

Test(coupon, without_a_discount_the_quoted_gst_is_kept)
{
    pf_order_figures o = {.material = 10001, .printing = 3333, .quoted_gst = 2400, .weight_g = 10};
    pf_checkout_totals t;
    cr_assert_eq(pf_checkout_figures(&o, 1, 0, 18, 0, 0, &t, NULL), PF_E_OK);
    cr_expect_eq(o.gst, 2400);
    cr_expect_eq(o.total, 13334 + 2400);
    cr_expect_eq(t.total, o.total);
}

Test(coupon, awkward_splits_still_add_up_to_the_paisa)
{
    unsigned seed = 777;
    for (int round = 0; round < 500; round++) {
        pf_order_figures o[20];
        size_t n = 1 + (seed = seed * 1103515245u + 12345u) % 20;
        int64_t sub = 0;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            o[i] = (pf_order_figures){.material = (seed >> 3) % 100000,
                                      .printing = (seed >> 7) % 50000,
                                      .priority = (seed & 1) ? (seed >> 11) % 20000 : 0,
                                      .weight_g = (double)((seed >> 5) % 1000) / 7.0};
            o[i].quoted_gst =
                (int64_t)floor((double)(o[i].material + o[i].printing + o[i].priority) * 0.18 + 0.5);
            sub += o[i].material + o[i].printing + o[i].priority;
        }
        seed = seed * 1103515245u + 12345u;
        int64_t disc = sub ? (int64_t)(seed % (uint64_t)(sub + 1)) : 0;
        int64_t ship = (int64_t)((seed >> 9) % 30000), sgst = (int64_t)floor((double)ship * 0.18 + 0.5);
        pf_checkout_totals t;
        cr_assert_eq(pf_checkout_figures(o, n, disc, 18, ship, sgst, &t, NULL), PF_E_OK);
        int64_t d = 0, tx = 0, g = 0, s = 0, sg = 0, tot = 0;
        for (size_t i = 0; i < n; i++) {
            cr_assert_geq(o[i].taxable, 0);
            cr_assert_eq(o[i].taxable + o[i].discount, o[i].material + o[i].printing + o[i].priority);
            cr_assert_eq(o[i].total, o[i].taxable + o[i].gst + o[i].shipping + o[i].shipping_gst);
            d += o[i].discount, tx += o[i].taxable, g += o[i].gst, s += o[i].shipping,
                sg += o[i].shipping_gst;
            tot += o[i].total;
        }
        cr_assert(d == disc && t.discount == disc && tx == t.taxable && t.taxable == sub - disc);
        cr_assert(g == t.gst && s == ship && sg == sgst && tot == t.total);
        cr_assert_eq(t.total, t.taxable + t.gst + t.shipping + t.shipping_gst);
    }
}

Test(coupon, bad_inputs_are_refused_and_leave_the_orders_alone)
{
    pf_order_figures o = {.material = 100, .quoted_gst = 18};
    pf_order_figures copy = o;
    pf_errbuf eb;
    cr_expect_eq(pf_checkout_figures(&o, 1, 101, 18, 0, 0, NULL, &eb), PF_E_INVAL, "discount above taxable");
    cr_expect_eq(pf_checkout_figures(&o, 0, 0, 18, 0, 0, NULL, &eb), PF_E_INVAL);
    cr_expect_eq(pf_checkout_figures(&o, 1, 0, 118, 0, 0, NULL, &eb), PF_E_INVAL);
    cr_expect_eq(pf_checkout_figures(&o, 1, 0, 18, -5, 0, NULL, &eb), PF_E_INVAL);
    o.weight_g = NAN;
    cr_expect_eq(pf_checkout_figures(&o, 1, 0, 18, 0, 0, NULL, &eb), PF_E_INVAL);
    o.weight_g = 0;
    cr_expect_eq(memcmp(&o, &copy, sizeof o), 0);
}
