/* One layer's slice on the host, from its segments (engine/layer_geom.h): wall middles (Arachne's widened
 * beads or a strip of infill), overlapping shells, and the pieces of its inner beads' region. */
#include "engine/layer_geom.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <simde/x86/sse2.h>

#define MIDDLE_BITS ((uint8_t)(PF_FILL_MIDDLE << PF_CELL_FILL_SHIFT))
#define SOLID_BITS ((uint8_t)(PF_FILL_SOLID << PF_CELL_FILL_SHIFT))

/* Bit 2 of each byte of the 8 at c that holds the fill class PF_FILL_MIDDLE (all three fill bits set). */
static uint64_t middle_bits(const uint8_t *c)
{
    uint64_t w;
    memcpy(&w, c, 8);
    return w & w >> 1 & w >> 2 & 0x0404040404040404ull;
}

static int word_has_middle(const uint8_t *c)
{
    return middle_bits(c) != 0;
}

/* The middle cells' 8-cell words (from each row's start) and their rectangle: what resolve_rect works on. */
typedef struct middle_words {
    uint32_t *w;         /* each word's first cell, y · nx + x, in row order */
    long n;              /* words */
    long x0, x1, y0, y1; /* the rectangle that holds them (to 8 columns) */
} middle_words;

/* Bit k: cell c[k] holds the fill class PF_FILL_MIDDLE (fm, mid: the fill mask and that class, per byte). */
static inline unsigned middle_mask16(const uint8_t *c, simde__m128i fm, simde__m128i mid)
{
    return (unsigned)simde_mm_movemask_epi8(simde_mm_cmpeq_epi8(
        simde_mm_and_si128(simde_mm_loadu_si128((const simde__m128i *)(const void *)c), fm), mid));
}

/* Adds the word whose first cell is (x, y) to mw. */
static void word_add(middle_words *mw, long nx, long y, long x)
{
    mw->w[mw->n++] = (uint32_t)(y * nx + x);
    long last = x + 7 < nx ? x + 7 : nx - 1;
    if (mw->y0 < 0) mw->y0 = y;
    mw->y1 = y;
    if (x < mw->x0) mw->x0 = x;
    if (last > mw->x1) mw->x1 = last;
}

/* The words of cls that hold a middle cell, 16 cells a step (most hold none), into mw (its list in scratch
 * slot 8). Returns 0 when there is no room for the list. */
static int middle_rect(const uint8_t *cls, long nx, long ny, const int32_t *span, pf_scratch *sc,
                       middle_words *mw)
{
    size_t most = (size_t)((nx + 7) / 8) * (size_t)ny; /* every word */
    mw->n = 0, mw->y0 = -1, mw->y1 = -1, mw->x0 = nx, mw->x1 = -1;
    if (!(mw->w = pf_scratch_slot(sc, 8, (most ? most : 1) * sizeof *mw->w, 0))) return 0;
    const simde__m128i fm = simde_mm_set1_epi8((char)PF_CELL_FILL_MASK),
                       mid = simde_mm_set1_epi8((char)MIDDLE_BITS);
    for (long y = 0; y < ny; y++) {
        const uint8_t *row = cls + y * nx;
        long x = 0, xe = nx; /* the row's cells that may have a class */
        if (span) {
            if (span[2 * y] >= span[2 * y + 1]) continue;
            x = span[2 * y] & ~15L, xe = span[2 * y + 1];
        }
        for (; x <= nx - 16 && x < xe; x += 16) {
            unsigned m = middle_mask16(row + x, fm, mid);
            if (!m) continue;
            if (m & 0xFFu) word_add(mw, nx, y, x);
            if (m >> 8) word_add(mw, nx, y, x + 8);
        }
        if (x < xe && x < nx && nx >= 16) { /* the row's last cells: the 16 that end it, bit 0 cell x */
            unsigned m = middle_mask16(row + nx - 16, fm, mid) >> (x - (nx - 16));
            if (m & 0xFFu) word_add(mw, nx, y, x);
            if (m >> 8) word_add(mw, nx, y, x + 8);
            x = nx;
        }
        for (; x < nx && x < xe; x += 8) {
            int hit = 0;
            if (x + 8 <= nx)
                hit = word_has_middle(row + x);
            else
                for (long k = x; k < nx && !hit; k++)
                    hit = (row[k] & PF_CELL_FILL_MASK) == MIDDLE_BITS;
            if (hit) word_add(mw, nx, y, x);
        }
    }
    return 1;
}

/* Segments near each block of BLOCK × BLOCK cells of the middles' rectangle: those whose bounding box comes
 * within reach of the block, copied per block (start: each block's first entry, CSR). A segment's entries go
 * as (its length + 2·reach)² / BLOCK² (the far reach is 2·ridge, about 10 cells): blocks of 8 instead of 4
 * made fewer entries than the longer lists cost (callgrind, one thread: a napkin ring −8.6 %, a Pi base −10
 * %, diagonal ribs −11 %, a dome −5 % of the estimate's instructions; 12 and 16 within 1 % of 8). The answers
 * do not depend on it: every block lists every segment its cells' searches need (the nearest segment among
 * ties in the same order), the rest change no minimum and no hit. */
#define BLOCK 8
#define FEW_WORDS 8 /* a layer's middles in at most this many 8-cell words: one block */
typedef struct seg_index {
    long x0, y0, nbx, nby;
    uint32_t *start;     /* nbx · nby + 1 */
    float *ax, *ay;      /* per entry: the segment's start, */
    float *ex, *ey;      /* its direction (end − start) */
    float *il2;          /* and 1 / its squared length; entries of one block are consecutive */
    float *tmp;          /* scratch of the longest list */
    const uint8_t *mark; /* per block: 1 when it holds a middle cell (NULL: every block) */
} seg_index;

/* The blocks [*a, *b] along one axis that the interval [lo, hi] (mm) reaches: cell c's centre is at
 * origin + (c + 0.5)·cell (inv = 1 / cell); blocks start at cell first, n of them. */
static int block_span(float lo, float hi, float origin, float inv, long first, long n, long *a, long *b)
{
    /* truncation and one more cell at the top: a block range that holds [lo, hi]'s, maybe a little more
     * (a segment in one more block only makes that block's list longer) */
    float u = (lo - origin) * inv - 0.5f, v = (hi - origin) * inv - 0.5f;
    long ca = u > 0 ? (long)u : 0, cb = v > 0 ? (long)v + 1 : -1;
    *a = ca < first ? 0 : (ca - first) / BLOCK;
    *b = cb < first ? -1 : (cb - first) / BLOCK;
    if (*b > n - 1) *b = n - 1;
    return *a <= *b;
}

static int seg_blocks(const float *s, const pf_grid *g, float reach, const seg_index *ix, long *ax, long *bx,
                      long *ay, long *by)
{
    float inv = 1.0f / g->cell, xl = s[0] < s[2] ? s[0] : s[2], xh = s[0] < s[2] ? s[2] : s[0];
    float yl = s[1] < s[3] ? s[1] : s[3], yh = s[1] < s[3] ? s[3] : s[1];
    return block_span(xl - reach, xh + reach, g->x0, inv, ix->x0, ix->nbx, ax, bx) &&
           block_span(yl - reach, yh + reach, g->y0, inv, ix->y0, ix->nby, ay, by);
}

/* A selected segment's blocks in index_build. */
typedef struct seg_span {
    int32_t ax, bx, ay, by; /* its blocks (ax > bx: none) */
    float il2;              /* 1 / its squared length */
    uint64_t bits; /* those listed, when there are at most 64: bit (y − ay)·w + x − ax (w: bx − ax + 1) */
} seg_span;

/* Builds ix over segments sel[0 … nsel) of segs. */
static int index_build(seg_index *ix, const pf_grid *g, const float *segs, const uint32_t *sel, uint32_t nsel,
                       float reach, pf_scratch *sc, int k0)
{
    size_t nb = (size_t)(ix->nbx * ix->nby);
    ix->start = pf_scratch_slot(sc, k0, (nb + 1) * sizeof *ix->start, 1);
    if (!ix->start) return 0;
    size_t total = 0;
    /* each segment's blocks, found in the counting pass and used again in the filling one (when they are few,
     * as bits of those the index lists: most of a small segment's blocks hold no middle), and 1 / its squared
     * length (one division a segment, not one an entry) */
    seg_span *span = pf_scratch_slot(sc, 7, (nsel ? nsel : 1) * sizeof *span, 0);
    if (!span) return 0;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t k = 0; k < nsel; k++) {
            const float *s = segs + (size_t)PF_SEG_FLOATS * sel[k];
            float ex = s[2] - s[0], ey = s[3] - s[1], l2 = ex * ex + ey * ey;
            seg_span *sp = &span[k];
            long ax, bx, ay, by;
            if (!pass) {
                /* a point (a length under √FLT_MIN: its 1 / l2 would not be finite) or out of reach */
                if (!(l2 >= FLT_MIN) || !seg_blocks(s, g, reach, ix, &ax, &bx, &ay, &by))
                    ax = 1, bx = 0, ay = by = 0;
                sp->ax = (int32_t)ax, sp->bx = (int32_t)bx, sp->ay = (int32_t)ay, sp->by = (int32_t)by;
                sp->bits = 0;
                if (ax <= bx) sp->il2 = 1.0f / l2;
            }
            ax = sp->ax, bx = sp->bx, ay = sp->ay, by = sp->by;
            if (ax > bx) continue; /* no block: a point, or out of reach */
            long w = bx - ax + 1;
            int few = w * (by - ay + 1) <= 64;
            if (pass && few) {
                for (uint64_t m = sp->bits; m; m &= m - 1) {
                    long t = __builtin_ctzll(m);
                    uint32_t e = ix->start[(size_t)((ay + t / w) * ix->nbx + ax + t % w)]++;
                    ix->ax[e] = s[0], ix->ay[e] = s[1], ix->ex[e] = ex, ix->ey[e] = ey, ix->il2[e] = sp->il2;
                }
                continue;
            }
            for (long y = ay; y <= by; y++)
                for (long x = ax; x <= bx; x++) {
                    size_t b = (size_t)(y * ix->nbx + x);
                    if (ix->mark && !ix->mark[b]) continue;
                    if (!pass) {
                        ix->start[b + 1]++;
                        total++;
                        if (few) sp->bits |= 1ull << ((y - ay) * w + (x - ax));
                        continue;
                    }
                    uint32_t e = ix->start[b]++;
                    ix->ax[e] = s[0], ix->ay[e] = s[1], ix->ex[e] = ex, ix->ey[e] = ey, ix->il2[e] = sp->il2;
                }
        }
        if (pass) break;
        if (total > UINT32_MAX) return 0;
        uint32_t longest = 0;
        for (size_t b = 0; b < nb; b++) {
            if (ix->start[b + 1] > longest) longest = ix->start[b + 1];
            ix->start[b + 1] += ix->start[b];
        }
        size_t n = total ? total : 1;
        ix->ax = pf_scratch_slot(sc, k0 + 1, 5 * n * sizeof(float) + (longest + 1) * sizeof(float), 0);
        if (!ix->ax) return 0;
        ix->ay = ix->ax + n, ix->ex = ix->ay + n, ix->ey = ix->ex + n, ix->il2 = ix->ey + n,
        ix->tmp = ix->il2 + n;
    }
    for (size_t b = nb; b > 0; b--) /* the fill pass moved each start to its block's end */
        ix->start[b] = ix->start[b - 1];
    ix->start[0] = 0;
    return 1;
}

/* Whether the wall at point (px, py) is thinner than cap: from the nearest point of the n segments at entries
 * [k0, k0 + n) of ix, along the normal through it, some segment the ray meets within cap (and beyond 1e-4).
 * Four segments a step (SIMDe, SSE2), each lane's arithmetic the same float operations as one segment at a
 * time would make: the answers of the scalar loops it replaced (the nearest hit, compared with cap by the
 * caller) bit for bit, 1770 of 1770 accuracy rows the same. 14 held-out meshes whose walls are thin, one
 * thread: −6 % in the geometric mean (a napkin ring −15 %, a ribbed dome −9 %). */
static int thinner_at(float px, float py, const seg_index *near, size_t b, const seg_index *far, float cap)
{
    uint32_t k0 = near->start[b], n = near->start[b + 1] - k0;
    const float *ax = near->ax + k0, *ay = near->ay + k0, *ex = near->ex + k0, *ey = near->ey + k0,
                *il2 = near->il2 + k0;
    float *e = near->tmp;
    if (!n) return 0;
    const simde__m128 zero = simde_mm_setzero_ps(), one = simde_mm_set1_ps(1.0f), vx = simde_mm_set1_ps(px),
                      vy = simde_mm_set1_ps(py);
    uint32_t k = 0;
    for (; k + 4 <= n; k += 4) { /* squared distance to each segment */
        simde__m128 a = simde_mm_loadu_ps(ax + k), c = simde_mm_loadu_ps(ay + k),
                    u = simde_mm_loadu_ps(ex + k), v = simde_mm_loadu_ps(ey + k);
        simde__m128 t = simde_mm_mul_ps(simde_mm_add_ps(simde_mm_mul_ps(simde_mm_sub_ps(vx, a), u),
                                                        simde_mm_mul_ps(simde_mm_sub_ps(vy, c), v)),
                                        simde_mm_loadu_ps(il2 + k));
        /* the clamp (t is finite: index_build lists no segment whose il2 is not): a −0 that the scalar one
         * keeps gives the same e */
        t = simde_mm_min_ps(simde_mm_max_ps(t, zero), one);
        simde__m128 qx = simde_mm_sub_ps(simde_mm_add_ps(a, simde_mm_mul_ps(t, u)), vx),
                    qy = simde_mm_sub_ps(simde_mm_add_ps(c, simde_mm_mul_ps(t, v)), vy);
        simde_mm_storeu_ps(e + k, simde_mm_add_ps(simde_mm_mul_ps(qx, qx), simde_mm_mul_ps(qy, qy)));
    }
    for (; k < n; k++) {
        float t = ((px - ax[k]) * ex[k] + (py - ay[k]) * ey[k]) * il2[k];
        t = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
        float qx = ax[k] + t * ex[k] - px, qy = ay[k] + t * ey[k] - py;
        e[k] = qx * qx + qy * qy;
    }
    uint32_t m = 0;
    for (k = 1; k < n; k++)
        if (e[k] < e[m]) m = k;
    float t = ((px - ax[m]) * ex[m] + (py - ay[m]) * ey[m]) * il2[m];
    t = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
    float fx = ax[m] + t * ex[m], fy = ay[m] + t * ey[m], dist = sqrtf(e[m]), nx, ny;
    /* the direction from the nearest point to the centre: the normal there, at corners too */
    if (dist > 1e-5f) {
        nx = (px - fx) / dist, ny = (py - fy) / dist;
    } else { /* on the segment: its inside normal (inside lies on the left) */
        float len = sqrtf(ex[m] * ex[m] + ey[m] * ey[m]);
        nx = -ey[m] / len, ny = ex[m] / len;
    }
    k0 = far->start[b], n = far->start[b + 1] - k0;
    ax = far->ax + k0, ay = far->ay + k0, ex = far->ex + k0, ey = far->ey + k0;
    /* The ray f + r·n against a + u·e: r = nr / den, u = nu / den, u in [0, 1] and 1e-4 < r < cap, compared
     * without dividing first (most segments miss); r itself under cap too, as the nearest hit was (a hit of
     * r = cap after rounding is none). */
    const simde__m128 vnx = simde_mm_set1_ps(nx), vny = simde_mm_set1_ps(ny), vfx = simde_mm_set1_ps(fx),
                      vfy = simde_mm_set1_ps(fy), sign = simde_mm_set1_ps(-0.0f),
                      eps = simde_mm_set1_ps(1e-9f), near4 = simde_mm_set1_ps(1e-4f),
                      vcap = simde_mm_set1_ps(cap);
    simde__m128 any = zero;
    for (k = 0; k + 4 <= n; k += 4) {
        simde__m128 u = simde_mm_loadu_ps(ex + k), v = simde_mm_loadu_ps(ey + k),
                    wx = simde_mm_sub_ps(simde_mm_loadu_ps(ax + k), vfx),
                    wy = simde_mm_sub_ps(simde_mm_loadu_ps(ay + k), vfy);
        simde__m128 den = simde_mm_sub_ps(simde_mm_mul_ps(vnx, v), simde_mm_mul_ps(vny, u));
        simde__m128 nr = simde_mm_sub_ps(simde_mm_mul_ps(wx, v), simde_mm_mul_ps(wy, u));
        simde__m128 nu = simde_mm_sub_ps(simde_mm_mul_ps(wx, vny), simde_mm_mul_ps(wy, vnx));
        simde__m128 flip = simde_mm_and_ps(simde_mm_cmplt_ps(den, zero), sign);
        den = simde_mm_xor_ps(den, flip), nr = simde_mm_xor_ps(nr, flip), nu = simde_mm_xor_ps(nu, flip);
        simde__m128 hit = simde_mm_and_ps(simde_mm_cmpgt_ps(den, eps), simde_mm_cmpge_ps(nu, zero));
        hit = simde_mm_and_ps(hit, simde_mm_cmple_ps(nu, den));
        hit = simde_mm_and_ps(hit, simde_mm_cmpgt_ps(nr, simde_mm_mul_ps(near4, den)));
        hit = simde_mm_and_ps(hit, simde_mm_cmplt_ps(nr, simde_mm_mul_ps(vcap, den)));
        any = simde_mm_or_ps(any, simde_mm_and_ps(hit, simde_mm_cmplt_ps(simde_mm_div_ps(nr, den), vcap)));
    }
    if (simde_mm_movemask_ps(any)) return 1;
    for (; k < n; k++) {
        float den = nx * ey[k] - ny * ex[k], wx = ax[k] - fx, wy = ay[k] - fy;
        float nr = wx * ey[k] - wy * ex[k], nu = wx * ny - wy * nx;
        if (den < 0) den = -den, nr = -nr, nu = -nu;
        if (den > 1e-9f && nu >= 0.0f && nu <= den && nr > 1e-4f * den && nr < cap * den && nr / den < cap)
            return 1;
    }
    return 0;
}

/* The fill bits of a strip cell i that classify made a shell (pf_middles_resolve's surf). */
static uint8_t strip_bits(const float *const surf[2], size_t i)
{
    if (!surf) return SOLID_BITS;
    if (!surf[1] || surf[1][i] <= 0.0f) return (uint8_t)(PF_FILL_BRIDGE << PF_CELL_FILL_SHIFT);
    if (!surf[0] || surf[0][i] <= 0.0f) return (uint8_t)(PF_FILL_TOP << PF_CELL_FILL_SHIFT);
    return SOLID_BITS;
}

/* Makes room for n more cells in log. */
static int log_room(pf_middle_log *log, size_t n)
{
    if (log->cap - log->n >= n) return 1;
    size_t cap = 2 * log->cap > log->n + n ? 2 * log->cap : log->n + n + 256;
    pf_middle *m = realloc(log->m, cap * sizeof *m);
    if (!m) return 0;
    log->m = m, log->cap = cap;
    return 1;
}

/* Resolves the middle cells of cls in the words mw lists (middle_rect's), listing each in log when there is
 * one. */
static pf_err resolve_rect(uint8_t *cls, const pf_grid *g, const float *segs, uint32_t nseg, float ridge,
                           const float *const surf[2], pf_scratch *sc, const middle_words *mw,
                           pf_middle_log *log)
{
    long nx = g->nx, x0 = mw->x0, x1 = mw->x1, y0 = mw->y0, y1 = mw->y1, words = mw->n;
    /* A middle cell's field is below ridge + cell/2 (classify's probe), so its nearest segment lies within
     * about ridge + 1.2 cells (the field is the distance to the nearest outside cell centre, less half a
     * cell); the ray from there meets a wall that matters within cap of the cell. */
    float cap = 2.0f * ridge;
    /* A few middle cells (a small part's tip, a speck among thousands of short segments) are measured against
     * every segment near their rectangle, one block: building the index would cost more. */
    int few = words <= FEW_WORDS;
    long nbx = few ? 1 : (x1 - x0) / BLOCK + 1, nby = few ? 1 : (y1 - y0) / BLOCK + 1;
    /* the blocks that hold middles, and their prefix sums: segments far from every middle are skipped */
    size_t nb = (size_t)(nbx * nby), w = (size_t)nbx + 1;
    uint8_t *mark = few ? NULL : pf_scratch_slot(sc, 4, nb, 1);
    uint32_t *psum = few ? NULL : pf_scratch_slot(sc, 5, (size_t)(nby + 1) * w * sizeof *psum, 1);
    if (!few && (!mark || !psum)) return PF_E_NOMEM;
    for (long k = 0; k < words && mark; k++) {
        long y = (long)mw->w[k] / nx, x = (long)mw->w[k] % nx;
        uint8_t *mrow = mark + (size_t)((y - y0) / BLOCK * nbx);
        uint64_t bits = 0;
        if (x + 8 <= nx) {
            bits = middle_bits(cls + y * nx + x);
        } else {
            for (long c = x; c < nx; c++)
                if ((cls[y * nx + c] & PF_CELL_FILL_MASK) == MIDDLE_BITS) bits |= 4ull << (8 * (c - x));
        }
        for (; bits; bits &= bits - 1) /* the cells of the word that hold one */
            mrow[(x + __builtin_ctzll(bits) / 8 - x0) / BLOCK] = 1;
    }
    for (long by = 0; by < nby && psum; by++)
        for (long bx = 0; bx < nbx; bx++)
            psum[(size_t)(by + 1) * w + (size_t)bx + 1] =
                psum[(size_t)by * w + (size_t)bx + 1] + psum[(size_t)(by + 1) * w + (size_t)bx] -
                psum[(size_t)by * w + (size_t)bx] + mark[(size_t)(by * nbx + bx)];
    seg_index near = {x0, y0, nbx, nby, NULL, NULL, NULL, NULL, NULL, NULL, NULL, mark}, far = near;
    /* the segments within reach of the middles' rectangle: a layer of many segments has middles in a few
     * places */
    uint32_t *sel = pf_scratch_slot(sc, 6, (nseg ? nseg : 1) * sizeof *sel, 0), nsel = 0;
    if (!sel) return PF_E_NOMEM;
    float rx0 = g->x0 + ((float)x0 + 0.5f) * g->cell - cap, rx1 = g->x0 + ((float)x1 + 0.5f) * g->cell + cap;
    float ry0 = g->y0 + ((float)y0 + 0.5f) * g->cell - cap, ry1 = g->y0 + ((float)y1 + 0.5f) * g->cell + cap;
    for (uint32_t i = 0; i < nseg; i++) {
        const float *q = segs + (size_t)PF_SEG_FLOATS * i;
        int out = (q[0] < rx0 && q[2] < rx0) || (q[0] > rx1 && q[2] > rx1) || (q[1] < ry0 && q[3] < ry0) ||
                  (q[1] > ry1 && q[3] > ry1);
        if (out) continue;
        if (!few) { /* within reach of a block with middles (the far index's reach, the larger) */
            long ax, bx, ay, by;
            if (!seg_blocks(q, g, cap, &near, &ax, &bx, &ay, &by) ||
                psum[(size_t)(by + 1) * w + (size_t)bx + 1] - psum[(size_t)ay * w + (size_t)bx + 1] -
                        psum[(size_t)(by + 1) * w + (size_t)ax] + psum[(size_t)ay * w + (size_t)ax] ==
                    0)
                continue;
        }
        sel[nsel++] = i;
    }
    /* with one block, every selected segment lies within the reach of its (only) block */
    int ok = index_build(&near, g, segs, sel, nsel, few ? 1e9f : ridge + 2.0f * g->cell, sc, 0) &&
             index_build(&far, g, segs, sel, nsel, few ? 1e9f : cap, sc, 2);
    if (!ok) return PF_E_NOMEM;
    /* Along a row, a run of middle cells crosses or follows a wall whose thickness changes little within a
     * cell: one cell in three is measured (each run's second, fifth, … cell, or its last), and its neighbours
     * take its answer. */
    long done = -1; /* the last cell a run took (runs go on into the next word) */
    for (long q = 0; q < words; q++) {
        long y = (long)mw->w[q] / nx, xw = (long)mw->w[q] % nx, xe = xw + 8 < nx ? xw + 8 : nx;
        uint8_t *row = cls + y * nx;
        float py = g->y0 + ((float)y + 0.5f) * g->cell;
        for (long x = y * nx + xw > done ? xw : done - y * nx + 1; x < xe; x++) {
            if ((row[x] & PF_CELL_FILL_MASK) != MIDDLE_BITS) continue;
            long end = x; /* the run [x, end] */
            while (end + 1 <= x1 && (row[end + 1] & PF_CELL_FILL_MASK) == MIDDLE_BITS)
                end++;
            if (log && !log_room(log, (size_t)(end - x + 1))) return PF_E_NOMEM;
            for (long s0 = x; s0 <= end; s0 += 3) {
                long sx = s0 + 1 <= end ? s0 + 1 : end, s1 = s0 + 2 <= end ? s0 + 2 : end;
                size_t b = few ? 0 : (size_t)((y - y0) / BLOCK * nbx + (sx - x0) / BLOCK);
                float px = g->x0 + ((float)sx + 0.5f) * g->cell;
                int beads = thinner_at(px, py, &near, b, &far, cap); /* Arachne's beads fill it */
                for (long k = s0; k <= s1; k++) {
                    uint8_t c = row[k];
                    row[k] = (uint8_t)(beads               ? c & ~(PF_CELL_FILL_MASK | PF_CELL_SHELL)
                                       : c & PF_CELL_SHELL ? (c & ~(PF_CELL_FILL_MASK | PF_CELL_SHELL)) |
                                                                 strip_bits(surf, (size_t)(y * nx + k))
                                                           : c);
                    if (log) log->m[log->n++] = (pf_middle){(uint32_t)(y * nx + k), c, row[k]};
                }
            }
            x = end;
            done = y * nx + end;
        }
    }
    return PF_E_OK;
}

pf_err pf_middles_resolve_log(uint8_t *cls, const pf_grid *g, const float *segs, uint32_t nseg, float ridge,
                              const float *const surf[2], const int32_t *span, pf_scratch *scratch,
                              pf_middle_log *log)
{
    if (log) log->n = 0;
    pf_scratch own = {{0}, {0}}, *sc = scratch ? scratch : &own;
    middle_words mw;
    pf_err err = PF_E_OK;
    if (!middle_rect(cls, g->nx, g->ny, span, sc, &mw))
        err = PF_E_NOMEM;
    else if (mw.n)
        err = resolve_rect(cls, g, segs, nseg, ridge, surf, sc, &mw, log);
    pf_scratch_free(&own);
    return err;
}

pf_err pf_middles_resolve(uint8_t *cls, const pf_grid *g, const float *segs, uint32_t nseg, float ridge,
                          const float *const surf[2], pf_scratch *scratch)
{
    return pf_middles_resolve_log(cls, g, segs, nseg, ridge, surf, NULL, scratch, NULL);
}

int pf_middles_agree(const pf_middle_log *log, uint8_t *zero, const pf_grid *g, const float *segs,
                     uint32_t nseg, float ridge, const float *const surf[2], pf_scratch *scratch)
{
    if (!log->n) return 1;
    /* middle_rect's words and rectangle, from the cells (in row order): 8-cell words from each row's start */
    long nx = g->nx;
    pf_scratch own = {{0}, {0}}, *sc = scratch ? scratch : &own;
    middle_words mw = {pf_scratch_slot(sc, 8, log->n * sizeof *mw.w, 0), 0, nx, -1, -1, -1};
    pf_err err = mw.w ? PF_E_OK : PF_E_NOMEM;
    for (size_t k = 0; k < log->n; k++) {
        long i = log->m[k].cell, y = i / nx, x = i % nx & ~7L;
        zero[i] = log->m[k].before;
        if (mw.w && (!mw.n || mw.w[mw.n - 1] != (uint32_t)(y * nx + x))) word_add(&mw, nx, y, x);
    }
    if (!err) err = resolve_rect(zero, g, segs, nseg, ridge, surf, sc, &mw, NULL);
    pf_scratch_free(&own);
    int same = 1;
    for (size_t k = 0; k < log->n; k++) {
        same &= zero[log->m[k].cell] == log->m[k].after;
        zero[log->m[k].cell] = 0;
    }
    return err ? -1 : same;
}

/* Rows layer_overlaps samples: one in OVERLAP_STEP (an overlap that matters to the areas spans several). */
#define OVERLAP_STEP 4

int pf_layer_overlaps(const float *segs, uint32_t n, const pf_grid *g)
{
    float inv = 1.0f / g->cell;
    size_t nrows = g->ny / OVERLAP_STEP + 1;
    uint32_t *start = calloc(nrows + 1, sizeof *start);
    float *x = NULL;
    int8_t *w = NULL;
    int over = 1;
    if (!start) return 1;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < n; i++) {
            pf_seg_rows q;
            if (!pf_seg_rows_of(segs + (size_t)PF_SEG_FLOATS * i, g, inv, &q)) continue;
            for (long r = (q.r0 + OVERLAP_STEP - 1) / OVERLAP_STEP * OVERLAP_STEP; r < q.r1;
                 r += OVERLAP_STEP) {
                size_t k = (size_t)r / OVERLAP_STEP;
                if (!pass) {
                    start[k + 1]++;
                    continue;
                }
                uint32_t j = start[k]++;
                x[j] = q.xa + (q.xb - q.xa) * (((float)r - q.ya) / (q.yb - q.ya));
                w[j] = (int8_t)q.wind;
            }
        }
        if (pass) break;
        for (size_t k = 0; k < nrows; k++)
            start[k + 1] += start[k];
        size_t m = start[nrows] ? start[nrows] : 1;
        x = malloc(m * sizeof *x);
        w = malloc(m);
        if (!x || !w) goto done;
    }
    over = 0;
    for (size_t k = 0, lo = 0; k < nrows && !over; k++) { /* the fill pass moved start[k] to row k's end */
        size_t hi = start[k];
        for (size_t i = lo + 1; i < hi; i++) /* insertion sort by x */
            for (size_t j = i; j > lo && x[j - 1] > x[j]; j--) {
                float tx = x[j];
                int8_t tw = w[j];
                x[j] = x[j - 1], w[j] = w[j - 1];
                x[j - 1] = tx, w[j - 1] = tw;
            }
        int depth = 0;
        for (size_t i = lo; i < hi && !over; i++) {
            depth += w[i];
            over = depth >= 2 || depth <= -2;
        }
        lo = hi;
    }
done:
    free(start);
    free(x);
    free(w);
    return over;
}

/* ---- inner pieces: runs of deep cells along rows, joined with the runs of the row before that touch them
 * (8-connected: one column beyond either end) in a union-find over runs ---- */

static uint32_t root(uint32_t *up, uint32_t i)
{
    while (up[i] != i)
        i = up[i] = up[up[i]];
    return i;
}

/* Whether one of the 16 floats at p is over t (four lanes of it): the comparisons row[x] > tau makes, so a
 * NaN is not over. */
static int any_over16(const float *p, simde__m128 t)
{
    simde__m128 a = simde_mm_or_ps(simde_mm_cmpgt_ps(simde_mm_loadu_ps(p), t),
                                   simde_mm_cmpgt_ps(simde_mm_loadu_ps(p + 4), t)),
                b = simde_mm_or_ps(simde_mm_cmpgt_ps(simde_mm_loadu_ps(p + 8), t),
                                   simde_mm_cmpgt_ps(simde_mm_loadu_ps(p + 12), t));
    return simde_mm_movemask_ps(simde_mm_or_ps(a, b)) != 0;
}

long pf_inner_pieces(const float *dist, const pf_grid *g, const long win[4], float tau, float peak,
                     pf_scratch *scratch)
{
    const simde__m128 tau4 = simde_mm_set1_ps(tau);
    long nx = g->nx, ny = g->ny;
    long xa = win ? win[0] : 0, xb = win ? win[1] : nx - 1, ya = win ? win[2] : 0, yb = win ? win[3] : ny - 1;
    xa = xa < 0 ? 0 : xa, ya = ya < 0 ? 0 : ya, xb = xb >= nx ? nx - 1 : xb, yb = yb >= ny ? ny - 1 : yb;
    if (xa > xb || ya > yb) return 0;
    pf_scratch own = {{0}, {0}};
    pf_scratch *sc = scratch ? scratch : &own;
    /* per run: first and last column; the previous row's runs, then this row's; a union-find over all runs */
    size_t wn = (size_t)(xb - xa + 1), maxr = wn / 2 + 1, cap = 1024, n = 0;
    int32_t *rr = pf_scratch_slot(sc, 0, 4 * maxr * sizeof *rr, 0);
    uint32_t *up = pf_scratch_slot(sc, 1, cap * sizeof *up, 0),
             *pid = pf_scratch_slot(sc, 2, 2 * maxr * sizeof *pid, 0);
    uint8_t *high = pf_scratch_slot(sc, 3, cap, 0); /* per run: it holds a cell deeper than peak */
    long pieces = -1;
    if (!rr || !up || !pid || !high) goto done;
    int32_t *pr = rr,
            *cr = rr + 2 * maxr; /* previous / current row's runs: [2i] first, [2i + 1] last column */
    uint32_t *pp = pid, *cp = pid + maxr; /* their union-find ids */
    size_t np = 0;
    for (long y = ya; y <= yb; y++) {
        const float *row = dist + (size_t)y * (size_t)nx;
        size_t nc = 0;
        for (long x = xa; x <= xb; x++) {
            while (x + 16 <= xb + 1 && !any_over16(row + x, tau4)) /* a thin wall's box: mostly not */
                x += 16;
            if (x > xb) break;
            if (!(row[x] > tau)) continue;
            long e = x;
            int hi = row[x] > peak;
            while (e < xb && row[e + 1] > tau)
                hi |= row[++e] > peak;
            if (n == cap) {
                if (!(up = pf_scratch_slot(sc, 1, 2 * cap * sizeof *up, 0)) ||
                    !(high = pf_scratch_slot(sc, 3, 2 * cap, 0)))
                    goto done;
                cap *= 2;
            }
            up[n] = (uint32_t)n;
            high[n] = (uint8_t)hi;
            cr[2 * nc] = (int32_t)x, cr[2 * nc + 1] = (int32_t)e, cp[nc] = (uint32_t)n++;
            nc++;
            x = e;
        }
        /* join each run to the previous row's runs it touches (both lists in column order) */
        for (size_t i = 0, j = 0; i < nc; i++) {
            while (j < np && pr[2 * j + 1] < cr[2 * i] - 1)
                j++;
            for (size_t k = j; k < np && pr[2 * k] <= cr[2 * i + 1] + 1; k++) {
                uint32_t a = root(up, cp[i]), b = root(up, pp[k]);
                if (a != b) up[a] = b, high[b] |= high[a];
            }
        }
        int32_t *t = pr;
        pr = cr, cr = t;
        uint32_t *u = pp;
        pp = cp, cp = u;
        np = nc;
    }
    pieces = 0;
    for (size_t i = 0; i < n; i++)
        pieces += up[i] == i && high[i];
done:
    pf_scratch_free(&own);
    return pieces;
}

/* ---- internal bridges opened: one sweep down the rows, with the length of each column's current run of
 * bridge cells; a run shorter than the opening, along a row or a column, is marked where it ends ---- */

#define IBRIDGE_BITS (PF_FILL_IBRIDGE << PF_CELL_FILL_SHIFT)
#define DROP_BIT 0x40 /* a class bit no stage uses: this cell turns solid once every cell is decided */

static int is_ibridge(uint8_t c)
{
    return (c & PF_CELL_FILL_MASK) == IBRIDGE_BITS;
}

/* Whether any of the 8 bytes at p is an internal bridge cell: a zero byte of (fill bits ^ IBRIDGE_BITS) (the
 * test may say yes for a byte after such a zero byte, never no for one). */
static int word_has_ibridge(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t v = (w & ones * PF_CELL_FILL_MASK) ^ ones * IBRIDGE_BITS;
    return ((v - ones) & ~v & ones * 0x80) != 0;
}

/* The end of the run of bridge cells from row[x] (row[x] is one): the first cell after it that is none, or
 * nx. 16 cells a step (a bridged plate's rows are one run). */
static long run_end(const uint8_t *row, long x, long nx)
{
    const simde__m128i fm = simde_mm_set1_epi8((char)PF_CELL_FILL_MASK),
                       ib = simde_mm_set1_epi8((char)IBRIDGE_BITS);
    long e = x + 1;
    for (; e + 16 <= nx; e += 16) {
        simde__m128i v = simde_mm_loadu_si128((const simde__m128i *)(const void *)(row + e));
        unsigned m = (unsigned)simde_mm_movemask_epi8(simde_mm_cmpeq_epi8(simde_mm_and_si128(v, fm), ib));
        if (m != 0xFFFF) return e + __builtin_ctz(~m);
    }
    while (e < nx && is_ibridge(row[e]))
        e++;
    return e;
}

/* cnt[x … end − 1] each one more, up to UINT16_MAX: 8 a step. */
static void count_up(uint16_t *cnt, long x, long end)
{
    const simde__m128i one = simde_mm_set1_epi16(1);
    for (; x + 8 <= end; x += 8) {
        simde__m128i *p = (simde__m128i *)(void *)(cnt + x);
        simde_mm_storeu_si128(p, simde_mm_adds_epu16(simde_mm_loadu_si128(p), one));
    }
    for (; x < end; x++)
        if (cnt[x] < UINT16_MAX) cnt[x]++;
}

/* Column x's run of n bridge cells ended above row y: marked when shorter than need. */
static void column_end(uint8_t *cls, long nx, long x, long y, uint16_t n, long need)
{
    if (n < need)
        for (long yy = y - n; yy < y; yy++)
            cls[yy * nx + x] |= DROP_BIT;
}

pf_err pf_ibridges_open(uint8_t *cls, const pf_grid *g, int k, pf_scratch *sc)
{
    const long box[4] = {0, (long)g->nx - 1, 0, (long)g->ny - 1};
    return pf_ibridges_open_box(cls, g, box, k, sc);
}

pf_err pf_ibridges_open_box(uint8_t *cls, const pf_grid *g, const long box[4], int k, pf_scratch *sc)
{
    long nx = g->nx, ny = g->ny, need = 2 * (long)k + 1, y0 = ny, y1 = -1;
    long c0 = box[0] < 0 ? 0 : box[0], c1 = box[1] > nx - 1 ? nx - 1 : box[1];
    long r0 = box[2] < 0 ? 0 : box[2], r1 = box[3] > ny - 1 ? ny - 1 : box[3];
    if (k <= 0 || r0 > r1 || c0 > c1) return PF_E_OK;
    if (need > UINT16_MAX) need = UINT16_MAX;
    uint16_t *cnt = pf_scratch_slot(sc, 0, (size_t)nx * sizeof *cnt, 1); /* per column: its current run */
    if (!cnt) return PF_E_NOMEM;
    /* a run of bridge cells ends at the first cell that is none: at c1 + 1 at the latest (or the row's end)
     */
    long xe = c1 + 1;
    for (long y = r0; y <= r1; y++) {
        uint8_t *row = cls + y * nx;
        for (long x = c0; x < xe; x++) {
            if (!(x & 7) && x + 8 <= xe && !word_has_ibridge(row + x)) { /* most cells: 8 at a time */
                uint64_t c[2];
                memcpy(c, cnt + x, sizeof c);
                if (!(c[0] | c[1])) {
                    x += 7;
                    continue;
                }
            }
            if (!is_ibridge(row[x])) {
                if (cnt[x]) column_end(cls, nx, x, y, cnt[x], need);
                cnt[x] = 0;
                continue;
            }
            long end = run_end(row, x, xe); /* the row's run [x, end) */
            if (end - x < need)
                for (long c = x; c < end; c++)
                    row[c] |= DROP_BIT;
            count_up(cnt, x, end);
            if (y < y0) y0 = y;
            y1 = y;
            x = end - 1;
        }
    }
    for (long x = c0; x < xe; x++) /* runs down to the last row scanned (none below it) */
        if (cnt[x]) column_end(cls, nx, x, r1 + 1, cnt[x], need);
    /* marked cells (rows y0 … y1, columns c0 … c1) turn solid, 8 at a time: a byte with the drop bit gets
     * solid fill bits and loses it */
    const uint64_t ones = 0x0101010101010101ull;
    for (long y = y0; y <= y1; y++) {
        long i = y * nx + c0, end = y * nx + xe;
        for (; i + 8 <= end; i += 8) {
            uint64_t w;
            memcpy(&w, cls + i, 8);
            uint64_t m = (w >> 6 & ones) * 0xFF; /* 0xFF in the bytes that have DROP_BIT (0x40) */
            if (!m) continue;
            w = (w & ~(m & ones * (PF_CELL_FILL_MASK | DROP_BIT))) |
                (m & ones * (PF_FILL_SOLID << PF_CELL_FILL_SHIFT));
            memcpy(cls + i, &w, 8);
        }
        for (; i < end; i++)
            if (cls[i] & DROP_BIT)
                cls[i] = (uint8_t)((cls[i] & ~(PF_CELL_FILL_MASK | DROP_BIT)) | PF_FILL_SOLID
                                                                                    << PF_CELL_FILL_SHIFT);
    }
    return PF_E_OK;
}

void pf_ibridges_fix(uint8_t *cls, const uint8_t *below, size_t n, size_t *first, size_t *last)
{
    const uint8_t fm = PF_CELL_FILL_MASK, solid = SOLID_BITS, sparse = PF_FILL_SPARSE << PF_CELL_FILL_SHIFT,
                  flip = SOLID_BITS ^ IBRIDGE_BITS;
    const simde__m128i vfm = simde_mm_set1_epi8((char)fm), vsolid = simde_mm_set1_epi8((char)solid),
                       vsparse = simde_mm_set1_epi8((char)sparse), vflip = simde_mm_set1_epi8((char)flip);
    size_t a = 1, b = 0, i = 0;
    for (; i + 16 <= n; i += 16) {
        simde__m128i c = simde_mm_loadu_si128((const simde__m128i *)(const void *)(cls + i)),
                     d = simde_mm_loadu_si128((const simde__m128i *)(const void *)(below + i));
        simde__m128i fix = simde_mm_and_si128(simde_mm_cmpeq_epi8(simde_mm_and_si128(c, vfm), vsolid),
                                              simde_mm_cmpeq_epi8(simde_mm_and_si128(d, vfm), vsparse));
        unsigned m = (unsigned)simde_mm_movemask_epi8(fix);
        if (!m) continue;
        simde_mm_storeu_si128((simde__m128i *)(void *)(cls + i),
                              simde_mm_xor_si128(c, simde_mm_and_si128(fix, vflip)));
        if (a > b) a = i + (size_t)__builtin_ctz(m);
        b = i + 31 - (size_t)__builtin_clz(m);
    }
    for (; i < n; i++)
        if ((cls[i] & fm) == solid && (below[i] & fm) == sparse) {
            cls[i] ^= flip;
            if (a > b) a = i;
            b = i;
        }
    *first = a, *last = b;
}

void pf_shell_margins_fix(uint8_t *cls, const float *const nb[4], float reach, size_t n)
{
    const float *f[4];
    int nf = 0;
    for (int k = 0; k < 4; k++)
        if (nb[k]) f[nf++] = nb[k];
    if (!nf) return;
    const uint8_t fm = PF_CELL_FILL_MASK, sparse = PF_FILL_SPARSE << PF_CELL_FILL_SHIFT,
                  flip = (PF_FILL_SPARSE ^ PF_FILL_SOLID) << PF_CELL_FILL_SHIFT;
    const simde__m128i vfm = simde_mm_set1_epi8((char)fm), vsparse = simde_mm_set1_epi8((char)sparse),
                       vflip = simde_mm_set1_epi8((char)flip);
    const simde__m128 vr = simde_mm_set1_ps(reach);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        simde__m128i c = simde_mm_loadu_si128((const simde__m128i *)(const void *)(cls + i));
        simde__m128i sp = simde_mm_cmpeq_epi8(simde_mm_and_si128(c, vfm), vsparse);
        if (!simde_mm_movemask_epi8(sp)) continue; /* no sparse cell: nothing to fix */
        simde__m128i near = simde_mm_setzero_si128();
        for (int k = 0; k < nf; k++) {
            const float *q = f[k] + i;
            /* four compares of 4 lanes (all ones or zeros), packed to 16 bytes in cell order */
            simde__m128i a = simde_mm_castps_si128(simde_mm_cmple_ps(simde_mm_loadu_ps(q), vr)),
                         b = simde_mm_castps_si128(simde_mm_cmple_ps(simde_mm_loadu_ps(q + 4), vr)),
                         e = simde_mm_castps_si128(simde_mm_cmple_ps(simde_mm_loadu_ps(q + 8), vr)),
                         h = simde_mm_castps_si128(simde_mm_cmple_ps(simde_mm_loadu_ps(q + 12), vr));
            near = simde_mm_or_si128(
                near, simde_mm_packs_epi16(simde_mm_packs_epi32(a, b), simde_mm_packs_epi32(e, h)));
        }
        simde__m128i fix = simde_mm_and_si128(sp, near);
        simde_mm_storeu_si128((simde__m128i *)(void *)(cls + i),
                              simde_mm_xor_si128(c, simde_mm_and_si128(fix, vflip)));
    }
    for (; i < n; i++) {
        int near = 0;
        for (int k = 0; k < nf; k++)
            near |= f[k][i] <= reach;
        if ((cls[i] & fm) == sparse && near) cls[i] ^= flip;
    }
}
