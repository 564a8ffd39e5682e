/* Receiving model files (api/upload.h) and POST /api/upload-for-cart: the file part is checked against the
 * allowed formats as soon as it starts, buffered for the reader while its SHA-256 is computed on the fly,
 * then read, analysed and estimated (pf_shop_cache_mesh) after the body; the blob is stored unless the same
 * bytes are stored already (identical re-uploads cost no blob write), and the upload record is put in the
 * same write transaction. Expired unclaimed uploads are purged lazily and at server start. */
#include "api/upload.h"

#include <ctype.h>
#include <pthread.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/json_cs.h"
#include "api/routes.h"
#include "api/sha256.h"
#include "api/shop.h"

#define EB(r) pf_req_eb(r)
/* Lazy purges run at most this often per process. */
#define PURGE_EVERY_S 600
/* Uploads deleted per write transaction by a purge (keeps each transaction short). */
#define PURGE_BATCH 256

/* Per-request state of a file part. */
typedef struct upload_ctx {
    char *buf;          /* the file's bytes */
    size_t n, cap;      /* used, allocated */
    size_t limit;       /* refused beyond (site.max_file_size_mb) */
    pf_sha256_stream *sha; /* SHA-256 of the bytes so far */
    char filename[256]; /* client file name, sanitised */
    char ext[8];        /* its extension, lower-case ("stl") */
    bool started;       /* a model_file part arrived */
} upload_ctx;

/* One spare file buffer per worker thread, so uploads reuse memory that is already mapped instead of faulting
 * in fresh pages (and growing by copies) each time; buffers above SPARE_MAX are not kept. */
#define SPARE_MAX ((size_t)16 << 20)
typedef struct spare_buf {
    char *p;    /* buffer */
    size_t cap; /* its size */
} spare_buf;
static pthread_key_t g_spare;
static pthread_once_t g_spare_once = PTHREAD_ONCE_INIT;

static void spare_free(void *p)
{
    spare_buf *s = p;
    if (s) free(s->p);
    free(s);
}

static void spare_init(void)
{
    pthread_key_create(&g_spare, spare_free);
}

/* A buffer of at least want bytes into c (the spare when big enough). */
static bool buf_take(upload_ctx *c, size_t want)
{
    pthread_once(&g_spare_once, spare_init);
    spare_buf *s = pthread_getspecific(g_spare);
    if (s && s->p && s->cap >= want) {
        c->buf = s->p, c->cap = s->cap;
        s->p = NULL, s->cap = 0;
        return true;
    }
    c->buf = malloc(want), c->cap = want;
    return c->buf != NULL;
}

/* Gives c's buffer back to this thread's spare slot, or frees it. */
static void buf_give(upload_ctx *c)
{
    if (!c->buf) return;
    pthread_once(&g_spare_once, spare_init);
    spare_buf *s = pthread_getspecific(g_spare);
    if (!s && c->cap <= SPARE_MAX && (s = calloc(1, sizeof *s)) && pthread_setspecific(g_spare, s)) {
        free(s);
        s = NULL;
    }
    if (s && c->cap <= SPARE_MAX && c->cap > s->cap) {
        free(s->p);
        s->p = c->buf, s->cap = c->cap;
    } else {
        free(c->buf);
    }
    c->buf = NULL, c->n = c->cap = 0;
}

static void upload_ctx_free(void *p)
{
    upload_ctx *c = p;
    if (!c) return;
    buf_give(c);
    pf_sha256_free(c->sha);
    free(c);
}

/* True when fmt ("stl", "obj", "3mf") is listed in site.upload_formats. */
static bool format_allowed(pf_req *r, const char *fmt)
{
    const char *list = pf_req_setting(r, "site.upload_formats", "stl,obj,3mf");
    size_t n = strlen(fmt);
    for (const char *p = list; *p;) {
        while (*p == ',' || *p == ' ' || *p == '.')
            p++;
        size_t l = strcspn(p, ", ");
        if (l == n && !strncasecmp(p, fmt, n)) return true;
        p += l;
    }
    return false;
}

static size_t max_file_bytes(pf_req *r)
{
    unsigned long long mb = strtoull(pf_req_setting(r, "site.max_file_size_mb", "50"), NULL, 10);
    return (size_t)(mb ? mb : 50) << 20;
}

/* The file name without directories or control characters, at most 200 bytes. */
static void sanitise_name(const char *in, char *out, size_t len)
{
    const char *base = in;
    for (const char *p = in; *p; p++)
        if (*p == '/' || *p == '\\') base = p + 1;
    size_t n = 0;
    for (const char *p = base; *p && n + 1 < len && n < 200; p++)
        out[n++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '_' : *p;
    out[n] = 0;
    if (!n) snprintf(out, len, "model");
}

pf_err pf_upload_on_part(pf_req *r, const pf_form_part *part, const char *data, size_t len)
{
    upload_ctx *c = pf_req_ctx(r);
    if (strcmp(part->name, "model_file"))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: file fields are not accepted here (send model_file)",
                       part->name);
    if (part->offset == 0) {
        if (c && c->started) return pf_errf(EB(r), PF_E_INVALID_FIELD, "model_file: send one file only");
        if (!c) {
            if (!(c = calloc(1, sizeof *c))) return pf_errf(EB(r), PF_E_NOMEM, "upload");
            pf_req_set_ctx(r, c, upload_ctx_free);
        }
        c->started = true;
        c->limit = max_file_bytes(r);
        /* Sized from the body's length up front: growing a multi-megabyte buffer by copies costs more than
         * hashing it. */
        const char *cl = pf_req_header(r, "Content-Length");
        unsigned long long want = cl ? strtoull(cl, NULL, 10) : 0;
        if (want < (1u << 16)) want = 1u << 16;
        if (want > c->limit) want = c->limit;
        if (!buf_take(c, (size_t)want)) return pf_errf(EB(r), PF_E_NOMEM, "upload buffer");
        if (!(c->sha = pf_sha256_begin(0)))
            return pf_errf(EB(r), PF_E_NOMEM, "upload digest");
        sanitise_name(part->filename ? part->filename : "", c->filename, sizeof c->filename);
        const char *dot = strrchr(c->filename, '.');
        size_t el = dot ? strlen(dot + 1) : 0;
        if (!dot || el == 0 || el >= sizeof c->ext)
            return pf_errf(EB(r), PF_E_FORMAT_UNKNOWN, "model_file: the file name needs an extension (%s)",
                           pf_req_setting(r, "site.upload_formats", "stl,obj,3mf"));
        for (size_t i = 0; i <= el; i++)
            c->ext[i] = (char)tolower((unsigned char)dot[1 + i]);
        if (!format_allowed(r, c->ext))
            return pf_errf(EB(r), PF_E_FORMAT_UNKNOWN, "model_file: .%s files are not accepted (%s)", c->ext,
                           pf_req_setting(r, "site.upload_formats", "stl,obj,3mf"));
    }
    if (!c || !c->started) return pf_errf(EB(r), PF_E_INVAL, "model_file: part out of order");
    if (len > c->limit - c->n)
        return pf_errf(EB(r), PF_E_TOO_LARGE, "model_file: larger than %zu MB", c->limit >> 20);
    if (c->n + len > c->cap) {
        size_t cap = c->cap ? c->cap : 1 << 16;
        while (cap < c->n + len)
            cap *= 2;
        char *b = realloc(c->buf, cap);
        if (!b) return pf_errf(EB(r), PF_E_NOMEM, "upload buffer");
        c->buf = b, c->cap = cap;
    }
    memcpy(c->buf + c->n, data, len);
    c->n += len;
    if (pf_sha256_add(c->sha, data, len)) return pf_errf(EB(r), PF_E_NOMEM, "upload digest");
    return PF_E_OK;
}

static const char *format_word(pf_format f)
{
    switch (f) {
    case PF_FORMAT_STL_BINARY:
    case PF_FORMAT_STL_ASCII:
        return "stl";
    case PF_FORMAT_OBJ:
        return "obj";
    case PF_FORMAT_3MF:
        return "3mf";
    default:
        return NULL;
    }
}

/* The store step: the blob (unless stored already) and the upload record in one write transaction. */
typedef struct store_ctx {
    pf_store *st;      /* store */
    pf_upload *up;     /* record to put (blob set) */
    pf_blob_writer *w; /* staged blob, NULL = expect it stored already */
} store_ctx;

static pf_err store_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    store_ctx *c = vctx;
    pf_err err;
    if (c->w) {
        pf_sha256 sha;
        if ((err = pf_store_blob_finish(c->w, t, &sha, NULL, eb))) return err;
        if (memcmp(&sha, &c->up->blob, sizeof sha)) return pf_errf(eb, PF_E_STORAGE, "blob digest mismatch");
    } else {
        pf_blob_info bi;
        if ((err = pf_store_blob_stat(c->st, t, &c->up->blob, &bi, eb))) return err; /* NOT_FOUND: write it */
    }
    return pf_store_upload_put(c->st, t, c->up, eb);
}

/* Group commit: every upload needs a durable commit (an fdatasync or two, milliseconds on an ordinary disk)
 * and LMDB serialises writers, so uploads that arrive while a commit is running are put together in the next
 * transaction by whichever of them runs it; each waits for the commit that holds its record. */
typedef struct commit_req {
    store_ctx c;             /* what to store */
    pf_err err;              /* its result */
    pf_errbuf eb;            /* its details */
    bool done;               /* err is final */
    struct commit_req *next; /* pending list */
} commit_req;

#define BATCH_MAX 64

static struct {
    pthread_mutex_t mu; /* guards the fields below */
    pthread_cond_t cv;  /* a batch finished */
    commit_req *head;   /* pending, oldest first */
    bool busy;          /* a batch is being committed */
} g_commit = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, false};

typedef struct batch {
    commit_req *v[BATCH_MAX]; /* members */
    size_t n;                 /* count */
} batch;

static pf_err batch_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    batch *b = vctx;
    for (size_t i = 0; i < b->n; i++) {
        commit_req *q = b->v[i];
        q->err = store_fn(t, &q->c, &q->eb);
        /* A blob that is not stored yet leaves that member out (nothing was written for it). */
        if (q->err == PF_E_NOT_FOUND && !q->c.w) continue;
        if (q->err) return pf_errf(eb, q->err, "%s", q->eb.msg);
    }
    return PF_E_OK;
}

static pf_err commit(pf_store *st, pf_upload *up, pf_blob_writer *w, pf_errbuf *eb)
{
    commit_req q = {.c = {st, up, w}};
    pthread_mutex_lock(&g_commit.mu);
    commit_req **pp = &g_commit.head;
    while (*pp)
        pp = &(*pp)->next;
    *pp = &q;
    while (!q.done) {
        if (g_commit.busy) {
            pthread_cond_wait(&g_commit.cv, &g_commit.mu);
            continue;
        }
        /* Lead a batch: every pending upload of this store (oldest first, bounded). */
        g_commit.busy = true;
        batch b = {.n = 0};
        for (pp = &g_commit.head; *pp && b.n < BATCH_MAX;) {
            if ((*pp)->c.st == st) {
                b.v[b.n++] = *pp;
                *pp = (*pp)->next;
            } else {
                pp = &(*pp)->next;
            }
        }
        pthread_mutex_unlock(&g_commit.mu);
        pf_errbuf beb = {{0}};
        if (pf_store_write(st, batch_fn, &b, &beb))
            for (size_t i = 0; i < b.n; i++) /* one member spoiled the batch: each on its own */
                b.v[i]->err = pf_store_write(st, store_fn, &b.v[i]->c, &b.v[i]->eb);
        pthread_mutex_lock(&g_commit.mu);
        for (size_t i = 0; i < b.n; i++)
            b.v[i]->done = true;
        g_commit.busy = false;
        pthread_cond_broadcast(&g_commit.cv);
    }
    pthread_mutex_unlock(&g_commit.mu);
    if (q.err) pf_errf(eb, q.err, "%s", q.eb.msg);
    return q.err;
}

static pf_err store_upload(pf_req *r, const upload_ctx *u, pf_upload *up)
{
    pf_store *st = pf_req_store(r);
    pf_errbuf eb = {{0}};
    pf_err err = commit(st, up, NULL, &eb);
    if (err == PF_E_NOT_FOUND) { /* new content: stage the blob, then publish it with the record */
        pf_blob_writer *w = NULL;
        err = pf_store_blob_begin(st, &w, &eb);
        if (!err) err = pf_store_blob_write(w, u->buf, u->n, &eb);
        if (!err) err = commit(st, up, w, &eb);
        pf_store_blob_free(w);
    }
    if (err) return pf_errf(EB(r), err == PF_E_NOMEM ? err : PF_E_STORAGE, "storing the upload: %s", eb.msg);
    return PF_E_OK;
}

/* Warnings for the customer: what may make the print fail or differ from the file. */
static cJSON *warnings_for(pf_req *r, const pf_analysis *a, pf_err *err)
{
    cJSON *w = cJSON_CreateArray();
    char msg[160];
    bool ok = w != NULL;
#define WARN(...)                                                                                            \
    (snprintf(msg, sizeof msg, __VA_ARGS__), ok = ok && cJSON_AddItemToArray(w, cJSON_CreateString(msg)))
    if (ok && !a->watertight)
        WARN(
            "not watertight: %zu open and %zu non-manifold edges; the printed part may differ from the model",
            a->boundary_edges, a->non_manifold_edges);
    if (ok && a->stats.inverted) WARN("inverted normals: the faces point inward");
    if (ok && a->degenerate_triangles) WARN("%zu degenerate triangles were ignored", a->degenerate_triangles);
    if (ok && a->shells > 1) WARN("%zu separate parts: they are printed together", a->shells);
#undef WARN
    /* Too large for every active printer: read the printers once. */
    pf_printer *pr = NULL;
    size_t n = 0;
    uint64_t next;
    pf_errbuf eb;
    if (ok && !pf_store_printer_list(pf_req_store(r), NULL, 0, 1000, &pr, &n, &next, &eb)) {
        bool fits = false;
        for (size_t i = 0; i < n && !fits; i++) {
            double bed[3] = {pr[i].bed_x_mm, pr[i].bed_y_mm, pr[i].bed_z_mm};
            fits = pr[i].is_active && pf_bed_fit(a->stats.dims, bed);
        }
        if (!fits) {
            snprintf(msg, sizeof msg, "too large for every active printer (%.1f x %.1f x %.1f mm)",
                     a->stats.dims[0], a->stats.dims[1], a->stats.dims[2]);
            ok = cJSON_AddItemToArray(w, cJSON_CreateString(msg));
        }
        pf_printer_list_free(pr, n);
    }
    if (!ok) {
        cJSON_Delete(w);
        *err = PF_E_NOMEM;
        return NULL;
    }
    return w;
}

/* Lazy purge: at most once per PURGE_EVERY_S per process, by whichever upload comes first. */
static void purge_lazily(pf_req *r, int64_t now)
{
    static _Atomic int64_t last;
    int64_t prev = atomic_load(&last);
    if (now - prev < PURGE_EVERY_S || !atomic_compare_exchange_strong(&last, &prev, now)) return;
    pf_errbuf eb;
    pf_upload_purge_expired(pf_req_store(r), now, NULL, &eb);
}

pf_err pf_upload_finish(pf_req *r, pf_upload *out, pf_analysis *analysis, cJSON **warnings)
{
    upload_ctx *c = pf_req_ctx(r);
    pf_mesh *mesh = NULL;
    cJSON *warn = NULL;
    pf_upload up = {0};
    pf_err err = PF_E_OK;
    if (!c || !c->started || c->n == 0) return pf_errf(EB(r), PF_E_INVALID_FIELD, "model_file: missing");

    const char *fmt = format_word(pf_mesh_detect(c->buf, c->n));
    if (!fmt) return pf_errf(EB(r), PF_E_FORMAT_UNKNOWN, "model_file: not an STL, OBJ or 3MF file");
    if (!format_allowed(r, fmt))
        return pf_errf(EB(r), PF_E_FORMAT_UNKNOWN, "model_file: the content is %s, which is not accepted",
                       fmt);

    pf_sha256 sha;
    if (pf_sha256_end(c->sha, sha.b))
        return pf_errf(EB(r), PF_E_NOMEM, "upload digest");
    pf_analysis an;
    pf_errbuf eb = {{0}};
    /* The same bytes were read, analysed and prepared before: their results are in memory. */
    bool known = pf_shop_cache_analysis(&sha, &an);
    pf_intake_limits lim = {.max_file_bytes = c->limit};
    if (!known && (err = pf_mesh_read_mem(c->buf, c->n, &lim, &mesh, &eb))) {
        pf_errf(EB(r), err, "model_file: %s: %s", pf_err_message(err), eb.msg);
        goto done;
    }
    pf_analyze_opts ao = {.threads = 1};
    if (!known && (err = pf_mesh_analyze(mesh, &ao, &an, &eb))) {
        pf_errf(EB(r), err == PF_E_NOMEM ? err : PF_E_INVALID_FIELD, "model_file: %s", eb.msg);
        if (err != PF_E_NOMEM) err = PF_E_INVALID_FIELD;
        goto done;
    }
    if (!known && (err = pf_shop_cache_mesh_analysed(r, &sha, mesh, &an))) {
        if (err != PF_E_NOMEM && err != PF_E_DEVICE) {
            char m[sizeof EB(r)->msg];
            snprintf(m, sizeof m, "%s", EB(r)->msg);
            pf_errf(EB(r), PF_E_INVALID_FIELD, "model_file: cannot be printed: %s", m);
            err = PF_E_INVALID_FIELD;
        }
        goto done;
    }
    if (!(warn = warnings_for(r, &an, &err))) goto done;

    double hours = 24;
    const char *hs = pf_req_setting(r, "upload.expiry_hours", "24");
    char *end;
    double hv = strtod(hs, &end);
    if (end != hs && isfinite(hv) && hv > 0 && hv <= 24 * 365) hours = hv;
    int64_t now = (int64_t)time(NULL);
    const pf_principal *who = pf_req_principal(r);
    up = (pf_upload){.user_id = who->kind == PF_AUTH_JWT ? who->user.id : 0,
                     .filename = strdup(c->filename),
                     .format = strdup(fmt),
                     .blob = sha,
                     .size = c->n,
                     .volume_mm3 = an.stats.volume_mm3,
                     .dim_x_mm = an.stats.dims[0],
                     .dim_y_mm = an.stats.dims[1],
                     .dim_z_mm = an.stats.dims[2],
                     .triangles = an.stats.triangles,
                     .created_at = now,
                     .expires_at = now + (int64_t)llround(hours * 3600),
                     .watertight = an.watertight,
                     .inverted = an.stats.inverted};
    if (!up.filename || !up.format) {
        err = pf_errf(EB(r), PF_E_NOMEM, "upload");
        goto done;
    }
    if ((err = store_upload(r, c, &up))) goto done;
    purge_lazily(r, now);
    /* The bytes are no longer needed: release them before the answer is built. */
    buf_give(c);
    *out = up;
    memset(&up, 0, sizeof up);
    *analysis = an;
    if (warnings) *warnings = warn, warn = NULL;
done:
    cJSON_Delete(warn);
    pf_upload_clear(&up);
    pf_mesh_free(mesh);
    return err;
}

/* ---- purge ---- */

typedef struct purge_ctx {
    pf_store *st;    /* store */
    int64_t now;     /* expiry reference */
    uint64_t from;   /* list cursor of this transaction (0 = newest) */
    uint64_t resume; /* where the next transaction continues (ids below it) */
    size_t removed;  /* deleted in this transaction */
    bool more;       /* the batch filled up: run again */
} purge_ctx;

static pf_err purge_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    purge_ctx *c = vctx;
    uint64_t cursor = c->from;
    c->removed = 0, c->more = false;
    pf_err err = PF_E_OK;
    do {
        pf_upload *arr = NULL;
        size_t n = 0;
        uint64_t next = 0;
        if ((err = pf_store_upload_list(c->st, t, cursor, 512, &arr, &n, &next, eb))) break;
        for (size_t i = 0; i < n && !err && !c->more; i++) {
            const pf_upload *u = &arr[i];
            if (u->claimed || !u->expires_at || u->expires_at > c->now) continue;
            if ((err = pf_store_upload_del(c->st, t, u->id, eb))) break;
            if (++c->removed == PURGE_BATCH) c->more = true, c->resume = u->id;
        }
        pf_upload_list_free(arr, n);
        cursor = next;
    } while (!err && !c->more && cursor);
    return err;
}

pf_err pf_upload_purge_expired(pf_store *st, int64_t now, size_t *removed, pf_errbuf *eb)
{
    purge_ctx c = {.st = st, .now = now};
    size_t total = 0;
    pf_err err;
    do {
        err = pf_store_write(st, purge_fn, &c, eb);
        if (!err) total += c.removed, c.from = c.resume;
    } while (!err && c.more);
    if (!err && removed) *removed = total;
    return err;
}

/* ---- POST /api/upload-for-cart ---- */

/* The first active material by id (the shop's default for quotes). */
static pf_err default_material(pf_req *r, char **out)
{
    pf_material *arr = NULL;
    size_t n = 0;
    uint64_t next;
    pf_err err = pf_store_material_list(pf_req_store(r), NULL, 0, 1000, &arr, &n, &next, EB(r));
    if (err) return err;
    const pf_material *best = NULL;
    for (size_t i = 0; i < n; i++)
        if (arr[i].is_active && (!best || arr[i].id < best->id)) best = &arr[i];
    char *s = best ? strdup(best->name) : NULL;
    pf_material_list_free(arr, n);
    if (!best) return pf_errf(EB(r), PF_E_NOT_FOUND, "no active material");
    if (!s) return pf_errf(EB(r), PF_E_NOMEM, "material");
    *out = s;
    return PF_E_OK;
}

static pf_err upload_for_cart(pf_req *r, pf_resp *w)
{
    pf_upload up = {0};
    pf_analysis an;
    cJSON *warn = NULL, *o = NULL;
    char *mat = NULL;
    pf_shop_line line = {0};
    pf_err err = pf_upload_finish(r, &up, &an, &warn);
    if (err) return err;
    if (!(o = cJSON_CreateObject())) {
        err = PF_E_NOMEM;
        goto done;
    }
    cJSON *d;
    bool ok =
        pf_json_num(o, "session_id", (double)up.id) && pf_json_str(o, "filename", up.filename) &&
        pf_json_str(o, "format", up.format) && pf_json_num(o, "size_bytes", (double)up.size) &&
        (d = pf_json_obj(o, "dimensions_mm")) && pf_json_num(d, "x", round(up.dim_x_mm * 100) / 100) &&
        pf_json_num(d, "y", round(up.dim_y_mm * 100) / 100) &&
        pf_json_num(d, "z", round(up.dim_z_mm * 100) / 100) &&
        pf_json_num(o, "volume_cm3", round(up.volume_mm3 / 10) / 100) &&
        pf_json_num(o, "surface_area_cm2", round(an.stats.area_mm2) / 100) &&
        pf_json_num(o, "triangles", (double)up.triangles) && pf_json_bool(o, "watertight", up.watertight) &&
        pf_json_bool(o, "inverted", up.inverted) && pf_json_num(o, "shells", (double)an.shells) &&
        pf_json_num(o, "expires_at", (double)up.expires_at) && cJSON_AddItemToObject(o, "warnings", warn);
    if (ok) warn = NULL;
    if (!ok) {
        err = PF_E_NOMEM;
        goto done;
    }
    /* The default quote: first active material, its first color, default infill, one unit. */
    if ((err = default_material(r, &mat))) goto done;
    pf_shop_item it = {.material = mat, .quantity = 1, .infill_pct = -1, .session_id = up.id};
    double qmin = strtod(pf_req_setting(r, "order.min_qty", "1"), NULL);
    if (qmin > 1 && qmin <= PF_PRICE_MAX_QUANTITY) it.quantity = (int64_t)ceil(qmin);
    if ((err = pf_shop_price_line(r, &it, &line))) goto done;
    cJSON *q = pf_shop_line_json(&line);
    if (!q || !cJSON_AddItemToObject(o, "quote", q)) {
        cJSON_Delete(q);
        err = PF_E_NOMEM;
        goto done;
    }
    err = pf_resp_json(w, 200, o);
    o = NULL;
done:
    pf_shop_line_clear(&line);
    free(mat);
    cJSON_Delete(warn);
    cJSON_Delete(o);
    pf_upload_clear(&up);
    return err;
}

static const pf_route routes[] = {
    {PF_POST, "/api/upload-for-cart", upload_for_cart, PF_ACCESS_USER, NULL, PF_LIMIT_UPLOAD,
     PF_BODY_MULTIPART, 0, pf_upload_on_part},
};

const pf_route_table pf_api_upload_routes = {routes, sizeof routes / sizeof routes[0]};
