/* Run-time choice of an estimator backend by name, and the one release function for all of them. */
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
