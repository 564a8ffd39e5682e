/* Mesh analysis: size, volume, area and the topology checks (shells, watertightness, manifoldness) of a
 * mesh's printed parts, plus whether it fits a printer's bed. */
#ifndef PF_ANALYZE_H
#define PF_ANALYZE_H

#include <stddef.h>

#include "engine/error.h"
#include "engine/mesh.h"

/* Geometry that needs one pass over the triangles and no edge work: what the estimator and the quote need. */
typedef struct pf_mesh_stats {
    size_t triangles;   /* triangles in printed parts */
    double bbox_min[3]; /* mm, smallest x y z of any printed triangle's corner */
    double bbox_max[3]; /* mm, largest x y z */
    double dims[3];     /* mm, bbox_max − bbox_min */
    double volume_mm3;  /* enclosed volume from signed tetrahedra, as a magnitude (≥ 0) */
    double area_mm2;    /* surface area */
    int inverted;       /* 1 when the signed volume is negative: the normals point inward */
} pf_mesh_stats;

/* What pf_mesh_analyze should do beyond the statistics. Zero-initialised means: full checks, no bed test,
 * the default thread count. */
typedef struct pf_analyze_opts {
    double bed_mm[3]; /* printer build volume X, Y, Z in mm; all zero skips the fit test */
    int threads;      /* threads for the edge and shell work: 1 or 2; 0 decides (2 when a core is idle now) */
    int stats_only;   /* 1: fill only .stats (and the fit test); vertices, shells and edge counts stay 0 */
} pf_analyze_opts;

/* The full report. Edge counts are over undirected edges between distinct vertices of printed triangles. */
typedef struct pf_analysis {
    pf_mesh_stats stats;         /* counts, bbox, volume, area, inverted */
    size_t vertices;             /* distinct vertices used by printed triangles */
    size_t edges;                /* distinct undirected edges */
    size_t shells;               /* connected components over shared vertices (union-find) */
    size_t boundary_edges;       /* edges used by one triangle */
    size_t non_manifold_edges;   /* edges used by more than two triangles, or by two in the same direction */
    size_t degenerate_triangles; /* zero area or a repeated vertex index; repeated-index ones add no edges */
    int watertight;   /* 1 when every edge is used by exactly two triangles in opposite directions */
    int fits_bed;     /* 1 fits as is or turned 90° about Z, 0 does not, -1 not tested */
    int fits_rotated; /* 1 when it fits only after the 90° turn */
} pf_analysis;

/* Computes the statistics of m's printed parts (pf_part.printed != 0) in one pass; sums are accumulated in
 * double, in a fixed order, so the result does not depend on threads. Errors: INVAL (m or out NULL),
 * EMPTY_MESH (no printed triangle). *out is set only on success. Thread-safe; m is only read. */
pf_err pf_mesh_stats_compute(const pf_mesh *m, pf_mesh_stats *out, pf_errbuf *eb);

/* Full analysis of m's printed parts: the statistics, vertex and edge counts, shells, watertightness,
 * degenerate triangles and the bed fit. o may be NULL for the defaults. The result is identical for any
 * thread count. m must be a well-formed mesh (indices below nverts, parts inside the triangle range) as the
 * builder makes it; an index out of range is reported as BAD_INDEX rather than trusted. Errors: INVAL,
 * EMPTY_MESH (no printed triangle), BAD_INDEX, NOMEM. *out is set only on success. Thread-safe; m is only
 * read. Temporary memory is about 17 bytes per vertex plus 4 per printed corner. */
pf_err pf_mesh_analyze(const pf_mesh *m, const pf_analyze_opts *o, pf_analysis *out, pf_errbuf *eb);

/* Fit test alone: 1 when dims fit inside bed (both X Y Z in mm) as is, 2 when only after a 90° turn about Z,
 * 0 when not at all. A tolerance of 1 µm absorbs float rounding of the coordinates. */
int pf_bed_fit(const double dims[3], const double bed[3]);

#endif
