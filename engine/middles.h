/* Walls about 2·perimeters beads wide: whether Arachne widens the beads over a wall's middle or leaves a
 * strip of sparse infill there, decided from the slice's exact segments. The raster knows a wall's width only
 * to a cell (0.18–0.36 mm), and the two answers differ by the band's whole volume at 0 % infill and by short
 * zig-zag lines at 100 %, while PrusaSlicer's transition is sharp (2.08 mm with the default profile). */
#ifndef PF_MIDDLES_H
#define PF_MIDDLES_H

#include <stdint.h>

#include "engine/backend.h"

/* Decides every PF_FILL_MIDDLE cell of one layer's classes cls (nx × ny on g): for the cell's centre, the
 * nearest point of the slice's segments (PF_SEG_FLOATS floats each, inside on the left) and, from it, the
 * wall's thickness along the normal through that point (a ray to the next segment). A wall thinner than
 * 2·ridge is Arachne's widened beads: the cell becomes PF_FILL_NONE (reduce counts its band beyond the
 * inner beads as inner perimeter); a thicker one keeps PF_FILL_MIDDLE, a strip of sparse infill. Depends only
 * on its inputs, so every backend's classes get the same decisions. PF_E_NOMEM when the segment index
 * cannot be allocated (classes unchanged). */
pf_err pf_middles_resolve(uint8_t *cls, const pf_grid *g, const float *segs, uint32_t nseg, float ridge);

#endif
