/* Estimator speed: per mesh and backend, read, prepare and cached re-evaluation times (best of N wall, and
 * the CPU time of that run), their total and its ratio to PrusaSlicer's slice_wall_s (reference.csv);
 * optionally big meshes given on the command line (e.g. /tmp/bumpy_1m.stl, compared with bumpy_1m's row).
 * usage: bench_estimate [DATA_DIR] [-n REPS] [-b scalar,simd,auto] [EXTRA.stl ...] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/backends.h"
#include "engine/estimate.h"

static double now(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
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

/* One mesh on one backend: the best of reps runs of read + prepare, each timed in wall and CPU time. */
static void bench(const char *path, const char *model, double prusa_s, const pf_backend *be, int reps)
{
    double best_read = 1e30, best_prep = 1e30, cpu_read = 0, cpu_prep = 0, best_eval = 1e30;
    size_t ntris = 0, layers = 0;
    double cell = 0;
    for (int r = 0; r < reps; r++) {
        pf_errbuf eb = {{0}};
        pf_mesh *m = NULL;
        double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
        if (pf_mesh_read_file(path, NULL, &m, &eb)) {
            printf("%-12s read failed: %s\n", model, eb.msg);
            return;
        }
        double w1 = now(CLOCK_MONOTONIC), c1 = now(CLOCK_PROCESS_CPUTIME_ID);
        pf_profile p = pf_profile_default();
        pf_estimate_cache *c = NULL;
        if (pf_estimate_prepare(m, &p, be, &c, &eb)) {
            printf("%-12s prepare failed: %s\n", model, eb.msg);
            pf_mesh_free(m);
            return;
        }
        double w2 = now(CLOCK_MONOTONIC), c2 = now(CLOCK_PROCESS_CPUTIME_ID);
        if (w1 - w0 < best_read) best_read = w1 - w0, cpu_read = c1 - c0;
        if (w2 - w1 < best_prep) best_prep = w2 - w1, cpu_prep = c2 - c1;
        /* Re-quotes at 11 densities between 0 and 100 %, best of 20 rounds. */
        pf_estimate e;
        for (int k = 0; k < 20; k++) {
            double t0 = now(CLOCK_MONOTONIC);
            for (int i = 0; i <= 10; i++)
                pf_estimate_eval(c, i / 10.0, 0, &e, NULL);
            double t = (now(CLOCK_MONOTONIC) - t0) / 11;
            if (t < best_eval) best_eval = t;
        }
        ntris = m->ntris;
        layers = pf_estimate_cache_layers(c);
        cell = pf_estimate_cache_cell(c);
        pf_estimate_cache_free(c);
        pf_mesh_free(m);
    }
    double total = best_read + best_prep;
    printf("%-12s %-6s %8zu %6zu %5.3f %8.1f %8.1f %8.1f %8.1f %7.1f %8.1f %7.2f %7.0fx\n", model, be->name,
           ntris, layers, cell, best_read * 1e3, best_prep * 1e3, cpu_prep * 1e3, best_eval * 1e6,
           total * 1e3, (cpu_read + cpu_prep) * 1e3, prusa_s, prusa_s > 0 ? prusa_s / total : 0);
}

int main(int argc, char **argv)
{
    const char *dir = "tests/data", *backends = "scalar,simd";
    int reps = 3, first_extra = argc;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-b") && i + 1 < argc)
            backends = argv[++i];
        else if (i == 1 && !strstr(argv[i], ".stl"))
            dir = argv[i];
        else if (first_extra == argc)
            first_extra = i;
    }
    if (reps < 1) reps = 1;
    static const char *models[] = {"cube20", "box_lid",   "bracket",   "gear",      "vase",
                                   "sphere", "torus",     "overhang",  "thinwall",  "plate150",
                                   "tower",  "enclosure", "bumpy_10k", "bumpy_100k"};
    printf("best of %d; prep_cpu and total_cpu are the CPU seconds (all threads) of the best run\n", reps);
    printf("%-12s %-6s %8s %6s %5s %8s %8s %8s %8s %7s %8s %7s %8s\n", "model", "backend", "tris", "layers",
           "cell", "read_ms", "prep_ms", "prep_cpu", "eval_us", "total", "tot_cpu", "prusa_s", "speedup");
    char list[256];
    snprintf(list, sizeof list, "%s", backends);
    for (char *save = NULL, *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        pf_backend *be = NULL;
        pf_errbuf eb = {{0}};
        if (pf_backend_get(name, &be, &eb)) {
            printf("backend %s: %s\n", name, eb.msg);
            continue;
        }
        for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
            char path[600];
            snprintf(path, sizeof path, "%s/%s.stl", dir, models[i]);
            bench(path, models[i], prusa_wall(dir, models[i]), be, reps);
        }
        for (int i = first_extra; i < argc; i++) {
            if (argv[i][0] == '-') {
                i++;
                continue;
            }
            bench(argv[i], strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i],
                  prusa_wall(dir, "bumpy_1m"), be, reps);
        }
        pf_backend_free(be);
    }
    return 0;
}
