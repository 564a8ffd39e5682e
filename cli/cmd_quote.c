/* printforge quote: slicer-grade weight and print time of a mesh, and its price in INR under the default cost
 * settings and material table. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "engine/backends.h"
#include "engine/estimate.h"
#include "engine/material.h"
#include "engine/mesh.h"
#include "engine/price.h"
#include "engine/profile.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int fail(int json, const char *fmt, const char *detail)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, detail);
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "error", msg);
        char *s = cJSON_PrintUnformatted(o);
        if (s) puts(s);
        free(s);
        cJSON_Delete(o);
    } else {
        fprintf(stderr, "printforge quote: %s\n", msg);
    }
    return 2;
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi)) return -1;
    *out = v;
    return 0;
}

int pf_cmd_quote(int argc, char **argv)
{
    const char *path = NULL, *material = "PLA", *backend = "auto", *profile_path = NULL;
    double infill = -1, layer_h = -1, quantity = 1;
    int supports = 0, priority = 0, json = 0;
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--json")) json = 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (!strcmp(a, "--json"))
            continue;
        else if (!strcmp(a, "--supports"))
            supports = 1;
        else if (!strcmp(a, "--priority"))
            priority = 1;
        else if (!strcmp(a, "--infill") && has_val) {
            if (parse_num(argv[++i], 0, 100, &infill))
                return fail(json, "bad --infill '%s' (0..100)", argv[i]);
        } else if (!strcmp(a, "--layer-height") && has_val) {
            if (parse_num(argv[++i], 0.05, 0.6, &layer_h))
                return fail(json, "bad --layer-height '%s' (0.05..0.6 mm)", argv[i]);
        } else if (!strcmp(a, "--quantity") && has_val) {
            if (parse_num(argv[++i], 1, 100000, &quantity) || quantity != (double)(long)quantity)
                return fail(json, "bad --quantity '%s' (1..100000)", argv[i]);
        } else if (!strcmp(a, "--material") && has_val)
            material = argv[++i];
        else if (!strcmp(a, "--backend") && has_val)
            backend = argv[++i];
        else if (!strcmp(a, "--profile") && has_val)
            profile_path = argv[++i];
        else if (a[0] == '-' && a[1])
            return fail(json, "unknown or incomplete option '%s'", a);
        else if (!path)
            path = a;
        else
            return fail(json, "unexpected argument '%s'", a);
    }
    if (!path)
        return fail(json, "%s",
                    "usage: printforge quote FILE [--infill PCT] [--layer-height MM] [--supports] "
                    "[--material NAME] [--quantity N] [--priority] [--backend auto|scalar|simd|opencl] "
                    "[--profile INI] [--json]");

    pf_errbuf eb = {{0}};
    pf_profile prof = pf_profile_default();
    if (profile_path && pf_profile_load_ini(&prof, profile_path, &eb))
        return fail(json, "profile: %s", eb.msg);
    if (infill >= 0) prof.infill_density = infill / 100;
    if (layer_h > 0) prof.layer_height = layer_h;
    if (supports) prof.supports = 1;
    /* The material gives grams (density) and the filament cost per kg. */
    const pf_material_def *mat = NULL;
    if (pf_material_find(material, &mat, &eb)) {
        char names[256] = "";
        for (size_t i = 0; i < pf_material_default_count(); i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                     pf_material_default_at(i)->name);
        char d[400];
        snprintf(d, sizeof d, "unknown material '%s' (%s)", material, names);
        return fail(json, "%s", d);
    }
    prof.filament_density = mat->density_g_cm3;
    if (pf_profile_validate(&prof, &eb)) return fail(json, "%s", eb.msg);

    /* The backend by name (auto: an OpenCL GPU if present, else SIMD); a missing one is an error, never a
     * swap. */
    pf_backend *be = NULL;
    if (pf_backend_get(backend, &be, &eb)) return fail(json, "backend: %s", eb.msg);

    double t0 = now_ms();
    pf_mesh *mesh = NULL;
    pf_err err = pf_mesh_read_file(path, NULL, &mesh, &eb);
    if (err) {
        char d[400];
        snprintf(d, sizeof d, "%s: %s: %s", path, pf_err_message(err), eb.msg);
        pf_backend_free(be);
        return fail(json, "%s", d);
    }
    pf_estimate e;
    pf_part_estimate *parts = NULL;
    size_t nparts = 0;
    err = pf_estimate_run(mesh, &prof, be, &e, &eb);
    double elapsed = now_ms() - t0; /* the whole plate's estimate; parts come on top */
    if (!err) err = pf_estimate_parts(mesh, &prof, be, &e, &parts, &nparts, &eb);
    pf_mesh_free(mesh);
    if (err) {
        pf_backend_free(be);
        char d[400];
        snprintf(d, sizeof d, "%s: %s", pf_err_message(err), eb.msg);
        return fail(json, "estimate failed: %s", d);
    }

    /* Price of the order line under the default cost settings (weight includes supports when enabled). */
    pf_price_settings ps = pf_price_settings_default();
    pf_price_input pin = {.weight_g = e.weight_g,
                          .print_time_s = e.print_time_s,
                          .material_cost_per_kg_paise = mat->cost_per_kg_paise,
                          .quantity = (int64_t)quantity,
                          .priority = priority};
    pf_price_breakdown pb;
    if (pf_price_compute(&ps, &pin, &pb, &eb)) {
        free(parts);
        pf_backend_free(be);
        return fail(json, "price: %s", eb.msg);
    }

    if (!json) {
        printf("%s: %zu layers, %.2f g (%.2f m of %.2f mm filament), print %.0f s (%.1f h), job %.0f s\n",
               path, e.layers, e.weight_g, e.filament_m, prof.filament_diameter, e.print_time_s,
               e.print_time_s / 3600, e.job_time_s);
        for (int k = 0; k < PF_TIME_N; k++)
            printf("  %-20s %10.1f s%s", pf_estimate_bucket_name(k), e.time_s[k], k < PF_FEAT_N ? "" : "\n");
        for (size_t i = 0; nparts > 1 && i < nparts; i++) {
            const pf_part_estimate *pe = &parts[i];
            printf("  part %zu %-20s %8zu triangles: ", pe->index + 1, pe->name[0] ? pe->name : "(unnamed)",
                   pe->triangles);
            if (pe->printable)
                printf("%.2f g, print %.0f s alone\n", pe->est.weight_g, pe->est.print_time_s);
            else
                printf("too flat to print alone\n");
        }
        if (quantity > 1)
            printf("quantity %.0f: %.2f g, %.0f s\n", quantity, e.weight_g * quantity,
                   e.print_time_s * quantity);
        if (pf_profile_unmodeled(&prof)) printf("warning: %s\n", pf_profile_unmodeled(&prof));
        char b[5][PF_PRICE_INR_BUFSZ];
        printf("price (%s%s): material %s + printing %s + priority %s + GST %s = %s\n", mat->name,
               priority ? ", priority" : "", pf_price_format_inr(pb.material, b[0]),
               pf_price_format_inr(pb.printing, b[1]), pf_price_format_inr(pb.priority, b[2]),
               pf_price_format_inr(pb.gst, b[3]), pf_price_format_inr(pb.total, b[4]));
        free(parts);
        pf_backend_free(be);
        return 0;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", path);
    cJSON_AddStringToObject(o, "material", mat->name);
    cJSON_AddNumberToObject(o, "infill_pct", prof.infill_density * 100);
    cJSON_AddNumberToObject(o, "layer_height_mm", prof.layer_height);
    cJSON_AddBoolToObject(o, "supports", prof.supports);
    cJSON_AddNumberToObject(o, "quantity", quantity);
    cJSON_AddBoolToObject(o, "priority", priority);
    cJSON_AddNumberToObject(o, "weight_g", e.weight_g);
    cJSON_AddNumberToObject(o, "filament_m", e.filament_m);
    cJSON_AddNumberToObject(o, "print_time_s", e.print_time_s);
    cJSON_AddNumberToObject(o, "job_time_s", e.job_time_s);
    if (pf_profile_unmodeled(&prof)) {
        cJSON *w = cJSON_AddArrayToObject(o, "warnings");
        cJSON_AddItemToArray(w, cJSON_CreateString(pf_profile_unmodeled(&prof)));
    }
    cJSON_AddNumberToObject(o, "layers", (double)e.layers);
    cJSON_AddNumberToObject(o, "max_layer_area_mm2", e.max_layer_area_mm2);
    cJSON_AddNumberToObject(o, "overhang_area_mm2", e.overhang_area_mm2);
    cJSON_AddNumberToObject(o, "overhang_wall_mm", e.overhang_wall_mm);
    cJSON_AddNumberToObject(o, "support_volume_cm3", e.support_volume_mm3 / 1000);
    cJSON_AddNumberToObject(o, "slowed_layers", (double)e.slowed_layers);
    cJSON *vol = cJSON_AddObjectToObject(o, "volumes_cm3");
    for (int k = 0; k < PF_FEAT_N; k++)
        cJSON_AddNumberToObject(vol, pf_estimate_bucket_name(k), e.volume_mm3[k] / 1000);
    cJSON *ts = cJSON_AddObjectToObject(o, "time_s");
    for (int k = 0; k < PF_TIME_N; k++)
        cJSON_AddNumberToObject(ts, pf_estimate_bucket_name(k), e.time_s[k]);
    /* Each printed part on its own (as if printed alone); the figures above are the whole plate's. */
    cJSON *pa = cJSON_AddArrayToObject(o, "parts");
    for (size_t i = 0; i < nparts; i++) {
        const pf_part_estimate *pe = &parts[i];
        cJSON *q = cJSON_CreateObject();
        cJSON_AddItemToArray(pa, q);
        cJSON_AddNumberToObject(q, "index", (double)pe->index);
        cJSON_AddStringToObject(q, "name", pe->name);
        cJSON_AddNumberToObject(q, "triangles", (double)pe->triangles);
        cJSON_AddBoolToObject(q, "printable", pe->printable);
        cJSON_AddNumberToObject(q, "weight_g", pe->est.weight_g);
        cJSON_AddNumberToObject(q, "filament_m", pe->est.filament_m);
        cJSON_AddNumberToObject(q, "print_time_s", pe->est.print_time_s);
        cJSON_AddNumberToObject(q, "job_time_s", pe->est.job_time_s);
        cJSON_AddNumberToObject(q, "layers", (double)pe->est.layers);
        cJSON *pv = cJSON_AddObjectToObject(q, "volumes_cm3");
        for (int k = 0; k < PF_FEAT_N; k++)
            cJSON_AddNumberToObject(pv, pf_estimate_bucket_name(k), pe->est.volume_mm3[k] / 1000);
    }
    cJSON_AddStringToObject(o, "backend", be->name);
    cJSON_AddStringToObject(o, "device", be->device);
    cJSON_AddNumberToObject(o, "elapsed_ms", elapsed);
    cJSON *pr = cJSON_AddObjectToObject(o, "price");
    cJSON_AddStringToObject(pr, "currency", "INR");
    cJSON_AddNumberToObject(pr, "material", pf_price_to_inr(pb.material));
    cJSON_AddNumberToObject(pr, "printing", pf_price_to_inr(pb.printing));
    cJSON_AddNumberToObject(pr, "priority", pf_price_to_inr(pb.priority));
    cJSON_AddNumberToObject(pr, "gst", pf_price_to_inr(pb.gst));
    cJSON_AddNumberToObject(pr, "total", pf_price_to_inr(pb.total));
    char *s = cJSON_PrintUnformatted(o);
    if (s) puts(s);
    free(s);
    cJSON_Delete(o);
    free(parts);
    pf_backend_free(be);
    return 0;
}
