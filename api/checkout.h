/* Placing orders: the one write transaction that turns a priced, validated checkout into orders (with their
 * first timeline event and tracking numbers), the group record of a cart checkout, the coupon's usage counts
 * and the claim on the uploaded files. The HTTP handlers (POST /api/checkout, POST /api/cart-checkout) build
 * a plan from the request and call pf_checkout_commit; tests call it directly (crash safety).
 *
 * Either everything of a checkout is stored or nothing is: one pf_store_write transaction. */
#ifndef PF_API_CHECKOUT_H
#define PF_API_CHECKOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/store.h"

/* A checkout ready to store. The orders carry everything but what the commit assigns. */
typedef struct pf_checkout_plan {
    uint64_t user_id;   /* customer (orders, group, coupon counter) */
    int64_t now;        /* placement time (created_at, event time, coupon window) */
    pf_order *orders;   /* n orders with item, shipping and frozen price fields, blob and upload_id set; the
                         * commit sets id, tracking_no, status "pending", group_id, created_at, updated_at */
    size_t n;           /* count of orders, >= 1 */
    bool group;         /* cart checkout: store grp and give the orders its id */
    pf_order_group grp; /* the group's figures (subtotal .. total, coupon_code, fulfillment); the commit sets
                         * id, user_id, ref, created_at */
    uint64_t coupon_id; /* coupon redeemed, 0 = none */
    int64_t coupon_taxable;  /* the pre-discount taxable value the discount was computed on */
    int64_t coupon_discount; /* that discount: the commit re-checks the coupon and refuses if it changed */
    bool auto_assign;        /* give each order the best compatible printer (api/assign.h), if there is one */
    const char *dest_pin;    /* destination PIN for that ranking (customer's, or the shop's for pickup);
                              * borrowed, NULL = unknown */
    double (*dims)[3];       /* n part sizes in mm for that ranking; borrowed, NULL = fit not judged */
} pf_checkout_plan;

/* Stores plan in one write transaction: re-checks the coupon against its current record and the user's
 * redemption counter (so two checkouts racing for the last use cannot both win) and counts the use
 * (coupon.used + 1, counter "coupon_use:<coupon id>:<user id>" + 1); stores the group with a fresh reference
 * (cart); gives each order a fresh tracking number (PF-XXXXXXXXXX, checked unused), stores it with its first
 * timeline event ("Order placed", status pending, actor the customer), assigns it the first compatible
 * printer of pf_assign_rank when auto_assign is set (orders placed earlier in the same checkout count in the
 * printers' loads; no compatible printer leaves it unassigned) and marks its upload claimed. On
 * success the plan's orders and group hold their ids, tracking numbers and references.
 * Errors: PF_E_INVALID_FIELD "coupon_code: ..." (the coupon can no longer be redeemed), PF_E_CONFLICT (the
 * coupon changed since pricing), PF_E_NOT_FOUND (an upload that is gone or belongs to someone else),
 * PF_E_STORAGE, PF_E_NOMEM. Thread-safe (the store serialises writers). */
pf_err pf_checkout_commit(pf_store *st, pf_checkout_plan *plan, pf_errbuf *eb);

/* Frees the plan's orders and group strings and zeroes it. Accepts NULL. */
void pf_checkout_plan_clear(pf_checkout_plan *plan);

/* Name of the per-user redemption counter of a coupon, into out (64 bytes is plenty). */
void pf_checkout_coupon_counter(uint64_t coupon_id, uint64_t user_id, char *out, size_t len);

#endif
