/* Shipping engine: PIN lookups (zone, circle, state, district), bad and unknown PINs, the table's invariants,
 * the Speed Post tariff's slabs and bands, packaging allowance, GST on shipping and intra/inter-state GST. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pincode_data.h"
#include "engine/shipping.h"

/* The published Speed Post tariff (1 Oct 2012 revision), in rupees, written out independently of the engine:
 * rows up to 50 g, 51-200 g, 201-500 g, each further 500 g; columns local, <=200, 201-1000, 1001-2000, >2000
 * km. */
static const int published[4][5] = {
    {15, 35, 35, 35, 35},
    {25, 35, 40, 60, 70},
    {30, 50, 60, 80, 90},
    {10, 15, 30, 40, 50},
};

static pf_pin_info lookup_ok(const char *pin)
{
    pf_pin_info p;
    pf_errbuf eb = {{0}};
    pf_err e = pf_pin_lookup(pin, &p, &eb);
    cr_assert_eq(e, PF_E_OK, "%s: %s %s", pin, pf_err_name(e), eb.msg);
    return p;
}

static pf_ship_quote quote_ok(const pf_ship_settings *s, const char *pin, double g)
{
    pf_ship_quote q;
    pf_errbuf eb = {{0}};
    pf_err e = pf_ship_quote_parcel(s, pin, g, &q, &eb);
    cr_assert_eq(e, PF_E_OK, "%s %g g: %s %s", pin, g, pf_err_name(e), eb.msg);
    return q;
}

/* Settings without packaging, so goods weight = billed weight. */
static pf_ship_settings bare(const char *origin)
{
    pf_ship_settings s = pf_ship_settings_default();
    strcpy(s.origin_pin, origin);
    s.packaging_g = 0;
    s.packaging_pct = 0;
    return s;
}

Test(shipping, gst_state_of_major_cities)
{
    static const struct {
        const char *pin, *state, *district;
        int zone, code;
    } cases[] = {
        {"560001", "Karnataka", "Bengaluru", 5, 29},
        {"110001", "Delhi", "New Delhi", 1, 7},
        {"400001", "Maharashtra", "Mumbai", 4, 27},
        {"600001", "Tamil Nadu", "Chennai", 6, 33},
        {"700001", "West Bengal", "Kolkata", 7, 19},
        {"500001", "Telangana", "Hyderabad", 5, 36},
        {"380001", "Gujarat", "Ahmedabad", 3, 24},
        {"302001", "Rajasthan", "Jaipur", 3, 8},
        {"226001", "Uttar Pradesh", "Lucknow", 2, 9},
        {"160017", "Chandigarh", "Chandigarh", 1, 4},
        {"682001", "Kerala", "Kochi", 6, 32},
        {"411001", "Maharashtra", "Pune", 4, 27},
        {"403001", "Goa", "Panaji", 4, 30},
        {"751001", "Odisha", "Bhubaneswar", 7, 21},
        {"800001", "Bihar", "Patna", 8, 10},
        {"834001", "Jharkhand", "Ranchi", 8, 20},
        {"248001", "Uttarakhand", "Dehradun", 2, 5},
        {"492001", "Chhattisgarh", "Raipur", 4, 22},
        {"462001", "Madhya Pradesh", "Bhopal", 4, 23},
        {"781001", "Assam", "Guwahati", 7, 18},
        {"737101", "Sikkim", "Gangtok", 7, 11},
        {"744101", "Andaman and Nicobar Islands", "Port Blair", 7, 35},
        {"194101", "Ladakh", "Leh", 1, 38},
        {"190001", "Jammu and Kashmir", "Srinagar", 1, 1},
        {"171001", "Himachal Pradesh", "Shimla", 1, 2},
        {"141001", "Punjab", "Ludhiana", 1, 3},
        {"122001", "Haryana", "Gurugram", 1, 6},
        {"520001", "Andhra Pradesh", "Vijayawada", 5, 37},
        {"793001", "Meghalaya", "Shillong", 7, 17},
        {"795001", "Manipur", "Imphal", 7, 14},
        {"796001", "Mizoram", "Aizawl", 7, 15},
        {"797001", "Nagaland", "Kohima", 7, 13},
        {"799001", "Tripura", "Agartala", 7, 16},
        {"791111", "Arunachal Pradesh", "Itanagar", 7, 12},
        {"605001", "Puducherry", "Puducherry", 6, 34},
        {"682555", "Lakshadweep", "Kavaratti", 6, 31},
        {"396210", "Dadra and Nagar Haveli and Daman and Diu", "Daman", 3, 26},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pf_pin_info p = lookup_ok(cases[i].pin);
        cr_expect_str_eq(p.state, cases[i].state, "%s", cases[i].pin);
        cr_expect_str_eq(p.district, cases[i].district, "%s", cases[i].pin);
        cr_expect_eq(p.zone, cases[i].zone, "%s", cases[i].pin);
        cr_expect_eq(p.gst_code, cases[i].code, "%s", cases[i].pin);
        cr_expect(p.district_known, "%s", cases[i].pin);
        cr_expect_str_eq(p.pin, cases[i].pin);
    }
}

Test(shipping, zone_and_circle_names)
{
    pf_pin_info p = lookup_ok("560001");
    cr_expect_str_eq(p.zone_name, "Southern");
    cr_expect_str_eq(p.circle, "Karnataka");
    p = lookup_ok("110001");
    cr_expect_str_eq(p.zone_name, "Northern");
    cr_expect_str_eq(p.circle, "Delhi");
    p = lookup_ok("160017"); /* Chandigarh is served by the Punjab circle */
    cr_expect_str_eq(p.circle, "Punjab");
    p = lookup_ok("793001");
    cr_expect_str_eq(p.circle, "North Eastern");
    cr_expect_str_eq(p.zone_name, "Eastern");
    p = lookup_ok("400001");
    cr_expect_str_eq(p.zone_name, "Western");
    p = lookup_ok("673310"); /* Mahe: Puducherry, in the Kerala circle */
    cr_expect_str_eq(p.state, "Puducherry");
    cr_expect_str_eq(p.circle, "Kerala");
    p = lookup_ok("247667"); /* Roorkee (Uttarakhand) inside Saharanpur's prefix (Uttar Pradesh) */
    cr_expect_str_eq(p.state, "Uttarakhand");
    cr_expect_str_eq(p.circle, "Uttarakhand");
    p = lookup_ok("247001");
    cr_expect_str_eq(p.state, "Uttar Pradesh");
    p = lookup_ok("160055"); /* Mohali (Punjab) inside Chandigarh's prefix */
    cr_expect_str_eq(p.state, "Punjab");
    cr_expect_str_eq(p.district, "Mohali");
    cr_expect_not(pf_gst_intra_state(p.state, lookup_ok("160017").state));
}

Test(shipping, army_postal_service_has_no_state)
{
    pf_pin_info p = lookup_ok("999001");
    cr_expect_eq(p.zone, 9);
    cr_expect_str_eq(p.circle, "Army Postal Service");
    cr_expect_null(p.state);
    cr_expect_eq(p.gst_code, 0);
    cr_expect_null(p.district);
}

Test(shipping, bad_pins_refused)
{
    static const char *bad[] = {"56000",   "5600011", "56000a",  "abcdef", "012345", "",
                                " 560001", "560001 ", "560 001", "-56000", "+56000", "000000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pf_pin_info p;
        pf_errbuf eb = {{0}};
        cr_expect_eq(pf_pin_lookup(bad[i], &p, &eb), PF_E_INVAL, "'%s'", bad[i]);
        cr_expect(strstr(eb.msg, "pin") != NULL, "'%s': %s", bad[i], eb.msg);
    }
    pf_pin_info p;
    pf_errbuf eb = {{0}};
    cr_expect_eq(pf_pin_lookup(NULL, &p, &eb), PF_E_INVAL);
}

Test(shipping, unused_circle_not_found)
{
    static const char *unused[] = {"100001", "290001", "350001", "540001", "550001",
                                   "650001", "660001", "860001", "890001"};
    for (size_t i = 0; i < sizeof unused / sizeof unused[0]; i++) {
        pf_pin_info p;
        pf_errbuf eb = {{0}};
        cr_expect_eq(pf_pin_lookup(unused[i], &p, &eb), PF_E_NOT_FOUND, "%s", unused[i]);
        cr_expect(eb.msg[0], "%s has a message", unused[i]);
    }
}

Test(shipping, unknown_prefix_falls_back_to_circle)
{
    /* 569 is not a sorting district; the Karnataka circle is. */
    pf_pin_info p = lookup_ok("569001");
    cr_expect_not(p.district_known);
    cr_expect_null(p.district);
    cr_expect_str_eq(p.state, "Karnataka");
    cr_expect_str_eq(p.circle, "Karnataka");
    bool found = false;
    for (size_t i = 0; i < pf_pin_circles_n; i++)
        if (56 >= pf_pin_circles[i].lo && 56 <= pf_pin_circles[i].hi) {
            cr_expect_eq(p.lat, pf_pin_circles[i].lat);
            cr_expect_eq(p.lon, pf_pin_circles[i].lon);
            found = true;
        }
    cr_expect(found);
    /* And a quote to it still works, from the centroid. */
    pf_ship_quote q = quote_ok(NULL, "569001", 100);
    cr_expect_gt(q.charge, 0);
}

Test(shipping, table_invariants)
{
    cr_assert_gt(pf_pin_districts_n, 350);
    for (size_t i = 0; i < pf_pin_districts_n; i++) {
        const pf_pin_district *d = &pf_pin_districts[i];
        if (i) cr_expect_gt(d->prefix, pf_pin_districts[i - 1].prefix, "sorted and unique at %u", d->prefix);
        cr_expect(d->prefix >= 110 && d->prefix <= 899, "%u", d->prefix);
        cr_expect(d->state > PF_ST_NONE && d->state < PF_ST__N, "%u", d->prefix);
        cr_expect(d->district && *d->district, "%u", d->prefix);
        /* Inside India's bounding box. */
        cr_expect(d->lat > 6 && d->lat < 37 && d->lon > 68 && d->lon < 98, "%u at %f,%f", d->prefix, d->lat,
                  d->lon);
        /* Its circle exists. */
        char pin[16];
        snprintf(pin, sizeof pin, "%03u000", (unsigned)d->prefix);
        pf_pin_info p;
        pf_errbuf eb;
        cr_expect_eq(pf_pin_lookup(pin, &p, &eb), PF_E_OK, "%s", pin);
    }
    for (size_t i = 0; i < pf_pin_ranges_n; i++) {
        const pf_pin_range *r = &pf_pin_ranges[i];
        cr_expect_leq(r->lo, r->hi);
        cr_expect_eq(r->lo / 1000, r->hi / 1000, "a range stays inside one prefix");
        for (size_t j = i + 1; j < pf_pin_ranges_n; j++)
            cr_expect(r->hi < pf_pin_ranges[j].lo || pf_pin_ranges[j].hi < r->lo, "ranges overlap");
    }
    for (size_t i = 1; i < pf_pin_circles_n; i++)
        cr_expect_gt(pf_pin_circles[i].lo, pf_pin_circles[i - 1].hi);
    for (int s = 1; s < PF_ST__N; s++) {
        cr_expect_not_null(pf_pin_states[s].name);
        cr_expect_gt(pf_pin_states[s].gst_code, 0);
    }
}

/* Every PIN: lookup never crashes, the zone is the first digit, success exactly when the circle exists.
 * Checked with plain conditions (Criterion asserts are slow in a loop this long); the first failure is shown.
 */
Test(shipping, every_pin_consistent)
{
    char pin[8], first_bad[8] = "";
    size_t bad = 0, ok = 0;
    for (unsigned v = 100000; v <= 999999; v += 7) {
        snprintf(pin, sizeof pin, "%06u", v);
        pf_pin_info p;
        pf_errbuf eb;
        pf_err e = pf_pin_lookup(pin, &p, &eb);
        unsigned two = v / 10000;
        bool in_circle = false;
        for (size_t i = 0; i < pf_pin_circles_n; i++)
            in_circle |= two >= pf_pin_circles[i].lo && two <= pf_pin_circles[i].hi;
        bool good = e == (in_circle ? PF_E_OK : PF_E_NOT_FOUND);
        if (good && !e) {
            ok++;
            good = p.zone == (int)(v / 100000) && p.circle && p.zone_name && !strcmp(p.pin, pin) &&
                   (p.district != NULL) == p.district_known && (p.state != NULL) == (p.gst_code != 0) &&
                   p.lat > 6 && p.lat < 37 && p.lon > 68 && p.lon < 98;
        }
        if (!good && !bad++) memcpy(first_bad, pin, 7);
    }
    cr_expect_eq(bad, 0, "%zu inconsistent lookups, first %s", bad, first_bad);
    cr_expect_gt(ok, 50000);
}

Test(shipping, tariff_matches_published_slabs_at_edges)
{
    for (int b = 0; b < PF_BAND_N; b++) {
        cr_expect_eq(pf_ship_tariff(b, 1), published[0][b] * 100);
        cr_expect_eq(pf_ship_tariff(b, 50), published[0][b] * 100, "50 g band %d", b);
        cr_expect_eq(pf_ship_tariff(b, 51), published[1][b] * 100, "51 g band %d", b);
        cr_expect_eq(pf_ship_tariff(b, 200), published[1][b] * 100, "200 g band %d", b);
        cr_expect_eq(pf_ship_tariff(b, 201), published[2][b] * 100, "201 g band %d", b);
        cr_expect_eq(pf_ship_tariff(b, 500), published[2][b] * 100, "500 g band %d", b);
        cr_expect_eq(pf_ship_tariff(b, 501), (published[2][b] + published[3][b]) * 100, "501 g band %d", b);
        cr_expect_eq(pf_ship_tariff(b, 1000), (published[2][b] + published[3][b]) * 100, "1000 g band %d", b);
        cr_expect_eq(pf_ship_tariff(b, 1001), (published[2][b] + 2 * published[3][b]) * 100, "1001 g band %d",
                     b);
        cr_expect_eq(pf_ship_tariff(b, 35000), (published[2][b] + 69 * published[3][b]) * 100);
        /* A milligram over the edge is over it. */
        cr_expect_eq(pf_ship_tariff(b, 50.001), published[1][b] * 100);
        cr_expect_eq(pf_ship_tariff(b, 500.001), (published[2][b] + published[3][b]) * 100);
    }
    /* Locally every edge costs more. */
    cr_expect_lt(pf_ship_tariff(PF_BAND_LOCAL, 50), pf_ship_tariff(PF_BAND_LOCAL, 51));
    cr_expect_lt(pf_ship_tariff(PF_BAND_LOCAL, 200), pf_ship_tariff(PF_BAND_LOCAL, 201));
    cr_expect_lt(pf_ship_tariff(PF_BAND_LOCAL, 500), pf_ship_tariff(PF_BAND_LOCAL, 501));
    cr_expect_lt(pf_ship_tariff(PF_BAND_LOCAL, 1000), pf_ship_tariff(PF_BAND_LOCAL, 1001));
}

Test(shipping, tariff_refuses_bad_input)
{
    cr_expect_eq(pf_ship_tariff(PF_BAND_LOCAL, NAN), -1);
    cr_expect_eq(pf_ship_tariff(PF_BAND_LOCAL, INFINITY), -1);
    cr_expect_eq(pf_ship_tariff(PF_BAND_LOCAL, -0.5), -1);
    cr_expect_eq(pf_ship_tariff(PF_BAND_LOCAL, 35000.5), -1);
    cr_expect_eq(pf_ship_tariff(PF_BAND_N, 100), -1);
    cr_expect_eq(pf_ship_tariff((pf_ship_band)-1, 100), -1);
    cr_expect_str_eq(pf_ship_band_name(PF_BAND_N), "?");
    cr_expect_str_eq(pf_ship_band_name(PF_BAND_LOCAL), "local");
    cr_expect_str_eq(pf_ship_band_name(PF_BAND_OVER_2000), "over_2000km");
}

Test(shipping, tariff_monotone_in_weight_and_distance)
{
    size_t bad = 0;
    double first = -1;
    for (int b = 0; b < PF_BAND_N; b++) {
        int64_t prev = 0;
        for (double g = 0; g <= PF_SHIP_MAX_G; g += 3.7) {
            int64_t t = pf_ship_tariff(b, g);
            if (t < prev || t <= 0 || (b && t < pf_ship_tariff(b - 1, g))) {
                if (!bad++) first = g;
            }
            prev = t;
        }
    }
    cr_expect_eq(bad, 0, "%zu non-monotone points, first at %g g", bad, first);
}

Test(shipping, distance_bands_between_real_cities)
{
    pf_ship_settings s = bare("560001");
    cr_expect_eq(quote_ok(&s, "560100", 100).band, PF_BAND_LOCAL);     /* same sorting district */
    cr_expect_eq(quote_ok(&s, "570001", 100).band, PF_BAND_UPTO_200);  /* Mysuru, ~125 km */
    cr_expect_eq(quote_ok(&s, "600001", 100).band, PF_BAND_201_1000);  /* Chennai, ~290 km */
    cr_expect_eq(quote_ok(&s, "400001", 100).band, PF_BAND_201_1000);  /* Mumbai, ~840 km */
    cr_expect_eq(quote_ok(&s, "110001", 100).band, PF_BAND_1001_2000); /* Delhi, ~1740 km */
    cr_expect_eq(quote_ok(&s, "781001", 100).band, PF_BAND_OVER_2000); /* Guwahati, ~2080 km */
    pf_ship_quote q = quote_ok(&s, "110001", 100);
    cr_expect(q.distance_km > 1650 && q.distance_km < 1850, "%f", q.distance_km);
    cr_expect_str_eq(q.from.district, "Bengaluru");
    cr_expect_str_eq(q.to.district, "New Delhi");
    /* Symmetric. */
    pf_ship_settings d = bare("110001");
    cr_expect_eq(quote_ok(&d, "560001", 100).distance_km, q.distance_km);
    /* A split prefix is not local: Bijnor (246701) and Pauri (246001) share 246. */
    pf_ship_settings p = bare("246001");
    cr_expect_neq(quote_ok(&p, "246701", 100).band, PF_BAND_LOCAL);
    cr_expect_eq(quote_ok(&p, "246149", 100).band, PF_BAND_LOCAL);
}

Test(shipping, charge_grows_with_distance)
{
    pf_ship_settings s = bare("560001");
    static const char *by_distance[] = {"560100", "570001", "600001", "110001", "781001"};
    for (double g = 20; g < 5000; g *= 1.7) {
        int64_t prev = 0;
        for (size_t i = 0; i < 5; i++) {
            pf_ship_quote q = quote_ok(&s, by_distance[i], g);
            cr_expect_geq(q.charge, prev, "%s %g g", by_distance[i], g);
            cr_expect_eq(q.charge, pf_ship_tariff(q.band, q.billed_g));
            prev = q.charge;
        }
    }
}

Test(shipping, packaging_allowance_counts)
{
    pf_ship_settings s = pf_ship_settings_default();
    strcpy(s.origin_pin, "560001");
    s.packaging_g = 50;
    s.packaging_pct = 10;
    /* 100 g + 50 g + 10 g = 160 g (51-200 g), exactly, despite 100 * 1.1 not being exact in binary. */
    pf_ship_quote q = quote_ok(&s, "560001", 100);
    cr_expect_eq(q.goods_g, 100);
    cr_expect_eq(q.billed_g, 160);
    cr_expect_eq(q.charge, published[1][0] * 100);
    /* 410 g goods -> 501 g billed: one step over 500 g; 409 g -> 499.9 g stays in 201-500 g. */
    cr_expect_eq(quote_ok(&s, "560001", 410).billed_g, 501);
    cr_expect_eq(quote_ok(&s, "560001", 410).charge, (published[2][0] + published[3][0]) * 100);
    cr_expect_eq(quote_ok(&s, "560001", 409).charge, published[2][0] * 100);
    /* Without the allowance the same goods fall in a lower slab. */
    pf_ship_settings b = bare("560001");
    cr_expect_lt(quote_ok(&b, "560001", 190).charge, quote_ok(&s, "560001", 190).charge);
    /* Zero goods: the packaging alone. */
    cr_expect_eq(quote_ok(&s, "560001", 0).billed_g, 50);
}

Test(shipping, gst_on_shipping_half_up)
{
    pf_ship_settings s = bare("560001");
    /* 18 % of ₹15 = ₹2.70. */
    pf_ship_quote q = quote_ok(&s, "560001", 10);
    cr_expect_eq(q.charge, 1500);
    cr_expect_eq(q.gst, 270);
    cr_expect_eq(q.total, 1770);
    /* 0.1 % of ₹15 = 1.5 paise -> 2; of ₹25 = 2.5 -> 3; 0.02 % of ₹25 = 0.5 -> 1; 0.01 % of ₹15 = 0.15 -> 0.
     */
    s.gst_pct = 0.1;
    cr_expect_eq(quote_ok(&s, "560001", 10).gst, 2);
    cr_expect_eq(quote_ok(&s, "560001", 100).gst, 3);
    s.gst_pct = 0.02;
    cr_expect_eq(quote_ok(&s, "560001", 100).gst, 1);
    s.gst_pct = 0.01;
    cr_expect_eq(quote_ok(&s, "560001", 10).gst, 0);
    /* 12.5 % of ₹35 = 437.5 paise -> 438. */
    s.gst_pct = 12.5;
    q = quote_ok(&s, "570001", 10);
    cr_expect_eq(q.charge, 3500);
    cr_expect_eq(q.gst, 438);
    cr_expect_eq(q.total, 3938);
    s.gst_pct = 0;
    q = quote_ok(&s, "570001", 10);
    cr_expect_eq(q.gst, 0);
    cr_expect_eq(q.total, q.charge);
}

Test(shipping, weights_refused)
{
    pf_ship_settings s = pf_ship_settings_default();
    const double bad[] = {NAN,    -NAN,     INFINITY, -INFINITY, -1,
                          -0.001, 35000.01, 1e300,    33000 /* 36.35 kg billed */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pf_ship_quote q;
        pf_errbuf eb = {{0}};
        cr_expect_eq(pf_ship_quote_parcel(&s, "110001", bad[i], &q, &eb), PF_E_INVAL, "%g", bad[i]);
        cr_expect(strstr(eb.msg, "weight_g") != NULL, "%g: %s", bad[i], eb.msg);
    }
    /* The heaviest parcel without packaging is fine. */
    pf_ship_settings b = bare("560001");
    cr_expect_eq(quote_ok(&b, "110001", 35000).billed_g, 35000);
}

Test(shipping, bad_destination_and_settings)
{
    pf_ship_quote q;
    pf_errbuf eb = {{0}};
    cr_expect_eq(pf_ship_quote_parcel(NULL, "12345", 100, &q, &eb), PF_E_INVAL);
    cr_expect_eq(pf_ship_quote_parcel(NULL, NULL, 100, &q, &eb), PF_E_INVAL);
    cr_expect_eq(pf_ship_quote_parcel(NULL, "100001", 100, &q, &eb), PF_E_NOT_FOUND);
    pf_ship_settings s = pf_ship_settings_default();
    strcpy(s.origin_pin, "012345");
    cr_expect_eq(pf_ship_quote_parcel(&s, "110001", 100, &q, &eb), PF_E_INVAL);
    cr_expect(strstr(eb.msg, "origin_pin") != NULL, "%s", eb.msg);
    s = pf_ship_settings_default();
    s.gst_pct = -1;
    cr_expect_eq(pf_ship_quote_parcel(&s, "110001", 100, &q, &eb), PF_E_INVAL);
    s = pf_ship_settings_default();
    s.packaging_pct = NAN;
    cr_expect_eq(pf_ship_quote_parcel(&s, "110001", 100, &q, &eb), PF_E_INVAL);
    s = pf_ship_settings_default();
    s.packaging_g = 1e9;
    cr_expect_eq(pf_ship_quote_parcel(&s, "110001", 100, &q, &eb), PF_E_INVAL);
}

Test(shipping, settings_parse)
{
    pf_ship_settings s;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_ship_settings_parse("110001", "25", "5.5", "12", &s, &eb), PF_E_OK, "%s", eb.msg);
    cr_expect_str_eq(s.origin_pin, "110001");
    cr_expect_eq(s.packaging_g, 25);
    cr_expect_eq(s.packaging_pct, 5.5);
    cr_expect_eq(s.gst_pct, 12);
    pf_ship_settings d = pf_ship_settings_default();
    cr_assert_eq(pf_ship_settings_parse(NULL, "", NULL, "", &s, &eb), PF_E_OK);
    cr_expect_str_eq(s.origin_pin, d.origin_pin);
    cr_expect_eq(s.packaging_g, d.packaging_g);
    cr_expect_eq(s.gst_pct, 18);
    cr_expect_eq(pf_ship_settings_parse("1100011", NULL, NULL, NULL, &s, &eb), PF_E_INVAL);
    cr_expect_eq(pf_ship_settings_parse("abcdef", NULL, NULL, NULL, &s, &eb), PF_E_INVAL);
    cr_expect_eq(pf_ship_settings_parse(NULL, "ten", NULL, NULL, &s, &eb), PF_E_INVAL);
    cr_expect(strstr(eb.msg, "packaging_g") != NULL);
    cr_expect_eq(pf_ship_settings_parse(NULL, NULL, "nan", NULL, &s, &eb), PF_E_INVAL);
    cr_expect_eq(pf_ship_settings_parse(NULL, NULL, NULL, "101", &s, &eb), PF_E_INVAL);
    cr_expect_eq(pf_ship_settings_parse(NULL, NULL, NULL, "18%", &s, &eb), PF_E_INVAL);
    cr_expect_eq(pf_ship_settings_parse(NULL, "-1", NULL, NULL, &s, &eb), PF_E_INVAL);
}

Test(shipping, intra_vs_inter_state)
{
    cr_expect(pf_gst_intra_state("Karnataka", "Karnataka"));
    cr_expect(pf_gst_intra_state("Karnataka", "  kARNATAKA "));
    cr_expect_not(pf_gst_intra_state("Karnataka", "Kerala"));
    cr_expect_not(pf_gst_intra_state("Karnataka", "Karnatak"));
    cr_expect_not(pf_gst_intra_state("Karnataka", NULL));
    cr_expect_not(pf_gst_intra_state(NULL, NULL));
    cr_expect_not(pf_gst_intra_state("", ""));
    cr_expect_not(pf_gst_intra_state("  ", " "));
    /* By PIN: Bengaluru to Mangaluru is within Karnataka; to Chennai it is not. */
    cr_expect(pf_gst_intra_state(lookup_ok("560001").state, lookup_ok("575001").state));
    cr_expect_not(pf_gst_intra_state(lookup_ok("560001").state, lookup_ok("600001").state));
    /* Same postal circle, different GST states. */
    cr_expect_not(pf_gst_intra_state(lookup_ok("160017").state, lookup_ok("141001").state));
    cr_expect_not(pf_gst_intra_state(lookup_ok("403001").state, lookup_ok("400001").state));
    /* No state: inter-state. */
    cr_expect_not(pf_gst_intra_state(lookup_ok("110001").state, lookup_ok("999001").state));
}

Test(shipping, tracking_url_templates)
{
    pf_errbuf eb = {{0}};
    cr_expect_eq(pf_ship_tracking_url_valid("https://t.example/x?id={tracking}", &eb), PF_E_OK, "%s", eb.msg);
    cr_expect_eq(pf_ship_tracking_url_valid("http://t.example/{tracking}/{tracking}", &eb), PF_E_OK);
    static const char *bad[] = {"",
                                "https://t.example/x",
                                "ftp://t.example/{tracking}",
                                "https://",
                                "https:///{tracking}",
                                "https://{tracking}",
                                "javascript:alert(1)//{tracking}",
                                "https://t.example/a b{tracking}",
                                "https://t.example/\"{tracking}",
                                "https://t.example/<{tracking}>",
                                "https://t.example/\n{tracking}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(pf_ship_tracking_url_valid(bad[i], &eb), PF_E_INVAL, "'%s'", bad[i]);
    cr_expect_eq(pf_ship_tracking_url_valid(NULL, &eb), PF_E_INVAL);
    char longurl[PF_SHIP_URL_MAX + 40];
    snprintf(longurl, sizeof longurl, "https://t.example/{tracking}?%0*d", PF_SHIP_URL_MAX, 0);
    cr_expect_eq(pf_ship_tracking_url_valid(longurl, &eb), PF_E_INVAL);

    char *u = pf_ship_tracking_url("https://t.example/x?id={tracking}&again={tracking}", "EE123456789IN");
    cr_expect_str_eq(u, "https://t.example/x?id=EE123456789IN&again=EE123456789IN");
    free(u);
    u = pf_ship_tracking_url("https://t.example/{tracking}", "a b/&?#~_.-");
    cr_expect_str_eq(u, "https://t.example/a%20b%2F%26%3F%23~_.-");
    free(u);
    u = pf_ship_tracking_url("https://t.example/none", "X");
    cr_expect_str_eq(u, "https://t.example/none");
    free(u);
    cr_expect_null(pf_ship_tracking_url(NULL, "X"));
    cr_expect_null(pf_ship_tracking_url("https://t.example/{tracking}", NULL));
}
