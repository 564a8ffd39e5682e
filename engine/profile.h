/* Print profile: the slicer settings the estimator models, with defaults equal to PrusaSlicer 2.5's
 * MK3S 0.20 mm QUALITY + Generic PLA (shared/models/profile_prusa.ini). */
#ifndef PF_PROFILE_H
#define PF_PROFILE_H

#include "engine/error.h"

typedef struct pf_profile {
    /* layers and widths (mm) */
    double layer_height;         /* 0.2 */
    double first_layer_height;   /* 0.2 */
    double nozzle;               /* 0.4 */
    double w_first;              /* first_layer_extrusion_width 0.42 */
    double w_ext;                /* external_perimeter_extrusion_width 0.45 */
    double w_perim;              /* perimeter_extrusion_width 0.45 */
    double w_infill;             /* infill_extrusion_width 0.45 */
    double w_solid;              /* solid_infill_extrusion_width 0.45 */
    double w_top;                /* top_infill_extrusion_width 0.40 */
    int perimeters;              /* 2 */
    int top_layers;              /* top_solid_layers 3 (the stages classify for 3; more: estimate.c's */
    int bottom_layers;           /* bottom_solid_layers 3  solid_layers_fix; fewer: pf_profile_unmodeled) */
    double top_min_thickness;    /* top_solid_min_thickness 0 mm: more top layers where these are thinner */
    double bottom_min_thickness; /* bottom_solid_min_thickness 0 mm (the first layer's height counts) */
    double infill_overlap;       /* 0.25 of the perimeter spacing */
    double elephant_foot;        /* elefant_foot_compensation 0.2 */
    double bridge_flow_ratio;    /* 0.95 */
    /* infill */
    double infill_density;   /* fill_density as a fraction, 0.20 */
    char infill_pattern[32]; /* "rectilinear" (the only pattern modelled) */
    /* supports */
    int supports;               /* support_material 0 */
    double support_threshold;   /* support_material_threshold, degrees from horizontal, 50 */
    double support_speed;       /* 50 */
    double support_iface_speed; /* support_material_interface_speed, mm/s, or −0.8: 80 % of support_speed */
    double support_spacing;     /* support_material_spacing: gap between base lines, 2 */
    double support_density;     /* base lines' share of the area, overriding that gap when > 0; 0 */
    double support_iface_spacing; /* support_material_interface_spacing, 0.2 */
    int support_iface_layers;     /* support_material_interface_layers 2 */
    double support_contact;       /* support_material_contact_distance 0.2 */
    double support_xy;            /* support_material_xy_spacing, mm, or −0.6: 60 % of w_ext */
    double w_support;             /* support_material_extrusion_width 0.35 */
    double support_first_density; /* raft_first_layer_density 0.9 (the support's first layer) */
    double support_first_grow;    /* raft_first_layer_expansion 3 */
    double max_layer_height;      /* 0.25, the support's own layers (synchronize_layers 0); 0: 0.75·nozzle */
    /* filament */
    double filament_diameter; /* 1.75 */
    double filament_density;  /* g/cm³, 1.24 */
    /* speeds (mm/s) */
    double speed_perimeter;       /* 45 */
    double speed_ext_perimeter;   /* 25 */
    double speed_small_perimeter; /* 25, loops ≤ 2π·6.5 mm */
    double speed_infill;          /* 80 */
    double speed_solid;           /* 80 */
    double speed_top;             /* 40 */
    double speed_bridge;          /* 25 */
    double speed_first_layer;     /* 20 */
    double speed_travel;          /* 180 */
    double speed_z;               /* 12 */
    /* accelerations (mm/s²) and jerk (mm/s) */
    double accel_default;     /* 1000, also travel */
    double accel_perimeter;   /* 800 */
    double accel_infill;      /* 1000 */
    double accel_bridge;      /* 1000 */
    double accel_first_layer; /* 800 */
    double accel_max;         /* machine_max_acceleration_extruding 1250 (caps all of the above) */
    double jerk_xy;           /* 8 */
    /* retraction */
    double retract_length;     /* 0.8 */
    double retract_speed;      /* 35 */
    double retract_lift;       /* 0.4 */
    double retract_min_travel; /* retract_before_travel 1 */
    int wipe;                  /* 1 */
    /* cooling */
    double min_layer_time;  /* slowdown_below_layer_time 15 */
    double min_print_speed; /* 15 */
    /* job */
    double preparation_time; /* heat-up, homing, bed levelling; added to job time only; 300 s */
} pf_profile;

/* The defaults above. */
pf_profile pf_profile_default(void);

/* Overrides fields of *p from a PrusaSlicer .ini (key = value lines; unknown keys ignored; percentages
 * allowed where PrusaSlicer allows them; comma lists take the first value). Errors: IO, PARSE (eb holds the
 * line), BAD_NUMBER. *p is left unchanged on error. */
pf_err pf_profile_load_ini(pf_profile *p, const char *path, pf_errbuf *eb);

/* Checks ranges (positive widths, heights ≤ nozzle, density in [0, 1], …). Errors: INVAL with the field in
 * eb. */
pf_err pf_profile_validate(const pf_profile *p, pf_errbuf *eb);

/* What of p the estimator does not model, as one sentence for the quote to show beside its figures; NULL when
 * it models all of it. (Fewer than 3 top or bottom solid layers are estimated as 3.) */
const char *pf_profile_unmodeled(const pf_profile *p);

/* The top and bottom solid layers p prints: top_solid_layers and bottom_solid_layers, raised as PrusaSlicer
 * raises them until the shells reach top_solid_min_thickness and bottom_solid_min_thickness (the bottom's
 * first layer at first_layer_height); a count of 0 stays 0. */
void pf_profile_solid_layers(const pf_profile *p, int *top, int *bottom);

#endif
