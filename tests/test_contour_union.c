/* The outline of a layer's overlapping contours (engine/contour_union.h). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"
#include "engine/contour_union.h"

#define MAXS 256

/* A layer's segments as pf_slice_simplify writes them: closed contours one after the other, each segment's
 * end key the next one's start key (here: contour k, point i). */
typedef struct layer {
    float s[PF_SEG_FLOATS * MAXS];
    uint64_t k[2 * MAXS];
    uint32_t n, loops;
} layer;

static void contour(layer *L, const float *xy, uint32_t np)
{
    uint64_t c = (uint64_t)L->loops++ << 32;
    for (uint32_t i = 0; i < np; i++) {
        uint32_t j = (i + 1) % np;
        float *q = L->s + PF_SEG_FLOATS * L->n;
        q[0] = xy[2 * i], q[1] = xy[2 * i + 1], q[2] = xy[2 * j], q[3] = xy[2 * j + 1];
        L->k[2 * L->n] = c | i, L->k[2 * L->n + 1] = c | j;
        L->n++;
    }
}

/* A rectangle, counter-clockwise (an island) or clockwise (a hole). */
static void rect(layer *L, float x0, float y0, float x1, float y1, int hole)
{
    const float ccw[8] = {x0, y0, x1, y0, x1, y1, x0, y1}, cw[8] = {x0, y0, x0, y1, x1, y1, x1, y0};
    contour(L, hole ? cw : ccw, 4);
}

/* The outline's figures: length, signed area, closed loops (chained end key to start key, each segment
 * once), and whether every segment is in one. */
typedef struct outline {
    long n;
    double len, area;
    int loops, islands, all_closed;
} outline;

static outline outline_of(const layer *L)
{
    float *os = NULL;
    uint64_t *ok = NULL;
    outline o = {0};
    pf_scratch sc = {0};
    o.n = pf_contour_union(L->s, L->k, L->n, &os, &ok, &sc);
    pf_scratch_free(&sc);
    if (o.n < 0) return o;
    int *used = calloc((size_t)o.n + 1, sizeof *used);
    o.all_closed = 1;
    for (long s0 = 0; s0 < o.n; s0++) {
        if (used[s0]) continue;
        double a2 = 0;
        long cur = s0;
        for (;;) {
            used[cur] = 1;
            const float *q = os + PF_SEG_FLOATS * cur;
            o.len += hypot(q[2] - q[0], q[3] - q[1]);
            a2 += (double)q[0] * q[3] - (double)q[2] * q[1];
            long next = -1;
            for (long e = 0; e < o.n && next < 0; e++)
                if (!used[e] && ok[2 * e] == ok[2 * cur + 1]) next = e;
            if (ok[2 * cur + 1] == ok[2 * s0]) break;
            if (next < 0) {
                o.all_closed = 0;
                break;
            }
            cur = next;
        }
        o.loops++;
        o.islands += a2 > 0;
        o.area += a2 / 2;
    }
    free(used);
    free(os);
    free(ok);
    return o;
}

Test(contour_union, two_overlapping_squares_are_one_outline)
{
    layer L = {0};
    rect(&L, 0, 0, 10, 10, 0);
    rect(&L, 5, 5, 15, 15, 0);
    outline o = outline_of(&L);
    cr_assert_geq(o.n, 8);
    cr_expect(o.all_closed);
    cr_expect_eq(o.loops, 1);
    cr_expect_float_eq(o.len, 60, 1e-4);
    cr_expect_float_eq(o.area, 175, 1e-3);
}

Test(contour_union, a_shell_inside_another_leaves_the_outer_one)
{
    layer L = {0};
    rect(&L, 0, 0, 10, 10, 0);
    rect(&L, 2, 2, 8, 8, 0);
    outline o = outline_of(&L);
    cr_expect_eq(o.n, 4);
    cr_expect_eq(o.loops, 1);
    cr_expect_float_eq(o.area, 100, 1e-3);
}

Test(contour_union, shells_that_share_a_side_merge)
{
    layer L = {0};
    rect(&L, 0, 0, 10, 10, 0);
    rect(&L, 10, 0, 20, 10, 0);
    outline o = outline_of(&L);
    cr_expect(o.all_closed);
    cr_expect_eq(o.loops, 1);
    cr_expect_float_eq(o.len, 60, 1e-4);
    cr_expect_float_eq(o.area, 200, 1e-3);
}

/* A staircase of boxes from one corner: sides that lie on each other, the same way round, print once. */
Test(contour_union, boxes_from_one_corner_are_the_largest)
{
    layer L = {0};
    for (int k = 1; k <= 4; k++)
        rect(&L, 0, 0, 15.0f * (float)k, 40, 0);
    outline o = outline_of(&L);
    cr_expect(o.all_closed, "%ld segments, %d loops, %.3f mm, %.3f mm²", o.n, o.loops, o.len, o.area);
    cr_expect_eq(o.loops, 1);
    cr_expect_float_eq(o.len, 200, 1e-4);
    cr_expect_float_eq(o.area, 2400, 1e-3);
}

/* A rib set on a cylinder's radius (a bottle cap's grip): its inner side touches one corner of the
 * cylinder's 96-gon, nearly along the 96-gon's sides there (they turn by 1.9° at the corner). Crossings of
 * such near-tangent sides lie far along them from where they touch, so the touch is found by the corner's
 * distance from the side: the outline closes round both, their areas added (the rib's inner side was dropped
 * whole when it was not cut at the corner, and the outline did not close). */
Test(contour_union, a_side_touching_a_corner_cuts_there)
{
    layer L = {0};
    float c[2 * 96];
    for (int i = 0; i < 96; i++)
        c[2 * i] = 16 * cosf(2 * (float)M_PI * (float)i / 96),
              c[2 * i + 1] = 16 * sinf(2 * (float)M_PI * (float)i / 96);
    contour(&L, c, 96);
    /* 1 mm wide, 0.8 mm deep, centred on the corner at 45°, a few float steps out (a slicer's rounding) */
    float ux = cosf((float)M_PI / 4), uy = sinf((float)M_PI / 4), vx = -uy, vy = ux, r[8];
    const float off[4][2] = {{16.000004f, -0.5f}, {16.8f, -0.5f}, {16.8f, 0.5f}, {16.000004f, 0.5f}};
    for (int k = 0; k < 4; k++)
        r[2 * k] = off[k][0] * ux + off[k][1] * vx, r[2 * k + 1] = off[k][0] * uy + off[k][1] * vy;
    contour(&L, r, 4);
    double want = 0;
    for (uint32_t i = 0; i < L.n; i++)
        want += ((double)L.s[4 * i] * L.s[4 * i + 3] - (double)L.s[4 * i + 2] * L.s[4 * i + 1]) / 2;
    outline o = outline_of(&L);
    cr_assert_geq(o.n, 0, "the boxes meet: an outline");
    cr_expect(o.all_closed, "%ld segments, %d loops", o.n, o.loops);
    cr_expect_float_eq(o.area, want, 1e-3, "%.4f mm², the two %.4f", o.area, want);
}

Test(contour_union, a_grid_of_bars_has_its_openings_as_holes)
{
    layer L = {0};
    for (int k = 0; k < 3; k++) {
        rect(&L, 0, 10.0f * (float)k, 22, 10.0f * (float)k + 2, 0);
        rect(&L, 10.0f * (float)k, 0, 10.0f * (float)k + 2, 22, 0);
    }
    outline o = outline_of(&L);
    cr_expect(o.all_closed);
    cr_expect_eq(o.loops, 5);
    cr_expect_eq(o.islands, 1);
    cr_expect_float_eq(o.area, 22 * 22 - 4 * 8 * 8, 1e-3);
    cr_expect_float_eq(o.len, 4 * 22 + 4 * 32, 1e-4);
}

Test(contour_union, layers_of_one_shell_are_left_as_they_are)
{
    layer apart = {0}, ring = {0}, open = {0};
    rect(&apart, 0, 0, 10, 10, 0);
    rect(&apart, 11, 0, 20, 10, 0);
    cr_expect_eq(outline_of(&apart).n, -1, "islands apart");
    rect(&ring, 0, 0, 30, 30, 0); /* an island in a hole: boxes inside each other, nothing crosses */
    rect(&ring, 5, 5, 25, 25, 1);
    rect(&ring, 10, 10, 20, 20, 0);
    cr_expect_eq(outline_of(&ring).n, -1, "an island in a hole");
    rect(&open, 0, 0, 10, 10, 0);
    rect(&open, 5, 5, 15, 15, 0);
    open.k[1] = 99; /* the first contour does not close */
    cr_expect_eq(outline_of(&open).n, -1, "an open contour");
}

/* Two stars of 199 long sides through their centres (each side crosses nearly every other): tens of thousands
 * of cuts; the layer is left as it is instead (the raster still takes the nonzero inside). */
Test(contour_union, sides_that_all_cross_are_left_as_they_are)
{
    float *s = malloc(PF_SEG_FLOATS * 398 * sizeof *s);
    uint64_t *k = malloc(2 * 398 * sizeof *k);
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < 199; i++) {
            int j = (i + 1) % 199, at = 199 * c + i;
            float cx = 5.0f * (float)c, r = 20;
            double ai = 2 * M_PI * 99 * i / 199, aj = 2 * M_PI * 99 * j / 199;
            s[4 * at] = cx + r * (float)cos(ai), s[4 * at + 1] = r * (float)sin(ai);
            s[4 * at + 2] = cx + r * (float)cos(aj), s[4 * at + 3] = r * (float)sin(aj);
            k[2 * at] = (uint64_t)c << 32 | (uint64_t)i, k[2 * at + 1] = (uint64_t)c << 32 | (uint64_t)j;
        }
    float *os = NULL;
    uint64_t *ok = NULL;
    pf_scratch sc = {0};
    cr_expect_eq(pf_contour_union(s, k, 398, &os, &ok, &sc), -1);
    pf_scratch_free(&sc);
    free(os);
    free(ok);
    free(s);
    free(k);
}

/* Hostile layers: contours of NaN, of points repeated, crossing themselves, many segments through one point.
 * Whatever comes out has finite coordinates. */
Test(contour_union, hostile_layers_come_out_finite)
{
    layer L = {0};
    rect(&L, 0, 0, 10, 10, 0);
    rect(&L, 5, 5, 15, 15, 0);
    const float bow[8] = {0, 0, 10, 10, 10, 0, 0, 10}; /* crosses itself */
    contour(&L, bow, 4);
    const float dup[8] = {3, 3, 3, 3, 3, 3, 3, 3};
    contour(&L, dup, 4);
    float star[2 * 40];
    for (int i = 0; i < 40; i++) /* every other point the centre */
        star[2 * i] = i % 2 ? 5 : 5 + 4 * cosf((float)i),
                 star[2 * i + 1] = i % 2 ? 5 : 5 + 4 * sinf((float)i);
    contour(&L, star, 40);
    outline o = outline_of(&L);
    cr_expect_geq(o.n, 0);
    cr_expect(isfinite(o.len) && isfinite(o.area));
    layer N = {0};
    rect(&N, 0, 0, 10, 10, 0);
    rect(&N, 5, 5, NAN, 15, 0);
    cr_expect_eq(outline_of(&N).n, -1, "NaN: left as it is");
}
