/* The outline of a layer whose closed contours overlap: a mesh of several shells that were never merged (a
 * soup of overlapping boxes, as some exports leave a model of several bodies).
 *
 * The raster takes such a layer's inside by the nonzero rule, so its areas are the union's; but the contour
 * pass walks each shell's own loops, and a rib grid of 17 overlapping boxes read as 17 islands a layer where
 * PrusaSlicer (which unions a layer's polygons before anything else) prints one island with 64 holes: the
 * holes' loops, their travel and the junctions' beads went uncounted (−12 … −52 % in time). This pass gives
 * such a layer the union's outline: each segment cut where others cross or touch it, and of the pieces those
 * whose right side has winding 0 or −1 (where the nonzero inside begins or ends) kept, each once. Layers of
 * one shell (no two islands that overlap) are left as they are, at the cost of a walk over their segments
 * and a test of the islands whose boxes meet. */
#ifndef PF_CONTOUR_UNION_H
#define PF_CONTOUR_UNION_H

#include <stddef.h>
#include <stdint.h>

#include "engine/scratch.h"

/* Scratch slot pf_contour_union uses for its loop boxes (slice_simplify's are below it). */
#define PF_UNION_SLOT 6

/* The n segments of one layer at segs / keys (pf_slice_simplify's output: PF_SEG_FLOATS floats and two edge
 * keys each, closed contours one after the other). When every contour closes and two islands
 * (counter-clockwise contours) overlap (their sides meet, or one's corner lies in the rest of the layer's
 * material), writes the outline of the union of the contours (nonzero rule) to
 * *out_segs / *out_keys (malloc'd, the caller frees) and returns its segment count (≥ 0). Its keys name
 * points (the top bit set, the rest a hash of the point's coordinates) so its pieces chain where they meet;
 * segments keep their direction. Returns −1 (nothing written) when the layer is left as it is, −2 when out of
 * memory.
 */
long pf_contour_union(const float *segs, const uint64_t *keys, uint32_t n, float **out_segs,
                      uint64_t **out_keys, pf_scratch *scratch);

/* Segment q's (PF_SEG_FLOATS floats) share of the winding number at (x, y): its crossing of the ray towards
 * +x by the nonzero rule (the raster's), upward +1, downward −1; a layer's shares add up to its winding. */
int pf_winding_at(const float *q, double x, double y);

/* A layer's segments in bands of y, for many winding-number queries (pf_outline_winding): a query reads the
 * segments of its band, not all of them. */
typedef struct pf_outline_index {
    const float *segs; /* the layer's segments (PF_SEG_FLOATS floats each), not owned */
    uint32_t n;        /* how many */
    double y0, inv;    /* band b holds y in [y0 + b / inv, y0 + (b + 1) / inv) */
    uint32_t nb;       /* bands (0: no index, queries read every segment) */
    uint32_t *start;   /* band b's segments: idx[start[b] … start[b + 1]) */
    uint32_t *idx;
} pf_outline_index;

/* Indexes the n segments at segs (kept by reference). Returns 0, or −2 when out of memory (*ix then reads
 * every segment). */
int pf_outline_index_make(pf_outline_index *ix, const float *segs, uint32_t n);
/* The winding number at (x, y) of the indexed segments (pf_winding_at's rule). */
int pf_outline_winding(const pf_outline_index *ix, double x, double y);
void pf_outline_index_free(pf_outline_index *ix);

#endif
