/* Defaults written by the first open: materials, one printer type, cost/site/rate-limiter settings and the
 * admin account. The material and printer data mirror the spec; engine/material.h (written in parallel) will
 * hold the same defaults as const data, and this file should then take them from there. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/store_internal.h"

typedef struct seed_material {
    const char *name;         /* short name */
    const char *display_name; /* long name */
    double density;           /* g/cm3 of the solid filament */
    double cost_per_kg;       /* INR per kg, typical Indian retail */
    const char *colors[8];    /* color names, NULL-terminated */
    const char *hex[8];       /* matching "#RRGGBB" */
} seed_material;

static const seed_material materials[] = {
    {"PLA",
     "PLA (Polylactic Acid)",
     1.24,
     1000,
     {"Black", "White", "Grey", "Red", "Blue", "Green", "Yellow", "Orange"},
     {"#1A1A1A", "#F5F5F5", "#8C8C8C", "#C62828", "#1565C0", "#2E7D32", "#F9A825", "#EF6C00"}},
    {"PETG",
     "PETG (Polyethylene Terephthalate Glycol)",
     1.27,
     1200,
     {"Black", "White", "Transparent", "Blue", "Red"},
     {"#1A1A1A", "#F5F5F5", "#E0F2F1", "#1565C0", "#C62828"}},
    {"ABS",
     "ABS (Acrylonitrile Butadiene Styrene)",
     1.04,
     1100,
     {"Black", "White", "Grey", "Red"},
     {"#1A1A1A", "#F5F5F5", "#8C8C8C", "#C62828"}},
    {"ASA",
     "ASA (Acrylonitrile Styrene Acrylate)",
     1.07,
     1800,
     {"Black", "White", "Grey"},
     {"#1A1A1A", "#F5F5F5", "#8C8C8C"}},
    {"TPU", "TPU 95A (Flexible)", 1.21, 2200, {"Black", "White", "Red"}, {"#1A1A1A", "#F5F5F5", "#C62828"}},
    {"Nylon", "Nylon (PA12)", 1.01, 3000, {"Natural", "Black"}, {"#EDE6D6", "#1A1A1A"}},
};

/* Cost engine, site and rate-limiter defaults (key, value). Numbers the spec states: GST 18 %, priority +25
 * %, printing-cost share 60 %, 50 MB uploads, STL/OBJ/3MF, JWT 8 h, and the rate-limit table. */
static const char *const settings[][2] = {
    {"cost.electricity_inr_per_kwh", "8"},
    {"cost.setup_fee_inr", "30"},
    {"cost.overhead_pct", "15"},
    {"cost.margin_pct", "30"},
    {"cost.priority_surcharge_pct", "25"},
    {"cost.gst_pct", "18"},
    {"cost.printing_share_pct", "60"},
    {"cost.default_color", "#8C8C8C"},
    {"site.name", "PrintForge Studio"},
    {"site.currency", "INR"},
    {"site.upi_id", ""},
    {"site.max_file_size_mb", "50"},
    {"site.upload_formats", "stl,obj,3mf"},
    {"site.catalog_require_review", "true"},
    {"site.email_verification", "false"},
    {"site.twofa_mode", "optional"},
    {"site.jwt_ttl_hours", "8"},
    {"site.email_driver", "disabled"},
    {"site.cors_enforce", "false"},
    {"site.cors_origins", ""},
    {"site.sitemap_products", "true"},
    {"ratelimit.general_max", "100"},
    {"ratelimit.general_window_min", "15"},
    {"ratelimit.upload_max", "10"},
    {"ratelimit.upload_window_min", "60"},
    {"ratelimit.auth_max", "15"},
    {"ratelimit.auth_window_min", "15"},
    {"ratelimit.quote_max", "20"},
    {"ratelimit.quote_window_min", "15"},
    {"ratelimit.model_file_max", "30"},
    {"ratelimit.model_file_window_min", "15"},
    {"ratelimit.bypass_roles", "admin"},
    {"contact.general_per_day", "3"},
    {"contact.order_per_day", "10"},
};

static pf_err strv_from(pf_strv *v, const char *const *src, size_t max, pf_errbuf *eb)
{
    size_t n = 0;
    while (n < max && src[n])
        n++;
    v->v = calloc(n ? n : 1, sizeof *v->v);
    if (!v->v) return pf_errf(eb, PF_E_NOMEM, "seed");
    for (v->n = 0; v->n < n; v->n++)
        if (!(v->v[v->n] = strdup(src[v->n]))) return pf_errf(eb, PF_E_NOMEM, "seed");
    return PF_E_OK;
}

static pf_err seed_materials(pf_txn *t, pf_errbuf *eb)
{
    pf_err err = PF_E_OK;
    for (size_t i = 0; i < sizeof materials / sizeof materials[0] && !err; i++) {
        const seed_material *s = &materials[i];
        pf_material m = {.name = strdup(s->name),
                         .display_name = strdup(s->display_name),
                         .density_g_cm3 = s->density,
                         .cost_per_kg = s->cost_per_kg,
                         .is_active = true};
        if (!m.name || !m.display_name) err = pf_errf(eb, PF_E_NOMEM, "seed");
        if (!err) err = strv_from(&m.colors, s->colors, 8, eb);
        if (!err) err = strv_from(&m.color_hex, s->hex, 8, eb);
        if (!err) err = pf__rec_put(t, PF_KIND_MATERIAL, &m, eb);
        pf_material_clear(&m);
    }
    return err;
}

static pf_err seed_printer(pf_txn *t, pf_errbuf *eb)
{
    static const char *const mats[] = {"PLA", "PETG", "ABS", "ASA", "TPU", "Nylon", NULL};
    pf_printer p = {.name = strdup("MK3S"),
                    .brand = strdup("Prusa-style"),
                    .bed_x_mm = 250,
                    .bed_y_mm = 210,
                    .bed_z_mm = 210,
                    .nozzle_mm = 0.4,
                    .wattage_w = 120,
                    .print_speed_cm3_hr = 15,
                    .notes = strdup("Default printer seeded on first start"),
                    .is_active = true};
    pf_err err = !p.name || !p.brand || !p.notes ? pf_errf(eb, PF_E_NOMEM, "seed") : PF_E_OK;
    if (!err) err = strv_from(&p.materials, mats, 7, eb);
    if (!err) err = pf__rec_put(t, PF_KIND_PRINTER, &p, eb);
    pf_printer_clear(&p);
    return err;
}

/* A password of 20 characters from an unambiguous alphabet (about 110 bits). */
static void random_password(char *out, size_t len)
{
    static const char abc[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (size_t i = 0; i + 1 < len; i++)
        out[i] = abc[randombytes_uniform(sizeof abc - 1)];
    out[len - 1] = 0;
}

static pf_err seed_admin(pf_txn *t, pf__open_state *os, pf_errbuf *eb)
{
    const pf_store_options *opt = os->opt;
    const char *email = opt->admin_email ? opt->admin_email : getenv("PRINTFORGE_ADMIN_EMAIL");
    const char *password = opt->admin_password ? opt->admin_password : getenv("PRINTFORGE_ADMIN_PASSWORD");
    char generated[21];
    if (!email || !*email) email = "admin@printforge.local";
    if (!password || !*password) {
        random_password(generated, sizeof generated);
        password = generated;
    }
    char hash[crypto_pwhash_STRBYTES];
    if (sodium_init() < 0) return pf_errf(eb, PF_E_STORAGE, "libsodium failed to initialise");
    if (crypto_pwhash_str(hash, password, strlen(password),
                          opt->pw_opslimit ? opt->pw_opslimit : crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          opt->pw_memlimit ? opt->pw_memlimit : crypto_pwhash_MEMLIMIT_INTERACTIVE))
        return pf_errf(eb, PF_E_NOMEM, "hashing the admin password");
    int64_t now = (int64_t)time(NULL);
    pf_user u = {.email = strdup(email),
                 .username = strdup("admin"),
                 .pass_hash = strdup(hash),
                 .role = strdup("admin"),
                 .is_active = true,
                 .email_verified = true,
                 .created_at = now,
                 .updated_at = now};
    pf_err err =
        !u.email || !u.username || !u.pass_hash || !u.role ? pf_errf(eb, PF_E_NOMEM, "seed") : PF_E_OK;
    if (!err) err = pf__rec_put(t, PF_KIND_USER, &u, eb);
    pf_user_clear(&u);
    /* Printed by pf_store_open after the commit: this transaction may run twice. */
    if (!err && password == generated) {
        snprintf(os->admin_email, sizeof os->admin_email, "%s", email);
        memcpy(os->generated_password, generated, sizeof generated);
    }
    sodium_memzero(generated, sizeof generated);
    return err;
}

pf_err pf__seed_defaults(pf_txn *t, pf__open_state *os, pf_errbuf *eb)
{
    pf_err err = seed_materials(t, eb);
    if (!err) err = seed_printer(t, eb);
    for (size_t i = 0; !err && i < sizeof settings / sizeof settings[0]; i++)
        err = pf_store_setting_set(t->st, t, settings[i][0], settings[i][1], 0, eb);
    if (!err) err = seed_admin(t, os, eb);
    return err;
}
