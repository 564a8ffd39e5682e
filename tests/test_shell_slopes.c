/* The facet-slope rasters of the shell-slope pass (engine/shell_slopes.h): which cells a layer's segments
 * stamp, with what value, and that clearing leaves nothing behind. The cells are checked against the
 * samples the header describes, worked out here. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backends.h"
#include "engine/shell_slopes.h"

#define CELL 0.25f
#define VERTICAL 30001 /* 1 + (0 + 10)·3000: a wall with no slope */

/* A w × d box from (0, 0, 0), 10 mm tall, turned by deg about the z axis through the origin, or its top
 * edge along y moved by lean in x (a wedge-like side: lean 10 over 10 mm leans it 45° outward). Wound
 * outward. */
static void box(float w, float d, double deg, float lean, float v[8][3], uint32_t t[12][3])
{
    const float c[8][3] = {{0, 0, 0},  {w, 0, 0},         {w, d, 0},         {0, d, 0},
                           {0, 0, 10}, {w + lean, 0, 10}, {w + lean, d, 10}, {0, d, 10}};
    double cs = cos(deg * M_PI / 180), sn = sin(deg * M_PI / 180);
    for (int i = 0; i < 8; i++) {
        v[i][0] = (float)(c[i][0] * cs - c[i][1] * sn);
        v[i][1] = (float)(c[i][0] * sn + c[i][1] * cs);
        v[i][2] = c[i][2];
    }
    static const uint32_t f[12][3] = {{0, 2, 1}, {0, 3, 2}, {4, 5, 6}, {4, 6, 7}, {0, 1, 5}, {0, 5, 4},
                                      {1, 2, 6}, {1, 6, 5}, {2, 3, 7}, {2, 7, 6}, {3, 0, 4}, {3, 4, 7}};
    memcpy(t, f, sizeof f);
}

/* One layer sliced at z = 5 by the scalar backend, as the pass reads it. */
typedef struct layer {
    float v[8][3];
    uint32_t t[12][3];
    float zs[1];
    uint32_t offs[1], counts[1];
    float segs[12 * PF_SEG_FLOATS];
    uint64_t keys[12 * 2];
    pf_slope_src src;
    pf_grid g;
} layer;

static void layer_of(layer *ly, double deg, float lean)
{
    box(20, 10, deg, lean, ly->v, ly->t);
    const pf_backend *be = pf_backend_scalar();
    ly->zs[0] = 5;
    cr_assert_eq(be->slice_count(be->ctx, &ly->v[0][0], &ly->t[0][0], 12, ly->zs, 1, ly->counts), PF_E_OK);
    cr_assert_eq(ly->counts[0], 8); /* each wall two facets, split along their diagonal */
    uint32_t offs[2] = {0, ly->counts[0]};
    cr_assert_eq(
        be->slice_emit(be->ctx, &ly->v[0][0], &ly->t[0][0], 12, ly->zs, 1, offs, NULL, ly->segs, ly->keys),
        PF_E_OK);
    ly->offs[0] = 0;
    ly->src = (pf_slope_src){.segs = ly->segs,
                             .keys = ly->keys,
                             .offs = ly->offs,
                             .counts = ly->counts,
                             .nl = 1,
                             .verts = &ly->v[0][0],
                             .h = 0.2f};
    /* cell edges at multiples of CELL: the axis-aligned walls lie on them */
    ly->g = (pf_grid){.x0 = -24, .y0 = -14, .cell = CELL, .nx = 216, .ny = 144};
}

/* The cells of segment i's samples, marked with 1 in mark (the header's rule, the pass's float arithmetic).
 */
static void samples_of(const layer *ly, size_t i, uint8_t *mark)
{
    const float *q = ly->segs + PF_SEG_FLOATS * i;
    const pf_grid *g = &ly->g;
    float inv = 1.0f / g->cell;
    float ax = (q[0] - g->x0) * inv, ay = (q[1] - g->y0) * inv, bx = (q[2] - g->x0) * inv,
          by = (q[3] - g->y0) * inv;
    int m = (int)(fmaxf(fabsf(bx - ax), fabsf(by - ay)) * 1.5f) + 1;
    float sx = (bx - ax) / (float)m, sy = (by - ay) / (float)m;
    for (int k = 0; k <= m; k++) {
        float fx = ax + sx * (float)k, fy = ay + sy * (float)k;
        cr_assert(fx >= 0 && fy >= 0 && fx < (float)g->nx && fy < (float)g->ny);
        mark[(size_t)fy * g->nx + (size_t)fx] = 1;
    }
}

/* Stamps segments first … first + count − 1 of ly (the whole layer: 0, counts[0]) and checks every cell:
 * marked ones hold a value the check accepts, the others 0; then clears and checks that the raster is all 0
 * again. */
static void check_segments(layer *ly, uint32_t first, uint32_t count,
                           int (*value_ok)(const layer *ly, size_t cell, uint16_t v), const char *what)
{
    size_t n = (size_t)ly->g.nx * ly->g.ny;
    uint16_t *r = calloc(n, sizeof *r);
    uint8_t *mark = calloc(n, 1);
    for (size_t i = first; i < first + count; i++)
        samples_of(ly, i, mark);
    uint32_t offs = first, counts = count; /* the layer's segments as the pass sees them */
    pf_slope_src src = ly->src;
    src.offs = &offs, src.counts = &counts;
    pf_shell_slopes_stamp(r, &ly->g, &src, 0, 0);
    size_t stamped = 0;
    for (size_t c = 0; c < n; c++) {
        if (!mark[c]) {
            cr_assert_eq(r[c], 0, "%s: cell %zu (%zu, %zu) stamped, no sample there", what, c, c % ly->g.nx,
                         c / ly->g.nx);
            continue;
        }
        stamped++;
        cr_assert(value_ok(ly, c, r[c]), "%s: cell %zu (%zu, %zu) holds %u", what, c, c % ly->g.nx,
                  c / ly->g.nx, r[c]);
    }
    if (count == ly->counts[0]) /* the walls all round */
        cr_assert_geq(stamped, 2 * (20 + 10) / CELL, "%s: %zu cells", what, stamped);
    memset(r, 0, n * sizeof *r);
    pf_shell_slopes_stamp(r, &ly->g, &src, 0, 1);
    for (size_t c = 0; c < n; c++)
        cr_assert_eq(r[c], 0, "%s: cell %zu left at %u after clearing", what, c, r[c]);
    free(mark);
    free(r);
}

/* check_segments on each segment alone (its ends then show: no other segment stamps them), then on them all.
 */
static void check_layer(layer *ly, int (*value_ok)(const layer *ly, size_t cell, uint16_t v),
                        const char *what)
{
    char each[64];
    for (uint32_t i = 0; i < ly->counts[0]; i++) {
        snprintf(each, sizeof each, "%s, segment %u", what, i);
        check_segments(ly, i, 1, value_ok, each);
    }
    check_segments(ly, 0, ly->counts[0], value_ok, what);
}

static int vertical(const layer *ly, size_t cell, uint16_t v)
{
    (void)ly, (void)cell;
    return v == VERTICAL;
}

/* An axis-aligned box (its walls along rows and columns of cells, ends on cell edges) and the same box turned
 * by 30° and by 90°: every wall is vertical, and the cells stamped are exactly those of the samples. */
Test(shell_slopes, walls_stamp_the_cells_of_their_samples)
{
    const double degs[] = {0, 30, 90, 180};
    for (size_t k = 0; k < sizeof degs / sizeof *degs; k++) {
        layer ly;
        layer_of(&ly, degs[k], 0);
        char what[32];
        snprintf(what, sizeof what, "box turned %.0f°", degs[k]);
        check_layer(&ly, vertical, what);
    }
}

/* The box with its side at x = 20 leaning out by 45° (its top edge 10 mm further out): going up that wall
 * moves out by a layer height a layer (shift −1: the slice grows), so the cells of its segment away from the
 * corners hold 1 + 9·3000, the others a vertical wall's value. */
static int leaning(const layer *ly, size_t cell, uint16_t v)
{
    float x = ly->g.x0 + ((float)(cell % ly->g.nx) + 0.5f) * CELL,
          y = ly->g.y0 + ((float)(cell / ly->g.nx) + 0.5f) * CELL;
    if (x < 23) return v == VERTICAL;
    if (x < 26 && y > 1 && y < 9) return v == 1 + 9 * 3000; /* the leaning wall cut at z = 5: x = 25 */
    return v == VERTICAL || v == 1 + 9 * 3000;              /* its corners: whichever segment came last */
}

Test(shell_slopes, a_leaning_wall_stamps_its_slope)
{
    layer ly;
    layer_of(&ly, 0, 10);
    check_layer(&ly, leaning, "leaning box");
}

/* Segments first … first + count − 1 of ly stamped, and the stamps within 3 cells of each cell on either axis
 * (the search's reach) against the range pf_shell_slopes_reach gives the cell: each of them within it.
 * Returns how many cells had some stamp within reach. */
static size_t check_reach(const layer *ly, uint32_t first, uint32_t count, const char *what)
{
    size_t nx = ly->g.nx, ny = ly->g.ny, n = nx * ny, reached = 0;
    uint16_t *r = calloc(n, sizeof *r), *lo = calloc(n, sizeof *lo), *hi = calloc(n, sizeof *hi);
    uint32_t offs = first, counts = count;
    pf_slope_src src = ly->src;
    src.offs = &offs, src.counts = &counts;
    pf_shell_slopes_stamp(r, &ly->g, &src, 0, 0);
    pf_shell_slopes_reach(&ly->g, &src, 0, lo, hi);
    for (size_t y = 0; y < ny; y++)
        for (size_t x = 0; x < nx; x++) {
            int any = 0;
            for (size_t yy = y < 3 ? 0 : y - 3; yy <= y + 3 && yy < ny; yy++)
                for (size_t xx = x < 3 ? 0 : x - 3; xx <= x + 3 && xx < nx; xx++) {
                    uint16_t v = r[yy * nx + xx];
                    if (!v) continue;
                    any = 1;
                    cr_assert(v >= lo[y * nx + x] && v <= hi[y * nx + x],
                              "%s: cell (%zu, %zu) reaches stamp %u at (%zu, %zu), outside [%u, %u]", what, x,
                              y, v, xx, yy, lo[y * nx + x], hi[y * nx + x]);
                }
            reached += (size_t)any;
        }
    free(r);
    free(lo);
    free(hi);
    return reached;
}

/* Boxes turned and leaning (walls of two slopes, segments along rows, columns and diagonals), each segment
 * alone and all of them: every stamp a cell's search can find lies in the range the pass decides the cell's
 * bands on without searching (shell_slopes.c, decide), so those decisions are the search's. */
Test(shell_slopes, a_cells_range_holds_every_stamp_its_search_reaches)
{
    const double degs[] = {0, 17, 30, 45, 90};
    const float leans[] = {0, 4, 10, -6};
    for (size_t a = 0; a < sizeof degs / sizeof *degs; a++)
        for (size_t b = 0; b < sizeof leans / sizeof *leans; b++) {
            layer ly;
            layer_of(&ly, degs[a], leans[b]);
            ly.g =
                (pf_grid){.x0 = -30, .y0 = -30, .cell = CELL, .nx = 240, .ny = 240}; /* room for every turn */
            char what[64];
            for (uint32_t i = 0; i < ly.counts[0]; i++) {
                snprintf(what, sizeof what, "box turned %.0f°, lean %.0f, segment %u", degs[a], leans[b], i);
                cr_assert_gt(check_reach(&ly, i, 1, what), 0, "%s", what);
            }
            snprintf(what, sizeof what, "box turned %.0f°, lean %.0f", degs[a], leans[b]);
            /* the walls' cells and 3 more on either side, all round */
            cr_assert_geq(check_reach(&ly, 0, ly.counts[0], what), 2 * (20 + 10) / CELL * 6, "%s", what);
        }
}

/* The rule that lets the pass take a band's answer from the slopes alone where a stamp is sure to be within
 * reach (shell_slopes.c, slopes_call.near_d): a cell inside the slice whose distance field is at most 2 cells
 * has a stamped cell within 3 cells on either axis. The field as the estimator makes it: the scalar backend's
 * raster and capped distance transform. */
Test(shell_slopes, a_cell_two_cells_from_its_contour_reaches_a_stamp)
{
    const double degs[] = {0, 17, 30, 45};
    const float leans[] = {0, 4, -6};
    const pf_backend *be = pf_backend_scalar();
    for (size_t a = 0; a < sizeof degs / sizeof *degs; a++)
        for (size_t b = 0; b < sizeof leans / sizeof *leans; b++) {
            layer ly;
            layer_of(&ly, degs[a], leans[b]);
            ly.g = (pf_grid){.x0 = -30, .y0 = -30, .cell = CELL, .nx = 240, .ny = 240};
            size_t nx = ly.g.nx, ny = ly.g.ny, n = nx * ny, near = 0;
            uint16_t *r = calloc(n, sizeof *r);
            uint8_t *mask = calloc(n, 1);
            float *dist = calloc(n, sizeof *dist);
            pf_shell_slopes_stamp(r, &ly.g, &ly.src, 0, 0);
            cr_assert_eq(be->raster(be->ctx, ly.segs, ly.counts[0], &ly.g, mask), PF_E_OK);
            cr_assert_eq(be->edt(be->ctx, mask, &ly.g, 3, dist),
                         PF_E_OK); /* the smallest cap the rule takes */
            for (size_t y = 3; y + 3 < ny; y++)
                for (size_t x = 3; x + 3 < nx; x++) {
                    float d = dist[y * nx + x];
                    if (!(d > 0.0f && d <= 2.0f * CELL)) continue;
                    near++;
                    int any = 0;
                    for (size_t yy = y - 3; yy <= y + 3; yy++)
                        for (size_t xx = x - 3; xx <= x + 3; xx++)
                            any |= r[yy * nx + xx] != 0;
                    cr_assert(any,
                              "box turned %.0f°, lean %.0f: cell (%zu, %zu) at %f mm has no stamp within 3",
                              degs[a], leans[b], x, y, d);
                }
            /* two cells deep along every wall */
            cr_assert_geq(near, 2 * (20 + 10) / CELL, "box turned %.0f°, lean %.0f: %zu cells", degs[a],
                          leans[b], near);
            free(r);
            free(mask);
            free(dist);
        }
}
