/* Mesh analysis: one geometric pass (bbox, volume, area, degenerates) over fixed blocks of printed triangles
 * (the full analysis takes the bbox from the used vertices when that gives the same), then edge matching
 * (edges bucketed by their smaller vertex, counted through per-vertex tallies) and union-find shells, run
 * side by side. */
#include "engine/analyze.h"
#include "engine/analyze_geo.h"
#include "engine/bigalloc.h"
#include "engine/sched.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Triangles per block of the geometric pass. Partial sums are kept per block and added in block order, so the
 * rounding of the volume and the area is the same however blocks are spread over threads. */
#define BLOCK_TRIS 32768u
#define FIT_TOLERANCE_MM 1e-3

typedef struct block {
    size_t first, count; /* triangle range inside one printed part */
} block;

typedef struct block_sum {
    double vol6;     /* six times the signed volume */
    double area2;    /* twice the area */
    float mn[3];     /* bbox */
    float mx[3];     /* bbox */
    size_t degen;    /* degenerate triangles */
    size_t repeated; /* triangles with a repeated index (a subset of degen) */
} block_sum;

/* Splits the printed parts into blocks of at most BLOCK_TRIS triangles. Returns NULL only when out of memory;
 * *nblocks is 0 when nothing is printed. */
static block *make_blocks(const pf_mesh *m, size_t *nblocks, size_t *ntris)
{
    size_t n = 0, tris = 0;
    for (size_t i = 0; i < m->nparts; i++)
        if (m->parts[i].printed && m->parts[i].tri_count)
            n += (m->parts[i].tri_count + BLOCK_TRIS - 1) / BLOCK_TRIS;
    block *b = malloc((n ? n : 1) * sizeof *b);
    if (!b) return NULL;
    n = 0;
    for (size_t i = 0; i < m->nparts; i++) {
        const pf_part *p = &m->parts[i];
        if (!p->printed) continue;
        for (size_t off = 0; off < p->tri_count; off += BLOCK_TRIS) {
            size_t left = p->tri_count - off;
            b[n].first = (size_t)p->first_tri + off;
            b[n].count = left < BLOCK_TRIS ? left : BLOCK_TRIS;
            tris += b[n].count;
            n++;
        }
    }
    *nblocks = n;
    *ntris = tris;
    return b;
}

/* Checks that the parts lie inside the triangle array; parts come from readers, but the mesh is public. */
static int parts_valid(const pf_mesh *m)
{
    for (size_t i = 0; i < m->nparts; i++) {
        const pf_part *p = &m->parts[i];
        if ((size_t)p->first_tri > m->ntris || p->tri_count > m->ntris - p->first_tri) return 0;
    }
    return 1;
}

static inline uint32_t find_root(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]]; /* path halving */
        x = parent[x];
    }
    return x;
}

/* Joins root a's tree and b's by linking the larger root under the smaller, so the forest (and nothing
 * observable) depends on thread timing; returns the joint root. */
static inline uint32_t unite(uint32_t *parent, uint32_t a, uint32_t b)
{
    b = find_root(parent, b);
    if (a < b) {
        parent[b] = a;
        return a;
    }
    parent[a] = b;
    return b;
}

/* Edges are bucketed under their smaller vertex (see topo_job.slots). One whose vertex numbers differ by at
 * least SLOT_NEAR is "far"; a mesh with more than far_max of them takes 32-bit slots. */
#define SLOT_NEAR 32768u

static size_t far_max(size_t ntris)
{
    return ntris / 16 + 256;
}

/* Adds a triangle's three edges (no repeated index) to the bucket counts of their smaller vertices,
 * count[v + 1] (two start at its smallest vertex, one at its middle one), and its far edges to *far. */
static inline void count_tri(uint32_t *count, size_t *far, uint32_t a, uint32_t b, uint32_t c)
{
    uint32_t lo = a < b ? a : b, hi = a < b ? b : a;
    lo = c < lo ? c : lo;
    hi = c > hi ? c : hi;
    uint32_t mid = a ^ b ^ c ^ lo ^ hi;
    count[lo + 1] += 2;
    count[mid + 1]++;
    if (hi - lo >= SLOT_NEAR) /* the longest of the three: seldom */
        *far += 1 + (mid - lo >= SLOT_NEAR) + (hi - mid >= SLOT_NEAR);
}

/* One block's sums; its bbox too when bbox is set (a constant in each caller), else mn/mx stay ±infinity for
 * the caller to fill from the vertices. With parent (and used) it also joins each triangle's corners in the
 * union-find forest and marks them used, in the same pass over the indices; with count, it also counts the
 * edges by their smaller vertex as count_edges does (saving that pass its reading of the triangles). The
 * volume, area and degenerate triangles come from a second, vectorized pass (engine/analyze_geo.c) over the
 * block, which is still in cache. Sets *bad at an index out of range. */
static inline void sum_block_with(const float *v, const uint32_t *tris, size_t nverts, block bl, block_sum *s,
                                  int *bad, int bbox, uint32_t *parent, unsigned char *used, uint32_t *count,
                                  size_t *far)
{
    float mn[3] = {INFINITY, INFINITY, INFINITY}, mx[3] = {-INFINITY, -INFINITY, -INFINITY};
    size_t repeated = 0, nfar = 0;
    const uint32_t *t = tris + bl.first * 3;
    for (size_t i = 0; i < bl.count; i++, t += 3) {
        uint32_t ia = t[0], ib = t[1], ic = t[2];
        if (ia >= nverts || ib >= nverts || ic >= nverts) {
            *bad = 1;
            return;
        }
        if (parent) {
            used[ia >> 3] |= (unsigned char)(1u << (ia & 7));
            used[ib >> 3] |= (unsigned char)(1u << (ib & 7));
            used[ic >> 3] |= (unsigned char)(1u << (ic & 7));
            unite(parent, unite(parent, find_root(parent, ia), ib), ic);
        }
        int rep = ia == ib || ib == ic || ia == ic;
        if (count && !rep) count_tri(count, &nfar, ia, ib, ic);
        repeated += (size_t)rep;
        const float *a = v + (size_t)ia * 3, *b = v + (size_t)ib * 3, *c = v + (size_t)ic * 3;
        for (int k = 0; k < 3 && bbox; k++) {
            float lo = a[k] < b[k] ? a[k] : b[k], hi = a[k] < b[k] ? b[k] : a[k];
            lo = c[k] < lo ? c[k] : lo;
            hi = c[k] > hi ? c[k] : hi;
            mn[k] = lo < mn[k] ? lo : mn[k];
            mx[k] = hi > mx[k] ? hi : mx[k];
        }
    }
    pf_geo_sums g;
    pf_geo_sums_of(v, tris + bl.first * 3, bl.count, &g);
    s->vol6 = g.vol6;
    s->area2 = g.area2;
    memcpy(s->mn, mn, sizeof mn);
    memcpy(s->mx, mx, sizeof mx);
    s->degen = g.degen;
    s->repeated = repeated;
    if (far) *far += nfar;
}

static void sum_block(const float *v, const uint32_t *tris, size_t nverts, block bl, block_sum *s, int *bad)
{
    sum_block_with(v, tris, nverts, bl, s, bad, 1, NULL, NULL, NULL, NULL);
}

/* The full analysis' pass: sums without the bbox, and the shells' union-find; the edge count (and far edges,
 * into *far) too when count is not NULL. */
static void sum_block_shells(const float *v, const uint32_t *tris, size_t nverts, block bl, block_sum *s,
                             int *bad, uint32_t *parent, unsigned char *used, uint32_t *count, size_t *far)
{
    if (count)
        sum_block_with(v, tris, nverts, bl, s, bad, 0, parent, used, count, far);
    else
        sum_block_with(v, tris, nverts, bl, s, bad, 0, parent, used, NULL, NULL);
}

/* The bbox of the vertices marked in used (all nv of them when used is NULL) into mn, mx. It equals the
 * triangles' bbox unless a coordinate is -0 or NaN, where the order of comparisons decides between equal or
 * unordered values; returns 0 in that case, leaving the triangles to settle it. */
static int vertex_bbox(const float *v, const unsigned char *used, size_t nv, float mn[3], float mx[3])
{
    float lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    uint32_t odd = 0; /* nonzero once a -0 or NaN was seen */
    for (size_t i = 0; i < nv; i++) {
        if (used && !(used[i >> 3] >> (i & 7) & 1)) continue;
        for (int k = 0; k < 3; k++) {
            float x = v[i * 3 + k];
            uint32_t bits;
            memcpy(&bits, &x, 4);
            odd |= (uint32_t)(bits == 0x80000000u) | (uint32_t)((bits & 0x7fffffffu) > 0x7f800000u);
            lo[k] = x < lo[k] ? x : lo[k];
            hi[k] = x > hi[k] ? x : hi[k];
        }
    }
    memcpy(mn, lo, sizeof lo);
    memcpy(mx, hi, sizeof hi);
    return !odd;
}

/* ---- Two-way steps (pf_sched_pair): the caller's thread and the helper take work as they come. ---- */

typedef struct stats_job {
    const pf_mesh *m;
    const block *blocks;
    size_t nblocks;
    block_sum *sums;
    atomic_size_t next; /* the next block to take */
    int bad[2];         /* per thread: an index out of range was met */
} stats_job;

static void stats_share(void *ctx, int who)
{
    stats_job *j = ctx;
    for (size_t i; !j->bad[who] && (i = atomic_fetch_add(&j->next, 1)) < j->nblocks;)
        sum_block(j->m->verts, j->m->tris, j->m->nverts, j->blocks[i], &j->sums[i], &j->bad[who]);
}

/* Adds the block sums in block order into st and the degenerate counts. */
static void combine(const block_sum *sums, size_t nblocks, size_t ntris, pf_mesh_stats *st, size_t *degen,
                    size_t *repeated)
{
    double vol6 = 0, area2 = 0;
    float mn[3] = {INFINITY, INFINITY, INFINITY}, mx[3] = {-INFINITY, -INFINITY, -INFINITY};
    size_t dg = 0, rp = 0;
    for (size_t i = 0; i < nblocks; i++) {
        vol6 += sums[i].vol6;
        area2 += sums[i].area2;
        for (int k = 0; k < 3; k++) {
            mn[k] = sums[i].mn[k] < mn[k] ? sums[i].mn[k] : mn[k];
            mx[k] = sums[i].mx[k] > mx[k] ? sums[i].mx[k] : mx[k];
        }
        dg += sums[i].degen;
        rp += sums[i].repeated;
    }
    memset(st, 0, sizeof *st);
    st->triangles = ntris;
    for (int k = 0; k < 3; k++) {
        st->bbox_min[k] = mn[k];
        st->bbox_max[k] = mx[k];
        st->dims[k] = (double)mx[k] - (double)mn[k];
    }
    st->inverted = vol6 < 0;
    st->volume_mm3 = fabs(vol6) / 6.0;
    st->area_mm2 = area2 / 2.0;
    *degen = dg;
    *repeated = rp;
}

static pf_err bad_index(const pf_mesh *m, pf_errbuf *eb)
{
    return pf_errf(eb, PF_E_BAD_INDEX, "a triangle refers to a vertex beyond the %zu vertices", m->nverts);
}

pf_err pf_mesh_stats_compute(const pf_mesh *m, pf_mesh_stats *out, pf_errbuf *eb)
{
    if (!m || !out) return pf_errf(eb, PF_E_INVAL, "no mesh or no output");
    if (!parts_valid(m)) return pf_errf(eb, PF_E_INVAL, "a part lies outside the %zu triangles", m->ntris);
    pf_err err = PF_E_OK;
    size_t nblocks = 0, ntris = 0, degen, repeated;
    block_sum *sums = NULL;
    block *blocks = make_blocks(m, &nblocks, &ntris);
    if (!blocks || !(sums = malloc((nblocks ? nblocks : 1) * sizeof *sums))) {
        err = pf_errf(eb, PF_E_NOMEM, "no memory for %zu analysis blocks", nblocks);
        goto done;
    }
    if (!ntris) {
        err = pf_errf(eb, PF_E_EMPTY_MESH, "the mesh has no printed triangles");
        goto done;
    }
    stats_job job = {m, blocks, nblocks, sums, 0, {0, 0}};
    pf_sched_pair(stats_share, &job, nblocks > 1);
    if (job.bad[0] || job.bad[1]) {
        err = bad_index(m, eb);
        goto done;
    }
    combine(sums, nblocks, ntris, out, &degen, &repeated);
done:
    free(sums);
    free(blocks);
    return err;
}

/* ---- Topology: edges bucketed by their smaller vertex (a counting sort), and union-find shells. ----
 * With two threads one share does the geometric pass and the shells, the other the edges, which costs about
 * as much; each checks the indices it uses before trusting them. */

typedef struct topo_job {
    const pf_mesh *m;
    const block *blocks;
    size_t nblocks;
    /* edges */
    uint32_t *start; /* nverts + 1 bucket starts in slots (counts first, then exclusive prefix sums) */
    uint16_t *slots; /* a slot per edge in the bucket of its smaller vertex v: (hi − v) << 1 | dir when near
                      * (hi − v < SLOT_NEAR: nearly every edge, since vertices are numbered in the order the
                      * triangles meet them), else dir alone (0 or 1, which no near edge has) with hi in
                      * farlist; dir is 1 when the edge runs from hi to v */
    uint64_t *farlist; /* per far edge: its slot << 32 | hi, sorted */
    size_t far, nfar;  /* far edges, counted with the buckets; noted in farlist so far */
    uint32_t *wide; /* instead of slots and farlist when far > far_max: hi << 1 | dir per edge (own buffer) */
    int slots_nomem; /* farlist or wide could not be had */
    uint32_t *tally; /* nverts zeroes for the thread that did not do the shells (two threads only): per larger
                      * vertex, the uses of one bucket's edges (see edge_tally). The shells' thread takes
                      * parent instead, zeroed once the shells are done */
    size_t counts[2][3]; /* per thread: edges, boundary and non-manifold ones of the buckets it classified */
    int edge_bad;        /* the edge share met an index out of range */
    atomic_int filled;   /* the buckets are filled (or edge_bad is set): the classification can start */
    atomic_size_t next_range; /* the next range of TALLY_RANGE buckets to classify */
    int fused_count; /* one thread: the geometric pass fills start's counts, edge_work only sums them */
    /* geometry and shells */
    block_sum *sums;     /* per block */
    uint32_t *parent;    /* union-find forest over vertices (stored after used) */
    unsigned char *used; /* a bit per vertex (v >> 3, bit v & 7): used by a printed triangle */
    size_t vertices, shells;
    int shell_bad;   /* the geometric pass met an index out of range */
    atomic_int next; /* the next of the two tasks (shells, edges) to take */
} topo_job;

/* Calls EDGE(lo, hi, dir) for the three edges of every printed triangle without a repeated index. Returns 0
 * at an index out of range. */
#define FOR_EACH_EDGE(j, EDGE)                                                                               \
    for (size_t bi_ = 0; bi_ < (j)->nblocks; bi_++) {                                                        \
        const uint32_t *t_ = (j)->m->tris + (j)->blocks[bi_].first * 3;                                      \
        for (size_t i_ = 0; i_ < (j)->blocks[bi_].count; i_++, t_ += 3) {                                    \
            uint32_t a_ = t_[0], b_ = t_[1], c_ = t_[2];                                                     \
            if (a_ >= nv || b_ >= nv || c_ >= nv) return 0;                                                  \
            if (a_ == b_ || b_ == c_ || a_ == c_) continue;                                                  \
            EDGE(a_ < b_ ? a_ : b_, a_ < b_ ? b_ : a_, a_ > b_);                                             \
            EDGE(b_ < c_ ? b_ : c_, b_ < c_ ? c_ : b_, b_ > c_);                                             \
            EDGE(c_ < a_ ? c_ : a_, c_ < a_ ? a_ : c_, c_ > a_);                                             \
        }                                                                                                    \
    }

/* Counts into start[v + 1] the edges whose smaller vertex is v: of a triangle's three edges, two start at its
 * smallest vertex and one at its middle one. Returns 0 at an index out of range. */
static int count_edges(topo_job *j, uint32_t *start, size_t nv)
{
    for (size_t bi = 0; bi < j->nblocks; bi++) {
        const uint32_t *t = j->m->tris + j->blocks[bi].first * 3;
        for (size_t i = 0; i < j->blocks[bi].count; i++, t += 3) {
            uint32_t a = t[0], b = t[1], c = t[2];
            if (a >= nv || b >= nv || c >= nv) return 0;
            if (a == b || b == c || a == c) continue;
            count_tri(start, &j->far, a, b, c);
        }
    }
    return 1;
}

/* Notes far edge (slot k, larger vertex hi) in farlist; out of line, so the fill loop keeps its registers. */
static __attribute__((noinline, cold)) void put_far(topo_job *j, uint32_t k, uint32_t hi)
{
    if (j->nfar < j->far) j->farlist[j->nfar++] = (uint64_t)k << 32 | hi; /* always: the count saw the same */
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Fills the buckets, using start[v] as bucket v's cursor; afterwards start[v] is the end of bucket v. */
static int fill_edges(topo_job *j, uint32_t *start, size_t nv)
{
    if (j->wide) {
        uint32_t *e = j->wide;
#define FILL_WIDE(lo, hi, dir) e[start[lo]++] = (uint32_t)(hi) << 1 | (uint32_t)(dir)
        FOR_EACH_EDGE(j, FILL_WIDE);
#undef FILL_WIDE
        return 1;
    }
    uint16_t *e = j->slots;
    j->nfar = 0;
#define FILL_SLOT(lo, hi, dir)                                                                               \
    do {                                                                                                     \
        uint32_t k_ = start[lo]++, d_ = (hi) - (lo);                                                         \
        e[k_] = (uint16_t)(d_ < SLOT_NEAR ? d_ << 1 | (uint32_t)(dir) : (uint32_t)(dir));                    \
        if (d_ >= SLOT_NEAR) put_far(j, k_, hi);                                                             \
    } while (0)
    FOR_EACH_EDGE(j, FILL_SLOT);
#undef FILL_SLOT
    if (j->nfar) qsort(j->farlist, j->nfar, sizeof *j->farlist, by_value); /* in the order buckets are read */
    return 1;
}

/* Buckets every edge under its smaller vertex (counts, prefix sums, fill; afterwards start[v] is the end of
 * bucket v), then lets the classification start. */
static void edge_fill(topo_job *j)
{
    uint32_t *start = j->start;
    size_t nv = j->m->nverts;
    if (!j->fused_count && !count_edges(j, start, nv)) {
        j->edge_bad = 1;
    } else {
        for (size_t v = 0; v < nv; v++)
            start[v + 1] += start[v];
        if (j->far > far_max(j->m->ntris) ? !(j->wide = pf_big_alloc((size_t)start[nv] * sizeof *j->wide))
                                          : j->far && !(j->farlist = malloc(j->far * sizeof *j->farlist)))
            j->slots_nomem = j->edge_bad = 1; /* the callers stop on edge_bad; slots_nomem tells why */
        else
            fill_edges(j, start, nv);
    }
    atomic_store(&j->filled, 1);
}

/* Classifies the edges of buckets v0..v1-1 without sorting them, adding to counts (edges, boundary,
 * non-manifold): tally[hi] sums 2 + direction over the uses of edge (v, hi), so 2 or 3 is one use, 5 two uses
 * in opposite directions, and 4 (two in the same direction) or anything from 6 up a non-manifold edge. The
 * second pass counts each edge at its first entry and clears its tally, which leaves tally zero for the next
 * bucket. Sums cannot overflow: an edge is used at most once per triangle and there are at most
 * UINT32_MAX / 3 of them. */
static inline void edge_tally_with(const topo_job *j, uint32_t *tally, size_t v0, size_t v1, size_t counts[3],
                                   int wide)
{
    const uint32_t *start = j->start, *w = j->wide;
    const uint16_t *e = j->slots;
    const uint64_t *fl = j->farlist;
    size_t edges = 0, boundary = 0, nonman = 0, f = 0;
    uint32_t lo = v0 ? start[v0 - 1] : 0;
    if (!wide && j->far) { /* the first far edge at or after slot lo */
        size_t a = 0, b = j->far;
        while (a < b) {
            size_t mid = a + (b - a) / 2;
            if (fl[mid] >> 32 < lo)
                a = mid + 1;
            else
                b = mid;
        }
        f = a;
    }
    for (size_t v = v0; v < v1; v++) {
        uint32_t hi = start[v], other, dir;
        size_t f0 = f;
        /* edge k of the bucket: its larger vertex and direction (a far one takes the next of farlist) */
#define EDGE_AT(k)                                                                                           \
    do {                                                                                                     \
        if (wide) {                                                                                          \
            other = w[k] >> 1, dir = w[k] & 1;                                                               \
        } else {                                                                                             \
            uint32_t s_ = e[k];                                                                              \
            if (s_ >= 2)                                                                                     \
                other = (uint32_t)v + (s_ >> 1), dir = s_ & 1;                                               \
            else                                                                                             \
                other = (uint32_t)fl[f++], dir = s_;                                                         \
        }                                                                                                    \
    } while (0)
        for (uint32_t k = lo; k < hi; k++) {
            EDGE_AT(k);
            tally[other] += 2 + dir;
        }
        f = f0;
        for (uint32_t k = lo; k < hi; k++) {
            EDGE_AT(k);
            uint32_t *t = &tally[other], sum = *t;
            edges += sum != 0;
            if (sum != 5 && sum != 0) { /* not a well-formed edge's first entry, nor a later entry */
                boundary += sum < 4;
                nonman += sum >= 4;
            }
            *t = 0;
        }
#undef EDGE_AT
        lo = hi;
    }
    counts[0] += edges;
    counts[1] += boundary;
    counts[2] += nonman;
}

static void edge_tally(const topo_job *j, uint32_t *tally, size_t v0, size_t v1, size_t counts[3])
{
    if (j->wide)
        edge_tally_with(j, tally, v0, v1, counts, 1);
    else
        edge_tally_with(j, tally, v0, v1, counts, 0);
}

/* Buckets per range of the classification, which both threads share once the buckets are filled. */
#define TALLY_RANGE 32768

/* Classifies ranges of buckets as long as there are any, with the given tally, into thread who's counts. */
static void edge_classify(topo_job *j, uint32_t *tally, int who)
{
    size_t nv = j->m->nverts;
    for (size_t r; (r = atomic_fetch_add(&j->next_range, 1)) * TALLY_RANGE < nv;) {
        size_t v0 = r * TALLY_RANGE, v1 = nv - v0 < TALLY_RANGE ? nv : v0 + TALLY_RANGE;
        edge_tally(j, tally, v0, v1, j->counts[who]);
    }
}

/* Shells by union-find over each printed triangle's corners, in the geometric pass, whose bbox comes from the
 * used vertices when that gives the same result (see vertex_bbox). */
static void shell_work(topo_job *j)
{
    uint32_t *parent = j->parent;
    unsigned char *used = j->used;
    size_t nv = j->m->nverts;
    for (size_t v = 0; v < nv; v++)
        parent[v] = (uint32_t)v;
    for (size_t i = 0; i < j->nblocks && !j->shell_bad; i++)
        sum_block_shells(j->m->verts, j->m->tris, nv, j->blocks[i], &j->sums[i], &j->shell_bad, parent, used,
                         j->fused_count ? j->start : NULL, &j->far);
    if (j->shell_bad) return;
    size_t vertices = 0, shells = 0;
    for (size_t v = 0; v < nv; v++) {
        unsigned u = used[v >> 3] >> (v & 7) & 1;
        vertices += u;
        shells += u && parent[v] == v;
    }
    j->vertices = vertices;
    j->shells = shells;
    /* The blocks' bboxes are empty: the first one takes the whole, which combine() then passes through. */
    if (vertex_bbox(j->m->verts, vertices == nv ? NULL : used, nv, j->sums[0].mn, j->sums[0].mx)) return;
    int bad = 0;
    for (size_t i = 0; i < j->nblocks; i++) { /* -0 or NaN: the triangles' own order of comparisons */
        block_sum s;
        sum_block(j->m->verts, j->m->tris, nv, j->blocks[i], &s, &bad);
        memcpy(j->sums[i].mn, s.mn, sizeof s.mn);
        memcpy(j->sums[i].mx, s.mx, sizeof s.mx);
    }
}

/* The shells' forest and used marks are done with once the shells are counted: the first nverts words become
 * the tally of the thread that did them (a second zeroed array would be fresh memory, which costs more here
 * than clearing this warm one). Returns that tally. */
static uint32_t *shells_to_tally(topo_job *j)
{
    memset(j->parent, 0, j->m->nverts * sizeof *j->parent);
    return j->parent;
}

/* One thread: one pass over the triangles for the geometry, the shells and the edge counts. */
static void topo_alone(void *ctx, int who)
{
    topo_job *j = ctx;
    (void)who;
    j->fused_count = 1;
    shell_work(j);
    if (j->shell_bad) return;
    uint32_t *tally = shells_to_tally(j);
    edge_fill(j);
    if (!j->edge_bad) edge_classify(j, tally, 0);
}

/* Two threads: each takes one of the tasks (the caller's thread both if the helper comes late), then both
 * classify the filled buckets, a range at a time: the shells take less than the edges' counting and filling,
 * so the thread done with them waits for the filling a moment and then shares the classification. The thread
 * that did the shells classifies with their cleared scratch, the other with j->tally. */
static void topo_share(void *ctx, int who)
{
    topo_job *j = ctx;
    uint32_t *tally = j->tally;
    int bad = 0; /* this thread's shells met a bad index (then so does the filling: it checks the same) */
    for (int t; (t = atomic_fetch_add(&j->next, 1)) < 2;) {
        if (t == 0) {
            shell_work(j);
            bad = j->shell_bad;
            if (!bad) tally = shells_to_tally(j);
        }
        if (t == 1) edge_fill(j);
    }
    while (!atomic_load(&j->filled)) /* the other thread is filling: it started, since no task is left */
        pf_cpu_relax();
    if (!j->edge_bad && !bad) edge_classify(j, tally, who);
}

static size_t align64(size_t n)
{
    return (n + 63) / 64 * 64;
}

/* The topology's scratch in one block: bucket starts (nv + 1), union-find forest (nv), the second thread's
 * tally (nv, two threads only) and a 16-bit edge slot per triangle corner (far edges' larger vertices, and
 * the 32-bit slots of a mesh with many far edges, get buffers of their own: see edge_fill). Returns the
 * block's length; with base, points job's arrays into it and zeroes the starts and the tally. */
static size_t scratch_layout(size_t nv, size_t ntris, int two, unsigned char *base, topo_job *job)
{
    size_t start_b = align64((nv + 1) * sizeof(uint32_t)), parent_b = align64(nv * sizeof(uint32_t)),
           tally_b = two ? align64(nv * sizeof(uint32_t)) : 0, slots = 3 * ntris;
    if (base) {
        job->start = (uint32_t *)(void *)base;
        job->parent = (uint32_t *)(void *)(base + start_b);
        job->tally = two ? (uint32_t *)(void *)(base + start_b + parent_b) : NULL;
        job->slots = (uint16_t *)(void *)(base + start_b + parent_b + tally_b);
        memset(job->start, 0, (nv + 1) * sizeof(uint32_t));
        if (two) memset(job->tally, 0, nv * sizeof(uint32_t));
    }
    return start_b + parent_b + tally_b + slots * sizeof(uint16_t);
}

int pf_bed_fit(const double dims[3], const double bed[3])
{
    double t = FIT_TOLERANCE_MM;
    if (dims[2] > bed[2] + t) return 0;
    if (dims[0] <= bed[0] + t && dims[1] <= bed[1] + t) return 1;
    if (dims[1] <= bed[0] + t && dims[0] <= bed[1] + t) return 2;
    return 0;
}

pf_err pf_mesh_analyze(const pf_mesh *m, const pf_analyze_opts *o, pf_analysis *out, pf_errbuf *eb)
{
    if (!m || !out) return pf_errf(eb, PF_E_INVAL, "no mesh or no output");
    if (!parts_valid(m)) return pf_errf(eb, PF_E_INVAL, "a part lies outside the %zu triangles", m->ntris);
    if (m->nverts > (size_t)INT32_MAX)
        return pf_errf(eb, PF_E_TOO_MANY_TRIANGLES, "%zu vertices is over the analysis limit", m->nverts);
    pf_analyze_opts opts = {{0, 0, 0}, 0, 0};
    if (o) opts = *o;
    unsigned threads = (unsigned)pf_sched_threads(opts.threads);
    pf_err err = PF_E_OK;
    pf_analysis a;
    memset(&a, 0, sizeof a);
    topo_job job;
    memset(&job, 0, sizeof job);
    size_t ntris = 0, repeated = 0, scratch_len = 0;
    unsigned char *scratch = NULL;
    block *blocks = make_blocks(m, &job.nblocks, &ntris);
    if (!blocks) {
        err = pf_errf(eb, PF_E_NOMEM, "no memory for the analysis blocks");
        goto done;
    }
    if (!ntris) {
        err = pf_errf(eb, PF_E_EMPTY_MESH, "the mesh has no printed triangles");
        goto done;
    }
    if (ntris > UINT32_MAX / 3) {
        err = pf_errf(eb, PF_E_TOO_MANY_TRIANGLES, "%zu printed triangles is over the analysis limit", ntris);
        goto done;
    }
    job.m = m;
    job.blocks = blocks;
    job.sums = malloc(job.nblocks * sizeof *job.sums);
    if (!job.sums) {
        err = pf_errf(eb, PF_E_NOMEM, "no memory for %zu analysis blocks", job.nblocks);
        goto done;
    }
    if (opts.stats_only) {
        stats_job sj = {m, blocks, job.nblocks, job.sums, 0, {0, 0}};
        pf_sched_pair(stats_share, &sj, job.nblocks > 1 && threads == 2);
        job.shell_bad = sj.bad[0] || sj.bad[1];
    } else {
        scratch_len = scratch_layout(m->nverts, ntris, threads == 2, NULL, NULL);
        /* One block: at about 4 bytes per triangle corner it takes the welder's freed tables, still warm,
         * where separate buffers each faulted in huge pages of their own. Used marks are a bitmap from
         * malloc. */
        scratch = pf_big_alloc(scratch_len);
        job.used = calloc((m->nverts + 7) / 8 + 1, 1);
        if (!scratch || !job.used) {
            err = pf_errf(eb, PF_E_NOMEM, "no memory to match the edges of %zu triangles", ntris);
            goto done;
        }
        (void)scratch_layout(m->nverts, ntris, threads == 2, scratch, &job);
        pf_sched_pair(threads == 2 ? topo_share : topo_alone, &job, threads == 2);
        if (job.slots_nomem) {
            err = pf_errf(eb, PF_E_NOMEM, "no memory for the edges of %zu triangles", ntris);
            goto done;
        }
    }
    if (job.shell_bad || job.edge_bad) {
        err = bad_index(m, eb);
        goto done;
    }
    combine(job.sums, job.nblocks, ntris, &a.stats, &a.degenerate_triangles, &repeated);
    a.fits_bed = -1;
    if (opts.bed_mm[0] > 0 || opts.bed_mm[1] > 0 || opts.bed_mm[2] > 0) {
        int fit = pf_bed_fit(a.stats.dims, opts.bed_mm);
        a.fits_bed = fit != 0;
        a.fits_rotated = fit == 2;
    }
    if (!opts.stats_only) {
        a.vertices = job.vertices;
        a.shells = job.shells;
        a.edges = job.counts[0][0] + job.counts[1][0];
        a.boundary_edges = job.counts[0][1] + job.counts[1][1];
        a.non_manifold_edges = job.counts[0][2] + job.counts[1][2];
        a.watertight = a.boundary_edges == 0 && a.non_manifold_edges == 0 && a.edges > 0;
    }
    *out = a;
done:;
    free(job.used);
    if (job.wide) pf_big_free(job.wide, (size_t)job.start[m->nverts] * sizeof *job.wide);
    free(job.farlist);
    pf_big_free(scratch, scratch_len);
    free(job.sums);
    free(blocks);
    return err;
}
