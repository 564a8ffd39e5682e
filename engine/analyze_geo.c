/* The geometric sums of mesh analysis, four triangles per step through SIMDe. Like engine/backend_simd.c this
 * file is compiled twice, for the baseline ISA and with -mavx2 (PF_SIMD_AVX2, no FMA contraction), and
 * pf_geo_sums_of picks the AVX2 copy on CPUs that have it. Every lane does the scalar expressions of
 * tri_terms in the same order, in double, so both copies and the scalar tail give the same bits. */
#include "engine/analyze_geo.h"

#include <math.h>

#include <simde/x86/avx2.h>

#ifdef PF_SIMD_AVX2
#define ISA(name) name##_avx2
#else
#define ISA(name) name##_base
#endif

void ISA(pf__geo_sums)(const float *v, const uint32_t *t, size_t n, pf_geo_sums *out);

/* The lesser / greater of two numbers as minpd / maxpd take them (the second when they compare equal). */
static inline double min2(double a, double b)
{
    return a < b ? a : b;
}

static inline double max2(double a, double b)
{
    return a > b ? a : b;
}

/* One triangle's volume and area terms and whether it is degenerate, and its corners into the bounds lo, hi:
 * what each vector lane computes. */
static inline void tri_terms(const float *v, const uint32_t *t, double *vol6, double *area2, size_t *degen,
                             double lo[3], double hi[3])
{
    uint32_t ia = t[0], ib = t[1], ic = t[2];
    const float *a = v + (size_t)ia * 3, *b = v + (size_t)ib * 3, *c = v + (size_t)ic * 3;
    double ax = a[0], ay = a[1], az = a[2], bx = b[0], by = b[1], bz = b[2], cx = c[0], cy = c[1], cz = c[2];
    for (int k = 0; k < 3; k++) {
        lo[k] = min2(a[k], min2(b[k], min2(c[k], lo[k])));
        hi[k] = max2(a[k], max2(b[k], max2(c[k], hi[k])));
    }
    *vol6 += ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx);
    double ux = bx - ax, uy = by - ay, uz = bz - az, wx = cx - ax, wy = cy - ay, wz = cz - az;
    double nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
    double n2 = nx * nx + ny * ny + nz * nz;
    *area2 += sqrt(n2);
    int rep = ia == ib || ib == ic || ia == ic;
    *degen += (size_t)(rep || n2 <= PF_DEGENERATE_SIN2 * (ux * ux + uy * uy + uz * uz) *
                                        (wx * wx + wy * wy + wz * wz));
}

/* The x, y and z of vertices i0..i3 as four lanes each, in double: x and y are loaded as one 8-byte pair and
 * z alone, so nothing past a vertex's 12 bytes is read (gathers are slower on the CPUs here). */
static inline void corners(const float *v, uint32_t i0, uint32_t i1, uint32_t i2, uint32_t i3,
                           simde__m256d *x, simde__m256d *y, simde__m256d *z)
{
    const float *p0 = v + (size_t)i0 * 3, *p1 = v + (size_t)i1 * 3, *p2 = v + (size_t)i2 * 3,
                *p3 = v + (size_t)i3 * 3;
    simde__m128 lo =
        simde_mm_loadh_pi(simde_mm_loadl_pi(simde_mm_setzero_ps(), (const simde__m64 *)(const void *)p0),
                          (const simde__m64 *)(const void *)p1); /* x0 y0 x1 y1 */
    simde__m128 hi =
        simde_mm_loadh_pi(simde_mm_loadl_pi(simde_mm_setzero_ps(), (const simde__m64 *)(const void *)p2),
                          (const simde__m64 *)(const void *)p3); /* x2 y2 x3 y3 */
    *x = simde_mm256_cvtps_pd(simde_mm_shuffle_ps(lo, hi, SIMDE_MM_SHUFFLE(2, 0, 2, 0)));
    *y = simde_mm256_cvtps_pd(simde_mm_shuffle_ps(lo, hi, SIMDE_MM_SHUFFLE(3, 1, 3, 1)));
    *z = simde_mm256_cvtps_pd(simde_mm_setr_ps(p0[2], p1[2], p2[2], p3[2]));
}

void ISA(pf__geo_sums)(const float *v, const uint32_t *t, size_t n, pf_geo_sums *out)
{
    simde__m256d vol = simde_mm256_setzero_pd(), area = simde_mm256_setzero_pd();
    simde__m256i degen = simde_mm256_setzero_si256();
    const simde__m256d tol = simde_mm256_set1_pd(PF_DEGENERATE_SIN2);
    simde__m256d lo[3], hi[3];
    for (int k = 0; k < 3; k++)
        lo[k] = simde_mm256_set1_pd(INFINITY), hi[k] = simde_mm256_set1_pd(-INFINITY);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint32_t *q = t + 3 * i;
        simde__m128i ia = simde_mm_setr_epi32((int)q[0], (int)q[3], (int)q[6], (int)q[9]);
        simde__m128i ib = simde_mm_setr_epi32((int)q[1], (int)q[4], (int)q[7], (int)q[10]);
        simde__m128i ic = simde_mm_setr_epi32((int)q[2], (int)q[5], (int)q[8], (int)q[11]);
        simde__m256d ax, ay, az, bx, by, bz, cx, cy, cz;
        corners(v, q[0], q[3], q[6], q[9], &ax, &ay, &az);
        corners(v, q[1], q[4], q[7], q[10], &bx, &by, &bz);
        corners(v, q[2], q[5], q[8], q[11], &cx, &cy, &cz);
        const simde__m256d ca[3] = {ax, ay, az}, cb[3] = {bx, by, bz}, cc[3] = {cx, cy, cz};
        for (int k = 0; k < 3; k++) { /* tri_terms' order: a, then b, then c against the bound */
            lo[k] = simde_mm256_min_pd(ca[k], simde_mm256_min_pd(cb[k], simde_mm256_min_pd(cc[k], lo[k])));
            hi[k] = simde_mm256_max_pd(ca[k], simde_mm256_max_pd(cb[k], simde_mm256_max_pd(cc[k], hi[k])));
        }
#define MUL simde_mm256_mul_pd
#define SUB simde_mm256_sub_pd
#define ADD simde_mm256_add_pd
        simde__m256d t1 = MUL(ax, SUB(MUL(by, cz), MUL(bz, cy)));
        simde__m256d t2 = MUL(ay, SUB(MUL(bx, cz), MUL(bz, cx)));
        simde__m256d t3 = MUL(az, SUB(MUL(bx, cy), MUL(by, cx)));
        vol = ADD(vol, ADD(SUB(t1, t2), t3));
        simde__m256d ux = SUB(bx, ax), uy = SUB(by, ay), uz = SUB(bz, az);
        simde__m256d wx = SUB(cx, ax), wy = SUB(cy, ay), wz = SUB(cz, az);
        simde__m256d nx = SUB(MUL(uy, wz), MUL(uz, wy)), ny = SUB(MUL(uz, wx), MUL(ux, wz)),
                     nz = SUB(MUL(ux, wy), MUL(uy, wx));
        simde__m256d n2 = ADD(ADD(MUL(nx, nx), MUL(ny, ny)), MUL(nz, nz));
        area = ADD(area, simde_mm256_sqrt_pd(n2));
        simde__m256d uu = ADD(ADD(MUL(ux, ux), MUL(uy, uy)), MUL(uz, uz));
        simde__m256d ww = ADD(ADD(MUL(wx, wx), MUL(wy, wy)), MUL(wz, wz));
        simde__m256d flat = simde_mm256_cmp_pd(n2, MUL(MUL(tol, uu), ww), SIMDE_CMP_LE_OQ);
#undef MUL
#undef SUB
#undef ADD
        simde__m128i rep =
            simde_mm_or_si128(simde_mm_or_si128(simde_mm_cmpeq_epi32(ia, ib), simde_mm_cmpeq_epi32(ib, ic)),
                              simde_mm_cmpeq_epi32(ia, ic));
        simde__m256i bad =
            simde_mm256_or_si256(simde_mm256_cvtepi32_epi64(rep), simde_mm256_castpd_si256(flat));
        degen = simde_mm256_sub_epi64(degen, bad); /* each set lane is -1 */
    }
    double lv[4], la[4], ll[3][4], lh[3][4];
    int64_t ld[4];
    simde_mm256_storeu_pd(lv, vol);
    simde_mm256_storeu_pd(la, area);
    simde_mm256_storeu_si256((simde__m256i *)(void *)ld, degen);
    for (int k = 0; k < 3; k++) {
        simde_mm256_storeu_pd(ll[k], lo[k]);
        simde_mm256_storeu_pd(lh[k], hi[k]);
    }
    size_t dg = (size_t)(ld[0] + ld[1] + ld[2] + ld[3]);
    for (size_t k = 0; i < n; i++, k++) { /* the last n mod 4 triangles, into lanes 0.. as the loop would */
        double l3[3] = {ll[0][k], ll[1][k], ll[2][k]}, h3[3] = {lh[0][k], lh[1][k], lh[2][k]};
        tri_terms(v, t + 3 * i, &lv[k], &la[k], &dg, l3, h3);
        for (int a = 0; a < 3; a++)
            ll[a][k] = l3[a], lh[a][k] = h3[a];
    }
    out->vol6 = (lv[0] + lv[1]) + (lv[2] + lv[3]);
    out->area2 = (la[0] + la[1]) + (la[2] + la[3]);
    out->degen = dg;
    for (int k = 0; k < 3; k++) {
        out->lo[k] = min2(min2(ll[k][0], ll[k][1]), min2(ll[k][2], ll[k][3]));
        out->hi[k] = max2(max2(lh[k][0], lh[k][1]), max2(lh[k][2], lh[k][3]));
    }
}

#ifndef PF_SIMD_AVX2
#ifdef PF_HAVE_SIMD_AVX2
void pf__geo_sums_avx2(const float *v, const uint32_t *t, size_t n, pf_geo_sums *out);
#endif

pf_geo_sums_fn *pf_geo_sums_copy(int avx2)
{
    if (!avx2) return pf__geo_sums_base;
#ifdef PF_HAVE_SIMD_AVX2
    if (__builtin_cpu_supports("avx2")) return pf__geo_sums_avx2;
#endif
    return NULL;
}

void pf_geo_sums_of(const float *v, const uint32_t *t, size_t n, pf_geo_sums *out)
{
#ifdef PF_HAVE_SIMD_AVX2
    if (__builtin_cpu_supports("avx2")) {
        pf__geo_sums_avx2(v, t, n, out);
        return;
    }
#endif
    pf__geo_sums_base(v, t, n, out);
}
#endif
