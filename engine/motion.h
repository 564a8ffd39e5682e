/* The motion and cooling model behind print-time estimates: trapezoidal moves under a jerk-limited planner
 * (as PrusaSlicer's GCodeProcessor times Marlin) and the minimum-layer-time slowdown (CoolingBuffer). */
#ifndef PF_MOTION_H
#define PF_MOTION_H

#include <stddef.h>

/* Time (s) of one straight move of length len (mm) cruising at v (mm/s) with acceleration a (mm/s²), entering
 * at v_in and leaving at v_out (both clamped to v). Trapezoidal profile, triangular when the move is too
 * short to reach v: a long move from and to rest takes len/v + v/a. Pure; 0 for len ≤ 0. */
double pf_motion_move_time(double len, double v, double a, double v_in, double v_out);

/* Junction speed between two unit directions (dx0, dy0) → (dx1, dy1) at cruise v under per-axis jerk: v
 * scaled so no axis changes its velocity by more than jerk, as in Marlin's classic jerk planner. */
double pf_motion_junction(double dx0, double dy0, double dx1, double dy1, double v, double jerk);

/* Time (s) to follow a polyline of n points (x y pairs; closed adds the segment back to the first point) at
 * cruise v, acceleration a, jerk-limited junctions, starting and ending at the jerk speed. Forward/backward
 * passes as the planner does. */
double pf_motion_polyline_time(const float *xy, size_t n, int closed, double v, double a, double jerk);

/* The same at nv cruise speeds v[0..nv) at once (the geometry is measured once), times into out[0..nv).
 * scratch: pf_motion_polyline_scratch(n) doubles owned by the caller. Never allocates; thread-safe. */
void pf_motion_polyline_times(const float *xy, size_t n, int closed, const double *v, size_t nv, double a,
                              double jerk, double *scratch, double *out);
size_t pf_motion_polyline_scratch(size_t n);

/* Minimum-layer-time slowdown. Adjustable paths: n groups with total length len[i] (mm) at speed speed[i];
 * fixed: time of everything that cannot be slowed (bridges, travel, retractions), computed naively
 * (length/feed). Returns F* such that running every adjustable group faster than F* at F* makes the naive
 * layer time equal min_time; returns +INFINITY when the layer is already slow enough, and min_speed when even
 * that is not enough (everything adjustable then runs at min_speed). */
double pf_motion_cooling_speed(const double *len, const double *speed, size_t n, double fixed,
                               double min_time, double min_speed);

/* pf_motion_cooling_speed in two steps, for callers that solve many layers whose groups differ in one:
 * pf_motion_cooling_groups keeps the groups that can slow (speed > min_speed, len > 0), at most 16, in
 * sp / sl / st (speed, length, length / speed) by descending speed and returns their count;
 * pf_motion_cooling_walk solves for F from such a list and the layer's whole naive time t (fixed + Σ
 * len/speed over every group). */
size_t pf_motion_cooling_groups(const double *len, const double *speed, size_t n, double min_speed,
                                double *sp, double *sl, double *st);
double pf_motion_cooling_walk(const double *sp, const double *sl, const double *st, size_t m, double t,
                              double min_time, double min_speed);

#endif
