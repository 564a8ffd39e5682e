/* The default materials table and the default printer type: the seeds storage writes on first open. */
#ifndef PF_MATERIAL_H
#define PF_MATERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

/* One selectable colour; hex is the 3D-preview colour ("#RRGGBB"). */
typedef struct pf_color {
    const char *name; /* display name, e.g. "Black" */
    const char *hex;  /* preview colour, "#RRGGBB" */
} pf_color;

/* A material as the spec's POST /api/admin/materials describes it (name, display_name, density_g_cm3,
 * cost_per_kg, colors, notes). Money is integer paise like everywhere else in PrintForge. */
typedef struct pf_material {
    const char *name;          /* unique key, matched case-insensitively, e.g. "PLA" */
    const char *display_name;  /* shown to customers */
    double density_g_cm3;      /* turns the estimator's volume into weight */
    int64_t cost_per_kg_paise; /* filament price per kilogram, paise */
    const pf_color *colors;    /* ncolors colours; colors[0] is the default selection */
    size_t ncolors;            /* number of colours (>= 1) */
    const char *notes;         /* one line for the admin UI */
} pf_material;

/* A printer type as the spec's POST /api/admin/printer-types describes it (bed size, nozzle, wattage, speed,
 * materials it can print). */
typedef struct pf_printer_type {
    const char *name;             /* unique key */
    const char *brand;            /* maker, free text */
    const char *const *materials; /* nmaterials material names it can print */
    size_t nmaterials;            /* number of material names */
    double bed_x_mm;              /* build volume, millimetres */
    double bed_y_mm;
    double bed_z_mm;
    double nozzle_mm;          /* nozzle diameter */
    double wattage_w;          /* average electrical draw while printing, the electricity line's watts */
    double print_speed_cm3_hr; /* average extruded volume per hour, for rough capacity planning */
    const char *notes;         /* one line for the admin UI */
} pf_printer_type;

/* The built-in materials (PLA, PETG, ABS, ASA, TPU, Nylon), in display order. Static const data: the
 * pointers stay valid for the life of the process; thread-safe. */
size_t pf_material_default_count(void);
const pf_material *pf_material_default_at(size_t i); /* NULL when i >= count */

/* Finds a built-in material by name, ignoring ASCII case. Errors: INVAL (name NULL or empty),
 * NOT_FOUND (eb names the unknown material). *out is set only on success. Thread-safe. */
pf_err pf_material_find(const char *name, const pf_material **out, pf_errbuf *eb);

/* The default printer type, modelled on a Prusa MK3S (250 x 210 x 210 mm, 0.4 mm nozzle). Static const data.
 */
const pf_printer_type *pf_printer_default(void);

#endif
