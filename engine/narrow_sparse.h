/* Sparse slivers between shells (PRUSASLICER-NOTES §3). PrusaSlicer's clean-up of the vertical shells grows
 * their narrow parts into the internal area, so the parts of a layer's sparse region narrower than about 1.5
 * solid spacings, where a shell bounds them, print as solid infill: a bowl's sloped wall, whose shell bands
 * from the layers above and below leave 0.1–0.5 mm of sparse region between them, has no sparse infill in
 * PrusaSlicer's G-code. The raster's classes leave such slivers sparse. */
#ifndef PF_NARROW_SPARSE_H
#define PF_NARROW_SPARSE_H

#include <stdint.h>

#include "engine/backend.h"
#include "engine/scratch.h"

/* Makes PF_FILL_SOLID every PF_FILL_SPARSE cell of cls (nx × ny on g) whose run of sparse cells along a row,
 * a column or a diagonal is no wider than width (mm: at most width / cell cells along the axes, width /
 * (cell·√2) along the diagonals, and at most 12) and ends, on either side, at a cell of a solid-type fill
 * (solid, top, bridge, internal bridge). Runs are taken on the classes as given, before any change. The cells
 * are packed 64 to a word, so a layer costs a few word operations per 64 cells. Nonzero when it changed a
 * cell; −1 when scratch cannot be allocated (classes unchanged). scratch: the caller's buffers (slots 0 and
 * 1, slot 0 left zero).
 */
int pf_narrow_sparse(uint8_t *cls, const pf_grid *g, float width, pf_scratch *scratch);

#endif
