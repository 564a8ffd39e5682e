/* Mesh analysis on shapes with known answers built in memory, the reference meshes, and `printforge analyze`.
 */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/analyze.h"
#include "engine/analyze_geo.h"
#include "engine/mesh.h"

/* ---- Shape builders: every shape goes through pf_mesh_builder, so welding is part of what is tested. ----
 */

static void tri(pf_mesh_builder *b, const float *p, const float *q, const float *r)
{
    float v[9] = {p[0], p[1], p[2], q[0], q[1], q[2], r[0], r[1], r[2]};
    cr_assert_eq(pf_mesh_builder_tri(b, v, NULL), PF_E_OK);
}

/* Two triangles of a quad whose corners run counter-clockwise seen from outside (or clockwise when flip). */
static void quad(pf_mesh_builder *b, const float *p0, const float *p1, const float *p2, const float *p3,
                 int flip)
{
    if (flip) {
        tri(b, p0, p2, p1);
        tri(b, p0, p3, p2);
    } else {
        tri(b, p0, p1, p2);
        tri(b, p0, p2, p3);
    }
}

/* An axis-aligned box from lo to hi, 12 triangles, outward normals unless flip. */
static void box(pf_mesh_builder *b, const float lo[3], const float hi[3], int flip)
{
    float c[8][3];
    for (int i = 0; i < 8; i++) {
        c[i][0] = i & 1 ? hi[0] : lo[0];
        c[i][1] = i & 2 ? hi[1] : lo[1];
        c[i][2] = i & 4 ? hi[2] : lo[2];
    }
    static const int faces[6][4] = {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4},
                                    {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}};
    for (int f = 0; f < 6; f++)
        quad(b, c[faces[f][0]], c[faces[f][1]], c[faces[f][2]], c[faces[f][3]], flip);
}

static pf_mesh *finish(pf_mesh_builder *b)
{
    pf_mesh *m = NULL;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_mesh_builder_finish(b, &m, &eb), PF_E_OK, "%s", eb.msg);
    return m;
}

static pf_analysis analyze(const pf_mesh *m, const double bed[3])
{
    pf_analysis a;
    pf_errbuf eb = {{0}};
    pf_analyze_opts o = {{0, 0, 0}, 2, 0}; /* two threads for sure: 0 would pick one on a busy machine */
    if (bed) memcpy(o.bed_mm, bed, sizeof o.bed_mm);
    cr_assert_eq(pf_mesh_analyze(m, &o, &a, &eb), PF_E_OK, "%s", eb.msg);
    /* The single-threaded run must give the very same answer. */
    pf_analysis one;
    o.threads = 1;
    cr_assert_eq(pf_mesh_analyze(m, &o, &one, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert(memcmp(&a, &one, sizeof a) == 0, "the result depends on the thread count");
    return a;
}

static pf_mesh *cube_mesh(float side, int flip)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    float lo[3] = {0, 0, 0}, hi[3] = {side, side, side};
    box(&b, lo, hi, flip);
    return finish(&b);
}

#define ASSERT_NEAR(x, want, tol)                                                                            \
    cr_assert(fabs((x) - (want)) <= (tol), "%s = %.9g, want %.9g", #x, (x), (want))

Test(analyze, cube_volume_area_bbox_and_edges)
{
    pf_mesh *m = cube_mesh(20, 0);
    pf_analysis a = analyze(m, NULL);
    cr_assert_eq(a.stats.triangles, 12);
    cr_assert_eq(a.vertices, 8);
    ASSERT_NEAR(a.stats.volume_mm3, 8000.0, 1e-9);
    ASSERT_NEAR(a.stats.area_mm2, 2400.0, 1e-9);
    for (int k = 0; k < 3; k++) {
        ASSERT_NEAR(a.stats.bbox_min[k], 0.0, 0);
        ASSERT_NEAR(a.stats.bbox_max[k], 20.0, 0);
        ASSERT_NEAR(a.stats.dims[k], 20.0, 0);
    }
    cr_assert_eq(a.stats.inverted, 0);
    cr_assert_eq(a.shells, 1);
    /* 12 cube edges plus 6 face diagonals, each used twice in opposite directions. */
    cr_assert_eq(a.edges, 18);
    cr_assert_eq(a.boundary_edges, 0);
    cr_assert_eq(a.non_manifold_edges, 0);
    cr_assert_eq(a.degenerate_triangles, 0);
    cr_assert_eq(a.watertight, 1);
    cr_assert_eq(a.fits_bed, -1);
    pf_mesh_free(m);
}

Test(analyze, tetrahedron)
{
    const float o[3] = {0, 0, 0}, x[3] = {3, 0, 0}, y[3] = {0, 4, 0}, z[3] = {0, 0, 5};
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    tri(&b, o, y, x);
    tri(&b, o, x, z);
    tri(&b, o, z, y);
    tri(&b, x, y, z);
    pf_mesh *m = finish(&b);
    pf_analysis a = analyze(m, NULL);
    ASSERT_NEAR(a.stats.volume_mm3, 3.0 * 4 * 5 / 6, 1e-12);
    double slanted = 0.5 * sqrt(12.0 * 12 + 20.0 * 20 + 15.0 * 15);
    ASSERT_NEAR(a.stats.area_mm2, 6.0 + 7.5 + 10.0 + slanted, 1e-9);
    cr_assert_eq(a.vertices, 4);
    cr_assert_eq(a.edges, 6);
    cr_assert_eq(a.shells, 1);
    cr_assert_eq(a.watertight, 1);
    cr_assert_eq(a.stats.inverted, 0);
    pf_mesh_free(m);
}

/* A W×D×H block with a w×d square hole through it along Z: genus 1, 16 vertices, 32 triangles. */
Test(analyze, box_with_through_hole_is_one_watertight_shell)
{
    const float W = 40, D = 30, H = 10, x0 = 10, x1 = 25, y0 = 5, y1 = 20;
    float ob[4][3] = {{0, 0, 0}, {W, 0, 0}, {W, D, 0}, {0, D, 0}};
    float ib[4][3] = {{x0, y0, 0}, {x1, y0, 0}, {x1, y1, 0}, {x0, y1, 0}};
    float ot[4][3], it[4][3];
    for (int k = 0; k < 4; k++) {
        memcpy(ot[k], ob[k], sizeof ot[k]);
        memcpy(it[k], ib[k], sizeof it[k]);
        ot[k][2] = it[k][2] = H;
    }
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    for (int k = 0; k < 4; k++) {
        int n = (k + 1) % 4;
        quad(&b, ot[k], ot[n], it[n], it[k], 0); /* top ring, facing +z */
        quad(&b, ob[k], ib[k], ib[n], ob[n], 0); /* bottom ring, facing −z */
        quad(&b, ob[k], ob[n], ot[n], ot[k], 0); /* outer wall */
        quad(&b, ib[n], ib[k], it[k], it[n], 0); /* hole wall, facing into the hole */
    }
    pf_mesh *m = finish(&b);
    pf_analysis a = analyze(m, NULL);
    double hw = x1 - x0, hd = y1 - y0;
    ASSERT_NEAR(a.stats.volume_mm3, W * D * H - hw * hd * H, 1e-9);
    ASSERT_NEAR(a.stats.area_mm2, 2 * (W * D - hw * hd) + 2 * H * (W + D) + 2 * H * (hw + hd), 1e-9);
    cr_assert_eq(a.stats.triangles, 32);
    cr_assert_eq(a.vertices, 16);
    cr_assert_eq(a.edges, 48); /* V − E + F = 16 − 48 + 32 = 0: a torus */
    cr_assert_eq(a.shells, 1);
    cr_assert_eq(a.watertight, 1);
    cr_assert_eq(a.stats.inverted, 0);
    pf_mesh_free(m);
}

/* A UV sphere is a convex polyhedron inscribed in the sphere of radius r that contains the sphere of radius
 * r·cos(α), α bounding the angular radius of any face, so its volume and area lie between the two spheres'.
 */
static void check_uv_sphere(int nlat, int nlon)
{
    const double r = 25.0, pi = acos(-1.0);
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    float(*p)[3] = malloc(sizeof *p * (size_t)(nlat + 1) * nlon);
    for (int i = 0; i <= nlat; i++) {
        for (int j = 0; j < nlon; j++) {
            double th = pi * i / nlat, ph = 2 * pi * j / nlon;
            /* The poles are one point however j turns, so they weld into single vertices. */
            double s = (i == 0 || i == nlat) ? 0.0 : sin(th);
            float *q = p[i * nlon + j];
            q[0] = (float)(r * s * cos(ph));
            q[1] = (float)(r * s * sin(ph));
            q[2] = (float)(r * cos(th));
        }
    }
    for (int i = 0; i < nlat; i++) {
        for (int j = 0; j < nlon; j++) {
            int jn = (j + 1) % nlon;
            const float *a = p[i * nlon + j], *c = p[i * nlon + jn];
            const float *d = p[(i + 1) * nlon + j], *e = p[(i + 1) * nlon + jn];
            if (i > 0) tri(&b, a, d, c);
            if (i < nlat - 1) tri(&b, c, d, e);
        }
    }
    free(p);
    pf_mesh *m = finish(&b);
    pf_analysis a = analyze(m, NULL);
    double alpha = fmax(pi / nlat, 2 * pi / nlon), rin = r * cos(alpha);
    cr_assert_eq(a.stats.triangles, (size_t)2 * nlon * (nlat - 1));
    cr_assert_eq(a.vertices, (size_t)2 + (size_t)(nlat - 1) * nlon);
    cr_assert_lt(a.stats.volume_mm3, 4.0 / 3 * pi * r * r * r);
    cr_assert_gt(a.stats.volume_mm3, 4.0 / 3 * pi * rin * rin * rin);
    cr_assert_lt(a.stats.area_mm2, 4 * pi * r * r);
    cr_assert_gt(a.stats.area_mm2, 4 * pi * rin * rin);
    cr_assert_eq(a.shells, 1);
    cr_assert_eq(a.watertight, 1);
    cr_assert_eq(a.stats.inverted, 0);
    for (int k = 0; k < 3; k++)
        ASSERT_NEAR(a.stats.dims[k], 2 * r, 0.1);
    pf_mesh_free(m);
}

Test(analyze, uv_sphere_within_tessellation_bounds)
{
    check_uv_sphere(24, 48);
}

/* Over 65 536 corners the builder welds on two threads and joins the halves; the counts must not change. */
Test(analyze, large_uv_sphere_welds_across_threads)
{
    check_uv_sphere(100, 200);
}

Test(analyze, inverted_cube_reports_positive_volume)
{
    pf_mesh *m = cube_mesh(10, 1);
    pf_analysis a = analyze(m, NULL);
    ASSERT_NEAR(a.stats.volume_mm3, 1000.0, 1e-9);
    cr_assert_eq(a.stats.inverted, 1);
    cr_assert_eq(a.watertight, 1);
    pf_mesh_free(m);
}

Test(analyze, two_disjoint_cubes_are_two_shells)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    float lo1[3] = {0, 0, 0}, hi1[3] = {10, 10, 10}, lo2[3] = {20, 0, 0}, hi2[3] = {25, 5, 5};
    box(&b, lo1, hi1, 0);
    box(&b, lo2, hi2, 0);
    pf_mesh *m = finish(&b);
    pf_analysis a = analyze(m, NULL);
    cr_assert_eq(a.shells, 2);
    cr_assert_eq(a.vertices, 16);
    ASSERT_NEAR(a.stats.volume_mm3, 1000.0 + 125.0, 1e-9);
    ASSERT_NEAR(a.stats.dims[0], 25.0, 0);
    cr_assert_eq(a.watertight, 1);
    pf_mesh_free(m);
}

Test(analyze, cube_missing_a_triangle_has_three_boundary_edges)
{
    pf_mesh *full = cube_mesh(10, 0);
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    for (size_t t = 0; t < 11; t++) {
        float v[9];
        for (int c = 0; c < 3; c++)
            memcpy(v + 3 * c, full->verts + 3 * full->tris[3 * t + c], 3 * sizeof(float));
        cr_assert_eq(pf_mesh_builder_tri(&b, v, NULL), PF_E_OK);
    }
    pf_mesh_free(full);
    pf_mesh *m = finish(&b);
    pf_analysis a = analyze(m, NULL);
    cr_assert_eq(a.boundary_edges, 3);
    cr_assert_eq(a.non_manifold_edges, 0);
    cr_assert_eq(a.edges, 18);
    cr_assert_eq(a.watertight, 0);
    cr_assert_eq(a.shells, 1);
    pf_mesh_free(m);
}

Test(analyze, three_triangles_on_one_edge_are_non_manifold)
{
    const float e0[3] = {0, 0, 0}, e1[3] = {10, 0, 0};
    const float p[3][3] = {{5, 5, 0}, {5, -5, 0}, {5, 0, 5}};
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    tri(&b, e0, e1, p[0]);
    tri(&b, e1, e0, p[1]);
    tri(&b, e1, e0, p[2]);
    pf_mesh *m = finish(&b);
    pf_analysis a = analyze(m, NULL);
    cr_assert_eq(a.edges, 7);
    cr_assert_eq(a.non_manifold_edges, 1);
    cr_assert_eq(a.boundary_edges, 6);
    cr_assert_eq(a.watertight, 0);
    cr_assert_eq(a.shells, 1);
    pf_mesh_free(m);
}

Test(analyze, degenerate_triangles_are_counted)
{
    const float a0[3] = {0, 0, 0}, a1[3] = {1, 0, 0}, a2[3] = {0, 1, 0};
    const float c0[3] = {0, 0, 5}, c1[3] = {1, 0, 5}, c2[3] = {2, 0, 5}; /* collinear */
    const float r0[3] = {0, 0, 9}, r1[3] = {1, 1, 9};                    /* repeated corner */
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    tri(&b, a0, a1, a2);
    tri(&b, c0, c1, c2);
    tri(&b, r0, r0, r1);
    pf_mesh *m = finish(&b);
    pf_analysis a = analyze(m, NULL);
    cr_assert_eq(a.degenerate_triangles, 2);
    cr_assert_eq(a.edges, 6); /* the repeated-index triangle adds none */
    cr_assert_eq(a.boundary_edges, 6);
    cr_assert_eq(a.vertices, 8);
    cr_assert_eq(a.shells, 3);
    ASSERT_NEAR(a.stats.area_mm2, 0.5, 1e-12);
    pf_mesh_free(m);
}

Test(analyze, one_flipped_triangle_makes_its_edges_non_manifold)
{
    pf_mesh *m = cube_mesh(10, 0);
    uint32_t *t = m->tris + 3 * 5; /* turn triangle 5 around */
    uint32_t tmp = t[1];
    t[1] = t[2];
    t[2] = tmp;
    pf_analysis a = analyze(m, NULL);
    cr_assert_eq(a.non_manifold_edges, 3);
    cr_assert_eq(a.boundary_edges, 0);
    cr_assert_eq(a.watertight, 0);
    pf_mesh_free(m);
}

Test(analyze, bed_fit_with_and_without_a_turn)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    float lo[3] = {0, 0, 0}, hi[3] = {200, 240, 50};
    box(&b, lo, hi, 0);
    pf_mesh *m = finish(&b);
    const double bed[3] = {250, 210, 210}, wide[3] = {250, 250, 210}, low[3] = {250, 250, 40};
    const double small[3] = {210, 210, 210};
    pf_analysis a = analyze(m, bed);
    cr_assert_eq(a.fits_bed, 1);
    cr_assert_eq(a.fits_rotated, 1);
    a = analyze(m, wide);
    cr_assert_eq(a.fits_bed, 1);
    cr_assert_eq(a.fits_rotated, 0);
    a = analyze(m, low);
    cr_assert_eq(a.fits_bed, 0);
    a = analyze(m, small);
    cr_assert_eq(a.fits_bed, 0);
    const double exact[3] = {200, 240, 50}, over[3] = {199.9, 240, 50};
    cr_assert_eq(pf_bed_fit(exact, exact), 1);
    cr_assert_eq(pf_bed_fit(exact, over), 0);
    pf_mesh_free(m);
}

Test(analyze, parts_not_printed_are_left_out)
{
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    float lo1[3] = {0, 0, 0}, hi1[3] = {10, 10, 10}, lo2[3] = {-50, -50, 0}, hi2[3] = {-30, -30, 20};
    cr_assert_eq(pf_mesh_builder_part(&b, "support", 0), PF_E_OK);
    box(&b, lo2, hi2, 0);
    cr_assert_eq(pf_mesh_builder_part(&b, "part", 1), PF_E_OK);
    box(&b, lo1, hi1, 0);
    pf_mesh *m = finish(&b);
    cr_assert_eq(m->ntris, 24);
    pf_analysis a = analyze(m, NULL);
    cr_assert_eq(a.stats.triangles, 12);
    cr_assert_eq(a.vertices, 8);
    cr_assert_eq(a.shells, 1);
    ASSERT_NEAR(a.stats.volume_mm3, 1000.0, 1e-9);
    ASSERT_NEAR(a.stats.bbox_min[0], 0.0, 0);
    pf_mesh_stats st;
    cr_assert_eq(pf_mesh_stats_compute(m, &st, NULL), PF_E_OK);
    ASSERT_NEAR(st.volume_mm3, 1000.0, 1e-9);
    ASSERT_NEAR(st.area_mm2, 600.0, 1e-9);
    m->parts[1].printed = 0; /* nothing printed is an error, not a zero */
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_mesh_analyze(m, NULL, &a, &eb), PF_E_EMPTY_MESH);
    cr_assert_eq(pf_mesh_stats_compute(m, &st, NULL), PF_E_EMPTY_MESH);
    pf_mesh_free(m);
}

Test(analyze, stats_only_skips_topology)
{
    pf_mesh *m = cube_mesh(20, 0);
    pf_analyze_opts o = {{0, 0, 0}, 0, 1};
    pf_analysis a;
    cr_assert_eq(pf_mesh_analyze(m, &o, &a, NULL), PF_E_OK);
    ASSERT_NEAR(a.stats.volume_mm3, 8000.0, 1e-9);
    cr_assert_eq(a.edges, 0);
    cr_assert_eq(a.shells, 0);
    pf_mesh_free(m);
}

Test(analyze, index_out_of_range_is_refused)
{
    pf_mesh *m = cube_mesh(20, 0);
    m->tris[7] = (uint32_t)m->nverts;
    pf_analysis a;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_mesh_analyze(m, NULL, &a, &eb), PF_E_BAD_INDEX);
    cr_assert_neq(eb.msg[0], 0);
    /* On one thread and on two: both the shells' pass and the edges' find it, and neither classifies. */
    for (int th = 1; th <= 2; th++) {
        pf_analyze_opts o = {{0, 0, 0}, th, 0};
        eb.msg[0] = 0;
        cr_assert_eq(pf_mesh_analyze(m, &o, &a, &eb), PF_E_BAD_INDEX, "%d threads", th);
        cr_assert_neq(eb.msg[0], 0);
    }
    pf_mesh_free(m);
}

/* ---- Reference meshes: every binary STL in tests/data against reference.csv's exact volume. ---- */

Test(analyze, reference_meshes_match_csv_volume)
{
    FILE *f = fopen(PF_TEST_DATA "/reference.csv", "r");
    cr_assert_not_null(f);
    char line[1024], last[128] = "";
    int checked = 0;
    cr_assert_not_null(fgets(line, sizeof line, f)); /* header */
    cr_assert(strncmp(line, "model,format,triangles,volume_mm3,area_mm2,bbox_x,bbox_y,bbox_z,", 64) == 0);
    while (fgets(line, sizeof line, f)) {
        char model[128], format[32];
        unsigned long ntris;
        double vol, area, bx, by, bz;
        if (sscanf(line, "%127[^,],%31[^,],%lu,%lf,%lf,%lf,%lf,%lf", model, format, &ntris, &vol, &area, &bx,
                   &by, &bz) != 8)
            cr_assert_fail("bad CSV line: %s", line);
        if (strcmp(format, "stl-binary") != 0 || strcmp(model, last) == 0) continue;
        snprintf(last, sizeof last, "%s", model);
        char path[512];
        snprintf(path, sizeof path, "%s/%s.stl", PF_TEST_DATA, model);
        if (access(path, R_OK) != 0) continue; /* bumpy_1m is generated by the bench, not stored */
        pf_mesh *m = NULL;
        pf_errbuf eb = {{0}};
        cr_assert_eq(pf_mesh_read_file(path, NULL, &m, &eb), PF_E_OK, "%s: %s", model, eb.msg);
        pf_analysis a;
        cr_assert_eq(pf_mesh_analyze(m, NULL, &a, &eb), PF_E_OK, "%s: %s", model, eb.msg);
        cr_assert_eq(a.stats.triangles, ntris, "%s", model);
        cr_assert(fabs(a.stats.volume_mm3 - vol) <= 1e-4 * vol, "%s: volume %.3f, want %.3f", model,
                  a.stats.volume_mm3, vol);
        const double want[3] = {bx, by, bz};
        for (int k = 0; k < 3; k++)
            cr_assert(fabs(a.stats.dims[k] - want[k]) <= 0.01, "%s: dim %d %.4f, want %.2f", model, k,
                      a.stats.dims[k], want[k]);
        cr_assert_eq(a.stats.inverted, 0, "%s", model);
        pf_mesh_free(m);
        checked++;
    }
    fclose(f);
    cr_assert_geq(checked, 14, "only %d reference meshes found", checked);
}

/* ---- The command line. ---- */

/* Runs PF_BINARY with args, returns the exit status and stdout (caller frees). */
static int run_cli(const char *args, char **out)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>/dev/null", PF_BINARY, args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - 1 - len, p)) > 0)
        len += n;
    buf[len] = 0;
    int st = pclose(p);
    *out = buf;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(analyze, cli_json_on_a_cube)
{
    char *out = NULL;
    int rc = run_cli("analyze '" PF_TEST_DATA "/cube20.stl' --json --bed 250x210x210", &out);
    cr_assert_eq(rc, 0, "%s", out);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cr_assert_str_eq(cJSON_GetObjectItem(j, "format")->valuestring, "stl-binary");
    cr_assert_eq(cJSON_GetObjectItem(j, "triangles")->valuedouble, 12);
    cr_assert_eq(cJSON_GetObjectItem(j, "vertices")->valuedouble, 8);
    ASSERT_NEAR(cJSON_GetObjectItem(j, "volume_cm3")->valuedouble, 8.0, 1e-9);
    ASSERT_NEAR(cJSON_GetObjectItem(j, "surface_area_cm2")->valuedouble, 24.0, 1e-9);
    cJSON *dims = cJSON_GetObjectItem(j, "dims_mm");
    cr_assert_eq(cJSON_GetArraySize(dims), 3);
    ASSERT_NEAR(cJSON_GetArrayItem(dims, 2)->valuedouble, 20.0, 1e-9);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "bbox_min_mm")), 3);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "bbox_max_mm")), 3);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "watertight")));
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "inverted")));
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "fits_bed")));
    cr_assert_eq(cJSON_GetObjectItem(j, "shells")->valuedouble, 1);
    cr_assert_eq(cJSON_GetObjectItem(j, "boundary_edges")->valuedouble, 0);
    cr_assert_eq(cJSON_GetObjectItem(j, "non_manifold_edges")->valuedouble, 0);
    cr_assert_eq(cJSON_GetObjectItem(j, "degenerate_triangles")->valuedouble, 0);
    cJSON *parts = cJSON_GetObjectItem(j, "parts");
    cr_assert_eq(cJSON_GetArraySize(parts), 1);
    cr_assert_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(parts, 0), "triangles")->valuedouble, 12);
    cJSON_Delete(j);
    free(out);

    rc = run_cli("analyze '" PF_TEST_DATA "/plate150.stl' --json --bed 100x100x100", &out);
    cr_assert_eq(rc, 0);
    j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "fits_bed")));
    cJSON_Delete(j);
    free(out);
}

Test(analyze, cli_bad_file_exits_2_with_json_error)
{
    char path[] = "/tmp/pf_analyze_bad_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unsigned char buf[84 + 50 + 10] = {0}; /* declares 3 triangles, holds one and a bit */
    buf[80] = 3;
    cr_assert_eq(write(fd, buf, sizeof buf), (ssize_t)sizeof buf);
    close(fd);
    char args[256], *out = NULL;
    snprintf(args, sizeof args, "analyze '%s' --json", path);
    int rc = run_cli(args, &out);
    cr_assert_eq(rc, 2);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cJSON *e = cJSON_GetObjectItem(j, "error");
    cr_assert(cJSON_IsString(e));
    cr_assert_neq(strstr(e->valuestring, "bytes"), NULL, "%s", e->valuestring);
    cJSON_Delete(j);
    free(out);
    snprintf(args, sizeof args, "analyze '%s'", path);
    rc = run_cli(args, &out);
    cr_assert_eq(rc, 2);
    cr_assert_eq(out[0], 0, "human errors go to stderr, not stdout");
    free(out);
    unlink(path);
    rc = run_cli("analyze /nonexistent/file.stl --json", &out);
    cr_assert_eq(rc, 2);
    cr_assert_not_null(strstr(out, "\"error\""));
    free(out);
}

/* An open W x H grid of quads (two triangles each) with one interior triangle given twice: over 80 000
 * vertices, so the edge classification is shared out in several ranges of buckets; the counts follow from
 * the grid, and analyze() checks that one thread gives the same. */
Test(analyze, large_open_grid_counts_its_boundary_and_doubled_edges)
{
    enum { W = 400, H = 200 };
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, NULL);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float p00[3] = {(float)x, (float)y, 0}, p10[3] = {(float)x + 1, (float)y, 0},
                  p01[3] = {(float)x, (float)y + 1, 0}, p11[3] = {(float)x + 1, (float)y + 1, 0};
            float t1[9], t2[9];
            memcpy(t1, p00, 12), memcpy(t1 + 3, p10, 12), memcpy(t1 + 6, p11, 12);
            memcpy(t2, p00, 12), memcpy(t2 + 3, p11, 12), memcpy(t2 + 6, p01, 12);
            cr_assert_eq(pf_mesh_builder_tri(&b, t1, NULL), PF_E_OK);
            cr_assert_eq(pf_mesh_builder_tri(&b, t2, NULL), PF_E_OK);
            if (x == W / 2 && y == H / 2) cr_assert_eq(pf_mesh_builder_tri(&b, t1, NULL), PF_E_OK);
        }
    pf_mesh *m = finish(&b);
    cr_assert_eq(m->nverts, (size_t)(W + 1) * (H + 1));
    pf_analysis a = analyze(m, NULL);
    cr_assert_eq(a.edges, (size_t)W * (H + 1) + (size_t)H * (W + 1) + (size_t)W * H);
    cr_assert_eq(a.boundary_edges, (size_t)2 * (W + H));
    cr_assert_eq(a.non_manifold_edges, 3, "the doubled triangle's three edges are each used three times");
    cr_assert_eq(a.watertight, 0);
    cr_assert_eq(a.shells, 1);
    pf_mesh_free(m);
}

/* Renumbers m's vertex v as perm(v) (a bijection), and returns how many triangle corners then start an edge
 * whose vertex numbers are 32768 or more apart. */
static size_t renumber(pf_mesh *m, size_t (*perm)(size_t v, size_t n))
{
    size_t n = m->nverts, far = 0;
    float *v = malloc(n * 12);
    cr_assert_not_null(v);
    for (size_t i = 0; i < n; i++)
        memcpy(v + perm(i, n) * 3, m->verts + i * 3, 12);
    memcpy(m->verts, v, n * 12);
    free(v);
    for (size_t i = 0; i < m->ntris * 3; i++)
        m->tris[i] = (uint32_t)perm(m->tris[i], n);
    for (size_t t = 0; t < m->ntris; t++)
        for (int k = 0; k < 3; k++) {
            uint32_t a = m->tris[3 * t + k], c = m->tris[3 * t + (k + 1) % 3];
            far += (a > c ? a - c : c - a) >= 32768;
        }
    return far;
}

static size_t scatter_all(size_t v, size_t n)
{
    return v * 7919 % n;
}

/* Every 997th vertex of the first 40000 trades numbers with the one 40000 later. */
static size_t swap_some(size_t v, size_t n)
{
    (void)n;
    if (v < 40000 && v % 997 == 0) return v + 40000;
    if (v >= 40000 && v < 80000 && (v - 40000) % 997 == 0) return v - 40000;
    return v;
}

/* A grid like the one above (with a doubled triangle and a flipped copy), its vertices renumbered so that
 * some edges, or most, join vertices 32768 or more numbers apart: the analysis keeps those in a sorted side
 * list, or takes 32-bit slots when they are many (engine/analyze.c, topo_job.slots). */
Test(analyze, edges_between_far_apart_vertex_numbers_count_the_same)
{
    enum { W = 400, H = 200 };
    size_t (*const perms[2])(size_t, size_t) = {swap_some, scatter_all};
    for (int p = 0; p < 2; p++) {
        pf_mesh_builder b;
        pf_mesh_builder_init(&b, NULL);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                float q[4][3] = {{(float)x, (float)y, 0},
                                 {(float)x + 1, (float)y, 0},
                                 {(float)x + 1, (float)y + 1, 0},
                                 {(float)x, (float)y + 1, 0}};
                tri(&b, q[0], q[1], q[2]);
                tri(&b, q[0], q[2], q[3]);
                if (x == W / 2 && y == H / 2) tri(&b, q[0], q[1], q[2]);
                if (x == 7 && y == 3) tri(&b, q[0], q[2], q[1]); /* a flipped copy: its edges are doubled */
            }
        pf_mesh *m = finish(&b);
        size_t n = m->nverts;
        cr_assert_eq(n, (size_t)(W + 1) * (H + 1));
        size_t far = renumber(m, perms[p]);
        if (p == 0)
            cr_assert(far > 100 && far < m->ntris / 16, "a few far edges (%zu)", far);
        else
            cr_assert_gt(far, m->ntris, "most edges far (%zu of %zu corners)", far, m->ntris * 3);
        pf_analysis a = analyze(m, NULL);
        cr_assert_eq(a.edges, (size_t)W * (H + 1) + (size_t)H * (W + 1) + (size_t)W * H);
        cr_assert_eq(a.boundary_edges, (size_t)2 * (W + H));
        cr_assert_eq(a.non_manifold_edges, 6, "the doubled triangle's and the flipped copy's edges");
        cr_assert_eq(a.vertices, n);
        cr_assert_eq(a.shells, 1);
        cr_assert_eq(a.watertight, 0);
        pf_mesh_free(m);
    }
}

/* ---- The vectorized geometric sums (engine/analyze_geo.c) ---- */

/* The plain sequential double sums the vector lanes replace, and the degenerate count. */
static void geo_reference(const float *v, const uint32_t *t, size_t n, double *vol6, double *area2,
                          size_t *dg, double lo[3], double hi[3])
{
    *vol6 = *area2 = 0;
    *dg = 0;
    for (int k = 0; k < 3; k++)
        lo[k] = INFINITY, hi[k] = -INFINITY;
    for (size_t i = 0; i < n; i++, t += 3) {
        const float *a = v + t[0] * 3, *b = v + t[1] * 3, *c = v + t[2] * 3;
        for (int k = 0; k < 3; k++) {
            lo[k] = fmin(lo[k], fmin(a[k], fmin(b[k], c[k])));
            hi[k] = fmax(hi[k], fmax(a[k], fmax(b[k], c[k])));
        }
        double u[3], w[3], nrm[3];
        for (int k = 0; k < 3; k++)
            u[k] = (double)b[k] - a[k], w[k] = (double)c[k] - a[k];
        nrm[0] = u[1] * w[2] - u[2] * w[1];
        nrm[1] = u[2] * w[0] - u[0] * w[2];
        nrm[2] = u[0] * w[1] - u[1] * w[0];
        *vol6 += a[0] * ((double)b[1] * c[2] - (double)b[2] * c[1]) -
                 a[1] * ((double)b[0] * c[2] - (double)b[2] * c[0]) +
                 a[2] * ((double)b[0] * c[1] - (double)b[1] * c[0]);
        double n2 = nrm[0] * nrm[0] + nrm[1] * nrm[1] + nrm[2] * nrm[2];
        *area2 += sqrt(n2);
        double uu = u[0] * u[0] + u[1] * u[1] + u[2] * u[2], ww = w[0] * w[0] + w[1] * w[1] + w[2] * w[2];
        *dg += t[0] == t[1] || t[1] == t[2] || t[0] == t[2] || n2 <= PF_DEGENERATE_SIN2 * uu * ww;
    }
}

Test(analyze, geometric_sums_agree_on_every_isa_copy_and_with_plain_sums)
{
    enum { NV = 500, NT = 1003 }; /* not a multiple of four: the scalar tail runs too */
    static float v[NV * 3];
    static uint32_t t[NT * 3];
    unsigned seed = 12345;
    for (size_t i = 0; i < NV * 3; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = (float)((seed >> 8) % 20000) / 100.0f - 100.0f;
    }
    for (size_t i = 0; i < NT * 3; i++) {
        seed = seed * 1103515245u + 12345u;
        t[i] = (seed >> 8) % NV;
    }
    /* degenerate ones: repeated indices (also in the tail), and three collinear points */
    t[3 * 5 + 1] = t[3 * 5];
    t[3 * 1001 + 2] = t[3 * 1001 + 1];
    for (int k = 0; k < 3; k++) {
        v[3 * 10 + k] = 1.0f, v[3 * 11 + k] = 2.0f, v[3 * 12 + k] = 4.0f;
    }
    t[3 * 7] = 10, t[3 * 7 + 1] = 11, t[3 * 7 + 2] = 12;
    /* the bounds' extremes at a corner of the tail's last triangle only, and at a second corner of one the
     * vector loop takes */
    v[3 * 20] = 300.0f, v[3 * 21 + 1] = -300.0f, v[3 * 22 + 2] = 500.0f;
    for (size_t i = 0; i < NT * 3; i++)
        if (t[i] >= 20 && t[i] <= 22) t[i] = 23;
    t[3 * (NT - 1) + 2] = 20, t[3 * 9 + 1] = 21, t[3 * 9 + 2] = 22;

    double vol6, area2, lo[3], hi[3];
    size_t dg;
    geo_reference(v, t, NT, &vol6, &area2, &dg, lo, hi);
    cr_assert_geq(dg, 3);
    cr_assert(hi[0] == 300 && lo[1] == -300 && hi[2] == 500);
    pf_geo_sums base, fast;
    pf_geo_sums_copy(0)(v, t, NT, &base);
    cr_assert_eq(base.degen, dg);
    for (int k = 0; k < 3; k++)
        cr_assert(base.lo[k] == lo[k] && base.hi[k] == hi[k], "axis %d: %g %g against %g %g", k, base.lo[k],
                  base.hi[k], lo[k], hi[k]);
    cr_assert(fabs(base.vol6 - vol6) <= 1e-12 * fabs(vol6) + 1e-9, "%.17g vs %.17g", base.vol6, vol6);
    cr_assert(fabs(base.area2 - area2) <= 1e-12 * area2, "%.17g vs %.17g", base.area2, area2);
    pf_geo_sums_fn *avx2 = pf_geo_sums_copy(1);
    if (avx2) {
        avx2(v, t, NT, &fast);
        cr_assert_eq(memcmp(&fast.vol6, &base.vol6, sizeof fast.vol6), 0, "%.17g vs %.17g", fast.vol6,
                     base.vol6);
        cr_assert_eq(memcmp(&fast.area2, &base.area2, sizeof fast.area2), 0);
        cr_assert_eq(fast.degen, base.degen);
        cr_assert_eq(memcmp(fast.lo, base.lo, sizeof fast.lo), 0);
        cr_assert_eq(memcmp(fast.hi, base.hi, sizeof fast.hi), 0);
    }
    for (size_t n = 0; n < 9; n++) { /* every tail length, and nothing at all (bounds +∞, −∞) */
        geo_reference(v, t, n, &vol6, &area2, &dg, lo, hi);
        pf_geo_sums_copy(0)(v, t, n, &base);
        cr_assert_eq(base.degen, dg);
        cr_assert(fabs(base.area2 - area2) <= 1e-12 * area2, "n = %zu", n);
        for (int k = 0; k < 3; k++)
            cr_assert(base.lo[k] == lo[k] && base.hi[k] == hi[k], "n = %zu, axis %d", n, k);
        if (avx2) {
            avx2(v, t, n, &fast);
            cr_assert(fast.vol6 == base.vol6 && fast.area2 == base.area2 && fast.degen == base.degen,
                      "n = %zu", n);
            for (int k = 0; k < 3; k++)
                cr_assert(fast.lo[k] == base.lo[k] && fast.hi[k] == base.hi[k], "n = %zu, axis %d", n, k);
        }
    }
}
