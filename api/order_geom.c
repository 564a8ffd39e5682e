/* Part geometry for order fulfilment: bounding box of a stored model file, bed fit (see order_geom.h). */
#include <stdlib.h>
#include <string.h>

#include "api/order_geom.h"
#include "engine/analyze.h"
#include "engine/mesh.h"

/* Bytes of a blob collected in memory, bounded. */
typedef struct blob_buf {
    char *p;       /* data */
    size_t n, cap; /* length and capacity */
    size_t max;    /* refuse beyond this */
} blob_buf;

static pf_err blob_collect(void *ctx, const void *data, size_t len)
{
    blob_buf *b = ctx;
    if (len > b->max - b->n) return PF_E_TOO_LARGE;
    if (b->n + len > b->cap) {
        size_t nc = b->cap ? b->cap : (size_t)1 << 16;
        while (nc < b->n + len)
            nc *= 2;
        char *g = realloc(b->p, nc);
        if (!g) return PF_E_NOMEM;
        b->p = g, b->cap = nc;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    return PF_E_OK;
}

pf_err pf_order_geom_blob_dims(pf_store *st, const pf_sha256 *blob, size_t max_bytes, double dims[3],
                               pf_errbuf *eb)
{
    blob_buf b = {.max = max_bytes};
    pf_mesh *m = NULL;
    pf_mesh_stats s;
    pf_intake_limits lim = {.max_file_bytes = max_bytes};
    pf_err err = pf_store_blob_read(st, blob, blob_collect, &b, eb);
    if (err == PF_E_TOO_LARGE || err == PF_E_NOMEM) pf_errf(eb, err, "model file");
    if (!err) err = pf_mesh_read_mem(b.p, b.n, &lim, &m, eb);
    if (!err) err = pf_mesh_stats_compute(m, &s, eb);
    if (!err) memcpy(dims, s.dims, sizeof s.dims);
    pf_mesh_free(m);
    free(b.p);
    return err;
}

int pf_order_geom_fit(const double dims[3], const double bed[3])
{
    return pf_bed_fit(dims, bed);
}
