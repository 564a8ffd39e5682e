/* Run-time choice of an estimator backend by name, the one release function for all of them, and the
 * raster fingerprints' weights. */
#include "engine/backends.h"

#include <stdlib.h>
#include <string.h>

pf_err pf_backend_get(const char *name, pf_backend **out, pf_errbuf *eb)
{
    if (!name || !strcmp(name, "auto")) {
        /* A GPU pays for its transfers; PoCL's CPU device does not beat the SIMD backend on the same cores.
         */
        pf_cl_opts o = {.require_gpu = 1};
        if (pf_cl_may_have_gpu(NULL) && pf_backend_opencl_create(&o, out, NULL) == PF_E_OK) return PF_E_OK;
        return pf_backend_simd_create(0, out);
    }
    if (!strcmp(name, "scalar")) {
        pf_backend *be = malloc(sizeof *be);
        if (!be) return PF_E_NOMEM;
        *be = *pf_backend_scalar();
        be->threads = 1;
        *out = be;
        return PF_E_OK;
    }
    if (!strcmp(name, "simd")) return pf_backend_simd_create(0, out);
    if (!strcmp(name, "opencl")) return pf_backend_opencl_create(NULL, out, eb);
    return pf_errf(eb, PF_E_INVAL, "unknown backend '%s' (auto, scalar, simd, opencl)", name);
}

void pf_backend_free(pf_backend *be)
{
    if (!be) return;
    if (be->destroy) be->destroy(be->ctx);
    free(be);
}

pf_err pf_print_weights_make(pf_print_weights *w, const pf_grid *g, uint64_t seed)
{
    size_t ny = g->ny, nx = g->nx, per = ny + (ny + 1) + (nx + 1);
    uint64_t *p = malloc(2 * per * sizeof *p);
    if (!p) return PF_E_NOMEM;
    for (int k = 0; k < 2; k++) {
        uint64_t *q = p + (size_t)k * per;
        w->row[k] = q, w->pre[k] = q + ny, w->col[k] = q + ny + (ny + 1);
        /* independent draws per table and entry: the seed mixed with (table, index) */
        uint64_t rs = pf_mix64(seed ^ (uint64_t)(2 * k + 1) << 56),
                 cs = pf_mix64(seed ^ (uint64_t)(2 * k + 2) << 56);
        uint64_t sum = 0;
        for (size_t r = 0; r < ny; r++) {
            w->pre[k][r] = sum;
            sum += w->row[k][r] = pf_mix64(rs + r);
        }
        w->pre[k][ny] = sum;
        for (size_t c = 0; c <= nx; c++)
            w->col[k][c] = pf_mix64(cs + c);
    }
    return PF_E_OK;
}

void pf_print_weights_free(pf_print_weights *w)
{
    free(w->row[0]); /* the block's start */
    w->row[0] = w->row[1] = w->pre[0] = w->pre[1] = w->col[0] = w->col[1] = NULL;
}

void pf_hist_firsts(float step, int32_t first[PF_HIST_BINS])
{
    for (int b = 1; b < PF_HIST_BINS; b++) {
        float e = pf_hist_edge(b);
        double guess = (double)e / (double)step;
        int32_t len = guess > 2e9 ? INT32_MAX : guess < 1 ? 0 : (int32_t)guess - 1;
        while (len > 0 && (float)(len - 1) * step >= e)
            len--;
        while (len < INT32_MAX && !((float)len * step >= e))
            len++;
        first[b - 1] = len;
    }
    first[PF_HIST_BINS - 1] = INT32_MAX; /* no bin PF_HIST_BINS */
}
