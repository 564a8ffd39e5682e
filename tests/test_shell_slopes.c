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
