/* Islands of a layer that PrusaSlicer prints as one.
 *
 * PrusaSlicer closes each layer's slice by slice_closing_radius (0.049 mm: grown, then shrunk back), so
 * islands whose contours come within twice that of each other, or cross, print as one island with one outer
 * loop. Meshes bring such islands often: parts of a union that were meant to touch (a bottle cap's grip ribs
 * set on its cylinder's radius, which the cylinder's facets miss by 0.01 mm), overlapping shells. Counted
 * apart, each was an island of its own with its loops, travel and retraction (the cap: 41 islands a layer
 * where PrusaSlicer prints one, +92 % in time). */
#ifndef PF_ISLANDS_H
#define PF_ISLANDS_H

#include <stddef.h>
#include <stdint.h>

typedef struct pf_island {
    float box[4];    /* bounding box: x0, y0, x1, y1 */
    uint32_t p0, np; /* its closed contour: points [p0, p0 + np) of the caller's xy array (x, y pairs) */
    float len;       /* the contour's length, mm */
} pf_island;

/* Joins the n islands whose contours come within gap mm of each other or cross: up (n entries) gets a
 * union-find forest (up[i] == i: a root). Returns how many joins were made (n less the islands that remain).
 * Pairs are found by a sweep over the boxes; past about 10⁷ segment tests or 64 box comparisons an island
 * (islands crowded into one column), the rest are left apart.
 * -1 when the scratch cannot be allocated (up: every island its own). */
long pf_islands_join(const pf_island *isl, size_t n, const float *xy, float gap, uint32_t *up);

#endif
