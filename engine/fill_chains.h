/* Chains of sparse infill: how many separate paths a layer's rectilinear infill prints as.
 *
 * PrusaSlicer joins the lines of one monotone piece of a fill region into a zig-zag (each line linked to the
 * next along the boundary), and prints each piece as a path of its own, with a travel and a retraction before
 * it. A region with holes splits into several pieces, and every tooth, rib or corner the sweep across the
 * lines meets apart from the main body is one more: a gear's lightening holes and teeth give 14 paths a
 * layer at 20 %, not one. Which pieces print depends on the line spacing: a branch of the region narrower
 * (across the lines) than the spacing gets a line in only some layers.
 *
 * pf_fill_branches sweeps the layer's fill region across its fill direction, diagonal of cells by diagonal,
 * and follows each branch (a run with no neighbour on the diagonal before it, or the second run a split
 * makes) until it ends or merges into another; the histogram of the branches' extents across the lines is
 * density-independent, and pf_fill_chains turns it into the expected number of paths at a spacing. */
#ifndef PF_FILL_CHAINS_H
#define PF_FILL_CHAINS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/scratch.h"

#define PF_BRANCH_BINS 12

/* Branch extents across the fill lines, mm: bin k holds extents in [pf_branch_edge(k), pf_branch_edge(k+1)).
 */
typedef struct pf_branch_hist {
    float n[2][PF_BRANCH_BINS]; /* branches: [0] apart, [1] attached (a split started or a merge ended it) */
    float e[2][PF_BRANCH_BINS]; /* their summed extent, mm */
} pf_branch_hist;

/* Lower edge of bin k, mm (bin 0 starts at 0). */
static inline float pf_branch_edge(int k)
{
    static const float edge[PF_BRANCH_BINS] = {0,    0.5f, 0.75f, 1.1f, 1.7f, 2.5f,
                                               3.8f, 5.7f, 8.5f,  13,   19,   29};
    return edge[k];
}

/* The branches of the cells of cls (nx × ny class bytes, cells `cell` mm wide) whose fill class is in the
 * run set `set` (a pf_runset), swept across the fill lines of a layer of this parity (0: lines along +45°,
 * 1: along −45°, as reduce's runs). win: the columns win[0]..win[1] and rows win[2]..win[3] (inclusive,
 * clipped to the grid) outside which no cell is in the set, or NULL: the whole grid. stride 2: the cells of
 * even columns and rows of the grid within the window, as a grid of 2·cell (a quarter of the work; the
 * result does not depend on the window). Runs shorter than
 * min_run mm along the lines are ignored (a few edge cells print no line). scratch: the caller's buffers, or
 * NULL (allocated for the call). Errors: NOMEM. */
pf_err pf_fill_branches(const uint8_t *cls, long nx, long ny, const long win[4], int stride, float cell,
                        int parity, int set, float min_run, pf_branch_hist *out, pf_scratch *scratch);

/* Expected paths at line spacing S (mm): a branch at least S wide across the lines is one path; a narrower
 * one gets a line in a share extent / S of the layers; attached branches count `attached` each. */
double pf_fill_chains(const pf_branch_hist *h, double S, double attached);

/* pf_fill_chains in a few operations, for eval's loop over layers: per kind, the branches of bins ≥ k and
 * the extent of bins < k. */
typedef struct pf_chain_sums {
    float n_from[2][PF_BRANCH_BINS + 1];
    float e_below[2][PF_BRANCH_BINS + 1];
} pf_chain_sums;

void pf_chain_sums_of(const pf_branch_hist *h, pf_chain_sums *out);

/* The bin of spacing S (≥ 0): pf_branch_edge(k) ≤ S, and S < the next edge unless k is the last bin. */
static inline int pf_chain_bin(double S)
{
    int k = PF_BRANCH_BINS - 1;
    while (k > 0 && S < pf_branch_edge(k))
        k--;
    return k;
}

/* pf_fill_chains(h, S, attached) from h's sums, k = pf_chain_bin(S) and inv_s = 1 / S (eval's hot loop: no
 * division). */
static inline double pf_chains_at(const pf_chain_sums *c, int k, double inv_s, double attached)
{
    double n[2];
    for (int a = 0; a < 2; a++) {
        double cnt = (double)c->n_from[a][k] - c->n_from[a][k + 1],
               part = ((double)c->e_below[a][k + 1] - c->e_below[a][k]) * inv_s;
        n[a] = c->n_from[a][k + 1] + c->e_below[a][k] * inv_s + (cnt < part ? cnt : part);
    }
    return n[0] + attached * n[1];
}

#endif
