/* Estimator tests: exact expectations on known shapes, cache re-evaluation, and accuracy against
 * PrusaSlicer's figures in tests/data/reference.csv (the acceptance bounds of the estimator issue). */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/backends.h"
#include "engine/estimate.h"
#include "engine/material.h"
#include "engine/motion.h"
#include "engine/mesh.h"
#include "engine/price.h"
#include "engine/profile.h"

static pf_mesh *load(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", PF_TEST_DATA, name);
    pf_mesh *m = NULL;
    pf_errbuf eb = {{0}};
    pf_err err = pf_mesh_read_file(path, NULL, &m, &eb);
    cr_assert_eq(err, PF_E_OK, "%s: %s", path, eb.msg);
    return m;
}

/* Adds the 12 triangles of an axis-aligned box x·y·z with its lower corner at (ox, oy, oz) to b's part. */
static void add_box_at(pf_mesh_builder *b, float ox, float oy, float oz, float x, float y, float z)
{
    static const int f[12][3] = {{0, 2, 1}, {0, 3, 2}, {4, 5, 6}, {4, 6, 7}, {0, 1, 5}, {0, 5, 4},
                                 {1, 2, 6}, {1, 6, 5}, {2, 3, 7}, {2, 7, 6}, {3, 0, 4}, {3, 4, 7}};
    float v[8][3] = {{0, 0, 0}, {x, 0, 0}, {x, y, 0}, {0, y, 0}, {0, 0, z}, {x, 0, z}, {x, y, z}, {0, y, z}};
    for (int t = 0; t < 12; t++) {
        float tri[9];
        for (int k = 0; k < 3; k++) {
            memcpy(tri + 3 * k, v[f[t][k]], sizeof v[0]);
            tri[3 * k] += ox;
            tri[3 * k + 1] += oy;
            tri[3 * k + 2] += oz;
        }
        cr_assert_eq(pf_mesh_builder_tri(b, tri, NULL), PF_E_OK);
    }
}

/* Adds an axis-aligned box x·y·z with its lower corner at (ox, oy, 0) as a new part of b (12 triangles). */
static void add_box(pf_mesh_builder *b, const char *name, int printed, float ox, float oy, float x, float y,
                    float z)
{
    cr_assert_eq(pf_mesh_builder_part(b, name, printed), PF_E_OK);
    add_box_at(b, ox, oy, 0, x, y, z);
}

/* An axis-aligned box as a 12-triangle mesh, built in memory. */
static pf_mesh *box(float x, float y, float z)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    add_box(&b, "box", 1, 0, 0, x, y, z);
    pf_mesh *m = NULL;
    cr_assert_eq(pf_mesh_builder_finish(&b, &m, NULL), PF_E_OK);
    return m;
}

static pf_estimate_cache *prepare(const pf_mesh *m, const pf_profile *p)
{
    pf_estimate_cache *c = NULL;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_estimate_prepare(m, p, pf_backend_scalar(), &c, &eb), PF_E_OK, "%s", eb.msg);
    return c;
}

Test(estimate, cube_has_one_layer_per_0_2_mm)
{
    pf_mesh *m = box(20, 20, 20);
    pf_profile p = pf_profile_default();
    pf_estimate e;
    cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, NULL), PF_E_OK);
    cr_assert_eq(e.layers, 100);
    cr_assert_float_eq(e.max_layer_area_mm2, 400.0, 400 * 0.01);
    cr_assert_float_eq(e.overhang_area_mm2, 0.0, 1e-9); /* the bottom face rests on the bed */
    pf_mesh_free(m);
}

/* Walls of a 20 mm square: an external band (0.02146, 0.4285] and an inner band up to 0.8356 mm inside the
 * contour; the band area of a square of side a between offsets r0 and r1 is (a − 2r0)² − (a − 2r1)². Layer 0
 * is shrunk by the 0.2 mm elephant-foot compensation and uses the 0.42 mm first-layer width. */
Test(estimate, cube_wall_volume_matches_band_formula)
{
    pf_mesh *m = box(20, 20, 20);
    pf_profile p = pf_profile_default();
    pf_estimate e;
    cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, NULL), PF_E_OK);
    double h = 0.2, k = h * (1 - M_PI / 4), s = 0.45 - k, s0 = 0.42 - k, r0 = (0.45 - s) / 2;
#define BAND(a, lo, hi) (((a)-2 * (lo)) * ((a)-2 * (lo)) - ((a)-2 * (hi)) * ((a)-2 * (hi)))
    double ext = 99 * h * BAND(20, r0, r0 + s) + h * BAND(20, 0.2 + r0, 0.2 + r0 + s0);
    double in = 99 * h * BAND(20, r0 + s, r0 + 2 * s) + h * BAND(20, 0.2 + r0 + s0, 0.2 + r0 + 2 * s0);
    cr_assert_float_eq(e.volume_mm3[PF_FEAT_EXT_PERIMETER], ext, ext * 0.01, "ext %f vs %f",
                       e.volume_mm3[PF_FEAT_EXT_PERIMETER], ext);
    cr_assert_float_eq(e.volume_mm3[PF_FEAT_PERIMETER], in, in * 0.01, "inner %f vs %f",
                       e.volume_mm3[PF_FEAT_PERIMETER], in);
    pf_mesh_free(m);
}

/* A one-part mesh of nt triangles f over the vertices v, built in memory. */
static pf_mesh *mesh_of(const float (*v)[3], const int (*f)[3], int nt)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    cr_assert_eq(pf_mesh_builder_part(&b, "part", 1), PF_E_OK);
    for (int t = 0; t < nt; t++) {
        float tri[9];
        for (int k = 0; k < 3; k++)
            memcpy(tri + 3 * k, v[f[t][k]], sizeof v[0]);
        cr_assert_eq(pf_mesh_builder_tri(&b, tri, NULL), PF_E_OK);
    }
    pf_mesh *m = NULL;
    cr_assert_eq(pf_mesh_builder_finish(&b, &m, NULL), PF_E_OK);
    return m;
}

/* A box x·y·z turned deg degrees about Z (its walls off the grid's axes), built in memory. */
static pf_mesh *turned_box(float x, float y, float z, double deg)
{
    static const int f[12][3] = {{0, 2, 1}, {0, 3, 2}, {4, 5, 6}, {4, 6, 7}, {0, 1, 5}, {0, 5, 4},
                                 {1, 2, 6}, {1, 6, 5}, {2, 3, 7}, {2, 7, 6}, {3, 0, 4}, {3, 4, 7}};
    float v[8][3] = {{0, 0, 0}, {x, 0, 0}, {x, y, 0}, {0, y, 0}, {0, 0, z}, {x, 0, z}, {x, y, z}, {0, y, z}};
    double c = cos(deg * M_PI / 180), sn = sin(deg * M_PI / 180);
    for (int k = 0; k < 8; k++) {
        double px = v[k][0], py = v[k][1];
        v[k][0] = (float)(px * c - py * sn), v[k][1] = (float)(px * sn + py * c);
    }
    return mesh_of(v, f, 12);
}

/* A cylinder of radius r and height h about the Z axis, n sides, built in memory. */
static pf_mesh *cylinder(float r, float h, int n)
{
    float(*v)[3] = calloc((size_t)(2 * n + 2), sizeof *v);
    int(*f)[3] = calloc((size_t)(4 * n), sizeof *f);
    cr_assert(v && f);
    for (int i = 0; i < n; i++) {
        double a = 2 * M_PI * i / n;
        v[i][0] = v[n + i][0] = (float)(r * cos(a));
        v[i][1] = v[n + i][1] = (float)(r * sin(a));
        v[n + i][2] = h;
    }
    v[2 * n + 1][2] = h; /* the caps' centres: 2n (bottom), 2n + 1 (top) */
    for (int i = 0, j = 1; i < n; i++, j = (i + 1) % n) {
        f[4 * i][0] = i, f[4 * i][1] = j, f[4 * i][2] = n + j;
        f[4 * i + 1][0] = i, f[4 * i + 1][1] = n + j, f[4 * i + 1][2] = n + i;
        f[4 * i + 2][0] = 2 * n, f[4 * i + 2][1] = j, f[4 * i + 2][2] = i;
        f[4 * i + 3][0] = 2 * n + 1, f[4 * i + 3][1] = n + i, f[4 * i + 3][2] = n + j;
    }
    pf_mesh *m = mesh_of((const float(*)[3])v, (const int(*)[3])f, 4 * n);
    free(v);
    free(f);
    return m;
}

/* PrusaSlicer places sparse lines only where they cross the fill region shrunk by half a line width
 * (FillRectilinear), so a 10 mm rod at 10 % (lines 4.07 mm apart from its centre) prints one line a layer
 * through its middle: the lines at ±4.07 mm miss the region's ±3.96 mm (PrusaSlicer: 64.9 mm³ of sparse
 * infill on 20 mm of rod). Counted against the fill boundary alone they were three lines and two links a
 * layer, 2.6 times that. */
Test(estimate, a_thin_rods_sparse_infill_is_one_line_a_layer)
{
    pf_mesh *m = cylinder(5, 20, 64);
    pf_profile p = pf_profile_default();
    p.infill_density = 0.10;
    pf_estimate e;
    cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, NULL), PF_E_OK);
    /* a line through the middle, 2 × (5 − 0.95) mm, on each of the 91 sparse layers */
    double line = 2 * (5 - 0.95) * 0.4071 * 0.2 * 91;
    cr_assert(e.volume_mm3[PF_FEAT_INFILL] > 0.8 * line && e.volume_mm3[PF_FEAT_INFILL] < 1.25 * line,
              "sparse %.1f mm3, one line a layer %.1f", e.volume_mm3[PF_FEAT_INFILL], line);
    pf_mesh_free(m);
}

/* A layer's sparse path in a bar x long and w wide turned 45° about its centre, by PrusaSlicer's rule
 * (PRUSASLICER-NOTES §4): lines at multiples of the spacing S from the centre, where they cross the fill
 * region (0.7338 mm inside the walls) shrunk by half a line width, each as long as the region less half a
 * width at either end, joined by links of S along the walls across them; the lines of one layer run along
 * the x side, the next one's along the w side. The mean of the two. */
static double turned_bar_path(double x, double w, double S)
{
    const double depth = 0.7338, half = 0.5 * 0.40708;
    double path = 0, side[2][2] = {{x, w}, {w, x}}; /* along, across */
    for (int k = 0; k < 2; k++) {
        int n = 2 * (int)floor((side[k][1] / 2 - depth - half) / S) + 1;
        path += n * (side[k][0] - 2 * depth - 2 * half) + (n - 1) * S;
    }
    return path / 2;
}

/* The lines beside walls that run along them are there or not by their phase: a 40 mm bar turned 45°,
 * 9.82 mm wide, takes 3 lines along its length at 20 % (the ones at ±4.07 mm miss the region shrunk by half
 * a width by 0.1 mm), 0.3 mm wider 5. PrusaSlicer 2.5: 1.174 and 1.503 cm³ of sparse infill (+28 %); ours
 * +26 % (1.175, 1.476). Counted by area, the two read 1.234 and 1.423 (+15 %). */
Test(estimate, a_turned_bars_sparse_lines_along_its_walls_come_whole)
{
    const double S = 0.40708 / 0.2, w1 = 2 * (0.7338 + 0.5 * 0.40708 + 2 * S - 0.1), w2 = w1 + 0.3;
    double v[2];
    for (int k = 0; k < 2; k++) {
        double w = k ? w2 : w1;
        pf_mesh *m = turned_box(40, (float)w, 20, 45);
        pf_profile p = pf_profile_default();
        p.infill_density = 0.2;
        pf_estimate e;
        cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, NULL), PF_E_OK);
        v[k] = e.volume_mm3[PF_FEAT_INFILL];
        pf_mesh_free(m);
    }
    double want = turned_bar_path(40, w2, S) / turned_bar_path(40, w1, S) - 1, got = v[1] / v[0] - 1;
    cr_assert(fabs(got / want - 1) < 0.2, "sparse volume %.1f → %.1f mm³: %+.1f %%, by the lines %+.1f %%",
              v[0], v[1], 100 * got, 100 * want);
}

/* The external band of a 20 mm square is (20 − 2·0.02146)² − (20 − 2·0.4287)² = 31.8 mm² at any turn; the
 * cells alone read 8–10 % more where the walls cross them diagonally (15–45°), the contours give it. */
Test(estimate, a_turned_boxs_external_band_matches_its_walls)
{
    const double want = (20 - 2 * 0.02146) * (20 - 2 * 0.02146) - (20 - 2 * 0.4287) * (20 - 2 * 0.4287);
    for (int deg = 0; deg <= 45; deg += 15) {
        pf_mesh *m = turned_box(20, 20, 10, deg);
        pf_profile p = pf_profile_default();
        pf_estimate_cache *c = prepare(m, &p);
        size_t n = pf_estimate_cache_layers(c);
        for (size_t l = 5; l < n - 5; l += 10) {
            double ext = pf_estimate_cache_layer(c, l)->wall_area[PF_CELL_WALL_EXT];
            cr_expect(fabs(ext / want - 1) < 0.025, "%d°, layer %zu: external band %.2f mm², want %.2f", deg,
                      l, ext, want);
        }
        pf_estimate_cache_free(c);
        pf_mesh_free(m);
    }
}

/* A tube of n straight sides, h tall, one closed shell: its outer corners at outer[k], its hole's at
 * inner[k] (counter-clockwise), built in memory (n ≤ 8). */
static pf_mesh *ring_prism(int n, const float (*outer)[2], const float (*inner)[2], float h)
{
    float v[32][3];
    int f[64][3], t = 0;
    for (int k = 0; k < n; k++) {
        float pts[4][3] = {{outer[k][0], outer[k][1], 0},
                           {outer[k][0], outer[k][1], h},
                           {inner[k][0], inner[k][1], 0},
                           {inner[k][0], inner[k][1], h}};
        memcpy(v[4 * k], pts, sizeof pts);
    }
    for (int k = 0; k < n; k++) {
        int j = (k + 1) % n, ob = 4 * k, ot = 4 * k + 1, ib = 4 * k + 2, it = 4 * k + 3;
        int ob2 = 4 * j, ot2 = 4 * j + 1, ib2 = 4 * j + 2, it2 = 4 * j + 3;
        int q[8][3] = {{ob, ob2, ot2}, {ob, ot2, ot},  /* outer side, facing out */
                       {ib, it2, ib2}, {ib, it, it2},  /* inner side, facing in */
                       {ob, ib2, ob2}, {ob, ib, ib2},  /* bottom ring, facing down */
                       {ot, ot2, it2}, {ot, it2, it}}; /* top ring, facing up */
        for (int m = 0; m < 8; m++, t++)
            memcpy(f[t], q[m], sizeof q[m]);
    }
    return mesh_of((const float(*)[3])v, (const int(*)[3])f, t);
}

/* A ring of a regular n-gon (n ≤ 8) of circumradius r, its walls w thick square to their sides, h tall. */
static pf_mesh *regular_ring(int n, float r, float w, float h)
{
    float o[8][2], in[8][2], ri = r - w / cosf((float)M_PI / (float)n);
    for (int k = 0; k < n; k++) {
        float a = 2 * (float)M_PI / (float)n * (float)k, c = cosf(a), s = sinf(a);
        o[k][0] = r * c, o[k][1] = r * s, in[k][0] = ri * c, in[k][1] = ri * s;
    }
    return ring_prism(n, (const float(*)[2])o, (const float(*)[2])in, h);
}

/* A tube of 2 mm walls, hexagonal (walls at 60 degrees to the grid): its external band is the contours' own,
 * L·(b − a) (χ = 0), though no fill lies inside the walls; the cells' figure was 7.5 % larger, and the
 * external perimeters (printed at 25 mm/s, the inner ones at 45) as much slower. */
Test(estimate, a_hexagonal_tubes_external_band_is_its_contours)
{
    const float ro = 30, ri = 30 - 2 / cosf((float)M_PI / 6), h = 20;
    pf_mesh *m = regular_ring(6, ro, 2, h);
    pf_profile p = pf_profile_default();
    pf_estimate_cache *c = prepare(m, &p);
    double side_o = ro, side_i = ri, L = 6 * side_o + 6 * side_i; /* a regular hexagon's side is its radius */
    double want = L * (0.4287 - 0.02146);
    size_t n = pf_estimate_cache_layers(c);
    for (size_t l = 5; l < n - 5; l += 10) {
        double ext = pf_estimate_cache_layer(c, l)->wall_area[PF_CELL_WALL_EXT];
        cr_expect(fabs(ext / want - 1) < 0.02, "layer %zu: external band %.1f mm², want %.1f", l, ext, want);
    }
    pf_estimate_cache_free(c);
    pf_mesh_free(m);
}

/* A conical shell of 3 mm walls (measured across, horizontally) leaning 45° from the bed, open at both ends:
 * n sides, inner radius r at the bed. */
static pf_mesh *leaning_shell(int n, float r, float w, float h)
{
    static float v[4 * 180][3];
    static int f[8 * 180][3];
    cr_assert(n <= 180);
    for (int k = 0; k < n; k++) {
        float a = 2 * (float)M_PI / (float)n * (float)k, c = cosf(a), s = sinf(a);
        float pts[4][3] = {{(r + w) * c, (r + w) * s, 0},
                           {(r + w + h) * c, (r + w + h) * s, h},
                           {r * c, r * s, 0},
                           {(r + h) * c, (r + h) * s, h}};
        memcpy(v[4 * k], pts, sizeof pts);
    }
    int t = 0;
    for (int k = 0; k < n; k++) {
        int j = (k + 1) % n, ob = 4 * k, ot = 4 * k + 1, ib = 4 * k + 2, it = 4 * k + 3;
        int ob2 = 4 * j, ot2 = 4 * j + 1, ib2 = 4 * j + 2, it2 = 4 * j + 3;
        int q[8][3] = {{ob, ob2, ot2}, {ob, ot2, ot}, {ib, it2, ib2}, {ib, it, it2},
                       {ob, ib2, ob2}, {ob, ib, ib2}, {ot, ot2, it2}, {ot, it2, it}};
        for (int m = 0; m < 8; m++, t++)
            memcpy(f[t], q[m], sizeof q[m]);
    }
    return mesh_of((const float(*)[3])v, (const int(*)[3])f, t);
}

/* A 45° wall recedes 0.40 mm over two layers and 0.60 mm over three, under the widths at which PrusaSlicer
 * keeps a shell band (shell_min_width, fill_lo): it prints no solid fill in such a wall's middle. The
 * distance fields scatter by 0.1–0.16 mm there, so both rules take the wall's recession from its facets where
 * the fields come near the threshold (engine/shell_slopes.h); the rule of the layers 3 away once made 3–4 %
 * of the fill region solid specks, 8–12 paths a layer. */
Test(estimate, a_45_degree_walls_middle_gets_no_solid_specks)
{
    pf_mesh *m = leaning_shell(180, 27, 3, 20);
    pf_profile p = pf_profile_default();
    p.infill_density = 0;
    pf_estimate_cache *c = prepare(m, &p);
    size_t n = pf_estimate_cache_layers(c);
    double solid = 0, sparse = 0;
    for (size_t l = 10; l + 10 < n; l++) {
        const pf_layer_cells *lc = pf_estimate_cache_layer(c, l);
        solid += lc->fill_area[PF_FILL_SOLID];
        sparse += lc->fill_area[PF_FILL_SPARSE];
    }
    cr_assert_gt(sparse, 0);
    cr_expect_lt(solid / sparse, 0.02, "solid %.1f mm² against %.1f mm² of the fill region", solid, sparse);
    pf_estimate_cache_free(c);
    pf_mesh_free(m);
}

/* At 0 % a cube prints 3 bottom + 3 top layers of solid over the fill region (contour shrunk by 0.7338 mm,
 * lines covering it up to 0.05·s); nothing else is solid and nothing is sparse. */
Test(estimate, cube_solid_at_zero_infill_is_six_layers_of_boundary_area)
{
    pf_mesh *m = box(20, 20, 20);
    pf_profile p = pf_profile_default();
    pf_estimate_cache *c = prepare(m, &p);
    double s = 0.45 - 0.2 * (1 - M_PI / 4), s0 = 0.42 - 0.2 * (1 - M_PI / 4);
    double side = 20 - 2 * (0.7338 + 0.05 * s),
           side0 = 20 - 2 * (0.2 + 0.02146 + 2 * s0 - 0.25 * s0 + 0.05 * s0);
    size_t n = pf_estimate_cache_layers(c);
    for (size_t l = 0; l < n; l++) {
        const pf_layer_cells *lc = pf_estimate_cache_layer(c, l);
        double solid = lc->fill_area[PF_FILL_SOLID] + lc->fill_area[PF_FILL_TOP] +
                       lc->fill_area[PF_FILL_BRIDGE] + lc->fill_area[PF_FILL_IBRIDGE] +
                       lc->fill_area[PF_FILL_FIRST];
        double want = l == 0 ? side0 * side0 : (l < 3 || l >= n - 3) ? side * side : 0;
        cr_assert_float_eq(solid, want, 400 * 0.005, "layer %zu: solid %f, want %f", l, solid, want);
        if (l >= 3 && l < n - 3)
            cr_assert_float_eq(lc->fill_area[PF_FILL_SPARSE], side * side, 400 * 0.005, "layer %zu sparse",
                               l);
    }
    pf_estimate_cache_free(c);
    pf_mesh_free(m);
}

/* At 20 % the lowest of a cube's top shells lies on sparse infill: PrusaSlicer prints it as an internal
 * bridge (bridge_over_infill), over the whole fill region (far wider than its 3-bridge-width opening); the
 * solid layers above it lie on solid, and the bottom ones on the bed or solid, so they stay solid. */
Test(estimate, the_solid_layer_over_sparse_infill_is_an_internal_bridge)
{
    pf_mesh *m = box(20, 20, 20);
    pf_profile p = pf_profile_default();
    p.infill_density = 0.2;
    pf_estimate_cache *c = prepare(m, &p);
    size_t n = pf_estimate_cache_layers(c);
    cr_assert_gt(n, 10);
    for (size_t l = 0; l < n; l++) {
        const pf_layer_cells *lc = pf_estimate_cache_layer(c, l);
        float ib = lc->fill_area[PF_FILL_IBRIDGE], solid = lc->fill_area[PF_FILL_SOLID];
        if (l == n - 3) {
            cr_expect_gt(ib, 0.9f * 18.5f * 18.5f, "layer %zu: internal bridge %.1f mm²", l, ib);
            cr_expect_lt(solid, 0.05f * ib, "layer %zu: solid %.1f mm² beside the bridge", l, solid);
        } else {
            cr_expect_eq(ib, 0.0f, "layer %zu of %zu: internal bridge %.1f mm²", l, n, ib);
        }
    }
    pf_estimate_cache_free(c);
    pf_mesh_free(m);
}

/* A cache re-prices every density of its regime (above 0, or 0: engine/estimate.h) as a fresh estimate does;
 * 0 % gets a cache of its own, whose margins stay off the voids. */
Test(estimate, reevaluation_equals_fresh_estimate)
{
    pf_mesh *m = load("bracket.stl");
    pf_profile p = pf_profile_default(), p0 = p;
    p0.infill_density = 0;
    pf_estimate_cache *c = prepare(m, &p), *c0 = prepare(m, &p0);
    for (int pct = 0; pct <= 100; pct += 25) {
        pf_profile q = p;
        q.infill_density = pct / 100.0;
        pf_estimate fresh, again;
        cr_assert_eq(pf_estimate_run(m, &q, pf_backend_scalar(), &fresh, NULL), PF_E_OK);
        cr_assert_eq(pf_estimate_eval(pct ? c : c0, pct / 100.0, 0, &again, NULL), PF_E_OK);
        cr_assert_eq(again.weight_g, fresh.weight_g, "%d %%: %f vs %f g", pct, again.weight_g,
                     fresh.weight_g);
        cr_assert_eq(again.print_time_s, fresh.print_time_s, "%d %%", pct);
        cr_assert_eq(memcmp(again.volume_mm3, fresh.volume_mm3, sizeof again.volume_mm3), 0);
    }
    pf_estimate e, e0;
    cr_assert_eq(pf_estimate_eval(c, 1.5, 0, &e, NULL), PF_E_INVAL);
    /* the bracket's 3 mm margins over its sparse infill are more than its 0 % shells keep */
    cr_assert_eq(pf_estimate_eval(c, 0, 0, &e, NULL), PF_E_OK);
    cr_assert_eq(pf_estimate_eval(c0, 0, 0, &e0, NULL), PF_E_OK);
    cr_assert_gt(e.weight_g, e0.weight_g * 1.01, "%f vs %f g", e.weight_g, e0.weight_g);
    cr_assert(!pf_estimate_cache_zero(c) && pf_estimate_cache_zero(c0));
    pf_estimate_cache_free(c);
    pf_estimate_cache_free(c0);
    pf_mesh_free(m);
}

Test(estimate, more_infill_weighs_more_and_takes_longer)
{
    pf_mesh *m = load("cube20.stl");
    pf_profile p = pf_profile_default();
    pf_estimate_cache *c = prepare(m, &p);
    pf_estimate prev;
    cr_assert_eq(pf_estimate_eval(c, 0, 0, &prev, NULL), PF_E_OK);
    cr_assert_eq(prev.volume_mm3[PF_FEAT_INFILL], 0.0);
    for (int pct = 10; pct <= 100; pct += 10) {
        pf_estimate e;
        cr_assert_eq(pf_estimate_eval(c, pct / 100.0, 0, &e, NULL), PF_E_OK);
        cr_assert_gt(e.weight_g, prev.weight_g, "%d %%", pct);
        cr_assert_gt(e.print_time_s, prev.print_time_s, "%d %%", pct);
        cr_assert_float_eq(e.job_time_s, e.print_time_s + p.preparation_time, 1e-9);
        prev = e;
    }
    /* 100 %: nearly the solid volume of the cube (8 cm³), PrusaSlicer 8.07. */
    cr_assert_float_eq(prev.volume_total_mm3, 8000, 8000 * 0.03);
    pf_estimate_cache_free(c);
    pf_mesh_free(m);
}

/* Sixteen 3 mm pins: their fill regions (1.5 mm across) are narrower than the sparse spacing at 10 % (4 mm),
 * so a layer's lines land in a few pins only, and only those pins get a sparse path, with its travel and
 * retraction. PrusaSlicer: 3100 s at 0 %, 3103 s at 10 %. Counting a path in every pin made 10 % take 20 %
 * longer than 0 %. */
Test(estimate, pins_narrower_than_the_sparse_spacing_add_few_paths)
{
    pf_mesh *m = load("extra/pins.stl");
    pf_profile p = pf_profile_default();
    pf_estimate_cache *c = prepare(m, &p);
    pf_estimate e0, e10;
    cr_assert_eq(pf_estimate_eval(c, 0, 0, &e0, NULL), PF_E_OK);
    cr_assert_eq(pf_estimate_eval(c, 0.1, 0, &e10, NULL), PF_E_OK);
    cr_assert_gt(e10.print_time_s, e0.print_time_s);
    cr_expect_lt(e10.print_time_s, 1.08 * e0.print_time_s, "0 %%: %.0f s, 10 %%: %.0f s", e0.print_time_s,
                 e10.print_time_s);
    pf_estimate_cache_free(c);
    pf_mesh_free(m);
}

/* Travel and retraction time (s) of the estimate of c at infill density (0 … 1). */
static double moves_at(const pf_estimate_cache *c, double density)
{
    pf_estimate e;
    cr_assert_eq(pf_estimate_eval(c, density, 0, &e, NULL), PF_E_OK);
    return e.time_s[PF_TIME_TRAVEL] + e.time_s[PF_TIME_OTHER];
}

/* A honeycomb panel's sparse infill lies in small pieces between its cells, each printed as a path of its
 * own (PrusaSlicer: 56 a layer at 20 %, 2244 in 40 layers), each after a travel and a retraction: far more
 * than one per island (engine/fill_chains.c). */
Test(estimate, a_honeycombs_sparse_infill_prints_a_path_per_piece)
{
    pf_mesh *m = load("extra/honey.stl");
    pf_profile p = pf_profile_default();
    pf_estimate_cache *c = prepare(m, &p);
    double moves0 = moves_at(c, 0), moves20 = moves_at(c, 0.2);
    /* at least 20 paths a layer of at least a quarter second (a retraction's z-hop alone takes more) */
    cr_expect_gt(moves20 - moves0, 20 * 0.25 * (double)pf_estimate_cache_layers(c),
                 "travel and retractions: %.0f s at 0 %%, %.0f s at 20 %%", moves0, moves20);
    pf_estimate_cache_free(c);
    pf_mesh_free(m);
}

/* A ramp: a wedge 60 mm long and 30 mm wide rising at `deg` degrees along x to a vertical face at x = 60. */
static pf_mesh *ramp(double deg)
{
    float h = (float)(60 * tan(deg * M_PI / 180));
    const float v[6][3] = {{0, 0, 0}, {60, 0, 0}, {60, 0, h}, {0, 30, 0}, {60, 30, 0}, {60, 30, h}};
    static const int f[8][3] = {{0, 1, 2}, {3, 5, 4}, {0, 3, 4}, {0, 4, 1},
                                {1, 4, 5}, {1, 5, 2}, {0, 2, 5}, {0, 5, 3}};
    return mesh_of(v, f, 8);
}

/* Under a 10° ramp each layer's top surface is the 1.13 mm strip the layer above leaves; with its 3 mm
 * margin the top fill reaches 4.1 mm in from the layer's edge. PrusaSlicer's vertical shells take the top
 * surfaces of the two layers above after that margin growth (and 0.427 mm more), so internal solid runs on
 * to 6.8 mm: a 2.7 mm × 30 mm band a layer (PrusaSlicer: 16 mm³ a layer), between the top fill and the
 * sparse infill. Shells of the neighbours' slices alone give none. */
Test(estimate, a_ramps_shells_reach_the_margins_of_the_two_layers_above)
{
    pf_mesh *m = ramp(10);
    pf_profile p = pf_profile_default();
    pf_estimate_cache *c = prepare(m, &p);
    size_t n = pf_estimate_cache_layers(c);
    cr_assert_gt(n, 45);
    for (size_t l = 10; l < n - 10; l++) {
        const pf_layer_cells *lc = pf_estimate_cache_layer(c, l);
        double solid = lc->fill_area[PF_FILL_SOLID] + lc->fill_area[PF_FILL_IBRIDGE];
        cr_expect(solid > 30 * 2.0 && solid < 30 * 3.4, "layer %zu: internal solid %.1f mm², want about %.0f",
                  l, solid, 30 * 2.7);
    }
    pf_estimate_cache_free(c);
    pf_mesh_free(m);
}

/* A 15° ramp recedes 0.746 mm a layer, 0.013 mm past the fill boundary (0.734 mm in): each layer's top
 * surface is a strip that thin, and PrusaSlicer still grows it by the 3 mm margin into top fill (an 80 mm
 * cone of 15° at 10 %: 1.6 m of top infill a layer; at 16° none). The cells saw such a strip only where a
 * centre fell in it: a few cells a layer, or none. At 16.5° the layer above covers the whole fill region. */
Test(estimate, a_15_degree_ramps_thin_top_strips_grow_their_margin)
{
    pf_profile p = pf_profile_default();
    p.infill_density = 0.2;
    for (int k = 0; k < 2; k++) {
        double deg = k ? 16.5 : 15.0;
        pf_mesh *m = ramp(deg);
        pf_estimate_cache *c = prepare(m, &p);
        size_t n = pf_estimate_cache_layers(c), banded = 0;
        cr_assert_gt(n, 40);
        for (size_t l = 10; l < n - 10; l++) {
            double top = pf_estimate_cache_layer(c, l)->fill_area[PF_FILL_TOP];
            banded += top > 30 * 1.0;
            if (k == 0)
                cr_expect(top > 30 * 2.5 && top < 30 * 4.0,
                          "15°, layer %zu: top fill %.1f mm², want about %.0f", l, top, 30 * 3.3);
        }
        if (k == 1) /* the fields may still make a seed on a layer here and there */
            cr_expect_lt(banded, (n - 20) / 10, "16.5°: %zu of %zu layers with a top band", banded, n - 20);
        pf_estimate_cache_free(c);
        pf_mesh_free(m);
    }
}

/* At 0 % infill a 12° ramp's top strip is 0.21 mm wide, narrower than a top line (0.357 mm), and grows over
 * nothing: PrusaSlicer prints no top infill there (cones of 11–14° at 0 %: 16–22 s of it in all, against
 * 2 000 s of solid infill), the band is solid infill. The cells caught the strip here and there and made top
 * pieces of it and of the shells' band beside it, at the top speed (a 90 mm cone of 12°: +18.6 % in time).
 * A 10° ramp's 0.40 mm strip keeps its top line (PrusaSlicer: 46 mm of top infill a layer). */
Test(estimate, at_0_percent_a_top_strip_narrower_than_a_line_prints_as_solid)
{
    pf_profile p = pf_profile_default();
    p.infill_density = 0;
    for (int k = 0; k < 2; k++) {
        pf_mesh *m = ramp(k ? 10.0 : 12.0);
        pf_estimate_cache *c = prepare(m, &p);
        size_t n = pf_estimate_cache_layers(c), with_top = 0;
        cr_assert_gt(n, 40);
        for (size_t l = 10; l < n - 10; l++) {
            const pf_layer_cells *lc = pf_estimate_cache_layer(c, l);
            double top = lc->fill_area[PF_FILL_TOP], solid = lc->fill_area[PF_FILL_SOLID];
            with_top += top > 30 * 0.1;
            if (k == 0) cr_expect(solid > 30 * 1.5, "12°, layer %zu: solid %.1f mm²", l, solid);
        }
        if (k == 0)
            cr_expect_eq(with_top, 0, "12°: %zu of %zu layers with top fill", with_top, n - 20);
        else
            cr_expect_gt(with_top, (n - 20) * 9 / 10, "10°: %zu of %zu layers with top fill", with_top,
                         n - 20);
        pf_estimate_cache_free(c);
        pf_mesh_free(m);
    }
}

/* The top of a wall a little over two perimeters' width on each side: its fill region is a middle too narrow
 * for infill, which Arachne's beads cover, on the top layer as on the others (PrusaSlicer: no top infill on
 * a roof 2 mm across sloping at 15°, where the estimate printed 230 mm of it a layer). A top or bottom
 * surface on a wall's middle is that middle (PF_FILL_MIDDLE), not top fill: a 2 mm rib's top layer has none,
 * a 4 mm rib's has its 2.5 mm wide fill region's worth. */
Test(estimate, a_thin_walls_top_is_its_beads_not_top_fill)
{
    pf_profile p = pf_profile_default();
    for (int k = 0; k < 2; k++) {
        pf_mesh *m = box(40, k ? 4.0f : 2.0f, 10);
        pf_estimate_cache *c = prepare(m, &p);
        size_t n = pf_estimate_cache_layers(c);
        double top = 0;
        for (size_t l = n - 5; l < n; l++)
            top += pf_estimate_cache_layer(c, l)->fill_area[PF_FILL_TOP];
        if (k == 0)
            cr_expect(top < 1.0, "2 mm rib: %.1f mm² of top fill on its top layers", top);
        else
            cr_expect(top > 40 * 1.5, "4 mm rib: %.1f mm² of top fill on its top layers", top);
        pf_estimate_cache_free(c);
        pf_mesh_free(m);
    }
}

/* At 0 % infill there is no infill for the margins to grow over (PrusaSlicer grows them only where the layer
 * below covers the fill, within 0.9 mm of its fill's edge): the ramp's top fill stays the 0.4 mm strip the
 * layer above leaves (and the shells' 0.43 mm), not 3.4 mm; the shells still make a band about 3 mm wide
 * (PrusaSlicer: 100 mm² a layer at 0 %, 177 at 20 %). */
Test(estimate, a_ramps_top_margin_does_not_grow_over_zero_infill)
{
    pf_mesh *m = ramp(10);
    pf_profile p = pf_profile_default();
    for (int pct = 0; pct <= 20; pct += 20) {
        p.infill_density = pct / 100.0;
        pf_estimate_cache *c = prepare(m, &p);
        size_t n = pf_estimate_cache_layers(c);
        for (size_t l = 10; l < n - 10; l++) {
            const pf_layer_cells *lc = pf_estimate_cache_layer(c, l);
            double top = lc->fill_area[PF_FILL_TOP],
                   band = top + lc->fill_area[PF_FILL_SOLID] + lc->fill_area[PF_FILL_IBRIDGE];
            if (pct == 0) {
                cr_expect(top < 30 * 1.5, "0 %%, layer %zu: top fill %.1f mm²", l, top);
                cr_expect(band > 30 * 2.3 && band < 30 * 3.8, "0 %%, layer %zu: solid band %.1f mm²", l,
                          band);
            } else {
                cr_expect(top > 30 * 2.5, "20 %%, layer %zu: top fill %.1f mm²", l, top);
                cr_expect(band > 30 * 4.5, "20 %%, layer %zu: solid band %.1f mm²", l, band);
            }
        }
        pf_estimate_cache_free(c);
    }
    pf_mesh_free(m);
}

/* A 10 × 10 × 1.2 mm block (6 solid layers) prints each layer in a few seconds: the cooling slowdown
 * stretches every layer to at least the 15 s minimum layer time (its paths are long enough to fill 15 s at
 * the 15 mm/s floor). */
Test(estimate, tiny_layers_are_stretched_to_min_layer_time)
{
    pf_mesh *m = box(10, 10, 1.2f);
    pf_profile p = pf_profile_default();
    pf_estimate e;
    cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, NULL), PF_E_OK);
    cr_assert_eq(e.layers, 6);
    cr_assert_eq(e.slowed_layers, 6);
    cr_assert_geq(e.print_time_s, 6 * 15.0);
    cr_assert_lt(e.print_time_s, 6 * 15.0 * 1.5);
    p.min_layer_time = 0;
    pf_estimate fast;
    cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &fast, NULL), PF_E_OK);
    cr_assert_eq(fast.slowed_layers, 0);
    cr_assert_lt(fast.print_time_s, e.print_time_s * 0.8);
    pf_mesh_free(m);
}

/* PrusaSlicer adds no dwell: a layer too small to last 15 s even at min_print_speed runs at that floor and
 * stays shorter than 15 s. */
Test(estimate, layers_too_small_for_min_speed_get_no_dwell)
{
    pf_mesh *m = box(3, 3, 1);
    pf_profile p = pf_profile_default();
    pf_estimate e;
    cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, NULL), PF_E_OK);
    cr_assert_eq(e.slowed_layers, e.layers);
    cr_assert_lt(e.print_time_s, e.layers * 15.0);
    pf_mesh_free(m);
}

/* Supports add their own volume and time and change nothing else; a cache prepared without them cannot
 * give them (where they stand is worked out while preparing). */
Test(estimate, supports_count_overhangs_off_the_bed)
{
    pf_mesh *m = load("overhang.stl");
    pf_profile p = pf_profile_default();
    pf_estimate_cache *plain = prepare(m, &p);
    p.supports = 1;
    pf_estimate_cache *c = prepare(m, &p);
    pf_estimate off, on, plain_off;
    pf_errbuf eb = {{0}};
    cr_assert_not(pf_estimate_cache_supports(plain));
    cr_assert(pf_estimate_cache_supports(c));
    cr_assert_eq(pf_estimate_eval(plain, 0.2, 1, &on, &eb), PF_E_INVAL);
    cr_assert(strstr(eb.msg, "supports"), "%s", eb.msg);
    cr_assert_eq(pf_estimate_eval(plain, 0.2, 0, &plain_off, NULL), PF_E_OK);
    cr_assert_eq(pf_estimate_eval(c, 0.2, 0, &off, NULL), PF_E_OK);
    cr_assert_eq(pf_estimate_eval(c, 0.2, 1, &on, NULL), PF_E_OK);
    cr_assert_float_eq(off.weight_g, plain_off.weight_g, 1e-12, "supports off: the same estimate");
    cr_assert_float_eq(off.print_time_s, plain_off.print_time_s, 1e-9);
    cr_assert_gt(off.overhang_area_mm2, 0);
    cr_assert_eq(off.volume_mm3[PF_FEAT_SUPPORT], 0);
    cr_assert_gt(on.volume_mm3[PF_FEAT_SUPPORT], 0);
    cr_assert_float_eq(on.support_volume_mm3, on.volume_mm3[PF_FEAT_SUPPORT], 1e-9);
    for (int k = 0; k < PF_FEAT_N; k++)
        if (k != PF_FEAT_SUPPORT)
            cr_assert_float_eq(on.volume_mm3[k], off.volume_mm3[k], 1e-9, "feature %d", k);
    cr_assert_gt(on.weight_g, off.weight_g);
    cr_assert_gt(on.time_s[PF_FEAT_SUPPORT], 0);
    cr_assert_gt(on.print_time_s, off.print_time_s);
    pf_estimate_cache_free(plain);
    pf_estimate_cache_free(c);
    pf_mesh_free(m);
}

/* The profile's support density, when set, spaces the base lines instead of support_material_spacing: at 0.3
 * (against the 2 mm gap's 0.13) the base takes 2.3 times the lines, the interface and first layer the same.
 */
Test(estimate, support_density_spaces_the_base_lines)
{
    pf_mesh *m = load("overhang.stl");
    pf_profile p = pf_profile_default();
    p.supports = 1;
    pf_estimate_cache *a = prepare(m, &p);
    p.support_density = 0.3;
    pf_estimate_cache *b = prepare(m, &p);
    pf_estimate ea, eb;
    cr_assert_eq(pf_estimate_eval(a, 0.2, 1, &ea, NULL), PF_E_OK);
    cr_assert_eq(pf_estimate_eval(b, 0.2, 1, &eb, NULL), PF_E_OK);
    double va = ea.volume_mm3[PF_FEAT_SUPPORT], vb = eb.volume_mm3[PF_FEAT_SUPPORT];
    cr_assert_gt(vb, 1.3 * va, "support %.0f mm³ at 0.3 against %.0f", vb, va);
    cr_assert_lt(vb, 2.3 * va, "support %.0f mm³ at 0.3 against %.0f", vb, va);
    cr_assert_gt(eb.time_s[PF_FEAT_SUPPORT], ea.time_s[PF_FEAT_SUPPORT]);
    p.support_density = 1.5;
    pf_errbuf eb2 = {{0}};
    cr_assert_eq(pf_profile_validate(&p, &eb2), PF_E_INVAL);
    pf_estimate_cache_free(a);
    pf_estimate_cache_free(b);
    pf_mesh_free(m);
}

/* support_material_threshold 0 detects the faces as PrusaSlicer does: those reaching over the layer below by
 * half an external perimeter's width a layer, i.e. flatter than atan(h / (w_ext / 2)). */
Test(estimate, support_threshold_zero_detects_half_a_perimeter_reach)
{
    pf_mesh *m = load("overhang.stl");
    pf_profile p = pf_profile_default();
    p.supports = 1;
    p.support_threshold = 0;
    pf_estimate_cache *a = prepare(m, &p);
    p.support_threshold = atan2(p.layer_height, p.w_ext / 2) * 180 / M_PI;
    pf_estimate_cache *b = prepare(m, &p);
    p.support_threshold = 60;
    pf_estimate_cache *c = prepare(m, &p);
    pf_estimate ea, eb, ec;
    cr_assert_eq(pf_estimate_eval(a, 0.2, 1, &ea, NULL), PF_E_OK);
    cr_assert_eq(pf_estimate_eval(b, 0.2, 1, &eb, NULL), PF_E_OK);
    cr_assert_eq(pf_estimate_eval(c, 0.2, 1, &ec, NULL), PF_E_OK);
    cr_assert_eq(ea.volume_mm3[PF_FEAT_SUPPORT], eb.volume_mm3[PF_FEAT_SUPPORT]);
    /* overhang's ramps lean 30, 45 and 60° from the vertical: at 60° from the horizontal more of them is held
     */
    cr_assert_gt(ec.volume_mm3[PF_FEAT_SUPPORT], ea.volume_mm3[PF_FEAT_SUPPORT]);
    pf_estimate_cache_free(a);
    pf_estimate_cache_free(b);
    pf_estimate_cache_free(c);
    pf_mesh_free(m);
}

/* A square frustum standing on its small face: side a0 at the bed, a1 at height h, centred. */
static pf_mesh *frustum(float a0, float a1, float h)
{
    float p = a0 / 2, q = a1 / 2;
    const float v[8][3] = {{-p, -p, 0}, {p, -p, 0}, {p, p, 0}, {-p, p, 0},
                           {-q, -q, h}, {q, -q, h}, {q, q, h}, {-q, q, h}};
    static const int f[12][3] = {{0, 2, 1}, {0, 3, 2}, {4, 5, 6}, {4, 6, 7}, {0, 1, 5}, {0, 5, 4},
                                 {1, 2, 6}, {1, 6, 5}, {2, 3, 7}, {2, 7, 6}, {3, 0, 4}, {3, 4, 7}};
    return mesh_of(v, f, 12);
}

/* The external loops' total length over layers 1 … of a frustum whose side grows by 2·step a layer (0.2 mm
 * layers; each loop runs w_ext / 2 inside the slice, whose side at layer l is a0 + 2·step·(l + 0.5)). */
static double frustum_ext_loops(float a0, double step, size_t layers, const pf_profile *p)
{
    double sum = 0;
    for (size_t l = 1; l < layers; l++)
        sum += 4 * (a0 + 2 * step * (l + 0.5) - p->w_ext);
    return sum;
}

/* A cache with steep or linear layers interpolated (engine/estimate.c steep_modes, lin_modes) against one
 * whose every layer went through the stages against its neighbours (PF_EST_NO_SKIP), on the SIMD backend: the
 * estimate within tol, the areas summed over the layers within 1.5·tol. */
static void check_steep_at(const pf_mesh *m, const char *what, const pf_profile *p, double density,
                           size_t min_skipped, double tol)
{
    pf_backend *be = NULL;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_backend_get("simd", &be, &eb), PF_E_OK, "%s", eb.msg);
    pf_estimate_cache *c = NULL, *full = NULL;
    cr_assert_eq(pf_estimate_prepare_opts(m, p, be, 2, 0, &c, &eb), PF_E_OK, "%s: %s", what, eb.msg);
    cr_assert_eq(pf_estimate_prepare_opts(m, p, be, 2, PF_EST_NO_SKIP, &full, &eb), PF_E_OK, "%s", eb.msg);
    size_t nl = pf_estimate_cache_layers(c);
    cr_assert_eq(pf_estimate_cache_skipped(full), 0, "%s", what);
    cr_assert_geq(pf_estimate_cache_skipped(c), min_skipped, "%s: %zu of %zu layers skipped", what,
                  pf_estimate_cache_skipped(c), nl);
    if (!min_skipped) cr_assert_eq(pf_estimate_cache_skipped(c), 0, "%s", what);
    /* per layer near (a skipped layer's raster would follow a moving wall in steps of a cell row: 3 % of a
     * slow frustum's area), over all layers nearer */
    double sum[2][4] = {{0}};
    for (size_t l = 0; l < nl; l++) {
        const pf_layer_cells *lc[2] = {pf_estimate_cache_layer(c, l), pf_estimate_cache_layer(full, l)};
        for (int k = 0; k < 2; k++) {
            sum[k][0] += lc[k]->area;
            sum[k][1] += lc[k]->wall_area[PF_CELL_WALL_EXT];
            sum[k][2] += lc[k]->wall_area[PF_CELL_WALL_INT];
            sum[k][3] += lc[k]->fill_area[PF_FILL_SPARSE];
        }
        cr_assert_leq(fabs(lc[0]->area - lc[1]->area), 0.05 * lc[1]->area, "%s layer %zu: %f vs %f mm²", what,
                      l, lc[0]->area, lc[1]->area);
    }
    static const char *name[4] = {"area", "external band", "inner band", "sparse fill"};
    for (int q = 0; q < 4; q++)
        cr_assert_leq(fabs(sum[0][q] - sum[1][q]), 1.5 * tol * sum[1][q], "%s %s: %f vs %f mm²", what,
                      name[q], sum[0][q], sum[1][q]);
    pf_estimate e, ef;
    cr_assert_eq(pf_estimate_eval(c, density, 0, &e, NULL), PF_E_OK);
    cr_assert_eq(pf_estimate_eval(full, density, 0, &ef, NULL), PF_E_OK);
    cr_assert_leq(fabs(e.weight_g - ef.weight_g), tol * ef.weight_g, "%s: %f vs %f g", what, e.weight_g,
                  ef.weight_g);
    cr_assert_leq(fabs(e.print_time_s - ef.print_time_s), tol * ef.print_time_s, "%s: %f vs %f s", what,
                  e.print_time_s, ef.print_time_s);
    pf_estimate_cache_free(c);
    pf_estimate_cache_free(full);
    pf_backend_free(be);
}

static void check_steep(const pf_mesh *m, const char *what, size_t min_skipped)
{
    pf_profile p = pf_profile_default();
    check_steep_at(m, what, &p, 0.2, min_skipped, 0.002);
}

/* Steep layers: a twisted tower (180 mm, walls within 7° of upright) and a frustum widening by 0.05 mm a
 * layer have most of their layers interpolated, their areas, bands and sparse fill summed over the layers
 * within 0.3 % of every layer's own stages, the estimate within 0.2 %; a prism has none (its layers are
 * copies); spikes' tips are not interpolated. The tower's 900 layers run wide (engine/estimate.c
 * STEEP_P_WIDE): over 700 skipped, where anchors STEEP_P apart skip 675 at most; the tapering star's wide
 * runs fail their checks and are split (wide_split), their halves checked as runs of STEEP_P. */
Test(estimate, steep_layers_are_interpolated_near_their_own_stages)
{
    pf_mesh *m = load("tower.stl");
    check_steep(m, "tower", 700);
    pf_mesh_free(m);
    m = frustum(20, 24, 40);
    check_steep(m, "slow frustum", 100);
    pf_mesh_free(m);
    /* cones narrowing to a point (a bed of 25 spikes): near the tips the walls fill the shrinking sections,
     * and layers 8 apart differ too much for a line between them (1.6 % in time at 0.3 mm, 3 perimeters, 100
     * %): those between go through the stages after all (steep_check) */
    m = load("extra/spikes.stl");
    pf_profile p = pf_profile_default();
    p.layer_height = 0.3;
    p.perimeters = 3;
    check_steep_at(m, "spikes", &p, 1.0, 0, 0.002);
    pf_mesh_free(m);
    m = box(20, 20, 20);
    check_steep(m, "cube", 0);
    pf_mesh_free(m);
    /* a twisted star tapering by 8 % of its area every 8 layers (a held-out mesh): anchors more apart than
     * steep_apart allows, but on a line with the anchors before them (steep_bent) */
    m = load("extra/tstar.stl");
    check_steep(m, "tapering star", 50);
    pf_mesh_free(m);
}

/* Linear layers (engine/estimate.c lin_modes): where no facet has a corner within reach, the slices are cut
 * from the same facets and change smoothly, and of each 8 layers two go through all the stages against their
 * real neighbours, the others interpolated: 30° frustums (walls moving 0.115 mm a layer, narrowing and
 * widening) and the overhang test's ramps as near their own stages as the steep layers are. A 45° frustum's
 * walls move 0.2 mm a layer, where the shell rule (0.47 mm within two layers) fires on the raster's steps in
 * 4 of each 9 layers, which layers 8 apart do not see: within 4 % (PrusaSlicer 2.5 at 0 % and 20 %: 1.42 and
 * 2.33 g, 791 and 974 s; all the stages 1.51 and 2.41 g, 810 and 989 s; interpolated 1.44 and 2.36 g, 750
 * and 960 s). */
Test(estimate, linear_layers_are_interpolated_near_their_own_stages)
{
    pf_profile p = pf_profile_default();
    pf_mesh *m = frustum(30, 18.5f, 10);
    check_steep(m, "30° frustum", 10);
    pf_mesh_free(m);
    m = frustum(18.5f, 30, 10);
    check_steep(m, "30° overhanging frustum", 10);
    pf_mesh_free(m);
    m = load("overhang.stl");
    check_steep(m, "overhang", 10);
    pf_mesh_free(m);
    m = frustum(30, 10, 10);
    check_steep_at(m, "45° frustum", &p, 0.2, 10, 0.04);
    pf_mesh_free(m);
    /* a hollow 45° cone of 2144 facets (a held-out mesh): specks of solid infill that come and go from one
     * anchor to the next (lin_bent) leave most of its linear layers interpolated */
    m = load("extra/cone45w30.stl");
    check_steep_at(m, "45° cone", &p, 0.2, 40, 0.01);
    pf_mesh_free(m);
    /* a 70 mm pyramid 9.4 mm high (a held-out mesh): its area is quadratic in the height, and its linear runs
     * end at its first layer and at its apex, where the parabola through four anchors is checked on the
     * other side (lin_check): 24 of its 47 layers interpolated (12 before) */
    m = load("extra/tent15.stl");
    check_steep_at(m, "15° pyramid", &p, 0.2, 20, 0.01);
    pf_mesh_free(m);
    /* a hollow pyramid of 1.6 mm walls (a held-out mesh): its thin walls' areas jump by a few per cent from
     * one anchor to the next as they cross the cell centres, which lin_bent takes for the raster's noise
     * (LIN_NOISE), not a bend: its linear runs interpolated, not sent through the stages again */
    m = load("extra/pyr_hollow.stl");
    check_steep_at(m, "hollow pyramid", &p, 0.2, 120, 0.015);
    pf_mesh_free(m);
}

/* Linear layers that no layer through the stages reads (engine/estimate.c lin_trim) are not rastered, and
 * those whose field alone is read get no margins: a 50 mm pyramid (a held-out mesh) runs wide, its anchors 16
 * layers apart, and 7 of each run's 16 layers are read by none; overhang's ramps run 8 apart, 1 layer of each
 * 8 read for its field alone. What nothing reads changes nothing: every layer's sums and the estimate are
 * those with every linear layer's field and margins made (PF_EST_NO_TRIM), bit for bit, on one thread
 * (batches) and two (lanes). */
Test(estimate, linear_layers_nothing_reads_are_not_rastered)
{
    static const struct {
        const char *file;
        size_t fewer; /* layers left unrastered at least */
    } parts[] = {{"extra/pyramid.stl", 60}, {"overhang.stl", 0}};
    pf_profile p = pf_profile_default();
    pf_backend *be = NULL;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_backend_get("simd", &be, &eb), PF_E_OK, "%s", eb.msg);
    for (size_t k = 0; k < sizeof parts / sizeof *parts; k++) {
        pf_mesh *m = load(parts[k].file);
        for (int threads = 1; threads <= 2; threads++) {
            pf_estimate_cache *c = NULL, *all = NULL;
            cr_assert_eq(pf_estimate_prepare_opts(m, &p, be, threads, 0, &c, &eb), PF_E_OK, "%s", eb.msg);
            cr_assert_eq(pf_estimate_prepare_opts(m, &p, be, threads, PF_EST_NO_TRIM, &all, &eb), PF_E_OK,
                         "%s", eb.msg);
            size_t nl = pf_estimate_cache_layers(c);
            cr_assert_eq(pf_estimate_cache_layers(all), nl);
            cr_assert_geq(pf_estimate_cache_unrastered(c), pf_estimate_cache_unrastered(all) + parts[k].fewer,
                          "%s: %zu layers unrastered, %zu without the trim", parts[k].file,
                          pf_estimate_cache_unrastered(c), pf_estimate_cache_unrastered(all));
            for (size_t l = 0; l < nl; l++)
                cr_assert(!memcmp(pf_estimate_cache_layer(c, l), pf_estimate_cache_layer(all, l),
                                  sizeof(pf_layer_cells)),
                          "%s: layer %zu of %zu (%d threads)", parts[k].file, l, nl, threads);
            pf_estimate e, ea;
            cr_assert_eq(pf_estimate_eval(c, 0.2, 0, &e, NULL), PF_E_OK);
            cr_assert_eq(pf_estimate_eval(all, 0.2, 0, &ea, NULL), PF_E_OK);
            cr_assert_eq(e.weight_g, ea.weight_g, "%s", parts[k].file);
            cr_assert_eq(e.print_time_s, ea.print_time_s, "%s", parts[k].file);
            pf_estimate_cache_free(c);
            pf_estimate_cache_free(all);
        }
        pf_mesh_free(m);
    }
    pf_backend_free(be);
}

/* PrusaSlicer prints the parts of loops farther than half the nozzle outside the layer below as overhang
 * perimeters (bridge speed, no cooling slowdown). Walls that step out 0.6 mm a layer put the external
 * loop (0.225 mm in) 0.375 mm past the layer below, the inner one (0.63 mm in) not past it; at 1.2 mm a
 * layer both. A cube has none. */
Test(estimate, loops_over_air_are_overhang_walls)
{
    pf_profile p = pf_profile_default();
    p.infill_density = 0.2;
    pf_mesh *cube = box(20, 20, 20);
    pf_estimate e;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_estimate_run(cube, &p, pf_backend_scalar(), &e, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(e.overhang_wall_mm, 0.0);
    pf_mesh_free(cube);

    const double steps[2] = {0.6, 1.2};
    for (int i = 0; i < 2; i++) {
        pf_mesh *m = frustum(10, (float)(10 + 2 * steps[i] * 20), 4);
        cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, &eb), PF_E_OK, "%s", eb.msg);
        cr_assert_eq(e.layers, 20);
        double ext = frustum_ext_loops(10, steps[i], e.layers, &p);
        double walls = (e.volume_mm3[PF_FEAT_EXT_PERIMETER] + e.volume_mm3[PF_FEAT_PERIMETER]) /
                       (p.layer_height * (p.w_perim - p.layer_height * (1 - M_PI / 4)));
        if (i == 0) /* the external loops of layers 1 …, not the inner ones */
            cr_expect(fabs(e.overhang_wall_mm / ext - 1) < 0.1, "%g mm over air, external loops %g mm",
                      e.overhang_wall_mm, ext);
        else /* every loop above layer 0 */
            cr_expect(e.overhang_wall_mm > 1.6 * ext && e.overhang_wall_mm < 1.05 * walls,
                      "%g mm over air, external loops %g mm, all walls about %g mm", e.overhang_wall_mm, ext,
                      walls);
        pf_mesh_free(m);
    }
}

Test(estimate, flat_and_empty_meshes_are_refused)
{
    pf_mesh *m = box(10, 10, 0.05f);
    pf_profile p = pf_profile_default();
    pf_estimate e;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, &eb), PF_E_EMPTY_MESH);
    cr_assert_neq(eb.msg[0], 0);
    p.layer_height = -1;
    cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, &eb), PF_E_INVAL);
    pf_mesh_free(m);
}

/* ---- fill pieces: one path, and one retraction, per separate piece of solid-type fill ---- */

/* A 54 × 54 × 4 mm block with ribs 8 mm wide and 2 mm tall on top: two across and two along (a #), which
 * split the block's top surface into 9 squares, or only the two along, which split it into 3 strips. Its
 * last layer is one island with that many separate pieces of top fill (the top fill's 3 mm margin reaches
 * under a rib from both sides, leaving 2 mm between), a plain block's one. */
static pf_mesh *ribbed_block(int across)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    add_box(&b, "block", 1, 0, 0, 54, 54, 4);
    for (int k = 0; k < 2; k++) {
        add_box(&b, "rib", 1, 12 + 22 * k, 0, 8, 54, 6); /* along y, overlapping the block */
        if (across) add_box(&b, "rib", 1, 0, 12 + 22 * k, 54, 8, 6);
    }
    pf_mesh *m = NULL;
    cr_assert_eq(pf_mesh_builder_finish(&b, &m, NULL), PF_E_OK);
    return m;
}

Test(estimate, separate_pieces_of_top_fill_are_counted)
{
    pf_profile p = pf_profile_default();
    pf_mesh *m[3] = {box(54, 54, 4), ribbed_block(0), ribbed_block(1)};
    const unsigned want[3] = {1, 3, 9};
    for (int k = 0; k < 3; k++) {
        pf_estimate_cache *c = prepare(m[k], &p);
        size_t l = 19; /* z = 3.9 mm: the block's last layer, its top surface */
        cr_assert_gt(pf_estimate_cache_layer(c, l)->fill_area[PF_FILL_TOP], 100);
        cr_expect_eq(pf_estimate_cache_pieces(c, l, PF_RUN_TOP), want[k], "block %d: %u pieces of top fill",
                     k, pf_estimate_cache_pieces(c, l, PF_RUN_TOP));
        pf_estimate_cache_free(c);
        pf_mesh_free(m[k]);
    }
}

/* A plus of two 10 mm arms 30 mm long, h tall, as one shell: a 12-sided prism (fans round its centre, which
 * sees every corner). */
static pf_mesh *plus_prism(float h)
{
    static const float c[12][2] = {{10, 0},  {20, 0},  {20, 10}, {30, 10}, {30, 20}, {20, 20},
                                   {20, 30}, {10, 30}, {10, 20}, {0, 20},  {0, 10},  {10, 10}};
    float v[26][3];
    int f[48][3], nt = 0;
    for (int i = 0; i < 12; i++) {
        v[i][0] = v[12 + i][0] = c[i][0];
        v[i][1] = v[12 + i][1] = c[i][1];
        v[i][2] = 0, v[12 + i][2] = h;
    }
    v[24][0] = v[25][0] = 15, v[24][1] = v[25][1] = 15, v[24][2] = 0, v[25][2] = h;
    for (int i = 0, j = 1; i < 12; i++, j = (i + 1) % 12) {
        int t[4][3] = {{24, j, i}, {25, 12 + i, 12 + j}, {i, j, 12 + j}, {i, 12 + j, 12 + i}};
        memcpy(f[nt], t, sizeof t);
        nt += 4;
    }
    return mesh_of((const float(*)[3])v, (const int(*)[3])f, nt);
}

/* A square frame x·x, bars b wide, h tall, as one shell: an outer and an inner square joined by trapezoids.
 */
static pf_mesh *frame_shell(float x, float b, float h)
{
    const float o[4][2] = {{0, 0}, {x, 0}, {x, x}, {0, x}};
    float v[16][3]; /* 0–3 outer, 4–7 inner at z 0; + 8 at z h */
    int f[32][3], nt = 0;
    for (int i = 0; i < 4; i++)
        for (int z = 0; z < 2; z++) {
            float *vo = v[8 * z + i], *vi = v[8 * z + 4 + i];
            vo[0] = o[i][0], vo[1] = o[i][1], vo[2] = z ? h : 0;
            vi[0] = o[i][0] ? x - b : b, vi[1] = o[i][1] ? x - b : b, vi[2] = vo[2];
        }
    for (int i = 0, j = 1; i < 4; i++, j = (i + 1) % 4) {
        int t[8][3] = {{8 + i, 8 + j, 12 + j}, {8 + i, 12 + j, 12 + i},  /* top, up */
                       {i, 4 + j, j},          {i, 4 + i, 4 + j},        /* bottom, down */
                       {i, j, 8 + j},          {i, 8 + j, 8 + i},        /* outer side, out */
                       {4 + i, 12 + j, 4 + j}, {4 + i, 12 + i, 12 + j}}; /* inner side, into the hole */
        memcpy(f[nt], t, sizeof t);
        nt += 8;
    }
    return mesh_of((const float(*)[3])v, (const int(*)[3])f, nt);
}

/* The estimates of two meshes of the same solid agree within 0.5 % in weight and 1 % in time at 0, 20 and
 * 100 %; their layer `l` has the area `area`. */
static void same_estimates(const pf_mesh *a, const pf_mesh *b, size_t l, double area, const char *what)
{
    pf_profile p = pf_profile_default();
    pf_estimate_cache *ca = prepare(a, &p), *cb = prepare(b, &p);
    cr_expect_float_eq(pf_estimate_cache_layer(ca, l)->area, area, 0.02 * area, "%s: %.1f mm²", what,
                       pf_estimate_cache_layer(ca, l)->area);
    for (int k = 0; k < 3; k++) {
        double d = (double[]){0, 0.2, 1}[k];
        pf_estimate ea, eb;
        cr_assert_eq(pf_estimate_eval(ca, d, 0, &ea, NULL), PF_E_OK);
        cr_assert_eq(pf_estimate_eval(cb, d, 0, &eb, NULL), PF_E_OK);
        cr_expect_float_eq(ea.weight_g, eb.weight_g, 0.005 * eb.weight_g,
                           "%s at %.0f %%: %.3f g, as one shell %.3f", what, 100 * d, ea.weight_g,
                           eb.weight_g);
        cr_expect_float_eq(ea.print_time_s, eb.print_time_s, 0.01 * eb.print_time_s,
                           "%s at %.0f %%: %.0f s, as one shell %.0f", what, 100 * d, ea.print_time_s,
                           eb.print_time_s);
    }
    pf_estimate_cache_free(ca);
    pf_estimate_cache_free(cb);
}

/* Shells that overlap (a soup of boxes that was never merged, as some exports leave a model of several
 * bodies) print as their union, as PrusaSlicer slices them: two crossing bars as one island with the plus's
 * 12 sides, not two rectangles of 80 mm each; four bars round a square as a frame (an island and its hole,
 * the hole's loops and the travel round it), not four islands. */
Test(estimate, overlapping_shells_print_as_their_union)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    cr_assert_eq(pf_mesh_builder_part(&b, "plus", 1), PF_E_OK);
    add_box_at(&b, 0, 10, 0, 30, 10, 6);
    add_box_at(&b, 10, 0, 0, 10, 30, 6);
    pf_mesh *soup = NULL, *one = plus_prism(6);
    cr_assert_eq(pf_mesh_builder_finish(&b, &soup, NULL), PF_E_OK);
    same_estimates(soup, one, 10, 500, "plus");
    pf_mesh_free(soup);
    pf_mesh_free(one);

    pf_mesh_builder_init(&b, NULL);
    cr_assert_eq(pf_mesh_builder_part(&b, "frame", 1), PF_E_OK);
    add_box_at(&b, 0, 0, 0, 30, 1.2f, 6);
    add_box_at(&b, 0, 28.8f, 0, 30, 1.2f, 6);
    add_box_at(&b, 0, 0, 0, 1.2f, 30, 6);
    add_box_at(&b, 28.8f, 0, 0, 1.2f, 30, 6);
    cr_assert_eq(pf_mesh_builder_finish(&b, &soup, NULL), PF_E_OK);
    one = frame_shell(30, 1.2f, 6);
    same_estimates(soup, one, 10, 30 * 30 - 27.6 * 27.6, "frame");
    pf_mesh_free(soup);
    pf_mesh_free(one);
}

/* A shell's downward face inside another shell (a post sunk into the plate it stands on) has material under
 * it: no overhang, as PrusaSlicer slices their union; the same post floating a millimetre above the plate
 * has its whole bottom over air. */
Test(estimate, a_face_inside_another_shell_is_no_overhang)
{
    const float oz[2] = {1, 3}, want[2] = {0, 100};
    for (int k = 0; k < 2; k++) {
        pf_mesh_builder b;
        pf_mesh_builder_init(&b, NULL);
        cr_assert_eq(pf_mesh_builder_part(&b, "posted", 1), PF_E_OK);
        add_box_at(&b, 0, 0, 0, 30, 30, 2);
        add_box_at(&b, 10, 10, oz[k], 10, 10, 8);
        pf_mesh *m = NULL;
        cr_assert_eq(pf_mesh_builder_finish(&b, &m, NULL), PF_E_OK);
        pf_profile p = pf_profile_default();
        pf_estimate e;
        cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, NULL), PF_E_OK);
        cr_expect_float_eq(e.overhang_area_mm2, want[k], 0.5, "post at z %.0f: %.1f mm² of overhang", oz[k],
                           e.overhang_area_mm2);
        pf_mesh_free(m);
    }
}

/* ---- thin walls: areas from the slice, not from the raster's cell count ---- */

/* The estimate of the mesh b holds (finished here) at infill density (0 … 1), default profile, scalar
 * backend. */
static pf_estimate built_estimate_at(pf_mesh_builder *b, double density)
{
    pf_mesh *m = NULL;
    cr_assert_eq(pf_mesh_builder_finish(b, &m, NULL), PF_E_OK);
    pf_profile p = pf_profile_default();
    pf_estimate_cache *c = prepare(m, &p);
    pf_estimate e;
    cr_assert_eq(pf_estimate_eval(c, density, 0, &e, NULL), PF_E_OK);
    pf_estimate_cache_free(c);
    pf_mesh_free(m);
    return e;
}

static pf_estimate built_estimate(pf_mesh_builder *b)
{
    return built_estimate_at(b, 0.2);
}

/* A floor whose top lies on a layer's middle (1.5 mm under 0.2 mm layers) prints that layer, as PrusaSlicer
 * mostly does: at 100 % a cup of a 1.5 mm floor weighs what one of a 1.6 mm floor does (both 8 layers), where
 * the layer on the tie was left out (7 layers, 2.4 % lighter). */
static double cup_weight(float floor)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    add_box(&b, "floor", 1, 0, 0, 30, 30, floor);
    add_box(&b, "wall", 1, 0, 0, 30, 1.6f, 10);
    add_box(&b, "wall", 1, 0, 28.4f, 30, 1.6f, 10);
    add_box(&b, "wall", 1, 0, 0, 1.6f, 30, 10);
    add_box(&b, "wall", 1, 28.4f, 0, 1.6f, 30, 10);
    return built_estimate_at(&b, 1.0).weight_g;
}

/* Three 10 mm blocks in a row, joined by 0.8 mm walls (two external beads, no fill): one island a layer with
 * three pieces of fill. At 100 % PrusaSlicer prints each piece apart, with a travel and a retraction, as at
 * any other density: not one path an island. */
Test(estimate, at_100_percent_an_islands_separate_fill_pieces_print_apart)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    for (int k = 0; k < 3; k++)
        add_box(&b, "block", 1, 20.0f * (float)k, 0, 10, 10, 6);
    for (int k = 0; k < 2; k++)
        add_box(&b, "web", 1, 20.0f * (float)k + 9.5f, 4.6f, 11, 0.8f, 6);
    pf_mesh *m = NULL;
    cr_assert_eq(pf_mesh_builder_finish(&b, &m, NULL), PF_E_OK);
    pf_profile p = pf_profile_default();
    pf_estimate_cache *c = prepare(m, &p);
    double th = moves_at(c, 0.5), tf = moves_at(c, 1.0);
    cr_expect_gt(tf, 0.9 * th, "travel and retractions %.1f s at 100 %%, %.1f s at 50 %%", tf, th);
    pf_estimate_cache_free(c);
    pf_mesh_free(m);
}

/* A square tube 80 mm across (its layers take longer than the minimum layer time), walls w thick, 10 mm
 * tall: four boxes, as the box of 1.6 mm walls above. */
static pf_mesh *square_tube(float w)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    add_box(&b, "wall", 1, 0, 0, 80, w, 10);
    add_box(&b, "wall", 1, 0, 80 - w, 80, w, 10);
    add_box(&b, "wall", 1, 0, 0, w, 80, 10);
    add_box(&b, "wall", 1, 80 - w, 0, w, 80, 10);
    pf_mesh *m = NULL;
    cr_assert_eq(pf_mesh_builder_finish(&b, &m, NULL), PF_E_OK);
    return m;
}

/* A square tube a mm across, walls w thick, h tall, one closed shell (its hole open at both ends). */
static pf_mesh *square_ring(float a, float w, float h)
{
    const float c[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
    float o[4][2], in[4][2];
    for (int k = 0; k < 4; k++) {
        o[k][0] = c[k][0] * a, o[k][1] = c[k][1] * a;
        in[k][0] = w + c[k][0] * (a - 2 * w), in[k][1] = w + c[k][1] * (a - 2 * w);
    }
    return ring_prism(4, (const float(*)[2])o, (const float(*)[2])in, h);
}

/* Arachne adds a third bead between a wall's two external ones from about 1.165 mm (the middle left reaching
 * min_bead_width / w_ext of a spacing, PRUSASLICER-NOTES §2), as wide as that middle: an open box of 1.2 mm
 * walls, PrusaSlicer 2.5: 2.46 cm³ of external perimeter and 1.08 of inner; of 1.1 mm walls 3.19 and 0.06
 * (the floor's). The cells saw walls 1.2 mm thick as too thin for it in most places (0.32 cm³ of inner
 * perimeter): within a cell of the width, the rays' measure decides. */
Test(estimate, walls_just_wide_enough_for_a_third_bead_print_it)
{
    const float w[2] = {1.1f, 1.2f};
    double ratio[2];
    for (int k = 0; k < 2; k++) {
        pf_mesh *m = square_ring(40, w[k], 10);
        pf_profile p = pf_profile_default();
        pf_estimate e;
        cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, NULL), PF_E_OK);
        ratio[k] = e.volume_mm3[PF_FEAT_PERIMETER] / e.volume_mm3[PF_FEAT_EXT_PERIMETER];
        pf_mesh_free(m);
    }
    /* the middle (1.2 − 2·0.4287 mm) against the two external bands (2·0.4072) */
    double want = (1.2 - 2 * 0.4287) / (2 * 0.4072);
    cr_expect(ratio[1] > 0.8 * want && ratio[1] < 1.2 * want,
              "1.2 mm walls: inner / external %.3f, want %.3f", ratio[1], want);
    cr_expect(ratio[0] < 0.1, "1.1 mm walls: inner / external %.3f, want none", ratio[0]);
}

/* The third bead's threshold is in spacings, which widen as the layers thin: at 0.1 mm layers it lies at
 * 1.2025 mm, and an open box of 1.2 mm walls prints two beads a wall (PrusaSlicer 2.5: 66 mm of inner
 * perimeter against 30.7 m of external; at 0.2 mm, 7.6 m against 15.5 m). */
Test(estimate, thinner_layers_raise_the_third_beads_threshold)
{
    const double h[2] = {0.1, 0.2};
    double inner[2], ext[2];
    for (int k = 0; k < 2; k++) {
        pf_mesh *m = square_ring(40, 1.2f, 10);
        pf_profile p = pf_profile_default();
        p.layer_height = h[k];
        pf_estimate e;
        cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, NULL), PF_E_OK);
        inner[k] = e.time_s[PF_FEAT_PERIMETER];
        ext[k] = e.time_s[PF_FEAT_EXT_PERIMETER];
        pf_mesh_free(m);
    }
    cr_expect(inner[1] > 0.15 * ext[1], "0.2 mm layers: inner perimeters %.0f s, external %.0f s", inner[1],
              ext[1]);
    cr_expect(inner[0] < 0.02 * ext[0], "0.1 mm layers: inner perimeters %.0f s, external %.0f s, want none",
              inner[0], ext[0]);
}

/* The scalar estimate of regular_ring(n, r, w, h) at the default profile with layers of lh mm. */
static pf_estimate ring_estimate_at(int n, float r, float w, float h, double lh)
{
    pf_mesh *m = regular_ring(n, r, w, h);
    pf_profile p = pf_profile_default();
    p.layer_height = lh;
    pf_estimate e;
    cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, NULL), PF_E_OK);
    pf_mesh_free(m);
    return e;
}

/* A hexagon's 120° corners do not split a centre bead where a square's would: a ring of 1.4 mm walls prints
 * one centre loop a layer at 0.3 mm layers as at 0.2 (PrusaSlicer 2.5), though its corners' circles (1.50
 * mm) pass the 1.45 mm at which a right angle's split there. Counted as six pieces, each with a retraction
 * and a travel, the layers' moves took five times as long as at 0.2 mm. */
Test(estimate, a_hexagons_blunt_corners_keep_the_centre_loop_whole)
{
    const double h[2] = {0.2, 0.3};
    double moves[2];
    for (int k = 0; k < 2; k++) {
        pf_estimate e = ring_estimate_at(6, 30, 1.4f, 12, h[k]);
        cr_assert_gt(e.time_s[PF_FEAT_PERIMETER], 0, "a centre bead at %.1f mm layers", h[k]);
        moves[k] = (e.time_s[PF_TIME_TRAVEL] + e.time_s[PF_TIME_OTHER]) / (double)e.layers;
    }
    cr_expect(moves[1] < 1.5 * moves[0], "travel and retractions a layer: %.2f s at 0.3 mm, %.2f s at 0.2 mm",
              moves[1], moves[0]);
}

/* With 3 perimeters, walls wider than two inner beads fill (1.98 mm) print more of them: a tube of 2.4 mm
 * walls prints four inner beads, its inner perimeter time 1.12 of the external's (PrusaSlicer 2.5); counted
 * as one a side it was 0.57. */
Test(estimate, three_perimeters_fill_wide_walls_with_four_inner_beads)
{
    pf_mesh *m = regular_ring(8, 25, 2.4f, 6);
    pf_profile p = pf_profile_default();
    p.perimeters = 3;
    pf_estimate e;
    cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, NULL), PF_E_OK);
    pf_mesh_free(m);
    double r = e.time_s[PF_FEAT_PERIMETER] / e.time_s[PF_FEAT_EXT_PERIMETER];
    cr_expect(r > 0.9 && r < 1.3, "inner / external perimeter time %.2f, want about 1.1", r);
}

/* More top and bottom solid layers than the stages' 3 and 3: a 30 × 30 × 6 mm block with 5 top and 4 bottom
 * layers prints 9 solid layers and 21 sparse ones where 3 and 3 print 6 and 24 (PrusaSlicer 2.5: solid
 * 1.462 against 0.974 cm³, sparse 0.755 against 0.863 at 20 %). */
Test(estimate, more_top_and_bottom_layers_turn_sparse_layers_solid)
{
    double solid[2], sparse[2];
    for (int k = 0; k < 2; k++) {
        pf_mesh *m = box(30, 30, 6);
        pf_profile p = pf_profile_default();
        p.top_layers = k ? 5 : 3;
        p.bottom_layers = k ? 4 : 3;
        pf_estimate e;
        cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, NULL), PF_E_OK);
        solid[k] = e.volume_mm3[PF_FEAT_SOLID];
        sparse[k] = e.volume_mm3[PF_FEAT_INFILL];
        pf_mesh_free(m);
    }
    cr_expect(fabs(solid[1] / solid[0] - 9.0 / 6) < 0.05, "solid %.0f against %.0f mm³, want 9 / 6 of it",
              solid[1], solid[0]);
    cr_expect(fabs(sparse[1] / sparse[0] - 21.0 / 24) < 0.03, "sparse %.0f against %.0f mm³, want 21 / 24",
              sparse[1], sparse[0]);
}

/* The minimum shell thicknesses raise the counts before the estimate: 0.7 and 0.5 mm at 0.1 mm layers print
 * as 7 top and 4 bottom layers (PrusaSlicer: solid 0.970 cm³ on that block, the estimate 0.959). */
Test(estimate, minimum_shell_thickness_adds_solid_layers)
{
    pf_estimate e[2];
    for (int k = 0; k < 2; k++) {
        pf_mesh *m = box(30, 30, 6);
        pf_profile p = pf_profile_default();
        p.layer_height = 0.1;
        if (k)
            p.top_layers = 7, p.bottom_layers = 4;
        else
            p.top_min_thickness = 0.7, p.bottom_min_thickness = 0.5;
        cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e[k], NULL), PF_E_OK);
        pf_mesh_free(m);
    }
    cr_expect_eq(e[0].volume_mm3[PF_FEAT_SOLID], e[1].volume_mm3[PF_FEAT_SOLID]);
    cr_expect_eq(e[0].print_time_s, e[1].print_time_s);
}

/* The width at which the centre bead splits in two is in spacings too: an octagonal ring of 1.5 mm walls
 * prints two inner loops at 0.2 mm layers and one centre loop at 0.1 mm (PrusaSlicer 2.5: inner perimeter
 * time 0.55 and 0.28 of the external's; the split at 1.467 mm whatever the layers gave 0.58 at 0.1 mm). */
Test(estimate, thinner_layers_keep_wider_walls_on_one_centre_bead)
{
    const double h[2] = {0.1, 0.2};
    double ratio[2];
    for (int k = 0; k < 2; k++) {
        pf_estimate e = ring_estimate_at(8, 25, 1.5f, 6, h[k]);
        ratio[k] = e.time_s[PF_FEAT_PERIMETER] / e.time_s[PF_FEAT_EXT_PERIMETER];
    }
    cr_expect(ratio[1] > 0.45, "0.2 mm layers: inner / external perimeter time %.2f, want two loops",
              ratio[1]);
    cr_expect(ratio[0] < 0.7 * ratio[1], "0.1 mm layers: inner / external %.2f against %.2f at 0.2 mm",
              ratio[0], ratio[1]);
}

/* Walls of 1.55 mm print an inner bead along each side, 0.35 mm wide where the spacing is 0.41: as long as
 * those of a 4 mm wall (3 % longer here: the tube's hole is larger), though their band holds 15–20 % less
 * area (the inner perimeters' time read 80 % of the 4 mm tube's from the areas alone; 95 % now). */
Test(estimate, narrow_inner_beads_print_along_the_whole_wall)
{
    double t[2];
    const float w[2] = {1.55f, 4.0f};
    for (int k = 0; k < 2; k++) {
        pf_mesh *m = square_tube(w[k]);
        pf_profile p = pf_profile_default();
        pf_estimate_cache *c = prepare(m, &p);
        pf_estimate e;
        cr_assert_eq(pf_estimate_eval(c, 0.2, 0, &e, NULL), PF_E_OK);
        t[k] = e.time_s[PF_FEAT_PERIMETER];
        pf_estimate_cache_free(c);
        pf_mesh_free(m);
    }
    cr_expect_gt(t[0], 0.9 * t[1], "inner perimeters %.1f s (1.55 mm walls) against %.1f s (4 mm)", t[0],
                 t[1]);
}

Test(estimate, a_floor_topped_on_a_layers_middle_prints_that_layer)
{
    double w15 = cup_weight(1.5f), w16 = cup_weight(1.6f), w14 = cup_weight(1.4f);
    cr_assert(fabs(w15 / w16 - 1) < 0.005, "1.5 mm floor %.3f g, 1.6 mm %.3f g", w15, w16);
    cr_assert(w15 / w14 - 1 > 0.015, "1.5 mm floor %.3f g, 1.4 mm (7 layers) %.3f g", w15, w14);
}

/* A 40 × 40 × 10 mm square tube with walls t thick: four boxes, one per side. */
static pf_estimate square_tube_estimate(float t)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    add_box(&b, "south", 1, 0, 0, 40, t, 10);
    add_box(&b, "north", 1, 0, 40 - t, 40, t, 10);
    add_box(&b, "west", 1, 0, t, t, 40 - 2 * t, 10);
    add_box(&b, "east", 1, 40 - t, t, t, 40 - 2 * t, 10);
    return built_estimate(&b);
}

/* A thin wall's weight follows its thickness: walls of 0.70 … 0.90 mm weigh the same per mm of thickness
 * within 3 %. (On the binary raster alone a wall is a whole number of cells wide: 0.70, 0.75 and 0.80 mm
 * walls weighed the same, 14 % apart per mm.) */
Test(estimate, thin_wall_weight_follows_its_thickness)
{
    double lo = 1e30, hi = 0;
    for (int k = 0; k < 5; k++) {
        float t = 0.70f + 0.05f * (float)k;
        pf_estimate e = square_tube_estimate(t);
        double per_mm = e.weight_g / t;
        if (per_mm < lo) lo = per_mm;
        if (per_mm > hi) hi = per_mm;
    }
    cr_assert_gt(lo, 0);
    cr_expect_leq(hi / lo, 1.03, "weight per mm of wall from %.3f to %.3f g", lo, hi);
}

/* ---- meshes with cracks: contours that do not close by mesh edges ---- */

/* A tube (radii r0 < r1, height h, n facets a side) as a new part of b. The seam's last facet ends at angle
 * 2π + gap / r1 instead of reusing the first facet's vertices, so gap ≠ 0 leaves a crack that no weld closes
 * (gap 0 still writes the angle 2π, whose sine is not the 0 of the first facet: a crack of 1e-16 mm, as CAD
 * exports leave them, unless seam_exact). */
static void add_tube(pf_mesh_builder *b, float r0, float r1, float h, int n, double gap, int seam_exact)
{
    cr_assert_eq(pf_mesh_builder_part(b, "tube", 1), PF_E_OK);
    for (int i = 0; i < n; i++) {
        double a0 = 2 * M_PI * i / n, a1 = i + 1 == n && seam_exact ? 0 : 2 * M_PI * (i + 1) / n;
        if (i + 1 == n && !seam_exact) a1 += gap / r1;
        float c0 = (float)cos(a0), s0 = (float)sin(a0), c1 = (float)cos(a1), s1 = (float)sin(a1);
        float o0[2] = {r1 * c0, r1 * s0}, o1[2] = {r1 * c1, r1 * s1}, i0[2] = {r0 * c0, r0 * s0},
              i1[2] = {r0 * c1, r0 * s1};
        const float *q[4][4] = {{o0, o1, o1, o0}, {i1, i0, i0, i1}, {o0, o1, i1, i0}, {o1, o0, i0, i1}};
        const float z[4][4] = {{0, 0, h, h}, {0, 0, h, h}, {h, h, h, h}, {0, 0, 0, 0}};
        for (int f = 0; f < 4; f++) /* outer wall, inner wall, top, bottom: two triangles each */
            for (int t = 0; t < 2; t++) {
                static const int corner[2][3] = {{0, 1, 2}, {0, 2, 3}};
                float tri[9];
                for (int k = 0; k < 3; k++) {
                    int c = corner[t][k];
                    tri[3 * k] = q[f][c][0], tri[3 * k + 1] = q[f][c][1], tri[3 * k + 2] = z[f][c];
                }
                cr_assert_eq(pf_mesh_builder_tri(b, tri, NULL), PF_E_OK);
            }
    }
}

/* The estimate (20 %) of a closed round tube of n facets, radii r0 < r1, h tall. */
static pf_estimate closed_tube(float r0, float r1, float h, int n)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    add_tube(&b, r0, r1, h, n, 0, 1);
    return built_estimate(&b);
}

/* Slowing a layer for cooling never makes its fill faster. At 100 % a tube of 2.1 mm walls fills the 0.4 mm
 * strip between its perimeters with short zig-zag lines (strip_extra); its layers last under the minimum
 * layer time, and the slowed layers' solid time once left the strip's lines and links out: 3 s a layer
 * against 9 at full speed (the estimate 19 % under PrusaSlicer's, 8 % over since). */
Test(estimate, slowed_layers_keep_a_middle_strips_lines)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    add_tube(&b, 12.9f, 15, 12, 64, 0, 1);
    pf_mesh *m = NULL;
    cr_assert_eq(pf_mesh_builder_finish(&b, &m, NULL), PF_E_OK);
    pf_estimate e[2];
    for (int k = 0; k < 2; k++) {
        pf_profile p = pf_profile_default();
        if (k) p.min_layer_time = 0; /* no slowdown */
        pf_estimate_cache *c = prepare(m, &p);
        cr_assert_eq(pf_estimate_eval(c, 1.0, 0, &e[k], NULL), PF_E_OK);
        pf_estimate_cache_free(c);
    }
    cr_assert_gt(e[0].slowed_layers, 0);
    cr_assert_eq(e[1].slowed_layers, 0);
    cr_expect_geq(e[0].time_s[PF_FEAT_SOLID], e[1].time_s[PF_FEAT_SOLID] * 0.999,
                  "slowed %.1f s, full speed %.1f s", e[0].time_s[PF_FEAT_SOLID], e[1].time_s[PF_FEAT_SOLID]);
    cr_expect_geq(e[0].print_time_s, e[1].print_time_s);
    pf_mesh_free(m);
}

/* A rod of 2.2 mm: its fill at 100 % lies within retract_before_travel (1 mm) of the loop that ends beside
 * it, so no retraction before it (PrusaSlicer 2.5: 122 s at 20 and at 100 %). A retraction a layer for it
 * made the estimate's 100 % 41 % slower than its 20 %. */
Test(estimate, a_thin_rods_fill_needs_no_retraction)
{
    pf_mesh *m = cylinder(1.1f, 25, 32);
    pf_profile p = pf_profile_default();
    pf_estimate_cache *c = prepare(m, &p);
    pf_estimate e20, e100;
    cr_assert_eq(pf_estimate_eval(c, 0.2, 0, &e20, NULL), PF_E_OK);
    cr_assert_eq(pf_estimate_eval(c, 1.0, 0, &e100, NULL), PF_E_OK);
    cr_expect_lt(e100.print_time_s, 1.25 * e20.print_time_s, "20 %%: %.0f s, 100 %%: %.0f s",
                 e20.print_time_s, e100.print_time_s);
    pf_estimate_cache_free(c);
    pf_mesh_free(m);
}

/* Arachne prints a wall up to 0.658 mm thick with one bead along its middle and a thicker one with a bead
 * along each side (PRUSASLICER-NOTES §2): PrusaSlicer 2.5 takes 199 s for a 40 mm wall of 0.4, 0.5 or 0.6 mm,
 * 12 mm tall, and 348 s for one of 0.7 mm. The external perimeter's length once came from the band's area
 * over the spacing, so it grew with the wall's width (+21 % at 0.6 mm, −19 % at 0.7). */
Test(estimate, walls_of_one_bead_print_half_the_path_of_two)
{
    double ext[2];
    const float w[2] = {0.6f, 0.7f};
    for (int k = 0; k < 2; k++) {
        pf_mesh *m = box(40, w[k], 12);
        pf_profile p = pf_profile_default();
        pf_estimate e;
        cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, NULL), PF_E_OK);
        ext[k] = e.time_s[PF_FEAT_EXT_PERIMETER];
        pf_mesh_free(m);
    }
    cr_expect(ext[1] > 1.7 * ext[0] && ext[1] < 2.3 * ext[0], "0.6 mm: %.0f s, 0.7 mm: %.0f s", ext[0],
              ext[1]);
}

/* A wall of 2.2 mm is thicker than the ones Arachne widens over their middle (2.08 mm): PrusaSlicer prints
 * two beads a side at their nominal width and leaves the 0.5 mm strip between them to the sparse infill (at 0
 * %: empty), so its inner perimeter volume equals the external one (a 76 mm tube: 2.839 and 2.827 cm³). The
 * strip's band excess once went to the inner beads: 13 % over. */
Test(estimate, a_middle_strip_is_not_widened_beads)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    add_tube(&b, 35.8f, 38, 15, 96, 0, 1);
    pf_estimate e = built_estimate_at(&b, 0);
    double ext = e.volume_mm3[PF_FEAT_EXT_PERIMETER], inner = e.volume_mm3[PF_FEAT_PERIMETER];
    cr_expect(fabs(inner / ext - 1) < 0.04, "inner %.0f mm³, external %.0f mm³", inner, ext);
    cr_expect_eq(e.volume_mm3[PF_FEAT_INFILL], 0);
}

static pf_estimate tube_estimate(double gap, int seam_exact)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    add_tube(&b, 18.8f, 20, 6, 96, gap, seam_exact);
    return built_estimate(&b);
}

/* A round tube of 0.8 mm walls is two external beads a layer, the hole's starting beside the end of the
 * outer one: PrusaSlicer retracts once a layer, at the layer change (a vase, a thin tube). A square one's
 * seams may lie at different corners, and keep a retraction and a travel each; so does a round tube of 1.6
 * mm walls, with its inner beads. */
Test(estimate, a_thin_round_tube_retracts_once_a_layer)
{
    pf_estimate round = closed_tube(19.2f, 20, 10, 96), thick = closed_tube(18.4f, 20, 10, 96);
    pf_estimate square = closed_tube(20 - 0.8f * (float)M_SQRT2, 20, 10, 4); /* a square, 0.8 mm walls */
    cr_assert_eq(round.layers, square.layers);
    double mr = round.time_s[PF_TIME_TRAVEL] + round.time_s[PF_TIME_OTHER],
           ms = square.time_s[PF_TIME_TRAVEL] + square.time_s[PF_TIME_OTHER],
           mt = thick.time_s[PF_TIME_TRAVEL] + thick.time_s[PF_TIME_OTHER];
    /* one retraction (about 0.3 s with its z-hop) a layer less */
    cr_expect_gt(ms - mr, 0.25 * round.layers, "travel and retractions: round %.1f s, square %.1f s", mr, ms);
    cr_expect_gt(mt - mr, 0.25 * round.layers, "travel and retractions: 0.8 mm %.1f s, 1.6 mm %.1f s", mr,
                 mt);
}

/* Walls of 1.2 and 1.4 mm print one centre bead between their external beads, as long as the wall and as wide
 * as its middle (0.34 and 0.54 mm): the same inner perimeter length, where their bands' areas over the
 * spacing differ by 1.6× (PrusaSlicer: a 1.4 mm hexagonal ring's centre loop is its length). */
Test(estimate, a_centre_bead_runs_the_walls_length_whatever_its_width)
{
    double t[2];
    const float w[2] = {1.2f, 1.4f};
    for (int k = 0; k < 2; k++) {
        pf_estimate e = closed_tube(20 - w[k], 20, 10, 96);
        t[k] = e.time_s[PF_FEAT_PERIMETER];
    }
    cr_assert_gt(t[0], 0);
    cr_expect_lt(fabs(t[1] / t[0] - 1), 0.1, "inner perimeters %.1f s (1.2 mm walls), %.1f s (1.4 mm)", t[0],
                 t[1]);
}

/* Walls of 0.95 to 1.1 mm, between two external bands (0.86 mm) and a centre bead's minimum (1.15 mm), print
 * their two external beads widened over the middle and no inner bead (PrusaSlicer: a horn flaring from 1.0
 * to 1.2 mm walls prints only its external loops up to there). A 60 mm tall tube gets cells too
 * coarse to find those middles thin: its 1.05 and 1.1 mm walls spent 9 and 13 % of their external
 * perimeters' time on inner ones, before the rays across the walls measured them. */
Test(estimate, walls_under_a_centre_bead_print_no_inner_perimeter)
{
    const float w[4] = {0.95f, 1.0f, 1.05f, 1.1f};
    for (int k = 0; k < 4; k++) {
        pf_estimate e = closed_tube(30 - w[k], 30, 60, 192);
        double ext = e.time_s[PF_FEAT_EXT_PERIMETER], inner = e.time_s[PF_FEAT_PERIMETER];
        cr_assert_gt(ext, 0);
        cr_expect_lt(inner, 0.03 * ext, "%.2f mm walls: inner perimeters %.1f s, external %.1f s", w[k],
                     inner, ext);
    }
}

/* A layer change lifts by retract_lift over the layer below and comes down to the new layer, retract_lift − h
 * (PrusaSlicer's G-code: Z6.2 then Z6 from a layer at 5.8), where a retraction within a layer comes down by
 * the whole lift. A thin round tube retracts once a layer, at its change: raising the lift from h (0.2 mm) to
 * 1 mm adds a 1 mm Z move up and a 0.8 mm one down a layer (0.21 s), not two of 1 mm less two of 0.2 (0.17
 * s).
 */
static double z_move(double dz)
{
    return pf_motion_move_time(dz, pf_profile_default().speed_z, 200, 0.4, 0.4);
}

Test(estimate, a_layer_change_comes_down_to_the_new_layer)
{
    double other[2];
    const double lift[2] = {0.2, 1.0};
    size_t layers = 0;
    for (int k = 0; k < 2; k++) {
        pf_mesh_builder b;
        pf_mesh_builder_init(&b, NULL);
        add_tube(&b, 19.2f, 20, 10, 96, 0, 1);
        pf_mesh *m = NULL;
        cr_assert_eq(pf_mesh_builder_finish(&b, &m, NULL), PF_E_OK);
        pf_profile p = pf_profile_default();
        p.retract_lift = lift[k];
        pf_estimate_cache *c = prepare(m, &p);
        pf_estimate e;
        cr_assert_eq(pf_estimate_eval(c, 0.2, 0, &e, NULL), PF_E_OK);
        other[k] = e.time_s[PF_TIME_OTHER];
        layers = e.layers;
        pf_estimate_cache_free(c);
        pf_mesh_free(m);
    }
    double per = z_move(1.0) + z_move(0.8) - z_move(0.2), both = 2 * (z_move(1.0) - z_move(0.2));
    double got = (other[1] - other[0]) / (double)(layers - 1); /* layer 0 comes down the whole lift */
    cr_assert_gt(per, 1.1 * both);
    cr_expect_lt(fabs(got - per), 0.05 * per,
                 "%.3f s more a layer with 1 mm lifts: %.3f s expected (%.3f s if the "
                 "change came down the whole lift)",
                 got, per, both);
}

/* Adds a plate w × w × h of n × n square holes as a new part of b: a lattice of 2n + 1 cells a side whose
 * cells of two odd indices are holes, each solid cell's top and bottom and its sides along holes and the
 * outside (a closed mesh once welded). */
static void add_perforated_plate(pf_mesh_builder *b, float w, float h, int n)
{
    int k = 2 * n + 1;
    float s = w / (float)k;
    cr_assert_eq(pf_mesh_builder_part(b, "plate", 1), PF_E_OK);
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) {
            if (i % 2 && j % 2) continue;
            float x0 = (float)i * s, x1 = x0 + s, y0 = (float)j * s, y1 = y0 + s;
            float q[6][4][3] = {{{x0, y0, h}, {x1, y0, h}, {x1, y1, h}, {x0, y1, h}},  /* top */
                                {{x0, y0, 0}, {x0, y1, 0}, {x1, y1, 0}, {x1, y0, 0}},  /* bottom */
                                {{x1, y0, 0}, {x1, y1, 0}, {x1, y1, h}, {x1, y0, h}},  /* +x */
                                {{x0, y1, 0}, {x0, y0, 0}, {x0, y0, h}, {x0, y1, h}},  /* −x */
                                {{x1, y1, 0}, {x0, y1, 0}, {x0, y1, h}, {x1, y1, h}},  /* +y */
                                {{x0, y0, 0}, {x1, y0, 0}, {x1, y0, h}, {x0, y0, h}}}; /* −y */
            int side[6] = {1,
                           1,
                           i + 1 == k || (i % 2 == 0 && j % 2),
                           i == 0 || (i % 2 == 0 && j % 2),
                           j + 1 == k || (j % 2 == 0 && i % 2),
                           j == 0 || (j % 2 == 0 && i % 2)};
            for (int f = 0; f < 6; f++) {
                if (!side[f]) continue;
                for (int t = 0; t < 2; t++) {
                    float tri[9];
                    memcpy(tri, q[f][0], 12);
                    memcpy(tri + 3, q[f][1 + t], 12);
                    memcpy(tri + 6, q[f][2 + t], 12);
                    cr_assert_eq(pf_mesh_builder_tri(b, tri, NULL), PF_E_OK);
                }
            }
        }
}

/* A tour through the many loops of a layer follows its contours: a plate of 12 × 12 holes makes four times
 * the moves a layer of one of 6 × 6 holes, each about half as long (PrusaSlicer hops about 5 mm between a
 * sieve's holes); taken as the island's box over its moves, the plate's travel grew with their number
 * (4.05×; 3.06× now).
 */
Test(estimate, a_tour_through_many_holes_follows_the_contours)
{
    double t[2];
    const int n[2] = {6, 12};
    for (int k = 0; k < 2; k++) {
        pf_mesh_builder b;
        pf_mesh_builder_init(&b, NULL);
        add_perforated_plate(&b, 60, 2, n[k]);
        t[k] = built_estimate(&b).time_s[PF_TIME_TRAVEL];
    }
    cr_assert_gt(t[0], 0);
    cr_expect_lt(t[1], 3.5 * t[0], "travel %.1f s (12 x 12 holes), %.1f s (6 x 6)", t[1], t[0]);
}

/* Moves between an island's own paths cross the island: in a ring they span its box, not a compact part's
 * side. A 40 mm tube of 3.4 mm walls and a square block of the same area: the tube prints one loop more a
 * layer, and its moves are longer (PrusaSlicer's in such a tube run 15–38 mm). The tube's travel was 1.78×
 * the block's when every move took the area's figure, 2.06× now. */
Test(estimate, moves_within_a_ring_cross_it)
{
    pf_estimate ring = closed_tube(16.6f, 20, 10, 96);
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    add_box(&b, "block", 1, 0, 0, 19.78f, 19.78f, 10);
    pf_estimate block = built_estimate(&b);
    double tr = ring.time_s[PF_TIME_TRAVEL], tb = block.time_s[PF_TIME_TRAVEL];
    cr_assert_gt(tb, 0);
    cr_expect_gt(tr, 1.9 * tb, "travel %.1f s in the ring, %.1f s in the block", tr, tb);
}

/* A crack in the mesh (a seam whose vertices differ by 1e-16 mm, or 0.05 mm apart) changes neither the
 * weight nor the time: the open chains it leaves are joined into the loop they belong to, as a slicer closes
 * such gaps. (Before, each layer's loop counted as dozens of open fragments, each with a travel, a
 * retraction and its own start and stop: a 6 mm tube took 7× its time.) */
Test(estimate, cracked_tube_is_timed_like_the_closed_one)
{
    pf_estimate closed = tube_estimate(0, 1), hair = tube_estimate(0, 0), gap = tube_estimate(0.05, 0);
    double t0 = closed.print_time_s;
    cr_assert_gt(t0, 0);
    cr_expect_leq(fabs(hair.print_time_s - t0) / t0, 0.01, "1e-16 mm crack: %.0f s against %.0f s",
                  hair.print_time_s, t0);
    cr_expect_leq(fabs(gap.print_time_s - t0) / t0, 0.01, "0.05 mm crack: %.0f s against %.0f s",
                  gap.print_time_s, t0);
    cr_expect_leq(fabs(hair.weight_g - closed.weight_g) / closed.weight_g, 0.005);
    cr_expect_leq(fabs(gap.weight_g - closed.weight_g) / closed.weight_g, 0.005);
}

/* A mesh read without welding (every triangle its own vertices, so no two segments of a slice share a mesh
 * edge) estimates like the welded mesh. */
Test(estimate, unwelded_mesh_is_estimated_like_the_welded_one)
{
    char path[512];
    snprintf(path, sizeof path, "%s/torus.stl", PF_TEST_DATA);
    pf_intake_limits lim = {.no_weld = 1};
    pf_mesh *soup = NULL, *welded = load("torus.stl");
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_mesh_read_file(path, &lim, &soup, &eb), PF_E_OK, "%s", eb.msg);
    pf_profile p = pf_profile_default();
    pf_estimate_cache *cs = prepare(soup, &p), *cw = prepare(welded, &p);
    pf_estimate es, ew;
    cr_assert_eq(pf_estimate_eval(cs, 0.2, 0, &es, NULL), PF_E_OK);
    cr_assert_eq(pf_estimate_eval(cw, 0.2, 0, &ew, NULL), PF_E_OK);
    cr_expect_leq(fabs(es.print_time_s - ew.print_time_s) / ew.print_time_s, 0.005, "%.0f s against %.0f s",
                  es.print_time_s, ew.print_time_s);
    cr_expect_leq(fabs(es.weight_g - ew.weight_g) / ew.weight_g, 0.005);
    pf_estimate_cache_free(cs);
    pf_estimate_cache_free(cw);
    pf_mesh_free(soup);
    pf_mesh_free(welded);
}

/* ---- accuracy against PrusaSlicer 2.5 (tests/data/reference.csv) ---- */

/* Per-part figures: a plate of two boxes 30 mm apart and a support object. Each printed part's estimate is
 * the estimate of that box alone, in file order, the support object gets none, and the parts' weights add up
 * to the plate's (the boxes are far enough apart not to change each other's classes; only the grid's
 * alignment differs). A one-part mesh's single entry is the whole estimate. */
Test(estimate, each_printed_part_is_estimated_on_its_own)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    add_box(&b, "big", 1, 0, 0, 20, 20, 10);
    add_box(&b, "stand", 0, 0, 50, 5, 5, 30); /* a support object: not printed */
    add_box(&b, "small", 1, 50, 0, 10, 10, 5);
    pf_mesh *plate = NULL;
    cr_assert_eq(pf_mesh_builder_finish(&b, &plate, NULL), PF_E_OK);
    pf_profile p = pf_profile_default();
    pf_errbuf eb = {{0}};
    pf_estimate whole;
    cr_assert_eq(pf_estimate_run(plate, &p, pf_backend_scalar(), &whole, &eb), PF_E_OK, "%s", eb.msg);
    pf_part_estimate *parts = NULL;
    size_t n = 0;
    cr_assert_eq(pf_estimate_parts(plate, &p, pf_backend_scalar(), &whole, &parts, &n, &eb), PF_E_OK, "%s",
                 eb.msg);
    cr_assert_eq(n, 2);
    cr_expect_str_eq(parts[0].name, "big");
    cr_expect_str_eq(parts[1].name, "small");
    cr_expect_eq(parts[0].index, 0);
    cr_expect_eq(parts[1].index, 2);
    cr_expect_eq(parts[0].triangles, 12);
    cr_expect(parts[0].printable && parts[1].printable);
    cr_expect_eq(parts[0].est.layers, 50);
    cr_expect_eq(parts[1].est.layers, 25);
    const float dims[2][3] = {{20, 20, 10}, {10, 10, 5}};
    for (int i = 0; i < 2; i++) {
        pf_mesh *alone = box(dims[i][0], dims[i][1], dims[i][2]);
        pf_estimate e;
        cr_assert_eq(pf_estimate_run(alone, &p, pf_backend_scalar(), &e, NULL), PF_E_OK);
        pf_mesh_free(alone);
        cr_expect_float_eq(parts[i].est.weight_g, e.weight_g, 1e-6 * e.weight_g, "part %d", i);
        cr_expect_float_eq(parts[i].est.print_time_s, e.print_time_s, 1e-6 * e.print_time_s, "part %d", i);
    }
    double sum = parts[0].est.weight_g + parts[1].est.weight_g;
    cr_expect_float_eq(sum, whole.weight_g, 0.02 * whole.weight_g, "parts %.3f g, plate %.3f g", sum,
                       whole.weight_g);
    cr_expect_gt(whole.print_time_s, parts[0].est.print_time_s);
    free(parts);
    pf_mesh_free(plate);

    pf_mesh *one = box(20, 20, 10);
    cr_assert_eq(pf_estimate_run(one, &p, pf_backend_scalar(), &whole, NULL), PF_E_OK);
    cr_assert_eq(pf_estimate_parts(one, &p, pf_backend_scalar(), &whole, &parts, &n, NULL), PF_E_OK);
    cr_assert_eq(n, 1);
    cr_expect_eq(memcmp(&parts[0].est, &whole, sizeof whole), 0, "the one part is the whole");
    free(parts);
    pf_mesh_free(one);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of n ≥ 1 sorted values. */
static double median_sorted(const double *v, size_t n)
{
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *file_of(const char *model, char *buf, size_t n)
{
    if (!strcmp(model, "gear_ascii")) return "gear.ascii.stl";
    if (!strcmp(model, "gear_obj")) return "gear.obj";
    if (!strcmp(model, "gear_3mf")) return "gear.3mf";
    snprintf(buf, n, "%s.stl", model);
    return buf;
}

/* Errors of every row of the reference file dir/csv (reference.csv's columns; meshes in dir): |weight| and
 * |time| errors in % into werr / terr (at most cap rows), printed row by row; returns the row count. */
static size_t reference_errors(const char *dir, const char *csv, double *werr, double *terr, size_t cap)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, csv);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    char line[2048], cur_model[64] = "";
    size_t n = 0, skipped = 0;
    pf_estimate_cache *c = NULL, *c0 = NULL; /* the mesh's caches for its densities above 0, and for 0 */
    int have = 0;
    pf_profile p = pf_profile_default(), p0 = p;
    p0.infill_density = 0;
    cr_assert_not_null(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f) && n < cap) {
        /* model,format,triangles,volume,area,bx,by,bz,infill_pct,filament_mm,cm3,g,naive,ratio,time_s,...
         * ,status */
        char *fld[20] = {0};
        int nf = 0;
        for (char *tok = strtok(line, ",\r\n"); tok && nf < 20; tok = strtok(NULL, ",\r\n"))
            fld[nf++] = tok;
        if (nf < 19 || strcmp(fld[18], "ok")) continue;
        if (strcmp(fld[0], cur_model)) {
            pf_estimate_cache_free(c);
            pf_estimate_cache_free(c0);
            c = c0 = NULL;
            have = 0;
            snprintf(cur_model, sizeof cur_model, "%s", fld[0]);
            char nb[128], mp[512];
            snprintf(mp, sizeof mp, "%s/%s", dir, file_of(fld[0], nb, sizeof nb));
            pf_mesh *m = NULL;
            pf_errbuf eb = {{0}};
            if (access(mp, R_OK)) { /* bumpy_1m is not stored */
                fprintf(stderr, "skip %s: not in tests/data\n", fld[0]);
                continue;
            }
            pf_err err = pf_mesh_read_file(mp, NULL, &m, &eb);
            if (err == PF_E_UNSUPPORTED) { /* no reader for this format in this build yet */
                fprintf(stderr, "skip %s: %s\n", fld[0], eb.msg);
                continue;
            }
            cr_assert_eq(err, PF_E_OK, "%s: %s", mp, eb.msg);
            c = prepare(m, &p);
            c0 = prepare(m, &p0);
            pf_mesh_free(m);
            have = 1;
        }
        if (!have) {
            skipped++;
            continue;
        }
        double pct = atof(fld[8]), fil_mm = atof(fld[9]), time_s = atof(fld[14]);
        double ref_g = fil_mm * M_PI * 0.875 * 0.875 * 1.24 / 1000;
        pf_estimate e;
        cr_assert_eq(pf_estimate_eval(pct > 0 ? c : c0, pct / 100, 0, &e, NULL), PF_E_OK);
        werr[n] = fabs(e.weight_g - ref_g) / ref_g * 100;
        terr[n] = fabs(e.print_time_s - time_s) / time_s * 100;
        fprintf(stderr, "%-12s %3.0f%%  %8.2f g (ref %8.2f, %+5.1f%%)  %8.0f s (ref %6.0f, %+5.1f%%)\n",
                cur_model, pct, e.weight_g, ref_g, (e.weight_g - ref_g) / ref_g * 100, e.print_time_s, time_s,
                (e.print_time_s - time_s) / time_s * 100);
        n++;
    }
    fclose(f);
    pf_estimate_cache_free(c);
    pf_estimate_cache_free(c0);
    fprintf(stderr, "%s: %zu rows (%zu skipped)\n", csv, n, skipped);
    return n;
}

Test(estimate, matches_prusaslicer_reference_within_issue_bounds, .timeout = 600)
{
    double werr[256], terr[256];
    size_t n = reference_errors(PF_TEST_DATA, "reference.csv", werr, terr, 256);
    cr_assert_geq(n, 50, "only %zu reference rows compared", n);
    qsort(werr, n, sizeof *werr, cmp_double);
    qsort(terr, n, sizeof *terr, cmp_double);
    double mw = median_sorted(werr, n), mt = median_sorted(terr, n);
    fprintf(stderr, "%zu rows: weight median %.2f%% worst %.2f%%; time median %.2f%% worst %.2f%%\n", n, mw,
            werr[n - 1], mt, terr[n - 1]);
    cr_expect_leq(mw, 3.0, "median weight error %.2f%%", mw);
    cr_expect_leq(werr[n - 1], 10.0, "worst weight error %.2f%%", werr[n - 1]);
    cr_expect_leq(mt, 8.0, "median time error %.2f%%", mt);
    cr_expect_leq(terr[n - 1], 20.0, "worst time error %.2f%%", terr[n - 1]);
}

/* The same bounds on meshes the estimator was not calibrated on (tests/data/extra/make.py writes them and
 * slices them with PrusaSlicer 2.5): a thin-walled tray as one shell and as overlapping boxes, fins on a
 * 150 mm plate, two tubes whose seams leave hairline cracks, tubes on a plate, a triangle soup whose corners
 * are off by float noise, pins, 25 islands, a part turned 45°, a bridge, a finely tessellated cylinder, a
 * hollow sphere, an L of overlapping boxes, a 5 mm cube, a sign with thin ribs and a coaster of thin tubes on
 * a 160 mm plate (large footprints: MAX_CELLS_PER_LAYER); large parts, whose grids CELL_BUDGET alone made
 * coarse (a 100 mm sphere was +84 % in time, a 132 mm torus +27 %, a 180 mm sphere +20 %); plain shapes
 * (cone, dome, pyramid, star, steps, ...); thin walls a few cells wide (cups, a tube, fins); boxes turned 30
 * and 45° about Z, whose walls lie off the grid's axes (the 45° one at 10 % is +9.6 % in weight: external
 * perimeter and sparse infill both over, see bench/RESULTS.md "Estimator features"); square rods of 10 mm
 * and of 6 mm turned 30°, with a line or two of sparse infill a layer (the 6 mm one was +17 % at 10 % while
 * every line took a link), of 4 mm turned 20°, slowed for cooling on every layer (its time was +21 % while a
 * few edge cells of solid fill counted as a path with a retraction), of 8 mm turned 45° and an 8.7 mm
 * hexagonal prism (+11 and +13 % at 10 % while their one line a layer counted as span / spacing); and, from
 * OpenSCAD sources (tests/data/extra/scad), variants of the shared models with other parameters and parts a
 * shop sees: a honeycomb panel (−19 % in time while its sparse infill counted one path per island), embossed
 * text, a mushroom over air, a wedge, a box with a closed void, an arch, ...; tubes of 2.2 and 2.4 mm walls
 * at radii of 18–38 mm (up to +31 % in time while their narrow sparse band broke into many paths on some
 * grids, see CHAIN_MIN_RUN). Its timeout: the 1620 rows on
 * the scalar oracle took 446 s alone under ASan (2026-12-04), more beside other tests on CI's two cores. */
Test(estimate, matches_prusaslicer_on_held_out_meshes, .timeout = 1200)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/extra", PF_TEST_DATA);
    enum { CAP = 4096 }; /* rows the test can hold: it fails before the file outgrows them */
    static double werr[CAP], terr[CAP];
    size_t n = reference_errors(dir, "reference_extra.csv", werr, terr, CAP);
    cr_assert_lt(n, (size_t)CAP, "reference_extra.csv has more rows than the test holds");
    cr_assert_geq(n, 1835, "only %zu rows compared", n);
    qsort(werr, n, sizeof *werr, cmp_double);
    qsort(terr, n, sizeof *terr, cmp_double);
    double mw = median_sorted(werr, n), mt = median_sorted(terr, n);
    cr_expect_leq(mw, 3.0, "median weight error %.2f%%", mw);
    cr_expect_leq(werr[n - 1], 10.0, "worst weight error %.2f%%", werr[n - 1]);
    cr_expect_leq(mt, 8.0, "median time error %.2f%%", mt);
    cr_expect_leq(terr[n - 1], 20.0, "worst time error %.2f%%", terr[n - 1]);
}

/* Sorts the rows' |errors| (%) in place, prints their medians and worst under `what`, and expects the medians
 * and the worst within the bounds given (weight, then time). */
static void expect_errors(const char *what, double *werr, double *terr, size_t n, double w_med, double w_max,
                          double t_med, double t_max)
{
    qsort(werr, n, sizeof *werr, cmp_double);
    qsort(terr, n, sizeof *terr, cmp_double);
    double mw = median_sorted(werr, n), mt = median_sorted(terr, n);
    fprintf(stderr, "%s: %zu rows: weight median %.2f%% worst %.2f%%; time median %.2f%% worst %.2f%%\n",
            what, n, mw, werr[n - 1], mt, terr[n - 1]);
    cr_expect_leq(mw, w_med, "%s: median weight error %.2f%%", what, mw);
    cr_expect_leq(werr[n - 1], w_max, "%s: worst weight error %.2f%%", what, werr[n - 1]);
    cr_expect_leq(mt, t_med, "%s: median time error %.2f%%", what, mt);
    cr_expect_leq(terr[n - 1], t_max, "%s: worst time error %.2f%%", what, terr[n - 1]);
}

/* tests/data/NAME opened for reading, and the SIMD backend the reference tests run on (*be, for
 * pf_backend_free). */
static FILE *open_reference(const char *name, pf_backend **be)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", PF_TEST_DATA, name);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_backend_get("simd", be, &eb), PF_E_OK, "%s", eb.msg);
    return f;
}

/* The next row of a reference CSV (comment lines and the header skipped) into line (cap bytes), split into
 * its nf fields; 0 at the end of the file. */
static int next_row(FILE *f, char *line, size_t cap, char **fld, int nf)
{
    while (fgets(line, (int)cap, f)) {
        if (line[0] == '#' || !strncmp(line, "model,", 6)) continue;
        int k = 0;
        for (char *tok = strtok(line, ",\r\n"); tok; tok = strtok(NULL, ",\r\n"))
            if (k++ < nf) fld[k - 1] = tok;
        cr_assert_eq(k, nf, "a row of %d fields", nf);
        return 1;
    }
    return 0;
}

/* The profile of a reference row (its fields fld, the mesh's model and dir first, its filament mm and seconds
 * last) on the default one. */
typedef void (*row_profile)(pf_profile *p, char **fld);

/* Estimates every row of reference CSV name (nf fields, as row_profile's) with the SIMD backend (the scalar
 * oracle's equal, tests/test_backends.c) into its weight and time errors, % (up to cap rows); returns the
 * rows. */
static size_t row_errors(const char *name, int nf, row_profile set, double *werr, double *terr, size_t cap)
{
    pf_backend *be = NULL;
    pf_errbuf eb = {{0}};
    FILE *f = open_reference(name, &be);
    char line[512], *fld[16];
    cr_assert_leq(nf, 16);
    size_t n = 0;
    while (n < cap && next_row(f, line, sizeof line, fld, nf)) {
        char mp[192];
        snprintf(mp, sizeof mp, "%s/%s/%s.stl", PF_TEST_DATA, fld[1], fld[0]);
        pf_mesh *m = NULL;
        cr_assert_eq(pf_mesh_read_file(mp, NULL, &m, &eb), PF_E_OK, "%s: %s", mp, eb.msg);
        pf_profile p = pf_profile_default();
        set(&p, fld);
        pf_estimate e;
        cr_assert_eq(pf_estimate_run(m, &p, be, &e, &eb), PF_E_OK, "%s: %s", mp, eb.msg);
        pf_mesh_free(m);
        double ref_g = atof(fld[nf - 2]) * M_PI * 0.875 * 0.875 * 1.24 / 1000, ref_t = atof(fld[nf - 1]);
        werr[n] = fabs(e.weight_g - ref_g) / ref_g * 100;
        terr[n] = fabs(e.print_time_s - ref_t) / ref_t * 100;
        n++;
    }
    fclose(f);
    pf_backend_free(be);
    return n;
}

/* model,dir,layer_height,infill_pct,filament_mm,time_s */
static void layers_row(pf_profile *p, char **fld)
{
    p->layer_height = atof(fld[2]);
    p->infill_density = atof(fld[3]) / 100;
}

/* At other layer heights (0.1 and 0.3 mm, the first layer 0.2 mm as in the profile) against PrusaSlicer 2.5
 * on 136 meshes of both sets at 20 % (tests/data/layers_reference.csv, written by tests/data/layers_make.sh):
 * the issue's bounds, as at 0.2 mm. Arachne's bead thresholds are in spacings, which widen as the layers
 * thin: before they followed the layer height, a vase of 1.2 mm walls at 0.1 mm was 28 % over in time (a
 * centre bead PrusaSlicer does not print there) and a hexagonal ring of 1.4 mm walls at 0.3 mm 37 % over (its
 * centre loop split at every corner). SIMD backend (the scalar oracle's equal, tests/test_backends.c). */
Test(estimate, matches_prusaslicer_at_other_layer_heights, .timeout = 1500)
{
    enum { CAP = 1024 };
    static double werr[CAP], terr[CAP];
    size_t n = row_errors("layers_reference.csv", 6, layers_row, werr, terr, CAP);
    cr_assert_geq(n, 272, "only %zu rows compared", n);
    expect_errors("layer heights", werr, terr, n, 3.0, 10.0, 8.0, 20.0);
}

/* model,dir,layer_height,top,bottom,infill_pct,filament_mm,time_s */
static void solid_row(pf_profile *p, char **fld)
{
    p->layer_height = atof(fld[2]);
    p->top_layers = atoi(fld[3]);
    p->bottom_layers = atoi(fld[4]);
    p->infill_density = atof(fld[5]) / 100;
}

/* With more top and bottom solid layers than the default's 3 and 3 against PrusaSlicer 2.5 (tests/data/
 * solid_reference.csv, written by tests/data/solid_make.sh): 46 meshes of both sets with 5 top and 4 bottom
 * layers at 20 % (PrusaSlicer's own 0.20 mm QUALITY counts), 14 with 7 and 4 at 0.1 mm (its minimum shell
 * thicknesses there) and 5 sloped ones at 0 %. The shells of the layers beyond 3 come from engine/estimate.c
 * wide_shells; with the 3-layer window and the tops' areas moved to solid under them instead, a 45° cone's
 * shell was 44 % light at 0 % and 27 % at 20 %, and time was off by 2.8 % in the median and 46 % at worst.
 * The weights keep the issue's bounds and the median time too; the worst time is allowed 25 %: the cone at
 * 0.1 mm, whose sparse strip beside the new band is as narrow as PrusaSlicer's clean-up of narrow sparse
 * regions allows, where the grid's cells (0.36 mm) turn it to solid in pieces (+23 %, most of it the
 * pieces' travel and retractions). SIMD backend. */
Test(estimate, matches_prusaslicer_with_more_solid_layers, .timeout = 600)
{
    enum { CAP = 256 };
    static double werr[CAP], terr[CAP];
    size_t n = row_errors("solid_reference.csv", 8, solid_row, werr, terr, CAP);
    cr_assert_geq(n, 65, "only %zu rows compared", n);
    expect_errors("more solid layers", werr, terr, n, 3.0, 10.0, 8.0, 25.0);
}

/* A mesh whose facets are wound inward (its normals point in: a negative volume) is turned round before it
 * is sliced, as PrusaSlicer's repair does, and estimates as the same mesh wound outward: its slices keep the
 * inside on their left, which the facets' slopes read. An inverted 50 mm pyramid with 5 top layers read its
 * slopes upside down and printed half of PrusaSlicer's vertical shells (its weight 3.4 % lower). */
Test(estimate, an_inverted_mesh_estimates_as_the_one_wound_outward)
{
    pf_estimate e[2];
    for (int k = 0; k < 2; k++) {
        pf_mesh_builder b;
        pf_mesh_builder_init(&b, NULL);
        const float v[5][3] = {{0, 0, 0}, {50, 0, 0}, {50, 50, 0}, {0, 50, 0}, {25, 25, 35}};
        const int t[6][3] = {{0, 1, 4}, {1, 2, 4}, {2, 3, 4}, {3, 0, 4}, {0, 3, 1}, {1, 3, 2}};
        for (int i = 0; i < 6; i++) {
            float tri[9];
            for (int c = 0; c < 3; c++) /* inverted (k = 1): the last two corners swapped */
                memcpy(tri + 3 * c, v[t[i][k && c ? 3 - c : c]], sizeof v[0]);
            cr_assert_eq(pf_mesh_builder_tri(&b, tri, NULL), PF_E_OK);
        }
        pf_mesh *m = NULL;
        cr_assert_eq(pf_mesh_builder_finish(&b, &m, NULL), PF_E_OK);
        pf_profile p = pf_profile_default();
        p.top_layers = 5, p.bottom_layers = 4;
        cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e[k], NULL), PF_E_OK);
        pf_mesh_free(m);
    }
    cr_expect(fabs(e[1].weight_g / e[0].weight_g - 1) < 1e-6, "inverted %.3f g, outward %.3f g",
              e[1].weight_g, e[0].weight_g);
    cr_expect(fabs(e[1].print_time_s / e[0].print_time_s - 1) < 1e-6, "inverted %.1f s, outward %.1f s",
              e[1].print_time_s, e[0].print_time_s);
}

/* With supports (engine/supports.h) against PrusaSlicer 2.5 with its automatic supports, on 69 meshes of both
 * sets that hold overhangs or none (tests/data/supports_reference.csv: 34 at 0, 20 and 50 %, on whose 20 %
 * rows the model's three constants were fitted, and 35 more at 20 %). The issue sets no bound for supports;
 * these hold what the model reaches with some room (weight medians 0.9–2.0 %, worst 19.3 %, a 2.7 g spring's
 * support; time medians 2.0–3.5 %, worst 12.9 %), where the column model before it was 3–12 % off in the
 * medians and up to 65 % in the worst rows. */
Test(estimate, supports_match_prusaslicer, .timeout = 600)
{
    pf_backend *be = NULL;
    pf_errbuf eb = {{0}};
    FILE *f = open_reference("supports_reference.csv", &be);
    pf_profile p = pf_profile_default(), p0 = p;
    p.supports = p0.supports = 1;
    p0.infill_density = 0;
    enum { CAP = 512 };
    static double werr[CAP], terr[CAP];
    char line[512], cur[192] = "";
    size_t n = 0;
    pf_estimate_cache *c = NULL, *c0 = NULL;
    char *fld[8]; /* model,dir,infill_pct,fitted,filament_g,time_s,filament_g_nosup,time_s_nosup */
    while (n < CAP && next_row(f, line, sizeof line, fld, 8)) {
        char mp[192];
        snprintf(mp, sizeof mp, "%s/%s/%s.stl", PF_TEST_DATA, fld[1], fld[0]);
        if (strcmp(mp, cur)) {
            pf_estimate_cache_free(c);
            pf_estimate_cache_free(c0);
            snprintf(cur, sizeof cur, "%s", mp);
            pf_mesh *m = NULL;
            cr_assert_eq(pf_mesh_read_file(mp, NULL, &m, &eb), PF_E_OK, "%s: %s", mp, eb.msg);
            cr_assert_eq(pf_estimate_prepare(m, &p, be, &c, &eb), PF_E_OK, "%s", eb.msg);
            cr_assert_eq(pf_estimate_prepare(m, &p0, be, &c0, &eb), PF_E_OK, "%s", eb.msg);
            pf_mesh_free(m);
        }
        double pct = atof(fld[2]), ref_g = atof(fld[4]), ref_t = atof(fld[5]);
        pf_estimate e;
        cr_assert_eq(pf_estimate_eval(pct > 0 ? c : c0, pct / 100, 1, &e, &eb), PF_E_OK, "%s", eb.msg);
        werr[n] = fabs(e.weight_g - ref_g) / ref_g * 100;
        terr[n] = fabs(e.print_time_s - ref_t) / ref_t * 100;
        fprintf(stderr,
                "supports %-12s %3.0f%%  %7.2f g (ref %7.2f, %+5.1f%%)  %7.0f s (ref %6.0f, %+5.1f%%)\n",
                fld[0], pct, e.weight_g, ref_g, (e.weight_g - ref_g) / ref_g * 100, e.print_time_s, ref_t,
                (e.print_time_s - ref_t) / ref_t * 100);
        n++;
    }
    fclose(f);
    pf_estimate_cache_free(c);
    pf_estimate_cache_free(c0);
    pf_backend_free(be);
    cr_assert_eq(n, 137, "%zu rows", n);
    expect_errors("supports", werr, terr, n, 3.0, 25.0, 5.0, 25.0);
}

/* ---- printforge quote ---- */

/* Runs PF_BINARY with args, returns the exit status and stdout (caller frees). */
static int run_cli(const char *args, char **out)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>/dev/null", PF_BINARY, args);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap);
    while ((n = fread(buf + len, 1, cap - 1 - len, f)) > 0)
        len += n;
    buf[len] = 0;
    int st = pclose(f);
    *out = buf;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    cr_assert(cJSON_IsNumber(v), "no number '%s'", key);
    return v->valuedouble;
}

/* The quote's price is the cost engine's price of the estimate: PETG's density and cost per kg, 3 units,
 * priority, default settings; every line matches pf_price_compute to the paisa. */
Test(estimate, cli_quote_prices_the_estimate_in_inr)
{
    char *out = NULL;
    int rc = run_cli("quote '" PF_TEST_DATA "/cube20.stl' --json --backend scalar --material petg "
                     "--quantity 3 --priority",
                     &out);
    cr_assert_eq(rc, 0, "%s", out);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cr_assert_str_eq(cJSON_GetObjectItem(j, "material")->valuestring, "PETG");

    const pf_material_def *petg = NULL;
    cr_assert_eq(pf_material_find("PETG", &petg, NULL), PF_E_OK);
    pf_mesh *m = load("cube20.stl");
    pf_profile p = pf_profile_default();
    p.filament_density = petg->density_g_cm3;
    pf_estimate e;
    cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &e, NULL), PF_E_OK);
    pf_mesh_free(m);
    cr_assert_float_eq(num(j, "weight_g"), e.weight_g, 1e-9 * e.weight_g);
    /* One part: its entry is the whole's figures. */
    const cJSON *parts = cJSON_GetObjectItem(j, "parts");
    cr_assert(cJSON_IsArray(parts) && cJSON_GetArraySize(parts) == 1, "%s", out);
    cr_expect_float_eq(num(cJSON_GetArrayItem(parts, 0), "weight_g"), e.weight_g, 1e-9 * e.weight_g);
    cr_expect_eq(num(cJSON_GetArrayItem(parts, 0), "triangles"), 12);
    pf_price_input in = {.weight_g = e.weight_g,
                         .print_time_s = e.print_time_s,
                         .material_cost_per_kg_paise = petg->cost_per_kg_paise,
                         .quantity = 3,
                         .priority = 1};
    pf_price_breakdown b;
    cr_assert_eq(pf_price_compute(NULL, &in, &b, NULL), PF_E_OK);
    cJSON *pr = cJSON_GetObjectItem(j, "price");
    cr_assert_not_null(pr, "%s", out);
    cr_assert_str_eq(cJSON_GetObjectItem(pr, "currency")->valuestring, "INR");
    cr_assert_eq(llround(num(pr, "material") * 100), b.material);
    cr_assert_eq(llround(num(pr, "printing") * 100), b.printing);
    cr_assert_eq(llround(num(pr, "priority") * 100), b.priority);
    cr_assert_eq(llround(num(pr, "gst") * 100), b.gst);
    cr_assert_eq(llround(num(pr, "total") * 100), b.total);
    cr_assert_gt(b.priority, 0);
    cr_assert_eq(b.material + b.printing + b.priority + b.gst, b.total);
    cJSON_Delete(j);
    free(out);

    /* Materials come from the material table: an unknown one is refused with the valid names. */
    rc = run_cli("quote '" PF_TEST_DATA "/cube20.stl' --json --material unobtainium", &out);
    cr_assert_eq(rc, 2);
    cr_assert_not_null(strstr(out, "unknown material 'unobtainium' (PLA, PETG"), "%s", out);
    free(out);
}
