/* The SIMD estimator backend: the stages of engine/backend.h vectorized through SIMDe (which only this file
 * and engine/analyze_geo.c include). It is compiled three times: once for the build's baseline ISA (SSE2 on
 * x86-64, where SIMDe emulates the 256-bit operations), once with -mavx2 and PF_SIMD_AVX2 defined
 * (CMakeLists.txt), where every operation maps to one instruction, and once with AVX-512 (PF_SIMD_AVX512),
 * where the stages whose loops are bound by their arithmetic take 16 cells a step in mask registers (the
 * same comparisons lane for lane, so the same results); pf_backend_simd_create picks the widest copy the CPU
 * runs. Stages are single-threaded and keep no state (raster keeps a zeroed scratch grid per
 * thread, see zeroed_delta), so the driver may run several layers at once on `threads` threads without a
 * second level of threads competing for the cores. Masks, distance fields and classes equal the scalar
 * backend's bit for bit (see edt and classify for why); reductions count runs as integers scaled once, so
 * they differ from the scalar sums only in the rounding of the final float. Cells deep inside a part
 * (distance fields at the cap, engine/backend.h) take shortcuts in every stage: their values are computed
 * once per call by the general path's own operations, so the shortcuts change no result. */
#include "engine/backends.h"
#include "engine/bigalloc.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <simde/x86/avx2.h>
#ifdef PF_SIMD_AVX512
#include <simde/x86/avx512.h>
#endif

#define NO_SITE 1e30f /* "no zero cell along this line": the scalar backend's infinity */

#if defined(PF_SIMD_AVX512)
#define ISA(name) name##_avx512
#elif defined(PF_SIMD_AVX2)
#define ISA(name) name##_avx2
#else
#define ISA(name) name##_base
#endif

/* The AVX2 and AVX-512 copies' stage tables (defined when this file is compiled with PF_SIMD_AVX2 or
 * PF_SIMD_AVX512; linked in when the build defines PF_HAVE_SIMD_AVX2 and PF_HAVE_SIMD_AVX512). */
const pf_backend *pf__backend_simd_avx2(void);
const pf_backend *pf__backend_simd_avx512(void);

static size_t round_up(size_t n, size_t a)
{
    return (n + a - 1) / a * a;
}

/* Whether every bit of v is 0. (SIMDe 0.7's emulated simde_mm256_testz_si256 answers 1 for nonzero vectors
 * without AVX, so this goes through a byte compare instead.) */
static inline int all_zero(simde__m256i v)
{
    return simde_mm256_movemask_epi8(simde_mm256_cmpeq_epi8(v, simde_mm256_setzero_si256())) == -1;
}

/* Bounding rectangle [*x0, *x1] × [*y0, *y1] of the bytes of the w × h bytes at m (rows `stride` apart) that
 * are nonzero (zero = 0) or zero (zero = 1), 32 bytes per test; 0 when there are none. */
#define BR_NARROW 8 /* rows of at most this many blocks of 32 bytes go through the accumulators */
static int byte_rect(const uint8_t *m, long w, long h, long stride, int zero, long *x0, long *x1, long *y0,
                     long *y1)
{
    const int none = zero ? 0 : -1; /* the byte-compare mask of 32 bytes without a wanted one */
    const simde__m256i z = simde_mm256_setzero_si256();
#define BR_LOAD(p) simde_mm256_loadu_si256((const simde__m256i *)(const void *)(p))
    /* 128 bytes with none wanted: nonzero wanted → their OR is 0; zero wanted → their byte minimum is not 0
     */
#define BR_NONE128(p)                                                                                        \
    (simde_mm256_movemask_epi8(simde_mm256_cmpeq_epi8(                                                       \
         zero ? simde_mm256_min_epu8(simde_mm256_min_epu8(BR_LOAD(p), BR_LOAD((p) + 32)),                    \
                                     simde_mm256_min_epu8(BR_LOAD((p) + 64), BR_LOAD((p) + 96)))             \
              : simde_mm256_or_si256(simde_mm256_or_si256(BR_LOAD(p), BR_LOAD((p) + 32)),                    \
                                     simde_mm256_or_si256(BR_LOAD((p) + 64), BR_LOAD((p) + 96))),            \
         z)) == none)
#define BR_NONE32(p) (simde_mm256_movemask_epi8(simde_mm256_cmpeq_epi8(BR_LOAD(p), z)) == none)
    /* bit k set: byte k of these 32 is wanted */
#define BR_WANTED32(p)                                                                                       \
    ((unsigned)simde_mm256_movemask_epi8(simde_mm256_cmpeq_epi8(BR_LOAD(p), z)) ^ (unsigned)none)
    long ax = w, bx = -1, ay = h, by = -1;
    if (w >= 32 && w <= 32 * BR_NARROW) {
        /* A narrow grid (its rows a few blocks of 32, where the search below spent most of its steps in the
         * bytewise tails): each row's blocks (the last one ending at w, overlapping the one before) folded
         * into per-block accumulators, OR (a wanted byte is nonzero) or minimum (zero), over every row: a row
         * without a wanted byte leaves them as they are. */
        simde__m256i acc[BR_NARROW];
        int nb = (int)((w + 31) / 32);
        for (int k = 0; k < nb; k++)
            acc[k] = zero ? simde_mm256_set1_epi8(-1) : z;
        for (long y = 0; y < h; y++) {
            const uint8_t *r = m + y * stride;
            simde__m256i any = zero ? simde_mm256_set1_epi8(-1) : z;
            for (int k = 0; k < nb; k++) {
                simde__m256i v = BR_LOAD(r + (k + 1 < nb ? 32 * (long)k : w - 32));
                acc[k] = zero ? simde_mm256_min_epu8(acc[k], v) : simde_mm256_or_si256(acc[k], v);
                any = zero ? simde_mm256_min_epu8(any, v) : simde_mm256_or_si256(any, v);
            }
            if (simde_mm256_movemask_epi8(simde_mm256_cmpeq_epi8(any, z)) == none) continue;
            if (ay == h) ay = y;
            by = y;
        }
        for (int k = 0; k < nb && ax == w; k++) { /* the first wanted column */
            unsigned wm =
                (unsigned)simde_mm256_movemask_epi8(simde_mm256_cmpeq_epi8(acc[k], z)) ^ (unsigned)none;
            if (wm) ax = (k + 1 < nb ? 32 * (long)k : w - 32) + __builtin_ctz(wm);
        }
        for (int k = nb; k-- > 0 && bx < 0;) { /* the last one */
            unsigned wm =
                (unsigned)simde_mm256_movemask_epi8(simde_mm256_cmpeq_epi8(acc[k], z)) ^ (unsigned)none;
            if (wm) bx = (k + 1 < nb ? 32 * (long)k : w - 32) + 31 - __builtin_clz(wm);
        }
        h = 0; /* done: skip the row search */
    }
    for (long y = 0; y < h; y++) {
        const uint8_t *r = m + y * stride;
        long a = 0;
        while (a + 128 <= w && BR_NONE128(r + a))
            a += 128;
        while (a + 32 <= w && BR_NONE32(r + a))
            a += 32;
        if (a + 32 <= w) /* the first wanted byte of these 32 */
            a += __builtin_ctz(BR_WANTED32(r + a));
        else
            while (a < w && !r[a] == !zero)
                a++;
        if (a == w) continue;
        /* r[a] is wanted, and bytes at or left of the rectangle's right edge so far cannot widen it */
        long lim = bx > a ? bx : a, b = w - 1;
        while (b - 127 > lim && BR_NONE128(r + b - 127))
            b -= 128;
        while (b - 31 > lim && BR_NONE32(r + b - 31))
            b -= 32;
        if (b - 31 > lim) { /* the last wanted byte of these 32 */
            b -= __builtin_clz(BR_WANTED32(r + b - 31));
        } else if (b > lim && b >= 31) { /* the last wanted byte right of lim among the 32 ending at b */
            int s = (int)(lim - (b - 31)) + 1; /* bytes 0 .. s − 1 of these 32 are at or left of lim */
            unsigned wm = s >= 32 ? 0u : BR_WANTED32(r + b - 31) >> s << s;
            b = wm ? b - __builtin_clz(wm) : lim;
        } else {
            while (b > lim && !r[b] == !zero)
                b--;
        }
        if (a < ax) ax = a;
        if (b > bx) bx = b;
        if (ay == h) ay = y;
        by = y;
    }
#undef BR_LOAD
#undef BR_NONE128
#undef BR_NONE32
#undef BR_WANTED32
    if (bx < 0) return 0;
    *x0 = ax, *x1 = bx, *y0 = ay, *y1 = by;
    return 1;
}

/* Bounding rectangle of the nonzero bytes of the nx × ny grid m; 0 when none. */
static int nonzero_rect(const uint8_t *m, long nx, long ny, long *x0, long *x1, long *y0, long *y1)
{
    return byte_rect(m, nx, ny, nx, 0, x0, x1, y0, y1);
}

/* ---- stages 1–2: slicing (no SIMD: the work is a search and a few cuts per triangle) ---- */

/* Where lower_layer starts looking: the planes are about evenly spaced (the first layer's aside), so a
 * height's index is nearly (z − zs[0]) / step. */
typedef struct layer_guess {
    float z0, inv; /* zs[0], 1 / the mean spacing (0: one plane) */
    size_t n;
} layer_guess;

static layer_guess layer_guess_of(const float *zs, size_t n)
{
    layer_guess lg = {n ? zs[0] : 0.0f, 0.0f, n};
    if (n >= 2 && zs[n - 1] > zs[0]) lg.inv = (float)(n - 1) / (zs[n - 1] - zs[0]);
    return lg;
}

/* First layer index with zs[l] ≥ z (zs ascending): from the guess, a step at a time to the place where
 * zs[l − 1] < z ≤ zs[l] (a binary search's answer: it took a third of slicing a small-triangle mesh). */
static size_t lower_layer(const float *zs, const layer_guess *lg, float z)
{
    float f = (z - lg->z0) * lg->inv;
    size_t l = !(f > 0.0f) ? 0 : f >= (float)lg->n ? lg->n : (size_t)f;
    while (l > 0 && !(zs[l - 1] < z))
        l--;
    while (l < lg->n && zs[l] < z)
        l++;
    return l;
}

/* The smaller / larger of two finite floats by a comparison: fminf / fmaxf's values (no NaN here), without
 * their library calls (the row tails of edt and reduce called them per cell). */
static inline float minf(float a, float b)
{
    return b < a ? b : a;
}

static inline float maxf(float a, float b)
{
    return b > a ? b : a;
}

/* Smallest and largest of three finite floats by comparisons: the same values as fminf/fmaxf, which are
 * library calls without -ffinite-math-only (slicing a 1 M-triangle mesh spent 3 % of its time in them). */
static inline float min3f(float a, float b, float c)
{
    float m = a < b ? a : b;
    return m < c ? m : c;
}

static inline float max3f(float a, float b, float c)
{
    float m = a > b ? a : b;
    return m > c ? m : c;
}

static pf_err ISA(slice_count)(void *ctx, const float *verts, const uint32_t *tris, size_t ntris,
                               const float *zs, size_t nlayers, uint32_t *counts)
{
    (void)ctx;
    memset(counts, 0, nlayers * sizeof *counts);
    const layer_guess lg = layer_guess_of(zs, nlayers);
    for (size_t t = 0; t < ntris; t++) {
        const uint32_t *ix = tris + 3 * t;
        float z0 = verts[3 * ix[0] + 2], z1 = verts[3 * ix[1] + 2], z2 = verts[3 * ix[2] + 2];
        float lo = min3f(z0, z1, z2), hi = max3f(z0, z1, z2);
        for (size_t l = lower_layer(zs, &lg, lo); l < nlayers && zs[l] < hi; l++)
            counts[l]++;
    }
    return PF_E_OK;
}

static uint64_t edge_key(uint32_t a, uint32_t b)
{
    return a < b ? ((uint64_t)a << 32 | b) : ((uint64_t)b << 32 | a);
}

/* Where the plane at height z cuts edge a–b (the scalar backend's arithmetic). */
static inline void cut(const float *a, const float *b, float z, float p[2])
{
    float tt = (z - a[2]) / (b[2] - a[2]);
    p[0] = a[0] + tt * (b[0] - a[0]);
    p[1] = a[1] + tt * (b[1] - a[1]);
}

static pf_err ISA(slice_emit)(void *ctx, const float *verts, const uint32_t *tris, size_t ntris,
                              const float *zs, size_t nlayers, const uint32_t *offsets, const uint32_t *ends,
                              float *segs, uint64_t *keys)
{
    (void)ctx;
    if (!ends) ends = offsets + 1;
    uint32_t *fill = malloc((nlayers ? nlayers : 1) * sizeof *fill);
    if (!fill) return PF_E_NOMEM;
    memcpy(fill, offsets, nlayers * sizeof *fill);
    const layer_guess lg = layer_guess_of(zs, nlayers);
    /* Same arithmetic as the scalar backend, so the segments are bit-identical: the first two edges (in the
     * order 0–1, 1–2, 2–0) that the plane crosses, each cut the same way. */
    for (size_t t = 0; t < ntris; t++) {
        const uint32_t *ix = tris + 3 * t;
        const float *v[3] = {verts + 3 * ix[0], verts + 3 * ix[1], verts + 3 * ix[2]};
        float lo = min3f(v[0][2], v[1][2], v[2][2]), hi = max3f(v[0][2], v[1][2], v[2][2]);
        size_t l = lower_layer(zs, &lg, lo);
        if (l >= nlayers || !(zs[l] < hi)) continue; /* between two planes (half a fine mesh's triangles) */
        float ux = v[1][0] - v[0][0], uy = v[1][1] - v[0][1], uz = v[1][2] - v[0][2];
        float wx = v[2][0] - v[0][0], wy = v[2][1] - v[0][1], wz = v[2][2] - v[0][2];
        float nx = uy * wz - uz * wy, ny = uz * wx - ux * wz;
        const uint64_t ek[3] = {edge_key(ix[0], ix[1]), edge_key(ix[1], ix[2]), edge_key(ix[2], ix[0])};
        for (; l < nlayers && zs[l] < hi; l++) {
            float z = zs[l], p[2][2];
            uint64_t k[2];
            /* edges 0–1 and 1–2 crossed or not; 2–0 is crossed when exactly one of them is (a closed walk
             * round the triangle crosses the plane an even number of times) */
            int a1 = v[1][2] > z, c0 = (v[0][2] > z) != a1, c1 = a1 != (v[2][2] > z);
            if (c0) { /* branches a tall triangle's layers take alike */
                cut(v[0], v[1], z, p[0]);
                k[0] = ek[0];
                if (c1) {
                    cut(v[1], v[2], z, p[1]);
                    k[1] = ek[1];
                } else {
                    cut(v[2], v[0], z, p[1]);
                    k[1] = ek[2];
                }
            } else if (c1) {
                cut(v[1], v[2], z, p[0]);
                cut(v[2], v[0], z, p[1]);
                k[0] = ek[1], k[1] = ek[2];
            } else {
                continue; /* hole: filled with a zero-length segment below */
            }
            if (fill[l] >= ends[l]) { /* offsets not from slice_count on these inputs */
                free(fill);
                return PF_E_INVAL;
            }
            int swap = ((p[1][0] - p[0][0]) * -ny + (p[1][1] - p[0][1]) * nx) < 0;
            float *s = segs + (size_t)PF_SEG_FLOATS * fill[l];
            uint64_t *kk = keys + 2 * (size_t)fill[l];
            fill[l]++;
            s[0] = p[swap][0], s[1] = p[swap][1], s[2] = p[!swap][0], s[3] = p[!swap][1];
            kk[0] = k[swap], kk[1] = k[!swap];
        }
    }
    for (size_t l = 0; l < nlayers; l++)
        for (uint32_t i = fill[l]; i < ends[l]; i++) {
            memset(segs + (size_t)PF_SEG_FLOATS * i, 0, PF_SEG_FLOATS * sizeof(float));
            keys[2 * (size_t)i] = keys[2 * (size_t)i + 1] = UINT64_MAX;
        }
    free(fill);
    return PF_E_OK;
}

/* ---- stage 3: raster ----
 * Crossings go into a delta grid as in the scalar backend (the same float expressions, so the same cells);
 * only the rows the segments reach are cleared and prefix-summed, 8 cells per step. */

/* Inclusive prefix sum of 8 int32 lanes plus carry (the last lane of the previous block, broadcast). */
static inline simde__m256i prefix8(simde__m256i v, simde__m256i carry)
{
    v = simde_mm256_add_epi32(v, simde_mm256_slli_si256(v, 4));
    v = simde_mm256_add_epi32(v, simde_mm256_slli_si256(v, 8));
    /* the upper 128-bit half also needs the lower half's total */
    simde__m256i lo_total = simde_mm256_permutevar8x32_epi32(v, simde_mm256_set1_epi32(3));
    v = simde_mm256_add_epi32(v, simde_mm256_blend_epi32(simde_mm256_setzero_si256(), lo_total, 0xF0));
    return simde_mm256_add_epi32(v, carry);
}

/* 8 int32 lanes holding bytes (0..255) → 8 bytes at dst. */
static inline void store8(uint8_t *dst, simde__m256i v)
{
    simde__m256i w = simde_mm256_packus_epi16(simde_mm256_packs_epi32(v, v), simde_mm256_setzero_si256());
    uint32_t lo = (uint32_t)simde_mm_cvtsi128_si32(simde_mm256_castsi256_si128(w));
    uint32_t hi = (uint32_t)simde_mm_cvtsi128_si32(simde_mm256_extracti128_si256(w, 1));
    memcpy(dst, &lo, 4);
    memcpy(dst + 4, &hi, 4);
}

/* 4 × 8 lanes of 0 / −1 → 32 bytes of 0 / −1, in lane order. */
static inline simde__m256i pack32(simde__m256i a, simde__m256i b, simde__m256i c, simde__m256i d)
{
    simde__m256i v = simde_mm256_packs_epi16(simde_mm256_packs_epi32(a, b), simde_mm256_packs_epi32(c, d));
    return simde_mm256_permutevar8x32_epi32(v, simde_mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* Each thread's delta grid, kept between calls and all zero between them (the prefix pass clears what it
 * reads), so a raster neither allocates nor clears a grid: a fresh grid cost more in page faults and clearing
 * than the raster itself on large grids. From pf_big_alloc, whose big mappings stay warm when a thread ends
 * and its grid is freed; NULL when the thread has none and none can be made (the caller then allocates). */
typedef struct delta_scratch {
    int32_t *p; /* zeroed cells */
    size_t n;   /* their count */
} delta_scratch;

static pthread_key_t delta_key;
static int delta_key_ok; /* set once by delta_key_init */
static pthread_once_t delta_once = PTHREAD_ONCE_INIT;

static void delta_scratch_free(void *v)
{
    delta_scratch *s = v;
    pf_big_free(s->p, s->n * sizeof *s->p);
    free(s);
}

static void delta_key_init(void)
{
    delta_key_ok = !pthread_key_create(&delta_key, delta_scratch_free);
}

static int32_t *zeroed_delta(size_t n)
{
    if (pthread_once(&delta_once, delta_key_init) || !delta_key_ok) return NULL;
    delta_scratch *s = pthread_getspecific(delta_key);
    if (!s) {
        if (!(s = calloc(1, sizeof *s))) return NULL;
        if (pthread_setspecific(delta_key, s)) {
            free(s);
            return NULL;
        }
    }
    if (s->n < n) {
        int32_t *p = pf_big_alloc(n * sizeof *p);
        if (!p) return NULL;
        memset(p, 0, n * sizeof *p);
        pf_big_free(s->p, s->n * sizeof *s->p);
        s->p = p;
        s->n = n;
    }
    return s->p;
}

/* Crossings per row (on average) up to which raster sorts each row's crossings instead of summing a delta
 * grid across the row. */
#define RASTER_SPAN_MAX 16

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* raster's rows rlo..rhi − 1 from their crossings (ncross in all), each row's sorted by column: a cell's
 * winding is the sum of the winds of the crossings at or left of it, as in the delta grid's prefix sum, so
 * the masks are the same; between two crossing columns it is constant and set with one memset. 0 when out
 * of memory (the caller sums a delta grid instead). */
static int raster_spans(const pf_seg_rows *qs, size_t nq, const pf_grid *g, long rlo, long rhi, size_t ncross,
                        uint8_t *mask)
{
    size_t nx = g->nx, nr = (size_t)(rhi - rlo);
    uint32_t *end = calloc(nr + 1, sizeof *end); /* row r − rlo's crossings end at xs[end[r − rlo]] */
    uint32_t *xs = malloc((ncross ? ncross : 1) * sizeof *xs); /* column << 1 | (wind > 0) */
    if (!end || !xs) {
        free(end);
        free(xs);
        return 0;
    }
    for (size_t i = 0; i < nq; i++) /* counts, then their prefix sums: each row's first slot */
        for (long r = qs[i].r0; r < qs[i].r1; r++)
            end[r - rlo + 1]++;
    for (size_t r = 0; r < nr; r++)
        end[r + 1] += end[r];
    for (size_t i = 0; i < nq; i++) { /* fill: each row's slot moves to its end */
        const pf_seg_rows *q = &qs[i];
        for (long r = q->r0; r < q->r1; r++)
            xs[end[r - rlo]++] = (uint32_t)pf_seg_col(q, r, g->nx) << 1 | (q->wind > 0);
    }
    for (size_t r = 0; r < nr; r++) {
        uint32_t *x = xs + (r ? end[r - 1] : 0);
        size_t n = end[r] - (r ? end[r - 1] : 0);
        if (n > 24) {
            qsort(x, n, sizeof *x, cmp_u32);
        } else {
            for (size_t k = 1; k < n; k++) {
                uint32_t v = x[k];
                size_t j = k;
                for (; j > 0 && x[j - 1] > v; j--)
                    x[j] = x[j - 1];
                x[j] = v;
            }
        }
        uint8_t *m = mask + ((size_t)rlo + r) * nx;
        size_t at = 0; /* cells before `at` are set */
        int32_t wsum = 0;
        for (size_t k = 0; k < n; k++) {
            size_t col = x[k] >> 1;
            if (col > at) {
                memset(m + at, wsum != 0, col - at);
                at = col;
            }
            wsum += x[k] & 1 ? 1 : -1;
        }
        if (at < nx) memset(m + at, wsum != 0, nx - at);
    }
    free(end);
    free(xs);
    return 1;
}

static pf_err ISA(raster)(void *ctx, const float *segs, size_t nsegs, const pf_grid *g, uint8_t *mask)
{
    (void)ctx;
    size_t nx = g->nx, ny = g->ny, w = nx + 1;
    float inv = 1.0f / g->cell;
    /* rows the segments touch, and the crossings of those that cross a row centre (kept for the passes below)
     */
    long rlo = (long)ny, rhi = 0;
    size_t ncross = 0, nq = 0; /* row crossings, segments with some */
    pf_seg_rows *qs = malloc((nsegs ? nsegs : 1) * sizeof *qs);
    if (!qs) return PF_E_NOMEM;
    for (size_t i = 0; i < nsegs; i++) {
        pf_seg_rows *q = &qs[nq];
        if (!pf_seg_rows_of(segs + PF_SEG_FLOATS * i, g, inv, q)) continue;
        nq++;
        if (q->r0 < rlo) rlo = q->r0;
        if (q->r1 > rhi) rhi = q->r1;
        ncross += (size_t)(q->r1 - q->r0);
    }
    if (rlo >= rhi) {
        free(qs);
        memset(mask, 0, nx * ny);
        return PF_E_OK;
    }
    /* rows rlo..rhi − 1 are written whole below; only the others need clearing */
    memset(mask, 0, (size_t)rlo * nx);
    memset(mask + (size_t)rhi * nx, 0, (ny - (size_t)rhi) * nx);
    /* few crossings per row (the usual slice): spans between sorted crossings, set with memset */
    if (ncross <= (size_t)(rhi - rlo) * RASTER_SPAN_MAX && raster_spans(qs, nq, g, rlo, rhi, ncross, mask)) {
        free(qs);
        return PF_E_OK;
    }
    size_t nd = (size_t)(rhi - rlo) * w;
    int32_t *delta = zeroed_delta(nd), *own = NULL;
    if (!delta && !(delta = own = calloc(nd, sizeof *delta))) {
        free(qs);
        return PF_E_NOMEM;
    }
    size_t cmin = nx, cmax = 0; /* columns of the crossings */
    for (size_t i = 0; i < nq; i++) {
        const pf_seg_rows q = qs[i];
        for (long r = q.r0; r < q.r1; r++) {
            size_t col = pf_seg_col(&q, r, g->nx);
            delta[(size_t)(r - rlo) * w + col] += q.wind;
            cmin = col < cmin ? col : cmin;
            cmax = col > cmax ? col : cmax;
        }
    }
    /* Per row: cells left of every crossing are outside, those right of every crossing have the row's total
     * winding (0 for closed contours); only the columns between are summed, 32 per store. */
    const simde__m256i izero = simde_mm256_setzero_si256(), one = simde_mm256_set1_epi32(1),
                       one8 = simde_mm256_set1_epi8(1), last = simde_mm256_set1_epi32(7);
    for (long r = rlo; r < rhi; r++) {
        int32_t *d = delta + (size_t)(r - rlo) * w;
        uint8_t *m = mask + (size_t)r * nx;
        memset(m, 0, cmin);
        simde__m256i carry = izero;
        size_t c = cmin;
        for (; c + 32 <= nx && c <= cmax; c += 32) {
            simde__m256i acc[4];
            for (int k = 0; k < 4; k++) {
                simde__m256i *dk = (simde__m256i *)(void *)(d + c + 8 * k);
                acc[k] = prefix8(simde_mm256_loadu_si256(dk), carry);
                simde_mm256_storeu_si256(dk, izero); /* zeroed for the next call */
                carry = simde_mm256_permutevar8x32_epi32(acc[k], last);
            }
            simde__m256i out =
                pack32(simde_mm256_cmpeq_epi32(acc[0], izero), simde_mm256_cmpeq_epi32(acc[1], izero),
                       simde_mm256_cmpeq_epi32(acc[2], izero), simde_mm256_cmpeq_epi32(acc[3], izero));
            simde_mm256_storeu_si256((simde__m256i *)(void *)(m + c), simde_mm256_andnot_si256(out, one8));
        }
        for (; c + 8 <= nx && c <= cmax; c += 8) {
            simde__m256i acc =
                prefix8(simde_mm256_loadu_si256((const simde__m256i *)(const void *)(d + c)), carry);
            simde_mm256_storeu_si256((simde__m256i *)(void *)(d + c), izero);
            carry = simde_mm256_permutevar8x32_epi32(acc, last);
            store8(m + c, simde_mm256_andnot_si256(simde_mm256_cmpeq_epi32(acc, izero), one));
        }
        int32_t acc = simde_mm_cvtsi128_si32(simde_mm256_castsi256_si128(carry));
        for (; c < nx && c <= cmax; c++) {
            acc += d[c];
            d[c] = 0;
            m[c] = acc != 0;
        }
        if (c < nx) memset(m + c, acc != 0, nx - c);
        d[nx] = 0;
    }
    free(own);
    free(qs);
    return PF_E_OK;
}

/* ---- stage 4: EDT ----
 * The scalar backend runs Felzenszwalb–Huttenlocher along rows, then columns. Every value involved is an
 * integer below 2^24 (squared cell distances), so any exact transform yields the same squared distances and,
 * through the same sqrtf·cell − cell/2, the same floats. Here the first pass runs along columns on the binary
 * mask, which is two vectorizable sweeps over whole rows (8 columns per instruction, cache-friendly); the
 * second pass is FH along rows (contiguous), fused with the final square root. As in the scalar backend only
 * the rectangle around the inside cells plus one ring of outside cells is transformed. */

/* FH lower envelope along one row of squared distances f (NO_SITE = no site) into d; v, z scratch (n + 1). */
static void edt_1d(const float *f, size_t n, float *d, int *v, double *z)
{
    int k = -1;
    for (int q = 0; q < (int)n; q++) {
        if (f[q] >= 1e29f) continue;
        double s = 0;
        while (k >= 0) {
            s = (((double)f[q] + (double)q * q) - ((double)f[v[k]] + (double)v[k] * v[k])) /
                (2.0 * (q - v[k]));
            if (s <= z[k])
                k--;
            else
                break;
        }
        if (k < 0) {
            k = 0;
            v[0] = q;
            z[0] = -1e300;
            z[1] = 1e300;
            continue;
        }
        k++;
        v[k] = q;
        z[k] = s;
        z[k + 1] = 1e300;
    }
    if (k < 0) {
        for (size_t q = 0; q < n; q++)
            d[q] = NO_SITE;
        return;
    }
    k = 0;
    for (int q = 0; q < (int)n; q++) {
        while (z[k + 1] < (double)q)
            k++;
        float dq = (float)(q - v[k]);
        d[q] = dq * dq + f[v[k]];
    }
}

static inline simde__m256 mask8(const uint8_t *m)
{
    simde__m128i mb = simde_mm_loadl_epi64((const simde__m128i *)(const void *)m);
    return simde_mm256_castsi256_ps(
        simde_mm256_cmpgt_epi32(simde_mm256_cvtepu8_epi32(mb), simde_mm256_setzero_si256()));
}

/* Column pass over the rectangle x0..x1 × y0..y1 of the grid: dist gets, for every cell, the distance in
 * cells along its column to the nearest outside cell (NO_SITE-based when there is none): two vectorizable
 * sweeps over whole rows. With up = 0 only the downward one (distance to the nearest outside cell above);
 * the caller then runs the upward one row by row (edt_rows_window). lead: NULL, or the downward sweep's
 * values of row y0 − 1 (w floats). */
static void edt_columns(const uint8_t *mask, long nx, long x0, long x1, long y0, long y1, float *dist, int up,
                        const float *lead)
{
    size_t w = (size_t)(x1 - x0 + 1);
    const simde__m256 one = simde_mm256_set1_ps(1.0f), big = simde_mm256_set1_ps(NO_SITE);
    const simde__m256 zero = simde_mm256_setzero_ps();
    /* down: g = mask ? g(row above) + 1 : 0, starting from "no site" */
    for (long r = y0; r <= y1; r++) {
        const uint8_t *m = mask + r * nx + x0;
        float *d = dist + r * nx + x0;
        const float *up = r > y0 ? d - nx : lead;
        size_t c = 0;
        for (; c + 8 <= w; c += 8) {
            simde__m256 prev = up ? simde_mm256_loadu_ps(up + c) : big;
            simde_mm256_storeu_ps(d + c,
                                  simde_mm256_blendv_ps(zero, simde_mm256_add_ps(prev, one), mask8(m + c)));
        }
        for (; c < w; c++)
            d[c] = m[c] ? (up ? up[c] : NO_SITE) + 1.0f : 0.0f;
    }
    /* up: g = min(g, g(row below) + 1) */
    for (long r = y1 - 1; up && r >= y0; r--) {
        float *d = dist + r * nx + x0, *dn = d + nx;
        size_t c = 0;
        for (; c + 8 <= w; c += 8) {
            simde__m256 x = simde_mm256_loadu_ps(d + c);
            simde_mm256_storeu_ps(
                d + c, simde_mm256_min_ps(x, simde_mm256_add_ps(simde_mm256_loadu_ps(dn + c), one)));
        }
        for (; c < w; c++)
            d[c] = minf(d[c], dn[c] + 1.0f);
    }
}

/* Squared distances in cells → the field's mm (the scalar backend's final step, with its clamp to lim). */
static inline simde__m256 edt_mm(simde__m256 sq, simde__m256 lim, simde__m256 cell, simde__m256 half,
                                 const uint8_t *m)
{
    const simde__m256 big = simde_mm256_set1_ps(NO_SITE), nolim = simde_mm256_set1_ps(1e29f);
    sq = simde_mm256_min_ps(sq, lim);
    simde__m256 nosite = simde_mm256_cmp_ps(sq, nolim, SIMDE_CMP_GE_OQ);
    simde__m256 dd = simde_mm256_sub_ps(simde_mm256_mul_ps(simde_mm256_sqrt_ps(sq), cell), half);
    dd = simde_mm256_blendv_ps(dd, big, nosite);
    return simde_mm256_blendv_ps(simde_mm256_setzero_ps(), dd, mask8(m));
}

static inline float edt_mm1(float sq, float lim, float cell, uint8_t m)
{
    sq = minf(sq, lim);
    return m ? (sq >= 1e29f ? NO_SITE : sqrtf(sq) * cell - 0.5f * cell) : 0.0f;
}

/* Largest cap the windowed row pass takes; beyond it (a profile with many perimeters on a fine grid) the
 * exact row transform and a clamp cost less. */
#define EDT_WINDOW_MAX 24

/* Exact transform: FH lower envelope along each row of the squared column distances, fused with the square
 * root; squared distances over lim are clamped first. */
static pf_err edt_rows_exact(const uint8_t *mask, const pf_grid *g, long x0, long x1, long y0, long y1,
                             float lim, float *dist)
{
    long nx = g->nx;
    size_t w = (size_t)(x1 - x0 + 1);
    float *f = malloc(w * sizeof *f);
    double *z = malloc((w + 1) * sizeof *z);
    int *v = malloc((w + 1) * sizeof *v);
    if (!f || !z || !v) {
        free(f);
        free(z);
        free(v);
        return PF_E_NOMEM;
    }
    const simde__m256 big = simde_mm256_set1_ps(NO_SITE), nolim = simde_mm256_set1_ps(1e29f);
    const simde__m256 cell = simde_mm256_set1_ps(g->cell), half = simde_mm256_set1_ps(0.5f * g->cell),
                      vlim = simde_mm256_set1_ps(lim);
    for (long r = y0; r <= y1; r++) {
        float *d = dist + r * nx + x0;
        const uint8_t *m = mask + r * nx + x0;
        size_t c = 0;
        for (; c + 8 <= w; c += 8) { /* square the column distances */
            simde__m256 x = simde_mm256_loadu_ps(d + c);
            simde__m256 nosite = simde_mm256_cmp_ps(x, nolim, SIMDE_CMP_GE_OQ);
            simde_mm256_storeu_ps(f + c, simde_mm256_blendv_ps(simde_mm256_mul_ps(x, x), big, nosite));
        }
        for (; c < w; c++)
            f[c] = d[c] >= 1e29f ? NO_SITE : d[c] * d[c];
        edt_1d(f, w, d, v, z);
        for (c = 0; c + 8 <= w; c += 8)
            simde_mm256_storeu_ps(d + c, edt_mm(simde_mm256_loadu_ps(d + c), vlim, cell, half, m + c));
        for (; c < w; c++)
            d[c] = edt_mm1(d[c], lim, g->cell, m[c]);
    }
    free(f);
    free(z);
    free(v);
    return PF_E_OK;
}

/* Capped transform: a cell's squared distance is min over |t| ≤ cap of t² + col(x + t)², which is exact
 * whenever the true distance is at most cap (its nearest outside cell is then within cap columns) and over
 * cap² otherwise, so after the clamp it equals the exact transform's. 2·cap + 1 candidates per cell, 8 cells
 * per instruction, no divisions. Column distances are clamped to cap + 1 first, which changes no minimum
 * under the clamp. */
static pf_err edt_rows_window(const uint8_t *mask, const pf_grid *g, long x0, long x1, long y0, long y1,
                              long yend, uint32_t cap, float *dist)
{
    long nx = g->nx, K = (long)cap;
    size_t w = (size_t)(x1 - x0 + 1);
    size_t nb = (w + 7) / 8;                                                  /* 8-cell blocks per row */
    long next = yend > y1 ? (yend < y1 + K + 1 ? yend : y1 + K + 1) - y1 : 0; /* rows beyond y1 to look at */
    float *buf = malloc((w + 2 * (size_t)K + 16) * sizeof *buf);
    float *below = malloc((w + 8) * sizeof *below);   /* column distances of the row below, final */
    uint8_t *near = calloc(nb + 8, 1);                /* per block: some cell within K of an outside cell */
    uint32_t *nsum = malloc((nb + 1) * sizeof *nsum); /* near blocks before block b: nsum[b] */
    float *ext = next ? malloc((size_t)next * w * sizeof *ext) : NULL;
    if (!buf || !below || !near || !nsum || (next && !ext)) {
        free(buf);
        free(below);
        free(near);
        free(nsum);
        free(ext);
        return PF_E_NOMEM;
    }
    if (next) {
        /* Rows y1 + 1 … yend are another part's (edt_owned): the upward sweep starts from the column
         * distances of the next K + 1 of them, swept down from row y1 here. What lies farther reaches row y1
         * at more than K + 1 cells, which the clamp below does not tell from the truth. */
        for (long i = 0; i < next; i++) {
            const uint8_t *m = mask + (y1 + 1 + i) * nx + x0;
            const float *up = i ? ext + (size_t)(i - 1) * w : dist + y1 * nx + x0;
            float *e = ext + (size_t)i * w;
            for (size_t c = 0; c < w; c++)
                e[c] = m[c] ? up[c] + 1.0f : 0.0f;
        }
        memcpy(below, ext + (size_t)(next - 1) * w, w * sizeof *below);
        for (long i = next - 2; i >= 0; i--)
            for (size_t c = 0; c < w; c++)
                below[c] = minf(ext[(size_t)i * w + c], below[c] + 1.0f);
        free(ext);
    }
    /* A block whose window (K columns either side) has no near cell is at the cap throughout: every
     * candidate is at least (K + 1)², so the clamp gives K² without the window's work. */
    long kb = (K + 7) / 8; /* blocks a window reaches on either side */
    float *f = buf + K, lim = (float)K * (float)K, far = (float)(K + 1) * (float)(K + 1);
    for (long t = 0; t < K; t++)
        buf[t] = far;
    for (size_t c = w; c < w + (size_t)K + 16; c++)
        f[c] = far;
    float tt[EDT_WINDOW_MAX + 1];
    for (long t = 0; t <= K; t++)
        tt[t] = (float)(t * t);
    const simde__m256 cell = simde_mm256_set1_ps(g->cell), half = simde_mm256_set1_ps(0.5f * g->cell),
                      vlim = simde_mm256_set1_ps(lim), kc = simde_mm256_set1_ps((float)(K + 1));
    const simde__m256 capd = simde_mm256_sub_ps(simde_mm256_mul_ps(simde_mm256_sqrt_ps(vlim), cell), half);
    const simde__m256 one = simde_mm256_set1_ps(1.0f);
    /* rows bottom up: the column pass's upward sweep (g = min(g, g(row below) + 1)) is done here, a row at a
     * time into `below`, instead of in a pass of its own over the rectangle */
    for (long r = y1; r >= y0; r--) {
        float *d = dist + r * nx + x0;
        const uint8_t *m = mask + r * nx + x0;
        size_t c = 0;
        for (; c + 8 <= w; c += 8) {
            simde__m256 col = simde_mm256_loadu_ps(d + c);
            if (r < y1 || next)
                col = simde_mm256_min_ps(col, simde_mm256_add_ps(simde_mm256_loadu_ps(below + c), one));
            simde_mm256_storeu_ps(below + c, col);
            simde__m256 x = simde_mm256_min_ps(col, kc);
            near[c / 8] = simde_mm256_movemask_ps(simde_mm256_cmp_ps(x, kc, SIMDE_CMP_LT_OQ)) != 0;
            simde_mm256_storeu_ps(f + c, simde_mm256_mul_ps(x, x));
        }
        if (c < w) near[c / 8] = 0;
        for (; c < w; c++) {
            float col = r < y1 || next ? minf(d[c], below[c] + 1.0f) : d[c];
            below[c] = col;
            float x = minf(col, (float)(K + 1));
            f[c] = x * x;
            near[c / 8] |= x < (float)(K + 1);
        }
        nsum[0] = 0;
        for (size_t b = 0; b < nb; b++)
            nsum[b + 1] = nsum[b] + near[b];
        for (c = 0; c < w; c += 8) {
#ifdef PF_SIMD_AVX512
            if (c + 16 <= w) { /* 16 cells: the 8-cell steps below, both halves' windows at once */
                const simde__m512 far16 = simde_mm512_set1_ps(lim);
                simde__mmask16 mk = (simde__mmask16) ~(unsigned)simde_mm_movemask_epi8(
                    simde_mm_cmpeq_epi8(simde_mm_loadu_si128((const simde__m128i *)(const void *)(m + c)),
                                        simde_mm_setzero_si128()));
                if (!mk) {
                    simde_mm512_storeu_ps(d + c, simde_mm512_setzero_ps());
                    c += 8;
                    continue;
                }
                long b = (long)(c / 8), lo = b - kb < 0 ? 0 : b - kb,
                     hi = b + 1 + kb >= (long)nb ? (long)nb - 1 : b + 1 + kb;
                if (nsum[hi + 1] == nsum[lo]) { /* no near block within reach: edt_mm of the cap */
                    simde__m512 cap16 = simde_mm512_sub_ps(
                        simde_mm512_mul_ps(simde_mm512_sqrt_ps(far16), simde_mm512_set1_ps(g->cell)),
                        simde_mm512_set1_ps(0.5f * g->cell));
                    simde_mm512_storeu_ps(d + c, simde_mm512_maskz_mov_ps(mk, cap16));
                    c += 8;
                    continue;
                }
                simde__m512 acc;
                {
                    acc = simde_mm512_loadu_ps(f + c);
                    for (long t = 1; t <= K; t++) {
                        simde__m512 lr = simde_mm512_min_ps(simde_mm512_loadu_ps(f + c - t),
                                                            simde_mm512_loadu_ps(f + c + t));
                        acc = simde_mm512_min_ps(acc, simde_mm512_add_ps(lr, simde_mm512_set1_ps(tt[t])));
                        /* the candidates beyond t are ≥ (t + 1)²: none lowers a lane already at or under it
                         */
                        if (!(t & 3) && t < K &&
                            !simde_mm512_cmp_ps_mask(acc, simde_mm512_set1_ps(tt[t + 1]), SIMDE_CMP_GT_OQ))
                            break;
                    }
                }
                /* edt_mm: the clamp, "no site", the square root to mm, 0 outside */
                simde__m512 sq = simde_mm512_min_ps(acc, far16);
                simde__m512 dd = simde_mm512_sub_ps(
                    simde_mm512_mul_ps(simde_mm512_sqrt_ps(sq), simde_mm512_set1_ps(g->cell)),
                    simde_mm512_set1_ps(0.5f * g->cell));
                dd = simde_mm512_mask_mov_ps(
                    dd, simde_mm512_cmp_ps_mask(sq, simde_mm512_set1_ps(1e29f), SIMDE_CMP_GE_OQ),
                    simde_mm512_set1_ps(NO_SITE));
                simde_mm512_storeu_ps(d + c, simde_mm512_maskz_mov_ps(mk, dd));
                c += 8;
                continue;
            }
#endif
            size_t nc = w - c < 8 ? w - c : 8;
            uint64_t any = 0;
            if (nc == 8) /* a fixed size: no library call */
                memcpy(&any, m + c, 8);
            else
                memcpy(&any, m + c, nc);
            if (!any) { /* all outside: 0 */
                if (nc == 8)
                    simde_mm256_storeu_ps(d + c, simde_mm256_setzero_ps());
                else
                    memset(d + c, 0, nc * sizeof *d);
                continue;
            }
            long b = (long)(c / 8), lo = b - kb < 0 ? 0 : b - kb,
                 hi = b + kb >= (long)nb ? (long)nb - 1 : b + kb;
            int close = nsum[hi + 1] > nsum[lo]; /* a near block within the window's reach */
            simde__m256 acc;
            if (!close) {
                if (nc == 8) { /* edt_mm of the cap, without its square root */
                    simde_mm256_storeu_ps(
                        d + c, simde_mm256_blendv_ps(simde_mm256_setzero_ps(), capd, mask8(m + c)));
                    continue;
                }
                acc = vlim;
            } else {
                acc = simde_mm256_loadu_ps(f + c);
                for (long t = 1; t <= K; t++) {
                    simde__m256 lr =
                        simde_mm256_min_ps(simde_mm256_loadu_ps(f + c - t), simde_mm256_loadu_ps(f + c + t));
                    acc = simde_mm256_min_ps(acc, simde_mm256_add_ps(lr, simde_mm256_set1_ps(tt[t])));
                    if (!(t & 3) && t < K && /* as above: the rest are ≥ (t + 1)² */
                        !simde_mm256_movemask_ps(
                            simde_mm256_cmp_ps(acc, simde_mm256_set1_ps(tt[t + 1]), SIMDE_CMP_GT_OQ)))
                        break;
                }
            }
            if (nc == 8) {
                simde_mm256_storeu_ps(d + c, edt_mm(acc, vlim, cell, half, m + c));
            } else {
                float sq[8];
                simde_mm256_storeu_ps(sq, acc);
                for (size_t k = 0; k < nc; k++)
                    d[c + k] = edt_mm1(sq[k], lim, g->cell, m[c + k]);
            }
        }
    }
    free(buf);
    free(below);
    free(near);
    free(nsum);
    return PF_E_OK;
}

/* The field value of a cell at the cap (cells beyond it): edt's sqrt(cap²)·cell − cell/2, by the same
 * vector operations as edt_mm. */
static simde__m256 cap_value(uint32_t cap, float cell)
{
    float lim = (float)cap * (float)cap;
    return simde_mm256_sub_ps(
        simde_mm256_mul_ps(simde_mm256_sqrt_ps(simde_mm256_set1_ps(lim)), simde_mm256_set1_ps(cell)),
        simde_mm256_set1_ps(0.5f * cell));
}

/* n cells of a field at d: cap where the mask is nonzero, else 0 (edt's values for cells with no outside cell
 * within the cap). */
static void fill_cap(const uint8_t *m, float *d, size_t n, simde__m256 cap)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        simde_mm256_storeu_ps(d + i, simde_mm256_blendv_ps(simde_mm256_setzero_ps(), cap, mask8(m + i)));
    for (; i < n; i++)
        d[i] = m[i] ? simde_mm256_cvtss_f32(cap) : 0.0f;
}

/* edt's field in the rows part `part` of `parts` owns: the transformed rectangle's rows cut into equal runs
 * (the grid's rows above and below it going to the first and the last part), so the parts together write
 * what edt writes, each only its own rows, and can run at once. A part reads the mask up to K + 1 rows
 * beyond its own (the column distances that reach its rows under the cap); the values are edt's bit for bit
 * (the windowed pass clamps every column distance to K + 1 first, and those that differ are over it). The
 * exact transform (no cap, or one over EDT_WINDOW_MAX) is not cut: part 0 does it all. */
static pf_err edt_owned(const uint8_t *mask, const pf_grid *g, uint32_t cap, float *dist, unsigned part,
                        unsigned parts)
{
    long nx = g->nx, ny = g->ny, x0, x1, y0, y1;
    int window = cap && cap <= EDT_WINDOW_MAX;
    if (!window && part) return PF_E_OK;
    if (!window) parts = 1;
    /* The region transformed: the grid, or with a cap and a mask whose zeros are few (a margin's seeds: its
     * corner is not an outside cell), the rectangle of its zeros grown by cap + 1 cells; the cells beyond
     * are farther than the cap from every zero, so they get the cap (they are all nonzero). */
    long rx0 = 0, rx1 = nx - 1, ry0 = 0, ry1 = ny - 1;
    int region = cap && mask[0] && byte_rect(mask, nx, ny, nx, 1, &x0, &x1, &y0, &y1);
    if (region) {
        long e = (long)cap + 1;
        rx0 = x0 - e > 0 ? x0 - e : 0;
        ry0 = y0 - e > 0 ? y0 - e : 0;
        rx1 = x1 + e < nx - 1 ? x1 + e : nx - 1;
        ry1 = y1 + e < ny - 1 ? y1 + e : ny - 1;
    }
    size_t rw = (size_t)(rx1 - rx0 + 1);
    int any = byte_rect(mask + ry0 * nx + rx0, rx1 - rx0 + 1, ry1 - ry0 + 1, nx, 0, &x0, &x1, &y0, &y1);
    if (any) {
        x0 += rx0, x1 += rx0, y0 += ry0, y1 += ry0;
        if (x0 > rx0) x0--;
        if (y0 > ry0) y0--;
        if (x1 < rx1) x1++;
        if (y1 < ry1) y1++;
    } else {
        y0 = ry0, y1 = ry1;
    }
    /* this part's rows: oy0 … oy1 − 1 of the grid, ya … yb of the rectangle */
    long h = y1 - y0 + 1, ya = y0 + h * (long)part / (long)parts,
         yb = y0 + h * (long)(part + 1) / (long)parts - 1;
    long oy0 = part ? ya : 0, oy1 = part + 1 < parts ? yb + 1 : ny;
    if (region) {
        simde__m256 cv = cap_value(cap, g->cell);
        for (long r = oy0; r < oy1; r++) {
            size_t o = (size_t)r * (size_t)nx;
            if (r < ry0 || r > ry1) {
                fill_cap(mask + o, dist + o, (size_t)nx, cv);
            } else {
                fill_cap(mask + o, dist + o, (size_t)rx0, cv);
                fill_cap(mask + o + rx1 + 1, dist + o + rx1 + 1, (size_t)(nx - 1 - rx1), cv);
            }
        }
    }
    /* the passes below write every cell of the rectangle; the region's cells around it are outside: 0 */
    for (long r = oy0 > ry0 ? oy0 : ry0; r < oy1 && r <= ry1; r++) {
        float *d = dist + (size_t)r * (size_t)nx;
        if (!any || r < y0 || r > y1) {
            memset(d + rx0, 0, rw * sizeof *dist);
        } else {
            memset(d + rx0, 0, (size_t)(x0 - rx0) * sizeof *dist);
            memset(d + x1 + 1, 0, (size_t)(rx1 - x1) * sizeof *dist);
        }
    }
    if (!any || ya > yb) return PF_E_OK;
    if (!window) {
        edt_columns(mask, nx, x0, x1, y0, y1, dist, 1, NULL);
        return edt_rows_exact(mask, g, x0, x1, y0, y1, cap ? (float)cap * (float)cap : 1e30f, dist);
    }
    float *lead = NULL;
    if (ya > y0) { /* the downward sweep into row ya from K + 1 rows above (see edt_rows_window) */
        size_t w = (size_t)(x1 - x0 + 1);
        if (!(lead = malloc(w * sizeof *lead))) return PF_E_NOMEM;
        for (size_t c = 0; c < w; c++)
            lead[c] = NO_SITE;
        for (long r = ya - (long)cap - 1 > y0 ? ya - (long)cap - 1 : y0; r < ya; r++) {
            const uint8_t *m = mask + r * nx + x0;
            for (size_t c = 0; c < w; c++)
                lead[c] = m[c] ? lead[c] + 1.0f : 0.0f;
        }
    }
    edt_columns(mask, nx, x0, x1, ya, yb, dist, 0, lead);
    free(lead);
    return edt_rows_window(mask, g, x0, x1, ya, yb, y1, cap, dist);
}

static pf_err ISA(edt)(void *ctx, const uint8_t *mask, const pf_grid *g, uint32_t cap, float *dist)
{
    (void)ctx;
    return edt_owned(mask, g, cap, dist, 0, 1);
}

static pf_err ISA(edt_part)(void *ctx, const uint8_t *mask, const pf_grid *g, uint32_t cap, float *dist,
                            unsigned part, unsigned parts)
{
    (void)ctx;
    return edt_owned(mask, g, cap, dist, part, parts);
}

/* ---- stage 5: margin seeds and classify (8 cells per instruction) ---- */

static inline float dk(const float *const dist[7], int k, size_t i)
{
    return dist[k] ? dist[k][i] : -1.0f;
}

/* The sparse-width probe of the scalar backend's wide_enough, with its constants computed once: cell i is in
 * a wide enough fill region when d ≥ need there or at ±k cells along an axis or ±kd along a diagonal. */
typedef struct wide_probe {
    float need;
    long k, kd;
} wide_probe;

static wide_probe wide_probe_of(const pf_classify_params *p, const pf_grid *g)
{
    /* the scalar backend's expressions, operation by operation */
    /* need: half a cell beyond the transition, so a wall whose width the raster knows only to a cell is a
     * middle (PF_FILL_MIDDLE) that the driver decides exactly (engine/layer_geom.h) */
    float r = 0.5f * p->sparse_min_width, need = p->fill_lo + r + 0.5f * g->cell;
    r += g->cell;
    return (wide_probe){need, (long)ceilf(r / g->cell), (long)ceilf(r / g->cell * 0.70710678f)};
}

static int wide_cell(const float *d, long nx, long ny, long x, long y, const wide_probe *w)
{
    if (d[y * nx + x] >= w->need) return 1;
    static const int dx[8] = {1, -1, 0, 0, 1, 1, -1, -1}, dy[8] = {0, 0, 1, -1, 1, -1, 1, -1};
    for (int q = 0; q < 8; q++) {
        long s = q < 4 ? w->k : w->kd, xx = x + dx[q] * s, yy = y + dy[q] * s;
        if (xx < 0 || yy < 0 || xx >= nx || yy >= ny) continue;
        if (d[yy * nx + xx] >= w->need) return 1;
    }
    return 0;
}

/* wide_cell on the 8 cells x … x + 7 of row y near the grid's border: a probe outside the grid's rows is
 * skipped, and one outside its columns is masked off in the lanes it leaves the row in (the load then reads
 * a neighbouring row). 0 when a load would leave the field (a corner; the caller probes cell by cell). */
static int probe_edge(const float *d, long nx, long ny, long x, long y, const wide_probe *w, simde__m256 need,
                      simde__m256i *wide)
{
    static const int dx[8] = {1, -1, 0, 0, 1, 1, -1, -1}, dy[8] = {0, 0, 1, -1, 1, -1, 1, -1};
    const simde__m256i xv = simde_mm256_add_epi32(simde_mm256_set1_epi32((int32_t)x),
                                                  simde_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const simde__m256i lo = simde_mm256_set1_epi32(-1), hi = simde_mm256_set1_epi32((int32_t)nx);
    simde__m256i acc = simde_mm256_setzero_si256();
    for (int q = 0; q < 8; q++) {
        long s = q < 4 ? w->k : w->kd, xx = x + dx[q] * s, yy = y + dy[q] * s;
        if (yy < 0 || yy >= ny) continue;
        long a = yy * nx + xx;
        if (a < 0 || a + 8 > nx * ny) return 0;
        simde__m256i v =
            simde_mm256_castps_si256(simde_mm256_cmp_ps(simde_mm256_loadu_ps(d + a), need, SIMDE_CMP_GE_OQ));
        simde__m256i xs = simde_mm256_add_epi32(xv, simde_mm256_set1_epi32((int32_t)(dx[q] * s)));
        v = simde_mm256_and_si256(
            v, simde_mm256_and_si256(simde_mm256_cmpgt_epi32(xs, lo), simde_mm256_cmpgt_epi32(hi, xs)));
        acc = simde_mm256_or_si256(acc, v);
    }
    *wide = acc;
    return 1;
}

/* Scalar twin for row tails and grid borders, identical to the reference backend's per-cell logic. */
static uint8_t classify_cell(const pf_classify_params *p, const pf_grid *g, const wide_probe *wp,
                             size_t layer, const float *const dist[7], const float *mt, const float *mb,
                             const uint8_t *below, long x, long y)
{
    size_t i = (size_t)y * g->nx + (size_t)x;
    float d = dist[3][i], half = 0.5f * g->cell;
    if (d <= 0.0f) return 0;
    unsigned c = PF_CELL_INSIDE, fill = PF_FILL_NONE;
    if (layer == 0) {
        float e = d - p->l0_shift;
        if (e > p->ext_lo && e <= p->l0_ext_hi)
            c |= PF_CELL_WALL_EXT;
        else if (e > p->l0_ext_hi && e <= p->l0_int_hi)
            c |= PF_CELL_WALL_INT;
        if (e + half > p->l0_fill_lo) fill = PF_FILL_FIRST;
    } else {
        if (d > p->ext_lo && d <= p->ext_hi)
            c |= PF_CELL_WALL_EXT;
        else if (d > p->ext_hi && d <= p->int_hi)
            c |= PF_CELL_WALL_INT;
        if (d + half > p->fill_print_lo) {
            int top = dk(dist, 4, i) <= 0.0f || (mt && mt[i] <= p->margin);
            int bot = dk(dist, 2, i) <= 0.0f || (mb && mb[i] <= p->margin);
            if ((top || bot) && !wide_cell(dist[3], g->nx, g->ny, x, y, wp)) {
                fill = PF_FILL_MIDDLE;
                c |= PF_CELL_SHELL;
            } else if (bot) {
                fill = PF_FILL_BRIDGE;
            } else if (top) {
                fill = PF_FILL_TOP;
            } else {
                int solid = 0, ambig = 0;
                pf_shell_far(p, d, dk(dist, 0, i), &solid, &ambig);
                pf_shell_far(p, d, dk(dist, 6, i), &solid, &ambig);
                for (int k = 1; k <= 5; k++)
                    if (k != 3) pf_shell_band(p, d, dk(dist, k, i), (long)layer - 3 + k, &solid, &ambig);
                if (ambig && !solid) c |= PF_CELL_AMBIG;
                if (!wide_cell(dist[3], g->nx, g->ny, x, y, wp)) {
                    fill = PF_FILL_MIDDLE; /* a wall's middle: beads or a strip (pf_middles_resolve) */
                    if (solid) c |= PF_CELL_SHELL;
                } else if (!solid)
                    fill = PF_FILL_SPARSE;
                else if (below && ((below[i] & PF_CELL_FILL_MASK) >> PF_CELL_FILL_SHIFT) == PF_FILL_SPARSE)
                    fill = PF_FILL_IBRIDGE;
                else
                    fill = PF_FILL_SOLID;
            }
        }
    }
    return (uint8_t)(c | fill << PF_CELL_FILL_SHIFT);
}

#define V_LOAD(k, i) ((dist[k]) ? simde_mm256_loadu_ps(dist[k] + (i)) : simde_mm256_set1_ps(-1.0f))
#define V_CMP(a, b, op) simde_mm256_castps_si256(simde_mm256_cmp_ps((a), (b), (op)))

/* pf_shell_far in lanes: the shell of the top (bottom) surface of the layer two away, where the layer three
 * away has dj < far and this one's d recedes by recede (fill_lo) at least; within ambig_w of it, ambiguous.
 */
static inline void far3(simde__m256 d, simde__m256 dj, simde__m256 far, simde__m256 recede,
                        simde__m256 ambig_w, simde__m256i *solid, simde__m256i *ambig)
{
    const simde__m256 absmask = simde_mm256_castsi256_ps(simde_mm256_set1_epi32(0x7fffffff));
    simde__m256 e = simde_mm256_sub_ps(d, dj);
    simde__m256i band = V_CMP(dj, far, SIMDE_CMP_LT_OQ);
    simde__m256i amb = simde_mm256_and_si256(
        band, simde_mm256_and_si256(V_CMP(dj, simde_mm256_setzero_ps(), SIMDE_CMP_GT_OQ),
                                    V_CMP(simde_mm256_and_ps(simde_mm256_sub_ps(e, recede), absmask), ambig_w,
                                          SIMDE_CMP_LT_OQ)));
    *solid = simde_mm256_or_si256(
        *solid,
        simde_mm256_andnot_si256(amb, simde_mm256_and_si256(band, V_CMP(e, recede, SIMDE_CMP_GE_OQ))));
    *ambig = simde_mm256_or_si256(*ambig, amb);
}

/* Where classify's blocks of `lanes` cells (a power of two) go along row y: [*x, *xe), the whole row, or with
 * span the blocks that hold the span's cells, the row's classes before them set to 0. 0: the span is empty,
 * the row all 0. */
static int row_blocks(const int32_t *span, long y, long nx, long lanes, uint8_t *out, long *x, long *xe)
{
    *x = 0, *xe = nx;
    if (!span) return 1;
    if (span[2 * y] >= span[2 * y + 1]) {
        memset(out + y * nx, 0, (size_t)nx);
        return 0;
    }
    *x = span[2 * y] & ~(lanes - 1), *xe = span[2 * y + 1];
    memset(out + y * nx, 0, (size_t)*x);
    return 1;
}

/* n deep cells' classes (classify_rows: deep_cls), those over sparse infill in below (when not NULL) internal
 * bridges. */
static void deep_cells(uint8_t *out, const uint8_t *below, int n, unsigned deep_cls)
{
    for (int k = 0; k < n; k++)
        out[k] =
            (uint8_t)(below && ((below[k] & PF_CELL_FILL_MASK) >> PF_CELL_FILL_SHIFT) == PF_FILL_SPARSE
                          ? (deep_cls & ~(unsigned)PF_CELL_FILL_MASK) | PF_FILL_IBRIDGE << PF_CELL_FILL_SHIFT
                          : deep_cls);
}

/* classify, over the spans of span when not NULL (classify_span) */
static void classify_rows(const pf_grid *g, const pf_classify_params *p, size_t layer,
                          const float *const dist[7], const float *mt, const float *mb, const uint8_t *below,
                          const int32_t *span, uint8_t *out)
{
    long nx = g->nx, ny = g->ny;
    const float *d3 = dist[3];
    const simde__m256 zero = simde_mm256_setzero_ps();
    const simde__m256i izero = simde_mm256_setzero_si256(), ones = simde_mm256_set1_epi32(-1);
    const simde__m256i inside = simde_mm256_set1_epi32(PF_CELL_INSIDE);
    const simde__m256i ext = simde_mm256_set1_epi32(PF_CELL_WALL_EXT),
                       inn = simde_mm256_set1_epi32(PF_CELL_WALL_INT);
    int l0 = layer == 0;
    const simde__m256 shift = simde_mm256_set1_ps(l0 ? p->l0_shift : 0.0f);
    const simde__m256 ext_lo = simde_mm256_set1_ps(p->ext_lo);
    const simde__m256 ext_hi = simde_mm256_set1_ps(l0 ? p->l0_ext_hi : p->ext_hi);
    const simde__m256 int_hi = simde_mm256_set1_ps(l0 ? p->l0_int_hi : p->int_hi);
    const simde__m256 fill_at = simde_mm256_set1_ps(l0 ? p->l0_fill_lo : p->fill_print_lo);
    const simde__m256 shell_lo = simde_mm256_set1_ps(p->shell_lo), margin = simde_mm256_set1_ps(p->margin);
    const simde__m256 half = simde_mm256_set1_ps(0.5f * g->cell),
                      shell = simde_mm256_set1_ps(p->shell_min_width);
    const simde__m256 far = simde_mm256_set1_ps(p->shell_far), recede = simde_mm256_set1_ps(p->fill_lo);
    const wide_probe wp = wide_probe_of(p, g);
    const simde__m256 need = simde_mm256_set1_ps(wp.need);
    const long off[8] = {wp.k,
                         -wp.k,
                         wp.k * nx,
                         -wp.k * nx,
                         wp.kd + wp.kd * nx,
                         wp.kd - wp.kd * nx,
                         -wp.kd + wp.kd * nx,
                         -wp.kd - wp.kd * nx};
    /* a layer index 0 among layer − 2 … layer + 2 makes every fill cell solid (scalar: j == 0) */
    int solid_all = 0;
    for (int k = 1; k <= 5; k++)
        if (k != 3 && (long)layer - 3 + k == 0) solid_all = 1;
    const simde__m256i f_top = simde_mm256_set1_epi32(PF_FILL_TOP << PF_CELL_FILL_SHIFT);
    const simde__m256i f_bridge = simde_mm256_set1_epi32(PF_FILL_BRIDGE << PF_CELL_FILL_SHIFT);
    const simde__m256i f_sparse = simde_mm256_set1_epi32(PF_FILL_SPARSE << PF_CELL_FILL_SHIFT);
    const simde__m256i f_ibridge = simde_mm256_set1_epi32(PF_FILL_IBRIDGE << PF_CELL_FILL_SHIFT);
    const simde__m256i f_solid = simde_mm256_set1_epi32(PF_FILL_SOLID << PF_CELL_FILL_SHIFT);
    const simde__m256i f_first = simde_mm256_set1_epi32(PF_FILL_FIRST << PF_CELL_FILL_SHIFT);
    const simde__m256i f_middle = simde_mm256_set1_epi32(PF_FILL_MIDDLE << PF_CELL_FILL_SHIFT),
                       shell_bit = simde_mm256_set1_epi32(PF_CELL_SHELL),
                       ambig_bit = simde_mm256_set1_epi32(PF_CELL_AMBIG);
    const simde__m256 ambig_w = simde_mm256_set1_ps(p->shell_ambig),
                      absmask = simde_mm256_castsi256_ps(simde_mm256_set1_epi32(0x7fffffff));
    const simde__m256i fmask = simde_mm256_set1_epi32(PF_CELL_FILL_MASK);
    /* Deep blocks: 8 cells at the cap in this layer's field and in every other field their class reads, and
     * beyond the margin of any top / bottom seed that could change it, get the class of such a cell: computed
     * once below by the general path's comparisons on the cap distance (a missing layer reads −1, as in
     * V_LOAD), so their neighbours need not be probed either (when that class depends on the probe there is
     * no shortcut). Fields the driver shares between layers (equal masks) are compared once. */
    simde__m256 capv = cap_value(pf_edt_cap_main(p, g->cell), g->cell);
    float cd = simde_mm256_cvtss_f32(capv), dj[7];
    for (int k = 0; k < 7; k++)
        dj[k] = dist[k] ? cd : -1.0f;
    int deep_ok = cd > 0.0f, use[7] = {0}, use_mt = 0, use_mb = 0, deep_below = 0;
    float e0 = l0 ? cd - p->l0_shift : cd, ehi = l0 ? p->l0_ext_hi : p->ext_hi,
          ihi = l0 ? p->l0_int_hi : p->int_hi;
    unsigned deep_cls = PF_CELL_INSIDE | (e0 > p->ext_lo && e0 <= ehi ? PF_CELL_WALL_EXT
                                          : e0 > ehi && e0 <= ihi     ? PF_CELL_WALL_INT
                                                                      : 0u);
    unsigned deep_fill = PF_FILL_NONE;
    if (e0 + 0.5f * g->cell > (l0 ? p->l0_fill_lo : p->fill_print_lo)) {
        if (l0) {
            deep_fill = PF_FILL_FIRST;
        } else if (dj[2] <= 0.0f) {
            deep_fill = PF_FILL_BRIDGE;
            deep_ok &= cd >= wp.need; /* else a wall's middle, by the probe */
        } else {
            use[2] = 1;
            use_mb = mb != NULL;
            if (dj[4] <= 0.0f) {
                deep_fill = PF_FILL_TOP;
                deep_ok &= cd >= wp.need;
            } else {
                use[0] = use[1] = use[4] = use[5] = use[6] = 1;
                use_mt = mt != NULL;
                int solid = solid_all || (dj[0] < p->shell_far && cd - dj[0] >= p->fill_lo) ||
                            (dj[6] < p->shell_far && cd - dj[6] >= p->fill_lo);
                for (int k = 1; k <= 5; k++)
                    if (k != 3) solid |= dj[k] < p->shell_lo && cd - dj[k] >= p->shell_min_width;
                if (solid && cd >= wp.need) {
                    deep_fill = PF_FILL_SOLID;
                    deep_below = below != NULL; /* over sparse infill: an internal bridge */
                } else if (!solid && cd >= wp.need) {
                    deep_fill = PF_FILL_SPARSE;
                } else {
                    deep_ok = 0; /* the class depends on the probe */
                }
            }
        }
    }
    deep_cls |= deep_fill << PF_CELL_FILL_SHIFT;
    const float *uniq[6]; /* the fields to compare other than dist[3], each once */
    int nu = 0;
    for (int k = 0; k < 7; k++) {
        if (!use[k] || !dist[k] || dist[k] == d3) continue;
        int seen = 0;
        for (int u = 0; u < nu; u++)
            seen |= uniq[u] == dist[k];
        if (!seen) uniq[nu++] = dist[k];
    }
    const float *dmt = use_mt ? mt : NULL, *dmb = use_mb ? mb : NULL;
    const uint64_t deep8 = (uint64_t)deep_cls * 0x0101010101010101ull;
#ifdef PF_SIMD_AVX512
    if (nx >= 16) { /* 16 cells a step: the 8-lane loop below, lane masks in mask registers */
        const simde__m512 z16 = simde_mm512_setzero_ps(), cap16 = simde_mm512_set1_ps(cd),
                          shift16 = simde_mm512_set1_ps(l0 ? p->l0_shift : 0.0f),
                          ext_lo16 = simde_mm512_set1_ps(p->ext_lo),
                          ext_hi16 = simde_mm512_set1_ps(l0 ? p->l0_ext_hi : p->ext_hi),
                          int_hi16 = simde_mm512_set1_ps(l0 ? p->l0_int_hi : p->int_hi),
                          fill_at16 = simde_mm512_set1_ps(l0 ? p->l0_fill_lo : p->fill_print_lo),
                          shell_lo16 = simde_mm512_set1_ps(p->shell_lo),
                          margin16 = simde_mm512_set1_ps(p->margin),
                          half16 = simde_mm512_set1_ps(0.5f * g->cell),
                          shell16 = simde_mm512_set1_ps(p->shell_min_width),
                          far16 = simde_mm512_set1_ps(p->shell_far),
                          recede16 = simde_mm512_set1_ps(p->fill_lo), need16 = simde_mm512_set1_ps(wp.need),
                          ambig_w16 = simde_mm512_set1_ps(p->shell_ambig),
                          absent = simde_mm512_set1_ps(-1.0f);
        /* the classes of 16 cells in the bytes of 128 bits */
#define B16(v) simde_mm_set1_epi8((char)(v))
        const simde__m128i inside16 = B16(PF_CELL_INSIDE), ext16 = B16(PF_CELL_WALL_EXT),
                           inn16 = B16(PF_CELL_WALL_INT), f_top16 = B16(PF_FILL_TOP << PF_CELL_FILL_SHIFT),
                           f_bridge16 = B16(PF_FILL_BRIDGE << PF_CELL_FILL_SHIFT),
                           f_sparse16 = B16(PF_FILL_SPARSE << PF_CELL_FILL_SHIFT),
                           f_ibridge16 = B16(PF_FILL_IBRIDGE << PF_CELL_FILL_SHIFT),
                           f_solid16 = B16(PF_FILL_SOLID << PF_CELL_FILL_SHIFT),
                           f_first16 = B16(PF_FILL_FIRST << PF_CELL_FILL_SHIFT),
                           f_middle16 = B16(PF_FILL_MIDDLE << PF_CELL_FILL_SHIFT),
                           shell_bit16 = B16(PF_CELL_SHELL), ambig_bit16 = B16(PF_CELL_AMBIG),
                           fmask16 = B16(PF_CELL_FILL_MASK);
#undef B16
        const simde__mmask16 ALL = 0xFFFF;
#define L16(k, i) ((dist[k]) ? simde_mm512_loadu_ps(dist[k] + (i)) : absent)
#define M16(a, b, op) simde_mm512_cmp_ps_mask((a), (b), (op))
#define ABS16(v)                                                                                             \
    simde_mm512_castsi512_ps(                                                                                \
        simde_mm512_and_si512(simde_mm512_castps_si512(v), simde_mm512_set1_epi32(0x7fffffff)))
        /* deep: 16 cells at the cap in every field their class reads, beyond any seed's margin */
#define DEEP16(j, ok)                                                                                        \
    do {                                                                                                     \
        for (int u = 0; u < nu && (ok); u++)                                                                 \
            (ok) &= M16(simde_mm512_loadu_ps(uniq[u] + (j)), cap16, SIMDE_CMP_EQ_OQ);                        \
        if (dmt) (ok) &= M16(simde_mm512_loadu_ps(dmt + (j)), margin16, SIMDE_CMP_GT_OQ);                    \
        if (dmb) (ok) &= M16(simde_mm512_loadu_ps(dmb + (j)), margin16, SIMDE_CMP_GT_OQ);                    \
    } while (0)
        for (long y = 0; y < ny; y++) {
            long x, xe;
            if (!row_blocks(span, y, nx, 16, out, &x, &xe)) continue;
            int row_safe = y >= wp.k && y + wp.k < ny;
            for (; x < xe; x += 16) {
                if (x + 16 > nx) x = nx - 16;
                size_t i = (size_t)(y * nx + x);
                if (!(x & 31) && x + 32 <= nx) { /* 32 cells outside, or deep, at once */
                    simde__m512 a = simde_mm512_loadu_ps(d3 + i), b = simde_mm512_loadu_ps(d3 + i + 16);
                    simde__mmask16 inq = M16(a, z16, SIMDE_CMP_GT_OQ) | M16(b, z16, SIMDE_CMP_GT_OQ);
                    if (!inq) {
                        memset(out + i, 0, 32);
                        x += 16;
                        continue;
                    }
                    if (deep_ok && !deep_below &&
                        (M16(a, cap16, SIMDE_CMP_EQ_OQ) & M16(b, cap16, SIMDE_CMP_EQ_OQ)) == ALL) {
                        simde__mmask16 ok = ALL;
                        DEEP16(i, ok);
                        DEEP16(i + 16, ok);
                        if (ok == ALL) {
                            memset(out + i, (int)deep_cls, 32);
                            x += 16;
                            continue;
                        }
                    }
                }
                simde__m512 d = simde_mm512_loadu_ps(d3 + i);
                simde__mmask16 in = M16(d, z16, SIMDE_CMP_GT_OQ);
                if (!in) {
                    memset(out + i, 0, 16);
                    continue;
                }
                if (in == ALL && deep_ok && M16(d, cap16, SIMDE_CMP_EQ_OQ) == ALL) {
                    simde__mmask16 ok = ALL;
                    DEEP16(i, ok);
                    if (ok == ALL) {
                        deep_cells(out + i, deep_below ? below + i : NULL, 16, deep_cls);
                        continue;
                    }
                }
                simde__m512 e = l0 ? simde_mm512_sub_ps(d, shift16) : d;
                simde__mmask16 is_ext = M16(e, ext_lo16, SIMDE_CMP_GT_OQ) & M16(e, ext_hi16, SIMDE_CMP_LE_OQ);
                simde__mmask16 is_int =
                    ~is_ext & M16(e, ext_hi16, SIMDE_CMP_GT_OQ) & M16(e, int_hi16, SIMDE_CMP_LE_OQ);
                simde__m128i c =
                    simde_mm_or_si128(inside16, simde_mm_or_si128(simde_mm_maskz_mov_epi8(is_ext, ext16),
                                                                  simde_mm_maskz_mov_epi8(is_int, inn16)));
                simde__mmask16 has_fill = M16(simde_mm512_add_ps(e, half16), fill_at16, SIMDE_CMP_GT_OQ);
                simde__m128i fill;
                if (l0) {
                    fill = simde_mm_maskz_mov_epi8(has_fill, f_first16);
                } else if (!has_fill) {
                    fill = simde_mm_setzero_si128();
                } else {
                    simde__mmask16 top = M16(L16(4, i), z16, SIMDE_CMP_LE_OQ);
                    if (mt) top |= M16(simde_mm512_loadu_ps(mt + i), margin16, SIMDE_CMP_LE_OQ);
                    simde__mmask16 bot = M16(L16(2, i), z16, SIMDE_CMP_LE_OQ);
                    if (mb) bot |= M16(simde_mm512_loadu_ps(mb + i), margin16, SIMDE_CMP_LE_OQ);
                    simde__mmask16 solid = solid_all ? ALL : 0, ambig = 0;
                    if (!solid_all) {
                        for (int k = 0; k <= 6; k += 6) { /* pf_shell_far: the layers 3 away */
                            simde__m512 dj = L16(k, i), ev = simde_mm512_sub_ps(d, dj);
                            simde__mmask16 band = M16(dj, far16, SIMDE_CMP_LT_OQ);
                            simde__mmask16 amb =
                                band & M16(dj, z16, SIMDE_CMP_GT_OQ) &
                                M16(ABS16(simde_mm512_sub_ps(ev, recede16)), ambig_w16, SIMDE_CMP_LT_OQ);
                            solid |= ~amb & band & M16(ev, recede16, SIMDE_CMP_GE_OQ);
                            ambig |= amb;
                        }
                        static const int ks[4] = {1, 2, 4, 5};
                        for (int q = 0; q < 4; q++) {
                            simde__m512 dj = L16(ks[q], i), ev = simde_mm512_sub_ps(d, dj);
                            simde__mmask16 band = M16(dj, shell_lo16, SIMDE_CMP_LT_OQ);
                            simde__mmask16 amb =
                                band & M16(dj, z16, SIMDE_CMP_GT_OQ) &
                                M16(ABS16(simde_mm512_sub_ps(ev, shell16)), ambig_w16, SIMDE_CMP_LT_OQ);
                            solid |= ~amb & band & M16(ev, shell16, SIMDE_CMP_GE_OQ);
                            ambig |= amb;
                        }
                    }
                    ambig &= (simde__mmask16) ~(solid | top | bot);
                    simde__mmask16 cand = ~M16(d, need16, SIMDE_CMP_GE_OQ) & has_fill, narrow = 0;
                    if (cand) {
                        simde__mmask16 wide = 0;
                        if (row_safe && x >= wp.k && x + 15 + wp.k < nx) {
                            for (int q = 0; q < 8; q++)
                                wide |=
                                    M16(simde_mm512_loadu_ps(d3 + (long)i + off[q]), need16, SIMDE_CMP_GE_OQ);
                        } else {
                            simde__m256i w0, w1;
                            if (probe_edge(d3, nx, ny, x, y, &wp, need, &w0) &&
                                probe_edge(d3, nx, ny, x + 8, y, &wp, need, &w1)) {
                                wide = (simde__mmask16)((unsigned)simde_mm256_movemask_ps(
                                                            simde_mm256_castsi256_ps(w0)) |
                                                        (unsigned)simde_mm256_movemask_ps(
                                                            simde_mm256_castsi256_ps(w1))
                                                            << 8);
                            } else {
                                for (int k = 0; k < 16; k++)
                                    if (wide_cell(d3, nx, ny, x + k, y, &wp))
                                        wide |= (simde__mmask16)(1u << k);
                            }
                        }
                        narrow = ~wide & cand;
                    }
                    simde__mmask16 below_sparse = 0;
                    if (below) {
                        simde__m128i bf = simde_mm_and_si128(
                            simde_mm_loadu_si128((const simde__m128i *)(const void *)(below + i)), fmask16);
                        below_sparse =
                            (simde__mmask16)simde_mm_movemask_epi8(simde_mm_cmpeq_epi8(bf, f_sparse16));
                    }
                    fill = simde_mm_mask_mov_epi8(f_solid16, below_sparse, f_ibridge16);
                    fill = simde_mm_mask_mov_epi8(f_sparse16, solid, fill);
                    fill = simde_mm_mask_mov_epi8(fill, top, f_top16);
                    fill = simde_mm_mask_mov_epi8(fill, bot, f_bridge16);
                    fill = simde_mm_mask_mov_epi8(fill, narrow, f_middle16);
                    fill = simde_mm_or_si128(
                        fill, simde_mm_maskz_mov_epi8(narrow & (solid | top | bot), shell_bit16));
                    fill = simde_mm_or_si128(fill, simde_mm_maskz_mov_epi8(ambig, ambig_bit16));
                    fill = simde_mm_maskz_mov_epi8(has_fill, fill);
                }
                simde_mm_storeu_si128((simde__m128i *)(void *)(out + i),
                                      simde_mm_maskz_mov_epi8(in, simde_mm_or_si128(c, fill)));
            }
            if (span && x < nx) memset(out + y * nx + x, 0, (size_t)(nx - x));
        }
#undef DEEP16
#undef ABS16
#undef M16
#undef L16
        return;
    }
#endif
    if (nx < 8) span = NULL; /* (the cell-by-cell loop below) */
    for (long y = 0; y < ny; y++) {
        long x, xe;
        if (!row_blocks(span, y, nx, 8, out, &x, &xe)) continue;
        /* probes of all 8 lanes stay inside the grid */
        int row_safe = y >= wp.k && y + wp.k < ny;
        /* blocks of 8; a row's last cells, when nx is not a multiple of 8, as the block ending at nx (cells
         * are classified independently, so the overlap is written twice with the same classes) */
        for (; nx >= 8 && x < xe; x += 8) {
            if (x + 8 > nx) x = nx - 8;
            size_t i = (size_t)(y * nx + x);
            if (!(x & 31) && x + 32 <= nx) { /* 32 cells outside, or deep, at once */
                int inq = 0, capq = deep_ok;
                for (int q = 0; q < 4; q++) {
                    simde__m256 dq = simde_mm256_loadu_ps(d3 + i + 8 * q);
                    inq |= simde_mm256_movemask_ps(simde_mm256_cmp_ps(dq, zero, SIMDE_CMP_GT_OQ));
                    if (capq)
                        capq = simde_mm256_movemask_ps(simde_mm256_cmp_ps(dq, capv, SIMDE_CMP_EQ_OQ)) == 0xFF;
                }
                if (!inq) {
                    memset(out + i, 0, 32);
                    x += 24;
                    continue;
                }
                if (capq && deep_ok && !deep_below) {
                    simde__m256 at = simde_mm256_castsi256_ps(ones);
                    for (int q = 0; q < 4; q++) {
                        size_t j = i + 8 * (size_t)q;
                        for (int u = 0; u < nu; u++)
                            at = simde_mm256_and_ps(at, simde_mm256_cmp_ps(simde_mm256_loadu_ps(uniq[u] + j),
                                                                           capv, SIMDE_CMP_EQ_OQ));
                        if (dmt)
                            at = simde_mm256_and_ps(at, simde_mm256_cmp_ps(simde_mm256_loadu_ps(dmt + j),
                                                                           margin, SIMDE_CMP_GT_OQ));
                        if (dmb)
                            at = simde_mm256_and_ps(at, simde_mm256_cmp_ps(simde_mm256_loadu_ps(dmb + j),
                                                                           margin, SIMDE_CMP_GT_OQ));
                    }
                    if (simde_mm256_movemask_ps(at) == 0xFF) {
                        memset(out + i, (int)deep_cls, 32);
                        x += 24;
                        continue;
                    }
                }
            }
            simde__m256 d = simde_mm256_loadu_ps(d3 + i);
            simde__m256 inps = simde_mm256_cmp_ps(d, zero, SIMDE_CMP_GT_OQ);
            int inm = simde_mm256_movemask_ps(inps);
            if (!inm) {
                memset(out + i, 0, 8);
                continue;
            }
            simde__m256i in = simde_mm256_castps_si256(inps);
            if (inm == 0xFF && deep_ok &&
                simde_mm256_movemask_ps(simde_mm256_cmp_ps(d, capv, SIMDE_CMP_EQ_OQ)) == 0xFF) {
                simde__m256 at = simde_mm256_castsi256_ps(ones);
                for (int u = 0; u < nu; u++)
                    at = simde_mm256_and_ps(
                        at, simde_mm256_cmp_ps(simde_mm256_loadu_ps(uniq[u] + i), capv, SIMDE_CMP_EQ_OQ));
                if (dmt)
                    at = simde_mm256_and_ps(
                        at, simde_mm256_cmp_ps(simde_mm256_loadu_ps(dmt + i), margin, SIMDE_CMP_GT_OQ));
                if (dmb)
                    at = simde_mm256_and_ps(
                        at, simde_mm256_cmp_ps(simde_mm256_loadu_ps(dmb + i), margin, SIMDE_CMP_GT_OQ));
                if (simde_mm256_movemask_ps(at) == 0xFF) {
                    if (!deep_below)
                        memcpy(out + i, &deep8, 8);
                    else
                        deep_cells(out + i, below + i, 8, deep_cls);
                    continue;
                }
            }
            simde__m256 e = l0 ? simde_mm256_sub_ps(d, shift) : d;
            simde__m256i is_ext =
                simde_mm256_and_si256(V_CMP(e, ext_lo, SIMDE_CMP_GT_OQ), V_CMP(e, ext_hi, SIMDE_CMP_LE_OQ));
            simde__m256i is_int =
                simde_mm256_andnot_si256(is_ext, simde_mm256_and_si256(V_CMP(e, ext_hi, SIMDE_CMP_GT_OQ),
                                                                       V_CMP(e, int_hi, SIMDE_CMP_LE_OQ)));
            simde__m256i c =
                simde_mm256_or_si256(inside, simde_mm256_or_si256(simde_mm256_and_si256(is_ext, ext),
                                                                  simde_mm256_and_si256(is_int, inn)));
            simde__m256i has_fill = V_CMP(simde_mm256_add_ps(e, half), fill_at, SIMDE_CMP_GT_OQ);
            simde__m256i fill;
            if (l0) {
                fill = simde_mm256_and_si256(has_fill, f_first);
            } else if (all_zero(has_fill)) { /* walls only: no fill class, nothing else to read */
                fill = izero;
            } else {
                simde__m256i top = V_CMP(V_LOAD(4, i), zero, SIMDE_CMP_LE_OQ);
                if (mt)
                    top = simde_mm256_or_si256(top,
                                               V_CMP(simde_mm256_loadu_ps(mt + i), margin, SIMDE_CMP_LE_OQ));
                simde__m256i bot = V_CMP(V_LOAD(2, i), zero, SIMDE_CMP_LE_OQ);
                if (mb)
                    bot = simde_mm256_or_si256(bot,
                                               V_CMP(simde_mm256_loadu_ps(mb + i), margin, SIMDE_CMP_LE_OQ));
                simde__m256i solid = solid_all ? ones : izero;
                simde__m256i ambig = izero; /* bands the fields cannot decide (PF_CELL_AMBIG) */
                if (!solid_all) {
                    far3(d, V_LOAD(0, i), far, recede, ambig_w, &solid, &ambig);
                    far3(d, V_LOAD(6, i), far, recede, ambig_w, &solid, &ambig);
                }
                static const int ks[4] = {1, 2, 4, 5};
                for (int q = 0; q < 4 && !solid_all; q++) {
                    simde__m256 dj = V_LOAD(ks[q], i), ev = simde_mm256_sub_ps(d, dj);
                    simde__m256i band = V_CMP(dj, shell_lo, SIMDE_CMP_LT_OQ);
                    simde__m256i amb = simde_mm256_and_si256(
                        band, simde_mm256_and_si256(
                                  V_CMP(dj, zero, SIMDE_CMP_GT_OQ),
                                  V_CMP(simde_mm256_and_ps(simde_mm256_sub_ps(ev, shell), absmask), ambig_w,
                                        SIMDE_CMP_LT_OQ)));
                    simde__m256i recedes = V_CMP(ev, shell, SIMDE_CMP_GE_OQ);
                    solid = simde_mm256_or_si256(
                        solid, simde_mm256_andnot_si256(amb, simde_mm256_and_si256(band, recedes)));
                    ambig = simde_mm256_or_si256(ambig, amb);
                }
                ambig = simde_mm256_andnot_si256(simde_mm256_or_si256(solid, simde_mm256_or_si256(top, bot)),
                                                 ambig);
                /* every fill cell must lie in a wide enough region, else it is a wall's middle */
                simde__m256i cand = simde_mm256_andnot_si256(V_CMP(d, need, SIMDE_CMP_GE_OQ), has_fill);
                simde__m256i narrow = izero; /* a wall's middle (PF_FILL_MIDDLE) */
                if (!all_zero(cand)) {
                    simde__m256i wide;
                    if (row_safe && x >= wp.k && x + 7 + wp.k < nx) {
                        wide = izero;
                        for (int q = 0; q < 8; q++)
                            wide =
                                simde_mm256_or_si256(wide, V_CMP(simde_mm256_loadu_ps(d3 + (long)i + off[q]),
                                                                 need, SIMDE_CMP_GE_OQ));
                    } else if (!probe_edge(d3, nx, ny, x, y, &wp, need, &wide)) {
                        int32_t wl[8];
                        for (int k = 0; k < 8; k++)
                            wl[k] = -wide_cell(d3, nx, ny, x + k, y, &wp);
                        wide = simde_mm256_loadu_si256((const simde__m256i *)(const void *)wl);
                    }
                    narrow = simde_mm256_andnot_si256(wide, cand);
                }
                simde__m256i below_sparse = izero;
                if (below) {
                    simde__m128i bb = simde_mm_loadl_epi64((const simde__m128i *)(const void *)(below + i));
                    simde__m256i bf = simde_mm256_and_si256(simde_mm256_cvtepu8_epi32(bb), fmask);
                    below_sparse = simde_mm256_cmpeq_epi32(bf, f_sparse);
                }
                /* innermost choice first: solid → ibridge/solid/sparse, then top over it, then bridge over
                 * that */
                fill = simde_mm256_blendv_epi8(f_solid, f_ibridge, below_sparse);
                fill = simde_mm256_blendv_epi8(f_sparse, fill, solid);
                fill = simde_mm256_blendv_epi8(fill, f_top, top);
                fill = simde_mm256_blendv_epi8(fill, f_bridge, bot);
                fill = simde_mm256_blendv_epi8(fill, f_middle, narrow);
                simde__m256i shell = simde_mm256_or_si256(solid, simde_mm256_or_si256(top, bot));
                fill = simde_mm256_or_si256(
                    fill, simde_mm256_and_si256(simde_mm256_and_si256(narrow, shell), shell_bit));
                fill = simde_mm256_or_si256(fill, simde_mm256_and_si256(ambig, ambig_bit));
                fill = simde_mm256_and_si256(fill, has_fill);
            }
            store8(out + i, simde_mm256_and_si256(simde_mm256_or_si256(c, fill), in));
        }
        if (span) {
            if (x < nx) memset(out + y * nx + x, 0, (size_t)(nx - x));
            continue;
        }
        for (; x < nx; x++)
            out[y * nx + x] = classify_cell(p, g, &wp, layer, dist, mt, mb, below, x, y);
    }
}

static pf_err ISA(classify)(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                            size_t nlayers, const float *const dist[7], const float *mt, const float *mb,
                            const uint8_t *below, uint8_t *out)
{
    (void)ctx;
    (void)nlayers;
    classify_rows(g, p, layer, dist, mt, mb, below, NULL, out);
    return PF_E_OK;
}

static pf_err ISA(classify_span)(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                                 size_t nlayers, const float *const dist[7], const float *mt, const float *mb,
                                 const uint8_t *below, const int32_t *span, uint8_t *out)
{
    (void)ctx;
    (void)nlayers;
    classify_rows(g, p, layer, dist, mt, mb, below, span, out);
    return PF_E_OK;
}

static pf_err ISA(margin_seeds)(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                                size_t nlayers, const float *const dist[7], uint8_t *top_seed,
                                uint8_t *bot_seed, int *has_top, int *has_bot)
{
    (void)ctx;
    (void)nlayers;
    size_t n = (size_t)g->nx * g->ny, i = 0;
    if (layer == 0) { /* no fill region counts on layer 0: no seeds */
        memset(top_seed, 1, n);
        memset(bot_seed, 1, n);
        *has_top = *has_bot = 0;
        return PF_E_OK;
    }
    /* A field shared with this layer's (equal masks) gives no seeds: a seed needs d ≥ fill_lo > 0 here and
     * d ≤ 0 there. */
    int no_top = dist[4] == dist[3] && p->fill_lo > 0.0f, no_bot = dist[2] == dist[3] && p->fill_lo > 0.0f;
    if (no_top && no_bot) {
        memset(top_seed, 1, n);
        memset(bot_seed, 1, n);
        *has_top = *has_bot = 0;
        return PF_E_OK;
    }
    const simde__m256 zero = simde_mm256_setzero_ps(), fill_lo = simde_mm256_set1_ps(p->fill_lo);
    const simde__m256i one = simde_mm256_set1_epi32(1), one8 = simde_mm256_set1_epi8(1),
                       izero = simde_mm256_setzero_si256();
    simde__m256i any_t = izero, any_b = any_t;
    /* Up to the first 32 cells with a seed (often none in the whole layer), only look: the masks' ones
     * before them are stored afterwards, 32 per store and without the seed tests' packing. */
    for (; i + 32 <= n; i += 32) {
        simde__m256i fill[4], seed = izero;
        for (int q = 0; q < 4; q++)
            fill[q] = V_CMP(simde_mm256_loadu_ps(dist[3] + i + 8 * q), fill_lo, SIMDE_CMP_GE_OQ);
        if (all_zero(simde_mm256_or_si256(simde_mm256_or_si256(fill[0], fill[1]),
                                          simde_mm256_or_si256(fill[2], fill[3]))))
            continue;
        for (int q = 0; q < 4; q++) {
            size_t j = i + 8 * (size_t)q;
            simde__m256i tb = izero;
            if (!no_top) tb = V_CMP(V_LOAD(4, j), zero, SIMDE_CMP_LE_OQ);
            if (!no_bot) tb = simde_mm256_or_si256(tb, V_CMP(V_LOAD(2, j), zero, SIMDE_CMP_LE_OQ));
            seed = simde_mm256_or_si256(seed, simde_mm256_and_si256(fill[q], tb));
        }
        if (!all_zero(seed)) break;
    }
    for (size_t k = 0; k < i; k += 32) { /* i is a multiple of 32 */
        simde_mm256_storeu_si256((simde__m256i *)(void *)(top_seed + k), one8);
        simde_mm256_storeu_si256((simde__m256i *)(void *)(bot_seed + k), one8);
    }
    /* 32 cells per step: no fill region among them (outside the part, the walls) is the common case */
    for (; i + 32 <= n; i += 32) {
        simde__m256i fill[4], t[4], b[4];
        for (int q = 0; q < 4; q++)
            fill[q] = V_CMP(simde_mm256_loadu_ps(dist[3] + i + 8 * q), fill_lo, SIMDE_CMP_GE_OQ);
        if (all_zero(simde_mm256_or_si256(simde_mm256_or_si256(fill[0], fill[1]),
                                          simde_mm256_or_si256(fill[2], fill[3])))) {
            simde_mm256_storeu_si256((simde__m256i *)(void *)(top_seed + i), one8);
            simde_mm256_storeu_si256((simde__m256i *)(void *)(bot_seed + i), one8);
            continue;
        }
        for (int q = 0; q < 4; q++) {
            size_t j = i + 8 * (size_t)q;
            t[q] =
                no_top ? izero : simde_mm256_and_si256(fill[q], V_CMP(V_LOAD(4, j), zero, SIMDE_CMP_LE_OQ));
            b[q] =
                no_bot ? izero : simde_mm256_and_si256(fill[q], V_CMP(V_LOAD(2, j), zero, SIMDE_CMP_LE_OQ));
        }
        simde__m256i tt = pack32(t[0], t[1], t[2], t[3]), bb = pack32(b[0], b[1], b[2], b[3]);
        any_t = simde_mm256_or_si256(any_t, tt);
        any_b = simde_mm256_or_si256(any_b, bb);
        simde_mm256_storeu_si256((simde__m256i *)(void *)(top_seed + i), simde_mm256_andnot_si256(tt, one8));
        simde_mm256_storeu_si256((simde__m256i *)(void *)(bot_seed + i), simde_mm256_andnot_si256(bb, one8));
    }
    for (; i + 8 <= n; i += 8) {
        simde__m256i fill = V_CMP(simde_mm256_loadu_ps(dist[3] + i), fill_lo, SIMDE_CMP_GE_OQ);
        simde__m256i t = simde_mm256_and_si256(fill, V_CMP(V_LOAD(4, i), zero, SIMDE_CMP_LE_OQ));
        simde__m256i b = simde_mm256_and_si256(fill, V_CMP(V_LOAD(2, i), zero, SIMDE_CMP_LE_OQ));
        any_t = simde_mm256_or_si256(any_t, t);
        any_b = simde_mm256_or_si256(any_b, b);
        store8(top_seed + i, simde_mm256_andnot_si256(t, one));
        store8(bot_seed + i, simde_mm256_andnot_si256(b, one));
    }
    int ht = !all_zero(any_t), hb = !all_zero(any_b);
    for (; i < n; i++) {
        int fill = dist[3][i] >= p->fill_lo;
        int t = fill && dk(dist, 4, i) <= 0.0f, b = fill && dk(dist, 2, i) <= 0.0f;
        top_seed[i] = !t;
        bot_seed[i] = !b;
        ht |= t;
        hb |= b;
    }
    *has_top = ht;
    *has_bot = hb;
    return PF_E_OK;
}

/* ---- stage 6: reduce ----
 * Two passes per row of the rectangle of classified cells. Areas: the scalar backend's per-cell floats, 8
 * cells per step, summed per lane (in float over FLUSH_ROWS rows, then in double); a block of 8 cells of one
 * class all at the distance cap (deep inside) adds precomputed terms instead. Runs: a run of a set starts at
 * a cell in the set whose predecessor along the fill diagonal (the cell one row up and one column left for
 * parity 0, right for parity 1) is not, and ends where the set is left, so only cells whose run sets differ
 * from their predecessor's do any work: 32 cells per compare of the row's set bytes with the previous row's,
 * shifted one column. A start records its row in the diagonal's counter; an end adds a run of (row − start)
 * cells. A zero border (one column either side, one row below) ends every run inside the pass. Lengths are
 * integers, so the histograms are those of any order of the same runs. */

typedef struct run_hist {
    float step;                              /* cell·√2: run length per cell */
    int32_t first[16];                       /* [b − 1]: the fewest cells of a run in bin b or above */
    uint64_t nruns[PF_RUN_N][PF_HIST_BINS];  /* runs per set and bin */
    uint64_t ncells[PF_RUN_N][PF_HIST_BINS]; /* their total length in cells */
} run_hist;

/* Sets h->first from h->step (pf_hist_firsts). */
static void run_hist_init(run_hist *h)
{
    pf_hist_firsts(h->step, h->first);
}

static inline void end_run(run_hist *h, int r, int32_t len)
{
    simde__m256i l = simde_mm256_set1_epi32(len);
    simde__m256i f0 = simde_mm256_loadu_si256((const simde__m256i *)(const void *)h->first),
                 f1 = simde_mm256_loadu_si256((const simde__m256i *)(const void *)(h->first + 8));
    unsigned above =
        (unsigned)simde_mm256_movemask_ps(simde_mm256_castsi256_ps(simde_mm256_cmpgt_epi32(f0, l))) |
        (unsigned)simde_mm256_movemask_ps(simde_mm256_castsi256_ps(simde_mm256_cmpgt_epi32(f1, l))) << 8;
    int b = 16 - __builtin_popcount(above); /* bins 1..15 reached (the 16th lane never is) */
    h->nruns[r][b]++;
    h->ncells[r][b] += (uint64_t)len;
}

/* Length of [a, b] ∩ [lo, hi]. */
static inline float overlap(float a, float b, float lo, float hi)
{
    float x = maxf(a, lo), y = minf(b, hi);
    return y > x ? y - x : 0.0f;
}

/* overlap() on 8 lanes: the same float operations, so the same values. */
static inline simde__m256 v_overlap(simde__m256 a, simde__m256 b, simde__m256 lo, simde__m256 hi)
{
    simde__m256 x = simde_mm256_max_ps(a, lo), y = simde_mm256_min_ps(b, hi);
    return simde_mm256_and_ps(simde_mm256_sub_ps(y, x), simde_mm256_cmp_ps(y, x, SIMDE_CMP_GT_OQ));
}

/* 8 per-lane double sums (two vectors of 4). */
typedef struct dacc {
    simde__m256d lo, hi;
} dacc;

static inline void acc_add(dacc *a, simde__m256 v)
{
    a->lo = simde_mm256_add_pd(a->lo, simde_mm256_cvtps_pd(simde_mm256_castps256_ps128(v)));
    a->hi = simde_mm256_add_pd(a->hi, simde_mm256_cvtps_pd(simde_mm256_extractf128_ps(v, 1)));
}

static double acc_sum(const dacc *a)
{
    double l[4], h[4];
    simde_mm256_storeu_pd(l, a->lo);
    simde_mm256_storeu_pd(h, a->hi);
    return ((l[0] + h[0]) + (l[1] + h[1])) + ((l[2] + h[2]) + (l[3] + h[3]));
}

/* Band and fill thresholds of one layer's reduce, 8 lanes each. */
typedef struct area_par {
    simde__m256 shift, half, inv, ext_lo, ext_hi, int_hi, fill_lo, top;
} area_par;

/* The per-cell fractions of 8 cells at distances dv (lanes outside `inf` give 0): external band, inner band,
 * fill region; the scalar backend's float operations. */
static inline void area_terms(const area_par *q, simde__m256 dv, simde__m256 inf, simde__m256 *w0,
                              simde__m256 *w1, simde__m256 *fo)
{
    simde__m256 d = simde_mm256_sub_ps(dv, q->shift);
    simde__m256 a = simde_mm256_sub_ps(d, q->half), b = simde_mm256_add_ps(d, q->half);
    *w0 = simde_mm256_and_ps(simde_mm256_mul_ps(v_overlap(a, b, q->ext_lo, q->ext_hi), q->inv), inf);
    *w1 = simde_mm256_and_ps(simde_mm256_mul_ps(v_overlap(a, b, q->ext_hi, q->int_hi), q->inv), inf);
    *fo = simde_mm256_and_ps(simde_mm256_mul_ps(v_overlap(a, b, q->fill_lo, q->top), q->inv), inf);
}

/* The fill term of class-0 cells: what lies beyond the inner beads (a wall's middle the beads widen over). */
static inline simde__m256 beyond_term(const area_par *q, simde__m256 dv, simde__m256 inf)
{
    simde__m256 d = simde_mm256_sub_ps(dv, q->shift);
    simde__m256 a = simde_mm256_sub_ps(d, q->half), b = simde_mm256_add_ps(d, q->half);
    return simde_mm256_and_ps(simde_mm256_mul_ps(v_overlap(a, b, q->int_hi, q->top), q->inv), inf);
}

/* Run sets (pf_runsets_of) of 32 class bytes. */
static inline simde__m256i sets32(simde__m256i c, simde__m256i table)
{
    simde__m256i f =
        simde_mm256_and_si256(simde_mm256_srli_epi16(c, PF_CELL_FILL_SHIFT), simde_mm256_set1_epi8(7));
    return simde_mm256_shuffle_epi8(table, f);
}

/* The inner-band areas w of the lanes `lanes` of cells x … x + 7 of row y that pf_thin_cell finds in walls
 * too thin for an inner bead, summed in lane order. Away from the grid's border every probe is a load of 8
 * lanes (the same cells and comparisons as pf_thin_cell's, none of which leaves the grid there), stopping
 * once every lane has found the wall's middle; near it, pf_thin_cell lane by lane. */
static double thin_lanes(const float *dist, long nx, long ny, long x, long y, float shift,
                         const pf_thin_probe *t, unsigned lanes, simde__m256 w, simde__m256 need)
{
    static const int dx[8] = {1, -1, 0, 0, 1, 1, -1, -1}, dy[8] = {0, 0, 1, -1, 1, -1, 1, -1};
    long K = t->k > t->kd ? t->k : t->kd;
    float ws[8];
    simde_mm256_storeu_ps(ws, w);
    if (y - K >= 0 && y + K < ny && x - K >= 0 && x + 7 + K < nx) {
        const float *c = dist + y * nx + x;
        const simde__m256 sh = simde_mm256_set1_ps(shift);
        for (long s = 1; s <= K && lanes; s++) /* nearest first: an inward neighbour usually decides */
            for (int q = 0; q < 8 && lanes; q++) {
                if (s > (q < 4 ? t->k : t->kd)) continue;
                simde__m256 v = simde_mm256_sub_ps(simde_mm256_loadu_ps(c + (dy[q] * nx + dx[q]) * s), sh);
                lanes &= ~(unsigned)simde_mm256_movemask_ps(simde_mm256_cmp_ps(v, need, SIMDE_CMP_GE_OQ));
            }
    } else {
        for (unsigned m = lanes; m; m &= m - 1) {
            int j = __builtin_ctz(m);
            if (!pf_thin_cell(dist, nx, ny, x + j, y, shift, t)) lanes &= ~(1u << j);
        }
    }
    double sum = 0;
    for (; lanes; lanes &= lanes - 1)
        sum += ws[__builtin_ctz(lanes)];
    return sum;
}

#define RUN_PAD 32 /* zero bytes before a row's set bytes in the run pass's row buffers */
/* Rows whose area terms a float lane sums before they go into its double sum: at most a few thousand terms
 * of at most 1 each, so the float sums round by a few 1e-7 (the scalar backend sums in double). */
#define FLUSH_ROWS 8

static pf_err ISA(reduce)(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                          const float *dist, const uint8_t *cls, int parity, pf_layer_cells *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    long nx = g->nx, ny = g->ny, x0, x1, y0, y1;
    if (!nonzero_rect(cls, nx, ny, &x0, &x1, &y0, &y1)) return PF_E_OK;
    long rw = x1 - x0 + 1, rh = y1 - y0 + 1;
    size_t nk = (size_t)(rw + rh + 2);                   /* diagonals through the rectangle and its border */
    size_t bw = round_up((size_t)rw + RUN_PAD + 72, 32); /* a row buffer: pad, rw set bytes, zeros */
    int32_t *start = malloc(PF_RUN_N * nk * sizeof *start); /* per set and diagonal: row of the open run */
    uint8_t *rowbuf = calloc(2 * bw, 1);
    run_hist *h = calloc(1, sizeof *h);
    if (!start || !rowbuf || !h) {
        free(start);
        free(rowbuf);
        free(h);
        return PF_E_NOMEM;
    }
    h->step = g->cell * 1.41421356f;
    run_hist_init(h);
    /* Fractional band and fill areas: the scalar backend's per-cell floats, summed per lane (float sums of
     * FLUSH_ROWS rows added in double: the order and the float rounding of those differ, by about 1e-7). */
    float half = 0.5f * g->cell, inv = 1.0f / g->cell;
    float shift = layer == 0 ? p->l0_shift : 0.0f;
    float ext_hi = layer == 0 ? p->l0_ext_hi : p->ext_hi, int_hi = layer == 0 ? p->l0_int_hi : p->int_hi;
    float fill_lo = layer == 0 ? p->l0_fill_lo : p->fill_print_lo;
    uint64_t area = 0; /* inside cells */
    double wall[3] = {0}, thin = 0, fill[PF_FILL_N] = {0};
    const pf_thin_probe tp = pf_thin_probe_of(p, ext_hi, g->cell);
    const simde__m256 tneed = simde_mm256_set1_ps(tp.need);
    dacc vacc[1 + PF_FILL_N]; /* [1 + f]: fill class f = 0..6 (0: beyond the inner beads) */
    memset(vacc, 0, sizeof vacc);
    const area_par ap = {simde_mm256_set1_ps(shift),   simde_mm256_set1_ps(half),
                         simde_mm256_set1_ps(inv),     simde_mm256_set1_ps(p->ext_lo),
                         simde_mm256_set1_ps(ext_hi),  simde_mm256_set1_ps(int_hi),
                         simde_mm256_set1_ps(fill_lo), simde_mm256_set1_ps(1e30f)};
    const simde__m256i seven = simde_mm256_set1_epi32(7), izero = simde_mm256_setzero_si256();
    const simde__m256 v_zero = simde_mm256_setzero_ps();
    /* a cell at the cap: its terms, and whether it lies in no wall band (the deep-block shortcut needs that)
     */
    const simde__m256 capd = cap_value(pf_edt_cap_main(p, g->cell), g->cell);
    simde__m256 cap_w0, cap_w1, cap_fo;
    area_terms(&ap, capd, simde_mm256_castsi256_ps(simde_mm256_set1_epi32(-1)), &cap_w0, &cap_w1, &cap_fo);
    int cap_deep = !simde_mm256_movemask_ps(
        simde_mm256_cmp_ps(simde_mm256_max_ps(cap_w0, cap_w1), v_zero, SIMDE_CMP_GT_OQ));
    uint8_t tab[32];
    for (int f = 0; f < 32; f++)
        tab[f] = (uint8_t)pf_runsets_of((unsigned)(f & 15));
    const simde__m256i table = simde_mm256_loadu_si256((const simde__m256i *)(const void *)tab);
    const simde__m256i iota8 =
        simde_mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                              22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
    /* Blocks add to per-lane float sums (fv, like vacc; fw0 / fw1 the wall bands), which go into the double
     * sums every FLUSH_ROWS rows: a float add a block instead of two conversions and two double adds. The
     * fill sum of class `held` (0: none) lives in fh instead of fv[1 + held], in a register: consecutive
     * blocks add to it without a round trip through memory. */
    dacc wacc0 = vacc[0], wacc1 = vacc[0];
    simde__m256 fv[1 + PF_FILL_N], fh = v_zero, fw0 = v_zero, fw1 = v_zero;
    for (int k = 0; k <= PF_FILL_N; k++)
        fv[k] = v_zero;
    uint64_t ndeep[PF_FILL_N] = {0}; /* blocks of 8 cap cells of one fill class */
    int held = 0;
#define HOLD(f)                                                                                              \
    do {                                                                                                     \
        if ((f) != held) {                                                                                   \
            if (held) fv[1 + held] = fh;                                                                     \
            if (f) fh = fv[1 + (f)];                                                                         \
            held = (f);                                                                                      \
        }                                                                                                    \
    } while (0)
#define FLUSH()                                                                                              \
    do {                                                                                                     \
        HOLD(0);                                                                                             \
        acc_add(&wacc0, fw0);                                                                                \
        acc_add(&wacc1, fw1);                                                                                \
        fw0 = fw1 = v_zero;                                                                                  \
        for (int k = 1; k <= PF_FILL_N; k++) {                                                               \
            acc_add(&vacc[k], fv[k]);                                                                        \
            fv[k] = v_zero;                                                                                  \
        }                                                                                                    \
    } while (0)
    uint8_t *cur = rowbuf + RUN_PAD, *prev = rowbuf + bw + RUN_PAD; /* set bytes of cell rx at [rx] */
    long dp = parity ? 1 : -1;                                      /* predecessor's column offset */
    /* The columns of cur and prev that may hold set bytes ([lo, hi), empty when lo ≥ hi): a row writes its
     * set bytes only over the 32-cell chunks its classes reach, and compares only where either row has any,
     * so the rows and columns of the rectangle outside the part (a ring's hole, the air between two parts)
     * cost one test per 8 cells. */
    long cur_lo = 0, cur_hi = 0, prev_lo = 0, prev_hi = 0;
    for (long ry = 0; ry <= rh; ry++) {
        if (cur_hi > cur_lo) memset(cur + cur_lo, 0, (size_t)(cur_hi - cur_lo)); /* two rows back's */
        cur_lo = cur_hi = 0;
        if (ry < rh) {
            const uint8_t *row = cls + (size_t)(ry + y0) * (size_t)nx + x0;
            const float *drow = dist + (size_t)(ry + y0) * (size_t)nx + x0;
            long s0, s1; /* the row's cells with a class lie in [s0, s1) */
            pf_row_span(row, rw, &s0, &s1);
            long x = s0 & ~7L;
            for (; x + 8 <= rw && x < s1; x += 8) {
                uint64_t raw;
                memcpy(&raw, row + x, 8);
                if (!raw) continue; /* outside: nothing to add */
                int f0 = pf_fill_slot((raw & 0xFF) >> PF_CELL_FILL_SHIFT & 7);
                uint64_t same8 = (raw & 0xFF) * 0x0101010101010101ull;
                if (cap_deep && raw == same8 &&
                    simde_mm256_movemask_ps(
                        simde_mm256_cmp_ps(simde_mm256_loadu_ps(drow + x), capd, SIMDE_CMP_EQ_OQ)) == 0xFF) {
                    /* one class, all at the cap: the terms of a cap cell in every lane, added at the end; and
                     * the next three blocks at once when they are such blocks of the same class too (a thick
                     * part's inside) */
                    int k = 1;
                    if (!(x & 31) && x + 32 <= rw) {
                        uint64_t w[3];
                        memcpy(w, row + x + 8, sizeof w);
                        int run = w[0] == same8 && w[1] == same8 && w[2] == same8;
                        for (int q = 1; q < 4 && run; q++)
                            run = simde_mm256_movemask_ps(simde_mm256_cmp_ps(
                                      simde_mm256_loadu_ps(drow + x + 8 * q), capd, SIMDE_CMP_EQ_OQ)) == 0xFF;
                        if (run) k = 4;
                    }
                    area += 8 * (uint64_t)k;
                    ndeep[f0] += (uint64_t)k;
                    x += 8 * (k - 1);
                    continue;
                }
                simde__m128i cb = simde_mm_loadl_epi64((const simde__m128i *)(const void *)(row + x));
                simde__m256i cv = simde_mm256_cvtepu8_epi32(cb);
                simde__m256i fc =
                    simde_mm256_and_si256(simde_mm256_srli_epi32(cv, PF_CELL_FILL_SHIFT), seven);
                /* fill slots (pf_fill_slot): a wall's middle sums as sparse */
                fc = simde_mm256_blendv_epi8(fc, simde_mm256_set1_epi32(PF_FILL_SPARSE),
                                             simde_mm256_cmpeq_epi32(fc, seven));
                /* the scalar per-cell floats, summed per lane (adding a block's zeros is skipped: it leaves
                 * a sum as it is) */
                simde__m256i in = simde_mm256_cmpgt_epi32(cv, izero);
                area += (unsigned)__builtin_popcount(
                    (unsigned)simde_mm256_movemask_ps(simde_mm256_castsi256_ps(in)));
                simde__m256 w0, w1, fo;
                area_terms(&ap, simde_mm256_loadu_ps(drow + x), simde_mm256_castsi256_ps(in), &w0, &w1, &fo);
                if (simde_mm256_movemask_ps(
                        simde_mm256_cmp_ps(simde_mm256_max_ps(w0, w1), v_zero, SIMDE_CMP_GT_OQ))) {
                    fw0 = simde_mm256_add_ps(fw0, w0);
                    fw1 = simde_mm256_add_ps(fw1, w1);
                    /* inner-band cells below the bead ridge: the thin-wall probe, cell by cell */
                    unsigned lanes = (unsigned)simde_mm256_movemask_ps(simde_mm256_and_ps(
                        simde_mm256_cmp_ps(w1, v_zero, SIMDE_CMP_GT_OQ),
                        simde_mm256_cmp_ps(simde_mm256_sub_ps(simde_mm256_loadu_ps(drow + x), ap.shift),
                                           tneed, SIMDE_CMP_LT_OQ)));
                    if (lanes)
                        thin += thin_lanes(dist, nx, ny, x0 + x, y0 + ry, shift, &tp, lanes, w1, tneed);
                }
                f0 = simde_mm256_cvtsi256_si32(fc);
                if (all_zero(simde_mm256_xor_si256(fc, simde_mm256_set1_epi32(f0)))) { /* one class */
                    if (f0) {
                        HOLD(f0);
                        fh = simde_mm256_add_ps(fh, fo);
                    } else if (simde_mm256_movemask_ps(simde_mm256_cmp_ps(fo, v_zero, SIMDE_CMP_GT_OQ))) {
                        fv[1] = simde_mm256_add_ps(fv[1], beyond_term(&ap, simde_mm256_loadu_ps(drow + x),
                                                                      simde_mm256_castsi256_ps(in)));
                    }
                } else {
                    HOLD(0); /* the general path adds to fv itself */
                    fv[1] = simde_mm256_add_ps(
                        fv[1],
                        simde_mm256_and_ps(
                            beyond_term(&ap, simde_mm256_loadu_ps(drow + x), simde_mm256_castsi256_ps(in)),
                            simde_mm256_castsi256_ps(simde_mm256_cmpeq_epi32(fc, izero))));
                    for (int k = 1; k < PF_FILL_N; k++) {
                        simde__m256 sel =
                            simde_mm256_castsi256_ps(simde_mm256_cmpeq_epi32(fc, simde_mm256_set1_epi32(k)));
                        fv[1 + k] = simde_mm256_add_ps(fv[1 + k], simde_mm256_and_ps(fo, sel));
                    }
                }
            }
            for (; x < s1; x++) {
                uint8_t c = row[x];
                if (c) {
                    float d = drow[x] - shift, a = d - half, b = d + half;
                    area += 1;
                    wall[1] += overlap(a, b, p->ext_lo, ext_hi) * inv;
                    float w2 = overlap(a, b, ext_hi, int_hi) * inv;
                    wall[2] += w2;
                    if (w2 > 0 && d < tp.need && pf_thin_cell(dist, nx, ny, x0 + x, y0 + ry, shift, &tp))
                        thin += w2;
                    int f = (c & PF_CELL_FILL_MASK) >> PF_CELL_FILL_SHIFT;
                    fill[pf_fill_slot(f)] += overlap(a, b, f ? fill_lo : int_hi, 1e30f) * inv;
                }
            }
            if (ry % FLUSH_ROWS == FLUSH_ROWS - 1 || ry == rh - 1) FLUSH();
            /* the row's set bytes over the chunks from the one holding s0 (a class 0 cell has none); the
             * bytes after them stay 0 */
            x = s0 & ~31L;
            if (s0 < s1) cur_lo = s0, cur_hi = s1; /* the set bytes lie within the cells' span */
            for (; x < s1 && x + 32 <= rw; x += 32)
                simde_mm256_storeu_si256(
                    (simde__m256i *)(void *)(cur + x),
                    sets32(simde_mm256_loadu_si256((const simde__m256i *)(const void *)(row + x)), table));
            if (x < s1 && x < rw) {
                simde__m256i v;
                if (row + x + 32 <= cls + (size_t)nx * (size_t)ny) { /* 32 bytes, those past the row masked */
                    simde__m256i keep = simde_mm256_cmpgt_epi8(simde_mm256_set1_epi8((char)(rw - x)), iota8);
                    v = simde_mm256_and_si256(
                        simde_mm256_loadu_si256((const simde__m256i *)(const void *)(row + x)), keep);
                } else {
                    uint8_t t[32] = {0};
                    memcpy(t, row + x, (size_t)(rw - x));
                    v = simde_mm256_loadu_si256((const simde__m256i *)(const void *)t);
                }
                simde_mm256_storeu_si256((simde__m256i *)(void *)(cur + x), sets32(v, table));
            }
        }
        /* cells rx = −1 … rw against their predecessors, where either row may have set bytes */
        long lo = prev_lo - dp < cur_lo ? prev_lo - dp : cur_lo,
             hi = prev_hi - dp > cur_hi ? prev_hi - dp : cur_hi;
        if (cur_lo >= cur_hi) lo = prev_lo - dp, hi = prev_hi - dp;
        if (prev_lo >= prev_hi) lo = cur_lo, hi = cur_hi;
        if (lo < -1) lo = -1;
        if (hi > rw + 1) hi = rw + 1;
        for (long rx = lo; rx < hi; rx += 32) {
            simde__m256i cv = simde_mm256_loadu_si256((const simde__m256i *)(const void *)(cur + rx));
            simde__m256i pv = simde_mm256_loadu_si256((const simde__m256i *)(const void *)(prev + rx + dp));
            unsigned diff = ~(unsigned)simde_mm256_movemask_epi8(simde_mm256_cmpeq_epi8(cv, pv));
            while (diff) {
                long x = rx + __builtin_ctz(diff);
                diff &= diff - 1;
                unsigned su = cur[x], sp = prev[x + dp], st = su & ~sp, en = sp & ~su;
                int32_t *k = start + (parity ? x + ry + 1 : x - ry + rh + 1);
                for (; st; st &= st - 1)
                    k[(size_t)__builtin_ctz(st) * nk] = (int32_t)ry;
                for (; en; en &= en - 1) {
                    int r = __builtin_ctz(en);
                    end_run(h, r, (int32_t)ry - k[(size_t)r * nk]);
                }
            }
        }
        uint8_t *t = cur;
        cur = prev;
        prev = t;
        long tl = cur_lo, th = cur_hi;
        cur_lo = prev_lo, cur_hi = prev_hi;
        prev_lo = tl, prev_hi = th;
    }
#undef FLUSH
#undef HOLD
    wall[1] += acc_sum(&wacc0);
    wall[2] += acc_sum(&wacc1);
    dacc capacc = {simde_mm256_setzero_pd(), simde_mm256_setzero_pd()};
    acc_add(&capacc, cap_fo);
    double cap_block = acc_sum(&capacc); /* the fill fraction of 8 cap cells */
    for (int k = 0; k < PF_FILL_N; k++)
        fill[k] += acc_sum(&vacc[1 + k]) + (double)ndeep[k] * cap_block;
    double ca = (double)g->cell * g->cell, perp = (double)(g->cell * 0.70710678f);
    out->area = (float)((double)area * ca);
    for (int k = 1; k < 3; k++)
        out->wall_area[k] = (float)(wall[k] * ca);
    out->wall_thin = (float)(thin * ca);
    for (int k = 0; k < PF_FILL_N; k++) /* [0]: wall middles beyond the inner beads */
        out->fill_area[k] = (float)(fill[k] * ca);
    for (int r = 0; r < PF_RUN_N; r++)
        for (int b = 0; b < PF_HIST_BINS; b++) {
            out->runs[r][b] = (float)((double)h->nruns[r][b] * perp);
            out->run_area[r][b] = (float)((double)h->ncells[r][b] * ca);
        }
    free(start);
    free(rowbuf);
    free(h);
    return PF_E_OK;
}

/* ---- the stage table of this copy, and (in the baseline copy) the constructor ---- */

static const pf_backend ISA(table) = {
    .name = "simd",
    .slice_count = ISA(slice_count),
    .slice_emit = ISA(slice_emit),
    .raster = ISA(raster),
    .edt = ISA(edt),
    .edt_part = ISA(edt_part),
    .classify = ISA(classify),
    .classify_span = ISA(classify_span),
    .margin_seeds = ISA(margin_seeds),
    .reduce = ISA(reduce),
};

#if defined(PF_SIMD_AVX512)
const pf_backend *pf__backend_simd_avx512(void)
{
    return &table_avx512;
}
#elif defined(PF_SIMD_AVX2)
const pf_backend *pf__backend_simd_avx2(void)
{
    return &table_avx2;
}
#else
const pf_backend *pf_backend_simd_copy(const char *isa)
{
    if (!strcmp(isa, "base")) return &table_base;
#ifdef PF_HAVE_SIMD_AVX2
    __builtin_cpu_init();
    if (!strcmp(isa, "avx2") && __builtin_cpu_supports("avx2")) return pf__backend_simd_avx2();
#endif
#ifdef PF_HAVE_SIMD_AVX512
    __builtin_cpu_init();
    if (!strcmp(isa, "avx512") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl"))
        return pf__backend_simd_avx512();
#endif
    return NULL;
}

pf_err pf_backend_simd_create(int threads, pf_backend **out)
{
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    if (threads > 256) threads = 256;
    pf_backend *be = malloc(sizeof *be);
    if (!be) return PF_E_NOMEM;
    const pf_backend *avx512 = getenv("PF_NO_AVX512") ? NULL : pf_backend_simd_copy("avx512"),
                     *avx2 = pf_backend_simd_copy("avx2");
    *be = avx512 ? *avx512 : avx2 ? *avx2 : table_base;
    be->device = avx512 ? "cpu (avx512)" : avx2 ? "cpu (avx2)" : "cpu (baseline simd)";
    be->threads = (unsigned)threads;
    be->ctx = NULL;
    be->destroy = NULL;
    *out = be;
    return PF_E_OK;
}
#endif
