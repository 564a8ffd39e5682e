/* The estimator stages of engine/backend.h as OpenCL 1.2 kernels (host side: engine/backend_opencl.c). The float
 * arithmetic repeats the scalar backend's expressions operation by operation, with contraction off and (where the
 * device offers it) correctly rounded division and square root, so masks, distances and classes come out equal. */
#pragma OPENCL FP_CONTRACT OFF

#define SEG 4
#define NO_SITE 1e30f
#define EDT_WINDOW_MAX 24 /* largest cap (cells) taken by a windowed minimum, as in engine/backend_simd.c */
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
#define FILL_MIDDLE 7 /* a wall's middle (engine/backend.h PF_FILL_MIDDLE): sums as sparse */
#define CELL_SHELL 0x20 /* with FILL_MIDDLE: the shell rules make it solid (engine/backend.h PF_CELL_SHELL) */
#define CELL_AMBIG 0x40 /* a band the fields cannot decide (engine/backend.h PF_CELL_AMBIG) */
#define RUN_N 6
#define HIST_BINS 16

/* Byte vectors at any address, stored as one access: the runtime's vstore8/vstore16 of bytes store them one by
 * one. */
typedef uchar8 __attribute__((aligned(1))) uchar8_u;
typedef uchar16 __attribute__((aligned(1))) uchar16_u;
#define ST8(p, v) (*(__global uchar8_u *)(p) = (v))
#define ST16(p, v) (*(__global uchar16_u *)(p) = (v))
/* Loads and stores of vectors at any element-aligned address as one access each (the runtime's vload8 / vstore8
 * go element by element): bytes, floats, ints and uints in global memory, floats in local memory. */
typedef float8 __attribute__((aligned(4))) float8_u;
typedef int8 __attribute__((aligned(4))) int8_u;
typedef uint8 __attribute__((aligned(4))) uint8_u;
#define LD8(p) (*(__global const uchar8_u *)(p))
#define LD16(p) (*(__global const uchar16_u *)(p))
#define LDF8(p) (*(__global const float8_u *)(p))
#define STF8(p, v) (*(__global float8_u *)(p) = (v))
#define LDI8(p) (*(__global const int8_u *)(p))
#define STI8(p, v) (*(__global int8_u *)(p) = (v))
#define LDU8(p) (*(__global const uint8_u *)(p))
#define STU8(p, v) (*(__global uint8_u *)(p) = (v))
#define LLF8(p) (*(__local const float8_u *)(p))
#define SLF8(p, v) (*(__local float8_u *)(p) = (v))

/* A hint to bring the cache line at p in (OpenCL C's prefetch() does nothing on PoCL's CPU device): clang's
 * builtin where the device is a CPU, nothing elsewhere. */
#if defined(__x86_64__) || defined(__aarch64__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif

/* Whether some lane of a mask is set (its top bit, as any()): the runtime's any() tests the lanes one by one with
 * a branch each, these OR them first. */
static bool any8(int8 v)
{
    int4 a = v.lo | v.hi;
    int2 b = a.lo | a.hi;
    return (b.x | b.y) < 0;
}

/* Whether every lane of a mask is set. */
static bool all8(int8 v)
{
    int4 a = v.lo & v.hi;
    int2 b = a.lo & a.hi;
    return (b.x & b.y) < 0;
}

static bool any16c(char16 v)
{
    ulong2 u = as_ulong2(v);
    return ((u.x | u.y) & 0x8080808080808080UL) != 0;
}

/* Whether one of the 16 bytes at p is nonzero. */
static bool nonzero16(__global const uchar *p)
{
    ulong2 u = as_ulong2(LD16(p));
    return (u.x | u.y) != 0;
}

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

/* Triangle t's segment on plane z: its two crossing points (px, py), edge keys (ka, kb: the smaller and larger
 * vertex index of each crossed edge) and whether to swap them so the inside lies on the left; 0 when the
 * plane meets fewer than two edges. */
static int tri_cross(const float3 *v, const uint *ix, float nx, float ny, float z, float *px, float *py, uint *ka,
                     uint *kb, int *sw)
{
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
    if (np < 2) return 0;
    *sw = ((px[1] - px[0]) * -ny + (py[1] - py[0]) * nx) < 0.0f;
    return 1;
}

/* Triangle t: its vertex indices and positions, z range, and the x and y of its normal. */
static void tri_load(__global const float *verts, __global const uint *tris, uint t, uint *ix, float3 *v, float *lo,
                     float *hi, float *nx, float *ny)
{
    for (int i = 0; i < 3; i++) {
        ix[i] = tris[3 * t + i];
        v[i] = (float3)(verts[3 * ix[i]], verts[3 * ix[i] + 1], verts[3 * ix[i] + 2]);
    }
    *lo = fmin(v[0].z, fmin(v[1].z, v[2].z));
    *hi = fmax(v[0].z, fmax(v[1].z, v[2].z));
    float ux = v[1].x - v[0].x, uy = v[1].y - v[0].y, uz = v[1].z - v[0].z;
    float wx = v[2].x - v[0].x, wy = v[2].y - v[0].y, wz = v[2].z - v[0].z;
    *nx = uy * wz - uz * wy;
    *ny = uz * wx - ux * wz;
}

/* Slicing without atomics: item c takes the triangles [c·ntris/nchunks, (c+1)·ntris/nchunks) and owns row c of
 * the nchunks × nlayers tables, so no two items touch one counter (a counter per layer shared by every item
 * cost a contended atomic per segment: a vase's 1000 triangles each crossing 250 layers). cnt gets the
 * segments each chunk makes on each layer (exact: the same test as the emit); cur holds each chunk's write
 * cursor per layer, set by the host from those counts, so a layer's segments come chunk by chunk in triangle
 * order. */
static void chunk_tris(uint c, uint nchunks, uint ntris, uint *t0, uint *t1)
{
    *t0 = (uint)((ulong)ntris * c / nchunks);
    *t1 = (uint)((ulong)ntris * (c + 1) / nchunks);
}

/* Chunk c of the slicing: counts its segments per layer into its row of tab, or (emit) writes them at the
 * cursors there. */
static void slice_chunk(__global const float *verts, __global const uint *tris, uint ntris, __global const float *zs,
                        uint nlayers, uint nchunks, __global uint *tab, int emit, __global float *segs,
                        __global uint *keys)
{
    uint c = get_global_id(0), t0, t1;
    if (c >= nchunks) return;
    chunk_tris(c, nchunks, ntris, &t0, &t1);
    __global uint *row = tab + (size_t)c * nlayers;
    for (uint t = t0; t < t1; t++) {
        uint ix[3];
        float3 v[3];
        float lo, hi, nx, ny, px[2], py[2];
        uint ka[2], kb[2];
        int sw;
        tri_load(verts, tris, t, ix, v, &lo, &hi, &nx, &ny);
        for (uint l = lower_layer(zs, nlayers, lo); l < nlayers && zs[l] < hi; l++) {
            if (!tri_cross(v, ix, nx, ny, zs[l], px, py, ka, kb, &sw)) continue;
            uint slot = row[l]++;
            if (!emit) continue;
            __global float *s = segs + (size_t)SEG * slot;
            s[0] = px[sw], s[1] = py[sw], s[2] = px[!sw], s[3] = py[!sw];
            __global uint *k = keys + 4 * (size_t)slot;
            k[0] = kb[sw], k[1] = ka[sw], k[2] = kb[!sw], k[3] = ka[!sw];
        }
    }
}

__kernel void slice_count(__global const float *verts, __global const uint *tris, uint ntris,
                          __global const float *zs, uint nlayers, uint nchunks, __global uint *cnt)
{
    slice_chunk(verts, tris, ntris, zs, nlayers, nchunks, cnt, 0, 0, 0);
}

/* A key is the host's uint64 lo << 32 | hi, written as two uints low word first (little-endian host and device,
 * checked at creation). */
__kernel void slice_emit(__global const float *verts, __global const uint *tris, uint ntris,
                         __global const float *zs, uint nlayers, uint nchunks, __global uint *cur,
                         __global float *segs, __global uint *keys)
{
    slice_chunk(verts, tris, ntris, zs, nlayers, nchunks, cur, 1, segs, keys);
}

/* The emit's cursors from the count's table, on the device (what the host does between the two otherwise): each
 * layer's segments chunk by chunk, the layers one after another from 0; offs[l] is layer l's first segment,
 * offs[nlayers] their total. One item. */
__kernel void slice_scan(__global uint *tab, uint nlayers, uint nchunks, __global uint *offs)
{
    if (get_global_id(0) != 0) return;
    uint at = 0;
    for (uint l = 0; l < nlayers; l++) {
        offs[l] = at;
        for (uint c = 0; c < nchunks; c++) {
            uint n = tab[(size_t)c * nlayers + l];
            tab[(size_t)c * nlayers + l] = at;
            at += n;
        }
    }
    offs[nlayers] = at;
}

/* Slots a layer did not use (degenerate triangles): zero-length segments with "no edge" keys. One item per layer. */
__kernel void slice_holes(__global const uint *fill, __global const uint *ends, uint nlayers,
                          __global float *segs, __global uint *keys)
{
    uint l = get_global_id(0);
    if (l >= nlayers) return;
    for (uint i = fill[l]; i < ends[l]; i++) {
        for (int k = 0; k < SEG; k++) segs[(size_t)SEG * i + k] = 0.0f;
        for (int k = 0; k < 4; k++) keys[4 * (size_t)i + k] = 0xffffffffu;
    }
}

/* ---- stage 3: raster, one work-item per band of `band` rows: it finds the crossings of its row centres among
 * all segments, adds the windings into its own delta rows (no atomics: nobody else writes them) and prefix-sums
 * them. The crossing arithmetic is the scalar backend's, expression by expression. ---- */

/* A segment in cell units (centres at integers), as the scalar backend computes it. */
typedef struct seg_rc {
    float ya, yb; /* end points' rows */
    float xa, xb; /* end points' columns */
    int w;        /* winding it adds: +1 running down, -1 up */
} seg_rc;

/* The rows r in [lo, hi) whose centres the segment at s crosses (ylo <= r < yhi) into [*r0, *r1), and q; false
 * when it crosses none. */
static bool seg_rows(__global const float *s, float x0, float y0, float inv, long lo, long hi, seg_rc *q,
                     long *r0, long *r1)
{
    q->ya = (s[1] - y0) * inv - 0.5f;
    q->yb = (s[3] - y0) * inv - 0.5f;
    if (q->ya == q->yb) return false;
    *r0 = max((long)ceil(fmin(q->ya, q->yb)), lo);
    *r1 = min((long)ceil(fmax(q->ya, q->yb)), hi);
    q->w = q->yb < q->ya ? 1 : -1;
    q->xa = (s[0] - x0) * inv - 0.5f;
    q->xb = (s[2] - x0) * inv - 0.5f;
    return *r0 < *r1;
}

/* The delta column (0..nx) where row r's centre crosses q: the first cell centre at or right of it. */
static size_t seg_col(const seg_rc *q, long r, uint nx)
{
    float x = q->xa + (q->xb - q->xa) * (((float)r - q->ya) / (q->yb - q->ya));
    long c = (long)ceil(x);
    return (size_t)(c < 0 ? 0 : c > (long)nx ? (long)nx : c);
}

/* Rows [lo, hi) of one layer: delta and mask are the layer's. */
static void raster_band(__global const float *segs, uint nsegs, float x0, float y0, float inv, uint nx, uint ny,
                        long lo, long hi, __global int *delta, __global uchar *mask)
{
    for (size_t i = (size_t)lo * (nx + 1); i < (size_t)hi * (nx + 1); i++) delta[i] = 0;
    for (uint i = 0; i < nsegs; i++) {
        seg_rc q;
        long r0, r1;
        if (!seg_rows(segs + (size_t)SEG * i, x0, y0, inv, lo, hi, &q, &r0, &r1)) continue;
        for (long r = r0; r < r1; r++)
            delta[(size_t)r * (nx + 1) + seg_col(&q, r, nx)] += q.w;
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

__kernel void raster_rows(__global const float *segs, uint nsegs, float x0, float y0, float inv, uint nx, uint ny,
                          uint band, __global int *delta, __global uchar *mask)
{
    long lo = (long)get_global_id(0) * band, hi = min(lo + (long)band, (long)ny);
    if (lo >= (long)ny) return;
    raster_band(segs, nsegs, x0, y0, inv, nx, ny, lo, hi, delta, mask);
}

/* Batch form: item = layer of the batch, with the delta rows of its layer (ny·(nx + 1) entries) and ny row
 * counters in rows, all zero between calls. The layer's crossings of row centres are counted per row first.
 * When there are few a row (the usual slice), the counters become each row's first slot in a list of its
 * crossings (column << 1 | (winding > 0)) kept at the start of the delta rows, each row's list is sorted and
 * the mask row written span by span: a cell's winding is the sum of the windings of the crossings at or left
 * of its column, constant between two crossing columns. Otherwise the windings are added into the delta rows
 * at their columns and each crossed row prefix-summed, 8 cells a step. Either way the masks are the delta
 * grid's (engine/backend_simd.c raster and raster_spans), and what was used is zero again. The crossing
 * arithmetic is raster_band's. */
#define SPAN_MAX 16 /* crossings a row on average up to which the spans are written */

static void raster_scan_row(__global int *d, __global uchar *m, uint nx)
{
    int acc = 0;
    uint c = 0;
    /* eight cells per step; a step with no crossing continues the running sum without touching delta */
    for (; c + 8 <= nx; c += 8) {
        int8 dv = LDI8(d + c);
        if (!any8(dv != 0)) {
            ST8(m + c, (uchar8)(acc != 0));
            continue;
        }
        /* the running sum over the 8 lanes: an inclusive prefix sum in three shifted adds */
        const int8 zero = (int8)0;
        int8 ps = dv + shuffle2(zero, dv, (uint8)(0, 8, 9, 10, 11, 12, 13, 14));
        ps += shuffle2(zero, ps, (uint8)(0, 0, 8, 9, 10, 11, 12, 13));
        ps += shuffle2(zero, ps, (uint8)(0, 0, 0, 0, 8, 9, 10, 11));
        ps += (int8)acc;
        ST8(m + c, convert_uchar8(ps != 0) & (uchar8)1);
        acc = ps.s7;
        STI8(d + c, (int8)0);
    }
    for (; c < nx; c++) {
        acc += d[c];
        d[c] = 0;
        m[c] = acc != 0;
    }
    d[nx] = 0;
}

/* Bytes a … b − 1 of m set to v, 16 a store, the last store running on past b up to lim: the caller writes
 * the bytes from b later (the mask's spans go left to right, and its rows in order). */
static void fill_bytes(__global uchar *m, uint a, uint b, uchar v, uint lim)
{
    for (; a < b && a + 16 <= lim; a += 16) ST16(m + a, (uchar16)v);
    for (; a < b; a++) m[a] = v;
}

__kernel void raster_b(__global const float *segs, __global const uint *ranges, __global const ulong *tab, uint nlay,
                       float x0, float y0, float inv, uint nx, uint ny, __global int *delta, __global int *rows,
                       __global uchar *mem)
{
    uint i = get_global_id(0);
    if (i >= nlay) return;
    __global int *dl = delta + (size_t)i * ny * (nx + 1), *rl = rows + (size_t)i * ny;
    __global uchar *mask = mem + tab[i];
    uint k0 = ranges[2 * i + 1], k1 = k0 + ranges[2 * i];
    size_t ncross = 0;
    for (uint k = k0; k < k1; k++) {
        seg_rc q;
        long r0, r1;
        if (!seg_rows(segs + (size_t)SEG * k, x0, y0, inv, 0, (long)ny, &q, &r0, &r1)) continue;
        for (long r = r0; r < r1; r++) rl[r]++;
        ncross += (size_t)(r1 - r0);
    }
    if (ncross <= (size_t)SPAN_MAX * ny && ncross + ny + 1 <= (size_t)ny * (nx + 1)) {
        /* row r's crossings at xs[start[r] … start[r + 1]); the counters are the fill cursors */
        __global int *start = dl;
        __global uint *xs = (__global uint *)(dl + ny + 1);
        int at = 0;
        for (uint r = 0; r < ny; r++) {
            start[r] = at;
            at += rl[r];
            rl[r] = start[r];
        }
        start[ny] = at;
        for (uint k = k0; k < k1; k++) {
            seg_rc q;
            long r0, r1;
            if (!seg_rows(segs + (size_t)SEG * k, x0, y0, inv, 0, (long)ny, &q, &r0, &r1)) continue;
            for (long r = r0; r < r1; r++) xs[rl[r]++] = (uint)seg_col(&q, r, nx) << 1 | (q.w > 0);
        }
        for (uint r = 0; r < ny; r++) {
            __global uchar *m = mask + (size_t)r * nx;
            int a = start[r], b = start[r + 1];
            uint lim = r + 1 < ny ? 2 * nx : nx; /* the next row is written after this one */
            rl[r] = 0;
            for (int k = a + 1; k < b; k++) { /* insertion sort: a few crossings */
                uint v = xs[k];
                int j = k;
                for (; j > a && xs[j - 1] > v; j--) xs[j] = xs[j - 1];
                xs[j] = v;
            }
            uint c = 0;
            int wsum = 0;
            for (int k = a; k < b; k++) {
                uint col = xs[k] >> 1;
                if (col > c) {
                    fill_bytes(m, c, col, wsum != 0, lim);
                    c = col;
                }
                wsum += xs[k] & 1 ? 1 : -1;
                xs[k] = 0;
            }
            fill_bytes(m, c, nx, wsum != 0, lim);
        }
        for (uint r = 0; r <= ny; r++) start[r] = 0;
        return;
    }
    for (uint k = k0; k < k1; k++) {
        seg_rc q;
        long r0, r1;
        if (!seg_rows(segs + (size_t)SEG * k, x0, y0, inv, 0, (long)ny, &q, &r0, &r1)) continue;
        for (long r = r0; r < r1; r++) dl[(size_t)r * (nx + 1) + seg_col(&q, r, nx)] += q.w;
    }
    for (uint r = 0; r < ny; r++) {
        __global uchar *m = mask + (size_t)r * nx;
        if (rl[r]) {
            rl[r] = 0;
            raster_scan_row(dl + (size_t)r * (nx + 1), m, nx);
        } else {
            uint c = 0;
            for (; c + 16 <= nx; c += 16) ST16(m + c, (uchar16)0);
            for (; c < nx; c++) m[c] = 0;
        }
    }
}

/* ---- stage 4: EDT: binary column distances (one item per column), then FH along rows (one item per row) with
 * exact integer arithmetic: every value is an integer square below 2^24, and intersections are compared as
 * fractions in 64-bit integers, so no double precision is needed. ---- */

static void edt_column(__global const uchar *mask, uint nx, uint ny, uint c, __global float *g)
{
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
 * (f(b) + b² − f(a) − a²) / (2(b − a)), compared as a fraction. Squared distances are clamped to lim (the cap²
 * of engine/backend.h's edt, or 1e30 for none) before the square root. */
static long bnum(int a, long fa, int b, long fb)
{
    return fb + (long)b * b - fa - (long)a * a;
}

/* Minimum of two values that are never NaN: one instruction, where fmin also handles NaNs. */
static float8 __attribute__((overloadable)) vmin(float8 a, float8 b)
{
    return a < b ? a : b;
}

static float8 __attribute__((overloadable)) vmin(float8 a, float b)
{
    return vmin(a, (float8)b);
}

/* Maximum of two values that are never NaN. */
static float8 __attribute__((overloadable)) vmax(float8 a, float8 b)
{
    return a > b ? a : b;
}

static float8 __attribute__((overloadable)) vmax(float8 a, float b)
{
    return vmax(a, (float8)b);
}

static float __attribute__((overloadable)) vmin(float a, float b)
{
    return a < b ? a : b;
}

/* Row d of nx column distances, in place, capped at K cells (engine/backend_simd.c's windowed pass, the same
 * values): a cell's squared distance is min over |t| ≤ K of t² + col(q + t)², exact up to K², with column
 * distances clamped to K + 1. Columns lo..hi hold every inside cell and an outside one (0) at each end unless
 * the row ends there, so what lies beyond them changes no minimum: the squares of lo..hi go into the work-item's
 * scratch s (nx + 2K + 16 floats of local memory) between K + 1 squared on either side, and the window
 * reads s with no test of the row's ends. Eight cells per step in vector lanes; a block with no column distance
 * under K + 1 within K columns is at the cap throughout. All values are integers below 2^24, so float arithmetic
 * is exact. */
static void edt_row_window(__global const uchar *m, __global float *d, int nx, int lo, int hi, int K, float cell,
                           __local float *s)
{
    float kc = (float)(K + 1), far = kc * kc, kk = (float)K * (float)K, hcell = 0.5f * cell;
    float capd = sqrt(kk) * cell - hcell;
    int w = hi - lo + 1, wv = w / 8 * 8, nb = (w + 7) / 8;
    __local float *f = s + K;
    for (int t = 0; t < K; t++) s[t] = far;
    for (int c = 0; c < wv; c += 8) {
        float8 x = vmin(LDF8(d + lo + c), kc);
        SLF8(f + c, x * x);
    }
    for (int c = wv; c < w; c++) {
        float x = vmin(d[lo + c], kc);
        f[c] = x * x;
    }
    for (int c = w; c < w + K + 16; c++) f[c] = far;
    for (int j = 0; j < nb; j++) {
        int c = 8 * j, q = lo + c;
        int8 in = q + 8 <= nx ? convert_int8(LD8(m + q)) != 0 : (int8)(0);
        if (q + 8 > nx) { /* the row's last cells, one by one */
            for (int k = 0; k < 8 && q + k < nx; k++) {
                if (!m[q + k]) {
                    d[q + k] = 0.0f;
                    continue;
                }
                float best = f[c + k];
                for (int t = 1; t <= K; t++) best = vmin(best, vmin(f[c + k - t], f[c + k + t]) + (float)(t * t));
                d[q + k] = sqrt(vmin(best, kk)) * cell - hcell;
            }
            continue;
        }
        float8 res = 0.0f;
        if (any8(in)) {
            int close = 0;
            for (int u = c - K; u < c + K + 8 && !close; u += 8) close = any8(LLF8(f + u) < far);
            if (!close) {
                res = select((float8)0.0f, (float8)capd, in);
            } else {
                float8 acc = LLF8(f + c);
                for (int t = 1; t <= K; t++)
                    acc = vmin(acc, vmin(LLF8(f + c - t), LLF8(f + c + t)) + (float)(t * t));
                res = select((float8)0.0f, sqrt(vmin(acc, kk)) * cell - hcell, in);
            }
        }
        STF8(d + q, res);
    }
}

static void edt_row(__global const uchar *mask, uint nx, float cell, float lim, uint r, __global float *g,
                    __global int *vv, __global int *ff, __local float *s)
{
    __global float *d = g + (size_t)r * nx;
    __global const uchar *m = mask + (size_t)r * nx;
    __global int *v = vv + (size_t)r * nx, *f = ff + (size_t)r * nx;
    /* Only columns lo..hi matter: the inside cells lie within them, and the outside cell just beyond each end (a
     * site with f = 0) is nearer to all of them than any site farther out, so the envelope of lo..hi gives the
     * same minima; outside cells already hold 0 from the column pass. */
    int lo = 0, hi = (int)nx - 1;
    while (lo + 16 <= hi + 1 && !nonzero16(m + lo)) lo += 16;
    while (lo <= hi && !m[lo]) lo++;
    if (lo > hi) return; /* all outside: the column pass wrote zeros */
    while (hi >= 15 && !nonzero16(m + hi - 15)) hi -= 16;
    while (!m[hi]) hi--;
    lo = lo > 0 ? lo - 1 : 0;
    hi = hi < (int)nx - 1 ? hi + 1 : hi;
    float hcell = 0.5f * cell;
    /* A cap of K cells (lim = K²): a cell's squared distance is min over |t| ≤ K of t² + col(q + t)², exact up to
     * K² (engine/backend_simd.c's windowed pass, the same values); column distances clamped to K + 1. */
    int K = lim < 1e29f ? (int)(sqrt(lim) + 0.5f) : 0;
    if (K > 0 && K <= EDT_WINDOW_MAX) {
        edt_row_window(m, d, (int)nx, lo, hi, K, cell, s);
        return;
    }
    int k = -1;
    for (int q = lo; q <= hi; q++) {
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
        float far = lim < 1e29f ? sqrt(lim) * cell - hcell : NO_SITE;
        for (int c = lo; c <= hi; c++) d[c] = m[c] ? far : 0.0f;
        return;
    }
    int j = 0;
    for (int q = lo; q <= hi; q++) {
        while (j < k && bnum(v[j], f[j], v[j + 1], f[j + 1]) < (long)q * 2 * (long)(v[j + 1] - v[j])) j++;
        float dq = (float)(q - v[j]);
        float sq = fmin(dq * dq + (float)f[j], lim);
        d[q] = m[q] ? sqrt(sq) * cell - hcell : 0.0f;
    }
}

__kernel void edt_columns(__global const uchar *mask, uint nx, uint ny, __global float *g)
{
    uint c = get_global_id(0);
    if (c < nx) edt_column(mask, nx, ny, c, g);
}

/* scratch: srow floats of local memory per work-item of the group, for the capped row pass (edt_row_window). */
__kernel void edt_rows(__global const uchar *mask, uint nx, uint ny, float cell, float lim, __global float *g,
                       __global int *vv, __global int *ff, __local float *scratch, uint srow)
{
    uint r = get_global_id(0);
    if (r < ny) edt_row(mask, nx, cell, lim, r, g, vv, ff, scratch + get_local_id(0) * srow);
}

/* Batch forms: tab holds 2 entries per field: the mask's byte offset in src and the distance field's in mem (src and
 * mem may be the same buffer); with use_need set, need says which fields to compute (need[i] != 0, the others are not
 * written). Columns: item = field × block of BLK columns, swept row by row (contiguous inner loops
 * the compiler vectorizes; edt_column's arithmetic, column by column); rows: item = field × row, with nx·ny entries
 * of scratch per field in vv and ff (exact pass) or srow floats of local memory per item (capped pass). */
#define BLK 64

__kernel void edt_columns_b(__global const uchar *src, __global const ulong *tab, uint nlay, uint nx, uint ny,
                            __global uchar *mem, __global const int *need, uint use_need)
{
    uint nb = (nx + BLK - 1) / BLK;
    size_t gid = get_global_id(0), i = gid / nb;
    if (i >= nlay || (use_need && !need[i])) return;
    uint c0 = (uint)(gid % nb) * BLK, c1 = min(c0 + BLK, nx), cv = c0 + (c1 - c0) / 8 * 8;
    __global const uchar *m = src + tab[2 * i];
    __global float *g = (__global float *)(mem + tab[2 * i + 1]);
    /* rows first..last are the ones with an inside cell in these columns: the others stay 0 in both sweeps.
     * Eight columns per step in vector lanes (the same arithmetic as one at a time), then the block's last
     * columns one by one. */
    int first = -1, last = -1;
    if (c1 - c0 == BLK) {
        /* a whole block: each column's running value stays in a register from one row to the next (reading back
         * the row just stored waits on store forwarding, two thirds of this kernel's time), the same arithmetic */
        float8 u[BLK / 8];
#pragma unroll
        for (int j = 0; j < BLK / 8; j++) u[j] = (float8)NO_SITE;
        for (uint r = 0; r < ny; r++) {
            size_t row = (size_t)r * nx + c0;
            uchar8 seen8 = 0;
#pragma unroll
            for (int j = 0; j < BLK / 8; j++) {
                uchar8 mm = LD8(m + row + 8 * j);
                u[j] = select((float8)0.0f, u[j] + 1.0f, convert_int8(mm) != 0);
                STF8(g + row + 8 * j, u[j]);
                seen8 |= mm;
            }
            if (any8(convert_int8(seen8) != 0)) {
                if (first < 0) first = (int)r;
                last = (int)r;
            }
        }
        if (last < 0) return;
        size_t lr = (size_t)(ny - 1) * nx + c0;
        if (last == (int)ny - 1)
#pragma unroll
            for (int j = 0; j < BLK / 8; j++) STF8(g + lr + 8 * j, fmin(LDF8(g + lr + 8 * j), NO_SITE + 1.0f));
        int r = min(last, (int)ny - 2);
        if (r < first) return;
        size_t below = (size_t)(r + 1) * nx + c0;
#pragma unroll
        for (int j = 0; j < BLK / 8; j++) u[j] = LDF8(g + below + 8 * j);
        for (; r >= first; r--) {
            size_t row = (size_t)r * nx + c0;
#pragma unroll
            for (int j = 0; j < BLK / 8; j++) {
                u[j] = vmin(LDF8(g + row + 8 * j), u[j] + 1.0f);
                STF8(g + row + 8 * j, u[j]);
            }
        }
        return;
    }
    for (uint r = 0; r < ny; r++) {
        size_t row = (size_t)r * nx;
        uchar8 seen8 = 0;
        uchar seen = 0;
        for (uint c = c0; c < cv; c += 8) {
            uchar8 mm = LD8(m + row + c);
            float8 up = r ? LDF8(g + row - nx + c) : (float8)NO_SITE;
            STF8(g + row + c, select((float8)0.0f, up + 1.0f, convert_int8(mm) != 0));
            seen8 |= mm;
        }
        for (uint c = cv; c < c1; c++) {
            g[row + c] = m[row + c] ? (r ? g[row - nx + c] : NO_SITE) + 1.0f : 0.0f;
            seen |= m[row + c];
        }
        if (seen || any8(convert_int8(seen8) != 0)) {
            if (first < 0) first = (int)r;
            last = (int)r;
        }
    }
    if (last < 0) return;
    if (last == (int)ny - 1) {
        size_t lr = (size_t)(ny - 1) * nx;
        for (uint c = c0; c < c1; c++) g[lr + c] = fmin(g[lr + c], NO_SITE + 1.0f);
    }
    for (int r = min(last, (int)ny - 2); r >= first; r--) {
        size_t row = (size_t)r * nx;
        for (uint c = c0; c < cv; c += 8)
            STF8(g + row + c, vmin(LDF8(g + row + c), LDF8(g + row + nx + c) + 1.0f));
        for (uint c = cv; c < c1; c++) {
            float x = g[row + c], y = g[row + nx + c] + 1.0f;
            g[row + c] = x < y ? x : y;
        }
    }
}

/* The rows ra … rb and columns lo … hi of rows a … e − 1 of mask m (nx cells a row) holding all its nonzero
 * cells; false when there is none. */
static bool mask_box(__global const uchar *m, uint nx, uint a, uint e, int *ra, int *rb, int *lo, int *hi)
{
    int l = (int)nx, h = -1;
    *ra = -1;
    for (uint r = a; r < e; r++) {
        __global const uchar *row = m + (size_t)r * nx;
        int c = 0;
        while (c + 16 <= (int)nx && !nonzero16(row + c)) c += 16;
        while (c < (int)nx && !row[c]) c++;
        if (c == (int)nx) continue;
        if (*ra < 0) *ra = (int)r;
        *rb = (int)r;
        l = min(l, c);
        int d = (int)nx - 1;
        while (d - 15 > h && d - 15 >= c && !nonzero16(row + d - 15)) d -= 16;
        while (d > h && !row[d]) d--;
        h = max(h, d);
    }
    *lo = l, *hi = h;
    return *ra >= 0;
}

/* Zeros in a row of nx floats but for columns lo … hi (none kept when lo > hi). */
static void zero_outside(__global float *d, uint nx, int lo, int hi)
{
    if (lo > hi) lo = (int)nx, hi = (int)nx - 1;
    for (int c = 0; c < lo; c++) d[c] = 0.0f;
    for (int c = hi + 1; c < (int)nx; c++) d[c] = 0.0f;
}

/* The field i and rows r0 … r1 − 1 of this item of a row pass (items of rpi rows, ny rows a field); false when
 * there is none or need says to skip the field. */
static bool row_item(uint nlay, uint ny, uint rpi, __global const int *need, uint use_need, size_t *i, uint *r0,
                     uint *r1)
{
    uint ng = (ny + rpi - 1) / rpi;
    size_t gid = get_global_id(0);
    *i = gid / ng;
    if (*i >= nlay || (use_need && !need[*i])) return false;
    *r0 = (uint)(gid % ng) * rpi;
    *r1 = min(*r0 + rpi, ny);
    return true;
}

/* rows: item = field × rpi consecutive rows (a short row is little work beside an item's own: the host takes as
 * many as make about 2048 cells) */
__kernel void edt_rows_b(__global const uchar *src, __global const ulong *tab, uint nlay, uint nx, uint ny,
                         float cell, float lim, __global uchar *mem, __global int *vv, __global int *ff,
                         __global const int *need, uint use_need, __local float *scratch, uint srow, uint rpi)
{
    size_t i, n = (size_t)nx * ny;
    uint r0, r1;
    if (!row_item(nlay, ny, rpi, need, use_need, &i, &r0, &r1)) return;
    for (uint r = r0; r < r1; r++)
        edt_row(src + tab[2 * i], nx, cell, lim, r, (__global float *)(mem + tab[2 * i + 1]), vv + i * n, ff + i * n,
                scratch + get_local_id(0) * srow);
}

/* One row step of a clamped column sweep over nx columns: run = mask ? min(run + 1, K + 1) : 0 in place (run: the
 * sweep's values at the row before, in local memory), and with out set, out = min(out, run) when both is set, else
 * out = run. */
static void col_step(__global const uchar *m, __local float *run, uint nx, float kc, __global float *out, int both)
{
    uint cv = nx / 8 * 8;
    for (uint c = 0; c < cv; c += 8) {
        float8 x = select((float8)0.0f, vmin(LLF8(run + c) + 1.0f, kc), convert_int8(LD8(m + c)) != 0);
        if (out && both) x = vmin(x, LDF8(out + c));
        SLF8(run + c, x);
        if (out) STF8(out + c, x);
    }
    for (uint c = cv; c < nx; c++) {
        float x = m[c] ? vmin(run[c] + 1.0f, kc) : 0.0f;
        if (out && both) x = vmin(x, out[c]);
        run[c] = x;
        if (out) out[c] = x;
    }
}

/* The capped edt (lim = K², 0 < K ≤ EDT_WINDOW_MAX) in one pass: item = field × rpi consecutive rows. The windowed
 * row pass clamps column distances to K + 1 (edt_row_window), so a column's sweeps need start only K + 1 rows
 * beyond the item's rows, from "far" (K + 1): a row that far away changes no value under the clamp. Down from
 * K + 1 rows above into the field's rows, then up from K + 1 rows below, each row taking its minimum and at once
 * its row pass: edt_columns_b + edt_rows_b's values, without a column pass streaming every field through memory
 * twice. Whole rows a step (the columns are independent lanes); the running row in local memory after the row
 * pass's scratch (srow floats a work-item, nx + 8 of them the running row). The arguments are edt_rows_b's (vv, ff
 * unread). */
__kernel void edt_fused_b(__global const uchar *src, __global const ulong *tab, uint nlay, uint nx, uint ny,
                          float cell, float lim, __global uchar *mem, __global int *vv, __global int *ff,
                          __global const int *need, uint use_need, __local float *scratch, uint srow, uint rpi)
{
    size_t i, n = (size_t)nx * ny;
    uint r0, r1;
    if (!row_item(nlay, ny, rpi, need, use_need, &i, &r0, &r1)) return;
    __global const uchar *m = src + tab[2 * i];
    __global float *g = (__global float *)(mem + tab[2 * i + 1]);
    __local float *s = scratch + get_local_id(0) * srow, *run = s + srow - (nx + 8) / 8 * 8;
    int K = (int)(sqrt(lim) + 0.5f);
    float kc = (float)(K + 1);
    uint a = r0 > (uint)K + 1 ? r0 - (uint)K - 1 : 0, e = min(r1 + (uint)K + 1, ny);
    /* Only the box of the inside cells the item's sweeps reach (rows ra … rb, columns lo … hi, one column more
     * either side: the nearest outside cell of a row's end) is swept: the cells around it are outside (0), and
     * a sweep entering the box past an outside row starts from 0, as it would have left that row. */
    int ra, rb, lo, hi;
    if (!mask_box(m, nx, a, e, &ra, &rb, &lo, &hi)) ra = (int)r1, rb = (int)r1 - 1, lo = 0, hi = -1;
    lo = max(lo - 1, 0);
    hi = min(hi + 1, (int)nx - 1);
    uint w = (uint)(hi - lo + 1);
    for (uint r = r0; r < r1; r++)
        zero_outside(g + (size_t)r * nx, nx, (int)r >= ra && (int)r <= rb ? lo : (int)nx, hi);
    if (rb < (int)r0 || ra >= (int)r1) return;
    for (uint c = 0; c < w; c++) run[c] = (uint)ra > a ? 0.0f : kc;
    for (uint r = (uint)ra; r < r1 && (int)r <= rb; r++)
        col_step(m + (size_t)r * nx + lo, run, w, kc, r >= r0 ? g + (size_t)r * nx + lo : NULL, 0);
    uint top = min((uint)rb + 1, e);
    for (uint c = 0; c < w; c++) run[c] = top < e ? 0.0f : kc;
    for (uint r = top; r-- > max(r0, (uint)ra);) {
        col_step(m + (size_t)r * nx + lo, run, w, kc, r < r1 ? g + (size_t)r * nx + lo : NULL, 1);
        if (r < r1) edt_row(m, nx, cell, lim, r, g, vv + i * n, ff + i * n, s);
    }
}

/* edt_fused_u8: edt_fused_b in small integers, for large caps. Under the clamp every column distance is at most
 * K + 1 ≤ EDT_WINDOW_MAX + 1 (a byte) and every window candidate t² + col² at most K² + (K + 1)² (a ushort), so
 * the sweeps run on 16 bytes a step and the row pass on 16 ushorts: the integers are exactly the float values
 * edt_fused_b computes, and the distance sqrt(min(·, K²))·cell − cell/2 is taken in float as there, so the
 * fields are the same bit for bit. The window's 2K + 1 candidates a cell take 16 lanes an instruction instead of
 * 8; with the small caps of the main fields (K ≈ 7) edt_fused_b took less time on the same fields (overhang
 * 1.0 against 1.2 ms, bracket 1.5 against 1.7: kernel times, medians of 10 interleaved processes), with the
 * margins' (K ≈ 16–21) this one (0.12 against 0.16 ms on both). */
typedef ushort16 __attribute__((aligned(2))) ushort16_u;
#define LLB16(p) (*(__local const uchar16_u *)(p))
#define SLB16(p, v) (*(__local uchar16_u *)(p) = (v))
#define LLU16(p) (*(__local const ushort16_u *)(p))
#define SLU16(p, v) (*(__local ushort16_u *)(p) = (v))

#define LANES16 ((uchar16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))

/* One row step of a clamped column sweep over nx ≥ 16 columns: run = mask ? min(run + 1, kc) : 0 in place (run:
 * the sweep's values at the row before, kc = K + 1), also into down when not NULL. 16 columns a step; the last
 * nx mod 16 in a step over the row's last 16, whose lanes already stepped keep their values. */
static void col_step_u8(__global const uchar *m, __local uchar *run, int nx, uchar kc, __global uchar *down)
{
    int c = 0;
    for (; c + 16 <= nx; c += 16) {
        uchar16 x = min(LLB16(run + c) + (uchar)1, kc) & as_uchar16(LD16(m + c) != (uchar)0);
        SLB16(run + c, x);
        if (down) ST16(down + c, x);
    }
    if (c < nx) {
        int b = nx - 16;
        uchar16 old = LLB16(run + b), x = min(old + (uchar)1, kc) & as_uchar16(LD16(m + b) != (uchar)0);
        x = select(x, old, as_uchar16(LANES16 < (uchar)(c - b)));
        SLB16(run + b, x);
        if (down) ST16(down + b, x);
    }
}

/* Whether a flag of blocks a … b of nr is set. */
static bool flagged(__local const uchar *nr, int a, int b)
{
    uchar any = 0;
    for (int u = a; u <= b; u++) any |= nr[u];
    return any != 0;
}

/* 16 distances of the row from the window's squares f at c (K cells either side), 0 outside (in) */
static void window16(__local const ushort *f, int c, int K, bool close, char16 in, float cell, __global float *out)
{
    ushort kk = (ushort)(K * K);
    float hcell = 0.5f * cell;
    float8 lo, hi;
    if (close) {
        ushort16 acc = LLU16(f + c);
        for (int t = 1; t <= K; t++) acc = min(acc, min(LLU16(f + c - t), LLU16(f + c + t)) + (ushort)(t * t));
        acc = min(acc, kk);
        lo = sqrt(convert_float8(acc.lo)) * cell - hcell;
        hi = sqrt(convert_float8(acc.hi)) * cell - hcell;
    } else {
        lo = hi = sqrt((float)kk) * cell - hcell;
    }
    STF8(out + c, select((float8)0.0f, lo, convert_int8(in.lo)));
    STF8(out + c + 8, select((float8)0.0f, hi, convert_int8(in.hi)));
}

/* The upward sweep's step into row m (mask, nx ≥ 16 cells) of the item and the row's distances into out, whose
 * first nx bytes hold the downward sweep's values of the row (down): the column distances (the two sweeps'
 * minimum, at most K + 1) squared into the window's scratch f (ushorts, K + 1 squared in the K cells before the
 * row and the K + 32 after it) and each block of 16 flagged in nr when one of them is under K + 1 (nr's kb bytes
 * either side 0); then every cell of the row, as edt_row_window (the cells beyond its span change no minimum,
 * see edt_row): a block whose window reaches no flagged block (kb = ⌈K/16⌉ either side: some cells more than it
 * reaches, which changes no value: beyond the cap the minimum clamps to it either way) is at the cap. The last
 * nx mod 16 cells as col_step_u8's, in a step over the row's last 16. */
static void fused_row(__global const uchar *m, __local uchar *run, int nx, int K, float cell, __global float *out,
                      __local ushort *f, __local uchar *nr)
{
    __global const uchar *down = (__global const uchar *)out;
    uchar kc = (uchar)(K + 1);
    int kb = (K + 15) / 16, c = 0;
    for (; c + 16 <= nx; c += 16) {
        uchar16 x = min(LLB16(run + c) + (uchar)1, kc) & as_uchar16(LD16(m + c) != (uchar)0);
        x = min(x, LD16(down + c));
        SLB16(run + c, x);
        ushort16 w = convert_ushort16(x);
        SLU16(f + c, w * w);
        nr[c / 16] = any16c(as_char16(x < kc));
    }
    int cv = c, b = nx - 16;
    if (cv < nx) {
        uchar16 old = LLB16(run + b), x = min(old + (uchar)1, kc) & as_uchar16(LD16(m + b) != (uchar)0);
        uchar16 done = as_uchar16(LANES16 < (uchar)(cv - b));
        x = select(min(x, LD16(down + b)), old, done);
        SLB16(run + b, x);
        ushort16 w = convert_ushort16(x);
        SLU16(f + b, w * w);
        nr[cv / 16] = any16c(as_char16(x < kc) & ~as_char16(done));
    }
    /* (the stores below overwrite the down values, which are read above) */
    for (c = 0; c < cv; c += 16) {
        char16 in = as_char16(LD16(m + c) != (uchar)0);
        if (any16c(in)) window16(f, c, K, flagged(nr, c / 16 - kb, c / 16 + kb), in, cell, out);
        else STF8(out + c, (float8)0.0f), STF8(out + c + 8, (float8)0.0f);
    }
    if (cv < nx) {
        char16 in = as_char16(LD16(m + b) != (uchar)0);
        window16(f, b, K, flagged(nr, b / 16 - kb, cv / 16 + kb), in, cell, out);
    }
}

/* edt_fused_b's sweeps and rows (the downward sweep's values kept in the first bytes of the field's rows) with
 * fused_row's row pass. A work-item's srow floats of local memory (engine/backend_opencl.c row_floats): the
 * window's squares (nx + 2K + 32 ushorts), the blocks' near flags ((nx + 15) / 16 + 8 bytes), the running row
 * (nx + 16 bytes), each rounded up to 8 floats. The arguments are edt_fused_b's. */
__kernel void edt_fused_u8(__global const uchar *src, __global const ulong *tab, uint nlay, uint nx, uint ny,
                          float cell, float lim, __global uchar *mem, __global int *vv, __global int *ff,
                          __global const int *need, uint use_need, __local float *scratch, uint srow, uint rpi)
{
    size_t i;
    uint r0, r1;
    if (!row_item(nlay, ny, rpi, need, use_need, &i, &r0, &r1)) return;
    __global const uchar *m = src + tab[2 * i];
    __global float *g = (__global float *)(mem + tab[2 * i + 1]);
    int K = (int)(sqrt(lim) + 0.5f), kb = (K + 15) / 16, nb = ((int)nx + 15) / 16;
    uint ff8 = (2 * (nx + 2 * (uint)K + 32) + 31) / 32 * 8, nf8 = ((uint)nb + 8 + 31) / 32 * 8;
    __local float *s = scratch + get_local_id(0) * srow;
    __local ushort *f = (__local ushort *)s + K;
    __local uchar *nr = (__local uchar *)(s + ff8) + kb, *run = (__local uchar *)(s + ff8 + nf8);
    uchar kc = (uchar)(K + 1);
    ushort far = (ushort)((K + 1) * (K + 1));
    for (int t = 0; t < K; t++) f[t - K] = far;
    for (uint c = nx; c < nx + (uint)K + 32; c++) f[c] = far;
    for (int t = 1; t <= kb; t++) nr[-t] = nr[nb - 1 + t] = 0;
    uint a = r0 > (uint)K + 1 ? r0 - (uint)K - 1 : 0, e = min(r1 + (uint)K + 1, ny);
    for (uint c = 0; c < nx; c++) run[c] = kc;
    for (uint r = a; r < r1; r++)
        col_step_u8(m + (size_t)r * nx, run, (int)nx, kc, r >= r0 ? (__global uchar *)(g + (size_t)r * nx) : NULL);
    for (uint c = 0; c < nx; c++) run[c] = kc;
    for (uint r = e; r-- > r1;) col_step_u8(m + (size_t)r * nx, run, (int)nx, kc, NULL);
    for (uint r = r1; r-- > r0;) fused_row(m + (size_t)r * nx, run, (int)nx, K, cell, g + (size_t)r * nx, f, nr);
}

/* ---- stage 5: margin seeds and classify, one item per cell ---- */

/* need, wk, wkd: the sparse-width probe (host-computed as the scalar backend's wide_enough computes them); cap:
 * the distance edt writes for a cell with no outside cell within its cap (engine/backend.h pf_edt_cap_dist). */
typedef struct params {
    float ext_lo, ext_hi, int_hi, fill_lo, fill_print_lo, l0_shift, l0_ext_hi, l0_int_hi, l0_fill_lo, margin,
        shell_min_width, cell, need, bead_ridge, shell_lo, shell_far, shell_ambig, cap;
    int wk, wkd, tk, tkd;
    uint nx, ny;
} params;

/* Whether cell i lies in a fill region at least sparse_min_width wide: d reaches need there, or at ±wk cells
 * along an axis or ±wkd along a diagonal (the scalar backend's wide_enough); wide_probe: the probes around cell
 * (x, y). */
static int wide_probe(__global const float *d, int x, int y, int nx, int ny, int wk, int wkd, float need)
{
    const int dx[8] = {1, -1, 0, 0, 1, 1, -1, -1}, dy[8] = {0, 0, 1, -1, 1, -1, 1, -1};
    for (int q = 0; q < 8; q++) {
        int s = q < 4 ? wk : wkd, xx = x + dx[q] * s, yy = y + dy[q] * s;
        if (xx < 0 || yy < 0 || xx >= nx || yy >= ny) continue;
        if (d[(size_t)yy * nx + xx] >= need) return 1;
    }
    return 0;
}

static int wide_enough(__global const float *d, uint i, params p)
{
    return d[i] >= p.need || wide_probe(d, i % p.nx, i / p.nx, p.nx, p.ny, p.wk, p.wkd, p.need);
}

/* The lanes of narrow (bit j: cell (x + j, y), on the rows after it past the row's end) that are no wider:
 * wide_probe of each, in one call out of line (the probes near the grid's edge are rare: inlined, or a call per
 * lane, they made classify_b 8–15 % slower on bracket). */
static __attribute__((noinline)) uint narrow_lanes(__global const float *d, uint narrow, int x, int y, int nx, int ny,
                                                   int wk, int wkd, float need)
{
    uint middle = 0;
    for (int j = 0; j < 8; j++) {
        if (!(narrow >> j & 1)) continue;
        int cx = x + j, cy = y;
        for (; cx >= nx; cx -= nx) cy++;
        if (!wide_probe(d, cx, cy, nx, ny, wk, wkd, need)) middle |= 1u << j;
    }
    return middle;
}

#define NONE ((ulong)-1)

/* Distance of layer k of a window at cell i: field k starts off[k] bytes into mem, or is absent (NONE: −1). */
static float dk(__global const uchar *mem, const ulong *off, int k, uint i)
{
    return off[k] == NONE ? -1.0f : ((__global const float *)(mem + off[k]))[i];
}

/* Top and bottom seed of cell i: bit 0 top, bit 1 bottom. */
static uint seeds_of(__global const uchar *mem, const ulong *off, uint i, uint layer, float fill_lo)
{
    int fill = layer > 0 && dk(mem, off, 3, i) >= fill_lo;
    int t = fill && dk(mem, off, 4, i) <= 0.0f, b = fill && dk(mem, off, 2, i) <= 0.0f;
    return (uint)t | (uint)b << 1;
}

/* The class of cell i. have: 1 mt holds the top margin field, 2 mb the bottom one, 4 below the classes of the layer
 * below (the others are not read). */
static uchar classify_cell(__global const uchar *mem, const ulong *off, uint i, uint layer, params p,
                           __global const float *mt, __global const float *mb, uint have,
                           __global const uchar *below)
{
    float d = dk(mem, off, 3, i), hc = 0.5f * p.cell;
    if (d <= 0.0f) return 0;
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
            int top = dk(mem, off, 4, i) <= 0.0f || ((have & 1) && mt[i] <= p.margin);
            int bot = dk(mem, off, 2, i) <= 0.0f || ((have & 2) && mb[i] <= p.margin);
            if ((top || bot) && !wide_enough((__global const float *)(mem + off[3]), i, p)) {
                fill = FILL_MIDDLE; /* a top or bottom surface on a wall's middle */
                c |= CELL_SHELL;
            } else if (bot) {
                fill = FILL_BRIDGE;
            } else if (top) {
                fill = FILL_TOP;
            } else {
                int solid = 0, ambig = 0;
                for (int k = 0; k <= 6; k += 6) { /* the layers 3 away (engine/backend.h pf_shell_far) */
                    float dj = dk(mem, off, k, i), e = d - dj;
                    int band = dj < p.shell_far, amb = band && dj > 0.0f && fabs(e - p.fill_lo) < p.shell_ambig;
                    solid |= band && !amb && e >= p.fill_lo;
                    ambig |= amb;
                }
                for (int k = 1; k <= 5; k++) {
                    if (k == 3) continue;
                    long j = (long)layer - 3 + k;
                    float dj = dk(mem, off, k, i), e = d - dj;
                    int band = dj < p.shell_lo, amb = band && dj > 0.0f && fabs(e - p.shell_min_width) < p.shell_ambig;
                    solid |= j == 0 || (band && !amb && e >= p.shell_min_width);
                    ambig |= amb;
                }
                if (ambig && !solid) c |= CELL_AMBIG;
                if (!wide_enough((__global const float *)(mem + off[3]), i, p)) { /* a wall's middle */
                    fill = FILL_MIDDLE;
                    if (solid) c |= CELL_SHELL;
                } else if (!solid) fill = FILL_SPARSE;
                else if ((have & 4) && ((below[i] & FILL_MASK) >> FILL_SHIFT) == FILL_SPARSE) fill = FILL_IBRIDGE;
                else fill = FILL_SOLID;
            }
        }
    }
    return (uchar)(c | fill << FILL_SHIFT);
}

/* Cells i … i + 7 of one layer into out: classify_cell's rules evaluated in vector lanes (the runtime does not
 * vectorize a loop inside a work-item). Every condition classify_cell tests is a pure comparison, so testing them
 * all and selecting gives its result; the sparse-width probe, which reads other cells, runs per lane, for the lanes
 * that need it. */
static float8 field8(__global const uchar *mem, const ulong *off, int k, uint i)
{
    return off[k] == NONE ? (float8)(-1.0f) : LDF8((__global const float *)(mem + off[k]) + i);
}

static void classify8(__global uchar *mem, const ulong *off, uint i, uint layer, params p, __global const float *mt,
                      __global const float *mb, uint have, __global const uchar *below, __global uchar *out)
{
    float8 d = field8(mem, off, 3, i);
    int8 inside = d > 0.0f, z = 0, c, fill;
    if (!any8(inside)) {
        *(__global ulong *)(out + i) = 0; /* aligned: i is a multiple of 8 */
        return;
    }
    float hc = 0.5f * p.cell;
    if (layer == 0) {
        float8 e = d - p.l0_shift;
        int8 ext = (e > p.ext_lo) & (e <= p.l0_ext_hi), in2 = (e > p.l0_ext_hi) & (e <= p.l0_int_hi);
        c = select(z, (int8)WALL_EXT, ext) | select(z, (int8)WALL_INT, in2);
        fill = select(z, (int8)FILL_FIRST, e + hc > p.l0_fill_lo);
    } else {
        int8 ext = (d > p.ext_lo) & (d <= p.ext_hi), in2 = (d > p.ext_hi) & (d <= p.int_hi);
        c = select(z, (int8)WALL_EXT, ext) | select(z, (int8)WALL_INT, in2);
        int8 infill = d + hc > p.fill_print_lo;
        fill = z;
        if (any8(infill)) { /* else walls only: no fill class, no other field to read */
            int8 top = field8(mem, off, 4, i) <= 0.0f, bot = field8(mem, off, 2, i) <= 0.0f;
            if (have & 1) top |= LDF8(mt + i) <= p.margin;
            if (have & 2) bot |= LDF8(mb + i) <= p.margin;
            int8 solid = z, ambig = z; /* ambig: bands the fields cannot decide (CELL_AMBIG) */
            for (int k = 0; k <= 6; k += 6) { /* the layers 3 away */
                float8 dj = field8(mem, off, k, i), e = d - dj;
                int8 band = dj < p.shell_far, amb = band & (dj > 0.0f) & (fabs(e - p.fill_lo) < p.shell_ambig);
                solid |= band & ~amb & (e >= p.fill_lo);
                ambig |= amb;
            }
            for (int k = 1; k <= 5; k++) {
                if (k == 3) continue;
                long j = (long)layer - 3 + k;
                float8 dj = field8(mem, off, k, i), e = d - dj;
                int8 band = dj < p.shell_lo;
                int8 amb = band & (dj > 0.0f) & (fabs(e - p.shell_min_width) < p.shell_ambig);
                solid |= j == 0 ? (int8)(-1) : band & ~amb & (e >= p.shell_min_width);
                ambig |= amb;
            }
            ambig &= ~solid & ~top & ~bot;
            int8 probe = inside & infill;
            int8 narrow = probe & (d < p.need); /* wide_enough's first test failed: probe around the cell */
            int8 middle = z; /* a wall's middle (FILL_MIDDLE) */
            if (any8(narrow)) {
                __global const float *d3 = (__global const float *)(mem + off[3]);
                long nx = p.nx, x = i % p.nx, y = i / p.nx;
                if (x >= p.wk && x + 7 + p.wk < nx && y >= p.wk && y + p.wk < (long)p.ny) {
                    /* every probe of the eight lanes lies inside the grid: wide_enough's reads as vectors */
                    long k = p.wk, kd = p.wkd;
                    const long o[8] = {k,           -k,           k * nx,        -k * nx,
                                       kd + kd * nx, kd - kd * nx, -kd + kd * nx, -kd - kd * nx};
                    int8 wide = 0;
                    for (int q = 0; q < 8; q++) wide |= LDF8(d3 + (long)i + o[q]) >= p.need;
                    middle = narrow & ~wide;
                } else {
                    /* near the grid's edge, or wrapping onto the next row: wide_enough's probes of each
                     * narrow lane (d < need, so its first test fails), from the lane's cell coordinates */
                    int8 bit = (int8)(1, 2, 4, 8, 16, 32, 64, 128);
                    int8 nb = narrow & bit;
                    uint mask = (uint)(nb.s0 | nb.s1 | nb.s2 | nb.s3 | nb.s4 | nb.s5 | nb.s6 | nb.s7);
                    uint mid = narrow_lanes(d3, mask, (int)x, (int)y, (int)nx, (int)p.ny, p.wk, p.wkd, p.need);
                    middle = ((int8)mid & bit) != 0;
                }
            }
            int8 ib = z;
            if (have & 4) ib = ((convert_int8(LD8(below + i)) & FILL_MASK) >> FILL_SHIFT) == FILL_SPARSE;
            fill = select((int8)FILL_SOLID, (int8)FILL_IBRIDGE, ib);
            fill = select((int8)FILL_SPARSE, fill, solid);
            fill = select(fill, (int8)FILL_TOP, top);
            fill = select(fill, (int8)FILL_BRIDGE, bot);
            fill = select(fill, (int8)FILL_MIDDLE, middle);
            c |= select(z, (int8)CELL_SHELL, middle & (solid | top | bot));
            c |= select(z, (int8)CELL_AMBIG, ambig & infill);
            fill = select(z, fill, infill);
        }
    }
    int8 r = select(z, (int8)CELL_INSIDE | c | fill << FILL_SHIFT, inside);
    *(__global uchar8 *)(out + i) = convert_uchar8(r);
}

/* The per-layer forms: the 7-layer window arrives as one buffer of 7 fields; present is a bit mask of the layers
 * that exist. */
static void window_offsets(uint present, uint n, ulong *off)
{
    for (int k = 0; k < 7; k++) off[k] = (present >> k & 1) ? (ulong)k * n * sizeof(float) : NONE;
}

__kernel void margin_seeds(__global const float *win, uint present, uint n, uint layer, float fill_lo,
                           __global uchar *top, __global uchar *bot, __global int *flags)
{
    uint i = get_global_id(0);
    if (i >= n) return;
    ulong off[7];
    window_offsets(present, n, off);
    uint tb = seeds_of((__global const uchar *)win, off, i, layer, fill_lo);
    top[i] = !(tb & 1);
    bot[i] = !(tb & 2);
    if (tb & 1) atomic_or(&flags[0], 1);
    if (tb & 2) atomic_or(&flags[1], 1);
}

__kernel void classify(__global const float *win, uint present, uint n, uint layer, params p,
                       __global const float *mt, __global const float *mb, uint have /* 1 top, 2 bot, 4 below */,
                       __global const uchar *below, __global uchar *out)
{
    uint i = get_global_id(0);
    if (i >= n) return;
    ulong off[7];
    window_offsets(present, n, off);
    out[i] = classify_cell((__global const uchar *)win, off, i, layer, p, mt, mb, have, below);
}

/* Batch forms; every field is a byte offset into mem. Seeds in two kernels, item = layer × block of SBLK cells; tab
 * holds MTAB entries per layer: the window's fields 2, 3, 4 (NONE when absent), the layer, the top and bottom
 * seed masks' offsets in seeds, and the masks of fields 2, 3, 4 (NONE with their field). margin_flags_b only
 * looks: flags gets 2 per layer (one atomic per item and kind at most), set when the layer has a top / bottom
 * seed. margin_seeds_b then writes the seed masks of the flagged
 * kinds only: most layers have none, and the others' masks are never read (their fields are skipped too), so a
 * batch does not write 2 bytes per cell of every layer. */
#define SBLK 1024
#define MTAB 9

__kernel void margin_flags_b(__global const uchar *mem, __global const ulong *tab, uint nlay, uint n, float fill_lo,
                             __global int *flags)
{
    uint nb = (n + SBLK - 1) / SBLK;
    size_t gid = get_global_id(0), l = gid / nb;
    if (l >= nlay) return;
    uint c0 = (uint)(gid % nb) * SBLK, c1 = min(c0 + SBLK, n), seen = 0, layer;
    __global const ulong *t = tab + MTAB * l;
    ulong off[7] = {NONE, NONE, t[0], t[1], t[2], NONE, NONE};
    layer = (uint)t[3];
    if (layer == 0) return; /* no fill region counts on layer 0: no seeds */
    uint i = c0;
    int8 at = 0, ab = 0;
    /* A seed needs d ≥ fill_lo > 0 here, so this layer's mask set, and a field ≤ 0 above or below, so that mask
     * 0 there (an absent layer: all 0): 16 cells a step from the masks' bytes, and this layer's field only where
     * some cell can be one (most of a part's cells are inside both or outside this layer). */
    if (fill_lo > 0.0f) {
        __global const uchar *m3 = mem + t[7], *m2 = mem + t[6], *m4 = mem + t[8];
        bool has2 = t[6] != NONE, has4 = t[8] != NONE;
        __global const float *f3 = (__global const float *)(mem + off[3]);
        for (; i + 16 <= c1; i += 16) {
            char16 in = as_char16(LD16(m3 + i)) != (char16)0;
            if (!any16c(in)) continue;
            char16 top = in & (has4 ? as_char16(LD16(m4 + i)) == (char16)0 : (char16)(-1));
            char16 bot = in & (has2 ? as_char16(LD16(m2 + i)) == (char16)0 : (char16)(-1));
            if (!any16c(top | bot)) continue;
            int8 f0 = LDF8(f3 + i) >= fill_lo, f1 = LDF8(f3 + i + 8) >= fill_lo;
            at |= (f0 & convert_int8(top.lo)) | (f1 & convert_int8(top.hi));
            ab |= (f0 & convert_int8(bot.lo)) | (f1 & convert_int8(bot.hi));
        }
    }
    for (; i + 8 <= c1; i += 8) { /* seeds_of eight cells at a time */
        int8 fill = field8(mem, off, 3, i) >= fill_lo;
        if (!any8(fill)) continue;
        at |= fill & (field8(mem, off, 4, i) <= 0.0f);
        ab |= fill & (field8(mem, off, 2, i) <= 0.0f);
    }
    seen = (any8(at != 0) ? 1u : 0u) | (any8(ab != 0) ? 2u : 0u);
    for (; i < c1; i++)
        seen |= seeds_of(mem, off, i, layer, fill_lo);
    if (seen & 1) atomic_or(&flags[2 * l], 1);
    if (seen & 2) atomic_or(&flags[2 * l + 1], 1);
}

__kernel void margin_seeds_b(__global const uchar *mem, __global const ulong *tab, uint nlay, uint n, float fill_lo,
                             __global uchar *seeds, __global const int *flags)
{
    uint nb = (n + SBLK - 1) / SBLK;
    size_t gid = get_global_id(0), l = gid / nb;
    if (l >= nlay) return;
    int want_t = flags[2 * l] != 0, want_b = flags[2 * l + 1] != 0;
    if (!want_t && !want_b) return;
    uint c0 = (uint)(gid % nb) * SBLK, c1 = min(c0 + SBLK, n), layer;
    __global const ulong *t = tab + MTAB * l;
    ulong off[7] = {NONE, NONE, t[0], t[1], t[2], NONE, NONE};
    __global uchar *top = seeds + t[4], *bot = seeds + t[5];
    layer = (uint)t[3];
    uint i = c0;
    for (; i + 8 <= c1; i += 8) {
        int8 fill = field8(mem, off, 3, i) >= fill_lo;
        int8 tt = fill & (field8(mem, off, 4, i) <= 0.0f), bb = fill & (field8(mem, off, 2, i) <= 0.0f);
        if (want_t) *(__global uchar8 *)(top + i) = convert_uchar8(tt + 1); /* aligned: i is a multiple of 8 */
        if (want_b) *(__global uchar8 *)(bot + i) = convert_uchar8(bb + 1);
    }
    for (; i < c1; i++) {
        uint tb = seeds_of(mem, off, i, layer, fill_lo);
        if (want_t) top[i] = !(tb & 1);
        if (want_b) bot[i] = !(tb & 2);
    }
}

/* Classify in two kernels. classify_b: item = layer × block of CBLK cells, every layer on its own (streaming
 * through its fields), as if it had no layer below, so a cell that would be an internal bridge comes out solid;
 * classify_fix_b then turns those into internal bridges (engine/backend.h's pf_classes_fix_bridges, which with
 * classify without below equals classify with below): item = block of CBLK cells, looping over the layers in
 * order, as a layer's `below` may be the previous one's output. tab holds CTAB entries per layer: the window's 7
 * fields (NONE when absent), top and bottom margin fields, below, out, the layer, `have`, and for a layer whose
 * margins the batch's last margin call left on the device (entry 13 not NONE32: that call's index of the layer)
 * what `have` and the deep class are for each of its four outcomes (entry 14, 16 bits each: bit 8 deep, bits 0–7
 * the class), the outcome read from that call's flags (mflags: 2 per layer, top then bottom); entry 15 the
 * layer's mask (NONE when not known): a cell outside it is outside the field (0), so 32 cells of the mask's
 * bytes say what 128 of the field's would. */
#define CBLK 1024
#define CTAB 16
#define NONE32 0xFFFFFFFFUL

/* Whether the n8 blocks of 8 cells from i are deep: this layer's field (f3) at cap (unless f3 is NULL: the caller
 * has tested it), the other fields of the window (the nu distinct ones in fu, each once) at cap too, and the
 * margin fields (have: 1 top, 2 bottom) beyond the margin, so that each gets the class of such a cell
 * (engine/backend.h pf_classify_deep). */
static bool deep_run(__global const uchar *mem, __global const float *f3, const ulong *fu, int nu, uint i, uint n8,
                     float cap, __global const float *mt, __global const float *mb, uint have, float margin)
{
    int8 at = (int8)(-1);
    if (f3) {
        for (uint q = 0; q < n8; q++) at &= LDF8(f3 + i + 8 * q) == cap;
        if (!all8(at)) return false;
    }
    for (int u = 0; u < nu; u++)
        for (uint q = 0; q < n8; q++) at &= LDF8((__global const float *)(mem + fu[u]) + i + 8 * q) == cap;
    for (uint q = 0; q < n8; q++) {
        if (have & 1) at &= LDF8(mt + i + 8 * q) > margin;
        if (have & 2) at &= LDF8(mb + i + 8 * q) > margin;
    }
    return all8(at);
}

/* tab's entry 12: bits 0–2 have (only 1 and 2 are read here), bit 8 a deep class exists, bits 16–23 that class. */
__kernel void classify_b(__global uchar *mem, __global const ulong *tab, uint nlay, uint n, params p, float cap,
                         __global const int *mflags)
{
    uint nb = (n + CBLK - 1) / CBLK;
    size_t gid = get_global_id(0), l = gid / nb;
    if (l >= nlay) return;
    uint c0 = (uint)(gid % nb) * CBLK, c1 = min(c0 + CBLK, n);
    __global const ulong *t = tab + CTAB * l;
    ulong off[7] = {t[0], t[1], t[2], t[3], t[4], t[5], t[6]};
    uint have = (uint)t[12] & 3u, layer = (uint)t[11], deep = (uint)t[12] >> 8 & 1u;
    ulong dc = t[12] >> 16 & 0xFFu;
    if (t[13] != NONE32) {
        size_t j = (size_t)t[13];
        have = (mflags[2 * j] != 0 ? 1u : 0u) | (mflags[2 * j + 1] != 0 ? 2u : 0u);
        uint e = (uint)(t[14] >> (16 * have)) & 0x1FFu;
        deep = e >> 8;
        dc = e & 0xFFu;
    }
    ulong deep_cls = dc * 0x0101010101010101UL;
    /* the margin fields a deep cell's class reads (engine/backend_simd.c classify's use_mt, use_mb): none without a
     * layer below (a bridge, or layer 0's rules), only the bottom one without a layer above (a top, unless a bottom
     * seed is near). A top layer's cells are all within the margin of its own top seeds, and tested against it
     * every block took the general path. */
    uint dhave = off[2] == NONE ? 0u : off[4] == NONE ? have & 2u : have;
    __global const float *mt = (__global const float *)(mem + t[7]), *mb = (__global const float *)(mem + t[8]);
    __global uchar *out = mem + t[10];
    __global const float *f3 = (__global const float *)(mem + off[3]);
    __global const uchar *m3 = t[15] != NONE ? mem + t[15] : NULL;
    /* the window's other fields a deep cell's class reads, each once (a field shared by equal masks is compared
     * once): as for the margins, none without a layer below, only the one below without a layer above */
    ulong fu[6];
    int nu = 0;
    bool use_all = off[2] != NONE && off[4] != NONE, use2 = off[2] != NONE;
    /* against the earlier entries of tab, not of fu: the runtime read fu back as vectors just after storing it
     * element by element (a store-forwarding stall, a seventh of this kernel's time on small grids) */
#pragma unroll
    for (int k = 0; k < 7; k++) {
        bool seen = !(use_all || (k == 2 && use2)) || k == 3 || t[k] == NONE || t[k] == t[3];
#pragma unroll
        for (int j = 0; j < k; j++) /* a field already taken */
            seen |= (use_all || (j == 2 && use2)) && t[j] == t[k];
        if (!seen) fu[nu++] = t[k];
    }
    uint i = c0;
    for (; i + 8 <= c1; i += 8) {
        /* 32 cells outside or deep at once (one test of this layer's field), else 8 (aligned: i is a multiple of
         * 8) */
        if (!((i - c0) & 31) && i + 32 <= c1) {
            __global ulong *o = (__global ulong *)(out + i);
            bool outside;
            if (m3) {
                ulong2 u = as_ulong2(LD16(m3 + i)) | as_ulong2(LD16(m3 + i + 16));
                outside = !(u.x | u.y);
            } else {
                outside = !any8((LDF8(f3 + i) > 0.0f) | (LDF8(f3 + i + 8) > 0.0f) | (LDF8(f3 + i + 16) > 0.0f) |
                                (LDF8(f3 + i + 24) > 0.0f));
            }
            if (outside) {
                o[0] = o[1] = o[2] = o[3] = 0;
                i += 24;
                continue;
            }
            float8 a0 = LDF8(f3 + i), a1 = LDF8(f3 + i + 8), a2 = LDF8(f3 + i + 16), a3 = LDF8(f3 + i + 24);
            if (deep && all8((a0 == cap) & (a1 == cap) & (a2 == cap) & (a3 == cap)) &&
                deep_run(mem, NULL, fu, nu, i, 4, cap, mt, mb, dhave, p.margin)) {
                o[0] = o[1] = o[2] = o[3] = deep_cls;
                i += 24;
                continue;
            }
        }
        if (deep && deep_run(mem, f3, fu, nu, i, 1, cap, mt, mb, dhave, p.margin))
            *(__global ulong *)(out + i) = deep_cls;
        else
            classify8(mem, off, i, layer, p, mt, mb, have, mem, out);
    }
    for (; i < c1; i++) out[i] = classify_cell(mem, off, i, layer, p, mt, mb, have, mem);
}

__kernel void classify_fix_b(__global uchar *mem, __global const ulong *tab, uint nlay, uint n)
{
    uint c0 = get_global_id(0) * CBLK;
    if (c0 >= n) return;
    uint c1 = min(c0 + CBLK, n);
    const uchar fm = FILL_MASK, solid = FILL_SOLID << FILL_SHIFT, sparse = FILL_SPARSE << FILL_SHIFT,
                ib = FILL_IBRIDGE << FILL_SHIFT;
    for (uint l = 0; l < nlay; l++) {
        __global const ulong *t = tab + CTAB * (size_t)l;
        if (!(t[12] & 4)) continue;
        __global const uchar *below = mem + t[9];
        __global uchar *out = mem + t[10];
        uint i = c0;
        for (; i + 16 <= c1; i += 16) {
            uchar16 c = LD16(out + i);
            char16 fix = ((c & fm) == solid) & ((LD16(below + i) & fm) == sparse);
            if (any16c(fix)) ST16(out + i, select(c, (c & (uchar)~fm) | ib, as_uchar16(fix)));
        }
        for (; i < c1; i++) {
            uchar c = out[i];
            if ((c & fm) == solid && (below[i] & fm) == sparse) out[i] = (c & (uchar)~fm) | ib;
        }
    }
}

/* ---- stage 6: reduce, one item per diagonal; integer counters, scaled on the host ---- */

static uint runsets_of(uint fill)
{
    switch (fill) {
    case FILL_SPARSE: return 1u << 0 | 1u << 5;
    case FILL_MIDDLE: return 1u << 0 | 1u << 5;
    case FILL_SOLID: return 1u << 1 | 1u << 5;
    case FILL_FIRST: return 1u << 1 | 1u << 5;
    case FILL_TOP: return 1u << 2;
    case FILL_BRIDGE: return 1u << 3;
    case FILL_IBRIDGE: return 1u << 4 | 1u << 5;
    default: return 0;
    }
}

/* The bin of a run of n cells: first[b − 1] is the fewest cells a run of bin b has (engine/backend.h
 * pf_hist_firsts), the same bins as its length's. */
static int bin_of(uint n, __constant const int *first)
{
    /* the thresholds it reaches, all 16 at once (ascending; the 16th, INT_MAX, is never reached): their lanes
     * as 0xFF bytes, counted in bits */
    ulong2 at = as_ulong2(convert_char16((int16)(int)n >= vload16(0, first)));
    return (int)(popcount(at.x) + popcount(at.y)) >> 3;
}

/* acc: RUN_N × HIST_BINS run counts, then as many run lengths in cells. */
static void reduce_diag(__global const uchar *cls, uint nx, uint ny, int parity, __constant int *first,
                        __global uint *acc, long s)
{
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
                int b = bin_of(len[r], first);
                atomic_inc(&runs[r * HIST_BINS + b]);
                atomic_add(&cells[r * HIST_BINS + b], len[r]);
                len[r] = 0;
            }
        }
        if (!inb) break;
        y += parity ? -1 : 1;
    }
}

__kernel void reduce(__global const uchar *cls, uint nx, uint ny, int parity, __constant int *first,
                     __global uint *acc)
{
    long s = (long)get_global_id(0) - ((long)ny - 1);
    if (s < (long)nx) reduce_diag(cls, nx, ny, parity, first, acc, s);
}

static float overlap(float a, float b, float lo, float hi)
{
    float x = fmax(a, lo), y = fmin(b, hi);
    return y > x ? y - x : 0.0f;
}

/* Whether inner-band cell (x, y) lies in a wall too thin for an inner bead: engine/backend.h's pf_thin_cell, with
 * its steps tk / tkd and need (ext_hi + bead_ridge − cell/2). */
static int thin_cell(__global const float *d, long x, long y, float shift, float need, params p)
{
    const int dx[8] = {1, -1, 0, 0, 1, 1, -1, -1}, dy[8] = {0, 0, 1, -1, 1, -1, 1, -1};
    long nx = p.nx, ny = p.ny;
    for (int q = 0; q < 8; q++)
        for (long s = 1, e = q < 4 ? p.tk : p.tkd; s <= e; s++) {
            long xx = x + dx[q] * s, yy = y + dy[q] * s;
            if (xx < 0 || yy < 0 || xx >= nx || yy >= ny) break;
            if (d[yy * nx + xx] - shift >= need) return 0;
        }
    return 1;
}

/* Fractional areas, one item per group of area_rows(nx) rows (float atomics do not exist in OpenCL 1.2): sums[q]
 * gets the inside cell count of group q's rows, wall bands 1 and 2, the 7 fill classes and the thin-wall part of
 * band 2, in cells; the host adds the groups. Bounds as in classify: layer 0 uses the l0 fields and the
 * elephant-foot shift. Rows in groups: a row of a small grid has few blocks, and adding up the lanes (88 scalar
 * additions) cost as much as the row's blocks; so a group has at least AREA_ROWS rows and about AREA_CELLS cells. */
#define AREA_SUMS 11 /* per group: see areas_rows */
#define AREA_ROWS 4  /* engine/backend_opencl.c has the same, and area_rows */
#define AREA_CELLS 1024

static uint area_rows(uint nx)
{
    return max((uint)AREA_ROWS, (AREA_CELLS + nx - 1) / nx);
}

static void areas_rows(__global const uchar *cls, __global const float *dist, uint nx, uint ny, params p, uint layer,
                       uint q, __global float *sums)
{
    float hc = 0.5f * p.cell, inv = 1.0f / p.cell;
    float shift = layer == 0 ? p.l0_shift : 0.0f;
    float ext_hi = layer == 0 ? p.l0_ext_hi : p.ext_hi, int_hi = layer == 0 ? p.l0_int_hi : p.int_hi;
    float fill_lo = layer == 0 ? p.l0_fill_lo : p.fill_print_lo;
    float deep = fmax(fmax(ext_hi, int_hi), fill_lo); /* a ≥ deep: no wall, all fill (see below) */
    float need = ext_hi + p.bead_ridge - hc, thin = 0.0f; /* pf_thin_probe_of's */
    /* Eight cells at a time in vector lanes (the runtime does not vectorize a loop inside a work-item): lane j
     * sums the cells x ≡ j mod 8 of the row, outside cells add 0, then the lanes are added in order and the last
     * nx mod 8 cells one by one. Only the order of the additions differs from a running sum. */
    float8 z = 0.0f, v0 = z, v1 = z, v2 = z, g0 = z, g1 = z, g2 = z, g3 = z, g4 = z, g5 = z, g6 = z;
    /* Blocks of 8 cells of one class, all at the cap, are counted instead (a thick part's inside: most of its
     * cells): such a cell lies in no wall band when its a is at least deep, and its fill overlap is then
     * cap_o whatever its class (class 0's band starts at int_hi ≤ a too), so a block adds 8 inside cells and
     * 8 cap_o to its class's sum. */
    float cap_d = p.cap - shift, cap_a = cap_d - hc, cap_o = ((cap_d + hc) - cap_a) * inv;
    bool cap_deep = p.cap > 0.0f && cap_a >= deep;
    uint nin = 0, ndeep[7] = {0, 0, 0, 0, 0, 0, 0}; /* inside cells, cap blocks of each fill slot */
    /* Adds the fill-band overlap o of each lane to its fill class's lane sums (classes 6 and up into g6). */
#define FILL_ADD(o)                                                                                                  \
    do {                                                                                                             \
        g0 += select(z, (o), f == 0), g1 += select(z, (o), f == 1), g2 += select(z, (o), f == 2);                    \
        g3 += select(z, (o), f == 3), g4 += select(z, (o), f == 4), g5 += select(z, (o), f == 5);                    \
        g6 += select(z, (o), f >= 6);                                                                                \
    } while (0)
/* The same when the 8 lanes are mostly of one class (deep blocks, a band of one class, an edge of the fill): that
 * class's sums only, the others would add 0. */
#define CLASS_ADD(o)                                                                                                 \
    do {                                                                                                             \
        int f0 = f.s0;                                                                                               \
        if (!all8(f == f0)) FILL_ADD(o);                                                                             \
        else if (f0 == 0) g0 += (o);                                                                                 \
        else if (f0 == 1) g1 += (o);                                                                                 \
        else if (f0 == 2) g2 += (o);                                                                                 \
        else if (f0 == 3) g3 += (o);                                                                                 \
        else if (f0 == 4) g4 += (o);                                                                                 \
        else if (f0 == 5) g5 += (o);                                                                                 \
        else g6 += (o);                                                                                              \
    } while (0)
    /* the rows' last nx mod 8 cells, one by one */
    float t0 = 0, t1 = 0, t2 = 0, tf0 = 0, tf1 = 0, tf2 = 0, tf3 = 0, tf4 = 0, tf5 = 0, tf6 = 0;
    uint rows = area_rows(nx);
    for (uint r = q * rows, rend = min(r + rows, ny); r < rend; r++) {
        __global const uchar *cr = cls + (size_t)r * nx;
        __global const float *dr = dist + (size_t)r * nx;
        uint x = 0;
        for (; x + 8 <= nx; x += 8) {
            uchar8 cb = LD8(cr + x);
            ulong raw = as_ulong(cb), same8 = (raw & 0xFFUL) * 0x0101010101010101UL;
            if (!raw) continue; /* all outside: every term is 0 */
            /* the field two rows on, whose loads missed the caches here: bracket's areas 1320 → 1053 µs */
            if (!(x & 15) && r + 2 < rend) PREFETCH(dr + x + 2 * nx);
            if (cap_deep && raw == same8 && all8(LDF8(dr + x) == p.cap)) {
                /* and the next three blocks at once when they are such blocks of the same class too */
                uint k = 1;
                if (!(x & 31) && x + 32 <= nx) {
                    ulong2 w = as_ulong2(LD16(cr + x + 8));
                    if (w.x == same8 && w.y == same8 && as_ulong(LD8(cr + x + 24)) == same8 &&
                        all8((LDF8(dr + x + 8) == p.cap) & (LDF8(dr + x + 16) == p.cap) &
                             (LDF8(dr + x + 24) == p.cap)))
                        k = 4;
                }
                uint f0 = (uint)(raw & FILL_MASK) >> FILL_SHIFT;
                ndeep[f0 == FILL_MIDDLE ? FILL_SPARSE : f0] += k;
                nin += 8 * k;
                x += 8 * (k - 1);
                continue;
            }
            int8 c = convert_int8(cb), in = c != 0, f = (c & FILL_MASK) >> FILL_SHIFT;
            f = select(f, (int8)FILL_SPARSE, f == FILL_MIDDLE); /* sums as sparse */
            float8 d = LDF8(dr + x) - shift, a = d - hc, b = d + hc;
            if (!any8(~(in & (a >= deep)))) {
                /* deep block: both wall bands end below a (hi ≤ lo: 0) and the fill band starts below it (lo = a,
                 * hi = b); so does class 0's band beyond int_hi */
                float8 o = (b - a) * inv;
                v0 += 1.0f;
                CLASS_ADD(o);
                continue;
            }
            /* the band bounds and distances are finite: vmax / vmin, one instruction each */
            float8 lo = vmax(a, p.ext_lo), hi = vmin(b, ext_hi);
            float8 o1 = select(z, (hi - lo) * inv, in & (hi > lo));
            lo = vmax(a, ext_hi), hi = vmin(b, int_hi);
            float8 o2 = select(z, (hi - lo) * inv, in & (hi > lo));
            /* class 0: beyond the beads */
            lo = vmax(a, select((float8)fill_lo, (float8)int_hi, f == 0)), hi = vmin(b, 1e30f);
            float8 o = select(z, (hi - lo) * inv, in & (hi > lo));
            v0 += select(z, (float8)1.0f, in);
            v1 += o1;
            v2 += o2;
            CLASS_ADD(o);
            int8 probe = (o2 > 0.0f) & (d < need);
            if (any8(probe)) {
                float o2s[8];
                int ps[8];
                vstore8(o2, 0, o2s);
                vstore8(probe, 0, ps);
                for (int j = 0; j < 8; j++)
                    if (ps[j] && thin_cell(dist, x + j, r, shift, need, p)) thin += o2s[j];
            }
        }
        for (; x < nx; x++) {
            uchar c = cr[x];
            if (!c) continue;
            float d = dr[x] - shift, a = d - hc, b = d + hc;
            t0 += 1.0f;
            t1 += overlap(a, b, p.ext_lo, ext_hi) * inv;
            float w2 = overlap(a, b, ext_hi, int_hi) * inv;
            t2 += w2;
            if (w2 > 0.0f && d < need && thin_cell(dist, x, r, shift, need, p)) thin += w2;
            float o = overlap(a, b, (c & FILL_MASK) ? fill_lo : int_hi, 1e30f) * inv; /* class 0: beyond the beads */
            switch ((c & FILL_MASK) >> FILL_SHIFT) {
            case 0: tf0 += o; break;
            case 1: case FILL_MIDDLE: tf1 += o; break;
            case 2: tf2 += o; break;
            case 3: tf3 += o; break;
            case 4: tf4 += o; break;
            case 5: tf5 += o; break;
            default: tf6 += o; break;
            }
        }
    }
#undef FILL_ADD
#undef CLASS_ADD
    float s0 = 0, s1 = 0, s2 = 0, f0 = 0, f1 = 0, f2 = 0, f3 = 0, f4 = 0, f5 = 0, f6 = 0;
    float lane0[8], lane1[8], lane2[8], lf[7][8];
    vstore8(v0, 0, lane0), vstore8(v1, 0, lane1), vstore8(v2, 0, lane2);
    vstore8(g0, 0, lf[0]), vstore8(g1, 0, lf[1]), vstore8(g2, 0, lf[2]), vstore8(g3, 0, lf[3]);
    vstore8(g4, 0, lf[4]), vstore8(g5, 0, lf[5]), vstore8(g6, 0, lf[6]);
    for (int j = 0; j < 8; j++) {
        s0 += lane0[j], s1 += lane1[j], s2 += lane2[j];
        f0 += lf[0][j], f1 += lf[1][j], f2 += lf[2][j], f3 += lf[3][j], f4 += lf[4][j], f5 += lf[5][j];
        f6 += lf[6][j];
    }
    __global float *out = sums + (size_t)q * AREA_SUMS;
    /* (exact: whole numbers of cells) */
    out[0] = s0 + t0 + (float)nin, out[1] = s1 + t1, out[2] = s2 + t2;
#define CAP_SUM(k) ((float)(8 * ndeep[k]) * cap_o)
    out[3] = f0 + tf0 + CAP_SUM(0), out[4] = f1 + tf1 + CAP_SUM(1), out[5] = f2 + tf2 + CAP_SUM(2);
    out[6] = f3 + tf3 + CAP_SUM(3), out[7] = f4 + tf4 + CAP_SUM(4), out[8] = f5 + tf5 + CAP_SUM(5);
    out[9] = f6 + tf6 + CAP_SUM(6), out[10] = thin;
#undef CAP_SUM
}

__kernel void reduce_areas(__global const uchar *cls, __global const float *dist, uint nx, uint ny, params p,
                           uint layer, __global float *sums)
{
    uint q = get_global_id(0);
    if (q * area_rows(nx) < ny) areas_rows(cls, dist, nx, ny, p, layer, q, sums);
}

/* Batch forms: tab holds 4 entries per layer: its classes' and distances' byte offsets in mem, the layer and the
 * parity. Runs: reduce_rows_b; areas: item = layer × group of area_rows rows, AREA_SUMS sums a group. */

/* runsets_of for 8 fill classes */
static int8 runsets8(int8 f)
{
    int8 z = 0, r = select(z, (int8)(1 << 0 | 1 << 5), (f == 1) | (f == FILL_MIDDLE));
    r = select(r, (int8)(1 << 1 | 1 << 5), (f == 2) | (f == 6));
    r = select(r, (int8)(1 << 2), f == 3);
    r = select(r, (int8)(1 << 3), f == 4);
    return select(r, (int8)(1 << 4 | 1 << 5), f == 5);
}

/* runsets_of for 16 class bytes (their fill bits), in bytes */
static uchar16 runsets16(uchar16 c)
{
    uchar16 f = (c & (uchar)FILL_MASK) >> (uchar)FILL_SHIFT;
    uchar16 sparse = as_uchar16((f == (uchar)FILL_SPARSE) | (f == (uchar)FILL_MIDDLE)),
            solid = as_uchar16((f == (uchar)FILL_SOLID) | (f == (uchar)FILL_FIRST));
    uchar16 top = as_uchar16(f == (uchar)FILL_TOP), bridge = as_uchar16(f == (uchar)FILL_BRIDGE),
            ibridge = as_uchar16(f == (uchar)FILL_IBRIDGE);
    return (sparse & (uchar)(1 << 0 | 1 << 5)) | (solid & (uchar)(1 << 1 | 1 << 5)) | (top & (uchar)(1 << 2)) |
           (bridge & (uchar)(1 << 3)) | (ibridge & (uchar)(1 << 4 | 1 << 5));
}

/* A run of n cells of set r ended: count it. */
static void run_end(uint *cnt, int r, uint n, __constant int *first)
{
    int b = bin_of(n, first);
    cnt[r * HIST_BINS + b]++;
    cnt[RUN_N * HIST_BINS + r * HIST_BINS + b] += n;
}

/* Runs row by row: item = layer, walking its classes in memory order, 16 cells per step in vector lanes (their run
 * sets in bytes; only the lanes whose set differs from their diagonal's state do any work), and keeping each
 * diagonal's open runs in scratch (nd = nx + ny + 8 diagonals per layer: lengths len[r·nd + s] for run set r,
 * act[s] the bit mask of the open ones). Cells x … x + 15 of a row lie on consecutive diagonals, so their state is
 * contiguous. A run ends where its diagonal meets a cell outside the set; those still open at the end reached the
 * grid's edge. The same runs as reduce_diag's walk (a run's length does not depend on the direction), counted into
 * the layer's RUN_N × HIST_BINS × 2 counters of acc. */
/* Last row (+ 1) diagonal s of a grid nx × ny meets: the end of a run still open there after the last row. */
static uint diag_end(size_t s, uint nx, uint ny, int parity)
{
    /* parity 1: x = s − y, in the grid up to y = s; parity 0: x = s − (ny − 1 − y), up to y = nx + ny − 2 − s */
    long last = parity ? (long)s : (long)nx + (long)ny - 2 - (long)s;
    return (uint)(min(last, (long)ny - 1) + 1);
}

/* The runs of layer l of a reduce call (reduce_rows_b's item, reduce_b's first ones). */
static void rows_item(__global const uchar *mem, __global const ulong *tab, uint nx, uint ny,
                      __constant int *first, __global uint *acc, __global uint *lens, __global uchar *acts,
                      size_t l)
{
    __global const ulong *t = tab + 4 * l;
    __global const uchar *cls = mem + t[0];
    int parity = (int)t[3];
    size_t nd = (size_t)nx + ny + 8;
    /* len[r·nd + s]: the row an open run of set r on diagonal s started at (a diagonal meets one cell per row,
     * so a run ending before row y is y − start cells long): only transitions write */
    __global uint *len = lens + l * nd * RUN_N;
    __global uchar *act = acts + l * nd;
    for (size_t s = 0; s < nd; s++) act[s] = 0;
    uint cnt[2 * RUN_N * HIST_BINS];
    for (int k = 0; k < 2 * RUN_N * HIST_BINS; k++) cnt[k] = 0;
    /* a cell's predecessor on its diagonal: the cell one row up, one column left (parity 0) or right (1) */
    int dp = parity ? 1 : -1;
    /* 16 cells from x have theirs in the grid when x ≥ xa and x + 16 ≤ xb */
    uint xa = parity ? 0 : 1, xb = parity ? nx - 1 : nx;
    for (uint y = 0; y < ny; y++) {
        __global const uchar *row = cls + (size_t)y * nx;
        /* diagonal of (x, y): x − y + ny − 1 along +45°, x + y along −45° */
        size_t s0 = parity ? y : (size_t)(ny - 1 - y);
        uint x = 0;
        /* 16 cells a step, their sets in bytes; only the lanes whose set differs from their diagonal's do any
         * work, one by one */
        for (; x + 16 <= nx; x += 16) {
            if (y > 0 && !(x & 63) && x >= xa && x + 64 <= xb) {
                /* 64 such classes: the next four steps at once (a thick part's inside) */
                __global const uchar *pr = row - nx + x + dp;
                ulong2 e0 = as_ulong2(LD16(row + x)) ^ as_ulong2(LD16(pr)),
                       e1 = as_ulong2(LD16(row + x + 16)) ^ as_ulong2(LD16(pr + 16)),
                       e2 = as_ulong2(LD16(row + x + 32)) ^ as_ulong2(LD16(pr + 32)),
                       e3 = as_ulong2(LD16(row + x + 48)) ^ as_ulong2(LD16(pr + 48)), e = e0 | e1 | e2 | e3;
                if (!(e.x | e.y)) {
                    x += 48;
                    continue;
                }
            }
            uchar16 c = LD16(row + x);
            if (y > 0 && x >= xa && x + 16 <= xb) {
                /* 16 classes equal to their predecessors': the same sets, so no run starts or ends (the state
                 * of their diagonals is their predecessors' sets) */
                ulong2 u = as_ulong2(c), v = as_ulong2(LD16(row - nx + x + dp));
                if (u.x == v.x && u.y == v.y) continue;
            }
            size_t s = s0 + x;
            uchar16 set = runsets16(c), a = LD16(act + s);
            ulong2 dw = as_ulong2(set ^ a);
            if (!(dw.x | dw.y)) continue; /* every run goes on, none starts */
            uchar sv[16], av[16];
            vstore16(set, 0, sv);
            vstore16(a, 0, av);
            for (int h = 0; h < 2; h++)
                for (ulong w = h ? dw.y : dw.x; w;) {
                    int k = (int)popcount((w & (0UL - w)) - 1UL) >> 3, j = 8 * h + k; /* the first such lane */
                    w &= ~(0xFFUL << (8 * k));
                    uint sj = sv[j], aj = av[j];
                    for (uint m = aj & ~sj; m; m &= m - 1) {
                        int r = 31 - (int)clz(m & (0u - m));
                        run_end(cnt, r, y - len[r * nd + s + j], first);
                    }
                    for (uint m = sj & ~aj; m; m &= m - 1) len[(31 - (int)clz(m & (0u - m))) * nd + s + j] = y;
                }
            ST16(act + s, set);
        }
        for (; x + 8 <= nx; x += 8) { /* at most one step: the row's last 8 … 15 cells */
            size_t s = s0 + x;
            int8 set = runsets8((convert_int8(LD8(row + x)) & FILL_MASK) >> FILL_SHIFT);
            int8 a = convert_int8(LD8(act + s));
            if (!any8(set != a)) continue; /* every run goes on, none starts */
            int8 ends = a & ~set, starts = set & ~a;
            if (any8(ends != 0)) {
                int e[8];
                vstore8(ends, 0, e);
                for (int j = 0; j < 8; j++)
                    for (uint m = (uint)e[j]; m; m &= m - 1) {
                        int r = 31 - (int)clz(m & (0u - m));
                        run_end(cnt, r, y - len[r * nd + s + j], first);
                    }
            }
            if (any8(starts != 0)) {
                /* lane by lane: a vector load, blend and store of a set's 8 counters read the ones the row
                 * before had just stored one diagonal over (a store-forwarding stall a step) */
                int st[8];
                vstore8(starts, 0, st);
                for (int j = 0; j < 8; j++)
                    for (uint m = (uint)st[j]; m; m &= m - 1) len[(31 - (int)clz(m & (0u - m))) * nd + s + j] = y;
            }
            ST8(act + s, convert_uchar8(set));
        }
        for (; x < nx; x++) {
            size_t s = s0 + x;
            uint set = runsets_of((row[x] & FILL_MASK) >> FILL_SHIFT), a = act[s];
            if (set == a) continue;
            for (uint m = a & ~set; m; m &= m - 1) {
                int r = 31 - (int)clz(m & (0u - m));
                run_end(cnt, r, y - len[r * nd + s], first);
            }
            for (uint m = set & ~a; m; m &= m - 1) len[(31 - (int)clz(m & (0u - m))) * nd + s] = y;
            act[s] = (uchar)set;
        }
    }
    for (size_t s = 0; s < nd; s++)
        for (uint m = act[s]; m; m &= m - 1) {
            int r = 31 - (int)clz(m & (0u - m));
            run_end(cnt, r, diag_end(s, nx, ny, parity) - len[r * nd + s], first);
        }
    __global uint *o = acc + l * 2 * RUN_N * HIST_BINS;
    for (int k = 0; k < 2 * RUN_N * HIST_BINS; k++) o[k] = cnt[k];
}

__kernel void reduce_rows_b(__global const uchar *mem, __global const ulong *tab, uint nlay, uint nx, uint ny,
                            __constant int *first, __global uint *acc, __global uint *lens,
                            __global uchar *acts)
{
    size_t l = get_global_id(0);
    if (l < nlay) rows_item(mem, tab, nx, ny, first, acc, lens, acts, l);
}

/* Item gid of an area call: a group of area_rows rows of one layer. */
static void areas_item(__global const uchar *mem, __global const ulong *tab, uint nlay, uint nx, uint ny, params p,
                       __global float *sums, size_t gid)
{
    uint rows = area_rows(nx), ng = (ny + rows - 1) / rows;
    size_t l = gid / ng;
    if (l >= nlay) return;
    __global const ulong *t = tab + 4 * l;
    areas_rows(mem + t[0], (__global const float *)(mem + t[1]), nx, ny, p, (uint)t[2], (uint)(gid % ng),
               sums + l * (size_t)ng * AREA_SUMS);
}

__kernel void reduce_areas_b(__global const uchar *mem, __global const ulong *tab, uint nlay, uint nx, uint ny,
                             params p, __global float *sums)
{
    areas_item(mem, tab, nlay, nx, ny, p, sums, get_global_id(0));
}

/* reduce_rows_b's and reduce_areas_b's items in one call, each layer's run item before its area items: both only
 * read the classes and fields and write apart, so one call saves a command on the queue, and the device's threads
 * share the few long run items with the many short area ones (the run items all first put them in one thread's
 * chunks of groups: thinwall's reduce took 0.67 ms instead of 0.42). */
__kernel void reduce_b(__global const uchar *mem, __global const ulong *tab, uint nlay, uint nx, uint ny,
                       __constant int *first, __global uint *acc, __global uint *lens, __global uchar *acts, params p,
                       __global float *sums)
{
    uint rows = area_rows(nx), ng = (ny + rows - 1) / rows;
    size_t gid = get_global_id(0), l = gid / (ng + 1), j = gid % (ng + 1);
    if (l >= nlay) return;
    if (j == 0)
        rows_item(mem, tab, nx, ny, first, acc, lens, acts, l);
    else
        areas_item(mem, tab, nlay, nx, ny, p, sums, l * ng + j - 1);
}
