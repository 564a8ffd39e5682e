/* Simplified slices (engine/slice_simplify.h): contours made by hand, with edge keys chaining them as
 * slice_emit's do. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"
#include "engine/slice_simplify.h"

#define MAXS 8192

/* A slice: segments and their keys. */
typedef struct slice {
    uint32_t n;
    float s[MAXS * PF_SEG_FLOATS];
    uint64_t k[MAXS * 2];
} slice;

/* The closed contour through the np points at xy (counter-clockwise), its segments starting at point `from`
 * (listed from there round), point i's key key0 + i: segment i runs from point i to point i + 1, from the
 * edge of its start point to that of its end point. */
static void contour(slice *sl, const float *xy, uint32_t np, uint32_t from, uint64_t key0)
{
    for (uint32_t c = 0; c < np; c++) {
        uint32_t i = (from + c) % np, j = (i + 1) % np;
        float *s = sl->s + (size_t)PF_SEG_FLOATS * sl->n;
        s[0] = xy[2 * i], s[1] = xy[2 * i + 1], s[2] = xy[2 * j], s[3] = xy[2 * j + 1];
        sl->k[2 * sl->n] = key0 + i;
        sl->k[2 * sl->n + 1] = key0 + j;
        sl->n++;
    }
}

static long simplify(const slice *in, slice *out)
{
    pf_scratch sc = {{0}, {0}};
    long m = pf_slice_simplify(in->s, in->k, in->n, out->s, out->k, &sc);
    pf_scratch_free(&sc);
    cr_assert_geq(m, 0);
    out->n = (uint32_t)m;
    return m;
}

/* Twice the signed area of a slice's segments. */
static double area2(const slice *sl)
{
    double a = 0;
    for (uint32_t i = 0; i < sl->n; i++) {
        const float *s = sl->s + (size_t)PF_SEG_FLOATS * i;
        a += (double)s[0] * s[3] - (double)s[2] * s[1];
    }
    return a;
}

/* Every segment's end key is the start key of exactly one segment, its end point that one's start. */
static void chains_close(const slice *sl)
{
    for (uint32_t i = 0; i < sl->n; i++) {
        int found = 0;
        for (uint32_t j = 0; j < sl->n; j++)
            if (sl->k[2 * j] == sl->k[2 * i + 1]) {
                found++;
                cr_assert_eq(sl->s[PF_SEG_FLOATS * j], sl->s[PF_SEG_FLOATS * i + 2]);
                cr_assert_eq(sl->s[PF_SEG_FLOATS * j + 1], sl->s[PF_SEG_FLOATS * i + 3]);
            }
        cr_assert_eq(found, 1, "segment %u's end key starts %d segments", i, found);
    }
}

/* Distance from q to the nearest segment of sl. */
static double nearest(const slice *sl, const float *q)
{
    double best = INFINITY;
    for (uint32_t i = 0; i < sl->n; i++) {
        const float *s = sl->s + (size_t)PF_SEG_FLOATS * i;
        double dx = s[2] - s[0], dy = s[3] - s[1], l2 = dx * dx + dy * dy;
        double t = l2 > 0 ? ((q[0] - s[0]) * dx + (q[1] - s[1]) * dy) / l2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        double ex = q[0] - s[0] - t * dx, ey = q[1] - s[1] - t * dy;
        best = fmin(best, sqrt(ex * ex + ey * ey));
    }
    return best;
}

/* A 20 mm square whose sides are split at `split` of their length (a prism's layer: the slice crosses each
 * side's diagonal somewhere else on every layer) into 8 points. */
static uint32_t split_square(float split, float *xy)
{
    static const float c[4][2] = {{0, 0}, {20, 0}, {20, 20}, {0, 20}};
    uint32_t n = 0;
    for (int i = 0; i < 4; i++) {
        const float *a = c[i], *b = c[(i + 1) % 4];
        xy[2 * n] = a[0], xy[2 * n + 1] = a[1], n++;
        xy[2 * n] = a[0] + split * (b[0] - a[0]), xy[2 * n + 1] = a[1] + split * (b[1] - a[1]), n++;
    }
    return n;
}

Test(slice_simplify, a_square_split_on_its_sides_comes_out_the_same_from_any_split_and_start)
{
    static slice a, b, oa, ob;
    float xy[16];
    uint32_t n = split_square(0.3f, xy);
    contour(&a, xy, n, 0, 100);
    n = split_square(0.71f, xy);
    contour(&b, xy, n, 5, 100);
    simplify(&a, &oa);
    simplify(&b, &ob);
    /* a side is 20 mm, longer than PF_SLICE_MAX_EDGE: the corners stay and the split points go */
    cr_assert_eq(oa.n, 4);
    cr_assert_eq(ob.n, 4);
    cr_assert_eq(memcmp(oa.s, ob.s, 4 * PF_SEG_FLOATS * sizeof(float)), 0, "equal squares, equal segments");
    cr_assert_float_eq(area2(&oa), 800.0, 1e-9);
    chains_close(&oa);
}

/* A circle of radius r through np points, simplified: fewer segments, every point within the tolerance, the
 * contour still closed, no chord over PF_SLICE_MAX_EDGE, the area within perimeter × tolerance and less. */
static void fine_circle(double r, uint32_t np, uint32_t most)
{
    static slice in, out;
    static float xy[2 * MAXS];
    in.n = 0;
    for (uint32_t i = 0; i < np; i++) {
        double t = 2 * M_PI * i / np;
        xy[2 * i] = (float)(15 + r * cos(t)), xy[2 * i + 1] = (float)(-4 + r * sin(t));
    }
    contour(&in, xy, np, 17, 1);
    simplify(&in, &out);
    cr_assert_leq(out.n, most, "%u of %u segments", out.n, np);
    chains_close(&out);
    for (uint32_t i = 0; i < np; i++)
        cr_assert_leq(nearest(&out, xy + 2 * i), PF_SLICE_TOL * 1.001, "point %u", i);
    for (uint32_t i = 0; i < out.n; i++) {
        const float *s = out.s + (size_t)PF_SEG_FLOATS * i;
        cr_assert_leq(hypot(s[2] - s[0], s[3] - s[1]), PF_SLICE_MAX_EDGE * 1.0001);
    }
    cr_assert_leq(fabs(area2(&out) - area2(&in)) / 2, 2 * M_PI * r * PF_SLICE_TOL);
    cr_assert_lt(area2(&out), area2(&in), "chords cut inside a convex arc");
}

/* On 12 mm (points 0.075 mm apart) the chords reach PF_SLICE_MAX_EDGE (their sagitta L² / 8r is 0.0104 mm
 * there); on 3 mm the tolerance stops them first, at about √(8r·tol) = 0.55 mm. */
Test(slice_simplify, a_fine_circle_keeps_every_point_within_the_tolerance)
{
    fine_circle(12, 1000, 1000 / 10);
    fine_circle(3, 600, 600 / 12);
}

/* A hostile contour: a square's bottom side made of 6000 zig-zags within the tolerance (each point a corner:
 * it turns back and forth), the rest plain. The zig-zags go, the corners stay, and the work stays linear in
 * the points (each chord tests a bounded run of them; all of them for every try took minutes). */
Test(slice_simplify, a_side_of_tiny_zigzags_within_the_tolerance_is_straightened)
{
    static slice in, out;
    static float xy[2 * MAXS];
    uint32_t np = 0;
    for (uint32_t i = 0; i < 6000; i++) { /* (0, 0) … (6, 0), 0.001 mm steps, ±0.004 mm */
        xy[2 * np] = 0.001f * (float)i, xy[2 * np + 1] = (i & 1) ? 0.004f : -0.004f;
        np++;
    }
    const float rest[3][2] = {{6, 0}, {6, 6}, {0, 6}};
    for (int k = 0; k < 3; k++)
        xy[2 * np] = rest[k][0], xy[2 * np + 1] = rest[k][1], np++;
    contour(&in, xy, np, 0, 1);
    simplify(&in, &out);
    chains_close(&out);
    cr_assert_lt(out.n, 400, "%u segments", out.n);
    for (uint32_t i = 0; i < np; i++)
        cr_assert_leq(nearest(&out, xy + 2 * i), PF_SLICE_TOL * 1.001, "point %u", i);
}

Test(slice_simplify, open_chains_and_keyless_segments_are_copied)
{
    static slice in, out;
    /* an open zig-zag of tiny steps: a and b chain, b's end leads nowhere */
    for (uint32_t i = 0; i < 50; i++) {
        float *s = in.s + (size_t)PF_SEG_FLOATS * in.n;
        s[0] = 0.01f * (float)i, s[1] = 0, s[2] = 0.01f * (float)(i + 1), s[3] = 0;
        in.k[2 * in.n] = 1000 + i, in.k[2 * in.n + 1] = 1001 + i;
        in.n++;
    }
    float *s = in.s + (size_t)PF_SEG_FLOATS * in.n;
    s[0] = s[1] = s[2] = s[3] = 5; /* a hole slot: no edge */
    in.k[2 * in.n] = in.k[2 * in.n + 1] = UINT64_MAX;
    in.n++;
    simplify(&in, &out);
    cr_assert_eq(out.n, in.n);
    /* the same segments, whatever the order */
    for (uint32_t i = 0; i < in.n; i++) {
        int found = 0;
        for (uint32_t j = 0; j < out.n; j++)
            found |=
                !memcmp(in.s + PF_SEG_FLOATS * i, out.s + PF_SEG_FLOATS * j, PF_SEG_FLOATS * sizeof(float)) &&
                in.k[2 * i] == out.k[2 * j] && in.k[2 * i + 1] == out.k[2 * j + 1];
        cr_assert(found, "segment %u", i);
    }
}

Test(slice_simplify, nothing_in_nothing_out)
{
    static slice in, out;
    cr_assert_eq(simplify(&in, &out), 0);
}
