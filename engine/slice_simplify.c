/* A layer's slice with its closed contours simplified (slice_simplify.h). */
#include "engine/slice_simplify.h"

#include "engine/backend.h"

/* The scratch's buffers (pf_scratch.p[k]). */
enum { S_HEAD, S_NEXT, S_CHAIN, S_USED, S_REST, S_PTS };

/* A point where the contour turns by at most this (radians) runs straight on: a prism's side, split where the
 * slice crosses its diagonal (engine/estimate.c's memo_key takes the same). */
#define STRAIGHT 1e-4f
/* Most corners one chord replaces: each try tests every corner it would drop, so a contour of tiny zig-zags
 * within the tolerance (a hostile mesh) costs at most this many tests a corner, not their number squared. A
 * 1 M-triangle sphere's chords replace about 6. */
#define MAX_RUN 32

/* Slot of an edge key in a table of 2^bits slots: Fibonacci hashing, one multiplication (the keys are pairs
 * of vertex indices, whose high bits the product mixes into the top ones). */
static size_t slot_of(uint64_t key, unsigned bits)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

/* A chord a–b, for the distance tests of the points it would replace. */
typedef struct chord {
    const float *a, *b;
    float dx, dy, l2; /* b − a and its squared length */
} chord;

static chord chord_of(const float *a, const float *b)
{
    float dx = b[0] - a[0], dy = b[1] - a[1];
    return (chord){a, b, dx, dy, dx * dx + dy * dy};
}

/* Whether q lies within tol (tol2 = tol²) of the segment c: its distance to the nearer end beyond them, else
 * to the line, compared squared and without a division (cross² ≤ tol²·l2). */
static int near_chord(const chord *c, const float *q, float tol2)
{
    float px = q[0] - c->a[0], py = q[1] - c->a[1], dot = px * c->dx + py * c->dy;
    if (!(c->l2 > 0) || dot <= 0) return px * px + py * py <= tol2;
    if (dot >= c->l2) {
        float ex = q[0] - c->b[0], ey = q[1] - c->b[1];
        return ex * ex + ey * ey <= tol2;
    }
    float cr = px * c->dy - py * c->dx;
    return cr * cr <= tol2 * c->l2;
}

/* Appends segment a → b with keys ka, kb at out[m]. */
static void put(float *out_segs, uint64_t *out_keys, long m, const float *a, const float *b, uint64_t ka,
                uint64_t kb)
{
    float *o = out_segs + (size_t)PF_SEG_FLOATS * (size_t)m;
    o[0] = a[0], o[1] = a[1], o[2] = b[0], o[3] = b[1];
    out_keys[2 * (size_t)m] = ka;
    out_keys[2 * (size_t)m + 1] = kb;
}

long pf_slice_simplify(const float *segs, const uint64_t *keys, uint32_t n, float *out_segs,
                       uint64_t *out_keys, pf_scratch *scratch)
{
    size_t cap = 16;
    unsigned bits = 4;
    while (cap < 2 * (size_t)n)
        cap <<= 1, bits++;
    uint32_t *head = pf_scratch_slot(scratch, S_HEAD, cap * sizeof *head, 1);
    uint32_t *next = pf_scratch_slot(scratch, S_NEXT, (n ? n : 1) * sizeof *next, 0);
    uint32_t *chain = pf_scratch_slot(scratch, S_CHAIN, (n ? n : 1) * sizeof *chain, 0);
    uint8_t *used = pf_scratch_slot(scratch, S_USED, n ? n : 1, 1);
    uint32_t *rest = pf_scratch_slot(scratch, S_REST, (n ? n : 1) * sizeof *rest, 0);
    float *pts = pf_scratch_slot(scratch, S_PTS, (n ? n : 1) * 2 * sizeof *pts, 0);
    if (!head || !next || !chain || !used || !rest || !pts) return -1;
    for (uint32_t i = n; i-- > 0;) { /* lists in index order */
        size_t h = slot_of(keys[2 * (size_t)i], bits);
        next[i] = head[h];
        head[h] = i + 1;
    }
    const float tol2 = PF_SLICE_TOL * PF_SLICE_TOL, max2 = PF_SLICE_MAX_EDGE * PF_SLICE_MAX_EDGE;
    long m = 0;
    for (uint32_t s0 = 0; s0 < n; s0++) {
        if (used[s0]) continue;
        /* the chain from s0: each segment's successor starts on the edge it ends on */
        uint32_t nc = 0, cur = s0;
        int closed = 0;
        for (;;) {
            used[cur] = 1;
            chain[nc++] = cur;
            uint64_t want = keys[2 * (size_t)cur + 1];
            if (want == UINT64_MAX) break;
            if (want == keys[2 * (size_t)s0]) { /* back at the start */
                closed = 1;
                break;
            }
            /* the slicers emit most of a contour in order (85 % of a bumpy sphere's successors are the next
             * segment): that one when it fits, else the first in index order */
            if (cur + 1 < n && !used[cur + 1] && keys[2 * (size_t)cur + 2] == want) {
                cur++;
                continue;
            }
            uint32_t nx = UINT32_MAX;
            for (uint32_t e = head[slot_of(want, bits)]; e; e = next[e - 1]) {
                uint32_t idx = e - 1;
                if (keys[2 * (size_t)idx] != want) continue;
                if (idx == s0) closed = 1;
                if (!used[idx]) {
                    nx = idx;
                    break;
                }
            }
            if (closed || nx == UINT32_MAX) break;
            cur = nx;
        }
        if (!closed || nc < 3) { /* as they are */
            for (uint32_t k = 0; k < nc; k++) {
                const float *s = segs + (size_t)PF_SEG_FLOATS * chain[k];
                put(out_segs, out_keys, m++, s, s + 2, keys[2 * (size_t)chain[k]],
                    keys[2 * (size_t)chain[k] + 1]);
            }
            continue;
        }
        /* point k: the start of chain[k]. Points where the contour runs straight on are dropped first and the
         * walk starts at the least of the others (x, then y), so a prism's layers, whose slices split its
         * sides at other places each, simplify to the same polygon: their masks stay equal (the driver's
         * fingerprints). */
        for (uint32_t k = 0; k < nc; k++) { /* the points in contour order, side by side */
            const float *q = segs + (size_t)PF_SEG_FLOATS * chain[k];
            pts[2 * k] = q[0], pts[2 * k + 1] = q[1];
        }
        uint32_t nr = 0, first = 0;
        for (uint32_t k = 0; k < nc; k++) {
            const float *a = pts + 2 * (k ? k - 1 : nc - 1), *q = pts + 2 * k,
                        *b = pts + 2 * (k + 1 < nc ? k + 1 : 0);
            float ux = q[0] - a[0], uy = q[1] - a[1], vx = b[0] - q[0], vy = b[1] - q[1];
            float cr = ux * vy - uy * vx, dot = ux * vx + uy * vy;
            if (dot > 0 && cr * cr <= STRAIGHT * STRAIGHT * (ux * ux + uy * uy) * (vx * vx + vy * vy))
                continue;
            if (nr) {
                const float *f = pts + 2 * rest[first];
                if (q[0] < f[0] || (q[0] == f[0] && q[1] < f[1])) first = nr;
            }
            rest[nr++] = k;
        }
        if (nr < 3) {
            for (uint32_t k = 0; k < nc; k++) {
                const float *s = segs + (size_t)PF_SEG_FLOATS * chain[k];
                put(out_segs, out_keys, m++, s, s + 2, keys[2 * (size_t)chain[k]],
                    keys[2 * (size_t)chain[k] + 1]);
            }
            continue;
        }
        /* corner i (point rest[(first + i) % nr]) kept; the chord from it to corner j holds corners i + 1 … j
         * − 1 within PF_SLICE_TOL (corner nr is corner 0 again) */
#define CORNER(i) (pts + 2 * (size_t)rest[first + (i) < nr ? first + (i) : first + (i)-nr])
        for (uint32_t i = 0; i < nr;) {
            const float *a = CORNER(i);
            uint32_t j = i + 1;
            while (j < nr && j - i < MAX_RUN) {
                const chord c = chord_of(a, CORNER(j + 1));
                int fits = c.l2 <= max2;
                for (uint32_t k = i + 1; k <= j && fits; k++)
                    fits = near_chord(&c, CORNER(k), tol2);
                if (!fits) break;
                j++;
            }
            uint32_t pa = rest[first + i < nr ? first + i : first + i - nr],
                     pb = rest[first + j < nr ? first + j : first + j - nr]; /* their chain positions */
            put(out_segs, out_keys, m++, a, CORNER(j), keys[2 * (size_t)chain[pa]],
                keys[2 * (size_t)chain[pb ? pb - 1 : nc - 1] + 1]);
            i = j;
        }
#undef CORNER
    }
    return m;
}
