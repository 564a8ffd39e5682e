/* The paths of one layer's centre beads, from its contours. A wall between about 2.6 and 3.75 external widths
 * thick (1.17–1.69 mm with the default profile) prints as its two external beads and one bead along its
 * middle (PrusaSlicer's Arachne). Where such walls meet (a rib grid's crossings, a box's dividers, a
 * letter's strokes) every centre bead between two junctions, or a junction and a wall's end, is a path of
 * its own, with a travel and a retraction before it: a 40 mm grid of 1.2 mm ribs prints 119 of them a layer
 * against 37 contours. The raster's cells (0.18–0.36 mm) cannot follow a bead 0.3 mm wide through a
 * crossing, so the graph is read off the contours: junctions are clusters of the material's concave corners
 * that lie across a wall a wall's width apart (4 at a crossing, 3 at a Y, 2 at a T), wall ends
 * are pairs of convex corners a wall's width apart whose sides run back parallel, and the paths are the
 * graph's edges, half the sum of the degrees. Rounded concave corners count by their two ends; an end that
 * no other faces across its wall (the wall's far side a straight contour) is a wall's end at the blob the
 * rounding makes: a bin of rounded compartments with 1.2 mm walls prints 11 such paths a layer, all found,
 * where none was (with the blobs' own loops, engine/estimate.c: −24.6 → −17.2 % in time); text −12.2 → −10.8
 * %. */
#ifndef PF_CENTRE_BEADS_H
#define PF_CENTRE_BEADS_H

#include <stddef.h>
#include <stdint.h>

typedef struct pf_corner {
    float x, y;
    float ux, uy, vx, vy; /* the edges into and out of it (unit vectors along the contour) */
    uint32_t contour;     /* the contour it lies on (any id the caller gives each contour) */
    uint32_t rounded;     /* 1: an end of a rounded corner (its edges nearly in line), 0: a corner's point */
} pf_corner;

/* One closed contour of n points (xy pairs; the material on its left: islands counter-clockwise, holes
 * clockwise): appends its concave corners (the contour turns right by more than 60°) and both ends of each of
 * its rounded concave corners (a run of smaller right turns along edges of at most 2 mm, 60° or more in all:
 * a bin's rounded pockets, whose walls' centre beads end where the rounding starts) to out, which has room
 * for n, and returns their count; adds to *tips its wall ends: two convex corners lo..hi mm apart along
 * the contour, with only points where it runs straight on between them, whose neighbouring edges run back
 * within 10° of antiparallel and are longer than 1.2 times the end is wide. */
size_t pf_contour_corners(const float *xy, size_t n, uint32_t contour, float lo, float hi, pf_corner *out,
                          unsigned *tips);

/* The junctions among one layer's n concave corners (reordered). Two corners lie across a wall when the
 * line between them leaves each through its material side (not into the notch between its edges, nor along
 * one); a pair across a wall thinner than lo mm marks both as on a wall too thin for a centre bead (they
 * join nothing); other pairs lo..hi mm apart join a cluster. A cluster of k ≥ 3 corners is a junction of
 * degree k. A pair is a T (degree 3) when the material beyond it, away from the wall between them, is at
 * most hi mm thick (a ray from the pair's middle to the layer's segments: nseg of x0, y0, x1, y1), else a
 * wall's end at thicker material (a comb's tooth at its spine: degree 1). A sharp corner on no wall across
 * from another, between walls lo..hi thick whose largest circle across the corner is wider than split mm (a
 * box's inner corner), ends the centre beads on either side of it and holds a short one of its own: degree
 * 4 (PrusaSlicer prints eight pieces round a box of 1.3 mm walls, one loop round 1.25 mm ones). Returns the
 * sum of the degrees
 * (0 when the corners are so crowded that the search would pass 64 candidate pairs a corner; pairs beyond
 * 5·10⁷ segment tests of rays count as Ts); -1 when the scratch cannot be allocated. *beads: the sharp
 * corners on no wall across from another, turning by more than 105° between walls thinner than lo, whose
 * largest circle is `bead` mm or more across: Arachne prints a short bead in each, a path of its own (the
 * cusps where fused tubes' walls meet). */
long pf_junction_degrees(pf_corner *c, size_t n, float lo, float hi, float split, float bead,
                         const float *segs, size_t nseg, uint32_t *beads);

/* Walls a little too wide for one centre bead (about 3.2 to 3.7 external widths: 1.45–1.67 mm with the
 * default profile) print an inner bead along each side, narrower than a perimeter spacing: the inner band's
 * area over the spacing counts such a bead short by 1 − (w/2 − ext_hi) / sp of its length, w the wall's width
 * (a grid of 1.5 mm ribs: 659 mm of inner loops a layer counted, 847 printed). Along the layer's nseg
 * segments (x0, y0, x1, y1, the material on their left), every `step` mm, the wall's width square to the
 * segment is measured; where it lies lo..hi (its other side within 15° of parallel), that share of the step
 * is added; at most a million rays a call, under the junction rays' budget of segment tests. Returns the
 * length left out, mm (0 when the scratch cannot be allocated: the estimate keeps the areas). beads 2: that
 * bead along each side; beads 1: walls of one centre bead (lo..hi about 1.15–1.44 mm), which runs along the
 * wall as wide as its middle (w − 2·ext_hi), so 1 − (w − 2·ext_hi) / sp per mm of wall, half from each
 * side's samples (negative where the middle is wider than a spacing). none: when not NULL, walls of
 * none_lo..lo (between two external bands and a centre bead's minimum: 0.86–1.15 mm), where PrusaSlicer
 * widens the two external beads over the middle and prints no inner bead, add their middle's area (w −
 * 2·ext_hi per mm of wall, half from each side's samples) to *none, mm²; thin (when not NULL): the length of
 * contour sampled along walls thinner than none_lo, which print external beads only, thin[0] along those
 * under one_hi (Arachne's single bead, 0.66 mm), thin[1] along the others (two), mm (both sides count); mid
 * (when not NULL): the middles' area of the walls lo..hi (w − 2·ext_hi per mm of wall), mm². */
double pf_narrow_inner_deficit(const float *segs, size_t nseg, float lo, float hi, float ext_hi, float sp,
                               float step, int beads, float none_lo, double *none, float one_hi,
                               double thin[2], double *mid);

#endif
