/* Chains of sparse infill (fill_chains.h).
 *
 * One pass over the layer's class bytes in row order finds the runs of the set along the fill diagonals the
 * way reduce does: a run starts at a cell in the set whose predecessor along the diagonal is not, and ends
 * where the set is left; only cells whose byte differs from their predecessor's do any work, 32 bytes per
 * compare. The runs are then bucketed by diagonal and swept across them: each run of a diagonal meets the
 * runs of the diagonal before it that it touches (row ranges overlapping, or one row apart: the cells are
 * 4-neighbours), takes over the branch of the first of them no other run has taken, or starts a branch; a
 * run of the diagonal before that no run took ends its branch there. */
#include "engine/fill_chains.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"

typedef struct run {
    int32_t d, a, b; /* diagonal, first and last row */
} run;

typedef struct runs {
    run *v;
    size_t n, cap;
} runs;

static int push(runs *r, int32_t d, int32_t a, int32_t b)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        run *v = realloc(r->v, cap * sizeof *v);
        if (!v) return 0;
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = (run){d, a, b};
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

#define ONES 0x0101010101010101ull
#define HIGH 0x8080808080808080ull

/* 0x80 in each byte of x that is 0, else 0 (exact: no borrow crosses bytes). */
static inline uint64_t zero_bytes(uint64_t x)
{
    uint64_t y = (x & ~HIGH) + ~HIGH;
    return ~(y | x | ~HIGH);
}

/* The set bytes (0x80: in the set, 0: not) of n class bytes: a cell is in the set when its fill class is one
 * of fa, fb (the classes of the run set: pf_runsets_of), 8 bytes a step. */
static void set_bytes(const uint8_t *c, long n, unsigned fa, unsigned fb, uint8_t *out)
{
    long x = 0;
    for (; x + 8 <= n; x += 8) {
        uint64_t v;
        memcpy(&v, c + x, 8);
        uint64_t f = v >> PF_CELL_FILL_SHIFT & 7 * ONES; /* each byte's fill class */
        uint64_t s = zero_bytes(f ^ fa * ONES) | zero_bytes(f ^ fb * ONES);
        memcpy(out + x, &s, 8);
    }
    for (; x < n; x++) {
        unsigned f = (unsigned)(c[x] & PF_CELL_FILL_MASK) >> PF_CELL_FILL_SHIFT;
        out[x] = f == fa || f == fb ? 0x80 : 0;
    }
}

#define PAD 16 /* zero bytes before and after a row's set bytes */

pf_err pf_fill_branches(const uint8_t *cls, long nx, long ny, float cell, int parity, int set, float min_run,
                        pf_branch_hist *out)
{
    memset(out, 0, sizeof *out);
    if (nx <= 0 || ny <= 0) return PF_E_OK;
    unsigned fc[2] = {0, 0}, nf = 0; /* the fill classes of the set (none is PF_FILL_NONE) */
    for (unsigned f = 1; f < 8; f++)
        if (pf_runsets_of(f) >> set & 1) {
            if (nf == 2) return PF_E_INVAL;
            fc[nf++] = f;
        }
    if (!nf) return PF_E_OK;
    if (nf == 1) fc[1] = fc[0];
    size_t nd = (size_t)(nx + ny + 2), bw = (size_t)nx + 2 * PAD + 8;
    int32_t *start = malloc(nd * sizeof *start);
    int32_t *first = malloc((nd + 1) * sizeof *first); /* bucket starts per diagonal */
    uint8_t *rows = calloc(2 * bw, 1);                 /* the previous and current rows' bytes, zero-padded */
    runs r = {0}, sorted = {0};
    int32_t *branch = NULL, *bstart = NULL;
    uint8_t *bsplit = NULL; /* per branch: a split started it */
    pf_err err = PF_E_NOMEM;
    if (!start || !first || !rows) goto done;
    long dp = parity ? 1 : -1;                              /* predecessor's column offset, one row up */
    long lo_cells = (long)(min_run / (cell * 1.41421356f)); /* shorter runs (cells − 1) are dropped */
    uint8_t *prev = rows + PAD, *cur = rows + bw + PAD;
    for (long y = 0; y <= ny; y++) {
        if (y < ny)
            set_bytes(cls + (size_t)y * (size_t)nx, nx, fc[0], fc[1], cur);
        else
            memset(cur, 0, (size_t)nx);
        /* cells x = −1 … nx against their predecessors (x + dp, y − 1), 8 a step (the bytes past nx are 0) */
        for (long x0 = -1; x0 <= nx; x0 += 8) {
            uint64_t a, b;
            memcpy(&a, cur + x0, 8);
            memcpy(&b, prev + x0 + dp, 8);
            for (uint64_t diff = a ^ b; diff; diff &= diff - 1) {
                int k = __builtin_ctzll(diff) >> 3;
                long x = x0 + k;
                size_t d = (size_t)(parity ? x + y + 1 : x - y + ny + 1);
                if (a >> (8 * k) & 0x80) {
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
    memset(first, 0, (nd + 1) * sizeof *first);
    for (size_t i = 0; i < r.n; i++)
        first[r.v[i].d + 1]++;
    for (size_t d = 0; d < nd; d++)
        first[d + 1] += first[d];
    sorted.v = malloc(r.n * sizeof *sorted.v);
    branch = malloc(r.n * sizeof *branch); /* per sorted run: its branch */
    bstart = malloc(r.n * sizeof *bstart); /* per branch: its first diagonal */
    bsplit = malloc(r.n);
    if (!sorted.v || !branch || !bstart || !bsplit) goto done;
    for (size_t i = 0; i < r.n; i++)
        sorted.v[first[r.v[i].d]++] = r.v[i];
    for (size_t d = nd; d > 0; d--) /* first[d] is now the end of d: shift back to starts */
        first[d] = first[d - 1];
    first[0] = 0;
    const run *s = sorted.v;
    int32_t nbranch = 0;
    uint8_t *taken = rows; /* per run of the diagonal before: 1 touched by a run of this one, 2 taken */
    size_t tcap = 2 * bw;
    uint8_t *tbuf = NULL;
    float step = cell * 0.70710678f; /* distance between neighbouring diagonals, mm */
    for (size_t d = 0; d < nd; d++) {
        size_t c0 = (size_t)first[d], c1 = (size_t)first[d + 1];
        size_t p0 = d ? (size_t)first[d - 1] : 0, p1 = d ? c0 : 0;
        size_t np = p1 - p0;
        if (np > tcap) {
            free(tbuf);
            if (!(tbuf = malloc(np))) goto done;
            taken = tbuf;
            tcap = np;
        }
        memset(taken, 0, np);
        size_t j = p0; /* first run of the diagonal before that may touch the current one */
        for (size_t i = c0; i < c1; i++) {
            while (j < p1 && s[j].b < s[i].a - 1)
                j++;
            int32_t b = -1;
            int touched = 0;
            for (size_t k = j; k < p1 && s[k].a <= s[i].b + 1; k++) {
                touched = 1;
                if (b < 0 && taken[k - p0] < 2) { /* the first run it touches that no other run took */
                    b = branch[k];
                    taken[k - p0] = 2;
                } else if (!taken[k - p0]) {
                    taken[k - p0] = 1;
                }
            }
            if (b < 0) { /* a new branch: nothing before it, or a split */
                b = nbranch++;
                bstart[b] = (int32_t)d;
                bsplit[b] = (uint8_t)touched;
            }
            branch[i] = b;
        }
        for (size_t k = p0; k < p1; k++) /* runs nothing continued: their branches end (merged if touched) */
            if (taken[k - p0] < 2)
                add_branch(out, bsplit[branch[k]] | taken[k - p0],
                           (float)(d - (size_t)bstart[branch[k]]) * step);
    }
    for (size_t k = (size_t)first[nd - 1]; k < r.n; k++) /* the last diagonal's runs */
        add_branch(out, bsplit[branch[k]], (float)(nd - (size_t)bstart[branch[k]]) * step);
    free(tbuf);
    err = PF_E_OK;
done:
    free(start);
    free(first);
    free(rows);
    free(r.v);
    free(sorted.v);
    free(branch);
    free(bstart);
    free(bsplit);
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
