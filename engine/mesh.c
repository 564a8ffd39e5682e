/* Mesh builder (triangle soup → welded indexed mesh), format detection and the read entry points. */
#include "engine/mesh.h"
#include "engine/intake_internal.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    case PF_FORMAT_STL_BINARY: return "stl-binary";
    case PF_FORMAT_STL_ASCII: return "stl-ascii";
    case PF_FORMAT_OBJ: return "obj";
    case PF_FORMAT_3MF: return "3mf";
    default: return "unknown";
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
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
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
    const unsigned char *s = skip_space(p, p + len);
    if ((size_t)(p + len - s) >= 5 && memcmp(s, "solid", 5) == 0) return PF_FORMAT_STL_ASCII;
    /* OBJ: any line starting with "v " / "f " / "o " / "g " / "#" within the first 64 KB. */
    size_t n = len < 65536 ? len : 65536;
    for (size_t i = 0; i + 1 < n; i++) {
        if (i == 0 || p[i - 1] == '\n') {
            /* Only blanks, not newlines: skipping newlines here made runs of empty lines quadratic. */
            const unsigned char *q = p + i;
            while (q < p + n && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
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
}

void pf_mesh_builder_free(pf_mesh_builder *b)
{
    if (!b) return;
    free(b->soup);
    free(b->parts);
    b->soup = NULL;
    b->parts = NULL;
    b->ntris = b->cap = b->nparts = b->pcap = 0;
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

float *pf_mesh_builder_reserve(pf_mesh_builder *b, size_t n, pf_err *err, pf_errbuf *eb)
{
    if (n > b->max_triangles || b->ntris > b->max_triangles - n) {
        *err = pf_errf(eb, PF_E_TOO_MANY_TRIANGLES, "more than %zu triangles", b->max_triangles);
        return NULL;
    }
    if (!b->nparts && pf_mesh_builder_part(b, "", 1) != PF_E_OK) {
        *err = PF_E_NOMEM;
        return NULL;
    }
    if (b->ntris + n > b->cap) {
        size_t nc = b->cap ? b->cap : 1024;
        while (nc < b->ntris + n) nc *= 2;
        if (nc > b->max_triangles) nc = b->max_triangles;
        float *ns = realloc(b->soup, nc * 9 * sizeof *ns);
        if (!ns) {
            *err = pf_errf(eb, PF_E_NOMEM, "cannot hold %zu triangles", nc);
            return NULL;
        }
        b->soup = ns;
        b->cap = nc;
    }
    return b->soup + b->ntris * 9;
}

void pf_mesh_builder_commit(pf_mesh_builder *b, size_t n)
{
    b->ntris += n;
    b->parts[b->nparts - 1].tri_count += (uint32_t)n;
}

pf_err pf_mesh_builder_tri(pf_mesh_builder *b, const float v[9], pf_errbuf *eb)
{
    for (int i = 0; i < 9; i++)
        if (!isfinite(v[i])) return pf_errf(eb, PF_E_BAD_NUMBER, "non-finite coordinate");
    pf_err err = PF_E_OK;
    float *dst = b->ntris < b->cap && b->nparts ? b->soup + b->ntris * 9 : pf_mesh_builder_reserve(b, 1, &err, eb);
    if (!dst) return err;
    memcpy(dst, v, 9 * sizeof *v);
    pf_mesh_builder_commit(b, 1);
    return PF_E_OK;
}

static inline uint32_t key_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u == 0x80000000u ? 0 : u; /* -0 welds with +0 */
}

static inline uint64_t hash3(uint32_t a, uint32_t b, uint32_t c)
{
    uint64_t h = (uint64_t)a * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)b * 0xC2B2AE3D27D4EB4Full + (h >> 29);
    h ^= (uint64_t)c * 0x165667B19E3779F9ull + (h >> 32);
    return h ^ (h >> 31);
}

/* Welding maps every corner to the first corner with the same bits (its representative), then numbers the
 * representatives in order of first appearance, so the vertex order never depends on the threads.
 *
 * Random memory access is what costs here, so the lookups are arranged to avoid it: a small direct-mapped
 * cache of recently seen keys (cache-resident) answers most lookups, since files list a vertex's triangles
 * close together; the big open-addressing table holds the key bits next to the corner index (one cache line
 * per probe) and its slots are prefetched WELD_AHEAD corners ahead. With two threads each takes half of the
 * corners with a private table, and afterwards the second half's representatives that also occur in the first
 * half are redirected there. Tables start at one slot per four corners (closed meshes have one vertex per
 * six) and double at 3/4 load. */
#define WELD_PARALLEL_MIN 65536 /* corners below which one thread is faster than starting a second */
#define WELD_AHEAD 16           /* corners between a slot's prefetch and its probe */
#define WELD_CACHE 8192         /* entries of the recent-key cache (128 KB) */

typedef struct weld_slot {
    uint32_t k[3]; /* key bits of x y z */
    uint32_t id;   /* representative corner, UINT32_MAX when the slot is empty */
} weld_slot;

typedef struct weld_share {
    const float *soup;
    uint32_t *rep;    /* per corner: its representative corner within this share's range */
    size_t lo, hi;    /* corner range of this share */
    weld_slot *table; /* kept for the merge; freed by weld() */
    size_t cap;       /* table slots */
    size_t firsts;    /* representatives found in the range */
    pf_err err;
} weld_share;

static inline uint64_t corner_hash(const float *soup, size_t i)
{
    const float *p = soup + i * 3;
    return hash3(key_bits(p[0]), key_bits(p[1]), key_bits(p[2]));
}

static weld_slot *weld_alloc(size_t cap)
{
    weld_slot *t = malloc(cap * sizeof *t);
    if (t)
        for (size_t s = 0; s < cap; s++)
            t[s].id = UINT32_MAX;
    return t;
}

/* Finds the slot holding key k, or the empty slot where it belongs. */
static inline weld_slot *weld_find(weld_slot *table, size_t mask, uint64_t h, uint32_t kx, uint32_t ky,
                                   uint32_t kz)
{
    size_t slot = (size_t)h & mask;
    for (;;) {
        weld_slot *e = &table[slot];
        if (e->id == UINT32_MAX || (e->k[0] == kx && e->k[1] == ky && e->k[2] == kz)) return e;
        slot = (slot + 1) & mask;
    }
}

/* Doubles the table and re-inserts its entries. */
static weld_slot *weld_grow(weld_slot *table, size_t *cap)
{
    size_t nc = *cap * 2;
    weld_slot *nt = weld_alloc(nc);
    if (!nt) return NULL;
    for (size_t s = 0; s < *cap; s++) {
        const weld_slot *e = &table[s];
        if (e->id != UINT32_MAX)
            *weld_find(nt, nc - 1, hash3(e->k[0], e->k[1], e->k[2]), e->k[0], e->k[1], e->k[2]) = *e;
    }
    free(table);
    *cap = nc;
    return nt;
}

static void *weld_run(void *arg)
{
    weld_share *w = arg;
    const float *soup = w->soup;
    size_t lo = w->lo, hi = w->hi, cap = 1024;
    while (cap * 4 < hi - lo)
        cap *= 2;
    weld_slot *table = weld_alloc(cap), *cache = malloc(WELD_CACHE * sizeof *cache);
    if (!table || !cache) {
        free(table);
        free(cache);
        w->err = PF_E_NOMEM;
        return NULL;
    }
    memset(cache, 0xff, WELD_CACHE * sizeof *cache); /* empty, with NaN keys that no finite corner has */
    size_t mask = cap - 1, used = 0;
    uint64_t ring[WELD_AHEAD];
    for (size_t i = lo; i < lo + WELD_AHEAD && i < hi; i++)
        ring[i % WELD_AHEAD] = corner_hash(soup, i);
    for (size_t i = lo; i < hi; i++) {
        uint64_t h = ring[i % WELD_AHEAD];
        if (i + WELD_AHEAD < hi) {
            uint64_t hn = corner_hash(soup, i + WELD_AHEAD);
            ring[i % WELD_AHEAD] = hn;
            /* Prefetch only what the cache will probably not answer. */
            const float *q = soup + (i + WELD_AHEAD) * 3;
            const weld_slot *c = &cache[(hn >> 32) & (WELD_CACHE - 1)];
            if (c->k[0] != key_bits(q[0]) || c->k[1] != key_bits(q[1]) || c->k[2] != key_bits(q[2]))
                __builtin_prefetch(&table[hn & mask]);
        }
        const float *p = soup + i * 3;
        uint32_t kx = key_bits(p[0]), ky = key_bits(p[1]), kz = key_bits(p[2]);
        weld_slot *c = &cache[(h >> 32) & (WELD_CACHE - 1)];
        if (c->id != UINT32_MAX && c->k[0] == kx && c->k[1] == ky && c->k[2] == kz) {
            w->rep[i] = c->id;
            continue;
        }
        weld_slot *e = weld_find(table, mask, h, kx, ky, kz);
        if (e->id == UINT32_MAX) {
            e->k[0] = kx, e->k[1] = ky, e->k[2] = kz, e->id = (uint32_t)i;
            used++;
        }
        w->rep[i] = e->id;
        *c = *e;
        if (used * 4 > cap * 3) {
            weld_slot *nt = weld_grow(table, &cap);
            if (!nt) {
                free(table);
                free(cache);
                w->err = PF_E_NOMEM;
                return NULL;
            }
            table = nt;
            mask = cap - 1;
        }
    }
    free(cache);
    w->table = table;
    w->cap = cap;
    w->firsts = used;
    return NULL;
}

/* Welds the soup's 3·ntris corners into unique vertices, numbered in order of first appearance. */
static pf_err weld(const float *soup, size_t ntris, float **verts_out, size_t *nverts_out, uint32_t *tris)
{
    pf_err err = PF_E_OK;
    size_t ncorner = ntris * 3, half = ncorner >= WELD_PARALLEL_MIN ? ncorner / 2 : ncorner;
    weld_share sh[2] = {{soup, tris, 0, half, NULL, 0, 0, PF_E_OK},
                        {soup, tris, half, ncorner, NULL, 0, 0, PF_E_OK}};
    pthread_t th;
    int two = half < ncorner, started = two && pthread_create(&th, NULL, weld_run, &sh[1]) == 0;
    weld_run(&sh[0]);
    if (started)
        pthread_join(th, NULL);
    else if (two)
        weld_run(&sh[1]);
    if (sh[0].err != PF_E_OK || sh[1].err != PF_E_OK) {
        err = PF_E_NOMEM;
        goto done;
    }
    size_t nv = sh[0].firsts + sh[1].firsts;
    /* A key first met in the second half may have occurred in the first: point it at the earlier corner. */
    for (size_t s = 0; s < sh[1].cap; s++) {
        const weld_slot *e = &sh[1].table[s];
        if (e->id == UINT32_MAX) continue;
        const weld_slot *f = weld_find(sh[0].table, sh[0].cap - 1, hash3(e->k[0], e->k[1], e->k[2]), e->k[0],
                                       e->k[1], e->k[2]);
        if (f->id != UINT32_MAX) {
            tris[e->id] = f->id;
            nv--;
        }
    }
    float *verts = malloc((nv ? nv : 1) * 3 * sizeof *verts);
    if (!verts) {
        err = PF_E_NOMEM;
        goto done;
    }
    /* A representative comes before the corners that refer to it, so its number is known when they are met.
     */
    size_t id = 0;
    for (size_t i = 0; i < ncorner; i++) {
        uint32_t r = tris[i];
        if (r == i) {
            const float *p = soup + i * 3;
            float *q = verts + id * 3;
            q[0] = p[0] == 0.0f ? 0.0f : p[0];
            q[1] = p[1] == 0.0f ? 0.0f : p[1];
            q[2] = p[2] == 0.0f ? 0.0f : p[2];
            tris[i] = (uint32_t)id++;
        } else {
            tris[i] = tris[r];
        }
    }
    *verts_out = verts;
    *nverts_out = nv;
done:
    free(sh[0].table);
    free(sh[1].table);
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
    m = calloc(1, sizeof *m);
    if (!m || !(m->tris = malloc(b->ntris * 3 * sizeof *m->tris))) {
        err = PF_E_NOMEM;
        goto done;
    }
    m->ntris = b->ntris;
    if (b->no_weld) {
        for (size_t i = 0; i < b->ntris * 3; i++) m->tris[i] = (uint32_t)i;
        m->verts = b->soup;
        m->nverts = b->ntris * 3;
        b->soup = NULL;
    } else if ((err = weld(b->soup, b->ntris, &m->verts, &m->nverts, m->tris)) != PF_E_OK) {
        goto done;
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
    free(m->verts);
    free(m->tris);
    free(m->parts);
    free(m);
}

pf_err pf_mesh_read_mem(const void *buf, size_t len, const pf_intake_limits *lim, pf_mesh **out, pf_errbuf *eb)
{
    pf_intake_limits r = pf_intake_limits_resolve(lim);
    if (len > r.max_file_bytes)
        return pf_errf(eb, PF_E_TOO_LARGE, "file is %zu bytes, over the %zu byte limit", len, r.max_file_bytes);
    pf_mesh_builder b;
    pf_mesh_builder_init(&b, &r);
    pf_err err;
    switch (pf_mesh_detect(buf, len)) {
    case PF_FORMAT_STL_BINARY:
    case PF_FORMAT_STL_ASCII: err = pf__stl_read(buf, len, &b, eb); break;
    case PF_FORMAT_OBJ: err = pf__obj_read(buf, len, &b, eb); break;
    case PF_FORMAT_3MF: err = pf__3mf_read(buf, len, &r, &b, eb); break;
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
    unsigned char *buf = NULL;
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f) return pf_errf(eb, errno == ENOENT ? PF_E_NOT_FOUND : PF_E_IO, "%s: %s", path, strerror(errno));
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        err = pf_errf(eb, PF_E_IO, "%s: not a regular file", path);
        goto done;
    }
    if ((size_t)st.st_size > r.max_file_bytes) {
        err = pf_errf(eb, PF_E_TOO_LARGE, "file is %lld bytes, over the %zu byte limit", (long long)st.st_size,
                      r.max_file_bytes);
        goto done;
    }
    size_t len = (size_t)st.st_size;
    if (!(buf = malloc(len ? len : 1))) {
        err = PF_E_NOMEM;
        goto done;
    }
    if (fread(buf, 1, len, f) != len) {
        err = pf_errf(eb, PF_E_IO, "%s: short read", path);
        goto done;
    }
    err = pf_mesh_read_mem(buf, len, &r, out, eb);
done:
    free(buf);
    fclose(f);
    return err;
}
