/* Chains of sparse infill (fill_chains.h).
 *
 * One pass over the layer's class bytes in row order finds the runs of the set along the fill diagonals the
 * way reduce does: a run starts at a cell in the set whose predecessor along the diagonal is not, and ends
 * where the set is left; only cells whose byte differs from their predecessor's do any work, 32 bytes per
 * compare. The runs are then bucketed by diagonal and swept across them: each run of a diagonal meets the
 * runs of the diagonal before it that it touches (row ranges overlapping, or one row apart: the cells are
 * 4-neighbours), takes over the branch of the first of them no other run has taken, or starts a branch; a
 * run of the diagonal before that another run touched but did not take ends its branch there (a merge). A
 * run that nothing touched ends its branch one diagonal later, unless a run of the next diagonal that touches
 * nothing on the diagonal before it touches this one: then the branch goes on across the gap. A thin curved
 * band (a 2.4 mm tube's 0.9 mm of sparse infill) has runs around min_run where it crosses the lines, and
 * without that the band broke into a branch at every run dropped: 18 paths a layer where PrusaSlicer prints
 * one zig-zag round the tube. */
#include "engine/fill_chains.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"

#include <simde/x86/sse2.h>

typedef struct run {
    int32_t d, a, b; /* diagonal, first and last row */
} run;

/* The scratch's buffers (pf_scratch.p[k]). */
enum { S_START, S_FIRST, S_ROWS, S_RUNS, S_SORTED, S_BRANCH, S_BSTART, S_FLAGS };

typedef struct runs {
    pf_scratch *s; /* the list lives in slot S_RUNS */
    size_t n;
} runs;

static int push(runs *r, int32_t d, int32_t a, int32_t b)
{
    run *v = r->s->cap[S_RUNS] >= (r->n + 1) * sizeof *v
                 ? r->s->p[S_RUNS]
                 : pf_scratch_slot(r->s, S_RUNS, (r->n + 64) * sizeof *v, 0);
    if (!v) return 0;
    v[r->n++] = (run){d, a, b};
    return 1;
}

static void add_branch(pf_branch_hist *h, int attached, float extent)
{
    int k = PF_BRANCH_BINS - 1;
    while (k > 0 && extent < pf_branch_edge(k))
        k--;
    h->n[attached][k] += 1;
    h->e[attached][k] += extent;
}

#define PAD 32 /* zero bytes before a row's set bytes (and at least as many after) */

pf_err pf_fill_branches(const uint8_t *cls, long nx, long ny, const long win[4], int stride, float cell,
                        int parity, int set, float min_run, pf_branch_hist *out, pf_scratch *scratch)
{
    pf_scratch own = {{0}, {0}};
    pf_scratch *sc = scratch ? scratch : &own;
    memset(out, 0, sizeof *out);
    long xa = win ? win[0] : 0, xb = win ? win[1] : nx - 1, ya = win ? win[2] : 0, yb = win ? win[3] : ny - 1;
    xa = xa < 0 ? 0 : xa, ya = ya < 0 ? 0 : ya, xb = xb >= nx ? nx - 1 : xb, yb = yb >= ny ? ny - 1 : yb;
    if (xa > xb || ya > yb) return PF_E_OK;
    long sd = stride == 2 ? 2 : 1;
    /* the sampled cells are those of even columns and rows, whatever the window: the branches are then the
     * classes' own (a layer whose classes are copied from another with a window a cell wider gets its sums)
     */
    xa -= xa % sd, ya -= ya % sd;
    long wn = (xb - xa) / sd + 1, wr = (yb - ya) / sd + 1; /* the window's sampled columns and rows */
    unsigned fc[2] = {0, 0}, nf = 0; /* the fill classes of the set (none is PF_FILL_NONE) */
    for (unsigned f = 1; f < 8; f++)
        if (pf_runsets_of(f) >> set & 1) {
            if (nf == 2) return PF_E_INVAL;
            fc[nf++] = f;
        }
    if (!nf) return PF_E_OK;
    if (nf == 1) fc[1] = fc[0];
    size_t nd = (size_t)(wn + wr + 2), bw = (size_t)wn + 2 * PAD + 32; /* diagonals through the window */
    int32_t *start = pf_scratch_slot(sc, S_START, nd * sizeof *start, 0);
    int32_t *first =
        pf_scratch_slot(sc, S_FIRST, (nd + 1) * sizeof *first, 1); /* bucket starts per diagonal */
    uint8_t *rows =
        pf_scratch_slot(sc, S_ROWS, 2 * bw, 1); /* the previous and current rows' bytes, zero-padded */
    runs r = {sc, 0};
    pf_err err = PF_E_NOMEM;
    if (!start || !first || !rows) goto done;
    long dp = parity ? 1 : -1;                               /* predecessor's column offset, one row up */
    float pitch = cell * (float)sd;                          /* the sampled cells' pitch */
    long lo_cells = (long)(min_run / (pitch * 1.41421356f)); /* shorter runs (cells − 1) are dropped */
    uint8_t *prev = rows + PAD, *cur = rows + bw + PAD;      /* byte i: column xa + sd·i */
    const simde__m128i seven = simde_mm_set1_epi8(7), va = simde_mm_set1_epi8((char)fc[0]),
                       vb = simde_mm_set1_epi8((char)fc[1]);
    const simde__m128i low = simde_mm_set1_epi16(0xff);
    for (long y = 0; y <= wr; y++) { /* sampled row y: grid row ya + sd·y */
        /* the row's set bytes (0xff: in the set), 16 a step; the row after the window is all 0 */
        if (y < wr) {
            const uint8_t *row = cls + (size_t)(ya + sd * y) * (size_t)nx + xa;
            long i = 0;
            for (; i + 16 <= wn && (sd == 1 || sd * i + 32 <= xb - xa + 1); i += 16) {
                simde__m128i v = simde_mm_loadu_si128((const simde__m128i *)(const void *)(row + sd * i));
                if (sd == 2) /* every other cell: the low byte of each pair */
                    v = simde_mm_packus_epi16(
                        simde_mm_and_si128(v, low),
                        simde_mm_and_si128(
                            simde_mm_loadu_si128((const simde__m128i *)(const void *)(row + sd * i + 16)),
                            low));
                simde__m128i f = simde_mm_and_si128(simde_mm_srli_epi16(v, PF_CELL_FILL_SHIFT), seven);
                simde_mm_storeu_si128(
                    (simde__m128i *)(void *)(cur + i),
                    simde_mm_or_si128(simde_mm_cmpeq_epi8(f, va), simde_mm_cmpeq_epi8(f, vb)));
            }
            for (; i < wn; i++) {
                unsigned f = (unsigned)(row[sd * i] & PF_CELL_FILL_MASK) >> PF_CELL_FILL_SHIFT;
                cur[i] = f == fc[0] || f == fc[1] ? 0xff : 0;
            }
        } else {
            memset(cur, 0, (size_t)wn);
        }
        /* window cells i = −16 … wn against their predecessors (i + dp, y − 1), 16 a step (the bytes outside
         * the window are 0): only those that differ do any work */
        for (long x0 = -16; x0 <= wn; x0 += 16) {
            simde__m128i c = simde_mm_loadu_si128((const simde__m128i *)(const void *)(cur + x0)),
                         p = simde_mm_loadu_si128((const simde__m128i *)(const void *)(prev + x0 + dp));
            unsigned diff = (unsigned)simde_mm_movemask_epi8(simde_mm_xor_si128(c, p));
            for (; diff; diff &= diff - 1) {
                long i = x0 + __builtin_ctz(diff);
                size_t d = (size_t)(parity ? i + y + 1 : i - y + wr + 1);
                if (cur[i]) {
                    start[d] = (int32_t)y;
                } else if (y - 1 - start[d] >= lo_cells) {
                    if (!push(&r, (int32_t)d, start[d], (int32_t)(y - 1))) goto done;
                }
            }
        }
        uint8_t *t = prev;
        prev = cur;
        cur = t;
    }
    if (!r.n) {
        err = PF_E_OK;
        goto done;
    }
    /* bucket by diagonal: runs end in row order, so each diagonal's runs stay in row order */
    const run *rv = sc->p[S_RUNS];
    for (size_t i = 0; i < r.n; i++)
        first[rv[i].d + 1]++;
    for (size_t d = 0; d < nd; d++)
        first[d + 1] += first[d];
    run *sorted = pf_scratch_slot(sc, S_SORTED, r.n * sizeof *sorted, 0);
    int32_t *branch = pf_scratch_slot(sc, S_BRANCH, r.n * sizeof *branch, 0); /* per sorted run: its branch */
    int32_t *bstart =
        pf_scratch_slot(sc, S_BSTART, r.n * sizeof *bstart, 0); /* per branch: its first diagonal */
    uint8_t *flags = pf_scratch_slot(sc, S_FLAGS, 2 * r.n, 0);
    if (!sorted || !branch || !bstart || !flags) goto done;
    uint8_t *bsplit = flags; /* per branch: a split started it */
    uint8_t *taken =
        flags + r.n; /* per run of the diagonal before: 1 touched by a run of this one, 2 taken */
    for (size_t i = 0; i < r.n; i++)
        sorted[first[rv[i].d]++] = rv[i];
    for (size_t d = nd; d > 0; d--) /* first[d] is now the end of d: shift back to starts */
        first[d] = first[d - 1];
    first[0] = 0;
    const run *s = sorted;
    int32_t nbranch = 0;
    float step = pitch * 0.70710678f; /* distance between neighbouring diagonals, mm */
    for (size_t d = 0; d < nd; d++) {
        size_t c0 = (size_t)first[d], c1 = (size_t)first[d + 1];
        size_t p0 = d ? (size_t)first[d - 1] : 0, p1 = d ? c0 : 0;
        size_t q0 = d > 1 ? (size_t)first[d - 2] : 0, q1 = d > 1 ? p0 : 0; /* the diagonal two before */
        memset(taken + p0, 0, p1 - p0);
        size_t j = p0, jq = q0; /* first runs of the diagonals before that may touch the current one */
        for (size_t i = c0; i < c1; i++) {
            while (j < p1 && s[j].b < s[i].a - 1)
                j++;
            int32_t b = -1;
            int touched = 0;
            for (size_t k = j; k < p1 && s[k].a <= s[i].b + 1; k++) {
                touched = 1;
                if (b < 0 && taken[k] < 2) { /* the first run it touches that no other run took */
                    b = branch[k];
                    taken[k] = 2;
                } else if (!taken[k]) {
                    taken[k] = 1;
                }
            }
            if (b < 0 && !touched) { /* a branch that ended one diagonal before goes on across the gap */
                while (jq < q1 && s[jq].b < s[i].a - 1)
                    jq++;
                for (size_t k = jq; k < q1 && s[k].a <= s[i].b + 1; k++)
                    if (!taken[k]) {
                        b = branch[k];
                        taken[k] = 2;
                        break;
                    }
            }
            if (b < 0) { /* a new branch: nothing before it, or a split */
                b = nbranch++;
                bstart[b] = (int32_t)d;
                bsplit[b] = (uint8_t)touched;
            }
            branch[i] = b;
        }
        for (size_t k = q0; k < q1; k++) /* ends two diagonals back that nothing took up again */
            if (!taken[k])
                add_branch(out, bsplit[branch[k]], (float)(d - 1 - (size_t)bstart[branch[k]]) * step);
        for (size_t k = p0; k < p1; k++) /* merges end now; plain ends wait a diagonal for a run to go on */
            if (taken[k] == 1) add_branch(out, 1, (float)(d - (size_t)bstart[branch[k]]) * step);
    }
    if (nd > 1) /* the plain ends of the last diagonal but one */
        for (size_t k = (size_t)first[nd - 2]; k < (size_t)first[nd - 1]; k++)
            if (!taken[k])
                add_branch(out, bsplit[branch[k]], (float)(nd - 1 - (size_t)bstart[branch[k]]) * step);
    for (size_t k = (size_t)first[nd - 1]; k < r.n; k++) /* the last diagonal's runs */
        add_branch(out, bsplit[branch[k]], (float)(nd - (size_t)bstart[branch[k]]) * step);
    err = PF_E_OK;
done:
    pf_scratch_free(&own);
    return err;
}

double pf_fill_chains(const pf_branch_hist *h, double S, double attached)
{
    double n[2] = {0, 0};
    for (int a = 0; a < 2; a++)
        for (int k = 0; k < PF_BRANCH_BINS; k++) {
            double c = h->n[a][k], e = h->e[a][k];
            if (!(c > 0)) continue;
            double lo = pf_branch_edge(k), hi = k + 1 < PF_BRANCH_BINS ? pf_branch_edge(k + 1) : INFINITY;
            n[a] += lo >= S ? c : hi <= S ? e / S : fmin(c, e / S);
        }
    return n[0] + attached * n[1];
}

void pf_chain_sums_of(const pf_branch_hist *h, pf_chain_sums *out)
{
    for (int a = 0; a < 2; a++) {
        out->n_from[a][PF_BRANCH_BINS] = 0;
        for (int k = PF_BRANCH_BINS; k-- > 0;)
            out->n_from[a][k] = out->n_from[a][k + 1] + h->n[a][k];
        out->e_below[a][0] = 0;
        for (int k = 0; k < PF_BRANCH_BINS; k++)
            out->e_below[a][k + 1] = out->e_below[a][k] + h->e[a][k];
    }
}
