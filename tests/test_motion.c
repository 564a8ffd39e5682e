/* Motion model tests: trapezoid and triangle profiles against closed forms, junctions, cooling slowdown. */
#include <criterion/criterion.h>
#include <math.h>

#include "engine/motion.h"

Test(motion, long_move_from_rest_takes_len_over_v_plus_v_over_a)
{
    double L = 100, v = 80, a = 1000;
    cr_assert_float_eq(pf_motion_move_time(L, v, a, 0, 0), L / v + v / a, 1e-12);
    /* entering and leaving at speed u: each ramp saves (v − u)²/(2av) against the rest-to-rest case */
    double u = 8;
    cr_assert_float_eq(pf_motion_move_time(L, v, a, u, u), L / v + (v - u) * (v - u) / (a * v), 1e-12);
}

Test(motion, short_move_is_triangular)
{
    double L = 2, v = 80, a = 1000; /* reaching 80 needs 3.2 mm each way */
    double vp = sqrt(a * L);        /* peak when accelerating over L/2 and braking over L/2 from rest */
    cr_assert_lt(vp, v);
    cr_assert_float_eq(pf_motion_move_time(L, v, a, 0, 0), 2 * vp / a, 1e-12);
    cr_assert_gt(pf_motion_move_time(L, v, a, 0, 0), L / v);
}

Test(motion, many_short_segments_cost_more_than_one_long)
{
    double v = 80, a = 1000;
    double one = pf_motion_move_time(50, v, a, 8, 8);
    double many = 0;
    for (int i = 0; i < 25; i++)
        many += pf_motion_move_time(2, v, a, 8, 8);
    cr_assert_gt(many, 1.5 * one);
    /* A zig-zag polyline with 90° corners is slower than a straight one of the same length. */
    float zig[12], line[12];
    for (int i = 0; i < 6; i++) {
        zig[2 * i] = (float)(i / 2 * 10 + (i % 2) * 10), zig[2 * i + 1] = (float)((i + 1) / 2 % 2 * 10);
        line[2 * i] = (float)(i * 10), line[2 * i + 1] = 0;
    }
    cr_assert_gt(pf_motion_polyline_time(zig, 6, 0, v, a, 8), pf_motion_polyline_time(line, 6, 0, v, a, 8));
    cr_assert_float_eq(pf_motion_polyline_time(line, 6, 0, v, a, 8), pf_motion_move_time(50, v, a, 8, 8),
                       1e-9);
}

Test(motion, junction_is_limited_by_jerk)
{
    /* 90° corner at 45 mm/s: each axis jumps by 45 > 8, so the speed scales to 8 */
    cr_assert_float_eq(pf_motion_junction(1, 0, 0, 1, 45, 8), 8.0, 1e-12);
    /* straight on: no change */
    cr_assert_float_eq(pf_motion_junction(1, 0, 1, 0, 45, 8), 45.0, 1e-12);
}

Test(motion, cooling_finds_speed_that_fills_min_layer_time)
{
    /* 300 mm at 60 and 100 mm at 20 with 1 s fixed: naive 1 + 5 + 5 = 11 s < 15 s. Slowing the 60 mm/s group
     * to F gives 1 + 300/F + 5 = 15, F = 33.3. */
    double len[2] = {300, 100}, sp[2] = {60, 20};
    double F = pf_motion_cooling_speed(len, sp, 2, 1, 15, 15);
    cr_assert_float_eq(F, 300.0 / 9.0, 1e-9);
    /* Slow enough already: no change. */
    cr_assert(isinf(pf_motion_cooling_speed(len, sp, 2, 10, 15, 15)));
    /* Needs both groups below 20: 1 + 400/F = 15 → F = 28.6 > 20 is not consistent; with 2 s fixed and a 40 s
     * target, F = 400/38 = 10.5 < min 15 → clamps at 15. */
    cr_assert_float_eq(pf_motion_cooling_speed(len, sp, 2, 2, 40, 15), 15.0, 1e-12);
    double len2[2] = {100, 100}, sp2[2] = {50, 40};
    /* 100/F·2 = 10 → F = 20, below both group speeds */
    cr_assert_float_eq(pf_motion_cooling_speed(len2, sp2, 2, 0, 10, 15), 20.0, 1e-9);
}
