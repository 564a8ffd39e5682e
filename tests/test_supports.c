/* Where supports stand (engine/supports.h), on parts made of axis-aligned boxes and square frustums whose
 * layers' outlines are written here by hand: the regions' areas against the geometry's, their interface
 * depth, the first layer's growth, columns standing on the part below, and the threshold angle. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"
#include "engine/supports.h"

#define H 0.2 /* layer height, first layer too */

/* A part as pf_supports_make reads it: triangles, and per layer the outline of up to 4 squares. */
typedef struct part {
    float v[64 * 3];
    uint32_t t[96 * 3];
    size_t nv, nt;
    /* solids: x0 y0 x1 y1 z0 z1 of boxes, and one frustum (square, centred at 0 0) */
    double box[4][6];
    int nbox;
    double fr_a0, fr_a1, fr_h; /* frustum sides at z 0 and fr_h, 0: none */
    size_t nl;
    float *segs;
    uint32_t *offs, *counts;
} part;

static void add_vert(part *p, double x, double y, double z)
{
    p->v[3 * p->nv] = (float)x, p->v[3 * p->nv + 1] = (float)y, p->v[3 * p->nv + 2] = (float)z;
    p->nv++;
}

/* The 12 triangles of a hexahedron of corners c[0..3] (bottom, counter-clockwise from above) and c[4..7]
 * (top, above them), outward. */
static void add_hex(part *p, const double c[8][3])
{
    static const int f[12][3] = {{0, 2, 1}, {0, 3, 2}, {4, 5, 6}, {4, 6, 7}, {0, 1, 5}, {0, 5, 4},
                                 {1, 2, 6}, {1, 6, 5}, {2, 3, 7}, {2, 7, 6}, {3, 0, 4}, {3, 4, 7}};
    uint32_t base = (uint32_t)p->nv;
    for (int i = 0; i < 8; i++)
        add_vert(p, c[i][0], c[i][1], c[i][2]);
    for (int i = 0; i < 12; i++, p->nt++)
        for (int k = 0; k < 3; k++)
            p->t[3 * p->nt + k] = base + (uint32_t)f[i][k];
}

static void add_box(part *p, double x0, double y0, double x1, double y1, double z0, double z1)
{
    const double c[8][3] = {{x0, y0, z0}, {x1, y0, z0}, {x1, y1, z0}, {x0, y1, z0},
                            {x0, y0, z1}, {x1, y0, z1}, {x1, y1, z1}, {x0, y1, z1}};
    add_hex(p, c);
    double *b = p->box[p->nbox++];
    b[0] = x0, b[1] = y0, b[2] = x1, b[3] = y1, b[4] = z0, b[5] = z1;
}

static void add_frustum(part *p, double a0, double a1, double h)
{
    double q = a0 / 2, r = a1 / 2;
    const double c[8][3] = {{-q, -q, 0}, {q, -q, 0}, {q, q, 0}, {-q, q, 0},
                            {-r, -r, h}, {r, -r, h}, {r, r, h}, {-r, r, h}};
    add_hex(p, c);
    p->fr_a0 = a0, p->fr_a1 = a1, p->fr_h = h;
}

static void add_square(float *s, size_t *n, double x0, double y0, double x1, double y1)
{
    const double c[5][2] = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
    for (int i = 0; i < 4; i++, (*n)++) {
        float *q = s + PF_SEG_FLOATS * *n;
        q[0] = (float)c[i][0], q[1] = (float)c[i][1], q[2] = (float)c[i + 1][0], q[3] = (float)c[i + 1][1];
    }
}

/* Each layer's outline at its middle (boxes that overlap in a layer must nest, as a stem under a cap does:
 * the outer one's outline is the union's). */
static void outline_layers(part *p, double top)
{
    p->nl = (size_t)(top / H + 0.5);
    p->segs = calloc(p->nl * 4 * 4, PF_SEG_FLOATS * sizeof(float));
    p->offs = calloc(p->nl + 1, sizeof *p->offs);
    p->counts = calloc(p->nl, sizeof *p->counts);
    size_t n = 0;
    for (size_t l = 0; l < p->nl; l++) {
        double z = H * ((double)l + 0.5);
        p->offs[l] = (uint32_t)n;
        double best = 0;
        int bi = -1;
        for (int b = 0; b < p->nbox; b++) { /* the widest box in this layer */
            const double *x = p->box[b];
            if (z > x[4] && z < x[5] && (x[2] - x[0]) > best) best = x[2] - x[0], bi = b;
        }
        if (bi >= 0) add_square(p->segs, &n, p->box[bi][0], p->box[bi][1], p->box[bi][2], p->box[bi][3]);
        if (p->fr_h > 0 && z < p->fr_h) {
            double a = p->fr_a0 + (p->fr_a1 - p->fr_a0) * z / p->fr_h;
            add_square(p->segs, &n, -a / 2, -a / 2, a / 2, a / 2);
        }
        p->counts[l] = (uint32_t)(n - p->offs[l]);
    }
    p->offs[p->nl] = (uint32_t)n;
}

/* Gaps and margins of whole cells of the support grid (0.5 mm for parts this small), so the expected areas
 * are exact up to the outlines' cells. */
static pf_support_params params(void)
{
    return (pf_support_params){.threshold_deg = 50,
                               .contact = 0.2,
                               .xy_gap = 0.5,
                               .margin = 1.0,
                               .first_expansion = 3,
                               .iface_depth = 0.5};
}

static pf_support_geom make(part *p, double top, const pf_support_params *sp)
{
    outline_layers(p, top);
    double lo[2] = {1e9, 1e9}, hi[2] = {-1e9, -1e9};
    for (size_t i = 0; i < p->nv; i++)
        for (int a = 0; a < 2; a++)
            lo[a] = fmin(lo[a], p->v[3 * i + a]), hi[a] = fmax(hi[a], p->v[3 * i + a]);
    pf_support_src s = {.verts = p->v,
                        .tris = p->t,
                        .ntris = p->nt,
                        .segs = p->segs,
                        .offs = p->offs,
                        .counts = p->counts,
                        .nl = p->nl,
                        .h0 = H,
                        .h = H,
                        .lo = {lo[0], lo[1]},
                        .hi = {hi[0], hi[1]}};
    pf_support_geom g;
    cr_assert_eq(pf_supports_make(&s, sp, &g), PF_E_OK);
    return g;
}

static void part_free(part *p, pf_support_geom *g)
{
    free(p->segs);
    free(p->offs);
    free(p->counts);
    pf_support_geom_free(g);
}

/* Area of a square of side a grown by m (rounded corners) less a square of side b grown by g (square
 * corners: the gap is kept by a square growth of the part). */
static double ring(double a, double m, double b, double gap)
{
    return (a + 2 * m) * (a + 2 * m) - (4 - M_PI) * m * m - (b + 2 * gap) * (b + 2 * gap);
}

/* A 30 mm cap on a 10 mm stem, 20 mm up: its support fills the ring under the cap, grown by the margin, from
 * the bed to a contact gap under the cap; the top interface depth is dense; the first layer grows. */
Test(supports, a_cap_on_a_stem_stands_on_the_bed)
{
    part p = {0};
    add_box(&p, -5, -5, 5, 5, 0, 20);
    add_box(&p, -15, -15, 15, 15, 20, 23);
    pf_support_params sp = params();
    pf_support_geom g = make(&p, 23, &sp);
    size_t top = (size_t)floor((20 - sp.contact - H) / H + 1e-6); /* the last layer whose top is ≤ 19.8 */
    double want = ring(30, sp.margin, 10, sp.xy_gap);
    for (size_t l = 1; l < p.nl; l++) {
        double all = g.base[l] + g.iface[l];
        cr_assert_eq(g.contact[l], l == top, "layer %zu: the cap's contact is on layer %zu alone", l, top);
        if (l > top) {
            cr_assert_eq(all, 0, "layer %zu: support above its top (%g mm²)", l, all);
            continue;
        }
        cr_assert_float_eq(all, want, 0.05 * want, "layer %zu: %g mm² of support, the ring is %g", l, all,
                           want);
        double depth = (double)(top - l) * H; /* of its bottom below the interface's top */
        if (depth + H <= sp.iface_depth - 1e-9)
            cr_assert_float_eq(g.iface[l], all, 1e-3, "layer %zu: inside the interface", l);
        else if (depth >= sp.iface_depth)
            cr_assert_eq(g.iface[l], 0, "layer %zu: below the interface", l);
        double perim = 4 * (30 + 2 * sp.margin) - (8 - 2 * M_PI) * sp.margin + 4 * (10 + 2 * sp.xy_gap);
        cr_assert_float_eq(g.perim[l], perim, 0.05 * perim, "layer %zu: outline %g against %g", l, g.perim[l],
                           perim);
    }
    /* the first layer: grown by the expansion (square), and still off the stem */
    double first =
        (30 + 2 * sp.margin + 2 * sp.first_expansion) * (30 + 2 * sp.margin + 2 * sp.first_expansion) -
        (10 + 2 * sp.xy_gap) * (10 + 2 * sp.xy_gap);
    cr_assert_float_eq(g.first_area, first, 0.08 * first, "first layer %g mm² against %g", g.first_area,
                       first);
    part_free(&p, &g);
}

/* A narrow cap above a wide one on the same stem: the upper one's column stands on the lower cap, which
 * alone is held from the bed (the columns do not add up below it). */
Test(supports, a_column_stands_on_the_part_below)
{
    part p = {0};
    add_box(&p, -5, -5, 5, 5, 0, 30);
    add_box(&p, -15, -15, 15, 15, 10, 13);
    add_box(&p, -10, -10, 10, 10, 25, 28);
    pf_support_params sp = params();
    pf_support_geom g = make(&p, 30, &sp);
    double lower = ring(30, sp.margin, 10, sp.xy_gap), upper = ring(20, sp.margin, 10, sp.xy_gap);
    for (size_t l = 1; l < p.nl; l++) {
        double z = H * ((double)l + 0.5), all = g.base[l] + g.iface[l];
        if (z < 9.5)
            cr_assert_float_eq(all, lower, 0.05 * lower, "layer %zu (z %.1f): %g against %g", l, z, all,
                               lower);
        else if (z > 13.5 && z < 24.5)
            cr_assert_float_eq(all, upper, 0.05 * upper, "layer %zu (z %.1f): %g against %g", l, z, all,
                               upper);
        else if (z > 10.2 && z < 12.8)
            cr_assert_lt(all, 0.02 * lower, "layer %zu: inside the lower cap", l);
        else if (z > 25)
            cr_assert_eq(all, 0, "layer %zu: above every face", l);
    }
    part_free(&p, &g);
}

/* A frustum standing on its small face: its sides lean out at an angle from the horizontal; flatter than the
 * threshold they are held (the region under them grows as the part does), steeper they are not. */
Test(supports, faces_steeper_than_the_threshold_stand_alone)
{
    pf_support_params sp = params();
    const double h = 10, angles[2] = {60, 30};
    for (int k = 0; k < 2; k++) {
        part p = {0};
        double a1 = 10 + 2 * h / tan(angles[k] * M_PI / 180);
        add_frustum(&p, 10, a1, h);
        pf_support_geom g = make(&p, h, &sp);
        double sum = 0;
        for (size_t l = 0; l < p.nl; l++)
            sum += g.base[l] + g.iface[l];
        if (angles[k] > sp.threshold_deg) {
            cr_assert_eq(sum, 0, "sides at %g°: %g mm² of support", angles[k], sum);
        } else {
            /* half way up: the ring under the sides above that layer (its own slice kept off by the gap) */
            size_t l = p.nl / 2;
            double z = H * ((double)l + 0.5), a = 10 + (a1 - 10) * z / h;
            double want = ring(a1, sp.margin, a, sp.xy_gap);
            double all = g.base[l] + g.iface[l];
            cr_assert_float_eq(all, want, 0.1 * want, "sides at %g°, layer %zu: %g against %g", angles[k], l,
                               all, want);
        }
        part_free(&p, &g);
    }
}

/* No downward face off the bed: no support, not even on the first layer. */
Test(supports, a_box_needs_none)
{
    part p = {0};
    add_box(&p, 0, 0, 20, 10, 0, 5);
    pf_support_params sp = params();
    pf_support_geom g = make(&p, 5, &sp);
    for (size_t l = 0; l < p.nl; l++)
        cr_assert_eq(g.base[l] + g.iface[l] + g.perim[l], 0, "layer %zu", l);
    cr_assert_eq(g.first_area, 0);
    part_free(&p, &g);
}
