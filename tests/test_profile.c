/* The print profile (engine/profile.h): its defaults are PrusaSlicer's profile that made the reference
 * figures, and an .ini's keys, percentages included, land in their fields. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/profile.h"

/* Loading tests/data/profile_prusa.ini (PrusaSlicer 2.5, 0.20 mm QUALITY, MK3S, generic PLA) changes no
 * default: field by field, the same numbers. */
Test(profile, defaults_are_the_reference_profile)
{
    pf_profile d = pf_profile_default(), p = d;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_profile_load_ini(&p, PF_TEST_DATA "/profile_prusa.ini", &eb), PF_E_OK, "%s", eb.msg);
#define SAME(f) cr_expect_eq(p.f, d.f, #f ": %g from the ini, %g by default", (double)p.f, (double)d.f)
    SAME(layer_height);
    SAME(first_layer_height);
    SAME(nozzle);
    SAME(w_first);
    SAME(w_ext);
    SAME(w_perim);
    SAME(w_infill);
    SAME(w_solid);
    SAME(w_top);
    SAME(perimeters);
    SAME(top_layers);
    SAME(bottom_layers);
    SAME(top_min_thickness);
    SAME(bottom_min_thickness);
    SAME(infill_overlap);
    SAME(elephant_foot);
    SAME(bridge_flow_ratio);
    SAME(infill_density);
    SAME(supports);
    SAME(support_threshold);
    SAME(support_speed);
    SAME(support_iface_speed);
    SAME(support_spacing);
    SAME(support_iface_spacing);
    SAME(support_iface_layers);
    SAME(support_contact);
    SAME(support_xy);
    SAME(w_support);
    SAME(support_first_density);
    SAME(max_layer_height);
    SAME(filament_diameter);
    SAME(speed_perimeter);
    SAME(speed_ext_perimeter);
    SAME(speed_small_perimeter);
    SAME(speed_infill);
    SAME(speed_solid);
    SAME(speed_top);
    SAME(speed_bridge);
    SAME(speed_first_layer);
    SAME(speed_travel);
    SAME(speed_z);
    SAME(accel_default);
    SAME(accel_perimeter);
    SAME(accel_infill);
    SAME(accel_bridge);
    SAME(accel_first_layer);
    SAME(accel_max);
    SAME(jerk_xy);
    SAME(retract_length);
    SAME(retract_speed);
    SAME(retract_lift);
    SAME(retract_min_travel);
    SAME(wipe);
    SAME(min_layer_time);
    SAME(min_print_speed);
#undef SAME
    cr_expect_str_eq(p.infill_pattern, d.infill_pattern);
}

/* Percentages: of the nozzle for widths, a fraction for densities, and kept as such (negative) where
 * PrusaSlicer takes them of another setting (the interface speed of the support's, the xy gap of the
 * external perimeter's width); a plain number is mm or mm/s. */
Test(profile, percentages_land_as_each_key_means_them)
{
    char path[] = "/tmp/pf_profile_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs("nozzle_diameter = 0.6\nsupport_material_extrusion_width = 75%\nfill_density = 35%\n"
          "support_material_interface_speed = 50%\nsupport_material_xy_spacing = 0.4\n"
          "support_material_spacing = 1.5\nmax_layer_height = 0.3\n",
          f);
    fclose(f);
    pf_profile p = pf_profile_default();
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_profile_load_ini(&p, path, &eb), PF_E_OK, "%s", eb.msg);
    unlink(path);
    cr_expect_float_eq(p.w_support, 0.45, 1e-12);
    cr_expect_float_eq(p.infill_density, 0.35, 1e-12);
    cr_expect_float_eq(p.support_iface_speed, -0.5, 1e-12);
    cr_expect_float_eq(p.support_xy, 0.4, 1e-12);
    cr_expect_float_eq(p.support_spacing, 1.5, 1e-12);
    cr_expect_float_eq(p.max_layer_height, 0.3, 1e-12);
}

/* The quote says what of the profile the estimator does not model: fewer than 3 top or bottom solid layers
 * (estimated as 3); the defaults and more layers are modeled. */
Test(profile, says_what_the_estimator_does_not_model)
{
    pf_profile p = pf_profile_default();
    cr_expect_null(pf_profile_unmodeled(&p));
    p.top_layers = 5, p.bottom_layers = 4;
    cr_expect_null(pf_profile_unmodeled(&p));
    p.bottom_layers = 2;
    cr_expect_not_null(pf_profile_unmodeled(&p));
    p.bottom_layers = 3, p.top_layers = 1;
    cr_expect_not_null(pf_profile_unmodeled(&p));
}

/* PrusaSlicer raises the solid layer counts until the shells reach their minimum thickness (the bottom's
 * first layer at its own height): with 0.7 and 0.5 mm, 7 top and 4 bottom layers at 0.1 mm, 4 and 3 at 0.2 mm
 * (its G-code on a 30 × 30 × 6 mm block); a count of 0 stays 0. */
Test(profile, solid_layers_reach_the_minimum_thickness)
{
    pf_profile p = pf_profile_default();
    int t, b;
    pf_profile_solid_layers(&p, &t, &b);
    cr_expect(t == 3 && b == 3, "defaults: %d / %d", t, b);
    p.top_min_thickness = 0.7, p.bottom_min_thickness = 0.5;
    pf_profile_solid_layers(&p, &t, &b);
    cr_expect(t == 4 && b == 3, "0.2 mm layers: %d / %d, want 4 / 3", t, b);
    p.layer_height = 0.1;
    pf_profile_solid_layers(&p, &t, &b);
    cr_expect(t == 7 && b == 4, "0.1 mm layers: %d / %d, want 7 / 4", t, b);
    p.top_layers = 0;
    pf_profile_solid_layers(&p, &t, &b);
    cr_expect_eq(t, 0);
}
