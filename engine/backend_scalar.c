/* The scalar reference implementation of the estimator stages in engine/backend.h. */
#include "engine/backend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Where plane z cuts the edge a→b (a below or on, b above, or the reverse). */
static void cut_edge(const float *a, const float *b, float z, float *x, float *y)
{
    float t = (z - a[2]) / (b[2] - a[2]);
    *x = a[0] + t * (b[0] - a[0]);
    *y = a[1] + t * (b[1] - a[1]);
}

size_t pf_lower_layer(const float *zs, size_t n, float z)
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

static pf_err scalar_slice_count(void *ctx, const float *verts, const uint32_t *tris, size_t ntris,
                                 const float *zs, size_t nlayers, uint32_t *counts)
{
    (void)ctx;
    memset(counts, 0, nlayers * sizeof *counts);
    for (size_t t = 0; t < ntris; t++) {
        float z0 = verts[3 * tris[3 * t] + 2], z1 = verts[3 * tris[3 * t + 1] + 2],
              z2 = verts[3 * tris[3 * t + 2] + 2];
        float lo = fminf(z0, fminf(z1, z2)), hi = fmaxf(z0, fmaxf(z1, z2));
        /* planes with lo ≤ z < hi */
        for (size_t l = pf_lower_layer(zs, nlayers, lo); l < nlayers && zs[l] < hi; l++)
            counts[l]++;
    }
    return PF_E_OK;
}

static uint64_t edge_key(uint32_t a, uint32_t b)
{
    return a < b ? ((uint64_t)a << 32 | b) : ((uint64_t)b << 32 | a);
}

static pf_err scalar_slice_emit(void *ctx, const float *verts, const uint32_t *tris, size_t ntris,
                                const float *zs, size_t nlayers, const uint32_t *offsets,
                                const uint32_t *ends, float *segs, uint64_t *keys)
{
    (void)ctx;
    if (!ends) ends = offsets + 1;
    uint32_t *fill = malloc((nlayers ? nlayers : 1) * sizeof *fill);
    if (!fill) return PF_E_NOMEM;
    memcpy(fill, offsets, nlayers * sizeof *fill);
    for (size_t t = 0; t < ntris; t++) {
        const uint32_t *ix = tris + 3 * t;
        const float *v[3] = {verts + 3 * ix[0], verts + 3 * ix[1], verts + 3 * ix[2]};
        float lo = fminf(v[0][2], fminf(v[1][2], v[2][2])), hi = fmaxf(v[0][2], fmaxf(v[1][2], v[2][2]));
        /* The inside is left of the segment when it runs along ẑ × n. */
        float ux = v[1][0] - v[0][0], uy = v[1][1] - v[0][1], uz = v[1][2] - v[0][2];
        float wx = v[2][0] - v[0][0], wy = v[2][1] - v[0][1], wz = v[2][2] - v[0][2];
        float nx = uy * wz - uz * wy, ny = uz * wx - ux * wz;
        for (size_t l = pf_lower_layer(zs, nlayers, lo); l < nlayers && zs[l] < hi; l++) {
            float z = zs[l], p[2][2];
            uint64_t k[2];
            int np = 0;
            for (int e = 0; e < 3 && np < 2; e++) {
                const float *a = v[e], *b = v[(e + 1) % 3];
                if ((a[2] > z) != (b[2] > z)) {
                    cut_edge(a, b, z, &p[np][0], &p[np][1]);
                    k[np] = edge_key(ix[e], ix[(e + 1) % 3]);
                    np++;
                }
            }
            if (np < 2) continue;     /* cannot happen for lo ≤ z < hi; keeps the counts an upper bound */
            if (fill[l] >= ends[l]) { /* more segments than slice_count's counts made room for */
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
    /* Degenerate triangles (np < 2) leave holes; fill them with zero-length segments so offsets stay valid.
     */
    for (size_t l = 0; l < nlayers; l++)
        for (uint32_t i = fill[l]; i < ends[l]; i++) {
            memset(segs + (size_t)PF_SEG_FLOATS * i, 0, PF_SEG_FLOATS * sizeof(float));
            keys[2 * (size_t)i] = keys[2 * (size_t)i + 1] = UINT64_MAX;
        }
    free(fill);
    return PF_E_OK;
}

static pf_err scalar_raster(void *ctx, const float *segs, size_t nsegs, const pf_grid *g, uint8_t *mask)
{
    (void)ctx;
    size_t nx = g->nx, ny = g->ny;
    int32_t *delta = calloc((nx + 1) * ny, sizeof *delta);
    if (!delta) return PF_E_NOMEM;
    float inv = 1.0f / g->cell;
    for (size_t i = 0; i < nsegs; i++) {
        /* A downward segment is a left edge of the inside (counter-clockwise outer contour): +1 from there.
         */
        pf_seg_rows q;
        if (!pf_seg_rows_of(segs + PF_SEG_FLOATS * i, g, inv, &q)) continue;
        for (long r = q.r0; r < q.r1; r++)
            delta[(size_t)r * (nx + 1) + pf_seg_col(&q, r, g->nx)] += q.wind;
    }
    for (size_t r = 0; r < ny; r++) {
        int32_t acc = 0;
        const int32_t *d = delta + r * (nx + 1);
        uint8_t *m = mask + r * nx;
        for (size_t c = 0; c < nx; c++) {
            acc += d[c];
            m[c] = acc != 0;
        }
    }
    free(delta);
    return PF_E_OK;
}

/* Bounding rectangle [*x0, *x1] × [*y0, *y1] of the nonzero bytes of m; returns 0 when there are none. */
static int nonzero_rect(const uint8_t *m, long nx, long ny, long *x0, long *x1, long *y0, long *y1)
{
    long ax = nx, bx = -1, ay = ny, by = -1;
    for (long y = 0; y < ny; y++) {
        const uint8_t *r = m + y * nx;
        long a = 0, b = nx - 1;
        while (a < nx && !r[a])
            a++;
        if (a == nx) continue;
        while (!r[b])
            b--;
        if (a < ax) ax = a;
        if (b > bx) bx = b;
        if (ay == ny) ay = y;
        by = y;
    }
    if (bx < 0) return 0;
    *x0 = ax, *x1 = bx, *y0 = ay, *y1 = by;
    return 1;
}

/* Felzenszwalb–Huttenlocher 1-D squared distance transform of f (n samples, ≥ 1e29 = no site) into d, using
 * v, z (n + 1 entries) as scratch. Lower envelope of the parabolas rooted at the finite samples. */
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
            d[q] = 1e30f;
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

static pf_err scalar_edt(void *ctx, const uint8_t *mask, const pf_grid *g, uint32_t cap, float *dist)
{
    (void)ctx;
    size_t nx = g->nx, ny = g->ny, m = nx > ny ? nx : ny;
    float *f = malloc(m * sizeof *f), *d = malloc(m * sizeof *d);
    double *z = malloc((m + 1) * sizeof *z);
    int *v = malloc((m + 1) * sizeof *v);
    pf_err err = PF_E_NOMEM;
    if (!f || !d || !z || !v) goto done;
    memset(dist, 0, nx * ny * sizeof *dist);
    /* Only the rectangle around the inside cells (plus one ring of outside cells, whose sites bound every
     * distance) needs transforming; everything else is outside and stays 0. */
    long x0, x1, y0, y1;
    if (nonzero_rect(mask, (long)nx, (long)ny, &x0, &x1, &y0, &y1)) {
        if (x0 > 0) x0--;
        if (y0 > 0) y0--;
        if (x1 < (long)nx - 1) x1++;
        if (y1 < (long)ny - 1) y1++;
        size_t w = (size_t)(x1 - x0 + 1), hgt = (size_t)(y1 - y0 + 1);
        for (long r = y0; r <= y1; r++) { /* rows: squared distance in cells along x */
            const uint8_t *mr = mask + (size_t)r * nx + x0;
            for (size_t c = 0; c < w; c++)
                f[c] = mr[c] ? 1e30f : 0.0f;
            edt_1d(f, w, dist + (size_t)r * nx + x0, v, z);
        }
        for (long c = x0; c <= x1; c++) { /* columns */
            for (size_t r = 0; r < hgt; r++)
                f[r] = dist[(r + y0) * nx + c];
            edt_1d(f, hgt, d, v, z);
            for (size_t r = 0; r < hgt; r++)
                dist[(r + y0) * nx + c] = d[r];
        }
        float cell = g->cell, half = 0.5f * g->cell, lim = cap ? (float)cap * (float)cap : 1e30f;
        for (long r = y0; r <= y1; r++)
            for (long c = x0; c <= x1; c++) {
                size_t i = (size_t)r * nx + c;
                float sq = fminf(dist[i], lim);
                dist[i] = mask[i] ? (sq >= 1e29f ? 1e30f : sqrtf(sq) * cell - half) : 0.0f;
            }
    }
    err = PF_E_OK;
done:
    free(f);
    free(d);
    free(z);
    free(v);
    return err;
}

/* Distance of the cell in layer offset k (0..6, 3 = this layer); a missing layer is "outside" everywhere. */
static inline float dk(const float *const dist[7], int k, size_t i)
{
    return dist[k] ? dist[k][i] : -1.0f;
}

static pf_err scalar_margin_seeds(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                                  size_t nlayers, const float *const dist[7], uint8_t *top_seed,
                                  uint8_t *bot_seed, int *has_top, int *has_bot)
{
    (void)ctx;
    (void)nlayers;
    size_t n = (size_t)g->nx * g->ny;
    int ht = 0, hb = 0;
    for (size_t i = 0; i < n; i++) {
        float d = dist[3][i];
        int fill = layer > 0 && d >= p->fill_lo;
        int t = fill && dk(dist, 4, i) <= 0.0f;
        int b = fill && dk(dist, 2, i) <= 0.0f;
        top_seed[i] = !t;
        bot_seed[i] = !b;
        ht |= t;
        hb |= b;
    }
    *has_top = ht;
    *has_bot = hb;
    return PF_E_OK;
}

/* Whether cell i lies in a fill region at least sparse_min_width wide: some cell within half that width
 * (probed along 8 directions) reaches fill_lo + half the width. The distance field is 1-Lipschitz, so a
 * narrow strip never gets there. A narrower fill region is the middle of a wall about 2·perimeters beads
 * wide (PF_FILL_MIDDLE): half of Arachne's 4 → 5 bead transition is fill_lo + half the width. */
static int wide_enough(const float *d, const pf_grid *g, size_t i, const pf_classify_params *p)
{
    /* need: half a cell beyond the transition, so a wall whose width the raster knows only to a cell is a
     * middle (PF_FILL_MIDDLE) that the driver decides exactly (engine/layer_geom.h) */
    float r = 0.5f * p->sparse_min_width, need = p->fill_lo + r + 0.5f * g->cell;
    if (d[i] >= need) return 1;
    r += g->cell; /* a boundary cell may sit up to a cell outside the fill region */
    long nx = g->nx, ny = g->ny, x = (long)(i % (size_t)nx), y = (long)(i / (size_t)nx);
    long k = (long)ceilf(r / g->cell), kd = (long)ceilf(r / g->cell * 0.70710678f);
    static const int dx[8] = {1, -1, 0, 0, 1, 1, -1, -1}, dy[8] = {0, 0, 1, -1, 1, -1, 1, -1};
    for (int q = 0; q < 8; q++) {
        long s = q < 4 ? k : kd, xx = x + dx[q] * s, yy = y + dy[q] * s;
        if (xx < 0 || yy < 0 || xx >= nx || yy >= ny) continue;
        if (d[yy * nx + xx] >= need) return 1;
    }
    return 0;
}

static pf_err scalar_classify(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                              size_t nlayers, const float *const dist[7], const float *margin_top,
                              const float *margin_bot, const uint8_t *below, uint8_t *out)
{
    (void)ctx;
    (void)nlayers;
    size_t n = (size_t)g->nx * g->ny;
    float half = 0.5f * g->cell;
    for (size_t i = 0; i < n; i++) {
        float d = dist[3][i];
        if (d <= 0.0f) {
            out[i] = 0;
            continue;
        }
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
                int top = dk(dist, 4, i) <= 0.0f || (margin_top && margin_top[i] <= p->margin);
                int bot = dk(dist, 2, i) <= 0.0f || (margin_bot && margin_bot[i] <= p->margin);
                if ((top || bot) && !wide_enough(dist[3], g, i, p)) {
                    /* a top or bottom surface on a wall's middle: the wall's beads (or a strip) cover it */
                    fill = PF_FILL_MIDDLE;
                    c |= PF_CELL_SHELL;
                } else if (bot) { /* over air, or within its margin: a bottom bridge, even under a top */
                    fill = PF_FILL_BRIDGE;
                } else if (top) {
                    fill = PF_FILL_TOP;
                } else {
                    /* Vertical shells: not in the fill region of a layer within 2, or a top/bottom surface of
                     * the layer 2 away (outside the slice 3 away). Layer 0 is all bottom surface. */
                    float d0 = dk(dist, 0, i), d6 = dk(dist, 6, i);
                    int solid = 0, ambig = 0;
                    pf_shell_far(p, d, d0, &solid, &ambig);
                    pf_shell_far(p, d, d6, &solid, &ambig);
                    for (int k = 1; k <= 5; k++)
                        if (k != 3) pf_shell_band(p, d, dk(dist, k, i), (long)layer - 3 + k, &solid, &ambig);
                    if (ambig && !solid) c |= PF_CELL_AMBIG;
                    if (!wide_enough(dist[3], g, i, p)) {
                        fill = PF_FILL_MIDDLE; /* a wall's middle: beads or a strip (pf_middles_resolve) */
                        if (solid) c |= PF_CELL_SHELL;
                    } else if (!solid)
                        fill = PF_FILL_SPARSE;
                    else if (below &&
                             ((below[i] & PF_CELL_FILL_MASK) >> PF_CELL_FILL_SHIFT) == PF_FILL_SPARSE)
                        fill = PF_FILL_IBRIDGE;
                    else
                        fill = PF_FILL_SOLID;
                }
            }
        }
        out[i] = (uint8_t)(c | fill << PF_CELL_FILL_SHIFT);
    }
    return PF_E_OK;
}

/* Length of [a, b] ∩ [lo, hi]. */
static inline float overlap(float a, float b, float lo, float hi)
{
    float x = fmaxf(a, lo), y = fminf(b, hi);
    return y > x ? y - x : 0.0f;
}

static pf_err scalar_reduce(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                            const float *dist, const uint8_t *cls, int parity, pf_layer_cells *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    long nx = g->nx, ny = g->ny;
    double ca = (double)g->cell * g->cell;
    float cell = g->cell, half = 0.5f * cell, inv = 1.0f / cell;
    float shift = layer == 0 ? p->l0_shift : 0.0f;
    float ext_hi = layer == 0 ? p->l0_ext_hi : p->ext_hi, int_hi = layer == 0 ? p->l0_int_hi : p->int_hi;
    float fill_lo = layer == 0 ? p->l0_fill_lo : p->fill_print_lo;
    double area = 0, wall[3] = {0}, thin = 0, fill[PF_FILL_N] = {0};
    pf_thin_probe tp = pf_thin_probe_of(p, ext_hi, cell);
    long x0, x1, y0, y1;
    if (!nonzero_rect(cls, nx, ny, &x0, &x1, &y0, &y1)) return PF_E_OK;
    for (long y = y0; y <= y1; y++)
        for (long x = x0; x <= x1; x++) {
            long i = y * nx + x;
            uint8_t c = cls[i];
            if (!c) continue;
            float d = dist[i] - shift, a = d - half, b = d + half;
            area += 1;
            wall[1] += overlap(a, b, p->ext_lo, ext_hi) * inv;
            float w2 = overlap(a, b, ext_hi, int_hi) * inv;
            wall[2] += w2;
            if (w2 > 0 && d < tp.need && pf_thin_cell(dist, nx, ny, x, y, shift, &tp)) thin += w2;
            int f = (c & PF_CELL_FILL_MASK) >> PF_CELL_FILL_SHIFT;
            /* class 0 inside: the band beyond the beads (a wall's middle the beads widen over) */
            fill[pf_fill_slot(f)] += overlap(a, b, f ? fill_lo : int_hi, 1e30f) * inv;
        }
    out->area = (float)(area * ca);
    for (int k = 1; k < 3; k++)
        out->wall_area[k] = (float)(wall[k] * ca);
    out->wall_thin = (float)(thin * ca);
    for (int k = 0; k < PF_FILL_N; k++)
        out->fill_area[k] = (float)(fill[k] * ca);
    /* Diagonals: parity 0 walks (+1, +1), parity 1 walks (+1, −1); start cells are on the left/bottom or top
     * edges. Run lengths are counted per run set at once. */
    float step = g->cell * 1.41421356f, perp = g->cell * 0.70710678f;
    double runs[PF_RUN_N][PF_HIST_BINS] = {{0}}, rarea[PF_RUN_N][PF_HIST_BINS] = {{0}};
    /* Walk the diagonals of the rectangle only (local coordinates rx, ry; cells outside it are empty). */
    long rw = x1 - x0 + 1, rh = y1 - y0 + 1;
    for (long s = -(rh - 1); s < rw; s++) {
        long x = s < 0 ? 0 : s, y = s < 0 ? -s : 0; /* parity 0: x − y = s */
        if (parity) y = s < 0 ? (rh - 1) + s : rh - 1, x = s < 0 ? 0 : s;
        long len[PF_RUN_N] = {0};
        for (;; x++) {
            unsigned set = 0;
            int inb = x < rw && y >= 0 && y < rh;
            if (inb)
                set = pf_runsets_of((cls[(y + y0) * nx + x + x0] & PF_CELL_FILL_MASK) >> PF_CELL_FILL_SHIFT);
            for (int r = 0; r < PF_RUN_N; r++) {
                if (set >> r & 1) {
                    len[r]++;
                } else if (len[r]) {
                    int b = pf_hist_bin((float)len[r] * step);
                    runs[r][b] += perp;
                    rarea[r][b] += (double)len[r] * ca;
                    len[r] = 0;
                }
            }
            if (!inb) break;
            y += parity ? -1 : 1;
        }
    }
    for (int r = 0; r < PF_RUN_N; r++)
        for (int b = 0; b < PF_HIST_BINS; b++) {
            out->runs[r][b] = (float)runs[r][b];
            out->run_area[r][b] = (float)rarea[r][b];
        }
    return PF_E_OK;
}

static const pf_backend scalar_backend = {
    .name = "scalar",
    .device = "cpu",
    .ctx = NULL,
    .slice_count = scalar_slice_count,
    .slice_emit = scalar_slice_emit,
    .raster = scalar_raster,
    .edt = scalar_edt,
    .classify = scalar_classify,
    .margin_seeds = scalar_margin_seeds,
    .reduce = scalar_reduce,
    .destroy = NULL,
};

const pf_backend *pf_backend_scalar(void)
{
    return &scalar_backend;
}

float pf_edt_cap_dist(const pf_classify_params *p, float cell)
{
    uint32_t cap = pf_edt_cap_main(p, cell);
    float lim = cap ? (float)cap * (float)cap : 1e30f;
    return lim >= 1e29f ? 1e30f : sqrtf(lim) * cell - 0.5f * cell; /* scalar_edt's, at the cap */
}

uint8_t pf_classify_deep(const pf_grid *g, const pf_classify_params *p, size_t layer, size_t nlayers,
                         const float *const win[7], int has_mt, int has_mb, int *ok)
{
    /* one cell of a 1 × 1 grid: its probe's neighbours lie outside the grid, so a class that needs them is a
     * wall's middle */
    pf_grid one = {g->x0, g->y0, g->cell, 1, 1};
    float cap = pf_edt_cap_dist(p, g->cell), far = INFINITY, f[7];
    const float *w[7];
    for (int k = 0; k < 7; k++) {
        f[k] = cap;
        w[k] = win[k] ? &f[k] : NULL;
    }
    uint8_t c = 0;
    scalar_classify(NULL, &one, p, layer, nlayers, w, has_mt ? &far : NULL, has_mb ? &far : NULL, NULL, &c);
    *ok = win[3] && ((c & PF_CELL_FILL_MASK) >> PF_CELL_FILL_SHIFT) != PF_FILL_MIDDLE;
    return c;
}
