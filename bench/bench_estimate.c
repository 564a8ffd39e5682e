/* Estimator speed: per mesh and backend, read, prepare and cached re-evaluation times (best of N wall, and
 * the CPU time of that run), their total and its ratio to PrusaSlicer's slicing time: measured in the same
 * run when --prusa gives a profile (bench/run_estimate.sh does), else reference.csv's slice_wall_s.
 * Optionally big meshes given on the command line (e.g. /tmp/bumpy_1m.stl, compared with the row of its base
 * name).
 *
 * usage: bench_estimate [DATA_DIR] [-n REPS] [-b scalar,simd,auto] [-t THREADS] [-m MODEL,...]
 *                       [--prusa PROFILE.ini] [--md] [--no-eval] [EXTRA.stl ...]
 * -t: threads of the per-layer stages (default: as pf_estimate_prepare chooses); -m: only these meshes of
 * DATA_DIR; --prusa: run `prusa-slicer --export-gcode --load PROFILE.ini --fill-density 20%` on each mesh
 * in the first PRUSA_RUNS rounds, each just before the backends' runs of the round (its best wall time and
 * that run's CPU time, user + system);
 * --md: a Markdown table (one row per mesh, a column per backend, each other backend's time over the first's,
 * the speed-up of the first backend) instead of the plain rows. Each mesh's runs go round by round over the
 * backends (see main), so that the ratios between backends come from runs made at the same moments. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "engine/bigalloc.h"
#include "engine/backends.h"
#include "engine/estimate.h"
#include "engine/sched.h"

extern char **environ;

#define MAX_MESHES 64
#define MAX_BACKENDS 4

static int skip_eval; /* --no-eval: no re-quotes */

static double now(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* PrusaSlicer's mean slice_wall_s over the rows of model in reference.csv, or 0. */
static double prusa_ref(const char *dir, const char *model)
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

/* PrusaSlicer's runs per mesh (the first rounds of each mesh's runs). */
#define PRUSA_RUNS 3

/* One PrusaSlicer run on path with profile at 20 % infill, G-code to /dev/null's neighbour in /tmp: its wall
 * seconds (< 0 when it failed) and, into *cpu, its CPU seconds (user + system). */
static double prusa_once(const char *profile, const char *path, double *cpu)
{
    char *argv[] = {"prusa-slicer",
                    "--export-gcode",
                    "--load",
                    (char *)profile,
                    "--fill-density",
                    "20%",
                    "-o",
                    "/tmp/pf_bench_estimate.gcode",
                    (char *)path,
                    NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    struct rusage u;
    memset(&u, 0, sizeof u);
    int st = 0;
    double t0 = now(CLOCK_MONOTONIC);
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    if (rc == 0) wait4(pid, &st, 0, &u);
    double wall = now(CLOCK_MONOTONIC) - t0;
    posix_spawn_file_actions_destroy(&fa);
    remove("/tmp/pf_bench_estimate.gcode");
    *cpu = (double)u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + (double)u.ru_stime.tv_sec +
           u.ru_stime.tv_usec * 1e-6;
    if (rc != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "prusa-slicer failed on %s (spawn %d, status %d)\n", path, rc, st);
        return -1;
    }
    return wall;
}

/* One mesh on one backend. */
typedef struct result {
    int ok;                    /* 1: at least one run, none failed */
    int failed;                /* 1: a run failed (read or prepare) */
    size_t ntris, layers;      /* mesh triangles, layers */
    double cell;               /* grid cell, mm */
    unsigned thr_lo, thr_hi;   /* fewest and most threads prepare ran on over the runs */
    double read, prep;         /* best wall times, s */
    double cpu_read, cpu_prep; /* CPU time (all threads) of those runs, s */
    double eval_lo;            /* per re-quote, best of 20 rounds of 11, s */
} result;

/* One run of read + prepare (timed in wall and CPU time) and of the re-quotes, folded into res (the best
 * run's times; res starts all zero). Sets res->ok, or res->failed for good when a run fails. */
static void bench_once(const char *path, const char *model, const pf_backend *be, int threads, result *res)
{
    int first = !res->ok && !res->failed;
    if (res->failed) return;
    if (first) res->read = res->prep = res->eval_lo = 1e30;
    pf_errbuf eb = {{0}};
    pf_mesh *m = NULL;
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    if (pf_mesh_read_file(path, NULL, &m, &eb)) {
        fprintf(stderr, "%-12s read failed: %s\n", model, eb.msg);
        res->ok = 0, res->failed = 1;
        return;
    }
    double w1 = now(CLOCK_MONOTONIC), c1 = now(CLOCK_PROCESS_CPUTIME_ID);
    pf_profile p = pf_profile_default();
    pf_estimate_cache *c = NULL;
    if (pf_estimate_prepare_threads(m, &p, be, threads, &c, &eb)) {
        fprintf(stderr, "%-12s prepare failed: %s\n", model, eb.msg);
        pf_mesh_free(m);
        res->ok = 0, res->failed = 1;
        return;
    }
    double w2 = now(CLOCK_MONOTONIC), c2 = now(CLOCK_PROCESS_CPUTIME_ID);
    if (w1 - w0 < res->read) res->read = w1 - w0, res->cpu_read = c1 - c0;
    if (w2 - w1 < res->prep) res->prep = w2 - w1, res->cpu_prep = c2 - c1;
    /* Re-quotes at 11 densities between 0 and 100 %, best of 20 rounds (none with --no-eval, so a profile
     * of the run shows read and prepare alone). */
    pf_estimate e;
    if (skip_eval) res->eval_lo = 0;
    for (int k = 0; k < (skip_eval ? 0 : 20); k++) {
        double t0 = now(CLOCK_MONOTONIC);
        for (int i = 0; i <= 10; i++)
            pf_estimate_eval(c, i / 10.0, 0, &e, NULL);
        double t = (now(CLOCK_MONOTONIC) - t0) / 11;
        if (t < res->eval_lo) res->eval_lo = t;
    }
    res->ntris = m->ntris;
    res->layers = pf_estimate_cache_layers(c);
    res->cell = pf_estimate_cache_cell(c);
    unsigned th = pf_estimate_cache_threads(c);
    if (first || th < res->thr_lo) res->thr_lo = th;
    if (th > res->thr_hi) res->thr_hi = th;
    pf_estimate_cache_free(c);
    pf_mesh_free(m);
    res->ok = 1;
}

/* bench_once, then a pause as between two requests: the engine's helper thread is sent to sleep and the
 * process waits 3 ms, so that the next run does not start while this one's threads (the helper's 1 ms spin,
 * the OpenCL runtime's workers) still hold the cores. */
static void run_pause(const char *path, const char *model, const pf_backend *be, int threads, result *res)
{
    bench_once(path, model, be, threads, res);
    pf_sched_rest();
    nanosleep(&(struct timespec){0, 3000000}, NULL);
}

/* Whether name is one of the comma-separated names of list. */
static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, name, n)) return 1;
        p += len + (e != NULL);
    }
    return 0;
}

int main(int argc, char **argv)
{
    pf_big_keep_heap(); /* as printforge does (cli/main.c) */
    const char *dir = "tests/data", *backends = "scalar,simd", *only = NULL, *prusa_profile = NULL;
    int reps = 3, threads = 0, md = 0;
    const char *extra[MAX_MESHES];
    int nextra = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-m") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "-t") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-b") && i + 1 < argc)
            backends = argv[++i];
        else if (!strcmp(argv[i], "--prusa") && i + 1 < argc)
            prusa_profile = argv[++i];
        else if (!strcmp(argv[i], "--no-eval"))
            skip_eval = 1;
        else if (!strcmp(argv[i], "--md"))
            md = 1;
        else if (argv[i][0] == '-')
            fprintf(stderr, "ignored: %s\n", argv[i]);
        else if (strstr(argv[i], ".stl") && nextra < MAX_MESHES / 2)
            extra[nextra++] = argv[i];
        else
            dir = argv[i];
    }
    if (reps < 1) reps = 1;
    static const char *models[] = {"cube20", "box_lid",   "bracket",   "gear",      "vase",
                                   "sphere", "torus",     "overhang",  "thinwall",  "plate150",
                                   "tower",  "enclosure", "bumpy_10k", "bumpy_100k"};
    char paths[MAX_MESHES][600], names[MAX_MESHES][256];
    int nm = 0;
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        if (only && !in_list(only, models[i])) continue;
        snprintf(paths[nm], sizeof paths[nm], "%s/%s.stl", dir, models[i]);
        snprintf(names[nm], sizeof names[nm], "%s", models[i]);
        nm++;
    }
    for (int i = 0; i < nextra; i++) {
        const char *base = strrchr(extra[i], '/') ? strrchr(extra[i], '/') + 1 : extra[i];
        snprintf(paths[nm], sizeof paths[nm], "%s", extra[i]);
        snprintf(names[nm], sizeof names[nm], "%.*s", (int)strcspn(base, "."), base);
        nm++;
    }
    /* PrusaSlicer per mesh: run in the rounds below when --prusa is given, else the reference's. */
    double pwall[MAX_MESHES], pcpu[MAX_MESHES], pref[MAX_MESHES];
    int psame[MAX_MESHES];
    for (int i = 0; i < nm; i++) {
        pref[i] = prusa_ref(dir, names[i]);
        psame[i] = 0;
        pwall[i] = pref[i], pcpu[i] = 0;
    }

    static result res[MAX_BACKENDS][MAX_MESHES];
    const char *bname[MAX_BACKENDS], *bdev[MAX_BACKENDS];
    char labels[MAX_BACKENDS][64], devices[MAX_BACKENDS][128];
    unsigned bthreads[MAX_BACKENDS];
    pf_backend *bes[MAX_BACKENDS];
    int nb = 0;
    char list[256];
    snprintf(list, sizeof list, "%s", backends);
    for (char *save = NULL, *name = strtok_r(list, ",", &save); name && nb < MAX_BACKENDS;
         name = strtok_r(NULL, ",", &save)) {
        pf_backend *be = NULL;
        pf_errbuf eb = {{0}};
        if (pf_backend_get(name, &be, &eb)) {
            fprintf(stderr, "backend %s: %s\n", name, eb.msg);
            continue;
        }
        /* "auto (simd)" when the name chose another backend */
        if (strcmp(name, be->name))
            snprintf(labels[nb], sizeof labels[nb], "%s (%s)", name, be->name);
        else
            snprintf(labels[nb], sizeof labels[nb], "%s", name);
        bname[nb] = labels[nb];
        snprintf(devices[nb], sizeof devices[nb], "%s", be->device); /* the OpenCL backend owns its string */
        bdev[nb] = devices[nb];
        bthreads[nb] = be->threads;
        bes[nb++] = be;
    }
    /* Mesh by mesh, REPS rounds of a run on every backend in turn: a burst of load from other jobs (these
     * machines are shared) then falls on each backend's runs alike, so the ratios between backends hold where
     * their absolute times do not, and each backend's runs of a mesh follow its own run of the same mesh
     * (the steady state of repeated quotes, whose buffers are warm), 3 ms apart (run_pause). With --prusa,
     * PrusaSlicer's runs open the first PRUSA_RUNS rounds: its speed-ups come from the same moments too. */
    for (int i = 0; i < nm; i++) {
        for (int r = 0; r < reps || (prusa_profile && r < PRUSA_RUNS); r++) {
            if (prusa_profile && r < PRUSA_RUNS && (r == 0 || psame[i])) {
                double cpu, w = prusa_once(prusa_profile, paths[i], &cpu);
                if (w < 0) {
                    psame[i] = 0, pwall[i] = pref[i], pcpu[i] = 0;
                } else if (!psame[i] || w < pwall[i]) {
                    psame[i] = 1, pwall[i] = w, pcpu[i] = cpu;
                }
            }
            for (int b = 0; b < nb && r < reps; b++)
                if (strcmp(bes[b]->name, "scalar"))
                    run_pause(paths[i], names[i], bes[b], threads, &res[b][i]);
        }
        /* The scalar reference after the others' rounds: its runs, one thread and up to 10× as long, in
         * between made the OpenCL backend's 30–50 % slower (its big buffers, which stay mapped from run to
         * run, did not survive the scalar run's allocations). */
        for (int b = 0; b < nb; b++)
            for (int r = 0; r < reps && !strcmp(bes[b]->name, "scalar"); r++)
                run_pause(paths[i], names[i], bes[b], threads, &res[b][i]);
    }
    for (int b = 0; b < nb; b++)
        pf_backend_free(bes[b]);
    if (!md) {
        printf("best of %d (per mesh, rounds over the backends); prep_cpu and total_cpu are the CPU ms (all "
               "threads) of the best run; prusa_s: %s\n",
               reps, prusa_profile ? "same run (else reference.csv)" : "reference.csv slice_wall_s");
        printf("%-12s %-6s %8s %6s %5s %8s %8s %8s %8s %7s %8s %7s %8s %s\n", "model", "backend", "tris",
               "layers", "cell", "read_ms", "prep_ms", "prep_cpu", "eval_us", "total", "tot_cpu", "prusa_s",
               "speedup", "threads");
        for (int b = 0; b < nb; b++)
            for (int i = 0; i < nm; i++) {
                const result *r = &res[b][i];
                if (!r->ok) continue;
                double total = r->read + r->prep;
                printf("%-12s %-6s %8zu %6zu %5.3f %8.1f %8.2f %8.2f %8.1f %7.1f %8.1f %7.2f %7.0fx %u-%u\n",
                       names[i], bname[b], r->ntris, r->layers, r->cell, r->read * 1e3, r->prep * 1e3,
                       r->cpu_prep * 1e3, r->eval_lo * 1e6, total * 1e3, (r->cpu_read + r->cpu_prep) * 1e3,
                       pwall[i], pwall[i] / total, r->thr_lo, r->thr_hi);
            }
    }
    if (!md || !nb) return 0;

    printf("| mesh | triangles | layers | cell mm |");
    for (int b = 0; b < nb; b++)
        printf(" %s read+prep ms (cpu) |", bname[b]);
    for (int b = 1; b < nb; b++)
        printf(" %s / %s |", bname[b], bname[0]);
    printf(" eval µs | PrusaSlicer s, this run (cpu) | PrusaSlicer s, reference | %s speed-up vs this run |"
           " vs reference | goal ≥ 100× |\n",
           bname[0]);
    printf("|---|---:|---:|---:|");
    for (int b = 1; b < 2 * nb; b++)
        printf("---:|");
    printf("---:|---:|---:|---:|---:|---|\n");
    int met = 0, rows = 0;
    int within[MAX_BACKENDS] = {0}, both[MAX_BACKENDS] = {0}; /* meshes within 2× of backend 0, and run */
    /* read + prepare over those meshes, s: backend b's (sum) and backend 0's (base) */
    double sum[MAX_BACKENDS] = {0}, base[MAX_BACKENDS] = {0};
    for (int i = 0; i < nm; i++) {
        const result *r0 = &res[0][i];
        if (!r0->ok) continue;
        printf("| %s | %zu | %zu | %.3f |", names[i], r0->ntris, r0->layers, r0->cell);
        for (int b = 0; b < nb; b++) {
            const result *r = &res[b][i];
            if (r->ok && r->thr_lo != r->thr_hi)
                printf(" %.1f (%.1f) %u–%u thr |", (r->read + r->prep) * 1e3,
                       (r->cpu_read + r->cpu_prep) * 1e3, r->thr_lo, r->thr_hi);
            else if (r->ok)
                printf(" %.1f (%.1f) %u thr |", (r->read + r->prep) * 1e3, (r->cpu_read + r->cpu_prep) * 1e3,
                       r->thr_lo);
            else
                printf(" failed |");
        }
        for (int b = 1; b < nb; b++) {
            const result *r = &res[b][i];
            if (!r->ok) {
                printf(" — |");
                continue;
            }
            double q = (r->read + r->prep) / (r0->read + r0->prep);
            printf(" %.2f× |", q);
            both[b]++;
            within[b] += q <= 2.0;
            sum[b] += r->read + r->prep;
            base[b] += r0->read + r0->prep;
        }
        double total = r0->read + r0->prep, same = psame[i] ? pwall[i] / total : 0;
        printf(" %.1f |", r0->eval_lo * 1e6);
        if (psame[i])
            printf(" %.2f (%.2f) |", pwall[i], pcpu[i]);
        else
            printf(" — |");
        printf(" %.2f |", pref[i]);
        if (same > 0)
            printf(" %.0f× |", same);
        else
            printf(" — |");
        printf(" %.0f× |", pref[i] / total);
        double ratio = same > 0 ? same : pref[i] / total;
        printf(" %s |\n", ratio >= 100 ? "met" : "MISSED");
        rows++;
        met += ratio >= 100;
    }
    printf("\nBackends: ");
    for (int b = 0; b < nb; b++)
        printf("%s%s on %s (%u layer threads)", b ? ", " : "", bname[b], bdev[b], bthreads[b]);
    printf(". Goal ≥ 100× met on %d of %d meshes (against %s).", met, rows,
           prusa_profile ? "this run's PrusaSlicer" : "the reference's PrusaSlicer times");
    for (int b = 1; b < nb; b++)
        if (both[b])
            printf(" %s read + prepare within 2× of %s's on %d of %d meshes (all of them together: %.2f×).",
                   bname[b], bname[0], within[b], both[b], base[b] > 0 ? sum[b] / base[b] : 0);
    printf("\n");
    return 0;
}
