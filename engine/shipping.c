/* Shipping within India: PIN lookup over engine/pincode_data.c, the Speed Post tariff by weight slab and
 * distance band, packaging allowance and GST on shipping. */
#include "engine/shipping.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pincode_data.h"

/*
 * India Post Speed Post (domestic) parcel tariff in rupees, GST extra, as published with the revision
 * effective 1 October 2012. The revision effective 1 October 2025 (Post Office (Fourth Amendment)
 * Regulations 2025, S.O. 4375(E)) added a separate table for Speed Post *documents* only (e.g. 19/47 rupees up
 * to 50 g, local/distant); printed parts travel as parcels, so this table still applies to them. Columns
 * follow pf_ship_band: local, up to 200 km, 201-1000 km, 1001-2000 km, above 2000 km. The last row is added
 * for each further 500 g or part of it above 500 g. Change the figures here and only here.
 */
#define SLABS 3
static const int64_t slab_upto_g[SLABS] = {50, 200, 500};
static const int64_t tariff_inr[SLABS + 1][PF_BAND_N] = {
    {15, 35, 35, 35, 35}, /* up to 50 g */
    {25, 35, 40, 60, 70}, /* 51 g to 200 g */
    {30, 50, 60, 80, 90}, /* 201 g to 500 g */
    {10, 15, 30, 40, 50}, /* each additional 500 g or part */
};
#define EXTRA_STEP_G 500

static const char *const zone_names[10] = {NULL,      "Northern",           "Northern", "Western",
                                           "Western", "Southern",           "Southern", "Eastern",
                                           "Eastern", "Army Postal Service"};

#define EARTH_RADIUS_KM 6371.0088

static const pf_pin_district *find_district(unsigned prefix)
{
    size_t lo = 0, hi = pf_pin_districts_n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pf_pin_districts[mid].prefix < prefix)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < pf_pin_districts_n && pf_pin_districts[lo].prefix == prefix ? &pf_pin_districts[lo] : NULL;
}

static const pf_pin_range *find_range(uint32_t pin)
{
    for (size_t i = 0; i < pf_pin_ranges_n; i++)
        if (pin >= pf_pin_ranges[i].lo && pin <= pf_pin_ranges[i].hi) return &pf_pin_ranges[i];
    return NULL;
}

static const pf_pin_circle *find_circle(unsigned two)
{
    for (size_t i = 0; i < pf_pin_circles_n; i++)
        if (two >= pf_pin_circles[i].lo && two <= pf_pin_circles[i].hi) return &pf_pin_circles[i];
    return NULL;
}

pf_err pf_pin_lookup(const char *pin, pf_pin_info *out, pf_errbuf *eb)
{
    if (!pin) return pf_errf(eb, PF_E_INVAL, "pin: missing");
    size_t n = 0;
    while (n < 7 && pin[n] >= '0' && pin[n] <= '9')
        n++;
    if (n != 6 || pin[6] != '\0') return pf_errf(eb, PF_E_INVAL, "pin: must be exactly six digits");
    if (pin[0] == '0') return pf_errf(eb, PF_E_INVAL, "pin: an Indian PIN code does not start with 0");
    uint32_t num = (uint32_t)strtoul(pin, NULL, 10);
    unsigned two = num / 10000, three = num / 1000;
    const pf_pin_circle *c = find_circle(two);
    if (!c) return pf_errf(eb, PF_E_NOT_FOUND, "pin: no postal circle uses the prefix %02u", two);

    pf_pin_info info = {.zone = pin[0] - '0', .lat = c->lat, .lon = c->lon};
    memcpy(info.pin, pin, 7);
    info.zone_name = zone_names[info.zone];
    pf_pin_state_id st = c->state;
    const char *circle = c->circle;
    const pf_pin_range *rg = find_range(num);
    const pf_pin_district *d = rg ? NULL : find_district(three);
    if (rg) {
        st = rg->state;
        circle = rg->circle ? rg->circle : pf_pin_states[st].circle;
        info.district = rg->district;
        info.lat = rg->lat, info.lon = rg->lon;
        info.district_known = true;
    } else if (d) {
        st = d->state;
        circle = pf_pin_states[st].circle;
        info.district = d->district;
        info.lat = d->lat, info.lon = d->lon;
        info.district_known = true;
    }
    info.circle = circle;
    info.state = pf_pin_states[st].name;
    info.gst_code = pf_pin_states[st].gst_code;
    *out = info;
    return PF_E_OK;
}

pf_ship_settings pf_ship_settings_default(void)
{
    return (pf_ship_settings){.origin_pin = "560001", .packaging_g = 50, .packaging_pct = 10, .gst_pct = 18};
}

/* A finite number in [lo, hi] from the whole of s (surrounding spaces allowed). */
static bool parse_num(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno) return false;
    while (isspace((unsigned char)*end))
        end++;
    if (*end || !isfinite(v) || v < lo || v > hi) return false;
    *out = v;
    return true;
}

static bool valid_settings(const pf_ship_settings *s, pf_errbuf *eb, pf_err *err)
{
    pf_pin_info pi;
    pf_errbuf sub;
    if (pf_pin_lookup(s->origin_pin, &pi, &sub)) {
        *err = pf_errf(eb, PF_E_INVAL, "shipping.origin_pin: %s", sub.msg);
        return false;
    }
    if (!(isfinite(s->packaging_g) && s->packaging_g >= 0 && s->packaging_g <= 5000)) {
        *err = pf_errf(eb, PF_E_INVAL, "shipping.packaging_g: a number of grams from 0 to 5000");
        return false;
    }
    if (!(isfinite(s->packaging_pct) && s->packaging_pct >= 0 && s->packaging_pct <= 100)) {
        *err = pf_errf(eb, PF_E_INVAL, "shipping.packaging_pct: a percentage from 0 to 100");
        return false;
    }
    if (!(isfinite(s->gst_pct) && s->gst_pct >= 0 && s->gst_pct <= 100)) {
        *err = pf_errf(eb, PF_E_INVAL, "shipping.gst_pct: a percentage from 0 to 100");
        return false;
    }
    return true;
}

pf_err pf_ship_settings_parse(const char *origin_pin, const char *packaging_g, const char *packaging_pct,
                              const char *gst_pct, pf_ship_settings *out, pf_errbuf *eb)
{
    pf_ship_settings s = pf_ship_settings_default();
    pf_err err = PF_E_OK;
    if (origin_pin && *origin_pin) {
        size_t len = strlen(origin_pin);
        if (len != 6) return pf_errf(eb, PF_E_INVAL, "shipping.origin_pin: must be exactly six digits");
        memcpy(s.origin_pin, origin_pin, 7);
    }
    if (packaging_g && *packaging_g && !parse_num(packaging_g, 0, 5000, &s.packaging_g))
        return pf_errf(eb, PF_E_INVAL, "shipping.packaging_g: a number of grams from 0 to 5000");
    if (packaging_pct && *packaging_pct && !parse_num(packaging_pct, 0, 100, &s.packaging_pct))
        return pf_errf(eb, PF_E_INVAL, "shipping.packaging_pct: a percentage from 0 to 100");
    if (gst_pct && *gst_pct && !parse_num(gst_pct, 0, 100, &s.gst_pct))
        return pf_errf(eb, PF_E_INVAL, "shipping.gst_pct: a percentage from 0 to 100");
    if (!valid_settings(&s, eb, &err)) return err;
    *out = s;
    return PF_E_OK;
}

const char *pf_ship_band_name(pf_ship_band b)
{
    static const char *const names[PF_BAND_N] = {"local", "upto_200km", "201_1000km", "1001_2000km",
                                                 "over_2000km"};
    return (unsigned)b < PF_BAND_N ? names[b] : "?";
}

/* Weight in milligrams, so 110.00000000000001 g (100 g plus 10 %) does not fall into the next slab: a
 * parcel is over an edge when it is at least a milligram over. */
static int64_t to_mg(double g)
{
    return (int64_t)llround(g * 1000.0);
}

int64_t pf_ship_tariff(pf_ship_band b, double billed_g)
{
    if ((unsigned)b >= PF_BAND_N || !isfinite(billed_g) || billed_g < 0 || billed_g > PF_SHIP_MAX_G)
        return -1;
    int64_t mg = to_mg(billed_g);
    for (int i = 0; i < SLABS; i++)
        if (mg <= slab_upto_g[i] * 1000) return tariff_inr[i][b] * 100;
    int64_t over = mg - slab_upto_g[SLABS - 1] * 1000, step = (int64_t)EXTRA_STEP_G * 1000;
    int64_t extra = (over + step - 1) / step;
    return (tariff_inr[SLABS - 1][b] + extra * tariff_inr[SLABS][b]) * 100;
}

static double haversine_km(double lat1, double lon1, double lat2, double lon2)
{
    const double rad = M_PI / 180.0;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double a =
        sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    if (a > 1) a = 1;
    return 2 * EARTH_RADIUS_KM * asin(sqrt(a));
}

/* Same sorting district: the same three-digit prefix resolved to the same place (a six-digit range inside a
 * prefix is a district of its own). */
static bool same_district(const pf_pin_info *a, const pf_pin_info *b)
{
    return !memcmp(a->pin, b->pin, 3) && a->lat == b->lat && a->lon == b->lon && a->district == b->district;
}

pf_err pf_ship_quote_parcel(const pf_ship_settings *s, const char *dest_pin, double goods_g,
                            pf_ship_quote *out, pf_errbuf *eb)
{
    pf_ship_settings def = pf_ship_settings_default();
    if (!s) s = &def;
    pf_err err = PF_E_OK;
    if (!valid_settings(s, eb, &err)) return err;
    if (!isfinite(goods_g) || goods_g < 0)
        return pf_errf(eb, PF_E_INVAL, "weight_g: must be a finite number of grams, at least 0");
    if (goods_g > PF_SHIP_MAX_G)
        return pf_errf(eb, PF_E_INVAL, "weight_g: %.0f g is over the %.0f kg parcel limit", goods_g,
                       PF_SHIP_MAX_G / 1000);
    double billed = goods_g + s->packaging_g + goods_g * s->packaging_pct / 100.0;
    billed = (double)to_mg(billed) / 1000.0;
    if (billed > PF_SHIP_MAX_G)
        return pf_errf(eb, PF_E_INVAL, "weight_g: %.0f g with packaging is over the %.0f kg parcel limit",
                       billed, PF_SHIP_MAX_G / 1000);
    pf_ship_quote q = {.goods_g = goods_g, .billed_g = billed};
    pf_errbuf sub = {{0}};
    if ((err = pf_pin_lookup(dest_pin, &q.to, &sub))) return pf_errf(eb, err, "%s", sub.msg);
    if ((err = pf_pin_lookup(s->origin_pin, &q.from, &sub)))
        return pf_errf(eb, PF_E_INVAL, "shipping.origin_pin: %s", sub.msg);
    q.distance_km = haversine_km(q.from.lat, q.from.lon, q.to.lat, q.to.lon);
    if (same_district(&q.from, &q.to))
        q.band = PF_BAND_LOCAL;
    else if (q.distance_km <= 200)
        q.band = PF_BAND_UPTO_200;
    else if (q.distance_km <= 1000)
        q.band = PF_BAND_201_1000;
    else if (q.distance_km <= 2000)
        q.band = PF_BAND_1001_2000;
    else
        q.band = PF_BAND_OVER_2000;
    q.charge = pf_ship_tariff(q.band, billed);
    /* GST half up to the paisa, exact for percentages with up to three decimals. */
    int64_t milli_pct = (int64_t)llround(s->gst_pct * 1000.0);
    q.gst = (q.charge * milli_pct + 50000) / 100000;
    q.total = q.charge + q.gst;
    *out = q;
    return PF_E_OK;
}

#define PLACEHOLDER "{tracking}"

pf_err pf_ship_tracking_url_valid(const char *tmpl, pf_errbuf *eb)
{
    if (!tmpl) return pf_errf(eb, PF_E_INVAL, "tracking_url: missing");
    size_t n = strlen(tmpl);
    if (n > PF_SHIP_URL_MAX)
        return pf_errf(eb, PF_E_INVAL, "tracking_url: at most %d characters", PF_SHIP_URL_MAX);
    size_t scheme = !strncmp(tmpl, "https://", 8) ? 8 : !strncmp(tmpl, "http://", 7) ? 7 : 0;
    if (!scheme || n == scheme || tmpl[scheme] == '/' || tmpl[scheme] == '{')
        return pf_errf(eb, PF_E_INVAL, "tracking_url: must be an http:// or https:// address with a host");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)tmpl[i];
        if (c <= 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\')
            return pf_errf(eb, PF_E_INVAL,
                           "tracking_url: no spaces, control characters, quotes or angle brackets");
    }
    if (!strstr(tmpl, PLACEHOLDER))
        return pf_errf(eb, PF_E_INVAL, "tracking_url: must contain the placeholder {tracking}");
    return PF_E_OK;
}

/* RFC 3986 unreserved characters, kept as they are in a URL. */
static bool unreserved(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

char *pf_ship_tracking_url(const char *tmpl, const char *tracking)
{
    if (!tmpl || !tracking) return NULL;
    static const char hex[] = "0123456789ABCDEF";
    size_t tl = strlen(tracking), ml = strlen(tmpl), ph = strlen(PLACEHOLDER), count = 0;
    for (const char *p = strstr(tmpl, PLACEHOLDER); p; p = strstr(p + ph, PLACEHOLDER))
        count++;
    if (tl > (SIZE_MAX / 4 - ml) / (count + 1)) return NULL;
    char *out = malloc(ml + count * tl * 3 + 1), *o = out;
    if (!out) return NULL;
    for (const char *p = tmpl; *p;) {
        if (strncmp(p, PLACEHOLDER, ph)) {
            *o++ = *p++;
            continue;
        }
        for (size_t i = 0; i < tl; i++) {
            unsigned char c = (unsigned char)tracking[i];
            if (unreserved(c)) {
                *o++ = (char)c;
            } else {
                *o++ = '%';
                *o++ = hex[c >> 4];
                *o++ = hex[c & 15];
            }
        }
        p += ph;
    }
    *o = '\0';
    return out;
}

/* s without surrounding ASCII spaces: start and length. */
static const char *trim(const char *s, size_t *len)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    *len = n;
    return s;
}

bool pf_gst_intra_state(const char *seller_state, const char *buyer_state)
{
    if (!seller_state || !buyer_state) return false;
    size_t na, nb;
    const char *a = trim(seller_state, &na), *b = trim(buyer_state, &nb);
    if (!na || na != nb) return false;
    for (size_t i = 0; i < na; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return false;
    return true;
}
