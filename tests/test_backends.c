/* Backends against the scalar reference: every stage on the same inputs from real meshes (masks and classes
 * cell by cell, distances within 1e-4 mm, reductions within 1e-3 relative), then whole estimates of every
 * test mesh at 0, 20 and 100 % infill (weight and time within 0.5 %), and the layer-parallel driver against
 * one thread (bit for bit). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/backends.h"
#include "engine/estimate.h"
#include "engine/mesh.h"
#include "engine/profile.h"
#include "tests/fuzz/fuzz_estimate.h"

/* One backend per process and name: the OpenCL one builds its kernels once (slow on PoCL). */
static pf_backend *backend(const char *name)
{
    static pf_backend *cache[2];
    int k = !strcmp(name, "opencl");
    if (!cache[k]) {
        pf_errbuf eb = {{0}};
        cr_assert_eq(pf_backend_get(name, &cache[k], &eb), PF_E_OK, "%s: %s", name, eb.msg);
    }
    return cache[k];
}

/* Every compiled copy of the SIMD stages this CPU runs ("base" always, "avx2" and "avx512" where built and
 * supported): the backend runs only the widest, so the stage tests check each against the scalar oracle.
 * Returns the count. */
#define SIMD_COPIES 3
static int simd_copies(const pf_backend *out[SIMD_COPIES])
{
    int n = 0;
    static const char *const isas[SIMD_COPIES] = {"base", "avx2", "avx512"};
    for (int k = 0; k < SIMD_COPIES; k++)
        if ((out[n] = pf_backend_simd_copy(isas[k]))) n++;
    cr_assert_geq(n, 1);
    return n;
}

static pf_mesh *load(const char *file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", PF_TEST_DATA, file);
    pf_mesh *m = NULL;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_mesh_read_file(path, NULL, &m, &eb), PF_E_OK, "%s: %s", file, eb.msg);
    return m;
}

/* A sliced mesh as estimate.c prepares it: layer heights, segments per layer, a padded grid. */
typedef struct sliced {
    size_t nl, nseg;
    float *zs, *segs;
    uint32_t *counts, *offs;
    uint64_t *keys;
    pf_grid g;
} sliced;

static void slice(const pf_backend *be, const pf_mesh *m, float cell, sliced *s)
{
    float lo[3] = {1e30f, 1e30f, 1e30f}, hi[3] = {-1e30f, -1e30f, -1e30f};
    for (size_t i = 0; i < m->nverts; i++)
        for (int a = 0; a < 3; a++)
            lo[a] = fminf(lo[a], m->verts[3 * i + a]), hi[a] = fmaxf(hi[a], m->verts[3 * i + a]);
    s->nl = (size_t)((hi[2] - lo[2]) / 0.2f);
    cr_assert_gt(s->nl, 2);
    s->zs = malloc(s->nl * sizeof *s->zs);
    for (size_t l = 0; l < s->nl; l++)
        s->zs[l] = lo[2] + 0.1f + 0.2f * (float)l;
    s->counts = malloc(s->nl * sizeof *s->counts);
    s->offs = malloc((s->nl + 1) * sizeof *s->offs);
    cr_assert_eq(be->slice_count(be->ctx, m->verts, m->tris, m->ntris, s->zs, s->nl, s->counts), PF_E_OK);
    s->offs[0] = 0;
    for (size_t l = 0; l < s->nl; l++)
        s->offs[l + 1] = s->offs[l] + s->counts[l];
    s->nseg = s->offs[s->nl];
    s->segs = malloc((s->nseg + 1) * PF_SEG_FLOATS * sizeof *s->segs);
    s->keys = malloc((s->nseg + 1) * 2 * sizeof *s->keys);
    cr_assert_eq(
        be->slice_emit(be->ctx, m->verts, m->tris, m->ntris, s->zs, s->nl, s->offs, NULL, s->segs, s->keys),
        PF_E_OK);
    s->g = (pf_grid){.x0 = lo[0] - 3 * cell, .y0 = lo[1] - 3 * cell, .cell = cell};
    s->g.nx = (uint32_t)ceilf((hi[0] - lo[0]) / cell) + 6;
    s->g.ny = (uint32_t)ceilf((hi[1] - lo[1]) / cell) + 6;
}

static void sliced_free(sliced *s)
{
    free(s->zs);
    free(s->segs);
    free(s->counts);
    free(s->offs);
    free(s->keys);
}

/* Segments are compared as a multiset per layer: sort each layer's (segment, keys) records. */
typedef struct seg_rec {
    float s[PF_SEG_FLOATS];
    uint64_t k[2];
} seg_rec;

static int cmp_rec(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(seg_rec));
}

static void check_slices(const pf_backend *be, const char *file)
{
    pf_mesh *m = load(file);
    sliced a, b;
    slice(pf_backend_scalar(), m, 0.5f, &a);
    slice(be, m, 0.5f, &b);
    cr_assert_eq(a.nl, b.nl);
    for (size_t l = 0; l < a.nl; l++)
        cr_assert_eq(a.counts[l], b.counts[l], "%s layer %zu count", file, l);
    seg_rec *ra = calloc(a.nseg + 1, sizeof *ra), *rb = calloc(a.nseg + 1, sizeof *rb);
    for (size_t i = 0; i < a.nseg; i++) {
        memcpy(ra[i].s, a.segs + PF_SEG_FLOATS * i, sizeof ra[i].s);
        memcpy(rb[i].s, b.segs + PF_SEG_FLOATS * i, sizeof rb[i].s);
        memcpy(ra[i].k, a.keys + 2 * i, sizeof ra[i].k);
        memcpy(rb[i].k, b.keys + 2 * i, sizeof rb[i].k);
    }
    for (size_t l = 0; l < a.nl; l++) {
        qsort(ra + a.offs[l], a.counts[l], sizeof *ra, cmp_rec);
        qsort(rb + a.offs[l], a.counts[l], sizeof *rb, cmp_rec);
    }
    cr_assert_eq(memcmp(ra, rb, a.nseg * sizeof *ra), 0, "%s: segments differ", file);
    free(ra);
    free(rb);
    sliced_free(&a);
    sliced_free(&b);
    pf_mesh_free(m);
}

static pf_classify_params params(void)
{
    /* the default profile's bands (0.2 mm layers, 0.45 mm walls, 2 perimeters) */
    return (pf_classify_params){.ext_lo = 0.0215f,
                                .ext_hi = 0.4078f,
                                .int_hi = 0.7941f,
                                .fill_lo = 0.6975f,
                                .fill_print_lo = 0.7168f,
                                .l0_shift = 0.2f,
                                .l0_ext_hi = 0.3984f,
                                .l0_int_hi = 0.7753f,
                                .l0_fill_lo = 0.7003f,
                                .margin = 3.0f,
                                .shell_min_width = 0.4274f,
                                .shell_lo = 0.8257f,
                                .shell_far = 0.5556f,
                                .sparse_min_width = 0.6106f,
                                .bead_ridge = 0.1539f};
}

static double rel(double a, double b)
{
    double m = fmax(fabs(a), fabs(b));
    return m < 1e-6 ? 0 : fabs(a - b) / m;
}

/* Distance caps for check_layers: none (exact fields), the estimator's (pf_edt_cap_main / _margin), or one
 * beyond the SIMD backend's windowed pass (its exact transform with a clamp). */
enum { CAP_NONE, CAP_ESTIMATOR, CAP_WIDE };

/* A backend's edt cut in parts (edt_part, when it has one) writes its edt's field bit for bit, every cell by
 * some part, whatever order the parts run in. */
static void check_parts(const pf_backend *be, const uint8_t *mask, const pf_grid *g, uint32_t cap,
                        const char *file, size_t l)
{
    if (!be->edt_part) return;
    size_t n = (size_t)g->nx * g->ny;
    float *whole = malloc(n * sizeof *whole), *cut = malloc(n * sizeof *cut);
    cr_assert_eq(be->edt(be->ctx, mask, g, cap, whole), PF_E_OK);
    for (unsigned parts = 2; parts <= 3; parts++) {
        memset(cut, 0xff, n * sizeof *cut); /* NaN: a cell no part writes differs */
        for (unsigned k = parts; k-- > 0;)
            cr_assert_eq(be->edt_part(be->ctx, mask, g, cap, cut, k, parts), PF_E_OK);
        cr_assert_eq(memcmp(whole, cut, n * sizeof *cut), 0, "%s layer %zu: edt in %u parts differs", file, l,
                     parts);
    }
    free(whole);
    free(cut);
}

/* Runs stages 3–6 over every layer of file at the given cell size on the scalar backend, and each stage of be
 * on the scalar stage's inputs, comparing outputs. */
static void check_layers(const pf_backend *be, const char *file, float cell, int caps)
{
    pf_mesh *m = load(file);
    const pf_backend *sc = pf_backend_scalar();
    sliced s;
    slice(sc, m, cell, &s);
    const pf_grid *g = &s.g;
    size_t n = (size_t)g->nx * g->ny, nl = s.nl;
    float *dist = malloc(nl * n * sizeof *dist), *d2 = malloc(n * sizeof *d2);
    float *mt = malloc(n * sizeof *mt), *mb = malloc(n * sizeof *mb);
    uint8_t *mask = malloc(n), *mask2 = malloc(n), *st = malloc(n), *sb = malloc(n), *st2 = malloc(n),
            *sb2 = malloc(n), *cls = malloc(nl * n), *cls2 = malloc(n);
    pf_classify_params p = params();
    uint32_t cap = caps == CAP_NONE ? 0 : caps == CAP_WIDE ? 30 : pf_edt_cap_main(&p, cell);
    uint32_t capm = caps == CAP_NONE ? 0 : caps == CAP_WIDE ? 31 : pf_edt_cap_margin(&p, cell);
    size_t inside = 0;
    for (size_t l = 0; l < nl; l++) {
        const float *sg = s.segs + PF_SEG_FLOATS * (size_t)s.offs[l];
        cr_assert_eq(sc->raster(NULL, sg, s.counts[l], g, mask), PF_E_OK);
        cr_assert_eq(be->raster(be->ctx, sg, s.counts[l], g, mask2), PF_E_OK);
        cr_assert_eq(memcmp(mask, mask2, n), 0, "%s layer %zu: masks differ", file, l);
        cr_assert_eq(sc->edt(NULL, mask, g, cap, dist + l * n), PF_E_OK);
        cr_assert_eq(be->edt(be->ctx, mask, g, cap, d2), PF_E_OK);
        check_parts(be, mask, g, cap, file, l);
        for (size_t i = 0; i < n; i++) {
            inside += mask[i] != 0;
            cr_assert_leq(fabsf(dist[l * n + i] - d2[i]), 1e-4f, "%s layer %zu cell %zu: %g vs %g", file, l,
                          i, dist[l * n + i], d2[i]);
        }
    }
    cr_assert_gt(inside, 1000, "%s: the grid must see the part", file);
    for (size_t l = 0; l < nl; l++) {
        const float *win[7];
        for (int k = 0; k < 7; k++) {
            long j = (long)l - 3 + k;
            win[k] = j >= 0 && (size_t)j < nl ? dist + (size_t)j * n : NULL;
        }
        int ht, hb, ht2, hb2;
        cr_assert_eq(sc->margin_seeds(NULL, g, &p, l, nl, win, st, sb, &ht, &hb), PF_E_OK);
        cr_assert_eq(be->margin_seeds(be->ctx, g, &p, l, nl, win, st2, sb2, &ht2, &hb2), PF_E_OK);
        cr_assert(ht == ht2 && hb == hb2, "%s layer %zu: seed flags", file, l);
        cr_assert_eq(memcmp(st, st2, n), 0, "%s layer %zu: top seeds differ", file, l);
        cr_assert_eq(memcmp(sb, sb2, n), 0, "%s layer %zu: bottom seeds differ", file, l);
        if (ht) sc->edt(NULL, st, g, capm, mt);
        if (hb) sc->edt(NULL, sb, g, capm, mb);
        if (ht) check_parts(be, st, g, capm, file, l); /* a seed mask: the region around its zeros */
        if (hb) check_parts(be, sb, g, capm, file, l);
        const uint8_t *below = l ? cls + (l - 1) * n : NULL;
        cr_assert_eq(
            sc->classify(NULL, g, &p, l, nl, win, ht ? mt : NULL, hb ? mb : NULL, below, cls + l * n),
            PF_E_OK);
        cr_assert_eq(be->classify(be->ctx, g, &p, l, nl, win, ht ? mt : NULL, hb ? mb : NULL, below, cls2),
                     PF_E_OK);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(cls[l * n + i], cls2[i], "%s layer %zu cell %zu: class %d vs %d", file, l, i,
                         cls[l * n + i], cls2[i]);
        if (be->classify_span) { /* over the spans of the layer's mask: the same classes */
            int32_t *span = malloc(2 * (size_t)g->ny * sizeof *span);
            long box[4] = {0, (long)g->nx, 0, (long)g->ny};
            for (size_t i = 0; i < n; i++)
                mask2[i] = dist[l * n + i] > 0.0f;
            pf_mask_spans(mask2, g->nx, g->ny, box, span);
            memset(cls2, 0xFF, n);
            cr_assert_eq(be->classify_span(be->ctx, g, &p, l, nl, win, ht ? mt : NULL, hb ? mb : NULL, below,
                                           span, cls2),
                         PF_E_OK);
            cr_assert_eq(memcmp(cls + l * n, cls2, n), 0, "%s layer %zu: classes over the spans differ", file,
                         l);
            free(span);
        }
        /* classified without the layer below, then the bridge pass: the same classes */
        cr_assert_eq(be->classify(be->ctx, g, &p, l, nl, win, ht ? mt : NULL, hb ? mb : NULL, NULL, cls2),
                     PF_E_OK);
        if (below) pf_classes_fix_bridges(cls2, below, n);
        cr_assert_eq(memcmp(cls + l * n, cls2, n), 0,
                     "%s layer %zu: classes without below, then fixed, differ", file, l);
        for (int parity = 0; parity < 2; parity++) {
            pf_layer_cells a, b;
            cr_assert_eq(sc->reduce(NULL, g, &p, l, dist + l * n, cls + l * n, parity, &a), PF_E_OK);
            cr_assert_eq(be->reduce(be->ctx, g, &p, l, dist + l * n, cls + l * n, parity, &b), PF_E_OK);
            const float *fa = (const float *)&a, *fb = (const float *)&b;
            for (size_t k = 0; k < sizeof a / sizeof(float); k++)
                cr_assert_leq(rel(fa[k], fb[k]), 1e-3, "%s layer %zu parity %d: sum %zu %g vs %g", file, l,
                              parity, k, fa[k], fb[k]);
        }
    }
    free(dist);
    free(d2);
    free(mt);
    free(mb);
    free(mask);
    free(mask2);
    free(st);
    free(sb);
    free(st2);
    free(sb2);
    free(cls);
    free(cls2);
    sliced_free(&s);
    pf_mesh_free(m);
}

/* The caps of engine/backend.h change distance fields (cells beyond the cap) but no class, and no sum beyond
 * float rounding: scalar stages on exact fields against the same stages on capped fields, every layer. */
static void check_caps(const char *file, float cell)
{
    pf_mesh *m = load(file);
    const pf_backend *sc = pf_backend_scalar();
    sliced s;
    slice(sc, m, cell, &s);
    const pf_grid *g = &s.g;
    size_t n = (size_t)g->nx * g->ny, nl = s.nl, changed = 0;
    pf_classify_params p = params();
    uint32_t cap[2] = {pf_edt_cap_main(&p, cell), pf_edt_cap_margin(&p, cell)};
    float *dist[2], *mt[2], *mb[2];
    uint8_t *cls[2], *mask = malloc(n), *st = malloc(n), *sb = malloc(n);
    for (int v = 0; v < 2; v++) {
        dist[v] = malloc(nl * n * sizeof(float));
        mt[v] = malloc(n * sizeof(float));
        mb[v] = malloc(n * sizeof(float));
        cls[v] = malloc(nl * n);
    }
    for (size_t l = 0; l < nl; l++) {
        cr_assert_eq(sc->raster(NULL, s.segs + PF_SEG_FLOATS * (size_t)s.offs[l], s.counts[l], g, mask),
                     PF_E_OK);
        for (int v = 0; v < 2; v++)
            cr_assert_eq(sc->edt(NULL, mask, g, v ? cap[0] : 0, dist[v] + l * n), PF_E_OK);
        for (size_t i = 0; i < n; i++)
            changed += dist[0][l * n + i] != dist[1][l * n + i];
    }
    cr_assert_gt(changed, 1000, "%s: the cap must clamp some cells for the test to mean anything", file);
    for (size_t l = 0; l < nl; l++) {
        pf_layer_cells sum[2];
        for (int v = 0; v < 2; v++) {
            const float *win[7];
            for (int k = 0; k < 7; k++) {
                long j = (long)l - 3 + k;
                win[k] = j >= 0 && (size_t)j < nl ? dist[v] + (size_t)j * n : NULL;
            }
            int ht, hb;
            cr_assert_eq(sc->margin_seeds(NULL, g, &p, l, nl, win, st, sb, &ht, &hb), PF_E_OK);
            if (ht) sc->edt(NULL, st, g, v ? cap[1] : 0, mt[v]);
            if (hb) sc->edt(NULL, sb, g, v ? cap[1] : 0, mb[v]);
            const uint8_t *below = l ? cls[v] + (l - 1) * n : NULL;
            cr_assert_eq(sc->classify(NULL, g, &p, l, nl, win, ht ? mt[v] : NULL, hb ? mb[v] : NULL, below,
                                      cls[v] + l * n),
                         PF_E_OK);
            cr_assert_eq(sc->reduce(NULL, g, &p, l, dist[v] + l * n, cls[v] + l * n, (int)(l & 1), &sum[v]),
                         PF_E_OK);
        }
        cr_assert_eq(memcmp(cls[0] + l * n, cls[1] + l * n, n), 0, "%s layer %zu: classes differ", file, l);
        const float *fa = (const float *)&sum[0], *fb = (const float *)&sum[1];
        for (size_t k = 0; k < sizeof sum[0] / sizeof(float); k++)
            cr_assert_leq(rel(fa[k], fb[k]), 1e-5, "%s layer %zu: sum %zu %g vs %g", file, l, k, fa[k],
                          fb[k]);
    }
    for (int v = 0; v < 2; v++) {
        free(dist[v]);
        free(mt[v]);
        free(mb[v]);
        free(cls[v]);
    }
    free(mask);
    free(st);
    free(sb);
    sliced_free(&s);
    pf_mesh_free(m);
}

Test(backends, capped_distance_fields_classify_and_sum_like_exact_ones)
{
    check_caps("overhang.stl", 0.2f);
    check_caps("box_lid.stl", 0.25f);
    check_caps("enclosure.stl", 0.3f);
}

/* Every test mesh: the .stl files of tests/data (not the ASCII copies), the gear as .obj and .3mf, and a rib
 * grid of overlapping boxes (its layers' outlines from engine/contour_union.c). Returns their count; the
 * names stay valid for the process. */
static int test_meshes(const char *files[64])
{
    static char names_buf[64][256];
    int nf = 0;
    DIR *d = opendir(PF_TEST_DATA);
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d)) && nf < 61) {
        size_t len = strlen(e->d_name);
        if (len < 5 || len >= 256 || strcmp(e->d_name + len - 4, ".stl") || strstr(e->d_name, ".ascii."))
            continue;
        memcpy(names_buf[nf], e->d_name, len + 1);
        files[nf] = names_buf[nf];
        nf++;
    }
    closedir(d);
    cr_assert_geq(nf, 10, "every test mesh");
    files[nf++] = "gear.obj";
    files[nf++] = "gear.3mf";
    files[nf++] = "extra/ribgrid_soup_w12_p6.stl";
    return nf;
}

/* The driver skips the raster of a layer whose fingerprint (pf_raster_print) equals the layer below's. Safe
 * only if equal fingerprints come with equal masks: checked on consecutive layers of every test mesh, and the
 * prisms must actually match (or the shortcut would never fire). */
Test(backends, equal_raster_fingerprints_mean_equal_masks)
{
    const char *files[64];
    int nf = test_meshes(files);
    const pf_backend *sc = pf_backend_scalar();
    size_t matches = 0, prism_matches = 0, prism_layers = 0;
    for (int fi = 0; fi < nf; fi++) {
        pf_mesh *m = load(files[fi]);
        sliced s;
        slice(sc, m, 0.25f, &s);
        size_t n = (size_t)s.g.nx * s.g.ny;
        uint8_t *a = malloc(n), *b = malloc(n);
        uint64_t ha[2], hb[2], seed = 0x243F6A8885A308D3ull * (uint64_t)(fi + 1); /* any seed works */
        pf_print_weights w;
        cr_assert_eq(pf_print_weights_make(&w, &s.g, seed), PF_E_OK);
        for (size_t l = 1; l < s.nl; l++) {
            const float *sa = s.segs + PF_SEG_FLOATS * (size_t)s.offs[l - 1],
                        *sb = s.segs + PF_SEG_FLOATS * (size_t)s.offs[l];
            pf_raster_print(sa, s.counts[l - 1], &s.g, &w, ha);
            pf_raster_print(sb, s.counts[l], &s.g, &w, hb);
            cr_assert_eq(sc->raster(NULL, sa, s.counts[l - 1], &s.g, a), PF_E_OK);
            cr_assert_eq(sc->raster(NULL, sb, s.counts[l], &s.g, b), PF_E_OK);
            int same = ha[0] == hb[0] && ha[1] == hb[1];
            if (same)
                cr_assert_eq(memcmp(a, b, n), 0, "%s layers %zu, %zu: equal prints, masks differ", files[fi],
                             l - 1, l);
            matches += same;
            if (!strcmp(files[fi], "box_lid.stl") || !strcmp(files[fi], "thinwall.stl")) {
                prism_layers++;
                prism_matches += same;
            }
        }
        free(a);
        free(b);
        pf_print_weights_free(&w);
        sliced_free(&s);
        pf_mesh_free(m);
    }
    cr_assert_gt(prism_layers, 100);
    cr_assert_gt(prism_matches, prism_layers * 9 / 10, "prisms: %zu of %zu layers matched", prism_matches,
                 prism_layers);
    cr_assert_gt(matches, prism_matches);
}

/* Whole estimates of every test mesh (test_meshes), each
 * prepared once per backend and evaluated at 0, 20 and 100 % infill against the scalar backend: weight and
 * print time within 0.5 %. */
/* A square contour (counter-clockwise, inside on the left) with corners (x0, y0) and (x1, y1), its left wall
 * split at y = ys into two segments: 5 segments of PF_SEG_FLOATS floats into s. */
static void square_segs(float *s, float x0, float y0, float x1, float y1, float ys)
{
    const float pts[6][2] = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, ys}, {x0, y0}};
    for (int i = 0; i < 5; i++) {
        s[4 * i] = pts[i][0], s[4 * i + 1] = pts[i][1];
        s[4 * i + 2] = pts[i + 1][0], s[4 * i + 3] = pts[i + 1][1];
    }
}

/* The fingerprints' row × column weights (pf_print_weights): a wall along y takes its run of rows in one
 * product, so where it is split must not matter, and moving a wall by one cell either way, or the whole
 * square, must change the print (weights constant along a row or a column would not see it). */
Test(backends, raster_fingerprints_see_every_move_of_a_wall)
{
    pf_grid g = {.x0 = 0.0f, .y0 = 0.0f, .cell = 0.5f, .nx = 40, .ny = 30};
    pf_print_weights w;
    cr_assert_eq(pf_print_weights_make(&w, &g, 0x9E3779B97F4A7C15ull), PF_E_OK);
    float a[20], b[20];
    uint64_t ha[2], hb[2];
    square_segs(a, 3.1f, 2.1f, 12.1f, 9.1f, 5.0f);
    pf_raster_print(a, 5, &g, &w, ha);
    square_segs(b, 3.1f, 2.1f, 12.1f, 9.1f, 7.3f); /* split elsewhere: the same delta grid */
    pf_raster_print(b, 5, &g, &w, hb);
    cr_assert(ha[0] == hb[0] && ha[1] == hb[1], "a wall's split point changed its print");
    const float moves[6][4] = {{0.5f, 0, 0, 0}, {0, 0, 0.5f, 0},    {0, 0.5f, 0, 0},
                               {0, 0, 0, 0.5f}, {0.5f, 0, 0.5f, 0}, {0, 0.5f, 0, 0.5f}};
    for (int k = 0; k < 6; k++) {
        square_segs(b, 3.1f + moves[k][0], 2.1f + moves[k][1], 12.1f + moves[k][2], 9.1f + moves[k][3], 5.0f);
        pf_raster_print(b, 5, &g, &w, hb);
        cr_assert(ha[0] != hb[0] && ha[1] != hb[1], "move %d left both prints as they were", k);
    }
    /* a slanted wall (no shortcut) moved by a cell along x */
    const float tri[3][4] = {
        {2.0f, 2.0f, 10.0f, 3.0f}, {10.0f, 3.0f, 6.0f, 12.0f}, {6.0f, 12.0f, 2.0f, 2.0f}};
    float t2[12];
    memcpy(a, tri, sizeof tri);
    memcpy(t2, tri, sizeof tri);
    for (int i = 0; i < 3; i++)
        t2[4 * i] += 0.5f, t2[4 * i + 2] += 0.5f;
    pf_raster_print(a, 3, &g, &w, ha);
    pf_raster_print(t2, 3, &g, &w, hb);
    cr_assert(ha[0] != hb[0] && ha[1] != hb[1], "a triangle moved by a cell kept its prints");
    pf_print_weights_free(&w);
}

Test(backends, estimates_of_every_test_mesh_match_scalar)
{
    const char *names[] = {"simd", "opencl"};
    const double density[] = {0.0, 0.2, 1.0};
    enum { ND = sizeof density / sizeof density[0] };
    const char *files[64];
    int nf = test_meshes(files);
    pf_profile p = pf_profile_default();
    for (int f = 0; f < nf; f++) {
        pf_mesh *m = load(files[f]);
        pf_estimate_cache *ca = NULL;
        pf_errbuf eb = {{0}};
        cr_assert_eq(pf_estimate_prepare(m, &p, pf_backend_scalar(), &ca, &eb), PF_E_OK, "%s: %s", files[f],
                     eb.msg);
        pf_estimate a[ND];
        for (int k = 0; k < ND; k++) {
            cr_assert_eq(pf_estimate_eval(ca, density[k], 0, &a[k], &eb), PF_E_OK);
            cr_assert_gt(a[k].weight_g, 0);
        }
        cr_assert_geq(a[ND - 1].weight_g, a[0].weight_g, "%s: 100 %% infill weighs at least 0 %%", files[f]);
        for (int b = 0; b < 2; b++) {
            pf_estimate_cache *cb = NULL;
            cr_assert_eq(pf_estimate_prepare(m, &p, backend(names[b]), &cb, &eb), PF_E_OK, "%s %s: %s",
                         names[b], files[f], eb.msg);
            for (int k = 0; k < ND; k++) {
                pf_estimate o;
                cr_assert_eq(pf_estimate_eval(cb, density[k], 0, &o, &eb), PF_E_OK);
                cr_assert_leq(rel(a[k].weight_g, o.weight_g), 0.005, "%s %s %g: weight %g vs %g g", names[b],
                              files[f], density[k], a[k].weight_g, o.weight_g);
                cr_assert_leq(rel(a[k].print_time_s, o.print_time_s), 0.005, "%s %s %g: time %g vs %g s",
                              names[b], files[f], density[k], a[k].print_time_s, o.print_time_s);
            }
            pf_estimate_cache_free(cb);
        }
        pf_estimate_cache_free(ca);
        pf_mesh_free(m);
    }
}

/* The estimator fuzz target's saved inputs (tests/data/fuzz-estimate: its seeds and findings: an open box, a
 * part floating above the bed, overlapping shells, a lone triangle, ...) on the OpenCL backend, which the
 * fuzz target cannot run: the same answer as scalar (weight and time within 0.5 %, the same layers), or the
 * same refusal. */
Test(backends, odd_geometry_of_the_estimator_fuzz_inputs_matches_scalar_on_opencl)
{
    DIR *d = opendir(PF_TEST_DATA "/fuzz-estimate");
    cr_assert_not_null(d);
    struct dirent *e;
    int compared = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/fuzz-estimate/%s", PF_TEST_DATA, e->d_name);
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f, "%s", path);
        uint8_t buf[4096];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        pf_profile p;
        pf_mesh *m = pf_fuzz_estimate_input(buf, n, &p);
        if (!m) continue;
        pf_estimate est[2];
        pf_err err[2];
        const pf_backend *be[2] = {pf_backend_scalar(), backend("opencl")};
        for (int b = 0; b < 2; b++) {
            pf_errbuf eb = {{0}};
            pf_estimate_cache *c = NULL;
            err[b] = pf_estimate_prepare(m, &p, be[b], &c, &eb);
            if (!err[b])
                cr_assert_eq(pf_estimate_eval(c, p.infill_density, p.supports, &est[b], &eb), PF_E_OK);
            pf_estimate_cache_free(c);
        }
        cr_assert_eq(err[1], err[0], "%s: opencl %s, scalar %s", e->d_name, pf_err_name(err[1]),
                     pf_err_name(err[0]));
        if (!err[0]) {
            cr_assert_eq(est[1].layers, est[0].layers, "%s", e->d_name);
            cr_assert_leq(rel(est[0].weight_g, est[1].weight_g), 0.005, "%s: weight %g vs %g g", e->d_name,
                          est[1].weight_g, est[0].weight_g);
            cr_assert_leq(rel(est[0].print_time_s, est[1].print_time_s), 0.005, "%s: time %g vs %g s",
                          e->d_name, est[1].print_time_s, est[0].print_time_s);
            compared++;
        }
        pf_mesh_free(m);
    }
    closedir(d);
    cr_assert_geq(compared, 11, "%d inputs estimated on both", compared);
}

/* A cache for 0 % infill (whose margins stay off the voids: the driver trims the margin fields each backend
 * made, on the per-layer and the batch paths) matches the scalar one on every backend. */
Test(backends, zero_infill_estimates_match_scalar)
{
    const char *names[] = {"simd", "opencl"}, *files[] = {"sphere.stl", "bracket.stl", "torus.stl"};
    pf_profile p = pf_profile_default();
    p.infill_density = 0;
    for (int f = 0; f < 3; f++) {
        pf_mesh *m = load(files[f]);
        pf_errbuf eb = {{0}};
        pf_estimate a, o;
        cr_assert_eq(pf_estimate_run(m, &p, pf_backend_scalar(), &a, &eb), PF_E_OK, "%s", eb.msg);
        for (int b = 0; b < 2; b++) {
            cr_assert_eq(pf_estimate_run(m, &p, backend(names[b]), &o, &eb), PF_E_OK, "%s", eb.msg);
            cr_assert_leq(rel(a.weight_g, o.weight_g), 0.005, "%s %s: weight %g vs %g g", names[b], files[f],
                          a.weight_g, o.weight_g);
            cr_assert_leq(rel(a.print_time_s, o.print_time_s), 0.005, "%s %s: time %g vs %g s", names[b],
                          files[f], a.print_time_s, o.print_time_s);
        }
        pf_mesh_free(m);
    }
}

/* The layer-parallel driver (engine/estimate.c) against one thread: every layer's sums and every estimate bit
 * for bit, on every test mesh, with 2 and 3 threads (batches of layers end at different layers, and the
 * slice-reuse shortcuts must take the same decisions whatever thread ran the previous layer). */
/* Field by field (memcmp would compare padding): every figure identical. */
static int same_estimate(const pf_estimate *a, const pf_estimate *b)
{
    int same = a->infill_density == b->infill_density && a->supports == b->supports &&
               a->volume_total_mm3 == b->volume_total_mm3 && a->filament_m == b->filament_m &&
               a->weight_g == b->weight_g && a->print_time_s == b->print_time_s &&
               a->job_time_s == b->job_time_s && a->layers == b->layers &&
               a->max_layer_area_mm2 == b->max_layer_area_mm2 &&
               a->overhang_area_mm2 == b->overhang_area_mm2 && a->overhang_wall_mm == b->overhang_wall_mm &&
               a->support_volume_mm3 == b->support_volume_mm3 && a->slowed_layers == b->slowed_layers;
    for (int k = 0; k < PF_FEAT_N; k++)
        same = same && a->volume_mm3[k] == b->volume_mm3[k];
    for (int k = 0; k < PF_TIME_N; k++)
        same = same && a->time_s[k] == b->time_s[k];
    return same;
}

/* Two caches of one mesh hold the same layers bit for bit and, when estimates is set, give the same estimate
 * at 0, 25, …, 100 % infill with and without supports; what names the pair in messages. */
static void check_same_caches(const pf_estimate_cache *a, const pf_estimate_cache *b, int estimates,
                              const char *what)
{
    size_t nl = pf_estimate_cache_layers(a);
    cr_assert_eq(pf_estimate_cache_layers(b), nl, "%s: layer counts", what);
    for (size_t l = 0; l < nl; l++)
        cr_assert_eq(
            memcmp(pf_estimate_cache_layer(a, l), pf_estimate_cache_layer(b, l), sizeof(pf_layer_cells)), 0,
            "%s: layer %zu differs", what, l);
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_estimate_cache_supports(a), pf_estimate_cache_supports(b), "%s: supports", what);
    for (int supports = 0; supports < 1 + pf_estimate_cache_supports(a) && estimates; supports++)
        for (int k = 0; k <= 4; k++) {
            pf_estimate ea, eb2;
            cr_assert_eq(pf_estimate_eval(a, k / 4.0, supports, &ea, &eb), PF_E_OK);
            cr_assert_eq(pf_estimate_eval(b, k / 4.0, supports, &eb2, &eb), PF_E_OK);
            cr_assert(same_estimate(&ea, &eb2), "%s: estimate at %d %% differs", what, k * 25);
        }
}

static void check_threads_with(const pf_backend *be, const char *file, const pf_profile *pp)
{
    pf_mesh *m = load(file);
    pf_profile p = *pp;
    pf_errbuf eb = {{0}};
    pf_estimate_cache *one = NULL;
    cr_assert_eq(pf_estimate_prepare_threads(m, &p, be, 1, &one, &eb), PF_E_OK, "%s: %s", file, eb.msg);
    for (int threads = 2; threads <= 3; threads++) {
        pf_estimate_cache *par = NULL;
        cr_assert_eq(pf_estimate_prepare_threads(m, &p, be, threads, &par, &eb), PF_E_OK, "%s: %s", file,
                     eb.msg);
        char what[128];
        snprintf(what, sizeof what, "%s %s, %d threads, %d top / %d bottom layers", be->name, file, threads,
                 p.top_layers, p.bottom_layers);
        check_same_caches(one, par, 1, what);
        pf_estimate_cache_free(par);
    }
    pf_estimate_cache_free(one);
    pf_mesh_free(m);
}

static void check_threads(const pf_backend *be, const char *file)
{
    pf_profile p = pf_profile_default();
    check_threads_with(be, file, &p);
}

/* The shortcuts for layers that repeat the one below (raster fingerprints, a distance field shared with the
 * layer below, classes and sums copied from layer l − 2) against every layer through every stage: the same
 * per-layer sums bit for bit, and the same estimates where the backend emits a layer's segments in a fixed
 * order (OpenCL's order varies between runs, which moves the contour timing's float sums in the last bits).
 * On the test meshes, and on two held-out ones whose copies are checked against their own segments
 * (engine/estimate.c middles_agree): the planter's tapered walls, where 4 of 5 checks fail (the simd and the
 * OpenCL backend, whose batches check their copies after their classify call), and a mug's 215 copies under
 * its handle, where each holds. */
static void check_reuse_with(const pf_backend *be, const char *file, int estimates, const pf_profile *pp)
{
    pf_mesh *m = load(file);
    pf_profile p = *pp;
    pf_errbuf eb = {{0}};
    pf_estimate_cache *fast = NULL, *full = NULL;
    cr_assert_eq(pf_estimate_prepare_opts(m, &p, be, 2, 0, &fast, &eb), PF_E_OK, "%s: %s", file, eb.msg);
    cr_assert_eq(pf_estimate_prepare_opts(m, &p, be, 2, PF_EST_NO_REUSE, &full, &eb), PF_E_OK, "%s: %s", file,
                 eb.msg);
    char what[128];
    snprintf(what, sizeof what, "%s %s with the shortcuts, %d top / %d bottom layers", be->name, file,
             p.top_layers, p.bottom_layers);
    check_same_caches(fast, full, estimates, what);
    pf_estimate_cache_free(fast);
    pf_estimate_cache_free(full);
    pf_mesh_free(m);
}

static void check_reuse(const pf_backend *be, const char *file, int estimates)
{
    pf_profile p = pf_profile_default();
    check_reuse_with(be, file, estimates, &p);
}

Test(backends, layer_shortcuts_equal_every_layer_through_every_stage)
{
    const char *files[64];
    int nf = test_meshes(files);
    for (int f = 0; f < nf; f++)
        check_reuse(backend("simd"), files[f], 1);
    check_reuse(pf_backend_scalar(), "box_lid.stl", 1);
    check_reuse(pf_backend_scalar(), "overhang.stl", 1);
    check_reuse(backend("simd"), "extra/planter.stl", 1);
    check_reuse(backend("simd"), "extra/mug.stl", 1);
    check_reuse(backend("opencl"), "extra/planter.stl", 0);
    check_reuse(backend("opencl"), "box_lid.stl", 0);
    check_reuse(backend("opencl"), "vase.stl", 0);
    /* batch stages guess copies before their layers below are classified (engine/estimate.c drive_layers):
     * bracket and overhang each have a guess that fails, whose layers go through the batch's loop again */
    check_reuse(backend("opencl"), "bracket.stl", 0);
    check_reuse(backend("opencl"), "overhang.stl", 0);
}

/* More top and bottom solid layers than classify's 3 widen every window of the driver (engine/estimate.c
 * wide_shells: the fields and margins of the layers up to the counts away, the rings that keep them, the
 * windows whose repeats are copies, a lane's first layers): the shortcuts and the layer-parallel lanes stay
 * exact, and the backends agree. 5 top and 4 bottom (PrusaSlicer's 0.20 mm QUALITY), 7 and 4 at 0.1 mm (its
 * minimum shell thicknesses). */
Test(backends, wider_solid_layer_windows_keep_shortcuts_and_threads_exact)
{
    pf_profile p[2] = {pf_profile_default(), pf_profile_default()};
    p[0].top_layers = 5, p[0].bottom_layers = 4;
    p[1].top_layers = 7, p[1].bottom_layers = 4, p[1].layer_height = 0.1;
    const char *files[] = {"box_lid.stl", "overhang.stl", "bracket.stl", "extra/cone45w30.stl"};
    for (int k = 0; k < 2; k++)
        for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
            check_reuse_with(backend("simd"), files[f], 1, &p[k]);
            check_reuse_with(backend("opencl"), files[f], 0, &p[k]);
            check_threads_with(backend("simd"), files[f], &p[k]);
            pf_mesh *m = load(files[f]);
            pf_estimate e[3];
            const pf_backend *be[3] = {pf_backend_scalar(), backend("simd"), backend("opencl")};
            for (int b = 0; b < 3; b++)
                cr_assert_eq(pf_estimate_run(m, &p[k], be[b], &e[b], NULL), PF_E_OK, "%s", files[f]);
            for (int b = 1; b < 3; b++) {
                cr_expect_leq(fabs(e[b].weight_g / e[0].weight_g - 1), 0.005, "%s %s: %.3f g, scalar %.3f",
                              be[b]->name, files[f], e[b].weight_g, e[0].weight_g);
                cr_expect_leq(fabs(e[b].print_time_s / e[0].print_time_s - 1), 0.005,
                              "%s %s: %.1f s, scalar %.1f", be[b]->name, files[f], e[b].print_time_s,
                              e[0].print_time_s);
            }
            pf_mesh_free(m);
        }
}

/* The batch stages' copy guesses (engine/estimate.c drive_layers) against the per-layer loop on one thread,
 * which knows before it decides: the same layers copied, so every layer's sums equal the scalar backend's up
 * to the order of their float additions. On the held-out planter a wrong guess taken as right made the sums
 * of layers 199–201 differ by up to 0.7 mm². */
Test(backends, opencl_batch_copies_are_the_per_layer_loops)
{
    pf_mesh *m = load("extra/planter.stl");
    pf_profile p = pf_profile_default();
    pf_errbuf eb = {{0}};
    pf_estimate_cache *a = NULL, *b = NULL;
    cr_assert_eq(pf_estimate_prepare_threads(m, &p, pf_backend_scalar(), 1, &a, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(pf_estimate_prepare_threads(m, &p, backend("opencl"), 2, &b, &eb), PF_E_OK, "%s", eb.msg);
    size_t nl = pf_estimate_cache_layers(a);
    cr_assert_eq(pf_estimate_cache_layers(b), nl);
    enum { NF = sizeof(pf_layer_cells) / sizeof(float) };
    for (size_t l = 0; l < nl; l++) {
        float x[NF], y[NF];
        memcpy(x, pf_estimate_cache_layer(a, l), sizeof x);
        memcpy(y, pf_estimate_cache_layer(b, l), sizeof y);
        for (int k = 0; k < NF; k++)
            cr_assert_leq(fabsf(x[k] - y[k]), 1e-4f + 1e-4f * fmaxf(fabsf(x[k]), fabsf(y[k])),
                          "layer %zu, float %d of its sums: %g against %g", l, k, x[k], y[k]);
    }
    pf_estimate_cache_free(a);
    pf_estimate_cache_free(b);
    pf_mesh_free(m);
}

Test(backends, layer_parallel_prepare_equals_one_thread_on_every_test_mesh)
{
    const char *files[64];
    int nf = test_meshes(files);
    for (int f = 0; f < nf; f++)
        check_threads(backend("simd"), files[f]);
    /* the oracle too, on the prismatic meshes whose layers take the shortcuts */
    check_threads(pf_backend_scalar(), "overhang.stl");
    check_threads(pf_backend_scalar(), "box_lid.stl");
    /* lanes cut by the layers' weights (engine/estimate.c lanes_cut): a cookie cutter whose flange's layers
     * carry the weight, 50 of its 60 layers copies, and a shed whose second pass redoes a few layers near its
     * ridge */
    check_threads(backend("simd"), "extra/cutter.stl");
    check_threads(backend("simd"), "extra/shed15.stl");
}

/* ---- SIMD ---- */

Test(backends, simd_slices_equal_scalar)
{
    const pf_backend *copies[SIMD_COPIES];
    for (int k = simd_copies(copies); k-- > 0;) {
        check_slices(copies[k], "bumpy_10k.stl");
        check_slices(copies[k], "gear.stl");
    }
}

Test(backends, simd_layer_stages_equal_scalar)
{
    const pf_backend *copies[SIMD_COPIES];
    for (int k = simd_copies(copies); k-- > 0;) {
        check_layers(copies[k], "torus.stl", 0.25f, CAP_ESTIMATOR);
        check_layers(copies[k], "overhang.stl", 0.3f, CAP_ESTIMATOR);
        check_layers(copies[k], "gear.stl", 0.2f, CAP_ESTIMATOR);
        check_layers(copies[k], "overhang.stl", 0.3f, CAP_NONE);
        check_layers(copies[k], "gear.stl", 0.2f, CAP_WIDE);
        check_layers(copies[k], "thinwall.stl", 0.25f, CAP_ESTIMATOR); /* walls too thin for inner beads */
    }
}

Test(backends, simd_backend_runs_the_widest_copy)
{
    const pf_backend *copies[SIMD_COPIES], *be = backend("simd");
    int n = simd_copies(copies);
    cr_assert_eq(be->classify, copies[n - 1]->classify, "the backend does not run the widest copy");
    cr_assert_str_eq(be->device, n == 3 ? "cpu (avx512)" : n == 2 ? "cpu (avx2)" : "cpu (baseline simd)");
}

/* Deterministic pseudo-random numbers for the synthetic stacks below. */
static uint32_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

/* Synthetic stacks whose fields are at the estimator's cap almost everywhere, with a few holes in single
 * layers (so blocks at the cap in some window layers but not in others), layers sharing a field (equal
 * masks), missing layers at both ends, seed margins and a layer below with sparse cells: the SIMD stages
 * against the scalar ones cell by cell (classes) and sum by sum (reduce, tighter than check_layers, since a
 * wrongly shortcut block of 8 cells would move a sum by about 1e-3 here). */
static void check_deep(const pf_backend *be, uint32_t nx, uint32_t ny, float cell, uint64_t seed)
{
    const pf_backend *sc = pf_backend_scalar();
    enum { NL = 11 };
    pf_grid g = {.x0 = 0, .y0 = 0, .cell = cell, .nx = nx, .ny = ny};
    size_t n = (size_t)nx * ny;
    pf_classify_params p = params();
    uint32_t cap = pf_edt_cap_main(&p, cell), capm = pf_edt_cap_margin(&p, cell);
    uint8_t *mask = malloc(NL * n), *st = malloc(n), *sb = malloc(n), *cls = malloc(NL * n),
            *cls2 = malloc(n), *below = malloc(n);
    float *field = malloc(NL * n * sizeof *field), *mt = malloc(n * sizeof *mt), *mb = malloc(n * sizeof *mb);
    const float *fl[NL]; /* layer l's field: its own, or the one below's when the masks are equal */
    for (size_t l = 0; l < NL; l++) {
        uint8_t *m = mask + l * n;
        for (uint32_t y = 0; y < ny; y++)
            for (uint32_t x = 0; x < nx; x++)
                m[y * nx + x] = x >= 2 && y >= 2 && x + 2 < nx && y + 2 < ny;
        int same = l == 5 || l == 6; /* layers 4, 5, 6 share layer 4's mask and field */
        if (same) memcpy(m, m - n, n);
        for (int h = 0; !same && h < 3 + (int)(l % 3); h++) /* a few holes of 1 to 3 cells */
            for (uint32_t k = 0, x = 3 + lcg(&seed) % (nx - 6), y = 3 + lcg(&seed) % (ny - 6);
                 k <= (uint32_t)h % 3; k++)
                m[(y + k / 2) * nx + x + k % 2] = 0;
        cr_assert_eq(sc->edt(NULL, m, &g, cap, field + l * n), PF_E_OK);
        fl[l] = same ? fl[l - 1] : field + l * n;
    }
    float capd = sqrtf((float)cap * (float)cap) * cell - 0.5f * cell;
    size_t deep = 0, mixed = 0, compared = 0;
    for (size_t l = 0; l < NL; l++) {
        const float *win[7];
        for (int k = 0; k < 7; k++) {
            long j = (long)l - 3 + k;
            win[k] = j >= 0 && j < NL ? fl[j] : NULL;
        }
        for (size_t i = 0; i < n; i++) {
            int all = win[3][i] == capd, any = 0;
            for (int k = 0; k < 7; k++)
                if (win[k]) all &= win[k][i] == capd, any |= k != 3 && win[k][i] != capd;
            deep += all;
            mixed += win[3][i] == capd && any;
        }
        int ht, hb;
        cr_assert_eq(sc->margin_seeds(NULL, &g, &p, l, NL, win, st, sb, &ht, &hb), PF_E_OK);
        if (ht) cr_assert_eq(sc->edt(NULL, st, &g, capm, mt), PF_E_OK);
        if (hb) cr_assert_eq(sc->edt(NULL, sb, &g, capm, mb), PF_E_OK);
        for (size_t i = 0; i < n; i++) /* classes below: some sparse cells under the deep region */
            below[i] = (uint8_t)(lcg(&seed) % 4 ? PF_CELL_INSIDE | PF_FILL_SOLID << PF_CELL_FILL_SHIFT
                                                : PF_CELL_INSIDE | PF_FILL_SPARSE << PF_CELL_FILL_SHIFT);
        for (int v = 0; v < 4; v++) { /* with / without the layer below, with / without the seed margins */
            const uint8_t *bl = v & 1 && l ? below : NULL;
            const float *t = v & 2 || !ht ? NULL : mt, *b = v & 2 || !hb ? NULL : mb;
            cr_assert_eq(sc->classify(NULL, &g, &p, l, NL, win, t, b, bl, cls + l * n), PF_E_OK);
            cr_assert_eq(be->classify(be->ctx, &g, &p, l, NL, win, t, b, bl, cls2), PF_E_OK);
            for (size_t i = 0; i < n; i++)
                cr_assert_eq(cls[l * n + i], cls2[i],
                             "seed %llu layer %zu variant %d cell %zu: class %d vs %d",
                             (unsigned long long)seed, l, v, i, cls[l * n + i], cls2[i]);
            for (int parity = 0; parity < 2; parity++) {
                pf_layer_cells a, c;
                cr_assert_eq(sc->reduce(NULL, &g, &p, l, win[3], cls + l * n, parity, &a), PF_E_OK);
                cr_assert_eq(be->reduce(be->ctx, &g, &p, l, win[3], cls + l * n, parity, &c), PF_E_OK);
                const float *fa = (const float *)&a, *fc = (const float *)&c;
                for (size_t k = 0; k < sizeof a / sizeof(float); k++)
                    cr_assert_leq(rel(fa[k], fc[k]), 1e-5, "layer %zu variant %d parity %d: sum %zu %g vs %g",
                                  l, v, parity, k, fa[k], fc[k]);
            }
            compared++;
        }
    }
    /* the shortcuts must have had work: cells at the cap in the whole window, and cells at the cap in their
     * own layer but not in some other layer of the window */
    cr_assert_gt(deep, n, "too few deep cells (%zu)", deep);
    cr_assert_gt(mixed, 100, "too few cells at the cap in some window layers only (%zu)", mixed);
    cr_assert_eq(compared, 4 * NL);
    free(mask);
    free(st);
    free(sb);
    free(cls);
    free(cls2);
    free(below);
    free(field);
    free(mt);
    free(mb);
}

/* Rasters of random, unclosed segments (rows whose windings do not sum to 0, so the cells right of their
 * last crossing are inside) and of none, on grids of several widths, with few crossings per row (the SIMD
 * backend sorts each row's) and many (it sums a delta grid): SIMD masks equal the scalar ones. */
Test(backends, simd_raster_of_open_contours_equals_scalar)
{
    const pf_backend *sc = pf_backend_scalar(), *copies[SIMD_COPIES];
    int ncopies = simd_copies(copies);
    uint64_t seed = 7;
    static const uint32_t widths[] = {5, 31, 40, 77, 130};
    float *segs = malloc(PF_SEG_FLOATS * 600 * sizeof *segs);
    for (int t = 0; t < 50; t++) {
        pf_grid g = {.x0 = -1.0f, .y0 = 2.0f, .cell = 0.25f, .nx = widths[t % 5], .ny = 3 + (uint32_t)t};
        size_t n = (size_t)g.nx * g.ny, ns = t < 40 ? (size_t)(t % 7) * 3 : 600;
        for (size_t i = 0; i < PF_SEG_FLOATS * ns; i += 2) {
            /* the many-segment grids keep their right half free of crossings */
            segs[i] = t < 40 ? g.x0 - 1.0f + (float)(lcg(&seed) % 1000) * 0.001f * (g.nx * g.cell + 2.0f)
                             : g.x0 + (float)(lcg(&seed) % 1000) * 0.0005f * g.nx * g.cell;
            segs[i + 1] = g.y0 - 1.0f + (float)(lcg(&seed) % 1000) * 0.001f * (g.ny * g.cell + 2.0f);
        }
        uint8_t *a = malloc(n), *b = malloc(n);
        cr_assert_eq(sc->raster(NULL, segs, ns, &g, a), PF_E_OK);
        for (int k = 0; k < ncopies; k++) {
            cr_assert_eq(copies[k]->raster(NULL, segs, ns, &g, b), PF_E_OK);
            for (size_t i = 0; i < n; i++)
                cr_assert_eq(a[i], b[i], "copy %d grid %d (%u x %u, %zu segments) cell %zu: %d vs %d", k, t,
                             g.nx, g.ny, ns, i, a[i], b[i]);
        }
        free(a);
        free(b);
    }
    free(segs);
}

/* The OpenCL batch raster against the scalar raster on random, unclosed segments (rows whose windings do not
 * sum to 0): layers with few crossings a row (the kernel sorts each row's and writes spans) and with many (it
 * sums a delta grid) in one call, on grids of several widths, twice over the same buffers (each path leaves
 * its scratch zero for the next call). */
Test(backends, opencl_batch_raster_of_open_contours_equals_scalar)
{
    const pf_backend *sc = pf_backend_scalar();
    pf_backend *be = backend("opencl");
    cr_assert_not_null(be->batch_open, "PoCL's CPU device shares host memory: the batch stages are offered");
    enum { NL = 8, MANY = 600 };
    uint64_t seed = 11;
    static const uint32_t widths[] = {5, 31, 40, 77, 130};
    float *segs = malloc(PF_SEG_FLOATS * NL * MANY * sizeof *segs);
    uint32_t offs[NL + 1], counts[NL], layers[NL];
    for (int t = 0; t < 10; t++) {
        pf_grid g = {.x0 = -1.0f, .y0 = 2.0f, .cell = 0.25f, .nx = widths[t % 5], .ny = 3 + 7 * (uint32_t)t};
        size_t n = (size_t)g.nx * g.ny, stride = (n + 63) / 64 * 64, len = NL * stride;
        uint8_t *mem = aligned_alloc(4096, (len + 4095) / 4096 * 4096), *want = malloc(n), *masks[NL];
        offs[0] = 0;
        for (int l = 0; l < NL; l++) {
            counts[l] = l % 4 == 3 ? MANY : (uint32_t)(l * 5 % 11); /* 0 … 10 segments, or many */
            offs[l + 1] = offs[l] + counts[l];
            layers[l] = (uint32_t)l;
            masks[l] = mem + (size_t)l * stride;
        }
        for (size_t i = 0; i < PF_SEG_FLOATS * (size_t)offs[NL]; i += 2) {
            segs[i] = g.x0 - 1.0f + (float)(lcg(&seed) % 1000) * 0.001f * (g.nx * g.cell + 2.0f);
            segs[i + 1] = g.y0 - 1.0f + (float)(lcg(&seed) % 1000) * 0.001f * (g.ny * g.cell + 2.0f);
        }
        void *bt = NULL;
        cr_assert_eq(be->batch_open(be->ctx, mem, len, &bt), PF_E_OK);
        for (int pass = 0; pass < 2; pass++) {
            /* a raster of no layers gives the memory back (batch_open and a raster may leave it to the
             * device) */
            cr_assert_eq(be->raster_batch(be->ctx, bt, &g, segs, offs, counts, 0, layers, masks), PF_E_OK);
            memset(mem, 0xAB, len);
            cr_assert_eq(be->raster_batch(be->ctx, bt, &g, segs, offs, counts, NL, layers, masks), PF_E_OK);
            cr_assert_eq(be->raster_batch(be->ctx, bt, &g, segs, offs, counts, 0, layers, masks), PF_E_OK);
            for (int l = 0; l < NL; l++) {
                cr_assert_eq(sc->raster(NULL, segs + PF_SEG_FLOATS * (size_t)offs[l], counts[l], &g, want),
                             PF_E_OK);
                for (size_t i = 0; i < n; i++)
                    cr_assert_eq(masks[l][i], want[i],
                                 "grid %d (%u x %u) layer %d (%u segments) pass %d cell %zu", t, g.nx, g.ny,
                                 l, counts[l], pass, i);
            }
        }
        be->batch_close(be->ctx, bt);
        free(mem);
        free(want);
    }
    free(segs);
}

/* The OpenCL batch distance fields against the scalar edt, cell by cell, on masks of a few small islands
 * (rectangles at random, some at the grid's edges), with empty and full layers among them: the capped pass
 * sweeps only the box of the inside cells each of its items reaches (kernels/estimate.cl edt_fused_b), so
 * islands that items reach in part, miss, or reach only in the rows beyond their own are the cases. Caps of
 * the fused pass (small and at its limit), of the byte pass (FUSED_U8_CAP and up) and one over the window's
 * (the exact pass); grids of several widths, tall enough for several items a field. */
Test(backends, opencl_batch_fields_of_scattered_islands_equal_scalar)
{
    const pf_backend *sc = pf_backend_scalar();
    pf_backend *be = backend("opencl");
    cr_assert_not_null(be->batch_open, "PoCL's CPU device shares host memory: the batch stages are offered");
    enum { NL = 8 };
    uint64_t seed = 5;
    static const uint32_t widths[] = {7, 33, 64, 90, 150}, caps[] = {3, 7, 11, 12, 20, 30};
    for (int t = 0; t < 10; t++) {
        pf_grid g = {.x0 = 0, .y0 = 0, .cell = 0.2f, .nx = widths[t % 5], .ny = 60 + 37 * (uint32_t)t};
        size_t n = (size_t)g.nx * g.ny, ms = (n + 63) / 64 * 64, fs = (n * sizeof(float) + 63) / 64 * 64;
        size_t len = NL * (ms + fs);
        uint8_t *mem = aligned_alloc(4096, (len + 4095) / 4096 * 4096), *masks[NL];
        float *fields[NL], *want = malloc(n * sizeof *want);
        for (int l = 0; l < NL; l++) {
            masks[l] = mem + (size_t)l * ms;
            fields[l] = (float *)(mem + NL * ms + (size_t)l * fs);
        }
        for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
            void *bt = NULL;
            cr_assert_eq(be->batch_open(be->ctx, mem, len, &bt), PF_E_OK);
            /* (batch_open may leave the memory to the device: a raster of no layers gives it back) */
            cr_assert_eq(be->raster_batch(be->ctx, bt, &g, NULL, NULL, NULL, 0, NULL, NULL), PF_E_OK);
            for (int l = 0; l < NL; l++) {
                memset(masks[l], l == 1, n); /* layer 0 empty, layer 1 full */
                for (int k = l > 1 ? 1 + (int)(lcg(&seed) % 4) : 0; k > 0; k--) {
                    uint32_t w = 1 + lcg(&seed) % (g.nx / 3 + 1), h = 1 + lcg(&seed) % 12;
                    uint32_t x = lcg(&seed) % g.nx, y = lcg(&seed) % g.ny;
                    if (k == 1 && l % 3 == 2) x = 0, y = g.ny - 1 - h / 2; /* at the edges */
                    for (uint32_t r = y; r < y + h && r < g.ny; r++)
                        memset(masks[l] + (size_t)r * g.nx + x, 1, (x + w < g.nx ? w : g.nx - x));
                }
                memset(fields[l], 0xAB, n * sizeof(float));
            }
            cr_assert_eq(be->edt_batch(be->ctx, bt, &g, caps[c], NL, (const uint8_t *const *)masks, fields),
                         PF_E_OK);
            /* a raster of no layers gives the memory back once the fields are written */
            cr_assert_eq(be->raster_batch(be->ctx, bt, &g, NULL, NULL, NULL, 0, NULL, NULL), PF_E_OK);
            for (int l = 0; l < NL; l++) {
                cr_assert_eq(sc->edt(NULL, masks[l], &g, caps[c], want), PF_E_OK);
                for (size_t i = 0; i < n; i++)
                    cr_assert_eq(fields[l][i], want[i],
                                 "grid %d (%u x %u) cap %u layer %d cell %zu: %.9g, not %.9g", t, g.nx, g.ny,
                                 caps[c], l, i, (double)fields[l][i], (double)want[i]);
            }
            be->batch_close(be->ctx, bt);
        }
        free(mem);
        free(want);
    }
}

/* pf_ceil_long against ceilf: integers, halves, values a step from an integer either way, negatives and
 * zeros of both signs, and floats too large to hold a fraction. */
Test(backends, ceil_long_is_ceilf)
{
    static const float fixed[] = {0.0f,       -0.0f,       0.5f,         -0.5f,   1.0f,       -1.0f,
                                  2.5f,       -2.5f,       1e-30f,       -1e-30f, 8388607.5f, -8388607.5f,
                                  8388608.0f, 16777217.0f, -16777216.0f, 1e12f,   -1e12f};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        cr_assert_eq(pf_ceil_long(fixed[i]), (long)ceilf(fixed[i]), "%a", (double)fixed[i]);
    uint64_t seed = 3;
    for (int i = 0; i < 200000; i++) {
        float x = ((float)(lcg(&seed) % 2000001) - 1000000.0f) / (float)(1 + lcg(&seed) % 1000);
        float near[3] = {x, nextafterf(roundf(x), INFINITY), nextafterf(roundf(x), -INFINITY)};
        for (int k = 0; k < 3; k++)
            cr_assert_eq(pf_ceil_long(near[k]), (long)ceilf(near[k]), "%a", (double)near[k]);
    }
}

Test(backends, simd_deep_blocks_equal_scalar)
{
    const pf_backend *copies[SIMD_COPIES];
    for (int k = simd_copies(copies); k-- > 0;) {
        check_deep(copies[k], 96, 64, 0.2f, 1);
        check_deep(copies[k], 101, 59, 0.2f, 2); /* rows not a multiple of 8 or 32 cells */
        check_deep(copies[k], 150, 90, 0.1f, 3); /* a finer grid: a larger cap in cells */
    }
}

/* The estimator's margins take one field of two seed sets (the margin stage's and the sliver facets'), where
 * the batch stages' path takes the field of the slivers' seeds on a window round them and keeps the smaller
 * value: both need a backend's capped field of a union of seeds to be the smaller of the two sets' fields,
 * bit for bit, and a window that reaches the cap round its seeds to give the whole grid's values. Seeds
 * (0 in the mask) scattered, in a band and in lines, at the margin's cap, a wide one and none (exact). */
static void check_union(const pf_backend *be, uint32_t nx, uint32_t ny, float cell, uint64_t seed)
{
    pf_grid g = {.x0 = 0, .y0 = 0, .cell = cell, .nx = nx, .ny = ny};
    size_t n = (size_t)nx * ny;
    pf_classify_params p = params();
    uint8_t *a = malloc(n), *b = malloc(n), *u = malloc(n), *w = malloc(n);
    float *fa = malloc(n * sizeof *fa), *fb = malloc(n * sizeof *fb), *fu = malloc(n * sizeof *fu),
          *fw = malloc(n * sizeof *fw);
    cr_assert(a && b && u && w && fa && fb && fu && fw);
    uint32_t caps[3] = {pf_edt_cap_margin(&p, cell), 30, 0};
    for (int shape = 0; shape < 3; shape++) {
        memset(a, 1, n);
        memset(b, 1, n);
        for (size_t i = 0; i < n / 97; i++) /* a: scattered seeds */
            a[lcg(&seed) % n] = 0;
        for (uint32_t y = ny / 3; y < ny / 3 + 2 + (uint32_t)shape; y++) /* b: a band, a line, a diagonal */
            for (uint32_t x = nx / 5; x < nx - nx / 5; x++)
                b[(shape == 2 ? (y + x / 3) % ny : y) * nx + x] = 0;
        for (size_t i = 0; i < n; i++)
            u[i] = a[i] & b[i];
        for (int c = 0; c < 3; c++) {
            cr_assert_eq(be->edt(be->ctx, a, &g, caps[c], fa), PF_E_OK);
            cr_assert_eq(be->edt(be->ctx, b, &g, caps[c], fb), PF_E_OK);
            cr_assert_eq(be->edt(be->ctx, u, &g, caps[c], fu), PF_E_OK);
            for (size_t i = 0; i < n; i++)
                cr_assert_eq(fu[i], fa[i] < fb[i] ? fa[i] : fb[i],
                             "%s cap %u shape %d cell %zu: %.9g, not %.9g", be->name, caps[c], shape, i,
                             (double)fu[i], (double)(fa[i] < fb[i] ? fa[i] : fb[i]));
            if (!caps[c]) continue;
            /* b's field on the window of its seeds grown by the cap + 1 (margin_slivers' window) */
            uint32_t x0 = nx, x1 = 0, y0 = ny, y1 = 0, r = caps[c] + 1;
            for (size_t i = 0; i < n; i++)
                if (!b[i]) {
                    uint32_t x = (uint32_t)(i % nx), y = (uint32_t)(i / nx);
                    x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1, y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1;
                }
            x0 = x0 > r ? x0 - r : 0, y0 = y0 > r ? y0 - r : 0;
            x1 = x1 + r < nx ? x1 + r : nx - 1, y1 = y1 + r < ny ? y1 + r : ny - 1;
            pf_grid gw = {.x0 = 0, .y0 = 0, .cell = cell, .nx = x1 - x0 + 1, .ny = y1 - y0 + 1};
            for (uint32_t y = 0; y < gw.ny; y++)
                memcpy(w + y * gw.nx, b + (y + y0) * nx + x0, gw.nx);
            cr_assert_eq(be->edt(be->ctx, w, &gw, caps[c], fw), PF_E_OK);
            /* beyond the window: the cap, as margin_slivers fills it */
            float far = sqrtf((float)caps[c] * (float)caps[c]) * cell - 0.5f * cell;
            for (uint32_t y = 0; y < ny; y++)
                for (uint32_t x = 0; x < nx; x++) {
                    int in = x >= x0 && x <= x1 && y >= y0 && y <= y1;
                    float want = in ? fw[(y - y0) * gw.nx + x - x0] : far;
                    cr_assert_eq(fb[y * nx + x], want, "%s cap %u shape %d: cell %u %u %s the window",
                                 be->name, caps[c], shape, x, y, in ? "in" : "beyond");
                }
        }
    }
    free(a), free(b), free(u), free(w), free(fa), free(fb), free(fu), free(fw);
}

Test(backends, a_field_of_two_seed_sets_is_the_smaller_of_their_fields)
{
    const pf_backend *copies[SIMD_COPIES];
    check_union(pf_backend_scalar(), 90, 70, 0.2f, 1);
    for (int k = simd_copies(copies); k-- > 0;) {
        check_union(copies[k], 90, 70, 0.2f, 2);
        check_union(copies[k], 133, 61, 0.1f, 3); /* rows not a multiple of 8; a larger cap in cells */
    }
    check_union(backend("opencl"), 90, 70, 0.2f, 4);
}

/* Surfaces: a fill cell with nothing above is a top surface and one with nothing below a bottom one; one with
 * nothing either side (a ledge one layer thick, a twisted blade's strip inside its grown top and bottom) is a
 * bottom bridge, as PrusaSlicer prints it (a helical blade's strip: 33 mm of bridge infill a layer, nearly no
 * top infill). The same answer from every backend; `with`: which of the layers above (1) and below (2) hold
 * material over the whole grid. */
static void check_surfaces(const pf_backend *be, int with, unsigned want)
{
    enum { NX = 40, NY = 40, N = NX * NY };
    pf_grid g = {0, 0, 0.25f, NX, NY};
    pf_classify_params p = params();
    static float deep[N], bare[N];
    for (size_t i = 0; i < N; i++)
        deep[i] = 4.0f, bare[i] = -1.0f;
    const float *win[7] = {deep, deep, with & 2 ? deep : bare, deep, with & 1 ? deep : bare, deep, deep};
    uint8_t cls[N];
    cr_assert_eq(be->classify(be->ctx, &g, &p, 5, 11, win, NULL, NULL, NULL, cls), PF_E_OK);
    size_t hits = 0;
    for (size_t i = 0; i < N; i++)
        hits += (unsigned)((cls[i] & PF_CELL_FILL_MASK) >> PF_CELL_FILL_SHIFT) == want;
    cr_expect_eq(hits, (size_t)N, "%s, layers %s: %zu of %d cells of fill class %u", be->name,
                 with == 1   ? "above"
                 : with == 2 ? "below"
                             : "neither",
                 hits, N, want);
}

Test(backends, a_surface_bare_above_and_below_is_a_bridge)
{
    const pf_backend *all[2 + SIMD_COPIES] = {pf_backend_scalar(), backend("opencl")};
    int n = 2 + simd_copies(all + 2);
    for (int k = 0; k < n; k++) {
        check_surfaces(all[k], 2, PF_FILL_TOP);
        check_surfaces(all[k], 1, PF_FILL_BRIDGE);
        check_surfaces(all[k], 0, PF_FILL_BRIDGE);
    }
}

/* ---- OpenCL (PoCL's CPU device on CI) ---- */

Test(backends, opencl_names_its_device)
{
    pf_backend *be = backend("opencl");
    cr_assert_str_eq(be->name, "opencl");
    cr_assert_gt(strlen(be->device), 3);
}

/* Large meshes in two calls (count, then emit), small ones (a few thousand segments at most) sliced whole in
 * the count's call (engine/backend_opencl.c slice_fused): both equal the scalar backend's. */
Test(backends, opencl_slices_equal_scalar)
{
    check_slices(backend("opencl"), "bumpy_10k.stl");
    check_slices(backend("opencl"), "gear.stl");
    check_slices(backend("opencl"), "overhang.stl");
    check_slices(backend("opencl"), "cube20.stl");
}

/* Whether segs and keys hold the segments of a's layers (as multisets per layer, at a's offsets). */
static void check_same_segments(const sliced *a, const float *segs, const uint64_t *keys)
{
    seg_rec *ra = calloc(a->nseg + 1, sizeof *ra), *rb = calloc(a->nseg + 1, sizeof *rb);
    for (size_t i = 0; i < a->nseg; i++) {
        memcpy(ra[i].s, a->segs + PF_SEG_FLOATS * i, sizeof ra[i].s);
        memcpy(rb[i].s, segs + PF_SEG_FLOATS * i, sizeof rb[i].s);
        memcpy(ra[i].k, a->keys + 2 * i, sizeof ra[i].k);
        memcpy(rb[i].k, keys + 2 * i, sizeof rb[i].k);
    }
    for (size_t l = 0; l < a->nl; l++) {
        qsort(ra + a->offs[l], a->counts[l], sizeof *ra, cmp_rec);
        qsort(rb + a->offs[l], a->counts[l], sizeof *rb, cmp_rec);
        cr_assert_eq(memcmp(ra + a->offs[l], rb + a->offs[l], a->counts[l] * sizeof *ra), 0,
                     "layer %zu of %zu", l, a->nl);
    }
    free(ra);
    free(rb);
}

/* slice_emit reuses the chunk table of the slice_count just before it on the same inputs (the mesh still on
 * the device): after another mesh's count in between, or the same mesh counted at other heights, it must
 * slice its own inputs. */
Test(backends, opencl_emit_after_another_count_slices_its_own_mesh)
{
    pf_backend *be = backend("opencl");
    pf_mesh *m = load("torus.stl"), *o = load("gear.stl");
    sliced a, b;
    slice(pf_backend_scalar(), m, 0.5f, &a);
    slice(pf_backend_scalar(), o, 0.5f, &b);
    float *segs = malloc((a.nseg + 1) * PF_SEG_FLOATS * sizeof *segs);
    uint64_t *keys = malloc((a.nseg + 1) * 2 * sizeof *keys);
    uint32_t *counts = malloc((a.nl + b.nl) * sizeof *counts);
    float *zs = malloc(a.nl * sizeof *zs);
    for (int order = 0; order < 3; order++) {
        memset(segs, 0, (a.nseg + 1) * PF_SEG_FLOATS * sizeof *segs);
        if (order == 0) { /* torus, then gear, then the torus's emit */
            cr_assert_eq(be->slice_count(be->ctx, m->verts, m->tris, m->ntris, a.zs, a.nl, counts), PF_E_OK);
            cr_assert_eq(be->slice_count(be->ctx, o->verts, o->tris, o->ntris, b.zs, b.nl, counts), PF_E_OK);
        } else { /* the torus at heights half a layer up: in another array (1), or in a's (2, put back after)
                  */
            memcpy(zs, a.zs, a.nl * sizeof *zs);
            float *at = order == 1 ? zs : a.zs;
            for (size_t l = 0; l < a.nl; l++)
                at[l] += 0.1f;
            cr_assert_eq(be->slice_count(be->ctx, m->verts, m->tris, m->ntris, at, a.nl, counts), PF_E_OK);
            if (order == 2)
                for (size_t l = 0; l < a.nl; l++)
                    a.zs[l] = zs[l];
        }
        cr_assert_eq(
            be->slice_emit(be->ctx, m->verts, m->tris, m->ntris, a.zs, a.nl, a.offs, NULL, segs, keys),
            PF_E_OK, "order %d", order);
        check_same_segments(&a, segs, keys);
    }
    free(zs);
    free(counts);
    free(segs);
    free(keys);
    sliced_free(&a);
    sliced_free(&b);
    pf_mesh_free(m);
    pf_mesh_free(o);
}

/* The driver slices ranges of layers from several threads into one array (engine/estimate.c slice_on): a call
 * writes its own layers only. A fresh backend slices the lower half, then the upper half (whose larger device
 * buffer starts empty); both halves must equal the scalar backend's. */
Test(backends, opencl_slices_of_layer_ranges_leave_other_layers_alone)
{
    pf_backend *be = NULL;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_backend_get("opencl", &be, &eb), PF_E_OK, "%s", eb.msg);
    pf_mesh *m = load("torus.stl");
    sliced a;
    slice(pf_backend_scalar(), m, 0.5f, &a);
    size_t mid = a.nl / 2;
    float *segs = malloc((a.nseg + 1) * PF_SEG_FLOATS * sizeof *segs);
    uint64_t *keys = malloc((a.nseg + 1) * 2 * sizeof *keys);
    cr_assert_eq(be->slice_emit(be->ctx, m->verts, m->tris, m->ntris, a.zs, mid, a.offs, NULL, segs, keys),
                 PF_E_OK);
    cr_assert_eq(be->slice_emit(be->ctx, m->verts, m->tris, m->ntris, a.zs + mid, a.nl - mid, a.offs + mid,
                                NULL, segs, keys),
                 PF_E_OK);
    check_same_segments(&a, segs, keys);
    free(segs);
    free(keys);
    sliced_free(&a);
    pf_mesh_free(m);
    pf_backend_free(be);
}

/* The driver slices ranges of triangles from several threads into one array (engine/estimate.c slice_on),
 * each range counted on its own and given, in every layer, room after the ranges before it (slice_emit's
 * ends). Here three ranges of the torus, emitted last range first, with a slot between rooms that nobody may
 * write: put together they are the scalar backend's one-call slices, and the CPU backends' in the same order
 * (the driver's estimates rely on it). */
Test(backends, slices_of_triangle_ranges_fill_their_rooms_only)
{
    const pf_backend *bes[SIMD_COPIES + 2];
    int nb = simd_copies(bes);
    bes[nb++] = pf_backend_scalar();
    bes[nb++] = backend("opencl");
    pf_mesh *m = load("torus.stl");
    sliced a;
    slice(pf_backend_scalar(), m, 0.5f, &a);
    enum { NR = 3 };
    size_t nl = a.nl, cap = a.nseg + NR * nl;
    uint32_t *cnt = malloc(NR * nl * sizeof *cnt), *starts = malloc(NR * nl * sizeof *starts),
             *ends = malloc(NR * nl * sizeof *ends);
    float *segs = malloc(cap * PF_SEG_FLOATS * sizeof *segs), *cs = malloc((a.nseg + 1) * PF_SEG_FLOATS * 4);
    uint64_t *keys = malloc(cap * 2 * sizeof *keys), *ck = malloc((a.nseg + 1) * 2 * sizeof *ck);
    for (int b = 0; b < nb; b++) {
        const pf_backend *be = bes[b];
        const char *name = be->name;
        size_t bound[NR + 1];
        for (size_t r = 0; r <= NR; r++)
            bound[r] = m->ntris * r / NR;
        for (size_t r = 0; r < NR; r++)
            cr_assert_eq(be->slice_count(be->ctx, m->verts, m->tris + 3 * bound[r], bound[r + 1] - bound[r],
                                         a.zs, nl, cnt + r * nl),
                         PF_E_OK, "%s", name);
        for (size_t l = 0, at = 0; l < nl; l++) {
            uint32_t sum = 0;
            for (size_t r = 0; r < NR; r++) {
                starts[r * nl + l] = (uint32_t)at;
                ends[r * nl + l] = (uint32_t)(at + cnt[r * nl + l]);
                at += cnt[r * nl + l] + 1; /* the slot nobody may write */
                sum += cnt[r * nl + l];
            }
            cr_assert_eq(sum, a.counts[l], "%s layer %zu", name, l);
        }
        memset(segs, 0xab, cap * PF_SEG_FLOATS * sizeof *segs);
        memset(keys, 0xab, cap * 2 * sizeof *keys);
        for (size_t r = NR; r-- > 0;)
            cr_assert_eq(be->slice_emit(be->ctx, m->verts, m->tris + 3 * bound[r], bound[r + 1] - bound[r],
                                        a.zs, nl, starts + r * nl, ends + r * nl, segs, keys),
                         PF_E_OK, "%s range %zu", name, r);
        size_t k = 0;
        for (size_t l = 0; l < nl; l++)
            for (size_t r = 0; r < NR; r++) {
                size_t at = starts[r * nl + l], n = ends[r * nl + l] - at;
                memcpy(cs + k * PF_SEG_FLOATS, segs + at * PF_SEG_FLOATS, n * PF_SEG_FLOATS * sizeof *cs);
                memcpy(ck + 2 * k, keys + 2 * at, n * 2 * sizeof *ck);
                k += n;
                const unsigned char *gs = (const unsigned char *)(segs + (at + n) * PF_SEG_FLOATS),
                                    *gk = (const unsigned char *)(keys + 2 * (at + n));
                for (size_t i = 0; i < PF_SEG_FLOATS * sizeof *segs; i++)
                    cr_assert_eq(gs[i], 0xab, "%s layer %zu range %zu: wrote past its room", name, l, r);
                for (size_t i = 0; i < 2 * sizeof *keys; i++)
                    cr_assert_eq(gk[i], 0xab, "%s layer %zu range %zu: wrote past its room", name, l, r);
            }
        cr_assert_eq(k, a.nseg);
        check_same_segments(&a, cs, ck);
        if (!be->batch_open) {
            cr_assert_eq(memcmp(cs, a.segs, a.nseg * PF_SEG_FLOATS * sizeof *cs), 0, "%s", name);
            cr_assert_eq(memcmp(ck, a.keys, a.nseg * 2 * sizeof *ck), 0, "%s", name);
        }
    }
    free(cnt);
    free(starts);
    free(ends);
    free(segs);
    free(keys);
    free(cs);
    free(ck);
    sliced_free(&a);
    pf_mesh_free(m);
}

Test(backends, opencl_layer_stages_equal_scalar)
{
    check_layers(backend("opencl"), "torus.stl", 0.25f, CAP_ESTIMATOR);
    check_layers(backend("opencl"), "overhang.stl", 0.3f, CAP_ESTIMATOR);
    check_layers(backend("opencl"), "gear.stl", 0.2f, CAP_ESTIMATOR);
    check_layers(backend("opencl"), "overhang.stl", 0.3f, CAP_NONE);
    check_layers(backend("opencl"), "gear.stl", 0.2f, CAP_WIDE);
    check_layers(backend("opencl"), "thinwall.stl", 0.25f, CAP_ESTIMATOR);
}

/* The batch stages (one call per phase and batch of layers, the driver's memory used in place) against the
 * per-layer stages of the same backend: every layer's sums bit for bit on every test mesh (the prismatic ones
 * take the classify shortcuts, which the batch path decides between classify calls). */
Test(backends, opencl_batch_stages_equal_its_layer_stages_on_every_test_mesh)
{
    pf_backend *be = backend("opencl");
    cr_assert_not_null(be->batch_open, "PoCL's CPU device shares host memory: the batch stages are offered");
    pf_backend per_layer = *be;
    per_layer.batch_open = NULL;
    const char *files[64];
    int nf = test_meshes(files);
    pf_profile p = pf_profile_default();
    for (int f = 0; f < nf; f++) {
        pf_mesh *m = load(files[f]);
        pf_errbuf eb = {{0}};
        pf_estimate_cache *a = NULL, *b = NULL;
        cr_assert_eq(pf_estimate_prepare(m, &p, be, &a, &eb), PF_E_OK, "%s: %s", files[f], eb.msg);
        cr_assert_eq(pf_estimate_prepare(m, &p, &per_layer, &b, &eb), PF_E_OK, "%s: %s", files[f], eb.msg);
        size_t nl = pf_estimate_cache_layers(a);
        cr_assert_eq(pf_estimate_cache_layers(b), nl);
        for (size_t l = 0; l < nl; l++)
            cr_assert_eq(
                memcmp(pf_estimate_cache_layer(a, l), pf_estimate_cache_layer(b, l), sizeof(pf_layer_cells)),
                0, "%s: layer %zu differs between batch and per-layer stages", files[f], l);
        pf_estimate_cache_free(a);
        pf_estimate_cache_free(b);
        pf_mesh_free(m);
    }
}

Test(backends, selection_by_name)
{
    pf_backend *be = NULL;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_backend_get("quantum", &be, &eb), PF_E_INVAL);
    cr_assert_null(be);
    cr_assert_not_null(strstr(eb.msg, "quantum"));
    cr_assert_eq(pf_backend_get("scalar", &be, &eb), PF_E_OK);
    cr_assert_str_eq(be->name, "scalar");
    pf_backend_free(be);
    cr_assert_eq(pf_backend_get("auto", &be, &eb), PF_E_OK, "%s", eb.msg);
    /* no GPU on the CI machines: auto falls back to SIMD */
    cr_assert(!strcmp(be->name, "simd") || !strcmp(be->name, "opencl"));
    pf_backend_free(be);
    pf_backend_free(NULL);
}

/* The layer-parallelism hint: one layer at a time on scalar, one per online CPU on SIMD and on OpenCL with
 * batch stages. */
Test(backends, threads_hint_per_backend)
{
    pf_backend *be = NULL;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_backend_get("scalar", &be, &eb), PF_E_OK);
    cr_assert_eq(be->threads, 1);
    pf_backend_free(be);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    cr_assert_eq(backend("simd")->threads, (unsigned)(cpus > 0 ? cpus : 1));
    /* OpenCL with batch stages (PoCL shares host memory): the host work of an estimate on every CPU */
    const pf_backend *ocl = backend("opencl");
    cr_assert_eq(ocl->threads, ocl->batch_open ? (unsigned)(cpus > 0 ? cpus : 1) : 1u);
    cr_assert_eq(pf_backend_simd_create(3, &be), PF_E_OK);
    cr_assert_eq(be->threads, 3);
    pf_backend_free(be);
}
