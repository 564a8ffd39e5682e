/* Centre-bead paths from a layer's contours (engine/centre_beads.h): corners, wall ends, junctions. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/centre_beads.h"

/* The default profile's range of walls with one centre bead, mm. */
#define LO 1.15f
#define HI 1.47f
#define SPLIT 1.51f /* and the widest corner that keeps a centre bead whole */
#define BEAD 1.18f  /* and the narrowest sharp corner of thinner walls with a bead of its own */

typedef struct layer {
    pf_corner c[512];
    size_t n;
    unsigned tips;
    uint32_t contours;
    float segs[4 * 512]; /* every contour's edges: x0, y0, x1, y1 */
    size_t nseg;
    uint32_t beads; /* pf_junction_degrees' corner beads */
} layer;

/* Adds a closed contour of n points (x, y pairs), reversed when hole is set (material on its left). */
static void add(layer *L, const float *xy, size_t n, int hole)
{
    float pts[64] = {0};
    cr_assert(n <= 32);
    for (size_t i = 0; i < n; i++) {
        size_t j = hole ? n - 1 - i : i;
        pts[2 * i] = xy[2 * j], pts[2 * i + 1] = xy[2 * j + 1];
    }
    L->n += pf_contour_corners(pts, n, L->contours++, LO, HI, L->c + L->n, &L->tips);
    for (size_t i = 0; i < n; i++, L->nseg++) {
        float *s = L->segs + 4 * L->nseg;
        s[0] = pts[2 * i], s[1] = pts[2 * i + 1], s[2] = pts[2 * ((i + 1) % n)],
        s[3] = pts[2 * ((i + 1) % n) + 1];
    }
}

static void rect(layer *L, float x0, float y0, float x1, float y1, int hole)
{
    const float r[8] = {x0, y0, x1, y0, x1, y1, x0, y1};
    add(L, r, 4, hole);
}

/* Paths: half the degrees of the junctions and wall ends. */
static long paths(layer *L)
{
    long deg = pf_junction_degrees(L->c, L->n, LO, HI, SPLIT, BEAD, L->segs, L->nseg, &L->beads);
    cr_assert(deg >= 0);
    return (deg + (long)L->tips) / 2;
}

/* A square of 2 × 2 openings in walls w thick: one crossing in the middle, a T at the middle of each side,
 * the outer ring's corners bends. */
static void grid2(layer *L, float w)
{
    float s = 4, e = 2 * s + 3 * w;
    rect(L, 0, 0, e, e, 0);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            rect(L, w + i * (s + w), w + j * (s + w), w + i * (s + w) + s, w + j * (s + w) + s, 1);
}

Test(centre_beads, a_grid_of_walls_with_a_centre_bead_splits_it_at_every_junction)
{
    layer L = {0};
    grid2(&L, 1.2f);
    cr_assert_eq(L.n, 16, "every opening's 4 corners are concave: %zu", L.n);
    cr_assert_eq(L.tips, 0);
    /* the crossing (degree 4) to the four Ts (degree 3 each), and the ring between the Ts: 8 paths */
    cr_assert_eq(paths(&L), 8);
}

/* A ring of walls w thick round a regular k-gon of circumradius r (a box's walls when k = 4). */
static void ring(layer *L, int k, float r, float w)
{
    float out[64], in[64];
    cr_assert(k <= 32);
    float ri = r - w / cosf((float)M_PI / (float)k); /* the hole's corners: sides w inside the outer ones */
    for (int i = 0; i < k; i++) {
        float a = 2 * (float)M_PI * (float)i / (float)k;
        out[2 * i] = r * cosf(a), out[2 * i + 1] = r * sinf(a);
        in[2 * i] = ri * cosf(a), in[2 * i + 1] = ri * sinf(a);
    }
    add(L, out, (size_t)k, 0);
    add(L, in, (size_t)k, 1);
}

Test(centre_beads, a_box_corner_splits_the_centre_bead_where_it_is_much_wider)
{
    /* Across a right-angled corner the walls are 1.17 times as thick: 1.3 mm walls 1.52 mm, over SPLIT, so
     * each side's centre bead ends short of the corner and a short piece fills it (PrusaSlicer: 8 pieces a
     * layer round a box); 1.25 mm walls (1.46 mm across) keep one closed centre bead, as does a hexagon's
     * 1.4 mm wall (1.07 times: 1.50 mm). A triangle's corners are 1.33 times as thick: 1.2 mm walls split. */
    layer box = {0}, thinner = {0}, hex = {0}, tri = {0}, tri_thin = {0};
    ring(&box, 4, 30, 1.3f);
    ring(&thinner, 4, 30, 1.25f);
    ring(&hex, 6, 30, 1.4f);
    ring(&tri, 3, 35, 1.2f);
    ring(&tri_thin, 3, 35, 1.1f);
    cr_assert_eq(box.n, 4, "the hole's corners are concave: %zu", box.n);
    cr_assert_eq(paths(&box), 8);
    cr_assert_eq(paths(&thinner), 0);
    cr_assert_eq(paths(&hex), 0);
    cr_assert_eq(paths(&tri), 6);
    cr_assert_eq(paths(&tri_thin), 0);
}

Test(centre_beads, walls_outside_the_range_have_no_centre_bead_graph)
{
    layer thin = {0}, thick = {0};
    grid2(&thin, 1.0f);  /* two external beads only (the crossing's diagonals are in range: not counted) */
    grid2(&thick, 1.6f); /* four beads: inner loops round each opening */
    cr_assert_eq(paths(&thin), 0);
    cr_assert_eq(paths(&thick), 0);
}

Test(centre_beads, a_fin_is_one_path_from_end_to_end)
{
    layer L = {0};
    rect(&L, 0, 0, 1.2f, 20, 0);
    cr_assert_eq(L.n, 0);
    cr_assert_eq(L.tips, 2);
    cr_assert_eq(paths(&L), 1);
    /* a square peg as wide is no wall: its sides are not longer than its ends */
    layer peg = {0};
    rect(&peg, 0, 0, 1.3f, 1.3f, 0);
    cr_assert_eq(peg.tips, 0);
}

Test(centre_beads, a_wall_end_survives_points_along_its_end)
{
    /* the fin's end split by a point on it, as slicing a mesh leaves them */
    const float r[10] = {0, 0, 0.6f, 0, 1.2f, 0, 1.2f, 20, 0, 20};
    layer L = {0};
    add(&L, r, 5, 0);
    cr_assert_eq(L.tips, 2);
}

Test(centre_beads, comb_teeth_end_at_their_spine)
{
    /* a 4 mm spine with three 1.3 mm teeth: one contour, each tooth's base a pair of its concave corners */
    const float comb[] = {0,     0,  11,    0,  11,    4, 10.3f, 4, 10.3f, 15, 9,    15, 9,    4, 5.65f, 4,
                          5.65f, 15, 4.35f, 15, 4.35f, 4, 2,     4, 2,     15, 0.7f, 15, 0.7f, 4, 0,     4};
    layer L = {0};
    add(&L, comb, sizeof comb / sizeof *comb / 2, 0);
    cr_assert_eq(L.tips, 3);
    cr_assert_eq(paths(&L), 3, "a path per tooth, from its tip to the spine: %ld", paths(&L));
}

Test(centre_beads, tapering_teeth_are_no_paths)
{
    /* the comb's spine with three teeth 1.3 mm wide at their base and 0.3 mm at their tip 2.5 mm up (a gear's
     * teeth): the base pairs are in range, but the sides run 23° apart, so no centre bead runs along a tooth
     * (Arachne takes what bead there is at the base into the spine's inner loop; a 60-tooth gear read 30
     * paths a layer, +24 % in time against PrusaSlicer, which retracts 4–5 times a layer) */
    const float comb[] = {0,    0, 11,   0,     11,   4,     10.3f, 4,     9.8f, 6.5f,  9.5f,
                          6.5f, 9, 4,    5.65f, 4,    5.15f, 6.5f,  4.85f, 6.5f, 4.35f, 4,
                          2,    4, 1.5f, 6.5f,  1.2f, 6.5f,  0.7f,  4,     0,    4};
    layer L = {0};
    add(&L, comb, sizeof comb / sizeof *comb / 2, 0);
    cr_assert_eq(L.n, 6, "the teeth's bases: %zu concave corners", L.n);
    cr_assert_eq(L.tips, 0, "tips 0.5 mm wide are no wall ends");
    cr_assert_eq(pf_junction_degrees(L.c, L.n, LO, HI, SPLIT, BEAD, L.segs, L.nseg, &L.beads), 0);
}

Test(centre_beads, a_notch_is_no_junction)
{
    /* a 1.3 mm slot into a thick block: its two concave corners face each other across empty space */
    const float slot[] = {0, 0, 10, 0, 10, 10, 5.65f, 10, 5.65f, 5, 4.35f, 5, 4.35f, 10, 0, 10};
    layer L = {0};
    add(&L, slot, sizeof slot / sizeof *slot / 2, 0);
    cr_assert_eq(L.n, 2);
    cr_assert_eq(pf_junction_degrees(L.c, L.n, LO, HI, SPLIT, BEAD, L.segs, L.nseg, &L.beads), 0);
}

Test(centre_beads, a_letter_t_is_three_paths)
{
    /* a 1.3 mm bar on a 1.3 mm stem: one contour; the stem's centre bead splits the bar's at the T (whose
     * bar is thin), unlike a comb's tooth at its 4 mm spine */
    const float t[] = {4.35f, 0, 5.65f, 0, 5.65f, 8, 10, 8, 10, 9.3f, 0, 9.3f, 0, 8, 4.35f, 8};
    layer L = {0};
    add(&L, t, sizeof t / sizeof *t / 2, 0);
    cr_assert_eq(L.n, 2);
    cr_assert_eq(L.tips, 3);
    cr_assert_eq(pf_junction_degrees(L.c, L.n, LO, HI, SPLIT, BEAD, L.segs, L.nseg, &L.beads), 3);
    cr_assert_eq(paths(&L), 3);
}

Test(centre_beads, crowded_corners_stop_the_search)
{
    /* 20 000 concave corners of different contours in one column, each 1.3 mm across a wall from the next: a
     * chain the sweep (by x) would find only after testing every pair, 2·10⁸ of them; it stops at its budget
     * and counts no junction */
    size_t n = 20000;
    uint32_t beads;
    pf_corner *c = calloc(n, sizeof *c);
    cr_assert(c);
    for (size_t i = 0; i < n; i++)
        c[i] = (pf_corner){0, 1.3f * (float)i, 1, 0, -1, 0, (uint32_t)i, 0};
    cr_assert_eq(pf_junction_degrees(c, n, LO, HI, SPLIT, BEAD, NULL, 0, &beads), 0);
    /* a short column is searched: one cluster of 40 corners */
    for (size_t i = 0; i < 40; i++)
        c[i] = (pf_corner){0, 1.3f * (float)i, 1, 0, -1, 0, (uint32_t)i, 0};
    cr_assert_eq(pf_junction_degrees(c, 40, LO, HI, SPLIT, BEAD, NULL, 0, &beads), 40);
    free(c);
}

/* The outline of a rectangle [x0, x1] × [y0, y1] with corners rounded to radius r, k edges a quarter,
 * counter-clockwise: 4·(k + 1) points into xy. */
static size_t rounded_rect(float x0, float y0, float x1, float y1, float r, int k, float *xy)
{
    const float cx[4] = {x1 - r, x1 - r, x0 + r, x0 + r}, cy[4] = {y0 + r, y1 - r, y1 - r, y0 + r};
    size_t n = 0;
    /* counter-clockwise, a quarter a corner: bottom right (−90 … 0°), top right, top left, bottom left */
    for (int q = 0; q < 4; q++)
        for (int j = 0; j <= k; j++) {
            double a = (-90.0 + 90.0 * q + 90.0 * j / k) * M_PI / 180;
            xy[2 * n] = cx[q] + r * (float)cos(a), xy[2 * n + 1] = cy[q] + r * (float)sin(a);
            n++;
        }
    return n;
}

Test(centre_beads, rounded_pockets_split_their_walls)
{
    /* a 30 × 20 box with two pockets of 3 mm corners, every wall 1.3 mm: the walls with a centre bead run
     * between the blobs where the rounded corners meet: the left and right walls, the middle one, and the
     * top and bottom walls in two pieces each (PrusaSlicer prints each as a path of its own) */
    const float box[] = {0, 0, 30, 0, 30, 20, 0, 20};
    float pa[2 * 28], pb[2 * 28];
    size_t na = rounded_rect(1.3f, 1.3f, 14.35f, 18.7f, 3, 6, pa),
           nb = rounded_rect(15.65f, 1.3f, 28.7f, 18.7f, 3, 6, pb);
    layer L = {0};
    add(&L, box, 4, 0);
    add(&L, pa, na, 1);
    add(&L, pb, nb, 1);
    cr_assert_eq(L.n, 16, "two ends to each of the 8 rounded corners: %zu", L.n);
    cr_assert_eq(paths(&L), 7);
}

/* A rhombic tube of sides 25 mm at angle a (degrees), walls w thick (the hole's sides the outer ones moved in
 * by w): its corner beads. */
static uint32_t rhombus_beads(float a, float w)
{
    static layer L;
    memset(&L, 0, sizeof L);
    float c = cosf(a * (float)M_PI / 180), s = sinf(a * (float)M_PI / 180), k = w / s, len = 25;
    const float out[8] = {0, 0, len, 0, len + len * c, len * s, len * c, len * s};
    /* each corner moved in along its sides, e1 = (1, 0) and e2 = (c, s): P0 + k·(e1 + e2), P1 + k·(e2 − e1),
     * P2 − k·(e1 + e2), P3 + k·(e1 − e2) */
    const float in[8] = {k + k * c,          k * s,          len - k + k * c,    k * s,
                         out[4] - k - k * c, out[5] - k * s, out[6] + k - k * c, out[7] - k * s};
    add(&L, out, 4, 0);
    add(&L, in, 4, 1);
    cr_assert_eq(paths(&L), 0, "walls under 1.15 mm: no centre bead");
    return L.beads;
}

Test(centre_beads, sharp_corners_of_thin_walls_hold_a_bead_each)
{
    /* the hole's acute corners: 1.0 mm walls at 60° are 1.33 mm across there (PrusaSlicer prints a 0.3 mm
     * bead in each, a path of its own); at 80° (1.22 mm) the corner turns too little, and 0.8 mm walls at
     * 60° are 1.07 mm across */
    cr_assert_eq(rhombus_beads(60, 1.0f), 2);
    cr_assert_eq(rhombus_beads(50, 0.9f), 2);
    cr_assert_eq(rhombus_beads(80, 1.0f), 0);
    cr_assert_eq(rhombus_beads(60, 0.8f), 0);
}

/* The outline of a circle of radius r about (cx, cy), n points counter-clockwise. */
static void circle(float cx, float cy, float r, size_t n, float *xy)
{
    for (size_t i = 0; i < n; i++) {
        float t = 2 * (float)M_PI * (float)i / (float)n;
        xy[2 * i] = cx + r * cosf(t), xy[2 * i + 1] = cy + r * sinf(t);
    }
}

Test(centre_beads, a_void_between_fused_tubes_is_three_corner_beads)
{
    /* three tubes 12 mm across with 1 mm walls, 11 mm apart, fused: a small void between them, whose three
     * sharp corners lie 1.34 mm apart along the tubes' walls (no wall across them: no junction); each corner,
     * between 1 mm walls, is 1.49 mm across, and PrusaSlicer prints a 2.5 mm bead in each */
    const float ctr[3][2] = {{0, 0}, {11, 0}, {5.5f, 9.5263f}};
    float gx = 5.5f, gy = 3.1754f; /* the void's centre */
    float corner[3][2];            /* the corners, counter-clockwise about it: AB, BC, CA */
    for (int k = 0; k < 3; k++) {
        const float *p = ctr[k], *q = ctr[(k + 1) % 3];
        float mx = 0.5f * (p[0] + q[0]), my = 0.5f * (p[1] + q[1]), dx = gx - mx, dy = gy - my;
        float dl = sqrtf(dx * dx + dy * dy), h = sqrtf(36 - 30.25f);
        corner[k][0] = mx + h * dx / dl, corner[k][1] = my + h * dy / dl;
    }
    /* corner k to corner k + 1 along the circle of tube k + 1, the short way */
    float vd[2 * 30];
    size_t nv = 0;
    for (int k = 0; k < 3; k++) {
        const float *o = ctr[(k + 1) % 3], *a = corner[k], *b = corner[(k + 1) % 3];
        float t0 = atan2f(a[1] - o[1], a[0] - o[0]), t1 = atan2f(b[1] - o[1], b[0] - o[0]);
        float dt = t1 - t0;
        if (dt > (float)M_PI) dt -= 2 * (float)M_PI;
        if (dt < -(float)M_PI) dt += 2 * (float)M_PI;
        for (int i = 0; i < 8; i++, nv++) {
            float t = t0 + dt * (float)i / 8;
            vd[2 * nv] = o[0] + 6 * cosf(t), vd[2 * nv + 1] = o[1] + 6 * sinf(t);
        }
    }
    layer L = {0};
    const float box[] = {-20, -20, 31, -20, 31, 30, -20, 30};
    add(&L, box, 4, 0);
    add(&L, vd, nv, 1);
    for (int k = 0; k < 3; k++) {
        float bore[2 * 24];
        circle(ctr[k][0], ctr[k][1], 5, 24, bore);
        add(&L, bore, 24, 1);
    }
    cr_assert_eq(L.n, 3, "the void's corners: %zu", L.n);
    cr_assert_eq(paths(&L), 0, "no junction");
    cr_assert_eq(L.beads, 3);
}

/* A square ring 40 mm across of walls w thick: the inner beads' length the areas leave out, with the default
 * profile's figures (ext_hi 0.4287, spacing 0.407): walls of two inner beads narrower than a spacing only. */
static double ring_deficit(float w)
{
    static layer L;
    memset(&L, 0, sizeof L);
    rect(&L, 0, 0, 40, 40, 0);
    rect(&L, w, w, 40 - w, 40 - w, 1);
    return pf_narrow_inner_deficit(L.segs, L.nseg, 1.44f, 1.67f, 0.4287f, 0.407f, 1.5f, 2, 0, NULL, 0, NULL,
                                   NULL);
}

Test(centre_beads, narrow_inner_beads_are_counted_along_walls_of_two)
{
    /* 1.55 mm: each side's bead 0.346 mm wide, 15 % short of a spacing, along 160 + 147.6 mm of contour
     * (less the samples whose rays meet a side square to them near the corners) */
    double want = (160 + 4 * (40 - 2 * 1.55)) * (1 - (0.775 - 0.4287) / 0.407);
    double got = ring_deficit(1.55f);
    cr_expect(got > 0.9 * want && got <= 1.01 * want, "%.1f mm left out, want about %.1f", got, want);
    cr_expect_eq(ring_deficit(1.2f), 0); /* a centre bead: the areas hold it */
    cr_expect_eq(ring_deficit(3.0f), 0); /* full inner bands */
}
