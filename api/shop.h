/* The commerce core shared by quotes, uploads, checkout and the cost admin: one order line priced from the
 * settings snapshot of a request, the material and printer records, and either the slicer-grade estimate of
 * an uploaded or catalog mesh (cached in memory by blob digest) or the fast model from numeric fields.
 *
 * Nothing here writes to LMDB: quoting is the high-volume path.
 *
 * Money is integer paise; weights grams; times seconds; all figures of a line are per unit except the price,
 * which is for the whole quantity (engine/price.h). */
#ifndef PF_API_SHOP_H
#define PF_API_SHOP_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "api/http.h"
#include "api/json_write.h"
#include "engine/analyze.h"
#include "engine/estimate.h"
#include "engine/price.h"
#include "engine/shipping.h"

/* What to price. Exactly one geometry source: session_id, model_id, or the numeric fields. */
typedef struct pf_shop_item {
    const char *material; /* material name, case-insensitive; must be an active material */
    const char *color;    /* NULL or "" = the material's first color; else one the material offers */
    int64_t quantity;     /* within settings order.min_qty..order.max_qty */
    double infill_pct;    /* 0..100; < 0 = the profile default (20) */
    bool priority;        /* priority print surcharge */
    uint64_t session_id;  /* an upload (POST /api/upload-for-cart), 0 = none */
    uint64_t model_id;    /* a catalog model, 0 = none */
    double dim_mm[3];     /* numeric source: bounding box (x, y, z), mm; all 0 = a cube of volume_cm3 */
    double volume_cm3;    /* numeric source: solid volume */
    double wattage_w;     /* > 0 overrides the printer's draw (admin price preview) */
} pf_shop_item;

/* A priced order line. Owned strings are released by pf_shop_line_clear. */
typedef struct pf_shop_line {
    char *material;       /* canonical material name (as stored) */
    char *color;          /* chosen color */
    int64_t cost_per_kg;  /* material price, paise per kg */
    double density_g_cm3; /* material density */
    bool slicer;          /* true: slicer-grade estimate of a mesh; false: fast model from numbers */
    pf_estimate est;      /* per-unit estimate with its breakdown (weight_g, print_time_s, job_time_s) */
    double dim_mm[3];     /* bounding box of the part */
    double volume_cm3;    /* solid volume */
    bool fits;           /* some active printer supporting the material fits it (90° turn about Z allowed) */
    uint64_t printer_id; /* that printer (the first that fits, by id), 0 = none */
    double printer_watts;     /* draw used for the electricity line */
    pf_price_breakdown price; /* the whole line (quantity units) */
    /* Source mesh when slicer is true: the blob to freeze into an order. */
    pf_sha256 blob; /* model blob digest (zero for the numeric source) */
    char *filename; /* original file name, NULL for numeric */
    char *format;   /* "stl", "obj", "3mf", NULL for numeric */
    /* What was priced (copied from the item after defaults were applied). */
    int64_t quantity;    /* units */
    double infill_pct;   /* infill used, 0..100 */
    bool priority;       /* priority print */
    char *printer_name;  /* name of printer_id, NULL when none fits */
    uint64_t session_id; /* the upload priced, 0 = none */
    uint64_t model_id;   /* the catalog model priced, 0 = none */
} pf_shop_line;

/* Cost-engine settings from the request's settings snapshot ("cost.<key>"), defaults for missing keys.
 * Errors: INVAL when a stored value is out of range (eb names the key). */
pf_err pf_shop_price_settings(pf_req *r, pf_price_settings *out);
/* Shipping settings from the snapshot ("shipping.<key>"). */
pf_err pf_shop_ship_settings(pf_req *r, pf_ship_settings *out);

/* Prices one line. Errors (422 PF_E_INVALID_FIELD with the field name in pf_req_eb unless said otherwise):
 * unknown or inactive material, a color the material does not offer, infill outside 0..100, quantity outside
 * the configured range, no or several geometry sources, bad numeric geometry; PF_E_NOT_FOUND for an unknown
 * or expired session_id, a session of another user (r's principal) or an unknown model. A part that fits no
 * printer is not an error here (fits = false); checkout refuses it. *out is set only on success. */
pf_err pf_shop_price_line(pf_req *r, const pf_shop_item *in, pf_shop_line *out);
void pf_shop_line_clear(pf_shop_line *l);

/* Prepares the slicer-grade estimate of mesh (the parsed content of the blob with digest blob) with the
 * default profile and keeps it in the process-wide in-memory cache under that digest (bounded; least recently
 * used entries are dropped), so later quotes of the mesh take microseconds. On a cache miss
 * pf_shop_price_line rebuilds the entry from the stored blob (after a restart). Thread-safe. Errors: those of
 * pf_estimate_prepare. */
pf_err pf_shop_cache_mesh(pf_req *r, const pf_sha256 *blob, const pf_mesh *mesh); /* r may be NULL (tests) */
/* The same, also keeping the mesh's full analysis (analysis may be NULL) with the entry, so that the same
 * bytes uploaded again need neither reading nor analysing (pf_shop_cache_analysis). */
pf_err pf_shop_cache_mesh_analysed(pf_req *r, const pf_sha256 *blob, const pf_mesh *mesh,
                                   const pf_analysis *analysis);
/* The analysis cached with blob: true and *out set when there is one. Thread-safe. */
bool pf_shop_cache_analysis(const pf_sha256 *blob, pf_analysis *out);

/* Shipping for a parcel of goods_g grams to dest_pin with the snapshot's settings (pickup has none: do not
 * call). Errors: PF_E_INVALID_FIELD naming "shipping_zip". */
pf_err pf_shop_shipping(pf_req *r, const char *dest_pin, double goods_g, pf_ship_quote *out);

/* The customer-facing JSON of a line: weight, times, price lines (material, printing, priority, gst, total in
 * rupees), fits, printer and the estimate breakdown. Returns NULL on NOMEM. */
cJSON *pf_shop_line_json(const pf_shop_line *l);

/* What a route adds to a line's answer (POST /api/quote: its shipping lines). Zero members add nothing. */
typedef struct pf_shop_line_extra {
    bool total_set;                          /* price.total shows total instead of the line's own */
    int64_t total;                           /* that total, paise */
    void (*price_more)(pf_jw *w, void *ctx); /* writes more members inside "price", after "total" */
    void (*more)(pf_jw *w, void *ctx);       /* writes more members at the end of the answer object */
    void *ctx;                               /* their argument */
} pf_shop_line_extra;

/* Writes the answer of pf_shop_line_json as one object member of w (key NULL at top level or in an array),
 * with x's additions (x may be NULL), in either sink of the writer: the quote route writes text directly.
 * Failures are left in w (pf_jw_status). */
void pf_shop_line_write(pf_jw *w, const char *key, const pf_shop_line *l, const pf_shop_line_extra *x);

/* ---- the estimate cache, for tests and benches ---- */

/* Counters of the process-wide estimate cache. */
typedef struct pf_shop_cache_stats {
    size_t entries;   /* meshes cached now */
    size_t bytes;     /* their estimate caches' heap bytes */
    uint64_t hits;    /* lookups answered from memory */
    uint64_t misses;  /* lookups that rebuilt the entry from the stored blob */
    uint64_t evicted; /* entries dropped to stay within the bounds */
} pf_shop_cache_stats;
void pf_shop_cache_stats_get(pf_shop_cache_stats *out);
/* Sets the bounds (0 keeps a bound as is; defaults 512 entries, 256 MiB) and drops entries over them. */
void pf_shop_cache_limits(size_t max_entries, size_t max_bytes);
/* Empties the cache (entries in use are freed when their last user is done). */
void pf_shop_cache_clear(void);

#endif
