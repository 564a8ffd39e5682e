/* Estimator backends compared: prepare wall and CPU time per mesh and backend (with the layer parallelism the
 * backend declares), per-stage times of a one-host-thread run (one layer at a time, or the backend's batch
 * stages when it has them: then "seeds" includes the margin distance fields), and the ratio to SIMD, printed
 * as a markdown table. Usage: bench_backends [--backends scalar,simd,opencl] [--reps N] mesh.stl... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "engine/bigalloc.h"
#include "engine/backends.h"
#include "engine/estimate.h"
#include "engine/mesh.h"
#include "engine/profile.h"

enum { ST_SLICE, ST_RASTER, ST_EDT, ST_SEEDS, ST_CLASSIFY, ST_REDUCE, ST_N };
static const char *stage_names[ST_N] = {"slice", "raster", "edt", "seeds", "classify", "reduce"};

/* A backend that forwards to another and adds up the wall time of each stage. */
typedef struct timed {
    const pf_backend *in;
    double t[ST_N];
} timed;

/* CPU time of the whole process (every thread, the OpenCL runtime's included), s. */
static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define TIMED(stage, call)                                                                                   \
    do {                                                                                                     \
        timed *T = ctx;                                                                                      \
        double t0 = now();                                                                                   \
        pf_err e = call;                                                                                     \
        T->t[stage] += now() - t0;                                                                           \
        return e;                                                                                            \
    } while (0)

static pf_err t_count(void *ctx, const float *v, const uint32_t *t, size_t nt, const float *zs, size_t nl,
                      uint32_t *c)
{
    TIMED(ST_SLICE, T->in->slice_count(T->in->ctx, v, t, nt, zs, nl, c));
}
static pf_err t_emit(void *ctx, const float *v, const uint32_t *t, size_t nt, const float *zs, size_t nl,
                     const uint32_t *o, const uint32_t *en, float *s, uint64_t *k)
{
    TIMED(ST_SLICE, T->in->slice_emit(T->in->ctx, v, t, nt, zs, nl, o, en, s, k));
}
static pf_err t_raster(void *ctx, const float *s, size_t n, const pf_grid *g, uint8_t *m)
{
    TIMED(ST_RASTER, T->in->raster(T->in->ctx, s, n, g, m));
}
static pf_err t_edt(void *ctx, const uint8_t *m, const pf_grid *g, uint32_t cap, float *d)
{
    TIMED(ST_EDT, T->in->edt(T->in->ctx, m, g, cap, d));
}
static pf_err t_classify(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t l, size_t nl,
                         const float *const d[7], const float *mt, const float *mb, const uint8_t *b,
                         uint8_t *o)
{
    TIMED(ST_CLASSIFY, T->in->classify(T->in->ctx, g, p, l, nl, d, mt, mb, b, o));
}
static pf_err t_seeds(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t l, size_t nl,
                      const float *const d[7], uint8_t *ts, uint8_t *bs, int *ht, int *hb)
{
    TIMED(ST_SEEDS, T->in->margin_seeds(T->in->ctx, g, p, l, nl, d, ts, bs, ht, hb));
}
static pf_err t_reduce(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t l, const float *d,
                       const uint8_t *c, int par, pf_layer_cells *o)
{
    TIMED(ST_REDUCE, T->in->reduce(T->in->ctx, g, p, l, d, c, par, o));
}

/* The batch stages (engine/backend.h), forwarded and timed under the stage they run. */
static pf_err t_bopen(void *ctx, void *mem, size_t len, void **b)
{
    timed *T = ctx;
    return T->in->batch_open(T->in->ctx, mem, len, b);
}
static void t_bclose(void *ctx, void *b)
{
    timed *T = ctx;
    T->in->batch_close(T->in->ctx, b);
}
static pf_err t_raster_b(void *ctx, void *b, const pf_grid *g, const float *s, const uint32_t *o,
                         const uint32_t *c, size_t n, const uint32_t *ls, uint8_t *const *m)
{
    TIMED(ST_RASTER, T->in->raster_batch(T->in->ctx, b, g, s, o, c, n, ls, m));
}
static pf_err t_edt_b(void *ctx, void *b, const pf_grid *g, uint32_t cap, size_t n, const uint8_t *const *m,
                      float *const *d)
{
    TIMED(ST_EDT, T->in->edt_batch(T->in->ctx, b, g, cap, n, m, d));
}
static pf_err t_margin_b(void *ctx, void *b, const pf_grid *g, const pf_classify_params *p, size_t nl,
                         size_t n, const uint32_t *ls, const float *const *w, const uint8_t *const *mw,
                         float *const *mt, float *const *mb, uint8_t *ht, uint8_t *hb, int defer)
{
    /* (a deferred call returns before the device runs it: its time goes to the classify call after it) */
    TIMED(ST_SEEDS, T->in->margin_batch(T->in->ctx, b, g, p, nl, n, ls, w, mw, mt, mb, ht, hb, defer));
}
static pf_err t_classify_b(void *ctx, void *b, const pf_grid *g, const pf_classify_params *p, size_t nl,
                           size_t n, const uint32_t *ls, const float *const *w, const float *const *mt,
                           const float *const *mb, const int32_t *pd, const uint8_t *const *mk,
                           const uint8_t *const *bl, uint8_t *const *o)
{
    TIMED(ST_CLASSIFY, T->in->classify_batch(T->in->ctx, b, g, p, nl, n, ls, w, mt, mb, pd, mk, bl, o));
}
static pf_err t_reduce_b(void *ctx, void *b, const pf_grid *g, const pf_classify_params *p, size_t n,
                         const uint32_t *ls, const float *const *d, const uint8_t *const *c,
                         pf_layer_cells *const *o)
{
    TIMED(ST_REDUCE, T->in->reduce_batch(T->in->ctx, b, g, p, n, ls, d, c, o));
}

typedef struct result {
    double prepare_s, total_s, weight_g, time_s; /* the backend as is (threads as it declares) */
    double cpu_s;                                /* CPU time of that prepare (all threads) */
    double stages_s, stage[ST_N];                /* one layer at a time, per stage */
    int ok;
} result;

static result run(const pf_mesh *m, const pf_backend *be, int reps)
{
    result r = {0};
    timed T = {.in = be};
    pf_backend w = {.name = be->name,
                    .device = be->device,
                    .threads = 1,
                    .ctx = &T,
                    .slice_count = t_count,
                    .slice_emit = t_emit,
                    .raster = t_raster,
                    .edt = t_edt,
                    .classify = t_classify,
                    .margin_seeds = t_seeds,
                    .reduce = t_reduce};
    if (be->batch_open) {
        w.batch_open = t_bopen;
        w.batch_close = t_bclose;
        w.raster_batch = t_raster_b;
        w.edt_batch = t_edt_b;
        w.margin_batch = t_margin_b;
        w.classify_batch = t_classify_b;
        w.reduce_batch = t_reduce_b;
    }
    pf_profile p = pf_profile_default();
    r.prepare_s = r.stages_s = 1e30;
    for (int i = 0; i < reps; i++) {
        /* Per-stage times through the wrapper, which declares one thread (its sums are not atomic) ... */
        pf_estimate_cache *c = NULL;
        pf_errbuf eb = {{0}};
        memset(T.t, 0, sizeof T.t);
        double t0 = now();
        pf_err e = pf_estimate_prepare(m, &p, &w, &c, &eb);
        double t1 = now();
        pf_estimate_cache_free(c);
        c = NULL;
        if (e) {
            fprintf(stderr, "%s: %s\n", be->name, eb.msg);
            return r;
        }
        if (t1 - t0 < r.stages_s) { /* the best of reps: the machine is shared */
            r.stages_s = t1 - t0;
            memcpy(r.stage, T.t, sizeof T.t);
        }
        /* ... and the wall time of the backend itself, with as many layers at once as it allows. */
        double c0 = cpu_now();
        t0 = now();
        e = pf_estimate_prepare(m, &p, be, &c, &eb);
        t1 = now();
        double c1 = cpu_now();
        if (e) {
            fprintf(stderr, "%s: %s\n", be->name, eb.msg);
            return r;
        }
        pf_estimate est;
        pf_estimate_eval(c, p.infill_density, 0, &est, NULL);
        double t2 = now();
        pf_estimate_cache_free(c);
        if (t1 - t0 < r.prepare_s) {
            r.prepare_s = t1 - t0;
            r.cpu_s = c1 - c0;
            r.total_s = t2 - t0;
        }
        r.weight_g = est.weight_g;
        r.time_s = est.print_time_s;
    }
    r.ok = 1;
    return r;
}

int main(int argc, char **argv)
{
    pf_big_keep_heap(); /* as printforge does (cli/main.c) */
    const char *names = "scalar,simd,opencl";
    int reps = 3, first = 1;
    while (first < argc && !strncmp(argv[first], "--", 2)) {
        if (!strcmp(argv[first], "--backends") && first + 1 < argc)
            names = argv[first + 1], first += 2;
        else if (!strcmp(argv[first], "--reps") && first + 1 < argc)
            reps = atoi(argv[first + 1]), first += 2;
        else
            break;
    }
    if (first >= argc || reps < 1) {
        fprintf(stderr, "usage: bench_backends [--backends scalar,simd,opencl] [--reps N] mesh.stl...\n");
        return 2;
    }
    enum { MAXB = 4 };
    pf_backend *bes[MAXB] = {0};
    int nb = 0;
    char list[128];
    snprintf(list, sizeof list, "%s", names);
    for (char *save = NULL, *n = strtok_r(list, ",", &save); n && nb < MAXB; n = strtok_r(NULL, ",", &save)) {
        pf_errbuf eb = {{0}};
        double t0 = now();
        if (pf_backend_get(n, &bes[nb], &eb)) {
            fprintf(stderr, "backend %s unavailable: %s\n", n, eb.msg);
            continue;
        }
        /* OpenCL kernel builds happen here, once per process. */
        printf("backend %s on %s (created in %.2f s)\n", bes[nb]->name, bes[nb]->device, now() - t0);
        nb++;
    }
    printf(
        "\n| mesh | triangles | layers | backend | threads | prepare ms | prepare cpu ms | prepare+eval ms | "
        "weight g | time s | 1-thread prepare ms |");
    for (int s = 0; s < ST_N; s++)
        printf(" %s ms |", stage_names[s]);
    printf(" vs simd |\n|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for (int s = 0; s < ST_N; s++)
        printf("---:|");
    printf("---:|\n");
    for (int a = first; a < argc; a++) {
        pf_mesh *m = NULL;
        pf_errbuf eb = {{0}};
        if (pf_mesh_read_file(argv[a], NULL, &m, &eb)) {
            fprintf(stderr, "%s: %s\n", argv[a], eb.msg);
            continue;
        }
        const char *base = strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a];
        result rs[MAXB];
        double simd_s = 0;
        for (int b = 0; b < nb; b++) {
            rs[b] = run(m, bes[b], reps);
            if (rs[b].ok && !strcmp(bes[b]->name, "simd")) simd_s = rs[b].prepare_s;
        }
        pf_estimate_cache *c = NULL;
        pf_profile p = pf_profile_default();
        size_t layers =
            pf_estimate_prepare(m, &p, pf_backend_scalar(), &c, NULL) ? 0 : pf_estimate_cache_layers(c);
        pf_estimate_cache_free(c);
        for (int b = 0; b < nb; b++) {
            if (!rs[b].ok) continue;
            printf("| %s | %zu | %zu | %s | %u | %.2f | %.2f | %.2f | %.2f | %.0f | %.2f |", base, m->ntris,
                   layers, bes[b]->name, bes[b]->threads ? bes[b]->threads : 1, 1e3 * rs[b].prepare_s,
                   1e3 * rs[b].cpu_s, 1e3 * rs[b].total_s, rs[b].weight_g, rs[b].time_s,
                   1e3 * rs[b].stages_s);
            for (int s = 0; s < ST_N; s++)
                printf(" %.2f |", 1e3 * rs[b].stage[s]);
            if (simd_s > 0)
                printf(" %.2f× |\n", rs[b].prepare_s / simd_s);
            else
                printf(" – |\n");
        }
        fflush(stdout);
        pf_mesh_free(m);
    }
    for (int b = 0; b < nb; b++)
        pf_backend_free(bes[b]);
    return 0;
}
