/* The cost engine: settings, one order line's inputs, and its price breakdown in integer paise. Pure
 * functions. */
#ifndef PF_PRICE_H
#define PF_PRICE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

/*
 * The formula (all money in paise, exact real arithmetic in double, one rounding):
 *
 *   material_cost = quantity · weight_g / 1000 · material_cost_per_kg_paise
 *   electricity   = quantity · print_time_s / 3600 · printer_watts / 1000 · electricity_paise_per_kwh
 *   setup         = setup_fee_paise                       (once per order line, not per unit)
 *   overhead      = overhead_pct % · (material_cost + electricity + setup)
 *   margin        = margin_pct %   · (material_cost + electricity + setup + overhead)
 *   base          = max(sum of the above, min_order_paise)  (min_topup is the difference)
 *   priority      = priority_pct % · base                 (only for priority orders)
 *   subtotal      = base + priority                       (the taxable value)
 *   gst           = gst_pct % · subtotal
 *   total         = subtotal + gst                        (shipping is added elsewhere and never taxed here)
 *
 * The minimum applies to the whole order line after quantity and before priority and GST, so a priority order
 * always costs exactly priority_pct % more and GST is always gst_pct % of the taxable subtotal.
 *
 * Customers never see electricity, setup, overhead, margin or min_topup (the "hidden costs"):
 * printing_share_pct % of them shows as `printing`, the rest is added to `material`.
 *
 * Rounding: only the total is rounded from the exact value (half up, to the paisa). Every other line is then
 * apportioned top-down from its parent's integer amount by the largest-remainder method: total -> {subtotal,
 * gst}; subtotal -> {base, priority}; base -> {material_cost, electricity, setup, overhead, margin,
 * min_topup} and, separately, base -> {material, printing}. Each line gets the floor of its exact share of
 * its parent and the leftover paise go one each to the largest fractional parts (ties to the line listed
 * first). So every set of lines sums exactly to its parent, every line is within one paisa of its exact
 * share, and a line whose exact value is zero stays zero.
 */

/* Every knob of the cost engine. Storage keeps them under the keys listed by pf_price_setting_info(), which
 * are the field names. Defaults are from pf_price_settings_default(). */
typedef struct pf_price_settings {
    int64_t
        electricity_paise_per_kwh; /* tariff per kWh; default 800 (₹8.00, a typical Indian commercial rate) */
    double printer_watts;      /* draw used when the input names no printer; default 120 (the MK3S seed) */
    int64_t setup_fee_paise;   /* per order line: slicing, bed preparation, removal; default 5000 (₹50) */
    double overhead_pct;       /* rent, wear, failed prints, on material + electricity + setup; default 10 */
    double margin_pct;         /* profit, on cost + overhead; default 30 */
    double priority_pct;       /* surcharge on the base for priority prints; default 25 (spec) */
    double gst_pct;            /* GST on the taxable subtotal; default 18 (spec) */
    double printing_share_pct; /* share of the hidden costs shown as "printing"; default 60 (spec) */
    int64_t min_order_paise;   /* floor for an order line's base; default 0 (the spec: "no minimums") */
} pf_price_settings;

/* One order line: a model printed quantity times in one material. */
typedef struct pf_price_input {
    double weight_g;                    /* filament per unit including supports, grams, >= 0 */
    double print_time_s;                /* printing time per unit, seconds, >= 0 */
    int64_t material_cost_per_kg_paise; /* from the material (pf_material.cost_per_kg_paise), >= 0 */
    double printer_watts;               /* the printer's draw; 0 means settings.printer_watts */
    int64_t quantity;                   /* units, >= 1 */
    int priority;                       /* nonzero: priority print (priority_pct % surcharge) */
} pf_price_input;

/* The price of one order line, all in paise and all >= 0.
 * Admin view: material_cost + electricity + setup + overhead + margin + min_topup = base,
 *             base + priority = subtotal, subtotal + gst = total.
 * Customer view: material + printing = base, so material + printing + priority + gst = total. */
typedef struct pf_price_breakdown {
    int64_t material_cost; /* filament actually used */
    int64_t electricity;   /* power for the printing time */
    int64_t setup;         /* setup fee */
    int64_t overhead;      /* overhead_pct % */
    int64_t margin;        /* margin_pct % */
    int64_t min_topup;     /* what the minimum order price added; 0 when above the minimum */
    int64_t base;          /* order line before priority and GST */
    int64_t priority;      /* priority surcharge; 0 for normal orders (customer line too) */
    int64_t subtotal;      /* taxable value: base + priority */
    int64_t gst;           /* GST (customer line too) */
    int64_t total;         /* what the customer pays for this line, before shipping */
    int64_t material; /* customer line: material_cost + (100 - printing_share_pct) % of the hidden costs */
    int64_t printing; /* customer line: printing_share_pct % of the hidden costs */
} pf_price_breakdown;

/* Limits on inputs, past which a request is refused as absurd rather than priced. */
#define PF_PRICE_MAX_WEIGHT_G 1e6          /* one tonne per unit */
#define PF_PRICE_MAX_PRINT_TIME_S 3.1536e7 /* one year per unit */
#define PF_PRICE_MAX_QUANTITY 100000
#define PF_PRICE_MAX_COST_PER_KG_PAISE 10000000 /* ₹1,00,000 per kg */
#define PF_PRICE_MAX_WATTS 20000.0
#define PF_PRICE_MAX_TOTAL_PAISE 100000000000LL /* ₹100 crore: keeps doubles exact to far below a paisa */

/* The defaults listed in pf_price_settings. */
pf_price_settings pf_price_settings_default(void);

/* Checks every setting against its range (pf_price_setting_info). Errors: INVAL, eb names the key. */
pf_err pf_price_settings_validate(const pf_price_settings *s, pf_errbuf *eb);

/* Prices one order line. s may be NULL for the defaults. Errors: INVAL (a NaN, infinite, negative or absurd
 * input or setting, or a total above PF_PRICE_MAX_TOTAL_PAISE; eb names the field). *out is set only on
 * success. Pure and thread-safe. */
pf_err pf_price_compute(const pf_price_settings *s, const pf_price_input *in, pf_price_breakdown *out,
                        pf_errbuf *eb);

/* ---- Settings as data, for storage and the admin API ---- */

/* One setting: its key (the field name), unit, allowed range, whether it must be whole, and a description. */
typedef struct pf_price_setting_info {
    const char *key;         /* e.g. "gst_pct" */
    const char *unit;        /* "paise/kWh", "W", "paise", "%" */
    double min, max;         /* inclusive range */
    int integral;            /* 1: stored as int64 paise, must be a whole number */
    const char *description; /* one line for the admin UI */
} pf_price_setting_info;

size_t pf_price_setting_count(void);
const pf_price_setting_info *pf_price_setting_info_at(size_t i); /* NULL when i >= count */

/* Reads or writes one setting by key (exact, case-sensitive). set() validates the value against the range and
 * leaves s unchanged on error. Errors: NOT_FOUND (unknown key), INVAL (value out of range, not finite, or not
 * whole for a paise setting). *out is set only on success. */
pf_err pf_price_setting_get(const pf_price_settings *s, const char *key, double *out, pf_errbuf *eb);
pf_err pf_price_setting_set(pf_price_settings *s, const char *key, double value, pf_errbuf *eb);

/* ---- Presenting money ---- */

/* Big enough for any int64 amount with sign, rupee sign, Indian grouping and paise. */
#define PF_PRICE_INR_BUFSZ 40

/* "₹1,23,456.78": rupee sign (UTF-8), Indian digit grouping (lakh, crore), two decimals; "-₹5.00" when
 * negative. Returns buf. */
char *pf_price_format_inr(int64_t paise, char buf[PF_PRICE_INR_BUFSZ]);
/* "123456.78": no sign symbol or grouping, for CSV and plain text. Returns buf. */
char *pf_price_format_plain(int64_t paise, char buf[PF_PRICE_INR_BUFSZ]);
/* Rupees as a double for JSON numbers (paise / 100); exact to the paisa below 2^53 paise. */
double pf_price_to_inr(int64_t paise);

#endif
