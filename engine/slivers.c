/* Top and bottom surfaces narrower than a cell (slivers.h). */
#include "engine/slivers.h"

#include <math.h>
#include <stdlib.h>

/* The triangle's normal (not normalised; outward for a mesh wound counter-clockwise seen from outside). */
static void normal_of(const float *verts, const uint32_t *t, double n[3])
{
    const float *a = verts + 3 * (size_t)t[0], *b = verts + 3 * (size_t)t[1], *c = verts + 3 * (size_t)t[2];
    double ux = b[0] - a[0], uy = b[1] - a[1], uz = b[2] - a[2], wx = c[0] - a[0], wy = c[1] - a[1],
           wz = c[2] - a[2];
    n[0] = uy * wz - uz * wy;
    n[1] = uz * wx - ux * wz;
    n[2] = ux * wy - uy * wx;
}

/* The recession per mm of height (|n_z| / |n_xy|), 0 for a vertical or degenerate facet. */
static double recession(const double n[3])
{
    double nxy = sqrt(n[0] * n[0] + n[1] * n[1]);
    return nxy > 0 ? fabs(n[2]) / nxy : 0;
}

/* First index of zs (ascending, nl) with zs[i] > z. */
static size_t above(const float *zs, size_t nl, float z)
{
    size_t lo = 0, hi = nl;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (zs[mid] > z)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Layers [*l0, *l1) whose planes cut triangle t (strictly between its lowest and highest vertex). */
static void layers_of(const float *verts, const uint32_t *t, const float *zs, size_t nl, size_t *l0,
                      size_t *l1)
{
    float z0 = verts[3 * (size_t)t[0] + 2], z1 = z0;
    for (int k = 1; k < 3; k++) {
        float z = verts[3 * (size_t)t[k] + 2];
        z0 = z < z0 ? z : z0;
        z1 = z > z1 ? z : z1;
    }
    *l0 = above(zs, nl, z0);
    size_t e = above(zs, nl, z1);
    if (e > *l0 && zs[e - 1] >= z1) e--; /* a plane through the top vertex does not cut the facet */
    *l1 = e > *l0 ? e : *l0;
}

int pf_slivers_hit(const float *verts, const uint32_t *t, const double n[3], const float *zs, size_t nl,
                   float h, float lo, float hi)
{
    double e = h * recession(n);
    if (!(e > lo && e <= hi)) return 0;
    size_t l0, l1;
    layers_of(verts, t, zs, nl, &l0, &l1);
    return l0 < l1;
}

size_t pf_slivers_scan(const float *verts, const uint32_t *tris, size_t t0, size_t t1, const float *zs,
                       size_t nl, float h, float lo, float hi, uint32_t *hits)
{
    size_t n = 0;
    for (size_t i = t0; i < t1; i++) {
        double nv[3];
        normal_of(verts, tris + 3 * i, nv);
        if (pf_slivers_near(nv, h, lo, hi) && pf_slivers_hit(verts, tris + 3 * i, nv, zs, nl, h, lo, hi))
            hits[n++] = (uint32_t)i;
    }
    return n;
}

pf_err pf_slivers_build(const float *verts, const uint32_t *tris, const float *zs, size_t nl,
                        const uint32_t *const *hits, const size_t *nhits, size_t nparts, pf_slivers *out)
{
    pf_slivers s = {.nl = nl};
    size_t total = 0;
    if (!(s.offs = calloc(nl + 1, sizeof *s.offs))) return PF_E_NOMEM;
    for (size_t p = 0; p < nparts; p++)
        for (size_t k = 0; k < nhits[p]; k++) {
            size_t l0, l1;
            layers_of(verts, tris + 3 * (size_t)hits[p][k], zs, nl, &l0, &l1);
            for (size_t l = l0; l < l1; l++)
                s.offs[l + 1]++;
            total += l1 - l0;
        }
    for (size_t l = 0; l < nl; l++)
        s.offs[l + 1] += s.offs[l];
    if (total > UINT32_MAX || !(s.tri = malloc((total ? total : 1) * sizeof *s.tri))) {
        pf_slivers_free(&s);
        return PF_E_NOMEM;
    }
    for (size_t p = 0; p < nparts; p++)
        for (size_t k = 0; k < nhits[p]; k++) {
            size_t l0, l1;
            layers_of(verts, tris + 3 * (size_t)hits[p][k], zs, nl, &l0, &l1);
            for (size_t l = l0; l < l1;
                 l++) /* offs[l] is the next free entry of layer l, then its start again */
                s.tri[s.offs[l]++] = hits[p][k];
        }
    for (size_t l = nl; l > 0; l--)
        s.offs[l] = s.offs[l - 1];
    s.offs[0] = 0;
    *out = s;
    return PF_E_OK;
}

pf_err pf_slivers_find(const float *verts, const uint32_t *tris, size_t ntris, const float *zs, size_t nl,
                       float h, float lo, float hi, pf_slivers *out)
{
    uint32_t *hits = malloc((ntris ? ntris : 1) * sizeof *hits);
    if (!hits) return PF_E_NOMEM;
    size_t n = pf_slivers_scan(verts, tris, 0, ntris, zs, nl, h, lo, hi, hits);
    const uint32_t *parts[1] = {hits};
    pf_err err = pf_slivers_build(verts, tris, zs, nl, parts, &n, 1, out);
    free(hits);
    return err;
}

void pf_slivers_free(pf_slivers *s)
{
    free(s->offs);
    free(s->tri);
    s->offs = NULL;
    s->tri = NULL;
}

/* The cut of triangle t by the plane z: 1 with its ends in p (x0 y0 x1 y1), 0 when the plane misses it. */
static int cut(const float *verts, const uint32_t *t, float z, double p[4])
{
    int k = 0;
    for (int a = 0; a < 3; a++) {
        const float *u = verts + 3 * (size_t)t[a], *v = verts + 3 * (size_t)t[(a + 1) % 3];
        if ((u[2] >= z) == (v[2] >= z)) continue;
        double f = ((double)z - u[2]) / ((double)v[2] - u[2]);
        if (k < 2) {
            p[2 * k] = u[0] + f * ((double)v[0] - u[0]);
            p[2 * k + 1] = u[1] + f * ((double)v[1] - u[1]);
        }
        k++;
    }
    return k == 2;
}

/* The field at (x, y): its cell's value, 0 off the grid. */
static float field_at(const pf_grid *g, const float *f, double x, double y)
{
    double fx = (x - g->x0) / g->cell, fy = (y - g->y0) / g->cell;
    if (!(fx >= 0 && fy >= 0 && fx < g->nx && fy < g->ny)) return 0.0f;
    return f[(size_t)fy * g->nx + (size_t)fx];
}

/* Whether facet t leaves a strip on its cut by the plane z (recession per layer e = dz / tan(slope) in (lo,
 * hi], facing up for top, down else): 1 with the cut in p, the unit vector into the part (ix, iy) and e.
 * Which side is the part's: the winding says against the normal, but a mesh may be wound inside out (the
 * slices do not mind), so the field decides, a cell past lo on either side of the cut's middle. */
static int strip_of(const float *verts, const uint32_t *t, float z, float dz, int top, float lo, float hi,
                    const pf_grid *g, const float *here, double p[4], double *ix, double *iy, double *e)
{
    double nv[3];
    normal_of(verts, t, nv);
    *e = dz * recession(nv);
    if (!(*e > lo && *e <= hi) || !cut(verts, t, z, p)) return 0;
    double nxy = sqrt(nv[0] * nv[0] + nv[1] * nv[1]), ux = nv[0] / nxy, uy = nv[1] / nxy;
    double mx = 0.5 * (p[0] + p[2]), my = 0.5 * (p[1] + p[3]), r = lo + g->cell;
    double in = field_at(g, here, mx - ux * r, my - uy * r),
           out = field_at(g, here, mx + ux * r, my + uy * r);
    double side = in >= out ? 1 : -1; /* 1: the part lies against the normal */
    if ((side * nv[2] > 0) != (top != 0)) return 0;
    *ix = -side * ux, *iy = -side * uy;
    return 1;
}

/* Appends the cell under (x, y) to *cells unless it is off the grid, fails keep (NULL: none) or is the last
 * one there; 0 when out of memory. */
static int push(const pf_grid *g, double x, double y, int (*keep)(const void *, uint32_t), const void *arg,
                uint32_t **cells, size_t *n, size_t *cap)
{
    double fx = (x - g->x0) / g->cell, fy = (y - g->y0) / g->cell;
    if (!(fx >= 0 && fy >= 0 && fx < g->nx && fy < g->ny)) return 1;
    uint32_t i = (uint32_t)((size_t)fy * g->nx + (size_t)fx);
    if ((keep && !keep(arg, i)) || (*n && (*cells)[*n - 1] == i)) return 1;
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 1024;
        uint32_t *np = realloc(*cells, c * sizeof *np);
        if (!np) return 0;
        *cells = np, *cap = c;
    }
    (*cells)[(*n)++] = i;
    return 1;
}

/* pf_sliver_seeds' test: the cell lies at a surface by both fields. */
typedef struct at_surface {
    const float *here, *next;
    float lo, hi;
} at_surface;

static int is_at_surface(const void *arg, uint32_t i)
{
    const at_surface *a = arg;
    return a->here[i] >= a->lo && a->next[i] <= a->hi;
}

long pf_sliver_seeds(const pf_slivers *s, size_t l, int top, const float *verts, const uint32_t *tris,
                     float z, float dz, float fill_lo, const pf_grid *g, const float *here, const float *next,
                     uint32_t **cells, size_t *n, size_t *cap)
{
    size_t n0 = *n;
    float cell = g->cell;
    at_surface as = {here, next, fill_lo - cell, cell};
    for (uint32_t k = s->offs[l]; k < s->offs[l + 1]; k++) {
        double p[4], ix, iy, e;
        if (!strip_of(verts, tris + 3 * (size_t)s->tri[k], z, dz, top, fill_lo, fill_lo + cell, g, here, p,
                      &ix, &iy, &e))
            continue;
        /* the strip's middle, into the part from the cut, every half cell along it */
        double o = 0.5 * (fill_lo + e), len = hypot(p[2] - p[0], p[3] - p[1]);
        int m = (int)(len / (0.5 * cell)) + 1;
        for (int q = 0; q <= m; q++) {
            double f = (double)q / m, x = p[0] + f * (p[2] - p[0]) + ix * o,
                   y = p[1] + f * (p[3] - p[1]) + iy * o;
            if (!push(g, x, y, is_at_surface, &as, cells, n, cap)) return -1;
        }
    }
    return (long)(*n - n0);
}

long pf_sliver_band(const pf_slivers *s, size_t l, const float *verts, const uint32_t *tris, float z,
                    float dz, float fill_lo, float width, float keep, const pf_grid *g, const float *here,
                    uint32_t **cells, size_t *n, size_t *cap)
{
    size_t n0 = *n;
    double cell = g->cell;
    for (uint32_t k = s->offs[l]; k < s->offs[l + 1]; k++) {
        double p[4], ix, iy, e;
        if (!strip_of(verts, tris + 3 * (size_t)s->tri[k], z, dz, 1, fill_lo, fill_lo + width, g, here, p,
                      &ix, &iy, &e))
            continue;
        /* from the fill boundary to the band's far side, every half cell along the cut and across it */
        double len = hypot(p[2] - p[0], p[3] - p[1]), d0 = fill_lo - cell, d1 = e + keep + 1.5 * cell;
        int m = (int)(len / (0.5 * cell)) + 1, nd = (int)((d1 - d0) / (0.5 * cell)) + 1;
        for (int q = 0; q <= m; q++) {
            double f = (double)q / m, bx = p[0] + f * (p[2] - p[0]), by = p[1] + f * (p[3] - p[1]);
            for (int j = 0; j <= nd; j++) {
                double o = d0 + (d1 - d0) * j / nd;
                if (!push(g, bx + ix * o, by + iy * o, NULL, NULL, cells, n, cap)) return -1;
            }
        }
    }
    return (long)(*n - n0);
}
