/* Defaults written by the first open: materials, one printer type, cost/site/rate-limiter settings and the
 * admin account. Materials, the printer and the cost knobs come from the engine's own defaults
 * (engine/material.h, engine/price.h), so the seeded store and the engine can never disagree. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/material.h"
#include "engine/price.h"
#include "storage/store_internal.h"

/* Site and rate-limiter defaults (key, value); the cost engine's keys are added from pf_price_setting_info as
 * "cost.<key>". Numbers the spec states: 50 MB uploads, STL/OBJ/3MF, JWT 8 h, and the rate-limit table. */
static const char *const settings[][2] = {
    {"cost.default_color", "#8C8C8C"},
    {"site.name", "PrintForge Studio"},
    {"site.currency", "INR"},
    {"site.upi_id", "printforge@upi"}, /* the shop's payee VPA: change it before taking orders */
    {"site.upi_name", "PrintForge Studio"},
    {"company.name", "PrintForge Studio"},
    {"company.gstin", ""},
    {"company.address", ""},
    {"company.city", "Bengaluru"},
    {"company.state", "Karnataka"},
    {"company.pincode", "560001"},
    {"company.phone", ""},
    {"company.email", ""},
    {"invoice.hsn_code", "3926"}, /* other articles of plastics */
    {"invoice.prefix", "PF"},
    {"shipping.origin_pin", "560001"},
    {"shipping.packaging_g", "50"},
    {"shipping.packaging_pct", "10"},
    {"shipping.gst_pct", "18"},
    {"order.min_qty", "1"},
    {"order.max_qty", "100"},
    {"order.auto_assign", "true"},
    {"upload.expiry_hours", "24"},
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
    {"ratelimit.enabled", "true"}, /* "false" switches every limiter off (benches) */
    {"contact.general_per_day", "3"},
    {"contact.order_per_day", "10"},
};

static pf_err strv_from(pf_strv *v, const char *const *src, size_t n, pf_errbuf *eb)
{
    v->v = calloc(n ? n : 1, sizeof *v->v);
    if (!v->v) return pf_errf(eb, PF_E_NOMEM, "seed");
    for (v->n = 0; v->n < n; v->n++)
        if (!(v->v[v->n] = strdup(src[v->n]))) return pf_errf(eb, PF_E_NOMEM, "seed");
    return PF_E_OK;
}

static pf_err seed_materials(pf_txn *t, pf_errbuf *eb)
{
    pf_err err = PF_E_OK;
    for (size_t i = 0; i < pf_material_default_count() && !err; i++) {
        const pf_material_def *s = pf_material_default_at(i);
        const char *names[16], *hex[16];
        size_t nc = s->ncolors < 16 ? s->ncolors : 16;
        for (size_t c = 0; c < nc; c++) names[c] = s->colors[c].name, hex[c] = s->colors[c].hex;
        pf_material m = {.name = strdup(s->name),
                         .display_name = strdup(s->display_name),
                         .density_g_cm3 = s->density_g_cm3,
                         .cost_per_kg = (double)s->cost_per_kg_paise / 100.0,
                         .notes = strdup(s->notes ? s->notes : ""),
                         .is_active = true};
        if (!m.name || !m.display_name || !m.notes) err = pf_errf(eb, PF_E_NOMEM, "seed");
        if (!err) err = strv_from(&m.colors, names, nc, eb);
        if (!err) err = strv_from(&m.color_hex, hex, nc, eb);
        if (!err) err = pf__rec_put(t, PF_KIND_MATERIAL, &m, eb);
        pf_material_clear(&m);
    }
    return err;
}

static pf_err seed_printer(pf_txn *t, pf_errbuf *eb)
{
    const pf_printer_type *d = pf_printer_default();
    pf_printer p = {.name = strdup(d->name),
                    .brand = strdup(d->brand),
                    .bed_x_mm = d->bed_x_mm,
                    .bed_y_mm = d->bed_y_mm,
                    .bed_z_mm = d->bed_z_mm,
                    .nozzle_mm = d->nozzle_mm,
                    .wattage_w = d->wattage_w,
                    .print_speed_cm3_hr = d->print_speed_cm3_hr,
                    .notes = strdup(d->notes),
                    .is_active = true};
    pf_err err = !p.name || !p.brand || !p.notes ? pf_errf(eb, PF_E_NOMEM, "seed") : PF_E_OK;
    if (!err) err = strv_from(&p.materials, (const char **)d->materials, d->nmaterials, eb);
    if (!err) err = pf__rec_put(t, PF_KIND_PRINTER, &p, eb);
    pf_printer_clear(&p);
    return err;
}

/* The cost engine's knobs under "cost.<key>", with the engine's defaults. */
static pf_err seed_cost_settings(pf_txn *t, pf_errbuf *eb)
{
    pf_price_settings def = pf_price_settings_default();
    pf_err err = PF_E_OK;
    for (size_t i = 0; i < pf_price_setting_count() && !err; i++) {
        const pf_price_setting_info *in = pf_price_setting_info_at(i);
        double v = 0;
        char key[96], val[48];
        if ((err = pf_price_setting_get(&def, in->key, &v, eb)) != PF_E_OK) break;
        snprintf(key, sizeof key, "cost.%s", in->key);
        snprintf(val, sizeof val, "%.17g", v);
        err = pf_store_setting_set(t->st, t, key, val, 0, eb);
    }
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
    if (!err) err = seed_cost_settings(t, eb);
    for (size_t i = 0; !err && i < sizeof settings / sizeof settings[0]; i++)
        err = pf_store_setting_set(t->st, t, settings[i][0], settings[i][1], 0, eb);
    if (!err) err = seed_admin(t, os, eb);
    return err;
}
