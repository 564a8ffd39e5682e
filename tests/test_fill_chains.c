/* Branches and chains of a layer's sparse region (engine/fill_chains.h) on class grids drawn by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"
#include "engine/fill_chains.h"

#define NX 120
#define NY 100
#define CELL 0.25f
#define SPARSE ((uint8_t)(PF_CELL_INSIDE | PF_FILL_SPARSE << PF_CELL_FILL_SHIFT))
#define MIDDLE ((uint8_t)(PF_CELL_INSIDE | PF_FILL_MIDDLE << PF_CELL_FILL_SHIFT))
#define SOLID ((uint8_t)(PF_CELL_INSIDE | PF_FILL_SOLID << PF_CELL_FILL_SHIFT))
#define WALL ((uint8_t)(PF_CELL_INSIDE | PF_CELL_WALL_EXT))

static uint8_t grid[NY][NX];

static void rect(int x0, int y0, int x1, int y1, uint8_t v) /* cells x0 ≤ x < x1, y0 ≤ y < y1 */
{
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            grid[y][x] = v;
}

static void branches(int parity, pf_branch_hist *h)
{
    cr_assert_eq(pf_fill_branches(&grid[0][0], NX, NY, NULL, 1, CELL, parity, PF_RUN_SPARSE, 1.0f, h, NULL),
                 PF_E_OK);
}

static float count(const pf_branch_hist *h, int attached)
{
    float n = 0;
    for (int k = 0; k < PF_BRANCH_BINS; k++)
        n += h->n[attached][k];
    return n;
}

static float extent(const pf_branch_hist *h, int attached)
{
    float e = 0;
    for (int k = 0; k < PF_BRANCH_BINS; k++)
        e += h->e[attached][k];
    return e;
}

/* A square of side a cells spans 2a − 1 diagonals: its width across the lines, a·√2 cells; at either corner
 * the two shortest (1 and 2 cells, under 1 mm on 0.25 mm cells) are dropped. */
Test(fill_chains, a_square_is_one_branch_across_its_diagonal)
{
    memset(grid, 0, sizeof grid);
    rect(10, 10, 50, 50, WALL);
    rect(12, 12, 48, 48, SPARSE);
    for (int parity = 0; parity < 2; parity++) {
        pf_branch_hist h;
        branches(parity, &h);
        cr_assert_eq(count(&h, 0), 1);
        cr_assert_eq(count(&h, 1), 0);
        cr_assert_float_eq(extent(&h, 0), (2 * 36 - 1 - 4) * CELL * 0.70710678f, 1e-3);
        cr_assert_float_eq(pf_fill_chains(&h, 2.0, 0.5), 1.0, 1e-9);
    }
}

/* Cells of other fill classes, walls and the outside are not in the set; a wall's middle is. */
Test(fill_chains, only_the_sets_classes_count)
{
    memset(grid, 0, sizeof grid);
    rect(10, 10, 30, 30, SOLID);
    rect(40, 10, 60, 30, WALL);
    pf_branch_hist h;
    branches(0, &h);
    cr_assert_eq(count(&h, 0) + count(&h, 1), 0);
    rect(70, 10, 90, 30, MIDDLE);
    branches(0, &h);
    cr_assert_eq(count(&h, 0), 1);
}

/* Pieces apart from each other are a branch each, at full weight. */
Test(fill_chains, separate_pieces_are_apart)
{
    memset(grid, 0, sizeof grid);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++)
            rect(5 + 35 * i, 5 + 45 * j, 35 + 35 * i, 45 + 45 * j, SPARSE);
    pf_branch_hist h;
    branches(1, &h);
    cr_assert_eq(count(&h, 0), 6);
    cr_assert_eq(count(&h, 1), 0);
    cr_assert_float_eq(pf_fill_chains(&h, 2.0, 0.5), 6.0, 1e-9);
}

/* A hole splits the sweep in two and the sides merge behind it: two branches, attached to each other. */
Test(fill_chains, a_hole_makes_attached_branches)
{
    memset(grid, 0, sizeof grid);
    rect(10, 10, 70, 70, SPARSE);
    rect(30, 30, 50, 50, WALL);
    pf_branch_hist h;
    branches(0, &h);
    cr_assert_eq(count(&h, 0) + count(&h, 1), 2);
    cr_assert_geq(count(&h, 1), 1);
    cr_assert_float_eq(pf_fill_chains(&h, 2.0, 1.0), 2.0, 1e-9);
}

/* A narrow branch gets a line in a share of the layers: its extent over the spacing. */
Test(fill_chains, narrow_branches_count_by_their_extent)
{
    memset(grid, 0, sizeof grid);
    rect(10, 10, 14, 90, SPARSE); /* a 1 mm wide bar: 4 + 80 − 1 diagonals, less the 1- and 2-cell ends */
    pf_branch_hist h;
    branches(0, &h);
    cr_assert_eq(count(&h, 0), 1);
    double e = extent(&h, 0);
    cr_assert_float_eq(e, 79 * CELL * 0.70710678, 1e-3);
    cr_assert_float_eq(pf_fill_chains(&h, 2 * e, 1.0), 0.5, 1e-6);
    cr_assert_float_eq(pf_fill_chains(&h, e / 2, 1.0), 1.0, 1e-9);
}

/* Runs shorter than the minimum along the lines are dropped: a checkerboard of single cells is no fill. */
Test(fill_chains, edge_specks_are_ignored)
{
    memset(grid, 0, sizeof grid);
    for (int y = 0; y < NY; y += 4)
        for (int x = 0; x < NX; x += 4)
            grid[y][x] = SPARSE;
    pf_branch_hist h;
    branches(0, &h);
    cr_assert_eq(count(&h, 0) + count(&h, 1), 0);
}

/* The summed form gives pf_fill_chains at every spacing, bin edges included. */
Test(fill_chains, sums_match_the_histogram)
{
    pf_branch_hist h;
    memset(&h, 0, sizeof h);
    srand(7);
    for (int a = 0; a < 2; a++)
        for (int k = 0; k < PF_BRANCH_BINS; k++) {
            int n = rand() % 4;
            h.n[a][k] = (float)n;
            float lo = pf_branch_edge(k), hi = k + 1 < PF_BRANCH_BINS ? pf_branch_edge(k + 1) : 40;
            for (int i = 0; i < n; i++)
                h.e[a][k] += lo + (hi - lo) * (float)rand() / (float)RAND_MAX;
        }
    pf_chain_sums s;
    pf_chain_sums_of(&h, &s);
    for (double S = 0.3; S < 45; S *= 1.07) {
        double want = pf_fill_chains(&h, S, 0.5);
        cr_assert_float_eq(pf_chains_at(&s, pf_chain_bin(S), 1 / S, 0.5), want, 1e-4 * want + 1e-6, "S %g",
                           S);
    }
    for (int k = 1; k < PF_BRANCH_BINS; k++) {
        double S = pf_branch_edge(k);
        double want = pf_fill_chains(&h, S, 0.5);
        cr_assert_float_eq(pf_chains_at(&s, pf_chain_bin(S), 1 / S, 0.5), want, 1e-4 * want + 1e-6, "edge %g",
                           S);
    }
}

/* A window around the set's cells changes nothing: the same branches as the whole grid. */
Test(fill_chains, a_window_gives_the_whole_grids_branches)
{
    memset(grid, 0, sizeof grid);
    rect(20, 15, 80, 70, SPARSE);
    rect(40, 30, 55, 50, WALL);
    rect(85, 20, 95, 60, SPARSE);
    for (int parity = 0; parity < 2; parity++) {
        pf_branch_hist a, b;
        const long win[4] = {19, 95, 14, 70};
        branches(parity, &a);
        cr_assert_eq(
            pf_fill_branches(&grid[0][0], NX, NY, win, 1, CELL, parity, PF_RUN_SPARSE, 1.0f, &b, NULL),
            PF_E_OK);
        cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
        cr_assert_eq(count(&a, 0) + count(&a, 1), 3);
    }
}

/* Every other cell of every other row: the same branches, their extents within a sampled pitch. */
Test(fill_chains, sampling_every_other_cell_keeps_the_branches)
{
    memset(grid, 0, sizeof grid);
    rect(10, 10, 70, 70, SPARSE);
    rect(30, 30, 50, 50, WALL);
    rect(80, 20, 110, 60, SPARSE);
    for (int parity = 0; parity < 2; parity++) {
        pf_branch_hist a, b;
        branches(parity, &a);
        cr_assert_eq(
            pf_fill_branches(&grid[0][0], NX, NY, NULL, 2, CELL, parity, PF_RUN_SPARSE, 1.0f, &b, NULL),
            PF_E_OK);
        cr_assert_eq(count(&b, 0) + count(&b, 1), count(&a, 0) + count(&a, 1));
        cr_assert_eq(count(&b, 0) + count(&b, 1), 3);
        cr_assert_float_eq(extent(&b, 0) + extent(&b, 1), extent(&a, 0) + extent(&a, 1), 3 * 2 * CELL,
                           "parity %d", parity);
    }
}

/* A band across the lines of parity 0 (x − y constant): cells with 100 ≤ x + y < 112 and |x − y| ≤ 30, runs
 * of 6 cells (2.1 mm) along the lines, one branch 61 diagonals wide. Lines x − y = k listed in `cut` lose
 * their run (a run too short to count, on a real band). */
static void band(const int *cut, int ncut)
{
    memset(grid, 0, sizeof grid);
    for (int y = 0; y < NY; y++)
        for (int x = 0; x < NX; x++) {
            int s = x + y, t = x - y, gone = 0;
            for (int k = 0; k < ncut; k++)
                gone |= t == cut[k];
            if (s >= 100 && s < 112 && t >= -30 && t <= 30 && !gone) grid[y][x] = SPARSE;
        }
}

Test(fill_chains, a_branch_goes_on_across_one_missing_run)
{
    pf_branch_hist h;
    band(NULL, 0);
    branches(0, &h);
    cr_assert_eq(count(&h, 0), 1);
    cr_assert_eq(count(&h, 1), 0);
    float whole = extent(&h, 0);
    cr_assert_float_eq(whole, 61 * CELL * 0.70710678f, 1e-3, "%f", (double)whole);

    const int one[] = {0}, two[] = {0, 1}, apart[] = {-10, 10};
    band(one, 1); /* one diagonal missing: the same branch, as wide */
    branches(0, &h);
    cr_assert_eq(count(&h, 0), 1);
    cr_assert_eq(count(&h, 1), 0);
    cr_assert_float_eq(extent(&h, 0), whole, 1e-3);

    band(apart, 2); /* two single gaps: still one */
    branches(0, &h);
    cr_assert_eq(count(&h, 0), 1);

    band(two, 2); /* two diagonals missing: the band is two pieces */
    branches(0, &h);
    cr_assert_eq(count(&h, 0), 2);
    cr_assert_eq(count(&h, 1), 0);
    cr_assert_float_eq(extent(&h, 0), whole - 2 * CELL * 0.70710678f, 1e-3);
}
