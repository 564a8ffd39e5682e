/* Top and bottom surfaces narrower than a cell, from the facets that make them.
 *
 * A layer's top surface is the part of its fill region (d ≥ fill_lo from the slice contour) that the layer
 * above leaves uncovered; PrusaSlicer grows it by the 3 mm margin into the solid top band (PRUSASLICER-NOTES
 * §3). A slope recedes by e = dz / tan(slope) a layer, so the surface is a strip of d in [fill_lo, e]: on a
 * 15° cone 0.746 − 0.734 = 0.013 mm wide, and PrusaSlicer still grows it into a 3 mm band on every layer
 * (its G-code: 1.6 m of top infill a layer of an 80 mm cone at 10 %; at 16° none). margin_seeds finds the
 * strip where a cell centre falls in it, so strips narrower than a cell were found on a few cells or none:
 * cones of 14.5–15.2° lost their bands (−25 % in weight and −28 % in time at 10 %). Here the strip is taken
 * from the facets themselves: every facet whose recession lies within (fill_lo, fill_lo + cell] seeds the
 * cells along its cut at the strip's middle. Wider strips the cells find by themselves. A mesh may be wound
 * inside out (the slices do not mind, nor PrusaSlicer): the fields tell which side of a facet the part is. */
#ifndef PF_SLIVERS_H
#define PF_SLIVERS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/backend.h"
#include "engine/error.h"

/* Per layer, the facets that may leave such a strip on it. */
typedef struct pf_slivers {
    uint32_t *offs; /* nl + 1 entries: layer l's facets are tri[offs[l] … offs[l + 1]) */
    uint32_t *tri;  /* facet (triangle) indices */
    size_t nl;      /* layers */
} pf_slivers;

/* Finds the triangles (ntris, 3 vertex indices each into verts, x y z per vertex) whose slope makes a layer
 * recede (upward faces) or advance (downward faces) by more than lo and at most hi mm per layer of height h,
 * and lists each under every layer whose plane zs[l] (ascending, nl of them) cuts it. Errors: NOMEM. *out
 * is set only on success (empty lists when none qualify); release it with pf_slivers_free. */
pf_err pf_slivers_find(const float *verts, const uint32_t *tris, size_t ntris, const float *zs, size_t nl,
                       float h, float lo, float hi, pf_slivers *out);

/* pf_slivers_find in parts that may run at once: pf_slivers_scan writes the qualifying triangles of [t0, t1)
 * to hits (room for t1 − t0) in order and returns their count; pf_slivers_build makes the lists from the
 * parts' hits in part order (the same lists as pf_slivers_find's when the parts cover the triangles in
 * order). Errors of pf_slivers_build: NOMEM. */
size_t pf_slivers_scan(const float *verts, const uint32_t *tris, size_t t0, size_t t1, const float *zs,
                       size_t nl, float h, float lo, float hi, uint32_t *hits);
pf_err pf_slivers_build(const float *verts, const uint32_t *tris, const float *zs, size_t nl,
                        const uint32_t *const *hits, const size_t *nhits, size_t nparts, pf_slivers *out);
/* Whether pf_slivers_scan lists triangle t (3 vertex indices into verts) whose normal n is the cross product
 * (b − a) × (c − a) of its corners a, b, c, each difference taken in float and the product in double: for a
 * pass over the triangles that has that normal anyway (the estimator's overhang pass). */
int pf_slivers_hit(const float *verts, const uint32_t *t, const double n[3], const float *zs, size_t nl,
                   float h, float lo, float hi);

/* 0 when a facet of normal n certainly recedes by less than lo or by more than hi a layer of height h (its
 * recession h·|n_z| / |n_xy| compared squared, with a margin far above the products' rounding), so that
 * pf_slivers_hit need not be asked: without its square root and division for most facets (it was 2.4 % of a
 * 1 M-triangle estimate). 1: ask it. */
static inline int pf_slivers_near(const double n[3], float h, float lo, float hi)
{
    if (!(lo >= 0)) return 1;
    double e2 = (double)h * h * (n[2] * n[2]), xy2 = n[0] * n[0] + n[1] * n[1];
    return !(e2 < (double)lo * lo * xy2 * (1 - 1e-9) || e2 > (double)hi * hi * xy2 * (1 + 1e-9));
}

/* Releases what pf_slivers_find allocated; accepts a zeroed struct. */
void pf_slivers_free(pf_slivers *s);

/* The seed cells of layer l's strips (top: 1, the top surfaces, where layer l + 1 recedes; 0, the bottom
 * ones, where layer l − 1 does; the part's side of each facet is where here is the larger, a cell past
 * fill_lo from the middle of its cut), on g: the cells under the strip's middle along each facet's cut by the
 * plane z, every half cell, whose field here (layer l) is at least fill_lo − cell and whose field next (the
 * neighbour layer) at most a cell, i.e. which do lie at a surface (a field is within half a cell of the
 * distance from the cell's centre, which is within half a cell of the strip). dz: the distance to the
 * neighbour's plane. Appends the cell indices to *cells (count *n, capacity *cap; grown with realloc, the
 * caller frees *cells). Returns the number appended, or −1 when out of memory (*cells stays valid). */
long pf_sliver_seeds(const pf_slivers *s, size_t l, int top, const float *verts, const uint32_t *tris,
                     float z, float dz, float fill_lo, const pf_grid *g, const float *here, const float *next,
                     uint32_t **cells, size_t *n, size_t *cap);

/* At 0 % infill, the cells of layer l's top strips narrower than width (facets receding by fill_lo … fill_lo
 * + width a layer, facing up) and of the band within keep of them: from fill_lo − cell to e + keep + 1.5·cell
 * in from each facet's cut (a margin field reads from cell centres, its seeds are a cell wide), every half
 * cell along and across it. PrusaSlicer grows such a strip only
 * over what the layer below covers, so it stays the strip, and a strip narrower than a top line's spacing
 * holds no top line (cones of 11–14° at 0 %: 16–22 s of top infill in all; 10°, a 0.40 mm strip: 306 s); the
 * driver makes these cells' top fill solid infill, which the vertical shells make of them anyway. Appends to
 * *cells as pf_sliver_seeds does (cells may repeat); the number appended, −1 when out of memory. */
long pf_sliver_band(const pf_slivers *s, size_t l, const float *verts, const uint32_t *tris, float z,
                    float dz, float fill_lo, float width, float keep, const pf_grid *g, const float *here,
                    uint32_t **cells, size_t *n, size_t *cap);

#endif
