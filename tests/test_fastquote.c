/* The fast quote model (engine/fastquote.h): accuracy against the PrusaSlicer reference, physical
 * consistency (a solid print weighs its volume, more infill never costs less) and input validation. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fastquote.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static pf_estimate est_ok(double x, double y, double z, double vol, double density)
{
    pf_profile p = pf_profile_default();
    pf_estimate e;
    pf_errbuf eb = {{0}};
    double dims[3] = {x, y, z};
    pf_err err = pf_fastquote_estimate(dims, vol, density, &p, &e, &eb);
    cr_assert_eq(err, PF_E_OK, "%s", eb.msg);
    return e;
}

/* Every distinct part and infill of tests/data/reference.csv (the same geometry in several file formats
 * counts once). The bounds are loose on purpose: the model sees only a box and a volume. */
Test(fastquote, accuracy_against_the_slicer_reference)
{
    FILE *f = fopen(PF_TEST_DATA "/reference.csv", "r");
    cr_assert_not_null(f);
    char line[1024];
    double ew[256], et[256], seen[256][5];
    size_t n = 0;
    cr_assert_not_null(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f) && n < 256) {
        char *col[20];
        size_t nc = 0;
        for (char *s = strtok(line, ",\r\n"); s && nc < 20; s = strtok(NULL, ",\r\n"))
            col[nc++] = s;
        if (nc < 19 || strcmp(col[18], "ok")) continue;
        double vol = atof(col[3]), x = atof(col[5]), y = atof(col[6]), z = atof(col[7]), inf = atof(col[8]);
        double g = atof(col[11]), t = atof(col[14]);
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = seen[i][0] == vol && seen[i][1] == x && seen[i][2] == y && seen[i][3] == z && seen[i][4] == inf;
        if (dup) continue;
        seen[n][0] = vol, seen[n][1] = x, seen[n][2] = y, seen[n][3] = z, seen[n][4] = inf;
        pf_estimate e = est_ok(x, y, z, vol, inf / 100);
        ew[n] = fabs(e.weight_g / g - 1);
        et[n] = fabs(e.print_time_s / t - 1);
        n++;
    }
    fclose(f);
    cr_assert_geq(n, 40);
    qsort(ew, n, sizeof *ew, cmp_double);
    qsort(et, n, sizeof *et, cmp_double);
    double mw = ew[n / 2], mt = et[n / 2], p90w = ew[n * 9 / 10], p90t = et[n * 9 / 10];
    printf("fast model vs PrusaSlicer over %zu cases: weight median %.1f %% p90 %.1f %% worst %.1f %%; "
           "time median %.1f %% p90 %.1f %% worst %.1f %%\n",
           n, mw * 100, p90w * 100, ew[n - 1] * 100, mt * 100, p90t * 100, et[n - 1] * 100);
    cr_expect_leq(mw, 0.10);
    cr_expect_leq(mt, 0.20);
    cr_expect_leq(ew[n - 1], 0.60);
    cr_expect_leq(et[n - 1], 0.60);
}

Test(fastquote, solid_print_weighs_its_volume)
{
    pf_estimate e = est_ok(20, 20, 20, 8000, 1.0);
    pf_profile p = pf_profile_default();
    cr_expect_float_eq(e.volume_total_mm3, 8000, 1e-6);
    cr_expect_float_eq(e.weight_g, 8000 * p.filament_density / 1000, 1e-9);
    cr_expect_float_eq(e.job_time_s, e.print_time_s + p.preparation_time, 1e-9);
    cr_expect_eq(e.layers, 100);
}

Test(fastquote, more_infill_never_weighs_or_takes_less)
{
    pf_estimate prev = est_ok(60, 40, 30, 30000, 0);
    for (int d = 5; d <= 100; d += 5) {
        pf_estimate e = est_ok(60, 40, 30, 30000, d / 100.0);
        cr_expect_geq(e.weight_g, prev.weight_g, "density %d", d);
        cr_expect_geq(e.print_time_s + 1e-9, prev.print_time_s, "density %d", d);
        prev = e;
    }
}

Test(fastquote, thin_walled_parts_are_all_shell)
{
    /* 0.5 mm walls of a 100 mm box: the shell estimate exceeds the volume, so infill cannot add anything. */
    double v = 100 * 100 * 100 - 99 * 99 * 99;
    pf_estimate a = est_ok(100, 100, 100, v, 0);
    pf_estimate b = est_ok(100, 100, 100, v, 1);
    cr_expect_float_eq(a.weight_g, b.weight_g, 1e-9);
    cr_expect_float_eq(a.volume_total_mm3, v, 1e-6);
}

Test(fastquote, small_layers_wait_for_cooling)
{
    pf_profile p = pf_profile_default();
    pf_estimate e = est_ok(5, 5, 10, 250, 0.2);
    cr_expect_eq(e.slowed_layers, e.layers);
    cr_expect_float_eq(e.print_time_s, e.layers * p.min_layer_time, 1e-6);
}

Test(fastquote, refuses_absurd_input)
{
    pf_profile p = pf_profile_default();
    pf_estimate e;
    pf_errbuf eb = {{0}};
    double ok[3] = {10, 10, 10};
    double zero[3] = {10, 0, 10}, huge[3] = {10, 10, 1e9}, nan3[3] = {NAN, 10, 10};
    cr_expect_eq(pf_fastquote_estimate(zero, 100, 0.2, &p, &e, &eb), PF_E_INVAL);
    cr_expect(strstr(eb.msg, "dim_y_mm"));
    cr_expect_eq(pf_fastquote_estimate(huge, 100, 0.2, &p, &e, &eb), PF_E_INVAL);
    cr_expect_eq(pf_fastquote_estimate(nan3, 100, 0.2, &p, &e, &eb), PF_E_INVAL);
    cr_expect_eq(pf_fastquote_estimate(ok, 1001, 0.2, &p, &e, &eb), PF_E_INVAL);
    cr_expect_eq(pf_fastquote_estimate(ok, 0, 0.2, &p, &e, &eb), PF_E_INVAL);
    cr_expect_eq(pf_fastquote_estimate(ok, NAN, 0.2, &p, &e, &eb), PF_E_INVAL);
    cr_expect_eq(pf_fastquote_estimate(ok, 100, 1.5, &p, &e, &eb), PF_E_INVAL);
    cr_expect_eq(pf_fastquote_estimate(ok, 100, -0.1, &p, &e, &eb), PF_E_INVAL);
    p.layer_height = -1;
    cr_expect_eq(pf_fastquote_estimate(ok, 100, 0.2, &p, &e, &eb), PF_E_INVAL);
}
