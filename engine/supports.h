/* Support material under a part, in outline: where PrusaSlicer 2.5's supports stand and how much of each
 * layer they cover, from the part's downward faces and its layers' outlines.
 *
 * PrusaSlicer supports every downward face flatter than the threshold angle (support_material_threshold,
 * from the horizontal) that has air under it: a column under the face from the bed, or from the part where
 * the part lies below, up to support_material_contact_distance under the face. The column is the face's
 * footprint grown by a margin (its "grid" style snaps the region to cells of the base pattern's line pitch:
 * about half a pitch more all round) and kept support_material_xy_spacing away from the part on every layer.
 * Its top interface layers are dense; its first layer is dense and grown by raft_first_layer_expansion.
 *
 * Here the footprints go onto a coarse grid of their own (pf_supports_make), and a sweep down the layers
 * carries each layer's support region to the one below, where the part (grown by the xy gap) cuts it: what
 * stays is that layer's support. Per layer the region's area, the part of it within the interface depth
 * under its contact, its outline's length, and whether a face's contact reaches it; the print figures
 * (paths, volumes, times) follow from those and the profile (engine/estimate.c). */
#ifndef PF_SUPPORTS_H
#define PF_SUPPORTS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

/* The part: its triangles on the bed (z ≥ 0) and each layer's outline (PF_SEG_FLOATS floats a segment, inside
 * on the left: slice_emit's, or the union of overlapping shells), layer l from h0 + (l − 1)·h to h0 + l·h
 * (layer 0 from 0 to h0). */
typedef struct pf_support_src {
    const float *verts;
    const uint32_t *tris;
    size_t ntris;
    const float *segs;
    const uint32_t *offs, *counts; /* per layer: first segment, segment count */
    size_t nl;
    double h0, h;
    double lo[2], hi[2]; /* the part's extent in x and y, mm */
} pf_support_src;

typedef struct pf_support_params {
    double threshold_deg;   /* faces flatter than this from the horizontal are supported */
    double contact;         /* gap from a support's top to the face above it, mm */
    double xy_gap;          /* gap from the part on every layer, mm */
    double margin;          /* how far a region grows round the footprints above it, mm */
    double first_expansion; /* how far the first layer's region grows, mm */
    double iface_depth;     /* depth of the dense interface under a face, mm */
} pf_support_params;

/* Per layer (nl entries each): the support region's area under its interface (base), its interface area,
 * its outline's length, and 1 where a face's footprint reaches it (contact); first_*: layer 0's region grown
 * by first_expansion (its area and outline: the first layer prints that instead of area[0] and iface[0]). */
typedef struct pf_support_geom {
    float *base, *iface, *perim; /* mm², mm², mm */
    uint8_t *contact; /* 1 where a face's footprint reaches this layer (a support layer ends here) */
    double first_area, first_perim;
} pf_support_geom;

/* Fills *out (arrays malloc'd, pf_support_geom_free). Errors: NOMEM, TOO_LARGE (a grid past its bounds). */
pf_err pf_supports_make(const pf_support_src *s, const pf_support_params *p, pf_support_geom *out);

void pf_support_geom_free(pf_support_geom *g);

#endif
