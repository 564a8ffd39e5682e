/* A layer's distance field from a neighbour's (engine/field_delta.h). */
#include "engine/field_delta.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Rows are compared in blocks of COLS cells: a block that differs marks its columns from its first row that
 * differs to its last. */
#define COLS 8

typedef struct rect {
    long x0, x1, y0, y1; /* inclusive */
} rect;

static long clampl(long v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* r grown by k cells on every side, within the grid. */
static rect grown(rect r, long k, long nx, long ny)
{
    return (rect){clampl(r.x0 - k, 0, nx - 1), clampl(r.x1 + k, 0, nx - 1), clampl(r.y0 - k, 0, ny - 1),
                  clampl(r.y1 + k, 0, ny - 1)};
}

static size_t area(rect r)
{
    return (size_t)(r.x1 - r.x0 + 1) * (size_t)(r.y1 - r.y0 + 1);
}

/* Whether the n bytes at a and b differ: 8 at a time, with no early exit (most rows are equal). */
static int bytes_differ(const uint8_t *a, const uint8_t *b, long n)
{
    uint64_t any = 0;
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t u, v;
        memcpy(&u, a + i, 8);
        memcpy(&v, b + i, 8);
        any |= u ^ v;
    }
    for (; i < n; i++)
        any |= (uint64_t)(a[i] ^ b[i]);
    return any != 0;
}

/* The rectangles where the fields of masks a and b may differ (every differing cell's square of radius k, the
 * reach),
 * those whose sub-grids overlap merged, into w (room for PF_DELTA_RECTS). Returns their count, or −1 when
 * there would be more. */
static int changed(const uint8_t *a, const uint8_t *b, long nx, long ny, long k, const int32_t *const sp[2],
                   long *lo, long *hi, rect *w)
{
    long nb = (nx + COLS - 1) / COLS;
    for (long c = 0; c < nb; c++)
        lo[c] = LONG_MAX, hi[c] = -1;
    for (long y = 0; y < ny; y++) {
        /* the columns either row can have set: all, or the union of their spans (none: both rows empty) */
        long x0 = 0, x1 = nx;
        if (sp[0] && sp[1]) {
            x0 = LONG_MAX, x1 = 0;
            for (int k = 0; k < 2; k++) {
                long s0 = sp[k][2 * y], s1 = sp[k][2 * y + 1];
                if (s0 >= s1) continue;
                x0 = s0 < x0 ? s0 : x0;
                x1 = s1 > x1 ? s1 : x1;
            }
            if (x0 >= x1) continue;
        }
        const uint8_t *ra = a + y * nx, *rb = b + y * nx;
        if (!bytes_differ(ra + x0, rb + x0, x1 - x0)) continue;
        for (long c = x0 / COLS; c * COLS < x1; c++) {
            long x = c * COLS;
            if (!bytes_differ(ra + x, rb + x, nx - x < COLS ? nx - x : COLS)) continue;
            if (y < lo[c]) lo[c] = y;
            hi[c] = y;
        }
    }
    int n = 0;
    for (long c = 0; c < nb; c++) {
        if (hi[c] < 0) continue;
        rect r = grown((rect){c * COLS, c * COLS + COLS - 1, lo[c], hi[c]}, k, nx, ny);
        if (n && r.x0 <= w[n - 1].x1 + 2 * k) { /* the sub-grids would overlap: one rectangle */
            rect *p = &w[n - 1];
            p->x1 = r.x1 > p->x1 ? r.x1 : p->x1;
            p->y0 = r.y0 < p->y0 ? r.y0 : p->y0;
            p->y1 = r.y1 > p->y1 ? r.y1 : p->y1;
        } else if (n == PF_DELTA_RECTS) {
            return -1;
        } else {
            w[n++] = r;
        }
    }
    return n;
}

/* field ← from_field: the rows of from_field's spans copied, the rest of field's old spans cleared (field is
 * 0 beyond them), or all of it. */
static void field_copy(float *field, const float *from_field, long nx, long ny, const int32_t *from_span,
                       const int32_t *old_span)
{
    if (!from_span || !old_span) {
        memcpy(field, from_field, (size_t)nx * (size_t)ny * sizeof *field);
        return;
    }
    for (long y = 0; y < ny; y++) {
        long a0 = from_span[2 * y], a1 = from_span[2 * y + 1], o0 = old_span[2 * y], o1 = old_span[2 * y + 1];
        float *f = field + y * nx;
        if (a1 > a0) memcpy(f + a0, from_field + y * nx + a0, (size_t)(a1 - a0) * sizeof *f);
        if (o0 >= o1) continue;
        if (a0 >= a1) { /* nothing copied: the whole old span cleared */
            memset(f + o0, 0, (size_t)(o1 - o0) * sizeof *f);
            continue;
        }
        if (o0 < a0) memset(f + o0, 0, (size_t)((o1 < a0 ? o1 : a0) - o0) * sizeof *f);
        long c = o0 > a1 ? o0 : a1;
        if (o1 > c) memset(f + c, 0, (size_t)(o1 - c) * sizeof *f);
    }
}

pf_err pf_field_delta(const pf_backend *be, const pf_grid *g, uint32_t cap, const uint8_t *from_mask,
                      const float *from_field, const uint8_t *mask, float *field, size_t budget, int *done)
{
    const int32_t *const none[3] = {NULL, NULL, NULL};
    return pf_field_delta_spans(be, g, cap, from_mask, from_field, mask, field, budget, none, done);
}

pf_err pf_field_delta_spans(const pf_backend *be, const pf_grid *g, uint32_t cap, const uint8_t *from_mask,
                            const float *from_field, const uint8_t *mask, float *field, size_t budget,
                            const int32_t *const spans[3], int *done)
{
    *done = 0;
    /* the reach of a cell's value: an outside cell nearer than the cap (d² ≤ cap² − 1) is at most cap − 1
     * cells away along either axis, and one farther changes nothing */
    long nx = g->nx, ny = g->ny, k = (long)cap - 1;
    if (!cap || !nx || !ny) return PF_E_OK; /* no cap: a cell's value may depend on any other */
    long nb = (nx + COLS - 1) / COLS;
    long *span = malloc(2 * (size_t)nb * sizeof *span);
    if (!span) return PF_E_NOMEM;
    rect w[PF_DELTA_RECTS];
    int n = changed(from_mask, mask, nx, ny, k, spans, span, span + nb, w);
    free(span);
    if (n < 0) return PF_E_OK;
    size_t cells = 0, most = 0;
    for (int i = 0; i < n; i++) {
        size_t a = area(grown(w[i], k, nx, ny));
        cells += a;
        most = a > most ? a : most;
    }
    if (cells > budget) return PF_E_OK;
    field_copy(field, from_field, nx, ny, spans[0], spans[2]);
    float *sf = n ? malloc(most * (sizeof *sf + 1)) : NULL; /* a sub-grid's field, then its mask */
    if (n && !sf) return PF_E_NOMEM;
    uint8_t *sm = (uint8_t *)(sf + most);
    pf_err err = PF_E_OK;
    for (int i = 0; i < n && !err; i++) {
        rect s = grown(w[i], k, nx, ny);
        long sw = s.x1 - s.x0 + 1, sh = s.y1 - s.y0 + 1;
        for (long y = 0; y < sh; y++)
            memcpy(sm + y * sw, mask + (s.y0 + y) * nx + s.x0, (size_t)sw);
        pf_grid sg = {.x0 = g->x0 + (float)s.x0 * g->cell,
                      .y0 = g->y0 + (float)s.y0 * g->cell,
                      .cell = g->cell,
                      .nx = (uint32_t)sw,
                      .ny = (uint32_t)sh};
        if ((err = be->edt(be->ctx, sm, &sg, cap, sf))) break;
        for (long y = w[i].y0; y <= w[i].y1; y++)
            memcpy(field + y * nx + w[i].x0, sf + (y - s.y0) * sw + (w[i].x0 - s.x0),
                   (size_t)(w[i].x1 - w[i].x0 + 1) * sizeof *sf);
    }
    free(sf);
    *done = !err;
    return err;
}
