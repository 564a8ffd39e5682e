/* A layer's distance field from a neighbour's, where their masks differ in a few places.
 *
 * A capped field (edt with cap K > 0) gives a cell min(d², K²) of its distance d in cells to the nearest
 * outside cell, so its value depends on the mask within K cells of it (a square of side 2K + 1): an outside
 * cell nearer than K lies there, and if none does the cell is at the cap either way. Two layers whose masks
 * differ only along a moving edge (a ramp, a hole through a wall, the tip of a bracket's gusset) have the
 * same field everywhere farther than K from the cells that differ. So the field is the neighbour's, with the
 * rectangles within K of the differences taken from edt over a sub-grid K wider again on every side (where
 * the cells of those rectangles see everything they depend on): bit for bit what edt over the whole grid
 * writes, for any backend, as the backend's edt computes both. On overhang's ramps the rectangles cover a
 * tenth of the grid, and the field of such a layer costs about 60 % of a whole one. */
#ifndef PF_FIELD_DELTA_H
#define PF_FIELD_DELTA_H

#include <stddef.h>
#include <stdint.h>

#include "engine/backend.h"
#include "engine/error.h"

/* Writes into field the edt (cap > 0) of mask over g, from from_field, the same backend's field of from_mask
 * with the same cap, when the sub-grids it takes hold at most budget cells: *done = 1. Else *done = 0 and
 * field is untouched (budget exceeded, cap 0, or differences in more than PF_DELTA_RECTS separate places).
 * field must not overlap from_field. Errors: NOMEM, or be->edt's. */
pf_err pf_field_delta(const pf_backend *be, const pf_grid *g, uint32_t cap, const uint8_t *from_mask,
                      const float *from_field, const uint8_t *mask, float *field, size_t budget, int *done);

/* pf_field_delta knowing where the masks and field are nonzero (pf_mask_spans' spans, NULL where not known):
 * spans[0] of from_mask (and so of from_field), spans[1] of mask, spans[2] of what field holds now (it is 0
 * elsewhere). Rows empty in both masks are not compared, and only from_field's spans are copied, the rest of
 * field's old ones cleared (the air between two parts costs nothing). */
pf_err pf_field_delta_spans(const pf_backend *be, const pf_grid *g, uint32_t cap, const uint8_t *from_mask,
                            const float *from_field, const uint8_t *mask, float *field, size_t budget,
                            const int32_t *const spans[3], int *done);

/* The most separate places of difference pf_field_delta takes (its rectangles after merging). */
#define PF_DELTA_RECTS 32

#endif
