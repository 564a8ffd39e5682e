/* Estimator speed: per mesh, prepare wall time, cached re-evaluation time and the ratio to PrusaSlicer's
 * slice_wall_s (reference.csv); optionally a big mesh given on the command line (e.g. /tmp/bumpy_1m.stl).
 * usage: bench_estimate [DATA_DIR] [EXTRA.stl ...] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/estimate.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* PrusaSlicer's mean slice_wall_s over the rows of model in reference.csv, or 0. */
static double prusa_wall(const char *dir, const char *model)
{
    char path[600], line[2048];
    snprintf(path, sizeof path, "%s/reference.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    double sum = 0;
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        char *fld[20] = {0};
        int nf = 0;
        for (char *t = strtok(line, ",\r\n"); t && nf < 20; t = strtok(NULL, ",\r\n"))
            fld[nf++] = t;
        if (nf >= 17 && !strcmp(fld[0], model)) sum += atof(fld[16]), n++;
    }
    fclose(f);
    return n ? sum / n : 0;
}

static void bench(const char *path, const char *model, double prusa_s)
{
    pf_errbuf eb = {{0}};
    pf_mesh *m = NULL;
    double t0 = now();
    if (pf_mesh_read_file(path, NULL, &m, &eb)) {
        printf("%-12s read failed: %s\n", model, eb.msg);
        return;
    }
    double t1 = now();
    pf_profile p = pf_profile_default();
    pf_estimate_cache *c = NULL;
    if (pf_estimate_prepare(m, &p, pf_backend_scalar(), &c, &eb)) {
        printf("%-12s prepare failed: %s\n", model, eb.msg);
        pf_mesh_free(m);
        return;
    }
    double t2 = now();
    pf_estimate e;
    int reps = 200;
    double sink = 0;
    for (int i = 0; i < reps; i++) {
        pf_estimate_eval(c, (i % 11) / 10.0, 0, &e, NULL);
        sink += e.weight_g;
    }
    double t3 = now();
    double eval_us = (t3 - t2) / reps * 1e6, total = t2 - t0;
    printf("%-12s %9zu %6zu %6.3f %9.1f %9.1f %9.1f %9.1f %8.2f %7.0fx\n", model, m->ntris,
           pf_estimate_cache_layers(c), pf_estimate_cache_cell(c), (t1 - t0) * 1e3, (t2 - t1) * 1e3, eval_us,
           total * 1e3, prusa_s, prusa_s > 0 ? prusa_s / total : 0);
    (void)sink;
    pf_estimate_cache_free(c);
    pf_mesh_free(m);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/data";
    static const char *models[] = {"cube20", "box_lid",   "bracket",   "gear",      "vase",
                                   "sphere", "torus",     "overhang",  "thinwall",  "plate150",
                                   "tower",  "enclosure", "bumpy_10k", "bumpy_100k"};
    printf("%-12s %9s %6s %6s %9s %9s %9s %9s %8s %8s\n", "model", "tris", "layers", "cell", "read_ms",
           "prep_ms", "eval_us", "total_ms", "prusa_s", "speedup");
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s.stl", dir, models[i]);
        bench(path, models[i], prusa_wall(dir, models[i]));
    }
    for (int i = 2; i < argc; i++)
        bench(argv[i], strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i],
              prusa_wall(dir, "bumpy_1m"));
    return 0;
}
