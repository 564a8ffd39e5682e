/* Shared body of the estimator fuzz target (tests/fuzz/fuzz_estimate.c) and its replay of saved inputs
 * (tests/test_fuzz_regress.c). The estimator: whatever geometry a customer uploads reaches it once intake
 * accepts the file, so it must return (an estimate or a clean error) on any triangle soup: slivers,
 * coincident and coplanar faces, open and self-crossing shells, needles, parts floating above the bed.
 *
 * Input: one byte of options (bits 0–2 infill density, 3 supports, 4–5 layer height, 6 five top and four
 * bottom solid layers, 7 three perimeters), then triangles of 9 bytes, one per coordinate on a grid of
 * FUZZ_STEP mm (coincidences are the common case, as in real meshes).
 * Checks: on success every figure is finite and not negative, the SIMD backend equals the scalar oracle
 * within the tests' 0.5 %, and one thread equals two bit for bit; a failure comes with a message. */
#ifndef PF_FUZZ_ESTIMATE_H
#define PF_FUZZ_ESTIMATE_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "engine/backends.h"
#include "engine/estimate.h"
#include "engine/mesh.h"
#include "tests/fuzz/fuzz_intake.h"

#define FUZZ_STEP 0.0625f /* mm per coordinate unit: parts up to 16 mm, at most 160 layers (of 0.1 mm) */
#define FUZZ_MAX_TRIS 64

static inline int fz_finite_nonneg(double v)
{
    return isfinite(v) && v >= 0;
}

static inline int fz_estimate_sane(const pf_estimate *e)
{
    int ok = fz_finite_nonneg(e->weight_g) && fz_finite_nonneg(e->filament_m) &&
             fz_finite_nonneg(e->print_time_s) && fz_finite_nonneg(e->job_time_s) &&
             fz_finite_nonneg(e->volume_total_mm3) && fz_finite_nonneg(e->max_layer_area_mm2) &&
             fz_finite_nonneg(e->overhang_area_mm2) && fz_finite_nonneg(e->support_volume_mm3) &&
             e->layers > 0;
    for (int k = 0; k < PF_FEAT_N; k++)
        ok &= fz_finite_nonneg(e->volume_mm3[k]);
    for (int k = 0; k < PF_TIME_N; k++)
        ok &= fz_finite_nonneg(e->time_s[k]);
    return ok;
}

/* Every figure of a equal to b's (fields, not bytes: padding is not written). */
static inline int fz_same(const pf_estimate *a, const pf_estimate *b)
{
    int same = a->weight_g == b->weight_g && a->print_time_s == b->print_time_s && a->layers == b->layers &&
               a->support_volume_mm3 == b->support_volume_mm3 && a->slowed_layers == b->slowed_layers;
    for (int k = 0; k < PF_FEAT_N; k++)
        same &= a->volume_mm3[k] == b->volume_mm3[k];
    for (int k = 0; k < PF_TIME_N; k++)
        same &= a->time_s[k] == b->time_s[k];
    return same;
}

/* |a − b| within 0.5 % of b, or both tiny. */
static inline int fz_near(double a, double b)
{
    return fabs(a - b) <= 0.005 * fabs(b) + 1e-6;
}

/* Prepares and evaluates m on be with `threads` threads: 1 on success (*out set), 0 on a clean error. */
static inline int fz_run(const pf_mesh *m, const pf_profile *p, const pf_backend *be, int threads,
                         double density, int supports, pf_estimate *out, pf_estimate_cache **cache)
{
    pf_errbuf eb = {{0}};
    pf_estimate_cache *c = NULL;
    pf_err err = pf_estimate_prepare_threads(m, p, be, threads, &c, &eb);
    if (err) {
        if (c || !eb.msg[0] || err == PF_E_NOMEM) __builtin_trap(); /* failures explain themselves */
        return 0;
    }
    if (pf_estimate_eval(c, density, supports, out, &eb) || !fz_estimate_sane(out)) __builtin_trap();
    *cache = c;
    return 1;
}

/* The mesh and profile of one input (the format above), or NULL when it holds no triangle or intake refuses
 * it; free the mesh with pf_mesh_free. For the fuzz target and for tests that run the inputs elsewhere. */
static inline pf_mesh *pf_fuzz_estimate_input(const uint8_t *data, size_t size, pf_profile *p)
{
    if (size < 1 + 9) return NULL;
    uint8_t opt = data[0];
    size_t ntris = (size - 1) / 9;
    if (ntris > FUZZ_MAX_TRIS) ntris = FUZZ_MAX_TRIS;
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, &pf_fuzz_limits /* intake's fuzz limits */);
    pf_errbuf eb = {{0}};
    for (size_t t = 0; t < ntris; t++) {
        float v[9];
        for (int k = 0; k < 9; k++)
            v[k] = (float)data[1 + 9 * t + (size_t)k] * FUZZ_STEP;
        if (pf_mesh_builder_tri(&b, v, &eb)) __builtin_trap();
    }
    pf_mesh *m = NULL;
    if (pf_mesh_builder_finish(&b, &m, &eb)) return NULL;
    static const double densities[8] = {0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1};
    static const double heights[4] = {0.2, 0.1, 0.15, 0.3}; /* layer heights (the first layer stays 0.2) */
    *p = pf_profile_default();
    p->infill_density = densities[opt & 7];
    p->supports = (opt >> 3) & 1;
    p->layer_height = heights[(opt >> 4) & 3];
    if ((opt >> 6) & 1) p->top_layers = 5, p->bottom_layers = 4;
    if ((opt >> 7) & 1) p->perimeters = 3;
    return m;
}

/* Runs one input through the checks above; traps on a broken one. Returns 1 when it was estimated, 0 when
 * intake or every backend turned it down cleanly. */
static inline int pf_fuzz_estimate(const uint8_t *data, size_t size)
{
    pf_profile p;
    pf_mesh *m = pf_fuzz_estimate_input(data, size, &p);
    if (!m) return 0; /* nothing usable: intake's answer, fuzzed elsewhere */
    double density = p.infill_density;
    int supports = p.supports;
    pf_backend *simd = NULL;
    if (pf_backend_simd_create(2, &simd)) __builtin_trap();
    pf_estimate es, e1, e2;
    pf_estimate_cache *cs = NULL, *c1 = NULL, *c2 = NULL;
    int ok = fz_run(m, &p, pf_backend_scalar(), 1, density, supports, &es, &cs);
    int ok1 = fz_run(m, &p, simd, 1, density, supports, &e1, &c1);
    int ok2 = fz_run(m, &p, simd, 2, density, supports, &e2, &c2);
    if (ok != ok1 || ok1 != ok2) __builtin_trap(); /* one backend refused what another took */
    if (ok) {
        if (!fz_near(e1.weight_g, es.weight_g) || !fz_near(e1.print_time_s, es.print_time_s) ||
            e1.layers != es.layers)
            __builtin_trap();                     /* SIMD against the scalar oracle */
        if (!fz_same(&e1, &e2)) __builtin_trap(); /* the thread count changes nothing */
    }
    pf_estimate_cache_free(cs);
    pf_estimate_cache_free(c1);
    pf_estimate_cache_free(c2);
    pf_backend_free(simd);
    pf_mesh_free(m);
    return ok;
}

#endif
