/* The estimator: drives the backend stages over every layer (prepare), keeps compact per-layer statistics,
 * and turns them into volumes, grams and a cooling-aware, acceleration-aware print time for any density
 * (eval). Besides the backend's stages (engine/backend.h), each layer gets host passes over its classes and
 * segments, the same for every backend: wall middles (pf_middles_resolve), the pieces of its solid fills
 * (fill_pieces), the branches of its sparse region for the paths it prints (pf_fill_branches), and the
 * pieces of its inner beads' region (pf_inner_pieces); the contours are chained and timed on the host too. */
#include "engine/estimate.h"
#include "engine/bigalloc.h"
#include "engine/centre_beads.h"
#include "engine/contour_union.h"
#include "engine/field_delta.h"
#include "engine/islands.h"
#include "engine/fill_chains.h"
#include "engine/layer_geom.h"
#include "engine/motion.h"
#include "engine/narrow_sparse.h"
#include "engine/shell_slopes.h"
#include "engine/slice_simplify.h"
#include "engine/slivers.h"
#include "engine/sched.h"
#include "engine/analyze_geo.h"
#include "engine/supports.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <simde/x86/sse2.h>

/* Wall loops are timed exactly (planner passes over the slice contour) at these speeds; other speeds
 * interpolate. */
#define NSPD 9
static const double spd_grid[NSPD] = {5, 10, 15, 20, 25, 30, 35, 45, 60};

#define MAX_LAYERS 100000
/* Cells per layer at most. A layer's figures are band areas (fractional coverage) and run histograms: on flat
 * parts of large footprint (a 150 mm plate, a sign with 0.8 mm ribs, a coaster of thin tubes; PrusaSlicer
 * figures in tests/data/extra) 250 k cells a layer give the same weight and time within 0.5 % as 1.5 M, at a
 * sixth of the cost. Parts with more than 32 layers are bounded by CELL_BUDGET first. A part of at most
 * FLAT_CELL_LAYERS layers, whose estimate is its layers' area and which a slicer goes through in a fraction
 * of a second, has at most FLAT_CELLS_PER_LAYER: on the 17 such parts of the two reference sets whose layers
 * reach it, at 5 infills each, 104 errors (weight or time) grew by at most 0.52 points and 66 fell by up to
 * 0.82 against 250 k, and a 150 mm plate took 2.1 ms instead of 2.9 on two threads. 100 k instead of 175 k
 * (2026-12-06, on a machine whose PrusaSlicer sliced that plate in 0.11–0.13 s): over the 32 flat parts of
 * the two reference sets with a footprint over 1900 mm² (160 rows), median |weight error| 0.48 → 0.52 %,
 * worst 3.48 → 3.73; median |time error| 0.59 → 0.61 %, worst 5.25 → 4.55; the largest moves +1.2 points
 * (gear60's time at 50 %) and +1.3 (sign_open's at 0 %); the plate's SIMD estimate 1.7–2.2 → 1.1–1.5 ms.
 * (60 k: gear60 and perfplate moved by up to 3.6 points.) */
#define MAX_CELLS_PER_LAYER ((size_t)250000)
#define FLAT_CELLS_PER_LAYER ((size_t)100000)
#define FLAT_CELL_LAYERS 32
/* Cell-layers per estimate: bounds prepare time. Fractional cell coverage keeps areas accurate on coarse
 * grids, but only down to about CELL_ACC_W·w_ext: coarser cells misplace the top / bottom and wall-middle
 * boundaries by up to half a cell, which on large parts (checked with PrusaSlicer 2.5 on a 100 mm sphere, a
 * 132 mm torus, a 120 mm vase shell: cells of 0.6–1.2 mm) put the time 15–85 % over. So CELL_BUDGET bounds
 * the grid until its cell reaches CELL_ACC_W·w_ext (CELL_ACC_W_THICK·w_ext on thick parts), and only
 * CELL_BUDGET_MAX beyond that: a 180 mm sphere (900 layers) keeps cells of w_ext, 0.45 mm (PrusaSlicer: 7 s);
 * at 64 M cell-layers its 0.675 mm cells put it at +20 % in time at 0 % infill. */
#define CELL_BUDGET 8e6
#define CELL_BUDGET_MAX 256e6
#define CELL_ACC_W 0.8
/* Thick parts (mean thickness T, below, at least THICK_T) misplace those boundaries over a smaller share of
 * their volume, and take cells of CELL_ACC_W_THICK·w_ext. Against 0.8·w_ext on both reference sets (1710
 * rows): at 1.0 no median moved and 13 rows came nearer PrusaSlicer in time by over half a point; at 1.2
 * (from 1.0) no median moved by more than 0.04 points, 4 rows came nearer in weight and 4 went farther in
 * time, the bumpy spheres at 0 %, whose solid caps are short already (the 1 M-facet one −8.6 → −10.2 →
 * −12.5 %, the worst shared row; the bound is 20 %), for 15 % and then 17 % less prepare time on the bumpy
 * spheres (T ≈ 20 mm). 1.1 and 1.15 moved more rows (a torus 3.5 points): the grid's phase against the
 * walls, not the cell alone, decides most of what a row moves. */
#define CELL_ACC_W_THICK 1.2
#define THICK_T 12.0
/* A part's mean thickness T = 2·volume / surface area (a wall t wide: t; a ball of radius r: 2r/3) says how
 * much of its area lies within a cell of its boundary, where the raster errs: the relative error of its areas
 * goes as cell / T. Thin-walled parts (T ≤ THIN_T: thinwall 0.8 mm, vase 1.2, enclosure 2.0) keep
 * CELL_BUDGET, whose cells they need (thinwall's weight moved by ±7 % at 0.75× and 0.5× the cell-layers);
 * thicker ones get CELL_BUDGET·THIN_T / T, at least THICK_BUDGET_MIN of it (bracket 3.8 mm: 0.53×; sphere 13
 * mm: 0.35×), under the same CELL_ACC_W cap. Over both reference sets no row's error moved by more than 2 %
 * (torus at 10–50 % by up to 4 % nearer PrusaSlicer). THICK_BUDGET_MIN 0.35 instead of 0.4 (2026-12-06):
 * over both reference sets (1770 rows) the medians moved by 0.1 point at most and no worst error moved, 35
 * rows went farther from PrusaSlicer by over half a point and 38 came nearer (the most: steinmetz at 0 %,
 * +4.2 points in weight; the herringbone gear at 0–50 % 3.3–5.5 points nearer in time), for 8 % less prepare
 * time on the torus (cells of 0.353 mm instead of 0.330; 9.75 → 8.94 ms on two threads) and 6 % on the
 * sphere. */
#define THIN_T 2.0
#define THICK_BUDGET_MIN 0.35
/* Never finer than this fraction of the external perimeter width: finer grids cost time without changing the
 * estimate (measured on the reference meshes and the exact box tests: 0.3–0.4·w hold the errors of a 0.05 mm
 * grid; 0.45–0.5·w start to lose box walls by 1–2 % and thin walls by up to 10 %). */
#define CELL_MIN_W 0.4
/* The grid's origin sits this fraction of a cell off the part's bounding box, so parts whose size is a whole
 * number of cells (a 20 mm cube on 0.2 mm cells) do not put both walls exactly on cell boundaries, where the
 * classification of the boundary cells flips as a whole. */
#define GRID_SHIFT 0.25

/* Each layer is sliced this far (mm) below its middle. A horizontal face lying on a layer's middle (the top
 * of a 1.5 mm floor under 0.2 mm layers) is a tie, which PrusaSlicer decides by float rounding, mostly for
 * the material below: cups of 30 mm with floors of 0.5, 0.9, 1.3, 1.5, 1.9 and 2.5 mm print their floors' top
 * layer (1.1 mm does not), and a phone case of a 1.5 mm floor weighed 9 % more than the estimate at 100 %. */
#define SLICE_BELOW 1e-4

/* PrusaSlicer's small-perimeter limit: a loop no longer than this (mm) runs at small_perimeter_speed. */
#define SMALL_PERIMETER (2 * M_PI * 6.5)

/* Steep layers (mode STEEP_ON / STEEP_SKIP of run_stages): where every facet within STEEP_W layers of a
 * layer is steep (|n_z| ≤ STEEP_T·|n_xy|: its wall moves by at most STEEP_T·h a layer, 0.07 mm), the
 * layer's outline changes slowly and smoothly from one layer to the next, and no rule that compares it with
 * its neighbours applies: a top or bottom seed needs a move of fill_lo (0.8 mm) in one layer, a vertical
 * shell of shell_min_width (0.47 mm) within two, which the facets' slopes (pf_shell_slopes) would not reach
 * in three. Such a layer is classified against itself alone (its neighbours taken equal to it), so it needs
 * no other layer's field, and of each STEEP_P layers two (one of each fill direction) go through the stages;
 * the others (STEEP_SKIP) are not rastered at all and get their sums interpolated between the nearest such
 * layers of their parity, STEEP_P layers apart (steep_fill). A skipped layer lies at least STEEP_GAP layers
 * from any layer that is not steep, beyond every window that reads other layers' fields or margins. The
 * slices and their contour pass are every layer's, as before. */
/* STEEP_T: at 0.5 a held-out cone of 65° read 4.3 % short in time at 0.3 mm layers against every layer
 * through its stages (the raster's steps add up to a cell to a wall's move, and its shells fired), at 0.35
 * cones and cups of 0.2 … 0.345 stay within 0.03 % at 0.1–0.3 mm, 2 or 3 perimeters, 0–100 %. */
#define STEEP_T 0.35
#define STEEP_W 6
#define STEEP_P 8
/* Wide runs: a part's steep layers, and separately its linear ones (LIN_*), are taken STEEP_P_WIDE at a time
 * instead of STEEP_P, two anchors of each 16 layers through the stages, where the modes made both ways
 * (steep_modes, lin_modes) say that saves at least a share 1 − WIDE_GAIN and WIDE_MIN layers' work
 * (modes_cost, wide_pays); linear runs only on parts thicker than THIN_T, whose thin walls' band areas jump
 * by a cell's width of area from one anchor to the next (a hollow pyramid of 1.6 mm walls: its sparse fill
 * summed over the layers 2.8 % off every layer's own stages, against 1.5 % on STEEP_P). The steep checks
 * after the stages bound a wide run's figures by WIDE_STRICT of their bounds (strictness: a steep layer is
 * interpolated on the line between its anchors); the linear ones, whose layers lie on a parabola through
 * four anchors, keep theirs (at a quarter of the curvature term a phone stand's wide runs failed and took a
 * second pass, +12 % in time). A wide run whose layers fail is split (wide_split): its middle anchors go
 * through the stages in a second pass and its halves are checked as runs of STEEP_P, whose failing layers go
 * through in a third. On 2026-12-07, 31 of the 347 meshes of both reference sets took wide runs: −10.3 % of
 * instructions in the geometric mean (callgrind, one thread: tower −31 %, a lamp shade −30 %, towers twisted
 * 90° and 45° −27 and −23 %, the phone stand −13 %, overhang −12 %, a pyramid −9 %; at most +1.7 %, a cone
 * whose wide runs all split); 37 of the 1820 accuracy rows moved by over 0.05 %, by 1.2 % at most, none
 * farther from PrusaSlicer by half a point and 2 nearer by over one. Every anchor STEEP_P_WIDE apart, with
 * the checks' bounds as they were, failed a 15° tent (47 layers: all its linear layers through the stages
 * again, +58 %), and interpolated a twisted star tapering 8 % in area every 8 layers 0.5 % off its own stages
 * (tests/test_estimate.c). */
#define STEEP_P_WIDE 16
#define WIDE_GAIN 0.97f
#define WIDE_MIN 2.0f
#define WIDE_STRICT 0.25f
#define STEEP_GAP 5
/* The layer of l's parity at or below it that goes through the stages for the run of P it starts (its
 * anchor; the next one is P above; P: STEEP_P or STEEP_P_WIDE): the even layers' at multiples of P, the odd
 * ones' a layer below them, so that each pair of anchors is two layers side by side and a run of linear
 * layers holds as many odd blocks as even ones (with the odd anchors a layer above, overhang's ramps lost
 * their last odd block to the vertices at their tops). SIZE_MAX: none (odd layers below P − 1). */
static size_t anchor_of(size_t l, size_t P)
{
    if (!(l & 1)) return l - l % P;
    return l + 1 < P ? SIZE_MAX : l - (l + 1) % P;
}
/* Linear layers (LIN_*): between two planes that hold no corner of any facet, every slice is cut from the
 * same facets and its corners move along straight lines as the plane rises, so its figures change smoothly
 * from one layer to the next (areas quadratic in the height: the overhang test's 30–60° ramps, a chamfer, a
 * low-poly cone). Where no slab within LIN_W layers of a layer holds a corner, the slices close into loops
 * and the part is no prism there (whose layers are copies) nor steep, the layers are taken STEEP_P at a time
 * as the steep ones are, two of them through all the stages and the others' sums interpolated, but unlike a
 * steep layer each of those two is classified against its real neighbours: the skipped layers still get
 * their fields and margins (LIN_FIELD), and the one below each pair its classes too (LIN_CLASS: the layer
 * below of the pair's first, whose internal bridges read it); only the classes, bridges and sums of the
 * others are saved, about half a layer's work. The curve is checked, not assumed (lin_check): the pair's
 * figures must lie on a parabola with the pairs STEEP_P below and above, or on a line with one of them,
 * within STEEP_APART, else the layers between go through all the stages after all (a wedge's fill region
 * closing, a run set that appears). Over both reference sets (1710 rows) the estimates moved by 0.03 % in
 * weight and 0.09 % in time on average, 0.76 % at most, no row's error grew by half a point; the overhang
 * test's 115 layers: 33 interpolated, 3.6 → 2.8 ms (bench/RESULTS.md); 36 since the odd anchors sit a layer
 * below the even ones (anchor_of). */
enum { STEEP_OFF, STEEP_ON, STEEP_SKIP, LIN_FIELD, LIN_CLASS, LIN_RAW, LIN_SKIP };
/* A layer's classes read the fields and margins of the layers up to 3 away, cut at the planes up to 3 away,
 * so layer l's sums follow a curve where slabs l − 2 … l + 3 (between planes l − 3 and l + 3) hold no
 * vertex. A vertex marks its slab and the one on either side (tilt_mark), so no mark within LIN_W = 3 slabs
 * of l leaves slabs l − 4 … l + 4 free, a slab or two to spare (LIN_W 4 gave overhang 30 interpolated layers
 * instead of 33, and 10 of the 1710 reference rows differed by at most 0.06 %). */
#define LIN_W 3
/* LIN_RAW: a linear layer whose field its neighbours' windows read, with no margins, classes or sums (in a
 * second pass of the stages, after lin_check, those it has are kept); LIN_SKIP: a linear layer nothing reads
 * (lin_trim), not rastered at all. */

/* Contour edges that run along a layer's fill lines (within PAR_TAN of their direction: a part turned 45°
 * about z, a 45° chamfer): PrusaSlicer's lines sit at multiples of the spacing from the anchor, so beside
 * such an edge a whole line of its length is there or not by that phase, where the area model counts a share
 * of one (fill_line_edges keeps the PAR_MAX longest). */
#define PAR_MAX 4
#define PAR_TAN 0.005
#define PAR_MIN_LEN 1.0 /* mm: shorter lines there are left to the area model */
/* zig-zag link length, in line spacings (45° lines, axis-ish walls); a region's n lines take n − 1 links */
#define LINK_FACTOR 1.41421356

typedef struct layer_stat {
    pf_layer_cells cells;      /* areas and fill-run histograms from the backend */
    float h;                   /* layer thickness */
    float contour_len;         /* total slice contour length */
    float small_len;           /* length of contours no longer than the small-perimeter limit */
    float ibox[4];             /* bounding box of the islands' contours: x0, y0, x1, y1 (when nislands > 0) */
    uint32_t nloops;           /* closed contours (islands + holes) */
    uint32_t nislands;         /* counter-clockwise contours */
    uint32_t joined;           /* of them, those PrusaSlicer prints as part of another (pf_islands_join) */
    float excess[NSPD];        /* Σ over contours of planner time − length/v, at spd_grid speeds */
    uint16_t pieces[PF_RUN_N]; /* fill_pieces: separate pieces of each run set (solid-type sets only) */
    float su[2];               /* the contour's least and greatest offset across the layer's fill lines, mm */
    float par_u[PAR_MAX];   /* contour edges along the fill lines (fill_line_edges): offset across them, mm */
    float par_len[PAR_MAX]; /* and length, mm: > 0 where the part lies on the side of greater offset */
    float link_f;           /* a sparse link's length in line spacings (fill_line_edges) */
    pf_branch_hist br;      /* pf_fill_branches of the sparse region: its paths at any spacing */
    uint32_t inner_pieces;  /* pf_inner_pieces: the pieces of the inner beads' region */
    uint32_t cb_paths;      /* centre-bead paths (engine/centre_beads.h) */
    uint32_t cb_islands;    /* islands with a concave corner or a wall end, where such paths may start */
    uint32_t cb_beads;      /* short beads in sharp corners of thin walls, each a path (centre_beads.h) */
    uint32_t ncorners;      /* the contours' concave corners (pf_contour_corners) */
    float inner_deficit;    /* inner beads' length the band's area leaves out (pf_narrow_inner_deficit) */
    float thin_rays;        /* the inner band's area in walls too thin for an inner bead, by the rays */
    float thin_mid;         /* the middles' area of walls of one centre bead, by the rays (thin_by_rays) */
    float thin_beads[2];    /* contour along walls of one bead and of two external beads only, by the rays */
    float overhang[2];      /* the share of the external and of the inner band over air (wall_overhangs) */
} layer_stat;

/* A fill group's lines reduced per histogram bin, enough to time them exactly at any cruise speed F: a line
 * of length l that reaches F takes l/F + (F − vj)²/(a·F); a shorter one takes the triangular-profile time
 * `tri`, which does not depend on F. */
/* Sums over a fill set's bins from bin i, so that bins_time needs no loop: over bins k ≥ i for sw and swl,
 * over ns ≤ k < i for pt ([nb]: past the last bin). Side by side: bins_time reads the three of one bin. */
typedef struct bin_sums {
    float sw;  /* Σ w: line count (sparse: perpendicular extent, × density / spacing) */
    float swl; /* Σ w·l */
    float pt;  /* Σ w·(time of one line too short to reach F) */
} bin_sums;

/* The fields bins_time reads first come first, and a bin's three sums side by side: a tower's 900 records
 * (2.3 KB each) do not stay in a core's cache from one evaluation to the next, and each line of them eval
 * reads costs (the tower's re-quote 36.3–37.1 → 34.7–36.2 µs, 3 interleaved rounds). */
typedef struct fill_bins {
    uint32_t nb;           /* bins in use, by increasing line length */
    uint32_t ns;           /* the first ns are narrow strips filled along their length (l/F, no link) */
    double wl_strip;       /* Σ w·l over the strips */
    double nlong;          /* Σ w over non-strip bins: lines that get a link */
    double len;            /* Σ w·l */
    double v, a, ia;       /* nominal speed, acceleration, 1 / acceleration */
    float l[PF_HIST_BINS]; /* line length, mm */
    bin_sums s[PF_HIST_BINS + 1];
} fill_bins;

/* Everything eval needs about one layer, independent of the density; identical layers share one record
 * (mult counts them). Modes: 0 = density 0, 1 = sparse infill, 2 = 100 % (sparse printed as solid). */
/* The short lines of a wall's middle strip at 100 % (strip_extra): per run-histogram bin under SHORT_RUN (at
 * most three, by the bins' edges), the lines' length and count. */
#define STRIP_BINS 3
typedef struct strip_lines {
    float l[STRIP_BINS], n[STRIP_BINS];
    uint32_t nb;
} strip_lines;

typedef struct layer_eval {
    double mult;           /* layers with this record */
    double wlen[4], wv[4]; /* wall groups (small ext, ext, small inner, inner): length, nominal speed */
    double wk[4];          /* weight of the per-contour excess time of each wall group */
    double tw[4];          /* each wall group's nominal time */
    double tw_nom[2];      /* nominal wall time: external, inner */
    double toh[2];         /* the overhanging walls' time (in tw_nom): external, inner; not slowed */
    double loh;            /* and their length */
    float excess[NSPD];    /* the layer's contour excess times (layer_stat.excess) */
    double flen[2][3];     /* [full][solid, top, bridge] path length at nominal speed */
    double ftime[2][3];    /* the same groups' nominal planner time */
    double link[2];        /* link length of the solid and top groups */
    double naive_all[3];   /* per mode: naive time of travel, retractions, bridges and every adjustable group
                              except sparse */
    double t_trav[3], t_other[3]; /* per mode: travel and retraction times (sparse paths apart) */
    double path[3];               /* one more path: its travel time, retraction time and naive time */
    double sparse_c;  /* sparse planner time per unit (density / spacing) at nominal speed, no links */
    int has_sparse;   /* the layer has a sparse region */
    pf_chain_sums br; /* the sparse region's branches (layer_stat.br), summed: its paths, pf_chains_at */
    double su[2]; /* one island: its sparse span across the fill lines from the grid's anchor (NAN: none) */
    double par[PAR_MAX][2]; /* edges along the sparse lines (par_lines): the last line's offset from the
                               anchor, and the lines' length there (> 0: the region at greater offsets) */
    uint32_t npar;
    double link_f;   /* sparse links, in spacings (layer_stat.link_f) */
    fill_bins fb[4]; /* solid (not full), solid (full), top, sparse */
    strip_lines xs; /* the sparse region's lines at 100 % that fb[1] prints along their strip (strip_extra) */
    /* [full]: the groups the cooling slowdown can slow, sparse infill aside (walls, solid, top), as
     * pf_motion_cooling_groups sorts them: eval merges the sparse group in */
    double csp[2][6], csl[2][6], cst[2][6];
    uint8_t cm[2];
} layer_eval;

struct pf_estimate_cache {
    pf_profile p;            /* profile the cache was made with */
    size_t nlayers;          /* layer count */
    layer_stat *layers;      /* nlayers entries */
    double cell;             /* raster cell size, mm */
    double uc[2];            /* the mesh's bbox centre across the fill lines of even and odd layers (the
                                anchor of PrusaSlicer's line grid), mm */
    unsigned threads;        /* threads prepare ran the per-layer stages on */
    size_t skipped;          /* layers whose sums are interpolated (STEEP_SKIP) */
    size_t unrastered;       /* layers the first pass of the stages did not raster (STEEP_SKIP, LIN_SKIP) */
    double overhang_area;    /* mm², downward faces needing support */
    pf_support_geom sup;     /* where supports stand, per layer: made when the profile asks for supports */
    uint32_t *sup_first;     /* with sup: per record, its first entry in sup_layer (nrecs + 1 entries) */
    uint32_t *sup_layer;     /* the layers ≥ 1 that hold support, by record */
    double max_area;         /* largest layer area */
    layer_eval *recs;        /* distinct layer records */
    size_t nrecs;            /* their count */
    double vol_ext, vol_int; /* wall volumes, mm³ */
    double vol_solid[2];     /* solid volume [full] */
};

const char *pf_estimate_bucket_name(int bucket)
{
    static const char *names[PF_TIME_N] = {
        "external_perimeter", "perimeter", "solid", "infill", "support", "travel", "other"};
    return bucket >= 0 && bucket < PF_TIME_N ? names[bucket] : "?";
}

/* Walls with one centre bead (engine/centre_beads.h), in perimeter spacings beyond the external beads'
 * overlap: Arachne's 4 beads take over half way between the optima of 3 and 4 (1.47 mm with the default
 * profile; 1.45 mm ribs print centre beads, 1.5 mm ones inner loops). The thinnest such wall is cb_lo's:
 * two external spacings and min_bead_width's share of a perimeter spacing (1.165 mm at 0.2 mm layers). */
#define CB_HI 3.5
/* A sharp corner of such walls splits the centre bead where the largest circle in it is wider than this
 * (1.51 mm: a box's 1.3 mm walls split at every corner, 1.25 mm ones and a hexagon's 1.4 mm ones do not) */
#define CB_SPLIT 3.6

/* A sharp corner between walls too thin for a centre bead holds a short bead of its own where its largest
 * circle is this wide (1.18 mm: between a star cutter's tips, 1.16 mm, none, and a rhombic tube's 60°
 * corners, 1.20 mm, a bead each; centre_beads.h) */
#define CB_BEAD 2.79

/* The area of a layer's fill regions, every fill class (mm²). */
static double fill_total(const pf_layer_cells *lc)
{
    double f = 0;
    for (int k = 1; k < PF_FILL_N; k++)
        f += lc->fill_area[k];
    return f;
}

static double spacing(double w, double h)
{
    return w - h * (1 - M_PI / 4);
}

/* Thinnest wall with one centre bead, mm: Arachne adds a bead between the two external ones where the width
 * left between them reaches add_thr = min_bead_width / w_ext (min_bead_width 85 % of the nozzle) perimeter
 * spacings (DistributedBeadingStrategy; the same rule as bead_ridge): 1.165 mm at 0.2 mm layers, where an
 * open box's walls print one from 1.165 mm, and 1.2025 mm at 0.1 mm, where the spacings are wider and a vase
 * of 1.2 mm walls prints none (PrusaSlicer 2.5: 367 m of external perimeter and 2 m of inner; the estimate
 * was 28 % over in time with a centre bead from 1.187 mm, 2.72 spacings, fitted at 0.2 mm on ribs of 1.1
 * and 1.2 mm). */
static float cb_lo(const pf_profile *p)
{
    double se = spacing(p->w_ext, p->layer_height), sp = spacing(p->w_perim, p->layer_height);
    return (float)(p->w_ext - se + 2 * se + 0.85 * p->nozzle / p->w_ext * sp);
}

/* The widest wall Arachne prints with a single bead (PRUSASLICER-NOTES §2): up to (1 + split) external
 * spacings after the contour's shrink by (w_ext − s_ext) / 2 a side, split = 2·min_bead_width / w_ext − 1,
 * min_bead_width 85 % of the nozzle: 0.658 mm with the default profile (0.6 mm walls print one bead, 0.7 mm
 * ones two, PrusaSlicer 2.5). */
static float one_bead_max(const pf_profile *p)
{
    double se = spacing(p->w_ext, p->layer_height);
    return (float)(2 * 0.85 * p->nozzle / p->w_ext * se + (p->w_ext - se));
}

/* Thickest wall with one centre bead, mm (CB_HI). */
static float cb_hi(const pf_profile *p)
{
    return (float)(p->w_ext - spacing(p->w_ext, p->layer_height) +
                   CB_HI * spacing(p->w_perim, p->layer_height));
}

static float cb_split(const pf_profile *p)
{
    return (float)(p->w_ext - spacing(p->w_ext, p->layer_height) +
                   CB_SPLIT * spacing(p->w_perim, p->layer_height));
}

static float cb_bead(const pf_profile *p)
{
    return (float)(p->w_ext - spacing(p->w_ext, p->layer_height) +
                   CB_BEAD * spacing(p->w_perim, p->layer_height));
}

/* Bands whose d − d_j lies within this (mm) of shell_min_width are decided from the facets' slopes
 * (engine/shell_slopes.h): 1.3–2 times the scatter of d − d_j on a slanted wall (0.25: the same answers,
 * 10 % slower on curved parts; 0.15: the 45° cones 2–3 points farther). Less than
 * shell_min_width, so a cell deep inside every layer (d − d_j = 0) is never one. */
#define SHELL_AMBIGUOUS 0.2f

static pf_classify_params classify_params(const pf_profile *p)
{
    pf_classify_params c;
    double h = p->layer_height, se = spacing(p->w_ext, h), sp = spacing(p->w_perim, h),
           ss = spacing(p->w_solid, h);
    double sf = spacing(p->w_first, p->first_layer_height);
    c.ext_lo = (float)((p->w_ext - se) / 2);
    c.ext_hi = p->perimeters > 0 ? (float)(c.ext_lo + se) : c.ext_lo;
    c.int_hi = p->perimeters > 1 ? (float)(c.ext_hi + (p->perimeters - 1) * sp) : c.ext_hi;
    c.fill_lo = (float)(c.int_hi - (p->perimeters > 0 ? p->infill_overlap * sp : 0));
    c.fill_print_lo = (float)(c.fill_lo + 0.05 * ss);
    c.l0_shift = (float)p->elephant_foot;
    c.l0_ext_hi = p->perimeters > 0 ? (float)(c.ext_lo + sf) : c.ext_lo;
    c.l0_int_hi = (float)(c.ext_lo + p->perimeters * sf);
    c.l0_fill_lo = (float)(c.l0_int_hi - (p->perimeters > 0 ? p->infill_overlap * sf : 0) + 0.05 * sf);
    c.margin = 3.0f;
    c.shell_min_width = (float)(1.05 * ss);
    c.shell_lo = (float)(c.fill_lo + 0.3 * 1.05 * ss);
    c.shell_far = (float)(1.3 * 1.05 * ss);
    c.shell_ambig = SHELL_AMBIGUOUS;
    c.sparse_min_width = (float)(1.5 * ss);
    /* Arachne adds an inner bead where the width left between the external beads reaches add_thr·s
     * (DistributedBeadingStrategy; add_thr = min_bead_width / w_ext, min_bead_width 85 % of the nozzle):
     * half of that on either side of the wall's middle. */
    c.bead_ridge = (float)(0.5 * (0.85 * p->nozzle / p->w_ext) * sp);
    c.covered = p->infill_density > 0 ? 0.0f : (float)(0.3 * c.margin);
    return c;
}

/* Where wall_overhangs looks for loops over air: offsets from the slice contour, the external loop's in
 * the middle of its band, then the inner loops', a perimeter spacing apart in theirs. */
#define OVERHANG_LOOPS 4
typedef struct overhang_probe {
    float reach;              /* half the nozzle, mm */
    float at[OVERHANG_LOOPS]; /* each loop's offset inside the contour, mm */
    int loops;                /* how many of them */
} overhang_probe;

static overhang_probe overhang_probe_of(const pf_profile *p, const pf_classify_params *cp)
{
    overhang_probe op = {.reach = (float)(p->nozzle / 2), .loops = p->perimeters > 0};
    op.at[0] = 0.5f * (cp->ext_lo + cp->ext_hi);
    int inner = p->perimeters - 1;
    for (int k = 0; k < inner && op.loops < OVERHANG_LOOPS; k++)
        op.at[op.loops++] = cp->ext_hi + ((float)k + 0.5f) * (cp->int_hi - cp->ext_hi) / (float)inner;
    return op;
}

/* Supports (engine/supports.h). A region grows SUP_MARGIN round the footprints above it: PrusaSlicer's
 * "grid" style snaps it to cells of the base pattern's line pitch (2.3 mm), so a mushroom's 15 mm cap stands
 * on a region of 16.2 mm radius. On the support grid's 0.5 mm cells 0.8 mm is two cells along the grid and a
 * rounded disc; fitted with SUP_LAYER_TIME and SUP_LINE_TIME on 34 meshes at 20 % (1.0 mm: weight worst 14.8
 * against 11.6 %, 0.5 mm, one cell: time median 3.8 against 3.2 %). */
#define SUP_MARGIN 0.8

/* The support's own layer height (support_material_synchronize_layers 0: layers of max_layer_height, or of
 * three quarters of the nozzle when that is 0; under the part's layers when those are thicker). */
static double support_layer_h(const pf_profile *p)
{
    return p->max_layer_height > 0 ? p->max_layer_height : 0.75 * p->nozzle;
}

/* support_material_threshold 0 is PrusaSlicer's "detect": a layer that reaches over the one below by more
 * than half an external perimeter's width, a face flatter than atan(h / (w_ext / 2)) (42° by default). */
static pf_support_params support_params(const pf_profile *p)
{
    double detect = atan2(p->layer_height, p->w_ext / 2) * 180 / M_PI;
    return (pf_support_params){.threshold_deg = p->support_threshold > 0 ? p->support_threshold : detect,
                               .contact = p->support_contact,
                               .xy_gap = p->support_xy < 0 ? -p->support_xy * p->w_ext : p->support_xy,
                               .margin = SUP_MARGIN,
                               .first_expansion = p->support_first_grow,
                               .iface_depth = p->support_iface_layers * support_layer_h(p)};
}

/* ---- contour chaining: segments → closed loops, timed by the planner model ---- */

/* The contours a thread timed on its last layer, kept for its next: a prism's layers repeat the same walls,
 * and timing them took up to a tenth of a small prism's estimate. Their segments differ where each slice
 * crosses a side's diagonal, so a contour is known by its points less those where it runs straight on
 * (memo_key); the planner times such contours the same but for where wall_simplify, given other points along
 * a side, put its own (a few microseconds of a layer). */
#define MEMO_CONTOURS 64  /* contours a layer may have and be kept */
#define MEMO_FLOATS 65536 /* their keys' floats in all */

typedef struct memo_entry {
    uint64_t h;      /* hash of the key and the closed flag */
    uint32_t p0, np; /* the key: floats [p0, p0 + np) of the generation's pts */
    uint8_t closed, hit;
    float ex[NSPD]; /* what the contour added to layer_stat.excess */
} memo_entry;

typedef struct memo_gen {
    memo_entry e[MEMO_CONTOURS];
    uint32_t n;    /* entries */
    uint32_t npts; /* floats of pts used */
    int full;      /* something did not fit, or nothing may be taken from it */
    float *pts;    /* MEMO_FLOATS */
} memo_gen;

/* Scratch for contour_stats, sized once for the largest layer. */
typedef struct chain_scratch {
    size_t cap;         /* hash slots (a power of two ≥ 2 × segments) */
    uint32_t *head;     /* per slot: first segment (or fragment) index + 1 hashed there, 0 = none */
    uint32_t *next;     /* per segment (or fragment): next index + 1 in its slot's list */
    uint8_t *used;      /* per segment: already chained */
    float *pts;         /* a closed loop's points, 2 floats each */
    float *opts;        /* open fragments' points, end points included */
    float *cat;         /* a joined contour's points */
    float *simp;        /* a contour's points after wall_simplify */
    float *canon;       /* and without the points where it runs straight on (memo_find's key) */
    struct frag *frags; /* open fragments */
    double *mscratch;   /* pf_motion_polyline_times scratch */
    pf_corner *corners; /* the layer's concave contour corners (pf_contour_corners) */
    size_t ncorners;
    uint32_t ncontours; /* closed contours of the layer so far */
    unsigned tips;      /* the layer's wall ends */
    memo_gen *memo;     /* [cur]: this layer's contours, [!cur]: the last layer's */
    int cur;
    pf_island *isl;      /* the layer's islands (pf_islands_join) */
    float *ipts;         /* their contours' keys (memo_key) */
    uint32_t *iup;       /* their union-find forest */
    double *itot;        /* per joined island: its members' contour length */
    size_t nisl, nipts;  /* islands, floats of ipts used */
    int one_k;           /* layers of the run so far that took centre-bead rays or their figure */
    float one_ratio;     /* the last rays' length per mm of contour, for the layer after (NAN: none) */
    float none_ratio;    /* and their thin walls' middle area per mm of contour */
    float thin_ratio[2]; /* and their thin_beads per mm of contour */
    float mid_ratio;     /* and their centre-bead walls' middle area per mm of contour */
} chain_scratch;

/* A chain of segments that did not close by mesh edges: points opts[p0 … p0 + np), its start and end edge
 * keys, length and twice its signed area's share; succ / pred link fragments into one contour (NO_FRAG:
 * none). */
typedef struct frag {
    uint32_t p0, np, succ, pred;
    uint64_t skey, ekey;
    double len, area2;
    int seen;
} frag;
#define NO_FRAG UINT32_MAX
/* Largest gap (mm) closed between the end of one open chain and the start of another, as a slicer closes the
 * cracks of a mesh whose vertices were not welded exactly (PrusaSlicer's close-gaps step takes up to 2 mm).
 */
#define GAP_MAX 2.0f

static void chain_scratch_free(chain_scratch *cs)
{
    free(cs->head);
    free(cs->next);
    free(cs->used);
    free(cs->pts);
    free(cs->opts);
    free(cs->cat);
    free(cs->simp);
    free(cs->canon);
    free(cs->frags);
    free(cs->mscratch);
    free(cs->corners);
    free(cs->isl);
    free(cs->ipts);
    free(cs->iup);
    free(cs->itot);
    if (cs->memo)
        for (int g = 0; g < 2; g++)
            free(cs->memo[g].pts);
    free(cs->memo);
}

/* Errors: NOMEM. */
static pf_err chain_scratch_init(chain_scratch *cs, size_t maxn)
{
    memset(cs, 0, sizeof *cs);
    cs->cap = 16;
    while (cs->cap < 2 * maxn)
        cs->cap *= 2;
    cs->head = malloc(cs->cap * sizeof *cs->head);
    cs->next = malloc((maxn + 1) * sizeof *cs->next);
    cs->used = malloc(maxn + 1);
    cs->pts = malloc((2 * maxn + 2) * sizeof *cs->pts);
    cs->opts = malloc((4 * maxn + 4) * sizeof *cs->opts); /* a fragment has one point more than segments */
    cs->cat = malloc((4 * maxn + 4) * sizeof *cs->cat);
    cs->simp = malloc((4 * maxn + 4) * sizeof *cs->simp);
    cs->canon = malloc((4 * maxn + 4) * sizeof *cs->canon);
    cs->frags = malloc((maxn + 1) * sizeof *cs->frags);
    cs->mscratch = malloc(pf_motion_polyline_scratch(2 * maxn + 2) * sizeof *cs->mscratch);
    cs->corners = malloc((2 * maxn + 2) * sizeof *cs->corners);
    cs->isl = malloc((maxn + 1) * sizeof *cs->isl);
    cs->ipts = malloc((4 * maxn + 4) * sizeof *cs->ipts);
    cs->iup = malloc((maxn + 1) * sizeof *cs->iup);
    cs->itot = malloc((maxn + 1) * sizeof *cs->itot);
    cs->memo = calloc(2, sizeof *cs->memo);
    for (int g = 0; g < 2 && cs->memo; g++) {
        cs->memo[g].pts = malloc(MEMO_FLOATS * sizeof *cs->memo[g].pts);
        cs->memo[g].full = 1; /* nothing kept yet */
    }
    if (!cs->head || !cs->next || !cs->used || !cs->pts || !cs->opts || !cs->cat || !cs->simp || !cs->canon ||
        !cs->frags || !cs->mscratch || !cs->corners || !cs->isl || !cs->ipts || !cs->iup || !cs->itot ||
        !cs->memo || !cs->memo[0].pts || !cs->memo[1].pts) {
        chain_scratch_free(cs);
        return PF_E_NOMEM;
    }
    return PF_E_OK;
}

static size_t key_slot(uint64_t key, size_t cap)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    return (size_t)key & (cap - 1);
}

/* PrusaSlicer's wall paths are simplified (Arachne: segments under about half a millimetre merged while the
 * path stays within 0.025 mm of the removed points), so their junctions, which the planner slows at, do not
 * multiply with the mesh's tessellation: bumpy_100k and bumpy_1m, the same shape in 100 k and 1 M triangles,
 * get walls of 0.57 and 0.60 mm segments and the same print time. Contours are timed after the same
 * reduction. */
#define WALL_RESOLUTION 0.5f
#define WALL_DEVIATION 0.025f

/* |(dx, dy)|: hypotf guards against overflow and underflow that slice coordinates (mm) never reach, at
 * several times the cost; the contour pass measures every segment. */
static inline float len2f(float dx, float dy)
{
    return sqrtf(dx * dx + dy * dy);
}

/* Distance of point q from the segment a–b. */
static float seg_dist(const float *q, const float *a, const float *b)
{
    float dx = b[0] - a[0], dy = b[1] - a[1], l2 = dx * dx + dy * dy;
    float t = l2 > 0 ? ((q[0] - a[0]) * dx + (q[1] - a[1]) * dy) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return len2f(q[0] - a[0] - t * dx, q[1] - a[1] - t * dy);
}

/* Simplifies the np points at pts into out (a point is dropped when it is closer than WALL_RESOLUTION to the
 * last kept one and within WALL_DEVIATION of the chord from that one to the next point); returns the count
 * kept and sets *len to the simplified length. */
static size_t wall_simplify(const float *pts, size_t np, int closed, float *out, double *len)
{
    size_t m = 0;
    double l = 0;
    for (size_t i = 0; i < np; i++) {
        const float *q = pts + 2 * i;
        if (m && i + 1 < np + (size_t)closed) {
            const float *a = out + 2 * (m - 1), *b = pts + 2 * ((i + 1) % np);
            if (len2f(q[0] - a[0], q[1] - a[1]) < WALL_RESOLUTION && seg_dist(q, a, b) <= WALL_DEVIATION)
                continue;
        }
        if (m) l += len2f(q[0] - out[2 * m - 2], q[1] - out[2 * m - 1]);
        out[2 * m] = q[0], out[2 * m + 1] = q[1];
        m++;
    }
    if (closed && m > 1) l += len2f(out[0] - out[2 * m - 2], out[1] - out[2 * m - 1]);
    *len = l;
    return m;
}

static uint64_t memo_hash(const float *pts, size_t n, int closed)
{
    /* two floats a step, a multiply and a rotation each (a full mix per float was a tenth of contour_add on a
     * cone's 900 small layers); equal hashes are checked with memcmp anyway */
    uint64_t h = (uint64_t)n << 1 | (uint64_t)closed;
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        uint64_t w;
        memcpy(&w, pts + i, sizeof w);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h = h << 29 | h >> 35;
    }
    if (i < n) {
        uint32_t b;
        memcpy(&b, pts + i, sizeof b);
        h ^= b;
    }
    return pf_mix64(h);
}

/* A contour's key: its ns points at xy less those where it runs straight on (within 10⁻⁴ rad: a prism's
 * sides are split where each slice crosses their diagonals, at a different place every layer), into out;
 * returns the floats written. Contours of equal keys are the same polygon, which the planner times the same
 * (wall_simplify, fed points in other places along its sides, may keep others: a few microseconds of a
 * layer's time). The corners are found on the key too: on the simplified contour, where those points fell
 * decided whether a comb's tooth end was a wall end (13 of 20 found on some layers, none on others). */
#define MEMO_STRAIGHT 1e-4f
static size_t memo_key(const float *xy, size_t ns, int closed, float *out)
{
    size_t m = 0;
    for (size_t i = 0; i < ns; i++) {
        int end = !closed && (i == 0 || i + 1 == ns);
        if (!end && ns >= 3) {
            const float *a = xy + 2 * ((i + ns - 1) % ns), *q = xy + 2 * i, *b = xy + 2 * ((i + 1) % ns);
            float ux = q[0] - a[0], uy = q[1] - a[1], vx = b[0] - q[0], vy = b[1] - q[1];
            float cr = ux * vy - uy * vx, dot = ux * vx + uy * vy;
            if (dot > 0 &&
                cr * cr <= MEMO_STRAIGHT * MEMO_STRAIGHT * (ux * ux + uy * uy) * (vx * vx + vy * vy))
                continue;
        }
        out[m++] = xy[2 * i], out[m++] = xy[2 * i + 1];
    }
    return m;
}

/* The last layer's entry for the contour whose key (memo_key) is cs->canon, nk floats, hash h (memo_hash);
 * NULL when none or when this layer has taken it already. */
static memo_entry *memo_find(chain_scratch *cs, size_t nk, int closed, uint64_t h)
{
    memo_gen *g = &cs->memo[!cs->cur];
    if (g->full) return NULL;
    for (uint32_t i = 0; i < g->n; i++) {
        memo_entry *e = &g->e[i];
        if (e->h == h && !e->hit && e->np == nk && e->closed == closed &&
            !memcmp(g->pts + e->p0, cs->canon, nk * sizeof *cs->canon)) {
            e->hit = 1;
            return e;
        }
    }
    return NULL;
}

/* Keeps this layer's contour, key cs->canon (nk floats, hash h), with what it added to the excess times, for
 * the next layer; a layer whose contours do not all fit keeps none. */
static void memo_keep(chain_scratch *cs, size_t nk, int closed, uint64_t h, const float ex[NSPD])
{
    memo_gen *g = &cs->memo[cs->cur];
    if (g->full || g->n == MEMO_CONTOURS || nk > MEMO_FLOATS - g->npts) {
        g->full = 1;
        return;
    }
    memo_entry *e = &g->e[g->n++];
    e->h = h;
    e->p0 = g->npts, e->np = (uint32_t)nk;
    e->closed = (uint8_t)closed, e->hit = 0;
    memcpy(e->ex, ex, sizeof e->ex);
    memcpy(g->pts + g->npts, cs->canon, nk * sizeof *cs->canon);
    g->npts += e->np;
}

/* Adds one contour (np points, closed or open, length len, twice its signed area area2) to *ls. */
static void contour_add(const float *pts, size_t np, int closed, double len, double area2,
                        const pf_profile *p, int first, chain_scratch *cs, layer_stat *ls)
{
    if (len <= 0) return;
    double a = fmin(first ? p->accel_first_layer : p->accel_perimeter, p->accel_max);
    ls->contour_len += (float)len;
    ls->nloops++;
    if (area2 > 0) {
        float b[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
        for (size_t i = 0; i < np; i++)
            for (int k = 0; k < 2; k++) {
                if (pts[2 * i + k] < b[k]) b[k] = pts[2 * i + k];
                if (pts[2 * i + k] > b[2 + k]) b[2 + k] = pts[2 * i + k];
            }
        for (int k = 0; k < 4; k++)
            ls->ibox[k] = !ls->nislands ? b[k] : k < 2 ? fminf(ls->ibox[k], b[k]) : fmaxf(ls->ibox[k], b[k]);
        ls->nislands++;
    }
    if (len <= SMALL_PERIMETER) ls->small_len += (float)len;
    size_t nk = memo_key(pts, np, closed, cs->canon);
    if (closed && area2 > 0 && nk >= 6) { /* an island: kept for pf_islands_join */
        pf_island *is = &cs->isl[cs->nisl++];
        float b[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
        for (size_t i = 0; i < nk; i += 2) {
            for (int k = 0; k < 2; k++) { /* comparisons, not fminf / fmaxf calls: the points are finite */
                float c = cs->canon[i + (size_t)k];
                if (c < b[k]) b[k] = c;
                if (c > b[2 + k]) b[2 + k] = c;
            }
        }
        memcpy(is->box, b, sizeof b);
        is->p0 = (uint32_t)(cs->nipts / 2), is->np = (uint32_t)(nk / 2), is->len = (float)len;
        memcpy(cs->ipts + cs->nipts, cs->canon, nk * sizeof *cs->canon);
        cs->nipts += nk;
    }
    uint64_t h = memo_hash(cs->canon, nk, closed);
    const memo_entry *e = memo_find(cs, nk, closed, h);
    float ex[NSPD];
    if (e) { /* the last layer's times */
        memcpy(ex, e->ex, sizeof ex);
    } else {
        double t[NSPD], slen;
        size_t ns = wall_simplify(pts, np, closed, cs->simp, &slen);
        pf_motion_polyline_times(cs->simp, ns, closed, spd_grid, NSPD, a, p->jerk_xy, cs->mscratch, t);
        for (int k = 0; k < NSPD; k++)
            ex[k] = (float)(t[k] - slen / spd_grid[k]);
    }
    for (int k = 0; k < NSPD; k++)
        ls->excess[k] += ex[k];
    memo_keep(cs, nk, closed, h, ex);
    if (closed) { /* corners from the key: where the sides' diagonals split them moved wall ends by a point */
        unsigned tips = cs->tips;
        size_t nc = pf_contour_corners(cs->canon, nk / 2, cs->ncontours++, cb_lo(p), cb_hi(p),
                                       cs->corners + cs->ncorners, &cs->tips);
        cs->ncorners += nc;
        if (area2 > 0 && (nc || cs->tips > tips)) ls->cb_islands++;
    }
}

/* Appends point (x, y) to pts (np points) unless it repeats the last one. */
static void point_add(float *pts, size_t *np, float x, float y)
{
    if (*np && len2f(x - pts[2 * *np - 2], y - pts[2 * *np - 1]) <= 1e-4f) return;
    pts[2 * *np] = x, pts[2 * *np + 1] = y;
    ++*np;
}

/* Cell of coordinate x in the gap search's grid (cells of GAP_MAX), and the hash slot of cell (gx, gy). */
static int64_t gap_cell(float x)
{
    return (int64_t)floorf(x / GAP_MAX);
}

static size_t gap_slot(int64_t gx, int64_t gy, size_t cap)
{
    return key_slot((uint64_t)gx * 0x9E3779B97F4A7C15ull ^ (uint64_t)gy, cap);
}

/* Joins the open fragments into contours: first end edge to start edge (chains the forward walk entered in
 * the middle), then each remaining end to the nearest free start within GAP_MAX (cracks), and adds every
 * joined contour: closed when its links come back to where it began. */
static void fragments_join(frag *fr, uint32_t nf, const pf_profile *p, int first, chain_scratch *cs,
                           layer_stat *ls)
{
    const float *op = cs->opts;
    memset(cs->head, 0, cs->cap * sizeof *cs->head);
    for (uint32_t i = nf; i-- > 0;) {
        size_t h = key_slot(fr[i].skey, cs->cap);
        cs->next[i] = cs->head[h];
        cs->head[h] = i + 1;
    }
    for (uint32_t f = 0; f < nf; f++)
        for (uint32_t e = cs->head[key_slot(fr[f].ekey, cs->cap)]; e; e = cs->next[e - 1])
            if (fr[e - 1].skey == fr[f].ekey && fr[e - 1].pred == NO_FRAG) {
                fr[f].succ = e - 1;
                fr[e - 1].pred = f;
                break;
            }
    /* starts still free, by grid cell */
    memset(cs->head, 0, cs->cap * sizeof *cs->head);
    for (uint32_t i = nf; i-- > 0;) {
        if (fr[i].pred != NO_FRAG) continue;
        size_t h = gap_slot(gap_cell(op[2 * fr[i].p0]), gap_cell(op[2 * fr[i].p0 + 1]), cs->cap);
        cs->next[i] = cs->head[h];
        cs->head[h] = i + 1;
    }
    for (uint32_t f = 0; f < nf; f++) {
        if (fr[f].succ != NO_FRAG) continue;
        const float *end = op + 2 * (fr[f].p0 + fr[f].np - 1);
        uint32_t best = NO_FRAG;
        float bd = GAP_MAX;
        int64_t gx = gap_cell(end[0]), gy = gap_cell(end[1]);
        /* the end's own cell first, then those of the 8 around it that come within the nearest start found
         * so far (a soup's segments meet their neighbour's start within float noise: one cell of nine); the
         * choice (the least distance, then the least index) does not depend on the order. slack: the
         * rounding of the cells' bounds. */
        static const int8_t around[9][2] = {{0, 0}, {-1, -1}, {0, -1}, {1, -1}, {-1, 0},
                                            {1, 0}, {-1, 1},  {0, 1},  {1, 1}};
        float ox = end[0] - (float)gx * GAP_MAX, oy = end[1] - (float)gy * GAP_MAX; /* within the cell */
        float slack = 1e-3f + 1e-5f * (fabsf(end[0]) + fabsf(end[1]));
        for (int c = 0; c < 9; c++) {
            int dx = around[c][0], dy = around[c][1];
            float ax = dx < 0 ? ox : dx > 0 ? GAP_MAX - ox : 0, ay = dy < 0 ? oy : dy > 0 ? GAP_MAX - oy : 0;
            if (c && (ax > bd + slack || ay > bd + slack)) continue; /* every start there is farther */
            size_t h = gap_slot(gx + dx, gy + dy, cs->cap);
            for (uint32_t e = cs->head[h]; e; e = cs->next[e - 1]) {
                const frag *g = &fr[e - 1];
                if (g->pred != NO_FRAG) continue;
                float d = len2f(op[2 * g->p0] - end[0], op[2 * g->p0 + 1] - end[1]);
                if (d <= bd && (best == NO_FRAG || d < bd || e - 1 < best)) bd = d, best = e - 1;
            }
        }
        if (best == NO_FRAG) continue;
        fr[f].succ = best;
        fr[best].pred = f;
    }
    /* contours: chains from their heads (open), then what is left (cycles, closed) */
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t h = 0; h < nf; h++) {
            if (fr[h].seen || (pass == 0 && fr[h].pred != NO_FRAG)) continue;
            size_t np = 0;
            double len = 0, area2 = 0;
            uint32_t f = h, last = h;
            int closed = 0;
            while (!fr[f].seen) {
                fr[f].seen = 1;
                const float *q = op + 2 * fr[f].p0;
                if (np) { /* the link from the previous fragment's end */
                    float ex = cs->cat[2 * np - 2], ey = cs->cat[2 * np - 1];
                    len += len2f(q[0] - ex, q[1] - ey);
                    area2 += (double)ex * q[1] - (double)q[0] * ey;
                }
                for (uint32_t k = 0; k < fr[f].np; k++)
                    point_add(cs->cat, &np, q[2 * k], q[2 * k + 1]);
                len += fr[f].len;
                area2 += fr[f].area2;
                last = f;
                if (fr[f].succ == NO_FRAG) break;
                f = fr[f].succ;
            }
            if (fr[last].succ == h) { /* back at the start: the closing link */
                const float *q = op + 2 * fr[h].p0, *e = op + 2 * (fr[last].p0 + fr[last].np - 1);
                len += len2f(q[0] - e[0], q[1] - e[1]);
                area2 += (double)e[0] * q[1] - (double)q[0] * e[1];
                closed = 1;
                if (np > 1 && len2f(cs->cat[2 * np - 2] - q[0], cs->cat[2 * np - 1] - q[1]) <= 1e-4f) np--;
            }
            contour_add(cs->cat, np, closed, len, area2, p, first, cs, ls);
        }
}

/* PrusaSlicer's slice_closing_radius (profile_prusa.ini: 0.049 mm): islands closer than twice it print as one
 * (engine/islands.h). */
#define CLOSING_GAP 0.098f

/* Joins the layer's islands that PrusaSlicer prints as one: ls->joined of them print as part of another (one
 * loop, no travel of their own), and a joined island's loop is a small perimeter only when all of it is. */
static void islands_close(chain_scratch *cs, layer_stat *ls)
{
    if (cs->nisl < 2) return;
    long joins = pf_islands_join(cs->isl, cs->nisl, cs->ipts, CLOSING_GAP, cs->iup);
    if (joins <= 0) return;
    ls->joined = (uint32_t)joins; /* nislands and nloops stay the contours' (the band and area figures) */
    /* the small perimeters: a joined island's members come out, and its whole loop goes in if it is short */
    double small = 0;
    for (uint32_t i = 0; i < cs->nisl; i++) { /* every island straight to its root */
        uint32_t r = i;
        while (cs->iup[r] != r)
            r = cs->iup[r];
        cs->iup[i] = r;
    }
    double *total = cs->itot;
    for (uint32_t i = 0; i < cs->nisl; i++)
        total[i] = 0;
    for (uint32_t i = 0; i < cs->nisl; i++)
        if (cs->iup[i] != i) total[cs->iup[i]] += cs->isl[i].len; /* the members', the root's own apart */
    for (uint32_t i = 0; i < cs->nisl; i++) {
        uint32_t r = cs->iup[i];
        if (!(total[r] > 0)) continue; /* an island alone */
        if (cs->isl[i].len <= SMALL_PERIMETER) small -= cs->isl[i].len;
        if (r == i && total[r] + cs->isl[r].len <= SMALL_PERIMETER) small += total[r] + cs->isl[r].len;
    }
    ls->small_len = (float)fmax(0, ls->small_len + small);
}

/* The widest wall with a centre bead, mm: wider ones print two inner beads, Arachne splitting the centre
 * bead where the width left between the external beads reaches (1 + split_thr) perimeter spacings,
 * split_thr = 2·min_bead_width / w_ext − 1 (DistributedBeadingStrategy): 1.4725 mm at 0.2 mm layers, where
 * PrusaSlicer prints a grid of 1.3 mm ribs, a hexagonal ring of 1.4 mm walls and a 1.45 mm wall with a
 * centre bead, ribs of 1.5 mm with an inner loop round each opening (at 1.44 mm the 1.45 mm wall read +22 %
 * in time); 1.526 mm at 0.1 mm, where the spacings are wider and those 1.5 mm ribs print a centre bead
 * (PrusaSlicer 2.5: 515 mm of inner perimeter a layer against 875 at 0.2 mm; 3.26 external widths, 1.467
 * mm at every height, took them 79 % over in inner perimeter time). */
static float inner_split(const pf_profile *p)
{
    double se = spacing(p->w_ext, p->layer_height), sp = spacing(p->w_perim, p->layer_height);
    return (float)(p->w_ext - se + 2 * se + 2 * 0.85 * p->nozzle / p->w_ext * sp);
}

/* The widest wall of two inner beads, one along each side, mm: from (2 + add_thr) perimeter spacings between
 * the external beads Arachne adds a third, down the middle (add_thr = min_bead_width / w_ext): 1.98 mm with
 * the default widths, beyond the 1.67 mm that two perimeters' beads can fill at all. With 3 perimeters a tube
 * of 2.4 mm walls prints four inner beads (PrusaSlicer 2.5: inner perimeter time 1.12 of the external), where
 * the narrow-bead rays up to 2·int_hi (2.49 mm) counted one a side (0.57 of it). */
static float inner_pair_max(const pf_profile *p)
{
    double se = spacing(p->w_ext, p->layer_height), sp = spacing(p->w_perim, p->layer_height);
    return (float)(p->w_ext - se + 2 * se + (2 + 0.85 * p->nozzle / p->w_ext) * sp);
}
/* pf_narrow_inner_deficit (rays across the walls, every INNER_STEP mm of contour) runs on the layers whose
 * two wall bands hold INNER_SHORT_LO … INNER_SHORT of the contours' own band area: thick walls hold 97–106 %
 * of it (the raster's scatter), walls of a centre bead or none about 70 % or less (a vase of 1.2 mm walls 70
 * %, a thin-walled box 48 %), ribs of 1.5 mm 89 %, an enclosure of 1.5 mm walls 91 %. */
#define INNER_SHORT 0.97
#define INNER_SHORT_LO 0.75
#define INNER_STEP 1.5f
/* The centre-bead rays below run on layers whose fill is less than this share of their wall bands, ONE_RAYS
 * rays at most. */
#define ONE_FILL_MAX 0.5
#define ONE_RAYS 32
/* and on one layer in ONE_EVERY of a run, the others taking the last one's figure per mm of contour */
#define ONE_EVERY 4
/* and at most this many rays a layer: longer contours are sampled more sparsely (a lattice of 10⁵ mm of
 * contour a layer would otherwise cast 67 000 rays on each) */
#define INNER_RAYS 4000

/* Chains one layer's segments by shared mesh edges (a hash of start keys: linear in the segments) and fills
 * the contour fields of *ls. Chains that do not close (a mesh with cracks, or a walk that began in the
 * middle of an open chain) are joined by fragments_join; what stays open is timed as open polylines. */
static void contour_stats(const float *segs, const uint64_t *keys, size_t n, const pf_profile *p, int first,
                          int fresh, chain_scratch *cs, layer_stat *ls)
{
    memset(cs->head, 0, cs->cap * sizeof *cs->head);
    memset(cs->used, 0, n);
    cs->ncorners = 0;
    cs->ncontours = 0;
    cs->tips = 0;
    cs->nisl = cs->nipts = 0;
    /* this layer's contours go to the generation the layer before last used; the first layer's speeds are
     * its own: nothing is kept across it; a fresh layer takes nothing from the last */
    cs->cur = !cs->cur;
    memo_gen *mine = &cs->memo[cs->cur], *last = &cs->memo[!cs->cur];
    mine->n = mine->npts = 0;
    mine->full = first;
    if (first || fresh) last->full = 1;
    for (size_t i = n; i-- > 0;) { /* lists in index order */
        size_t h = key_slot(keys[2 * i], cs->cap);
        cs->next[i] = cs->head[h];
        cs->head[h] = (uint32_t)i + 1;
    }
    float *pts = cs->pts;
    uint32_t nf = 0, nop = 0;
    for (size_t s0 = 0; s0 < n; s0++) {
        if (cs->used[s0] || keys[2 * s0] == UINT64_MAX) continue;
        size_t np = 0, cur = s0;
        int closed = 0;
        double len = 0, area2 = 0;
        for (;;) {
            cs->used[cur] = 1;
            const float *s = segs + PF_SEG_FLOATS * cur;
            point_add(pts, &np, s[0], s[1]);
            len += len2f(s[2] - s[0], s[3] - s[1]);
            area2 += (double)s[0] * s[3] - (double)s[2] * s[1];
            /* next segment: one whose start edge is this end edge; the next one in the array when it is
             * (engine/slice_simplify.c writes contours in order), else the first in index order */
            uint64_t want = keys[2 * cur + 1];
            size_t next = SIZE_MAX;
            /* back at s0: it precedes every unused segment, so the list walk met it before any of them */
            if (want == keys[2 * s0]) closed = 1;
            if (cur + 1 < n && !cs->used[cur + 1] && keys[2 * cur + 2] == want) {
                next = cur + 1;
            } else {
                for (uint32_t e = cs->head[key_slot(want, cs->cap)]; e; e = cs->next[e - 1]) {
                    size_t idx = e - 1;
                    if (keys[2 * idx] != want) continue;
                    if (!cs->used[idx]) {
                        next = idx;
                        break;
                    }
                }
            }
            if (next == SIZE_MAX) break;
            cur = next;
        }
        if (closed) {
            contour_add(pts, np, 1, len, area2, p, first, cs, ls);
            continue;
        }
        const float *s = segs + PF_SEG_FLOATS * cur;
        point_add(pts, &np, s[2], s[3]);
        frag *f = &cs->frags[nf++];
        *f = (frag){.p0 = nop,
                    .np = (uint32_t)np,
                    .succ = NO_FRAG,
                    .pred = NO_FRAG,
                    .skey = keys[2 * s0],
                    .ekey = keys[2 * cur + 1],
                    .len = len,
                    .area2 = area2};
        memcpy(cs->opts + 2 * (size_t)nop, pts, 2 * np * sizeof *pts);
        nop += (uint32_t)np;
    }
    if (nf) fragments_join(cs->frags, nf, p, first, cs, ls);
    islands_close(cs, ls);
    ls->ncorners = (uint32_t)cs->ncorners;
    long deg = pf_junction_degrees(cs->corners, cs->ncorners, cb_lo(p), cb_hi(p), cb_split(p), cb_bead(p),
                                   segs, n, &ls->cb_beads);
    ls->cb_paths = deg < 0 ? 0 : (uint32_t)((deg + cs->tips) / 2);
}

/* What contour_stats leaves for after the stages: the inner beads the bands leave out, which reads the
 * layer's wall and fill areas (ls->cells) besides its contour figures. In layer order within a run, as
 * contour_stats (a layer between others takes the last rays' figures). */
static void contour_tail(const float *segs, size_t n, const pf_profile *p, int first, int fresh,
                         chain_scratch *cs, layer_stat *ls)
{
    if (first || fresh) cs->one_k = 0, cs->one_ratio = NAN;
    ls->inner_deficit = ls->thin_rays = ls->thin_beads[0] = ls->thin_beads[1] = ls->thin_mid = 0;
    if (!first && p->perimeters >= 2 && ls->contour_len > 0) {
        /* only where both wall bands together fall short of the contours' own (L·(b − a) − π·χ·(b² − a²),
         * a = ext_lo, b = int_hi; thick walls within a percent or two, which the raster splits between the
         * bands less exactly): some walls narrower than 2·int_hi in the layer */
        const pf_layer_cells *lc = &ls->cells;
        pf_classify_params cp = classify_params(p);
        double a = cp.ext_lo, b = cp.int_hi, chi = 2.0 * ls->nislands - ls->nloops;
        double want = ls->contour_len * (b - a) - M_PI * chi * (b * b - a * a);
        double r = (lc->wall_area[PF_CELL_WALL_EXT] + lc->wall_area[PF_CELL_WALL_INT]) / want;
        float sp = (float)spacing(p->w_perim, ls->h);
        if (want > 0 && r > INNER_SHORT_LO && r < INNER_SHORT)
            ls->inner_deficit = (float)pf_narrow_inner_deficit(
                segs, n, inner_split(p), fminf(2 * cp.int_hi, inner_pair_max(p)), cp.ext_hi, sp,
                fmaxf(INNER_STEP, ls->contour_len / INNER_RAYS), 2, 0, NULL, 0, NULL, NULL);
        double fills = fill_total(lc);
        /* walls of one centre bead (cb_lo … inner_split) in a layer of little fill print it
         * along their length, as wide as their middle: the band's area over the spacing counts it short in
         * walls under 1.26 mm and long above (the shared vase's 1.14 mm walls: 128 mm a layer against
         * PrusaSlicer's 185; a hexagonal ring of 1.4 mm walls 235 against 175). Not where the centre beads
         * make a graph of junctions (ls->cb_paths counts their paths). ONE_RAYS a layer at most: the
         * share of such walls is all the rays need to find. */
        if (want > 0 && r < INNER_SHORT && !ls->cb_paths &&
            fills < ONE_FILL_MAX * (lc->wall_area[PF_CELL_WALL_EXT] + lc->wall_area[PF_CELL_WALL_INT])) {
            /* the layers between take the last rays' figure per mm of contour (a vase's walls change little
             * from one layer to the next; rays on every layer cost it a third of its estimate) */
            float one, mid;
            if (cs->one_k++ % ONE_EVERY && cs->one_ratio == cs->one_ratio) {
                one = cs->one_ratio * ls->contour_len;
                mid = cs->mid_ratio * ls->contour_len;
                ls->thin_rays = cs->none_ratio * ls->contour_len;
                for (int k = 0; k < 2; k++)
                    ls->thin_beads[k] = cs->thin_ratio[k] * ls->contour_len;
            } else {
                double none = 0, thin[2] = {0, 0}, md = 0;
                one = (float)pf_narrow_inner_deficit(segs, n, cb_lo(p), inner_split(p), cp.ext_hi, sp,
                                                     fmaxf(INNER_STEP, ls->contour_len / ONE_RAYS), 1,
                                                     2 * cp.ext_hi, &none, one_bead_max(p), thin, &md);
                mid = (float)md;
                cs->one_ratio = one / ls->contour_len;
                cs->mid_ratio = mid / ls->contour_len;
                cs->none_ratio = (float)(none / ls->contour_len);
                ls->thin_rays = (float)none;
                for (int k = 0; k < 2; k++) {
                    ls->thin_beads[k] = (float)thin[k];
                    cs->thin_ratio[k] = (float)(thin[k] / ls->contour_len);
                }
            }
            ls->inner_deficit += one;
            ls->thin_mid = mid;
            return;
        }
    }
    cs->one_ratio = NAN;
}

/* ---- the layer-parallel driver of stages 3–6 ---- */

/* Most threads the driver starts (the caller included). */
#define TEAM_MAX 16
/* Cells a batch of layers should hold at least when several threads share it: a batch ends in four joins, so
 * it must carry enough work to hide them (256 k cells was 5–12 % slower on 2 threads; 4 M was no faster
 * except on the 15-layer plate, for 4× the memory). */
#define BATCH_CELLS 1048576
#define BATCH_MAX 64
/* A flat part (at most FLAT_LAYERS layers: those whose grid MAX_CELLS_PER_LAYER bounds, CELL_BUDGET /
 * MAX_CELLS_PER_LAYER) of at most BATCH_CELLS_WHOLE cell-layers runs as one batch: a 150 mm plate's 15 layers
 * of 250 k cells took 4 batches of 4 layers, whose joins cost 11–17 % of its estimate. (A 20 mm cube's 100
 * small layers in one batch instead of two took 8–14 % longer.) */
#define BATCH_CELLS_WHOLE (4 * BATCH_CELLS)
#define FLAT_LAYERS 32
/* A backend with batch stages waits for its device a few times per batch (PoCL's CPU device: a wake-up and a
 * sleep of its worker threads, up to 100 µs each on a busy machine), so its batches are larger: 8 M cells
 * (112 MB of per-cell memory), and a part of at most BATCH_CELLS_DEVICE_WHOLE cell-layers is one batch. In
 * batches of 4 M cells the test meshes took about 3 per estimate (9 in those of BATCH_CELLS): a 150-layer
 * thin wall of 57 k cells a layer two, whose waits were a fifth of its estimate. */
#define BATCH_CELLS_DEVICE (8 * BATCH_CELLS)
#define BATCH_CELLS_DEVICE_WHOLE (10 * BATCH_CELLS)
/* and at most this many layers (a 900-layer tower of 7 k cells a layer in one batch, not two: 2–4 % less) */
#define BATCH_MAX_DEVICE 1024
/* Busy-wait rounds before a worker sleeps on the condition variable or the caller yields: batches follow
 * each other within microseconds, faster than a sleeping thread wakes up. */
#define SPIN_ROUNDS 20000

typedef void (*team_fn)(void *arg, unsigned tid);

/* The caller plus n − 1 workers that run one function at a time on all of them: a fork-join whose threads
 * live for one estimate (prepare joins about 4 times per batch, too often to start a thread each time). A
 * team of two uses the process's kept helper thread instead (engine/sched.h, pf_sched_pair): starting a
 * worker took 0.1–4 ms here, as long as a small part's whole estimate, and the helper joins a step within
 * microseconds or, when busy or late, not at all (every team function shares its work through an atomic
 * counter, so the caller alone can do all of it). */
typedef struct team {
    unsigned n;                 /* threads including the caller (workers that started, plus 1) */
    int pair;                   /* 1: a team of two on pf_sched_pair, no workers of its own */
    pthread_t th[TEAM_MAX - 1]; /* the workers */
    pthread_mutex_t mu;         /* guards the sleep on cv */
    pthread_cond_t cv;          /* signalled when gen changes */
    atomic_uint gen;            /* job generation; a change starts fn on every worker */
    atomic_uint ndone;          /* workers done with the current generation */
    atomic_int quit;            /* 1: workers return */
    team_fn fn;                 /* current job (written before gen changes) */
    void *arg;                  /* its argument */
} team;

/* A worker's start argument. */
typedef struct team_start {
    team *t;      /* its team */
    unsigned tid; /* its id, 1..n−1 (the caller is 0) */
} team_start;

static void *team_main(void *a)
{
    team *t = ((team_start *)a)->t;
    unsigned tid = ((team_start *)a)->tid, seen = 0;
    for (;;) {
        unsigned g;
        for (int spins = 0; (g = atomic_load(&t->gen)) == seen && !atomic_load(&t->quit);) {
            if (++spins < SPIN_ROUNDS) continue;
            pthread_mutex_lock(&t->mu);
            while (atomic_load(&t->gen) == seen && !atomic_load(&t->quit))
                pthread_cond_wait(&t->cv, &t->mu);
            pthread_mutex_unlock(&t->mu);
        }
        if (atomic_load(&t->quit)) break;
        seen = g;
        t->fn(t->arg, tid);
        atomic_fetch_add(&t->ndone, 1);
    }
    return NULL;
}

/* Starts up to n − 1 workers (fewer when the system refuses threads: the team is then smaller, never
 * wrong); a team of two uses pf_sched_pair's helper instead. */
static void team_init(team *t, unsigned n, team_start *starts)
{
    memset(t, 0, sizeof *t);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    atomic_init(&t->gen, 0);
    atomic_init(&t->ndone, 0);
    atomic_init(&t->quit, 0);
    t->n = 1;
    if (n == 2) {
        t->pair = 1;
        t->n = 2;
        return;
    }
    if (n > TEAM_MAX) n = TEAM_MAX;
    for (unsigned i = 0; i + 1 < n; i++) {
        starts[i] = (team_start){t, i + 1};
        if (pthread_create(&t->th[i], NULL, team_main, &starts[i])) break;
        t->n++;
    }
}

/* A pair step's context: the team function and its argument. */
typedef struct pair_step {
    team_fn fn; /* the function */
    void *arg;  /* its argument */
} pair_step;

static void pair_run(void *ctx, int who)
{
    pair_step *ps = ctx;
    ps->fn(ps->arg, (unsigned)who);
}

/* Runs fn(arg, tid) on every thread of the team (tid 0 on the caller) and returns when all are done (a pair's
 * helper runs tid 1 if it comes in time). */
static void team_run(team *t, team_fn fn, void *arg)
{
    if (t->pair) {
        pair_step ps = {fn, arg};
        pf_sched_pair(pair_run, &ps, 1);
        return;
    }
    if (t->n > 1) {
        t->fn = fn;
        t->arg = arg;
        atomic_store(&t->ndone, 0);
        pthread_mutex_lock(&t->mu);
        atomic_fetch_add(&t->gen, 1);
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
    }
    fn(arg, 0);
    for (int spins = 0; atomic_load(&t->ndone) != t->n - 1;)
        if (++spins > SPIN_ROUNDS) sched_yield();
}

static void team_destroy(team *t)
{
    if (t->pair) {
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
        return;
    }
    pthread_mutex_lock(&t->mu);
    atomic_store(&t->quit, 1);
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    for (unsigned i = 0; i + 1 < t->n; i++)
        pthread_join(t->th[i], NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
}

/* Work items of the driver's parallel phases; each runs for a list of layers. */
enum {
    PH_PRINT,
    PH_RASTER,
    PH_EDT,
    PH_MARGIN,
    PH_CLASSIFY,
    PH_CLASSES,
    PH_FIX,
    PH_SETTLE,
    PH_SAME,
    PH_REDUCE,
    PH_PIECES
};

/* The facets that may leave top / bottom surfaces narrower than a cell (engine/slivers.h), and what they
 * are cut from. */
typedef struct sliver_src {
    pf_slivers s;         /* per layer, the facets */
    const float *verts;   /* the mesh on the bed */
    const uint32_t *tris; /* its printed triangles */
    const float *zs;      /* the layers' planes */
    float width;          /* the facets' window beyond fill_lo: a cell, or at 0 % a top line's spacing */
} sliver_src;

/* State of stages 3–6 over all layers, processed in batches of up to `batch` layers. Layer k has ring slot
 * k % rd (rd = batch + 6 holds the 7-layer windows of a whole batch), which names its mask buffer (mslot) and
 * its distance field buffer (dslot): a layer whose mask equals the one below shares that layer's buffers
 * instead of copying them (mref / dref count the slots naming each of the rd buffers). Its classes live in
 * the class buffer that slot k % rc names (cslot; a layer whose classes are copied from layer k − 2 shares
 * its buffer, cref counting). The margin fields of layer k are in slot k % rm (rm = batch + 4 holds those of
 * layers b0 − 2 … b1 + 1, which the shells of a batch's layers read). */
typedef struct drive {
    const pf_backend *be;       /* the stages */
    pf_scratch lg[TEAM_MAX];    /* per thread id: pf_middles_resolve's buffers */
    pf_scratch bs[TEAM_MAX];    /* and pf_fill_branches' */
    pf_scratch ns[TEAM_MAX];    /* and pf_narrow_sparse's */
    pf_scratch sl[TEAM_MAX];    /* and pf_shell_slopes' */
    const pf_slope_src *slopes; /* where pf_shell_slopes reads the facets */
    const sliver_src *slivers;  /* where margin_slivers reads them */
    const uint8_t *upright; /* per layer: the part is a prism from the plane below to it (slabs_upright) */
    const uint8_t *mode;    /* per layer: STEEP_* (steep_modes), or NULL: every layer STEEP_OFF */
    /* the profile's top / bottom solid layers beyond 3, whose shells wide_shells adds: the windows of the
     * fields and margins reach that much farther up / down */
    unsigned up, dn;
    const pf_grid *g;              /* the grid of every layer */
    const pf_classify_params *cp;  /* classify's thresholds */
    uint32_t cap, cap_margin;      /* edt caps of the layers' and the margins' fields (pf_edt_cap_*) */
    const overhang_probe *op;      /* where wall_overhangs looks */
    size_t nl;                     /* layers */
    size_t stride;                 /* cells from one layer's slot to the next (the grid's, rounded up) */
    const float *segs;             /* every layer's segments */
    const uint32_t *offs, *counts; /* per layer: first segment, segment count */
    size_t rd, rc;                 /* ring sizes: masks and distances, classes */
    uint8_t *masks;                /* rd mask buffers */
    uint32_t *mslot;               /* per ring slot: its mask buffer, UINT32_MAX before first use */
    uint32_t *mref;                /* per mask buffer: slots naming it */
    /* per mask buffer: the spans of its mask, 2·ny (pf_mask_spans where the host rasters, seg_spans where the
     * device keeps the masks); per field buffer: those of the mask whose field it holds, where dspan_ok (its
     * old contents, from an earlier estimate, are not known) */
    int32_t *mspan, *dspan;
    uint8_t *dspan_ok;
    int32_t *wsum;          /* a row's windings (seg_spans) */
    float *dist;            /* rd distance field buffers */
    uint32_t *dslot;        /* per ring slot: its field buffer, UINT32_MAX before first use */
    uint32_t *dref;         /* per field buffer: slots naming it */
    uint8_t *cls;           /* rc class buffers */
    uint32_t *cslot;        /* per class ring slot: its class buffer, UINT32_MAX before first use */
    uint32_t *cref;         /* per class buffer: slots naming it */
    pf_middle_log *mlog;    /* per class buffer: the wall middles its layer's slice decided, */
    uint8_t *mlogged;       /* when listed (middles) */
    uint8_t *zero;          /* a layer of zero bytes for pf_middles_agree (allocated on first use) */
    size_t rm;              /* ring size of the margin fields */
    float *mtop, *mbot;     /* rm slots of margin distances */
    uint8_t *ht, *hb;       /* per margin slot: the layer has top / bottom seeds */
    uint8_t *seeds;         /* 2 slots of seed masks per thread */
    unsigned char *arena;   /* the per-cell buffers above, in one mapping */
    size_t arena_len;       /* its length */
    unsigned char *book;    /* the per-layer and per-slot arrays, in one block */
    size_t book_len;        /* its length */
    size_t batch;           /* layers a batch */
    uint32_t *sid;          /* per layer: slice id (equal ids, identical masks) */
    uint32_t next_id;       /* the next slice id */
    uint32_t *list;         /* the layers of the next phase (batch + 7) */
    uint8_t *eq;            /* per layer of a batch and the 3 beyond: its mask is the one below */
    size_t ready, mready;   /* layers below these have distance / margin fields */
    size_t first;           /* the first layer rastered since the rings were last empty */
    unsigned misses;        /* fingerprints that did not match, in a row */
    size_t lo;              /* the first layer classified since the rings were last empty */
    size_t out0;            /* the first layer whose sums are written (a lane's halo comes before) */
    _Atomic uint64_t *span; /* a lane's run (see lane_claim), NULL outside lanes */
    atomic_uchar *settled;  /* per layer: set once its sums are final (or NULL) */
    size_t b0;              /* first layer of the current batch */
    int reuse;              /* the shortcuts are on (see run_stages) */
    uint8_t *same2;         /* per layer: its classes equal those of layer l − 2 */
    uint8_t *copied;        /* per batch slot: the layer takes the sums of layer l − 2 */
    uint8_t *veto;          /* per batch slot: a likely copy whose wall middles are not l − 2's */
    uint64_t *prints;       /* per layer: pf_raster_print (2 words), where printed is set */
    uint8_t *printed;       /* per layer: its print is made */
    pf_print_weights pw;    /* the prints' weights (from a secret seed) */
    layer_stat *layers;     /* results */
    /* per margin slot: 1 + its layer's index in a deferred margin call (margin_batch), else 0 */
    uint32_t *mpend;
    /* the current phase */
    int phase;             /* PH_* */
    const uint32_t *items; /* its layers */
    _Atomic uint64_t ends; /* items not yet taken: [low 32 bits, high 32 bits) (see take_item) */
    atomic_int err;        /* first error of any thread */
    unsigned team_n;       /* its team's threads (1: nobody to share a field with) */
    /* PH_EDT, per thread: the layer whose field it made last (SIZE_MAX: none in this phase), and the fields
     * in a row it did not take from a neighbour's (field_layer) */
    size_t edt_last[TEAM_MAX];
    unsigned delta_misses[TEAM_MAX];
    atomic_uint working; /* threads still on its items */
    /* a field cut in two (field_of): the part offered to a thread with no item left */
    atomic_int split;          /* SPLIT_* */
    const uint8_t *split_mask; /* its mask, cap and field */
    uint32_t split_cap;
    float *split_dist;
    pf_err split_err; /* what the part returned */
} drive;

/* A field is cut in two (edt_part) when the team has a thread with no layer left to take, so that it does
 * not wait for the one doing the field: a flat part's phases have a few large fields (a 150 mm plate's 15
 * layers share one mask and have one top surface: two fields of 175 k cells, each alone in its phase, were
 * a third of its estimate). The thread offers the second part and does the first; an idle thread of the
 * team takes the offer (drive_work), else the thread does both. Fields of fewer cells than SPLIT_CELLS are
 * not worth the handover. */
#define SPLIT_CELLS 65536
enum { SPLIT_NONE, SPLIT_POSTING, SPLIT_OFFERED, SPLIT_TAKEN, SPLIT_DONE };

static pf_err field_of(drive *d, const uint8_t *mask, uint32_t cap, float *dist)
{
    const pf_backend *be = d->be;
    int none = SPLIT_NONE;
    if (d->team_n < 2 || !be->edt_part || (size_t)d->g->nx * d->g->ny < SPLIT_CELLS ||
        atomic_load(&d->working) >= d->team_n ||
        !atomic_compare_exchange_strong(&d->split, &none, SPLIT_POSTING))
        return be->edt(be->ctx, mask, d->g, cap, dist);
    d->split_mask = mask;
    d->split_cap = cap;
    d->split_dist = dist;
    atomic_store_explicit(&d->split, SPLIT_OFFERED, memory_order_release);
    pf_err e0 = be->edt_part(be->ctx, mask, d->g, cap, dist, 0, 2), e1;
    int offered = SPLIT_OFFERED;
    if (atomic_compare_exchange_strong(&d->split, &offered, SPLIT_POSTING)) { /* not taken: both parts here */
        e1 = be->edt_part(be->ctx, mask, d->g, cap, dist, 1, 2);
    } else {
        while (atomic_load_explicit(&d->split, memory_order_acquire) != SPLIT_DONE)
            pf_cpu_relax();
        e1 = d->split_err;
    }
    atomic_store(&d->split, SPLIT_NONE);
    return e0 ? e0 : e1;
}

static uint8_t *mask_of(const drive *d, size_t k)
{
    return d->masks + (size_t)d->mslot[k % d->rd] * d->stride;
}

/* The spans of layer k's mask: its classes, field and mask are 0 beyond them. */
static const int32_t *mspan_of(const drive *d, size_t k)
{
    return d->mspan + (size_t)d->mslot[k % d->rd] * 2 * d->g->ny;
}

static float *dist_of(const drive *d, size_t k)
{
    return d->dist + (size_t)d->dslot[k % d->rd] * d->stride;
}

/* Gives layer k's slot of a ring of n slots and n buffers a buffer in slots / ref (dslot / dref, mslot /
 * mref or cslot / cref): the one of layer k − from when from > 0 (shared), else a buffer no slot names
 * (there is one: n buffers, and this slot's old one was just let go): that one when no other slot shares it,
 * the usual case (a search from 0 each time was 1 % of a device batch of 512 layers), else the first. */
static void buf_assign(uint32_t *slots, uint32_t *ref, size_t n, size_t k, size_t from)
{
    uint32_t *slot = &slots[k % n], b = 0;
    if (*slot != UINT32_MAX) ref[*slot]--;
    if (from) {
        b = slots[(k - from) % n];
    } else if (*slot != UINT32_MAX && !ref[*slot]) {
        b = *slot;
    } else {
        while (ref[b])
            b++;
    }
    *slot = b;
    ref[b]++;
}

static uint8_t *cls_of(const drive *d, size_t k)
{
    return d->cls + (size_t)d->cslot[k % d->rc] * d->stride;
}

/* Layer l is steep (STEEP_ON or STEEP_SKIP), skipped (STEEP_SKIP or LIN_SKIP: no raster, no field),
 * unclassed (no classes: skipped, LIN_FIELD or LIN_RAW), unsummed (no sums of its own from this pass: all but
 * STEEP_OFF and STEEP_ON). */
static int steep(const drive *d, size_t l)
{
    return d->mode && (d->mode[l] == STEEP_ON || d->mode[l] == STEEP_SKIP);
}

static int skipped(const drive *d, size_t l)
{
    return d->mode && (d->mode[l] == STEEP_SKIP || d->mode[l] == LIN_SKIP);
}

static int unclassed(const drive *d, size_t l)
{
    return d->mode && (skipped(d, l) || d->mode[l] == LIN_FIELD || d->mode[l] == LIN_RAW);
}

static int unsummed(const drive *d, size_t l)
{
    return d->mode && d->mode[l] != STEEP_OFF && d->mode[l] != STEEP_ON;
}

/* Whether layer l's classes may be compared with those of l − 2: both exist, with their sums (l takes those
 * of l − 2 when they are equal). */
static int comparable(const drive *d, size_t l)
{
    return !unsummed(d, l) && !unsummed(d, l - 2);
}

/* The fields of layers l − 3 … l + 3 (NULL beyond the part); a steep layer's neighbours are taken equal to
 * it (steep_modes): its own field in their place. */
static void window(const drive *d, size_t l, const float *win[7])
{
    const float *self = steep(d, l) ? dist_of(d, l) : NULL;
    for (int k = 0; k < 7; k++) {
        long j = (long)l - 3 + k;
        win[k] = (j >= 0 && (size_t)j < d->nl) ? (self ? self : dist_of(d, (size_t)j)) : NULL;
    }
}

/* The window margin seeds read: layers l − 1 … l + 1 (the others NULL: the margins of a batch's last two
 * layers are made before the fields of the layers beyond l + 1 exist). */
static void margin_window(const drive *d, size_t l, const float *win[7])
{
    window(d, l, win);
    win[0] = win[1] = win[5] = win[6] = NULL;
}

/* Layer l's top / bottom margin field, NULL when it has no such seeds (valid from its margin() on, until the
 * ring slot is reused). */
static float *mtop_of(const drive *d, size_t l)
{
    size_t s = l % d->rm;
    return d->ht[s] ? d->mtop + s * d->stride : NULL;
}

static float *mbot_of(const drive *d, size_t l)
{
    size_t s = l % d->rm;
    return d->hb[s] ? d->mbot + s * d->stride : NULL;
}

/* The seed cells of layer l's top (top = 1) or bottom surfaces narrower than a cell (engine/slivers.h) into
 * *cells (*n of them, capacity *cap: pf_sliver_seeds' buffer, which the caller frees); 0 when the layer has
 * no such surface to seed (its neighbour shares its field, or it has no such facets, or at 0 % infill, where
 * margins_cover takes their place), −1 when out of memory. */
static long sliver_cells(const drive *d, size_t l, int top, const float *const win[7], uint32_t **cells,
                         size_t *n, size_t *cap)
{
    const sliver_src *sv = d->slivers;
    *n = 0;
    if (!sv || !sv->s.offs || l == 0 || sv->s.offs[l] == sv->s.offs[l + 1] || d->cp->covered > 0.0f) return 0;
    const float *next = win[top ? 4 : 2];
    if (!next || next == win[3]) return 0;
    float dz = top ? sv->zs[l + 1] - sv->zs[l] : sv->zs[l] - sv->zs[l - 1];
    return pf_sliver_seeds(&sv->s, l, top, sv->verts, sv->tris, sv->zs[l], dz, d->cp->fill_lo, d->g, win[3],
                           next, cells, n, cap);
}

/* Adds the sliver seeds of layer l (sliver_cells) to its margin fields, after the backend's margin stage has
 * made them (the batch stages' path; margin() instead adds them to the seed masks before the fields are
 * made): their distance field, taken on the part of the grid within the margin's cap of them, is the minimum
 * with the field of the other seeds (a distance to the union of two seed sets). Every backend's edt gives the
 * same exact distances, so the host may call the stage here. Layers without such facets cost a comparison. */
static pf_err margin_slivers(drive *d, size_t l)
{
    const sliver_src *sv = d->slivers;
    if (!sv || !sv->s.offs || l == 0 || sv->s.offs[l] == sv->s.offs[l + 1] || d->cp->covered > 0.0f)
        return PF_E_OK;
    const pf_grid *g = d->g;
    const float *win[7];
    margin_window(d, l, win);
    size_t s = l % d->rm, nx = g->nx, ny = g->ny;
    uint32_t *cells = NULL;
    float *field = NULL; /* the window's distances, then its seed mask */
    size_t ncells = 0, cap = 0;
    pf_err err = PF_E_NOMEM;
    for (int top = 1; top >= 0; top--) {
        if (sliver_cells(d, l, top, win, &cells, &ncells, &cap) < 0) goto done;
        if (!ncells) continue;
        /* the seeds' box, grown by the cap */
        size_t x0 = nx, x1 = 0, y0 = ny, y1 = 0, r = (size_t)d->cap_margin + 1;
        for (size_t k = 0; k < ncells; k++) {
            size_t x = cells[k] % nx, y = cells[k] / nx;
            x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1, y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1;
        }
        x0 = x0 > r ? x0 - r : 0, y0 = y0 > r ? y0 - r : 0;
        x1 = x1 + r < nx ? x1 + r : nx - 1, y1 = y1 + r < ny ? y1 + r : ny - 1;
        pf_grid w = {.x0 = g->x0 + (float)x0 * g->cell,
                     .y0 = g->y0 + (float)y0 * g->cell,
                     .cell = g->cell,
                     .nx = (uint32_t)(x1 - x0 + 1),
                     .ny = (uint32_t)(y1 - y0 + 1)};
        size_t wn = (size_t)w.nx * w.ny;
        free(field);
        if (!(field = malloc(wn * (sizeof *field + 1)))) goto done;
        uint8_t *mask = (uint8_t *)(field + wn);
        memset(mask, 1, wn);
        for (size_t k = 0; k < ncells; k++)
            mask[(cells[k] / nx - y0) * w.nx + cells[k] % nx - x0] = 0;
        if ((err = d->be->edt(d->be->ctx, mask, &w, d->cap_margin, field))) goto done;
        err = PF_E_NOMEM;
        float *f = (top ? d->mtop : d->mbot) + s * d->stride;
        uint8_t *has = top ? &d->ht[s] : &d->hb[s];
        if (!*has) { /* no other seeds: every cell at the cap, as the edt leaves a cell beyond it */
            float c = (float)d->cap_margin, far = sqrtf(c * c) * g->cell - 0.5f * g->cell;
            for (size_t i = 0; i < nx * ny; i++)
                f[i] = far;
            *has = 1;
        }
        for (size_t y = 0; y < w.ny; y++)
            for (size_t x = 0; x < w.nx; x++) {
                float *v = &f[(y + y0) * nx + x + x0], u = field[y * w.nx + x];
                *v = u < *v ? u : *v;
            }
    }
    err = PF_E_OK;
done:
    free(field);
    free(cells);
    return err;
}

/* Top pieces mostly within narrow strips' bands (this share of their cells or more) print as solid infill: a
 * 12° ramp's piece holds 80 % (the rest grows along its side walls, over what the layer below covers), a
 * coil's speck of top fill 60 %. */
#define NARROW_TOP_SHARE 0.75

/* On a cache for 0 % infill, layer l's top strips narrower than a top line and the band the margin fields
 * keep within shell_min_width of them print as solid infill, not top infill (engine/slivers.h
 * pf_sliver_band): each top piece (4-connected PF_FILL_TOP cells) that touches such a band and lies in it
 * for the most part becomes PF_FILL_SOLID. Whole pieces: a piece that reaches beyond is a top surface, and
 * a piece cut in two would print as two paths (a 3 mm-wire coil: +12.9 → +30.6 % in time, each layer's
 * speck of top fill split into a solid and a top path). After classify, before the other host passes. */
static pf_err narrow_tops(drive *d, size_t l)
{
    const sliver_src *sv = d->slivers;
    if (!sv || !sv->s.offs || !(d->cp->covered > 0.0f) || l == 0 || l + 1 >= d->nl ||
        sv->s.offs[l] == sv->s.offs[l + 1])
        return PF_E_OK;
    const pf_grid *g = d->g;
    size_t nx = g->nx, ncell = nx * g->ny;
    uint32_t *cells = NULL, *stack = NULL; /* stack: a piece's cells (ncell at most), then mark */
    size_t n = 0, cap = 0;
    pf_err err = PF_E_NOMEM;
    if (pf_sliver_band(&sv->s, l, sv->verts, sv->tris, sv->zs[l], sv->zs[l + 1] - sv->zs[l], d->cp->fill_lo,
                       sv->width, d->cp->shell_min_width, g, dist_of(d, l), &cells, &n, &cap) < 0)
        goto done;
    if (!n) { /* no band cells: nothing to do */
        err = PF_E_OK;
        goto done;
    }
    if (!(stack = malloc(ncell * (sizeof *stack + 1)))) goto done;
    uint8_t *mark = (uint8_t *)(stack + ncell), *cls = cls_of(d, l); /* mark: 1 in a band, 2 in a piece */
    memset(mark, 0, ncell);
    for (size_t k = 0; k < n; k++)
        mark[cells[k]] = 1;
    const uint8_t solid = PF_FILL_SOLID << PF_CELL_FILL_SHIFT, top = PF_FILL_TOP << PF_CELL_FILL_SHIFT,
                  fm = PF_CELL_FILL_MASK;
    for (size_t k = 0; k < n; k++) {
        if ((mark[cells[k]] & 2) || (cls[cells[k]] & fm) != top) continue;
        /* the piece, walked from this cell over its 4-neighbours */
        size_t sn = 0, at = 0, in = 0;
        mark[cells[k]] |= 2;
        stack[sn++] = cells[k];
        while (at < sn) {
            uint32_t c = stack[at++];
            in += mark[c] & 1;
            size_t x = c % nx, y = c / nx;
            uint32_t nb[4] = {x > 0 ? c - 1 : c, x + 1 < nx ? c + 1 : c, y > 0 ? c - (uint32_t)nx : c,
                              y + 1 < g->ny ? c + (uint32_t)nx : c};
            for (int q = 0; q < 4; q++)
                if (!(mark[nb[q]] & 2) && (cls[nb[q]] & fm) == top) {
                    mark[nb[q]] |= 2;
                    stack[sn++] = nb[q];
                }
        }
        if ((double)in >= NARROW_TOP_SHARE * (double)sn)
            for (size_t j = 0; j < sn; j++)
                cls[stack[j]] = (uint8_t)(cls[stack[j]] ^ (top ^ solid));
    }
    err = PF_E_OK;
done:
    free(stack);
    free(cells);
    return err;
}

/* On a cache for 0 % infill, what the layer below does not cover leaves layer l's margin fields (see
 * pf_margins_cover). */
static void margins_cover(drive *d, size_t l)
{
    float *t = mtop_of(d, l), *b = mbot_of(d, l);
    if (!(d->cp->covered > 0.0f) || l == 0 || (!t && !b)) return;
    pf_margins_cover(t, b, dist_of(d, l - 1), d->cp->fill_lo + d->cp->covered, d->cp->shell_min_width,
                     (size_t)d->g->nx * d->g->ny);
}

/* Whether layer l can have a top or bottom seed (the backend's margin_seeds): a cell of its fill region
 * (d ≥ fill_lo > 0, so inside) outside the layer above or below (win: margin_window's). Masks are 1 inside, 0
 * outside, 16 cells a vector; only where this layer's mask is set and another's is not is the field read.
 * Most layers of a part have none: where the layers differ at all, their outlines move by less than fill_lo
 * (a sloped or twisted wall), and the stage, which reads three fields and writes two seed masks, is skipped.
 */
static int may_seed_in(const drive *d, size_t l, const float *const win[7], size_t i, size_t n)
{
    const uint8_t *m3 = mask_of(d, l), *m2 = win[2] ? mask_of(d, l - 1) : NULL,
                  *m4 = win[4] ? mask_of(d, l + 1) : NULL;
    const float *d3 = win[3];
    float lo = d->cp->fill_lo;
    static const uint8_t zeros[32];
    const simde__m128i z = simde_mm_setzero_si128();
    for (; i + 32 <= n; i += 32) { /* 32 cells a step; most steps find none */
        const uint8_t *p2 = m2 ? m2 + i : zeros, *p4 = m4 ? m4 + i : zeros;
        unsigned cand = 0; /* bit k: cell i + k inside here, outside below or above */
        for (int h = 0; h < 2; h++) {
            simde__m128i a = simde_mm_loadu_si128((const simde__m128i *)(const void *)(m3 + i + 16 * h)),
                         b = simde_mm_loadu_si128((const simde__m128i *)(const void *)(p2 + 16 * h)),
                         c = simde_mm_loadu_si128((const simde__m128i *)(const void *)(p4 + 16 * h));
            simde__m128i x = simde_mm_andnot_si128(simde_mm_and_si128(b, c), a);
            cand |= (~(unsigned)simde_mm_movemask_epi8(simde_mm_cmpeq_epi8(x, z)) & 0xFFFFu) << (16 * h);
        }
        for (; cand; cand &= cand - 1)
            if (d3[i + (size_t)__builtin_ctz(cand)] >= lo) return 1;
    }
    for (; i < n; i++)
        if (m3[i] && !((m2 ? m2[i] : 0) && (m4 ? m4[i] : 0)) && d3[i] >= lo) return 1;
    return 0;
}

/* may_seed_in over the grid's cells, or over the spans of the layer's mask (its other cells are outside: no
 * seed), taking the air between spans fewer than SEED_GAP cells apart along with them (one call for a
 * curved part's layer, instead of one a row) */
#define SEED_GAP 256
static int may_seed(const drive *d, size_t l, const float *const win[7])
{
    size_t nx = d->g->nx, ny = d->g->ny;
    if (!d->mspan) return may_seed_in(d, l, win, 0, nx * ny);
    /* the spans' cells, runs of them less than SEED_GAP cells apart in one stretch (the cells between are
     * outside: no candidates) */
    const int32_t *sp = mspan_of(d, l);
    size_t a = 0, e = 0;
    for (size_t r = 0; r < ny; r++) {
        if (sp[2 * r] >= sp[2 * r + 1]) continue;
        size_t s = r * nx + (size_t)sp[2 * r], t = r * nx + (size_t)sp[2 * r + 1];
        if (e > a && s - e < SEED_GAP) {
            e = t;
            continue;
        }
        if (e > a && may_seed_in(d, l, win, a, e)) return 1;
        a = s, e = t;
    }
    if (e > a && may_seed_in(d, l, win, a, e)) return 1;
    return 0;
}

/* Margin seeds of layer l and their distance fields, into the margin slot of l. */
static pf_err margin(drive *d, size_t l, unsigned tid)
{
    const pf_backend *be = d->be;
    const float *win[7];
    margin_window(d, l, win);
    size_t s = l % d->rm;
    uint8_t *stop = d->seeds + 2 * (size_t)tid * d->stride, *sbot = stop + d->stride;
    int ht = 0, hb = 0;
    pf_err err;
    /* No seeds without calling the stage (which would write two masks nobody reads): on layer 0, when the
     * layers above and below share this layer's field (equal masks), since a seed needs d ≥ fill_lo > 0 here
     * and d ≤ 0 there, and when no cell is such (may_seed). */
    int none =
        l == 0 || (d->cp->fill_lo > 0.0f && ((win[4] == win[3] && win[2] == win[3]) || !may_seed(d, l, win)));
    if (!none && (err = be->margin_seeds(be->ctx, d->g, d->cp, l, d->nl, win, stop, sbot, &ht, &hb)))
        return err;
    /* The sliver seeds (sliver_cells) join the seed masks, so each margin takes one field of both sets where
     * margin_slivers took a second one and the minimum of the two: the same values (a distance to a union of
     * seeds is the smaller of the distances to each, and every step from squared distance to field value is
     * monotonic), half the fields on a shallow slope's layers, which all have both. */
    uint32_t *cells = NULL;
    size_t ncells = 0, cap = 0, n = (size_t)d->g->nx * d->g->ny;
    for (int top = 1; top >= 0; top--) {
        if (sliver_cells(d, l, top, win, &cells, &ncells, &cap) < 0) {
            free(cells);
            return PF_E_NOMEM;
        }
        if (!ncells) continue;
        uint8_t *m = top ? stop : sbot;
        int *has = top ? &ht : &hb;
        if (!*has) memset(m, 1, n); /* (the stage wrote no mask, or one without seeds) */
        for (size_t k = 0; k < ncells; k++)
            m[cells[k]] = 0;
        *has = 1;
    }
    free(cells);
    if (ht && (err = field_of(d, stop, d->cap_margin, d->mtop + s * d->stride))) return err;
    if (hb && (err = field_of(d, sbot, d->cap_margin, d->mbot + s * d->stride))) return err;
    d->ht[s] = (uint8_t)ht;
    d->hb[s] = (uint8_t)hb;
    margins_cover(d, l);
    return PF_E_OK;
}

/* Classes of layer l without the layer below (classify's below = NULL): cells over sparse infill that
 * should be internal bridges come out as solid, and pf_classes_fix_bridges makes them bridges once the layer
 * below is final. So the layers of a batch can be classified in parallel and only that cheap pass stays in
 * order. */
/* Layer l's wall middles (PF_FILL_MIDDLE), decided from its segments: widened beads or a strip of infill.
 * Bridge detection never reads them as sparse, so it does not matter whether the layer above was classified
 * before or after this. */
static pf_err middles(drive *d, size_t l, unsigned tid)
{
    const pf_classify_params *p = d->cp;
    const float *win[7];
    window(d, l, win);
    const float *const surf[2] = {win[4], win[2]};
    /* listed for the copies that middles_agree checks against them, where the slabs up to l + 2 are not all
     * upright (listing a layer's middles costs 5 % of deciding them) */
    uint32_t b = d->cslot[l % d->rc];
    d->mlogged[b] = !(l + 1 < d->nl && d->upright[l + 1] && (l + 2 >= d->nl || d->upright[l + 2]));
    return pf_middles_resolve_log(cls_of(d, l), d->g, d->segs + (size_t)PF_SEG_FLOATS * d->offs[l],
                                  d->counts[l], p->fill_lo + 0.5f * p->sparse_min_width, surf,
                                  d->mspan ? mspan_of(d, l) : NULL, &d->lg[tid],
                                  d->mlogged[b] ? &d->mlog[b] : NULL);
}

/* Whether layer l, whose window repeats l − 2's (9 equal masks, so equal classes but for the wall middles,
 * the one pass that reads a slice's own segments there), gets l − 2's classes from its own slice too: its
 * middles decided from its own segments as those of l − 2 (or of the layer l − 2 copied) were. A tapered
 * wall keeps its mask for a few layers while the segments move, and a middle whose wall is about 2·ridge
 * thick can go the other way: copied, 6 of the held-out planter's 300 layers got up to 0.3 mm² of fill in
 * the other class, and the sums depended on where a lane started. Where
 * the part is a prism from l − 2 to l (upright slabs), the slices are the same polygons; elsewhere the
 * middles listed for the layer copied are decided again (a mug's 215 copies under its handle, each costing
 * about a layer's middles). 1 when so, 0 when not (also when they were not listed); −1 when out of memory.
 * On the thread that decides the copies (thread id 0). */
static int middles_agree(drive *d, size_t l)
{
    if (d->upright[l] && d->upright[l - 1]) return 1; /* l − 2's slice, the same polygons */
    uint32_t b = d->cslot[(l - 2) % d->rc];
    if (!d->mlogged[b]) return 0; /* not known: l's own classes */
    const pf_middle_log *log = &d->mlog[b];
    if (!log->n) return 1;
    if (!d->zero && !(d->zero = calloc((size_t)d->g->nx * d->g->ny, 1))) return -1;
    const pf_classify_params *p = d->cp;
    const float *win[7];
    window(d, l, win);
    const float *const surf[2] = {win[4], win[2]};
    return pf_middles_agree(log, d->zero, d->g, d->segs + (size_t)PF_SEG_FLOATS * d->offs[l], d->counts[l],
                            p->fill_lo + 0.5f * p->sparse_min_width, surf, &d->lg[0]);
}

/* Sparse parts narrower than this many solid spacings, beside a shell, are solid (engine/narrow_sparse.h):
 * the bumpy spheres at 0 % went −6.0 → −5.0 % in weight and −7.1 → −5.3 % in time, a bowl at 50 % +13.8 →
 * +11.3 % in time, a mouse shell +10.7 → +6.3 %; a shell at 0 % +0.5 → +3.2 % in weight. The pass takes
 * 2–4 % of a curved part's estimate. */
#define NARROW_SPARSE 1.5

/* The cells that hold layer l's inside cells (pf_segs_box of its segments): columns box[0] … box[1] − 1,
 * rows box[2] … box[3] − 1. Returns whether a pass over them should go row by row over its columns (fewer
 * than half the grid's) rather than over its whole rows at once. */
static int layer_box(const drive *d, size_t l, long box[4])
{
    memcpy(box, d->slopes->boxes + 4 * l, 4 * sizeof *box);
    return 2 * (box[1] - box[0]) < (long)d->g->nx;
}

/* More top or bottom solid layers than classify's 3 (PrusaSlicer's own 0.20 mm QUALITY profile has 5 top and
 * 4 bottom; top_solid_min_thickness 0.7 mm gives 7 top at 0.1 mm): classify's shell rules for the layers it
 * does not see, on layer l's sparse cells and wall middles (its classes are 0 beyond box, layer_box). The
 * layers 3 … top − 1 above and 3 … bottom − 1 below take the rule of the layers within 2 (pf_shell_band: a
 * band of the layer's fill region outside theirs, at least shell_min_width wide) and their grown top (bottom)
 * surfaces that of the neighbours' (their margins within pf_shell_reach); the layer top above (bottom below)
 * takes the rule of the layers 3 away (pf_shell_far). The bands the fields cannot decide are decided from the
 * facets' slopes, one layer at a time (pf_shell_slopes_one). A layer beyond the part is outside everywhere;
 * one without a field (skipped: steep or linear, its walls recede by less than a band a layer) tells
 * nothing. Against PrusaSlicer with 5 top and 4 bottom layers (tests/data/solid_reference.csv), a 45° cone of
 * 3 mm walls was 27 % light at 20 % when the shells stopped at 3 layers (its band over 2 layers, 0.4 mm, is
 * under the opening's 0.47 mm; over 4, 0.8 mm, it is over) and the tops' areas stood for their shadows below
 * (exact under flat tops, a strip a layer under slopes); −1.0 % now. WIDE_MAX bounds the extra layers either
 * way. */
#define WIDE_MAX 12
static pf_err wide_shells(drive *d, size_t l, const long box[4], unsigned tid)
{
    const pf_classify_params *p = d->cp;
    const uint8_t fm = PF_CELL_FILL_MASK, sparse = PF_FILL_SPARSE << PF_CELL_FILL_SHIFT,
                  middle = PF_FILL_MIDDLE << PF_CELL_FILL_SHIFT, solid = PF_FILL_SOLID << PF_CELL_FILL_SHIFT;
    long nx = d->g->nx;
    uint8_t *cls = cls_of(d, l);
    const float *dl = dist_of(d, l), *mg[2 * WIDE_MAX];
    int nm = 0;
    for (int side = 0; side < 2; side++) {
        long ex = side ? (long)d->dn : (long)d->up;
        for (long k = 3; ex && k <= 3 + ex; k++) {
            long j = side ? (long)l - k : (long)l + k;
            int in = j >= 0 && j < (long)d->nl, far = k == 3 + ex;
            if (in && skipped(d, (size_t)j)) continue;
            const float *f = in ? dist_of(d, (size_t)j) : NULL;
            int ambig = 0;
            for (long y = box[2]; y < box[3]; y++)
                for (long x = box[0]; x < box[1]; x++) {
                    size_t i = (size_t)(y * nx + x);
                    uint8_t c = cls[i];
                    if ((c & fm) != sparse && ((c & fm) != middle || (c & PF_CELL_SHELL))) continue;
                    float dj = f ? f[i] : -1.0f;
                    int shell = 0, amb = 0;
                    if (far)
                        pf_shell_far(p, dl[i], dj, &shell, &amb);
                    else
                        pf_shell_band(p, dl[i], dj, j, &shell, &amb);
                    if (shell)
                        cls[i] =
                            (c & fm) == sparse ? (uint8_t)((c & ~fm) | solid) : (uint8_t)(c | PF_CELL_SHELL);
                    else if (amb)
                        cls[i] = (uint8_t)(c | PF_CELL_AMBIG), ambig = 1;
                }
            if (ambig) {
                pf_err e = pf_shell_slopes_one(cls, d->g, dl, f, j - (long)l, far, p, l, d->slopes,
                                               d->mspan ? mspan_of(d, l) : NULL, &d->sl[tid]);
                if (e) return e;
            }
            const float *m = !in || far ? NULL : side ? mbot_of(d, (size_t)j) : mtop_of(d, (size_t)j);
            if (m) mg[nm++] = m;
        }
    }
    /* the grown surfaces: pf_classes_shell_margins' rule, 4 at a time */
    for (int k = 0; k < nm; k += 4) {
        const float *nb[4] = {mg[k], k + 1 < nm ? mg[k + 1] : NULL, k + 2 < nm ? mg[k + 2] : NULL,
                              k + 3 < nm ? mg[k + 3] : NULL};
        for (long y = box[2]; y < box[3]; y++) {
            size_t at = (size_t)(y * nx + box[0]);
            const float *nbo[4];
            for (int q = 0; q < 4; q++)
                nbo[q] = nb[q] ? nb[q] + at : NULL;
            pf_shell_margins_fix(cls + at, nbo, pf_shell_reach(p), (size_t)(box[1] - box[0]));
        }
    }
    return PF_E_OK;
}

/* Layer l's sparse cells that the neighbours' grown top / bottom surfaces make shells of (engine/backend.h
 * pf_classes_shell_margins), and those of the solid layers beyond 3 (wide_shells), then its wall middles:
 * what follows classify on the host, on every backend. */
static pf_err classes_settle(drive *d, size_t l, unsigned tid)
{
    const float *nb[4] = {l >= 2 ? mbot_of(d, l - 2) : NULL, l >= 1 ? mbot_of(d, l - 1) : NULL,
                          l + 1 < d->nl ? mtop_of(d, l + 1) : NULL, l + 2 < d->nl ? mtop_of(d, l + 2) : NULL};
    if (steep(d, l)) /* it is its neighbours */
        nb[0] = nb[1] = nb[2] = nb[3] = NULL;
    if (d->cp->shell_ambig > 0.0f) { /* the bands classify left undecided */
        const float *win[7];
        window(d, l, win);
        pf_err e = pf_shell_slopes(cls_of(d, l), d->g, win, d->cp, l, d->slopes,
                                   d->mspan ? mspan_of(d, l) : NULL, &d->sl[tid]);
        if (e) return e;
    }
    pf_err err = narrow_tops(d, l);
    if (err) return err;
    /* the passes below change no class outside the layer's box: they are 0 there */
    long box[4], nx = d->g->nx, r0, r1;
    int by_row = layer_box(d, l, box);
    r0 = box[2], r1 = box[3];
    size_t o = (size_t)r0 * (size_t)nx, n = (size_t)(r1 - r0) * (size_t)nx;
    if (nb[0] || nb[1] || nb[2] || nb[3]) {
        /* the box's rows at once, or row by row over its columns */
        long c0 = by_row ? box[0] : 0, w = by_row ? box[1] - box[0] : nx * (r1 - r0);
        for (long y = r0; y < (by_row ? r1 : r0 + 1); y++) {
            size_t at = (size_t)(y * nx + c0);
            const float *nbo[4];
            for (int k = 0; k < 4; k++)
                nbo[k] = nb[k] ? nb[k] + at : NULL;
            pf_shell_margins_fix(cls_of(d, l) + at, nbo, pf_shell_reach(d->cp), (size_t)w);
        }
    }
    if ((d->up || d->dn) && !steep(d, l)) err = wide_shells(d, l, box, tid);
    if (!err) err = middles(d, l, tid);
    /* shell_min_width is 1.05 solid spacings; the rows as a grid of their own (its rows beyond them are 0) */
    pf_grid rows = *d->g;
    rows.ny = (uint32_t)(r1 - r0);
    if (!err && n &&
        pf_narrow_sparse(cls_of(d, l) + o, &rows, (float)(NARROW_SPARSE / 1.05) * d->cp->shell_min_width,
                         &d->ns[tid]) < 0)
        err = PF_E_NOMEM;
    return err;
}

/* PrusaSlicer's opening of internal bridges (bridge_over_infill): 3 bridge widths (PRUSASLICER-NOTES §1:
 * 0.4296 mm), mm. */
#define IBRIDGE_OPEN 1.289f

/* Layer l's internal bridges, once the layer below is settled: its solid over sparse infill, opened by 3
 * bridge widths (engine/layer_geom.h). */
static pf_err bridges(drive *d, size_t l, unsigned tid)
{
    /* the whole layer in one pass (row by row, a narrow part's rows were mostly the loop's scalar tails), and
     * the opening over the rows from the first bridge to the last */
    if (steep(d, l) || unsummed(d, l))
        return PF_E_OK; /* no solid fill (steep_modes), and the layer below may have no classes; or no sums */
    uint8_t *cls = cls_of(d, l), *below = cls_of(d, l - 1);
    long nx = d->g->nx, box[4];
    int by_row = layer_box(d, l, box); /* its classes are 0 beyond the box */
    size_t first = 1, last = 0;
    long x0 = nx, x1 = -1; /* the columns of the bridges, when made row by row */
    /* the box's rows at once, or row by row over its columns, or over each row's span */
    const int32_t *sp = d->mspan ? mspan_of(d, l) : NULL;
    by_row |= sp != NULL;
    long c0 = by_row ? box[0] : 0, w = by_row ? box[1] - box[0] : nx * (box[3] - box[2]);
    for (long y = box[2]; y < (by_row ? box[3] : box[2] + 1); y++) {
        if (sp) {
            if (sp[2 * y] >= sp[2 * y + 1]) continue;
            c0 = sp[2 * y], w = sp[2 * y + 1] - sp[2 * y];
        }
        size_t at = (size_t)(y * nx + c0), f, e;
        pf_ibridges_fix(cls + at, below + at, (size_t)w, &f, &e);
        if (f > e) continue;
        if (first > last) first = at + f;
        last = at + e;
        if (c0 + (long)f < x0) x0 = c0 + (long)f;
        if (c0 + (long)e > x1) x1 = c0 + (long)e;
    }
    if (first > last) return PF_E_OK; /* classify makes no bridges (the driver gives it no layer below) */
    /* the rows from the first bridge to the last, and their columns (all of them when the box's rows went at
     * once) */
    long open[4] = {by_row ? x0 : 0, by_row ? x1 : nx - 1, (long)(first / (size_t)nx),
                    (long)(last / (size_t)nx)};
    /* 2·IBRIDGE_OPEN wide: 2k + 1 cells */
    int k = (int)lroundf((2.0f * IBRIDGE_OPEN / d->g->cell - 1.0f) / 2.0f);
    return pf_ibridges_open_box(cls, d->g, open, k, &d->lg[tid]);
}

static pf_err classify_alone(drive *d, size_t l, unsigned tid)
{
    const pf_backend *be = d->be;
    const float *win[7];
    window(d, l, win);
    pf_err err = be->classify_span ? be->classify_span(be->ctx, d->g, d->cp, l, d->nl, win, mtop_of(d, l),
                                                       mbot_of(d, l), NULL, mspan_of(d, l), cls_of(d, l))
                                   : be->classify(be->ctx, d->g, d->cp, l, d->nl, win, mtop_of(d, l),
                                                  mbot_of(d, l), NULL, cls_of(d, l));
    return err ? err : classes_settle(d, l, tid);
}

/* How far apart (mm) two pieces of a fill may lie and still print as one: PrusaSlicer travels between
 * them without a retraction below retract_before_travel (1 mm). */
#define PIECE_GAP 1.0
/* The run sets whose pieces fill_pieces counts: the solid-type fills, which PrusaSlicer prints piece by
 * piece with a retraction between (sparse infill is counted per island). */
#define PIECE_MIN 3 /* blocks a piece needs to count */
#define PIECE_SETS (1u << PF_RUN_SOLID | 1u << PF_RUN_TOP | 1u << PF_RUN_BRIDGE | 1u << PF_RUN_IBRIDGE)

/* The last block of the run of blocks with set r that starts at row[x]: 8 blocks a step (a plate's rows are
 * runs of a hundred blocks and more). A row ends in a zero byte, and 8 bytes may be read past it. */
static long run_end(const uint8_t *row, long x, unsigned r)
{
    for (long e = x;; e += 8) {
        uint64_t w;
        memcpy(&w, row + e + 1, 8);
        uint64_t gap = ~(w >> r) & 0x0101010101010101ull; /* the blocks after e without the set */
        if (gap) return e + __builtin_ctzll(gap) / 8;
    }
}

static uint32_t uf_find(uint32_t *up, uint32_t i)
{
    while (up[i] != i)
        i = up[i] = up[up[i]];
    return i;
}

/* Counts the pieces of each set of PIECE_SETS in one layer's classes on a grid of blocks PIECE_GAP wide in
 * the plane (a cell each when cells are coarser): a block holds the sets of any of its cells whose centre
 * lies in the fill region (dist ≥ dmin: a cell takes a fill class when only part of it does, and on coarse
 * cells those edge cells alone broke a shell's middle into hundreds of pieces a layer); blocks join their 8
 * neighbours, so pieces closer than the gap merge, and a piece counts when it covers PIECE_MIN blocks. The
 * blocks lie in millimetres, not cells, so the count does not jump with the cell size. A block sees the
 * small pieces a sample at its centre missed (bumpy_1m's crescents of solid fill: PrusaSlicer retracts ~70
 * times a layer for them; -18.7 % time with centre samples, -10.9 % now), and a thin ring of fill stays one
 * piece instead of a sample's hits and misses. sets: which of PIECE_SETS the layer has (fill area > 0); box:
 * the layer's box (layer_box: its classes are 0 beyond it); span: the spans of its mask (pf_mask_spans), NULL
 * when not known. Errors: NOMEM. */
static pf_err fill_pieces(const uint8_t *cls, const float *dist, float dmin, const pf_grid *g,
                          const long box[4], const int32_t *span, unsigned sets, uint16_t pieces[PF_RUN_N])
{
    memset(pieces, 0, PF_RUN_N * sizeof *pieces);
    sets &= PIECE_SETS;
    if (!sets) return PF_E_OK;
    double step = PIECE_GAP > g->cell ? PIECE_GAP / g->cell : 1.0; /* cells per block */
    long nx = g->nx, ny = g->ny, bx = (long)(nx / step), by = (long)(ny / step), nb = bx * by;
    if (nb <= 0) return PF_E_OK;
    /* blocks' sets (one byte each, a zero past each row's end), then per run of blocks along a row: its
     * first and last block, its union-find parent and its block count */
    uint8_t *b = calloc((size_t)(nb + by) + 8, 1); /* + 8: run_end's loads */
    uint32_t *rs = malloc(4 * (size_t)nb * sizeof *rs), *re = rs + nb, *up = re + nb, *cnt = up + nb;
    uint32_t *col = malloc((size_t)nx * sizeof *col); /* the block column of each cell column */
    if (!b || !rs || !col) {
        free(b);
        free(rs);
        free(col);
        return PF_E_NOMEM;
    }
    uint8_t lut[8]; /* the sets counted of each fill class */
    for (unsigned f = 0; f < 8; f++)
        lut[f] = (uint8_t)(pf_runsets_of(f) & sets);
    for (long x = 0; x < nx; x++)
        col[x] = (uint32_t)((double)x / step);
    long cy_end = (long)fmin((double)ny, ceil((double)by * step));
    long r0 = box[2]; /* the classes are 0 beyond the box */
    if (cy_end > box[3]) cy_end = box[3];
    for (long cy = r0, prev_y = -1; cy < cy_end; cy++) {
        long cx0 = box[0] & ~7L, cx1 = box[1]; /* and beyond the row's span */
        if (span) {
            if (span[2 * cy] >= span[2 * cy + 1]) continue;
            cx0 = span[2 * cy] & ~7L, cx1 = span[2 * cy + 1];
        }
        long y = (long)((double)cy / step);
        if (y >= by) break;
        uint8_t *row = b + y * (bx + 1);
        const uint8_t *c = cls + (size_t)cy * (size_t)nx;
        const float *d = dist + (size_t)cy * (size_t)nx;
        /* a row of cells equal to the one before in classes and field (over this row's cells), in the same
         * row of blocks, adds nothing new (a plate's rows: two of every three) */
        int same = y == prev_y && !memcmp(c + cx0, c - nx + cx0, (size_t)(cx1 - cx0)) &&
                   !memcmp(d + cx0, d - nx + cx0, (size_t)(cx1 - cx0) * sizeof *d);
        prev_y = y;
        if (same) continue;
        for (long x0 = cx0; x0 < cx1; x0 += 8) {
            long x1 = x0 + 8 < nx ? x0 + 8 : nx;
            if (x1 - x0 == 8) {
                uint64_t w;
                memcpy(&w, c + x0, 8);
                if (!(w & 0x1818181818181818ull)) continue; /* no fill class above sparse (bits 3–4) */
                uint8_t v = lut[(c[x0] & PF_CELL_FILL_MASK) >> PF_CELL_FILL_SHIFT];
                uint32_t k = col[x0], k1 = col[x0 + 7];
                if (w == c[x0] * 0x0101010101010101ull && k1 < (uint32_t)bx) {
                    while (k <= k1 && (row[k] & v) == v)
                        k++;
                    if (k > k1) continue; /* one class, in blocks that have its sets already */
                    /* every cell in the fill region (away from its edge): each block from k on holds one */
                    const simde__m128 lo = simde_mm_set1_ps(dmin);
                    int all =
                        (simde_mm_movemask_ps(simde_mm_cmpge_ps(simde_mm_loadu_ps(d + x0), lo)) &
                         simde_mm_movemask_ps(simde_mm_cmpge_ps(simde_mm_loadu_ps(d + x0 + 4), lo))) == 0xF;
                    if (all) {
                        for (; k <= k1; k++)
                            row[k] |= v;
                        continue;
                    }
                    /* the blocks that lack them take them from a cell in the fill region */
                    for (long x = x0; x < x1; x++)
                        if ((row[col[x]] & v) != v && d[x] >= dmin) row[col[x]] |= v;
                    continue;
                }
            }
            for (long x = x0; x < x1 && col[x] < (uint32_t)bx; x++) { /* past the last block: no block */
                uint8_t v = lut[(c[x] & PF_CELL_FILL_MASK) >> PF_CELL_FILL_SHIFT];
                if ((v & ~row[col[x]]) && d[x] >= dmin) row[col[x]] |= v;
            }
        }
    }
    for (unsigned r = 0; r < PF_RUN_N; r++) {
        if (!(sets >> r & 1)) continue;
        uint32_t nr = 0, p0 = 0, p1 = 0; /* runs so far; the previous row's are p0 … p1 − 1 */
        for (long y = 0; y < by; y++) {
            const uint8_t *row = b + y * (bx + 1);
            uint32_t q = p0, r0 = nr;
            for (long x = 0; x < bx; x++) {
                if (x + 8 <= bx) { /* 8 blocks without the set at once (most of a layer's) */
                    uint64_t w;
                    memcpy(&w, row + x, 8);
                    if (!(w & 0x0101010101010101ull << r)) {
                        x += 7;
                        continue;
                    }
                }
                if (!(row[x] >> r & 1)) continue;
                long e = run_end(row, x, r);
                rs[nr] = (uint32_t)x, re[nr] = (uint32_t)e, up[nr] = nr, cnt[nr] = (uint32_t)(e - x + 1);
                /* join the runs of the row before that touch this one, diagonals included */
                while (q < p1 && (long)re[q] + 1 < x)
                    q++;
                for (uint32_t j = q; j < p1 && (long)rs[j] <= e + 1; j++) {
                    uint32_t u = uf_find(up, nr), v = uf_find(up, j);
                    if (u != v) up[u < v ? v : u] = u < v ? u : v;
                }
                nr++;
                x = e;
            }
            p0 = r0, p1 = nr;
        }
        /* sizes at the roots; pieces of at least PIECE_MIN blocks count (fewer: a speck, or a sliver of
         * fill printed with the walls around it) */
        for (uint32_t i = 0; i < nr; i++) {
            uint32_t root = uf_find(up, i);
            if (root != i) cnt[root] += cnt[i];
        }
        uint32_t n = 0;
        for (uint32_t i = 0; i < nr; i++)
            n += up[i] == i && cnt[i] >= PIECE_MIN;
        pieces[r] = (uint16_t)(n > UINT16_MAX ? UINT16_MAX : n);
    }
    free(b);
    free(rs);
    free(col);
    return PF_E_OK;
}

/* Thin-walled parts: a wall a few cells wide is 2 or 3 cells on the binary raster, by the grid's phase
 * (cup08's 0.8 mm walls on 0.36 mm cells: 0.72 mm, −10 %), and the wall areas with it. Layer l's areas are
 * scaled by its slice's exact area (the shoelace sum of its oriented segments) over the raster's, when that
 * ratio is within AREA_FIX_MAX either way (beyond it the segments do not bound one region: overlapping shells
 * count twice). thinwall's weight at 3, 4, 6, 8 and 12 M cell-layers: 6.45 … 7.88 g before, 7.37 … 7.43 g
 * after (PrusaSlicer 7.41). A ratio that would add more than AREA_FIX_CHECK is left out when the layer's
 * shells overlap (pf_layer_overlaps: a grid of overlapping ribs read +10 % with it). */
#define AREA_FIX_MAX 1.4
/* A ratio above this is checked for overlapping shells before it is applied. */
#define AREA_FIX_CHECK 1.01

/* The wall bands of a layer from its contours instead of its cells. A cell's distance is to the nearest
 * outside cell centre, which off the grid's axes grows more slowly than the distance to the contour within
 * the first cells: where a wall crosses the cells at a slant, the bands take more cells than they should (a
 * 30 mm cube turned 10, 30 and 45° about Z read +6, +13 and +10 % of external perimeter and +4 % of inner
 * one; a cylinder +9.6 and +6.1 %, on every round or slanted part; a square to the grid is exact). A band of
 * width w = b − a along closed contours of total length L has area L·w − K·(b² − a²), K the corners' share:
 * Σ tan(θ/2) over an island's turns, 4 for a square, π for a curve, taken as π·χ (χ = islands − holes; a
 * square's band comes out 0.5 % large). Where walls are thinner than two bands the contours' figure is too
 * large, so the smaller of the two is kept, and what a band gives up goes to the fill regions in proportion
 * (the cells it took lie at the fill's edge). With it the external and inner perimeter volumes of 23 meshes
 * at 0 % infill are within 1.4 % of PrusaSlicer's (bench/RESULTS.md, estimator features), the turned cubes
 * and the cylinder within 1 %. Layers with walls too thin for an inner bead are left as they are; in layers
 * whose fill is less than BAND_FILL_MIN of their bands (thin-walled cups and vases: Arachne widens the inner
 * beads over the wall's middle) only the external band is fixed, its excess going to the inner band. */
#define BAND_FILL_MIN 0.5
/* A layer of little fill whose thin walls hold no more than this share of its inner band is fixed all the
 * same: the shared vase's 1.14 mm walls leave 0.6 mm² of thin wall a layer against 52 mm² of inner band, and
 * its external band read 8 % over the contours' (398 mm of external loops a layer against PrusaSlicer's
 * 369). */
#define THIN_SPECKS 0.05
/* But a layer whose fill runs along its walls as a strip at least this wide on average (mm: fill area over
 * half the contours' length, the strip lying between two of them) has walls thicker than the ones Arachne
 * widens over their middle (2.08 mm): PrusaSlicer prints the strip as sparse infill, nothing at 0 %, and the
 * bands' excess is the strip's, not the inner beads'. Walls of 2.1–2.4 mm at 0 % read +3.5 … +6.4 % in weight
 * with it in the inner band (their inner perimeter 13 % over PrusaSlicer's), 0 … +0.8 % since; held out: 59
 * rows nearer PrusaSlicer by over half a point, 47 farther (the same walls at 10 %, whose narrow strips
 * PrusaSlicer fills with about one anchored line at any density: up to 3 points under). */
#define STRIP_FILL_W 0.2

static void band_fix(layer_stat *layers, size_t nl, const pf_classify_params *cp)
{
    const double band[2][2] = {{cp->ext_lo, cp->ext_hi}, {cp->ext_hi, cp->int_hi}};
    for (size_t l = 1; l < nl; l++) { /* layer 0's bands are shifted by the elephant foot: left as they are */
        layer_stat *ls = &layers[l];
        pf_layer_cells *lc = &ls->cells;
        double L = ls->contour_len, chi = 2.0 * ls->nislands - ls->nloops, fill = fill_total(lc), moved = 0;
        int little_fill = !(fill > 0) || fill < BAND_FILL_MIN * (lc->wall_area[1] + lc->wall_area[2]);
        if (fill > 0.5 * STRIP_FILL_W * L) little_fill = 0; /* a strip of sparse infill along the walls */
        if (lc->wall_thin > (little_fill ? THIN_SPECKS * lc->wall_area[2] : 0)) continue;
        if (little_fill) {
            /* walls with little fill (a thin-walled cup): their middle goes to the inner beads, which Arachne
             * widens; the external band is the contours' own all the same, and what the cells put in it over
             * that goes to the inner band (a hexagonal tube of 2 mm walls: the cells' external band 7.5 %
             * over PrusaSlicer's external perimeter volume, the exact one 0.4 %) */
            double a = band[0][0], b = band[0][1], exact = L * (b - a) - M_PI * chi * (b * b - a * a);
            if (exact > 0 && lc->wall_area[1] > exact) {
                lc->wall_area[2] = (float)(lc->wall_area[2] + (lc->wall_area[1] - exact));
                lc->wall_area[1] = (float)exact;
            }
            continue;
        }
        for (int w = 1; w <= 2; w++) {
            double a = band[w - 1][0], b = band[w - 1][1], exact = L * (b - a) - M_PI * chi * (b * b - a * a);
            if (exact > 0 && lc->wall_area[w] > exact) {
                moved += lc->wall_area[w] - exact;
                lc->wall_area[w] = (float)exact;
            }
        }
        if (!(moved > 0)) continue;
        for (int k = 1; k < PF_FILL_N; k++)
            lc->fill_area[k] = (float)(lc->fill_area[k] * ((fill + moved) / fill));
    }
}

/* The cells' thin walls (wall_thin: the inner band where no cell lies deep enough for an inner bead) where
 * the rays measured the walls: a wall of one centre bead (PrusaSlicer prints a third bead from 1.165 mm with
 * the default profile) within a cell of that width is often too thin by the cells (a box of 1.2 mm walls:
 * 70 % of its inner band; its inner perimeter 0.32 cm³ against PrusaSlicer's 1.08), so its middle's area
 * by the rays (thin_mid) is taken off, down to the rays' own figure of walls too thin (thin_rays). After
 * band_fix, which reads the cells' figure. */
static void thin_by_rays(layer_stat *layers, size_t nl)
{
    for (size_t l = 0; l < nl; l++) {
        layer_stat *ls = &layers[l];
        if (ls->thin_mid > 0) ls->cells.wall_thin = fmaxf(ls->thin_rays, ls->cells.wall_thin - ls->thin_mid);
    }
}

static void thin_area_fix(layer_stat *layers, size_t nl, const float *segs, const uint32_t *offs,
                          const uint32_t *counts, const pf_grid *g)
{
    int over = 0;        /* the last pf_layer_overlaps answer */
    size_t checked = nl; /* the layer it was for (nl: none yet) */
    for (size_t l = 0; l < nl; l++) {
        const float *sg = segs + (size_t)PF_SEG_FLOATS * offs[l];
        double a2 = 0; /* twice the signed area */
        for (uint32_t i = 0; i < counts[l]; i++, sg += PF_SEG_FLOATS)
            a2 += (double)sg[0] * sg[3] - (double)sg[2] * sg[1];
        pf_layer_cells *lc = &layers[l].cells;
        double r = lc->area > 0 ? fabs(a2) / 2 / lc->area : 1;
        if (!(r > 1 / AREA_FIX_MAX && r < AREA_FIX_MAX)) continue;
        /* Shells overlap only where a layer has two islands or more. A layer with as many segments and
         * islands as the last one checked, within 16 layers, takes its answer (a prism's layers differ only
         * in where its side triangles are cut). */
        if (r > AREA_FIX_CHECK && layers[l].nislands >= 2) {
            if (checked == nl || l - checked >= 16 || counts[l] != counts[checked] ||
                layers[l].nislands != layers[checked].nislands) {
                over = pf_layer_overlaps(segs + (size_t)PF_SEG_FLOATS * offs[l], counts[l], g);
                checked = l;
            }
            if (over) continue;
        }
        lc->area = (float)(lc->area * r);
        for (int k = 0; k < 3; k++)
            lc->wall_area[k] = (float)(lc->wall_area[k] * r);
        lc->wall_thin = (float)(lc->wall_thin * r);
        for (int k = 0; k < PF_FILL_N; k++)
            lc->fill_area[k] = (float)(lc->fill_area[k] * r);
    }
}

/* Where fill_pieces samples a layer's fill: the distance at which classify's fill region starts. */
static float piece_dmin(const pf_classify_params *c, size_t l)
{
    return l == 0 ? c->l0_fill_lo + c->l0_shift : c->fill_print_lo;
}

/* Layer dst takes the reduce results of layer src (equal classes). */
static void layer_copy(layer_stat *dst, const layer_stat *src)
{
    dst->cells = src->cells;
    memcpy(dst->pieces, src->pieces, sizeof dst->pieces);
    dst->br = src->br;
    dst->inner_pieces = src->inner_pieces;
}

/* The run sets of PIECE_SETS that layer l's sums show (a fill area above zero). */
static unsigned piece_sets(const pf_layer_cells *lc)
{
    const float *fa = lc->fill_area;
    return (fa[PF_FILL_SOLID] + fa[PF_FILL_FIRST] > 0 ? 1u << PF_RUN_SOLID : 0) |
           (fa[PF_FILL_TOP] > 0 ? 1u << PF_RUN_TOP : 0) | (fa[PF_FILL_BRIDGE] > 0 ? 1u << PF_RUN_BRIDGE : 0) |
           (fa[PF_FILL_IBRIDGE] > 0 ? 1u << PF_RUN_IBRIDGE : 0);
}

/* Sparse runs shorter than this (mm) print no line of their own. None is dropped: PrusaSlicer prints the
 * short lines where its infill crosses a band under a millimetre wide (a 2.4 mm tube's, a steep cone's) as
 * one zig-zag round it. A threshold near one sample's pitch decided by the grid: at 0.7 mm, against diagonal
 * steps of 0.69–0.72 mm (cells of 0.245–0.255 mm sampled every other cell), tubes of 2.2 and 2.4 mm walls
 * kept their single-sample runs on some grids and broke into up to 25 paths a layer on others (+10 … +30 % in
 * time, by the tube's diameter: 13 of 70 rows of a sweep of radii and walls beyond 10 %, worst +30.5 %;
 * PrusaSlicer prints one infill path a layer on each). At 1.0 mm cones of 2.4 mm walls lost the band for
 * two diagonals at a time (pf_fill_branches bridges one). With none dropped the sweep's worst is 10.6 %;
 * the reference rows' medians do not move (63 of 1620 held-out rows move by more than half a point, 34 of
 * them nearer PrusaSlicer). */
#define CHAIN_MIN_RUN 0.0f
/* The branches are found on every other cell of every other row when that pitch stays within this (mm): a
 * quarter of the work, for the same counts (the branches that matter are a few mm across). On all 480
 * reference rows, sampling every grid (to 0.72 mm) moved no median and no row by more than 5.6 % in time
 * (encl_v2 at 50 %); the rows of 0.36 mm grids (tower, vase, the bumpy spheres) by less than 0.5 %. */
#define CHAIN_PITCH 0.75f
/* A piece of the inner beads' region (pf_inner_pieces: deeper than ext_hi + bead_ridge, where Arachne fits an
 * inner bead) counts when some cell of it lies this many cells deeper: a wall about twice that depth wide
 * leaves pieces of raster noise along it (a 1.6 mm vase wall: +33 % in time at 0.5 cells). On a honeycomb
 * panel it finds PrusaSlicer's 63 inner loops a layer (its web junctions), each printed apart: time -10.9 →
 * +5.9 % at 0 %, -17.8 → -7.1 % at 100 %; no other reference row moves by more than 0.2 %. */
#define INNER_PEAK 1.0f
/* The share of a fill region's attached branches (split from another or merged into one: a gear's teeth and
 * the sides of its holes) that print as a path of their own; PrusaSlicer joins the others to a neighbour's
 * lines with an anchor along the boundary they share. Counted against PrusaSlicer's sparse paths at 20 %:
 * gear 0.56, bumpy_10k 0.39, star 0.58, hollow sphere 0.68; a ring (hexnut, torus: the hole's two sides)
 * 0.9–1.0. Pieces apart from every other (a honeycomb's triangles) each print a path: 2245 against
 * PrusaSlicer's 2244 over 40 layers. */
#define CHAIN_ATTACHED 0.5
/* At 100 % the sparse region's pieces still print apart (the blobs where a bin's rounded compartments meet, a
 * gear's teeth: PrusaSlicer's paths a layer at 100 % are about those at 20 %, 77 against 65 on a honeycomb
 * panel), where one path an island left them out (a bin −18.3 → −11.5 % in time, the shared gear −5.2 →
 * −0.7 %, a battery holder −7.7 → −2.0 %). They are counted as its chains at this density's spacing: at the
 * solid spacing a wall's narrow middle strip, which PrusaSlicer leaves to the perimeters, breaks into
 * many (a hexagonal cup +7.9 → +16.0 %; +9.9 % here), as does a honeycomb's web (−3.9 → +9.8 % here). */
#define FULL_CHAIN_DENSITY 0.2

/* Overhanging walls (PRUSASLICER-NOTES §2): PrusaSlicer prints the parts of a layer's loops that lie
 * farther than half the nozzle outside the layer below as overhang perimeters, at bridge speed, which the
 * cooling slowdown leaves alone. A spring's wire, a tilted plate's low side, an arch's crown: where a
 * short layer's loops were all slowed to min_print_speed, a 2.4 mm-wire spring read +30 % in time. */
/* At (u, v), in cells from the centre of cell (0, 0): −1 when the layer itself (its field `self`, > 0
 * inside) is not there (a thin wall's inner loop probed past its far side: no loop runs there), 1 when the
 * layer below (`below`) has no inside cell centre within r cells (a cell centre samples the region to
 * within half a cell, so r is the reach plus half a cell), else 0. */
static int overhang_at(const float *self, const float *below, long nx, long ny, float u, float v, float r)
{
    long cx = (long)(u + 0.5f), cy = (long)(v + 0.5f); /* the nearest centre (u, v ≥ 0 on the grid) */
    if (cx < 0 || cy < 0 || cx >= nx || cy >= ny || !(self[cy * nx + cx] > 0)) return -1;
    if (below[cy * nx + cx] > 0) return 0;
    for (long yy = (long)(v - r + 1) - 1; yy <= (long)(v + r + 1) - 1; yy++) {
        if (yy < 0 || yy >= ny) continue;
        float dy = (float)yy - v, hw = r * r - dy * dy;
        if (hw < 0) continue;
        hw = sqrtf(hw);
        long xa = (long)(u - hw + 1) - 1, xb = (long)(u + hw + 1) - 1;
        for (long xx = xa < 0 ? 0 : xa; xx <= xb && xx < nx; xx++)
            if ((float)(xx - u) * (float)(xx - u) + dy * dy <= r * r && below[yy * nx + xx] > 0) return 0;
    }
    return 1;
}

/* Loops over air run on for millimetres (a wire's underside, a plate's low edge): wall_overhangs samples
 * them about this far apart, mm (every cell of a 0.36 mm grid took 7 % of a 900-layer tower's estimate). */
#define OVERHANG_STEP 1.0f

/* The share of the external and of the inner loops of a layer (its n segments, inside on their left) over
 * air: each loop sampled along the segments at its offset, against the layer below's field. A walk along
 * the contour, not a pass over the layer's cells: a sphere's layer has about 120 samples a loop and some
 * 18 000 cells. */
static void wall_overhangs(const float *segs, uint32_t n, const float *self, const float *below,
                           const pf_grid *g, const overhang_probe *op, layer_stat *ls)
{
    double all[2] = {0, 0}, over[2] = {0, 0};
    float inv = 1.0f / g->cell, r = op->reach * inv + 0.5f;
    for (uint32_t i = 0; i < n; i++) {
        const float *s = segs + (size_t)PF_SEG_FLOATS * i;
        float dx = s[2] - s[0], dy = s[3] - s[1], len = sqrtf(dx * dx + dy * dy);
        if (!(len > 0)) continue;
        float nx = -dy / len, ny = dx / len; /* inward */
        int steps = (int)(len * (1.0f / OVERHANG_STEP)) + 1;
        float u0 = (s[0] - g->x0) * inv - 0.5f, v0 = (s[1] - g->y0) * inv - 0.5f,
              du = dx * inv / (float)steps, dv = dy * inv / (float)steps;
        for (int k = 0; k < op->loops; k++) {
            float ou = u0 + nx * op->at[k] * inv + 0.5f * du, ov = v0 + ny * op->at[k] * inv + 0.5f * dv;
            int hits = 0, in = 0;
            for (int j = 0; j < steps; j++) {
                int o = overhang_at(self, below, g->nx, g->ny, ou + (float)j * du, ov + (float)j * dv, r);
                in += o >= 0;
                hits += o > 0;
            }
            /* len · in is exact in double, so a loop wholly in the layer adds len itself, and none over air 0
             */
            all[k > 0] += in == steps ? (double)len : (double)len * in / steps;
            if (hits) over[k > 0] += (double)len * hits / steps;
        }
    }
    for (int i = 0; i < 2; i++)
        ls->overhang[i] = all[i] > 0 ? (float)(over[i] / all[i]) : 0.0f;
}

/* Layer l's host-side counts after its reduce: the pieces of its solid fills, the branches of its sparse
 * region, its overhanging walls. */
static pf_err layer_pieces(drive *d, size_t l, unsigned tid)
{
    layer_stat *ls = &d->layers[l];
    long box[4];
    layer_box(d, l, box);
    pf_err err = fill_pieces(cls_of(d, l), dist_of(d, l), piece_dmin(d->cp, l), d->g, box,
                             d->mspan ? mspan_of(d, l) : NULL, piece_sets(&ls->cells), ls->pieces);
    memset(&ls->br, 0, sizeof ls->br);
    ls->inner_pieces = 0;
    if (err || !d->counts[l]) return err;
    /* the cells of the layer's box (layer_box: to the grid's edge where a row of its contours is open): its
     * fill lies within them. (The bounds of its segments alone, which a fuzzed soup's open rows outgrow, gave
     * a layer's branches another window than the layer two below whose classes and sums it copies, and the
     * estimate depended on where a lane started.) */
    const float *sg = d->segs + (size_t)PF_SEG_FLOATS * d->offs[l];
    const pf_grid *g = d->g;
    long win[4] = {box[0], box[1] - 1, box[2], box[3] - 1};
    ls->overhang[0] = ls->overhang[1] = 0;
    /* a layer that shares the mask below has none, a steep one neither (and its layer below may be skipped)
     */
    if (l > 0 && !steep(d, l) && dist_of(d, l - 1) != dist_of(d, l))
        wall_overhangs(sg, d->counts[l], dist_of(d, l), dist_of(d, l - 1), g, d->op, ls);
    if (ls->cells.wall_thin > 0) { /* walls too thin for an inner bead: they may split its region */
        float tau = d->cp->ext_hi + d->cp->bead_ridge;
        long ip = pf_inner_pieces(dist_of(d, l), g, win, tau, tau + INNER_PEAK * g->cell, &d->lg[tid]);
        if (ip < 0) return PF_E_NOMEM;
        ls->inner_pieces = (uint32_t)ip;
    }
    if (!(ls->cells.fill_area[PF_FILL_SPARSE] > 0)) return PF_E_OK;
    int stride = 2 * g->cell <= CHAIN_PITCH ? 2 : 1;
    return pf_fill_branches(cls_of(d, l), g->nx, g->ny, win, stride, g->cell, (int)(l & 1), PF_RUN_SPARSE,
                            CHAIN_MIN_RUN, &ls->br, &d->bs[tid]);
}

/* Fields from a neighbour's (engine/field_delta.h) while the sub-grids hold at most a 1/DELTA_SHARE of the
 * grid; after two layers in a row whose masks differed more (a curved part: every layer's edge moves all
 * round), only every DELTA_RETRY-th layer is tried until one takes. */
#define DELTA_SHARE 4
#define DELTA_RETRY 8

/* Layer l's field (PH_EDT): from the field of l − 1 when it is final (made in an earlier phase, or just
 * before by this thread), or of l + 1 when this thread made that one just before (a team's odd threads take
 * the layers from the top down), else by edt. */
static pf_err field_layer(drive *d, size_t l, unsigned tid)
{
    size_t from = SIZE_MAX;
    if (l > d->first && !skipped(d, l - 1) && (l - 1 < d->ready || d->edt_last[tid] == l - 1))
        from = l - 1;
    else if (d->edt_last[tid] == l + 1)
        from = l + 1;
    d->edt_last[tid] = l;
    const int32_t *sp[3] = {NULL, NULL, NULL}; /* the masks' spans, and the field buffer's */
    uint32_t b = d->dslot[l % d->rd];
    if (d->mspan) {
        sp[0] = from != SIZE_MAX ? mspan_of(d, from) : NULL;
        sp[1] = mspan_of(d, l);
        sp[2] = d->dspan_ok[b] ? d->dspan + (size_t)b * 2 * d->g->ny : NULL;
    }
    pf_err err = PF_E_OK;
    int done = 0;
    if (d->reuse && from != SIZE_MAX && (d->delta_misses[tid] < 2 || l % DELTA_RETRY == 0)) {
        const pf_grid *g = d->g;
        err = pf_field_delta_spans(d->be, g, d->cap, mask_of(d, from), dist_of(d, from), mask_of(d, l),
                                   dist_of(d, l), (size_t)g->nx * g->ny / DELTA_SHARE, sp, &done);
        if (err) return err;
        d->delta_misses[tid] = done ? 0 : d->delta_misses[tid] + 1;
    }
    if (!done) err = field_of(d, mask_of(d, l), d->cap, dist_of(d, l));
    if (!err && d->mspan) { /* the field is nonzero where its mask is */
        memcpy(d->dspan + (size_t)b * 2 * d->g->ny, sp[1], 2 * (size_t)d->g->ny * sizeof *d->dspan);
        d->dspan_ok[b] = 1;
    }
    return err;
}

/* The spans of layer l's mask (d->mspan) from its segments, where the mask itself is not on the host: each
 * row's cells from its first crossing to its last (pf_seg_rows_of / pf_seg_col, the raster's arithmetic),
 * or to the grid's right edge where its windings do not add up to 0 (an open contour). The mask is 0 beyond
 * them, and may be 0 in places within. */
static void seg_spans(drive *d, size_t l)
{
    const pf_grid *g = d->g;
    int32_t *span = d->mspan + (size_t)d->mslot[l % d->rd] * 2 * g->ny, *wind = d->wsum;
    for (uint32_t r = 0; r < g->ny; r++)
        span[2 * r] = INT32_MAX, span[2 * r + 1] = -1, wind[r] = 0;
    const float *s = d->segs + (size_t)PF_SEG_FLOATS * d->offs[l], inv = 1.0f / g->cell;
    for (uint32_t i = 0; i < d->counts[l]; i++) {
        pf_seg_rows q;
        if (!pf_seg_rows_of(s + (size_t)PF_SEG_FLOATS * i, g, inv, &q)) continue;
        for (long r = q.r0; r < q.r1; r++) {
            int32_t c = (int32_t)pf_seg_col(&q, r, g->nx), *sp = span + 2 * r;
            sp[0] = c < sp[0] ? c : sp[0];
            sp[1] = c > sp[1] ? c : sp[1];
            wind[r] += q.wind;
        }
    }
    for (uint32_t r = 0; r < g->ny; r++)
        if (span[2 * r + 1] < 0) /* no crossing: empty */
            span[2 * r] = span[2 * r + 1] = 0;
        else if (wind[r])
            span[2 * r + 1] = (int32_t)g->nx;
}

/* Whether layers a and b have the same classes: over the rows' spans of their masks when known (a layer's
 * classes are 0 beyond them), else over the grid. */
static int classes_equal(const drive *d, size_t a, size_t b)
{
    size_t nx = d->g->nx, ny = d->g->ny;
    const uint8_t *ca = cls_of(d, a), *cb = cls_of(d, b);
    if (!d->mspan) return !memcmp(ca, cb, nx * ny);
    const int32_t *sa = mspan_of(d, a), *sb = mspan_of(d, b);
    for (size_t r = 0; r < ny; r++) {
        int32_t lo = sa[2 * r], hi = sa[2 * r + 1], lb = sb[2 * r], hb = sb[2 * r + 1];
        if (lo >= hi)
            lo = lb, hi = hb;
        else if (lb < hb)
            lo = lb < lo ? lb : lo, hi = hb > hi ? hb : hi;
        if (lo < hi && memcmp(ca + r * nx + lo, cb + r * nx + lo, (size_t)(hi - lo))) return 0;
    }
    return 1;
}

static pf_err drive_item(drive *d, size_t l, unsigned tid)
{
    const pf_backend *be = d->be;
    switch (d->phase) {
    case PH_PRINT:
        pf_raster_print(d->segs + (size_t)PF_SEG_FLOATS * d->offs[l], d->counts[l], d->g, &d->pw,
                        d->prints + 2 * l);
        d->printed[l] = 1;
        return PF_E_OK;
    case PH_RASTER: {
        pf_err err = be->raster(be->ctx, d->segs + (size_t)PF_SEG_FLOATS * d->offs[l], d->counts[l], d->g,
                                mask_of(d, l));
        if (!err && d->mspan) { /* for classify_span */
            long box[4];
            layer_box(d, l, box);
            pf_mask_spans(mask_of(d, l), d->g->nx, d->g->ny, box,
                          d->mspan + (size_t)d->mslot[l % d->rd] * 2 * d->g->ny);
        }
        return err;
    }
    case PH_EDT:
        return field_layer(d, l, tid);
    case PH_MARGIN:
        return margin(d, l, tid);
    case PH_CLASSIFY:
        return classify_alone(d, l, tid);
    case PH_CLASSES: /* after a batch backend's classify: shells and middles, on the host */
        return classes_settle(d, l, tid);
    case PH_FIX: /* reads the classes of l − 1 only where they are sparse, which the fix never changes */
        return bridges(d, l, tid);
    case PH_PIECES: /* after a batch backend's reduce: its fill pieces, on the host */
        return layer_pieces(d, l, tid);
    case PH_SETTLE: /* the fixed classes against those of l − 2; a layer that equals them takes their sums */
        if (unsummed(d, l)) { /* no sums: steep_fill's */
            d->same2[l] = d->copied[l - d->b0] = 0;
            return PF_E_OK;
        }
        d->same2[l] = l >= d->lo + 2 && comparable(d, l) && classes_equal(d, l, l - 2);
        d->copied[l - d->b0] = d->reuse && l >= 3 && l >= d->out0 + 2 && d->same2[l];
        if (d->copied[l - d->b0] || l < d->out0) return PF_E_OK; /* a halo layer's sums are not wanted */
        break;
    case PH_SAME: /* the fixed classes against those of l − 2 (both final) */
        d->same2[l] = comparable(d, l) && classes_equal(d, l, l - 2);
        return PF_E_OK;
    default:
        break;
    }
    pf_err err =
        be->reduce(be->ctx, d->g, d->cp, l, dist_of(d, l), cls_of(d, l), (int)(l & 1), &d->layers[l].cells);
    return err ? err : layer_pieces(d, l, tid);
}

/* Claims the next item of a phase for thread tid: odd threads take from the back, the others from the front,
 * so on a team of two each thread keeps the same contiguous run of layers from one phase to the next (the
 * fields a layer's classify reads were mostly made on its own core, not fetched from the other one's cache)
 * while the split point still follows the threads' speeds. 0 when none is left. */
static int take_item(_Atomic uint64_t *ends, unsigned tid, size_t *item)
{
    uint64_t e = atomic_load(ends), n;
    do {
        uint32_t lo = (uint32_t)e, hi = (uint32_t)(e >> 32);
        if (lo >= hi) return 0;
        if (tid & 1) {
            *item = hi - 1;
            n = (uint64_t)(hi - 1) << 32 | lo;
        } else {
            *item = lo;
            n = (uint64_t)hi << 32 | (lo + 1);
        }
    } while (!atomic_compare_exchange_weak(ends, &e, n));
    return 1;
}

/* Runs the offered part of a field, when there is one; 0 when there was none. */
static int split_take(drive *d)
{
    int offered = SPLIT_OFFERED;
    if (atomic_load_explicit(&d->split, memory_order_relaxed) != SPLIT_OFFERED ||
        !atomic_compare_exchange_strong(&d->split, &offered, SPLIT_TAKEN))
        return 0;
    d->split_err = d->be->edt_part(d->be->ctx, d->split_mask, d->g, d->split_cap, d->split_dist, 1, 2);
    atomic_store_explicit(&d->split, SPLIT_DONE, memory_order_release);
    return 1;
}

/* A team job: take the phase's layers one at a time until none is left or some thread failed; then, until
 * every thread is done with its items, the parts of fields they offer (field_of). */
static void drive_work(void *arg, unsigned tid)
{
    drive *d = arg;
    atomic_fetch_add(&d->working, 1);
    for (;;) {
        size_t i;
        if (!take_item(&d->ends, tid, &i) || atomic_load(&d->err)) break;
        pf_err e = drive_item(d, d->items[i], tid);
        if (e) {
            int none = 0;
            atomic_compare_exchange_strong(&d->err, &none, (int)e);
            break;
        }
    }
    atomic_fetch_sub(&d->working, 1);
    while (d->team_n > 1 && atomic_load(&d->working) > 0)
        if (!split_take(d)) pf_cpu_relax();
}

static pf_err drive_phase(drive *d, team *t, int phase, const uint32_t *items, size_t n)
{
    if (!n) return PF_E_OK;
    d->phase = phase;
    d->items = items;
    for (unsigned k = 0; k < TEAM_MAX; k++)
        d->edt_last[k] = SIZE_MAX;
    d->team_n = t->n;
    atomic_store(&d->working, 0);
    atomic_store(&d->ends, (uint64_t)n << 32);
    team_run(t, drive_work, d);
    return (pf_err)atomic_load(&d->err);
}

/* Whether layer l's window (7 layers, and up / dn more: drive) holds the same slices (ids) as layer l − 2's.
 */
static int window_repeats(const uint32_t *sid, size_t nl, size_t l, unsigned up, unsigned dn)
{
    if (l < 4 + dn) return 0;
    for (long k = 0; k < 7 + (long)up + (long)dn; k++) {
        long j = (long)l - 3 - (long)dn + k;
        uint32_t a = j < (long)nl ? sid[j] : 0, b = j >= 2 && j - 2 < (long)nl ? sid[j - 2] : 0;
        if (a != b) return 0;
    }
    return 1;
}

/* Whether layer l's window repeats l − 2's (window_repeats) where both have sums of their own in this pass
 * (l takes the classes and sums of l − 2 when it is a copy; a linear layer without sums is none). */
static int repeats(const drive *d, size_t l)
{
    return window_repeats(d->sid, d->nl, l, d->up, d->dn) && !unsummed(d, l) && !unsummed(d, l - 2);
}

/* Slicing on the team: each thread slices ranges of layers (backend stages take any run of layers, and write
 * at the absolute offsets they are given) or, for a large mesh, ranges of triangles (each walks only its own
 * triangles, where a range of layers walks them all: bumpy_1m's slicing scaled 1.56× on two threads that
 * way), each range with counts of its own and, in every layer, room after the ranges before it. Either way
 * the segments and their order within a layer are those of one call over all layers and triangles. */
#define SLICE_TRI_RANGE 4096 /* triangles: at least this many a range (the torus: 4 of 4.6 k) */
#define SLICE_RANGES_MAX 8   /* ranges of triangles: a late helper still finds some */
typedef struct slice_job {
    const pf_backend *be;
    const float *verts;          /* the mesh, dropped onto the bed */
    const uint32_t *tris;        /* printed triangles */
    size_t ntris;                /* their count */
    const float *zs;             /* slicing heights */
    const uint32_t *offs;        /* emit: segment offsets */
    uint32_t *counts;            /* count: segments per layer (out) */
    float *segs;                 /* emit: segments (out) */
    uint64_t *keys;              /* emit: edge keys (out) */
    int emit;                    /* 0: slice_count, 1: slice_emit */
    size_t nl;                   /* layers */
    size_t nranges;              /* layer or triangle ranges */
    size_t bounds[TEAM_MAX + 1]; /* range r is layers, or triangles, [bounds[r], bounds[r + 1]) */
    /* ranges of triangles (NULL: of layers): nranges × nl counts, then room starts and ends for emit */
    uint32_t *tri_counts, *tri_starts, *tri_ends;
    atomic_size_t next; /* next range to take */
    atomic_int err;     /* first error */
} slice_job;

static void slice_work(void *arg, unsigned tid)
{
    (void)tid;
    slice_job *j = arg;
    const pf_backend *be = j->be;
    for (size_t r; (r = atomic_fetch_add(&j->next, 1)) < j->nranges;) {
        size_t a = j->bounds[r], n = j->bounds[r + 1] - a;
        if (!n) continue;
        pf_err e;
        if (j->tri_counts) /* triangles a .. a + n, every layer */
            e = j->emit ? be->slice_emit(be->ctx, j->verts, j->tris + 3 * a, n, j->zs, j->nl,
                                         j->tri_starts + r * j->nl, j->tri_ends + r * j->nl, j->segs, j->keys)
                        : be->slice_count(be->ctx, j->verts, j->tris + 3 * a, n, j->zs, j->nl,
                                          j->tri_counts + r * j->nl);
        else /* layers a .. a + n, every triangle */
            e = j->emit ? be->slice_emit(be->ctx, j->verts, j->tris, j->ntris, j->zs + a, n, j->offs + a,
                                         NULL, j->segs, j->keys)
                        : be->slice_count(be->ctx, j->verts, j->tris, j->ntris, j->zs + a, n, j->counts + a);
        if (e) {
            int none = 0;
            atomic_compare_exchange_strong(&j->err, &none, (int)e);
        }
    }
}

/* Runs slice_count (emit = 0) or slice_emit over all nl layers on the team, or in one call on the caller's
 * thread for a backend with batch stages (its device serialises the calls anyway, and each costs a wait).
 * Layer ranges: of equal layer counts to count, of about equal segment counts to emit. Triangle ranges are
 * chosen by the count and kept for the emit, which must follow it (slice_job_free then, or on the way out).
 * Errors: the backend's, PF_E_NOMEM. */
static pf_err slice_on(team *t, slice_job *j, size_t nl, int emit)
{
    int alone = j->be->batch_open != NULL;
    j->emit = emit;
    j->nl = nl;
    if (!emit) {
        size_t nr = j->ntris / SLICE_TRI_RANGE;
        nr = nr < SLICE_RANGES_MAX ? nr : SLICE_RANGES_MAX;
        if (!alone && t->n > 1 && nr >= 2 && nl) {
            if (!(j->tri_counts = malloc(3 * nr * nl * sizeof *j->tri_counts))) return PF_E_NOMEM;
            j->tri_starts = j->tri_counts + nr * nl;
            j->tri_ends = j->tri_starts + nr * nl;
            j->nranges = nr;
            for (size_t r = 0; r <= nr; r++)
                j->bounds[r] = j->ntris * r / nr;
        }
    }
    if (!j->tri_counts) {
        j->nranges = alone ? 1 : t->n;
        j->bounds[0] = 0;
        size_t total = emit ? j->offs[nl] : nl, l = 0;
        for (size_t r = 1; r < j->nranges; r++) {
            size_t goal = total * r / j->nranges;
            if (emit)
                while (l < nl && j->offs[l] < goal)
                    l++;
            else
                l = goal;
            j->bounds[r] = l;
        }
        j->bounds[j->nranges] = nl;
    } else if (emit) { /* each range's room in a layer: after the ranges before it */
        for (size_t l = 0; l < nl; l++)
            for (size_t r = 0, at = j->offs[l]; r < j->nranges; r++) {
                j->tri_starts[r * nl + l] = (uint32_t)at;
                at += j->tri_counts[r * nl + l];
                j->tri_ends[r * nl + l] = (uint32_t)at;
            }
    }
    atomic_store(&j->next, 0);
    atomic_store(&j->err, 0);
    if (alone)
        slice_work(j, 0);
    else
        team_run(t, slice_work, j);
    if (j->tri_counts && !emit) /* the layers' counts: the ranges' added up */
        for (size_t l = 0; l < nl; l++) {
            uint32_t n = 0;
            for (size_t r = 0; r < j->nranges; r++)
                n += j->tri_counts[r * nl + l];
            j->counts[l] = n;
        }
    return (pf_err)atomic_load(&j->err);
}

static void slice_job_free(slice_job *j)
{
    free(j->tri_counts);
    j->tri_counts = j->tri_starts = j->tri_ends = NULL;
}

/* The slices simplified for every pass after slicing but the shell slopes' (engine/slice_simplify.h), in runs
 * of SIMPLIFY_RUN layers that the team's threads take, each with its own scratch. */
#define SIMPLIFY_RUN 8
typedef struct simplify_job {
    const float *segs;             /* every layer's segments */
    const uint64_t *keys;          /* and their edge keys */
    const uint32_t *offs, *counts; /* per layer: first segment, segment count */
    float *out_segs;               /* the simplified ones at the same offsets */
    uint64_t *out_keys;
    uint32_t *out_counts;
    size_t nl;
    const pf_grid *g; /* and per layer, on g, its box (layer_box_of) */
    long *boxes;
    pf_scratch sc[TEAM_MAX];
    atomic_size_t next; /* next run to take */
    atomic_int err;
    /* per layer: the outline of its overlapping shells (engine/contour_union.h), NULL when it has none */
    float **u_segs;
    uint64_t **u_keys;
    atomic_int unions; /* layers that have one */
} simplify_job;

/* Whether some row the n segments at s cross on g has windings that do not add up to 0: an open contour (a
 * mesh with holes or loose facets), whose raster is inside from its last crossing to the grid's right edge
 * on that row (every backend's raster: the nonzero rule along the row, pf_seg_rows_of's crossings). w: room
 * for ny + 1 counts. */
static int rows_open(const float *s, size_t n, const pf_grid *g, int32_t *w)
{
    memset(w, 0, ((size_t)g->ny + 1) * sizeof *w);
    float inv = 1.0f / g->cell;
    for (size_t i = 0; i < n; i++) {
        pf_seg_rows q;
        if (!pf_seg_rows_of(s + (size_t)PF_SEG_FLOATS * i, g, inv, &q)) continue;
        w[q.r0] += q.wind;
        w[q.r1] -= q.wind;
    }
    int32_t acc = 0;
    for (size_t r = 0; r < g->ny; r++)
        if ((acc += w[r]) != 0) return 1;
    return 0;
}

/* Layer l's box (layer_box): pf_segs_box of its segments, to the grid's right edge when a row is open
 * (rows_open: the raster and every class of the layer reach it there). Without the edge, passes bounded by
 * the box missed such cells: undecided shell bands of a fuzzed soup kept a bit the bridge opening took for
 * its own, and the estimate depended on where a lane started. */
static void layer_box_of(const float *s, size_t n, const pf_grid *g, long box[4], int32_t *w)
{
    pf_segs_box(s, n, g, box);
    if (box[1] < (long)g->nx && rows_open(s, n, g, w)) box[1] = (long)g->nx;
}

static void simplify_work(void *arg, unsigned tid)
{
    simplify_job *j = arg;
    for (size_t r; (r = atomic_fetch_add(&j->next, 1)) * SIMPLIFY_RUN < j->nl;) {
        size_t l1 = (r + 1) * SIMPLIFY_RUN < j->nl ? (r + 1) * SIMPLIFY_RUN : j->nl;
        long pm = -1; /* the layer before's simplified count (−1: none in this run) */
        for (size_t l = r * SIMPLIFY_RUN; l < l1; l++) {
            size_t o = j->offs[l];
            long m =
                pf_slice_simplify(j->segs + (size_t)PF_SEG_FLOATS * o, j->keys + 2 * o, j->counts[l],
                                  j->out_segs + (size_t)PF_SEG_FLOATS * o, j->out_keys + 2 * o, &j->sc[tid]);
            int32_t *w =
                pf_scratch_slot(&j->sc[tid], PF_SCRATCH_SLOTS - 1, ((size_t)j->g->ny + 1) * sizeof *w, 0);
            if (m < 0 || !w) {
                atomic_store(&j->err, PF_E_NOMEM);
                m = 0;
            }
            const float *bs = j->out_segs + (size_t)PF_SEG_FLOATS * o;
            /* a prism's layer repeats the one before (the same segments and keys): so does its outline, or
             * its want of one */
            size_t po = l ? j->offs[l - 1] : 0;
            int same =
                pm == m && m > 0 &&
                !memcmp(bs, j->out_segs + (size_t)PF_SEG_FLOATS * po,
                        (size_t)m * PF_SEG_FLOATS * sizeof *bs) &&
                !memcmp(j->out_keys + 2 * o, j->out_keys + 2 * po, (size_t)m * 2 * sizeof *j->out_keys);
            pm = m;
            if (same && j->u_segs[l - 1]) {
                uint32_t u = j->out_counts[l - 1];
                j->u_segs[l] = malloc((u ? u : 1) * PF_SEG_FLOATS * sizeof *bs);
                j->u_keys[l] = malloc((u ? u : 1) * 2 * sizeof *j->u_keys[l]);
                if (!j->u_segs[l] || !j->u_keys[l]) {
                    atomic_store(&j->err, PF_E_NOMEM);
                } else {
                    memcpy(j->u_segs[l], j->u_segs[l - 1], (size_t)u * PF_SEG_FLOATS * sizeof *bs);
                    memcpy(j->u_keys[l], j->u_keys[l - 1], (size_t)u * 2 * sizeof *j->u_keys[l]);
                    m = u, bs = j->u_segs[l];
                    atomic_fetch_add(&j->unions, 1);
                }
            } else if (!same && m > 0) {
                long u = pf_contour_union(bs, j->out_keys + 2 * o, (uint32_t)m, &j->u_segs[l], &j->u_keys[l],
                                          &j->sc[tid]);
                if (u == -2) atomic_store(&j->err, PF_E_NOMEM);
                if (u >= 0) {
                    m = u, bs = j->u_segs[l];
                    atomic_fetch_add(&j->unions, 1);
                }
            }
            j->out_counts[l] = (uint32_t)m;
            if (w) layer_box_of(bs, (size_t)m, j->g, j->boxes + 4 * l, w);
        }
    }
}

/* What a layer's contour says about its fill lines (along x − sy·y constant; u = (x + sy·y)/√2 across them):
 * its span in u (su); the edges along the lines (par_u, par_len: collinear segments joined, the PAR_MAX
 * longest); and link_f, the length of a link between two lines in spacings. A link runs along the wall
 * between two line ends a spacing S apart, S / sin θ for a wall at θ to the lines: over the walls the lines
 * end on (those not along them), weighted by how many ends each takes (its length × sin θ), Σ l / Σ l·sin θ.
 * It stays LINK_FACTOR (√2: walls along the axes) except where the walls lie closer to square with the lines
 * (a box turned 45°: S, not √2·S); above it, on round parts, the ends near where the wall turns along the
 * lines take none (PrusaSlicer's links run between the first and the last line only). Solid and top
 * infill's links take it too (their lines run at ±45° as well). */
static void fill_line_edges(const float *sg, uint32_t n, float sy, layer_stat *ls)
{
    float lo = INFINITY, hi = -INFINITY, pu[4 * PAR_MAX], pl[4 * PAR_MAX];
    double sl = 0, su = 0;
    uint32_t np = 0;
    for (uint32_t i = 0; i < n; i++, sg += PF_SEG_FLOATS) {
        float u = sg[0] + sy * sg[1];
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
        float dx = sg[2] - sg[0], dy = sg[3] - sg[1], du = dx + sy * dy, len = sqrtf(dx * dx + dy * dy);
        if (!(len > 0)) continue;
        if (fabsf(du) > PAR_TAN * M_SQRT2 * len) {
            sl += len;
            su += fabsf(du) * M_SQRT1_2;
            continue;
        }
        /* along the lines: the part lies on the segment's left, (−dy, dx), at greater u where sy·dx > dy */
        float um = (u + 0.5f * du) * (float)M_SQRT1_2, side = sy * dx - dy > 0 ? len : -len;
        uint32_t k = 0;
        while (k < np && !(fabsf(pu[k] - um) < 0.02f && (pl[k] > 0) == (side > 0)))
            k++;
        if (k < np)
            pl[k] += side;
        else if (np < 4 * PAR_MAX)
            pu[np] = um, pl[np++] = side;
    }
    ls->su[0] = lo * (float)M_SQRT1_2;
    ls->su[1] = hi * (float)M_SQRT1_2;
    memset(ls->par_u, 0, sizeof ls->par_u);
    memset(ls->par_len, 0, sizeof ls->par_len);
    for (uint32_t m = 0; m < PAR_MAX; m++) { /* the longest first */
        uint32_t b = UINT32_MAX;
        for (uint32_t k = 0; k < np; k++)
            if (fabsf(pl[k]) >= PAR_MIN_LEN && (b == UINT32_MAX || fabsf(pl[k]) > fabsf(pl[b]))) b = k;
        if (b == UINT32_MAX) break;
        ls->par_u[m] = pu[b];
        ls->par_len[m] = pl[b];
        pl[b] = 0;
    }
    double f = su > 0 ? sl / su : LINK_FACTOR;
    ls->link_f = (float)(f < 1 ? 1 : f > LINK_FACTOR * (1 - 1e-4) ? LINK_FACTOR : f);
}

/* The contour pass over every layer: layers are independent, each thread chains with its own scratch. */
typedef struct contour_job {
    const float *segs;             /* every layer's segments */
    const uint64_t *keys;          /* and their edge keys */
    const uint32_t *offs, *counts; /* per layer: first segment, segment count */
    const pf_profile *p;           /* the profile (accelerations, jerk) */
    size_t nl;                     /* layers */
    chain_scratch *cs;             /* one scratch per thread */
    layer_stat *layers;            /* results */
    size_t nruns;                  /* runs of CONTOUR_RUN layers */
    atomic_uchar *taken;           /* per run: its RUN_* state */
    atomic_size_t finished;        /* runs done */
    const atomic_uchar *ready;     /* per layer: its stages are done (NULL: every layer's are) */
} contour_job;

/* Layers a thread takes at a time in the contour pass. A layer takes the contours it shares with the layer
 * before from it (contour_stats' memo) unless it starts a run: runs start at fixed layers, so the results do
 * not depend on the thread count. */
#define CONTOUR_RUN 32

/* Whether the stages of layers [l0, l1) are done (contour_tail reads their areas). */
static int contour_ready(const contour_job *j, size_t l0, size_t l1)
{
    for (size_t l = l0; j->ready && l < l1; l++)
        if (!atomic_load_explicit(&j->ready[l], memory_order_acquire)) return 0;
    return 1;
}

/* A run's state in contour_job.taken: free, its contours being made (contour_stats), made, its tails being
 * made (contour_tail, once its layers' stages are done). */
enum { RUN_FREE, RUN_STATS, RUN_STATS_DONE, RUN_TAIL };

/* Takes the runs no thread has taken, in layer order: their contours whenever (they read only the slices),
 * the tails of those whose contours are made and whose layers are ready. So a thread that runs out of
 * layers in the stages makes every run's contours while the other finishes its layers (overhang's lanes end
 * 0.1–0.2 ms apart: the contour pass after the stages took 0.09 ms on two threads). */
static void contour_work(void *arg, unsigned tid)
{
    contour_job *j = arg;
    for (size_t k = 0; k < j->nruns; k++) {
        size_t l0 = k * CONTOUR_RUN, l1 = l0 + CONTOUR_RUN < j->nl ? l0 + CONTOUR_RUN : j->nl;
        unsigned char st = RUN_FREE;
        if (atomic_compare_exchange_strong(&j->taken[k], &st, RUN_STATS)) {
            for (size_t l = l0; l < l1; l++) {
                const float *sg = j->segs + (size_t)PF_SEG_FLOATS * j->offs[l];
                contour_stats(sg, j->keys + 2 * (size_t)j->offs[l], j->counts[l], j->p, l == 0, l == l0,
                              &j->cs[tid], &j->layers[l]);
                /* odd layers' fill lines run along x + y constant, even ones' along x − y (pf_runset) */
                fill_line_edges(sg, j->counts[l], (l & 1) ? 1.0f : -1.0f, &j->layers[l]);
            }
            st = RUN_STATS_DONE;
            atomic_store(&j->taken[k], st);
        }
        if (st != RUN_STATS_DONE || !contour_ready(j, l0, l1) ||
            !atomic_compare_exchange_strong(&j->taken[k], &st, RUN_TAIL))
            continue;
        for (size_t l = l0; l < l1; l++)
            contour_tail(j->segs + (size_t)PF_SEG_FLOATS * j->offs[l], j->counts[l], j->p, l == 0, l == l0,
                         &j->cs[tid], &j->layers[l]);
        atomic_fetch_add(&j->finished, 1);
    }
}

/* Argument arrays for a backend's batch stages (engine/backend.h), sized for one batch of the driver. */
typedef struct batch_args {
    uint8_t **m;        /* masks or classes written */
    const uint8_t **cm; /* masks or classes read, classes below */
    float **f, **f2;    /* fields written: distances, top / bottom margins */
    const float **cf;   /* fields read: distances, top margins */
    const float **cf2;  /* bottom margins */
    const float **win;  /* 7 per layer */
    const uint8_t **mw; /* 3 per layer: the masks of a margin window's fields */
    uint8_t *ht, *hb;   /* margin flags out */
    uint32_t *ls;       /* layers of a pending classify */
    uint32_t *ls2;      /* some of them: the items of a host phase */
    pf_layer_cells **o; /* reduce results */
    int32_t *pd;        /* classify: per layer, its index in a deferred margin call, or −1 */
    /* a deferred margin call (see margin_batch): its layers and, once the backend has written them, their
     * flags; npend 0: none pending */
    uint32_t *pls;
    uint8_t *pht, *phb;
    size_t npend;
} batch_args;

static void batch_args_free(batch_args *a)
{
    free(a->m);
    free(a->cm);
    free(a->f);
    free(a->f2);
    free(a->cf);
    free(a->cf2);
    free(a->win);
    free(a->mw);
    free(a->ht);
    free(a->hb);
    free(a->ls);
    free(a->ls2);
    free(a->o);
    free(a->pd);
    free(a->pls);
    free(a->pht);
    free(a->phb);
}

/* Arrays for up to n layers; 0 when out of memory (free with batch_args_free either way). */
static int batch_args_init(batch_args *a, size_t n)
{
    a->m = malloc(n * sizeof *a->m);
    a->cm = malloc(n * sizeof *a->cm);
    a->f = malloc(n * sizeof *a->f);
    a->f2 = malloc(n * sizeof *a->f2);
    a->cf = malloc(n * sizeof *a->cf);
    a->cf2 = malloc(n * sizeof *a->cf2);
    a->win = malloc(7 * n * sizeof *a->win);
    a->mw = malloc(3 * n * sizeof *a->mw);
    a->ht = malloc(n);
    a->hb = malloc(n);
    a->ls = malloc(n * sizeof *a->ls);
    a->ls2 = malloc(n * sizeof *a->ls2);
    a->o = malloc(n * sizeof *a->o);
    a->pd = malloc(n * sizeof *a->pd);
    a->pls = malloc(n * sizeof *a->pls);
    a->pht = malloc(n);
    a->phb = malloc(n);
    a->npend = 0;
    return a->m && a->cm && a->f && a->f2 && a->cf && a->cf2 && a->win && a->mw && a->ht && a->hb && a->ls &&
           a->ls2 && a->o && a->pd && a->pls && a->pht && a->phb;
}

/* Whether layer l's margins need the host after the margin stage: its top / bottom surfaces narrower than a
 * cell (margin_slivers) or, at 0 % infill, what the layer below covers (margins_cover). */
static int margin_host(const drive *d, size_t l)
{
    const sliver_src *sv = d->slivers;
    return d->cp->covered > 0.0f || (sv && sv->s.offs && l > 0 && sv->s.offs[l] != sv->s.offs[l + 1]);
}

/* The margins of the n layers (of the current batch) in one batch call: margin() for each. Where no layer's
 * margins need the host afterwards (margin_host), the call is deferred: it returns before the device has run
 * it, and the classify call after it reads its flags on the device, so the batch waits for its device once
 * less (a->npend layers pending until margins_settle). */
static pf_err margin_batch(drive *d, void *bt, batch_args *a, const uint32_t *ls, size_t n)
{
    const pf_backend *be = d->be;
    size_t k = 0; /* layers that can have seeds (margin()'s test), in a->ls2 */
    int defer = 1;
    for (size_t i = 0; i < n; i++) {
        size_t l = ls[i], s = l % d->rm;
        d->ht[s] = d->hb[s] = 0;
        margin_window(d, l, a->win + 7 * k);
        const float **w = a->win + 7 * k;
        if (l == 0 || (w[4] == w[3] && w[2] == w[3] && d->cp->fill_lo > 0.0f)) continue;
        for (int j = 0; j < 3; j++) /* the masks of the fields w[2 … 4] */
            a->mw[3 * k + (size_t)j] = w[2 + j] ? mask_of(d, l - 1 + (size_t)j) : NULL;
        a->ls2[k] = (uint32_t)l;
        a->f[k] = d->mtop + s * d->stride;
        a->f2[k++] = d->mbot + s * d->stride;
        defer &= !margin_host(d, l);
    }
    if (defer) { /* (no layers: no call, the memory stays with the device until the classify call) */
        pf_err err = be->margin_batch(be->ctx, bt, d->g, d->cp, d->nl, k, a->ls2, a->win, a->mw, a->f, a->f2,
                                      a->pht, a->phb, 1);
        if (err) return err;
        for (size_t i = 0; i < k; i++) {
            a->pls[i] = a->ls2[i];
            d->mpend[a->ls2[i] % d->rm] = (uint32_t)i + 1;
        }
        a->npend = k;
        return PF_E_OK;
    }
    /* called with no layers too: the call gives the memory back (the rasters and fields may still be on the
     * device), and the host reads it from here on */
    pf_err err = be->margin_batch(be->ctx, bt, d->g, d->cp, d->nl, k, a->ls2, a->win, a->mw, a->f, a->f2,
                                  a->ht, a->hb, 0);
    if (err) return err;
    for (size_t i = 0; i < k; i++) {
        d->ht[a->ls2[i] % d->rm] = a->ht[i];
        d->hb[a->ls2[i] % d->rm] = a->hb[i];
        if ((err = margin_slivers(d, a->ls2[i]))) return err;
        margins_cover(d, a->ls2[i]);
    }
    return PF_E_OK;
}

/* The flags of a deferred margin call, once a batch call has returned with the host owning the memory
 * (engine/backend.h: the backend has written them to a->pht / a->phb then). Its layers need no host pass
 * (margin_host). */
static void margins_settle(drive *d, batch_args *a)
{
    for (size_t i = 0; i < a->npend; i++) {
        size_t s = a->pls[i] % d->rm;
        d->ht[s] = a->pht[i];
        d->hb[s] = a->phb[i];
        d->mpend[s] = 0;
    }
    a->npend = 0;
}

/* Classifies the np pending layers a->ls (in layer order) in one batch call without the layer below, then
 * settles their classes and fixes their bridges (on the host team when they are many), and notes which equal
 * the classes of layer l − 2: what the per-layer loop does after each classify. Settling reads only the
 * layer's own classes, so the layers settle in parallel; a bridge fix reads the settled classes of the layer
 * below where they are sparse, which no fix changes, so even layers then odd ones (no fix writes the classes
 * another one reads) give the fixes of layer order. */
/* Cells of pending layers worth the host team: waking its helper after device work costs up to a few
 * hundred µs here, as much as settling a dozen layers of 20 k cells */
#define FLUSH_TEAM_CELLS 262144
static pf_err classify_flush(drive *d, team *t, void *bt, batch_args *a, size_t *np, uint8_t *same2)
{
    const pf_backend *be = d->be;
    size_t n = *np;
    pf_err err;
    if (!n) { /* nothing to classify: the host takes the memory back all the same */
        if (a->npend && (err = be->classify_batch(be->ctx, bt, d->g, d->cp, d->nl, 0, NULL, NULL, NULL, NULL,
                                                  NULL, NULL, NULL, NULL)))
            return err;
        margins_settle(d, a);
        return PF_E_OK;
    }
    for (size_t i = 0; i < n; i++) {
        size_t l = a->ls[i], s = l % d->rm;
        window(d, l, a->win + 7 * i);
        a->pd[i] = (int32_t)d->mpend[s] - 1; /* its margins from the deferred call, as it finds them */
        a->cf[i] = a->pd[i] >= 0 ? d->mtop + s * d->stride : mtop_of(d, l);
        a->cf2[i] = a->pd[i] >= 0 ? d->mbot + s * d->stride : mbot_of(d, l);
        a->cm[i] = NULL;
        a->mw[i] = mask_of(d, l); /* (the margin call that filled mw has taken its masks) */
        a->m[i] = cls_of(d, l);
    }
    err = be->classify_batch(be->ctx, bt, d->g, d->cp, d->nl, n, a->ls, a->win, a->cf, a->cf2, a->pd, a->mw,
                             a->cm, a->m);
    if (err) return err;
    margins_settle(d, a); /* before the host passes: settling reads the neighbours' margins */
    if (n * (size_t)d->g->nx * d->g->ny < FLUSH_TEAM_CELLS) { /* in order on this thread, no team to wake */
        for (size_t i = 0; i < n && !err; i++) {
            size_t l = a->ls[i];
            err = classes_settle(d, l, 0);
            if (!err && l) err = bridges(d, l, 0);
        }
    } else {
        err = drive_phase(d, t, PH_CLASSES, a->ls, n);
        for (int odd = 0; odd < 2 && !err; odd++) {
            size_t k = 0;
            for (size_t i = 0; i < n; i++)
                if (a->ls[i] && (a->ls[i] & 1) == (uint32_t)odd) a->ls2[k++] = a->ls[i];
            err = drive_phase(d, t, PH_FIX, a->ls2, k);
        }
    }
    if (err) return err;
    for (size_t i = 0; i < n; i++) {
        size_t l = a->ls[i];
        same2[l] = l >= d->lo + 2 && comparable(d, l) && classes_equal(d, l, l - 2);
    }
    *np = 0;
    return PF_E_OK;
}

/* The raster fingerprints' secret seed (see pf_print_weights): random, drawn once per process. */
static uint64_t print_seed(void)
{
    static _Atomic uint64_t seed; /* 0 until drawn; a drawn 0 becomes 1 */
    uint64_t s = atomic_load_explicit(&seed, memory_order_relaxed);
    if (s) return s;
    if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s) { /* no entropy source: stack address and clock */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        s = pf_mix64((uint64_t)(uintptr_t)&ts ^ (uint64_t)ts.tv_nsec << 20 ^ (uint64_t)ts.tv_sec);
    }
    s |= !s;
    uint64_t expect = 0; /* the first thread to draw one sets it; everyone uses that */
    return atomic_compare_exchange_strong(&seed, &expect, s) ? s : expect;
}

static void drive_restart(drive *d, size_t lo);

/* The next n bytes of a block being cut into arrays. */
static void *carve(unsigned char **b, size_t n)
{
    void *p = *b;
    *b += n;
    return p;
}

/* Allocates d's rings and per-layer arrays for batches of `batch` layers on `threads` threads; the caller
 * has filled in the parameters (be … layers). Errors: NOMEM (drive_close frees what was allocated). */
static pf_err drive_open(drive *d, size_t batch, unsigned threads)
{
    size_t ncell = (size_t)d->g->nx * d->g->ny, nl = d->nl;
    d->batch = batch;
    d->rd = batch + 6 + d->up + d->dn;
    d->rc = batch + 4;
    d->rm = batch + 4 + d->up + d->dn;
    atomic_init(&d->ends, 0);
    atomic_init(&d->err, 0);
    /* One buffer for every per-cell array: a big one comes from pf_big_alloc, whose mappings stay warm
     * from one estimate to the next (a fresh page costs about 3 µs here, as much as the stages spend on it).
     */
    size_t ncl = (ncell + 63) & ~(size_t)63; /* cells per layer, rounded so every array stays aligned */
    size_t nmask = d->rd * ncl, ndist = d->rd * ncl * sizeof *d->dist, ncls = d->rc * ncl,
           nmargin = d->rm * ncl * sizeof *d->mtop, nseeds = 2 * (size_t)threads * ncl;
    d->arena_len = ndist + 2 * nmargin + nmask + ncls + nseeds;
    d->arena = pf_big_alloc(d->arena_len);
    if (d->arena) {
        d->dist = (float *)d->arena;
        d->mtop = (float *)(d->arena + ndist);
        d->mbot = (float *)(d->arena + ndist + nmargin);
        d->masks = d->arena + ndist + 2 * nmargin;
        d->cls = d->masks + nmask;
        d->seeds = d->cls + ncls;
    }
    d->stride = ncl;
    /* The bookkeeping in one block: per layer (prints first, for their alignment), then per ring slot and
     * per phase item (a batch and the 3 layers beyond it, or a lane's first layer and the 6 round it). */
    size_t nitem = batch + 7 + d->up + d->dn;
    d->book_len = nl * (2 * sizeof *d->prints + sizeof *d->sid + 2) + d->rc * (sizeof *d->mlog + 1) +
                  4 * d->rd * sizeof *d->dslot + 2 * d->rc * sizeof *d->cslot +
                  nitem * (sizeof *d->list + 1) + 2 * d->rm + d->rm * sizeof *d->mpend + 2 * batch;
    size_t nspan = d->rd * 2 * (size_t)d->g->ny;
    d->book_len += 2 * nspan * sizeof *d->mspan + d->rd + d->g->ny * sizeof *d->wsum;
    unsigned char *b = d->book = calloc(d->book_len, 1);
    if (!d->arena || !b) return PF_E_NOMEM;
    d->prints = carve(&b, nl * 2 * sizeof *d->prints);
    d->mlog = carve(&b, d->rc * sizeof *d->mlog);
    d->sid = carve(&b, nl * sizeof *d->sid);
    d->mspan = nspan ? carve(&b, nspan * sizeof *d->mspan) : NULL;
    d->dspan = nspan ? carve(&b, nspan * sizeof *d->dspan) : NULL;
    d->wsum = carve(&b, d->g->ny * sizeof *d->wsum);
    d->dslot = carve(&b, d->rd * sizeof *d->dslot);
    d->dref = carve(&b, d->rd * sizeof *d->dref);
    d->mslot = carve(&b, d->rd * sizeof *d->mslot);
    d->mref = carve(&b, d->rd * sizeof *d->mref);
    d->cslot = carve(&b, d->rc * sizeof *d->cslot);
    d->cref = carve(&b, d->rc * sizeof *d->cref);
    d->list = carve(&b, nitem * sizeof *d->list);
    d->mpend = carve(&b, d->rm * sizeof *d->mpend);
    d->same2 = carve(&b, nl);
    d->printed = carve(&b, nl);
    d->eq = carve(&b, nitem);
    d->ht = carve(&b, d->rm);
    d->hb = carve(&b, d->rm);
    d->copied = carve(&b, batch);
    d->veto = carve(&b, batch);
    d->mlogged = carve(&b, d->rc);
    d->dspan_ok = carve(&b, d->rd);
    if (pf_print_weights_make(&d->pw, d->g, print_seed())) return PF_E_NOMEM;
    d->next_id = 1;
    drive_restart(d, 0);
    return PF_E_OK;
}

static void drive_close(drive *d)
{
    for (unsigned k = 0; k < TEAM_MAX; k++) {
        pf_scratch_free(&d->lg[k]);
        pf_scratch_free(&d->bs[k]);
        pf_scratch_free(&d->ns[k]);
        pf_scratch_free(&d->sl[k]);
    }
    if (d->arena) pf_big_free(d->arena, d->arena_len);
    pf_print_weights_free(&d->pw);
    for (size_t k = 0; d->book && k < d->rc; k++)
        free(d->mlog[k].m);
    free(d->zero);
    free(d->book);
}

/* Empties d's rings for a run of layers classified from lo on. Classifying lo needs the distance fields of
 * lo − 3 … lo + 3 and the margins of lo − 2 … lo + 2, so those are made first; lo's classes are final but
 * for its bridges (the layer below is not there), so a run writes sums from lo + 1 on. What the run cannot
 * know about the layers below the first one it rasters is taken as different: slice ids of their own (no
 * window reaching them repeats) and no classes equal to those two below (no copy of them). Both shortcuts
 * are exact, so leaving one out changes nothing but the time. */
static void drive_restart(drive *d, size_t lo)
{
    for (size_t s = 0; s < d->rd; s++) {
        d->dslot[s] = d->mslot[s] = UINT32_MAX;
        d->dref[s] = d->mref[s] = 0;
    }
    for (size_t s = 0; s < d->rc; s++) {
        d->cslot[s] = UINT32_MAX;
        d->cref[s] = 0;
    }
    memset(d->ht, 0, d->rm);
    memset(d->hb, 0, d->rm);
    memset(d->mpend, 0, d->rm * sizeof *d->mpend);
    d->lo = lo;
    d->first = d->ready = lo >= 3 + d->dn ? lo - 3 - d->dn : 0;
    d->mready = lo >= 2 + d->dn ? lo - 2 - d->dn : 0;
    d->misses = 0;
    for (size_t k = d->first >= 5 ? d->first - 5 : 0; k < d->first; k++)
        d->sid[k] = d->next_id++;
    for (size_t k = lo >= 3 ? lo - 3 : 0; k < lo; k++)
        d->same2[k] = 0;
}

/* The owner of a run claims its next layer l before working on it; 0 when the run ends at l (the rest was
 * taken by another thread). */
static int lane_claim(_Atomic uint64_t *span, size_t l)
{
    uint64_t v = atomic_load(span);
    do {
        if ((v >> 32) != l || (uint32_t)v <= l) return 0;
    } while (!atomic_compare_exchange_weak(span, &v, (uint64_t)(l + 1) << 32 | (uint32_t)v));
    return 1;
}

/* Layers [l0, l1) have their final sums (others may read them now: d->settled). */
static void layers_ready(drive *d, size_t l0, size_t l1)
{
    for (size_t l = l0; d->settled && l < l1; l++)
        if (!unsummed(d, l)) /* its sums come after the stages (steep_fill) */
            atomic_store_explicit(&d->settled[l], 1, memory_order_release);
}

/* Stages 3–6 of the layers from d->lo (see drive_restart) up to end, in batches of d->batch on the team t
 * (a backend with batch stages: bt and ba); sums are written for layers out0 … end − 1. */
/* Where a batch has likely copies (layers whose window repeats l − 2's), drive_layers takes its layers in
 * order on one thread: a copy shares the classes of l − 2 when l − 1's equal those of l − 3, and a layer's
 * bridges read the classes below. The bridges of a layer that is no likely copy, over one that is none
 * either (or below the batch), and then its comparison with l − 2 where that one is final too, need no
 * order: early_fixes runs them on the team first (a 150 mm plate's 15 layers of 175 k cells: the bridges
 * and comparisons of 14 layers on one thread, 0.3 ms of its 2 ms). */
static int fixed_early(const drive *d, size_t b0, size_t l)
{
    return l > d->lo && !repeats(d, l) && (l == b0 || !repeats(d, l - 1));
}

/* Layer j's classes are final before the batch's ordered pass. */
static int final_early(const drive *d, size_t b0, size_t j)
{
    return j < b0 || (!repeats(d, j) && (j <= d->lo || fixed_early(d, b0, j)));
}

static int same_early(const drive *d, size_t b0, size_t l)
{
    return l >= d->lo + 2 && final_early(d, b0, l) && final_early(d, b0, l - 2);
}

static pf_err early_fixes(drive *d, team *t, size_t b0, size_t b1)
{
    uint32_t *items = d->list;
    pf_err err = PF_E_OK;
    for (int odd = 0; odd < 2 && !err; odd++) { /* even layers, then odd: no fix writes what another reads */
        size_t n = 0;
        for (size_t l = b0 + (b0 % 2 != (size_t)odd); l < b1; l += 2)
            if (fixed_early(d, b0, l)) items[n++] = (uint32_t)l;
        err = drive_phase(d, t, PH_FIX, items, n);
    }
    size_t n = 0;
    for (size_t l = b0; l < b1 && !err; l++)
        if (same_early(d, b0, l)) items[n++] = (uint32_t)l;
    return err ? err : drive_phase(d, t, PH_SAME, items, n);
}

static pf_err drive_layers(drive *d, team *t, void *bt, batch_args *ba, size_t out0, size_t end)
{
    const pf_backend *be = d->be;
    const pf_grid *g = d->g;
    const pf_classify_params *cp = d->cp;
    size_t nl = d->nl, batch = d->batch, ncell = (size_t)g->nx * g->ny;
    int reuse = d->reuse;
    const float *segs = d->segs;
    const uint32_t *offs = d->offs, *counts = d->counts;
    uint32_t *sid = d->sid, *items = d->list;
    uint8_t *same2 = d->same2, *eq = d->eq, *copied = d->copied, *printed = d->printed;
    uint64_t *prints = d->prints;
    layer_stat *layers = d->layers;
    pf_err err = PF_E_OK;
    d->out0 = out0;
    for (size_t b0 = d->lo; b0 < end; b0 += batch) {
        if (d->span && b0 >= out0 && !lane_claim(d->span, b0)) break; /* (batch is 1) the rest is taken */
        size_t b1 = b0 + batch < end ? b0 + batch : end, need = b1 + 3 + d->up < nl ? b1 + 3 + d->up : nl,
               n = 0;
        size_t ready = d->ready;
        d->b0 = b0;
        /* A layer with as many segments as the one below is fingerprinted first: when the fingerprints match,
         * its mask is the one below's and it is not rasterized. After two misses in a row (a curved part)
         * only every 8th layer is tried, until one matches again. On a team, the prints that test would
         * make with the misses as they stand are made first, in parallel (a prism's layers are all printed,
         * which on one thread was a third of a thin-walled part's time); the test makes any others. */
        if (reuse && t->n > 1) {
            n = 0;
            for (size_t k = ready ? ready - 1 : 0; k < need; k++) {
                int want = 0;
                for (size_t j = k; j <= k + 1 && j < need; j++) /* layer j's test prints j − 1 and j */
                    want |= j >= ready && j > d->first && counts[j] == counts[j - 1] &&
                            (d->misses < 2 || j % 8 == 0) && !skipped(d, j) && !skipped(d, j - 1);
                if (want && !printed[k]) items[n++] = (uint32_t)k;
            }
            if ((err = drive_phase(d, t, PH_PRINT, items, n))) return err;
            n = 0;
        }
        for (size_t k = ready; k < need; k++) {
            eq[k - ready] = 0;
            if (reuse && k > d->first && counts[k] == counts[k - 1] && (d->misses < 2 || k % 8 == 0) &&
                !skipped(d, k) && !skipped(d, k - 1)) {
                for (size_t j = k - 1; j <= k; j++)
                    if (!printed[j])
                        pf_raster_print(segs + (size_t)PF_SEG_FLOATS * offs[j], counts[j], g, &d->pw,
                                        prints + 2 * j);
                printed[k - 1] = printed[k] = 1;
                eq[k - ready] = prints[2 * k] == prints[2 * k - 2] && prints[2 * k + 1] == prints[2 * k - 1];
                d->misses = eq[k - ready] ? 0 : d->misses + 1;
            }
            buf_assign(d->mslot, d->mref, d->rd, k, eq[k - ready]); /* a fingerprint match shares the mask */
            if (!eq[k - ready] && !skipped(d, k)) items[n++] = (uint32_t)k; /* a skipped layer: no raster */
        }
        if (bt) {
            for (size_t i = 0; i < n; i++) {
                ba->m[i] = mask_of(d, items[i]);
                seg_spans(d, items[i]); /* the masks stay on the device: the spans from the segments */
            }
            err = be->raster_batch(be->ctx, bt, g, segs, offs, counts, n, items, ba->m);
        } else {
            err = drive_phase(d, t, PH_RASTER, items, n);
        }
        if (err) return err;
        n = 0;
        for (size_t k = ready; k < need; k++) {
            /* (batch stages leave the masks to the device until a later call: only the fingerprints tell) */
            if (!eq[k - ready] && !bt)
                eq[k - ready] = reuse && k > d->first && !skipped(d, k) && !skipped(d, k - 1) &&
                                !memcmp(mask_of(d, k), mask_of(d, k - 1), ncell);
            if (eq[k - ready]) {
                sid[k] = k > 1 ? sid[k - 1] : d->next_id++; /* layer 0 matches no window */
            } else {
                sid[k] = d->next_id++; /* a skipped layer's too: no window with one repeats */
                if (!skipped(d, k)) items[n++] = (uint32_t)k;
            }
            buf_assign(d->dslot, d->dref, d->rd, k, eq[k - ready]);
        }
        if (bt) {
            for (size_t i = 0; i < n; i++) {
                ba->cm[i] = mask_of(d, items[i]);
                ba->f[i] = dist_of(d, items[i]);
            }
            err = be->edt_batch(be->ctx, bt, g, d->cap, n, ba->cm, ba->f);
        } else {
            err = drive_phase(d, t, PH_EDT, items, n);
        }
        if (err) return err;
        d->ready = need;
        for (size_t l = b0; l < b1; l++) /* class buffers of their own; copies share below */
            buf_assign(d->cslot, d->cref, d->rc, l, 0);
        /* the margins of every layer up to b1 + 1, which the shells of layer b1 − 1 read (layers whose
         * window repeats have none: their fields are shared) */
        n = 0;
        size_t mend = b1 + 2 + d->up < nl ? b1 + 2 + d->up : nl;
        for (size_t l = d->mready; l < mend; l++) {
            if (steep(d, l) || skipped(d, l) ||
                (d->mode && d->mode[l] == LIN_RAW)) { /* no seeds: its neighbours are taken equal to it */
                d->ht[l % d->rm] = d->hb[l % d->rm] = 0;
                continue;
            }
            items[n++] = (uint32_t)l;
        }
        d->mready = mend;
        err = bt ? margin_batch(d, bt, ba, items, n) : drive_phase(d, t, PH_MARGIN, items, n);
        if (err) return err;
        n = 0;
        for (size_t l = b0; l < b1; l++)
            if (!repeats(d, l) && !unclassed(d, l)) items[n++] = (uint32_t)l;
        /* the same layers (the likely copies aside): classes without the layer below */
        err = bt ? PF_E_OK : drive_phase(d, t, PH_CLASSIFY, items, n);
        if (err) return err;
        int any_rep = 0;
        for (size_t l = b0; l < b1; l++)
            any_rep |= repeats(d, l);
        if (!bt && !any_rep) {
            /* No layer can be a copy: the bridge fixes and the copy tests of reduce need no layer order.
             * Even layers first, then odd ones, so no fix writes the classes another one reads. */
            for (int odd = 0; odd < 2; odd++) {
                n = 0;
                for (size_t l = b0 + (b0 % 2 != (size_t)odd); l < b1; l += 2)
                    if (l > d->lo) items[n++] = (uint32_t)l; /* the layer below is there */
                if ((err = drive_phase(d, t, PH_FIX, items, n))) return err;
            }
            n = 0;
            for (size_t l = b0; l < b1; l++)
                items[n++] = (uint32_t)l;
            if ((err = drive_phase(d, t, PH_SETTLE, items, n))) return err;
            for (size_t l = b0; l < b1; l++)
                if (copied[l - b0]) layer_copy(&layers[l], &layers[l - 2]);
            layers_ready(d, b0 > out0 ? b0 : out0, b1);
            continue;
        }
        if (!bt && (err = early_fixes(d, t, b0, b1))) return err;
        n = 0;
        size_t np = 0; /* batch stages: layers waiting for classify (in ba->ls) */
        /* Batch stages: a likely copy whose layer below waits for classify (same2[l − 1] not known yet) is
         * taken as a copy, and the copies (spec) are checked after the batch's classify call (the layer
         * below, and the wall middles); the first wrong one sends the layers from it through the loop again,
         * knowing (veto: its middles differ). Waiting for that classify at each guess cost a call to the
         * device each (a sync: 100–300 µs here), and the guess held at 13 of the 15 places the test meshes
         * have one. */
        uint32_t spec[BATCH_MAX_DEVICE];
        size_t nspec = 0, from = b0;
        memset(d->veto, 0, b1 - b0);
    again:
        for (size_t l = from; l < b1; l++) {
            size_t s = l - b0;
            if (unsummed(d,
                         l)) { /* no sums: steep_fill's; LIN_CLASS classes (batch stages: with the others) */
                same2[l] = copied[s] = 0;
                if (bt && !unclassed(d, l)) ba->ls[np++] = (uint32_t)l;
                continue;
            }
            uint8_t *cls = cls_of(d, l);
            int rep = repeats(d, l);
            int guess = rep && bt && np && ba->ls[np - 1] == (uint32_t)(l - 1);
            /* classes as those of l − 2, and its sums when this run wrote them, where its own segments make
             * the same wall middles (checked now, or for batch stages after their classify call: l − 2 may
             * wait for it) */
            int same = rep && !d->veto[s] && (guess || same2[l - 1]);
            if (same && !bt) {
                int a = middles_agree(d, l);
                if (a < 0) return PF_E_NOMEM;
                same = a;
            }
            if (same && bt) spec[nspec++] = (uint32_t)l;
            copied[s] = same && l >= out0 + 2;
            if (same) {
                buf_assign(d->cslot, d->cref, d->rc, l, 2);
                same2[l] = 1;
                if (!copied[s] && l >= out0) items[n++] = (uint32_t)l;
                continue;
            }
            if (bt) {
                ba->ls[np++] = (uint32_t)l;
                items[n++] = (uint32_t)l;
                continue;
            }
            /* a likely copy that is not one was skipped above: its margins and classes now */
            if (rep && (err = classify_alone(d, l, 0))) return err;
            if (l > d->lo && !fixed_early(d, b0, l) && (err = bridges(d, l, 0))) return err;
            if (!same_early(d, b0, l))
                same2[l] = l >= d->lo + 2 && comparable(d, l) && !memcmp(cls, cls_of(d, l - 2), ncell);
            /* the classes of layer l − 2 ≥ 1 (reduce treats layer 0 apart), whose fill direction is the same:
             * its sums, without reduce (equal classes have equal inside bits, so equal masks and hence equal
             * distance fields) */
            copied[s] = reuse && l >= 3 && l >= out0 + 2 && same2[l];
            if (!copied[s] && l >= out0) items[n++] = (uint32_t)l;
        }
        if (bt) {
            if ((err = classify_flush(d, t, bt, ba, &np, same2))) return err;
            for (size_t k = 0; k < nspec; k++) {
                size_t l = spec[k];
                int a = same2[l - 1] ? middles_agree(d, l) : 0;
                if (a < 0) return PF_E_NOMEM;
                if (a) continue;
                if (same2[l - 1]) d->veto[l - b0] = 1; /* its wall middles differ: its own classes */
                /* a wrong guess: the layers from l on again, with own class buffers (those before l did not
                 * read theirs) and without their reduce items */
                for (size_t j = l; j < b1; j++)
                    buf_assign(d->cslot, d->cref, d->rc, j, 0);
                while (n && items[n - 1] >= l)
                    n--;
                nspec = 0;
                from = l;
                goto again;
            }
            for (size_t i = 0; i < n; i++) {
                ba->cf[i] = dist_of(d, items[i]);
                ba->cm[i] = cls_of(d, items[i]);
                ba->o[i] = &layers[items[i]].cells;
            }
            err = be->reduce_batch(be->ctx, bt, g, cp, n, items, ba->cf, ba->cm, ba->o);
            if (!err) err = drive_phase(d, t, PH_PIECES, items, n); /* on the host team, the device idle */
        } else {
            err = drive_phase(d, t, PH_REDUCE, items, n);
        }
        if (err) return err;
        for (size_t l = b0; l < b1; l++)
            if (copied[l - b0]) layer_copy(&layers[l], &layers[l - 2]);
        layers_ready(d, b0 > out0 ? b0 : out0, b1);
    }
    return PF_E_OK;
}

/* Lanes: on a team without batch stages, each thread takes runs of consecutive layers and takes every layer
 * of its run through all the stages before the next, as one thread does (drive_layers with batches of one
 * layer), instead of the team going through a batch of layers stage by stage with a join between stages.
 * A batch's fields (13 MB for a 40 mm sphere's 49 layers) left the caches between its stages, where a lane's
 * rings of 7 layers stay in its core's: on one thread made to run batches as two threads do, the distance
 * fields cost twice as much, the whole estimate 20 % more. A run starts 3 layers early (drive_restart), its
 * first classified layer's sums being the run below's; the shortcuts it cannot see across its start are
 * taken as not there, which leaves the sums the same (they are exact), so the cache does not depend on where
 * runs start. Each start costs a few layers' work (more on a prism, whose layers are mostly copies), so the
 * layers are cut into one run per thread, and a thread that has finished its own takes part of the longest
 * run still going (work stealing, lane_next): the cores need not run at the same speed (on this VM one of the
 * two ran floating-point work at half the other's rate for a while), nor the layers cost the same. */
#define LANE_MIN 16 /* fewest layers of a run cut in halves, whatever its layers (see LANE_TAIL) */
/* A flat part (FLAT_LAYERS) runs in batches: a run's start costs about 4 layers' work, too much against runs
 * of 16 layers. Any taller one runs in lanes: on two threads a 66 mm torus of 80 layers took 12.3 ms against
 * 14.0 in batches, a gear of 40 layers 4.8 against 5.1 (4 interleaved pairs of 9 rounds each, with both
 * cores at the same speed; an earlier split into equal runs, with one core at half speed, had them 9 and 16 %
 * slower). */
#define LANE_LAYERS (FLAT_LAYERS + 1)
#define LANE_SLOTS 64 /* runs an estimate can have (the first ones and those cut off others) */

typedef struct lanes {
    drive *d;                          /* per thread id: its drive */
    uint8_t open[TEAM_MAX];            /* per thread id: its drive is open */
    size_t nl;                         /* layers */
    unsigned nfirst;                   /* runs made before the threads start, one per thread */
    atomic_int taken[TEAM_MAX];        /* per first run: some thread has taken it */
    atomic_uint nslots;                /* runs so far */
    _Atomic uint64_t span[LANE_SLOTS]; /* per run: its next layer << 32 | its end */
    atomic_int err;                    /* first error */
    team_fn idle;                      /* work for a thread that has no layers left (or NULL) */
    void *idle_arg;                    /* its argument */
} lanes;

/* Layers' work a run's start costs (drive_restart: the fields and classes of the layers below it), and the
 * fewest layers a thread takes from a run with fewer than 2·LANE_MIN left. Without such short steals a thread
 * that finished first waited for the other's last 17–31 layers: lanes ending 0.4–1.1 ms apart on overhang and
 * bracket (steps of 3.5–4 ms), 0.04–0.15 ms with them. */
#define LANE_START 3
#define LANE_TAIL 4

/* Whether layers [l0, l1) vary: at most a quarter have the same (simplified) segments as the layer below. A
 * prism's layers are mostly copies (cheap), against which a run's start costs many times its share. */
static int lanes_vary(const lanes *ln, size_t l0, size_t l1)
{
    const drive *d = &ln->d[0];
    size_t same = 0;
    for (size_t l = l0 > 0 ? l0 : 1; l < l1; l++)
        same += d->counts[l] == d->counts[l - 1] &&
                !memcmp(d->segs + (size_t)PF_SEG_FLOATS * d->offs[l],
                        d->segs + (size_t)PF_SEG_FLOATS * d->offs[l - 1],
                        (size_t)d->counts[l] * PF_SEG_FLOATS * sizeof *d->segs);
    return 4 * same <= l1 - l0;
}

/* A run for thread tid: a first run nobody has taken (its own first), else part of the run with the most
 * layers left: its upper half when that is at least 2·LANE_MIN, or, where the layers vary (lanes_vary), the
 * part above the middle less half a start when at least LANE_TAIL layers. Returns its slot (*from: its first
 * layer), or −1 when there is none. */
static int lane_next(lanes *ln, unsigned tid, size_t *from)
{
    for (unsigned i = 0; i < ln->nfirst; i++) {
        unsigned k = (tid + i) % ln->nfirst;
        int none = 0;
        if (atomic_compare_exchange_strong(&ln->taken[k], &none, 1)) {
            *from = (size_t)(atomic_load(&ln->span[k]) >> 32);
            return (int)k;
        }
    }
    for (;;) {
        unsigned n = atomic_load(&ln->nslots), best = 0;
        uint64_t bv = 0, left = 0;
        for (unsigned k = 0; k < n && k < LANE_SLOTS; k++) {
            uint64_t v = atomic_load(&ln->span[k]), cur = v >> 32, end = (uint32_t)v;
            if (end > cur && end - cur > left) best = k, bv = v, left = end - cur;
        }
        if (n >= LANE_SLOTS) return -1;
        uint64_t cur = bv >> 32, end = (uint32_t)bv, mid = cur + left / 2;
        if (left < 2 * LANE_MIN) { /* a short rest: worth a start only where its layers vary */
            if (left < 2 * LANE_TAIL + LANE_START || !lanes_vary(ln, (size_t)cur, (size_t)end)) return -1;
            mid = cur + (left + LANE_START + 1) / 2; /* the thief's part shorter by a start */
        }
        if (!atomic_compare_exchange_strong(&ln->span[best], &bv, cur << 32 | mid))
            continue; /* it moved on */
        unsigned slot = atomic_fetch_add(&ln->nslots, 1);
        if (slot >= LANE_SLOTS) { /* cannot be: n < LANE_SLOTS above, and one slot per cut */
            atomic_store(&ln->span[best], cur << 32 | end);
            return -1;
        }
        atomic_store(&ln->span[slot], mid << 32 | end);
        *from = (size_t)mid;
        return (int)slot;
    }
}

static void lane_work(void *arg, unsigned tid)
{
    lanes *ln = arg;
    drive *d = &ln->d[tid];
    team solo; /* drive_layers' phases on this thread alone */
    memset(&solo, 0, sizeof solo);
    solo.n = 1;
    size_t from;
    for (int slot; !atomic_load(&ln->err) && (slot = lane_next(ln, tid, &from)) >= 0;) {
        pf_err e = PF_E_OK;
        if (!ln->open[tid]) { /* on first use: a thread that came too late allocates nothing */
            ln->open[tid] = 1;
            e = drive_open(d, 1, 1);
        }
        if (!e) {
            d->span = &ln->span[slot];
            drive_restart(d, from ? from - 1 : 0);
            e = drive_layers(d, &solo, NULL, NULL, from, ln->nl);
        }
        if (e) {
            int none = 0;
            atomic_compare_exchange_strong(&ln->err, &none, (int)e);
            return;
        }
    }
    if (ln->idle) ln->idle(ln->idle_arg, tid);
}

/* What a layer's stages cost, roughly, for the first split of the layers between lanes: a layer whose mode
 * takes it through all the stages 1, one that only makes its field and margins (LIN_*) a half, a skipped one
 * nothing; and a tenth of that where its window of slices repeats the one 2 below (the same segments as the
 * layer below from 4 below to 3 above), whose classes and sums it copies. Split by their count, a prism's
 * lanes and a second pass's (whose layers are mostly skipped) ended far apart: on two threads a box lid of
 * 125 layers, 121 the same slice, 2.31 → 1.90 ms, a cookie cutter −7 %, a shed's second pass −8 % (3
 * interleaved rounds of 7; parts whose layers all differ split as before). Weighing the layers by their
 * slices' areas as well took the cutter 30 % lower but a dish and a hull 11–13 % higher: not taken. */
static float lane_weight(const drive *d, size_t l, const uint8_t *same)
{
    uint8_t m = d->mode ? d->mode[l] : STEEP_OFF;
    float w = m == STEEP_SKIP || m == LIN_SKIP ? 0.0f : m == STEEP_OFF || m == STEEP_ON ? 1.0f : 0.5f;
    int copy = l >= 4 && l + 3 < d->nl;
    for (size_t j = l >= 4 ? l - 4 : 0; copy && j <= l + 3; j++)
        copy = same[j];
    return copy ? 0.1f * w : w;
}

/* Cuts [0, nl) into n runs of about equal lane_weight, run k's end into ends[k]. */
static void lanes_cut(const drive *d, unsigned n, uint64_t *ends)
{
    size_t nl = d->nl;
    uint8_t *same = calloc(nl ? nl : 1, 1);
    float *cum = malloc((nl + 1) * sizeof *cum);
    if (!same || !cum) { /* by count */
        for (unsigned k = 0; k < n; k++)
            ends[k] = nl * (k + 1) / n;
        free(same);
        free(cum);
        return;
    }
    for (size_t l = 1; l < nl; l++)
        same[l] = d->counts[l] == d->counts[l - 1] &&
                  !memcmp(d->segs + (size_t)PF_SEG_FLOATS * d->offs[l],
                          d->segs + (size_t)PF_SEG_FLOATS * d->offs[l - 1],
                          (size_t)d->counts[l] * PF_SEG_FLOATS * sizeof *d->segs);
    cum[0] = 0;
    for (size_t l = 0; l < nl; l++)
        cum[l + 1] = cum[l] + lane_weight(d, l, same);
    size_t l = 0;
    for (unsigned k = 0; k + 1 < n; k++) {
        float goal = cum[nl] * (float)(k + 1) / (float)n;
        while (l < nl && cum[l + 1] <= goal)
            l++;
        ends[k] = l;
    }
    ends[n - 1] = nl;
    free(same);
    free(cum);
}

static pf_err run_lanes(const drive *proto, team *t, team_fn idle, void *idle_arg)
{
    lanes *ln = calloc(1, sizeof *ln);
    drive *d = calloc(t->n, sizeof *d);
    if (!ln || !d) {
        free(ln);
        free(d);
        return PF_E_NOMEM;
    }
    ln->d = d;
    ln->idle = idle;
    ln->idle_arg = idle_arg;
    ln->nl = proto->nl;
    ln->nfirst = t->n;
    uint64_t ends[TEAM_MAX];
    lanes_cut(proto, t->n, ends);
    for (unsigned k = 0; k < t->n; k++) {
        d[k] = *proto;
        uint64_t a = k ? ends[k - 1] : 0, b = ends[k];
        atomic_init(&ln->span[k], a << 32 | b);
        atomic_init(&ln->taken[k], 0);
    }
    atomic_init(&ln->nslots, t->n);
    atomic_init(&ln->err, 0);
    team_run(t, lane_work, ln);
    for (unsigned k = 0; k < t->n; k++)
        if (ln->open[k]) drive_close(&d[k]);
    pf_err err = (pf_err)atomic_load(&ln->err);
    free(d);
    free(ln);
    return err;
}

/* Stages 3–6 for every layer on the team's threads; results do not depend on the count. Prismatic parts
 * repeat the same slice for hundreds of layers, so two shortcuts: a mask equal to the previous layer's
 * reuses its distance field (exact); and a layer whose whole 7-layer window holds the same slices as the
 * window of layer l−2 (same parity, so the same fill direction), with the layer below also equal to its
 * counterpart, and whose wall middles its own segments decide as l − 2's were (middles_agree), gets l−2's
 * classes and sums without running the stages (exact: the same classes and sums as without the shortcuts,
 * so where a lane starts, below, does not matter either). A third, for the per-layer stages: a mask that
 * differs from its neighbour's in a few places takes the neighbour's field there (field_layer; exact too,
 * and whatever field it starts from). Slice ids
 * (equal ids: equal masks) are given in layer order from mask comparisons of consecutive layers, so the
 * shortcuts take the same decisions for any batch. On a team, a part of more than FLAT_LAYERS layers runs in
 * lanes (run_lanes); a flat one, and a backend with batch stages, in batches: rasters (parallel), mask
 * comparisons and ids, distance fields of the new masks (parallel), margin fields and classes without the
 * layer below of the layers that cannot be copies (parallel), then the bridge fixes and copy decisions in
 * layer order with reduce (parallel) after them; in a batch where no layer can be a copy, the fixes run in
 * parallel too (even layers, then odd) and each layer's copy test goes with its reduce. A backend with batch
 * stages (engine/backend.h) gets each phase of a batch in one call on the calling thread instead, and batches
 * of about BATCH_CELLS_DEVICE whatever the thread count; the decisions are the same: classify calls gather
 * consecutive layers and end before a layer whose copy decision needs the classes of the layers before it
 * (same2), so those are known exactly as in the per-layer loop. Errors: NOMEM and the backend's. */
static pf_err run_stages(const pf_backend *be, const pf_grid *g, const pf_classify_params *cp,
                         const unsigned reach[2], size_t nl, const float *segs, const uint32_t *offs,
                         const uint32_t *counts, team *t, int reuse, const overhang_probe *op,
                         const pf_slope_src *slopes, const sliver_src *slivers, const uint8_t *upright,
                         const uint8_t *mode, layer_stat *layers, atomic_uchar *ready, team_fn idle,
                         void *idle_arg)
{
    size_t ncell = (size_t)g->nx * g->ny;
    unsigned threads = t->n;
    size_t batch = 1;
    int batched = be->batch_open && be->batch_close && be->raster_batch && be->edt_batch &&
                  be->margin_batch && be->classify_batch && be->reduce_batch;
    int flat = nl <= FLAT_LAYERS && nl * ncell <= BATCH_CELLS_WHOLE;
    if (threads > 1 || batched) {
        batch = (batched ? BATCH_CELLS_DEVICE : BATCH_CELLS) / ncell;
        if (!batched && flat) batch = nl; /* a flat part */
        if (batched && nl * ncell <= BATCH_CELLS_DEVICE_WHOLE) batch = nl;
        if (batch < threads) batch = threads;
        if (batch < 1) batch = 1;
        if (batch > (batched ? BATCH_MAX_DEVICE : BATCH_MAX)) batch = batched ? BATCH_MAX_DEVICE : BATCH_MAX;
    }
    if (batch > nl) batch = nl;
    drive d = {.be = be,
               .g = g,
               .cp = cp,
               .cap = pf_edt_cap_main(cp, g->cell),
               .cap_margin = pf_edt_cap_margin(cp, g->cell),
               .op = op,
               .nl = nl,
               .segs = segs,
               .offs = offs,
               .counts = counts,
               .reuse = reuse,
               .slopes = slopes,
               .slivers = slivers,
               .upright = upright,
               .mode = mode,
               .up = reach[0],
               .dn = reach[1],
               .layers = layers,
               .settled = ready};
    if (threads > 1 && !batched && nl >= LANE_LAYERS) return run_lanes(&d, t, idle, idle_arg);
    batch_args ba = {0};
    void *bt = NULL; /* the backend's batch state, when it runs batches */
    pf_err err = drive_open(&d, batch, threads);
    if (!err && batched && !batch_args_init(&ba, batch + 6 + d.up + d.dn)) err = PF_E_NOMEM;
    if (!err && batched && (err = be->batch_open(be->ctx, d.arena, d.arena_len, &bt))) {
        bt = NULL;
        if (err == PF_E_UNSUPPORTED) err = PF_E_OK; /* the per-layer stages, on the same device */
    }
    if (!err) err = drive_layers(&d, t, bt, &ba, 0, nl);
    if (bt) be->batch_close(be->ctx, bt);
    batch_args_free(&ba);
    drive_close(&d);
    return err;
}

/* ---- prepare ---- */

/* The passes of prepare over every printed triangle, in pieces of MESH_PIECE triangles taken by the team's
 * threads: the bounds and volume / area sums of the part, and later its overhangs. Each piece keeps its own
 * sums and they are added in piece order, so the result does not depend on the number of threads. On one
 * thread they took 10 % of a 1 M-triangle estimate. */
#define MESH_PIECE 8192 /* 8 k: a torus of 18 k triangles is three pieces, which two threads share */
/* A facet is upright (in a vertical plane) when |n_z| is at most this share of |n|: tilted by 1e-6 rad, it
 * moves its cut by 2e-7 mm a layer. */
#define UPRIGHT_NZ 1e-6

typedef struct mesh_pass {
    const float *verts;    /* the mesh's vertices (bounds) or their copy on the bed (overhangs) */
    const uint32_t *tris;  /* the printed triangles */
    size_t ntris, npieces; /* triangles; pieces of MESH_PIECE */
    int overhangs;         /* 0: bounds and sums; 1: overhangs */
    double cth, h0;        /* overhangs: cos(support threshold), first layer height */
    pf_geo_sums *gs;       /* bounds: per piece its bounds and volume / area sums */
    double *oh;            /* overhangs: per piece the area */
    /* and the slabs between layers that slanted facets cross or facets' corners lie in (see slabs_upright):
     * per thread, nl + 1 counts whose prefix sums count them per slab */
    int32_t *tilt;
    int32_t *flat; /* the same for the facets steep layers may not meet (STEEP_T), or NULL */
    size_t nl;
    double zb, h;         /* layer l ≥ 1's plane: zb + l·h */
    const int32_t *vslab; /* per vertex of the copy: its slab (vertex_slab) */
    /* overhangs: the facets that may leave strips narrower than a cell (pf_slivers_scan's, from the normal
     * the overhang test makes: a pass of their own took 4 of bumpy_1m's 10 ms there); shits NULL: none */
    const float *zs;    /* the layers' planes */
    float sh, slo, shi; /* pf_slivers_find's h, lo, hi */
    uint32_t *shits;    /* per piece k, from k·MESH_PIECE: the facets found */
    size_t *snhits;     /* per piece: how many */
    atomic_size_t next; /* next item to take */
    /* overhangs: the layers of overlapping shells (engine/contour_union.h; NULL: none), and the outlines of
     * those and of the layers under them, against which a downward facet there is tested for material under
     * it (under_material) */
    const uint8_t *unioned;
    const pf_outline_index *uix;
} mesh_pass;

/* Whether a downward facet's point (x, y, z) has material right under it: in a layer of overlapping
 * shells (or the one above, where its own shell begins), inside the outline of the layer whose plane lies
 * under it (a rib's bottom inside the plate it stands in, a hat's inside a head). PrusaSlicer slices the
 * union, and such a face is no overhang there. A shell's own downward faces have air under them. */
static int under_material(const mesh_pass *j, double x, double y, double z)
{
    double u = floor((z - j->zb) / j->h);
    if (!j->unioned || !(u >= 0 && u < (double)j->nl)) return 0;
    size_t l = (size_t)u;
    if (!j->unioned[l] && !(l + 1 < j->nl && j->unioned[l + 1])) return 0;
    return pf_outline_winding(&j->uix[l], x, y) != 0;
}

/* The slab of a vertex of the copy on the bed at height z: floor((z − zb) / h), zb and h the mesh pass's
 * (layer l ≥ 1's plane at zb + l·h), within −8 … MAX_LAYERS + 8 (what lies beyond counts as the first or
 * the last slab either way). Once a vertex: the mesh pass and lin_modes took it for every corner of every
 * facet, two divisions a facet (3 % of a 1 M-triangle estimate). */
static int32_t vertex_slab(float z, const pf_profile *p)
{
    double h0 = p->first_layer_height, h = p->layer_height, u = floor((z - (h0 - h / 2 - SLICE_BELOW)) / h);
    return u < -8 ? -8 : u > MAX_LAYERS + 8 ? MAX_LAYERS + 8 : (int32_t)u;
}

/* Counts slabs u0 … u1 (vertex_slab's) against the slabs they may reach, a layer more on each side, in the
 * thread's counts tl (and in also, when not NULL). */
static void tilt_mark(const mesh_pass *j, int32_t *tl, int32_t u0, int32_t u1, int32_t *also)
{
    u1 += 3;
    size_t s0 = u0 < 1 ? 1 : (size_t)u0 >= j->nl ? j->nl : (size_t)u0;
    size_t s1 = u1 < 1 ? 1 : (size_t)u1 >= j->nl ? j->nl : (size_t)u1;
    tl[s0]++;
    tl[s1]--;
    if (also) also[s0]++, also[s1]--;
}

static void mesh_piece(const mesh_pass *j, size_t k, unsigned tid)
{
    size_t t0 = k * MESH_PIECE, t1 = t0 + MESH_PIECE < j->ntris ? t0 + MESH_PIECE : j->ntris;
    const float *vs = j->verts;
    if (!j->overhangs) { /* its bounds come with the sums: one gather of the corners, where two took longer */
        pf_geo_sums_of(vs, j->tris + 3 * t0, t1 - t0, &j->gs[k]);
        return;
    }
    /* downward faces flatter than the support threshold, not on the bed */
    double area = 0;
    size_t nhits = 0;
    for (size_t t = t0; t < t1; t++) {
        const float *a = vs + 3 * (size_t)j->tris[3 * t], *b = vs + 3 * (size_t)j->tris[3 * t + 1],
                    *d = vs + 3 * (size_t)j->tris[3 * t + 2];
        double ux = b[0] - a[0], uy = b[1] - a[1], uz = b[2] - a[2], wx = d[0] - a[0], wy = d[1] - a[1],
               wz = d[2] - a[2];
        double nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
        const double n3[3] = {nx, ny, nz};
        if (j->shits && pf_slivers_near(n3, j->sh, j->slo, j->shi) &&
            pf_slivers_hit(vs, j->tris + 3 * t, n3, j->zs, j->nl, j->sh, j->slo, j->shi))
            j->shits[t0 + nhits++] = (uint32_t)t;
        double nn = sqrt(nx * nx + ny * ny + nz * nz);
        double zc = (a[2] + b[2] + d[2]) / 3;
        if (nn > 0) { /* not upright: the slabs it crosses; upright: those its corners lie in */
            int32_t *tl = j->tilt + tid * (j->nl + 1);
            const uint32_t *ix = j->tris + 3 * t;
            int32_t ua = j->vslab[ix[0]], ub = j->vslab[ix[1]], ud = j->vslab[ix[2]];
            if (fabs(nz) > UPRIGHT_NZ * nn) {
                int32_t u0 = ua < ub ? ua : ub, u1 = ua > ub ? ua : ub;
                int flat = j->flat && nz * nz > STEEP_T * STEEP_T * (nx * nx + ny * ny);
                tilt_mark(j, tl, ud < u0 ? ud : u0, ud > u1 ? ud : u1,
                          flat ? j->flat + tid * (j->nl + 1) : NULL);
            } else {
                tilt_mark(j, tl, ua, ua, NULL);
                tilt_mark(j, tl, ub, ub, NULL);
                tilt_mark(j, tl, ud, ud, NULL);
            }
        }
        if (nn <= 0 || nz >= 0 || -nz / nn < j->cth || zc < j->h0 / 2) continue;
        double air = 1; /* the share of it over air */
        if (j->unioned) {
            /* its centroid and the points half way from there to its corners */
            double cx = (a[0] + b[0] + d[0]) / 3, cy = (a[1] + b[1] + d[1]) / 3;
            const float *cn[3] = {a, b, d};
            int under = under_material(j, cx, cy, zc);
            for (int q = 0; q < 3; q++)
                under += under_material(j, (cx + cn[q][0]) / 2, (cy + cn[q][1]) / 2, (zc + cn[q][2]) / 2);
            air = 1 - under / 4.0;
        }
        area += air * nn / 2;
    }
    j->oh[k] = area;
    if (j->shits) j->snhits[k] = nhits;
}

/* upright[l]: no facet but upright ones crosses the slab between layer l − 1's plane and layer l's, and none
 * has a corner in it, so the part is a prism there (an open mesh's walls too) and the two slices are the
 * same polygons (layer 0: 0). From the threads' counts of mesh_pass (tilt, n threads). */
static void slabs_upright(const int32_t *tilt, unsigned n, size_t nl, uint8_t *upright)
{
    int64_t run = 0;
    for (size_t l = 0; l < nl; l++) {
        for (unsigned k = 0; k < n; k++)
            run += tilt[k * (nl + 1) + l];
        upright[l] = l > 0 && run == 0;
    }
}

/* What the stages cost for the layers of mode[0 … nl), in layers through all of them, as lane_weight counts
 * (a layer that only makes its field and margins a half; one that makes its classes too a little more). */
static float modes_cost(const uint8_t *mode, size_t nl)
{
    float c = 0;
    for (size_t l = 0; l < nl; l++)
        c += mode[l] == STEEP_SKIP  ? 0.0f
             : mode[l] == LIN_FIELD ? 0.25f
             : mode[l] == LIN_CLASS ? 0.35f
                                    : 1.0f;
    return c;
}

/* Whether modes of cost w (modes_cost) with anchors STEEP_P_WIDE apart save enough against those of cost n
 * with STEEP_P. */
static int wide_pays(float w, float n)
{
    return w < WIDE_GAIN * n && w + WIDE_MIN <= n;
}

/* mode[l] (STEEP_*) from the threads' counts of the slabs non-steep facets reach (mesh_pass flat). Where
 * every slab within STEEP_W is upright (slabs_upright) the part is a prism, whose layers repeat and take the
 * sums of the layer two below exactly (run_stages): those are not steep. */
static void steep_modes(const int32_t *flat, unsigned n, size_t nl, const uint8_t *upright, size_t P,
                        uint8_t *mode)
{
    int64_t run = 0;
    for (size_t l = 0; l < nl; l++) { /* mode = 1 where the slab is clear, for now */
        for (unsigned k = 0; k < n; k++)
            run += flat[k * (nl + 1) + l];
        mode[l] = run == 0;
    }
    /* steep: every slab within STEEP_W clear (a window of clear slabs sliding up) */
    size_t clear = 0, prism = 0; /* clear and upright slabs in a row, ending at l + STEEP_W */
    uint8_t *st = mode;
    for (size_t l = 0; l < nl; l++) {
        size_t top = l + STEEP_W;
        clear = top < nl && mode[top] ? clear + 1 : 0;
        prism = top < nl && upright[top] ? prism + 1 : 0;
        st[l] = l >= STEEP_W && clear >= 2 * STEEP_W + 1 && prism < 2 * STEEP_W + 1;
    }
    for (size_t l = 0; l < nl; l++) {
        size_t a = anchor_of(l, P), b = a + P;
        if (!st[l] || a == SIZE_MAX || a == l || l < STEEP_GAP || l + P + STEEP_GAP >= nl) continue;
        int ok = 1;
        for (size_t j = l - STEEP_GAP; j <= l + STEEP_GAP && ok; j++)
            ok = st[j] != STEEP_OFF;
        if (ok && st[a] && st[b]) mode[l] = STEEP_SKIP;
    }
}

static int key_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Whether the n segments of a slice close into loops, by their edge keys (start, end; slice_emit): every mesh
 * edge the slice meets ends one segment and starts one other. tmp: room for 2n keys. A mesh with holes or
 * loose facets leaves open chains, whose raster changes in steps as their ends cross the rows (the fuzz
 * target's hostile meshes: a slice's area jumping between layers with no corner between them). */
static int slice_closed(const uint64_t *keys, size_t n, uint64_t *tmp)
{
    for (size_t i = 0; i < n; i++)
        tmp[i] = keys[2 * i], tmp[n + i] = keys[2 * i + 1];
    qsort(tmp, n, sizeof *tmp, key_cmp);
    qsort(tmp + n, n, sizeof *tmp, key_cmp);
    for (size_t i = 0; i < n; i++)
        if (tmp[i] != tmp[n + i] || (i && tmp[i] == tmp[i - 1])) return 0;
    return 1;
}

/* The linear layers (LIN_*) among those steep_modes left STEEP_OFF: where the slabs within reach hold no
 * vertex of the mesh (on the bed: verts, n of them; every vertex, those of parts not printed only rule out
 * more) and the slices close (slice_closed: the layers between two anchors are cut from the same edges, so
 * the anchors' slices tell), skipped where steep_modes would skip a steep layer, with their layer below
 * LIN_CLASS where that one has sums (STEEP_OFF). A vertex counts in the slabs tilt_mark gives it, a layer
 * more on each side. keys, offs, counts: the raw slices. Errors: NOMEM. */
static pf_err lin_modes(const int32_t *vslab, size_t n, const uint64_t *keys, const uint32_t *offs,
                        const uint32_t *counts, size_t nl, const uint8_t *upright, size_t P, uint8_t *closed,
                        uint8_t *mode)
{
    int32_t *marks = calloc(nl + 1, sizeof *marks);
    uint8_t *lin = malloc(nl);
    if (!marks || !lin) {
        free(marks);
        free(lin);
        return PF_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) { /* tilt_mark's slabs [s0, s1) of the vertex's height */
        int32_t u = vslab[i];
        size_t s0 = u < 1 ? 1 : (size_t)u >= nl ? nl : (size_t)u;
        size_t s1 = u + 3 < 1 ? 1 : (size_t)(u + 3) >= nl ? nl : (size_t)(u + 3);
        marks[s0]++;
        marks[s1]--;
    }
    int64_t run = 0;
    for (size_t l = 0; l < nl; l++) { /* 1 where the slab holds no vertex, for now */
        run += marks[l];
        lin[l] = run == 0;
    }
    free(marks);
    size_t clear = 0, prism = 0; /* clear and upright slabs in a row, ending at l + LIN_W */
    for (size_t l = 0; l < nl; l++) {
        size_t top = l + LIN_W;
        clear = top < nl && lin[top] ? clear + 1 : 0;
        prism = top < nl && upright[top] ? prism + 1 : 0;
        lin[l] = l >= LIN_W && clear >= 2 * LIN_W + 1 && prism < 2 * LIN_W + 1 && mode[l] == STEEP_OFF;
    }
    /* anchors' slices: closed[j] 1 closed, 2 open, 0 not tested yet (the caller's, zero at first: a call
     * with another P reads what an earlier one found). A layer's whole stretch of linear ones (lin, every
     * slab within LIN_W of each free of vertices) is cut from the same edges, so one test answers for all
     * of it: the sorts of slice_closed were 6–7 % of the estimate of a cone or a leaning cylinder, whose
     * anchors it tested one by one. */
    uint64_t *tmp = NULL;
    size_t ntmp = 0;
    pf_err err = PF_E_OK;
    for (size_t l = 0; l < nl && !err; l++) { /* between anchors a and b, every layer from a to b linear */
        size_t a = anchor_of(l, P), b = a + P;
        if (a == SIZE_MAX || a == l || b >= nl) continue;
        int ok = 1;
        for (size_t j = a; j <= b && ok; j++)
            ok = lin[j] != 0;
        for (size_t j = a; j <= b && ok; j += P) {
            if (!closed[j]) {
                if (2 * (size_t)counts[j] > ntmp) {
                    free(tmp);
                    ntmp = 2 * (size_t)counts[j];
                    if (!(tmp = malloc(ntmp * sizeof *tmp))) {
                        err = PF_E_NOMEM;
                        break;
                    }
                }
                closed[j] = slice_closed(keys + 2 * (size_t)offs[j], counts[j], tmp) ? 1 : 2;
                for (size_t k = j; k-- > 0 && lin[k] && !closed[k];)
                    closed[k] = closed[j];
                for (size_t k = j + 1; k < nl && lin[k] && !closed[k]; k++)
                    closed[k] = closed[j];
            }
            ok = closed[j] == 1;
        }
        if (ok && !err) mode[l] = LIN_FIELD;
    }
    free(tmp);
    if (err) {
        free(lin);
        return err;
    }
    for (size_t l = nl - 1; l > 0; l--)
        if (mode[l] == STEEP_OFF && mode[l - 1] == LIN_FIELD) mode[l - 1] = LIN_CLASS;
    free(lin);
    return PF_E_OK;
}

/* The figures steep_apart and steep_bent compare: the layer's area, its wall bands, its fill region and its
 * sparse fill. */
#define STEEP_FIGS 6
static void steep_figures(const layer_stat *s, float f[STEEP_FIGS])
{
    const pf_layer_cells *x = &s->cells;
    f[0] = x->area;
    f[1] = x->wall_area[PF_CELL_WALL_EXT];
    f[2] = x->wall_area[PF_CELL_WALL_INT];
    f[3] = x->wall_thin;
    f[4] = x->fill_area[PF_FILL_NONE];
    f[5] = x->fill_area[PF_FILL_SPARSE];
}

/* Whether layers a and b share their counts: the inner beads' pieces and each fill set's. */
static int steep_counts_differ(const layer_stat *a, const layer_stat *b)
{
    return a->inner_pieces != b->inner_pieces || memcmp(a->pieces, b->pieces, sizeof a->pieces) != 0;
}

/* Whether the sums of layers a and b (anchors P apart, through the stages) differ by more than a line between
 * them follows: some figure by more than STEEP_APART of the larger one beyond STEEP_FLOOR of the layer's
 * area (both times strict: strictness), or a count. A shape that ends or splits between them (a spike's tip:
 * its section shrinks from 0.6 to 0.3 mm across, its walls fill it; islands that part), or thin walls whose
 * bands the cells take by turns. */
#define STEEP_APART 0.05f
#define STEEP_FLOOR 0.01f
static int steep_apart(const layer_stat *a, const layer_stat *b, float strict)
{
    float qa[STEEP_FIGS], qb[STEEP_FIGS];
    steep_figures(a, qa);
    steep_figures(b, qb);
    float floor = STEEP_FLOOR * fmaxf(qa[0], qb[0]);
    for (size_t k = 0; k < STEEP_FIGS; k++)
        if (fabsf(qa[k] - qb[k]) > strict * (STEEP_APART * fmaxf(qa[k], qb[k]) + floor)) return 1;
    return steep_counts_differ(a, b);
}

/* Whether layers s[0], s[1], s[2] (anchors P apart, in height order) have steep_apart's figures off a line:
 * a second difference over STEEP_APART of the largest of its values beyond STEEP_FLOOR of the largest area
 * (both times strict), or counts that differ. A tapering part (a twisted star 8 % smaller in area every 8
 * layers, a duct, a planter's wall) changes by more than steep_apart lets a pair of anchors, but along a
 * line, which the interpolation between them follows. */
static int steep_bent(const layer_stat *const s[3], float strict)
{
    float f[3][STEEP_FIGS];
    for (int i = 0; i < 3; i++)
        steep_figures(s[i], f[i]);
    float area = fmaxf(f[0][0], fmaxf(f[1][0], f[2][0]));
    for (size_t k = 0; k < STEEP_FIGS; k++) {
        float m = fmaxf(fabsf(f[0][k]), fmaxf(fabsf(f[1][k]), fabsf(f[2][k])));
        if (fabsf(f[0][k] - 2 * f[1][k] + f[2][k]) > strict * (STEEP_APART * m + STEEP_FLOOR * area))
            return 1;
    }
    return steep_counts_differ(s[0], s[1]) || steep_counts_differ(s[1], s[2]);
}

/* The share of the steep checks' bounds (steep_apart, steep_bent) that anchors P apart get: the whole for
 * STEEP_P, WIDE_STRICT for STEEP_P_WIDE, whose differences are two and four times those of anchors STEEP_P
 * apart on the same curve, and whose line between anchors errs as much more between them. */
static float strictness(size_t P)
{
    return P == STEEP_P ? 1.0f : WIDE_STRICT;
}

/* Whether layer l has its own sums (went through all the stages). */
static int summed(const uint8_t *mode, size_t l)
{
    return mode[l] == STEEP_OFF || mode[l] == STEEP_ON;
}

/* After the stages: whether some skipped layers lie between anchors a and b = a + P (P = pl[l]: STEEP_P or
 * STEEP_P_WIDE) whose sums are apart (steep_apart) and off a line with the anchor P below a or above b,
 * where that one has sums
 * (steep_bent); if so *redo (allocated; NULL when out of memory) is a mode for run_stages that sends those
 * through the stages (STEEP_ON, classified against themselves as before) and skips every other layer (done
 * already). */
static int steep_check(const layer_stat *layers, size_t nl, const uint8_t *mode, const uint8_t *pl,
                       uint8_t **redo)
{
    *redo = NULL;
    int any = 0;
    for (size_t l = 0; l < nl; l++) {
        if (mode[l] != STEEP_SKIP) continue;
        size_t P = pl[l], a = anchor_of(l, P), b = a + P;
        float k = strictness(P);
        if (!steep_apart(&layers[a], &layers[b], k)) continue;
        const layer_stat *below[3] = {a >= P ? &layers[a - P] : NULL, &layers[a], &layers[b]},
                         *above[3] = {&layers[a], &layers[b], b + P < nl ? &layers[b + P] : NULL};
        if (a >= P && summed(mode, a - P) && !steep_bent(below, k)) continue;
        if (b + P < nl && summed(mode, b + P) && !steep_bent(above, k)) continue;
        if (!any && !(*redo = malloc(nl))) return 1;
        if (!any) memset(*redo, STEEP_SKIP, nl);
        any = 1;
        (*redo)[l] = STEEP_ON;
    }
    return any;
}

/* The figures lin_check compares: the areas of steep_apart and of every fill class, the wall bands over air,
 * each run set's lengths and areas summed over its bins (a moving wall shifts runs between bins). */
#define LIN_FIGS (13 + 2 * PF_RUN_N)
static void lin_figures(const layer_stat *s, float f[LIN_FIGS])
{
    const pf_layer_cells *x = &s->cells;
    steep_figures(s, f);                                    /* (the first four kept) */
    f[4] = s->overhang[0] * x->wall_area[PF_CELL_WALL_EXT]; /* the bands over air */
    f[5] = s->overhang[1] * x->wall_area[PF_CELL_WALL_INT];
    for (int c = 0; c < PF_FILL_N; c++)
        f[6 + c] = x->fill_area[c];
    for (int r = 0; r < PF_RUN_N; r++) {
        float len = 0, area = 0;
        for (int b = 0; b < PF_HIST_BINS; b++)
            len += x->runs[r][b], area += x->run_area[r][b];
        f[13 + 2 * r] = len;
        f[14 + 2 * r] = area;
    }
}

/* Whether layers s[0 … n − 1] (n = 3 or 4), anchors P apart, have figures off a line (n = 3) or off a
 * parabola (n = 4): some figure's second or third difference over STEEP_APART of the largest of its values
 * beyond LIN_FLOOR of the layers' largest area (a parabola's interpolation between two of
 * three layers errs by an eighth of the second difference), or inner-bead pieces that differ in number (a
 * wall that parts). LIN_FLOOR is 3 % where steep_apart takes STEEP_FLOOR's 1 %, and the fill pieces
 * (layer_stat.pieces, which steep_fill interpolates) are not compared: a cone's or a pyramid's layers have
 * specks of solid infill of 0.2–7 mm² in 600 (a rounding of the raster's) that come and go from one anchor to
 * the next, and sent nearly every linear layer of such a part through the stages a second time (a 45° cone:
 * 57 of its 63), doubling its estimate. Against 1 % and the pieces compared, over both reference sets: 153 of
 * 1770 rows moved, by 0.04 points in the median and 0.6 at most, 1 farther than half a point from PrusaSlicer
 * and 1 nearer; the 45° cones' estimates 45–50 → 23–25 ms, the 111 held-out meshes under 100× 7–9 % faster in
 * all. */
#define LIN_FLOOR 0.03f
/* The raster's noise, beyond LIN_FLOOR: LIN_NOISE of the largest external band's area of the layers compared
 * (the band is w_ext wide along the contour: LIN_NOISE 0.5 allows about a cell's width of area along it, what
 * a figure gains or loses as the contour crosses cell centres from one anchor to the next). Thin-walled parts
 * have areas of that order: a hollow pyramid of 1.6 mm walls (held out) read a slice area of 442, 428, 444
 * and 394 mm² at four anchors 8 layers apart (its third difference over the bound) and sent 139 of its 225
 * layers through the stages a second time. Over both reference sets: 142 of 3540 figures moved (15 meshes:
 * runs no longer redone, or interpolated on a parabola where a line was taken), one by more than half a
 * point (that pyramid's time at 0 %, −0.29 → −0.87 %); no median or worst moved. On the 17 held-out meshes
 * that redid layers, −11 % in the geometric mean (the pyramid −40 %, a tilted plate −35 %, a shed −22 %, a
 * phone stand −16 %; 0.4 left a phone stand and a hook 12 layers each to redo, 0.3 24 and 36). */
#define LIN_NOISE 0.5f
static int lin_bent(const layer_stat *const *s, int n)
{
    static const float w[2][4] = {{1, -2, 1, 0}, {1, -3, 3, -1}};
    float f[4][LIN_FIGS];
    for (int i = 0; i < n; i++)
        lin_figures(s[i], f[i]);
    float area = 0, band = 0;
    for (int i = 0; i < n; i++) {
        area = fmaxf(area, f[i][0]);
        band = fmaxf(band, s[i]->cells.wall_area[PF_CELL_WALL_EXT]);
    }
    for (int k = 0; k < LIN_FIGS; k++) {
        float m = 0, d = 0;
        for (int i = 0; i < n; i++) {
            m = fmaxf(m, fabsf(f[i][k]));
            d += w[n - 3][i] * f[i][k];
        }
        if (fabsf(d) > STEEP_APART * m + LIN_FLOOR * area + LIN_NOISE * band) return 1;
    }
    for (int i = 1; i < n; i++)
        if (s[i]->inner_pieces != s[0]->inner_pieces) return 1;
    return 0;
}

/* Whether a layer of mode m is a linear one, its sums interpolated (lin_check, steep_fill). */
static int linear(uint8_t m)
{
    return m == LIN_FIELD || m == LIN_CLASS || m == LIN_RAW || m == LIN_SKIP;
}

/* What layer l through the stages (STEEP_OFF) needs of its neighbours, into m: each one's mode raised (SKIP <
 * RAW < FIELD < CLASS < OFF): fields up to 3 layers away and the margins up to 2 (classify and the shells),
 * up (dn) more above (below) with more top (bottom) solid layers (wide_shells), the classes below (bridges),
 * whose own margins and fields reach one layer further down. */
static void needs_of(size_t nl, size_t l, unsigned up, unsigned dn, uint8_t *m)
{
    static const uint8_t rank[] = {[STEEP_SKIP] = 0, [LIN_SKIP] = 0,  [LIN_RAW] = 1, [LIN_FIELD] = 2,
                                   [LIN_CLASS] = 3,  [STEEP_OFF] = 4, [STEEP_ON] = 4};
    long lo = (long)l - (long)dn, hi = (long)l + (long)up;
    for (long j = lo - 4; j <= hi + 3; j++) {
        if (j < 0 || (size_t)j >= nl) continue;
        uint8_t want = j == (long)l - 1 ? LIN_CLASS : j >= lo - 3 && j <= hi + 2 ? LIN_FIELD : LIN_RAW;
        if (rank[want] > rank[m[j]]) m[j] = want;
    }
}

/* What the layers redo marks STEEP_OFF that have no sums of their own need in the pass of run_stages that
 * takes them (lin_check, wide_split), into redo (needs_of). */
static void lin_needs(size_t nl, const uint8_t *mode, unsigned up, unsigned dn, uint8_t *redo)
{
    for (size_t l = 0; l < nl; l++)
        if (redo[l] == STEEP_OFF && !summed(mode, l)) needs_of(nl, l, up, dn, redo);
}

/* The linear layers of the first pass (LIN_FIELD) that no layer through the stages reads (needs_of of each
 * STEEP_OFF one) become LIN_SKIP, not rastered at all, and those whose field alone is read LIN_RAW, with no
 * margins. A run's pair of anchors reads the fields of the 5 layers below it and the 3 above, so in runs of
 * STEEP_P_WIDE 7 layers of each 16 are read by none and 2 for their fields alone; in runs of STEEP_P every
 * layer is read, 1 of each 8 for its field alone. What no layer reads changes no figure: the cache is the
 * same bit for bit (PF_EST_NO_TRIM keeps them all). Callgrind, one thread: a 50 mm pyramid −22 % of the
 * estimate's instructions, a 15° tent −3.8 %. Errors: NOMEM. */
static pf_err lin_trim(size_t nl, unsigned up, unsigned dn, uint8_t *mode)
{
    uint8_t *want = malloc(nl);
    if (!want) return PF_E_NOMEM;
    memset(want, STEEP_SKIP, nl);
    for (size_t l = 0; l < nl; l++)
        if (mode[l] == STEEP_OFF) needs_of(nl, l, up, dn, want);
    for (size_t l = 0; l < nl; l++)
        if (mode[l] == LIN_FIELD)
            mode[l] = want[l] == STEEP_SKIP ? LIN_SKIP : want[l] == LIN_RAW ? LIN_RAW : LIN_FIELD;
    free(want);
    return PF_E_OK;
}

/* After the stages: the linear layers (LIN_FIELD / LIN_CLASS) whose anchors (the layers of their parity
 * P = pl[l] apart that went through the stages) lie on a parabola with the anchors P below and above
 * them, or on a line with one of them, or on a parabola with the two below or the two above (lin_bent;
 * side[l]: the parabola through the one below, 1, or above, 2) are interpolated. The last: a run's end pair,
 * whose neighbour beyond is no linear layer or none (a pyramid's first layer, its apex), and whose areas are
 * quadratic in the height, not on a line (a 70 mm pyramid 9.4 mm high: 12 of its 47 layers interpolated, 24
 * with it, its estimate 35 % faster; over both reference sets 70 of 3540 figures moved, by 0.09 points at
 * most); the others go through the stages again, marked
 * STEEP_OFF in redo (a mode for a second pass of run_stages, which the caller has filled with STEEP_SKIP or
 * what steep_check put there), with their neighbours' fields (LIN_RAW), margins (LIN_FIELD) and the classes
 * of the layer below (LIN_CLASS) as the first pass made them. 1 when some layer goes through again. */
static int lin_check(const layer_stat *layers, size_t nl, const uint8_t *mode, const uint8_t *pl,
                     const unsigned reach[2], uint8_t *redo, uint8_t *side)
{
    int any = 0;
    /* per parity, the last anchor and spacing tested and its answer: the layers of a run share them
     * (lin_bent's figures were a percent of overhang's estimate, made for each of the run's layers) */
    size_t last_a[2] = {SIZE_MAX, SIZE_MAX}, last_p[2] = {0, 0};
    uint8_t last_side[2] = {0, 0};
    for (size_t l = 0; l < nl; l++) {
        if (!linear(mode[l])) continue;
        size_t P = pl[l], a = anchor_of(l, P), b = a + P;
        if (a != last_a[l & 1] || P != last_p[l & 1]) {
            int below = a >= P && summed(mode, a - P), above = b + P < nl && summed(mode, b + P);
            int below2 = below && a >= 2 * P && summed(mode, a - 2 * P),
                above2 = above && b + 2 * P < nl && summed(mode, b + 2 * P);
            const layer_stat *s[4] = {below ? &layers[a - P] : NULL, &layers[a], &layers[b],
                                      above ? &layers[b + P] : NULL};
            const layer_stat *s2[4] = {below2 ? &layers[a - 2 * P] : NULL, s[0], s[1], s[2]},
                             *s3[4] = {s[1], s[2], s[3], above2 ? &layers[b + 2 * P] : NULL};
            /* a parabola through four, else a line through three (below first), else, at either end of a
             * run of linear layers (the pair beyond it not linear, or no layer there: a pyramid's apex, its
             * first layer), a parabola through four on the other side, the third of which it goes through */
            last_side[l & 1] = below && above && !lin_bent(s, 4) ? 1
                               : below && !lin_bent(s, 3)        ? 1
                               : above && !lin_bent(s + 1, 3)    ? 2
                               : below2 && !lin_bent(s2, 4)      ? 1
                               : above2 && !lin_bent(s3, 4)      ? 2
                                                                 : 0;
            last_a[l & 1] = a, last_p[l & 1] = P;
        }
        side[l] = last_side[l & 1];
        if (side[l]) continue;
        any = 1;
        redo[l] = STEEP_OFF;
    }
    if (any) lin_needs(nl, mode, reach[0], reach[1], redo);
    return any;
}

static float lerpf(float a, float b, float t)
{
    return a + t * (b - a);
}

/* Value at t of the line through (0, a) and (1, b) (c NULL), or of the parabola through those and (−1, c)
 * (below) or (2, c) (not below). */
static float interp(float a, float b, const float *c, int below, float t)
{
    if (!c) return lerpf(a, b, t);
    float d2 = below ? b - 2 * a + *c : a - 2 * b + *c; /* the second difference */
    float d1 = below ? 0.5f * (b - *c) : 0.5f * (-3 * a + 4 * b - *c);
    return a + t * d1 + 0.5f * t * t * d2;
}

/* After a pass of checks (steep_check, lin_check) whose redo sends layers of runs taken STEEP_P_WIDE at a
 * time (pl) through the stages: those runs are split, each in two of STEEP_P (pl), and redo sends their
 * middle anchors through the stages instead (STEEP_ON in a steep run, STEEP_OFF with what its neighbours must
 * give in a linear one: lin_needs), so that the next checks take the halves. Layers of runs of STEEP_P it
 * leaves marked. Returns 1 when it split a run (redo then marks some layer), else 0 (redo as it was). */
static int wide_split(size_t nl, const uint8_t *mode, uint8_t *pl, const unsigned reach[2], uint8_t *redo)
{
    uint8_t *mid = calloc(2 * nl, 1), *moved = mid + nl; /* per layer: its mode as a middle anchor; split */
    if (!mid) return 0; /* (out of memory: the layers go through the stages as redo marks them) */
    int split = 0;
    for (size_t l = 0; l < nl; l++) {
        if (summed(mode, l) || pl[l] != STEEP_P_WIDE || (redo[l] != STEEP_ON && redo[l] != STEEP_OFF))
            continue;
        mid[anchor_of(l, STEEP_P_WIDE) + STEEP_P] = mode[l] == STEEP_SKIP ? STEEP_ON : STEEP_OFF;
        split = 1;
    }
    for (size_t l = 0; split && l < nl; l++) /* the split runs' layers take their halves' anchors */
        if (!summed(mode, l) && pl[l] == STEEP_P_WIDE && mid[anchor_of(l, STEEP_P_WIDE) + STEEP_P])
            pl[l] = STEEP_P, moved[l] = 1;
    for (size_t l = 0; split && l < nl; l++) {
        /* a middle anchor goes through; the split runs' other layers wait for the next checks; a layer of a
         * run of STEEP_P keeps its mark, what lin_needs added is made again below */
        if (mid[l])
            redo[l] = mid[l];
        else if (moved[l] || (redo[l] != STEEP_ON && redo[l] != STEEP_OFF))
            redo[l] = STEEP_SKIP;
    }
    if (split) lin_needs(nl, mode, reach[0], reach[1], redo);
    free(mid);
    return split;
}

/* The sums of the skipped layers: between those of the layers of their parity pl[l] apart that went through
 * the stages, linearly for the steep ones (counts rounded); for the linear ones (LIN_FIELD, LIN_CLASS) on the
 * parabola through those and the third layer lin_check took (side[l]: 1 the one below, 2 above; its figures
 * are areas of polygons whose corners move along lines, quadratic in the height: a shrinking frustum's fill
 * lies over its chords by a few per cent), not below 0, with their counts (equal in all three). */
static size_t steep_fill(layer_stat *layers, size_t nl, const uint8_t *mode, const uint8_t *pl,
                         const uint8_t *side)
{
    size_t n = 0;
    for (size_t l = 0; l < nl; l++) {
        if (mode[l] != STEEP_SKIP && !linear(mode[l])) continue;
        n++;
        int lin = mode[l] != STEEP_SKIP, below = lin && side[l] == 1;
        size_t P = pl[l], a = anchor_of(l, P);
        const layer_stat *A = &layers[a], *B = &layers[a + P], *C = NULL;
        if (lin) C = below ? &layers[a - P] : &layers[a + 2 * P];
        layer_stat *o = &layers[l];
        float t = (float)(l - a) / (float)P;
        const float *fa = (const float *)(const void *)&A->cells,
                    *fb = (const float *)(const void *)&B->cells,
                    *fc = C ? (const float *)(const void *)&C->cells : NULL;
        float *fo = (float *)(void *)&o->cells;
        for (size_t k = 0; k < sizeof o->cells / sizeof(float); k++) /* pf_layer_cells: floats only */
            fo[k] = fmaxf(0.0f, interp(fa[k], fb[k], fc ? fc + k : NULL, below, t));
        for (int r = 0; r < PF_RUN_N; r++)
            o->pieces[r] = (uint16_t)lrintf(lerpf(A->pieces[r], B->pieces[r], t));
        for (int q = 0; q < 2; q++)
            for (int k = 0; k < PF_BRANCH_BINS; k++) {
                o->br.n[q][k] =
                    fmaxf(0.0f, interp(A->br.n[q][k], B->br.n[q][k], C ? &C->br.n[q][k] : NULL, below, t));
                o->br.e[q][k] =
                    fmaxf(0.0f, interp(A->br.e[q][k], B->br.e[q][k], C ? &C->br.e[q][k] : NULL, below, t));
            }
        o->inner_pieces = (uint32_t)lrintf(lerpf((float)A->inner_pieces, (float)B->inner_pieces, t));
        for (int k = 0; k < 2; k++) /* steep: none */
            o->overhang[k] =
                lin ? fminf(1.0f,
                            fmaxf(0.0f, interp(A->overhang[k], B->overhang[k], &C->overhang[k], below, t)))
                    : 0.0f;
    }
    return n;
}

static void mesh_pass_work(void *arg, unsigned tid)
{
    mesh_pass *j = arg;
    for (size_t k; (k = atomic_fetch_add(&j->next, 1)) < j->npieces;)
        mesh_piece(j, k, tid);
}

/* The vertices' copy on the bed (z from the part's lowest point) and their slabs (vertex_slab), in pieces of
 * MESH_PIECE vertices taken by the team's threads (a 1 M-triangle mesh's 500 k took 3 ms on one thread). */
typedef struct vert_pass {
    const float *in;     /* the mesh's vertices */
    float *out;          /* their copy on the bed */
    int32_t *slab;       /* per vertex: vertex_slab of its copy's z */
    size_t n;            /* vertices */
    double z0;           /* the part's lowest z */
    const pf_profile *p; /* layer heights */
    atomic_size_t next;  /* next piece to take */
} vert_pass;

static void vert_pass_work(void *arg, unsigned tid)
{
    (void)tid;
    vert_pass *j = arg;
    for (size_t k; (k = atomic_fetch_add(&j->next, 1)) * MESH_PIECE < j->n;) {
        size_t i1 = (k + 1) * MESH_PIECE < j->n ? (k + 1) * MESH_PIECE : j->n;
        for (size_t i = k * MESH_PIECE; i < i1; i++) {
            j->out[3 * i] = j->in[3 * i];
            j->out[3 * i + 1] = j->in[3 * i + 1];
            j->out[3 * i + 2] = (float)(j->in[3 * i + 2] - j->z0);
            j->slab[i] = vertex_slab(j->out[3 * i + 2], j->p);
        }
    }
}

/* Runs pass j on the team (one item: on the caller alone). */
static void mesh_pass_run(mesh_pass *j, team *t)
{
    atomic_init(&j->next, 0);
    if (j->npieces > 1)
        team_run(t, mesh_pass_work, j);
    else
        mesh_pass_work(j, 0);
}

static pf_err build_records(pf_estimate_cache *c, team *t);

pf_err pf_estimate_prepare(const pf_mesh *mesh, const pf_profile *p, const pf_backend *be,
                           pf_estimate_cache **out, pf_errbuf *eb)
{
    return pf_estimate_prepare_threads(mesh, p, be, 0, out, eb);
}

pf_err pf_estimate_prepare_threads(const pf_mesh *mesh, const pf_profile *p, const pf_backend *be,
                                   int threads, pf_estimate_cache **out, pf_errbuf *eb)
{
    return pf_estimate_prepare_opts(mesh, p, be, threads, 0, out, eb);
}

pf_err pf_estimate_prepare_opts(const pf_mesh *mesh, const pf_profile *p, const pf_backend *be, int threads,
                                unsigned flags, pf_estimate_cache **out, pf_errbuf *eb)
{
    if (threads <= 0) { /* the backend's hint, and a second thread only when a core is idle now */
        threads = be->threads > 1 ? (int)be->threads : 1;
        if (threads > 1 && pf_sched_threads(0) < 2) threads = 1;
    }
    team t; /* started below, after the cheap checks */
    team_start starts[TEAM_MAX];
    int team_up = 0;
    mesh_pass mp = {0};
    sliver_src slivers = {0};
    pf_err err;
    if ((err = pf_profile_validate(p, eb))) return err;
    pf_estimate_cache *c = NULL;
    uint32_t *tris = NULL, *counts = NULL, *offs = NULL, *soffs = NULL; /* soffs: the outlines' (below) */
    float *zs = NULL, *segs = NULL, *verts = NULL;
    uint64_t *keys = NULL;
    /* the slices as slice_emit wrote them, once segs, keys and counts are their simplified copies */
    float *rsegs = NULL;
    uint64_t *rkeys = NULL;
    uint32_t *rcounts = NULL;
    uint8_t *upright = NULL, *mode = NULL, *unioned = NULL; /* unioned: layers of overlapping shells */
    pf_outline_index *uix = NULL;                           /* per layer, for under_material */
    long *boxes = NULL;                                     /* per layer: pf_segs_box of its segments */
    int32_t *vslab = NULL;                                  /* per vertex: vertex_slab */
    size_t ntris = 0, ntris_len = 0, verts_len = 0, segs_len = 0, slen = 0; /* bytes of the big arrays */

    /* Printed triangles only, dropped onto the bed (z from 0). */
    /* The big arrays come from pf_big_alloc: its mappings stay warm from one estimate to the next. When every
     * part is printed, in order, the printed triangles are the mesh's own (no copy: 12 MB of a 1 M-triangle
     * mesh; ntris_len stays 0, nothing to free). */
    int whole = 1;
    for (size_t k = 0, at = 0; k < mesh->nparts; at += mesh->parts[k++].tri_count)
        whole &= mesh->parts[k].printed && mesh->parts[k].first_tri == at;
    verts_len = (mesh->nverts ? mesh->nverts : 1) * 3 * sizeof *verts;
    verts = pf_big_alloc(verts_len);
    if (!verts) goto nomem;
    if (whole && mesh->nparts) {
        tris = mesh->tris;
        for (size_t k = 0; k < mesh->nparts; k++)
            ntris += mesh->parts[k].tri_count;
    } else {
        ntris_len = (mesh->ntris ? mesh->ntris : 1) * 3 * sizeof *tris;
        if (!(tris = pf_big_alloc(ntris_len))) goto nomem;
        for (size_t k = 0; k < mesh->nparts; k++) {
            const pf_part *pt = &mesh->parts[k];
            if (!pt->printed) continue;
            memcpy(tris + 3 * ntris, mesh->tris + 3 * (size_t)pt->first_tri,
                   3 * (size_t)pt->tri_count * sizeof *tris);
            ntris += pt->tri_count;
        }
    }
    if (!ntris) {
        err = pf_errf(eb, PF_E_EMPTY_MESH, "no printed triangles");
        goto fail;
    }
    /* A team of two uses the kept helper thread (see team). Large grids used to start a worker of their own,
     * since a step could outlast the helper's spin; since each thread keeps its end of a phase's layers, the
     * helper was the faster choice there too (plate150, 543 k cells a layer: 2.9 → 2.3 ms, torus, 100 k:
     * 12.1 → 11.5 ms; five interleaved rounds). */
    team_init(&t, (unsigned)threads, starts);
    team_up = 1;
    mp.verts = mesh->verts;
    mp.tris = tris;
    mp.ntris = ntris;
    mp.npieces = (ntris + MESH_PIECE - 1) / MESH_PIECE;
    mp.gs = malloc(mp.npieces * sizeof *mp.gs);
    mp.oh = malloc(mp.npieces * sizeof *mp.oh);
    if (!mp.gs || !mp.oh) goto nomem;
    mesh_pass_run(&mp, &t);
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    pf_geo_sums gs = {0};
    for (size_t k = 0; k < mp.npieces; k++) {
        for (int a = 0; a < 3; a++) {
            if (mp.gs[k].lo[a] < lo[a]) lo[a] = mp.gs[k].lo[a];
            if (mp.gs[k].hi[a] > hi[a]) hi[a] = mp.gs[k].hi[a];
        }
        gs.vol6 += mp.gs[k].vol6;
        gs.area2 += mp.gs[k].area2;
    }
    /* Facets wound inward (a negative volume: the normals point in) are turned round, as PrusaSlicer's mesh
     * repair does: the slices' segments then keep the inside on their left, which the facets' slopes
     * (engine/shell_slopes.h) and the overhangs read (an inverted 50 mm pyramid: its slopes read upside down,
     * its vertical shells with 5 top layers half PrusaSlicer's). */
    if (gs.vol6 < 0) {
        if (!ntris_len) { /* the mesh's own: a copy */
            ntris_len = ntris * 3 * sizeof *tris;
            uint32_t *own = pf_big_alloc(ntris_len);
            if (!own) {
                ntris_len = 0;
                goto nomem;
            }
            memcpy(own, tris, ntris_len);
            tris = own;
        }
        for (size_t i = 0; i < ntris; i++) {
            uint32_t b = tris[3 * i + 1];
            tris[3 * i + 1] = tris[3 * i + 2];
            tris[3 * i + 2] = b;
        }
        mp.tris = tris;
        gs.vol6 = -gs.vol6;
    }
    if (!(vslab = malloc((mesh->nverts ? mesh->nverts : 1) * sizeof *vslab))) goto nomem;
    vert_pass vp = {.in = mesh->verts, .out = verts, .slab = vslab, .n = mesh->nverts, .z0 = lo[2], .p = p};
    atomic_init(&vp.next, 0);
    if (mesh->nverts > MESH_PIECE)
        team_run(&t, vert_pass_work, &vp);
    else
        vert_pass_work(&vp, 0);
    double H = hi[2] - lo[2];
    /* Layers: first 0..first_layer_height, then layer_height each; one exists while its mid-plane < H. */
    size_t nl = 0;
    double h0 = p->first_layer_height, h = p->layer_height;
    if (H > h0 / 2) nl = 1 + (H > h0 + h / 2 ? (size_t)ceil((H - h0 - h / 2) / h - 1e-9) : 0);
    if (!nl) {
        err = pf_errf(eb, PF_E_EMPTY_MESH, "part is %.3f mm high, less than half a first layer", H);
        goto fail;
    }
    if (nl > MAX_LAYERS) {
        err = pf_errf(eb, PF_E_TOO_LARGE, "%zu layers (limit %d)", nl, MAX_LAYERS);
        goto fail;
    }
    zs = malloc(nl * sizeof *zs);
    counts = malloc(nl * sizeof *counts);
    offs = malloc((nl + 1) * sizeof *offs);
    c = calloc(1, sizeof *c);
    if (!zs || !counts || !offs || !c) goto nomem;
    c->layers = calloc(nl, sizeof *c->layers);
    if (!c->layers) goto nomem;
    c->p = *p;
    c->nlayers = nl;
    for (size_t l = 0; l < nl; l++) {
        zs[l] = (float)((l == 0 ? h0 / 2 : h0 + (l - 1) * h + h / 2) - SLICE_BELOW);
        c->layers[l].h = (float)(l == 0 ? h0 : h);
    }

    /* Grid: bounded per layer and in total, never finer than CELL_MIN_W·w_ext. */
    double W = hi[0] - lo[0], D = hi[1] - lo[1];
    double T = gs.area2 > 0 ? 2 * (fabs(gs.vol6) / 6) / (gs.area2 / 2) : 0; /* mean thickness, mm */
    double budget = CELL_BUDGET * (T > THIN_T ? fmax(THICK_BUDGET_MIN, THIN_T / T) : 1.0);
    double cell =
        fmin((T >= THICK_T ? CELL_ACC_W_THICK : CELL_ACC_W) * p->w_ext, sqrt(W * D * (double)nl / budget));
    cell = fmax(cell, sqrt(W * D * (double)nl / CELL_BUDGET_MAX));
    cell = fmax(cell, CELL_MIN_W * p->w_ext);
    double layer_cells = (double)(nl <= FLAT_CELL_LAYERS ? FLAT_CELLS_PER_LAYER : MAX_CELLS_PER_LAYER);
    cell = fmax(cell, sqrt(W * D / layer_cells));
    for (;;) { /* padding can push a thin part over the cap; grow until it fits */
        double nxd = ceil(W / cell) + 6, nyd = ceil(D / cell) + 6;
        if (nxd * nyd <= layer_cells * 1.1) break;
        cell *= 1.05;
    }
    pf_grid g = {.cell = (float)cell};
    g.nx = (uint32_t)(ceil(W / cell) + 6);
    g.ny = (uint32_t)(ceil(D / cell) + 6);
    g.x0 = (float)(lo[0] - (3 - GRID_SHIFT) * cell);
    g.y0 = (float)(lo[1] - (3 - GRID_SHIFT) * cell);
    /* Stages 1–2: slice. */
    slice_job sj = {.be = be, .verts = verts, .tris = tris, .ntris = ntris, .zs = zs, .counts = counts};
    if ((err = slice_on(&t, &sj, nl, 0))) {
        slice_job_free(&sj);
        goto fail;
    }
    offs[0] = 0;
    for (size_t l = 0; l < nl; l++) {
        if ((uint64_t)offs[l] + counts[l] > UINT32_MAX) {
            slice_job_free(&sj);
            err = pf_errf(eb, PF_E_TOO_LARGE, "more than 4 G slice segments");
            goto fail;
        }
        offs[l + 1] = offs[l] + counts[l];
    }
    size_t nseg = offs[nl];
    /* keys first (8-byte aligned), then segs, in one buffer: together they reach pf_big_alloc's size more
     * often than apart, so small meshes get warm pages too */
    segs_len = (nseg ? nseg : 1) * (2 * sizeof *keys + PF_SEG_FLOATS * sizeof *segs);
    keys = pf_big_alloc(segs_len);
    if (!keys) {
        slice_job_free(&sj);
        goto nomem;
    }
    slen = segs_len;
    segs = (float *)(keys + 2 * (nseg ? nseg : 1));
    sj.offs = offs;
    sj.segs = segs;
    sj.keys = keys;
    err = slice_on(&t, &sj, nl, 1);
    slice_job_free(&sj);
    if (err) goto fail;
    {
        if (!(boxes = malloc(nl * 4 * sizeof *boxes))) goto nomem;
        simplify_job sim = {
            .segs = segs, .keys = keys, .offs = offs, .counts = counts, .nl = nl, .g = &g, .boxes = boxes};
        uint64_t *sk = pf_big_alloc(segs_len);
        uint32_t *sc = malloc(nl * sizeof *sc);
        if (!sk || !sc) {
            pf_big_free(sk, segs_len);
            free(sc);
            goto nomem;
        }
        sim.out_keys = sk;
        sim.out_segs = (float *)(sk + 2 * (nseg ? nseg : 1));
        sim.out_counts = sc;
        atomic_init(&sim.next, 0);
        atomic_init(&sim.err, 0);
        atomic_init(&sim.unions, 0);
        sim.u_segs = calloc(nl, sizeof *sim.u_segs);
        sim.u_keys = calloc(nl, sizeof *sim.u_keys);
        if (!sim.u_segs || !sim.u_keys)
            atomic_store(&sim.err, PF_E_NOMEM);
        else if (nl > SIMPLIFY_RUN)
            team_run(&t, simplify_work, &sim);
        else
            simplify_work(&sim, 0);
        for (unsigned k = 0; k < TEAM_MAX; k++)
            pf_scratch_free(&sim.sc[k]);
        rsegs = segs, rkeys = keys, rcounts = counts;
        segs = sim.out_segs, keys = sk, counts = sc;
        /* layers of overlapping shells have their outlines now, which may have more segments than the
         * layer's slice: every layer's at offsets of their own */
        if (!atomic_load(&sim.err) && atomic_load(&sim.unions) && !(soffs = malloc((nl + 1) * sizeof *soffs)))
            atomic_store(&sim.err, PF_E_NOMEM);
        if (soffs) {
            size_t ns = 0;
            for (size_t l = 0; l < nl; l++) {
                soffs[l] = (uint32_t)ns;
                ns += counts[l];
            }
            soffs[nl] = (uint32_t)ns;
            size_t len = (ns ? ns : 1) * (2 * sizeof *keys + PF_SEG_FLOATS * sizeof *segs);
            uint64_t *uk = ns <= UINT32_MAX ? pf_big_alloc(len) : NULL;
            if (!uk) {
                atomic_store(&sim.err, PF_E_NOMEM);
            } else {
                float *us = (float *)(uk + 2 * (ns ? ns : 1));
                for (size_t l = 0; l < nl; l++) {
                    const float *fs = sim.u_segs[l] ? sim.u_segs[l] : segs + (size_t)PF_SEG_FLOATS * offs[l];
                    const uint64_t *fk = sim.u_keys[l] ? sim.u_keys[l] : keys + 2 * (size_t)offs[l];
                    memcpy(us + (size_t)PF_SEG_FLOATS * soffs[l], fs,
                           (size_t)counts[l] * PF_SEG_FLOATS * sizeof *us);
                    memcpy(uk + 2 * (size_t)soffs[l], fk, (size_t)counts[l] * 2 * sizeof *uk);
                }
                pf_big_free(keys, slen);
                keys = uk, segs = us, slen = len;
            }
        }
        if (soffs && !atomic_load(&sim.err) && (unioned = malloc(nl)))
            for (size_t l = 0; l < nl; l++)
                unioned[l] = sim.u_segs[l] != NULL;
        if (soffs && !unioned) atomic_store(&sim.err, PF_E_NOMEM);
        for (size_t l = 0; sim.u_segs && l < nl; l++)
            free(sim.u_segs[l]), free(sim.u_keys[l]);
        free(sim.u_segs);
        free(sim.u_keys);
        if (atomic_load(&sim.err)) goto nomem;
    }
    if (!soffs) soffs = offs;
    c->cell = cell;
    {
        double cx = (lo[0] + hi[0]) / 2, cy = (lo[1] + hi[1]) / 2;
        c->uc[0] = (cx - cy) * M_SQRT1_2;
        c->uc[1] = (cx + cy) * M_SQRT1_2;
    }
    pf_classify_params cp = classify_params(p);
    c->threads = t.n;
    int top_layers, bottom_layers;
    pf_profile_solid_layers(p, &top_layers, &bottom_layers);
    /* the solid layers beyond classify's 3 that wide_shells reads: top above, bottom below */
    unsigned reach[2] = {top_layers > 3 ? (unsigned)top_layers - 3 : 0,
                         bottom_layers > 3 ? (unsigned)bottom_layers - 3 : 0};
    for (int k = 0; k < 2; k++)
        if (reach[k] > WIDE_MAX) reach[k] = WIDE_MAX;
    overhang_probe op = overhang_probe_of(p, &cp);
    pf_slope_src slopes = {rsegs, rkeys, offs, rcounts, boxes, nl, verts, (float)p->layer_height};
    /* Top / bottom surfaces narrower than a cell: the facets receding by fill_lo … fill_lo + cell a layer,
     * whose strips margin_slivers seeds. Not at 0 % infill, where PrusaSlicer grows such a strip only over
     * what the layer below covers (about 0.15 mm), and prints no top infill in strips narrower than a top
     * line: there the facets receding by fill_lo … fill_lo + a top line's spacing mark the top pieces that
     * narrow_tops makes solid (seeding them made the band within shell_min_width of each strip top infill:
     * an 80 mm cone of 15° +3.6 → +17.5 % in time). */
    slivers.width = p->infill_density > 0 ? (float)cell : (float)spacing(p->w_top, p->layer_height);
    slivers.verts = verts;
    slivers.tris = tris;
    slivers.zs = zs;
    /* Overhangs (mesh_piece), on the copy dropped onto the bed, the upright slabs and the slivers' facets. */
    mp.zs = zs;
    mp.sh = (float)p->layer_height;
    mp.slo = cp.fill_lo;
    mp.shi = cp.fill_lo + slivers.width;
    if (!(mp.shits = malloc(ntris * sizeof *mp.shits)) ||
        !(mp.snhits = malloc(mp.npieces * sizeof *mp.snhits)))
        goto nomem;
    mp.verts = verts;
    mp.overhangs = 1;
    if (unioned) { /* the outlines under_material reads */
        if (!(uix = calloc(nl, sizeof *uix))) goto nomem;
        for (size_t l = 0; l < nl; l++)
            if ((unioned[l] || (l + 1 < nl && unioned[l + 1])) &&
                pf_outline_index_make(&uix[l], segs + (size_t)PF_SEG_FLOATS * soffs[l], counts[l]))
                goto nomem;
    }
    mp.unioned = unioned;
    mp.uix = uix;
    mp.cth = cos(p->support_threshold * M_PI / 180);
    mp.h0 = h0;
    mp.nl = nl;
    mp.zb = h0 - h / 2 - SLICE_BELOW;
    mp.h = h;
    mp.vslab = vslab;
    if (!(mp.tilt = calloc((size_t)t.n * (nl + 1), sizeof *mp.tilt)) || !(upright = malloc(nl))) goto nomem;
    if (!(flags & PF_EST_NO_SKIP) &&
        (!(mp.flat = calloc((size_t)t.n * (nl + 1), sizeof *mp.flat)) || !(mode = malloc(nl))))
        goto nomem;
    mesh_pass_run(&mp, &t);
    {
        const uint32_t **parts = malloc(mp.npieces * sizeof *parts);
        if (!parts) goto nomem;
        for (size_t k = 0; k < mp.npieces; k++)
            parts[k] = mp.shits + k * MESH_PIECE;
        err = pf_slivers_build(verts, tris, zs, nl, parts, mp.snhits, mp.npieces, &slivers.s);
        free(parts);
        if (err) goto nomem;
    }
    for (size_t k = 0; k < mp.npieces; k++)
        c->overhang_area += mp.oh[k];
    if (p->supports) {
        pf_support_src ss = {.verts = verts,
                             .tris = tris,
                             .ntris = ntris,
                             .segs = segs,
                             .offs = soffs,
                             .counts = counts,
                             .nl = nl,
                             .h0 = h0,
                             .h = h,
                             .lo = {lo[0], lo[1]},
                             .hi = {hi[0], hi[1]}};
        pf_support_params sp = support_params(p);
        if ((err = pf_supports_make(&ss, &sp, &c->sup))) {
            if (err == PF_E_NOMEM) goto nomem;
            err = pf_errf(eb, err, "estimator: supports: %s", pf_err_message(err));
            goto fail;
        }
    }
    slabs_upright(mp.tilt, t.n, nl, upright);
    size_t psteep = STEEP_P, plin = STEEP_P; /* (STEEP_P_WIDE) */
    if (mode) {
        uint8_t *wide = calloc(2, nl), *closed = wide + nl; /* (lin_modes's, zero) */
        if (!wide) goto nomem;
        steep_modes(mp.flat, t.n, nl, upright, STEEP_P_WIDE, wide);
        steep_modes(mp.flat, t.n, nl, upright, STEEP_P, mode);
        if (wide_pays(modes_cost(wide, nl), modes_cost(mode, nl))) {
            memcpy(mode, wide, nl);
            psteep = STEEP_P_WIDE;
        }
        const uint64_t *lk = rkeys ? rkeys : keys;
        const uint32_t *lc = rcounts ? rcounts : counts;
        memcpy(wide, mode, nl);
        int thick = T > THIN_T; /* (thin walls' figures: see WIDE_STRICT) */
        if ((thick &&
             lin_modes(vslab, mesh->nverts, lk, offs, lc, nl, upright, STEEP_P_WIDE, closed, wide)) ||
            lin_modes(vslab, mesh->nverts, lk, offs, lc, nl, upright, STEEP_P, closed, mode)) {
            free(wide);
            goto nomem;
        }
        if (thick && wide_pays(modes_cost(wide, nl), modes_cost(mode, nl))) {
            memcpy(mode, wide, nl);
            plin = STEEP_P_WIDE;
        }
        free(wide);
        if (!(flags & PF_EST_NO_TRIM) && lin_trim(nl, reach[0], reach[1], mode)) goto nomem;
        for (size_t l = 0; l < nl; l++)
            c->unrastered += mode[l] == STEEP_SKIP || mode[l] == LIN_SKIP;
    }
    /* The contour pass reads the segments and each layer's areas from the stages (and writes other fields of
     * its stat): in lanes a thread that has no layers left takes the runs of settled layers (tower: all 29
     * runs, sphere all 7, in the lanes' team step); what is left runs on the team after the stages, whatever
     * the backend (on the caller alone OpenCL's contour pass was 1.7–1.9× the SIMD backend's). */
    {
        uint32_t maxn = 0;
        for (size_t l = 0; l < nl; l++)
            if (counts[l] > maxn) maxn = counts[l];
        chain_scratch cs[TEAM_MAX];
        unsigned ncs = 0;
        while (ncs < t.n && !chain_scratch_init(&cs[ncs], maxn))
            ncs++;
        size_t nruns = (nl + CONTOUR_RUN - 1) / CONTOUR_RUN;
        atomic_uchar *marks = calloc(nruns + nl, 1); /* per run: taken; then per layer: ready */
        contour_job job = {.segs = segs,
                           .keys = keys,
                           .offs = soffs,
                           .counts = counts,
                           .p = p,
                           .nl = nl,
                           .cs = cs,
                           .layers = c->layers,
                           .nruns = nruns,
                           .taken = marks,
                           .ready = marks ? marks + nruns : NULL};
        atomic_init(&job.finished, 0);
        int contours = marks && ncs == t.n;
        err = run_stages(be, &g, &cp, reach, nl, segs, soffs, counts, &t, !(flags & PF_EST_NO_REUSE), &op,
                         &slopes, &slivers, upright, mode, c->layers, contours ? marks + nruns : NULL,
                         contours ? contour_work : NULL, &job);
        job.ready = NULL; /* every layer's stages are done */
        /* the skipped layers whose neighbours differ too much (steep_check), the linear ones off a line
         * (lin_check); runs taken STEEP_P_WIDE at a time whose layers fail are split in two of STEEP_P, their
         * middle anchors through the stages, and checked again (wide_split) */
        uint8_t *redo = NULL, *side = NULL, *pl = NULL;
        if (!err && mode && (!(side = malloc(nl)) || !(pl = malloc(nl)))) err = PF_E_NOMEM;
        for (size_t l = 0; !err && mode && l < nl; l++)
            pl[l] = (uint8_t)(mode[l] == STEEP_SKIP ? psteep : linear(mode[l]) ? plin : STEEP_P);
        for (int round = 0; !err && mode && round < 2; round++) {
            int again = steep_check(c->layers, nl, mode, pl, &redo);
            if (again && !redo) err = PF_E_NOMEM;
            if (!err && !redo && !(redo = malloc(nl))) err = PF_E_NOMEM;
            if (!err && !again) memset(redo, STEEP_SKIP, nl);
            if (!err) again |= lin_check(c->layers, nl, mode, pl, reach, redo, side);
            int split = !err && again && round == 0 && wide_split(nl, mode, pl, reach, redo);
            if (!err && again)
                err = run_stages(be, &g, &cp, reach, nl, segs, soffs, counts, &t, !(flags & PF_EST_NO_REUSE),
                                 &op, &slopes, &slivers, upright, redo, c->layers, NULL, NULL, NULL);
            for (size_t l = 0; !err && l < nl; l++) /* through the stages now */
                if (redo[l] == STEEP_ON || (redo[l] == STEEP_OFF && !summed(mode, l))) mode[l] = redo[l];
            free(redo);
            redo = NULL;
            if (!split) break;
        }
        if (!err && mode) c->skipped = steep_fill(c->layers, nl, mode, pl, side);
        free(side);
        free(pl);
        if (!err && contours && atomic_load(&job.finished) < nruns) team_run(&t, contour_work, &job);
        while (ncs > 0)
            chain_scratch_free(&cs[--ncs]);
        free(marks);
        if (err == PF_E_NOMEM || (!err && atomic_load(&job.finished) < nruns)) goto nomem;
        if (err) goto fail;
    }
    if (T <= THIN_T) thin_area_fix(c->layers, nl, segs, soffs, counts, &g); /* after the contours: nislands */
    band_fix(c->layers, nl, &cp);
    thin_by_rays(c->layers, nl);

    for (size_t l = 0; l < nl; l++)
        if (c->layers[l].cells.area > c->max_area) c->max_area = c->layers[l].cells.area;

    if (build_records(c, &t)) goto nomem;
    err = PF_E_OK;
    *out = c;
    c = NULL;
    goto fail;
nomem:
    err = pf_errf(eb, PF_E_NOMEM, "estimator: out of memory");
fail:
    if (team_up) team_destroy(&t);
    free(mp.gs);
    free(mp.oh);
    free(mp.tilt);
    free(mp.flat);
    free(mp.shits);
    free(mp.snhits);
    free(upright);
    free(mode);
    for (size_t l = 0; uix && l < nl; l++)
        pf_outline_index_free(&uix[l]);
    free(uix);
    free(unioned);
    pf_estimate_cache_free(c);
    pf_slivers_free(&slivers.s);
    if (ntris_len) pf_big_free(tris, ntris_len); /* else the mesh's own */
    pf_big_free(verts, verts_len);
    free(zs);
    free(counts);
    if (soffs != offs) free(soffs);
    free(offs);
    free(boxes);
    free(vslab);
    pf_big_free(keys, slen); /* segs lives in the same buffer */
    pf_big_free(rkeys, segs_len);
    free(rcounts);
    return err;
}

void pf_estimate_cache_free(pf_estimate_cache *c)
{
    if (!c) return;
    pf_support_geom_free(&c->sup);
    free(c->sup_first);
    free(c->layers);
    free(c->recs);
    free(c);
}

int pf_estimate_cache_zero(const pf_estimate_cache *c)
{
    return classify_params(&c->p).covered > 0.0f;
}

double pf_estimate_cache_cell(const pf_estimate_cache *c)
{
    return c->cell;
}

unsigned pf_estimate_cache_threads(const pf_estimate_cache *c)
{
    return c->threads;
}

size_t pf_estimate_cache_skipped(const pf_estimate_cache *c)
{
    return c->skipped;
}

size_t pf_estimate_cache_unrastered(const pf_estimate_cache *c)
{
    return c->unrastered;
}

int pf_estimate_cache_supports(const pf_estimate_cache *c)
{
    return c->sup.base != NULL;
}

size_t pf_estimate_cache_layers(const pf_estimate_cache *c)
{
    return c->nlayers;
}

size_t pf_estimate_cache_bytes(const pf_estimate_cache *c)
{
    return sizeof *c +
           c->nlayers * (sizeof *c->layers + sizeof *c->recs + /* recs is sized for nlayers */
                         (c->sup.base ? 3 * sizeof *c->sup.base + 1 + 2 * sizeof *c->sup_first : 0));
}

const pf_layer_cells *pf_estimate_cache_layer(const pf_estimate_cache *c, size_t l)
{
    return l < c->nlayers ? &c->layers[l].cells : NULL;
}

unsigned pf_estimate_cache_pieces(const pf_estimate_cache *c, size_t l, int set)
{
    return l < c->nlayers && set >= 0 && set < PF_RUN_N && (PIECE_SETS >> set & 1) ? c->layers[l].pieces[set]
                                                                                   : 0;
}

/* ---- eval ---- */

/* Calibration constants of the model (fitted on shared/models/reference.csv, never per mesh). */
/* line length lost per connected line end pair, in spacings·√2 (0.9 while every line took a link) */
#define LINE_TRIM 0.6
#define LINE_END_JERK 1.41421356 /* fill line ends: junction speed in units of jerk */
/* Solid runs shorter than this (mm) print along their strip, no per-line cost; longer ones zig-zag across
 * it, a line and a link each: PrusaSlicer fills a tilted plate's 0.86 mm shell bands with 0.64 mm lines and
 * 0.58 mm links, at 10–17 mm/s through the corners (the plate read −10 to −22 % in time with 1.5 mm here,
 * +2 to +4 % now). Over the 910 reference rows the mean time error went 2.23 → 1.60 % (shared) and
 * 2.61 → 2.54 % (held out); curved bodies' thin crescents went up to 8 points over (a sphere at 0 %: +3 →
 * +10 %) and a 3 mm-wire coil +8 → +13 %. 0.75 mm took a row of the seventh probe set to +19.8 %. */
#define SHORT_RUN 1.0
#define TRAVEL_FACTOR 0.5 /* mean retracted travel ≈ this × √(layer area / islands) */
/* A layer of n islands hops n − 1 times between them, each about the spacing of n points spread over the
 * islands' bounding box, √(box area / n) (a grid's pitch), where that exceeds the travel above: letters on a
 * line, pins on a plate, a lattice's posts, whose own area says nothing of how far apart they stand. Over the
 * 860 reference rows it took the text's time error −14.9 → −12.3 %, a strut lattice's −11.5 → −6.6 %, 20
 * pins' −9.0 → −4.6 % (rows past 10 %: 28 → 20); pins already over at 50 % went +5.5 → +9.8 %. */
#define HOP_FACTOR 1.0
/* A move within an island is at most this many times the layer's contour length over its moves. Of 1, 1.5
 * and 2: 1 took the shared bumpy spheres at 0 % from −5.9 to −8.1 % (their travel hides missing solid), 2
 * gained half as much on the held-out rows; 1.5: held-out time errors 50 points smaller (a sieve +12.9 →
 * +7.9 %, a honeycomb panel +9.8 → +4.6 % at 100 %, a perforated plate 2 points nearer), shared 1.1; with
 * the inner pieces among the moves 13 more (honeycombs 1.5–2.3 points nearer, rib grids 1–2 farther). */
#define TOUR_HOP 1.5
/* A layer's walls are all two external beads when its inner band beyond the thin walls and its fill regions
 * hold less than this share of its wall area. */
#define THIN_RING 0.05

static double excess_at(const float *excess, double v)
{
    if (v <= spd_grid[0]) return excess[0];
    for (int k = 1; k < NSPD; k++)
        if (v <= spd_grid[k]) {
            double t = (v - spd_grid[k - 1]) / (spd_grid[k] - spd_grid[k - 1]);
            return excess[k - 1] + t * (excess[k] - excess[k - 1]);
        }
    return excess[NSPD - 1];
}

/* Reduces a run histogram to fill lines at spacing S (0: the count stays per unit of 1/spacing, for sparse
 * infill whose spacing depends on the density) losing trim per line, printed at v with acceleration a and
 * line-end speed vj. fill: the set's fractional area (pf_layer_cells.fill_area). Runs count whole cells, so
 * a fill region narrower than a cell or two (the sliver between the perimeters of a wall a little thinner
 * than its shells) shows up as many short runs whose cells it covers only in part; the lines are scaled to
 * the fractional area, so the lines' total length stays the set's volume over its spacing (a big region's
 * runs and area agree to its border cells, a scale of about 1). */
static void bins_make(const float *runs, const float *area, double fill, double S, double trim, double v,
                      double a, double vj, fill_bins *fb)
{
    memset(fb, 0, sizeof *fb);
    fb->v = v;
    fb->a = a;
    fb->ia = 1 / a;
    double whole = 0;
    for (int b = 0; b < PF_HIST_BINS; b++)
        if (runs[b] > 0) whole += area[b];
    double k = whole > fill ? fill / whole : 1;
    float w[PF_HIST_BINS], tri[PF_HIST_BINS];
    uint32_t n = 0;
    for (int b = 0; b < PF_HIST_BINS; b++) {
        if (runs[b] <= 0) continue;
        double l = area[b] / runs[b] - trim;
        if (l < 0.05) l = 0.05;
        uint32_t i = n++;
        for (; i > 0 && fb->l[i - 1] > (float)l; i--) /* by length: a bin's mean lies within its edges */
            fb->l[i] = fb->l[i - 1], w[i] = w[i - 1];
        fb->l[i] = (float)l;
        w[i] = (float)(k * (S > 0 ? runs[b] / S : runs[b]));
    }
    fb->nb = n;
    for (uint32_t i = 0; i < n; i++) {
        /* sparse lines (S = 0) never print along a strip, and all take links: in a strip PrusaSlicer's
         * anchors join the short lines along its sides, one line along the strip; solid ones that short
         * print along the strip */
        if (S > 0 && fb->l[i] + trim < SHORT_RUN) {
            fb->ns = i + 1;
            fb->wl_strip += (double)w[i] * fb->l[i];
        } else {
            fb->nlong += w[i];
        }
        double vp = sqrt(a * fb->l[i] + vj * vj);
        tri[i] = (float)(2 * (vp - vj) / a);
        fb->len += (double)w[i] * fb->l[i];
    }
    double sw = 0, swl = 0, pt = 0;
    for (uint32_t i = n; i-- > 0;) {
        sw += w[i];
        swl += (double)w[i] * fb->l[i];
        fb->s[i].sw = (float)sw;
        fb->s[i].swl = (float)swl;
    }
    for (uint32_t i = fb->ns; i < n; i++) {
        pt += (double)w[i] * tri[i];
        fb->s[i + 1].pt = (float)pt;
    }
}

/* Planner time of the lines of fb at cruise F, each entered and left at vj, plus nlong links of length link;
 * iF = 1 / F; equal to timing every line with pf_motion_move_time: the lines from the first that reaches F on
 * cruise, the shorter ones peak below it. */
static double bins_time(const fill_bins *fb, double link, double F, double iF, double vj)
{
    double thr = -1, cF = 0;
    if (F > vj) {
        thr = (F * F - vj * vj) * fb->ia;
        cF = (F - vj) * (F - vj) * fb->ia * iF;
    }
    uint32_t j = fb->ns;
    while (j < fb->nb && !(fb->l[j] >= thr))
        j++;
    double T = (fb->wl_strip + fb->s[j].swl) * iF + cF * fb->s[j].sw + fb->s[j].pt;
    return T + fb->nlong * pf_motion_move_time(link, F, fb->a, vj, vj);
}

/* What the full set's timing leaves out of a sparse region's short runs at 100 %: the full set prints runs
 * shorter than SHORT_RUN along their strip (the narrow bands of the solid shells), but a sparse region that
 * short across is a wall's middle strip (PF_FILL_MIDDLE), which PrusaSlicer fills at 100 % with short solid
 * lines, each accelerating, joined by links. strip_lines_of takes those lines from the sparse set's histogram
 * (runs / area) at the solid spacing S; strip_extra times them at cruise speed v (the nominal one, or the
 * cooling slowdown's): their time beyond their length at v, plus a link each; *len gets the links' length. */
static void strip_lines_of(const float *runs, const float *area, double S, strip_lines *xs)
{
    memset(xs, 0, sizeof *xs);
    for (int b = 0; b < PF_HIST_BINS; b++) {
        if (runs[b] <= 0) continue;
        double l = area[b] / runs[b], n = runs[b] / S;
        if (l >= SHORT_RUN) continue;
        uint32_t k = xs->nb < STRIP_BINS ? xs->nb++ : STRIP_BINS - 1; /* more bins: the last one's mean */
        double n0 = xs->n[k];
        xs->l[k] = (float)((n0 * xs->l[k] + n * l) / (n0 + n));
        xs->n[k] = (float)(n0 + n);
    }
}

static double strip_extra(const strip_lines *xs, double v, double a, double vj, double link, double *len)
{
    double t = 0, n_all = 0;
    for (uint32_t k = 0; k < xs->nb; k++) {
        double l = xs->l[k], n = xs->n[k];
        t += n * (pf_motion_move_time(l, v, a, vj, vj) - l / v);
        n_all += n;
    }
    *len = n_all * link;
    return t + n_all * pf_motion_move_time(link, v, a, vj, vj);
}

/* The lift of a layer change: PrusaSlicer lifts to retract_lift over the layer below and comes down to the
 * new layer, retract_lift − h (G-code: Z6.2 then Z6 from a layer at 5.8; within a layer Z6.4 then Z6), where
 * a retraction cycle lowers by retract_lift. The planner and naive time the layer change saves. */
static void layer_change_saves(const pf_profile *p, double h, double *t_save, double *n_save)
{
    double down = fmax(0, p->retract_lift - h);
    *t_save = pf_motion_move_time(p->retract_lift, p->speed_z, 200, 0.4, 0.4) -
              pf_motion_move_time(down, p->speed_z, 200, 0.4, 0.4);
    *n_save = (p->retract_lift - down) / p->speed_z;
}

/* Retracted travel timing shared by every layer: planner and naive time of one retraction cycle. */
static void retract_times(const pf_profile *p, double *t_retract, double *n_retract)
{
    double amax = p->accel_max, jerk = p->jerk_xy;
    double wipe_len = p->wipe ? p->retract_length / p->retract_speed * 0.8 * p->speed_travel : 0;
    double wipe_e = p->wipe ? 0.95 * p->retract_length : 0, rest_e = p->retract_length - wipe_e;
    *t_retract =
        pf_motion_move_time(wipe_len, 0.8 * p->speed_travel, fmin(p->accel_default, amax), jerk, jerk) +
        rest_e / p->retract_speed + 2 * pf_motion_move_time(p->retract_lift, p->speed_z, 200, 0.4, 0.4) +
        pf_motion_move_time(p->retract_length, p->retract_speed, 1250, 4.5, 4.5);
    *n_retract = (p->wipe ? wipe_len / (0.8 * p->speed_travel) : 0) + rest_e / p->retract_speed +
                 2 * p->retract_lift / p->speed_z + p->retract_length / p->retract_speed;
}

/* Builds the density-independent record of layer l (volumes go to the cache totals separately). */
static void record_make(const pf_estimate_cache *c, size_t l, layer_eval *r)
{
    const pf_profile *p = &c->p;
    const layer_stat *ls = &c->layers[l];
    const pf_layer_cells *lc = &ls->cells;
    memset(r, 0, sizeof *r);
    int first = l == 0;
    double h = ls->h, amax = p->accel_max, jerk = p->jerk_xy, vj = LINE_END_JERK * jerk;
    double se = spacing(first ? p->w_first : p->w_ext, h), sp = spacing(first ? p->w_first : p->w_perim, h);
    double ss = spacing(first ? p->w_first : p->w_solid, h), st = spacing(p->w_top, h);
    double sb = p->bridge_flow_ratio * spacing(p->w_solid, h), si = spacing(p->w_infill, p->layer_height);
    double vfirst = p->speed_first_layer, afirst = fmin(p->accel_first_layer, amax);
    double ai = fmin(p->accel_infill, amax), ab = fmin(p->accel_bridge, amax),
           at = fmin(p->accel_default, amax);
    double v0 = first ? vfirst : p->speed_solid, a0 = first ? afirst : ai;
    double vb = first ? vfirst : p->speed_bridge, abr = first ? afirst : ab;

    /* Fill groups. Internal bridges join the bridge group below 100 %, the full set replaces solid at it. */
    const float *fa = lc->fill_area;
    double fsolid = fa[PF_FILL_SOLID] + fa[PF_FILL_FIRST];
    bins_make(lc->runs[PF_RUN_SOLID], lc->run_area[PF_RUN_SOLID], fsolid, ss, 0, v0, a0, vj, &r->fb[0]);
    /* At 100 % PrusaSlicer fills the sparse region (rectilinear at 100 %) apart from the solid around it
     * (monotonic): the lines of each stop at their border, so the full set's time counts the lines of each
     * region, not those of their union (PF_RUN_FULL, which a shell band beside the sparse region joins to its
     * lines: 11 rows at 100 % gained over 1.5 % in time, a ramp −5.7 → −0.1 %, none lost as much). Its volume
     * keeps the union's line ends (build_records): separate ones took 9 rows' weight 0.3–1.1 % off. */
    float fr[PF_HIST_BINS], fra[PF_HIST_BINS];
    for (int b = 0; b < PF_HIST_BINS; b++) {
        fr[b] = lc->runs[PF_RUN_SOLID][b] + lc->runs[PF_RUN_IBRIDGE][b] + lc->runs[PF_RUN_SPARSE][b];
        const float(*ra)[PF_HIST_BINS] = lc->run_area;
        fra[b] = ra[PF_RUN_SOLID][b] + ra[PF_RUN_IBRIDGE][b] + ra[PF_RUN_SPARSE][b];
    }
    bins_make(fr, fra, fsolid + fa[PF_FILL_SPARSE] + fa[PF_FILL_IBRIDGE], ss, 0, v0, a0, vj, &r->fb[1]);
    bins_make(lc->runs[PF_RUN_TOP], lc->run_area[PF_RUN_TOP], fa[PF_FILL_TOP], st, 0, p->speed_top, ai, vj,
              &r->fb[2]);
    bins_make(lc->runs[PF_RUN_SPARSE], lc->run_area[PF_RUN_SPARSE], fa[PF_FILL_SPARSE], 0,
              LINE_TRIM * si * M_SQRT2, p->speed_infill, ai, vj, &r->fb[3]);
    r->link_f = ls->link_f > 0 && ls->link_f < (float)LINK_FACTOR ? ls->link_f : LINK_FACTOR;
    r->link[0] = ss * r->link_f;
    r->link[1] = st * r->link_f;
    fill_bins br, ib;
    bins_make(lc->runs[PF_RUN_BRIDGE], lc->run_area[PF_RUN_BRIDGE], fa[PF_FILL_BRIDGE], sb, 0, vb, abr, vj,
              &br);
    bins_make(lc->runs[PF_RUN_IBRIDGE], lc->run_area[PF_RUN_IBRIDGE], fa[PF_FILL_IBRIDGE], sb, 0, vb, abr, vj,
              &ib);
    double lb = br.len + br.nlong * sb * LINK_FACTOR, tb = bins_time(&br, sb * LINK_FACTOR, vb, 1 / vb, vj);
    double lib = ib.len + ib.nlong * sb * LINK_FACTOR, tib = bins_time(&ib, sb * LINK_FACTOR, vb, 1 / vb, vj);
    for (int full = 0; full < 2; full++) {
        const fill_bins *s = &r->fb[full];
        r->flen[full][0] = s->len + s->nlong * r->link[0];
        r->ftime[full][0] = bins_time(s, r->link[0], s->v, 1 / s->v, vj);
        r->flen[full][1] = r->fb[2].len + r->fb[2].nlong * r->link[1];
        r->ftime[full][1] = bins_time(&r->fb[2], r->link[1], r->fb[2].v, 1 / r->fb[2].v, vj);
        r->flen[full][2] = lb + (full ? 0 : lib);
        r->ftime[full][2] = tb + (full ? 0 : tib);
    }
    double xlen;
    strip_lines_of(lc->runs[PF_RUN_SPARSE], lc->run_area[PF_RUN_SPARSE], ss, &r->xs);
    r->ftime[1][0] += strip_extra(&r->xs, v0, r->fb[1].a, vj, r->link[0], &xlen);
    r->flen[1][0] += xlen;
    r->has_sparse = r->fb[3].nb > 0;
    pf_chain_sums_of(&ls->br, &r->br);
    r->su[0] = r->su[1] = NAN;
    if (r->has_sparse && ls->nislands <= 1 && ls->su[1] > ls->su[0]) {
        /* the lines are placed where they cross the fill region shrunk by half a line width (PrusaSlicer's
         * FillRectilinear): for a convex island, the contour's span less that depth at either end */
        double a = c->uc[l & 1], in = classify_params(&c->p).fill_lo + 0.5 * si;
        r->su[0] = ls->su[0] - a + in;
        r->su[1] = ls->su[1] - a - in;
    }
    r->sparse_c = bins_time(&r->fb[3], 0, r->fb[3].v, 1 / r->fb[3].v, vj);
    if (r->has_sparse) {
        /* the lines beside an edge along them: from half a line width inside the fill region (the last
         * line's place), as long as the edge less the fill region's depth at its ends and a line's trim; in
         * the share of the fill area the sparse region holds */
        double a = c->uc[l & 1], in = classify_params(&c->p).fill_lo + 0.5 * si;
        double all = fa[PF_FILL_SPARSE] + fa[PF_FILL_SOLID] + fa[PF_FILL_TOP] + fa[PF_FILL_BRIDGE] +
                     fa[PF_FILL_IBRIDGE],
               share = all > 0 ? fa[PF_FILL_SPARSE] / all : 0;
        for (int k = 0; k < PAR_MAX && ls->par_len[k] != 0; k++) {
            double len = fabs(ls->par_len[k]), jl = len - 2 * (in - 0.5 * si) - LINE_TRIM * si * M_SQRT2;
            if (!(jl >= PAR_MIN_LEN)) continue;
            double side = ls->par_len[k] > 0 ? 1 : -1;
            r->par[r->npar][0] = ls->par_u[k] - a + side * in;
            r->par[r->npar++][1] = side * jl * share;
        }
    }

    /* Walls: external and inner loops, small loops slower. */
    /* the inner band of walls too thin for an inner bead widens the external beads: no loop of its own */
    double Le = lc->wall_area[PF_CELL_WALL_EXT] / se,
           Li = fmax(0, lc->wall_area[PF_CELL_WALL_INT] - fmax(lc->wall_thin, ls->thin_rays)) / sp;
    if (ls->cb_paths) Li += lc->wall_thin / sp; /* but walls with a centre bead print it as a path */
    Li += ls->inner_deficit; /* inner beads narrower than a spacing print along the whole wall */
    if (lc->wall_thin > 0 && !first) {
        /* walls under two external bands (0.86 mm) print both external beads along their whole length,
         * narrower, where the band stops short of the wall's middle: the loops run as long as the contours
         * (L − π·χ·w, band_fix's figure), up to the length of the band and the thin walls' middles at the
         * band's spacing (a single bead below 0.68 mm keeps the band's figure): 1 mm ribs −5.8 → −3.7 % in
         * time, a cookie cutter −4.6 → −2.9 %, a bin of 0.8 mm walls round rounded pockets −14.7 → −10.7 % */
        double chi = 2.0 * ls->nislands - ls->nloops, geo = ls->contour_len - M_PI * chi * p->w_ext;
        Le = fmax(Le, fmin(geo, (lc->wall_area[PF_CELL_WALL_EXT] + lc->wall_thin) / se));
    }
    const float *thb = ls->thin_beads;
    if (thb[0] + thb[1] > 0 && !first) {
        /* where the rays measured walls of external beads only: a bead along each side of those of two, the
         * contours' whole length, and one along the middle of those under one_bead_max, half of theirs (walls
         * of 0.6 and 0.7 mm: +21 and −19 % in time with the band's area over the spacing, in between) */
        double chi = 2.0 * ls->nislands - ls->nloops, geo = ls->contour_len - M_PI * chi * p->w_ext;
        Le = fmax(0, geo - 0.5 * fmin(thb[0], geo));
    }
    double fs = ls->contour_len > 0 ? fmin(1, ls->small_len / ls->contour_len) : 0, fsi = fs;
    /* inner loops apart from the islands' own (pf_inner_pieces: the blobs where a letter's strokes or a bin's
     * walls meet) as short as a small perimeter print at its speed: serif text −16.4 → −10.9 % in time, a bin
     * of 0.8 mm walls −10.7 → −6.9 %; a honeycomb's walls +8.2 → +9.8 % at 10 % */
    uint32_t printed = ls->nislands - ls->joined; /* islands as PrusaSlicer prints them */
    if (ls->inner_pieces > printed && Li / ls->inner_pieces <= SMALL_PERIMETER) fsi = 1;
    double ve = first ? vfirst : p->speed_ext_perimeter, vi = first ? vfirst : p->speed_perimeter;
    double vs = first ? vfirst : p->speed_small_perimeter;
    double wlen[4] = {Le * fs, Le * (1 - fs), Li * fsi, Li * (1 - fsi)};
    double wv[4] = {fmin(vs, ve), ve, vs, vi};
    double cl = ls->contour_len > 0 ? ls->contour_len : 1;
    double wloops[4] = {fmin(1.2, Le / cl), fmin(1.2, Le / cl), fmin((double)p->perimeters, Li / cl),
                        fmin((double)p->perimeters, Li / cl)};
    memcpy(r->excess, ls->excess, sizeof r->excess);
    double naive_walls = 0, x_oh = excess_at(r->excess, vb);
    for (int k = 0; k < 4; k++) {
        /* the share over air prints at bridge speed, fixed (wall_overhangs) */
        double band = k < 2 ? (Le > 0 ? Le : 1) : (Li > 0 ? Li : 1), oh = first ? 0 : ls->overhang[k >= 2];
        double lo = wlen[k] * oh;
        r->wlen[k] = wlen[k] - lo;
        r->wv[k] = wv[k];
        if (lo > 0) {
            r->loh += lo;
            r->toh[k >= 2] += lo / vb + wloops[k] * (lo / band) * x_oh;
            naive_walls += lo / vb;
        }
        if (r->wlen[k] <= 0) continue;
        r->wk[k] = wloops[k] * (r->wlen[k] / band);
        r->tw[k] = r->wlen[k] / wv[k] + r->wk[k] * excess_at(r->excess, wv[k]);
        r->tw_nom[k >= 2] += r->tw[k];
        naive_walls += r->wlen[k] / wv[k];
    }
    r->tw_nom[0] += r->toh[0];
    r->tw_nom[1] += r->toh[1];

    /* Travel and retractions: one per contour, one per fill kind per island, one layer change. */
    double t_retract, n_retract, t_lc = 0, n_lc = 0;
    retract_times(p, &t_retract, &n_retract);
    if (!first) layer_change_saves(p, h, &t_lc, &n_lc); /* one of the layer's retractions is its change */
    double islands = printed ? printed : 1;
    double dtr = TRAVEL_FACTOR * sqrt(lc->area / islands);
    double t_move = pf_motion_move_time(dtr, p->speed_travel, at, jerk, jerk);
    double hop = dtr, nhop = islands > 1 ? islands - 1 : 0;
    if (nhop > 0) {
        double bw = ls->ibox[2] - ls->ibox[0], bh = ls->ibox[3] - ls->ibox[1];
        hop = fmax(dtr, HOP_FACTOR * sqrt(bw * bh / islands));
    }
    double t_hop = pf_motion_move_time(hop, p->speed_travel, at, jerk, jerk);
    /* An island's moves after its first, to its other loops and fills, cross it: half the side of its share
     * of the islands' box, where that is longer than the area's (a ring's or a frame's: PrusaSlicer's moves
     * in a tube of 1–3.4 mm walls, 40 mm across, 15–38 mm, the area's figure 8 mm). Held-out time errors 27
     * points smaller (median 1.40 → 1.29 %, worst 15.0 → 14.2 %), shared 3.6 (worst 6.8 → 5.9 %). */
    double din = dtr;
    if (printed > 0) {
        double bw = ls->ibox[2] - ls->ibox[0], bh = ls->ibox[3] - ls->ibox[1];
        din = fmax(dtr, TRAVEL_FACTOR * sqrt(bw * bh / islands));
    }
    double t_in = din > dtr ? pf_motion_move_time(din, p->speed_travel, at, jerk, jerk) : t_move;
    /* inner loops apart from the islands' own (pf_inner_pieces, a honeycomb's junctions), and the centre
     * beads between the junctions of thin walls (a rib grid's): each with a retraction and a travel from its
     * neighbour. Both at once in a bin of rounded compartments: an inner loop round each blob where its
     * 1.2 mm walls meet, and each wall's centre bead between two blobs (−19.6 → −17.2 % in time; the larger
     * of the two counts before). And the short beads in thin walls' sharp corners, of which PrusaSlicer
     * prints one a layer straight after the loop beside it, without a retraction (paths − 1 retractions a
     * layer on fused tubes and rhombic ones: seven tubes −16.6 → −3.5 % in time, 0.9 mm ones −37.7 → −7.3 %)
     */
    double inner_extra = fmax(0, (double)ls->inner_pieces - islands) +
                         fmax(0, (double)ls->cb_paths - ls->cb_islands) + fmax(0, (double)ls->cb_beads - 1);
    double dtr_x = inner_extra > 0 ? TRAVEL_FACTOR * sqrt(lc->area / (inner_extra + islands)) : 0;
    if (inner_extra > 0 && printed > 0) {
        /* those paths spread over the islands' box, as the islands' own hops do: a rib grid's or a bin's
         * walls hold little area for their extent (ribs 1.3 mm −9.1 → −5.9 % in time at 10 %, a comb −4.4 →
         * −2.6 %, the rounded bin −17.2 → −14.5 %; a honeycomb +9.8 → +12.2 %, spokes +0.3 → +4.9 %) */
        double bw = ls->ibox[2] - ls->ibox[0], bh = ls->ibox[3] - ls->ibox[1];
        dtr_x = fmax(dtr_x, HOP_FACTOR * sqrt(bw * bh / (inner_extra + islands)));
    }
    double t_move_x = pf_motion_move_time(dtr_x, p->speed_travel, at, jerk, jerk);
    /* centre-bead paths (all but one per island apart): each accelerates from and brakes to the corner speed
     */
    double cb_accel = 0;
    if (ls->cb_paths && lc->wall_thin > 0) {
        double lp = lc->wall_thin / sp / ls->cb_paths, ap = fmin(p->accel_perimeter, amax);
        cb_accel = ls->cb_paths * (pf_motion_move_time(lp, vi, ap, jerk, jerk) - lp / vi);
    }
    /* Islands of one hole each whose walls are two external beads and nothing between, with no concave corner
     * (a vase's, a round tube's): PrusaSlicer starts the hole's loop beside the end of the outer one, with no
     * retraction and no travel of its own (one retraction a layer, at the layer change, on such parts; the
     * estimate counted two). Where the contours have corners the seams may lie apart or not (a square tube's
     * at one corner, a triangular or hexagonal one's at two, two boxes' either way): left as they were. */
    double fills = fill_total(lc), walls = lc->wall_area[PF_CELL_WALL_EXT] + lc->wall_area[PF_CELL_WALL_INT];
    double rfull = sqrt(fills / islands / M_PI); /* an island's fill as a disc: its radius */
    double rings = ls->nloops == 2 * ls->nislands && !ls->joined && !ls->ncorners &&
                           lc->wall_area[PF_CELL_WALL_INT] - lc->wall_thin + fills <= THIN_RING * walls
                       ? ls->nislands
                       : 0;
    for (int m = 0; m < 3; m++) {
        int full = m == 2;
        const double *fl = r->flen[full];
        /* fill paths: the pieces of each solid-type group (fill_pieces; at 100 % the full set, counted
         * per island, or as the sparse region's chains at FULL_CHAIN_DENSITY where those are more), one per
         * island for sparse infill; a group with less than PIECE_GAP of path in the whole layer (the
         * fractional area of a few edge cells) prints no path of its own */
        const uint16_t *pc = ls->pieces;
        double full_paths = islands;
        if (full && r->has_sparse) {
            double S = si / FULL_CHAIN_DENSITY;
            full_paths = fmax(islands, pf_chains_at(&r->br, pf_chain_bin(S), 1 / S, CHAIN_ATTACHED));
        }
        double paths =
            (fl[0] >= PIECE_GAP ? (full ? full_paths : fmax(1, pc[PF_RUN_SOLID])) : 0) +
            (fl[1] >= PIECE_GAP ? fmax(1, pc[PF_RUN_TOP]) : 0) +
            (fl[2] >= PIECE_GAP ? fmax(1, pc[PF_RUN_BRIDGE] + (full ? 0 : pc[PF_RUN_IBRIDGE])) : 0);
        /* PrusaSlicer retracts once at the layer change, then travels to the first loop, and not between an
         * island's inner and external loops (shorter than retract_before_travel) */
        double ntr = fmax(1, (double)(ls->nloops - ls->joined) - rings + paths);
        double nin = fmax(0, ntr - nhop - islands); /* the moves within the islands */
        /* At 100 % an island whose fill, as a disc, lies within retract_before_travel of the loop that ends
         * beside it (a pin's, a thin rod's) goes on to it without a retraction, as sparse infill does at
         * lower densities (path[], below): rods of 2.2–3 mm read +13 … +44 % in time with one a layer
         * (PrusaSlicer's 2.2 mm rod prints no fill at all, its 2.6–3.2 mm ones retract in some layers: −14 …
         * +13 % since). Not before a bridge: PrusaSlicer retracts before a thin spring's bridged wire (−18 %
         * without). */
        double nfree = full && rfull < p->retract_min_travel && !(fl[2] >= PIECE_GAP)
                           ? fmin(fmin(paths, islands), ntr - 1)
                           : 0;
        /* many paths lie along the contours, which a tour through them follows: no longer a move than
         * TOUR_HOP times the contours' length over the moves, the inner pieces' included (a sieve's 270 paths
         * a layer round its holes: PrusaSlicer hops 5 mm, the box's figure 30) */
        double dn = din, t_n = t_in, tour = TOUR_HOP * ls->contour_len / (ntr + inner_extra);
        if (nin > 0 && tour < din) {
            dn = tour;
            t_n = pf_motion_move_time(dn, p->speed_travel, at, jerk, jerk);
        }
        r->t_trav[m] = (ntr - nhop - nin) * t_move + nin * t_n + nhop * t_hop + inner_extra * t_move_x;
        r->t_other[m] = (ntr - nfree + inner_extra) * t_retract - t_lc + cb_accel;
        double naive_fixed = (ntr - nfree) * n_retract - n_lc +
                             ((ntr - nhop - nin) * dtr + nin * dn + nhop * hop) / p->speed_travel +
                             inner_extra * (n_retract + dtr_x / p->speed_travel) + fl[2] / vb;
        r->naive_all[m] = naive_fixed + naive_walls + fl[0] / v0 + fl[1] / p->speed_top;
    }
    for (int full = 0; full < 2; full++) {
        double glen[6] = {r->wlen[0], r->wlen[1], r->wlen[2], r->wlen[3], r->flen[full][0], r->flen[full][1]};
        double gv[6] = {r->wv[0], r->wv[1], r->wv[2], r->wv[3], r->fb[full].v, r->fb[2].v};
        r->cm[full] = (uint8_t)pf_motion_cooling_groups(glen, gv, 6, p->min_print_speed, r->csp[full],
                                                        r->csl[full], r->cst[full]);
    }
    /* Sparse paths depend on the density: eval adds one per island that gets a line. */
    /* an island's sparse region within retract_before_travel of the loop that ends beside it (a thin rod's,
     * a pin's): PrusaSlicer goes on to its line without a retraction */
    double rsp = sqrt(lc->fill_area[PF_FILL_SPARSE] / islands / M_PI);
    if (rsp < p->retract_min_travel) {
        r->path[0] = pf_motion_move_time(rsp, p->speed_travel, at, jerk, jerk);
        r->path[1] = 0;
        r->path[2] = rsp / p->speed_travel;
    } else {
        r->path[0] = t_move;
        r->path[1] = t_retract;
        r->path[2] = n_retract + dtr / p->speed_travel;
    }
}

/* A hash of n bytes for the distinct-layer table, 8 bytes a step (a byte a step took 3 % of a 900-layer
 * estimate: every layer hashes its ~870-byte statistics). */
static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ull, w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, b + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
    }
    for (; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return pf_mix64(h);
}

/* Volume totals and one record per distinct layer (prismatic parts repeat the same slice hundreds of times,
 * and eval then prices each distinct layer once). Layers compare equal when their whole statistics and
 * thickness match and neither is layer 0. Errors: NOMEM. */
/* build_records' parallel parts: each layer's share of the volume totals and its hash (sums, which the
 * caller adds up in layer order), then the records of the distinct layers rep[0 … c->nrecs). */
typedef struct layer_sum {
    uint64_t hash;               /* hash_bytes of the layer's statistics */
    double ext, inner, solid[2]; /* its external and inner perimeter, solid (without, with full) volumes */
} layer_sum;

typedef struct record_job {
    pf_estimate_cache *c;
    const uint32_t *rep;
    layer_sum *sums;
    atomic_size_t next;
} record_job;

/* Records a thread takes at a time. A record (2272 bytes) is not a whole number of cache lines: taken one at
 * a time, neighbouring records went to different threads, which wrote the lines they share over and over
 * (tower's 900 records: 0.92 ms on one thread, 1.0 on two; in runs of 16, 0.49 on two). */
#define RECORD_RUN 16

/* Layer l's share of the volume totals, and its hash. */
static void layer_sum_make(const pf_estimate_cache *c, size_t l, layer_sum *o)
{
    const layer_stat *ls = &c->layers[l];
    const pf_layer_cells *lc = &ls->cells;
    double h = ls->h;
    o->ext = h * (lc->wall_area[PF_CELL_WALL_EXT] + lc->wall_thin);
    /* fill_area[PF_FILL_NONE]: the middle of a wall a little wider than its beads, which Arachne covers by
     * widening the inner beads (their loops as long: volume, no time). wall_thin is part of the inner band,
     * but summed in another order: where it is all of it, the difference can come out a rounding below 0
     * (a fuzzed sliver's SIMD sums: −1.8e-8 mm³, tests/data/fuzz-estimate). */
    o->inner =
        h * (fmaxf(0.0f, lc->wall_area[PF_CELL_WALL_INT] - lc->wall_thin) + lc->fill_area[PF_FILL_NONE]);
    /* Solid volume: h × area. PrusaSlicer's short lines lose a little at their ends and its anchors along the
     * region's sides add about as much: with 0.3 spacings taken off each line, narrow solid regions came
     * short (tubes of 2.2–3 mm walls at 100 %: −3 to −4.5 %, a 3 mm one's solid 3.79 cm³ against
     * PrusaSlicer's 4.09); without, the weight errors' medians went 0.51 → 0.29 % (shared rows, worst 5.2
     * → 4.0 %) and 0.56 → 0.44 % (held out: 373 rows nearer PrusaSlicer by over half a point, 157 farther).
     */
    for (int full = 0; full < 2; full++) {
        double a_solid = lc->fill_area[PF_FILL_SOLID] + lc->fill_area[PF_FILL_FIRST];
        double a_bridge = lc->fill_area[PF_FILL_BRIDGE] + (full ? 0 : lc->fill_area[PF_FILL_IBRIDGE]);
        if (full) a_solid += lc->fill_area[PF_FILL_SPARSE] + lc->fill_area[PF_FILL_IBRIDGE];
        o->solid[full] = h * (a_solid + lc->fill_area[PF_FILL_TOP] + a_bridge);
    }
    o->hash = hash_bytes(ls, sizeof *ls);
}

/* The layers' sums, in runs of RECORD_RUN (layer_sum is not a whole number of cache lines either). */
static void layer_sum_work(void *arg, unsigned tid)
{
    (void)tid;
    record_job *j = arg;
    size_t n = j->c->nlayers;
    for (size_t k0; (k0 = atomic_fetch_add(&j->next, RECORD_RUN)) < n;)
        for (size_t k = k0; k < k0 + RECORD_RUN && k < n; k++)
            layer_sum_make(j->c, k, &j->sums[k]);
}

static void record_work(void *arg, unsigned tid)
{
    (void)tid;
    record_job *j = arg;
    size_t n = j->c->nrecs;
    for (size_t k0; (k0 = atomic_fetch_add(&j->next, RECORD_RUN)) < n;)
        for (size_t k = k0; k < k0 + RECORD_RUN && k < n; k++)
            record_make(j->c, j->rep[k], &j->c->recs[k]);
}

static pf_err build_records(pf_estimate_cache *c, team *t)
{
    size_t nl = c->nlayers, cap = 16;
    while (cap < 2 * nl)
        cap *= 2;
    uint32_t *slot = malloc(cap * sizeof *slot);                    /* record index + 1, 0 = empty */
    uint32_t *rep = malloc(2 * nl * sizeof *rep), *mult = rep + nl; /* per record: its first layer, layers */
    layer_sum *sums = malloc(nl * sizeof *sums);
    c->recs = malloc(nl * sizeof *c->recs);
    uint32_t *rec_of = NULL; /* with supports: per layer, its record */
    if (c->sup.base && (!(rec_of = malloc((nl ? nl : 1) * sizeof *rec_of)) ||
                        !(c->sup_first = malloc((2 * nl + 1) * sizeof *c->sup_first))))
        c->recs = (free(c->recs), NULL);
    if (!slot || !rep || !sums || !c->recs) {
        free(rec_of);
        free(slot);
        free(rep);
        free(sums);
        return PF_E_NOMEM;
    }
    memset(slot, 0, cap * sizeof *slot);
    record_job sj = {.c = c, .sums = sums};
    atomic_init(&sj.next, 0);
    team_run(t, layer_sum_work, &sj);
    for (size_t l = 0; l < nl; l++) { /* in layer order: the same sums whatever the thread count */
        const layer_stat *ls = &c->layers[l];
        c->vol_ext += sums[l].ext;
        c->vol_int += sums[l].inner;
        c->vol_solid[0] += sums[l].solid[0];
        c->vol_solid[1] += sums[l].solid[1];
        /* Distinct layers: layer 0 always stands alone (first-layer speeds and widths). */
        size_t i = sums[l].hash & (cap - 1);
        uint32_t found = 0;
        if (l > 0)
            for (; slot[i]; i = (i + 1) & (cap - 1))
                if (!memcmp(&c->layers[rep[slot[i] - 1]], ls, sizeof *ls)) {
                    found = slot[i];
                    break;
                }
        if (rec_of) rec_of[l] = found ? found - 1 : (uint32_t)c->nrecs;
        if (found) {
            mult[found - 1] += 1;
        } else {
            rep[c->nrecs] = (uint32_t)l;
            mult[c->nrecs++] = 1;
            if (l > 0) {
                while (slot[i])
                    i = (i + 1) & (cap - 1);
                slot[i] = (uint32_t)c->nrecs;
            }
        }
    }
    free(sums);
    /* the records, each from its first layer, on the team */
    record_job job = {.c = c, .rep = rep};
    atomic_init(&job.next, 0);
    team_run(t, record_work, &job);
    for (size_t k = 0; k < c->nrecs; k++)
        c->recs[k].mult = mult[k];
    if (rec_of) { /* the layers ≥ 1 that hold support, by record (a counting sort) */
        uint32_t *first = c->sup_first;
        c->sup_layer = first + nl + 1;
        memset(first, 0, (c->nrecs + 1) * sizeof *first);
        for (size_t l = 1; l < nl; l++)
            if (c->sup.base[l] + c->sup.iface[l] > 0) first[rec_of[l] + 1]++;
        for (size_t k = 0; k < c->nrecs; k++)
            first[k + 1] += first[k];
        for (size_t l = 1; l < nl; l++)
            if (c->sup.base[l] + c->sup.iface[l] > 0) c->sup_layer[first[rec_of[l]]++] = (uint32_t)l;
        for (size_t k = c->nrecs; k > 0; k--) /* back to the starts */
            first[k] = first[k - 1];
        first[0] = 0;
        free(rec_of);
    }
    free(slot);
    free(rep);
    return PF_E_OK;
}

/* PrusaSlicer lays a region's sparse lines at multiples of the spacing S from the object's bounding-box
 * centre (PRUSASLICER-NOTES §3). A region a few spacings wide therefore gets as many lines as multiples fall
 * in its span, not span / S: a centred region narrower than 2·S one line through its middle, where the area
 * model counts up to two and a link (an 8.7 mm hexagonal prism at 10 %: +12.8 % in weight). For a layer of
 * one island whose span (r->su: the contour's, less the fill boundary's depth, from the anchor) holds fewer
 * than ANCHOR_LINES spacings, the lines are placed: each gets the length its offset from the span's middle
 * has among the layer's runs (the fill bins, longest first: in a convex region the longest runs lie in the
 * middle), a line farther out than the runs reach gets none (a sharp corner's fill region stops short of the
 * contour's span), and the links are one fewer than the lines. Writes up to ANCHOR_MAX line lengths to len
 * and returns their count, or −1 when the area model applies. */
#define ANCHOR_LINES 4.0
#define ANCHOR_MAX 8
static int anchored_lines(const layer_eval *r, double S, double *len)
{
    if (isnan(r->su[0]) || !(r->su[1] - r->su[0] < ANCHOR_LINES * S)) return -1;
    const fill_bins *fb = &r->fb[3];
    double mid = 0.5 * (r->su[0] + r->su[1]), wsum = fb->s[0].sw;
    if (!(wsum > 0)) return -1;
    int n = 0;
    for (double k = ceil(r->su[0] / S); k * S <= r->su[1] && n < ANCHOR_MAX; k++) {
        double reach = 2 * fabs(k * S - mid), l = fb->l[0];
        if (reach >= wsum) continue; /* beyond the runs: the region's tip, narrower than the contour's span */
        for (uint32_t i = fb->nb; i-- > 0;) { /* longest first */
            l = fb->l[i];
            if (fb->s[i].sw >= reach) break; /* the runs' extent from the longest down to this one */
        }
        len[n++] = l;
    }
    return n;
}

/* The lines beside a record's edges along them (record_make's par) at spacing S, against the area model's
 * share: from an edge whose last line may lie at offset x (lines at multiples of S), the lines up to the far
 * side number (far − x)/S + φ(x/S) for a region beyond x (φ(t) = t − ⌊t⌋ − ½), where the area counts
 * (far − x)/S and half a line width's more, each line of the edge's length. The difference in lines, their
 * length and their time at v; none where it would take the layer's lines below none (base: the area model's
 * length). */
typedef struct par_delta {
    double n, len, time;
} par_delta;

static par_delta par_lines(const layer_eval *r, double S, double si, double v, double vj, double base)
{
    par_delta d = {0, 0, 0};
    for (uint32_t k = 0; k < r->npar; k++) {
        double x = r->par[k][0] / S, jl = fabs(r->par[k][1]), ph = x - floor(x) - 0.5;
        double n = -0.5 * si / S + (r->par[k][1] > 0 ? ph : -ph);
        d.n += n;
        d.len += n * jl;
        d.time += n * pf_motion_move_time(jl, v, r->fb[3].a, vj, vj);
    }
    return base + d.len < 0 ? (par_delta){0, 0, 0} : d;
}

/* Support paths and their time (fitted on PrusaSlicer 2.5's G-code of 34 meshes with supports at 20 %, never
 * per mesh; tests/data/supports_reference.csv, checked on 35 more and at 0 and 50 %). Each support layer
 * prints its region's base and interface areas as lines at their pitch (line gap + the support flow's
 * spacing) and once round the region's outline; beside its lines it takes SUP_LAYER_TIME for its layer change
 * and SUP_LINE_TIME a line for the travel, retraction and lift between the pieces a region's lines break into
 * (PrusaSlicer: 5–10 lifts a layer round a horn's flare). It prints at its own heights, but PrusaSlicer cools
 * it with the part's next layer: a layer and the support printed with it that together take less than
 * min_layer_time (by the cooling's own reckoning, lengths over speeds) slow down to it, the support's lines
 * not under min_print_speed, so the support costs a short layer only the time it adds beyond that (a
 * mushroom's 10 mm stem: about 9 s a layer for 10 s of support lines). Over the 34 meshes, with 0.5 s and
 * 0.12 s: median |time error| 2.5 %, worst 11.3 % (with a layer time alone: 3.4 %, worst 21.6 %, the horn);
 * at 0.1 and 0.3 mm layers, 16 rows of 8 of them: 6.6 %, worst 19.7 %. */
#define SUP_LAYER_TIME 0.5
#define SUP_LINE_TIME 0.12

/* Time of len mm of zig-zag lines at pitch in a region of outline perim: parallel lines a pitch apart
 * cross an outline of length L about 2L / (π·pitch) times (Crofton), two ends a line, each line
 * accelerating from and to the corner speed vj. */
static double zigzag_time(double len, double perim, double pitch, double v, double a, double vj)
{
    if (!(len > 0)) return 0;
    double n = fmax(1, perim / (M_PI * pitch));
    return n * pf_motion_move_time(len / n, v, a, vj, vj);
}

/* What pf_estimate_eval's support figures need: the support flow and its lines, and the sums so far. */
typedef struct support_acc {
    double hs, s, pb, pi, vb, vi, a, vj, tmin, stretch;
    double lh, t; /* Σ lines × the height they fill (mm²), and the time added (s) */
} support_acc;

static support_acc support_acc_of(const pf_profile *p)
{
    support_acc u = {.hs = support_layer_h(p), .vb = p->support_speed, .tmin = p->min_layer_time * 1.001};
    u.s = spacing(p->w_support, u.hs);
    u.pb = p->support_density > 0 ? u.s / p->support_density : p->support_spacing + u.s;
    u.pi = p->support_iface_spacing + u.s;
    u.vi = p->support_iface_speed < 0 ? -p->support_iface_speed * u.vb : p->support_iface_speed;
    u.a = fmin(p->accel_default, p->accel_max), u.vj = LINE_END_JERK * p->jerk_xy;
    u.stretch = fmax(1, fmin(u.vb, u.vi) / p->min_print_speed);
    return u;
}

/* Adds the support of layer l (≥ 1), whose own layer takes naive (the cooling's reckoning), bare (not slowed)
 * and now (slowed or not) seconds. */
static void support_layer(support_acc *u, const pf_estimate_cache *c, size_t l, double naive, double bare,
                          double now)
{
    const pf_support_geom *g = &c->sup;
    double base = g->base[l], iface = g->iface[l], all = base + iface;
    double lb = base / u->pb + g->perim[l] * base / all, li = iface / u->pi + g->perim[l] * iface / all;
    /* k support layers (lines lb + li each) a layer of height h: h / hs, or where a face's contact reaches
     * this layer, where PrusaSlicer ends a support layer whatever its height, h / max(h, contact distance)
     * (its contact layers are at least that thick: at 0.1 mm layers its supports under a dome came in 0.2 and
     * 0.25 mm layers); under 1, that share of the part's layers carry one (each support layer cools with the
     * part's next layer) and the rest none; from 1, each carries k */
    double h = c->layers[l].h, k = g->contact[l] ? h / fmax(h, c->p.support_contact) : h / u->hs,
           j = fmax(1, k);
    double te = zigzag_time(lb, g->perim[l] * base / all, u->pb, u->vb, u->a, u->vj) +
                zigzag_time(li, g->perim[l] * iface / all, u->pi, u->vi, u->a, u->vj),
           to = SUP_LAYER_TIME + SUP_LINE_TIME * g->perim[l] / (M_PI * u->pb);
    u->lh += (lb + li) * c->layers[l].h;
    /* the layer with a support layer, slowed when their naive time falls short of tmin, by that much, as far
     * as both can slow down: a layer the cooling left short of tmin was as slow as it could be */
    double nv = naive + j * (lb / u->vb + li / u->vi + to), with = bare + j * (te + to);
    if (nv < u->tmin)
        with += fmin(u->tmin - nv, now < u->tmin * 0.999 ? now - bare + j * te * (u->stretch - 1) : INFINITY);
    u->t += fmin(1, k) * (with - now);
}

/* The support's figures into *e: its layers' (support_layer), and its first layer's, dense and grown, at the
 * first layer's width and speed. */
static void support_finish(const support_acc *u, const pf_estimate_cache *c, pf_estimate *e)
{
    const pf_profile *p = &c->p;
    const pf_support_geom *g = &c->sup;
    double h0 = p->first_layer_height, s0 = spacing(p->w_first, h0), p0 = s0 / p->support_first_density;
    double l0 = g->first_area / p0 + g->first_perim;
    double vol = u->lh * u->s + l0 * h0 * s0;
    e->support_volume_mm3 = vol;
    e->volume_mm3[PF_FEAT_SUPPORT] = vol;
    e->time_s[PF_FEAT_SUPPORT] = u->t + zigzag_time(l0, g->first_perim, p0, p->speed_first_layer,
                                                    fmin(p->accel_first_layer, p->accel_max), u->vj);
}

pf_err pf_estimate_eval(const pf_estimate_cache *c, double density, int supports, pf_estimate *out,
                        pf_errbuf *eb)
{
    if (!(density >= 0 && density <= 1))
        return pf_errf(eb, PF_E_INVAL, "infill density %g outside [0, 1]", density);
    const pf_profile *p = &c->p;
    pf_estimate e;
    memset(&e, 0, sizeof e);
    e.infill_density = density;
    e.supports = supports;
    e.layers = c->nlayers;
    e.max_layer_area_mm2 = c->max_area;
    e.overhang_area_mm2 = c->overhang_area;
    int full = density >= 0.9999, mode = full ? 2 : density > 0;
    double amax = p->accel_max, jerk = p->jerk_xy, at = fmin(p->accel_default, amax);
    double vj = LINE_END_JERK * jerk, si = spacing(p->w_infill, p->layer_height);
    double min_time = p->min_layer_time * 1.001;
    /* Sparse infill at this density: lines per unit of run extent, link length, one link's time. */
    double dn = mode == 1 ? density / si : 0, S = mode == 1 ? si / density : 0;
    double v3 = p->speed_infill, link3 = S * LINK_FACTOR;
    double t_link3 = mode == 1 ? pf_motion_move_time(link3, v3, fmin(p->accel_infill, amax), vj, vj) : 0;
    int chain_bin = pf_chain_bin(S);
    double inv_s = S > 0 ? 1 / S : 0;

    e.volume_mm3[PF_FEAT_EXT_PERIMETER] = c->vol_ext;
    e.volume_mm3[PF_FEAT_PERIMETER] = c->vol_int;
    e.volume_mm3[PF_FEAT_SOLID] = c->vol_solid[full];
    double vol3 = 0; /* Σ sparse path length, mm */
    if (supports && !c->sup.base)
        return pf_errf(eb, PF_E_INVAL, "estimate prepared without supports: prepare with supports on");
    support_acc sup = support_acc_of(p); /* with supports: their lines and time so far */
    for (size_t i = 0; i < c->nrecs; i++) {
        const layer_eval *r = &c->recs[i];
        double t[PF_TIME_N] = {0};
        int sparse = mode == 1 && r->has_sparse;
        /* paths at this density: the sparse region's chains (pf_fill_chains), at least one; a path of n lines
         * takes n − 1 links */
        double chains = sparse ? fmax(1, pf_chains_at(&r->br, chain_bin, inv_s, CHAIN_ATTACHED)) : 0;
        double nl3 = sparse ? fmax(0, dn * r->fb[3].nlong - chains) : 0;
        double alen[ANCHOR_MAX];
        int na = sparse ? anchored_lines(r, S, alen) : -1; /* placed lines, or −1: the area model */
        double len3 = 0, time3 = 0, lk3 = link3, tl3 = t_link3;
        if (sparse && r->link_f != LINK_FACTOR) {
            lk3 = S * r->link_f;
            tl3 = pf_motion_move_time(lk3, v3, fmin(p->accel_infill, amax), vj, vj);
        }
        if (na >= 0) {
            nl3 = na > 1 ? na - 1 : 0;
            for (int k = 0; k < na; k++) {
                len3 += alen[k];
                time3 += pf_motion_move_time(alen[k], v3, r->fb[3].a, vj, vj);
            }
            len3 += nl3 * lk3;
            time3 += nl3 * tl3;
        } else if (sparse) {
            if (r->npar) { /* edges along the lines: their lines by phase */
                par_delta d = par_lines(r, S, si, v3, vj, dn * r->fb[3].len);
                nl3 = fmax(0, nl3 + d.n);
                len3 = d.len;
                time3 = d.time;
            }
            len3 += dn * r->fb[3].len + nl3 * lk3;
            time3 += dn * r->sparse_c + nl3 * tl3;
        }
        vol3 += r->mult * len3;
        /* a path per chain, no more than the lines: islands narrower than the spacing print none in most
         * layers (16 pins of 3 mm at 10 %: a line in about 6 of them a layer) */
        double np3 = sparse ? fmin(chains, na >= 0 ? na : dn * r->fb[3].nlong) : 0;
        const double *fl = r->flen[full], *ft = r->ftime[full];
        t[PF_TIME_TRAVEL] = r->t_trav[mode] + np3 * r->path[0];
        t[PF_TIME_OTHER] = r->t_other[mode] + np3 * r->path[1];
        double F = INFINITY, naive = r->naive_all[mode] + np3 * r->path[2] + len3 / v3;
        if (naive < min_time) {
            /* Cooling: slow adjustable groups so the naive layer time reaches the minimum; the sparse group
             * merged into the record's sorted groups */
            double sp[7], sl[7], st[7];
            size_t m = 0, cm = r->cm[full];
            const double *csp = r->csp[full], *csl = r->csl[full], *cst = r->cst[full];
            int in = !(v3 > p->min_print_speed && len3 > 0);
            for (size_t k = 0; k < cm; k++) {
                if (!in && csp[k] < v3) sp[m] = v3, sl[m] = len3, st[m++] = len3 / v3, in = 1;
                sp[m] = csp[k], sl[m] = csl[k], st[m++] = cst[k];
            }
            if (!in) sp[m] = v3, sl[m] = len3, st[m++] = len3 / v3;
            F = pf_motion_cooling_walk(sp, sl, st, m, naive, min_time, p->min_print_speed);
        }
        if (!isfinite(F)) {
            t[PF_FEAT_EXT_PERIMETER] = r->tw_nom[0];
            t[PF_FEAT_PERIMETER] = r->tw_nom[1];
            t[PF_FEAT_SOLID] = ft[0] + ft[1] + ft[2];
            t[PF_FEAT_INFILL] = time3;
        } else {
            e.slowed_layers += (size_t)r->mult;
            double iF = 1 / F,
                   xF = NAN; /* contour excess at F, interpolated once for the groups slowed to F */
            t[PF_FEAT_EXT_PERIMETER] = r->toh[0];
            t[PF_FEAT_PERIMETER] = r->toh[1];
            for (int k = 0; k < 4; k++) {
                if (r->wlen[k] <= 0) continue;
                if (r->wv[k] <= F) {
                    t[k < 2 ? PF_FEAT_EXT_PERIMETER : PF_FEAT_PERIMETER] += r->tw[k];
                    continue;
                }
                if (isnan(xF)) xF = excess_at(r->excess, F);
                t[k < 2 ? PF_FEAT_EXT_PERIMETER : PF_FEAT_PERIMETER] += r->wlen[k] * iF + r->wk[k] * xF;
            }
            const fill_bins *fs = &r->fb[full], *ftop = &r->fb[2], *fsp = &r->fb[3];
            if (fl[0] > 0 && F >= fs->v) {
                t[PF_FEAT_SOLID] += ft[0];
            } else if (fl[0] > 0) { /* at 100 %, a wall's middle strip's short lines too (strip_extra) */
                double xl;
                t[PF_FEAT_SOLID] += bins_time(fs, r->link[0], F, iF, vj) +
                                    (full ? strip_extra(&r->xs, F, fs->a, vj, r->link[0], &xl) : 0);
            }
            if (fl[1] > 0) t[PF_FEAT_SOLID] += F >= ftop->v ? ft[1] : bins_time(ftop, r->link[1], F, iF, vj);
            if (fl[2] > 0) t[PF_FEAT_SOLID] += ft[2];
            if (len3 > 0 && F >= v3) {
                t[PF_FEAT_INFILL] = time3;
            } else if (len3 > 0) {
                double tl = 0;
                for (int k = 0; k < na; k++)
                    tl += pf_motion_move_time(alen[k], F, fsp->a, vj, vj);
                if (na < 0)
                    tl = dn * bins_time(fsp, 0, F, iF, vj) +
                         (r->npar ? par_lines(r, S, si, F, vj, dn * fsp->len).time : 0);
                t[PF_FEAT_INFILL] = tl + nl3 * pf_motion_move_time(lk3, F, fsp->a, vj, vj);
            }
        }
        for (int k = 0; k < PF_TIME_N; k++)
            e.time_s[k] += r->mult * t[k];
        e.overhang_wall_mm += r->mult * r->loh;
        if (supports && c->sup_first[i + 1] > c->sup_first[i]) { /* this record's layers that hold support */
            double bare = t[PF_TIME_TRAVEL] + t[PF_TIME_OTHER] + r->tw_nom[0] + r->tw_nom[1] + ft[0] + ft[1] +
                          ft[2] + time3,
                   now = 0;
            for (int k = 0; k < PF_TIME_N; k++)
                now += t[k];
            for (uint32_t j = c->sup_first[i]; j < c->sup_first[i + 1]; j++)
                support_layer(&sup, c, c->sup_layer[j], naive, bare, now);
        }
    }
    if (mode == 1) /* sparse volume: its path at the infill flow */
        e.volume_mm3[PF_FEAT_INFILL] = vol3 * si * p->layer_height;
    /* Start (travel from the home corner) and end (the end G-code's move to the front at 60 mm/s). */
    e.time_s[PF_TIME_OTHER] += pf_motion_move_time(160, p->speed_travel, at, jerk, jerk) +
                               pf_motion_move_time(150, 60, at, jerk, jerk);

    if (supports) support_finish(&sup, c, &e);
    for (int k = 0; k < PF_FEAT_N; k++)
        e.volume_total_mm3 += e.volume_mm3[k];
    double fil_area = M_PI * p->filament_diameter * p->filament_diameter / 4;
    e.filament_m = e.volume_total_mm3 / fil_area / 1000;
    e.weight_g = e.volume_total_mm3 * p->filament_density / 1000;
    for (int k = 0; k < PF_TIME_N; k++)
        e.print_time_s += e.time_s[k];
    e.job_time_s = e.print_time_s + p->preparation_time;
    *out = e;
    return PF_E_OK;
}

pf_err pf_estimate_run(const pf_mesh *mesh, const pf_profile *p, const pf_backend *be, pf_estimate *out,
                       pf_errbuf *eb)
{
    pf_estimate_cache *c = NULL;
    pf_err err = pf_estimate_prepare(mesh, p, be, &c, eb);
    if (!err) err = pf_estimate_eval(c, p->infill_density, p->supports, out, eb);
    pf_estimate_cache_free(c);
    return err;
}

pf_err pf_estimate_parts(const pf_mesh *mesh, const pf_profile *p, const pf_backend *be,
                         const pf_estimate *whole, pf_part_estimate **out, size_t *n, pf_errbuf *eb)
{
    size_t np = 0;
    for (size_t k = 0; k < mesh->nparts; k++)
        np += mesh->parts[k].printed != 0;
    pf_part_estimate *r = calloc(np ? np : 1, sizeof *r);
    if (!r) return pf_errf(eb, PF_E_NOMEM, "no memory for %zu part estimates", np);
    size_t i = 0;
    for (size_t k = 0; k < mesh->nparts; k++) {
        const pf_part *pt = &mesh->parts[k];
        if (!pt->printed) continue;
        pf_part_estimate *e = &r[i++];
        memcpy(e->name, pt->name, sizeof e->name);
        e->index = k;
        e->triangles = pt->tri_count;
        if (np == 1 && whole) {
            e->printable = 1;
            e->est = *whole;
            continue;
        }
        /* The part alone: its triangle range over the shared vertices, one printed part. */
        pf_part one = {.first_tri = 0, .tri_count = pt->tri_count, .printed = 1};
        pf_mesh view = {.verts = mesh->verts,
                        .tris = mesh->tris + 3 * (size_t)pt->first_tri,
                        .nverts = mesh->nverts,
                        .ntris = pt->tri_count,
                        .parts = &one,
                        .nparts = 1,
                        .format = mesh->format};
        pf_errbuf peb = {{0}};
        pf_err err = pf_estimate_run(&view, p, be, &e->est, &peb);
        if (err == PF_E_EMPTY_MESH) {
            memset(&e->est, 0, sizeof e->est); /* too flat to print alone */
            continue;
        }
        if (err) {
            free(r);
            return pf_errf(eb, err, "part %zu (%s): %s", k + 1, pt->name[0] ? pt->name : "unnamed", peb.msg);
        }
        e->printable = 1;
    }
    *out = r;
    *n = np;
    return PF_E_OK;
}
