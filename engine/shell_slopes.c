/* Vertical-shell bands from the facets' slopes (shell_slopes.h). */
#include "engine/shell_slopes.h"

#include <math.h>
#include <simde/x86/sse2.h>
#include <stdlib.h>
#include <string.h>

/* Cells round a band cell searched for the nearest stamped contour cell: a band under 0.7 mm wide lies within
 * two or three cells of its contour. */
#define SEARCH 3
/* Stamped values: the shift (clamped to ±10) in steps of 1 / SCALE, + 1, so that 0 means "no contour here".
 * Two bytes a cell keep a window's rasters in cache; a step moves a two-layer band by 0.00013 mm. */
typedef uint16_t stamp_t;
#define SCALE 3000.0f

static stamp_t encode(float shift)
{
    /* lrintf (round to nearest, ties to even, the default mode) without the library call */
    return (stamp_t)(simde_mm_cvtss_si32(simde_mm_set_ss((shift + 10.0f) * SCALE)) + 1);
}

static float decode(stamp_t v)
{
    return (float)(v - 1) / SCALE - 10.0f;
}

static inline float maxf(float a, float b)
{
    return a > b ? a : b;
}

/* The shift per unit of height of the wall under segment i of src (outward normal turned up: positive where
 * the slice shrinks going up), clamped to ±10 (a facet within 6° of flat). In float: a stamp quantizes it to
 * 1 / SCALE, and a 1 M-facet mesh stamps some 3 k segments a layer. */
static float shift_of(const pf_slope_src *src, size_t i)
{
    uint64_t ka = src->keys[2 * i], kb = src->keys[2 * i + 1];
    uint32_t a = (uint32_t)(ka >> 32), b = (uint32_t)ka, c = (uint32_t)(kb >> 32), e = (uint32_t)kb;
    uint32_t third = c != a && c != b ? c : e; /* the facet: both edges' vertices */
    const float *A = src->verts + 3 * (size_t)a, *B = src->verts + 3 * (size_t)b,
                *C = src->verts + 3 * (size_t)third;
    float ux = B[0] - A[0], uy = B[1] - A[1], uz = B[2] - A[2], wx = C[0] - A[0], wy = C[1] - A[1],
          wz = C[2] - A[2];
    float nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
    const float *q = src->segs + (size_t)PF_SEG_FLOATS * i;
    if (nx * (q[3] - q[1]) - ny * (q[2] - q[0]) < 0.0f) nz = -nz; /* out of the slice: the segment's right */
    float nxy = sqrtf(nx * nx + ny * ny);
    if (!(fabsf(nz) < 10.0f * nxy)) return nz > 0.0f ? 10.0f : -10.0f; /* flat, or no normal (NaN-free) */
    return nz / nxy;
}

/* The rectangle of cells a stamp wrote, and how many samples it took (what clearing it by stamping costs). */
typedef struct stamp_box {
    uint32_t x0, y0, x1, y1; /* x0 > x1: no cell */
    uint32_t samples;
} stamp_box;

/* Writes (value) or clears (value 0) the cells layer l's segments cross, two samples a cell; *box (when not
 * NULL) gets the rectangle written. vals: the segments' stamps (tiles_make's), or NULL: from their facets. */
static void stamp(stamp_t *r, const pf_grid *g, const pf_slope_src *src, size_t l, int clear, stamp_box *box,
                  const stamp_t *vals)
{
    float inv = 1.0f / g->cell;
    long nx = g->nx, ny = g->ny, bx0 = nx, by0 = ny, bx1 = -1, by1 = -1;
    size_t samples = 0;
    for (size_t i = src->offs[l], n = i + src->counts[l]; i < n; i++) {
        const float *q = src->segs + (size_t)PF_SEG_FLOATS * i;
        stamp_t v = clear ? 0 : vals ? vals[i - src->offs[l]] : encode(shift_of(src, i));
        float ax = (q[0] - g->x0) * inv, ay = (q[1] - g->y0) * inv, bx = (q[2] - g->x0) * inv,
              by = (q[3] - g->y0) * inv;
        int m = (int)(maxf(fabsf(bx - ax), fabsf(by - ay)) * 1.5f) + 1; /* under 2/3 of a cell a step */
        float sx = (bx - ax) / (float)m, sy = (by - ay) / (float)m;
        samples += (size_t)m + 1;
        /* The samples move monotonically from the first to the last along each axis (float products and sums
         * round monotonically), so when both ends lie in the grid every sample does, and the ends' cells
         * bound theirs: the usual case (the grid has a margin round the part), without a test a sample. */
        float ex = ax + sx * (float)m, ey = ay + sy * (float)m;
        if (ax >= 0.0f && ay >= 0.0f && ex >= 0.0f && ey >= 0.0f && (long)ax < nx && (long)ex < nx &&
            (long)ay < ny && (long)ey < ny) {
            long c0 = (long)ax, c1 = (long)ex, r0 = (long)ay, r1 = (long)ey;
            if (c0 > c1) c0 = (long)ex, c1 = (long)ax;
            if (r0 > r1) r0 = (long)ey, r1 = (long)ay;
            /* Along a row or a column (a box's walls, a prism's) the samples, under a cell apart, take every
             * cell from one end's to the other's: those cells, without the samples' arithmetic. */
            if (sy == 0.0f) {
                for (long c = c0; c <= c1; c++)
                    r[r0 * nx + c] = v;
                samples -= (size_t)m - (size_t)(c1 - c0) / 16; /* a store a vector */
            } else if (sx == 0.0f) {
                for (long y = r0; y <= r1; y++)
                    r[y * nx + c0] = v;
                samples -= (size_t)m - (size_t)(r1 - r0);
            } else {
                for (int k = 0; k <= m; k++) {
                    long cx = (long)(ax + sx * (float)k), cy = (long)(ay + sy * (float)k);
                    r[cy * nx + cx] = v;
                }
            }
            bx0 = c0 < bx0 ? c0 : bx0, bx1 = c1 > bx1 ? c1 : bx1;
            by0 = r0 < by0 ? r0 : by0, by1 = r1 > by1 ? r1 : by1;
            continue;
        }
        for (int k = 0; k <= m; k++) {
            float fx = ax + sx * (float)k, fy = ay + sy * (float)k;
            if (fx < 0.0f || fy < 0.0f) continue;
            long cx = (long)fx, cy = (long)fy; /* floor: both are ≥ 0 */
            if (cx < nx && cy < ny) {
                r[cy * nx + cx] = v;
                bx0 = cx < bx0 ? cx : bx0, bx1 = cx > bx1 ? cx : bx1;
                by0 = cy < by0 ? cy : by0, by1 = cy > by1 ? cy : by1;
            }
        }
    }
    if (!box) return;
    box->x0 = (uint32_t)bx0, box->y0 = (uint32_t)by0; /* nx, ny when none: x0 > x1 */
    box->x1 = (uint32_t)(bx1 < 0 ? 0 : bx1), box->y1 = (uint32_t)(by1 < 0 ? 0 : by1);
    box->samples = samples > UINT32_MAX ? UINT32_MAX : (uint32_t)samples;
}

/* Sets the cells a stamp wrote (box) back to zero: a memset of its rectangle where that writes fewer bytes
 * than about CLEAR_BYTES per sample of stamping the layer again (a contour round the grid: its 16 k cells in
 * 1 k stores against 30 k instructions), else the stamp again with 0. */
#define CLEAR_BYTES 64
static void unstamp(stamp_t *r, const pf_grid *g, const pf_slope_src *src, size_t l, const stamp_box *box)
{
    if (box->x0 > box->x1) return;
    size_t w = (size_t)(box->x1 - box->x0 + 1), h = (size_t)(box->y1 - box->y0 + 1);
    if (w * h * sizeof *r > (size_t)box->samples * CLEAR_BYTES) {
        stamp(r, g, src, l, 1, NULL, NULL);
        return;
    }
    for (size_t y = box->y0; y <= box->y1; y++)
        memset(r + y * (size_t)g->nx + box->x0, 0, w * sizeof *r);
}

void pf_shell_slopes_stamp(uint16_t *r, const pf_grid *g, const pf_slope_src *src, size_t l, int clear)
{
    stamp_box box;
    stamp(r, g, src, l, 0, &box, NULL);
    if (clear) unstamp(r, g, src, l, &box);
}

/* The shift at a stamped cell nearest (x, y) within SEARCH cells, NAN when none: ring by ring outward (in
 * the chessboard metric), the nearest of the first ring that holds one (the first in row order on a tie).
 * Near the grid's border, cell by cell (nearest() takes the rest). */
static float nearest_edge(const stamp_t *r, long nx, long ny, long x, long y)
{
    for (long k = 1; k <= SEARCH; k++) {
        long x0 = x - k > 0 ? x - k : 0, x1 = x + k < nx - 1 ? x + k : nx - 1;
        long y0 = y - k > 0 ? y - k : 0, y1 = y + k < ny - 1 ? y + k : ny - 1;
        long bd = 1L << 30, bi = -1;
        for (long yy = y0; yy <= y1; yy++) {
            const stamp_t *row = r + yy * nx;
            long dy2 = (yy - y) * (yy - y);
            if (yy == y - k || yy == y + k) { /* a whole top or bottom row */
                for (long xx = x0; xx <= x1; xx++)
                    if (row[xx]) {
                        long dd = (xx - x) * (xx - x) + dy2;
                        if (dd < bd) bd = dd, bi = yy * nx + xx;
                    }
            } else { /* the ends of the rows between: both at distance k across */
                if (x - k >= 0 && row[x - k] && k * k + dy2 < bd) bd = k * k + dy2, bi = yy * nx + x - k;
                if (x + k < nx && row[x + k] && k * k + dy2 < bd) bd = k * k + dy2, bi = yy * nx + x + k;
            }
        }
        if (bi >= 0) return decode(r[bi]);
    }
    return NAN;
}

/* The (2·SEARCH + 1)² cells round a cell as bits of a word, 8 a row (bit 8·row + column, rows and columns
 * from the top left): row order is bit order. */
#define SPAN (2 * SEARCH + 1)
#define NDD 9 /* distinct squared distances within SEARCH: 1 2 4 5 8 9 10 13 18 */

/* The window's cells by squared distance from the centre, nearest first. A chessboard ring's squared
 * distances lie in [k², 2k²], below the next ring's, so the first class that holds a stamped cell is in the
 * first ring that holds one, and its first bit is that ring's nearest cell, the first in row order on a
 * tie: nearest_edge's answer. */
typedef struct ring_table {
    uint64_t dd[NDD];
} ring_table;

static ring_table ring_table_make(void)
{
    /* class of each squared distance 0 … 18 (−1: none, or the centre) */
    static const signed char of_dd[2 * SEARCH * SEARCH + 1] = {-1, 0,  1,  -1, 2,  3,  -1, -1, 4, 5,
                                                               6,  -1, -1, 7,  -1, -1, -1, -1, 8};
    ring_table t = {{0}};
    for (int row = 0; row < SPAN; row++)
        for (int col = 0; col < SPAN; col++) {
            int dx = col - SEARCH, dy = row - SEARCH, q = of_dd[dx * dx + dy * dy];
            if (q >= 0) t.dd[q] |= 1ull << (8 * row + col);
        }
    return t;
}

/* As nearest_edge: the window's stamped cells gathered as bits, two rows a step, then the nearest class's
 * first. */
static float nearest(const stamp_t *r, long nx, long ny, long x, long y, const ring_table *t)
{
    if (r[y * nx + x]) return decode(r[y * nx + x]);
    if (x < SEARCH || y < SEARCH || x - SEARCH + 8 > nx || y + SEARCH >= ny)
        return nearest_edge(r, nx, ny, x, y);
    const simde__m128i zero = simde_mm_setzero_si128();
    const stamp_t *w = r + (y - SEARCH) * nx + x - SEARCH;
    uint64_t empty = 0; /* bit 8·row + column: no stamp (the columns past SPAN too) */
    for (int row = 0; row < SPAN; row += 2) {
        simde__m128i a = simde_mm_cmpeq_epi16(
            simde_mm_loadu_si128((const simde__m128i *)(const void *)(w + row * nx)), zero);
        simde__m128i b =
            row + 1 < SPAN
                ? simde_mm_cmpeq_epi16(
                      simde_mm_loadu_si128((const simde__m128i *)(const void *)(w + (row + 1) * nx)), zero)
                : a;
        empty |= (uint64_t)(unsigned)simde_mm_movemask_epi8(simde_mm_packs_epi16(a, b)) << (8 * row);
    }
    uint64_t occ = ~empty;
    for (int q = 0; q < NDD; q++) {
        uint64_t hit = occ & t->dd[q];
        if (!hit) continue;
        int best = __builtin_ctzll(hit);
        return decode(w[(best / 8) * nx + best % 8]);
    }
    return NAN;
}

/* Tile ranges: per layer, for each tile of TILE × TILE cells, the least and the greatest stamp of the
 * segments whose cells lie within SEARCH + 1 of the tile (lo > hi: none), so that every stamp nearest() can
 * find from a cell of the tile is in its tile's range. Where a band's answer is the same at both ends of the
 * range of its two layers, and the same as without a stamp, it needs no search (decide). */
#define TILE 16
typedef struct tile_range {
    stamp_t lo, hi;
} tile_range;

/* Tiles across and down g. */
static size_t tiles_x(const pf_grid *g)
{
    return ((size_t)g->nx + TILE - 1) / TILE;
}

static size_t tiles_y(const pf_grid *g)
{
    return ((size_t)g->ny + TILE - 1) / TILE;
}

/* Layer l's tile ranges into t (tiles_x · tiles_y entries): each segment in pieces of at most TILE cells, a
 * piece's box of cells grown by SEARCH + 1 (a cell for the samples' rounding) marks the tiles it meets. */
static void tiles_make(tile_range *t, stamp_t *vals, const pf_grid *g, const pf_slope_src *src, size_t l)
{
    size_t tx = tiles_x(g), ty = tiles_y(g);
    for (size_t i = 0; i < tx * ty; i++)
        t[i].lo = UINT16_MAX, t[i].hi = 0;
    float inv = 1.0f / g->cell;
    long nx = g->nx, ny = g->ny, e = SEARCH + 1;
    for (size_t i = src->offs[l], n = i + src->counts[l]; i < n; i++) {
        const float *q = src->segs + (size_t)PF_SEG_FLOATS * i;
        stamp_t v = vals[i - src->offs[l]] = encode(shift_of(src, i));
        float ax = (q[0] - g->x0) * inv, ay = (q[1] - g->y0) * inv, bx = (q[2] - g->x0) * inv,
              by = (q[3] - g->y0) * inv;
        float ext = maxf(fabsf(bx - ax), fabsf(by - ay));
        if (!(ext < 1e7f)) ext = 1e7f; /* NaN-free, bounded: the grid is far smaller */
        int m = (int)(ext / TILE) + 1;
        float step = 1.0f / (float)m;
        for (int k = 0; k < m; k++) {
            float x0 = ax, x1 = bx, y0 = ay, y1 = by; /* one piece: the segment */
            if (m > 1) {
                float f0 = (float)k * step, f1 = k + 1 < m ? (float)(k + 1) * step : 1.0f;
                x0 = ax + (bx - ax) * f0, x1 = ax + (bx - ax) * f1, y0 = ay + (by - ay) * f0,
                y1 = ay + (by - ay) * f1;
            }
            float lx = x0 < x1 ? x0 : x1, hx = x0 < x1 ? x1 : x0, ly = y0 < y1 ? y0 : y1,
                  hy = y0 < y1 ? y1 : y0;
            if (!(hx >= -(float)e && hy >= -(float)e && lx < (float)(nx + e) && ly < (float)(ny + e)))
                continue;
            /* floor(v) − e and floor(v) + e, clamped to the grid: (long)(v + e) is floor(v) + e where v ≥ −e
             * (the high ends here), and a low end below −e gives a start below 0 either way */
            long c0 = (long)(lx + (float)e) - 2 * e, c1 = (long)(hx + (float)e),
                 r0 = (long)(ly + (float)e) - 2 * e, r1 = (long)(hy + (float)e);
            c0 = c0 < 0 ? 0 : c0, r0 = r0 < 0 ? 0 : r0;
            c1 = c1 >= nx ? nx - 1 : c1, r1 = r1 >= ny ? ny - 1 : r1;
            for (size_t ry = (size_t)r0 / TILE; ry <= (size_t)r1 / TILE; ry++)
                for (size_t rx = (size_t)c0 / TILE; rx <= (size_t)c1 / TILE; rx++) {
                    tile_range *tr = &t[ry * tx + rx];
                    tr->lo = v < tr->lo ? v : tr->lo;
                    tr->hi = v > tr->hi ? v : tr->hi;
                }
        }
    }
}

void pf_shell_slopes_reach(const pf_grid *g, const pf_slope_src *src, size_t l, uint16_t *lo, uint16_t *hi)
{
    size_t tx = tiles_x(g), ty = tiles_y(g);
    tile_range *t = malloc(tx * ty * sizeof *t);
    stamp_t *vals = malloc((src->counts[l] ? src->counts[l] : 1) * sizeof *vals);
    if (t && vals) tiles_make(t, vals, g, src, l);
    for (size_t y = 0; y < g->ny; y++)
        for (size_t x = 0; x < g->nx; x++) {
            size_t c = y * g->nx + x;
            tile_range r = t && vals ? t[(y / TILE) * tx + x / TILE] : (tile_range){0, UINT16_MAX};
            lo[c] = r.lo, hi[c] = r.hi; /* out of memory: every stamp */
        }
    free(t);
    free(vals);
}

/* Rasters kept between calls (a thread takes its layers in runs, and a layer's window shares six of its seven
 * layers with the next one's): scratch slots 1 … CACHED, their layers (+ 1, 0: none) in slot 0 followed by
 * the rectangles their stamps wrote. More than the seven a call uses, so the one replaced is never in use. */
#define CACHED 8
/* The scratch slots: the rasters' tags and boxes, the rasters, the tile ranges (tiles_of) with their tags,
 * the segments' stamps of each. */
enum {
    SLOT_TAGS = 0,
    SLOT_RASTER = 1,
    SLOT_TILES = 1 + CACHED,
    SLOT_VALS = 2 + CACHED,
    SLOT_END = 2 + 2 * CACHED
};
_Static_assert(SLOT_END <= PF_SCRATCH_SLOTS, "pf_scratch has too few slots");

/* Of CACHED tags (layer + 1, 0: none), an empty one, else the one of the layer farthest from centre: never
 * one of its window (CACHED > 7), whichever way the thread goes through its layers. */
static int slot_far(const uint64_t *tag, size_t centre)
{
    int k = 0;
    uint64_t far = 0;
    for (int q = 0; q < CACHED; q++) {
        uint64_t dist = !tag[q]               ? UINT64_MAX
                        : tag[q] - 1 > centre ? tag[q] - 1 - centre
                                              : centre - (tag[q] - 1);
        if (dist > far) far = dist, k = q;
    }
    return k;
}

/* Layer l's stamped raster for the call on layer `centre`: a kept one, or the slot of the layer farthest from
 * centre (never one of its window: CACHED > 7) cleared and stamped anew. NULL: out of memory. */
static stamp_t *raster_of(pf_scratch *sc, const pf_grid *g, const pf_slope_src *src, size_t l, size_t centre,
                          const stamp_t *vals)
{
    size_t n = (size_t)g->nx * g->ny;
    size_t had0 = sc->cap[SLOT_TAGS];
    uint64_t *tag = pf_scratch_slot(sc, SLOT_TAGS, CACHED * (sizeof *tag + sizeof(stamp_box)), 0);
    if (!tag) return NULL;
    if (sc->cap[SLOT_TAGS] != had0) memset(tag, 0, sc->cap[SLOT_TAGS]); /* first use: no layers kept */
    stamp_box *boxes = (stamp_box *)(void *)(tag + CACHED);
    for (int k = 0; k < CACHED; k++)
        if (tag[k] == l + 1 && sc->cap[SLOT_RASTER + k] >= n * sizeof(stamp_t)) return sc->p[SLOT_RASTER + k];
    int k = slot_far(tag, centre);
    size_t had = sc->cap[SLOT_RASTER + k];
    stamp_t *r = pf_scratch_slot(sc, SLOT_RASTER + k, n * sizeof(stamp_t), 0);
    if (!r) return NULL;
    if (sc->cap[SLOT_RASTER + k] != had)
        memset(r, 0, sc->cap[SLOT_RASTER + k]); /* new room: all zero */
    else if (tag[k])
        unstamp(r, g, src, (size_t)tag[k] - 1, &boxes[k]); /* the old layer's cells back to zero */
    tag[k] = l + 1;
    stamp(r, g, src, l, 0, &boxes[k], vals);
    return r;
}

/* Layer l's tile ranges for the call on layer `centre`, kept as raster_of keeps rasters: in scratch slot
 * 1 + CACHED, its layers' tags (+ 1, 0: none) first. NULL: out of memory. */
static tile_range *tiles_of(pf_scratch *sc, const pf_grid *g, const pf_slope_src *src, size_t l,
                            size_t centre, const stamp_t **vals)
{
    size_t nt = tiles_x(g) * tiles_y(g), had = sc->cap[SLOT_TILES];
    unsigned char *b =
        pf_scratch_slot(sc, SLOT_TILES, CACHED * (sizeof(uint64_t) + nt * sizeof(tile_range)), 0);
    if (!b) return NULL;
    uint64_t *tag = (uint64_t *)(void *)b;
    tile_range *t0 = (tile_range *)(void *)(tag + CACHED);
    if (sc->cap[SLOT_TILES] != had) memset(tag, 0, CACHED * sizeof *tag); /* new room: none kept */
    for (int k = 0; k < CACHED; k++)
        if (tag[k] == l + 1) {
            *vals = sc->p[SLOT_VALS + k];
            return t0 + (size_t)k * nt;
        }
    int k = slot_far(tag, centre);
    stamp_t *v = pf_scratch_slot(sc, SLOT_VALS + k, (src->counts[l] ? src->counts[l] : 1) * sizeof *v, 0);
    if (!v) return NULL;
    tag[k] = l + 1;
    tiles_make(t0 + (size_t)k * nt, v, g, src, l);
    *vals = v;
    return t0 + (size_t)k * nt;
}

/* Bit k: cell c[k] has PF_CELL_AMBIG (bits: that bit in every byte). */
static inline unsigned ambig16(const uint8_t *c, simde__m128i bits)
{
    simde__m128i v = simde_mm_and_si128(simde_mm_loadu_si128((const simde__m128i *)(const void *)c), bits);
    return (unsigned)simde_mm_movemask_epi8(simde_mm_cmpeq_epi8(v, bits));
}

/* What one call works on: its layer's window, and the window's stamped rasters, made when first needed. */
typedef struct slopes_call {
    const pf_grid *g;
    const float *const *win;
    const pf_classify_params *p;
    size_t layer;
    const pf_slope_src *src;
    pf_scratch *sc;
    stamp_t *r[7];
    tile_range *t[7];    /* the window's tile ranges, made when first needed */
    const stamp_t *v[7]; /* and its layers' stamps, segment by segment */
    pf_err err;
    const ring_table *rings;
    uint8_t use[7]; /* window layer k is one to compare with: not the centre, and there */
    long off[7];    /* and where it lies: layer + off[k] (k − 3 in a window of 7) */
    /* A cell whose field (its layer's) is at most this has a stamp of that layer within SEARCH: its nearest
     * outside cell centre lies within 2.5 cells, so the contour crosses within 2.5 cells of its centre, the
     * layer's own segments within PF_SLICE_TOL of that (the field's raster is of the simplified slice), and
     * a stamped sample within half a step (2/3 of a cell on either axis) of those: within 3.04 cells, which
     * puts its cell within 3 on either axis. −1 (never) when the field's cap is under 3 cells. */
    float near_d;
    float thr[7], lim[7]; /* its recession threshold, and the bound on its field classify's band has */
} slopes_call;

/* Cell i's class c (PF_CELL_AMBIG set) decided: the bit cleared, a sparse cell whose band is wide enough
 * made solid, such a middle marked PF_CELL_SHELL. */
static uint8_t decide(slopes_call *cl, size_t i, long x, long y, uint8_t c)
{
    const uint8_t fm = PF_CELL_FILL_MASK, sparse = PF_FILL_SPARSE << PF_CELL_FILL_SHIFT,
                  solid = PF_FILL_SOLID << PF_CELL_FILL_SHIFT, middle = PF_FILL_MIDDLE << PF_CELL_FILL_SHIFT;
    long nx = cl->g->nx, ny = cl->g->ny;
    float d = cl->win[3][i], tl = NAN, ambig = cl->p->shell_ambig, h = cl->src->h;
    int shell = 0, have_tl = 0;
    c &= (uint8_t)~PF_CELL_AMBIG;
    for (int k = cl->err ? 7 : 0; k <= 6; k++) { /* after an error: undecided, not solid */
        if (!cl->use[k]) continue;
        float dj = cl->win[k][i], e = d - dj, thr = cl->thr[k];
        if (!(dj < cl->lim[k] && dj > 0.0f && fabsf(e - thr) < ambig)) continue;
        long off = cl->off[k];
        float w = (float)(off > 0 ? off : -off) * h;
        size_t lj = (size_t)((long)cl->layer + off);
        int fields = e >= thr; /* the answer without a stamp within reach */
        if ((!cl->t[3] && !(cl->t[3] = tiles_of(cl->sc, cl->g, cl->src, cl->layer, cl->layer, &cl->v[3]))) ||
            (!cl->t[k] && !(cl->t[k] = tiles_of(cl->sc, cl->g, cl->src, lj, cl->layer, &cl->v[k])))) {
            cl->err = PF_E_NOMEM;
            break;
        }
        size_t ti = (size_t)(y / TILE) * tiles_x(cl->g) + (size_t)(x / TILE);
        tile_range a = cl->t[3][ti], b = cl->t[k][ti];
        stamp_t lo = a.lo < b.lo ? a.lo : b.lo, hi = a.hi > b.hi ? a.hi : b.hi;
        if (lo > hi) { /* no stamp within reach of either layer */
            shell = fields;
            if (shell) break;
            continue;
        }
        /* The mean of two shifts in [t_lo, t_hi] lies in it too, and the recession is monotonic in it. The
         * fields' answer stands where no shift in the range changes it: the recession under thr at both ends
         * (not solid), or at or over thr, or at or below 0, at both (solid). Where every shift changes it
         * (the recession over thr at both ends, or within (0, thr)), so does a stamp within reach, which is
         * sure where the cell's field in either layer is at most near_d. */
        float tlo = decode(lo), thi = decode(hi);
        float rlo = w * (off > 0 ? tlo : -tlo), rhi = w * (off > 0 ? thi : -thi);
        int up = rlo >= thr && rhi >= thr, under = rlo < thr && rhi < thr;
        int keep = fields ? up || (rlo <= 0.0f && rhi <= 0.0f) : under;
        int flip = fields ? under && rlo > 0.0f && rhi > 0.0f : up;
        if (keep || (flip && (d <= cl->near_d || dj <= cl->near_d))) {
            shell = keep ? fields : !fields;
            if (shell) break;
            continue;
        }
        if ((!cl->r[3] && !(cl->r[3] = raster_of(cl->sc, cl->g, cl->src, cl->layer, cl->layer, cl->v[3]))) ||
            (!cl->r[k] && !(cl->r[k] = raster_of(cl->sc, cl->g, cl->src, lj, cl->layer, cl->v[k])))) {
            cl->err = PF_E_NOMEM;
            break;
        }
        if (!have_tl) tl = nearest(cl->r[3], nx, ny, x, y, cl->rings), have_tl = 1;
        float t = tl, tj = nearest(cl->r[k], nx, ny, x, y, cl->rings);
        t = isnan(t) ? tj : isnan(tj) ? t : 0.5f * (t + tj);
        if (isnan(t)) {
            shell = e >= thr;
        } else {
            float rec = w * (off > 0 ? t : -t);
            shell = rec > 0.0f ? rec >= thr : e >= thr;
        }
        if (shell) break;
    }
    uint8_t f = c & fm;
    if (shell && f == sparse)
        c = (uint8_t)((c & ~fm) | solid);
    else if (shell && f == middle)
        c |= PF_CELL_SHELL;
    return c;
}

/* The PF_CELL_AMBIG cells of cl's layer decided (cl set up but for the rings and near_d). */
static pf_err slopes_run(slopes_call *cl0, uint8_t *cls, const int32_t *span)
{
    const ring_table rings = ring_table_make(); /* 49 cells: less than one ring search */
    slopes_call cl = *cl0;
    const pf_grid *g = cl.g;
    const pf_slope_src *src = cl.src;
    size_t layer = cl.layer;
    cl.rings = &rings;
    cl.near_d = pf_edt_cap_main(cl.p, g->cell) >= 3 ? 2.0f * g->cell : -1.0f;
    const simde__m128i bits = simde_mm_set1_epi8((char)PF_CELL_AMBIG);
    const long *box = src->boxes + 4 * layer; /* the layer's box: its classes are 0 beyond it */
    long nx = g->nx;
    /* the box's rows at once when it is wide, else row by row over its columns or the rows' spans; 16 cells
     * a step (most layers have no flagged cell), in row order */
    int by_row = span || 2 * (box[1] - box[0]) < nx;
    for (long y = box[2]; y < (by_row ? box[3] : box[2] + 1); y++) {
        size_t i = (size_t)(y * nx + (by_row ? box[0] : 0)),
               n = by_row ? (size_t)(y * nx + box[1]) : (size_t)(box[3] * nx);
        if (span) i = (size_t)(y * nx + span[2 * y]), n = (size_t)(y * nx + span[2 * y + 1]);
        /* the row of the cells found, followed as they come (in order), and where it starts */
        long yr = y;
        size_t r0 = (size_t)(y * nx);
        for (; i + 16 <= n; i += 16)
            for (unsigned m = ambig16(cls + i, bits); m; m &= m - 1) {
                size_t at = i + (size_t)__builtin_ctz(m);
                while (at >= r0 + (size_t)nx)
                    yr++, r0 += (size_t)nx;
                cls[at] = decide(&cl, at, (long)(at - r0), yr, cls[at]);
            }
        for (; i < n; i++) {
            if (!(cls[i] & PF_CELL_AMBIG)) continue;
            while (i >= r0 + (size_t)nx)
                yr++, r0 += (size_t)nx;
            cls[i] = decide(&cl, i, (long)(i - r0), yr, cls[i]);
        }
    }
    return cl.err;
}

pf_err pf_shell_slopes(uint8_t *cls, const pf_grid *g, const float *const win[7], const pf_classify_params *p,
                       size_t layer, const pf_slope_src *src, const int32_t *span, pf_scratch *sc)
{
    slopes_call cl = {.g = g, .win = win, .p = p, .layer = layer, .src = src, .sc = sc};
    for (int k = 0; k <= 6; k++) {
        int far = k == 0 || k == 6; /* the layers 3 away: pf_shell_far */
        cl.use[k] = k != 3 && win[k] && layer + (size_t)k - 3 < src->nl;
        cl.off[k] = k - 3;
        cl.thr[k] = far ? p->fill_lo : p->shell_min_width;
        cl.lim[k] = far ? p->shell_far : p->shell_lo;
    }
    return slopes_run(&cl, cls, span);
}

pf_err pf_shell_slopes_one(uint8_t *cls, const pf_grid *g, const float *d, const float *dj, long off, int far,
                           const pf_classify_params *p, size_t layer, const pf_slope_src *src,
                           const int32_t *span, pf_scratch *sc)
{
    const float *win[7] = {NULL, NULL, NULL, d, dj, NULL, NULL};
    long j = (long)layer + off;
    slopes_call cl = {.g = g, .win = win, .p = p, .layer = layer, .src = src, .sc = sc};
    cl.use[4] = off != 0 && dj && j >= 0 && j < (long)src->nl;
    cl.off[4] = off;
    cl.thr[4] = far ? p->fill_lo : p->shell_min_width;
    cl.lim[4] = far ? p->shell_far : p->shell_lo;
    return slopes_run(&cl, cls, span);
}
