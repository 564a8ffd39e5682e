/* Sparse slivers between shells, on bit planes: one bit a cell, 64 cells a word, a row W words. */
#include "engine/narrow_sparse.h"

#include <string.h>

#include <simde/x86/sse2.h>

/* Planes are padded with PAD zero rows above and below and a zero word on either side of each row, so a
 * shifted read needs no bounds test. */
#define K_MAX 12
#define PAD (K_MAX + 2)

typedef struct planes {
    long nx, ny, w, stride; /* cells per row, rows, words per row, words from a row to the next (w + 2) */
} planes;

/* Word i of row y of plane a (padded: row 0 word 0 at a + PAD·stride + 1) moved so that bit x holds cell
 * (x + sx, y + sy), 0 ≤ |sx| < 64, |sy| ≤ PAD. */
static inline uint64_t at(const uint64_t *a, const planes *p, long y, long i, int sx, int sy)
{
    const uint64_t *r = a + (y + sy) * p->stride + i;
    if (sx > 0) return r[0] >> sx | r[1] << (64 - sx);
    if (sx < 0) return r[0] << -sx | r[-1] >> (64 + sx);
    return r[0];
}

/* Sparse (s) and solid-type (d) bits of 16 classes: the fill class in bits 2–4 is 1 for sparse, 2 … 5 for
 * the solid types (solid, top, bridge, internal bridge). */
static void pack16(const uint8_t *c, unsigned *s, unsigned *d)
{
    simde__m128i v = simde_mm_and_si128(simde_mm_loadu_si128((const simde__m128i *)(const void *)c),
                                        simde_mm_set1_epi8(PF_CELL_FILL_MASK));
    simde__m128i sp = simde_mm_cmpeq_epi8(v, simde_mm_set1_epi8(PF_FILL_SPARSE << PF_CELL_FILL_SHIFT));
    simde__m128i lo = simde_mm_set1_epi8(PF_FILL_SOLID << PF_CELL_FILL_SHIFT),
                 hi = simde_mm_set1_epi8(PF_FILL_IBRIDGE << PF_CELL_FILL_SHIFT);
    simde__m128i so = simde_mm_and_si128(simde_mm_cmpeq_epi8(simde_mm_max_epu8(v, lo), v),
                                         simde_mm_cmpeq_epi8(simde_mm_min_epu8(v, hi), v));
    *s = (unsigned)simde_mm_movemask_epi8(sp);
    *d = (unsigned)simde_mm_movemask_epi8(so);
}

/* Whether the 64 classes at c are all 0 (outside the part): many of a layer's words, with nothing to pack. */
static int all_zero64(const uint8_t *c)
{
    simde__m128i v = simde_mm_or_si128(
        simde_mm_or_si128(simde_mm_loadu_si128((const simde__m128i *)(const void *)c),
                          simde_mm_loadu_si128((const simde__m128i *)(const void *)(c + 16))),
        simde_mm_or_si128(simde_mm_loadu_si128((const simde__m128i *)(const void *)(c + 32)),
                          simde_mm_loadu_si128((const simde__m128i *)(const void *)(c + 48))));
    return simde_mm_movemask_epi8(simde_mm_cmpeq_epi8(v, simde_mm_setzero_si128())) == 0xFFFF;
}

/* Zeroes rows [r0, r1) of plane a, their side words included. */
static void zero_rows(uint64_t *a, const planes *p, long r0, long r1)
{
    if (r1 > r0) memset(a + r0 * p->stride - 1, 0, (size_t)(r1 - r0) * (size_t)p->stride * sizeof *a);
}

/* Whether any of the n classes at c is a solid type: a layer without one has no narrow sparse cell, and most
 * of a tall part's layers have none (a 900-layer tower: the packing below was 5 % of its estimate). */
static int any_solid(const uint8_t *c, size_t n)
{
    const simde__m128i fm = simde_mm_set1_epi8(PF_CELL_FILL_MASK),
                       lo = simde_mm_set1_epi8(PF_FILL_SOLID << PF_CELL_FILL_SHIFT),
                       hi = simde_mm_set1_epi8(PF_FILL_IBRIDGE << PF_CELL_FILL_SHIFT);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        simde__m128i v =
            simde_mm_and_si128(simde_mm_loadu_si128((const simde__m128i *)(const void *)(c + i)), fm);
        simde__m128i so = simde_mm_and_si128(simde_mm_cmpeq_epi8(simde_mm_max_epu8(v, lo), v),
                                             simde_mm_cmpeq_epi8(simde_mm_min_epu8(v, hi), v));
        if (simde_mm_movemask_epi8(so)) return 1;
    }
    for (; i < n; i++) {
        unsigned f = c[i] & PF_CELL_FILL_MASK;
        if (f >= (PF_FILL_SOLID << PF_CELL_FILL_SHIFT) && f <= (PF_FILL_IBRIDGE << PF_CELL_FILL_SHIFT))
            return 1;
    }
    return 0;
}

/* The planes of one call (see pf_narrow_sparse): S sparse, D solid-type, M marked, E, N, R and T work planes
 * (R and T swap as the runs are walked), the rows y0 … y1 and words i0 … i1 of each that can hold a narrow
 * cell, and k. */
typedef struct narrow_planes {
    const planes *p;
    const uint64_t *S, *D;
    uint64_t *M, *E, *N, **R, **T;
    long y0, y1, i0, i1;
    int k;
} narrow_planes;

/* Marks in M the narrow sparse runs along direction (dx, dy). */
static inline __attribute__((always_inline)) void narrow_dir(const narrow_planes *np, const int dx,
                                                             const int dy)
{
    const planes *p = np->p;
    const uint64_t *S = np->S, *D = np->D;
    uint64_t *M = np->M, *E = np->E, *N = np->N, *R = *np->R, *T = *np->T;
    long y0 = np->y0, y1 = np->y1, i0 = np->i0, i1 = np->i1;
    int k = np->k;
    if (k == 1) { /* lone sparse cells between a non-sparse cell and a solid-type one: no runs to walk */
        for (long y = y0; y <= y1; y++)
            for (long i = i0; i <= i1; i++) {
                if (!S[y * p->stride + i]) continue;
                uint64_t lone = S[y * p->stride + i] & ~at(S, p, y, i, dx, dy) & ~at(S, p, y, i, -dx, -dy);
                M[y * p->stride + i] |= lone & (at(D, p, y, i, dx, dy) | at(D, p, y, i, -dx, -dy));
            }
        return;
    }
    /* rows [y0, y1] hold every sparse cell, so E, N and R are zero outside them */
    /* E: cells that start k + 1 sparse cells in a row; N: sparse cells no such window covers */
    for (long y = y0; y <= y1; y++)
        for (long i = i0; i <= i1; i++) {
            uint64_t e = S[y * p->stride + i];
            if (!e) continue;
            for (int s = 1; s <= k && e; s++)
                e &= at(S, p, y, i, s * dx, s * dy);
            E[y * p->stride + i] = e;
        }
    for (long y = y0; y <= y1; y++)
        for (long i = i0; i <= i1; i++) {
            long o = y * p->stride + i;
            if (!S[o]) continue;
            uint64_t cover = E[o];
            for (int s = 1; s <= k; s++)
                cover |= at(E, p, y, i, -s * dx, -s * dy);
            N[o] = S[o] & ~cover;
            /* seeds: a narrow cell beside a solid-type cell along the direction */
            R[o] = N[o] & (at(D, p, y, i, dx, dy) | at(D, p, y, i, -dx, -dy));
        }
    /* along each narrow run from its solid end: k − 1 steps reach its far end */
    for (int t = 1; t < k; t++) {
        for (long y = y0; y <= y1; y++)
            for (long i = i0; i <= i1; i++) {
                long o = y * p->stride + i;
                if (!S[o]) continue;
                T[o] = R[o] | (N[o] & (at(R, p, y, i, dx, dy) | at(R, p, y, i, -dx, -dy)));
            }
        uint64_t *swap = R;
        R = T;
        T = swap;
    }
    for (long y = y0; y <= y1; y++)
        for (long i = i0; i <= i1; i++)
            M[y * p->stride + i] |= R[y * p->stride + i];
    /* the next direction's E, N and R are rewritten word for word where S is set; R and T may have swapped,
     * both zero elsewhere */
    *np->R = R;
    *np->T = T;
}

int pf_narrow_sparse(uint8_t *cls, const pf_grid *g, float width, pf_scratch *scratch)
{
    if (!any_solid(cls, (size_t)g->nx * g->ny)) return 0;
    planes p = {g->nx, g->ny, ((long)g->nx + 63) / 64, ((long)g->nx + 63) / 64 + 2};
    size_t words = (size_t)p.stride * (size_t)(p.ny + 2 * PAD);
    /* S and D in slot 1; M, E, N, R and T in slot 0, all zero between calls (each call clears the words it
     * wrote), whatever the grid: new room is zeroed here */
    size_t had = scratch->cap[0];
    uint64_t *base = pf_scratch_slot(scratch, 0, 5 * words * sizeof *base, 0),
             *sd = pf_scratch_slot(scratch, 1, 2 * words * sizeof *base, 0);
    if (!base || !sd) return -1;
    if (scratch->cap[0] != had) memset(base, 0, scratch->cap[0]);
    uint64_t *pl[7];
    for (int k = 0; k < 7; k++)
        pl[k] = (k < 2 ? sd + k * words : base + (k - 2) * words) + PAD * p.stride + 1; /* row 0, word 0 */
    uint64_t *S = pl[0], *D = pl[1], *M = pl[2], *E = pl[3], *N = pl[4], *R = pl[5], *T = pl[6];
    /* pack, a word at a time; the rows that have sparse cells bound the work */
    long y0 = p.ny, y1 = -1, d0 = p.ny, d1 = -1; /* the rows that hold sparse cells, and solid-type ones */
    long w0 = p.w, w1 = -1;                      /* the words that hold solid-type cells */
    uint64_t any_d = 0;
    for (long y = 0; y < p.ny; y++) {
        const uint8_t *row = cls + (size_t)y * (size_t)p.nx;
        uint64_t *sr = S + y * p.stride, *dr = D + y * p.stride, row_s = 0, row_d = 0;
        sr[-1] = sr[p.w] = dr[-1] = dr[p.w] = 0;
        for (long i = 0; i < p.w; i++) {
            uint64_t sw = 0, dw = 0;
            if (i * 64 + 64 <= p.nx && all_zero64(row + i * 64)) { /* 64 cells outside: no bits */
                sr[i] = dr[i] = 0;
                continue;
            }
            for (long b = 0; b < 64; b += 16) {
                long x = i * 64 + b;
                if (x >= p.nx) break;
                unsigned s, d;
                if (x + 16 <= p.nx) {
                    pack16(row + x, &s, &d);
                } else {
                    uint8_t tail[16] = {0};
                    memcpy(tail, row + x, (size_t)(p.nx - x));
                    pack16(tail, &s, &d);
                }
                sw |= (uint64_t)s << b;
                dw |= (uint64_t)d << b;
            }
            sr[i] = sw;
            dr[i] = dw;
            if (dw && i < w0) w0 = i;
            if (dw && i > w1) w1 = i;
            row_s |= sw;
            row_d |= dw;
        }
        if (row_s) {
            if (y < y0) y0 = y;
            y1 = y;
        }
        if (row_d) {
            if (y < d0) d0 = y;
            d1 = y;
        }
        any_d |= row_d;
    }
    if (y1 < 0 || !any_d) return 0;
    /* A marked cell lies within K_MAX rows of a solid-type one (its run starts beside one), and whether a
     * cell within that of one is narrow depends on the windows within K_MAX rows more: the sparse cells
     * farther than 2·K_MAX + 2 rows from every solid-type row change nothing. */
    if (y0 < d0 - 2 * K_MAX - 2) y0 = d0 - 2 * K_MAX - 2;
    if (y1 > d1 + 2 * K_MAX + 2) y1 = d1 + 2 * K_MAX + 2;
    if (y0 > y1) return 0;
    /* and the same along the rows: 2·K_MAX + 2 cells lie within a word of the solid-type ones' words; the
     * words beyond are neither read for those cells (a shifted read takes K_MAX cells at most from the next
     * word) nor written, and stay zero */
    long i0 = w0 > 0 ? w0 - 1 : 0, i1 = w1 + 1 < p.w ? w1 + 1 : p.w - 1;
    /* every read lies within PAD rows of [y0, y1]: zero what is not written below */
    zero_rows(S, &p, -PAD, 0);
    zero_rows(S, &p, p.ny, p.ny + PAD);
    zero_rows(D, &p, -PAD, 0);
    zero_rows(D, &p, p.ny, p.ny + PAD);
    /* M, E, N, R and T are zero (see above) and are written only in words that hold sparse cells (every
     * other word of theirs stays zero whatever the direction) */
    /* directions: along rows, columns and both diagonals; k: the most cells a narrow run has */
    for (int q = 0; q < 4; q++) {
        int k = (int)(width / (q < 2 ? g->cell : g->cell * 1.41421356f));
        if (k < 1) continue;
        if (k > K_MAX) k = K_MAX;
        narrow_planes np = {&p, S, D, M, E, N, &R, &T, y0, y1, i0, i1, k};
        /* each direction with its steps as constants: at() without the tests of the shifts' signs */
        switch (q) {
        case 0:
            narrow_dir(&np, 1, 0);
            break;
        case 1:
            narrow_dir(&np, 0, 1);
            break;
        case 2:
            narrow_dir(&np, 1, 1);
            break;
        default:
            narrow_dir(&np, 1, -1);
            break;
        }
    }
    int changed = 0;
    const uint8_t fm = PF_CELL_FILL_MASK, solid = PF_FILL_SOLID << PF_CELL_FILL_SHIFT;
    for (long y = y0; y <= y1; y++)
        for (long i = i0; i <= i1; i++) {
            long o = y * p.stride + i;
            if (!S[o]) continue; /* M and the others were not written here */
            for (uint64_t m = M[o]; m; m &= m - 1) {
                long x = i * 64 + __builtin_ctzll(m);
                uint8_t *c = cls + (size_t)y * (size_t)p.nx + (size_t)x;
                *c = (uint8_t)((*c & ~fm) | solid);
                changed = 1;
            }
            for (int k = 2; k < 7; k++) /* zero again for the next call */
                pl[k][o] = 0;
        }
    return changed;
}
