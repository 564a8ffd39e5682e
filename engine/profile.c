/* Print profile defaults (PrusaSlicer MK3S 0.20 mm QUALITY, Generic PLA), .ini loading and validation. */
#include "engine/profile.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

pf_profile pf_profile_default(void)
{
    pf_profile p = {
        .layer_height = 0.2,
        .first_layer_height = 0.2,
        .nozzle = 0.4,
        .w_first = 0.42,
        .w_ext = 0.45,
        .w_perim = 0.45,
        .w_infill = 0.45,
        .w_solid = 0.45,
        .w_top = 0.40,
        .perimeters = 2,
        .top_layers = 3,
        .bottom_layers = 3,
        .infill_overlap = 0.25,
        .elephant_foot = 0.2,
        .bridge_flow_ratio = 0.95,
        .infill_density = 0.20,
        .infill_pattern = "rectilinear",
        .supports = 0,
        .support_threshold = 50,
        .support_speed = 50,
        .support_iface_speed = -0.8,
        .support_spacing = 2,
        .support_density = 0,
        .support_iface_spacing = 0.2,
        .support_iface_layers = 2,
        .support_contact = 0.2,
        .support_xy = -0.6,
        .w_support = 0.35,
        .support_first_density = 0.9,
        .support_first_grow = 3,
        .max_layer_height = 0.25,
        .filament_diameter = 1.75,
        .filament_density = 1.24,
        .speed_perimeter = 45,
        .speed_ext_perimeter = 25,
        .speed_small_perimeter = 25,
        .speed_infill = 80,
        .speed_solid = 80,
        .speed_top = 40,
        .speed_bridge = 25,
        .speed_first_layer = 20,
        .speed_travel = 180,
        .speed_z = 12,
        .accel_default = 1000,
        .accel_perimeter = 800,
        .accel_infill = 1000,
        .accel_bridge = 1000,
        .accel_first_layer = 800,
        .accel_max = 1250,
        .jerk_xy = 8,
        .retract_length = 0.8,
        .retract_speed = 35,
        .retract_lift = 0.4,
        .retract_min_travel = 1,
        .wipe = 1,
        .min_layer_time = 15,
        .min_print_speed = 15,
        .preparation_time = 300,
    };
    return p;
}

/* How a .ini value maps onto a field: plain number, percentage of a base (or of 1 for fractions), int,
 * string. */
/* K_REL: a percentage stored negative (−0.6 for 60 %: of what the field's comment says), else the number */
typedef enum { K_NUM, K_FRAC, K_WIDTH, K_INT, K_STR, K_REL } kind;
static const struct {
    const char *key;
    size_t off;
    kind k;
} keys[] = {
#define F(key, field, k)                                                                                     \
    {                                                                                                        \
        key, offsetof(pf_profile, field), k                                                                  \
    }
    F("layer_height", layer_height, K_NUM),
    F("first_layer_height", first_layer_height, K_NUM),
    F("nozzle_diameter", nozzle, K_NUM),
    F("first_layer_extrusion_width", w_first, K_WIDTH),
    F("external_perimeter_extrusion_width", w_ext, K_WIDTH),
    F("perimeter_extrusion_width", w_perim, K_WIDTH),
    F("infill_extrusion_width", w_infill, K_WIDTH),
    F("solid_infill_extrusion_width", w_solid, K_WIDTH),
    F("top_infill_extrusion_width", w_top, K_WIDTH),
    F("perimeters", perimeters, K_INT),
    F("top_solid_layers", top_layers, K_INT),
    F("bottom_solid_layers", bottom_layers, K_INT),
    F("top_solid_min_thickness", top_min_thickness, K_NUM),
    F("bottom_solid_min_thickness", bottom_min_thickness, K_NUM),
    F("infill_overlap", infill_overlap, K_FRAC),
    F("elefant_foot_compensation", elephant_foot, K_NUM),
    F("bridge_flow_ratio", bridge_flow_ratio, K_NUM),
    F("fill_density", infill_density, K_FRAC),
    F("fill_pattern", infill_pattern, K_STR),
    F("support_material", supports, K_INT),
    F("support_material_threshold", support_threshold, K_NUM),
    F("support_material_speed", support_speed, K_NUM),
    F("support_material_interface_speed", support_iface_speed, K_REL),
    F("support_material_spacing", support_spacing, K_NUM),
    F("support_material_interface_spacing", support_iface_spacing, K_NUM),
    F("support_material_interface_layers", support_iface_layers, K_INT),
    F("support_material_contact_distance", support_contact, K_NUM),
    F("support_material_xy_spacing", support_xy, K_REL),
    F("support_material_extrusion_width", w_support, K_WIDTH),
    F("raft_first_layer_density", support_first_density, K_FRAC),
    F("raft_first_layer_expansion", support_first_grow, K_NUM),
    F("max_layer_height", max_layer_height, K_NUM),
    F("filament_diameter", filament_diameter, K_NUM),
    F("filament_density", filament_density, K_NUM),
    F("perimeter_speed", speed_perimeter, K_NUM),
    F("external_perimeter_speed", speed_ext_perimeter, K_NUM),
    F("small_perimeter_speed", speed_small_perimeter, K_NUM),
    F("infill_speed", speed_infill, K_NUM),
    F("solid_infill_speed", speed_solid, K_NUM),
    F("top_solid_infill_speed", speed_top, K_NUM),
    F("bridge_speed", speed_bridge, K_NUM),
    F("first_layer_speed", speed_first_layer, K_NUM),
    F("travel_speed", speed_travel, K_NUM),
    F("travel_speed_z", speed_z, K_NUM),
    F("default_acceleration", accel_default, K_NUM),
    F("perimeter_acceleration", accel_perimeter, K_NUM),
    F("infill_acceleration", accel_infill, K_NUM),
    F("bridge_acceleration", accel_bridge, K_NUM),
    F("first_layer_acceleration", accel_first_layer, K_NUM),
    F("machine_max_acceleration_extruding", accel_max, K_NUM),
    F("machine_max_jerk_x", jerk_xy, K_NUM),
    F("retract_length", retract_length, K_NUM),
    F("retract_speed", retract_speed, K_NUM),
    F("retract_lift", retract_lift, K_NUM),
    F("retract_before_travel", retract_min_travel, K_NUM),
    F("wipe", wipe, K_INT),
    F("slowdown_below_layer_time", min_layer_time, K_NUM),
    F("min_print_speed", min_print_speed, K_NUM),
#undef F
};

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

/* Parses one value into the field; percentages of widths are relative to the nozzle, of fractions to 1. */
static pf_err set_value(pf_profile *p, size_t k, char *val, double nozzle)
{
    char *comma = strchr(val, ',');
    if (comma) *comma = 0; /* per-extruder / per-mode lists: first entry */
    void *dst = (char *)p + keys[k].off;
    if (keys[k].k == K_STR) {
        snprintf((char *)dst, sizeof p->infill_pattern, "%s", val);
        return PF_E_OK;
    }
    errno = 0;
    char *end;
    double v = strtod(val, &end);
    if (end == val || errno || !isfinite(v)) return PF_E_BAD_NUMBER;
    int pct = *end == '%';
    if (*trim(end + pct)) return PF_E_BAD_NUMBER;
    switch (keys[k].k) {
    case K_INT:
        *(int *)dst = (int)v;
        break;
    case K_FRAC:
        *(double *)dst = pct ? v / 100 : v;
        break;
    case K_WIDTH:
        *(double *)dst = pct ? v / 100 * nozzle : v;
        break;
    case K_REL:
        *(double *)dst = pct ? -v / 100 : v;
        break;
    default:
        *(double *)dst = v;
        break;
    }
    return PF_E_OK;
}

pf_err pf_profile_load_ini(pf_profile *p, const char *path, pf_errbuf *eb)
{
    FILE *f = fopen(path, "r");
    if (!f) return pf_errf(eb, PF_E_IO, "%s: %s", path, strerror(errno));
    pf_profile q = *p;
    char line[4096];
    int ln = 0;
    pf_err err = PF_E_OK;
    /* Nozzle first, so width percentages resolve whatever the key order. */
    while (fgets(line, sizeof line, f)) {
        char *eq = strchr(line, '=');
        if (!eq || line[0] == '#' || line[0] == ';') continue;
        *eq = 0;
        if (!strcmp(trim(line), "nozzle_diameter")) {
            char *comma = strchr(eq + 1, ',');
            if (comma) *comma = 0;
            q.nozzle = strtod(eq + 1, NULL);
        }
    }
    rewind(f);
    while (fgets(line, sizeof line, f)) {
        ln++;
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';' || *s == '[') continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            err = pf_errf(eb, PF_E_PARSE, "%s:%d: expected key = value", path, ln);
            goto done;
        }
        *eq = 0;
        char *key = trim(s), *val = trim(eq + 1);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            if (strcmp(key, keys[k].key)) continue;
            if (set_value(&q, k, val, q.nozzle)) {
                err = pf_errf(eb, PF_E_BAD_NUMBER, "%s:%d: bad value for %s", path, ln, key);
                goto done;
            }
            break;
        }
    }
    if ((err = pf_profile_validate(&q, eb))) goto done;
    *p = q;
done:
    fclose(f);
    return err;
}

pf_err pf_profile_validate(const pf_profile *p, pf_errbuf *eb)
{
#define CHECK(cond, what)                                                                                    \
    if (!(cond)) return pf_errf(eb, PF_E_INVAL, "profile: %s", what)
    CHECK(p->nozzle > 0.05 && p->nozzle < 3, "nozzle_diameter out of range");
    CHECK(p->layer_height >= 0.02 && p->layer_height <= p->nozzle, "layer_height out of range");
    CHECK(p->first_layer_height >= 0.02 && p->first_layer_height <= 2 * p->nozzle,
          "first_layer_height out of range");
    const double w[] = {p->w_first, p->w_ext, p->w_perim, p->w_infill, p->w_solid, p->w_top};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        CHECK(w[i] > p->layer_height * (1 - M_PI / 4) && w[i] < 5 * p->nozzle,
              "extrusion width out of range");
    CHECK(p->perimeters >= 0 && p->perimeters <= 50, "perimeters out of range");
    CHECK(p->top_layers >= 0 && p->bottom_layers >= 0 && p->top_layers <= 1000 && p->bottom_layers <= 1000,
          "solid layers out of range");
    CHECK(p->top_min_thickness >= 0 && p->top_min_thickness <= 100 && p->bottom_min_thickness >= 0 &&
              p->bottom_min_thickness <= 100,
          "solid_min_thickness out of range");
    CHECK(p->infill_density >= 0 && p->infill_density <= 1, "fill_density out of range");
    CHECK(p->filament_diameter > 0.5 && p->filament_diameter < 5, "filament_diameter out of range");
    CHECK(p->filament_density > 0.1 && p->filament_density < 20, "filament_density out of range");
    const double v[] = {
        p->speed_perimeter, p->speed_ext_perimeter, p->speed_small_perimeter, p->speed_infill, p->speed_solid,
        p->speed_top,       p->speed_bridge,        p->speed_first_layer,     p->speed_travel, p->speed_z,
        p->support_speed,   p->retract_speed,       p->min_print_speed};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        CHECK(v[i] > 0 && v[i] < 2000, "speed out of range");
    const double a[] = {p->accel_default, p->accel_perimeter,   p->accel_infill,
                        p->accel_bridge,  p->accel_first_layer, p->accel_max};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        CHECK(a[i] > 0 && a[i] < 1e6, "acceleration out of range");
    CHECK(p->jerk_xy > 0 && p->jerk_xy < 1000, "jerk out of range");
    CHECK(p->min_layer_time >= 0 && p->min_layer_time < 3600, "slowdown_below_layer_time out of range");
    CHECK(p->preparation_time >= 0 && p->preparation_time < 86400, "preparation time out of range");
    CHECK(p->support_threshold >= 0 && p->support_threshold <= 90, "support threshold out of range");
    CHECK(p->support_iface_speed >= -10 && p->support_iface_speed < 2000 && p->support_iface_speed != 0,
          "support_material_interface_speed out of range");
    CHECK(p->support_spacing >= 0 && p->support_spacing < 100 && p->support_iface_spacing >= 0 &&
              p->support_iface_spacing < 100,
          "support spacing out of range");
    CHECK(p->support_density >= 0 && p->support_density <= 1, "support density out of range");
    CHECK(p->support_iface_layers >= 0 && p->support_iface_layers <= 100,
          "support interface layers out of range");
    CHECK(p->support_contact >= 0 && p->support_contact < 10,
          "support_material_contact_distance out of range");
    CHECK(p->support_xy >= -10 && p->support_xy < 100, "support_material_xy_spacing out of range");
    CHECK(p->w_support > p->layer_height * (1 - M_PI / 4) && p->w_support < 5 * p->nozzle,
          "support extrusion width out of range");
    CHECK(p->support_first_density > 0 && p->support_first_density <= 1,
          "raft_first_layer_density out of range");
    CHECK(p->support_first_grow >= 0 && p->support_first_grow < 100,
          "raft_first_layer_expansion out of range");
    CHECK(p->max_layer_height >= 0 && p->max_layer_height <= p->nozzle, "max_layer_height out of range");
#undef CHECK
    return PF_E_OK;
}

void pf_profile_solid_layers(const pf_profile *p, int *top, int *bottom)
{
    const double eps = 1e-9;
    int t = p->top_layers, b = p->bottom_layers;
    if (t > 0 && p->top_min_thickness > t * p->layer_height + eps)
        t = (int)ceil(p->top_min_thickness / p->layer_height - eps);
    if (b > 0 && p->bottom_min_thickness > p->first_layer_height + (b - 1) * p->layer_height + eps)
        b = 1 + (int)ceil((p->bottom_min_thickness - p->first_layer_height) / p->layer_height - eps);
    *top = t, *bottom = b;
}

const char *pf_profile_unmodeled(const pf_profile *p)
{
    int top, bottom;
    pf_profile_solid_layers(p, &top, &bottom);
    if (top < 3 || bottom < 3)
        return "fewer than 3 top or bottom solid layers are estimated as 3: weight and time may be over";
    return NULL;
}
