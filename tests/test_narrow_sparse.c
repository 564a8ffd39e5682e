/* Sparse slivers between shells (engine/narrow_sparse.h): the bit-plane pass against a cell-by-cell walk of
 * the same rule, on built layers and on random class grids. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine/narrow_sparse.h"

#define SP (PF_CELL_INSIDE | PF_FILL_SPARSE << PF_CELL_FILL_SHIFT)
#define SO (PF_CELL_INSIDE | PF_FILL_SOLID << PF_CELL_FILL_SHIFT)
#define WA (PF_CELL_INSIDE | PF_CELL_WALL_INT)

static int fill_of(uint8_t c)
{
    return (c & PF_CELL_FILL_MASK) >> PF_CELL_FILL_SHIFT;
}

static int solid_type(uint8_t c)
{
    int f = fill_of(c);
    return f == PF_FILL_SOLID || f == PF_FILL_TOP || f == PF_FILL_BRIDGE || f == PF_FILL_IBRIDGE;
}

/* The rule walked cell by cell: every maximal run of sparse cells along each of the four directions, at
 * most width / step cells long, with a solid-type cell just past either end, becomes solid (runs taken on
 * the classes as given). */
static void reference(uint8_t *cls, const pf_grid *g, float width)
{
    long nx = g->nx, ny = g->ny;
    uint8_t *in = malloc((size_t)(nx * ny));
    memcpy(in, cls, (size_t)(nx * ny));
    static const int dx[4] = {1, 0, 1, 1}, dy[4] = {0, 1, 1, -1};
    for (int q = 0; q < 4; q++) {
        long kmax = (long)(width / (q < 2 ? g->cell : g->cell * 1.41421356f));
        if (kmax < 1) continue;
        for (long y = 0; y < ny; y++)
            for (long x = 0; x < nx; x++) {
                if (fill_of(in[y * nx + x]) != PF_FILL_SPARSE) continue;
                long px = x - dx[q], py = y - dy[q];
                int prev_in = px >= 0 && py >= 0 && px < nx && py < ny;
                if (prev_in && fill_of(in[py * nx + px]) == PF_FILL_SPARSE) continue; /* not a run's start */
                int solid_end = prev_in && solid_type(in[py * nx + px]);
                long k = 0, ex = x, ey = y;
                while (ex >= 0 && ey >= 0 && ex < nx && ey < ny &&
                       fill_of(in[ey * nx + ex]) == PF_FILL_SPARSE)
                    ex += dx[q], ey += dy[q], k++;
                if (k > kmax) continue;
                if (ex >= 0 && ey >= 0 && ex < nx && ey < ny) solid_end |= solid_type(in[ey * nx + ex]);
                if (!solid_end) continue;
                for (long j = 0; j < k; j++)
                    cls[(y + j * dy[q]) * nx + x + j * dx[q]] = SO;
            }
    }
    free(in);
}

/* A row of cells across a wall: wall, solid band, a sparse sliver n cells wide, then what `after` says. */
static void sliver(uint8_t *row, long nx, int n, uint8_t after)
{
    memset(row, 0, (size_t)nx);
    long x = 2;
    row[x++] = WA;
    for (int k = 0; k < 3; k++)
        row[x++] = SO;
    for (int k = 0; k < n; k++)
        row[x++] = SP;
    for (int k = 0; k < 20; k++)
        row[x++] = after;
}

Test(narrow_sparse, slivers_beside_a_shell_become_solid)
{
    /* 0.2 mm cells, 0.61 mm: runs of up to 3 cells along the rows (2 along the diagonals) */
    enum { NX = 40, NY = 12 };
    pf_grid g = {0, 0, 0.2f, NX, NY};
    uint8_t cls[NX * NY];
    pf_scratch sc = {0};
    for (int n = 1; n <= 5; n++) {
        memset(cls, 0, sizeof cls);
        for (int y = 2; y < NY - 2; y++)
            sliver(cls + y * NX, NX, n, WA); /* shell | n sparse | wall, on every middle row */
        int changed = pf_narrow_sparse(cls, &g, 0.61f, &sc);
        int solid = 0; /* the middle row's sliver cells made solid */
        for (int k = 0; k < n; k++)
            solid += fill_of(cls[5 * NX + 2 + 1 + 3 + k]) == PF_FILL_SOLID;
        if (n <= 3)
            cr_expect(changed && solid == n, "a %d-cell sliver between a shell and a wall: %d cells solid", n,
                      solid);
        else /* (the block's corner cells, short along a diagonal, may change) */
            cr_expect(solid == 0, "a %d-cell strip: %d cells solid", n, solid);
    }
    /* a sliver between two walls (a thin wall's middle) has no shell beside it: it stays */
    memset(cls, 0, sizeof cls);
    for (int y = 2; y < NY - 2; y++) {
        uint8_t *row = cls + y * NX;
        row[2] = WA, row[3] = SP, row[4] = WA;
        row[10] = SO; /* a shell elsewhere on the layer */
    }
    cr_expect_eq(pf_narrow_sparse(cls, &g, 0.61f, &sc), 0);
    cr_expect_eq(fill_of(cls[5 * NX + 3]), PF_FILL_SPARSE);
    pf_scratch_free(&sc);
}

/* Runs the pass on the layer a (nx × ny on g; freed) and the rule on a copy: the same classes, and the pass
 * says whether it changed any. Returns whether it did. */
static int check_layer(uint8_t *a, const pf_grid *g, float width, pf_scratch *sc, int trial)
{
    size_t n = (size_t)g->nx * g->ny;
    uint8_t *b = malloc(n), *orig = malloc(n);
    memcpy(b, a, n);
    memcpy(orig, a, n);
    int changed = pf_narrow_sparse(a, g, width, sc);
    reference(b, g, width);
    cr_assert_eq(memcmp(a, b, n), 0, "trial %d (%u × %u, cell %g, width %g) differs", trial, g->nx, g->ny,
                 g->cell, width);
    cr_assert_eq(changed != 0, memcmp(a, orig, n) != 0, "trial %d: changed %d", trial, changed);
    free(orig);
    free(a);
    free(b);
    return changed != 0;
}

Test(narrow_sparse, equals_the_cell_by_cell_rule_on_random_layers)
{
    srand(12345);
    pf_scratch sc = {0};
    int changes = 0;
    static const uint8_t kinds[] = {0,
                                    SP,
                                    SP,
                                    SP,
                                    SO,
                                    WA,
                                    PF_CELL_INSIDE | PF_FILL_TOP << PF_CELL_FILL_SHIFT,
                                    PF_CELL_INSIDE | PF_FILL_MIDDLE << PF_CELL_FILL_SHIFT};
    for (int trial = 0; trial < 200; trial++) {
        uint32_t nx = 5 + (uint32_t)(rand() % 150), ny = 5 + (uint32_t)(rand() % 60);
        float cell = 0.05f + 0.05f * (float)(rand() % 8);
        pf_grid g = {0, 0, cell, nx, ny};
        size_t n = (size_t)nx * ny;
        uint8_t *a = calloc(n, 1);
        /* blobs: runs of one kind along the rows, copied down with changes, so runs of every length occur */
        for (uint32_t y = 2; y + 2 < ny; y++)
            for (uint32_t x = 2; x + 2 < nx;) {
                uint8_t k = kinds[rand() % (int)sizeof kinds];
                uint32_t len = 1 + (uint32_t)(rand() % 6);
                for (uint32_t j = 0; j < len && x + 2 < nx; j++, x++)
                    a[y * nx + x] = (y > 2 && rand() % 3) ? a[(y - 1) * nx + x] : k;
            }
        float width = 0.1f + 0.05f * (float)(rand() % 11); /* up to 12 cells of 0.05 mm */
        changes += check_layer(a, &g, width, &sc, trial);
    }
    cr_expect_gt(changes, 100, "only %d of 200 layers had a sliver", changes);
    pf_scratch_free(&sc);
}

/* Solid-type cells in a band of a few columns of a wide layer (a shallow slope's top strip, every row of
 * it), sparse cells and walls all around: the pass looks only at the words within a word of the band's, and
 * still equals the cell-by-cell rule, which walks the whole layer. */
Test(narrow_sparse, equals_the_cell_by_cell_rule_beside_a_band_of_solid)
{
    srand(54321);
    pf_scratch sc = {0};
    int changes = 0;
    static const uint8_t around[] = {SP, SP, SP, SP, WA, 0},
                         band[] = {SP, SO, SO, WA, PF_CELL_INSIDE | PF_FILL_TOP << PF_CELL_FILL_SHIFT};
    for (int trial = 0; trial < 100; trial++) {
        uint32_t nx = 130 + (uint32_t)(rand() % 300), ny = 5 + (uint32_t)(rand() % 40);
        float cell = 0.05f + 0.05f * (float)(rand() % 8);
        pf_grid g = {0, 0, cell, nx, ny};
        size_t n = (size_t)nx * ny;
        uint32_t b0 = (uint32_t)(rand() % (int)(nx - 10)), bw = 1 + (uint32_t)(rand() % 30);
        uint8_t *a = calloc(n, 1);
        for (uint32_t y = 1; y + 1 < ny; y++)
            for (uint32_t x = 1; x + 1 < nx;) {
                int in = x >= b0 && x < b0 + bw;
                uint8_t k = in ? band[rand() % (int)sizeof band] : around[rand() % (int)sizeof around];
                uint32_t len = 1 + (uint32_t)(rand() % 4);
                for (uint32_t j = 0; j < len && x + 1 < nx && (x >= b0 && x < b0 + bw) == in; j++, x++)
                    a[y * nx + x] = (y > 1 && rand() % 3) ? a[(y - 1) * nx + x] : k;
            }
        float width = 0.1f + 0.05f * (float)(rand() % 11);
        changes += check_layer(a, &g, width, &sc, trial);
    }
    cr_expect_gt(changes, 50, "only %d of 100 layers had a sliver", changes);
    pf_scratch_free(&sc);
}
