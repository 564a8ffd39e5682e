/* The geometric sums of mesh analysis (engine/analyze.c), vectorized: engine/analyze_geo.c. */
#ifndef PF_ANALYZE_GEO_H
#define PF_ANALYZE_GEO_H

#include <stddef.h>
#include <stdint.h>

/* Relative tolerance for a zero-area triangle: sin² of the angle at its first corner below this. */
#define PF_DEGENERATE_SIN2 1e-20

typedef struct pf_geo_sums {
    double vol6;         /* six times the signed volume */
    double area2;        /* twice the area */
    size_t degen;        /* degenerate triangles: a repeated index, or an area below PF_DEGENERATE_SIN2 */
    double lo[3], hi[3]; /* the corners' least and greatest x, y, z (+∞ and −∞ when there is none) */
} pf_geo_sums;

/* The sums over the n triangles at t (three vertex indices each, all < the vertex count: the caller checked)
 * of the vertices v (x y z floats). Each triangle's terms are computed in double; triangle i adds into lane
 * i mod 4 and the lanes end as (0 + 1) + (2 + 3), so the result is the same bit for bit on every CPU (the
 * AVX2 copy and the baseline one do the same operations in the same order). */
void pf_geo_sums_of(const float *v, const uint32_t *t, size_t n, pf_geo_sums *out);

/* The copies behind pf_geo_sums_of, for tests: avx2 = 0 gives the baseline one; avx2 = 1 the AVX2 one, or
 * NULL where the build has none or the CPU lacks AVX2. */
typedef void pf_geo_sums_fn(const float *v, const uint32_t *t, size_t n, pf_geo_sums *out);
pf_geo_sums_fn *pf_geo_sums_copy(int avx2);

#endif
