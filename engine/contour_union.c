/* The outline of a layer's overlapping contours (contour_union.h). */
#include "engine/contour_union.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"

/* Two islands' boxes this close (mm) count as meeting: shells that touch merge too. */
#define TOUCH 1e-4f
/* Segments closer than this (mm) meet: a vertex of one shell on another's side cuts that side there. */
#define MEET 1e-4
/* The winding of a piece's right side is taken this far (mm) from its middle: well above the rounding of
 * float coordinates (1.5e-5 mm at 250 mm), well below any printed feature. */
#define SIDE 1e-3
/* Most grid entries per segment: a few long diagonals cover a box's worth of cells each; a hostile layer of
 * many such segments is left as it is. */
#define ENTRIES_PER_SEG 64
/* Most pairs of segments compared, and cuts made, per segment: soups of boxes, cylinders and spheres stay far
 * below (a lattice of 42 crossing bars: 5 cuts a segment); a layer of long sides that all cross each other
 * (n² cuts) is left as it is rather than take seconds and memory on it. */
#define PAIRS_PER_SEG 256
#define CUTS_PER_SEG 32

typedef struct box {
    float x0, y0, x1, y1;
    uint32_t s0, e; /* the contour's first and last segment */
} box;

static int box_cmp(const void *a, const void *b)
{
    float x = ((const box *)a)->x0, y = ((const box *)b)->x0;
    return (x > y) - (x < y);
}

typedef struct cut cut;
static int meet(const float *segs, uint32_t a, uint32_t b, cut **c, size_t *nc, size_t *cap);

/* Most sides of an island overlap() compares, in the part its box shares with the other's. */
#define OVERLAP_SEGS 256

/* Whether islands bi and bj, whose boxes meet, overlap: a side of one meets a side of the other within their
 * boxes' common part (where any crossing of theirs lies), or a corner of one lies inside the rest of the
 * layer's material (every contour but its own: a boss in a box's cavity lies in the box's island and its
 * hole, winding 0), as one inside the other does. *work: comparisons left; 1 when they run out. */
static int overlap(const float *segs, uint32_t n, const box *bi, const box *bj, long *work)
{
    box r = {fmaxf(bi->x0, bj->x0) - TOUCH,
             fmaxf(bi->y0, bj->y0) - TOUCH,
             fminf(bi->x1, bj->x1) + TOUCH,
             fminf(bi->y1, bj->y1) + TOUCH,
             0,
             0};
    uint32_t in[2][OVERLAP_SEGS], nin[2] = {0, 0}; /* each one's sides in that part */
    for (int k = 0; k < 2; k++) {
        const box *b = k ? bj : bi;
        for (uint32_t a = b->s0; a <= b->e; a++) {
            const float *p = segs + (size_t)PF_SEG_FLOATS * a;
            if (fmaxf(p[0], p[2]) < r.x0 || fminf(p[0], p[2]) > r.x1 || fmaxf(p[1], p[3]) < r.y0 ||
                fminf(p[1], p[3]) > r.y1)
                continue;
            if (nin[k] == OVERLAP_SEGS) return 1;
            in[k][nin[k]++] = a;
        }
        if ((*work -= (long)(b->e - b->s0 + 1)) < 0) return 1;
    }
    if ((*work -= (long)nin[0] * nin[1]) < 0) return 1;
    for (uint32_t a = 0; a < nin[0]; a++)
        for (uint32_t b = 0; b < nin[1]; b++)
            if (meet(segs, in[0][a], in[1][b], NULL, NULL, NULL)) return 1;
    for (int k = 0; k < 2; k++) {
        const box *own = k ? bj : bi;
        const float *c = segs + (size_t)PF_SEG_FLOATS * own->s0;
        if ((*work -= n) < 0) return 1;
        int w = 0;
        for (uint32_t i = 0; i < n; i++)
            if (i < own->s0 || i > own->e) w += pf_winding_at(segs + (size_t)PF_SEG_FLOATS * i, c[0], c[1]);
        if (w) return 1;
    }
    return 0;
}

/* Comparisons overlap may make per segment of the layer before islands_meet gives up and says they meet. */
#define WORK_PER_SEG 64

/* 1 when every contour closes (consecutive, as pf_slice_simplify writes them) and two islands overlap (boxes
 * that meet, then overlap()), 0 when not, −2 when out of memory. */
static int islands_meet(const float *segs, const uint64_t *keys, uint32_t n, pf_scratch *scratch)
{
    box *bx = pf_scratch_slot(scratch, PF_UNION_SLOT, (n ? n : 1) * sizeof *bx, 0);
    if (!bx) return -2;
    size_t nb = 0;
    for (uint32_t s0 = 0, i; s0 < n; s0 = i + 1) {
        if (keys[2 * (size_t)s0] == UINT64_MAX) return 0;
        double a2 = 0;
        box b = {INFINITY, INFINITY, -INFINITY, -INFINITY, s0, 0};
        for (i = s0;; i++) {
            const float *q = segs + (size_t)PF_SEG_FLOATS * i;
            a2 += (double)q[0] * q[3] - (double)q[2] * q[1];
            b.x0 = q[0] < b.x0 ? q[0] : b.x0, b.x1 = q[0] > b.x1 ? q[0] : b.x1;
            b.y0 = q[1] < b.y0 ? q[1] : b.y0, b.y1 = q[1] > b.y1 ? q[1] : b.y1;
            if (keys[2 * (size_t)i + 1] == keys[2 * (size_t)s0]) break;                     /* closed */
            if (i + 1 >= n || keys[2 * (size_t)i + 2] != keys[2 * (size_t)i + 1]) return 0; /* open */
        }
        b.e = i;
        if (a2 > 0) bx[nb++] = b;
    }
    if (nb < 2) return 0;
    qsort(bx, nb, sizeof *bx, box_cmp);
    long work = (long)WORK_PER_SEG * n + 4096;
    for (size_t i = 0; i < nb; i++)
        for (size_t j = i + 1; j < nb && bx[j].x0 <= bx[i].x1 + TOUCH; j++) {
            if (--work < 0) return 1;
            if (bx[j].y0 <= bx[i].y1 + TOUCH && bx[i].y0 <= bx[j].y1 + TOUCH &&
                overlap(segs, n, &bx[i], &bx[j], &work))
                return 1;
        }
    return 0;
}

/* A point's key: the top bit set (edge keys are pairs of vertex indices below 2^31), the rest a bijective mix
 * of its coordinates' bits with one bit dropped, so pieces that meet at a point share its key. */
static uint64_t point_key(float x, float y)
{
    x += 0.0f, y += 0.0f; /* −0 as 0 */
    uint32_t bx, by;
    memcpy(&bx, &x, sizeof bx);
    memcpy(&by, &y, sizeof by);
    uint64_t h = ((uint64_t)bx << 32 | by) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    return 1ull << 63 | h >> 1;
}

/* A cut of segment seg at parameter t, at point (x, y). */
struct cut {
    uint32_t seg;
    float x, y;
    double t;
};

static int cut_cmp(const void *a, const void *b)
{
    const cut *p = a, *q = b;
    if (p->seg != q->seg) return p->seg < q->seg ? -1 : 1;
    return (p->t > q->t) - (p->t < q->t);
}

/* The grid the segments are binned in: cells of side cs from (x0, y0), gx × gy of them; cell c's segments
 * are idx[start[c] … start[c + 1]). */
typedef struct grid {
    double x0, y0, cs;
    long gx, gy;
    uint32_t *start, *idx;
} grid;

static long cell_of(double v, double v0, double cs, long g)
{
    double c = floor((v - v0) / cs);
    return c < 0 ? 0 : c >= (double)g ? g - 1 : (long)c;
}

/* Bins the segments by the cells of their boxes. 0, or −1 when there would be too many entries, −2 out of
 * memory. */
static int grid_make(grid *g, const float *segs, uint32_t n)
{
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (uint32_t i = 0; i < n; i++)
        for (int k = 0; k < 4; k += 2) {
            const float *q = segs + (size_t)PF_SEG_FLOATS * i + k;
            x0 = q[0] < x0 ? q[0] : x0, x1 = q[0] > x1 ? q[0] : x1;
            y0 = q[1] < y0 ? q[1] : y0, y1 = q[1] > y1 ? q[1] : y1;
        }
    if (!(x1 - x0 < 1e7 && y1 - y0 < 1e7)) return -1; /* NaN or absurd coordinates: left as they are */
    double w = x1 - x0, h = y1 - y0, cs = sqrt(w * h / n);
    if (!(cs >= fmax(w, h) / n)) cs = fmax(w, h) / n;
    if (!(cs > 1e-3)) cs = 1e-3;
    g->x0 = x0, g->y0 = y0, g->cs = cs;
    g->gx = (long)(w / cs) + 1, g->gy = (long)(h / cs) + 1;
    size_t nc = (size_t)g->gx * (size_t)g->gy, total = 0;
    if (!(g->start = calloc(nc + 1, sizeof *g->start))) return -2;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < n; i++) {
            const float *q = segs + (size_t)PF_SEG_FLOATS * i;
            long cx0 = cell_of(fmin(q[0], q[2]), x0, cs, g->gx),
                 cx1 = cell_of(fmax(q[0], q[2]), x0, cs, g->gx);
            long cy0 = cell_of(fmin(q[1], q[3]), y0, cs, g->gy),
                 cy1 = cell_of(fmax(q[1], q[3]), y0, cs, g->gy);
            for (long cy = cy0; cy <= cy1; cy++)
                for (long cx = cx0; cx <= cx1; cx++) {
                    size_t c = (size_t)cy * (size_t)g->gx + (size_t)cx;
                    if (pass == 0)
                        g->start[c + 1]++, total++;
                    else
                        g->idx[g->start[c]++] = i;
                }
            if (pass == 0 && total > (size_t)ENTRIES_PER_SEG * n + 1024) {
                free(g->start);
                return -1;
            }
        }
        if (pass == 0) {
            for (size_t c = 0; c < nc; c++)
                g->start[c + 1] += g->start[c];
            if (!(g->idx = malloc((total ? total : 1) * sizeof *g->idx))) {
                free(g->start);
                return -2;
            }
        } else { /* start[c] moved to start[c + 1]: back one */
            memmove(g->start + 1, g->start, nc * sizeof *g->start);
            g->start[0] = 0;
        }
    }
    return 0;
}

/* Cuts appended to *c (room *cap, *nc used). 0, or −2 out of memory. */
static int cut_add(cut **c, size_t *nc, size_t *cap, uint32_t seg, double t, float x, float y)
{
    if (!c) return 0; /* a test only */
    if (*nc == *cap) {
        size_t nn = *cap ? 2 * *cap : 64;
        cut *p = realloc(*c, nn * sizeof *p);
        if (!p) return -2;
        *c = p, *cap = nn;
    }
    (*c)[(*nc)++] = (cut){seg, x, y, t};
    return 0;
}

/* Where end e of one segment lies on segment p (within MEET of it, strictly between its ends): the
 * parameter along p, else −1. */
static double on_seg(const float *p, const float *e)
{
    double rx = (double)p[2] - p[0], ry = (double)p[3] - p[1], l2 = rx * rx + ry * ry;
    if (!(l2 > 0)) return -1;
    double ex = (double)e[0] - p[0], ey = (double)e[1] - p[1], t = (ex * rx + ey * ry) / l2, l = sqrt(l2);
    if (!(t > MEET / l && t < 1 - MEET / l)) return -1;
    return fabs(ex * ry - ey * rx) / l < MEET ? t : -1;
}

/* Where segments a and b meet (1; 0 when they do not, −2 out of memory): cuts of either strictly inside it.
 * An end of one on the other (a shell's corner on another's side, the ends of a collinear overlap) cuts the
 * other at that end exactly, by its distance from it: near tangent sides (a box's side against a cylinder's
 * corner) cross at a point far along both from where they touch. Else a crossing, at the point computed once
 * for both. */
static int meet(const float *segs, uint32_t a, uint32_t b, cut **c, size_t *nc, size_t *cap)
{
    const float *p = segs + (size_t)PF_SEG_FLOATS * a, *q = segs + (size_t)PF_SEG_FLOATS * b;
    const float m = (float)MEET; /* boxes apart: most pairs of a cell (neighbours along a contour) */
    if (fminf(p[0], p[2]) > fmaxf(q[0], q[2]) + m || fminf(q[0], q[2]) > fmaxf(p[0], p[2]) + m ||
        fminf(p[1], p[3]) > fmaxf(q[1], q[3]) + m || fminf(q[1], q[3]) > fmaxf(p[1], p[3]) + m)
        return 0;
    int touch = 0;
    for (int k = 0; k < 4; k += 2) {
        double t = on_seg(p, q + k), u = on_seg(q, p + k);
        if (t >= 0 && cut_add(c, nc, cap, a, t, q[k], q[k + 1])) return -2;
        if (u >= 0 && cut_add(c, nc, cap, b, u, p[k], p[k + 1])) return -2;
        touch |= t >= 0 || u >= 0;
        /* ends that coincide touch too */
        for (int m = 0; m < 4; m += 2)
            touch |= fabsf(p[m] - q[k]) <= (float)MEET && fabsf(p[m + 1] - q[k + 1]) <= (float)MEET;
    }
    if (touch) return 1;
    double rx = (double)p[2] - p[0], ry = (double)p[3] - p[1], sx = (double)q[2] - q[0],
           sy = (double)q[3] - q[1];
    double lr = sqrt(rx * rx + ry * ry), ls = sqrt(sx * sx + sy * sy), den = rx * sy - ry * sx;
    if (!(lr > 0 && ls > 0) || !(fabs(den) > 1e-12 * lr * ls)) return 0; /* parallel and apart */
    double qpx = (double)q[0] - p[0], qpy = (double)q[1] - p[1];
    double t = (qpx * sy - qpy * sx) / den, u = (qpx * ry - qpy * rx) / den;
    if (!(t > MEET / lr && t < 1 - MEET / lr && u > MEET / ls && u < 1 - MEET / ls)) return 0;
    float x = (float)(p[0] + t * rx), y = (float)(p[1] + t * ry);
    if (cut_add(c, nc, cap, a, t, x, y) || cut_add(c, nc, cap, b, u, x, y)) return -2;
    return 1;
}

/* Segment q's share of the winding number at (x, y): its crossing of the ray towards +x, by the nonzero rule
 * (the raster's), upward +1, downward −1. */
int pf_winding_at(const float *q, double x, double y)
{
    double side = ((double)q[2] - q[0]) * (y - q[1]) - (x - q[0]) * ((double)q[3] - q[1]);
    if (q[1] <= y) return q[3] > y && side > 0;
    return q[3] <= y && side < 0 ? -1 : 0;
}

typedef struct piece {
    float a[2], b[2];
    uint64_t ka, kb;
} piece;

static int piece_cmp(const void *x, const void *y)
{
    const piece *p = *(const piece *const *)x, *q = *(const piece *const *)y;
    if (p->ka != q->ka) return p->ka < q->ka ? -1 : 1;
    if (p->kb != q->kb) return p->kb < q->kb ? -1 : 1;
    return (p > q) - (p < q); /* the first in output order first */
}

long pf_contour_union(const float *segs, const uint64_t *keys, uint32_t n, float **out_segs,
                      uint64_t **out_keys, pf_scratch *scratch)
{
    int m = islands_meet(segs, keys, n, scratch);
    if (m <= 0) return m == -2 ? -2 : -1;
    grid g = {0};
    int ge = grid_make(&g, segs, n);
    if (ge) return ge == -2 ? -2 : -1;
    long ret = -2;
    cut *cuts = NULL;
    size_t ncut = 0, capc = 0, np = 0;
    piece *pc = NULL, **order = NULL;
    pf_outline_index ix = {0};   /* the sides' windings */
    uint8_t *hit = calloc(n, 1); /* per segment: it meets another */
    if (!hit || pf_outline_index_make(&ix, segs, n)) goto done;
    /* every pair sharing a cell (a pair in several cells makes the same cuts again: dropped below) */
    size_t pairs = 0;
    for (size_t c = 0; c < (size_t)g.gx * (size_t)g.gy; c++)
        pairs += (size_t)(g.start[c + 1] - g.start[c]) * (g.start[c + 1] - g.start[c]) / 2;
    if (pairs > (size_t)PAIRS_PER_SEG * n + 65536) {
        ret = -1;
        goto done;
    }
    for (size_t c = 0; c < (size_t)g.gx * (size_t)g.gy; c++)
        for (uint32_t e = g.start[c]; e < g.start[c + 1]; e++)
            for (uint32_t f = e + 1; f < g.start[c + 1]; f++) {
                uint32_t a = g.idx[e], b = g.idx[f];
                /* consecutive segments of a contour meet at their shared end: no cut */
                if (keys[2 * (size_t)a + 1] == keys[2 * (size_t)b] ||
                    keys[2 * (size_t)b + 1] == keys[2 * (size_t)a])
                    continue;
                int mt = meet(segs, a, b, &cuts, &ncut, &capc);
                if (mt < 0) goto done;
                if (mt) hit[a] = hit[b] = 1; /* their contours are tested piece by piece */
                if (ncut > (size_t)CUTS_PER_SEG * n + 4096) {
                    ret = -1;
                    goto done;
                }
            }
    if (ncut) qsort(cuts, ncut, sizeof *cuts, cut_cmp);
    if (!(pc = malloc((n + ncut) * sizeof *pc))) goto done;
    int changed = ncut > 0;
    /* A contour that nothing cuts lies in one winding of the others all round: one side test decides all of
     * it (verdict: −1 none yet, else keep). Contours are consecutive (islands_meet checked them). */
    int verdict = -1;
    for (size_t i = 0, k = 0, s0 = 0, cut_loop = 0; i < n; i++) {
        if (i == s0) { /* a contour starts: whether a cut falls on it */
            size_t e = i;
            while (keys[2 * e + 1] != keys[2 * s0])
                e++;
            cut_loop = 0;
            for (size_t j = i; j <= e; j++)
                cut_loop |= hit[j];
            verdict = -1;
        }
        if (keys[2 * i + 1] == keys[2 * s0]) s0 = i + 1; /* its last segment */
        const float *q = segs + (size_t)PF_SEG_FLOATS * i;
        float ax = q[0], ay = q[1];
        uint64_t ka = keys[2 * i];
        for (;; k++) {
            int last = k >= ncut || cuts[k].seg != i;
            float bx = last ? q[2] : cuts[k].x, by = last ? q[3] : cuts[k].y;
            uint64_t kb = last ? keys[2 * i + 1] : point_key(bx, by);
            double dx = (double)bx - ax, dy = (double)by - ay, len = sqrt(dx * dx + dy * dy);
            if (len > 0) { /* a repeated cut makes no piece */
                double mx = 0.5 * ((double)ax + bx) + SIDE * dy / len,
                       my = 0.5 * ((double)ay + by) - SIDE * dx / len;
                int keep = verdict;
                if (keep < 0) {
                    int w = pf_outline_winding(&ix, mx, my);
                    keep = w == 0 || w == -1; /* the nonzero inside begins here */
                    if (!cut_loop) verdict = keep;
                }
                if (keep)
                    pc[np++] = (piece){{ax, ay}, {bx, by}, ka, kb};
                else
                    changed = 1;
            }
            if (last) break;
            ax = bx, ay = by, ka = kb;
        }
    }
    if (!changed) {
        ret = -1;
        goto done;
    }
    /* pieces cut from a segment take their ends' point keys, so pieces of coincident sides match: once each
     */
    for (size_t i = 0; i < np; i++) {
        if (!(pc[i].ka >> 63)) pc[i].ka = point_key(pc[i].a[0], pc[i].a[1]);
        if (!(pc[i].kb >> 63)) pc[i].kb = point_key(pc[i].b[0], pc[i].b[1]);
    }
    if (!(order = malloc((np ? np : 1) * sizeof *order))) goto done;
    for (size_t i = 0; i < np; i++)
        order[i] = &pc[i];
    qsort(order, np, sizeof *order, piece_cmp);
    for (size_t i = np; i-- > 1;) /* from the last: a run of twins keeps comparing equal keys */
        if (order[i]->ka == order[i - 1]->ka && order[i]->kb == order[i - 1]->kb)
            order[i]->ka = 0; /* a twin */
    float *os = malloc((np ? np : 1) * PF_SEG_FLOATS * sizeof *os);
    uint64_t *ok = malloc((np ? np : 1) * 2 * sizeof *ok);
    if (!os || !ok) {
        free(os);
        free(ok);
        goto done;
    }
    long out = 0;
    for (size_t i = 0; i < np; i++) {
        if (!pc[i].ka) continue;
        float *o = os + (size_t)PF_SEG_FLOATS * (size_t)out;
        o[0] = pc[i].a[0], o[1] = pc[i].a[1], o[2] = pc[i].b[0], o[3] = pc[i].b[1];
        ok[2 * out] = pc[i].ka, ok[2 * out + 1] = pc[i].kb;
        out++;
    }
    *out_segs = os, *out_keys = ok;
    ret = out;
done:
    free(g.start);
    free(g.idx);
    pf_outline_index_free(&ix);
    free(hit);
    free(cuts);
    free(pc);
    free(order);
    return ret;
}

/* Bands per segment on average: a few segments per band, so that a query reads about that many. */
#define BAND_SEGS 4
/* Most band entries per segment (segments that run along y cross many bands): beyond, no index. */
#define BAND_ENTRIES 32

int pf_outline_index_make(pf_outline_index *ix, const float *segs, uint32_t n)
{
    *ix = (pf_outline_index){.segs = segs, .n = n};
    double y0 = INFINITY, y1 = -INFINITY;
    for (uint32_t i = 0; i < n; i++)
        for (int k = 1; k < 4; k += 2) {
            double y = segs[(size_t)PF_SEG_FLOATS * i + (size_t)k];
            y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1;
        }
    if (n < 2 * BAND_SEGS || !(y1 - y0 > 0 && y1 - y0 < 1e7)) return 0; /* few, flat or not finite: a scan */
    uint32_t nb = n / BAND_SEGS;
    double inv = nb / (y1 - y0) * (1 - 1e-9); /* y1 in the last band */
    uint32_t *start = calloc((size_t)nb + 1, sizeof *start);
    if (!start) return -2;
    size_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < n; i++) {
            const float *q = segs + (size_t)PF_SEG_FLOATS * i;
            uint32_t b0 = (uint32_t)((fmin(q[1], q[3]) - y0) * inv),
                     b1 = (uint32_t)((fmax(q[1], q[3]) - y0) * inv);
            for (uint32_t b = b0; b <= b1 && b < nb; b++) {
                if (pass == 0)
                    start[b + 1]++, total++;
                else
                    ix->idx[start[b]++] = i;
            }
        }
        if (pass == 0) {
            if (total > (size_t)BAND_ENTRIES * n) {
                free(start);
                return 0;
            }
            for (uint32_t b = 0; b < nb; b++)
                start[b + 1] += start[b];
            if (!(ix->idx = malloc((total ? total : 1) * sizeof *ix->idx))) {
                free(start);
                return -2;
            }
        } else { /* start[b] moved to start[b + 1]: back one */
            memmove(start + 1, start, nb * sizeof *start);
            start[0] = 0;
        }
    }
    ix->y0 = y0, ix->inv = inv, ix->nb = nb, ix->start = start;
    return 0;
}

int pf_outline_winding(const pf_outline_index *ix, double x, double y)
{
    int w = 0;
    if (!ix->nb) {
        for (uint32_t i = 0; i < ix->n; i++)
            w += pf_winding_at(ix->segs + (size_t)PF_SEG_FLOATS * i, x, y);
        return w;
    }
    double b = floor((y - ix->y0) * ix->inv);
    if (!(b >= 0 && b < ix->nb)) return 0; /* beyond every segment's y */
    for (uint32_t e = ix->start[(size_t)b]; e < ix->start[(size_t)b + 1]; e++)
        w += pf_winding_at(ix->segs + (size_t)PF_SEG_FLOATS * ix->idx[e], x, y);
    return w;
}

void pf_outline_index_free(pf_outline_index *ix)
{
    free(ix->start);
    free(ix->idx);
    *ix = (pf_outline_index){0};
}
