/* Top and bottom surfaces narrower than a cell (engine/slivers.h): which facets are listed under which
 * layers, and where their seeds land on fields made by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/slivers.h"

#define FILL_LO 0.7338f
#define H 0.2f

/* A wedge 60 mm long and 30 mm wide whose sloped face rises at deg degrees along x (upside down when flip:
 * the slope then faces down), wound outward, or inside out when inv. */
static void wedge(double deg, int flip, int inv, float v[6][3], uint32_t t[8][3])
{
    float h = (float)(60 * tan(deg * M_PI / 180));
    const float w[6][3] = {{0, 0, 0}, {60, 0, 0}, {60, 0, h}, {0, 30, 0}, {60, 30, 0}, {60, 30, h}};
    static const uint32_t f[8][3] = {{0, 1, 2}, {3, 5, 4}, {0, 3, 4}, {0, 4, 1},
                                     {1, 4, 5}, {1, 5, 2}, {0, 2, 5}, {0, 5, 3}};
    for (int i = 0; i < 6; i++) {
        v[i][0] = w[i][0];
        v[i][1] = flip ? 30 - w[i][1] : w[i][1]; /* mirrored, so the winding stays outward */
        v[i][2] = flip ? h - w[i][2] : w[i][2];
    }
    for (int i = 0; i < 8; i++)
        for (int k = 0; k < 3; k++)
            t[i][k] = f[i][inv ? 2 - k : k];
}

static size_t planes(float top, float *zs, size_t cap)
{
    size_t n = 0;
    for (float z = 0.1f; z < top && n < cap; z += H)
        zs[n++] = z;
    return n;
}

/* The two facets of a 15° slope are listed under every layer whose plane cuts them (0.746 mm a layer, within
 * fill_lo … fill_lo + 0.3); a 20° slope (0.55 mm) and a 10° one (1.13 mm) are not. */
Test(slivers, facets_of_a_slope_just_past_the_fill_boundary_are_listed_under_their_layers)
{
    const double degs[3] = {15.0, 20.0, 10.0};
    for (int k = 0; k < 3; k++) {
        float v[6][3], zs[200];
        uint32_t t[8][3];
        wedge(degs[k], 0, 0, v, t);
        size_t nl = planes(v[2][2], zs, 200);
        pf_slivers s;
        cr_assert_eq(pf_slivers_find(&v[0][0], &t[0][0], 8, zs, nl, H, FILL_LO, FILL_LO + 0.3f, &s), PF_E_OK);
        cr_assert_eq(s.nl, nl);
        for (size_t l = 0; l < nl; l++) {
            uint32_t n = s.offs[l + 1] - s.offs[l];
            if (k == 0) {
                cr_expect_eq(n, 2, "15°, layer %zu: %u facets", l, n);
                for (uint32_t j = s.offs[l]; j < s.offs[l + 1]; j++)
                    cr_expect(s.tri[j] == 6 || s.tri[j] == 7, "layer %zu lists facet %u", l, s.tri[j]);
            } else {
                cr_expect_eq(n, 0, "%.0f°, layer %zu: %u facets", degs[k], l, n);
            }
        }
        pf_slivers_free(&s);
        pf_slivers_free(&s); /* twice: the first one leaves it empty */
    }
}

/* Fields of a layer whose edge is where a 15° slope cuts it and of a neighbour receding by e: the seeds lie
 * in the column under the strip's middle, (fill_lo + e) / 2 in from the edge, one per row along the cut; on
 * the slope facing down the same, as bottom seeds; none for the wrong side; the same for a mesh wound inside
 * out (the fields tell the part's side). */
Test(slivers, seeds_lie_under_the_strips_middle_on_the_side_the_slope_faces)
{
    for (int q = 0; q < 4; q++) {
        int flip = q & 1, inv = q >> 1;
        float v[6][3], zs[200];
        uint32_t t[8][3];
        wedge(15.0, flip, inv, v, t);
        size_t nl = planes(flip ? v[0][2] : v[2][2], zs, 200);
        pf_slivers s;
        cr_assert_eq(pf_slivers_find(&v[0][0], &t[0][0], 8, zs, nl, H, FILL_LO, FILL_LO + 0.3f, &s), PF_E_OK);
        size_t l = nl / 2;
        /* the slope's x at this plane; the neighbour (above for a top, below for a bottom) is e further in */
        double e = H / tan(15.0 * M_PI / 180),
               edge = (flip ? v[0][2] - zs[l] : zs[l]) / tan(15.0 * M_PI / 180);
        pf_grid g = {.x0 = 0, .y0 = -5, .cell = 0.3f, .nx = 200, .ny = 134};
        float *here = calloc(200 * 134, sizeof *here), *next = calloc(200 * 134, sizeof *next);
        for (uint32_t y = 0; y < g.ny; y++)
            for (uint32_t x = 0; x < g.nx; x++) {
                double cx = g.x0 + (x + 0.5) * g.cell, cy = g.y0 + (y + 0.5) * g.cell;
                int in_y = cy > 0 && cy < 30;
                here[y * g.nx + x] = in_y && cx > edge ? (float)(cx - edge) : 0.0f;
                next[y * g.nx + x] = in_y && cx > edge + e ? (float)(cx - edge - e) : 0.0f;
            }
        for (int top = 0; top < 2; top++) {
            uint32_t *cells = NULL;
            size_t n = 0, cap = 0;
            long got = pf_sliver_seeds(&s, l, top, &v[0][0], &t[0][0], zs[l], H, FILL_LO, &g, here, next,
                                       &cells, &n, &cap);
            if (top == flip) {
                cr_expect_eq(got, 0, "flip %d inv %d top %d: %ld seeds on the wrong side", flip, inv, top,
                             got);
            } else {
                cr_expect_geq(got, 95, "flip %d inv %d: %ld seeds along the 30 mm cut (100 rows)", flip, inv,
                              got);
                double mid = edge + 0.5 * (FILL_LO + e);
                for (size_t k = 0; k < n; k++) {
                    double cx = g.x0 + (cells[k] % g.nx + 0.5) * g.cell;
                    cr_expect(fabs(cx - mid) <= 0.5 * g.cell + 1e-4, "seed at x %.3f, strip middle %.3f", cx,
                              mid);
                }
            }
            free(cells);
        }
        free(here);
        free(next);
        pf_slivers_free(&s);
    }
}

/* At 0 % infill: the band of a 12° slope's strip (0.21 mm, narrower than a top line) and of the shells'
 * keep beside it covers the cells from a cell short of the fill boundary to e + keep + 1.5 cells in from the
 * cut, along its whole length; a slope facing down has none (the band is for top strips only). */
Test(slivers, the_band_of_a_narrow_top_strip_spans_the_strip_and_the_shells_keep)
{
    const float width = 0.357f, keep = 0.427f;
    for (int flip = 0; flip < 2; flip++) {
        float v[6][3], zs[200];
        uint32_t t[8][3];
        wedge(12.0, flip, 0, v, t);
        size_t nl = planes(flip ? v[0][2] : v[2][2], zs, 200);
        pf_slivers s;
        cr_assert_eq(pf_slivers_find(&v[0][0], &t[0][0], 8, zs, nl, H, FILL_LO, FILL_LO + width, &s),
                     PF_E_OK);
        size_t l = nl / 2;
        double e = H / tan(12.0 * M_PI / 180),
               edge = (flip ? v[0][2] - zs[l] : zs[l]) / tan(12.0 * M_PI / 180);
        pf_grid g = {.x0 = 0, .y0 = -5, .cell = 0.2f, .nx = 300, .ny = 200};
        float *here = calloc(300 * 200, sizeof *here);
        for (uint32_t y = 0; y < g.ny; y++)
            for (uint32_t x = 0; x < g.nx; x++) {
                double cx = g.x0 + (x + 0.5) * g.cell, cy = g.y0 + (y + 0.5) * g.cell;
                here[y * g.nx + x] = cy > 0 && cy < 30 && cx > edge ? (float)(cx - edge) : 0.0f;
            }
        uint32_t *cells = NULL;
        size_t n = 0, cap = 0;
        long got = pf_sliver_band(&s, l, &v[0][0], &t[0][0], zs[l], H, FILL_LO, width, keep, &g, here, &cells,
                                  &n, &cap);
        if (flip) {
            cr_expect_eq(got, 0, "a slope facing down: %ld cells", got);
        } else {
            double lo = 1e9, hi = -1e9, ylo = 1e9, yhi = -1e9;
            for (size_t k = 0; k < n; k++) {
                double d = g.x0 + (cells[k] % g.nx + 0.5) * g.cell - edge,
                       y = g.y0 + (cells[k] / g.nx + 0.5) * g.cell;
                lo = fmin(lo, d), hi = fmax(hi, d), ylo = fmin(ylo, y), yhi = fmax(yhi, y);
            }
            cr_expect(lo >= FILL_LO - 1.5 * g.cell && lo <= FILL_LO - 0.5 * g.cell, "nearest cell %.3f in",
                      lo);
            cr_expect(hi >= e + keep + g.cell && hi <= e + keep + 2 * g.cell, "farthest cell %.3f in", hi);
            cr_expect(ylo < 0.2 && yhi > 29.8, "along y %.2f … %.2f", ylo, yhi);
        }
        free(cells);
        free(here);
        pf_slivers_free(&s);
    }
}

/* The facets found in parts (pf_slivers_scan over pieces of the triangles, pf_slivers_build in piece order)
 * are listed as pf_slivers_find lists them: a 15° wedge and a 15° one upside down, one after the other,
 * scanned in pieces of 1 to 16 triangles. */
Test(slivers, facets_found_in_parts_are_listed_as_in_one_pass)
{
    float v[12][3], zs[200];
    uint32_t t[16][3];
    wedge(15.0, 0, 0, v, t);
    wedge(15.0, 1, 0, v + 6, t + 8);
    for (int i = 8; i < 16; i++)
        for (int k = 0; k < 3; k++)
            t[i][k] += 6;
    size_t nl = planes(v[2][2], zs, 200);
    pf_slivers one;
    cr_assert_eq(pf_slivers_find(&v[0][0], &t[0][0], 16, zs, nl, H, FILL_LO, FILL_LO + 0.3f, &one), PF_E_OK);
    cr_assert_gt(one.offs[nl], 0, "the slopes' facets are found");
    for (size_t piece = 1; piece <= 16; piece++) {
        uint32_t hits[16];
        const uint32_t *parts[16];
        size_t nhits[16], np = 0;
        for (size_t t0 = 0; t0 < 16; t0 += piece, np++) {
            size_t t1 = t0 + piece < 16 ? t0 + piece : 16;
            nhits[np] =
                pf_slivers_scan(&v[0][0], &t[0][0], t0, t1, zs, nl, H, FILL_LO, FILL_LO + 0.3f, hits + t0);
            parts[np] = hits + t0;
        }
        pf_slivers s;
        cr_assert_eq(pf_slivers_build(&v[0][0], &t[0][0], zs, nl, parts, nhits, np, &s), PF_E_OK);
        cr_assert_eq(memcmp(s.offs, one.offs, (nl + 1) * sizeof *s.offs), 0, "pieces of %zu", piece);
        cr_assert_eq(memcmp(s.tri, one.tri, one.offs[nl] * sizeof *s.tri), 0, "pieces of %zu", piece);
        pf_slivers_free(&s);
    }
    pf_slivers_free(&one);
}
