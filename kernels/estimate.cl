/* The estimator stages of engine/backend.h as OpenCL 1.2 kernels (host side: engine/backend_opencl.c). The float
 * arithmetic repeats the scalar backend's expressions operation by operation, with contraction off and (where the
 * device offers it) correctly rounded division and square root, so masks, distances and classes come out equal. */
#pragma OPENCL FP_CONTRACT OFF

#define SEG 4
#define NO_SITE 1e30f
#define CELL_INSIDE 0x80
#define WALL_EXT 1
#define WALL_INT 2
#define FILL_SHIFT 2
#define FILL_MASK (7 << 2)
#define FILL_SPARSE 1
#define FILL_SOLID 2
#define FILL_TOP 3
#define FILL_BRIDGE 4
#define FILL_IBRIDGE 5
#define FILL_FIRST 6
#define RUN_N 6
#define HIST_BINS 16

/* ---- stages 1–2: slicing, one work-item per triangle ---- */

static uint lower_layer(__global const float *zs, uint n, float z)
{
    uint lo = 0, hi = n;
    while (lo < hi) {
        uint mid = (lo + hi) / 2;
        if (zs[mid] < z) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

__kernel void slice_count(__global const float *verts, __global const uint *tris, uint ntris,
                          __global const float *zs, uint nlayers, __global uint *counts)
{
    uint t = get_global_id(0);
    if (t >= ntris) return;
    float z0 = verts[3 * tris[3 * t] + 2], z1 = verts[3 * tris[3 * t + 1] + 2], z2 = verts[3 * tris[3 * t + 2] + 2];
    float lo = fmin(z0, fmin(z1, z2)), hi = fmax(z0, fmax(z1, z2));
    for (uint l = lower_layer(zs, nlayers, lo); l < nlayers && zs[l] < hi; l++) atomic_inc(&counts[l]);
}

/* fill: per-layer write cursors, starting at the layer offsets. A key is the host's uint64 lo << 32 | hi, written
 * as two uints low word first (little-endian host and device, checked at creation). */
__kernel void slice_emit(__global const float *verts, __global const uint *tris, uint ntris,
                         __global const float *zs, uint nlayers, __global uint *fill, __global float *segs,
                         __global uint *keys)
{
    uint t = get_global_id(0);
    if (t >= ntris) return;
    uint ix[3] = {tris[3 * t], tris[3 * t + 1], tris[3 * t + 2]};
    float3 v[3];
    for (int i = 0; i < 3; i++) v[i] = (float3)(verts[3 * ix[i]], verts[3 * ix[i] + 1], verts[3 * ix[i] + 2]);
    float lo = fmin(v[0].z, fmin(v[1].z, v[2].z)), hi = fmax(v[0].z, fmax(v[1].z, v[2].z));
    float ux = v[1].x - v[0].x, uy = v[1].y - v[0].y, uz = v[1].z - v[0].z;
    float wx = v[2].x - v[0].x, wy = v[2].y - v[0].y, wz = v[2].z - v[0].z;
    float nx = uy * wz - uz * wy, ny = uz * wx - ux * wz;
    for (uint l = lower_layer(zs, nlayers, lo); l < nlayers && zs[l] < hi; l++) {
        float z = zs[l], px[2], py[2];
        uint ka[2], kb[2];
        int np = 0;
        for (int e = 0; e < 3 && np < 2; e++) {
            float3 a = v[e], b = v[(e + 1) % 3];
            if ((a.z > z) != (b.z > z)) {
                float tt = (z - a.z) / (b.z - a.z);
                px[np] = a.x + tt * (b.x - a.x);
                py[np] = a.y + tt * (b.y - a.y);
                uint i0 = ix[e], i1 = ix[(e + 1) % 3];
                ka[np] = min(i0, i1);
                kb[np] = max(i0, i1);
                np++;
            }
        }
        if (np < 2) continue;
        int sw = ((px[1] - px[0]) * -ny + (py[1] - py[0]) * nx) < 0.0f;
        uint slot = atomic_inc(&fill[l]);
        __global float *s = segs + (size_t)SEG * slot;
        s[0] = px[sw], s[1] = py[sw], s[2] = px[!sw], s[3] = py[!sw];
        __global uint *k = keys + 4 * (size_t)slot;
        k[0] = kb[sw], k[1] = ka[sw], k[2] = kb[!sw], k[3] = ka[!sw];
    }
}

/* Slots a layer did not use (degenerate triangles): zero-length segments with "no edge" keys. One item per layer. */
__kernel void slice_holes(__global const uint *fill, __global const uint *offsets, uint nlayers,
                          __global float *segs, __global uint *keys)
{
    uint l = get_global_id(0);
    if (l >= nlayers) return;
    for (uint i = fill[l]; i < offsets[l + 1]; i++) {
        for (int k = 0; k < SEG; k++) segs[(size_t)SEG * i + k] = 0.0f;
        for (int k = 0; k < 4; k++) keys[4 * (size_t)i + k] = 0xffffffffu;
    }
}

/* ---- stage 3: raster, one work-item per band of `band` rows: it finds the crossings of its row centres among
 * all segments, adds the windings into its own delta rows (no atomics: nobody else writes them) and prefix-sums
 * them. The crossing arithmetic is the scalar backend's, expression by expression. ---- */

__kernel void raster_rows(__global const float *segs, uint nsegs, float x0, float y0, float inv, uint nx, uint ny,
                          uint band, __global int *delta, __global uchar *mask)
{
    long lo = (long)get_global_id(0) * band, hi = min(lo + (long)band, (long)ny);
    if (lo >= (long)ny) return;
    for (size_t i = (size_t)lo * (nx + 1); i < (size_t)hi * (nx + 1); i++) delta[i] = 0;
    for (uint i = 0; i < nsegs; i++) {
        __global const float *s = segs + (size_t)SEG * i;
        float ya = (s[1] - y0) * inv - 0.5f, yb = (s[3] - y0) * inv - 0.5f;
        if (ya == yb) continue;
        float ylo = fmin(ya, yb), yhi = fmax(ya, yb);
        long r0 = max((long)ceil(ylo), lo), r1 = min((long)ceil(yhi), hi); /* rows r with ylo <= r < yhi */
        if (r0 >= r1) continue;
        int w = yb < ya ? 1 : -1;
        float xa = (s[0] - x0) * inv - 0.5f, xb = (s[2] - x0) * inv - 0.5f;
        for (long r = r0; r < r1; r++) {
            float x = xa + (xb - xa) * (((float)r - ya) / (yb - ya));
            long c = (long)ceil(x);
            if (c < 0) c = 0;
            if (c > (long)nx) c = (long)nx;
            delta[(size_t)r * (nx + 1) + (size_t)c] += w;
        }
    }
    for (long r = lo; r < hi; r++) {
        int acc = 0;
        __global const int *d = delta + (size_t)r * (nx + 1);
        __global uchar *m = mask + (size_t)r * nx;
        for (uint c = 0; c < nx; c++) {
            acc += d[c];
            m[c] = acc != 0;
        }
    }
}

/* ---- stage 4: EDT: binary column distances (one item per column), then FH along rows (one item per row) with
 * exact integer arithmetic: every value is an integer square below 2^24, and intersections are compared as
 * fractions in 64-bit integers, so no double precision is needed. ---- */

__kernel void edt_columns(__global const uchar *mask, uint nx, uint ny, __global float *g)
{
    uint c = get_global_id(0);
    if (c >= nx) return;
    float prev = NO_SITE;
    for (uint r = 0; r < ny; r++) {
        size_t i = (size_t)r * nx + c;
        prev = mask[i] ? prev + 1.0f : 0.0f;
        g[i] = prev;
    }
    float next = NO_SITE;
    for (uint r = ny; r-- > 0;) {
        size_t i = (size_t)r * nx + c;
        next = fmin(g[i], next + 1.0f);
        g[i] = next;
    }
}

/* Row r of g (linear column distances) → distances in mm. Site q's parabola is (x − q)² + f(q), f(q) = g(q)². The
 * envelope keeps sites v[0..k] (scratch rows vv, ff of nx entries); the boundary between neighbours a < b lies at
 * (f(b) + b² − f(a) − a²) / (2(b − a)), compared as a fraction. */
static long bnum(int a, long fa, int b, long fb)
{
    return fb + (long)b * b - fa - (long)a * a;
}

__kernel void edt_rows(__global const uchar *mask, uint nx, uint ny, float cell, __global float *g, __global int *vv,
                       __global int *ff)
{
    uint r = get_global_id(0);
    if (r >= ny) return;
    __global float *d = g + (size_t)r * nx;
    __global const uchar *m = mask + (size_t)r * nx;
    __global int *v = vv + (size_t)r * nx, *f = ff + (size_t)r * nx;
    int any = 0;
    for (uint c = 0; c < nx && !any; c++) any = m[c] != 0;
    if (!any) return; /* all outside: the column pass wrote zeros */
    int k = -1;
    for (int q = 0; q < (int)nx; q++) {
        if (d[q] >= 1e29f) continue;
        long fq = (long)d[q] * (long)d[q];
        /* pop v[k] while the new boundary (v[k], q) is at or left of the boundary (v[k − 1], v[k]) */
        while (k > 0) {
            long sn = bnum(v[k], f[k], q, fq), sd = 2 * (long)(q - v[k]);
            long tn = bnum(v[k - 1], f[k - 1], v[k], f[k]), td = 2 * (long)(v[k] - v[k - 1]);
            if (sn * td <= tn * sd) k--;
            else break;
        }
        k++;
        v[k] = q;
        f[k] = (int)fq;
    }
    if (k < 0) {
        for (uint c = 0; c < nx; c++) d[c] = m[c] ? NO_SITE : 0.0f;
        return;
    }
    float hcell = 0.5f * cell;
    int j = 0;
    for (int q = 0; q < (int)nx; q++) {
        while (j < k && bnum(v[j], f[j], v[j + 1], f[j + 1]) < (long)q * 2 * (long)(v[j + 1] - v[j])) j++;
        float dq = (float)(q - v[j]);
        float sq = dq * dq + (float)f[j];
        d[q] = m[q] ? sqrt(sq) * cell - hcell : 0.0f;
    }
}

/* ---- stage 5: margin seeds and classify, one item per cell ---- */

/* need, wk, wkd: the sparse-width probe (host-computed as the scalar backend's wide_enough computes them). */
typedef struct params {
    float ext_lo, ext_hi, int_hi, fill_lo, fill_print_lo, l0_shift, l0_ext_hi, l0_int_hi, l0_fill_lo, margin,
        shell_min_width, cell, need;
    int wk, wkd;
    uint nx, ny;
} params;

/* Whether cell i lies in a fill region at least sparse_min_width wide: d reaches need there, or at ±wk cells
 * along an axis or ±wkd along a diagonal (the scalar backend's wide_enough). */
static int wide_enough(__global const float *d, uint i, params p)
{
    if (d[i] >= p.need) return 1;
    long nx = p.nx, ny = p.ny, x = i % p.nx, y = i / p.nx;
    const int dx[8] = {1, -1, 0, 0, 1, 1, -1, -1}, dy[8] = {0, 0, 1, -1, 1, -1, 1, -1};
    for (int q = 0; q < 8; q++) {
        long s = q < 4 ? p.wk : p.wkd, xx = x + dx[q] * s, yy = y + dy[q] * s;
        if (xx < 0 || yy < 0 || xx >= nx || yy >= ny) continue;
        if (d[yy * nx + xx] >= p.need) return 1;
    }
    return 0;
}

/* The 7-layer window arrives as one buffer of 7 fields; present is a bit mask of the layers that exist. */
#define DK(k, i) ((present >> (k) & 1) ? win[(size_t)(k) * n + (i)] : -1.0f)

__kernel void margin_seeds(__global const float *win, uint present, uint n, uint layer, float fill_lo,
                           __global uchar *top, __global uchar *bot, __global int *flags)
{
    uint i = get_global_id(0);
    if (i >= n) return;
    int fill = layer > 0 && win[3 * (size_t)n + i] >= fill_lo;
    int t = fill && DK(4, i) <= 0.0f, b = fill && DK(2, i) <= 0.0f;
    top[i] = !t;
    bot[i] = !b;
    if (t) atomic_or(&flags[0], 1);
    if (b) atomic_or(&flags[1], 1);
}

__kernel void classify(__global const float *win, uint present, uint n, uint layer, params p,
                       __global const float *mt, __global const float *mb, uint have /* 1 top, 2 bot, 4 below */,
                       __global const uchar *below, __global uchar *out)
{
    uint i = get_global_id(0);
    if (i >= n) return;
    float d = win[3 * (size_t)n + i], hc = 0.5f * p.cell;
    if (d <= 0.0f) {
        out[i] = 0;
        return;
    }
    uint c = CELL_INSIDE, fill = 0;
    if (layer == 0) {
        float e = d - p.l0_shift;
        if (e > p.ext_lo && e <= p.l0_ext_hi) c |= WALL_EXT;
        else if (e > p.l0_ext_hi && e <= p.l0_int_hi) c |= WALL_INT;
        if (e + hc > p.l0_fill_lo) fill = FILL_FIRST;
    } else {
        if (d > p.ext_lo && d <= p.ext_hi) c |= WALL_EXT;
        else if (d > p.ext_hi && d <= p.int_hi) c |= WALL_INT;
        if (d + hc > p.fill_print_lo) {
            if (DK(4, i) <= 0.0f || ((have & 1) && mt[i] <= p.margin)) {
                fill = FILL_TOP;
            } else if (DK(2, i) <= 0.0f || ((have & 2) && mb[i] <= p.margin)) {
                fill = FILL_BRIDGE;
            } else {
                int solid = DK(0, i) <= 0.0f || DK(6, i) <= 0.0f;
                for (int k = 1; k <= 5 && !solid; k++) {
                    if (k == 3) continue;
                    long j = (long)layer - 3 + k;
                    float dj = DK(k, i);
                    solid = j == 0 || (dj < p.fill_lo && d - dj >= p.shell_min_width);
                }
                if (!solid && !wide_enough(win + 3 * (size_t)n, i, p)) solid = 1;
                if (!solid) fill = FILL_SPARSE;
                else if ((have & 4) && ((below[i] & FILL_MASK) >> FILL_SHIFT) == FILL_SPARSE) fill = FILL_IBRIDGE;
                else fill = FILL_SOLID;
            }
        }
    }
    out[i] = (uchar)(c | fill << FILL_SHIFT);
}

/* ---- stage 6: reduce, one item per diagonal; integer counters, scaled on the host ---- */

static uint runsets_of(uint fill)
{
    switch (fill) {
    case FILL_SPARSE: return 1u << 0 | 1u << 5;
    case FILL_SOLID: return 1u << 1 | 1u << 5;
    case FILL_FIRST: return 1u << 1 | 1u << 5;
    case FILL_TOP: return 1u << 2;
    case FILL_BRIDGE: return 1u << 3;
    case FILL_IBRIDGE: return 1u << 4 | 1u << 5;
    default: return 0;
    }
}

static int hist_bin(float len, __constant const float *edge)
{
    int b = 0;
    while (b + 1 < HIST_BINS && len >= edge[b + 1]) b++;
    return b;
}

/* acc: RUN_N × HIST_BINS run counts, then as many run lengths in cells. */
__kernel void reduce(__global const uchar *cls, uint nx, uint ny, int parity, float step, __constant float *edge,
                     __global uint *acc)
{
    long s = (long)get_global_id(0) - ((long)ny - 1);
    if (s >= (long)nx) return;
    long x = s < 0 ? 0 : s, y = s < 0 ? -s : 0;
    if (parity) y = s < 0 ? ((long)ny - 1) + s : (long)ny - 1;
    uint len[RUN_N] = {0, 0, 0, 0, 0, 0};
    __global uint *runs = acc, *cells = acc + RUN_N * HIST_BINS;
    for (;; x++) {
        uint set = 0;
        int inb = x < (long)nx && y >= 0 && y < (long)ny;
        if (inb) {
            uchar c = cls[y * (long)nx + x];
            set = runsets_of((c & FILL_MASK) >> FILL_SHIFT);
        }
        for (int r = 0; r < RUN_N; r++) {
            if (set >> r & 1) {
                len[r]++;
            } else if (len[r]) {
                int b = hist_bin((float)len[r] * step, edge);
                atomic_inc(&runs[r * HIST_BINS + b]);
                atomic_add(&cells[r * HIST_BINS + b], len[r]);
                len[r] = 0;
            }
        }
        if (!inb) break;
        y += parity ? -1 : 1;
    }
}

static float overlap(float a, float b, float lo, float hi)
{
    float x = fmax(a, lo), y = fmin(b, hi);
    return y > x ? y - x : 0.0f;
}

/* Fractional areas, one item per row (float atomics do not exist in OpenCL 1.2): sums[r] gets the row's inside cell
 * count, wall bands 1 and 2 and the 7 fill classes, in cells; the host adds the rows. Bounds as in classify:
 * layer 0 uses the l0 fields and the elephant-foot shift. */
__kernel void reduce_areas(__global const uchar *cls, __global const float *dist, uint nx, uint ny, params p,
                           uint layer, __global float *sums)
{
    uint r = get_global_id(0);
    if (r >= ny) return;
    float hc = 0.5f * p.cell, inv = 1.0f / p.cell;
    float shift = layer == 0 ? p.l0_shift : 0.0f;
    float ext_hi = layer == 0 ? p.l0_ext_hi : p.ext_hi, int_hi = layer == 0 ? p.l0_int_hi : p.int_hi;
    float fill_lo = layer == 0 ? p.l0_fill_lo : p.fill_print_lo;
    float s[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (uint x = 0; x < nx; x++) {
        size_t i = (size_t)r * nx + x;
        uchar c = cls[i];
        if (!c) continue;
        float d = dist[i] - shift, a = d - hc, b = d + hc;
        s[0] += 1.0f;
        s[1] += overlap(a, b, p.ext_lo, ext_hi) * inv;
        s[2] += overlap(a, b, ext_hi, int_hi) * inv;
        s[3 + ((c & FILL_MASK) >> FILL_SHIFT)] += overlap(a, b, fill_lo, 1e30f) * inv;
    }
    for (int k = 0; k < 10; k++) sums[(size_t)r * 10 + k] = s[k];
}
