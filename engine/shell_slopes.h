/* Vertical-shell bands from the facets' slopes, where the distance fields cannot tell.
 *
 * classify makes a cell solid where a layer within two recedes from it by at least shell_min_width (the width
 * below which PrusaSlicer's opening removes a shell band), measured as d − d_j on the distance fields. On a
 * slanted wall that difference scatters by 0.1–0.16 mm from cell to cell around a mean up to 0.08 mm short,
 * while PrusaSlicer's cut-off is sharp: a 45° wall recedes 0.40 mm over two layers, 0.03 mm under it, and a
 * third of its cells came out solid, in specks along the wall, each a path of its own (a conical shell of 3
 * mm walls at 45°: 16 solid pieces a layer where PrusaSlicer prints none, +74 % in time). Where d − d_j lies
 * within shell_ambig of the threshold, classify leaves the band undecided (PF_CELL_AMBIG) and this pass takes
 * the recession from the wall itself: each contour segment lies on a facet whose normal n gives the wall's
 * shift per layer, h·n_z / |n_xy| (positive where the slice shrinks going up); a band over k layers is k
 * times the mean of that shift at this layer and at layer j, read at the nearest segment of each. The rule
 * of the layers 3 away (the top / bottom surface of the layer 2 away: d − d_j ≥ fill_lo) is decided the same
 * way within shell_ambig of fill_lo: a 45° wall recedes 0.60 mm over three layers, 0.13 mm under it, and the
 * fields' scatter made 10–16 mm² of solid specks a layer on the cone above (8–12 paths: +17.7 % in time at 0
 * %, +3.5 % now).
 *
 * Most such bands need no search: the least and greatest shift of the segments near the cell's tile of 16 ×
 * 16 cells bound the mean, and where the answer is the same at both bounds (a chamfer's or a pyramid's
 * facets share a slope) and no stamp within reach could change it, it is taken without stamping or searching.
 * The answers are the search's (1770 of 1770 reference rows the same; tests/test_shell_slopes.c checks the
 * bounds). Over the 109 held-out meshes under 100× (one thread): 2.4 % less time in the geometric mean, a 45°
 * chamfer 14 %, 43 meshes over 3 %; 8 over 3 % slower, thin conical shells (both walls in one tile: bounds
 * of both signs) by up to 7 %. */
#ifndef PF_SHELL_SLOPES_H
#define PF_SHELL_SLOPES_H

#include <stddef.h>
#include <stdint.h>

#include "engine/backend.h"
#include "engine/scratch.h"

/* Where the slopes come from: every layer's segments (PF_SEG_FLOATS floats each, inside on the left) with
 * their edge keys (two per segment, as slice_emit writes them), and the vertices they were sliced from. */
typedef struct pf_slope_src {
    const float *segs;
    const uint64_t *keys;
    const uint32_t *offs, *counts; /* per layer: first segment, segment count */
    const long *boxes;             /* per layer: pf_segs_box of its segments (4 each) */
    size_t nl;                     /* layers */
    const float *verts;            /* x y z per vertex */
    float h;                       /* layer height, mm */
} pf_slope_src;

/* Decides the PF_CELL_AMBIG cells of layer `layer`'s classes cls on g (after classify, before the other
 * host passes): a sparse cell whose band is wide enough becomes solid, a middle gets PF_CELL_SHELL; every
 * PF_CELL_AMBIG bit is cleared. win[k]: the distance field of layer layer − 3 + k, NULL where none. span:
 * the spans of the layer's mask (engine/backend.h pf_mask_spans; its classes are 0 beyond them), or NULL:
 * the layer's box. scratch: the caller's buffers (kept zero between calls). Errors: NOMEM (the bits are
 * cleared, the bands left undecided: not solid). */
pf_err pf_shell_slopes(uint8_t *cls, const pf_grid *g, const float *const win[7], const pf_classify_params *p,
                       size_t layer, const pf_slope_src *src, const int32_t *span, pf_scratch *scratch);

/* pf_shell_slopes against one layer, layer + off (off ≠ 0, possibly beyond the window of 7: more top or
 * bottom solid layers), whose field dj is read for the band rule (far 0: pf_shell_band's threshold and
 * bound) or the rule of the layer beyond the solid ones (far 1: pf_shell_far's): d is the layer's own field;
 * the band over |off| layers is |off| times the mean shift of the two layers' walls. The caller marks the
 * cells PF_CELL_AMBIG whose band that layer's fields cannot decide. Errors as pf_shell_slopes. */
pf_err pf_shell_slopes_one(uint8_t *cls, const pf_grid *g, const float *d, const float *dj, long off, int far,
                           const pf_classify_params *p, size_t layer, const pf_slope_src *src,
                           const int32_t *span, pf_scratch *sc);

/* For tests: stamps layer l's segments into the raster r of g's nx·ny cells as the pass does: the cells of
 * a segment's samples (m + 1 of them, evenly spaced from end to end, m = ⌊1.5·its longer extent in cells⌋ +
 * 1) get 1 + its wall's shift per layer height, in steps of 1 / 3000 from −10 (0: no segment); other cells
 * are left as they are. clear 1: then sets the cells it wrote back to 0 as the pass does before it reuses a
 * raster (by their rectangle, or by stamping again with 0, whichever it judges cheaper). */
void pf_shell_slopes_stamp(uint16_t *r, const pf_grid *g, const pf_slope_src *src, size_t l, int clear);

/* For tests: the range of stamps the pass takes as reachable from each cell of g when it decides a band
 * without searching (its tile's, see shell_slopes.c): lo[c] > hi[c] when none; every stamp within 3 cells of
 * c on either axis (the search's reach) is within [lo[c], hi[c]]. */
void pf_shell_slopes_reach(const pf_grid *g, const pf_slope_src *src, size_t l, uint16_t *lo, uint16_t *hi);

#endif
