/* The fast model of engine/fastquote.h: shell + infill volumes from the bounding box and the volume, times
 * from volumetric rates, per-layer overhead and the minimum layer time. */
#include "engine/fastquote.h"

#include <math.h>
#include <string.h>

/* Extrusion spacing of a line of width w at layer height h (PrusaSlicer's flow model: a rectangle with
 * semicircular ends), so a line of length l extrudes l · h · spacing. */
static double spacing(double w, double h)
{
    return w - h * (1 - M_PI / 4);
}

pf_err pf_fastquote_estimate(const double dims_mm[3], double volume_mm3, double density, const pf_profile *p,
                             pf_estimate *out, pf_errbuf *eb)
{
    static const char *const axis[3] = {"dim_x_mm", "dim_y_mm", "dim_z_mm"};
    for (int k = 0; k < 3; k++)
        if (!(dims_mm[k] > 0 && dims_mm[k] <= PF_FASTQUOTE_MAX_DIM_MM))
            return pf_errf(eb, PF_E_INVAL, "%s: must be above 0 and at most %g mm", axis[k],
                           PF_FASTQUOTE_MAX_DIM_MM);
    double x = dims_mm[0], y = dims_mm[1], z = dims_mm[2], box = x * y * z;
    /* A little slack: volumes and boxes come rounded from different tools. */
    if (!(volume_mm3 > 0 && volume_mm3 <= box * 1.001))
        return pf_errf(eb, PF_E_INVAL, "volume: must be above 0 and fit inside the bounding box (%.6g mm³)",
                       box);
    if (!(density >= 0 && density <= 1))
        return pf_errf(eb, PF_E_INVAL, "infill density %g outside [0, 1]", density);
    pf_err err = pf_profile_validate(p, eb);
    if (err) return err;

    double V = fmin(volume_mm3, box), f = V / box, h = p->layer_height;
    double area_box = 2 * (x * y + y * z + z * x);
    double area = area_box * (1 - PF_FASTQUOTE_AREA_C * f * (1 - f));
    double section = V / z; /* mean cross-section */
    double lateral = fmax(area - 2 * section, 0);
    double se = spacing(p->w_ext, h), sp = spacing(p->w_perim, h);

    double v_ext = p->perimeters > 0 ? lateral * se : 0;
    double v_per = p->perimeters > 1 ? lateral * sp * (p->perimeters - 1) : 0;
    int top, bottom;
    pf_profile_solid_layers(p, &top, &bottom);
    double v_solid = section * (top + bottom) * h;
    double shell = v_ext + v_per + v_solid;
    if (shell > V) { /* thin-walled: everything is shell */
        double s = V / shell;
        v_ext *= s, v_per *= s, v_solid *= s;
        shell = V;
    }
    double v_inf = density * (V - shell);

    pf_estimate e;
    memset(&e, 0, sizeof e);
    e.infill_density = density;
    e.volume_mm3[PF_FEAT_EXT_PERIMETER] = v_ext;
    e.volume_mm3[PF_FEAT_PERIMETER] = v_per;
    e.volume_mm3[PF_FEAT_SOLID] = v_solid;
    e.volume_mm3[PF_FEAT_INFILL] = v_inf;
    for (int k = 0; k < PF_FEAT_N; k++)
        e.volume_total_mm3 += e.volume_mm3[k];
    double fil_area = M_PI * p->filament_diameter * p->filament_diameter / 4;
    e.filament_m = e.volume_total_mm3 / fil_area / 1000;
    e.weight_g = e.volume_total_mm3 * p->filament_density / 1000;

    /* Volumetric rates (mm³/s) of each feature at its nominal speed, with the calibrated efficiencies. */
    double rate[PF_FEAT_N] = {0};
    rate[PF_FEAT_EXT_PERIMETER] = p->speed_ext_perimeter * se * h;
    rate[PF_FEAT_PERIMETER] = p->speed_perimeter * sp * h;
    rate[PF_FEAT_SOLID] = p->speed_solid * spacing(p->w_solid, h) * h * PF_FASTQUOTE_SOLID_EFF;
    rate[PF_FEAT_INFILL] = p->speed_infill * spacing(p->w_infill, h) * h * PF_FASTQUOTE_INFILL_EFF;
    double extrude = 0;
    for (int k = 0; k < PF_FEAT_INFILL + 1; k++) {
        e.time_s[k] = rate[k] > 0 ? e.volume_mm3[k] / rate[k] : 0;
        extrude += e.time_s[k];
    }
    double first = p->first_layer_height > 0 ? p->first_layer_height : h;
    double nl = z <= first ? 1 : 1 + ceil((z - first) / h - 1e-9);
    e.layers = (size_t)nl;
    e.max_layer_area_mm2 = section;
    /* Cooling: a layer shorter than the minimum layer time is slowed to it (features stretched alike). */
    double layer = extrude / nl + PF_FASTQUOTE_LAYER_S;
    if (layer < p->min_layer_time && extrude > 0) {
        double stretch = (p->min_layer_time - PF_FASTQUOTE_LAYER_S) / (extrude / nl);
        for (int k = 0; k < PF_FEAT_INFILL + 1; k++)
            e.time_s[k] *= stretch;
        e.slowed_layers = e.layers;
    }
    e.time_s[PF_TIME_OTHER] = nl * PF_FASTQUOTE_LAYER_S;
    for (int k = 0; k < PF_TIME_N; k++)
        e.print_time_s += e.time_s[k];
    e.job_time_s = e.print_time_s + p->preparation_time;
    *out = e;
    return PF_E_OK;
}
