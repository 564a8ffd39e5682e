/* Mesh builder (soup or indexed input → welded indexed mesh), the welder, format detection and the read
 * entry points (binary STL files are welded straight from chunked reads). */
#include "engine/mesh.h"
#include "engine/bigalloc.h"
#include "engine/intake_internal.h"
#include "engine/sched.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

pf_intake_limits pf_intake_limits_resolve(const pf_intake_limits *lim)
{
    pf_intake_limits r = {0};
    if (lim) r = *lim;
    if (!r.max_file_bytes) r.max_file_bytes = PF_DEFAULT_MAX_FILE_BYTES;
    if (!r.max_triangles) r.max_triangles = PF_DEFAULT_MAX_TRIANGLES;
    if (!r.max_entry_inflated) r.max_entry_inflated = (size_t)512 << 20;
    if (!r.max_total_inflated) r.max_total_inflated = (size_t)1 << 30;
    if (!r.max_inflate_ratio) r.max_inflate_ratio = 1000;
    if (!r.max_depth) r.max_depth = 32;
    return r;
}

const char *pf_format_name(pf_format f)
{
    switch (f) {
    case PF_FORMAT_STL_BINARY:
        return "stl-binary";
    case PF_FORMAT_STL_ASCII:
        return "stl-ascii";
    case PF_FORMAT_OBJ:
        return "obj";
    case PF_FORMAT_3MF:
        return "3mf";
    default:
        return "unknown";
    }
}

/* True when the first bytes look like text (no NULs or control bytes other than whitespace). */
static int looks_textual(const unsigned char *p, size_t len)
{
    size_t n = len < 4096 ? len : 4096;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c == 0 || (c < 32 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\v')) return 0;
    }
    return 1;
}

static const unsigned char *skip_space(const unsigned char *p, const unsigned char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

pf_format pf_mesh_detect(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    if (len >= 84) {
        uint32_t n = (uint32_t)p[80] | (uint32_t)p[81] << 8 | (uint32_t)p[82] << 16 | (uint32_t)p[83] << 24;
        if ((uint64_t)84 + (uint64_t)50 * n == len) return PF_FORMAT_STL_BINARY;
    }
    if (len >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4) return PF_FORMAT_3MF;
    if (!looks_textual(p, len)) return len >= 84 ? PF_FORMAT_STL_BINARY : PF_FORMAT_UNKNOWN;
    /* ASCII STL: "solid" in any case (admesh writes SOLID), then whitespace or the end. The file is text, so
     * nothing else can claim it. */
    const unsigned char *s = skip_space(p, p + len);
    if ((size_t)(p + len - s) >= 5 && (s[0] | 0x20) == 's' && (s[1] | 0x20) == 'o' && (s[2] | 0x20) == 'l' &&
        (s[3] | 0x20) == 'i' && (s[4] | 0x20) == 'd' &&
        ((size_t)(p + len - s) == 5 || s[5] == ' ' || s[5] == '\t' || s[5] == '\r' || s[5] == '\n'))
        return PF_FORMAT_STL_ASCII;
    /* OBJ: any line starting with "v " / "f " / "o " / "g " / "#" within the first 64 KB. */
    size_t n = len < 65536 ? len : 65536;
    for (size_t i = 0; i + 1 < n; i++) {
        if (i == 0 || p[i - 1] == '\n') {
            /* Only blanks, not newlines: skipping newlines here made runs of empty lines quadratic. */
            const unsigned char *q = p + i;
            while (q < p + n && (*q == ' ' || *q == '\t' || *q == '\r'))
                q++;
            if (q + 1 < p + n && (q[0] == 'v' || q[0] == 'f') && (q[1] == ' ' || q[1] == '\t'))
                return PF_FORMAT_OBJ;
        }
    }
    return PF_FORMAT_UNKNOWN;
}

void pf_mesh_builder_init(pf_mesh_builder *b, const pf_intake_limits *lim)
{
    pf_intake_limits r = pf_intake_limits_resolve(lim);
    memset(b, 0, sizeof *b);
    b->max_triangles = r.max_triangles;
    b->no_weld = r.no_weld;
    b->threads = r.threads;
}

void pf_mesh_builder_free(pf_mesh_builder *b)
{
    if (!b) return;
    pf_big_free(b->soup, b->cap * 9 * sizeof *b->soup);
    pf_big_free(b->iverts, b->ivcap * 3 * sizeof *b->iverts);
    pf_big_free(b->itris, b->itcap * 3 * sizeof *b->itris);
    free(b->parts);
    b->soup = b->iverts = NULL;
    b->itris = NULL;
    b->parts = NULL;
    b->stl = NULL;
    b->ntris = b->cap = b->nparts = b->pcap = b->niverts = b->ivcap = b->itcap = 0;
    b->indexed = 0;
}

pf_err pf_mesh_builder_part(pf_mesh_builder *b, const char *name, int printed)
{
    /* An empty previous part is reused rather than kept. */
    if (b->nparts && b->parts[b->nparts - 1].tri_count == 0) b->nparts--;
    if (b->nparts == b->pcap) {
        size_t nc = b->pcap ? b->pcap * 2 : 8;
        pf_part *np = realloc(b->parts, nc * sizeof *np);
        if (!np) return PF_E_NOMEM;
        b->parts = np;
        b->pcap = nc;
    }
    pf_part *pt = &b->parts[b->nparts++];
    memset(pt, 0, sizeof *pt);
    snprintf(pt->name, sizeof pt->name, "%s", name ? name : "");
    pt->first_tri = (uint32_t)b->ntris;
    pt->printed = printed;
    return PF_E_OK;
}

/* Grows the big buffer *p of *cap items of elem bytes to hold need items (doubling, at most limit items). */
static int grow_big(void **p, size_t *cap, size_t need, size_t elem, size_t limit)
{
    if (need <= *cap) return 1;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need)
        nc *= 2;
    if (nc > limit) nc = limit;
    if (nc < need || nc > SIZE_MAX / elem) return 0;
    void *np = pf_big_realloc(*p, *cap * elem, nc * elem);
    if (!np) return 0;
    *p = np;
    *cap = nc;
    return 1;
}

/* Copies borrowed binary STL records into the soup, so that more triangles can follow them. */
static pf_err own_stl(pf_mesh_builder *b)
{
    if (!b->stl) return PF_E_OK;
    const unsigned char *recs = b->stl;
    size_t n = b->ntris;
    b->stl = NULL;
    b->ntris = 0;
    if (!grow_big((void **)&b->soup, &b->cap, n, 36, SIZE_MAX)) return PF_E_NOMEM;
    for (size_t t = 0; t < n; t++)
        memcpy(b->soup + t * 9, recs + t * PF_STL_RECORD + PF_STL_VERTS, 36);
    b->ntris = n;
    return PF_E_OK;
}

/* Turns the soup so far into indexed vertices (three per triangle) and index triples. */
static pf_err to_indexed(pf_mesh_builder *b)
{
    if (b->indexed) return PF_E_OK;
    if (own_stl(b) != PF_E_OK) return PF_E_NOMEM;
    size_t n = b->ntris;
    if (n * 3 > UINT32_MAX || !grow_big((void **)&b->itris, &b->itcap, n, 12, SIZE_MAX)) return PF_E_NOMEM;
    for (size_t i = 0; i < n * 3; i++)
        b->itris[i] = (uint32_t)i;
    b->iverts = b->soup;
    b->ivcap = b->cap * 3;
    b->niverts = n * 3;
    b->soup = NULL;
    b->cap = 0;
    b->indexed = 1;
    return PF_E_OK;
}

/* Checks the triangle limit for n more and makes sure a part exists. */
static int room_for(pf_mesh_builder *b, size_t n, pf_err *err, pf_errbuf *eb)
{
    if (n > b->max_triangles || b->ntris > b->max_triangles - n) {
        *err = pf_errf(eb, PF_E_TOO_MANY_TRIANGLES, "more than %zu triangles", b->max_triangles);
        return 0;
    }
    if (!b->nparts && pf_mesh_builder_part(b, "", 1) != PF_E_OK) {
        *err = PF_E_NOMEM;
        return 0;
    }
    return 1;
}

static int grow_verts(pf_mesh_builder *b, size_t n)
{
    return b->niverts + n <= UINT32_MAX &&
           grow_big((void **)&b->iverts, &b->ivcap, b->niverts + n, 12, (size_t)UINT32_MAX + 1);
}

float *pf_mesh_builder_reserve(pf_mesh_builder *b, size_t n, pf_err *err, pf_errbuf *eb)
{
    if (!room_for(b, n, err, eb)) return NULL;
    if (own_stl(b) != PF_E_OK) {
        *err = pf_errf(eb, PF_E_NOMEM, "cannot hold %zu triangles", b->ntris);
        return NULL;
    }
    if (b->indexed) { /* soup after indexed input: three new vertices per triangle */
        if (!grow_verts(b, 3 * n) || !grow_big((void **)&b->itris, &b->itcap, b->ntris + n, 12, SIZE_MAX)) {
            *err = pf_errf(eb, PF_E_NOMEM, "cannot hold %zu triangles", b->ntris + n);
            return NULL;
        }
        return b->iverts + b->niverts * 3;
    }
    if (!grow_big((void **)&b->soup, &b->cap, b->ntris + n, 36, b->max_triangles)) {
        *err = pf_errf(eb, PF_E_NOMEM, "cannot hold %zu triangles", b->ntris + n);
        return NULL;
    }
    return b->soup + b->ntris * 9;
}

void pf_mesh_builder_commit(pf_mesh_builder *b, size_t n)
{
    if (b->indexed) {
        uint32_t *t = b->itris + b->ntris * 3, v = (uint32_t)b->niverts;
        for (size_t i = 0; i < n * 3; i++)
            t[i] = v + (uint32_t)i;
        b->niverts += n * 3;
    }
    b->ntris += n;
    b->parts[b->nparts - 1].tri_count += (uint32_t)n;
}

pf_err pf_mesh_builder_tri(pf_mesh_builder *b, const float v[9], pf_errbuf *eb)
{
    for (int i = 0; i < 9; i++)
        if (!isfinite(v[i])) return pf_errf(eb, PF_E_BAD_NUMBER, "non-finite coordinate");
    pf_err err = PF_E_OK;
    float *dst = b->ntris < b->cap && b->nparts && !b->stl ? b->soup + b->ntris * 9
                                                           : pf_mesh_builder_reserve(b, 1, &err, eb);
    if (!dst) return err;
    memcpy(dst, v, 9 * sizeof *v);
    pf_mesh_builder_commit(b, 1);
    return PF_E_OK;
}

float *pf_mesh_builder_reserve_verts(pf_mesh_builder *b, size_t n, pf_err *err, pf_errbuf *eb)
{
    if (to_indexed(b) != PF_E_OK || !grow_verts(b, n)) {
        *err = pf_errf(eb, PF_E_NOMEM, "cannot hold %zu vertices", b->niverts + n);
        return NULL;
    }
    return b->iverts + b->niverts * 3;
}

void pf_mesh_builder_commit_verts(pf_mesh_builder *b, size_t n)
{
    b->niverts += n;
}

uint32_t *pf_mesh_builder_reserve_indexed(pf_mesh_builder *b, size_t n, pf_err *err, pf_errbuf *eb)
{
    if (!room_for(b, n, err, eb)) return NULL;
    if (to_indexed(b) != PF_E_OK ||
        !grow_big((void **)&b->itris, &b->itcap, b->ntris + n, 12, b->max_triangles)) {
        *err = pf_errf(eb, PF_E_NOMEM, "cannot hold %zu triangles", b->ntris + n);
        return NULL;
    }
    return b->itris + b->ntris * 3;
}

void pf_mesh_builder_commit_indexed(pf_mesh_builder *b, size_t n)
{
    b->ntris += n;
    b->parts[b->nparts - 1].tri_count += (uint32_t)n;
}

pf_err pf__builder_stl(pf_mesh_builder *b, const unsigned char *records, uint32_t n)
{
    pf_err err = PF_E_OK;
    if (b->ntris || b->indexed || b->stl) { /* not empty: copy like any soup */
        float *dst = pf_mesh_builder_reserve(b, n, &err, NULL);
        if (!dst) return err;
        for (size_t t = 0; t < n; t++)
            memcpy(dst + t * 9, records + t * PF_STL_RECORD + PF_STL_VERTS, 36);
        pf_mesh_builder_commit(b, n);
        return PF_E_OK;
    }
    if (!room_for(b, n, &err, NULL)) return err;
    b->stl = records;
    b->ntris = n;
    b->parts[b->nparts - 1].tri_count += n;
    return PF_E_OK;
}

/* ---- Welding ----
 * The welder maps points (corners of a soup or of binary STL records, or indexed vertices) to vertices, one
 * per distinct key (the coordinates' bits, with -0 == +0), numbered in order of first appearance. Random
 * memory access is what costs, so: a small direct-mapped cache of recent keys (cache-resident) answers most
 * lookups, since files list a vertex's triangles close together; the big open-addressing table is kept small
 * (8 bytes a slot: the vertex number and 32 more bits of the key's hash, so that a probe reads the vertex,
 * whose coordinates are the key, only when those match), since every slot a lookup touches at random costs a
 * cache and TLB miss; and a lookup the cache cannot answer waits in a short queue after prefetching its slot.
 * Tables start at the expected vertex count · 4/3, double at 3/4 load, and hold vertex number + 1 so fresh
 * (zero) pages are an empty table without a pass over it.
 *
 * The cache is filled when a lookup is queued, not when it is answered: its entry then says "pending, as
 * point p", and a point that meets it takes p's number once the chunk's queue is drained (a short fix-up
 * list), so the repeats of a new vertex a few corners later never reach the table. Only keys that passed the
 * checks (finite, -0 made +0) enter the cache, so a point the cache answers needs no checks of its own: its
 * key equals one that was checked. Points are checked in order, which keeps the first bad one the one
 * reported.
 *
 * With two threads (the caller's and the engine's helper, see pf_sched_pair) each takes a range of the points
 * with private tables and numbers: the caller's from the front, chunk by chunk, and the helper, when it
 * comes, the back half of what is left, so a late helper takes less. Afterwards the second range's vertices
 * are looked up in the first one's table in their own order: found ones take the first range's number, the
 * rest are appended. That is exactly the order one thread would give, so the mesh depends neither on the
 * thread count nor on where the ranges met. A binary STL file is read by each thread in chunks of its own
 * range (pread into a buffer that stays in cache), which is far cheaper here than mapping or copying the
 * whole file. */
#define WELD_PARALLEL_MIN 65536 /* points below which one thread is faster than starting a second */
#define WELD_FILTER_BITS 20     /* 2^20-bit (128 KB) filter of the first range's vertices, for the merge */
#define FILTER_WORD(h) ((h) >> (64 - WELD_FILTER_BITS + 6))           /* the filter word of hash h */
#define FILTER_BIT(h) (1ull << ((h) >> (64 - WELD_FILTER_BITS) & 63)) /* and its bit there */
#define WELD_LAG 24             /* table lookups in flight while welding */
#define WELD_QUEUE 32           /* power of two above WELD_LAG */
#define WELD_CACHE_BITS 14      /* 2^14 entries of the recent-key cache (256 KB) */
#define WELD_CHUNK 2600         /* groups per pread (130 KB of binary STL) and per feed from memory */
#define WELD_PENDING 0x80000000u /* cache id flag: the key is queued as the point in the low bits */
#define EXP_MASK 0x7f800000u
#define NO_KEY 0x7f800000u /* +inf: a key word of the empty cache entries (see weld_cache_init) */

typedef struct weld_slot {
    uint32_t tag; /* the key's hash3 >> 32: rules out almost every other key without reading its vertex */
    uint32_t id;  /* vertex number + 1; 0 when the slot is empty */
} weld_slot;

typedef struct weld_recent {
    uint32_t k[3]; /* key bits of x y z */
    uint32_t id;   /* vertex number, or WELD_PENDING | point */
} weld_recent;

/* Where the points are: group g's j-th point (j < k) is the 12 bytes at base + g·stride + point_off + j·12,
 * or at file_off + g·stride + point_off of file fd when fd ≥ 0. */
typedef struct weld_src {
    const unsigned char *base; /* memory: group 0 */
    size_t stride;             /* bytes per group */
    size_t point_off;          /* offset of a group's first point */
    unsigned k;                /* points per group */
    unsigned spread;           /* expected points per distinct vertex: sizes the table */
    int fd;                    /* ≥ 0: groups are read from this file instead of base */
    off_t file_off;            /* fd only: offset of group 0 */
} weld_src;

typedef struct weld_share {
    const weld_src *src;
    size_t g0, g1;     /* group range (share 0 of two: up to where share 1 starts, known at the end) */
    size_t done;       /* groups taken so far */
    int copy_only;     /* no welding: point i becomes vertex i of verts (which holds every point) */
    uint32_t *ids;     /* per point of all groups: vertex number (local to this share while welding) */
    float *verts;      /* this share's vertices (copy_only: every point's) */
    size_t vcap;       /* capacity of verts in vertices */
    size_t nlocal;     /* vertices found */
    weld_slot *table;  /* kept for the merge; its keys are the vertices in verts */
    size_t cap, used;  /* table slots and slots in use */
    int own_table;     /* 1 once the table grew out of the block weld_points gave both shares */
    int own_verts;     /* 1 when verts is this share's own buffer (not a part of weld_points' block) */
    uint64_t *filter; /* share 0 of two: a bit per value of its vertices' hashes' top WELD_FILTER_BITS bits */
    weld_recent *cache;   /* recent keys, 2^WELD_CACHE_BITS entries (in weld_points' block) */
    uint32_t *fix;        /* points of the current chunk that met a pending cache entry (block) */
    unsigned char *chunk; /* file input only: WELD_CHUNK groups read from the file (block) */
    size_t bad;        /* first point with a non-finite coordinate, SIZE_MAX if none */
    unsigned bad_axis; /* its first non-finite axis */
    pf_err err;        /* NOMEM, IO or BAD_NUMBER */
} weld_share;

/* The key's hash for the table, well mixed; only cache misses need it. */
static inline uint64_t hash3(uint32_t a, uint32_t b, uint32_t c)
{
    uint64_t h = (uint64_t)a * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)b * 0xC2B2AE3D27D4EB4Full + (h >> 29);
    h ^= (uint64_t)c * 0x165667B19E3779F9ull + (h >> 32);
    return h ^ (h >> 31);
}

static inline size_t weld_slot_of(uint64_t h, size_t mask)
{
    return (size_t)h & mask;
}

/* The cache entry of key (x y z): every point computes this, so it is three 32-bit multiplies by constants
 * (which fit the instruction), whose products' top bits depend on every bit of their word. */
static inline size_t weld_cache_of(uint32_t x, uint32_t y, uint32_t z)
{
    return (size_t)((x * 0x9E3779B1u + y * 0x85EBCA77u + z * 0xC2B2AE3Du) >> (32 - WELD_CACHE_BITS));
}

/* Finds the slot holding key (x y z) of hash h, or the empty slot where it belongs; verts holds the keys. */
static inline weld_slot *weld_find(weld_slot *table, size_t mask, uint64_t h, uint32_t x, uint32_t y,
                                   uint32_t z, const float *verts)
{
    size_t slot = weld_slot_of(h, mask);
    uint32_t tag = (uint32_t)(h >> 32);
    for (;;) {
        weld_slot *e = &table[slot];
        if (!e->id) return e;
        if (e->tag == tag) {
            uint32_t k[3];
            memcpy(k, verts + (size_t)(e->id - 1) * 3, 12);
            if (k[0] == x && k[1] == y && k[2] == z) return e;
        }
        slot = (slot + 1) & mask;
    }
}

/* Empties the cache entry at slot. Its key must never equal a point that looks there: (inf, inf, inf) does
 * not, unless it hashes to this very slot, which then gets (inf, inf, 0) instead; neither reaches the table,
 * as the checks on the way there reject it. */
static void weld_cache_clear(weld_recent *cache, size_t slot)
{
    cache[slot].k[0] = cache[slot].k[1] = cache[slot].k[2] = NO_KEY;
    if (weld_cache_of(NO_KEY, NO_KEY, NO_KEY) == slot) cache[slot].k[2] = 0;
    cache[slot].id = 0;
}

/* Doubles the table and re-inserts its entries. */
static int weld_grow(weld_share *w)
{
    size_t nc = w->cap * 2;
    weld_slot *nt = pf_big_zalloc(nc * sizeof *nt);
    if (!nt) return 0;
    for (size_t s = 0; s < w->cap; s++) {
        const weld_slot *e = &w->table[s];
        if (!e->id) continue;
        uint32_t k[3];
        memcpy(k, w->verts + (size_t)(e->id - 1) * 3, 12);
        *weld_find(nt, nc - 1, hash3(k[0], k[1], k[2]), k[0], k[1], k[2], w->verts) = *e;
    }
    if (w->own_table) pf_big_free(w->table, w->cap * sizeof *w->table);
    w->table = nt;
    w->cap = nc;
    w->own_table = 1;
    return 1;
}

/* Doubles the room for this share's vertices (they can never outnumber its points). */
static int weld_more_verts(weld_share *w)
{
    size_t npts = (w->g1 - w->g0) * w->src->k, nc = w->vcap * 2 < npts ? w->vcap * 2 : npts;
    float *nv = w->own_verts ? pf_big_realloc(w->verts, w->vcap * 12, nc * 12) : pf_big_alloc(nc * 12);
    if (!nv) return 0;
    if (!w->own_verts) memcpy(nv, w->verts, w->nlocal * 12);
    w->verts = nv;
    w->vcap = nc;
    w->own_verts = 1;
    return 1;
}

/* Room for the vertices of npts points at first: twice the expected count (more is mapped if the mesh shares
 * fewer corners). */
static size_t weld_vcap(size_t npts, unsigned spread)
{
    size_t want = npts / spread * 2 + 1024;
    return want < npts ? want : npts;
}

/* Table slots for npts points: the expected vertex count · 4/3, as a power of two. */
static size_t weld_table_cap(size_t npts, unsigned spread)
{
    size_t expect = npts / spread / 3 * 4 + 16, cap = 1024;
    while (cap < expect)
        cap *= 2;
    return cap;
}

/* Records a non-finite point (the first one met, since points are checked in order). */
static int weld_bad(weld_share *w, size_t point, uint32_t x, uint32_t y)
{
    w->bad = point;
    w->bad_axis = (x & EXP_MASK) == EXP_MASK ? 0 : (y & EXP_MASK) == EXP_MASK ? 1 : 2;
    w->err = PF_E_BAD_NUMBER;
    return 0;
}

/* Copies the points of ngroups groups starting at p (the first being point number pt) as they are, -0 made
 * +0. Returns 0 at a non-finite coordinate, with w->err set. */
static int weld_copy(weld_share *w, const unsigned char *p, size_t ngroups, size_t pt)
{
    const size_t stride = w->src->stride;
    const unsigned k = w->src->k;
    for (size_t g = 0, i = pt; g < ngroups; g++, p += stride) {
        for (unsigned j = 0; j < k; j++, i++) {
            uint32_t x, y, z;
            memcpy(&x, p + j * 12, 4);
            memcpy(&y, p + j * 12 + 4, 4);
            memcpy(&z, p + j * 12 + 8, 4);
            if (((x & EXP_MASK) == EXP_MASK) | ((y & EXP_MASK) == EXP_MASK) | ((z & EXP_MASK) == EXP_MASK))
                return weld_bad(w, i, x, y);
            uint32_t *d = (uint32_t *)(void *)(w->verts + i * 3);
            d[0] = x == 0x80000000u ? 0 : x; /* -0 welds with +0 */
            d[1] = y == 0x80000000u ? 0 : y;
            d[2] = z == 0x80000000u ? 0 : z;
            w->ids[i] = (uint32_t)i;
        }
    }
    return 1;
}

/* The lookups waiting for their table slot: key, hash and point (local to the chunk). */
typedef struct weld_queue {
    uint32_t x[WELD_QUEUE], y[WELD_QUEUE], z[WELD_QUEUE], i[WELD_QUEUE];
    uint64_t h[WELD_QUEUE];
} weld_queue;

/* Answers queued lookup t from the table (inserting a new vertex) into ids (the chunk's), then settles its
 * cache entry. Returns 0 out of memory, with w->err set. */
static int weld_answer(weld_share *w, const weld_queue *q, size_t t, uint32_t *ids)
{
    weld_slot *e = weld_find(w->table, w->cap - 1, q->h[t], q->x[t], q->y[t], q->z[t], w->verts);
    if (!e->id) {
        if (w->nlocal == w->vcap && !weld_more_verts(w)) goto nomem;
        uint32_t *d = (uint32_t *)(void *)(w->verts + w->nlocal * 3);
        d[0] = q->x[t], d[1] = q->y[t], d[2] = q->z[t];
        e->tag = (uint32_t)(q->h[t] >> 32);
        e->id = (uint32_t)++w->nlocal;
        if (w->filter) w->filter[FILTER_WORD(q->h[t])] |= FILTER_BIT(q->h[t]);
        if (++w->used * 4 > w->cap * 3) {
            if (!weld_grow(w)) goto nomem;
            e = weld_find(w->table, w->cap - 1, q->h[t], q->x[t], q->y[t], q->z[t], w->verts);
        }
    }
    uint32_t id = e->id - 1;
    ids[q->i[t]] = id;
    size_t c = weld_cache_of(q->x[t], q->y[t], q->z[t]);
    if (w->cache[c].id == (WELD_PENDING | q->i[t])) { /* still this point's entry */
        if (id & WELD_PENDING)
            weld_cache_clear(w->cache, c); /* a number this large cannot be cached */
        else
            w->cache[c].id = id;
    }
    return 1;
nomem:
    w->err = PF_E_NOMEM;
    return 0;
}

/* Takes point i of the chunk (its 12 bytes at p): the cache answers it (a pending answer is noted in fix), or
 * it is checked and queued. *head, *tail and *nfix are the caller's queue and fix-up counts. Returns 0 at a
 * non-finite coordinate or out of memory, with w->err set; pt is the chunk's first point number. */
static inline int weld_point(weld_share *w, weld_recent *cache, uint32_t *ids, uint32_t *fix, size_t *nfix,
                             weld_queue *q, size_t *head, size_t *tail, const unsigned char *p, size_t i,
                             size_t pt)
{
    uint64_t xy, cxy;
    uint32_t z;
    memcpy(&xy, p, 8);
    memcpy(&z, p + 8, 4);
    weld_recent *c = &cache[weld_cache_of((uint32_t)xy, (uint32_t)(xy >> 32), z)];
    memcpy(&cxy, c->k, 8);
    if (((cxy ^ xy) | (c->k[2] ^ z)) == 0) {
    hit:; /* answered, or pending: then fixed up once the queue is drained */
        uint32_t id = c->id;
        ids[i] = id;
        fix[*nfix] = (uint32_t)i;
        *nfix += id >> 31;
        return 1;
    }
    uint32_t x = (uint32_t)xy, y = (uint32_t)(xy >> 32);
    if (((x & EXP_MASK) == EXP_MASK) | ((y & EXP_MASK) == EXP_MASK) | ((z & EXP_MASK) == EXP_MASK))
        return weld_bad(w, pt + i, x, y);
    if ((x == 0x80000000u) | (y == 0x80000000u) | (z == 0x80000000u)) {
        x = x == 0x80000000u ? 0 : x; /* -0 welds with +0 */
        y = y == 0x80000000u ? 0 : y;
        z = z == 0x80000000u ? 0 : z;
        c = &cache[weld_cache_of(x, y, z)];
        if (((c->k[0] ^ x) | (c->k[1] ^ y) | (c->k[2] ^ z)) == 0) goto hit;
    }
    uint64_t h = hash3(x, y, z);
    __builtin_prefetch(&w->table[weld_slot_of(h, w->cap - 1)]);
    c->k[0] = x, c->k[1] = y, c->k[2] = z;
    c->id = WELD_PENDING | (uint32_t)i;
    size_t t = (*tail)++ & (WELD_QUEUE - 1);
    q->x[t] = x, q->y[t] = y, q->z[t] = z, q->h[t] = h, q->i[t] = (uint32_t)i;
    /* Answer the oldest waiting lookup, whose slot has had WELD_LAG others' time to arrive. */
    if (*tail - *head > WELD_LAG) return weld_answer(w, q, (*head)++ & (WELD_QUEUE - 1), ids);
    return 1;
}

/* Welds the points of ngroups ≤ WELD_CHUNK groups starting at p, the first being point number pt. Returns 0
 * at a non-finite coordinate or out of memory, with w->err set. */
static int weld_feed(weld_share *w, const unsigned char *p, size_t ngroups, size_t pt)
{
    const size_t stride = w->src->stride;
    weld_recent *cache = w->cache;
    uint32_t *ids = w->ids + pt, *fix = w->fix;
    weld_queue q;
    size_t head = 0, tail = 0, nfix = 0;
    if (w->src->k == 3) { /* binary STL: three points per record */
        for (size_t g = 0, i = 0; g < ngroups; g++, i += 3, p += stride)
            if (!weld_point(w, cache, ids, fix, &nfix, &q, &head, &tail, p, i, pt) ||
                !weld_point(w, cache, ids, fix, &nfix, &q, &head, &tail, p + 12, i + 1, pt) ||
                !weld_point(w, cache, ids, fix, &nfix, &q, &head, &tail, p + 24, i + 2, pt))
                return 0;
    } else {
        for (size_t g = 0; g < ngroups; g++, p += stride)
            if (!weld_point(w, cache, ids, fix, &nfix, &q, &head, &tail, p, g, pt)) return 0;
    }
    while (head < tail)
        if (!weld_answer(w, &q, head++ & (WELD_QUEUE - 1), ids)) return 0;
    for (size_t f = 0; f < nfix; f++)
        ids[fix[f]] = ids[ids[fix[f]] & ~WELD_PENDING];
    return 1;
}

/* Where the two shares meet. Share 0 takes chunks from the front until it reaches end0; share 1, when the
 * helper comes to it, moves end0 to the middle of what share 0 has not taken yet and welds from there to the
 * end. So a helper that comes late takes less, and one that never comes leaves all to share 0. */
typedef struct weld_job {
    weld_share *sh;       /* the two shares */
    size_t ngroups;       /* groups in all */
    pthread_mutex_t lock; /* guards front and end0 */
    size_t front;         /* the next group share 0 takes (a multiple of WELD_CHUNK) */
    size_t end0;          /* where share 0 stops */
    int split;            /* share 1 took the groups from end0 on */
} weld_job;

/* Takes the next chunk of share w: its first group *g and *n groups. Returns 0 when the share is done. */
static int weld_next(weld_share *w, weld_job *job, size_t *g, size_t *n)
{
    if (job) { /* share 0 of two */
        pthread_mutex_lock(&job->lock);
        size_t end = w->err == PF_E_OK ? job->end0 : job->front; /* after an error, nothing more */
        *g = job->front;
        *n = end - *g < WELD_CHUNK ? end - *g : WELD_CHUNK;
        job->front = *g + *n;
        pthread_mutex_unlock(&job->lock);
    } else {
        *g = w->g0 + w->done;
        *n = w->g1 - *g < WELD_CHUNK ? w->g1 - *g : WELD_CHUNK;
    }
    w->done += *n;
    return *n > 0;
}

/* Welds share w's groups (taken through job when it is share 0 of two). */
static void weld_run(weld_share *w, weld_job *job)
{
    const weld_src *src = w->src;
    size_t ngroups = w->g1 - w->g0, npts = ngroups * src->k, g, n;
    unsigned char *chunk = w->chunk;
    if (!w->copy_only) {
        if (!w->verts) {
            w->vcap = weld_vcap(npts, src->spread);
            if (!(w->verts = pf_big_alloc(w->vcap * 12))) {
                w->err = PF_E_NOMEM;
                return;
            }
            w->own_verts = 1;
        }
        for (size_t c = 0; c < (size_t)1 << WELD_CACHE_BITS; c++)
            weld_cache_clear(w->cache, c);
    }
    while (weld_next(w, job, &g, &n)) {
        const unsigned char *p;
        if (src->fd < 0) {
            p = src->base + g * src->stride + src->point_off;
        } else {
            size_t len = n * src->stride, got = 0;
            while (got < len) {
                ssize_t r =
                    pread(src->fd, chunk + got, len - got, src->file_off + (off_t)(g * src->stride + got));
                if (r < 0 && errno == EINTR) continue;
                if (r <= 0) {
                    w->err = PF_E_IO; /* the file shrank or failed while being read */
                    return;
                }
                got += (size_t)r;
            }
            p = chunk + src->point_off;
        }
        if (!(w->copy_only ? weld_copy(w, p, n, g * src->k) : weld_feed(w, p, n, g * src->k))) break;
    }
}

static void weld_pair(void *ctx, int who)
{
    weld_job *job = ctx;
    if (who == 0) {
        weld_run(&job->sh[0], job);
        return;
    }
    /* Share 1: the back half of what share 0 has not taken, unless that is too little to be worth it. */
    pthread_mutex_lock(&job->lock);
    size_t rest = job->end0 - job->front, take = rest / 2 / WELD_CHUNK * WELD_CHUNK;
    if (take * job->sh[0].src->k >= WELD_PARALLEL_MIN / 2) {
        job->end0 -= take;
        job->split = 1;
        job->sh[1].g0 = job->end0;
        job->sh[1].g1 = job->ngroups;
    }
    pthread_mutex_unlock(&job->lock);
    if (job->split) weld_run(&job->sh[1], NULL);
}

/* Merge steps, each over pieces of MERGE_PIECE items taken from a counter by the caller and the helper.
 * lookup: finds where the second range's vertices occur in the first (map = number there, else UINT32_MAX)
 * and counts each piece's new ones. Ranges share only the vertices along their seam, so almost every lookup
 * fails: the first range's filter (2^20 bits, 128 KB: cache-resident while the first range fills it, where
 * the 512 KB one cost ~1.7 ms more to fill than it saved) rules out ~80 % of them, and the slots of the rest
 * are prefetched 64 vertices ahead (lookup 1.9-2.1 -> 1.2-1.3 ms with the filter). number: gives the new ones
 * their numbers after the first range's, in order (base[piece] is the first of a piece's), copying them.
 * remap: renumbers the second range's points through map. */
#define MERGE_PIECE 16384
enum { MERGE_LOOKUP, MERGE_NUMBER, MERGE_REMAP };

typedef struct merge_job {
    int step;                /* MERGE_* */
    const weld_share *first; /* the first half, whose table is searched */
    const float *verts;      /* the second half's vertices */
    size_t n1;               /* how many */
    uint32_t *map;           /* per second-half vertex */
    uint32_t *base;          /* per piece of n1: its new vertices (lookup), then the first one's number */
    float *out;              /* all vertices, the first half's already in place */
    uint32_t *ids;           /* remap: point numbers to rewrite through map */
    size_t lo, hi;           /* remap: the second half's points */
    atomic_size_t next;      /* the next piece */
} merge_job;

static void merge_pair(void *ctx, int who)
{
    merge_job *j = ctx;
    size_t items = j->step == MERGE_REMAP ? j->hi - j->lo : j->n1;
    (void)who;
    for (size_t p; (p = atomic_fetch_add(&j->next, 1)) * MERGE_PIECE < items;) {
        size_t lo = p * MERGE_PIECE, hi = items - lo < MERGE_PIECE ? items : lo + MERGE_PIECE;
        if (j->step == MERGE_LOOKUP) {
            const weld_share *f0 = j->first;
            uint32_t fresh = 0;
            for (size_t b = lo; b < hi; b += 64) { /* filter, prefetch the slots of 64, look those up */
                size_t e = hi - b < 64 ? hi : b + 64, nc = 0;
                uint64_t hs[64];
                uint32_t cand[64];
                for (size_t l = b; l < e; l++) {
                    const uint32_t *k = (const uint32_t *)(const void *)(j->verts + l * 3);
                    uint64_t h = hash3(k[0], k[1], k[2]);
                    j->map[l] = UINT32_MAX;
                    if (!(f0->filter[FILTER_WORD(h)] & FILTER_BIT(h))) continue;
                    __builtin_prefetch(&f0->table[weld_slot_of(h, f0->cap - 1)]);
                    hs[nc] = h;
                    cand[nc++] = (uint32_t)(l - b);
                }
                for (size_t c = 0; c < nc; c++) {
                    size_t l = b + cand[c];
                    const uint32_t *k = (const uint32_t *)(const void *)(j->verts + l * 3);
                    const weld_slot *f =
                        weld_find(f0->table, f0->cap - 1, hs[c], k[0], k[1], k[2], f0->verts);
                    if (f->id) j->map[l] = f->id - 1;
                }
                for (size_t l = b; l < e; l++)
                    fresh += j->map[l] == UINT32_MAX;
            }
            j->base[p] = fresh;
        } else if (j->step == MERGE_NUMBER) {
            uint32_t id = j->base[p];
            for (size_t l = lo; l < hi; l++)
                if (j->map[l] == UINT32_MAX) {
                    memcpy(j->out + (size_t)id * 3, j->verts + l * 3, 12);
                    j->map[l] = id++;
                }
        } else {
            for (size_t i = j->lo + lo; i < j->lo + hi; i++)
                j->ids[i] = j->map[j->ids[i]];
        }
    }
}

/* The outcome of welding: *verts (nverts vertices, big-allocated to exactly that size) and ids[point]. On
 * BAD_NUMBER, *bad and *bad_axis say where. */
static pf_err weld_points(const weld_src *src, size_t ngroups, int threads, int copy_only, uint32_t *ids,
                          float **verts_out, size_t *nverts_out, size_t *bad, unsigned *bad_axis)
{
    pf_err err = PF_E_OK;
    size_t npts = ngroups * src->k, half = ngroups;
    int two = npts >= WELD_PARALLEL_MIN && pf_sched_threads(threads) == 2;
    if (two) half = ngroups / 2;
    uint32_t *base = NULL;
    float *all = copy_only ? pf_big_alloc(npts * 12) : NULL;
    if (copy_only && !all) return PF_E_NOMEM;
    weld_share sh[2];
    memset(sh, 0, sizeof sh);
    for (int s = 0; s < 2; s++) {
        sh[s].src = src;
        sh[s].g0 = 0;
        sh[s].g1 = s ? 0 : ngroups;
        sh[s].copy_only = copy_only;
        sh[s].ids = ids;
        sh[s].verts = all;
        sh[s].bad = SIZE_MAX;
    }
    /* The tables, the merge filter, the shares' small buffers (cache, fix-up list, file chunk) and the second
     * share's vertices in one block: it comes in as a few huge pages (the small buffers alone took ~150
     * faults of 4 KB pages, each ~10 us on this kind of VM), and once freed it is one warm mapping that holds
     * the analysis' largest buffer, which usually follows (a fresh 2 MB page cost 0.1 to 3 ms here: the VM
     * backs guest memory lazily). Only the tables and the filter need zeroes. Each table is sized for half
     * the points: the first grows in the rare case that it welds far more (a late helper). */
    int nsh = two ? 2 : 1;
    size_t cap0 = copy_only ? 0 : weld_table_cap(half * src->k, src->spread),
           cap1 = two && !copy_only ? weld_table_cap((ngroups - half) * src->k, src->spread) : 0,
           tables_b = (cap0 + cap1) * sizeof(weld_slot),
           filter_b = two && !copy_only ? ((size_t)1 << WELD_FILTER_BITS) / 8 : 0,
           cache_b = copy_only ? 0 : ((size_t)1 << WELD_CACHE_BITS) * sizeof(weld_recent),
           fix_b = copy_only ? 0 : ((size_t)WELD_CHUNK * src->k * sizeof(uint32_t) + 63) / 64 * 64,
           chunk_b = src->fd >= 0 ? ((size_t)WELD_CHUNK * src->stride + 63) / 64 * 64 : 0,
           small_b = nsh * (cache_b + fix_b + chunk_b),
           vcap1 = two && !copy_only ? weld_vcap((ngroups - half) * src->k, src->spread) : 0,
           work_n = tables_b + filter_b + small_b + vcap1 * 12;
    if (npts >= WELD_PARALLEL_MIN && work_n < PF_BIG_MIN) work_n = PF_BIG_MIN;
    /* At least the analysis' scratch (engine/analyze.c: an edge slot per point of a triangle soup, bucket
     * starts, forest and tally per vertex, about 4 bytes per point in all), so that block, which takes only
     * a kept mapping it fits, finds this one warm also when one share welds alone (the tables alone are 10 MB
     * against its 10–12 MB for 1 M triangles); the untouched rest costs no memory here. */
    if (!copy_only && work_n >= PF_BIG_MIN && work_n < npts * sizeof(uint32_t)) work_n = npts * sizeof(uint32_t);
    unsigned char *work = work_n ? pf_big_zalloc_head(work_n, tables_b + filter_b) : NULL;
    if (work_n && !work) {
        pf_big_free(all, npts * 12);
        return PF_E_NOMEM;
    }
    weld_slot *tables = copy_only ? NULL : (weld_slot *)(void *)work;
    for (int s = 0; s < nsh; s++) {
        unsigned char *p = work + tables_b + filter_b + s * (cache_b + fix_b + chunk_b);
        sh[s].cache = cache_b ? (weld_recent *)(void *)p : NULL;
        sh[s].fix = fix_b ? (uint32_t *)(void *)(p + cache_b) : NULL;
        sh[s].chunk = chunk_b ? p + cache_b + fix_b : NULL;
    }
    if (vcap1) {
        sh[1].verts = (float *)(void *)(work + tables_b + filter_b + small_b);
        sh[1].vcap = vcap1;
    }
    sh[0].filter = filter_b ? (uint64_t *)(void *)(work + tables_b) : NULL;
    sh[0].table = tables, sh[0].cap = cap0;
    sh[1].table = tables ? tables + cap0 : NULL, sh[1].cap = cap1;
    weld_job job = {sh, ngroups, PTHREAD_MUTEX_INITIALIZER, 0, ngroups, 0};
    if (two)
        pf_sched_pair(weld_pair, &job, 1);
    else
        weld_run(&sh[0], NULL);
    sh[0].g1 = job.end0;
    for (int s = 0; s < 2 && err == PF_E_OK; s++) {
        if (sh[s].err == PF_E_BAD_NUMBER) {
            *bad = sh[s].bad; /* the first half's bad point, if any, comes first */
            *bad_axis = sh[s].bad_axis;
        }
        err = sh[s].err;
    }
    if (err != PF_E_OK) goto done;
    if (copy_only) {
        *verts_out = all;
        *nverts_out = npts;
        all = NULL;
        goto done;
    }
    size_t nv = sh[0].nlocal, n1 = sh[1].nlocal, npieces = (n1 + MERGE_PIECE - 1) / MERGE_PIECE;
    float *v = sh[0].verts;
    if (n1) {
        /* Room for the second half's new vertices after the first half's. The map takes the second half's
         * table, whose memory is warm and no longer needed: at most 3/4 of its slots (8 bytes each) are in
         * use, so it has room for 4 bytes per vertex. */
        if (!(v = pf_big_realloc(v, sh[0].vcap * 12, (nv + n1) * 12)) || !(base = malloc(npieces * 4))) {
            if (v) sh[0].verts = v, sh[0].vcap = nv + n1;
            err = PF_E_NOMEM;
            goto done;
        }
        sh[0].verts = v;
        sh[0].vcap = nv + n1;
        merge_job mj = {.step = MERGE_LOOKUP,
                        .first = &sh[0],
                        .verts = sh[1].verts,
                        .n1 = n1,
                        .map = (uint32_t *)(void *)sh[1].table,
                        .base = base,
                        .out = v,
                        .ids = ids,
                        .lo = sh[1].g0 * src->k,
                        .hi = npts};
        two = pf_sched_threads(threads) == 2; /* decided again: the load may have changed */
        pf_sched_pair(merge_pair, &mj, two && npieces > 1);
        for (size_t p = 0; p < npieces; p++) { /* in order: new vertices are numbered as one thread would */
            uint32_t fresh = base[p];
            base[p] = (uint32_t)nv;
            nv += fresh;
        }
        mj.step = MERGE_NUMBER;
        atomic_store(&mj.next, 0);
        pf_sched_pair(merge_pair, &mj, two && npieces > 1);
        mj.step = MERGE_REMAP;
        atomic_store(&mj.next, 0);
        pf_sched_pair(merge_pair, &mj, two);
    }
    if (!(v = pf_big_realloc(v, sh[0].vcap * 12, nv * 12))) {
        err = PF_E_NOMEM;
        goto done;
    }
    sh[0].verts = NULL;
    *verts_out = v;
    *nverts_out = nv;
done:
    free(base);
    pf_big_free(all, npts * 12);
    for (int s = 0; s < 2 && !copy_only; s++) {
        if (sh[s].own_verts) pf_big_free(sh[s].verts, sh[s].vcap * 12);
        if (sh[s].own_table) pf_big_free(sh[s].table, sh[s].cap * sizeof *sh[s].table);
    }
    pf_big_free(work, work_n);
    return err;
}

/* Makes the mesh of n binary STL records read from src (memory or file). parts is taken over either way. */
static pf_err mesh_from_stl(const weld_src *src, size_t n, int threads, int no_weld, pf_part *parts,
                            size_t nparts, pf_mesh **out, pf_errbuf *eb)
{
    pf_err err = PF_E_OK;
    pf_mesh *m = calloc(1, sizeof *m);
    size_t bad = 0;
    unsigned axis = 0;
    if (!m || !(m->tris = pf_big_alloc(n * 12))) {
        err = pf_errf(eb, PF_E_NOMEM, "no memory for %zu triangles", n);
        goto done;
    }
    m->ntris = n;
    m->big = 1;
    err = weld_points(src, n, threads, no_weld, m->tris, &m->verts, &m->nverts, &bad, &axis);
    if (err == PF_E_BAD_NUMBER)
        err =
            pf_errf(eb, err, "non-finite coordinate in triangle %zu at byte %zu", bad / 3,
                    (size_t)PF_STL_HEADER + bad / 3 * PF_STL_RECORD + PF_STL_VERTS + bad % 3 * 12 + axis * 4);
    else if (err == PF_E_IO)
        err = pf_errf(eb, err, "the file changed while it was read");
    else if (err != PF_E_OK)
        err = pf_errf(eb, err, "no memory to weld %zu triangles", n);
    if (err != PF_E_OK) goto done;
    m->parts = parts;
    m->nparts = nparts;
    m->format = PF_FORMAT_STL_BINARY;
    parts = NULL;
    *out = m;
    m = NULL;
done:
    free(parts);
    pf_mesh_free(m);
    return err;
}

/* Indexed input: welds the vertices, then numbers them in order of first use by a corner (dropping unused
 * ones) while checking every index. */
static pf_err finish_indexed(pf_mesh_builder *b, pf_mesh *m, pf_errbuf *eb)
{
    pf_err err = PF_E_OK;
    size_t nc = b->ntris * 3, niv = b->niverts, ncls = 0, nv = 0, bad = 0, vsize = 0;
    unsigned axis = 0;
    uint32_t *wid = NULL, *newid = NULL, *t = b->itris;
    float *cverts = NULL, *verts = NULL;
    for (size_t i = 0; b->no_weld && i < nc; i++)
        if (t[i] >= niv) goto bad_index;
    if (b->no_weld) {
        if (!(verts = pf_big_alloc(vsize = nc * 12))) goto nomem;
        for (size_t i = 0; i < nc; i++) {
            memcpy(verts + i * 3, b->iverts + (size_t)t[i] * 3, 12);
            t[i] = (uint32_t)i;
        }
        nv = nc;
    } else {
        weld_src src = {(const unsigned char *)b->iverts, 12, 0, 1, 1, -1, 0};
        if (!(wid = pf_big_alloc(niv * 4))) goto nomem;
        err = weld_points(&src, niv, b->threads, 0, wid, &cverts, &ncls, &bad, &axis);
        if (err == PF_E_BAD_NUMBER) {
            err = pf_errf(eb, err, "non-finite coordinate in vertex %zu", bad + 1);
            goto done;
        }
        if (err != PF_E_OK) goto nomem;
        if (!(newid = pf_big_zalloc(ncls * 4)) || !(verts = pf_big_alloc(vsize = ncls * 12))) goto nomem;
        for (size_t i = 0; i < nc; i++) {
            uint32_t v = t[i];
            if (v >= niv) goto bad_index;
            uint32_t c = wid[v], id = newid[c];
            if (!id) {
                id = newid[c] = (uint32_t)++nv;
                memcpy(verts + (nv - 1) * 3, cverts + (size_t)c * 3, 12);
            }
            t[i] = id - 1;
        }
        float *shrunk = pf_big_realloc(verts, ncls * 12, nv * 12);
        if (!shrunk) goto nomem;
        verts = shrunk;
        vsize = nv * 12;
    }
    uint32_t *tris = pf_big_realloc(b->itris, b->itcap * 12, b->ntris * 12);
    if (!tris) goto nomem;
    b->itris = NULL;
    b->itcap = 0;
    m->tris = tris;
    m->verts = verts;
    m->nverts = nv;
    verts = NULL;
    goto done;
bad_index:
    err = pf_errf(eb, PF_E_BAD_INDEX, "a triangle refers to vertex %zu of %zu", (size_t)t[0], niv);
    for (size_t i = 0; i < nc; i++)
        if (t[i] >= niv) {
            err = pf_errf(eb, PF_E_BAD_INDEX, "triangle %zu refers to vertex %zu but there are %zu", i / 3,
                          (size_t)t[i] + 1, niv);
            break;
        }
    goto done;
nomem:
    err = pf_errf(eb, PF_E_NOMEM, "no memory to weld %zu vertices", niv);
done:
    pf_big_free(verts, vsize);
    pf_big_free(newid, ncls * 4);
    pf_big_free(cverts, ncls * 12);
    pf_big_free(wid, niv * 4);
    return err;
}

pf_err pf_mesh_builder_finish(pf_mesh_builder *b, pf_mesh **out, pf_errbuf *eb)
{
    pf_err err = PF_E_OK;
    pf_mesh *m = NULL;
    if (b->nparts && b->parts[b->nparts - 1].tri_count == 0) b->nparts--;
    if (b->ntris == 0) {
        err = pf_errf(eb, PF_E_EMPTY_MESH, "the file holds no triangles");
        goto done;
    }
    if (b->stl) {
        weld_src src = {b->stl, PF_STL_RECORD, PF_STL_VERTS, 3, 6, -1, 0};
        err = mesh_from_stl(&src, b->ntris, b->threads, b->no_weld, b->parts, b->nparts, out, eb);
        b->parts = NULL;
        goto done;
    }
    if (!(m = calloc(1, sizeof *m))) {
        err = PF_E_NOMEM;
        goto done;
    }
    m->ntris = b->ntris;
    m->big = 1;
    if (b->indexed) {
        if ((err = finish_indexed(b, m, eb)) != PF_E_OK) goto done;
    } else if (b->no_weld) {
        if (!(m->tris = pf_big_alloc(b->ntris * 12))) {
            err = PF_E_NOMEM;
            goto done;
        }
        for (size_t i = 0; i < b->ntris * 3; i++)
            m->tris[i] = (uint32_t)i;
        /* The mesh is freed by its size, so the soup gives back its spare capacity. */
        float *v = pf_big_realloc(b->soup, b->cap * 36, b->ntris * 36);
        if (!v) {
            err = PF_E_NOMEM;
            goto done;
        }
        m->verts = v;
        m->nverts = b->ntris * 3;
        b->soup = NULL;
        b->cap = 0;
    } else {
        weld_src src = {(const unsigned char *)b->soup, 12, 0, 1, 6, -1, 0};
        size_t bad = 0;
        unsigned axis = 0;
        if (!(m->tris = pf_big_alloc(b->ntris * 12))) {
            err = PF_E_NOMEM;
            goto done;
        }
        err = weld_points(&src, b->ntris * 3, b->threads, 0, m->tris, &m->verts, &m->nverts, &bad, &axis);
        if (err == PF_E_BAD_NUMBER)
            err = pf_errf(eb, err, "non-finite coordinate in triangle %zu", bad / 3 + 1);
        if (err != PF_E_OK) goto done;
    }
    m->parts = b->parts;
    m->nparts = b->nparts;
    m->format = b->format;
    b->parts = NULL;
    *out = m;
    m = NULL;
done:
    pf_mesh_free(m);
    pf_mesh_builder_free(b);
    return err;
}

void pf_mesh_free(pf_mesh *m)
{
    if (!m) return;
    if (m->big) {
        pf_big_free(m->verts, m->nverts * 3 * sizeof *m->verts);
        pf_big_free(m->tris, m->ntris * 3 * sizeof *m->tris);
    } else {
        free(m->verts);
        free(m->tris);
    }
    free(m->parts);
    free(m);
}

pf_err pf_mesh_read_mem(const void *buf, size_t len, const pf_intake_limits *lim, pf_mesh **out,
                        pf_errbuf *eb)
{
    pf_intake_limits r = pf_intake_limits_resolve(lim);
    if (len > r.max_file_bytes)
        return pf_errf(eb, PF_E_TOO_LARGE, "file is %zu bytes, over the %zu byte limit", len,
                       r.max_file_bytes);
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, &r);
    pf_err err;
    switch (pf_mesh_detect(buf, len)) {
    case PF_FORMAT_STL_BINARY:
    case PF_FORMAT_STL_ASCII:
        err = pf__stl_read(buf, len, &b, eb);
        break;
    case PF_FORMAT_OBJ:
        err = pf__obj_read(buf, len, &b, eb);
        break;
    case PF_FORMAT_3MF:
        err = pf__3mf_read(buf, len, &r, &b, eb);
        break;
    default:
        err = pf_errf(eb, PF_E_FORMAT_UNKNOWN, len ? "not STL, OBJ or 3MF (byte 0)" : "the file is empty");
    }
    if (err != PF_E_OK) {
        pf_mesh_builder_free(&b);
        return err;
    }
    return pf_mesh_builder_finish(&b, out, eb);
}

pf_err pf_mesh_read_file(const char *path, const pf_intake_limits *lim, pf_mesh **out, pf_errbuf *eb)
{
    pf_intake_limits r = pf_intake_limits_resolve(lim);
    pf_err err = PF_E_OK;
    pf_file_image img = {0};
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pf_errf(eb, errno == ENOENT ? PF_E_NOT_FOUND : PF_E_IO, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err = pf_errf(eb, PF_E_IO, "%s: not a regular file", path);
        goto done;
    }
    if ((size_t)st.st_size > r.max_file_bytes) {
        err = pf_errf(eb, PF_E_TOO_LARGE, "file is %lld bytes, over the %zu byte limit",
                      (long long)st.st_size, r.max_file_bytes);
        goto done;
    }
    size_t len = (size_t)st.st_size;
    unsigned char head[PF_STL_HEADER];
    if (len >= PF_STL_HEADER && pread(fd, head, sizeof head, 0) == (ssize_t)sizeof head) {
        uint32_t n = (uint32_t)head[80] | (uint32_t)head[81] << 8 | (uint32_t)head[82] << 16 |
                     (uint32_t)head[83] << 24;
        if ((uint64_t)PF_STL_HEADER + (uint64_t)PF_STL_RECORD * n == len) {
            /* Binary STL: weld straight from the file, never holding it whole. */
            pf_part *part = calloc(1, sizeof *part);
            if (!part) {
                err = PF_E_NOMEM;
                goto done;
            }
            if ((err = pf__stl_binary_check(head, len, r.max_triangles, &n, eb)) != PF_E_OK) {
                free(part);
                goto done;
            }
            part->tri_count = n;
            part->printed = 1;
            weld_src src = {NULL, PF_STL_RECORD, PF_STL_VERTS, 3, 6, fd, PF_STL_HEADER};
            err = mesh_from_stl(&src, n, r.threads, r.no_weld, part, 1, out, eb);
            goto done;
        }
    }
    int e = pf_file_image_load(fd, len, &img);
    if (e) {
        err = pf_errf(eb, e == ENOMEM ? PF_E_NOMEM : PF_E_IO, "%s: %s", path, strerror(e));
        goto done;
    }
    err = pf_mesh_read_mem(img.data, img.len, &r, out, eb);
done:
    pf_file_image_release(&img);
    close(fd);
    return err;
}
