/* Choosing a printer for an order: every printer type ranked by compatibility (active, prints the order's
 * material, the part fits its bed, turned 90° about Z if need be), proximity of its PIN to the destination,
 * and its load of open orders. GET /api/admin/orders/:id/eligible-printers shows the whole ranking; checkout
 * assigns each new order to the first compatible printer (setting order.auto_assign, default true) so the
 * shop's queue starts filled and admins only reassign. No HTTP; no state; thread-safe. */
#ifndef PF_API_ASSIGN_H
#define PF_API_ASSIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "storage/store.h"

/* What the ranking needs to know of an order. */
typedef struct pf_assign_part {
    const char *material; /* the order's material name (case-insensitive match with the printer's list) */
    double dims[3];       /* the part's bounding box, mm (x y z) */
    bool known;           /* dims known; when false the fit is not judged (fit = -1) */
    const char
        *dest_pin;     /* destination PIN: the customer's when shipped, the shop's for pickup; NULL = none */
    uint64_t order_id; /* the order itself, left out of the loads (0 for a new order) */
} pf_assign_part;

/* One printer's standing for an order. */
typedef struct pf_assign_cand {
    pf_printer p;       /* the printer (owned: pf_assign_free clears it) */
    bool material_ok;   /* prints the order's material */
    int fit;            /* 1 fits as is, 2 after a 90° turn, 0 does not, -1 unknown */
    bool compatible;    /* active, material_ok and fit != 0 */
    int prefix;         /* PIN digits shared with the destination (0..6) */
    double distance_km; /* between the PINs' sorting districts, < 0 when a PIN is unknown */
    double proximity;   /* 0..100: 100 in the same district, half at 250 km */
    uint64_t load;      /* open orders (pending .. post_processing) assigned to it */
    double load_score;  /* 0..100: four open orders halve it */
    double score;       /* overall 0..100, one decimal (0 when incompatible) */
} pf_assign_cand;

/* Ranks every printer for part inside transaction t (read or write; orders stored earlier in a write
 * transaction count in the loads): compatible first, then by score, fewer open orders, lower id. On success
 * *out is a malloc'd array of *n candidates (possibly 0 and NULL) for pf_assign_free. Errors: the store's,
 * PF_E_NOMEM. */
pf_err pf_assign_rank(pf_store *st, pf_txn *t, const pf_assign_part *part, pf_assign_cand **out, size_t *n,
                      pf_errbuf *eb);

/* Frees a ranking from pf_assign_rank. Accepts NULL. */
void pf_assign_free(pf_assign_cand *c, size_t n);

/* Great-circle distance in km between the sorting districts of two PINs (0 in the same district), -1 when
 * either is missing or unknown (engine/shipping.h's PIN table). */
double pf_assign_pin_distance(const char *a, const char *b);

/* Whether printer p lists material (case-insensitive). */
bool pf_assign_has_material(const pf_printer *p, const char *material);

/* Whether an order in this status still needs printer time (pending, confirmed, printing, post_processing).
 */
bool pf_assign_status_open(const char *status);

#endif
