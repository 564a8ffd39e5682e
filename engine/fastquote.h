/* The fast model: per-unit weight and print time of a part known only by its bounding box and solid volume
 * (the numeric fields of POST /api/quote), with the same print profile as the slicer-grade estimator. Pure
 * arithmetic, a few hundred nanoseconds, no mesh.
 *
 * The part is modelled as a shell over an estimated surface plus sparse infill inside it:
 *   surface   A = A_box · (1 − c · f · (1 − f)), f = V / (x·y·z) the fill ratio of the box: a part that fills
 *               its box (f = 1) or is made of thin panels spanning it (f → 0) has about the box's surface, a
 *               rounded one (f ≈ ½, a sphere or a torus) less; c is calibrated (PF_FASTQUOTE_AREA_C);
 *   top and bottom: the mean cross-section V / z, top_layers + bottom_layers solid layers each;
 *   walls     the lateral surface A − 2·V/z times the perimeters' extrusion spacing;
 *   the shell is capped at V (thin-walled parts are all shell), the rest is infill at the given density.
 * Each feature's time is its extruded volume over its volumetric rate (speed × spacing × layer height) times a
 * calibrated efficiency for accelerations and short lines; each layer adds a fixed overhead (travel, retraction,
 * layer change) and lasts at least the profile's minimum layer time (cooling slowdown).
 *
 * Accuracy against PrusaSlicer 2.5 on tests/data/reference.csv: see bench/RESULTS.md ("Fast quote model"). The
 * model cannot see holes, teeth or hollow interiors, so it is an instant estimate, not a replacement for the
 * slicer-grade estimate of an uploaded mesh (engine/estimate.h). */
#ifndef PF_FASTQUOTE_H
#define PF_FASTQUOTE_H

#include "engine/error.h"
#include "engine/estimate.h"
#include "engine/profile.h"

/* Calibrated constants (fitted once on tests/data/reference.csv; no per-part special cases). */
#define PF_FASTQUOTE_AREA_C 1.4        /* surface curvature term c above */
#define PF_FASTQUOTE_LAYER_S 5.0       /* per-layer overhead, seconds */
#define PF_FASTQUOTE_SOLID_EFF 0.5     /* solid/top infill: effective share of the nominal speed */
#define PF_FASTQUOTE_INFILL_EFF 0.8    /* sparse infill: effective share of the nominal speed */
#define PF_FASTQUOTE_MAX_DIM_MM 10000.0 /* larger bounding boxes are refused as absurd */

/* Estimates one unit of a part with bounding box dims_mm (x, y, z; z is the printing height) and solid volume
 * volume_mm3 at infill density (fraction 0..1) with profile p (p->supports is ignored: the model knows no
 * overhangs). Fills weight, filament length, volume and time per feature (travel stays 0: the per-layer
 * overhead is in "other"), print and job time, layers and the largest layer area (the mean cross-section).
 * Errors: INVAL (a dimension not in (0, PF_FASTQUOTE_MAX_DIM_MM], a volume not positive or larger than the
 * box, a density outside [0, 1], or a bad profile; eb names the field). *out is set only on success. Pure and
 * thread-safe. */
pf_err pf_fastquote_estimate(const double dims_mm[3], double volume_mm3, double density, const pf_profile *p,
                             pf_estimate *out, pf_errbuf *eb);

#endif
