/* Shipping within India: PIN code lookup (zone, postal circle, state, district) from a table built into the
 * project, India Post rate slabs by weight and distance band between the shop's PIN and the customer's, a
 * packaging allowance on weight and GST on shipping. Pure functions over static data; thread-safe.
 *
 * Money is integer paise. Weights are grams. */
#ifndef PF_SHIPPING_H
#define PF_SHIPPING_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/error.h"

/* What a PIN code tells: India Post's first digit is the zone, the first two the postal circle (a state or
 * a group of states), the first three the sorting district. */
typedef struct pf_pin_info {
    char pin[7];          /* the six digits as given */
    int zone;             /* 1..9 (first digit) */
    const char *zone_name; /* "Northern", "Western", ... */
    const char *circle;   /* postal circle, e.g. "Karnataka", "North Eastern" */
    const char *state;    /* state or union territory for GST (the circle's main state when shared) */
    const char *district; /* sorting district (head post office city) of the first three digits */
    double lat, lon;      /* approximate position of that district, for distance bands */
    int gst_code;         /* GST state code of `state` (29 Karnataka, 07 Delhi, ...), 0 when state is NULL */
    bool district_known;  /* false: the prefix is not in the table; district is NULL and lat/lon are the
                             circle's centroid */
} pf_pin_info;

/* Looks a PIN up. Errors: INVAL (NULL, not exactly six ASCII digits, or a leading 0), NOT_FOUND (no such
 * postal circle; eb says which). A three-digit prefix missing from the table inside a known circle is not an
 * error: district is NULL, district_known false, lat/lon the circle's centroid and state the circle's main
 * state. Army Postal Service PINs (9xxxxx) have no state (state NULL, gst_code 0) and are placed at New Delhi
 * (the APS base circle) for distances. The strings are static. *out is set only on success. */
pf_err pf_pin_lookup(const char *pin, pf_pin_info *out, pf_errbuf *eb);

/* Shipping settings (stored under "shipping.<key>", see storage/seed.c). */
typedef struct pf_ship_settings {
    char origin_pin[7];  /* the shop's PIN code */
    double packaging_g;  /* fixed packaging allowance per parcel, grams (default 50) */
    double packaging_pct; /* plus this % of the goods' weight (default 10) */
    double gst_pct;      /* GST on shipping, % (default 18) */
} pf_ship_settings;

pf_ship_settings pf_ship_settings_default(void);

/* Parses the four settings from their stored text (NULL or "" = the default of that key) and validates them:
 * origin_pin a known PIN, packaging_g 0..5000, packaging_pct 0..100, gst_pct 0..100, all finite. Errors:
 * INVAL with "shipping.<key>: why" in eb. *out is set only on success. */
pf_err pf_ship_settings_parse(const char *origin_pin, const char *packaging_g, const char *packaging_pct,
                              const char *gst_pct, pf_ship_settings *out, pf_errbuf *eb);

/* Distance bands of India Post's Speed Post tariff. */
typedef enum pf_ship_band {
    PF_BAND_LOCAL,     /* same sorting district */
    PF_BAND_UPTO_200,  /* up to 200 km */
    PF_BAND_201_1000,  /* 201 to 1000 km */
    PF_BAND_1001_2000, /* 1001 to 2000 km */
    PF_BAND_OVER_2000, /* above 2000 km */
    PF_BAND_N
} pf_ship_band;

const char *pf_ship_band_name(pf_ship_band b); /* "local", "upto_200km", "201_1000km", "1001_2000km",
                                                  "over_2000km"; "?" for anything else */

/* Heaviest parcel quoted (Speed Post's limit), billed grams. */
#define PF_SHIP_MAX_G 35000.0

/* The Speed Post tariff (before GST) in paise for a parcel of billed_g grams in band b: up to 50 g, 51-200 g,
 * 201-500 g, then each further 500 g or part of it. A fraction of a gram counts as over the slab's edge
 * (50.001 g is in 51-200 g). Returns -1 for a bad band or a weight that is not finite, negative or above
 * PF_SHIP_MAX_G. Source and date of the figures: engine/shipping.c. */
int64_t pf_ship_tariff(pf_ship_band b, double billed_g);

/* One parcel's shipping quote. */
typedef struct pf_ship_quote {
    double goods_g;      /* weight of the goods asked for */
    double billed_g;     /* goods + packaging allowance */
    double distance_km;  /* great-circle distance between the two districts */
    pf_ship_band band;   /* distance band */
    int64_t charge;      /* tariff for billed_g in that band, paise */
    int64_t gst;         /* gst_pct % of charge, paise (rounded half up) */
    int64_t total;       /* charge + gst */
    pf_pin_info from;    /* the shop's PIN */
    pf_pin_info to;      /* the customer's PIN */
} pf_ship_quote;

/* Quotes one parcel of goods_g grams from s->origin_pin to dest_pin. s may be NULL for the defaults.
 * Errors: INVAL (bad PIN, NaN/negative/absurd weight over 35 kg per parcel, bad settings), NOT_FOUND (unknown
 * PIN); eb names the field. *out is set only on success.
 * Details: billed_g = goods_g + packaging_g + packaging_pct % of goods_g, to the milligram, and must stay
 * within PF_SHIP_MAX_G (0 g of goods is allowed: the packaging alone). The band is local when both PINs
 * resolve to the same sorting district (same three-digit prefix and, for prefixes split by six-digit ranges,
 * the same range), else by distance_km (haversine between the districts' positions). */
pf_err pf_ship_quote_parcel(const pf_ship_settings *s, const char *dest_pin, double goods_g, pf_ship_quote *out,
                            pf_errbuf *eb);

/* Carrier tracking links. A template is an http:// or https:// URL of at most PF_SHIP_URL_MAX bytes, without
 * spaces, control characters, quotes or angle brackets, holding the placeholder {tracking} at least once.
 * pf_ship_tracking_url_valid says whether tmpl is one, with the reason in eb (PF_E_INVAL). */
#define PF_SHIP_URL_MAX 500
pf_err pf_ship_tracking_url_valid(const char *tmpl, pf_errbuf *eb);
/* The link for one parcel: every {tracking} in tmpl replaced by tracking, percent-encoded (RFC 3986
 * unreserved characters kept). Returns a malloc'd string (caller frees), NULL when tmpl or tracking is NULL
 * or memory ran out. */
char *pf_ship_tracking_url(const char *tmpl, const char *tracking);

/* True when GST on a sale from seller_state to buyer_state is intra-state (CGST + SGST), false when
 * inter-state (IGST). States are compared by name ignoring ASCII case and surrounding spaces. */
bool pf_gst_intra_state(const char *seller_state, const char *buyer_state);

#endif
