/* Slicer-grade estimate of printed weight and print time (PrusaSlicer 2.5 model), split into a prepare step
 * that slices and measures the mesh once and an evaluation that re-prices any infill density in microseconds.
 */
#ifndef PF_ESTIMATE_H
#define PF_ESTIMATE_H

#include <stddef.h>

#include "engine/backend.h"
#include "engine/error.h"
#include "engine/mesh.h"
#include "engine/profile.h"

/* Extrusion features: volumes and times are reported per feature. */
typedef enum pf_feature {
    PF_FEAT_EXT_PERIMETER = 0, /* external perimeter */
    PF_FEAT_PERIMETER,         /* inner perimeters */
    PF_FEAT_SOLID,             /* top, bottom, internal solid and bridges */
    PF_FEAT_INFILL,            /* sparse infill */
    PF_FEAT_SUPPORT,           /* support material */
    PF_FEAT_N
} pf_feature;
/* Time buckets: the features, then travel (XY moves) and other (retract, wipe, lift, layer change). */
enum { PF_TIME_TRAVEL = PF_FEAT_N, PF_TIME_OTHER, PF_TIME_N };

/* Names used in JSON: "external_perimeter", "perimeter", "solid", "infill", "support", "travel", "other". */
const char *pf_estimate_bucket_name(int bucket);

typedef struct pf_estimate {
    double infill_density;        /* fraction 0..1 this estimate is for */
    int supports;                 /* whether support material was included */
    double volume_mm3[PF_FEAT_N]; /* extruded volume per feature */
    double volume_total_mm3;      /* their sum */
    double filament_m;            /* filament length for the profile's diameter */
    double weight_g;              /* grams from the filament density */
    double time_s[PF_TIME_N];     /* print time per bucket */
    double print_time_s;          /* their sum (PrusaSlicer's "normal mode" estimate) */
    double job_time_s;            /* print time + the profile's preparation time */
    size_t layers;                /* layer count */
    double max_layer_area_mm2;    /* largest slice area */
    double overhang_area_mm2;     /* downward faces steeper than the support threshold, off the bed */
    double overhang_wall_mm;      /* wall length printed over air, at bridge speed (overhang perimeters) */
    double support_volume_mm3;    /* support volume (0 unless supports) */
    size_t slowed_layers;         /* layers stretched by the minimum layer time */
} pf_estimate;

/* Everything an evaluation needs: per-layer areas, run-length histograms, contour timing. Opaque. */
typedef struct pf_estimate_cache pf_estimate_cache;

/* Slices mesh (printed parts only, dropped onto the bed) with profile p on backend be and measures every
 * layer. Errors: INVAL (bad profile, eb names the field), EMPTY_MESH (nothing printable or flat), TOO_LARGE
 * (a layer count over 100 000), NOMEM, DEVICE (backend failure). *out is set only on success; free it with
 * pf_estimate_cache_free. The mesh and profile are copied from as needed and may be released afterwards.
 * Thread-safe for distinct outputs.
 * The cache is for one of two regimes, chosen by p's infill density: any density above 0, or 0. PrusaSlicer
 * grows top and bottom surfaces by a 3 mm margin over the infill, and its vertical shells carry that margin
 * to the layers around; at 0 % there is no infill to grow over (only what the layer below covers), so a
 * sloped part's solid bands are narrower (a 10° ramp: 100 against 177 mm² a layer). A cache evaluates every
 * density of its own regime exactly as a fresh estimate would; evaluated at a density of the other regime it
 * keeps its own shells (a ramp's weight +18 % at 0 % from a cache for 20 %), so a caller quoting both
 * prepares one cache for each (pf_estimate_cache_zero tells which a cache is). */
pf_err pf_estimate_prepare(const pf_mesh *mesh, const pf_profile *p, const pf_backend *be,
                           pf_estimate_cache **out, pf_errbuf *eb);

/* pf_estimate_prepare with the per-layer stages on exactly `threads` threads (the caller's and threads − 1
 * started for the call), or, for threads ≤ 0, as pf_estimate_prepare chooses: the backend's threads hint, and
 * more than one only when a core is idle now (engine/sched.h). The cache is bit for bit the same for every
 * count. Errors as pf_estimate_prepare. */
pf_err pf_estimate_prepare_threads(const pf_mesh *mesh, const pf_profile *p, const pf_backend *be,
                                   int threads, pf_estimate_cache **out, pf_errbuf *eb);

/* Flags of pf_estimate_prepare_opts. PF_EST_NO_REUSE: every layer goes through every stage, without the
 * shortcuts for layers that repeat the one below (raster fingerprints, a shared distance field, classes and
 * sums copied from layer l − 2). The shortcuts are exact, so the cache is the same bit for bit; tests check
 * that, and benches can show what the shortcuts save. PF_EST_NO_SKIP: no steep layers (engine/estimate.c
 * steep_modes): every layer is classified against its neighbours and none is interpolated, which is not the
 * same cache (tests check how near). PF_EST_NO_TRIM: interpolated linear layers that no other layer reads
 * are rastered all the same (engine/estimate.c lin_trim): the same cache bit for bit, for tests. */
enum { PF_EST_NO_REUSE = 1, PF_EST_NO_SKIP = 2, PF_EST_NO_TRIM = 4 };

/* pf_estimate_prepare_threads with flags (PF_EST_*, 0 for none). Errors as pf_estimate_prepare. */
pf_err pf_estimate_prepare_opts(const pf_mesh *mesh, const pf_profile *p, const pf_backend *be, int threads,
                                unsigned flags, pf_estimate_cache **out, pf_errbuf *eb);

/* Evaluates the cached slicing for infill density (fraction 0..1) and supports on/off. Pure arithmetic over
 * the per-layer statistics; never allocates. Supports need a cache prepared with the profile's supports on
 * (pf_estimate_cache_supports): where they stand is worked out then (engine/supports.h). Errors: INVAL for a
 * density outside [0, 1], or supports asked of a cache without them. */
pf_err pf_estimate_eval(const pf_estimate_cache *c, double density, int supports, pf_estimate *out,
                        pf_errbuf *eb);

/* Whether c was prepared with supports (the profile's supports on), so that pf_estimate_eval can add them. */
int pf_estimate_cache_supports(const pf_estimate_cache *c);

/* Prepare + eval with the profile's own density and supports. */
pf_err pf_estimate_run(const pf_mesh *mesh, const pf_profile *p, const pf_backend *be, pf_estimate *out,
                       pf_errbuf *eb);

/* One printed part's figures: the part estimated on its own, as if it were printed alone (dropped onto the
 * bed), with the same profile. Parts printed together share layers, so the parts' times do not add up to the
 * whole plate's (travel between them, the minimum layer time); their volumes nearly do. */
typedef struct pf_part_estimate {
    char name[64];    /* the part's name, "" when the file gives none */
    size_t index;     /* its index in pf_mesh.parts */
    size_t triangles; /* its triangle count */
    int printable;    /* 0 when it is too flat to print on its own (less than half a first layer): est is 0 */
    pf_estimate est;  /* its estimate (all zero when not printable) */
} pf_part_estimate;

/* Estimates every printed part of mesh on its own (prepare + eval with p's density and supports), in file
 * order: *out gets *n entries (malloc'd; free() it). When the mesh has one printed part and whole is given
 * (the whole mesh's estimate with the same profile), that part's entry is whole, without slicing again.
 * Errors: as pf_estimate_run for any part (eb names the part), NOMEM. *out and *n are set only on success. */
pf_err pf_estimate_parts(const pf_mesh *mesh, const pf_profile *p, const pf_backend *be,
                         const pf_estimate *whole, pf_part_estimate **out, size_t *n, pf_errbuf *eb);

/* Whether c is a cache for 0 % infill (see pf_estimate_prepare). */
int pf_estimate_cache_zero(const pf_estimate_cache *c);

/* The grid cell size (mm) and layer count a cache was prepared with (for benches and tests). */
double pf_estimate_cache_cell(const pf_estimate_cache *c);
size_t pf_estimate_cache_layers(const pf_estimate_cache *c);
/* Layers whose sums were interpolated between steep layers that went through the stages (none with
 * PF_EST_NO_SKIP). */
size_t pf_estimate_cache_skipped(const pf_estimate_cache *c);
/* Layers the first pass of the stages did not raster at all: skipped steep ones, and linear ones no other
 * layer reads (PF_EST_NO_TRIM). */
size_t pf_estimate_cache_unrastered(const pf_estimate_cache *c);
/* How many threads prepare ran on (for benches: pf_estimate_prepare decides at run time). */
unsigned pf_estimate_cache_threads(const pf_estimate_cache *c);
/* Heap bytes a cache holds (for bounding in-memory caches of them). */
size_t pf_estimate_cache_bytes(const pf_estimate_cache *c);
/* Per-layer cell sums of layer l (NULL when out of range), for tests and backend comparison. */
const pf_layer_cells *pf_estimate_cache_layer(const pf_estimate_cache *c, size_t l);
/* Separate pieces of run set `set` (pf_runset: PF_RUN_SOLID, _TOP, _BRIDGE or _IBRIDGE) on layer l, each
 * printed as a path of its own with a retraction before it; 0 out of range or for other sets (for tests). */
unsigned pf_estimate_cache_pieces(const pf_estimate_cache *c, size_t l, int set);

void pf_estimate_cache_free(pf_estimate_cache *c); /* accepts NULL */

#endif
