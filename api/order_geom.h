/* Part geometry for order fulfilment, kept apart from the HTTP layer (engine/mesh.h and api/http.h both
 * name a type pf_part): the bounding box of an order's stored model file and the bed-fit test. Thread-safe;
 * no state. */
#ifndef PF_API_ORDER_GEOM_H
#define PF_API_ORDER_GEOM_H

#include <stddef.h>

#include "engine/error.h"
#include "storage/store.h"

/* Reads the blob (at most max_bytes of original data), parses it as a mesh and writes its printed parts'
 * bounding box (mm, x y z) into dims. Errors: TOO_LARGE, NOMEM, the store's, the mesh readers' (eb says
 * where). dims is set only on success. Opens its own short read transactions: do not call it while holding
 * one. */
pf_err pf_order_geom_blob_dims(pf_store *st, const pf_sha256 *blob, size_t max_bytes, double dims[3],
                               pf_errbuf *eb);

/* 1 when dims fit bed as is, 2 only after a 90° turn about Z, 0 not at all (engine/analyze.h pf_bed_fit). */
int pf_order_geom_fit(const double dims[3], const double bed[3]);

#endif
