/* One layer's slice on the host (engine/layer_geom.h): wall middles, overlapping shells. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/layer_geom.h"

#define RIDGE 1.04f /* half of the 4 → 5 bead transition of the default profile (2.08 mm) */
#define MIDDLE ((uint8_t)(PF_CELL_INSIDE | PF_FILL_MIDDLE << PF_CELL_FILL_SHIFT))
#define SPARSE ((uint8_t)(PF_CELL_INSIDE | PF_FILL_SPARSE << PF_CELL_FILL_SHIFT))

/* Appends the closed polygon pts (n points) as segments, reversed when cw (a hole: inside on the left). */
static uint32_t add_loop(float *segs, uint32_t ns, const double (*pts)[2], int n, int cw)
{
    for (int i = 0; i < n; i++) {
        int a = i, b = (i + 1) % n;
        if (cw) a = (n - i) % n, b = (n - i - 1 + n) % n;
        float *s = segs + (size_t)PF_SEG_FLOATS * ns++;
        s[0] = (float)pts[a][0], s[1] = (float)pts[a][1], s[2] = (float)pts[b][0], s[3] = (float)pts[b][1];
    }
    return ns;
}

/* A 40 × 30 mm box's wall of thickness t as segments (outer loop CCW, inner CW). */
static uint32_t box_wall(float *segs, double t)
{
    const double o[4][2] = {{0, 0}, {40, 0}, {40, 30}, {0, 30}};
    const double in[4][2] = {{t, t}, {40 - t, t}, {40 - t, 30 - t}, {t, 30 - t}};
    return add_loop(segs, add_loop(segs, 0, o, 4, 0), in, 4, 1);
}

/* A tube of outer radius 30 and wall t, 96 sides. */
static uint32_t tube_wall(float *segs, double t)
{
    double o[96][2], in[96][2];
    for (int k = 0; k < 96; k++) {
        double a = 2 * M_PI * k / 96;
        o[k][0] = 30 * cos(a), o[k][1] = 30 * sin(a);
        in[k][0] = (30 - t) * cos(a), in[k][1] = (30 - t) * sin(a);
    }
    return add_loop(segs, add_loop(segs, 0, o, 96, 0), in, 96, 1);
}

/* Marks MIDDLE every cell whose centre lies within 0.4 mm of the wall's middle line (the ring's cells at
 * distance t/2 ± 0.4 from the outer boundary of the box or tube) away from the box's corners, SPARSE the
 * cell at the grid's centre.
 * Returns the number of MIDDLE cells. */
static size_t mark(uint8_t *cls, const pf_grid *g, double t, int tube)
{
    size_t n = 0;
    memset(cls, 0, (size_t)g->nx * g->ny);
    for (uint32_t y = 0; y < g->ny; y++)
        for (uint32_t x = 0; x < g->nx; x++) {
            double px = g->x0 + (x + 0.5) * g->cell, py = g->y0 + (y + 0.5) * g->cell, d;
            if (tube)
                d = 30 - hypot(px, py);
            else
                d = fmin(fmin(px, 40 - px), fmin(py, 30 - py));
            /* not within 4 mm of a box's corner, where the wall is thicker across the diagonal (its middle
             * line's inscribed circle grows to 0.59·t, about as Arachne sees it) */
            int corner = !tube && fmin(px, 40 - px) < 4 && fmin(py, 30 - py) < 4;
            if (fabs(d - t / 2) < 0.4 && !corner) {
                cls[(size_t)y * g->nx + x] = MIDDLE;
                n++;
            }
        }
    cls[(size_t)(g->ny / 2) * g->nx + g->nx / 2] = SPARSE;
    return n;
}

static size_t count(const uint8_t *cls, size_t n, uint8_t c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += cls[i] == c;
    return k;
}

/* Thickness t, box or tube, at a grid phase: how many marked cells stayed MIDDLE, and how many became
 * inside-no-fill; the SPARSE cell must be untouched. */
static void run(double t, int tube, float phase, size_t *kept, size_t *widened)
{
    float segs[2 * 96 * PF_SEG_FLOATS];
    uint32_t ns = tube ? tube_wall(segs, t) : box_wall(segs, t);
    pf_grid g = {tube ? -32.0f + phase : -2.0f + phase, tube ? -32.0f + phase : -2.0f + phase, 0.3f,
                 tube ? 216 : 150, tube ? 216 : 116};
    size_t n = (size_t)g.nx * g.ny;
    uint8_t *cls = malloc(n);
    cr_assert_not_null(cls);
    size_t marked = mark(cls, &g, t, tube);
    cr_assert_gt(marked, 100);
    cr_assert_eq(pf_middles_resolve(cls, &g, segs, ns, RIDGE, NULL, NULL), PF_E_OK);
    *kept = count(cls, n, MIDDLE);
    *widened = count(cls, n, PF_CELL_INSIDE);
    cr_assert_eq(count(cls, n, SPARSE), 1, "a sparse cell was changed");
    cr_assert_eq(*kept + *widened, marked, "a middle cell got another class");
    free(cls);
}

/* Walls t thick, box and tube, at four grid phases: every middle cell widened (strip = 0) or every one kept
 * as a strip (strip = 1). */
static void expect_all(double t, int strip)
{
    for (int tube = 0; tube < 2; tube++)
        for (int k = 0; k < 4; k++) {
            size_t kept, widened;
            run(t, tube, 0.075f * (float)k, &kept, &widened);
            cr_assert_eq(strip ? widened : kept, 0, "%s %.2f mm, phase %d: %zu cells %s",
                         tube ? "tube" : "box", t, k, strip ? widened : kept,
                         strip ? "widened" : "left as a strip");
        }
}

Test(middles, walls_thinner_than_the_transition_are_widened_beads_at_every_grid_phase)
{
    expect_all(1.98, 0);
}

Test(middles, walls_thicker_than_the_transition_keep_their_strip_at_every_grid_phase)
{
    expect_all(2.18, 1);
}

/* Middles that the vertical-shell rules make solid (PF_CELL_SHELL): beads leave no fill at all, a strip is
 * solid infill, and the bit is gone either way. */
Test(middles, shell_middles_are_beads_or_solid_strips)
{
    const uint8_t solid = (uint8_t)(PF_CELL_INSIDE | PF_FILL_SOLID << PF_CELL_FILL_SHIFT);
    for (int strip = 0; strip < 2; strip++) {
        double t = strip ? 2.18 : 1.98;
        float segs[2 * 96 * PF_SEG_FLOATS];
        uint32_t ns = tube_wall(segs, t);
        pf_grid g = {-32.0f, -32.0f, 0.3f, 216, 216};
        size_t n = (size_t)g.nx * g.ny;
        uint8_t *cls = malloc(n);
        cr_assert_not_null(cls);
        size_t marked = mark(cls, &g, t, 1);
        for (size_t i = 0; i < n; i++)
            if (cls[i] == MIDDLE) cls[i] |= PF_CELL_SHELL;
        cr_assert_eq(pf_middles_resolve(cls, &g, segs, ns, RIDGE, NULL, NULL), PF_E_OK);
        size_t flagged = 0;
        for (size_t i = 0; i < n; i++)
            flagged += (cls[i] & PF_CELL_SHELL) != 0;
        cr_assert_eq(flagged, 0, "%zu cells kept the shell bit", flagged);
        cr_assert_eq(count(cls, n, MIDDLE), 0);
        cr_assert_eq(count(cls, n, strip ? solid : PF_CELL_INSIDE), marked, "%.2f mm", t);
        cr_assert_eq(count(cls, n, SPARSE), 1);
        free(cls);
    }
}

/* Given the fields of the layers above and below, a shell strip takes the surface it lies on: bridge where
 * the layer below has nothing (or there is no layer below), else top where the layer above has nothing, else
 * solid; here the left half of the grid is bare above, the lower half below. */
Test(middles, shell_strips_on_a_surface_take_its_fill)
{
    const uint8_t in = PF_CELL_INSIDE, solid = (uint8_t)(in | PF_FILL_SOLID << PF_CELL_FILL_SHIFT),
                  top = (uint8_t)(in | PF_FILL_TOP << PF_CELL_FILL_SHIFT),
                  bridge = (uint8_t)(in | PF_FILL_BRIDGE << PF_CELL_FILL_SHIFT);
    float segs[2 * 96 * PF_SEG_FLOATS];
    uint32_t ns = tube_wall(segs, 2.18);
    pf_grid g = {-32.0f, -32.0f, 0.3f, 216, 216};
    size_t n = (size_t)g.nx * g.ny;
    uint8_t *cls = malloc(n);
    float *above = malloc(n * sizeof *above), *below = malloc(n * sizeof *below);
    cr_assert(cls && above && below);
    for (size_t i = 0; i < n; i++) {
        above[i] = i % g.nx < g.nx / 2 ? -1.0f : 1.0f;
        below[i] = i / g.nx < g.ny / 2 ? 0.0f : 1.0f;
    }
    size_t want[3] = {0}; /* top, bridge, solid */
    for (int pass = 0; pass < 2; pass++) {
        size_t marked = mark(cls, &g, 2.18, 1);
        for (size_t i = 0; i < n; i++)
            if (cls[i] == MIDDLE) {
                cls[i] |= PF_CELL_SHELL;
                want[below[i] <= 0 ? 1 : above[i] <= 0 ? 0 : 2] += !pass;
            }
        const float *const surf[2][2] = {{above, below}, {NULL, NULL}};
        cr_assert_eq(pf_middles_resolve(cls, &g, segs, ns, RIDGE, surf[pass], NULL), PF_E_OK);
        if (pass) { /* no layer below: all bridge */
            cr_expect_eq(count(cls, n, bridge), marked);
            break;
        }
        cr_assert_gt(want[0], 50);
        cr_assert_gt(want[1], 50);
        cr_assert_gt(want[2], 50);
        cr_expect_eq(count(cls, n, top), want[0]);
        cr_expect_eq(count(cls, n, bridge), want[1]);
        cr_expect_eq(count(cls, n, solid), want[2]);
    }
    free(cls);
    free(above);
    free(below);
}

Test(middles, a_layer_without_middles_or_without_segments_is_left_as_it_is)
{
    pf_grid g = {0, 0, 0.3f, 40, 30};
    uint8_t cls[40 * 30], before[40 * 30];
    for (size_t i = 0; i < sizeof cls; i++)
        cls[i] = (uint8_t)(i % 3 ? SPARSE : 0);
    memcpy(before, cls, sizeof cls);
    cr_assert_eq(pf_middles_resolve(cls, &g, NULL, 0, RIDGE, NULL, NULL), PF_E_OK);
    cr_assert_arr_eq(cls, before, sizeof cls);
    /* middles with no segment near: no wall to measure, so they stay strips */
    cls[5 * 40 + 7] = MIDDLE;
    memcpy(before, cls, sizeof cls);
    cr_assert_eq(pf_middles_resolve(cls, &g, NULL, 0, RIDGE, NULL, NULL), PF_E_OK);
    cr_assert_arr_eq(cls, before, sizeof cls);
}

/* The log lists every middle cell with its classes before and after, the classes being those of the plain
 * call; the log then agrees with the same slice, and not with a wall thin enough for beads (the strip of a
 * 2.18 mm tube against a 1.98 mm one), and leaves its work buffer zero. */
Test(middles, a_logged_layer_agrees_with_its_own_slice_only)
{
    float segs[2 * 96 * PF_SEG_FLOATS], thin[2 * 96 * PF_SEG_FLOATS];
    uint32_t ns = tube_wall(segs, 2.18), nt = tube_wall(thin, 1.98);
    pf_grid g = {-32.0f, -32.0f, 0.3f, 216, 216};
    size_t n = (size_t)g.nx * g.ny;
    uint8_t *cls = malloc(n), *plain = malloc(n), *before = malloc(n), *zero = calloc(n, 1);
    cr_assert(cls && plain && before && zero);
    size_t marked = mark(cls, &g, 2.18, 1);
    for (size_t i = 0; i < n; i += 7) /* some shell middles among them */
        if (cls[i] == MIDDLE) cls[i] |= PF_CELL_SHELL;
    memcpy(plain, cls, n);
    memcpy(before, cls, n);
    pf_middle_log log = {0};
    cr_assert_eq(pf_middles_resolve_log(cls, &g, segs, ns, RIDGE, NULL, NULL, NULL, &log), PF_E_OK);
    cr_assert_eq(pf_middles_resolve(plain, &g, segs, ns, RIDGE, NULL, NULL), PF_E_OK);
    cr_assert_arr_eq(cls, plain, n);
    cr_assert_eq(log.n, marked);
    { /* over the spans of the classes' nonzero cells: the same */
        uint8_t *spanned = malloc(n);
        int32_t *span = malloc(2 * (size_t)g.ny * sizeof *span);
        long box[4] = {0, (long)g.nx, 0, (long)g.ny};
        memcpy(spanned, before, n);
        pf_mask_spans(before, g.nx, g.ny, box, span);
        pf_middle_log log2 = {0};
        cr_assert_eq(pf_middles_resolve_log(spanned, &g, segs, ns, RIDGE, NULL, span, NULL, &log2), PF_E_OK);
        cr_assert_arr_eq(spanned, cls, n);
        cr_assert_eq(log2.n, log.n);
        free(log2.m);
        free(span);
        free(spanned);
    }
    for (size_t k = 0; k < log.n; k++) {
        uint32_t i = log.m[k].cell;
        cr_assert(k == 0 || i > log.m[k - 1].cell, "not in row order at %zu", k);
        cr_assert_eq(log.m[k].before, before[i]);
        cr_assert_eq(log.m[k].after, cls[i]);
    }
    cr_assert_eq(pf_middles_agree(&log, zero, &g, segs, ns, RIDGE, NULL, NULL), 1);
    cr_assert_eq(pf_middles_agree(&log, zero, &g, thin, nt, RIDGE, NULL, NULL), 0);
    cr_assert_eq(count(zero, n, 0), n, "the work buffer was left dirty");
    /* logging again empties the log first; a layer without middles lists none and agrees with anything */
    for (size_t i = 0; i < n; i++)
        cls[i] = (uint8_t)(i % 3 ? SPARSE : 0);
    cr_assert_eq(pf_middles_resolve_log(cls, &g, segs, ns, RIDGE, NULL, NULL, NULL, &log), PF_E_OK);
    cr_assert_eq(log.n, 0);
    cr_assert_eq(pf_middles_agree(&log, zero, &g, thin, nt, RIDGE, NULL, NULL), 1);
    free(log.m);
    free(cls);
    free(plain);
    free(before);
    free(zero);
}

/* ---- internal bridges ---- */

/* pf_ibridges_fix against pf_classes_fix_bridges on random classes (mostly no fix, a few runs of them, at
 * either end of the layer too, and lengths that leave a tail of the 16-cell steps): the same classes, and
 * the first and last fixed cells exactly. */
Test(ibridges, the_layer_fix_is_the_cell_rule_with_its_span)
{
    const uint8_t solid = PF_FILL_SOLID << PF_CELL_FILL_SHIFT, sparse = PF_FILL_SPARSE << PF_CELL_FILL_SHIFT;
    unsigned seed = 12345;
    for (int round = 0; round < 200; round++) {
        size_t n = 1 + (size_t)(round * 37 % 301);
        uint8_t cls[301], below[301], want[301];
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 16;
            cls[i] = (uint8_t)(PF_CELL_INSIDE | (r & 3 ? solid : sparse) | (r >> 4 & 3));
            below[i] = (uint8_t)(PF_CELL_INSIDE | ((r >> 8 & 7) % 5 == 0 ? sparse : solid));
            if (round % 3 == 0) below[i] = solid; /* no fix at all */
        }
        if (round % 5 == 1) below[0] = sparse, cls[0] = solid;         /* the first cell */
        if (round % 5 == 2) below[n - 1] = sparse, cls[n - 1] = solid; /* the last */
        memcpy(want, cls, n);
        int any = pf_classes_fix_bridges(want, below, n);
        size_t a = n, b = 0;
        for (size_t i = 0; i < n; i++)
            if (want[i] != cls[i]) {
                if (a == n) a = i;
                b = i;
            }
        size_t first, last;
        pf_ibridges_fix(cls, below, n, &first, &last);
        cr_assert_arr_eq(cls, want, n, "round %d", round);
        if (!any) {
            cr_assert_gt(first, last, "round %d: a span without a fix", round);
        } else {
            cr_assert_eq(first, a, "round %d", round);
            cr_assert_eq(last, b, "round %d", round);
        }
    }
}

/* pf_shell_margins_fix against pf_classes_shell_margins on random classes and fields: every subset of the
 * four fields (NULL where absent), distances on both sides of the reach and exactly at it, NaN, and lengths
 * that leave a tail of the 16-cell steps. */
Test(shell_margins, the_one_pass_fix_is_the_field_by_field_rule)
{
    const uint8_t classes[] = {0,
                               PF_CELL_INSIDE,
                               PF_CELL_INSIDE | PF_FILL_SPARSE << PF_CELL_FILL_SHIFT,
                               PF_CELL_INSIDE | PF_FILL_SPARSE << PF_CELL_FILL_SHIFT | PF_CELL_WALL_INT,
                               PF_CELL_INSIDE | PF_FILL_SOLID << PF_CELL_FILL_SHIFT,
                               PF_CELL_INSIDE | PF_FILL_MIDDLE << PF_CELL_FILL_SHIFT,
                               PF_CELL_INSIDE | PF_FILL_TOP << PF_CELL_FILL_SHIFT};
    const float reach = 3.45f;
    unsigned seed = 777;
    int fixed = 0;
    for (int round = 0; round < 320; round++) {
        size_t n = 1 + (size_t)(round * 53 % 263);
        static float f[4][263];
        uint8_t cls[263], want[263];
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 16;
            cls[i] = classes[r % (sizeof classes)];
            for (int k = 0; k < 4; k++) {
                seed = seed * 1103515245u + 12345u;
                unsigned q = seed >> 16;
                f[k][i] = q % 11 == 0 ? reach : q % 13 == 0 ? NAN : (float)(q % 1000) * 0.01f;
            }
        }
        const float *nb[4];
        for (int k = 0; k < 4; k++)
            nb[k] = round >> k & 1 ? f[k] : NULL; /* the 16 subsets in turn */
        memcpy(want, cls, n);
        pf_classes_shell_margins(want, nb, reach, n);
        fixed += memcmp(want, cls, n) != 0;
        pf_shell_margins_fix(cls, nb, reach, n);
        cr_assert_arr_eq(cls, want, n, "round %d", round);
    }
    cr_assert_gt(fixed, 200, "the rounds made solid cells (%d of 320)", fixed);
}

/* ---- overlapping shells ---- */

/* Appends the axis-aligned rectangle [x0, x1] × [y0, y1] as a counter-clockwise loop. */
static uint32_t add_rect(float *segs, uint32_t ns, double x0, double y0, double x1, double y1)
{
    const double r[4][2] = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}};
    return add_loop(segs, ns, r, 4, 0);
}

Test(layer_geom, crossing_ribs_overlap_and_touching_or_nested_ones_do_not)
{
    pf_grid g = {-2.0f, -2.0f, 0.25f, 200, 200};
    float segs[32 * PF_SEG_FLOATS];
    /* two ribs crossing like a + */
    uint32_t n = add_rect(segs, add_rect(segs, 0, 0, 20, 40, 22), 19, 0, 21, 42);
    cr_expect(pf_layer_overlaps(segs, n, &g), "a + of two ribs");
    /* the same area cut into three boxes that only touch */
    n = add_rect(segs, add_rect(segs, add_rect(segs, 0, 0, 20, 19, 22), 19, 20, 21, 22), 21, 20, 40, 22);
    n = add_rect(segs, add_rect(segs, n, 19, 0, 21, 20), 19, 22, 21, 42);
    cr_expect(!pf_layer_overlaps(segs, n, &g), "touching boxes");
    /* an island inside the hole of another: a ring (outer CCW, hole CW) around a square */
    const double hole[4][2] = {{5, 5}, {35, 5}, {35, 35}, {5, 35}};
    n = add_loop(segs, add_rect(segs, 0, 0, 0, 40, 40), hole, 4, 1);
    n = add_rect(segs, n, 10, 10, 30, 30);
    cr_expect(!pf_layer_overlaps(segs, n, &g), "an island in a hole");
    /* the square shifted onto the ring's wall */
    n = add_loop(segs, add_rect(segs, 0, 0, 0, 40, 40), hole, 4, 1);
    n = add_rect(segs, n, 2, 10, 30, 30);
    cr_expect(pf_layer_overlaps(segs, n, &g), "an island over the ring's wall");
    cr_expect(!pf_layer_overlaps(segs, 0, &g), "no segments");
}

/* Inner pieces: deep regions joined only through cells at or below tau are apart; specks that never pass
 * peak are raster noise, not pieces; 8-neighbours join. */
Test(layer_geom, inner_pieces_count_the_deep_regions)
{
    enum { W = 60, H = 40 };
    static float d[H][W];
    const pf_grid g = {.nx = W, .ny = H, .x0 = 0, .y0 = 0, .cell = 0.25f};
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            d[y][x] = 0.3f;     /* a thin web everywhere: below tau */
    for (int k = 0; k < 4; k++) /* four junctions, deep */
        for (int y = 10; y < 14; y++)
            for (int x = 5 + 14 * k; x < 9 + 14 * k; x++)
                d[y][x] = 1.0f;
    d[30][10] = 0.62f;                  /* a speck just over tau, under peak */
    d[30][30] = 0.9f, d[31][31] = 0.9f; /* two cells touching at a corner: one piece */
    pf_scratch s = {{0}, {0}};
    cr_assert_eq(pf_inner_pieces(&d[0][0], &g, NULL, 0.6f, 0.85f, &s), 5);
    const long win[4] = {0, 30, 0,
                         39}; /* junctions 0 and 1 and the pair's first cell: junction 2 lies beyond */
    cr_assert_eq(pf_inner_pieces(&d[0][0], &g, win, 0.6f, 0.85f, &s), 3);
    for (int x = 5; x < 51; x++) /* a deep ridge joins the junctions */
        d[12][x] = 0.7f;
    cr_assert_eq(pf_inner_pieces(&d[0][0], &g, NULL, 0.6f, 0.85f, NULL), 2);
    pf_scratch_free(&s);
}

/* Internal bridges opened by a square 2k + 1 cells wide: on 0.2 mm cells k = 6 (2.6 mm, PrusaSlicer's 2
 * × 1.289 mm). A 2 mm strip and the 1 mm tongue of a 6 mm block turn solid; the block itself, and cells of
 * other classes, stay as they were. */
Test(layer_geom, narrow_internal_bridges_print_as_solid_infill)
{
    pf_grid g = {0, 0, 0.2f, 60, 60};
    size_t n = 60 * 60;
    uint8_t *cls = malloc(n), *was = malloc(n);
    const uint8_t ib = PF_CELL_INSIDE | PF_FILL_IBRIDGE << PF_CELL_FILL_SHIFT,
                  sparse = PF_CELL_INSIDE | PF_FILL_SPARSE << PF_CELL_FILL_SHIFT,
                  solid = PF_CELL_INSIDE | PF_FILL_SOLID << PF_CELL_FILL_SHIFT;
    for (size_t i = 0; i < n; i++)
        cls[i] = sparse;
    for (int y = 5; y < 55; y++) /* a 2 mm strip: columns 5..14 */
        for (int x = 5; x < 15; x++)
            cls[y * 60 + x] = ib;
    for (int y = 20; y < 50; y++) /* a 6 mm block: columns 25..54 */
        for (int x = 25; x < 55; x++)
            cls[y * 60 + x] = ib;
    for (int y = 10; y < 20; y++) /* its 1 mm tongue: columns 30..34, rows 10..19 */
        for (int x = 30; x < 35; x++)
            cls[y * 60 + x] = ib;
    memcpy(was, cls, n);
    pf_scratch sc = {{0}, {0}};
    /* the sweep of only the box that holds bridges (columns and rows 5 … 54) gives the same classes as the
     * whole grid's, and leaves the cells beyond it alone (a bridge cell there would stay one) */
    uint8_t *boxed = malloc(n);
    memcpy(boxed, cls, n);
    const long box[4] = {5, 54, 5, 54};
    cr_assert_eq(pf_ibridges_open_box(boxed, &g, box, 6, &sc), PF_E_OK);
    cr_assert_eq(pf_ibridges_open(cls, &g, 6, &sc), PF_E_OK);
    cr_assert_eq(memcmp(boxed, cls, n), 0);
    memcpy(boxed, was, n);
    const long left[4] = {0, 14, 0, 59}; /* the strip's columns only: the block and its tongue untouched */
    cr_assert_eq(pf_ibridges_open_box(boxed, &g, left, 6, &sc), PF_E_OK);
    for (int y = 0; y < 60; y++)
        for (int x = 0; x < 60; x++) {
            size_t i = (size_t)y * 60 + (size_t)x;
            uint8_t want = x < 15 && was[i] == ib ? solid : was[i];
            cr_assert_eq(boxed[i], want, "boxed cell (%d, %d): %#x, want %#x", x, y, boxed[i], want);
        }
    free(boxed);
    for (int y = 0; y < 60; y++)
        for (int x = 0; x < 60; x++) {
            size_t i = (size_t)y * 60 + (size_t)x;
            int block = y >= 20 && y < 50 && x >= 25 && x < 55;
            uint8_t want = was[i] == ib ? (block ? ib : solid) : was[i];
            cr_assert_eq(cls[i], want, "cell (%d, %d): %#x, want %#x", x, y, cls[i], want);
        }
    /* nothing to open: unchanged, k = 0 included */
    memcpy(was, cls, n);
    cr_assert_eq(pf_ibridges_open(cls, &g, 0, &sc), PF_E_OK);
    cr_assert_eq(memcmp(cls, was, n), 0);
    pf_scratch_free(&sc);
    free(cls);
    free(was);
}
