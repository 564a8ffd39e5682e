/* The cost engine: bottom-up price of one order line, largest-remainder apportionment, settings table, INR
 * text. */
#include "engine/price.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "engine/material.h"

/* X(field, integral, unit, min, max, description): the one list behind the settings table, get/set and
 * validation, so a new knob cannot miss its range check. */
#define PF__SETTINGS(X)                                                                                      \
    X(electricity_paise_per_kwh, 1, "paise/kWh", 0, 100000, "Electricity tariff per kWh")                    \
    X(printer_watts, 0, "W", 0, PF_PRICE_MAX_WATTS, "Printer draw when the printer type gives none")         \
    X(setup_fee_paise, 1, "paise", 0, 1e8, "Setup fee, once per order line")                                 \
    X(overhead_pct, 0, "%", 0, 1000, "Overhead on material + electricity + setup")                           \
    X(margin_pct, 0, "%", 0, 1000, "Margin on cost + overhead")                                              \
    X(priority_pct, 0, "%", 0, 1000, "Priority print surcharge on the base price")                           \
    X(gst_pct, 0, "%", 0, 100, "GST on the taxable subtotal")                                                \
    X(printing_share_pct, 0, "%", 0, 100,                                                                    \
      "Share of hidden costs shown as Printing; the rest goes to Material")                                  \
    X(min_order_paise, 1, "paise", 0, 1e9, "Minimum order line price before priority and GST")

typedef struct pf__setting {
    pf_price_setting_info info;
    size_t offset; /* of the field in pf_price_settings: int64_t when info.integral, else double */
} pf__setting;

static const pf__setting pf__settings[] = {
#define PF__SETTING_ROW(field, integral, unit, lo, hi, desc)                                                 \
    {{#field, unit, lo, hi, integral, desc}, offsetof(pf_price_settings, field)},
    PF__SETTINGS(PF__SETTING_ROW)
#undef PF__SETTING_ROW
};

#define PF__NSETTINGS (sizeof pf__settings / sizeof pf__settings[0])

pf_price_settings pf_price_settings_default(void)
{
    return (pf_price_settings){
        .electricity_paise_per_kwh = 800,
        .printer_watts = pf_printer_default()->wattage_w,
        .setup_fee_paise = 5000,
        .overhead_pct = 10,
        .margin_pct = 30,
        .priority_pct = 25,
        .gst_pct = 18,
        .printing_share_pct = 60,
        .min_order_paise = 0,
    };
}

size_t pf_price_setting_count(void)
{
    return PF__NSETTINGS;
}

const pf_price_setting_info *pf_price_setting_info_at(size_t i)
{
    return i < PF__NSETTINGS ? &pf__settings[i].info : NULL;
}

static const pf__setting *setting_find(const char *key)
{
    for (size_t i = 0; key && i < PF__NSETTINGS; i++)
        if (strcmp(key, pf__settings[i].info.key) == 0) return &pf__settings[i];
    return NULL;
}

static double setting_read(const pf_price_settings *s, const pf__setting *d)
{
    const char *p = (const char *)s + d->offset;
    if (d->info.integral) {
        int64_t v;
        memcpy(&v, p, sizeof v);
        return (double)v;
    }
    double v;
    memcpy(&v, p, sizeof v);
    return v;
}

static pf_err setting_check(const pf__setting *d, double v, pf_errbuf *eb)
{
    if (!isfinite(v)) return pf_errf(eb, PF_E_INVAL, "setting %s is not a finite number", d->info.key);
    if (v < d->info.min || v > d->info.max)
        return pf_errf(eb, PF_E_INVAL, "setting %s = %g is outside [%g, %g] %s", d->info.key, v, d->info.min,
                       d->info.max, d->info.unit);
    if (d->info.integral && v != floor(v))
        return pf_errf(eb, PF_E_INVAL, "setting %s = %g must be a whole number of %s", d->info.key, v,
                       d->info.unit);
    return PF_E_OK;
}

pf_err pf_price_settings_validate(const pf_price_settings *s, pf_errbuf *eb)
{
    if (!s) return pf_errf(eb, PF_E_INVAL, "settings are missing");
    for (size_t i = 0; i < PF__NSETTINGS; i++) {
        pf_err e = setting_check(&pf__settings[i], setting_read(s, &pf__settings[i]), eb);
        if (e) return e;
    }
    return PF_E_OK;
}

pf_err pf_price_setting_get(const pf_price_settings *s, const char *key, double *out, pf_errbuf *eb)
{
    const pf__setting *d = setting_find(key);
    if (!d) return pf_errf(eb, PF_E_NOT_FOUND, "unknown price setting \"%.64s\"", key ? key : "");
    *out = setting_read(s, d);
    return PF_E_OK;
}

pf_err pf_price_setting_set(pf_price_settings *s, const char *key, double value, pf_errbuf *eb)
{
    const pf__setting *d = setting_find(key);
    if (!d) return pf_errf(eb, PF_E_NOT_FOUND, "unknown price setting \"%.64s\"", key ? key : "");
    pf_err e = setting_check(d, value, eb);
    if (e) return e;
    char *p = (char *)s + d->offset;
    if (d->info.integral) {
        int64_t v = (int64_t)value;
        memcpy(p, &v, sizeof v);
    } else {
        memcpy(p, &value, sizeof value);
    }
    return PF_E_OK;
}

/* Half up to the paisa. Values within 64 ulps above or below a half count as the half: the ~20 operations
 * behind an exact amount leave far less float noise than that, and far less than a paisa below
 * PF_PRICE_MAX_TOTAL_PAISE. */
static int64_t round_half_up(double x)
{
    return (int64_t)floor(x + 0.5 + 64 * DBL_EPSILON * fmax(1.0, fabs(x)));
}

#define PF__MAX_LINES 8

/* Splits the integer parent into n integer lines in proportion to their exact values (largest remainder):
 * each line gets the floor of its quota parent·exact[i]/Σexact, the leftover paise go to the largest
 * fractional parts, ties to the lowest index. Lines whose exact value is 0 get nothing. Requires n <=
 * PF__MAX_LINES and every exact[i] >= 0. */
static void apportion(int64_t parent, const double *exact, int64_t *out, size_t n)
{
    double sum = 0, frac[PF__MAX_LINES];
    for (size_t i = 0; i < n; i++)
        sum += exact[i];
    int64_t left = parent;
    for (size_t i = 0; i < n; i++) {
        double q = sum > 0 ? (double)parent * (exact[i] / sum) : 0;
        double f = floor(q);
        out[i] = (int64_t)f;
        frac[i] = exact[i] > 0 ? q - f : -1; /* -1: never receives a leftover paisa */
        left -= out[i];
    }
    /* In exact arithmetic 0 <= left < number of nonzero lines; the loops also absorb float noise. */
    while (left > 0) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (frac[i] >= 0 && frac[i] < 2 && (best == n || frac[i] > frac[best])) best = i;
        if (best == n) { /* every nonzero line already got one: go round again */
            for (size_t i = 0; i < n; i++)
                if (frac[i] >= 2) frac[i] = 0;
            for (size_t i = 0; best == n && i < n; i++)
                if (frac[i] >= 0) best = i;
            if (best == n) best = 0; /* all lines zero but parent not: cannot happen, keep the sum anyway */
        }
        out[best]++;
        frac[best] = 2; /* taken this round */
        left--;
    }
    while (left < 0) {
        size_t worst = n;
        for (size_t i = 0; i < n; i++)
            if (out[i] > 0 && (worst == n || frac[i] < frac[worst])) worst = i;
        out[worst]--; /* some out[i] > 0 because Σout > parent >= 0 */
        frac[worst] = 3;
        left++;
    }
}

static pf_err check_range(const char *name, double v, double max, pf_errbuf *eb)
{
    if (!isfinite(v)) return pf_errf(eb, PF_E_INVAL, "%s is not a finite number", name);
    if (v < 0 || v > max) return pf_errf(eb, PF_E_INVAL, "%s = %g is outside [0, %g]", name, v, max);
    return PF_E_OK;
}

static pf_err input_validate(const pf_price_input *in, pf_errbuf *eb)
{
    pf_err e;
    if (!in) return pf_errf(eb, PF_E_INVAL, "price input is missing");
    if ((e = check_range("weight_g", in->weight_g, PF_PRICE_MAX_WEIGHT_G, eb))) return e;
    if ((e = check_range("print_time_s", in->print_time_s, PF_PRICE_MAX_PRINT_TIME_S, eb))) return e;
    if ((e = check_range("printer_watts", in->printer_watts, PF_PRICE_MAX_WATTS, eb))) return e;
    if (in->material_cost_per_kg_paise < 0 || in->material_cost_per_kg_paise > PF_PRICE_MAX_COST_PER_KG_PAISE)
        return pf_errf(eb, PF_E_INVAL, "material_cost_per_kg_paise = %" PRId64 " is outside [0, %d]",
                       in->material_cost_per_kg_paise, PF_PRICE_MAX_COST_PER_KG_PAISE);
    if (in->quantity < 1 || in->quantity > PF_PRICE_MAX_QUANTITY)
        return pf_errf(eb, PF_E_INVAL, "quantity = %" PRId64 " is outside [1, %d]", in->quantity,
                       PF_PRICE_MAX_QUANTITY);
    return PF_E_OK;
}

pf_err pf_price_compute(const pf_price_settings *s, const pf_price_input *in, pf_price_breakdown *out,
                        pf_errbuf *eb)
{
    pf_price_settings defaults = pf_price_settings_default();
    if (!s) s = &defaults;
    pf_err e = pf_price_settings_validate(s, eb);
    if (!e) e = input_validate(in, eb);
    if (e) return e;

    /* Exact amounts in paise, bottom-up. */
    double qty = (double)in->quantity;
    double watts = in->printer_watts > 0 ? in->printer_watts : s->printer_watts;
    double material = qty * in->weight_g * (double)in->material_cost_per_kg_paise / 1000.0;
    double electricity = qty * in->print_time_s * watts * (double)s->electricity_paise_per_kwh / 3.6e6;
    double setup = (double)s->setup_fee_paise;
    double direct = material + electricity + setup;
    double overhead = direct * s->overhead_pct / 100.0;
    double margin = (direct + overhead) * s->margin_pct / 100.0;
    double raw = direct + overhead + margin;
    double topup = raw < (double)s->min_order_paise ? (double)s->min_order_paise - raw : 0;
    double base = raw + topup;
    double priority = in->priority ? base * s->priority_pct / 100.0 : 0;
    double subtotal = base + priority;
    double gst = subtotal * s->gst_pct / 100.0;
    double total = subtotal + gst;
    if (!(total <= (double)PF_PRICE_MAX_TOTAL_PAISE))
        return pf_errf(eb, PF_E_INVAL, "order total %.0f paise exceeds the limit of %lld paise", total,
                       PF_PRICE_MAX_TOTAL_PAISE);
    double hidden = electricity + setup + overhead + margin + topup;
    double printing = hidden * s->printing_share_pct / 100.0;

    /* One rounding, then top-down apportionment so each level sums exactly to its parent. */
    pf_price_breakdown b = {.total = round_half_up(total)};
    int64_t lines[PF__MAX_LINES];
    apportion(b.total, (const double[]){subtotal, gst}, lines, 2);
    b.subtotal = lines[0];
    b.gst = lines[1];
    apportion(b.subtotal, (const double[]){base, priority}, lines, 2);
    b.base = lines[0];
    b.priority = lines[1];
    apportion(b.base, (const double[]){material, electricity, setup, overhead, margin, topup}, lines, 6);
    b.material_cost = lines[0];
    b.electricity = lines[1];
    b.setup = lines[2];
    b.overhead = lines[3];
    b.margin = lines[4];
    b.min_topup = lines[5];
    apportion(b.base, (const double[]){material + hidden - printing, printing}, lines, 2);
    b.material = lines[0];
    b.printing = lines[1];
    *out = b;
    return PF_E_OK;
}

/* Writes |paise| as rupees with Indian grouping (when grouped) and two decimals after an optional prefix. */
static char *format_money(int64_t paise, char *buf, const char *symbol, int grouped)
{
    uint64_t mag = paise < 0 ? (uint64_t)0 - (uint64_t)paise : (uint64_t)paise;
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%" PRIu64, mag / 100);
    char *p = buf;
    if (paise < 0) *p++ = '-';
    p += sprintf(p, "%s", symbol);
    for (int i = 0; i < nd; i++) {
        *p++ = digits[i];
        int rest = nd - 1 - i; /* digits still to come: commas before the last 3, then every 2 */
        if (grouped && rest >= 3 && (rest - 3) % 2 == 0) *p++ = ',';
    }
    sprintf(p, ".%02u", (unsigned)(mag % 100));
    return buf;
}

char *pf_price_format_inr(int64_t paise, char buf[PF_PRICE_INR_BUFSZ])
{
    return format_money(paise, buf, "\u20b9", 1);
}

char *pf_price_format_plain(int64_t paise, char buf[PF_PRICE_INR_BUFSZ])
{
    return format_money(paise, buf, "", 0);
}

double pf_price_to_inr(int64_t paise)
{
    return (double)paise / 100.0;
}
