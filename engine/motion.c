/* Trapezoidal move timing, jerk junctions, polyline timing and the cooling slowdown solve (see motion.h). */
#include "engine/motion.h"

#include <math.h>
#include <stdlib.h>

/* A move of len that never reaches its cruise speed: the peak where the acceleration and deceleration ramps
 * meet. */
static double triangular(double len, double a, double v_in, double v_out)
{
    double vp2 = (2 * a * len + v_in * v_in + v_out * v_out) / 2;
    double vp = sqrt(vp2);
    double lo = v_in > v_out ? v_in : v_out;
    if (vp <= lo) return 2 * len / (v_in + v_out); /* the planner never asks for this; stay finite anyway */
    return (vp - v_in) / a + (vp - v_out) / a;
}

double pf_motion_move_time(double len, double v, double a, double v_in, double v_out)
{
    if (len <= 0 || v <= 0) return 0;
    if (v_in > v) v_in = v;
    if (v_out > v) v_out = v;
    if (v_in < 0) v_in = 0;
    if (v_out < 0) v_out = 0;
    if (v_in == v && v_out == v) return len / v; /* cruise all the way: what the general case gives */
    double d_acc = (v * v - v_in * v_in) / (2 * a), d_dec = (v * v - v_out * v_out) / (2 * a);
    if (d_acc + d_dec <= len) return (v - v_in) / a + (v - v_out) / a + (len - d_acc - d_dec) / v;
    return triangular(len, a, v_in, v_out);
}

/* pf_motion_move_time(len, v, a, min(w_in, v), min(w_out, v)) for a move of a polyline, the same operations.
 * When both junction speeds lie below v the move enters and leaves at them whatever v is, and a triangular
 * profile (v out of reach) takes the same time at every such v: *tri keeps it (NAN until made), so the
 * speeds of a polyline's timing take one square root a move instead of one each. */
/* pf_motion_move_time for a move whose junction speeds w_in, w_out both lie below v, with 1 / a (ia) and
 * 1 / v (iv) at hand: multiplications where it divides (the polylines of a layer's contours take this for
 * every move at each of a grid of speeds). */
static double move_time_at(double len, double v, double a, double ia, double iv, double w_in, double w_out,
                           double *tri)
{
    if (!(w_in < v && w_out < v) || len <= 0 || v <= 0)
        return pf_motion_move_time(len, v, a, w_in < v ? w_in : v, w_out < v ? w_out : v);
    double v_in = w_in < 0 ? 0 : w_in, v_out = w_out < 0 ? 0 : w_out, h = 0.5 * ia; /* 1 / (2a) */
    double d_acc = (v * v - v_in * v_in) * h, d_dec = (v * v - v_out * v_out) * h;
    if (d_acc + d_dec <= len) return ((v - v_in) + (v - v_out)) * ia + (len - d_acc - d_dec) * iv;
    if (isnan(*tri)) *tri = triangular(len, a, v_in, v_out);
    return *tri;
}

double pf_motion_junction(double dx0, double dy0, double dx1, double dy1, double v, double jerk)
{
    double jx = fabs(dx1 - dx0) * v, jy = fabs(dy1 - dy0) * v, j = jx > jy ? jx : jy;
    return j > jerk ? v * jerk / j : v;
}

double pf_motion_polyline_time(const float *xy, size_t n, int closed, double v, double a, double jerk)
{
    if (n < 2) return 0;
    double *scratch = malloc(pf_motion_polyline_scratch(n) * sizeof *scratch), t = 0;
    if (!scratch) {
        /* No memory for the passes: fall back to the cruise time, a lower bound. */
        size_t ns = closed ? n : n - 1;
        for (size_t i = 0; i < ns; i++) {
            size_t k = (i + 1) % n;
            t += hypot(xy[2 * k] - xy[2 * i], xy[2 * k + 1] - xy[2 * i + 1]) / v;
        }
        return t;
    }
    pf_motion_polyline_times(xy, n, closed, &v, 1, a, jerk, scratch, &t);
    free(scratch);
    return t;
}

size_t pf_motion_polyline_scratch(size_t n)
{
    return 2 * (n + 1);
}

/* All speeds from one planner pass. With a cruise speed vs every junction's limit is min(vs, jerk / turn)
 * (what pf_motion_junction gives), and the forward/backward passes leave the largest speed profile under
 * those limits that the acceleration allows. Feasible profiles are closed under pointwise minimum and a
 * constant profile is feasible, so that largest profile is min(vs, W) where W is the pass's result without a
 * cruise limit: W is computed once, and each speed only times its moves. A move whose both ends reach vs
 * cruises (len / vs); those lengths are summed and divided once. The same times as a planner pass per speed,
 * up to the rounding of the sums. */
void pf_motion_polyline_times(const float *xy, size_t n, int closed, const double *v, size_t nv, double a,
                              double jerk, double *scratch, double *out)
{
    size_t ns = n < 2 ? 0 : closed ? n : n - 1;
    double *len = scratch, *w = scratch + (n + 1);
    if (ns == 0) {
        for (size_t s = 0; s < nv; s++)
            out[s] = 0;
        return;
    }
    /* The geometry once: segment lengths and, per junction, the speed its change of direction allows. */
    double pdx = 0, pdy = 0;
    for (size_t i = 0; i < ns; i++) {
        size_t k = (i + 1) % n;
        double dx = xy[2 * k] - xy[2 * i], dy = xy[2 * k + 1] - xy[2 * i + 1], l = sqrt(dx * dx + dy * dy);
        len[i] = l;
        if (l > 0) dx /= l, dy /= l;
        double jx = fabs(dx - pdx), jy = fabs(dy - pdy), turn = jx > jy ? jx : jy;
        w[i] = i == 0 ? jerk : turn > 0 ? jerk / turn : INFINITY;
        pdx = dx, pdy = dy;
    }
    w[ns] = jerk;                     /* start and end at the jerk speed */
    for (size_t i = 0; i < ns; i++) { /* forward: cannot exceed what accelerating from the entry allows */
        double x = w[i] * w[i] + 2 * a * len[i];
        if (w[i + 1] * w[i + 1] > x) w[i + 1] = sqrt(x);
    }
    for (size_t i = ns; i-- > 0;) { /* backward: must be able to brake to the next junction */
        double x = w[i + 1] * w[i + 1] + 2 * a * len[i];
        if (w[i] * w[i] > x) w[i] = sqrt(x);
    }
    for (size_t s0 = 0; s0 < nv; s0 += 16) { /* speeds in groups of up to 16 */
        size_t m = nv - s0 < 16 ? nv - s0 : 16;
        const double *vg = v + s0;
        double vmax = 0, t[16] = {0}, cruise[16] = {0}, fast = 0; /* fast: moves cruising at every speed */
        double iv[16], ia = 1 / a;
        for (size_t s = 0; s < m; s++) {
            if (vg[s] > vmax) vmax = vg[s];
            iv[s] = vg[s] > 0 ? 1 / vg[s] : 0;
        }
        for (size_t i = 0; i < ns; i++) {
            double lo = w[i] < w[i + 1] ? w[i] : w[i + 1];
            if (lo >= vmax) {
                fast += len[i];
                continue;
            }
            double tri = NAN;
            for (size_t s = 0; s < m; s++) {
                double vs = vg[s];
                if (lo >= vs)
                    cruise[s] += len[i];
                else
                    t[s] += move_time_at(len[i], vs, a, ia, iv[s], w[i], w[i + 1], &tri);
            }
        }
        for (size_t s = 0; s < m; s++)
            out[s0 + s] = vg[s] > 0 ? t[s] + (fast + cruise[s]) / vg[s] : 0;
    }
}

size_t pf_motion_cooling_groups(const double *len, const double *speed, size_t n, double min_speed,
                                double *sp, double *sl, double *st)
{
    size_t m = 0;
    for (size_t i = 0; i < n && m < 16; i++) {
        if (!(speed[i] > min_speed && len[i] > 0)) continue;
        size_t j = m++;
        for (; j > 0 && sp[j - 1] < speed[i]; j--) /* insertion, descending */
            sp[j] = sp[j - 1], sl[j] = sl[j - 1], st[j] = st[j - 1];
        sp[j] = speed[i], sl[j] = len[i], st[j] = len[i] / speed[i];
    }
    return m;
}

double pf_motion_cooling_walk(const double *sp, const double *sl, const double *st, size_t m, double t,
                              double min_time, double min_speed)
{
    if (t >= min_time) return INFINITY;
    /* Naive time as a function of F is decreasing and piecewise 1/F: with every group faster than F at F,
     * T(F) = fixed + Σ_{v < F} L/v + Σ_{v ≥ F} L/F. Walk the intervals between the distinct group speeds from
     * the top, keeping Σ L and Σ L/v of the groups at or above the interval; F = Σ L / avail lies in the
     * interval [lower, v] when lower·avail ≤ Σ L ≤ v·avail (no division until it is found). */
    double lsum = 0, fast = 0;
    for (size_t k = 0; k < m;) {
        double v = sp[k];
        for (; k < m && sp[k] == v; k++)
            lsum += sl[k], fast += st[k];
        /* F in [next speed (or min_speed), v]: the groups at v and above run at F. */
        double lower = k < m ? sp[k] : min_speed;
        double avail = min_time - (t - fast);
        if (avail <= 0 || lsum < lower * avail || lsum > v * avail) continue;
        double f = lsum / avail;
        return f < min_speed ? min_speed : f;
    }
    return min_speed;
}

double pf_motion_cooling_speed(const double *len, const double *speed, size_t n, double fixed,
                               double min_time, double min_speed)
{
    double t = fixed;
    for (size_t i = 0; i < n; i++)
        if (speed[i] > 0) t += len[i] / speed[i];
    if (t >= min_time) return INFINITY;
    double sp[16], sl[16], st[16];
    size_t m = pf_motion_cooling_groups(len, speed, n, min_speed, sp, sl, st);
    return pf_motion_cooling_walk(sp, sl, st, m, t, min_time, min_speed);
}
