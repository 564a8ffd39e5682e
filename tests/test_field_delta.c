/* Distance fields from a neighbour's (engine/field_delta.h) against the same backend's edt over the whole
 * grid: bit for bit, on every backend, for a ramp's moving edge, a hole, changes at the grid's border, random
 * changes, and caps inside and beyond the SIMD backend's windowed pass; and what it leaves to edt. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backends.h"
#include "engine/field_delta.h"

#define NX 600
#define NY 127
#define N ((size_t)NX * NY)

static uint32_t rnd_state = 12345u;

static uint32_t rnd(void)
{
    rnd_state = rnd_state * 1664525u + 1013904223u;
    return rnd_state >> 8;
}

/* Every backend whose edt the driver may call: scalar, each SIMD copy this CPU runs, OpenCL (PoCL in CI). */
static int backends(const pf_backend *out[5])
{
    int n = 0;
    out[n++] = pf_backend_scalar();
    static const char *const isas[] = {"base", "avx2", "avx512"};
    for (int k = 0; k < 3; k++)
        if ((out[n] = pf_backend_simd_copy(isas[k]))) n++;
    static pf_backend *cl;
    pf_errbuf eb = {{0}};
    if (!cl) cr_assert_eq(pf_backend_get("opencl", &cl, &eb), PF_E_OK, "opencl: %s", eb.msg);
    out[n++] = cl;
    return n;
}

static const pf_grid grid = {.x0 = -20.0f, .y0 = 5.0f, .cell = 0.25f, .nx = NX, .ny = NY};

static void rect_set(uint8_t *m, long x0, long x1, long y0, long y1, uint8_t v)
{
    for (long y = y0 < 0 ? 0 : y0; y <= y1 && y < NY; y++)
        for (long x = x0 < 0 ? 0 : x0; x <= x1 && x < NX; x++)
            m[y * NX + x] = v;
}

/* A base plate, a pillar with a hole, and a ramp whose slanted edge sits at column edge + row / 4 (a ramp's
 * slices move that edge a cell or two a layer). */
static void part(uint8_t *m, long edge, int hole)
{
    memset(m, 0, N);
    rect_set(m, 4, NX - 5, 4, 40, 1);
    rect_set(m, 20, 70, 50, 110, 1);
    if (hole) rect_set(m, 40, 47, 70, 76, 0);
    for (long y = 45; y < 120; y++)
        rect_set(m, 100, edge + (y - 45) / 4, y, y, 1);
}

/* pf_field_delta from mask a's field to mask b's, against edt of b: done as expected, and bit for bit. */
static void check(const pf_backend *be, const uint8_t *a, const uint8_t *b, uint32_t cap, size_t budget,
                  int want_done, const char *what)
{
    float *fa = malloc(N * sizeof *fa), *whole = malloc(N * sizeof *whole), *fb = malloc(N * sizeof *fb);
    cr_assert_eq(be->edt(be->ctx, a, &grid, cap, fa), PF_E_OK);
    cr_assert_eq(be->edt(be->ctx, b, &grid, cap, whole), PF_E_OK);
    memset(fb, 0xff, N * sizeof *fb); /* NaN: a cell left unwritten differs */
    int done = -1;
    cr_assert_eq(pf_field_delta(be, &grid, cap, a, fa, b, fb, budget, &done), PF_E_OK);
    cr_assert_eq(done, want_done, "%s (%s, cap %u): done %d", what, be->name, cap, done);
    if (done) {
        for (size_t i = 0; i < N; i++)
            cr_assert(!memcmp(&fb[i], &whole[i], sizeof *fb),
                      "%s (%s, cap %u): cell (%zu, %zu) %.9g, edt %.9g", what, be->name, cap, i % NX, i / NX,
                      fb[i], whole[i]);
    } else {
        for (size_t i = 0; i < N; i++)
            cr_assert(isnan(fb[i]), "%s (%s): a field left to edt was written", what, be->name);
    }
    /* with the masks' spans, into a buffer that holds another layer's field (0 beyond that mask's spans): the
     * same, done or not */
    uint8_t *o = malloc(N);
    part(o, 130, 0);
    rect_set(o, 4, 300, 42, 47, 1); /* in rows that a and b leave empty */
    int32_t *sp = malloc(6 * NY * sizeof *sp);
    long box[4] = {0, NX, 0, NY};
    pf_mask_spans(a, NX, NY, box, sp);
    pf_mask_spans(b, NX, NY, box, sp + 2 * NY);
    pf_mask_spans(o, NX, NY, box, sp + 4 * NY);
    cr_assert_eq(be->edt(be->ctx, o, &grid, cap, fb), PF_E_OK);
    const int32_t *const spans[3] = {sp, sp + 2 * NY, sp + 4 * NY};
    int done2 = -1;
    cr_assert_eq(pf_field_delta_spans(be, &grid, cap, a, fa, b, fb, budget, spans, &done2), PF_E_OK);
    cr_assert_eq(done2, done, "%s (%s, cap %u): done %d with spans", what, be->name, cap, done2);
    for (size_t i = 0; done && i < N; i++)
        cr_assert(!memcmp(&fb[i], &whole[i], sizeof *fb),
                  "%s (%s, cap %u): cell (%zu, %zu) %.9g with spans, edt %.9g", what, be->name, cap, i % NX,
                  i / NX, fb[i], whole[i]);
    free(sp);
    free(o);
    free(fa);
    free(whole);
    free(fb);
}

Test(field_delta, a_moving_edge_a_hole_and_the_border_give_the_whole_field)
{
    const pf_backend *be[5];
    int nb = backends(be);
    uint8_t *a = malloc(N), *b = malloc(N);
    static const uint32_t caps[] = {1, 7, 30}; /* 30: beyond the SIMD windowed pass (its exact transform) */
    for (int k = 0; k < nb; k++)
        for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
            part(a, 150, 0);
            part(b, 151, 0);
            check(be[k], a, b, caps[c], N, 1, "the ramp's edge one cell on");
            part(b, 149, 1);
            check(be[k], a, b, caps[c], N, 1, "the edge back and a hole through the pillar");
            memcpy(b, a, N);
            rect_set(b, 0, 3, 60, 64, 1);           /* at the left border */
            rect_set(b, NX - 2, NX - 1, 0, 2, 1);   /* a corner */
            rect_set(b, 80, 83, NY - 1, NY - 1, 1); /* the top row */
            check(be[k], a, b, caps[c], N, 1, "changes at the grid's border");
            check(be[k], a, a, caps[c], N, 1, "equal masks");
        }
    free(a);
    free(b);
}

Test(field_delta, random_changes_give_the_whole_field)
{
    const pf_backend *be[5];
    int nb = backends(be);
    uint8_t *a = malloc(N), *b = malloc(N);
    for (int trial = 0; trial < 40; trial++) {
        part(a, 140 + (long)(rnd() % 20), (int)(rnd() % 2));
        memcpy(b, a, N);
        int places = 1 + (int)(rnd() % 6);
        for (int p = 0; p < places; p++) {
            long x = (long)(rnd() % NX), y = (long)(rnd() % NY), w = (long)(rnd() % 5), h = (long)(rnd() % 9);
            rect_set(b, x, x + w, y, y + h, (uint8_t)(rnd() % 2));
        }
        uint32_t cap = 1 + rnd() % 12;
        for (int k = 0; k < nb; k++)
            check(be[k], a, b, cap, N, 1, "random changes");
    }
    free(a);
    free(b);
}

Test(field_delta, what_it_leaves_to_edt)
{
    const pf_backend *be[5];
    int nb = backends(be);
    uint8_t *a = malloc(N), *b = malloc(N);
    for (int k = 0; k < nb; k++) {
        /* a disc one cell wider: its edge moves all round, and the sub-grids would cover the disc's box */
        memset(a, 0, N);
        memset(b, 0, N);
        for (long y = 0; y < NY; y++)
            for (long x = 0; x < NX; x++) {
                double r = hypot((double)x - NX / 2.0, (double)y - NY / 2.0);
                a[y * NX + x] = r < 50;
                b[y * NX + x] = r < 51;
            }
        check(be[k], a, b, 7, 100 * 100, 0, "a disc one cell wider");
        check(be[k], a, b, 7, 130 * 130, 1, "a disc one cell wider, with its box to spend");
        /* no cap: a cell's value may depend on any other */
        part(a, 150, 0);
        part(b, 151, 0);
        check(be[k], a, b, 0, N, 0, "no cap");
        /* more separate places than PF_DELTA_RECTS */
        memcpy(b, a, N);
        cr_assert_lt(16 * PF_DELTA_RECTS + 2, NX);
        for (long p = 0; p < PF_DELTA_RECTS + 1; p++) /* 16 columns apart: separate at cap 1 */
            b[20 * NX + 16 * p + 2] ^= 1;
        check(be[k], a, b, 1, N, 0, "too many places");
    }
    free(a);
    free(b);
}
