/* The SIMD + threads estimator backend: the stages of engine/backend.h vectorized through SIMDe (one source
 * for SSE2, AVX2, AVX-512 and NEON) and split over a small thread pool owned by the backend. The only file
 * that includes SIMDe. Masks, distance fields and classes equal the scalar backend's bit for bit (see edt and
 * classify for why); reductions are exact integer counts scaled once, so they differ from the scalar sums
 * only in the rounding of the final float. */
#include "engine/backends.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <simde/x86/avx2.h>

#define MAX_THREADS 64
#define NO_SITE 1e30f /* "no zero cell along this line": the scalar backend's infinity */

/* ---- thread pool ---- */

/* A job: fn(arg, worker, nworkers) runs once on every worker; fn splits its work by worker index, so each
 * worker owns a fixed share and its own scratch (deterministic, no atomics in the stages). */
typedef void (*job_fn)(void *arg, int worker, int nworkers);

typedef struct simd_ctx {
    int nthreads; /* workers including the calling thread */
    pthread_t threads[MAX_THREADS];
    int started;                /* pool threads actually running (nthreads − 1 when creation succeeded) */
    pthread_mutex_t stage_lock; /* one stage at a time on the pool; also guards the scratch below */
    pthread_mutex_t m;          /* guards the job fields */
    pthread_cond_t go, done;    /* job posted / a worker finished */
    unsigned long generation;   /* bumped per job; workers wait for a new one */
    int pending;                /* pool workers still running the current job */
    int quit;                   /* 1: workers exit */
    job_fn fn;                  /* current job */
    void *arg;                  /* its argument */
    /* Scratch reused across calls (grown on demand, freed with the ctx), guarded by stage_lock. */
    void *scratch;
    size_t scratch_bytes;
} simd_ctx;

typedef struct worker_start {
    simd_ctx *ctx;
    int index;
} worker_start;

static void *worker_main(void *p)
{
    worker_start ws = *(worker_start *)p;
    free(p);
    simd_ctx *c = ws.ctx;
    unsigned long seen = 0;
    pthread_mutex_lock(&c->m);
    for (;;) {
        while (!c->quit && c->generation == seen)
            pthread_cond_wait(&c->go, &c->m);
        if (c->quit) break;
        seen = c->generation;
        job_fn fn = c->fn;
        void *arg = c->arg;
        pthread_mutex_unlock(&c->m);
        fn(arg, ws.index, c->nthreads);
        pthread_mutex_lock(&c->m);
        if (--c->pending == 0) pthread_cond_signal(&c->done);
    }
    pthread_mutex_unlock(&c->m);
    return NULL;
}

/* Runs fn on every worker (the caller is worker 0) and returns when all have finished. Caller holds
 * stage_lock. */
static void run_job(simd_ctx *c, job_fn fn, void *arg)
{
    if (c->nthreads > 1) {
        pthread_mutex_lock(&c->m);
        c->fn = fn;
        c->arg = arg;
        c->pending = c->nthreads - 1;
        c->generation++;
        pthread_cond_broadcast(&c->go);
        pthread_mutex_unlock(&c->m);
    }
    fn(arg, 0, c->nthreads);
    if (c->nthreads > 1) {
        pthread_mutex_lock(&c->m);
        while (c->pending)
            pthread_cond_wait(&c->done, &c->m);
        pthread_mutex_unlock(&c->m);
    }
}

/* Scratch of at least n bytes, 64-byte aligned, valid until the next call (caller holds stage_lock). */
static void *scratch_get(simd_ctx *c, size_t n)
{
    if (n <= c->scratch_bytes) return c->scratch;
    void *p = NULL;
    if (posix_memalign(&p, 64, n)) return NULL;
    free(c->scratch);
    c->scratch = p;
    c->scratch_bytes = n;
    return p;
}

/* Worker w's share [lo, hi) of n items, in multiples of `align` items except at the end. */
static void share(size_t n, int w, int nw, size_t align, size_t *lo, size_t *hi)
{
    size_t blocks = (n + align - 1) / align;
    size_t b0 = blocks * (size_t)w / (size_t)nw, b1 = blocks * (size_t)(w + 1) / (size_t)nw;
    *lo = b0 * align < n ? b0 * align : n;
    *hi = b1 * align < n ? b1 * align : n;
}

static size_t round_up(size_t n, size_t a)
{
    return (n + a - 1) / a * a;
}

/* ---- stage 1–2: slicing (threads over triangles; no SIMD: the work is a binary search and a few cuts) ----
 */

/* First layer index with zs[l] ≥ z (zs ascending). */
static size_t lower_layer(const float *zs, size_t n, float z)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (zs[mid] < z)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct slice_job {
    const float *verts;
    const uint32_t *tris;
    size_t ntris;
    const float *zs;
    size_t nlayers;
    uint32_t *counts; /* nworkers × nlayers: per-worker counts, then per-worker write positions */
    const uint32_t *offsets;
    float *segs;
    uint64_t *keys;
} slice_job;

static void job_slice_count(void *arg, int w, int nw)
{
    slice_job *j = arg;
    size_t t0, t1;
    share(j->ntris, w, nw, 1024, &t0, &t1);
    uint32_t *counts = j->counts + (size_t)w * j->nlayers;
    memset(counts, 0, j->nlayers * sizeof *counts);
    for (size_t t = t0; t < t1; t++) {
        const uint32_t *ix = j->tris + 3 * t;
        float z0 = j->verts[3 * ix[0] + 2], z1 = j->verts[3 * ix[1] + 2], z2 = j->verts[3 * ix[2] + 2];
        float lo = fminf(z0, fminf(z1, z2)), hi = fmaxf(z0, fmaxf(z1, z2));
        for (size_t l = lower_layer(j->zs, j->nlayers, lo); l < j->nlayers && j->zs[l] < hi; l++)
            counts[l]++;
    }
}

static pf_err simd_slice_count(void *ctx, const float *verts, const uint32_t *tris, size_t ntris,
                               const float *zs, size_t nlayers, uint32_t *counts)
{
    simd_ctx *c = ctx;
    pthread_mutex_lock(&c->stage_lock);
    pf_err err = PF_E_NOMEM;
    slice_job j = {verts, tris, ntris, zs, nlayers, NULL, NULL, NULL, NULL};
    if (!(j.counts = scratch_get(c, (size_t)c->nthreads * (nlayers ? nlayers : 1) * sizeof *j.counts)))
        goto done;
    run_job(c, job_slice_count, &j);
    for (size_t l = 0; l < nlayers; l++) {
        uint32_t s = 0;
        for (int w = 0; w < c->nthreads; w++)
            s += j.counts[(size_t)w * nlayers + l];
        counts[l] = s;
    }
    err = PF_E_OK;
done:
    pthread_mutex_unlock(&c->stage_lock);
    return err;
}

static uint64_t edge_key(uint32_t a, uint32_t b)
{
    return a < b ? ((uint64_t)a << 32 | b) : ((uint64_t)b << 32 | a);
}

static void job_slice_emit(void *arg, int w, int nw)
{
    slice_job *j = arg;
    size_t t0, t1;
    share(j->ntris, w, nw, 1024, &t0, &t1);
    uint32_t *fill = j->counts + (size_t)w * j->nlayers; /* this worker's next slot per layer */
    /* Same arithmetic as the scalar backend, so the segments are bit-identical (only their order differs). */
    for (size_t t = t0; t < t1; t++) {
        const uint32_t *ix = j->tris + 3 * t;
        const float *v[3] = {j->verts + 3 * ix[0], j->verts + 3 * ix[1], j->verts + 3 * ix[2]};
        float lo = fminf(v[0][2], fminf(v[1][2], v[2][2])), hi = fmaxf(v[0][2], fmaxf(v[1][2], v[2][2]));
        float ux = v[1][0] - v[0][0], uy = v[1][1] - v[0][1], uz = v[1][2] - v[0][2];
        float wx = v[2][0] - v[0][0], wy = v[2][1] - v[0][1], wz = v[2][2] - v[0][2];
        float nx = uy * wz - uz * wy, ny = uz * wx - ux * wz;
        for (size_t l = lower_layer(j->zs, j->nlayers, lo); l < j->nlayers && j->zs[l] < hi; l++) {
            float z = j->zs[l], p[2][2];
            uint64_t k[2];
            int np = 0;
            for (int e = 0; e < 3 && np < 2; e++) {
                const float *a = v[e], *b = v[(e + 1) % 3];
                if ((a[2] > z) != (b[2] > z)) {
                    float tt = (z - a[2]) / (b[2] - a[2]);
                    p[np][0] = a[0] + tt * (b[0] - a[0]);
                    p[np][1] = a[1] + tt * (b[1] - a[1]);
                    k[np] = edge_key(ix[e], ix[(e + 1) % 3]);
                    np++;
                }
            }
            if (np < 2) continue; /* hole: filled with a zero-length segment below */
            int swap = ((p[1][0] - p[0][0]) * -ny + (p[1][1] - p[0][1]) * nx) < 0;
            float *s = j->segs + (size_t)PF_SEG_FLOATS * fill[l];
            uint64_t *kk = j->keys + 2 * (size_t)fill[l];
            fill[l]++;
            s[0] = p[swap][0], s[1] = p[swap][1], s[2] = p[!swap][0], s[3] = p[!swap][1];
            kk[0] = k[swap], kk[1] = k[!swap];
        }
    }
}

static void fill_holes(float *segs, uint64_t *keys, uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i < to; i++) {
        memset(segs + (size_t)PF_SEG_FLOATS * i, 0, PF_SEG_FLOATS * sizeof(float));
        keys[2 * (size_t)i] = keys[2 * (size_t)i + 1] = UINT64_MAX;
    }
}

static pf_err simd_slice_emit(void *ctx, const float *verts, const uint32_t *tris, size_t ntris,
                              const float *zs, size_t nlayers, const uint32_t *offsets, float *segs,
                              uint64_t *keys)
{
    simd_ctx *c = ctx;
    pthread_mutex_lock(&c->stage_lock);
    pf_err err = PF_E_NOMEM;
    size_t nw = (size_t)c->nthreads, nl = nlayers ? nlayers : 1;
    /* counts (nw × nl), then the start slot of each worker (nw × nl) */
    uint32_t *buf = scratch_get(c, 2 * nw * nl * sizeof *buf);
    if (!buf) goto done;
    slice_job j = {verts, tris, ntris, zs, nlayers, buf, offsets, segs, keys};
    run_job(c, job_slice_count, &j);
    uint32_t *start = buf + nw * nl;
    for (size_t l = 0; l < nlayers; l++) {
        uint64_t pos = offsets[l];
        for (size_t w = 0; w < nw; w++) {
            start[w * nl + l] = (uint32_t)pos;
            pos += buf[w * nl + l];
        }
        if (pos >
            offsets[l + 1]) { /* offsets not from slice_count on these inputs: refuse rather than overrun */
            err = PF_E_INVAL;
            goto done;
        }
    }
    memcpy(buf, start, nw * nl * sizeof *buf); /* the emit job advances these */
    j.counts = buf;
    run_job(c, job_slice_emit, &j);
    for (size_t l = 0; l < nlayers; l++)
        for (size_t w = 0; w < nw; w++) {
            uint32_t end = w + 1 < nw ? start[(w + 1) * nl + l] : offsets[l + 1];
            fill_holes(segs, keys, buf[w * nl + l], end);
        }
    err = PF_E_OK;
done:
    pthread_mutex_unlock(&c->stage_lock);
    return err;
}

/* ---- stage 3: raster (threads over row bands; each band sees every segment) ---- */

typedef struct raster_job {
    const float *segs;
    size_t nsegs;
    const pf_grid *g;
    uint8_t *mask;
    int32_t *delta; /* (nx + 1) × ny */
} raster_job;

static void job_raster(void *arg, int w, int nw)
{
    raster_job *j = arg;
    const pf_grid *g = j->g;
    size_t nx = g->nx, ny = g->ny, rlo, rhi;
    share(ny, w, nw, 1, &rlo, &rhi);
    if (rlo >= rhi) return;
    memset(j->delta + rlo * (nx + 1), 0, (rhi - rlo) * (nx + 1) * sizeof *j->delta);
    float inv = 1.0f / g->cell;
    for (size_t i = 0; i < j->nsegs; i++) {
        const float *s = j->segs + PF_SEG_FLOATS * i;
        float ya = (s[1] - g->y0) * inv - 0.5f, yb = (s[3] - g->y0) * inv - 0.5f;
        if (ya == yb) continue;
        int wind = yb < ya ? 1 : -1;
        float ylo = fminf(ya, yb), yhi = fmaxf(ya, yb);
        long r0 = (long)ceilf(ylo), r1 = (long)ceilf(yhi);
        if (r0 < (long)rlo) r0 = (long)rlo;
        if (r1 > (long)rhi) r1 = (long)rhi;
        if (r0 >= r1) continue;
        float xa = (s[0] - g->x0) * inv - 0.5f, xb = (s[2] - g->x0) * inv - 0.5f;
        for (long r = r0; r < r1; r++) {
            float x = xa + (xb - xa) * (((float)r - ya) / (yb - ya));
            long cc = (long)ceilf(x);
            if (cc < 0) cc = 0;
            if (cc > (long)nx) cc = (long)nx;
            j->delta[(size_t)r * (nx + 1) + (size_t)cc] += wind;
        }
    }
    for (size_t r = rlo; r < rhi; r++) {
        int32_t acc = 0;
        const int32_t *d = j->delta + r * (nx + 1);
        uint8_t *m = j->mask + r * nx;
        for (size_t cc = 0; cc < nx; cc++) {
            acc += d[cc];
            m[cc] = acc != 0;
        }
    }
}

static pf_err simd_raster(void *ctx, const float *segs, size_t nsegs, const pf_grid *g, uint8_t *mask)
{
    simd_ctx *c = ctx;
    pthread_mutex_lock(&c->stage_lock);
    raster_job j = {segs, nsegs, g, mask, scratch_get(c, ((size_t)g->nx + 1) * g->ny * sizeof(int32_t))};
    if (j.delta) run_job(c, job_raster, &j);
    pthread_mutex_unlock(&c->stage_lock);
    return j.delta ? PF_E_OK : PF_E_NOMEM;
}

/* ---- stage 4: EDT ----
 * The scalar backend runs Felzenszwalb–Huttenlocher along rows, then columns. Every value involved is an
 * integer below 2^24 (squared cell distances), so any exact transform yields the same squared distances and,
 * through the same sqrtf·cell − cell/2, the same floats. Here the first pass runs along columns on the binary
 * mask, which is two vectorizable sweeps over whole rows (8 columns per instruction, cache-friendly); the
 * second pass is FH along rows (contiguous) split over threads, fused with the final square root. */

typedef struct edt_job {
    const uint8_t *mask;
    const pf_grid *g;
    float *dist;
    char *scratch; /* per worker: f (nx), v (nx + 1 ints), z (nx + 1 doubles) */
    size_t per_worker;
} edt_job;

static void job_edt_columns(void *arg, int w, int nw)
{
    edt_job *j = arg;
    size_t nx = j->g->nx, ny = j->g->ny, c0, c1;
    share(nx, w, nw, 8, &c0, &c1);
    const simde__m256 one = simde_mm256_set1_ps(1.0f), big = simde_mm256_set1_ps(NO_SITE);
    const simde__m256 zero = simde_mm256_setzero_ps();
    /* down: g = mask ? g(row above) + 1 : 0, starting from "no site" */
    for (size_t r = 0; r < ny; r++) {
        const uint8_t *m = j->mask + r * nx;
        float *d = j->dist + r * nx, *up = r ? d - nx : NULL;
        size_t cc = c0;
        for (; cc + 8 <= c1; cc += 8) {
            simde__m128i mb = simde_mm_loadl_epi64((const simde__m128i *)(const void *)(m + cc));
            simde__m256i mi = simde_mm256_cvtepu8_epi32(mb);
            simde__m256 in =
                simde_mm256_castsi256_ps(simde_mm256_cmpgt_epi32(mi, simde_mm256_setzero_si256()));
            simde__m256 prev = up ? simde_mm256_loadu_ps(up + cc) : big;
            simde__m256 v = simde_mm256_blendv_ps(zero, simde_mm256_add_ps(prev, one), in);
            simde_mm256_storeu_ps(d + cc, v);
        }
        for (; cc < c1; cc++)
            d[cc] = m[cc] ? (up ? up[cc] : NO_SITE) + 1.0f : 0.0f;
    }
    /* up: g = min(g, g(row below) + 1); the row pass squares it */
    for (size_t r = ny; r-- > 0;) {
        float *d = j->dist + r * nx, *dn = r + 1 < ny ? d + nx : NULL;
        size_t cc = c0;
        for (; cc + 8 <= c1 && dn; cc += 8) {
            simde__m256 v = simde_mm256_loadu_ps(d + cc);
            v = simde_mm256_min_ps(v, simde_mm256_add_ps(simde_mm256_loadu_ps(dn + cc), one));
            simde_mm256_storeu_ps(d + cc, v);
        }
        for (; cc < c1; cc++)
            if (dn) d[cc] = fminf(d[cc], dn[cc] + 1.0f);
    }
}

/* Whether every bit of v is 0. (SIMDe 0.7's emulated simde_mm256_testz_si256 answers 1 for nonzero vectors
 * without AVX, so this goes through a byte compare instead.) */
static inline int all_zero(simde__m256i v)
{
    return simde_mm256_movemask_epi8(simde_mm256_cmpeq_epi8(v, simde_mm256_setzero_si256())) == -1;
}

/* Whether any of the n bytes at m is nonzero. */
static int any_nonzero(const uint8_t *m, size_t n)
{
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        simde__m256i v = simde_mm256_loadu_si256((const simde__m256i *)(const void *)(m + i));
        if (!all_zero(v)) return 1;
    }
    for (; i < n; i++)
        if (m[i]) return 1;
    return 0;
}

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

static void job_edt_rows(void *arg, int w, int nw)
{
    edt_job *j = arg;
    size_t nx = j->g->nx, ny = j->g->ny, r0, r1;
    share(ny, w, nw, 1, &r0, &r1);
    char *s = j->scratch + (size_t)w * j->per_worker;
    float *f = (float *)(void *)s;
    double *z = (double *)(void *)(s + round_up(nx * sizeof(float), 64));
    int *v = (int *)(void *)(s + round_up(nx * sizeof(float), 64) + round_up((nx + 1) * sizeof(double), 64));
    const simde__m256 cell = simde_mm256_set1_ps(j->g->cell), half = simde_mm256_set1_ps(0.5f * j->g->cell);
    const simde__m256 lim = simde_mm256_set1_ps(1e29f), big = simde_mm256_set1_ps(NO_SITE);
    const simde__m256 zero = simde_mm256_setzero_ps();
    for (size_t r = r0; r < r1; r++) {
        float *d = j->dist + r * nx;
        const uint8_t *m = j->mask + r * nx;
        /* a row with no inside cell is all zeros already (the column pass wrote 0 for every outside cell) */
        if (!any_nonzero(m, nx)) continue;
        size_t cc = 0;
        for (; cc + 8 <= nx; cc += 8) { /* square the column distances */
            simde__m256 g = simde_mm256_loadu_ps(d + cc);
            simde__m256 nosite = simde_mm256_cmp_ps(g, lim, SIMDE_CMP_GE_OQ);
            simde_mm256_storeu_ps(f + cc, simde_mm256_blendv_ps(simde_mm256_mul_ps(g, g), big, nosite));
        }
        for (; cc < nx; cc++)
            f[cc] = d[cc] >= 1e29f ? NO_SITE : d[cc] * d[cc];
        edt_1d(f, nx, d, v, z);
        for (cc = 0; cc + 8 <= nx; cc += 8) { /* mask ? (no site ? 1e30 : √d·cell − cell/2) : 0 */
            simde__m128i mb = simde_mm_loadl_epi64((const simde__m128i *)(const void *)(m + cc));
            simde__m256 in = simde_mm256_castsi256_ps(
                simde_mm256_cmpgt_epi32(simde_mm256_cvtepu8_epi32(mb), simde_mm256_setzero_si256()));
            simde__m256 x = simde_mm256_loadu_ps(d + cc);
            simde__m256 nosite = simde_mm256_cmp_ps(x, lim, SIMDE_CMP_GE_OQ);
            simde__m256 dd = simde_mm256_sub_ps(simde_mm256_mul_ps(simde_mm256_sqrt_ps(x), cell), half);
            dd = simde_mm256_blendv_ps(dd, big, nosite);
            simde_mm256_storeu_ps(d + cc, simde_mm256_blendv_ps(zero, dd, in));
        }
        for (; cc < nx; cc++)
            d[cc] = m[cc] ? (d[cc] >= 1e29f ? NO_SITE : sqrtf(d[cc]) * j->g->cell - 0.5f * j->g->cell) : 0.0f;
    }
}

static pf_err simd_edt(void *ctx, const uint8_t *mask, const pf_grid *g, float *dist)
{
    simd_ctx *c = ctx;
    pthread_mutex_lock(&c->stage_lock);
    size_t nx = g->nx;
    size_t per = round_up(nx * sizeof(float), 64) + round_up((nx + 1) * sizeof(double), 64) +
                 round_up((nx + 1) * sizeof(int), 64);
    edt_job j = {mask, g, dist, scratch_get(c, per * (size_t)c->nthreads), per};
    if (j.scratch) {
        run_job(c, job_edt_columns, &j);
        run_job(c, job_edt_rows, &j);
    }
    pthread_mutex_unlock(&c->stage_lock);
    return j.scratch ? PF_E_OK : PF_E_NOMEM;
}

/* ---- stage 5: margin seeds and classify (threads over cell ranges, 8 cells per instruction) ---- */

/* Scalar twins for the tails, identical to the reference backend's per-cell logic. */
static inline float dk(const float *const dist[7], int k, size_t i)
{
    return dist[k] ? dist[k][i] : -1.0f;
}

static uint8_t classify_cell(const pf_classify_params *p, float cell, size_t layer,
                             const float *const dist[7], const float *mt, const float *mb,
                             const uint8_t *below, size_t i)
{
    float d = dist[3][i], half = 0.5f * cell;
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
            if (dk(dist, 4, i) <= 0.0f || (mt && mt[i] <= p->margin)) {
                fill = PF_FILL_TOP;
            } else if (dk(dist, 2, i) <= 0.0f || (mb && mb[i] <= p->margin)) {
                fill = PF_FILL_BRIDGE;
            } else {
                int solid = dk(dist, 0, i) <= 0.0f || dk(dist, 6, i) <= 0.0f;
                for (int k = 1; k <= 5 && !solid; k++) {
                    if (k == 3) continue;
                    long jl = (long)layer - 3 + k;
                    float dj = dk(dist, k, i);
                    solid = jl == 0 || (dj < p->fill_lo && d - dj >= p->shell_min_width);
                }
                if (!solid)
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

typedef struct cls_job {
    const pf_grid *g;
    const pf_classify_params *p;
    size_t layer;
    const float *const *dist;
    const float *mt, *mb;
    const uint8_t *below;
    uint8_t *out;
    uint8_t *top_seed, *bot_seed;
    int has[MAX_THREADS][2]; /* per worker: any top seed, any bottom seed */
} cls_job;

#define V_LOAD(k, i) ((j->dist[k]) ? simde_mm256_loadu_ps(j->dist[k] + (i)) : simde_mm256_set1_ps(-1.0f))
#define V_CMP(a, b, op) simde_mm256_castps_si256(simde_mm256_cmp_ps((a), (b), (op)))

/* 8 int32 lanes holding bytes (0..255) → 8 bytes at dst. */
static inline void store8(uint8_t *dst, simde__m256i v)
{
    simde__m256i w = simde_mm256_packus_epi16(simde_mm256_packs_epi32(v, v), simde_mm256_setzero_si256());
    uint32_t lo = (uint32_t)simde_mm_cvtsi128_si32(simde_mm256_castsi256_si128(w));
    uint32_t hi = (uint32_t)simde_mm_cvtsi128_si32(simde_mm256_extracti128_si256(w, 1));
    memcpy(dst, &lo, 4);
    memcpy(dst + 4, &hi, 4);
}

static void job_classify(void *arg, int w, int nw)
{
    cls_job *j = arg;
    const pf_classify_params *p = j->p;
    size_t n = (size_t)j->g->nx * j->g->ny, i0, i1;
    share(n, w, nw, 64, &i0, &i1);
    const simde__m256 zero = simde_mm256_setzero_ps();
    const simde__m256i izero = simde_mm256_setzero_si256();
    const simde__m256i inside = simde_mm256_set1_epi32(PF_CELL_INSIDE);
    const simde__m256i ext = simde_mm256_set1_epi32(PF_CELL_WALL_EXT),
                       inn = simde_mm256_set1_epi32(PF_CELL_WALL_INT);
    int l0 = j->layer == 0;
    const simde__m256 shift = simde_mm256_set1_ps(l0 ? p->l0_shift : 0.0f);
    const simde__m256 ext_lo = simde_mm256_set1_ps(p->ext_lo);
    const simde__m256 ext_hi = simde_mm256_set1_ps(l0 ? p->l0_ext_hi : p->ext_hi);
    const simde__m256 int_hi = simde_mm256_set1_ps(l0 ? p->l0_int_hi : p->int_hi);
    const simde__m256 fill_at = simde_mm256_set1_ps(l0 ? p->l0_fill_lo : p->fill_print_lo);
    const simde__m256 fill_lo = simde_mm256_set1_ps(p->fill_lo), margin = simde_mm256_set1_ps(p->margin);
    const simde__m256 half = simde_mm256_set1_ps(0.5f * j->g->cell),
                      shell = simde_mm256_set1_ps(p->shell_min_width);
    /* a layer index 0 among layer − 2 … layer + 2 makes every fill cell solid (scalar: j == 0) */
    int solid_all = 0;
    for (int k = 1; k <= 5; k++)
        if (k != 3 && (long)j->layer - 3 + k == 0) solid_all = 1;
    const simde__m256i f_top = simde_mm256_set1_epi32(PF_FILL_TOP << PF_CELL_FILL_SHIFT);
    const simde__m256i f_bridge = simde_mm256_set1_epi32(PF_FILL_BRIDGE << PF_CELL_FILL_SHIFT);
    const simde__m256i f_sparse = simde_mm256_set1_epi32(PF_FILL_SPARSE << PF_CELL_FILL_SHIFT);
    const simde__m256i f_ibridge = simde_mm256_set1_epi32(PF_FILL_IBRIDGE << PF_CELL_FILL_SHIFT);
    const simde__m256i f_solid = simde_mm256_set1_epi32(PF_FILL_SOLID << PF_CELL_FILL_SHIFT);
    const simde__m256i f_first = simde_mm256_set1_epi32(PF_FILL_FIRST << PF_CELL_FILL_SHIFT);
    const simde__m256i fmask = simde_mm256_set1_epi32(PF_CELL_FILL_MASK);
    size_t i = i0;
    for (; i + 8 <= i1; i += 8) {
        simde__m256 d = simde_mm256_loadu_ps(j->dist[3] + i);
        simde__m256i in = V_CMP(d, zero, SIMDE_CMP_GT_OQ);
        if (all_zero(in)) {
            memset(j->out + i, 0, 8);
            continue;
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
        } else {
            simde__m256i top = V_CMP(V_LOAD(4, i), zero, SIMDE_CMP_LE_OQ);
            if (j->mt)
                top = simde_mm256_or_si256(top,
                                           V_CMP(simde_mm256_loadu_ps(j->mt + i), margin, SIMDE_CMP_LE_OQ));
            simde__m256i bot = V_CMP(V_LOAD(2, i), zero, SIMDE_CMP_LE_OQ);
            if (j->mb)
                bot = simde_mm256_or_si256(bot,
                                           V_CMP(simde_mm256_loadu_ps(j->mb + i), margin, SIMDE_CMP_LE_OQ));
            simde__m256i solid = solid_all ? simde_mm256_set1_epi32(-1)
                                           : simde_mm256_or_si256(V_CMP(V_LOAD(0, i), zero, SIMDE_CMP_LE_OQ),
                                                                  V_CMP(V_LOAD(6, i), zero, SIMDE_CMP_LE_OQ));
            static const int ks[4] = {1, 2, 4, 5};
            for (int q = 0; q < 4 && !solid_all; q++) {
                simde__m256 dj = V_LOAD(ks[q], i);
                simde__m256i recedes = V_CMP(simde_mm256_sub_ps(d, dj), shell, SIMDE_CMP_GE_OQ);
                solid = simde_mm256_or_si256(
                    solid, simde_mm256_and_si256(V_CMP(dj, fill_lo, SIMDE_CMP_LT_OQ), recedes));
            }
            simde__m256i below_sparse = izero;
            if (j->below) {
                simde__m128i bb = simde_mm_loadl_epi64((const simde__m128i *)(const void *)(j->below + i));
                simde__m256i bf = simde_mm256_and_si256(simde_mm256_cvtepu8_epi32(bb), fmask);
                below_sparse = simde_mm256_cmpeq_epi32(bf, f_sparse);
            }
            /* innermost choice first: solid → ibridge/solid/sparse, then bridge over it, then top over that
             */
            fill = simde_mm256_blendv_epi8(f_solid, f_ibridge, below_sparse);
            fill = simde_mm256_blendv_epi8(f_sparse, fill, solid);
            fill = simde_mm256_blendv_epi8(fill, f_bridge, bot);
            fill = simde_mm256_blendv_epi8(fill, f_top, top);
            fill = simde_mm256_and_si256(fill, has_fill);
        }
        store8(j->out + i, simde_mm256_and_si256(simde_mm256_or_si256(c, fill), in));
    }
    for (; i < i1; i++)
        j->out[i] = classify_cell(p, j->g->cell, j->layer, j->dist, j->mt, j->mb, j->below, i);
}

static pf_err simd_classify(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                            size_t nlayers, const float *const dist[7], const float *margin_top,
                            const float *margin_bot, const uint8_t *below, uint8_t *out)
{
    (void)nlayers;
    simd_ctx *c = ctx;
    pthread_mutex_lock(&c->stage_lock);
    cls_job j = {.g = g,
                 .p = p,
                 .layer = layer,
                 .dist = dist,
                 .mt = margin_top,
                 .mb = margin_bot,
                 .below = below,
                 .out = out};
    run_job(c, job_classify, &j);
    pthread_mutex_unlock(&c->stage_lock);
    return PF_E_OK;
}

static void job_seeds(void *arg, int w, int nw)
{
    cls_job *j = arg;
    size_t n = (size_t)j->g->nx * j->g->ny, i0, i1;
    share(n, w, nw, 64, &i0, &i1);
    const simde__m256 zero = simde_mm256_setzero_ps(), fill_lo = simde_mm256_set1_ps(j->p->fill_lo);
    const simde__m256i one = simde_mm256_set1_epi32(1);
    simde__m256i any_t = simde_mm256_setzero_si256(), any_b = any_t;
    int ht = 0, hb = 0;
    size_t i = i0;
    if (j->layer == 0) { /* no fill region counts on layer 0: no seeds */
        memset(j->top_seed + i0, 1, i1 - i0);
        memset(j->bot_seed + i0, 1, i1 - i0);
        i = i1;
    }
    for (; i + 8 <= i1; i += 8) {
        simde__m256i fill = V_CMP(simde_mm256_loadu_ps(j->dist[3] + i), fill_lo, SIMDE_CMP_GE_OQ);
        simde__m256i t = simde_mm256_and_si256(fill, V_CMP(V_LOAD(4, i), zero, SIMDE_CMP_LE_OQ));
        simde__m256i b = simde_mm256_and_si256(fill, V_CMP(V_LOAD(2, i), zero, SIMDE_CMP_LE_OQ));
        any_t = simde_mm256_or_si256(any_t, t);
        any_b = simde_mm256_or_si256(any_b, b);
        store8(j->top_seed + i, simde_mm256_andnot_si256(t, one));
        store8(j->bot_seed + i, simde_mm256_andnot_si256(b, one));
    }
    for (; i < i1; i++) {
        int fill = j->layer > 0 && j->dist[3][i] >= j->p->fill_lo;
        int t = fill && dk(j->dist, 4, i) <= 0.0f, b = fill && dk(j->dist, 2, i) <= 0.0f;
        j->top_seed[i] = !t;
        j->bot_seed[i] = !b;
        ht |= t;
        hb |= b;
    }
    j->has[w][0] = ht || !all_zero(any_t);
    j->has[w][1] = hb || !all_zero(any_b);
}

static pf_err simd_margin_seeds(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                                size_t nlayers, const float *const dist[7], uint8_t *top_seed,
                                uint8_t *bot_seed, int *has_top, int *has_bot)
{
    (void)nlayers;
    simd_ctx *c = ctx;
    pthread_mutex_lock(&c->stage_lock);
    cls_job j = {.g = g, .p = p, .layer = layer, .dist = dist, .top_seed = top_seed, .bot_seed = bot_seed};
    run_job(c, job_seeds, &j);
    int ht = 0, hb = 0;
    for (int w = 0; w < c->nthreads; w++)
        ht |= j.has[w][0], hb |= j.has[w][1];
    *has_top = ht;
    *has_bot = hb;
    pthread_mutex_unlock(&c->stage_lock);
    return PF_E_OK;
}

/* ---- stage 6: reduce ----
 * Rows are walked in memory order; a run's state lives in a per-diagonal counter (index x − y or x + y), so 8
 * neighbouring cells of a row update 8 neighbouring counters at once. Run sets are split over the workers
 * (each set is one independent pass), and lengths are counted as integers, so the result does not depend on
 * the split. */

static int hist_bin(float len)
{
    int b = 0;
    while (b + 1 < PF_HIST_BINS && len >= pf_hist_edge(b + 1))
        b++;
    return b;
}

static unsigned runsets_of(unsigned fill)
{
    switch (fill) {
    case PF_FILL_SPARSE:
        return 1u << PF_RUN_SPARSE | 1u << PF_RUN_FULL;
    case PF_FILL_SOLID:
        return 1u << PF_RUN_SOLID | 1u << PF_RUN_FULL;
    case PF_FILL_FIRST:
        return 1u << PF_RUN_SOLID | 1u << PF_RUN_FULL;
    case PF_FILL_TOP:
        return 1u << PF_RUN_TOP;
    case PF_FILL_BRIDGE:
        return 1u << PF_RUN_BRIDGE;
    case PF_FILL_IBRIDGE:
        return 1u << PF_RUN_IBRIDGE | 1u << PF_RUN_FULL;
    default:
        return 0;
    }
}

typedef struct reduce_job {
    const pf_grid *g;
    const pf_classify_params *p;
    size_t layer;
    const float *dist;
    const uint8_t *cls;
    int parity;
    float step;   /* cell·√2: run length per cell */
    int32_t *len; /* PF_RUN_N × stride per-diagonal run lengths */
    size_t stride;
    uint64_t nruns[PF_RUN_N][PF_HIST_BINS];  /* runs per set and bin */
    uint64_t ncells[PF_RUN_N][PF_HIST_BINS]; /* their total length in cells */
    uint64_t inside;                         /* cells with a class */
    double wall[3], fill[PF_FILL_N];         /* fractional cell counts per band / fill class */
} reduce_job;

static inline void end_run(reduce_job *j, int r, int32_t len)
{
    int b = hist_bin((float)len * j->step);
    j->nruns[r][b]++;
    j->ncells[r][b] += (uint64_t)len;
}

static void reduce_set(reduce_job *j, int r)
{
    long nx = j->g->nx, ny = j->g->ny;
    int32_t *len = j->len + (size_t)r * j->stride;
    memset(len, 0, j->stride * sizeof *len);
    /* runsets_of as an 8-entry table over the fill class, bit r only */
    int32_t tab[8];
    for (int f = 0; f < 8; f++)
        tab[f] = (int32_t)(runsets_of((unsigned)f) >> r & 1);
    const simde__m256i table = simde_mm256_loadu_si256((const simde__m256i *)(const void *)tab);
    const simde__m256i seven = simde_mm256_set1_epi32(7), one = simde_mm256_set1_epi32(1);
    const simde__m256i izero = simde_mm256_setzero_si256();
    for (long y = 0; y < ny; y++) {
        const uint8_t *row = j->cls + (size_t)y * (size_t)nx;
        int32_t *ld = len + (j->parity ? y : ny - 1 - y); /* counter of cell (x, y) is ld[x] */
        long x = 0;
        for (; x + 8 <= nx; x += 8) {
            simde__m128i cb = simde_mm_loadl_epi64((const simde__m128i *)(const void *)(row + x));
            simde__m256i f =
                simde_mm256_and_si256(simde_mm256_srli_epi32(simde_mm256_cvtepu8_epi32(cb), 2), seven);
            simde__m256i in = simde_mm256_permutevar8x32_epi32(table, f); /* 1 or 0 */
            simde__m256i l = simde_mm256_loadu_si256((const simde__m256i *)(void *)(ld + x));
            simde__m256i ending = simde_mm256_andnot_si256(simde_mm256_cmpgt_epi32(in, izero),
                                                           simde_mm256_cmpgt_epi32(l, izero));
            int em = simde_mm256_movemask_ps(simde_mm256_castsi256_ps(ending));
            if (em) {
                int32_t lv[8];
                simde_mm256_storeu_si256((simde__m256i *)(void *)lv, l);
                for (int k = 0; k < 8; k++)
                    if (em >> k & 1) end_run(j, r, lv[k]);
            }
            /* in ? len + 1 : 0 */
            l = simde_mm256_and_si256(simde_mm256_add_epi32(l, one), simde_mm256_sub_epi32(izero, in));
            simde_mm256_storeu_si256((simde__m256i *)(void *)(ld + x), l);
        }
        for (; x < nx; x++) {
            int in = (int)(runsets_of((row[x] >> PF_CELL_FILL_SHIFT) & 7) >> r & 1);
            if (in)
                ld[x]++;
            else if (ld[x])
                end_run(j, r, ld[x]), ld[x] = 0;
        }
    }
    for (size_t k = 0; k < j->stride; k++)
        if (len[k]) end_run(j, r, len[k]);
}

/* Length of [a, b] ∩ [lo, hi]. */
static inline float overlap(float a, float b, float lo, float hi)
{
    float x = fmaxf(a, lo), y = fminf(b, hi);
    return y > x ? y - x : 0.0f;
}

/* Fractional band and fill areas, as the scalar backend sums them (same order, so the same doubles). */
static void reduce_count(reduce_job *j)
{
    size_t n = (size_t)j->g->nx * j->g->ny;
    const pf_classify_params *p = j->p;
    float half = 0.5f * j->g->cell, inv = 1.0f / j->g->cell;
    float shift = j->layer == 0 ? p->l0_shift : 0.0f;
    float ext_hi = j->layer == 0 ? p->l0_ext_hi : p->ext_hi,
          int_hi = j->layer == 0 ? p->l0_int_hi : p->int_hi;
    float fill_lo = j->layer == 0 ? p->l0_fill_lo : p->fill_print_lo;
    const uint8_t *cl = j->cls;
    for (size_t i0 = 0; i0 < n; i0 += 32) {
        size_t i1 = i0 + 32 < n ? i0 + 32 : n;
        /* skip empty stretches 32 bytes at a time: most of a padded grid is outside */
        if (i1 - i0 == 32 && all_zero(simde_mm256_loadu_si256((const simde__m256i *)(const void *)(cl + i0))))
            continue;
        for (size_t i = i0; i < i1; i++) {
            uint8_t c = cl[i];
            if (!c) continue;
            float d = j->dist[i] - shift, a = d - half, b = d + half;
            j->inside++;
            j->wall[1] += overlap(a, b, p->ext_lo, ext_hi) * inv;
            j->wall[2] += overlap(a, b, ext_hi, int_hi) * inv;
            j->fill[(c & PF_CELL_FILL_MASK) >> PF_CELL_FILL_SHIFT] += overlap(a, b, fill_lo, 1e30f) * inv;
        }
    }
}

static void job_reduce(void *arg, int w, int nw)
{
    reduce_job *j = arg;
    /* PF_RUN_N sets plus the class count, dealt round-robin */
    for (int t = w; t <= PF_RUN_N; t += nw) {
        if (t == PF_RUN_N)
            reduce_count(j);
        else
            reduce_set(j, t);
    }
}

static pf_err simd_reduce(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                          const float *dist, const uint8_t *cls, int parity, pf_layer_cells *out)
{
    simd_ctx *c = ctx;
    pthread_mutex_lock(&c->stage_lock);
    pf_err err = PF_E_NOMEM;
    reduce_job *j = calloc(1, sizeof *j);
    if (!j) goto done;
    j->g = g;
    j->p = p;
    j->layer = layer;
    j->dist = dist;
    j->cls = cls;
    j->parity = parity;
    j->step = g->cell * 1.41421356f;
    j->stride = round_up((size_t)g->nx + g->ny + 8, 16);
    if (!(j->len = scratch_get(c, PF_RUN_N * j->stride * sizeof *j->len))) goto done;
    run_job(c, job_reduce, j);
    memset(out, 0, sizeof *out);
    double ca = (double)g->cell * g->cell, perp = (double)(g->cell * 0.70710678f);
    out->area = (float)((double)j->inside * ca);
    for (int k = 1; k < 3; k++)
        out->wall_area[k] = (float)(j->wall[k] * ca);
    for (int k = 1; k < PF_FILL_N; k++)
        out->fill_area[k] = (float)(j->fill[k] * ca);
    for (int r = 0; r < PF_RUN_N; r++)
        for (int b = 0; b < PF_HIST_BINS; b++) {
            out->runs[r][b] = (float)((double)j->nruns[r][b] * perp);
            out->run_area[r][b] = (float)((double)j->ncells[r][b] * ca);
        }
    err = PF_E_OK;
done:
    free(j);
    pthread_mutex_unlock(&c->stage_lock);
    return err;
}

/* ---- lifecycle ---- */

static void simd_destroy(void *p)
{
    simd_ctx *c = p;
    if (!c) return;
    pthread_mutex_lock(&c->m);
    c->quit = 1;
    pthread_cond_broadcast(&c->go);
    pthread_mutex_unlock(&c->m);
    for (int i = 0; i < c->started; i++)
        pthread_join(c->threads[i], NULL);
    pthread_cond_destroy(&c->go);
    pthread_cond_destroy(&c->done);
    pthread_mutex_destroy(&c->m);
    pthread_mutex_destroy(&c->stage_lock);
    free(c->scratch);
    free(c);
}

pf_err pf_backend_simd_create(int threads, pf_backend **out)
{
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    pf_backend *be = calloc(1, sizeof *be);
    simd_ctx *c = calloc(1, sizeof *c);
    if (!be || !c) {
        free(be);
        free(c);
        return PF_E_NOMEM;
    }
    pthread_mutex_init(&c->stage_lock, NULL);
    pthread_mutex_init(&c->m, NULL);
    pthread_cond_init(&c->go, NULL);
    pthread_cond_init(&c->done, NULL);
    c->nthreads = threads;
    for (int i = 1; i < threads; i++) {
        worker_start *ws = malloc(sizeof *ws);
        if (!ws) break;
        *ws = (worker_start){c, i};
        if (pthread_create(&c->threads[c->started], NULL, worker_main, ws)) {
            free(ws);
            break;
        }
        c->started++;
    }
    if (c->started != threads - 1) {
        simd_destroy(c);
        free(be);
        return PF_E_DEVICE;
    }
    *be = (pf_backend){.name = "simd",
                       .device = "cpu",
                       .ctx = c,
                       .slice_count = simd_slice_count,
                       .slice_emit = simd_slice_emit,
                       .raster = simd_raster,
                       .edt = simd_edt,
                       .classify = simd_classify,
                       .margin_seeds = simd_margin_seeds,
                       .reduce = simd_reduce,
                       .destroy = simd_destroy};
    *out = be;
    return PF_E_OK;
}
