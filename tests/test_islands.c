/* Islands that PrusaSlicer's slice closing prints as one (engine/islands.h). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/islands.h"

#define GAP 0.098f /* twice PrusaSlicer's slice_closing_radius */

typedef struct layer {
    pf_island isl[64];
    float xy[2 * 1024];
    size_t n, npts;
} layer;

/* Adds a closed contour of n points (counter-clockwise) as an island. */
static void add(layer *L, const float *xy, size_t n)
{
    pf_island *is = &L->isl[L->n++];
    float b[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY}, len = 0;
    for (size_t i = 0; i < n; i++) {
        const float *p = xy + 2 * i, *q = xy + 2 * ((i + 1) % n);
        b[0] = fminf(b[0], p[0]), b[1] = fminf(b[1], p[1]), b[2] = fmaxf(b[2], p[0]),
        b[3] = fmaxf(b[3], p[1]);
        len += hypotf(q[0] - p[0], q[1] - p[1]);
        L->xy[2 * (L->npts + i)] = p[0], L->xy[2 * (L->npts + i) + 1] = p[1];
    }
    for (int k = 0; k < 4; k++)
        is->box[k] = b[k];
    is->p0 = (uint32_t)L->npts, is->np = (uint32_t)n, is->len = len;
    L->npts += n;
}

static void rect(layer *L, float x0, float y0, float x1, float y1)
{
    const float r[8] = {x0, y0, x1, y0, x1, y1, x0, y1};
    add(L, r, 4);
}

static long joins(layer *L)
{
    uint32_t up[64];
    long j = pf_islands_join(L->isl, L->n, L->xy, GAP, up);
    cr_assert_geq(j, 0);
    return j;
}

Test(islands, ribs_a_hair_off_a_cylinder_print_with_it)
{
    /* a 32 mm cylinder of 96 facets and 40 ribs 0.8 x 1 mm set on its radius: the facets' flats lie up to
     * 0.009 mm inside it, so the ribs' contours miss the cylinder's by that much (a bottle cap) */
    layer L = {0};
    float c[2 * 96];
    for (int i = 0; i < 96; i++)
        c[2 * i] = 16 * cosf(2 * (float)M_PI * (float)i / 96),
              c[2 * i + 1] = 16 * sinf(2 * (float)M_PI * (float)i / 96);
    add(&L, c, 96);
    for (int k = 0; k < 40; k++) {
        float a = 2 * (float)M_PI * (float)k / 40, ca = cosf(a), sa = sinf(a), r[8];
        const float local[8] = {16, -0.5f, 16.8f, -0.5f, 16.8f, 0.5f, 16, 0.5f};
        for (int i = 0; i < 4; i++)
            r[2 * i] = local[2 * i] * ca - local[2 * i + 1] * sa,
                  r[2 * i + 1] = local[2 * i] * sa + local[2 * i + 1] * ca;
        add(&L, r, 4);
    }
    cr_assert_eq(joins(&L), 40);
}

Test(islands, overlapping_and_near_islands_join_far_ones_do_not)
{
    layer L = {0};
    rect(&L, 0, 0, 10, 10);
    rect(&L, 5, 5, 15, 15);      /* overlaps the first: joins */
    rect(&L, 15.05f, 0, 20, 10); /* 0.05 mm from the second: joins */
    rect(&L, 20.2f, 0, 25, 10);  /* 0.2 mm from the third: apart */
    rect(&L, 40, 40, 41, 41);    /* far away: apart */
    cr_assert_eq(joins(&L), 2);
    uint32_t up[64];
    pf_islands_join(L.isl, L.n, L.xy, GAP, up);
    for (int i = 0; i < 5; i++) /* every island's root */
        while (up[up[i]] != up[i])
            up[i] = up[up[i]];
    cr_assert_eq(up[0], up[1]);
    cr_assert_eq(up[1], up[2]);
    cr_assert_neq(up[2], up[3]);
    cr_assert_neq(up[3], up[4]);
}

Test(islands, an_island_inside_another_without_touching_stays_apart)
{
    /* a pin standing in a ring's hole: the ring's outline encloses it, PrusaSlicer prints both */
    layer L = {0};
    rect(&L, 0, 0, 30, 30);
    rect(&L, 14, 14, 16, 16);
    cr_assert_eq(joins(&L), 0);
}

Test(islands, a_column_of_islands_stops_at_its_budget, .timeout = 20)
{
    /* 400 000 islands 0.5 mm apart in one column: every box spans the same x, so the sweep would compare
     * every pair (8·10¹⁰); it stops at its budget, having joined none (none is near another) */
    size_t n = 400000;
    pf_island *isl = calloc(n, sizeof *isl);
    float *xy = calloc(8 * n, sizeof *xy);
    uint32_t *up = calloc(n, sizeof *up);
    cr_assert(isl && xy && up);
    for (size_t k = 0; k < n; k++) {
        float y = 0.6f * (float)k, r[8] = {0, y, 1, y, 1, y + 0.1f, 0, y + 0.1f};
        memcpy(xy + 8 * k, r, sizeof r);
        isl[k] = (pf_island){{0, y, 1, y + 0.1f}, (uint32_t)(4 * k), 4, 2.2f};
    }
    cr_assert_eq(pf_islands_join(isl, n, xy, GAP, up), 0);
    free(isl);
    free(xy);
    free(up);
}
