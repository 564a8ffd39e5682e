/* Mesh analysis: one geometric pass (bbox, volume, area, degenerates) over fixed blocks of printed triangles
 * (the full analysis takes the bbox from the used vertices when that gives the same), then edge matching
 * (edges bucketed by their smaller vertex, counted through per-vertex tallies) and union-find shells, run side
 * by side. */
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

/* One block's sums; its bbox too when bbox is set (a constant in each caller), else mn/mx stay ±infinity for
 * the caller to fill from the vertices. With parent (and used) it also joins each triangle's corners in the
 * union-find forest and marks them used, in the same pass over the indices; with count, it also counts the
 * edges by their smaller vertex as count_edges does (saving that pass its reading of the triangles). The
 * volume, area and degenerate triangles come from a second, vectorized pass (engine/analyze_geo.c) over the
 * block, which is still in cache. Sets *bad at an index out of range. */
static inline void sum_block_with(const float *v, const uint32_t *tris, size_t nverts, block bl, block_sum *s,
                                  int *bad, int bbox, uint32_t *parent, unsigned char *used, uint32_t *count)
{
    float mn[3] = {INFINITY, INFINITY, INFINITY}, mx[3] = {-INFINITY, -INFINITY, -INFINITY};
    size_t repeated = 0;
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
        if (count && !rep) {
            uint32_t lo = ia < ib ? ia : ib, hi = ia < ib ? ib : ia;
            lo = ic < lo ? ic : lo;
            hi = ic > hi ? ic : hi;
            count[lo + 1] += 2;
            count[(ia ^ ib ^ ic ^ lo ^ hi) + 1]++;
        }
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
}

static void sum_block(const float *v, const uint32_t *tris, size_t nverts, block bl, block_sum *s, int *bad)
{
    sum_block_with(v, tris, nverts, bl, s, bad, 1, NULL, NULL, NULL);
}

/* The full analysis' pass: sums without the bbox, and the shells' union-find; the edge count too when count
 * is not NULL. */
static void sum_block_shells(const float *v, const uint32_t *tris, size_t nverts, block bl, block_sum *s,
                             int *bad, uint32_t *parent, unsigned char *used, uint32_t *count)
{
    if (count)
        sum_block_with(v, tris, nverts, bl, s, bad, 0, parent, used, count);
    else
        sum_block_with(v, tris, nverts, bl, s, bad, 0, parent, used, NULL);
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
    uint32_t *start;   /* nverts + 1 bucket starts (counts first, then exclusive prefix sums) */
    uint32_t *entries; /* per edge: larger vertex << 1 | 1 when it runs from larger to smaller */
    uint32_t *tally;   /* nverts zeroes for the thread that did not do the shells (two threads only): per larger
                        * vertex, the uses of one bucket's edges (see edge_tally). The shells' thread takes
                        * parent instead, zeroed once the shells are done */
    size_t counts[2][3]; /* per thread: edges, boundary and non-manifold ones of the buckets it classified */
    int edge_bad;      /* the edge share met an index out of range */
    atomic_int filled; /* the buckets are filled (or edge_bad is set): the classification can start */
    atomic_size_t next_range; /* the next range of TALLY_RANGE buckets to classify */
    int fused_count;   /* one thread: the geometric pass fills start's counts, edge_work only sums them */
    /* geometry and shells */
    block_sum *sums;     /* per block */
    uint32_t *parent;    /* union-find forest over vertices (stored after used) */
    unsigned char *used; /* a bit per vertex (v >> 3, bit v & 7): used by a printed triangle */
    size_t vertices, shells;
    int shell_bad; /* the geometric pass met an index out of range */
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
            uint32_t lo = a < b ? a : b, hi = a < b ? b : a;
            lo = c < lo ? c : lo;
            hi = c > hi ? c : hi;
            start[lo + 1] += 2;
            start[(a ^ b ^ c ^ lo ^ hi) + 1]++;
        }
    }
    return 1;
}

/* Fills the buckets, using start[v] as bucket v's cursor; afterwards start[v] is the end of bucket v. */
static int fill_edges(topo_job *j, uint32_t *start, uint32_t *e, size_t nv)
{
#define FILL_EDGE(lo, hi, dir) e[start[lo]++] = (uint32_t)(hi) << 1 | (uint32_t)(dir)
    FOR_EACH_EDGE(j, FILL_EDGE)
#undef FILL_EDGE
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
        fill_edges(j, start, j->entries, nv);
    }
    atomic_store(&j->filled, 1);
}

/* Classifies the edges of buckets v0..v1-1 without sorting them, adding to counts (edges, boundary,
 * non-manifold): tally[hi] sums 2 + direction over the uses of edge (v, hi), so 2 or 3 is one use, 5 two uses
 * in opposite directions, and 4 (two in the same direction) or anything from 6 up a non-manifold edge. The
 * second pass counts each edge at its first entry and clears its tally, which leaves tally zero for the next
 * bucket. Sums cannot overflow: an edge is used at most once per triangle and there are at most
 * UINT32_MAX / 3 of them. */
static void edge_tally(const topo_job *j, uint32_t *tally, size_t v0, size_t v1, size_t counts[3])
{
    const uint32_t *start = j->start, *e = j->entries;
    size_t edges = 0, boundary = 0, nonman = 0;
    uint32_t lo = v0 ? start[v0 - 1] : 0;
    for (size_t v = v0; v < v1; v++) {
        uint32_t hi = start[v];
        for (uint32_t k = lo; k < hi; k++)
            tally[e[k] >> 1] += 2 + (e[k] & 1);
        for (uint32_t k = lo; k < hi; k++) {
            uint32_t *t = &tally[e[k] >> 1], sum = *t;
            edges += sum != 0;
            if (sum != 5 && sum != 0) { /* not a well-formed edge's first entry, nor a later entry */
                boundary += sum < 4;
                nonman += sum >= 4;
            }
            *t = 0;
        }
        lo = hi;
    }
    counts[0] += edges;
    counts[1] += boundary;
    counts[2] += nonman;
}

/* A pause in a spin-wait loop. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
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
                         j->fused_count ? j->start : NULL);
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
        cpu_relax();
    if (!j->edge_bad && !bad) edge_classify(j, tally, who);
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
    size_t ntris = 0, repeated = 0;
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
        size_t nv = m->nverts ? m->nverts : 1;
        /* Largest first: it is the one most likely to find the welder's freed tables still warm; the rest
         * take what is left of them, in order of size. Used marks are a bitmap from malloc: as a byte per
         * vertex next to parent they made it 2.5 MB, two huge pages faulted in fresh instead of one. */
        job.entries = pf_big_alloc(3 * ntris * sizeof *job.entries);
        job.start = pf_big_zalloc((nv + 1) * sizeof *job.start);
        job.parent = pf_big_alloc(nv * sizeof *job.parent); /* shell_work sets every entry */
        job.used = calloc((nv + 7) / 8, 1);
        if (threads == 2) job.tally = pf_big_zalloc(nv * sizeof *job.tally);
        if (!job.start || !job.entries || !job.parent || !job.used || (threads == 2 && !job.tally)) {
            err = pf_errf(eb, PF_E_NOMEM, "no memory to match the edges of %zu triangles", ntris);
            goto done;
        }
        pf_sched_pair(threads == 2 ? topo_share : topo_alone, &job, threads == 2);
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
    size_t nva = m->nverts ? m->nverts : 1; /* the scratch's sizes */
    free(job.used);
    pf_big_free(job.parent, nva * sizeof *job.parent);
    pf_big_free(job.entries, 3 * ntris * sizeof *job.entries);
    pf_big_free(job.start, (nva + 1) * sizeof *job.start);
    pf_big_free(job.tally, nva * sizeof *job.tally);
    free(job.sums);
    free(blocks);
    return err;
}
