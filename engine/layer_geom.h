/* One layer's slice on the host, from its exact segments, where the raster's cells are too coarse.
 * - Walls about 2·perimeters beads wide: whether Arachne widens the beads over a wall's middle or leaves a
 *   strip of sparse infill there. The raster knows a wall's width only to a cell (0.18–0.36 mm), and the two
 *   answers differ by the band's whole volume at 0 % infill and by short zig-zag lines at 100 %, while
 *   PrusaSlicer's transition is sharp (2.08 mm with the default profile).
 * - Overlapping shells (a mesh of boxes that overlap, as some exports leave them): the segments' signed area
 *   then counts the overlaps twice, so it cannot correct the raster's area. */
#ifndef PF_LAYER_GEOM_H
#define PF_LAYER_GEOM_H

#include <stdint.h>

#include "engine/backend.h"
#include "engine/scratch.h"

/* Decides every PF_FILL_MIDDLE cell of one layer's classes cls (nx × ny on g): for the cell's centre, the
 * nearest point of the slice's segments (PF_SEG_FLOATS floats each, inside on the left) and, from it, the
 * wall's thickness along the normal through that point (a ray to the next segment). A wall thinner than
 * 2·ridge is Arachne's widened beads: the cell becomes PF_FILL_NONE (reduce counts its band beyond the
 * inner beads as inner perimeter); a thicker one keeps PF_FILL_MIDDLE, a strip of sparse infill, or becomes
 * solid where classify set PF_CELL_SHELL (the bit is cleared either way): PF_FILL_SOLID, or, when surf is not
 * NULL, the surface the strip lies on, as classify's order has it: PF_FILL_BRIDGE where the distance field
 * of the layer below, surf[1], is ≤ 0 at the cell (NULL: no layer below), else PF_FILL_TOP where the one
 * above, surf[0], is (PrusaSlicer prints a top surface's strips with its top infill: a sieve's top layer,
 * whose holes leave a speck of strip between four of them, took 107 solid paths besides the top's 122).
 * Depends only on its inputs, so every backend's classes get the same decisions. PF_E_NOMEM when the segment
 * index cannot be allocated (classes unchanged). scratch: the caller's buffers, or NULL (allocated for the
 * call).
 */
pf_err pf_middles_resolve(uint8_t *cls, const pf_grid *g, const float *segs, uint32_t nseg, float ridge,
                          const float *const surf[2], pf_scratch *scratch);

/* A middle cell's classes before and after pf_middles_resolve_log decided it. */
typedef struct pf_middle {
    uint32_t cell; /* y · nx + x */
    uint8_t before, after;
} pf_middle;

/* The middle cells of one layer's classes in row order, with what resolving did to them. Zero-initialize;
 * free(m) releases. */
typedef struct pf_middle_log {
    pf_middle *m;
    size_t n, cap;
} pf_middle_log;

/* pf_middles_resolve that also lists every middle cell it decides in *log (emptied first). A layer's copy of
 * another's classes (equal masks, so equal classes up to here) can then be checked against its own segments
 * (pf_middles_agree). span: the spans of the layer's mask (engine/backend.h pf_mask_spans: its classes are 0
 * beyond them), or NULL. Errors: NOMEM (the classes and the log partly done). */
pf_err pf_middles_resolve_log(uint8_t *cls, const pf_grid *g, const float *segs, uint32_t nseg, float ridge,
                              const float *const surf[2], const int32_t *span, pf_scratch *scratch,
                              pf_middle_log *log);

/* Whether resolving the middle cells of log, as they were before, against the segments segs (nseg) and the
 * fields surf gives each of them the classes it got: 1 when so, 0 when not, −1 when out of memory. The
 * decision reads only those cells, so a copy whose log agrees holds exactly the classes its own slice would
 * give. zero: g's nx × ny bytes of zero, to work in (left zero). */
int pf_middles_agree(const pf_middle_log *log, uint8_t *zero, const pf_grid *g, const float *segs,
                     uint32_t nseg, float ridge, const float *const surf[2], pf_scratch *scratch);

/* Whether the n segments overlap themselves: some sampled row centre of g runs through two shells at once (a
 * winding number of 2 or more, counted as the raster counts it), as in a mesh of overlapping boxes, whose
 * signed area counts the overlaps twice. The crossings are bucketed by row, each row's sorted by insertion
 * (a row crosses a few walls). 1 also when the scratch cannot be allocated (a caller then trusts the raster).
 */
int pf_layer_overlaps(const float *segs, uint32_t n, const pf_grid *g);

/* The pieces an inner bead's region falls into: the 8-connected components of the cells whose distance field
 * value exceeds tau that hold a cell deeper than peak (a wall about 2·tau wide leaves specks of the raster's
 * noise, not pieces), within the columns win[0]..win[1] and rows win[2]..win[3] (inclusive; NULL: the whole
 * grid). An island's inner perimeters follow its external ones as long as that region stays in one piece;
 * thin webs split it (a honeycomb's walls leave a piece at every junction), and Arachne prints each piece as
 * an inner loop of its own, travel and retraction included. -1 when the scratch cannot be allocated. */
long pf_inner_pieces(const float *dist, const pf_grid *g, const long win[4], float tau, float peak,
                     pf_scratch *scratch);

/* PrusaSlicer keeps an internal bridge only where it is wide enough (bridge_over_infill opens the solid
 * infill over sparse infill by 3 bridge widths, 1.29 mm: narrower strips, such as the edge of each layer's
 * solid band on a shallow slope, print as solid infill). The PF_FILL_IBRIDGE cells of cls (nx × ny on g)
 * whose row and column both run through at least 2k + 1 internal-bridge cells stay; the others become
 * PF_FILL_SOLID. A strip along an axis goes when it is narrower than the opening's 2 × 1.29 mm; a diagonal
 * one when narrower than 1/√2 of that (the opening itself: a disc). One pass down the rows (8 cells at a
 * time away from bridges). PF_E_NOMEM when the scratch cannot be allocated (classes unchanged). */
pf_err pf_ibridges_open(uint8_t *cls, const pf_grid *g, int k, pf_scratch *scratch);
/* The same when columns box[0] … box[1] and rows box[2] … box[3] (inclusive) hold every PF_FILL_IBRIDGE cell
 * of cls: only they are swept (a shallow slope's bridge strip runs along a few columns of every row). */
pf_err pf_ibridges_open_box(uint8_t *cls, const pf_grid *g, const long box[4], int k, pf_scratch *scratch);

/* pf_classes_fix_bridges (engine/backend.h) on the n classes of a whole layer, 16 cells a step, with the
 * indices of the first and the last cell it made an internal bridge (*first > *last when none). */
void pf_ibridges_fix(uint8_t *cls, const uint8_t *below, size_t n, size_t *first, size_t *last);

/* pf_classes_shell_margins (engine/backend.h) on n classes, 16 cells a step: a sparse cell within reach of a
 * seed in any of the fields nb[0..3] (NULL: none) becomes solid, all four fields compared in one pass. */
void pf_shell_margins_fix(uint8_t *cls, const float *const nb[4], float reach, size_t n);

#endif
