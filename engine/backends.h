/* Constructors and run-time selection of the estimator backends declared in engine/backend.h: scalar
 * (reference), SIMD (engine/backend_simd.c) and OpenCL (engine/backend_opencl.c,
 * kernels/estimate.cl). */
#ifndef PF_BACKENDS_H
#define PF_BACKENDS_H

#include "engine/backend.h"
#include "engine/cl.h"
#include "engine/error.h"

/* The SIMD backend: SIMDe-vectorized stages, an AVX2 build of them chosen at creation when the CPU has AVX2
 * (device "cpu (avx2)"), else the baseline build. Stages are single-threaded and stateless (ctx is NULL), so
 * they may be called from any number of threads at once; backend->threads tells the driver how many layers to
 * run at once: `threads`, or one per online CPU when threads ≤ 0. Results equal the scalar backend's (masks,
 * distances and classes bit for bit; reductions up to the order of float additions). Errors: NOMEM. *out is
 * set only on success; release it with pf_backend_free. */
pf_err pf_backend_simd_create(int threads, pf_backend **out);

/* One compiled copy of the SIMD stages by ISA name: "base" (always) or "avx2"; NULL when the build lacks it
 * or this CPU cannot run it. For tests that hold every copy against the scalar backend, since creation picks
 * only one. The table is static (threads 0, device NULL): do not free it. */
const pf_backend *pf_backend_simd_copy(const char *isa);

/* The OpenCL backend on the device pf_cl_open chooses for o (NULL: defaults). Every stage runs on the device;
 * there is no CPU fallback inside it: a device failure is PF_E_DEVICE with details in eb at creation and
 * PF_E_DEVICE from the stage later. backend->device is pf_cl_device_name. Kernels are built once at creation
 * (the pf_cl program cache keeps one program per process and device). Errors: DEVICE, NOMEM. Thread-safe:
 * stages serialise on the device queue; backend->threads is 1 (the device parallelises inside a stage). */
pf_err pf_backend_opencl_create(const pf_cl_opts *o, pf_backend **out, pf_errbuf *eb);

/* Selects a backend by name: "scalar", "simd" (threads = one per CPU), "opencl" (best device), or "auto": an
 * OpenCL GPU if one exists, else SIMD. Errors: INVAL (unknown name, eb lists the valid ones), and those of
 * the constructors. The scalar backend is returned as a heap copy too, so every result is released with
 * pf_backend_free. */
pf_err pf_backend_get(const char *name, pf_backend **out, pf_errbuf *eb);

/* Releases a backend from the functions above (calls its destroy). Accepts NULL. */
void pf_backend_free(pf_backend *be);

#endif
