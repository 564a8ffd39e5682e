/* printforge analyze: reads a mesh, analyses its printed parts and prints a report (human or JSON). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/analyze.h"
#include "engine/mesh.h"

#define USAGE "usage: printforge analyze FILE [--json] [--bed XxYxZ]\n"
/* Exit status for a file that cannot be read or analysed, and for bad arguments. */
#define EXIT_BAD 2

static const double default_bed[3] = {250, 210, 210};

/* Parses "250x210x210" (x or X) into three positive millimetre values. */
static int parse_bed(const char *s, double bed[3])
{
    for (int k = 0; k < 3; k++) {
        char *end;
        bed[k] = strtod(s, &end);
        if (end == s || !isfinite(bed[k]) || bed[k] <= 0) return 0;
        if (k < 2 && *end != 'x' && *end != 'X') return 0;
        if (k == 2 && *end) return 0;
        s = end + 1;
    }
    return 1;
}

static int fail(int json, const char *path, pf_err err, const pf_errbuf *eb)
{
    if (json) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: %s", pf_err_message(err), eb->msg[0] ? eb->msg : path);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "error", msg);
        cJSON_AddStringToObject(o, "code", pf_err_name(err));
        char *s = cJSON_Print(o);
        if (s) puts(s);
        free(s);
        cJSON_Delete(o);
    } else {
        /* Details of a missing file already name the path; other details get it in front. */
        const char *where = strstr(eb->msg, path) ? "" : path;
        fprintf(stderr, "printforge: %s%s%s%s%s\n", where, *where ? ": " : "", pf_err_message(err),
                eb->msg[0] ? ": " : "", eb->msg);
    }
    return EXIT_BAD;
}

static cJSON *vec3(const double v[3])
{
    return cJSON_CreateDoubleArray(v, 3);
}

static int print_json(const pf_mesh *m, const pf_analysis *a, const double bed[3])
{
    const pf_mesh_stats *s = &a->stats;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "format", pf_format_name(m->format));
    cJSON_AddNumberToObject(o, "triangles", (double)s->triangles);
    cJSON_AddNumberToObject(o, "vertices", (double)a->vertices);
    cJSON_AddItemToObject(o, "bbox_min_mm", vec3(s->bbox_min));
    cJSON_AddItemToObject(o, "bbox_max_mm", vec3(s->bbox_max));
    cJSON_AddItemToObject(o, "dims_mm", vec3(s->dims));
    cJSON_AddNumberToObject(o, "volume_cm3", s->volume_mm3 / 1000.0);
    cJSON_AddNumberToObject(o, "surface_area_cm2", s->area_mm2 / 100.0);
    cJSON_AddNumberToObject(o, "shells", (double)a->shells);
    cJSON_AddBoolToObject(o, "watertight", a->watertight);
    cJSON_AddBoolToObject(o, "inverted", s->inverted);
    cJSON_AddNumberToObject(o, "edges", (double)a->edges);
    cJSON_AddNumberToObject(o, "boundary_edges", (double)a->boundary_edges);
    cJSON_AddNumberToObject(o, "non_manifold_edges", (double)a->non_manifold_edges);
    cJSON_AddNumberToObject(o, "degenerate_triangles", (double)a->degenerate_triangles);
    cJSON_AddItemToObject(o, "bed_mm", vec3(bed));
    cJSON_AddBoolToObject(o, "fits_bed", a->fits_bed == 1);
    cJSON_AddBoolToObject(o, "fits_bed_turned", a->fits_rotated);
    cJSON *parts = cJSON_AddArrayToObject(o, "parts");
    for (size_t i = 0; i < m->nparts; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "name", m->parts[i].name);
        cJSON_AddNumberToObject(p, "triangles", m->parts[i].tri_count);
        cJSON_AddBoolToObject(p, "printed", m->parts[i].printed != 0);
        cJSON_AddItemToArray(parts, p);
    }
    char *text = cJSON_Print(o);
    int ok = text != NULL;
    if (ok) puts(text);
    free(text);
    cJSON_Delete(o);
    return ok ? 0 : EXIT_BAD;
}

static void print_human(const char *path, const pf_mesh *m, const pf_analysis *a, const double bed[3])
{
    const pf_mesh_stats *s = &a->stats;
    size_t printed = 0;
    for (size_t i = 0; i < m->nparts; i++)
        printed += m->parts[i].printed != 0;
    printf("%s: %s, %zu part%s (%zu printed)\n", path, pf_format_name(m->format), m->nparts,
           m->nparts == 1 ? "" : "s", printed);
    printf("  triangles    %zu\n  vertices     %zu\n", s->triangles, a->vertices);
    printf("  size         %.3f x %.3f x %.3f mm\n", s->dims[0], s->dims[1], s->dims[2]);
    printf("  bbox         (%.3f, %.3f, %.3f) to (%.3f, %.3f, %.3f) mm\n", s->bbox_min[0], s->bbox_min[1],
           s->bbox_min[2], s->bbox_max[0], s->bbox_max[1], s->bbox_max[2]);
    printf("  volume       %.6f cm3%s\n", s->volume_mm3 / 1000.0,
           s->inverted ? "  (inverted: normals point in)" : "");
    printf("  area         %.6f cm2\n", s->area_mm2 / 100.0);
    printf("  shells       %zu\n", a->shells);
    printf("  watertight   %s (%zu boundary, %zu non-manifold edges of %zu; %zu degenerate triangles)\n",
           a->watertight ? "yes" : "no", a->boundary_edges, a->non_manifold_edges, a->edges,
           a->degenerate_triangles);
    printf("  bed          %gx%gx%g mm: %s\n", bed[0], bed[1], bed[2],
           a->fits_bed != 1  ? "does not fit"
           : a->fits_rotated ? "fits turned 90 degrees"
                             : "fits");
    for (size_t i = 0; i < m->nparts && m->nparts > 1; i++)
        printf("  part %-3zu     \"%s\" %u triangles%s\n", i, m->parts[i].name, m->parts[i].tri_count,
               m->parts[i].printed ? "" : " (not printed)");
}

int pf_cmd_analyze(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    pf_analyze_opts o = {{default_bed[0], default_bed[1], default_bed[2]}, 0, 0};
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--bed") && i + 1 < argc) {
            if (!parse_bed(argv[++i], o.bed_mm))
                return fprintf(stderr, "printforge: bad --bed '%s', want e.g. 250x210x210\n" USAGE, argv[i]),
                       EXIT_BAD;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return fprintf(stderr, "printforge: unknown option '%s'\n" USAGE, argv[i]), EXIT_BAD;
        } else if (!path) {
            path = argv[i];
        } else {
            return fprintf(stderr, USAGE), EXIT_BAD;
        }
    }
    if (!path) return fprintf(stderr, USAGE), EXIT_BAD;

    pf_errbuf eb = {{0}};
    pf_mesh *m = NULL;
    pf_analysis a;
    int rc;
    pf_err err = pf_mesh_read_file(path, NULL, &m, &eb);
    if (err == PF_E_OK) err = pf_mesh_analyze(m, &o, &a, &eb);
    if (err != PF_E_OK) {
        rc = fail(json, path, err, &eb);
        goto done;
    }
    if (json) {
        rc = print_json(m, &a, o.bed_mm);
    } else {
        print_human(path, m, &a, o.bed_mm);
        rc = 0;
    }
done:
    pf_mesh_free(m);
    return rc;
}
