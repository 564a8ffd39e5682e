/* Islands of a layer that PrusaSlicer prints as one (engine/islands.h). */
#include "engine/islands.h"

#include <stdlib.h>

#define TEST_BUDGET 10000000 /* segment pairs a layer's joins may test */
#define PAIR_BUDGET 64       /* box pairs the sweep may compare, per island (a column of islands at one x) */
/* A segment pair whose boxes lie farther apart than the gap is not near; the boxes are taken this much
 * (mm) wider, far beyond the float rounding of segs_near's distances, so no pair it would find near is
 * skipped. */
#define BOX_SLACK 1e-3f

static uint32_t find(uint32_t *up, uint32_t i)
{
    while (up[i] != i)
        i = up[i] = up[up[i]];
    return i;
}

/* Squared distance from point p to segment a–b. */
static float point_seg2(const float *p, const float *a, const float *b)
{
    float ex = b[0] - a[0], ey = b[1] - a[1], l2 = ex * ex + ey * ey;
    float t = l2 > 0 ? ((p[0] - a[0]) * ex + (p[1] - a[1]) * ey) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    float dx = a[0] + t * ex - p[0], dy = a[1] + t * ey - p[1];
    return dx * dx + dy * dy;
}

static float cross(const float *o, const float *a, const float *b)
{
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/* Whether segments a–b and c–d come within gap (squared: g2) of each other: they cross, or an end of one
 * lies that close to the other. */
static int segs_near(const float *a, const float *b, const float *c, const float *d, float g2)
{
    float d1 = cross(c, d, a), d2 = cross(c, d, b), d3 = cross(a, b, c), d4 = cross(a, b, d);
    if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return 1;
    return point_seg2(a, c, d) <= g2 || point_seg2(b, c, d) <= g2 || point_seg2(c, a, b) <= g2 ||
           point_seg2(d, a, b) <= g2;
}

/* Whether the contours of islands i and j come within gap: a segment of each, both within gap of the
 * other's box, that are near. *budget: segment pairs left to test (0: the pair is left apart). */
static int contours_near(const pf_island *i, const pf_island *j, const float *xy, float gap, size_t *budget)
{
    float g2 = gap * gap, reach = gap + BOX_SLACK;
    for (uint32_t s = 0; s < i->np; s++) {
        const float *a = xy + 2 * (i->p0 + s), *b = xy + 2 * (i->p0 + (s + 1) % i->np);
        float lo = a[0] < b[0] ? a[0] : b[0], hi = a[0] < b[0] ? b[0] : a[0];
        float ylo = a[1] < b[1] ? a[1] : b[1], yhi = a[1] < b[1] ? b[1] : a[1];
        if (hi < j->box[0] - gap || lo > j->box[2] + gap || yhi < j->box[1] - gap || ylo > j->box[3] + gap)
            continue;
        if (*budget < j->np) return 0;
        *budget -= j->np;
        float x0 = lo - reach, x1 = hi + reach, y0 = ylo - reach, y1 = yhi + reach;
        for (uint32_t t = 0; t < j->np; t++) {
            const float *c = xy + 2 * (j->p0 + t), *d = xy + 2 * (j->p0 + (t + 1) % j->np);
            if ((c[0] < x0 && d[0] < x0) || (c[0] > x1 && d[0] > x1) || (c[1] < y0 && d[1] < y0) ||
                (c[1] > y1 && d[1] > y1))
                continue; /* its box is farther than the gap from a–b's */
            if (segs_near(a, b, c, d, g2)) return 1;
        }
    }
    return 0;
}

typedef struct by_box {
    float x0;
    uint32_t i;
} by_box;

static int by_x0(const void *a, const void *b)
{
    float x = ((const by_box *)a)->x0, y = ((const by_box *)b)->x0;
    return (x > y) - (x < y);
}

long pf_islands_join(const pf_island *isl, size_t n, const float *xy, float gap, uint32_t *up)
{
    for (size_t i = 0; i < n; i++)
        up[i] = (uint32_t)i;
    if (n < 2) return 0;
    by_box *order = malloc(n * sizeof *order);
    if (!order) return -1;
    for (size_t i = 0; i < n; i++)
        order[i] = (by_box){isl[i].box[0], (uint32_t)i};
    qsort(order, n, sizeof *order, by_x0);
    size_t budget = TEST_BUDGET, pairs = PAIR_BUDGET * n + 100000;
    long joins = 0;
    for (size_t a = 0; a < n; a++) {
        const pf_island *i = &isl[order[a].i];
        for (size_t b = a + 1; b < n && order[b].x0 <= i->box[2] + gap && pairs; b++, pairs--) {
            const pf_island *j = &isl[order[b].i];
            if (j->box[1] > i->box[3] + gap || j->box[3] < i->box[1] - gap) continue;
            uint32_t ri = find(up, order[a].i), rj = find(up, order[b].i);
            if (ri == rj || !contours_near(i, j, xy, gap, &budget)) continue;
            up[ri < rj ? rj : ri] = ri < rj ? ri : rj;
            joins++;
        }
    }
    free(order);
    return joins;
}
