/* The estimator's compute stages as a table of function pointers, so scalar, SIMD and OpenCL backends can be
 * swapped and compared value by value on the same plain arrays. */
#ifndef PF_BACKEND_H
#define PF_BACKEND_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <simde/x86/sse2.h>

#include "engine/error.h"

/*
 * The pipeline (engine/estimate.c drives it; every array is caller-allocated, sizes are known up front):
 *
 *   1. slice_count  triangles × layer planes       → segments per layer             (uint32 per layer)
 *      (the caller prefix-sums the counts into offsets, nlayers + 1 entries)
 *   2. slice_emit   triangles × layer planes       → segments at those offsets      (PF_SEG_FLOATS floats
 * each, plus two 64-bit mesh-edge keys for contour chaining)
 *   3. raster       one layer's segments           → inside mask on a pf_grid       (uint8 per cell, 1 =
 * inside)
 *   4. edt          one mask                       → distance field                 (float per cell, mm)
 *   5. classify     distance fields of 7 layers    → per-cell class                 (uint8 per cell,
 * PF_CELL_*)
 *   6. reduce       one layer's classes            → pf_layer_cells sums/histograms (plain floats)
 *
 * Stages 3–6 run once per layer and are independent across layers except that classify reads the classes of
 * the layer below (bridge detection), so a backend may batch layers as long as it keeps that order. Between
 * classify and reduce the driver runs two passes of its own on the classes, the same for every backend
 * (below): the shells the neighbours' margins make, and the bridges over the layer below.
 * Floating-point results of different backends may differ in the last bits of reductions only; masks and
 * classes are expected to be identical for identical inputs (the tests compare them cell by cell).
 *
 * Thread-safety: a backend's functions may be called from several threads at once on different data, with
 * the same ctx. Every function returns PF_E_OK, or PF_E_DEVICE / PF_E_NOMEM when the device fails.
 */

/* One slice segment: x0 y0 x1 y1 in mm, oriented so the part's inside is on the left (outer contours run
 * counter-clockwise seen from +Z). */
#define PF_SEG_FLOATS 4

/* A layer's raster: cell (ix, iy) has its centre at (x0 + (ix + 0.5)·cell, y0 + (iy + 0.5)·cell) and lives at
 * index iy·nx + ix. The grid is the same for every layer of one estimate and has ≥ 2 empty cells on each
 * side. */
typedef struct pf_grid {
    float x0, y0;    /* lower-left corner of cell (0, 0), mm */
    float cell;      /* cell edge, mm */
    uint32_t nx, ny; /* cells per row, rows */
} pf_grid;

/* Thresholds classify needs, all in mm of distance from the slice contour (see PRUSASLICER-NOTES §2–3). */
typedef struct pf_classify_params {
    float ext_lo, ext_hi;  /* external perimeter band (d in (ext_lo, ext_hi]) on layers ≥ 1 */
    float int_hi;          /* inner perimeter band (ext_hi, int_hi] */
    float fill_lo;         /* infill boundary: d ≥ fill_lo is the fill region of layers ≥ 1 */
    float fill_print_lo;   /* fill actually covered by lines (boundary shrunk by 0.05·s): d ≥ this */
    float l0_shift;        /* layer 0: elephant-foot shrink subtracted from d first */
    float l0_ext_hi;       /* layer 0 external band upper bound (after the shift) */
    float l0_int_hi;       /* layer 0 inner band upper bound */
    float l0_fill_lo;      /* layer 0 fill boundary (after the shift) */
    float margin;          /* top/bottom growth into the fill region (EXTERNAL_INFILL_MARGIN, 3 mm) */
    float shell_min_width; /* vertical-shell bands narrower than this vanish (opening by 0.5·1.05·s_solid) */
    /* Vertical shells as PrusaSlicer's opening leaves them: it shrinks the shell by 0.5·1.05·s_solid and
     * grows it back by 0.8·1.05·s_solid, so the bands it keeps come out 0.3·1.05·s_solid wider. A cell of the
     * fill region is a shell where a layer within 2 has its fill boundary at d < shell_lo (fill_lo plus that
     * growth; the band recedes by shell_min_width at least), or where the layer 3 away has d < shell_far: the
     * top / bottom surface of the layer 2 away, grown by 1.05·s_solid before it is projected, and by the
     * opening (PRUSASLICER-NOTES §3; the band recedes by fill_lo at least, else the opening removes it). */
    float shell_lo, shell_far;
    /* A band whose d − d_j lies within this of shell_min_width (of fill_lo for the layers 3 away; d_j > 0)
     * is not decided from the fields, whose values scatter by about 0.1 mm a cell on slanted walls: classify
     * marks the cell PF_CELL_AMBIG and the host decides it from the facets' slopes (engine/shell_slopes.h).
     * 0: every band from the fields. */
    float shell_ambig;
    float sparse_min_width; /* fill regions narrower than this are a wall's middle (PF_FILL_MIDDLE) */
    float
        bead_ridge; /* inner band of a wall whose middle stays below ext_hi + this: no inner bead (reduce) */
    /* 0 % infill (PRUSASLICER-NOTES §3): the margins grow only over fill the layer below covers, its field
     * below fill_lo + covered (the driver's pf_margins_cover); 0: everywhere (any other density) */
    float covered;
} pf_classify_params;

/* Cell classes: the low 2 bits hold the wall band, bits 2–4 the fill class, bit 5 PF_CELL_SHELL, bit 7
 * "inside the slice". */
enum {
    PF_CELL_WALL_NONE = 0,
    PF_CELL_WALL_EXT = 1,
    PF_CELL_WALL_INT = 2,
    PF_CELL_WALL_MASK = 3,
    PF_CELL_FILL_SHIFT = 2,
    PF_CELL_FILL_MASK = 7 << 2,
    /* Only with PF_FILL_MIDDLE, from classify to pf_middles_resolve: the vertical-shell rules make the cell
     * solid. A wall's middle that Arachne's beads fill has no fill at all, solid or not (conical shells of 2
     * mm walls at 35–45°: +42 … +46 % in time while their middles took solid); one that leaves a strip of
     * infill becomes PF_FILL_SOLID. pf_middles_resolve clears the bit. */
    PF_CELL_SHELL = 0x20,
    /* From classify to pf_shell_slopes, on a fill cell that no shell rule made solid: a band of a layer
     * within two that the fields cannot decide (shell_ambig). pf_shell_slopes clears the bit. */
    PF_CELL_AMBIG = 0x40,
    PF_CELL_INSIDE = 0x80,
};
/* Fill classes (value of (class & PF_CELL_FILL_MASK) >> PF_CELL_FILL_SHIFT). */
typedef enum pf_fill_class {
    PF_FILL_NONE = 0,    /* not printed by any fill (outside, or in the wall band) */
    PF_FILL_SPARSE = 1,  /* internal sparse infill region */
    PF_FILL_SOLID = 2,   /* internal solid (vertical shell, bottom layers above layer 0) */
    PF_FILL_TOP = 3,     /* top surface and its 3 mm margin */
    PF_FILL_BRIDGE = 4,  /* bottom surface over air (stBottomBridge) and its margin */
    PF_FILL_IBRIDGE = 5, /* internal bridge: solid over the sparse area of the layer below */
    PF_FILL_FIRST = 6,   /* layer 0 bottom */
    PF_FILL_N = 7,
    /* A fill region too narrow for sparse infill by the layer's own field: the middle of a wall about
     * 2·perimeters beads wide. Classify marks it; the driver then decides from the slice's segments whether
     * Arachne widens the beads over it (→ PF_FILL_NONE, reduce counts its band beyond int_hi as inner
     * perimeter) or leaves a strip of sparse infill (stays: reduce sums it as PF_FILL_SPARSE; bridge
     * detection does not count it as sparse). Not an index of the fill arrays (pf_fill_slot). */
    PF_FILL_MIDDLE = 7
} pf_fill_class;

/* The fill_area slot that class f sums into. */
static inline int pf_fill_slot(int f)
{
    return f == PF_FILL_MIDDLE ? PF_FILL_SPARSE : f;
}

/* Run-length histogram bins (geometric, factor 1.5 from 0.5 mm): bin b holds runs of length in
 * [pf_hist_edge(b), pf_hist_edge(b+1)); bin 0 starts at 0 and the last one is open. */
#define PF_HIST_BINS 16
/* Which masks reduce measures runs of (along the layer's fill direction: +45° on even, −45° on odd layers).
 */
typedef enum pf_runset {
    PF_RUN_SPARSE = 0, /* PF_FILL_SPARSE */
    PF_RUN_SOLID,      /* PF_FILL_SOLID and PF_FILL_FIRST */
    PF_RUN_TOP,        /* PF_FILL_TOP */
    PF_RUN_BRIDGE,     /* PF_FILL_BRIDGE */
    PF_RUN_IBRIDGE,    /* PF_FILL_IBRIDGE */
    PF_RUN_FULL,       /* SPARSE, SOLID, IBRIDGE and FIRST: solid at 100 % (their line ends: volume) */
    PF_RUN_N
} pf_runset;

/* Per-layer sums written by reduce. A "run" is a maximal stretch of cells of one set along a fill-direction
 * diagonal; runs[b] sums, over runs in bin b, the perpendicular spacing of the diagonals (cell/√2), so
 * runs[b]/line_spacing is the number of fill lines of that length; len[b] sums their areas (mm²). */
typedef struct pf_layer_cells {
    float area;                 /* slice area, mm² */
    float wall_area[3];         /* indexed by PF_CELL_WALL_*: [1] external, [2] inner band, mm² */
    float wall_thin;            /* the part of wall_area[2] in walls too thin for an inner bead, mm² */
    float fill_area[PF_FILL_N]; /* mm² per fill class */
    float runs[PF_RUN_N][PF_HIST_BINS];     /* mm of perpendicular extent per length bin */
    float run_area[PF_RUN_N][PF_HIST_BINS]; /* mm² per length bin */
} pf_layer_cells;

/* One segment's crossings of row centres, as every raster stage computes them (kernels/estimate.cl's seg_rows
 * and seg_col are the same expressions): rows r0 ≤ r < r1 are crossed, each at delta column pf_seg_col. */
typedef struct pf_seg_rows {
    float xa, ya, xb, yb; /* end points in cell-centre units (cell (0, 0)'s centre at 0, 0) */
    long r0, r1;          /* crossed rows, clamped to the grid */
    int wind;             /* +1 for a downward segment (a left edge of the inside), −1 upward */
} pf_seg_rows;

/* (long)ceilf(x) for a finite x within long's range, without the library call baseline x86-64 makes of
 * ceilf: truncation, then one up where that fell below x (a float of magnitude 2^23 or more is an integer).
 */
static inline long pf_ceil_long(float x)
{
    long c = (long)x;
    return c + ((float)c < x);
}

/* Fills *q for segment s (PF_SEG_FLOATS floats) on g (inv = 1 / g->cell); 0 when it crosses no row centre. */
static inline int pf_seg_rows_of(const float *s, const pf_grid *g, float inv, pf_seg_rows *q)
{
    q->ya = (s[1] - g->y0) * inv - 0.5f;
    q->yb = (s[3] - g->y0) * inv - 0.5f;
    if (q->ya == q->yb) return 0;
    q->wind = q->yb < q->ya ? 1 : -1;
    q->xa = (s[0] - g->x0) * inv - 0.5f;
    q->xb = (s[2] - g->x0) * inv - 0.5f;
    q->r0 = pf_ceil_long(q->ya < q->yb ? q->ya : q->yb); /* comparisons, not fminf / fmaxf calls: finite */
    q->r1 = pf_ceil_long(q->ya < q->yb ? q->yb : q->ya);
    if (q->r0 < 0) q->r0 = 0;
    if (q->r1 > (long)g->ny) q->r1 = (long)g->ny;
    return q->r0 < q->r1;
}

/* The bounds of the n segments at s (PF_SEG_FLOATS floats each): x in lo[0] … hi[0], y in lo[1] … hi[1]
 * (lo > hi when n is 0). A segment's x0 y0 x1 y1 in one 4-lane minimum and maximum each (the comparisons
 * v < m ? v : m, so the same bounds as one float at a time); the points are finite. */
static inline void pf_segs_bounds(const float *s, size_t n, float lo[2], float hi[2])
{
    simde__m128 l4 = simde_mm_set1_ps(INFINITY), h4 = simde_mm_set1_ps(-INFINITY);
    for (size_t i = 0; i < n; i++) {
        simde__m128 v = simde_mm_loadu_ps(s + (size_t)PF_SEG_FLOATS * i);
        l4 = simde_mm_min_ps(v, l4);
        h4 = simde_mm_max_ps(v, h4);
    }
    float lf[4], hf[4];
    simde_mm_storeu_ps(lf, l4);
    simde_mm_storeu_ps(hf, h4);
    lo[0] = lf[0] < lf[2] ? lf[0] : lf[2];
    lo[1] = lf[1] < lf[3] ? lf[1] : lf[3];
    hi[0] = hf[0] > hf[2] ? hf[0] : hf[2];
    hi[1] = hf[1] > hf[3] ? hf[1] : hf[3];
}

/* The cells of g that can lie inside the n segments at s (PF_SEG_FLOATS floats each): columns box[0] …
 * box[1] − 1 and rows box[2] … box[3] − 1, those the segments' ends span and one more on every side (all 0
 * when there is no segment). A raster of them, and every class of that layer, is 0 on every other cell, so
 * passes over a layer's classes need look at no other. */
static inline void pf_segs_box(const float *s, size_t n, const pf_grid *g, long box[4])
{
    float lo[2], hi[2];
    pf_segs_bounds(s, n, lo, hi);
    float inv = 1.0f / g->cell, org[2] = {g->x0, g->y0};
    long size[2] = {(long)g->nx, (long)g->ny};
    for (int k = 0; k < 2; k++) {
        box[2 * k] = box[2 * k + 1] = 0;
        if (!(lo[k] <= hi[k])) continue;
        long a = (long)floorf((lo[k] - org[k]) * inv - 0.5f) - 1,
             b = (long)ceilf((hi[k] - org[k]) * inv - 0.5f) + 1;
        a = a < 0 ? 0 : a > size[k] ? size[k] : a;
        box[2 * k] = a;
        box[2 * k + 1] = b > size[k] ? size[k] : b < a ? a : b;
    }
}

/* The delta column (0..nx) where row r's centre crosses q: the first cell centre at or right of it. */
static inline size_t pf_seg_col(const pf_seg_rows *q, long r, uint32_t nx)
{
    float x = q->xa + (q->xb - q->xa) * (((float)r - q->ya) / (q->yb - q->ya));
    long c = pf_ceil_long(x);
    return (size_t)(c < 0 ? 0 : c > (long)nx ? (long)nx : c);
}

/* The nonzero bytes of row[0 … n − 1] lie in [*a, *b) (0, 0 when there is none): 16 bytes a step from
 * either end. */
static inline void pf_row_span(const uint8_t *row, long n, long *a, long *b)
{
    const simde__m128i z = simde_mm_setzero_si128();
    long i = 0, e = n;
    for (; i + 16 <= e; i += 16) {
        unsigned nz = ~(unsigned)simde_mm_movemask_epi8(simde_mm_cmpeq_epi8(
                          simde_mm_loadu_si128((const simde__m128i *)(const void *)(row + i)), z)) &
                      0xFFFFu;
        if (nz) {
            i += __builtin_ctz(nz);
            break;
        }
    }
    while (i < e && !row[i])
        i++;
    if (i == e) {
        *a = *b = 0;
        return;
    }
    for (; e - 16 >= i; e -= 16) {
        unsigned nz = ~(unsigned)simde_mm_movemask_epi8(simde_mm_cmpeq_epi8(
                          simde_mm_loadu_si128((const simde__m128i *)(const void *)(row + e - 16)), z)) &
                      0xFFFFu;
        if (nz) {
            e -= 16 - (32 - __builtin_clz(nz));
            break;
        }
    }
    while (!row[e - 1])
        e--;
    *a = i, *b = e;
}

/* The spans of the nx × ny mask m's nonzero bytes, for classify_span: row r's lie in columns span[2r] …
 * span[2r + 1] − 1 (2·ny entries; an empty row gets 0, 0). Only rows box[2] … box[3] − 1 and columns box[0]
 * … box[1] − 1 are looked at: the mask is 0 elsewhere (pf_segs_box). */
static inline void pf_mask_spans(const uint8_t *m, uint32_t nx, uint32_t ny, const long box[4], int32_t *span)
{
    memset(span, 0, 2 * (size_t)ny * sizeof *span);
    for (long r = box[2]; r < box[3]; r++) {
        long a, b;
        pf_row_span(m + (size_t)r * nx + box[0], box[1] - box[0], &a, &b);
        if (a < b) span[2 * r] = (int32_t)(box[0] + a), span[2 * r + 1] = (int32_t)(box[0] + b);
    }
}

/* splitmix64's finalizer: a well-mixed 64-bit function of x. */
static inline uint64_t pf_mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* Weights of the raster fingerprints (pf_raster_print) on a grid: for fingerprint k, cell (r, c) of the
 * delta grid weighs row[k][r] · col[k][c] (mod 2^64), the factors random from a seed; pre[k][r] is the sum
 * of row[k][0 … r − 1], so a wall along y (one column for a run of rows) adds its run in one product. */
typedef struct pf_print_weights {
    uint64_t *row[2], *pre[2]; /* ny and ny + 1 entries */
    uint64_t *col[2];          /* nx + 1 entries (pf_seg_col gives 0 … nx) */
} pf_print_weights;

/* Fills *w for g from seed (the same weights for the same seed and grid). Errors: NOMEM. */
pf_err pf_print_weights_make(pf_print_weights *w, const pf_grid *g, uint64_t seed);
void pf_print_weights_free(pf_print_weights *w);

/* Fingerprint of what a layer's raster adds into its delta grid: Σ wind · weight(cell) over the segments'
 * row crossings (pf_seg_rows_of / pf_seg_col, the raster stages' own arithmetic), for the two weights of w.
 * It depends only on the delta grid, whatever the segments' order or how a wall is split into segments, so
 * layers with equal delta grids (a prism's walls) get equal fingerprints. Different delta grids D, D' get
 * equal ones only where Σ_r row[r] · Σ_c (D − D')(r, c) · col[c] vanishes for both weights: with the weights
 * secret (a random seed per process), about 2^-120 (D − D' is a small integer); with known weights a crafted
 * mesh could solve for a collision, the sums being linear, and make a layer copy the one below. Equal
 * fingerprints stand for equal masks. A segment with xa == xb (a wall along y, most of a prism's crossings)
 * crosses every row in the same column (pf_seg_col's x is xa + 0·t): one product for its run of rows. */
static inline void pf_raster_print(const float *segs, uint32_t n, const pf_grid *g, const pf_print_weights *w,
                                   uint64_t h[2])
{
    float inv = 1.0f / g->cell;
    uint64_t a = 0, b = 0;
    const uint64_t *r0w = w->row[0], *r1w = w->row[1], *c0w = w->col[0], *c1w = w->col[1];
    for (uint32_t i = 0; i < n; i++) {
        pf_seg_rows q;
        if (!pf_seg_rows_of(segs + (size_t)PF_SEG_FLOATS * i, g, inv, &q)) continue;
        uint64_t s = (uint64_t)(int64_t)q.wind;
        if (q.xa == q.xb) {
            size_t c = pf_seg_col(&q, q.r0, g->nx);
            a += s * c0w[c] * (w->pre[0][q.r1] - w->pre[0][q.r0]);
            b += s * c1w[c] * (w->pre[1][q.r1] - w->pre[1][q.r0]);
            continue;
        }
        for (long r = q.r0; r < q.r1; r++) {
            size_t c = pf_seg_col(&q, r, g->nx);
            a += s * r0w[r] * c0w[c];
            b += s * r1w[r] * c1w[c];
        }
    }
    h[0] = a;
    h[1] = b;
}

/* What classify does with `below`, done afterwards on the n classes it gave without it: a solid cell over
 * sparse infill of the layer below is an internal bridge (PF_FILL_IBRIDGE). Classify with below = NULL and
 * then this equals classify with below, so a driver can classify layers in parallel and keep only this pass
 * in layer order. Branch-free, so the compiler vectorizes it. Nonzero when it made a cell a bridge. */
static inline int pf_classes_fix_bridges(uint8_t *cls, const uint8_t *below, size_t n)
{
    const uint8_t solid = PF_FILL_SOLID << PF_CELL_FILL_SHIFT, sparse = PF_FILL_SPARSE << PF_CELL_FILL_SHIFT,
                  ibridge = PF_FILL_IBRIDGE << PF_CELL_FILL_SHIFT, fm = PF_CELL_FILL_MASK;
    uint8_t any = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = cls[i], fix = (uint8_t)(-(uint8_t)(((c & fm) == solid) & ((below[i] & fm) == sparse)));
        cls[i] = (uint8_t)(c ^ (fix & (solid ^ ibridge))); /* fill bits solid → ibridge where fix */
        any |= fix;
    }
    return any != 0;
}

/* Vertical shells out of the neighbours' margins (PRUSASLICER-NOTES §3): PrusaSlicer grows each layer's top
 * and bottom surfaces by the 3 mm margin before it projects them into the shells of the layers within the
 * shell count, grown once more by the shell's opening width. So sparse infill within pf_shell_reach of a top
 * seed of layer l + 1 or l + 2, or of a bottom seed of layer l − 1 or l − 2, is internal solid. Classify does
 * not read those four margin fields; the driver runs this on its classes once they exist (nb[k]: a margin
 * field, NULL when that layer has no such seeds), before pf_classes_fix_bridges of this layer and the next.
 * Wall middles (PF_FILL_MIDDLE) are left to the driver. The reference: the driver runs pf_shell_margins_fix
 * (engine/layer_geom.h), 16 cells a step (gcc leaves this byte-and-float loop scalar). */
static inline float pf_shell_reach(const pf_classify_params *p)
{
    return p->margin + p->shell_min_width;
}

static inline void pf_classes_shell_margins(uint8_t *cls, const float *const nb[4], float reach, size_t n)
{
    const uint8_t solid = PF_FILL_SOLID << PF_CELL_FILL_SHIFT, sparse = PF_FILL_SPARSE << PF_CELL_FILL_SHIFT,
                  fm = PF_CELL_FILL_MASK;
    for (int k = 0; k < 4; k++) {
        const float *f = nb[k];
        if (!f) continue;
        for (size_t i = 0; i < n; i++) {
            uint8_t c = cls[i], fix = (uint8_t)(-(uint8_t)(((c & fm) == sparse) & (f[i] <= reach)));
            cls[i] = (uint8_t)(c ^ (fix & (sparse ^ solid))); /* fill bits sparse → solid where fix */
        }
    }
}

/* At 0 % infill PrusaSlicer grows a layer's top and bottom surfaces only over the part of its fill that the
 * layer below covers: that layer's slice less its fill region shrunk by 0.3 × the margin (process_external_
 * surfaces: there is no infill to anchor on elsewhere). So on such a cache the driver removes from the margin
 * fields of layer l (top_f / bot_f, NULL when none) every cell farther than keep from the seeds whose field
 * in layer l − 1 (below_d) reaches lim = fill_lo + covered, before classify and the shells read them. keep is
 * the shells' own growth of the surfaces (shell_min_width), which happens whatever the infill. */
static inline void pf_margins_cover(float *top_f, float *bot_f, const float *below_d, float lim, float keep,
                                    size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int far = below_d[i] >= lim;
        if (top_f && far && top_f[i] > keep) top_f[i] = 1e30f;
        if (bot_f && far && bot_f[i] > keep) bot_f[i] = 1e30f;
    }
}

/* Distance caps. Whatever reads a layer's distance field compares it with thresholds of about one shell
 * width (pf_classify_params: the wall bands, the fill boundary, the sparse-width probe, the shell opening),
 * and a margin field only with the 3 mm margin or pf_shell_reach; reduce reads d ± cell/2. So a field may
 * stop at a cap a cell beyond the largest such threshold: every class and sum is the same as with exact
 * distances, and the edt stage need not look farther than the cap (the SIMD backend then takes a windowed
 * minimum instead of the full transform). Every backend clamps the same way, so fields stay equal across
 * backends. */
static inline uint32_t pf_edt_cap_cells(float mm, float cell)
{
    return (uint32_t)ceilf(mm / cell + 0.5f) + 1; /* cap·cell − cell/2 ≥ mm + cell */
}

/* The cap of a layer's distance field (edt of the layer's mask). */
static inline uint32_t pf_edt_cap_main(const pf_classify_params *p, float cell)
{
    float mm = fmaxf(p->int_hi, p->fill_print_lo);
    mm = fmaxf(mm, p->fill_lo + fmaxf(p->shell_min_width, 0.5f * p->sparse_min_width));
    mm = fmaxf(mm, p->l0_shift + fmaxf(p->l0_int_hi, p->l0_fill_lo));
    mm = fmaxf(mm, p->fill_lo + p->covered);
    return pf_edt_cap_cells(mm, cell);
}

/* The cap of a top / bottom margin field (edt of a seed mask): classify reads it up to the margin, the
 * neighbours' shells (pf_classes_shell_margins) up to pf_shell_reach. */
static inline uint32_t pf_edt_cap_margin(const pf_classify_params *p, float cell)
{
    return pf_edt_cap_cells(pf_shell_reach(p), cell);
}

/* Walls too thin for an inner bead (PRUSASLICER-NOTES §2: Arachne). Where the middle of a wall leaves less
 * than about three quarters of a perimeter spacing between its two external beads, Arachne prints no inner
 * bead there and widens the external beads over that width instead: the inner band's area is printed, but no
 * inner loop is. Reduce counts a cell's inner-band area into wall_thin when the wall's middle stays below
 * ext_hi + bead_ridge around it: neither the cell nor any cell at 1 … k steps along the axes or 1 … kd along
 * the diagonals covers that distance (d + cell/2 ≥ it: cell centres sample the middle of a wall a few cells
 * wide coarsely; r = bead_ridge + cell, and the field is 1-Lipschitz, so a middle that high lies that close
 * to every inner-band cell of its wall). Distances are the field's minus `shift` (the layer-0 elephant foot).
 * Every backend probes the same cells with the same comparisons. */
typedef struct pf_thin_probe {
    float need;
    int k, kd;
} pf_thin_probe;

static inline pf_thin_probe pf_thin_probe_of(const pf_classify_params *p, float ext_hi, float cell)
{
    float r = p->bead_ridge + cell;
    pf_thin_probe t = {ext_hi + p->bead_ridge - 0.5f * cell, (int)ceilf(r / cell),
                       (int)ceilf(r / cell * 0.70710678f)};
    return t;
}

/* Whether the inner-band cell (x, y) of the nx × ny field d, whose own distance is below t->need, lies in a
 * wall too thin for an inner bead. */
static inline int pf_thin_cell(const float *d, long nx, long ny, long x, long y, float shift,
                               const pf_thin_probe *t)
{
    static const int dx[8] = {1, -1, 0, 0, 1, 1, -1, -1}, dy[8] = {0, 0, 1, -1, 1, -1, 1, -1};
    for (int q = 0; q < 8; q++)
        for (long s = 1, e = q < 4 ? t->k : t->kd; s <= e; s++) {
            long xx = x + dx[q] * s, yy = y + dy[q] * s;
            if (xx < 0 || yy < 0 || xx >= nx || yy >= ny) break;
            if (d[yy * nx + xx] - shift >= t->need) return 0;
        }
    return 1;
}

/* Lower edge of histogram bin b (mm); pf_hist_edge(0) = 0. */
static inline float pf_hist_edge(int b)
{
    static const float e[PF_HIST_BINS + 1] = {0.0f,  0.75f, 1.125f, 1.6875f, 2.53f, 3.8f,
                                              5.7f,  8.54f, 12.8f,  19.2f,   28.8f, 43.2f,
                                              64.9f, 97.3f, 146.0f, 219.0f,  1e30f};
    return e[b];
}

/* The histogram bin of a run of length len (mm): the largest b with pf_hist_edge(b) <= len. */
static inline int pf_hist_bin(float len)
{
    int b = 0;
    while (b + 1 < PF_HIST_BINS && len >= pf_hist_edge(b + 1))
        b++;
    return b;
}

/* The same bins by a run's cell count n, for cells of step mm along the run: first[b − 1] is the fewest cells
 * whose length (float)n·step reaches pf_hist_edge(b), so pf_hist_bin((float)n·step) is the number of b ≥ 1
 * with n ≥ first[b − 1] ((float)n·step grows with n): integer compares instead of a conversion, a product and
 * a float search per run. first[PF_HIST_BINS − 1] is INT32_MAX (never reached). */
void pf_hist_firsts(float step, int32_t first[PF_HIST_BINS]);

/* Which run sets a fill class belongs to, as a bit mask over pf_runset (shared by every CPU backend's reduce;
 * kernels/estimate.cl mirrors it). */
/* The vertical-shell rule of one layer of the window for a cell at d whose field in that layer is dj (layer
 * j, −1 where missing): sets *solid when its band is decided wide enough, *ambig when the fields cannot
 * decide it (shell_ambig; engine/shell_slopes.h). Every backend's per-cell classify uses it. */
static inline void pf_shell_band(const pf_classify_params *p, float d, float dj, long j, int *solid,
                                 int *ambig)
{
    float e = d - dj;
    int band = dj < p->shell_lo, amb = band && dj > 0.0f && fabsf(e - p->shell_min_width) < p->shell_ambig;
    *solid |= j == 0 || (band && !amb && e >= p->shell_min_width);
    *ambig |= amb;
}

/* The shell rule of the layers 3 away, dj their field: a top or bottom surface of the layer 2 away. A cell
 * whose d − dj lies within shell_ambig of fill_lo is decided from the facets' slopes (ambig), as the bands
 * of the layers within 2 are. */
static inline void pf_shell_far(const pf_classify_params *p, float d, float dj, int *solid, int *ambig)
{
    float e = d - dj;
    int band = dj < p->shell_far, amb = band && dj > 0.0f && fabsf(e - p->fill_lo) < p->shell_ambig;
    *solid |= band && !amb && e >= p->fill_lo;
    *ambig |= amb;
}

static inline unsigned pf_runsets_of(unsigned fill)
{
    switch (fill) {
    case PF_FILL_SPARSE:
    case PF_FILL_MIDDLE:
        return 1u << PF_RUN_SPARSE | 1u << PF_RUN_FULL;
    case PF_FILL_SOLID:
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

typedef struct pf_backend {
    const char *name;   /* "scalar", "simd", "opencl" */
    const char *device; /* human description of where it runs, e.g. "cpu" or the OpenCL device name */
    unsigned threads;   /* how many layers the driver may run through the stages at once (scalar: 1, SIMD: the
                           cores, OpenCL: 1 since the device parallelises inside a stage); 0 means 1. With
                           batch stages (below) it is the host threads for the rest of an estimate (OpenCL on
                           a device sharing host memory: the cores) */
    void *ctx;          /* backend state, passed to every stage */

    /* Stage 1. zs: nlayers slicing heights (ascending). counts[l] = number of segments layer l gets. A
     * triangle meets plane z when some vertex has v.z > z and some has v.z ≤ z (vertices on the plane count
     * as below), so closed manifold meshes give closed contours. */
    pf_err (*slice_count)(void *ctx, const float *verts, const uint32_t *tris, size_t ntris, const float *zs,
                          size_t nlayers, uint32_t *counts);
    /* Stage 2. Writes layer l's segments at segs[PF_SEG_FLOATS·offsets[l] …] and their edge keys at
     * keys[2·offsets[l] …] (start edge, end edge; a key is (lo vertex << 32 | hi vertex) of the mesh edge the
     * end point lies on), in the room [offsets[l], ends[l]) that slice_count's counts on these inputs make
     * (room left over, from degenerate triangles, gets zero-length segments with keys UINT64_MAX). ends NULL:
     * offsets has nlayers + 1 entries, the prefix sums of the counts, and ends[l] is offsets[l + 1]. With
     * ends, the rooms of neighbouring layers need not touch: the driver slices ranges of triangles into one
     * array from several threads at once, each range's room in a layer after the ranges before it. Nothing
     * outside the rooms is written. The order of segments within a layer is unspecified (parallel backends
     * may differ); consumers must not depend on it. */
    pf_err (*slice_emit)(void *ctx, const float *verts, const uint32_t *tris, size_t ntris, const float *zs,
                         size_t nlayers, const uint32_t *offsets, const uint32_t *ends, float *segs,
                         uint64_t *keys);
    /* Stage 3. Nonzero-winding inside test at every cell centre of g for the nsegs segments (crossings of row
     * centres, half-open in y). mask gets nx·ny bytes, 1 inside, 0 outside. */
    pf_err (*raster)(void *ctx, const float *segs, size_t nsegs, const pf_grid *g, uint8_t *mask);
    /* Stage 4. Exact Euclidean distance from each cell centre with mask ≠ 0 to the nearest centre with
     * mask = 0, minus cell/2 (≈ distance to the contour), in mm; cells with mask = 0 get 0. If no cell is 0,
     * distances are 1e30. cap > 0 (cells) clamps the squared distance in cells to at most cap² before the
     * square root, so cells farther than cap get cap·cell − cell/2 (see pf_edt_cap_main); 0: no cap. */
    pf_err (*edt)(void *ctx, const uint8_t *mask, const pf_grid *g, uint32_t cap, float *dist);
    /* Optional (NULL: none). edt cut into `parts` by rows: part k writes the field's values in its own rows
     * only, edt's bit for bit, and reads the mask anywhere, so the parts of one field can run at once on
     * different threads (the driver cuts a layer's field in two when a thread would wait otherwise). */
    pf_err (*edt_part)(void *ctx, const uint8_t *mask, const pf_grid *g, uint32_t cap, float *dist,
                       unsigned part, unsigned parts);
    /* Stage 5. Classifies layer `layer` of `nlayers`. A cell gets a fill class when any part of it reaches
     * the fill region (d + cell/2 > fill_print_lo); vertical shells need the layer above/below to recede by
     * at least shell_min_width (PrusaSlicer's opening of the shell removes narrower bands); a fill region too
     * narrow for sparse infill is a wall's middle (PF_FILL_MIDDLE, with PF_CELL_SHELL where a shell rule
     * holds) whatever those rules say. dist[k], k =
     * 0..6, is the distance field of layer layer − 3 + k, or NULL when that layer does not exist. margin_top
     * / margin_bot: distance (from edt) to the nearest top / bottom surface seed of this layer, or NULL when
     * it has none. below: classes of layer layer − 1 (NULL on layer 0). out: nx·ny classes. */
    pf_err (*classify)(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer, size_t nlayers,
                       const float *const dist[7], const float *margin_top, const float *margin_bot,
                       const uint8_t *below, uint8_t *out);
    /* Optional (NULL: none). classify for a layer whose mask is 0 outside columns span[2r] … span[2r + 1] − 1
     * of each row r (none where span[2r] ≥ span[2r + 1]): the same classes, the cells outside written 0
     * without looking at them (the air between two parts, a ring's hole: the driver finds the spans once per
     * mask, pf_mask_spans). */
    pf_err (*classify_span)(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                            size_t nlayers, const float *const dist[7], const float *margin_top,
                            const float *margin_bot, const uint8_t *below, const int32_t *span, uint8_t *out);
    /* Stage 5b. Seeds for the 3 mm margins: writes seed masks (0 = seed, 1 = not) for top surfaces (fill
     * region of this layer not inside the layer above) and bottom surfaces (not inside the layer below; none
     * on layer 0), and reports whether any seed exists. Arguments as in classify. */
    pf_err (*margin_seeds)(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                           size_t nlayers, const float *const dist[7], uint8_t *top_seed, uint8_t *bot_seed,
                           int *has_top, int *has_bot);
    /* Stage 6. Sums one layer's classes into *out (overwritten). Areas are fractional: a cell covers
     * distances [d − cell/2, d + cell/2] and contributes the part of that range inside each wall band / the
     * fill region, which removes most of the quantisation error of coarse cells. dist is this layer's
     * distance field. parity 0: runs along +45° (x − y constant), 1: along −45°. */
    pf_err (*reduce)(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                     const float *dist, const uint8_t *cls, int parity, pf_layer_cells *out);

    /* Optional batch forms of stages 3–6 (all NULL, or all set). A device backend pays a launch and a
     * synchronisation per call, so engine/estimate.c, when they are set, runs each phase of a batch of layers
     * in one call instead of one call per layer; results must equal the per-layer stages' bit for bit.
     *
     * batch_open hands the backend the driver's per-cell memory [mem, mem + len) for one estimate: every
     * mask, distance field, margin field and class array the batch stages get lies inside it, at 64-byte
     * aligned offsets. Between batch calls the host reads and writes that memory (but see below); during one,
     * the backend owns it. *batch is the backend's state for that memory (a call's data, so several estimates
     * may share a ctx). Errors: UNSUPPORTED when the backend cannot use this memory (the driver then calls
     * the per-layer stages), NOMEM, DEVICE. batch_close accepts what batch_open gave, after any error.
     *
     * Each batch stage runs its per-layer stage for n layers; the i-th layer's arguments are the i-th entries
     * of the arrays (windows: win[7·i … 7·i + 6], NULL where a layer does not exist). raster_batch: layer
     * layers[i]'s segments are counts[layers[i]] at segs + PF_SEG_FLOATS·offs[layers[i]]. margin_batch:
     * margin_seeds, then edt of the seeds (cap pf_edt_cap_margin) into mtop[i] / mbot[i] when there are any
     * (ht[i] / hb[i] = 1; else 0 and the field is not written); masks[3·i … 3·i + 2] are the masks of the
     * layers whose fields are win[7·i + 2 … 7·i + 4] (NULL where those are): a field is ≤ 0 exactly where its
     * mask is 0, so a backend may find the cells that can be seeds from the masks' bytes. classify_batch: the
     * layers in the given order (below[i] may be out[i − 1]; NULL on layer 0; mt[i] / mb[i] NULL when the
     * layer has no such seeds; masks[i] the mask of the field win[7·i + 3], NULL when not known: the cells
     * outside the layer, class 0, are those where it is 0). reduce_batch: parity layers[i] & 1, into *out[i].
     * batch_open may return with the backend owning the memory, and raster_batch and edt_batch before their
     * masks and fields are written (the driver reads neither on the host in batches): until a margin_batch,
     * classify_batch or reduce_batch call returns (or a raster_batch of no layers), or batch_close, the host
     * leaves the memory alone; those calls return with the host owning it. But a margin_batch with defer set
     * leaves the memory to the device too, and writes ht and hb (which the caller keeps, unread, until then)
     * when the next call that returns with the host owning the memory does; a classify_batch before that may
     * name a layer of it as the margins of its i-th layer (pend[i] ≥ 0, its index in that call, with mt[i] /
     * mb[i] its mtop / mbot: each read where that call finds seeds, as if NULL where it finds none), so that
     * the classes need no wait for the margins' flags in between (a wait less per batch). pend NULL, or
     * pend[i] < 0: mt[i] / mb[i] as they are. */
    pf_err (*batch_open)(void *ctx, void *mem, size_t len, void **batch);
    void (*batch_close)(void *ctx, void *batch);
    pf_err (*raster_batch)(void *ctx, void *batch, const pf_grid *g, const float *segs, const uint32_t *offs,
                           const uint32_t *counts, size_t n, const uint32_t *layers, uint8_t *const *masks);
    pf_err (*edt_batch)(void *ctx, void *batch, const pf_grid *g, uint32_t cap, size_t n,
                        const uint8_t *const *masks, float *const *dists);
    pf_err (*margin_batch)(void *ctx, void *batch, const pf_grid *g, const pf_classify_params *p,
                           size_t nlayers, size_t n, const uint32_t *layers, const float *const *win,
                           const uint8_t *const *masks, float *const *mtop, float *const *mbot, uint8_t *ht,
                           uint8_t *hb, int defer);
    pf_err (*classify_batch)(void *ctx, void *batch, const pf_grid *g, const pf_classify_params *p,
                             size_t nlayers, size_t n, const uint32_t *layers, const float *const *win,
                             const float *const *mt, const float *const *mb, const int32_t *pend,
                             const uint8_t *const *masks, const uint8_t *const *below, uint8_t *const *out);
    pf_err (*reduce_batch)(void *ctx, void *batch, const pf_grid *g, const pf_classify_params *p, size_t n,
                           const uint32_t *layers, const float *const *dist, const uint8_t *const *cls,
                           pf_layer_cells *const *out);

    void (*destroy)(void *ctx); /* releases ctx; may be NULL */
} pf_backend;

/* The scalar reference backend (engine/backend_scalar.c). Always available; ctx is NULL. */
const pf_backend *pf_backend_scalar(void);

/* The cap distance of pf_edt_cap_main: what edt writes for a cell inside a mask with no outside cell within
 * the cap, the scalar backend's expression. */
float pf_edt_cap_dist(const pf_classify_params *p, float cell);

/* The first layer l with zs[l] ≥ z, of n ascending heights zs (n when none): where the slicing of a triangle
 * whose lowest corner is at z starts (engine/backend_scalar.c). */
size_t pf_lower_layer(const float *zs, size_t n, float z);

/* A deep cell's class, so a backend can skip classify's comparisons on blocks of such cells: the scalar
 * classify of layer `layer` for a cell whose window fields (those of win[0..6] that are not NULL) all read
 * pf_edt_cap_dist, whose margin fields (present when has_mt / has_mb) lie beyond the margin, with no layer
 * below. Every cell with exactly those inputs gets this class, except where the class depends on the
 * neighbours (the sparse-width probe: a wall's middle), when *ok is 0. */
uint8_t pf_classify_deep(const pf_grid *g, const pf_classify_params *p, size_t layer, size_t nlayers,
                         const float *const win[7], int has_mt, int has_mb, int *ok);

#endif
