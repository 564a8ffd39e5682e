/* Cost engine: worked examples by hand, rounding invariants over random inputs, validation, materials, INR
 * text. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "engine/material.h"
#include "engine/price.h"

#define PLA_PAISE_PER_KG 100000 /* the seed's PLA price, ₹1000/kg */

/* 50 g of PLA, 3 h, one unit, default printer (120 W). */
static pf_price_input example_input(void)
{
    return (pf_price_input){.weight_g = 50,
                            .print_time_s = 3 * 3600,
                            .material_cost_per_kg_paise = PLA_PAISE_PER_KG,
                            .quantity = 1};
}

static pf_price_breakdown price_ok(const pf_price_settings *s, pf_price_input in)
{
    pf_price_breakdown b;
    pf_errbuf eb = {{0}};
    pf_err e = pf_price_compute(s, &in, &b, &eb);
    cr_assert_eq(e, PF_E_OK, "%s: %s", pf_err_name(e), eb.msg);
    return b;
}

/* Both views of the breakdown add up, at every level. */
static void assert_sums(const pf_price_breakdown *b)
{
    cr_assert_eq(b->material_cost + b->electricity + b->setup + b->overhead + b->margin + b->min_topup,
                 b->base);
    cr_assert_eq(b->base + b->priority, b->subtotal);
    cr_assert_eq(b->subtotal + b->gst, b->total);
    cr_assert_eq(b->material + b->printing, b->base);
    cr_assert_eq(b->material + b->printing + b->priority + b->gst, b->total);
}

Test(price, worked_example_with_defaults)
{
    /* material    = 50 g / 1000 · 100000            =  5000
     * electricity = 3 h · 0.120 kW · 800 paise/kWh  =   288
     * setup                                         =  5000
     * overhead    = 10 % · 10288                    =  1028.8
     * margin      = 30 % · 11316.8                  =  3395.04
     * base                                          = 14711.84
     * gst         = 18 % · 14711.84                 =  2648.1312
     * total       = 17359.9712 -> 17360 paise (₹173.60)
     * total -> subtotal/gst: quotas 17360/1.18 = 14711.864 and 2648.136; floors 14711 + 2648, the spare paisa
     *   to the larger fraction: subtotal 14712, gst 2648.
     * base 14712 -> quotas 5000.054, 288.003, 5000.054, 1028.811, 3395.077; floors sum 14711, the spare paisa
     * to overhead (.811): 5000, 288, 5000, 1029, 3395. hidden = 288 + 5000 + 1028.8 + 3395.04 = 9711.84;
     * printing = 60 % = 5827.104, material = 5000 + 3884.736 = 8884.736; quotas of 14712: 5827.167 and
     * 8884.833 -> printing 5827, material 8885. */
    pf_price_breakdown b = price_ok(NULL, example_input());
    cr_assert_eq(b.material_cost, 5000);
    cr_assert_eq(b.electricity, 288);
    cr_assert_eq(b.setup, 5000);
    cr_assert_eq(b.overhead, 1029);
    cr_assert_eq(b.margin, 3395);
    cr_assert_eq(b.min_topup, 0);
    cr_assert_eq(b.base, 14712);
    cr_assert_eq(b.priority, 0);
    cr_assert_eq(b.subtotal, 14712);
    cr_assert_eq(b.gst, 2648);
    cr_assert_eq(b.total, 17360);
    cr_assert_eq(b.material, 8885);
    cr_assert_eq(b.printing, 5827);
    assert_sums(&b);
}

Test(price, priority_adds_a_quarter_of_the_base)
{
    /* Priority on the worked example: priority = 25 % · 14711.84 = 3677.96, subtotal 18389.8, gst 3310.164,
     * total 21699.964 -> 21700. Quotas: subtotal 21700/1.18 = 18389.83 -> 18390, gst 3310;
     * base 18390/1.25 = 14712 exactly, priority 3678 = 14712/4. The base is the same as without priority. */
    pf_price_input in = example_input();
    in.priority = 1;
    pf_price_breakdown b = price_ok(NULL, in);
    cr_assert_eq(b.base, 14712);
    cr_assert_eq(b.priority, 3678);
    cr_assert_eq(b.subtotal, 18390);
    cr_assert_eq(b.gst, 3310);
    cr_assert_eq(b.total, 21700);
    cr_assert_eq(b.material + b.printing, 14712);
    assert_sums(&b);
}

Test(price, gst_is_exactly_the_rate_on_the_taxable_subtotal)
{
    /* Only material: 100 g · ₹1000/kg = 10000 paise; GST 18 % = 1800; total 11800. */
    pf_price_settings s = pf_price_settings_default();
    s.setup_fee_paise = 0;
    s.overhead_pct = 0;
    s.margin_pct = 0;
    s.electricity_paise_per_kwh = 0;
    pf_price_input in = example_input();
    in.weight_g = 100;
    pf_price_breakdown b = price_ok(&s, in);
    cr_assert_eq(b.subtotal, 10000);
    cr_assert_eq(b.gst, 1800);
    cr_assert_eq(b.total, 11800);
    cr_assert_eq(b.material, 10000, "no hidden costs: everything is material");
    cr_assert_eq(b.printing, 0);
    /* With priority: 10000 + 2500 = 12500 taxable, GST 2250, total 14750. */
    in.priority = 1;
    b = price_ok(&s, in);
    cr_assert_eq(b.priority, 2500);
    cr_assert_eq(b.gst, 2250);
    cr_assert_eq(b.total, 14750);
}

Test(price, minimum_order_price_raises_the_base_before_priority_and_gst)
{
    /* Minimum ₹200 over the worked example (base 14711.84): top-up 5288.16, base 20000, gst 3600, total
     * 23600. Internal quotas are the exact values; floors 5000 + 288 + 5000 + 1028 + 3395 + 5288 = 19999, the
     * spare paisa to overhead (.8 beats .16 and .04). Hidden = 20000 - 5000 = 15000: printing 9000, material
     * 11000. */
    pf_price_settings s = pf_price_settings_default();
    s.min_order_paise = 20000;
    pf_price_breakdown b = price_ok(&s, example_input());
    cr_assert_eq(b.min_topup, 5288);
    cr_assert_eq(b.overhead, 1029);
    cr_assert_eq(b.base, 20000);
    cr_assert_eq(b.gst, 3600);
    cr_assert_eq(b.total, 23600);
    cr_assert_eq(b.printing, 9000);
    cr_assert_eq(b.material, 11000);
    assert_sums(&b);

    /* Priority on top of the minimum: 20000 + 5000 = 25000, GST 4500, total 29500. */
    pf_price_input in = example_input();
    in.priority = 1;
    b = price_ok(&s, in);
    cr_assert_eq(b.priority, 5000);
    cr_assert_eq(b.total, 29500);

    /* A minimum below the price changes nothing. */
    s.min_order_paise = 10000;
    b = price_ok(&s, example_input());
    cr_assert_eq(b.min_topup, 0);
    cr_assert_eq(b.total, 17360);
}

Test(price, quantity_multiplies_material_and_time_but_setup_is_per_order_line)
{
    /* 3 units: material 15000, electricity 864, setup 5000 once, overhead 2086.4, margin 30 % · 22950.4 =
     * 6885.12, base 29835.52, gst 5370.3936, total 35205.9136 -> 35206.
     * Quotas: subtotal 35206/1.18 = 29835.593 -> 29836, gst 5370. Base 29836 (factor 1 + 1.6088e-5):
     * 15000.241, 864.014, 5000.080, 2086.434, 6885.231 -> floors sum 29835, spare paisa to overhead.
     * Hidden 14835.52: printing 8901.312 -> 8901.455, material 20934.208 -> 20934.545 -> 20935. */
    pf_price_input in = example_input();
    in.quantity = 3;
    pf_price_breakdown b = price_ok(NULL, in);
    cr_assert_eq(b.material_cost, 15000);
    cr_assert_eq(b.electricity, 864);
    cr_assert_eq(b.setup, 5000);
    cr_assert_eq(b.overhead, 2087);
    cr_assert_eq(b.margin, 6885);
    cr_assert_eq(b.subtotal, 29836);
    cr_assert_eq(b.gst, 5370);
    cr_assert_eq(b.total, 35206);
    cr_assert_eq(b.material, 20935);
    cr_assert_eq(b.printing, 8901);
    assert_sums(&b);
}

Test(price, printer_watts_from_the_input_override_the_default)
{
    /* 3 h at 200 W and ₹8/kWh = 0.6 kWh = 480 paise. */
    pf_price_input in = example_input();
    in.printer_watts = 200;
    cr_assert_eq(price_ok(NULL, in).electricity, 480);
}

Test(price, zero_weight_leaves_only_setup_and_its_markups)
{
    /* Setup 5000, overhead 500, margin 30 % · 5500 = 1650: base 7150, gst 1287, total 8437; all hidden, so
     * printing = 60 % = 4290 and material = 2860 although no filament is used. */
    pf_price_input in = example_input();
    in.weight_g = 0;
    in.print_time_s = 0;
    pf_price_breakdown b = price_ok(NULL, in);
    cr_assert_eq(b.material_cost, 0);
    cr_assert_eq(b.electricity, 0);
    cr_assert_eq(b.base, 7150);
    cr_assert_eq(b.gst, 1287);
    cr_assert_eq(b.total, 8437);
    cr_assert_eq(b.printing, 4290);
    cr_assert_eq(b.material, 2860);

    /* Nothing at all costs nothing. */
    pf_price_settings s = pf_price_settings_default();
    s.setup_fee_paise = 0;
    b = price_ok(&s, in);
    pf_price_breakdown zero = {0};
    cr_assert_eq(memcmp(&b, &zero, sizeof b), 0);
}

Test(price, printing_share_moves_money_but_never_the_total)
{
    pf_price_settings s = pf_price_settings_default();
    pf_price_breakdown ref = price_ok(&s, example_input());
    const double shares[] = {0, 25, 60, 99.5, 100};
    for (size_t i = 0; i < sizeof shares / sizeof shares[0]; i++) {
        s.printing_share_pct = shares[i];
        pf_price_breakdown b = price_ok(&s, example_input());
        cr_assert_eq(b.total, ref.total);
        cr_assert_eq(b.gst, ref.gst);
        cr_assert_eq(b.base, ref.base);
        cr_assert_eq(b.material_cost, ref.material_cost);
        assert_sums(&b);
    }
    s.printing_share_pct = 0;
    cr_assert_eq(price_ok(&s, example_input()).printing, 0);
    /* At 100 % the customer's material is the filament alone: 14712 - 5000 = 9712 printing. */
    s.printing_share_pct = 100;
    pf_price_breakdown b = price_ok(&s, example_input());
    cr_assert_eq(b.material, 5000);
    cr_assert_eq(b.printing, 9712);
}

/* A small deterministic generator (splitmix64) so the random cases are the same on every run. */
static uint64_t next_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *state, double lo, double hi)
{
    return lo + (hi - lo) * (double)(next_u64(state) >> 11) / 9007199254740992.0;
}

/* |line - parent·exact/sum| < 1: the largest-remainder guarantee, checked against the test's own exact sums.
 */
static void assert_quota(int64_t line, int64_t parent, double exact, double sum, const char *what)
{
    double quota = sum > 0 ? (double)parent * exact / sum : 0;
    cr_assert(fabs((double)line - quota) < 1 + 1e-6, "%s: %lld vs quota %.6f", what, (long long)line, quota);
}

Test(price, lines_always_sum_to_the_total_over_random_inputs)
{
    uint64_t rng = 20240611;
    for (int i = 0; i < 5000; i++) {
        pf_price_settings s = pf_price_settings_default();
        s.electricity_paise_per_kwh = (int64_t)uniform(&rng, 0, 2000);
        s.setup_fee_paise = (int64_t)uniform(&rng, 0, 20000);
        s.overhead_pct = uniform(&rng, 0, 50);
        s.margin_pct = uniform(&rng, 0, 200);
        s.priority_pct = uniform(&rng, 0, 100);
        s.gst_pct = (i % 4) ? 18 : uniform(&rng, 0, 28);
        s.printing_share_pct = uniform(&rng, 0, 100);
        s.min_order_paise = (i % 3) ? 0 : (int64_t)uniform(&rng, 0, 50000);
        pf_price_input in = {
            .weight_g = (i % 50) ? uniform(&rng, 0, 5000) : 0,
            .print_time_s = uniform(&rng, 0, 7 * 86400),
            .material_cost_per_kg_paise = (int64_t)uniform(&rng, 0, 500000),
            .printer_watts = (i % 2) ? uniform(&rng, 0, 1000) : 0,
            .quantity = 1 + (int64_t)uniform(&rng, 0, 200),
            .priority = (int)(next_u64(&rng) & 1),
        };
        pf_price_breakdown b = price_ok(&s, in);
        assert_sums(&b);
        cr_assert(b.material_cost >= 0 && b.electricity >= 0 && b.setup >= 0 && b.overhead >= 0 &&
                  b.margin >= 0 && b.min_topup >= 0 && b.priority >= 0 && b.gst >= 0 && b.material >= 0 &&
                  b.printing >= 0);

        /* Exact amounts, recomputed here from the formula in price.h. */
        double q = (double)in.quantity, w = in.printer_watts > 0 ? in.printer_watts : s.printer_watts;
        double mat = q * in.weight_g * (double)in.material_cost_per_kg_paise / 1000;
        double elec = q * in.print_time_s / 3600 * w / 1000 * (double)s.electricity_paise_per_kwh;
        double direct = mat + elec + (double)s.setup_fee_paise, over = direct * s.overhead_pct / 100;
        double margin = (direct + over) * s.margin_pct / 100, raw = direct + over + margin;
        double base = fmax(raw, (double)s.min_order_paise);
        double prio = in.priority ? base * s.priority_pct / 100 : 0;
        double total = (base + prio) * (1 + s.gst_pct / 100);
        cr_assert(fabs((double)b.total - total) <= 0.5 + 1e-6, "total %lld vs exact %.6f", (long long)b.total,
                  total);
        /* GST and priority are the rate on their integer base to within half a paisa of the combined line. */
        double g = s.gst_pct / 100, p = s.priority_pct / 100;
        cr_assert(fabs((double)b.gst - g * (double)b.subtotal) <= 0.5 * (1 + g) + 1e-6);
        if (in.priority)
            cr_assert(fabs((double)b.priority - p * (double)b.base) <= 0.5 * (1 + p) + 1e-6);
        else
            cr_assert_eq(b.priority, 0);
        assert_quota(b.material_cost, b.base, mat, base, "material_cost");
        assert_quota(b.electricity, b.base, elec, base, "electricity");
        assert_quota(b.margin, b.base, margin, base, "margin");
        double printing = (base - mat) * s.printing_share_pct / 100;
        assert_quota(b.printing, b.base, printing, base, "printing");
        if (in.weight_g == 0) cr_assert_eq(b.material_cost, 0);
    }
}

Test(price, invalid_inputs_are_refused_with_the_field_named)
{
    struct {
        pf_price_input in;
        const char *field;
    } bad[] = {
        {{.weight_g = NAN, .quantity = 1}, "weight_g"},
        {{.weight_g = -1, .quantity = 1}, "weight_g"},
        {{.weight_g = 2e6, .quantity = 1}, "weight_g"},
        {{.print_time_s = INFINITY, .quantity = 1}, "print_time_s"},
        {{.print_time_s = -0.5, .quantity = 1}, "print_time_s"},
        {{.printer_watts = -10, .quantity = 1}, "printer_watts"},
        {{.material_cost_per_kg_paise = -1, .quantity = 1}, "material_cost_per_kg_paise"},
        {{.quantity = 0}, "quantity"},
        {{.quantity = -3}, "quantity"},
        {{.quantity = PF_PRICE_MAX_QUANTITY + 1}, "quantity"},
        {{.weight_g = 1e6, .material_cost_per_kg_paise = 10000000, .quantity = 100000}, "total"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pf_price_breakdown b = {.total = -42};
        pf_errbuf eb = {{0}};
        cr_assert_eq(pf_price_compute(NULL, &bad[i].in, &b, &eb), PF_E_INVAL, "case %zu", i);
        cr_assert_not_null(strstr(eb.msg, bad[i].field), "case %zu: %s", i, eb.msg);
        cr_assert_eq(b.total, -42, "output untouched on error");
    }
    pf_price_breakdown b;
    cr_assert_eq(pf_price_compute(NULL, NULL, &b, NULL), PF_E_INVAL);

    pf_price_settings s = pf_price_settings_default();
    s.gst_pct = 150;
    pf_errbuf eb = {{0}};
    pf_price_input in = example_input();
    cr_assert_eq(pf_price_compute(&s, &in, &b, &eb), PF_E_INVAL);
    cr_assert_not_null(strstr(eb.msg, "gst_pct"), "%s", eb.msg);
    s = pf_price_settings_default();
    s.margin_pct = NAN;
    cr_assert_eq(pf_price_compute(&s, &in, &b, &eb), PF_E_INVAL);
    cr_assert_not_null(strstr(eb.msg, "margin_pct"), "%s", eb.msg);
    s = pf_price_settings_default();
    s.setup_fee_paise = -1;
    cr_assert_eq(pf_price_settings_validate(&s, &eb), PF_E_INVAL);
}

Test(price, settings_are_reachable_by_key_with_ranges)
{
    pf_price_settings s = pf_price_settings_default();
    cr_assert_eq(pf_price_settings_validate(&s, NULL), PF_E_OK);
    cr_assert_eq(pf_price_setting_count(), 9);
    cr_assert_null(pf_price_setting_info_at(9));
    for (size_t i = 0; i < pf_price_setting_count(); i++) {
        const pf_price_setting_info *d = pf_price_setting_info_at(i);
        double v;
        cr_assert_eq(pf_price_setting_get(&s, d->key, &v, NULL), PF_E_OK, "%s", d->key);
        cr_assert(v >= d->min && v <= d->max, "%s default %g out of its own range", d->key, v);
    }
    double v = 0;
    cr_assert_eq(pf_price_setting_get(&s, "gst_pct", &v, NULL), PF_E_OK);
    cr_assert_eq(v, 18);
    cr_assert_eq(pf_price_setting_get(&s, "priority_pct", &v, NULL), PF_E_OK);
    cr_assert_eq(v, 25);
    cr_assert_eq(pf_price_setting_get(&s, "printing_share_pct", &v, NULL), PF_E_OK);
    cr_assert_eq(v, 60);
    cr_assert_eq(s.printer_watts, pf_printer_default()->wattage_w);

    cr_assert_eq(pf_price_setting_set(&s, "setup_fee_paise", 7500, NULL), PF_E_OK);
    cr_assert_eq(s.setup_fee_paise, 7500);
    cr_assert_eq(pf_price_setting_set(&s, "gst_pct", 5, NULL), PF_E_OK);
    cr_assert_eq(s.gst_pct, 5);
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_price_setting_set(&s, "setup_fee_paise", 12.5, &eb), PF_E_INVAL);
    cr_assert_not_null(strstr(eb.msg, "whole"), "%s", eb.msg);
    cr_assert_eq(pf_price_setting_set(&s, "gst_pct", -1, NULL), PF_E_INVAL);
    cr_assert_eq(pf_price_setting_set(&s, "gst_pct", NAN, NULL), PF_E_INVAL);
    cr_assert_eq(s.gst_pct, 5, "refused set leaves the value");
    cr_assert_eq(pf_price_setting_set(&s, "vat_pct", 5, NULL), PF_E_NOT_FOUND);
    cr_assert_eq(pf_price_setting_get(&s, NULL, &v, NULL), PF_E_NOT_FOUND);
}

Test(price, inr_formatting)
{
    char buf[PF_PRICE_INR_BUFSZ];
    cr_assert_str_eq(pf_price_format_inr(0, buf), "\u20b90.00");
    cr_assert_str_eq(pf_price_format_inr(5, buf), "\u20b90.05");
    cr_assert_str_eq(pf_price_format_inr(17360, buf), "\u20b9173.60");
    cr_assert_str_eq(pf_price_format_inr(123456, buf), "\u20b91,234.56");
    cr_assert_str_eq(pf_price_format_inr(12345678, buf), "\u20b91,23,456.78");
    cr_assert_str_eq(pf_price_format_inr(1234567890123, buf), "\u20b912,34,56,78,901.23");
    cr_assert_str_eq(pf_price_format_inr(-500, buf), "-\u20b95.00");
    /* 9223372036854775808 paise: rupees 92233720368547758 -> 92,23,37,20,36,85,47,758 and 08 paise. */
    cr_assert_str_eq(pf_price_format_inr(INT64_MIN, buf), "-\u20b992,23,37,20,36,85,47,758.08");
    cr_assert_str_eq(pf_price_format_plain(123456, buf), "1234.56");
    cr_assert_str_eq(pf_price_format_plain(12345678, buf), "123456.78");
    cr_assert_str_eq(pf_price_format_plain(-5, buf), "-0.05");
    cr_assert_eq(pf_price_to_inr(17360), 173.6);
    cr_assert_eq(pf_price_to_inr(-5), -0.05);
}

Test(material, lookup_ignores_case)
{
    const pf_material *m = NULL;
    cr_assert_eq(pf_material_find("pla", &m, NULL), PF_E_OK);
    cr_assert_str_eq(m->name, "PLA");
    cr_assert_eq(m->density_g_cm3, 1.24);
    cr_assert_eq(m->cost_per_kg_paise, PLA_PAISE_PER_KG);
    cr_assert_eq(pf_material_find("NYLON", &m, NULL), PF_E_OK);
    cr_assert_str_eq(m->name, "Nylon");
    cr_assert_eq(m->density_g_cm3, 1.14);
    cr_assert_eq(pf_material_find("pEtG", &m, NULL), PF_E_OK);
    cr_assert_eq(m->density_g_cm3, 1.27);

    const pf_material *untouched = m;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_material_find("PLA+", &m, &eb), PF_E_NOT_FOUND);
    cr_assert_not_null(strstr(eb.msg, "PLA+"), "%s", eb.msg);
    cr_assert_not_null(strstr(eb.msg, "Nylon"), "the message lists the known names: %s", eb.msg);
    cr_assert_eq(m, untouched);
    cr_assert_eq(pf_material_find("", &m, NULL), PF_E_INVAL);
    cr_assert_eq(pf_material_find(NULL, &m, NULL), PF_E_INVAL);
}

Test(material, default_table_is_complete)
{
    static const struct {
        const char *name;
        double density;
    } want[] = {{"PLA", 1.24}, {"PETG", 1.27}, {"ABS", 1.04}, {"ASA", 1.07}, {"TPU", 1.21}, {"Nylon", 1.14}};
    cr_assert_eq(pf_material_default_count(), 6);
    cr_assert_null(pf_material_default_at(6));
    for (size_t i = 0; i < 6; i++) {
        const pf_material *m = pf_material_default_at(i);
        cr_assert_str_eq(m->name, want[i].name);
        cr_assert_eq(m->density_g_cm3, want[i].density);
        cr_assert(m->cost_per_kg_paise > 0 && m->cost_per_kg_paise <= PF_PRICE_MAX_COST_PER_KG_PAISE);
        cr_assert(m->display_name && *m->display_name && m->notes);
        cr_assert_geq(m->ncolors, 1);
        for (size_t c = 0; c < m->ncolors; c++) {
            const char *hex = m->colors[c].hex;
            cr_assert(*m->colors[c].name, "%s colour %zu has no name", m->name, c);
            cr_assert(strlen(hex) == 7 && hex[0] == '#' && strspn(hex + 1, "0123456789ABCDEF") == 6, "%s",
                      hex);
        }
    }
}

Test(material, default_printer_is_an_mk3s)
{
    const pf_printer_type *p = pf_printer_default();
    cr_assert_eq(p->bed_x_mm, 250);
    cr_assert_eq(p->bed_y_mm, 210);
    cr_assert_eq(p->bed_z_mm, 210);
    cr_assert_eq(p->nozzle_mm, 0.4);
    cr_assert(p->wattage_w > 0 && p->print_speed_cm3_hr > 0);
    cr_assert_eq(p->nmaterials, pf_material_default_count());
    for (size_t i = 0; i < p->nmaterials; i++) {
        const pf_material *m;
        cr_assert_eq(pf_material_find(p->materials[i], &m, NULL), PF_E_OK, "%s", p->materials[i]);
    }
}
