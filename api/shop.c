/* The commerce core (api/shop.h): settings from the request's snapshot, material and printer records read in
 * one LMDB read transaction, the slicer-grade estimate of stored meshes kept in a process-wide LRU cache
 * keyed by blob digest, the fast model for numeric quotes, and the customer-facing JSON of a priced line. */
#include "api/shop.h"

#include "api/config.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/analyze.h"
#include "engine/backends.h"
#include "engine/fastquote.h"
#include "engine/mesh.h"
#include "engine/profile.h"

#define EB(r) pf_req_eb(r)
/* Printers and materials a shop keeps: far more than any real shop, bounded so a list stays one read. */
#define MAX_PRINTERS 1000
#define MAX_MATERIALS 1000

/* ---- settings ---- */

/* A numeric setting: def when unset; PF_E_INVAL naming the key when set but not a finite number. */
static pf_err setting_num(pf_req *r, const char *key, double def, double *out)
{
    const char *v = pf_req_setting(r, key, NULL);
    if (!v) {
        *out = def;
        return PF_E_OK;
    }
    char *end;
    double d = strtod(v, &end);
    while (end != v && isspace((unsigned char)*end))
        end++;
    if (end == v || *end || !isfinite(d)) return pf_errf(EB(r), PF_E_INVAL, "setting %s: not a number", key);
    *out = d;
    return PF_E_OK;
}

/* The last settings parsed by this thread and the snapshot they came from: a snapshot is immutable and its
 * generation changes with every reload, so (pointer, generation) names it. Saves parsing nine numbers on
 * every quote. */
static _Thread_local struct {
    const pf_api_config *cfg; /* snapshot parsed, NULL = none */
    uint64_t generation;      /* its generation */
    pf_price_settings ps;     /* the result */
    bool has_qty;             /* qmin and qmax were parsed from it too */
    double qmin, qmax;        /* order.min_qty and order.max_qty */
} t_price_memo;

static pf_err price_settings_parse(pf_req *r, pf_price_settings *out);

pf_err pf_shop_price_settings(pf_req *r, pf_price_settings *out)
{
    const pf_api_config *cfg = pf_req_config(r);
    if (cfg && t_price_memo.cfg == cfg && t_price_memo.generation == cfg->generation) {
        *out = t_price_memo.ps;
        return PF_E_OK;
    }
    pf_price_settings s;
    pf_err err = price_settings_parse(r, &s);
    if (err) return err;
    if (cfg)
        t_price_memo.cfg = cfg, t_price_memo.generation = cfg->generation, t_price_memo.ps = s,
        t_price_memo.has_qty = false;
    *out = s;
    return PF_E_OK;
}

/* The configured quantity range (order.min_qty, order.max_qty), memoised with the price settings of the same
 * snapshot (kept only once those were parsed for it). */
static pf_err qty_range(pf_req *r, double *qmin, double *qmax)
{
    const pf_api_config *cfg = pf_req_config(r);
    bool memo = cfg && t_price_memo.cfg == cfg && t_price_memo.generation == cfg->generation;
    if (memo && t_price_memo.has_qty) {
        *qmin = t_price_memo.qmin, *qmax = t_price_memo.qmax;
        return PF_E_OK;
    }
    double lo, hi;
    pf_err err = setting_num(r, "order.min_qty", 1, &lo);
    if (!err) err = setting_num(r, "order.max_qty", 100, &hi);
    if (err) return err;
    if (memo) t_price_memo.qmin = lo, t_price_memo.qmax = hi, t_price_memo.has_qty = true;
    *qmin = lo, *qmax = hi;
    return PF_E_OK;
}

static pf_err price_settings_parse(pf_req *r, pf_price_settings *out)
{
    pf_price_settings s = pf_price_settings_default();
    for (size_t i = 0; i < pf_price_setting_count(); i++) {
        const pf_price_setting_info *in = pf_price_setting_info_at(i);
        char key[96];
        double cur = 0, v;
        snprintf(key, sizeof key, "cost.%s", in->key);
        pf_err err = pf_price_setting_get(&s, in->key, &cur, EB(r));
        if (!err) err = setting_num(r, key, cur, &v);
        if (!err && v != cur && pf_price_setting_set(&s, in->key, v, EB(r)))
            err = pf_errf(EB(r), PF_E_INVAL, "setting %s: %g is outside %g..%g", key, v, in->min, in->max);
        if (err) return err;
    }
    *out = s;
    return PF_E_OK;
}

pf_err pf_shop_ship_settings(pf_req *r, pf_ship_settings *out)
{
    pf_ship_settings s = pf_ship_settings_default();
    const char *pin = pf_req_setting(r, "shipping.origin_pin", NULL);
    if (pin) {
        size_t n = strlen(pin);
        if (n != 6 || strspn(pin, "0123456789") != 6)
            return pf_errf(EB(r), PF_E_INVAL, "setting shipping.origin_pin: not a six-digit PIN code");
        memcpy(s.origin_pin, pin, 7);
    }
    pf_err err = setting_num(r, "shipping.packaging_g", s.packaging_g, &s.packaging_g);
    if (!err) err = setting_num(r, "shipping.packaging_pct", s.packaging_pct, &s.packaging_pct);
    if (!err) err = setting_num(r, "shipping.gst_pct", s.gst_pct, &s.gst_pct);
    if (err) return err;
    if (s.packaging_g < 0 || s.packaging_pct < 0 || s.gst_pct < 0 || s.gst_pct > 100)
        return pf_errf(EB(r), PF_E_INVAL, "shipping settings: negative packaging or GST outside 0..100");
    *out = s;
    return PF_E_OK;
}

pf_err pf_shop_shipping(pf_req *r, const char *dest_pin, double goods_g, pf_ship_quote *out)
{
    pf_ship_settings ss;
    pf_err err = pf_shop_ship_settings(r, &ss);
    if (err) return err;
    if (!dest_pin || !*dest_pin)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "shipping_zip: required for shipping");
    pf_errbuf eb = {{0}};
    pf_ship_quote q;
    err = pf_ship_quote_parcel(&ss, dest_pin, goods_g, &q, &eb);
    if (err == PF_E_NOMEM) return pf_errf(EB(r), err, "shipping");
    if (err)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "shipping_zip: %s", eb.msg[0] ? eb.msg : "not deliverable");
    *out = q;
    return PF_E_OK;
}

/* ---- the estimate cache ---- */

typedef struct cache_entry {
    pf_sha256 key;           /* blob digest */
    pf_estimate_cache *est;  /* prepared slicing, default profile */
    pf_estimate_cache *est0; /* the same for 0 % infill (its own shells: engine/estimate.h), once quoted */
    double dims[3];          /* bounding box of the printed parts, mm */
    double volume_mm3;       /* their solid volume */
    size_t bytes;            /* heap bytes of est */
    bool has_analysis;       /* an is set (the entry came from an upload) */
    double memo_density[4]; /* the last densities evaluated (eval is pure: the same input, the same output) */
    pf_estimate memo_est[4];   /* their estimates */
    unsigned memo_n;           /* evaluations memoised so far (slot = memo_n % 4) */
    pf_analysis an;            /* the mesh's full analysis */
    unsigned refs;             /* holders: the cache while listed, plus each lookup in progress */
    bool listed;               /* in the hash table and the LRU list */
    struct cache_entry *prev;  /* LRU list: towards the most recently used */
    struct cache_entry *next;  /* towards the least recently used */
    struct cache_entry *hnext; /* hash chain */
} cache_entry;

#define CACHE_BUCKETS 4096

/* The one process-wide cache (the brief's exception to "no mutable globals": prepared meshes are shared by
 * every request of every server in the process, like the OpenCL program cache). */
static struct {
    pthread_mutex_t mu;                 /* guards everything below */
    cache_entry *bucket[CACHE_BUCKETS]; /* hash table by digest */
    cache_entry *head, *tail;           /* LRU list: head most recent */
    size_t n, bytes;                    /* entries listed, their bytes */
    size_t max_n, max_bytes;            /* bounds */
    uint64_t hits, misses, evicted;     /* counters */
} g_cache = {.mu = PTHREAD_MUTEX_INITIALIZER, .max_n = 512, .max_bytes = (size_t)256 << 20};

static size_t bucket_of(const pf_sha256 *k)
{
    size_t h;
    memcpy(&h, k->b, sizeof h);
    return h % CACHE_BUCKETS;
}

static void entry_free(cache_entry *e)
{
    if (!e) return;
    pf_estimate_cache_free(e->est);
    pf_estimate_cache_free(e->est0);
    free(e);
}

/* Drops one holder (the caller holds g_cache.mu). */
static void entry_unref_locked(cache_entry *e)
{
    if (--e->refs == 0) entry_free(e);
}

static void lru_unlink(cache_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        g_cache.head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        g_cache.tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_front(cache_entry *e)
{
    e->prev = NULL;
    e->next = g_cache.head;
    if (g_cache.head) g_cache.head->prev = e;
    g_cache.head = e;
    if (!g_cache.tail) g_cache.tail = e;
}

/* Removes e from the table and the list (the caller holds g_cache.mu). */
static void entry_delist_locked(cache_entry *e)
{
    cache_entry **p = &g_cache.bucket[bucket_of(&e->key)];
    while (*p && *p != e)
        p = &(*p)->hnext;
    if (*p) *p = e->hnext;
    lru_unlink(e);
    e->listed = false;
    g_cache.n--;
    g_cache.bytes -= e->bytes;
    entry_unref_locked(e);
}

static void evict_locked(void)
{
    while (g_cache.tail && (g_cache.n > g_cache.max_n || g_cache.bytes > g_cache.max_bytes)) {
        entry_delist_locked(g_cache.tail);
        g_cache.evicted++;
    }
}

/* The entry for key with one more holder, or NULL. */
static cache_entry *cache_get(const pf_sha256 *key)
{
    pthread_mutex_lock(&g_cache.mu);
    cache_entry *e = g_cache.bucket[bucket_of(key)];
    while (e && memcmp(e->key.b, key->b, sizeof key->b))
        e = e->hnext;
    if (e) {
        e->refs++;
        lru_unlink(e);
        lru_push_front(e);
    }
    pthread_mutex_unlock(&g_cache.mu);
    return e;
}

static void cache_put_back(cache_entry *e)
{
    if (!e) return;
    pthread_mutex_lock(&g_cache.mu);
    entry_unref_locked(e);
    pthread_mutex_unlock(&g_cache.mu);
}

/* Lists fresh (which the caller holds once) unless its key is listed already; returns the listed entry with
 * one holder for the caller (fresh is released when it lost the race). */
static cache_entry *cache_insert(cache_entry *fresh)
{
    pthread_mutex_lock(&g_cache.mu);
    size_t b = bucket_of(&fresh->key);
    cache_entry *e = g_cache.bucket[b];
    while (e && memcmp(e->key.b, fresh->key.b, sizeof fresh->key.b))
        e = e->hnext;
    if (e) {
        e->refs++;
        entry_unref_locked(fresh);
    } else {
        e = fresh;
        e->refs++; /* the cache's own hold */
        e->listed = true;
        e->hnext = g_cache.bucket[b];
        g_cache.bucket[b] = e;
        lru_push_front(e);
        g_cache.n++;
        g_cache.bytes += e->bytes;
        evict_locked();
    }
    pthread_mutex_unlock(&g_cache.mu);
    return e;
}

void pf_shop_cache_stats_get(pf_shop_cache_stats *out)
{
    pthread_mutex_lock(&g_cache.mu);
    *out = (pf_shop_cache_stats){g_cache.n, g_cache.bytes, g_cache.hits, g_cache.misses, g_cache.evicted};
    pthread_mutex_unlock(&g_cache.mu);
}

void pf_shop_cache_limits(size_t max_entries, size_t max_bytes)
{
    pthread_mutex_lock(&g_cache.mu);
    if (max_entries) g_cache.max_n = max_entries;
    if (max_bytes) g_cache.max_bytes = max_bytes;
    evict_locked();
    pthread_mutex_unlock(&g_cache.mu);
}

void pf_shop_cache_clear(void)
{
    pthread_mutex_lock(&g_cache.mu);
    while (g_cache.tail)
        entry_delist_locked(g_cache.tail);
    pthread_mutex_unlock(&g_cache.mu);
}

static void count(bool hit)
{
    pthread_mutex_lock(&g_cache.mu);
    if (hit)
        g_cache.hits++;
    else
        g_cache.misses++;
    pthread_mutex_unlock(&g_cache.mu);
}

/* The SIMD backend, one per process: its stages are stateless, so every worker thread may share it. One
 * thread per prepare: the server already runs one request per core. */
static pthread_once_t g_be_once = PTHREAD_ONCE_INIT;
static pf_backend *g_be;

static void backend_init(void)
{
    pf_errbuf eb;
    if (pf_backend_simd_create(1, &g_be)) pf_backend_get("scalar", &g_be, &eb);
}

/* The estimator's profile for shop quotes: the default (PrusaSlicer MK3S 0.20 mm QUALITY). Material density
 * only scales weight at the end (the shop recomputes weight per material), so one prepared cache per mesh
 * serves every material and infill. */
static pf_profile shop_profile(void)
{
    return pf_profile_default();
}

static pf_err entry_build(pf_errbuf *eb, const pf_sha256 *key, const pf_mesh *mesh, cache_entry **out)
{
    pthread_once(&g_be_once, backend_init);
    if (!g_be) return pf_errf(eb, PF_E_DEVICE, "no estimator backend");
    pf_mesh_stats ms;
    pf_err err = pf_mesh_stats_compute(mesh, &ms, eb);
    if (err) return err;
    cache_entry *e = calloc(1, sizeof *e);
    if (!e) return pf_errf(eb, PF_E_NOMEM, "estimate cache");
    pf_profile p = shop_profile();
    if ((err = pf_estimate_prepare(mesh, &p, g_be, &e->est, eb))) {
        free(e);
        return err;
    }
    e->key = *key;
    memcpy(e->dims, ms.dims, sizeof e->dims);
    e->volume_mm3 = ms.volume_mm3;
    e->bytes = pf_estimate_cache_bytes(e->est) + sizeof *e;
    e->refs = 1;
    *out = e;
    return PF_E_OK;
}

pf_err pf_shop_cache_mesh_analysed(pf_req *r, const pf_sha256 *blob, const pf_mesh *mesh,
                                   const pf_analysis *analysis)
{
    cache_entry *e = cache_get(blob);
    pf_errbuf local;
    if (!e) {
        pf_err err = entry_build(r ? EB(r) : &local, blob, mesh, &e);
        if (err) return err;
        e = cache_insert(e);
    }
    /* The same content was prepared before (or just now): only the analysis may be new. */
    if (analysis) {
        pthread_mutex_lock(&g_cache.mu);
        if (!e->has_analysis) e->an = *analysis, e->has_analysis = true;
        pthread_mutex_unlock(&g_cache.mu);
    }
    cache_put_back(e);
    return PF_E_OK;
}

pf_err pf_shop_cache_mesh(pf_req *r, const pf_sha256 *blob, const pf_mesh *mesh)
{
    return pf_shop_cache_mesh_analysed(r, blob, mesh, NULL);
}

bool pf_shop_cache_analysis(const pf_sha256 *blob, pf_analysis *out)
{
    cache_entry *e = cache_get(blob);
    if (!e) return false;
    pthread_mutex_lock(&g_cache.mu);
    bool has = e->has_analysis;
    if (has) *out = e->an;
    pthread_mutex_unlock(&g_cache.mu);
    cache_put_back(e);
    return has;
}

/* A growable buffer filled by pf_store_blob_read. */
typedef struct blob_buf {
    char *p;      /* bytes */
    size_t n;     /* used */
    size_t cap;   /* allocated */
    size_t limit; /* refused beyond */
} blob_buf;

static pf_err blob_sink(void *ctx, const void *data, size_t len)
{
    blob_buf *b = ctx;
    if (len > b->limit - b->n) return PF_E_TOO_LARGE;
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->n + len)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) return PF_E_NOMEM;
        b->p = q, b->cap = cap;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    return PF_E_OK;
}

/* The stored model file with digest key, read as a mesh. */
static pf_err mesh_of_blob(pf_req *r, const pf_sha256 *key, pf_mesh **out)
{
    const char *mb = pf_req_setting(r, "site.max_file_size_mb", "50");
    unsigned long long mbv = strtoull(mb, NULL, 10);
    pf_intake_limits lim = {.max_file_bytes = (size_t)(mbv ? mbv : 50) << 20};
    blob_buf b = {.limit = lim.max_file_bytes};
    pf_err err = pf_store_blob_read(pf_req_store(r), key, blob_sink, &b, EB(r));
    if (err == PF_E_NOT_FOUND) err = pf_errf(EB(r), PF_E_NOT_FOUND, "the model file is no longer stored");
    if (!err) err = pf_mesh_read_mem(b.p, b.n, &lim, out, EB(r));
    free(b.p);
    return err;
}

/* The entry's cache for 0 % infill, prepared from the stored file on the first quote that needs it (0 %
 * quotes are rare; the shells differ from every other density's, see engine/estimate.h). */
static pf_err entry_void(pf_req *r, cache_entry *e, const pf_estimate_cache **out)
{
    pthread_mutex_lock(&g_cache.mu);
    *out = e->est0;
    pthread_mutex_unlock(&g_cache.mu);
    if (*out) return PF_E_OK;
    pf_mesh *mesh = NULL;
    pf_estimate_cache *c = NULL;
    pf_profile p = shop_profile();
    p.infill_density = 0;
    pf_err err = mesh_of_blob(r, &e->key, &mesh);
    if (!err) err = pf_estimate_prepare(mesh, &p, g_be, &c, EB(r));
    pf_mesh_free(mesh);
    if (err) return err;
    pthread_mutex_lock(&g_cache.mu);
    if (e->est0) { /* another request made it meanwhile */
        pf_estimate_cache_free(c);
    } else {
        size_t more = pf_estimate_cache_bytes(c);
        e->est0 = c;
        e->bytes += more;
        if (e->listed) {
            g_cache.bytes += more;
            evict_locked(); /* e stays valid: the caller holds it */
        }
    }
    *out = e->est0;
    pthread_mutex_unlock(&g_cache.mu);
    return PF_E_OK;
}

/* Evaluates e at density, from the entry's memo of recent densities when it holds it (quotes of one part
 * mostly use the default infill); 0 % from its own cache (entry_void). */
static pf_err entry_eval(pf_req *r, cache_entry *e, double density, pf_estimate *out)
{
    pf_errbuf *eb = EB(r);
    pthread_mutex_lock(&g_cache.mu);
    for (unsigned i = 0; i < 4 && i < e->memo_n; i++)
        if (e->memo_density[i] == density) {
            *out = e->memo_est[i];
            pthread_mutex_unlock(&g_cache.mu);
            return PF_E_OK;
        }
    pthread_mutex_unlock(&g_cache.mu);
    pf_estimate est;
    const pf_estimate_cache *c = e->est;
    pf_err err = density == 0 ? entry_void(r, e, &c) : PF_E_OK;
    if (err == PF_E_NOT_FOUND) { /* the file is gone (deleted since): the default cache's shells, at 0 % */
        c = e->est;
        err = PF_E_OK;
    }
    if (!err) err = pf_estimate_eval(c, density, 0, &est, eb);
    if (err) return err;
    pthread_mutex_lock(&g_cache.mu);
    unsigned slot = e->memo_n++ % 4;
    e->memo_density[slot] = density, e->memo_est[slot] = est;
    pthread_mutex_unlock(&g_cache.mu);
    *out = est;
    return PF_E_OK;
}

/* The entry for key: from memory, or rebuilt from the stored blob (after a restart or an eviction). */
static pf_err entry_acquire(pf_req *r, const pf_sha256 *key, cache_entry **out)
{
    cache_entry *e = cache_get(key);
    if (e) {
        count(true);
        *out = e;
        return PF_E_OK;
    }
    count(false);
    pf_mesh *mesh = NULL;
    pf_err err = mesh_of_blob(r, key, &mesh);
    if (!err) err = entry_build(EB(r), key, mesh, &e);
    pf_mesh_free(mesh);
    if (err) return err;
    *out = cache_insert(e);
    return PF_E_OK;
}

/* ---- records for one line, read in one transaction ---- */

/* The materials and printers decoded under one snapshot, per thread: quotes need every printer and a material
 * by name, and decoding them is most of a quote's storage cost. Valid while reads see the same LMDB
 * transaction id (any write anywhere makes a new one), so a change is seen by the very next quote. The last
 * upload session read under that snapshot is kept too (quotes of one upload come in runs). Freed by the key's
 * destructor when the thread ends. */
typedef struct catalog_memo {
    const pf_store *st;   /* store decoded (ids are per environment) */
    uint64_t txn_id;      /* snapshot decoded */
    bool valid;           /* the lists below belong to txn_id */
    pf_material *mats;    /* every material */
    size_t nmats;         /* count */
    pf_printer *printers; /* every printer */
    size_t nprinters;     /* count */
    bool has_up;          /* up was read under txn_id */
    pf_upload up;         /* the last upload session read */
} catalog_memo;

static pthread_key_t g_memo_key;
static pthread_once_t g_memo_once = PTHREAD_ONCE_INIT;

static void memo_free(void *p)
{
    catalog_memo *m = p;
    if (!m) return;
    pf_material_list_free(m->mats, m->nmats);
    pf_printer_list_free(m->printers, m->nprinters);
    pf_upload_clear(&m->up);
    free(m);
}

static void memo_key_init(void)
{
    pthread_key_create(&g_memo_key, memo_free);
}

/* This thread's catalog for snapshot t, decoding it when the snapshot changed. */
static pf_err catalog_get(pf_store *st, pf_txn *t, catalog_memo **out, pf_errbuf *eb)
{
    pthread_once(&g_memo_once, memo_key_init);
    catalog_memo *m = pthread_getspecific(g_memo_key);
    if (!m) {
        if (!(m = calloc(1, sizeof *m))) return pf_errf(eb, PF_E_NOMEM, "catalog");
        if (pthread_setspecific(g_memo_key, m)) {
            free(m);
            return pf_errf(eb, PF_E_NOMEM, "catalog");
        }
    }
    uint64_t id = pf_store_txn_id(t);
    if (!m->valid || m->txn_id != id || m->st != st) {
        m->valid = false;
        m->has_up = false;
        pf_upload_clear(&m->up);
        pf_material_list_free(m->mats, m->nmats);
        pf_printer_list_free(m->printers, m->nprinters);
        m->mats = NULL, m->nmats = 0, m->printers = NULL, m->nprinters = 0;
        uint64_t next;
        pf_err err = pf_store_material_list(st, t, 0, MAX_MATERIALS, &m->mats, &m->nmats, &next, eb);
        if (!err) err = pf_store_printer_list(st, t, 0, MAX_PRINTERS, &m->printers, &m->nprinters, &next, eb);
        if (err) return err;
        m->txn_id = id, m->st = st, m->valid = true;
    }
    *out = m;
    return PF_E_OK;
}

typedef struct line_ctx {
    pf_req *r;                  /* request */
    const pf_shop_item *in;     /* what to price */
    const pf_material *mat;     /* the material (borrowed from this thread's catalog memo) */
    const pf_printer *printers; /* every printer (borrowed likewise) */
    size_t nprinters;           /* count */
    const pf_upload *up;        /* the session if any (borrowed from this thread's catalog memo) */
    pf_model model;             /* the catalog model, if any */
} line_ctx;

static bool name_is(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

/* The material by name: the exact name, else the one matching it ignoring case (lowest id). */
static const pf_material *find_material(const catalog_memo *m, const char *name)
{
    const pf_material *best = NULL;
    for (size_t i = 0; i < m->nmats; i++) {
        const pf_material *x = &m->mats[i];
        if (x->name && !strcmp(x->name, name)) return x;
        if (name_is(x->name, name) && (!best || x->id < best->id)) best = x;
    }
    return best;
}

/* A numeric quote needs only the catalog, a session quote also its upload: when this thread's memo holds them
 * and is of the last committed transaction, it is what a read transaction would see now, so none is started.
 * True when c was filled from it. */
static bool catalog_current(pf_store *st, line_ctx *c)
{
    if (c->in->model_id) return false;
    pthread_once(&g_memo_once, memo_key_init);
    catalog_memo *m = pthread_getspecific(g_memo_key);
    if (!m || !m->valid || m->st != st) return false;
    uint64_t last = pf_store_last_txn_id(st);
    if (!last || last != m->txn_id) return false;
    if (c->in->session_id && !(m->has_up && m->up.id == c->in->session_id)) return false;
    const pf_material *mat = find_material(m, c->in->material);
    if (!mat) return false; /* the read reports it */
    c->mat = mat, c->printers = m->printers, c->nprinters = m->nprinters;
    c->up = c->in->session_id ? &m->up : NULL;
    return true;
}

static pf_err line_read(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    line_ctx *c = vctx;
    pf_store *st = pf_req_store(c->r);
    /* The body may run twice: start from empty records each time. */
    c->up = NULL;
    pf_model_clear(&c->model);
    catalog_memo *m = NULL;
    pf_err err = catalog_get(st, t, &m, eb);
    if (err) return err;
    if (!(c->mat = find_material(m, c->in->material)))
        return pf_errf(eb, PF_E_INVALID_FIELD, "material: unknown material '%s'", c->in->material);
    c->printers = m->printers, c->nprinters = m->nprinters;
    if (c->in->session_id) {
        pf_upload up = {0};
        err = pf_store_upload_get(st, t, c->in->session_id, &up, eb);
        if (err == PF_E_NOT_FOUND) return pf_errf(eb, err, "session_id: no such upload session");
        if (err) return err;
        /* Kept with the catalog of this snapshot, for the next quote of the same session. */
        pf_upload_clear(&m->up);
        m->up = up, m->has_up = true;
        c->up = &m->up;
    }
    if (c->in->model_id) {
        err = pf_store_model_get(st, t, c->in->model_id, &c->model, eb);
        if (err == PF_E_NOT_FOUND) return pf_errf(eb, err, "model_id: no such model");
        if (err) return err;
    }
    return PF_E_OK;
}

static void line_ctx_clear(line_ctx *c)
{
    c->up = NULL;
    if (c->in->model_id) pf_model_clear(&c->model); /* untouched otherwise */
}

void pf_shop_line_clear(pf_shop_line *l)
{
    if (!l) return;
    free(l->material);
    free(l->color);
    free(l->filename);
    free(l->format);
    free(l->printer_name);
    memset(l, 0, sizeof *l);
}

static bool strv_has(const pf_strv *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++)
        if (name_is(v->v[i], s)) return true;
    return false;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Validates the numeric geometry fields with the API's field names. */
static pf_err numeric_geometry(pf_req *r, const pf_shop_item *in, double dims[3], double *vol_mm3)
{
    static const char *const axis[3] = {"dim_x_mm", "dim_y_mm", "dim_z_mm"};
    if (!(isfinite(in->volume_cm3) && in->volume_cm3 > 0))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "volume_cm3: must be a number above 0");
    double v = in->volume_cm3 * 1000;
    bool none = in->dim_mm[0] == 0 && in->dim_mm[1] == 0 && in->dim_mm[2] == 0;
    for (int k = 0; k < 3; k++) {
        double d = none ? cbrt(v) : in->dim_mm[k];
        if (!(isfinite(d) && d > 0 && d <= PF_FASTQUOTE_MAX_DIM_MM))
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: must be above 0 and at most %g mm", axis[k],
                           PF_FASTQUOTE_MAX_DIM_MM);
        dims[k] = d;
    }
    if (v > dims[0] * dims[1] * dims[2] * 1.001)
        return pf_errf(EB(r), PF_E_INVALID_FIELD,
                       "volume_cm3: %g cm³ does not fit inside the %g × %g × %g mm bounding box",
                       in->volume_cm3, dims[0], dims[1], dims[2]);
    *vol_mm3 = v;
    return PF_E_OK;
}

pf_err pf_shop_price_line(pf_req *r, const pf_shop_item *in, pf_shop_line *out)
{
    pf_shop_line l = {0};
    line_ctx c = {.r = r, .in = in};
    cache_entry *ce = NULL;
    pf_err err = PF_E_OK;
    const pf_principal *who = pf_req_principal(r);

    /* Validation first, then work. */
    if (!in->material || !*in->material) {
        err = pf_errf(EB(r), PF_E_INVALID_FIELD, "material: required");
        goto done;
    }
    int sources = (in->session_id != 0) + (in->model_id != 0);
    bool numeric = in->volume_cm3 != 0 || in->dim_mm[0] != 0 || in->dim_mm[1] != 0 || in->dim_mm[2] != 0;
    if (sources + numeric == 0) {
        err = pf_errf(EB(r), PF_E_INVALID_FIELD, "volume_cm3: required (or session_id of an upload)");
        goto done;
    }
    if (sources + numeric > 1) {
        err = pf_errf(EB(r), PF_E_INVALID_FIELD,
                      "session_id: give one geometry source (session_id, model_id or dimensions and volume)");
        goto done;
    }
    double infill = in->infill_pct < 0 ? shop_profile().infill_density * 100 : in->infill_pct;
    if (!(isfinite(infill) && infill >= 0 && infill <= 100)) {
        err = pf_errf(EB(r), PF_E_INVALID_FIELD, "infill: must be between 0 and 100");
        goto done;
    }
    double qmin = 1, qmax = 100;
    if ((err = qty_range(r, &qmin, &qmax))) goto done;
    if (qmin < 1) qmin = 1;
    if (qmax > PF_PRICE_MAX_QUANTITY) qmax = PF_PRICE_MAX_QUANTITY;
    if (in->quantity < qmin || in->quantity > qmax) {
        err = pf_errf(EB(r), PF_E_INVALID_FIELD, "quantity: must be a whole number from %.0f to %.0f", qmin,
                      qmax);
        goto done;
    }
    double dims[3] = {0}, vol = 0;
    if (numeric && (err = numeric_geometry(r, in, dims, &vol))) goto done;
    pf_price_settings ps;
    if ((err = pf_shop_price_settings(r, &ps))) goto done;

    /* Records: one read transaction, or none for a numeric quote when this thread's catalog is current. */
    if (!catalog_current(pf_req_store(r), &c) && (err = pf_store_read(pf_req_store(r), line_read, &c, EB(r))))
        goto done;
    if (!c.mat->is_active) {
        err = pf_errf(EB(r), PF_E_INVALID_FIELD, "material: %s is not available", c.mat->name);
        goto done;
    }
    const char *color = NULL;
    if (in->color && *in->color) {
        /* By name, or by its preview colour ("#1A1A1A") as a colour picker sends it. */
        for (size_t i = 0; i < c.mat->colors.n && !color; i++)
            if (name_is(c.mat->colors.v[i], in->color) ||
                (i < c.mat->color_hex.n && in->color[0] == '#' && name_is(c.mat->color_hex.v[i], in->color)))
                color = c.mat->colors.v[i];
        if (!color) {
            err =
                pf_errf(EB(r), PF_E_INVALID_FIELD, "color: %s is not offered in %s", in->color, c.mat->name);
            goto done;
        }
    } else if (c.mat->colors.n) {
        color = c.mat->colors.v[0];
    }
    int64_t now = (int64_t)time(NULL);
    uint64_t uid = who->kind == PF_AUTH_JWT ? who->user.id : 0;
    const pf_sha256 *blob = NULL;
    if (in->session_id) {
        /* Another user's session answers like a missing one: ids are not secrets, uploads are. */
        if (c.up->user_id != uid || (!c.up->claimed && c.up->expires_at && c.up->expires_at <= now)) {
            err = pf_errf(EB(r), PF_E_NOT_FOUND, "session_id: no such upload session (expired or not yours)");
            goto done;
        }
        blob = &c.up->blob;
        l.filename = dup_or_null(c.up->filename), l.format = dup_or_null(c.up->format);
    } else if (in->model_id) {
        bool staff = who->kind == PF_AUTH_JWT && who->role >= PF_ROLE_MODERATOR;
        bool visible =
            (c.model.is_approved && c.model.is_public) || (uid && c.model.owner_id == uid) || staff;
        static const pf_sha256 zero;
        if (!visible || !memcmp(&c.model.blob, &zero, sizeof zero)) {
            err = pf_errf(EB(r), PF_E_NOT_FOUND, "model_id: no such model");
            goto done;
        }
        blob = &c.model.blob;
        l.filename = dup_or_null(c.model.filename), l.format = dup_or_null(c.model.format);
    }

    /* The estimate, per unit. */
    if (blob) {
        if ((err = entry_acquire(r, blob, &ce))) goto done;
        if ((err = entry_eval(r, ce, infill / 100, &l.est))) goto done;
        memcpy(l.dim_mm, ce->dims, sizeof l.dim_mm);
        l.volume_cm3 = ce->volume_mm3 / 1000;
        l.blob = *blob;
        l.slicer = true;
    } else {
        pf_profile p = shop_profile();
        if ((err = pf_fastquote_estimate(dims, vol, infill / 100, &p, &l.est, EB(r)))) {
            err = PF_E_INVALID_FIELD; /* geometry was checked above; the message says what remains */
            goto done;
        }
        memcpy(l.dim_mm, dims, sizeof l.dim_mm);
        l.volume_cm3 = vol / 1000;
    }
    /* Weight for this material: the estimate's extruded volume at the material's density. */
    l.density_g_cm3 = c.mat->density_g_cm3;
    if (!(isfinite(l.density_g_cm3) && l.density_g_cm3 > 0)) {
        err = pf_errf(EB(r), PF_E_INVAL, "material %s has no valid density", c.mat->name);
        goto done;
    }
    l.est.weight_g = l.est.volume_total_mm3 * l.density_g_cm3 / 1000;

    /* Printers: active, listing the material, bed fits the part (a 90° turn about Z allowed); the first by
     * id (the list is newest first). */
    const pf_printer *pr = NULL;
    for (size_t i = 0; i < c.nprinters; i++) {
        const pf_printer *p = &c.printers[i];
        double bed[3] = {p->bed_x_mm, p->bed_y_mm, p->bed_z_mm};
        if (p->is_active && strv_has(&p->materials, c.mat->name) && pf_bed_fit(l.dim_mm, bed) &&
            (!pr || p->id < pr->id))
            pr = p;
    }
    l.fits = pr != NULL;
    l.printer_id = pr ? pr->id : 0;
    l.printer_watts = in->wattage_w > 0         ? in->wattage_w
                      : pr && pr->wattage_w > 0 ? pr->wattage_w
                                                : ps.printer_watts;

    /* Price. */
    if (!(isfinite(c.mat->cost_per_kg) && c.mat->cost_per_kg >= 0)) {
        err = pf_errf(EB(r), PF_E_INVAL, "material %s has no valid price", c.mat->name);
        goto done;
    }
    l.cost_per_kg = llround(c.mat->cost_per_kg * 100);
    pf_price_input pi = {.weight_g = l.est.weight_g,
                         .print_time_s = l.est.print_time_s,
                         .material_cost_per_kg_paise = l.cost_per_kg,
                         .printer_watts = l.printer_watts,
                         .quantity = in->quantity,
                         .priority = in->priority};
    pf_errbuf peb = {{0}};
    if ((err = pf_price_compute(&ps, &pi, &l.price, &peb))) {
        err = pf_errf(EB(r), PF_E_INVALID_FIELD, "quantity: the order is too large to price (%s)", peb.msg);
        goto done;
    }
    l.quantity = in->quantity;
    l.infill_pct = infill;
    l.priority = in->priority;
    l.session_id = in->session_id;
    l.model_id = in->model_id;
    l.material = strdup(c.mat->name);
    l.color = strdup(color ? color : "");
    l.printer_name = pr && pr->name ? strdup(pr->name) : NULL;
    if (!l.material || !l.color || (pr && pr->name && !l.printer_name) ||
        (c.up && c.up->filename && !l.filename) || (c.model.filename && in->model_id && !l.filename)) {
        err = pf_errf(EB(r), PF_E_NOMEM, "shop line");
        goto done;
    }
done:
    if (ce) cache_put_back(ce);
    line_ctx_clear(&c);
    if (err)
        pf_shop_line_clear(&l);
    else
        *out = l;
    return err;
}

/* ---- JSON ---- */

/* Rounds to 2 (3) decimals for display of grams, mm, cm³ and seconds (money is exact through
 * pf_price_to_inr). */
static double r2(double v)
{
    return round(v * 100) / 100;
}

static double r3(double v)
{
    return round(v * 1000) / 1000;
}

/* The keys of the breakdown's buckets, in bucket order (pf_estimate_bucket_name's names; tests/test_shop.c
 * checks them). */
static const pf_jw_key bucket_keys[PF_TIME_N] = {
    [PF_FEAT_EXT_PERIMETER] = PF_JW_KEY_INIT("external_perimeter"),
    [PF_FEAT_PERIMETER] = PF_JW_KEY_INIT("perimeter"),
    [PF_FEAT_SOLID] = PF_JW_KEY_INIT("solid"),
    [PF_FEAT_INFILL] = PF_JW_KEY_INIT("infill"),
    [PF_FEAT_SUPPORT] = PF_JW_KEY_INIT("support"),
    [PF_TIME_TRAVEL] = PF_JW_KEY_INIT("travel"),
    [PF_TIME_OTHER] = PF_JW_KEY_INIT("other"),
};

void pf_shop_line_write(pf_jw *w, const char *key, const pf_shop_line *l, const pf_shop_line_extra *x)
{
    pf_jw_obj(w, key);
    pf_jw_str_k(w, PF_JW_KEY("material"), l->material ? l->material : "");
    pf_jw_str_k(w, PF_JW_KEY("color"), l->color ? l->color : "");
    pf_jw_num_k(w, PF_JW_KEY("quantity"), (double)l->quantity);
    pf_jw_num_k(w, PF_JW_KEY("infill"), l->infill_pct);
    pf_jw_bool_k(w, PF_JW_KEY("priority_print"), l->priority);
    pf_jw_str_k(w, PF_JW_KEY("estimate"), l->slicer ? "slicer" : "fast");
    pf_jw_num_k(w, PF_JW_KEY("weight_g"), r2(l->est.weight_g));
    pf_jw_num_k(w, PF_JW_KEY("total_weight_g"), r2(l->est.weight_g * (double)l->quantity));
    pf_jw_num_k(w, PF_JW_KEY("print_time_s"), round(l->est.print_time_s));
    pf_jw_num_k(w, PF_JW_KEY("job_time_s"), round(l->est.job_time_s));
    pf_jw_num_k(w, PF_JW_KEY("total_print_time_s"), round(l->est.print_time_s * (double)l->quantity));
    pf_jw_num_k(w, PF_JW_KEY("print_time_hours"), r2(l->est.print_time_s / 3600));
    pf_jw_num_k(w, PF_JW_KEY("volume_cm3"), r2(l->volume_cm3));
    pf_jw_obj_k(w, PF_JW_KEY("dimensions_mm"));
    pf_jw_num_k(w, PF_JW_KEY("x"), r2(l->dim_mm[0]));
    pf_jw_num_k(w, PF_JW_KEY("y"), r2(l->dim_mm[1]));
    pf_jw_num_k(w, PF_JW_KEY("z"), r2(l->dim_mm[2]));
    pf_jw_end(w);
    pf_jw_bool_k(w, PF_JW_KEY("fits"), l->fits);
    if (l->fits) {
        pf_jw_obj_k(w, PF_JW_KEY("printer"));
        pf_jw_num_k(w, PF_JW_KEY("id"), (double)l->printer_id);
        pf_jw_str_k(w, PF_JW_KEY("name"), l->printer_name ? l->printer_name : "");
        pf_jw_end(w);
    } else {
        pf_jw_null_k(w, PF_JW_KEY("printer"));
    }
    if (l->session_id) pf_jw_num_k(w, PF_JW_KEY("session_id"), (double)l->session_id);
    if (l->model_id) pf_jw_num_k(w, PF_JW_KEY("model_id"), (double)l->model_id);
    pf_jw_obj_k(w, PF_JW_KEY("price"));
    pf_jw_str_k(w, PF_JW_KEY("currency"), "INR");
    pf_jw_num_k(w, PF_JW_KEY("material"), pf_price_to_inr(l->price.material));
    pf_jw_num_k(w, PF_JW_KEY("printing"), pf_price_to_inr(l->price.printing));
    pf_jw_num_k(w, PF_JW_KEY("priority"), pf_price_to_inr(l->price.priority));
    pf_jw_num_k(w, PF_JW_KEY("gst"), pf_price_to_inr(l->price.gst));
    pf_jw_num_k(w, PF_JW_KEY("total"), pf_price_to_inr(x && x->total_set ? x->total : l->price.total));
    if (x && x->price_more) x->price_more(w, x->ctx);
    pf_jw_end(w);
    pf_jw_obj_k(w, PF_JW_KEY("breakdown"));
    pf_jw_num_k(w, PF_JW_KEY("layers"), (double)l->est.layers);
    pf_jw_num_k(w, PF_JW_KEY("filament_m"), r2(l->est.filament_m));
    pf_jw_num_k(w, PF_JW_KEY("extruded_cm3"), r3(l->est.volume_total_mm3 / 1000));
    pf_jw_num_k(w, PF_JW_KEY("density_g_cm3"), l->density_g_cm3);
    pf_jw_num_k(w, PF_JW_KEY("slowed_layers"), (double)l->est.slowed_layers);
    pf_jw_obj_k(w, PF_JW_KEY("volumes_cm3"));
    for (int k = 0; k < PF_FEAT_N; k++)
        pf_jw_num_k(w, bucket_keys[k], r3(l->est.volume_mm3[k] / 1000));
    pf_jw_end(w);
    pf_jw_obj_k(w, PF_JW_KEY("time_s"));
    for (int k = 0; k < PF_TIME_N; k++)
        pf_jw_num_k(w, bucket_keys[k], r2(l->est.time_s[k]));
    pf_jw_end(w);
    pf_jw_end(w);
    if (x && x->more) x->more(w, x->ctx);
    pf_jw_end(w);
}

cJSON *pf_shop_line_json(const pf_shop_line *l)
{
    pf_jw w;
    cJSON *o = NULL;
    pf_jw_init(&w, PF_JW_TREE, 0);
    pf_shop_line_write(&w, NULL, l, NULL);
    return pf_jw_take_tree(&w, &o) ? NULL : o;
}
