/* The default materials and printer type as plain const data, with their accessors. */
#include "engine/material.h"

#include <stdio.h>
#include <strings.h>

/* Densities are the common datasheet values for unfilled filament. Prices are typical Indian retail for
 * 1 kg spools in 2024 (the spec gives none); shops edit them in the admin UI. */
static const pf_color pla_colors[] = {
    {"Black", "#1A1A1A"}, {"White", "#F2F2F2"}, {"Grey", "#8A8D91"},   {"Red", "#C62828"},
    {"Blue", "#1565C0"},  {"Green", "#2E7D32"}, {"Yellow", "#F9A825"}, {"Orange", "#EF6C00"},
};
static const pf_color petg_colors[] = {
    {"Black", "#1A1A1A"}, {"White", "#F2F2F2"}, {"Clear", "#D8E6EA"}, {"Blue", "#1565C0"}, {"Red", "#C62828"},
};
static const pf_color abs_colors[] = {
    {"Black", "#1A1A1A"}, {"White", "#F2F2F2"}, {"Grey", "#8A8D91"}, {"Red", "#C62828"}};
static const pf_color asa_colors[] = {{"Black", "#1A1A1A"}, {"White", "#F2F2F2"}, {"Grey", "#8A8D91"}};
static const pf_color tpu_colors[] = {{"Black", "#1A1A1A"}, {"White", "#F2F2F2"}, {"Red", "#C62828"}};
static const pf_color nylon_colors[] = {{"Natural", "#EDE6D6"}, {"Black", "#1A1A1A"}};

#define PF__N(a) (sizeof(a) / sizeof((a)[0]))

static const pf_material pf__materials[] = {
    {"PLA", "PLA", 1.24, 100000, pla_colors, PF__N(pla_colors),
     "Easy, stiff, low warp; everyday parts and models"},
    {"PETG", "PETG", 1.27, 120000, petg_colors, PF__N(petg_colors),
     "Tough, slightly flexible, chemical resistant"},
    {"ABS", "ABS", 1.04, 110000, abs_colors, PF__N(abs_colors),
     "Heat resistant to about 95 C; needs an enclosure"},
    {"ASA", "ASA", 1.07, 180000, asa_colors, PF__N(asa_colors), "Like ABS but UV stable; outdoor parts"},
    {"TPU", "TPU (flexible, 95A)", 1.21, 240000, tpu_colors, PF__N(tpu_colors),
     "Rubber-like; printed slowly"},
    {"Nylon", "Nylon (PA)", 1.14, 350000, nylon_colors, PF__N(nylon_colors),
     "Strong and wear resistant; dried"},
};

static const char *const mk3s_materials[] = {"PLA", "PETG", "ABS", "ASA", "TPU", "Nylon"};

/* 120 W is roughly an MK3S's average draw at ABS/ASA temperatures (nearer 80 W for PLA; the PSU is rated
 * 240 W): conservative, so electricity is not undercharged. 12 cm³/h is a realistic average flow at 0.2 mm
 * layers, not the hot end's peak. */
static const pf_printer_type pf__printer = {
    .name = "MK3S",
    .brand = "Prusa-style i3",
    .materials = mk3s_materials,
    .nmaterials = PF__N(mk3s_materials),
    .bed_x_mm = 250,
    .bed_y_mm = 210,
    .bed_z_mm = 210,
    .nozzle_mm = 0.4,
    .wattage_w = 120,
    .print_speed_cm3_hr = 12,
    .notes = "Default printer type; edit or replace it in Print Config",
};

size_t pf_material_default_count(void)
{
    return PF__N(pf__materials);
}

const pf_material *pf_material_default_at(size_t i)
{
    return i < PF__N(pf__materials) ? &pf__materials[i] : NULL;
}

pf_err pf_material_find(const char *name, const pf_material **out, pf_errbuf *eb)
{
    if (!name || !*name) return pf_errf(eb, PF_E_INVAL, "material name is empty");
    for (size_t i = 0; i < PF__N(pf__materials); i++) {
        if (strcasecmp(name, pf__materials[i].name) == 0) {
            *out = &pf__materials[i];
            return PF_E_OK;
        }
    }
    char known[128] = "";
    size_t len = 0;
    for (size_t i = 0; i < PF__N(pf__materials) && len < sizeof known; i++)
        len +=
            (size_t)snprintf(known + len, sizeof known - len, "%s%s", i ? ", " : "", pf__materials[i].name);
    return pf_errf(eb, PF_E_NOT_FOUND, "unknown material \"%.64s\" (known: %s)", name, known);
}

const pf_printer_type *pf_printer_default(void)
{
    return &pf__printer;
}
