/* Centre-bead paths of a layer from its contours: corners, wall ends and junctions (engine/centre_beads.h).
 */
#include "engine/centre_beads.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CORNER_COS 0.5f /* a corner turns by more than 60°: cos of the angle between its edges below this */
#define TIP_COS -0.985f /* a wall end's sides run back within 10° of antiparallel */
#define STRAIGHT_COS 0.985f       /* a point where the contour turns by less than 10° */
#define WALL_COS 0.966f           /* the sides of a wall that keeps its width: within 15° of parallel */
#define TIP_SIDE 1.2f             /* a wall end's sides are longer than this many times its width */
#define PAIR_BUDGET_PER_CORNER 64 /* candidate pairs the junction search of a layer may test, per corner */
#define PAIR_BUDGET 100000        /* and besides */
#define RAY_BUDGET 50000000       /* segment tests of a layer's rays of each kind, in all */
#define SAMPLE_BUDGET 1000000     /* rays of pf_narrow_inner_deficit a layer */

/* The turn at point i of the closed contour xy (n points): 1 a convex corner, -1 a concave one, 0 none;
 * straight: the contour runs on within STRAIGHT_COS of its direction. */
static int turn_at(const float *xy, size_t n, size_t i, int *straight)
{
    const float *a = xy + 2 * ((i + n - 1) % n), *p = xy + 2 * i, *b = xy + 2 * ((i + 1) % n);
    float ux = p[0] - a[0], uy = p[1] - a[1], vx = b[0] - p[0], vy = b[1] - p[1];
    float l2 = (ux * ux + uy * uy) * (vx * vx + vy * vy), dot = ux * vx + uy * vy;
    /* dot against cos·|u|·|v| without square roots */
    *straight = l2 == 0 || (dot > 0 && dot * dot >= STRAIGHT_COS * STRAIGHT_COS * l2);
    if (l2 == 0 || (dot > 0 && dot * dot >= CORNER_COS * CORNER_COS * l2)) return 0;
    return ux * vy - uy * vx > 0 ? 1 : -1;
}

/* Rounded concave corners (a bin's pockets): a run of points, between points where the contour does not
 * turn right, that each turn right by less than a corner, along edges no longer than ARC_EDGE, and turn by
 * ARC_TURN or more in all (ARC_TURN_MAX at most). Its two ends are where the walls beside it stop keeping
 * their width: each becomes a corner (the edge into it, the edge out of it), as a square corner's point is,
 * so that the centre bead of a wall between two such pockets ends there (a pair across the wall at thicker
 * material). Appends them to out, two a run; returns how many. */
#define ARC_EDGE 2.0f
#define ARC_TURN 1.0471976f /* 60° */
#define ARC_TURN_MAX 3.5f   /* 200°: a run nearly all round is a hole that a crack opens, no corner */
static size_t rounded_corners(const float *xy, size_t n, uint32_t contour, pf_corner *out)
{
    /* point i continues the run of point i − 1 when both turn right (short of a corner) and the edge between
     * them is short; a run starts where that fails */
    size_t m = 0, start = n;
    for (size_t i = 0; i < n && start == n; i++) {
        const float *a = xy + 2 * ((i + n - 1) % n), *p = xy + 2 * i, *b = xy + 2 * ((i + 1) % n);
        float ux = p[0] - a[0], uy = p[1] - a[1], vx = b[0] - p[0], vy = b[1] - p[1];
        if (ux * vy - uy * vx >= 0 || ux * ux + uy * uy > ARC_EDGE * ARC_EDGE) start = i;
    }
    if (start == n) return 0; /* a small hole turning right all round: no ends */
    float total = 0;
    size_t first = n, last = n;
    for (size_t s = 0; s <= n; s++) {
        size_t i = (start + s) % n;
        const float *a = xy + 2 * ((i + n - 1) % n), *p = xy + 2 * i, *b = xy + 2 * ((i + 1) % n);
        float ux = p[0] - a[0], uy = p[1] - a[1], vx = b[0] - p[0], vy = b[1] - p[1];
        float lu = sqrtf(ux * ux + uy * uy), lv = sqrtf(vx * vx + vy * vy);
        float cr = ux * vy - uy * vx, dot = ux * vx + uy * vy;
        int right = s < n && lu > 0 && lv > 0 && cr < 0 && dot > CORNER_COS * lu * lv;
        int joins = right && first != n && lu <= ARC_EDGE; /* continues the run */
        if (!joins && first != n) {                        /* the run [first, last] ends */
            if (total >= ARC_TURN && total <= ARC_TURN_MAX && first != last) {
                size_t ends[2] = {first, last};
                for (int e = 0; e < 2; e++) {
                    size_t k = ends[e];
                    const float *ka = xy + 2 * ((k + n - 1) % n), *kp = xy + 2 * k,
                                *kb = xy + 2 * ((k + 1) % n);
                    float kux = kp[0] - ka[0], kuy = kp[1] - ka[1], kvx = kb[0] - kp[0], kvy = kb[1] - kp[1];
                    float klu = sqrtf(kux * kux + kuy * kuy), klv = sqrtf(kvx * kvx + kvy * kvy);
                    out[m++] =
                        (pf_corner){kp[0], kp[1], kux / klu, kuy / klu, kvx / klv, kvy / klv, contour, 1};
                }
            }
            first = last = n;
        }
        if (!right) continue;
        if (first == n) first = i, total = 0;
        total += atan2f(-cr, dot);
        last = i;
    }
    return m;
}

size_t pf_contour_corners(const float *xy, size_t n, uint32_t contour, float lo, float hi, pf_corner *out,
                          unsigned *tips)
{
    if (n < 3) return 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int straight, t = turn_at(xy, n, i, &straight);
        const float *a = xy + 2 * ((i + n - 1) % n), *p = xy + 2 * i;
        float ux = p[0] - a[0], uy = p[1] - a[1], lu = sqrtf(ux * ux + uy * uy);
        if (t < 0) {
            const float *b = xy + 2 * ((i + 1) % n);
            float vx = b[0] - p[0], vy = b[1] - p[1], lv = sqrtf(vx * vx + vy * vy);
            out[m++] = (pf_corner){p[0], p[1], ux / lu, uy / lu, vx / lv, vy / lv, contour, 0};
            continue;
        }
        if (t == 0) continue;
        /* a wall end: the next corner, past points where the contour runs straight on, is convex too, lo..hi
         * along the contour, and the edges into this one and out of that one run back antiparallel */
        float len = 0;
        size_t k = i;
        int tk = 0;
        for (size_t steps = 0; steps < n && len <= hi; steps++) {
            const float *q = xy + 2 * k, *r = xy + 2 * ((k + 1) % n);
            len += sqrtf((r[0] - q[0]) * (r[0] - q[0]) + (r[1] - q[1]) * (r[1] - q[1]));
            k = (k + 1) % n;
            tk = turn_at(xy, n, k, &straight);
            if (tk || !straight) break;
        }
        if (tk <= 0 || len < lo || len > hi) continue;
        const float *q = xy + 2 * k, *r = xy + 2 * ((k + 1) % n);
        float wx = r[0] - q[0], wy = r[1] - q[1], lw = sqrtf(wx * wx + wy * wy);
        /* the sides longer than the end is wide: a wall, not a square peg */
        if (lw > 0 && ux * wx + uy * wy < TIP_COS * lu * lw && lu > TIP_SIDE * len && lw > TIP_SIDE * len)
            ++*tips;
    }
    m += rounded_corners(xy, n, contour, out + m);
    return m;
}

static int by_x(const void *a, const void *b)
{
    float x = ((const pf_corner *)a)->x, y = ((const pf_corner *)b)->x;
    return (x > y) - (x < y);
}

static uint32_t find(uint32_t *up, uint32_t i)
{
    while (up[i] != i)
        i = up[i] = up[up[i]];
    return i;
}

/* Whether direction (dx, dy) (length d) from corner c leaves it through its material side: not into the
 * notch to the right of both its edges, nor within 15° of either edge where it runs from c (two corners of
 * a fused tube's small void lie 1.34 mm apart along the tube's wall, not across a wall: Y junctions of
 * walls with no centre bead, where PrusaSlicer prints a short bead in each corner). */
#define ALONG_COS 0.966f
static int into_material(const pf_corner *c, float dx, float dy, float d)
{
    float eps = 1e-4f * d;
    if (-(c->ux * dx + c->uy * dy) >= ALONG_COS * d || c->vx * dx + c->vy * dy >= ALONG_COS * d) return 0;
    return !(c->ux * dy - c->uy * dx <= eps && c->vx * dy - c->vy * dx <= eps);
}

/* Distance from (x, y) along unit direction (dx, dy) to the nearest of the n segments (x0, y0, x1, y1 each),
 * or INFINITY. */
static float ray_hit(float x, float y, float dx, float dy, const float *segs, size_t n)
{
    float best = INFINITY;
    for (size_t i = 0; i < n; i++, segs += 4) {
        float ex = segs[2] - segs[0], ey = segs[3] - segs[1], den = dx * ey - dy * ex;
        if (den == 0) continue;
        float wx = segs[0] - x, wy = segs[1] - y;
        float t = (wx * ey - wy * ex) / den, s = (wx * dy - wy * dx) / den;
        if (t > 1e-4f && t < best && s >= 0 && s <= 1) best = t;
    }
    return best;
}

/* The layer's segments bucketed on a grid of cells about hi wide, for the rays of rounded_wall_end, which
 * look no farther than hi: a layer of a 100 000-triangle part has thousands of segments. */
typedef struct seg_grid {
    float x0, y0, inv; /* the grid's corner and 1 / cell */
    long nx, ny;       /* cells */
    uint32_t *start;   /* per cell: its first entry in ids (nx·ny + 1) */
    uint32_t *ids;     /* segment indices, cell by cell */
    size_t tests;      /* segment tests the rays may still make (RAY_BUDGET a layer) */
} seg_grid;

/* fminf and fmaxf for coordinates, which are finite: no library calls in the grid's loops */
static inline float min2(float a, float b)
{
    return a < b ? a : b;
}

static inline float max2(float a, float b)
{
    return a > b ? a : b;
}

static void cell_span(const seg_grid *g, float lo, float hi, float origin, long n, long *a, long *b)
{
    float u = (lo - origin) * g->inv, v = (hi - origin) * g->inv;
    *a = u < 0 ? 0 : u >= (float)n ? n - 1 : (long)u;
    *b = v < 0 ? 0 : v >= (float)n ? n - 1 : (long)v;
}

static int grid_build(seg_grid *g, const float *segs, size_t n, float cell)
{
    float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < 4 * n; i += 2) {
        x0 = min2(x0, segs[i]), x1 = max2(x1, segs[i]);
        y0 = min2(y0, segs[i + 1]), y1 = max2(y1, segs[i + 1]);
    }
    if (!(x1 >= x0 && y1 >= y0)) return 0;
    /* no more cells than about four a segment: a sparse layer takes larger cells */
    while ((double)((x1 - x0) / cell + 1) * (double)((y1 - y0) / cell + 1) > 4.0 * (double)n + 64)
        cell *= 2;
    g->x0 = x0, g->y0 = y0, g->inv = 1 / cell;
    g->tests = RAY_BUDGET;
    g->nx = (long)((x1 - x0) / cell) + 1, g->ny = (long)((y1 - y0) / cell) + 1;
    size_t cells = (size_t)(g->nx * g->ny), total = 0;
    g->start = calloc(cells + 1, sizeof *g->start);
    int32_t *span = malloc(4 * n * sizeof *span); /* each segment's cells, from the counting pass */
    if (!g->start || !span) {
        free(span);
        return 0;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const float *q = segs + 4 * i;
            int32_t *sp = span + 4 * i;
            long ax, bx, ay, by;
            if (!pass) {
                cell_span(g, min2(q[0], q[2]), max2(q[0], q[2]), x0, g->nx, &ax, &bx);
                cell_span(g, min2(q[1], q[3]), max2(q[1], q[3]), y0, g->ny, &ay, &by);
                sp[0] = (int32_t)ax, sp[1] = (int32_t)bx, sp[2] = (int32_t)ay, sp[3] = (int32_t)by;
            }
            ax = sp[0], bx = sp[1], ay = sp[2], by = sp[3];
            for (long y = ay; y <= by; y++)
                for (long x = ax; x <= bx; x++) {
                    size_t k = (size_t)(y * g->nx + x);
                    if (pass)
                        g->ids[g->start[k]++] = (uint32_t)i;
                    else
                        g->start[k + 1]++, total++;
                }
        }
        if (!pass) {
            for (size_t k = 0; k < cells; k++)
                g->start[k + 1] += g->start[k];
            if (!(g->ids = malloc((total ? total : 1) * sizeof *g->ids))) {
                free(span);
                return 0;
            }
        } else { /* the fill moved each start to the next cell's: back one cell */
            memmove(g->start + 1, g->start, cells * sizeof *g->start);
            g->start[0] = 0;
        }
    }
    free(span);
    return 1;
}

/* How far the wall's other side lies from (x, y) along unit direction (dx, dy), looking no farther than hi:
 * INFINITY when nothing is hit within hi or the side hit does not run within WALL_COS of parallel to (ux, uy)
 * (the wall does not keep its width there). */
static float wall_across(float x, float y, float dx, float dy, float ux, float uy, float hi,
                         const float *segs, seg_grid *g)
{
    float best = INFINITY;
    const float *hit = NULL;
    long ax, bx, ay, by;
    cell_span(g, min2(x, x + hi * dx), max2(x, x + hi * dx), g->x0, g->nx, &ax, &bx);
    cell_span(g, min2(y, y + hi * dy), max2(y, y + hi * dy), g->y0, g->ny, &ay, &by);
    for (long cy = ay; cy <= by; cy++)
        for (long cx = ax; cx <= bx; cx++) {
            size_t k = (size_t)(cy * g->nx + cx);
            if (g->start[k + 1] - g->start[k] > g->tests) return INFINITY; /* a hostile layer: no more rays */
            g->tests -= g->start[k + 1] - g->start[k];
            for (uint32_t e = g->start[k]; e < g->start[k + 1]; e++) {
                const float *q = segs + 4 * (size_t)g->ids[e];
                float ex = q[2] - q[0], ey = q[3] - q[1], den = dx * ey - dy * ex;
                if (den == 0) continue;
                float wx = q[0] - x, wy = q[1] - y;
                float t = (wx * ey - wy * ex) / den, s = (wx * dy - wy * dx) / den;
                if (t > 1e-4f && t < best && s >= 0 && s <= 1) best = t, hit = q;
            }
        }
    if (!hit || best > hi) return INFINITY;
    float ex = hit[2] - hit[0], ey = hit[3] - hit[1], le = sqrtf(ex * ex + ey * ey);
    return le > 0 && fabsf(ex * ux + ey * uy) >= WALL_COS * le ? best : INFINITY;
}

/* For an end of a rounded corner that no corner faces across its wall (a bin's outer wall beside a rounded
 * pocket): whether the wall's other side, square to the edge into it, lies lo..hi away and runs within
 * WALL_COS of parallel: a wall with a centre bead that ends there. */
static int rounded_wall_end(const pf_corner *c, float lo, float hi, const float *segs, seg_grid *g)
{
    float w = wall_across(c->x, c->y, -c->uy, c->ux, c->ux, c->uy, hi, segs, g); /* into the material */
    return w >= lo && w <= hi;
}

/* The widths of the walls into and out of corner c, square to its edges (wall_across: INFINITY where no side
 * within hi runs parallel). */
static void corner_walls(const pf_corner *c, float hi, const float *segs, seg_grid *g, float w[2])
{
    w[0] = wall_across(c->x, c->y, -c->uy, c->ux, c->ux, c->uy, hi, segs, g);
    w[1] = wall_across(c->x, c->y, -c->vy, c->vx, c->vx, c->vy, hi, segs, g);
}

/* How much more than a right angle's a blunter corner's circle must exceed hi by to split, per unit of −cos β
 * (PrusaSlicer 2.5, rings of 6 mm: a square's corners split from 1.172·w = 1.52 mm across at 0.2 mm layers,
 * 0.05 mm over the 1.47 mm walls that print four beads, a pentagon's 108° ones at 1.60 mm, 0.13 over, not at
 * 1.55, and a hexagon's 120° ones not at 1.55 mm, 0.08 over, nor at 1.50 with 0.3 mm layers, 0.09 over their
 * 1.42 mm, where the split as at a right angle counted six pieces a layer and 37 % more time; an octagon's
 * never; a triangle's 60° ones all split). */
#define SPLIT_BLUNT 4.0f

/* For a sharp concave corner that no corner faces across its wall (a box's inner corner, its outer corner
 * across the wall convex), its walls w: whether both are lo..hi thick (a centre bead each) and so much
 * thicker across the corner that Arachne adds a bead there and the centre bead stops on either side of it.
 * The largest circle in the corner touches the outer sides and the inner corner: 2·w / (1 + sin β/2) across
 * for walls w thick meeting at angle β (1.17·w at a right angle), against split, or beyond a right angle
 * SPLIT_BLUNT·(−cos β) times split's margin over hi more. */
static int corner_splits(const pf_corner *c, const float w[2], float lo, float hi, float split)
{
    if (!(w[0] >= lo && w[0] <= hi && w[1] >= lo && w[1] <= hi)) return 0;
    float ncos = c->ux * c->vx + c->uy * c->vy;            /* −cos β */
    float half = sqrtf(fmaxf(0.0f, 0.5f * (1.0f + ncos))); /* sin β/2 */
    float need = split + (split - hi) * SPLIT_BLUNT * fmaxf(0.0f, ncos);
    return (w[0] + w[1]) / (1.0f + half) > need;
}

/* Whether some segment comes nearer than r to (x, y), the corner (cx, cy) aside (its own edges touch the
 * circles that pass through it); 1 too once the layer's ray budget is spent. */
static int circle_blocked(float x, float y, float r, float cx, float cy, const float *segs, seg_grid *g)
{
    long ax, bx, ay, by;
    cell_span(g, x - r, x + r, g->x0, g->nx, &ax, &bx);
    cell_span(g, y - r, y + r, g->y0, g->ny, &ay, &by);
    float r2 = r * r * 0.998f, eps2 = 1e-8f + 1e-6f * r * r;
    for (long cy_ = ay; cy_ <= by; cy_++)
        for (long cx_ = ax; cx_ <= bx; cx_++) {
            size_t k = (size_t)(cy_ * g->nx + cx_);
            if (g->start[k + 1] - g->start[k] > g->tests) return 1;
            g->tests -= g->start[k + 1] - g->start[k];
            for (uint32_t e = g->start[k]; e < g->start[k + 1]; e++) {
                const float *q = segs + 4 * (size_t)g->ids[e];
                float ex = q[2] - q[0], ey = q[3] - q[1], l2 = ex * ex + ey * ey;
                float s = l2 > 0 ? ((x - q[0]) * ex + (y - q[1]) * ey) / l2 : 0;
                s = s < 0 ? 0 : s > 1 ? 1 : s;
                float px = q[0] + s * ex, py = q[1] + s * ey;
                float d2 = (px - x) * (px - x) + (py - y) * (py - y);
                float c2 = (px - cx) * (px - cx) + (py - cy) * (py - cy);
                if (d2 < r2 && c2 > eps2) return 1;
            }
        }
    return 0;
}

/* Sharp concave corners between walls too thin for a centre bead: where the corner is so much thicker that
 * Arachne adds a bead there, it prints it as a path of its own, with a retraction and a travel: the cusps
 * where fused tubes' 1 mm walls meet (24 a layer round seven tubes, 2.5 mm each; 0.2 mm ones where the walls
 * are 0.9 mm), a triangular or rhombic tube's acute inner corners. PrusaSlicer's threshold, read off such
 * tubes: the largest circle in the corner `bead` or more across, and the corner turning by more than 105°
 * (rhombic tubes: a bead at each 60° corner of 0.9 mm walls, 1.20 mm across, none at 70°, 1.14 mm, nor
 * at a star cutter's 45° tips of 0.8 mm walls, 1.16 mm; at 70° of 1.0 mm walls, 1.27 mm, but none at 80°,
 * 1.22 mm; a square tube's corners none up to 1.35 mm). */
#define BEAD_TURN_COS -0.26f

/* The largest circle through corner c, centred on its bisector, that no other part of the layer's contours
 * enters, up to hi across: its diameter. */
static float corner_circle(const pf_corner *c, float hi, const float *segs, seg_grid *g)
{
    float nx = -c->uy - c->vy, ny = c->ux + c->vx, nl = sqrtf(nx * nx + ny * ny); /* into the material */
    if (!(nl > 1e-6f)) return 0;
    nx /= nl, ny /= nl;
    float a = 0, b = 0.5f * hi; /* the circle of radius a fits, none past b does */
    if (!circle_blocked(c->x + b * nx, c->y + b * ny, b, c->x, c->y, segs, g)) return hi;
    for (int i = 0; i < 12; i++) {
        float t = 0.5f * (a + b);
        if (circle_blocked(c->x + t * nx, c->y + t * ny, t, c->x, c->y, segs, g))
            b = t;
        else
            a = t;
    }
    return 2 * a;
}

static int corner_bead(const pf_corner *c, const float w[2], float lo, float hi, float bead,
                       const float *segs, seg_grid *g)
{
    return c->ux * c->vx + c->uy * c->vy <= BEAD_TURN_COS && w[0] < lo && w[1] < lo &&
           corner_circle(c, hi, segs, g) >= bead;
}

/* The direction in which the wall across corners a and b runs away from a: along the edge of a that is most
 * nearly square to a → b (back along the edge into a, or on along the edge out of it). */
static void wall_dir(const pf_corner *a, const pf_corner *b, float *nx, float *ny)
{
    float abx = b->x - a->x, aby = b->y - a->y;
    *nx = -a->ux, *ny = -a->uy;
    if (fabsf(a->vx * abx + a->vy * aby) < fabsf(*nx * abx + *ny * aby)) *nx = a->vx, *ny = a->vy;
}

/* For a pair of corners a, b across a wall (a T's stem, or a tooth at its spine): whether the material
 * beyond them, away from the wall, is thin (at most hi mm to the contour: the T's bar, a wall itself). */
static int bar_thin(const pf_corner *a, const pf_corner *b, float hi, const float *segs, size_t n)
{
    float nx, ny;
    wall_dir(a, b, &nx, &ny);
    float mx = 0.5f * (a->x + b->x), my = 0.5f * (a->y + b->y);
    return ray_hit(mx, my, -nx, -ny, segs, n) <= hi;
}

/* Whether the wall between the pair a, b keeps its width: its two sides run on within WALL_COS of parallel.
 * A tapering one (a gear's tooth) soon leaves the widths of a centre bead, and Arachne prints what bead it
 * has there as part of the inner loop of the material it grows from, not as a path of its own. */
static int wall_parallel(const pf_corner *a, const pf_corner *b)
{
    float ax, ay, bx, by;
    wall_dir(a, b, &ax, &ay);
    wall_dir(b, a, &bx, &by);
    return ax * bx + ay * by >= WALL_COS;
}

long pf_junction_degrees(pf_corner *c, size_t n, float lo, float hi, float split, float bead,
                         const float *segs, size_t nseg, uint32_t *beads)
{
    *beads = 0;
    if (n < 2) return 0;
    uint32_t *up = malloc(4 * n * sizeof *up), *size = up + n, *mate = size + n, *links = mate + n;
    if (!up) return -1;
    qsort(c, n, sizeof *c, by_x);
    for (size_t i = 0; i < n; i++)
        up[i] = (uint32_t)i, size[i] = 0, links[i] = 0;
    uint8_t *thin = (uint8_t *)size; /* borrowed until the sizes are counted */
    /* corners crowded into a narrow column (a finely serrated edge along y) would make the sweep quadratic:
     * past this many candidate pairs the layer counts no junctions */
    size_t budget = PAIR_BUDGET_PER_CORNER * n + PAIR_BUDGET;
    for (int pass = 0; pass < 2; pass++) /* thin walls first, then the clusters of the others */
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n && c[j].x - c[i].x <= hi; j++) {
                if (!budget--) {
                    free(up);
                    return 0;
                }
                float dx = c[j].x - c[i].x, dy = c[j].y - c[i].y, d = sqrtf(dx * dx + dy * dy);
                if (d > hi || !into_material(&c[i], dx, dy, d) || !into_material(&c[j], -dx, -dy, d))
                    continue;
                if (pass == 0) {
                    if (d < lo) thin[i] = thin[j] = 1;
                    continue;
                }
                if (d < lo || thin[i] || thin[j]) continue;
                uint32_t a = find(up, (uint32_t)i), b = find(up, (uint32_t)j);
                if (a != b) up[a] = b;
                mate[i] = (uint32_t)j, mate[j] = (uint32_t)i;
                links[i]++, links[j]++;
            }
    memset(size, 0, n * sizeof *size);
    for (size_t i = 0; i < n; i++)
        size[find(up, (uint32_t)i)]++;
    long deg = 0;
    size_t rays = 0;
    seg_grid grid = {0};
    for (size_t i = 0; i < n; i++) {
        uint32_t r = find(up, (uint32_t)i);
        if (size[r] >= 3) {
            deg += r == i ? size[r] : 0;
        } else if (size[r] == 2 && links[i] == 1 && i < mate[i]) {
            /* a pair: a T whose bar is a wall too, or a wall's end at thicker material (each ray tests every
             * segment: past the budget, pairs count as Ts) */
            int ray = rays < RAY_BUDGET / (nseg + 1);
            rays += (size_t)ray;
            if (!wall_parallel(&c[i], &c[mate[i]])) continue;
            deg += !ray || bar_thin(&c[i], &c[mate[i]], hi, segs, nseg) ? 3 : 1;
        } else if (size[r] == 1 && nseg) {
            if (!grid.start && !grid_build(&grid, segs, nseg, hi)) {
                deg = -1;
                break;
            }
            /* a split corner: the centre bead's two ends and the piece between them */
            float w[2];
            if (c[i].rounded) {
                deg += rounded_wall_end(&c[i], lo, hi, segs, &grid);
            } else {
                corner_walls(&c[i], hi, segs, &grid, w);
                if (corner_splits(&c[i], w, lo, hi, split))
                    deg += 4;
                else
                    *beads += (uint32_t)corner_bead(&c[i], w, lo, hi, bead, segs, &grid);
            }
        }
    }
    free(grid.start);
    free(grid.ids);
    free(up);
    return deg;
}

double pf_narrow_inner_deficit(const float *segs, size_t nseg, float lo, float hi, float ext_hi, float sp,
                               float step, int beads, float none_lo, double *none, float one_hi,
                               double thin[2], double *mid)
{
    seg_grid grid = {0};
    if (!nseg || !(step > 0) || !grid_build(&grid, segs, nseg, hi)) {
        free(grid.start);
        return 0;
    }
    double out = 0, at = 0.5 * step; /* where the next sample lies along the current segment */
    size_t samples = SAMPLE_BUDGET;
    for (size_t i = 0; i < nseg && samples; i++) {
        const float *q = segs + 4 * i;
        double ex = q[2] - q[0], ey = q[3] - q[1], len = sqrt(ex * ex + ey * ey);
        if (!(len > 0 && len < 1e9)) continue;
        double ux = ex / len, uy = ey / len;
        for (; at < len && samples; at += step, samples--) {
            float w = wall_across((float)(q[0] + ux * at), (float)(q[1] + uy * at), (float)-uy, (float)ux,
                                  (float)ux, (float)uy, hi, segs, &grid);
            if (w >= lo && w < hi) {
                out += beads == 2 ? step * (1.0 - (0.5 * w - ext_hi) / sp)      /* a bead along each side */
                                  : 0.5 * step * (1.0 - (w - 2 * ext_hi) / sp); /* one, sampled from both */
                if (mid) *mid += 0.5 * step * (w - 2 * ext_hi);
            } else if (none && w >= none_lo && w < lo)
                *none += 0.5 * step * (w - 2 * ext_hi);
            else if (thin && w < none_lo)
                thin[w < one_hi ? 0 : 1] += step;
        }
        at -= len;
    }
    free(grid.start);
    free(grid.ids);
    return out;
}
