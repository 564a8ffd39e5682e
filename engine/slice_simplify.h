/* A layer's slice with its closed contours simplified, for the passes that walk contours segment by segment.
 *
 * A finely tessellated mesh slices into as many segments as its triangles cross the plane: a 1 M-triangle
 * bumpy sphere gives 2 500 segments of 0.1 mm a layer, and every per-segment pass of an estimate (raster
 * crossings, contour chaining and timing, wall middles, centre beads, overhang walks) paid for them: its
 * estimate took twice the 100 k-triangle one's of the same shape. PrusaSlicer's G-code comes out at a
 * resolution of 0.0125 mm (gcode_resolution) and its walls simplified further (Arachne), so the points a
 * contour keeps here, each within PF_SLICE_TOL of the chord that replaces the points between, change no
 * figure the estimator prints by more than rounding of its raster (cells of 0.2–0.4 mm).
 *
 * Only the segments change: the shell-slope pass (shell_slopes.h) still reads the layer's own segments, whose
 * edge keys name the facets (a simplified segment spans several, of other slopes on a thread's flanks). */
#ifndef PF_SLICE_SIMPLIFY_H
#define PF_SLICE_SIMPLIFY_H

#include <stddef.h>
#include <stdint.h>

#include "engine/scratch.h"

/* Largest distance, mm, of a dropped point from the chord that replaces it. */
#define PF_SLICE_TOL 0.0125f
/* Longest chord, mm: below the centre-bead pass's ARC_EDGE (engine/centre_beads.c), whose rounded corners are
 * runs of short edges. */
#define PF_SLICE_MAX_EDGE 1.0f

/* Writes the n segments of one layer at segs / keys (slice_emit's form: PF_SEG_FLOATS floats and two edge
 * keys each) to out_segs / out_keys: each closed contour (its segments chained end key to start key) as
 * segments between the points kept of its start points, a point dropped when it and every point dropped with
 * it lie within PF_SLICE_TOL of the chord from the last point kept to the next one and that chord is at most
 * PF_SLICE_MAX_EDGE long; a kept segment takes the start key of its first segment and the end key of its
 * last, so the contours chain as before. Open chains and segments without keys (UINT64_MAX) are copied as
 * they are. Contours come out one after the other, in the order of their first segment. Returns the number of
 * segments written (at most n), or -1 when out of memory. scratch: the caller's buffers. */
long pf_slice_simplify(const float *segs, const uint64_t *keys, uint32_t n, float *out_segs,
                       uint64_t *out_keys, pf_scratch *scratch);

#endif
